"""Multiply-adds (MACs, the "FLOPs" of the CNN papers) counted on a built Keras graph, per image.

Convolutions (plain, grouped, depthwise, separable, transposed) and dense layers are counted from the
shapes each call of the layer sees; pooling, normalization and activations are not (as in the papers and
torchvision's tables). A custom layer counts itself by defining
`multiply_adds(input_shapes, output_shapes) -> int`.
"""

from __future__ import annotations

import math

import keras
from keras import layers


def _spatial(shape) -> int:
    return math.prod(int(d) for d in shape[1:-1])


def layer_multiply_adds(layer, input_shapes, output_shapes) -> int:
    if not input_shapes or not output_shapes:  # the input layer
        return 0
    if hasattr(layer, "multiply_adds"):
        return int(layer.multiply_adds(input_shapes, output_shapes))
    in_shape, out_shape = input_shapes[0], output_shapes[0]
    if isinstance(layer, layers.SeparableConv2D) or isinstance(layer, layers.SeparableConv1D):
        in_channels = int(in_shape[-1])
        depthwise_channels = in_channels * layer.depth_multiplier
        depthwise = _spatial(out_shape) * depthwise_channels * math.prod(layer.kernel_size)
        return depthwise + _spatial(out_shape) * depthwise_channels * int(out_shape[-1])
    if isinstance(layer, (layers.DepthwiseConv2D, layers.DepthwiseConv1D)):
        return _spatial(out_shape) * int(out_shape[-1]) * math.prod(layer.kernel_size)
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        return _spatial(in_shape) * int(in_shape[-1]) * math.prod(layer.kernel_size) * int(out_shape[-1])
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        per_output = math.prod(layer.kernel_size) * int(in_shape[-1]) // layer.groups
        return _spatial(out_shape) * int(out_shape[-1]) * per_output
    if isinstance(layer, layers.Dense):
        return math.prod(int(d) for d in in_shape[1:]) * layer.units
    return 0


def count_multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one forward pass of one image through `model` (nested models included)."""
    total = 0
    for layer in model.layers:
        for node in layer._inbound_nodes:
            input_shapes = [tuple(t.shape) for t in node.input_tensors]
            output_shapes = [tuple(t.shape) for t in node.output_tensors]
            if any(d is None for shape in input_shapes + output_shapes for d in shape[1:]):
                raise ValueError(
                    f"model must have a static input shape to count multiply-adds; layer {layer.name} sees "
                    f"{input_shapes} -> {output_shapes}"
                )
            if isinstance(layer, keras.Model):
                total += count_multiply_adds(layer)
            else:
                total += layer_multiply_adds(layer, input_shapes, output_shapes)
    return total
