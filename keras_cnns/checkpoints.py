"""Crash-safe callbacks of `train`: Keras' CSVLogger, ModelCheckpoint and BackupAndRestore with atomic writes.

Keras' own callbacks write in place: a kill during `BackupAndRestore`'s weights write leaves a torn
`latest.weights.h5` that no rerun can load. Here every write goes through `keras_cnns.files.atomic_path`, and
the backup is a pair of files: `epoch-N.weights.h5` (written first) and `training_metadata.json` (written last,
naming it). The metadata is the commit point, and the previous epoch's weights stay until a newer state is
committed, so a weights file that cannot be read falls back to the one before with a warning.
"""

from __future__ import annotations

import csv
import glob
import io
import math
import os
import warnings

import keras

from keras_cnns.files import atomic_path, read_json, write_atomically, write_json

METADATA = "training_metadata.json"
CORRUPT_REMEDY = "delete the out_dir (or its backup/ folder to restart training from epoch 1) or use another out_dir"


def read_history(path) -> list[dict]:
    """Rows of a history CSV, one per epoch in order (the last row wins where an epoch was repeated; a line torn
    by a kill, which cannot be parsed, is dropped)."""
    if not os.path.isfile(path):
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        text = handle.read()
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            values = {k: float(v) for k, v in row.items() if k is not None and v not in ("", "NA", None)}
            rows[int(values["epoch"])] = values
        except (KeyError, ValueError):
            continue
    return [rows[epoch] for epoch in sorted(rows)]


class AtomicHistory(keras.callbacks.Callback):
    """One CSV row per epoch (as `keras.callbacks.CSVLogger`), the whole file rewritten atomically each epoch.

    Rows of epochs at or after the first epoch this run trains (left by a run killed before its backup) are
    dropped, so a resumed run has exactly one row per epoch.
    """

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.rows = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.rows is None:
            self.rows = [row for row in read_history(self.path) if row["epoch"] < epoch]

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}})
        keys = ["epoch"] + sorted({k for row in self.rows for k in row} - {"epoch"})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys, restval="NA", lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({**row, "epoch": int(row["epoch"])})
        write_atomically(self.path, buffer.getvalue())


class AtomicModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`keras.callbacks.ModelCheckpoint` whose file is written to a temporary and renamed over the target."""

    def _save_model(self, epoch, batch, logs):
        target = self.filepath
        with atomic_path(target, suffix=".weights.h5" if self.save_weights_only else ".keras") as temporary:
            self.filepath = temporary  # Keras writes here only when the monitored value improved
            try:
                super()._save_model(epoch, batch, logs)
            finally:
                self.filepath = target


def read_backup(backup_dir) -> dict | None:
    """The committed backup state {"epoch", "weights", "previous", "best"} of `backup_dir`, or None if none."""
    path = os.path.join(backup_dir, METADATA)
    if not os.path.isfile(path):
        return None
    state = read_json(path, "training backup metadata", CORRUPT_REMEDY)
    if not isinstance(state, dict) or not isinstance(state.get("epoch"), int) or state["epoch"] < 0:
        raise ValueError(f"training backup metadata {path!r} does not hold an epoch number (got {state!r}); "
                         f"{CORRUPT_REMEDY}")
    return state


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` (per-epoch) that keeps the previous good state until the next one is
    committed, falls back to it with a warning when the newest weights cannot be read, and keeps the backup
    when training ends (`train` deletes it once the run's last step is written).

    `checkpoint`: the run's `ModelCheckpoint`, whose best value is saved with each state so that a resumed
    run only replaces the best model by a better one.
    """

    def __init__(self, backup_dir, checkpoint=None):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)
        self.checkpoint = checkpoint
        self.restored_epoch = 0

    def _weights_file(self, epoch):
        return os.path.join(self.backup_dir, f"epoch-{epoch}.weights.h5")

    def _load_model(self):
        state = read_backup(self.backup_dir)
        if state is None:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        candidates = [(state["epoch"], state.get("weights"))]
        if state.get("previous"):
            candidates.append((state["epoch"] - 1, state["previous"]))
        for epoch, name in candidates:
            path = os.path.join(self.backup_dir, name or "")
            try:
                self.model.load_weights(path)
            except (OSError, ValueError, KeyError) as err:
                warnings.warn(f"training backup {path!r} cannot be read ({type(err).__name__}); falling back to the "
                              f"state before it", stacklevel=2)
                continue
            self.restored_epoch = self.model._initial_epoch = epoch
            return
        warnings.warn(f"no training backup in {self.backup_dir!r} can be read; training restarts from epoch 1",
                      stacklevel=2)
        self.restored_epoch = self.model._initial_epoch = 0

    def _best(self):
        best = None if self.checkpoint is None else float(self.checkpoint.best)
        return best if best is not None and math.isfinite(best) else None  # -inf before any improvement

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        epoch = self._current_epoch
        with atomic_path(self._weights_file(epoch), suffix=".weights.h5") as temporary:
            self.model.save_weights(temporary, overwrite=True)
        previous = read_backup(self.backup_dir)
        state = {"epoch": epoch, "batch": self._last_batch_seen, "weights": os.path.basename(self._weights_file(epoch)),
                 "previous": previous["weights"] if previous and previous["epoch"] == epoch - 1 else None,
                 "best": self._best()}
        write_json(os.path.join(self.backup_dir, METADATA), state)
        keep = {state["weights"], state["previous"]}
        for path in glob.glob(os.path.join(glob.escape(self.backup_dir), "epoch-*.weights.h5")):
            if os.path.basename(path) not in keep:
                os.remove(path)
