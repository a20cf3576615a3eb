"""Channel shuffle and channel split of ShuffleNet v1/v2 (Zhang et al. 2018; Ma et al. 2018).

Both are plain reshape/transpose/split ops, so they convert to builtin TFLite ops (RESHAPE, TRANSPOSE,
SPLIT) and count no multiply-adds.
"""

import keras
from keras import ops

from keras_cnns.checks import check_int

__all__ = ["ChannelShuffle", "ChannelSplit"]


@keras.saving.register_keras_serializable(package="keras_cnns")
class ChannelShuffle(keras.layers.Layer):
    """Interleave the channels of `groups` groups: channel `g * n + i` goes to `i * groups + g`.

    The output of a grouped convolution is viewed as (groups, channels_per_group), transposed and
    flattened, so the next grouped convolution sees channels from every group.
    """

    def __init__(self, groups=2, **kwargs):
        super().__init__(**kwargs)
        self.groups = check_int("groups", groups, min_value=1)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.groups:
            raise ValueError(
                f"groups must divide the number of input channels; got groups={self.groups} for {channels} channels"
            )

    def call(self, inputs):
        channels = inputs.shape[-1]
        grouped = ops.reshape(inputs, (-1, self.groups, channels // self.groups))
        shuffled = ops.transpose(grouped, (0, 2, 1))
        spatial = tuple(inputs.shape[1:-1])
        target = ops.shape(inputs) if None in spatial else (-1, *spatial, channels)
        return ops.reshape(shuffled, target)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package="keras_cnns")
class ChannelSplit(keras.layers.Layer):
    """Split the channels into `num_splits` equal, contiguous parts (ShuffleNet v2's channel split)."""

    def __init__(self, num_splits=2, **kwargs):
        super().__init__(**kwargs)
        self.num_splits = check_int("num_splits", num_splits, min_value=1)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.num_splits:
            raise ValueError(
                f"num_splits must divide the number of input channels; got num_splits={self.num_splits} for "
                f"{channels} channels"
            )

    def call(self, inputs):
        return ops.split(inputs, self.num_splits, axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        part = None if channels is None else channels // self.num_splits
        return [(*input_shape[:-1], part) for _ in range(self.num_splits)]

    def get_config(self):
        return {**super().get_config(), "num_splits": self.num_splits}
