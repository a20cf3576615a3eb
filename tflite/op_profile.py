"""Where a `.tflite` file's time goes, operator by operator, under the same LiteRT interpreter that times it.

The `ai_edge_litert` wheel exposes no per-operator profiler to Python (its libLiteRt has a profiler C API
for CompiledModel, but neither the Python Interpreter nor the CompiledModel wrapper reaches it, and no
`benchmark_model` binary ships with the wheel), so each operator is measured by what it is alone:
every operator of the file is cut out into a one-operator `.tflite` model with the very same tensors
(shapes, types, quantization parameters, weights and options), fed the values its inputs take in a run of
the whole file, and timed under LiteRT with the default XNNPACK delegate and the same threads. Each row
also says whether XNNPACK took the operator (a delegate kernel replaced it) or whether it ran on the
builtin TFLite kernel. What this leaves out: the delegate's work across operators (XNNPACK plans the whole
graph at once, so a one-op model can also pay a little per-call overhead the full graph shares); the sum
of the rows is reported beside the whole file's latency so the reader sees how closely they add up.
"""

from __future__ import annotations

import copy
import os
import warnings

import numpy as np

from keras_cnns.checks import check_float, check_int, check_type
from tflite.litert import invoke_seconds

DELEGATE_NODE = "DELEGATE"  # the op name of the node a delegate kernel put in place of the operator


def _content(model) -> bytes:
    if isinstance(model, (bytes, bytearray)):
        return bytes(model)
    if not isinstance(model, (str, os.PathLike)) or not os.path.isfile(model):
        raise ValueError(f"model must be a .tflite file's path or its bytes; got {model!r:.80}")
    with open(model, "rb") as handle:
        return handle.read()


def _read_model(flatbuffer: bytes):
    from tensorflow.lite.tools import flatbuffer_utils

    return flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))


def _single_op_model(model, op_index: int, values: dict) -> tuple[bytes, list[int], list[int]]:
    """A one-operator flatbuffer holding operator `op_index` of subgraph 0, and the original indices of its
    (non-constant) inputs and outputs. The shapes are those the tensors took in the whole model's run
    (`values`): a file exported with a resizable batch stores placeholder shapes for some of them."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    graph = model.subgraphs[0]
    op = graph.operators[op_index]
    used = [index for index in (*op.inputs, *op.outputs) if index >= 0]
    used = list(dict.fromkeys(used))
    new_index = {old: new for new, old in enumerate(used)}
    buffers = [schema.BufferT()]  # buffer 0 is the empty sentinel
    tensors = []
    for old in used:
        tensor = copy.copy(graph.tensors[old])
        data = model.buffers[tensor.buffer].data if tensor.buffer < len(model.buffers) else None
        if data is not None and len(data) and old not in op.outputs:
            buffer = schema.BufferT()
            buffer.data = data
            buffers.append(buffer)
            tensor.buffer = len(buffers) - 1
        else:
            tensor.buffer = 0
            if old in values:
                tensor.shape = np.array(values[old].shape, dtype=np.int32)
                tensor.shapeSignature = None
        tensors.append(tensor)
    constant = {old for old in used if tensors[new_index[old]].buffer != 0}
    inputs = [old for old in op.inputs if old >= 0 and old not in constant]
    outputs = list(op.outputs)
    single = schema.OperatorT()
    single.opcodeIndex = op.opcodeIndex
    single.builtinOptionsType = op.builtinOptionsType
    single.builtinOptions = op.builtinOptions
    single.customOptions = op.customOptions
    single.inputs = [new_index[old] if old >= 0 else -1 for old in op.inputs]
    single.outputs = [new_index[old] for old in op.outputs]
    subgraph = schema.SubGraphT()
    subgraph.tensors = tensors
    subgraph.inputs = [new_index[old] for old in inputs]
    subgraph.outputs = [new_index[old] for old in outputs]
    subgraph.operators = [single]
    result = schema.ModelT()
    result.version = model.version
    result.operatorCodes = model.operatorCodes
    result.subgraphs = [subgraph]
    result.buffers = buffers
    return bytes(flatbuffer_utils.convert_object_to_bytearray(result)), inputs, outputs


def _tensor_values(flatbuffer: bytes, seed: int) -> dict[int, np.ndarray]:
    """Every tensor's value in one run of the whole model on a random input (the inputs the operators see)."""
    from ai_edge_litert.interpreter import Interpreter

    with warnings.catch_warnings():  # "intended for debugging purposes only": reading every tensor is the point
        warnings.simplefilter("ignore")
        interpreter = Interpreter(model_content=flatbuffer, experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    rng = np.random.default_rng(seed)
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], _random_like(detail, rng))
    interpreter.invoke()
    values = {}
    for detail in interpreter.get_tensor_details():
        try:
            values[detail["index"]] = interpreter.get_tensor(detail["index"])
        except ValueError:  # tensors without data (the file's empty placeholders)
            continue
    return values


def _random_like(detail, rng) -> np.ndarray:
    dtype = np.dtype(detail["dtype"])
    if np.issubdtype(dtype, np.floating):
        return rng.random(detail["shape"], dtype=np.float32).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=detail["shape"], endpoint=True).astype(dtype)


def op_timings(model, threads: int = 2, runs: int = 30, warmup: int = 3, seed: int = 0) -> list[dict]:
    """Each operator of subgraph 0 of `model` (a `.tflite` path or its bytes) timed alone (see the module
    docstring), in graph order.

    Returns one dict per operator: index, op (builtin name), output (the output tensor's name, which names the
    Keras layer it came from), shape, dtype, xnnpack (whether the XNNPACK delegate took it) and median_us.
    """
    from ai_edge_litert.interpreter import Interpreter
    from tensorflow.lite.tools import flatbuffer_utils

    check_int("threads", threads, min_value=1)
    check_int("runs", runs, min_value=1)
    check_int("warmup", warmup, min_value=0)
    flatbuffer = _content(model)
    model = _read_model(flatbuffer)
    graph = model.subgraphs[0]
    values = _tensor_values(flatbuffer, seed)
    rows = []
    for index, op in enumerate(graph.operators):
        content, inputs, outputs = _single_op_model(model, index, values)
        interpreter = Interpreter(model_content=content, num_threads=threads)
        interpreter.allocate_tensors()
        for position, detail in zip(inputs, interpreter.get_input_details()):
            interpreter.set_tensor(detail["index"], values[position])
        delegated = any(node["op_name"] == DELEGATE_NODE for node in interpreter._get_ops_details())
        output = graph.tensors[outputs[0]]
        name = output.name.decode() if isinstance(output.name, bytes) else (output.name or "")
        shape = values[outputs[0]].shape if outputs[0] in values else output.shape
        rows.append({"index": index, "op": flatbuffer_utils.opcode_to_name(model, op.opcodeIndex),
                     "output": name, "shape": [int(d) for d in shape],
                     "dtype": flatbuffer_utils.type_to_name(output.type).lower(), "xnnpack": delegated,
                     "median_us": float(np.median(invoke_seconds(interpreter, runs, warmup))) * 1e6})
    return rows


def moved_operators(before: list[dict], after: list[dict], min_ratio: float = 1.25, min_us: float = 2.0) -> list[dict]:
    """The operators whose time moved between two `op_timings` runs (of one file, or of two versions of it).

    Operators are paired by type, output tensor name and shape (the n-th of a kind with the n-th), so a file
    that gained or lost operators still pairs the rest. An operator moved when its median changed by at least
    `min_ratio` either way and by at least `min_us` microseconds (one-operator timings of a few microseconds
    wander by more than a ratio). Returns one dict per moved, added or removed operator, the largest change
    in microseconds first: op, output, shape, before_us, after_us (None where the operator is absent), ratio
    (after / before, None likewise) and change ("slower", "faster", "added" or "removed").
    """
    check_float("min_ratio", min_ratio, min_value=1.0, min_inclusive=False)
    check_float("min_us", min_us, min_value=0.0)
    pairs = {}
    for argument, rows in (("before", before), ("after", after)):
        check_type(argument, rows, (list, tuple))
        for row in rows:
            check_type(f"{argument} entry", row, dict)
            missing = {"op", "output", "shape", "median_us"} - set(row)
            if missing:
                raise ValueError(f"{argument} entries must be op_timings rows; one lacks {sorted(missing)}")
            key = row["op"], row["output"], tuple(row["shape"])
            pairs.setdefault(key, ([], []))[argument == "after"].append(row["median_us"])
    moved = []
    for (op, output, shape), (old_times, new_times) in pairs.items():
        for position in range(max(len(old_times), len(new_times))):
            old = old_times[position] if position < len(old_times) else None
            new = new_times[position] if position < len(new_times) else None
            if old is None or new is None:
                change, ratio = ("added" if old is None else "removed"), None
            else:
                ratio = new / old if old > 0 else (1.0 if new == 0 else float("inf"))
                if abs(new - old) < min_us or 1 / min_ratio < ratio < min_ratio:
                    continue
                change = "slower" if new > old else "faster"
            moved.append({"op": op, "output": output, "shape": list(shape), "before_us": old, "after_us": new,
                          "ratio": ratio, "change": change})
    return sorted(moved, key=lambda row: -abs((row["after_us"] or 0.0) - (row["before_us"] or 0.0)))
