"""Distributed searches on keras-tuner's and TensorFlow's own engines: one chief and two workers on 127.0.0.1,
and MirroredStrategy over two logical CPU devices inside each trial and in `keras_cnns.training.train`."""

import json
import os
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = 400
SEARCH = ("from keras_cnns.data import load_digits; from tuning.search import search; "
          f"(x, y), _ = load_digits(); data = (x[:{IMAGES}], y[:{IMAGES}]); ")


def python(code, extra_env=None, **kwargs):
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2", **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_one_chief_and_two_workers_share_one_search(tmp_path):
    arguments = dict(family="resnet", max_trials=4, epochs=1, latency_runs=3, directory=str(tmp_path),
                     project_name="p")
    chief_code = SEARCH + (f"r = search(data, **{arguments!r}); import json; "
                           "print(json.dumps([t['status'] for t in r.trials]))")
    worker_code = SEARCH + f"print(search(data, **{arguments!r}))"
    oracle = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(free_port())}
    chief = python(chief_code, {**oracle, "KERASTUNER_TUNER_ID": "chief"})
    workers = [python(worker_code, {**oracle, "KERASTUNER_TUNER_ID": f"tuner{i}"}) for i in range(2)]
    try:
        outputs = [process.communicate(timeout=540) for process in (*workers, chief)]
    finally:
        for process in (chief, *workers):
            if process.poll() is None:
                process.kill()
    for process, (_, err) in zip((*workers, chief), outputs):
        assert process.returncode == 0, err[-2000:]
    assert [line for line in outputs[0][0].splitlines() if line] == ["None"]  # a worker holds no trials
    statuses = json.loads(outputs[2][0].strip().splitlines()[-1])
    assert len(statuses) == 4 and set(statuses) <= {"COMPLETED", "FAILED"}
    # Each worker saved its tuner state after a trial it ran.
    assert os.path.isfile(tmp_path / "p" / "tuner0.json") and os.path.isfile(tmp_path / "p" / "tuner1.json")


def test_mirrored_strategy_over_two_cpu_devices_in_trials_and_train(tmp_path):
    code = (
        "import tensorflow as tf; cpu = tf.config.list_physical_devices('CPU')[0]; "
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2); "
        "strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1']); " + SEARCH +
        f"r = search(data, family='resnet', max_trials=1, epochs=1, latency_runs=3, directory={str(tmp_path)!r}, "
        "distribution_strategy=strategy); "
        "import keras_cnns; from keras_cnns.training import train; "
        "builder = lambda **kw: keras_cnns.ResNet(variant='cifar', stage_blocks=(1, 1, 1), base_filters=4, **kw); "
        f"t = train(builder, data, epochs=1, out_dir={str(tmp_path / 'train')!r}, strategy=strategy, verbose=0); "
        "import json; print(json.dumps({'replicas': strategy.num_replicas_in_sync, "
        "'trial': r.trials[0]['status'], 'distributed': isinstance(t['model'].weights[0].value, "
        "tf.distribute.DistributedValues), 'epochs': len(t['history'])}))"
    )
    process = python(code)
    out, err = process.communicate(timeout=540)
    assert process.returncode == 0, err[-2000:]
    assert json.loads(out.strip().splitlines()[-1]) == {"replicas": 2, "trial": "COMPLETED", "distributed": True,
                                                        "epochs": 1}
