"""Quantization and `.tflite` export of keras_cnns models, checked and timed with LiteRT (imports keras_cnns,
never the reverse)."""
