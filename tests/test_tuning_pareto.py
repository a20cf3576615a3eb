"""tuning.pareto: the front, constrained selection and the saved CSV / JSON / PNG."""

import csv
import json

import numpy as np
import pytest

from tuning import pareto


def random_trials(seed, count=60):
    rng = np.random.default_rng(seed)
    return [{"trial_id": str(i), "val_accuracy": float(rng.choice([0.9, 0.95, 0.97, 0.99, rng.random()])),
             "size_kb": float(rng.choice([10.0, 20.0, 40.0, rng.uniform(5, 80)])),
             "latency_ms": float(rng.uniform(0.1, 2.0))} for i in range(count)]


def sweep_front(trials):
    """Two-objective front by a sweep: ascending size (ties: higher accuracy first), keep strict accuracy gains."""
    front, best_accuracy, last = [], -1.0, None
    for t in sorted(trials, key=lambda t: (t["size_kb"], -t["val_accuracy"])):
        if t["val_accuracy"] > best_accuracy:
            front.append(t)
            best_accuracy, last = t["val_accuracy"], t
        elif last is not None and (t["size_kb"], t["val_accuracy"]) == (last["size_kb"], last["val_accuracy"]):
            front.append(t)  # an exact tie of a front member is not dominated either
    return front


@pytest.mark.parametrize("seed", range(5))
def test_front_matches_an_independent_sweep(seed):
    trials = random_trials(seed)
    got = {t["trial_id"] for t in pareto.pareto_front(trials, ("accuracy", "size"))}
    assert got == {t["trial_id"] for t in sweep_front(trials)}


def test_three_objectives_keep_a_faster_but_larger_trial():
    a = {"trial_id": "a", "val_accuracy": 0.99, "size_kb": 10, "latency_ms": 2.0}
    b = {"trial_id": "b", "val_accuracy": 0.99, "size_kb": 20, "latency_ms": 1.0}
    c = {"trial_id": "c", "val_accuracy": 0.98, "size_kb": 30, "latency_ms": 3.0}
    assert [t["trial_id"] for t in pareto.pareto_front([a, b, c], ("accuracy", "size"))] == ["a"]
    assert {t["trial_id"] for t in pareto.pareto_front([a, b, c], ("accuracy", "size", "latency"))} == {"a", "b"}
    assert pareto.dominates(a, c, ("accuracy", "size", "latency"))
    assert not pareto.dominates(a, b, ("accuracy", "size", "latency"))


def test_best_honours_every_constraint_or_returns_none():
    trials = random_trials(7)
    chosen = pareto.best(trials, max_size_kb=20, max_latency_ms=1.0)
    meeting = [t for t in trials if t["size_kb"] <= 20 and t["latency_ms"] <= 1.0]
    assert chosen["val_accuracy"] == max(t["val_accuracy"] for t in meeting)
    assert pareto.best(trials, max_size_kb=1.0) is None


def test_bad_objectives_and_constraints_name_the_argument():
    with pytest.raises(ValueError, match="objectives entry must be one of .*got 'speed'"):
        pareto.pareto_front([], ("accuracy", "speed"))
    with pytest.raises(ValueError, match="max_size_kb must be a number > 0.0; got 0"):
        pareto.best([], max_size_kb=0)
    with pytest.raises(ValueError, match="repeat"):
        pareto.check_objectives(("size", "size"))


def test_csv_json_and_plot_are_written(tmp_path):
    trials = random_trials(3, count=12)
    front = pareto.pareto_front(trials)
    pareto.save_csv(trials, tmp_path / "trials.csv")
    with open(tmp_path / "trials.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["size_kb"]) for r in rows] == [t["size_kb"] for t in trials]
    pareto.save_json({"front": front}, tmp_path / "front.json")
    assert json.loads((tmp_path / "front.json").read_text())["front"] == front
    pareto.plot_front({"ours": (trials, front), "other": (trials[:4], pareto.pareto_front(trials[:4]))},
                      tmp_path / "front.png")
    assert (tmp_path / "front.png").read_bytes()[:4] == b"\x89PNG"
    for trial in trials:
        trial.update(flash_kb=trial["size_kb"] * 1.1, ram_kb=trial["size_kb"] / 2)
    pareto.plot_front({"ours": (trials, front)}, tmp_path / "micro.png", x="flash_kb", colour="ram_kb",
                      references={"LeNet-5": (70.6, 0.9865)})
    assert (tmp_path / "micro.png").read_bytes()[:4] == b"\x89PNG"
