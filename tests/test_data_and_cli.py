import gzip
import os

import numpy as np
import pytest

from keras_cnns import cli
from keras_cnns.data import load_digits, read_idx


def test_read_idx_reads_the_shared_mnist_split(mnist_dir):
    images = read_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"))
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and set(np.unique(labels)) == set(range(10))
    assert labels[:8].tolist() == [7, 2, 1, 0, 4, 1, 4, 9]  # the well-known start of the MNIST test set


def test_read_idx_handles_uncompressed_files_and_refuses_bad_ones(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in data.shape) + data.tobytes()
    (tmp_path / "ok.idx").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "ok.idx"), data)
    (tmp_path / "short.idx.gz").write_bytes(gzip.compress(raw[:-1]))
    with pytest.raises(ValueError, match=r"header announces shape \(2, 3, 4\)"):
        read_idx(tmp_path / "short.idx.gz")
    (tmp_path / "bad.idx").write_bytes(b"\x89PNG" + raw[4:])
    with pytest.raises(ValueError, match="path must be an IDX file"):
        read_idx(tmp_path / "bad.idx")
    with pytest.raises(ValueError, match="path must be an existing IDX file"):
        read_idx(tmp_path / "missing.idx")


def test_digits_split_is_stratified_and_fixed():
    (x_train, y_train), (x_holdout, y_holdout) = load_digits()
    assert x_train.shape == (1437, 8, 8, 1) and x_holdout.shape == (360, 8, 8, 1)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert np.bincount(y_holdout).min() >= 35
    np.testing.assert_array_equal(load_digits()[1][1], y_holdout)


def test_cli_lists_and_describes_models(capsys):
    assert cli.main(["list", "lenet*"]) == 0
    assert capsys.readouterr().out.split() == ["lenet5", "lenet5_modern"]
    assert cli.main(["info", "lenet5_modern"]) == 0
    assert "61,706" in capsys.readouterr().out


def test_cli_reports_bad_input_without_traceback(capsys):
    assert cli.main(["info", "lenet"]) == 2
    err = capsys.readouterr().err
    assert "name must be a registered model" in err and "Traceback" not in err
    assert cli.main(["demo", "--epochs", "0"]) == 2
    assert "epochs must be an integer >= 1; got 0" in capsys.readouterr().err


def test_demo_trains_and_reports_holdout_accuracy(tmp_path, capsys):
    from keras_cnns.demo import run_demo

    result = run_demo(epochs=4, out_dir=str(tmp_path))
    assert result["accuracy"] > 0.8  # 10 classes: chance is 0.1
    assert os.path.isfile(result["model_path"])
    assert "holdout accuracy" in capsys.readouterr().out


def test_readme_update_refuses_a_file_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n")
    with pytest.raises(ValueError, match="has no <!-- model-table:start -->"):
        cli.update_readme_table(str(readme))
    assert readme.read_text() == "no table here\n"


def test_load_idx_split_gives_the_fixed_mnist_split(mnist_dir, tmp_path):
    from keras_cnns.data import load_idx_split

    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(mnist_dir)
    assert x_train.shape == (8000, 28, 28, 1) and x_holdout.shape == (2000, 28, 28, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() == 1.0
    raw_labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(np.concatenate([y_train, y_holdout]), raw_labels)
    with pytest.raises(ValueError, match="directory"):
        load_idx_split(tmp_path / "missing")
