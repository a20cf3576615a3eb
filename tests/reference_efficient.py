"""References for the efficient families (SqueezeNet, MobileNet v1, ShuffleNet v1/v2); see references.py.

Keras counts the batch-norm moving mean and variance as (non-trainable) parameters; torchvision and the
papers do not. Where the source is torchvision, the Keras total is the torchvision figure plus 2 x the
batch-normalized channels, counted below from the papers' tables.
"""


def shufflenet_v2_bn_channels(widths, repeats=(4, 8, 4)):
    """Batch-normalized channels of ShuffleNet v2 (Table 5): conv1; per stage, the downsampling unit has
    branch1 (depthwise on c_in, 1x1 to c/2) and branch2 (3 x c/2), each further unit 3 x c/2; conv5."""
    conv1, *stages, conv5 = widths
    total, in_channels = conv1, conv1
    for width, repeat in zip(stages, repeats):
        total += in_channels + width // 2 + 3 * (width // 2) + (repeat - 1) * 3 * (width // 2)
        in_channels = width
    return total + conv5


# ShuffleNet v1, Table 1 as printed: each stage's output size, its units (one stride-2 unit + n stride-1 units)
# and its output channels per number of groups g; the last row is the complexity (MFLOPs) the table gives per g.
SHUFFLENET_V1_TABLE_1 = """
layer   output  repeat  g=1  g=2  g=3  g=4   g=8
conv1   112     1       24   24   24   24    24
stage2  28      1+3     144  200  240  272   384
stage3  14      1+7     288  400  480  544   768
stage4  7       1+3     576  800  960  1088  1536
MFLOPs  -       -       143  140  137  133   137
"""


def _read_shufflenet_v1_table():
    header, *rows = [line.split() for line in SHUFFLENET_V1_TABLE_1.strip().splitlines()]
    groups = [int(column.removeprefix("g=")) for column in header[3:]]
    cells = {row[0]: row for row in rows}
    stages = [cells[f"stage{stage}"] for stage in (2, 3, 4)]
    widths = {g: tuple(int(row[3 + i]) for row in stages) for i, g in enumerate(groups)}
    repeats = tuple(sum(int(n) for n in row[2].split("+")) for row in stages)
    sizes = tuple(int(row[1]) for row in stages)
    conv1 = {g: int(cells["conv1"][3 + i]) for i, g in enumerate(groups)}
    complexity = {g: float(cells["MFLOPs"][3 + i]) * 1e6 for i, g in enumerate(groups)}
    return widths, repeats, sizes, conv1, complexity


SHUFFLENET_V1_WIDTHS, SHUFFLENET_V1_REPEATS, SHUFFLENET_V1_SIZES, SHUFFLENET_V1_CONV1, SHUFFLENET_V1_MFLOPS = (
    _read_shufflenet_v1_table())


def _shufflenet_v1_units(groups, widths):
    """Each unit of Table 1 with the paper's rules (Sec. 3.3): bottleneck = 1/4 of the unit's output channels; no
    group convolution on the very first pointwise layer (24 input channels); the stride-2 unit concatenates its
    3x3 average-pooled input, so its last pointwise layer outputs c - c_in. Yields (stage, unit, c_in, c, groups of
    the first pointwise layer)."""
    in_channels = SHUFFLENET_V1_CONV1[groups]
    for stage, (width, repeat) in enumerate(zip(widths, SHUFFLENET_V1_REPEATS)):
        for unit in range(repeat):
            yield stage, unit, in_channels, width, 1 if stage == 0 and unit == 0 else groups
            in_channels = width


def shufflenet_v1_parameters(groups, widths, classes=1000):
    """Table 1 added up: conv1 3x3x3x24 + BN; per unit 1x1 group conv to the bottleneck + BN, 3x3 depthwise + BN,
    1x1 group conv + BN; the dense classifier. BN counts 4 per channel (Keras' moving statistics included)."""
    conv1 = SHUFFLENET_V1_CONV1[groups]
    total = 3 * 3 * 3 * conv1 + 4 * conv1
    for _, unit, in_channels, width, first_groups in _shufflenet_v1_units(groups, widths):
        bottleneck, out = width // 4, (width - in_channels if unit == 0 else width)
        total += in_channels * bottleneck // first_groups + 4 * bottleneck
        total += 9 * bottleneck + 4 * bottleneck
        total += bottleneck * out // groups + 4 * out
    return total + widths[-1] * classes + classes


def shufflenet_v1_multiply_adds(groups, widths, classes=1000):
    """Table 1's complexity, counted by hand: conv1 on the 112x112 grid; in a stride-2 unit the first pointwise
    layer runs on the input grid (twice the stage's output size), the rest on the output grid; the classifier."""
    total = 112 * 112 * 3 * 3 * 3 * SHUFFLENET_V1_CONV1[groups]
    for stage, unit, in_channels, width, first_groups in _shufflenet_v1_units(groups, widths):
        size, bottleneck = SHUFFLENET_V1_SIZES[stage], width // 4
        out, input_size = (width - in_channels, 2 * size) if unit == 0 else (width, size)
        total += input_size**2 * in_channels * bottleneck // first_groups
        total += size**2 * (9 * bottleneck + bottleneck * out // groups)
    return total + widths[-1] * classes


SHUFFLENET_V2_WIDTHS = {"0_5": (24, 48, 96, 192, 1024), "1_0": (24, 116, 232, 464, 1024),
                        "1_5": (24, 176, 352, 704, 1024), "2_0": (24, 244, 488, 976, 2048)}  # fmt: skip
# torchvision shufflenet_v2_x*_0 num_params (trainable).
SHUFFLENET_V2_TORCHVISION = {"0_5": 1_366_792, "1_0": 2_278_604, "1_5": 3_503_624, "2_0": 7_393_996}

# SqueezeNet complex bypass: a 1x1 convolution (with bias) around fire2, 4, 6, 8, whose inputs have
# 96 (1.0) / 64 (1.1), 128, 256, 384 channels and outputs 128, 256, 384, 512.
_BYPASS_1_0 = (96 * 128 + 128) + (128 * 256 + 256) + (256 * 384 + 384) + (384 * 512 + 512)
_BYPASS_1_1 = (64 * 128 + 128) + (128 * 256 + 256) + (256 * 384 + 384) + (384 * 512 + 512)

PARAMETERS = {
    # torchvision squeezenet1_0 / squeezenet1_1 (no batch norm); simple bypass adds no weights (paper, Sec. 6).
    "squeezenet1_0": 1_248_424,
    "squeezenet1_1": 1_235_496,
    "squeezenet1_0_simple_bypass": 1_248_424,
    "squeezenet1_1_simple_bypass": 1_235_496,
    "squeezenet1_0_complex_bypass": 1_248_424 + _BYPASS_1_0,
    "squeezenet1_1_complex_bypass": 1_235_496 + _BYPASS_1_1,
    # keras.applications.MobileNet(alpha=..., weights=None).count_params(), checked live in test_efficient.
    "mobilenet_v1_100": 4_253_864,
    "mobilenet_v1_075": 2_601_976,
    "mobilenet_v1_050": 1_342_536,
    "mobilenet_v1_025": 475_544,
    **{f"shufflenet_v1_g{g}": shufflenet_v1_parameters(g, w) for g, w in SHUFFLENET_V1_WIDTHS.items()},
    **{
        f"shufflenet_v2_x{scale}": SHUFFLENET_V2_TORCHVISION[scale] + 2 * shufflenet_v2_bn_channels(widths)
        for scale, widths in SHUFFLENET_V2_WIDTHS.items()
    },
}

# Published multiply-adds (within 1% of our count): MobileNet v1 Table 8 (569M), ShuffleNet v1 Table 2
# (143M, 140M, 137M for g = 1, 2, 3), ShuffleNet v2 Table 8 (146M for 1.0x), torchvision squeezenet1_1
# (0.35 GFLOPS). The others differ by 1-2% (see test_efficient.py); squeezenet1_0's 0.82 GFLOPS assumes
# Caffe's rounded-up pooling.
MULTIPLY_ADDS = {
    "mobilenet_v1_100": 569e6,
    "shufflenet_v1_g1": 143e6,
    "shufflenet_v1_g2": 140e6,
    "shufflenet_v1_g3": 137e6,
    "shufflenet_v2_x1_0": 146e6,
    "squeezenet1_1": 0.35e9,
}

SMALL_SIZES = {"squeezenet": 35}
