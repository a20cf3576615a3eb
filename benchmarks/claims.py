"""The papers' training claims on the MNIST t10k split: depth degradation and residual learning (ResNet §4.2),
batch normalization (BN-Inception), global average pooling vs a fully connected head (NiN) and dense
connectivity (DenseNet), each at reduced width and few epochs so that all of them run in about an hour of CPU.

    PYTHONPATH=. python benchmarks/claims.py run degradation      # likewise batch_norm, gap_vs_fc, dense_connectivity
    PYTHONPATH=. python benchmarks/claims.py docs                 # docs/claims.md, docs/claims/*.png, README

Every model comes from the zoo's family builders with their knobs (`family_builder(family)(**knobs)`), is trained
by `keras_cnns.training.train` (the claim's recipe) on the first 8,000 digits padded to 32x32 (the last 10% of
them the validation slice), and scored once on the last 2,000. The settings below were fixed before the runs.

A run lives in `runs/claims/<label>/seed<k>/` (train()'s folder: history.csv row by row, backups) with its epoch
times in `times.json`; a killed run resumes from its last epoch when `run` is called again, and a finished one is
not rerun. `run` ends by collecting every run it finds (finished or not) into docs/claims_results.json and
rewriting the claim's table and plot, so no figure in the docs is typed by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import sys
import time

import keras
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from keras_cnns.files import atomic_path, read_json, replace_between_markers, write_json  # noqa: E402
from train_lenet import machine  # noqa: E402

DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "mnist-t10k")
DEFAULT_RUNS = os.path.join(ROOT, "runs", "claims")
RESULTS = os.path.join(ROOT, "docs", "claims_results.json")
DOC = os.path.join(ROOT, "docs", "claims.md")
PLOTS = os.path.join(ROOT, "docs", "claims")
README = os.path.join(ROOT, "README.md")
README_START, README_END = "<!-- claims-summary:start -->", "<!-- claims-summary:end -->"
INPUT_SHAPE = (32, 32, 1)
VALIDATION_SPLIT = 0.1
BATCH_SIZE = 128
SEEDS = (0, 1)


@dataclasses.dataclass(frozen=True)
class Run:
    """One model and its training settings; runs with the same label are the same training (shared by claims)."""

    label: str
    family: str
    knobs: dict
    recipe: str
    epochs: int
    learning_rate: float | None = None  # None: the recipe's

    def build(self):
        from keras_cnns.registry import family_builder

        return family_builder(self.family)(input_shape=INPUT_SHAPE, classes=10, **self.knobs)

    def settings(self):
        return {"family": self.family, "knobs": self.knobs, "recipe": self.recipe, "epochs": self.epochs,
                "learning_rate": self.learning_rate, "batch_size": BATCH_SIZE}


@dataclasses.dataclass(frozen=True)
class Claim:
    title: str
    paper: str
    statement: str
    reductions: str
    runs: tuple


def _resnet(depth, plain, epochs=6):
    kind = "plain" if plain else "resnet"
    return Run(f"{kind}-{depth}", "resnet", {"variant": "cifar", "depth": depth, "base_filters": 8, "plain": plain},
               "resnet", epochs)


def _vgg(batch_norm, learning_rate):
    return Run(f"vgg11{'-bn' if batch_norm else ''}-lr{learning_rate:g}", "vgg",
               {"variant": "A", "width_multiplier": 0.125, "dense_units": 128, "batch_norm": batch_norm},
               "vgg", 12, learning_rate)


def _nin(head):
    return Run(f"nin-{head}", "nin", {"variant": "cifar", "width_multiplier": 0.25, "head": head}, "modern", 10)


def _densenet_bc(depth):
    return Run(f"densenet-bc-{depth}-k12", "densenet",
               {"variant": "cifar", "stage_blocks": ((depth - 4) // 6,) * 3, "growth_rate": 12}, "resnet", 6)


CLAIMS = {
    "degradation": Claim(
        "Depth degradation and residual learning",
        "He et al. 2015, Deep Residual Learning for Image Recognition, section 4.2 (CIFAR-10, Figure 6)",
        "A deeper plain network has higher training error than a shallower one (degradation); with identity "
        "shortcuts the deeper network does not degrade.",
        "CIFAR-style networks (3x3 stem, three stages, option A shortcuts) at half the paper's width (base_filters "
        "8 instead of 16); 6 epochs of the paper's recipe (SGD 0.1, momentum 0.9, weight decay 1e-4, learning "
        "rate / 10 at 50% and 75%) at batch 128 instead of 64k iterations; no augmentation.",
        (_resnet(20, True), _resnet(56, True), _resnet(20, False), _resnet(56, False)),
    ),
    "batch_norm": Claim(
        "Batch normalization",
        "Ioffe & Szegedy 2015, Batch Normalization (section 4.2: faster training, higher learning rates)",
        "With batch norm the network reaches a given accuracy in fewer epochs, and trains at a learning rate at "
        "which the plain network does not.",
        "VGG-11 (configuration A) at 1/8 of the paper's convolution width (width_multiplier 0.125) and 128-unit "
        "fc1/fc2 instead of 4096; 12 epochs of the VGG recipe (SGD, momentum 0.9, weight decay 5e-4, learning "
        "rate / 10 on a validation-loss plateau of 3 epochs) at learning rates 0.01 (the paper's) and 0.1.",
        (_vgg(False, 0.01), _vgg(True, 0.01), _vgg(False, 0.1), _vgg(True, 0.1)),
    ),
    "gap_vs_fc": Claim(
        "Global average pooling vs a fully connected head",
        "Lin et al. 2013, Network in Network, section 4.6 (Table 5: CIFAR-10 error with either head)",
        "Global average pooling needs far fewer parameters than fully connected layers on the same backbone and "
        "is no worse (the paper: 10.41% vs 10.88% error with dropout, 11.59% without).",
        "The paper's CIFAR-10 NiN at a quarter of its width (width_multiplier 0.25), dropout 0.5 after the first "
        "two blocks, the FC head one 1024-unit hidden layer with dropout 0.5; 10 epochs of the `modern` recipe "
        "(AdamW 1e-3, one warm-up epoch, cosine decay) instead of SGD for hundreds of epochs; no augmentation.",
        (_nin("gap"), _nin("fc")),
    ),
    "dense_connectivity": Claim(
        "Dense connectivity: accuracy per parameter",
        "Huang et al. 2016, Densely Connected Convolutional Networks, section 4 (Figure 4, CIFAR-10)",
        "DenseNet-BC reaches the accuracy of a ResNet with fewer parameters.",
        "DenseNet-BC with k = 12 at depths 22 and 40 (the paper's smallest BC net is 100 layers), against the "
        "half-width ResNet-20/32/56 of the degradation claim, all trained with its recipe and 6 epochs.",
        (_resnet(20, False), _resnet(32, False), _resnet(56, False), _densenet_bc(22), _densenet_bc(40)),
    ),
}


# ----------------------------------------------------------------------------------------------------------
# Running


class EpochTimes(keras.callbacks.Callback):
    """Wall and process-CPU seconds and the 1-minute load average of each epoch, appended to a JSON file as each
    epoch ends, so that a resumed run keeps the times of the epochs before the kill."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.rows = read_json(path, "epoch times", "delete it") if os.path.exists(path) else []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        wall, cpu = time.perf_counter() - self.start[0], time.process_time() - self.start[1]
        self.rows = [row for row in self.rows if row["epoch"] < epoch]  # an epoch repeated after a kill
        self.rows.append({"epoch": epoch, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                          "load_average": round(os.getloadavg()[0], 2)})
        write_json(self.path, self.rows)


def load_split(data_dir):
    """The first 8,000 t10k digits to train on (a validation slice taken from them) and the last 2,000."""
    from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split

    return load_idx_split(data_dir, train_size=MNIST_T10K_TRAIN_SIZE)


def run_dir(runs_dir, run, seed):
    return os.path.join(runs_dir, run.label, f"seed{seed}")


def train_run(run, seed, split, runs_dir, epochs=None):
    """Train `run` with `seed` (weights and shuffling) unless its folder holds a finished run; resume a killed one."""
    from keras_cnns.data import load_dataset
    from keras_cnns.training import train

    out = run_dir(runs_dir, run, seed)
    run_record = os.path.join(out, "run.json")
    if os.path.exists(run_record) and read_json(run_record, "run metadata", "delete the folder").get("finished"):
        return
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "settings.json"), {**run.settings(), "epochs": epochs or run.epochs, "seed": seed})
    (x, y), holdout = split
    keras.utils.set_random_seed(seed)
    dataset = load_dataset((x, y), test=holdout, input_shape=INPUT_SHAPE, resize_method="pad",
                           validation_split=VALIDATION_SPLIT, batch_size=BATCH_SIZE, seed=seed)
    model = run.build()
    started = time.perf_counter()
    result = train(model, dataset, recipe=run.recipe, epochs=epochs or run.epochs, out_dir=out,
                   learning_rate=run.learning_rate, callbacks=[EpochTimes(os.path.join(out, "times.json"))],
                   verbose=0)
    print(f"{run.label} seed {seed}: holdout accuracy {result['test_accuracy']:.4f} "
          f"({time.perf_counter() - started:.0f} s this session)", flush=True)


def collect(run, seed, runs_dir):
    """What a run's folder holds: its per-epoch history and times, and (once finished) its holdout accuracy."""
    from keras_cnns.checkpoints import read_history

    out = run_dir(runs_dir, run, seed)
    history_path = os.path.join(out, "history.csv")
    if not os.path.exists(history_path):
        return None
    settings = read_json(os.path.join(out, "settings.json"), "run settings", "delete the folder")
    record = read_json(os.path.join(out, "run.json"), "run metadata", "delete the folder")
    times_path = os.path.join(out, "times.json")
    times = read_json(times_path, "epoch times", "delete it") if os.path.exists(times_path) else []
    history = [{key: round(float(value), 5) for key, value in row.items()} for row in read_history(history_path)]
    return {"label": run.label, "seed": seed, "parameters": int(run.build().count_params()),
            "epochs_planned": settings["epochs"], "epochs_done": len(history), "finished": bool(record.get("finished")),
            "holdout_accuracy": record.get("test_accuracy"), "history": history,
            "wall_seconds": round(sum(t["wall_seconds"] for t in times), 1),
            "cpu_seconds": round(sum(t["cpu_seconds"] for t in times), 1),
            "load_average": [t["load_average"] for t in times]}


def run_claim(name, split, runs_dir=DEFAULT_RUNS, seeds=SEEDS, labels=None, epochs=None, results_path=RESULTS,
              doc_path=DOC, plots_dir=PLOTS, readme_path=README):
    """Train the claim's runs (all, or those in `labels`) for every seed, then collect and document the claim.
    `epochs` overrides the claim's epochs (the tests' couple of steps)."""
    claim = CLAIMS[name]
    runs = [run for run in claim.runs if labels is None or run.label in labels]
    for run in runs:
        for seed in seeds:
            train_run(run, seed, split, runs_dir, epochs)
            keras.backend.clear_session()
    return document_claim(name, runs_dir, seeds, results_path, doc_path, plots_dir, readme_path)


def document_claim(name, runs_dir=DEFAULT_RUNS, seeds=SEEDS, results_path=RESULTS, doc_path=DOC, plots_dir=PLOTS,
                   readme_path=README):
    claim = CLAIMS[name]
    results = read_json(results_path, "claims results", "delete it") if os.path.exists(results_path) else {}
    rows = [row for run in claim.runs for seed in seeds if (row := collect(run, seed, runs_dir)) is not None]
    results[name] = {"machine": machine(), "date": datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"), "runs": rows}
    write_json(results_path, results)
    write_docs(results, doc_path, plots_dir)
    replace_between_markers(readme_path, README_START, README_END, readme_summary(results, doc_path, readme_path))
    return results[name]


# ----------------------------------------------------------------------------------------------------------
# Tables and plots


def _spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    mean, half = float(np.mean(values)), (max(values) - min(values)) / 2
    return f"{100 * mean:.2f} ± {100 * half:.2f}"


def _epochs_to(history, key, threshold):
    return next((int(row["epoch"]) + 1 for row in history if row.get(key, 0.0) >= threshold), None)


BN_THRESHOLD = 0.97  # the validation accuracy whose first epoch the batch-norm claim reports


def _by_label(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row["label"], []).append(row)
    return grouped


def claim_table(name, rows):
    """Markdown table: one line per run label, mean ± half the range over its seeds."""
    header = ["model", "parameters", "seeds", "epochs done", "final training error %", "best validation error %",
              "holdout error %", "wall s per run", "CPU s per run"]
    if name == "batch_norm":
        header[6:6] = [f"epochs to {100 * BN_THRESHOLD:g}% training accuracy",
                       f"epochs to {100 * BN_THRESHOLD:g}% validation accuracy"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, group in _by_label(rows).items():
        done = ", ".join(f"{r['epochs_done']}/{r['epochs_planned']}" for r in group)
        train_error = [1 - r["history"][-1]["accuracy"] for r in group if r["history"]]
        best_val_error = [1 - max(h["val_accuracy"] for h in r["history"]) for r in group if r["history"]]
        holdout = [None if r["holdout_accuracy"] is None else 1 - r["holdout_accuracy"] for r in group]
        cells = [label, f"{group[0]['parameters']:,}", str(len(group)), done, _spread(train_error),
                 _spread(best_val_error), _spread(holdout), f"{np.mean([r['wall_seconds'] for r in group]):.0f}",
                 f"{np.mean([r['cpu_seconds'] for r in group]):.0f}"]
        if name == "batch_norm":
            cells[6:6] = [", ".join("not reached" if e is None else str(e) for e in
                                    (_epochs_to(r["history"], key, BN_THRESHOLD) for r in group))
                          for key in ("accuracy", "val_accuracy")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _curves(axis, rows, key, error=True):
    for label, group in _by_label(rows).items():
        length = min(len(r["history"]) for r in group)
        if not length:
            continue
        values = np.array([[row[key] for row in r["history"][:length]] for r in group])
        values = 100 * (1 - values) if error else 100 * values
        epochs = np.arange(1, length + 1)
        line, = axis.plot(epochs, values.mean(axis=0), marker="o", label=label)
        axis.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=line.get_color(), alpha=0.2)
    axis.set_xlabel("epoch")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)


def claim_plot(name, rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    if name == "dense_connectivity":
        for axis, (what, error_of) in zip(axes, (
                ("holdout error %", lambda r: None if r["holdout_accuracy"] is None else 1 - r["holdout_accuracy"]),
                ("final training error %", lambda r: 1 - r["history"][-1]["accuracy"] if r["history"] else None))):
            for label, group in _by_label(rows).items():
                errors = 100 * np.array([e for e in map(error_of, group) if e is not None])
                if not errors.size:
                    continue
                axis.errorbar(group[0]["parameters"], errors.mean(), yerr=[[errors.mean() - errors.min()],
                              [errors.max() - errors.mean()]], marker="s" if label.startswith("densenet") else "o",
                              capsize=3, label=label)
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel("parameters")
            axis.set_ylabel(f"{what} (mean, range over seeds)")
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)
    else:
        _curves(axes[0], rows, "accuracy")
        axes[0].set_ylabel("training error % (running mean over each epoch)")
        _curves(axes[1], rows, "val_accuracy")
        axes[1].set_ylabel("validation error %")
        if name == "batch_norm":
            axes[1].axhline(100 * (1 - BN_THRESHOLD), color="grey", linestyle="--", linewidth=1)
        for axis in axes:
            axis.set_yscale("log")
    figure.suptitle(CLAIMS[name].title + " (mean of seeds, band: range)")
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)


DOC_INTRO = """# The papers' training claims, on MNIST digits

Each claim below is a run of `benchmarks/claims.py` on the MNIST t10k split (`../shared/data/mnist-t10k`):
digits padded to 32x32, trained on the first 8,000 (of which the last 800 are the validation slice) with
`keras_cnns.training.train`, scored once on the last 2,000 (the holdout). Models come from the zoo's family
builders and knobs; settings (width, epochs, recipe) were fixed before the runs and are reduced so that all
claims together fit about an hour of a 2-core CPU shared with other jobs: the reductions are listed per claim.
Figures are mean ± half the range over the seeds; the curves show the mean with the range as a band.
Training error is Keras' running mean over each epoch (as the papers' training curves), with dropout and
batch statistics in training mode. The holdout is scored with the weights after the last epoch. Keras'
BatchNormalization updates its moving averages with momentum 0.99 (Torch, which the ResNet and DenseNet papers
used, with 0.9), so after the few hundred steps of these runs the averages likely still lag the weights: the
validation error of the batch-norm networks trails their training error for several epochs.

Reproduce (each `run` resumes killed runs and skips finished ones, then rewrites its section, plot and the
README table; `docs` rewrites them from whatever runs exist):

    PYTHONPATH=. python benchmarks/claims.py run degradation
    PYTHONPATH=. python benchmarks/claims.py run batch_norm
    PYTHONPATH=. python benchmarks/claims.py run gap_vs_fc
    PYTHONPATH=. python benchmarks/claims.py run dense_connectivity
    PYTHONPATH=. python benchmarks/claims.py docs
"""


def write_docs(results, doc_path=DOC, plots_dir=PLOTS):
    """docs/claims.md (one section per claim with results) and its plots, from the results file's contents."""
    sections = [DOC_INTRO]
    os.makedirs(plots_dir, exist_ok=True)
    for name, claim in CLAIMS.items():
        if name not in results:
            continue
        entry = results[name]
        rows = entry["runs"]
        plot = os.path.join(plots_dir, f"{name}.png")
        if rows:
            claim_plot(name, rows, plot)
        finished = sum(r["finished"] for r in rows)
        planned = len({run.label for run in claim.runs}) * len(SEEDS)
        sections.append(
            f"## {claim.title}\n\nPaper: {claim.paper}.\n\nClaim: {claim.statement}\n\nReductions: {claim.reductions}\n\n"
            f"Machine: {entry['machine']['cpu']}, {entry['machine']['cores']} cores, shared (1-minute load average "
            f"during the epochs: {_load_range(rows)}); collected {entry['date']}; {finished} of {planned} runs "
            f"finished, their epochs taking {sum(r['cpu_seconds'] for r in rows) / 60:.1f} CPU-minutes and "
            f"{sum(r['wall_seconds'] for r in rows) / 60:.1f} minutes of wall time in all.\n\n{claim_table(name, rows)}\n\n"
            f"![{claim.title}]({os.path.relpath(plot, os.path.dirname(doc_path))})\n\n"
            f"<!-- claims-{name}-verdict:start -->\n<!-- claims-{name}-verdict:end -->\n")
    text = "\n".join(sections)
    previous = open(doc_path).read() if os.path.exists(doc_path) else ""
    for name in CLAIMS:  # verdicts are written by hand after reading the numbers: keep them
        match = re.search(rf"<!-- claims-{name}-verdict:start -->\n(.*?)<!-- claims-{name}-verdict:end -->",
                          previous, re.S)
        if match:
            text = text.replace(f"<!-- claims-{name}-verdict:start -->\n<!-- claims-{name}-verdict:end -->",
                                match.group(0))
    os.makedirs(os.path.dirname(os.path.abspath(doc_path)), exist_ok=True)
    with atomic_path(doc_path, suffix=".md") as temporary:
        with open(temporary, "w") as handle:
            handle.write(text)


def readme_summary(results, doc_path=DOC, readme_path=README):
    """One table of every claim's runs (mean over seeds) for the README, linking docs/claims.md."""
    link = os.path.relpath(doc_path, os.path.dirname(os.path.abspath(readme_path)))
    lines = [f"Measured by `benchmarks/claims.py` on the MNIST t10k split at reduced width and few epochs (settings, "
             f"curves, spread over seeds, wall times and verdicts: [{link}]({link})); mean over seeds:", "",
             "| claim | model | parameters | runs finished | final training error % | holdout error % |",
             "|---|---|---|---|---|---|"]
    for name, claim in CLAIMS.items():
        for label, group in _by_label(results.get(name, {}).get("runs", [])).items():
            train_error = [1 - r["history"][-1]["accuracy"] for r in group if r["history"]]
            holdout = [1 - r["holdout_accuracy"] for r in group if r["holdout_accuracy"] is not None]
            lines.append(f"| {claim.title} | {label} | {group[0]['parameters']:,} | "
                         f"{sum(r['finished'] for r in group)}/{len(group)} | "
                         f"{f'{100 * np.mean(train_error):.2f}' if train_error else '–'} | "
                         f"{f'{100 * np.mean(holdout):.2f}' if holdout else '–'} |")
    return "\n".join(lines)


def _load_range(rows):
    loads = [load for row in rows for load in row["load_average"]]
    return f"{min(loads):.1f} to {max(loads):.1f}" if loads else "not recorded"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train (or resume) a claim's runs, then collect and document it")
    run.add_argument("claim", choices=list(CLAIMS))
    run.add_argument("--data", default=DEFAULT_DATA)
    run.add_argument("--runs", default=DEFAULT_RUNS)
    docs = sub.add_parser("docs", help="collect every claim's runs found so far and rewrite docs/claims.md")
    docs.add_argument("--runs", default=DEFAULT_RUNS)
    args = parser.parse_args(argv)
    if args.command == "run":
        run_claim(args.claim, load_split(args.data), args.runs)
    else:
        for name in CLAIMS:
            if any(os.path.isdir(os.path.join(args.runs, run.label)) for run in CLAIMS[name].runs):
                document_claim(name, args.runs)
    return json.dumps({"results": RESULTS, "doc": DOC})


if __name__ == "__main__":
    print(main())
