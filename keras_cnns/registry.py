"""Model registry: every builder registers itself with a decorator beside its definition.

`list_models("vgg*")`, `get_model("vgg16", classes=10)` and `model_info("vgg16")` find models the way
timm's registry does; `model_info` measures parameters and multiply-adds on the built graph.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import functools
import gc
import inspect
import math
from typing import Any, Callable

from keras_cnns.checks import check_type


@dataclasses.dataclass(frozen=True)
class Paper:
    """The publication a family (or one of its members) comes from."""

    title: str
    year: int
    url: str = ""


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """One registered model: a builder plus the keyword arguments that make this variant."""

    name: str
    builder: Callable[..., Any]
    family: str
    paper: Paper
    preset: dict

    def build(self, **kwargs):
        return self.builder(**{**self.preset, **kwargs})


_REGISTRY: dict[str, ModelEntry] = {}


def register(name: str, *, family: str, paper: Paper, **preset):
    """Register `builder(**preset)` under `name`. Stack the decorator to register several variants."""

    def decorator(builder):
        if name in _REGISTRY:
            raise ValueError(f"model name {name!r} is registered twice")
        _REGISTRY[name] = ModelEntry(name=name, builder=builder, family=family, paper=paper, preset=dict(preset))
        return builder

    return decorator


def register_variant(builder, function_name: str, model_name: str, *, family: str, paper: Paper, **preset):
    """A public builder `function_name` = `builder` with `preset` bound, registered as `model_name`.

    The variant keeps the general builder's signature (keras.applications' arguments first, so positional
    calls work as with `keras.applications.VGG16(False)`) minus the preset arguments, and its `name`
    defaults to `model_name`: `VGG16 = register_variant(VGG, "VGG16", "vgg16", ..., config="D")`.
    """
    signature = inspect.signature(builder)
    unknown = sorted(set(preset) - set(signature.parameters))
    if unknown:
        raise TypeError(f"preset names arguments {unknown} that {builder.__name__} does not take")
    parameters = [
        parameter.replace(default=model_name) if parameter.name == "name" else parameter
        for parameter in signature.parameters.values()
        if parameter.name not in preset
    ]
    variant_signature = signature.replace(parameters=parameters)

    def variant(*args, **kwargs):
        bound = variant_signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return builder(**preset, **bound.arguments)

    variant.__signature__ = variant_signature
    variant.__name__ = variant.__qualname__ = function_name
    variant.__module__ = builder.__module__
    settings = ", ".join(f"{key}={value!r}" for key, value in preset.items())
    variant.__doc__ = f"Instantiates {model_name}, that is `{builder.__name__}({settings})`.\n\n{builder.__doc__ or ''}"
    register(model_name, family=family, paper=paper)(variant)
    return variant


def _entry(name) -> ModelEntry:
    check_type("name", name, str)
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name.lower(), list(_REGISTRY), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see keras_cnns.list_models()"
        raise ValueError(f"name must be a registered model; got {name!r}{hint}")
    return _REGISTRY[name]


def list_models(pattern: str | None = None, family: str | None = None) -> list[str]:
    """Sorted names of registered models, filtered by a shell-style `pattern` and/or a `family`."""
    if pattern is not None:
        check_type("pattern", pattern, str)
    if family is not None:
        families = {entry.family for entry in _REGISTRY.values()}
        if family not in families:
            raise ValueError(f"family must be one of {sorted(families)}; got {family!r}")
    return sorted(
        name
        for name, entry in _REGISTRY.items()
        if (pattern is None or fnmatch.fnmatch(name, pattern)) and (family is None or entry.family == family)
    )


def list_families() -> list[str]:
    return sorted({entry.family for entry in _REGISTRY.values()})


def get_model(name: str, **kwargs):
    """Build the registered model `name`; keyword arguments override the variant's defaults."""
    return _entry(name).build(**kwargs)


def get_builder(name: str) -> Callable[..., Any]:
    """The registered builder function of `name`, with the variant's presets bound."""
    entry = _entry(name)
    return functools.partial(entry.builder, **entry.preset)


@functools.lru_cache(maxsize=None)
def model_info(name: str) -> dict:
    """Paper, year, family, default input shape, parameters and multiply-adds of a registered model.

    The figures are measured on the model built with its default arguments (1000 classes unless the
    family's paper says otherwise), not typed in.
    """
    from keras_cnns.flops import count_multiply_adds

    entry = _entry(name)
    model = entry.build()
    info = {
        "name": name,
        "family": entry.family,
        "paper": entry.paper.title,
        "year": entry.paper.year,
        "url": entry.paper.url,
        "input_shape": tuple(model.input_shape[1:]),
        "classes": int(model.outputs[0].shape[-1]),
        "parameters": int(model.count_params()),
        "trainable_parameters": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "flops": count_multiply_adds(model),
        "builder": f"{entry.builder.__module__}.{entry.builder.__name__}",
        "preset": dict(entry.preset),
    }
    del model
    gc.collect()
    return info
