"""Quantization benchmark: Keras vs .tflite variants (PTQ, QAT, pruning, per-tensor, stripped) of LeNet-5 (modern)
and MobileNet alpha 0.25 at 32x32 on the MNIST t10k split, and fp32/fp16/dynamic/int8 size and latency of
keras_cnns' ResNet50 and MobileNet 1.0 at 224.

Each small model is trained to convergence (cosine learning-rate decay to zero); QAT and pruning are then
compared both with that model and with a control fine-tuned by `tflite.fine_tune` for the same steps, optimizer
and batches (like for like: the difference is the cost of quantization or sparsity alone). Latencies of all
variants of one model are measured side by side in one process, interleaved run by run, so that the load of the
shared machine falls on all of them alike.

Results go to docs/quantization_results.json (one entry per model, each with its machine and load average) and
docs/quantization.md is regenerated from that file; `--models` runs a subset and keeps the other entries.

    PYTHONPATH=$PWD python benchmarks/quantization.py [--models lenet5 mobilenet_025 mobilenet ResNet50]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import tempfile
import time

import keras
import numpy as np

import keras_cnns
import tflite
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split
from tflite.datasets import fit_images
from tflite.litert import _quantize, cpu_model_and_flags, load_interpreter

SMALL_SHAPE = (32, 32, 1)  # MNIST's grey channel; keras_cnns.MobileNet takes 1-channel inputs as they are
SMALL_MODELS = {
    "lenet5": ("LeNet-5 (modern)", "keras_cnns.get_model('lenet5_modern')",
               lambda: keras_cnns.get_model("lenet5_modern", input_shape=SMALL_SHAPE, classes=10)),
    "mobilenet_025": ("MobileNet alpha 0.25, 32x32x1", "keras_cnns.MobileNet(alpha=0.25)",
                      lambda: keras_cnns.MobileNet(input_shape=SMALL_SHAPE, alpha=0.25, weights=None, classes=10)),
}
BIG_MODELS = {
    "mobilenet": ("MobileNet 1.0, 224x224", "keras_cnns.MobileNet(alpha=1.0)",
                  lambda: keras_cnns.MobileNet(input_shape=(224, 224, 3), alpha=1.0, weights=None)),
    "resnet50": ("ResNet50, 224x224", "keras_cnns.ResNet50",
                 lambda: keras_cnns.ResNet50(input_shape=(224, 224, 3), weights=None)),
}
RESULTS = os.path.join("docs", "quantization_results.json")


def machine_state() -> dict:
    return {"cpu": cpu_model_and_flags()[0], "cpus": os.cpu_count(),
            "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
            "time_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def interleaved_latency(paths: list[str], runs: int, warmup: int = 5) -> list[dict]:
    """Batch-1, 1-thread LiteRT latency of each file, invoking them in turn (rotating the order every round)."""
    rng = np.random.default_rng(0)
    interpreters = []
    for path in paths:
        interpreter = load_interpreter(path, num_threads=1)
        detail = interpreter.get_input_details()[0]
        if int(detail["shape"][0]) != 1:
            interpreter.resize_tensor_input(detail["index"], [1, *detail["shape"][1:]])
            interpreter.allocate_tensors()
            detail = interpreter.get_input_details()[0]
        interpreter.set_tensor(detail["index"], _quantize(rng.random(detail["shape"], dtype=np.float32), detail))
        for _ in range(warmup):
            interpreter.invoke()
        interpreters.append(interpreter)
    timings = [[] for _ in paths]
    for run in range(runs):
        shift = run % len(paths)
        for index in list(range(shift, len(paths))) + list(range(shift)):
            start = time.perf_counter()
            interpreters[index].invoke()
            timings[index].append(1000 * (time.perf_counter() - start))
    return [{"median_ms": float(np.median(t)), "p90_ms": float(np.percentile(t, 90))} for t in timings]


def keras_accuracy(model, images, labels) -> float:
    return float(np.mean(np.asarray(model.predict(images, batch_size=256, verbose=0)).argmax(-1) == labels))


def train_to_convergence(model, images, labels, epochs, learning_rate):
    """Adam with cosine decay to zero over `epochs`: the last epochs barely move the weights."""
    steps = epochs * int(np.ceil(len(images) / 64))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, batch_size=64, epochs=epochs, verbose=2)
    return [round(float(a), 4) for a in history.history["accuracy"]]


def validation_slice(data_dir=os.path.join("..", "shared", "data", "mnist-t10k")):
    """The selection scripts' split of the 8,000 training images: the first 7,000 to train, the last 1,000 to
    validate (the 2,000 holdout is never used), as ((x_train, y_train), (x_val, y_val))."""
    (images, labels), _ = load_idx_split(data_dir, train_size=MNIST_T10K_TRAIN_SIZE)
    images, labels = fit_images(images, SMALL_SHAPE), labels.astype("int64")
    return (images[:7000], labels[:7000]), (images[7000:], labels[7000:])


def validation_model(key, x_train, y_train, epochs=15, learning_rate=2e-3):
    """SMALL_MODELS[key] trained on the validation slice's 7,000 images, cached in the temp folder so that the
    selection scripts share one trained model across runs."""
    cached = os.path.join(tempfile.gettempdir(), f"qexp_{key}.keras")
    if os.path.exists(cached):
        return keras.saving.load_model(cached)
    keras.utils.set_random_seed(0)
    model = SMALL_MODELS[key][2]()
    train_to_convergence(model, x_train, y_train, epochs, learning_rate)
    model.save(cached)
    return model


def small_model_entry(key, data, args, folder) -> dict:
    title, source, build = SMALL_MODELS[key]
    (x_train, y_train), (x_holdout, y_holdout) = data
    start, state = time.time(), machine_state()
    keras.utils.set_random_seed(0)
    model = build()
    epochs = args.epochs[key]
    train_accuracy = train_to_convergence(model, x_train, y_train, epochs, args.learning_rate)
    base = keras_accuracy(model, x_holdout, y_holdout)
    steps = args.finetune_steps
    tune = {"learning_rate": args.finetune_learning_rate, "schedule": args.finetune_schedule,
            "freeze_batch_norm": tflite.optimize.FREEZE_BATCH_NORM, "batch_size": 64}
    prune_tune = {**tune, "learning_rate": args.prune_learning_rate, "schedule": args.prune_schedule,
                  "freeze_batch_norm": tflite.optimize.PRUNE_FREEZE_BATCH_NORM}

    def seeded(function, *arguments, **options):
        keras.utils.set_random_seed(1)  # the same batches for QAT / pruning and their fine-tuned controls
        return function(*arguments, **options)

    qat_epochs = args.qat_epochs
    control_1 = seeded(tflite.fine_tune, model, (x_train, y_train), epochs=qat_epochs, steps_per_epoch=steps, **tune)
    qat = seeded(tflite.quantization_aware, model, (x_train, y_train), epochs=qat_epochs, steps_per_epoch=steps,
                 calibration_batches=args.calibration_batches, **tune)
    prune_epochs = args.prune_epochs[key]
    control_2 = seeded(tflite.fine_tune, model, (x_train, y_train), epochs=prune_epochs, steps_per_epoch=steps,
                       **prune_tune)
    pruned = seeded(tflite.prune, model, (x_train, y_train), target_sparsity=0.5, epochs=prune_epochs,
                    steps_per_epoch=steps, **prune_tune)
    controls = {"base": ("Keras model", base),
                "control_1": (f"Keras, fine-tuned {qat_epochs * steps} steps",
                              keras_accuracy(control_1, x_holdout, y_holdout)),
                "control_2": (f"Keras, fine-tuned {prune_epochs * steps} steps",
                              keras_accuracy(control_2, x_holdout, y_holdout)),
                "pruned": ("pruned Keras model", keras_accuracy(pruned, x_holdout, y_holdout)),
                # QAT Keras (fake-quantized) vs its .tflite: tells a loss in training from a loss in conversion.
                "qat_keras": ("QAT Keras model (fake-quantized)", keras_accuracy(qat, x_holdout, y_holdout))}
    representative = {"representative_data": x_train}
    variants = [  # (variant, model, quantization, export options, like-for-like reference, note)
        ("fp32", model, "none", {}, "base", ""),
        ("float16", model, "float16", {}, "base", ""),
        ("dynamic range", model, "dynamic", {}, "base", ""),
        ("PTQ int8 (per-channel)", model, "int8", representative, "base", ""),
        ("PTQ int8 per-tensor", model, "int8", {**representative, "per_channel": False}, "base", ""),
        ("PTQ int8 stripped", model, "int8", {**representative, "strip_metadata": True}, "base", ""),
        ("PTQ int8 per-tensor + stripped", model, "int8",
         {**representative, "per_channel": False, "strip_metadata": True}, "base", ""),
        ("PTQ int8, int8 I/O", model, "int8", {**representative, "int8_io": True}, "base", ""),
        (f"control: fine-tuned {qat_epochs * steps} steps, fp32", control_1, "none", {}, "control_1",
         "no quantization"),
        ("QAT int8", qat, "int8", {}, "control_1", f"{qat_epochs * steps} QAT steps"),
        (f"control: fine-tuned {prune_epochs * steps} steps, fp32", control_2, "none", {}, "control_2", "no pruning"),
        ("pruned 50% fp32", pruned, "none", {}, "control_2",
         f"{prune_epochs * steps} pruning steps; sparsity of Conv2D/Dense kernels "
         f"{tflite.kernel_sparsity(pruned, ('Conv2D', 'Dense')):.3f}, "
         f"of all kernels {tflite.kernel_sparsity(pruned):.3f}"),
        ("pruned 50% + PTQ int8", pruned, "int8", representative, "control_2", ""),
    ]
    rows, paths = [], []
    for index, (variant, exported, quantization, options, reference, note) in enumerate(variants):
        path = os.path.join(folder, f"{key}_{index}.tflite")
        tflite.export(exported, path, quantization, **options)
        paths.append(path)
        rows.append({"variant": variant, "size": os.path.getsize(path), "reference": reference, "note": note,
                     "accuracy": tflite.evaluate(path, (x_holdout, y_holdout))["accuracy"]})
    for row, latency in zip(rows, interleaved_latency(paths, args.runs)):
        row.update(latency)
    return {"title": title, "source": source, "parameters": model.count_params(), "epochs": epochs,
            "train_accuracy_per_epoch": train_accuracy, "finetune_steps": steps, "qat_epochs": qat_epochs,
            "prune_epochs": prune_epochs, "calibration_batches": args.calibration_batches,
            "finetune_learning_rate": args.finetune_learning_rate, "learning_rate": args.learning_rate,
            "finetune_schedule": args.finetune_schedule, "freeze_batch_norm": tune["freeze_batch_norm"],
            "prune_learning_rate": prune_tune["learning_rate"], "prune_schedule": prune_tune["schedule"],
            "prune_freeze_batch_norm": prune_tune["freeze_batch_norm"],
            "references": {k: {"label": label, "accuracy": accuracy} for k, (label, accuracy) in controls.items()},
            "rows": rows, "runs": args.runs, "machine": state, "machine_end": machine_state(),
            "seconds": round(time.time() - start)}


def big_model_entry(key, args, folder) -> dict:
    title, source, build = BIG_MODELS[key]
    start, state = time.time(), machine_state()
    keras.utils.set_random_seed(0)
    model = build()
    calibration = np.random.default_rng(0).random((args.calibration_images, 224, 224, 3), dtype=np.float32)
    rows, paths = [], []
    for quantization in ("none", "float16", "dynamic", "int8"):
        path = os.path.join(folder, f"{key}_{quantization}.tflite")
        began = time.time()
        tflite.export(model, path, quantization, representative_data=calibration if quantization == "int8" else None)
        print(f"{title} {quantization}: exported in {time.time() - began:.0f} s", flush=True)
        paths.append(path)
        rows.append({"variant": quantization, "size": os.path.getsize(path),
                     "export_seconds": round(time.time() - began)})
    for row, latency in zip(rows, interleaved_latency(paths, args.big_runs, warmup=2)):
        row.update(latency)
    return {"title": title, "source": source, "parameters": model.count_params(), "rows": rows,
            "runs": args.big_runs, "calibration_images": args.calibration_images, "machine": state,
            "machine_end": machine_state(), "seconds": round(time.time() - start)}


def _machine_line(entry) -> str:
    state, end = entry["machine"], entry["machine_end"]
    load = lambda s: s["uptime"].split("load average:")[-1].strip()  # noqa: E731
    return (f"Run {state['time_utc']}, {entry['seconds']} s, on {state['cpu']} ({state['cpus']} CPUs, shared with "
            f"other jobs); load average (1, 5, 15 min) {load(state)} at the start, {load(end)} at the end.")


def _calibration_text(entry) -> str:
    batches = entry.get("calibration_batches", 0)
    return (f"(activation ranges started from {batches} calibration batches)" if batches
            else "(activation ranges started at tfmot's [-6, 6])")


def _finetune_line(entry) -> str:
    if "finetune_schedule" not in entry:  # entries of runs before the fine-tuning options existed
        return f"QAT/pruning/controls: Adam {entry['finetune_learning_rate']} (constant), batch 64, "
    frozen = lambda flag: "frozen" if flag else "trained"  # noqa: E731
    return (f"QAT and its control: Adam {entry['finetune_learning_rate']}, {entry['finetune_schedule']} schedule, "
            f"BatchNormalization {frozen(entry['freeze_batch_norm'])}; pruning and its control: Adam "
            f"{entry['prune_learning_rate']}, {entry['prune_schedule']} schedule, BatchNormalization "
            f"{frozen(entry['prune_freeze_batch_norm'])}; batch 64, ")


def write_markdown(path, results):
    out = ["# Quantization and export: measured figures", "",
           "Generated by `benchmarks/quantization.py` from `docs/quantization_results.json`; every figure below "
           "is from the run named in its section. Latency: LiteRT interpreter, 1 thread, batch 1, median and "
           "90th percentile; the variants of one model were timed side by side in one process, interleaved run "
           "by run (the machine is shared, so absolute latencies are noisy; compare within a table).", ""]
    small = [results[k] for k in SMALL_MODELS if k in results]
    if small:
        out += ["Data: MNIST t10k split (`../shared/data/mnist-t10k`), trained on the first 8,000 images resized "
                "to 32x32x1, accuracy on the last 2,000 (Keras for Keras models, LiteRT for `.tflite` files).", "",
                "Δ base: against the converged Keras model. Δ like-for-like: PTQ rows against the same Keras "
                "model; QAT against a Keras control fine-tuned by `tflite.fine_tune` for the same steps with the "
                "same optimizer and batches; pruned rows against the control fine-tuned for the pruning steps. "
                "In percentage points (0.05 pp is one holdout image). MobileNet 0.25's predictions are fragile: on "
                "the validation slice, int8 rounding alone changed 1-3% of them, even between a QAT model and its own "
                "file (docs/quantization_finetune_selection.txt), so its deltas of a few tenths of a point differ "
                "from run to run.", ""]
    for entry in small:
        refs = entry["references"]
        out += [f"## {entry['title']} ({entry['source']}, {entry['parameters']:,} parameters)", "",
                _machine_line(entry), "",
                f"Trained {entry['epochs']} epochs (Adam {entry['learning_rate']}, cosine decay to 0, batch 64); "
                f"training accuracy of the last three epochs {entry['train_accuracy_per_epoch'][-3:]}. "
                + _finetune_line(entry) +
                f"{entry['finetune_steps']} steps per epoch, QAT {entry.get('qat_epochs', 1)} epoch(s) "
                + _calibration_text(entry) + ", pruning "
                f"{entry.get('prune_epochs', 2)} epochs (sparsity ramped over the first 2/3 of the steps). "
                f"{entry['runs']} latency runs per variant.", "",
                "Keras holdout accuracy: " + "; ".join(f"{r['label']} {r['accuracy']:.4f}" for r in refs.values()), "",
                "| variant | bytes | × fp32 size | accuracy | Δ base pp | Δ like-for-like pp | median ms | p90 ms | "
                "note |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        fp32 = entry["rows"][0]["size"]
        for row in entry["rows"]:
            reference = refs[row["reference"]]
            like = "" if row["reference"] == "base" else f" (vs {reference['label']})"
            out.append(f"| {row['variant']} | {row['size']:,} | {row['size'] / fp32:.3f} | {row['accuracy']:.4f} | "
                       f"{100 * (row['accuracy'] - refs['base']['accuracy']):+.2f} | "
                       f"{100 * (row['accuracy'] - reference['accuracy']):+.2f}{like} | {row['median_ms']:.3f} | "
                       f"{row['p90_ms']:.3f} | {row['note']} |")
        out.append("")
    big = [results[k] for k in BIG_MODELS if k in results]
    out += ["## Targets of the issue, checked against the figures above", "",
            "| model | target | measured | met |", "|---|---|---:|---|"]
    for entry in small:
        refs, rows = entry["references"], {row["variant"]: row for row in entry["rows"]}
        for variant, reference, limit in (("PTQ int8 (per-channel)", "base", 0.3), ("QAT int8", "control_1", 0.1),
                                          ("pruned 50% fp32", "control_2", 0.5)):
            delta = 100 * (rows[variant]["accuracy"] - refs[reference]["accuracy"])
            out.append(f"| {entry['title']} | {variant} within {limit} pp of {refs[reference]['label']} | "
                       f"{delta:+.2f} pp | {'yes' if abs(delta) <= limit + 1e-9 else 'no'} |")
    for entry in big:
        rows = {row["variant"]: row for row in entry["rows"]}
        ratio = rows["int8"]["size"] / rows["none"]["size"]
        met = "yes" if ratio <= 0.27 else "no"
        out.append(f"| {entry['title']} | int8 size <= 0.27x fp32 | {ratio:.3f}x | {met} |")
    out.append("")
    if big:
        out += ["## Big models at 224x224 (random weights: size and latency only)", ""]
    for entry in big:
        out += [f"### {entry['title']} ({entry['source']}, {entry['parameters']:,} parameters)", "",
                _machine_line(entry) + f" int8 calibrated on {entry['calibration_images']} random images; "
                f"{entry['runs']} latency runs per variant.", "",
                "| quantization | bytes | × fp32 size | median ms | p90 ms | export s |",
                "|---|---:|---:|---:|---:|---:|"]
        fp32 = entry["rows"][0]["size"]
        out += [f"| {row['variant']} | {row['size']:,} | {row['size'] / fp32:.3f} | {row['median_ms']:.1f} | "
                f"{row['p90_ms']:.1f} | {row['export_seconds']} |" for row in entry["rows"]]
        out.append("")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out))


SUMMARY_START, SUMMARY_END = "<!-- quantization-summary:start -->", "<!-- quantization-summary:end -->"


def summary_lines(results) -> list[str]:
    """The key figures, for the README (between its quantization-summary markers)."""
    lines = []
    for key in SMALL_MODELS:
        if key not in results:
            continue
        entry = results[key]
        refs, rows = entry["references"], {row["variant"]: row for row in entry["rows"]}
        fp32 = entry["rows"][0]["size"]
        delta = lambda row, ref: 100 * (row["accuracy"] - refs[ref]["accuracy"])  # noqa: E731
        ptq, small = rows["PTQ int8 (per-channel)"], rows["PTQ int8 per-tensor + stripped"]
        qat, pruned = rows["QAT int8"], rows["pruned 50% + PTQ int8"]
        lines.append(
            f"- {entry['title']} (MNIST holdout, Keras {refs['base']['accuracy']:.4f}): PTQ int8 "
            f"{ptq['accuracy']:.4f} ({delta(ptq, 'base'):+.2f} pp, {ptq['size'] / fp32:.3f}x fp32; per-tensor + "
            f"stripped {small['size'] / fp32:.3f}x, {delta(small, 'base'):+.2f} pp); QAT int8 {qat['accuracy']:.4f} "
            f"({delta(qat, 'control_1'):+.2f} pp vs Keras fine-tuned the same "
            f"{entry.get('qat_epochs', 1) * entry['finetune_steps']} steps, "
            f"{delta(qat, 'base'):+.2f} pp vs the converged model); pruned 50% + int8 {pruned['accuracy']:.4f} "
            f"({delta(pruned, 'control_2'):+.2f} pp vs the same-steps control, {delta(pruned, 'base'):+.2f} pp vs "
            "the converged model).")
    for key in BIG_MODELS:
        if key in results:
            rows = {row["variant"]: row for row in results[key]["rows"]}
            lines.append(f"- {results[key]['title']}: int8 {rows['int8']['size']:,} bytes = "
                         f"{rows['int8']['size'] / rows['none']['size']:.3f}x fp32 (float16 "
                         f"{rows['float16']['size'] / rows['none']['size']:.3f}x, dynamic "
                         f"{rows['dynamic']['size'] / rows['none']['size']:.3f}x).")
    return lines


def update_readme(path, results):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if SUMMARY_START not in text or SUMMARY_END not in text:
        raise ValueError(f"{path} has no {SUMMARY_START} ... {SUMMARY_END} block to update")
    head, rest = text.split(SUMMARY_START, 1)
    tail = rest.split(SUMMARY_END, 1)[1]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head + SUMMARY_START + "\n" + "\n".join(summary_lines(results)) + "\n" + SUMMARY_END + tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.path.join("..", "shared", "data", "mnist-t10k"))
    parser.add_argument("--models", nargs="+", default=[*SMALL_MODELS, *BIG_MODELS],
                        choices=[*SMALL_MODELS, *BIG_MODELS])
    parser.add_argument("--lenet-epochs", type=int, default=15)
    parser.add_argument("--mobilenet-epochs", type=int, default=15)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--finetune-steps", type=int, default=125, help="steps per epoch of QAT / pruning")
    parser.add_argument("--finetune-learning-rate", type=float, default=tflite.optimize.LEARNING_RATE)
    parser.add_argument("--finetune-schedule", default=tflite.optimize.SCHEDULE, choices=tflite.optimize.SCHEDULES)
    parser.add_argument("--prune-learning-rate", type=float, default=tflite.optimize.PRUNE_LEARNING_RATE,
                        help="of pruning and its control")
    parser.add_argument("--prune-schedule", default=tflite.optimize.PRUNE_SCHEDULE, choices=tflite.optimize.SCHEDULES)
    parser.add_argument("--qat-epochs", type=int, default=8, help="QAT epochs (of --finetune-steps)")
    parser.add_argument("--calibration-batches", type=int, default=tflite.optimize.CALIBRATION_BATCHES,
                        help="batches that set QAT's starting activation ranges (0: tfmot's [-6, 6])")
    parser.add_argument("--prune-epochs", type=int, nargs=2, default=[2, 6], metavar=("LENET", "MOBILENET"),
                        help="pruning epochs (of --finetune-steps) of LeNet-5 and of MobileNet 0.25")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--big-runs", type=int, default=20)
    parser.add_argument("--calibration-images", type=int, default=8)
    parser.add_argument("--results", default=RESULTS)
    parser.add_argument("--out", default=os.path.join("docs", "quantization.md"))
    parser.add_argument("--readme", default="README.md", help="README whose quantization-summary block is updated")
    parser.add_argument("--regenerate", action="store_true", help="only rewrite the docs from the results file")
    args = parser.parse_args()
    if args.regenerate:
        with open(args.results, encoding="utf-8") as handle:
            results = json.load(handle)
        write_markdown(args.out, results)
        update_readme(args.readme, results)
        return
    args.epochs = {"lenet5": args.lenet_epochs, "mobilenet_025": args.mobilenet_epochs}
    args.prune_epochs = dict(zip(SMALL_MODELS, args.prune_epochs))
    results = {}
    if os.path.exists(args.results):
        with open(args.results, encoding="utf-8") as handle:
            results = json.load(handle)
    data = None
    with tempfile.TemporaryDirectory() as folder:
        for key in args.models:
            if key in SMALL_MODELS:
                if data is None:
                    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(
                        args.data, train_size=MNIST_T10K_TRAIN_SIZE)
                    data = ((fit_images(x_train, SMALL_SHAPE), y_train.astype("int64")),
                            (fit_images(x_holdout, SMALL_SHAPE), y_holdout.astype("int64")))
                results[key] = small_model_entry(key, data, args, folder)
            else:
                results[key] = big_model_entry(key, args, folder)
            keras.backend.clear_session()
            mine = {k: results[k] for k in args.models if k in results}
            if os.path.exists(args.results):  # another run may have written other models meanwhile: keep them
                with open(args.results, encoding="utf-8") as handle:
                    results = {**json.load(handle), **mine}
            with open(args.results, "w", encoding="utf-8") as handle:  # each finished model survives a later stop
                json.dump(results, handle, indent=1)
            write_markdown(args.out, results)
    update_readme(args.readme, results)
    print(open(args.out, encoding="utf-8").read())


if __name__ == "__main__":
    main()
