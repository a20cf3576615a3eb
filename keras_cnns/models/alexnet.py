"""AlexNet.

Reference:
- [ImageNet Classification with Deep Convolutional Neural Networks](
  https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks)
  (NeurIPS 2012)

`AlexNet(streams=2)` is the paper's network on 227x227 inputs: conv2/4/5 are grouped convolutions
(`groups=2`, the two GPU streams), local response normalization follows conv1/conv2, pooling is overlapping
(3x3, stride 2) and FC6/FC7 carry dropout 0.5 (60,965,224 parameters with 1000 classes).
`AlexNet(streams=1)` is the single-stream re-implementation of torchvision (64/192/384/256/256 filters,
224x224 inputs, adaptive 6x6 average pooling before the classifier, so `include_top=True` needs inputs of
at least 223x223; 61,100,840 parameters).
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.registry import Paper, register

__all__ = ["AlexNet"]

PAPER = Paper("ImageNet Classification with Deep Convolutional Neural Networks", 2012,
              "https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks")


def _conv(x, filters, kernel_size, name, strides=1, padding="same", groups=1):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, groups=groups,
                         activation="relu", name=name)(x)


def _overlapping_pool(x, name):
    return layers.MaxPooling2D(3, strides=2, name=name)(x)


def _two_stream_body(x):
    x = _conv(x, 96, 11, "conv1", strides=4, padding="valid")
    x = LocalResponseNormalization(name="norm1")(x)
    x = _overlapping_pool(x, "pool1")
    x = _conv(x, 256, 5, "conv2", groups=2)
    x = LocalResponseNormalization(name="norm2")(x)
    x = _overlapping_pool(x, "pool2")
    x = _conv(x, 384, 3, "conv3")  # the one convolution whose kernels see both streams
    x = _conv(x, 384, 3, "conv4", groups=2)
    x = _conv(x, 256, 3, "conv5", groups=2)
    return _overlapping_pool(x, "pool5")


def _single_stream_body(x):
    x = layers.ZeroPadding2D(2, name="conv1_pad")(x)
    x = _conv(x, 64, 11, "conv1", strides=4, padding="valid")
    x = _overlapping_pool(x, "pool1")
    x = _conv(x, 192, 5, "conv2")
    x = _overlapping_pool(x, "pool2")
    x = _conv(x, 384, 3, "conv3")
    x = _conv(x, 256, 3, "conv4")
    x = _conv(x, 256, 3, "conv5")
    return _overlapping_pool(x, "pool5")


def fully_connected_head(dropout, dropout_first=False, units=4096, names=("fc6", "fc7"), adaptive_pool=None):
    """FC6 -> FC7 -> classifier, with dropout in FC6/FC7 (after their ReLU, or before as in torchvision).

    `adaptive_pool=6` first average-pools the features to 6x6 as torchvision does, so the classifier has the
    same size for any input of at least 6x6 features.
    """

    def head(x, classes, classifier_activation):
        if adaptive_pool:
            if min(x.shape[1:3]) < adaptive_pool:
                raise ValueError(
                    f"input_shape must be large enough for {adaptive_pool}x{adaptive_pool} features with "
                    f"include_top=True (the features are {x.shape[1]}x{x.shape[2]}); use a larger input_shape "
                    "or include_top=False"
                )
            x = layers.AdaptiveAveragePooling2D(adaptive_pool, name="avgpool")(x)
        x = layers.Flatten(name="flatten")(x)
        for layer_name in names:
            if dropout and dropout_first:
                x = layers.Dropout(dropout, name=f"{layer_name}_dropout")(x)
            x = layers.Dense(units, activation="relu", name=layer_name)(x)
            if dropout and not dropout_first:
                x = layers.Dropout(dropout, name=f"{layer_name}_dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


@register("alexnet", family="alexnet", paper=PAPER, streams=2)
@register("alexnet_single_stream", family="alexnet", paper=PAPER, streams=1)
def AlexNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    streams=2,
    dropout=0.5,
):
    """Instantiates AlexNet.

    Args:
        streams: 2 for the paper's two-stream network (227x227, grouped convs, LRN), 1 for torchvision's
            single-stream one (224x224).
        dropout: dropout rate of FC6 and FC7.
        The other arguments are keras.applications'.
    """
    check_choice("streams", streams, (1, 2))
    check_rate("dropout", dropout)
    two_stream = streams == 2
    return build_application(
        _two_stream_body if two_stream else _single_stream_body,
        name=name or ("alexnet" if two_stream else "alexnet_single_stream"),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=227 if two_stream else 224,
        min_size=67 if two_stream else 63,
        head=fully_connected_head(dropout, dropout_first=not two_stream, adaptive_pool=None if two_stream else 6),
    )
