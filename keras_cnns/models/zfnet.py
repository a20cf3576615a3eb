"""ZFNet.

Reference:
- [Visualizing and Understanding Convolutional Networks](https://arxiv.org/abs/1311.2901) (ECCV 2014)

AlexNet revised with the help of the DeconvNet visualizations (the paper's Figure 3): a 7x7 stride-2 first
layer instead of 11x11 stride 4 (fewer dead and aliased filters), conv2 with stride 2, a single stream,
3x3 stride-2 pooling, contrast normalization (LRN) after the first two layers, 224x224 inputs.
Feature maps are 110 -> 55 -> 26 -> 13 -> 13 -> 13 -> 6 as in the figure.
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_rate
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.models.alexnet import fully_connected_head
from keras_cnns.registry import Paper, register

__all__ = ["ZFNet"]

PAPER = Paper("Visualizing and Understanding Convolutional Networks", 2014, "https://arxiv.org/abs/1311.2901")


def _zfnet_body(x):
    x = layers.ZeroPadding2D(1, name="conv1_pad")(x)
    x = layers.Conv2D(96, 7, strides=2, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = LocalResponseNormalization(name="norm1")(x)
    x = layers.Conv2D(256, 5, strides=2, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = LocalResponseNormalization(name="norm2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool5")(x)


@register("zfnet", family="zfnet", paper=PAPER)
def ZFNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="zfnet",
    dropout=0.5,
):
    """Instantiates ZFNet (224x224 inputs by default; at least 53x53).

    Args:
        dropout: dropout rate of FC6 and FC7.
        The other arguments are keras.applications'.
    """
    check_rate("dropout", dropout)
    return build_application(
        _zfnet_body,
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=53,
        head=fully_connected_head(dropout),
    )
