"""ResNet and DenseNet: keras.applications equivalence, shortcut options, depths, widths and bad arguments.

Parameter counts, output shapes, safe_mode round trips and builtin-only TFLite conversion of every
registered model are in test_models.py (references in reference_resnet_densenet.py).
"""

import os

import keras
import numpy as np
import pytest
from helpers import convert_builtin_tflite, infer, run_tflite, save_legacy_h5_weights
from reference_resnet_densenet import cifar_densenet_parameters, cifar_resnet_parameters, densenet_parameters
from test_application import recorded_get_file  # noqa: F401  (fixture)

import keras_cnns
from keras_cnns.layers import ZeroPaddedIdentity
from keras_cnns.models import densenet, resnet

SMALL = (32, 32, 3)
KERAS_APPLICATIONS = {
    "resnet50": keras.applications.ResNet50,
    "resnet101": keras.applications.ResNet101,
    "resnet152": keras.applications.ResNet152,
    "densenet121": keras.applications.DenseNet121,
    "densenet169": keras.applications.DenseNet169,
    "densenet201": keras.applications.DenseNet201,
}


def keras_reference(name):
    """keras.applications' model at 32x32 (logits), with random batch-norm statistics so they matter."""
    model = KERAS_APPLICATIONS[name](weights=None, input_shape=SMALL, classifier_activation=None)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            channels = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(0, 0.1, channels).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, channels).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 1.5, channels).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.1, channels).astype("float32"))
    return model


@pytest.mark.parametrize("name", sorted(KERAS_APPLICATIONS))
def test_same_model_as_keras_applications_with_its_weights_files(name, tmp_path):
    reference = keras_reference(name)
    images = np.random.default_rng(1).uniform(-1, 1, (2, *SMALL)).astype("float32")
    expected = infer(reference, images)
    for suffix in (".weights.h5", ".h5"):
        path = os.path.join(tmp_path, f"{name}{suffix}")
        if suffix == ".h5":
            save_legacy_h5_weights(reference, path)  # the layout of keras.applications' downloads
        else:
            reference.save_weights(path)
        ours = keras_cnns.get_model(name, weights=path, input_shape=SMALL, classifier_activation=None)
        assert ours.count_params() == reference.count_params()
        assert [layer.name for layer in ours.layers if layer.weights] == [
            layer.name for layer in reference.layers if layer.weights
        ]
        assert np.abs(infer(ours, images) - expected).max() <= 1e-4, suffix


@pytest.mark.parametrize(
    "name, include_top", [(name, False) for name in sorted(KERAS_APPLICATIONS)] + [("resnet50", True), ("densenet121", True)]
)
def test_imagenet_resolves_the_same_file_as_keras_applications(recorded_get_file, name, include_top):  # noqa: F811
    calls, served = recorded_get_file  # serves nothing here: both builders stop at the missing file
    shape = None if include_top else SMALL
    with pytest.raises(KeyError):
        KERAS_APPLICATIONS[name](weights="imagenet", include_top=include_top, input_shape=shape)
    with pytest.raises(ValueError, match="weights='imagenet' needs"):
        keras_cnns.get_model(name, weights="imagenet", include_top=include_top, input_shape=shape)
    assert len(calls) == 2 and calls[0] == calls[1]  # same file name, origin, cache folder and hash
    assert calls[0]["fname"].endswith("_notop.h5") != include_top


def test_preprocess_input_follows_keras_applications():
    images = np.random.default_rng(2).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(resnet.preprocess_input(images.copy()),
                               keras.applications.resnet.preprocess_input(images.copy()))
    np.testing.assert_allclose(densenet.preprocess_input(images.copy()),
                               keras.applications.densenet.preprocess_input(images.copy()))
    assert densenet.preprocess_input(images.copy()).max() < 3  # torch mode: scaled, then standardized


def _weighted_depth(model):
    """The paper's depth: convolutions and FC layers on the main path (projection shortcuts excluded)."""
    return sum(
        isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and not layer.name.endswith("_0_conv")
        for layer in model.layers
    )


@pytest.mark.parametrize(
    "name, depth",
    [("resnet18", 18), ("resnet34", 34), ("resnet50", 50), ("resnet20", 20), ("resnet56", 56),
     ("densenet121", 121)],
)
def test_layer_counts_match_the_paper(name, depth):
    assert _weighted_depth(keras_cnns.get_model(name, input_shape=SMALL)) == depth


def test_torchvision_parameter_counts_without_biases_and_moving_statistics():
    # torchvision resnet18 / resnet34 / densenet121: 11,689,512 / 21,797,672 / 7,978,856 parameters.
    resnet18 = keras_cnns.ResNet18(input_shape=SMALL, use_bias=False)
    assert sum(int(np.prod(w.shape)) for w in resnet18.trainable_weights) == 11_689_512
    resnet34 = keras_cnns.ResNet34(input_shape=SMALL, use_bias=False)
    assert sum(int(np.prod(w.shape)) for w in resnet34.trainable_weights) == 21_797_672


@pytest.mark.parametrize("blocks", [(6, 12, 24, 16), (6, 12, 32, 32), (6, 12, 48, 32)])
def test_densenet_formula_reproduces_keras_applications(blocks):
    depth = {(6, 12, 24, 16): 121, (6, 12, 32, 32): 169, (6, 12, 48, 32): 201}[blocks]
    assert densenet_parameters(blocks) == keras_cnns.model_info(f"densenet{depth}")["parameters"]


def test_cifar_resnets_match_the_papers_table_6():
    published = {20: 0.27e6, 32: 0.46e6, 44: 0.66e6, 56: 0.85e6, 110: 1.7e6}
    for depth, figure in published.items():
        without_bias_and_statistics = cifar_resnet_parameters(depth, conv_bias=False, moving_statistics=False)
        assert round(without_bias_and_statistics, -4 if depth < 110 else -5) == figure
    model = keras_cnns.ResNet(depth=20, dataset="cifar", use_bias=False)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == cifar_resnet_parameters(20, conv_bias=False, moving_statistics=False) == 269_722
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 10)


def test_cifar_densenet_bc_matches_the_papers_table_2():
    # DenseNet-BC (L = 100, k = 12): 0.8M parameters (gamma/beta only), 100 weighted layers, 32x32 -> 8x8.
    model = densenet.DenseNet(variant="cifar")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == cifar_densenet_parameters((16, 16, 16), moving_statistics=False)
    assert round(trainable, -5) == 0.8e6
    assert model.count_params() == cifar_densenet_parameters((16, 16, 16))
    assert _weighted_depth(model) == 100
    assert model.name == "densenet_bc100_k12"
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 10)
    features = densenet.DenseNet(variant="cifar", stage_blocks=(2, 2, 2), include_top=False, input_shape=(32, 32, 3))
    assert features.output_shape == (None, 8, 8, 48)  # 24 + 2 x 12 maps, halved by each transition


def test_cifar_densenet_stem_has_16_maps_unless_bc_and_small_grids_are_refused():
    plain = densenet.DenseNet(variant="cifar", stage_blocks=(3, 3, 3), growth_rate=12, compression=1.0,
                              bottleneck=False, input_shape=(16, 16, 1))
    assert plain.get_layer("conv1_conv").filters == 16
    assert plain.count_params() == cifar_densenet_parameters((3, 3, 3), 12, 1.0, False, channels=1)
    with pytest.raises(ValueError, match=r"input_shape must be at least 4x4"):
        densenet.DenseNet(variant="cifar", input_shape=(3, 3, 3), include_top=False)
    with pytest.raises(ValueError, match=r"variant must be one of 'imagenet', 'cifar'; got 'mnist'"):
        densenet.DenseNet(variant="mnist")


# Projections of option B where the shape changes: a 1x1 conv (weights + bias) and batch norm (4 per channel).
def _projection(c_in, c_out):
    return c_in * c_out + c_out + 4 * c_out


@pytest.mark.parametrize(
    "depth, dataset, projections",
    [
        # conv3-conv5's first blocks: 64->128, 128->256, 256->512 (176,512 parameters).
        (18, "imagenet", [(64, 128), (128, 256), (256, 512)]),
        # Every stage's first block: 64->256 (stride 1), 256->512, 512->1024, 1024->2048 (2,788,096).
        (50, "imagenet", [(64, 256), (256, 512), (512, 1024), (1024, 2048)]),
        # 16->32, 32->64 (3,040).
        (20, "cifar", [(16, 32), (32, 64)]),
    ],
)
def test_shortcut_a_adds_no_parameters_and_b_adds_the_projections(depth, dataset, projections):
    def build(**kwargs):
        return resnet.ResNet(depth=depth, dataset=dataset, include_top=False, input_shape=SMALL, **kwargs)

    plain, option_a, option_b = build(plain=True), build(shortcut="A"), build(shortcut="B")
    assert option_a.count_params() == plain.count_params()
    assert option_b.count_params() - plain.count_params() == sum(_projection(*p) for p in projections)
    padded = [layer for layer in option_a.layers if isinstance(layer, ZeroPaddedIdentity)]
    assert [(layer.filters, layer.strides) for layer in padded] == [
        (c_out, 1 if dataset == "imagenet" and index == 0 and depth >= 50 else 2)
        for index, (_, c_out) in enumerate(projections)
    ]
    assert not any(isinstance(layer, keras.layers.Add) for layer in plain.layers)
    assert sum(isinstance(layer, keras.layers.Add) for layer in option_a.layers) == (depth - 2) // (
        3 if depth >= 50 else 2)


def test_zero_padded_identity_is_strided_subsampling_with_zero_channels():
    images = np.random.default_rng(3).normal(size=(2, 7, 6, 3)).astype("float32")
    layer = ZeroPaddedIdentity(filters=8, strides=2)
    expected = np.concatenate([images[:, ::2, ::2, :], np.zeros((2, 4, 3, 5), "float32")], axis=-1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(images)), expected)
    assert layer.compute_output_shape((None, 7, 6, 3)) == (None, 4, 3, 8)
    inputs = keras.Input((7, 6, 3))
    model = keras.Model(inputs, ZeroPaddedIdentity(8, 2)(inputs))
    tflite_outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    assert {"STRIDED_SLICE", "PAD"} <= ops and not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_array_equal(tflite_outputs, expected)
    with pytest.raises(ValueError, match=r"filters must be at least the input's 3 channels"):
        ZeroPaddedIdentity(2)(inputs)


def test_shortcut_a_imagenet_network_converts_to_builtin_tflite():
    model = keras_cnns.ResNet18(shortcut="A", input_shape=SMALL, classes=3, classifier_activation=None)
    images = np.random.default_rng(4).uniform(size=(2, *SMALL)).astype("float32")
    tflite_outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    assert not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(tflite_outputs, infer(model, images), rtol=1e-3, atol=1e-4)


def test_width_and_depth_are_arguments():
    narrow = resnet.ResNet(depth=14, dataset="cifar", base_filters=8, include_top=False, input_shape=SMALL)
    assert narrow.output_shape == (None, 8, 8, 32)
    assert narrow.name == "resnet14_w8"
    wide = resnet.ResNet(depth=18, base_filters=32, include_top=False, input_shape=SMALL)
    assert wide.output_shape == (None, 1, 1, 256)
    small = densenet.DenseNet(blocks=(2, 3), growth_rate=12, compression=1.0, bottleneck=False,
                              input_shape=(16, 16, 3), classes=10)
    assert small.count_params() == densenet_parameters((2, 3), 12, 1.0, False, classes=10)
    compact = densenet.DenseNet(blocks=(2, 3, 2), growth_rate=8, compression=0.7, input_shape=SMALL, classes=10)
    assert compact.count_params() == densenet_parameters((2, 3, 2), 8, 0.7, True, classes=10)


@pytest.mark.parametrize(
    "builder, kwargs, error, message",
    [
        (resnet.ResNet, dict(depth=42), ValueError, r"depth must be one of 18, 34, 50, 101, 152; got 42"),
        (resnet.ResNet, dict(depth=42, dataset="cifar"), ValueError, r"depth must be 6n\+2 for dataset='cifar'"),
        (resnet.ResNet, dict(depth="50"), ValueError, r"depth must be one of .*; got '50'"),
        (resnet.ResNet, dict(shortcut="C"), ValueError, r"shortcut must be one of 'A', 'B'; got 'C'"),
        (resnet.ResNet, dict(plain=True, shortcut="A"), ValueError, r"shortcut must be left unset .* plain=True"),
        (resnet.ResNet, dict(dataset="mnist"), ValueError, r"dataset must be one of 'imagenet', 'cifar'"),
        (resnet.ResNet, dict(base_filters=0), ValueError, r"base_filters must be an integer in \[1, 512\]; got 0"),
        (resnet.ResNet, dict(use_bias="no"), TypeError, r"use_bias must be bool"),
        (keras_cnns.ResNet18, dict(weights="imagenet"), ValueError, r"weights='imagenet' is not available for resnet18"),
        (keras_cnns.ResNet50, dict(weights="imagenet", shortcut="A"), ValueError,
         r"weights=.imagenet. is not available for resnet50 "),
        (keras_cnns.ResNet20, dict(input_shape=(7, 7, 3), include_top=False), ValueError,
         r"input_shape must be at least 8x8"),
        (densenet.DenseNet, dict(growth_rate=0), ValueError, r"growth_rate must be an integer in \[1, 64\]; got 0"),
        (densenet.DenseNet, dict(growth_rate=12.5), TypeError, r"growth_rate must be an integer in \[1, 64\]; got 12.5"),
        (densenet.DenseNet, dict(compression=0), ValueError, r"compression must be a number in \[0.1, 1.0\]; got 0"),
        (densenet.DenseNet, dict(compression=1.5), ValueError, r"compression must be a number in \[0.1, 1.0\]; got 1.5"),
        (densenet.DenseNet, dict(blocks=()), ValueError, r"blocks must not be empty"),
        (densenet.DenseNet, dict(blocks=(6, 0, 24)), ValueError, r"blocks must hold integers >= 1; got \(6, 0, 24\)"),
        (densenet.DenseNet, dict(blocks=24), TypeError, r"blocks must be a list or tuple of integers; got 24"),
        (densenet.DenseNet, dict(bottleneck=1), TypeError, r"bottleneck must be bool"),
        (keras_cnns.DenseNet264, dict(weights="imagenet"), ValueError,
         r"weights='imagenet' is not available for densenet264"),
        (densenet.DenseNet, dict(blocks=(2, 2, 2, 2, 2), include_top=False, input_shape=(32, 32, 3)), ValueError,
         r"input_shape must be at least 64x64"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, error, message):
    with pytest.raises(error, match=message):
        builder(**kwargs)
