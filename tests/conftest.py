"""Shared fixtures for the unit tests: a tiny conv net and a tiny learnable data set, both built in seconds."""
from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from resnet_lib.data import Dataset

# Tiny nets gain nothing from a second thread, and on a busy 2-core machine (pytest -n 2, notebooks alongside)
# spinning OpenMP threads make every small op many times slower.
torch.set_num_threads(1)


def make_tiny_net(in_channels: int = 1, num_classes: int = 4) -> nn.Module:
    """Conv + BatchNorm, the parts of a ResNet the trainer has to handle (running stats, train/eval modes)."""
    return nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, num_classes))


def make_tiny_dataset(count: int = 320, size: int = 8, seed: int = 0) -> Dataset:
    """Four classes of noisy stripes (horizontal, vertical, checkerboard, none): a 3x3 conv tells them apart,
    and flips and crops keep the class, so a few epochs must lower the error, with or without augmentation."""
    generator = torch.Generator().manual_seed(seed)
    grid = torch.arange(size)
    patterns = torch.stack([(grid[:, None] % 2).expand(size, size), (grid[None, :] % 2).expand(size, size),
                            (grid[:, None] + grid[None, :]) % 2, torch.zeros(size, size, dtype=torch.long)]).float()

    def split(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, len(patterns), (n,), generator=generator)
        x = 2 * patterns[y][:, None] + torch.randn(n, 1, size, size, generator=generator) * 0.5
        return x, y

    train_x, train_y = split(count)
    val_x, val_y = split(count // 4)
    test_x, test_y = split(count // 4)
    return Dataset(name="stripes", train_x=train_x, train_y=train_y, val_x=val_x, val_y=val_y, test_x=test_x,
                   test_y=test_y, classes=("horizontal", "vertical", "checkerboard", "none"), mean=(0.0,), std=(1.0,))


@pytest.fixture
def tiny_data() -> Dataset:
    return make_tiny_dataset()


@pytest.fixture
def make_net() -> Callable[[], nn.Module]:
    """The factory itself, for tests that build several nets (and seed before each)."""
    return make_tiny_net


@pytest.fixture
def tiny_net() -> nn.Module:
    torch.manual_seed(0)
    return make_tiny_net()
