"""Blocks shared by several families. A family module imports from here, never from another family module."""

from __future__ import annotations

import dataclasses

from keras import layers

from keras_cnns.application import classifier_head
from keras_cnns.checks import check_bool


def scale_filters(filters: int, width_multiplier: float, divisor: int = 1) -> int:
    """`filters` x `width_multiplier`, rounded to a multiple of `divisor` (never below it, nor 10% below the exact
    product: the rounding of MobileNet v2 / EfficientNet); unchanged at 1.0, so the paper presets keep their graph."""
    if width_multiplier == 1.0:
        return filters
    exact = filters * width_multiplier
    scaled = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    if scaled < 0.9 * exact:
        scaled += divisor
    return scaled


# ---------------------------------------------------------------------------------------------------------------
# Convolution blocks


# ---------------------------------------------------------------------------------------------------------------
# Classifier heads


def fully_connected_head(dropout, dropout_first=False, units=4096, names=("fc6", "fc7"), adaptive_pool=None):
    """Two fully connected ReLU layers of `units` (AlexNet's and ZFNet's FC6/FC7, VGG's fc1/fc2), then the
    classifier; dropout after each ReLU, or before each layer as in torchvision (`dropout_first=True`).

    `adaptive_pool=6` first average-pools the features to 6x6 as torchvision does, so the classifier has the
    same size for any input of at least 6x6 features.
    """

    def head(x, classes, classifier_activation):
        if adaptive_pool:
            if min(x.shape[1:3]) < adaptive_pool:
                raise ValueError(
                    f"input_shape must be large enough for {adaptive_pool}x{adaptive_pool} features with "
                    f"include_top=True (the features are {x.shape[1]}x{x.shape[2]}); use a larger input_shape "
                    "or include_top=False"
                )
            x = layers.AdaptiveAveragePooling2D(adaptive_pool, name="avgpool")(x)
        x = layers.Flatten(name="flatten")(x)
        for layer_name in names:
            if dropout and dropout_first:
                x = layers.Dropout(dropout, name=f"{layer_name}_dropout")(x)
            x = layers.Dense(units, activation="relu", name=layer_name)(x)
            if dropout and not dropout_first:
                x = layers.Dropout(dropout, name=f"{layer_name}_dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


def global_average_classifier_head(x, classes, classifier_activation):
    """NiN's and the All-Convolutional Net's head: a 1x1 convolution with one map per class, global average
    pooling, then the activation."""
    x = layers.Conv2D(classes, 1, name="classifier_conv")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Activation(classifier_activation, name="predictions")(x)


# ---------------------------------------------------------------------------------------------------------------
# Inception branches
# An inception module is a list of branches, each a sequence of steps (`Conv`, `Pool`, or a final `Fork` of
# parallel convolutions), run on the same input and concatenated (`inception_block`). GoogLeNet, Inception v2-v4
# and the Inception-ResNets describe their modules this way; `width_multiplier` scales every `Conv` of a module.

INCEPTION_WIDTH_DIVISOR = 8  # scaled branch widths are multiples of 8


@dataclasses.dataclass(frozen=True)
class Conv:
    filters: int
    kernel_size: int | tuple
    strides: int = 1
    padding: str = "same"


@dataclasses.dataclass(frozen=True)
class Pool:
    """3x3 pooling; by default stride 1 keeps the grid ("same") and stride 2 pools without padding."""

    kind: str
    strides: int = 1
    padding: str | None = None


@dataclasses.dataclass(frozen=True)
class Fork:
    """Parallel convolutions on the same input, concatenated (v3's expanded 8x8 modules, Figure 7)."""

    convs: tuple
    name: str | None = None


def inception_width(filters, width_multiplier):
    """A branch width scaled by `width_multiplier` (a multiple of 8; unchanged at 1.0)."""
    return scale_filters(filters, width_multiplier, INCEPTION_WIDTH_DIVISOR)


def inception_conv_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", name=None):
    """Convolution without bias -> batch norm (no scale: the ReLU after it makes the scale redundant) ->
    activation, as keras.applications' Inception models; names `name`, `name_bn`, `name_ac`."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def branch(x, steps, conv=inception_conv_bn, width_multiplier=1.0):
    for step in steps:
        if isinstance(step, Conv):
            x = conv(x, inception_width(step.filters, width_multiplier), step.kernel_size, strides=step.strides,
                     padding=step.padding)
        elif isinstance(step, Pool):
            pooling = layers.AveragePooling2D if step.kind == "avg" else layers.MaxPooling2D
            padding = step.padding or ("same" if step.strides == 1 else "valid")
            x = pooling(3, strides=step.strides, padding=padding)(x)
        else:
            x = layers.Concatenate(name=step.name)([branch(x, [c], conv, width_multiplier) for c in step.convs])
    return x


def inception_block(x, branches, name=None, conv=inception_conv_bn, width_multiplier=1.0):
    """The branches run on the same input, concatenated along channels."""
    return layers.Concatenate(name=name)([branch(x, steps, conv, width_multiplier) for steps in branches])


def inception_v3_stem_convolutions(x, width_multiplier=1.0):
    """Inception v3's stem up to the 80/192 convolutions (Table 1), shared by Inception-ResNet v1/v2."""
    x = branch(x, [Conv(32, 3, 2, "valid"), Conv(32, 3, padding="valid"), Conv(64, 3), Pool("max", 2)],
               width_multiplier=width_multiplier)
    return branch(x, [Conv(80, 1, padding="valid"), Conv(192, 3, padding="valid")], width_multiplier=width_multiplier)


def inception_35x35(x, branch1x1_filters, pool_filters, name, width_multiplier=1.0):
    """v3's first modules (Figure 5, the 5x5 kept as in the released model), also Inception-ResNet v2's mixed_5b."""
    return inception_block(x, [
        [Conv(branch1x1_filters, 1)],
        [Conv(48, 1), Conv(64, 5)],
        [Conv(64, 1), Conv(96, 3), Conv(96, 3)],
        [Pool("avg"), Conv(pool_filters, 1)],
    ], name, width_multiplier=width_multiplier)


def reduction_a(x, k, l, m, n, name, width_multiplier=1.0):
    """Grid reduction with parallel stride-2 branches (v4 paper Figure 7 with its k, l, m, n; v3's mixed3)."""
    return inception_block(x, [
        [Conv(n, 3, 2, "valid")],
        [Conv(k, 1), Conv(l, 3), Conv(m, 3, 2, "valid")],
        [Pool("max", 2)],
    ], name, width_multiplier=width_multiplier)


def dropout_head(rate):
    """Global average pooling -> dropout -> classifier (GoogLeNet 0.4; v4 and Inception-ResNet 0.2)."""

    def head(x, classes, classifier_activation):
        if not rate:
            return classifier_head(x, classes, classifier_activation)
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(rate, name="dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


def check_aux_logits(aux_logits, weights):
    check_bool("aux_logits", aux_logits)
    if aux_logits and weights is not None:
        raise ValueError(
            f"aux_logits must be False when loading weights (got weights={weights!r}): the auxiliary classifier "
            "is a training aid that the published weight files do not have"
        )


def inception_model_name(base, stage_blocks, paper_stage_blocks, width_multiplier):
    """`base` ("inception_v3"), with the module counts and the width appended where they are not the paper's."""
    if stage_blocks != paper_stage_blocks:
        base += "_" + "-".join(map(str, stage_blocks))
    if width_multiplier != 1.0:
        base += f"_x{width_multiplier:g}"
    return base
