"""SqueezeNet.

Reference:
- [SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size](
  https://arxiv.org/abs/1602.07360) (2016)

Version 1.0 is the paper's Table 1 (conv1 96 7x7/2); version 1.1 (from the authors' repository) has a
3x3/2 conv1 of 64 filters and pools earlier, for 2.4x less computation at the same accuracy. Both end
in dropout, the 1x1 conv10 with one filter per class, ReLU and global average pooling, with no dense
layer. The bypass variants are the paper's Section 6: "simple" adds identity shortcuts around the fire
modules whose input and output widths match (fire3, 5, 7 and 9 in the paper's layout); "complex" adds 1x1
convolution shortcuts around the others (fire2, 4, 6 and 8). Max pooling is "valid" with floor rounding
(Caffe rounds up), so the feature maps are one pixel smaller than the Caffe/torchvision ones; the parameters
are the same.

`SqueezeNet` is the paper's design space (Section 5): fire module i (from 0) expands to
e_i = base_e + incr_e * floor(i / freq) maps, a fraction `pct_3x3` of them 3x3, and squeezes to
s_i = squeeze_ratio * e_i; the paper's SqueezeNet is base_e = 128, incr_e = 128, freq = 2, pct_3x3 = 0.5,
squeeze_ratio = 0.125. `stage_blocks` counts the fire modules between the max poolings ((3, 4, 1) in 1.0,
(2, 2, 4) in 1.1) and `width_multiplier` scales conv1 and every e_i.
Preprocessing is that of the authors' Caffe release (github.com/forresti/SqueezeNet): BGR pixels minus the
ImageNet mean (104, 117, 123), no scaling, which is keras.applications' "caffe" mode.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application, decode_predictions, preprocess_with
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_choice, renamed_argument
from keras_cnns.registry import Knob, Paper, Spec, preset, register, register_builder

__all__ = [
    "SqueezeNet",
    "SqueezeNet1_0",
    "SqueezeNet1_1",
    "SqueezeNet1_0_SimpleBypass",
    "SqueezeNet1_0_ComplexBypass",
    "SqueezeNet1_1_SimpleBypass",
    "SqueezeNet1_1_ComplexBypass",
]

PAPER = Paper("SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size", 2016,
              "https://arxiv.org/abs/1602.07360")

# variant -> (conv1 filters, conv1 kernel, fire modules per stage between the max poolings), as in the paper
# (1.0) and the authors' SqueezeNet_v1.1 release.
VARIANTS = {
    "1.0": (96, 7, (3, 4, 1)),
    "1.1": (64, 3, (2, 2, 4)),
}
# Smallest input that leaves conv1 -> pool -> pool -> pool with at least one pixel: conv1 output >= 15.
MIN_SIZES = {"1.0": 7 + 2 * 14, "1.1": 3 + 2 * 14}
BYPASSES = (None, "simple", "complex")


def _spec(variant):
    stage_blocks = VARIANTS[variant][2]
    return Spec("squeezenet", PAPER, default_size=224, min_size=MIN_SIZES[variant], preprocessing="caffe", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=8, length=3, default=stage_blocks),
        Knob("width_multiplier", "float", low=0.0625, high=2.0, default=1.0),
        Knob("base_e", "int", low=8, high=512, default=128),
        Knob("incr_e", "int", low=0, high=512, default=128),
        Knob("freq", "int", low=1, high=16, default=2),
        Knob("pct_3x3", "float", low=0.01, high=0.99, default=0.5),
        Knob("squeeze_ratio", "float", low=0.0625, high=1.0, default=0.125),
        Knob("bypass", "choice", choices=BYPASSES, default=None),
    ))


SPECS = {variant: _spec(variant) for variant in VARIANTS}


def preprocess_input(x, data_format=None):
    """The authors' Caffe preprocessing: RGB -> BGR and the ImageNet mean subtracted, no scaling."""
    return preprocess_with(SPECS["1.0"], x, data_format)


def fire_widths(index, base_e, incr_e, freq, pct_3x3, squeeze_ratio, width_multiplier=1.0):
    """(squeeze, expand 1x1, expand 3x3) filters of fire module `index` (0 = fire2), Section 5's formulas;
    each layer keeps at least one filter."""
    expand = max(2, scale_filters(base_e + incr_e * (index // freq), width_multiplier))
    expand_3x3 = min(expand - 1, max(1, round(expand * pct_3x3)))
    return max(1, round(expand * squeeze_ratio)), expand - expand_3x3, expand_3x3


def fire_module(x, squeeze, expand_1x1, expand_3x3, name, bypass=None):
    """Squeeze 1x1 -> (expand 1x1 || expand 3x3), concatenated, with the optional bypass added."""
    inputs = x
    x = layers.Conv2D(squeeze, 1, activation="relu", name=f"{name}_squeeze1x1")(x)
    left = layers.Conv2D(expand_1x1, 1, activation="relu", name=f"{name}_expand1x1")(x)
    right = layers.Conv2D(expand_3x3, 3, padding="same", activation="relu", name=f"{name}_expand3x3")(x)
    x = layers.Concatenate(name=f"{name}_concat")([left, right])
    if bypass is None:
        return x
    if inputs.shape[-1] != x.shape[-1]:
        if bypass != "complex":
            return x
        inputs = layers.Conv2D(x.shape[-1], 1, name=f"{name}_bypass_conv")(inputs)
    return layers.Add(name=f"{name}_bypass")([x, inputs])


def _squeezenet_body(conv1_filters, conv1_kernel, stage_blocks, fire_layout, bypass):
    def body(x):
        x = layers.Conv2D(conv1_filters, conv1_kernel, strides=2, activation="relu", name="conv1")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        index = 0
        for stage, modules in enumerate(stage_blocks):
            for _ in range(modules):
                x = fire_module(x, *fire_layout[index], f"fire{index + 2}", bypass)
                index += 1
            if stage < len(stage_blocks) - 1:
                x = layers.MaxPooling2D(3, strides=2, name=f"pool{index + 1}")(x)
        return x

    return body


def squeezenet_head(x, classes, classifier_activation):
    x = layers.Dropout(0.5, name="drop9")(x)
    x = layers.Conv2D(classes, 1, activation="relu", name="conv10")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Activation(classifier_activation, name="predictions")(x)


def _default_name(variant, bypass, knobs):
    name = f"squeezenet{variant.replace('.', '_')}" + (f"_{bypass}_bypass" if bypass else "")
    spec = SPECS[variant]
    changed = [f"{key}{'-'.join(map(str, value)) if isinstance(value, tuple) else f'{value:g}'}"
               for key, value in knobs.items() if value != spec.knob(key).default]
    return "_".join([name, *changed])


@register_builder("squeezenet")
def SqueezeNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    variant="1.0",
    bypass=None,
    stage_blocks=None,
    width_multiplier=1.0,
    base_e=128,
    incr_e=128,
    freq=2,
    pct_3x3=0.5,
    squeeze_ratio=0.125,
    version=None,
):
    """Instantiates SqueezeNet 1.0 or 1.1, or any member of the paper's design space (Section 5).

    Args:
        variant: "1.0" (the paper's Table 1) or "1.1" (same accuracy, 2.4x fewer multiply-adds); sets conv1 and
            where the max poolings sit. `version` is its deprecated name.
        bypass: None, "simple" (identity shortcuts) or "complex" (also 1x1 convolution shortcuts).
        stage_blocks: fire modules before the second max pooling, between the second and third, and after it,
            each in [1, 8]: (3, 4, 1) for "1.0", (2, 2, 4) for "1.1".
        width_multiplier: scales conv1's filters and every fire module's e_i, in [0.0625, 2.0].
        base_e: expand filters of the first fire module, in [8, 512] (paper: 128).
        incr_e: expand filters added every `freq` fire modules, in [0, 512] (paper: 128).
        freq: fire modules per increment of `incr_e`, in [1, 16] (paper: 2).
        pct_3x3: fraction of a module's expand filters that are 3x3, in [0.01, 0.99] (paper: 0.5).
        squeeze_ratio: squeeze filters / expand filters, in [0.0625, 1.0] (paper: 0.125).
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    variant = check_choice("variant" if version is None else "version",
                           renamed_argument("version", "variant", version, variant, "1.0"), VARIANTS)
    spec = SPECS[variant]
    conv1_filters, conv1_kernel, paper_stage_blocks = VARIANTS[variant]
    knobs = dict(stage_blocks=paper_stage_blocks if stage_blocks is None else stage_blocks,
                 width_multiplier=width_multiplier, base_e=base_e, incr_e=incr_e, freq=freq, pct_3x3=pct_3x3,
                 squeeze_ratio=squeeze_ratio)
    knobs = {key: spec.knob(key).validate(value) for key, value in knobs.items()}
    bypass = spec.knob("bypass").validate(bypass)
    width = knobs["width_multiplier"]
    fire_layout = [fire_widths(index, knobs["base_e"], knobs["incr_e"], knobs["freq"], knobs["pct_3x3"],
                               knobs["squeeze_ratio"], width) for index in range(sum(knobs["stage_blocks"]))]
    name = name or _default_name(variant, bypass, knobs)
    return build_application(
        _squeezenet_body(scale_filters(conv1_filters, width), conv1_kernel, knobs["stage_blocks"], fire_layout,
                         bypass),
        spec=spec,
        head=squeezenet_head,
        **application_arguments(locals()),
    )


@register("squeezenet1_0", SPECS["1.0"], variant="1.0")
def SqueezeNet1_0(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax", name="squeezenet1_0", **kwargs):
    """Instantiates SqueezeNet 1.0 (Table 1: conv1 96 7x7/2, fire2-9, max pooling after conv1, fire4 and
    fire8).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_0", kwargs))


@register("squeezenet1_1", SPECS["1.1"], variant="1.1")
def SqueezeNet1_1(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
                  classifier_activation="softmax", name="squeezenet1_1", **kwargs):
    """Instantiates SqueezeNet 1.1 (the authors' release: conv1 64 3x3/2, max pooling after conv1, fire3
    and fire5).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_1", kwargs))


@register("squeezenet1_0_simple_bypass", SPECS["1.0"], variant="1.0", bypass="simple")
def SqueezeNet1_0_SimpleBypass(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                               classes=1000, classifier_activation="softmax", name="squeezenet1_0_simple_bypass",
                               **kwargs):
    """Instantiates SqueezeNet 1.0 with simple bypass (Section 6: identity shortcuts around fire3, 5, 7
    and 9).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_0_simple_bypass", kwargs))


@register("squeezenet1_0_complex_bypass", SPECS["1.0"], variant="1.0", bypass="complex")
def SqueezeNet1_0_ComplexBypass(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                                classes=1000, classifier_activation="softmax", name="squeezenet1_0_complex_bypass",
                                **kwargs):
    """Instantiates SqueezeNet 1.0 with complex bypass (Section 6: also 1x1 convolution shortcuts around
    fire2, 4, 6 and 8).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_0_complex_bypass", kwargs))


@register("squeezenet1_1_simple_bypass", SPECS["1.1"], variant="1.1", bypass="simple")
def SqueezeNet1_1_SimpleBypass(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                               classes=1000, classifier_activation="softmax", name="squeezenet1_1_simple_bypass",
                               **kwargs):
    """Instantiates SqueezeNet 1.1 with simple bypass (identity shortcuts around fire3, 5, 7 and 9).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_1_simple_bypass", kwargs))


@register("squeezenet1_1_complex_bypass", SPECS["1.1"], variant="1.1", bypass="complex")
def SqueezeNet1_1_ComplexBypass(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                                classes=1000, classifier_activation="softmax", name="squeezenet1_1_complex_bypass",
                                **kwargs):
    """Instantiates SqueezeNet 1.1 with complex bypass (also 1x1 convolution shortcuts around fire2, 4, 6
    and 8).

    Args: keras.applications' (`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`, `classes`,
    `classifier_activation`, `name`); any other keyword (e.g. `base_e`, `stage_blocks`) is `SqueezeNet`'s.
    """
    return SqueezeNet(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name,
                      **preset("squeezenet1_1_complex_bypass", kwargs))
