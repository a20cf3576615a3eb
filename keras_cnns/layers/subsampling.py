"""LeNet-5's trainable subsampling and partially connected convolution (LeCun et al. 1998)."""

import keras
import numpy as np
from keras import ops

from keras_cnns.checks import check_int, check_int_sequence

__all__ = ["LENET5_C3_TABLE", "PartialConv2D", "Subsampling"]


@keras.saving.register_keras_serializable(package="keras_cnns")
class Subsampling(keras.layers.Layer):
    """S2/S4 of LeNet-5: the sum of each 2x2 window, times a trainable coefficient, plus a trainable bias
    (one pair per feature map), then the activation."""

    def __init__(self, pool_size=2, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_int("pool_size", pool_size, min_value=1)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(name="coefficient", shape=(channels,), initializer="ones")
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer="zeros")

    def call(self, inputs):
        window_sum = ops.average_pool(inputs, self.pool_size, strides=self.pool_size) * float(self.pool_size**2)
        return self.activation(window_sum * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        height, width = (None if d is None else d // self.pool_size for d in input_shape[1:3])
        return (input_shape[0], height, width, input_shape[3])

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "activation": keras.activations.serialize(self.activation),
        }


# LeCun et al. 1998, Table I: which S2 maps (rows) feed each C3 map (columns). The first six C3 maps see
# three contiguous S2 maps, the next six four contiguous, three see four non-contiguous, the last all six,
# which breaks symmetry and keeps the connections (and parameters) down.
LENET5_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


@keras.saving.register_keras_serializable(package="keras_cnns")
class PartialConv2D(keras.layers.Layer):
    """A valid-padded convolution where output map j sees only the input maps in `connection_table[j]`.

    Only the connected kernels are weights (LeNet-5's C3 has 1,516 parameters, not the 2,416 of a full
    convolution); they are scattered into a dense kernel at call time, which TFLite folds into a constant.
    """

    def __init__(self, kernel_size=5, connection_table=LENET5_C3_TABLE, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = check_int("kernel_size", kernel_size, min_value=1)
        if not isinstance(connection_table, (list, tuple)) or not connection_table:
            raise TypeError(f"connection_table must be a non-empty list of input-map index lists; got {connection_table!r}")
        self.connection_table = tuple(
            check_int_sequence(f"connection_table[{j}]", inputs, min_value=0) for j, inputs in enumerate(connection_table)
        )
        self.filters = len(self.connection_table)
        self.activation = keras.activations.get(activation)

    @property
    def connections(self) -> int:
        return sum(len(inputs) for inputs in self.connection_table)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        used = max(max(inputs) for inputs in self.connection_table)
        if used >= in_channels:
            raise ValueError(
                f"connection_table refers to input map {used}, but the input has {in_channels} channels"
            )
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, self.connections), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        # Position of each connected kernel in the flattened (in_channels * filters) dense kernel; the
        # unconnected positions point at an appended zero kernel.
        scatter = np.full((in_channels * self.filters,), self.connections, dtype="int32")
        position = 0
        for out_map, inputs in enumerate(self.connection_table):
            for in_map in inputs:
                scatter[in_map * self.filters + out_map] = position
                position += 1
        self._scatter = scatter
        self._in_channels = in_channels

    def dense_kernel(self):
        k = self.kernel_size
        padded = ops.concatenate([self.kernel, ops.zeros((k, k, 1), dtype=self.kernel.dtype)], axis=-1)
        dense = ops.take(padded, self._scatter, axis=-1)
        return ops.reshape(dense, (k, k, self._in_channels, self.filters))

    def call(self, inputs):
        outputs = ops.conv(inputs, self.dense_kernel(), strides=1, padding="valid") + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        height, width = (None if d is None else d - self.kernel_size + 1 for d in input_shape[1:3])
        return (input_shape[0], height, width, self.filters)

    def multiply_adds(self, input_shapes, output_shapes):
        height, width = output_shapes[0][1:3]
        return int(height) * int(width) * self.connections * self.kernel_size**2

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "connection_table": [list(inputs) for inputs in self.connection_table],
            "activation": keras.activations.serialize(self.activation),
        }
