"""`keras-cnns zoo`: one measured report of the registered models — parameters, multiply-adds, `.tflite` sizes and
LiteRT latency — with the papers' accuracy-vs-computation bubble chart.

    >>> report = zoo_report("lenet5*", out_dir="runs/zoo")   # writes zoo.csv, zoo.json and the PNG charts
    >>> report["rows"][0]["int8_median_ms"]
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import io
import json
import os
import tempfile

from keras_cnns.checks import check_int, check_type

QUANTIZATION_MODES = {"fp32": "none", "int8": "int8"}  # the report's names -> tflite.export's
COLUMNS = (
    "model", "family", "own_input_shape", "own_parameters", "own_multiply_adds", "paper_top1", "paper_top5",
    "paper_source", "input_shape", "parameters", "multiply_adds", "builtin_ops_only",
    "fp32_bytes", "fp32_median_ms", "fp32_p90_ms", "int8_bytes", "int8_median_ms", "int8_p90_ms",
    "micro_runs", "micro_arena_bytes", "error",
)
CHARTS = ("paper_bubbles.png", "int8_latency_vs_multiply_adds.png", "int8_vs_fp32_latency.png")


def machine() -> dict:
    """The CPU (model name, and the int8 instructions LiteRT's kernels can use), core count and load average."""
    from tflite.litert import cpu_model_and_flags

    model_name, flags = cpu_model_and_flags()
    return {
        "cpu": model_name,
        "cores": os.cpu_count(),
        "avx512_vnni": "avx512_vnni" in flags,
        "avx_vnni": "avx_vnni" in flags,
        "amx_int8": "amx_int8" in flags,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _check_quantization(quantization) -> tuple[str, ...]:
    if isinstance(quantization, str):
        quantization = tuple(part.strip() for part in quantization.split(","))
    if not isinstance(quantization, (list, tuple)) or not quantization:
        raise TypeError(f"quantization must be a non-empty list of {', '.join(QUANTIZATION_MODES)}; "
                        f"got {quantization!r}")
    for mode in quantization:
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"quantization must hold only {', '.join(map(repr, QUANTIZATION_MODES))} (e.g. "
                             f"'fp32,int8'); got {mode!r}")
    return tuple(dict.fromkeys(quantization))


def _models(pattern) -> list[str]:
    from keras_cnns import list_models

    if pattern is not None:
        check_type("pattern", pattern, str)
    names = list_models(pattern)
    if not names:
        raise ValueError(f"pattern must match at least one registered model (see `keras-cnns list`); "
                         f"{pattern!r} matches none")
    return names


def _micro(path) -> tuple:
    """(runs, arena bytes) under TensorFlow Lite Micro, or ("n/a", None) where tflite.micro has not landed."""
    if importlib.util.find_spec("tflite.micro") is None:
        return "n/a", None
    from tflite.micro import micro_report

    report = micro_report(path, samples=1, strict=False)
    return report["runs"], report["arena_bytes"]


def _error_text(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return f"{type(err).__name__}: {text[:300]}"


def measure_model(name: str, *, input_size: int | None, quantization, threads: int, runs: int,
                  representative_data, calibration_samples: int, work_dir: str, export=None) -> dict:
    """One row of the report; a failure at any step is recorded in "error" with what was measured before it."""
    import keras

    import tflite
    from keras_cnns import get_model, model_info
    from keras_cnns.paper_accuracy import paper_accuracy

    row = dict.fromkeys(COLUMNS)
    row["model"] = name
    accuracy = paper_accuracy(name) or {}
    row.update(paper_top1=accuracy.get("top1"), paper_top5=accuracy.get("top5"), paper_source=accuracy.get("source"))
    export = export or tflite.export
    try:
        own = model_info(name)
        row.update(family=own["family"], own_input_shape=list(own["input_shape"]),
                   own_parameters=own["parameters"], own_multiply_adds=own["flops"])
        shape = None if input_size is None else (input_size, input_size, own["input_shape"][-1])
        model = get_model(name) if shape is None else get_model(name, input_shape=shape)
        measured = model_info(model)
        row.update(input_shape=list(measured["input_shape"]), parameters=measured["parameters"],
                   multiply_adds=measured["flops"])
        for mode in quantization:
            path = os.path.join(work_dir, f"{name}_{mode}.tflite")
            try:
                report = export(model, path, QUANTIZATION_MODES[mode],
                                representative_data if mode == "int8" else None,
                                representative_samples=calibration_samples)
            except ValueError as err:
                if "builtin op set lacks" in str(err):
                    row["builtin_ops_only"] = False
                raise
            row["builtin_ops_only"] = not any(op.startswith("Flex") for op in report["ops"])
            timing = tflite.benchmark(path, threads=threads, runs=runs)
            row.update({f"{mode}_bytes": report["size_bytes"], f"{mode}_median_ms": round(timing["median_ms"], 4),
                        f"{mode}_p90_ms": round(timing["p90_ms"], 4)})
            if mode == "int8":
                row["micro_runs"], row["micro_arena_bytes"] = _micro(path)
            os.remove(path)
    except Exception as err:  # noqa: BLE001  a model that fails is reported with its error, never dropped
        row["error"] = _error_text(err)
    finally:
        keras.backend.clear_session()
    return row


def zoo_report(pattern: str | None = None, input_size: int | None = None, quantization=("fp32", "int8"),
               threads: int = 1, runs: int = 20, out_dir: str = "runs/zoo", *, representative_data="digits",
               calibration_samples: int = 32, progress: bool | None = None, export=None) -> dict:
    """Build every registered model (or those matching `pattern`), export and time it; write the report.

    Args:
        pattern: shell-style pattern of model names (e.g. "resnet*"); None for the whole zoo.
        input_size: build every model at `input_size` x `input_size` (its own channels); None for each
            model's own input size. A model that cannot be built at that size is reported with its error.
        quantization: "fp32" and/or "int8" (a list, or a comma-separated string).
        threads, runs: LiteRT interpreter threads, and timed batch-1 runs per file (median and p90 reported).
        out_dir: gets zoo.csv, zoo.json, zoo.md (the table and the picks) and the charts (created if missing;
            each file is replaced whole, never left half-written).
        representative_data: calibration images for int8 by name ('digits', an IDX folder, a dataset
            keras_cnns.data reads), resized to each model's input; the first `calibration_samples` are used.
        progress: a tqdm bar on stderr; None shows it only on a terminal.
        export: the export function (tflite.export by default).

    Returns:
        {"machine", "settings", "rows", "files"}: one row per model with the columns of `COLUMNS` (multiply-adds
        and parameters both at the model's own size, "own_*", and at the measured size); "error" holds why a
        model was not fully measured.
    """
    from tqdm import tqdm

    names = _models(pattern)
    if input_size is not None:
        check_int("input_size", input_size, min_value=1)
    quantization = _check_quantization(quantization)
    check_int("threads", threads, min_value=1)
    check_int("runs", runs, min_value=1)
    check_int("calibration_samples", calibration_samples, min_value=1)
    check_type("representative_data", representative_data, (str, os.PathLike))
    check_type("out_dir", out_dir, (str, os.PathLike))
    os.makedirs(out_dir, exist_ok=True)

    started = datetime.datetime.now(datetime.timezone.utc)
    machine_before = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="zoo-") as work_dir:
        for name in tqdm(names, desc="zoo", unit="model", disable=None if progress is None else not progress):
            rows.append(measure_model(name, input_size=input_size, quantization=quantization, threads=threads,
                                      runs=runs, representative_data=representative_data,
                                      calibration_samples=calibration_samples, work_dir=work_dir, export=export))
    settings = {"pattern": pattern, "input_size": input_size, "quantization": list(quantization),
                "threads": threads, "runs": runs, "calibration_samples": calibration_samples,
                "started_utc": started.isoformat(timespec="seconds"),
                "seconds": round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(), 1)}
    report = {"machine": {**machine_before, "load_average_after": machine()["load_average"]},
              "settings": settings, "rows": rows}
    report["files"] = write_report(report, out_dir)
    return report


def write_report(report: dict, out_dir: str) -> list[str]:
    """zoo.csv, zoo.json, zoo.md and the three charts in `out_dir`; returns their paths."""
    from tflite.export import write_atomically

    def cell(value):
        if value is None:
            return ""
        return "x".join(map(str, value)) if isinstance(value, list) else value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([cell(row[column]) for column in COLUMNS] for row in report["rows"])
    csv_path, json_path = os.path.join(out_dir, "zoo.csv"), os.path.join(out_dir, "zoo.json")
    write_atomically(csv_path, buffer.getvalue().encode())
    write_atomically(json_path, (json.dumps(report, indent=1) + "\n").encode())
    from tflite.zoo_charts import write_charts
    from tflite.zoo_summary import report_markdown

    markdown_path = os.path.join(out_dir, "zoo.md")
    write_atomically(markdown_path, report_markdown(report).encode())
    return [csv_path, json_path, markdown_path, *write_charts(report, out_dir)]


def merge_reports(json_paths, out_dir: str) -> dict:
    """One report from parts measured separately (disjoint patterns, same settings), written to `out_dir`.

    Parts run side by side on one machine finish sooner, and load each other: the merged report keeps every
    part's pattern, start, duration and load averages under settings["parts"], and the highest load seen.
    """
    if isinstance(json_paths, (str, bytes)) or not isinstance(json_paths, (list, tuple)) or not json_paths:
        raise TypeError(f"json_paths must be a non-empty list of zoo.json paths; got {json_paths!r}")
    parts = []
    for path in json_paths:
        with open(path, encoding="utf-8") as stream:
            parts.append(json.load(stream))
    same = ("input_size", "quantization", "threads", "runs", "calibration_samples")
    for path, part in zip(json_paths, parts):
        for key in same:
            if part["settings"][key] != parts[0]["settings"][key]:
                raise ValueError(f"json_paths must share {key}; {path!r} has {part['settings'][key]!r}, "
                                 f"{json_paths[0]!r} has {parts[0]['settings'][key]!r}")
    rows = sorted((row for part in parts for row in part["rows"]), key=lambda row: row["model"])
    names = [row["model"] for row in rows]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"json_paths must measure disjoint models; {', '.join(repeated)} appear more than once")
    starts = [datetime.datetime.fromisoformat(part["settings"]["started_utc"]) for part in parts]
    ends = [start + datetime.timedelta(seconds=part["settings"]["seconds"]) for start, part in zip(starts, parts)]
    highest = lambda key: [max(part["machine"][key][i] for part in parts) for i in range(3)]  # noqa: E731
    settings = {**{key: parts[0]["settings"][key] for key in same}, "pattern": None, "input_size":
                parts[0]["settings"]["input_size"], "started_utc": min(starts).isoformat(timespec="seconds"),
                "seconds": round((max(ends) - min(starts)).total_seconds(), 1),
                "parts": [{key: part["settings"][key] for key in ("pattern", "started_utc", "seconds")}
                          | {"load_average": part["machine"]["load_average"],
                             "load_average_after": part["machine"]["load_average_after"]} for part in parts]}
    report = {"machine": {**parts[0]["machine"], "load_average": highest("load_average"),
                          "load_average_after": highest("load_average_after")},
              "settings": settings, "rows": rows}
    os.makedirs(out_dir, exist_ok=True)
    report["files"] = write_report(report, out_dir)
    return report


def _parse_size(text):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--input-size must be a positive integer such as 64; got {text!r}") from None


def _cmd_zoo(args):
    report = zoo_report(args.pattern, _parse_size(args.input_size) if args.input_size is not None else None,
                        args.quantization, args.threads, args.runs, args.out, progress=False if args.quiet else None)
    failed = [row["model"] for row in report["rows"] if row["error"]]
    print(f"{len(report['rows'])} models, {len(failed)} with errors; wrote {', '.join(report['files'])}")


def add_commands(subparsers):
    zoo = subparsers.add_parser("zoo", help="measure the zoo: parameters, multiply-adds, .tflite sizes, latency")
    zoo.add_argument("--pattern", default=None, help="shell-style pattern of model names, e.g. 'resnet*'")
    zoo.add_argument("--input-size", default=None, help="build every model at NxN (default: each model's own)")
    zoo.add_argument("--quantization", default="fp32,int8", help="comma-separated: fp32, int8")
    zoo.add_argument("--threads", type=int, default=1)
    zoo.add_argument("--runs", type=int, default=20, help="timed batch-1 runs per .tflite file")
    zoo.add_argument("--out", default="runs/zoo", help="folder for zoo.csv, zoo.json and the charts")
    zoo.add_argument("--quiet", action="store_true", help="no progress bar (it shows only on a terminal anyway)")
    zoo.set_defaults(run=_cmd_zoo)
