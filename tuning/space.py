"""What a search may vary per family: the family's builder, the preset of its representative model, its
knobs (name, kind, bounds, paper default) and its smallest input, read from `keras_cnns.model_spec` where
the zoo has it.

Until every builder declares its knobs (the design-space issue), `INTERIM_SPACES` describes the families
whose builders already take depth and width arguments, and `to_builder_kwargs` maps the knob values to them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

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
class Knob:
    """One searchable builder argument (the design-space contract's fields)."""

    name: str
    kind: str  # "int" | "float" | "choice" | "int_tuple" | "bool"
    low: Any = None
    high: Any = None
    length: int | None = None
    choices: tuple = ()
    default: Any = None


@dataclasses.dataclass(frozen=True)
class FamilySpace:
    family: str
    builder: Callable
    preset: dict
    knobs: dict
    default_size: int
    min_size: int
    to_builder_kwargs: Callable[[dict], dict] = dict


def _resnet_kwargs(chosen):
    kwargs = dict(chosen)
    blocks = kwargs.pop("stage_blocks", None)
    if blocks is not None:  # today's builder takes one depth, 6n+2, with n blocks in each of the 3 stages
        kwargs["depth"] = 6 * blocks + 2
    return kwargs


def _mobilenet_kwargs(chosen):
    kwargs = dict(chosen)
    if "width_multiplier" in kwargs:
        kwargs["alpha"] = kwargs.pop("width_multiplier")
    return kwargs


def _densenet_kwargs(chosen):
    kwargs = dict(chosen)
    if "stage_blocks" in kwargs:
        kwargs["blocks"] = kwargs.pop("stage_blocks")
    return kwargs


INTERIM_SPACES = {
    "lenet": FamilySpace("lenet", keras_cnns.LeNet5, {"variant": "modern"}, {}, 32, 32),
    "resnet": FamilySpace(
        "resnet", keras_cnns.ResNet, {"dataset": "cifar"},
        {"stage_blocks": Knob("stage_blocks", "int", 1, 18, default=3),
         "base_filters": Knob("base_filters", "int", 4, 64, default=16)},
        32, 8, _resnet_kwargs),
    "mobilenet": FamilySpace(
        "mobilenet", keras_cnns.MobileNet, {},
        {"width_multiplier": Knob("width_multiplier", "float", 0.125, 1.0, default=0.25)},
        224, 32, _mobilenet_kwargs),
    "densenet": FamilySpace(
        "densenet", keras_cnns.DenseNet, {"compression": 0.5},
        {"stage_blocks": Knob("stage_blocks", "int_tuple", 1, 24, length=3, default=(6, 12, 24)),
         "growth_rate": Knob("growth_rate", "int", 4, 32, default=12)},
        224, 16, _densenet_kwargs),
}


def families() -> list[str]:
    """Families a search can vary today."""
    if hasattr(keras_cnns, "model_spec"):
        return sorted(f for f in REPRESENTATIVE if f in keras_cnns.list_families())
    return sorted(INTERIM_SPACES)


def family_space(family) -> FamilySpace:
    """The search space of `family` (one of `families()`)."""
    check_choice("family", family, families())
    if not hasattr(keras_cnns, "model_spec"):
        return INTERIM_SPACES[family]
    spec = keras_cnns.model_spec(REPRESENTATIVE[family])
    return FamilySpace(family, spec.builder, dict(spec.preset), dict(spec.knobs), spec.default_size, spec.min_size)
