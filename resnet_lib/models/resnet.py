"""ResNet for ImageNet (He, Zhang, Ren and Sun, 2016), named and built exactly as torchvision's ``resnet.py``.

Same module names and shapes, so a ``state_dict`` loads into torchvision's model of the same name with
``strict=True`` and back, and equal weights give equal outputs. Additions for the book: ``stride_in_1x1=True``
(the paper's stride placement, "ResNet v1"; torchvision's default strides in the 3x3, "v1.5"), ``residual=False`` blocks (the plain twins), and timm's interface:
``forward_features``, ``forward_head``, ``reset_classifier``, ``feature_info`` and each block's ``zero_init_last``.
"""

from typing import Any

import torch
import torch.nn as nn

from ..validation import check_bool, check_int, check_positive_int
from .blocks import (
    ClassifierMixin,
    NormLayer,
    check_input,
    classifier_layer,
    conv1x1,
    conv3x3,
    kaiming_init_,
    norm_or_default,
    stage_info,
    zero_init_blocks_,
    zero_last_,
)



class BasicBlock(nn.Module):
    """Two 3x3 convolutions plus a shortcut: the block learns a residual F(x) and outputs ReLU(F(x) + x).

    ``downsample`` maps x to the block's output shape where it differs (``None``: the identity).
    ``residual=False`` drops the shortcut entirely, giving the "plain" twin of the same layers, so residual
    and plain nets differ in nothing else. ``norm_layer`` as torchvision (default BatchNorm2d; ``nn.Identity``
    gives the nets of the days before batch normalisation).
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        norm_layer: NormLayer | None = None,
        *,
        residual: bool = True,
    ) -> None:
        super().__init__()
        check_bool("residual", residual)
        if downsample is not None and not residual:
            raise ValueError("a plain block (residual=False) has no shortcut, so downsample must be None")
        norm_layer = norm_or_default(norm_layer)
        # conv1 (and downsample) halve the map when stride is 2.
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride
        self.residual = residual

    def zero_init_last(self) -> None:
        """Start as the identity: F(x) = 0, so the block passes its (non-negative) input through."""
        zero_last_(self.bn2, self.conv2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.residual:
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
        out = self.relu(out)

        return out


class Bottleneck(nn.Module):
    """1x1 (reduce) - 3x3 - 1x1 (expand by 4): deep nets at the cost of shallow ones.

    ``stride_in_1x1=False`` (torchvision, "ResNet v1.5") strides in the 3x3 convolution;
    ``True`` strides in the first 1x1 as the paper did ("v1"), which skips 3/4 of the input positions
    but is slightly cheaper. Both have the same parameters, so their weights are interchangeable.
    """

    expansion: int = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        norm_layer: NormLayer | None = None,
        *,
        stride_in_1x1: bool = False,
    ) -> None:
        super().__init__()
        check_bool("stride_in_1x1", stride_in_1x1)
        norm_layer = norm_or_default(norm_layer)
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = conv1x1(inplanes, planes, stride_1x1)
        self.bn1 = norm_layer(planes)
        self.conv2 = conv3x3(planes, planes, stride_3x3)
        self.bn2 = norm_layer(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def zero_init_last(self) -> None:
        """Start as the identity: F(x) = 0."""
        zero_last_(self.bn3, self.conv3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)

        out = self.conv3(out)
        out = self.bn3(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(ClassifierMixin, nn.Module):
    """7x7/2 stem and 3x3/2 max pool, four stages (64-128-256-512 planes), global average pool, one fc.

    Stages 2 to 4 halve the map in their first block; a 1x1 projection (option B of the paper)
    is used only where the shortcut must change shape. ``stride_in_1x1=True`` (Bottleneck nets only) strides in
    each stage's first 1x1 convolution, as the paper and Caffe did ("v1"); the default strides in the 3x3 ("v1.5").
    """

    def __init__(
        self,
        block: type[BasicBlock | Bottleneck],
        layers: list[int],
        *,
        num_classes: int = 1000,
        in_channels: int = 3,
        zero_init_residual: bool = False,
        norm_layer: NormLayer | None = None,
        stride_in_1x1: bool = False,
    ) -> None:
        super().__init__()
        if not (isinstance(block, type) and issubclass(block, (BasicBlock, Bottleneck))):
            raise TypeError(f"block must be BasicBlock, Bottleneck or a subclass of either, got block={block!r}")
        if not isinstance(layers, (list, tuple)) or len(layers) != 4:
            raise ValueError(f"layers must list the blocks of the 4 stages, e.g. [2, 2, 2, 2], got layers={layers!r}")
        for index, count in enumerate(layers):
            check_positive_int(f"layers[{index}]", count)
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        check_bool("zero_init_residual", zero_init_residual)
        if check_bool("stride_in_1x1", stride_in_1x1) and not issubclass(block, Bottleneck):
            raise ValueError("stride_in_1x1 applies only to Bottleneck nets (ResNet-50 and deeper), got "
                             "stride_in_1x1=True with block=BasicBlock")
        self.stride_in_1x1 = stride_in_1x1
        self._norm_layer = norm_or_default(norm_layer)

        self.inplanes = 64
        self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.num_features = self.head_hidden_size = 512 * block.expansion
        self.fc = classifier_layer(self.num_features, num_classes)
        self.feature_info = [stage_info(64, 2, "relu")] + [
            stage_info(planes * block.expansion, reduction, f"layer{index + 1}")
            for index, (planes, reduction) in enumerate(zip((64, 128, 256, 512), (4, 8, 16, 32)))
        ]

        kaiming_init_(self)
        # Each block then starts as the identity: +0.2-0.3% top-1 (Goyal et al. 2017), as in torchvision.
        if zero_init_residual:
            zero_init_blocks_(self)

    def _make_layer(
        self,
        block: type[BasicBlock | Bottleneck],
        planes: int,
        blocks: int,
        stride: int = 1,
    ) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )

        # Only the bottleneck has a stride choice; BasicBlock has a single place to stride.
        options = {"stride_in_1x1": self.stride_in_1x1} if issubclass(block, Bottleneck) else {}
        layers: list[nn.Module] = [block(self.inplanes, planes, stride, downsample, norm_layer, **options)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, norm_layer=norm_layer, **options))

        return nn.Sequential(*layers)

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        names = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")
        return [(name, getattr(self, name)) for name in names]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The layer4 map before pooling (7x7 for a 224x224 input): for probes and feature visualisation."""
        if not torch.jit.is_scripting():
            check_input(x, self.in_channels)
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        return x


def _resnet(block: type[BasicBlock | Bottleneck], layers: list[int], **kwargs: Any) -> ResNet:
    return ResNet(block, layers, **kwargs)


# One small factory per depth, as torchvision. Keyword arguments go to ResNet: num_classes, in_channels,
# zero_init_residual, norm_layer, and for the bottleneck nets stride_in_1x1 (True: the paper's "v1").


def resnet18(**kwargs: Any) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2], 11.7M parameters."""
    return _resnet(BasicBlock, [2, 2, 2, 2], **kwargs)


def resnet34(**kwargs: Any) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3], 21.8M parameters."""
    return _resnet(BasicBlock, [3, 4, 6, 3], **kwargs)


def resnet50(**kwargs: Any) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3], 25.6M parameters."""
    return _resnet(Bottleneck, [3, 4, 6, 3], **kwargs)


def resnet101(**kwargs: Any) -> ResNet:
    """ResNet-101: Bottlenecks [3, 4, 23, 3], 44.5M parameters."""
    return _resnet(Bottleneck, [3, 4, 23, 3], **kwargs)


def resnet152(**kwargs: Any) -> ResNet:
    """ResNet-152: Bottlenecks [3, 8, 36, 3], 60.2M parameters."""
    return _resnet(Bottleneck, [3, 8, 36, 3], **kwargs)
