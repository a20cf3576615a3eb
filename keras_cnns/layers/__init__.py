"""Custom layers of the zoo, each registered serializable (they load with `safe_mode=True`)."""

from keras_cnns.layers.activations import scaled_tanh
from keras_cnns.layers.normalization import LocalResponseNormalization
from keras_cnns.layers.subsampling import LENET5_C3_TABLE, PartialConv2D, Subsampling

__all__ = ["LENET5_C3_TABLE", "LocalResponseNormalization", "PartialConv2D", "Subsampling", "scaled_tanh"]
