"""Pre-activation ResNets (He, Zhang, Ren and Sun, 2016b, "Identity Mappings in Deep Residual Networks").

The paper asks what should sit on the shortcut and where the activations should go. Both questions are
parameters here, so a chapter can train every variant with one builder:

- ``unit`` (the paper's Fig. 4), with x the unit's input and F its residual branch:

    (a) "original"          F = conv-BN-ReLU-conv-BN       out = ReLU(x + F)
    (b) "bn_after_add"      F = conv-BN-ReLU-conv          out = ReLU(BN(x + F))
    (c) "relu_before_add"   F = conv-BN-ReLU-conv-BN-ReLU  out = x + F
    (d) "relu_only_preact"  F = ReLU-conv-BN-ReLU-conv-BN  out = x + F
    (e) "full"              F = BN-ReLU-conv-BN-ReLU-conv  out = x + F

  (shown for the basic unit; the bottleneck unit has three convolutions in the same pattern)

- ``shortcut`` (Fig. 2): ``"identity"``, ``"scaling"`` (x times ``scale``), ``"conv1x1"`` (a 1x1 conv on
  every unit) or ``"dropout"`` (dropout 0.5 on x). Where the shape changes every variant uses a 1x1 projection.

Details follow the authors' code (KaimingHe/resnet-1k-layers): the bottleneck strides in its first 1x1 conv;
where the shape changes, a pre-activated unit (d, e) shares its leading activation with the projection;
the full pre-activation net's stem is a single conv (its first unit brings BN-ReLU) and a final BN-ReLU
precedes pooling, because its units never activate their sum.
"""

import torch
import torch.nn as nn

from .blocks import (
    blocks_per_stage,
    check_choice,
    check_input,
    check_number,
    check_positive_int,
    conv1x1,
    conv3x3,
    kaiming_init_,
)

BLOCKS = ("bottleneck", "basic")
UNITS = ("original", "bn_after_add", "relu_before_add", "relu_only_preact", "full")
SHORTCUTS = ("identity", "scaling", "conv1x1", "dropout")


class ScaledShortcut(nn.Module):
    """Fig. 2(b): multiply x by a constant; the paper shows even 0.5 hampers training of deep nets."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


def _post_activation_branch(convs: list[nn.Conv2d], bn_last: bool) -> list[nn.Module]:
    """conv-BN-ReLU-...-conv, with or without a BN after the last conv (see the table in the module docstring)."""
    layers: list[nn.Module] = []
    for index, conv in enumerate(convs):
        is_last = index == len(convs) - 1
        layers.append(conv)
        if bn_last or not is_last:
            layers.append(nn.BatchNorm2d(conv.out_channels))
        if not is_last:
            layers.append(nn.ReLU(inplace=True))
    return layers


class PreActUnit(nn.Module):
    """One residual unit: out = after_add(residual(preact(x)) + shortcut(x)), shortcut(preact(x)) where
    the shape changes.

    ``preact`` is the unit's leading activation (only in units d and e), ``residual`` the rest of F and
    ``after_add`` what follows the addition; hook ``residual`` to see F alone.
    """

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        block: str = "bottleneck",
        unit: str = "full",
        shortcut: str = "identity",
        scale: float = 0.5,
    ) -> None:
        super().__init__()
        check_choice("block", block, BLOCKS)
        check_choice("unit", unit, UNITS)
        check_choice("shortcut", shortcut, SHORTCUTS)
        check_number("scale", scale, 0.0, float("inf"))
        if block == "bottleneck":
            out_planes = planes * 4
            convs = [conv1x1(inplanes, planes, stride), conv3x3(planes, planes), conv1x1(planes, out_planes)]
        else:
            out_planes = planes
            convs = [conv3x3(inplanes, planes, stride), conv3x3(planes, planes)]
        changes_shape = stride != 1 or inplanes != out_planes

        preact: nn.Module = nn.Identity()
        after_add: nn.Module = nn.Identity()
        if unit == "original":
            residual = _post_activation_branch(convs, bn_last=True)
            after_add = nn.ReLU(inplace=True)
        elif unit == "bn_after_add":
            residual = _post_activation_branch(convs, bn_last=False)
            after_add = nn.Sequential(nn.BatchNorm2d(out_planes), nn.ReLU(inplace=True))
        elif unit == "relu_before_add":
            residual = [*_post_activation_branch(convs, bn_last=True), nn.ReLU(inplace=True)]
        elif unit == "relu_only_preact":
            preact = nn.ReLU()  # not in place: x itself may still travel the identity shortcut
            residual = _post_activation_branch(convs, bn_last=True)
        else:  # "full"
            preact = nn.Sequential(nn.BatchNorm2d(inplanes), nn.ReLU(inplace=True))
            residual = _post_activation_branch(convs, bn_last=False)

        if changes_shape:
            shortcut_path: nn.Module = conv1x1(inplanes, out_planes, stride)
        elif shortcut == "identity":
            shortcut_path = nn.Identity()
        elif shortcut == "scaling":
            shortcut_path = ScaledShortcut(scale)
        elif shortcut == "conv1x1":
            shortcut_path = conv1x1(inplanes, out_planes)
        else:  # "dropout"
            shortcut_path = nn.Dropout(p=0.5)

        # Registered in data-flow order, so print(unit) reads like the forward pass.
        self.preact = preact
        self.residual = nn.Sequential(*residual)
        self.shortcut = shortcut_path
        self.after_add = after_add
        # The authors' projection units apply the pre-activation before splitting into the two paths.
        self.preact_shared = changes_shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activated = self.preact(x)
        out = self.residual(activated)
        out = out + self.shortcut(activated if self.preact_shared else x)
        return self.after_add(out)


class PreActResNet(nn.Module):
    """CIFAR-style net: 3x3 stem (``width`` filters), three stages of n units, global average pool, fc.

    Bottleneck units: depth 9n+2, stage outputs 4w, 8w, 16w (64/128/256 for width 16, as the paper's
    ResNet-164 and ResNet-1001). Basic units: depth 6n+2, stage widths w, 2w, 4w.
    """

    def __init__(
        self,
        depth: int = 164,
        block: str = "bottleneck",
        unit: str = "full",
        shortcut: str = "identity",
        width: int = 16,
        num_classes: int = 10,
        in_channels: int = 3,
        scale: float = 0.5,
    ) -> None:
        super().__init__()
        self.block = check_choice("block", block, BLOCKS)
        self.unit = check_choice("unit", unit, UNITS)
        self.shortcut = check_choice("shortcut", shortcut, SHORTCUTS)
        check_positive_int("width", width)
        check_positive_int("num_classes", num_classes)
        check_positive_int("in_channels", in_channels)
        self.scale = check_number("scale", scale, 0.0, float("inf"))
        if block == "bottleneck":
            units_per_stage = blocks_per_stage(depth, 9, "164, 1001")
            expansion = 4
        else:
            units_per_stage = blocks_per_stage(depth, 6, "20, 56, 110")
            expansion = 1
        self.depth = depth
        self.in_channels = in_channels

        self.conv1 = conv3x3(in_channels, width)
        # A full pre-activation unit starts with BN-ReLU itself; the other units expect an activated input.
        self.stem_activation: nn.Module = nn.Identity()
        if unit != "full":
            self.stem_activation = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.inplanes = width
        self.layer1 = self._make_layer(width, units_per_stage, expansion)
        self.layer2 = self._make_layer(2 * width, units_per_stage, expansion, stride=2)
        self.layer3 = self._make_layer(4 * width, units_per_stage, expansion, stride=2)
        # Pre-activated units leave their sum raw: apply the activation the next unit would have started with.
        self.final_activation: nn.Module = nn.Identity()
        if unit == "full":
            self.final_activation = nn.Sequential(nn.BatchNorm2d(self.inplanes), nn.ReLU(inplace=True))
        elif unit == "relu_only_preact":
            self.final_activation = nn.ReLU()  # not in place: keeps layer3's output intact for hooks
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, num_classes)
        kaiming_init_(self)

    def _make_layer(self, planes: int, units: int, expansion: int, stride: int = 1) -> nn.Sequential:
        layers: list[nn.Module] = []
        for index in range(units):
            unit_stride = stride if index == 0 else 1
            layers.append(
                PreActUnit(self.inplanes, planes, unit_stride, self.block, self.unit, self.shortcut, self.scale)
            )
            self.inplanes = planes * expansion
        return nn.Sequential(*layers)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The activated layer3 map before pooling (8x8 for a 32x32 input): for probes."""
        check_input(x, self.in_channels)
        x = self.conv1(x)
        x = self.stem_activation(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.final_activation(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def preact_resnet(
    depth: int,
    block: str = "bottleneck",
    unit: str = "full",
    shortcut: str = "identity",
    width: int = 16,
    num_classes: int = 10,
    in_channels: int = 3,
    scale: float = 0.5,
) -> PreActResNet:
    """Pre-activation ResNet; ``preact_resnet(164)`` has 1.7M and ``preact_resnet(1001)`` 10.2M parameters.

    ``preact_resnet(110, block="basic", unit="original")`` is the original ResNet-110 with projection
    shortcuts where shapes change. ``scale`` is used only by ``shortcut="scaling"``.
    """
    return PreActResNet(depth, block, unit, shortcut, width, num_classes, in_channels, scale)
