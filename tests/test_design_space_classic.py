"""Design spaces of the classic families (LeNet, AlexNet, ZFNet, VGG, NiN, All-Conv): knob settings build the
graph the paper's layer formulas predict, survive a safe-mode reload and convert to builtin TFLite ops; knobs out
of range and deprecated argument names are handled."""

import json
import math
import warnings

import numpy as np
import pytest

import keras_cnns
from helpers import assert_same_after_reload, convert_builtin_tflite, infer, run_tflite
from keras_cnns import (VGG, VGG11_BN, VGG11_LRN, VGG16, VGG16_C, VGG19, AlexNet, AlexNetSingleStream, AllCNNA,
                        AllCNNC, AllConvModelA, AllConvNet, ConvPoolCNNB, LeNet5, LeNet5Modern, NiN, NiNCifar,
                        StridedCNNC, ZFNet)
from keras_cnns.models.lenet import LeNet  # the general builder (not in lenet's __all__)


def _spatial(size, kernel, strides, padding):
    return math.ceil(size / strides) if padding == "same" else (size - kernel) // strides + 1


def count_parameters(size, channels, operations):
    """Parameters of a stack of layers, from the per-layer formulas: a k x k convolution with `groups` has
    k*k*(cin/groups)*cout weights + cout biases, batch norm 4 per channel, a dense layer cin*cout + cout;
    pooling, padding and flattening change only the shape."""
    total = 0
    for kind, *arguments in operations:
        if kind == "conv":
            kernel, filters, strides, padding, groups = (*arguments, 1)[:5] if len(arguments) == 4 else arguments
            total += kernel * kernel * (channels // groups) * filters + filters
            size, channels = _spatial(size, kernel, strides, padding), filters
        elif kind == "bn":
            total += 4 * channels
        elif kind == "pool":
            size = _spatial(size, *arguments)
        elif kind == "pad":
            size += 2 * arguments[0]
        elif kind == "adaptive_pool":
            size = arguments[0]
        elif kind == "flatten":
            size, channels = 1, size * size * channels
        elif kind == "gap":
            size = 1
        elif kind == "dense":
            total += channels * arguments[0] + arguments[0]
            channels = arguments[0]
    return total


def same3(filters):
    return ("conv", 3, filters, 1, "same")


def fully_connected(dense_units, classes):
    return [("flatten",), ("dense", dense_units), ("dense", dense_units), ("dense", classes)]


# --- Expected layer stacks, written from each paper's description of its layers --------------------------------


def lenet_modern_layers(stage_blocks, widths, dense_units, classes):
    c1, c3, c5 = widths
    stack = []
    for blocks, filters in zip(stage_blocks, (c1, c3)):
        stack += [("conv", 5, filters, 1, "valid")] + [("conv", 5, filters, 1, "same")] * (blocks - 1)
        stack.append(("pool", 2, 2, "valid"))
    return stack + [("conv", 5, c5, 1, "valid"), ("flatten",), ("dense", dense_units), ("dense", classes)]


def lenet_faithful_parameters(dense_units, classes):
    # C1 6x(25+1), S2 6x2, C3 Table I's 60 5x5 kernels + 16 biases, S4 16x2, C5 120x(400+1), F6, output.
    return (6 * 26 + 6 * 2 + 60 * 25 + 16 + 16 * 2 + 120 * 401 + 120 * dense_units + dense_units
            + dense_units * classes + classes)


def alexnet_layers(variant, stage_blocks, widths, dense_units, classes):
    w1, w2, w3, w4, w5 = widths
    groups = 2 if variant == "two_stream" else 1
    last = [w3] + [w4] * (stage_blocks[2] - 2) + [w5] if stage_blocks[2] > 1 else [w5]
    stack = [] if groups == 2 else [("pad", 2)]
    stack += [("conv", 11, w1, 4, "valid")] + [same3(w1)] * (stage_blocks[0] - 1) + [("pool", 3, 2, "valid")]
    stack += [("conv", 5, w2, 1, "same", groups)] + [("conv", 3, w2, 1, "same", groups)] * (stage_blocks[1] - 1)
    stack += [("pool", 3, 2, "valid")]
    stack += [("conv", 3, filters, 1, "same", 1 if index == 0 else groups) for index, filters in enumerate(last)]
    stack += [("pool", 3, 2, "valid")] + ([("adaptive_pool", 6)] if groups == 1 else [])
    return stack + fully_connected(dense_units, classes)


def zfnet_layers(stage_blocks, widths, dense_units, classes):
    w1, w2, w3, w4, w5 = widths
    last = [w3] + [w4] * (stage_blocks[2] - 2) + [w5] if stage_blocks[2] > 1 else [w5]
    stack = [("pad", 1), ("conv", 7, w1, 2, "valid")] + [same3(w1)] * (stage_blocks[0] - 1) + [("pool", 3, 2, "same")]
    stack += [("conv", 5, w2, 2, "valid")] + [same3(w2)] * (stage_blocks[1] - 1) + [("pool", 3, 2, "same")]
    stack += [same3(filters) for filters in last] + [("pool", 3, 2, "valid")]
    return stack + fully_connected(dense_units, classes)


def vgg_layers(stage_blocks, widths, dense_units, classes, batch_norm=False, pointwise_last_blocks=()):
    stack = []
    for block, (convolutions, filters) in enumerate(zip(stage_blocks, widths), start=1):
        for index in range(1, convolutions + 1):
            pointwise = block in pointwise_last_blocks and index == convolutions > 1
            stack += [("conv", 1 if pointwise else 3, filters, 1, "same")] + ([("bn",)] if batch_norm else [])
        stack.append(("pool", 2, 2, "valid"))
    return stack + fully_connected(dense_units, classes)


def nin_cifar_layers(block_widths, classes):
    """block_widths: each block's widths (spatial convolution first), already cut or extended."""
    stack = []
    for kernel, widths in zip((5, 5, 3), block_widths):
        stack += [("conv", kernel, widths[0], 1, "same")] + [("conv", 1, w, 1, "same") for w in widths[1:]]
    return stack + [("conv", 1, classes, 1, "same")]


def nin_imagenet_layers(block_widths, classes):
    stack = []
    for (kernel, strides), widths in zip(((11, 4), (5, 1), (3, 1), (3, 1)), block_widths):
        stack += [("conv", kernel, widths[0], strides, "valid" if strides > 1 else "same")]
        stack += [("conv", 1, w, 1, "same") for w in widths[1:]]
    return stack + [("conv", 1, classes, 1, "same")]


def allconv_layers(stages, variant, top, classes):
    """stages: each stage's (kernel, filters) list, already cut or extended."""
    stack = []
    for stage in stages:
        stack += [("conv", kernel, filters, 1, "same") for kernel, filters in stage]
        if variant in ("convpool", "all"):
            stack.append(same3(stage[-1][1]))
    return stack + [("conv", 3, top, 1, "same"), ("conv", 1, top, 1, "same"), ("conv", 1, classes, 1, "same")]


# --- Knob settings: the smallest and largest of every documented range, and ones in between -------------------

CLASSES = 10
CASES = [
    # LeNet ("modern": stage_blocks [1, 4], width_multiplier [0.0625, 8.0] -> C1/C3/C5 6/16/120 rounded, F6 [1, 4096])
    pytest.param(LeNet, dict(stage_blocks=(1, 1), width_multiplier=0.0625, dense_units=1), (32, 32, 1),
                 count_parameters(32, 1, lenet_modern_layers((1, 1), (1, 1, 8), 1, CLASSES)), id="lenet-smallest"),
    pytest.param(LeNet, dict(stage_blocks=(4, 4), width_multiplier=0.5, dense_units=4096), (32, 32, 1),
                 count_parameters(32, 1, lenet_modern_layers((4, 4), (3, 8, 60), 4096, CLASSES)), id="lenet-deepest"),
    pytest.param(LeNet5Modern, dict(stage_blocks=(2, 3), width_multiplier=8.0), (32, 32, 1),
                 count_parameters(32, 1, lenet_modern_layers((2, 3), (48, 128, 960), 84, CLASSES)), id="lenet-widest"),
    pytest.param(LeNet5, dict(dense_units=1), (32, 32, 1), lenet_faithful_parameters(1, CLASSES),
                 id="lenet5-faithful-f6-1"),
    pytest.param(LeNet5, dict(dense_units=4096), (32, 32, 1), lenet_faithful_parameters(4096, CLASSES),
                 id="lenet5-faithful-f6-4096"),
    # AlexNet (stage_blocks [1, 4] x 3, width_multiplier [0.0625, 2.0] (multiples of 2 when two-stream), FC [1, 4096])
    pytest.param(AlexNet, dict(stage_blocks=(1, 1, 1), width_multiplier=0.0625, dense_units=1), (67, 67, 3),
                 count_parameters(67, 3, alexnet_layers("two_stream", (1, 1, 1), (6, 16, 24, 24, 16), 1, CLASSES)),
                 id="alexnet-smallest"),
    pytest.param(AlexNet, dict(stage_blocks=(4, 4, 4), width_multiplier=0.3, dense_units=16), (67, 67, 3),
                 count_parameters(67, 3, alexnet_layers("two_stream", (4, 4, 4), (28, 76, 116, 116, 76), 16,
                                                        CLASSES)),
                 id="alexnet-deepest"),
    pytest.param(AlexNet, dict(width_multiplier=0.0625, dense_units=4096), (67, 67, 3),
                 count_parameters(67, 3, alexnet_layers("two_stream", (1, 1, 3), (6, 16, 24, 24, 16), 4096, CLASSES)),
                 id="alexnet-fc-widest"),
    pytest.param(AlexNet, dict(stage_blocks=(2, 1, 2), width_multiplier=2.0, dense_units=8), (67, 67, 3),
                 count_parameters(67, 3, alexnet_layers("two_stream", (2, 1, 2), (192, 512, 768, 768, 512), 8,
                                                        CLASSES)),
                 id="alexnet-widest"),
    pytest.param(AlexNetSingleStream, dict(stage_blocks=(1, 2, 4), width_multiplier=0.125, dense_units=16),
                 (223, 223, 3),
                 count_parameters(223, 3, alexnet_layers("single_stream", (1, 2, 4), (8, 24, 48, 32, 32), 16, CLASSES)),
                 id="alexnet-single-stream"),
    # ZFNet (as AlexNet, single stream)
    pytest.param(ZFNet, dict(stage_blocks=(1, 1, 1), width_multiplier=0.0625, dense_units=1), (53, 53, 3),
                 count_parameters(53, 3, zfnet_layers((1, 1, 1), (6, 16, 24, 24, 16), 1, CLASSES)),
                 id="zfnet-smallest"),
    pytest.param(ZFNet, dict(stage_blocks=(4, 4, 4), width_multiplier=0.125, dense_units=16), (53, 53, 3),
                 count_parameters(53, 3, zfnet_layers((4, 4, 4), (12, 32, 48, 48, 32), 16, CLASSES)),
                 id="zfnet-deepest"),
    pytest.param(ZFNet, dict(width_multiplier=0.0625, dense_units=4096), (53, 53, 3),
                 count_parameters(53, 3, zfnet_layers((1, 1, 3), (6, 16, 24, 24, 16), 4096, CLASSES)),
                 id="zfnet-fc-widest"),
    pytest.param(ZFNet, dict(stage_blocks=(1, 1, 1), width_multiplier=2.0, dense_units=8), (53, 53, 3),
                 count_parameters(53, 3, zfnet_layers((1, 1, 1), (192, 512, 768, 768, 512), 8, CLASSES)),
                 id="zfnet-widest"),
    # VGG (stage_blocks [1, 8] x 5, width_multiplier [0.0625, 2.0] of 64/128/256/512/512, fc1/fc2 [1, 4096])
    pytest.param(VGG11_BN, dict(stage_blocks=(1, 1, 1, 1, 1), width_multiplier=0.0625, dense_units=1),
                 (32, 32, 3), count_parameters(32, 3, vgg_layers((1,) * 5, (4, 8, 16, 32, 32), 1, CLASSES, True)),
                 id="vgg-smallest-bn"),
    pytest.param(VGG, dict(stage_blocks=(8, 8, 8, 8, 8), width_multiplier=0.0625, dense_units=16),
                 (32, 32, 3), count_parameters(32, 3, vgg_layers((8,) * 5, (4, 8, 16, 32, 32), 16, CLASSES)),
                 id="vgg-deepest"),
    pytest.param(VGG19, dict(width_multiplier=0.0625, dense_units=4096),
                 (32, 32, 3), count_parameters(32, 3, vgg_layers((2, 2, 4, 4, 4), (4, 8, 16, 32, 32), 4096, CLASSES)),
                 id="vgg-fc-widest"),
    pytest.param(VGG16_C, dict(stage_blocks=(1, 1, 1, 1, 2), width_multiplier=2.0, dense_units=8),
                 (32, 32, 3),
                 count_parameters(32, 3, vgg_layers((1, 1, 1, 1, 2), (128, 256, 512, 1024, 1024), 8, CLASSES,
                                                    pointwise_last_blocks=(3, 4, 5))),
                 id="vgg-c-widest"),
    pytest.param(VGG11_LRN, dict(stage_blocks=(2, 1, 3, 1, 2), width_multiplier=0.25, dense_units=32),
                 (32, 32, 3), count_parameters(32, 3, vgg_layers((2, 1, 3, 1, 2), (16, 32, 64, 128, 128), 32, CLASSES)),
                 id="vgg-a-lrn"),
    # NiN (stage_blocks [1, 6] per mlpconv block, width_multiplier [0.0625, 2.0]; extra 1x1 convs repeat the last width)
    pytest.param(NiNCifar, dict(stage_blocks=(1, 1, 1), width_multiplier=0.0625), (32, 32, 3),
                 count_parameters(32, 3, nin_cifar_layers(((12,), (12,), (12,)), CLASSES)),
                 id="nin-cifar-smallest"),
    pytest.param(NiNCifar, dict(stage_blocks=(6, 6, 6), width_multiplier=0.0625), (32, 32, 3),
                 count_parameters(32, 3, nin_cifar_layers(
                     ((12, 10, 6, 6, 6, 6), (12,) * 6, (12,) * 6), CLASSES)),
                 id="nin-cifar-deepest"),
    pytest.param(NiNCifar, dict(stage_blocks=(2, 3, 1), width_multiplier=2.0), (32, 32, 3),
                 count_parameters(32, 3, nin_cifar_layers(((384, 320), (384, 384, 384), (384,)), CLASSES)),
                 id="nin-cifar-widest"),
    pytest.param(NiN, dict(stage_blocks=(2, 1, 4, 1), width_multiplier=0.125, classes=CLASSES), (32, 32, 3),
                 count_parameters(32, 3, nin_imagenet_layers(((12, 12), (32,), (48, 48, 48, 48), (128,)), CLASSES)),
                 id="nin-imagenet"),
    # NiN with the fully connected head of section 4.6: the classifier convolution gives way to flatten, a hidden
    # layer and the classifier; 32 -> 16 -> 8 after the first two blocks' poolings.
    pytest.param(NiNCifar, dict(stage_blocks=(1, 1, 1), width_multiplier=0.0625, head="fc", dense_units=32),
                 (32, 32, 3),
                 count_parameters(32, 3, nin_cifar_layers(((12,), (12,), (12,)), CLASSES)[:-1]
                                  + [("pool", 3, 2, "same"), ("pool", 3, 2, "same"), ("flatten",), ("dense", 32),
                                     ("dense", CLASSES)]),
                 id="nin-cifar-fc-head"),
    # All-Conv (stage_blocks [1, 4] x 2, width_multiplier [0.0625, 2.0] of 96/192 and the top's 192)
    pytest.param(AllCNNC, dict(stage_blocks=(1, 1), width_multiplier=0.0625), (16, 16, 3),
                 count_parameters(16, 3, allconv_layers([[(3, 6)], [(3, 12)]], "all", 12, CLASSES)),
                 id="allconv-smallest"),
    pytest.param(ConvPoolCNNB, dict(stage_blocks=(4, 4), width_multiplier=0.125), (16, 16, 3),
                 count_parameters(16, 3, allconv_layers(
                     [[(5, 12), (1, 12), (1, 12), (1, 12)], [(5, 24), (1, 24), (1, 24), (1, 24)]], "convpool", 24,
                     CLASSES)),
                 id="allconv-deepest"),
    pytest.param(AllConvModelA, dict(stage_blocks=(1, 2), width_multiplier=2.0), (16, 16, 3),
                 count_parameters(16, 3, allconv_layers([[(5, 192)], [(5, 384)] * 2], "base", 384, CLASSES)),
                 id="allconv-widest"),
    pytest.param(StridedCNNC, dict(stage_blocks=(3, 2), width_multiplier=0.5), (16, 16, 3),
                 count_parameters(16, 3, allconv_layers([[(3, 48)] * 3, [(3, 96)] * 2], "strided", 96, CLASSES)),
                 id="allconv-strided"),
]


@pytest.mark.parametrize("builder, knobs, input_shape, expected_parameters", CASES)
def test_knob_settings_give_the_parameters_the_layer_formulas_predict(builder, knobs, input_shape,
                                                                      expected_parameters):
    model = builder(input_shape=input_shape, **{"classes": CLASSES, **knobs})
    assert model.count_params() == expected_parameters


# Every setting but the 4096-wide FC ones (counted above only: a 16.8M-weight FC7 alone takes longer to convert
# than the other settings of its family together).
SLOW_TO_CONVERT = ("lenet5-faithful-f6-4096", "alexnet-fc-widest", "zfnet-fc-widest", "vgg-fc-widest")


@pytest.mark.parametrize("builder, knobs, input_shape, expected_parameters",
                         [case for case in CASES if case.id not in SLOW_TO_CONVERT])
def test_knob_settings_reload_safely_and_convert_to_builtin_tflite(builder, knobs, input_shape, expected_parameters,
                                                                   tmp_path):
    model = builder(input_shape=input_shape, **{"classes": CLASSES, **knobs})
    images = np.random.default_rng(0).random((2, *input_shape), dtype=np.float32)
    assert_same_after_reload(model, tmp_path, images, atol=1e-5)
    outputs, ops = run_tflite(convert_builtin_tflite(model), images)
    np.testing.assert_allclose(outputs, infer(model, images), atol=1e-4)
    assert ops, "the converted model has no ops"


def test_model_info_measures_a_registered_model_with_knob_overrides():
    info = keras_cnns.model_info("vgg11", stage_blocks=(1, 1, 1, 1, 1), width_multiplier=0.0625, dense_units=8,
                                 classes=CLASSES, input_shape=(32, 32, 3))
    assert info["parameters"] == count_parameters(32, 3, vgg_layers((1,) * 5, (4, 8, 16, 32, 32), 8, CLASSES))
    assert keras_cnns.model_info("vgg11")["parameters"] == 132_863_336  # the cached default is left as it was


# --- Errors ------------------------------------------------------------------------------------------------------

BAD_KNOBS = [
    (LeNet, dict(stage_blocks=(1, 5)), ValueError, r"stage_blocks must be a tuple of 2 integers in \[1, 4\]"),
    (LeNet, dict(width_multiplier=0.0), ValueError, r"width_multiplier must be a number in \[0.0625, 8.0\]"),
    (LeNet5, dict(width_multiplier=0.5), ValueError, r"width_multiplier must be a number in \[1.0, 1.0\]"),
    (AlexNet, dict(stage_blocks=(1, 1)), ValueError, r"stage_blocks must be a tuple of 3 integers .* 2 entries"),
    (AlexNet, dict(stage_blocks=(0, 1, 3)), ValueError, r"stage_blocks must be a tuple of 3 integers in \[1, 4\]"),
    (AlexNet, dict(width_multiplier=-1.0), ValueError, r"width_multiplier must be a number in \[0.0625, 2.0\]"),
    (AlexNetSingleStream, dict(dense_units=4097), ValueError, r"dense_units must be an integer in \[1, 4096\]"),
    (AlexNet, dict(variant="three_stream"), ValueError, r"variant must be one of 'two_stream', 'single_stream'"),
    (ZFNet, dict(stage_blocks=(1, 1, 5)), ValueError, r"stage_blocks must be a tuple of 3 integers in \[1, 4\]"),
    (ZFNet, dict(width_multiplier=0), ValueError, r"width_multiplier must be a number in \[0.0625, 2.0\]; got 0"),
    (ZFNet, dict(dense_units=0), ValueError, r"dense_units must be an integer in \[1, 4096\]; got 0"),
    (ZFNet, dict(dense_units=8.5), TypeError, r"dense_units must be an integer"),
    (VGG, dict(stage_blocks=(2, 2, 3, 3)), ValueError, r"stage_blocks must be a tuple of 5 integers in \[1, 8\]"),
    (VGG16, dict(stage_blocks=(2, 2, 3, 3, 9)), ValueError, r"stage_blocks must be a tuple of 5 integers"),
    (VGG19, dict(stage_blocks="22444"), TypeError, r"stage_blocks must be a tuple of 5 integers"),
    (VGG, dict(width_multiplier=2.5), ValueError, r"width_multiplier must be a number in \[0.0625, 2.0\]"),
    (VGG, dict(variant="F"), ValueError, r"variant must be one of 'A', 'B', 'C', 'D', 'E', 11, 13, 16, 19"),
    (NiN, dict(stage_blocks=(3, 3, 2)), ValueError, r"stage_blocks must be a tuple of 4 integers .* 3 entries"),
    (NiNCifar, dict(stage_blocks=(3, 7, 2)), ValueError, r"stage_blocks must be a tuple of 3 integers in \[1, 6\]"),
    (NiNCifar, dict(width_multiplier=0.0), ValueError, r"width_multiplier must be a number in \[0.0625, 2.0\]"),
    (NiN, dict(variant="mnist"), ValueError, r"variant must be one of 'imagenet', 'cifar'; got 'mnist'"),
    (NiNCifar, dict(head="max"), ValueError, r"head must be one of 'gap', 'fc'; got 'max'"),
    (NiNCifar, dict(head="fc", dense_units=0), ValueError, r"dense_units must be an integer >= 1; got 0"),
    (AllConvNet, dict(stage_blocks=(2, 2, 2)), ValueError, r"stage_blocks must be a tuple of 2 integers .* 3 entries"),
    (AllCNNC, dict(stage_blocks=(5, 1)), ValueError, r"stage_blocks must be a tuple of 2 integers in \[1, 4\]"),
    (AllCNNA, dict(width_multiplier=-0.5), ValueError, r"width_multiplier must be a number in \[0.0625, 2.0\]"),
    (AllConvNet, dict(base="D"), ValueError, r"base must be one of 'A', 'B', 'C'; got 'D'"),
]


@pytest.mark.parametrize("builder, knobs, error, message", BAD_KNOBS)
def test_knobs_out_of_range_are_refused_with_the_range(builder, knobs, error, message):
    with pytest.raises(error, match=message):
        builder(**knobs)


def test_the_documented_ranges_are_the_specs_ranges():
    for name, knob, low, high in (("lenet5_modern", "width_multiplier", 0.0625, 8.0), ("alexnet", "stage_blocks", 1, 4),
                                  ("zfnet", "dense_units", 1, 4096), ("vgg16", "stage_blocks", 1, 8),
                                  ("nin_cifar", "stage_blocks", 1, 6), ("all_cnn_c", "width_multiplier", 0.0625, 2.0)):
        spec_knob = keras_cnns.model_spec(name).knobs[knob]
        assert (spec_knob.low, spec_knob.high) == (low, high), name
        assert f"[{low}, {high}]" in keras_cnns.model_spec(name).builder.__doc__, name


# --- Deprecated argument names --------------------------------------------------------------------------------------


def _graph(model):
    """Every layer's class, configuration and output shape (the input layer's generated name aside)."""
    return model.name, [(type(layer).__name__, json.dumps(layer.get_config(), sort_keys=True, default=str),
                         tuple(layer.output.shape)) for layer in model.layers[1:]]


@pytest.mark.parametrize("builder, old, new", [
    (keras_cnns.AlexNet, dict(streams=1), dict(variant="single_stream")),
    (keras_cnns.AlexNet, dict(streams=2), dict(variant="two_stream")),
    (keras_cnns.VGG, dict(config="C"), dict(variant="C")),
    (keras_cnns.VGG, dict(config=19), dict(variant="E")),
    (keras_cnns.NiN, dict(dataset="cifar"), dict(variant="cifar")),
])
def test_deprecated_names_warn_and_build_the_same_graph(builder, old, new):
    small = dict(include_top=False, input_shape=(67, 67, 3), width_multiplier=0.0625)
    with pytest.warns(DeprecationWarning, match=f"{next(iter(old))} is deprecated; use variant"):
        deprecated = builder(**small, **old)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        current = builder(**small, **new)
    assert _graph(deprecated) == _graph(current)


def test_deprecated_names_keep_their_old_checks():
    with pytest.raises(ValueError, match=r"streams must be one of 1, 2; got 3"):
        keras_cnns.AlexNet(streams=3)
    with pytest.raises(ValueError, match=r"config must be one of"):
        keras_cnns.VGG(config="F")
    with pytest.raises(ValueError, match=r"dataset must be one of 'imagenet', 'cifar'"):
        keras_cnns.NiN(dataset="mnist")
    with pytest.raises(TypeError, match=r"streams is the deprecated name of variant; pass variant only"):
        keras_cnns.AlexNetSingleStream(streams=2)


# --- Specs -----------------------------------------------------------------------------------------------------------


def test_new_public_builders_are_registered_with_their_spec():
    assert keras_cnns.get_builder("alexnet_single_stream") is keras_cnns.AlexNetSingleStream
    assert keras_cnns.get_builder("nin_cifar") is keras_cnns.NiNCifar
    assert keras_cnns.model_spec("alexnet_single_stream").default_size == 224
    assert keras_cnns.model_spec("nin_cifar").default_size == 32
    assert keras_cnns.NiNCifar(width_multiplier=0.0625).input_shape == (None, 32, 32, 3)


def test_preprocessing_comes_from_the_spec():
    from keras.applications import vgg16

    from keras_cnns.data import preprocessing_for
    from keras_cnns.models import vgg

    images = np.random.default_rng(2).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(vgg.preprocess_input(images.copy()), vgg16.preprocess_input(images.copy()))
    for name in ("alexnet", "alexnet_single_stream", "zfnet", "vgg16", "nin", "nin_cifar", "all_cnn_c", "lenet5"):
        assert preprocessing_for(name) == keras_cnns.model_spec(name).preprocessing
    assert [preprocessing_for(family) for family in ("alexnet", "zfnet", "vgg", "nin", "allconv")] == [
        "caffe", "caffe", "caffe", "caffe", "unit"]
