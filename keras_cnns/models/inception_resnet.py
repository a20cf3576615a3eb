"""Inception-ResNet v1 and v2.

Reference:
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (AAAI 2017)

Each Inception-ResNet block runs an inception module, projects it back to the input width with a linear
1x1 convolution, scales it (`ScaledResidual`, 0.1 to 0.3, section 3.3) and adds it to the input.
`InceptionResNetV2` builds the same graph as `keras.applications.InceptionResNetV2` (the released
TF-slim network: Inception v3's stem plus `mixed_5b`, a final 1x1 convolution to 1536 channels, last
block unscaled and without ReLU, no dropout), so its weight files load; pass `dropout=0.2` for the
paper's keep probability 0.8. `InceptionResNetV1` follows the paper's Figures 10-15 (stem of Figure 14,
5/10/5 blocks, dropout 0.2). `InceptionResNet(variant=...)` is the design space: `stage_blocks` sets the number
of Inception-ResNet-A, -B and -C blocks (v1 (5, 10, 5), v2 (10, 20, 10)) and `width_multiplier` scales every
convolution. The modules are branches of `keras_cnns.blocks`' `Conv`/`Pool` steps; the stem and Reduction-A are
Inception v3's / v4's, shared from there.
"""

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.blocks import (Conv, Pool, dropout_head, inception_35x35, inception_block, inception_conv_bn,
                               inception_model_name, inception_v3_stem_convolutions, inception_width, reduction_a)
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.layers import ScaledResidual
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["InceptionResNet", "InceptionResNetV1", "InceptionResNetV2"]

PAPER = Paper("Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning", 2016,
              "https://arxiv.org/abs/1602.07261")

VARIANTS = ("v1", "v2")
PAPER_STAGE_BLOCKS = {"v1": (5, 10, 5), "v2": (10, 20, 10)}
PAPER_DROPOUT = {"v1": 0.2, "v2": 0.0}  # v2: keras.applications' released network has none


def _spec():
    return Spec("inception_resnet", PAPER, default_size=299, min_size=75, preprocessing="tf", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=20, length=3),
        Knob("width_multiplier", "float", low=0.125, high=2.0, default=1.0),
    ))


SPECS = {"v1": _spec(), "v2": _spec()}

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
IMAGENET_WEIGHTS = ImagenetWeights(
    top=WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                    _KERAS_WEIGHTS + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                    "e693bd0210a403b3192acc6073ad2e96"),
    notop=WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      _KERAS_WEIGHTS + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "d19885ff4a710c122648d3b5c3b684e4"),
)

# Residual scales of the 35x35, 17x17 and 8x8 blocks (the released networks' values, in the paper's range).
SCALES = {"block35": 0.17, "block17": 0.1, "block8": 0.2}

# Branches of the Inception-ResNet-A/B/C modules: v1 Figures 10, 11, 13; v2 Figures 16, 17, 19.
BLOCK_BRANCHES = {
    "v1": {
        "block35": ([Conv(32, 1)], [Conv(32, 1), Conv(32, 3)], [Conv(32, 1), Conv(32, 3), Conv(32, 3)]),
        "block17": ([Conv(128, 1)], [Conv(128, 1), Conv(128, (1, 7)), Conv(128, (7, 1))]),
        "block8": ([Conv(192, 1)], [Conv(192, 1), Conv(192, (1, 3)), Conv(192, (3, 1))]),
    },
    "v2": {
        "block35": ([Conv(32, 1)], [Conv(32, 1), Conv(32, 3)], [Conv(32, 1), Conv(48, 3), Conv(64, 3)]),
        "block17": ([Conv(192, 1)], [Conv(128, 1), Conv(160, (1, 7)), Conv(192, (7, 1))]),
        "block8": ([Conv(192, 1)], [Conv(192, 1), Conv(224, (1, 3)), Conv(256, (3, 1))]),
    },
}


def preprocess_input(x, data_format=None):
    """keras.applications.inception_resnet_v2.preprocess_input: pixels scaled from [0, 255] to [-1, 1]."""
    return preprocess_with(SPECS["v2"], x, data_format)


def inception_resnet_block(x, branches, scale, name, activation="relu", width_multiplier=1.0):
    """x + scale * linear_1x1(inception module(x)), then ReLU; batch norm only inside the module."""
    mixed = inception_block(x, branches, f"{name}_mixed", width_multiplier=width_multiplier)
    residual = layers.Conv2D(x.shape[-1], 1, padding="same", use_bias=True, name=f"{name}_conv")(mixed)
    x = ScaledResidual(scale, name=f"{name}_residual")([x, residual])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def reduction_b(x, widths, name, width_multiplier=1.0):
    """Figures 12 / 18: three 1x1(256)-reduced stride-2 branches (output widths `widths`) and max pooling."""
    first, second, third = widths
    return inception_block(x, [
        [Conv(256, 1), Conv(first, 3, 2, "valid")],
        [Conv(256, 1), Conv(second, 3, 2, "valid")],
        [Conv(256, 1), Conv(third[0], 3), Conv(third[1], 3, 2, "valid")],
        [Pool("max", 2)],
    ], name, width_multiplier=width_multiplier)


def _repeat_blocks(x, variant, block_type, count, width_multiplier, last_is_linear=False):
    for index in range(1, count + 1):
        final = last_is_linear and index == count
        x = inception_resnet_block(
            x, BLOCK_BRANCHES[variant][block_type], 1.0 if final else SCALES[block_type],
            f"{block_type}_{index}", activation=None if final else "relu", width_multiplier=width_multiplier,
        )
    return x


def _inception_resnet_v1_body(stage_blocks, width_multiplier):
    count_a, count_b, count_c = stage_blocks

    def body(x):
        x = inception_v3_stem_convolutions(x, width_multiplier)
        x = inception_conv_bn(x, inception_width(256, width_multiplier), 3, strides=2, padding="valid")  # 35x35x256
        x = _repeat_blocks(x, "v1", "block35", count_a, width_multiplier)
        x = reduction_a(x, k=192, l=192, m=256, n=384, name="mixed_6a", width_multiplier=width_multiplier)
        x = _repeat_blocks(x, "v1", "block17", count_b, width_multiplier)
        x = reduction_b(x, (384, 256, (256, 256)), "mixed_7a", width_multiplier)
        return _repeat_blocks(x, "v1", "block8", count_c, width_multiplier)

    return body


def _inception_resnet_v2_body(stage_blocks, width_multiplier):
    count_a, count_b, count_c = stage_blocks

    def body(x):
        x = inception_v3_stem_convolutions(x, width_multiplier)
        x = layers.MaxPooling2D(3, strides=2)(x)
        x = inception_35x35(x, 96, 64, "mixed_5b", width_multiplier)
        x = _repeat_blocks(x, "v2", "block35", count_a, width_multiplier)
        x = reduction_a(x, k=256, l=256, m=384, n=384, name="mixed_6a", width_multiplier=width_multiplier)
        x = _repeat_blocks(x, "v2", "block17", count_b, width_multiplier)
        x = reduction_b(x, (384, 288, (288, 320)), "mixed_7a", width_multiplier)
        x = _repeat_blocks(x, "v2", "block8", count_c, width_multiplier, last_is_linear=True)
        return inception_conv_bn(x, inception_width(1536, width_multiplier), 1, name="conv_7b")

    return body


@register_builder("inception_resnet")
def InceptionResNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    variant="v2",
    stage_blocks=None,
    width_multiplier=1.0,
    dropout=None,
):
    """Instantiates an Inception-ResNet v1 or v2 of any depth and width (299x299 inputs, at least 75x75).

    Args:
        variant: "v1" (Figures 10-15: stem of Figure 14, dropout 0.2) or "v2" (keras.applications' released
            network: v3's stem plus mixed_5b, a final 1x1 convolution to 1536 channels, last block linear and
            unscaled, no dropout).
        stage_blocks: Inception-ResNet-A, -B and -C blocks, 3 entries each in [1, 20]; default the paper's:
            (5, 10, 5) for "v1", (10, 20, 10) for "v2".
        width_multiplier: scales every convolution's filters (rounded to a multiple of 8), in [0.125, 2.0];
            1.0 is the paper. A block's residual projection follows its input's width.
        dropout: dropout rate before the classifier, in [0, 1); default 0.2 for "v1" (the paper keeps 0.8 of
            the activations) and 0 for "v2" (keras.applications; 0.2 is the paper's).
        The other arguments are keras.applications'. `weights="imagenet"` loads keras.applications' file for
        "v2" at the paper's depth and width without dropout.
    """
    variant = check_choice("variant", variant, VARIANTS)
    spec = SPECS[variant]
    stage_blocks = spec.knob("stage_blocks").validate(
        PAPER_STAGE_BLOCKS[variant] if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    dropout = check_rate("dropout", PAPER_DROPOUT[variant] if dropout is None else dropout)
    name = name or inception_model_name(f"inception_resnet_{variant}", stage_blocks, PAPER_STAGE_BLOCKS[variant],
                                        width_multiplier)
    body = (_inception_resnet_v1_body if variant == "v1" else _inception_resnet_v2_body)(stage_blocks,
                                                                                          width_multiplier)
    keras_applications_graph = (variant == "v2" and stage_blocks == PAPER_STAGE_BLOCKS["v2"]
                                and width_multiplier == 1.0 and not dropout)
    return build_application(
        body,
        spec=spec,
        head=dropout_head(dropout),
        imagenet_weights=IMAGENET_WEIGHTS if keras_applications_graph else None,
        **application_arguments(locals()),
    )


@register("inception_resnet_v1", SPECS["v1"], variant="v1", stage_blocks=PAPER_STAGE_BLOCKS["v1"])
def InceptionResNetV1(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", name="inception_resnet_v1", **kwargs):
    """Instantiates Inception-ResNet v1 (Figure 15). Inputs are at least 75x75.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); `dropout` is the rate before the classifier (default 0.2: the paper keeps
    0.8 of the activations); any other keyword (`stage_blocks`, `width_multiplier`) is `InceptionResNet`'s.
    """
    return InceptionResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
                           name, **preset("inception_resnet_v1", kwargs))


@register("inception_resnet_v2", SPECS["v2"], variant="v2", stage_blocks=PAPER_STAGE_BLOCKS["v2"])
def InceptionResNetV2(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation="softmax", name="inception_resnet_v2", **kwargs):
    """Instantiates Inception-ResNet v2 (the same graph as keras.applications.InceptionResNetV2; `weights="imagenet"`
    loads its file). Inputs are at least 75x75.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); `dropout` is the rate before the classifier (0 as keras.applications, 0.2
    as the paper); any other keyword (`stage_blocks`, `width_multiplier`) is `InceptionResNet`'s.
    """
    return InceptionResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
                           name, **preset("inception_resnet_v2", kwargs))
