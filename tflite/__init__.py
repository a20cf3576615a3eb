"""Quantization and `.tflite` export of keras_cnns models, checked and timed with LiteRT (imports keras_cnns,
never the reverse).

    >>> report = tflite.export(model, "lenet.tflite", quantization="int8", representative_data="digits")
    >>> tflite.evaluate("lenet.tflite", "digits")["accuracy"]
    >>> tflite.benchmark("lenet.tflite", threads=1, runs=200)["median_ms"]
    >>> tflite.op_timings(open("lenet.tflite", "rb").read())  # each operator timed alone, XNNPACK or not
    >>> tflite.moved_operators(rows_before, rows_after)       # which of them got slower or faster
    >>> tflite.micro_report("lenet.tflite")["arena_bytes"]    # under TensorFlow Lite Micro
    >>> tflite.export_c("lenet.tflite", "firmware/", "lenet_model")
"""

from tflite.export import MICRO_FORM, QUANTIZATIONS, convert, export, ops_in
from tflite.bridge import to_keras, to_tf_keras
from tflite.litert import benchmark, compare, evaluate, predict
from tflite.micro import export_c, micro_predict, micro_report
from tflite.op_profile import moved_operators, op_timings
from tflite.optimize import calibrate_activation_ranges, cluster, fine_tune, kernel_sparsity, prune, quantization_aware

__all__ = ["MICRO_FORM", "QUANTIZATIONS", "benchmark", "calibrate_activation_ranges", "cluster", "compare", "convert",
           "evaluate", "export", "export_c", "fine_tune", "kernel_sparsity", "micro_predict", "micro_report",
           "moved_operators", "op_timings", "ops_in", "predict", "prune", "quantization_aware", "to_keras",
           "to_tf_keras"]
