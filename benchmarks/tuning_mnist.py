"""Hardware-aware search vs stock keras-tuner on the MNIST t10k split, with modern LeNet-5 as the reference and
the search's winner measured under TensorFlow Lite Micro.

The searches tune inside the first 8,000 images (validating on their last 10%); the last 2,000 are scored once
at the end, by the int8 `.tflite` of each side's winners retrained on all 8,000 with the same recipe.

- ours: `tuning.search` (Bayesian, across `--families`), objectives accuracy, int8 size and TFLite Micro arena,
  limits `--max-ram-kb` 32 and `--max-flash-kb` 64 (and `--max-size-kb` if given). Two trials of its front are
  retrained, both picked by validation accuracy: the most accurate at no more than half LeNet-5's int8 size
  (compared with LeNet-5 and run under TFLite Micro) and the most accurate smaller than stock's winner
  (compared with it);
- stock: `keras_tuner.RandomSearch` over a plain CNN space (1-3 conv + pool stages, 8-64 filters, a dense
  layer) with validation accuracy as its only objective; its trials' int8 size is measured after its search;
- both get the same wall-clock budget (`--minutes`, no trial starts after it), epochs per trial and recipe
  (AdamW + cosine, `--augment` on the training images, default shift,rotate); the winners and LeNet-5 are retrained
  `--final-epochs` with that recipe. Sizes are of `.tflite` files without tensor names and conversion
  metadata (`strip_metadata=True`), as shipped; the TFLite Micro figures are of the int8-I/O batch-1 file.

    PYTHONPATH=$PWD python benchmarks/tuning_mnist.py --minutes 15

writes docs/tuning_mnist_results.json, docs/tuning_mnist_fronts.png (both fronts, accuracy vs int8 size),
docs/tuning_mnist_micro.png (ours: accuracy vs flash, arena as colour, LeNet-5 marked), docs/tuning_mnist.md
and the README lines between the tuning_mnist markers. `--docs-only` rewrites the docs from the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import keras
import keras_tuner
import numpy as np

import tflite
from keras_cnns.data import load_dataset
from keras_cnns.files import replace_between_markers
from keras_cnns.training import compile_with_recipe, train
from tuning import pareto
from tuning.commands import parse_ranges
from tuning.hypermodels import build_family_model
from tuning.measure import int8_figures, micro_flatbuffer
from tuning.search import search, stop_after
from tuning.space import family_space
from tuning.winners import finish_winners, split_arrays

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quantization import machine_state  # noqa: E402

DATA = os.path.join("..", "shared", "data", "mnist-t10k")
RESULTS, DOC = "tuning_mnist_results.json", "tuning_mnist.md"
FRONTS_PLOT, MICRO_PLOT = "tuning_mnist_fronts.png", "tuning_mnist_micro.png"
BEGIN, END = "<!-- tuning_mnist:begin -->", "<!-- tuning_mnist:end -->"
Y_FROM = 0.9  # the plots' lowest accuracy: the few trials below it would squash the rest


def plain_cnn(hp, input_shape, classes, steps_per_epoch, epochs):
    """The stock search's space: a plain CNN, as in keras-tuner's own examples."""
    inputs = keras.Input(input_shape)
    x = inputs
    for stage in range(hp.Int("stages", 1, 3)):
        x = keras.layers.Conv2D(hp.Int(f"filters_{stage}", 8, 64, step=8), 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(hp.Int("dense", 32, 128, step=32), activation="relu")(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    return compile_with_recipe(keras.Model(inputs, outputs), "modern", steps_per_epoch=steps_per_epoch, epochs=epochs)


class FitClock(keras.callbacks.Callback):
    """Seconds spent inside `fit`, summed over the trials."""

    seconds = 0.0

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_train_end(self, logs=None):
        FitClock.seconds += time.perf_counter() - self.started


def micro_scores(model, calibration, test_images, test_labels) -> dict:
    """Arena, flash and holdout accuracy under TFLite Micro of `model`'s int8-I/O batch-1 stripped export."""
    flatbuffer = micro_flatbuffer(model, calibration, strip_metadata=True)
    report = tflite.micro_report(flatbuffer, test_images[:16], samples=16)
    outputs = tflite.micro_predict(flatbuffer, test_images)
    return {"arena_bytes": report["arena_bytes"], "flash_bytes": report["flash_bytes"], "ops": report["ops"],
            "tflm_holdout_accuracy": float(np.mean(outputs.argmax(-1) == test_labels))}


def retrain_and_score(build, dataset, epochs, folder, calibration) -> dict:
    """`build()` trained `epochs` on all of `dataset.train`, exported to stripped int8 and scored on its test split."""
    result = train(lambda **_: build(), dataset, recipe="modern", epochs=epochs, out_dir=folder, verbose=0)
    path = os.path.join(folder, "model_int8.tflite")
    size = tflite.export(result["model"], path, "int8", representative_data=calibration,
                         strip_metadata=True)["size_bytes"]
    test_images, test_labels = split_arrays(dataset.test)
    return {"model": result["model"], "size_kb": size / 1000, "parameters": int(result["model"].count_params()),
            "holdout_accuracy": tflite.evaluate(path, (test_images, test_labels))["accuracy"],
            "keras_holdout_accuracy": result.get("test_accuracy")}


def stock_search(data, minutes, epochs, augmentation, directory, seed, calibration):
    dataset = load_dataset(data, batch_size=32, validation_split=0.1, seed=seed, augmentation=augmentation)
    steps = int(dataset.train.cardinality())
    tuner = keras_tuner.RandomSearch(
        lambda hp: plain_cnn(hp, dataset.input_shape, dataset.classes, steps, epochs), objective="val_accuracy",
        max_trials=1000, directory=directory, project_name="stock", overwrite=True, seed=seed)
    started = time.monotonic()
    stop_after(tuner.oracle, started + 60 * minutes)
    FitClock.seconds = 0.0
    tuner.search(dataset.train, validation_data=dataset.validation, epochs=epochs, verbose=0, callbacks=[FitClock()])
    wall = time.monotonic() - started
    trials = []
    for trial in tuner.oracle.trials.values():
        if trial.status != "COMPLETED":
            continue
        figures = int8_figures(tuner.load_model(trial), calibration, latency_runs=20, strip_metadata=True)
        trials.append({"trial_id": trial.trial_id, **trial.hyperparameters.values,
                       "val_accuracy": trial.metrics.get_last_value("val_accuracy"), **figures})
    return tuner, trials, wall, FitClock.seconds


def without_model(scores: dict) -> dict:
    return {k: v for k, v in scores.items() if k != "model"}


def measure(args) -> dict:
    augmentation = [a for a in args.augment.split(",") if a] or None
    work = tempfile.mkdtemp(prefix="tuning_mnist_")
    final = load_dataset(args.data, batch_size=32, validation_split=0.0, seed=args.seed, augmentation=augmentation)
    unaugmented = load_dataset(args.data, batch_size=32, validation_split=0.0, seed=args.seed)
    calibration, _ = split_arrays(unaugmented.train.take(4))
    test_images, test_labels = split_arrays(unaugmented.test)
    machine_before = machine_state()

    # Modern LeNet-5 as registered (32x32 input: the 28x28 digits are resized up in front of it).
    started = time.monotonic()
    lenet = retrain_and_score(lambda: build_family_model(family_space("lenet"), {}, final.input_shape, final.classes),
                              final, args.final_epochs, os.path.join(work, "lenet"), calibration)
    lenet.update(micro_scores(lenet.pop("model"), calibration, test_images, test_labels),
                 retrain_seconds=round(time.monotonic() - started))

    families = [f for f in args.families.split(",") if f]
    ranges = parse_ranges([r for r in args.ranges.split(" ") if r])
    ours = search(args.data, families=families, tuner="bayesian", max_trials=1000, max_minutes=args.minutes,
                  ranges=ranges,
                  epochs=args.epochs, max_size_kb=args.max_size_kb, max_ram_kb=args.max_ram_kb,
                  max_flash_kb=args.max_flash_kb, objectives=("accuracy", "size", "ram"), augmentation=augmentation,
                  strip_metadata=True, directory=work, project_name="ours", seed=args.seed)
    tuner, stock_trials, stock_wall, stock_fit = stock_search(args.data, args.minutes, args.epochs, augmentation,
                                                              work, args.seed, calibration)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    steps = int(final.train.cardinality())
    started = time.monotonic()
    stock_winner = without_model(retrain_and_score(
        lambda: plain_cnn(best_hp, final.input_shape, final.classes, steps, args.final_epochs), final,
        args.final_epochs, os.path.join(work, "stock_winner"), calibration))
    stock_winner.update(hyperparameters=best_hp.values, retrain_seconds=round(time.monotonic() - started))

    # Two picks from our front, by validation accuracy only (the holdout decides nothing): the most accurate
    # trial at no more than half LeNet-5's int8 size, and the most accurate one smaller than stock's winner.
    picks = {"winner": ours.best(max_size_kb=lenet["size_kb"] / 2),
             "stock_rival": ours.best(max_size_kb=stock_winner["size_kb"] * 0.999)}
    members = list({t["trial_id"]: t for t in picks.values() if t}.values())
    finished, started = {}, time.monotonic()
    if members:
        for report in finish_winners(ours, args.data, members=members, epochs=args.final_epochs):
            winner_model = keras.saving.load_model(report["keras_path"], safe_mode=True)
            finished[report["trial_id"]] = {
                "trial_id": report["trial_id"], "size_kb": report["size_kb"],
                "parameters": int(winner_model.count_params()),
                "holdout_accuracy": report["tflite_test_accuracy"],
                "keras_holdout_accuracy": report["keras_test_accuracy"],
                "hyperparameters": report["hyperparameters"], "search_figures": report["search"],
                **micro_scores(winner_model, calibration, test_images, test_labels)}
    retrain_seconds = round(time.monotonic() - started)
    picked = {role: finished[t["trial_id"]] if t else None for role, t in picks.items()}

    stock_front = pareto.pareto_front(stock_trials) if stock_trials else []
    trained = [t for t in ours.trials if t["trial_id"] in ours.finished_here and not t.get("rejected")]
    results = {
        "settings": {"minutes_each": args.minutes, "epochs_per_trial": args.epochs,
                     "final_epochs": args.final_epochs, "augmentation": augmentation, "families": families,
                     "ranges": ranges, "machine_note": args.machine_note,
                     "max_size_kb": args.max_size_kb, "max_ram_kb": args.max_ram_kb,
                     "max_flash_kb": args.max_flash_kb, "seed": args.seed, "data": args.data},
        "machine_before": machine_before, "machine_after": machine_state(),
        "lenet5_modern": lenet,
        "ours": {"trials": len(ours.trials), "trained_trials": len(trained),
                 "rejected_before_training": sum(1 for t in ours.trials if t.get("rejected")),
                 "wall_seconds": round(ours.wall_seconds, 1),
                 "trials_per_minute": len(ours.trials) / (ours.wall_seconds / 60),
                 "trained_trials_per_minute": len(trained) / (ours.wall_seconds / 60),
                 "share_outside_fit": ours.share_outside_fit(), "message": ours.message,
                 "front": ours.front, "meeting": ours.meeting, **picked,
                 "picks_retrain_seconds": retrain_seconds},
        "stock": {"trials": len(stock_trials), "trained_trials": len(stock_trials), "wall_seconds": round(stock_wall, 1),
                  "trials_per_minute": len(stock_trials) / (stock_wall / 60),
                  "trained_trials_per_minute": len(stock_trials) / (stock_wall / 60),
                  "share_outside_fit": max(0.0, 1 - stock_fit / stock_wall), "front": stock_front,
                  "all": stock_trials, "winner": stock_winner},
    }
    shutil.rmtree(work, ignore_errors=True)
    return results


def _ours(results) -> list[tuple[list[str], dict]]:
    """Our retrained picks, each once: (its roles, its scores)."""
    ours, seen = results["ours"], {}
    for role in ("winner", "stock_rival"):
        if ours.get(role):
            seen.setdefault(ours[role]["trial_id"], ([], ours[role]))[0].append(role)
    return list(seen.values())


def verdicts(results) -> dict:
    lenet, stock = results["lenet5_modern"], results["stock"]["winner"]
    ours, rival = results["ours"].get("winner"), results["ours"].get("stock_rival")
    said = {"ours_found_a_model": bool(ours or rival)}
    if ours:
        said.update({
            "beats_lenet5_at_half_its_size": (ours["holdout_accuracy"] > lenet["holdout_accuracy"]
                                              and ours["size_kb"] <= lenet["size_kb"] / 2),
            "micro_limits_and_98.5": (ours["arena_bytes"] <= 32_000 and ours["flash_bytes"] <= 64_000
                                      and ours["tflm_holdout_accuracy"] >= 0.985),
            "micro_aim_99.0_at_16_kb_arena_32_kb_flash": (ours["arena_bytes"] <= 16_000
                                                          and ours["flash_bytes"] <= 32_000
                                                          and ours["tflm_holdout_accuracy"] >= 0.990)})
    said["reaches_99.2_at_20_kb"] = any(p["holdout_accuracy"] >= 0.992 and p["size_kb"] <= 20
                                        for _, p in _ours(results))
    said["dominates_stock"] = bool(rival) and (rival["holdout_accuracy"] > stock["holdout_accuracy"]
                                               and rival["size_kb"] < stock["size_kb"])
    return said


def plots(results, docs):
    ours, stock = results["ours"], results["stock"]
    pareto.plot_front({"ours (hardware-aware)": (ours["meeting"], ours["front"]),
                       "stock RandomSearch": (stock["all"], stock["front"])}, os.path.join(docs, FRONTS_PLOT),
                      title=f"MNIST t10k, {results['settings']['minutes_each']:g} min of search each (validation)",
                      y_from=Y_FROM)
    lenet = results["lenet5_modern"]
    pareto.plot_front({"ours (hardware-aware)": (ours["meeting"], ours["front"])}, os.path.join(docs, MICRO_PLOT),
                      x="flash_kb",
                      colour="ram_kb", title="ours: validation accuracy vs TFLite Micro flash, arena as colour",
                      y_from=Y_FROM,
                      references={f"LeNet-5 (holdout, {lenet['arena_bytes'] / 1000:.1f} KB arena)":
                                  (lenet["flash_bytes"] / 1000, lenet["tflm_holdout_accuracy"])})


def _load(machine):
    return machine["uptime"].split("load average:")[-1].strip()


def doc(results) -> str:
    s, lenet, ours, stock = results["settings"], results["lenet5_modern"], results["ours"], results["stock"]
    stock_winner, verdict = stock["winner"], verdicts(results)
    limits = ([f"{s['max_size_kb']:g} KB int8 file"] if s.get("max_size_kb") else []) + [
        f"{s['max_ram_kb']:g} KB arena", f"{s['max_flash_kb']:g} KB flash"]
    lines = [
        "# Hardware-aware search on MNIST: ours vs stock keras-tuner, and LeNet-5",
        "",
        f"Generated by `benchmarks/tuning_mnist.py` on {results['machine_before']['cpu']} "
        f"({results['machine_before']['cpus']} CPUs), {results['machine_before']['time_utc']}; 1/5/15-minute load "
        f"average {_load(results['machine_before'])} at the start and {_load(results['machine_after'])} at the end"
        + (f" ({s['machine_note']})" if s.get("machine_note") else "") + ".",
        "",
        f"Data: the MNIST t10k split (`{s['data']}`): the searches tune inside the first 8,000 images (the last 10% "
        "of them validate each trial); the last 2,000 are scored once, by each winner retrained on all 8,000. "
        f"Recipe for every model: AdamW 1e-3 with a warm-up epoch and cosine decay, batch 32, augmentation of the "
        f"training images {', '.join(s['augmentation'] or ['none'])}; {s['epochs_per_trial']} epochs per trial, "
        f"{s['final_epochs']} epochs for LeNet-5 and each winner. Sizes: int8 `.tflite` without tensor names "
        "and conversion metadata (`strip_metadata=True`); arena and flash: TFLite Micro on the int8-I/O, "
        "batch-1 file. 1 KB = 1,000 bytes.",
        "",
        f"- **ours**: `tuning.search`, Bayesian, families {', '.join(s['families'])}"
        + (f" (ranges by hand: {', '.join(f'{k} {v}' for k, v in s['ranges'].items())}; other knobs as "
           "`tuning` scales them to the input)" if s.get("ranges") else "")
        + f", objectives accuracy, size and arena, limits {', '.join(limits)}, {s['minutes_each']:g} minutes. "
        "Two trials of its front are retrained, both picked by validation accuracy (the holdout decides nothing): "
        "the most accurate at no more than half LeNet-5's int8 size (\"ours\" below, also the TFLite Micro "
        "candidate) and the most accurate smaller than stock's winner (\"ours vs stock\"); where one trial is "
        "both, it is retrained once.",
        f"- **stock**: `keras_tuner.RandomSearch` over a plain CNN (1-3 conv + max-pool stages of 8-64 filters, a "
        f"dense layer of 32-128), validation accuracy its only objective, {s['minutes_each']:g} minutes, the same "
        "data pipeline and recipe.",
        "",
        "| model | parameters | int8 file (KB) | holdout accuracy (int8, LiteRT) | Keras float | TFLM arena (KB) "
        "| TFLM flash (KB) | holdout under TFLM |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| modern LeNet-5 | {lenet['parameters']:,} | {lenet['size_kb']:.1f} | {lenet['holdout_accuracy']:.4f} | "
        f"{lenet['keras_holdout_accuracy']:.4f} | {lenet['arena_bytes'] / 1000:.1f} | "
        f"{lenet['flash_bytes'] / 1000:.1f} | {lenet['tflm_holdout_accuracy']:.4f} |",
    ]
    role_names = {"winner": "ours", "stock_rival": "ours vs stock"}
    for roles, pick in _ours(results):
        lines.append(
            f"| {' = '.join(role_names[r] for r in roles)}: trial {pick['trial_id']} "
            f"({pick['hyperparameters'].get('family', '')}) | "
            f"{pick['parameters']:,} | {pick['size_kb']:.1f} | {pick['holdout_accuracy']:.4f} | "
            f"{pick['keras_holdout_accuracy']:.4f} | {pick['arena_bytes'] / 1000:.1f} | "
            f"{pick['flash_bytes'] / 1000:.1f} | {pick['tflm_holdout_accuracy']:.4f} |")
    lines += [
        f"| stock: best trial | {stock_winner['parameters']:,} | {stock_winner['size_kb']:.1f} | "
        f"{stock_winner['holdout_accuracy']:.4f} | {stock_winner['keras_holdout_accuracy']:.4f} | | | |",
        "",
        f"Modern LeNet-5's arena is {lenet['arena_bytes'] / 1000:.1f} KB; its {lenet['flash_bytes'] / 1000:.1f} KB "
        "int8 file "
        f"{'fits' if lenet['flash_bytes'] <= 1000 * s['max_flash_kb'] else 'does not fit'} the "
        f"{s['max_flash_kb']:g} KB flash limit.",
        "",
        "| search | trials | trained | rejected before training | trained trials / min | share of wall time "
        "outside `fit` |",
        "|---|---:|---:|---:|---:|---:|",
        f"| ours | {ours['trials']} | {ours['trained_trials']} | {ours['rejected_before_training']} | "
        f"{ours['trained_trials_per_minute']:.2f} | {ours['share_outside_fit']:.0%} |",
        f"| stock | {stock['trials']} | {stock['trained_trials']} | 0 | {stock['trained_trials_per_minute']:.2f} | "
        f"{stock['share_outside_fit']:.0%} |",
        "",
        "Outside `fit`, ours builds each configuration, estimates its int8 size and arena from exports of an "
        "untrained copy (to reject it before training), and after training exports it twice (int8 for size and "
        "LiteRT latency; int8 I/O batch 1 for TFLite Micro's arena search); stock only builds and trains "
        "(its trials' sizes were measured after its search, outside its budget); its share outside `fit` is "
        "keras-tuner's own work per trial (building the model, saving its checkpoint and trial files), large "
        "beside its short fits.",
        "",
    ]
    for roles, pick in _ours(results):
        hp = ", ".join(f"{k.split('/')[-1]} {v:.4g}" if isinstance(v, float) else f"{k.split('/')[-1]} {v}"
                       for k, v in pick["hyperparameters"].items() if k != "family")
        lines.append(f"- {' = '.join(role_names[r] for r in roles)} (trial {pick['trial_id']}): {hp}.")
    lines += ["- stock's winner: " + ", ".join(f"{k} {v}" for k, v in stock_winner["hyperparameters"].items())
              + ".", ""]
    checks = {
        "beats_lenet5_at_half_its_size": "ours beats LeNet-5's holdout accuracy at no more than half its int8 size",
        "reaches_99.2_at_20_kb": "aim: >= 99.2% holdout at <= 20 KB",
        "dominates_stock": "ours vs stock dominates stock's winner (higher holdout accuracy, smaller int8 file)",
        "micro_limits_and_98.5": "ours runs under TFLite Micro in <= 32 KB arena and <= 64 KB flash with >= 98.5% "
                                 "holdout",
        "micro_aim_99.0_at_16_kb_arena_32_kb_flash": "aim: ours >= 99.0% under TFLM in <= 16 KB arena, <= 32 KB "
                                                     "flash",
    }
    lines += ["What held in this run: " + outcome(results), ""]
    if not verdict["ours_found_a_model"]:
        lines.append(f"- ours found no model within the limits: {ours['message']}")
    for key, text in checks.items():
        if key in verdict:
            lines.append(f"- {text}: **{'yes' if verdict[key] else 'no'}**")
    lines += ["", f"![fronts]({FRONTS_PLOT})", "", f"![micro]({MICRO_PLOT})", ""]
    return "\n".join(lines)


def readme_lines(results) -> str:
    lenet, stock, s = results["lenet5_modern"], results["stock"]["winner"], results["settings"]
    if not verdicts(results)["ours_found_a_model"]:
        return (f"`benchmarks/tuning_mnist.py` ({s['minutes_each']:g} min): our search found no model within its "
                f"limits ({results['ours']['message']}). Details: [docs/tuning_mnist.md](docs/tuning_mnist.md).")
    role_names = {"winner": "our pick at <= half LeNet-5's size", "stock_rival": "our pick smaller than stock's"}
    rows = "".join(f"| {' = '.join(role_names[r] for r in roles)} | {p['size_kb']:.1f} | {p['holdout_accuracy']:.4f} "
                   f"| {p['arena_bytes'] / 1000:.1f} | {p['flash_bytes'] / 1000:.1f} |\n"
                   for roles, p in _ours(results))
    return (
        f"Measured by `benchmarks/tuning_mnist.py` ({s['minutes_each']:g} minutes of search per side on 2 cores, "
        f"MNIST t10k split, 2,000 holdout images scored once; [docs/tuning_mnist.md](docs/tuning_mnist.md)):\n\n"
        "| model | int8 file (KB) | holdout (int8) | TFLM arena (KB) | TFLM flash (KB) |\n"
        "|---|---:|---:|---:|---:|\n"
        f"| modern LeNet-5 | {lenet['size_kb']:.1f} | {lenet['holdout_accuracy']:.4f} | "
        f"{lenet['arena_bytes'] / 1000:.1f} | {lenet['flash_bytes'] / 1000:.1f} |\n"
        + rows +
        f"| stock RandomSearch's winner | {stock['size_kb']:.1f} | {stock['holdout_accuracy']:.4f} | | |\n\n"
        f"Trained trials per minute: ours {results['ours']['trained_trials_per_minute']:.2f} (plus "
        f"{results['ours']['rejected_before_training']} rejected before training), stock "
        f"{results['stock']['trained_trials_per_minute']:.2f}; share of our search's wall time outside `fit`: "
        f"{results['ours']['share_outside_fit']:.0%} (stock's: {results['stock']['share_outside_fit']:.0%}). "
        + outcome(results))


def outcome(results) -> str:
    """What held, in a sentence, from the measured figures."""
    lenet, stock = results["lenet5_modern"], results["stock"]["winner"]
    ours, rival = results["ours"].get("winner"), results["ours"].get("stock_rival")
    verdict = verdicts(results)
    said = []
    if ours:
        said.append(f"Our pick at no more than half LeNet-5's size "
                    f"{'beats' if ours['holdout_accuracy'] > lenet['holdout_accuracy'] else 'does not beat'} "
                    f"LeNet-5's holdout accuracy ({ours['holdout_accuracy']:.4f} vs {lenet['holdout_accuracy']:.4f}) "
                    f"at {ours['size_kb'] / lenet['size_kb']:.0%} of its int8 size and "
                    f"{'meets' if verdict['micro_limits_and_98.5'] else 'misses'} the TFLite Micro target "
                    "(<= 32 KB arena, <= 64 KB flash, >= 98.5% under TFLM)")
    else:
        said.append("No trial of our front is at most half LeNet-5's size")
    if not rival:
        said.append("no trial of our front is smaller than stock's winner")
    elif verdict["dominates_stock"]:
        said.append(f"our pick smaller than stock's winner dominates it ({rival['holdout_accuracy']:.4f} at "
                    f"{rival['size_kb']:.1f} KB vs {stock['holdout_accuracy']:.4f} at {stock['size_kb']:.1f} KB)")
    else:
        said.append(f"our pick smaller than stock's winner does not dominate it: {rival['holdout_accuracy']:.4f} "
                    f"at {rival['size_kb']:.1f} KB vs {stock['holdout_accuracy']:.4f} at {stock['size_kb']:.1f} KB")
    return "; ".join(said) + "."


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--minutes", type=float, default=15.0, help="search budget of each side")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per trial")
    parser.add_argument("--final-epochs", type=int, default=30, help="epochs of LeNet-5's and the winners' training")
    parser.add_argument("--families", default="resnet")
    parser.add_argument("--ranges", default="resnet/base_filters=4:12 resnet/stage_blocks=1:2 resnet/block=basic",
                        help="knob ranges of ours, space-separated KNOB=LOW:HIGH or KNOB=A,B (keras-cnns tune --range)")
    parser.add_argument("--augment", default="shift,rotate",
                        help="training-image augmentation of every model, comma-separated ('' for none)")
    parser.add_argument("--max-size-kb", type=float, default=None, help="int8 size limit of ours (default none)")
    parser.add_argument("--max-ram-kb", type=float, default=32.0)
    parser.add_argument("--max-flash-kb", type=float, default=64.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--docs", default="docs", help="folder of the results, plots and page")
    parser.add_argument("--readme", default="README.md", help="file holding the tuning_mnist markers")
    parser.add_argument("--machine-note", default="", help="what else ran on the machine, written in the docs")
    parser.add_argument("--docs-only", action="store_true", help="rewrite the docs from the results file")
    args = parser.parse_args()
    if args.docs_only:
        with open(os.path.join(args.docs, RESULTS), encoding="utf-8") as stream:
            results = json.load(stream)
    else:
        results = measure(args)
        results["verdicts"] = verdicts(results)
        os.makedirs(args.docs, exist_ok=True)
        pareto.save_json(results, os.path.join(args.docs, RESULTS))
    plots(results, args.docs)
    with open(os.path.join(args.docs, DOC), "w", encoding="utf-8") as stream:
        stream.write(doc(results))
    replace_between_markers(args.readme, BEGIN, END, readme_lines(results))
    print(json.dumps(results["verdicts"], indent=1))


if __name__ == "__main__":
    main()
