"""ST-CNN: a spatial transformer in front of a small CNN.

Reference:
- [Spatial Transformer Networks](https://arxiv.org/abs/1506.02025) (NeurIPS 2015)

The transformer (`keras_cnns.layers.SpatialTransformer`, the paper's MNIST localization CNN by default) warps
the input; a small CNN (3x3 convolutions + 2x2 max pooling per stage, then a dense classifier) reads the
warped image. `transform=None` builds the same CNN without the transformer, the paper's baseline.
`stage_blocks` (convolutions per stage) and `width_multiplier` (a factor on every stage's filters) make the
classifier CNN a design space; the default is one convolution per stage at widths (32, 64, 64).
"""

import dataclasses

from keras import layers

from keras_cnns.application import application_arguments, build_application
from keras_cnns.blocks import scale_filters
from keras_cnns.checks import check_choice, check_int_sequence
from keras_cnns.layers import TRANSFORMS, SpatialTransformer
from keras_cnns.registry import Knob, Paper, Spec, register, register_builder

__all__ = ["STCNN"]

PAPER = Paper("Spatial Transformer Networks", 2015, "https://arxiv.org/abs/1506.02025")
FILTERS = (32, 64, 64)

SPECS = {
    # min_size 28: the default localization CNN (pool 2, conv 5, pool 2, conv 5) needs 28x28.
    "mnist": Spec("stn", PAPER, default_size=60, min_size=28, channels=1, preprocessing="unit", knobs=(
        Knob("stage_blocks", "int_tuple", low=1, high=4, length=len(FILTERS)),
        Knob("width_multiplier", "float", low=0.0625, high=4.0, default=1.0),
    )),
}


def _body(stage_blocks, widths, transform, transformer_output_size, localization):
    def body(x):
        if transform is not None:
            x = SpatialTransformer(
                output_size=transformer_output_size, localization=localization, transform=transform,
                name="spatial_transformer",
            )(x)
        for stage, (blocks, width) in enumerate(zip(stage_blocks, widths), start=1):
            x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{stage}")(x)
            for index in range(2, blocks + 1):
                x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{stage}_{index}")(x)
            x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
        return x

    return body


def _head(x, classes, classifier_activation):
    x = layers.Flatten(name="flatten")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


@register_builder("stn")
@register("st_cnn", SPECS["mnist"], stage_blocks=(1,) * len(FILTERS))
def STCNN(
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name="st_cnn",
    *,
    transform="affine",
    filters=FILTERS,
    stage_blocks=None,
    width_multiplier=1.0,
    transformer_output_size=None,
    localization=None,
):
    """Instantiates ST-CNN (60x60 grayscale input by default, the paper's translated-MNIST canvas).

    Args:
        transform: "affine", "attention", "translation" (see `SpatialTransformer`) or None for the plain CNN.
        filters: channels of each conv + max-pool stage of the classifier CNN (before `width_multiplier`);
            as many stages as entries.
        stage_blocks: 3x3 convolutions in each stage, one entry per stage of `filters`, each in [1, 4]
            (default one per stage).
        width_multiplier: scales every stage's filters, in [0.0625, 4.0]; 1.0 keeps `filters`.
        transformer_output_size: (height, width) the transformer samples; None keeps the input size.
        localization: a localization network for the transformer; None uses the paper's MNIST one.
        The other arguments are keras.applications'. The input size must be static (the localization
        network and the classifier flatten their features).
    """
    spec = SPECS["mnist"]
    if transform is not None:
        check_choice("transform", transform, TRANSFORMS)
    filters = check_int_sequence("filters", filters, min_value=1)
    stage_blocks_knob = dataclasses.replace(spec.knob("stage_blocks"), length=len(filters))
    stage_blocks = stage_blocks_knob.validate((1,) * len(filters) if stage_blocks is None else stage_blocks)
    width_multiplier = spec.knob("width_multiplier").validate(width_multiplier)
    widths = [scale_filters(width, width_multiplier) for width in filters]
    return build_application(
        _body(stage_blocks, widths, transform, transformer_output_size, localization),
        spec=spec,
        min_size=None if transform is not None and localization is None else 2 ** len(filters),
        head=_head,
        require_flatten=True,
        **application_arguments(locals()),
    )
