"""GoogLeNet, Inception v2-v4 and Inception-ResNet: keras.applications equivalence, auxiliary heads, errors.

Parameter counts, output shapes, safe_mode round trips and builtin-only TFLite conversion of every
registered model are in test_models.py (references in reference_inception.py).
"""

import os

import keras
import numpy as np
import pytest
from helpers import infer, save_legacy_h5_weights
from reference_inception import (
    BN_INCEPTION_OUTPUTS,
    INCEPTION_RESNET_V1_STAGES,
    INCEPTION_V4_PUBLISHED_PARAMETERS,
    conv_bn,
    dense,
    googlenet_parameters,
)
from test_application import recorded_get_file  # noqa: F401 (fixture)

import keras_cnns
from keras_cnns.models import googlenet, inception, inception_resnet

SMALL = (75, 75, 3)  # the smallest input keras.applications accepts for both

KERAS_TWINS = [
    (keras_cnns.InceptionV3, keras.applications.InceptionV3, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    (keras_cnns.InceptionResNetV2, keras.applications.InceptionResNetV2,
     "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
]


def _randomize(model):
    for variable in model.weights:
        if "variance" in variable.path:
            variable.assign(np.random.uniform(0.5, 1.5, variable.shape).astype("float32"))
        else:
            variable.assign(np.random.normal(0, 0.1, variable.shape).astype("float32"))


@pytest.mark.parametrize("ours_builder, keras_builder, notop_file", KERAS_TWINS, ids=["inception_v3", "inception_resnet_v2"])
def test_identical_to_keras_applications(ours_builder, keras_builder, notop_file, recorded_get_file, tmp_path):
    calls, served = recorded_get_file
    ours_fresh = ours_builder(include_top=False, input_shape=SMALL)
    our_layers = [(layer.name, type(layer).__name__) for layer in ours_fresh.layers[1:]]
    keras.backend.clear_session()  # keras' automatic layer names restart as in a fresh session
    reference = keras_builder(weights=None, include_top=False, input_shape=SMALL)
    keras_layers = [(layer.name, type(layer).__name__) for layer in reference.layers[1:]]
    assert reference.count_params() == ours_fresh.count_params()
    # Same layers in the same order with the same names; the residual scaling is our serializable layer.
    renamed = {("ScaledResidual", "CustomScaleLayer")}
    assert len(our_layers) == len(keras_layers)
    for (our_name, our_type), (keras_name, keras_type) in zip(our_layers, keras_layers):
        assert our_name == keras_name or (our_type, keras_type) in renamed, (our_name, keras_name)

    _randomize(reference)
    weights_path = os.path.join(tmp_path, "reference.weights.h5")
    reference.save_weights(weights_path)
    served[notop_file] = os.path.join(tmp_path, notop_file)
    save_legacy_h5_weights(reference, served[notop_file])  # the format keras.applications downloads

    keras_imagenet = keras_builder(weights="imagenet", include_top=False, input_shape=SMALL)
    ours_imagenet = ours_builder(weights="imagenet", include_top=False, input_shape=SMALL)
    assert calls[0] == calls[1]  # same file name, origin, cache folder and hash
    ours_from_file = ours_builder(weights=weights_path, include_top=False, input_shape=SMALL)
    images = np.random.uniform(-1, 1, (2, *SMALL)).astype("float32")
    expected = infer(reference, images)
    np.testing.assert_array_equal(infer(keras_imagenet, images), expected)
    assert np.abs(infer(ours_imagenet, images) - expected).max() <= 1e-4
    assert np.abs(infer(ours_from_file, images) - expected).max() <= 1e-4


def test_googlenet_auxiliary_classifiers_train_with_loss_weights():
    full = keras_cnns.GoogLeNet(aux_logits=True)
    assert full.count_params() == googlenet_parameters(aux=True)

    model = keras_cnns.GoogLeNet(aux_logits=True, input_shape=(65, 65, 3), classes=4)
    assert model.output_names == ["predictions", "aux1_predictions", "aux2_predictions"]
    assert [tuple(shape) for shape in model.output_shape] == [(None, 4)] * 3
    weights = googlenet.loss_weights(model)
    assert weights == {"predictions": 1.0, "aux1_predictions": 0.3, "aux2_predictions": 0.3}
    model.compile("sgd", loss={name: "sparse_categorical_crossentropy" for name in model.output_names},
                  loss_weights=weights)
    images = np.random.rand(4, 65, 65, 3).astype("float32")
    labels = np.array([0, 1, 2, 3])
    before = [w.numpy().copy() for w in model.trainable_weights]
    logs = model.train_on_batch(images, {name: labels for name in model.output_names}, return_dict=True)
    per_output = [logs[f"{name}_loss"] for name in model.output_names]
    assert logs["loss"] == pytest.approx(per_output[0] + 0.3 * per_output[1] + 0.3 * per_output[2], rel=1e-4)
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights))

    # Without aux_logits (and without a top) the auxiliary layers are not part of the model.
    assert keras_cnns.GoogLeNet(include_top=False, aux_logits=True, input_shape=(32, 32, 3)).output_shape[-1] == 1024


def test_inception_v3_auxiliary_head_adds_its_parameters():
    plain = keras_cnns.InceptionV3()
    with_aux = keras_cnns.InceptionV3(aux_logits=True)
    assert with_aux.output_names == ["predictions", "aux_predictions"]
    # 5x5/3 average pooling, 1x1 conv 768 -> 128, 5x5 conv 128 -> 768 (both batch-normalized), FC 768 -> 1000.
    assert with_aux.count_params() - plain.count_params() == conv_bn(1, 768, 128) + conv_bn(5, 128, 768) + dense(768, 1000)


def test_inception_v4_parameters_within_one_percent_of_the_published_figure():
    assert keras_cnns.model_info("inception_v4")["parameters"] == pytest.approx(INCEPTION_V4_PUBLISHED_PARAMETERS, rel=0.01)


def test_bn_inception_modules_output_the_released_widths():
    """Figure 5's modules in order (the concatenations), against the released model's grid and channels."""
    model = keras_cnns.InceptionV2(include_top=False, input_shape=(224, 224, 3))
    outputs = [layer.output.shape[1:] for layer in model.layers if isinstance(layer, keras.layers.Concatenate)]
    assert outputs == [(grid, grid, channels) for grid, channels in BN_INCEPTION_OUTPUTS.values()]


def test_inception_resnet_v1_stages_follow_figure_15():
    """As many residual modules per stage as the schema shows, on its grids and widths (299x299 input)."""
    from collections import Counter

    model = keras_cnns.InceptionResNetV1(include_top=False, input_shape=(299, 299, 3))
    residuals = Counter(tuple(layer.output.shape[1:]) for layer in model.layers
                        if isinstance(layer, keras_cnns.layers.ScaledResidual))
    assert residuals == {(grid, grid, channels): count for grid, channels, count in INCEPTION_RESNET_V1_STAGES.values()}


def test_paper_dropout_before_the_classifier():
    v1 = keras_cnns.InceptionResNetV1(input_shape=SMALL, classes=3)
    assert v1.get_layer("dropout").rate == pytest.approx(0.2)  # keep probability 0.8
    assert keras_cnns.GoogLeNet(input_shape=(32, 32, 3), classes=3).get_layer("dropout").rate == pytest.approx(0.4)


def test_scaled_residual_matches_numpy():
    shortcut, residual = np.random.rand(2, 3, 3, 4).astype("float32"), np.random.rand(2, 3, 3, 4).astype("float32")
    layer = keras_cnns.layers.ScaledResidual(0.17)
    np.testing.assert_allclose(layer([shortcut, residual]), shortcut + 0.17 * residual, rtol=1e-6)
    assert keras_cnns.layers.ScaledResidual.from_config(layer.get_config()).scale == pytest.approx(0.17)


@pytest.mark.parametrize("module", [googlenet, inception, inception_resnet])
def test_preprocess_input_is_keras_inception_preprocessing(module):
    pixels = np.random.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    expected = keras.applications.inception_v3.preprocess_input(pixels.copy())
    np.testing.assert_allclose(module.preprocess_input(pixels.copy()), expected)


# Entries of keras' imagenet_class_index.json (index: WordNet id, name); the other indices get placeholders.
IMAGENET_CLASSES = {0: ("n01440764", "tench"), 1: ("n01443537", "goldfish"), 207: ("n02099601", "golden_retriever"),
                    281: ("n02123045", "tabby"), 999: ("n15075141", "toilet_tissue")}


@pytest.mark.parametrize("module", [googlenet, inception, inception_resnet])
def test_decode_predictions_names_the_top_imagenet_classes_in_order(module, recorded_get_file, monkeypatch, tmp_path):
    import json

    from keras.src.applications import imagenet_utils

    calls, served = recorded_get_file
    served["imagenet_class_index.json"] = str(tmp_path / "imagenet_class_index.json")
    index = {str(i): list(IMAGENET_CLASSES.get(i, (f"n{i:08d}", f"class_{i}"))) for i in range(1000)}
    with open(served["imagenet_class_index.json"], "w") as handle:
        json.dump(index, handle)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)  # keras caches the index once loaded
    predictions = np.zeros((2, 1000), "float32")
    predictions[0, [207, 281, 0]] = [0.6, 0.3, 0.1]
    predictions[1, [999, 1, 500]] = [0.5, 0.2, 0.3]
    decoded = module.decode_predictions(predictions, top=2)
    assert [[(wnid, name) for wnid, name, _ in row] for row in decoded] == [
        [("n02099601", "golden_retriever"), ("n02123045", "tabby")],
        [("n15075141", "toilet_tissue"), ("n00000500", "class_500")],
    ]
    np.testing.assert_allclose([[score for *_, score in row] for row in decoded], [[0.6, 0.3], [0.5, 0.3]])
    assert [call["fname"] for call in calls] == ["imagenet_class_index.json"]
    assert len(module.decode_predictions(predictions)[0]) == 5  # keras' default top=5


@pytest.mark.parametrize(
    "builder, kwargs, error, message",
    [
        (keras_cnns.InceptionV3, dict(include_top=False, input_shape=(74, 74, 3)), ValueError,
         r"input_shape must be at least 75x75.*\(74, 74, 3\)"),
        (keras_cnns.InceptionResNetV2, dict(include_top=False, input_shape=(74, 74, 3)), ValueError,
         r"input_shape must be at least 75x75"),
        (keras_cnns.InceptionV4, dict(include_top=False, input_shape=(60, 60, 3)), ValueError,
         r"input_shape must be at least 75x75"),
        (keras_cnns.InceptionV3, dict(aux_logits=True, input_shape=(150, 150, 3)), ValueError,
         r"input_shape must be at least 299x299"),
        (keras_cnns.GoogLeNet, dict(aux_logits=True, input_shape=(64, 64, 3)), ValueError,
         r"input_shape must be at least 65x65"),
        (keras_cnns.GoogLeNet, dict(aux_logits="yes"), TypeError, r"aux_logits must be bool; got 'yes'"),
        (keras_cnns.InceptionV3, dict(aux_logits=1), TypeError, r"aux_logits must be bool"),
        (keras_cnns.InceptionV3, dict(aux_logits=True, weights="imagenet"), ValueError,
         r"aux_logits must be False when loading weights"),
        (keras_cnns.InceptionResNetV1, dict(dropout=1.0), ValueError, r"dropout must be a number >= 0.0 and < 1.0"),
        (keras_cnns.InceptionV4, dict(dropout="high"), TypeError, r"dropout must be Real"),
        (keras_cnns.InceptionV4, dict(weights="imagenet"), ValueError, r"weights='imagenet' is not available"),
        (keras_cnns.layers.ScaledResidual, dict(scale=-0.1), ValueError, r"scale must be a number >= 0.0"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, error, message):
    with pytest.raises(error, match=message):
        builder(**kwargs)
