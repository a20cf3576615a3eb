"""The ImageNet accuracy each registered model's paper reports for exactly that model, with the table it is from.

Percentages on the ILSVRC-2012 validation set (accuracy = 100 - the paper's error). Single crop wherever the
paper gives it; otherwise the source names the paper's test protocol. A model whose paper reports no ImageNet
figure for it (CIFAR and MNIST models, variants the paper never trained) is absent: nothing is estimated.
"""

from __future__ import annotations

from keras_cnns.checks import check_type

_VGG = "Very Deep Convolutional Networks (Simonyan & Zisserman 2014), Table 3"
_RESNET = "Deep Residual Learning (He et al. 2015)"
_DENSENET = "Densely Connected Convolutional Networks (Huang et al. 2016), Table 3 (single crop)"
_MOBILENET = "MobileNets (Howard et al. 2017), Table 6 (width multiplier, 224 input)"
_SHUFFLENET_V1 = ("ShuffleNet (Zhang et al. 2017, CVPR 2018 version = arXiv v2), Table 2, row 'ShuffleNet 1x' "
                  "(single 224 center crop of the 256 image; the paper reports no top-5)")
_SHUFFLENET_V2 = "ShuffleNet V2 (Ma et al. 2018), Table 8 (single crop, 224 input)"
_SQUEEZENET = "SqueezeNet (Iandola et al. 2016)"
_INCEPTION_V4 = "Inception-v4, Inception-ResNet (Szegedy et al. 2016), Table 2 (single crop, single model)"

PAPER_ACCURACY = {
    "alexnet": {"top1": 59.3, "top5": 81.8,
                "source": "ImageNet Classification with Deep CNNs (Krizhevsky et al. 2012), Table 2, row '1 CNN' "
                          "(ILSVRC-2012 val; 10 crops: 5 patches and their reflections)"},
    "vgg11": {"top1": 70.4, "top5": 89.6, "source": f"{_VGG}, config A (single test scale, S=256, Q=256)"},
    "vgg11_lrn": {"top1": 70.3, "top5": 89.5, "source": f"{_VGG}, config A-LRN (single test scale, S=256, Q=256)"},
    "vgg13": {"top1": 71.3, "top5": 90.1, "source": f"{_VGG}, config B (single test scale, S=256, Q=256)"},
    "vgg16_c": {"top1": 71.9, "top5": 90.6, "source": f"{_VGG}, config C (single test scale, S=256, Q=256)"},
    "vgg16": {"top1": 73.0, "top5": 91.2, "source": f"{_VGG}, config D (single test scale, S=256, Q=256)"},
    "vgg19": {"top1": 72.7, "top5": 91.0, "source": f"{_VGG}, config E (single test scale, S=256, Q=256)"},
    "zfnet": {"top1": 61.6, "top5": 83.5,
              "source": "Visualizing and Understanding Convolutional Networks (Zeiler & Fergus 2013, arXiv v3 = "
                        "ECCV 2014), Table 2, row '1 convnet as per Fig. 3' (ILSVRC-2012 val)"},
    "googlenet": {"top1": None, "top5": 89.93,
                  "source": "Going Deeper with Convolutions (Szegedy et al. 2014), Table 3, row '1 model, 1 crop' "
                            "(the paper reports no top-1)"},
    "inception_v2": {"top1": 74.8, "top5": 92.2,
                     "source": f"{_INCEPTION_V4}, row BN-Inception (the Batch Normalization paper itself gives "
                               "no single-crop top-5)"},
    "inception_v3": {"top1": 78.8, "top5": 94.4,
                     "source": "Rethinking the Inception Architecture (Szegedy et al. 2015), Table 3, row "
                               "'Inception-v2 BN-auxiliary' = Inception-v3 (single crop, 299 input)"},
    "inception_v4": {"top1": 80.0, "top5": 95.0, "source": f"{_INCEPTION_V4}, row Inception-v4"},
    "inception_resnet_v1": {"top1": 78.7, "top5": 94.5, "source": f"{_INCEPTION_V4}, row Inception-ResNet-v1"},
    "inception_resnet_v2": {"top1": 80.1, "top5": 95.1, "source": f"{_INCEPTION_V4}, row Inception-ResNet-v2"},
    "resnet18": {"top1": 72.12, "top5": None,
                 "source": f"{_RESNET}, Table 2, ResNet-18 (10-crop; the paper reports no top-5)"},
    "resnet34": {"top1": 75.48, "top5": 92.54, "source": f"{_RESNET}, Table 3, ResNet-34 B (10-crop)"},
    "resnet50": {"top1": 77.15, "top5": 93.29, "source": f"{_RESNET}, Table 3, ResNet-50 (10-crop)"},
    "resnet101": {"top1": 78.25, "top5": 93.95, "source": f"{_RESNET}, Table 3, ResNet-101 (10-crop)"},
    "resnet152": {"top1": 78.57, "top5": 94.29, "source": f"{_RESNET}, Table 3, ResNet-152 (10-crop)"},
    "densenet121": {"top1": 74.98, "top5": 92.29, "source": f"{_DENSENET}, DenseNet-121 (k=32)"},
    "densenet169": {"top1": 76.20, "top5": 93.15, "source": f"{_DENSENET}, DenseNet-169 (k=32)"},
    "densenet201": {"top1": 77.42, "top5": 93.66, "source": f"{_DENSENET}, DenseNet-201 (k=32)"},
    "densenet264": {"top1": 77.85, "top5": 93.88, "source": f"{_DENSENET}, DenseNet-264 (k=32)"},
    "mobilenet_v1_100": {"top1": 70.6, "top5": None, "source": f"{_MOBILENET}, 1.0 MobileNet-224"},
    "mobilenet_v1_075": {"top1": 68.4, "top5": None, "source": f"{_MOBILENET}, 0.75 MobileNet-224"},
    "mobilenet_v1_050": {"top1": 63.7, "top5": None, "source": f"{_MOBILENET}, 0.5 MobileNet-224"},
    "mobilenet_v1_025": {"top1": 50.6, "top5": None, "source": f"{_MOBILENET}, 0.25 MobileNet-224"},
    "shufflenet_v1_g1": {"top1": 66.4, "top5": None, "source": f"{_SHUFFLENET_V1}, g=1"},
    "shufflenet_v1_g2": {"top1": 67.3, "top5": None, "source": f"{_SHUFFLENET_V1}, g=2"},
    "shufflenet_v1_g3": {"top1": 67.4, "top5": None, "source": f"{_SHUFFLENET_V1}, g=3"},
    "shufflenet_v1_g4": {"top1": 67.2, "top5": None, "source": f"{_SHUFFLENET_V1}, g=4"},
    "shufflenet_v1_g8": {"top1": 67.6, "top5": None, "source": f"{_SHUFFLENET_V1}, g=8"},
    "shufflenet_v2_x0_5": {"top1": 60.3, "top5": None, "source": f"{_SHUFFLENET_V2}, ShuffleNet v2 0.5x"},
    "shufflenet_v2_x1_0": {"top1": 69.4, "top5": None, "source": f"{_SHUFFLENET_V2}, ShuffleNet v2 1x"},
    "shufflenet_v2_x1_5": {"top1": 72.6, "top5": None, "source": f"{_SHUFFLENET_V2}, ShuffleNet v2 1.5x"},
    "shufflenet_v2_x2_0": {"top1": 74.9, "top5": None, "source": f"{_SHUFFLENET_V2}, ShuffleNet v2 2x"},
    "squeezenet1_0": {"top1": 57.5, "top5": 80.3, "source": f"{_SQUEEZENET}, Table 2, SqueezeNet (uncompressed)"},
    "squeezenet1_0_simple_bypass": {"top1": 60.4, "top5": 82.5,
                                    "source": f"{_SQUEEZENET}, Table 3, SqueezeNet + simple bypass"},
    "squeezenet1_0_complex_bypass": {"top1": 58.8, "top5": 82.0,
                                     "source": f"{_SQUEEZENET}, Table 3, SqueezeNet + complex bypass"},
}


def paper_accuracy(name: str) -> dict | None:
    """{"top1", "top5", "source"} that model `name`'s paper reports on ImageNet (a copy), or None if it reports none.

    `top1`/`top5` are percentages; either may be None where the paper gives only the other.
    """
    check_type("name", name, str)
    entry = PAPER_ACCURACY.get(name)
    return None if entry is None else dict(entry)
