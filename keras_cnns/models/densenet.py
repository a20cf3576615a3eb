"""DenseNet.

Reference:
- [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993) (CVPR 2017)

Dense blocks whose layers each see the concatenated feature maps of all earlier layers of the block and
add `growth_rate` (k) maps, joined by transition layers (BN -> ReLU -> 1x1 convolution keeping a fraction
`compression` (theta) of the maps -> 2x2 average pooling). DenseNet-BC, the paper's ImageNet networks
(Table 1), has a 1x1 "bottleneck" convolution of 4k maps before each 3x3 convolution and theta = 0.5; the
stem is a 7x7/2 convolution of 2k maps and a 3x3/2 max pooling. `DenseNet121`/`169`/`201` build the same
graph as keras.applications (same layer names and order), so its weights files load unchanged.
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, decode_predictions
from keras_cnns.checks import check_bool, check_float, check_int, check_int_sequence
from keras_cnns.registry import Paper, register_variant

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201", "DenseNet264"]

PAPER = Paper("Densely Connected Convolutional Networks", 2016, "https://arxiv.org/abs/1608.06993")

# Table 1: dense layers per dense block.
IMAGENET_BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32), 264: (6, 12, 64, 48)}
BN_EPSILON = 1.001e-5  # keras.applications' value, so its weights give the same outputs

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
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")



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
    x = layers.Conv2D(int(x.shape[-1] * compression), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _densenet_body(blocks, growth_rate, compression, bottleneck):
    def body(x):
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


def DenseNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    blocks=(6, 12, 24, 16),
    growth_rate=32,
    compression=0.5,
    bottleneck=True,
):
    """Instantiates a DenseNet with any number of dense blocks and layers.

    Args:
        blocks: dense layers in each dense block (Table 1: 121 = (6, 12, 24, 16), 169 = (6, 12, 32, 32),
            201 = (6, 12, 48, 32), 264 = (6, 12, 64, 48)).
        growth_rate: k, the maps each dense layer adds (the stem has 2k, a bottleneck 4k).
        compression: theta in (0, 1], the fraction of maps a transition layer keeps (1 = no compression).
        bottleneck: the 1x1 convolution of 4k maps before each 3x3 convolution ("B" of DenseNet-BC).
        The other arguments are keras.applications'; `weights="imagenet"` loads its files for the 121,
        169 and 201 layer networks with the default k, theta and bottleneck.
    """
    blocks = check_int_sequence("blocks", blocks, min_value=1)
    growth_rate = check_int("growth_rate", growth_rate, min_value=1)
    compression = check_float("compression", compression, min_value=0.0, max_value=1.0, min_inclusive=False)
    check_bool("bottleneck", bottleneck)
    # Weighted layers: one (two with the bottleneck) per dense layer, one per transition, stem and classifier.
    depth = sum(blocks) * (2 if bottleneck else 1) + (len(blocks) - 1) + 2
    # Each transition and the stem halve the grid twice: 2 ** (len(blocks) + 1) pixels make one output pixel.
    min_size = 2 ** (len(blocks) + 1)
    keras_applications_graph = growth_rate == 32 and compression == 0.5 and bottleneck and blocks in IMAGENET_WEIGHTS
    default_name = f"densenet{depth}" if (growth_rate, compression, bottleneck) == (32, 0.5, True) else (
        f"densenet{depth}_k{growth_rate}_c{compression:g}{'' if bottleneck else '_nobottleneck'}")
    return build_application(
        _densenet_body(blocks, growth_rate, compression, bottleneck),
        name=name or default_name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=min_size,
        imagenet_weights=IMAGENET_WEIGHTS[blocks] if keras_applications_graph else None,
    )


def _variant(depth):
    return register_variant(DenseNet, f"DenseNet{depth}", f"densenet{depth}", family="densenet", paper=PAPER,
                            blocks=IMAGENET_BLOCKS[depth])


DenseNet121 = _variant(121)
DenseNet169 = _variant(169)
DenseNet201 = _variant(201)
DenseNet264 = _variant(264)
