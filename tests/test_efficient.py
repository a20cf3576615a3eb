"""SqueezeNet, MobileNet v1, ShuffleNet v1/v2 and their layers, against independent references.

Parameter counts, output shapes, safe_mode round trips and builtin TFLite conversion of every registered
variant run in test_models.py (references in reference_efficient.py).
"""

import os

import keras
import numpy as np
import pytest
from helpers import assert_same_after_reload, convert_builtin_tflite, infer, run_tflite, save_legacy_h5_weights
from reference_efficient import (
    SHUFFLENET_V1_MFLOPS,
    SHUFFLENET_V1_WIDTHS,
    SHUFFLENET_V2_TORCHVISION,
    shufflenet_v1_multiply_adds,
)

import keras_cnns
from keras_cnns.flops import count_multiply_adds
from keras_cnns.layers import ChannelShuffle, ChannelSplit
from keras_cnns.models import mobilenet


def numpy_channel_shuffle(x, groups):
    """Zhang et al. 2018, Sec. 3.1: reshape channels to (groups, n), transpose, flatten."""
    *leading, channels = x.shape
    return x.reshape(*leading, groups, channels // groups).swapaxes(-1, -2).reshape(x.shape)


@pytest.mark.parametrize("groups", [1, 2, 3, 4, 8])
def test_channel_shuffle_is_the_numpy_permutation(groups):
    channels = 4 * groups
    x = np.random.rand(2, 3, 5, channels).astype("float32")
    shuffled = keras.ops.convert_to_numpy(ChannelShuffle(groups)(x))
    np.testing.assert_array_equal(shuffled, numpy_channel_shuffle(x, groups))
    per_group = channels // groups
    for group in range(groups):  # channel `group * n + i` moves to `i * groups + group`
        for i in range(per_group):
            np.testing.assert_array_equal(shuffled[..., i * groups + group], x[..., group * per_group + i])


def test_channel_shuffle_on_unknown_spatial_size_and_inverse():
    inputs = keras.Input((None, None, 12))
    model = keras.Model(inputs, ChannelShuffle(3)(inputs))
    x = np.random.rand(1, 4, 6, 12).astype("float32")
    shuffled = model.predict(x, verbose=0)
    np.testing.assert_array_equal(shuffled, numpy_channel_shuffle(x, 3))
    # Shuffling with groups=3 is undone by shuffling with the channels-per-group (4) groups.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ChannelShuffle(4)(shuffled)), x)


def test_channel_split_gives_contiguous_halves():
    x = np.random.rand(2, 3, 3, 10).astype("float32")
    left, right = ChannelSplit(2)(x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(left), x[..., :5])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(right), x[..., 5:])
    assert ChannelSplit(2).compute_output_shape((None, 3, 3, 10)) == [(None, 3, 3, 5), (None, 3, 3, 5)]


def test_layers_refuse_channels_they_cannot_divide():
    with pytest.raises(ValueError, match=r"groups must divide .* groups=3 for 8 channels"):
        ChannelShuffle(3)(np.zeros((1, 2, 2, 8), "float32"))
    with pytest.raises(ValueError, match=r"num_splits must divide"):
        ChannelSplit(3)(np.zeros((1, 2, 2, 8), "float32"))
    with pytest.raises(ValueError, match=r"groups must be an integer >= 1; got 0"):
        ChannelShuffle(0)


def tflite_ops(flatbuffer):
    """The op of each node of the .tflite graph, in order, before any delegate (XNNPACK) takes them over."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_content=flatbuffer, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    interpreter.allocate_tensors()
    return [detail["op_name"] for detail in interpreter._get_ops_details()]


def _shuffle_split_model():
    inputs = keras.Input((6, 6, 12))
    left, right = ChannelSplit(2, name="split")(inputs)
    right = ChannelShuffle(3, name="shuffle")(right)
    return keras.Model(inputs, keras.layers.Concatenate()([right, left]))


def test_shuffle_and_split_convert_to_builtin_reshape_transpose_split():
    model = _shuffle_split_model()
    images = np.random.rand(3, 6, 6, 12).astype("float32")
    flatbuffer = convert_builtin_tflite(model)
    outputs, _ = run_tflite(flatbuffer, images)
    assert tflite_ops(flatbuffer) == ["SPLIT", "RESHAPE", "TRANSPOSE", "RESHAPE", "CONCATENATION"]
    expected = np.concatenate([numpy_channel_shuffle(images[..., 6:], 3), images[..., :6]], axis=-1)
    np.testing.assert_array_equal(outputs, expected)


def test_shuffle_and_split_round_trip_in_safe_mode(tmp_path):
    model = _shuffle_split_model()
    reloaded = assert_same_after_reload(model, tmp_path, np.random.rand(2, 6, 6, 12).astype("float32"), atol=0)
    assert reloaded.get_layer("shuffle").groups == 3 and reloaded.get_layer("split").num_splits == 2


def test_custom_layers_count_no_multiply_adds():
    model = _shuffle_split_model()
    assert count_multiply_adds(model) == 0


@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5, 0.25])
def test_mobilenet_is_keras_applications_mobilenet(alpha, tmp_path):
    shape = (32, 32, 3)
    reference = keras.applications.MobileNet(input_shape=shape, alpha=alpha, include_top=False, weights=None)
    for variable in reference.weights:  # keras' initial kernels; batch norm statistics made non-trivial
        if "gamma" in variable.path or "variance" in variable.path:
            variable.assign(np.random.uniform(0.5, 1.5, variable.shape))
        elif "beta" in variable.path or "mean" in variable.path:
            variable.assign(np.random.normal(0, 0.1, variable.shape))
    path = os.path.join(tmp_path, "mobilenet_keras.h5")
    save_legacy_h5_weights(reference, path)  # the layout of keras.applications' weight files
    ours = keras_cnns.MobileNet(shape, alpha, include_top=False, weights=path)
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in reference.layers[1:]]
    images = np.random.rand(2, *shape).astype("float32") * 2 - 1
    difference = np.abs(infer(ours, images) - infer(reference, images)).max()
    assert difference <= 1e-4
    default = keras.applications.MobileNet(alpha=alpha, weights=None)
    assert keras_cnns.MobileNet(alpha=alpha).count_params() == default.count_params()


def test_mobilenet_top_matches_keras_applications(tmp_path):
    shape = (64, 64, 3)
    kwargs = dict(input_shape=shape, alpha=0.5, depth_multiplier=2, dropout=0.2, classes=10)
    reference = keras.applications.MobileNet(weights=None, **kwargs)
    path = os.path.join(tmp_path, "mobilenet_top.weights.h5")
    reference.save_weights(path)
    ours = keras_cnns.MobileNet(weights=path, **kwargs)
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in reference.layers[1:]]
    assert ours.name == reference.name == "mobilenet_0.50_64"
    images = np.random.rand(2, *shape).astype("float32")
    np.testing.assert_allclose(infer(ours, images), infer(reference, images), atol=1e-5)


def test_mobilenet_keeps_keras_parameter_order():
    import inspect

    keras_parameters = list(inspect.signature(keras.applications.MobileNet).parameters)
    # keras.applications' arguments in its order; the design-space knobs follow, keyword-only.
    assert list(inspect.signature(keras_cnns.MobileNet).parameters)[: len(keras_parameters)] == keras_parameters
    assert inspect.signature(keras_cnns.MobileNet).parameters["weights"].default is None


@pytest.mark.parametrize("include_top", [False, True])
def test_mobilenet_imagenet_resolves_the_same_file_as_keras(monkeypatch, tmp_path, include_top):
    calls = []

    def fake_get_file(fname=None, origin=None, cache_subdir="datasets", file_hash=None, **kwargs):
        calls.append(dict(fname=fname, origin=origin, cache_subdir=cache_subdir, file_hash=file_hash))
        return os.path.join(tmp_path, fname)

    from keras.src.utils import file_utils

    monkeypatch.setattr(file_utils, "get_file", fake_get_file)
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    shape = (128, 128, 3)
    reference = keras.applications.MobileNet(shape, 0.25, include_top=include_top, weights=None)
    save_legacy_h5_weights(reference, os.path.join(tmp_path, "mobilenet_2_5_128_tf" + ("" if include_top else "_no_top") + ".h5"))
    keras_model = keras.applications.MobileNet(shape, 0.25, include_top=include_top, weights="imagenet")
    ours = keras_cnns.MobileNet(shape, 0.25, include_top=include_top, weights="imagenet")
    assert calls[0] == calls[1]
    images = np.random.rand(1, *shape).astype("float32")
    np.testing.assert_allclose(infer(ours, images), infer(keras_model, images), atol=1e-5)


def test_mobilenet_preprocess_input_is_tf_mode():
    pixels = np.array([[0.0, 127.5, 255.0]])
    np.testing.assert_allclose(mobilenet.preprocess_input(pixels.copy()), [[-1.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        mobilenet.preprocess_input(pixels.copy()), keras.applications.mobilenet.preprocess_input(pixels.copy())
    )


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: keras_cnns.ShuffleNetV1(groups=17), r"groups must be an integer in \[1, 16\]; got 17"),
        (lambda: keras_cnns.ShuffleNetV1(scale=3.0), r"scale must be a number in \[0.125, 2.0\]; got 3.0"),
        (lambda: keras_cnns.ShuffleNetV2(scale=3.0), r"scale must be a number in \[0.25, 2.5\]; got 3.0"),
        (lambda: keras_cnns.MobileNet(alpha=0.3, weights="imagenet"), r"alpha must be one of .*; got alpha=0.3"),
        (lambda: keras_cnns.MobileNet(depth_multiplier=2, weights="imagenet"), r"depth_multiplier must be one of 1"),
        (lambda: keras_cnns.MobileNet(alpha=0.0), r"alpha must be a number in \[0.03125, 2.0\]; got 0.0"),
        (lambda: keras_cnns.SqueezeNet(version="1.2"), r"version must be one of '1.0', '1.1'; got '1.2'"),
        (lambda: keras_cnns.SqueezeNet(bypass="full"), r"bypass must be one of None, 'simple', 'complex'"),
        (lambda: keras_cnns.SqueezeNet1_0(include_top=False, input_shape=(34, 34, 3)), r"input_shape must be at least 35x35"),
        (lambda: keras_cnns.SqueezeNet1_1(include_top=False, input_shape=(30, 30, 3)), r"input_shape must be at least 31x31"),
        (lambda: keras_cnns.MobileNet((31, 31, 3), include_top=False), r"input_shape must be at least 32x32"),
        (lambda: keras_cnns.ShuffleNetV1_G3(include_top=False, input_shape=(16, 16, 3)), r"input_shape must be at least 32x32"),
        (lambda: keras_cnns.ShuffleNetV2_x1_0(include_top=False, input_shape=(31, 40, 3)), r"input_shape must be at least 32x32"),
    ],
)
def test_bad_arguments_name_the_argument(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_squeezenet_minimum_sizes_build():
    assert keras_cnns.SqueezeNet1_0(include_top=False, input_shape=(35, 35, 3)).output_shape == (None, 1, 1, 512)
    assert keras_cnns.SqueezeNet1_1(include_top=False, input_shape=(31, 31, 3)).output_shape == (None, 1, 1, 512)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_squeezenet_bypasses_sit_where_the_paper_puts_them(version):
    def added(model):
        return sorted(layer.name for layer in model.layers if isinstance(layer, keras.layers.Add))

    kwargs = dict(include_top=False, input_shape=(64, 64, 3), version=version)
    assert added(keras_cnns.SqueezeNet(**kwargs)) == []
    assert added(keras_cnns.SqueezeNet(bypass="simple", **kwargs)) == [f"fire{i}_bypass" for i in (3, 5, 7, 9)]
    assert added(keras_cnns.SqueezeNet(bypass="complex", **kwargs)) == [f"fire{i}_bypass" for i in range(2, 10)]


@pytest.mark.parametrize("groups", sorted(SHUFFLENET_V1_WIDTHS))
def test_shufflenet_v1_multiply_adds_follow_table_1(groups):
    """The reference's Table 1 (tests/reference_efficient.py) reproduces the complexity the paper prints for each g
    (within 1.1%), and the model counts exactly the multiply-adds added up by hand from it."""
    by_hand = shufflenet_v1_multiply_adds(groups, SHUFFLENET_V1_WIDTHS[groups])
    assert by_hand == pytest.approx(SHUFFLENET_V1_MFLOPS[groups], rel=0.015)
    assert keras_cnns.model_info(f"shufflenet_v1_g{groups}")["flops"] == by_hand


@pytest.mark.parametrize("scale", ["0_5", "1_0", "1_5", "2_0"])
def test_shufflenet_v2_trainable_parameters_are_torchvision(scale):
    info = keras_cnns.model_info(f"shufflenet_v2_x{scale}")
    assert info["trainable_parameters"] == SHUFFLENET_V2_TORCHVISION[scale]


# Published multiply-adds within 2% of our count: our pooling/convolution arithmetic differs slightly
# from the papers' (e.g. ShuffleNet v2 Table 8 rounds the classifier and conv5 differently).
@pytest.mark.parametrize(
    "name, published",
    [
        ("shufflenet_v1_g4", 133e6),  # ShuffleNet v1, Table 2
        ("shufflenet_v1_g8", 137e6),
        ("shufflenet_v2_x0_5", 41e6),  # ShuffleNet v2, Table 8
        ("shufflenet_v2_x1_5", 299e6),
        ("shufflenet_v2_x2_0", 591e6),
        ("mobilenet_v1_050", 149e6),  # MobileNet, Table 6 (1.0/0.75/0.5/0.25 MobileNet-224: 569/325/149/41M)
        ("mobilenet_v1_075", 325e6),
        ("mobilenet_v1_025", 41e6),
    ],
)
def test_multiply_adds_near_published_figures(name, published):
    assert keras_cnns.model_info(name)["flops"] == pytest.approx(published, rel=0.02)


@pytest.mark.parametrize("scale, published", [(0.5, 38e6), (2.0, 524e6)])
def test_shufflenet_v1_scale_factor(scale, published):
    """ShuffleNet s x (g = 3): 0.5x 38M (Table 2), 2x 524M (Table 5) multiply-adds. (Our 0.25x counts 11.0M
    against Table 2's 13M: the paper does not say how it rounds the 0.25x widths.)"""
    model = keras_cnns.ShuffleNetV1(groups=3, scale=scale)
    assert count_multiply_adds(model) == pytest.approx(published, rel=0.02)
