"""DenseNet.

Reference:
- [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993) (CVPR 2017)

Dense blocks whose layers each see the concatenated feature maps of all earlier layers of the block and
add `growth_rate` (k) maps, joined by transition layers (BN -> ReLU -> 1x1 convolution keeping a fraction
`compression` (theta) of the maps -> 2x2 average pooling). DenseNet-BC, the paper's ImageNet networks
(Table 1), has a 1x1 "bottleneck" convolution of 4k maps before each 3x3 convolution and theta = 0.5; the
stem is a 7x7/2 convolution of 2k maps and a 3x3/2 max pooling. `DenseNet121`/`169`/`201` build the same
graph as keras.applications (same layer names and order), so its weights files load unchanged.

`DenseNet` is the family's design space: `stage_blocks` (dense layers per dense block), `growth_rate` (k),
`compression` (theta), `bottleneck` and `width_multiplier` (which scales k, and with it every layer's maps).
`variant="cifar"` builds the paper's CIFAR networks (section 3, "Implementation details"): a 3x3 convolution
of 2k maps (16 unless bottleneck and compression, DenseNet-BC) on 32x32 inputs, no pooling before the first
of three dense blocks; DenseNet-BC with L layers has (L - 4) / 6 dense layers per block (k = 12, L = 100 by
default: 0.8M parameters, Table 2).
"""

import dataclasses

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_choice, check_int_sequence, renamed_argument
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201", "DenseNet264"]

PAPER = Paper("Densely Connected Convolutional Networks", 2016, "https://arxiv.org/abs/1608.06993")

# Table 1: dense layers per dense block.
IMAGENET_BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32), 264: (6, 12, 64, 48)}
CIFAR_BLOCKS = (16, 16, 16)  # DenseNet-BC (L = 100, k = 12)
CIFAR_GROWTH_RATE = 12
VARIANTS = ("imagenet", "cifar")
MAX_DENSE_BLOCKS = 5  # each dense block but the last halves the grid: 5 blocks need 64x64 inputs
BN_EPSILON = 1.001e-5  # keras.applications' value, so its weights give the same outputs

SPECS = {
    "imagenet": Spec("densenet", PAPER, default_size=224, min_size=32, preprocessing="torch", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=64, length=4, default=IMAGENET_BLOCKS[121]),
        Knob("growth_rate", "int", low=1, high=64, default=32),
        Knob("compression", "float", low=0.1, high=1.0, default=0.5),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
        Knob("bottleneck", "bool", default=True),
    )),
    "cifar": Spec("densenet", PAPER, default_size=32, min_size=4, preprocessing="torch", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=64, length=3, default=CIFAR_BLOCKS),
        Knob("growth_rate", "int", low=1, high=64, default=CIFAR_GROWTH_RATE),
        Knob("compression", "float", low=0.1, high=1.0, default=0.5),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
        Knob("bottleneck", "bool", default=True),
    )),
}

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_KERAS_HASHES = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def _keras_weights_file(model, suffix, file_hash):
    fname = f"{model}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    return WeightsFile(fname, _KERAS_WEIGHTS + fname, file_hash)


IMAGENET_WEIGHTS = {
    blocks: ImagenetWeights(top=_keras_weights_file(model, "", top), notop=_keras_weights_file(model, "_notop", notop))
    for blocks, (model, top, notop) in _KERAS_HASHES.items()
}


def preprocess_input(x, data_format=None):
    """keras.applications.densenet.preprocess_input: scaled to [0, 1], then ImageNet mean/std per channel."""
    return preprocess_with(SPECS["imagenet"], x, data_format)



def bn_relu(x, name):
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def dense_layer(x, growth_rate, bottleneck, name):
    """BN-ReLU-Conv(1x1, 4k) (with `bottleneck`) then BN-ReLU-Conv(3x3, k); its k maps join the input's."""
    branch = x
    if bottleneck:
        branch = bn_relu(branch, f"{name}_0")
        branch = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(branch)
        branch = bn_relu(branch, f"{name}_1")
    else:
        branch = bn_relu(branch, f"{name}_1")
    branch = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(branch)
    return layers.Concatenate(name=f"{name}_concat")([x, branch])


def dense_block(x, layers_in_block, growth_rate, bottleneck, name):
    for index in range(1, layers_in_block + 1):
        x = dense_layer(x, growth_rate, bottleneck, f"{name}_block{index}")
    return x


def transition_layer(x, compression, name):
    """BN-ReLU-Conv(1x1) to floor(theta x maps), then 2x2 average pooling halving the grid."""
    x = bn_relu(x, name)
    x = layers.Conv2D(max(1, int(x.shape[-1] * compression)), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def cifar_stem_filters(growth_rate, compression, bottleneck):
    """The CIFAR stem's maps: 2k for DenseNet-BC, 16 otherwise (section 3)."""
    return 2 * growth_rate if bottleneck and compression < 1 else 16


def _densenet_body(variant, blocks, growth_rate, compression, bottleneck):
    def body(x):
        if variant == "cifar":  # the first dense layer's BN-ReLU follows the stem directly
            x = layers.Conv2D(cifar_stem_filters(growth_rate, compression, bottleneck), 3, padding="same",
                              use_bias=False, name="conv1_conv")(x)
        else:
            x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
            x = layers.Conv2D(2 * growth_rate, 7, strides=2, use_bias=False, name="conv1_conv")(x)
            x = bn_relu(x, "conv1")
            x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
            x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for index, layers_in_block in enumerate(blocks):
            x = dense_block(x, layers_in_block, growth_rate, bottleneck, name=f"conv{index + 2}")
            if index < len(blocks) - 1:
                x = transition_layer(x, compression, name=f"pool{index + 2}")
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name="bn")(x)
        return layers.Activation("relu", name="relu")(x)

    return body


def _validate_stage_blocks(argument, stage_blocks, variant="imagenet"):
    """Dense layers per block: 1 to MAX_DENSE_BLOCKS blocks, each in the knob's range (the knob's length, 4 or 3,
    is the paper's layout a search draws from)."""
    knob = SPECS[variant].knob("stage_blocks")
    stage_blocks = check_int_sequence(argument, stage_blocks, min_value=knob.low)
    if len(stage_blocks) > MAX_DENSE_BLOCKS:
        raise ValueError(f"{argument} must have 1 to {MAX_DENSE_BLOCKS} entries (dense blocks; the paper has 4), "
                         f"each an integer in [{knob.low}, {knob.high}]; got {len(stage_blocks)} in {stage_blocks!r}")
    return dataclasses.replace(knob, name=argument, length=len(stage_blocks)).validate(stage_blocks)


@register_builder("densenet")
def DenseNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=None,
    classifier_activation="softmax",
    name=None,
    *,
    variant="imagenet",
    stage_blocks=None,
    growth_rate=None,
    compression=0.5,
    bottleneck=True,
    width_multiplier=1.0,
    blocks=None,
):
    """Instantiates a DenseNet with any number of dense blocks, layers and maps.

    Args:
        variant: "imagenet" (7x7/2 convolution and 3x3/2 max pooling stem, 224x224 inputs, 1000 classes by
            default) or "cifar" (a 3x3 convolution, 32x32 inputs, 10 classes; DenseNet-BC-100 with k = 12 by
            default).
        stage_blocks: dense layers in each dense block, each in [1, 64]; 1 to 5 blocks (the paper's Table 1 has
            4: 121 = (6, 12, 24, 16), the default, 169 = (6, 12, 32, 32), 201 = (6, 12, 48, 32),
            264 = (6, 12, 64, 48); "cifar": 3 blocks of (L - 4) / 6 for DenseNet-BC-L, (16, 16, 16) by
            default). `blocks` is its deprecated name.
        growth_rate: k, the maps each dense layer adds (the stem has 2k, a bottleneck 4k), in [1, 64]; 32
            ("imagenet") or 12 ("cifar") by default.
        compression: theta, the fraction of maps a transition layer keeps, in [0.1, 1.0] (1 = no compression;
            at least one map is kept).
        bottleneck: the 1x1 convolution of 4k maps before each 3x3 convolution ("B" of DenseNet-BC).
        width_multiplier: scales k (so every layer's maps), rounded to an integer, in [0.0625, 4.0]; 1.0 is the
            paper.
        The other arguments are keras.applications'; `weights="imagenet"` loads its files for the 121,
        169 and 201 layer networks with the default k, theta, bottleneck and width.
    """
    variant = check_choice("variant", variant, VARIANTS)
    spec = SPECS[variant]
    stage_blocks_argument = "blocks" if blocks is not None else "stage_blocks"
    stage_blocks = renamed_argument("blocks", "stage_blocks", blocks, stage_blocks)
    stage_blocks = spec.knob("stage_blocks").default if stage_blocks is None else _validate_stage_blocks(
        stage_blocks_argument, stage_blocks, variant)
    growth_rate = spec.knob("growth_rate").default if growth_rate is None else growth_rate
    growth_rate = scale_filters(spec.knob("growth_rate").validate(growth_rate),
                                spec.knob("width_multiplier").validate(width_multiplier))
    compression = spec.knob("compression").validate(compression)
    bottleneck = spec.knob("bottleneck").validate(bottleneck)
    # Weighted layers: one (two with the bottleneck) per dense layer, one per transition, stem and classifier.
    depth = sum(stage_blocks) * (2 if bottleneck else 1) + (len(stage_blocks) - 1) + 2
    imagenet = variant == "imagenet"
    keras_applications_graph = (imagenet and growth_rate == 32 and compression == 0.5 and bottleneck
                                and stage_blocks in IMAGENET_WEIGHTS)
    if imagenet:
        default_name = f"densenet{depth}" if (growth_rate, compression, bottleneck) == (32, 0.5, True) else (
            f"densenet{depth}_k{growth_rate}_c{compression:g}{'' if bottleneck else '_nobottleneck'}")
    else:
        default_name = (f"densenet_bc{depth}_k{growth_rate}" if bottleneck and compression == 0.5 else
                        f"densenet{depth}_cifar_k{growth_rate}_c{compression:g}{'' if bottleneck else '_nobottleneck'}")
    name = name or default_name
    classes = classes if classes is not None else (1000 if imagenet else 10)
    return build_application(
        _densenet_body(variant, stage_blocks, growth_rate, compression, bottleneck),
        spec=spec,
        # Each transition halves the grid, the ImageNet stem twice: 2 ** (blocks + 1) pixels (2 ** (blocks - 1)
        # for "cifar") make one output pixel.
        min_size=2 ** (len(stage_blocks) + (1 if imagenet else -1)),
        imagenet_weights=IMAGENET_WEIGHTS[stage_blocks] if keras_applications_graph else None,
        **application_arguments(locals()),
    )


@register("densenet121", SPECS["imagenet"], stage_blocks=IMAGENET_BLOCKS[121])
def DenseNet121(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet121", **kwargs):
    """Instantiates DenseNet-121 (Table 1: dense blocks of (6, 12, 24, 16) layers, k = 32).

    Same graph as `keras.applications.DenseNet121`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `growth_rate`, `stage_blocks`) is `DenseNet`'s.
    """
    return DenseNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                    **preset("densenet121", kwargs))


@register("densenet169", SPECS["imagenet"], stage_blocks=IMAGENET_BLOCKS[169])
def DenseNet169(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet169", **kwargs):
    """Instantiates DenseNet-169 (Table 1: dense blocks of (6, 12, 32, 32) layers, k = 32).

    Same graph as `keras.applications.DenseNet169`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `growth_rate`, `stage_blocks`) is `DenseNet`'s.
    """
    return DenseNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                    **preset("densenet169", kwargs))


@register("densenet201", SPECS["imagenet"], stage_blocks=IMAGENET_BLOCKS[201])
def DenseNet201(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet201", **kwargs):
    """Instantiates DenseNet-201 (Table 1: dense blocks of (6, 12, 48, 32) layers, k = 32).

    Same graph as `keras.applications.DenseNet201`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `growth_rate`, `stage_blocks`) is `DenseNet`'s.
    """
    return DenseNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                    **preset("densenet201", kwargs))


@register("densenet264", SPECS["imagenet"], stage_blocks=IMAGENET_BLOCKS[264])
def DenseNet264(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet264", **kwargs):
    """Instantiates DenseNet-264 (Table 1: dense blocks of (6, 12, 64, 48) layers, k = 32; no keras.applications
    weights exist for it).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `growth_rate`, `stage_blocks`) is `DenseNet`'s.
    """
    return DenseNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                    **preset("densenet264", kwargs))
