"""VGG.

Reference:
- [Very Deep Convolutional Networks for Large-Scale Image Recognition](https://arxiv.org/abs/1409.1556)
  (ICLR 2015)

Configurations A (11 layers), A-LRN, B (13), C (16, with 1x1 convolutions), D (16) and E (19) of the
paper's Table 1, with or without batch normalization after each convolution. `VGG16`/`VGG19` build the
same graph as `keras.applications.VGG16`/`VGG19` (same layer names, order and weights files); like them
they have no dropout by default (the paper trained with dropout 0.5 in FC6/FC7: pass `dropout=0.5`).

The design space: `stage_blocks` sets the convolutions of each of the five blocks (Table 1's columns are
presets of it), `width_multiplier` every convolution's filters, `dense_units` the width of fc1/fc2 (FC6/FC7).
"""

from keras import layers

from keras_cnns.application import (ImagenetWeights, WeightsFile, application_arguments, build_application,
                                    decode_predictions, preprocess_with)
from keras_cnns.blocks import fully_connected_head, scale_filters
from keras_cnns.checks import check_bool, check_choice, check_rate, renamed_argument
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["VGG", "VGG11", "VGG11_LRN", "VGG11_BN", "VGG13", "VGG13_BN", "VGG16_C", "VGG16_C_BN", "VGG16", "VGG16_BN",
           "VGG19", "VGG19_BN"]

PAPER = Paper("Very Deep Convolutional Networks for Large-Scale Image Recognition", 2014,
              "https://arxiv.org/abs/1409.1556")

# Table 1: convolutions per block of each configuration; configuration C's last convolution in blocks 3-5 is 1x1.
STAGE_BLOCKS = {
    "A": (1, 1, 2, 2, 2),
    "B": (2, 2, 2, 2, 2),
    "C": (2, 2, 3, 3, 3),
    "D": (2, 2, 3, 3, 3),
    "E": (2, 2, 4, 4, 4),
}
BLOCK_FILTERS = (64, 128, 256, 512, 512)
POINTWISE_BLOCKS = {"C": (3, 4, 5)}  # blocks whose last convolution is 1x1
DEPTH_TO_CONFIG = {11: "A", 13: "B", 16: "D", 19: "E"}
VARIANTS = (*STAGE_BLOCKS, *DEPTH_TO_CONFIG)
FC_UNITS = 4096

SPECS = {
    config: Spec("vgg", PAPER, default_size=224, min_size=32, preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=8, length=5, default=layout),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
        Knob("dense_units", "int", low=1, high=FC_UNITS, default=FC_UNITS),
    ))
    for config, layout in STAGE_BLOCKS.items()
}

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/"
IMAGENET_WEIGHTS = {
    "D": ImagenetWeights(
        top=WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                        _KERAS_WEIGHTS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                        "64373286793e3c8b2b4e3219cbf3544b"),
        notop=WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          _KERAS_WEIGHTS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          "6d6bbae143d832006294945121d1f1fc"),
    ),
    "E": ImagenetWeights(
        top=WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                        _KERAS_WEIGHTS + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                        "cbe5617147190e668d6c5d5026f83318"),
        notop=WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          _KERAS_WEIGHTS + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          "253f8cb515780f3b799900260a226db6"),
    ),
}


def preprocess_input(x, data_format=None):
    """keras.applications.vgg16.preprocess_input: RGB -> BGR, ImageNet mean subtracted, no scaling."""
    return preprocess_with(SPECS["D"], x, data_format)


def conv_block(x, filters, convolutions, block, batch_norm, lrn_after_first=False, pointwise_last=False):
    """`convolutions` 3x3 convolutions (the last one 1x1 if `pointwise_last`), then 2x2 max pooling; names as
    keras.applications (`block1_conv1`)."""
    for index in range(1, convolutions + 1):
        kernel_size = 1 if pointwise_last and index == convolutions and convolutions > 1 else 3
        conv_name = f"block{block}_conv{index}"
        if batch_norm:
            x = layers.Conv2D(filters, kernel_size, padding="same", name=conv_name)(x)
            x = layers.BatchNormalization(name=f"{conv_name}_bn")(x)
            x = layers.Activation("relu", name=f"{conv_name}_relu")(x)
        else:
            x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu", name=conv_name)(x)
        if lrn_after_first and index == 1:
            x = LocalResponseNormalization(name=f"{conv_name}_lrn")(x)
    return layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)


def _vgg_body(config, stage_blocks, widths, batch_norm, lrn):
    def body(x):
        for block, (convolutions, filters) in enumerate(zip(stage_blocks, widths), start=1):
            x = conv_block(x, filters, convolutions, block, batch_norm, lrn_after_first=lrn and block == 1,
                           pointwise_last=block in POINTWISE_BLOCKS.get(config, ()))
        return x

    return body


@register_builder("vgg")
def VGG(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    variant=None,
    stage_blocks=None,
    width_multiplier=1.0,
    dense_units=FC_UNITS,
    batch_norm=False,
    lrn=False,
    dropout=0.0,
    config=None,
):
    """Instantiates a VGG network of any depth and width (configuration D, VGG-16, by default).

    Args:
        variant: the configuration of the paper's Table 1: "A", "B", "C", "D" or "E" (or the depth 11, 13, 16,
            19 for A, B, D, E); it sets the default `stage_blocks` and, for "C", 1x1 last convolutions in
            blocks 3-5. `config` is its deprecated name.
        stage_blocks: convolutions in each of the five blocks, 5 entries in [1, 8]; the configuration's Table 1
            column by default (D: (2, 2, 3, 3, 3)).
        width_multiplier: scales every convolution's filters (64, 128, 256, 512, 512), in [0.0625, 2.0]
            (1.0 is the paper).
        dense_units: width of fc1 and fc2 (the paper's FC6/FC7), in [1, 4096] (4096 in the paper).
        batch_norm: batch normalization after every convolution (the "_bn" variants).
        lrn: local response normalization after the first convolution (configuration A-LRN).
        dropout: dropout rate of fc1 and fc2 (the paper: 0.5; keras.applications: none).
        The other arguments are keras.applications'; `weights="imagenet"` exists for D and E at the paper's
        depth and width without batch norm or LRN (keras.applications' files).
    """
    if config is not None:
        check_choice("config", config, VARIANTS)
    variant = check_choice("variant", renamed_argument("config", "variant", config, variant, None) or "D", VARIANTS)
    variant = DEPTH_TO_CONFIG.get(variant, variant)
    spec = SPECS[variant]
    paper_layout = STAGE_BLOCKS[variant]
    stage_blocks = spec.knob("stage_blocks").validate(paper_layout if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    dense_units = spec.knob("dense_units").validate(dense_units)
    check_bool("batch_norm", batch_norm)
    check_bool("lrn", lrn)
    check_rate("dropout", dropout)
    paper_graph = stage_blocks == paper_layout and width_multiplier == 1.0 and dense_units == FC_UNITS
    plain = not (batch_norm or lrn)
    depth = sum(stage_blocks) + 3
    name = name or f"vgg{depth}{'_c' if variant == 'C' else ''}{'_lrn' if lrn else ''}{'_bn' if batch_norm else ''}"
    widths = [scale_filters(filters, width_multiplier) for filters in BLOCK_FILTERS]
    return build_application(
        _vgg_body(variant, stage_blocks, widths, batch_norm, lrn),
        spec=spec,
        head=fully_connected_head(dropout, units=dense_units, names=("fc1", "fc2")),
        imagenet_weights=IMAGENET_WEIGHTS.get(variant) if plain and paper_graph else None,
        **application_arguments(locals()),
    )


@register("vgg11", SPECS["A"], variant="A")
def VGG11(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg11", **kwargs):
    """Instantiates VGG configuration A (11 layers: (1, 1, 2, 2, 2) convolutions per block).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg11", kwargs))


@register("vgg11_lrn", SPECS["A"], variant="A", lrn=True)
def VGG11_LRN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="vgg11_lrn", **kwargs):
    """Instantiates VGG configuration A-LRN (A with local response normalization after the first convolution).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg11_lrn", kwargs))


@register("vgg11_bn", SPECS["A"], variant="A", batch_norm=True)
def VGG11_BN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="vgg11_bn", **kwargs):
    """Instantiates VGG configuration A with batch normalization after every convolution.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg11_bn", kwargs))


@register("vgg13", SPECS["B"], variant="B")
def VGG13(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg13", **kwargs):
    """Instantiates VGG configuration B (13 layers: (2, 2, 2, 2, 2) convolutions per block).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg13", kwargs))


@register("vgg13_bn", SPECS["B"], variant="B", batch_norm=True)
def VGG13_BN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="vgg13_bn", **kwargs):
    """Instantiates VGG configuration B with batch normalization after every convolution.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg13_bn", kwargs))


@register("vgg16_c", SPECS["C"], variant="C")
def VGG16_C(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
            classifier_activation="softmax", name="vgg16_c", **kwargs):
    """Instantiates VGG configuration C (16 layers: (2, 2, 3, 3, 3), the last convolution of blocks 3-5 1x1).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg16_c", kwargs))


@register("vgg16_c_bn", SPECS["C"], variant="C", batch_norm=True)
def VGG16_C_BN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
               classifier_activation="softmax", name="vgg16_c_bn", **kwargs):
    """Instantiates VGG configuration C with batch normalization after every convolution.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg16_c_bn", kwargs))


@register("vgg16", SPECS["D"], variant="D")
def VGG16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16", **kwargs):
    """Instantiates VGG configuration D, VGG-16 (16 layers: (2, 2, 3, 3, 3) convolutions per block).
    Same graph as `keras.applications.VGG16`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg16", kwargs))


@register("vgg16_bn", SPECS["D"], variant="D", batch_norm=True)
def VGG16_BN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="vgg16_bn", **kwargs):
    """Instantiates VGG configuration D with batch normalization after every convolution.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg16_bn", kwargs))


@register("vgg19", SPECS["E"], variant="E")
def VGG19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19", **kwargs):
    """Instantiates VGG configuration E, VGG-19 (19 layers: (2, 2, 4, 4, 4) convolutions per block).
    Same graph as `keras.applications.VGG19`; `weights="imagenet"` loads its file.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg19", kwargs))


@register("vgg19_bn", SPECS["E"], variant="E", batch_norm=True)
def VGG19_BN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="vgg19_bn", **kwargs):
    """Instantiates VGG configuration E with batch normalization after every convolution.

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `stage_blocks`, `width_multiplier`, `dense_units`,
    `dropout`) is `VGG`'s.
    """
    return VGG(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("vgg19_bn", kwargs))
