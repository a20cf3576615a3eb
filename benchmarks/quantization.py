"""Quantization benchmark: Keras vs .tflite variants (PTQ, QAT, pruning, per-tensor, stripped) on the MNIST t10k
split, and fp32/fp16/dynamic/int8 size and latency of ResNet50 and MobileNet 1.0 at 224. Writes
docs/quantization.md with the figures it measured (one run; every ratio comes from that run).

    PYTHONPATH=$PWD python benchmarks/quantization.py [--data ../shared/data/mnist-t10k] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time

import keras
import numpy as np

import keras_cnns
import tflite
from keras_cnns.data import load_idx_split
from tflite.datasets import fit_images

SMALL_SHAPE = (32, 32, 1)


def _builder(name):
    """keras_cnns' builder when the zoo has it, else keras.applications' (the report says which)."""
    if hasattr(keras_cnns, name):
        return getattr(keras_cnns, name), f"keras_cnns.{name}"
    return getattr(keras.applications, name), f"keras.applications.{name} (keras_cnns.{name} not in this branch)"


def small_models():
    mobilenet, mobilenet_source = _builder("MobileNet")
    return [
        ("LeNet-5 (modern)", lambda: keras_cnns.get_model("lenet5_modern", input_shape=SMALL_SHAPE, classes=10),
         "keras_cnns lenet5_modern"),
        ("MobileNet alpha 0.25", lambda: mobilenet(input_shape=SMALL_SHAPE, alpha=0.25, weights=None, classes=10),
         mobilenet_source),
    ]


def train(model, x, y, epochs, learning_rate=2e-3):
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=epochs, verbose=2)
    return model


def keras_accuracy(model, x, y):
    return float(np.mean(model.predict(x, batch_size=256, verbose=0).argmax(-1) == y))


def measure(path, holdout, runs):
    timing = tflite.benchmark(path, threads=1, runs=runs)
    accuracy = tflite.evaluate(path, holdout)["accuracy"] if holdout is not None else None
    return {"size": timing["size_bytes"], "median_ms": timing["median_ms"], "p90_ms": timing["p90_ms"],
            "accuracy": accuracy}


def small_model_rows(name, build, x_train, y_train, holdout, epochs, folder, runs, finetune_steps):
    keras.utils.set_random_seed(0)
    start = time.time()
    model = train(build(), x_train, y_train, epochs)
    reference = keras_accuracy(model, *holdout)
    rows = []

    def add(variant, exported_model, quantization, note="", **options):
        path = os.path.join(folder, f"{name.split()[0]}_{len(rows)}.tflite")
        try:
            tflite.export(exported_model, path, quantization, **options)
            rows.append({"variant": variant, "note": note, **measure(path, holdout, runs)})
        except Exception as err:  # one failed variant is reported, the run goes on
            rows.append({"variant": variant, "note": f"FAILED: {type(err).__name__}: {str(err)[:200]}"})

    add("fp32", model, "none")
    add("float16", model, "float16")
    add("dynamic range", model, "dynamic")
    add("PTQ int8 (per-channel)", model, "int8", representative_data=x_train)
    add("PTQ int8 per-tensor", model, "int8", representative_data=x_train, per_channel=False)
    add("PTQ int8 stripped", model, "int8", representative_data=x_train, strip_metadata=True)
    add("PTQ int8 per-tensor + stripped", model, "int8", representative_data=x_train, per_channel=False,
        strip_metadata=True)
    add("PTQ int8, int8 I/O", model, "int8", representative_data=x_train, int8_io=True)
    try:
        qat = tflite.quantization_aware(model, (x_train, y_train), epochs=1, learning_rate=1e-4,
                                        steps_per_epoch=finetune_steps)
        add("QAT int8", qat, "int8", note=f"{finetune_steps} fine-tuning steps of 64")
    except Exception as err:
        rows.append({"variant": "QAT int8", "note": f"FAILED: {type(err).__name__}: {str(err)[:200]}"})
    try:
        pruned = tflite.prune(model, (x_train, y_train), target_sparsity=0.5, epochs=2, learning_rate=1e-4,
                              steps_per_epoch=finetune_steps)
        sparsity = tflite.kernel_sparsity(pruned)
        pruned_accuracy = keras_accuracy(pruned, *holdout)
        add("pruned 50% fp32", pruned, "none", note=f"{2 * finetune_steps} steps; kernel sparsity {sparsity:.3f}, "
            f"Keras acc {pruned_accuracy:.4f}")
        add("pruned 50% + PTQ int8", pruned, "int8", representative_data=x_train)
    except Exception as err:
        rows.append({"variant": "pruned 50%", "note": f"FAILED: {type(err).__name__}: {str(err)[:200]}"})
    print(f"{name}: {time.time() - start:.0f} s")
    return reference, model.count_params(), rows


def big_model_rows(folder, runs, on_row=lambda rows: None):
    rows = []
    calibration = np.random.default_rng(0).random((8, 224, 224, 3), dtype=np.float32)
    for name in ("MobileNet", "ResNet50"):
        build, source = _builder(name)
        keras.utils.set_random_seed(0)
        model = build(input_shape=(224, 224, 3), weights=None, classes=1000)
        for quantization in ("none", "float16", "dynamic", "int8"):
            path = os.path.join(folder, f"{name}_{quantization}.tflite")
            start = time.time()
            tflite.export(model, path, quantization, representative_data=calibration if quantization == "int8"
                          else None)
            print(f"{name} {quantization}: exported in {time.time() - start:.0f} s")
            rows.append({"model": f"{name} 1.0" if name == "MobileNet" else name, "source": source,
                         "quantization": quantization, **measure(path, None, runs)})
            on_row(rows)
        keras.backend.clear_session()
    return rows


def cpu_description():
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        return f"{fields.get('Model name', '?').strip()}, {fields.get('CPU(s)', '?').strip()} CPUs"
    except OSError:
        return platform.processor()


def write_markdown(path, small, big, args, seconds):
    out = ["# Quantization and export: measured figures", "",
           f"Measured by `benchmarks/quantization.py` in one run ({seconds / 60:.0f} min) on {cpu_description()} "
           f"(shared with other jobs, so latencies are noisy); TensorFlow/LiteRT conversion, LiteRT interpreter, "
           f"1 thread, batch 1, median and 90th percentile of {args.runs} runs (big models: {args.big_runs}).", "",
           f"Data: MNIST t10k split (`{args.data}`): trained {args.epochs} epochs on the first 8,000 images "
           "(resized to 32x32), accuracy on the last 2,000. Accuracy of a `.tflite` file is measured under "
           "LiteRT; Δ is against the Keras model's holdout accuracy, in percentage points.", ""]
    for name, source, reference, parameters, rows in small:
        fp32 = rows[0]
        out += [f"## {name} ({source}, {parameters:,} parameters) — Keras holdout accuracy {reference:.4f}", "",
                "| variant | bytes | × fp32 size | accuracy | Δ pp | median ms | p90 ms | note |",
                "|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in rows:
            if "size" not in row:
                out.append(f"| {row['variant']} | | | | | | | {row['note']} |")
                continue
            out.append(f"| {row['variant']} | {row['size']:,} | {row['size'] / fp32['size']:.3f} | "
                       f"{row['accuracy']:.4f} | {100 * (row['accuracy'] - reference):+.2f} | "
                       f"{row['median_ms']:.3f} | {row['p90_ms']:.3f} | {row['note']} |")
        out.append("")
    out += ["## Big models at 224x224 (random weights: size and latency only)", "",
            f"{args.big_runs} runs each; int8 calibrated on 8 random images.", "",
            "| model | quantization | bytes | × fp32 size | median ms | p90 ms | builder |",
            "|---|---|---:|---:|---:|---:|---|"]
    for row in big:
        fp32 = next(r for r in big if r["model"] == row["model"] and r["quantization"] == "none")
        out.append(f"| {row['model']} | {row['quantization']} | {row['size']:,} | {row['size'] / fp32['size']:.3f} "
                   f"| {row['median_ms']:.2f} | {row['p90_ms']:.2f} | {row['source']} |")
    out.append("")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.path.join("..", "shared", "data", "mnist-t10k"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--big-runs", type=int, default=20)
    parser.add_argument("--out", default=os.path.join("docs", "quantization.md"))
    parser.add_argument("--finetune-steps", type=int, default=60, help="steps per epoch of QAT / pruning")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-small", action="store_true")
    args = parser.parse_args()
    start = time.time()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(args.data)
    x_train, x_holdout = fit_images(x_train, SMALL_SHAPE), fit_images(x_holdout, SMALL_SHAPE)
    holdout = (x_holdout, y_holdout.astype("int64"))
    small, big = [], []
    with tempfile.TemporaryDirectory() as folder:
        for name, build, source in [] if args.skip_small else small_models():
            reference, parameters, rows = small_model_rows(name, build, x_train, y_train, holdout, args.epochs,
                                                           folder, args.runs, args.finetune_steps)
            small.append((name, source, reference, parameters, rows))
            write_markdown(args.out, small, big, args, time.time() - start)  # partial results survive
        if not args.skip_big:
            big = big_model_rows(folder, args.big_runs,
                                 lambda rows: write_markdown(args.out, small, rows, args, time.time() - start))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    write_markdown(args.out, small, big, args, time.time() - start)
    print(open(args.out, encoding="utf-8").read())


if __name__ == "__main__":
    main()
