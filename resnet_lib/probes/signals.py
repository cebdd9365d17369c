"""The signals inside a network during one pass: gradients on the way back, activations on the way forward.

Vanishing and exploding gradients are the first explanation anyone offers for why deep plain nets train
badly; these probes measure them instead of assuming them. Both gradient probes run one backward pass of the
loss and differ only in *what* they differentiate with respect to, so they share one implementation:

- ``gradient_norms``: each layer's weight, the quantity an optimiser steps with;
- ``output_gradient_norms``: each layer's output, the backward signal the chain rule multiplies by one
  Jacobian per layer on its way to the input.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..validation import check_batch, check_callable, check_module, check_tensor
from .hooks import HookFn, device_of, forward_hooks, untouched, weighted_layers

__all__ = ["activation_stats", "gradient_norms", "output_gradient_norms"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _loss_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn,
                         wrt: str) -> dict[str, float]:
    """Norm of d loss / d (each conv/linear layer's ``wrt``: "weight" or "output"), in forward order.

    Runs in the model's current mode (train mode = BatchNorm batch statistics, as during training) without
    keeping the statistics update, and uses ``torch.autograd.grad``, so no ``.grad`` is ever written.
    """
    check_module("model", model)
    check_batch(x, y)
    check_callable("loss_fn", loss_fn, "F.cross_entropy")
    layers = weighted_layers(model)
    if wrt == "weight":
        layers = [(name, module) for name, module in layers if module.weight.requires_grad]
    if not layers:
        trainable = " with a trainable weight" if wrt == "weight" else ""
        raise ValueError(f"model has no Conv2d or Linear layer{trainable}")
    tensors: dict[str, torch.Tensor] = {}  # filled in the order the forward pass first reaches each layer

    def make_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor | None:
            if wrt == "weight":
                tensors.setdefault(name, module.weight)
                return None
            tensors.setdefault(name, output)
            return output.clone()  # an in-place ReLU downstream then changes the clone, not the probed tensor

        return hook

    device = device_of(model)
    with untouched(model), torch.enable_grad(), forward_hooks(layers, make_hook):
        loss = loss_fn(model(x.to(device)), y.to(device))
        names = list(tensors)
        grads = torch.autograd.grad(loss, [tensors[name] for name in names], allow_unused=True)
    return {name: 0.0 if grad is None else float(grad.norm()) for name, grad in zip(names, grads)}


def gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                   loss_fn: LossFn = F.cross_entropy) -> dict[str, float]:
    """L2 norm of each conv/linear weight gradient after one backward pass, in forward order.

    Vanishing gradients show up as norms that shrink layer by layer towards the input. The model's mode,
    BatchNorm statistics and ``.grad`` are left as they were.
    """
    return _loss_gradient_norms(model, x, y, loss_fn, wrt="weight")


def output_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                          loss_fn: LossFn = F.cross_entropy) -> dict[str, float]:
    """Norm of the loss gradient with respect to each conv/linear layer's *output*, in forward order.

    This is the backward signal of the chain rule, the quantity that is multiplied by one Jacobian per layer on
    its way to the input: where each factor is below (above) one in scale, it vanishes (explodes) geometrically.
    Weight gradients hide this, since they also carry the forward activations. The loss is a batch mean, so the
    norm is scaled back to the size of one example's; the model's mode and BatchNorm statistics are left as they were.
    """
    norms = _loss_gradient_norms(model, x, y, loss_fn, wrt="output")
    scale = len(x) ** 0.5
    return {name: norm * scale for name, norm in norms.items()}


def activation_stats(
    model: nn.Module,
    x: torch.Tensor,
    layer_types: tuple[type[nn.Module], ...] = (nn.Conv2d, nn.Linear),
) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each layer's output, in forward order.

    Exploding or collapsing activations are the forward-pass twin of exploding or vanishing gradients; they
    show whether an initialisation keeps the signal alive through depth.
    """
    check_module("model", model)
    check_tensor("x", x)
    if not isinstance(layer_types, tuple) or not all(
        isinstance(t, type) and issubclass(t, nn.Module) for t in layer_types
    ):
        raise TypeError(f"layer_types must be a tuple of nn.Module classes such as (nn.Conv2d,), "
                        f"got layer_types={layer_types!r}")
    stats: dict[str, dict[str, float]] = {}

    def make_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            if name not in stats and isinstance(output, torch.Tensor):
                values = output.detach().float()
                stats[name] = {"mean": float(values.mean()), "std": float(values.std())}

        return hook

    layers = [(name, module) for name, module in model.named_modules() if isinstance(module, layer_types)]
    with untouched(model), torch.no_grad(), forward_hooks(layers, make_hook):
        model(x.to(device_of(model)))
    return stats
