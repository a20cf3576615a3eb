"""SWWAE: stacked what-where auto-encoder.

Reference:
- [Stacked What-Where Auto-encoders](https://arxiv.org/abs/1506.02351) (ICLR 2016 workshop)

The encoder is a stack of conv + what-where max-pool stages feeding a classifier; the decoder goes back up,
unpooling each stage's "what" into the positions its "where" switches recorded and convolving back. One model
has two outputs, `predictions` and `reconstruction`; its losses besides the compiled classification loss are
    λ_rec * ||x - x̂||²           (input reconstruction)
    λ_M * Σ_l ||x_l - x̂_l||²     (each intermediate stage's pooled features vs their reconstruction)
added by `ReconstructionLoss` layers, so `model.fit(x, {"predictions": y}, sample_weight=...)` trains the
whole thing; unlabelled images (sample weight 0 on "predictions") contribute only reconstruction losses.
`stage_blocks` (3x3 convolutions per encoder stage, mirrored in the decoder), `width_multiplier` (a factor on
every stage's filters) and `dense_units` make it a design space; the default is one convolution per stage.
"""

import dataclasses

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_choice, check_float, check_int, check_int_sequence
from keras_cnns.layers import ReconstructionLoss, WhatWherePooling2D, WhereUnpooling2D
from keras_cnns.registry import Knob, Paper, Spec, register, register_builder

__all__ = ["SWWAE", "swwae_classifier"]

PAPER = Paper("Stacked What-Where Auto-encoders", 2015, "https://arxiv.org/abs/1506.02351")
FILTERS = (32, 64)
UNPOOLING = ("where", "upsample")

SPECS = {
    "mnist": Spec("swwae", PAPER, default_size=28, min_size=4, channels=1, preprocessing="unit", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=4, length=len(FILTERS)),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
        Knob("dense_units", "int", low=1, high=4096, default=128),
    )),
}


def _encoder(stage_blocks, widths, pool_size, mode, temperature, saved):
    def body(x):
        saved["input"] = x
        saved["stages"] = []
        for stage, (blocks, width) in enumerate(zip(stage_blocks, widths), start=1):
            x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"encoder_conv{stage}")(x)
            for index in range(2, blocks + 1):
                x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"encoder_conv{stage}_{index}")(x)
            x, where = WhatWherePooling2D(pool_size, mode=mode, temperature=temperature, name=f"encoder_pool{stage}")(x)
            saved["stages"].append((x, where))
        return x

    return body


def _decoder(saved, stage_blocks, pool_size, unpooling, lambda_rec, lambda_m):
    """Each stage unpools, runs `blocks - 1` convolutions at its encoder width, then one back to the width below."""

    def outputs():
        stages = saved["stages"]
        x = stages[-1][0]
        for stage in range(len(stages), 0, -1):
            where = stages[stage - 1][1]
            if unpooling == "where":
                x = WhereUnpooling2D(pool_size, name=f"decoder_unpool{stage}")([x, where])
            else:
                x = layers.UpSampling2D(pool_size, name=f"decoder_upsample{stage}")(x)
            for index in range(stage_blocks[stage - 1], 1, -1):
                x = layers.Conv2D(x.shape[-1], 3, padding="same", activation="relu",
                                  name=f"decoder_conv{stage}_{index}")(x)
            if stage > 1:
                target = stages[stage - 2][0]
                x = layers.Conv2D(target.shape[-1], 3, padding="same", activation="relu", name=f"decoder_conv{stage}")(x)
                x = ReconstructionLoss(lambda_m, name=f"intermediate_reconstruction{stage - 1}")([target, x])
            else:
                target = saved["input"]
                x = layers.Conv2D(target.shape[-1], 3, padding="same", name=f"decoder_conv{stage}")(x)
                x = ReconstructionLoss(lambda_rec, name="reconstruction")([target, x])
        return [x]

    return outputs


def _head(dense_units):
    def head(x, classes, classifier_activation):
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(dense_units, activation="relu", name="fc")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)

    return head


@register_builder("swwae")
@register("swwae", SPECS["mnist"], stage_blocks=(1,) * len(FILTERS))
def SWWAE(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name="swwae",
    *,
    filters=FILTERS,
    stage_blocks=None,
    width_multiplier=1.0,
    pool_size=2,
    mode="hard",
    temperature=1.0,
    lambda_rec=1.0,
    lambda_m=0.1,
    unpooling="where",
    dense_units=128,
):
    """Instantiates a SWWAE (28x28 grayscale input by default).

    With `include_top=True` the model has two outputs, `[predictions, reconstruction]` (the decoder is
    built only then); with `include_top=False` it is the encoder alone (keras.applications' semantics).

    Args:
        filters: channels of each encoder stage (conv 3x3 + what-where pooling) before `width_multiplier`;
            as many stages as entries.
        stage_blocks: 3x3 convolutions in each encoder stage (mirrored in the decoder), one entry per stage of
            `filters`, each in [1, 4] (default one per stage).
        width_multiplier: scales every stage's filters, in [0.0625, 4.0]; 1.0 keeps `filters`.
        pool_size: pooling window; the input size must be divisible by pool_size ** len(filters).
        mode: "hard" (argmax switches) or "soft" (softmax within each window, see `WhatWherePooling2D`).
        temperature: the soft form's softmax temperature, > 0.
        lambda_rec: weight of the input reconstruction loss, >= 0.
        lambda_m: weight of each intermediate reconstruction loss, >= 0.
        unpooling: "where" (unpool into the switches) or "upsample" (nearest upsampling, no switches: the
            ablation the paper compares against).
        dense_units: width of the hidden dense layer of the classifier, in [1, 4096].
        The other arguments are keras.applications'.
    """
    spec = SPECS["mnist"]
    filters = check_int_sequence("filters", filters, min_value=1)
    stage_blocks_knob = dataclasses.replace(spec.knob("stage_blocks"), length=len(filters))
    stage_blocks = stage_blocks_knob.validate((1,) * len(filters) if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    widths = [scale_filters(width, width_multiplier) for width in filters]
    pool_size = check_int("pool_size", pool_size, min_value=2)
    check_choice("mode", mode, ("hard", "soft"))
    temperature = check_float("temperature", temperature, min_value=0.0, min_inclusive=False)
    lambda_rec = check_float("lambda_rec", lambda_rec, min_value=0.0)
    lambda_m = check_float("lambda_m", lambda_m, min_value=0.0)
    check_choice("unpooling", unpooling, UNPOOLING)
    dense_units = spec.knob("dense_units").validate(dense_units)
    saved = {}
    return build_application(
        _encoder(stage_blocks, widths, pool_size, mode, temperature, saved),
        spec=spec,
        min_size=pool_size ** len(filters),
        head=_head(dense_units),
        extra_outputs=_decoder(saved, stage_blocks, pool_size, unpooling, lambda_rec, lambda_m),
        require_flatten=True,
        **application_arguments(locals()),
    )


def swwae_classifier(model):
    """The encoder + classifier of a SWWAE model (input -> predictions), sharing its weights."""
    import keras

    return keras.Model(model.inputs, model.get_layer("predictions").output, name=f"{model.name}_classifier")
