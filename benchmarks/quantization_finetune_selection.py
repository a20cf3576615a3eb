"""Selection of the fine-tuning defaults of tflite.quantization_aware / tflite.prune / tflite.fine_tune on a
validation slice: the model is trained on the first 7,000 images of the MNIST t10k training split and QAT,
pruning and the fine-tuned control are scored on the last 1,000 (never on the 2,000 holdout). QAT is scored both
as the Keras fake-quantized model and as its int8 .tflite file, to tell training loss from conversion loss.

    PYTHONPATH=$PWD python benchmarks/quantization_finetune_selection.py lenet5 \
        '[{"steps": 1000, "learning_rate": 1e-5, "schedule": "cosine"}]' control,qat,prune

The output of the runs behind the defaults is kept in docs/quantization_finetune_selection.txt.
"""
import sys, json, time
import keras
import tflite
sys.path.insert(0, "benchmarks")
from quantization import keras_accuracy, validation_model, validation_slice

# xt, yt: the first 7,000 training images; xv, yv: the last 1,000 (validation). configs: JSON list of options.
key = sys.argv[1]; configs = json.loads(sys.argv[2]); what = sys.argv[3].split(",")
(xt, yt), (xv, yv) = validation_slice()
model = validation_model(key, xt, yt)
print("base val", keras_accuracy(model, xv, yv), flush=True)
for c in configs:
    steps = c.pop("steps"); out = {}
    t = time.time()
    def seeded(f, *a, **k):
        keras.utils.set_random_seed(1); return f(*a, **k)
    if "control" in what:
        control = seeded(tflite.fine_tune, model, (xt, yt), epochs=steps // 100, steps_per_epoch=100, **c)
        out["control"] = keras_accuracy(control, xv, yv)
    if "qat" in what:
        q = seeded(tflite.quantization_aware, model, (xt, yt), epochs=steps // 100, steps_per_epoch=100, **c)
        out["qat_keras"] = keras_accuracy(q, xv, yv)
        tflite.export(q, "/tmp/qexp_q.tflite", "int8")
        out["qat_tflite"] = tflite.evaluate("/tmp/qexp_q.tflite", (xv, yv))["accuracy"]
    if "prune" in what:
        p = seeded(tflite.prune, model, (xt, yt), target_sparsity=0.5, epochs=steps // 100, steps_per_epoch=100, **c)
        out["pruned"] = keras_accuracy(p, xv, yv)
    print(steps, c, out, f"{time.time()-t:.0f}s", flush=True)
