"""Design spaces of GoogLeNet, Inception v2-v4, Inception-ResNet v1/v2, ST-CNN and SWWAE.

For each family: knob settings off the paper (the smallest and largest of each documented range among them)
build, have the parameter count that the papers' layer tables imply at those knobs (added up here, layer by
layer), reload in safe mode and convert to builtin TFLite ops; knobs out of range are refused by name.
"""

import keras
import numpy as np
import pytest
from helpers import assert_same_after_reload, convert_builtin_tflite, infer, run_tflite

import keras_cnns
from keras_cnns import data
from keras_cnns.application import preprocess_with
from keras_cnns.models import googlenet, inception, inception_resnet

CLASSES = 10


def scaled(filters, width_multiplier, divisor=8):
    """The documented rounding: filters x multiplier to the nearest multiple of `divisor` (at least `divisor`,
    never more than 10% below the exact product); the paper's width at 1.0."""
    if width_multiplier == 1.0:
        return filters
    exact = filters * width_multiplier
    rounded = max(divisor, int(exact + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * exact else rounded


def conv(kernel, cin, cout, bias=True):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return kh * kw * cin * cout + (cout if bias else 0)


def conv_bn(kernel, cin, cout):
    """A convolution without bias, then batch norm without scale: beta, moving mean and variance."""
    return conv(kernel, cin, cout, bias=False) + 3 * cout


def dense(cin, cout):
    return cin * cout + cout


def module(cin, branches, width, layer=conv_bn):
    """Parameters and output channels of an inception module: each branch a list of (kernel, filters)
    convolutions, "pool" (channels unchanged) or ("fork", [(kernel, filters), ...]) concatenated at its end."""
    total, outputs = 0, 0
    for steps in branches:
        channels = cin
        for step in steps:
            if step == "pool":
                continue
            convs = step[1] if step[0] == "fork" else [step]
            total += sum(layer(kernel, channels, scaled(filters, width)) for kernel, filters in convs)
            channels = sum(scaled(filters, width) for _, filters in convs)
        outputs += channels
    return total, outputs


class Network:
    """Adds up modules and single convolutions in order, tracking the channels."""

    def __init__(self, cin, width, layer=conv_bn):
        self.channels, self.width, self.layer, self.parameters = cin, width, layer, 0

    def add(self, branches):
        parameters, self.channels = module(self.channels, branches, self.width, self.layer)
        self.parameters += parameters

    def chain(self, *steps):
        self.add([list(steps)])

    def residual(self, branches):
        """Inception-ResNet block: module, then a linear 1x1 convolution (with bias) back to the input width."""
        cin = self.channels
        self.add(branches)
        self.parameters += conv(1, self.channels, cin)
        self.channels = cin

    def classifier(self, classes=CLASSES):
        return self.parameters + dense(self.channels, classes)


def pick(rows, count):
    """A stage of `count` modules: the paper's first rows, its last row repeated past them."""
    return [rows[min(index, len(rows) - 1)] for index in range(count)]


# GoogLeNet, Table 1.
GOOGLENET_STAGES = (
    [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64)],
    [(192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
     (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128)],
    [(256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)],
)


def googlenet_parameters(stage_blocks, width, aux_grid=None):
    """With `aux_grid` (the side of the auxiliary heads' pooled grid), also the two auxiliary classifiers on the
    14x14 stage's first and fourth module (its last when it has fewer): 1x1 conv 128, FC 1024, classifier."""
    net = Network(3, width, layer=conv)  # convolutions with bias, no batch norm
    net.chain((7, 64), (1, 64), (3, 192))
    taps = []
    for stage, (rows, count) in enumerate(zip(GOOGLENET_STAGES, stage_blocks)):
        for n1, r3, n3, r5, n5, proj in pick(rows, count):
            net.add([[(1, n1)], [(1, r3), (3, n3)], [(1, r5), (5, n5)], ["pool", (1, proj)]])
            taps += [net.channels] if stage == 1 else []
    total = net.classifier()
    if aux_grid is not None:
        for tap in (taps[0], taps[min(3, len(taps) - 1)]):
            total += conv(1, tap, scaled(128, width)) + dense(aux_grid**2 * scaled(128, width), 1024)
            total += dense(1024, CLASSES)
    return total


# BN-Inception, Figure 5: (#1x1, #3x3 reduce, #3x3, double reduce, double #3x3, pool projection); per stage its
# modules and the stride-2 module that ends it (no 1x1 branch, the pooled input passed through).
BN_INCEPTION_STAGES = (
    ([(64, 64, 64, 64, 96, 32), (64, 64, 96, 64, 96, 64)], (0, 128, 160, 64, 96, 0)),
    ([(224, 64, 96, 96, 128, 128), (192, 96, 128, 96, 128, 128), (160, 128, 160, 128, 160, 128),
      (96, 128, 192, 160, 192, 128)], (0, 128, 192, 192, 256, 0)),
    ([(352, 192, 320, 160, 224, 128), (352, 192, 320, 192, 224, 128)], None),
)


def bn_inception_parameters(stage_blocks, width):
    net = Network(3, width)
    net.chain((7, 64), (1, 64), (3, 192))
    for (rows, reduction), count in zip(BN_INCEPTION_STAGES, stage_blocks):
        for n1, r3, n3, rd, nd, proj in pick(rows, count) + ([reduction] if reduction else []):
            net.add(([[(1, n1)]] if n1 else []) + [[(1, r3), (3, n3)], [(1, rd), (3, nd), (3, nd)],
                                                  ["pool"] + ([(1, proj)] if proj else [])])
    return net.classifier()


def inception_35x35(n1x1, pool_projection):
    return [[(1, n1x1)], [(1, 48), (5, 64)], [(1, 64), (3, 96), (3, 96)], ["pool", (1, pool_projection)]]


def reduction_a(k, l, m, n):
    return [[(3, n)], [(1, k), (3, l), (3, m)], ["pool"]]


V3_STEM = [(3, 32), (3, 32), (3, 64), (1, 80), (3, 192)]


def inception_v3_parameters(stage_blocks, width):
    count_35, count_17, count_8 = stage_blocks
    net = Network(3, width)
    net.chain(*V3_STEM)
    for index in range(count_35):
        net.add(inception_35x35(64, 32 if index == 0 else 64))
    net.add(reduction_a(64, 96, 96, 384))
    for index in range(count_17):  # 7x7 widths 128, 160, ..., 160, 192
        c = 192 if index == count_17 - 1 else 128 if index == 0 else 160
        net.add([[(1, 192)], [(1, c), ((1, 7), c), ((7, 1), 192)],
                 [(1, c), ((7, 1), c), ((1, 7), c), ((7, 1), c), ((1, 7), 192)], ["pool", (1, 192)]])
    net.add([[(1, 192), (3, 320)], [(1, 192), ((1, 7), 192), ((7, 1), 192), (3, 192)], ["pool"]])
    fork = ("fork", [((1, 3), 384), ((3, 1), 384)])
    for _ in range(count_8):
        net.add([[(1, 320)], [(1, 384), fork], [(1, 448), (3, 384), fork], ["pool", (1, 192)]])
    return net.classifier()


def inception_v4_parameters(stage_blocks, width):
    count_a, count_b, count_c = stage_blocks
    net = Network(3, width)
    net.chain((3, 32), (3, 32), (3, 64))
    net.add([["pool"], [(3, 96)]])
    net.add([[(1, 64), (3, 96)], [(1, 64), ((7, 1), 64), ((1, 7), 64), (3, 96)]])
    net.add([[(3, 192)], ["pool"]])
    for _ in range(count_a):
        net.add([["pool", (1, 96)], [(1, 96)], [(1, 64), (3, 96)], [(1, 64), (3, 96), (3, 96)]])
    net.add(reduction_a(192, 224, 256, 384))
    for _ in range(count_b):
        net.add([["pool", (1, 128)], [(1, 384)], [(1, 192), ((1, 7), 224), ((7, 1), 256)],
                 [(1, 192), ((1, 7), 192), ((7, 1), 224), ((1, 7), 224), ((7, 1), 256)]])
    net.add([["pool"], [(1, 192), (3, 192)], [(1, 256), ((1, 7), 256), ((7, 1), 320), (3, 320)]])
    fork = ("fork", [((1, 3), 256), ((3, 1), 256)])
    for _ in range(count_c):
        net.add([["pool", (1, 256)], [(1, 256)], [(1, 384), fork], [(1, 384), ((1, 3), 448), ((3, 1), 512), fork]])
    return net.classifier()


def reduction_b(first, second, third):
    return [[(1, 256), (3, first)], [(1, 256), (3, second)], [(1, 256), (3, third[0]), (3, third[1])], ["pool"]]


def inception_resnet_v1_parameters(stage_blocks, width):
    count_a, count_b, count_c = stage_blocks
    net = Network(3, width)
    net.chain(*V3_STEM, (3, 256))  # Figure 14
    for _ in range(count_a):
        net.residual([[(1, 32)], [(1, 32), (3, 32)], [(1, 32), (3, 32), (3, 32)]])
    net.add(reduction_a(192, 192, 256, 384))
    for _ in range(count_b):
        net.residual([[(1, 128)], [(1, 128), ((1, 7), 128), ((7, 1), 128)]])
    net.add(reduction_b(384, 256, (256, 256)))
    for _ in range(count_c):
        net.residual([[(1, 192)], [(1, 192), ((1, 3), 192), ((3, 1), 192)]])
    return net.classifier()


def inception_resnet_v2_parameters(stage_blocks, width):
    count_a, count_b, count_c = stage_blocks
    net = Network(3, width)
    net.chain(*V3_STEM)
    net.add(inception_35x35(96, 64))  # mixed_5b
    for _ in range(count_a):
        net.residual([[(1, 32)], [(1, 32), (3, 32)], [(1, 32), (3, 48), (3, 64)]])
    net.add(reduction_a(256, 256, 384, 384))
    for _ in range(count_b):
        net.residual([[(1, 192)], [(1, 128), ((1, 7), 160), ((7, 1), 192)]])
    net.add(reduction_b(384, 288, (288, 320)))
    for _ in range(count_c):
        net.residual([[(1, 192)], [(1, 192), ((1, 3), 224), ((3, 1), 256)]])
    net.chain((1, 1536))  # conv_7b
    return net.classifier()


def stage_cnn_parameters(size, channels, filters, stage_blocks, width, bias=True):
    """3x3 'same' convolutions, `blocks` per stage, then 2x2 pooling; returns (parameters, size, channels)."""
    total = 0
    for blocks, filters_at_stage in zip(stage_blocks, filters):
        out = scaled(filters_at_stage, width, divisor=1)
        total += conv(3, channels, out) + (blocks - 1) * conv(3, out, out)
        channels, size = out, size // 2
    return total, size, channels


def st_cnn_parameters(size, filters, stage_blocks, width):
    total, size, channels = stage_cnn_parameters(size, 1, filters, stage_blocks, width)
    return total + dense(size * size * channels, CLASSES)


def swwae_parameters(size, filters, stage_blocks, width, dense_units):
    total, size, channels = stage_cnn_parameters(size, 1, filters, stage_blocks, width)
    total += dense(size * size * channels, dense_units) + dense(dense_units, CLASSES)
    widths = [scaled(f, width, divisor=1) for f in filters]
    below = [1] + widths[:-1]  # what each decoder stage reconstructs: the input, then each pooled stage
    for blocks, stage_width, target in zip(stage_blocks, widths, below):
        total += (blocks - 1) * conv(3, stage_width, stage_width) + conv(3, stage_width, target)
    return total


# (builder, knobs, input size, expected parameters). Ranges: GoogLeNet and Inception stage_blocks [1, 10],
# Inception-ResNet [1, 20], width_multiplier [0.125, 2.0]; ST-CNN/SWWAE stage_blocks [1, 4], width [0.0625, 4].
CASES = {
    "googlenet_smallest": (keras_cnns.GoogLeNet, dict(stage_blocks=(1, 1, 1), width_multiplier=0.125), 32,
                           googlenet_parameters((1, 1, 1), 0.125)),
    "googlenet_deepest": (keras_cnns.GoogLeNet, dict(stage_blocks=(10, 10, 10), width_multiplier=0.125), 32,
                          googlenet_parameters((10, 10, 10), 0.125)),
    "googlenet_widest": (keras_cnns.GoogLeNet, dict(stage_blocks=(1, 2, 1), width_multiplier=2.0), 32,
                         googlenet_parameters((1, 2, 1), 2.0)),
    "inception_v2_smallest": (keras_cnns.InceptionV2, dict(stage_blocks=(1, 1, 1), width_multiplier=0.125), 32,
                              bn_inception_parameters((1, 1, 1), 0.125)),
    "inception_v2_deepest": (keras_cnns.InceptionV2, dict(stage_blocks=(10, 10, 10), width_multiplier=0.125), 32,
                             bn_inception_parameters((10, 10, 10), 0.125)),
    "inception_v2_widest": (keras_cnns.InceptionV2, dict(stage_blocks=(1, 1, 3), width_multiplier=2.0), 32,
                            bn_inception_parameters((1, 1, 3), 2.0)),
    "inception_v3_smallest": (keras_cnns.InceptionV3, dict(stage_blocks=(1, 1, 1), width_multiplier=0.125), 75,
                              inception_v3_parameters((1, 1, 1), 0.125)),
    "inception_v3_deepest": (keras_cnns.InceptionV3, dict(stage_blocks=(10, 10, 10), width_multiplier=0.125), 75,
                             inception_v3_parameters((10, 10, 10), 0.125)),
    "inception_v3_half": (keras_cnns.InceptionV3, dict(stage_blocks=(2, 3, 1), width_multiplier=0.5), 75,
                          inception_v3_parameters((2, 3, 1), 0.5)),
    "inception_v4_smallest": (keras_cnns.InceptionV4, dict(stage_blocks=(1, 1, 1), width_multiplier=0.125), 75,
                              inception_v4_parameters((1, 1, 1), 0.125)),
    "inception_v4_deepest": (keras_cnns.InceptionV4, dict(stage_blocks=(10, 10, 10), width_multiplier=0.125), 75,
                             inception_v4_parameters((10, 10, 10), 0.125)),
    "inception_v4_widest": (keras_cnns.InceptionV4, dict(stage_blocks=(1, 1, 1), width_multiplier=2.0), 75,
                            inception_v4_parameters((1, 1, 1), 2.0)),
    "inception_resnet_v1_smallest": (keras_cnns.InceptionResNetV1, dict(stage_blocks=(1, 1, 1),
                                     width_multiplier=0.125), 75, inception_resnet_v1_parameters((1, 1, 1), 0.125)),
    "inception_resnet_v1_deepest": (keras_cnns.InceptionResNetV1, dict(stage_blocks=(20, 20, 20),
                                    width_multiplier=0.125), 75, inception_resnet_v1_parameters((20, 20, 20), 0.125)),
    "inception_resnet_v2_widest": (keras_cnns.InceptionResNetV2, dict(stage_blocks=(1, 1, 1), width_multiplier=2.0),
                                   75, inception_resnet_v2_parameters((1, 1, 1), 2.0)),
    "inception_resnet_v2_half": (keras_cnns.InceptionResNetV2, dict(stage_blocks=(3, 2, 4), width_multiplier=0.5),
                                 75, inception_resnet_v2_parameters((3, 2, 4), 0.5)),
    "st_cnn_smallest": (keras_cnns.STCNN, dict(transform=None, stage_blocks=(1, 1, 1), width_multiplier=0.0625), 28,
                        st_cnn_parameters(28, (32, 64, 64), (1, 1, 1), 0.0625)),
    "st_cnn_largest": (keras_cnns.STCNN, dict(transform=None, stage_blocks=(4, 4, 4), width_multiplier=4.0), 28,
                       st_cnn_parameters(28, (32, 64, 64), (4, 4, 4), 4.0)),
    "st_cnn_mixed": (keras_cnns.STCNN, dict(transform=None, filters=(8, 16), stage_blocks=(2, 3),
                                            width_multiplier=1.5), 28, st_cnn_parameters(28, (8, 16), (2, 3), 1.5)),
    "swwae_smallest": (keras_cnns.SWWAE, dict(stage_blocks=(1, 1), width_multiplier=0.0625, dense_units=4096), 16,
                       swwae_parameters(16, (32, 64), (1, 1), 0.0625, 4096)),
    "swwae_largest": (keras_cnns.SWWAE, dict(stage_blocks=(4, 4), width_multiplier=4.0, dense_units=1), 16,
                      swwae_parameters(16, (32, 64), (4, 4), 4.0, 1)),
    "swwae_three_stages": (keras_cnns.SWWAE, dict(filters=(4, 8, 8), stage_blocks=(2, 1, 3), width_multiplier=1.5,
                                                  dense_units=16), 16,
                           swwae_parameters(16, (4, 8, 8), (2, 1, 3), 1.5, 16)),
}


def _input_shape(builder, size):
    return (size, size, 1 if builder in (keras_cnns.STCNN, keras_cnns.SWWAE) else 3)


# Round trips and TFLite conversion for the cases up to this size and depth: the widest Inception nets (38M-54M
# weights) and the deepest (30-60 modules) only build and count here, as saving and converting them takes a minute
# each on two CPU cores; they are made of the same layers as the smaller settings (and the paper models, which
# test_models.py converts at full depth).
ROUND_TRIP_MAX_PARAMETERS = 10_000_000
ROUND_TRIP_CASES = sorted(case for case, (_, knobs, _, expected) in CASES.items()
                          if expected <= ROUND_TRIP_MAX_PARAMETERS and max(knobs["stage_blocks"]) <= 5)


def _build(case):
    builder, knobs, size, expected = CASES[case]
    shape = _input_shape(builder, size)
    return builder(input_shape=shape, classes=CLASSES, classifier_activation=None, **knobs), shape, expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_knobs_build_the_parameters_the_papers_tables_imply(case):
    model, _, expected = _build(case)
    assert model.count_params() == expected


@pytest.mark.parametrize("case", ROUND_TRIP_CASES)
def test_knob_settings_reload_in_safe_mode_and_convert_to_builtin_tflite(case, tmp_path):
    model, shape, _ = _build(case)
    classifier = model if len(model.outputs) == 1 else keras.Model(model.input, model.outputs[0], name=model.name)
    images = np.random.rand(2, *shape).astype("float32")
    if model is classifier:
        assert_same_after_reload(model, tmp_path, images, atol=1e-5)
    else:  # SWWAE: predictions and reconstruction
        model.save(tmp_path / "model.keras")
        reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
        for ours, theirs in zip(model(images, training=False), reloaded(images, training=False)):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs), atol=1e-5)
    outputs, ops = run_tflite(convert_builtin_tflite(classifier), images)
    assert not any(op.startswith("FLEX") or op == "CUSTOM" for op in ops), ops
    np.testing.assert_allclose(outputs, infer(classifier, images), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("stage_blocks", [(1, 2, 1), (2, 5, 2)])
def test_googlenet_auxiliary_classifiers_follow_the_knobs(stage_blocks):
    model = keras_cnns.GoogLeNet(input_shape=(65, 65, 3), classes=CLASSES, stage_blocks=stage_blocks,
                                 width_multiplier=0.25, aux_logits=True)
    assert model.output_names == ["predictions", "aux1_predictions", "aux2_predictions"]
    # 65 -> 33 -> 17 -> 9 -> 5 at the 14x14 stage; its 5x5/3 average pooling leaves 1x1.
    assert model.count_params() == googlenet_parameters(stage_blocks, 0.25, aux_grid=1)


def test_inception_v3_auxiliary_head_follows_the_width():
    plain = keras_cnns.InceptionV3(classes=CLASSES, stage_blocks=(1, 1, 1), width_multiplier=0.25)
    with_aux = keras_cnns.InceptionV3(classes=CLASSES, stage_blocks=(1, 1, 1), width_multiplier=0.25,
                                      aux_logits=True)
    tap = scaled(192, 0.25) * 4  # the 17x17 module's four 192-wide branches
    aux = conv_bn(1, tap, scaled(128, 0.25)) + conv_bn(5, scaled(128, 0.25), scaled(768, 0.25))
    assert with_aux.count_params() - plain.count_params() == aux + dense(scaled(768, 0.25), CLASSES)


def test_model_info_measures_a_registered_name_with_overrides():
    knobs = dict(stage_blocks=(1, 1, 1), width_multiplier=0.5)
    info = keras_cnns.model_info("inception_v3", input_shape=(75, 75, 3), classes=CLASSES, **knobs)
    assert info["parameters"] == inception_v3_parameters((1, 1, 1), 0.5)
    assert info["input_shape"] == (75, 75, 3) and info["preset"]["stage_blocks"] == (1, 1, 1)


def test_general_builders_are_registered_for_their_families():
    from keras_cnns import registry

    assert registry.family_builder("inception") is keras_cnns.Inception
    assert registry.family_builder("inception_resnet") is keras_cnns.InceptionResNet
    assert registry.family_builder("googlenet") is keras_cnns.GoogLeNet
    assert registry.family_builder("stn") is keras_cnns.STCNN
    assert registry.family_builder("swwae") is keras_cnns.SWWAE
    assert keras_cnns.get_model("swwae").name == "swwae" and keras_cnns.model_spec("swwae").family == "swwae"
    # The general builders at their defaults are the papers' networks.
    v2 = keras_cnns.Inception(variant="v2", include_top=False, input_shape=(32, 32, 3))
    assert v2.count_params() == keras_cnns.InceptionV2(include_top=False, input_shape=(32, 32, 3)).count_params()
    assert v2.name == "inception_v2"


@pytest.mark.parametrize("module, family", [(googlenet, "googlenet"), (inception, "inception"),
                                            (inception_resnet, "inception_resnet")])
def test_preprocess_input_and_pipeline_read_one_spec(module, family):
    spec = keras_cnns.model_spec(keras_cnns.list_models(family=family)[0])
    pixels = np.random.uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(module.preprocess_input(pixels.copy()), preprocess_with(spec, pixels.copy()))
    assert data.preprocessing_for(family) == spec.preprocessing == "tf"
    assert data.preprocessing_for("st_cnn") == data.preprocessing_for("swwae") == "unit"


@pytest.mark.parametrize(
    "builder, kwargs, error, message",
    [
        (keras_cnns.GoogLeNet, dict(stage_blocks=(2, 5)), ValueError,
         r"stage_blocks must be a tuple of 3 integers in \[1, 10\]; got 2 entries"),
        (keras_cnns.GoogLeNet, dict(stage_blocks=(2, 11, 2)), ValueError, r"stage_blocks must be .*\[1, 10\]"),
        (keras_cnns.GoogLeNet, dict(stage_blocks="225"), TypeError, r"stage_blocks must be a tuple"),
        (keras_cnns.GoogLeNet, dict(width_multiplier=0), ValueError,
         r"width_multiplier must be a number in \[0.125, 2.0\]; got 0"),
        (keras_cnns.InceptionV2, dict(stage_blocks=(0, 4, 2)), ValueError, r"stage_blocks must be .*\[1, 10\]"),
        (keras_cnns.InceptionV3, dict(width_multiplier=-1.0), ValueError, r"width_multiplier must be a number in"),
        (keras_cnns.InceptionV3, dict(width_multiplier=2.5), ValueError, r"width_multiplier .*\[0.125, 2.0\]"),
        (keras_cnns.InceptionV3, dict(width_multiplier="wide"), TypeError, r"width_multiplier must be a number"),
        (keras_cnns.InceptionV4, dict(stage_blocks=(4, 7, 3, 1)), ValueError, r"got 4 entries"),
        (keras_cnns.InceptionV4, dict(aux_logits=True), ValueError, r"aux_logits=True needs variant='v3'"),
        (keras_cnns.Inception, dict(variant="v5"), ValueError, r"variant must be one of 'v2', 'v3', 'v4'"),
        (keras_cnns.InceptionV3, dict(stage_blocks=(1, 1, 1), weights="imagenet"), ValueError,
         r"weights='imagenet' is not available"),
        (keras_cnns.InceptionResNetV1, dict(stage_blocks=(5, 21, 5)), ValueError, r"stage_blocks .*\[1, 20\]"),
        (keras_cnns.InceptionResNetV2, dict(width_multiplier=0.0), ValueError, r"width_multiplier must be"),
        (keras_cnns.InceptionResNet, dict(variant="v3"), ValueError, r"variant must be one of 'v1', 'v2'"),
        (keras_cnns.STCNN, dict(stage_blocks=(1, 1)), ValueError,
         r"stage_blocks must be a tuple of 3 integers in \[1, 4\]; got 2 entries"),
        (keras_cnns.STCNN, dict(filters=(8, 8), stage_blocks=(1, 5)), ValueError, r"stage_blocks .*\[1, 4\]"),
        (keras_cnns.STCNN, dict(width_multiplier=-0.5), ValueError, r"width_multiplier .*\[0.0625, 4.0\]"),
        (keras_cnns.SWWAE, dict(stage_blocks=(1, 1, 1)), ValueError, r"stage_blocks must be a tuple of 2 integers"),
        (keras_cnns.SWWAE, dict(width_multiplier=0), ValueError, r"width_multiplier .*\[0.0625, 4.0\]"),
        (keras_cnns.SWWAE, dict(dense_units=4097), ValueError, r"dense_units must be an integer in \[1, 4096\]"),
    ],
)
def test_out_of_range_knobs_name_the_argument_and_range(builder, kwargs, error, message):
    with pytest.raises(error, match=message):
        builder(**kwargs)
