"""The search's winners, finished: retrained on all the training data with the full recipe, quantized to int8
(post-training, or quantization-aware with `qat=True`), exported, and scored once on the held-out test split
that the search never saw. The retraining uses the search's recipe: its augmentation too. Each winner's folder holds `model.keras`, `model_int8.tflite` and `report.json`.
"""

from __future__ import annotations

import os

import keras_tuner
import numpy as np

from keras_cnns.checks import check_bool, check_int, check_type
from tuning import pareto
from tuning.hypermodels import hypermodel_for
from tuning.search import FIGURES, SearchResult

FINAL_LATENCY_RUNS = 100


def hyperparameter_values(trial: dict) -> dict:
    return {k: v for k, v in trial.items() if k not in FIGURES and k not in ("trial_id", "status")}


def build_trial_model(space: dict, trial: dict):
    """The uncompiled model of a trial, rebuilt from the search's space and the trial's hyperparameters."""
    families = space["families"]
    hypermodel = hypermodel_for(families[0] if len(families) == 1 else families, space["input_shape"],
                                space["classes"], recipes=space["recipes"], ranges=space.get("ranges"))
    hp = keras_tuner.HyperParameters()
    hp.values.update(hyperparameter_values(trial))
    model = hypermodel.build_uncompiled(hp)
    recipe = hp.values.get("recipe", hypermodel.recipes[0])
    return model, recipe, hp.values.get("learning_rate")


def split_arrays(dataset_split):
    """(images, labels) arrays of a batched `(images, labels)` tf.data split."""
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in dataset_split))
    return np.concatenate(images), np.concatenate(labels)


def finish_winners(result: SearchResult, data, *, members=None, epochs=10, qat=False, qat_epochs=1,
                   out_dir=None, batch_size=64, seed=0, verbose=0) -> list[dict]:
    """Retrain, quantize, export and score `members` (trial dicts of `result`; default: its best trial).

    Returns one report per member (also written to `out_dir/trial_<id>/report.json`): the search's figures,
    the int8 file's size and latency, and test accuracy of the Keras model and of the int8 `.tflite`.
    """
    import tflite
    from keras_cnns.data import load_dataset
    from keras_cnns.training import train

    check_type("result", result, SearchResult)
    check_int("epochs", epochs, min_value=1)
    check_bool("qat", qat)
    if members is None:
        best = result.best()
        if best is None:
            raise ValueError(f"result has no trial to finish: {result.message}")
        members = [best]
    check_type("members", members, (list, tuple))
    ids = {t["trial_id"] for t in result.front} | {t["trial_id"] for t in result.meeting}
    for member in members:
        if not isinstance(member, dict) or member.get("trial_id") not in ids:
            raise ValueError(f"members must be trials of result that meet its constraints (result.front, "
                             f"result.best(...)); got {member!r}")
    out_dir = os.path.join(result.project_dir, "winners") if out_dir is None else os.fspath(out_dir)
    dataset = load_dataset(data, batch_size=batch_size, validation_split=0.0, seed=seed,
                           augmentation=result.space.get("augmentation"))
    if dataset.test is None:
        raise ValueError(f"data must have a held-out test split to score the winners on; {dataset.source!r} has none")
    train_images, train_labels = split_arrays(dataset.train)
    test_images, test_labels = split_arrays(dataset.test)

    reports = []
    for member in members:
        folder = os.path.join(out_dir, f"trial_{member['trial_id']}")
        os.makedirs(folder, exist_ok=True)
        model, recipe, learning_rate = build_trial_model(result.space, member)
        trained = train(lambda **_: model, dataset, recipe=recipe, epochs=epochs, learning_rate=learning_rate,
                        out_dir=os.path.join(folder, "train"), verbose=verbose)
        model = trained["model"]
        keras_path = os.path.join(folder, "model.keras")
        model.save(keras_path)
        exported = model
        if qat:
            exported = tflite.quantization_aware(model, (train_images, train_labels), epochs=qat_epochs,
                                                 batch_size=batch_size)
        tflite_path = os.path.join(folder, "model_int8.tflite")
        export = tflite.export(exported, tflite_path, "int8", representative_data=train_images,
                               strip_metadata=result.space.get("strip_metadata", False))
        timing = tflite.benchmark(tflite_path, threads=1, runs=FINAL_LATENCY_RUNS)
        report = {
            "trial_id": member["trial_id"], "hyperparameters": hyperparameter_values(member),
            "search": {k: member[k] for k in FIGURES if k in member}, "epochs": epochs, "recipe": recipe,
            "quantization": "int8 QAT" if qat else "int8 PTQ", "train_images": int(len(train_images)),
            "test_images": int(len(test_images)), "keras_test_accuracy": trained.get("test_accuracy"),
            "tflite_test_accuracy": tflite.evaluate(tflite_path, (test_images, test_labels))["accuracy"],
            "size_bytes": export["size_bytes"], "size_kb": export["size_bytes"] / 1000,
            "latency_ms": timing["median_ms"], "keras_path": keras_path, "tflite_path": tflite_path,
        }
        pareto.save_json(report, os.path.join(folder, "report.json"))
        reports.append(report)
    return reports
