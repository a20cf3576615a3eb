"""The data arguments of tflite/: arrays, `tf.data` sets, or a dataset name, fitted to a model's input shape."""

from __future__ import annotations

import os

import numpy as np

from keras_cnns.checks import check_int
from keras_cnns.data import check_finite, check_labels

DATASET_NAMES = ("digits",)


def fit_images(images: np.ndarray, input_shape) -> np.ndarray:
    """Resize images (n, h, w, c) to `input_shape` (bilinear) and repeat a grey channel when RGB is wanted."""
    import keras

    height, width, channels = input_shape
    if images.shape[1:3] != (height, width):
        images = keras.ops.convert_to_numpy(keras.ops.image.resize(images, (height, width)))
    if images.shape[-1] != channels and images.shape[-1] == 1:
        images = np.repeat(images, channels, axis=-1)
    return images.astype("float32")


def _named_split(name: str, split: str, input_shape, argument: str = "data"):
    """(images, labels) of a named dataset: 'digits', an IDX folder, or any source keras_cnns.data.load_dataset
    reads (a tfds name, a folder of class folders); split "train" or "holdout" (its test split)."""
    from keras_cnns import data

    if name == "digits":
        train, holdout = data.load_digits()
    elif os.path.isdir(name) and any("idx" in entry for entry in os.listdir(name)):
        train, holdout = data.load_idx_split(name)
    else:
        try:
            loaded = data.load_dataset(name, input_shape=input_shape, validation_split=0.0, preprocessing="unit")
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"{argument} must be arrays, a tf.data.Dataset, {', '.join(repr(n) for n in DATASET_NAMES)}, a folder of "
                f"IDX files or a source keras_cnns.data.load_dataset reads; got the string {name!r} ({err})"
            ) from None
        source = loaded.train if split == "train" else (loaded.test or loaded.validation)
        if source is None:
            raise ValueError(f"{argument} {name!r} has no test split to evaluate on; pass (images, labels) arrays")
        return _from_dataset(source, argument, None)
    return train if split == "train" else holdout


def _from_dataset(dataset, argument: str, limit: int | None):
    """Concatenate a tf.data set (batched or not) of images or (images, labels) pairs into arrays."""
    images, labels, count = [], [], 0
    for element in dataset.as_numpy_iterator():
        x, y = (element[0], element[1]) if isinstance(element, tuple) else (element, None)
        images.append(np.asarray(x))
        if y is not None:
            labels.append(np.asarray(y))
        count += len(images[-1]) if images[-1].ndim >= 4 else 1
        if limit is not None and count >= limit:
            break
    if not images:
        raise ValueError(f"{argument} is an empty tf.data.Dataset; it must yield images or (images, labels)")
    batched = images[0].ndim >= 4
    stack = np.concatenate if batched else np.stack
    x = stack(images)
    y = (np.concatenate if batched and labels[0].ndim >= 1 else np.stack)(labels) if labels else None
    return x, y


def resolve(data, input_shape, *, argument: str, split: str = "holdout", need_labels: bool = False,
            limit: int | None = None):
    """`(images, labels or None)` as float32 arrays whose samples have shape `input_shape`.

    `data`: an images array, an `(images, labels)` tuple of arrays, a `tf.data.Dataset` yielding either
    (batched or not), "digits" or a folder of MNIST-format IDX files (resized to `input_shape`).
    """
    import tensorflow as tf

    if limit is not None:
        check_int("limit", limit, min_value=1)
    input_shape = tuple(int(d) for d in input_shape)
    if isinstance(data, (str, os.PathLike)):
        x, y = _named_split(os.fspath(data), split, input_shape, argument)
        x = fit_images(x, input_shape)
    elif isinstance(data, tf.data.Dataset):
        x, y = _from_dataset(data, argument, limit)
    elif isinstance(data, tuple) and len(data) == 2:
        x, y = np.asarray(data[0]), np.asarray(data[1])
    elif isinstance(data, (np.ndarray, list)) or hasattr(data, "__array__"):
        x, y = np.asarray(data), None
    else:
        raise TypeError(
            f"{argument} must be a numpy array of images, an (images, labels) tuple, a tf.data.Dataset or a "
            f"dataset name such as 'digits'; got {type(data).__name__}"
        )
    if x.ndim == len(input_shape):
        x = x[None]
    if x.shape[1:] != input_shape:
        raise ValueError(
            f"{argument} holds samples of shape {x.shape[1:]}, but the model takes inputs of shape {input_shape}; "
            f"resize the images (or pass a dataset name such as 'digits', which is resized for you)"
        )
    if len(x) == 0:
        raise ValueError(f"{argument} holds no samples")
    check_finite(argument, x)
    if y is not None:
        y = check_labels(argument, np.asarray(y).reshape(-1) if np.ndim(y) > 1 and np.shape(y)[-1] == 1 else y)
    if need_labels:
        if y is None:
            raise ValueError(f"{argument} must carry labels: pass (images, labels), a tf.data set of pairs or a name")
        y = np.asarray(y).reshape(-1)
        if len(y) != len(x):
            raise ValueError(f"{argument} holds {len(x)} images but {len(y)} labels")
    if limit is not None:
        x = x[:limit]
        y = None if y is None else y[:limit]
    return x.astype("float32"), (None if y is None else y.astype("int64"))
