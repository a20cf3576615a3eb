"""keras_cnns: Keras 3 builders for the classic CNNs, with keras.applications' signatures.

    >>> import keras_cnns
    >>> model = keras_cnns.VGG16(include_top=False, input_shape=(64, 64, 3), pooling="avg")
    >>> keras_cnns.list_models("vgg1*")
    ['vgg11', 'vgg11_bn', 'vgg11_lrn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg16_c', 'vgg16_c_bn', 'vgg19', 'vgg19_bn']
    >>> keras_cnns.model_info("lenet5_modern")["parameters"]
    61706
    >>> keras_cnns.model_spec("resnet20").knobs["stage_blocks"].describe()
    'a tuple of 3 integers in [1, 64]'

Every family module under `keras_cnns.models` lists its public builders in `__all__`; they are exported here
(`keras_cnns.ResNet50`, `keras_cnns.ResNet`, ...).
"""

from keras_cnns import quiet

quiet.silence_cli_process()  # before TensorFlow is imported: its start-up lines ignore TF_CPP_MIN_LOG_LEVEL

from keras_cnns import layers, models  # noqa: E402
from keras_cnns.models.alexnet import *  # noqa: E402,F401,F403
from keras_cnns.models.allconv import *  # noqa: E402,F401,F403
from keras_cnns.models.densenet import *  # noqa: E402,F401,F403
from keras_cnns.models.googlenet import *  # noqa: E402,F401,F403
from keras_cnns.models.inception import *  # noqa: E402,F401,F403
from keras_cnns.models.inception_resnet import *  # noqa: E402,F401,F403
from keras_cnns.models.lenet import *  # noqa: E402,F401,F403
from keras_cnns.models.mobilenet import *  # noqa: E402,F401,F403
from keras_cnns.models.nin import *  # noqa: E402,F401,F403
from keras_cnns.models.resnet import *  # noqa: E402,F401,F403
from keras_cnns.models.shufflenet import *  # noqa: E402,F401,F403
from keras_cnns.models.squeezenet import *  # noqa: E402,F401,F403
from keras_cnns.models.stn import *  # noqa: E402,F401,F403
from keras_cnns.models.swwae import *  # noqa: E402,F401,F403
from keras_cnns.models.vgg import *  # noqa: E402,F401,F403
from keras_cnns.models.zfnet import *  # noqa: E402,F401,F403
from keras_cnns.models import FAMILY_MODULES  # noqa: E402
from keras_cnns.registry import (  # noqa: E402
    Knob, ModelSpec, Paper, Spec, family_builder, get_builder, get_model, list_families, list_models, model_info,
    model_spec,
)

__version__ = "0.1.0"

__all__ = sorted(name for module in FAMILY_MODULES for name in module.__all__) + [
    "Knob", "ModelSpec", "Paper", "Spec", "family_builder", "get_builder", "get_model", "layers", "list_families",
    "list_models", "model_info", "model_spec", "models",
]
