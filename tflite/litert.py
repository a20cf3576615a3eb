"""Run `.tflite` files under LiteRT: accuracy, agreement with the Keras model, batch-1 latency."""

from __future__ import annotations

import os
import time

import numpy as np

from keras_cnns.checks import check_int
from keras_cnns.data import check_labels
from tflite.datasets import resolve

TFLITE_IDENTIFIER = b"TFL3"  # the flatbuffer file identifier, bytes 4..8 of every .tflite file


def cpu_model_and_flags() -> tuple[str, set[str]]:
    """This CPU's model name and feature flags as Linux lists them in /proc/cpuinfo (which kernels LiteRT's
    XNNPACK can pick: avx2, avx512_vnni, amx_int8...); elsewhere the platform's processor name and no flags."""
    import platform

    model_name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model_name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:  # not Linux
        pass
    return model_name, flags


def load_interpreter(path, num_threads: int | None = None):
    """A LiteRT interpreter with tensors allocated; a ValueError naming `path` if it is no valid .tflite file."""
    from ai_edge_litert.interpreter import Interpreter

    from tflite.export import warn_if_changed_since_export

    if isinstance(path, (bytes, bytearray)):
        content = bytes(path)
        shown = f"<{len(content)} bytes>"
    else:
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise ValueError(f"path must be an existing .tflite file; got {path!r}")
        with open(path, "rb") as stream:
            content = stream.read()
        shown = repr(path)
        warn_if_changed_since_export(path, content)
    if len(content) < 8 or content[4:8] != TFLITE_IDENTIFIER:
        raise ValueError(f"path {shown} is not a TFLite flatbuffer (no 'TFL3' identifier in its header)")
    try:
        interpreter = Interpreter(model_content=content, num_threads=num_threads)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as err:
        raise ValueError(f"path {shown} is not a valid .tflite model (truncated or corrupt?): {err}") from None
    return interpreter


def _quantize(images: np.ndarray, detail) -> np.ndarray:
    dtype = detail["dtype"]
    if np.issubdtype(dtype, np.floating):
        return images.astype(dtype)
    scale, zero_point = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(images / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantize(values: np.ndarray, detail) -> np.ndarray:
    if np.issubdtype(values.dtype, np.floating):
        return values.astype("float32")
    scale, zero_point = detail["quantization"]
    return (values.astype("float32") - zero_point) * scale


def predict(path, images, batch_size: int = 256) -> np.ndarray:
    """Float outputs of the `.tflite` model for `images` (input quantized and output dequantized as needed)."""
    check_int("batch_size", batch_size, min_value=1)
    interpreter = load_interpreter(path)
    input_detail = interpreter.get_input_details()[0]
    images, _ = resolve(images, input_detail["shape"][1:], argument="data")
    resizable = int(input_detail["shape_signature"][0]) == -1
    step = batch_size if resizable else 1
    outputs = []
    for start in range(0, len(images), step):
        batch = images[start:start + step]
        if resizable and interpreter.get_input_details()[0]["shape"][0] != len(batch):
            interpreter.resize_tensor_input(input_detail["index"], [len(batch), *input_detail["shape"][1:]])
            interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        interpreter.set_tensor(detail["index"], _quantize(batch, detail))
        interpreter.invoke()
        output_detail = interpreter.get_output_details()[0]
        outputs.append(_dequantize(interpreter.get_tensor(output_detail["index"]), output_detail))
    return np.concatenate(outputs)


def evaluate(path, data, batch_size: int = 256) -> dict:
    """Top-1 accuracy of a `.tflite` classifier under LiteRT.

    `data`: (images, labels) arrays, a tf.data set of pairs, 'digits' or an IDX folder (holdout split,
    resized to the model's input). Returns {"accuracy", "samples"}.
    """
    interpreter = load_interpreter(path)
    input_shape = interpreter.get_input_details()[0]["shape"][1:]
    images, labels = resolve(data, input_shape, argument="data", split="holdout", need_labels=True)
    classes = int(interpreter.get_output_details()[0]["shape"][-1])
    check_labels("data", labels, classes)
    outputs = predict(path, images, batch_size)
    return {"accuracy": float(np.mean(outputs.argmax(-1) == labels)), "samples": len(labels)}


def compare(model, path, data, batch_size: int = 256) -> dict:
    """The `.tflite` file against its Keras model on `data`: argmax agreement, accuracies and their delta.

    Returns {"agreement", "max_abs_diff", "keras_accuracy", "tflite_accuracy", "accuracy_delta_pp",
    "samples"}; the accuracies are None when `data` has no labels.
    """
    from tflite.export import _is_model, load_keras_model

    if isinstance(model, (str, os.PathLike)):
        model = load_keras_model(model)
    elif not _is_model(model):
        raise TypeError(f"model must be a keras.Model or a .keras file; got {type(model).__name__}")
    input_shape = tuple(model.inputs[0].shape[1:])
    tflite_shape = tuple(int(d) for d in load_interpreter(path).get_input_details()[0]["shape"][1:])
    if tflite_shape != input_shape:
        raise ValueError(f"path's model takes inputs of shape {tflite_shape}, but model takes {input_shape}")
    images, labels = resolve(data, input_shape, argument="data", split="holdout")
    keras_outputs = np.asarray(model.predict(images, batch_size=batch_size, verbose=0))
    tflite_outputs = predict(path, images, batch_size)
    report = {
        "agreement": float(np.mean(keras_outputs.argmax(-1) == tflite_outputs.argmax(-1))),
        "max_abs_diff": float(np.max(np.abs(keras_outputs - tflite_outputs))),
        "keras_accuracy": None, "tflite_accuracy": None, "accuracy_delta_pp": None, "samples": len(images),
    }
    if labels is not None:
        check_labels("data", labels, keras_outputs.shape[-1])
        report["keras_accuracy"] = float(np.mean(keras_outputs.argmax(-1) == labels))
        report["tflite_accuracy"] = float(np.mean(tflite_outputs.argmax(-1) == labels))
        report["accuracy_delta_pp"] = 100 * (report["tflite_accuracy"] - report["keras_accuracy"])
    return report


def invoke_seconds(interpreter, runs: int, warmup: int) -> list[float]:
    """Seconds of each of `runs` invocations of a ready `interpreter`, after `warmup` untimed ones."""
    for _ in range(warmup):
        interpreter.invoke()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        timings.append(time.perf_counter() - start)
    return timings


def benchmark(path, threads: int = 1, runs: int = 100, warmup: int = 10, seed: int = 0) -> dict:
    """Batch-1 latency of a `.tflite` file under LiteRT (random input), and its size.

    Returns {"path", "size_bytes", "threads", "runs", "median_ms", "p90_ms", "mean_ms", "min_ms"}; on a shared
    CPU other jobs only ever add time, so min_ms is the closest to the file's own cost.
    """
    check_int("threads", threads, min_value=1)
    check_int("runs", runs, min_value=1)
    check_int("warmup", warmup, min_value=0)
    interpreter = load_interpreter(path, num_threads=threads)
    detail = interpreter.get_input_details()[0]
    if int(detail["shape"][0]) != 1:
        interpreter.resize_tensor_input(detail["index"], [1, *detail["shape"][1:]])
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
    rng = np.random.default_rng(seed)
    interpreter.set_tensor(detail["index"], _quantize(rng.random(detail["shape"], dtype=np.float32), detail))
    timings = [1000 * seconds for seconds in invoke_seconds(interpreter, runs, warmup)]
    size = len(path) if isinstance(path, (bytes, bytearray)) else os.path.getsize(path)
    return {"path": None if isinstance(path, (bytes, bytearray)) else os.fspath(path), "size_bytes": size,
            "threads": threads, "runs": runs, "median_ms": float(np.median(timings)),
            "p90_ms": float(np.percentile(timings, 90)), "mean_ms": float(np.mean(timings)),
            "min_ms": float(np.min(timings))}


def describe_quantization(flatbuffer: bytes) -> str:
    """The quantization a `.tflite` file was exported with, read from its tensor types."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    graph = model.subgraphs[0]
    types = {flatbuffer_utils.type_to_name(tensor.type) for tensor in graph.tensors}
    input_type = flatbuffer_utils.type_to_name(graph.tensors[graph.inputs[0]].type)
    if "INT16" in types:
        return "int16x8"
    if "FLOAT16" in types:
        return "float16"
    has_quantize = any(flatbuffer_utils.opcode_to_name(model, i) == "QUANTIZE" for i in range(len(model.operatorCodes)))
    if input_type == "INT8" or has_quantize:
        return "int8"
    return "dynamic" if "INT8" in types else "none"
