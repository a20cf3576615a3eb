"""`keras-cnns` command line: list and describe models, and run the main job on the digits."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from keras_cnns.quiet import native_logs_silenced

README_TABLE_START = "<!-- model-table:start -->"
README_TABLE_END = "<!-- model-table:end -->"


def model_table_markdown() -> str:
    """The README's model table, measured from the registry (parameters and multiply-adds of the graph)."""
    from keras_cnns import list_models, model_info

    rows = [
        "| model | family | paper | year | input | parameters | multiply-adds |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for name in list_models():
        info = model_info(name)
        shape = "x".join(str(d) for d in info["input_shape"])
        paper = f"[{info['paper']}]({info['url']})" if info["url"] else info["paper"]
        rows.append(
            f"| `{name}` | {info['family']} | {paper} | {info['year']} | {shape} | {info['parameters']:,} "
            f"| {info['flops'] / 1e6:,.1f} M |"
        )
    return "\n".join(rows)


def update_readme_table(path: str) -> bool:
    """Rewrite the table between the README's markers; returns whether the file changed."""
    from keras_cnns.files import replace_between_markers

    return replace_between_markers(path, README_TABLE_START, README_TABLE_END, model_table_markdown())


def _cmd_list(args):
    from keras_cnns import list_models

    names = list_models(args.pattern, family=args.family)
    if not names:
        raise ValueError(f"no registered model matches {args.pattern!r}"
                         + (f" in family {args.family!r}" if args.family else "") + "; see `keras-cnns list`")
    for name in names:
        print(name)


def _cmd_info(args):
    from keras_cnns import model_info

    for key, value in model_info(args.model).items():
        print(f"{key:22s} {value:,}" if isinstance(value, int) and key != "year" else f"{key:22s} {value}")


def _cmd_table(args):
    if args.update:
        changed = update_readme_table(args.update)
        print(f"{args.update}: {'updated' if changed else 'already up to date'}")
    else:
        print(model_table_markdown())


def _cmd_demo(args):
    from keras_cnns.demo import run_demo

    result = run_demo(model_name=args.model, epochs=args.epochs, out_dir=args.out)
    if not args.no_tflite:
        from tflite.demo import deploy_int8

        deploy_int8(result)


# Modules that add subcommands: each defines `add_commands(subparsers)`; a handler is set with
# `parser.set_defaults(run=function_of_args)`. The CLI sits above every package, so tflite/ and tuning/
# register their commands here too.
COMMAND_MODULES = ("keras_cnns.training", "keras_cnns.visualize", "tflite.commands", "tflite.zoo", "tuning.commands")


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line (argparse prints the usage first) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog="keras-cnns", description=__doc__)
    parser.add_argument("--verbose", dest="show_logs", action="store_true",
                        help="show TensorFlow's, the converter's and LiteRT's own log lines (before the command)")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list registered models")
    listing.add_argument("pattern", nargs="?", default=None, help="shell-style pattern, e.g. 'vgg*'")
    listing.add_argument("--family", default=None)
    listing.set_defaults(run=_cmd_list)

    info = commands.add_parser("info", help="paper, input shape, parameters and multiply-adds of a model")
    info.add_argument("model")
    info.set_defaults(run=_cmd_info)

    table = commands.add_parser("table", help="print the README model table (or rewrite it in a file)")
    table.add_argument("--update", metavar="README", default=None)
    table.set_defaults(run=_cmd_table)

    demo = commands.add_parser("demo", help="the main job: train a zoo model on scikit-learn's digits")
    demo.add_argument("--model", default="lenet5_modern")
    demo.add_argument("--epochs", type=int, default=15)
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--no-tflite", action="store_true", help="skip the int8 .tflite export and its check")
    demo.set_defaults(run=_cmd_demo)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(commands)
    return parser


def _show_warning_in_one_line(message, category, filename, lineno, file=None, line=None):
    print(f"keras-cnns: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    with native_logs_silenced(argv), warnings.catch_warnings():
        warnings.showwarning = _show_warning_in_one_line
        args = build_parser().parse_args(argv)
        try:
            args.run(args)
        except (ValueError, TypeError) as err:
            print(f"keras-cnns {args.command}: error: {err}", file=sys.stderr)
            return 2
        except OSError as err:  # an unwritable folder, a full disk: the system's own words are the message
            print(f"keras-cnns {args.command}: error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"keras-cnns {args.command}: interrupted", file=sys.stderr)
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
