"""How the efficient models lower to TFLite for XNNPACK's int8 path (issue 21), and the per-operator timer.

docs/edge_models.md has the measurements: an int8 AVERAGE_POOL_2D or a standalone int8 RELU runs on TFLite's
builtin kernels, several times slower than on XNNPACK, and made int8 ShuffleNet v1 slower than fp32.
"""

import keras
import numpy as np
import pytest
from helpers import assert_same_after_reload, infer

import keras_cnns
import tflite
from keras_cnns.layers import DepthwiseAveragePooling2D, window_counts

SMALL_V1 = dict(width_multiplier=0.25, stage_blocks=(1, 2, 1), input_shape=(32, 32, 3), classes=10)


@pytest.mark.parametrize("size, pool, strides, padding", [
    ((8, 8), 3, 2, "same"), ((7, 9), 3, 2, "same"), ((9, 6), 2, 2, "same"), ((10, 10), 3, 1, "same"),
    ((8, 7), 3, 2, "valid"), ((6, 6), 2, 2, "valid"),
])
def test_depthwise_average_pooling_equals_average_pooling(size, pool, strides, padding):
    x = np.random.default_rng(0).normal(size=(2, *size, 5)).astype("float32")
    expected = keras.layers.AveragePooling2D(pool, strides, padding)(x)
    actual = DepthwiseAveragePooling2D(pool, strides, padding)(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(actual), keras.ops.convert_to_numpy(expected), atol=1e-6)


def test_window_counts_count_the_inputs_each_window_covers():
    # 8 positions, windows of 3 every 2 with "same": TensorFlow pads 0 before and 1 after.
    np.testing.assert_array_equal(window_counts(8, 3, 2, "same"), [3, 3, 3, 2])
    # 7 positions: 3 + 3 + 3 + 3 windows, padded 1 before and 1 after.
    np.testing.assert_array_equal(window_counts(7, 3, 2, "same"), [2, 3, 3, 2])
    np.testing.assert_array_equal(window_counts(8, 3, 2, "valid"), [3, 3, 3])


@pytest.fixture(scope="module")
def small_shufflenet_v1():
    keras.utils.set_random_seed(0)
    return keras_cnns.get_model("shufflenet_v1_g3", **SMALL_V1)


def test_strided_units_compute_what_the_paper_unit_computes(small_shufflenet_v1):
    """ReLU(concat(avgpool(x), BN(gconv2))) — the unit as the paper draws it — against the layers' outputs."""
    model = small_shufflenet_v1
    units = sorted({layer.name.rsplit("_avgpool", 1)[0] for layer in model.layers if layer.name.endswith("_avgpool")})
    assert len(units) == 3
    parts = ("avgpool", "gconv2_bn", "concat")
    tensors = [model.get_layer(f"{unit}_{part}").output for unit in units for part in parts]
    tensors += [model.get_layer(f"{unit}_avgpool").input for unit in units]
    probe = keras.Model(model.input, tensors)
    images = np.random.default_rng(1).normal(size=(4, 32, 32, 3)).astype("float32")
    outputs = [keras.ops.convert_to_numpy(value) for value in probe(images)]
    for index in range(len(units)):
        _, branch, concat = outputs[3 * index: 3 * index + 3]
        unit_input = outputs[3 * len(units) + index]
        pooled = keras.ops.convert_to_numpy(keras.layers.AveragePooling2D(3, 2, "same")(unit_input))
        paper = np.maximum(np.concatenate([pooled, branch], axis=-1), 0)
        np.testing.assert_allclose(concat, paper, atol=1e-5)


def test_shufflenet_v1_int8_runs_on_xnnpack_and_round_trips(small_shufflenet_v1, tmp_path):
    model = small_shufflenet_v1
    images = np.random.default_rng(2).random((16, 32, 32, 3), dtype=np.float32)
    int8 = tflite.convert(model, "int8", images, representative_samples=16)
    assert not {"AVERAGE_POOL_2D", "RELU"} & set(tflite.ops_in(int8))
    off_xnnpack = {row["op"] for row in tflite.op_timings(int8, threads=1, runs=1, warmup=0) if not row["xnnpack"]}
    assert off_xnnpack <= {"SOFTMAX"}  # XNNPACK has no int8 softmax; everything else stays on its integer path
    fp32 = tflite.convert(model, "none")
    np.testing.assert_allclose(tflite.predict(fp32, images), infer(model, images), atol=1e-5)
    reloaded = assert_same_after_reload(model, tmp_path, images)
    assert sum(isinstance(layer, DepthwiseAveragePooling2D) for layer in reloaded.layers) == 3


def test_op_timings_tell_which_operators_xnnpack_takes():
    """Independent fact: XNNPACK runs AVERAGE_POOL_2D in float but not in int8 (the reason for the layer above)."""
    inputs = keras.Input((8, 8, 4))
    model = keras.Model(inputs, keras.layers.AveragePooling2D(3, 2, "same")(keras.layers.Conv2D(4, 1)(inputs)))
    images = np.random.default_rng(3).random((8, 8, 8, 4), dtype=np.float32)
    graphs = {"none": ["CONV_2D", "AVERAGE_POOL_2D"], "int8": ["QUANTIZE", "CONV_2D", "AVERAGE_POOL_2D", "DEQUANTIZE"]}
    for quantization, delegated in (("none", True), ("int8", False)):
        flatbuffer = tflite.convert(model, quantization, images if quantization == "int8" else None,
                                    representative_samples=8)
        rows = tflite.op_timings(flatbuffer, threads=1, runs=2, warmup=0)
        assert [row["op"] for row in rows] == graphs[quantization]
        pool = [row for row in rows if row["op"] == "AVERAGE_POOL_2D"]
        assert len(pool) == 1 and pool[0]["xnnpack"] is delegated and pool[0]["shape"] == [1, 4, 4, 4]
        assert all(row["median_us"] > 0 for row in rows)
