"""What-where pooling/unpooling against numpy, and the SWWAE model's losses, semi-supervised fit and TFLite."""

import keras
import numpy as np
import pytest
from helpers import convert_builtin_tflite, run_tflite

import keras_cnns
from keras_cnns.layers import WhatWherePooling2D, WhereUnpooling2D


def numpy_hard_unpool_of_pool(x, p):
    """Keep each window's max at its first (raster order) position, zeros elsewhere."""
    b, h, w, c = x.shape
    out = np.zeros_like(x)
    for n in range(b):
        for k in range(c):
            for i in range(0, h, p):
                for j in range(0, w, p):
                    window = x[n, i : i + p, j : j + p, k]
                    r, s = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum
                    out[n, i + r, j + s, k] = window[r, s]
    return out


def numpy_soft_pool(x, p, temperature):
    b, h, w, c = x.shape
    windows = x.reshape(b, h // p, p, w // p, p, c).transpose(0, 1, 3, 5, 2, 4).reshape(b, h // p, w // p, c, p * p)
    weights = np.exp((windows - windows.max(-1, keepdims=True)) / temperature)
    weights /= weights.sum(-1, keepdims=True)
    what = (weights * windows).sum(-1)
    where = weights.reshape(b, h // p, w // p, c, p, p).transpose(0, 1, 4, 2, 5, 3).reshape(b, h, w, c)
    return what, where


@pytest.mark.parametrize("pool_size", [2, 3])
def test_hard_unpool_of_pool_matches_numpy_with_ties(pool_size):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(2, 6 * pool_size // 2 * 2, 6, 3)).astype("float32")  # many ties
    x = x[:, : (x.shape[1] // pool_size) * pool_size, : (6 // pool_size) * pool_size]
    what, where = WhatWherePooling2D(pool_size)(x)
    np.testing.assert_array_equal(where.numpy().reshape(-1).sum(), what.numpy().size)  # one switch per window
    np.testing.assert_array_equal(WhereUnpooling2D(pool_size)([what, where]), numpy_hard_unpool_of_pool(x, pool_size))


def test_soft_pooling_matches_numpy_softmax_and_approaches_hard_when_cold():
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 3)).astype("float32")
    what, where = WhatWherePooling2D(2, mode="soft", temperature=0.5)(x)
    expected_what, expected_where = numpy_soft_pool(x.astype("float64"), 2, 0.5)
    np.testing.assert_allclose(what, expected_what, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(where, expected_where, rtol=1e-5, atol=1e-6)
    cold_what, cold_where = WhatWherePooling2D(2, mode="soft", temperature=1e-4)(x)
    np.testing.assert_allclose(WhereUnpooling2D(2)([cold_what, cold_where]), numpy_hard_unpool_of_pool(x, 2), atol=1e-4)


def test_losses_add_up_as_the_paper_says():
    lambda_rec, lambda_m = 0.7, 0.3
    model = keras_cnns.SWWAE(input_shape=(16, 16, 1), filters=(4, 6), dense_units=8, lambda_rec=lambda_rec, lambda_m=lambda_m)
    model.compile("adam", loss=["sparse_categorical_crossentropy", None])
    images = np.random.rand(8, 16, 16, 1).astype("float32")
    labels = np.arange(8) % 10
    probe = keras.Model(model.inputs, [model.get_layer("encoder_pool1").output[0],
                                       model.get_layer("intermediate_reconstruction1").output] + model.outputs)
    stage1, stage1_reconstruction, probabilities, reconstruction = (a.astype("float64") for a in probe.predict(images, verbose=0))
    cross_entropy = -np.mean(np.log(probabilities[np.arange(8), labels]))
    expected = (cross_entropy + lambda_rec * np.mean((images - reconstruction) ** 2)
                + lambda_m * np.mean((stage1 - stage1_reconstruction) ** 2))
    assert model.evaluate(images, [labels, None], batch_size=8, verbose=0) == pytest.approx(expected, rel=1e-4)


def test_semi_supervised_fit_ignores_labels_of_unlabelled_images_and_learns_to_reconstruct():
    model = keras_cnns.SWWAE(input_shape=(16, 16, 1), filters=(8, 8), dense_units=16, lambda_m=0.1)
    model.compile(keras.optimizers.Adam(3e-3), loss=["sparse_categorical_crossentropy", None])
    rng = np.random.default_rng(0)
    images = rng.random((64, 16, 16, 1)).astype("float32")
    labels = rng.integers(0, 10, 64)
    labelled = (np.arange(64) < 16).astype("float32")
    other_labels = np.where(labelled > 0, labels, (labels + 5) % 10)
    loss = model.evaluate(images, [labels, None], sample_weight=[labelled, None], verbose=0)
    assert model.evaluate(images, [other_labels, None], sample_weight=[labelled, None], verbose=0) == pytest.approx(loss)
    unlabelled_only = model.evaluate(images, [labels, None], sample_weight=[np.zeros(64, "float32"), None], verbose=0)
    assert 0 < unlabelled_only < loss  # reconstruction terms only
    before = np.mean((model.predict(images, verbose=0)[1] - images) ** 2)
    model.fit(images, [labels, None], sample_weight=[labelled, None], epochs=8, batch_size=32, verbose=0)
    after = np.mean((model.predict(images, verbose=0)[1] - images) ** 2)
    assert after < 0.7 * before


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_encoder_and_classifier_convert_to_builtin_tflite(mode):
    model = keras_cnns.SWWAE(input_shape=(16, 16, 1), filters=(4, 8), dense_units=8, mode=mode, temperature=0.5,
                             classifier_activation=None)
    classifier = keras_cnns.swwae_classifier(model)
    images = np.random.rand(2, 16, 16, 1).astype("float32")
    outputs, ops = run_tflite(convert_builtin_tflite(classifier), images)
    assert not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(outputs, classifier.predict(images, verbose=0), rtol=1e-4, atol=1e-5)


def test_round_trip_with_safe_mode_and_upsampling_ablation(tmp_path):
    images = np.random.rand(2, 16, 16, 1).astype("float32")
    for unpooling in ("where", "upsample"):
        model = keras_cnns.SWWAE(input_shape=(16, 16, 1), filters=(4, 4), dense_units=8, mode="soft", unpooling=unpooling)
        path = tmp_path / f"swwae_{unpooling}.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
        for before, after in zip(model.predict(images, verbose=0), reloaded.predict(images, verbose=0)):
            np.testing.assert_allclose(before, after, atol=1e-6)
        assert [o.shape for o in reloaded.outputs] == [(None, 10), (None, 16, 16, 1)]
    features = keras_cnns.SWWAE(include_top=False, pooling="avg", filters=(4, 6))
    assert features.output_shape == (None, 6)


def test_bad_arguments_name_the_argument():
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="temperature"):
            keras_cnns.SWWAE(mode="soft", temperature=bad)
        with pytest.raises(ValueError, match="temperature"):
            WhatWherePooling2D(2, mode="soft", temperature=bad)
    with pytest.raises(ValueError, match="lambda_rec"):
        keras_cnns.SWWAE(lambda_rec=-0.1)
    with pytest.raises(ValueError, match="lambda_m"):
        keras_cnns.SWWAE(lambda_m=-1.0)
    with pytest.raises(ValueError, match="mode"):
        keras_cnns.SWWAE(mode="median")
    with pytest.raises(ValueError, match="unpooling"):
        keras_cnns.SWWAE(unpooling="bilinear")
    with pytest.raises(ValueError, match="input_shape"):
        WhatWherePooling2D(2)(np.zeros((1, 5, 6, 1), "float32"))
