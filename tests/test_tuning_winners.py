"""tuning.winners and `keras-cnns tune`: the winner retrained, exported to int8 and scored on the test split."""

import json
import os
import subprocess
import sys

import pytest

import tflite
from tuning.commands import format_table
from tuning.search import search
from tuning.winners import finish_winners

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def small_search(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tune")
    return search("digits", family="resnet", max_trials=1, epochs=1, latency_runs=3,
                  directory=str(directory), project_name="p", seed=3)


def test_winner_is_retrained_exported_and_scored_on_the_test_split(small_search):
    assert small_search.front, small_search.message
    report, = finish_winners(small_search, "digits", epochs=1)
    folder = os.path.dirname(report["tflite_path"])
    assert sorted(os.listdir(folder)) == ["model.keras", "model_int8.tflite", "model_int8.tflite.json", "report.json", "train"]
    assert os.path.getsize(report["tflite_path"]) == report["size_bytes"]
    assert report["test_images"] == 360 and report["train_images"] == 1437  # digits' 80/20 split, no validation
    assert json.loads(open(os.path.join(folder, "report.json")).read())["trial_id"] == report["trial_id"]
    # The int8 file agrees with the Keras model it came from on the held-out digits to a few points.
    assert abs(report["tflite_test_accuracy"] - report["keras_test_accuracy"]) <= 0.05
    assert tflite.ops_in(open(report["tflite_path"], "rb").read())  # a real flatbuffer


def test_format_table_lines_up_the_front():
    text = format_table([{"trial_id": "0", "resnet/base_filters": 4, "val_accuracy": 0.5, "size_kb": 12.5},
                         {"trial_id": "11", "resnet/base_filters": 8, "val_accuracy": 0.75, "size_kb": 20.25}])
    lines = text.splitlines()
    assert len(lines) == 3 and len({len(line) for line in lines}) == 1
    assert "resnet" in lines[1] and "0.7500" in lines[2] and "20.25" in lines[2]


def run_cli(*arguments, cwd):
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", "keras_cnns.cli", "tune", *arguments], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_cli_says_when_no_trial_meets_the_limit_and_exits_nonzero(tmp_path):
    done = run_cli("--trials", "2", "--epochs", "1", "--max-size-kb", "0.5", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert "no trial met the constraints (max_size_kb=0.5)" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("trial ") >= 2  # one progress line per trial, then the error
    assert os.path.isfile(tmp_path / "search" / "trials.csv")


def test_cli_bad_family_is_one_line(tmp_path):
    done = run_cli("--family", "resnett", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("keras-cnns tune: error: family must be one of")
    assert "Traceback" not in done.stderr


def test_range_arguments_parse_to_search_ranges():
    from tuning.commands import parse_ranges

    assert parse_ranges(None) is None
    assert parse_ranges(["resnet/base_filters=4:12", "block=basic,bottleneck", "width_multiplier=0.25:0.5",
                         "bottleneck=true"]) == {"resnet/base_filters": [4, 12], "block": ["basic", "bottleneck"],
                                                 "width_multiplier": [0.25, 0.5], "bottleneck": [True]}
    for bad in ("base_filters", "base_filters=", "=4:8", "base_filters=1:2:3"):
        with pytest.raises(ValueError, match="--range"):
            parse_ranges([bad])


def test_cli_inverted_range_is_one_line_and_writes_nothing(tmp_path):
    done = run_cli("--range", "resnet/base_filters=8:4", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == ("keras-cnns tune: error: ranges['resnet/base_filters'] = (8, 4) "
                                                    "is inverted (low > high), so empty: give (low, high) with low "
                                                    "<= high")
    assert "Traceback" not in done.stderr and not (tmp_path / "runs").exists()


def test_cli_max_macs_rejects_before_training(tmp_path):
    done = run_cli("--trials", "1", "--epochs", "1", "--max-macs", "1", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no trial met the constraints (max_macs=1) in 1 trials (1 rejected before training)" in done.stderr
