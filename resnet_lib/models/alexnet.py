"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as torchvision builds it, plus small trainable variants.

At the defaults the layers, parameter count and ``state_dict`` keys are exactly torchvision's
``alexnet()`` (its single-GPU version: 64-192-384-256-256 filters instead of the paper's 96-256-384-384-256),
so weights load both ways. ``width``, ``hidden`` and ``image_size`` shrink it enough to train on a CPU.
"""

from typing import Any

import torch.nn as nn

from ..validation import check_int, check_number, check_positive_int
from .blocks import MLPClassifierMixin, classifier_layer, conv_output_size, kaiming_init_, smallest_input, stage_info

SMALL_STEM_BELOW = 64
"""Inputs smaller than this many pixels get a 3x3/1 stem: 11x11/4 would leave a 32x32 image only 7x7."""


def _max_pool_if_it_fits(layers: list[nn.Module], image_size: int, reduction: int) -> tuple[int, int]:
    """Append AlexNet's overlapping 3x3/2 max pool unless the map is already smaller than the window;
    return the new map size and total stride."""
    size = conv_output_size(nn.Sequential(*layers), image_size)
    if size < 3:
        return size, reduction
    layers.append(nn.MaxPool2d(kernel_size=3, stride=2))
    return conv_output_size(nn.Sequential(*layers), image_size), 2 * reduction


def alexnet_classifier(in_features: int, hidden: int, num_classes: int, dropout: float) -> nn.Sequential:
    """AlexNet's head, in the paper and in torchvision: dropout, two hidden fully connected layers with ReLU, then
    the class scores (``num_classes=0``: the identity). torchvision's layout, so the keys (``classifier.1``, ``.4``,
    ``.6``) match its AlexNet."""
    return nn.Sequential(
        nn.Dropout(p=dropout),
        nn.Linear(in_features, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
        classifier_layer(hidden, num_classes),
    )


class AlexNet(MLPClassifierMixin, nn.Module):
    """Five convolutions and three fully connected layers, ReLU everywhere and dropout in the classifier.

    Adaptation to small inputs (``image_size < 64``): the 11x11 stride-4 stem becomes a 3x3 stride-1
    convolution (padding 1); any max pool whose input is already smaller than its 3x3 window is left out;
    the adaptive average pool targets ``min(6, final map size)`` instead of 6x6, so the first fully
    connected layer sees the real map rather than a blown-up copy. At ``image_size >= 64`` nothing changes.
    """

    def __init__(
        self,
        *,
        num_classes: int = 1000,
        in_channels: int = 3,
        width: int = 64,
        hidden: int = 4096,
        image_size: int = 224,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        check_positive_int("width", width)
        check_positive_int("hidden", hidden)
        check_positive_int("image_size", image_size)
        check_number("dropout", dropout, 0.0, 1.0, high_inclusive=False)
        # torchvision's 64-192-384-256-256, expressed as multiples of the first stage.
        c1, c2, c3, c4, c5 = width, 3 * width, 6 * width, 4 * width, 4 * width

        layers: list[nn.Module] = []
        if image_size >= SMALL_STEM_BELOW:
            layers.append(nn.Conv2d(in_channels, c1, kernel_size=11, stride=4, padding=2))
            reduction = 4
        else:
            layers.append(nn.Conv2d(in_channels, c1, kernel_size=3, stride=1, padding=1))
            reduction = 1
        layers.append(nn.ReLU(inplace=True))
        self.feature_info = [stage_info(c1, reduction, f"features.{len(layers) - 1}")]
        size, reduction = _max_pool_if_it_fits(layers, image_size, reduction)
        layers += [nn.Conv2d(c1, c2, kernel_size=5, padding=2), nn.ReLU(inplace=True)]
        self.feature_info.append(stage_info(c2, reduction, f"features.{len(layers) - 1}"))
        size, reduction = _max_pool_if_it_fits(layers, image_size, reduction)
        layers += [nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(c3, c4, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(c4, c5, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
        self.feature_info.append(stage_info(c5, reduction, f"features.{len(layers) - 1}"))
        size, reduction = _max_pool_if_it_fits(layers, image_size, reduction)
        self.features = nn.Sequential(*layers)
        self.image_size = image_size
        self.min_input_size = smallest_input(self.features)
        self.num_features, self.head_hidden_size = c5, hidden

        pooled = min(6, size)
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        self.classifier = alexnet_classifier(c5 * pooled * pooled, hidden, num_classes, dropout)
        # He init everywhere (the paper used N(0, 0.01^2)); see kaiming_init_ for why not a fixed std.
        kaiming_init_(self, init_linear=True)


def alexnet(**kwargs: Any) -> AlexNet:
    """AlexNet; the defaults equal torchvision's ``alexnet()`` (61.1M parameters).

    Keyword arguments go to AlexNet: num_classes, in_channels, width, hidden, image_size, dropout.
    A CPU-sized Fashion-MNIST variant: ``alexnet(num_classes=10, in_channels=1, width=16, hidden=256, image_size=28)``.
    """
    return AlexNet(**kwargs)
