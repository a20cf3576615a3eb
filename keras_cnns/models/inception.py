"""Inception v2 (BN-Inception), v3 and v4.

References:
- [Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift](
  https://arxiv.org/abs/1502.03167) (ICML 2015): BN-Inception, Figure 5.
- [Rethinking the Inception Architecture for Computer Vision](https://arxiv.org/abs/1512.00567)
  (CVPR 2016): Inception v3.
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (AAAI 2017): Inception v4, Figures 3-9.

`Inception(variant=...)` builds any of the three as a design space: `stage_blocks` sets the number of modules
of each kind (v2: the 28x28, 14x14 and 7x7 stages, paper (2, 4, 2); v3: the 35x35, 17x17 and 8x8 modules,
(3, 4, 2); v4: Inception-A, -B and -C, (4, 7, 3)) and `width_multiplier` scales every branch. The modules are
described as branches of `Conv`/`Pool`/`Fork` steps (`keras_cnns.blocks`). `InceptionV3` builds the same graph as
`keras.applications.InceptionV3` (same layers, order and automatic names, so its weight files load);
`aux_logits=True` adds the paper's BN auxiliary classifier on the 17x17 grid as a second output.
Convolutions are followed by batch normalization without scale (the ReLU after it makes the scale
redundant) as in keras.applications.
"""


from __future__ import annotations

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.blocks import (Conv, Fork, Pool, branch, check_aux_logits, dropout_head, inception_35x35,
                               inception_block, inception_conv_bn, inception_model_name, inception_v3_stem_convolutions,
                               inception_width, reduction_a)
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["Inception", "InceptionV2", "InceptionV3", "InceptionV4"]

V2_PAPER = Paper("Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
                 2015, "https://arxiv.org/abs/1502.03167")
V3_PAPER = Paper("Rethinking the Inception Architecture for Computer Vision", 2015, "https://arxiv.org/abs/1512.00567")
V4_PAPER = Paper("Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning", 2016,
                 "https://arxiv.org/abs/1602.07261")

VARIANTS = ("v2", "v3", "v4")
PAPER_STAGE_BLOCKS = {"v2": (2, 4, 2), "v3": (3, 4, 2), "v4": (4, 7, 3)}
PAPER_DROPOUT = {"v2": 0.0, "v3": 0.0, "v4": 0.2}  # v4 keeps 0.8 of the activations before the classifier


def _knobs():
    return (
        Knob("stage_blocks", "int_tuple", low=1, high=10, length=3),
        Knob("width_multiplier", "float", low=0.125, high=2.0, default=1.0),
    )


SPECS = {
    "v2": Spec("inception", V2_PAPER, default_size=224, min_size=32, preprocessing="tf", knobs=_knobs()),
    "v3": Spec("inception", V3_PAPER, default_size=299, min_size=75, preprocessing="tf", knobs=_knobs()),
    "v4": Spec("inception", V4_PAPER, default_size=299, min_size=75, preprocessing="tf", knobs=_knobs()),
}

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
    return preprocess_with(SPECS["v3"], x, data_format)


def _module_letter(index):
    return "abcdefghijklmnopqrstuvwxyz"[index]


# ---------------------------------------------------------------------------------------------------------------
# Inception v3

def inception_17x17(x, channels, name, width_multiplier=1.0):
    """v3's Figure 6 module: n x n convolutions factorized into 1x7 and 7x1."""
    return inception_block(x, [
        [Conv(192, 1)],
        [Conv(channels, 1), Conv(channels, (1, 7)), Conv(192, (7, 1))],
        [Conv(channels, 1), Conv(channels, (7, 1)), Conv(channels, (1, 7)), Conv(channels, (7, 1)), Conv(192, (1, 7))],
        [Pool("avg"), Conv(192, 1)],
    ], name, width_multiplier=width_multiplier)


def reduction_v3_b(x, name, width_multiplier=1.0):
    return inception_block(x, [
        [Conv(192, 1), Conv(320, 3, 2, "valid")],
        [Conv(192, 1), Conv(192, (1, 7)), Conv(192, (7, 1)), Conv(192, 3, 2, "valid")],
        [Pool("max", 2)],
    ], name, width_multiplier=width_multiplier)


def inception_8x8(x, name, fork_name, width_multiplier=1.0):
    """v3's Figure 7 module: expanded filter banks for the coarsest grid."""
    fork = (Conv(384, (1, 3)), Conv(384, (3, 1)))
    return inception_block(x, [
        [Conv(320, 1)],
        [Conv(384, 1), Fork(fork, fork_name)],
        [Conv(448, 1), Conv(384, 3), Fork(fork)],
        [Pool("avg"), Conv(192, 1)],
    ], name, width_multiplier=width_multiplier)


def inception_v3_auxiliary_head(x, classes, classifier_activation, width_multiplier=1.0):
    """The BN auxiliary classifier on the 17x17 grid: the 5x5 convolution acts as its fully connected layer,
    and it is batch-normalized too (the paper's "BN-auxiliary")."""
    x = layers.AveragePooling2D(5, strides=3, name="aux_avg_pool")(x)
    x = inception_conv_bn(x, inception_width(128, width_multiplier), 1, name="aux_conv1")
    x = inception_conv_bn(x, inception_width(768, width_multiplier), 5, padding="valid", name="aux_conv2")
    x = layers.Flatten(name="aux_flatten")(x)
    return layers.Dense(classes, activation=classifier_activation, name="aux_predictions")(x)


def v3_17x17_channels(index, count):
    """The 1x7/7x1 width of 17x17 module `index` of `count`: the paper's 128, 160, ..., 160, 192 (last 192)."""
    if index == count - 1:
        return 192
    return 128 if index == 0 else 160


def _inception_v3_body(stage_blocks, width_multiplier, taps):
    """Named mixed0, mixed1, ... in order as keras.applications (mixed0-10 at the paper's (3, 4, 2))."""
    count_35, count_17, count_8 = stage_blocks

    def body(x):
        x = inception_v3_stem_convolutions(x, width_multiplier)
        x = layers.MaxPooling2D(3, strides=2)(x)
        for index in range(count_35):
            x = inception_35x35(x, 64, 32 if index == 0 else 64, f"mixed{index}", width_multiplier)
        x = reduction_a(x, k=64, l=96, m=96, n=384, name=f"mixed{count_35}", width_multiplier=width_multiplier)
        for index in range(count_17):
            x = inception_17x17(x, v3_17x17_channels(index, count_17), f"mixed{count_35 + 1 + index}",
                                width_multiplier)
        taps["aux"] = x
        x = reduction_v3_b(x, f"mixed{count_35 + count_17 + 1}", width_multiplier)
        first_8x8 = count_35 + count_17 + 2
        for index in range(count_8):
            x = inception_8x8(x, f"mixed{first_8x8 + index}", f"mixed{first_8x8}_{index}", width_multiplier)
        return x

    return body


# ---------------------------------------------------------------------------------------------------------------
# BN-Inception (v2)

# Figure 5: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool + projection, per stage; each
# stage but the last ends with a stride-2 module (3c, 4e) that has no 1x1 branch and passes the max-pooled input.
BN_INCEPTION_STAGES = (
    ("3", ((64, 64, 64, 64, 96, "avg", 32), (64, 64, 96, 64, 96, "avg", 64)), (0, 128, 160, 64, 96, "max", 0)),
    ("4", ((224, 64, 96, 96, 128, "avg", 128), (192, 96, 128, 96, 128, "avg", 128),
           (160, 128, 160, 128, 160, "avg", 128), (96, 128, 192, 160, 192, "avg", 128)),
     (0, 128, 192, 192, 256, "max", 0)),
    ("5", ((352, 192, 320, 160, 224, "avg", 128), (352, 192, 320, 192, 224, "max", 128)), None),
)


def bn_inception_module(x, name, n1x1, n3x3_reduce, n3x3, double_reduce, double_3x3, pool, projection,
                        width_multiplier=1.0):
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
    return inception_block(x, branches, f"inception_{name}", width_multiplier=width_multiplier)


def _bn_inception_body(stage_blocks, width_multiplier):
    """A stage of n modules uses Figure 5's first n rows of that stage, repeating its last row past them."""

    def body(x):
        x = inception_conv_bn(x, inception_width(64, width_multiplier), 7, strides=2, name="conv1")
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
        x = inception_conv_bn(x, inception_width(64, width_multiplier), 1, name="conv2_reduce")
        x = inception_conv_bn(x, inception_width(192, width_multiplier), 3, name="conv2")
        x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
        for (stage, rows, reduction), count in zip(BN_INCEPTION_STAGES, stage_blocks):
            for index in range(count):
                row = rows[min(index, len(rows) - 1)]
                x = bn_inception_module(x, f"{stage}{_module_letter(index)}", *row, width_multiplier=width_multiplier)
            if reduction is not None:
                x = bn_inception_module(x, f"{stage}{_module_letter(count)}", *reduction,
                                        width_multiplier=width_multiplier)
        return x

    return body


# ---------------------------------------------------------------------------------------------------------------
# Inception v4

def inception_v4_stem(x, width_multiplier=1.0):
    """Figure 3: 299x299x3 -> 35x35x384, with parallel pooling/convolution at each grid reduction."""
    x = branch(x, [Conv(32, 3, 2, "valid"), Conv(32, 3, padding="valid"), Conv(64, 3)],
               width_multiplier=width_multiplier)
    x = inception_block(x, [[Pool("max", 2)], [Conv(96, 3, 2, "valid")]], "stem_mixed1",
                        width_multiplier=width_multiplier)
    x = inception_block(x, [
        [Conv(64, 1), Conv(96, 3, padding="valid")],
        [Conv(64, 1), Conv(64, (7, 1)), Conv(64, (1, 7)), Conv(96, 3, padding="valid")],
    ], "stem_mixed2", width_multiplier=width_multiplier)
    return inception_block(x, [[Conv(192, 3, 2, "valid")], [Pool("max", 2)]], "stem_mixed3",
                           width_multiplier=width_multiplier)


def inception_v4_a(x, name, width_multiplier=1.0):
    """Figure 4: the 35x35 module."""
    return inception_block(x, [
        [Pool("avg"), Conv(96, 1)],
        [Conv(96, 1)],
        [Conv(64, 1), Conv(96, 3)],
        [Conv(64, 1), Conv(96, 3), Conv(96, 3)],
    ], name, width_multiplier=width_multiplier)


def inception_v4_b(x, name, width_multiplier=1.0):
    """Figure 5: the 17x17 module."""
    return inception_block(x, [
        [Pool("avg"), Conv(128, 1)],
        [Conv(384, 1)],
        [Conv(192, 1), Conv(224, (1, 7)), Conv(256, (7, 1))],
        [Conv(192, 1), Conv(192, (1, 7)), Conv(224, (7, 1)), Conv(224, (1, 7)), Conv(256, (7, 1))],
    ], name, width_multiplier=width_multiplier)


def reduction_v4_b(x, name, width_multiplier=1.0):
    """Figure 8: 17x17x1024 -> 8x8x1536."""
    return inception_block(x, [
        [Pool("max", 2)],
        [Conv(192, 1), Conv(192, 3, 2, "valid")],
        [Conv(256, 1), Conv(256, (1, 7)), Conv(320, (7, 1)), Conv(320, 3, 2, "valid")],
    ], name, width_multiplier=width_multiplier)


def inception_v4_c(x, name, width_multiplier=1.0):
    """Figure 6: the 8x8 module with forked 1x3/3x1 outputs."""
    fork = (Conv(256, (1, 3)), Conv(256, (3, 1)))
    return inception_block(x, [
        [Pool("avg"), Conv(256, 1)],
        [Conv(256, 1)],
        [Conv(384, 1), Fork(fork)],
        [Conv(384, 1), Conv(448, (1, 3)), Conv(512, (3, 1)), Fork(fork)],
    ], name, width_multiplier=width_multiplier)


def _inception_v4_body(stage_blocks, width_multiplier):
    count_a, count_b, count_c = stage_blocks

    def body(x):
        x = inception_v4_stem(x, width_multiplier)
        for index in range(1, count_a + 1):
            x = inception_v4_a(x, f"inception_a{index}", width_multiplier)
        x = reduction_a(x, k=192, l=224, m=256, n=384, name="reduction_a", width_multiplier=width_multiplier)
        for index in range(1, count_b + 1):
            x = inception_v4_b(x, f"inception_b{index}", width_multiplier)
        x = reduction_v4_b(x, "reduction_b", width_multiplier)
        for index in range(1, count_c + 1):
            x = inception_v4_c(x, f"inception_c{index}", width_multiplier)
        return x

    return body


@register_builder("inception")
def Inception(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    variant="v3",
    stage_blocks=None,
    width_multiplier=1.0,
    aux_logits=False,
    dropout=None,
):
    """Instantiates an Inception v2 (BN-Inception), v3 or v4 of any depth and width.

    Args:
        variant: "v2" (BN-Inception, 224x224 inputs, at least 32x32), "v3" or "v4" (299x299, at least 75x75).
        stage_blocks: the number of modules of each kind, 3 entries each in [1, 10]: v2's modules at 28x28,
            14x14 and 7x7 before/after the stride-2 modules 3c and 4e (paper (2, 4, 2); a stage of n modules uses
            Figure 5's first n rows of the stage, repeating its last row); v3's 35x35, 17x17 and 8x8 modules
            (paper (3, 4, 2); the first 35x35 module projects its pooling branch to 32 channels and the others to
            64, the 17x17 modules' 7x7 widths are 128, 160, ..., 160, 192); v4's Inception-A, -B and -C
            modules (paper (4, 7, 3)). Default: the paper's.
        width_multiplier: scales every convolution's filters (rounded to a multiple of 8), in [0.125, 2.0];
            1.0 is the paper.
        aux_logits: "v3" only: with `include_top=True`, add the BN auxiliary classifier on the 17x17 grid as a
            second output "aux_predictions" (needs the full 299x299 input).
        dropout: dropout rate before the classifier, in [0, 1); default 0.2 for "v4" (the paper keeps 0.8 of
            the activations), 0 for "v2" and "v3".
        The other arguments are keras.applications'. `weights="imagenet"` loads keras.applications' file for
        v3 at the paper's depth and width.
    """
    variant = check_choice("variant", variant, VARIANTS)
    spec = SPECS[variant]
    stage_blocks = spec.knob("stage_blocks").validate(
        PAPER_STAGE_BLOCKS[variant] if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    check_aux_logits(aux_logits, weights)
    if aux_logits and variant != "v3":
        raise ValueError(f"aux_logits=True needs variant='v3' (the BN auxiliary classifier); got variant={variant!r}")
    dropout = check_rate("dropout", PAPER_DROPOUT[variant] if dropout is None else dropout)
    name = name or inception_model_name(f"inception_{variant}", stage_blocks, PAPER_STAGE_BLOCKS[variant],
                                        width_multiplier)
    taps = {}
    if variant == "v2":
        body = _bn_inception_body(stage_blocks, width_multiplier)
    elif variant == "v3":
        body = _inception_v3_body(stage_blocks, width_multiplier, taps)
    else:
        body = _inception_v4_body(stage_blocks, width_multiplier)

    def auxiliary_outputs():
        return [inception_v3_auxiliary_head(taps["aux"], classes, classifier_activation, width_multiplier)]

    paper_v3 = variant == "v3" and stage_blocks == PAPER_STAGE_BLOCKS["v3"] and width_multiplier == 1.0
    return build_application(
        body,
        spec=spec,
        min_size=299 if aux_logits and include_top else None,
        head=dropout_head(dropout),
        imagenet_weights=V3_IMAGENET_WEIGHTS if paper_v3 and not dropout else None,
        extra_outputs=auxiliary_outputs if aux_logits else None,
        **application_arguments(locals()),
    )


@register("inception_v2", SPECS["v2"], variant="v2", stage_blocks=PAPER_STAGE_BLOCKS["v2"])
def InceptionV2(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="inception_v2", **kwargs):
    """Instantiates BN-Inception (Inception v2): GoogLeNet with batch normalization after every convolution
    and each 5x5 convolution replaced by two 3x3 (Figure 5). Inputs are at least 32x32.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `dropout`) is
    `Inception`'s.
    """
    return Inception(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                     **preset("inception_v2", kwargs))


@register("inception_v3", SPECS["v3"], variant="v3", stage_blocks=PAPER_STAGE_BLOCKS["v3"])
def InceptionV3(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="inception_v3", **kwargs):
    """Instantiates Inception v3 (the same graph as keras.applications.InceptionV3; `weights="imagenet"` loads
    its file). Inputs are at least 75x75.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); `aux_logits=True` (with `include_top=True`) adds the BN auxiliary
    classifier on the 17x17 grid as a second output "aux_predictions" (needs the full 299x299 input); any other
    keyword (`stage_blocks`, `width_multiplier`, `dropout`) is `Inception`'s.
    """
    return Inception(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                     **preset("inception_v3", kwargs))


@register("inception_v4", SPECS["v4"], variant="v4", stage_blocks=PAPER_STAGE_BLOCKS["v4"])
def InceptionV4(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="inception_v4", **kwargs):
    """Instantiates Inception v4 (Figure 9). Inputs are at least 75x75.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); `dropout` is the rate before the classifier (default 0.2: the paper keeps
    0.8 of the activations); any other keyword (`stage_blocks`, `width_multiplier`) is `Inception`'s.
    """
    return Inception(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                     **preset("inception_v4", kwargs))
