"""How tfmot treats the bridge's `KerasLayer` (a Keras 3 layer run inside tf_keras, see tflite.bridge).

tfmot knows only its own registry of built-in layers. A `KerasLayer` is one opaque layer to it: quantization-aware
training fake-quantizes its output (8-bit, tfmot's default activation quantizer), leaving its weights to the
TFLite converter as post-training quantization would; pruning prunes its kernels (it is a `PrunableLayer`);
clustering leaves its weights as they are (a `ClusterableLayer` with no clusterable weights).
Imported by tflite.optimize on first use (tfmot is a heavy import).
"""

from __future__ import annotations

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


def quantize_model(tf_model):
    """tfmot's `quantize_model`, with every `KerasLayer` annotated with `OutputQuantizeConfig` (tfmot refuses
    layers it has no config for)."""
    if not any(isinstance(layer, KerasLayer) for layer in tf_model.layers):
        return _quantization.quantize_model(tf_model)

    def annotate(layer):
        clone = layer.__class__.from_config(layer.get_config())
        if isinstance(layer, KerasLayer):
            quantize_output = not isinstance(layer.output, (list, tuple)) and \
                wrapped_class_name(layer) not in VALUE_MOVING_LAYERS
            return _quantization.quantize_annotate_layer(clone, quantize_config=OutputQuantizeConfig(quantize_output))
        return clone

    annotated = tf_keras.models.clone_model(tf_model, clone_function=annotate)
    annotated.set_weights(tf_model.get_weights())
    with _quantization.quantize_scope({"OutputQuantizeConfig": OutputQuantizeConfig, "KerasLayer": KerasLayer}):
        return _quantization.quantize_apply(_quantization.quantize_annotate_model(annotated))


def wrapped_class_name(layer) -> str:
    """The class name of `layer`, or of the Keras 3 layer a `KerasLayer` runs."""
    return type(getattr(layer, "keras_layer", layer)).__name__
