"""Worker process of `tflite.micro`: tries TFLite Micro arena sizes for one model, one size per stdin line.

It runs apart from the caller because the TFLM runtime can crash (segmentation fault) when an allocation fails in
some kernels' set-up, which would take the caller with it. Per size it writes one JSON line to stdout,
{"allocates": bool}; what the runtime printed for that size (its error lines) is in the log file, rewritten per
size, so that the caller can still read it after a crash.

    python tflite/micro_probe.py MODEL.tflite LOG_FILE
"""

import json
import os
import sys

from tflite_micro.python.tflite_micro import runtime


def main(model_path: str, log_path: str) -> None:
    with open(model_path, "rb") as stream:
        model = stream.read()
    replies = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        with open(log_path, "wb") as log:
            os.dup2(log.fileno(), 1)  # the runtime prints on both; keep the replies' stream clean
            os.dup2(log.fileno(), 2)
            try:
                runtime.Interpreter.from_bytes(model, arena_size=int(line))
                allocates = True
            except RuntimeError:
                allocates = False
        replies.write(json.dumps({"allocates": allocates}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main(*sys.argv[1:3])
