"""Every registered model: parameter count, output shapes, safe_mode round trip, builtin-only TFLite."""

import re

import keras
import numpy as np
import pytest
from helpers import (
    assert_no_lambda_layers,
    assert_readme_row_matches,
    assert_same_after_reload,
    convert_builtin_tflite,
    infer,
    readme_model_table,
    run_tflite,
    small_input_shape,
)
from references import MULTIPLY_ADDS, PARAMETERS

import keras_cnns

ALL_MODELS = keras_cnns.list_models()


@pytest.fixture(scope="module", params=ALL_MODELS)
def name(request):
    """Each registered model. Module scope makes pytest run one model's tests one after another, so the
    per-process `model_info` cache is hit and the xdist workers get whole models rather than scattered tests."""
    return request.param


def classifier_output(model):
    """`model`, or for a model with outputs besides its classifier (SWWAE's reconstruction) the classifier alone."""
    return model if len(model.outputs) == 1 else keras.Model(model.input, model.outputs[0], name=model.name)


def test_every_model_has_a_reference():
    assert sorted(PARAMETERS) == ALL_MODELS


def test_parameter_count_matches_reference(name):
    assert keras_cnns.model_info(name)["parameters"] == PARAMETERS[name]


def test_readme_row_shows_the_measured_figures(name):
    """Here rather than in test_registry.py: right after the parameter test, `model_info`'s cache is warm."""
    rows = readme_model_table()
    assert name in rows, "run `make readme`"
    assert_readme_row_matches(rows[name], keras_cnns.model_info(name))


@pytest.mark.parametrize("name", sorted(MULTIPLY_ADDS))
def test_multiply_adds_match_published_figures(name):
    assert keras_cnns.model_info(name)["flops"] == pytest.approx(MULTIPLY_ADDS[name], rel=0.01)


# The per-model tests below build each model as few times as they can and run it eagerly instead of through
# `predict` (which traces a graph first): the deep variants (DenseNet-264, ResNet-152) dominate CI time.


def test_output_shapes_for_top_and_pooling(name):
    shape = small_input_shape(name)
    features = keras_cnns.get_model(name, include_top=False, input_shape=shape)
    assert features.output_shape[0] is None and len(features.output_shape) == 4
    channels = features.output_shape[-1]
    for pooling in ("avg", "max"):
        pooled = keras_cnns.get_model(name, include_top=False, input_shape=shape, pooling=pooling)
        assert pooled.output_shape == (None, channels)
    classifier = classifier_output(keras_cnns.get_model(name, include_top=True, input_shape=shape, classes=7))
    assert classifier.output_shape == (None, 7)
    probabilities = infer(classifier, np.random.rand(2, *shape).astype("float32"))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    assert probabilities.min() >= 0


def test_logits_model_reloads_in_safe_mode_and_converts_to_builtin_tflite(name, tmp_path):
    shape = small_input_shape(name)
    model = classifier_output(keras_cnns.get_model(name, input_shape=shape, classes=5, classifier_activation=None))
    assert model.output_shape == (None, 5)
    assert_no_lambda_layers(model)
    images = np.random.rand(2, *shape).astype("float32")
    reloaded = assert_same_after_reload(model, tmp_path, images)
    assert reloaded.count_params() == model.count_params()

    tflite_outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    assert not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(tflite_outputs, infer(model, images), rtol=1e-3, atol=1e-4)


def test_default_input_shape_builds_and_input_below_minimum_is_refused(name):
    info = keras_cnns.model_info(name)
    height, width, channels = info["input_shape"]
    # The check runs before any layer is built, so asking for a 1x1 input is cheap and names the minimum.
    try:
        keras_cnns.get_model(name, include_top=False, input_shape=(1, 1, channels))
        minimum = (1, 1)
    except ValueError as err:
        match = re.search(r"input_shape must be at least (\d+)x(\d+)", str(err))
        assert match, err
        minimum = (int(match[1]), int(match[2]))
    assert minimum[0] <= height and minimum[1] <= width
    # The stated minimum must build (a too-small minimum would fail inside some layer instead) ...
    keras_cnns.get_model(name, include_top=False, input_shape=(*minimum, channels))
    # ... and one pixel less in either side is refused with the clear error.
    for smaller in ((minimum[0] - 1, minimum[1]), (minimum[0], minimum[1] - 1)):
        if min(smaller) >= 1:
            with pytest.raises(ValueError, match=r"input_shape must be at least"):
                keras_cnns.get_model(name, include_top=False, input_shape=(*smaller, channels))


def test_keras_tensor_input_and_source_inputs():
    inputs = keras.Input((40, 40, 3))
    scaled = keras.layers.Rescaling(1 / 255)(inputs)
    model = keras_cnns.VGG11(include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is inputs  # predecessors of input_tensor are part of the model
    assert model.output_shape == (None, 512)
