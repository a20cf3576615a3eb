"""Edge benchmark: each efficient model at 224x224 as fp32 and full-int8 `.tflite`, timed under LiteRT.

    PYTHONPATH=$PWD python benchmarks/edge_models.py --out docs/edge_models.md --ops-out docs/edge_models_ops.json

Builds each model with random weights (latency and size do not depend on the values), exports it with
`tflite.export` (float32, and int8 calibrated on MNIST t10k training images resized to 224x224 and
repeated to RGB) and times batch-1 inference with `tflite.benchmark` (LiteRT, 2 threads): the fp32 and the
int8 file alternate over --rounds rounds of --runs/--rounds runs each, so a change of load during the run
weighs on both alike, and each latency is the median of its rounds' medians. Then `tflite.op_timings` times
every operator of both files alone (and whether XNNPACK runs it). The markdown table (with the machine and
the load average) replaces the part of --out between its markers; the per-operator rows go to --ops-out, so
that a later regression shows which operator moved:

    python benchmarks/edge_models.py --compare OLD_OPS.json NEW_OPS.json   # e.g. the committed file and a new run

prints, per model and file, the whole file's latency then and now and every operator that moved
(`tflite.moved_operators`), without measuring anything.

    PYTHONPATH=$PWD python benchmarks/edge_models.py --isa avx2 --int8-options

times the same files with XNNPACK restricted to the kernels of an AVX2-only CPU (benchmarks/xnnpack_isa.py: a
stand-in on this CPU, not such a machine) and writes its own part of --out and docs/edge_models_ops_avx2.json.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
from collections import defaultdict

import keras

import keras_cnns
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split
from keras_cnns.files import read_json, replace_between_markers, write_json
import tflite
from tflite.datasets import fit_images
from tflite.litert import cpu_model_and_flags

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xnnpack_isa  # noqa: E402

MODELS = ("squeezenet1_0", "squeezenet1_1", "mobilenet_v1_100", "mobilenet_v1_050", "mobilenet_v1_025",
          "shufflenet_v1_g3", "shufflenet_v2_x1_0")
MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist-t10k")
PROFILED = ("none", "int8")  # the files whose operators are timed one by one
# --int8-options adds the other int8 exports `tflite.export` offers, timed in the same alternating rounds.
EXPORTS = {"none": dict(quantization="none"), "int8": dict(quantization="int8"),
           "int8_per_tensor": dict(quantization="int8", per_channel=False),
           "int8_io": dict(quantization="int8", int8_io=True),
           "int8_dense_dw": dict(quantization="int8", dense_depthwise_channels=8),
           "int8_io_dense_dw": dict(quantization="int8", int8_io=True, dense_depthwise_channels=8),
           "int8_plain_stem": dict(quantization="int8", space_to_depth=False),
           "int8_float_stem": dict(quantization="int8", float_stem=True)}
INT8_OPTIONS = ("int8_per_tensor", "int8_io", "int8_dense_dw", "int8_io_dense_dw", "int8_plain_stem",
                "int8_float_stem")
COLUMN_NAMES = {"int8": "int8", "int8_per_tensor": "int8 per-tensor", "int8_io": "int8 I/O",
                "int8_dense_dw": "int8 dense dw", "int8_io_dense_dw": "int8 I/O + dense dw",
                "int8_plain_stem": "int8 plain stem", "int8_float_stem": "int8 float stem"}
SLOW_OPERATORS = 4  # operator types listed per model in the markdown (all are in the JSON)


def machine() -> str:
    model_name, flags = cpu_model_and_flags()
    vector = sorted(flag for flag in flags if flag.startswith(("avx512", "avx2", "avx_vnni", "amx")))
    vnni = "yes" if {"avx512_vnni", "avx_vnni"} & flags else "no"
    return (f"{model_name}, {os.cpu_count()} CPUs visible, VNNI: {vnni}, vector flags: {', '.join(vector) or 'none'}")


def markers(isa: str) -> tuple[str, str]:
    """The markers of --out between which a run writes its tables: one pair per --isa."""
    tag = "edge_models.py" if isa == "native" else f"edge_models.py:{isa}"
    return f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"


def run_machine(args) -> str:
    """The machine, and the kernels XNNPACK was restricted to with --isa."""
    if args.isa == "native":
        return machine()
    return (f"{machine()}, with LiteRT's XNNPACK restricted to the kernels it picks on {xnnpack_isa.LABELS[args.isa]} "
            f"(`--isa {args.isa}`: benchmarks/xnnpack_isa.py cleared cpuinfo's {', '.join(args.cleared_flags)} flags "
            f"before XNNPACK read them; a stand-in on this CPU, not such a machine)")


def measure(name, calibration, args, folder):
    info = keras_cnns.model_info(name)
    model = keras_cnns.get_model(name)
    row = {"name": name, "parameters": info["parameters"], "flops": info["flops"], "load_before": os.getloadavg()[0]}
    paths = {}
    for export in (*PROFILED, *(INT8_OPTIONS if args.int8_options else ())):
        paths[export] = os.path.join(folder, f"{name}_{export}.tflite")
        settings = dict(EXPORTS[export])
        quantization = settings.pop("quantization")
        tflite.export(model, paths[export], quantization, calibration if quantization == "int8" else None,
                      representative_samples=len(calibration), **settings)
    medians, minima = defaultdict(list), defaultdict(list)
    for _ in range(args.rounds):
        for export, path in paths.items():
            timing = tflite.benchmark(path, threads=args.threads, runs=max(1, args.runs // args.rounds),
                                      warmup=args.warmup)
            medians[export].append(timing["median_ms"])
            minima[export].append(timing["min_ms"])
    for export, path in paths.items():
        row[export] = {"size_bytes": os.path.getsize(path), "median_ms": statistics.median(medians[export]),
                       "best_ms": min(minima[export]), "round_medians_ms": medians[export]}
        if export in PROFILED:
            operators = tflite.op_timings(path, threads=args.threads, runs=args.op_runs)
            row[export].update(operators_sum_ms=sum(op["median_us"] for op in operators) / 1000, operators=operators)
        print(name, export, row[export]["size_bytes"], f"{row[export]['median_ms']:.2f} ms (best "
              f"{row[export]['best_ms']:.2f} ms)", flush=True)
    row["load_after"] = os.getloadavg()[0]
    del model
    keras.backend.clear_session()
    gc.collect()
    return row


def latency_table(rows, args, samples) -> list[str]:
    loads = [load for row in rows for load in (row["load_before"], row["load_after"])]
    lines = [
        f"Machine: {run_machine(args)}. 1-minute load average during the run: {min(loads):.1f} to "
        f"{max(loads):.1f} (the CPU is shared with other jobs, so the latencies are upper bounds; the fp32 and int8 "
        f"files alternate, so their ratio is fairer than either).",
        "",
        f"fp32 = float32 `.tflite`; int8 = full-integer post-training quantization (float input/output), "
        f"calibrated on {samples} MNIST t10k training images resized to 224x224 and repeated to RGB. "
        f"Latency: `ai_edge_litert` Interpreter (XNNPACK) with num_threads={args.threads}, random input, "
        f"{args.rounds} alternating rounds of {max(1, args.runs // args.rounds)} runs (each after {args.warmup} "
        f"warm-up runs): \"ms\" is the median of the rounds' medians, \"best\" the fastest run (other jobs only "
        f"add time, so under load it is the closer to the file's own cost). FLOPs are multiply-adds "
        f"(`keras_cnns.model_info`).",
        "",
        "| model | params | FLOPs (M) | fp32 MB | int8 MB | fp32 ms | int8 ms | int8/fp32 | fp32 best | int8 best "
        "| int8/fp32 (best) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        fp32, int8 = row["none"], row["int8"]
        lines.append(
            f"| {row['name']} | {row['parameters']:,} | {row['flops'] / 1e6:.1f} | {fp32['size_bytes'] / 1e6:.2f} | "
            f"{int8['size_bytes'] / 1e6:.2f} | {fp32['median_ms']:.2f} | {int8['median_ms']:.2f} | "
            f"**{int8['median_ms'] / fp32['median_ms']:.2f}** | {fp32['best_ms']:.2f} | {int8['best_ms']:.2f} | "
            f"**{int8['best_ms'] / fp32['best_ms']:.2f}** |"
        )
    if "int8_io" in rows[0]:
        exports = ("int8", *(export for export in INT8_OPTIONS if export in rows[0]))
        lines += ["", "The other int8 exports, timed in the same alternating rounds: latency / fp32 latency, median "
                  "(best) as above, for per-tensor weight scales (`per_channel=False`), int8 input/output tensors "
                  "(`int8_io=True`, no QUANTIZE/DEQUANTIZE at the ends) and depthwise convolutions of at most 8 "
                  "channels exported as a dense CONV_2D (`dense_depthwise_channels=8`; \"dense dw\"), alone and with "
                  "int8 I/O, and with the stem convolution left as it is (`space_to_depth=False`; \"plain stem\"; "
                  "the default int8 export rewrites a stem of kernel >= 2 x stride + 1 on RGB, here squeezenet1_0's "
                  "7x7 stride-2 conv1, as space-to-depth and a stride-1 convolution), and with the layers up to the "
                  "first convolution left in float32 (`float_stem=True`; \"float stem\").", "",
                  "| model | " + " | ".join(COLUMN_NAMES[export] for export in exports) + " |",
                  "|---|" + "---:|" * len(exports)]
        for row in rows:
            fp32 = row["none"]
            lines.append(f"| {row['name']} | " + " | ".join(
                f"{row[export]['median_ms'] / fp32['median_ms']:.2f} ({row[export]['best_ms'] / fp32['best_ms']:.2f})"
                for export in exports) + " |")
    return lines


def by_operator(operators) -> dict:
    totals = defaultdict(lambda: {"count": 0, "us": 0.0, "xnnpack": 0})
    for op in operators:
        total = totals[op["op"]]
        total["count"] += 1
        total["us"] += op["median_us"]
        total["xnnpack"] += op["xnnpack"]
    return totals


def operator_table(rows, args) -> list[str]:
    lines = [
        f"Where the time goes: each operator of each file cut out into a one-operator `.tflite` model (same "
        f"tensors, quantization and weights, fed the values of a run of the whole file) and timed alone under "
        f"the same interpreter and threads, median of {args.op_runs} runs (`tflite.op_timings`; LiteRT's Python "
        f"wheel exposes no per-operator profiler). Per model, the {SLOW_OPERATORS} operator types that cost the "
        f"int8 file most, summed over their operators; \"XNNPACK\" counts the int8 operators the delegate took "
        f"(the rest run on TFLite's builtin kernels). \"all ops\" is the sum over every operator, next to the "
        f"whole file's latency above. Every operator's row: `{os.path.basename(args.ops_out)}`.",
        "",
        "| model | operator | count | fp32 us | int8 us | int8/fp32 | XNNPACK (int8) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        fp32, int8 = by_operator(row["none"]["operators"]), by_operator(row["int8"]["operators"])
        for op, total in sorted(int8.items(), key=lambda item: -item[1]["us"])[:SLOW_OPERATORS]:
            float_us = fp32[op]["us"] if op in fp32 else None
            float_text, ratio = ("-", "-") if not float_us else (f"{float_us:.0f}", f"{total['us'] / float_us:.2f}")
            lines.append(f"| {row['name']} | {op} | {total['count']} | {float_text} | {total['us']:.0f} | {ratio} | "
                         f"{total['xnnpack']}/{total['count']} |")
        fp32_sum, int8_sum = row["none"]["operators_sum_ms"], row["int8"]["operators_sum_ms"]
        lines.append(f"| {row['name']} | all ops | {len(row['int8']['operators'])} | {1000 * fp32_sum:.0f} | "
                     f"{1000 * int8_sum:.0f} | {int8_sum / fp32_sum:.2f} | "
                     f"{sum(op['xnnpack'] for op in row['int8']['operators'])}/{len(row['int8']['operators'])} |")
    return lines


def write_outputs(rows, args, samples):
    text = "\n".join(latency_table(rows, args, samples) + [""] + operator_table(rows, args))
    replace_between_markers(args.out, *markers(args.isa), text)
    write_json(args.ops_out, {
        "machine": run_machine(args), "isa": args.isa, "threads": args.threads, "rounds": args.rounds,
        "runs": args.runs, "op_runs": args.op_runs,
        "models": {row["name"]: {key: value for key, value in row.items() if key != "name"} for row in rows}})


def comparison(before: dict, after: dict, min_ratio: float = 1.25, min_us: float = 2.0) -> list[str]:
    """Markdown: per model and profiled file of two --ops-out runs, the latency then and now and the operators
    that moved (`tflite.moved_operators`); models in only one run are named."""
    lines = [f"Before: {before.get('machine', '?')}", f"After: {after.get('machine', '?')}"]
    if before.get("machine") != after.get("machine"):
        lines.append("The machines differ: compare ratios, not times.")
    lines += ["", "| model | file | before ms | after ms | operator | output | shape | before us | after us | change |",
              "|---|---|---:|---:|---|---|---|---:|---:|---|"]
    models_before, models_after = before.get("models", {}), after.get("models", {})
    for name in [name for name in models_before if name in models_after]:
        for export in PROFILED:
            old, new = models_before[name].get(export), models_after[name].get(export)
            if not (old and new and "operators" in old and "operators" in new):
                continue
            times = f"| {name} | {export} | {old['median_ms']:.3f} | {new['median_ms']:.3f} |"
            moved = tflite.moved_operators(old["operators"], new["operators"], min_ratio, min_us)
            if not moved:
                lines.append(f"{times} (none moved) | | | | | |")
            for op in moved:
                old_us, new_us = (f"{value:.1f}" if value is not None else "-"
                                  for value in (op["before_us"], op["after_us"]))
                change = op["change"] if op["ratio"] is None else f"{op['change']} ({op['ratio']:.2f}x)"
                lines.append(f"{times} {op['op']} | `{op['output'].split(';')[0]}` | "
                             f"{'x'.join(map(str, op['shape']))} | {old_us} | {new_us} | {change} |")
    only = sorted(set(models_before) ^ set(models_after))
    if only:
        lines += ["", f"In one run only: {', '.join(only)}"]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/edge_models.md")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--ops-out", default=None,
                        help="default: docs/edge_models_ops.json (docs/edge_models_ops_<isa>.json with --isa)")
    parser.add_argument("--isa", choices=("native", *xnnpack_isa.LABELS), default="native",
                        help="time with XNNPACK's kernels for a CPU with fewer vector extensions (a stand-in on this "
                             "CPU: benchmarks/xnnpack_isa.py); the run gets its own part of --out")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--op-runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--int8-options", action="store_true",
                        help="also time int8 with per-tensor scales and with int8 input/output")
    parser.add_argument("--calibration-samples", type=int, default=32)
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="print which operators moved between two --ops-out files; measures nothing")
    parser.add_argument("--min-ratio", type=float, default=1.25, help="with --compare: the smallest change reported")
    parser.add_argument("--min-us", type=float, default=2.0, help="with --compare: nor below this many microseconds")
    args = parser.parse_args()
    if args.compare:
        try:
            runs = [read_json(path, "--compare file", "give two --ops-out files of this script")
                    for path in args.compare]
            for path, run in zip(args.compare, runs):
                if not isinstance(run, dict) or not isinstance(run.get("models"), dict):
                    raise ValueError(f"--compare: {path} is not an --ops-out file (no 'models' mapping)")
            print("\n".join(comparison(*runs, min_ratio=args.min_ratio, min_us=args.min_us)))
        except (TypeError, ValueError) as err:
            parser.error(str(err))
        return
    if args.ops_out is None:
        args.ops_out = "docs/edge_models_ops.json" if args.isa == "native" else f"docs/edge_models_ops_{args.isa}.json"
    args.cleared_flags = []
    if args.isa != "native":  # before any interpreter of this process lets XNNPACK read the CPU's flags
        try:
            args.cleared_flags = xnnpack_isa.restrict_litert_to(args.isa)
        except RuntimeError as err:
            parser.error(f"--isa {args.isa}: {err}")
        if not args.cleared_flags:
            parser.error(f"--isa {args.isa}: this CPU has none of the flags it clears; time it with --isa native")
    (train_images, _), _ = load_idx_split(MNIST_DIR, train_size=MNIST_T10K_TRAIN_SIZE)
    calibration = fit_images(train_images[: args.calibration_samples], (224, 224, 3))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.models:  # the table is rewritten after each model, so a cut-short run keeps its rows
            rows.append(measure(name, calibration, args, folder))
            write_outputs(rows, args, len(calibration))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
