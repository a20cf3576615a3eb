import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_cnns import cli
from keras_cnns.training import compile_with_recipe, ensemble, get_recipe, read_history, train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tiny(input_shape=(8, 8, 1), classes=3, aux=False, name="tiny"):
    inputs = keras.Input(input_shape)
    features = keras.layers.Flatten()(inputs)
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(features)
    outputs = [keras.layers.Dense(classes, activation="softmax", name="predictions")(hidden)]
    if aux:
        outputs += [keras.layers.Dense(classes, activation="softmax", name=f"aux{i}_predictions")(features)
                    for i in (1, 2)]
    return keras.Model(inputs, outputs if aux else outputs[0], name=name)


def test_recipes_configure_the_papers_optimizers_and_losses():
    alexnet = compile_with_recipe(_tiny(), "alexnet", steps_per_epoch=10, epochs=4).optimizer
    assert isinstance(alexnet, keras.optimizers.SGD)
    assert (alexnet.momentum, alexnet.weight_decay, float(alexnet.learning_rate)) == pytest.approx((0.9, 5e-4, 0.01))
    assert get_recipe("vgg").reduce_on_plateau and get_recipe("alexnet").reduce_on_plateau

    model = compile_with_recipe(_tiny(), "inception_v3", steps_per_epoch=10, epochs=4)
    rmsprop = model.optimizer
    assert isinstance(rmsprop, keras.optimizers.RMSprop) and (rmsprop.rho, rmsprop.epsilon) == (0.9, 1.0)
    assert model.loss.get_config()["label_smoothing"] == 0.1
    # x0.94 every 2 epochs of 10 steps
    assert float(rmsprop.learning_rate) == pytest.approx(0.045)
    assert float(rmsprop._learning_rate(20)) == pytest.approx(0.045 * 0.94)

    resnet = compile_with_recipe(_tiny(), "resnet", steps_per_epoch=10, epochs=4).optimizer
    assert resnet.weight_decay == pytest.approx(1e-4) and resnet.momentum == 0.9
    assert [float(resnet._learning_rate(s)) for s in (0, 21, 31)] == pytest.approx([0.1, 0.01, 0.001])

    modern = compile_with_recipe(_tiny(), "modern", steps_per_epoch=10, epochs=4).optimizer
    assert isinstance(modern, keras.optimizers.AdamW)
    assert [float(modern._learning_rate(s)) for s in (0, 10, 40)] == pytest.approx([0.0, 1e-3, 0.0], abs=1e-9)
    with pytest.raises(ValueError, match="recipe must be one of 'alexnet', 'googlenet', 'inception_v3'"):
        get_recipe("adam")


def test_googlenet_recipe_weights_auxiliary_losses_by_output_name(tmp_path):
    rng = np.random.default_rng(0)
    images, labels = rng.random((48, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 48)
    result = train(lambda input_shape, classes: _tiny(input_shape, classes, aux=True), (images, labels),
                   recipe="googlenet", epochs=1, out_dir=str(tmp_path / "run"), batch_size=16, verbose=0)
    model = result["model"]
    scores = model.evaluate(images, {n: labels for n in ("predictions", "aux1_predictions", "aux2_predictions")},
                            batch_size=48, verbose=0, return_dict=True)
    weighted = scores["predictions_loss"] + 0.3 * (scores["aux1_predictions_loss"] + scores["aux2_predictions_loss"])
    assert scores["loss"] == pytest.approx(weighted, rel=1e-4)
    assert result["monitor"] == "val_predictions_accuracy" and os.path.isfile(result["best_path"])
    smoothed = train(lambda input_shape, classes: _tiny(input_shape, classes), (images, labels),
                     recipe="inception_v3", epochs=1, out_dir=str(tmp_path / "smooth"), batch_size=16, verbose=0)
    assert len(smoothed["history"]) == 1
    # 3 batches an epoch (43 training images, batch 16): an odd count of steps for 2 steps per execution.
    stepped = train(lambda input_shape, classes: _tiny(input_shape, classes), (images, labels), epochs=1,
                    out_dir=str(tmp_path / "stepped"), batch_size=16, steps_per_execution=2, verbose=0)
    assert stepped["model"].steps_per_execution == 2 and len(stepped["history"]) == 1
    with pytest.raises(ValueError, match="steps_per_execution must be an integer >= 1; got 0"):
        train("lenet5_modern", (images, labels), out_dir=str(tmp_path / "never"), steps_per_execution=0)
    assert not (tmp_path / "never").exists()


def test_ensemble_averages_members_and_loads_in_safe_mode(tmp_path):
    members = [_tiny(name="lenet"), _tiny(name="lenet"), _tiny(name="lenet")]
    model = ensemble(members)
    images = np.random.default_rng(1).random((5, 8, 8, 1)).astype("float32")
    expected = np.mean([m.predict(images, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "ensemble.keras")
    loaded = keras.saving.load_model(tmp_path / "ensemble.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="members must be a list of at least two"):
        ensemble(members[:1])
    with pytest.raises(ValueError, match=r"members\[1\] takes inputs of shape"):
        ensemble([members[0], _tiny(input_shape=(9, 9, 1))])


def test_killed_training_resumes_without_losing_epochs_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "keras_cnns.cli", "train", "lenet5_modern", "--data", "digits", "--epochs", "5",
               "--out", str(out), "--verbose", "2"]
    environment = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metadata = out / "backup" / "training_metadata.json"
    deadline = time.time() + 240
    while not metadata.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert metadata.exists(), "no epoch was backed up before the deadline"
    done = json.loads(metadata.read_text())["epoch"]
    assert 1 <= done < 5

    assert cli.main(command[3:]) == 0  # same command again, in this process
    printed = capsys.readouterr().out
    assert f"Epoch {done + 1}/5" in printed
    assert f"Epoch {done}/5" not in printed  # finished epochs are not run again
    assert [int(row["epoch"]) for row in read_history(out / "history.csv")] == [0, 1, 2, 3, 4]
    assert not (out / "backup").exists() and (out / "training_curves.png").stat().st_size > 0
    assert any(name.startswith("events") for _, _, files in os.walk(out / "logs") for name in files)

    best = (out / "best.keras").read_bytes()
    assert cli.main(command[3:]) == 2
    assert "already holds a finished run" in capsys.readouterr().err
    assert cli.main(["train", "lenet5_modern", "--epochs", "0", "--out", str(out)]) == 2
    assert "epochs must be an integer >= 1; got 0" in capsys.readouterr().err
    assert cli.main(["train", "lenet5_modern", "--recipe", "sgd", "--out", str(tmp_path / "other")]) == 2
    assert "recipe must be one of" in capsys.readouterr().err and not (tmp_path / "other").exists()
    assert (out / "best.keras").read_bytes() == best


def _event_tags(directory):
    import tensorflow as tf

    tags = set()
    for root, _, files in os.walk(directory):
        for name in files:
            if name.startswith("events"):
                for event in tf.compat.v1.train.summary_iterator(os.path.join(root, name)):
                    tags.update(value.tag for value in event.summary.value)
    return tags


def test_epoch_tensorboard_skips_batch_work_only_when_it_logs_per_epoch(tmp_path, monkeypatch):
    from keras_cnns.training import EpochTensorBoard

    calls = []
    original = keras.callbacks.TensorBoard.on_train_batch_end
    monkeypatch.setattr(keras.callbacks.TensorBoard, "on_train_batch_end",
                        lambda self, batch, logs=None: (calls.append(batch), original(self, batch, logs)))
    rng = np.random.default_rng(0)
    images, labels = rng.random((32, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 32)
    for update_freq, expected_calls in (("epoch", 1), (1, 8)):  # 2 epochs x 4 batches
        calls.clear()
        model = compile_with_recipe(_tiny(), "modern", steps_per_epoch=4, epochs=2)
        logs = tmp_path / str(update_freq)
        model.fit(images, labels, batch_size=8, epochs=2, verbose=0,
                  callbacks=[EpochTensorBoard(str(logs), update_freq=update_freq)])
        assert len(calls) == expected_calls  # per epoch: only the first batch, which writes the graph
        tags = _event_tags(logs)
        assert {"epoch_loss", "epoch_accuracy"} <= tags
        assert ("batch_loss" in tags) == (update_freq == 1)


def _conv_bn_net(input_shape, classes):
    inputs = keras.Input(input_shape)
    features = inputs
    for filters in (16, 32, 64):
        features = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(features)
        features = keras.layers.ReLU()(keras.layers.BatchNormalization()(features))
        features = keras.layers.MaxPooling2D()(features) if filters < 64 else features
    features = keras.layers.GlobalAveragePooling2D()(features)
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(features))


def test_a_short_run_scores_with_batch_norm_statistics_of_its_final_weights(tmp_path):
    """46 steps of a conv/BN net on digits: Keras' moving averages (momentum 0.99) still hold the early weights'
    statistics, and the model scored 0.10 on the test digits with them; recomputed (`PreciseBatchNorm`), 0.91."""
    from keras_cnns.data import load_dataset

    keras.utils.set_random_seed(0)
    dataset = load_dataset("digits", batch_size=64, validation_split=0.0, seed=0)
    result = train(lambda **kwargs: _conv_bn_net(**kwargs), dataset, epochs=2, out_dir=str(tmp_path / "run"),
                   verbose=0)
    assert result["test_accuracy"] > 0.6
    with pytest.raises(TypeError, match="precise_batch_norm"):
        train(lambda **kwargs: _conv_bn_net(**kwargs), dataset, precise_batch_norm=1, out_dir=str(tmp_path / "b"))


def test_recomputed_batch_norm_statistics_are_the_datas_own_and_frozen_layers_keep_theirs():
    import tensorflow as tf

    from keras_cnns.training import recompute_batch_norm_statistics

    keras.utils.set_random_seed(1)
    inputs = keras.Input((6, 6, 2))
    convolved = keras.layers.Conv2D(3, 3, name="conv")(inputs)
    inner_input = keras.Input((4, 4, 3))
    inner = keras.Model(inner_input, keras.layers.BatchNormalization(name="bn")(inner_input), name="inner")
    frozen = keras.layers.BatchNormalization(name="frozen")
    frozen.trainable = False
    model = keras.Model(inputs, frozen(inner(convolved)))
    images = np.random.default_rng(0).normal(2.0, 3.0, (24, 6, 6, 2)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((images, np.zeros(24, "int32"))).batch(8)

    assert recompute_batch_norm_statistics(model, data, batches=10) == 3
    features = keras.Model(inputs, convolved)(images).numpy().reshape(-1, 3)
    batch_norm = inner.get_layer("bn")
    np.testing.assert_allclose(batch_norm.moving_mean.numpy(), features.mean(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(batch_norm.moving_variance.numpy(), features.var(0), rtol=1e-3)
    assert batch_norm.momentum == 0.99  # restored
    np.testing.assert_array_equal(frozen.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(frozen.moving_variance.numpy(), np.ones(3))
    assert recompute_batch_norm_statistics(model, data, batches=2) == 2  # the first batches only

    with pytest.raises(TypeError, match="data"):
        recompute_batch_norm_statistics(model, images)
    with pytest.raises(ValueError, match="batches"):
        recompute_batch_norm_statistics(model, data, batches=0)
    recomputed = batch_norm.moving_mean.numpy()
    with pytest.raises(ValueError, match="data"):
        recompute_batch_norm_statistics(model, data.take(0))
    wrong_shape = tf.data.Dataset.from_tensor_slices((np.zeros((16, 5, 5, 2), "float32"), np.zeros(16, "int32")))
    wrong_shape = wrong_shape.batch(8)
    with pytest.raises(ValueError):
        recompute_batch_norm_statistics(model, data.take(1).concatenate(wrong_shape))  # the second batch fails
    np.testing.assert_array_equal(batch_norm.moving_mean.numpy(), recomputed)  # kept, not the first batch's
    assert batch_norm.momentum == 0.99
