"""AlexNet.

Reference:
- [ImageNet Classification with Deep Convolutional Neural Networks](
  https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks)
  (NeurIPS 2012)

`AlexNet(variant="two_stream")` is the paper's network on 227x227 inputs: conv2/4/5 are grouped convolutions
(`groups=2`, the two GPU streams), local response normalization follows conv1/conv2, pooling is overlapping
(3x3, stride 2) and FC6/FC7 carry dropout 0.5 (60,965,224 parameters with 1000 classes).
`AlexNet(variant="single_stream")` (`AlexNetSingleStream`) is the single-stream re-implementation of torchvision
(64/192/384/256/256 filters, 224x224 inputs, adaptive 6x6 average pooling before the classifier, so
`include_top=True` needs inputs of at least 223x223; 61,100,840 parameters).

The design space keeps the three stages the pooling layers delimit (conv1 | conv2 | conv3-conv5): `stage_blocks`
sets the convolutions per stage, `width_multiplier` every convolution's filters, `dense_units` FC6 and FC7.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import fully_connected_head, scale_filters
from keras_cnns.checks import check_choice, check_rate, renamed_argument
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["AlexNet", "AlexNetSingleStream"]

PAPER = Paper("ImageNet Classification with Deep Convolutional Neural Networks", 2012,
              "https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks")
VARIANTS = ("two_stream", "single_stream")
STREAMS = {2: "two_stream", 1: "single_stream"}  # the deprecated `streams` argument's values
# Filters of conv1 ... conv5.
WIDTHS = {"two_stream": (96, 256, 384, 384, 256), "single_stream": (64, 192, 384, 256, 256)}
PAPER_STAGE_BLOCKS = (1, 1, 3)
FC_UNITS = 4096


def _knobs():
    return (
        Knob("stage_blocks", "int_tuple", low=1, high=4, length=3, default=PAPER_STAGE_BLOCKS),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
        Knob("dense_units", "int", low=1, high=FC_UNITS, default=FC_UNITS),
    )


SPECS = {
    "two_stream": Spec("alexnet", PAPER, default_size=227, min_size=67, preprocessing="caffe", knobs=_knobs()),
    "single_stream": Spec("alexnet", PAPER, default_size=224, min_size=63, preprocessing="caffe", knobs=_knobs()),
}


def stage_widths(widths, stage_blocks):
    """Filters of every convolution, stage by stage: stages 1 and 2 repeat conv1's / conv2's width; the last
    stage's convolutions take conv3's, then conv4's (repeated), and its last one conv5's width."""
    first, second, last = stage_blocks
    third = (widths[2], *[widths[3]] * (last - 2), widths[4]) if last > 1 else (widths[4],)
    return ((widths[0],) * first, (widths[1],) * second, third)


def _conv(x, filters, kernel_size, name, strides=1, padding="same", groups=1):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, groups=groups,
                         activation="relu", name=name)(x)


def _overlapping_pool(x, name):
    return layers.MaxPooling2D(3, strides=2, name=name)(x)


def _extra_convs(x, widths, stage, groups=1):
    """The 3x3 convolutions a stage has beyond the paper's one (`conv1_2`, `conv1_3`, ...)."""
    for index, filters in enumerate(widths[1:], start=2):
        x = _conv(x, filters, 3, f"conv{stage}_{index}", groups=groups)
    return x


def _last_stage(x, widths, groups):
    """conv3 ... conv(2 + n): 3x3 convolutions; all but the first are grouped in the two-stream network."""
    for index, filters in enumerate(widths):
        x = _conv(x, filters, 3, f"conv{3 + index}", groups=1 if index == 0 else groups)
    return _overlapping_pool(x, "pool5")


def _two_stream_body(widths):
    def body(x):
        x = _conv(x, widths[0][0], 11, "conv1", strides=4, padding="valid")
        x = _extra_convs(x, widths[0], 1)
        x = LocalResponseNormalization(name="norm1")(x)
        x = _overlapping_pool(x, "pool1")
        x = _conv(x, widths[1][0], 5, "conv2", groups=2)
        x = _extra_convs(x, widths[1], 2, groups=2)
        x = LocalResponseNormalization(name="norm2")(x)
        x = _overlapping_pool(x, "pool2")
        return _last_stage(x, widths[2], groups=2)  # conv3 is the one convolution whose kernels see both streams

    return body


def _single_stream_body(widths):
    def body(x):
        x = layers.ZeroPadding2D(2, name="conv1_pad")(x)
        x = _conv(x, widths[0][0], 11, "conv1", strides=4, padding="valid")
        x = _extra_convs(x, widths[0], 1)
        x = _overlapping_pool(x, "pool1")
        x = _conv(x, widths[1][0], 5, "conv2")
        x = _extra_convs(x, widths[1], 2)
        x = _overlapping_pool(x, "pool2")
        return _last_stage(x, widths[2], groups=1)

    return body


@register_builder("alexnet")
@register("alexnet", SPECS["two_stream"], variant="two_stream")
def AlexNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    variant="two_stream",
    stage_blocks=PAPER_STAGE_BLOCKS,
    width_multiplier=1.0,
    dense_units=FC_UNITS,
    dropout=0.5,
    streams=None,
):
    """Instantiates AlexNet of any depth and width (the paper's two-stream network by default).

    Args:
        variant: "two_stream" (the paper: 227x227 inputs, grouped conv2/4/5, LRN; at least 67x67) or
            "single_stream" (torchvision's: 224x224, 64/192/384/256/256 filters, 6x6 adaptive average pooling
            before FC6; at least 63x63). `streams` (2 or 1) is its deprecated name.
        stage_blocks: convolutions in the three stages (conv1 | conv2 | conv3-conv5), 3 entries in [1, 4];
            (1, 1, 3) is the paper. Extra convolutions in the first two stages are 3x3 of the stage's width;
            the last stage takes conv3's width, then conv4's, and conv5's for its last convolution.
        width_multiplier: scales every convolution's filters, in [0.0625, 2.0] (1.0 is the paper); rounded to
            a multiple of 2 in the two-stream network (its grouped convolutions).
        dense_units: width of FC6 and FC7, in [1, 4096] (4096 in the paper).
        dropout: dropout rate of FC6 and FC7.
        The other arguments are keras.applications'.
    """
    if streams is not None:
        streams = STREAMS[check_choice("streams", streams, (1, 2))]
    variant = check_choice("variant", renamed_argument("streams", "variant", streams, variant, "two_stream"),
                           VARIANTS)
    spec = SPECS[variant]
    stage_blocks = spec.knob("stage_blocks").validate(stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    dense_units = spec.knob("dense_units").validate(dense_units)
    check_rate("dropout", dropout)
    two_stream = variant == "two_stream"
    divisor = 2 if two_stream else 1
    widths = stage_widths([scale_filters(f, width_multiplier, divisor) for f in WIDTHS[variant]], stage_blocks)
    name = name or ("alexnet" if two_stream else "alexnet_single_stream")
    return build_application(
        (_two_stream_body if two_stream else _single_stream_body)(widths),
        spec=spec,
        head=fully_connected_head(dropout, dropout_first=not two_stream, units=dense_units,
                                  adaptive_pool=None if two_stream else 6),
        **application_arguments(locals()),
    )


@register("alexnet_single_stream", SPECS["single_stream"], variant="single_stream")
def AlexNetSingleStream(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                        classes=1000, classifier_activation="softmax", name="alexnet_single_stream", **kwargs):
    """Instantiates torchvision's single-stream AlexNet (224x224 inputs by default; 61,100,840 parameters).

    Args: keras.applications' (`include_top=True` needs inputs of at least 223x223, for the 6x6 adaptive
    pooling); any other keyword (`stage_blocks`, `width_multiplier`, `dense_units`, `dropout`) is `AlexNet`'s.
    """
    return AlexNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                   **preset("alexnet_single_stream", kwargs))
