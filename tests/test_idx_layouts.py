"""IDX folders as users have them: MNIST-style train + t10k pairs, or one pair of any size split by test_split."""

import gzip

import numpy as np
import pytest

from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, find_idx_pairs, load_dataset, load_idx_split


def _write_idx(path, array, compress=False):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    content = header + array.tobytes()
    path.write_bytes(gzip.compress(content) if compress else content)


def _pair(folder, prefix, count, seed, compress=False, size=4):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    _write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    _write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return images, labels


def _labels(dataset):
    return np.concatenate([y.numpy() for _, y in dataset])


def test_train_and_t10k_pairs_load_as_train_and_test(tmp_path):
    _, train_labels = _pair(tmp_path, "train", 60, seed=0, compress=True)
    _, test_labels = _pair(tmp_path, "t10k", 25, seed=1)  # one pair gzipped, the other not, as users unpack them
    (tmp_path / "README.txt").write_text("not an IDX file")
    assert find_idx_pairs(tmp_path) == {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    data = load_dataset(str(tmp_path), validation_split=0.2, batch_size=100)
    assert data.sizes == {"train": 48, "validation": 12, "test": 25}
    np.testing.assert_array_equal(_labels(data.test), test_labels)
    np.testing.assert_array_equal(_labels(data.validation), train_labels[48:])
    assert sorted(_labels(data.train)) == sorted(train_labels[:48])


def test_emnist_style_names_pair_up(tmp_path):
    _pair(tmp_path, "emnist-digits-train", 12, seed=0)
    _pair(tmp_path, "emnist-digits-test", 5, seed=1)
    (x, _), (xt, _) = load_idx_split(tmp_path)
    assert (len(x), len(xt)) == (12, 5)


def test_a_single_pair_of_any_size_is_split_by_test_split(tmp_path):
    _, labels = _pair(tmp_path, "data", 8000, seed=2, size=2)  # 8,000 images: refused by the old fixed cut
    data = load_dataset(str(tmp_path), validation_split=0.0, test_split=0.25, batch_size=4000)
    assert data.sizes == {"train": 6000, "validation": 0, "test": 2000}
    np.testing.assert_array_equal(_labels(data.test), labels[6000:])
    whole = load_dataset(str(tmp_path), validation_split=0.1, test_split=0, batch_size=4000)
    assert whole.sizes == {"train": 7200, "validation": 800, "test": 0} and whole.test is None
    (x, y), (xt, yt) = load_idx_split(tmp_path, train_size=7999)
    assert (len(x), len(xt)) == (7999, 1)
    np.testing.assert_array_equal(np.concatenate([y, yt]), labels)


def test_benchmark_split_is_an_explicit_option(mnist_dir):
    (x, _), (xt, _) = load_idx_split(mnist_dir, train_size=MNIST_T10K_TRAIN_SIZE)
    assert (len(x), len(xt)) == (8000, 2000)


def test_unpaired_or_ambiguous_idx_folders_are_refused_naming_the_files(tmp_path):
    _pair(tmp_path, "train", 5, seed=0)
    _pair(tmp_path, "extra", 5, seed=1)
    _pair(tmp_path, "more", 5, seed=2)
    with pytest.raises(ValueError, match=r"one IDX images/labels pair .* or a train pair and a t10k/test pair; got "
                                         r"images \['extra-images"):
        load_dataset(str(tmp_path))
    with pytest.raises(ValueError, match="test_split must be a number >= 0.0 and < 1.0; got 1.5"):
        load_idx_split(tmp_path, test_split=1.5)
    with pytest.raises(ValueError, match="directory .* holds no IDX file"):
        load_idx_split(tmp_path.parent)


def test_a_mismatched_or_malformed_idx_pair_is_refused_naming_both_files(tmp_path):
    images, labels = _pair(tmp_path, "data", 6, seed=3)
    (x, y), _ = load_idx_split(tmp_path, train_size=6)
    np.testing.assert_allclose(x[..., 0], images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    pair = "IDX pair data-images-idx3-ubyte, data-labels-idx1-ubyte"
    _write_idx(tmp_path / "data-labels-idx1-ubyte", labels[:5])
    with pytest.raises(ValueError, match=f"{pair} holds 6 images but 5 labels"):
        load_idx_split(tmp_path)
    _write_idx(tmp_path / "data-labels-idx1-ubyte", labels.reshape(2, 3))
    with pytest.raises(ValueError, match=f"{pair} labels must be a 1-D array of class indices; got shape \\(2, 3\\)"):
        load_idx_split(tmp_path)
    _write_idx(tmp_path / "data-images-idx3-ubyte", images.reshape(6, 16))
    _write_idx(tmp_path / "data-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match=f"{pair} images must have shape \\(n, height, width\\)"):
        load_idx_split(tmp_path)
    _write_idx(tmp_path / "data-images-idx3-ubyte", images[:0])
    _write_idx(tmp_path / "data-labels-idx1-ubyte", labels[:0])
    with pytest.raises(ValueError, match=f"{pair} must hold at least one image"):
        load_idx_split(tmp_path)


def test_a_tfds_name_not_downloaded_is_refused_offline_in_one_line(tmp_path, capsys):
    from keras_cnns import cli

    with pytest.raises(ValueError, match=r"source 'mnist' is a tensorflow-datasets name that is not downloaded "
                                         r"\(nothing under .*\); put the prepared dataset in DATA_DIR"):
        load_dataset("mnist", data_dir=str(tmp_path))
    assert cli.main(["train", "lenet5_modern", "--data", "mnist", "--data-dir", str(tmp_path), "--out",
                     str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "not downloaded" in error
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_a_truncated_png_in_an_image_folder_is_counted_as_skipped(tmp_path):
    import warnings

    import matplotlib.image

    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for index in range(2):
            matplotlib.image.imsave(tmp_path / label / f"{index}.png", rng.random((6, 6)), cmap="gray")
    whole = (tmp_path / "a" / "0.png").read_bytes()
    (tmp_path / "a" / "0.png").write_bytes(whole[: len(whole) // 2])  # valid PNG header, truncated pixel data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_dataset(str(tmp_path), input_shape=(6, 6, 1), validation_split=0, batch_size=8)
    assert data.sizes["skipped"] == 1
    assert any("0.png" in str(w.message) and "skipping" in str(w.message) for w in caught)
    assert len(_labels(data.train)) == 3
