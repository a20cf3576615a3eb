"""AlexNet's PCA colour augmentation ("lighting"; Krizhevsky et al. 2012, section 4.1)."""

import keras
import numpy as np
from keras import ops

from keras_cnns.checks import check_float, check_int

__all__ = ["PCALighting"]


@keras.saving.register_keras_serializable(package="keras_cnns")
class PCALighting(keras.layers.Layer):
    """Adds `eigenvectors @ (alpha * eigenvalues)` to every pixel of an image, alpha ~ N(0, stddev) drawn once
    per image (in [0, 1] units, times the width of `value_range`), where eigenvalues/eigenvectors are the PCA of the training set's pixel colours. The intensity
    and colour of the illumination change while the object identity does not; identity at inference.

    `eigenvalues` are the paper's lambda_i (eigenvalues of the RGB covariance matrix) and `eigenvectors` its p_i
    as columns; `PCALighting.from_images(images)` measures them on the images' own pixel scale.
    """

    def __init__(self, eigenvalues, eigenvectors, stddev=0.1, value_range=(0.0, 255.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.eigenvalues = [float(v) for v in np.asarray(eigenvalues, dtype="float64").reshape(-1)]
        vectors = np.asarray(eigenvectors, dtype="float64")
        channels = len(self.eigenvalues)
        if vectors.shape != (channels, channels):
            raise ValueError(f"eigenvectors must be a ({channels}, {channels}) matrix (one eigenvector per column, "
                             f"matching eigenvalues); got shape {vectors.shape}")
        self.eigenvectors = vectors.tolist()
        self.stddev = check_float("stddev", stddev, min_value=0.0)
        if not isinstance(value_range, (list, tuple)) or len(value_range) != 2 or value_range[1] <= value_range[0]:
            raise ValueError(f"value_range must be a pair (low, high) with low < high; got {value_range!r}")
        self.value_range = (float(value_range[0]), float(value_range[1]))
        self.seed = None if seed is None else check_int("seed", seed, min_value=0)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    @classmethod
    def from_images(cls, images, stddev=0.1, value_range=(0.0, 255.0), seed=None, **kwargs):
        """Measure the colour covariance's eigen-decomposition on `images` (n, h, w, channels), with pixel
        values rescaled from `value_range` to [0, 1] (the scale the paper's alpha ~ N(0, 0.1) is meant for)."""
        low, high = value_range
        pixels = (np.asarray(images, dtype="float64").reshape(-1, np.shape(images)[-1]) - low) / (high - low)
        covariance = np.atleast_2d(np.cov(pixels, rowvar=False))
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        return cls(np.clip(eigenvalues, 0.0, None), eigenvectors, stddev=stddev, value_range=value_range, seed=seed,
                   **kwargs)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0.0:
            return inputs
        batch = ops.shape(inputs)[0]
        alpha = keras.random.normal((batch, len(self.eigenvalues)), stddev=self.stddev, seed=self.seed_generator,
                                    dtype=self.compute_dtype)
        vectors = ops.convert_to_tensor(self.eigenvectors, dtype=self.compute_dtype)
        values = ops.convert_to_tensor(self.eigenvalues, dtype=self.compute_dtype)
        scale = self.value_range[1] - self.value_range[0]
        shift = ops.matmul(alpha * values, ops.transpose(vectors)) * scale  # (batch, channels)
        return inputs + ops.cast(shift[:, None, None, :], inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "eigenvalues": self.eigenvalues, "eigenvectors": self.eigenvectors,
                "stddev": self.stddev, "value_range": list(self.value_range), "seed": self.seed}
