"""keras_cnns: Keras 3 builders for the classic CNNs, with keras.applications' signatures.

    >>> import keras_cnns
    >>> model = keras_cnns.VGG16(include_top=False, input_shape=(64, 64, 3), pooling="avg")
    >>> keras_cnns.list_models("vgg1*")
    ['vgg11', 'vgg11_bn', 'vgg11_lrn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg16_c', 'vgg16_c_bn', 'vgg19', 'vgg19_bn']
    >>> keras_cnns.model_info("lenet5_modern")["parameters"]
    61706

Every family module under `keras_cnns.models` lists its public builders in `__all__`; they are exported
here (`keras_cnns.ResNet50`, `keras_cnns.VGG`, ...).
"""

from keras_cnns import quiet

quiet.silence_cli_process()  # before TensorFlow is imported: its start-up lines ignore TF_CPP_MIN_LOG_LEVEL

from keras_cnns import layers, models  # noqa: E402
from keras_cnns.registry import get_builder, get_model, list_families, list_models, model_info  # noqa: E402

__version__ = "0.1.0"

_builders = {name: getattr(module, name) for module in models.FAMILY_MODULES for name in getattr(module, "__all__", ())}
globals().update(_builders)
__all__ = sorted(_builders) + ["get_builder", "get_model", "layers", "list_families", "list_models", "model_info", "models"]
