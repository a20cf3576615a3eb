"""MobileNet (v1).

Reference:
- [MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications](
  https://arxiv.org/abs/1704.04861)

Depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, each with batch norm and ReLU6), the width
multiplier (`width_multiplier`, or keras.applications' name `alpha`) and the resolution multiplier (the input
size). The graph, layer names and weights files are keras.applications.MobileNet's, so its ImageNet files load
unchanged. `stage_blocks` sets the depth: the blocks at each of the five widths 64, 128, 256, 512 and 1024
(Table 1: (1, 2, 2, 6, 2); the first block of every stage after the first has stride 2).
"""

import dataclasses
import warnings

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["MobileNet", "MobileNetV1_100", "MobileNetV1_075", "MobileNetV1_050", "MobileNetV1_025"]

PAPER = Paper("MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications", 2017,
              "https://arxiv.org/abs/1704.04861")

# Table 1: pointwise filters of the five stages and their depthwise-separable blocks (13 in all).
STAGE_FILTERS = (64, 128, 256, 512, 1024)
PAPER_STAGE_BLOCKS = (1, 2, 2, 6, 2)
STEM_FILTERS = 32

_BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
IMAGENET_SIZES = (128, 160, 192, 224)

SPECS = {
    "imagenet": Spec("mobilenet", PAPER, default_size=224, min_size=32, preprocessing="tf", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=12, length=5, default=PAPER_STAGE_BLOCKS),
        # 1/32 leaves the 32-filter stem one filter (keras.applications truncates filters x alpha).
        Knob("width_multiplier", "float", low=1 / 32, high=2.0, default=1.0),
        Knob("depth_multiplier", "int", low=1, high=4, default=1),
    )),
}


def preprocess_input(x, data_format=None):
    """keras.applications.mobilenet.preprocess_input: pixels scaled to [-1, 1]."""
    return preprocess_with(SPECS["imagenet"], x, data_format)



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


def block_layout(stage_blocks):
    """(pointwise filters, stride) of every depthwise-separable block, in order."""
    return [(filters, 2 if stage > 0 and index == 0 else 1)
            for stage, (blocks, filters) in enumerate(zip(stage_blocks, STAGE_FILTERS)) for index in range(blocks)]


def _mobilenet_body(alpha, depth_multiplier, stage_blocks):
    def body(x):
        x = conv_block(x, STEM_FILTERS, alpha)
        for block_id, (filters, strides) in enumerate(block_layout(stage_blocks), start=1):
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


def _width_multiplier(alpha, width_multiplier):
    """`width_multiplier`, or keras.applications' `alpha` (an alias that stays, so no warning), checked against
    the knob's range under the name the caller used."""
    knob = SPECS["imagenet"].knob("width_multiplier")
    if width_multiplier is None:
        return dataclasses.replace(knob, name="alpha").validate(alpha)
    if alpha != 1.0 and alpha != width_multiplier:
        raise TypeError(f"alpha is keras.applications' name of width_multiplier; pass one of them, not alpha={alpha!r} "
                        f"and width_multiplier={width_multiplier!r}")
    return knob.validate(width_multiplier)


@register_builder("mobilenet")
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
    *,
    width_multiplier=None,
    stage_blocks=None,
):
    """Instantiates MobileNet v1 with keras.applications.MobileNet's signature (weights default to None).

    Args:
        alpha: keras.applications' name of `width_multiplier` (give one of the two).
        depth_multiplier: channel multiplier of the depthwise convolutions, in [1, 4] (ImageNet weights: 1).
        dropout: dropout rate before the classifier.
        input_shape: the resolution multiplier; ImageNet weights exist for 128, 160, 192 and 224.
        width_multiplier: scales every layer's filters (truncated to an integer, as keras.applications does),
            in [1/32, 2.0]; ImageNet weights exist for 0.25, 0.5, 0.75 and 1.0.
        stage_blocks: depthwise-separable blocks at each of the widths 64, 128, 256, 512 and 1024, each in
            [1, 12] (Table 1: (1, 2, 2, 6, 2), the default; ImageNet weights exist for that one only).
        The other arguments are keras.applications'.
    """
    spec = SPECS["imagenet"]
    alpha = _width_multiplier(alpha, width_multiplier)
    depth_multiplier = spec.knob("depth_multiplier").validate(depth_multiplier)
    stage_blocks = PAPER_STAGE_BLOCKS if stage_blocks is None else spec.knob("stage_blocks").validate(stage_blocks)
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
        check_choice("stage_blocks", stage_blocks, (PAPER_STAGE_BLOCKS,))
        if input_shape is not None and rows not in IMAGENET_SIZES:
            warnings.warn(
                f"input_shape={input_shape} is not square with a size in {IMAGENET_SIZES}; loading the weights "
                "for 224x224, as keras.applications does",
                stacklevel=2,
            )
        weights_spec = imagenet_weights(alpha, default_size)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows or 224}"
        if stage_blocks != PAPER_STAGE_BLOCKS:
            name += "_blocks" + "-".join(map(str, stage_blocks))
    return build_application(
        _mobilenet_body(alpha, depth_multiplier, stage_blocks),
        spec=spec,
        default_size=default_size,
        head=_mobilenet_head(dropout),
        imagenet_weights=weights_spec,
        **application_arguments(locals()),
    )


@register("mobilenet_v1_100", SPECS["imagenet"], width_multiplier=1.0)
def MobileNetV1_100(input_shape=None, depth_multiplier=1, dropout=1e-3, include_top=True, weights=None,
                    input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name="mobilenet_v1_100", **kwargs):
    """Instantiates 1.0 MobileNet (width multiplier 1.0, Table 1's 13 blocks); `weights="imagenet"` loads
    keras.applications' file for the input size.

    Args: keras.applications.MobileNet's, without `alpha`; any other keyword (e.g. `stage_blocks`) is
    `MobileNet`'s.
    """
    # alpha left at 1.0: the preset's width_multiplier sets the width.
    return MobileNet(input_shape, 1.0, depth_multiplier, dropout, include_top, weights, input_tensor, pooling, classes,
                     classifier_activation, name, **preset("mobilenet_v1_100", kwargs))


@register("mobilenet_v1_075", SPECS["imagenet"], width_multiplier=0.75)
def MobileNetV1_075(input_shape=None, depth_multiplier=1, dropout=1e-3, include_top=True, weights=None,
                    input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name="mobilenet_v1_075", **kwargs):
    """Instantiates 0.75 MobileNet (width multiplier 0.75, Table 1's 13 blocks); `weights="imagenet"` loads
    keras.applications' file for the input size.

    Args: keras.applications.MobileNet's, without `alpha`; any other keyword (e.g. `stage_blocks`) is
    `MobileNet`'s.
    """
    # alpha left at 1.0: the preset's width_multiplier sets the width.
    return MobileNet(input_shape, 1.0, depth_multiplier, dropout, include_top, weights, input_tensor, pooling, classes,
                     classifier_activation, name, **preset("mobilenet_v1_075", kwargs))


@register("mobilenet_v1_050", SPECS["imagenet"], width_multiplier=0.5)
def MobileNetV1_050(input_shape=None, depth_multiplier=1, dropout=1e-3, include_top=True, weights=None,
                    input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name="mobilenet_v1_050", **kwargs):
    """Instantiates 0.5 MobileNet (width multiplier 0.5, Table 1's 13 blocks); `weights="imagenet"` loads
    keras.applications' file for the input size.

    Args: keras.applications.MobileNet's, without `alpha`; any other keyword (e.g. `stage_blocks`) is
    `MobileNet`'s.
    """
    # alpha left at 1.0: the preset's width_multiplier sets the width.
    return MobileNet(input_shape, 1.0, depth_multiplier, dropout, include_top, weights, input_tensor, pooling, classes,
                     classifier_activation, name, **preset("mobilenet_v1_050", kwargs))


@register("mobilenet_v1_025", SPECS["imagenet"], width_multiplier=0.25)
def MobileNetV1_025(input_shape=None, depth_multiplier=1, dropout=1e-3, include_top=True, weights=None,
                    input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                    name="mobilenet_v1_025", **kwargs):
    """Instantiates 0.25 MobileNet (width multiplier 0.25, Table 1's 13 blocks); `weights="imagenet"` loads
    keras.applications' file for the input size.

    Args: keras.applications.MobileNet's, without `alpha`; any other keyword (e.g. `stage_blocks`) is
    `MobileNet`'s.
    """
    # alpha left at 1.0: the preset's width_multiplier sets the width.
    return MobileNet(input_shape, 1.0, depth_multiplier, dropout, include_top, weights, input_tensor, pooling, classes,
                     classifier_activation, name, **preset("mobilenet_v1_025", kwargs))
