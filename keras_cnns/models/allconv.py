"""All-Convolutional Net.

Reference:
- [Striving for Simplicity: The All Convolutional Net](https://arxiv.org/abs/1412.6806) (ICLR 2015 workshop)

The base models A, B and C of the paper's Table 1 and the three ways Table 2 derives from each:
"strided" drops the max-pooling and gives the preceding convolution stride 2, "convpool" adds a dense
3x3 convolution before each pooling (the control with as many parameters as "all"), and "all" replaces
each max-pooling by a 3x3 convolution with stride 2. Every net ends in 3x3 conv 192, 1x1 conv 192,
1x1 conv with one map per class and global averaging. Dropout 20% on the input and 50% after each
pooling (or the convolution replacing it), as trained in the paper.

The design space: `stage_blocks` sets the convolutions of the two stages before a reduction (the base model's
kinds of convolution, the last one repeated), `width_multiplier` every convolution's filters. `base` (Table 1's
model) and `variant` (Table 2's derivation) are two axes of the paper, so both keep their names.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import global_average_classifier_head, scale_filters
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["AllConvNet", "AllConvModelA", "StridedCNNA", "ConvPoolCNNA", "AllCNNA", "AllConvModelB", "StridedCNNB",
           "ConvPoolCNNB", "AllCNNB", "AllConvModelC", "StridedCNNC", "ConvPoolCNNC", "AllCNNC"]

PAPER = Paper("Striving for Simplicity: The All Convolutional Net", 2014, "https://arxiv.org/abs/1412.6806")

# (kernel, filters) of each convolution in the two stages before a reduction (Table 1).
BASES = {
    "A": (((5, 96),), ((5, 192),)),
    "B": (((5, 96), (1, 96)), ((5, 192), (1, 192))),
    "C": (((3, 96), (3, 96)), ((3, 192), (3, 192))),
}
VARIANTS = ("base", "strided", "convpool", "all")
TOP_FILTERS = 192

SPECS = {
    base: Spec("allconv", PAPER, default_size=32, min_size=9, preprocessing="unit", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=4, length=2, default=tuple(len(stage) for stage in stages)),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
    ))
    for base, stages in BASES.items()
}


def stage_convolutions(paper_stage, convolutions):
    """(kernel, filters) of a stage of `convolutions` layers: the paper's, cut short or with its last repeated."""
    return paper_stage[:convolutions] + (paper_stage[-1],) * (convolutions - len(paper_stage))


def _reduction_stage(x, convolutions, stage, variant, dropout):
    for index, (kernel, filters) in enumerate(convolutions, start=1):
        strides = 2 if variant == "strided" and index == len(convolutions) else 1
        x = layers.Conv2D(filters, kernel, strides=strides, padding="same", activation="relu",
                          name=f"stage{stage}_conv{index}")(x)
    filters = convolutions[-1][1]
    if variant in ("convpool", "all"):
        strides = 2 if variant == "all" else 1
        name = f"stage{stage}_reduction_conv" if variant == "all" else f"stage{stage}_conv{len(convolutions) + 1}"
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu", name=name)(x)
    if variant in ("base", "convpool"):
        x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"stage{stage}_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"stage{stage}_dropout")(x)
    return x


def _allconv_body(base, variant, stage_blocks, width_multiplier, input_dropout, dropout):
    def body(x):
        if input_dropout:
            x = layers.Dropout(input_dropout, name="input_dropout")(x)
        for stage, (paper_stage, convolutions) in enumerate(zip(BASES[base], stage_blocks), start=1):
            layout = [(kernel, scale_filters(filters, width_multiplier))
                      for kernel, filters in stage_convolutions(paper_stage, convolutions)]
            x = _reduction_stage(x, layout, stage, variant, dropout)
        top_filters = scale_filters(TOP_FILTERS, width_multiplier)
        x = layers.Conv2D(top_filters, 3, activation="relu", name="top_conv1")(x)
        return layers.Conv2D(top_filters, 1, activation="relu", name="top_conv2")(x)

    return body


@register_builder("allconv")
def AllConvNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name=None,
    *,
    base="C",
    variant="all",
    stage_blocks=None,
    width_multiplier=1.0,
    input_dropout=0.2,
    dropout=0.5,
):
    """Instantiates an All-Convolutional Net of any depth and width (32x32 CIFAR inputs by default, at least 9x9).

    Args:
        base: "A", "B" or "C" (Table 1's base models: 5x5 convolutions; 5x5 then 1x1; two 3x3).
        variant: "base", "strided", "convpool" or "all" (Table 2: Model, Strided-CNN, ConvPool-CNN, All-CNN).
        stage_blocks: convolutions in each of the two stages before a reduction, 2 entries in [1, 4] (A: (1, 1),
            B and C: (2, 2) in the paper); a longer stage repeats the base model's last convolution, a shorter
            one keeps its first ones. "convpool" and "all" add their reduction convolution to each stage.
        width_multiplier: scales every convolution's filters (96, 192 and the top's 192) but the classifier's,
            in [0.0625, 2.0] (1.0 is the paper).
        input_dropout, dropout: dropout rates on the input and after each reduction.
        The other arguments are keras.applications'.
    """
    spec = SPECS[check_choice("base", base, tuple(BASES))]
    check_choice("variant", variant, VARIANTS)
    paper_layout = spec.knob("stage_blocks").default
    stage_blocks = spec.knob("stage_blocks").validate(paper_layout if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    check_rate("input_dropout", input_dropout)
    check_rate("dropout", dropout)
    name = name or model_name(base, variant)
    return build_application(
        _allconv_body(base, variant, stage_blocks, width_multiplier, input_dropout, dropout),
        spec=spec,
        head=global_average_classifier_head,
        **application_arguments(locals()),
    )


def model_name(base, variant):
    return {"base": "allconv_model_{}", "strided": "strided_cnn_{}", "convpool": "convpool_cnn_{}",
            "all": "all_cnn_{}"}[variant].format(base.lower())


@register("allconv_model_a", SPECS["A"], base="A", variant="base")
def AllConvModelA(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                  classifier_activation="softmax", name="allconv_model_a", **kwargs):
    """Instantiates Model A of Table 1 (max-pooling reductions).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("allconv_model_a", kwargs))


@register("strided_cnn_a", SPECS["A"], base="A", variant="strided")
def StridedCNNA(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                classifier_activation="softmax", name="strided_cnn_a", **kwargs):
    """Instantiates Strided-CNN-A of Table 2 (no pooling: the convolution before it has stride 2).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("strided_cnn_a", kwargs))


@register("convpool_cnn_a", SPECS["A"], base="A", variant="convpool")
def ConvPoolCNNA(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                 classifier_activation="softmax", name="convpool_cnn_a", **kwargs):
    """Instantiates ConvPool-CNN-A of Table 2 (a 3x3 convolution before each max-pooling).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("convpool_cnn_a", kwargs))


@register("all_cnn_a", SPECS["A"], base="A", variant="all")
def AllCNNA(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
            classifier_activation="softmax", name="all_cnn_a", **kwargs):
    """Instantiates All-CNN-A of Table 2 (each max-pooling replaced by a 3x3 stride-2 convolution).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("all_cnn_a", kwargs))


@register("allconv_model_b", SPECS["B"], base="B", variant="base")
def AllConvModelB(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                  classifier_activation="softmax", name="allconv_model_b", **kwargs):
    """Instantiates Model B of Table 1 (max-pooling reductions).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("allconv_model_b", kwargs))


@register("strided_cnn_b", SPECS["B"], base="B", variant="strided")
def StridedCNNB(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                classifier_activation="softmax", name="strided_cnn_b", **kwargs):
    """Instantiates Strided-CNN-B of Table 2 (no pooling: the convolution before it has stride 2).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("strided_cnn_b", kwargs))


@register("convpool_cnn_b", SPECS["B"], base="B", variant="convpool")
def ConvPoolCNNB(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                 classifier_activation="softmax", name="convpool_cnn_b", **kwargs):
    """Instantiates ConvPool-CNN-B of Table 2 (a 3x3 convolution before each max-pooling).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("convpool_cnn_b", kwargs))


@register("all_cnn_b", SPECS["B"], base="B", variant="all")
def AllCNNB(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
            classifier_activation="softmax", name="all_cnn_b", **kwargs):
    """Instantiates All-CNN-B of Table 2 (each max-pooling replaced by a 3x3 stride-2 convolution).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("all_cnn_b", kwargs))


@register("allconv_model_c", SPECS["C"], base="C", variant="base")
def AllConvModelC(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                  classifier_activation="softmax", name="allconv_model_c", **kwargs):
    """Instantiates Model C of Table 1 (max-pooling reductions).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("allconv_model_c", kwargs))


@register("strided_cnn_c", SPECS["C"], base="C", variant="strided")
def StridedCNNC(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                classifier_activation="softmax", name="strided_cnn_c", **kwargs):
    """Instantiates Strided-CNN-C of Table 2 (no pooling: the convolution before it has stride 2).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("strided_cnn_c", kwargs))


@register("convpool_cnn_c", SPECS["C"], base="C", variant="convpool")
def ConvPoolCNNC(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                 classifier_activation="softmax", name="convpool_cnn_c", **kwargs):
    """Instantiates ConvPool-CNN-C of Table 2 (a 3x3 convolution before each max-pooling).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("convpool_cnn_c", kwargs))


@register("all_cnn_c", SPECS["C"], base="C", variant="all")
def AllCNNC(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
            classifier_activation="softmax", name="all_cnn_c", **kwargs):
    """Instantiates All-CNN-C of Table 2 (each max-pooling replaced by a 3x3 stride-2 convolution).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (`stage_blocks`, `width_multiplier`, `input_dropout`,
    `dropout`) is `AllConvNet`'s.
    """
    return AllConvNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("all_cnn_c", kwargs))
