"""GoogLeNet (Inception v1).

Reference:
- [Going Deeper with Convolutions](https://arxiv.org/abs/1409.4842) (CVPR 2015)

Table 1 of the paper: convolutions with bias and ReLU (no batch norm), local response normalization after
the first pooling and after conv2, nine inception modules, global average pooling, dropout 0.4 and the
classifier. With `aux_logits=True` (and `include_top=True`) the two auxiliary classifiers on inception
(4a) and (4d) are extra outputs "aux1_predictions" and "aux2_predictions"; the paper adds their losses
with weight 0.3 (`loss_weights(model)`), and drops them at inference.
"""

from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.application import build_application, decode_predictions
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.models.inception import Conv, Pool, check_aux_logits, dropout_head, inception_block
from keras_cnns.registry import Paper, register

__all__ = ["GoogLeNet"]

PAPER = Paper("Going Deeper with Convolutions", 2014, "https://arxiv.org/abs/1409.4842")

AUXILIARY_LOSS_WEIGHT = 0.3
AUXILIARY_OUTPUTS = ("aux1_predictions", "aux2_predictions")

# Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj; "pool" marks a 3x3/2 max pooling.
MODULES = (
    ("3a", 64, 96, 128, 16, 32, 32),
    ("3b", 128, 128, 192, 32, 96, 64),
    "pool",
    ("4a", 192, 96, 208, 16, 48, 64),
    ("4b", 160, 112, 224, 24, 64, 64),
    ("4c", 128, 128, 256, 24, 64, 64),
    ("4d", 112, 144, 288, 32, 64, 64),
    ("4e", 256, 160, 320, 32, 128, 128),
    "pool",
    ("5a", 256, 160, 320, 32, 128, 128),
    ("5b", 384, 192, 384, 48, 128, 128),
)
AUXILIARY_TAPS = ("4a", "4d")


def preprocess_input(x, data_format=None):
    """Inception preprocessing (keras.applications' mode "tf"): pixels scaled from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")



def loss_weights(model):
    """The paper's loss weights by output name: 1 for the main classifier, 0.3 for each auxiliary one."""
    return {name: AUXILIARY_LOSS_WEIGHT if name in AUXILIARY_OUTPUTS else 1.0 for name in model.output_names}


def conv_relu(x, filters, kernel_size, strides=1, padding="same", name=None):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, activation="relu", name=name)(x)


def inception_module(x, name, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_projection):
    """Figure 2(b): 1x1, 1x1->3x3, 1x1->5x5 and 3x3 max pool->1x1 branches, concatenated."""
    return inception_block(x, [
        [Conv(n1x1, 1)],
        [Conv(n3x3_reduce, 1), Conv(n3x3, 3)],
        [Conv(n5x5_reduce, 1), Conv(n5x5, 5)],
        [Pool("max"), Conv(pool_projection, 1)],
    ], f"inception_{name}", conv=conv_relu)


def auxiliary_classifier(x, classes, classifier_activation, name):
    """Section 5: 5x5/3 average pooling, 1x1 conv 128, FC 1024, dropout 0.7, classifier."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_avg_pool")(x)
    x = conv_relu(x, 128, 1, name=f"{name}_conv")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)


def _pool(x, name):
    return layers.MaxPooling2D(3, strides=2, padding="same", name=name)(x)


@register("googlenet", family="googlenet", paper=PAPER)
def GoogLeNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="googlenet",
    *,
    aux_logits=False,
):
    """Instantiates GoogLeNet.

    Args:
        aux_logits: with `include_top=True`, also output the two auxiliary classifiers (the model then has
            three outputs: "predictions", "aux1_predictions", "aux2_predictions"; inputs at least 65x65 so
            that their 5x5 pooling fits the 14x14-grid features).
        The other arguments are keras.applications'; inputs are at least 32x32.
    """
    check_aux_logits(aux_logits, weights)
    taps = {}

    def body(x):
        x = conv_relu(x, 64, 7, strides=2, name="conv1")
        x = _pool(x, "pool1")
        x = LocalResponseNormalization(name="norm1")(x)
        x = conv_relu(x, 64, 1, name="conv2_reduce")
        x = conv_relu(x, 192, 3, name="conv2")
        x = LocalResponseNormalization(name="norm2")(x)
        x = _pool(x, "pool2")
        pools = 0
        for module in MODULES:
            if module == "pool":
                pools += 1
                x = _pool(x, f"pool{2 + pools}")
                continue
            x = inception_module(x, *module)
            if module[0] in AUXILIARY_TAPS:
                taps[module[0]] = x
        return x

    def auxiliary_outputs():
        return [auxiliary_classifier(taps[tap], classes, classifier_activation, output[:-len("_predictions")])
                for tap, output in zip(AUXILIARY_TAPS, AUXILIARY_OUTPUTS)]

    return build_application(
        body,
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=224,
        min_size=65 if aux_logits and include_top else 32,
        head=dropout_head(0.4),
        extra_outputs=auxiliary_outputs if aux_logits else None,
    )
