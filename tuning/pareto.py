"""Pareto front of search trials over any objectives, saved as CSV, JSON and a PNG plot, and constrained
selection of the best trial.

A trial is a flat dict of figures (`val_accuracy`, `size_kb`, `latency_ms`, ...). An objective is one of
OBJECTIVES' names; it reads one field and is maximized or minimized. Trial `a` dominates `b` when it is at
least as good on every objective and better on one; the front is the set of trials nothing dominates.
"""

from __future__ import annotations

import csv
import json
import math
import os

from keras_cnns.checks import check_choice, check_float, check_type

# objective name -> (trial field, direction)
OBJECTIVES = {
    "accuracy": ("val_accuracy", "max"),
    "size": ("size_kb", "min"),
    "latency": ("latency_ms", "min"),
    "params": ("params", "min"),
    "macs": ("macs", "min"),
    "ram": ("ram_kb", "min"),
    "flash": ("flash_kb", "min"),
}
# constraint argument -> the field it bounds from above
CONSTRAINTS = {"max_size_kb": "size_kb", "max_latency_ms": "latency_ms", "max_params": "params",
               "max_macs": "macs", "max_ram_kb": "ram_kb", "max_flash_kb": "flash_kb"}


def check_objectives(objectives) -> tuple[str, ...]:
    """`objectives` as a tuple of known names, at least one, no repeats, accuracy included."""
    if isinstance(objectives, str):
        objectives = (objectives,)
    check_type("objectives", objectives, (list, tuple))
    if not objectives:
        raise ValueError(f"objectives must name at least one of {', '.join(OBJECTIVES)}; got {objectives!r}")
    for name in objectives:
        check_choice("objectives entry", name, OBJECTIVES)
    if len(set(objectives)) != len(objectives):
        raise ValueError(f"objectives must not repeat a name; got {objectives!r}")
    return tuple(objectives)


def check_constraints(constraints: dict) -> dict:
    """The constraints that are set (not None), each a positive number; unknown names are refused."""
    checked = {}
    for name, limit in constraints.items():
        check_choice("constraint", name, CONSTRAINTS)
        if limit is not None:
            checked[name] = check_float(name, limit, min_value=0.0, min_inclusive=False)
    return checked


MICRO_CONSTRAINTS = ("max_ram_kb", "max_flash_kb")


def violations(trial: dict, constraints: dict) -> list[str]:
    """The constraints `trial` breaks, as readable strings ("size_kb 41.2 > max_size_kb 37"). A trial whose model
    TFLite Micro cannot run (`micro_runs` 0) breaks max_ram_kb and max_flash_kb whatever its figures."""
    broken = []
    for name, limit in constraints.items():
        field = CONSTRAINTS[name]
        value = trial.get(field)
        if limit is not None and name in MICRO_CONSTRAINTS and trial.get("micro_runs") == 0:
            broken.append(f"does not run under TFLite Micro ({name} {limit:g})")
        elif limit is not None and value is not None and value > limit:
            broken.append(f"{field} {value:g} > {name} {limit:g}")
    return broken


def meets(trial: dict, constraints: dict) -> bool:
    """Whether `trial` has a figure for every constraint and breaks none."""
    return (not violations(trial, constraints)
            and all(trial.get(CONSTRAINTS[name]) is not None for name, limit in constraints.items()
                    if limit is not None))


def _key(trial, objectives):
    """Values oriented so that larger is better on every objective (a missing value is the worst)."""
    values = []
    for name in objectives:
        field, direction = OBJECTIVES[name]
        value = trial.get(field)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            values.append(-math.inf)
        else:
            values.append(value if direction == "max" else -value)
    return values


def dominates(a: dict, b: dict, objectives=("accuracy", "size")) -> bool:
    objectives = check_objectives(objectives)
    ka, kb = _key(a, objectives), _key(b, objectives)
    return all(x >= y for x, y in zip(ka, kb)) and any(x > y for x, y in zip(ka, kb))


def pareto_front(trials, objectives=("accuracy", "size")) -> list[dict]:
    """The non-dominated trials, best accuracy (first objective) first; exact ties are all kept."""
    objectives = check_objectives(objectives)
    check_type("trials", trials, (list, tuple))
    keys = [_key(t, objectives) for t in trials]
    front = [
        trial for i, trial in enumerate(trials)
        if not any(all(x >= y for x, y in zip(keys[j], keys[i])) and any(x > y for x, y in zip(keys[j], keys[i]))
                   for j in range(len(trials)) if j != i)
    ]
    return sorted(front, key=lambda t: _key(t, objectives), reverse=True)


def best(trials, *, max_size_kb=None, max_latency_ms=None, max_params=None, max_macs=None, max_ram_kb=None,
         max_flash_kb=None, objective="accuracy"):
    """The trial with the best `objective` among those meeting every given constraint, or None if none does."""
    check_choice("objective", objective, OBJECTIVES)
    constraints = check_constraints({"max_size_kb": max_size_kb, "max_latency_ms": max_latency_ms,
                                     "max_params": max_params, "max_macs": max_macs, "max_ram_kb": max_ram_kb,
                                     "max_flash_kb": max_flash_kb})
    meeting = [t for t in trials if meets(t, constraints)]
    if not meeting:
        return None
    return max(meeting, key=lambda t: _key(t, (objective,)))


def _columns(trials):
    columns = []
    for trial in trials:
        columns += [k for k in trial if k not in columns]
    return columns


def save_csv(trials, path, columns=None):
    """One row per trial (all fields seen in any trial, in order of appearance), written atomically."""
    columns = columns or _columns(trials)
    temporary = f"{path}.tmp"
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for trial in trials:
            writer.writerow({k: json.dumps(v) if isinstance(v, (dict, list, tuple)) else v for k, v in trial.items()})
    os.replace(temporary, path)


def save_json(content, path):
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=1, default=str)
    os.replace(temporary, path)


def plot_front(series, path, *, title="accuracy vs int8 size", x="size_kb", colour="latency_ms", y="val_accuracy",
               references=None, y_from=None):
    """`y` (validation accuracy) against `x` (int8 `.tflite` size), `colour` (latency) as colour; each front's
    members circled, and the line through those not beaten in both `x` and `y` (a front over more objectives
    has members that are, in this projection). `series`: {label: (trials, front)}; several searches share one
    plot (each its own marker). `references`: {label: (x, y)} points drawn as stars (a reference model, say).
    `y_from`: the lowest `y` shown (trials below it are left out of the view, not of the front)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    markers = "os^Dv<>"
    figure, axis = plt.subplots(figsize=(7, 4.5))
    shades = [t[colour] for trials, _ in series.values() for t in trials if t.get(colour) is not None]
    norm = matplotlib.colors.Normalize(min(shades), max(shades)) if shades else None
    scatter = None
    for index, (label, (trials, front)) in enumerate(series.items()):
        shown = [t for t in trials if t.get(x) is not None and t.get(y) is not None]
        if not shown:
            continue
        scatter = axis.scatter([t[x] for t in shown], [t[y] for t in shown],
                               c=[t.get(colour, math.nan) for t in shown], cmap="viridis", norm=norm,
                               marker=markers[index % len(markers)], s=28, alpha=0.8, label=f"{label}: trials")
        members = [t for t in front if t.get(x) is not None and t.get(y) is not None]
        line, best = [], -math.inf
        for trial in sorted(members, key=lambda t: (t[x], -t[y])):
            if trial[y] > best:
                line.append(trial)
                best = trial[y]
        axis.step([t[x] for t in line], [t[y] for t in line], where="post", linewidth=1.5,
                  label=f"{label}: Pareto front")
        axis.scatter([t[x] for t in members], [t[y] for t in members], s=90, facecolors="none", edgecolors="red",
                     marker=markers[index % len(markers)])
    for label, (x_value, y_value) in (references or {}).items():
        axis.scatter([x_value], [y_value], marker="*", s=160, color="black", zorder=3)
        axis.annotate(label, (x_value, y_value), textcoords="offset points", xytext=(-8, -14), fontsize=8,
                      ha="right")
    if scatter is not None and shades:
        figure.colorbar(scatter, ax=axis, label=AXIS_LABELS.get(colour, colour))
    axis.set_xscale("log")
    axis.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if y_from is not None:
        axis.set_ylim(bottom=y_from)
    axis.set_xlabel(AXIS_LABELS.get(x, x))
    axis.set_ylabel(AXIS_LABELS.get(y, y))
    axis.set_title(title)
    axis.grid(alpha=0.3)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


AXIS_LABELS = {"size_kb": "int8 .tflite size (KB)", "latency_ms": "LiteRT batch-1 latency (ms)",
               "val_accuracy": "validation accuracy", "ram_kb": "TFLite Micro arena (KB)",
               "flash_kb": "TFLite Micro flash (KB)", "params": "parameters", "macs": "multiply-adds"}
