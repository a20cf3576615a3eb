"""Weight-free residual connections: ResNet's option A shortcut (He et al. 2015, section 3.3) and the
scaled residual addition of Inception-ResNet (Szegedy et al. 2016, section 3.3)."""

import keras
from keras import ops

from keras_cnns.checks import check_float, check_int

__all__ = ["ScaledResidual", "ZeroPaddedIdentity"]


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



@keras.saving.register_keras_serializable(package="keras_cnns")
class ScaledResidual(keras.layers.Layer):
    """`shortcut + scale * residual`, called on `[shortcut, residual]`.

    Scaling the residual down (0.1 to 0.3) before the addition kept very wide Inception-ResNets from
    dying early in training. It has no weights, like keras.applications' `CustomScaleLayer`, so
    keras.applications' InceptionResNetV2 weight files load unchanged.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_float("scale", scale, min_value=0.0)

    def call(self, inputs):
        shortcut, residual = inputs
        return shortcut + residual * self.scale

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
