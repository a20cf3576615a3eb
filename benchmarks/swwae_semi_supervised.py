"""SWWAE with 1,000 labels (+ unlabelled images) vs the same classifier trained on the 1,000 labels alone.

Split of the 8,000 MNIST t10k training images (`load_idx_split`): the first 1,000 are the labelled set, the
next 6,000 the unlabelled set, the last 1,000 a labelled *validation* slice used only for choosing λ and for
early stopping. The 2,000 holdout images are scored once per final model (`--stage final`).

Fair budget: both models take the same optimizer steps on the same labelled batches. Each step of the
SWWAE takes a batch of `--labelled-batch` labelled images (the same sequence, same seed, as the labels-only
model) plus as many unlabelled images (classification sample weight 0, so they add only the reconstruction
losses). The labels-only model is `swwae_classifier` of the same architecture (encoder + classifier, no
decoder) fitted on the labelled batches alone. An "epoch" is `--steps` steps for both; both stop when their
validation accuracy has not improved for `--patience` epochs and keep their best-validation weights
(`keras.callbacks.EarlyStopping`), at most `--max-epochs`.

    # choose λ / pooling mode on the validation slice (no holdout figure is computed)
    PYTHONPATH=. python benchmarks/swwae_semi_supervised.py --stage select
    # the chosen setting, fresh seeds, holdout scored once
    PYTHONPATH=. python benchmarks/swwae_semi_supervised.py --stage final --lambda-rec 10 --lambda-m 1 --seeds 1 2 3

Writes docs/swwae_semi_supervised_<stage>.json; `--report FILE` prints its tables as markdown.
"""

import argparse
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

import keras_cnns
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split

LABELS, UNLABELLED, VALIDATION = 1000, 6000, 1000
# (λ_rec, λ_M, mode) tried on the validation slice by --stage select; 0/0 is the labels-only reference.
SELECTION_GRID = [(1.0, 0.1, "hard"), (10.0, 1.0, "hard"), (10.0, 1.0, "soft")]


def split(data_dir):
    (x_train, y_train), holdout = load_idx_split(data_dir, train_size=MNIST_T10K_TRAIN_SIZE)
    labelled = (x_train[:LABELS], y_train[:LABELS])
    unlabelled = x_train[LABELS : LABELS + UNLABELLED]
    validation = (x_train[-VALIDATION:], y_train[-VALIDATION:])
    return labelled, unlabelled, validation, holdout


def labelled_batches(labelled, batch_size, seed):
    x, y = labelled
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat().batch(batch_size)


def mixed_batches(labelled, unlabelled, batch_size, seed):
    """Each batch: the labels-only model's labelled batch, then `batch_size` unlabelled images (weight 0)."""
    unlabelled_batches = tf.data.Dataset.from_tensor_slices(unlabelled).shuffle(len(unlabelled), seed=seed + 1)
    unlabelled_batches = unlabelled_batches.repeat().batch(batch_size)

    def join(labelled_batch, unlabelled_images):
        images, labels = labelled_batch
        labels = tf.concat([labels, tf.zeros([tf.shape(unlabelled_images)[0]], labels.dtype)], 0)
        weights = tf.concat([tf.ones([tf.shape(images)[0]]), tf.zeros([tf.shape(unlabelled_images)[0]])], 0)
        # The reconstruction output has no compiled loss (its λ terms are added by the model): dummy targets.
        return tf.concat([images, unlabelled_images], 0), (labels, labels), (weights, weights)

    return tf.data.Dataset.zip(labelled_batches(labelled, batch_size, seed), unlabelled_batches).map(join)


def fit(model, batches, validation, args):
    x_val, y_val = validation
    if len(model.outputs) == 2:  # SWWAE: [predictions, reconstruction]
        loss, metrics = ["sparse_categorical_crossentropy", None], [["accuracy"], None]
        targets, monitor = (y_val, y_val), "val_predictions_accuracy"
    else:
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
        targets, monitor = y_val, "val_accuracy"
    model.compile(keras.optimizers.Adam(args.learning_rate), loss=loss, metrics=metrics)
    stop = keras.callbacks.EarlyStopping(
        monitor=monitor, mode="max", patience=args.patience, restore_best_weights=True
    )
    start = time.perf_counter()
    history = model.fit(
        batches,
        steps_per_epoch=args.steps,
        epochs=args.max_epochs,
        validation_data=(x_val, targets),
        callbacks=[stop],
        verbose=2,
    )
    accuracies = history.history[monitor]
    best = int(np.argmax(accuracies))
    return {
        "epochs_run": len(accuracies),
        "best_epoch": best + 1,
        "optimizer_steps_to_best": (best + 1) * args.steps,
        "validation_accuracy": float(accuracies[best]),
        "validation_accuracy_per_epoch": [float(a) for a in accuracies],
        "train_seconds": time.perf_counter() - start,
    }


def accuracy(classifier, data):
    images, labels = data
    return float(np.mean(classifier.predict(images, verbose=0).argmax(-1) == labels))


def train_one(setting, seed, data, args, score_holdout):
    """SWWAE(λ_rec, λ_M, mode), or the labels-only classifier when both λ are 0, initialized with `seed`."""
    labelled, unlabelled, validation, holdout = data
    lambda_rec, lambda_m, mode = setting
    keras.utils.set_random_seed(seed)
    model = keras_cnns.SWWAE(
        input_shape=(28, 28, 1), filters=tuple(args.filters), dense_units=args.dense_units, mode=mode,
        temperature=args.temperature, lambda_rec=lambda_rec, lambda_m=lambda_m,
    )  # fmt: skip
    if lambda_rec > 0 or lambda_m > 0:
        name, trained, batches = "swwae", model, mixed_batches(labelled, unlabelled, args.labelled_batch, seed)
    else:  # the labels-only reference: encoder + classifier of the same network, labelled batches alone
        name, trained = "labels_only", keras_cnns.swwae_classifier(model)
        batches = labelled_batches(labelled, args.labelled_batch, seed)
    results = {name: fit(trained, batches, validation, args)}
    if score_holdout:
        results[name]["holdout_accuracy"] = accuracy(keras_cnns.swwae_classifier(model), holdout)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/mnist-t10k")
    parser.add_argument("--stage", choices=("select", "final"))
    parser.add_argument("--report", metavar="JSON", help="print the markdown tables of a JSON this script wrote")
    parser.add_argument("--lambda-rec", type=float, default=10.0, help="final stage only")
    parser.add_argument("--lambda-m", type=float, default=1.0, help="final stage only")
    parser.add_argument("--mode", choices=("hard", "soft"), default="hard", help="final stage only")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--filters", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--dense-units", type=int, default=128)
    parser.add_argument("--labelled-batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=100, help="optimizer steps per epoch, both models")
    parser.add_argument("--max-epochs", type=int, default=15)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    if args.report:
        return markdown(args.report)
    if args.stage is None:
        parser.error("give --stage select|final (or --report JSON)")

    data = split(args.data)
    settings = SELECTION_GRID if args.stage == "select" else [(args.lambda_rec, args.lambda_m, args.mode)]
    settings = [(0.0, 0.0, "hard")] + settings
    record = {"config": {k: v for k, v in vars(args).items() if k not in ("data", "out")}, "runs": []}
    record["config"].update(labelled=LABELS, unlabelled=UNLABELLED, validation=VALIDATION)
    path = os.path.join(args.out, f"swwae_semi_supervised_{args.stage}.json")
    os.makedirs(args.out, exist_ok=True)
    for seed in args.seeds:
        for setting in settings:
            result = train_one(setting, seed, data, args, score_holdout=args.stage == "final")
            entry = {"seed": seed, "lambda_rec": setting[0], "lambda_m": setting[1], "mode": setting[2], **result}
            record["runs"].append(entry)
            print(json.dumps(entry), flush=True)
            summarize(record)
            with open(path, "w") as handle:
                json.dump(record, handle, indent=2)


def model_name(model, run):
    if model == "labels_only":
        return "labels only"
    return f"SWWAE λ_rec={run['lambda_rec']:g}, λ_M={run['lambda_m']:g}, {run['mode']}"


def summarize(record):
    """Mean and (sample) standard deviation over seeds of each model's validation / holdout accuracy."""
    groups = {}
    for run in record["runs"]:
        for model, result in run.items():
            if model in ("swwae", "labels_only"):
                groups.setdefault(model_name(model, run), []).append(result)
    summary = {}
    for key, results in groups.items():
        summary[key] = {"seeds": len(results)}
        for metric in ("validation_accuracy", "holdout_accuracy"):
            values = [r[metric] for r in results if metric in r]
            if values:
                summary[key][f"{metric}_mean"] = float(np.mean(values))
                summary[key][f"{metric}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else None
    record["summary"] = summary


def markdown(path):
    """The tables of docs/ext.md, from a JSON this script wrote (`--report docs/swwae_..._final.json`)."""
    with open(path) as handle:
        record = json.load(handle)
    holdout = any("holdout_accuracy" in r for run in record["runs"] for r in run.values() if isinstance(r, dict))
    summarize(record)  # recomputed from the runs
    header = "| model | seed | best epoch (of run) | steps to best | validation accuracy |"
    print(header + (" holdout accuracy |" * holdout))
    print("|---|---:|---:|---:|---:|" + ("---:|" if holdout else ""))
    for run in record["runs"]:
        for model in ("labels_only", "swwae"):
            if model in run:
                r = run[model]
                row = f"| {model_name(model, run)} | {run['seed']} | {r['best_epoch']} ({r['epochs_run']}) | "
                row += f"{r['optimizer_steps_to_best']:,} | {100 * r['validation_accuracy']:.2f}% |"
                print(row + (f" {100 * r['holdout_accuracy']:.2f}% |" if holdout else ""))
    print()
    print("| model | seeds | validation accuracy, mean ± std |" + (" holdout accuracy, mean ± std |" * holdout))
    print("|---|---:|---:|" + ("---:|" if holdout else ""))
    for name, summary in record["summary"].items():
        cells = []
        for metric in ("validation_accuracy", "holdout_accuracy") if holdout else ("validation_accuracy",):
            mean, std = summary[f"{metric}_mean"], summary[f"{metric}_std"]
            cells.append(f"{100 * mean:.2f}%" + ("" if std is None else f" ± {100 * std:.2f}"))
        print(f"| {name} | {summary['seeds']} | " + " | ".join(cells) + " |")
    if holdout:
        by_seed = {}
        for run in record["runs"]:
            for model in ("labels_only", "swwae"):
                if model in run:
                    by_seed.setdefault(run["seed"], {})[model] = run[model]["holdout_accuracy"]
        gains = [100 * (pair["swwae"] - pair["labels_only"]) for pair in by_seed.values() if len(pair) == 2]
        print(f"\nSWWAE minus labels-only holdout accuracy, per seed: {', '.join(f'{g:+.2f}' for g in gains)} points"
              f" (mean {np.mean(gains):+.2f})")


if __name__ == "__main__":
    main()
