"""ST-CNN: a spatial transformer in front of a small CNN.

Reference:
- [Spatial Transformer Networks](https://arxiv.org/abs/1506.02025) (NeurIPS 2015)

The transformer (`keras_cnns.layers.SpatialTransformer`, the paper's MNIST localization CNN by default) warps
the input; a small CNN (3x3 convolutions + 2x2 max pooling per stage, then a dense classifier) reads the
warped image. `transform=None` builds the same CNN without the transformer, the paper's baseline.
"""

from keras import layers

from keras_cnns.application import build_application
from keras_cnns.checks import check_choice, check_int_sequence
from keras_cnns.layers import TRANSFORMS, SpatialTransformer
from keras_cnns.registry import Paper, register

__all__ = ["STCNN"]

PAPER = Paper("Spatial Transformer Networks", 2015, "https://arxiv.org/abs/1506.02025")


def _body(filters, transform, transformer_output_size, localization):
    def body(x):
        if transform is not None:
            x = SpatialTransformer(
                output_size=transformer_output_size, localization=localization, transform=transform,
                name="spatial_transformer",
            )(x)
        for stage, width in enumerate(filters, start=1):
            x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{stage}")(x)
            x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
        return x

    return body


def _head(x, classes, classifier_activation):
    x = layers.Flatten(name="flatten")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


@register("st_cnn", family="stn", paper=PAPER)
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
    filters=(32, 64, 64),
    transformer_output_size=None,
    localization=None,
):
    """Instantiates ST-CNN (60x60 grayscale input by default, the paper's translated-MNIST canvas).

    Args:
        transform: "affine", "attention", "translation" (see `SpatialTransformer`) or None for the plain CNN.
        filters: channels of each conv + max-pool stage of the classifier CNN.
        transformer_output_size: (height, width) the transformer samples; None keeps the input size.
        localization: a localization network for the transformer; None uses the paper's MNIST one.
        The other arguments are keras.applications'. The input size must be static (the localization
        network and the classifier flatten their features).
    """
    if transform is not None:
        check_choice("transform", transform, TRANSFORMS)
    filters = check_int_sequence("filters", filters, min_value=1)
    return build_application(
        _body(filters, transform, transformer_output_size, localization),
        name=name,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        default_size=60,
        # The default localization CNN (pool 2, conv 5, pool 2, conv 5) needs 28x28.
        min_size=28 if transform is not None and localization is None else 2 ** len(filters),
        default_channels=1,
        head=_head,
        require_flatten=True,
    )
