"""Hardware-aware search vs stock keras-tuner on the MNIST t10k split, and modern LeNet-5 as the reference.

The search tunes inside the first 8,000 images (validating on their last 10%); the last 2,000 are scored once
at the end, by the int8 `.tflite` of each side's winner retrained on all 8,000 with the same recipe.

- ours: `tuning.search` (Bayesian) over the ResNet and LeNet knobs, objectives accuracy and int8 size,
  `--max-size-kb` (default 37: half of LeNet-5's int8 file);
- stock: `keras_tuner.RandomSearch` over a plain CNN space (1-3 conv + pool stages, 8-64 filters, a dense
  layer) with validation accuracy as its only objective; its trials' int8 size is measured after its search;
- both get the same wall-clock budget (`--minutes`, no trial starts after it), epochs per trial and recipe.

    PYTHONPATH=$PWD python benchmarks/tuning_mnist.py --minutes 15 --out docs

writes `tuning_mnist_results.json` and `tuning_mnist_fronts.png` (both fronts, accuracy vs int8 size).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time

import keras
import keras_tuner

import tflite
from keras_cnns.data import load_dataset
from keras_cnns.training import compile_with_recipe, train
from tuning import pareto
from tuning.measure import int8_figures
from tuning.search import stop_after, search
from tuning.hypermodels import build_family_model
from tuning.space import family_space
from tuning.winners import finish_winners, split_arrays

DATA = os.path.join("..", "shared", "data", "mnist-t10k")


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


def retrain_and_score(build, dataset, epochs, folder, images):
    result = train(lambda **_: build(), dataset, recipe="modern", epochs=epochs, out_dir=folder, verbose=0)
    path = os.path.join(folder, "model_int8.tflite")
    size = tflite.export(result["model"], path, "int8", representative_data=images)["size_bytes"]
    test_images, test_labels = split_arrays(dataset.test)
    return {"size_kb": size / 1000, "holdout_accuracy": tflite.evaluate(path, (test_images, test_labels))["accuracy"],
            "keras_holdout_accuracy": result.get("test_accuracy")}


def stock_search(data, minutes, epochs, directory, seed):
    dataset = load_dataset(data, batch_size=32, validation_split=0.1, seed=seed)
    steps = int(dataset.train.cardinality())
    tuner = keras_tuner.RandomSearch(
        lambda hp: plain_cnn(hp, dataset.input_shape, dataset.classes, steps, epochs), objective="val_accuracy",
        max_trials=1000, directory=directory, project_name="stock", overwrite=True, seed=seed)
    started = time.monotonic()
    stop_after(tuner.oracle, started + 60 * minutes)
    FitClock.seconds = 0.0
    tuner.search(dataset.train, validation_data=dataset.validation, epochs=epochs, verbose=0, callbacks=[FitClock()])
    wall = time.monotonic() - started
    images, _ = split_arrays(dataset.train.take(2))
    trials = []
    for trial in tuner.oracle.trials.values():
        if trial.status != "COMPLETED":
            continue
        model = tuner.load_model(trial)
        trials.append({"trial_id": trial.trial_id, **trial.hyperparameters.values,
                       "val_accuracy": trial.metrics.get_last_value("val_accuracy"),
                       **int8_figures(model, images, latency_runs=20)})
    return tuner, trials, wall, FitClock.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--minutes", type=float, default=15.0, help="search budget of each side")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per trial")
    parser.add_argument("--final-epochs", type=int, default=15, help="epochs of the winners' retraining")
    parser.add_argument("--max-size-kb", type=float, default=37.0)
    parser.add_argument("--out", default="docs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tuning_mnist_")
    final = load_dataset(args.data, batch_size=32, validation_split=0.0, seed=args.seed)
    images, _ = split_arrays(final.train.take(2))

    # Modern LeNet-5 as registered (32x32 input: the 28x28 digits are resized up in front of it).
    lenet = retrain_and_score(lambda: build_family_model(family_space("lenet"), {}, final.input_shape, final.classes),
                              final, args.final_epochs, os.path.join(work, "lenet"), images)

    ours = search(args.data, families=["resnet", "lenet"], tuner="bayesian", max_trials=1000,
                  max_minutes=args.minutes, epochs=args.epochs, max_size_kb=args.max_size_kb,
                  objectives=("accuracy", "size"), directory=work, project_name="ours", seed=args.seed)
    ours_winner = None
    if ours.front:
        report, = finish_winners(ours, args.data, epochs=args.final_epochs)
        ours_winner = {"trial_id": report["trial_id"], "size_kb": report["size_kb"],
                       "holdout_accuracy": report["tflite_test_accuracy"],
                       "keras_holdout_accuracy": report["keras_test_accuracy"],
                       "hyperparameters": report["hyperparameters"]}

    tuner, stock_trials, stock_wall, stock_fit = stock_search(args.data, args.minutes, args.epochs, work, args.seed)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    steps = int(final.train.cardinality())
    stock_winner = retrain_and_score(
        lambda: plain_cnn(best_hp, final.input_shape, final.classes, steps, args.final_epochs), final,
        args.final_epochs, os.path.join(work, "stock_winner"), images)
    stock_winner["hyperparameters"] = best_hp.values

    stock_front = pareto.pareto_front(stock_trials) if stock_trials else []
    results = {
        "budget_minutes_each": args.minutes, "epochs_per_trial": args.epochs, "final_epochs": args.final_epochs,
        "max_size_kb": args.max_size_kb, "cpu_count": os.cpu_count(), "load_average_at_end": os.getloadavg(),
        "lenet5_modern": lenet,
        "ours": {"trials": len(ours.trials), "trials_per_minute": len(ours.trials) / (ours.wall_seconds / 60),
                 "share_outside_fit": ours.share_outside_fit(), "front": ours.front, "message": ours.message,
                 "winner": ours_winner},
        "stock": {"trials": len(stock_trials), "trials_per_minute": len(stock_trials) / (stock_wall / 60),
                  "share_outside_fit": max(0.0, 1 - stock_fit / stock_wall), "front": stock_front,
                  "winner": stock_winner},
    }
    if ours_winner:
        results["ours_dominates_stock"] = (ours_winner["holdout_accuracy"] > stock_winner["holdout_accuracy"]
                                           and ours_winner["size_kb"] < stock_winner["size_kb"])
        results["ours_beats_lenet5_at_half_its_size"] = (ours_winner["holdout_accuracy"] > lenet["holdout_accuracy"]
                                                         and ours_winner["size_kb"] <= lenet["size_kb"] / 2)
    os.makedirs(args.out, exist_ok=True)
    pareto.save_json(results, os.path.join(args.out, "tuning_mnist_results.json"))
    pareto.plot_front({"ours (hardware-aware)": (ours.meeting, ours.front), "stock RandomSearch": (stock_trials,
                                                                                                  stock_front)},
                      os.path.join(args.out, "tuning_mnist_fronts.png"),
                      title=f"MNIST t10k, {args.minutes:g} min of search each")
    print(json.dumps({k: v for k, v in results.items() if k not in ("ours", "stock")}, indent=1, default=str))
    for side in ("ours", "stock"):
        print(side, {k: v for k, v in results[side].items() if k != "front"})
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
