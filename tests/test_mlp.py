"""The 1-D networks of the shattered-gradients experiment (moved from probes to models)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from resnet_lib.models.mlp import mlp


def test_mlp_shapes_and_the_shortcut_is_the_only_difference() -> None:
    residual = mlp(4, width=8, residual=True, norm_layer=nn.BatchNorm1d)
    plain = mlp(4, width=8, residual=False, norm_layer=nn.BatchNorm1d)
    assert residual(torch.randn(16, 1)).shape == (16, 1)
    assert [type(m) for m in residual.modules()] == [type(m) for m in plain.modules()]
    assert not any(isinstance(m, nn.BatchNorm1d) for m in mlp(3, norm_layer=nn.Identity).modules())
    assert sum(isinstance(m, nn.BatchNorm1d) for m in mlp(3).modules()) == 4  # one per block, one before the head
    assert sum(isinstance(m, nn.BatchNorm1d) for m in mlp(3, norm_layer=None).modules()) == 4


def test_mlp_with_the_same_seed_is_the_same_net_with_or_without_the_shortcut() -> None:
    torch.manual_seed(0)
    residual = mlp(3, width=8, residual=True)
    torch.manual_seed(0)
    plain = mlp(3, width=8, residual=False)
    assert all(torch.equal(a, b) for a, b in zip(residual.state_dict().values(), plain.state_dict().values()))
    x = torch.randn(5, 1)
    assert not torch.equal(residual.eval()(x), plain.eval()(x))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"depth": 0}, ValueError, "depth must be a positive int, got depth=0"),
        ({"depth": 2.0}, TypeError, "depth must be a positive int, got depth=2.0"),
        ({"depth": 3, "width": -2}, ValueError, "width"),
        ({"depth": 3, "residual": "yes"}, TypeError, "residual must be True or False"),
        ({"depth": 3, "norm_layer": "batchnorm"}, TypeError, "norm_layer must be a callable such as nn.BatchNorm1d"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        mlp(**kwargs)


def test_mlp_arguments_after_depth_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        mlp(3, 8)  # type: ignore[misc]
