"""Bad-input sweep: hostile but realistic arguments to the Python API and the `keras-cnns` CLI, each an actual call.

    PYTHONPATH=$PWD python benchmarks/bad_inputs.py [--subprocesses 12] [--out docs/bad_inputs.md]

Every API case states the argument it gets wrong; it passes when the call raises ValueError or TypeError whose
message names that argument. It fails as "accepted" when the call returns, "crash" when it raises another
exception (what a user sees as a deep traceback), "unnamed" when the message does not name the argument.
Every CLI case runs `keras_cnns.cli.main` in this process with stdout/stderr captured; it passes with a
non-zero exit code and exactly one stderr line; an exception escaping `main` is a traceback a user would see.
`--subprocesses N` also runs the first N CLI cases as real `python -m keras_cnns.cli` processes (whole
stderr: one line, no traceback, no TensorFlow log line). `tests/test_robustness.py` runs this sweep.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


@dataclass
class Case:
    name: str
    call: Callable | None = None  # API case: called with no argument
    argument: str = ""  # what the error message must name
    argv: list | None = None  # CLI case


def _tiny_model(classes=3):
    import keras

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(classes)(keras.layers.Flatten()(keras.layers.Conv2D(2, 3)(inputs)))
    return keras.Model(inputs, outputs, name="tiny")


def _write_idx(path, array, compress=False):
    array = np.asarray(array, dtype=np.uint8)
    content = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    content += array.tobytes()
    with open(path, "wb") as handle:
        handle.write(gzip.compress(content) if compress else content)


class Fixtures:
    """Files the cases point at, made once in a temporary folder."""

    def __init__(self, folder):
        import keras

        import tflite

        self.folder = folder
        join = lambda *parts: os.path.join(folder, *parts)  # noqa: E731
        self.model = _tiny_model()
        inputs = keras.Input((8, 8, 1))
        self.dense_model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)), name="dense")
        self.keras_file = join("tiny.keras")
        self.model.save(self.keras_file)
        self.tflite_file = join("tiny.tflite")
        tflite.export(self.model, self.tflite_file)
        self.random_keras = join("random.keras")
        self.random_tflite = join("random.tflite")
        self.truncated_tflite = join("truncated.tflite")
        self.truncated_keras = join("truncated.keras")
        self.text_file = join("notes.txt")
        rng = np.random.default_rng(0)
        for path, content in ((self.random_keras, rng.bytes(512)), (self.random_tflite, rng.bytes(512)),
                              (self.text_file, b"hello\n")):
            with open(path, "wb") as handle:
                handle.write(content)
        with open(self.tflite_file, "rb") as handle:
            flatbuffer = handle.read()
        with open(self.truncated_tflite, "wb") as handle:
            handle.write(flatbuffer[: len(flatbuffer) // 2])
        with open(self.keras_file, "rb") as handle:
            archive = handle.read()
        with open(self.truncated_keras, "wb") as handle:
            handle.write(archive[: len(archive) // 2])
        self.missing = join("missing", "nothing")
        self.empty_dir = join("empty")
        os.mkdir(self.empty_dir)
        self.bad_idx_dir = join("bad_idx")
        os.mkdir(self.bad_idx_dir)
        with open(join("bad_idx", "train-images-idx3-ubyte"), "wb") as handle:
            handle.write(b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") * 3 + b"\x01" * 10)  # truncated data
        with open(join("bad_idx", "train-labels-idx1-ubyte"), "wb") as handle:
            handle.write(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"\x01" * 5)
        self.unpaired_idx_dir = join("unpaired_idx")
        os.mkdir(self.unpaired_idx_dir)
        _write_idx(join("unpaired_idx", "train-images-idx3-ubyte"), np.zeros((4, 8, 8)))
        self.mismatched_idx_dir = join("mismatched_idx")
        os.mkdir(self.mismatched_idx_dir)
        _write_idx(join("mismatched_idx", "data-images-idx3-ubyte"), np.zeros((4, 8, 8)))
        _write_idx(join("mismatched_idx", "data-labels-idx1-ubyte"), np.zeros(5))
        self.images_dir = join("images")
        os.makedirs(join("images", "cat"))
        with open(join("images", "cat", "broken.png"), "wb") as handle:
            handle.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
        self.finished_run = join("finished_run")
        os.mkdir(self.finished_run)
        with open(join("finished_run", "run.json"), "w") as handle:
            json.dump({"settings": {}, "finished": True}, handle)
        self.corrupt_run = join("corrupt_run")
        os.mkdir(self.corrupt_run)
        with open(join("corrupt_run", "run.json"), "w") as handle:
            handle.write("{not json")
        self.foreign_run = join("foreign_run")
        os.mkdir(self.foreign_run)
        with open(join("foreign_run", "best.keras"), "wb") as handle:
            handle.write(archive)
        self.readme_without_markers = join("README.md")
        with open(self.readme_without_markers, "w") as handle:
            handle.write("no table\n")
        self.images = rng.random((6, 8, 8, 1)).astype("float32")
        self.labels = np.array([0, 1, 2, 0, 1, 2])
        keras.utils.set_random_seed(0)


def _with_nan(images):
    images = images.copy()
    images[0, 0, 0, 0] = np.nan
    return images


def _with_inf(images):
    images = images.copy()
    images[1, 2, 2, 0] = np.inf
    return images


def api_cases(f: Fixtures) -> list[Case]:
    import keras_cnns
    import tflite
    from keras_cnns import data, training

    cases = []

    def add(name, argument, call):
        cases.append(Case(name, call=call, argument=argument))

    out = lambda name: os.path.join(f.folder, "runs", name)  # noqa: E731  never created: every case is refused
    images, labels = f.images, f.labels

    # load_dataset: every option, then the data itself.
    for value in (0, -1, 1.5, "32", True, None):
        add(f"load_dataset batch_size={value!r}", "batch_size", lambda v=value: data.load_dataset(batch_size=v))
    for argument in ("validation_split", "test_split"):
        for value in (-0.1, 1.0, 2, "0.1", math.nan, None):
            add(f"load_dataset {argument}={value!r}", argument,
                lambda a=argument, v=value: data.load_dataset(**{a: v}))
    for argument, values in (("preprocessing", ("imagenet", 3, None)), ("resize_method", ("lanczos9", 3, None)),
                             ("seed", (-1, 1.5, "0")), ("download", ("yes", 1)), ("data_dir", (3,)),
                             ("cache", (3, "")), ("augmentation", ("blur", 3, ["crop", "blur"])),
                             ("input_shape", ((0, 8, 1), (8, 8, 2), "8x8", (8, 8), (8.0, 8, 1)))):
        for value in values:
            add(f"load_dataset {argument}={value!r}", argument.split("_")[0] if argument == "input_shape" else argument,
                lambda a=argument, v=value: data.load_dataset(**{a: v}))
    for label, source in (("int", 3), ("None", None), ("bytes", b"digits"), ("1-tuple", (images,)),
                          ("unknown name", "no_such_dataset_zz"), ("missing folder", f.missing),
                          ("empty folder", f.empty_dir), ("truncated IDX", f.bad_idx_dir),
                          ("unpaired IDX", f.unpaired_idx_dir), ("IDX count mismatch", f.mismatched_idx_dir),
                          ("only corrupt images", f.images_dir)):
        argument = {"truncated IDX": "path", "IDX count mismatch": "labels"}.get(label, "source")
        add(f"load_dataset source {label}", argument, lambda s=source: data.load_dataset(s))
    bad_pairs = {
        "NaN images": (_with_nan(images), labels), "inf images": (_with_inf(images), labels),
        "negative labels": (images, labels - 1), "non-integer labels": (images, labels + 0.5),
        "string labels": (images, labels.astype(str)), "2-D labels": (images, labels[:, None].repeat(2, 1)),
        "fewer labels": (images, labels[:4]), "no images": (images[:0], labels[:0]),
        "string images": (images.astype(str), labels), "rank-2 images": (images[:, :, 0, 0], labels),
    }
    for label, pair in bad_pairs.items():
        add(f"load_dataset source arrays with {label}", "source", lambda p=pair: data.load_dataset(p))
        add(f"load_dataset test arrays with {label}", "test",
            lambda p=pair: data.load_dataset((images, labels), test=p))
    add("load_digits holdout_fraction=1.0", "holdout_fraction", lambda: data.load_digits(holdout_fraction=1.0))
    add("load_digits holdout_fraction=0", "holdout_fraction", lambda: data.load_digits(holdout_fraction=0))
    add("load_digits seed=-3", "seed", lambda: data.load_digits(seed=-3))
    add("read_idx missing file", "path", lambda: data.read_idx(f.missing))
    add("read_idx text file", "path", lambda: data.read_idx(f.text_file))
    add("read_idx truncated", "path", lambda: data.read_idx(os.path.join(f.bad_idx_dir, "train-images-idx3-ubyte")))
    for value in (-0.5, 1.0, "0.2", None):
        add(f"load_idx_split test_split={value!r}", "test_split",
            lambda v=value: data.load_idx_split(f.empty_dir, test_split=v))
    add("load_idx_split missing folder", "directory", lambda: data.load_idx_split(f.missing))
    add("load_idx_split empty folder", "directory", lambda: data.load_idx_split(f.empty_dir))
    add("preprocessing_for 3", "family_or_model", lambda: data.preprocessing_for(3))

    # train: refused before anything is written.
    for value in (0, -1, 1.5, "3", None, True):
        add(f"train epochs={value!r}", "epochs",
            lambda v=value: training.train("lenet5_modern", epochs=v, out_dir=out("e")))
    for argument, values in (("verbose", (3, -1, "1")), ("steps_per_execution", (0, 1.5)),
                             ("recipe", ("sgd", 3, None)), ("strategy", ("tpu", 3)),
                             ("batch_size", (0, -4, "32")), ("validation_split", (1.0, -0.2)),
                             ("learning_rate", (0, -0.1, "fast", math.inf, math.nan)), ("out_dir", (3, None))):
        for value in values:
            add(f"train {argument}={value!r}", argument,
                lambda a=argument, v=value: training.train("lenet5_modern", **{"epochs": 1, "out_dir": out("t"), a: v}))
    for value in (3, None, "no_such_model", 2.5):
        add(f"train model={value!r}", "model", lambda v=value: training.train(v, epochs=1, out_dir=out("m")))
    add("train data=3", "source", lambda: training.train("lenet5_modern", data=3, epochs=1, out_dir=out("d")))
    add("train data missing folder", "source",
        lambda: training.train("lenet5_modern", data=f.missing, epochs=1, out_dir=out("d")))
    add("train out_dir finished run", "out_dir",
        lambda: training.train("lenet5_modern", epochs=1, out_dir=f.finished_run))
    add("train out_dir corrupt run.json", "run.json",
        lambda: training.train("lenet5_modern", epochs=1, out_dir=f.corrupt_run))
    add("train out_dir with a foreign best.keras", "out_dir",
        lambda: training.train("lenet5_modern", epochs=1, out_dir=f.foreign_run))
    add("train out_dir is a file", "out_dir", lambda: training.train("lenet5_modern", epochs=1, out_dir=f.text_file))
    add("train augmentation=['blur']", "augmentation",
        lambda: training.train("lenet5_modern", epochs=1, out_dir=out("a"), augmentation=["blur"]))
    add("train data_options resize_method", "resize_method",
        lambda: training.train("lenet5_modern", epochs=1, out_dir=out("a"), data_options={"resize_method": "x"}))
    add("get_recipe('adam')", "recipe", lambda: training.get_recipe("adam"))
    add("get_recipe(3)", "recipe", lambda: training.get_recipe(3))
    for argument, value in (("steps_per_epoch", 0), ("epochs", 0), ("steps_per_execution", 0),
                            ("learning_rate", -1.0), ("learning_rate", "x")):
        add(f"compile_with_recipe {argument}={value!r}", argument,
            lambda a=argument, v=value: training.compile_with_recipe(_tiny_model(), **{a: v}))
    add("ensemble one member", "members", lambda: training.ensemble([f.model]))
    add("ensemble not models", "members", lambda: training.ensemble([f.model, "x"]))
    add("ensemble mismatched inputs", "members", lambda: training.ensemble([f.model, _tiny_shape_model()]))
    add("ensemble members=3", "members", lambda: training.ensemble(3))

    # registry lookups (builder knobs are checked by the builders themselves, outside this sweep)
    add("get_model unknown", "name", lambda: keras_cnns.get_model("no_such_model"))
    add("model_info unknown", "name", lambda: keras_cnns.model_info("vgg17"))
    add("list_models pattern=3", "pattern", lambda: keras_cnns.list_models(3))
    add("list_models family unknown", "family", lambda: keras_cnns.list_models(family="transformers"))
    add("get_builder unknown", "name", lambda: keras_cnns.get_builder("resnet51"))

    # tflite.export / convert
    export_path = os.path.join(f.folder, "out.tflite")
    for label, path in (("empty", ""), ("folder", f.folder), ("missing folder", os.path.join(f.missing, "a.tflite")),
                        ("int", 3), ("bytes", b"a.tflite"), ("None", None)):
        add(f"export path {label}", "path", lambda p=path: tflite.export(f.model, p))
    for value in ("int4", 3, None, "INT8"):
        add(f"export quantization={value!r}", "quantization", lambda v=value: tflite.export(f.model, export_path, v))
    for argument, value in (("int8_io", "yes"), ("per_channel", 1), ("strip_metadata", "no"),
                            ("allow_select_tf_ops", None), ("representative_samples", 0),
                            ("representative_samples", -5), ("representative_samples", 1.5)):
        add(f"export {argument}={value!r}", argument,
            lambda a=argument, v=value: tflite.export(f.model, export_path, "int8", images, **{a: v}))
    add("export int8_io with float quantization", "int8_io",
        lambda: tflite.export(f.model, export_path, "none", int8_io=True))
    for argument, value in (("batch_size", 0), ("batch_size", "1"), ("batch_size", 1.5),
                            ("dense_depthwise_channels", 0), ("dense_depthwise_channels", "8"),
                            ("dense_depthwise_channels", 1.5), ("space_to_depth", "yes"), ("space_to_depth", 1),
                            ("float_stem", "yes"), ("float_stem", 1)):
        add(f"export {argument}={value!r}", argument,
            lambda a=argument, v=value: tflite.export(f.model, export_path, "int8", images, **{a: v}))
    add("export float_stem with float quantization", "float_stem",
        lambda: tflite.export(f.model, export_path, "none", float_stem=True))
    add("export float_stem with int8_io", "float_stem",
        lambda: tflite.export(f.model, export_path, "int8", images, int8_io=True, float_stem=True))
    add("export float_stem without a convolution", "float_stem",
        lambda: tflite.export(f.dense_model, export_path, "int8", images, float_stem=True))
    add("export int8 without representative_data", "representative_data",
        lambda: tflite.export(f.model, export_path, "int8"))
    for label, value in (("NaN", _with_nan(images)), ("inf", _with_inf(images)), ("wrong shape", images[:, :4]),
                         ("int", 3), ("string array", images.astype(str)), ("empty", images[:0]),
                         ("unknown name", "no_such_dataset_zz")):
        add(f"export representative_data {label}", "representative_data",
            lambda v=value: tflite.export(f.model, export_path, "int8", v))
    for label, model in (("int", 3), ("None", None), ("random bytes .keras", f.random_keras),
                         ("truncated .keras", f.truncated_keras), ("missing .keras", f.missing + ".keras"),
                         ("text file", f.text_file), ("a .tflite file", f.tflite_file)):
        add(f"export model {label}", "model", lambda m=model: tflite.export(m, export_path))
    for value in ("int4", "float64"):
        add(f"convert quantization={value!r}", "quantization", lambda v=value: tflite.convert(f.model, v))

    # tflite readers
    for reader, call in (("evaluate", lambda p: tflite.evaluate(p, (images, labels))),
                         ("predict", lambda p: tflite.predict(p, images)),
                         ("benchmark", lambda p: tflite.benchmark(p, runs=1)),
                         ("compare", lambda p: tflite.compare(f.model, p, images))):
        for label, path in (("missing", f.missing + ".tflite"), ("random bytes", f.random_tflite),
                            ("truncated", f.truncated_tflite), ("a .keras file", f.keras_file),
                            ("a folder", f.folder), ("int", 3)):
            add(f"{reader} path {label}", "path", lambda c=call, p=path: c(p))
    bad_data = {
        "labels >= classes": (images, labels + 3), "negative labels": (images, labels - 1),
        "non-integer labels": (images, labels + 0.25), "NaN images": (_with_nan(images), labels),
        "inf images": (_with_inf(images), labels), "no labels": images, "wrong shape": (images[:, :5], labels),
        "fewer labels": (images, labels[:2]), "int": 7, "unknown name": "no_such_dataset_zz",
        "string labels": (images, labels.astype(str)),
    }
    for label, value in bad_data.items():
        add(f"evaluate data {label}", "data", lambda v=value: tflite.evaluate(f.tflite_file, v))
    for label in ("labels >= classes", "negative labels", "NaN images", "wrong shape", "int"):
        add(f"compare data {label}", "data", lambda v=bad_data[label]: tflite.compare(f.model, f.tflite_file, v))
    for argument, value in (("threads", 0), ("runs", 0), ("warmup", -1), ("threads", 1.5), ("runs", "10")):
        add(f"benchmark {argument}={value!r}", argument,
            lambda a=argument, v=value: tflite.benchmark(f.tflite_file, **{a: v}))
    add("evaluate batch_size=0", "batch_size", lambda: tflite.evaluate(f.tflite_file, (images, labels), batch_size=0))
    add("predict batch_size=-1", "batch_size", lambda: tflite.predict(f.tflite_file, images, batch_size=-1))
    add("compare model=3", "model", lambda: tflite.compare(3, f.tflite_file, images))

    # tflite.optimize: refused before any training
    for function in ("prune", "quantization_aware", "fine_tune", "cluster"):
        for argument, value in (("batch_size", 0), ("epochs", 0), ("steps_per_epoch", 0), ("verbose", 5),
                                ("learning_rate", -1.0)):
            add(f"{function} {argument}={value!r}", argument,
                lambda fn=function, a=argument, v=value: _optimize(fn, f.model, (images, labels), **{a: v}))
    for label in ("NaN images", "negative labels", "labels >= classes", "no labels"):
        add(f"prune data {label}", "data", lambda v=bad_data[label]: tflite.prune(f.model, v, epochs=1))
    add("prune target_sparsity=1.0", "target_sparsity", lambda: tflite.prune(f.model, (images, labels), 1.0))
    add("prune ramp=0", "ramp", lambda: tflite.prune(f.model, (images, labels), ramp=0))
    add("cluster n_clusters=1", "n_clusters", lambda: tflite.cluster(f.model, 1))
    return cases


def _tiny_shape_model():
    import keras

    inputs = keras.Input((9, 9, 1))
    return keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))


def _optimize(function, model, data, **kwargs):
    import tflite

    if function == "cluster":
        return tflite.cluster(model, 4, data, **kwargs)
    return getattr(tflite, function)(model, data, **kwargs)


def cli_cases(f: Fixtures) -> list[Case]:
    out = lambda name: os.path.join(f.folder, "cli_runs", name)  # noqa: E731  never created
    tfl = os.path.join(f.folder, "cli.tflite")
    bad_train_options = [
        ["--epochs", "0"], ["--epochs", "-2"], ["--epochs", "two"], ["--batch-size", "0"],
        ["--validation-split", "1.5"], ["--validation-split", "nan"], ["--augment", "blur"], ["--recipe", "sgd"],
        ["--resize", "lanczos"], ["--strategy", "tpu"], ["--steps-per-execution", "0"], ["--verbose", "5"],
        ["--learning-rate", "-1"], ["--learning-rate", "inf"],
        *(["--data", folder] for folder in (f.missing, f.text_file, f.empty_dir, f.bad_idx_dir, f.unpaired_idx_dir,
                                           f.mismatched_idx_dir, f.images_dir)),
        ["--data", "mnist", "--data-dir", f.empty_dir],
    ]
    cases = [Case(f"cli {' '.join(argv)}", argv=argv) for argv in [
        ["list", "zzz*"], ["list", "--family", "transformers"], ["list", "vgg*", "--family", "lenet"],
        ["info", "vgg17"], ["info"], ["table", "--update", f.missing], ["table", "--update", f.readme_without_markers],
        ["table", "--update", f.folder], ["nonsense"], [], ["--no-such-flag", "list"],
        ["demo", "--epochs", "0"], ["demo", "--model", "no_such_model", "--no-tflite"], ["demo", "--epochs", "x"],
        ["demo", "--out", f.text_file, "--epochs", "1", "--no-tflite"],
        ["train", "no_such_model", "--out", out("a")],
        *(["train", "lenet5_modern", *option, "--out", out("a")] for option in bad_train_options),
        ["train", "lenet5_modern", "--out", f.text_file], ["train", "lenet5_modern", "--out", f.finished_run],
        ["train", "lenet5_modern", "--out", f.corrupt_run], ["train", "lenet5_modern", "--out", f.foreign_run],
        ["train"], ["train", "lenet5_modern", "--no-such-option"],
        ["train", "lenet5_modern", "--epochs", "1", "--out", "/proc/keras_cnns_run"],  # unwritable, even for root
        ["export", f.missing + ".keras", "--out", tfl], ["export", f.random_keras, "--out", tfl],
        ["export", f.truncated_keras, "--out", tfl], ["export", "no_such_model", "--out", tfl],
        ["export", f.text_file, "--out", tfl], ["export", "lenet5_modern", "--quantization", "int4", "--out", tfl],
        ["export", "lenet5_modern", "--quantization", "int8", "--out", tfl],
        ["export", "lenet5_modern", "--out", f.folder], ["export", "lenet5_modern", "--out", ""],
        ["export", "lenet5_modern", "--out", os.path.join(f.missing, "a.tflite")],
        ["export", "lenet5_modern", "--input-shape", "abc", "--out", tfl],
        ["export", "lenet5_modern", "--out", "/proc/keras_cnns.tflite"],
        ["export", "lenet5_modern", "--evaluate", "--out", tfl], ["export", "lenet5_modern"],
        ["export", "lenet5_modern", "--quantization", "int8", "--data", f.missing, "--out", tfl],
        ["export", "lenet5_modern", "--quantization", "int8", "--data", f.empty_dir, "--out", tfl],
        ["export", "lenet5_modern", "--dense-depthwise", "0", "--out", tfl],
        ["export", "lenet5_modern", "--dense-depthwise", "eight", "--out", tfl],
        ["export", "lenet5_modern", "--space-to-depth", "maybe", "--out", tfl],
        ["export", "lenet5_modern", "--float-stem", "--out", tfl],
        ["export", "lenet5_modern", "--quantization", "int8", "--data", "digits", "--float-stem", "--target", "micro",
         "--out", tfl],
        ["bench", f.missing + ".tflite"], ["bench", f.random_tflite], ["bench", f.truncated_tflite],
        ["bench", f.keras_file], ["bench", f.folder], ["bench", f.tflite_file, "--threads", "0"],
        ["bench", f.tflite_file, "--runs", "0"], ["bench", f.tflite_file, "--runs", "many"],
        ["bench", f.tflite_file, "--runs", "1", "--data", f.missing], ["bench"],
        ["visualize", "no_such_model", "--layer", "x", "--image", f.text_file, "--out", out("v.png")],
        ["visualize", f.random_keras, "--layer", "x", "--image", f.text_file, "--out", out("v.png")],
        ["visualize", "lenet5_modern", "--layer", "no_such_layer", "--image", f.text_file, "--out", out("v.png")],
        ["visualize", "lenet5_modern", "--layer", "x", "--image", f.missing, "--out", out("v.png")],
    ]]
    return cases


def run_api_case(case: Case) -> tuple[str, str]:
    try:
        case.call()
    except (ValueError, TypeError) as err:
        message = str(err)
        if "\n" in message.strip():
            return "multi-line", message
        return ("ok" if case.argument.lower() in message.lower() else "unnamed"), message
    except Exception as err:  # noqa: BLE001  what a user would see as a traceback
        return "crash", f"{type(err).__name__}: {err}"
    return "accepted", "returned normally"


def run_cli_case(case: Case) -> tuple[str, str]:
    from keras_cnns import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = cli.main(case.argv)
        except SystemExit as exit_:
            code = exit_.code
        except BaseException:  # noqa: BLE001  an exception escaping main: a traceback for the user
            return "traceback", traceback.format_exc(limit=3)
    lines = stderr.getvalue().strip().splitlines()
    if "Traceback" in stderr.getvalue():
        return "traceback", stderr.getvalue()
    if code in (0, None):
        return "accepted", stdout.getvalue()[-200:]
    if len(lines) != 1:
        return "multi-line", stderr.getvalue()
    return "ok", lines[0]


def run_cli_subprocess(case: Case) -> tuple[str, str]:
    environment = {**os.environ, "PYTHONPATH": REPO, "CUDA_VISIBLE_DEVICES": ""}
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)  # quiet must not depend on it
    completed = subprocess.run([sys.executable, "-m", "keras_cnns.cli", *case.argv], env=environment,
                               capture_output=True, text=True, timeout=600)
    lines = completed.stderr.strip().splitlines()
    if "Traceback" in completed.stderr:
        return "traceback", completed.stderr[-500:]
    if completed.returncode == 0:
        return "accepted", completed.stdout[-200:]
    if len(lines) != 1:
        return "multi-line", completed.stderr[-500:]
    return "ok", lines[0]


def sweep(folder, subprocesses=0) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    fixtures = Fixtures(folder)
    results = []
    for case in api_cases(fixtures):
        outcome, detail = run_api_case(case)
        results.append({"kind": "api", "case": case.name, "argument": case.argument, "outcome": outcome,
                        "detail": detail})
    cli = cli_cases(fixtures)
    for case in cli:
        outcome, detail = run_cli_case(case)
        results.append({"kind": "cli", "case": case.name, "outcome": outcome, "detail": detail})
    for case in cli[:subprocesses]:
        outcome, detail = run_cli_subprocess(case)
        results.append({"kind": "cli-process", "case": case.name, "outcome": outcome, "detail": detail})
    written = [os.path.join(root, name) for root, _, names in os.walk(os.path.join(folder, "runs")) for name in names]
    written += [os.path.join(root, name) for root, _, names in os.walk(os.path.join(folder, "cli_runs"))
                for name in names]
    counts = {}
    for result in results:
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
    return {"results": results, "counts": counts, "written_by_refused_calls": written}


def summary(report) -> str:
    results = report["results"]
    by_kind = {kind: sum(r["kind"] == kind for r in results) for kind in ("api", "cli", "cli-process")}
    count = lambda kind, outcome: sum(r["kind"] == kind and r["outcome"] == outcome for r in results)  # noqa: E731
    return (f"{len(results)} cases ({by_kind['api']} API, {by_kind['cli']} CLI in-process, {by_kind['cli-process']} "
            f"CLI processes): tracebacks shown to a CLI user "
            f"{count('cli', 'traceback') + count('cli-process', 'traceback')}; "
            f"silently accepted {sum(r['outcome'] == 'accepted' for r in results)}; API errors not naming their "
            f"argument {count('api', 'unnamed')}; API crashes (not ValueError/TypeError) {count('api', 'crash')}; "
            f"multi-line errors {sum(r['outcome'] == 'multi-line' for r in results)}; files written by refused "
            f"calls {len(report['written_by_refused_calls'])}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subprocesses", type=int, default=12, help="CLI cases also run as real processes")
    parser.add_argument("--out", default=None, help="write a markdown report here")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        report = sweep(folder, args.subprocesses)
    text = summary(report)
    print(text)
    failures = [r for r in report["results"] if r["outcome"] != "ok"]
    for result in failures:
        print(f"  {result['outcome']:10s} {result['case']}: {result['detail'][:300]!r}")
    if args.out:
        commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], cwd=REPO,
                                capture_output=True, text=True).stdout.strip() or "unknown"
        finished = datetime.datetime.now(datetime.timezone.utc)
        command = f"PYTHONPATH=$PWD python benchmarks/bad_inputs.py --subprocesses {args.subprocesses} --out {args.out}"
        lines = ["# Bad-input sweep", "",
                 f"`{command}` (main at commit {commit}, {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC, "
                 f"{os.cpu_count()} CPU cores; TMP is the sweep's temporary folder)", "", text, "",
                 "| kind | case | outcome | message |", "|---|---|---|---|"]
        cell = lambda text: text.replace(folder, "TMP").replace("|", "/")  # noqa: E731
        lines += [f"| {r['kind']} | {cell(r['case'])} | {r['outcome']} | "
                  f"{cell(r['detail'])[:160].replace(chr(10), ' ')} |" for r in report["results"]]
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0 if not failures and not report["written_by_refused_calls"] else 1


if __name__ == "__main__":
    sys.exit(main())
