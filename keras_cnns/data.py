"""Datasets as arrays: scikit-learn's bundled digits (the offline default) and IDX files (MNIST format)."""

from __future__ import annotations

import gzip
import os

import numpy as np

from keras_cnns.checks import check_float, check_int

IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}  # fmt: skip


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into an array of the shape its header gives."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"path must be an existing IDX file; got {path!r}")
    with open(path, "rb") as handle:
        is_gzip = handle.read(2) == b"\x1f\x8b"
    with (gzip.open if is_gzip else open)(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES:
        raise ValueError(f"path must be an IDX file (magic 0x0000 + type + rank); {path!r} starts with {data[:4]!r}")
    dtype, rank = np.dtype(IDX_DTYPES[data[2]]), data[3]
    header = 4 + 4 * rank
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"path {path!r} holds {len(data) - header} bytes of data, but its header announces shape {shape} "
            f"({expected - header} bytes)"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def load_digits(holdout_fraction: float = 0.2, seed: int = 0):
    """scikit-learn's bundled 8x8 digits (1,797 images, offline) as float32 in [0, 1], shape (n, 8, 8, 1).

    Returns `(x_train, y_train), (x_holdout, y_holdout)` with a stratified split fixed by `seed`.
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    check_float("holdout_fraction", holdout_fraction, min_value=0.0, max_value=1.0, min_inclusive=False,
                max_inclusive=False)
    check_int("seed", seed, min_value=0)
    digits = sklearn_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]
    x_train, x_holdout, y_train, y_holdout = train_test_split(
        images, digits.target.astype("int32"), test_size=holdout_fraction, random_state=seed, stratify=digits.target
    )
    return (x_train, y_train), (x_holdout, y_holdout)


MNIST_T10K_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def load_idx_split(directory, *, train_size: int = 8000, files=MNIST_T10K_FILES):
    """An IDX images/labels pair as float32 images in [0, 1] of shape (n, h, w, 1), split in file order.

    With the defaults it reads the MNIST t10k set and returns the project's fixed split: the first 8,000
    images to train on, the last 2,000 as the holdout. Returns `(x_train, y_train), (x_holdout, y_holdout)`.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"directory must be a folder holding {files[0]} and {files[1]}; got {directory!r}")
    images = read_idx(os.path.join(directory, files[0]))
    labels = read_idx(os.path.join(directory, files[1]))
    if images.ndim != 3:
        raise ValueError(f"{files[0]} must hold images of rank 3 (n, height, width); got shape {images.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{files[0]} holds {len(images)} images but {files[1]} holds {len(labels)} labels")
    check_int("train_size", train_size, min_value=1, max_value=len(images) - 1)
    images = (images.astype("float32") / 255.0)[..., None]
    labels = labels.astype("int32")
    return (images[:train_size], labels[:train_size]), (images[train_size:], labels[train_size:])
