"""The main job, end to end on scikit-learn's bundled digits (offline): train a zoo model, report holdout
accuracy, and save the model."""

from __future__ import annotations

import os

import keras
import numpy as np

from keras_cnns.checks import check_int, check_type
from keras_cnns.files import atomic_path
from keras_cnns.data import load_digits
from keras_cnns.registry import get_model, model_info


def _fit_to_model(images: np.ndarray, input_shape) -> np.ndarray:
    """Resize the 8x8 digits to the model's input size (bilinear) and repeat channels if it wants RGB."""
    height, width, channels = input_shape
    resized = keras.ops.convert_to_numpy(keras.ops.image.resize(images, (height, width)))
    return np.repeat(resized, channels, axis=-1) if channels != resized.shape[-1] else resized


def run_demo(model_name: str = "lenet5_modern", epochs: int = 15, out_dir: str = "runs/demo", seed: int = 0):
    check_int("epochs", epochs, min_value=1)
    check_type("out_dir", out_dir, (str, os.PathLike))
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"out_dir must be a folder; {out_dir!r} is a file")
    keras.utils.set_random_seed(seed)
    default_shape = model_info(model_name)["input_shape"]
    (x_train, y_train), (x_holdout, y_holdout) = load_digits(seed=seed)
    x_train, x_holdout = _fit_to_model(x_train, default_shape), _fit_to_model(x_holdout, default_shape)

    model = get_model(model_name, input_shape=default_shape, classes=10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"{model_name}: {model.count_params():,} parameters; digits: {len(x_train)} train, "
          f"{len(x_holdout)} holdout images resized to {default_shape}")
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1, verbose=2)
    _, accuracy = model.evaluate(x_holdout, y_holdout, verbose=0)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{model_name}.keras")
    with atomic_path(path, suffix=".keras") as temporary:
        model.save(temporary)
    print(f"holdout accuracy {accuracy:.4f} on {len(x_holdout)} digits; model saved to {path}")
    return {"accuracy": float(accuracy), "model_path": path, "model": model,
            "train_images": x_train, "holdout": (x_holdout, y_holdout)}
