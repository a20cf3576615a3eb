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
v2: units that split the channels in two, transform one half (1x1 -> 3x3 depthwise -> 1x1) and
concatenate and shuffle the halves; the widths of torchvision's shufflenet_v2_x*.
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import build_application, decode_predictions
from keras_cnns.checks import check_choice
from keras_cnns.layers import ChannelShuffle, ChannelSplit
from keras_cnns.registry import Paper, register_variant

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
V1_SCALES = (0.25, 0.5, 1.0, 1.5, 2.0)
# v2, Table 5: conv1, stages 2-4 and conv5 channels per scale.
V2_WIDTHS = {0.5: (24, 48, 96, 192, 1024), 1.0: (24, 116, 232, 464, 1024), 1.5: (24, 176, 352, 704, 1024),
             2.0: (24, 244, 488, 976, 2048)}  # fmt: skip
CONV1_FILTERS = 24


def preprocess_input(x, data_format=None):
    """Scale pixels to [0, 1] and normalize with the ImageNet mean and std (torchvision's convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")



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
    else:
        y = _conv_bn(y, out_channels - in_channels, 1, f"{name}_gconv2", groups=groups, relu=False)
        shortcut = layers.AveragePooling2D(3, strides=2, padding="same", name=f"{name}_avgpool")(x)
        y = layers.Concatenate(name=f"{name}_concat")([shortcut, y])
    return layers.ReLU(name=f"{name}_relu")(y)


def v1_stage_widths(groups, scale):
    multiple = 4 * groups
    return tuple(max(multiple, round(width * scale / multiple) * multiple) for width in V1_STAGE_WIDTHS[groups])


def _shufflenet_v1_body(groups, scale):
    def body(x):
        x = _stem(x, max(groups, round(CONV1_FILTERS * scale / groups) * groups))
        for stage, (width, repeats) in enumerate(zip(v1_stage_widths(groups, scale), STAGE_REPEATS), start=2):
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


def _shufflenet_v2_body(scale):
    conv1, *stage_widths, conv5 = V2_WIDTHS[scale]

    def body(x):
        x = _stem(x)
        for stage, (width, repeats) in enumerate(zip(stage_widths, STAGE_REPEATS), start=2):
            for unit in range(repeats):
                x = shufflenet_v2_unit(x, width, strides=2 if unit == 0 else 1, name=f"stage{stage}_unit{unit + 1}")
        return _conv_bn(x, conv5, 1, "conv5")

    return body


def _scale_text(scale):
    return f"{scale:.2f}".rstrip("0").rstrip(".").replace(".", "_")


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
    scale=1.0,
):
    """Instantiates ShuffleNet v1 ("ShuffleNet s x (g = groups)").

    Args:
        groups: groups of the 1x1 convolutions: 1, 2, 3, 4 or 8 (Table 1).
        scale: the width scale factor s: 0.25, 0.5, 1.0, 1.5 or 2.0.
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    check_choice("groups", groups, V1_STAGE_WIDTHS)
    check_choice("scale", scale, V1_SCALES)
    default_name = f"shufflenet_v1_g{groups}" + ("" if scale == 1.0 else f"_x{_scale_text(scale)}")
    return build_application(
        _shufflenet_v1_body(groups, scale),
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
    )


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
    scale=1.0,
):
    """Instantiates ShuffleNet v2 ("ShuffleNet v2 scale x").

    Args:
        scale: 0.5, 1.0, 1.5 or 2.0 (Table 5's widths).
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    check_choice("scale", scale, V2_WIDTHS)
    return build_application(
        _shufflenet_v2_body(scale),
        name=name or f"shufflenet_v2_x{scale:.1f}".replace(".", "_"),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=32,
    )


def _v1(groups):
    return register_variant(ShuffleNetV1, f"ShuffleNetV1_G{groups}", f"shufflenet_v1_g{groups}",
                            family="shufflenet_v1", paper=PAPER_V1, groups=groups)


def _v2(scale):
    text = f"{scale:.1f}".replace(".", "_")
    return register_variant(ShuffleNetV2, f"ShuffleNetV2_x{text}", f"shufflenet_v2_x{text}",
                            family="shufflenet_v2", paper=PAPER_V2, scale=scale)


ShuffleNetV1_G1, ShuffleNetV1_G2, ShuffleNetV1_G3, ShuffleNetV1_G4, ShuffleNetV1_G8 = map(_v1, (1, 2, 3, 4, 8))
ShuffleNetV2_x0_5, ShuffleNetV2_x1_0, ShuffleNetV2_x1_5, ShuffleNetV2_x2_0 = map(_v2, (0.5, 1.0, 1.5, 2.0))
