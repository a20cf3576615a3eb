import inspect

import keras
import pytest

from helpers import readme_model_table

import keras_cnns
from keras_cnns import registry


def test_list_models_filters_by_pattern_and_family():
    assert keras_cnns.list_models("vgg1?") == ["vgg11", "vgg13", "vgg16", "vgg19"]
    assert keras_cnns.list_models(family="lenet") == ["lenet5", "lenet5_modern"]
    assert keras_cnns.list_models("no_such*") == []
    with pytest.raises(ValueError, match=r"family must be one of .*'vgg'.*; got 'vgs'"):
        keras_cnns.list_models(family="vgs")


def test_get_model_builds_the_variant_and_accepts_overrides():
    model = keras_cnns.get_model("lenet5_modern", classes=3)
    assert model.name == "lenet5_modern" and model.output_shape == (None, 3)
    assert model.count_params() == 61_706 - 84 * 7 - 7


def test_unknown_model_name_lists_close_names():
    with pytest.raises(ValueError, match=r"name must be a registered model; got 'vgg61'; did you mean .*vgg16"):
        keras_cnns.get_model("vgg61")
    with pytest.raises(ValueError, match=r"name must be a registered model; got 'lenet'.*lenet5"):
        keras_cnns.model_info("lenet")
    with pytest.raises(TypeError, match=r"name must be str; got 16"):
        keras_cnns.get_model(16)


def test_model_info_is_measured_from_the_graph():
    info = keras_cnns.model_info("lenet5_modern")
    assert info["family"] == "lenet" and info["year"] == 1998
    assert info["input_shape"] == (32, 32, 1)
    assert info["parameters"] == 61_706 and info["trainable_parameters"] == 61_706
    # C1 28x28x6x25 + C3 10x10x16x150 + C5 120x400 + F6 120x84 + output 84x10
    assert info["flops"] == 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 120 * 400 + 120 * 84 + 84 * 10
    assert keras_cnns.model_info("vgg16_bn")["trainable_parameters"] == 138_357_544 + 2 * 4_224


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("vgg16", registry.Spec("vgg", registry.Paper("x", 2000), 224, 32))(lambda: None)


def test_variants_keep_the_keras_applications_signature():
    ours = inspect.signature(keras_cnns.VGG16)
    theirs = inspect.signature(keras.applications.VGG16)
    assert list(ours.parameters)[: len(theirs.parameters)] == list(theirs.parameters)
    assert ours.parameters["weights"].default is None and ours.parameters["name"].default == "vgg16"
    model = keras_cnns.VGG16(False, None, None, (32, 32, 3), "avg")  # positional, as keras allows
    assert model.output_shape == (None, 512) and model.name == "vgg16"
    with pytest.raises(TypeError, match="config"):
        keras_cnns.VGG16(config="A")


def test_every_registered_builder_is_exported_and_documented():
    registered = {registry.get_builder(name) for name in keras_cnns.list_models()}
    for builder in registered:
        assert getattr(keras_cnns, builder.__name__) is builder, builder.__name__
        assert builder.__doc__ and "Instantiates" in builder.__doc__


def test_readme_model_table_has_one_row_per_registered_model():
    """The rows' figures are checked against the measured ones per model, in test_models.py."""
    rows = readme_model_table()
    assert sorted(rows) == keras_cnns.list_models(), "run `make readme`"


def test_model_info_is_a_copy_and_measures_any_configuration():
    info = keras_cnns.model_info("resnet20")
    info["parameters"] = 0
    info["preset"]["stage_blocks"] = (9, 9, 9)
    assert keras_cnns.model_info("resnet20")["parameters"] == 271_786
    assert keras_cnns.model_spec("resnet20").preset["stage_blocks"] == (3, 3, 3)

    # conv1 3x3x1x8 + BN; three stages of one basic block (two 3x3 convs + BN each) with 8, 16, 32 filters,
    # option A shortcuts (no parameters); dense 32 -> 10.
    def conv_bn(cin, cout):
        return 9 * cin * cout + cout + 4 * cout

    expected = (conv_bn(1, 8) + 2 * conv_bn(8, 8) + conv_bn(8, 16) + conv_bn(16, 16) + conv_bn(16, 32)
                + conv_bn(32, 32) + 32 * 10 + 10)
    overridden = keras_cnns.model_info("resnet20", stage_blocks=(1, 1, 1), width_multiplier=0.5,
                                       input_shape=(32, 32, 1))
    assert overridden["parameters"] == expected
    assert overridden["input_shape"] == (32, 32, 1) and overridden["preset"]["stage_blocks"] == (1, 1, 1)
    built = keras_cnns.ResNet20(stage_blocks=(1, 1, 1), width_multiplier=0.5, input_shape=(32, 32, 1))
    assert keras_cnns.model_info(built)["parameters"] == expected
    assert keras_cnns.model_info(built)["flops"] == overridden["flops"]
    with pytest.raises(TypeError, match="overrides"):
        keras_cnns.model_info(built, classes=3)


def test_get_model_passes_name_to_the_builder():
    model = keras_cnns.get_model("lenet5_modern", name="mynet", input_shape=(32, 32, 1))
    assert model.name == "mynet"
    assert keras_cnns.get_builder("resnet50") is keras_cnns.ResNet50
