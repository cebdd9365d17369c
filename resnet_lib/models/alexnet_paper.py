"""AlexNet as the paper drew it (Krizhevsky, Sutskever and Hinton, 2012, Figure 2).

``models.alexnet`` is torchvision's one-GPU variant (64-192-384-256-256 kernels, no normalisation). The paper's
net has 96-256-384-384-256 kernels split over two GPUs: the second, fourth and fifth convolutions see only the
half of the previous layer that sits on their own GPU. A convolution with ``groups=2`` computes exactly that on
one device. Local response normalisation follows the first two convolutions (after their ReLU, before pooling).
"""

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn as nn

from ..validation import check_bool, check_int, check_number, check_positive_int
from .alexnet import alexnet_classifier
from .blocks import MLPClassifierMixin, _tracing, check_input, conv_output_size, kaiming_init_, smallest_input, stage_info

PAPER_WIDTHS = (96, 256, 384, 384, 256)
"""Kernels per convolution in the paper, both GPUs together (48-128-192-192-128 on each)."""

GROUPED = (False, True, False, True, True)
"""Which convolutions see only their own GPU's half of the previous layer: the 2nd, 4th and 5th."""


def local_response_norm() -> nn.LocalResponseNorm:
    """The paper's normalisation, b = a / (k + alpha * sum of a^2 over n neighbouring channels)^beta,
    with k=2, n=5, alpha=1e-4, beta=0.75. PyTorch divides alpha by n, so it gets 5 * 1e-4."""
    return nn.LocalResponseNorm(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)


class PaperAlexNet(MLPClassifierMixin, nn.Module):
    """Five convolutions (grouped where the paper split them), LRN, overlapping 3x3/2 max pooling, three
    fully connected layers with dropout. ``groups=1`` joins the two halves: every kernel sees every map.

    There is no adaptive pool (``avgpool`` is the identity): the first fully connected layer takes the map of an
    ``image_size`` x ``image_size`` input as it is, so other input sizes are refused with a clear message.
    """

    def __init__(
        self,
        *,
        groups: int = 2,
        lrn: bool = True,
        widths: Sequence[int] = PAPER_WIDTHS,
        num_classes: int = 1000,
        in_channels: int = 3,
        hidden: int = 4096,
        image_size: int = 224,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        check_int("groups", groups, minimum=1)
        check_bool("lrn", lrn)
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) != 5:
            raise TypeError(f"widths must be a sequence of five ints (one per convolution), got widths={widths!r}")
        for index, width in enumerate(widths):
            check_positive_int(f"widths[{index}]", width)
            if width % groups:
                raise ValueError(f"widths[{index}] must be divisible by groups={groups}, got {width}")
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        check_positive_int("hidden", hidden)
        check_int("image_size", image_size, minimum=67)  # smaller inputs leave no pixel after the last pool
        check_number("dropout", dropout, 0.0, 1.0, high_inclusive=False)

        kernels, strides, paddings = (11, 5, 3, 3, 3), (4, 1, 1, 1, 1), (2, 2, 1, 1, 1)
        layers: list[nn.Module] = []
        self.feature_info = []
        channels, reduction = in_channels, 1
        for index, width in enumerate(widths):
            layers.append(nn.Conv2d(channels, width, kernels[index], stride=strides[index],
                                    padding=paddings[index], groups=groups if GROUPED[index] else 1))
            layers.append(nn.ReLU(inplace=True))
            reduction *= strides[index]
            if index < 2 and lrn:
                layers.append(local_response_norm())
            if index in (0, 1, 4):
                # A stage ends before each pool: its last layer is the feature point, as in AlexNet and VGG.
                self.feature_info.append(stage_info(width, reduction, f"features.{len(layers) - 1}"))
                layers.append(nn.MaxPool2d(kernel_size=3, stride=2))
                reduction *= 2
            channels = width
        self.features = nn.Sequential(*layers)
        self.image_size = image_size
        self.min_input_size = smallest_input(self.features)
        self.map_size = conv_output_size(self.features, image_size)
        self.num_features, self.head_hidden_size = channels, hidden
        self.avgpool = nn.Identity()  # the paper's net has none: see the class docstring
        self.classifier = alexnet_classifier(channels * self.map_size ** 2, hidden, num_classes, dropout)
        kaiming_init_(self, init_linear=True)  # the paper drew N(0, 0.01^2); see kaiming_init_ for why not

    def _prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels, self.min_input_size)
        check_built_size(x, self.features, self.image_size, self.map_size)
        return x

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_scripting():
            self._prepare_input(x)
        return self.features(x)


@torch.jit.unused
def check_built_size(x: torch.Tensor, features: nn.Module, image_size: int, map_size: int) -> None:
    """A net whose first fully connected layer is sized for one map takes only inputs that give that map."""
    if _tracing():
        return
    height, width = int(x.shape[-2]), int(x.shape[-1])
    if conv_output_size(features, height) != map_size or conv_output_size(features, width) != map_size:
        raise ValueError(f"input must be {image_size}x{image_size} (the net was built with image_size={image_size}, "
                         f"its classifier takes a {map_size}x{map_size} map), got shape {tuple(x.shape)}; "
                         f"build it with image_size={height} for other inputs")


def alexnet_paper(**kwargs: Any) -> PaperAlexNet:
    """The paper's AlexNet: 60,965,224 parameters with ``groups=2``, 62,378,344 with ``groups=1``.

    Keyword arguments go to PaperAlexNet: groups, lrn, widths, num_classes, in_channels, hidden, image_size, dropout.
    """
    return PaperAlexNet(**kwargs)
