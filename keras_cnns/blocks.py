"""Blocks shared by several families. A family module imports from here, never from another family module."""

from __future__ import annotations

from keras import layers


def scale_filters(filters: int, width_multiplier: float, divisor: int = 1) -> int:
    """`filters` x `width_multiplier`, rounded to a multiple of `divisor` (never below it, nor 10% below the exact
    product: the rounding of MobileNet v2 / EfficientNet); unchanged at 1.0, so the paper presets keep their graph."""
    if width_multiplier == 1.0:
        return filters
    exact = filters * width_multiplier
    scaled = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    if scaled < 0.9 * exact:
        scaled += divisor
    return scaled


# ---------------------------------------------------------------------------------------------------------------
# Convolution blocks


# ---------------------------------------------------------------------------------------------------------------
# Classifier heads


def fully_connected_head(dropout, dropout_first=False, units=4096, names=("fc6", "fc7"), adaptive_pool=None):
    """Two fully connected ReLU layers of `units` (AlexNet's and ZFNet's FC6/FC7, VGG's fc1/fc2), then the
    classifier; dropout after each ReLU, or before each layer as in torchvision (`dropout_first=True`).

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


def global_average_classifier_head(x, classes, classifier_activation):
    """NiN's and the All-Convolutional Net's head: a 1x1 convolution with one map per class, global average
    pooling, then the activation."""
    x = layers.Conv2D(classes, 1, name="classifier_conv")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Activation(classifier_activation, name="predictions")(x)


# ---------------------------------------------------------------------------------------------------------------
# Inception branches
