"""The parameter-free "option A" shortcut of deep residual networks (He et al. 2015, section 3.3)."""

import keras
from keras import ops

from keras_cnns.checks import check_int

__all__ = ["ZeroPaddedIdentity"]


@keras.saving.register_keras_serializable(package="keras_cnns")
class ZeroPaddedIdentity(keras.layers.Layer):
    """Identity shortcut to a block with more channels or a smaller grid, without any weights.

    Keeps every `strides`-th row and column (the strided subsampling of a 1x1 convolution of stride 2) and
    appends zero channels up to `filters`. It lowers to TFLite's builtin STRIDED_SLICE and PAD.
    """

    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_int("filters", filters, min_value=1)
        self.strides = check_int("strides", strides, min_value=1)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and channels > self.filters:
            raise ValueError(
                f"filters must be at least the input's {channels} channels (the shortcut only adds zero "
                f"channels); got {self.filters}"
            )

    def call(self, inputs):
        if self.strides > 1:
            inputs = inputs[:, :: self.strides, :: self.strides, :]
        extra = self.filters - inputs.shape[-1]
        if extra:
            inputs = ops.pad(inputs, [[0, 0], [0, 0], [0, 0], [0, extra]])
        return inputs

    def compute_output_shape(self, input_shape):
        height, width = (None if d is None else -(-d // self.strides) for d in input_shape[1:3])
        return (input_shape[0], height, width, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}
