"""The papers' special pieces: LeNet-5's subsampling and C3 table, LRN, grouped convolutions, VGG = keras."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import infer

import keras_cnns
from keras_cnns.layers import LENET5_C3_TABLE, LocalResponseNormalization, PartialConv2D, Subsampling, scaled_tanh


def test_scaled_tanh_maps_plus_minus_one_to_itself():
    values = keras.ops.convert_to_numpy(scaled_tanh(keras.ops.convert_to_tensor([-1.0, 0.0, 1.0])))
    np.testing.assert_allclose(values, [-1.0, 0.0, 1.0], atol=1e-4)


def test_subsampling_is_coefficient_times_window_sum_plus_bias():
    layer = Subsampling(2)
    images = np.random.rand(2, 6, 6, 3).astype("float32")
    layer.build(images.shape)
    layer.coefficient.assign([0.5, -1.0, 2.0])
    layer.bias.assign([0.1, 0.2, 0.3])
    expected = images.reshape(2, 3, 2, 3, 2, 3).sum(axis=(2, 4)) * [0.5, -1.0, 2.0] + [0.1, 0.2, 0.3]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(images)), expected, rtol=1e-5)
    assert layer.count_params() == 6


def test_c3_follows_lecun_table_one():
    layer = PartialConv2D(5, LENET5_C3_TABLE)
    images = tf.Variable(np.random.rand(1, 14, 14, 6).astype("float32"))
    layer.build(images.shape)
    assert layer.count_params() == 1_516
    for out_map, inputs in enumerate(LENET5_C3_TABLE):
        with tf.GradientTape() as tape:
            output = layer(images)[..., out_map]
        gradient = tape.gradient(output, images).numpy()
        connected = {c for c in range(6) if np.abs(gradient[..., c]).sum() > 0}
        assert connected == set(inputs), f"C3 map {out_map}"


def test_partial_conv_matches_a_masked_dense_convolution():
    table = ((0,), (0, 1), (1, 2))
    layer = PartialConv2D(3, table)
    images = np.random.rand(2, 7, 7, 3).astype("float32")
    outputs = keras.ops.convert_to_numpy(layer(images))
    kernel = np.zeros((3, 3, 3, 3), "float32")
    weights = layer.kernel.numpy()
    position = 0
    for out_map, inputs in enumerate(table):
        for in_map in inputs:
            kernel[..., in_map, out_map] = weights[..., position]
            position += 1
    expected = tf.nn.conv2d(images, kernel, 1, "VALID").numpy() + layer.bias.numpy()
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)


def test_partial_conv_rejects_a_table_beyond_the_input():
    with pytest.raises(ValueError, match="connection_table refers to input map 6"):
        PartialConv2D(5, ((0, 6),))(np.zeros((1, 10, 10, 6), "float32"))


def test_lrn_matches_the_paper_formula():
    images = np.random.rand(2, 3, 3, 9).astype("float32") * 10
    outputs = keras.ops.convert_to_numpy(LocalResponseNormalization()(images))
    k, n, alpha, beta = 2.0, 5, 1e-4, 0.75
    expected = np.empty_like(images)
    for channel in range(9):
        low, high = max(0, channel - n // 2), min(8, channel + n // 2)
        total = (images[..., low : high + 1] ** 2).sum(axis=-1)
        expected[..., channel] = images[..., channel] / (k + alpha * total) ** beta
    np.testing.assert_allclose(outputs, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="size must be odd"):
        LocalResponseNormalization(size=4)


def test_alexnet_two_streams_are_grouped_convolutions():
    model = keras_cnns.AlexNet()
    assert [model.get_layer(name).groups for name in ("conv1", "conv2", "conv3", "conv4", "conv5")] == [1, 2, 1, 2, 2]
    assert model.get_layer("conv2").kernel.shape == (5, 5, 48, 256)
    assert [tuple(model.get_layer(name).output.shape[1:]) for name in ("conv1", "pool1", "pool2", "pool5")] == [
        (55, 55, 96), (27, 27, 96), (13, 13, 256), (6, 6, 256)]
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]
    assert isinstance(model.get_layer("norm1"), LocalResponseNormalization)


def test_zfnet_feature_map_sizes_follow_figure_3():
    model = keras_cnns.ZFNet()
    sizes = [model.get_layer(name).output.shape[1] for name in ("conv1", "pool1", "conv2", "pool2", "conv5", "pool5")]
    assert sizes == [110, 55, 26, 13, 13, 6]
    assert model.get_layer("conv1").kernel_size == (7, 7) and model.get_layer("conv1").strides == (2, 2)


def test_all_cnn_replaces_pooling_by_strided_convolution():
    model = keras_cnns.AllCNNC()
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers)
    assert model.get_layer("stage1_reduction_conv").strides == (2, 2)
    assert model.get_layer("top_conv1").output.shape[1:3] == (6, 6)  # "global averaging over 6x6"
    strided = keras_cnns.StridedCNNC()
    assert strided.get_layer("stage1_conv2").strides == (2, 2)


@pytest.mark.parametrize("name", ["VGG16", "VGG19"])
def test_vgg_is_keras_applications_graph(name, tmp_path):
    ours = getattr(keras_cnns, name)()
    theirs = getattr(keras.applications, name)(weights=None)
    assert ours.count_params() == theirs.count_params() == {"VGG16": 138_357_544, "VGG19": 143_667_240}[name]
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in theirs.layers[1:]]
    for variable in theirs.weights:
        variable.assign(np.random.normal(0, 0.02, variable.shape).astype("float32"))
    for ours_layer, theirs_layer in zip(ours.layers, theirs.layers):
        ours_layer.set_weights(theirs_layer.get_weights())
    images = np.random.rand(2, 224, 224, 3).astype("float32") * 255
    np.testing.assert_allclose(infer(ours, images), infer(theirs, images), atol=1e-5)
    path = str(tmp_path / "theirs.weights.h5")
    theirs.save_weights(path)
    loaded = getattr(keras_cnns, name)(weights=path)
    np.testing.assert_allclose(infer(loaded, images), infer(theirs, images), atol=1e-5)
