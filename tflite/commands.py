"""`keras-cnns export` and `keras-cnns bench`: subcommands added to keras_cnns.cli through COMMAND_MODULES."""

from __future__ import annotations

import os

from tflite.export import QUANTIZATIONS


def _parse_shape(text):
    try:
        return tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--input-shape must look like 32x32x1; got {text!r}") from None


def _model_from_argument(args):
    import keras_cnns
    from tflite.export import load_keras_model

    if args.model.endswith(".keras"):
        return load_keras_model(args.model)
    if args.model not in keras_cnns.list_models():
        raise ValueError(f"MODEL must be a .keras file or a registered model name (see `keras-cnns list`); "
                         f"got {args.model!r}")
    shape = _parse_shape(args.input_shape) if args.input_shape else None
    return keras_cnns.get_model(args.model, input_shape=shape, classes=args.classes)


def output_paths(out: str, quantizations) -> list[str]:
    """`out` for one quantization; `<stem>_<quantization>.tflite` for each of several."""
    if len(quantizations) == 1:
        return [out]
    stem, extension = os.path.splitext(out)
    return [f"{stem}_{quantization}{extension or '.tflite'}" for quantization in quantizations]


def _print_table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [str(cell).rjust(w) if i else str(cell).ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells))


def _cmd_export(args):
    import tflite

    if args.evaluate and args.data is None:
        raise ValueError("--evaluate needs --data (a dataset name or an IDX folder with labels)")
    model = _model_from_argument(args)
    quantizations = list(dict.fromkeys(args.quantization))
    rows = []
    for quantization, path in zip(quantizations, output_paths(args.out, quantizations)):
        report = tflite.export(model, path, quantization, args.data, int8_io=args.int8_io,
                               per_channel=not args.per_tensor, strip_metadata=args.strip_metadata)
        row = [quantization, path, f"{report['size_bytes']:,}", "/".join(report["input_dtypes"])]
        if args.evaluate:
            row.append(f"{tflite.evaluate(path, args.data)['accuracy']:.4f}")
        rows.append(row)
    _print_table(["quantization", "file", "bytes", "input", *(["accuracy"] if args.evaluate else [])], rows)


def _cmd_bench(args):
    import tflite
    from tflite.litert import describe_quantization

    rows = []
    for path in args.files:
        result = tflite.benchmark(path, threads=args.threads, runs=args.runs)
        with open(path, "rb") as stream:
            quantization = describe_quantization(stream.read())
        row = [quantization, path, f"{result['size_bytes']:,}", f"{result['median_ms']:.3f}", f"{result['p90_ms']:.3f}"]
        if args.data:
            row.append(f"{tflite.evaluate(path, args.data)['accuracy']:.4f}")
        rows.append(row)
    _print_table(["quantization", "file", "bytes", "median ms", "p90 ms", *(["accuracy"] if args.data else [])], rows)


def add_commands(subparsers):
    export = subparsers.add_parser("export", help="convert a model to .tflite (optionally quantized)")
    export.add_argument("model", metavar="MODEL", help="a .keras file or a registered model name (untrained)")
    export.add_argument("--quantization", nargs="+", default=["none"], choices=QUANTIZATIONS)
    export.add_argument("--data", default=None,
                        help="representative data for int8/int16x8: 'digits' or a folder of MNIST-format IDX files")
    export.add_argument("--out", required=True, help="the .tflite file (with several quantizations: <stem>_<q>.tflite)")
    export.add_argument("--int8-io", action="store_true", help="int8 input/output tensors (with --quantization int8)")
    export.add_argument("--per-tensor", action="store_true", help="per-tensor instead of per-channel weight scales")
    export.add_argument("--strip-metadata", action="store_true", help="drop tensor names, signatures and metadata")
    export.add_argument("--evaluate", action="store_true", help="also report accuracy on --data's holdout")
    export.add_argument("--input-shape", default=None, help="for a model name: e.g. 32x32x1")
    export.add_argument("--classes", type=int, default=10, help="for a model name")
    export.set_defaults(run=_cmd_export)

    bench = subparsers.add_parser("bench", help="batch-1 latency and size of .tflite files under LiteRT")
    bench.add_argument("files", nargs="+", metavar="FILE.tflite")
    bench.add_argument("--threads", type=int, default=1)
    bench.add_argument("--runs", type=int, default=100)
    bench.add_argument("--data", default=None, help="also report accuracy: 'digits' or an IDX folder")
    bench.set_defaults(run=_cmd_bench)
