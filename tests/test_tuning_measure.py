"""tuning.measure: graph figures and the int8 `.tflite` size and latency of a model."""

import os

import keras
import numpy as np
import pytest

import keras_cnns
import tflite
from tuning import measure


def small_cnn():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def test_figures_match_the_graph_and_the_exported_file(tmp_path):
    model = small_cnn()
    images = np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32)
    figures = measure.measure(model, images, latency_runs=5)
    assert figures["params"] == sum(int(np.prod(w.shape)) for w in model.get_weights()) == 4 * 9 + 4 + 256 * 10 + 10
    assert figures["macs"] == 8 * 8 * 4 * 9 + 256 * 10
    report = tflite.export(model, str(tmp_path / "m.tflite"), "int8", representative_data=images,
                           representative_samples=16)
    assert figures["size_bytes"] == os.path.getsize(report["path"])
    assert figures["size_kb"] == figures["size_bytes"] / 1000
    assert 0 < figures["latency_ms"] < 1000


def test_micro_figures_need_tflite_micro_or_say_so():
    try:
        import tflite.micro  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="tflite.micro_report"):
            measure.micro_figures(b"")
    else:
        pytest.skip("tflite.micro is present; its figures are tested with the search")


def test_size_estimate_of_an_untrained_model_matches_it_trained():
    import keras_cnns

    model = keras_cnns.ResNet(variant="cifar", stage_blocks=(1, 2, 1), base_filters=6, block="bottleneck",
                              input_shape=(8, 8, 1), classes=10)
    rng = np.random.default_rng(0)
    images, labels = rng.random((64, 8, 8, 1), dtype=np.float32), rng.integers(0, 10, 64)
    untrained = len(measure.int8_flatbuffer(model, images))
    estimate = measure.int8_size_estimate(model, images)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=1, verbose=0)
    trained = len(measure.int8_flatbuffer(model, images))
    assert untrained < 0.8 * trained  # shared zero biases and identity batch norms
    assert abs(estimate - trained) <= 0.03 * trained


def test_stripped_sizes_are_smaller_and_carry_to_the_search_space(tmp_path):
    from tuning.search import search

    model = keras_cnns.get_model("lenet5_modern", input_shape=(32, 32, 1), classes=10)
    images = np.random.default_rng(0).random((8, 32, 32, 1), dtype=np.float32)
    full = measure.int8_figures(model, images, latency_runs=1)["size_bytes"]
    stripped = measure.int8_figures(model, images, latency_runs=1, strip_metadata=True)["size_bytes"]
    assert stripped < full
    assert stripped == len(tflite.convert(model, "int8", images, strip_metadata=True, representative_samples=8))
    result = search("digits", family="lenet", max_trials=1, epochs=1, latency_runs=1, strip_metadata=True,
                    ranges={"width_multiplier": (0.25, 0.25)}, directory=str(tmp_path), project_name="p")
    assert result.space["strip_metadata"] is True and result.space["ranges"] == {"lenet/width_multiplier": [0.25, 0.25]}
