"""Local response normalization (Krizhevsky et al. 2012, section 3.3)."""

import keras
import tensorflow as tf

from keras_cnns.checks import check_float, check_int

__all__ = ["LocalResponseNormalization"]


@keras.saving.register_keras_serializable(package="keras_cnns")
class LocalResponseNormalization(keras.layers.Layer):
    """b = a / (k + alpha * sum of a^2 over `size` adjacent channels) ** beta.

    The defaults are AlexNet's k=2, n=5, alpha=1e-4, beta=0.75, with alpha applied to the plain sum as in
    the paper's formula (Caffe divides alpha by n). It lowers to TFLite's builtin
    LOCAL_RESPONSE_NORMALIZATION.
    """

    def __init__(self, size=5, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        self.size = check_int("size", size, min_value=1)
        if size % 2 == 0:
            raise ValueError(f"size must be odd (a window centred on each channel); got {size}")
        self.bias = check_float("bias", bias, min_value=0.0)
        self.alpha = check_float("alpha", alpha, min_value=0.0)
        self.beta = check_float("beta", beta, min_value=0.0)

    def call(self, inputs):
        return tf.nn.local_response_normalization(
            inputs, depth_radius=self.size // 2, bias=self.bias, alpha=self.alpha, beta=self.beta
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "bias": self.bias, "alpha": self.alpha, "beta": self.beta}
