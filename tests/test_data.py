import os

import keras
import numpy as np
import pytest

from keras_cnns.data import load_dataset, read_idx
from keras_cnns.layers import PCALighting


def _concat(dataset):
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(images), np.concatenate(labels)


def test_idx_folder_gives_the_fixed_split_padded_to_lenet_input(mnist_dir):
    data = load_dataset(mnist_dir, input_shape=(32, 32, 1), resize_method="pad", validation_split=0.1, batch_size=500)
    assert data.sizes == {"train": 7200, "validation": 800, "test": 2000}
    assert data.classes == 10 and data.input_shape == (32, 32, 1)
    raw_images = read_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    raw_labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"))
    test_images, test_labels = _concat(data.test)
    np.testing.assert_array_equal(test_labels, raw_labels[8000:])  # test = the last 2,000, in file order
    expected = np.pad(raw_images[8000:], ((0, 0), (2, 2), (2, 2))) / 255.0  # 28 -> 32 centred, as LeNet-5
    np.testing.assert_allclose(test_images[..., 0], expected, atol=1e-6)
    _, validation_labels = _concat(data.validation)
    np.testing.assert_array_equal(validation_labels, raw_labels[7200:8000])
    images, labels = next(iter(data.train))
    assert images.shape == (500, 32, 32, 1) and labels.dtype == "int32"


def test_caffe_and_tf_preprocessing_match_imagenet_conventions():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 8, 8, 3)).astype("uint8")
    labels = np.arange(6) % 3
    caffe = load_dataset((images, labels), preprocessing="caffe", validation_split=0, batch_size=6)
    got, _ = _concat(caffe.train.unbatch().batch(6).take(1))
    # BGR order minus the ImageNet means (Simonyan & Zisserman; keras.applications' "caffe" mode).
    reference = images[..., ::-1].astype("float32") - np.array([103.939, 116.779, 123.68], "float32")
    order = [np.where((reference == g).all(axis=(1, 2, 3)))[0][0] for g in got]  # the train set is shuffled
    np.testing.assert_allclose(got, reference[order], atol=1e-4)
    scaled, _ = _concat(load_dataset((images, labels), preprocessing="tf", validation_split=0).train)
    assert scaled.min() >= -1.0 and scaled.max() <= 1.0 and scaled.min() < -0.9
    gray_to_rgb = load_dataset((images[..., :1], labels), input_shape=(16, 16, 3), validation_split=0)
    assert next(iter(gray_to_rgb.train))[0].shape[1:] == (16, 16, 3)


def test_array_and_name_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="source holds 4 images but 3 labels"):
        load_dataset((np.zeros((4, 8, 8)), np.zeros(3)))
    with pytest.raises(ValueError, match="near names: mnist"):
        load_dataset("mnits")
    with pytest.raises(ValueError, match="preprocessing must be one of"):
        load_dataset("digits", preprocessing="imagenet")
    with pytest.raises(ValueError, match=r"preprocessing 'caffe' needs RGB images"):
        load_dataset("digits", preprocessing="caffe")
    with pytest.raises(ValueError, match="augmentation must be one of"):
        load_dataset("digits", augmentation=["mixup"])
    # checked before the source is read: a misspelt augmentation on a missing dataset names the augmentation
    with pytest.raises(ValueError, match="augmentation must be one of .*got 'mixup'"):
        load_dataset("no_such_dataset", augmentation="mixup")
    with pytest.raises(TypeError, match="augmentation must be None, a name, a Keras layer or a list"):
        load_dataset("digits", augmentation={"flip"})


def test_image_folder_skips_a_corrupt_image_with_a_warning_naming_it(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(3):
            keras.utils.save_img(tmp_path / name / f"{i}.png", rng.integers(0, 256, (10, 12, 3)).astype("uint8"))
    (tmp_path / "dog" / "broken.png").write_bytes(b"not an image at all")
    with pytest.warns(UserWarning, match=r"dog[/\\]broken\.png"):
        data = load_dataset(str(tmp_path), input_shape=(8, 8, 3), validation_split=0, batch_size=4)
    images, labels = _concat(data.train)
    assert data.class_names == ["cat", "dog"] and data.classes == 2
    assert images.shape == (6, 8, 8, 3) and sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="must hold one sub-folder per class"):
        load_dataset(str(tmp_path / "empty"))


def test_tfds_name_loads_train_and_test_splits_with_mock_data():
    import tensorflow_datasets as tfds  # a hard dependency (setup.py): a missing install must fail, not skip

    with tfds.testing.mock_data(num_examples=20, policy=tfds.testing.MockPolicy.USE_CODE):
        data = load_dataset("mnist", input_shape=(32, 32, 3), validation_split=0.25, batch_size=8, download=True)
        images, labels = _concat(data.train)
        validation_images, _ = _concat(data.validation)
        test_images, _ = _concat(data.test)
    assert data.classes == 10 and data.class_names[:3] == ["0", "1", "2"]
    assert images.shape[1:] == (32, 32, 3) and len(images) == len(validation_images) == len(test_images) == 20  # mock ignores slicing
    assert 0.0 <= images.min() and images.max() <= 1.0


def _tfds_builder_of_counted_images():
    """A tiny tensorflow-datasets builder, prepared for real (the mock above ignores split slicing): every 4x4
    image is filled with its example's index, so what lands in each split can be read back."""
    import tensorflow_datasets as tfds

    class CountedImages(tfds.core.GeneratorBasedBuilder):
        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            features = tfds.features.FeaturesDict({"image": tfds.features.Image(shape=(4, 4, 1)),
                                                   "label": tfds.features.ClassLabel(num_classes=10)})
            return tfds.core.DatasetInfo(builder=self, features=features, supervised_keys=("image", "label"))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(range(20)), "test": self._generate_examples(range(100, 108))}

        def _generate_examples(self, indices):
            for index in indices:
                yield index, {"image": np.full((4, 4, 1), index, "uint8"), "label": index % 10}

    return CountedImages


def test_tfds_validation_split_is_the_last_fraction_of_the_train_split(tmp_path):
    import tensorflow_datasets as tfds

    builder = _tfds_builder_of_counted_images()(data_dir=str(tmp_path))
    builder.download_and_prepare()
    stored_train = [int(example["image"][0, 0, 0]) for example in tfds.as_numpy(builder.as_dataset(split="train"))]
    assert sorted(stored_train) == list(range(20))
    data = load_dataset(builder.name, input_shape=(4, 4, 1), validation_split=0.25, batch_size=8,
                        preprocessing="none", data_dir=str(tmp_path))
    index_of = lambda dataset: _concat(dataset)[0][:, 0, 0, 0].astype(int).tolist()  # noqa: E731
    # 25% of 20 examples: the last 5 in the split's stored order are held out, in that order; train is shuffled.
    assert index_of(data.validation) == stored_train[15:]
    assert sorted(index_of(data.train)) == sorted(stored_train[:15])
    assert sorted(index_of(data.test)) == list(range(100, 108))
    _, validation_labels = _concat(data.validation)
    assert validation_labels.tolist() == [index % 10 for index in stored_train[15:]]
    no_validation = load_dataset(builder.name, input_shape=(4, 4, 1), validation_split=0.0, preprocessing="none",
                                 data_dir=str(tmp_path))
    assert no_validation.validation is None and sorted(index_of(no_validation.train)) == list(range(20))


def test_pca_lighting_measures_eigenvectors_and_shifts_colours_with_the_right_covariance(tmp_path):
    rng = np.random.default_rng(0)
    mixing = np.array([[1.0, 0.5, 0.2], [0.0, 0.8, 0.3], [0.0, 0.0, 0.4]])
    images = 128 + 40 * (rng.normal(size=(50, 16, 16, 3)) @ mixing)
    layer = PCALighting.from_images(images, stddev=0.1, seed=1)
    values, vectors = np.array(layer.eigenvalues), np.array(layer.eigenvectors)
    covariance = np.cov(images.reshape(-1, 3) / 255.0, rowvar=False)
    np.testing.assert_allclose(vectors @ np.diag(values) @ vectors.T, covariance, rtol=1e-6, atol=1e-9)

    batch = np.full((4000, 2, 2, 3), 100.0, "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(batch, training=False)), batch)
    shifted = keras.ops.convert_to_numpy(layer(batch, training=True))
    shifts = (shifted - batch)[:, 0, 0, :]
    np.testing.assert_allclose(shifted, shifts[:, None, None, :] + batch, atol=1e-3)  # one shift per image
    # shift = 255 * V (alpha * lambda), alpha ~ N(0, 0.1): covariance 255^2 * 0.01 * V diag(lambda^2) V^T.
    expected = 255.0**2 * 0.01 * vectors @ np.diag(values**2) @ vectors.T
    np.testing.assert_allclose(np.cov(shifts, rowvar=False), expected, rtol=0.1, atol=0.02 * expected.max())
    np.testing.assert_allclose(shifts.mean(axis=0), 0.0, atol=4 * np.sqrt(np.diag(expected).max() / 4000))

    inputs = keras.Input((2, 2, 3))
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "lighting.keras")
    loaded = keras.saving.load_model(tmp_path / "lighting.keras", safe_mode=True)
    assert loaded.layers[-1].eigenvalues == layer.eigenvalues
    np.testing.assert_array_equal(loaded.predict(batch[:3], verbose=0), batch[:3])


def _bar_images(count=64):
    """A horizontal bar 20 px long through the centre of a 32x32 image, 255 on 0."""
    images = np.zeros((count, 32, 32, 1), "uint8")
    images[:, 15:17, 6:26] = 255
    return images, np.arange(count) % 2


def _moments(images):
    """Per image: centroid (y, x), orientation in degrees, and the standard deviation of the mass along it."""
    images = images[..., 0].astype("float64")
    ys, xs = np.mgrid[: images.shape[1], : images.shape[2]]
    mass = images.sum(axis=(1, 2))
    cy, cx = (images * ys).sum(axis=(1, 2)) / mass, (images * xs).sum(axis=(1, 2)) / mass
    dy, dx = ys[None] - cy[:, None, None], xs[None] - cx[:, None, None]
    mu20, mu02, mu11 = ((images * dx**2).sum(axis=(1, 2)) / mass, (images * dy**2).sum(axis=(1, 2)) / mass,
                        (images * dx * dy).sum(axis=(1, 2)) / mass)
    angle = np.degrees(0.5 * np.arctan2(2 * mu11, mu20 - mu02))
    major = np.sqrt(0.5 * (mu20 + mu02) + np.sqrt(0.25 * (mu20 - mu02) ** 2 + mu11**2))
    return cy, cx, angle, major


def test_rotate_and_zoom_augment_training_images_only_within_their_ranges():
    images, labels = _bar_images()
    _, _, _, bar_length = _moments(images)
    for name in ("rotate", "zoom"):
        data = load_dataset((images, labels), test=(images, labels), augmentation=[name], validation_split=0,
                            batch_size=64, preprocessing="none")
        augmented, _ = _concat(data.train)
        _, _, angle, length = _moments(augmented)
        if name == "rotate":  # uniform in [-10, 10] degrees; the bar keeps its length
            assert np.abs(angle).max() <= 10.5 and angle.std() > 3.0
            np.testing.assert_allclose(length, bar_length, rtol=0.05)
        else:  # both sides scaled by the same factor in [0.9, 1.1]; the bar stays horizontal
            scale = length / bar_length
            assert 1 / 1.1 - 0.03 <= scale.min() and scale.max() <= 1 / 0.9 + 0.03 and scale.std() > 0.02
            np.testing.assert_allclose(angle, 0.0, atol=0.5)
        test_images, _ = _concat(data.test)
        np.testing.assert_array_equal(np.sort(test_images.ravel()), np.sort(images.ravel().astype("float32")))


def test_each_augmentation_layer_draws_its_own_random_numbers():
    # With one seed for all layers, the rotation angle was a function of the vertical shift.
    images, labels = _bar_images()
    data = load_dataset((images, labels), augmentation=["shift", "rotate"], validation_split=0, batch_size=64,
                        preprocessing="none", seed=3)
    cy, _, angle, _ = _moments(_concat(data.train)[0])
    assert cy.std() > 0.5 and angle.std() > 3.0
    assert abs(np.corrcoef(cy, angle)[0, 1]) < 0.5


def test_cache_keeps_normalised_data_in_memory_or_files(tmp_path):
    images, labels = _bar_images(10)
    prefix = tmp_path / "cached"
    streamed = load_dataset((images, labels), test=(images, labels), validation_split=0.2, batch_size=4, cache=False)
    in_files = load_dataset((images, labels), test=(images, labels), validation_split=0.2, batch_size=4,
                            cache=str(prefix))
    for split in ("validation", "test"):
        expected, _ = _concat(getattr(streamed, split))
        np.testing.assert_allclose(_concat(getattr(in_files, split))[0], expected)
        np.testing.assert_allclose(expected.max(), 1.0)  # "unit" preprocessing applied before the cache
        assert any(name.startswith(f"cached_{split}") for name in os.listdir(tmp_path))
    np.testing.assert_allclose(_concat(getattr(in_files, "test"))[0], expected)  # second pass: read from files
    with pytest.raises(ValueError, match="cache must be 'auto', True, False or a file path prefix; got 3"):
        load_dataset((images, labels), cache=3)
