"""Every registered model: parameter count, output shapes, safe_mode round trip, builtin-only TFLite."""

import keras
import numpy as np
import pytest
from helpers import (
    assert_no_lambda_layers,
    assert_same_after_reload,
    convert_builtin_tflite,
    run_tflite,
    small_input_shape,
)
from references import MULTIPLY_ADDS, PARAMETERS

import keras_cnns

ALL_MODELS = keras_cnns.list_models()


def test_every_model_has_a_reference():
    assert sorted(PARAMETERS) == ALL_MODELS


@pytest.mark.parametrize("name", ALL_MODELS)
def test_parameter_count_matches_reference(name):
    assert keras_cnns.model_info(name)["parameters"] == PARAMETERS[name]


@pytest.mark.parametrize("name", sorted(MULTIPLY_ADDS))
def test_multiply_adds_match_published_figures(name):
    assert keras_cnns.model_info(name)["flops"] == pytest.approx(MULTIPLY_ADDS[name], rel=0.01)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_output_shapes_for_top_and_pooling(name):
    shape = small_input_shape(name)
    features = keras_cnns.get_model(name, include_top=False, input_shape=shape)
    assert features.output_shape[0] is None and len(features.output_shape) == 4
    channels = features.output_shape[-1]
    for pooling in ("avg", "max"):
        pooled = keras_cnns.get_model(name, include_top=False, input_shape=shape, pooling=pooling)
        assert pooled.output_shape == (None, channels)
    classifier = keras_cnns.get_model(name, include_top=True, input_shape=shape, classes=7)
    assert classifier.output_shape == (None, 7)
    probabilities = classifier.predict(np.random.rand(2, *shape).astype("float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    logits = keras_cnns.get_model(name, input_shape=shape, classes=7, classifier_activation=None)
    assert logits.output_shape == (None, 7)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_safe_mode_round_trip_and_no_lambda(name, tmp_path):
    shape = small_input_shape(name)
    model = keras_cnns.get_model(name, input_shape=shape, classes=5)
    assert_no_lambda_layers(model)
    reloaded = assert_same_after_reload(model, tmp_path, np.random.rand(2, *shape).astype("float32"))
    assert reloaded.count_params() == model.count_params()


@pytest.mark.parametrize("name", ALL_MODELS)
def test_converts_to_builtin_tflite_with_same_outputs(name):
    shape = small_input_shape(name)
    model = keras_cnns.get_model(name, input_shape=shape, classes=5, classifier_activation=None)
    images = np.random.rand(2, *shape).astype("float32")
    tflite_outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    assert not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(tflite_outputs, model.predict(images, verbose=0), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_default_input_shape_builds_and_input_below_minimum_is_refused(name):
    info = keras_cnns.model_info(name)
    height, width, channels = info["input_shape"]
    # Find the smallest size the builder accepts, then check one pixel less is refused with a clear error.
    low, high = 1, min(height, width)
    while low < high:
        middle = (low + high) // 2
        try:
            keras_cnns.get_model(name, include_top=False, input_shape=(middle, middle, channels))
            high = middle
        except ValueError as err:
            assert "input_shape" in str(err)
            low = middle + 1
    if low > 1:
        with pytest.raises(ValueError, match=r"input_shape must be at least"):
            keras_cnns.get_model(name, include_top=False, input_shape=(low - 1, low - 1, channels))


def test_keras_tensor_input_and_source_inputs():
    inputs = keras.Input((40, 40, 3))
    scaled = keras.layers.Rescaling(1 / 255)(inputs)
    model = keras_cnns.VGG11(include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is inputs  # predecessors of input_tensor are part of the model
    assert model.output_shape == (None, 512)
