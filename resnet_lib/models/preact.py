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

- the shortcut, with the same vocabulary as the CIFAR nets: ``shortcut="A"`` (zero padding where the shape
  changes), ``"B"`` (a 1x1 projection where the shape changes, the paper's default) or ``"C"`` (a 1x1
  convolution on every unit, Fig. 2e). On the units that keep the shape, Fig. 2's other variants:
  ``shortcut_scale`` (x times a constant, Fig. 2b) and ``shortcut_dropout`` (dropout on x, Fig. 2f).

Details follow the authors' code (KaimingHe/resnet-1k-layers): the bottleneck strides in its first 1x1 conv;
where the shape changes, a pre-activated unit (d, e) shares its leading activation with the projection;
the full pre-activation net's stem is a single conv (its first unit brings BN-ReLU) and a final BN-ReLU
precedes pooling, because its units never activate their sum.
"""

from typing import Any

import torch
import torch.nn as nn

from ..validation import check_bool, check_choice, check_int, check_number, check_positive_int
from .blocks import (
    ClassifierMixin,
    NormLayer,
    blocks_per_stage,
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
from .cifar import SHORTCUTS, shortcut_for

BLOCKS = ("bottleneck", "basic")
UNITS = ("original", "bn_after_add", "relu_before_add", "relu_only_preact", "full")


class ScaledShortcut(nn.Module):
    """Fig. 2(b): multiply x by a constant; the paper shows even 0.5 hampers training of deep nets."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


def _post_activation_branch(convs: list[nn.Conv2d], bn_last: bool, norm_layer: NormLayer) -> list[nn.Module]:
    """conv-BN-ReLU-...-conv, with or without a BN after the last conv (see the table in the module docstring)."""
    layers: list[nn.Module] = []
    for index, conv in enumerate(convs):
        is_last = index == len(convs) - 1
        layers.append(conv)
        if bn_last or not is_last:
            layers.append(norm_layer(conv.out_channels))
        if not is_last:
            layers.append(nn.ReLU(inplace=True))
    return layers


def _check_shortcut(shortcut: str, shortcut_scale: float, shortcut_dropout: float) -> None:
    check_choice("shortcut", shortcut, SHORTCUTS)
    check_number("shortcut_scale", shortcut_scale, 0.0)
    check_number("shortcut_dropout", shortcut_dropout, 0.0, 1.0, high_inclusive=False)
    if shortcut_scale != 1.0 and shortcut_dropout != 0.0:
        raise ValueError("choose one shortcut variant: got both shortcut_scale="
                         f"{shortcut_scale} and shortcut_dropout={shortcut_dropout}")
    if shortcut == "C" and (shortcut_scale != 1.0 or shortcut_dropout != 0.0):
        raise ValueError("shortcut_scale and shortcut_dropout act on identity shortcuts, and shortcut='C' has none; "
                         "use shortcut='A' or 'B'")


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
        norm_layer: NormLayer | None = None,
        *,
        block: str = "bottleneck",
        unit: str = "full",
        shortcut: str = "B",
        shortcut_scale: float = 1.0,
        shortcut_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_choice("block", block, BLOCKS)
        check_choice("unit", unit, UNITS)
        _check_shortcut(shortcut, shortcut_scale, shortcut_dropout)
        norm_layer = norm_or_default(norm_layer)
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
            residual = _post_activation_branch(convs, True, norm_layer)
            after_add = nn.ReLU(inplace=True)
        elif unit == "bn_after_add":
            residual = _post_activation_branch(convs, False, norm_layer)
            after_add = nn.Sequential(norm_layer(out_planes), nn.ReLU(inplace=True))
        elif unit == "relu_before_add":
            residual = [*_post_activation_branch(convs, True, norm_layer), nn.ReLU(inplace=True)]
        elif unit == "relu_only_preact":
            preact = nn.ReLU()  # not in place: x itself may still travel the identity shortcut
            residual = _post_activation_branch(convs, True, norm_layer)
        else:  # "full"
            preact = nn.Sequential(norm_layer(inplanes), nn.ReLU(inplace=True))
            residual = _post_activation_branch(convs, False, norm_layer)

        # The paper's projection is a bare 1x1 conv (no BN): the sum is normalised by the next unit.
        projection = shortcut_for(shortcut, inplanes, out_planes, stride, nn.Identity)
        if isinstance(projection, nn.Sequential):
            projection = projection[0]
        if projection is not None:
            shortcut_path: nn.Module = projection
        elif shortcut_scale != 1.0:
            shortcut_path = ScaledShortcut(shortcut_scale)
        elif shortcut_dropout > 0.0:
            shortcut_path = nn.Dropout(p=shortcut_dropout)
        else:
            shortcut_path = nn.Identity()

        # Registered in data-flow order, so print(unit) reads like the forward pass.
        self.preact = preact
        self.residual = nn.Sequential(*residual)
        self.shortcut = shortcut_path
        self.after_add = after_add
        # The authors' projection units apply the pre-activation before splitting into the two paths.
        self.preact_shared = changes_shape

    def zero_init_last(self) -> None:
        """Start with F(x) = 0: zero the branch's last norm, or its last conv in the units that end in one."""
        layers = [m for m in self.residual if not isinstance(m, nn.ReLU)]
        last_conv = [m for m in layers if isinstance(m, nn.Conv2d)][-1]
        zero_last_(layers[-1], last_conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activated = self.preact(x)
        out = self.residual(activated)
        out = out + self.shortcut(activated if self.preact_shared else x)
        return self.after_add(out)


class PreActResNet(ClassifierMixin, nn.Module):
    """CIFAR-style net: 3x3 stem (``width`` filters), three stages of n units, global average pool, fc.

    Bottleneck units: depth 9n+2, stage outputs 4w, 8w, 16w (64/128/256 for width 16, as the paper's
    ResNet-164 and ResNet-1001). Basic units: depth 6n+2, stage widths w, 2w, 4w.
    """

    def __init__(
        self,
        depth: int = 164,
        *,
        block: str = "bottleneck",
        unit: str = "full",
        shortcut: str = "B",
        shortcut_scale: float = 1.0,
        shortcut_dropout: float = 0.0,
        width: int = 16,
        num_classes: int = 10,
        in_channels: int = 3,
        norm_layer: NormLayer | None = None,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        self.block = check_choice("block", block, BLOCKS)
        self.unit = check_choice("unit", unit, UNITS)
        _check_shortcut(shortcut, shortcut_scale, shortcut_dropout)
        self.shortcut = shortcut
        check_positive_int("width", width)
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        check_bool("zero_init_residual", zero_init_residual)
        if block == "bottleneck":
            units_per_stage = blocks_per_stage(depth, 9, "164, 1001")
            expansion = 4
        else:
            units_per_stage = blocks_per_stage(depth, 6, "20, 56, 110")
            expansion = 1
        self.depth = depth
        norm_layer = norm_or_default(norm_layer)
        unit_options = {"block": block, "unit": unit, "shortcut": shortcut, "shortcut_scale": shortcut_scale,
                        "shortcut_dropout": shortcut_dropout}

        self.conv1 = conv3x3(in_channels, width)
        # A full pre-activation unit starts with BN-ReLU itself; the other units expect an activated input.
        self.stem_activation: nn.Module = nn.Identity()
        if unit != "full":
            self.stem_activation = nn.Sequential(norm_layer(width), nn.ReLU(inplace=True))
        self.inplanes = width
        self.layer1 = self._make_layer(width, units_per_stage, expansion, 1, norm_layer, unit_options)
        self.layer2 = self._make_layer(2 * width, units_per_stage, expansion, 2, norm_layer, unit_options)
        self.layer3 = self._make_layer(4 * width, units_per_stage, expansion, 2, norm_layer, unit_options)
        # Pre-activated units leave their sum raw: apply the activation the next unit would have started with.
        self.final_activation: nn.Module = nn.Identity()
        if unit == "full":
            self.final_activation = nn.Sequential(norm_layer(self.inplanes), nn.ReLU(inplace=True))
        elif unit == "relu_only_preact":
            self.final_activation = nn.ReLU()  # not in place: keeps layer3's output intact for hooks
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.num_features = self.head_hidden_size = self.inplanes
        self.fc = classifier_layer(self.num_features, num_classes)
        self.feature_info = [stage_info(width * expansion * 2 ** index, 2 ** index, f"layer{index + 1}")
                             for index in range(3)]
        self.feature_info[-1]["module"] = "final_activation"
        kaiming_init_(self)
        if zero_init_residual:
            zero_init_blocks_(self)

    def _make_layer(self, planes: int, units: int, expansion: int, stride: int, norm_layer: NormLayer,
                    unit_options: dict[str, Any]) -> nn.Sequential:
        layers: list[nn.Module] = []
        for index in range(units):
            unit_stride = stride if index == 0 else 1
            layers.append(PreActUnit(self.inplanes, planes, unit_stride, norm_layer, **unit_options))
            self.inplanes = planes * expansion
        return nn.Sequential(*layers)

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        names = ("conv1", "stem_activation", "layer1", "layer2", "layer3", "final_activation")
        return [(name, getattr(self, name)) for name in names]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The activated layer3 map before pooling (8x8 for a 32x32 input): for probes."""
        if not torch.jit.is_scripting():
            check_input(x, self.in_channels)
        x = self.conv1(x)
        x = self.stem_activation(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.final_activation(x)


def preact_resnet(depth: int, **kwargs: Any) -> PreActResNet:
    """Pre-activation ResNet; ``preact_resnet(164)`` has 1.7M and ``preact_resnet(1001)`` 10.2M parameters.

    Keyword arguments: ``block="bottleneck"|"basic"``, ``unit`` (Fig. 4), ``shortcut="A"|"B"|"C"``,
    ``shortcut_scale``, ``shortcut_dropout`` (Fig. 2), ``width=16``, ``num_classes=10`` (0: no classifier),
    ``in_channels=3``, ``norm_layer``, ``zero_init_residual=False`` (every unit starts with F = 0). ``preact_resnet(110, block="basic", unit="original")`` is the original ResNet-110 with
    projection shortcuts where shapes change.
    """
    return PreActResNet(depth, **kwargs)
