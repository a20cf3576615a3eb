"""Kill `keras-cnns train` with SIGKILL at every file operation of a run, rerun it, and check the result.

    PYTHONPATH=$PWD python benchmarks/kill_training.py [--epochs 2] [--h5-stride 5] [--out docs/kill_training.md]

The child process is the real CLI (`keras_cnns.cli.main`) with tripwires on the operations that write a run's
files: `os.fsync` (a temporary fully written, not yet renamed), `os.replace` (just after a rename, before the
folder sync) and h5py's `Group.create_dataset` (in the middle of a weights or model file being written). A
clean run counts how often each happens; then, for each chosen moment, a fresh run is killed with SIGKILL
there and the same command is rerun without tripwires. A trial passes when the rerun exits 0 (or refuses a run
that had already finished) and leaves a complete run: run.json finished, one history row per epoch 0..E-1, the
rerun trained exactly the epochs the killed run had not backed up, curves and a loadable best.keras, no backup
and no temporary file left.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EVENTS = ("fsync", "replace", "h5")


def _child(argv, kill_event, kill_index, counts_path):
    """Run the CLI in this process with tripwires; SIGKILL ourselves at the `kill_index`-th `kill_event`."""
    import h5py

    counts = collections.Counter()

    def tripwire(event):
        counts[event] += 1
        if event == kill_event and counts[event] == kill_index:
            os.kill(os.getpid(), signal.SIGKILL)

    original_fsync, original_replace = os.fsync, os.replace
    original_create_dataset = h5py.Group.create_dataset

    def fsync(descriptor):
        tripwire("fsync")
        return original_fsync(descriptor)

    def replace(source, target, **kwargs):
        result = original_replace(source, target, **kwargs)
        tripwire("replace")
        return result

    def create_dataset(self, *args, **kwargs):
        tripwire("h5")
        return original_create_dataset(self, *args, **kwargs)

    os.fsync, os.replace, h5py.Group.create_dataset = fsync, replace, create_dataset
    from keras_cnns import cli

    code = cli.main(argv)
    if counts_path:
        with open(counts_path, "w", encoding="utf-8") as handle:
            json.dump(dict(counts), handle)
    return code


def train_argv(out_dir, epochs):
    return ["train", "lenet5_modern", "--data", "digits", "--epochs", str(epochs), "--out", out_dir, "--verbose", "2"]


def _run(argv, kill=None, counts_path=None, timeout=600):
    command = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(
        {"argv": argv, "kill": kill, "counts": counts_path})]
    environment = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout)


def count_events(epochs, folder):
    """How often each tripwire fires in an uninterrupted run."""
    counts_path = os.path.join(folder, "counts.json")
    completed = _run(train_argv(os.path.join(folder, "clean"), epochs), counts_path=counts_path)
    if completed.returncode != 0:
        raise RuntimeError(f"the clean run failed:\n{completed.stderr[-3000:]}")
    with open(counts_path, encoding="utf-8") as handle:
        return json.load(handle)


def check_complete(out_dir, epochs) -> list[str]:
    """What is missing or wrong in `out_dir` for a complete, finished run (empty when complete)."""
    import csv

    problems = []
    run_path = os.path.join(out_dir, "run.json")
    run = json.load(open(run_path, encoding="utf-8")) if os.path.isfile(run_path) else {}
    if not run.get("finished"):
        problems.append(f"run.json not finished: {run}")
    if run.get("test_accuracy") is None:
        problems.append("no test accuracy in run.json")
    history_path = os.path.join(out_dir, "history.csv")
    with open(history_path, newline="", encoding="utf-8") as handle:
        epochs_logged = [int(row["epoch"]) for row in csv.DictReader(handle)]
    if epochs_logged != list(range(epochs)):
        problems.append(f"history rows for epochs {epochs_logged}, expected {list(range(epochs))}")
    curves = os.path.join(out_dir, "training_curves.png")
    if not (os.path.isfile(curves) and open(curves, "rb").read(4) == b"\x89PNG"):
        problems.append("no training_curves.png")
    if not os.path.isfile(os.path.join(out_dir, "best.keras")):
        problems.append("no best.keras")
    if os.path.exists(os.path.join(out_dir, "backup")):
        problems.append("backup/ left behind")
    leftovers = [name for _, _, files in os.walk(out_dir) for name in files if ".tmp" in name]
    if leftovers:
        problems.append(f"temporaries left: {leftovers}")
    return problems


def trial(folder, epochs, event, index) -> dict:
    """Kill a fresh run at the `index`-th `event`, rerun it, and check the run is complete."""
    out_dir = os.path.join(folder, f"{event}-{index}")
    killed = _run(train_argv(out_dir, epochs), kill=[event, index])
    metadata = os.path.join(out_dir, "backup", "training_metadata.json")
    try:
        committed = json.load(open(metadata, encoding="utf-8"))["epoch"]
    except (OSError, ValueError, KeyError):
        committed = 0
    run_path = os.path.join(out_dir, "run.json")
    finished_before = os.path.isfile(run_path) and json.load(open(run_path, encoding="utf-8")).get("finished")
    rerun = _run(train_argv(out_dir, epochs))
    problems = [] if killed.returncode == -signal.SIGKILL else [f"the killed run exited {killed.returncode}"]
    trained = [int(n) for n in re.findall(r"^Epoch (\d+)/", rerun.stdout, re.M)]
    if finished_before:
        if rerun.returncode != 2 or "already holds a finished run" not in rerun.stderr:
            problems.append(f"a finished run was not refused: exit {rerun.returncode}, {rerun.stderr[-300:]}")
    elif rerun.returncode != 0:
        problems.append(f"the rerun exited {rerun.returncode}: {rerun.stderr.strip().splitlines()[-1:]}")
    elif trained != list(range(committed + 1, epochs + 1)):
        problems.append(f"the rerun trained epochs {trained} after {committed} were backed up")
    if "Traceback" in rerun.stderr:
        problems.append("traceback in the rerun")
    problems += check_complete(out_dir, epochs)
    return {"event": event, "index": index, "committed_epochs": committed, "finished_before_rerun": bool(
        finished_before), "problems": problems}


def kill_points(counts, h5_stride):
    points = []
    for event in EVENTS:
        stride = h5_stride if event == "h5" else 1
        points += [(event, index) for index in range(1, counts.get(event, 0) + 1, stride)]
    return points


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--h5-stride", type=int, default=5, help="kill at every N-th h5 dataset write")
    parser.add_argument("--out", default=None, help="write a markdown report here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        kill = spec["kill"] or [None, 0]
        return _child(spec["argv"], kill[0], kill[1], spec["counts"])
    started = time.time()
    with tempfile.TemporaryDirectory() as folder:
        counts = count_events(args.epochs, folder)
        points = kill_points(counts, args.h5_stride)
        print(f"clean run: {counts}; {len(points)} kill points", flush=True)
        results = []
        for event, index in points:
            result = trial(folder, args.epochs, event, index)
            results.append(result)
            print(f"{event} #{index}: committed {result['committed_epochs']}, "
                  f"{'OK' if not result['problems'] else result['problems']}", flush=True)
    passed = sum(not r["problems"] for r in results)
    share = 100 * passed / len(results)
    summary = (f"{passed}/{len(results)} killed runs ended complete after one rerun ({share:.0f}%); "
               f"{args.epochs} epochs of lenet5_modern on digits; tripwires per clean run {counts}; "
               f"{time.time() - started:.0f} s on {os.cpu_count()} CPUs")
    print(summary)
    if args.out:
        lines = ["# Kill-at-every-moment training test", "", f"`python benchmarks/kill_training.py --epochs "
                 f"{args.epochs} --h5-stride {args.h5_stride}`", "", summary, "",
                 "| event | index | epochs backed up | finished before rerun | result |", "|---|---:|---:|---|---|"]
        lines += [f"| {r['event']} | {r['index']} | {r['committed_epochs']} | {r['finished_before_rerun']} | "
                  f"{'complete' if not r['problems'] else '; '.join(r['problems'])} |" for r in results]
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
