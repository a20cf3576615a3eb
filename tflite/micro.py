"""TensorFlow Lite Micro: whether a `.tflite` model runs on the microcontroller runtime, in how much RAM (the
tensor arena, found by search) and flash (the flatbuffer), and its export as C source for a TFLM project.

The runtime is the `tflite-micro` package's Python interpreter: the real TFLM C++ runtime with its reference
kernels, built for this (64-bit) host. Measured here, not estimated:

- the arena: the smallest `arena_size` in which the interpreter allocates every tensor (one byte less fails), then
  checked by invoking the model in it;
- the flash: the bytes of the `.tflite` flatbuffer, which is what a TFLM project compiles into its C array.
  The code size of the TFLM runtime and kernels that the firmware links in is not measured.

Caveats of the host measurement: the arena's persistent structures (`TfLiteEvalTensor`, node and registration
structs) hold pointers, 8 bytes here and 4 on a 32-bit Cortex-M, so the host's figure for them is an upper
bound; optimized kernel libraries (CMSIS-NN, ...) may request scratch buffers that the reference kernels do not.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from keras_cnns.checks import check_bool, check_int

MIN_ARENA_SEARCH_START = 1024
DEFAULT_MAX_ARENA_BYTES = 64 * 1024 * 1024
C_LINE_BYTES = 12


@contextlib.contextmanager
def _native_stderr():
    """Collect what the TFLM runtime prints from C++ on file descriptor 2 (errors, allocation records) into a
    list of lines, instead of letting it reach the terminal."""
    sys.stderr.flush()
    lines: list[str] = []
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode(errors="replace").splitlines())


def _read_model(path_or_bytes) -> tuple[bytes, str]:
    """The flatbuffer and how to name it in messages; a ValueError if it is not a valid .tflite model."""
    from tflite.litert import load_interpreter

    if isinstance(path_or_bytes, (bytes, bytearray)):
        content, shown = bytes(path_or_bytes), f"<{len(path_or_bytes)} bytes>"
    elif isinstance(path_or_bytes, (str, os.PathLike)):
        path = os.fspath(path_or_bytes)
        load_interpreter(path)  # its ValueError names the file when it is missing, not TFLite, or truncated
        with open(path, "rb") as stream:
            return stream.read(), repr(path)
    else:
        raise TypeError(f"path_or_bytes must be a .tflite file path or its bytes; got {type(path_or_bytes).__name__}")
    load_interpreter(content)
    return content, shown


class _Attempt:
    """What became of the TFLM interpreter at one arena size: whether it allocated, and the runtime's lines."""

    def __init__(self, arena_bytes: int, allocates: bool, log: list[str], crash_signal: int | None = None,
                 invokes: bool | None = None):
        self.arena_bytes, self.allocates, self.log, self.crash_signal = arena_bytes, allocates, log, crash_signal
        self.invokes = invokes

    @property
    def missing_op(self) -> str | None:
        for line in self.log:
            match = re.search(r"Didn't find op for (?:builtin opcode|custom opcode) '([^']+)'", line)
            if match:
                return match.group(1)
        return None

    @property
    def out_of_memory(self) -> bool:
        """The runtime said an allocation failed (it may have crashed after saying so)."""
        # "Too many buffers (max is N)": the memory planner's buffer list, whose capacity comes out of the arena
        return any(re.search(r"Failed to (allocate|resize)|Requested: \d+, available|Too many buffers", line)
                   for line in self.log)


class _Prober:
    """Arena sizes tried in a worker process (tflite/micro_probe.py), restarted after the runtime crashes in it."""

    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "micro_probe.py")

    def __init__(self, flatbuffer: bytes):
        self.folder = tempfile.TemporaryDirectory(prefix="micro_probe_")
        self.model_path = os.path.join(self.folder.name, "model.tflite")
        self.log_path = os.path.join(self.folder.name, "log.txt")
        with open(self.model_path, "wb") as stream:
            stream.write(flatbuffer)
        self.process = None

    def _start(self):
        if self.process is not None:
            self.errors.close()
        self.errors = open(os.path.join(self.folder.name, "worker_errors.txt"), "w+")
        # -I: neither the script's folder (tflite/, whose module names could shadow others) nor PYTHONPATH
        self.process = subprocess.Popen([sys.executable, "-I", self.script, self.model_path, self.log_path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True)

    def try_arena(self, arena_bytes: int, inputs_path: str | None = None) -> _Attempt:
        if self.process is None or self.process.poll() is not None:
            self._start()
        try:
            self.process.stdin.write(f"{arena_bytes}{f' invoke {inputs_path}' if inputs_path else ''}\n")
            self.process.stdin.flush()
            reply = self.process.stdout.readline()
        except BrokenPipeError:
            reply = ""
        log = []
        if os.path.exists(self.log_path):
            with open(self.log_path, encoding="utf-8", errors="replace") as stream:
                log = stream.read().splitlines()
        if reply:
            answer = json.loads(reply)
            return _Attempt(arena_bytes, answer["allocates"], log, invokes=answer["invokes"])
        if self.process.wait() > 0:  # a Python error in the worker, not the runtime killed by a signal
            self.errors.seek(0)
            raise RuntimeError(f"the TFLite Micro probe process {self.process.args} failed: "
                               f"{self.errors.read()[-2000:]}")
        return _Attempt(arena_bytes, False, log, crash_signal=-self.process.returncode)

    def close(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.stdin.close()
                self.process.wait()
            self.errors.close()
        self.folder.cleanup()


def _smallest_arena(flatbuffer: bytes, max_arena_bytes: int, hint: int | None = None) -> _Attempt:
    """The smallest size that allocates (one byte less fails), or the failed attempt that says why none did.
    Doubling from 1 KiB finds a size that allocates, bisection the smallest (what fits in an arena fits in a
    larger one). A `hint` (the arena of a model of the same tensor shapes) is tried first, with one byte less:
    where it is not exact, it still bounds the search (from above if it allocates, from below if not)."""
    prober = _Prober(flatbuffer)
    try:
        low, size, works = 0, MIN_ARENA_SEARCH_START, None
        if hint is not None and MIN_ARENA_SEARCH_START <= hint <= max_arena_bytes:
            hinted = prober.try_arena(hint)
            if hinted.allocates:
                below = prober.try_arena(hint - 1)
                if not below.allocates:
                    return hinted
                works = below
            elif (hinted.out_of_memory or hinted.crash_signal) and not hinted.missing_op:
                low, size = hint, 2 * hint
        while works is None:
            attempt = prober.try_arena(min(size, max_arena_bytes))
            if attempt.allocates:
                works = attempt
                continue
            # Some kernels crash instead of reporting an allocation that failed in their set-up (a LeNet-5 did in
            # 4 KiB and allocated in 16): a larger arena is tried after a crash too.
            too_small = attempt.out_of_memory or attempt.crash_signal
            if attempt.missing_op or not too_small or attempt.arena_bytes >= max_arena_bytes:
                return attempt
            low, size = attempt.arena_bytes, size * 2
        while works.arena_bytes - low > 1:
            trial = prober.try_arena((low + works.arena_bytes) // 2)
            if trial.allocates:
                works = trial
            else:
                low = trial.arena_bytes
        return works
    finally:
        prober.close()


def _run_in_worker(flatbuffer: bytes, arena_bytes: int, inputs) -> _Attempt:
    """The samples run once in the worker process first: some kernels abort (SIGABRT) only on evaluating them."""
    prober = _Prober(flatbuffer)
    try:
        path = os.path.join(prober.folder.name, "inputs.npz")
        np.savez(path, **{f"s{sample:06d}_i{index}": array
                          for sample, arrays in enumerate(inputs) for index, array in enumerate(arrays)})
        return prober.try_arena(arena_bytes, path)
    finally:
        prober.close()


def _interpreter(flatbuffer: bytes, arena_bytes: int):
    """The TFLM interpreter in this process, at an arena size the worker process found to allocate."""
    from tflite_micro.python.tflite_micro import runtime

    with _native_stderr() as log:
        try:
            return runtime.Interpreter.from_bytes(flatbuffer, arena_size=arena_bytes)
        except RuntimeError:
            raise RuntimeError(f"TFLite Micro allocated this model in {arena_bytes:,} bytes in the probe process "
                               "but not here: " + " | ".join(log)) from None


def _allocation_breakdown(interpreter) -> dict:
    """The RecordingMicroAllocator's record after an invoke: arena total/head/tail and bytes per allocation kind."""
    with _native_stderr() as lines:
        interpreter.print_allocations()
    breakdown = {}
    for line in lines:
        total = re.search(r"Arena allocation (\w+) (\d+) bytes", line)
        kind = re.search(r"'([^']+)' used (\d+) bytes", line)
        if total:
            breakdown[total.group(1)] = int(total.group(2))
        elif kind:
            breakdown[kind.group(1)] = int(kind.group(2))
    return breakdown


def _sample_inputs(litert, data, samples: int, seed: int) -> list[list[np.ndarray]]:
    """Per sample, one array per model input in the input's own dtype (quantized like LiteRT's predict does)."""
    from tflite.datasets import resolve
    from tflite.litert import _quantize

    details = litert.get_input_details()
    rng = np.random.default_rng(seed)
    per_input = []
    for position, detail in enumerate(details):
        shape = tuple(int(d) for d in detail["shape"][1:])
        if data is not None and position == 0:
            images, _ = resolve(data, shape, argument="data", split="holdout", limit=samples)
            images = images[:samples]
        else:
            images = rng.random((samples, *shape), dtype=np.float32)
        per_input.append([_quantize(image[None], detail) for image in images])
    return [list(arrays) for arrays in zip(*per_input)]


def _invoke(interpreter) -> None:
    with _native_stderr() as log:
        try:
            interpreter.invoke()
        except RuntimeError:
            raise ValueError("TFLite Micro failed to invoke the model: " + " | ".join(log)) from None


def _compare_with_litert(interpreter, litert, inputs) -> dict:
    """TFLM against LiteRT on the same inputs: the largest output difference in the output's own units
    (quantization steps for integer outputs) and the fraction of samples whose argmax agrees."""
    max_diff, agreeing = 0.0, 0
    for sample in inputs:
        for index, (array, detail) in enumerate(zip(sample, litert.get_input_details())):
            interpreter.set_input(array, index)
            litert.set_tensor(detail["index"], array)
        _invoke(interpreter)
        litert.invoke()
        micro_outputs = [np.asarray(interpreter.get_output(i)) for i in range(len(litert.get_output_details()))]
        litert_outputs = [litert.get_tensor(d["index"]) for d in litert.get_output_details()]
        for micro, reference in zip(micro_outputs, litert_outputs):
            max_diff = max(max_diff, float(np.max(np.abs(micro.astype("float64") - reference.astype("float64")))))
        agreeing += int(micro_outputs[0].reshape(-1).argmax() == litert_outputs[0].reshape(-1).argmax())
    return {"litert_max_abs_diff": max_diff, "litert_argmax_agreement": agreeing / len(inputs)}


def micro_report(path_or_bytes, data=None, *, samples: int = 4, seed: int = 0, require_int8: bool = True,
                 max_arena_bytes: int = DEFAULT_MAX_ARENA_BYTES, strict: bool = True,
                 arena_hint: int | None = None) -> dict:
    """Whether a `.tflite` model runs under TensorFlow Lite Micro, its smallest arena and its flash size.

    Args:
        path_or_bytes: a `.tflite` file or its bytes.
        data: inputs for the LiteRT agreement check (array, 'digits' or an IDX folder; the first `samples`
            images); None draws `samples` uniform random images in [0, 1), quantized to the input's type.
        samples: how many inputs are run through both TFLM and LiteRT.
        require_int8: microcontroller deployments run full-integer models, so by default a model that is not
            int8 (float32, dynamic-range, float16 or int16x8) is refused. TFLite Micro's reference kernels do run
            float32 models: pass False to measure one anyway.
        max_arena_bytes: the largest arena tried; a model that needs more does not run.
        strict: raise a ValueError when the model does not run under TFLM (an op TFLM lacks, or an arena over
            `max_arena_bytes`); with False, return the report with runs=False and the reason instead.
        arena_hint: an arena size to try first (say, that of the same graph with other weights): where it
            allocates and one byte less does not, the search ends there; otherwise it runs in full.

    Returns:
        A dict: runs (bool), reason (None or why not), ops (operator names), quantization, flash_bytes (the
        flatbuffer's bytes, what the firmware stores as its C array; the TFLM runtime's own code size is not
        counted), arena_bytes (the smallest tensor arena in which every tensor allocates, found by doubling then
        bisection to the byte, and in which the samples are then invoked), arena_breakdown (the recording
        allocator's head/tail/total and bytes per kind at that size), litert_max_abs_diff (largest difference of
        TFLM's and LiteRT's raw outputs, in quantization steps for integer outputs), litert_argmax_agreement,
        samples.
    """
    from tflite.export import ops_in
    from tflite.litert import describe_quantization, load_interpreter

    check_int("samples", samples, min_value=1)
    check_int("seed", seed)
    check_bool("require_int8", require_int8)
    check_int("max_arena_bytes", max_arena_bytes, min_value=MIN_ARENA_SEARCH_START)
    check_bool("strict", strict)
    if arena_hint is not None:
        check_int("arena_hint", arena_hint, min_value=1)
    flatbuffer, shown = _read_model(path_or_bytes)
    quantization = describe_quantization(flatbuffer)
    report = {"runs": False, "reason": None, "ops": ops_in(flatbuffer), "quantization": quantization,
              "flash_bytes": len(flatbuffer), "arena_bytes": None, "arena_breakdown": None,
              "litert_max_abs_diff": None, "litert_argmax_agreement": None, "samples": 0}
    if require_int8 and quantization != "int8":
        raise ValueError(
            f"path_or_bytes {shown} is a {quantization!r} model, but micro_report measures full-integer models as "
            "microcontrollers run them: export with quantization='int8' (TFLite Micro's reference kernels also run "
            "float32 models: pass require_int8=False to measure this one anyway)")
    works = _smallest_arena(flatbuffer, max_arena_bytes, arena_hint)
    if not works.allocates:
        missing = works.missing_op
        if missing:
            report["reason"] = f"TFLite Micro has no kernel for op {missing}"
        elif works.out_of_memory:
            report["reason"] = f"needs a tensor arena over max_arena_bytes={max_arena_bytes:,}"
        elif works.crash_signal:
            report["reason"] = (
                f"the TFLite Micro runtime crashed (signal {works.crash_signal}) preparing the model in a "
                f"{works.arena_bytes:,}-byte arena, without a message: a kernel's set-up aborted (TFLM aborts, for "
                "one, preparing an int8 SOFTMAX whose input scale is below about 1.5e-8, as untrained deep nets' "
                "near-zero logits give)")
        else:
            report["reason"] = "TFLite Micro failed to allocate it: " + " | ".join(works.log)
            if "SHAPE" in report["ops"]:
                report["reason"] += (" (the model computes shapes at run time: export it with batch_size=1 for "
                                     "static shapes)")
        if strict:
            raise ValueError(f"path_or_bytes {shown} does not run under TFLite Micro: {report['reason']}"
                             + (" (replace the layer that lowers to it)" if missing else ""))
        return report
    litert = load_interpreter(flatbuffer)
    inputs = _sample_inputs(litert, data, samples, seed)
    evaluated = _run_in_worker(flatbuffer, works.arena_bytes, inputs)
    if evaluated.crash_signal:
        report["reason"] = (f"the TFLite Micro runtime crashed (signal {evaluated.crash_signal}) running the model "
                            f"on the samples in a {works.arena_bytes:,}-byte arena, where it allocates: a kernel "
                            "aborted")
        if strict:
            raise ValueError(f"path_or_bytes {shown} does not run under TFLite Micro: {report['reason']}")
        report["arena_bytes"] = works.arena_bytes
        return report
    interpreter = _interpreter(flatbuffer, works.arena_bytes)
    try:
        report.update(_compare_with_litert(interpreter, litert, inputs))
    except ValueError as err:  # allocated, but a kernel failed at run time
        if strict:
            raise ValueError(f"path_or_bytes {shown} does not run under TFLite Micro: {err}") from None
        report.update(reason=str(err), arena_bytes=works.arena_bytes)
        return report
    report.update(runs=True, arena_bytes=works.arena_bytes, arena_breakdown=_allocation_breakdown(interpreter),
                  samples=len(inputs))
    return report


def micro_predict(path_or_bytes, images, *, require_int8: bool = True) -> np.ndarray:
    """Float outputs of the model's first output for `images`, run one by one under TensorFlow Lite Micro in the
    smallest arena that works (inputs quantized and outputs dequantized as `tflite.predict` does under LiteRT).

    `images`: an array (n, *input shape), 'digits' or an IDX folder (its holdout split, fitted to the input).
    """
    from tflite.datasets import resolve
    from tflite.litert import _dequantize, _quantize, describe_quantization, load_interpreter

    check_bool("require_int8", require_int8)
    flatbuffer, shown = _read_model(path_or_bytes)
    quantization = describe_quantization(flatbuffer)
    if require_int8 and quantization != "int8":
        raise ValueError(f"path_or_bytes {shown} is a {quantization!r} model; micro_predict runs full-integer "
                         "models unless require_int8=False")
    litert = load_interpreter(flatbuffer)
    input_detail, output_detail = litert.get_input_details()[0], litert.get_output_details()[0]
    images, _ = resolve(images, tuple(int(d) for d in input_detail["shape"][1:]), argument="images",
                        split="holdout")
    works = _smallest_arena(flatbuffer, DEFAULT_MAX_ARENA_BYTES)
    if not works.allocates:
        raise ValueError(f"path_or_bytes {shown} does not run under TFLite Micro; see tflite.micro_report")
    interpreter = _interpreter(flatbuffer, works.arena_bytes)
    outputs = []
    for image in images:
        interpreter.set_input(_quantize(image[None], input_detail), 0)
        _invoke(interpreter)
        outputs.append(_dequantize(np.asarray(interpreter.get_output(0)), output_detail))
    return np.concatenate(outputs)


def _c_identifier(name) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"name must be a C identifier (letters, digits, underscores, not starting with a digit), "
                         f"e.g. 'lenet_model'; got {name!r}")
    return name


def export_c(path, out_dir, name: str, *, require_int8: bool = True) -> dict:
    """Write `<out_dir>/<name>.h` and `<name>.cc`: the `.tflite` model as a 16-byte aligned byte array `name`, its
    length `name_len` and the measured arena size `name_arena_bytes` (from `micro_report`), as a TFLite Micro
    project includes them.

    Nothing is written unless the model runs under TFLM; each file is written atomically.
    Returns {"header", "source", "flash_bytes", "arena_bytes"}.
    """
    from keras_cnns.files import write_atomically

    name = _c_identifier(name)
    if isinstance(out_dir, (bytes, bytearray)) or not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir must be a folder path (str); got {type(out_dir).__name__}")
    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise ValueError(f"out_dir must be an existing folder; got {out_dir!r}")
    flatbuffer, shown = _read_model(path)
    report = micro_report(flatbuffer, require_int8=require_int8)
    source_name = os.path.basename(os.fspath(path)) if not isinstance(path, (bytes, bytearray)) else shown
    guard = f"{name.upper()}_H_"
    header = (
        f"// {source_name} for TensorFlow Lite Micro, written by keras_cnns' tflite.export_c.\n"
        f"// {name}_arena_bytes: the smallest tensor arena this model allocated and ran in, measured with TFLM's\n"
        "// reference kernels on a 64-bit host (32-bit targets need less for pointer-holding structs; optimized\n"
        "// kernels such as CMSIS-NN may ask for extra scratch).\n"
        f"#ifndef {guard}\n#define {guard}\n\n"
        f"extern const unsigned char {name}[];\n"
        f"extern const unsigned int {name}_len;\n"
        f"constexpr unsigned int {name}_arena_bytes = {report['arena_bytes']};\n\n"
        f"#endif  // {guard}\n"
    )
    rows = ",\n".join("  " + ", ".join(f"0x{byte:02x}" for byte in flatbuffer[start:start + C_LINE_BYTES])
                      for start in range(0, len(flatbuffer), C_LINE_BYTES))
    source = (
        f'#include "{name}.h"\n\n'
        f"alignas(16) const unsigned char {name}[] = {{\n{rows}\n}};\n"
        f"const unsigned int {name}_len = {len(flatbuffer)};\n"
    )
    header_path, source_path = os.path.join(out_dir, f"{name}.h"), os.path.join(out_dir, f"{name}.cc")
    write_atomically(header_path, header.encode())
    write_atomically(source_path, source.encode())
    return {"header": header_path, "source": source_path, "flash_bytes": len(flatbuffer),
            "arena_bytes": report["arena_bytes"]}
