"""tuning.search with TFLite Micro figures: ram_kb and flash_kb per trial, measured by `tflite.micro_report` on
the int8-I/O batch-1 export, max_ram_kb / max_flash_kb constraints, the ram and flash objectives, and bad input.

One tiny search (digits, 1 epoch, 2 trials of the LeNet family) is shared by the tests that read its trials.
"""

import csv
import json
import math
import os

import numpy as np
import pytest

import tflite
from tuning import pareto
from tuning.commands import format_table

pytest.importorskip("tflite.micro")

SMALL = {"family": "lenet", "tuner": "random", "epochs": 1, "latency_runs": 3, "max_trials": 2}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    from tuning.search import search

    directory = tmp_path_factory.mktemp("micro_search")
    result = search("digits", **SMALL, objectives=("accuracy", "ram", "flash"), directory=str(directory),
                    project_name="p")
    return result, directory / "p"


def rebuilt(project_dir, trial_id):
    """The trial's model rebuilt, untrained, from its hyperparameters, and the search's calibration images."""
    import keras_tuner

    from keras_cnns.data import load_dataset
    from tuning.hypermodels import hypermodel_for
    from tuning.search import _representative_images

    trial = keras_tuner.engine.trial.Trial.load(str(project_dir / f"trial_{trial_id}" / "trial.json"))
    dataset = load_dataset("digits", seed=0)
    model = hypermodel_for("lenet", dataset.input_shape, dataset.classes, steps_per_epoch=1,
                           epochs=1).build(trial.hyperparameters)
    return model, _representative_images(dataset)


def rebuilt_micro_export(project_dir, trial_id):
    """The trial's model rebuilt with its checkpoint (1 epoch: the weights it was measured with), exported here
    as docs/micro.md says TFLite Micro runs a model: int8, int8 I/O, batch 1."""
    from tuning.measure import CALIBRATION_SAMPLES

    model, images = rebuilt(project_dir, trial_id)
    model.load_weights(str(project_dir / f"trial_{trial_id}" / "checkpoint.weights.h5"))
    return tflite.convert(model, "int8", images, int8_io=True, batch_size=1,
                          representative_samples=min(CALIBRATION_SAMPLES, len(images)))


def int8_outputs(flatbuffer, images):
    from tflite.litert import load_interpreter

    interpreter = load_interpreter(flatbuffer)
    interpreter.allocate_tensors()
    outputs = []
    for image in images:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy())
    return np.concatenate(outputs)


def int8_io_batch1(flatbuffer):
    from tflite.litert import load_interpreter

    interpreter = load_interpreter(flatbuffer)
    details = interpreter.get_input_details() + interpreter.get_output_details()
    return all(detail["dtype"] == np.int8 and detail["shape"][0] == 1 for detail in details)


def test_each_trial_records_what_micro_report_measures_of_its_int8_io_batch1_export(searched):
    result, project_dir = searched
    completed = [t for t in result.trials if t["status"] == "COMPLETED"]
    assert any(t["micro_runs"] == 1 for t in completed)
    for trial in completed:
        folder = project_dir / f"trial_{trial['trial_id']}"
        # the export the search kept and measured, measured again here
        kept = (folder / "model_micro.tflite").read_bytes()
        assert int8_io_batch1(kept)
        report = tflite.micro_report(kept, strict=False)
        assert report["runs"] == bool(trial["micro_runs"])
        if not report["runs"]:  # TFLite Micro measured no arena: the trial has none, and meets no micro limit
            assert "ram_kb" not in trial and trial["flash_kb"] == report["flash_bytes"] / 1000
            assert pareto.violations(trial, {"max_flash_kb": 1e9})
            continue
        assert trial["ram_kb"] == report["arena_bytes"] / 1000
        assert trial["flash_kb"] == report["flash_bytes"] / 1000 == len(kept) / 1000
        summary = json.loads((folder / "micro.json").read_text())
        assert summary["arena_bytes"] == report["arena_bytes"] and summary["ops"] == report["ops"]
        # the float-I/O LiteRT export (size_kb) is another file: it has quantize and dequantize ops
        assert trial["flash_kb"] != trial["size_kb"]

        # the trial's model rebuilt from its hyperparameters and checkpoint and exported here: the same model
        # (its int8 softmax outputs within 4 steps of 1/256: the calibration here rounds ranges a little
        # differently from the search's, by up to 2 steps in the runs seen) in the same
        # arena; its flash differs by a few bytes of layer names (Keras numbers a rebuilt model's layers)
        rebuilt = rebuilt_micro_export(project_dir, trial["trial_id"])
        assert int8_io_batch1(rebuilt)
        again = tflite.micro_report(rebuilt, strict=False)
        assert again["runs"] and again["arena_bytes"] == report["arena_bytes"] and again["ops"] == report["ops"]
        assert abs(again["flash_bytes"] - report["flash_bytes"]) <= 64
        shape = load_interpreter_input_shape(rebuilt)
        images = np.random.default_rng(0).integers(-128, 128, (4, *shape[1:]), dtype=np.int8)
        difference = int8_outputs(kept, images).astype(int) - int8_outputs(rebuilt, images)
        assert np.abs(difference).max() <= 4


def load_interpreter_input_shape(flatbuffer):
    from tflite.litert import load_interpreter

    return load_interpreter(flatbuffer).get_input_details()[0]["shape"]


def test_micro_limits_reject_before_training_by_the_arena_and_flash_of_a_perturbed_copy(searched):
    from tuning.search import HardwareAwareMixin

    result, project_dir = searched
    trial = next(t for t in result.trials if t["status"] == "COMPLETED" and t["micro_runs"] == 1)
    model, images = rebuilt(project_dir, trial["trial_id"])
    tuner = type("Probe", (HardwareAwareMixin,), {"__init__": lambda self: None})()
    tuner.representative_images = images

    def rejection(**constraints):
        tuner.constraints = constraints
        return tuner.rejection(model)

    ram, flash = trial["ram_kb"], trial["flash_kb"]
    assert rejection(max_ram_kb=ram) is None  # the arena does not depend on the weights: the trained one's
    rejected = rejection(max_ram_kb=ram - 0.001)
    assert rejected["rejected"] == 1 and rejected["ram_kb"] == ram and rejected["micro_runs"] == 1
    # flash: the trained model's, but for a few bytes of layer names (Keras numbers a rebuilt model's layers)
    estimate = rejection(max_flash_kb=0.9 * flash)["flash_kb"]
    assert abs(estimate - flash) <= 0.064
    assert rejection(max_flash_kb=estimate) is None


def test_ram_and_flash_are_objectives_and_columns(searched):
    result, project_dir = searched
    completed = [t for t in result.trials if t["status"] == "COMPLETED"]
    expected = pareto.pareto_front(completed, ("accuracy", "ram", "flash"))
    assert {t["trial_id"] for t in result.front} == {t["trial_id"] for t in expected}
    with open(project_dir / "trials.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {t["trial_id"]: t for t in completed}
    for row in rows:
        if row["trial_id"] in by_id:
            trial = by_id[row["trial_id"]]
            assert row["ram_kb"] == "" if "ram_kb" not in trial else math.isclose(float(row["ram_kb"]),
                                                                                   trial["ram_kb"])
            assert math.isclose(float(row["flash_kb"]), by_id[row["trial_id"]]["flash_kb"])
    front = json.loads((project_dir / "front.json").read_text())
    assert front["objectives"] == ["accuracy", "ram", "flash"]
    assert all("flash_kb" in t and "micro_runs" in t for t in front["front"])
    header = format_table(result.front).splitlines()[0].split()
    assert header[-2:] == ["ram_kb", "flash_kb"]
    assert "ram_kb" not in format_table([{"trial_id": "0", "val_accuracy": 0.5, "size_kb": 1.0}])
    if any(t.get("ram_kb") is not None for t in result.meeting):  # accuracy vs flash, arena as colour
        assert (project_dir / "front_micro.png").read_bytes()[:4] == b"\x89PNG"


def test_a_ram_limit_no_trial_meets_is_the_no_trial_meets_outcome(tmp_path, capsys):
    from keras_cnns.cli import main

    # the command line: --max-ram-kb reaches the search, and the search ends with "no trial met"
    code = main(["tune", "--trials", "1", "--epochs", "1", "--family", "lenet", "--tuner", "random",
                 "--max-ram-kb", "0.5", "--retrain-epochs", "0", "--quiet", "--out", str(tmp_path)])
    assert code == 2
    assert "no trial met the constraints (max_ram_kb=0.5)" in capsys.readouterr().err
    with open(tmp_path / "search" / "trials.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(float(row["ram_kb"]) > 0.5 and row["rejected"] == "1.0" for row in rows)  # untrained
    assert (tmp_path / "search" / "front.csv").read_text().strip() == ""
    assert json.loads((tmp_path / "search" / "front.json").read_text())["front"] == []


def test_a_trial_tflite_micro_cannot_run_breaks_the_micro_limits():
    runs = {"trial_id": "0", "val_accuracy": 0.9, "ram_kb": 10.0, "flash_kb": 50.0, "micro_runs": 1.0}
    fails = {"trial_id": "1", "val_accuracy": 0.95, "flash_kb": 40.0, "micro_runs": 0.0}  # no arena measured
    assert pareto.violations(runs, {"max_ram_kb": 10.0, "max_flash_kb": 50.0}) == []
    assert pareto.violations(runs, {"max_ram_kb": 9.999}) == ["ram_kb 10 > max_ram_kb 9.999"]
    assert pareto.violations(fails, {"max_flash_kb": 100.0}) == [
        "does not run under TFLite Micro (max_flash_kb 100)"]
    assert pareto.best([runs, fails], max_ram_kb=100) is runs
    assert pareto.best([runs, fails], max_flash_kb=100) is runs
    assert pareto.best([runs, fails]) is fails
    assert not pareto.meets({"val_accuracy": 1.0}, {"max_ram_kb": 100.0})  # unmeasured is not met


@pytest.mark.parametrize("name", ["max_ram_kb", "max_flash_kb"])
@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, "must be a number > 0.0; got 0"),
    (-5.0, ValueError, "must be a number > 0.0; got -5.0"),
    (float("nan"), ValueError, "must be a finite number; got nan"),
    ("64", TypeError, "must be Real; got '64'"),
    (True, TypeError, "must be Real; got True"),
])
def test_bad_micro_limits_name_the_argument_before_anything_is_written(tmp_path, name, value, error, message):
    from tuning.search import search

    with pytest.raises(error, match=f"^{name} {message}"):
        search("digits", **SMALL, directory=str(tmp_path), **{name: value})
    assert os.listdir(tmp_path) == []
    with pytest.raises(error, match=f"^{name} {message}"):
        pareto.best([], **{name: value})


def test_bad_ram_limit_on_the_command_line_is_one_line(tmp_path, capsys):
    from keras_cnns.cli import main

    assert main(["tune", "--max-ram-kb", "0", "--out", str(tmp_path / "runs")]) == 2
    assert capsys.readouterr().err.strip() == ("keras-cnns tune: error: max_ram_kb must be a number > 0.0; got 0.0")
    assert not (tmp_path / "runs").exists()
