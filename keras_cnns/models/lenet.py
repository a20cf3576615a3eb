"""LeNet-5.

Reference:
- [Gradient-Based Learning Applied to Document Recognition](http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf)
  (Proceedings of the IEEE, 1998)

`LeNet5(variant="faithful")` is the paper's network: C1 6@5x5, S2 trainable subsampling, C3 16@5x5 with the
Table I partial connections, S4, C5 120@5x5, F6 84, scaled tanh throughout (60,850 parameters with a
dense 10-way output in place of the paper's fixed Euclidean RBF codes). `variant="modern"` is the common
re-implementation: ReLU, max pooling, a full C3 and a softmax output (61,706 parameters), and a design space:
more convolutions per stage, wider or narrower layers, a different F6.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_choice
from keras_cnns.layers import PartialConv2D, Subsampling, scaled_tanh
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = ["LeNet", "LeNet5", "LeNet5Modern"]

PAPER = Paper("Gradient-Based Learning Applied to Document Recognition", 1998,
              "http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf")
VARIANTS = ("faithful", "modern")
C1, C3, C5, F6 = 6, 16, 120, 84  # the paper's widths

SPECS = {
    # The faithful C3 wiring (Table I) exists only for 6 -> 16 maps, so that network has no depth/width knobs.
    "faithful": Spec("lenet", PAPER, default_size=32, min_size=32, channels=1, preprocessing="unit", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=1, length=2),
        Knob("width_multiplier", "float", low=1.0, high=1.0, default=1.0),
        Knob("dense_units", "int", low=1, high=4096, default=F6),
    )),
    "modern": Spec("lenet", PAPER, default_size=32, min_size=32, channels=1, preprocessing="unit", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=4, length=2),
        Knob("width_multiplier", "float", low=0.0625, high=8.0, default=1.0),
        Knob("dense_units", "int", low=1, high=4096, default=F6),
    )),
}


def _faithful_body(x):
    x = layers.Conv2D(C1, 5, activation=scaled_tanh, name="c1")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s2")(x)
    x = PartialConv2D(5, activation=scaled_tanh, name="c3")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s4")(x)
    return layers.Conv2D(C5, 5, activation=scaled_tanh, name="c5")(x)


def _modern_body(stage_blocks, widths):
    """C1 and C3 (5x5, valid) each followed by `stage_blocks - 1` more 5x5 'same' convolutions, then pooling."""

    def body(x):
        for (conv, pool), blocks, filters in zip((("c1", "s2"), ("c3", "s4")), stage_blocks, widths):
            x = layers.Conv2D(filters, 5, activation="relu", name=conv)(x)
            for index in range(2, blocks + 1):
                x = layers.Conv2D(filters, 5, padding="same", activation="relu", name=f"{conv}_{index}")(x)
            x = layers.MaxPooling2D(2, name=pool)(x)
        return layers.Conv2D(widths[2], 5, activation="relu", name="c5")(x)

    return body


def _head(dense_units, f6_activation):
    def head(x, classes, classifier_activation):
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(dense_units, activation=f6_activation, name="f6")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


@register_builder("lenet")
def LeNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name=None,
    *,
    variant="modern",
    stage_blocks=(1, 1),
    width_multiplier=1.0,
    dense_units=F6,
):
    """Instantiates a LeNet-5 of any depth and width (32x32 grayscale input by default; at least 32x32).

    Args:
        variant: "faithful" (the 1998 network: scaled tanh, trainable subsampling, Table I's partial C3; no
            depth or width knobs) or "modern" (ReLU, max pooling, full C3).
        stage_blocks: 5x5 convolutions in the C1 and C3 stages, 2 entries in [1, 4] ("modern"; (1, 1) is the paper).
        width_multiplier: scales C1, C3 and C5 (6, 16, 120 maps), in [0.0625, 8.0] ("modern"; 1.0 is the paper).
        dense_units: width of F6, in [1, 4096] (84 in the paper).
        The other arguments are keras.applications'; `include_top=False` returns C5's feature map.
    """
    spec = SPECS[check_choice("variant", variant, VARIANTS)]
    stage_blocks = spec.knob("stage_blocks").validate(stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    dense_units = spec.knob("dense_units").validate(dense_units)
    faithful = variant == "faithful"
    name = name or ("lenet5" if faithful else "lenet5_modern")
    widths = [scale_filters(filters, width_multiplier) for filters in (C1, C3, C5)]
    return build_application(
        _faithful_body if faithful else _modern_body(stage_blocks, widths),
        spec=spec,
        head=_head(dense_units, scaled_tanh if faithful else "relu"),
        **application_arguments(locals()),
    )


@register("lenet5", SPECS["faithful"], variant="faithful")
def LeNet5(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
           classifier_activation="softmax", name=None, variant="faithful", **kwargs):
    """Instantiates LeNet-5 as published (32x32 grayscale input by default; at least 32x32).

    Args:
        variant: "faithful" (the 1998 network) or "modern" (ReLU, max pooling, full C3; `LeNet5Modern`).
        The other arguments are keras.applications'; `include_top=False` returns C5's feature map. Any other
        keyword (`stage_blocks`, `width_multiplier`, `dense_units`) is `LeNet`'s.
    """
    return LeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                 **preset("lenet5", {**kwargs, "variant": variant}))


@register("lenet5_modern", SPECS["modern"], variant="modern")
def LeNet5Modern(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
                 classifier_activation="softmax", name="lenet5_modern", **kwargs):
    """Instantiates the modern LeNet-5: ReLU, max pooling, a full C3, softmax output (61,706 parameters).

    Args: keras.applications' (`include_top=False` returns C5's feature map); any other keyword
    (`stage_blocks`, `width_multiplier`, `dense_units`) is `LeNet`'s.
    """
    return LeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                 **preset("lenet5_modern", kwargs))
