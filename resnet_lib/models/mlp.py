"""The 1-D -> 1-D ReLU networks of the shattered-gradients experiment (Balduzzi et al., 2017).

A residual net and a feedforward net that differ only in the shortcut, so that any difference in their input
gradients (``resnet_lib.probes.shattering``) is the shortcut's doing.
"""
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..validation import check_bool, check_positive_int
from .blocks import norm_or_default

__all__ = ["MLPBlock", "mlp"]


class MLPBlock(nn.Module):
    """norm -> ReLU -> Linear, with or without the identity shortcut around it (pre-activation order)."""

    def __init__(self, width: int, residual: bool, norm_layer: Callable[[int], nn.Module]) -> None:
        super().__init__()
        self.residual = residual
        self.norm = norm_layer(width)
        self.linear = nn.Linear(width, width)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        branch = self.linear(F.relu(self.norm(h)))
        return h + branch if self.residual else branch


def mlp(depth: int, *, width: int = 200, residual: bool = False,
        norm_layer: Callable[[int], nn.Module] | None = nn.BatchNorm1d) -> nn.Sequential:
    """A 1-D -> 1-D ReLU network of ``depth`` hidden blocks of ``width`` units.

    ``norm_layer`` is a factory taking the width, as torchvision's: ``nn.BatchNorm1d`` (the default, as in the
    paper's experiment; ``None`` means the same) or ``nn.Identity`` for no normalisation. Linear weights are
    He-initialised, as in Balduzzi et al. (2017); biases keep PyTorch's random default, because with zero biases
    a ReLU net of one input is piecewise linear with a single kink at 0 and its gradient could not shatter at all.
    """
    check_positive_int("depth", depth)
    check_positive_int("width", width)
    check_bool("residual", residual)
    norm_layer = norm_or_default(norm_layer, nn.BatchNorm1d)
    net = nn.Sequential(
        nn.Linear(1, width),
        *[MLPBlock(width, residual, norm_layer) for _ in range(depth)],
        norm_layer(width),
        nn.ReLU(),
        nn.Linear(width, 1),
    )
    for module in net.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return net
