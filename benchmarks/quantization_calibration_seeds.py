"""QAT with and without activation-range calibration, over seeds, on the validation slice of
benchmarks/quantization_finetune_selection.py (trained on the first 7,000 of the 8,000 MNIST t10k training
images, scored on the last 1,000; never the holdout). Prints validation accuracy of the QAT Keras model and of its
int8 .tflite, their agreement, and the .tflite's agreement with the float model.

    PYTHONPATH=$PWD python benchmarks/quantization_calibration_seeds.py lenet5 1,2,3 16,0

Its output is in docs/quantization_finetune_selection.txt.
"""
import os
import sys
import tempfile

import keras
import numpy as np

import tflite

sys.path.insert(0, "benchmarks")
from quantization import validation_model, validation_slice  # noqa: E402

key = sys.argv[1]
seeds, calibrations = ([int(value) for value in argument.split(",")] for argument in sys.argv[2:4])
(x_train, y_train), (x_val, y_val) = validation_slice()
model = validation_model(key, x_train, y_train)  # the selection script's model, if trained
float_predictions = model.predict(x_val, verbose=0).argmax(-1)
print("base", np.mean(float_predictions == y_val), flush=True)
with tempfile.TemporaryDirectory() as folder:
    for seed in seeds:
        for calibration_batches in calibrations:
            keras.utils.set_random_seed(seed)
            qat = tflite.quantization_aware(model, (x_train, y_train), epochs=10, steps_per_epoch=100,
                                            calibration_batches=calibration_batches)
            keras_predictions = qat.predict(x_val, verbose=0).argmax(-1)
            path = os.path.join(folder, "qat.tflite")
            tflite.export(qat, path, "int8")
            file_predictions = np.asarray(tflite.predict(path, x_val)).argmax(-1)
            print(seed, calibration_batches, "acc keras", np.mean(keras_predictions == y_val),
                  "tflite", np.mean(file_predictions == y_val),
                  "agree k/t", np.mean(file_predictions == keras_predictions),
                  "agree float/t", np.mean(file_predictions == float_predictions), flush=True)
