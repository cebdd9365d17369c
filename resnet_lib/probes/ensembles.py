"""Residual networks as ensembles of paths (Veit, Wilber and Belongie, 2016).

Unrolled, a net of n blocks ``x + F(x)`` is a sum over 2**n paths, each either entering a block's branch or
taking its shortcut. Two consequences can be measured: deleting one block removes only half the paths, so a
residual net shrugs off a *lesion* that wrecks a plain net; and most paths are of middle length, n/2, far
shorter than the net is deep.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from ..validation import check_batch, check_int, check_module, check_positive_int
from .hooks import HookFn, batches, device_of, forward_hooks, stage_modules, untouched

__all__ = ["blocks", "lesion", "path_length_distribution"]


def blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The residual (or plain) blocks: the children of each stage module, named ``"layer1.0"`` and so on.

    Stages are found by :func:`~resnet_lib.probes.hooks.stage_modules`: the model's ``feature_info`` where it
    has one, else torchvision's ``layer<k>`` names, so lesions work on the book's nets and torchvision's alike.
    """
    check_module("model", model)
    return [(f"{name}.{child}", block) for name, stage in stage_modules(model) for child, block in stage.named_children()]


def _error(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    wrong = 0
    for xb, yb in batches(x, y, batch_size, device_of(model)):
        wrong += int((model(xb).argmax(dim=1) != yb).sum())
    return wrong / len(x)


def lesion(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 256) -> dict[str, float]:
    """Error (fraction in [0, 1]) with nothing removed (key ``"baseline"``), then with each shape-preserving
    block skipped in turn.

    Skipping a block means its output is replaced by its input: the residual branch is deleted and the shortcut
    kept (Veit et al., 2016). Residual nets shrug this off; plain nets collapse. Runs in eval mode; the model's
    mode and buffers are restored afterwards.
    """
    check_module("model", model)
    check_batch(x, y)
    check_positive_int("batch_size", batch_size)
    candidates = blocks(model)
    if not candidates:
        raise ValueError("model has no blocks: no children of stage modules (feature_info, or layer1, layer2, ...)")
    same_shape: set[str] = set()

    def record(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            if inputs and isinstance(inputs[0], torch.Tensor) and inputs[0].shape == output.shape:
                same_shape.add(name)

        return hook

    def skip(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> torch.Tensor:
            return inputs[0]

        return hook

    with untouched(model), torch.no_grad():
        model.eval()
        with forward_hooks(candidates, record):
            errors = {"baseline": _error(model, x, y, batch_size)}
        for name, block in candidates:
            if name in same_shape:
                with forward_hooks([(name, block)], skip):
                    errors[name] = _error(model, x, y, batch_size)
    return errors


def path_length_distribution(n_blocks: int) -> np.ndarray:
    """Share of the ``2**n_blocks`` paths through ``n_blocks`` residual blocks that pass through exactly ``k``
    residual branches, for ``k = 0 .. n_blocks``: the binomial ``C(n, k) / 2**n``.

    Most paths are of middle length, n/2: in ResNet-110 (54 blocks), 95% pass through 19 to 35 branches.
    """
    check_int("n_blocks", n_blocks, minimum=0)
    return np.array([math.comb(n_blocks, k) for k in range(n_blocks + 1)], dtype=np.float64) / 2.0**n_blocks
