"""`.tflite` export of Keras models with TFLite's post-training quantization, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import warnings

import numpy as np

from keras_cnns.checks import check_bool, check_choice, check_int
from keras_cnns.files import check_writable_path, load_keras_file, write_atomically, write_json
from tflite.datasets import resolve

QUANTIZATIONS = ("none", "dynamic", "float16", "int8", "int16x8")
# The form TensorFlow Lite Micro runs (with quantization="int8"; docs/micro.md): int8 input and output, a fixed
# batch of 1 (static shapes), and plain stems (its kernels do not pad channels, so space-to-depth only adds work).
# `export --target micro`, tuning's RAM/flash objectives and the micro benchmarks all export this way.
MICRO_FORM = {"int8_io": True, "batch_size": 1, "space_to_depth": False}


def _model_input_shape(model):
    shape = tuple(model.inputs[0].shape[1:])
    if any(d is None for d in shape):
        raise ValueError(f"model must have a fixed input shape to be exported; {model.name} takes {shape}")
    return shape


def _representative_generator(images: np.ndarray):
    def generate():
        for image in images:
            yield [image[None]]

    return generate


def _unsupported_ops_message(error_text: str) -> str | None:
    """The ops TFLite's builtins lack, named from the converter's error text (None if that is not the error)."""
    found = []
    for label in ("TF Select ops", "Custom ops"):
        match = re.search(rf"{label}: ([^\n]+)", error_text)
        if match:
            found.append(f"{label.lower()}: {match.group(1).strip()}")
    return "; ".join(found) or None


def ops_in(flatbuffer: bytes) -> list[str]:
    """Names of the operators a `.tflite` flatbuffer uses (builtin names, or the custom code of custom ops)."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    names = set()
    for code in model.operatorCodes:
        custom = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
        names.add(custom or flatbuffer_utils.opcode_to_name(model, model.operatorCodes.index(code)))
    return sorted(names)


def strip_strings(flatbuffer: bytes) -> bytes:
    """Drop tensor and subgraph names, the description and the signature defs (TFLite's `strip_strings`)."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    flatbuffer_utils.strip_strings(model)
    return flatbuffer_utils.convert_object_to_bytearray(model)


def _clone_on(model, inputs, clone_function=None):
    """`keras.models.clone_model` of `model` on the new input tensors `inputs` (a list, one per model input)."""
    import keras

    return keras.models.clone_model(model, input_tensors=inputs if isinstance(model.input, (list, tuple))
                                    else inputs[0], clone_function=clone_function)


def _inputs_like(model, batch_size: int | None = None) -> list:
    """New input tensors for a copy of `model`: its inputs' shapes (the batch fixed to `batch_size` if given) and
    dtypes, named as its input tensors, which name the exported file's signature inputs."""
    import keras

    return [keras.Input(batch_shape=(tensor.shape[0] if batch_size is None else batch_size, *tensor.shape[1:]),
                        dtype=tensor.dtype, name=tensor.name) for tensor in model.inputs]


def with_batch_size(model, batch_size: int):
    """A copy of a Keras model whose inputs have a fixed batch size, sharing nothing, with the same weights and
    input names."""
    import keras

    check_int("batch_size", batch_size, min_value=1)
    if not isinstance(model, keras.Model):
        raise TypeError(f"batch_size applies to Keras 3 models; got a {type(model).__module__}.{type(model).__name__}")
    fixed = _clone_on(model, _inputs_like(model, batch_size))
    fixed.set_weights(model.get_weights())
    return fixed


def _rewritten(model, argument: str, replace):
    """A copy of a Keras model in which `replace(layer)` picks new top-level layers: it returns None to keep the
    layer (a fresh one from its config) or `(new_layer, weight_map)`, where `weight_map` turns the old layer's
    weights into the new one's. Nothing is shared with `model`, and the file's input (signature) names stay the
    model's own."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"{argument} applies to Keras 3 models; got a {type(model).__module__}.{type(model).__name__}")
    weight_maps = {}

    def clone(layer):
        replacement = replace(layer)
        if replacement is None:
            return layer.__class__.from_config(layer.get_config())
        new_layer, weight_maps[layer.name] = replacement
        return new_layer

    rewritten = _clone_on(model, _inputs_like(model), clone)
    for original in model.layers:
        if original.weights:
            weights = original.get_weights()
            rewritten.get_layer(original.name).set_weights(weight_maps.get(original.name, list)(weights))
    return rewritten


def with_dense_depthwise(model, max_channels: int):
    """A copy of a Keras model in which each top-level `DepthwiseConv2D` (depth multiplier 1, channels last) with
    at most `max_channels` channels is a `Conv2D` with the same name, arguments and outputs: its kernel is
    block-diagonal (channel c's filter at [:, :, c, c], zeros elsewhere). The other layers keep their weights.
    """
    import keras

    check_int("dense_depthwise_channels", max_channels, min_value=1)

    def block_diagonal(weights):
        depthwise = weights[0][:, :, :, 0]  # (height, width, channels)
        kernel = np.zeros((*depthwise.shape, depthwise.shape[2]), depthwise.dtype)
        channels = np.arange(depthwise.shape[2])
        kernel[:, :, channels, channels] = depthwise
        return [kernel, *weights[1:]]

    def replace(layer):
        if not (type(layer) is keras.layers.DepthwiseConv2D and layer.depth_multiplier == 1
                and layer.data_format == "channels_last" and layer.kernel.shape[2] <= max_channels):
            return None
        config = layer.get_config()
        return keras.layers.Conv2D(
            layer.kernel.shape[2], config["kernel_size"], strides=config["strides"], padding=config["padding"],
            dilation_rate=config["dilation_rate"], activation=config["activation"], use_bias=config["use_bias"],
            dtype=layer.dtype_policy, name=layer.name), block_diagonal

    return _rewritten(model, "dense_depthwise_channels", replace)


# Below 8 input channels XNNPACK's int8 convolution pads each kernel tap's channels to 8 (docs/edge_models.md).
SPACE_TO_DEPTH_MAX_CHANNELS = 7


def space_to_depth_candidates(model) -> list[str]:
    """Names of the top-level `Conv2D` layers `with_space_to_depth` rewrites: fewer than 8 input channels, equal
    strides s >= 2, every kernel side >= 2s + 1 (a stem such as a 7x7 stride-2 convolution on RGB; a 3x3
    stride-2 one gained nothing) and a geometry `SpaceToDepthConv2D` reproduces exactly."""
    import keras

    from keras_cnns.layers import SpaceToDepthConv2D

    names = []
    for layer in model.layers:
        if type(layer) is not keras.layers.Conv2D or not hasattr(layer, "kernel"):
            continue
        stride = layer.strides[0]
        if (layer.kernel.shape[2] > SPACE_TO_DEPTH_MAX_CHANNELS or stride < 2
                or min(layer.kernel_size) < 2 * stride + 1):
            continue
        try:
            input_shape = layer.input.shape
        except ValueError:  # a layer called on several inputs has no one shape
            continue
        if SpaceToDepthConv2D.from_config(layer.get_config()).block_geometry(input_shape) is not None:
            names.append(layer.name)
    return names


def with_space_to_depth(model):
    """A copy of a Keras model in which each of `space_to_depth_candidates(model)` is a
    `keras_cnns.layers.SpaceToDepthConv2D` with the same name, config and weights (the same outputs); it exports
    as RESHAPE/TRANSPOSE/RESHAPE (space-to-depth) and a stride-1 CONV_2D with fewer taps on more channels."""
    from keras_cnns.layers import SpaceToDepthConv2D

    candidates = set(space_to_depth_candidates(model))
    return _rewritten(model, "space_to_depth", lambda layer: (
        (SpaceToDepthConv2D.from_config(layer.get_config()), list) if layer.name in candidates else None))


# float_stem keeps the leading convolutions on at most this many input channels in float32: on XNNPACK's AVX2
# kernels int8 1x1 convolutions on 8-16 channels took 1.6-2.5x their fp32 time, on 32 about 1.2x (docs/edge_models.md).
FLOAT_STEM_MAX_CHANNELS = 16


def stem_outputs(flatbuffer: bytes) -> list[str]:
    """Output tensor names of the operators of a `.tflite` model from its input up to its first CONV_2D or
    DEPTHWISE_CONV_2D and on through every following one that reads at most FLOAT_STEM_MAX_CHANNELS channels (the
    padding, space-to-depth and activations between them included): the part `float_stem=True` keeps float."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    graph = model.subgraphs[0]
    reached, names, stem_end = set(graph.inputs), [], 0
    for op in graph.operators:
        if not reached.intersection(op.inputs):
            continue
        if flatbuffer_utils.opcode_to_name(model, op.opcodeIndex) in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            if stem_end and graph.tensors[op.inputs[0]].shape[-1] > FLOAT_STEM_MAX_CHANNELS:
                break
            stem_end = len(names) + len(op.outputs)
        reached.update(op.outputs)
        names += [graph.tensors[index].name.decode() for index in op.outputs]
    if not stem_end:
        raise ValueError("float_stem=True needs a model whose input feeds a convolution; this one has none")
    return names[:stem_end]


def _with_float_stem(converter, dataset) -> bytes:
    """The int8 flatbuffer of a calibrating `converter` with its stem (`stem_outputs`) left in float32, through
    TFLite's selective quantization (`tf.lite.experimental.QuantizationDebugger`'s denylisted nodes)."""
    import tensorflow as tf

    options = tf.lite.experimental.QuantizationDebugOptions()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")
        debugger = tf.lite.experimental.QuantizationDebugger(converter=converter, debug_dataset=dataset,
                                                             debug_options=options)
        options.denylisted_nodes = stem_outputs(debugger.calibrated_model)
        return debugger.get_nondebug_quantized_model()


def convert(model, quantization: str = "none", representative_data=None, *, int8_io: bool = False,
            per_channel: bool = True, strip_metadata: bool = False, allow_select_tf_ops: bool = False,
            representative_samples: int = 200, batch_size: int | None = None,
            dense_depthwise_channels: int | None = None, space_to_depth: bool | None = None,
            float_stem: bool = False) -> bytes:
    """The `.tflite` flatbuffer of `model` (see `export`), without writing it."""
    import keras
    import tensorflow as tf

    if batch_size is not None:
        model = with_batch_size(model, batch_size)
    check_choice("quantization", quantization, QUANTIZATIONS)
    check_bool("int8_io", int8_io)
    check_bool("per_channel", per_channel)
    check_bool("strip_metadata", strip_metadata)
    check_bool("allow_select_tf_ops", allow_select_tf_ops)
    check_int("representative_samples", representative_samples, min_value=1)
    if int8_io and quantization != "int8":
        raise ValueError(f"int8_io=True needs quantization='int8' (integer-only model); got {quantization!r}")
    if space_to_depth is not None:
        check_bool("space_to_depth", space_to_depth)
    check_bool("float_stem", float_stem)
    learnt_ranges = is_quantization_aware(model)
    if float_stem and (quantization != "int8" or int8_io or learnt_ranges):
        model_kind = ", a quantization-aware model" if learnt_ranges else ""
        raise ValueError(
            "float_stem=True keeps the stem of a calibrated int8 export in float32: it needs "
            f"quantization='int8' with float input (int8_io=False) and a model that is not quantization-aware; got "
            f"quantization={quantization!r}, int8_io={int8_io}{model_kind}")
    if dense_depthwise_channels is not None:
        model = with_dense_depthwise(model, dense_depthwise_channels)
    if space_to_depth or (space_to_depth is None and quantization == "int8" and not float_stem
                          and isinstance(model, keras.Model) and space_to_depth_candidates(model)):
        model = with_space_to_depth(model)
    full_integer = quantization in ("int8", "int16x8")
    if learnt_ranges and quantization != "int8":
        raise ValueError(f"a quantization-aware model exports with quantization='int8'; got {quantization!r}")
    if full_integer and representative_data is None and not learnt_ranges:
        raise ValueError(
            f"quantization={quantization!r} calibrates activation ranges and needs representative_data (images as "
            "an array, a tf.data set, or a dataset name such as 'digits'); got None"
        )

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    builtin_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if full_integer and not learnt_ranges:
        images, _ = resolve(representative_data, _model_input_shape(model), argument="representative_data",
                            split="train", limit=representative_samples)
        dataset = converter.representative_dataset = _representative_generator(images)
        builtin_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if quantization == "int8"
                       else tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if int8_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    converter.target_spec.supported_ops = builtin_ops + ([tf.lite.OpsSet.SELECT_TF_OPS] if allow_select_tf_ops else [])
    converter._experimental_disable_per_channel = not per_channel
    converter.exclude_conversion_metadata = strip_metadata
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the SavedModel export prints its signature
            flatbuffer = _with_float_stem(converter, dataset) if float_stem else converter.convert()
    except Exception as err:  # the converter raises its own ConverterError type
        unsupported = _unsupported_ops_message(str(err))
        if unsupported is None:
            raise
        raise ValueError(
            f"model {model.name!r} needs ops that TFLite's builtin op set lacks ({unsupported}); replace the layers "
            "that use them, or pass allow_select_tf_ops=True (the runtime then needs the Flex delegate)"
        ) from None
    return strip_strings(flatbuffer) if strip_metadata else flatbuffer


def is_quantization_aware(model) -> bool:
    """Whether `model` is a tfmot quantization-aware model (its fake-quantization wrappers hold the ranges)."""
    return any(type(layer).__name__ in ("QuantizeWrapper", "QuantizeWrapperV2", "QuantizeLayer")
               for layer in getattr(model, "layers", ()))


def _is_model(model) -> bool:
    import keras

    if isinstance(model, keras.Model):
        return True
    return type(model).__module__.startswith("tf_keras") and hasattr(model, "inputs")


def tensor_dtypes(flatbuffer: bytes) -> tuple[list[str], list[str]]:
    """dtype names of the model's input and output tensors."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    graph = model.subgraphs[0]
    name = lambda index: flatbuffer_utils.type_to_name(graph.tensors[index].type).lower()  # noqa: E731
    return [name(i) for i in graph.inputs], [name(i) for i in graph.outputs]


def export(model, path, quantization: str = "none", representative_data=None, *, int8_io: bool = False,
           per_channel: bool = True, strip_metadata: bool = False, allow_select_tf_ops: bool = False,
           representative_samples: int = 200, batch_size: int | None = None,
           dense_depthwise_channels: int | None = None, space_to_depth: bool | None = None,
           float_stem: bool = False) -> dict:
    """Convert a Keras model (or a `.keras` file) to `.tflite` and write it atomically to `path`.

    Args:
        model: a Keras model or the path of a `.keras` file.
        path: the `.tflite` file to write (its folder must exist). It is written through a temporary file in
            the same folder and renamed: a failed or killed export leaves any existing file untouched, and the
            next export to `path` removes the temporary a killed one left. `<path>.json` receives a report
            (settings, sizes, sha256) that `tflite.evaluate`/`compare`/`benchmark` check the file against.
        quantization: "none" (float32), "dynamic" (int8 weights), "float16" (float16 weights), "int8" (full
            integer, calibrated on `representative_data`) or "int16x8" (int16 activations, int8 weights).
        representative_data: images for calibration (array, tf.data set, 'digits' or an IDX folder);
            required by "int8" and "int16x8". The first `representative_samples` images are used.
        int8_io: with "int8", int8 input and output tensors (microcontroller style) instead of float32.
        per_channel: per-channel weight scales (TFLite's default); False gives per-tensor scales.
        strip_metadata: drop conversion metadata, tensor names and signature defs (smaller file).
        allow_select_tf_ops: allow TensorFlow kernels for ops TFLite lacks; by default builtin ops only,
            and a model needing others is refused with a ValueError naming the ops.
        batch_size: None keeps the model's batch dimension (resizable at run time); an integer fixes it, which
            gives static shapes: Flatten and Reshape then lower to a plain RESHAPE instead of
            SHAPE/STRIDED_SLICE/PACK ops computing the shape at run time, which TensorFlow Lite Micro needs
            (`batch_size=1` for microcontrollers).
        dense_depthwise_channels: None keeps every depthwise convolution a DEPTHWISE_CONV_2D; an integer N
            exports those with at most N channels (depth multiplier 1) as a CONV_2D with a block-diagonal kernel,
            which computes the same outputs with N times the multiply-adds. On an AVX-512 VNNI machine XNNPACK's
            int8 CONV_2D ran an 8-channel 3x3 depthwise layer at 112x112 in 24.7 us against 32.5 us for its int8
            DEPTHWISE_CONV_2D, and lost from 16 channels on (docs/edge_models.md): N=8 suits int8 files for such
            CPUs. Microcontroller kernels and other CPUs may differ; measure before using it.
        space_to_depth: None (the default) rewrites, in "int8" exports only, each stem-like convolution (fewer
            than 8 input channels, stride s >= 2, kernel sides >= 2s + 1, e.g. ResNet's or SqueezeNet 1.0's 7x7
            stride-2 convolution on RGB) as SPACE_TO_DEPTH by s (RESHAPE/TRANSPOSE/RESHAPE) and a stride-1 CONV_2D
            on s^2 times the channels: the same integer sums, so the same outputs, in fewer, fuller kernel taps.
            XNNPACK ran a 7x7 stride-2 stem at 224x224 in int8 1.6x faster with AVX-512 VNNI and 2.1x faster with
            its AVX2 kernels; the float stem was 1.3x slower (docs/edge_models.md). True applies it whatever the
            quantization; False never (microcontroller kernels do not pad channels: `--target micro` turns it off).
        float_stem: with "int8" (float input), keep the operators from the input through the first convolution,
            and through the ones after it that read at most 16 channels (MobileNet 0.25's first five), in
            float32, followed by a QUANTIZE, and the rest full-integer (TFLite's selective quantization; no
            space-to-depth unless `space_to_depth=True`). For CPUs whose int8 kernels are slow on few input
            channels: with XNNPACK's AVX2 kernels the float stem made whole files faster, with AVX-512 VNNI slower
            (docs/edge_models.md). Also keeps the stem's own quantization error out of the file.

    Returns:
        A dict: path, size_bytes, quantization, ops, input_dtypes, output_dtypes.
    """
    path = check_writable_path("path", path)
    if isinstance(model, (str, os.PathLike)):
        model = load_keras_model(model)
    elif not _is_model(model):
        raise TypeError(f"model must be a keras.Model (or a tf_keras model from tflite.quantization_aware) or the "
                        f"path of a .keras file; got {type(model).__name__}")
    flatbuffer = convert(model, quantization, representative_data, int8_io=int8_io, per_channel=per_channel,
                         strip_metadata=strip_metadata, allow_select_tf_ops=allow_select_tf_ops,
                         representative_samples=representative_samples, batch_size=batch_size,
                         dense_depthwise_channels=dense_depthwise_channels, space_to_depth=space_to_depth,
                         float_stem=float_stem)
    write_atomically(path, flatbuffer)
    input_dtypes, output_dtypes = tensor_dtypes(flatbuffer)
    report = {"path": path, "size_bytes": len(flatbuffer), "quantization": quantization, "ops": ops_in(flatbuffer),
              "input_dtypes": input_dtypes, "output_dtypes": output_dtypes}
    write_json(report_path(path), {
        "file": os.path.basename(path), "sha256": hashlib.sha256(flatbuffer).hexdigest(),
        "size_bytes": len(flatbuffer), "model": model.name, "input_shape": list(_model_input_shape(model)),
        "settings": {"quantization": quantization, "int8_io": int8_io, "per_channel": per_channel,
                     "strip_metadata": strip_metadata, "allow_select_tf_ops": allow_select_tf_ops,
                     "representative_samples": representative_samples, "batch_size": batch_size,
                     "dense_depthwise_channels": dense_depthwise_channels, "space_to_depth": space_to_depth,
                     "float_stem": float_stem},
        "ops": report["ops"], "input_dtypes": input_dtypes, "output_dtypes": output_dtypes})
    return report


def report_path(path) -> str:
    """The JSON report `export` writes beside a `.tflite` file: settings, sizes and sha256."""
    return f"{os.fspath(path)}.json"


def warn_if_changed_since_export(path, content: bytes) -> None:
    """Warn when `path` has an export report that its content no longer matches (edited, truncated, replaced)."""
    import json

    report_file = report_path(path)
    if not os.path.isfile(report_file):
        return
    try:
        with open(report_file, encoding="utf-8") as handle:
            expected = json.load(handle)["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        warnings.warn(f"export report {report_file!r} cannot be read ({type(err).__name__}); {path!r} is not checked "
                      f"against it", stacklevel=3)
        return
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        warnings.warn(f"{os.fspath(path)!r} no longer matches its export report {report_file!r} (sha256 "
                      f"{actual[:12]}... instead of {expected[:12]}...): it was changed after export", stacklevel=3)


def load_keras_model(path):
    """A `.keras` file, loaded with safe_mode=True (zoo layers are registered on import of keras_cnns)."""
    return load_keras_file(path, "model")
