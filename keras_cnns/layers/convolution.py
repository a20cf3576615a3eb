"""A strided convolution that exports as space-to-depth followed by a stride-1 convolution.

XNNPACK (LiteRT's CPU delegate) runs an int8 convolution with its input channels padded to a multiple of 8
per kernel tap, so a stem on 3 (RGB) channels does 8/3 of its work, and a large stem kernel is many taps.
Rearranging the input by the stride first (SPACE_TO_DEPTH: each stride x stride block becomes one pixel of
stride^2 x channels) turns a k x k stride-s convolution into a ceil(k/s)-tap stride-1 one on s^2 times the
channels, which that kernel pads far less (docs/edge_models.md has the timings).
"""

import keras
from keras import ops

__all__ = ["SpaceToDepthConv2D", "space_to_depth_geometry"]


def _padding_before(kernel: int, stride: int, padding: str) -> int:
    """Positions TensorFlow pads before an axis whose size the stride divides."""
    return max(kernel - stride, 0) // 2 if padding == "same" else 0


def space_to_depth_geometry(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int] | None:
    """Along one axis, where a stride-`stride` convolution's taps fall on the space-to-depth blocks of its
    input: (first block offset, number of block taps), or None where the stride-1 convolution on the blocks
    cannot reproduce it (size not a multiple of the stride, or a "same" border the blocks cannot match).

    TensorFlow's "same" pads `total // 2` before and the rest after; for a size that the stride divides the
    total is `max(kernel - stride, 0)`. Output i reads input positions `stride * i - before + t` for taps
    t < kernel, i.e. blocks `i + (t - before) // stride`.
    """
    if size % stride:
        return None
    before = _padding_before(kernel, stride, padding)
    first, last = -before // stride, (kernel - 1 - before) // stride
    taps = last - first + 1
    # On the blocks the stride-1 convolution pads `-first` before: "valid" pads none, "same" pads (taps - 1) // 2.
    if padding == "valid" and first != 0 or padding == "same" and -first != (taps - 1) // 2:
        return None
    return first, taps


@keras.saving.register_keras_serializable(package="keras_cnns")
class SpaceToDepthConv2D(keras.layers.Conv2D):
    """keras.layers.Conv2D (same arguments and weights, the same outputs up to float rounding) computed as a
    space-to-depth rearrangement of its input by its stride followed by a stride-1 convolution with the kernel
    rearranged to match (zero taps where the blocks overhang the kernel).

    Used by `tflite.export` for int8 stems (see the module docstring). Falls back to the plain convolution
    where the rearrangement does not apply: unequal or unit strides (Keras allows no dilation with a stride),
    groups, channels_first data, unknown spatial sizes, sizes the stride does not divide, a "same" border the
    blocks cannot match.
    """

    def block_geometry(self, input_shape):
        """Per spatial axis, `space_to_depth_geometry` for inputs of `input_shape`; None where the layer computes
        the plain convolution instead (see the class docstring)."""
        stride = self.strides[0]
        if (stride < 2 or self.strides[1] != stride or self.groups != 1 or self.data_format != "channels_last"
                or None in tuple(input_shape[1:3])):
            return None
        axes = [space_to_depth_geometry(input_shape[1 + axis], self.kernel_size[axis], stride, self.padding)
                for axis in (0, 1)]
        return None if None in axes else axes

    def convolution_op(self, inputs, kernel):
        geometry = self.block_geometry(inputs.shape)
        if geometry is None:
            return super().convolution_op(inputs, kernel)
        stride = self.strides[0]
        height, width, channels = inputs.shape[1:]
        # Space-to-depth with a 5-D transpose (TFLite Micro transposes at most 5-D, and needs the batch to stay
        # the leading axis of every shape for a file with a resizable batch): each block's rows move next to
        # its columns, so that channels end up ordered (row in block, column in block, channel).
        blocks = ops.reshape(inputs, (-1, height // stride, stride, width // stride, stride * channels))
        blocks = ops.reshape(ops.transpose(blocks, (0, 1, 3, 2, 4)),
                             (-1, height // stride, width // stride, stride * stride * channels))
        # Kernel tap t of an axis moves to block tap (t + offset) // stride, phase (t + offset) % stride.
        (first_row, row_taps), (first_column, column_taps) = geometry
        row_offset = -_padding_before(self.kernel_size[0], stride, self.padding) - stride * first_row
        column_offset = -_padding_before(self.kernel_size[1], stride, self.padding) - stride * first_column
        kernel = ops.pad(kernel, ((row_offset, stride * row_taps - self.kernel_size[0] - row_offset),
                                  (column_offset, stride * column_taps - self.kernel_size[1] - column_offset),
                                  (0, 0), (0, 0)))
        filters = kernel.shape[-1]
        kernel = ops.reshape(kernel, (row_taps, stride, column_taps, stride, channels, filters))
        kernel = ops.reshape(ops.transpose(kernel, (0, 2, 1, 3, 4, 5)),
                             (row_taps, column_taps, stride * stride * channels, filters))
        return ops.conv(blocks, kernel, strides=1, padding=self.padding, data_format="channels_last")
