"""Network in Network.

Reference:
- [Network In Network](https://arxiv.org/abs/1312.4400) (ICLR 2014)

Stacked mlpconv blocks (a convolution followed by two 1x1 convolutions, the "micro network" shared across
positions), dropout on the outputs of all but the last block, and no fully connected layers: the last
1x1 convolution has one map per class and global average pooling turns the maps into class scores.
`NiN()` is the ImageNet network of the authors' Caffe release (224x224, 7.6M parameters);
`NiN(variant="cifar")` (`NiNCifar`) is the paper's CIFAR-10 network (32x32, 0.97M parameters with 10 classes).

The design space: `stage_blocks` sets the convolutions of each mlpconv block (its spatial convolution and the
1x1 convolutions after it), `width_multiplier` every convolution's filters. `head="fc"` swaps the global
average pooling head for a fully connected one (flatten, one hidden layer of `dense_units` with dropout, the
classifier), the baseline of the paper's section 4.6 (Table 5).
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application, preprocess_with
from keras_cnns.blocks import fully_connected_head, global_average_classifier_head, scale_filters
from keras_cnns.checks import check_choice, check_int, check_rate, renamed_argument
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["NiN", "NiNCifar"]

PAPER = Paper("Network In Network", 2013, "https://arxiv.org/abs/1312.4400")

# (conv filters, kernel, stride, 1x1 filters, pooling) per mlpconv block; the last block's last 1x1
# convolution is the classifier and lives in the head.
BLOCKS = {
    "imagenet": (
        (96, 11, 4, (96, 96), "max"),
        (256, 5, 1, (256, 256), "max"),
        (384, 3, 1, (384, 384), "max"),
        (1024, 3, 1, (1024,), None),
    ),
    "cifar": (
        (192, 5, 1, (160, 96), "max"),
        (192, 5, 1, (192, 192), "avg"),
        (192, 3, 1, (192,), None),
    ),
}
VARIANTS = tuple(BLOCKS)
HEADS = ("gap", "fc")
STAGE_BLOCKS = {variant: tuple(1 + len(block[3]) for block in blocks) for variant, blocks in BLOCKS.items()}

SPECS = {
    "imagenet": Spec("nin", PAPER, default_size=224, min_size=11, preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=6, length=4, default=STAGE_BLOCKS["imagenet"]),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
    )),
    "cifar": Spec("nin", PAPER, default_size=32, min_size=8, preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=6, length=3, default=STAGE_BLOCKS["cifar"]),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
    )),
}


def preprocess_input(x, data_format=None):
    """Scales images as the model was trained: RGB -> BGR with the ImageNet mean subtracted (Caffe's NiN)."""
    return preprocess_with(SPECS["imagenet"], x, data_format)

def mlpconv_block(x, filters, kernel_size, strides, pointwise_filters, block):
    padding = "valid" if strides > 1 else "same"
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, activation="relu",
                      name=f"mlpconv{block}_conv")(x)
    for index, width in enumerate(pointwise_filters, start=1):
        x = layers.Conv2D(width, 1, activation="relu", name=f"mlpconv{block}_cccp{index}")(x)
    return x


def block_widths(filters, pointwise_filters, convolutions):
    """The widths of an mlpconv block of `convolutions` layers: the paper's, cut short or with its last width
    repeated."""
    widths = (filters, *pointwise_filters)
    return widths[:convolutions] + (widths[-1],) * (convolutions - len(widths))


def _nin_body(variant, stage_blocks, width_multiplier, dropout):
    def body(x):
        for block, ((filters, kernel, strides, pointwise, pool), convolutions) in enumerate(
                zip(BLOCKS[variant], stage_blocks), start=1):
            widths = [scale_filters(w, width_multiplier) for w in block_widths(filters, pointwise, convolutions)]
            x = mlpconv_block(x, widths[0], kernel, strides, widths[1:], block)
            if pool is not None:
                pool_layer = layers.MaxPooling2D if pool == "max" else layers.AveragePooling2D
                x = pool_layer(3, strides=2, padding="same", name=f"mlpconv{block}_pool")(x)
                if dropout:
                    x = layers.Dropout(dropout, name=f"mlpconv{block}_dropout")(x)
        return x

    return body


@register_builder("nin")
@register("nin", SPECS["imagenet"], variant="imagenet")
def NiN(
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
    width_multiplier=1.0,
    dropout=0.5,
    head="gap",
    dense_units=1024,
    dataset=None,
):
    """Instantiates Network in Network of any depth and width (the ImageNet network by default).

    Args:
        variant: "imagenet" (the Caffe release: four mlpconv blocks, 224x224 inputs, 1000 classes by default;
            at least 11x11) or "cifar" (the paper's three blocks, 32x32, 10 classes; at least 8x8). `dataset`
            is its deprecated name.
        stage_blocks: convolutions of each mlpconv block (its spatial convolution, then 1x1 convolutions), each
            in [1, 6]: 4 entries ("imagenet", (3, 3, 3, 2) in the paper) or 3 ("cifar", (3, 3, 2)); the last
            block's classifier convolution is not counted. Extra 1x1 convolutions repeat the block's last width.
        width_multiplier: scales every convolution's filters but the classifier's, in [0.0625, 2.0] (1.0 is
            the paper).
        dropout: dropout rate after each mlpconv block but the last (and after the hidden layer of `head="fc"`).
        head: "gap" (the paper: a 1x1 convolution with one map per class, then global average pooling) or "fc"
            (the paper's baseline in section 4.6: the last block's maps flattened into a fully connected layer
            of `dense_units` ReLU units with dropout, then the classifier).
        dense_units: width of the hidden layer of `head="fc"`, at least 1 (unused with "gap").
        The other arguments are keras.applications'; `include_top=False` returns the last mlpconv
        block's feature maps (before the per-class 1x1 convolution).
    """
    if dataset is not None:
        check_choice("dataset", dataset, VARIANTS)
    variant = check_choice("variant", renamed_argument("dataset", "variant", dataset, variant, "imagenet"), VARIANTS)
    spec = SPECS[variant]
    stage_blocks = spec.knob("stage_blocks").validate(STAGE_BLOCKS[variant] if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    check_rate("dropout", dropout)
    check_choice("head", head, HEADS)
    check_int("dense_units", dense_units, min_value=1)
    imagenet = variant == "imagenet"
    classes = classes if classes is not None else (1000 if imagenet else 10)
    name = name or ("nin" if imagenet else "nin_cifar") + ("_fc" if head == "fc" else "")
    return build_application(
        _nin_body(variant, stage_blocks, width_multiplier, dropout),
        spec=spec,
        head=global_average_classifier_head if head == "gap" else fully_connected_head(
            dropout, units=dense_units, names=("fc1",)),
        **application_arguments(locals()),
    )


@register("nin_cifar", SPECS["cifar"], variant="cifar")
def NiNCifar(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="nin_cifar", **kwargs):
    """Instantiates the paper's CIFAR-10 Network in Network (32x32 inputs by default; at least 8x8).

    Args: keras.applications' (`include_top=False` returns the last mlpconv block's feature maps); any other
    keyword (`stage_blocks`, `width_multiplier`, `dropout`) is `NiN`'s.
    """
    return NiN(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
               **preset("nin_cifar", kwargs))
