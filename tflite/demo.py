"""The main job's deployment step: export the trained model as int8 `.tflite` and check it on the holdout."""

from __future__ import annotations

import os

from tflite.export import export
from tflite.litert import compare


def deploy_int8(result: dict) -> dict:
    """`result` is `keras_cnns.demo.run_demo`'s: export int8 next to the .keras file, evaluate both on the holdout."""
    model, path = result["model"], os.path.splitext(result["model_path"])[0] + "_int8.tflite"
    report = export(model, path, "int8", representative_data=result["train_images"])
    check = compare(model, path, result["holdout"])
    keras_size = sum(w.size * w.dtype.itemsize for w in model.get_weights())
    print(f"int8 .tflite written to {path}: {report['size_bytes']:,} bytes (float32 weights: {keras_size:,} bytes); "
          f"holdout accuracy {check['tflite_accuracy']:.4f} vs Keras {check['keras_accuracy']:.4f} "
          f"({check['accuracy_delta_pp']:+.2f} pp), argmax agreement {check['agreement']:.4f}")
    return {**report, **check}
