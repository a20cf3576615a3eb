"""Saliency, guided backpropagation and DeconvNet projections from a *trained* LeNet-5 (modern variant).

Trains `lenet5_modern` on the 8,000 training images of the MNIST t10k split (28x28 zero-padded to its 32x32
input, as LeNet-5 did), scores the 2,000 holdout images, saves the model, and writes one projection grid per
chosen layer with `keras_cnns.visualize.save_projection_grid` (the function behind `keras-cnns visualize`)
for the first holdout image of a few classes. For each image the projected feature is the channel with the
strongest activation in that layer (Zeiler & Fergus's choice).

    PYTHONPATH=. python benchmarks/visualize_lenet.py --epochs 3

Writes docs/visualization_lenet5_results.json and docs/visualization_lenet5_<layer>.png; the same grid from
the shell: `keras-cnns visualize runs/visualize_lenet/lenet5_modern.keras --layer c3 --image x.npy --out g.png`.
"""

import argparse
import json
import os
import time

import keras
import numpy as np

from keras_cnns import get_model
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split
from keras_cnns.visualize import save_projection_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/mnist-t10k")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--layers", nargs="+", default=["c3", "c5"])
    parser.add_argument("--classes", type=int, nargs="+", default=[0, 2, 4, 7], help="digits shown, one row each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-dir", default="runs/visualize_lenet")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()

    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(args.data, train_size=MNIST_T10K_TRAIN_SIZE)
    pad = ((0, 0), (2, 2), (2, 2), (0, 0))  # 28x28 -> LeNet-5's 32x32
    x_train, x_holdout = np.pad(x_train, pad), np.pad(x_holdout, pad)

    keras.utils.set_random_seed(args.seed)
    model = get_model("lenet5_modern", input_shape=(32, 32, 1), classes=10)
    model.compile(keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=2)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_holdout, y_holdout, verbose=0)
    os.makedirs(args.model_dir, exist_ok=True)
    model.save(os.path.join(args.model_dir, "lenet5_modern.keras"))

    chosen = [int(np.flatnonzero(y_holdout == digit)[0]) for digit in args.classes]
    results = {
        "model": "lenet5_modern",
        "parameters": model.count_params(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": "Adam(1e-3)",
        "seed": args.seed,
        "holdout_accuracy": float(accuracy),
        "train_seconds": seconds,
        "holdout_indices_shown": chosen,
        "figures": {},
    }
    for layer in args.layers:
        path = os.path.join(args.out, f"visualization_lenet5_{layer}.png")
        save_projection_grid(model, x_holdout[chosen], layer, path)
        results["figures"][layer] = os.path.basename(path)
    with open(os.path.join(args.out, "visualization_lenet5_results.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
