"""keras-tuner HyperModels over the knobs (depth, width, ...) of each zoo family, and one across families.

Each HyperModel only picks knob values from the family's space (`tuning.space`) and calls the zoo's builder.
Ranges scale with the input: below the size the family was designed for (`default_size`: 32 for CIFAR-style
ResNets, 224 for ImageNet models) a knob's upper bound is its paper value, so digits get small networks; at
full size the whole range is open. An input smaller than the family's smallest (`min_size`) is resized up to
it by a `Resizing` layer at the model's front, so every sampled configuration builds. The learning rate (log
scale, from a third to five times the recipe's) and, when several are offered, the recipe are searched too.
`ranges={"resnet/base_filters": (4, 12), "stage_blocks": (1, 2), "block": ["basic"]}` sets a knob's range
by hand (`check_ranges`).

    >>> hypermodel = ResNetHyperModel(input_shape=(28, 28, 1), classes=10)
    >>> keras_tuner.RandomSearch(hypermodel, objective="val_accuracy", max_trials=10).search(x, y, ...)
"""

from __future__ import annotations

import keras
import keras_tuner

from keras_cnns.checks import check_choice, check_int, check_int_sequence, check_type
from keras_cnns.training import compile_with_recipe, get_recipe, list_recipes
from tuning.space import families as known_families
from tuning.space import family_space, paper_value

__all__ = [
    "AlexNetHyperModel", "AllConvHyperModel", "CrossFamilyHyperModel", "DenseNetHyperModel", "FAMILY_CLASS_NAMES",
    "FamilyHyperModel", "GoogLeNetHyperModel", "HYPERMODELS", "InceptionHyperModel", "InceptionResNetHyperModel",
    "LeNetHyperModel", "MobileNetHyperModel", "NiNHyperModel", "ResNetHyperModel", "ShuffleNetV1HyperModel",
    "ShuffleNetV2HyperModel", "SqueezeNetHyperModel", "VGGHyperModel", "ZFNetHyperModel", "ZooHyperModel",
    "build_family_model", "check_ranges", "choose_knobs", "hypermodel_for", "knob_bounds", "searched_knobs",
]


def knob_bounds(space, knob, side, index=None):
    """`knob`'s (low, high) for an input of `side` pixels: high is the paper's value below `default_size`."""
    low, high = knob.low, knob.high
    paper = paper_value(space, knob)
    if paper is not None and index is not None:
        paper = paper[index]
    if side < space.default_size and paper is not None:
        high = max(low, min(high, paper))
    return low, high


def _tunable_choices(knob):
    """The choices keras-tuner can hold (it takes int, float, str and bool values, not None)."""
    return [c for c in knob.choices if isinstance(c, (int, float, str, bool))]


def searched_knobs(space) -> list[str]:
    """The knobs a search varies by default: all of them, except `width_multiplier` where `base_filters` is
    there too (both scale the same widths; searching both only adds equivalent configurations) and a choice
    with fewer than two values keras-tuner can hold (it stays at the model's preset)."""
    return [name for name, knob in space.knobs.items()
            if not (name == "width_multiplier" and "base_filters" in space.knobs)
            and not (knob.kind == "choice" and len(_tunable_choices(knob)) < 2)]


def check_ranges(ranges, spaces) -> dict:
    """`ranges` checked against the knobs of `spaces` ({family: FamilySpace}) and keyed "family/knob".

    A key is "family/knob", or a knob's name alone for every family of `spaces` that has it. A value is
    (low, high) for an "int", "float" or "int_tuple" knob (every entry of a tuple knob), inclusive and within
    the knob's own range, or a non-empty list of values for a "choice" or "bool" knob. A user's range replaces
    the one scaled to the input, and its knob is searched even where it is not by default.
    """
    if ranges is None:
        return {}
    check_type("ranges", ranges, dict)
    checked = {}
    for key, value in ranges.items():
        check_type("ranges key", key, str)
        family, _, knob_name = key.rpartition("/")
        if family and family not in spaces:
            raise ValueError(f"ranges[{key!r}] names family {family!r}, which this search does not vary; "
                             f"families: {sorted(spaces)}")
        owners = [family] if family else [f for f, space in spaces.items() if knob_name in space.knobs]
        for owner in owners:
            if knob_name not in spaces[owner].knobs:
                raise ValueError(f"ranges[{key!r}]: family {owner!r} has no knob {knob_name!r}; its knobs: "
                                 f"{sorted(spaces[owner].knobs)}")
        if not owners:
            raise ValueError(f"ranges[{key!r}]: no family of this search has a knob {knob_name!r}; knobs: "
                             f"{ {f: sorted(s.knobs) for f, s in spaces.items()} }")
        for owner in owners:
            checked[f"{owner}/{knob_name}"] = _checked_range(key, value, spaces[owner].knobs[knob_name])
    return checked


def _checked_range(key, value, knob):
    where = f"ranges[{key!r}]"
    if knob.kind in ("choice", "bool"):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{where} must be a list of values for the {knob.kind} knob {knob.name!r} "
                            f"({knob.describe()}); got {value!r}")
        if not value:
            raise ValueError(f"{where} is empty: give at least one of {knob.describe()}")
        for entry in value:
            if knob.kind == "bool":
                check_type(where + " entry", entry, bool)
            elif entry not in _tunable_choices(knob):
                raise ValueError(f"{where} entry {entry!r} is not one of {_tunable_choices(knob)}")
        return list(dict.fromkeys(value))
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) != 2:
        raise TypeError(f"{where} must be (low, high) for the {knob.kind} knob {knob.name!r}; got {value!r}")
    number = int if knob.kind in ("int", "int_tuple") else (int, float)
    for bound in value:
        if isinstance(bound, bool) or not isinstance(bound, number):
            raise TypeError(f"{where} must hold {'integers' if number is int else 'numbers'}; got {value!r}")
    low, high = value
    if low > high:
        raise ValueError(f"{where} = {tuple(value)!r} is inverted (low > high), so empty: give (low, high) with "
                         f"low <= high")
    if low < knob.low or high > knob.high:
        raise ValueError(f"{where} = {tuple(value)!r} leaves the knob's range [{knob.low}, {knob.high}]")
    return [low, high]


def choose_knobs(hp, space, side, names=None, ranges=None) -> dict:
    """Register `space`'s knobs `names` (default `searched_knobs`, plus those `ranges` names) in `hp` as
    "family/knob"; the chosen values. `ranges` ("family/knob" keyed, from `check_ranges`) replaces bounds."""
    chosen = {}
    ranges = ranges or {}
    names = searched_knobs(space) if names is None else list(names)
    names += [key.split("/", 1)[1] for key in ranges if key.startswith(f"{space.family}/")
              and key.split("/", 1)[1] not in names]
    for knob in (space.knobs[name] for name in names):
        name = f"{space.family}/{knob.name}"
        given = ranges.get(name)

        def bounds(index=None):
            return tuple(given) if given is not None else knob_bounds(space, knob, side, index)

        if knob.kind == "int":
            chosen[knob.name] = hp.Int(name, *bounds())
        elif knob.kind == "float":
            low, high = bounds()
            chosen[knob.name] = hp.Float(name, low, high) if high > low else hp.Fixed(name, low)
        elif knob.kind in ("choice", "bool") and given is not None:
            chosen[knob.name] = hp.Choice(name, given) if len(given) > 1 else hp.Fixed(name, given[0])
        elif knob.kind == "choice":
            choices = _tunable_choices(knob)
            paper = paper_value(space, knob)
            chosen[knob.name] = hp.Choice(name, choices, default=paper if paper in choices else choices[0])
        elif knob.kind == "bool":
            chosen[knob.name] = hp.Boolean(name, default=bool(paper_value(space, knob)))
        elif knob.kind == "int_tuple":
            chosen[knob.name] = tuple(hp.Int(f"{name}_{i}", *bounds(i)) for i in range(knob.length))
        else:
            raise ValueError(f"knob {knob.name!r} of family {space.family!r} has unknown kind {knob.kind!r}")
    return chosen


def build_family_model(space, chosen, input_shape, classes):
    """The zoo builder's model for `chosen` knob values, resized up front if the input is below `min_size`."""
    height, width, channels = input_shape
    kwargs = {**space.preset, **chosen}
    if min(height, width) >= space.min_size:
        return space.builder(**kwargs, input_shape=tuple(input_shape), classes=classes)
    core = space.builder(**kwargs, input_shape=(space.min_size, space.min_size, channels), classes=classes)
    inputs = keras.Input(tuple(input_shape), name="images")
    resized = keras.layers.Resizing(space.min_size, space.min_size, name="resize_to_min_size")(inputs)
    return keras.Model(inputs, core(resized), name=core.name)


class ZooHyperModel(keras_tuner.HyperModel):
    """Base of the zoo's HyperModels: input, classes, the recipe(s) and the learning rate."""

    def __init__(self, input_shape=(28, 28, 1), classes=10, *, recipes=("modern",), search_learning_rate=True,
                 steps_per_epoch=100, epochs=10, name=None, tunable=True):
        super().__init__(name=name, tunable=tunable)
        self.input_shape = check_int_sequence("input_shape", input_shape, length=3)
        self.classes = check_int("classes", classes, min_value=2)
        recipes = (recipes,) if isinstance(recipes, str) else recipes
        check_type("recipes", recipes, (list, tuple))
        if not recipes:
            raise ValueError(f"recipes must name at least one of {list_recipes()}; got {recipes!r}")
        self.recipes = tuple(get_recipe(r).name for r in recipes)
        self.search_learning_rate = search_learning_rate
        self.steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, min_value=1)
        self.epochs = check_int("epochs", epochs, min_value=1)

    def build_uncompiled(self, hp):
        raise NotImplementedError

    def build(self, hp):
        model = self.build_uncompiled(hp)
        recipe = self.recipes[0] if len(self.recipes) == 1 else hp.Choice("recipe", list(self.recipes))
        base = get_recipe(recipe).learning_rate
        learning_rate = (hp.Float("learning_rate", base / 3, base * 5, sampling="log", default=base)
                         if self.search_learning_rate else base)
        return compile_with_recipe(model, recipe, steps_per_epoch=self.steps_per_epoch, epochs=self.epochs,
                                   learning_rate=learning_rate)


class FamilyHyperModel(ZooHyperModel):
    """Depth and width of one family (class attribute `family`, or the `family` argument)."""

    family = None

    def __init__(self, input_shape=(28, 28, 1), classes=10, *, family=None, ranges=None, **kwargs):
        super().__init__(input_shape, classes, **kwargs)
        family = family or self.family
        check_choice("family", family, known_families())
        self.space = family_space(family)
        self.family = family
        self.ranges = check_ranges(ranges, {family: self.space})

    def build_uncompiled(self, hp):
        chosen = choose_knobs(hp, self.space, min(self.input_shape[:2]), ranges=self.ranges)
        return build_family_model(self.space, chosen, self.input_shape, self.classes)


class CrossFamilyHyperModel(ZooHyperModel):
    """Picks a family ("family" hyperparameter), then that family's knobs (conditional on it)."""

    def __init__(self, input_shape=(28, 28, 1), classes=10, *, families=None, ranges=None, **kwargs):
        super().__init__(input_shape, classes, **kwargs)
        families = known_families() if families is None else families
        check_type("families", families, (list, tuple))
        if not families:
            raise ValueError(f"families must name at least one of {known_families()}; got {families!r}")
        for family in families:
            check_choice("families entry", family, known_families())
        self.spaces = {family: family_space(family) for family in families}
        self.ranges = check_ranges(ranges, self.spaces)

    def build_uncompiled(self, hp):
        family = hp.Choice("family", list(self.spaces))
        side = min(self.input_shape[:2])
        for name, space in self.spaces.items():
            with hp.conditional_scope("family", [name]):
                chosen = choose_knobs(hp, space, side, ranges=self.ranges)
            if name == family:
                model_space, model_chosen = space, chosen
        return build_family_model(model_space, model_chosen, self.input_shape, self.classes)


class LeNetHyperModel(FamilyHyperModel):
    """LeNet knobs: stage_blocks, width_multiplier, dense_units."""

    family = "lenet"


class AlexNetHyperModel(FamilyHyperModel):
    """AlexNet knobs: stage_blocks, width_multiplier, dense_units."""

    family = "alexnet"


class ZFNetHyperModel(FamilyHyperModel):
    """ZFNet knobs: stage_blocks, width_multiplier, dense_units."""

    family = "zfnet"


class VGGHyperModel(FamilyHyperModel):
    """VGG knobs: stage_blocks, width_multiplier, dense_units."""

    family = "vgg"


class NiNHyperModel(FamilyHyperModel):
    """Network in Network knobs: stage_blocks, width_multiplier."""

    family = "nin"


class AllConvHyperModel(FamilyHyperModel):
    """All-Convolutional Net knobs: stage_blocks, width_multiplier."""

    family = "allconv"


class GoogLeNetHyperModel(FamilyHyperModel):
    """GoogLeNet (Inception v1) knobs: stage_blocks, width_multiplier."""

    family = "googlenet"


class InceptionHyperModel(FamilyHyperModel):
    """Inception v2-v4 knobs: stage_blocks, width_multiplier."""

    family = "inception"


class InceptionResNetHyperModel(FamilyHyperModel):
    """Inception-ResNet knobs: stage_blocks, width_multiplier."""

    family = "inception_resnet"


class ResNetHyperModel(FamilyHyperModel):
    """ResNet knobs: stage_blocks, base_filters, block."""

    family = "resnet"


class DenseNetHyperModel(FamilyHyperModel):
    """DenseNet knobs: stage_blocks, growth_rate, compression, width_multiplier, bottleneck."""

    family = "densenet"


class SqueezeNetHyperModel(FamilyHyperModel):
    """SqueezeNet knobs: stage_blocks, width_multiplier, base_e, incr_e, freq, pct_3x3, squeeze_ratio, bypass."""

    family = "squeezenet"


class MobileNetHyperModel(FamilyHyperModel):
    """MobileNet v1 knobs: stage_blocks, width_multiplier, depth_multiplier."""

    family = "mobilenet"


class ShuffleNetV1HyperModel(FamilyHyperModel):
    """ShuffleNet v1 knobs: stage_blocks, width_multiplier, groups."""

    family = "shufflenet_v1"


class ShuffleNetV2HyperModel(FamilyHyperModel):
    """ShuffleNet v2 knobs: stage_blocks, width_multiplier."""

    family = "shufflenet_v2"


HYPERMODELS = {cls.family: cls for cls in (
    LeNetHyperModel, AlexNetHyperModel, ZFNetHyperModel, VGGHyperModel, NiNHyperModel, AllConvHyperModel,
    GoogLeNetHyperModel, InceptionHyperModel, InceptionResNetHyperModel, ResNetHyperModel, DenseNetHyperModel,
    SqueezeNetHyperModel, MobileNetHyperModel, ShuffleNetV1HyperModel, ShuffleNetV2HyperModel)}
FAMILY_CLASS_NAMES = {family: cls.__name__ for family, cls in HYPERMODELS.items()}


def hypermodel_for(families, input_shape, classes, **kwargs) -> ZooHyperModel:
    """The HyperModel of one family (a str) or across several (a list)."""
    if isinstance(families, str):
        return FamilyHyperModel(input_shape, classes, family=families, **kwargs)
    return CrossFamilyHyperModel(input_shape, classes, families=families, **kwargs)
