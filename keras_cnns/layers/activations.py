"""Activation functions from the papers, registered so saved models load with safe_mode=True."""

import keras

__all__ = ["scaled_tanh"]


@keras.saving.register_keras_serializable(package="keras_cnns")
def scaled_tanh(x):
    """LeCun et al. 1998, appendix A: f(a) = A tanh(S a) with A = 1.7159, S = 2/3, so that f(+-1) = +-1."""
    return 1.7159 * keras.ops.tanh(x * (2.0 / 3.0))
