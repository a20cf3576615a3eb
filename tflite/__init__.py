"""Quantization and `.tflite` export of keras_cnns models, checked and timed with LiteRT (imports keras_cnns,
never the reverse).

    >>> report = tflite.export(model, "lenet.tflite", quantization="int8", representative_data="digits")
    >>> tflite.evaluate("lenet.tflite", "digits")["accuracy"]
    >>> tflite.benchmark("lenet.tflite", threads=1, runs=200)["median_ms"]
"""

from tflite.export import QUANTIZATIONS, convert, export, ops_in
from tflite.litert import benchmark, compare, evaluate, predict

__all__ = ["QUANTIZATIONS", "benchmark", "compare", "convert", "evaluate", "export", "ops_in", "predict"]
