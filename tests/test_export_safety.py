"""Exports leave nothing behind: a killed export's temporary is removed by the next one, files follow the umask,
each `.tflite` has a JSON report the readers check it against, and bad files are refused in one line."""

import hashlib
import json
import os
import signal
import subprocess
import sys

import keras
import pytest

import tflite
from keras_cnns import cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KILLED_WRITE_SCRIPT = """
import os, signal, sys
import keras
import tflite

os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)  # killed with the temporary fully written
inputs = keras.Input((8, 8, 1))
tflite.export(keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs))), sys.argv[1])
"""


def _tiny_model():
    inputs = keras.Input((8, 8, 1))
    return keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)), name="tiny")


def test_next_export_removes_a_killed_exports_temporary_and_follows_the_umask(tmp_path):
    path = tmp_path / "model.tflite"
    environment = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITE_SCRIPT, str(path)], env=environment,
                            capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    stale = [name for name in os.listdir(tmp_path) if name.startswith(".model.tflite.")]
    assert len(stale) == 1 and (tmp_path / stale[0]).stat().st_size > 0 and not path.exists()
    live = tmp_path / f".model.tflite.{os.getpid()}.0123abcd.tmp"  # a concurrent writer that is alive: kept
    live.write_bytes(b"in progress")

    old_mask = os.umask(0o022)
    try:
        report = tflite.export(_tiny_model(), str(path))
    finally:
        os.umask(old_mask)
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, "model.tflite", "model.tflite.json"])
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    written = json.loads((tmp_path / "model.tflite.json").read_text())
    assert written["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert written["size_bytes"] == report["size_bytes"] == path.stat().st_size
    assert written["settings"]["quantization"] == "none" and written["input_shape"] == [8, 8, 1]


def test_readers_warn_when_a_file_no_longer_matches_its_report_and_refuse_invalid_flatbuffers(tmp_path, capsys):
    path = tmp_path / "model.tflite"
    tflite.export(_tiny_model(), str(path))
    tflite.benchmark(str(path), runs=2, warmup=0)  # matches its report: no warning
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF  # a changed byte in the flatbuffer's trailing data: still loadable
    path.write_bytes(bytes(content))
    with pytest.warns(UserWarning, match="no longer matches its export report"):
        tflite.benchmark(str(path), runs=2, warmup=0)

    broken = tmp_path / "broken.tflite"
    broken.write_bytes(path.read_bytes()[:200])
    for call in (lambda: tflite.benchmark(str(broken)), lambda: tflite.evaluate(str(broken), "digits")):
        with pytest.raises(ValueError, match="broken.tflite' is not a valid .tflite model"):
            call()
    assert cli.main(["bench", str(broken)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_export_refuses_bad_paths_and_files_before_writing(tmp_path, capsys):
    model = _tiny_model()
    with pytest.raises(ValueError, match="path must be a file path; got the empty string"):
        tflite.export(model, "")
    with pytest.raises(ValueError, match="path must be a file path, not a folder"):
        tflite.export(model, str(tmp_path))
    with pytest.raises(ValueError, match="path must be in an existing folder"):
        tflite.export(model, str(tmp_path / "missing" / "m.tflite"))
    garbage = tmp_path / "random.keras"
    garbage.write_bytes(os.urandom(256))
    with pytest.raises(ValueError, match="random.keras' is not a .keras archive"):
        tflite.export(str(garbage), str(tmp_path / "m.tflite"))
    assert cli.main(["export", "lenet5_modern", "--evaluate", "--out", str(tmp_path / "e.tflite")]) == 2
    assert "--evaluate needs --data" in capsys.readouterr().err
    assert cli.main(["export", "lenet5_modern", "--dense-depthwise", "0", "--out", str(tmp_path / "d.tflite")]) == 2
    assert "--dense-depthwise must be a channel count >= 1; got 0" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["random.keras"]
