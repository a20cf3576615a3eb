"""What-where pooling and unpooling of the stacked what-where auto-encoder (Zhao et al. 2015).

`tf.nn.max_pool_with_argmax` has no builtin TFLite op, so "where" is computed from builtin ops: a position
is a switch when it equals its window's max (compared with the max repeated back to full size); ties go to
the first such position in raster order, by max-pooling a per-window priority pattern. "where" is kept at
full resolution as a one-hot mask per window (hard) or a softmax over each window (soft), so unpooling is
a nearest upsampling of "what" times "where".
"""

import keras
import numpy as np
from keras import ops

from keras_cnns.checks import check_choice, check_float, check_int

__all__ = ["ReconstructionLoss", "WhatWherePooling2D", "WhereUnpooling2D"]

POOL_MODES = ("hard", "soft")


def _repeat(x, size):
    """Nearest upsampling by `size` (each value copied over its window)."""
    return ops.repeat(ops.repeat(x, size, axis=1), size, axis=2)


def _check_divisible(input_shape, pool_size):
    height, width = input_shape[1:3]
    if (height is not None and height % pool_size) or (width is not None and width % pool_size):
        raise ValueError(
            f"input_shape must have height and width divisible by pool_size={pool_size} for what-where "
            f"pooling; got {tuple(input_shape)}"
        )


@keras.saving.register_keras_serializable(package="keras_cnns")
class WhatWherePooling2D(keras.layers.Layer):
    """Non-overlapping pooling returning `[what, where]`.

    Args:
        pool_size: window side (stride = window).
        mode: "hard": what = the window max, where = one-hot mask of its position (first one on ties).
            "soft": where = softmax of the window's values / temperature, what = sum(where * values)
            (the soft max / soft argmax of the paper, differentiable in both outputs).
        temperature: softmax temperature of the soft form, > 0 (small -> close to the hard form).

    Shapes: (b, h, w, c) -> what (b, h/p, w/p, c), where (b, h, w, c).
    """

    def __init__(self, pool_size=2, mode="hard", temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_int("pool_size", pool_size, min_value=1)
        self.mode = check_choice("mode", mode, POOL_MODES)
        self.temperature = check_float("temperature", temperature, min_value=0.0, min_inclusive=False)

    def build(self, input_shape):
        _check_divisible(input_shape, self.pool_size)
        p = self.pool_size
        # Priority p*p for the window's first position (raster order) down to 1 for its last.
        self._priority_window = (p * p - np.arange(p * p)).reshape(p, p).astype("float32")

    def call(self, inputs):
        p = self.pool_size
        window_max = ops.max_pool(inputs, p, strides=p)
        window_max_full = _repeat(window_max, p)
        if self.mode == "soft":
            exponentials = ops.exp((inputs - window_max_full) / self.temperature)
            window_sum = ops.average_pool(exponentials, p, strides=p) * float(p * p)
            where = exponentials / _repeat(window_sum, p)
            what = ops.average_pool(where * inputs, p, strides=p) * float(p * p)
            return [what, where]
        is_max = ops.cast(ops.greater_equal(inputs, window_max_full), inputs.dtype)
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        priority = ops.tile(ops.convert_to_tensor(self._priority_window, inputs.dtype), (height // p, width // p))
        score = is_max * priority[None, :, :, None]
        best = _repeat(ops.max_pool(score, p, strides=p), p)
        where = ops.cast(ops.equal(score, best), inputs.dtype) * is_max
        return [window_max, ops.stop_gradient(where)]

    def compute_output_shape(self, input_shape):
        p = self.pool_size
        pooled = tuple(None if d is None else d // p for d in input_shape[1:3])
        return [(input_shape[0], *pooled, input_shape[3]), tuple(input_shape)]

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "mode": self.mode, "temperature": self.temperature}


@keras.saving.register_keras_serializable(package="keras_cnns")
class WhereUnpooling2D(keras.layers.Layer):
    """`[what, where] -> repeat(what) * where`: each value goes back to where its window's max was."""

    def __init__(self, pool_size=2, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_int("pool_size", pool_size, min_value=1)

    def call(self, inputs):
        what, where = inputs
        return _repeat(what, self.pool_size) * where

    def compute_output_shape(self, input_shapes):
        what_shape, where_shape = input_shapes
        return (what_shape[0], *where_shape[1:3], what_shape[3])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="keras_cnns")
class ReconstructionLoss(keras.layers.Layer):
    """`[target, reconstruction] -> reconstruction`, adding `weight * mean((target - reconstruction)^2)` to the
    model's losses (SWWAE's λ_rec and λ_M terms), so `model.fit` minimizes it with the compiled losses."""

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.weight = check_float("weight", weight, min_value=0.0)

    def call(self, inputs):
        target, reconstruction = inputs
        if self.weight > 0:
            self.add_loss(self.weight * ops.mean(ops.square(target - reconstruction)))
        return reconstruction

    def compute_output_shape(self, input_shapes):
        return input_shapes[1]

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}
