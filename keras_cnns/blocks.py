"""Blocks shared by several families. A family module imports from here, never from another family module."""

from __future__ import annotations

from keras import layers


def scale_filters(filters: int, width_multiplier: float, divisor: int = 1) -> int:
    """`filters` x `width_multiplier`, rounded to a multiple of `divisor` (never below it, nor 10% below the exact
    product: the rounding of MobileNet v2 / EfficientNet); unchanged at 1.0, so the paper presets keep their graph."""
    if width_multiplier == 1.0:
        return filters
    exact = filters * width_multiplier
    scaled = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    if scaled < 0.9 * exact:
        scaled += divisor
    return scaled


# ---------------------------------------------------------------------------------------------------------------
# Convolution blocks


# ---------------------------------------------------------------------------------------------------------------
# Classifier heads


# ---------------------------------------------------------------------------------------------------------------
# Inception branches
