"""Worker process of `tflite.micro`: tries TFLite Micro arena sizes for one model, one size per stdin line
("N", or "N invoke INPUTS.npz" to also run the model at that size on the samples in INPUTS.npz, whose arrays
are named s<sample>_i<input>).

It runs apart from the caller because the TFLM runtime can crash (segmentation fault) when an allocation fails in
some kernels' set-up or evaluation (an abort), which would take the caller with it. Per size it writes one JSON line
to stdout, {"allocates": bool, "invokes": bool or None}; what the runtime printed for that size (its error lines) is in the log file, rewritten per
size, so that the caller can still read it after a crash.

    python tflite/micro_probe.py MODEL.tflite LOG_FILE
"""

import json
import os
import sys

import numpy as np

from tflite_micro.python.tflite_micro import runtime


def main(model_path: str, log_path: str) -> None:
    with open(model_path, "rb") as stream:
        model = stream.read()
    replies = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        with open(log_path, "wb") as log:
            os.dup2(log.fileno(), 1)  # the runtime prints on both; keep the replies' stream clean
            os.dup2(log.fileno(), 2)
            size, *command = line.split()
            allocates, invokes = False, None
            try:
                interpreter = runtime.Interpreter.from_bytes(model, arena_size=int(size))
                allocates = True
                if command[:1] == ["invoke"]:
                    invokes = False
                    with np.load(command[1]) as samples:
                        for sample in sorted({key.split("_")[0] for key in samples.files}):
                            for key in sorted(k for k in samples.files if k.startswith(f"{sample}_")):
                                interpreter.set_input(samples[key], int(key.split("_i")[1]))
                            interpreter.invoke()
                    invokes = True
            except RuntimeError:
                pass
        replies.write(json.dumps({"allocates": allocates, "invokes": invokes}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main(*sys.argv[1:3])
