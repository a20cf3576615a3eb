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


# BN-Inception, Figure 5: (#1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool projection).
def bn_inception_parameters():
    total = conv_bn(7, 3, 64) + conv_bn(1, 64, 64) + conv_bn(3, 64, 192)
    cin = 192
    for n1, r3, n3, rd, nd, proj in [(64, 64, 64, 64, 96, 32), (64, 64, 96, 64, 96, 64), (0, 128, 160, 64, 96, 0),
                                      (224, 64, 96, 96, 128, 128), (192, 96, 128, 96, 128, 128),
                                      (160, 128, 160, 128, 160, 128), (96, 128, 192, 160, 192, 128),
                                      (0, 128, 192, 192, 256, 0), (352, 192, 320, 160, 224, 128),
                                      (352, 192, 320, 192, 224, 128)]:
        total += (conv_bn(1, cin, n1) if n1 else 0) + conv_bn(1, cin, r3) + conv_bn(3, r3, n3)
        total += conv_bn(1, cin, rd) + conv_bn(3, rd, nd) + conv_bn(3, nd, nd) + (conv_bn(1, cin, proj) if proj else 0)
        cin = n1 + n3 + nd + (proj if proj else cin)  # stride-2 modules pass the pooled input through
    return total + dense(cin, 1000)


# Inception-ResNet v1, Figures 10-15: stem (Figure 14) 3x3/32, 3x3/32, 3x3/64, 1x1/80, 3x3/192, 3x3/256.
def inception_resnet_v1_parameters():
    total = chain(3, (3, 32), (3, 32), (3, 64), (1, 80), (3, 192), (3, 256))[0]
    block_a = (conv_bn(1, 256, 32) + chain(256, (1, 32), (3, 32))[0] + chain(256, (1, 32), (3, 32), (3, 32))[0]
               + conv(1, 96, 256))
    reduction_a = conv_bn(3, 256, 384) + chain(256, (1, 192), (3, 192), (3, 256))[0]  # k=l=192, m=256, n=384
    block_b = conv_bn(1, 896, 128) + chain(896, (1, 128), ((1, 7), 128), ((7, 1), 128))[0] + conv(1, 256, 896)
    reduction_b = (chain(896, (1, 256), (3, 384))[0] + chain(896, (1, 256), (3, 256))[0]
                   + chain(896, (1, 256), (3, 256), (3, 256))[0])  # Figure 12: 896 + 384 + 256 + 256 = 1792
    block_c = conv_bn(1, 1792, 192) + chain(1792, (1, 192), ((1, 3), 192), ((3, 1), 192))[0] + conv(1, 384, 1792)
    return total + 5 * block_a + reduction_a + 10 * block_b + reduction_b + 5 * block_c + dense(1792, 1000)


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
