"""Spatial transformer (Jaderberg et al. 2015, "Spatial Transformer Networks", https://arxiv.org/abs/1506.02025).

A localization network regresses the transform parameters from the input; a grid generator maps each output
pixel to a source position; a bilinear sampler reads the input there. The sampler is written with floor,
gather and arithmetic only, so a model holding the layer converts to builtin TFLite ops.
"""

import keras
import numpy as np
from keras import layers, ops

from keras_cnns.checks import check_choice, check_int_sequence, check_type

__all__ = ["SpatialTransformer", "TRANSFORMS", "identity_parameters", "transform_head"]

# Parameters each transform regresses, and their identity values:
#   affine      [a, b, tx, c, d, ty]: source = [[a, b, tx], [c, d, ty]] @ [x, y, 1]
#   attention   [s, tx, ty]: isotropic scale + translation (the paper's attention-only constraint)
#   translation [tx, ty]
TRANSFORMS = {
    "affine": (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "attention": (1.0, 0.0, 0.0),
    "translation": (0.0, 0.0),
}


def identity_parameters(transform="affine") -> tuple:
    check_choice("transform", transform, TRANSFORMS)
    return TRANSFORMS[transform]


def transform_head(transform="affine", name=None):
    """The final localization layer: a Dense with a zero kernel and the identity transform as its bias.

    The paper starts training from the identity so the transformer first passes the input through unchanged.
    End your own localization network with it.
    """
    identity = identity_parameters(transform)
    return layers.Dense(
        len(identity),
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(list(identity)),
        name=name,
    )


def default_localization(transform="affine"):
    """The paper's MNIST localization CNN: max-pool, two conv(20, 5x5) + max-pool, FC 50, then the head."""
    return keras.Sequential(
        [
            layers.MaxPooling2D(2),
            layers.Conv2D(20, 5, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(20, 5, activation="relu"),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            transform_head(transform),
        ],
        name="localization",
    )


@keras.saving.register_keras_serializable(package="keras_cnns")
class SpatialTransformer(keras.layers.Layer):
    """Warp the input with a transform regressed from the input itself.

    Args:
        output_size: (height, width) of the output grid; None keeps the input size.
        localization: a Keras layer or model mapping the input (batch, h, w, c) to (batch, n) transform
            parameters, n = 6 / 3 / 2 for `transform` "affine" / "attention" / "translation". None builds
            the paper's MNIST localization CNN, whose last layer starts at the identity transform
            (`transform_head`). It is saved as a nested config, so it must be serializable.
        transform: "affine" (6 parameters), "attention" (scale and translation) or "translation".

    Coordinates are normalized to [-1, 1] with -1 and 1 at the centres of the corner pixels, so the
    identity transform samples every input pixel exactly. Positions outside the input read zeros.
    Calling the layer returns the warped image; `parameters(inputs)` returns the regressed parameters.
    """

    def __init__(self, output_size=None, localization=None, transform="affine", **kwargs):
        super().__init__(**kwargs)
        if output_size is not None:
            output_size = check_int_sequence("output_size", output_size, length=2, min_value=1)
        self.output_size = output_size
        self.transform = check_choice("transform", transform, TRANSFORMS)
        self.parameter_count = len(TRANSFORMS[transform])
        self._default_localization = localization is None
        if localization is None:
            localization = default_localization(transform)
        check_type("localization", localization, keras.layers.Layer)
        self.localization = localization
        if isinstance(localization, keras.Model) and localization.built and getattr(localization, "outputs", None):
            self._check_localization_output(tuple(localization.outputs[0].shape))

    def _check_localization_output(self, shape):
        if len(shape) != 2 or shape[-1] != self.parameter_count:
            raise ValueError(
                f"localization must output (batch, {self.parameter_count}) parameters for "
                f'transform="{self.transform}"; it outputs shape {shape}. End it with '
                f'keras_cnns.layers.transform_head("{self.transform}")'
            )

    def build(self, input_shape):
        if len(input_shape) != 4 or any(d is None for d in input_shape[1:]):
            raise ValueError(
                f"SpatialTransformer needs a static (batch, height, width, channels) input; got {input_shape}"
            )
        if self._default_localization and min(input_shape[1:3]) < 28:
            raise ValueError(
                f"SpatialTransformer's default localization network needs inputs of at least 28x28; got "
                f"{input_shape}. Pass a smaller localization network as localization=..."
            )
        if not self.localization.built:
            self.localization.build(input_shape)
        self._check_localization_output(tuple(self.localization.compute_output_shape(input_shape)))
        height, width = int(input_shape[1]), int(input_shape[2])
        out_height, out_width = self.output_size or (height, width)
        # The target grid's normalized coordinates, pre-multiplied by the input's half extent in pixels
        # (flattened in raster order): "x" for the source column, "y" for the source row. For an output
        # as large as the input these are the exact half-integer offsets from the centre, so the identity
        # transform lands on pixel centres exactly in float32 and reproduces the input bit for bit.
        half_x, half_y = (width - 1) / 2.0, (height - 1) / 2.0
        ys, xs = np.meshgrid(_centred_offsets(out_height), _centred_offsets(out_width), indexing="ij")
        xs, ys = xs * _inverse_half_extent(out_width), ys * _inverse_half_extent(out_height)  # in -1 .. 1

        def flat(values):
            return values.reshape(1, -1).astype("float32")

        self._x_of_x, self._x_of_y = flat(half_x * xs), flat(half_x * ys)  # source column terms
        self._y_of_x, self._y_of_y = flat(half_y * xs), flat(half_y * ys)  # source row terms
        self._half_extent = (half_x, half_y)
        self._input_size = (height, width)

    def parameters(self, inputs):
        return self.localization(inputs)

    def affine_matrix(self, parameters):
        """(batch, 6) affine parameters [a, b, tx, c, d, ty] from the transform's own parameters."""
        if self.transform == "affine":
            return parameters
        zeros = ops.zeros_like(parameters[:, :1])
        if self.transform == "attention":
            scale, tx, ty = parameters[:, 0:1], parameters[:, 1:2], parameters[:, 2:3]
            return ops.concatenate([scale, zeros, tx, zeros, scale, ty], axis=-1)
        ones = ops.ones_like(zeros)
        tx, ty = parameters[:, 0:1], parameters[:, 1:2]
        return ops.concatenate([ones, zeros, tx, zeros, ones, ty], axis=-1)

    def call(self, inputs):
        theta = ops.cast(self.affine_matrix(self.localization(inputs)), inputs.dtype)
        half_x, half_y = self._half_extent
        # Pixel coordinates (centres at integers): (normalized source + 1) * half extent, with the half
        # extent folded into the grid so that every term is exact for the identity.
        x = theta[:, 0:1] * self._x_of_x + theta[:, 1:2] * self._x_of_y + (theta[:, 2:3] * half_x + half_x)
        y = theta[:, 3:4] * self._y_of_x + theta[:, 4:5] * self._y_of_y + (theta[:, 5:6] * half_y + half_y)
        return self.sample(inputs, x, y)

    def sample(self, inputs, x, y):
        """Bilinear sampling of `inputs` at pixel positions (batch, out_h * out_w) (pixel centres at integers,
        0 .. size - 1), zeros outside."""
        height, width = self._input_size
        channels = inputs.shape[-1]
        out_height, out_width = self.output_size or (height, width)
        x0, y0 = ops.floor(x), ops.floor(y)
        x1, y1 = x0 + 1.0, y0 + 1.0
        flat = ops.reshape(inputs, (-1, height * width, channels))
        output = 0.0
        for corner_x, corner_y, weight in (
            (x0, y0, (x1 - x) * (y1 - y)),
            (x1, y0, (x - x0) * (y1 - y)),
            (x0, y1, (x1 - x) * (y - y0)),
            (x1, y1, (x - x0) * (y - y0)),
        ):
            inside = (
                ops.cast(corner_x >= 0.0, inputs.dtype)
                * ops.cast(corner_x <= width - 1.0, inputs.dtype)
                * ops.cast(corner_y >= 0.0, inputs.dtype)
                * ops.cast(corner_y <= height - 1.0, inputs.dtype)
            )
            index = ops.clip(corner_y, 0.0, height - 1.0) * width + ops.clip(corner_x, 0.0, width - 1.0)
            index = ops.cast(index, "int32")[:, :, None]
            values = ops.take_along_axis(flat, ops.broadcast_to(index, ops.shape(index)[:2] + (channels,)), axis=1)
            output = output + values * (weight * inside)[:, :, None]
        return ops.reshape(output, (-1, out_height, out_width, channels))

    def multiply_adds(self, input_shapes, output_shapes):
        """The localization network's multiply-adds plus 4 per sampled value (the bilinear weights)."""
        from keras_cnns.flops import count_multiply_adds

        localization = count_multiply_adds(self.localization) if isinstance(self.localization, keras.Model) else 0
        _, out_height, out_width, channels = output_shapes[0]
        return localization + 4 * int(out_height) * int(out_width) * int(channels)

    def compute_output_shape(self, input_shape):
        out_height, out_width = self.output_size or tuple(input_shape[1:3])
        return (input_shape[0], out_height, out_width, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_size": None if self.output_size is None else list(self.output_size),
                "localization": None
                if self._default_localization
                else keras.saving.serialize_keras_object(self.localization),
                "transform": self.transform,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("localization") is not None:
            config["localization"] = keras.saving.deserialize_keras_object(config["localization"])
        return cls(**config)


def _centred_offsets(size):
    """Pixel offsets from the centre, -(size - 1) / 2 .. (size - 1) / 2 (exact in float32)."""
    return np.arange(size) - (size - 1) / 2.0


def _inverse_half_extent(size):
    """1 / ((size - 1) / 2): offsets times it are the normalized coordinates; a 1-pixel grid sits at 0."""
    return 2.0 / (size - 1) if size > 1 else 0.0
