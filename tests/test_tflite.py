"""tflite/: every quantization mode exported and run under LiteRT against the Keras model, the CLI, bad input."""

import os
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_cnns
import tflite
from tflite.datasets import resolve

SHAPE = (32, 32, 1)


@pytest.fixture(scope="module")
def trained_lenet():
    """lenet5_modern at 32x32 trained briefly on the digits (resized), and the holdout arrays."""
    keras.utils.set_random_seed(0)
    x_train, y_train = resolve("digits", SHAPE, argument="data", split="train")
    holdout = resolve("digits", SHAPE, argument="data", split="holdout")
    model = keras_cnns.get_model("lenet5_modern", input_shape=SHAPE, classes=10)
    model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0)
    return model, x_train, holdout


# What each mode reaches against the Keras model on the 360 holdout digits, measured over 10 trainings of the
# fixture's recipe (seeds 0-9): the largest |output difference| (softmax probabilities), the lowest argmax
# agreement and the largest |accuracy delta| (1 image = 0.28 pp). Worst measured -> bound set here:
#   none      1.2e-6, 100%,      0 pp      -> 1e-5,  100%,   0 pp   (float32 both sides; rounding only)
#   float16   1.0e-3, 100%,      0 pp      -> 2e-3,  99.7%,  0.3 pp (1 image)
#   dynamic   0.027,  99.72%,    0 pp      -> 0.035, 99.4%,  0.3 pp
#   int16x8   0.033,  99.72%,    0 pp      -> 0.045, 99.4%,  0.3 pp
#   int8      0.060,  99.44%,    0.28 pp   -> 0.075, 99.0%,  0.6 pp (2 images)
# i.e. about 1.25-2x the worst difference and one image more than the worst count.
BOUNDS = {"none": (1e-5, 1.0, 0.0), "float16": (2e-3, 0.997, 0.3), "dynamic": (0.035, 0.994, 0.3),
          "int16x8": (0.045, 0.994, 0.3), "int8": (0.075, 0.99, 0.6)}

# Types of the (activations, kernels, biases) of every convolution and dense layer, per mode. "dynamic"
# quantizes only kernels of at least 1024 weights (TFLite's threshold); LeNet's first convolution (150) and
# classifier (840) stay float32 there.
LAYER_TYPES = {"none": ("float32", "float32", "float32"), "float16": ("float32", "float16", "float32"),
               "dynamic": ("float32", "int8", "float32"), "int8": ("int8", "int8", "int32"),
               "int16x8": ("int16", "int8", "int64")}


def weighted_layers(path) -> list[dict]:
    """The CONV_2D and FULLY_CONNECTED ops of a .tflite file in graph order, read from the flatbuffer: the types of
    their input, bias and output tensors, and their kernel as stored (before any DEQUANTIZE) with its scales."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    graph = model.subgraphs[0]
    op_name = lambda op: flatbuffer_utils.opcode_to_name(model, op.opcodeIndex)  # noqa: E731
    type_of = lambda index: flatbuffer_utils.type_to_name(graph.tensors[index].type).lower()  # noqa: E731
    producer = {output: op for op in graph.operators for output in op.outputs}
    layers = []
    for op in graph.operators:
        if op_name(op) not in ("CONV_2D", "FULLY_CONNECTED"):
            continue
        activation, kernel, bias = op.inputs[:3]
        if kernel in producer and op_name(producer[kernel]) == "DEQUANTIZE":
            kernel = producer[kernel].inputs[0]
        tensor = graph.tensors[kernel]
        values = np.frombuffer(bytes(model.buffers[tensor.buffer].data), dtype=type_of(kernel)).reshape(tensor.shape)
        scales = None if tensor.quantization is None or tensor.quantization.scale is None else tensor.quantization.scale
        layers.append({"input": type_of(activation), "kernel": values, "scales": None if scales is None else
                       np.asarray(scales), "bias": type_of(bias), "output": type_of(op.outputs[0])})
    return layers


def assert_file_holds_the_kernels_of(model, path, quantization):
    """Each stored kernel is the Keras kernel (TFLite layout) in the mode's type: float32 as is, float16 rounded,
    int8 with symmetric per-output-channel scales max|w| / 127 and within half a step of the float weights."""
    keras_kernels = [layer.get_weights()[0] for layer in model.layers
                     if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    layers = weighted_layers(path)
    assert len(layers) == len(keras_kernels)
    activations, kernels, biases = LAYER_TYPES[quantization]
    for layer, kernel in zip(layers, keras_kernels):
        expected = kernel.T if kernel.ndim == 2 else kernel.transpose(3, 0, 1, 2)  # output channels first
        stored_type = "float32" if quantization == "dynamic" and kernel.size < 1024 else kernels
        assert (layer["input"], layer["kernel"].dtype.name, layer["bias"], layer["output"]) == (
            activations, stored_type, biases, activations)
        if stored_type != "int8":
            np.testing.assert_array_equal(layer["kernel"], expected.astype(stored_type))
            continue
        per_channel_max = np.abs(expected).reshape(len(expected), -1).max(axis=1)
        np.testing.assert_allclose(layer["scales"], per_channel_max / 127, rtol=1e-6)
        step = layer["scales"].reshape(-1, *[1] * (kernel.ndim - 1))
        assert np.all(np.abs(layer["kernel"] * step - expected) <= 0.5 * step * (1 + 1e-5))


@pytest.mark.parametrize("quantization", tflite.QUANTIZATIONS)
def test_each_quantization_runs_under_litert_close_to_keras(trained_lenet, quantization, tmp_path):
    from helpers import run_tflite

    model, x_train, holdout = trained_lenet
    path = str(tmp_path / f"lenet_{quantization}.tflite")
    report = tflite.export(model, path, quantization,
                           representative_data=x_train if quantization in ("int8", "int16x8") else None)
    assert os.path.getsize(path) == report["size_bytes"] > 0
    assert_file_holds_the_kernels_of(model, path, quantization)
    assert "CONV_2D" in report["ops"] and not any(op.startswith("Flex") for op in report["ops"])
    float_size = len(tflite.convert(model))
    if quantization in ("dynamic", "int8", "int16x8"):
        assert report["size_bytes"] < 0.35 * float_size  # 8-bit weights: about a quarter, plus graph overhead
    if quantization == "float16":
        assert report["size_bytes"] < 0.6 * float_size

    # The reference figures, computed here: LiteRT run image by image, Keras' own outputs, the labels.
    images, labels = holdout
    with open(path, "rb") as stream:
        tflite_outputs, _ = run_tflite(stream.read(), images)
    keras_outputs = model.predict(images, verbose=0)
    tflite_accuracy = np.mean(tflite_outputs.argmax(-1) == labels)
    keras_accuracy = np.mean(keras_outputs.argmax(-1) == labels)
    assert tflite.evaluate(path, holdout) == {"accuracy": pytest.approx(tflite_accuracy), "samples": len(labels)}
    comparison = tflite.compare(model, path, holdout)
    assert comparison == {
        "agreement": pytest.approx(np.mean(tflite_outputs.argmax(-1) == keras_outputs.argmax(-1))),
        "max_abs_diff": pytest.approx(np.abs(tflite_outputs - keras_outputs).max(), abs=1e-5),
        "keras_accuracy": pytest.approx(keras_accuracy), "tflite_accuracy": pytest.approx(tflite_accuracy),
        "accuracy_delta_pp": pytest.approx(100 * (tflite_accuracy - keras_accuracy), abs=1e-9),
        "samples": len(labels)}
    assert keras_accuracy > 0.9  # the model did learn: agreement is not between two random guessers
    max_abs_diff, min_agreement, max_delta_pp = BOUNDS[quantization]
    assert comparison["max_abs_diff"] <= max_abs_diff
    assert comparison["agreement"] >= min_agreement
    assert abs(comparison["accuracy_delta_pp"]) <= max_delta_pp


def test_int8_io_gives_integer_tensors_and_same_accuracy(trained_lenet, tmp_path):
    model, x_train, holdout = trained_lenet
    float_io = tflite.export(model, str(tmp_path / "float_io.tflite"), "int8", representative_data=x_train)
    int_io = tflite.export(model, str(tmp_path / "int_io.tflite"), "int8", representative_data=x_train, int8_io=True)
    assert float_io["input_dtypes"] == ["float32"] and int_io["input_dtypes"] == ["int8"]
    assert int_io["output_dtypes"] == ["int8"]
    # Input quantization in evaluate() must reproduce what the float-input model's QUANTIZE op does.
    comparison = tflite.compare(model, int_io["path"], holdout)
    max_abs_diff, min_agreement, _ = BOUNDS["int8"]  # measured: the same figures as the float-input file
    assert comparison["max_abs_diff"] <= max_abs_diff and comparison["agreement"] >= min_agreement
    np.testing.assert_allclose(tflite.predict(int_io["path"], holdout[0][:50]),
                               tflite.predict(float_io["path"], holdout[0][:50]), atol=0.02)


def test_per_tensor_and_stripped_files_are_smaller_and_still_run(trained_lenet, tmp_path):
    model, x_train, holdout = trained_lenet
    plain = tflite.export(model, str(tmp_path / "plain.tflite"), "int8", x_train)
    stripped = tflite.export(model, str(tmp_path / "stripped.tflite"), "int8", x_train, per_channel=False,
                             strip_metadata=True)
    assert stripped["size_bytes"] < plain["size_bytes"]
    assert [len(layer["scales"]) for layer in weighted_layers(plain["path"])] == [6, 16, 120, 84, 10]
    assert [len(layer["scales"]) for layer in weighted_layers(stripped["path"])] == [1] * 5
    # Per-tensor scales, measured over seeds 0-9: max |diff| 0.051 at worst, agreement 99.44% at worst.
    comparison = tflite.compare(model, stripped["path"], holdout)
    assert comparison["max_abs_diff"] <= 0.065 and comparison["agreement"] >= 0.99


def test_representative_data_as_dataset_and_by_name(trained_lenet, tmp_path):
    model, x_train, holdout = trained_lenet
    dataset = tf.data.Dataset.from_tensor_slices((x_train[:64], np.zeros(64, "int32"))).batch(16)
    # Calibrated on these 64 images or on "digits", measured over seeds 0-9 of the fixture's training: agreement
    # 99.44% at worst (2 images) both ways, max |diff| 0.051 (dataset) and 0.060 (digits), |accuracy delta| 0.28 pp:
    # the int8 bounds above hold.
    max_abs_diff, min_agreement, max_delta_pp = BOUNDS["int8"]
    for data in (dataset, "digits"):
        report = tflite.export(model, str(tmp_path / "x.tflite"), "int8", representative_data=data)
        comparison = tflite.compare(model, report["path"], holdout)
        assert comparison["agreement"] >= min_agreement and comparison["max_abs_diff"] <= max_abs_diff
        assert abs(comparison["accuracy_delta_pp"]) <= max_delta_pp
    assert tflite.evaluate(report["path"], "digits")["samples"] == len(holdout[1])


def test_export_is_atomic_and_a_failed_export_keeps_the_old_file(trained_lenet, tmp_path):
    model, _, _ = trained_lenet
    path = tmp_path / "model.tflite"
    tflite.export(model, str(path), "none")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="representative_data"):
        tflite.export(model, str(path), "int8")
    with pytest.raises(ValueError, match="quantization"):
        tflite.export(model, str(path), "int4")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.tflite", "model.tflite.json"]  # no temporary file left behind


def test_write_atomically_interrupted_leaves_no_partial_file(tmp_path, monkeypatch):
    import importlib

    export_module = importlib.import_module("tflite.export")  # the module, not the function tflite.export

    path = tmp_path / "model.tflite"
    path.write_bytes(b"good")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module.os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        export_module.write_atomically(str(path), b"new content")
    assert path.read_bytes() == b"good" and os.listdir(tmp_path) == ["model.tflite"]


KILLED_EXPORT_SCRIPT = """
import sys, time
import keras
import tflite

export_module = sys.modules["tflite.export"]
original = export_module.convert  # what export calls to build the flatbuffer in memory
def convert(*args, **kwargs):
    print("converting", flush=True)
    flatbuffer = original(*args, **kwargs)
    time.sleep(120)  # never reaches the write: the kill lands inside the conversion or here
    return flatbuffer
export_module.convert = convert
inputs = keras.Input((8, 8, 1))
model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(keras.layers.Conv2D(2, 3)(inputs))))
tflite.export(model, sys.argv[1], "dynamic")
"""


def test_a_killed_export_leaves_no_file_at_all(tmp_path):
    """SIGKILL of a real process during conversion: the flatbuffer is built in memory, so the target folder
    holds nothing, not even a temporary file (only the final short write goes through temp file + rename)."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "out"
    folder.mkdir()
    environment = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(tflite.__file__))),
                   "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    process = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT_SCRIPT, str(folder / "model.tflite")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
    try:
        assert process.stdout.readline().strip() == "converting"
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert os.listdir(folder) == []


@keras.saving.register_keras_serializable(package="test_tflite")
class _Determinant(keras.layers.Layer):
    def call(self, inputs):
        return tf.linalg.det(tf.reshape(inputs, (-1, 2, 2)))


def test_model_needing_select_tf_ops_is_refused_naming_the_op(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, _Determinant()(inputs))
    with pytest.raises(ValueError, match="MatrixDeterminant"):
        tflite.export(model, str(tmp_path / "det.tflite"))
    assert not os.listdir(tmp_path)


def test_bad_files_and_mismatched_data_are_refused(trained_lenet, tmp_path):
    model, _, holdout = trained_lenet
    good = tflite.export(model, str(tmp_path / "good.tflite"))["path"]
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(open(good, "rb").read()[:5000])
    not_tflite = tmp_path / "notes.tflite"
    not_tflite.write_text("this is not a model")
    for bad in (truncated, not_tflite, tmp_path / "missing.tflite"):
        with pytest.raises(ValueError, match="path"):
            tflite.evaluate(str(bad), holdout)
        with pytest.raises(ValueError, match="path"):
            tflite.benchmark(str(bad), runs=1)
    wrong_shape = (np.zeros((4, 28, 28, 1), "float32"), np.zeros(4, "int64"))
    with pytest.raises(ValueError, match=r"data holds samples of shape \(28, 28, 1\).*\(32, 32, 1\)"):
        tflite.evaluate(good, wrong_shape)
    with pytest.raises(ValueError, match="representative_data holds samples of shape"):
        tflite.export(model, str(tmp_path / "q.tflite"), "int8", representative_data=wrong_shape[0])
    with pytest.raises(ValueError, match="data must carry labels"):
        tflite.evaluate(good, holdout[0])
    with pytest.raises(ValueError, match="int8_io"):
        tflite.export(model, str(tmp_path / "q.tflite"), "dynamic", int8_io=True)
    with pytest.raises(ValueError, match="'imagenet9'"):
        tflite.evaluate(good, "imagenet9")


def test_benchmark_reports_latency_and_size(trained_lenet, tmp_path):
    model, x_train, _ = trained_lenet
    path = tflite.export(model, str(tmp_path / "int8.tflite"), "int8", x_train)["path"]
    result = tflite.benchmark(path, threads=1, runs=20)
    assert 0 < result["min_ms"] <= result["median_ms"] <= result["p90_ms"]
    assert result["size_bytes"] == os.path.getsize(path)
    with pytest.raises(ValueError, match="threads"):
        tflite.benchmark(path, threads=0)


def test_cli_export_and_bench_print_a_row_per_quantization(trained_lenet, tmp_path, capsys):
    from keras_cnns import cli

    model, _, _ = trained_lenet
    model_path = str(tmp_path / "lenet.keras")
    model.save(model_path)
    out = str(tmp_path / "lenet.tflite")
    assert cli.main(["export", model_path, "--quantization", "none", "int8", "--data", "digits", "--out", out,
                     "--evaluate"]) == 0
    printed = capsys.readouterr().out
    assert "lenet_none.tflite" in printed and "lenet_int8.tflite" in printed
    files = [str(tmp_path / f"lenet_{q}.tflite") for q in ("none", "int8")]
    assert cli.main(["bench", *files, "--runs", "5"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["none", "int8"]
    assert cli.main(["export", model_path, "--quantization", "int8", "--out", out]) == 2
    assert "representative_data" in capsys.readouterr().err


def test_demo_deploy_step_exports_int8_and_reports_accuracy(tmp_path, capsys):
    from keras_cnns.demo import run_demo
    from tflite.demo import deploy_int8

    result = run_demo(epochs=2, out_dir=str(tmp_path))
    report = deploy_int8(result)
    assert os.path.isfile(report["path"]) and report["input_dtypes"] == ["float32"]
    # Measured over run_demo seeds 0-9 (2 epochs: 75-90% accuracy, so more images sit near a tie than in a trained
    # model): agreement 98.33% at worst (6 of 360 images), max |diff| 0.030. Bounds: 9 images, 1.33x the difference.
    assert report["agreement"] >= 0.975 and report["max_abs_diff"] <= 0.04
    assert "holdout accuracy" in capsys.readouterr().out
