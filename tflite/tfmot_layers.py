"""How tfmot quantizes and prunes bridged models: the bridge's `KerasLayer` (a Keras 3 layer run inside tf_keras,
see tflite.bridge), and DepthwiseConv2D kernels quantized per channel as TFLite quantizes them.

tfmot knows only its own registry of built-in layers. A `KerasLayer` is one opaque layer to it: quantization-aware
training fake-quantizes its output (8-bit, tfmot's default activation quantizer), leaving its weights to the
TFLite converter as post-training quantization would; pruning prunes its kernels (it is a `PrunableLayer`);
clustering leaves its weights as they are (a `ClusterableLayer` with no clusterable weights).
Imported by tflite.optimize on first use (tfmot is a heavy import).
"""

from __future__ import annotations

import copy

import tensorflow as tf
import tensorflow_model_optimization as tfmot
import tf_keras

from tflite.bridge import KerasLayer

_quantization = tfmot.quantization.keras
tfmot.sparsity.keras.PrunableLayer.register(KerasLayer)
tfmot.clustering.keras.ClusterableLayer.register(KerasLayer)


# keras_cnns layers whose outputs only move their inputs' values (permute, split, subsample, pad with zeros): TFLite
# requires such ops to keep their input's scale, so their outputs must not get a fake-quantizer of their own.
VALUE_MOVING_LAYERS = ("ChannelShuffle", "ChannelSplit", "ZeroPaddedIdentity")


class OutputQuantizeConfig(_quantization.QuantizeConfig):
    """Fake-quantize a layer's output only; with `quantize_output=False` nothing (tfmot quantizes one output per
    layer: a layer with several, e.g. ChannelSplit's halves, passes values through, the next layers quantize)."""

    def __init__(self, quantize_output: bool = True):
        self.quantize_output = quantize_output

    def get_weights_and_quantizers(self, layer):
        return []

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        pass

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        if not self.quantize_output:
            return []
        return [_quantization.quantizers.MovingAverageQuantizer(num_bits=8, per_axis=False, symmetric=False,
                                                                narrow_range=False)]

    def get_config(self):
        return {"quantize_output": self.quantize_output}


class DepthwiseKernelQuantizer(_quantization.quantizers.LastValueQuantizer):
    """Per-channel fake quantization of a DepthwiseConv2D kernel (kh, kw, channels, multiplier) along its
    channels x multiplier outputs, the axis TFLite quantizes. tfmot's conv quantizer takes the last axis, the
    multiplier (1 in MobileNet), so its "per-channel" depthwise kernel is per-tensor; once TFLite folds
    BatchNormalization in and re-quantizes per channel, the file no longer computes what QAT trained (in one 300-step
    QAT run of MobileNet 0.25, the QAT model and its own file disagreed on 0.7% of the MNIST validation slice; 0.4%
    with this quantizer)."""

    def __init__(self):
        super().__init__(num_bits=8, per_axis=True, symmetric=True, narrow_range=True)

    def build(self, tensor_shape, name, layer):
        outputs = int(tensor_shape[-2]) * int(tensor_shape[-1])
        return {bound: layer.add_weight(f"{name}_{bound[:3]}", shape=(outputs,), trainable=False,
                                        initializer=tf_keras.initializers.Constant(start))
                for bound, start in (("min_var", -6.0), ("max_var", 6.0))}

    def __call__(self, inputs, training, weights, **kwargs):
        height, width, channels, multiplier = inputs.shape
        per_output = tf.reshape(inputs, (height, width, 1, channels * multiplier))
        quantized = super().__call__(per_output, training, weights, **kwargs)
        return tf.reshape(quantized, (height, width, channels, multiplier))

    def get_config(self):
        return {}


class _QuantizeRegistry(_quantization.default_8bit.Default8BitQuantizeRegistry):
    """tfmot's default 8-bit registry, with DepthwiseKernelQuantizer for DepthwiseConv2D kernels."""

    def __init__(self):
        super().__init__()
        depthwise = copy.copy(self._layer_quantize_map[tf_keras.layers.DepthwiseConv2D])
        depthwise.weight_quantizer = DepthwiseKernelQuantizer()
        self._layer_quantize_map[tf_keras.layers.DepthwiseConv2D] = depthwise


class QuantizeScheme(_quantization.default_8bit.Default8BitQuantizeScheme):
    """tfmot's default 8-bit scheme (its layer transforms: BatchNormalization folding, ReLU fusing), with
    per-channel depthwise kernels."""

    def get_quantize_registry(self):
        return _QuantizeRegistry()


def quantize_model(tf_model):
    """tfmot's `quantize_model` with `QuantizeScheme`, and every `KerasLayer` annotated with
    `OutputQuantizeConfig` (tfmot refuses layers it has no config for)."""

    def annotate(layer):
        clone = layer.__class__.from_config(layer.get_config())
        if isinstance(layer, KerasLayer):
            quantize_output = not isinstance(layer.output, (list, tuple)) and \
                wrapped_class_name(layer) not in VALUE_MOVING_LAYERS
            return _quantization.quantize_annotate_layer(clone, quantize_config=OutputQuantizeConfig(quantize_output))
        return clone

    if any(isinstance(layer, KerasLayer) for layer in tf_model.layers):
        weights = tf_model.get_weights()
        tf_model = tf_keras.models.clone_model(tf_model, clone_function=annotate)
        tf_model.set_weights(weights)
    with _quantization.quantize_scope({"OutputQuantizeConfig": OutputQuantizeConfig, "KerasLayer": KerasLayer}):
        return _quantization.quantize_apply(_quantization.quantize_annotate_model(tf_model), QuantizeScheme())


def wrapped_class_name(layer) -> str:
    """The class name of `layer`, or of the Keras 3 layer a `KerasLayer` runs."""
    return type(getattr(layer, "keras_layer", layer)).__name__
