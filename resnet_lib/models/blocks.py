"""Pieces every model file shares: the two convolutions, the weight init and the argument checks.

They live in one place so that AlexNet, VGG and all ResNets are initialised and validated the same way,
and so that a wrong argument fails at construction with a message that says how to fix it.
"""

import math
from collections.abc import Sequence

import torch
import torch.nn as nn


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1, so stride 1 keeps the size; no bias because a BatchNorm follows."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution: mixes channels only; used to change width and in projection shortcuts."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


def output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Side of a conv/pool output, floor((n + 2p - k) / s) + 1: tells when a layer would shrink a map to nothing."""
    return (size + 2 * padding - kernel_size) // stride + 1


def kaiming_init_(model: nn.Module, init_linear: bool = False) -> nn.Module:
    """Initialise like torchvision, so a ReLU net keeps its activation scale from layer to layer.

    Convolutions get He (Kaiming) normal init with ``mode="fan_out"``, BatchNorm starts as the identity
    (gamma 1, beta 0). ``init_linear=True`` gives fully connected layers He normal init too (``fan_in``,
    zero bias); ``False`` keeps PyTorch's default, as torchvision's ResNet does.

    Why not torchvision's fixed N(0, 0.01) for VGG's classifier: at ImageNet widths it is close to He's
    std (sqrt(2/25088) = 0.009, sqrt(2/4096) = 0.022), but in a 256-wide classifier each layer shrinks the
    signal about 6x, and small VGG or AlexNet variants sit at chance for hundreds of steps.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear) and init_linear:
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


# ---------------------------------------------------------------------------------------------------------
# Argument checks: fail early, name the parameter, the value given and what is allowed.
# ---------------------------------------------------------------------------------------------------------


def check_positive_int(name: str, value: object) -> int:
    """Sizes (widths, class counts, channels) must be whole and positive; a bool is not a size."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int, got {name}={value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={value}")
    return value


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """A string option must be one of a short known list; the message lists the list."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(option) for option in allowed)
        raise ValueError(f"{name} must be one of {choices}, got {name}={value!r}")
    return value


def check_number(name: str, value: object, low: float, high: float, high_inclusive: bool = True) -> float:
    """A real number in [low, high] (or [low, high) when ``high_inclusive`` is False)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {name}={value!r} ({type(value).__name__})")
    upper_ok = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and value >= low and upper_ok):
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {name}={value}")
    return float(value)


def check_input(x: torch.Tensor, in_channels: int) -> None:
    """Catch the two common input mistakes (no batch axis, wrong channel count) with a readable message.

    Without it, PyTorch reports a weight-shape mismatch deep inside the first convolution.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}")
    if x.dim() != 4:
        raise ValueError(
            f"input must be a 4-D batch of shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "for one image use x.unsqueeze(0)"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"expected {in_channels} input channels (in_channels={in_channels}), got {x.shape[1]} "
            f"(input shape {tuple(x.shape)})"
        )


def blocks_per_stage(depth: object, layers_per_block: int, examples: str) -> int:
    """CIFAR-style nets have depth = layers_per_block * n + 2 (stem conv and fc); return n, the blocks per stage."""
    rule = f"{layers_per_block}n+2 ({examples}, ...)"
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise TypeError(f"depth must be an int of the form {rule}, got depth={depth!r} ({type(depth).__name__})")
    if depth < layers_per_block + 2 or (depth - 2) % layers_per_block != 0:
        raise ValueError(f"depth must be {rule}, got depth={depth}")
    return (depth - 2) // layers_per_block
