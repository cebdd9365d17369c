"""One way to refuse bad input, for every module of the library.

A wrong argument should fail at once, where the reader typed it, with a message that names the parameter,
the value given and what is allowed. The rule for the error type is Python's own: ``TypeError`` when the
value is of the wrong kind (a string where a number belongs, a bool where a size belongs), ``ValueError``
when the kind is right but the value is not allowed (a negative size, an unknown option).

Every check returns the value it accepted, so it can be used inline: ``self.width = check_positive_int(...)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn as nn


def _kind(value: object) -> str:
    return type(value).__name__


def check_bool(name: str, value: object) -> bool:
    """Flags are True or False: a string such as "no" would otherwise silently switch the flag on."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {name}={value!r} ({_kind(value)})")
    return value


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number, optionally within [minimum, maximum]; bools and floats are refused (1.5 is a bug)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {name}={value!r} ({_kind(value)})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        raise ValueError(f"{name} must be an int in [{low}, {high}], got {name}={value}")
    return value


def check_positive_int(name: str, value: object) -> int:
    """Sizes (widths, class counts, channels, epochs) are whole and at least 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int, got {name}={value!r} ({_kind(value)})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={value}")
    return value


def check_positive(name: str, value: object) -> float:
    """A finite number above 0, such as a learning rate."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number above 0, got {name}={value!r} ({_kind(value)})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number above 0, got {name}={value}")
    return float(value)


def check_optional_bool(name: str, value: object) -> bool | None:
    """A flag whose ``None`` means "decide for me" (e.g. mixed precision: on for CUDA, off elsewhere)."""
    return None if value is None else check_bool(name, value)


def check_number(name: str, value: object, low: float = -math.inf, high: float = math.inf,
                 *, high_inclusive: bool = True) -> float:
    """A finite real number in [low, high] (or [low, high) when ``high_inclusive`` is False)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {name}={value!r} ({_kind(value)})")
    upper_ok = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and value >= low and upper_ok):
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be a finite number in [{low}, {high}{bracket}, got {name}={value}")
    return float(value)


def check_choice(name: str, value: object, allowed: Sequence[Any]) -> Any:
    """An option from a short known list; the message lists the list."""
    if value not in allowed or isinstance(value, bool) != any(isinstance(a, bool) for a in allowed):
        choices = ", ".join(repr(option) for option in allowed)
        raise ValueError(f"{name} must be one of {choices}, got {name}={value!r}")
    return value


def check_callable(name: str, value: object, example: str) -> Callable[..., Any]:
    """A factory such as ``norm_layer``; a string (``"batchnorm"``) is the usual mistake, so say what to pass."""
    if isinstance(value, str) or not callable(value):
        raise TypeError(f"{name} must be a callable such as {example}, got {name}={value!r} ({_kind(value)})")
    return value


def check_module(name: str, value: object) -> nn.Module:
    """Probes and training take any ``nn.Module``; anything else is refused before hooks are attached."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {name} of type {_kind(value)}")
    return value


def check_tensor(name: str, value: object, ndim: int | None = None) -> torch.Tensor:
    """A tensor, optionally of a given number of dimensions (e.g. 4 for a batch of images)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {name} of type {_kind(value)}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(f"{name} must be a {ndim}-D tensor, got {name} of shape {tuple(value.shape)}")
    return value


def check_images(x: torch.Tensor, in_channels: int) -> None:
    """The two common input mistakes of a conv net (no batch axis, wrong channel count), said plainly.

    Without it PyTorch reports a weight-shape mismatch deep inside the first convolution. Models call it in
    eager mode only (see ``models.blocks.check_input``), so tracing and scripting see plain tensor code.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor of shape (N, C, H, W), got {_kind(x)}")
    if x.dim() != 4:
        raise ValueError(
            f"input must be a 4-D batch of shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "for one image use x.unsqueeze(0)"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"input must have in_channels={in_channels} channels, got {x.shape[1]} (input shape {tuple(x.shape)})"
        )


def check_batch(x: object, y: object, names: tuple[str, str] = ("x", "y")) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and labels (or targets) of one batch: two tensors, non-empty and of the same length."""
    first, second = names
    check_tensor(first, x)
    check_tensor(second, y)
    if x.ndim == 0 or y.ndim == 0 or len(x) == 0 or len(x) != len(y):  # type: ignore[union-attr, arg-type]
        raise ValueError(
            f"{first} and {second} must be non-empty batches of the same length, "
            f"got {first}.shape={tuple(x.shape)} and {second}.shape={tuple(y.shape)}"  # type: ignore[union-attr]
        )
    return x, y  # type: ignore[return-value]
