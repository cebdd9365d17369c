"""ResNet for ImageNet (He, Zhang, Ren and Sun, 2016), named and built exactly as torchvision's ``resnet.py``.

Same module names and shapes, so a ``state_dict`` loads into torchvision's model of the same name with
``strict=True`` and back, and equal weights give equal outputs. Two additions for the book:
``bottleneck="v1"`` (the paper's stride placement) and ``forward_features`` (the map before pooling).
"""

from collections.abc import Callable

import torch
import torch.nn as nn

from .blocks import check_choice, check_input, check_positive_int, conv1x1, conv3x3, kaiming_init_

BOTTLENECK_VERSIONS = ("v1.5", "v1")


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
        residual: bool = True,
        norm_layer: Callable[[int], nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if downsample is not None and not residual:
            raise ValueError("a plain block (residual=False) has no shortcut, so downsample must be None")
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        # conv1 (and downsample) halve the map when stride is 2.
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride
        self.residual = residual

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
        stride_in_1x1: bool = False,
    ) -> None:
        super().__init__()
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = conv1x1(inplanes, planes, stride_1x1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride_3x3)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

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


class ResNet(nn.Module):
    """7x7/2 stem and 3x3/2 max pool, four stages (64-128-256-512 planes), global average pool, one fc.

    Stages 2 to 4 halve the map in their first block; a 1x1 projection (option B of the paper)
    is used only where the shortcut must change shape.
    """

    def __init__(
        self,
        block: type[BasicBlock | Bottleneck],
        layers: list[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        zero_init_residual: bool = False,
        bottleneck: str = "v1.5",
    ) -> None:
        super().__init__()
        check_positive_int("num_classes", num_classes)
        check_positive_int("in_channels", in_channels)
        check_choice("bottleneck", bottleneck, BOTTLENECK_VERSIONS)
        if len(layers) != 4:
            raise ValueError(f"layers must list the blocks of the 4 stages, e.g. [2, 2, 2, 2], got layers={layers!r}")
        for index, count in enumerate(layers):
            check_positive_int(f"layers[{index}]", count)
        if not isinstance(zero_init_residual, bool):
            raise TypeError(f"zero_init_residual must be a bool, got zero_init_residual={zero_init_residual!r}")
        self.in_channels = in_channels
        self.stride_in_1x1 = bottleneck == "v1"

        self.inplanes = 64
        self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        kaiming_init_(self)
        # Each block then starts as the identity: +0.2-0.3% top-1 (Goyal et al. 2017), as in torchvision.
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, Bottleneck):
                    nn.init.zeros_(module.bn3.weight)
                elif isinstance(module, BasicBlock):
                    nn.init.zeros_(module.bn2.weight)

    def _make_layer(
        self,
        block: type[BasicBlock | Bottleneck],
        planes: int,
        blocks: int,
        stride: int = 1,
    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )

        # Only the bottleneck has a stride choice; BasicBlock has a single place to stride.
        options = {"stride_in_1x1": self.stride_in_1x1} if block is Bottleneck else {}
        layers: list[nn.Module] = [block(self.inplanes, planes, stride, downsample, **options)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, **options))

        return nn.Sequential(*layers)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The layer4 map before pooling (7x7 for a 224x224 input): for probes and feature visualisation."""
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


def resnet18(
    num_classes: int = 1000, in_channels: int = 3, zero_init_residual: bool = False, bottleneck: str = "v1.5"
) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2], 11.7M parameters. ``bottleneck`` is checked but unused (no bottlenecks)."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, in_channels, zero_init_residual, bottleneck)


def resnet34(
    num_classes: int = 1000, in_channels: int = 3, zero_init_residual: bool = False, bottleneck: str = "v1.5"
) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3], 21.8M parameters. ``bottleneck`` is checked but unused."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, in_channels, zero_init_residual, bottleneck)


def resnet50(
    num_classes: int = 1000, in_channels: int = 3, zero_init_residual: bool = False, bottleneck: str = "v1.5"
) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3], 25.6M parameters."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, in_channels, zero_init_residual, bottleneck)


def resnet101(
    num_classes: int = 1000, in_channels: int = 3, zero_init_residual: bool = False, bottleneck: str = "v1.5"
) -> ResNet:
    """ResNet-101: Bottlenecks [3, 4, 23, 3], 44.5M parameters."""
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, in_channels, zero_init_residual, bottleneck)


def resnet152(
    num_classes: int = 1000, in_channels: int = 3, zero_init_residual: bool = False, bottleneck: str = "v1.5"
) -> ResNet:
    """ResNet-152: Bottlenecks [3, 8, 36, 3], 60.2M parameters."""
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes, in_channels, zero_init_residual, bottleneck)
