"""GoogLeNet (Inception v1).

Reference:
- [Going Deeper with Convolutions](https://arxiv.org/abs/1409.4842) (CVPR 2015)

Table 1 of the paper: convolutions with bias and ReLU (no batch norm), local response normalization after
the first pooling and after conv2, nine inception modules, global average pooling, dropout 0.4 and the
classifier. With `aux_logits=True` (and `include_top=True`) the two auxiliary classifiers on inception
(4a) and (4d) are extra outputs "aux1_predictions" and "aux2_predictions"; the paper adds their losses
with weight 0.3 (`loss_weights(model)`), and drops them at inference.
`GoogLeNet(stage_blocks=..., width_multiplier=...)` is the design space: the number of inception modules at the
28x28, 14x14 and 7x7 grids (the paper's (2, 5, 2)) and a factor on every convolution's filters.
"""

from keras import layers

from keras_cnns.application import application_arguments, build_application, decode_predictions, preprocess_with
from keras_cnns.blocks import (Conv, Pool, check_aux_logits, dropout_head, inception_block, inception_model_name,
                               inception_width)
from keras_cnns.layers import LocalResponseNormalization
from keras_cnns.registry import Knob, Paper, Spec, register, register_builder

__all__ = ["GoogLeNet"]

PAPER = Paper("Going Deeper with Convolutions", 2014, "https://arxiv.org/abs/1409.4842")

SPECS = {
    "imagenet": Spec("googlenet", PAPER, default_size=224, min_size=32, preprocessing="tf", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=10, length=3),
        Knob("width_multiplier", "float", low=0.125, high=2.0, default=1.0),
    )),
}

AUXILIARY_LOSS_WEIGHT = 0.3
AUXILIARY_OUTPUTS = ("aux1_predictions", "aux2_predictions")

# Table 1 by grid (28x28, 14x14, 7x7; a 3x3/2 max pooling between them):
# #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
STAGES = (
    ("3", ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64))),
    ("4", ((192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
           (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128))),
    ("5", ((256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128))),
)
PAPER_STAGE_BLOCKS = tuple(len(rows) for _, rows in STAGES)
AUXILIARY_TAP_INDICES = (0, 3)  # the auxiliary classifiers sit on modules 4a and 4d of the 14x14 stage


def preprocess_input(x, data_format=None):
    """Inception preprocessing (keras.applications' mode "tf"): pixels scaled from [0, 255] to [-1, 1]."""
    return preprocess_with(SPECS["imagenet"], x, data_format)


def loss_weights(model):
    """The paper's loss weights by output name: 1 for the main classifier, 0.3 for each auxiliary one."""
    return {name: AUXILIARY_LOSS_WEIGHT if name in AUXILIARY_OUTPUTS else 1.0 for name in model.output_names}


def conv_relu(x, filters, kernel_size, strides=1, padding="same", name=None):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, activation="relu", name=name)(x)


def inception_module(x, name, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_projection, width_multiplier=1.0):
    """Figure 2(b): 1x1, 1x1->3x3, 1x1->5x5 and 3x3 max pool->1x1 branches, concatenated."""
    return inception_block(x, [
        [Conv(n1x1, 1)],
        [Conv(n3x3_reduce, 1), Conv(n3x3, 3)],
        [Conv(n5x5_reduce, 1), Conv(n5x5, 5)],
        [Pool("max"), Conv(pool_projection, 1)],
    ], f"inception_{name}", conv=conv_relu, width_multiplier=width_multiplier)


def auxiliary_classifier(x, classes, classifier_activation, name, width_multiplier=1.0):
    """Section 5: 5x5/3 average pooling, 1x1 conv 128, FC 1024, dropout 0.7, classifier."""
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_avg_pool")(x)
    x = conv_relu(x, inception_width(128, width_multiplier), 1, name=f"{name}_conv")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)


def _pool(x, name):
    return layers.MaxPooling2D(3, strides=2, padding="same", name=name)(x)


def _googlenet_body(stage_blocks, width_multiplier, taps):
    """A stage of n modules uses Table 1's first n rows of that grid, repeating its last row past them."""

    def body(x):
        x = conv_relu(x, inception_width(64, width_multiplier), 7, strides=2, name="conv1")
        x = _pool(x, "pool1")
        x = LocalResponseNormalization(name="norm1")(x)
        x = conv_relu(x, inception_width(64, width_multiplier), 1, name="conv2_reduce")
        x = conv_relu(x, inception_width(192, width_multiplier), 3, name="conv2")
        x = LocalResponseNormalization(name="norm2")(x)
        x = _pool(x, "pool2")
        for stage_index, ((stage, rows), count) in enumerate(zip(STAGES, stage_blocks)):
            if stage_index:
                x = _pool(x, f"pool{2 + stage_index}")
            for index in range(count):
                row = rows[min(index, len(rows) - 1)]
                x = inception_module(x, f"{stage}{'abcdefghijklmnopqrstuvwxyz'[index]}", *row,
                                     width_multiplier=width_multiplier)
                if stage == "4":
                    taps.setdefault(index, x)
        return x

    return body


@register_builder("googlenet")
@register("googlenet", SPECS["imagenet"], stage_blocks=PAPER_STAGE_BLOCKS)
def GoogLeNet(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
    *,
    stage_blocks=PAPER_STAGE_BLOCKS,
    width_multiplier=1.0,
    aux_logits=False,
):
    """Instantiates GoogLeNet of any depth and width (the paper's by default).

    Args:
        stage_blocks: inception modules at the 28x28, 14x14 and 7x7 grids, 3 entries each in [1, 10] (paper
            (2, 5, 2)); a stage of n modules uses Table 1's first n rows of that grid, repeating its last row.
        width_multiplier: scales every convolution's filters (rounded to a multiple of 8), in [0.125, 2.0];
            1.0 is the paper.
        aux_logits: with `include_top=True`, also output the two auxiliary classifiers on the 14x14 stage's
            first and fourth modules (4a, 4d; its last one when it has fewer): the model then has three outputs
            "predictions", "aux1_predictions", "aux2_predictions"; inputs at least 65x65 so that their 5x5
            pooling fits the 14x14-grid features.
        The other arguments are keras.applications'; inputs are at least 32x32. `name` defaults to "googlenet"
        (with the knobs appended when they are not the paper's).
    """
    spec = SPECS["imagenet"]
    stage_blocks = spec.knob("stage_blocks").validate(stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    check_aux_logits(aux_logits, weights)
    name = name or inception_model_name("googlenet", stage_blocks, PAPER_STAGE_BLOCKS, width_multiplier)
    taps = {}

    def auxiliary_outputs():
        last = stage_blocks[1] - 1
        return [auxiliary_classifier(taps[min(index, last)], classes, classifier_activation,
                                     output[:-len("_predictions")], width_multiplier)
                for index, output in zip(AUXILIARY_TAP_INDICES, AUXILIARY_OUTPUTS)]

    return build_application(
        _googlenet_body(stage_blocks, width_multiplier, taps),
        spec=spec,
        min_size=65 if aux_logits and include_top else None,
        head=dropout_head(0.4),
        extra_outputs=auxiliary_outputs if aux_logits else None,
        **application_arguments(locals()),
    )
