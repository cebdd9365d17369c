"""Small models and checks shared by the probe tests (tests/test_probes_*.py)."""
from __future__ import annotations

import torch
import torchvision
from torch import nn


def small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5),
    )


def batch(n: int = 8, size: int = 8, classes: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(n, 3, size, size, generator=generator), torch.randint(0, classes, (n,), generator=generator)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in model.state_dict().items()}


def assert_untouched(model: nn.Module, before: dict[str, torch.Tensor], training: bool) -> None:
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), f"{name} changed"
    assert all(m.training == training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


class _Negate(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -x


class _Widen(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x], dim=1)


class Lesionable(nn.Module):
    """layer1.0 flips the logits (skipping it flips every prediction), layer1.1 changes the shape."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Identity()
        self.layer1 = nn.Sequential(_Negate(), _Widen())
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer1(self.stem(x))[:, :2]


def meta(name: str) -> nn.Module:
    """Shape-only model: constructing ResNet-152 this way takes milliseconds."""
    with torch.device("meta"):
        return getattr(torchvision.models, name)()
