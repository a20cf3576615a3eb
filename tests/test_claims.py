"""benchmarks/claims.py: each claim trains a couple of steps on a few real digits, scores its holdout once,
writes its results, table and plot, and a second call finds the finished runs instead of training again."""

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

SPEC = importlib.util.spec_from_file_location(
    "claims", os.path.join(os.path.dirname(__file__), "..", "benchmarks", "claims.py"))
claims = sys.modules[SPEC.name] = importlib.util.module_from_spec(SPEC)  # its dataclasses look themselves up
SPEC.loader.exec_module(claims)

TRAIN, HOLDOUT = 40, 16
# One run per claim (both heads for GAP vs FC), the cheapest where there is a choice.
LABELS = {"degradation": ["plain-20"], "batch_norm": ["vgg11-bn-lr0.1"], "gap_vs_fc": ["nin-gap", "nin-fc"],
          "dense_connectivity": ["densenet-bc-22-k12"]}


@pytest.fixture(scope="module")
def tiny_split(mnist_dir_module):
    (x, y), (xh, yh) = claims.load_split(mnist_dir_module)
    assert len(x) == 8000 and len(xh) == 2000
    return (x[:TRAIN], y[:TRAIN]), (xh[:HOLDOUT], yh[:HOLDOUT])


@pytest.fixture(scope="module")
def mnist_dir_module():
    from conftest import MNIST_DIR

    if not os.path.isdir(MNIST_DIR):
        pytest.fail(f"the shared MNIST t10k data is missing at {MNIST_DIR}")
    return MNIST_DIR


def test_every_claim_names_runs_that_build():
    assert list(claims.CLAIMS) == ["degradation", "batch_norm", "gap_vs_fc", "dense_connectivity"]
    for name, labels in LABELS.items():
        assert set(labels) <= {run.label for run in claims.CLAIMS[name].runs}
    plain56, resnet56 = (next(r for r in claims.CLAIMS["degradation"].runs if r.label == label)
                         for label in ("plain-56", "resnet-56"))
    assert plain56.build().count_params() == resnet56.build().count_params()  # option A: shortcuts are free


@pytest.mark.parametrize("name", list(LABELS))
def test_claim_runs_a_couple_of_steps_and_writes_its_table_and_plot(name, tiny_split, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{claims.README_START}\n{claims.README_END}\n\nmore\n")
    paths = dict(runs_dir=str(tmp_path / "runs"), results_path=str(tmp_path / "results.json"),
                 doc_path=str(tmp_path / "claims.md"), plots_dir=str(tmp_path / "plots"), readme_path=str(readme))
    claims.run_claim(name, tiny_split, seeds=(0,), labels=LABELS[name], epochs=1, **paths)

    results = json.load(open(paths["results_path"]))[name]
    assert results["machine"]["cores"] == os.cpu_count()
    assert [row["label"] for row in results["runs"]] == LABELS[name]
    for row in results["runs"]:
        assert row["finished"] and row["epochs_done"] == row["epochs_planned"] == 1
        # Scored once on the 16 holdout digits: a whole number of them right.
        assert row["holdout_accuracy"] * HOLDOUT == pytest.approx(round(row["holdout_accuracy"] * HOLDOUT))
        assert len(row["history"]) == 1 and 0.0 <= row["history"][0]["accuracy"] <= 1.0
        assert row["wall_seconds"] > 0 and row["cpu_seconds"] > 0
    doc = open(paths["doc_path"]).read()
    assert f"## {claims.CLAIMS[name].title}" in doc
    for row in results["runs"]:
        holdout_error = f"{100 * (1 - row['holdout_accuracy']):.2f} ± 0.00"
        assert f"| {row['label']} | {row['parameters']:,} | 1 | 1/1 |" in doc
        assert holdout_error in doc.split(f"| {row['label']} |")[1].split("\n")[0]
    summary = readme.read_text()
    assert summary.startswith("# Title\n") and summary.endswith(f"{claims.README_END}\n\nmore\n")
    for row in results["runs"]:
        assert f"| {claims.CLAIMS[name].title} | {row['label']} | {row['parameters']:,} | 1/1 |" in summary
    with open(os.path.join(paths["plots_dir"], f"{name}.png"), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"

    # A second call trains nothing: the finished runs' histories are left as they were.
    history = os.path.join(paths["runs_dir"], LABELS[name][0], "seed0", "history.csv")
    modified = os.path.getmtime(history)
    again = claims.run_claim(name, tiny_split, seeds=(0,), labels=LABELS[name], epochs=1, **paths)
    assert os.path.getmtime(history) == modified
    assert again["runs"] == results["runs"]


def test_a_killed_run_is_reported_with_the_epochs_it_finished(tmp_path):
    run = claims.CLAIMS["degradation"].runs[0]
    out = claims.run_dir(str(tmp_path), run, 0)
    os.makedirs(out)
    claims.write_json(os.path.join(out, "settings.json"), {**run.settings(), "seed": 0})
    claims.write_json(os.path.join(out, "run.json"), {"settings": {}, "finished": False})
    with open(os.path.join(out, "history.csv"), "w") as handle:
        handle.write("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.5,0.6,1.2\n1,0.75,0.8,0.8,0.7\n")
    row = claims.collect(run, 0, str(tmp_path))
    assert (row["finished"], row["epochs_done"], row["epochs_planned"], row["holdout_accuracy"]) == (
        False, 2, run.epochs, None)
    table = claims.claim_table("degradation", [row])
    assert f"| {run.label} | {row['parameters']:,} | 1 | 2/{run.epochs} | 25.00 ± 0.00 | 20.00 ± 0.00 | – |" in table
    assert np.isclose(row["history"][-1]["val_accuracy"], 0.8)
