"""SpatialTransformer: gradients, identity, known warps against a numpy sampler, TFLite, saving, errors."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_same_after_reload, convert_builtin_tflite, run_tflite

import keras_cnns
from keras_cnns.layers import SpatialTransformer, transform_head


def fixed_localization(parameters):
    """A localization net that always outputs `parameters` (zero kernel, the parameters as bias)."""
    return keras.Sequential(
        [
            keras.layers.Flatten(),
            keras.layers.Dense(
                len(parameters), kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant(list(parameters)),
            ),
        ]
    )


def numpy_affine_sample(image, theta, out_height, out_width):
    """Independent reference: loop over output pixels, bilinear read with zeros outside."""
    height, width, channels = image.shape
    a, b, tx, c, d, ty = theta
    output = np.zeros((out_height, out_width, channels))
    for i in range(out_height):
        for j in range(out_width):
            xt = -1 + 2 * j / (out_width - 1)
            yt = -1 + 2 * i / (out_height - 1)
            x = (a * xt + b * yt + tx + 1) * (width - 1) / 2
            y = (c * xt + d * yt + ty + 1) * (height - 1) / 2
            for px in (math.floor(x), math.floor(x) + 1):
                for py in (math.floor(y), math.floor(y) + 1):
                    if 0 <= px < width and 0 <= py < height:
                        output[i, j] += (1 - abs(x - px)) * (1 - abs(y - py)) * image[py, px]
    return output


def test_identity_transform_reproduces_the_input_exactly():
    images = np.random.rand(3, 28, 28, 2).astype("float32")
    for transform in ("affine", "attention", "translation"):
        layer = SpatialTransformer(transform=transform)  # default localization starts at the identity
        np.testing.assert_array_equal(layer(images), images)
    odd_even = np.random.rand(2, 9, 12, 1).astype("float32")  # odd and even sides: whole and half-pixel centres
    inputs = keras.Input(odd_even.shape[1:])
    model = keras.Model(inputs, SpatialTransformer(localization=fixed_localization((1, 0, 0, 0, 1, 0)))(inputs))
    np.testing.assert_array_equal(model.predict(odd_even, verbose=0), odd_even)


def test_gradients_reach_the_localization_network():
    images = tf.constant(np.random.rand(2, 32, 32, 1).astype("float32"))
    layer = SpatialTransformer()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(images) * tf.random.normal((2, 32, 32, 1)))
    localization_weights = layer.localization.trainable_weights
    gradients = tape.gradient(loss, localization_weights)
    assert len(localization_weights) == 8
    assert all(g is not None for g in gradients)
    # The head's kernel and bias get non-zero gradients (the others are zero only through the zero head kernel).
    assert np.abs(gradients[-1].numpy()).sum() > 0 and np.abs(gradients[-2].numpy()).sum() > 0


def test_rotation_by_90_degrees_matches_numpy_rot90():
    image = np.zeros((1, 9, 9, 1), "float32")
    image[0, 1:4, 2, 0] = 1.0  # an asymmetric "L" pattern
    image[0, 3, 2:6, 0] = 0.5
    layer = SpatialTransformer(localization=fixed_localization((0.0, -1.0, 0.0, 1.0, 0.0, 0.0)))
    np.testing.assert_array_equal(layer(image)[0], np.rot90(image[0]))  # lands on pixel centres, so exact


def test_rotation_translation_and_output_size_match_a_numpy_sampler():
    image = np.random.rand(1, 12, 10, 2).astype("float32")
    angle = math.radians(30)
    theta = (0.9 * math.cos(angle), -math.sin(angle), 0.2, math.sin(angle), 0.9 * math.cos(angle), -0.15)
    layer = SpatialTransformer(output_size=(7, 9), localization=fixed_localization(theta))
    expected = numpy_affine_sample(image[0], theta, 7, 9)
    np.testing.assert_allclose(layer(image)[0], expected, atol=1e-5)


def test_translation_variant_shifts_by_whole_pixels():
    image = np.random.rand(1, 11, 11, 1).astype("float32")
    shift = 3  # pixels; normalized translation 2 * shift / (width - 1)
    layer = SpatialTransformer(transform="translation", localization=fixed_localization((2 * shift / 10, 0.0)))
    expected = np.zeros_like(image[0])
    expected[:, : 11 - shift] = image[0, :, shift:]
    np.testing.assert_allclose(layer(image)[0], expected, atol=1e-5)


def test_attention_variant_zooms_about_the_centre():
    image = np.random.rand(1, 9, 9, 1).astype("float32")
    layer = SpatialTransformer(transform="attention", output_size=(5, 5), localization=fixed_localization((0.5, 0, 0)))
    np.testing.assert_allclose(layer(image)[0], image[0, 2:7, 2:7], atol=1e-5)


def test_builtin_tflite_and_safe_mode_round_trip(tmp_path):
    inputs = keras.Input((28, 28, 1))
    custom = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(16, activation="tanh"), transform_head("attention")])
    warped = SpatialTransformer(output_size=(30, 32), localization=custom, transform="attention")(inputs)
    model = keras.Model(inputs, SpatialTransformer()(warped))
    # Move away from the identity so the sampler's interpolation is exercised.
    model.layers[1].localization.layers[-1].bias.assign([0.8, 0.1, -0.2])
    images = np.random.rand(2, 28, 28, 1).astype("float32")
    reloaded = assert_same_after_reload(model, tmp_path, images)
    assert reloaded.layers[1].localization.count_params() == custom.count_params()
    outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    assert "GATHER" in ops and not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(outputs, model.predict(images, verbose=0), atol=1e-4)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="output_size"):
        SpatialTransformer(output_size=(0, 10))
    with pytest.raises(ValueError, match="output_size"):
        SpatialTransformer(output_size=(-3, 10))
    with pytest.raises(ValueError, match="transform"):
        SpatialTransformer(transform="projective")
    with pytest.raises(TypeError, match="localization"):
        SpatialTransformer(localization="cnn")
    with pytest.raises(ValueError, match=r"localization must output \(batch, 6\)"):
        SpatialTransformer(localization=fixed_localization((1.0, 0.0, 0.0, 1.0)))(np.zeros((1, 8, 8, 1)))
    built = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(6)])
    with pytest.raises(ValueError, match=r"localization must output \(batch, 2\)"):
        SpatialTransformer(localization=built, transform="translation")
    with pytest.raises(ValueError, match="transform"):
        keras_cnns.STCNN(transform="shear")


def test_st_cnn_without_transformer_is_the_same_cnn():
    with_transformer = keras_cnns.STCNN()
    plain = keras_cnns.STCNN(transform=None)
    localization = with_transformer.get_layer("spatial_transformer").localization.count_params()
    assert plain.count_params() == with_transformer.count_params() - localization
