"""Design spaces of ResNet, DenseNet, MobileNet, ShuffleNet v1/v2 and SqueezeNet (issue 15).

Every knob setting is built at a small input, its parameter count is held to a count computed here from the
papers' layer formulas (k x k x c_in x c_out weights (/ groups), + c_out biases, batch norm 4 per channel), it
round-trips through `keras.saving.load_model(safe_mode=True)` and converts to builtin TFLite ops. The settings
include the smallest and the largest value of every documented knob range.
"""

import math
import sys
import warnings

import keras
import numpy as np
import pytest
from helpers import assert_same_after_reload, convert_builtin_tflite

import keras_cnns
from keras_cnns.data import preprocessing_for

BN = 4  # gamma, beta, moving mean, moving variance per channel


def conv(k, c_in, c_out, bias=False, groups=1):
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


def dense(c_in, classes):
    return c_in * classes + classes


def nearest_multiple(value, divisor):
    """`value` rounded half up to a multiple of `divisor` (the documented width rounding)."""
    return max(divisor, int(value / divisor + 0.5) * divisor)


# --- ResNet (section 3.3 / 4.2; option A shortcuts have no parameters, B is a 1x1 projection + BN) ----------

def resnet_parameters(variant, block, stage_blocks, stage_filters, classes):
    def conv_bn(k, c_in, c_out):
        return conv(k, c_in, c_out, bias=True) + BN * c_out

    maps = stage_filters[0]
    total = conv_bn(7 if variant == "imagenet" else 3, 3, maps)
    for stage, (blocks, filters) in enumerate(zip(stage_blocks, stage_filters)):
        for index in range(blocks):
            strided = stage > 0 and index == 0
            if block == "basic":
                out = filters
                total += conv_bn(3, maps, filters) + conv_bn(3, filters, filters)
            else:
                out = 4 * filters
                total += conv_bn(1, maps, filters) + conv_bn(3, filters, filters) + conv_bn(1, filters, out)
            if variant == "imagenet" and (strided or maps != out):
                total += conv_bn(1, maps, out)
            maps = out
    return total + dense(maps, classes)


RESNET_SETTINGS = [
    # smallest stage_blocks, width_multiplier and base_filters; CIFAR layout at its minimum input
    (dict(variant="cifar", stage_blocks=(1, 1, 1), width_multiplier=0.0625, base_filters=16, input_shape=(8, 8, 3)),
     ("basic", (1, 1, 1), (1, 2, 4))),
    # largest stage_blocks entry (64 blocks) at the smallest base width
    (dict(variant="cifar", stage_blocks=(64, 1, 1), base_filters=1, input_shape=(8, 8, 3)),
     ("basic", (64, 1, 1), (1, 2, 4))),
    # largest width_multiplier with bottleneck blocks, ImageNet layout (option B projections)
    (dict(variant="imagenet", stage_blocks=(1, 2, 1, 1), block="bottleneck", width_multiplier=4.0, base_filters=1,
          input_shape=(32, 32, 3)), ("bottleneck", (1, 2, 1, 1), (4, 8, 16, 32))),
    # largest base_filters, narrowed by the width multiplier
    (dict(variant="imagenet", stage_blocks=(1, 1, 1, 1), block="basic", base_filters=512, width_multiplier=0.0625,
          input_shape=(32, 32, 3)), ("basic", (1, 1, 1, 1), (32, 64, 128, 256))),
]


# --- DenseNet (section 3 / Table 1) ----------------------------------------------------------------------------

def densenet_parameters(stage_blocks, k, compression, bottleneck, classes):
    maps = 2 * k
    total = conv(7, 3, maps) + BN * maps
    for index, layers_in_block in enumerate(stage_blocks):
        for _ in range(layers_in_block):
            if bottleneck:
                total += BN * maps + conv(1, maps, 4 * k) + BN * 4 * k + conv(3, 4 * k, k)
            else:
                total += BN * maps + conv(3, maps, k)
            maps += k
        if index < len(stage_blocks) - 1:
            reduced = max(1, math.floor(maps * compression))
            total += BN * maps + conv(1, maps, reduced)
            maps = reduced
    return total + BN * maps + dense(maps, classes)


DENSENET_SETTINGS = [
    # smallest stage_blocks, growth_rate, compression; no bottleneck
    (dict(stage_blocks=(1, 1, 1, 1), growth_rate=1, compression=0.1, bottleneck=False), (1,)),
    # largest stage_blocks entry and compression; k = 16 x 0.0625 (smallest width_multiplier)
    (dict(stage_blocks=(64, 1, 1, 1), growth_rate=16, width_multiplier=0.0625, compression=1.0), (1,)),
    # largest growth_rate and width_multiplier (k = 64 x 0.125, 2 x 4.0), three dense blocks
    (dict(stage_blocks=(2, 3, 2), growth_rate=64, width_multiplier=0.125, compression=0.7), (8,)),
    (dict(stage_blocks=(1, 1, 1, 1), growth_rate=2, width_multiplier=4.0), (8,)),
]


# --- MobileNet (Table 1: a 3x3 stem, then depthwise 3x3 + pointwise 1x1 blocks, BN after each) ---------------

def mobilenet_parameters(stage_blocks, alpha, depth_multiplier, classes):
    maps = int(32 * alpha)
    total = conv(3, 3, maps) + BN * maps
    for blocks, filters in zip(stage_blocks, (64, 128, 256, 512, 1024)):
        for _ in range(blocks):
            expanded = maps * depth_multiplier
            out = int(filters * alpha)
            total += 9 * expanded + BN * expanded + conv(1, expanded, out) + BN * out
            maps = out
    return total + conv(1, maps, classes, bias=True)


MOBILENET_SETTINGS = [
    dict(width_multiplier=1 / 32, stage_blocks=(1, 1, 1, 1, 1)),  # smallest width and depth
    dict(width_multiplier=0.125, stage_blocks=(12, 1, 1, 1, 12), depth_multiplier=4),  # largest depth, multiplier
    dict(width_multiplier=2.0, stage_blocks=(1, 1, 1, 1, 1)),  # largest width
    dict(alpha=0.3, stage_blocks=(2, 1, 3, 1, 1), depth_multiplier=2),  # keras.applications' alias, off-paper
]


# --- ShuffleNet v1 (Table 1, Figure 2(c)) and v2 (Table 5, Figure 3(c)/(d)) ------------------------------------

def shufflenet_v1_parameters(groups, conv1, stage_widths, stage_blocks, classes):
    maps = conv1
    total = conv(3, 3, maps) + BN * maps
    for stage, (width, units) in enumerate(zip(stage_widths, stage_blocks)):
        for unit in range(units):
            bottleneck = width // 4
            first_groups = 1 if stage == 0 and unit == 0 else groups  # stage 2's first 1x1 is not grouped
            out = width - maps if unit == 0 else width  # the strided unit concatenates its input
            total += conv(1, maps, bottleneck, groups=first_groups) + BN * bottleneck
            total += 9 * bottleneck + BN * bottleneck
            total += conv(1, bottleneck, out, groups=groups) + BN * out
            maps = width
    return total + dense(maps, classes)


def v1_equal_complexity_width(groups):
    """Table 1 keeps the complexity of a stage-2 unit (c^2 / (2g) + 9c / 4 per pixel) at that of g = 1, c = 144."""
    budget = 144**2 / 2 + 9 * 144 / 4
    return max(np.roots([1 / (2 * groups), 9 / 4, -budget]).real)


SHUFFLENET_V1_SETTINGS = [
    # largest groups (off-paper: equal-complexity width 550 -> x 0.125 -> multiples of 64), smallest width, depth
    (dict(groups=16, width_multiplier=0.125, stage_blocks=(1, 1, 1)), 16),
    # smallest groups, largest width and stage_blocks entry
    (dict(groups=1, width_multiplier=2.0, stage_blocks=(16, 1, 1)), 48),
    # five groups: not in Table 1
    (dict(groups=5, stage_blocks=(1, 2, 1)), 25),
    # a paper group count at an off-paper width
    (dict(groups=8, width_multiplier=0.75, stage_blocks=(2, 1, 1)), 16),
]


def shufflenet_v2_parameters(conv1, stage_widths, conv5, stage_blocks, classes):
    maps = conv1
    total = conv(3, 3, maps) + BN * maps
    for width, units in zip(stage_widths, stage_blocks):
        half = width // 2
        for unit in range(units):
            if unit == 0:  # both branches see the whole input
                total += 9 * maps + BN * maps + conv(1, maps, half) + BN * half
                total += conv(1, maps, half) + BN * half
            else:
                total += conv(1, half, half) + BN * half
            total += 9 * half + BN * half + conv(1, half, half) + BN * half
            maps = width
    return total + conv(1, maps, conv5) + BN * conv5 + dense(conv5, classes)


SHUFFLENET_V2_SETTINGS = [
    dict(width_multiplier=0.25, stage_blocks=(1, 1, 1)),  # smallest width and depth
    dict(width_multiplier=2.5, stage_blocks=(1, 1, 1)),  # largest width: conv5 has 2048 filters from 2x
    dict(width_multiplier=1.0, stage_blocks=(16, 1, 2)),  # Table 5's 1x widths, largest depth entry
]


# --- SqueezeNet (Table 1 and the design space of section 5) --------------------------------------------------

def squeezenet_parameters(conv1_filters, conv1_kernel, fire_layout, bypass, classes):
    maps = conv1_filters
    total = conv(conv1_kernel, 3, maps, bias=True)
    for squeeze, expand_1x1, expand_3x3 in fire_layout:
        out = expand_1x1 + expand_3x3
        total += conv(1, maps, squeeze, bias=True) + conv(1, squeeze, expand_1x1, bias=True)
        total += conv(3, squeeze, expand_3x3, bias=True)
        if bypass == "complex" and maps != out:
            total += conv(1, maps, out, bias=True)
        maps = out
    return total + conv(1, maps, classes, bias=True)


def fire_layout(modules, base_e, incr_e, freq, pct_3x3, squeeze_ratio, width_multiplier=1.0):
    """Section 5: e_i = base_e + incr_e * floor(i / freq), e_3x3 = pct_3x3 * e_i, s_i = SR * e_i (at least one
    filter per layer). The settings below make every product exact or away from .5."""
    layout = []
    for index in range(modules):
        expand = max(2, round((base_e + incr_e * (index // freq)) * width_multiplier))
        expand_3x3 = min(expand - 1, max(1, round(expand * pct_3x3)))
        layout.append((max(1, round(expand * squeeze_ratio)), expand - expand_3x3, expand_3x3))
    return layout


SQUEEZENET_SETTINGS = [
    # smallest stage_blocks, width, incr_e, freq, pct_3x3 and squeeze_ratio (e = 32 x 0.0625 = 2), complex bypass
    (dict(variant="1.1", stage_blocks=(1, 1, 1), width_multiplier=0.0625, base_e=32, incr_e=0, freq=1,
          pct_3x3=0.01, squeeze_ratio=0.0625, bypass="complex"), (4, 3)),
    # largest stage_blocks entry, incr_e, freq, pct_3x3 and squeeze_ratio; smallest base_e; simple bypass
    (dict(variant="1.0", stage_blocks=(8, 1, 1), base_e=8, incr_e=512, freq=16, pct_3x3=0.99, squeeze_ratio=1.0,
          bypass="simple"), (96, 7)),
    # largest base_e and width_multiplier
    (dict(variant="1.0", stage_blocks=(1, 1, 2), base_e=512, incr_e=64, width_multiplier=2.0, squeeze_ratio=0.0625),
     (192, 7)),
]


def _check_round_trip_and_tflite(model, tmp_path):
    images = np.random.rand(1, *model.input_shape[1:]).astype("float32")
    assert_same_after_reload(model, tmp_path, images, atol=1e-5)
    assert convert_builtin_tflite(model)


@pytest.mark.parametrize("kwargs, expected", RESNET_SETTINGS)
def test_resnet_design_space(kwargs, expected, tmp_path):
    block, stage_blocks, stage_filters = expected
    model = keras_cnns.ResNet(classes=10, **kwargs)
    assert model.count_params() == resnet_parameters(kwargs["variant"], block, stage_blocks, stage_filters, 10)
    _check_round_trip_and_tflite(model, tmp_path)


@pytest.mark.parametrize("kwargs, expected", DENSENET_SETTINGS)
def test_densenet_design_space(kwargs, expected, tmp_path):
    (k,) = expected
    model = keras_cnns.DenseNet(input_shape=(32, 32, 3), classes=10, **kwargs)
    compression, bottleneck = kwargs.get("compression", 0.5), kwargs.get("bottleneck", True)
    assert model.count_params() == densenet_parameters(kwargs["stage_blocks"], k, compression, bottleneck, 10)
    _check_round_trip_and_tflite(model, tmp_path)


@pytest.mark.parametrize("kwargs", MOBILENET_SETTINGS)
def test_mobilenet_design_space(kwargs, tmp_path):
    model = keras_cnns.MobileNet((32, 32, 3), classes=10, **kwargs)
    alpha = kwargs.get("width_multiplier", kwargs.get("alpha"))
    expected = mobilenet_parameters(kwargs["stage_blocks"], alpha, kwargs.get("depth_multiplier", 1), 10)
    assert model.count_params() == expected
    _check_round_trip_and_tflite(model, tmp_path)


@pytest.mark.parametrize("kwargs, conv1", SHUFFLENET_V1_SETTINGS)
def test_shufflenet_v1_design_space(kwargs, conv1, tmp_path):
    groups, scale = kwargs["groups"], kwargs.get("width_multiplier", 1.0)
    table_1 = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}
    stage_2 = table_1.get(groups) or v1_equal_complexity_width(groups)
    widths = tuple(nearest_multiple(stage_2 * 2**stage * scale, 4 * groups) for stage in range(3))
    model = keras_cnns.ShuffleNetV1(input_shape=(32, 32, 3), classes=10, **kwargs)
    assert model.get_layer("conv1_conv").filters == conv1
    assert model.count_params() == shufflenet_v1_parameters(groups, conv1, widths, kwargs["stage_blocks"], 10)
    _check_round_trip_and_tflite(model, tmp_path)


@pytest.mark.parametrize("kwargs", SHUFFLENET_V2_SETTINGS)
def test_shufflenet_v2_design_space(kwargs, tmp_path):
    scale = kwargs["width_multiplier"]
    widths = tuple(nearest_multiple(width * scale, 4) for width in (116, 232, 464))  # 1x widths, Table 5
    conv5 = 2048 if scale >= 2.0 else 1024
    model = keras_cnns.ShuffleNetV2(input_shape=(32, 32, 3), classes=10, **kwargs)
    assert model.count_params() == shufflenet_v2_parameters(24, widths, conv5, kwargs["stage_blocks"], 10)
    _check_round_trip_and_tflite(model, tmp_path)


@pytest.mark.parametrize("kwargs, conv1", SQUEEZENET_SETTINGS)
def test_squeezenet_design_space(kwargs, conv1, tmp_path):
    conv1_filters, conv1_kernel = conv1
    layout = fire_layout(sum(kwargs["stage_blocks"]), kwargs["base_e"], kwargs["incr_e"], kwargs.get("freq", 2),
                         kwargs.get("pct_3x3", 0.5), kwargs["squeeze_ratio"], kwargs.get("width_multiplier", 1.0))
    model = keras_cnns.SqueezeNet(input_shape=(35, 35, 3), classes=10, **kwargs)
    expected = squeezenet_parameters(conv1_filters, conv1_kernel, layout, kwargs.get("bypass"), 10)
    assert model.count_params() == expected
    _check_round_trip_and_tflite(model, tmp_path)


def test_squeezenet_paper_design_space_is_table_1():
    """base_e = 128, incr_e = 128, freq = 2, pct_3x3 = 0.5, SR = 0.125 give Table 1's fire modules."""
    table_1 = [(16, 64, 64), (16, 64, 64), (32, 128, 128), (32, 128, 128), (48, 192, 192), (48, 192, 192),
               (64, 256, 256), (64, 256, 256)]
    assert fire_layout(8, 128, 128, 2, 0.5, 0.125) == table_1
    model = keras_cnns.SqueezeNet1_0(input_shape=(35, 35, 3))
    assert model.count_params() == squeezenet_parameters(96, 7, table_1, None, 1000)


# --- errors ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "builder, kwargs, error, message",
    [
        (keras_cnns.ResNet, dict(stage_blocks=(3, 4, 6)), ValueError, r"stage_blocks must be a tuple of 4 integers"),
        (keras_cnns.ResNet, dict(stage_blocks=(3, 65, 6, 3)), ValueError, r"stage_blocks .* in \[1, 64\]"),
        (keras_cnns.ResNet, dict(width_multiplier=0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.ResNet, dict(width_multiplier=-1.0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.ResNet, dict(base_filters=513), ValueError, r"base_filters must be an integer in \[1, 512\]"),
        (keras_cnns.DenseNet, dict(stage_blocks=(1, 1, 1, 1, 1, 1)), ValueError,
         r"stage_blocks must have 1 to 5 entries"),
        (keras_cnns.DenseNet, dict(stage_blocks=(6, 65, 24, 16)), ValueError, r"stage_blocks .* in \[1, 64\]"),
        (keras_cnns.DenseNet, dict(growth_rate=65), ValueError, r"growth_rate must be an integer in \[1, 64\]"),
        (keras_cnns.DenseNet, dict(compression=0.05), ValueError, r"compression must be a number in \[0.1, 1.0\]"),
        (keras_cnns.DenseNet, dict(width_multiplier=0.0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.MobileNet, dict(alpha=0.001), ValueError, r"alpha must be a number in \[0.03125, 2.0\]; got 0.001"),
        (keras_cnns.MobileNet, dict(width_multiplier=0.0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.MobileNet, dict(width_multiplier=-0.5), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.MobileNet, dict(stage_blocks=(1, 2, 2, 6)), ValueError,
         r"stage_blocks must be a tuple of 5 integers in \[1, 12\]"),
        (keras_cnns.MobileNet, dict(stage_blocks=(1, 2, 2, 13, 2)), ValueError, r"stage_blocks .*got \(1, 2, 2, 13"),
        (keras_cnns.MobileNet, dict(depth_multiplier=5), ValueError,
         r"depth_multiplier must be an integer in \[1, 4\]"),
        (keras_cnns.MobileNet, dict(alpha=0.5, width_multiplier=0.75), TypeError, r"alpha .* width_multiplier"),
        (keras_cnns.MobileNet, dict(stage_blocks=(1, 1, 1, 1, 1), weights="imagenet"), ValueError,
         r"stage_blocks must be one of \(1, 2, 2, 6, 2\)"),
        (keras_cnns.ShuffleNetV1, dict(groups=0), ValueError, r"groups must be an integer in \[1, 16\]; got 0"),
        (keras_cnns.ShuffleNetV1, dict(stage_blocks=(4, 8)), ValueError, r"stage_blocks must be a tuple of 3"),
        (keras_cnns.ShuffleNetV1, dict(width_multiplier=0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.ShuffleNetV2, dict(stage_blocks=(4, 8, 17)), ValueError, r"stage_blocks .* in \[1, 16\]"),
        (keras_cnns.ShuffleNetV2, dict(width_multiplier=-2.0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.ShuffleNetV2, dict(width_multiplier=3.0), ValueError, r"in \[0.25, 2.5\]; got 3.0"),
        (keras_cnns.SqueezeNet, dict(stage_blocks=(3, 4, 1, 1)), ValueError, r"stage_blocks must be a tuple of 3"),
        (keras_cnns.SqueezeNet, dict(width_multiplier=0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.SqueezeNet, dict(base_e=4), ValueError, r"base_e must be an integer in \[8, 512\]; got 4"),
        (keras_cnns.SqueezeNet, dict(incr_e=-1), ValueError, r"incr_e must be an integer in \[0, 512\]"),
        (keras_cnns.SqueezeNet, dict(freq=0), ValueError, r"freq must be an integer in \[1, 16\]"),
        (keras_cnns.SqueezeNet, dict(pct_3x3=1.0), ValueError, r"pct_3x3 must be a number in \[0.01, 0.99\]"),
        (keras_cnns.SqueezeNet, dict(squeeze_ratio=1.5), ValueError, r"squeeze_ratio must be a number in"),
        (keras_cnns.SqueezeNet, dict(base_e=64.0), TypeError, r"base_e must be an integer"),
        (keras_cnns.SqueezeNet, dict(variant="1.2"), ValueError, r"variant must be one of '1.0', '1.1'; got '1.2'"),
    ],
)
def test_out_of_range_knobs_name_the_argument_and_the_range(builder, kwargs, error, message):
    with pytest.raises(error, match=message):
        builder(**kwargs)


# --- deprecated names and aliases --------------------------------------------------------------------------------

def _graph(model):
    return [(layer.name, type(layer).__name__, layer.count_params()) for layer in model.layers[1:]]


@pytest.mark.parametrize(
    "builder, old, new",
    [
        (keras_cnns.ResNet, dict(dataset="cifar"), dict(variant="cifar")),
        (keras_cnns.DenseNet, dict(blocks=(2, 3, 2)), dict(stage_blocks=(2, 3, 2))),
        (keras_cnns.ShuffleNetV1, dict(scale=0.5, groups=8), dict(width_multiplier=0.5, groups=8)),
        (keras_cnns.ShuffleNetV2, dict(scale=0.5), dict(width_multiplier=0.5)),
        (keras_cnns.SqueezeNet, dict(version="1.1", bypass="complex"), dict(variant="1.1", bypass="complex")),
    ],
)
def test_deprecated_names_warn_and_build_the_same_graph(builder, old, new):
    shape = dict(input_shape=(35, 35, 3), classes=10)
    with pytest.warns(DeprecationWarning, match=f"{next(iter(old))} is deprecated; use {next(iter(new))}"):
        deprecated = builder(**old, **shape)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".* is deprecated; use ", category=DeprecationWarning)
        current = builder(**new, **shape)
    assert deprecated.name == current.name
    assert _graph(deprecated) == _graph(current)


def test_mobilenet_alpha_is_an_alias_without_a_warning():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".* is deprecated; use ", category=DeprecationWarning)
        by_alpha = keras_cnns.MobileNet((32, 32, 3), 0.5, classes=10)
        by_width = keras_cnns.MobileNet((32, 32, 3), width_multiplier=0.5, classes=10)
        both = keras_cnns.MobileNet((32, 32, 3), alpha=0.5, width_multiplier=0.5, classes=10)
    assert by_alpha.name == by_width.name == both.name == "mobilenet_0.50_32"
    assert _graph(by_alpha) == _graph(by_width) == _graph(both)


def test_registered_presets_take_knob_overrides():
    model = keras_cnns.get_model("shufflenet_v2_x0_5", stage_blocks=(1, 1, 1), input_shape=(32, 32, 3), classes=10)
    assert model.count_params() == shufflenet_v2_parameters(24, (48, 96, 192), 1024, (1, 1, 1), 10)
    info = keras_cnns.model_info("mobilenet_v1_025", stage_blocks=(1, 1, 1, 1, 1), input_shape=(32, 32, 3))
    assert info["parameters"] == mobilenet_parameters((1, 1, 1, 1, 1), 0.25, 1, 1000)


# --- one preprocessing spec for preprocess_input and the data pipeline --------------------------------------------

IMAGENET_MEAN_RGB = np.array([123.68, 116.779, 103.939])
TORCH_MEAN_RGB = np.array([0.485, 0.456, 0.406])
TORCH_STD_RGB = np.array([0.229, 0.224, 0.225])


def expected_preprocessing(mode, pixels):
    """keras.applications' modes written out: caffe = BGR minus the ImageNet mean, tf = [-1, 1],
    torch = [0, 1] then ImageNet mean/std, unit = [0, 1]."""
    if mode == "caffe":
        return pixels[..., ::-1] - IMAGENET_MEAN_RGB[::-1]
    if mode == "tf":
        return pixels / 127.5 - 1.0
    if mode == "torch":
        return (pixels / 255.0 - TORCH_MEAN_RGB) / TORCH_STD_RGB
    assert mode == "unit", mode
    return pixels / 255.0


PIXELS = np.array([[[[0.0, 64.0, 255.0], [200.0, 10.0, 127.5]]]])


@pytest.mark.parametrize("name", keras_cnns.list_models())
def test_preprocess_input_and_the_data_pipeline_follow_the_spec(name):
    spec = keras_cnns.model_spec(name)
    if spec.default_size == 0:
        pytest.skip(f"{spec.family} is not converted to a Spec yet (TRANSITIONAL registry entry)")
    assert preprocessing_for(name) == spec.preprocessing
    assert preprocessing_for(spec.family) in {keras_cnns.model_spec(n).preprocessing
                                              for n in keras_cnns.list_models(family=spec.family)}
    module = sys.modules[spec.builder.__module__]
    if not hasattr(module, "preprocess_input"):
        pytest.skip(f"{module.__name__} defines no preprocess_input")
    got = keras.ops.convert_to_numpy(module.preprocess_input(PIXELS.copy()))
    np.testing.assert_allclose(got, expected_preprocessing(spec.preprocessing, PIXELS), rtol=1e-5, atol=1e-4)


def test_mobilenet_presets_still_load_keras_applications_files(monkeypatch, tmp_path):
    from helpers import infer, save_legacy_h5_weights
    from keras.src.utils import file_utils

    requested = []

    def fake_get_file(fname=None, origin=None, cache_subdir="datasets", file_hash=None, **kwargs):
        requested.append(fname)
        return str(tmp_path / fname)

    monkeypatch.setattr(file_utils, "get_file", fake_get_file)
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    shape = (128, 128, 3)
    reference = keras.applications.MobileNet(shape, 0.25, include_top=False, weights=None)
    save_legacy_h5_weights(reference, str(tmp_path / "mobilenet_2_5_128_tf_no_top.h5"))
    ours = keras_cnns.MobileNetV1_025(shape, include_top=False, weights="imagenet")
    assert requested == ["mobilenet_2_5_128_tf_no_top.h5"]
    images = np.random.rand(1, *shape).astype("float32")
    np.testing.assert_allclose(infer(ours, images), infer(reference, images), atol=1e-5)
