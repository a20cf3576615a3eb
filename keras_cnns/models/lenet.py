"""LeNet-5.

Reference:
- [Gradient-Based Learning Applied to Document Recognition](http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf)
  (Proceedings of the IEEE, 1998)

`LeNet5(variant="faithful")` is the paper's network: C1 6@5x5, S2 trainable subsampling, C3 16@5x5 with the
Table I partial connections, S4, C5 120@5x5, F6 84, scaled tanh throughout (60,850 parameters with a
dense 10-way output in place of the paper's fixed Euclidean RBF codes). `variant="modern"` is the common
re-implementation: ReLU, max pooling, a full C3 and a softmax output (61,706 parameters).
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_choice
from keras_cnns.layers import PartialConv2D, Subsampling, scaled_tanh
from keras_cnns.registry import Paper, register

__all__ = ["LeNet5"]

PAPER = Paper("Gradient-Based Learning Applied to Document Recognition", 1998,
              "http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf")
VARIANTS = ("faithful", "modern")


def _faithful_body(x):
    x = layers.Conv2D(6, 5, activation=scaled_tanh, name="c1")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s2")(x)
    x = PartialConv2D(5, activation=scaled_tanh, name="c3")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s4")(x)
    return layers.Conv2D(120, 5, activation=scaled_tanh, name="c5")(x)


def _modern_body(x):
    x = layers.Conv2D(6, 5, activation="relu", name="c1")(x)
    x = layers.MaxPooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="relu", name="c3")(x)
    x = layers.MaxPooling2D(2, name="s4")(x)
    return layers.Conv2D(120, 5, activation="relu", name="c5")(x)


def _head(f6_activation):
    def head(x, classes, classifier_activation):
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(84, activation=f6_activation, name="f6")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


@register("lenet5", family="lenet", paper=PAPER, variant="faithful")
@register("lenet5_modern", family="lenet", paper=PAPER, variant="modern")
def LeNet5(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name=None,
    variant="faithful",
):
    """Instantiates LeNet-5 (32x32 grayscale input by default; at least 32x32).

    Args:
        variant: "faithful" (the 1998 network) or "modern" (ReLU, max pooling, full C3).
        The other arguments are keras.applications'; `include_top=False` returns C5's feature map.
    """
    check_choice("variant", variant, VARIANTS)
    faithful = variant == "faithful"
    return build_application(
        _faithful_body if faithful else _modern_body,
        name=name or ("lenet5" if faithful else "lenet5_modern"),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=32,
        min_size=32,
        default_channels=1,
        head=_head(scaled_tanh if faithful else "relu"),
    )
