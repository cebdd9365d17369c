"""Where in the image a classifier looked: Grad-CAM (Selvaraju et al., 2017) and its figure.

For a net that ends in global average pooling and one linear layer, the class activation map (CAM, Zhou et al.,
2016) of class c is the last feature maps A_k weighted by the fc weights of class c. Grad-CAM generalises it: the
weight of map k is the average over positions of d(score_c)/dA_k, which for such a net is the fc weight divided by
the number of positions, so both give the same map up to scale. Negative evidence is cut off with a ReLU, and the map
is scaled up to the input's size.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn

from ..validation import check_module, check_tensor

__all__ = ["grad_cam", "plot_cam"]


def _default_layer(model: nn.Module) -> str:
    info = getattr(model, "feature_info", None)
    if not info:
        raise ValueError("layer must name a module of model (e.g. 'layer3'): model has no feature_info to pick "
                         "its last stage from")
    return info[-1]["module"]


def grad_cam(model: nn.Module, x: torch.Tensor, target: torch.Tensor | Sequence[int] | None = None,
             layer: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Grad-CAM maps of ``x`` (N, C, H, W) for the classes ``target`` (default: the predicted ones).

    ``layer`` names the module whose output is explained (default: the last stage in ``model.feature_info``).
    Returns ``(maps, target)``: maps of shape (N, H, W), each scaled to [0, 1] (all zeros where no position
    speaks for the class), and the classes explained. Runs in eval mode; the model's mode is restored.
    """
    check_module("model", model)
    check_tensor("x", x, ndim=4)
    layer = _default_layer(model) if layer is None else layer
    modules = dict(model.named_modules())
    if not isinstance(layer, str) or layer not in modules:
        raise ValueError(f"layer must name a module of model, such as {_default_layer(model)!r}, got layer={layer!r}"
                         if getattr(model, "feature_info", None) else
                         f"layer must name a module of model, got layer={layer!r}")
    captured: dict[str, torch.Tensor] = {}

    def keep(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        output.retain_grad()
        captured["maps"] = output

    was_training = model.training
    model.eval()
    handle = modules[layer].register_forward_hook(keep)
    try:
        with torch.enable_grad():
            logits = model(x)
            if target is None:
                target = logits.argmax(dim=1)
            target = torch.as_tensor(target, device=logits.device).long().reshape(-1)
            if len(target) != len(x):
                raise ValueError(f"target must give one class per image, got {len(target)} for {len(x)} images")
            if target.min() < 0 or target.max() >= logits.shape[1]:
                raise ValueError(f"target must hold classes in [0, {logits.shape[1] - 1}], got {target.tolist()}")
            logits.gather(1, target[:, None]).sum().backward()
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    maps, grads = captured["maps"], captured["maps"].grad
    weights = grads.mean(dim=(2, 3), keepdim=True)  # one weight per feature map
    cam = F.relu((weights * maps).sum(dim=1, keepdim=True)).detach()
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    peak = cam.flatten(1).max(dim=1).values.clamp_min(1e-12)[:, None, None]
    return cam / peak, target.detach()


def plot_cam(images: torch.Tensor, maps: torch.Tensor, titles: Sequence[str], mean: Sequence[float] | None = None,
             std: Sequence[float] | None = None, ncols: int = 6) -> Figure:
    """Each image (top) above the same image with its map laid over it (bottom, bright = evidence for the class)."""
    x = images.detach().cpu().float().numpy()
    m = maps.detach().cpu().float().numpy()
    if x.ndim != 4 or m.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"images must be (N, C, H, W) and maps (N, H, W) of the same N, H, W, got {x.shape} "
                         f"and {m.shape}")
    if len(titles) != len(x):
        raise ValueError(f"titles must give one title per image, got {len(titles)} for {len(x)} images")
    channels = x.shape[1]
    if mean is not None and std is not None:
        x = x * np.asarray(std, np.float32).reshape(1, channels, 1, 1) + np.asarray(mean, np.float32).reshape(
            1, channels, 1, 1)
    x = np.clip(x, 0, 1).transpose(0, 2, 3, 1)
    ncols = min(ncols, len(x))
    groups = -(-len(x) // ncols)
    with plt.rc_context({"figure.dpi": 100}):
        fig, axes = plt.subplots(2 * groups, ncols, figsize=(1.3 * ncols, 2.7 * groups), squeeze=False)
        plt.close(fig)
        for ax in axes.flat:
            ax.axis("off")
        for index in range(len(x)):
            row, col = 2 * (index // ncols), index % ncols
            image = x[index, :, :, 0] if channels == 1 else x[index]
            cmap = "gray" if channels == 1 else None
            axes[row, col].imshow(image, cmap=cmap, vmin=0, vmax=1)
            axes[row, col].set_title(titles[index], fontsize=8)
            axes[row + 1, col].imshow(image, cmap=cmap, vmin=0, vmax=1)
            axes[row + 1, col].imshow(m[index], cmap="jet", alpha=0.45, vmin=0, vmax=1)
        fig.tight_layout()
    return fig
