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

from ..data import batches as data_batches

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
    """``(inputs, labels)`` slices of at most ``batch_size``, in order, moved to ``device``: the training loader
    (:func:`resnet_lib.data.batches`) without shuffling, for probes."""
    return ((xb.to(device), yb.to(device)) for xb, yb in data_batches(x, y, batch_size, shuffle=False))


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The convolutions and fully connected layers: the layers a "layer index" counts in the papers."""
    return [(name, module) for name, module in model.named_modules() if isinstance(module, (nn.Conv2d, nn.Linear))]


def _holds_blocks(module: nn.Module) -> bool:
    """A stage is a container of blocks, and a block is itself a container (of convolutions, norms...)."""
    return any(next(child.children(), None) is not None for child in module.children())


def _stage_closed_by(model: nn.Module, point: str) -> str | None:
    """The stage a ``feature_info`` point closes: the point itself, or the last sibling before it that holds
    blocks (pre-activation nets take their last features after a final norm and ReLU that follow the last
    stage). ``None`` for a point with no stage before it, such as the stem's activation."""
    parent_name, _, leaf = point.rpartition(".")
    try:
        siblings = list(model.get_submodule(parent_name).named_children())
    except AttributeError:  # a point naming no module: nothing to read
        return None
    names = [name for name, _ in siblings]
    if leaf not in names:
        return None
    for name, module in reversed(siblings[: names.index(leaf) + 1]):
        if _holds_blocks(module):
            return f"{parent_name}.{name}" if parent_name else name
    return None


def stage_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules that hold a model's stages of blocks, by name, in order.

    A model that describes itself with timm's ``feature_info`` (one dict per feature map it offers, with the
    name of the module that outputs it under ``"module"``) is read from it: each entry closes one stage, and
    entries with no stage of blocks before them (the stem's activation that timm lists first, VGG's pooling
    points) are left out. A model without it, such as torchvision's ResNets, is read by torchvision's naming
    convention: modules called ``layer1``, ``layer2``...
    """
    info = getattr(model, "feature_info", None)
    if isinstance(info, (list, tuple)) and info and all(isinstance(entry, dict) and "module" in entry for entry in info):
        found: list[str] = []
        for entry in info:
            stage = _stage_closed_by(model, entry["module"])
            if stage is not None and stage not in found:
                found.append(stage)
        return [(name, model.get_submodule(name)) for name in found]
    return [(name, module) for name, module in model.named_modules() if _LAYER_NAME.fullmatch(name.rsplit(".", 1)[-1])]
