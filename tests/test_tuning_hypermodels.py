"""tuning.hypermodels: every sampled configuration of every family builds at digit sizes, ranges scale."""

import keras_tuner
import pytest

import keras_cnns
from tuning import space
from tuning.hypermodels import CrossFamilyHyperModel, choose_knobs, FamilyHyperModel, ResNetHyperModel, hypermodel_for

SAMPLES = 4


def sampled(hypermodel, count, seed=0):
    """`count` random configurations of `hypermodel`'s space, each built (params counted only)."""
    discovered = keras_tuner.HyperParameters()
    hypermodel.build(discovered)
    for i in range(count):
        hp = keras_tuner.HyperParameters()
        for parameter in discovered.space:
            hp.values[parameter.name] = parameter.random_sample(seed + i)
        yield hp.values, hypermodel.build(hp)


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1)])
@pytest.mark.parametrize("family", space.families())
def test_sampled_configurations_build(family, shape):
    fam_space = space.family_space(family)
    for values, model in sampled(FamilyHyperModel(shape, 10, family=family), SAMPLES):
        assert tuple(model.input_shape[1:]) == shape and tuple(model.output_shape[1:]) == (10,)
        assert model.count_params() > 0
        for knob in fam_space.knobs.values():
            for name, value in values.items():
                if not name.startswith(f"{family}/{knob.name}"):
                    continue
                if knob.kind == "choice":
                    assert value in knob.choices, (name, value)
                elif knob.kind != "bool":
                    assert knob.low <= value <= knob.high, (name, value)


def test_ranges_scale_with_the_input():
    small, large = keras_tuner.HyperParameters(), keras_tuner.HyperParameters()
    ResNetHyperModel((28, 28, 1), 10).build(small)
    choose_knobs(large, space.family_space("resnet"), 224)  # bounds only: no 224x224 ResNet is built
    resnet = space.family_space("resnet")

    def highs(hp):
        return {p.name: p.max_value for p in hp.space if p.name.startswith("resnet/") and hasattr(p, "max_value")}

    # 28x28 is below ResNet-20's 32x32: depth and width stop at the paper's (3 blocks a stage, 16 filters).
    assert highs(small) == {"resnet/stage_blocks_0": 3, "resnet/stage_blocks_1": 3, "resnet/stage_blocks_2": 3,
                            "resnet/base_filters": 16}
    assert highs(large) == {"resnet/stage_blocks_0": resnet.knobs["stage_blocks"].high,
                            "resnet/stage_blocks_1": resnet.knobs["stage_blocks"].high,
                            "resnet/stage_blocks_2": resnet.knobs["stage_blocks"].high,
                            "resnet/base_filters": resnet.knobs["base_filters"].high}


def test_paper_configuration_matches_the_registered_model():
    hp = keras_tuner.HyperParameters()
    hp.values.update({"resnet/stage_blocks_0": 3, "resnet/stage_blocks_1": 3, "resnet/stage_blocks_2": 3,
                      "resnet/base_filters": 16, "resnet/block": "basic"})
    model = ResNetHyperModel((32, 32, 1), 10).build(hp)
    # ResNet-20 (0.27M parameters in the paper) takes RGB: its stem has 2 x 9 x 16 more weights than ours.
    assert model.count_params() == keras_cnns.model_info("resnet20")["parameters"] - 2 * 9 * 16


def test_cross_family_picks_a_family_and_only_its_knobs():
    families = [f for f in ("resnet", "lenet") if f in space.families()]
    seen = set()
    for values, model in sampled(CrossFamilyHyperModel((8, 8, 1), 10, families=families), 6):
        seen.add(values["family"])
        assert tuple(model.output_shape[1:]) == (10,)
    assert seen == set(families)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="family must be one of .*got 'resnett'"):
        hypermodel_for("resnett", (28, 28, 1), 10)
    with pytest.raises(ValueError, match="families must name at least one"):
        hypermodel_for([], (28, 28, 1), 10)
    with pytest.raises(ValueError, match="recipe must be one of"):
        hypermodel_for("resnet", (28, 28, 1), 10, recipes=("fast",))


def test_width_multiplier_is_left_out_only_where_base_filters_sets_the_same_widths():
    from tuning.hypermodels import searched_knobs

    resnet, lenet = space.family_space("resnet"), space.family_space("lenet")
    assert "width_multiplier" in resnet.knobs and "width_multiplier" not in searched_knobs(resnet)
    assert searched_knobs(lenet) == list(lenet.knobs)


def test_ranges_given_by_hand_replace_the_scaled_ones_and_add_knobs():
    hypermodel = ResNetHyperModel((28, 28, 1), 10, ranges={"base_filters": (4, 6), "stage_blocks": [1, 2],
                                                            "block": ["bottleneck"], "width_multiplier": (0.5, 1.0)})
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    bounds = {p.name: (p.min_value, p.max_value) for p in hp.space if hasattr(p, "max_value")}
    assert bounds["resnet/base_filters"] == (4, 6)
    assert all(bounds[f"resnet/stage_blocks_{i}"] == (1, 2) for i in range(3))
    assert bounds["resnet/width_multiplier"] == (0.5, 1.0)  # not searched by default, searched when given
    assert hp.values["resnet/block"] == "bottleneck"
    for values, model in sampled(hypermodel, 3):
        assert 4 <= values["resnet/base_filters"] <= 6 and values["resnet/block"] == "bottleneck"


def test_a_knob_name_alone_ranges_every_family_that_has_it():
    hypermodel = CrossFamilyHyperModel((28, 28, 1), 10, families=["resnet", "lenet"],
                                       ranges={"width_multiplier": (0.25, 0.5), "lenet/dense_units": (16, 32)})
    assert hypermodel.ranges == {"resnet/width_multiplier": [0.25, 0.5], "lenet/width_multiplier": [0.25, 0.5],
                                 "lenet/dense_units": [16, 32]}
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    bounds = {p.name: (p.min_value, p.max_value) for p in hp.space if hasattr(p, "max_value")}
    assert bounds["lenet/width_multiplier"] == (0.25, 0.5) and bounds["lenet/dense_units"] == (16, 32)


@pytest.mark.parametrize("ranges, error, message", [
    ({"base_filters": (8, 4)}, ValueError, r"ranges\['base_filters'\] = \(8, 4\) is inverted"),
    ({"resnet/block": []}, ValueError, r"ranges\['resnet/block'\] is empty"),
    ({"resnet/block": ["wide"]}, ValueError, r"entry 'wide' is not one of \['basic', 'bottleneck'\]"),
    ({"resnet/depth": (1, 2)}, ValueError, "family 'resnet' has no knob 'depth'"),
    ({"vgg/dense_units": (1, 2)}, ValueError, "names family 'vgg', which this search does not vary"),
    ({"growth_rate": (1, 2)}, ValueError, "no family of this search has a knob 'growth_rate'"),
    ({"base_filters": (0, 4)}, ValueError, r"leaves the knob's range \[1, 512\]"),
    ({"base_filters": "4:8"}, TypeError, r"must be \(low, high\) for the int knob 'base_filters'"),
    ({"base_filters": (4.5, 8)}, TypeError, "must hold integers"),
    (["base_filters"], TypeError, "ranges must be"),
])
def test_bad_ranges_name_the_knob(ranges, error, message):
    with pytest.raises(error, match=message):
        ResNetHyperModel((28, 28, 1), 10, ranges=ranges)


def test_each_family_has_a_named_exported_class_whose_docstring_lists_its_searched_knobs():
    from tuning import hypermodels
    from tuning.hypermodels import FAMILY_CLASS_NAMES, HYPERMODELS, searched_knobs

    assert sorted(HYPERMODELS) == sorted(space.families()) == sorted(FAMILY_CLASS_NAMES)
    for family, cls in HYPERMODELS.items():
        assert cls.family == family and issubclass(cls, FamilyHyperModel)
        assert getattr(hypermodels, FAMILY_CLASS_NAMES[family]) is cls and cls.__name__ in hypermodels.__all__
        listed = cls.__doc__.split("knobs: ")[1].rstrip(".").split(", ")
        assert listed == searched_knobs(space.family_space(family)), family
    assert ResNetHyperModel((28, 28, 1), 10).space == space.family_space("resnet")
