"""Hardware figures of a Keras model: parameters and multiply-adds from the graph, and the size and LiteRT
batch-1 latency of its int8 `.tflite` (exported in memory through `tflite`), optionally a microcontroller's
RAM (tensor arena) and flash from `tflite.micro_report` of the export TFLite Micro runs (int8 input and output,
batch 1: `micro_flatbuffer`).

The converter shares identical constant buffers, so an untrained model (zero biases, identity batch
normalization) exports much smaller than it will be trained (24.9 KB against 47.1 KB for one small ResNet).
`int8_size_estimate` exports a copy whose weights are random and positive instead, which leaves nothing to
share: a search rejects a configuration whose estimate already breaks a size limit before training it
(46.6 KB for that ResNet), and measures the trained model again. KB are 1,000 bytes.
"""

from __future__ import annotations

from keras_cnns.checks import check_int
from keras_cnns.flops import count_multiply_adds

LATENCY_RUNS = 20
LATENCY_WARMUP = 3
CALIBRATION_SAMPLES = 64


def graph_figures(model) -> dict:
    """Parameters and multiply-adds per image, read from the built graph (no export)."""
    return {"params": int(model.count_params()), "macs": int(count_multiply_adds(model))}


def micro_report_function():
    """`tflite.micro_report`, imported on first use; a ValueError says so where tflite/micro.py is absent."""
    try:
        from tflite.micro import micro_report
    except ImportError:
        raise ValueError("the 'ram' and 'flash' objectives and max_ram_kb / max_flash_kb need tflite.micro_report "
                         "(tflite/micro.py), which this installation lacks; drop them or update keras_cnns") from None
    return micro_report


def micro_flatbuffer(model, representative_images, strip_metadata: bool = False) -> bytes:
    """`model` exported as TFLite Micro runs it (docs/micro.md): full-integer int8 with int8 input and output,
    batch 1 (static shapes), calibrated on up to CALIBRATION_SAMPLES images; `strip_metadata` drops tensor
    names and the conversion metadata (`tflite.export`'s option)."""
    from tflite.export import MICRO_FORM, convert

    return convert(model, "int8", representative_images, strip_metadata=strip_metadata,
                   representative_samples=min(CALIBRATION_SAMPLES, len(representative_images)), **MICRO_FORM)


def micro_summary(flatbuffer: bytes, arena_hint: int | None = None) -> dict:
    """`tflite.micro_report(flatbuffer, strict=False)`, less its per-sample details: runs, reason, ops,
    arena_bytes (None where it does not run) and flash_bytes. `arena_hint`: micro_report's."""
    report = micro_report_function()(flatbuffer, strict=False, arena_hint=arena_hint)
    return {k: report[k] for k in ("runs", "reason", "ops", "arena_bytes", "flash_bytes")}


def micro_figures_of(summary: dict) -> dict:
    """Trial figures of a `micro_summary`: micro_runs (1.0 or 0.0), flash_kb, and ram_kb where the model runs
    (TFLite Micro measured no arena for one it cannot run)."""
    figures = {"micro_runs": float(summary["runs"]), "flash_kb": summary["flash_bytes"] / 1000}
    if summary["runs"]:
        figures["ram_kb"] = summary["arena_bytes"] / 1000
    return figures


def micro_figures(flatbuffer: bytes) -> dict:
    """RAM (tensor arena) and flash of an int8 flatbuffer (`micro_flatbuffer`) under TFLite Micro."""
    return micro_figures_of(micro_summary(flatbuffer))


def int8_flatbuffer(model, representative_images, strip_metadata: bool = False) -> bytes:
    """`model` as a full-integer `.tflite` flatbuffer, calibrated on up to CALIBRATION_SAMPLES images (tensor
    names and conversion metadata dropped with `strip_metadata`)."""
    from tflite.export import convert

    return convert(model, "int8", representative_images, strip_metadata=strip_metadata,
                   representative_samples=min(CALIBRATION_SAMPLES, len(representative_images)))


def random_weights_copy(model, seed: int = 0):
    """A copy of `model` whose weights are random and positive (see the module docstring)."""
    import keras
    import numpy as np

    rng = np.random.default_rng(seed)
    copy = keras.models.clone_model(model)
    copy.set_weights([rng.uniform(0.5, 1.5, weight.shape).astype(weight.dtype) for weight in model.get_weights()])
    return copy


def int8_size_estimate(model, representative_images, seed: int = 0, strip_metadata: bool = False) -> int:
    """Bytes of the int8 `.tflite` of a copy of `model` with random positive weights (see the module docstring)."""
    return len(int8_flatbuffer(random_weights_copy(model, seed), representative_images, strip_metadata))


def perturbed_copy(model, seed: int = 0):
    """A copy of `model` whose every weight is its initial value plus a random 0 to 0.01: no two constant
    buffers alike (nothing for the converter to share), activations on the initial scale. (Random positive
    weights, as `random_weights_copy` sets, blow activations up through a deep net, to a model LiteRT aborts
    the process preparing.)"""
    import keras
    import numpy as np

    rng = np.random.default_rng(seed)
    copy = keras.models.clone_model(model)
    copy.set_weights([(weight + rng.uniform(0.0, 0.01, weight.shape)).astype(weight.dtype)
                      for weight in model.get_weights()])
    return copy


def micro_estimate(model, representative_images, seed: int = 0, strip_metadata: bool = False) -> dict:
    """`micro_figures` of the int8-I/O batch-1 export of a `perturbed_copy` of an untrained `model`: its arena
    that of any weights (tensor shapes set it), its flash close to the trained model's (nothing shared)."""
    return micro_figures(micro_flatbuffer(perturbed_copy(model, seed), representative_images, strip_metadata))


def int8_figures(model, representative_images, *, latency_runs: int = LATENCY_RUNS, threads: int = 1,
                 micro: bool = False, strip_metadata: bool = False) -> dict:
    """Size (KB) and median LiteRT batch-1 latency (ms) of `model` exported to int8 `.tflite` in memory."""
    from tflite.litert import benchmark

    check_int("latency_runs", latency_runs, min_value=1)
    flatbuffer = int8_flatbuffer(model, representative_images, strip_metadata)
    timing = benchmark(flatbuffer, threads=threads, runs=latency_runs, warmup=LATENCY_WARMUP)
    figures = {"size_bytes": len(flatbuffer), "size_kb": len(flatbuffer) / 1000, "latency_ms": timing["median_ms"]}
    if micro:
        figures.update(micro_figures(micro_flatbuffer(model, representative_images, strip_metadata)))
    return figures


def measure(model, representative_images, *, latency_runs: int = LATENCY_RUNS, threads: int = 1,
            micro: bool = False, strip_metadata: bool = False) -> dict:
    """params, macs, size_bytes, size_kb, latency_ms (and micro_runs, flash_kb, ram_kb with `micro=True`) of `model`."""
    return {**graph_figures(model), **int8_figures(model, representative_images, latency_runs=latency_runs,
                                                   threads=threads, micro=micro, strip_metadata=strip_metadata)}
