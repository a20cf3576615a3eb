"""References for ResNet and DenseNet; see references.py.

Keras counts a batch norm layer as 4 parameters per channel (gamma, beta and the non-trainable moving mean
and variance); torchvision and the papers count gamma and beta only. keras.applications' ResNet v1 has
biases in every convolution (all followed by batch norm); torchvision's has none.
"""


def cifar_resnet_parameters(depth, classes=10, conv_bias=True, moving_statistics=True):
    """Section 4.2: a 3x3 conv of 16, then 3 stages of n = (depth - 2) / 6 basic blocks (two 3x3 convs)
    of 16, 32, 64 filters, option A shortcuts (no weights), global average pooling, a `classes`-way FC.
    Every convolution is followed by batch norm."""
    n = (depth - 2) // 6
    convolutions = [(3, 16)]
    for width in (16, 32, 64):
        convolutions += [(convolutions[-1][1], width)] + [(width, width)] * (2 * n - 1)
    per_channel = 2 + (1 if conv_bias else 0) + (2 if moving_statistics else 0)
    return sum(9 * c_in * c_out + per_channel * c_out for c_in, c_out in convolutions) + 64 * classes + classes


def densenet_parameters(blocks, growth_rate=32, compression=0.5, bottleneck=True, classes=1000):
    """Table 1 / section 3: stem 7x7 conv of 2k maps + BN; per dense layer BN + 1x1 conv of 4k + BN + 3x3
    conv of k (BN + 3x3 conv without the bottleneck); per transition BN + 1x1 conv to floor(theta x maps);
    a final BN and the FC classifier. No convolution has a bias; batch norm is 4 per channel here."""
    k = growth_rate
    maps = 2 * k
    total = 7 * 7 * 3 * maps + 4 * maps
    for index, layers_in_block in enumerate(blocks):
        for _ in range(layers_in_block):
            if bottleneck:
                total += 4 * maps + maps * 4 * k + 4 * 4 * k + 9 * 4 * k * k
            else:
                total += 4 * maps + 9 * maps * k
            maps += k
        if index < len(blocks) - 1:
            reduced = int(maps * compression)
            total += 4 * maps + maps * reduced
            maps = reduced
    return total + 4 * maps + maps * classes + classes


def cifar_densenet_parameters(blocks, growth_rate=12, compression=0.5, bottleneck=True, classes=10, channels=3,
                              moving_statistics=True):
    """Section 3, CIFAR: a 3x3 convolution of 2k maps (DenseNet-BC; 16 otherwise) straight into the first dense
    block; dense layers and transitions as `densenet_parameters`; a final BN and the FC classifier."""
    k = growth_rate
    bn = 4 if moving_statistics else 2
    maps = 2 * k if bottleneck and compression < 1 else 16
    total = 9 * channels * maps
    for index, layers_in_block in enumerate(blocks):
        for _ in range(layers_in_block):
            if bottleneck:
                total += bn * maps + maps * 4 * k + bn * 4 * k + 9 * 4 * k * k
            else:
                total += bn * maps + 9 * maps * k
            maps += k
        if index < len(blocks) - 1:
            reduced = int(maps * compression)
            total += bn * maps + maps * reduced
            maps = reduced
    return total + bn * maps + maps * classes + classes


# Batch-norm channels of ResNet-18 / 34 (one per convolution output channel): conv1 64; per stage
# blocks x 2 x width, plus the width again for the projection of stages conv3-conv5.
RESNET18_BN_CHANNELS = 64 + 2 * 2 * 64 + (2 * 2 * 128 + 128) + (2 * 2 * 256 + 256) + (2 * 2 * 512 + 512)  # 4,800
RESNET34_BN_CHANNELS = 64 + 3 * 2 * 64 + (4 * 2 * 128 + 128) + (6 * 2 * 256 + 256) + (3 * 2 * 512 + 512)  # 8,512

PARAMETERS = {
    # torchvision resnet18 / resnet34 (11,689,512 / 21,797,672: convs without bias, BN gamma/beta, FC),
    # plus one conv bias and two moving statistics per batch-norm channel.
    "resnet18": 11_689_512 + 3 * RESNET18_BN_CHANNELS,
    "resnet34": 21_797_672 + 3 * RESNET34_BN_CHANNELS,
    # keras.applications ResNet50 / ResNet101 / ResNet152 (model.count_params()).
    "resnet50": 25_636_712,
    "resnet101": 44_707_176,
    "resnet152": 60_419_944,
    # CIFAR-10 ResNets. Without conv biases and moving statistics the formula gives 269,722 / 464,154 /
    # 658,586 / 853,018 / 1,727,962: the paper's Table 6 figures 0.27M / 0.46M / 0.66M / 0.85M / 1.7M.
    "resnet20": cifar_resnet_parameters(20),
    "resnet32": cifar_resnet_parameters(32),
    "resnet44": cifar_resnet_parameters(44),
    "resnet56": cifar_resnet_parameters(56),
    "resnet110": cifar_resnet_parameters(110),
    # keras.applications DenseNet121 / 169 / 201; the formula above gives the same three figures (the
    # tests check it) and DenseNet-264's.
    "densenet121": 8_062_504,
    "densenet169": 14_307_880,
    "densenet201": 20_242_984,
    "densenet264": densenet_parameters((6, 12, 64, 48)),
}

# torchvision's GFLOPS column (multiply-adds). ResNet-50/101/152 are left out: torchvision's v1.5 puts the
# stride on the 3x3 convolution, keras.applications (and this package) on the first 1x1 one.
MULTIPLY_ADDS = {
    "resnet18": 1.81e9,
    "resnet34": 3.66e9,
    "densenet121": 2.83e9,
    "densenet169": 3.36e9,
    "densenet201": 4.29e9,
}

SMALL_SIZES = {"resnet": 32, "densenet": 32}
