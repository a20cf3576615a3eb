"""LeNet-5 on the MNIST t10k split (train on the first 8,000, report the last 2,000), and the images/s of
`keras_cnns.training.train`'s tf.data pipeline against a hand-written `model.fit` on in-memory tensors.

    PYTHONPATH=. python benchmarks/train_lenet.py --data ../shared/data/mnist-t10k --out runs/bench_lenet

Prints a markdown report (also written to OUT/report.md); the figures in docs/training.md come from it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import time

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def accuracy_run(variant, data_dir, out, epochs, batch_size, augmentation, recipe):
    from keras_cnns.training import train

    timer = EpochTimer()
    keras.utils.set_random_seed(0)
    shutil.rmtree(out, ignore_errors=True)
    result = train(variant, data_dir, recipe=recipe, epochs=epochs, out_dir=out, batch_size=batch_size,
                   validation_split=0.0, augmentation=augmentation, data_options={"resize_method": "pad"},
                   callbacks=[timer], verbose=2)
    return result["test_accuracy"], float(np.median(timer.seconds)), result["history"][-1]["accuracy"]


def throughput(data_dir, out, batch_size, epochs):
    """Same model, recipe and batch size: train()'s pipeline vs model.fit on in-memory tensors (first epoch,
    which includes tracing, left out)."""
    import tensorflow as tf

    from keras_cnns.data import load_dataset
    from keras_cnns.registry import get_model
    from keras_cnns.training import compile_with_recipe, train

    data = load_dataset(data_dir, input_shape=(32, 32, 1), resize_method="pad", validation_split=0.0,
                        batch_size=batch_size)
    images = tf.constant(np.concatenate([x.numpy() for x, _ in data.train]))
    labels = tf.constant(np.concatenate([y.numpy() for _, y in data.train]))
    count = int(images.shape[0])
    results = {}
    for trial in range(2):  # interleaved, so that a change of load on the shared CPU hits both
        keras.utils.set_random_seed(0)
        model = get_model("lenet5_modern", input_shape=(32, 32, 1), classes=10)
        compile_with_recipe(model, "modern", steps_per_epoch=count // batch_size + 1, epochs=epochs)
        timer = EpochTimer()
        model.fit(images, labels, batch_size=batch_size, epochs=epochs, callbacks=[timer], verbose=0)
        results.setdefault("model.fit on in-memory tensors", []).extend(timer.seconds[1:])

        timer = EpochTimer()
        shutil.rmtree(out, ignore_errors=True)
        keras.utils.set_random_seed(0)
        train("lenet5_modern", data_dir, recipe="modern", epochs=epochs, out_dir=out, batch_size=batch_size,
              validation_split=0.0, data_options={"resize_method": "pad"}, callbacks=[timer], verbose=0)
        results.setdefault("keras_cnns.training.train (tf.data pipeline)", []).extend(timer.seconds[1:])
    return {name: count / float(np.median(seconds)) for name, seconds in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.path.join("..", "shared", "data", "mnist-t10k"))
    parser.add_argument("--out", default="runs/bench_lenet")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--augment", default="shift")
    parser.add_argument("--throughput-epochs", type=int, default=4)
    parser.add_argument("--models", default="lenet5_modern,lenet5", help="comma-separated; empty: no accuracy runs")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    augmentation = [a for a in args.augment.split(",") if a] or None
    lines = [f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores visible, "
             f"load average at start {os.getloadavg()[0]:.2f}", ""]
    if args.models:
        lines += ["| model | recipe | augmentation | epochs | batch | holdout accuracy (2,000) | last train accuracy "
                  "| median s/epoch |", "|---|---|---|---:|---:|---:|---:|---:|"]
        for variant in args.models.split(","):
            accuracy, seconds, train_accuracy = accuracy_run(
                variant, args.data, os.path.join(args.out, variant), args.epochs, args.batch_size, augmentation,
                "modern")
            lines.append(f"| `{variant}` | modern | {args.augment or 'none'} | {args.epochs} | {args.batch_size} "
                         f"| {accuracy:.4f} | {train_accuracy:.4f} | {seconds:.2f} |")
            print(lines[-1], flush=True)
    if not args.skip_throughput:
        lines += ["", f"| `lenet5_modern`, batch {args.batch_size}, no augmentation | images/s |", "|---|---:|"]
        for name, rate in throughput(args.data, os.path.join(args.out, "throughput"), args.batch_size,
                                     args.throughput_epochs).items():
            lines.append(f"| {name} | {rate:,.0f} |")
    lines.append(f"\nload average at end {os.getloadavg()[0]:.2f}")
    report = "\n".join(lines)
    print(report)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as handle:
        handle.write(report + "\n")


if __name__ == "__main__":
    main()
