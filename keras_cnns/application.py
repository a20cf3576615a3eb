"""The one scaffold every image-classification builder goes through.

keras.applications repeats ~60 lines in each family module: the `weights` check, the input shape rules,
`input_tensor` handling, the top/pooling head, `get_source_inputs`, and weight file fetching. Here a family
module only describes its body (and, where the paper has one, its own classifier head); `build_application`
does the rest with keras.applications' semantics and one set of error messages.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Sequence

import keras
from keras import layers
from keras.applications import imagenet_utils

from keras_cnns.checks import check_bool, check_choice, check_int, check_type

POOLING_CHOICES = (None, "avg", "max")
# The keras.applications arguments every builder takes, in keras.applications' order.
APPLICATION_ARGUMENTS = (
    "include_top", "weights", "input_tensor", "input_shape", "pooling", "classes", "classifier_activation", "name",
)


def application_arguments(arguments: dict) -> dict:
    """The keras.applications arguments out of a builder's `locals()`, to pass on to `build_application`."""
    return {key: arguments[key] for key in APPLICATION_ARGUMENTS}


def preprocess_with(spec, x, data_format=None):
    """Scale images as `spec.preprocessing` says (keras.applications' modes, or "unit": x / 255)."""
    if spec.preprocessing == "unit":
        return keras.ops.convert_to_tensor(x, dtype="float32") / 255.0 if keras.ops.is_tensor(x) else x / 255.0
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode=spec.preprocessing)


@dataclasses.dataclass(frozen=True)
class WeightsFile:
    """A pretrained weights file as keras.applications fetches it (same name, so the same cache entry)."""

    fname: str
    origin: str
    file_hash: str


@dataclasses.dataclass(frozen=True)
class ImagenetWeights:
    top: WeightsFile
    notop: WeightsFile


# (features, classes, classifier_activation) -> predictions
Head = Callable[[keras.KerasTensor, int, object], keras.KerasTensor]


def classifier_head(x, classes, classifier_activation):
    """Global average pooling + a dense classifier: the head of ResNet, DenseNet, MobileNet, ..."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)


def decode_predictions(preds, top=5):
    """keras.applications' `decode_predictions`: the top ImageNet classes of each prediction, shared by every family."""
    return imagenet_utils.decode_predictions(preds, top=top)


def _as_size(size) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else tuple(size)


def validate_weights(weights, *, imagenet_weights: ImagenetWeights | None, model_name: str):
    if weights is None:
        return
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(
            f"weights must be None, 'imagenet' or the path to a weights file; got {weights!r} of type "
            f"{type(weights).__name__}"
        )
    if weights == "imagenet":
        if imagenet_weights is None:
            raise ValueError(
                f"weights='imagenet' is not available for {model_name} (keras.applications publishes none); "
                "use weights=None or the path to a weights file"
            )
        return
    if not os.path.isfile(weights):
        raise ValueError(
            f"weights must be None, 'imagenet' or the path to an existing weights file; got {str(weights)!r}, "
            "which does not exist"
        )


def validate_classifier_activation(classifier_activation, weights):
    """keras.applications' rule: pretrained weights come with softmax (or logits) only."""
    try:
        activation = keras.activations.get(classifier_activation)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"classifier_activation must be None, a Keras activation name or a callable; got "
            f"{classifier_activation!r}"
        ) from err
    if weights is not None and activation not in {keras.activations.get("softmax"), keras.activations.get(None)}:
        raise ValueError(
            "classifier_activation must be None or 'softmax' when loading pretrained weights with "
            f"include_top=True; got {classifier_activation!r}"
        )


def obtain_input_shape(
    input_shape,
    *,
    default_size,
    min_size,
    default_channels: int,
    require_flatten: bool,
    weights,
) -> tuple:
    """keras.applications' `obtain_input_shape`, channels-last, with errors that name the argument."""
    default_hw = _as_size(default_size)
    min_hw = _as_size(min_size)
    if input_shape is not None:
        if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
            raise TypeError(f"input_shape must be a tuple (height, width, channels); got {input_shape!r}")
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"input_shape must be a tuple of three integers (height, width, channels); got {input_shape}")
        for dim in input_shape:
            if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1):
                raise ValueError(f"input_shape must hold positive integers or None; got {input_shape}")
        if input_shape[-1] is None:
            raise ValueError(f"input_shape must give the number of channels; got {input_shape}")
    channels = input_shape[-1] if input_shape is not None and weights != "imagenet" else default_channels
    default_shape = (*default_hw, channels)

    if weights == "imagenet" and input_shape is not None and input_shape[-1] != default_channels:
        raise ValueError(
            f"input_shape must have {default_channels} channels to load weights='imagenet'; got {input_shape}"
        )
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                f"input_shape must be {default_shape} when include_top=True and weights='imagenet'; got {input_shape}"
            )
        return default_shape
    if input_shape is not None:
        height, width = input_shape[:2]
        if (height is not None and height < min_hw[0]) or (width is not None and width < min_hw[1]):
            raise ValueError(
                f"input_shape must be at least {min_hw[0]}x{min_hw[1]} for this architecture; got {input_shape}"
            )
    else:
        input_shape = default_shape if require_flatten else (None, None, default_channels)
    if require_flatten and None in input_shape:
        raise ValueError(
            f"input_shape must be static when include_top=True (the classifier needs a fixed size); got {input_shape}"
        )
    return input_shape


def _make_input(input_tensor, input_shape):
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not (keras.ops.is_tensor(input_tensor) or isinstance(input_tensor, keras.KerasTensor)):
        raise TypeError(f"input_tensor must be a Keras tensor such as keras.Input(...); got {type(input_tensor).__name__}")
    if tuple(input_tensor.shape[-1:]) != tuple(input_shape[-1:]):
        raise ValueError(
            f"input_tensor must have {input_shape[-1]} channels to match input_shape={input_shape}; "
            f"got shape {tuple(input_tensor.shape)}"
        )
    if not keras.backend.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def fetch_imagenet_weights(imagenet_weights: ImagenetWeights, include_top: bool) -> str:
    """Resolve the keras.applications file through keras' own fetching (same name and cache folder)."""
    spec = imagenet_weights.top if include_top else imagenet_weights.notop
    cache_dir = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    try:
        return keras.utils.get_file(spec.fname, spec.origin, cache_subdir="models", file_hash=spec.file_hash)
    except Exception as err:  # keras raises plain Exception on a failed download
        raise ValueError(
            f"weights='imagenet' needs {spec.fname}, which is not cached and could not be downloaded "
            f"({type(err).__name__}: {err}). Put the file from {spec.origin} at "
            f"{os.path.join(cache_dir, 'models', spec.fname)}, or pass weights=<path to the file>."
        ) from err


def load_weights(model: keras.Model, path: str):
    try:
        model.load_weights(path)
    except Exception as err:
        raise ValueError(
            f"weights file {str(path)!r} does not fit {model.name} as built (input_shape="
            f"{tuple(model.input_shape[1:])}, {model.count_params():,} parameters): {err}"
        ) from err


def build_application(
    body: Callable[[keras.KerasTensor], keras.KerasTensor],
    *,
    name: str,
    include_top: bool,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes: int,
    classifier_activation,
    spec=None,
    default_size=None,
    min_size=None,
    default_channels: int | None = None,
    head: Head = classifier_head,
    imagenet_weights: ImagenetWeights | None = None,
    extra_outputs: Callable[[], list] | None = None,
    require_flatten: bool | None = None,
) -> keras.Model:
    """Validate the keras.applications arguments, build `head(body(input))` and load weights.

    `spec` (a `keras_cnns.registry.Spec`) gives the default and minimum input size and the channels, unless
    `default_size`/`min_size`/`default_channels` are passed. `body(x) -> features` is the family's trunk. `head(features, classes, activation)` is
    its classifier (GAP + dense by default; VGG's FC stack, NiN's 1x1 conv + GAP, ...), used when
    `include_top=True`; otherwise `pooling` ("avg"/"max") reduces the features, as in keras.applications.
    `extra_outputs()` returns outputs the body made on the side (GoogLeNet's auxiliary classifiers);
    they are appended after the main output when `include_top=True`.
    """
    if spec is not None:
        default_size = spec.default_size if default_size is None else default_size
        min_size = spec.min_size if min_size is None else min_size
        default_channels = spec.channels if default_channels is None else default_channels
    default_channels = 3 if default_channels is None else default_channels
    check_type("name", name, str)
    check_bool("include_top", include_top)
    check_choice("pooling", pooling, POOLING_CHOICES)
    check_int("classes", classes, min_value=1)
    validate_weights(weights, imagenet_weights=imagenet_weights, model_name=name)
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"classes must be 1000 when include_top=True and weights='imagenet'; got {classes}")
    if include_top:
        validate_classifier_activation(classifier_activation, weights)
    if keras.config.image_data_format() != "channels_last":
        raise ValueError("keras_cnns builds channels_last models; set keras.config.set_image_data_format('channels_last')")

    input_shape = obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        default_channels=default_channels,
        require_flatten=include_top if require_flatten is None else require_flatten,
        weights=weights,
    )
    img_input = _make_input(input_tensor, input_shape)
    x = body(img_input)
    outputs = [x]
    if include_top:
        outputs = [head(x, classes, classifier_activation)]
        if extra_outputs is not None:
            outputs += list(extra_outputs())
    elif pooling == "avg":
        outputs = [layers.GlobalAveragePooling2D(name="avg_pool")(x)]
    elif pooling == "max":
        outputs = [layers.GlobalMaxPooling2D(name="max_pool")(x)]

    if input_tensor is not None:
        inputs = keras.utils.get_source_inputs(input_tensor)
    else:
        inputs = img_input
    model = keras.Model(inputs, outputs[0] if len(outputs) == 1 else outputs, name=name)

    if weights == "imagenet":
        load_weights(model, fetch_imagenet_weights(imagenet_weights, include_top))
    elif weights is not None:
        load_weights(model, os.fspath(weights))
    return model
