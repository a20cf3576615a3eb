"""Quiet command line: what native code writes to stderr goes to /dev/null unless `keras-cnns --verbose`.

TensorFlow prints its start-up lines (oneDNN, CUDA, CPU features) before its logging is set up, whatever
TF_CPP_MIN_LOG_LEVEL says, and the TFLite converter and LiteRT print their informational lines from C++. The
only switch for all of them is the file descriptor: file descriptor 2 is pointed at /dev/null while Python's
`sys.stderr` (our one-line errors and warnings) stays on the terminal; TensorFlow's and LiteRT's own Python
warnings and log records below ERROR are dropped too. Importing `keras_cnns` imports TensorFlow,
so the CLI process starts this from the package's `__init__`, before that import; this module imports nothing
heavy.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings

QUIET_LOGGERS = ("absl", "tensorflow", "h5py")
_active = False


def _is_cli_process() -> bool:
    arguments = getattr(sys, "orig_argv", sys.argv)
    as_module = any(arguments[i:i + 2] == ["-m", "keras_cnns.cli"] for i in range(len(arguments)))
    return as_module or os.path.basename(sys.argv[0]) == "keras-cnns"


def wants_logs(argv) -> bool:
    """Whether `--verbose` comes before the subcommand."""
    for argument in argv:
        if not argument.startswith("-"):
            return False
        if argument == "--verbose":
            return True
    return False


def _silence():
    """Point file descriptor 2 at /dev/null, keeping Python's stderr on the old target; returns an undo."""
    global _active
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        python_uses_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # replaced by a capture (pytest) or closed
        python_uses_fd2 = False
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    previous_stderr = sys.stderr
    if python_uses_fd2:
        sys.stderr = io.TextIOWrapper(io.FileIO(os.dup(saved), "w"), encoding=previous_stderr.encoding,
                                      errors="backslashreplace", line_buffering=True)
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in levels:
        logging.getLogger(name).setLevel(logging.ERROR)
    filters = warnings.filters[:]
    warnings.filterwarnings("ignore", module=r"(tensorflow|tf_keras|ai_edge_litert)(\.|$)")
    _active = True

    def undo():
        global _active
        if sys.stderr is not previous_stderr:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = previous_stderr
        os.dup2(saved, 2)
        os.close(saved)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        warnings.filters[:] = filters
        _active = False

    return undo


def silence_cli_process() -> None:
    """Called by `keras_cnns/__init__` first: in the `keras-cnns` process, silence native logs for good."""
    if not _active and _is_cli_process() and not wants_logs(sys.argv[1:]):
        _silence()


@contextlib.contextmanager
def native_logs_silenced(argv):
    """For `cli.main` called in a process that did not start silenced (tests, scripts): silence, then undo."""
    if _active or wants_logs(argv):
        yield
        return
    undo = _silence()
    try:
        yield
    finally:
        undo()
