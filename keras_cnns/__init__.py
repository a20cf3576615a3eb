"""keras_cnns: Keras 3 builders for the classic CNNs, with keras.applications' signatures.

    >>> import keras_cnns
    >>> model = keras_cnns.VGG16(include_top=False, input_shape=(64, 64, 3), pooling="avg")
    >>> keras_cnns.list_models("vgg1*")
    >>> keras_cnns.model_info("lenet5_modern")["parameters"]
    61706
"""

from keras_cnns import layers, models  # noqa: F401  (importing models registers them)
from keras_cnns.models.alexnet import AlexNet
from keras_cnns.models.allconv import (
    AllCNNA,
    AllCNNB,
    AllCNNC,
    AllConvModelA,
    AllConvModelB,
    AllConvModelC,
    AllConvNet,
    ConvPoolCNNA,
    ConvPoolCNNB,
    ConvPoolCNNC,
    StridedCNNA,
    StridedCNNB,
    StridedCNNC,
)
from keras_cnns.models.lenet import LeNet5
from keras_cnns.models.nin import NiN
from keras_cnns.models.vgg import (
    VGG,
    VGG11,
    VGG11_BN,
    VGG11_LRN,
    VGG13,
    VGG13_BN,
    VGG16,
    VGG16_BN,
    VGG16_C,
    VGG16_C_BN,
    VGG19,
    VGG19_BN,
)
from keras_cnns.models.zfnet import ZFNet
from keras_cnns.registry import get_builder, get_model, list_families, list_models, model_info

__version__ = "0.1.0"
