"""VGG (Simonyan and Zisserman, 2015) as torchvision builds it, plus small trainable variants.

Only 3x3 convolutions, channels doubling after each 2x2 max pool up to 512. At the defaults every builder
matches torchvision's model of the same name (parameter count and ``state_dict`` keys), so weights load
both ways. ``width``, ``hidden`` and ``image_size`` shrink it enough to train on a CPU.
"""

from collections.abc import Sequence
from typing import Any

import torch.nn as nn

from ..validation import check_callable, check_choice, check_int, check_number, check_positive_int
from .alexnet_paper import local_response_norm
from .blocks import MLPClassifierMixin, NormLayer, classifier_layer, kaiming_init_, smallest_input, stage_info

Layer = int | str | tuple[int, int]
"""A config entry: an int is a 3x3 convolution with that many channels (for width=64), ``(1, c)`` a 1x1
convolution, ``"M"`` a 2x2 max pool, ``"LRN"`` local response normalisation."""

VGG_PAPER_CONFIGS: dict[str, list[Layer]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (1, 256), "M", 512, 512, (1, 512), "M", 512, 512, (1, 512), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
"""The six columns of the paper's Table 1. Numbers are conv widths for width=64, "M" a max pool."""

VGG_CONFIGS: dict[int, list[Layer]] = {11: VGG_PAPER_CONFIGS["A"], 13: VGG_PAPER_CONFIGS["B"],
                                       16: VGG_PAPER_CONFIGS["D"], 19: VGG_PAPER_CONFIGS["E"]}
"""The configurations torchvision builds (A, B, D, E), by depth in weight layers."""


def vgg_layers(
    config: Sequence[Layer],
    norm_layer: NormLayer | None = None,
    in_channels: int = 3,
    width: int = 64,
    image_size: int = 224,
) -> tuple[nn.Sequential, int, int, list[dict[str, Any]], list[list[nn.Conv2d]]]:
    """The convolutional part of every VGG: returns it with its output channels, map size, ``feature_info`` and
    the convolutions of each stage (those between two pools, for the paper's staged initialisation).

    ``norm_layer=None`` builds the paper's nets (no normalisation); ``nn.BatchNorm2d`` torchvision's ``*_bn``.
    Widths scale with ``width``: 64, 128, 256, 512 become 1, 2, 4 and 8 times ``width``.
    A 2x2 max pool is left out once the map is 1x1, so 28x28 and 16x16 inputs still work: the pools that
    remain shrink the map to 1x1 and the net keeps all its convolutions.
    """
    layers: list[nn.Module] = []
    feature_info: list[dict[str, Any]] = []
    stages: list[list[nn.Conv2d]] = [[]]
    channels, size, reduction = in_channels, image_size, 1
    for item in config:
        if item == "M":
            # A stage ends before each pool: its last layer is the feature point, as in timm.
            feature_info.append(stage_info(channels, reduction, f"features.{len(layers) - 1}"))
            stages.append([])
            if size >= 2:  # a 1x1 map has nothing left to pool
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                size, reduction = size // 2, 2 * reduction
            continue
        if item == "LRN":
            layers.append(local_response_norm())
            continue
        kernel, out = item if isinstance(item, tuple) else (3, item)
        out = max(1, int(out) * width // 64)
        layers.append(nn.Conv2d(channels, out, kernel_size=kernel, padding=kernel // 2))
        stages[-1].append(layers[-1])
        if norm_layer is not None:
            layers.append(norm_layer(out))
        layers.append(nn.ReLU(inplace=True))
        channels = out
    return nn.Sequential(*layers), channels, size, feature_info, [stage for stage in stages if stage]


def make_layers(
    config: Sequence[Layer],
    norm_layer: NormLayer | None = None,
    in_channels: int = 3,
    width: int = 64,
    image_size: int = 224,
) -> tuple[nn.Sequential, int, int, list[dict[str, Any]]]:
    """:func:`vgg_layers` without the stages: the convolutional part, its output channels, map size and
    ``feature_info``."""
    return vgg_layers(config, norm_layer, in_channels, width, image_size)[:4]


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
        classifier_layer(hidden, num_classes),
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
        self._build(VGG_CONFIGS[depth], norm_layer=norm_layer, num_classes=num_classes, in_channels=in_channels,
                    width=width, hidden=hidden, image_size=image_size, dropout=dropout)

    def _build(self, config: Sequence[Layer], *, norm_layer: NormLayer | None, num_classes: int, in_channels: int,
               width: int, hidden: int, image_size: int, dropout: float) -> None:
        """Check the arguments and build the layers: the part every VGG shares, whatever its config."""
        if norm_layer is not None:
            check_callable("norm_layer", norm_layer, "nn.BatchNorm2d, or None for no normalisation")
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        check_positive_int("width", width)
        check_positive_int("hidden", hidden)
        check_positive_int("image_size", image_size)
        check_number("dropout", dropout, 0.0, 1.0, high_inclusive=False)

        self.features, channels, size, self.feature_info, self.stages = vgg_layers(
            config, norm_layer, in_channels, width, image_size
        )
        self.image_size = image_size
        self.min_input_size = smallest_input(self.features)
        self.num_features, self.head_hidden_size = channels, hidden
        pooled = min(7, size)
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        self.classifier = vgg_classifier(channels * pooled * pooled, hidden, num_classes, dropout)
        kaiming_init_(self, init_linear=True)  # see kaiming_init_ for why not torchvision's N(0, 0.01^2)


def _vgg(depth: int, default_norm: NormLayer | None, **kwargs: Any) -> VGG:
    if "norm_layer" in kwargs and default_norm is not None:
        raise TypeError(f"vgg{depth}_bn builds with nn.BatchNorm2d, got norm_layer={kwargs['norm_layer']!r}; "
                        f"use vgg{depth}(norm_layer=...) for another normalisation")
    kwargs.setdefault("norm_layer", default_norm)
    return VGG(depth, **kwargs)


# One small factory per configuration, as torchvision. Keyword arguments go to VGG: num_classes, in_channels,
# width, hidden, image_size, dropout, and for the builders without _bn norm_layer.


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
