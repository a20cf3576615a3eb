"""`keras-cnns export`, `keras-cnns bench` and `keras-cnns micro`: subcommands added to keras_cnns.cli through
COMMAND_MODULES."""

from __future__ import annotations

import os
import re

from tflite.export import QUANTIZATIONS

SPACE_TO_DEPTH = {"auto": None, "on": True, "off": False}  # --space-to-depth: tflite.export's space_to_depth


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


def c_array_name(path: str) -> str:
    """The C identifier `export --target micro` names a file's array after: its stem, other characters as '_'."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0], flags=re.ASCII)
    return stem if re.match(r"[A-Za-z_]", stem) else f"model_{stem}"


def _micro_target_options(args):
    """`--target micro`: full-integer with int8 I/O, a batch of 1 and no metadata, as microcontroller firmware runs
    it, and no space-to-depth stems unless --space-to-depth on (they pay off where kernels pad channels to 8)."""
    if args.quantization != ["int8"]:
        raise ValueError(f"--target micro exports one full-integer model: --quantization int8; "
                         f"got {' '.join(args.quantization)}")
    from tflite.export import MICRO_FORM

    if args.float_stem:
        raise ValueError("--float-stem keeps a float input and stem, which --target micro (int8 input) cannot run")
    args.int8_io, args.strip_metadata = MICRO_FORM["int8_io"], True
    options = {key: value for key, value in MICRO_FORM.items() if key != "int8_io"}  # int8_io travels on args
    if args.space_to_depth == "on":
        options["space_to_depth"] = True
    return options


def _cmd_export(args):
    import tflite

    if args.evaluate and args.data is None:
        raise ValueError("--evaluate needs --data (a dataset name or an IDX folder with labels)")
    if args.dense_depthwise is not None and args.dense_depthwise < 1:
        raise ValueError(f"--dense-depthwise must be a channel count >= 1; got {args.dense_depthwise}")
    if args.float_stem and "int8" not in args.quantization:
        raise ValueError(f"--float-stem keeps the stem of an int8 export in float: it needs --quantization int8; "
                         f"got {' '.join(args.quantization)}")
    target_options = (_micro_target_options(args) if args.target == "micro"
                      else {"space_to_depth": SPACE_TO_DEPTH[args.space_to_depth]})
    model = _model_from_argument(args)
    quantizations = list(dict.fromkeys(args.quantization))
    rows = []
    for quantization, path in zip(quantizations, output_paths(args.out, quantizations)):
        report = tflite.export(model, path, quantization, args.data, int8_io=args.int8_io,
                               per_channel=not args.per_tensor, strip_metadata=args.strip_metadata,
                               dense_depthwise_channels=args.dense_depthwise,
                               float_stem=args.float_stem and quantization == "int8", **target_options)
        row = [quantization, path, f"{report['size_bytes']:,}", "/".join(report["input_dtypes"])]
        if args.evaluate:
            row.append(f"{tflite.evaluate(path, args.data)['accuracy']:.4f}")
        if args.target == "micro":
            written = tflite.export_c(path, os.path.dirname(os.path.abspath(path)), c_array_name(path))
            row += [f"{written['arena_bytes']:,}", written["source"]]
        rows.append(row)
    _print_table(["quantization", "file", "bytes", "input", *(["accuracy"] if args.evaluate else []),
                  *(["arena bytes", "C source (.cc, .h)"] if args.target == "micro" else [])], rows)


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


def _cmd_micro(args):
    import tflite

    report = tflite.micro_report(args.file, args.data, samples=args.samples, require_int8=not args.allow_float)
    print(f"file             {args.file}")
    print(f"runs             yes, under TensorFlow Lite Micro ({report['quantization']})")
    print(f"ops              {', '.join(report['ops'])}")
    print(f"flash            {report['flash_bytes']:,} bytes (the .tflite flatbuffer; runtime code not counted)")
    print(f"arena (RAM)      {report['arena_bytes']:,} bytes (smallest that allocates, found by search)")
    for kind, size in report["arena_breakdown"].items():
        print(f"  {kind:40s} {size:>10,}")
    print(f"LiteRT agreement max |diff| {report['litert_max_abs_diff']:g} (output units), argmax "
          f"{report['litert_argmax_agreement']:.0%} of {report['samples']} inputs")


def add_commands(subparsers):
    export = subparsers.add_parser("export", help="convert a model to .tflite (optionally quantized)")
    export.add_argument("model", metavar="MODEL", help="a .keras file or a registered model name (untrained)")
    export.add_argument("--quantization", nargs="+", default=["none"], choices=QUANTIZATIONS)
    export.add_argument("--data", default=None,
                        help="representative data for int8/int16x8: 'digits' or a folder of MNIST-format IDX files")
    export.add_argument("--out", required=True, help="the .tflite file (with several quantizations: <stem>_<q>.tflite)")
    export.add_argument("--int8-io", action="store_true",
                        help="int8 input/output tensors (with --quantization int8): no QUANTIZE/DEQUANTIZE at the "
                             "ends, which tiny models feel most; microcontrollers need it")
    export.add_argument("--per-tensor", action="store_true", help="per-tensor instead of per-channel weight scales")
    export.add_argument("--strip-metadata", action="store_true", help="drop tensor names, signatures and metadata")
    export.add_argument("--dense-depthwise", type=int, default=None, metavar="N",
                        help="export depthwise convolutions of at most N channels as a dense CONV_2D (same outputs; "
                             "faster in int8 on AVX-512 VNNI CPUs at N=8, see docs/edge_models.md)")
    export.add_argument("--space-to-depth", choices=tuple(SPACE_TO_DEPTH), default="auto",
                        help="stem convolutions (under 8 input channels, kernel >= 2 x stride + 1) as "
                             "SPACE_TO_DEPTH + a stride-1 CONV_2D: same outputs; auto = in int8 exports except "
                             "--target micro (docs/edge_models.md)")
    export.add_argument("--float-stem", action="store_true",
                        help="with --quantization int8: keep the layers through the first convolution, and the next "
                             "ones on at most 16 channels, in float32 (faster on CPUs whose int8 kernels are slow on "
                             "few channels, e.g. AVX2-only ones; slower with AVX-512 VNNI; docs/edge_models.md)")
    export.add_argument("--evaluate", action="store_true", help="also report accuracy on --data's holdout")
    export.add_argument("--input-shape", default=None, help="for a model name: e.g. 32x32x1")
    export.add_argument("--classes", type=int, default=10, help="for a model name")
    export.add_argument("--target", choices=("litert", "micro"), default="litert",
                        help="micro: int8 with int8 I/O, batch 1 and no metadata, plus <stem>.h/<stem>.cc for "
                             "TFLite Micro (the model as a C array and its measured arena size)")
    export.set_defaults(run=_cmd_export)

    bench = subparsers.add_parser("bench", help="batch-1 latency and size of .tflite files under LiteRT")
    bench.add_argument("files", nargs="+", metavar="FILE.tflite")
    bench.add_argument("--threads", type=int, default=1)
    bench.add_argument("--runs", type=int, default=100)
    bench.add_argument("--data", default=None, help="also report accuracy: 'digits' or an IDX folder")
    bench.set_defaults(run=_cmd_bench)

    micro = subparsers.add_parser("micro", help="does a .tflite run under TensorFlow Lite Micro: arena (RAM) and flash")
    micro.add_argument("file", metavar="FILE.tflite")
    micro.add_argument("--data", default=None, help="inputs for the LiteRT agreement check (default: random images)")
    micro.add_argument("--samples", type=int, default=4, help="inputs run through both TFLM and LiteRT")
    micro.add_argument("--allow-float", action="store_true", help="measure a model that is not int8 anyway")
    micro.set_defaults(run=_cmd_micro)
