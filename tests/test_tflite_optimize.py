"""tflite.bridge (Keras 3 <-> tf_keras, identical outputs) and tfmot QAT / pruning / clustering, exported."""

import keras
import numpy as np
import pytest
import tf_keras

import keras_cnns
import tflite
from tflite.bridge import KerasLayer
from tflite.datasets import resolve
from tflite.optimize import distinct_kernel_values

SHAPE = (32, 32, 1)


# mobilenet_v1_025: DepthwiseConv2D, BatchNormalization, ReLU(max_value=6), ZeroPadding2D, Dropout, Reshape.
# The rest have layers tf_keras has no twin for, which run as KerasLayer: (model, shape, those layers' classes).
BRIDGED = [("lenet5_modern", (32, 32, 1), []), ("vgg11_bn", (32, 32, 3), []), ("nin", (32, 32, 3), []),
           ("all_cnn_c", (32, 32, 3), []), ("mobilenet_v1_025", (32, 32, 1), []),
           ("lenet5", (32, 32, 1), ["Conv2D", "Dense", "PartialConv2D", "Subsampling"]),  # scaled_tanh activations
           ("zfnet", (53, 53, 3), ["LocalResponseNormalization"]), ("resnet20", (32, 32, 3), ["ZeroPaddedIdentity"]),
           ("shufflenet_v2_x0_5", (32, 32, 3), ["ChannelShuffle", "ChannelSplit"]),
           ("st_cnn", (28, 28, 1), ["SpatialTransformer"])]


@pytest.mark.parametrize("name, shape, run_as_keras_layer", BRIDGED)
def test_bridge_round_trip_gives_identical_outputs(name, shape, run_as_keras_layer):
    model = keras_cnns.get_model(name, input_shape=shape, classes=7)
    # Non-trivial batch-norm statistics and biases, so that copying them is tested too.
    model.set_weights([w + np.random.default_rng(i).normal(0, 0.05, w.shape).astype(w.dtype) if w.ndim == 1 else w
                       for i, w in enumerate(model.get_weights())])
    images = np.random.default_rng(0).random((4, *shape), dtype=np.float32)
    legacy = tflite.to_tf_keras(model)
    assert isinstance(legacy, tf_keras.Model) and not isinstance(legacy, keras.Model)
    assert legacy.count_params() == model.count_params()
    wrapped = {layer.name: type(layer.keras_layer).__name__ for layer in legacy.layers
               if isinstance(layer, KerasLayer)}
    assert sorted(set(wrapped.values())) == run_as_keras_layer
    assert all(type(model.get_layer(name)).__name__ == kind for name, kind in wrapped.items())
    back = tflite.to_keras(legacy)
    assert isinstance(back, keras.Model)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in model.layers]
    reference = model.predict(images, verbose=0)
    np.testing.assert_allclose(legacy.predict(images, verbose=0), reference, atol=1e-6, rtol=0)
    np.testing.assert_allclose(back.predict(images, verbose=0), reference, atol=1e-6, rtol=0)


def test_bridge_refuses_nested_models_naming_them():
    inner = keras.Sequential([keras.layers.Dense(3)], name="inner_block")
    inputs = keras.Input((5,))
    model = keras.Model(inputs, inner(inputs))
    with pytest.raises(ValueError, match="inner_block.*nested model"):
        tflite.to_tf_keras(model)


def test_bridge_refuses_a_subclassed_model():
    class Tiny(keras.Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="functional"):
        tflite.to_tf_keras(Tiny())
    with pytest.raises(TypeError, match="keras.Model"):
        tflite.to_tf_keras("lenet5_modern")


@pytest.fixture(scope="module")
def trained_lenet():
    keras.utils.set_random_seed(0)
    x_train, y_train = resolve("digits", SHAPE, argument="data", split="train")
    model = keras_cnns.get_model("lenet5_modern", input_shape=SHAPE, classes=10)
    model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0)
    return model, resolve("digits", SHAPE, argument="data", split="holdout")


def test_quantization_aware_training_exports_int8_without_representative_data(trained_lenet, tmp_path):
    model, holdout = trained_lenet
    qat = tflite.quantization_aware(model, "digits", epochs=1, steps_per_epoch=4)
    assert any("Quantize" in type(layer).__name__ for layer in qat.layers)
    report = tflite.export(qat, str(tmp_path / "qat.tflite"), "int8")
    assert report["size_bytes"] < 0.35 * len(tflite.convert(model))
    assert "QUANTIZE" in report["ops"]
    comparison = tflite.compare(model, report["path"], holdout)
    # The int8 file after 4 QAT steps against the float model, measured over 10 trainings (seeds 0-9) on the 360
    # holdout digits: agreement 99.17% at worst (3 images), max |diff| 0.058, |accuracy delta| 0.28 pp (1 image),
    # accuracy 93.9% at worst. Bounds: one image more than the worst count, 1.3x the worst difference.
    assert comparison["agreement"] >= 0.988 and comparison["max_abs_diff"] <= 0.075
    assert abs(comparison["accuracy_delta_pp"]) <= 0.6 and comparison["tflite_accuracy"] > 0.9
    with pytest.raises(ValueError, match="quantization-aware"):
        tflite.export(qat, str(tmp_path / "x.tflite"), "float16")


def test_pruning_reaches_target_sparsity_and_exports(trained_lenet, tmp_path):
    model, holdout = trained_lenet
    pruned = tflite.prune(model, "digits", target_sparsity=0.5, epochs=2, steps_per_epoch=6)
    assert isinstance(pruned, keras.Model) and not any("Prune" in type(la).__name__ for la in pruned.layers)
    assert tflite.kernel_sparsity(pruned) == pytest.approx(0.5, abs=0.01)
    assert tflite.kernel_sparsity(model) < 0.01
    report = tflite.export(pruned, str(tmp_path / "pruned.tflite"), "int8", representative_data="digits")
    # The int8 file of the pruned model against it, measured over seeds 0-9 of the fixture's training (and of the
    # pruning after it): agreement 99.44% at worst (2 of 360 images), max |diff| 0.032. Bounds: one image more than
    # the worst count, 1.4x the worst difference.
    comparison = tflite.compare(pruned, report["path"], holdout)
    assert comparison["agreement"] >= 0.99 and comparison["max_abs_diff"] <= 0.045
    with pytest.raises(ValueError, match="target_sparsity"):
        tflite.prune(model, "digits", target_sparsity=1.5)


def test_clustering_limits_distinct_weights_and_exports(trained_lenet, tmp_path):
    model, holdout = trained_lenet
    clustered = tflite.cluster(model, n_clusters=8)
    assert distinct_kernel_values(clustered) <= 8 < distinct_kernel_values(model)
    report = tflite.export(clustered, str(tmp_path / "clustered.tflite"))
    assert tflite.compare(clustered, report["path"], holdout)["max_abs_diff"] < 1e-4
    with pytest.raises(ValueError, match="n_clusters"):
        tflite.cluster(model, n_clusters=1)


def test_fine_tune_is_the_plain_training_control_of_qat_and_pruning(trained_lenet):
    model, holdout = trained_lenet
    tuned = tflite.fine_tune(model, "digits", epochs=1, steps_per_epoch=3)
    assert isinstance(tuned, keras.Model) and [type(la) for la in tuned.layers] == [type(la) for la in model.layers]
    changed = [not np.array_equal(a, b) for a, b in zip(tuned.get_weights(), model.get_weights())]
    assert any(changed)
    images, labels = holdout
    accuracy = lambda m: np.mean(m.predict(images, verbose=0).argmax(-1) == labels)  # noqa: E731
    assert abs(accuracy(tuned) - accuracy(model)) < 0.05  # 3 fine-tuning steps barely move a trained model
    with pytest.raises(ValueError, match="epochs"):
        tflite.fine_tune(model, "digits", epochs=0)


def test_pruning_reaches_the_target_on_the_kernels_tfmot_prunes():
    """tfmot prunes Conv2D/Dense kernels and leaves DepthwiseConv2D ones (MobileNet's) dense: the target holds over
    the former. Few steps whose count is no multiple of the schedule's frequency (the final mask must still be
    applied)."""
    inputs = keras.Input((8, 8, 2))
    x = keras.layers.DepthwiseConv2D(3, depth_multiplier=8)(inputs)
    x = keras.layers.Conv2D(16, 1, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(keras.layers.Flatten()(x)))
    rng = np.random.default_rng(0)
    data = (rng.random((7 * 64, 8, 8, 2), dtype=np.float32), rng.integers(0, 4, 7 * 64))
    pruned = tflite.prune(model, data, target_sparsity=0.5, epochs=1, steps_per_epoch=7)
    assert tflite.kernel_sparsity(pruned, ("Conv2D", "Dense")) == pytest.approx(0.5, abs=0.01)
    assert tflite.kernel_sparsity(pruned, ("DepthwiseConv2D",)) < 0.01
    assert tflite.kernel_sparsity(pruned) < 0.49  # the dense depthwise kernels count in the overall figure


def test_fine_tuning_and_qat_freeze_batch_norm_by_default_pruning_trains_it():
    """Frozen BatchNormalization keeps its moving statistics and scale/offset (and runs in inference mode) while the
    other weights are fine-tuned; the returned model's BatchNormalization is trainable again."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, use_bias=False)(inputs)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn")(x))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x)))
    rng = np.random.default_rng(0)
    data = (rng.normal(3.0, 2.0, (128, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 128))
    before = [w.copy() for w in model.get_layer("bn").get_weights()]  # gamma, beta, moving mean, moving variance
    for tuned in (tflite.fine_tune(model, data, steps_per_epoch=2),
                  tflite.prune(model, data, target_sparsity=0.5, epochs=1, steps_per_epoch=2, freeze_batch_norm=True)):
        for frozen, original in zip(tuned.get_layer("bn").get_weights(), before):
            np.testing.assert_array_equal(frozen, original)
        assert tuned.get_layer("bn").trainable
        assert not np.array_equal(tuned.layers[1].get_weights()[0], model.layers[1].get_weights()[0])
    qat = tflite.quantization_aware(model, data, steps_per_epoch=2)
    frozen_bn = [w for w in qat.weights if "bn/" in w.name and "moving" in w.name]
    np.testing.assert_array_equal(frozen_bn[0].numpy(), before[2])
    # Pruning trains BatchNormalization by default (its inputs change as kernels are zeroed); fine_tune on request.
    for trained in (tflite.prune(model, data, target_sparsity=0.5, epochs=1, steps_per_epoch=2),
                    tflite.fine_tune(model, data, steps_per_epoch=2, freeze_batch_norm=False, schedule="constant")):
        assert not np.array_equal(trained.get_layer("bn").get_weights()[2], before[2])  # moving mean moved
    with pytest.raises(ValueError, match="schedule"):
        tflite.fine_tune(model, data, schedule="linear")
    with pytest.raises(ValueError, match="ramp"):
        tflite.prune(model, data, ramp=0.0)


def test_qat_activation_ranges_start_where_the_float_model_puts_them():
    """tfmot starts every activation range at [-6, 6]; calibrate_activation_ranges sets each to the mean batch
    minimum/maximum of the float tensor it quantizes: a ReLU layer's output (after Conv + BatchNormalization), a
    Dense layer's ReLU output, and the logits before softmax (a pre-activation range)."""
    import tensorflow_model_optimization as tfmot

    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(4, 3, use_bias=False, name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(keras.layers.BatchNormalization(name="bn")(x))
    x = keras.layers.Dense(5, activation="relu", name="hidden")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="out")(x))
    images = np.random.default_rng(0).normal(0.0, 4.0, (96, 6, 6, 1)).astype("float32")
    float_model = tflite.to_tf_keras(model)
    qat = tfmot.quantization.keras.quantize_model(float_model)
    range_names = ("activation_min", "activation_max", "output_min", "output_max")
    ranges = lambda: {w.name.split(":")[0]: float(w.numpy()) for w in qat.weights  # noqa: E731
                      if w.name.split(":")[0].endswith(range_names)}
    assert set(ranges().values()) == {-6.0, 6.0}
    tflite.calibrate_activation_ranges(qat, float_model, images, batch_size=32, batches=2)  # 2 of the 3 batches

    probe = keras.Model(inputs, [model.get_layer("relu").output, model.get_layer("hidden").output])
    relu, hidden = (np.asarray(t) for t in probe(images[:64]))
    kernel, bias = model.get_layer("out").get_weights()
    logits = hidden @ kernel + bias
    expected = {}
    for name, values in (("quant_relu/output", relu), ("quant_hidden/post_activation", hidden),
                         ("quant_out/pre_activation", logits)):
        expected[f"{name}_min"] = np.mean([min(values[:32].min(), 0), min(values[32:].min(), 0)])
        expected[f"{name}_max"] = np.mean([max(values[:32].max(), 0), max(values[32:].max(), 0)])
    measured = ranges()
    assert set(measured) == set(expected)
    for name, value in expected.items():
        assert measured[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    assert measured["quant_out/pre_activation_min"] < -0.1  # logits go negative: the ReLU ranges start at 0
    assert measured["quant_relu/output_min"] == 0.0 and measured["quant_relu/output_max"] > 6.0
    with pytest.raises(ValueError, match="calibration_batches"):
        tflite.quantization_aware(model, (images, np.zeros(96, "int64")), calibration_batches=-1)


def test_qat_pruning_and_clustering_of_models_with_keras_layers(tmp_path):
    """The faithful LeNet-5 (its layers all run as KerasLayer, with weights): QAT exports to int8 and its file
    agrees with the fake-quantized Keras model; pruning reaches 50% on the KerasLayer kernels too; clustering
    clusters the layers with a tf_keras twin (the softmax Dense) and leaves the KerasLayers as they are."""
    model = keras_cnns.get_model("lenet5", input_shape=SHAPE, classes=10)
    images, labels = resolve("digits", SHAPE, argument="data", split="train")
    qat = tflite.quantization_aware(model, (images, labels), steps_per_epoch=3)
    report = tflite.export(qat, str(tmp_path / "lenet5_qat.tflite"), "int8")
    assert {"QUANTIZE", "AVERAGE_POOL_2D", "TANH"} <= set(report["ops"])
    # After 3 QAT steps the model is barely trained, so many images sit near a tie. Measured over seeds 0-9: agreement
    # 96.0% at worst (8 of 200 images), max |diff| 0.019. Bounds: 10 images (1.25x), 1.3x the difference.
    comparison = tflite.compare(qat, report["path"], images[:200])
    assert comparison["agreement"] >= 0.95 and comparison["max_abs_diff"] <= 0.025
    pruned = tflite.prune(model, (images, labels), target_sparsity=0.5, epochs=1, steps_per_epoch=6)
    for kind in ("PartialConv2D", "Conv2D", "Dense"):
        assert tflite.kernel_sparsity(pruned, (kind,)) == pytest.approx(0.5, abs=0.02), kind
    clustered = tflite.cluster(model, n_clusters=8)
    assert len(np.unique(clustered.get_layer("predictions").get_weights()[0])) <= 8  # a Dense twin
    for name in ("c1", "s2", "c3", "f6"):  # KerasLayers keep their weights
        for after, before in zip(clustered.get_layer(name).get_weights(), model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(after, before)


def test_qat_keeps_value_moving_layers_at_their_input_scale(tmp_path):
    """A ShuffleNet v2 unit (ChannelSplit with two outputs, ChannelShuffle) and a CIFAR ResNet shortcut
    (ZeroPaddedIdentity) run as KerasLayer; TFLite's SPLIT, RESHAPE, TRANSPOSE, STRIDED_SLICE and PAD must keep their
    input's scale, so these get no fake-quantizer of their own (with one, converting the whole ShuffleNet v2 x0.5
    failed on SPLIT's same-scale constraint), and the file converts."""
    from keras_cnns.layers import ChannelShuffle, ChannelSplit, ZeroPaddedIdentity

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.ReLU()(keras.layers.Conv2D(8, 3, padding="same")(inputs))
    for unit in (1, 2):  # the second unit splits the first one's shuffled output, as in ShuffleNet v2
        shortcut, branch = ChannelSplit(2, name=f"split{unit}")(x)
        branch = keras.layers.ReLU()(keras.layers.Conv2D(4, 1)(branch))
        x = ChannelShuffle(2, name=f"shuffle{unit}")(keras.layers.Concatenate()([shortcut, branch]))
    x = keras.layers.Add()([ZeroPaddedIdentity(16, strides=2, name="pad")(x),
                            keras.layers.Conv2D(16, 1, strides=2)(x)])
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x)))
    rng = np.random.default_rng(0)
    data = (rng.random((64, 8, 8, 3), dtype=np.float32), rng.integers(0, 4, 64))
    qat = tflite.quantization_aware(model, data, steps_per_epoch=2, calibration_batches=1)
    quantized = {layer.layer.name: bool(layer.quantize_config.get_output_quantizers(layer.layer))
                 for layer in qat.layers if isinstance(getattr(layer, "layer", None), KerasLayer)}
    assert quantized == {"split1": False, "shuffle1": False, "split2": False, "shuffle2": False, "pad": False}
    report = tflite.export(qat, str(tmp_path / "shuffle_qat.tflite"), "int8")
    assert {"SPLIT", "TRANSPOSE", "PAD", "CONV_2D"} <= set(report["ops"])
    assert tflite.compare(qat, report["path"], data[0][:32])["agreement"] >= 0.9


def test_qat_quantizes_depthwise_kernels_per_channel_as_tflite_does():
    """TFLite folds BatchNormalization into a depthwise kernel and quantizes it per output channel; QAT must
    fake-quantize it the same way. tfmot's default range is per depth-multiplier (one range for all channels of
    MobileNet's kernels); here each of the 8 channels gets the range of its own weights."""
    inputs = keras.Input((6, 6, 8))
    x = keras.layers.DepthwiseConv2D(3, use_bias=False, name="dw")(inputs)
    x = keras.layers.ReLU(6.0)(keras.layers.BatchNormalization(name="bn")(x))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x)))
    kernel = model.get_layer("dw").get_weights()[0] * np.geomspace(0.01, 1.0, 8)[:, None].astype("float32")
    model.get_layer("dw").set_weights([kernel])
    images = np.random.default_rng(0).random((64, 6, 6, 8), dtype=np.float32)
    qat = tflite.quantization_aware(model, (images, np.zeros(64, "int64")), steps_per_epoch=1, learning_rate=1e-9)
    ranges = {w.name.split("/")[-1].split(":")[0]: w.numpy() for w in qat.weights if "depthwise_kernel_m" in w.name}
    per_channel_max = np.abs(kernel).max(axis=(0, 1, 3))
    np.testing.assert_allclose(ranges["depthwise_kernel_max"], per_channel_max, rtol=1e-4)
    np.testing.assert_allclose(ranges["depthwise_kernel_min"], -per_channel_max, rtol=1e-4)
