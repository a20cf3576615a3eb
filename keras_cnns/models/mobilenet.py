"""MobileNet (v1).

Reference:
- [MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications](
  https://arxiv.org/abs/1704.04861)

Depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, each with batch norm and ReLU6), the width
multiplier `alpha` and the resolution multiplier (the input size). The graph, layer names and weights
files are keras.applications.MobileNet's, so its ImageNet files load unchanged.
"""

import warnings

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, decode_predictions
from keras_cnns.checks import check_choice, check_float, check_int, check_rate
from keras_cnns.registry import Paper, register_variant

__all__ = ["MobileNet", "MobileNetV1_100", "MobileNetV1_075", "MobileNetV1_050", "MobileNetV1_025"]

PAPER = Paper("MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications", 2017,
              "https://arxiv.org/abs/1704.04861")

# (pointwise filters, stride) of the 13 depthwise-separable blocks (the paper's Table 1).
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))  # fmt: skip

_BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
IMAGENET_SIZES = (128, 160, 192, 224)


def preprocess_input(x, data_format=None):
    """keras.applications.mobilenet.preprocess_input: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")



def imagenet_weights(alpha, rows) -> ImagenetWeights:
    """keras.applications' file names for `alpha` at `rows` x `rows` (no hash is published)."""
    stem = f"mobilenet_{IMAGENET_ALPHAS[alpha]}_{rows}_tf"
    return ImagenetWeights(
        top=WeightsFile(f"{stem}.h5", f"{_BASE_WEIGHT_PATH}{stem}.h5", None),
        notop=WeightsFile(f"{stem}_no_top.h5", f"{_BASE_WEIGHT_PATH}{stem}_no_top.h5", None),
    )


def conv_block(x, filters, alpha, strides=2):
    x = layers.Conv2D(int(filters * alpha), 3, padding="same", use_bias=False, strides=strides, name="conv1")(x)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def depthwise_conv_block(x, pointwise_filters, alpha, depth_multiplier, strides, block_id):
    if strides != 1:
        # TensorFlow's "same" pads stride-2 convolutions bottom/right only; explicit so weights port.
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D(
        3,
        padding="same" if strides == 1 else "valid",
        depth_multiplier=depth_multiplier,
        strides=strides,
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = layers.BatchNormalization(name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), 1, padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def _mobilenet_body(alpha, depth_multiplier):
    def body(x):
        x = conv_block(x, 32, alpha)
        for block_id, (filters, strides) in enumerate(BLOCKS, start=1):
            x = depthwise_conv_block(x, filters, alpha, depth_multiplier, strides, block_id)
        return x

    return body


def _mobilenet_head(dropout):
    """keras.applications' head: a 1x1 convolution on the pooled features instead of a dense layer."""

    def head(x, classes, classifier_activation):
        x = layers.GlobalAveragePooling2D(keepdims=True, name="global_average_pooling2d")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        return layers.Activation(classifier_activation, name="predictions")(x)

    return head


def MobileNet(
    input_shape=None,
    alpha=1.0,
    depth_multiplier=1,
    dropout=1e-3,
    include_top=True,
    weights=None,
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    """Instantiates MobileNet v1 with keras.applications.MobileNet's signature (weights default to None).

    Args:
        alpha: width multiplier (ImageNet weights: 0.25, 0.5, 0.75 or 1.0).
        depth_multiplier: channel multiplier of the depthwise convolutions (ImageNet weights: 1).
        dropout: dropout rate before the classifier.
        input_shape: the resolution multiplier; ImageNet weights exist for 128, 160, 192 and 224.
        The other arguments are keras.applications'.
    """
    check_float("alpha", alpha, min_value=0.0, min_inclusive=False)
    check_int("depth_multiplier", depth_multiplier, min_value=1)
    check_rate("dropout", dropout)
    rows = None
    if input_shape is not None and isinstance(input_shape, (tuple, list)) and len(input_shape) == 3:
        rows = input_shape[0] if input_shape[0] == input_shape[1] else None
    default_size = rows if rows in IMAGENET_SIZES else 224
    weights_spec = None
    if weights == "imagenet":
        if alpha not in IMAGENET_ALPHAS:
            raise ValueError(
                f"alpha must be one of 0.25, 0.5, 0.75 or 1.0 to load weights='imagenet'; got alpha={alpha!r}"
            )
        check_choice("depth_multiplier", depth_multiplier, (1,))
        if input_shape is not None and rows not in IMAGENET_SIZES:
            warnings.warn(
                f"input_shape={input_shape} is not square with a size in {IMAGENET_SIZES}; loading the weights "
                "for 224x224, as keras.applications does",
                stacklevel=2,
            )
        weights_spec = imagenet_weights(alpha, default_size)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows or 224}"
    return build_application(
        _mobilenet_body(alpha, depth_multiplier),
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=default_size,
        min_size=32,
        head=_mobilenet_head(dropout),
        imagenet_weights=weights_spec,
    )


def _variant(function_name, model_name, alpha):
    return register_variant(MobileNet, function_name, model_name, family="mobilenet", paper=PAPER, alpha=alpha)


MobileNetV1_100 = _variant("MobileNetV1_100", "mobilenet_v1_100", 1.0)
MobileNetV1_075 = _variant("MobileNetV1_075", "mobilenet_v1_075", 0.75)
MobileNetV1_050 = _variant("MobileNetV1_050", "mobilenet_v1_050", 0.5)
MobileNetV1_025 = _variant("MobileNetV1_025", "mobilenet_v1_025", 0.25)
