"""Shattered gradients: pointwise derivatives, autocorrelations, and Balduzzi et al.'s Figure 1."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from resnet_lib import probes
from resnet_lib.models.mlp import mlp
from probe_helpers import assert_untouched, snapshot


def test_input_gradients_are_pointwise_derivatives() -> None:
    torch.manual_seed(0)
    net = mlp(3, width=16, residual=True, norm_layer=nn.Identity).double()
    xs, grads = probes.input_gradients(net, n_points=64)
    assert xs[0] == -2 and xs[-1] == 2 and grads.shape == (64,)
    step = 1e-6
    with torch.no_grad():
        points = torch.from_numpy(xs).unsqueeze(1)
        numeric = ((net(points + step) - net(points - step)) / (2 * step)).squeeze(1).numpy()
    np.testing.assert_allclose(grads, numeric, rtol=1e-4, atol=1e-6)


def test_input_gradients_with_batchnorm_use_the_grid_statistics_and_keep_the_model() -> None:
    torch.manual_seed(0)
    net = mlp(3, width=16, residual=False, norm_layer=nn.BatchNorm1d).double().train()
    before = snapshot(net)
    xs, grads = probes.input_gradients(net, n_points=32)
    assert_untouched(net, before, True)
    # Differentiating the grid-normalised net point by point, by finite differences on a frozen copy:
    frozen = mlp(3, width=16, residual=False, norm_layer=nn.BatchNorm1d).double()
    frozen.load_state_dict(net.state_dict())
    for norm in [m for m in frozen.modules() if isinstance(m, nn.BatchNorm1d)]:
        norm.momentum = 1.0
    points = torch.from_numpy(xs).unsqueeze(1)
    with torch.no_grad():
        frozen.train()(points)
        frozen.eval()
        numeric = ((frozen(points + 1e-6) - frozen(points - 1e-6)) / 2e-6).squeeze(1).numpy()
    np.testing.assert_allclose(grads, numeric, rtol=1e-4, atol=1e-6)


def test_autocorrelation_of_smooth_and_white_signals() -> None:
    grid = np.linspace(0, 4 * np.pi, 400)
    smooth = probes.autocorrelation(np.sin(grid), max_lag=5)
    noise = probes.autocorrelation(np.random.default_rng(0).normal(size=400), max_lag=5)
    assert smooth[0] == pytest.approx(1.0) and noise[0] == pytest.approx(1.0)
    assert smooth[1:].min() > 0.95 and np.abs(noise[1:]).max() < 0.15
    with pytest.raises(ValueError, match="max_lag must be smaller .* got max_lag=10"):
        probes.autocorrelation(np.arange(10.0), max_lag=10)
    with pytest.raises(ValueError, match="constant"):
        probes.autocorrelation(np.ones(10), max_lag=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_residual_nets_have_far_more_correlated_gradients(seed: int) -> None:
    """Balduzzi et al. (2017), Figure 1: with BatchNorm at depth 24 the feedforward gradient is
    close to white noise, the residual gradient is not."""
    torch.manual_seed(seed)
    residual = probes.gradient_autocorrelation(mlp(24, residual=True), max_lag=4)
    torch.manual_seed(seed)
    feedforward = probes.gradient_autocorrelation(mlp(24, residual=False), max_lag=4)
    assert residual.shape == (5,) and residual[0] == pytest.approx(1.0)
    assert residual[1] > 0.5
    assert abs(feedforward[1]) < 0.3
    assert residual[1:3].mean() > feedforward[1:3].mean() + 0.4


def test_gradient_autocorrelation_default_lag_and_bad_input() -> None:
    net = mlp(2, width=8)
    assert probes.gradient_autocorrelation(net, n_points=64).shape == (17,)
    with pytest.raises(ValueError, match="n_points"):
        probes.gradient_autocorrelation(net, n_points=1)
    with pytest.raises(ValueError, match="lo and hi"):
        probes.gradient_autocorrelation(net, lo=1.0, hi=-1.0)
    with pytest.raises(TypeError, match="lo"):
        probes.input_gradients(net, lo="-2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="output shape"):
        probes.input_gradients(nn.Linear(1, 3))
