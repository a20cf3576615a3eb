"""Scaled residual addition of the Inception-ResNet blocks (Szegedy et al. 2016, section 3.3)."""

import keras

from keras_cnns.checks import check_float

__all__ = ["ScaledResidual"]


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
