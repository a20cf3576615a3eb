"""LeNet-5 on the MNIST t10k split (train on the first 8,000, report the last 2,000), and the images/s of
`keras_cnns.training.train` against a hand-written `model.fit` on in-memory tensors.

    PYTHONPATH=. python benchmarks/train_lenet.py accuracy --epochs 80 --augment shift,rotate,zoom
    PYTHONPATH=. python benchmarks/train_lenet.py throughput --repeats 3
    PYTHONPATH=. python benchmarks/train_lenet.py docs      # tables -> docs/training.md and README.md

Each measuring command stores its figures, the machine (`lscpu` model, cores) and the load average in
docs/train_lenet_results.json; `docs` writes the tables from that file between the `train_lenet` markers
of docs/training.md and README.md, so no figure there is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import shutil
import time

import keras
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(REPO, "docs", "train_lenet_results.json")
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "mnist-t10k")
IN_MEMORY, PIPELINE = "model.fit on in-memory tensors", "keras_cnns.training.train"
DATASET_ONLY = "model.fit on load_dataset's tf.data pipeline (train()'s data, no callbacks)"
IN_MEMORY_STEPPED = "model.fit on in-memory tensors, compiled with train()'s steps_per_execution"


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock and process CPU seconds of each epoch, from its start to the start of the next (or the end of
    training), so the work every callback does at the end of an epoch (checkpoints, backups, logs) counts.
    CPU seconds (all of this process's threads) depend less on other jobs sharing the machine."""

    def __init__(self):
        super().__init__()
        self.starts = []
        self.seconds = []
        self.cpu_seconds = []

    def _lap(self):
        now, cpu = time.perf_counter(), time.process_time()
        if self.starts:
            self.seconds.append(now - self.starts[-1][0])
            self.cpu_seconds.append(cpu - self.starts[-1][1])
        self.starts.append((now, cpu))

    def on_epoch_begin(self, epoch, logs=None):
        self._lap()

    def on_train_end(self, logs=None):
        self._lap()


def machine():
    from tflite.litert import cpu_model_and_flags

    return {"cpu": cpu_model_and_flags()[0], "cores": os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def load_average():
    return round(os.getloadavg()[0], 2)


def accuracy_run(variant, data_dir, out, epochs, batch_size, augmentation, recipe, validation):
    """Train `variant` with `train()`. validation=False: on all 8,000 training images, evaluated once on the
    2,000 holdout. validation=True: on the first 7,000 only, scored on the last 1,000 of the training part
    (the holdout is not looked at): the run that settings are chosen with."""
    from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split
    from keras_cnns.training import train

    timer = EpochTimer()
    keras.utils.set_random_seed(0)
    shutil.rmtree(out, ignore_errors=True)
    if validation:
        (x, y), _ = load_idx_split(data_dir, train_size=MNIST_T10K_TRAIN_SIZE)
        data, split = (x, y), 1000 / len(x)
    else:
        data, split = data_dir, 0.0
    result = train(variant, data, recipe=recipe, epochs=epochs, out_dir=out, batch_size=batch_size,
                   validation_split=split, augmentation=augmentation, input_shape=(32, 32, 1),
                   data_options={"resize_method": "pad"}, callbacks=[timer], verbose=2)
    last = result["history"][-1]
    row = {"model": variant, "recipe": recipe, "augmentation": augmentation or [], "epochs": epochs,
           "batch_size": batch_size, "train_images": 7000 if validation else 8000,
           "last_train_accuracy": round(last["accuracy"], 4), "median_seconds_per_epoch": round(
               float(np.median(timer.seconds)), 2)}
    if validation:
        row["validation_accuracy_last_epoch"] = round(last["val_accuracy"], 4)
    else:
        row["holdout_accuracy"] = round(result["test_accuracy"], 4)
    return row


def train_steps_per_execution():
    """`keras_cnns.training.train`'s default steps_per_execution, the one `keras-cnns train` runs with."""
    from keras_cnns.training import train

    return inspect.signature(train).parameters["steps_per_execution"].default


def throughput(data_dir, out, batch_size, epochs, repeats):
    """Same model, recipe and batch size, run alternately (A B C A B C ...) in this one process: model.fit on
    in-memory tensors as a user writes it, the same compiled with train()'s steps_per_execution (so the
    data path is the only difference left), model.fit on load_dataset's pipeline (the data path alone), and
    train() (pipeline and its callbacks). Each run's first epoch (tracing) is left
    out; images/s = images / median epoch seconds over all runs of a method."""
    import tensorflow as tf

    from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_dataset, load_idx_split
    from keras_cnns.registry import get_model
    from keras_cnns.training import compile_with_recipe, train

    (x, y), _ = load_idx_split(data_dir, train_size=MNIST_T10K_TRAIN_SIZE)
    images = tf.constant(np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))))  # 28 -> 32, centred, in [0, 1]
    labels = tf.constant(y)
    count = int(images.shape[0])
    steps = -(-count // batch_size)
    in_memory, pipeline = IN_MEMORY, PIPELINE
    dataset = load_dataset(data_dir, input_shape=(32, 32, 1), resize_method="pad", validation_split=0.0,
                           batch_size=batch_size)
    stepped = train_steps_per_execution()
    loops = ((in_memory, (images, labels), 1), (IN_MEMORY_STEPPED, (images, labels), stepped),
             (DATASET_ONLY, (dataset.train,), 1))
    seconds = {name: [] for name, _, _ in loops} | {pipeline: []}
    cpu_seconds = {name: [] for name in seconds}
    for _ in range(repeats):
        for name, inputs, steps_per_execution in loops:
            keras.utils.set_random_seed(0)
            model = get_model("lenet5_modern", input_shape=(32, 32, 1), classes=10)
            compile_with_recipe(model, "modern", steps_per_epoch=steps, epochs=epochs,
                                steps_per_execution=steps_per_execution)
            timer = EpochTimer()
            model.fit(*inputs, batch_size=batch_size if len(inputs) == 2 else None, epochs=epochs,
                      callbacks=[timer], verbose=0)
            seconds[name] += timer.seconds[1:]
            cpu_seconds[name] += timer.cpu_seconds[1:]

        timer = EpochTimer()
        shutil.rmtree(out, ignore_errors=True)
        keras.utils.set_random_seed(0)
        train("lenet5_modern", data_dir, recipe="modern", epochs=epochs, out_dir=out, batch_size=batch_size,
              validation_split=0.0, data_options={"resize_method": "pad"}, callbacks=[timer], verbose=0)
        seconds[pipeline] += timer.seconds[1:]
        cpu_seconds[pipeline] += timer.cpu_seconds[1:]
    return {name: {"images_per_second": round(count / float(np.median(values)), 1),
                   "images_per_cpu_second": round(count / float(np.median(cpu_seconds[name])), 1),
                   "epoch_seconds": [round(v, 3) for v in values],
                   "epoch_cpu_seconds": [round(v, 3) for v in cpu_seconds[name]]} for name, values in seconds.items()}


def wait_for_idle(max_load, max_wait):
    deadline = time.time() + max_wait
    while load_average() >= max_load and time.time() < deadline:
        time.sleep(15)
    return load_average()


def read_results():
    if os.path.isfile(RESULTS):
        with open(RESULTS, encoding="utf-8") as handle:
            return json.load(handle)
    return {}


def write_results(results):
    with open(RESULTS, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
        handle.write("\n")


def render(results, first_run=1):
    """Markdown tables of the stored figures."""
    lines = []
    for key, title in (("validation", "Choosing settings: trained on the first 7,000, scored on images 7,001-8,000"),
                       ("accuracy", "Trained on the 8,000, scored once on the 2,000 holdout")):
        rows = results.get(key)
        if not rows:
            continue
        score = "validation accuracy (1,000)" if key == "validation" else "holdout accuracy (2,000)"
        lines += [f"**{title}:**", "", f"| model | recipe | augmentation | epochs | batch | {score} "
                  "| last-epoch train accuracy | median s/epoch | machine, finished | load average (start, end) |",
                  "|---|---|---|---:|---:|---:|---:|---:|---|---|"]
        for row in rows:
            value = row.get("holdout_accuracy", row.get("validation_accuracy_last_epoch"))
            lines.append(f"| `{row['model']}` | {row['recipe']} | {', '.join(row['augmentation']) or 'none'} "
                         f"| {row['epochs']} | {row['batch_size']} | {value:.4f} | {row['last_train_accuracy']:.4f} "
                         f"| {row['median_seconds_per_epoch']:.2f} | {row['machine']['cpu']}, "
                         f"{row['machine']['cores']} cores, {row['machine']['date']} "
                         f"| {row['load_start']}, {row['load_end']} |")
        lines.append("")
    for index, run in enumerate(results.get("throughput", []), first_run):
        lines += [f"**Images/s, run {index}: `lenet5_modern`, recipe modern, batch {run['batch_size']}, 8,000 images, "
                  f"no augmentation** ({run['machine']['cpu']}, {run['machine']['cores']} cores, "
                  f"{run['machine']['date']}; {run['repeats']} alternating runs of each, {run['epochs']} epochs per run, "
                  f"first epoch of each run left out; load average {run['load_start']} at start, {run['load_end']} at "
                  f"end{'; ' + run['note'] if run.get('note') else ''}):", "",
                  "| training loop | median images/s (wall clock) | median images per CPU-second | epochs timed |",
                  "|---|---:|---:|---:|"]
        for name, figures in run["methods"].items():
            lines.append(f"| {name} | {figures['images_per_second']:,.0f} | {figures['images_per_cpu_second']:,.0f} "
                         f"| {figures.get('epochs_timed', len(figures.get('epoch_seconds', [])))} |")
        lines.append("")
    lines += targets(results, first_run)
    return "\n".join(lines).rstrip() + "\n"


TARGETS = {"lenet5_modern": 0.988, "lenet5": 0.980}  # issue 7


def targets(results, first_run=1):
    """Issue 7's measured points, checked against the stored figures."""
    lines = []
    for row in results.get("accuracy", []):
        if row["model"] in TARGETS:
            met = row["holdout_accuracy"] >= TARGETS[row["model"]]
            lines.append(f"- `{row['model']}` holdout accuracy >= {TARGETS[row['model']]:.3f}: "
                         f"**{'met' if met else 'not met'}** ({row['holdout_accuracy']:.4f})")
    for index, run in enumerate(results.get("throughput", []), first_run):
        rates = [run["methods"][name]["images_per_second"] for name in (IN_MEMORY, PIPELINE)]
        met = rates[1] >= rates[0]
        lines.append(f"- run {index}: `train()` images/s >= in-memory `model.fit` images/s: "
                     f"**{'met' if met else 'not met'}** ({rates[1]:,.0f} vs {rates[0]:,.0f}, medians of interleaved "
                     f"epochs)")
        if IN_MEMORY_STEPPED in run["methods"]:
            same = run["methods"][IN_MEMORY_STEPPED]["images_per_second"]
            lines.append(f"- run {index}, like for like: `train()` images/s vs in-memory `model.fit` with the same "
                         f"steps_per_execution: {rates[1]:,.0f} vs {same:,.0f} ({rates[1] / same:.2f}x)")
    return ["Issue 7's targets, checked against these figures:", ""] + lines + [""] if lines else []


def update_between_markers(path, text):
    begin, end = "<!-- train_lenet:begin -->", "<!-- train_lenet:end -->"
    with open(path, encoding="utf-8") as handle:
        content = handle.read()
    if begin not in content or end not in content:
        raise ValueError(f"{path} has no {begin} ... {end} markers")
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{begin}\n{text}{end}{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("accuracy", "validation", "throughput", "docs"))
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--out", default="runs/bench_lenet")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--augment", default="shift,rotate,zoom")
    parser.add_argument("--recipe", default="modern")
    parser.add_argument("--models", default="lenet5_modern,lenet5")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--throughput-epochs", type=int, default=4)
    parser.add_argument("--wait-load", type=float, default=2.5, help="throughput: wait for a lower 1-min load")
    parser.add_argument("--max-wait", type=float, default=900)
    args = parser.parse_args()
    results = read_results()
    if args.command in ("accuracy", "validation"):
        augmentation = [a for a in args.augment.split(",") if a] or None
        for variant in args.models.split(","):
            load_start = load_average()
            row = accuracy_run(variant, args.data, os.path.join(args.out, args.command, variant), args.epochs,
                               args.batch_size, augmentation, args.recipe, args.command == "validation")
            row.update(machine=machine(), load_start=load_start, load_end=load_average())
            print(json.dumps(row), flush=True)
            results = read_results()  # another command may have stored its figures meanwhile
            rows = [r for r in results.get(args.command, []) if r["model"] != variant]
            results[args.command] = rows + [row]
            write_results(results)
    elif args.command == "throughput":
        load_start = wait_for_idle(args.wait_load, args.max_wait)
        stepped = train_steps_per_execution()
        run = {"machine": machine(), "load_start": load_start, "batch_size": args.batch_size,
               "epochs": args.throughput_epochs, "repeats": args.repeats,
               "note": f"train() with its default steps_per_execution={stepped}"}
        run["methods"] = throughput(args.data, os.path.join(args.out, "throughput"), args.batch_size,
                                    args.throughput_epochs, args.repeats)
        run["load_end"] = load_average()
        results = read_results()
        results["throughput"] = results.get("throughput", []) + [run]  # every run is kept and shown
        write_results(results)
    else:
        update_between_markers(os.path.join(REPO, "docs", "training.md"), render(results))
        latest = {**results, "throughput": results.get("throughput", [])[-1:]}  # earlier runs: docs/training.md
        update_between_markers(os.path.join(REPO, "README.md"), render(latest, len(results.get("throughput", [1]))))
    print(render(results))


if __name__ == "__main__":
    main()
