"""What a unit of a trained CNN responds to, projected back to pixel space.

- saliency: the plain gradient of the unit with respect to the input (Simonyan et al. 2014).
- guided backpropagation (Springenberg et al. 2015, "Striving for Simplicity: The All Convolutional Net"):
  ReLUs pass back only positive gradient where their input was positive.
- DeconvNet (Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks"): ReLUs pass back
  the rectified gradient whatever their input; max-pooling's gradient is the switch unpooling and a
  convolution's is the transposed ("deconvolution") filter, so the gradient *is* the DeconvNet projection.

All three are one `tf.GradientTape` gradient of a rebuilt copy of the model whose ReLUs carry a
`tf.custom_gradient`; the copy shares every other layer (and its weights) with the model.
`keras-cnns visualize MODEL --layer NAME --image IMAGE --out grid.png` writes the grid from the shell.
"""

from __future__ import annotations

import difflib
import os

import keras
import numpy as np
import tensorflow as tf

from keras_cnns.checks import check_int, check_type
from keras_cnns.files import atomic_path, load_keras_file

__all__ = ["METHODS", "projections", "save_projection_grid"]

METHODS = ("saliency", "guided_backprop", "deconvnet")


@tf.custom_gradient
def _guided_relu(x):
    def gradient(upstream):
        return upstream * tf.cast(x > 0, upstream.dtype) * tf.cast(upstream > 0, upstream.dtype)

    return tf.nn.relu(x), gradient


@tf.custom_gradient
def _deconvnet_relu(x):
    def gradient(upstream):
        return tf.nn.relu(upstream)

    return tf.nn.relu(x), gradient


RELU_RULES = {"saliency": None, "guided_backprop": _guided_relu, "deconvnet": _deconvnet_relu}


def _is_plain_relu_layer(layer):
    if isinstance(layer, keras.layers.ReLU):
        config = layer.get_config()
        return config.get("max_value") is None and not config.get("negative_slope") and not config.get("threshold")
    return isinstance(layer, keras.layers.Activation) and layer.activation is keras.activations.relu


def rebuild_with_relu_rule(model: keras.Model, relu) -> keras.Model:
    """A copy of functional `model` whose ReLUs (fused activations and ReLU layers) are `relu`."""
    if relu is None:
        return model
    copies = []

    def clone(layer):
        if isinstance(layer, keras.Model) and hasattr(layer, "_nodes_by_depth") and not isinstance(layer, keras.Sequential):
            return rebuild_with_relu_rule(layer, relu)
        if _is_plain_relu_layer(layer):
            return keras.layers.Activation(relu, name=layer.name)
        if getattr(layer, "activation", None) is keras.activations.relu:
            copy = layer.__class__.from_config(layer.get_config())
            copy.activation = relu
            copies.append((layer, copy))
            return copy
        return layer

    rebuilt = keras.models.clone_model(model, clone_function=clone)
    for original, copy in copies:
        copy.set_weights(original.get_weights())
    return rebuilt


def _layer_output(model, layer):
    check_type("layer", layer, str)
    names = [item.name for item in model.layers]
    if layer not in names:
        near = difflib.get_close_matches(layer, names, n=5, cutoff=0.4) or names[-8:]
        raise ValueError(f"layer must name a layer of {model.name}; got {layer!r}; near names: {', '.join(near)}")
    return model.get_layer(layer).output


def _unit_activation(outputs, feature):
    """Per image: the feature map's strongest activation (conv layer) or the unit's value (dense layer)."""
    if len(outputs.shape) == 4:
        return tf.reduce_max(outputs[..., feature], axis=(1, 2))
    return outputs[:, feature]


def projections(model: keras.Model, images, layer: str, feature: int | None = None, methods=METHODS) -> dict:
    """Project `feature` of `layer` back to the input for each image, by each of `methods`.

    Args:
        model: a functional Keras model.
        images: array (batch, *model input shape).
        layer: name of the layer whose unit is projected.
        feature: channel (conv layer) or unit (dense layer); None takes, per image, the channel with the
            strongest activation, as Zeiler & Fergus do.
        methods: any of "saliency", "guided_backprop", "deconvnet".

    Returns {method: gradient array with the images' shape}.
    """
    check_type("model", model, keras.Model)
    for method in methods:
        if method not in RELU_RULES:
            raise ValueError(f"methods must hold names from {METHODS}; got {method!r}")
    images = np.asarray(images, dtype="float32")
    expected = tuple(model.inputs[0].shape[1:])
    if images.ndim != len(expected) + 1 or any(e is not None and e != d for e, d in zip(expected, images.shape[1:])):
        raise ValueError(f"images must have shape (batch, {', '.join(map(str, expected))}); got {images.shape}")
    truncated = keras.Model(model.input, _layer_output(model, layer))
    activations = truncated(images)
    channels = int(activations.shape[-1])
    if feature is None:
        flat = tf.reshape(activations, (len(images), -1, channels))
        chosen = tf.argmax(tf.reduce_max(flat, axis=1), axis=-1, output_type=tf.int32)
    else:
        chosen = tf.fill((len(images),), check_int("feature", feature, min_value=0, max_value=channels - 1))
    results = {}
    inputs = tf.constant(images)
    for method in methods:
        # Rebuild the truncated model: a layer shared with the original graph has its first output there.
        target = rebuild_with_relu_rule(truncated, RELU_RULES[method])
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = target(inputs)
            selected = tf.gather(tf.reshape(outputs, (len(images), -1, channels)), chosen, axis=2, batch_dims=1)
            objective = tf.reduce_sum(tf.reduce_max(selected, axis=1))
        results[method] = tape.gradient(objective, inputs).numpy()
    return results


def _displayable(gradient, method):
    if method == "saliency":
        heat = np.abs(gradient).max(axis=-1)
        return heat / (heat.max() + 1e-12), "inferno"
    centred = gradient - gradient.mean()
    scaled = 0.5 + centred / (2 * (np.abs(centred).max() + 1e-12))
    return (scaled[..., 0], "gray") if scaled.shape[-1] == 1 else (scaled[..., :3], None)


def save_projection_grid(model, images, layer, out, feature=None, methods=METHODS) -> str:
    """Write a PNG grid: one row per image, its input then each method's projection. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"images must be a batch of images (batch, height, width, channels); got {images.shape}")
    results = projections(model, images, layer, feature=feature, methods=methods)
    columns = ["input", *methods]
    figure, axes = plt.subplots(len(images), len(columns), figsize=(2.2 * len(columns), 2.2 * len(images)), squeeze=False)
    for row, image in enumerate(images):
        low, high = image.min(), image.max()
        shown = (image - low) / (high - low + 1e-12)
        axes[row, 0].imshow(shown[..., 0] if image.shape[-1] == 1 else shown[..., :3], cmap="gray")
        for column, method in enumerate(methods, start=1):
            picture, colormap = _displayable(results[method][row], method)
            axes[row, column].imshow(picture, cmap=colormap)
    for column, title in enumerate(columns):
        axes[0, column].set_title(title.replace("_", " "), fontsize=9)
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(f"{model.name}: layer {layer}" + ("" if feature is None else f", feature {feature}"), fontsize=9)
    figure.tight_layout()
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    with atomic_path(out) as temporary:
        figure.savefig(temporary, dpi=100, format=os.path.splitext(out)[1][1:] or "png")
    plt.close(figure)
    return out


def load_model_argument(model: str) -> keras.Model:
    """A .keras file (loaded with safe_mode=True) or a registered model name (built with random weights)."""
    if model.endswith(".keras"):
        if not os.path.isfile(model):
            raise ValueError(f"MODEL must be a registered model name or an existing .keras file; got {model!r}")
        return load_keras_file(model, "MODEL")
    from keras_cnns import get_model

    return get_model(model)


def load_image(path: str, input_shape) -> np.ndarray:
    """An image file (PNG/JPEG via matplotlib, or .npy) as float32 in [0, 1] resized to `input_shape`."""
    import matplotlib.image

    if not os.path.isfile(path):
        raise ValueError(f"image must be an existing image file (.png, .jpg or .npy); got {path!r}")
    try:
        image = np.load(path) if path.endswith(".npy") else matplotlib.image.imread(path)
        image = np.asarray(image, dtype="float32")
    except Exception as err:  # Pillow and numpy raise many types for a file that is no image
        raise ValueError(f"image {path!r} cannot be read as an image ({type(err).__name__}: {err})") from None
    if image.ndim not in (2, 3) or not np.all(np.isfinite(image)):
        raise ValueError(f"image {path!r} must hold a finite (height, width[, channels]) image; got shape "
                         f"{image.shape}")
    if image.max() > 1.0:
        image = image / 255.0
    if image.ndim == 2:
        image = image[..., None]
    image = image[..., :3]
    height, width, channels = input_shape
    if channels == 1 and image.shape[-1] != 1:
        image = image.mean(axis=-1, keepdims=True)
    elif channels == 3 and image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return keras.ops.convert_to_numpy(keras.ops.image.resize(image, (height, width)))


def _cmd_visualize(args):
    model = load_model_argument(args.model)
    images = np.stack([load_image(path, tuple(model.inputs[0].shape[1:])) for path in args.image])
    path = save_projection_grid(model, images, args.layer, args.out, feature=args.feature, methods=args.methods)
    print(f"wrote {path}")


def add_commands(subparsers):
    parser = subparsers.add_parser(
        "visualize", help="saliency, guided backpropagation and DeconvNet projections of a layer, as a PNG grid"
    )
    parser.add_argument("model", help="a registered model name (random weights) or a .keras file")
    parser.add_argument("--layer", required=True, help="name of the layer whose feature is projected")
    parser.add_argument("--image", required=True, action="append", help="image file (.png, .jpg, .npy); repeatable")
    parser.add_argument("--feature", type=int, default=None, help="channel/unit (default: the strongest per image)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.set_defaults(run=_cmd_visualize)
