"""ShuffleNet v1 and v2.

References:
- [ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices](
  https://arxiv.org/abs/1707.01083) (CVPR 2018)
- [ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design](
  https://arxiv.org/abs/1807.11164) (ECCV 2018)

v1: units of 1x1 group convolution -> channel shuffle -> 3x3 depthwise -> 1x1 group convolution, with the
paper's Table 1 stage widths per number of groups; the first unit of a stage halves the resolution and
concatenates a 3x3 average-pooled shortcut. The scale factor s multiplies the stage widths (rounded to a
multiple of 4 x groups, so the bottleneck splits evenly into groups) and conv1's 24 filters (rounded to a
multiple of groups, as in the authors' release: 0.5x with g = 8 has 16).
For other numbers of groups (any in [1, 16]), stage 2 has the width that keeps Table 1's complexity (a unit
of c channels costs c^2 / (2g) + 9c / 4 multiply-adds per pixel; g = 1 with 144 channels is the budget).
v2: units that split the channels in two, transform one half (1x1 -> 3x3 depthwise -> 1x1) and
concatenate and shuffle the halves; the widths of torchvision's shufflenet_v2_x* (Table 5). Other width
multipliers scale the 1x widths (rounded to a multiple of 4) and keep conv1's 24 filters, as Table 5 does;
conv5 has 2048 filters from 2x on, 1024 below.

`stage_blocks` counts the units of stages 2-4, the strided first unit included (Tables 1 and 5: (4, 8, 4)).
Preprocessing: torchvision's ImageNet mean/std ("torch"), the convention of the torchvision ShuffleNet v2
(the reference implementation with published ImageNet weights) whose widths and parameter counts these
models match; v1, which torchvision lacks, shares it.
"""

import math

from keras import layers

from keras_cnns.application import application_arguments, build_application, decode_predictions, preprocess_with
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import renamed_argument
from keras_cnns.layers import ChannelShuffle, ChannelSplit, DepthwiseAveragePooling2D
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = [
    "ShuffleNetV1",
    "ShuffleNetV1_G1",
    "ShuffleNetV1_G2",
    "ShuffleNetV1_G3",
    "ShuffleNetV1_G4",
    "ShuffleNetV1_G8",
    "ShuffleNetV2",
    "ShuffleNetV2_x0_5",
    "ShuffleNetV2_x1_0",
    "ShuffleNetV2_x1_5",
    "ShuffleNetV2_x2_0",
]

PAPER_V1 = Paper("ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices", 2017,
                 "https://arxiv.org/abs/1707.01083")
PAPER_V2 = Paper("ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design", 2018,
                 "https://arxiv.org/abs/1807.11164")

STAGE_REPEATS = (4, 8, 4)
# v1, Table 1: output channels of stages 2-4 for each number of groups (ShuffleNet 1x).
V1_STAGE_WIDTHS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088),
                   8: (384, 768, 1536)}  # fmt: skip
# v2, Table 5: conv1, stages 2-4 and conv5 channels per scale.
V2_WIDTHS = {0.5: (24, 48, 96, 192, 1024), 1.0: (24, 116, 232, 464, 1024), 1.5: (24, 176, 352, 704, 1024),
             2.0: (24, 244, 488, 976, 2048)}  # fmt: skip
CONV1_FILTERS = 24

SPECS = {
    "v1": Spec("shufflenet_v1", PAPER_V1, default_size=224, min_size=32, preprocessing="torch", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=16, length=3, default=STAGE_REPEATS),
        Knob("width_multiplier", "float", low=0.125, high=2.0, default=1.0),
        Knob("groups", "int", low=1, high=16, default=3),
    )),
    "v2": Spec("shufflenet_v2", PAPER_V2, default_size=224, min_size=32, preprocessing="torch", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=16, length=3, default=STAGE_REPEATS),
        Knob("width_multiplier", "float", low=0.25, high=2.5, default=1.0),
    )),
}


def preprocess_input(x, data_format=None):
    """Scale pixels to [0, 1] and normalize with the ImageNet mean and std (torchvision's convention)."""
    return preprocess_with(SPECS["v2"], x, data_format)


def _conv_bn(x, filters, kernel_size, name, strides=1, groups=1, relu=True):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", groups=groups, use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _depthwise_bn(x, strides, name):
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
    return layers.BatchNormalization(name=f"{name}_dwbn")(x)


def _stem(x, filters=CONV1_FILTERS):
    x = _conv_bn(x, filters, 3, "conv1", strides=2)
    return layers.MaxPooling2D(3, strides=2, padding="same", name="maxpool")(x)


def shufflenet_v1_unit(x, out_channels, groups, strides, name, group_first_conv=True):
    in_channels = x.shape[-1]
    bottleneck = out_channels // 4
    first_groups = groups if group_first_conv else 1  # stage 2's first 1x1 sees only conv1's 24 channels
    y = _conv_bn(x, bottleneck, 1, f"{name}_gconv1", groups=first_groups)
    if first_groups > 1:
        y = ChannelShuffle(groups, name=f"{name}_shuffle")(y)
    y = _depthwise_bn(y, strides, name)
    if strides == 1:
        y = _conv_bn(y, out_channels, 1, f"{name}_gconv2", groups=groups, relu=False)
        y = layers.Add(name=f"{name}_add")([x, y])
        return layers.ReLU(name=f"{name}_relu")(y)
    # ReLU(concat(avgpool(x), y)) = concat(avgpool(x), ReLU(y)): x is a ReLU's (or its max-pool's) output, so
    # its average is never negative. The ReLU then fuses into the convolution before it; after the
    # concatenation it is a standalone int8 RELU that XNNPACK does not take (docs/edge_models.md), as it
    # does not take int8 AVERAGE_POOL_2D (hence DepthwiseAveragePooling2D).
    y = _conv_bn(y, out_channels - in_channels, 1, f"{name}_gconv2", groups=groups)
    shortcut = DepthwiseAveragePooling2D(3, strides=2, padding="same", name=f"{name}_avgpool")(x)
    return layers.Concatenate(name=f"{name}_concat")([shortcut, y])


def v1_complexity_width(groups):
    """Stage 2's width for `groups` at Table 1's complexity: c^2 / (2g) + 9c / 4 = that of g = 1, c = 144."""
    budget = 144**2 / 2 + 9 * 144 / 4
    return (-9 / 4 + math.sqrt((9 / 4) ** 2 + 4 * budget / (2 * groups))) * groups


def v1_stage_widths(groups, scale):
    """Stage widths, rounded to a multiple of 4 x groups (so the bottleneck splits evenly into groups)."""
    multiple = 4 * groups
    paper = V1_STAGE_WIDTHS.get(groups) or tuple(v1_complexity_width(groups) * 2**stage for stage in range(3))
    return tuple(max(multiple, round(width * scale / multiple) * multiple) for width in paper)


def v1_conv1_filters(groups, scale):
    """conv1's 24 filters x scale, rounded to a multiple of groups (the authors' release: 0.5x, g = 8 has 16)."""
    return max(groups, round(CONV1_FILTERS * scale / groups) * groups)


def _shufflenet_v1_body(groups, scale, stage_blocks):
    def body(x):
        x = _stem(x, v1_conv1_filters(groups, scale))
        for stage, (width, repeats) in enumerate(zip(v1_stage_widths(groups, scale), stage_blocks), start=2):
            for unit in range(repeats):
                x = shufflenet_v1_unit(x, width, groups, strides=2 if unit == 0 else 1,
                                       name=f"stage{stage}_unit{unit + 1}", group_first_conv=stage > 2 or unit > 0)
        return x

    return body


def shufflenet_v2_unit(x, out_channels, strides, name):
    branch_channels = out_channels // 2
    if strides == 1:
        shortcut, x = ChannelSplit(2, name=f"{name}_split")(x)
    else:
        shortcut = _depthwise_bn(x, strides, f"{name}_branch1")
        shortcut = _conv_bn(shortcut, branch_channels, 1, f"{name}_branch1_pw")
    y = _conv_bn(x, branch_channels, 1, f"{name}_branch2_pw1")
    y = _depthwise_bn(y, strides, f"{name}_branch2")
    y = _conv_bn(y, branch_channels, 1, f"{name}_branch2_pw2")
    y = layers.Concatenate(name=f"{name}_concat")([shortcut, y])
    return ChannelShuffle(2, name=f"{name}_shuffle")(y)


def v2_widths(scale):
    """conv1, stages 2-4 and conv5 channels: Table 5's at its scales; else 1x scaled to a multiple of 4."""
    if scale in V2_WIDTHS:
        return V2_WIDTHS[scale]
    conv1, *stage_widths, _ = V2_WIDTHS[1.0]
    return (conv1, *(scale_filters(width, scale, 4) for width in stage_widths), 2048 if scale >= 2.0 else 1024)


def _shufflenet_v2_body(scale, stage_blocks):
    conv1, *stage_widths, conv5 = v2_widths(scale)

    def body(x):
        x = _stem(x, conv1)
        for stage, (width, repeats) in enumerate(zip(stage_widths, stage_blocks), start=2):
            for unit in range(repeats):
                x = shufflenet_v2_unit(x, width, strides=2 if unit == 0 else 1, name=f"stage{stage}_unit{unit + 1}")
        return _conv_bn(x, conv5, 1, "conv5")

    return body


def _scale_text(scale):
    return f"{scale:.2f}".rstrip("0").rstrip(".").replace(".", "_")


def _blocks_text(stage_blocks):
    return "" if stage_blocks == STAGE_REPEATS else "_blocks" + "-".join(map(str, stage_blocks))


def _width(spec, scale, width_multiplier):
    """`width_multiplier` (or its deprecated name `scale`), checked under the name the caller used."""
    value = renamed_argument("scale", "width_multiplier", scale, width_multiplier, 1.0)
    knob = spec.knob("width_multiplier")
    return (knob if scale is None else Knob("scale", knob.kind, knob.low, knob.high)).validate(value)


@register_builder("shufflenet_v1")
def ShuffleNetV1(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    groups=3,
    width_multiplier=1.0,
    stage_blocks=None,
    scale=None,
):
    """Instantiates ShuffleNet v1 ("ShuffleNet s x (g = groups)").

    Args:
        groups: groups of the 1x1 convolutions, in [1, 16]; Table 1 has 1, 2, 3, 4 and 8 (other values take the
            stage-2 width that keeps Table 1's complexity). Every width is rounded to a multiple of `groups`.
        width_multiplier: the scale factor s, in [0.125, 2.0] (the paper's 0.25, 0.5, 1.0, 1.5, 2.0 and any
            other); `scale` is its deprecated name.
        stage_blocks: units of stages 2-4 (the strided first one included), each in [1, 16]; Table 1: (4, 8, 4).
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    spec = SPECS["v1"]
    groups = spec.knob("groups").validate(groups)
    width_multiplier = _width(spec, scale, width_multiplier)
    stage_blocks = STAGE_REPEATS if stage_blocks is None else spec.knob("stage_blocks").validate(stage_blocks)
    scale_text = "" if width_multiplier == 1.0 else f"_x{_scale_text(width_multiplier)}"
    name = name or f"shufflenet_v1_g{groups}{scale_text}{_blocks_text(stage_blocks)}"
    return build_application(_shufflenet_v1_body(groups, width_multiplier, stage_blocks), spec=spec,
                             **application_arguments(locals()))


@register_builder("shufflenet_v2")
def ShuffleNetV2(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    width_multiplier=1.0,
    stage_blocks=None,
    scale=None,
):
    """Instantiates ShuffleNet v2 ("ShuffleNet v2 scale x").

    Args:
        width_multiplier: in [0.25, 2.5]; 0.5, 1.0, 1.5 and 2.0 take Table 5's widths, other values scale the 1x
            widths (to a multiple of 4); `scale` is its deprecated name.
        stage_blocks: units of stages 2-4 (the strided first one included), each in [1, 16]; Table 5: (4, 8, 4).
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    spec = SPECS["v2"]
    width_multiplier = _width(spec, scale, width_multiplier)
    stage_blocks = STAGE_REPEATS if stage_blocks is None else spec.knob("stage_blocks").validate(stage_blocks)
    scale_text = f"{width_multiplier:.1f}".replace(".", "_") if width_multiplier in V2_WIDTHS else _scale_text(
        width_multiplier)
    name = name or f"shufflenet_v2_x{scale_text}" + _blocks_text(stage_blocks)
    return build_application(_shufflenet_v2_body(width_multiplier, stage_blocks), spec=spec,
                             **application_arguments(locals()))


@register("shufflenet_v1_g1", SPECS["v1"], groups=1)
def ShuffleNetV1_G1(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", name="shufflenet_v1_g1", **kwargs):
    """Instantiates ShuffleNet 1x (g = 1) (Table 1's widths for 1 group(s), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is
    `ShuffleNetV1`'s.
    """
    return ShuffleNetV1(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v1_g1", kwargs))


@register("shufflenet_v1_g2", SPECS["v1"], groups=2)
def ShuffleNetV1_G2(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", name="shufflenet_v1_g2", **kwargs):
    """Instantiates ShuffleNet 1x (g = 2) (Table 1's widths for 2 group(s), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is
    `ShuffleNetV1`'s.
    """
    return ShuffleNetV1(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v1_g2", kwargs))


@register("shufflenet_v1_g3", SPECS["v1"], groups=3)
def ShuffleNetV1_G3(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", name="shufflenet_v1_g3", **kwargs):
    """Instantiates ShuffleNet 1x (g = 3) (Table 1's widths for 3 group(s), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is
    `ShuffleNetV1`'s.
    """
    return ShuffleNetV1(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v1_g3", kwargs))


@register("shufflenet_v1_g4", SPECS["v1"], groups=4)
def ShuffleNetV1_G4(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", name="shufflenet_v1_g4", **kwargs):
    """Instantiates ShuffleNet 1x (g = 4) (Table 1's widths for 4 group(s), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is
    `ShuffleNetV1`'s.
    """
    return ShuffleNetV1(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v1_g4", kwargs))


@register("shufflenet_v1_g8", SPECS["v1"], groups=8)
def ShuffleNetV1_G8(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                    classifier_activation="softmax", name="shufflenet_v1_g8", **kwargs):
    """Instantiates ShuffleNet 1x (g = 8) (Table 1's widths for 8 group(s), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is
    `ShuffleNetV1`'s.
    """
    return ShuffleNetV1(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v1_g8", kwargs))


@register("shufflenet_v2_x0_5", SPECS["v2"], width_multiplier=0.5)
def ShuffleNetV2_x0_5(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="shufflenet_v2_x0_5", **kwargs):
    """Instantiates ShuffleNet v2 0.5x (Table 5's widths (24, 48, 96, 192, 1024), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`) is `ShuffleNetV2`'s.
    """
    return ShuffleNetV2(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v2_x0_5", kwargs))


@register("shufflenet_v2_x1_0", SPECS["v2"], width_multiplier=1.0)
def ShuffleNetV2_x1_0(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="shufflenet_v2_x1_0", **kwargs):
    """Instantiates ShuffleNet v2 1.0x (Table 5's widths (24, 116, 232, 464, 1024), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`) is `ShuffleNetV2`'s.
    """
    return ShuffleNetV2(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v2_x1_0", kwargs))


@register("shufflenet_v2_x1_5", SPECS["v2"], width_multiplier=1.5)
def ShuffleNetV2_x1_5(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="shufflenet_v2_x1_5", **kwargs):
    """Instantiates ShuffleNet v2 1.5x (Table 5's widths (24, 176, 352, 704, 1024), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`) is `ShuffleNetV2`'s.
    """
    return ShuffleNetV2(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v2_x1_5", kwargs))


@register("shufflenet_v2_x2_0", SPECS["v2"], width_multiplier=2.0)
def ShuffleNetV2_x2_0(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="shufflenet_v2_x2_0", **kwargs):
    """Instantiates ShuffleNet v2 2.0x (Table 5's widths (24, 244, 488, 976, 2048), units (4, 8, 4)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`) is `ShuffleNetV2`'s.
    """
    return ShuffleNetV2(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                        **preset("shufflenet_v2_x2_0", kwargs))
