"""SqueezeNet.

Reference:
- [SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size](
  https://arxiv.org/abs/1602.07360) (2016)

Version 1.0 is the paper's Table 1 (conv1 96 7x7/2); version 1.1 (from the authors' repository) has a
3x3/2 conv1 of 64 filters and pools earlier, for 2.4x less computation at the same accuracy. Both end
in dropout, the 1x1 conv10 with one filter per class, ReLU and global average pooling, with no dense
layer. The bypass variants are the paper's Section 6: "simple" adds identity shortcuts around fire3, 5, 7
and 9 (where input and output widths match); "complex" also adds 1x1 convolution shortcuts around
fire2, 4, 6 and 8. Max pooling is "valid" with floor rounding (Caffe rounds up), so the feature maps
are one pixel smaller than the Caffe/torchvision ones; the parameters are the same.
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import build_application, decode_predictions
from keras_cnns.checks import check_choice
from keras_cnns.registry import Paper, register_variant

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

# (squeeze 1x1, expand 1x1 = expand 3x3) of fire2 ... fire9.
FIRE_MODULES = ((16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256))
# version -> (conv1 filters, conv1 kernel, fire modules followed by a 3x3/2 max pooling), as in the paper
# (1.0) and the authors' SqueezeNet_v1.1 release.
VERSIONS = {
    "1.0": (96, 7, (4, 8)),
    "1.1": (64, 3, (3, 5)),
}
# Smallest input that leaves conv1 -> pool -> pool -> pool with at least one pixel: conv1 output >= 15.
MIN_SIZES = {"1.0": 7 + 2 * 14, "1.1": 3 + 2 * 14}
BYPASSES = (None, "simple", "complex")


def preprocess_input(x, data_format=None):
    """Scale pixels to [0, 1] and normalize with the ImageNet mean and std (torchvision's convention)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")



def fire_module(x, squeeze, expand, name, bypass=None):
    """Squeeze 1x1 -> (expand 1x1 || expand 3x3), concatenated, with the optional bypass added."""
    inputs = x
    x = layers.Conv2D(squeeze, 1, activation="relu", name=f"{name}_squeeze1x1")(x)
    left = layers.Conv2D(expand, 1, activation="relu", name=f"{name}_expand1x1")(x)
    right = layers.Conv2D(expand, 3, padding="same", activation="relu", name=f"{name}_expand3x3")(x)
    x = layers.Concatenate(name=f"{name}_concat")([left, right])
    if bypass is None:
        return x
    if inputs.shape[-1] != x.shape[-1]:
        if bypass != "complex":
            return x
        inputs = layers.Conv2D(x.shape[-1], 1, name=f"{name}_bypass_conv")(inputs)
    return layers.Add(name=f"{name}_bypass")([x, inputs])


def _squeezenet_body(version, bypass):
    conv1_filters, conv1_kernel, pool_after = VERSIONS[version]

    def body(x):
        x = layers.Conv2D(conv1_filters, conv1_kernel, strides=2, activation="relu", name="conv1")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for index, (squeeze, expand) in enumerate(FIRE_MODULES, start=2):
            x = fire_module(x, squeeze, expand, f"fire{index}", bypass)
            if index in pool_after:
                x = layers.MaxPooling2D(3, strides=2, name=f"pool{index}")(x)
        return x

    return body


def squeezenet_head(x, classes, classifier_activation):
    x = layers.Dropout(0.5, name="drop9")(x)
    x = layers.Conv2D(classes, 1, activation="relu", name="conv10")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Activation(classifier_activation, name="predictions")(x)


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
    version="1.0",
    bypass=None,
):
    """Instantiates SqueezeNet 1.0 or 1.1.

    Args:
        version: "1.0" (the paper's Table 1) or "1.1" (same accuracy, 2.4x fewer multiply-adds).
        bypass: None, "simple" (identity shortcuts) or "complex" (also 1x1 convolution shortcuts).
        The other arguments are keras.applications'; no ImageNet weights are published for Keras.
    """
    check_choice("version", version, VERSIONS)
    check_choice("bypass", bypass, BYPASSES)
    default_name = f"squeezenet{version.replace('.', '_')}" + (f"_{bypass}_bypass" if bypass else "")
    return build_application(
        _squeezenet_body(version, bypass),
        name=name or default_name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=MIN_SIZES[version],
        head=squeezenet_head,
    )


def _variant(function_name, model_name, **preset):
    return register_variant(SqueezeNet, function_name, model_name, family="squeezenet", paper=PAPER, **preset)


SqueezeNet1_0 = _variant("SqueezeNet1_0", "squeezenet1_0", version="1.0")
SqueezeNet1_1 = _variant("SqueezeNet1_1", "squeezenet1_1", version="1.1")
SqueezeNet1_0_SimpleBypass = _variant("SqueezeNet1_0_SimpleBypass", "squeezenet1_0_simple_bypass",
                                      version="1.0", bypass="simple")
SqueezeNet1_0_ComplexBypass = _variant("SqueezeNet1_0_ComplexBypass", "squeezenet1_0_complex_bypass",
                                       version="1.0", bypass="complex")
SqueezeNet1_1_SimpleBypass = _variant("SqueezeNet1_1_SimpleBypass", "squeezenet1_1_simple_bypass",
                                      version="1.1", bypass="simple")
SqueezeNet1_1_ComplexBypass = _variant("SqueezeNet1_1_ComplexBypass", "squeezenet1_1_complex_bypass",
                                       version="1.1", bypass="complex")
