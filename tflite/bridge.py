"""The bridge between Keras 3 models and tf_keras (Keras 2) models, which tfmot requires.

tfmot's `quantize_model`, `prune_low_magnitude` and `cluster_weights` accept only tf_keras models, and
`tf_keras.models.model_from_json(keras3_model.to_json())` fails (the two config formats differ). This module
rebuilds a functional graph layer by layer in the other library, from each layer's config (keys the target
class does not take are dropped, dtype policies become dtype names, initializers are left to defaults since
the weights are copied), reconnects it from the config's inbound nodes, and copies the weights.

Layers both libraries define under the same name (Conv2D, DepthwiseConv2D, Dense, BatchNormalization, pooling,
padding, Activation/ReLU, Add, Concatenate, Flatten, Reshape, Dropout, ...) become their tf_keras twins. A layer
tf_keras has no twin for (keras_cnns' LocalResponseNormalization, Subsampling, ChannelShuffle, ScaledResidual,
..., or a standard layer with a custom activation such as LeNet-5's scaled_tanh) runs as it is inside a
`KerasLayer` (the Keras 3 layer's own `call`, on the same variables, which tf_keras tracks as its weights): one
implementation of every layer, whichever library runs it. tfmot sees a `KerasLayer` as one opaque layer
(`tflite.optimize` quantizes its output and prunes its kernels; clustering leaves it as it is). Nested models and
shared layers are refused with a ValueError naming them.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np
import tensorflow as tf
import tf_keras

DROPPED_KEYS = ("kernel_initializer", "bias_initializer", "depthwise_initializer", "pointwise_initializer",
                "gamma_initializer", "beta_initializer", "moving_mean_initializer", "moving_variance_initializer",
                "embeddings_initializer", "build_config")  # fmt: skip
BASE_LAYER_KEYS = ("name", "trainable", "dtype")


def _libraries(direction):
    import keras
    import tf_keras

    return (keras, tf_keras) if direction == "to_tf_keras" else (tf_keras, keras)


def _plain(value):
    """A Keras 3 / tf_keras serialized object reduced to what the other library reads."""
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] in ("DTypePolicy", "Policy", "FloatDTypePolicy"):
            return value["config"]["name"]
        if value.get("registered_name") and ">" in str(value.get("registered_name")):
            raise _Twinless(f"custom object {value['registered_name']}")
        return {"class_name": value["class_name"], "config": value.get("config", {})}
    return value


class _Unsupported(Exception):
    pass


class _Twinless(_Unsupported):
    """The layer (class or activation) has no twin in the target library."""


def _twin(entry: dict, target_class):
    """The target library's twin of a serialized layer: the same class name from that library's keras.layers,
    built from the config with its activation given by name."""
    class_name = entry["class_name"]
    if target_class is None or (entry.get("registered_name") and ">" in str(entry["registered_name"])) \
            or entry.get("module") not in (None, "keras.layers", "keras.src.layers"):
        raise _Twinless(f"layer class {entry.get('registered_name') or class_name}")
    return target_class.from_config(_target_config(entry["config"], target_class))


def _shape_tuple(shape):
    """tf_keras' input shape (a TensorShape, or a list of them for several inputs) as Keras 3 takes it."""
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (tf.TensorShape, list, tuple)):
        return [_shape_tuple(item) for item in shape]
    return tuple(tf.TensorShape(shape).as_list())


@tf_keras.utils.register_keras_serializable(package="keras_cnns_bridge")
class KerasLayer(tf_keras.layers.Layer):
    """A Keras 3 layer inside a tf_keras model: `call` is the Keras 3 layer's own (keras.ops on the TensorFlow
    backend are TensorFlow ops), and its variables are this layer's weights, so tf_keras trains, saves and
    clones them and tfmot can wrap the layer. `layer` is the Keras 3 layer or its serialized config."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.keras_layer = keras.saving.deserialize_keras_object(layer) if isinstance(layer, dict) else layer
        self._call_takes_training = "training" in inspect.signature(self.keras_layer.call).parameters

    def build(self, input_shape):
        if not self.keras_layer.built:
            self.keras_layer.build(_shape_tuple(input_shape))
        for variable in self.keras_layer.weights:  # Keras 3 variables wrap tf.Variables (`.value`)
            (self._trainable_weights if variable.trainable else self._non_trainable_weights).append(variable.value)
        super().build(input_shape)

    def call(self, inputs, training=None):
        if self._call_takes_training:
            return self.keras_layer.call(inputs, training=bool(training))  # None (unset) is inference
        return self.keras_layer.call(inputs)

    def get_prunable_weights(self):
        """The kernels (weights of rank >= 2) of the Keras 3 layer: what tfmot's PrunableLayer prunes."""
        return [variable.value for variable in self.keras_layer.trainable_weights
                if len(variable.shape) >= 2 and variable.path.split("/")[-1].endswith("kernel")]

    def get_clusterable_weights(self):
        """None: tfmot's clustering swaps a layer's weight attributes for clustered tensors on every call, which a
        Keras 3 layer's weight properties do not take; the layer keeps its weights as they are."""
        return []

    def get_config(self):
        return {**super().get_config(), "layer": keras.saving.serialize_keras_object(self.keras_layer)}


def _target_config(layer_config: dict, target_class) -> dict:
    parameters = inspect.signature(target_class.__init__).parameters
    config = {}
    for key, value in layer_config.items():
        if key in DROPPED_KEYS or (key not in parameters and key not in BASE_LAYER_KEYS):
            continue
        if key == "activation" and not isinstance(value, str) and value is not None:
            shown = value.get("config") if isinstance(value.get("config"), str) else value
            raise _Twinless(f"activation function {shown!r}")
        config[key] = _plain(value)
    to_keras3 = target_class.__module__.startswith("keras")
    if to_keras3 and isinstance(config.get("axis"), list) and len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]  # tf_keras' BatchNormalization stores [axis]; Keras 3 takes an int
    return config


def _inbound_references(entry: dict):
    """The (layer name, node index, tensor index) references of a layer's first inbound node, as nested lists
    mirroring the call's first argument, from either config format; plus the call kwargs."""
    nodes = entry.get("inbound_nodes") or []
    if not nodes:
        return None, {}
    if len(nodes) > 1:
        raise _Unsupported(f"layer {entry['name']!r} is called {len(nodes)} times (shared layers)")
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        def convert(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                return tuple(value["config"]["keras_history"])
            if isinstance(value, (list, tuple)):
                return [convert(v) for v in value]
            return value

        args = node["args"]
        if len(args) != 1:
            raise _Unsupported(f"layer {entry['name']!r} takes {len(args)} positional tensors")
        return convert(args[0]), dict(node.get("kwargs", {}))
    references = [tuple(item[:3]) for item in node]  # tf_keras: [[name, node, tensor, kwargs], ...]
    kwargs = dict(node[0][3]) if len(node[0]) > 3 else {}
    return (references[0] if len(references) == 1 else references), kwargs


def _single_or_list(references):
    return [references] if isinstance(references, tuple) else list(references)


def _rebuild(model, direction: str):
    source_library, target_library = _libraries(direction)
    if not isinstance(model, source_library.Model):
        raise TypeError(f"model must be a {source_library.__name__}.Model; got {type(model).__module__}."
                        f"{type(model).__name__}")
    config = model.get_config()
    if "layers" not in config or "input_layers" not in config:
        raise ValueError(f"model must be a functional model; {model.name!r} is a {type(model).__name__} "
                         "without a functional graph config")
    tensors = {}  # (layer name, node index, tensor index) -> target tensor
    target_layers = {}

    def lookup(references):
        if isinstance(references, tuple):
            return tensors[(references[0], 0, references[2])]
        if isinstance(references, list):
            return [lookup(r) for r in references]
        return references

    for entry in config["layers"]:
        class_name, name = entry["class_name"], entry["config"].get("name", entry.get("name"))
        if class_name == "InputLayer":
            shape = entry["config"].get("batch_shape") or entry["config"].get("batch_input_shape")
            tensors[(name, 0, 0)] = target_library.Input(batch_shape=tuple(shape), name=name,
                                                         dtype=entry["config"].get("dtype", "float32"))
            continue
        try:
            references, kwargs = _inbound_references(entry)
            target_class = getattr(target_library.layers, class_name, None)
            if class_name in ("Functional", "Sequential", "Model") or (
                    target_class is not None and issubclass(target_class, target_library.Model)):
                raise _Unsupported("nested model")
            try:
                if direction == "to_keras" and class_name == "KerasLayer":
                    layer = keras.saving.deserialize_keras_object(entry["config"]["layer"])
                    kwargs.pop("training", None)
                else:
                    layer = _twin(entry, target_class)
            except _Twinless:
                if direction != "to_tf_keras":
                    raise
                source = model.get_layer(name)  # run as it is (a fresh copy; the weights are copied below)
                layer = KerasLayer(source.__class__.from_config(source.get_config()), name=name)
        except _Unsupported as err:
            raise ValueError(
                f"model {model.name!r} cannot be bridged {direction.replace('_', ' ')}: layer {name!r} "
                f"({class_name}) uses an unsupported {err}"
            ) from None
        outputs = layer(lookup(references), **kwargs)
        target_layers[name] = layer
        for index, output in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
            tensors[(name, 0, index)] = output

    inputs = [lookup(tuple(r)) for r in _layer_references(config["input_layers"])]
    outputs = [lookup(tuple(r)) for r in _layer_references(config["output_layers"])]
    bridged = target_library.Model(inputs if len(inputs) > 1 else inputs[0],
                                   outputs if len(outputs) > 1 else outputs[0], name=model.name)
    for source_layer in model.layers:
        if source_layer.name in target_layers:
            source = getattr(source_layer, "keras_layer", source_layer)  # KerasLayer: in the Keras 3 layer's order
            target = target_layers[source_layer.name]
            getattr(target, "keras_layer", target).set_weights(source.get_weights())
    return bridged


def _layer_references(value):
    return [value] if value and isinstance(value[0], str) else value


def to_tf_keras(model):
    """An equivalent tf_keras model (same layers and weights) of a functional Keras 3 model."""
    return _rebuild(model, "to_tf_keras")


def to_keras(model):
    """An equivalent Keras 3 model of a functional tf_keras model (e.g. after tfmot's strip_pruning)."""
    return _rebuild(model, "to_keras")


def max_output_difference(model_a, model_b, images) -> float:
    """Largest absolute difference between two models' outputs on `images`."""
    outputs_a = np.asarray(model_a(images, training=False))
    outputs_b = np.asarray(model_b(images, training=False))
    return float(np.max(np.abs(outputs_a - outputs_b)))
