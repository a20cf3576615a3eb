"""All-Convolutional Net.

Reference:
- [Striving for Simplicity: The All Convolutional Net](https://arxiv.org/abs/1412.6806) (ICLR 2015 workshop)

The base models A, B and C of the paper's Table 1 and the three ways Table 2 derives from each:
"strided" drops the max-pooling and gives the preceding convolution stride 2, "convpool" adds a dense
3x3 convolution before each pooling (the control with as many parameters as "all"), and "all" replaces
each max-pooling by a 3x3 convolution with stride 2. Every net ends in 3x3 conv 192, 1x1 conv 192,
1x1 conv with one map per class and global averaging. Dropout 20% on the input and 50% after each
pooling (or the convolution replacing it), as trained in the paper.
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.models.nin import global_average_classifier_head
from keras_cnns.registry import Paper, register_variant

__all__ = ["AllConvNet", "AllConvModelA", "StridedCNNA", "ConvPoolCNNA", "AllCNNA", "AllConvModelB", "StridedCNNB", "ConvPoolCNNB", "AllCNNB", "AllConvModelC", "StridedCNNC", "ConvPoolCNNC", "AllCNNC"]

PAPER = Paper("Striving for Simplicity: The All Convolutional Net", 2014, "https://arxiv.org/abs/1412.6806")

# (kernel, filters) of each convolution in the two stages before a reduction (Table 1).
BASES = {
    "A": (((5, 96),), ((5, 192),)),
    "B": (((5, 96), (1, 96)), ((5, 192), (1, 192))),
    "C": (((3, 96), (3, 96)), ((3, 192), (3, 192))),
}
VARIANTS = ("base", "strided", "convpool", "all")


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


def _allconv_body(base, variant, input_dropout, dropout):
    def body(x):
        if input_dropout:
            x = layers.Dropout(input_dropout, name="input_dropout")(x)
        for stage, convolutions in enumerate(BASES[base], start=1):
            x = _reduction_stage(x, convolutions, stage, variant, dropout)
        x = layers.Conv2D(192, 3, activation="relu", name="top_conv1")(x)
        return layers.Conv2D(192, 1, activation="relu", name="top_conv2")(x)

    return body


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
    input_dropout=0.2,
    dropout=0.5,
):
    """Instantiates an All-Convolutional Net (32x32 CIFAR inputs by default, at least 9x9).

    Args:
        base: "A", "B" or "C" (Table 1).
        variant: "base", "strided", "convpool" or "all" (Table 2: Model, Strided-CNN, ConvPool-CNN, All-CNN).
        input_dropout, dropout: dropout rates on the input and after each reduction.
        The other arguments are keras.applications'.
    """
    check_choice("base", base, tuple(BASES))
    check_choice("variant", variant, VARIANTS)
    check_rate("input_dropout", input_dropout)
    check_rate("dropout", dropout)
    return build_application(
        _allconv_body(base, variant, input_dropout, dropout),
        name=name or model_name(base, variant),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=32,
        min_size=9,
        head=global_average_classifier_head,
    )


def model_name(base, variant):
    return {"base": "allconv_model_{}", "strided": "strided_cnn_{}", "convpool": "convpool_cnn_{}",
            "all": "all_cnn_{}"}[variant].format(base.lower())


def _variant(function_name, base, variant):
    return register_variant(AllConvNet, function_name, model_name(base, variant), family="allconv",
                            paper=PAPER, base=base, variant=variant)


AllConvModelA = _variant("AllConvModelA", "A", "base")
StridedCNNA = _variant("StridedCNNA", "A", "strided")
ConvPoolCNNA = _variant("ConvPoolCNNA", "A", "convpool")
AllCNNA = _variant("AllCNNA", "A", "all")
AllConvModelB = _variant("AllConvModelB", "B", "base")
StridedCNNB = _variant("StridedCNNB", "B", "strided")
ConvPoolCNNB = _variant("ConvPoolCNNB", "B", "convpool")
AllCNNB = _variant("AllCNNB", "B", "all")
AllConvModelC = _variant("AllConvModelC", "C", "base")
StridedCNNC = _variant("StridedCNNC", "C", "strided")
ConvPoolCNNC = _variant("ConvPoolCNNC", "C", "convpool")
AllCNNC = _variant("AllCNNC", "C", "all")
