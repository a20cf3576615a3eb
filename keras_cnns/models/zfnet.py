"""ZFNet.

Reference:
- [Visualizing and Understanding Convolutional Networks](https://arxiv.org/abs/1311.2901) (ECCV 2014)

AlexNet revised with the help of the DeconvNet visualizations (the paper's Figure 3): a 7x7 stride-2 first
layer instead of 11x11 stride 4 (fewer dead and aliased filters), conv2 with stride 2, a single stream,
3x3 stride-2 pooling, contrast normalization (LRN) after the first two layers, 224x224 inputs.
Feature maps are 110 -> 55 -> 26 -> 13 -> 13 -> 13 -> 6 as in the figure.

The design space keeps the three stages the pooling layers delimit (conv1 | conv2 | conv3-conv5): `stage_blocks`
sets the convolutions per stage, `width_multiplier` every convolution's filters, `dense_units` FC6 and FC7.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import fully_connected_head, scale_filters
from keras_cnns.checks import check_rate
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.registry import Knob, Paper, Spec, register, register_builder

__all__ = ["ZFNet"]

PAPER = Paper("Visualizing and Understanding Convolutional Networks", 2014, "https://arxiv.org/abs/1311.2901")
WIDTHS = (96, 256, 384, 384, 256)  # conv1 ... conv5
PAPER_STAGE_BLOCKS = (1, 1, 3)
FC_UNITS = 4096

SPEC = Spec("zfnet", PAPER, default_size=224, min_size=53, preprocessing="caffe", knobs=(
    Knob("stage_blocks", "int_tuple", low=1, high=4, length=3, default=PAPER_STAGE_BLOCKS),
    Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
    Knob("dense_units", "int", low=1, high=FC_UNITS, default=FC_UNITS),
))


def _zfnet_body(stage_blocks, widths):
    """conv1 (7x7/2) and conv2 (5x5/2), each followed by its stage's extra 3x3 convolutions, pooling and LRN;
    then the last stage's 3x3 convolutions (conv3's width, conv4's repeated, conv5's last) and pool5."""
    first, second, last = stage_blocks

    def conv(x, filters, name, kernel_size=3, strides=1, padding="same"):
        return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, activation="relu",
                             name=name)(x)

    def body(x):
        x = layers.ZeroPadding2D(1, name="conv1_pad")(x)
        for stage, (blocks, kernel_size) in enumerate(((first, 7), (second, 5)), start=1):
            x = conv(x, widths[stage - 1], f"conv{stage}", kernel_size, strides=2, padding="valid")
            for index in range(2, blocks + 1):
                x = conv(x, widths[stage - 1], f"conv{stage}_{index}")
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{stage}")(x)
            x = LocalResponseNormalization(name=f"norm{stage}")(x)
        last_widths = (widths[2], *[widths[3]] * (last - 2), widths[4]) if last > 1 else (widths[4],)
        for index, filters in enumerate(last_widths):
            x = conv(x, filters, f"conv{3 + index}")
        return layers.MaxPooling2D(3, strides=2, name="pool5")(x)

    return body


@register_builder("zfnet")
@register("zfnet", SPEC)
def ZFNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="zfnet",
    *,
    stage_blocks=PAPER_STAGE_BLOCKS,
    width_multiplier=1.0,
    dense_units=FC_UNITS,
    dropout=0.5,
):
    """Instantiates ZFNet of any depth and width (the paper's network by default: 224x224 inputs; at least 53x53).

    Args:
        stage_blocks: convolutions in the three stages (conv1 | conv2 | conv3-conv5), 3 entries in [1, 4];
            (1, 1, 3) is the paper. Extra convolutions in the first two stages are 3x3 of the stage's width;
            the last stage takes conv3's width, then conv4's, and conv5's for its last convolution.
        width_multiplier: scales every convolution's filters, in [0.0625, 2.0] (1.0 is the paper).
        dense_units: width of FC6 and FC7, in [1, 4096] (4096 in the paper).
        dropout: dropout rate of FC6 and FC7.
        The other arguments are keras.applications'.
    """
    stage_blocks = SPEC.knob("stage_blocks").validate(stage_blocks)
    width_multiplier = SPEC.knob("width_multiplier").validate(width_multiplier)
    dense_units = SPEC.knob("dense_units").validate(dense_units)
    check_rate("dropout", dropout)
    widths = [scale_filters(filters, width_multiplier) for filters in WIDTHS]
    return build_application(
        _zfnet_body(stage_blocks, widths),
        spec=SPEC,
        head=fully_connected_head(dropout, units=dense_units),
        **application_arguments(locals()),
    )
