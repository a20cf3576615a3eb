"""VGG.

Reference:
- [Very Deep Convolutional Networks for Large-Scale Image Recognition](https://arxiv.org/abs/1409.1556)
  (ICLR 2015)

Configurations A (11 layers), A-LRN, B (13), C (16, with 1x1 convolutions), D (16) and E (19) of the
paper's Table 1, with or without batch normalization after each convolution. `VGG16`/`VGG19` build the
same graph as `keras.applications.VGG16`/`VGG19` (same layer names, order and weights files); like them
they have no dropout by default (the paper trained with dropout 0.5 in FC6/FC7: pass `dropout=0.5`).
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, decode_predictions
from keras_cnns.checks import check_bool, check_choice, check_rate
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.models.alexnet import fully_connected_head
from keras_cnns.registry import Paper, register_variant

__all__ = ["VGG", "VGG11", "VGG11_LRN", "VGG11_BN", "VGG13", "VGG13_BN", "VGG16_C", "VGG16_C_BN", "VGG16", "VGG16_BN", "VGG19", "VGG19_BN"]

PAPER = Paper("Very Deep Convolutional Networks for Large-Scale Image Recognition", 2014,
              "https://arxiv.org/abs/1409.1556")

# Filters of each convolution per block; "1x1:" marks configuration C's 1x1 convolutions.
CONFIGS = {
    "A": ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    "B": ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    "C": ((64, 64), (128, 128), (256, 256, "1x1:256"), (512, 512, "1x1:512"), (512, 512, "1x1:512")),
    "D": ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    "E": ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512)),
}
DEPTH_TO_CONFIG = {11: "A", 13: "B", 16: "D", 19: "E"}

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/"
IMAGENET_WEIGHTS = {
    "D": ImagenetWeights(
        top=WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                        _KERAS_WEIGHTS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                        "64373286793e3c8b2b4e3219cbf3544b"),
        notop=WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          _KERAS_WEIGHTS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          "6d6bbae143d832006294945121d1f1fc"),
    ),
    "E": ImagenetWeights(
        top=WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                        _KERAS_WEIGHTS + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                        "cbe5617147190e668d6c5d5026f83318"),
        notop=WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          _KERAS_WEIGHTS + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          "253f8cb515780f3b799900260a226db6"),
    ),
}


def preprocess_input(x, data_format=None):
    """keras.applications.vgg16.preprocess_input: RGB -> BGR, ImageNet mean subtracted, no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")



def conv_block(x, filters, block, batch_norm, lrn_after_first=False):
    """3x3 (or 1x1) convolutions, then 2x2 max pooling; names as keras.applications (`block1_conv1`)."""
    for index, spec in enumerate(filters, start=1):
        kernel_size, width = (1, int(spec[4:])) if isinstance(spec, str) else (3, spec)
        conv_name = f"block{block}_conv{index}"
        if batch_norm:
            x = layers.Conv2D(width, kernel_size, padding="same", name=conv_name)(x)
            x = layers.BatchNormalization(name=f"{conv_name}_bn")(x)
            x = layers.Activation("relu", name=f"{conv_name}_relu")(x)
        else:
            x = layers.Conv2D(width, kernel_size, padding="same", activation="relu", name=conv_name)(x)
        if lrn_after_first and index == 1:
            x = LocalResponseNormalization(name=f"{conv_name}_lrn")(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def _vgg_body(config, batch_norm, lrn):
    def body(x):
        for block, filters in enumerate(CONFIGS[config], start=1):
            x = conv_block(x, filters, block, batch_norm, lrn_after_first=lrn and block == 1)
        return x

    return body


def VGG(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    config="D",
    batch_norm=False,
    lrn=False,
    dropout=0.0,
):
    """Instantiates a VGG network of any configuration of the paper's Table 1.

    Args:
        config: "A", "B", "C", "D" or "E" (or the depth 11, 13, 16, 19 for A, B, D, E).
        batch_norm: batch normalization after every convolution (the "_bn" variants).
        lrn: local response normalization after the first convolution (configuration A-LRN).
        dropout: dropout rate of FC6 and FC7 (the paper: 0.5; keras.applications: none).
        The other arguments are keras.applications'; `weights="imagenet"` exists for D and E without
        batch norm or LRN (keras.applications' files).
    """
    if config in DEPTH_TO_CONFIG:
        config = DEPTH_TO_CONFIG[config]
    check_choice("config", config, [*CONFIGS, *DEPTH_TO_CONFIG])
    check_bool("batch_norm", batch_norm)
    check_bool("lrn", lrn)
    check_rate("dropout", dropout)
    plain = not (batch_norm or lrn)
    depth = {"A": 11, "B": 13, "C": 16, "D": 16, "E": 19}[config]
    default_name = f"vgg{depth}{'_c' if config == 'C' else ''}{'_lrn' if lrn else ''}{'_bn' if batch_norm else ''}"
    return build_application(
        _vgg_body(config, batch_norm, lrn),
        name=name or default_name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=32,
        head=fully_connected_head(dropout, names=("fc1", "fc2")),
        imagenet_weights=IMAGENET_WEIGHTS.get(config) if plain else None,
    )


def _variant(function_name, model_name, **preset):
    return register_variant(VGG, function_name, model_name, family="vgg", paper=PAPER, **preset)


VGG11 = _variant("VGG11", "vgg11", config="A")
VGG11_LRN = _variant("VGG11_LRN", "vgg11_lrn", config="A", lrn=True)
VGG11_BN = _variant("VGG11_BN", "vgg11_bn", config="A", batch_norm=True)
VGG13 = _variant("VGG13", "vgg13", config="B")
VGG13_BN = _variant("VGG13_BN", "vgg13_bn", config="B", batch_norm=True)
VGG16_C = _variant("VGG16_C", "vgg16_c", config="C")
VGG16_C_BN = _variant("VGG16_C_BN", "vgg16_c_bn", config="C", batch_norm=True)
VGG16 = _variant("VGG16", "vgg16", config="D")
VGG16_BN = _variant("VGG16_BN", "vgg16_bn", config="D", batch_norm=True)
VGG19 = _variant("VGG19", "vgg19", config="E")
VGG19_BN = _variant("VGG19_BN", "vgg19_bn", config="E", batch_norm=True)
