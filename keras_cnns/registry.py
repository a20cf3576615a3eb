"""Model registry and design spaces: every model registers itself with a decorator beside its `def`.

`list_models("vgg*")`, `get_model("vgg16", classes=10)` and `model_info("vgg16")` find models the way timm's
registry does. Each family module declares one `Spec` per version of its paper (default and minimum input size,
channels, preprocessing, the paper, and the `Knob` ranges a search may draw depth and width from); its general
builder is registered with `@register_builder(family)` and each paper model with
`@register(name, spec, **preset)`, where `preset` holds the knob values that make that model. `model_spec(name)`
reads all of it without building anything.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import fnmatch
import functools
import gc
import math
import numbers
from typing import Any, Callable

from keras_cnns.checks import check_type

KNOB_KINDS = ("int", "float", "choice", "int_tuple", "bool")


@dataclasses.dataclass(frozen=True)
class Paper:
    """The publication a family (or one of its members) comes from."""

    title: str
    year: int
    url: str = ""


@dataclasses.dataclass(frozen=True)
class Knob:
    """A depth or width argument of a general builder and the range a search may draw it from.

    `low`/`high` bound an "int" or "float" knob and every entry of an "int_tuple" knob (inclusive); an
    "int_tuple" has `length` entries (blocks per stage); a "choice" takes one of `choices`.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    length: int | None = None
    default: Any = None

    def __post_init__(self):
        if self.kind not in KNOB_KINDS:
            raise ValueError(f"kind must be one of {KNOB_KINDS}; got {self.kind!r}")

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "bool":
            return "True or False"
        if self.kind == "int_tuple":
            return f"a tuple of {self.length} integers in [{self.low}, {self.high}]"
        return f"{'an integer' if self.kind == 'int' else 'a number'} in [{self.low}, {self.high}]"

    def validate(self, value):
        """`value` if it lies in the knob's range, else a ValueError (TypeError for a wrong type) naming the knob."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name} must be {self.describe()}; got {value!r}")
            return value
        if self.kind == "bool":
            return check_type(self.name, value, bool)
        if self.kind == "int_tuple":
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise TypeError(f"{self.name} must be {self.describe()}; got {value!r}")
            if len(value) != self.length:
                raise ValueError(f"{self.name} must be {self.describe()}; got {len(value)} entries in {value!r}")
            for item in value:
                if isinstance(item, bool) or not isinstance(item, numbers.Integral):
                    raise TypeError(f"{self.name} must be {self.describe()}; got {value!r}")
                if not self.low <= item <= self.high:
                    raise ValueError(f"{self.name} must be {self.describe()}; got {value!r}")
            return tuple(int(item) for item in value)
        number_type = numbers.Integral if self.kind == "int" else numbers.Real
        if isinstance(value, bool) or not isinstance(value, number_type):
            raise TypeError(f"{self.name} must be {self.describe()}; got {value!r} of type {type(value).__name__}")
        if not (self.low <= value <= self.high) or value != value:  # value != value: NaN
            raise ValueError(f"{self.name} must be {self.describe()}; got {value!r}")
        return int(value) if self.kind == "int" else float(value)


@dataclasses.dataclass(frozen=True)
class Spec:
    """What is known of a family's version without building it: sizes, channels, preprocessing, paper, knobs.

    `preprocessing` is a keras.applications `imagenet_utils` mode ("caffe", "tf", "torch") or "unit" (x / 255);
    the family's `preprocess_input` and `keras_cnns.data` both read it from here.
    """

    family: str
    paper: Paper
    default_size: int
    min_size: int
    channels: int = 3
    preprocessing: str = "unit"
    knobs: tuple[Knob, ...] = ()

    def knob(self, name) -> Knob:
        return {knob.name: knob for knob in self.knobs}[name]

    def replace(self, **changes) -> "Spec":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registered model: its spec, the family's general builder and the knob values (`preset`) that make it."""

    name: str
    spec: Spec
    builder: Callable[..., Any]
    preset: dict
    function: Callable[..., Any]

    @property
    def family(self) -> str:
        return self.spec.family

    @property
    def paper(self) -> Paper:
        return self.spec.paper

    @property
    def paper_accuracy(self) -> dict | None:
        """The ImageNet accuracy the paper reports for this model (top1, top5, source), or None where it reports none."""
        from keras_cnns.paper_accuracy import paper_accuracy

        return paper_accuracy(self.name)

    @property
    def knobs(self) -> dict:
        return {knob.name: knob for knob in self.spec.knobs}

    def __getattr__(self, attribute):
        if attribute in ("default_size", "min_size", "channels", "preprocessing"):
            return getattr(self.spec, attribute)
        raise AttributeError(attribute)


_BUILDERS: dict[str, Callable[..., Any]] = {}
_REGISTRY: dict[str, tuple[Spec, dict, Callable[..., Any]]] = {}


def register_builder(family: str):
    """Mark `builder` as the general builder of `family` (the one whose knobs a search sets)."""

    def decorator(builder):
        if family in _BUILDERS:
            raise ValueError(f"family {family!r} has a general builder already: {_BUILDERS[family].__name__}")
        _BUILDERS[family] = builder
        return builder

    return decorator


def register(name: str, spec: Spec, **preset):
    """Register the public builder below as model `name`: `spec`'s general builder called with `preset`."""
    check_type("spec", spec, Spec)

    def decorator(function):
        if name in _REGISTRY:
            raise ValueError(f"model name {name!r} is registered twice")
        knobs = {knob.name: knob for knob in spec.knobs}
        for key, value in preset.items():
            if key in knobs:
                knobs[key].validate(value)
        _REGISTRY[name] = (spec, dict(preset), function)
        return function

    return decorator


def preset(name: str, overrides: dict | None = None) -> dict:
    """The registered knob values of `name`, updated with a caller's `overrides` (what a variant's `def` passes on)."""
    return {**copy.deepcopy(_REGISTRY[name][1]), **(overrides or {})}


def _check_name(name) -> str:
    check_type("name", name, str)
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name.lower(), list(_REGISTRY), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see keras_cnns.list_models()"
        raise ValueError(f"name must be a registered model; got {name!r}{hint}")
    return name


def model_spec(name: str) -> ModelSpec:
    """The spec of registered model `name` (a copy: changing it changes nothing in the registry)."""
    spec, model_preset, function = _REGISTRY[_check_name(name)]
    return ModelSpec(name=name, spec=spec, builder=_BUILDERS[spec.family], preset=copy.deepcopy(model_preset),
                     function=function)


def list_models(pattern: str | None = None, family: str | None = None) -> list[str]:
    """Sorted names of registered models, filtered by a shell-style `pattern` and/or a `family`."""
    if pattern is not None:
        check_type("pattern", pattern, str)
    if family is not None:
        check_type("family", family, str)
        if family not in list_families():
            raise ValueError(f"family must be one of {list_families()}; got {family!r}")
    return sorted(
        name
        for name, (spec, _, _) in _REGISTRY.items()
        if (pattern is None or fnmatch.fnmatch(name, pattern)) and (family is None or spec.family == family)
    )


def list_families() -> list[str]:
    return sorted({spec.family for spec, _, _ in _REGISTRY.values()})


def family_builder(family: str) -> Callable[..., Any]:
    """The general builder of `family` (e.g. `keras_cnns.ResNet` for "resnet")."""
    check_type("family", family, str)
    if family not in _BUILDERS:
        raise ValueError(f"family must be one of {sorted(_BUILDERS)}; got {family!r}")
    return _BUILDERS[family]


def get_model(model_name: str, /, **kwargs):
    """Build the registered model `model_name`; keyword arguments (including `name`) override its defaults."""
    return _REGISTRY[_check_name(model_name)][2](**kwargs)


def get_builder(name: str) -> Callable[..., Any]:
    """The registered model's public builder (`get_builder("resnet50") is keras_cnns.ResNet50`)."""
    return _REGISTRY[_check_name(name)][2]


def _measure(model) -> dict:
    from keras_cnns.flops import count_multiply_adds

    return {
        "input_shape": tuple(model.input_shape[1:]),
        "classes": int(model.outputs[0].shape[-1]),
        "parameters": int(model.count_params()),
        "trainable_parameters": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "flops": count_multiply_adds(model),
    }


@functools.lru_cache(maxsize=None)
def _registered_info(name: str) -> dict:
    entry = model_spec(name)
    model = entry.function()
    info = {
        "name": name,
        "family": entry.family,
        "paper": entry.paper.title,
        "year": entry.paper.year,
        "url": entry.paper.url,
        **_measure(model),
        "builder": f"{entry.builder.__module__}.{entry.builder.__name__}",
        "preset": entry.preset,
        "default_size": entry.default_size,
        "min_size": entry.min_size,
        "preprocessing": entry.preprocessing,
        "paper_accuracy": entry.paper_accuracy,
    }
    del model
    gc.collect()
    return info


def model_info(model, /, **overrides) -> dict:
    """Paper, family, input shape, parameters and multiply-adds, measured on the built graph (a fresh copy).

    `model` is a registered name (built with its defaults, or with `overrides` such as
    `stage_blocks=(1, 1, 1), width_multiplier=0.5, input_shape=(32, 32, 1)`) or a built `keras.Model`.
    """
    import keras

    if isinstance(model, keras.Model):
        if overrides:
            raise TypeError(f"model_info takes no overrides for a built model; got {sorted(overrides)}")
        return {"name": model.name, **_measure(model)}
    info = copy.deepcopy(_registered_info(_check_name(model)))
    if overrides:
        built = get_model(model, **overrides)
        info.update(_measure(built), preset={**info["preset"], **overrides})
        del built
        gc.collect()
    return info

