"""Shattered gradients (Balduzzi et al., 2017): how smooth is a network's gradient as a function of its input?

A deep feedforward net's gradient, plotted along a line of inputs, looks like white noise: neighbouring inputs
get unrelated gradients, so a step that helps at one point says nothing about the next. A residual net's
gradient stays correlated. The experiment uses 1-D -> 1-D networks (``resnet_lib.models.mlp``) so that the
gradient is one number per input point and its autocorrelation can be read off directly.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..validation import check_int, check_module, check_number
from .hooks import device_of

__all__ = ["autocorrelation", "gradient_autocorrelation", "input_gradients"]


def input_gradients(
    model: nn.Module, n_points: int = 256, lo: float = -2.0, hi: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """The grid ``x`` and ``d model(x) / d x`` at every grid point of a 1-D -> 1-D model.

    BatchNorm follows the paper: it normalises with the statistics of the grid itself (the grid is the batch).
    Those statistics are then frozen while differentiating, so each value is the derivative at one point and
    not mixed with the other 255 through the batch mean. Works on a copy: the model is untouched.
    """
    check_module("model", model)
    check_int("n_points", n_points, minimum=2)
    check_number("lo", lo)
    check_number("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo and hi must satisfy lo < hi, got lo={lo!r}, hi={hi!r}")
    probe = copy.deepcopy(model)
    dtype = next((p.dtype for p in model.parameters()), torch.get_default_dtype())
    xs = torch.linspace(float(lo), float(hi), n_points, device=device_of(model), dtype=dtype).unsqueeze(1)
    norms = [m for m in probe.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = 1.0  # running statistics := this batch's statistics
        probe.train()
        with torch.no_grad():
            probe(xs)
    probe.eval()
    xs.requires_grad_(True)
    with torch.enable_grad():
        out = probe(xs)
        if out.shape != xs.shape:
            raise ValueError(
                "model must map a batch of shape (n, 1) to shape (n, 1), "
                f"got output shape {tuple(out.shape)}"
            )
        (grads,) = torch.autograd.grad(out.sum(), xs)
    return xs.detach().squeeze(1).cpu().numpy(), grads.squeeze(1).cpu().numpy()


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation at lags ``0..max_lag`` (lag 0 is 1).

    Near 1 at small lags: neighbouring points have similar gradients (smooth, learnable). Near 0: the
    gradient is white noise ("shattered").
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1 or len(series) < 2:
        raise ValueError(f"values must be a 1-D array of length >= 2, got shape {series.shape}")
    check_int("max_lag", max_lag, minimum=0)
    if max_lag >= len(series):
        raise ValueError(
            f"max_lag must be smaller than the number of values ({len(series)}), "
            f"got max_lag={max_lag}"
        )
    centred = series - series.mean()
    variance = float(np.mean(centred**2))
    if variance == 0.0:
        raise ValueError("values are constant, so their autocorrelation is undefined")
    return np.array(
        [np.mean(centred[: len(series) - lag] * centred[lag:]) / variance for lag in range(max_lag + 1)]
    )


def gradient_autocorrelation(
    model: nn.Module,
    n_points: int = 256,
    lo: float = -2.0,
    hi: float = 2.0,
    max_lag: int | None = None,
) -> np.ndarray:
    """Autocorrelation of ``d output / d input`` over a 1-D grid (Balduzzi et al., 2017).

    Deep feedforward nets have gradients like white noise; residual nets keep them correlated, which is one
    reason they stay trainable. ``max_lag`` defaults to ``n_points // 4``.
    """
    check_int("n_points", n_points, minimum=2)
    lag = n_points // 4 if max_lag is None else max_lag
    _, grads = input_gradients(model, n_points, lo, hi)
    return autocorrelation(grads, lag)
