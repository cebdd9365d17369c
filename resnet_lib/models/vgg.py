"""VGG (Simonyan and Zisserman, 2015) as torchvision builds it, plus small trainable variants.

Only 3x3 convolutions, channels doubling after each 2x2 max pool up to 512. At the defaults every builder
matches torchvision's model of the same name (parameter count and ``state_dict`` keys), so weights load
both ways. ``width``, ``hidden`` and ``image_size`` shrink it enough to train on a CPU.
"""

from typing import Any

import torch.nn as nn

from ..validation import check_callable, check_choice, check_number, check_positive_int
from .blocks import MLPClassifierMixin, NormLayer, kaiming_init_, output_size, stage_info

# Paper configurations A, B, D, E by depth (weight layers). Numbers are conv widths for width=64, "M" a max pool.
VGG_CONFIGS: dict[int, list[int | str]] = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [
        64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"
    ],
}


def make_layers(
    config: list[int | str],
    norm_layer: NormLayer | None = None,
    in_channels: int = 3,
    width: int = 64,
    image_size: int = 224,
) -> tuple[nn.Sequential, int, int, list[dict[str, Any]]]:
    """The convolutional part; returns it with its output channels, map size and ``feature_info``.

    ``norm_layer=None`` builds the paper's nets (no normalisation); ``nn.BatchNorm2d`` torchvision's ``*_bn``.

    Widths scale with ``width``: 64, 128, 256, 512 become 1, 2, 4 and 8 times ``width``.
    A 2x2 max pool is left out once the map is 1x1, so 28x28 and 16x16 inputs still work: the pools that
    remain shrink the map to 1x1 and the net keeps all its convolutions.
    """
    layers: list[nn.Module] = []
    feature_info: list[dict[str, Any]] = []
    channels, size, reduction = in_channels, image_size, 1
    for item in config:
        if item == "M":
            # A stage ends before each pool: its last ReLU is the feature point, as in timm.
            feature_info.append(stage_info(channels, reduction, f"features.{len(layers) - 1}"))
            if size >= 2:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                size, reduction = output_size(size, kernel_size=2, stride=2), 2 * reduction
            continue
        out_channels = int(item) // 64 * width
        layers.append(nn.Conv2d(channels, out_channels, kernel_size=3, padding=1))
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        layers.append(nn.ReLU(inplace=True))
        channels = out_channels
    return nn.Sequential(*layers), channels, size, feature_info


def vgg_classifier(in_features: int, hidden: int, num_classes: int, dropout: float) -> nn.Sequential:
    """VGG's head: two hidden fully connected layers with ReLU and dropout, then the class scores.

    Torchvision's layout, so the state_dict keys (`classifier.0`, `.3`, `.6`) match its VGG.
    """
    return nn.Sequential(
        nn.Linear(in_features, hidden),
        nn.ReLU(True),
        nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden),
        nn.ReLU(True),
        nn.Dropout(p=dropout),
        nn.Linear(hidden, num_classes),
    )


class VGG(MLPClassifierMixin, nn.Module):
    """Stacks of 3x3 convolutions, then three fully connected layers with dropout.

    The adaptive average pool targets ``min(7, final map size)``: 7x7 at 224x224 as torchvision, the real map
    (no blown-up copy) for small inputs, which keeps the first fully connected layer small.
    """

    def __init__(
        self,
        depth: int = 16,
        *,
        norm_layer: NormLayer | None = None,
        num_classes: int = 1000,
        in_channels: int = 3,
        width: int = 64,
        hidden: int = 4096,
        image_size: int = 224,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        check_choice("depth", depth, tuple(VGG_CONFIGS))
        if norm_layer is not None:
            check_callable("norm_layer", norm_layer, "nn.BatchNorm2d, or None for no normalisation")
        check_positive_int("num_classes", num_classes)
        check_positive_int("in_channels", in_channels)
        check_positive_int("width", width)
        check_positive_int("hidden", hidden)
        check_positive_int("image_size", image_size)
        check_number("dropout", dropout, 0.0, 1.0, high_inclusive=False)
        self.in_channels = in_channels

        self.features, channels, size, self.feature_info = make_layers(
            VGG_CONFIGS[depth], norm_layer, in_channels, width, image_size
        )
        pooled = min(7, size)
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        self.classifier = vgg_classifier(channels * pooled * pooled, hidden, num_classes, dropout)
        kaiming_init_(self, init_linear=True)  # see kaiming_init_ for why not torchvision's N(0, 0.01^2)



def _vgg(depth: int, norm_layer: NormLayer | None, **kwargs: Any) -> VGG:
    return VGG(depth, norm_layer=norm_layer, **kwargs)


# One small factory per configuration, as torchvision. Keyword arguments go to VGG: num_classes, in_channels,
# width, hidden, image_size, dropout.


def vgg11(**kwargs: Any) -> VGG:
    """VGG configuration A (11 weight layers), 132.9M parameters at the defaults."""
    return _vgg(11, None, **kwargs)


def vgg11_bn(**kwargs: Any) -> VGG:
    """VGG-11 with BatchNorm after every convolution (not in the paper; it lets deep VGGs train from scratch)."""
    return _vgg(11, nn.BatchNorm2d, **kwargs)


def vgg13(**kwargs: Any) -> VGG:
    """VGG configuration B (13 weight layers), 133.0M parameters at the defaults."""
    return _vgg(13, None, **kwargs)


def vgg13_bn(**kwargs: Any) -> VGG:
    """VGG-13 with BatchNorm after every convolution."""
    return _vgg(13, nn.BatchNorm2d, **kwargs)


def vgg16(**kwargs: Any) -> VGG:
    """VGG configuration D (16 weight layers), 138.4M parameters at the defaults."""
    return _vgg(16, None, **kwargs)


def vgg16_bn(**kwargs: Any) -> VGG:
    """VGG-16 with BatchNorm after every convolution."""
    return _vgg(16, nn.BatchNorm2d, **kwargs)


def vgg19(**kwargs: Any) -> VGG:
    """VGG configuration E (19 weight layers), 143.7M parameters at the defaults."""
    return _vgg(19, None, **kwargs)


def vgg19_bn(**kwargs: Any) -> VGG:
    """VGG-19 with BatchNorm after every convolution."""
    return _vgg(19, nn.BatchNorm2d, **kwargs)
