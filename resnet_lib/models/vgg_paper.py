"""All six VGG configurations of Simonyan and Zisserman's Table 1, VGG-style plain nets of any depth, and the
paper's staged initialisation of a deeper net from a trained shallower one.

``models.vgg11`` ... ``vgg19`` build A, B, D and E as torchvision does. This module adds what torchvision lacks:
A-LRN (local response normalisation after the first layer) and C (1x1 convolutions in the last three stages),
and a depth rule that reproduces A, B, D and E from their depth and extends them (extra layers go to the later
stages, where the maps are small, as the paper did).
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn as nn

from ..validation import check_int, check_module, check_number, is_int
from .vgg import VGG, VGG_PAPER_CONFIGS, Layer

__all__ = ["VGG_PAPER_CONFIGS", "ConfigVGG", "vgg_paper", "vgg_depth_config", "weight_layers", "normal_init_",
           "init_from_shallower_"]


def vgg_depth_config(depth: int) -> list[Layer]:
    """A VGG-style config with ``depth`` weight layers (``depth - 3`` convolutions and three fully connected).

    The first two stages get one convolution each up to depth 11 and two from then on; the other convolutions
    are shared out over stages 3 to 5, the later stages taking the remainder. Depths 11, 13, 16 and 19 give
    exactly configurations A, B, D and E.
    """
    depth = check_int("depth", depth, minimum=8)
    convs = depth - 3
    early = 1 if convs <= 8 else 2
    rest = convs - 2 * early
    late = [rest // 3 + (1 if stage >= 3 - rest % 3 else 0) for stage in range(3)]
    config: list[Layer] = []
    for count, channels in zip([early, early, *late], (64, 128, 256, 512, 512)):
        config += [channels] * count + ["M"]
    return config


def _check_config(config: Any) -> list[Layer]:
    if isinstance(config, str):
        if config not in VGG_PAPER_CONFIGS:
            raise ValueError(f"config must be one of {', '.join(VGG_PAPER_CONFIGS)}, a depth >= 8 or a list, "
                             f"got config={config!r}")
        return VGG_PAPER_CONFIGS[config]
    if is_int(config):
        return vgg_depth_config(config)
    if not isinstance(config, Sequence) or not config:
        raise TypeError(f"config must be a name ('A' ... 'E'), a depth or a non-empty list, got config={config!r}")
    for item in config:
        ok = (item in ("M", "LRN") or (is_int(item) and item > 0)
              or (isinstance(item, tuple) and len(item) == 2 and item[0] in (1, 3)))
        if not ok:
            raise ValueError(f"config entries must be channel counts, (1, channels), 'M' or 'LRN', got {item!r}")
    return list(config)


class ConfigVGG(VGG):
    """A VGG built from a config list; module names (features, avgpool, classifier) are torchvision's, so
    A, B, D and E have torchvision's ``state_dict`` keys and parameter counts. ``stages`` lists the convolutions
    between two pools, for the paper's staged initialisation."""

    def __init__(
        self,
        config: str | int | Sequence[Layer] = "A",
        *,
        num_classes: int = 1000,
        in_channels: int = 3,
        width: int = 64,
        hidden: int = 4096,
        image_size: int = 224,
        dropout: float = 0.5,
        norm_layer: Callable[[int], nn.Module] | None = None,
    ) -> None:
        nn.Module.__init__(self)
        self._build(_check_config(config), norm_layer=norm_layer, num_classes=num_classes, in_channels=in_channels,
                    width=width, hidden=hidden, image_size=image_size, dropout=dropout)


def vgg_paper(config: str | int | Sequence[Layer] = "A", **kwargs: Any) -> ConfigVGG:
    """A VGG from the paper's Table 1 by name ("A", "A-LRN", "B", "C", "D", "E"), from a depth, or from a list.
    Keyword arguments: num_classes, in_channels, width, hidden, image_size, dropout, norm_layer."""
    return ConfigVGG(config, **kwargs)


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """The convolutions and fully connected layers of a model, in the order they were built."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def normal_init_(model: nn.Module, std: float) -> nn.Module:
    """The init of the VGG paper's time: every weight from one fixed normal distribution, whatever the layer's
    width (the paper: zero mean, variance 1e-2), biases zero. Unlike He init it does not scale with fan-in."""
    check_module("model", model)
    check_number("std", std, 0.0)
    with torch.no_grad():
        for layer in weight_layers(model):
            layer.weight.normal_(0.0, std)
            if layer.bias is not None:
                layer.bias.zero_()
    return model


def init_from_shallower_(deep: ConfigVGG, shallow: ConfigVGG, convs: int = 4) -> ConfigVGG:
    """The paper's staged training: copy the first ``convs`` convolutions and the three fully connected layers
    of a trained shallower net into a deeper one; every other layer keeps its random init.

    Convolutions are matched stage by stage (the i-th convolution of a stage goes to the i-th of the same stage
    in the deeper net), the only way their shapes agree: A's second layer maps 64 to 128 channels, E's 64 to 64.
    """
    for name, net in (("deep", deep), ("shallow", shallow)):
        if not isinstance(net, ConfigVGG):
            raise TypeError(f"{name} must be a ConfigVGG (built by vgg_paper), got {type(net).__name__}")
    total = sum(len(stage) for stage in shallow.stages)
    check_int("convs", convs, minimum=0, maximum=total)
    if len(deep.stages) != len(shallow.stages) or any(
            len(d) < len(s) for d, s in zip(deep.stages, shallow.stages)):
        raise ValueError("deep must have the same stages as shallow and at least as many convolutions in each, "
                         f"got {[len(s) for s in deep.stages]} against {[len(s) for s in shallow.stages]}")
    pairs = [(s, d) for s_stage, d_stage in zip(shallow.stages, deep.stages) for s, d in zip(s_stage, d_stage)]
    pairs = pairs[:convs]
    pairs += list(zip([m for m in shallow.classifier if isinstance(m, nn.Linear)],
                      [m for m in deep.classifier if isinstance(m, nn.Linear)]))
    for src, dst in pairs:
        if src.weight.shape != dst.weight.shape:
            raise ValueError(f"a layer has shape {tuple(dst.weight.shape)} in deep but {tuple(src.weight.shape)} "
                             "in shallow: build both with the same width, hidden and image_size")
    with torch.no_grad():
        for src, dst in pairs:
            dst.weight.copy_(src.weight)
            dst.bias.copy_(src.bias)
    return deep
