"""The papers' training recipes, ensemble averaging, and `train` / `keras-cnns train`.

Recipes (select by name; `list_recipes()`):
- "alexnet", "vgg": SGD, momentum 0.9, weight decay 5e-4, learning rate / 10 when the validation loss stops
  improving (Krizhevsky et al. 2012; Simonyan & Zisserman 2014).
- "googlenet": SGD momentum 0.9, learning rate x 0.96 every 8 epochs, auxiliary classifiers' losses weighted
  0.3 (Szegedy et al. 2014).
- "inception_v3": RMSProp (rho 0.9, epsilon 1.0), learning rate x 0.94 every 2 epochs, gradient clipping 2.0,
  label smoothing 0.1 (Szegedy et al. 2015).
- "resnet": SGD 0.1, momentum 0.9, weight decay 1e-4, learning rate / 10 at 50% and 75% of training
  (He et al. 2015's 32k/48k of 64k iterations).
- "modern": AdamW with a cosine schedule and one warm-up epoch (the default).

Keras' `weight_decay` is the decoupled form (w -= lr * decay * w), not an L2 term fed through the momentum
as in the papers; for SGD the two differ only through the momentum's memory.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from typing import Callable

import keras
import numpy as np

from keras_cnns.checkpoints import (AtomicBackupAndRestore, AtomicHistory, AtomicModelCheckpoint, read_backup,
                                   read_history)
from keras_cnns.checks import check_bool, check_choice, check_float, check_int, check_type
from keras_cnns.files import atomic_path, read_json, write_json

AUX_LOSS_WEIGHT = 0.3
STRATEGIES = ("default", "mirrored")


@dataclasses.dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    learning_rate: float
    make_optimizer: Callable  # (learning_rate, steps_per_epoch, epochs) -> optimizer
    reduce_on_plateau: bool = False
    label_smoothing: float = 0.0
    aux_loss_weight: float = AUX_LOSS_WEIGHT


def _sgd(weight_decay):
    def make(learning_rate, steps_per_epoch, epochs):
        return keras.optimizers.SGD(learning_rate, momentum=0.9, weight_decay=weight_decay)

    return make


def _googlenet(learning_rate, steps_per_epoch, epochs):
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, 8 * steps_per_epoch, 0.96, staircase=True)
    return keras.optimizers.SGD(schedule, momentum=0.9)


def _inception_v3(learning_rate, steps_per_epoch, epochs):
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, 2 * steps_per_epoch, 0.94, staircase=True)
    return keras.optimizers.RMSprop(schedule, rho=0.9, epsilon=1.0, clipnorm=2.0)


def _resnet(learning_rate, steps_per_epoch, epochs):
    total = steps_per_epoch * epochs
    boundaries = [max(1, total // 2), max(2, (3 * total) // 4)]
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries, [learning_rate, learning_rate / 10, learning_rate / 100])
    return keras.optimizers.SGD(schedule, momentum=0.9, weight_decay=1e-4)


def _modern(learning_rate, steps_per_epoch, epochs):
    warmup = steps_per_epoch if epochs > 1 else 0
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else learning_rate, max(1, steps_per_epoch * epochs - warmup), alpha=0.0,
        warmup_target=learning_rate if warmup else None, warmup_steps=warmup)
    return keras.optimizers.AdamW(schedule, weight_decay=1e-4)


RECIPES = {
    "alexnet": Recipe("alexnet", "SGD 0.01, momentum 0.9, weight decay 5e-4, lr/10 on validation plateau", 0.01,
                      _sgd(5e-4), reduce_on_plateau=True),
    "vgg": Recipe("vgg", "SGD 0.01, momentum 0.9, weight decay 5e-4, lr/10 on validation plateau", 0.01,
                  _sgd(5e-4), reduce_on_plateau=True),
    "googlenet": Recipe("googlenet", "SGD momentum 0.9, lr x0.96 every 8 epochs, auxiliary losses x0.3", 0.01,
                        _googlenet),
    "inception_v3": Recipe("inception_v3", "RMSProp rho 0.9 eps 1.0, lr x0.94 every 2 epochs, clip 2.0, label "
                           "smoothing 0.1", 0.045, _inception_v3, label_smoothing=0.1),
    "resnet": Recipe("resnet", "SGD 0.1, momentum 0.9, weight decay 1e-4, lr/10 at 50% and 75%", 0.1, _resnet),
    "modern": Recipe("modern", "AdamW 1e-3 (weight decay 1e-4), 1 warm-up epoch then cosine decay", 1e-3, _modern),
}


def list_recipes() -> list[str]:
    return sorted(RECIPES)


def get_recipe(name) -> Recipe:
    check_type("recipe", name, str)
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(repr(r) for r in list_recipes())}; got {name!r}")
    return RECIPES[name]


def output_names(model) -> list[str]:
    return [tensor._keras_history.operation.name for tensor in model.outputs]


def compile_with_recipe(model, recipe="modern", *, steps_per_epoch=100, epochs=10, learning_rate=None,
                        steps_per_execution=1):
    """Compile `model` with a recipe's optimizer, schedule and losses.

    A model with several outputs (GoogLeNet's auxiliary classifiers) gets one loss per output, named by its
    output layers: "predictions" weighted 1 and every other output (the auxiliaries) `recipe.aux_loss_weight`.
    Labels are one-hot for label smoothing (`labels_for(model, recipe)` maps the dataset accordingly).
    `steps_per_execution` batches run in one compiled call (Keras' `compile` argument).
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    check_int("steps_per_epoch", steps_per_epoch, min_value=1)
    check_int("steps_per_execution", steps_per_execution, min_value=1)
    check_int("epochs", epochs, min_value=1)
    learning_rate = recipe.learning_rate if learning_rate is None else check_float(
        "learning_rate", learning_rate, min_value=0.0, min_inclusive=False)
    if recipe.label_smoothing:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy()
    names = output_names(model)
    if len(names) == 1:
        losses, weights, metrics = loss, None, ["accuracy"]
    else:
        main = "predictions" if "predictions" in names else names[0]
        losses = {name: loss for name in names}
        weights = {name: 1.0 if name == main else recipe.aux_loss_weight for name in names}
        metrics = {main: ["accuracy"]}
    model.compile(optimizer=recipe.make_optimizer(learning_rate, steps_per_epoch, epochs), loss=losses,
                  loss_weights=weights, metrics=metrics, steps_per_execution=steps_per_execution)
    return model


def labels_for(model, recipe, dataset, classes):
    """Map a `(images, int labels)` dataset to what `compile_with_recipe` made the model expect."""
    import tensorflow as tf

    if dataset is None:
        return None
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    names = output_names(model)
    if not recipe.label_smoothing and len(names) == 1:
        return dataset  # already what the model expects: no extra pass over the data

    def convert(images, labels):
        if recipe.label_smoothing:
            labels = tf.one_hot(labels, classes)
        return images, labels if len(names) == 1 else {name: labels for name in names}

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


PRECISE_BN_BATCHES = 32


def _batch_norm_layers(layer):
    for sublayer in getattr(layer, "layers", []):
        if isinstance(sublayer, keras.layers.BatchNormalization):
            yield sublayer
        yield from _batch_norm_layers(sublayer)


def recompute_batch_norm_statistics(model, data, batches: int = PRECISE_BN_BATCHES) -> int:
    """Set the moving mean and variance of every trainable `BatchNormalization` layer of `model` (nested models
    included) to its inputs' mean and variance over the first `batches` batches of `data` (a tf.data set of
    images or (images, labels) batches), the layers in training mode as when they were trained ("precise BN",
    Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021). Returns the number of batches read.

    Keras' moving averages (momentum 0.99) remember the last ~100 steps, over which a short run still moves the
    weights: on digits a MobileNet trained 460 steps scored 0.12 on its test images with them and 0.94 after this.
    Frozen (non-trainable) layers keep their statistics."""
    import tensorflow as tf

    check_type("data", data, tf.data.Dataset)
    check_int("batches", batches, min_value=1)
    layers = [layer for layer in _batch_norm_layers(model) if layer.trainable]
    if not layers:
        return 0
    momenta = [layer.momentum for layer in layers]
    before = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in layers]
    sums = [[0.0, 0.0] for _ in layers]  # per layer: sum of batch means, of batch E[x^2]
    count = 0
    try:
        for layer in layers:
            layer.momentum = 0.0  # each call leaves that batch's statistics in the moving ones
        for batch in data.take(batches):
            model(batch[0] if isinstance(batch, (tuple, list)) else batch, training=True)
            for total, layer in zip(sums, layers):
                mean = layer.moving_mean.numpy().astype(np.float64)
                total[0] += mean
                total[1] += layer.moving_variance.numpy() + mean ** 2
            count += 1
    finally:
        for layer, momentum, (mean, variance) in zip(layers, momenta, before):
            layer.momentum = momentum
            layer.moving_mean.assign(mean)  # the statistics as they were, should a batch fail or none come
            layer.moving_variance.assign(variance)
    if count == 0:
        raise ValueError("data must hold at least one batch to recompute batch normalization statistics; got none")
    for (mean_sum, square_sum), layer in zip(sums, layers):
        mean = mean_sum / count
        layer.moving_mean.assign(mean.astype(layer.moving_mean.dtype))
        variance = np.maximum(square_sum / count - mean ** 2, 0.0)
        layer.moving_variance.assign(variance.astype(layer.moving_variance.dtype))
    return count


class PreciseBatchNorm(keras.callbacks.Callback):
    """`recompute_batch_norm_statistics` on the training data before each validation pass of `fit` and at its
    end, so that validation metrics, checkpoints and the trained model use statistics of the final weights.
    A model built under a strategy of several replicas keeps Keras' own (the eager passes are untested there)."""

    def __init__(self, data, batches: int = PRECISE_BN_BATCHES):
        super().__init__()
        self.data, self.batches = data, check_int("batches", batches, min_value=1)
        self._trained_since = False

    def _recompute(self):
        if self._trained_since and self.model.distribute_strategy.num_replicas_in_sync == 1:
            recompute_batch_norm_statistics(self.model, self.data, self.batches)
            self._trained_since = False

    def on_train_batch_end(self, batch, logs=None):
        self._trained_since = True

    def on_test_begin(self, logs=None):
        self._recompute()

    def on_train_end(self, logs=None):
        self._recompute()


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that does no work after each batch when it logs per epoch only.

    Keras' callback calls `tf.summary.scalar` for every metric after every batch even with
    `update_freq="epoch"`, where no writer is active and nothing is written; each call costs about 0.5 ms on
    a 2-core CPU, a few per cent of a small model's training step. The batch hook still runs while the
    callback has batch-level work: writing the graph after the first batch, per-batch summaries
    (`update_freq` a number or "batch"), steps per second, or profiling (`profile_batch`).
    """

    def on_train_batch_end(self, batch, logs=None):
        if (self.update_freq != "epoch" or self.write_steps_per_second or getattr(self, "_should_trace", True)
                or getattr(self, "_should_write_train_graph", True)):
            super().on_train_batch_end(batch, logs)


def ensemble(members, name="ensemble"):
    """One model whose output is the average of the members' (main) outputs, as AlexNet averaged the
    predictions of several CNNs. Members must share input and output shapes; it saves with safe_mode."""
    if not isinstance(members, (list, tuple)) or len(members) < 2:
        raise ValueError(f"members must be a list of at least two Keras models; got {members!r}")
    for i, member in enumerate(members):
        check_type(f"members[{i}]", member, keras.Model)
    input_shape = tuple(members[0].input_shape[1:])
    inputs = keras.Input(input_shape, name="images")
    outputs = []
    for i, member in enumerate(members):
        if tuple(member.input_shape[1:]) != input_shape:
            raise ValueError(f"members[{i}] takes inputs of shape {member.input_shape[1:]}; members[0] takes "
                             f"{input_shape}")
        names = output_names(member)
        main = member.outputs[names.index("predictions") if "predictions" in names else 0]
        # A functional view of each member under a unique name (members often share the builder's name).
        view = keras.Model(member.inputs, main, name=f"member_{i}_{member.name}")
        outputs.append(view(inputs))
    shapes = {tuple(o.shape[1:]) for o in outputs}
    if len(shapes) != 1:
        raise ValueError(f"members must have the same output shape; got {sorted(shapes)}")
    return keras.Model(inputs, keras.layers.Average(name="average")(outputs), name=name)


def _strategy(strategy):
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    check_type("strategy", strategy, (str, tf.distribute.Strategy))
    check_choice("strategy", strategy, STRATEGIES)
    return tf.distribute.MirroredStrategy() if strategy == "mirrored" else tf.distribute.get_strategy()


def plot_history(rows, path):
    """Loss and accuracy per epoch (train and validation) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [int(row["epoch"]) + 1 for row in rows]
    keys = sorted({k for row in rows for k in row if k not in ("epoch", "learning_rate")})
    panels = [("loss", [k for k in keys if k.endswith("loss")]), ("accuracy", [k for k in keys if k.endswith("accuracy")])]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, (title, names) in zip(axes, panels):
        for key in names:
            axis.plot(epochs, [row.get(key, np.nan) for row in rows], marker="o", label=key)
        axis.set_xlabel("epoch")
        axis.set_title(title)
        if names:
            axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=100)
    plt.close(figure)


def train(
    model,
    data="digits",
    *,
    recipe: str = "modern",
    epochs: int = 10,
    out_dir: str = "runs/train",
    strategy="default",
    batch_size: int = 32,
    validation_split: float = 0.1,
    augmentation=None,
    learning_rate=None,
    input_shape=None,
    data_options=None,
    callbacks=None,
    steps_per_execution=16,
    precise_batch_norm=True,
    verbose=1,
):
    """Train a zoo model (registered name, `builder(input_shape=..., classes=...)` callable, or a Keras model)
    on `data` (a `keras_cnns.data.Dataset` or any source `load_dataset` takes) with a named recipe.

    `out_dir` receives `best.keras` (best validation accuracy), `history.csv`, TensorBoard `logs/`,
    `training_curves.png` and `run.json`, each written atomically (a kill leaves the old file or the new one).
    A run is finished once `run.json` says so, after its test score and curves; a rerun in the `out_dir` of
    an unfinished run resumes it from its last backed-up epoch (`backup/`; a backup that cannot be read falls
    back to the epoch before it, with a warning) and completes it. `out_dir` holding a finished run is
    refused rather than overwritten. Models given by name or builder are built inside `strategy.scope()` ("default" or
    "mirrored", or a `tf.distribute.Strategy`). `callbacks` are added to the run's own.
    `steps_per_execution` batches run per compiled call (fewer Python round trips: small models such as
    LeNet-5 train faster; the progress bar and batch-level callbacks then update every that many batches).
    With `precise_batch_norm` (one replica only), batch normalization statistics are recomputed on the training
    data before each validation and at the end (`PreciseBatchNorm`), so short runs do not validate, checkpoint
    and score stale ones.
    """
    from keras_cnns.data import Dataset, load_dataset, preprocessing_for
    from keras_cnns.registry import get_builder, model_info

    recipe_config = get_recipe(recipe)
    callbacks_extra = callbacks
    epochs = check_int("epochs", epochs, min_value=1)
    check_type("out_dir", out_dir, (str, os.PathLike))
    out_dir = os.fspath(out_dir)
    check_int("verbose", verbose, min_value=0, max_value=2)
    check_int("steps_per_execution", steps_per_execution, min_value=1)
    check_bool("precise_batch_norm", precise_batch_norm)
    if not isinstance(model, (str, keras.Model)) and not callable(model):
        raise TypeError(f"model must be a registered model name, a builder or a keras.Model; got {model!r}")
    distribution = _strategy(strategy)
    builder, model_name = None, getattr(model, "name", getattr(model, "__name__", "model"))
    if isinstance(model, str):
        builder, model_name = get_builder(model), model
        input_shape = input_shape or model_info(model)["input_shape"]
    elif isinstance(model, keras.Model):
        input_shape = tuple(model.input_shape[1:])
    else:
        builder = model

    backup_dir = os.path.join(out_dir, "backup")
    best_path = os.path.join(out_dir, "best.keras")
    run_path = os.path.join(out_dir, "run.json")
    settings = {"model": model_name, "recipe": recipe, "epochs": epochs, "batch_size": batch_size,
                "data": data.source if isinstance(data, Dataset) else str(data) if isinstance(data, (str, os.PathLike))
                else "arrays"}
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"out_dir must be a folder; {out_dir!r} is a file")
    resuming = os.path.exists(run_path)
    if resuming:
        previous = read_json(run_path, "run metadata", "delete the out_dir to start over, or use another out_dir")
        if not isinstance(previous, dict) or "settings" not in previous:
            raise ValueError(f"run metadata {run_path!r} is not a keras-cnns run record (got {previous!r}); delete "
                             f"the out_dir to start over, or use another out_dir")
        if previous.get("finished"):
            shutil.rmtree(backup_dir, ignore_errors=True)  # left by a kill after the run finished
            raise ValueError(f"out_dir {out_dir!r} already holds a finished run (run.json); choose another out_dir "
                             f"or delete it")
        if previous["settings"] != settings:
            raise ValueError(f"out_dir {out_dir!r} holds an interrupted run of {previous['settings']}; resuming needs "
                             f"the same settings, got {settings}: use another out_dir")
        backup = read_backup(backup_dir)  # a corrupt backup record is refused before any work starts
    elif os.path.exists(best_path):
        raise ValueError(f"out_dir {out_dir!r} already holds a model (best.keras) but no run.json; choose another "
                         f"out_dir or delete it")
    else:
        backup = None

    if isinstance(data, Dataset):
        dataset = data
    else:
        family = preprocessing_for(model_name) if isinstance(model, str) else "unit"
        options = {"preprocessing": family, **(data_options or {})}
        dataset = load_dataset(data, input_shape=input_shape, batch_size=batch_size,
                               validation_split=validation_split, augmentation=augmentation, **options)
    steps_per_epoch = int(dataset.train.cardinality())
    if steps_per_epoch < 1:
        steps_per_epoch = sum(1 for _ in dataset.train)

    if distribution.num_replicas_in_sync > 1:
        # Keras 3.15 fails to run several steps per call under MirroredStrategy ("You must feed a value for
        # placeholder tensor ... while/cond/Placeholder_1"): one step per call there.
        steps_per_execution = 1
    with distribution.scope():
        if builder is not None:
            model = builder(input_shape=dataset.input_shape, classes=dataset.classes)
        classes = int(model.outputs[0].shape[-1])
        if classes != dataset.classes:
            raise ValueError(f"model has {classes} outputs but the data has {dataset.classes} classes")
        compile_with_recipe(model, recipe_config, steps_per_epoch=steps_per_epoch, epochs=epochs,
                            learning_rate=learning_rate, steps_per_execution=steps_per_execution)
    train_set = labels_for(model, recipe_config, dataset.train, dataset.classes)
    validation_set = labels_for(model, recipe_config, dataset.validation, dataset.classes)
    names = output_names(model)
    main = "predictions" if "predictions" in names else names[0]
    monitor = ("val_" if validation_set is not None else "") + ("accuracy" if len(names) == 1 else f"{main}_accuracy")

    os.makedirs(out_dir, exist_ok=True)
    history_path = os.path.join(out_dir, "history.csv")
    if not resuming:
        shutil.rmtree(backup_dir, ignore_errors=True)  # an orphan backup without run.json belongs to no run
        write_json(run_path, {"settings": settings, "finished": False})
    best = backup.get("best") if backup else None
    # The backup comes last, so that an epoch whose backup exists has its history row and checkpoint too. A run
    # killed after those but before the backup repeats that epoch: AtomicHistory drops its row first.
    checkpoint = AtomicModelCheckpoint(best_path, monitor=monitor, mode="max", save_best_only=True,
                                       initial_value_threshold=best if isinstance(best, float) and math.isfinite(best)
                                       else None)
    callbacks = [AtomicHistory(history_path), checkpoint, EpochTensorBoard(os.path.join(out_dir, "logs"))]
    if recipe_config.reduce_on_plateau:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss" if validation_set is not None else "loss", factor=0.1, patience=3))
    if precise_batch_norm:
        callbacks.insert(0, PreciseBatchNorm(train_set))  # before the checkpoint reads the validation score
    callbacks += list(callbacks_extra or [])
    callbacks.append(AtomicBackupAndRestore(backup_dir, checkpoint=checkpoint))
    model.fit(train_set, validation_data=validation_set, epochs=epochs, callbacks=callbacks, verbose=verbose,
              shuffle=False)  # load_dataset shuffles the training set itself

    # The run counts as finished only once run.json says so, after its last step: a kill before that makes the
    # rerun restore the last epoch's weights, train no further epoch and write these again.
    rows = read_history(history_path)
    plot_history(rows, os.path.join(out_dir, "training_curves.png"))
    result = {"model": model, "history": rows, "best_path": best_path, "out_dir": out_dir, "monitor": monitor}
    if dataset.test is not None:
        scores = model.evaluate(labels_for(model, recipe_config, dataset.test, dataset.classes), verbose=0,
                                return_dict=True)
        result["test_accuracy"] = float(scores["accuracy" if len(names) == 1 else f"{main}_accuracy"])
    write_json(run_path, {"settings": settings, "finished": True, "epochs_trained": len(rows),
                          "test_accuracy": result.get("test_accuracy")})
    shutil.rmtree(backup_dir, ignore_errors=True)
    return result


def _cmd_train(args):
    augmentation = [a for a in args.augment.split(",") if a] if args.augment else None
    result = train(args.model, args.data, recipe=args.recipe, epochs=args.epochs, out_dir=args.out,
                   strategy=args.strategy, batch_size=args.batch_size, validation_split=args.validation_split,
                   augmentation=augmentation, learning_rate=args.learning_rate,
                   data_options={"resize_method": args.resize, "data_dir": args.data_dir, "download": args.download},
                   steps_per_execution=args.steps_per_execution, verbose=args.verbose)
    last = result["history"][-1] if result["history"] else {}
    summary = f"{result['monitor']} {last.get(result['monitor'], float('nan')):.4f} after {len(result['history'])} epochs"
    if "test_accuracy" in result:
        summary += f"; test accuracy {result['test_accuracy']:.4f}"
    print(f"{summary}; best model {result['best_path']}, curves {os.path.join(args.out, 'training_curves.png')}")


def add_commands(subparsers):
    command = subparsers.add_parser("train", help="train a zoo model on a dataset with a paper's recipe")
    command.add_argument("model", help="registered model name (keras-cnns list)")
    command.add_argument("--data", default="digits",
                         help="'digits', a tensorflow-datasets name, an image folder or a folder of IDX files")
    command.add_argument("--data-dir", default=None, help="where tensorflow-datasets keeps prepared datasets")
    command.add_argument("--download", action="store_true", help="let tensorflow-datasets download --data")
    command.add_argument("--recipe", default="modern", help=f"one of {', '.join(list_recipes())}")
    command.add_argument("--epochs", type=int, default=10)
    command.add_argument("--out", default="runs/train")
    command.add_argument("--batch-size", type=int, default=32)
    command.add_argument("--validation-split", type=float, default=0.1)
    command.add_argument("--augment", default="", help="comma-separated: crop, shift, rotate, zoom, flip, lighting")
    command.add_argument("--learning-rate", type=float, default=None)
    command.add_argument("--resize", default="bilinear", help="bilinear, nearest, bicubic or pad")
    command.add_argument("--strategy", default="default", help="default or mirrored")
    command.add_argument("--steps-per-execution", type=int, default=16,
                         help="batches per compiled call (fewer Python round trips for small models)")
    command.add_argument("--verbose", type=int, default=1, help="0 silent, 1 progress bar, 2 one line per epoch")
    command.set_defaults(run=_cmd_train)
