"""Inception-ResNet v1 and v2.

Reference:
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (AAAI 2017)

Each Inception-ResNet block runs an inception module, projects it back to the input width with a linear
1x1 convolution, scales it (`ScaledResidual`, 0.1 to 0.3, section 3.3) and adds it to the input.
`InceptionResNetV2` builds the same graph as `keras.applications.InceptionResNetV2` (the released
TF-slim network: Inception v3's stem plus `mixed_5b`, a final 1x1 convolution to 1536 channels, last
block unscaled and without ReLU, no dropout), so its weight files load; pass `dropout=0.2` for the
paper's keep probability 0.8. `InceptionResNetV1` follows the paper's Figures 10-15 (stem of Figure 14,
5/10/5 blocks, dropout 0.2). The modules and Reduction-A are the ones of `keras_cnns.models.inception`.
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import ImagenetWeights, WeightsFile, build_application, decode_predictions
from keras_cnns.checks import check_rate
from keras_cnns.layers import ScaledResidual
from keras_cnns.models.inception import (
    Conv,
    Pool,
    conv_bn,
    dropout_head,
    inception_35x35,
    inception_block,
    inception_v3_stem_convolutions,
    reduction_a,
)
from keras_cnns.registry import Paper, register

__all__ = ["InceptionResNetV1", "InceptionResNetV2"]

PAPER = Paper("Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning", 2016,
              "https://arxiv.org/abs/1602.07261")

_KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
IMAGENET_WEIGHTS = ImagenetWeights(
    top=WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                    _KERAS_WEIGHTS + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                    "e693bd0210a403b3192acc6073ad2e96"),
    notop=WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      _KERAS_WEIGHTS + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "d19885ff4a710c122648d3b5c3b684e4"),
)

# Residual scales of the 35x35, 17x17 and 8x8 blocks (the released networks' values, in the paper's range).
SCALES = {"block35": 0.17, "block17": 0.1, "block8": 0.2}

# Branches of the Inception-ResNet-A/B/C modules: v1 Figures 10, 11, 13; v2 Figures 16, 17, 19.
BLOCK_BRANCHES = {
    "v1": {
        "block35": ([Conv(32, 1)], [Conv(32, 1), Conv(32, 3)], [Conv(32, 1), Conv(32, 3), Conv(32, 3)]),
        "block17": ([Conv(128, 1)], [Conv(128, 1), Conv(128, (1, 7)), Conv(128, (7, 1))]),
        "block8": ([Conv(192, 1)], [Conv(192, 1), Conv(192, (1, 3)), Conv(192, (3, 1))]),
    },
    "v2": {
        "block35": ([Conv(32, 1)], [Conv(32, 1), Conv(32, 3)], [Conv(32, 1), Conv(48, 3), Conv(64, 3)]),
        "block17": ([Conv(192, 1)], [Conv(128, 1), Conv(160, (1, 7)), Conv(192, (7, 1))]),
        "block8": ([Conv(192, 1)], [Conv(192, 1), Conv(224, (1, 3)), Conv(256, (3, 1))]),
    },
}


def preprocess_input(x, data_format=None):
    """keras.applications.inception_resnet_v2.preprocess_input: pixels scaled from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")



def inception_resnet_block(x, branches, scale, name, activation="relu"):
    """x + scale * linear_1x1(inception module(x)), then ReLU; batch norm only inside the module."""
    mixed = inception_block(x, branches, f"{name}_mixed")
    residual = layers.Conv2D(x.shape[-1], 1, padding="same", use_bias=True, name=f"{name}_conv")(mixed)
    x = ScaledResidual(scale, name=f"{name}_residual")([x, residual])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def reduction_b(x, widths, name):
    """Figures 12 / 18: three 1x1(256)-reduced stride-2 branches (output widths `widths`) and max pooling."""
    first, second, third = widths
    return inception_block(x, [
        [Conv(256, 1), Conv(first, 3, 2, "valid")],
        [Conv(256, 1), Conv(second, 3, 2, "valid")],
        [Conv(256, 1), Conv(third[0], 3), Conv(third[1], 3, 2, "valid")],
        [Pool("max", 2)],
    ], name)


def _repeat_blocks(x, version, block_type, count, last_is_linear=False):
    for index in range(1, count + 1):
        final = last_is_linear and index == count
        x = inception_resnet_block(
            x, BLOCK_BRANCHES[version][block_type], 1.0 if final else SCALES[block_type],
            f"{block_type}_{index}", activation=None if final else "relu",
        )
    return x


def _inception_resnet_v1_body(x):
    x = inception_v3_stem_convolutions(x)
    x = conv_bn(x, 256, 3, strides=2, padding="valid")  # Figure 14: 35x35x256
    x = _repeat_blocks(x, "v1", "block35", 5)
    x = reduction_a(x, k=192, l=192, m=256, n=384, name="mixed_6a")
    x = _repeat_blocks(x, "v1", "block17", 10)
    x = reduction_b(x, (384, 256, (256, 256)), "mixed_7a")
    return _repeat_blocks(x, "v1", "block8", 5)


def _inception_resnet_v2_body(x):
    x = inception_v3_stem_convolutions(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = inception_35x35(x, 96, 64, "mixed_5b")
    x = _repeat_blocks(x, "v2", "block35", 10)
    x = reduction_a(x, k=256, l=256, m=384, n=384, name="mixed_6a")
    x = _repeat_blocks(x, "v2", "block17", 20)
    x = reduction_b(x, (384, 288, (288, 320)), "mixed_7a")
    x = _repeat_blocks(x, "v2", "block8", 10, last_is_linear=True)
    return conv_bn(x, 1536, 1, name="conv_7b")


def _build(body, *, name, dropout, imagenet_weights=None, **application_args):
    check_rate("dropout", dropout)
    return build_application(
        body, name=name, default_size=299, min_size=75, head=dropout_head(dropout),
        imagenet_weights=imagenet_weights if not dropout else None, **application_args,
    )


@register("inception_resnet_v1", family="inception_resnet", paper=PAPER)
def InceptionResNetV1(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_resnet_v1",
    *,
    dropout=0.2,
):
    """Instantiates Inception-ResNet v1 (Figure 15).

    Args:
        dropout: dropout rate before the classifier (the paper keeps 0.8 of the activations: 0.2).
        The other arguments are keras.applications'; inputs are at least 75x75.
    """
    return _build(_inception_resnet_v1_body, name=name, dropout=dropout, include_top=include_top, weights=weights,
                  input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                  classifier_activation=classifier_activation)


@register("inception_resnet_v2", family="inception_resnet", paper=PAPER)
def InceptionResNetV2(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_resnet_v2",
    *,
    dropout=0.0,
):
    """Instantiates Inception-ResNet v2 (the same graph as keras.applications.InceptionResNetV2).

    Args:
        dropout: dropout rate before the classifier; 0 as keras.applications, 0.2 as the paper.
        The other arguments are keras.applications'; inputs are at least 75x75.
    """
    return _build(_inception_resnet_v2_body, name=name, dropout=dropout, imagenet_weights=IMAGENET_WEIGHTS,
                  include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                  pooling=pooling, classes=classes, classifier_activation=classifier_activation)
