"""Checks shared by the test modules."""

import os
import re

import keras
import numpy as np
import tensorflow as tf


def small_input_shape(model_name):
    """A small valid input shape for `model_name` (its family's minimum or a bit more), to keep CI fast."""
    from keras_cnns import model_info
    from references import SMALL_SIZES

    info = model_info(model_name)
    height, width, channels = info["input_shape"]
    size = SMALL_SIZES.get(model_name, SMALL_SIZES.get(info["family"], 32))
    return (min(size, height), min(size, width), channels)


def convert_builtin_tflite(model) -> bytes:
    """Convert with TFLITE_BUILTINS only: raises if any op would need Select TF ops.

    Deep graphs go to the converter as the model's inference function frozen to constants, at batch size 1:
    the same MLIR conversion as `from_keras_model`, which first writes and reloads a SavedModel; skipping that
    round trip takes a third of the CPU time (DenseNet-121 at 32x32: 9 s instead of 30 s). Models with a huge
    weight tensor keep `from_keras_model`: there the frozen constants are what is slow (single-stream
    AlexNet, a 37.7M-weight FC layer: 39 s frozen, 13.5 s through the SavedModel).
    """
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    if max((int(np.prod(weight.shape)) for weight in model.weights), default=0) > 4_000_000:
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
    else:
        signature = [tf.TensorSpec((1, *tensor.shape[1:]), tensor.dtype) for tensor in model.inputs]

        def inference(*inputs):
            return model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)

        function = tf.function(inference, input_signature=signature).get_concrete_function()
        converter = tf.lite.TFLiteConverter.from_concrete_functions([convert_variables_to_constants_v2(function)])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def run_tflite(flatbuffer: bytes, images: np.ndarray) -> tuple[np.ndarray, set]:
    """Outputs of the first output tensor of a .tflite model under LiteRT, and the op names it uses."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    interpreter.allocate_tensors()
    ops = {detail["op_name"] for detail in interpreter._get_ops_details()}
    input_detail = interpreter.get_input_details()[0]
    output_detail = interpreter.get_output_details()[0]
    outputs = []
    for image in images:
        interpreter.set_tensor(input_detail["index"], image[None].astype(input_detail["dtype"]))
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_detail["index"])[0])
    return np.stack(outputs), ops


def infer(model, images) -> np.ndarray:
    """`model`'s inference outputs, run eagerly: for a model called once this costs a fraction of `predict`,
    which first traces and optimizes a graph (DenseNet-121 at 32x32: 0.7 s instead of 4 s of CPU)."""
    return keras.ops.convert_to_numpy(model(images, training=False))


def assert_same_after_reload(model, tmp_path, images, atol=1e-6):
    path = os.path.join(tmp_path, f"{model.name}.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(infer(model, images), infer(reloaded, images), atol=atol)
    return reloaded


def assert_no_lambda_layers(model):
    for layer in model.layers:
        assert not isinstance(layer, keras.layers.Lambda), f"{model.name} uses a Lambda layer: {layer.name}"
        if isinstance(layer, keras.Model):
            assert_no_lambda_layers(layer)


def save_legacy_h5_weights(model, path):
    """Write `model`'s weights in the legacy Keras h5 layout, the one keras.applications' files use."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, model)


README_TABLE_HEADER = ["model", "family", "paper", "year", "input", "parameters", "multiply-adds"]


def readme_model_table() -> dict:
    """The README's model table read back cell by cell: {model name: {column: cell text}}."""
    from keras_cnns import cli

    readme = os.path.join(os.path.dirname(__file__), "..", "README.md")
    with open(readme, encoding="utf-8") as handle:
        text = handle.read()
    table = text.split(cli.README_TABLE_START)[1].split(cli.README_TABLE_END)[0]
    lines = [line for line in table.splitlines() if line.startswith("|")]
    cells = lambda line: [cell.strip() for cell in line.strip().strip("|").split(" | ")]  # noqa: E731
    assert cells(lines[0]) == README_TABLE_HEADER
    rows = {}
    for line in lines[2:]:
        row = dict(zip(README_TABLE_HEADER, cells(line), strict=True))
        name = row["model"].strip("`")
        assert name not in rows, f"the README table lists {name} twice"
        rows[name] = row
    return rows


def assert_readme_row_matches(row: dict, info: dict):
    """A README table row shows `model_info`'s family, paper (title and link), year, input shape, parameters and
    multiply-adds (printed in millions to one decimal)."""
    paper = re.fullmatch(r"\[(.+)\]\((\S+)\)", row["paper"])
    title, url = paper.groups() if paper else (row["paper"], None)
    multiply_adds = float(row["multiply-adds"].removesuffix(" M").replace(",", "")) * 1e6
    shown = {"family": row["family"], "paper": title, "url": url, "year": int(row["year"]),
             "input_shape": tuple(int(d) for d in row["input"].split("x")),
             "parameters": int(row["parameters"].replace(",", ""))}
    measured = {key: info[key] for key in shown}
    assert shown == measured, f"README row {row['model']}: {shown} != model_info's {measured}"
    assert row["multiply-adds"].endswith(" M") and abs(multiply_adds - info["flops"]) <= 0.05e6, (
        f"README row {row['model']}: {row['multiply-adds']} != model_info's {info['flops'] / 1e6:,.1f} M")
