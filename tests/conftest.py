"""Shared fixtures for the unit tests: a tiny conv net and a tiny learnable data set, both built in seconds."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from resnet_lib.data import Dataset


def make_tiny_net(in_channels: int = 1, num_classes: int = 4) -> nn.Module:
    """Conv + BatchNorm, the parts of a ResNet the trainer has to handle (running stats, train/eval modes)."""
    return nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, num_classes))


def make_tiny_dataset(count: int = 320, size: int = 8, num_classes: int = 4, seed: int = 0) -> Dataset:
    """The class sets which quadrant is bright: easy enough that a few epochs must lower the error."""
    generator = torch.Generator().manual_seed(seed)

    def split(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, num_classes, (n,), generator=generator)
        x = torch.randn(n, 1, size, size, generator=generator) * 0.5
        half = size // 2
        for label in range(num_classes):
            row, col = divmod(label, 2)
            x[y == label, :, row * half:(row + 1) * half, col * half:(col + 1) * half] += 1.5
        return x, y

    train_x, train_y = split(count)
    val_x, val_y = split(count // 4)
    test_x, test_y = split(count // 4)
    return Dataset(name="quadrants", train_x=train_x, train_y=train_y, val_x=val_x, val_y=val_y, test_x=test_x,
                   test_y=test_y, classes=tuple(f"quadrant {i}" for i in range(num_classes)), mean=(0.0,), std=(1.0,))


@pytest.fixture
def tiny_data() -> Dataset:
    return make_tiny_dataset()


@pytest.fixture
def tiny_net() -> nn.Module:
    torch.manual_seed(0)
    return make_tiny_net()
