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
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, decode_predictions
from keras_cnns.checks import check_bool, check_choice, check_int
from keras_cnns.layers import ZeroPaddedIdentity
from keras_cnns.registry import Paper, register_variant

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
DATASETS = ("imagenet", "cifar")
SHORTCUTS = ("A", "B")
DEFAULT_SHORTCUT = {"imagenet": "B", "cifar": "A"}
DEFAULT_BASE_FILTERS = {"imagenet": 64, "cifar": 16}
BN_EPSILON = 1.001e-5  # keras.applications' value, so its weights give the same outputs

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
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")



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


def _resnet_body(dataset, depth, shortcut, base_filters, use_bias):
    if dataset == "imagenet":
        block, stage_blocks = IMAGENET_DEPTHS[depth]
    else:
        block, stage_blocks = "basic", ((depth - 2) // 6,) * 3

    def body(x):
        if dataset == "imagenet":
            x = imagenet_stem(x, base_filters, use_bias)
        else:
            x = conv_bn(x, base_filters, 3, 1, use_bias, "conv1")
        for stage, blocks in enumerate(stage_blocks):
            x = residual_stage(x, block, blocks, base_filters * 2**stage, 1 if stage == 0 else 2, shortcut,
                               use_bias, name=f"conv{stage + 2}")
        return x

    return body


def _check_depth(depth, dataset):
    if dataset == "imagenet":
        return check_choice("depth", depth, tuple(IMAGENET_DEPTHS))
    check_int("depth", depth, min_value=8)
    if (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n+2 for dataset='cifar' (e.g. {', '.join(map(str, CIFAR_DEPTHS))}); got {depth!r}"
        )
    return depth


def _default_name(dataset, depth, shortcut, plain, base_filters):
    name = f"resnet{depth}"
    if dataset == "cifar" and depth in IMAGENET_DEPTHS:
        name += "_cifar"
    if plain:
        name += "_plain"
    elif shortcut != DEFAULT_SHORTCUT[dataset]:
        name += f"_{shortcut.lower()}"
    if base_filters != DEFAULT_BASE_FILTERS[dataset]:
        name += f"_w{base_filters}"
    return name


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
    depth=50,
    dataset="imagenet",
    shortcut=None,
    plain=False,
    base_filters=None,
    use_bias=True,
):
    """Instantiates a ResNet (v1) of any depth of the paper.

    Args:
        depth: 18, 34 (basic blocks), 50, 101 or 152 (bottleneck blocks) for `dataset="imagenet"`;
            any 6n+2 (20, 32, 44, 56, 110, ...) for `dataset="cifar"`.
        dataset: "imagenet" (224x224 inputs, 1000 classes, 7x7 stem, four stages) or "cifar" (32x32,
            10 classes, 3x3 stem, three stages).
        shortcut: where a block changes the shape, "B" (1x1 projection, the ImageNet default) or "A"
            (identity with subsampling and zero-padded channels, no parameters, the CIFAR default).
        plain: no shortcut connections at all (the paper's plain baselines); leave `shortcut` unset.
        base_filters: filters of the first stage (doubled at each later stage); 64 (ImageNet) or 16 (CIFAR).
        use_bias: biases in the convolutions, as keras.applications' ResNet v1 has them.
        The other arguments are keras.applications'; `classes` defaults to 1000 (ImageNet) or 10 (CIFAR).
        `weights="imagenet"` loads keras.applications' files for depth 50, 101 and 152 with the defaults.
    """
    check_choice("dataset", dataset, DATASETS)
    depth = _check_depth(depth, dataset)
    check_bool("plain", plain)
    if plain and shortcut is not None:
        raise ValueError(f"shortcut must be left unset (None) when plain=True (no shortcuts); got {shortcut!r}")
    if not plain:
        shortcut = DEFAULT_SHORTCUT[dataset] if shortcut is None else check_choice("shortcut", shortcut, SHORTCUTS)
    base_filters = DEFAULT_BASE_FILTERS[dataset] if base_filters is None else check_int(
        "base_filters", base_filters, min_value=1)
    check_bool("use_bias", use_bias)
    imagenet = dataset == "imagenet"
    keras_applications_graph = (
        imagenet and depth in IMAGENET_WEIGHTS and shortcut == "B" and base_filters == 64 and use_bias
    )
    return build_application(
        _resnet_body(dataset, depth, None if plain else shortcut, base_filters, use_bias),
        name=name or _default_name(dataset, depth, shortcut, plain, base_filters),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes if classes is not None else (1000 if imagenet else 10),
        classifier_activation=classifier_activation,
        default_size=224 if imagenet else 32,
        min_size=32 if imagenet else 8,
        imagenet_weights=IMAGENET_WEIGHTS[depth] if keras_applications_graph else None,
    )


def _variant(depth, dataset="imagenet"):
    return register_variant(ResNet, f"ResNet{depth}", f"resnet{depth}", family="resnet", paper=PAPER,
                            depth=depth, dataset=dataset)


ResNet18 = _variant(18)
ResNet34 = _variant(34)
ResNet50 = _variant(50)
ResNet101 = _variant(101)
ResNet152 = _variant(152)
ResNet20 = _variant(20, "cifar")
ResNet32 = _variant(32, "cifar")
ResNet44 = _variant(44, "cifar")
ResNet56 = _variant(56, "cifar")
ResNet110 = _variant(110, "cifar")
