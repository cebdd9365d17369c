"""Loss landscapes (Li, Xu, Taylor, Studer and Goldstein, 2018): the loss along a line through trained weights.

Skip connections are said to make the loss surface smoother. To look, step away from the trained weights in a
random direction and record the loss. A raw random direction would mislead: a net with BatchNorm does not care
about the scale of a filter, so the direction is rescaled filter by filter to the size of the trained filters,
and a step of 0.5 changes every filter by half its own size.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..profile import generator as seeded_generator
from ..validation import check_batch, check_callable, check_int, check_module, check_positive_int
from .hooks import batches, device_of

__all__ = ["filter_normalized_direction", "loss_slice", "loss_surface"]


def filter_normalized_direction(model: nn.Module, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random direction in weight space for loss-landscape plots, normalised filter by filter (Li et al., 2018).

    One Gaussian tensor per parameter, from a generator seeded by ``seed``. Each filter (each slice along the
    first axis: one output channel of a convolution, one row of a linear layer) is then rescaled to the norm of
    the same filter in the model, so a step of a given size changes every filter by the same *relative* amount;
    with BatchNorm after a layer, only that relative change matters. Parameters with a single axis (biases,
    BatchNorm scales and shifts) get zero: they stay where training left them, as in the paper. The model is not
    changed.
    """
    check_module("model", model)
    check_int("seed", seed, minimum=0)
    generator = seeded_generator(seed)
    direction: dict[str, torch.Tensor] = {}
    for name, parameter in model.named_parameters():
        weight = parameter.detach()
        if weight.dim() <= 1:
            direction[name] = torch.zeros_like(weight)
            continue
        draw = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
        filters = weight.double().cpu().flatten(1).norm(dim=1)
        scale = filters / draw.flatten(1).norm(dim=1).clamp_min(1e-12)
        draw = draw * scale.view(-1, *[1] * (weight.dim() - 1))
        direction[name] = draw.to(device=weight.device, dtype=weight.dtype)
    return direction


def _check_direction(model: nn.Module, direction: object) -> dict[str, torch.Tensor]:
    """One tensor per parameter, of the parameter's shape."""
    if not isinstance(direction, dict):
        raise TypeError(f"direction must be a dict of parameter name -> tensor, got {type(direction).__name__}")
    names = [name for name, _ in model.named_parameters()]
    missing, unknown = sorted(set(names) - set(direction)), sorted(set(direction) - set(names))
    if missing or unknown:
        raise ValueError(f"direction must have one tensor per parameter of the model: "
                         f"missing {missing[:3]}, unknown {unknown[:3]}")
    for name, parameter in model.named_parameters():
        if tuple(direction[name].shape) != tuple(parameter.shape):
            raise ValueError(f"direction[{name!r}] has shape {tuple(direction[name].shape)}, "
                             f"the parameter has shape {tuple(parameter.shape)}")
    return direction


def loss_slice(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    direction: dict[str, torch.Tensor],
    alphas: Sequence[float],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
    batch_size: int = 1024,
) -> np.ndarray:
    """The loss at the weights ``theta + alpha * direction`` for each ``alpha``: a 1-D slice through the loss
    landscape around the trained weights ``theta`` (Li et al., 2018).

    Evaluated in eval mode (BatchNorm uses its running statistics) on a copy of the model, so the model itself
    keeps its weights, buffers and mode. ``direction`` maps parameter names to tensors of the parameters' shapes,
    e.g. from :func:`filter_normalized_direction`.
    """
    check_module("model", model)
    check_batch(x, y)
    check_positive_int("batch_size", batch_size)
    check_callable("loss_fn", loss_fn, "F.cross_entropy")
    values = np.asarray(alphas, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0 or not np.isfinite(values).all():
        raise ValueError(f"alphas must be a non-empty 1-D sequence of finite numbers, got alphas={alphas!r}")
    _check_direction(model, direction)
    probe = copy.deepcopy(model).eval()
    device = device_of(probe)
    parameters = dict(probe.named_parameters())
    start = {name: p.detach().clone() for name, p in parameters.items()}
    steps = {name: direction[name].detach().to(device=p.device, dtype=p.dtype) for name, p in parameters.items()}
    losses = []
    with torch.no_grad():
        for alpha in values:
            for name, parameter in parameters.items():
                parameter.copy_(start[name] + float(alpha) * steps[name])
            total = 0.0
            for xb, yb in batches(x, y, batch_size, device):
                total += float(loss_fn(probe(xb), yb)) * len(xb)
            losses.append(total / len(x))
    return np.array(losses)


def loss_surface(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    directions: tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]],
    alphas: Sequence[float],
    betas: Sequence[float] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
    batch_size: int = 1024,
) -> np.ndarray:
    """The loss at ``theta + alpha * d1 + beta * d2`` on a grid: the 2-D plane of Li et al.'s contour plots.

    ``directions`` is a pair ``(d1, d2)``, e.g. two :func:`filter_normalized_direction` draws with different
    seeds; ``betas`` defaults to ``alphas``. Returns an array of shape ``(len(betas), len(alphas))``: row ``i``
    is the slice along ``d1`` at ``beta = betas[i]`` (what ``contour(alphas, betas, surface)`` expects).
    Evaluated like :func:`loss_slice`, on a copy in eval mode; the model keeps its weights, buffers and mode.
    """
    check_module("model", model)
    if not isinstance(directions, (tuple, list)) or len(directions) != 2:
        raise ValueError(f"directions must be a pair (d1, d2) of direction dicts, got {type(directions).__name__}"
                         f"{'' if not isinstance(directions, (tuple, list)) else f' of length {len(directions)}'}")
    first, second = (_check_direction(model, d) for d in directions)
    rows = np.asarray(alphas if betas is None else betas, dtype=np.float64)
    if rows.ndim != 1 or len(rows) == 0 or not np.isfinite(rows).all():
        raise ValueError(f"betas must be a non-empty 1-D sequence of finite numbers, got betas={betas!r}")
    shifted = copy.deepcopy(model)
    parameters = dict(shifted.named_parameters())
    start = {name: p.detach().clone() for name, p in parameters.items()}
    surface = []
    for beta in rows:
        with torch.no_grad():
            for name, parameter in parameters.items():
                parameter.copy_(start[name] + float(beta) * second[name].to(device=parameter.device,
                                                                             dtype=parameter.dtype))
        surface.append(loss_slice(shifted, x, y, first, alphas, loss_fn=loss_fn, batch_size=batch_size))
    return np.stack(surface)
