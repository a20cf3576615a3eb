"""Which zoo models run under TensorFlow Lite Micro: each registered model (and the SWWAE classifier, whose
what-where pooling is not in the registry) built small, int8-quantized and measured with `tflite.micro_report`.

    PYTHONPATH=$PWD python benchmarks/micro_zoo.py [--models NAME ...] [--timeout 300]

Each model is built with random weights at 32x32x3 and 10 classes (if its builder refuses 32x32, at the first of
64, 96, 128 it accepts), converted to a full-integer `.tflite` with int8 I/O, a fixed batch of 1 and stripped
metadata, calibrated on 4 random images (arena and flash do not depend on the weights' values), then measured.
Every model runs in a process of its own with a time limit; one that fails to build, convert or run stays in the
table with its reason.
Rows go to docs/micro_zoo_results.json as they finish (a rerun skips the models already there, unless named in
--models); the table between the micro_zoo markers of docs/micro.md is rewritten from that file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

RESULTS = os.path.join("docs", "micro_zoo_results.json")
DOC = os.path.join("docs", "micro.md")
BEGIN, END = "<!-- micro_zoo:begin -->", "<!-- micro_zoo:end -->"
SIZES = (32, 64, 96, 128)
CHANNELS, CLASSES, CALIBRATION_IMAGES = 3, 10, 4
EXTRA_MODELS = ("swwae_classifier_hard", "swwae_classifier_soft")
# A typical larger Cortex-M budget, to read the table against (not a measurement).
MCU_RAM_BYTES, MCU_FLASH_BYTES = 256 * 1024, 1024 * 1024


def build(name: str, size: int, **options):
    import keras_cnns

    shape = (size, size, CHANNELS)
    if name.startswith("swwae_classifier_"):
        from keras_cnns.models.swwae import SWWAE, swwae_classifier

        return swwae_classifier(SWWAE(input_shape=shape, classes=CLASSES, mode=name.rsplit("_", 1)[1], **options))
    return keras_cnns.get_model(name, input_shape=shape, classes=CLASSES, **options)


def convert_and_report(model, size: int) -> dict:
    import numpy as np

    import tflite

    images = np.random.default_rng(0).random((CALIBRATION_IMAGES, size, size, CHANNELS), dtype=np.float32)
    start = time.perf_counter()
    try:
        flatbuffer = tflite.convert(model, "int8", images, strip_metadata=True,
                                    representative_samples=CALIBRATION_IMAGES, **tflite.MICRO_FORM)
    except (ValueError, RuntimeError) as err:
        return {"reason": f"int8 conversion failed: {str(err).splitlines()[0]}"}
    row = {"convert_s": round(time.perf_counter() - start, 1)}
    start = time.perf_counter()
    report = tflite.micro_report(flatbuffer, strict=False)
    row["micro_s"] = round(time.perf_counter() - start, 1)
    row.update({key: report[key] for key in ("runs", "reason", "ops", "flash_bytes", "arena_bytes",
                                             "litert_max_abs_diff", "litert_argmax_agreement")})
    return row


def measure_one(name: str) -> dict:
    """Build, convert and measure one model (run in a child process)."""
    row = {"name": name}
    errors = []
    for size in SIZES:
        try:
            model = build(name, size)
            break
        except (ValueError, TypeError) as err:
            errors.append(f"{size}: {err}")
    else:
        row["reason"] = f"does not build at {', '.join(map(str, SIZES))} (at {errors[-1]})"
        return row
    row.update(input=f"{size}x{size}x{CHANNELS}", parameters=int(model.count_params()))
    row.update(convert_and_report(model, size))
    if not row.get("runs") and "crashed" in (row.get("reason") or ""):
        # Random weights can give near-zero logits, whose int8 SOFTMAX TFLM aborts on: measure the same
        # network up to its logits, and say so.
        row.update(convert_and_report(build(name, size, classifier_activation=None), size),
                   with_softmax=row["reason"], note="measured without its final softmax")
    return row


def machine() -> dict:
    from tflite.litert import cpu_model_and_flags

    return {"cpu": cpu_model_and_flags()[0], "cpus": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2),
            "time_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def run_child(name: str, timeout: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        try:
            completed = subprocess.run([sys.executable, __file__, "--one", name, "--one-out", out.name],
                                       capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"name": name, "reason": f"not measured: build, conversion and check took over {timeout} s here"}
        if completed.returncode != 0:
            last = [line for line in completed.stderr.splitlines() if line.strip()][-1:] or ["no message"]
            return {"name": name, "reason": f"measurement process exited with {completed.returncode}: {last[0]}"}
        with open(out.name, encoding="utf-8") as stream:
            return json.load(stream)


def _kb(value) -> str:
    return f"{value / 1024:,.1f}"


def markdown(results: dict) -> str:
    rows = [results["rows"].get(name, {"name": name, "reason": "not measured: the run was stopped before it"})
            for name in results["order"]]
    running = [row for row in rows if row.get("runs")]
    fits = [row["name"] for row in running
            if row["arena_bytes"] <= MCU_RAM_BYTES and row["flash_bytes"] <= MCU_FLASH_BYTES]
    lines = [
        f"Generated by `benchmarks/micro_zoo.py` ({results['machine']['cpu']}, {results['machine']['cpus']} CPUs "
        f"shared with other jobs, finished {results['machine']['time_utc']}). Random weights, int8 post-training "
        f"quantization calibrated on {CALIBRATION_IMAGES} random images, int8 input/output, batch 1, metadata "
        f"stripped; "
        f"{CLASSES} classes. Arena: the smallest `arena_size` TFLM's interpreter allocated and ran in (reference "
        "kernels, 64-bit host). Flash: the `.tflite` bytes (the C array), not the runtime's code. "
        "LiteRT diff: largest difference of TFLM's and LiteRT's int8 outputs on 4 random inputs, in quantization "
        "steps.",
        "",
        f"{len(running)} of {len(rows)} run under TFLite Micro "
        f"({sum(name in results['rows'] for name in results['order'])} measured); {len(fits)} of them fit "
        f"{MCU_RAM_BYTES // 1024} KB of arena and {MCU_FLASH_BYTES // 1024} KB of flash: "
        f"{', '.join(f'`{name}`' for name in fits) or 'none'}.",
        "",
        "| model | input | parameters | runs under TFLM | arena (KB) | flash (KB) | LiteRT diff | ops or reason |",
        "|---|---|---:|---|---:|---:|---:|---|",
    ]
    for row in rows:
        parameters = f"{row['parameters']:,}" if "parameters" in row else ""
        if row.get("runs"):
            note = f" ({row['note']}: with it, TFLM crashed)" if row.get("note") else ""
            lines.append(f"| `{row['name']}` | {row['input']} | {parameters} | yes{note} | {_kb(row['arena_bytes'])} | "
                         f"{_kb(row['flash_bytes'])} | {row['litert_max_abs_diff']:g} | {', '.join(row['ops'])} |")
        else:
            flash = _kb(row["flash_bytes"]) if row.get("flash_bytes") else ""
            ops = f" (ops: {', '.join(row['ops'])})" if row.get("ops") else ""
            ops += f"; {row['note']}, after: {row['with_softmax']}" if row.get("note") else ""
            lines.append(f"| `{row['name']}` | {row.get('input', '')} | {parameters} | **no** | | {flash} | | "
                         f"{row['reason'].replace('|', '/')}{ops} |")
    return "\n".join(lines)


def write_doc(results: dict) -> None:
    from keras_cnns.files import replace_between_markers

    replace_between_markers(DOC, BEGIN, END, markdown(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per model")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one-out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--table-only", action="store_true", help="rewrite docs/micro.md from the results file")
    args = parser.parse_args()
    if args.one:
        with open(args.one_out, "w", encoding="utf-8") as stream:
            json.dump(measure_one(args.one), stream)
        return
    import keras_cnns

    order = [*keras_cnns.list_models(), *EXTRA_MODELS]
    results = {"rows": {}}
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as stream:
            results = json.load(stream)
    results["order"] = order
    if not args.table_only:
        todo = args.models or [name for name in order if name not in results["rows"]]
        unknown = sorted(set(todo) - set(order))
        if unknown:
            raise SystemExit(f"--models must be registered models or {', '.join(EXTRA_MODELS)}; got {unknown}")
        for name in todo:
            start = time.perf_counter()
            row = run_child(name, args.timeout)
            row["wall_s"] = round(time.perf_counter() - start, 1)
            results["rows"][name] = row
            results["machine"] = machine()
            print(name, {key: row.get(key) for key in ("input", "runs", "arena_bytes", "flash_bytes", "reason",
                                                       "wall_s")}, flush=True)
            if os.path.exists(RESULTS):  # another run may have written other models meanwhile: keep them
                with open(RESULTS, encoding="utf-8") as stream:
                    results["rows"] = {**json.load(stream)["rows"], name: row}
            with open(RESULTS, "w", encoding="utf-8") as stream:
                json.dump(results, stream, indent=1)
    write_doc(results)


if __name__ == "__main__":
    main()
