"""What a search may vary per family: the family's builder, the preset of its representative model, its
knobs (name, kind, bounds, paper value) and its smallest input, read from `keras_cnns.model_spec`.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Callable

import keras_cnns
from keras_cnns.checks import check_choice

# The model of each family whose spec a search starts from (the smallest of the paper's models).
REPRESENTATIVE = {
    "lenet": "lenet5_modern", "alexnet": "alexnet", "zfnet": "zfnet", "vgg": "vgg11_bn", "nin": "nin_cifar",
    "allconv": "all_cnn_c", "googlenet": "googlenet", "inception": "inception_v3",
    "inception_resnet": "inception_resnet_v1", "resnet": "resnet20", "densenet": "densenet121",
    "squeezenet": "squeezenet1_1", "mobilenet": "mobilenet_v1_025", "shufflenet_v1": "shufflenet_v1_g3",
    "shufflenet_v2": "shufflenet_v2_x0_5",
}


@dataclasses.dataclass(frozen=True)
class FamilySpace:
    family: str
    builder: Callable
    preset: dict
    knobs: dict
    default_size: int
    min_size: int


def _spec_space(family) -> FamilySpace | None:
    """The space the zoo declares for `family`'s representative model (None while it declares no knobs)."""
    if family not in keras_cnns.list_families():
        return None
    spec = keras_cnns.model_spec(REPRESENTATIVE[family])
    if not spec.knobs:
        return None
    return FamilySpace(family, spec.builder, dict(spec.preset), dict(spec.knobs), spec.default_size, spec.min_size)


def families() -> list[str]:
    """Families a search can vary: those whose spec declares knobs."""
    return sorted(f for f in REPRESENTATIVE if _spec_space(f) is not None)


def family_space(family) -> FamilySpace:
    """The search space of `family` (one of `families()`)."""
    check_choice("family", family, families())
    return _spec_space(family)


def paper_value(space: FamilySpace, knob):
    """The value of `knob` in the family's paper model: the knob's default, else the preset's, else the builder's."""
    if knob.default is not None:
        return knob.default
    if knob.name in space.preset:
        return space.preset[knob.name]
    parameter = inspect.signature(space.builder).parameters.get(knob.name)
    return None if parameter is None or parameter.default is inspect.Parameter.empty else parameter.default
