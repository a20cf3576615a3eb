"""ST-CNN vs the same CNN without the transformer on rotated + translated digits (MNIST t10k split).

Each 28x28 digit is rotated by a uniform angle in [-90, 90] degrees and pasted at a uniform random place in a
60x60 canvas (fixed seed). Both models train on the 8,000 training images with the same optimizer, batch size
and number of epochs; the 2,000 holdout images give the error. Writes docs/st_cnn_results.json and
docs/st_cnn_transformer.png (inputs next to what the transformer feeds the CNN).

    PYTHONPATH=. python benchmarks/st_cnn_distorted_mnist.py --epochs 6
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
from scipy import ndimage  # noqa: E402

import keras_cnns  # noqa: E402
from keras_cnns.data import MNIST_T10K_TRAIN_SIZE, load_idx_split  # noqa: E402

CANVAS = 60


def distort(images, seed):
    rng = np.random.default_rng(seed)
    canvas = np.zeros((len(images), CANVAS, CANVAS, 1), "float32")
    for i, image in enumerate(images[..., 0]):
        rotated = ndimage.rotate(image, rng.uniform(-90, 90), reshape=False, order=1)
        top, left = rng.integers(0, CANVAS - 28 + 1, size=2)
        canvas[i, top : top + 28, left : left + 28, 0] = np.clip(rotated, 0, 1)
    return canvas


def train(transform, data, epochs, batch_size, seed, filters):
    (x_train, y_train), (x_holdout, y_holdout) = data
    keras.utils.set_random_seed(seed)
    model = keras_cnns.STCNN(input_shape=(CANVAS, CANVAS, 1), classes=10, transform=transform, filters=filters)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=2)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_holdout, y_holdout, verbose=0)
    return model, {"holdout_error": 1.0 - accuracy, "train_seconds": seconds, "parameters": model.count_params()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="../shared/data/mnist-t10k")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--filters", type=int, nargs="+", default=[32, 64, 64])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()

    (x_train, y_train), (x_holdout, y_holdout) = load_idx_split(args.data, train_size=MNIST_T10K_TRAIN_SIZE)
    data = ((distort(x_train, args.seed), y_train), (distort(x_holdout, args.seed + 1), y_holdout))
    results = {"epochs": args.epochs, "batch_size": args.batch_size, "optimizer": "Adam(1e-3)", "seed": args.seed,
               "filters": args.filters}
    st_model = None
    for label, transform in (("cnn", None), ("st_cnn", "affine")):
        model, results[label] = train(transform, data, args.epochs, args.batch_size, args.seed, tuple(args.filters))
        print(label, results[label], flush=True)
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "st_cnn_results.json"), "w") as handle:
            json.dump(results, handle, indent=2)
        if transform is not None:
            st_model = model
    transformer = keras.Model(st_model.inputs, st_model.get_layer("spatial_transformer").output)
    samples = data[1][0][:8]
    warped = transformer.predict(samples, verbose=0)
    figure, axes = plt.subplots(2, len(samples), figsize=(1.6 * len(samples), 3.4))
    for column, (image, output) in enumerate(zip(samples, warped)):
        axes[0, column].imshow(image[..., 0], cmap="gray")
        axes[1, column].imshow(output[..., 0], cmap="gray")
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("transformer")
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "st_cnn_transformer.png"), dpi=100)


if __name__ == "__main__":
    main()
