"""ResNet (v1).

Reference:
- [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) (CVPR 2016)

The ImageNet networks of the paper's Table 1 (18 and 34 layers with basic blocks, 50, 101 and 152 with
bottleneck blocks) and the CIFAR-10 networks of section 4.2 (6n+2 layers: a 3x3 convolution, three stages
of n basic blocks with 16, 32 and 64 filters, option A shortcuts, 32x32 inputs, 10 classes).
Shortcuts where the shape changes are option B (1x1 projection + batch norm, the ImageNet default) or
option A (identity with strided subsampling and zero-padded channels, no parameters, the CIFAR default);
`plain=True` drops the shortcuts (the paper's plain baselines). `ResNet50`/`ResNet101`/`ResNet152` build
the same graph as `keras.applications.ResNet50`/`101`/`152` (the stride sits on the first 1x1
convolution of a bottleneck block, convolutions have biases, same layer names and order), so its
weights files load unchanged.
"""

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_bool, check_choice, check_int, renamed_argument
from keras_cnns.layers import ZeroPaddedIdentity
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = [
    "ResNet",
    "ResNet18",
    "ResNet34",
    "ResNet50",
    "ResNet101",
    "ResNet152",
    "ResNet20",
    "ResNet32",
    "ResNet44",
    "ResNet56",
    "ResNet110",
]

PAPER = Paper("Deep Residual Learning for Image Recognition", 2015, "https://arxiv.org/abs/1512.03385")

# Table 1: block type and blocks per stage (conv2_x ... conv5_x).
IMAGENET_DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
CIFAR_DEPTHS = (20, 32, 44, 56, 110)  # the paper's Table 6; any 6n+2 builds
VARIANTS = ("imagenet", "cifar")
BLOCKS = ("basic", "bottleneck")
SHORTCUTS = ("A", "B")
DEFAULT_SHORTCUT = {"imagenet": "B", "cifar": "A"}
DEFAULT_BASE_FILTERS = {"imagenet": 64, "cifar": 16}
BN_EPSILON = 1.001e-5  # keras.applications' value, so its weights give the same outputs

SPECS = {
    "imagenet": Spec("resnet", PAPER, default_size=224, min_size=32, preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=64, length=4),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
        Knob("base_filters", "int", low=1, high=512, default=64),
        Knob("block", "choice", choices=BLOCKS),
    )),
    "cifar": Spec("resnet", PAPER, default_size=32, min_size=8, preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=64, length=3),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
        Knob("base_filters", "int", low=1, high=512, default=16),
        Knob("block", "choice", choices=BLOCKS, default="basic"),
    )),
}

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_KERAS_HASHES = {
    50: ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    101: ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    152: ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}


def _keras_weights_file(depth, suffix, file_hash):
    fname = f"resnet{depth}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    return WeightsFile(fname, _KERAS_WEIGHTS + fname, file_hash)


IMAGENET_WEIGHTS = {
    depth: ImagenetWeights(top=_keras_weights_file(depth, "", top), notop=_keras_weights_file(depth, "_notop", notop))
    for depth, (top, notop) in _KERAS_HASHES.items()
}


def preprocess_input(x, data_format=None):
    """keras.applications.resnet.preprocess_input: RGB -> BGR, ImageNet mean subtracted, no scaling."""
    return preprocess_with(SPECS["imagenet"], x, data_format)



def conv_bn(x, filters, kernel_size, strides, use_bias, name, relu=True):
    """Convolution, batch norm and (optionally) ReLU, named `{name}_conv`/`_bn`/`_relu` as keras does.

    A strided 3x3 convolution is padded by one pixel on every side, so its taps line up with the option A
    shortcut's subsampling (rows and columns 0, 2, 4, ...), as in the paper's Torch code.
    """
    padding = "same"
    if strides > 1 and kernel_size > 1:
        x = layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    if relu:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    return x


def shortcut_connection(x, filters, strides, shortcut, use_bias, name):
    """The block's identity, or (where the shape changes) option A's padded identity or option B's projection."""
    if strides == 1 and x.shape[-1] == filters:
        return x
    if shortcut == "B":
        return conv_bn(x, filters, 1, strides, use_bias, f"{name}_0", relu=False)
    return ZeroPaddedIdentity(filters, strides, name=f"{name}_0_pad")(x)


def residual_output(x, shortcut, name):
    if shortcut is not None:
        x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def basic_block(x, filters, strides, shortcut, use_bias, name):
    """Two 3x3 convolutions (ResNet-18/34 and the CIFAR networks); `shortcut=None` makes a plain block."""
    identity = None if shortcut is None else shortcut_connection(x, filters, strides, shortcut, use_bias, name)
    x = conv_bn(x, filters, 3, strides, use_bias, f"{name}_1")
    x = conv_bn(x, filters, 3, 1, use_bias, f"{name}_2", relu=False)
    return residual_output(x, identity, name)


def bottleneck_block(x, filters, strides, shortcut, use_bias, name):
    """1x1 (reduce, strided as in keras.applications) -> 3x3 -> 1x1 (expand to 4 x filters)."""
    identity = None if shortcut is None else shortcut_connection(x, 4 * filters, strides, shortcut, use_bias, name)
    x = conv_bn(x, filters, 1, strides, use_bias, f"{name}_1")
    x = conv_bn(x, filters, 3, 1, use_bias, f"{name}_2")
    x = conv_bn(x, 4 * filters, 1, 1, use_bias, f"{name}_3", relu=False)
    return residual_output(x, identity, name)


def residual_stage(x, block, blocks, filters, strides, shortcut, use_bias, name):
    """`blocks` residual blocks; the first one changes the grid (`strides`) and the width."""
    block_fn = basic_block if block == "basic" else bottleneck_block
    for index in range(1, blocks + 1):
        x = block_fn(x, filters, strides if index == 1 else 1, shortcut, use_bias, f"{name}_block{index}")
    return x


def imagenet_stem(x, filters, use_bias):
    """7x7/2 convolution and 3x3/2 max pooling (Table 1's conv1 and pool), named as keras.applications."""
    x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = layers.Conv2D(filters, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def _resnet_body(imagenet, block, stage_blocks, stage_filters, shortcut, use_bias):
    def body(x):
        if imagenet:
            x = imagenet_stem(x, stage_filters[0], use_bias)
        else:
            x = conv_bn(x, stage_filters[0], 3, 1, use_bias, "conv1")
        for stage, (blocks, filters) in enumerate(zip(stage_blocks, stage_filters)):
            x = residual_stage(x, block, blocks, filters, 1 if stage == 0 else 2, shortcut, use_bias,
                               name=f"conv{stage + 2}")
        return x

    return body


def _depth_layout(depth, variant, variant_argument="variant"):
    """(block, stage_blocks) of a paper depth: Table 1 for ImageNet, 6n+2 for CIFAR."""
    if variant == "imagenet":
        return IMAGENET_DEPTHS[check_choice("depth", depth, tuple(IMAGENET_DEPTHS))]
    check_int("depth", depth, min_value=8)
    if (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n+2 for {variant_argument}='cifar' (e.g. {', '.join(map(str, CIFAR_DEPTHS))}); got {depth!r}"
        )
    return "basic", ((depth - 2) // 6,) * 3


def _default_name(variant, block, stage_blocks, shortcut, plain, base_filters, width_multiplier):
    depth = 2 + (2 if block == "basic" else 3) * sum(stage_blocks)
    name = f"resnet{depth}"
    if (block, stage_blocks) not in (IMAGENET_DEPTHS.values() if variant == "imagenet" else [("basic", stage_blocks)]) \
            or (variant == "cifar" and len(set(stage_blocks)) > 1):
        name = f"resnet_{block}_{'-'.join(map(str, stage_blocks))}"
    if variant == "cifar" and depth in IMAGENET_DEPTHS:
        name += "_cifar"
    if plain:
        name += "_plain"
    elif shortcut != DEFAULT_SHORTCUT[variant]:
        name += f"_{shortcut.lower()}"
    if base_filters != DEFAULT_BASE_FILTERS[variant]:
        name += f"_w{base_filters}"
    if width_multiplier != 1.0:
        name += f"_x{width_multiplier:g}"
    return name


@register_builder("resnet")
def ResNet(
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
    depth=None,
    stage_blocks=None,
    block=None,
    width_multiplier=1.0,
    base_filters=None,
    shortcut=None,
    plain=False,
    use_bias=True,
    dataset=None,
):
    """Instantiates a ResNet (v1) of any depth and width.

    Args:
        variant: "imagenet" (224x224 inputs, 1000 classes, 7x7 stem, four stages) or "cifar" (32x32, 10 classes,
            3x3 stem, three stages). `dataset` is its deprecated name.
        depth: a paper depth: 18, 34 (basic blocks), 50, 101 or 152 (bottleneck blocks) for "imagenet"; any 6n+2
            (20, 32, 44, 56, 110, ...) for "cifar". Sets `stage_blocks` and `block`; leave it unset to give those.
            With neither, ResNet-50 ("imagenet") or ResNet-20 ("cifar").
        stage_blocks: residual blocks per stage, 4 entries ("imagenet") or 3 ("cifar"), each in [1, 64].
        block: "basic" (two 3x3 convolutions) or "bottleneck" (1x1-3x3-1x1, 4x expansion); default "bottleneck"
            for "imagenet" and "basic" for "cifar".
        width_multiplier: scales every stage's filters (in [0.0625, 4.0]; 1.0 is the paper).
        base_filters: filters of the first stage before `width_multiplier` (doubled at each later stage);
            64 ("imagenet") or 16 ("cifar").
        shortcut: where a block changes the shape, "B" (1x1 projection, the ImageNet default) or "A" (identity
            with subsampling and zero-padded channels, no parameters, the CIFAR default).
        plain: no shortcut connections at all (the paper's plain baselines); leave `shortcut` unset.
        use_bias: biases in the convolutions, as keras.applications' ResNet v1 has them.
        The other arguments are keras.applications'; `classes` defaults to 1000 ("imagenet") or 10 ("cifar").
        `weights="imagenet"` loads keras.applications' files for depth 50, 101 and 152 at the paper's width.
    """
    variant_argument = "variant" if dataset is None else "dataset"  # errors name the argument the caller used
    variant = check_choice(variant_argument, renamed_argument("dataset", "variant", dataset, variant, "imagenet"),
                           VARIANTS)
    spec = SPECS[variant]
    if depth is not None:
        if stage_blocks is not None or block is not None:
            raise ValueError(f"depth sets stage_blocks and block: give depth or them, not both; got depth={depth!r}, "
                             f"stage_blocks={stage_blocks!r}, block={block!r}")
        block, stage_blocks = _depth_layout(depth, variant, variant_argument)
    elif stage_blocks is None:
        default_block, stage_blocks = _depth_layout(50 if variant == "imagenet" else 20, variant)
        block = default_block if block is None else block
    block = spec.knob("block").validate(block or ("bottleneck" if variant == "imagenet" else "basic"))
    stage_blocks = spec.knob("stage_blocks").validate(stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    base_filters = DEFAULT_BASE_FILTERS[variant] if base_filters is None else spec.knob("base_filters").validate(
        base_filters)
    check_bool("plain", plain)
    if plain and shortcut is not None:
        raise ValueError(f"shortcut must be left unset (None) when plain=True (no shortcuts); got {shortcut!r}")
    if not plain:
        shortcut = DEFAULT_SHORTCUT[variant] if shortcut is None else check_choice("shortcut", shortcut, SHORTCUTS)
    check_bool("use_bias", use_bias)
    imagenet = variant == "imagenet"
    stage_filters = [scale_filters(base_filters * 2**stage, width_multiplier) for stage in range(len(stage_blocks))]
    paper_depth = next((d for d, layout in IMAGENET_DEPTHS.items() if layout == (block, stage_blocks)), None)
    keras_applications_graph = (imagenet and paper_depth in IMAGENET_WEIGHTS and shortcut == "B"
                                and stage_filters[0] == 64 and use_bias)
    classes = classes if classes is not None else (1000 if imagenet else 10)
    name = name or _default_name(variant, block, stage_blocks, shortcut, plain, base_filters, width_multiplier)
    return build_application(
        _resnet_body(imagenet, block, stage_blocks, stage_filters, None if plain else shortcut, use_bias),
        spec=spec,
        imagenet_weights=IMAGENET_WEIGHTS[paper_depth] if keras_applications_graph else None,
        **application_arguments(locals()),
    )


@register("resnet18", SPECS["imagenet"], variant="imagenet", stage_blocks=(2, 2, 2, 2), block="basic")
def ResNet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet18", **kwargs):
    """Instantiates ResNet-18 (Table 1: basic blocks (2, 2, 2, 2)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet18", kwargs))


@register("resnet34", SPECS["imagenet"], variant="imagenet", stage_blocks=(3, 4, 6, 3), block="basic")
def ResNet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet34", **kwargs):
    """Instantiates ResNet-34 (Table 1: basic blocks (3, 4, 6, 3)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet34", kwargs))


@register("resnet50", SPECS["imagenet"], variant="imagenet", stage_blocks=(3, 4, 6, 3), block="bottleneck")
def ResNet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet50", **kwargs):
    """Instantiates ResNet-50 (Table 1: bottleneck blocks (3, 4, 6, 3)). Same graph as `keras.applications.ResNet50`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet50", kwargs))


@register("resnet101", SPECS["imagenet"], variant="imagenet", stage_blocks=(3, 4, 23, 3), block="bottleneck")
def ResNet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet101", **kwargs):
    """Instantiates ResNet-101 (Table 1: bottleneck blocks (3, 4, 23, 3)). Same graph as `keras.applications.ResNet101`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet101", kwargs))


@register("resnet152", SPECS["imagenet"], variant="imagenet", stage_blocks=(3, 8, 36, 3), block="bottleneck")
def ResNet152(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet152", **kwargs):
    """Instantiates ResNet-152 (Table 1: bottleneck blocks (3, 8, 36, 3)). Same graph as `keras.applications.ResNet152`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet152", kwargs))


@register("resnet20", SPECS["cifar"], variant="cifar", stage_blocks=(3, 3, 3), block="basic")
def ResNet20(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet20", **kwargs):
    """Instantiates ResNet-20 (section 4.2, 6n+2 with n = 3: basic blocks (3, 3, 3)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet20", kwargs))


@register("resnet32", SPECS["cifar"], variant="cifar", stage_blocks=(5, 5, 5), block="basic")
def ResNet32(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet32", **kwargs):
    """Instantiates ResNet-32 (section 4.2, 6n+2 with n = 5: basic blocks (5, 5, 5)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet32", kwargs))


@register("resnet44", SPECS["cifar"], variant="cifar", stage_blocks=(7, 7, 7), block="basic")
def ResNet44(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet44", **kwargs):
    """Instantiates ResNet-44 (section 4.2, 6n+2 with n = 7: basic blocks (7, 7, 7)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet44", kwargs))


@register("resnet56", SPECS["cifar"], variant="cifar", stage_blocks=(9, 9, 9), block="basic")
def ResNet56(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet56", **kwargs):
    """Instantiates ResNet-56 (section 4.2, 6n+2 with n = 9: basic blocks (9, 9, 9)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet56", kwargs))


@register("resnet110", SPECS["cifar"], variant="cifar", stage_blocks=(18, 18, 18), block="basic")
def ResNet110(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet110", **kwargs):
    """Instantiates ResNet-110 (section 4.2, 6n+2 with n = 18: basic blocks (18, 18, 18)).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `width_multiplier`, `stage_blocks`) is `ResNet`'s.
    """
    return ResNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                  **preset("resnet110", kwargs))
