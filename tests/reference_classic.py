"""References for the classic zoo (LeNet-5, AlexNet, ZFNet, VGG, NiN, All-Conv); see references.py."""

PARAMETERS = {
    # LeNet-5, 10 classes. Faithful: C1 156 + S2 12 + C3 1,516 (Table I) + S4 32 + C5 48,120 + F6 10,164
    # + output 850. Modern: C3 full (2,416), S2/S4 without weights: the 61,706.
    "lenet5": 60_850,
    "lenet5_modern": 61_706,
    # AlexNet: the figure for the two-stream net; torchvision's alexnet for the single stream.
    "alexnet": 60_965_224,
    "alexnet_single_stream": 61_100_840,
    # ZFNet (Fig. 3): conv 14,208 + 614,656 + 885,120 + 1,327,488 + 884,992; FC 37,752,832 + 16,781,312
    # + 4,097,000.
    "zfnet": 62_357_608,
    # VGG: keras.applications VGG16/VGG19; torchvision vgg11/vgg13 (A-LRN adds no weights). Keras counts the
    # batch-norm moving statistics as (non-trainable) parameters: + 4 x (convolution channels).
    "vgg11": 132_863_336,
    "vgg11_lrn": 132_863_336,
    "vgg11_bn": 132_863_336 + 4 * 2_752,
    "vgg13": 133_047_848,
    "vgg13_bn": 133_047_848 + 4 * 2_944,
    # Configuration C: D with block3-5's third 3x3 convolution as 1x1: 138,357,544 - 8 x (256x256 + 512x512x2).
    "vgg16_c": 138_357_544 - 8 * (256 * 256 + 2 * 512 * 512),
    "vgg16_c_bn": 138_357_544 - 8 * (256 * 256 + 2 * 512 * 512) + 4 * 4_224,
    "vgg16": 138_357_544,
    "vgg16_bn": 138_357_544 + 4 * 4_224,
    "vgg19": 143_667_240,
    "vgg19_bn": 143_667_240 + 4 * 5_504,
    # NiN. ImageNet (Caffe release): 34,944 + 2x9,312 + 614,656 + 2x65,792 + 885,120 + 2x147,840
    # + 3,539,968 + 1,049,600 + 1,025,000. CIFAR-10 (paper): 14,592 + 30,880 + 15,456 + 460,992 + 2x37,056
    # + 331,968 + 37,056 + 1,930.
    "nin": 7_595_176,
    "nin_cifar": 966_986,
    # All-Conv, 10 classes (Tables 1-2). Shared top: 3x3x192x192+192 + 192x192+192 + 192x10+10 = 370,954.
    # Model A: 5x5x3x96+96 + 5x5x96x192+192 = 468,288; B adds 96x96+96 + 192x192+192; C: 3x3 convolutions.
    # "convpool"/"all" add a 3x3 conv of 96 and one of 192 (83,040 + 331,968); "strided" adds nothing.
    "allconv_model_a": 468_288 + 370_954,
    "strided_cnn_a": 468_288 + 370_954,
    "convpool_cnn_a": 468_288 + 370_954 + 415_008,
    "all_cnn_a": 468_288 + 370_954 + 415_008,
    "allconv_model_b": 468_288 + 9_312 + 37_056 + 370_954,
    "strided_cnn_b": 468_288 + 9_312 + 37_056 + 370_954,
    "convpool_cnn_b": 468_288 + 9_312 + 37_056 + 370_954 + 415_008,
    "all_cnn_b": 468_288 + 9_312 + 37_056 + 370_954 + 415_008,
    "allconv_model_c": 2_688 + 83_040 + 166_080 + 331_968 + 370_954,
    "strided_cnn_c": 2_688 + 83_040 + 166_080 + 331_968 + 370_954,
    "convpool_cnn_c": 2_688 + 83_040 + 166_080 + 331_968 + 370_954 + 415_008,
    "all_cnn_c": 1_369_738,
}

# Multiply-adds per image, published figures: torchvision's GFLOPS column (which counts multiply-adds).
MULTIPLY_ADDS = {
    "alexnet_single_stream": 0.71e9,
    "vgg11": 7.61e9,
    "vgg13": 11.31e9,
    "vgg16": 15.47e9,
    "vgg19": 19.63e9,
}

SMALL_SIZES = {"alexnet": 67, "alexnet_single_stream": 224, "zfnet": 53, "nin": 32}
