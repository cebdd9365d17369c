"""Reaching into any model from the outside, and leaving it as it was.

Every probe of the book measures a network it did not build: the book's own nets, torchvision's ResNets or a
hand-written ``nn.Sequential``. So probes never edit a model's code; they attach forward hooks, and they clean up:
no hook, gradient, changed BatchNorm statistic or changed train/eval mode is left behind. This module holds the
pieces every probe shares for that, and the two ways of finding a model's parts (its weighted layers, its stages).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

__all__ = ["HookFn", "batches", "device_of", "forward_hooks", "stage_modules", "untouched", "weighted_layers"]

HookFn = Callable[..., Any]
"""A forward hook ``(module, inputs, output) -> None | new output``, or a pre-hook ``(module, inputs) -> ...``."""

_LAYER_NAME = re.compile(r"layer\d+")


@contextmanager
def forward_hooks(
    named_modules: Iterable[tuple[str, nn.Module]], make_hook: Callable[[str], HookFn], *, pre: bool = False
) -> Iterator[None]:
    """Attach ``make_hook(name)`` to each module and remove every hook on exit, even on error.

    Forgotten hooks are the classic probe bug: they keep firing (and keep tensors alive) long after the
    experiment that needed them. ``pre=True`` attaches forward *pre*-hooks, called before the module runs.
    """
    handles = []
    try:
        for name, module in named_modules:
            register = module.register_forward_pre_hook if pre else module.register_forward_hook
            handles.append(register(make_hook(name)))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def untouched(model: nn.Module) -> Iterator[None]:
    """Restore train/eval mode and buffers (BatchNorm running statistics) on exit.

    A forward pass in train mode updates BatchNorm's running averages; a probe must not quietly change the
    model it is measuring.
    """
    modes = {module: module.training for module in model.modules()}
    buffers = {name: buffer.detach().clone() for name, buffer in model.named_buffers()}
    try:
        yield
    finally:
        for module, training in modes.items():
            module.training = training
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                if name in buffers:
                    buffer.copy_(buffers[name])


def device_of(model: nn.Module) -> torch.device:
    """Where the model's tensors live, so probes move their inputs there (CPU for a model without any)."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def batches(x: torch.Tensor, y: torch.Tensor, batch_size: int,
            device: torch.device) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(inputs, labels)`` slices of at most ``batch_size``, moved to ``device``: a probe's own small data loader."""
    for start in range(0, len(x), batch_size):
        yield x[start : start + batch_size].to(device), y[start : start + batch_size].to(device)


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The convolutions and fully connected layers: the layers a "layer index" counts in the papers."""
    return [(name, module) for name, module in model.named_modules() if isinstance(module, (nn.Conv2d, nn.Linear))]


def stage_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules that hold a model's stages of blocks, by name, in order.

    A model that describes itself with timm's ``feature_info`` (one dict per stage output, with the stage
    module's name under ``"module"``) is read from it; its entries that are single layers (the stem's
    activation that timm lists first) are not stages of blocks and are left out. A model without it, such as
    torchvision's ResNets, is read by torchvision's naming convention: modules called ``layer1``, ``layer2``...
    """
    info = getattr(model, "feature_info", None)
    if isinstance(info, (list, tuple)) and info and all(isinstance(entry, dict) and "module" in entry for entry in info):
        named = dict(model.named_modules())
        found = [(entry["module"], named[entry["module"]]) for entry in info if entry["module"] in named]
        return [(name, module) for name, module in found if next(module.children(), None) is not None]
    return [(name, module) for name, module in model.named_modules() if _LAYER_NAME.fullmatch(name.rsplit(".", 1)[-1])]
