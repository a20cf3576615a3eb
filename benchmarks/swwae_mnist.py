"""SWWAE on the MNIST t10k split: where-unpooling vs plain upsampling, and 1,000 labels + 7,000 unlabelled.

1. Reconstruction: two SWWAEs (hard pooling) differing only in the decoder's unpooling ("where" switches vs
   nearest upsampling without them) train on the 8,000 training images (labels + reconstruction losses);
   the holdout reconstruction MSE is compared.
2. Semi-supervised: the first 1,000 training images keep their labels, the other 7,000 are unlabelled
   (sample weight 0 on the classification output). SWWAE (λ_rec, λ_M > 0) vs the same network with
   λ_rec = λ_M = 0, i.e. the same classifier trained on the 1,000 labels alone, same batches and epochs.
Writes docs/swwae_results.json and docs/swwae_reconstructions.png. Part 2 here is the first, short
comparison (same batches and epochs for both); benchmarks/swwae_semi_supervised.py redoes it with λ chosen
on a validation slice, early stopping for both models and several seeds.

    PYTHONPATH=. python benchmarks/swwae_mnist.py --epochs 5
"""

import argparse
import json
import os
import time

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import keras_cnns  # noqa: E402
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split  # noqa: E402


def train(x_train, y_train, weights, epochs, batch_size, seed, **swwae_args):  # noqa: PLR0913
    keras.utils.set_random_seed(seed)
    model = keras_cnns.SWWAE(input_shape=(28, 28, 1), **swwae_args)
    model.compile(keras.optimizers.Adam(1e-3), loss=["sparse_categorical_crossentropy", None])
    start = time.perf_counter()
    model.fit(x_train, [y_train, None], sample_weight=[weights, None], epochs=epochs, batch_size=batch_size, verbose=2)
    return model, time.perf_counter() - start


def measure(model, x_holdout, y_holdout, seconds):
    probabilities, reconstruction = model.predict(x_holdout, verbose=0)
    return {
        "holdout_accuracy": float(np.mean(probabilities.argmax(-1) == y_holdout)),
        "holdout_reconstruction_mse": float(np.mean((reconstruction - x_holdout) ** 2)),
        "train_seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="../shared/data/mnist-t10k")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--lambda-rec", type=float, default=1.0)
    parser.add_argument("--lambda-m", type=float, default=0.1)
    parser.add_argument("--filters", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()

    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(args.data, train_size=MNIST_T10K_TRAIN_SIZE)
    common = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed}
    losses = {"lambda_rec": args.lambda_rec, "lambda_m": args.lambda_m}
    results = {**common, "optimizer": "Adam(1e-3)", **losses, "labels": args.labels, "filters": args.filters}
    common["filters"] = tuple(args.filters)
    os.makedirs(args.out, exist_ok=True)

    def save():
        with open(os.path.join(args.out, "swwae_results.json"), "w") as handle:
            json.dump(results, handle, indent=2)

    all_labelled = np.ones(len(x_train), "float32")
    models = {}
    for unpooling in ("where", "upsample"):
        models[unpooling], seconds = train(x_train, y_train, all_labelled, unpooling=unpooling, **common, **losses)
        results[f"reconstruction_{unpooling}"] = measure(models[unpooling], x_holdout, y_holdout, seconds)
        print(unpooling, results[f"reconstruction_{unpooling}"], flush=True)
        save()

    labelled = (np.arange(len(x_train)) < args.labels).astype("float32")
    for label, weights in (("semi_supervised_swwae", losses), ("labels_only", {"lambda_rec": 0.0, "lambda_m": 0.0})):
        model, seconds = train(x_train, y_train, labelled, **common, **weights)
        results[label] = measure(model, x_holdout, y_holdout, seconds)
        print(label, results[label], flush=True)
        save()

    samples = x_holdout[:8]
    rows = [("input", samples)] + [
        (f"{name} decoder", models[name].predict(samples, verbose=0)[1]) for name in ("where", "upsample")
    ]
    figure, axes = plt.subplots(len(rows), len(samples), figsize=(1.5 * len(samples), 1.6 * len(rows)))
    for row, (title, images) in enumerate(rows):
        for column, image in enumerate(images):
            axes[row, column].imshow(np.clip(image[..., 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            axes[row, column].set_xticks([])
            axes[row, column].set_yticks([])
        axes[row, 0].set_ylabel(title, fontsize=8)
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "swwae_reconstructions.png"), dpi=100)


if __name__ == "__main__":
    main()
