"""keras.applications semantics and validation shared by every builder (keras_cnns.application)."""

import os

import keras
import numpy as np
import pytest
from helpers import infer, save_legacy_h5_weights

import keras_cnns
from keras_cnns import application


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(include_top=False, pooling="median"), r"pooling must be one of None, 'avg', 'max'; got 'median'"),
        (dict(weights="imagenet", classes=10), r"classes must be 1000 when include_top=True and weights='imagenet'"),
        (dict(include_top=False, input_shape=(31, 31, 3)), r"input_shape must be at least 32x32.*\(31, 31, 3\)"),
        (dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1)), r"input_shape must have 3 channels"),
        (dict(weights="imagenet", input_shape=(64, 64, 3)), r"input_shape must be \(224, 224, 3\) when include_top"),
        (dict(weights="/no/such/file.weights.h5"), r"weights must be .* existing weights file.*/no/such/file"),
        (dict(input_shape=(64, 64)), r"input_shape must be a tuple of three integers"),
        (dict(input_shape=(64, 64, 0)), r"input_shape must hold positive integers"),
        (dict(include_top=True, input_shape=(None, None, 3)), r"input_shape must be static when include_top=True"),
        (dict(classes=0), r"classes must be an integer >= 1; got 0"),
        (dict(weights="imagenet", classifier_activation="relu"), r"classifier_activation must be None or 'softmax'"),
        (dict(classifier_activation="no_such_activation"), r"classifier_activation must be None, a Keras activation"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_cnns.VGG16(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(include_top="yes"), r"include_top must be bool; got 'yes'"),
        (dict(classes=10.0), r"classes must be Integral"),
        (dict(weights=3), r"weights must be None, 'imagenet' or the path"),
        (dict(input_tensor=np.zeros((1, 32, 32, 3)), include_top=False), r"input_tensor must be a Keras tensor"),
        (dict(input_shape="224x224"), r"input_shape must be a tuple"),
    ],
)
def test_bad_types_raise_type_error_naming_the_argument(kwargs, message):
    with pytest.raises(TypeError, match=message):
        keras_cnns.VGG11(**kwargs)


def test_imagenet_weights_are_refused_for_models_keras_does_not_publish():
    with pytest.raises(ValueError, match=r"weights='imagenet' is not available for lenet5"):
        keras_cnns.LeNet5(weights="imagenet")


def test_family_arguments_are_checked():
    with pytest.raises(ValueError, match=r"variant must be one of 'faithful', 'modern'; got 'classic'"):
        keras_cnns.LeNet5(variant="classic")
    with pytest.raises(ValueError, match=r"streams must be one of 1, 2; got 3"):
        keras_cnns.AlexNet(streams=3)
    with pytest.raises(ValueError, match=r"config must be one of"):
        keras_cnns.VGG(config="F")
    with pytest.raises(ValueError, match=r"dropout must be a number >= 0.0 and < 1.0; got 1.5"):
        keras_cnns.ZFNet(dropout=1.5)
    with pytest.raises(ValueError, match=r"variant must be one of 'base', 'strided', 'convpool', 'all'"):
        keras_cnns.AllConvNet(variant="maxout")


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_weights_file_round_trip(tmp_path, suffix):
    source = keras_cnns.VGG11(input_shape=(32, 32, 3), classes=4, include_top=True)
    path = os.path.join(tmp_path, f"vgg11{suffix}")
    if suffix == ".h5":
        save_legacy_h5_weights(source, path)  # the format keras.applications downloads
    else:
        source.save_weights(path)
    loaded = keras_cnns.VGG11(weights=path, input_shape=(32, 32, 3), classes=4)
    images = np.random.rand(3, 32, 32, 3).astype("float32")
    np.testing.assert_array_equal(source.predict(images, verbose=0), loaded.predict(images, verbose=0))


def test_mismatched_weights_file_names_the_file(tmp_path):
    path = os.path.join(tmp_path, "ten.weights.h5")
    keras_cnns.VGG11(input_shape=(32, 32, 3), classes=10).save_weights(path)
    with pytest.raises(ValueError, match=r"weights file .*ten.weights.h5.* does not fit vgg11"):
        keras_cnns.VGG11(weights=path, input_shape=(32, 32, 3), classes=3)


@pytest.fixture
def recorded_get_file(monkeypatch, tmp_path):
    """Stand in for keras' downloader: record what is asked and serve locally made weight files."""
    calls = []

    def fake_get_file(fname=None, origin=None, cache_subdir="datasets", file_hash=None, **kwargs):
        calls.append(dict(fname=fname, origin=origin, cache_subdir=cache_subdir, file_hash=file_hash))
        return served[fname]

    served = {}
    from keras.src.utils import file_utils

    monkeypatch.setattr(file_utils, "get_file", fake_get_file)
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    return calls, served


@pytest.mark.parametrize("include_top", [False, True])
def test_imagenet_resolves_the_same_file_as_keras_applications(recorded_get_file, tmp_path, include_top):
    calls, served = recorded_get_file
    shape = None if include_top else (32, 32, 3)
    reference = keras.applications.VGG16(weights=None, include_top=include_top, input_shape=shape)
    for variable in reference.weights:
        variable.assign(np.random.normal(0, 0.01, variable.shape).astype("float32"))
    fname = ("vgg16_weights_tf_dim_ordering_tf_kernels.h5" if include_top
             else "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    served[fname] = os.path.join(tmp_path, fname)
    save_legacy_h5_weights(reference, served[fname])

    keras_model = keras.applications.VGG16(weights="imagenet", include_top=include_top, input_shape=shape)
    ours = keras_cnns.VGG16(weights="imagenet", include_top=include_top, input_shape=shape)
    assert calls[0] == calls[1]  # same file name, origin, cache folder and hash
    images = np.random.rand(2, *(shape or (224, 224, 3))).astype("float32") * 255
    np.testing.assert_allclose(infer(ours, images), infer(keras_model, images), atol=1e-5)


def test_imagenet_offline_error_says_which_file_to_put_where(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(ValueError) as err:
        keras_cnns.VGG19(weights="imagenet", include_top=False)
    message = str(err.value)
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert os.path.join(str(tmp_path), "models", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5") in message
    assert "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" in message


def test_obtain_input_shape_defaults_follow_keras():
    assert application.obtain_input_shape(None, default_size=224, min_size=32, default_channels=3,
                                          require_flatten=True, weights=None) == (224, 224, 3)
    assert application.obtain_input_shape(None, default_size=224, min_size=32, default_channels=3,
                                          require_flatten=False, weights=None) == (None, None, 3)
    assert application.obtain_input_shape((64, 80, 5), default_size=224, min_size=32, default_channels=3,
                                          require_flatten=False, weights=None) == (64, 80, 5)
