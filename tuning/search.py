"""`tuning.search`: a hardware-aware keras-tuner search whose result is a Pareto front.

keras-tuner stays the engine (its oracles choose configurations, store trials, resume a project with
`overwrite=False` and run chief/worker searches); `HardwareAwareMixin` adds to each trial, as trial metrics,
the model's parameters and multiply-adds and its int8 `.tflite` size and LiteRT batch-1 latency, and
rejects a configuration before training when its parameters, multiply-adds or estimated int8 size
(`tuning.measure.int8_size_estimate`) already break a constraint, or, with max_ram_kb / max_flash_kb, when
its TFLite Micro arena or flash (`tuning.measure.micro_estimate`) does. A rejected trial is recorded with
validation accuracy 0, so that the oracle steers away from it, and `rejected` = 1; it is never on the
front. keras-tuner ranks trials by validation accuracy alone; the multi-objective answer is
`SearchResult.front`, the non-dominated trials over `objectives` among those that meet every constraint.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time

import keras_tuner
import numpy as np

from keras_cnns.checks import check_bool, check_choice, check_float, check_int, check_type
from keras_cnns.training import PreciseBatchNorm
from tuning import pareto
from tuning.hypermodels import hypermodel_for
from tuning.measure import (LATENCY_RUNS, graph_figures, int8_figures, int8_size_estimate, micro_estimate,
                            micro_figures_of, micro_flatbuffer, micro_report_function, micro_summary)
from tuning.space import families as known_families

TUNERS = {"random": keras_tuner.RandomSearch, "bayesian": keras_tuner.BayesianOptimization,
          "hyperband": keras_tuner.Hyperband}
OBJECTIVE = keras_tuner.Objective("val_accuracy", "max")
SPACE_FILE = "space.json"
MICRO_MODEL_FILE = "model_micro.tflite"  # in each trial's folder, with MICRO_FILE: what micro_report measured
MICRO_FILE = "micro.json"
MICRO_PLOT = "front_micro.png"
FIGURES = ("message", "val_accuracy", "params", "macs", "size_bytes", "size_kb", "latency_ms", "ram_kb",
           "flash_kb", "micro_runs", "rejected", "fit_seconds", "measure_seconds")
CALIBRATION_IMAGES = 64


def stop_after(oracle, deadline):
    """Make `oracle` answer STOPPED (as at max_trials) to trial requests once `time.monotonic()` passes
    `deadline`: no trial starts after it, running ones finish."""
    create_trial = oracle.create_trial

    def create_trial_until_deadline(tuner_id):
        if time.monotonic() >= deadline:
            # max_trials is not part of the oracle's saved state: a resumed search starts from its own.
            oracle.max_trials = max(1, len(oracle.trials))
        return create_trial(tuner_id)

    oracle.create_trial = create_trial_until_deadline


def repair_interrupted_trials(oracle) -> list[str]:
    """Reconcile a reloaded keras-tuner oracle with its trial files after a kill; returns the ids of the trials
    found started but unknown to the oracle, which are queued to run again.

    keras-tuner 1.4 writes a trial's trial.json and the oracle's oracle.json at different moments, so a kill
    between the two leaves them disagreeing. After `end_trial` saves the oracle, the ended trial is still
    listed as running until the next save: reloading then queues a finished trial to run again, which trains
    it anew and replaces its result. After `create_trial` writes a new trial's file, the oracle does not know
    it until its own save: reloading then leaves that trial RUNNING forever, never run, yet counted against
    max_trials. Finished trials leave the retry queue; started unknown ones join it.
    """
    queue = getattr(oracle, "_retry_queue", None)  # keras-tuner 1.4's Oracle; another version is left as is
    if queue is None:
        return []
    kept = [trial_id for trial_id in queue
            if trial_id in oracle.trials and oracle.trials[trial_id].status not in ("COMPLETED", "FAILED")]
    ongoing = {trial.trial_id for trial in oracle.ongoing_trials.values()}
    orphans = [trial_id for trial_id, trial in sorted(oracle.trials.items())
               if trial.status == "RUNNING" and trial_id not in kept and trial_id not in ongoing]
    queue[:] = kept + orphans
    oracle.start_order.extend(trial_id for trial_id in orphans if trial_id not in oracle.start_order)
    return orphans


class HardwareAwareMixin:
    """Added in front of a keras-tuner tuner class: hardware figures per trial, pre-training rejection,
    a time budget (no trial starts after `deadline`, a `time.monotonic()` value) and a progress callback.
    A project reloaded after a kill is first repaired (`repair_interrupted_trials`)."""

    strip_metadata = False  # sizes of files without tensor names and conversion metadata
    arena_hint = None  # the arena of the trial's untrained copy: that of the trained model too

    def __init__(self, hypermodel, *, constraints=None, representative_images=None, latency_runs=LATENCY_RUNS,
                 micro=False, strip_metadata=False, deadline=None, progress=None, **kwargs):
        self.constraints = dict(constraints or {})
        self.strip_metadata = strip_metadata
        self.representative_images = representative_images
        self.latency_runs = latency_runs
        self.micro = micro
        self.deadline = deadline
        self.progress = progress
        self.finished_here = []  # ids of the trials this process ran (a resumed search ran others before)
        with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner prints "Reloading Tuner from ..."
            super().__init__(hypermodel, **kwargs)
        if hasattr(self.oracle, "trials"):  # local or chief; a worker's oracle is a client of the chief's
            repair_interrupted_trials(self.oracle)
            if deadline is not None:
                stop_after(self.oracle, deadline)

    def rejection(self, model) -> dict | None:
        """The figures of `model` if they already break a constraint before training, else None."""
        self.arena_hint = None
        figures = graph_figures(model)
        broken = pareto.violations(figures, self.constraints)
        limit = self.constraints.get("max_size_kb")
        if not broken and limit is not None and figures["params"] / 1000 > limit:
            broken = [f"at least {figures['params'] / 1000:g} KB of int8 weights > max_size_kb {limit:g}"]
        if not broken and limit is not None:
            figures["size_kb"] = int8_size_estimate(model, self.representative_images,
                                                    strip_metadata=self.strip_metadata) / 1000
            broken = pareto.violations(figures, self.constraints)
        if not broken and set(pareto.MICRO_CONSTRAINTS) & set(self.constraints):
            try:
                estimate = micro_estimate(model, self.representative_images, strip_metadata=self.strip_metadata)
            except ValueError:  # the export of the copy failed: the trained model is measured (or fails) itself
                estimate = {"micro_runs": 0.0}
            # nor does a copy TFLite Micro cannot run reject anything
            if estimate["micro_runs"]:
                self.arena_hint = round(estimate["ram_kb"] * 1000)
                figures.update(estimate)
                broken = pareto.violations(figures, self.constraints)
        return {**figures, "val_accuracy": 0.0, "rejected": 1.0} if broken else None

    def _build_and_fit_model(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        model = self._try_build(hp)
        rejected = self.rejection(model)
        if rejected is not None:
            return rejected
        started = time.perf_counter()
        # validation, the tuner's checkpoint and the int8 export all read batch normalization statistics
        kwargs["callbacks"] = [PreciseBatchNorm(args[0] if args else kwargs["x"]), *kwargs.get("callbacks", [])]
        history = self.hypermodel.fit(hp, model, *args, **kwargs)
        fitted = time.perf_counter()
        try:
            hardware = int8_figures(model, self.representative_images, latency_runs=self.latency_runs,
                                    strip_metadata=self.strip_metadata)
            if self.micro:
                hardware.update(self.micro_figures(trial, model))
        except ValueError as err:  # e.g. a configuration LiteRT's XNNPACK delegate cannot prepare
            raise keras_tuner.errors.FailedTrialError(f"int8 export or LiteRT run failed: {err}") from None
        figures = {**graph_figures(model), **hardware}
        accuracies = history.history.get("val_accuracy") or [0.0]
        return {"val_accuracy": float(np.nanmax(accuracies)), **figures, "rejected": 0.0,
                "fit_seconds": fitted - started, "measure_seconds": time.perf_counter() - fitted}

    def micro_figures(self, trial, model) -> dict:
        """micro_runs, flash_kb and ram_kb of `model` under TFLite Micro, measured by `tflite.micro_report` on
        its int8-I/O batch-1 export; that export and the report's runs, reason, ops, arena_bytes and flash_bytes
        are kept in the trial's folder (MICRO_MODEL_FILE, MICRO_FILE)."""
        flatbuffer = micro_flatbuffer(model, self.representative_images, self.strip_metadata)
        summary = micro_summary(flatbuffer, self.arena_hint)
        folder = self.get_trial_dir(trial.trial_id)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, MICRO_MODEL_FILE), "wb") as handle:
            handle.write(flatbuffer)
        pareto.save_json(summary, os.path.join(folder, MICRO_FILE))
        return micro_figures_of(summary)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        self.finished_here.append(trial.trial_id)
        if self.progress is not None and hasattr(self.oracle, "trials"):  # a worker's oracle is a client
            self.progress(trial_rows(self.oracle))

    def _build_hypermodel(self, hp):
        try:
            return super()._build_hypermodel(hp)
        except FileNotFoundError:
            # Hyperband continues a trial from its checkpoint; a rejected trial has none: start afresh.
            values = {k: v for k, v in hp.values.items() if k != "tuner/trial_id"}
            fresh = hp.copy()
            fresh.values = values
            return self.hypermodel.build(fresh)


def tuner_class(name):
    base = TUNERS[name]
    return type(f"HardwareAware{base.__name__}", (HardwareAwareMixin, base), {})


def trial_rows(oracle) -> list[dict]:
    """One flat dict per finished trial: id, status, hyperparameter values and recorded figures."""
    rows = []
    for trial_id, trial in sorted(oracle.trials.items()):
        if trial.status not in ("COMPLETED", "INVALID", "FAILED"):
            continue
        row = {"trial_id": trial_id, "status": trial.status}
        if trial.status != "COMPLETED" and trial.message:
            row["message"] = trial.message.strip().splitlines()[-1]
        row.update({k: v for k, v in trial.hyperparameters.values.items()})
        for name in FIGURES:
            if trial.metrics.exists(name):
                row[name] = trial.metrics.get_last_value(name)
        rows.append(row)
    return rows


class SearchResult:
    """The trials of a search, its Pareto front and where they were written."""

    def __init__(self, trials, objectives, constraints, project_dir, wall_seconds, space, finished_here=None):
        self.trials = trials
        self.finished_here = set(t["trial_id"] for t in trials) if finished_here is None else set(finished_here)
        self.objectives = objectives
        self.constraints = constraints
        self.project_dir = project_dir
        self.wall_seconds = wall_seconds
        self.space = space
        self.meeting = [t for t in trials if t.get("status") == "COMPLETED" and not t.get("rejected")
                        and pareto.meets(t, constraints)]
        self.front = pareto.pareto_front(self.meeting, objectives) if self.meeting else []

    @property
    def message(self) -> str:
        rejected = sum(1 for t in self.trials if t.get("rejected"))
        if self.front:
            return (f"{len(self.trials)} trials ({rejected} rejected before training), {len(self.front)} on the "
                    f"Pareto front over {', '.join(self.objectives)}")
        limits = ", ".join(f"{k}={v:g}" for k, v in self.constraints.items()) or "no constraint"
        return (f"no trial met the constraints ({limits}) in {len(self.trials)} trials ({rejected} rejected before "
                "training): relax them or search longer")

    def best(self, **constraints):
        """The most accurate trial meeting the search's constraints and those given (e.g. max_size_kb=20)."""
        return pareto.best(self.meeting, **constraints)

    def share_outside_fit(self) -> float:
        """Share of this run's wall time not spent in `fit` (building, export, latency, bookkeeping)."""
        fit = sum(t.get("fit_seconds", 0.0) for t in self.trials if t["trial_id"] in self.finished_here)
        return max(0.0, 1.0 - fit / self.wall_seconds) if self.wall_seconds else 0.0

    def save(self):
        """trials.csv, front.csv, front.json and front.png in the project folder, and MICRO_PLOT (accuracy vs
        flash, arena as colour) where trials were measured under TFLite Micro."""
        pareto.save_csv(self.trials, os.path.join(self.project_dir, "trials.csv"))
        pareto.save_csv(self.front, os.path.join(self.project_dir, "front.csv"))
        pareto.save_json({"objectives": list(self.objectives), "constraints": self.constraints,
                          "space": self.space, "message": self.message, "front": self.front,
                          "wall_seconds": self.wall_seconds, "share_outside_fit": self.share_outside_fit()},
                         os.path.join(self.project_dir, "front.json"))
        pareto.plot_front({"search": (self.meeting, self.front)}, os.path.join(self.project_dir, "front.png"))
        if any(t.get("ram_kb") is not None for t in self.meeting):
            pareto.plot_front({"search": (self.meeting, self.front)}, os.path.join(self.project_dir, MICRO_PLOT),
                              x="flash_kb", colour="ram_kb", title="accuracy vs TFLite Micro flash and arena")


def _check_project(project_dir, space, overwrite):
    """Refuse a project folder holding another search (different space); nothing in it is touched."""
    space_path = os.path.join(project_dir, SPACE_FILE)
    if overwrite or not os.path.isdir(project_dir):
        return
    if os.path.isfile(space_path):
        with open(space_path, encoding="utf-8") as handle:
            previous = json.load(handle)
        if previous != space:
            changed = sorted(k for k in set(previous) | set(space) if previous.get(k) != space.get(k))
            raise ValueError(
                f"directory/project_name {project_dir!r} holds another search (its {', '.join(changed)} differ: "
                f"{ {k: previous.get(k) for k in changed} } there, { {k: space.get(k) for k in changed} } now); "
                "use another project_name, or overwrite=True to replace it")
    elif os.listdir(project_dir):
        raise ValueError(f"directory/project_name {project_dir!r} holds files that are not a tuning.search "
                         "project; use another project_name, or overwrite=True to replace it")


def _augmentation_names(augmentation) -> list[str] | None:
    """`augmentation` as a list of names (a search's space is saved as JSON: no Keras layers)."""
    from keras_cnns.data import check_augmentation

    names = check_augmentation(augmentation)
    layers = [item for item in names if not isinstance(item, str)]
    if layers:
        raise TypeError(f"augmentation must be names (a search saves its space as JSON); got the layer {layers[0]!r}")
    return names or None


def _representative_images(dataset):
    batches, count = [], 0
    for images, _ in dataset.train:
        batches.append(images.numpy())
        count += len(batches[-1])
        if count >= CALIBRATION_IMAGES:
            break
    return np.concatenate(batches)[:CALIBRATION_IMAGES]


def search(data="digits", *, family=None, families=None, tuner="random", max_trials=20, max_minutes=None,
           epochs=3, max_size_kb=None, max_latency_ms=None, max_params=None, max_macs=None, max_ram_kb=None,
           max_flash_kb=None, objectives=("accuracy", "size"), directory="runs/tune", project_name="search",
           overwrite=False, batch_size=32, validation_split=0.1, recipes=("modern",), augmentation=None, ranges=None,
           strip_metadata=False, latency_runs=LATENCY_RUNS, seed=0, distribution_strategy=None,
           progress=None) -> SearchResult:
    """Search depth and width of `family` (or across `families`) on `data` for accurate, small, fast models.

    `data`: anything `keras_cnns.data.load_dataset` takes (arrays, "digits", an IDX or image folder, a tfds
    name); the search trains on its training split and validates on the last `validation_split` of it; the
    test split is never seen. `tuner`: "random", "bayesian" or "hyperband" (keras-tuner's; Hyperband's
    `max_epochs` is `epochs`). The search stops after `max_trials` trials or, between trials, once
    `max_minutes` have passed. Constraints (`max_size_kb` of the int8 `.tflite`, `max_latency_ms` LiteRT
    batch-1, `max_params`, `max_macs`, `max_ram_kb` / `max_flash_kb` under TFLite Micro) bound the front;
    configurations that break the first four's graph-computable part are not trained. `objectives`: names
    from `tuning.pareto.OBJECTIVES`. `augmentation` (names from `keras_cnns.data.AUGMENTATIONS`) is part of the
    recipe: applied to the training images of every trial and of the winners' retraining. `ranges` sets knobs' ranges by hand ({"family/knob" or "knob": (low, high)
    or [choices]}, `tuning.hypermodels.check_ranges`). `strip_metadata`: sizes (and the winners' files) are
    of `.tflite` files without tensor names and conversion metadata, as shipped to a device. The project lives in `directory/project_name`: run again with the same
    arguments to resume it (`overwrite=True` starts afresh). `progress(trials)` is called after each trial.
    """
    from keras_cnns.data import load_dataset

    if (family is None) == (families is None):
        raise ValueError(f"give exactly one of family (a name) or families (a list); got family={family!r}, "
                         f"families={families!r}")
    chosen = family if family is not None else families
    if family is not None:
        check_type("family", family, str)
        check_choice("family", family, known_families())
    check_choice("tuner", tuner, TUNERS)
    check_int("max_trials", max_trials, min_value=1)
    if max_minutes is not None:
        check_float("max_minutes", max_minutes, min_value=0.0, min_inclusive=False)
    check_int("epochs", epochs, min_value=1)
    check_int("latency_runs", latency_runs, min_value=1)
    check_int("seed", seed, min_value=0)
    check_bool("overwrite", overwrite)
    check_bool("strip_metadata", strip_metadata)
    check_type("directory", directory, (str, os.PathLike))
    check_type("project_name", project_name, str)
    objectives = pareto.check_objectives(objectives)
    constraints = pareto.check_constraints({
        "max_size_kb": max_size_kb, "max_latency_ms": max_latency_ms, "max_params": max_params,
        "max_macs": max_macs, "max_ram_kb": max_ram_kb, "max_flash_kb": max_flash_kb})
    micro = bool({"ram", "flash"} & set(objectives)) or bool({"max_ram_kb", "max_flash_kb"} & set(constraints))
    if micro:
        micro_report_function()  # fails early, before any data is loaded, where tflite.micro is absent

    augmentation = _augmentation_names(augmentation)
    dataset = load_dataset(data, batch_size=batch_size, validation_split=validation_split, seed=seed,
                           augmentation=augmentation)
    if dataset.validation is None:
        raise ValueError(f"validation_split must be > 0 (the search validates on a slice of the training data); "
                         f"got {validation_split!r}")
    steps_per_epoch = int(dataset.train.cardinality())
    hypermodel = hypermodel_for(chosen, dataset.input_shape, dataset.classes, recipes=recipes, ranges=ranges,
                                steps_per_epoch=steps_per_epoch, epochs=epochs)
    space = {"families": [chosen] if isinstance(chosen, str) else list(chosen), "tuner": tuner,
             "input_shape": list(dataset.input_shape), "classes": dataset.classes, "epochs": epochs,
             "recipes": list(hypermodel.recipes), "constraints": constraints}
    if hypermodel.ranges:
        space["ranges"] = hypermodel.ranges
    if augmentation:
        space["augmentation"] = augmentation
    if strip_metadata:
        space["strip_metadata"] = True
    project_dir = os.path.join(os.fspath(directory), project_name)
    _check_project(project_dir, space, overwrite)

    started = time.monotonic()
    tuner_kwargs = {"max_trials": max_trials} if tuner != "hyperband" else {"max_epochs": epochs}
    search_tuner = tuner_class(tuner)(
        hypermodel, objective=OBJECTIVE, directory=os.fspath(directory), project_name=project_name,
        overwrite=overwrite, seed=seed, distribution_strategy=distribution_strategy,
        max_consecutive_failed_trials=max_trials, constraints=constraints,
        representative_images=_representative_images(dataset), latency_runs=latency_runs, micro=micro,
        strip_metadata=strip_metadata,
        deadline=None if max_minutes is None else started + 60 * max_minutes, progress=progress, **tuner_kwargs)
    os.makedirs(project_dir, exist_ok=True)
    pareto.save_json(space, os.path.join(project_dir, SPACE_FILE))
    fit_kwargs = {} if tuner == "hyperband" else {"epochs": epochs}
    search_tuner.search(dataset.train, validation_data=dataset.validation, verbose=0,
                        shuffle=False, **fit_kwargs)  # load_dataset shuffles the training set itself
    if not hasattr(search_tuner.oracle, "trials"):  # a worker: the chief holds the trials
        return None
    result = SearchResult(trial_rows(search_tuner.oracle), objectives, constraints, project_dir,
                          time.monotonic() - started, space, search_tuner.finished_here)
    result.save()
    return result
