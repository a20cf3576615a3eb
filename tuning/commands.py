"""`keras-cnns tune`: the hardware-aware search, then its winner retrained, exported to int8 and scored."""

from __future__ import annotations

import sys
import time

from tuning import pareto

TABLE_COLUMNS = ("trial_id", "family", "val_accuracy", "size_kb", "latency_ms", "params", "macs")
MICRO_COLUMNS = ("ram_kb", "flash_kb")  # shown where a trial has them (a search measuring TFLite Micro)


def format_table(trials, columns=None) -> str:
    """Trials as an aligned text table (hyperparameters shown as "family"); by default TABLE_COLUMNS, then
    RAM and flash under TFLite Micro where any trial has them."""
    if columns is None:
        columns = TABLE_COLUMNS + tuple(c for c in MICRO_COLUMNS if any(c in t for t in trials))

    def cell(trial, column):
        if column == "family":
            return trial.get("family") or next((k.split("/")[0] for k in trial if "/" in k), "")
        value = trial.get(column, "")
        if isinstance(value, float):
            return f"{value:.4f}" if column == "val_accuracy" else f"{value:,.4g}" if value < 1e4 else f"{value:,.0f}"
        return str(value)

    rows = [list(columns)] + [[cell(t, c) for c in columns] for t in trials]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(value.rjust(width) for value, width in zip(row, widths)) for row in rows)


class Progress:
    """After each trial, one line on stderr: trial n of N, elapsed / remaining budget, best so far, front size."""

    def __init__(self, max_trials, max_minutes, objectives, constraints, stream=sys.stderr):
        self.max_trials, self.max_minutes = max_trials, max_minutes
        self.objectives, self.constraints = objectives, pareto.check_constraints(constraints)
        self.stream, self.started = stream, time.monotonic()

    def __call__(self, trials):
        elapsed = time.monotonic() - self.started
        meeting = [t for t in trials if t.get("status") == "COMPLETED" and not t.get("rejected")
                   and pareto.meets(t, self.constraints)]
        best = pareto.best(meeting)
        budget = "" if self.max_minutes is None else f" / {max(0.0, 60 * self.max_minutes - elapsed):.0f} s left"
        shown = ("none meets the constraints yet" if best is None else
                 f"best {best['val_accuracy']:.4f} at {best['size_kb']:.1f} KB")
        front = len(pareto.pareto_front(meeting, self.objectives)) if meeting else 0
        print(f"trial {len(trials)} of {self.max_trials}, {elapsed:.0f} s elapsed{budget}; {shown}; front of "
              f"{front}", file=self.stream, flush=True)


def _scalar(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_ranges(entries) -> dict | None:
    """`--range` entries ("resnet/base_filters=4:12", "block=basic,bottleneck") as `search(ranges=...)`."""
    if not entries:
        return None
    ranges = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"--range must be KNOB=LOW:HIGH or KNOB=CHOICE,CHOICE (KNOB: name or family/name); "
                             f"got {entry!r}")
        if ":" in value:
            bounds = value.split(":")
            if len(bounds) != 2:
                raise ValueError(f"--range {entry!r}: LOW:HIGH takes exactly two numbers")
            ranges[key] = [_scalar(b) for b in bounds]
        else:
            ranges[key] = [_scalar(c) for c in value.split(",") if c]
    return ranges


def _cmd_tune(args):
    from tuning.search import search
    from tuning.winners import finish_winners

    names = [name for name in args.family.split(",") if name]
    objectives = tuple(name for name in args.objectives.split(",") if name)
    constraints = {"max_size_kb": args.max_size_kb, "max_latency_ms": args.max_latency_ms,
                   "max_params": args.max_params, "max_macs": args.max_macs, "max_ram_kb": args.max_ram_kb,
                   "max_flash_kb": args.max_flash_kb}
    progress = None if args.quiet else Progress(args.trials, args.minutes, pareto.check_objectives(objectives),
                                                constraints)
    family_argument = {"family": names[0]} if len(names) == 1 else {"families": names}
    result = search(args.data, **family_argument, tuner=args.tuner, max_trials=args.trials,
                    max_minutes=args.minutes, epochs=args.epochs, objectives=objectives, directory=args.out,
                    project_name=args.project, overwrite=args.overwrite, progress=progress,
                    ranges=parse_ranges(args.range), strip_metadata=args.strip_metadata,
                    augmentation=[a for a in args.augment.split(",") if a] or None, **constraints)
    print(result.message)
    if not result.front:
        raise ValueError(result.message)
    print(format_table(result.front))
    print(f"trials, front and plot in {result.project_dir} (trials.csv, front.csv, front.json, front.png)")
    if args.retrain_epochs:
        report = finish_winners(result, args.data, epochs=args.retrain_epochs, qat=args.qat)[0]
        print(f"winner trial {report['trial_id']} retrained {report['epochs']} epochs on all training images, "
              f"{report['quantization']}: {report['size_bytes']:,} bytes, {report['latency_ms']:.3f} ms; test "
              f"accuracy {report['tflite_test_accuracy']:.4f} (.tflite) vs {report['keras_test_accuracy']:.4f} "
              f"(Keras) on {report['test_images']} held-out images; {report['tflite_path']}")


def add_commands(subparsers):
    command = subparsers.add_parser(
        "tune", help="hardware-aware search over depth and width; Pareto front; winner exported to int8")
    command.add_argument("--data", default="digits", help="digits, an IDX or image folder, or a tfds name")
    command.add_argument("--family", default="resnet", help="a family, or several separated by commas")
    command.add_argument("--tuner", default="bayesian", help="random, bayesian or hyperband")
    command.add_argument("--trials", type=int, default=20, help="at most this many trials")
    command.add_argument("--minutes", type=float, default=None, help="stop starting trials after this long")
    command.add_argument("--epochs", type=int, default=10, help="training epochs per trial")
    command.add_argument("--max-size-kb", type=float, default=None, help="int8 .tflite size limit (1 KB = 1000 B)")
    command.add_argument("--max-latency-ms", type=float, default=None, help="LiteRT batch-1 latency limit")
    command.add_argument("--max-params", type=float, default=None, help="parameter count limit")
    command.add_argument("--max-macs", type=float, default=None, help="multiply-adds per image limit")
    command.add_argument("--max-ram-kb", type=float, default=None,
                         help="TFLite Micro tensor arena limit (int8 I/O, batch 1; 1 KB = 1000 B)")
    command.add_argument("--max-flash-kb", type=float, default=None,
                         help="TFLite Micro flash limit: the int8-I/O batch-1 .tflite's bytes (1 KB = 1000 B)")
    command.add_argument("--objectives", default="accuracy,size",
                         help="comma-separated, from accuracy, size, latency, params, macs, ram, flash")
    command.add_argument("--range", action="append", metavar="KNOB=LOW:HIGH|KNOB=A,B",
                         help="a knob's range by hand, e.g. resnet/base_filters=4:12 or block=basic (repeatable)")
    command.add_argument("--augment", default="",
                         help="comma-separated augmentation of the training images (shift, rotate, zoom, crop, ...)")
    command.add_argument("--strip-metadata", action="store_true",
                         help="measure and export .tflite files without tensor names and conversion metadata")
    command.add_argument("--out", default="runs/tune", help="folder of the search projects")
    command.add_argument("--project", default="search", help="project name (run again to resume it)")
    command.add_argument("--overwrite", action="store_true", help="start the project afresh")
    command.add_argument("--retrain-epochs", type=int, default=20,
                         help="retrain the best trial this long on all training data, export and score it (0: skip)")
    command.add_argument("--qat", action="store_true", help="quantization-aware training before the int8 export")
    command.add_argument("--quiet", action="store_true", help="no progress line per trial")
    command.set_defaults(run=_cmd_tune)
