"""Gated shortcuts (He, Zhang, Ren and Sun, 2016b, "Identity Mappings", Fig. 2 c and d).

A gate is a 1x1 convolution of the unit's input followed by a sigmoid, g(x) = sigmoid(W_g x + b_g), one value per
channel and position, as in Highway networks. The paper tries two ways of using it:

- ``"exclusive"`` (Fig. 2c):      out = g(x) * F(x) + (1 - g(x)) * x
- ``"shortcut_only"`` (Fig. 2d):  out = F(x) + (1 - g(x)) * x

The gate's bias ``gate_bias`` sets where training starts: at b_g = -6 the gate is almost closed,
1 - g = 0.9975, so the shortcut is nearly the identity (the paper's best gated results); at b_g = 0 the
shortcut carries 1 - g = 0.5 at first, like a shortcut scaled by one half. Everything else of the unit, its
residual branch F and whatever follows the addition, comes from :class:`~resnet_lib.models.PreActUnit`.
"""

import torch
import torch.nn as nn

from ..validation import check_choice, check_number, check_positive_int
from .blocks import kaiming_init_
from .preact import BLOCKS, UNITS, PreActUnit

GATES = ("exclusive", "shortcut_only")


class GatedUnit(nn.Module):
    """A residual unit of constant shape (``channels`` in and out, stride 1) whose shortcut is gated.

    ``body`` is the ungated :class:`PreActUnit` of the same ``block`` and ``unit``: its ``preact`` and
    ``residual`` compute F, its ``after_add`` what follows the sum (a ReLU for the original unit). A bottleneck
    body has ``channels // 4`` channels inside, so ``channels`` must then be a multiple of 4.
    """

    def __init__(self, channels: int, *, gate: str = "exclusive", gate_bias: float = -6.0,
                 block: str = "basic", unit: str = "full") -> None:
        super().__init__()
        check_positive_int("channels", channels)
        self.gate_kind = check_choice("gate", gate, GATES)
        check_number("gate_bias", gate_bias)
        check_choice("block", block, BLOCKS)
        check_choice("unit", unit, UNITS)
        if block == "bottleneck" and channels % 4:
            raise ValueError(f"channels must be a multiple of 4 for block='bottleneck', got channels={channels}")
        planes = channels // 4 if block == "bottleneck" else channels
        self.body = kaiming_init_(PreActUnit(channels, planes, block=block, unit=unit))
        self.gate = nn.Conv2d(channels, channels, kernel_size=1, bias=True)
        nn.init.kaiming_normal_(self.gate.weight, mode="fan_in", nonlinearity="sigmoid")
        nn.init.constant_(self.gate.bias, gate_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.body.residual(self.body.preact(x))
        g = torch.sigmoid(self.gate(x))
        if self.gate_kind == "exclusive":
            out = g * residual + (1 - g) * x
        else:
            out = residual + (1 - g) * x
        return self.body.after_add(out)

    def zero_init_last(self) -> None:
        """Start with F = 0, as every residual unit of the library can."""
        last = [m for m in self.body.residual.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))][-1]
        nn.init.zeros_(last.weight)

    def extra_repr(self) -> str:
        return f"gate={self.gate_kind!r}"


def gated_stack(units: int, channels: int, *, gate: str = "exclusive", gate_bias: float = -6.0,
                block: str = "basic", unit: str = "full") -> nn.Sequential:
    """``units`` gated units of ``channels`` channels in a row: a stack for measuring signal propagation."""
    check_positive_int("units", units)
    return nn.Sequential(*[GatedUnit(channels, gate=gate, gate_bias=gate_bias, block=block, unit=unit)
                           for _ in range(units)])
