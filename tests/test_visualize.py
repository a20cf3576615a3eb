"""Saliency / guided backprop / DeconvNet against hand-derived gradients, PNG grids and the CLI."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

import keras_cnns
from keras_cnns.cli import main
from keras_cnns.visualize import projections, save_projection_grid


def test_relu_rules_match_hand_derived_gradients_of_a_small_network():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, name="out")(hidden))
    images = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    results = projections(model, images, "out", feature=1)
    w1, b1 = model.get_layer("hidden").get_weights()
    w2 = model.get_layer("out").get_weights()[0][:, 1]
    active = (images @ w1 + b1) > 0
    np.testing.assert_allclose(results["saliency"], (w2 * active) @ w1.T, atol=1e-5)
    np.testing.assert_allclose(results["guided_backprop"], (w2 * active * (w2 > 0)) @ w1.T, atol=1e-5)
    np.testing.assert_allclose(results["deconvnet"], np.broadcast_to(np.maximum(w2, 0) @ w1.T, (4, 6)), atol=1e-5)


def test_zoo_model_projections_have_image_shape_and_guided_differs_from_saliency(tmp_path):
    model = keras_cnns.get_model("lenet5_modern")
    images = np.random.default_rng(1).random((2, 32, 32, 1)).astype("float32")
    results = projections(model, images, "c3")
    for method in ("saliency", "guided_backprop", "deconvnet"):
        assert results[method].shape == images.shape
        assert np.abs(results[method]).sum() > 0
    assert not np.allclose(results["guided_backprop"], results["saliency"], atol=1e-6)
    assert not np.allclose(results["deconvnet"], results["guided_backprop"], atol=1e-6)
    path = save_projection_grid(model, images, "c5", str(tmp_path / "grid.png"), feature=3)
    assert plt.imread(path).shape[0] > 100


def test_unknown_layer_and_feature_are_refused():
    model = keras_cnns.get_model("lenet5_modern")
    images = np.zeros((1, 32, 32, 1), "float32")
    with pytest.raises(ValueError, match=r"layer must name a layer of lenet5_modern; got 'c4'.*c3"):
        projections(model, images, "c4")
    with pytest.raises(ValueError, match="feature"):
        projections(model, images, "c3", feature=16)
    with pytest.raises(ValueError, match="methods"):
        projections(model, images, "c3", methods=["occlusion"])


def test_cli_writes_the_grid_for_a_keras_file_and_reports_bad_layer(tmp_path, capsys):
    model = keras_cnns.STCNN(input_shape=(28, 28, 1), filters=(4, 8))
    model_path = str(tmp_path / "st.keras")
    model.save(model_path)
    image_path = str(tmp_path / "digit.png")
    plt.imsave(image_path, np.random.default_rng(2).random((40, 40)), cmap="gray")
    out = str(tmp_path / "out" / "x.png")
    assert main(["visualize", model_path, "--layer", "conv2", "--image", image_path, "--out", out]) == 0
    assert plt.imread(out).ndim == 3
    assert main(["visualize", model_path, "--layer", "conv9", "--image", image_path, "--out", out]) == 2
    assert "layer must name a layer" in capsys.readouterr().err
