"""Quantization-aware training, magnitude pruning and weight clustering with tfmot, for Keras 3 zoo models.

tfmot works on tf_keras models only: each function bridges the model to tf_keras (tflite.bridge), applies
tfmot there, trains with tf_keras, and returns a model `tflite.export` converts. Pruned and clustered models
are stripped of their wrappers and bridged back to Keras 3; a quantization-aware model stays a tf_keras model
(its fake-quantization wrappers have no Keras 3 counterpart) and exports to int8 without representative data.

Fine-tuning defaults. `quantization_aware` (and `fine_tune`, its control) start from a trained model and only
have to adapt it to fake quantization: Adam 1e-5 (a fine-tuning rate, 1/100 of a usual training rate) decayed to
zero along a cosine, with the BatchNormalization layers frozen (inference mode; moving statistics and
scale/offset kept, rather than re-estimated from small fine-tuning batches). `prune` has to recover from
zeroed kernels, which change the activations BatchNormalization normalizes: it trains BatchNormalization and
uses Adam 1e-3 (tfmot's pruning guide fine-tunes with Adam's default rate) with the same cosine decay. These
were chosen on a validation slice of the MNIST t10k training split (benchmarks/quantization_finetune_selection.py,
docs/quantization_finetune_selection.txt); each is an option of the functions.
"""

from __future__ import annotations

import numpy as np

from keras_cnns.checks import check_bool, check_choice, check_float, check_int
from keras_cnns.data import check_labels
from tflite.bridge import to_keras, to_tf_keras
from tflite.datasets import resolve


def _tfmot():
    import tensorflow_model_optimization as tfmot  # heavy: imported on first use

    import tflite.tfmot_layers  # noqa: F401  (registers the bridge's KerasLayer with tfmot)

    return tfmot


SCHEDULES = ("constant", "cosine")
LEARNING_RATE, SCHEDULE, FREEZE_BATCH_NORM = 1e-5, "cosine", True
# Pruning changes the activations BatchNormalization normalizes: its statistics must follow them.
PRUNE_LEARNING_RATE, PRUNE_SCHEDULE, PRUNE_FREEZE_BATCH_NORM = 1e-3, "cosine", False
CALIBRATION_BATCHES = 16


def _bridged(model, freeze_batch_norm):
    """The tf_keras copy of `model`; with `freeze_batch_norm`, its BatchNormalization layers are not trainable, which
    in tf_keras also makes them run in inference mode: fine-tuning then neither moves their moving statistics
    with small noisy batches nor their scale/offset (tfmot keeps that flag through its wrappers)."""
    import tf_keras

    check_bool("freeze_batch_norm", freeze_batch_norm)
    tf_model = to_tf_keras(model)
    if freeze_batch_norm:
        for layer in tf_model.layers:
            if isinstance(layer, tf_keras.layers.BatchNormalization):
                layer.trainable = False
    return tf_model


def _unfreeze_batch_norm(tf_model):
    import tf_keras

    for layer in tf_model.layers:
        inner = getattr(layer, "layer", layer)  # tfmot wrappers hold the layer
        if isinstance(inner, tf_keras.layers.BatchNormalization):
            inner.trainable = True
    return tf_model


def _check_fit_arguments(batch_size, epochs, steps_per_epoch, verbose):
    check_int("batch_size", batch_size, min_value=1)
    check_int("epochs", epochs, min_value=1)
    if steps_per_epoch is not None:
        check_int("steps_per_epoch", steps_per_epoch, min_value=1)
    check_int("verbose", verbose, min_value=0, max_value=2)


def _steps(images, batch_size, epochs, steps_per_epoch):
    return epochs * (steps_per_epoch or int(np.ceil(len(images) / batch_size)))


def _training_arrays(model, data):
    images, labels = resolve(data, tuple(model.inputs[0].shape[1:]), argument="data", split="train",
                             need_labels=True)
    check_labels("data", labels, int(model.outputs[0].shape[-1]))
    return images, labels


def _compile(tf_model, learning_rate, source_model, schedule="constant", steps=None):
    import tf_keras

    check_choice("schedule", schedule, SCHEDULES)
    if schedule == "cosine":
        learning_rate = tf_keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    loss_from_logits = source_model.layers[-1].get_config().get("activation") != "softmax"
    tf_model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate),
                     loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=loss_from_logits),
                     metrics=["accuracy"])


def fine_tune(model, data, epochs: int = 1, *, batch_size: int = 64, learning_rate: float = LEARNING_RATE,
              schedule: str = SCHEDULE, freeze_batch_norm: bool = FREEZE_BATCH_NORM,
              steps_per_epoch: int | None = None, verbose: int = 0):
    """Fine-tune `model` exactly as `quantization_aware` and `prune` do (same bridge, tf_keras optimizer, loss,
    batches and steps) but without fake quantization or pruning, and bridge it back to Keras 3.

    The like-for-like control of QAT and pruning: their accuracy minus this model's is the cost of quantization
    or sparsity alone, without the gain of the extra training steps. Its defaults are `quantization_aware`'s; as
    the control of `prune`, pass prune's settings (`learning_rate=PRUNE_LEARNING_RATE`, `schedule=PRUNE_SCHEDULE`,
    `freeze_batch_norm=PRUNE_FREEZE_BATCH_NORM` of this module).
    """
    _check_fit_arguments(batch_size, epochs, steps_per_epoch, verbose)
    check_float("learning_rate", learning_rate, min_value=0.0, min_inclusive=False)
    images, labels = _training_arrays(model, data)
    tuned = _bridged(model, freeze_batch_norm)
    _compile(tuned, learning_rate, model, schedule, _steps(images, batch_size, epochs, steps_per_epoch))
    tuned.fit(images, labels, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=verbose)
    return to_keras(_unfreeze_batch_norm(tuned))


def _activation_range_variables(qat_model):
    """(min variable, max variable, tensor name, pre_activation) for every moving-average activation quantizer
    of a tfmot model: each quantizes the output of its wrapped layer, or for `pre_activation` (e.g. softmax) the
    value before that layer's activation."""
    tfmot = _tfmot()
    quantizers = tfmot.quantization.keras.quantizers
    found = []
    for wrapper in qat_model.layers:
        if not isinstance(wrapper, tfmot.quantization.keras.QuantizeWrapper):
            continue
        name = wrapper.layer.name
        for activation in wrapper._quantize_activations:
            if not isinstance(activation.quantizer, quantizers.MovingAverageQuantizer):
                continue
            if activation._should_pre_quantize():
                found.append((activation._pre_activation_vars, name, True))
            if activation._should_post_quantize():
                found.append((activation._post_activation_vars, name, False))
        if wrapper._output_quantizers and isinstance(wrapper._output_quantizers[0], quantizers.MovingAverageQuantizer):
            found.append((wrapper._output_quantizer_vars, name, False))
    return [(v["min_var"], v["max_var"], name, pre) for v, name, pre in found if v["min_var"].shape.rank == 0]


def calibrate_activation_ranges(qat_model, float_model, images, batch_size: int = 64,
                                batches: int = CALIBRATION_BATCHES):
    """Set the activation ranges of a freshly quantized tfmot model from the float model it was made of.

    tfmot starts every moving-average activation range at [-6, 6] and moves it by 0.1% of the batch range per
    step (EMA decay 0.999): after 1,000 QAT steps a range still holds 37% of that start. ReLU outputs then waste a
    quarter of the 8-bit levels below zero, and activations beyond 6 (LeNet-5's f6 reaches 20) stay clipped, so
    QAT ended below post-training quantization. Here each range starts at the average over `batches` training
    batches of the batch minimum and maximum (with 0 inside, as tfmot keeps it): where the EMA itself converges.
    Ranges tfmot's layer transforms moved to layers the float model does not have keep tfmot's start.
    """
    import tf_keras

    check_int("batch_size", batch_size, min_value=1)
    check_int("batches", batches, min_value=1)
    targets, tensors = [], []
    for min_var, max_var, name, pre_activation in _activation_range_variables(qat_model):
        try:
            layer = float_model.get_layer(name)
        except ValueError:
            continue
        tensor = layer.output
        if pre_activation:  # the same layer with a linear activation, sharing its weights
            linear = type(layer).from_config({**layer.get_config(), "activation": "linear", "name": f"{name}_linear"})
            tensor = linear(layer.input)
            linear.set_weights(layer.get_weights())
        targets.append((min_var, max_var))
        tensors.append(tensor)
    if not tensors:
        return qat_model
    probe = tf_keras.Model(float_model.inputs, tensors)
    lows, highs = np.zeros(len(tensors)), np.zeros(len(tensors))
    count = min(batches, int(np.ceil(len(images) / batch_size)))
    for start in range(0, count * batch_size, batch_size):
        outputs = probe(images[start:start + batch_size], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        lows += [min(float(np.min(o)), 0.0) for o in outputs]
        highs += [max(float(np.max(o)), 0.0) for o in outputs]
    for (min_var, max_var), low, high in zip(targets, lows / count, highs / count):
        min_var.assign(low)
        max_var.assign(high)
    return qat_model


def quantization_aware(model, data, epochs: int = 1, *, batch_size: int = 64, learning_rate: float = LEARNING_RATE,
                       schedule: str = SCHEDULE, freeze_batch_norm: bool = FREEZE_BATCH_NORM,
                       calibration_batches: int = CALIBRATION_BATCHES, steps_per_epoch: int | None = None,
                       verbose: int = 0):
    """Fine-tune `model` with fake quantization on `data`'s training split: tfmot's default 8-bit scheme, with
    DepthwiseConv2D kernels quantized per output channel as TFLite does and KerasLayers (see tflite.bridge)
    quantized at their outputs (tflite.tfmot_layers).

    Before training, the activation ranges start where post-training quantization would put them: measured on
    `calibration_batches` training batches of the float model (see `calibrate_activation_ranges`; 0 keeps
    tfmot's fixed [-6, 6] start).

    Returns the quantization-aware tf_keras model; `tflite.export(qat, path, "int8")` gives its int8 file
    (the ranges were learnt: no representative data needed).
    """
    _check_fit_arguments(batch_size, epochs, steps_per_epoch, verbose)
    check_float("learning_rate", learning_rate, min_value=0.0, min_inclusive=False)
    check_int("calibration_batches", calibration_batches, min_value=0)
    images, labels = _training_arrays(model, data)
    float_model = _bridged(model, freeze_batch_norm)
    from tflite.tfmot_layers import quantize_model  # heavy: imports tfmot

    qat_model = quantize_model(float_model)
    if calibration_batches:
        calibrate_activation_ranges(qat_model, float_model, images, batch_size, calibration_batches)
    _compile(qat_model, learning_rate, model, schedule, _steps(images, batch_size, epochs, steps_per_epoch))
    qat_model.fit(images, labels, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch,
                  verbose=verbose)
    return _unfreeze_batch_norm(qat_model)


def prune(model, data, target_sparsity: float = 0.5, epochs: int = 2, *, batch_size: int = 64,
          learning_rate: float = PRUNE_LEARNING_RATE, schedule: str = PRUNE_SCHEDULE,
          freeze_batch_norm: bool = PRUNE_FREEZE_BATCH_NORM,
          ramp: float = 2 / 3, steps_per_epoch: int | None = None, verbose: int = 0):
    """Magnitude-prune `model` to `target_sparsity` while fine-tuning on `data` (tfmot's
    `prune_low_magnitude` with a polynomial schedule over the first 2/3 of the steps), then strip the pruning
    wrappers and bridge back to Keras 3. Raises if the pruned kernels miss the target sparsity.
    """
    import tf_keras

    check_float("target_sparsity", target_sparsity, min_value=0.0, max_value=1.0, max_inclusive=False)
    _check_fit_arguments(batch_size, epochs, steps_per_epoch, verbose)
    check_float("learning_rate", learning_rate, min_value=0.0, min_inclusive=False)
    check_float("ramp", ramp, min_value=0.0, max_value=1.0, min_inclusive=False)
    images, labels = _training_arrays(model, data)
    sparsity = _tfmot().sparsity.keras
    steps = _steps(images, batch_size, epochs, steps_per_epoch)
    frequency = max(1, steps // 20)
    # tfmot updates the masks only on steps that are multiples of `frequency`: the end step must be one, or the
    # final sparsity is never applied.
    end_step = max(frequency, int(steps * ramp) // frequency * frequency)
    sparsity_schedule = sparsity.PolynomialDecay(initial_sparsity=0.0, final_sparsity=target_sparsity, begin_step=0,
                                        end_step=end_step, frequency=frequency)
    pruned = sparsity.prune_low_magnitude(_bridged(model, freeze_batch_norm), pruning_schedule=sparsity_schedule)
    _compile(pruned, learning_rate, model, schedule, steps)
    pruned.fit(images, labels, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch,
               verbose=verbose, callbacks=[sparsity.UpdatePruningStep()])
    # tfmot prunes Conv2D/Dense kernels but leaves some layers (e.g. DepthwiseConv2D) dense.
    from tflite.tfmot_layers import wrapped_class_name

    pruned_types = tuple({wrapped_class_name(wrapper.layer) for wrapper in pruned.layers
                          if getattr(wrapper, "pruning_vars", None)})
    stripped = _unfreeze_batch_norm(sparsity.strip_pruning(pruned))
    assert isinstance(stripped, tf_keras.Model)
    result = to_keras(stripped)
    reached = kernel_sparsity(result, pruned_types)
    if reached < target_sparsity - 0.01:
        raise RuntimeError(f"pruning reached sparsity {reached:.3f} over the {', '.join(pruned_types)} kernels, "
                           f"short of target_sparsity={target_sparsity}; train more steps")
    return result


def cluster(model, n_clusters: int = 16, data=None, epochs: int = 1, *, batch_size: int = 64,
            learning_rate: float = 1e-5, steps_per_epoch: int | None = None, verbose: int = 0):
    """Cluster each layer's weights into `n_clusters` shared values (tfmot's `cluster_weights`, k-means++
    initialisation), optionally fine-tune on `data`, strip the wrappers and bridge back to Keras 3."""
    check_int("n_clusters", n_clusters, min_value=2)
    _check_fit_arguments(batch_size, epochs, steps_per_epoch, verbose)
    check_float("learning_rate", learning_rate, min_value=0.0, min_inclusive=False)
    clustering = _tfmot().clustering.keras
    clustered = clustering.cluster_weights(
        to_tf_keras(model), number_of_clusters=n_clusters,
        cluster_centroids_init=clustering.CentroidInitialization.KMEANS_PLUS_PLUS)
    if data is not None:
        images, labels = _training_arrays(model, data)
        _compile(clustered, learning_rate, model)
        clustered.fit(images, labels, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      verbose=verbose)
    return to_keras(clustering.strip_clustering(clustered))


def kernel_sparsity(model, layer_types=None) -> float:
    """Fraction of zeros over the kernels (weights of rank >= 2) of a Keras model: what pruning acts on; only
    over the layers of the class names in `layer_types` if given (e.g. ("Conv2D", "Dense"), what tfmot prunes)."""
    kernels = [w for layer in model.layers if layer_types is None or type(layer).__name__ in layer_types
               for w in layer.get_weights() if w.ndim >= 2]
    return float(sum(np.sum(w == 0) for w in kernels) / sum(w.size for w in kernels))


def distinct_kernel_values(model) -> int:
    """The largest number of distinct values in any one kernel (clustering bounds it by n_clusters)."""
    return max(len(np.unique(w)) for w in model.get_weights() if w.ndim >= 2)
