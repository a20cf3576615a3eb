"""tflite.micro: the TFLite Micro report (arena search, LiteRT agreement), the C export compiled by the machine's
compiler, the CLI, and bad input."""

import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tflite
from tflite.litert import load_interpreter

SHAPE = (16, 16, 1)
# Builds a TFLM interpreter at one arena size in a process of its own (the runtime may crash on a failed
# allocation): exit 0 when it allocates, 1 when it refuses.
ALLOCATES = """
import sys
from tflite_micro.python.tflite_micro import runtime
try:
    runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read(), arena_size=int(sys.argv[2]))
except RuntimeError:
    sys.exit(1)
"""


def _small_model():
    inputs = keras.Input(SHAPE)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


@pytest.fixture(scope="module")
def int8_file(tmp_path_factory):
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((16, *SHAPE), dtype=np.float32)
    path = str(tmp_path_factory.mktemp("micro") / "small_int8.tflite")
    tflite.export(_small_model(), path, "int8", images, int8_io=True, batch_size=1)
    return path


def test_a_fixed_batch_gives_static_shapes_and_the_same_outputs(int8_file, tmp_path):
    model = _small_model()
    dynamic = tflite.convert(model)
    fixed = tflite.convert(model, batch_size=1)
    assert "SHAPE" in tflite.ops_in(dynamic) and "SHAPE" not in tflite.ops_in(fixed)
    images = np.random.default_rng(2).random((3, *SHAPE), dtype=np.float32)
    np.testing.assert_allclose(tflite.predict(fixed, images), tflite.predict(dynamic, images), atol=1e-6)
    np.testing.assert_allclose(tflite.predict(fixed, images), model.predict(images, verbose=0), atol=1e-5)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1; got 0"):
        tflite.convert(model, batch_size=0)
    # The fixed file keeps the model's input name in its signature (a signature runner is called with it).
    from ai_edge_litert.interpreter import Interpreter

    signatures = [Interpreter(model_content=flatbuffer).get_signature_list() for flatbuffer in (dynamic, fixed)]
    assert signatures[0] == signatures[1] and list(signatures[0].values())[0]["inputs"] == [model.inputs[0].name]
    # A one-input model whose inputs are a list (built from another model's `inputs`) keeps that structure.
    from keras_cnns.models.swwae import SWWAE, swwae_classifier

    listed = swwae_classifier(SWWAE(input_shape=SHAPE, filters=(2, 2), dense_units=4))
    assert isinstance(listed.input, list)
    assert "SHAPE" not in tflite.ops_in(tflite.convert(listed, batch_size=1))


def _allocates(path, arena_bytes) -> bool:
    result = subprocess.run([sys.executable, "-c", ALLOCATES, path, str(arena_bytes)], capture_output=True)
    assert result.returncode in (0, 1) or result.returncode < 0, result.stderr.decode()[-2000:]
    return result.returncode == 0


def test_arena_search_finds_a_size_that_works_while_1kb_less_fails(int8_file):
    report = tflite.micro_report(int8_file)
    assert report["runs"] and report["reason"] is None
    assert report["flash_bytes"] == os.path.getsize(int8_file)
    assert set(report["ops"]) >= {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"}
    arena = report["arena_bytes"]
    assert _allocates(int8_file, arena)
    assert not _allocates(int8_file, arena - 1)
    assert not _allocates(int8_file, arena - 1024)
    assert report["arena_breakdown"]["total"] <= arena
    # A hint (the arena of the same graph) ends the search where it is exact; a wrong one changes nothing.
    for hint in (arena, arena - 300, arena + 300, 10**9):
        assert tflite.micro_report(int8_file, arena_hint=hint)["arena_bytes"] == arena, hint
    with pytest.raises(ValueError, match="arena_hint must be an integer >= 1; got 0"):
        tflite.micro_report(int8_file, arena_hint=0)


def test_a_hint_that_is_not_exact_still_bounds_the_arena_search(int8_file, monkeypatch):
    from tflite import micro

    tried = []
    try_arena = micro._Prober.try_arena

    def counting(self, arena_bytes, inputs_path=None):
        if inputs_path is None:
            tried.append(arena_bytes)
        return try_arena(self, arena_bytes, inputs_path)

    monkeypatch.setattr(micro._Prober, "try_arena", counting)
    arena = tflite.micro_report(int8_file)["arena_bytes"]
    unhinted = list(tried)
    assert unhinted[0] == micro.MIN_ARENA_SEARCH_START
    for hint in (arena - 300, arena + 300):
        tried.clear()
        assert tflite.micro_report(int8_file, arena_hint=hint)["arena_bytes"] == arena
        assert tried[0] == hint and micro.MIN_ARENA_SEARCH_START not in tried, (hint, tried)
    # Too small a hint is a lower bound: the search doubles from it instead of from 1 KiB.
    tried.clear()
    tflite.micro_report(int8_file, arena_hint=arena - 300)
    assert min(tried) == arena - 300 and len(tried) < len(unhinted), (tried, unhinted)
    tried.clear()
    tflite.micro_report(int8_file, arena_hint=arena)
    assert tried == [arena, arena - 1]


def test_micro_and_litert_outputs_agree_on_int8_inputs(int8_file):
    from tflite_micro.python.tflite_micro import runtime

    report = tflite.micro_report(int8_file, samples=3)
    assert report["samples"] == 3 and report["litert_max_abs_diff"] <= 1
    micro = runtime.Interpreter.from_bytes(open(int8_file, "rb").read(), arena_size=report["arena_bytes"])
    litert = load_interpreter(int8_file)
    input_index = litert.get_input_details()[0]["index"]
    output_index = litert.get_output_details()[0]["index"]
    inputs = np.random.default_rng(1).integers(-128, 128, size=(5, 1, *SHAPE), dtype=np.int8)
    for sample in inputs:
        micro.set_input(sample, 0)
        micro.invoke()
        litert.set_tensor(input_index, sample)
        litert.invoke()
        micro_output, litert_output = micro.get_output(0), litert.get_tensor(output_index)
        assert micro_output.dtype == np.int8
        # int8 outputs: the reference kernels and LiteRT's may round one quantization step apart at most.
        assert np.max(np.abs(micro_output.astype(int) - litert_output.astype(int))) <= 1
    images = np.random.default_rng(3).random((4, *SHAPE), dtype=np.float32)
    np.testing.assert_allclose(tflite.micro_predict(int8_file, images), tflite.predict(int8_file, images),
                               atol=1.01 * litert.get_output_details()[0]["quantization"][0])


def test_c_export_compiles_into_an_array_of_the_tflite_bytes(int8_file, tmp_path):
    compiler = shutil.which("c++") or shutil.which("g++")
    if compiler is None:
        pytest.fail("no C++ compiler (c++ or g++) on this machine: install g++ to check the C export")
    written = tflite.export_c(int8_file, str(tmp_path), "small_model")
    assert written["arena_bytes"] == tflite.micro_report(int8_file)["arena_bytes"]
    main = tmp_path / "main.cc"
    main.write_text('#include <cstdio>\n#include "small_model.h"\n'
                    'int main() {\n'
                    '  std::fprintf(stderr, "%u %u %d\\n", small_model_len, small_model_arena_bytes,\n'
                    '               static_cast<int>(reinterpret_cast<unsigned long>(small_model) % 16));\n'
                    '  std::fwrite(small_model, 1, small_model_len, stdout);\n'
                    '}\n')
    expected = open(int8_file, "rb").read()
    model_object, binary = tmp_path / "small_model.o", tmp_path / "dump"
    subprocess.run([compiler, "-std=c++17", "-c", "-o", str(model_object), written["source"]], check=True)
    symbols = subprocess.run(["nm", "-S", "--defined-only", str(model_object)], capture_output=True, text=True,
                             check=True).stdout.split()
    assert int(symbols[symbols.index("small_model") - 2], 16) == len(expected)  # "address size type name"
    subprocess.run([compiler, "-std=c++17", "-o", str(binary), str(model_object), str(main)], check=True,
                   cwd=tmp_path)
    result = subprocess.run([str(binary)], capture_output=True, check=True)
    assert result.stdout == expected
    assert result.stderr.decode().split() == [str(len(expected)), str(written["arena_bytes"]), "0"]


def test_cli_micro_prints_the_report_and_export_target_micro_writes_the_c_pair(int8_file, tmp_path, capsys):
    from keras_cnns import cli

    assert cli.main(["micro", int8_file]) == 0
    report = tflite.micro_report(int8_file)
    printed = capsys.readouterr().out
    assert f"{report['arena_bytes']:,} bytes" in printed and f"{report['flash_bytes']:,} bytes" in printed
    model_path = str(tmp_path / "small.keras")
    _small_model().save(model_path)
    out = str(tmp_path / "small-net.tflite")
    assert cli.main(["export", model_path, "--quantization", "int8", "--data", "digits", "--out", out,
                     "--target", "micro"]) == 0
    # The C pair is named after the array, the file's stem made a C identifier.
    assert {"small-net.tflite", "small_net.cc", "small_net.h"} <= set(os.listdir(tmp_path))
    assert "small_net[]" in (tmp_path / "small_net.cc").read_text()
    assert cli.main(["export", model_path, "--out", str(tmp_path / "f.tflite"), "--target", "micro"]) == 2
    error = capsys.readouterr().err.strip()
    assert "--quantization int8" in error and len(error.splitlines()) == 1
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(open(int8_file, "rb").read()[:600])
    assert cli.main(["micro", str(truncated)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("keras-cnns micro: error: path") and len(error.splitlines()) == 1


def _top_k_flatbuffer() -> bytes:
    """A float model using TOPK_V2, an op TFLite has and TFLite Micro lacks."""

    @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
    def top_two(x):
        return tf.math.top_k(x * 2.0, k=2).values

    converter = tf.lite.TFLiteConverter.from_concrete_functions([top_two.get_concrete_function()], top_two)
    return converter.convert()


def test_bad_input_is_refused_with_clear_errors(int8_file, tmp_path):
    float_path = str(tmp_path / "float.tflite")
    tflite.export(_small_model(), float_path)
    with pytest.raises(ValueError, match=r"'none' model.*quantization='int8'.*require_int8=False"):
        tflite.micro_report(float_path)
    float_report = tflite.micro_report(float_path, require_int8=False)
    assert float_report["runs"] and float_report["quantization"] == "none"
    assert float_report["litert_max_abs_diff"] < 1e-5

    top_k = _top_k_flatbuffer()
    with pytest.raises(ValueError, match="no kernel for op TOPK_V2"):
        tflite.micro_report(top_k, require_int8=False)
    refused = tflite.micro_report(top_k, require_int8=False, strict=False)
    assert not refused["runs"] and "TOPK_V2" in refused["reason"] and refused["arena_bytes"] is None

    needed = tflite.micro_report(int8_file)["arena_bytes"]
    if needed > 1024:
        with pytest.raises(ValueError, match="arena over max_arena_bytes"):
            tflite.micro_report(int8_file, max_arena_bytes=1024)
    with pytest.raises(ValueError, match="max_arena_bytes must be an integer >= 1024; got 0"):
        tflite.micro_report(int8_file, max_arena_bytes=0)
    with pytest.raises(ValueError, match="samples"):
        tflite.micro_report(int8_file, samples=0)
    with pytest.raises(TypeError, match="path_or_bytes"):
        tflite.micro_report(3)

    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(open(int8_file, "rb").read()[:600])
    with pytest.raises(ValueError, match="truncated"):
        tflite.micro_report(str(truncated))
    with pytest.raises(ValueError, match="path"):
        tflite.micro_report(str(tmp_path / "missing.tflite"))

    out = tmp_path / "c"
    out.mkdir()
    for name in ("9lives", "my-model", ""):
        with pytest.raises(ValueError, match="name must be a C identifier"):
            tflite.export_c(int8_file, str(out), name)
    with pytest.raises(ValueError, match="out_dir must be an existing folder"):
        tflite.export_c(int8_file, str(tmp_path / "nowhere"), "model")
    with pytest.raises(ValueError, match="TOPK_V2"):
        tflite.export_c(top_k, str(out), "top_k", require_int8=False)
    assert os.listdir(out) == []


def test_a_model_that_crashes_the_runtime_is_reported_and_the_caller_survives():
    # Zero logits give the int8 SOFTMAX an input scale TFLM's softmax set-up aborts on (SIGABRT): the arena
    # search runs the runtime in a worker process, so this process lives on to report it.
    inputs = keras.Input(SHAPE)
    logits = keras.layers.Dense(10, kernel_initializer="zeros")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    images = np.random.default_rng(0).random((4, *SHAPE), dtype=np.float32)
    flatbuffer = tflite.convert(model, "int8", images, int8_io=True, batch_size=1)
    report = tflite.micro_report(flatbuffer, strict=False)
    assert not report["runs"] and "crashed (signal 6)" in report["reason"] and report["arena_bytes"] is None
    with pytest.raises(ValueError, match="crashed"):
        tflite.micro_report(flatbuffer)


# The worker process (tflite/micro_probe.py) with TFLM's invoke replaced by an abort (SIGABRT), as a kernel aborts
# running some models that allocate (DenseNet-121 int8 with random weights at 64x64): in this process the model
# runs, so only micro_report's run of the samples in the worker catches it.
ABORTING_PROBE = """
import os
import runpy
from tflite_micro.python.tflite_micro import runtime

runtime.Interpreter.invoke = lambda self: os.abort()
runpy.run_path({probe!r}, run_name="__main__")
"""


def test_a_model_that_aborts_the_runtime_only_when_run_is_reported_and_the_caller_survives(int8_file, tmp_path,
                                                                                         monkeypatch):
    from tflite import micro

    runs = tflite.micro_report(int8_file, samples=1)
    wrapper = tmp_path / "aborting_probe.py"
    wrapper.write_text(ABORTING_PROBE.format(probe=micro._Prober.script))
    monkeypatch.setattr(micro._Prober, "script", str(wrapper))
    report = tflite.micro_report(int8_file, samples=1, strict=False)
    assert runs["runs"] and not report["runs"] and report["samples"] == 0
    assert report["reason"] == (f"the TFLite Micro runtime crashed (signal 6) running the model on the samples in a "
                                f"{runs['arena_bytes']:,}-byte arena, where it allocates: a kernel aborted")
    assert report["arena_bytes"] == runs["arena_bytes"] and report["litert_max_abs_diff"] is None
    with pytest.raises(ValueError, match=r"^path_or_bytes '.*small_int8.tflite' does not run under TFLite Micro: "
                                         r"the TFLite Micro runtime crashed \(signal 6\) running the model"):
        tflite.micro_report(int8_file, samples=1)
