"""Blocks, lesions and path lengths: residual nets as ensembles of paths."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import models, probes
from probe_helpers import Lesionable, assert_untouched, small_net, snapshot


def test_blocks_are_the_children_of_the_layer_modules() -> None:
    names = [name for name, _ in probes.blocks(torchvision.models.resnet18())]
    assert names == [f"layer{s}.{b}" for s in range(1, 5) for b in range(2)]
    assert probes.blocks(small_net()) == []
    assert len(probes.blocks(models.cifar_resnet(20))) == 9
    assert len(probes.blocks(models.cifar_plain(20))) == 9


def test_lesion_skips_each_shape_preserving_block() -> None:
    net = Lesionable().train()
    x = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
    y = (-x).argmax(dim=1)  # the intact net is always right
    before = snapshot(net)
    errors = probes.lesion(net, x, y, batch_size=2)
    assert_untouched(net, before, True)
    assert errors == {"baseline": 0.0, "layer1.0": 1.0}  # layer1.1 widens, so it cannot be skipped


def test_lesion_of_a_resnet_skips_the_blocks_without_projection() -> None:
    torch.manual_seed(0)
    net = torchvision.models.resnet18(num_classes=3)
    errors = probes.lesion(net, torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0]), batch_size=4)
    assert list(errors) == ["baseline", "layer1.0", "layer1.1", "layer2.1", "layer3.1", "layer4.1"]
    assert all(0.0 <= e <= 1.0 for e in errors.values())
    assert net.training


def test_lesion_rejects_bad_input() -> None:
    x, y = torch.randn(3, 2), torch.tensor([0, 1, 0])
    with pytest.raises(ValueError, match="batch_size must be a positive int, got batch_size=0"):
        probes.lesion(Lesionable(), x, y, batch_size=0)
    with pytest.raises(ValueError, match="no blocks"):
        probes.lesion(nn.Linear(2, 2), x, y)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        probes.lesion(Lesionable(), [[1.0, 2.0]], y)  # type: ignore[arg-type]

def test_path_length_distribution_is_the_binomial() -> None:
    shares = probes.path_length_distribution(3)
    np.testing.assert_allclose(shares, [1 / 8, 3 / 8, 3 / 8, 1 / 8])
    many = probes.path_length_distribution(54)  # ResNet-110: 54 blocks, Veit et al. (2016)
    assert many.sum() == pytest.approx(1.0) and many.argmax() == 27
    assert many[19:36].sum() > 0.95  # "95% of the paths go through 19 to 35 modules"
    np.testing.assert_allclose(probes.path_length_distribution(0), [1.0])
    with pytest.raises(ValueError, match=r"n_blocks must be an int in \[0, inf\], got n_blocks=-1"):
        probes.path_length_distribution(-1)
