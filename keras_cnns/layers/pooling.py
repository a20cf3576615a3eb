"""Average pooling that exports to TFLite ops XNNPACK runs in int8.

XNNPACK (LiteRT's CPU delegate) takes AVERAGE_POOL_2D in float only; an int8 AVERAGE_POOL_2D runs on the
builtin kernel, several times slower than the float one and a break in the delegated graph
(docs/edge_models.md). `DepthwiseAveragePooling2D` computes the same average as a depthwise convolution
with a constant 1/(pool area) kernel, times the constant map that corrects the windows that hang over a
"same" border: DEPTHWISE_CONV_2D and MUL, both on XNNPACK's integer path.
"""

import keras
import numpy as np
from keras import ops

__all__ = ["DepthwiseAveragePooling2D", "window_counts"]


def window_counts(size: int, pool: int, stride: int, padding: str) -> np.ndarray:
    """How many input positions each output window covers along one axis (TensorFlow's padding rule: "same"
    pads `total // 2` before and the rest after; padded positions are not counted)."""
    if padding == "valid":
        return np.full((size - pool) // stride + 1, pool)
    outputs = -(-size // stride)
    before = max((outputs - 1) * stride + pool - size, 0) // 2
    starts = np.arange(outputs) * stride - before
    return np.minimum(starts + pool, size) - np.maximum(starts, 0)


@keras.saving.register_keras_serializable(package="keras_cnns")
class DepthwiseAveragePooling2D(keras.layers.AveragePooling2D):
    """keras.layers.AveragePooling2D (same arguments, no weights, the same outputs up to float rounding),
    computed as a depthwise convolution with a constant kernel so that int8 exports stay on XNNPACK.

    Falls back to the pooling op for channels_first data or unknown spatial sizes.
    """

    def call(self, inputs):
        if self.data_format != "channels_last" or None in inputs.shape[1:]:
            return super().call(inputs)
        height, width, channels = inputs.shape[1:]
        area = self.pool_size[0] * self.pool_size[1]
        kernel = np.full((*self.pool_size, channels, 1), 1 / area)
        averaged = ops.depthwise_conv(inputs, ops.cast(kernel, inputs.dtype), strides=self.strides,
                                      padding=self.padding)
        counts = np.outer(window_counts(height, self.pool_size[0], self.strides[0], self.padding),
                          window_counts(width, self.pool_size[1], self.strides[1], self.padding))
        if np.all(counts == area):
            return averaged
        return averaged * ops.cast((area / counts)[None, :, :, None], inputs.dtype)
