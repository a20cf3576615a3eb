"""The zoo report as Markdown: the measured table and "which model should I pick", drawn from the report's rows."""

from __future__ import annotations

MULTIPLY_ADD_BUDGETS = (50e6, 150e6, 600e6, 2e9, 6e9)
ACCURACY_FLOORS = (60.0, 70.0, 75.0, 78.0)


def _number(value, scale=1.0, digits=1, unit="") -> str:
    return "" if value is None else f"{value / scale:,.{digits}f}{unit}"


def best_under_budget(rows, budget: float) -> dict | None:
    """The model with the highest paper top-1 whose multiply-adds at its own input size are at most `budget`."""
    fitting = [row for row in rows if row["paper_top1"] is not None and row["own_multiply_adds"] is not None
               and row["own_multiply_adds"] <= budget]
    return max(fitting, key=lambda row: (row["paper_top1"], -row["own_multiply_adds"]), default=None)


def smallest_int8_above(rows, floor: float) -> dict | None:
    """The smallest int8 `.tflite` file among models whose paper top-1 is at least `floor`.

    Only rows measured with the paper model's own parameters count (a flatten head built at a smaller input
    has fewer weights than the paper's model, so its file size would not be the paper model's).
    """
    fitting = [row for row in rows if row["paper_top1"] is not None and row["paper_top1"] >= floor
               and row["int8_bytes"] is not None and row["parameters"] == row["own_parameters"]]
    return min(fitting, key=lambda row: row["int8_bytes"], default=None)


def _pick_table(rows, columns, thresholds, pick, cells) -> list:
    """A Markdown table with a row for each threshold that `pick(rows, threshold)` finds a model for, filled in
    by `cells(threshold, row)`; the model column is left-aligned, the figures right-aligned."""
    alignments = ("---" if column == "model" else "---:" for column in columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(alignments) + "|"]
    for threshold in thresholds:
        row = pick(rows, threshold)
        if row:
            lines.append("| " + " | ".join(cells(threshold, row)) + " |")
    return lines


def picks_markdown(report) -> str:
    rows = report["rows"]
    by_budget = _pick_table(
        rows, ("multiply-adds budget (own input size)", "best paper top-1", "model", "its multiply-adds"),
        MULTIPLY_ADD_BUDGETS, best_under_budget,
        lambda budget, row: (f"≤ {budget / 1e6:,.0f} M", f"{row['paper_top1']:.1f} %", f"`{row['model']}`",
                             f"{row['own_multiply_adds'] / 1e6:,.0f} M"))
    by_floor = _pick_table(
        rows, ("paper top-1 at least", "smallest int8 file", "model", "its paper top-1", "int8 median latency"),
        ACCURACY_FLOORS, smallest_int8_above,
        lambda floor, row: (f"{floor:.0f} %", f"{row['int8_bytes'] / 1e6:.2f} MB", f"`{row['model']}`",
                            f"{row['paper_top1']:.1f} %", f"{row['int8_median_ms']:.3g} ms"))
    return "\n".join(by_budget + [""] + by_floor)


def table_markdown(report) -> str:
    lines = ["| model | family | paper top-1 | params (own size) | MACs (own size) | measured input | MACs measured "
             "| fp32 KB | int8 KB | fp32 ms (median / p90) | int8 ms (median / p90) | builtin ops | TFLM | error |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|---|"]
    for row in report["rows"]:
        shape = "x".join(map(str, row["input_shape"])) if row["input_shape"] else ""
        timing = {mode: (f"{row[f'{mode}_median_ms']:.3g} / {row[f'{mode}_p90_ms']:.3g}"
                         if row[f"{mode}_median_ms"] is not None else "") for mode in ("fp32", "int8")}
        error = (row["error"] or "").replace("|", "\\|")
        lines.append(
            f"| `{row['model']}` | {row['family'] or ''} | {_number(row['paper_top1'])} "
            f"| {_number(row['own_parameters'], 1e6, 2, ' M')} | {_number(row['own_multiply_adds'], 1e6, 1, ' M')} "
            f"| {shape} | {_number(row['multiply_adds'], 1e6, 1, ' M')} | {_number(row['fp32_bytes'], 1e3, 0)} "
            f"| {_number(row['int8_bytes'], 1e3, 0)} | {timing['fp32']} | {timing['int8']} "
            f"| {'' if row['builtin_ops_only'] is None else 'yes' if row['builtin_ops_only'] else 'no'} "
            f"| {'' if row['micro_runs'] is None else row['micro_runs']} | {error[:160]} |"
        )
    return "\n".join(lines)


def machine_markdown(report) -> str:
    machine, settings = report["machine"], report["settings"]
    vnni = "AVX-512 VNNI" if machine["avx512_vnni"] else "no AVX-512 VNNI"
    amx = "AMX-INT8" if machine["amx_int8"] else "no AMX"
    size = (f"every model at {settings['input_size']}x{settings['input_size']}" if settings["input_size"]
            else "every model at its own input size")
    return (f"Measured {settings['started_utc']} on {machine['cpu']} ({machine['cores']} cores; {vnni}, {amx}), "
            f"{size}, LiteRT batch 1, {settings['threads']} thread(s), {settings['runs']} timed runs per file; "
            f"load average (1, 5, 15 min) {', '.join(map(str, machine['load_average']))} at the start and "
            f"{', '.join(map(str, machine['load_average_after']))} at the end; {settings['seconds']:,.0f} s in all"
            + (f", as {len(settings['parts'])} parts run side by side{_patterns(settings['parts'])}; the load "
               "averages are the highest any part saw." if settings.get("parts") else "."))


def _patterns(parts) -> str:
    if len(parts) > 6:
        return ""
    return f" (patterns {'; '.join(str(part['pattern']) for part in parts)})"


def report_markdown(report, image_prefix: str = "") -> str:
    """The whole report as Markdown: machine and settings, charts, picks, table (charts at `image_prefix` + name)."""
    from tflite.zoo import CHARTS

    failed = [row["model"] for row in report["rows"] if row["error"]]
    charts = "\n\n".join(f"![{name[:-4].replace('_', ' ')}]({image_prefix}{name})" for name in CHARTS)
    return "\n\n".join([
        machine_markdown(report),
        charts,
        "### Which model should I pick\n\nBest accuracy its paper reports on ImageNet within a multiply-add budget, "
        "and the smallest measured int8 file above an accuracy:\n\n" + picks_markdown(report),
        f"### Every model\n\n{len(report['rows'])} models, {len(failed)} not fully measured (see their error).\n\n"
        + table_markdown(report),
    ]) + "\n"
