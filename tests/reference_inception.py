"""References for GoogLeNet, Inception v2/v3/v4 and Inception-ResNet v1/v2; see references.py.

Counts not published as a single figure are added up here from the papers' tables and figures, with
Keras' convention: a convolution followed by batch norm has no bias, and the batch norm without scale
(the ReLU follows) counts beta + moving mean + moving variance = 3 per channel.
"""


def conv(kernel, cin, cout, bias=True):
    """Weights of a convolution; `kernel` is k (k x k) or (kh, kw)."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return kh * kw * cin * cout + (cout if bias else 0)


def conv_bn(kernel, cin, cout):
    return conv(kernel, cin, cout, bias=False) + 3 * cout


def chain(cin, *steps, layer=conv_bn):
    """A branch of (kernel, filters) convolutions; returns (parameters, output channels)."""
    total = 0
    for kernel, cout in steps:
        total, cin = total + layer(kernel, cin, cout), cout
    return total, cin


def dense(cin, cout):
    return cin * cout + cout


# GoogLeNet, Table 1 (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj), convolutions with bias.
def googlenet_module(cin, n1, r3, n3, r5, n5, proj):
    return (conv(1, cin, n1) + conv(1, cin, r3) + conv(3, r3, n3) + conv(1, cin, r5) + conv(5, r5, n5)
            + conv(1, cin, proj)), n1 + n3 + n5 + proj


def googlenet_parameters(aux=False):
    total = conv(7, 3, 64) + conv(1, 64, 64) + conv(3, 64, 192)
    cin = 192
    for row in [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), (192, 96, 208, 16, 48, 64),
                (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
                (256, 160, 320, 32, 128, 128), (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]:
        params, cin = googlenet_module(cin, *row)
        total += params
    total += dense(cin, 1000)
    if aux:  # on 4a (512 channels) and 4d (528): 1x1 conv 128 on 4x4, FC 1024, classifier
        total += sum(conv(1, c, 128) + dense(4 * 4 * 128, 1024) + dense(1024, 1000) for c in (512, 528))
    return total


# BN-Inception, Figure 5: (#1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool projection); 3c and
# 4e have stride 2, no 1x1 branch and pass the pooled input through (no projection).
BN_INCEPTION_FIGURE_5 = {"3a": (64, 64, 64, 64, 96, 32), "3b": (64, 64, 96, 64, 96, 64), "3c": (0, 128, 160, 64, 96, 0),
                         "4a": (224, 64, 96, 96, 128, 128), "4b": (192, 96, 128, 96, 128, 128),
                         "4c": (160, 128, 160, 128, 160, 128), "4d": (96, 128, 192, 160, 192, 128),
                         "4e": (0, 128, 192, 192, 256, 0), "5a": (352, 192, 320, 160, 224, 128),
                         "5b": (352, 192, 320, 192, 224, 128)}  # fmt: skip
# An outside check of that transcription: each module's output (grid at 224x224, channels) in the released
# BN-Inception (Xiong's Caffe model, as ported in Cadene's pretrainedmodels `bninception`, whose per-module
# comments give these widths; 4c-4e differ from the sizes Figure 5 prints, which do not add up).
BN_INCEPTION_OUTPUTS = {"3a": (28, 256), "3b": (28, 320), "3c": (14, 576), "4a": (14, 576), "4b": (14, 576),
                        "4c": (14, 608), "4d": (14, 608), "4e": (7, 1056), "5a": (7, 1024), "5b": (7, 1024)}


def bn_inception_parameters():
    total = conv_bn(7, 3, 64) + conv_bn(1, 64, 64) + conv_bn(3, 64, 192)
    cin = 192
    for name, (n1, r3, n3, rd, nd, proj) in BN_INCEPTION_FIGURE_5.items():
        total += (conv_bn(1, cin, n1) if n1 else 0) + conv_bn(1, cin, r3) + conv_bn(3, r3, n3)
        total += conv_bn(1, cin, rd) + conv_bn(3, rd, nd) + conv_bn(3, nd, nd) + (conv_bn(1, cin, proj) if proj else 0)
        cin = n1 + n3 + nd + (proj if proj else cin)  # stride-2 modules pass the pooled input through
        assert cin == BN_INCEPTION_OUTPUTS[name][1], f"BN-Inception {name}: {cin} channels"
    return total + dense(cin, 1000)


# Inception-ResNet v1, Figure 15 (the schema): grid, channels and number of modules of each stage.
INCEPTION_RESNET_V1_STAGES = {"inception_resnet_a": (35, 256, 5), "inception_resnet_b": (17, 896, 10),
                              "inception_resnet_c": (8, 1792, 5)}


# Figures 10-14: stem (Figure 14) 3x3/32, 3x3/32, 3x3/64, 1x1/80, 3x3/192, 3x3/256.
def inception_resnet_v1_parameters():
    (_, a_channels, a_count), (_, b_channels, b_count), (_, c_channels, c_count) = INCEPTION_RESNET_V1_STAGES.values()
    total, stem_channels = chain(3, (3, 32), (3, 32), (3, 64), (1, 80), (3, 192), (3, 256))
    assert stem_channels == a_channels
    block_a = (conv_bn(1, 256, 32) + chain(256, (1, 32), (3, 32))[0] + chain(256, (1, 32), (3, 32), (3, 32))[0]
               + conv(1, 96, 256))
    # Reduction-A (Figure 7, Table 1: k=l=192, m=256, n=384): max pool (256) + n + m.
    n_branch, (k_l_m_branch, m) = conv_bn(3, 256, 384), chain(256, (1, 192), (3, 192), (3, 256))
    reduction_a = n_branch + k_l_m_branch
    assert 256 + 384 + m == b_channels
    block_b = conv_bn(1, 896, 128) + chain(896, (1, 128), ((1, 7), 128), ((7, 1), 128))[0] + conv(1, 256, 896)
    branches_b = [chain(896, (1, 256), (3, 384)), chain(896, (1, 256), (3, 256)),
                  chain(896, (1, 256), (3, 256), (3, 256))]  # Figure 12, next to the max pool
    reduction_b = sum(params for params, _ in branches_b)
    assert 896 + sum(channels for _, channels in branches_b) == c_channels
    block_c = conv_bn(1, 1792, 192) + chain(1792, (1, 192), ((1, 3), 192), ((3, 1), 192))[0] + conv(1, 384, 1792)
    return (total + a_count * block_a + reduction_a + b_count * block_b + reduction_b + c_count * block_c
            + dense(1792, 1000))


PARAMETERS = {
    # Caffe's bvlc_googlenet (Table 1, with biases): 6,998,552; the auxiliary classifiers add 6,379,728.
    "googlenet": googlenet_parameters(),
    "inception_v2": bn_inception_parameters(),
    "inception_v3": 23_851_784,  # keras.applications.InceptionV3
    # timm / Cadene's inception_v4 (PyTorch BN with gamma and beta): 42,679,816 parameters. Keras' BN without
    # scale but with moving statistics counts one more per channel: the convolutions output
    # stem 864 + Inception-A 4 x 608 + Reduction-A 1,056 + Inception-B 7 x 2,272 + Reduction-B 1,536
    # + Inception-C 3 x 3,264 = 31,584 channels.
    "inception_v4": 42_679_816 + 864 + 4 * 608 + 1_056 + 7 * 2_272 + 1_536 + 3 * 3_264,
    "inception_resnet_v1": inception_resnet_v1_parameters(),
    "inception_resnet_v2": 55_873_736,  # keras.applications.InceptionResNetV2
}

# The papers' quoted figures the tests check against with a tolerance.
INCEPTION_V4_PUBLISHED_PARAMETERS = 42.7e6  # the figure (timm: 42.68M)

# Multiply-adds per image: torchvision's GFLOPS column for inception_v3 (the same graph, aux head off).
MULTIPLY_ADDS = {"inception_v3": 5.71e9}

SMALL_SIZES = {"googlenet": 32, "inception_v2": 32, "inception": 75, "inception_resnet": 75}
