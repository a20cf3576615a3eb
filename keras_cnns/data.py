"""Datasets: scikit-learn's bundled digits (the offline default), IDX files (MNIST format), image folders,
tensorflow-datasets and numpy arrays, as arrays or as batched `tf.data` pipelines (`load_dataset`)."""

from __future__ import annotations

import dataclasses
import difflib
import gzip
import os
import re
import warnings
from typing import Any

import keras
import numpy as np

from keras_cnns.checks import check_bool, check_choice, check_float, check_int, check_int_sequence, check_type

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


# The project's benchmark split of the MNIST t10k set: its first 8,000 images to train on, the last 2,000 held
# out. Benchmarks pass it explicitly (`load_idx_split(folder, train_size=MNIST_T10K_TRAIN_SIZE)`).
MNIST_T10K_TRAIN_SIZE = 8000
IDX_TEST_MARKERS = ("t10k", "test")


def find_idx_pairs(directory) -> dict:
    """The IDX images/labels pairs of a folder as {"train": (images, labels), "test": (...)} when it holds the
    train and test pairs MNIST, Fashion-MNIST, KMNIST and EMNIST ship (`train-images-idx3-ubyte(.gz)`,
    `t10k-images-idx3-ubyte`, ...), {"all": (images, labels)} when it holds one pair, {} when it holds no IDX
    file. An images file pairs with the labels file whose name differs only by images/labels and idx3/idx1."""
    directory = os.fspath(directory)
    try:
        names = sorted(os.listdir(directory))
    except OSError as err:
        raise ValueError(f"source folder {directory!r} cannot be read: {err}") from None
    images = [n for n in names if "idx3" in n]
    labels = [n for n in names if "idx1" in n]
    if not images and not labels:
        return {}

    def key(name):
        return re.sub(r"(images|labels)?([-_.]?)idx[13]", r"\2", name.lower()).removesuffix(".gz")

    labels_by_key = {key(n): n for n in labels}
    pairs = {key(n): (n, labels_by_key[key(n)]) for n in images if key(n) in labels_by_key}
    if len(pairs) == 1:
        return {"all": next(iter(pairs.values()))}
    tests = [k for k in pairs if any(marker in k for marker in IDX_TEST_MARKERS)]
    trains = [k for k in pairs if "train" in k]
    if len(pairs) == 2 and len(tests) == 1 and len(trains) == 1 and tests != trains:
        return {"train": pairs[trains[0]], "test": pairs[tests[0]]}
    raise ValueError(
        f"source folder {directory!r} must hold one IDX images/labels pair (*images-idx3* and *labels-idx1*, gzip or "
        f"not), or a train pair and a t10k/test pair; got images {images} and labels {labels}")


def _read_idx_pair(directory, pair):
    images = read_idx(os.path.join(directory, pair[0]))
    labels = read_idx(os.path.join(directory, pair[1]))
    pixels, labels = _check_pair(f"IDX pair {pair[0]}, {pair[1]}", images, labels)
    return pixels / 255.0, labels


def load_idx_split(directory, *, test_split: float = 0.2, train_size: int | None = None):
    """The IDX files of a folder as float32 images in [0, 1] of shape (n, h, w, 1) and int32 labels.

    A folder with a train pair and a t10k/test pair (as MNIST and its kin ship) gives those two. A folder with
    one pair is split in file order: the last `test_split` of it held out (0: all of it to train, an empty
    holdout), or, with `train_size`, its first `train_size` images to train on and the rest held out (the
    benchmark split of the MNIST t10k set: `train_size=MNIST_T10K_TRAIN_SIZE`).
    Returns `(x_train, y_train), (x_holdout, y_holdout)`.
    """
    directory = os.fspath(directory)
    test_split = check_float("test_split", test_split, min_value=0.0, max_value=1.0, max_inclusive=False)
    if not os.path.isdir(directory):
        raise ValueError(f"directory must be a folder holding IDX images and labels files; got {directory!r}")
    pairs = find_idx_pairs(directory)
    if not pairs:
        raise ValueError(f"directory {directory!r} holds no IDX file (*images-idx3*, *labels-idx1*)")
    if "train" in pairs:
        if train_size is not None:
            raise ValueError(f"train_size splits a single IDX pair; {directory!r} has its own train and test pairs")
        return _read_idx_pair(directory, pairs["train"]), _read_idx_pair(directory, pairs["test"])
    images, labels = _read_idx_pair(directory, pairs["all"])
    if train_size is None:
        train_size = len(images) - int(round(len(images) * test_split))
        if train_size < 1:
            raise ValueError(f"test_split {test_split} leaves no training images out of {len(images)}")
    else:
        check_int("train_size", train_size, min_value=1, max_value=len(images))
    return (images[:train_size], labels[:train_size]), (images[train_size:], labels[train_size:])


# ----------------------------------------------------------------------------------------------------------
# tf.data pipelines: one entry point, `load_dataset`, for every kind of source.

# keras.applications.imagenet_utils modes ("caffe": BGR mean subtraction as AlexNet/VGG/ResNet, "tf": scale to
# [-1, 1] as Inception/MobileNet, "torch": ImageNet mean/std), plus "unit" (x / 255) and "none" (raw 0-255).
PREPROCESSING_MODES = ("unit", "none", "caffe", "tf", "torch")
AUGMENTATIONS = ("crop", "shift", "rotate", "zoom", "flip", "lighting")
ROTATION_DEGREES = 10  # "rotate": uniform in [-10, +10] degrees
ZOOM_FRACTION = 0.1  # "zoom": both sides scaled by 1 / (1 + u), u uniform in [-0.1, 0.1]
SHIFT_FRACTION = 0.1  # "shift": up to 10% of the height / width each way
RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "pad")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")


@dataclasses.dataclass
class Dataset:
    """Batched, prefetched `tf.data` splits (yielding `(images, int32 labels)`) and what a model needs to know."""

    train: Any
    validation: Any
    test: Any
    classes: int
    input_shape: tuple
    class_names: list
    source: str
    sizes: dict
    preprocessing: str


def preprocessing_for(family_or_model: str) -> str:
    """The input preprocessing of a registered model (or a family) as its paper / keras.applications does it.

    Read from the model's spec (`keras_cnns.model_spec(name).preprocessing`), the same place the family's
    `preprocess_input` reads it from.
    """
    from keras_cnns.registry import list_families, list_models, model_spec

    check_type("family_or_model", family_or_model, str)
    if family_or_model in list_families():
        family_or_model = list_models(family=family_or_model)[0]
    return model_spec(family_or_model).preprocessing


def _near_names(name, names):
    close = difflib.get_close_matches(name.lower(), names, n=5, cutoff=0.6)
    close += [n for n in names if name.lower() in n and n not in close][: 5 - len(close)]
    return close


def _split_fraction(validation_split):
    return check_float("validation_split", validation_split, min_value=0.0, max_value=1.0, max_inclusive=False)


def _arrays_as_pixels(images, name="images"):
    """Images as float32 in [0, 255] with a channel axis; arrays already in [0, 1] are scaled up."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"{name} must have shape (n, height, width) or (n, height, width, channels); got "
                         f"{images.shape}")
    pixels = images.astype("float32")
    if images.dtype.kind == "f" and pixels.size and float(pixels.max()) <= 1.0:
        pixels = pixels * 255.0
    return pixels


def check_labels(name, labels, classes=None) -> np.ndarray:
    """`labels` as int32 class indices: integer values (integral floats are accepted) in [0, classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iufb" or labels.dtype.kind == "b":
        raise TypeError(f"{name} labels must be integer class indices; got an array of dtype {labels.dtype}")
    if labels.dtype.kind == "f" and not (np.all(np.isfinite(labels)) and np.all(labels == np.round(labels))):
        bad = labels[~(np.isfinite(labels) & (labels == np.round(labels)))]
        raise ValueError(f"{name} labels must be whole class indices; got {bad.size} non-integer values such as "
                         f"{bad.flat[0]!r}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} labels must be class indices >= 0; got {labels.min()!r}")
    if classes is not None and labels.size and labels.max() >= classes:
        raise ValueError(f"{name} labels must be in [0, {classes}) for a model with {classes} classes; got "
                         f"{labels.max()!r}")
    return labels.astype("int32")


def check_finite(name, images) -> np.ndarray:
    """`images` as a numeric array without NaN or infinite values."""
    images = np.asarray(images)
    if images.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a numeric array of images; got an array of dtype {images.dtype}")
    if images.dtype.kind == "f":
        bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
        if bad:
            raise ValueError(f"{name} holds {bad} NaN or infinite values; images must be finite numbers")
    return images


def _check_pair(name, images, labels):
    images, labels = check_finite(f"{name} images", images), np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"{name} labels must be a 1-D array of class indices; got shape {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{name} holds {len(images)} images but {len(labels)} labels; they must match one to one")
    if len(images) == 0:
        raise ValueError(f"{name} must hold at least one image; got none")
    return _arrays_as_pixels(images, f"{name} images"), check_labels(name, labels)


def _split_off_validation(x, y, fraction):
    if not fraction:
        return (x, y), None
    count = max(1, int(round(len(x) * fraction)))
    if count >= len(x):
        raise ValueError(f"validation_split {fraction} leaves no training images out of {len(x)}")
    return (x[:-count], y[:-count]), (x[-count:], y[-count:])


def _check_images_readable(paths):
    """Names of image files that cannot be decoded: a header none of JPEG/PNG/GIF/BMP, or a file Pillow's
    `verify` finds truncated or corrupt (checked here so that `sizes["skipped"]` counts every file dropped)."""
    from PIL import Image

    bad = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                head = handle.read(4)
            if not head.startswith(IMAGE_MAGIC):
                bad.append(path)
                continue
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:  # verify() leaves truncated pixel data of some formats unchecked
                image.load()
        except Exception:  # Pillow raises OSError, SyntaxError, ValueError, struct.error... for corrupt files
            bad.append(path)
    return bad


def _folder_datasets(directory, input_shape, validation_split, seed):
    try:
        entries = sorted(os.listdir(directory))
    except OSError as err:
        raise ValueError(f"source folder {directory!r} cannot be read: {err}") from None
    class_dirs = [e for e in entries if os.path.isdir(os.path.join(directory, e))]
    images = [
        os.path.join(directory, c, f)
        for c in class_dirs
        for f in sorted(os.listdir(os.path.join(directory, c)))
        if f.lower().endswith(IMAGE_EXTENSIONS)
    ]
    if not class_dirs or not images:
        raise ValueError(
            f"source folder {directory!r} must hold one sub-folder per class with {'/'.join(IMAGE_EXTENSIONS)} images "
            f"in them; found {len(class_dirs)} sub-folders and {len(images)} images"
        )
    corrupt = _check_images_readable(images)
    if len(corrupt) == len(images):
        raise ValueError(f"source folder {directory!r}: none of its {len(images)} images can be decoded")
    for path in corrupt:
        warnings.warn(f"skipping unreadable or corrupt image {path}", stacklevel=3)
    height, width, channels = input_shape or (256, 256, 3)
    common = dict(image_size=(height, width), color_mode={1: "grayscale", 3: "rgb", 4: "rgba"}[channels],
                  batch_size=None, seed=seed, verbose=False)
    if validation_split:
        train, validation = keras.utils.image_dataset_from_directory(
            directory, validation_split=validation_split, subset="both", **common)
    else:
        train, validation = keras.utils.image_dataset_from_directory(directory, **common), None
    class_names = list(train.class_names)
    # A corrupt image is dropped where it is decoded (its name was warned about above).
    train = train.ignore_errors()
    validation = validation.ignore_errors() if validation is not None else None
    sizes = {"train": None, "validation": None, "test": None, "skipped": len(corrupt)}
    return train, validation, None, class_names, (height, width, channels), sizes


def _tfds_datasets(name, validation_split, data_dir, download):
    import tensorflow_datasets as tfds

    builder_name = name.split(":")[0].split("/")[0]
    known = tfds.list_builders()
    if builder_name not in known:
        near = _near_names(builder_name, known)
        raise ValueError(f"source {name!r} is neither a folder, an IDX folder, 'digits', nor a tensorflow-datasets "
                         f"name; near names: {', '.join(near) if near else 'none (see tfds.list_builders())'}")
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not download:
            raise ValueError(
                f"source {name!r} is a tensorflow-datasets name that is not downloaded (nothing under "
                f"{builder.data_dir!r}); put the prepared dataset in DATA_DIR (data_dir=..., or the TFDS_DATA_DIR "
                f"variable), pass a folder of images or IDX files, or pass download=True (--download) to fetch it")
        try:
            builder.download_and_prepare()
        except Exception as err:  # requests' ConnectionError, tfds' own download errors, ...
            raise ValueError(f"source {name!r} could not be downloaded ({type(err).__name__}: {err}); put the "
                             f"prepared dataset in DATA_DIR (data_dir=...) or pass a folder") from None
    info = builder.info
    # Without prepared metadata (tfds.testing.mock_data) the split names are unknown: assume train/test.
    splits = list(info.splits) or ["train", "test"]
    if "train" not in splits:
        raise ValueError(f"source {name!r} has no 'train' split; it has {splits}")
    percent = int(round(validation_split * 100))
    if "validation" in splits:
        wanted = ["train", "validation"]
    elif percent:
        wanted = [f"train[:{100 - percent}%]", f"train[{100 - percent}%:]"]
    else:
        wanted = ["train"]
    wanted += ["test"] if "test" in splits else []
    loaded = tfds.load(name, split=wanted, as_supervised=True, data_dir=data_dir, download=False)
    train, validation = loaded[0], loaded[1] if len(wanted) > 1 and wanted[1] != "test" else None
    test = loaded[-1] if wanted[-1] == "test" else None
    label_feature = info.features["label"]
    image_shape = tuple(info.features["image"].shape)
    sizes = {"train": None, "validation": None, "test": None}
    return train, validation, test, list(label_feature.names), image_shape, sizes


def check_augmentation(augmentation) -> list:
    """`augmentation` (None, a name from AUGMENTATIONS, a Keras layer, or a list or tuple of them) as a list,
    every name checked."""
    if augmentation is None:
        return []
    items = [augmentation] if isinstance(augmentation, (str, keras.layers.Layer)) else augmentation
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"augmentation must be None, a name, a Keras layer or a list of them; got {augmentation!r}")
    for item in items:
        if not isinstance(item, keras.layers.Layer):
            check_choice("augmentation", item, AUGMENTATIONS)
    return list(items)


def _augmentation_layers(augmentation: list, input_shape, sample_pixels, seed):
    from keras_cnns.layers.augmentation import PCALighting

    height, width, _ = input_shape
    built = []
    for index, item in enumerate(augmentation):
        if isinstance(item, keras.layers.Layer):
            built.append(item)
            continue
        # One seed per layer: layers given the same seed would draw the same random numbers (a rotation angle
        # tied to a shift).
        seed_of_layer = seed + 1000 * index
        if item == "crop":  # pad by 1/8 of the side (4 px on 32) and take a random crop back, as CIFAR/AlexNet
            pad_h, pad_w = max(1, height // 8), max(1, width // 8)
            built += [keras.layers.ZeroPadding2D((pad_h, pad_w)),
                      keras.layers.RandomCrop(height, width, seed=seed_of_layer)]
        elif item == "shift":
            built.append(keras.layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant",
                                                        seed=seed_of_layer))
        elif item == "rotate":
            built.append(keras.layers.RandomRotation(ROTATION_DEGREES / 360, fill_mode="constant", seed=seed_of_layer))
        elif item == "zoom":
            built.append(keras.layers.RandomZoom(ZOOM_FRACTION, fill_mode="constant", seed=seed_of_layer))
        elif item == "flip":
            built.append(keras.layers.RandomFlip("horizontal", seed=seed_of_layer))
        else:
            built.append(PCALighting.from_images(sample_pixels, seed=seed_of_layer))
    return built


def load_dataset(
    source="digits",
    *,
    input_shape=None,
    batch_size: int = 32,
    validation_split: float = 0.1,
    preprocessing: str = "unit",
    augmentation=None,
    resize_method: str = "bilinear",
    test=None,
    test_split: float = 0.2,
    seed: int = 0,
    data_dir=None,
    download: bool = False,
    cache="auto",
) -> Dataset:
    """Batched, prefetched `tf.data` train/validation/test sets and metadata from any of these sources:

    - ``"digits"``: scikit-learn's bundled 8x8 digits (offline; its fixed 80/20 train/test split);
    - a folder of IDX files (gzip or not), read by `load_idx_split`: the train and t10k/test pairs MNIST,
      Fashion-MNIST, KMNIST and EMNIST ship, or a single images/labels pair whose last `test_split` is the test
      set (0: no test set);
    - a folder of class sub-folders of images (`keras.utils.image_dataset_from_directory`; no test split); a
      file whose header is not JPEG/PNG/GIF/BMP is skipped with a warning naming it;
    - a tensorflow-datasets name (``"mnist"``, ``"cifar10:3.0.2"``) with its train/validation/test splits,
      prepared under `data_dir` (tfds' default: ``~/tensorflow_datasets`` or ``TFDS_DATA_DIR``); one that is
      not is refused unless `download` is True (tfds then downloads and prepares it);
    - numpy arrays ``(images, labels)``, with `test=(images, labels)` for a test set.

    Images are resized (`resize_method`; "pad" centres them unscaled, as LeNet-5's 28->32) and converted to
    `input_shape`'s channels, then scaled by `preprocessing` (one of PREPROCESSING_MODES; see
    `preprocessing_for(family)`). `augmentation` (names from AUGMENTATIONS or Keras layers) is applied to the
    training set only, per batch. When `validation_split` > 0 and the source has no validation split, the last
    fraction of the training images is held out.

    `cache`: ``True`` keeps the decoded, resized images (normalised too, where no augmentation follows) in
    memory after the first epoch, so later epochs skip decoding; a path caches them in files ``PATH_train``,
    ``PATH_validation``, ``PATH_test`` instead; ``False`` decodes every epoch; ``"auto"`` (default) caches the
    sources read into memory (digits, IDX, arrays) and streams tfds and image folders.
    """
    import tensorflow as tf

    check_int("batch_size", batch_size, min_value=1)
    validation_split = _split_fraction(validation_split)
    check_float("test_split", test_split, min_value=0.0, max_value=1.0, max_inclusive=False)
    check_choice("preprocessing", preprocessing, PREPROCESSING_MODES)
    check_choice("resize_method", resize_method, RESIZE_METHODS)
    augmentation = check_augmentation(augmentation)
    check_int("seed", seed, min_value=0)
    check_bool("download", download)
    if data_dir is not None:
        check_type("data_dir", data_dir, (str, os.PathLike))
    if not (cache == "auto" or isinstance(cache, (bool, os.PathLike)) or (isinstance(cache, str) and cache)):
        raise ValueError(f"cache must be 'auto', True, False or a file path prefix; got {cache!r}")
    if input_shape is not None:
        input_shape = check_int_sequence("input_shape", input_shape, length=3)
        check_choice("input_shape's channels", input_shape[2], (1, 3, 4))

    arrays = None
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise ValueError(f"source arrays must be a pair (images, labels); got {len(source)} items")
        arrays = _check_pair("source", *source)
        test_arrays = _check_pair("test", *test) if test is not None else None
        description = "arrays"
    elif isinstance(source, (str, os.PathLike)):
        source_path = os.fspath(source)
        if source_path == "digits":
            (x, y), (xt, yt) = load_digits(seed=seed)
            arrays, test_arrays, description = _check_pair("digits", x, y), _check_pair("digits", xt, yt), "digits"
        elif os.path.isdir(source_path):
            if find_idx_pairs(source_path):
                (x, y), (xt, yt) = load_idx_split(source_path, test_split=test_split)
                arrays = _check_pair("IDX", x, y)
                test_arrays = _check_pair("IDX test", xt, yt) if len(xt) else None
                description = f"IDX files in {source_path}"
        else:
            description = None
    else:
        raise TypeError(f"source must be 'digits', a folder, a tensorflow-datasets name or a pair of arrays "
                        f"(images, labels); got {type(source).__name__}")

    if arrays is not None:
        (x, y), validation_arrays = _split_off_validation(*arrays, validation_split)
        classes = int(max(y.max(), test_arrays[1].max() if test_arrays else 0)) + 1
        class_names = [str(i) for i in range(classes)]
        shape = input_shape or tuple(x.shape[1:])
        sizes = {"train": len(x), "validation": len(validation_arrays[0]) if validation_arrays else 0,
                 "test": len(test_arrays[0]) if test_arrays else 0}
        x = _fit_pixels(x, shape, resize_method)
        sample = x[: min(len(x), 2000)]
        raw = [tf.data.Dataset.from_tensor_slices((x, y))]
        for pair in (validation_arrays, test_arrays):
            raw.append(None if pair is None else
                       tf.data.Dataset.from_tensor_slices((_fit_pixels(pair[0], shape, resize_method), pair[1])))
        train, validation, test_set = raw
        fitted = True
    elif os.path.isdir(source_path):
        train, validation, test_set, class_names, shape, sizes = _folder_datasets(
            source_path, input_shape, validation_split, seed)
        classes, description, fitted = len(class_names), f"image folder {source_path}", True
        sample = None
    else:
        train, validation, test_set, class_names, native_shape, sizes = _tfds_datasets(
            source_path, validation_split, data_dir, download)
        classes, description, fitted = len(class_names), f"tensorflow-datasets {source_path}", False
        shape = input_shape or native_shape
        if None in shape:
            raise ValueError(f"input_shape must be given for {source_path!r}, whose images vary in size")
        sample = None

    def to_model_input(image, label):
        image = tf.cast(image, "float32")
        return _fit_tensor(image, shape, resize_method), tf.cast(label, "int32")

    if not fitted:
        train, validation, test_set = (
            None if d is None else d.map(to_model_input, num_parallel_calls=tf.data.AUTOTUNE)
            for d in (train, validation, test_set))
    if sample is None and "lighting" in augmentation:
        sample = np.concatenate([b[0].numpy() for b in train.take(512).batch(512)])
    augment = _augmentation_layers(augmentation, shape, sample, seed)
    normalize = _normalizer(preprocessing, shape[-1])

    def finish(dataset, split, cached):
        if dataset is None:
            return None
        training = split == "train"
        augmented = training and bool(augment)
        if not augmented:  # deterministic up to the batch: normalise once, before the cache
            dataset = dataset.map(lambda image, label: (normalize(image), label), num_parallel_calls=tf.data.AUTOTUNE)
        if cached:
            dataset = dataset.cache("" if cached is True else f"{os.fspath(cached)}_{split}")
        if training:
            dataset = dataset.shuffle(min(sizes.get("train") or 10_000, 10_000), seed=seed,
                                      reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size)
        if augmented:

            def transform(images, labels):
                for layer in augment:
                    images = layer(images, training=True)
                return normalize(images), labels

            dataset = dataset.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.prefetch(tf.data.AUTOTUNE)

    # Sources read into memory are cached after normalisation by default; streamed ones (tfds, image folders)
    # only when asked, since they may not fit in memory.
    cached = (arrays is not None) if cache == "auto" else cache
    return Dataset(
        train=finish(train, "train", cached), validation=finish(validation, "validation", cached),
        test=finish(test_set, "test", cached),
        classes=classes, input_shape=tuple(shape), class_names=class_names, source=description, sizes=sizes,
        preprocessing=preprocessing,
    )


def _fit_tensor(images, shape, resize_method):
    """Resize (or centre-pad/crop) to `shape`'s height and width and convert channels (1 <-> 3)."""
    import tensorflow as tf

    height, width, channels = shape
    if tuple(images.shape[-3:-1]) != (height, width):
        if resize_method == "pad":
            images = tf.image.resize_with_crop_or_pad(images, height, width)
        else:
            images = tf.image.resize(images, (height, width), method=resize_method)
    have = images.shape[-1]
    if have != channels:
        if have == 1 and channels == 3:
            images = tf.image.grayscale_to_rgb(images)
        elif have in (3, 4) and channels == 1:
            images = tf.image.rgb_to_grayscale(images[..., :3])
        elif have == 4 and channels == 3:
            images = images[..., :3]
        else:
            raise ValueError(f"input_shape asks for {channels} channels; images with {have} cannot be converted")
    return images


def _fit_pixels(images, shape, resize_method):
    import tensorflow as tf

    if tuple(images.shape[1:]) == tuple(shape):
        return images
    fitted = [_fit_tensor(tf.constant(images[i : i + 4096]), shape, resize_method).numpy()
              for i in range(0, len(images), 4096)]
    return np.concatenate(fitted)


def _normalizer(preprocessing, channels):
    from keras.applications import imagenet_utils

    if preprocessing in ("caffe", "torch") and channels != 3:
        raise ValueError(f"preprocessing {preprocessing!r} needs RGB images (3 channels); got {channels}: use 'unit' "
                         f"or 'tf', or an input_shape with 3 channels")
    if preprocessing == "none":
        return lambda images: images
    if preprocessing == "unit":
        return lambda images: images / 255.0
    return lambda images: imagenet_utils.preprocess_input(images, data_format="channels_last", mode=preprocessing)
