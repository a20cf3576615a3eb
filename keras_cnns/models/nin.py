"""Network in Network.

Reference:
- [Network In Network](https://arxiv.org/abs/1312.4400) (ICLR 2014)

Stacked mlpconv blocks (a convolution followed by two 1x1 convolutions, the "micro network" shared across
positions), dropout on the outputs of all but the last block, and no fully connected layers: the last
1x1 convolution has one map per class and global average pooling turns the maps into class scores.
`NiN()` is the ImageNet network of the authors' Caffe release (224x224, 7.6M parameters);
`NiN(dataset="cifar")` is the paper's CIFAR-10 network (32x32, 0.97M parameters with 10 classes).
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_choice, check_rate
from keras_cnns.registry import Paper, register

__all__ = ["NiN"]

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


def mlpconv_block(x, filters, kernel_size, strides, pointwise_filters, block):
    padding = "valid" if strides > 1 else "same"
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, activation="relu",
                      name=f"mlpconv{block}_conv")(x)
    for index, width in enumerate(pointwise_filters, start=1):
        x = layers.Conv2D(width, 1, activation="relu", name=f"mlpconv{block}_cccp{index}")(x)
    return x


def _nin_body(dataset, dropout):
    def body(x):
        for block, (filters, kernel, strides, pointwise, pool) in enumerate(BLOCKS[dataset], start=1):
            x = mlpconv_block(x, filters, kernel, strides, pointwise, block)
            if pool is not None:
                pool_layer = layers.MaxPooling2D if pool == "max" else layers.AveragePooling2D
                x = pool_layer(3, strides=2, padding="same", name=f"mlpconv{block}_pool")(x)
                if dropout:
                    x = layers.Dropout(dropout, name=f"mlpconv{block}_dropout")(x)
        return x

    return body


def global_average_classifier_head(x, classes, classifier_activation):
    """A 1x1 convolution with one map per class, global average pooling, then the activation."""
    x = layers.Conv2D(classes, 1, name="classifier_conv")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Activation(classifier_activation, name="predictions")(x)


@register("nin", family="nin", paper=PAPER, dataset="imagenet")
@register("nin_cifar", family="nin", paper=PAPER, dataset="cifar")
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
    dataset="imagenet",
    dropout=0.5,
):
    """Instantiates Network in Network.

    Args:
        dataset: "imagenet" (224x224 inputs, 1000 classes by default) or "cifar" (32x32, 10 classes).
        dropout: dropout rate after each mlpconv block but the last.
        The other arguments are keras.applications'; `include_top=False` returns the last mlpconv
        block's feature maps (before the per-class 1x1 convolution).
    """
    check_choice("dataset", dataset, tuple(BLOCKS))
    check_rate("dropout", dropout)
    imagenet = dataset == "imagenet"
    return build_application(
        _nin_body(dataset, dropout),
        name=name or ("nin" if imagenet else "nin_cifar"),
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes if classes is not None else (1000 if imagenet else 10),
        classifier_activation=classifier_activation,
        default_size=224 if imagenet else 32,
        min_size=11 if imagenet else 8,
        head=global_average_classifier_head,
    )
