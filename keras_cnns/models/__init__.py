"""One module per CNN family; importing this package registers every model."""

from keras_cnns.models import alexnet, allconv, lenet, nin, vgg, zfnet  # noqa: F401
