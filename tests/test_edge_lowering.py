"""How the efficient models lower to TFLite for XNNPACK's int8 path (issue 21), and the per-operator timer.

docs/edge_models.md has the measurements: an int8 AVERAGE_POOL_2D or a standalone int8 RELU runs on TFLite's
builtin kernels, several times slower than on XNNPACK, and made int8 ShuffleNet v1 slower than fp32.
"""

import importlib.util
import os

import keras
import numpy as np
import pytest
from helpers import assert_same_after_reload, infer

import keras_cnns
import tflite
from keras_cnns.layers import DepthwiseAveragePooling2D, SpaceToDepthConv2D, space_to_depth_geometry, window_counts

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SPEC = importlib.util.spec_from_file_location("edge_models_benchmark", os.path.join(ROOT, "benchmarks",
                                                                                    "edge_models.py"))
edge_benchmark = importlib.util.module_from_spec(SPEC)  # benchmarks/edge_models.py (it imports xnnpack_isa)
SPEC.loader.exec_module(edge_benchmark)

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


def test_dense_depthwise_lowering_keeps_the_outputs_and_changes_only_the_narrow_layers():
    """`dense_depthwise_channels=8` exports MobileNet 0.25's one 8-channel depthwise layer as a CONV_2D with a
    block-diagonal kernel (faster in int8 on XNNPACK with VNNI: docs/edge_models.md); the Keras model is untouched."""
    from tflite.export import with_dense_depthwise

    keras.utils.set_random_seed(0)
    model = keras_cnns.MobileNet(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=10)
    before = [weight.copy() for weight in model.get_weights()]
    images = np.random.default_rng(4).random((16, 32, 32, 3), dtype=np.float32)
    dense = with_dense_depthwise(model, 8)
    replaced = [layer.name for layer in dense.layers[1:]  # the input layer is named after the input tensor
                if type(model.get_layer(layer.name)) is not type(layer)]
    assert replaced == ["conv_dw_1"]  # conv_dw_2 on has 16 channels or more
    depthwise = model.get_layer("conv_dw_1").get_weights()[0][:, :, :, 0]
    kernel = dense.get_layer("conv_dw_1").get_weights()[0]
    assert kernel.shape == (3, 3, 8, 8)
    np.testing.assert_array_equal(np.einsum("hwcc->hwc", kernel), depthwise)
    assert np.count_nonzero(kernel) == np.count_nonzero(depthwise)
    np.testing.assert_allclose(infer(dense, images), infer(model, images), atol=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

    fp32 = tflite.convert(model, "none", dense_depthwise_channels=8)
    np.testing.assert_allclose(tflite.predict(fp32, images), infer(model, images), atol=1e-5)
    plain = tflite.convert(model, "int8", images, representative_samples=16)
    lowered = tflite.convert(model, "int8", images, representative_samples=16, dense_depthwise_channels=8)
    ops = {name: [row["op"] for row in tflite.op_timings(flatbuffer, threads=1, runs=1, warmup=0)]
           for name, flatbuffer in (("plain", plain), ("lowered", lowered))}
    assert ops["lowered"].count("DEPTHWISE_CONV_2D") == ops["plain"].count("DEPTHWISE_CONV_2D") - 1 == 12
    assert ops["lowered"].count("CONV_2D") == ops["plain"].count("CONV_2D") + 1
    assert len(ops["lowered"]) == len(ops["plain"])
    # Same calibrated ranges, same per-channel scales, integer sums: the outputs were identical here; at most one
    # output quantization step (1/256) apart.
    assert np.abs(tflite.predict(lowered, images) - tflite.predict(plain, images)).max() <= 1 / 256

    with pytest.raises(ValueError, match="dense_depthwise_channels must be an integer >= 1; got 0"):
        tflite.convert(model, "int8", images, dense_depthwise_channels=0)
    with pytest.raises(TypeError, match="dense_depthwise_channels"):
        tflite.convert(model, "none", dense_depthwise_channels="8")


@pytest.mark.parametrize("size, channels, kernel, strides, padding, use_bias", [
    (32, 3, 7, 2, "valid", True), (38, 3, 7, 2, "valid", False), (32, 3, 7, 2, "same", True),
    (32, 3, 3, 2, "same", True), (32, 1, 5, 2, "same", True), (32, 2, (5, 3), 2, "same", True),
    (28, 3, 4, 2, "same", True), (24, 3, 6, 3, "same", False), (32, 3, 11, 4, "same", True),
    (24, 3, 2, 2, "valid", True), (24, 3, 1, 2, "same", True),
])
def test_space_to_depth_convolution_equals_the_convolution(size, channels, kernel, strides, padding, use_bias):
    x = np.random.default_rng(0).normal(size=(2, size, size, channels)).astype("float32")
    plain = keras.layers.Conv2D(5, kernel, strides, padding, use_bias=use_bias, activation="relu",
                                bias_initializer="random_normal")
    expected = keras.ops.convert_to_numpy(plain(x))
    rearranged = SpaceToDepthConv2D.from_config(plain.get_config())
    rearranged.build(x.shape)
    rearranged.set_weights(plain.get_weights())
    assert rearranged.block_geometry(x.shape) is not None  # the rearranged path, not the fallback
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rearranged(x)), expected, atol=2e-5)


@pytest.mark.parametrize("size, kernel, strides, padding, groups", [
    (33, 7, 2, "valid", 1),  # the stride does not divide the size
    (32, 7, 1, "same", 1),  # no stride to fold
    (32, 3, (2, 1), "same", 1),  # unequal strides
    (32, 5, 2, "same", 3),  # grouped
])
def test_space_to_depth_convolution_falls_back_where_it_does_not_apply(size, kernel, strides, padding, groups):
    x = np.random.default_rng(1).normal(size=(1, size, size, 3)).astype("float32")
    plain = keras.layers.Conv2D(6, kernel, strides, padding, groups=groups)
    expected = keras.ops.convert_to_numpy(plain(x))
    rearranged = SpaceToDepthConv2D.from_config(plain.get_config())
    rearranged.build(x.shape)
    rearranged.set_weights(plain.get_weights())
    assert rearranged.block_geometry(x.shape) is None
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rearranged(x)), expected, atol=1e-6)


def test_space_to_depth_geometry_places_the_taps_on_the_blocks():
    # 7x7 stride 2 "valid": taps 0..6 fall on blocks 0..3.
    assert space_to_depth_geometry(224, 7, 2, "valid") == (0, 4)
    # "same" pads (7 - 2) // 2 = 2 before: taps -2..4 fall on blocks -1..2, which "same" on 4 block taps pads.
    assert space_to_depth_geometry(224, 7, 2, "same") == (-1, 4)
    assert space_to_depth_geometry(224, 3, 2, "same") == (0, 2)
    assert space_to_depth_geometry(224, 11, 4, "same") == (-1, 3)
    assert space_to_depth_geometry(227, 11, 4, "valid") is None  # AlexNet's 227: 4 does not divide it


def test_space_to_depth_convolution_saves_and_loads_safely(tmp_path):
    inputs = keras.Input((16, 16, 3))
    model = keras.Model(inputs, SpaceToDepthConv2D(4, 5, 2, "same", name="stem")(inputs), name="s2d")
    images = np.random.default_rng(2).random((2, 16, 16, 3), dtype=np.float32)
    reloaded = assert_same_after_reload(model, tmp_path, images)
    assert type(reloaded.get_layer("stem")) is SpaceToDepthConv2D


def test_int8_exports_rewrite_stems_as_space_to_depth_with_the_same_outputs():
    """SqueezeNet 1.0's 7x7 stride-2 stem on RGB exports, in int8 by default, as space-to-depth (RESHAPE,
    TRANSPOSE, RESHAPE) and a stride-1 CONV_2D on 12 channels; the float export and the Keras model keep the
    plain convolution, and `space_to_depth` overrides the default both ways."""
    from tflite.export import ops_in, space_to_depth_candidates, with_space_to_depth

    keras.utils.set_random_seed(0)
    model = keras_cnns.get_model("squeezenet1_0", input_shape=(64, 64, 3), classes=10)
    before = [weight.copy() for weight in model.get_weights()]
    images = np.random.default_rng(5).random((16, 64, 64, 3), dtype=np.float32)
    assert space_to_depth_candidates(model) == ["conv1"]
    # A 3x3 stride-2 stem gained nothing, and wider inputs are not padded: MobileNet has no candidate.
    assert space_to_depth_candidates(keras_cnns.MobileNet(input_shape=(32, 32, 3), alpha=0.25, weights=None,
                                                          classes=10)) == []
    rewritten = with_space_to_depth(model)
    assert [layer.name for layer in rewritten.layers if type(layer) is SpaceToDepthConv2D] == ["conv1"]
    np.testing.assert_allclose(infer(rewritten, images), infer(model, images), atol=1e-5)

    plain = tflite.convert(model, "int8", images, representative_samples=16, space_to_depth=False)
    lowered = tflite.convert(model, "int8", images, representative_samples=16)
    assert "TRANSPOSE" in ops_in(lowered) and "TRANSPOSE" not in ops_in(plain)
    rows = tflite.op_timings(lowered, threads=1, runs=1, warmup=0)
    stem = [row for row in rows if row["op"] == "CONV_2D"][0]
    assert stem["shape"] == [1, 29, 29, 96] and all(row["xnnpack"] for row in rows if row["op"] == "TRANSPOSE")
    # Integer sums in another order: at most one output quantization step (1/256) apart (identical here).
    assert np.abs(tflite.predict(lowered, images) - tflite.predict(plain, images)).max() <= 1 / 256
    assert "TRANSPOSE" not in ops_in(tflite.convert(model, "none"))
    forced = tflite.convert(model, "none", space_to_depth=True)
    assert "TRANSPOSE" in ops_in(forced)
    np.testing.assert_allclose(tflite.predict(forced, images), infer(model, images), atol=1e-5)
    assert type(model.get_layer("conv1")) is keras.layers.Conv2D
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.raises(TypeError, match="space_to_depth must be"):
        tflite.convert(model, "none", space_to_depth="yes")


def test_float_stem_keeps_the_first_convolution_float_and_the_rest_int8(tmp_path):
    """`float_stem=True`: the operators up to the first convolution stay float32 (then a QUANTIZE), every later one
    is int8, XNNPACK takes them all but the int8 SOFTMAX, no space-to-depth unless asked, and the outputs are as
    close to the Keras model's as the plain int8 file's."""
    from tflite.export import ops_in

    keras.utils.set_random_seed(0)
    model = keras_cnns.get_model("squeezenet1_0", input_shape=(64, 64, 3), classes=10, classifier_activation=None)
    images = np.random.default_rng(5).random((16, 64, 64, 3), dtype=np.float32)
    report = tflite.export(model, str(tmp_path / "stem.tflite"), "int8", images, representative_samples=16,
                           float_stem=True)
    with open(tmp_path / "stem.tflite", "rb") as handle:
        float_stem = handle.read()
    rows = tflite.op_timings(float_stem, threads=1, runs=1, warmup=0)
    assert [(row["op"], row["dtype"]) for row in rows[:2]] == [("CONV_2D", "float32"), ("QUANTIZE", "int8")]
    assert rows[0]["shape"] == [1, 29, 29, 96] and "TRANSPOSE" not in report["ops"]
    assert all(row["dtype"] in ("int8", "int32") for row in rows[2:-1]) and rows[-1]["op"] == "DEQUANTIZE"
    assert all(row["xnnpack"] for row in rows)
    with open(str(tmp_path / "stem.tflite") + ".json") as handle:
        assert '"float_stem": true' in handle.read()
    plain = tflite.convert(model, "int8", images, representative_samples=16, space_to_depth=False)
    expected = infer(model, images)
    error = np.abs(tflite.predict(float_stem, images) - expected).max()
    assert error <= 1.5 * np.abs(tflite.predict(plain, images) - expected).max()
    both = tflite.convert(model, "int8", images, representative_samples=16, float_stem=True, space_to_depth=True)
    rows = tflite.op_timings(both, threads=1, runs=1, warmup=0)
    assert [row["op"] for row in rows[:5]] == ["RESHAPE", "TRANSPOSE", "RESHAPE", "CONV_2D", "QUANTIZE"]
    assert {row["dtype"] for row in rows[:4]} == {"float32"}
    assert set(ops_in(both)) <= set(ops_in(float_stem)) | {"TRANSPOSE", "RESHAPE"}


def test_float_stem_runs_through_the_leading_convolutions_on_at_most_16_channels():
    """MobileNet 0.25: conv1 (3 channels in), conv_dw_1 and conv_pw_1 (8), conv_dw_2 and conv_pw_2 (16) stay float;
    conv_dw_3 (32) is the first int8 convolution."""
    from tflite.export import FLOAT_STEM_MAX_CHANNELS, stem_outputs

    model = keras_cnns.MobileNet(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=10)
    images = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    rows = tflite.op_timings(tflite.convert(model, "int8", images, float_stem=True), threads=1, runs=1, warmup=0)
    convolutions = [row for row in rows if row["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    assert [row["dtype"] for row in convolutions[:6]] == ["float32"] * 5 + ["int8"]
    assert all(row["dtype"] == "int8" for row in convolutions[5:])
    assert [row["op"] for row in rows].count("QUANTIZE") == 1 and FLOAT_STEM_MAX_CHANNELS == 16
    assert len(stem_outputs(tflite.convert(model, "none"))) == 5  # PADs fuse into the convolutions here


@pytest.mark.parametrize("arguments, error, message", [
    ({"quantization": "none"}, ValueError, "float_stem=True .* needs quantization='int8'.*got quantization='none'"),
    ({"int8_io": True}, ValueError, "float_stem=True .*int8_io=False.*got quantization='int8', int8_io=True"),
    ({"float_stem": "yes"}, TypeError, "float_stem must be"),
    ({"dense_only": True}, ValueError, "float_stem=True needs a model whose input feeds a convolution"),
])
def test_float_stem_refuses_what_it_cannot_do_naming_the_argument(arguments, error, message):
    arguments = {"quantization": "int8", "float_stem": True, **arguments}
    inputs = keras.Input((8, 8, 3))
    if arguments.pop("dense_only", False):
        outputs = keras.layers.Dense(4)(keras.layers.Flatten()(inputs))
    else:
        outputs = keras.layers.Conv2D(4, 3)(inputs)
    images = np.random.default_rng(0).random((4, 8, 8, 3), dtype=np.float32)
    with pytest.raises(error, match=message):
        tflite.convert(keras.Model(inputs, outputs), representative_data=images, **arguments)


def test_cli_float_stem_needs_int8_and_is_not_for_microcontrollers(tmp_path, capsys):
    from keras_cnns import cli

    def run(*options):
        return cli.main(["export", "squeezenet1_1", "--input-shape", "32x32x3", "--data", "digits",
                         "--out", str(tmp_path / "m.tflite"), "--float-stem", *options])

    assert run("--quantization", "none") == 2
    assert "--float-stem keeps the stem of an int8 export in float: it needs --quantization int8; got none" in \
        capsys.readouterr().err
    assert run("--quantization", "int8", "--target", "micro") == 2
    assert "--target micro (int8 input) cannot run" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "m.tflite")
    assert run("--quantization", "none", "int8") == 0
    assert os.path.exists(tmp_path / "m_int8.tflite") and os.path.exists(tmp_path / "m_none.tflite")
    with open(tmp_path / "m_int8.tflite.json") as handle:
        assert '"float_stem": true' in handle.read()
    with open(tmp_path / "m_none.tflite.json") as handle:
        assert '"float_stem": false' in handle.read()


def test_space_to_depth_export_runs_under_tflite_micro_with_a_resizable_batch():
    """The rewritten stem keeps the batch as the leading axis of every RESHAPE and transposes in 5-D, both of
    which TensorFlow Lite Micro needs: the default int8 file (resizable batch) runs there and agrees with LiteRT."""
    from tflite.export import ops_in

    inputs = keras.Input((16, 16, 3))
    features = keras.layers.Conv2D(4, 5, 2, "same", activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(features)))
    images = np.random.default_rng(6).random((8, 16, 16, 3), dtype=np.float32)
    flatbuffer = tflite.convert(model, "int8", images, representative_samples=8)
    assert "TRANSPOSE" in ops_in(flatbuffer)
    report = tflite.micro_report(flatbuffer, images[:4], strict=False)
    assert report["runs"], report["reason"]
    assert report["litert_max_abs_diff"] == 0.0


def test_cli_export_space_to_depth_defaults_off_for_microcontrollers(tmp_path, capsys):
    from keras_cnns import cli
    from tflite.export import ops_in

    def ops(*options):
        out = str(tmp_path / "stem.tflite")
        assert cli.main(["export", "squeezenet1_0", "--input-shape", "64x64x3", "--quantization", "int8",
                         "--data", "digits", "--out", out, *options]) == 0
        with open(out, "rb") as handle:
            return ops_in(handle.read())

    assert "TRANSPOSE" in ops()
    assert "TRANSPOSE" not in ops("--space-to-depth", "off")
    assert "TRANSPOSE" not in ops("--target", "micro")
    assert "TRANSPOSE" in ops("--target", "micro", "--space-to-depth", "on")
    capsys.readouterr()


def _op(op, output, us, shape=(1, 8, 8, 4)):
    return {"index": 0, "op": op, "output": output, "shape": list(shape), "dtype": "int8", "xnnpack": True,
            "median_us": us}


def test_moved_operators_pair_operators_and_report_only_real_moves():
    before = [_op("CONV_2D", "a", 10.0), _op("TRANSPOSE", "t", 20.0), _op("ADD", "x", 1.0), _op("RELU", "r", 8.0),
              _op("RESHAPE", "same", 5.0), _op("RESHAPE", "same", 5.0), _op("SOFTMAX", "gone", 3.0),
              _op("CONV_2D", "b", 100.0)]
    after = [_op("CONV_2D", "a", 10.5), _op("TRANSPOSE", "t", 50.0), _op("ADD", "x", 2.5), _op("RELU", "r", 4.0),
             _op("RESHAPE", "same", 5.0), _op("RESHAPE", "same", 9.0), _op("MUL", "new", 6.0),
             _op("CONV_2D", "b", 110.0)]
    moved = tflite.moved_operators(before, after)
    # Largest change in us first; CONV_2D a (+0.5 us), CONV_2D b (+10%) and ADD (+1.5 us) did not move.
    assert [(row["op"], row["output"], row["change"]) for row in moved] == [
        ("TRANSPOSE", "t", "slower"), ("MUL", "new", "added"), ("RELU", "r", "faster"), ("RESHAPE", "same", "slower"),
        ("SOFTMAX", "gone", "removed")]
    assert moved[0]["before_us"] == 20.0 and moved[0]["after_us"] == 50.0 and moved[0]["ratio"] == 2.5
    assert moved[1]["before_us"] is None and moved[1]["ratio"] is None
    assert tflite.moved_operators(before, after, min_ratio=3.0, min_us=0.0)[0]["output"] == "new"
    assert tflite.moved_operators(before, before) == []
    assert tflite.moved_operators([_op("ADD", "x", 0.0)], [_op("ADD", "x", 0.0)], min_us=0.0) == []


@pytest.mark.parametrize("arguments, error, message", [
    ({"min_ratio": 1.0}, ValueError, "min_ratio must be a number > 1.0"),
    ({"min_us": -1}, ValueError, "min_us must be a number >= 0.0"),
    ({"before": "rows"}, TypeError, "before must be"),
    ({"after": [{"op": "ADD"}]}, ValueError, r"after entries must be op_timings rows; one lacks \['median_us', "),
])
def test_moved_operators_refuse_bad_input_naming_the_argument(arguments, error, message):
    call = {"before": [_op("ADD", "x", 1.0)], "after": [_op("ADD", "x", 1.0)], **arguments}
    with pytest.raises(error, match=message):
        tflite.moved_operators(**call)


def test_edge_benchmark_compares_two_runs_operator_by_operator():
    def run(machine, transpose_us, models=("m",)):
        files = {"none": {"median_ms": 1.0, "operators": [_op("TRANSPOSE", "m/shuffle;x", 10.0)]},
                 "int8": {"median_ms": 0.5, "operators": [_op("TRANSPOSE", "m/shuffle;x", transpose_us)]}}
        return {"machine": machine, "models": {name: files for name in models}}

    lines = edge_benchmark.comparison(run("cpu A", 10.0, ("m", "old")), run("cpu B", 30.0))
    assert "The machines differ: compare ratios, not times." in lines
    assert "| m | none | 1.000 | 1.000 | (none moved) | | | | | |" in lines
    assert "| m | int8 | 0.500 | 0.500 | TRANSPOSE | `m/shuffle` | 1x8x8x4 | 10.0 | 30.0 | slower (3.00x) |" in lines
    assert lines[-1] == "In one run only: old"


XNNPACK_ISA_PROBE = """
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "benchmarks"))
import numpy as np
import xnnpack_isa
from ai_edge_litert.interpreter import Interpreter
cleared = xnnpack_isa.restrict_litert_to(sys.argv[2]) if sys.argv[2] != "native" else []
before = xnnpack_isa.xnnpack_hardware_config()
interpreter = Interpreter(model_path=sys.argv[3], num_threads=1)
interpreter.allocate_tensors()
try:
    xnnpack_isa.restrict_litert_to("avx2")
    refused = None
except RuntimeError as err:
    refused = str(err)
print(json.dumps({"cleared": cleared, "flags": xnnpack_isa.litert_isa_flags(), "before": before.hex(),
                  "after": xnnpack_isa.xnnpack_hardware_config().hex(), "refused": refused}))
"""


def test_xnnpack_isa_stand_in_changes_what_xnnpack_reads_and_only_before_it_reads(tmp_path):
    """benchmarks/xnnpack_isa.py (`edge_models.py --isa avx2`): in a fresh process, the cleared flags reach
    XNNPACK's hardware configuration (it differs from the native one); once an interpreter is allocated it
    refuses, and an unknown level is a ValueError."""
    import json
    import platform
    import shutil
    import subprocess
    import sys

    if platform.system() != "Linux" or platform.machine() != "x86_64" or shutil.which("nm") is None:
        pytest.skip("the stand-in reads LiteRT's symbols with nm on x86-64 Linux")
    inputs = keras.Input((8, 8, 3))
    path = str(tmp_path / "conv.tflite")
    with open(path, "wb") as handle:
        handle.write(tflite.convert(keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))))

    def probe(level):
        done = subprocess.run([sys.executable, "-c", XNNPACK_ISA_PROBE, ROOT, level, path], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    native, avx2 = probe("native"), probe("avx2")
    for run in (native, avx2):
        assert set(run["before"]) == {"0"} and set(run["after"]) != {"0"}  # XNNPACK read the flags at allocation
        assert "already chose its kernels" in run["refused"]
    assert native["cleared"] == [] and native["flags"]["avx2"]
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        has_avx512 = " avx512f " in cpuinfo.read()
    assert native["flags"]["avx512f"] is has_avx512 and avx2["flags"]["avx512f"] is False
    assert avx2["flags"]["avx2"] and avx2["flags"]["fma3"]  # AVX2 itself stays
    if has_avx512:
        assert "avx512f" in avx2["cleared"] and avx2["after"] != native["after"]

    with pytest.raises(ValueError, match="level must be one of 'avx2'; got 'sse'"):
        edge_benchmark.xnnpack_isa.restrict_litert_to("sse")


def test_edge_benchmark_writes_each_isa_between_its_own_markers_of_the_docs():
    """`edge_models.py --isa avx2` rewrites its own part of docs/edge_models.md, which holds both marker pairs."""
    native, avx2 = edge_benchmark.markers("native"), edge_benchmark.markers("avx2")
    assert native == ("<!-- edge_models.py:begin -->", "<!-- edge_models.py:end -->")
    assert avx2 == ("<!-- edge_models.py:avx2:begin -->", "<!-- edge_models.py:avx2:end -->")
    with open(os.path.join(ROOT, "docs", "edge_models.md"), encoding="utf-8") as handle:
        page = handle.read()
    for begin, end in (native, avx2):
        assert page.index(begin) < page.index(end)
    assert "restricted to the kernels it picks on an AVX2-only CPU" in page.split(avx2[0])[1].split(avx2[1])[0]


def test_tunings_microcontroller_export_keeps_the_plain_stem_int8_io_and_batch_1():
    from tflite.export import ops_in, tensor_dtypes
    from tuning.measure import micro_flatbuffer

    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Conv2D(4, 7, strides=2, padding="same", name="stem")(inputs)  # a space-to-depth candidate
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(outputs))
    images = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    flatbuffer = micro_flatbuffer(model, images)
    assert "TRANSPOSE" not in ops_in(flatbuffer)
    assert tensor_dtypes(flatbuffer) == (["int8"], ["int8"])
    from ai_edge_litert.interpreter import Interpreter

    assert list(Interpreter(model_content=flatbuffer).get_input_details()[0]["shape_signature"]) == [1, 32, 32, 3]
