"""Inception v2 (BN-Inception), v3 and v4.

References:
- [Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift](
  https://arxiv.org/abs/1502.03167) (ICML 2015): BN-Inception, Figure 5.
- [Rethinking the Inception Architecture for Computer Vision](https://arxiv.org/abs/1512.00567)
  (CVPR 2016): Inception v3.
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (AAAI 2017): Inception v4, Figures 3-9.

An inception module is a list of branches, each a sequence of steps (`Conv`, `Pool`, or a final `Fork`
of parallel convolutions), run in order and concatenated (`inception_block`); GoogLeNet and the
Inception-ResNets describe their modules the same way. `InceptionV3` builds the same graph as
`keras.applications.InceptionV3` (same layers, order and automatic names, so its weight files load);
`aux_logits=True` adds the paper's BN auxiliary classifier on the 17x17 grid as a second output.
Convolutions are followed by batch normalization without scale (the ReLU after it makes the scale
redundant) as in keras.applications.
"""

from __future__ import annotations

import dataclasses

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, classifier_head, decode_predictions
from keras_cnns.checks import check_bool, check_rate
from keras_cnns.registry import Paper, register

__all__ = ["InceptionV2", "InceptionV3", "InceptionV4"]

V2_PAPER = Paper("Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
                 2015, "https://arxiv.org/abs/1502.03167")
V3_PAPER = Paper("Rethinking the Inception Architecture for Computer Vision", 2015, "https://arxiv.org/abs/1512.00567")
V4_PAPER = Paper("Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning", 2016,
                 "https://arxiv.org/abs/1602.07261")

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
V3_IMAGENET_WEIGHTS = ImagenetWeights(
    top=WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                    _KERAS_WEIGHTS + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                    "9a0d58056eeedaa3f26cb7ebd46da564"),
    notop=WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      _KERAS_WEIGHTS + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "bcbd6486424b2319ff4ef7d526e38f63"),
)


def preprocess_input(x, data_format=None):
    """keras.applications.inception_v3.preprocess_input: pixels scaled from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")



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


def conv_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", name=None):
    """Convolution without bias -> batch norm (no scale) -> activation; names `name`, `name_bn`, `name_ac`."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def branch(x, steps, conv=conv_bn):
    for step in steps:
        if isinstance(step, Conv):
            x = conv(x, step.filters, step.kernel_size, strides=step.strides, padding=step.padding)
        elif isinstance(step, Pool):
            pooling = layers.AveragePooling2D if step.kind == "avg" else layers.MaxPooling2D
            padding = step.padding or ("same" if step.strides == 1 else "valid")
            x = pooling(3, strides=step.strides, padding=padding)(x)
        else:
            x = layers.Concatenate(name=step.name)([branch(x, [c], conv) for c in step.convs])
    return x


def inception_block(x, branches, name=None, conv=conv_bn):
    """The branches run on the same input, concatenated along channels."""
    return layers.Concatenate(name=name)([branch(x, steps, conv) for steps in branches])


def inception_v3_stem_convolutions(x):
    """v3's stem up to the 80/192 convolutions (Table 1), shared by Inception-ResNet v1/v2."""
    x = branch(x, [Conv(32, 3, 2, "valid"), Conv(32, 3, padding="valid"), Conv(64, 3), Pool("max", 2)])
    return branch(x, [Conv(80, 1, padding="valid"), Conv(192, 3, padding="valid")])


def inception_35x35(x, branch1x1_filters, pool_filters, name):
    """v3's first modules (Figure 5, the 5x5 kept as in the released model), also Inception-ResNet v2's mixed_5b."""
    return inception_block(x, [
        [Conv(branch1x1_filters, 1)],
        [Conv(48, 1), Conv(64, 5)],
        [Conv(64, 1), Conv(96, 3), Conv(96, 3)],
        [Pool("avg"), Conv(pool_filters, 1)],
    ], name)


def reduction_a(x, k, l, m, n, name):
    """Grid reduction with parallel stride-2 branches (v4 paper Figure 7 with its k, l, m, n; v3's mixed3)."""
    return inception_block(x, [
        [Conv(n, 3, 2, "valid")],
        [Conv(k, 1), Conv(l, 3), Conv(m, 3, 2, "valid")],
        [Pool("max", 2)],
    ], name)


def inception_17x17(x, channels, name):
    """v3's Figure 6 module: n x n convolutions factorized into 1x7 and 7x1."""
    return inception_block(x, [
        [Conv(192, 1)],
        [Conv(channels, 1), Conv(channels, (1, 7)), Conv(192, (7, 1))],
        [Conv(channels, 1), Conv(channels, (7, 1)), Conv(channels, (1, 7)), Conv(channels, (7, 1)), Conv(192, (1, 7))],
        [Pool("avg"), Conv(192, 1)],
    ], name)


def reduction_v3_b(x, name):
    return inception_block(x, [
        [Conv(192, 1), Conv(320, 3, 2, "valid")],
        [Conv(192, 1), Conv(192, (1, 7)), Conv(192, (7, 1)), Conv(192, 3, 2, "valid")],
        [Pool("max", 2)],
    ], name)


def inception_8x8(x, index):
    """v3's Figure 7 module: expanded filter banks for the coarsest grid."""
    fork = (Conv(384, (1, 3)), Conv(384, (3, 1)))
    return inception_block(x, [
        [Conv(320, 1)],
        [Conv(384, 1), Fork(fork, f"mixed9_{index}")],
        [Conv(448, 1), Conv(384, 3), Fork(fork)],
        [Pool("avg"), Conv(192, 1)],
    ], f"mixed{9 + index}")


def inception_v3_auxiliary_head(x, classes, classifier_activation):
    """The BN auxiliary classifier on the 17x17 grid: the 5x5 convolution acts as its fully connected layer,
    and it is batch-normalized too (the paper's "BN-auxiliary")."""
    x = layers.AveragePooling2D(5, strides=3, name="aux_avg_pool")(x)
    x = conv_bn(x, 128, 1, name="aux_conv1")
    x = conv_bn(x, 768, 5, padding="valid", name="aux_conv2")
    x = layers.Flatten(name="aux_flatten")(x)
    return layers.Dense(classes, activation=classifier_activation, name="aux_predictions")(x)


def dropout_head(rate):
    """Global average pooling -> dropout -> classifier (v4 and Inception-ResNet: keep probability 0.8)."""

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


@register("inception_v3", family="inception", paper=V3_PAPER)
def InceptionV3(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_v3",
    *,
    aux_logits=False,
):
    """Instantiates Inception v3 (the same graph as keras.applications.InceptionV3).

    Args:
        aux_logits: with `include_top=True`, add the BN auxiliary classifier on the 17x17 grid as a second
            output "aux_predictions" (needs the full 299x299 input).
        The other arguments are keras.applications'; inputs are at least 75x75.
    """
    check_aux_logits(aux_logits, weights)
    taps = {}

    def body(x):
        x = inception_v3_stem_convolutions(x)
        x = layers.MaxPooling2D(3, strides=2)(x)
        for index, pool_filters in enumerate((32, 64, 64)):
            x = inception_35x35(x, 64, pool_filters, f"mixed{index}")
        x = reduction_a(x, k=64, l=96, m=96, n=384, name="mixed3")
        for index, channels in enumerate((128, 160, 160, 192), start=4):
            x = inception_17x17(x, channels, f"mixed{index}")
        taps["aux"] = x
        x = reduction_v3_b(x, "mixed8")
        for index in range(2):
            x = inception_8x8(x, index)
        return x

    def auxiliary_outputs():
        return [inception_v3_auxiliary_head(taps["aux"], classes, classifier_activation)]

    return build_application(
        body,
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=299,
        min_size=299 if aux_logits and include_top else 75,
        imagenet_weights=V3_IMAGENET_WEIGHTS,
        extra_outputs=auxiliary_outputs if aux_logits else None,
    )


# BN-Inception, Figure 5: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool + projection.
# Modules with stride 2 (3c, 4e) have no 1x1 branch and pass the max-pooled input through.
BN_INCEPTION_MODULES = (
    ("3a", 64, 64, 64, 64, 96, "avg", 32),
    ("3b", 64, 64, 96, 64, 96, "avg", 64),
    ("3c", 0, 128, 160, 64, 96, "max", 0),
    ("4a", 224, 64, 96, 96, 128, "avg", 128),
    ("4b", 192, 96, 128, 96, 128, "avg", 128),
    ("4c", 160, 128, 160, 128, 160, "avg", 128),
    ("4d", 96, 128, 192, 160, 192, "avg", 128),
    ("4e", 0, 128, 192, 192, 256, "max", 0),
    ("5a", 352, 192, 320, 160, 224, "avg", 128),
    ("5b", 352, 192, 320, 192, 224, "max", 128),
)


def bn_inception_module(x, name, n1x1, n3x3_reduce, n3x3, double_reduce, double_3x3, pool, projection):
    """Every 5x5 of GoogLeNet's module is replaced by two 3x3 convolutions (section 5).

    Stride-2 modules halve the grid exactly (28 -> 14 -> 7 in Figure 5), so they pad ("same")."""
    strides = 1 if n1x1 else 2
    padding = "same"
    branches = [[Conv(n1x1, 1)]] if n1x1 else []
    branches += [
        [Conv(n3x3_reduce, 1), Conv(n3x3, 3, strides, padding)],
        [Conv(double_reduce, 1), Conv(double_3x3, 3), Conv(double_3x3, 3, strides, padding)],
        [Pool(pool, strides, padding)] + ([Conv(projection, 1)] if projection else []),
    ]
    return inception_block(x, branches, f"inception_{name}")


def _bn_inception_body(x):
    x = conv_bn(x, 64, 7, strides=2, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = conv_bn(x, 64, 1, name="conv2_reduce")
    x = conv_bn(x, 192, 3, name="conv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    for module in BN_INCEPTION_MODULES:
        x = bn_inception_module(x, *module)
    return x


@register("inception_v2", family="inception", paper=V2_PAPER)
def InceptionV2(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_v2",
):
    """Instantiates BN-Inception (Inception v2): GoogLeNet with batch normalization after every convolution
    and each 5x5 convolution replaced by two 3x3 (Figure 5). Inputs are at least 32x32."""
    return build_application(
        _bn_inception_body,
        name=name,
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


def inception_v4_stem(x):
    """Figure 3: 299x299x3 -> 35x35x384, with parallel pooling/convolution at each grid reduction."""
    x = branch(x, [Conv(32, 3, 2, "valid"), Conv(32, 3, padding="valid"), Conv(64, 3)])
    x = inception_block(x, [[Pool("max", 2)], [Conv(96, 3, 2, "valid")]], "stem_mixed1")
    x = inception_block(x, [
        [Conv(64, 1), Conv(96, 3, padding="valid")],
        [Conv(64, 1), Conv(64, (7, 1)), Conv(64, (1, 7)), Conv(96, 3, padding="valid")],
    ], "stem_mixed2")
    return inception_block(x, [[Conv(192, 3, 2, "valid")], [Pool("max", 2)]], "stem_mixed3")


def inception_v4_a(x, name):
    """Figure 4: the 35x35 module."""
    return inception_block(x, [
        [Pool("avg"), Conv(96, 1)],
        [Conv(96, 1)],
        [Conv(64, 1), Conv(96, 3)],
        [Conv(64, 1), Conv(96, 3), Conv(96, 3)],
    ], name)


def inception_v4_b(x, name):
    """Figure 5: the 17x17 module."""
    return inception_block(x, [
        [Pool("avg"), Conv(128, 1)],
        [Conv(384, 1)],
        [Conv(192, 1), Conv(224, (1, 7)), Conv(256, (7, 1))],
        [Conv(192, 1), Conv(192, (1, 7)), Conv(224, (7, 1)), Conv(224, (1, 7)), Conv(256, (7, 1))],
    ], name)


def reduction_v4_b(x, name):
    """Figure 8: 17x17x1024 -> 8x8x1536."""
    return inception_block(x, [
        [Pool("max", 2)],
        [Conv(192, 1), Conv(192, 3, 2, "valid")],
        [Conv(256, 1), Conv(256, (1, 7)), Conv(320, (7, 1)), Conv(320, 3, 2, "valid")],
    ], name)


def inception_v4_c(x, name):
    """Figure 6: the 8x8 module with forked 1x3/3x1 outputs."""
    fork = (Conv(256, (1, 3)), Conv(256, (3, 1)))
    return inception_block(x, [
        [Pool("avg"), Conv(256, 1)],
        [Conv(256, 1)],
        [Conv(384, 1), Fork(fork)],
        [Conv(384, 1), Conv(448, (1, 3)), Conv(512, (3, 1)), Fork(fork)],
    ], name)


def _inception_v4_body(x):
    x = inception_v4_stem(x)
    for index in range(1, 5):
        x = inception_v4_a(x, f"inception_a{index}")
    x = reduction_a(x, k=192, l=224, m=256, n=384, name="reduction_a")
    for index in range(1, 8):
        x = inception_v4_b(x, f"inception_b{index}")
    x = reduction_v4_b(x, "reduction_b")
    for index in range(1, 4):
        x = inception_v4_c(x, f"inception_c{index}")
    return x


@register("inception_v4", family="inception", paper=V4_PAPER)
def InceptionV4(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_v4",
    *,
    dropout=0.2,
):
    """Instantiates Inception v4 (Figure 9).

    Args:
        dropout: dropout rate before the classifier (the paper keeps 0.8 of the activations: 0.2).
        The other arguments are keras.applications'; inputs are at least 75x75.
    """
    check_rate("dropout", dropout)
    return build_application(
        _inception_v4_body,
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=299,
        min_size=75,
        head=dropout_head(dropout),
    )
