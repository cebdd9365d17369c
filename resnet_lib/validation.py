"""One way to refuse bad input, for every module of the library.

A wrong argument should fail at once, where the reader typed it, with a message that names the parameter,
the value given and what is allowed. The rule for the error type is Python's own: ``TypeError`` when the
value is of the wrong kind (a string where a number belongs, a bool where a size belongs), ``ValueError``
when the kind is right but the value is not allowed (a negative size, an unknown option).

Numbers follow torchvision: numpy scalars (``np.int64(3)``, ``np.float32(0.1)``) are numbers like Python's, and a
bool is never a number (``True`` for a width is a bug). Every check returns the value it accepted, as a plain
Python value, so it can be used inline: ``self.width = check_positive_int(...)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn as nn


def _kind(value: object) -> str:
    return type(value).__name__


def is_int(value: object) -> bool:
    """A whole number: Python's ``int`` or a numpy integer, never a bool (Python's or numpy's)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_number(value: object) -> bool:
    """A real number: int, float or a numpy scalar of either kind, never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_bool(name: str, value: object) -> bool:
    """Flags are True or False: a string such as "no" would otherwise silently switch the flag on."""
    if isinstance(value, np.bool_):
        return bool(value)
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {name}={value!r} ({_kind(value)})")
    return value


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number, optionally within [minimum, maximum]; bools and floats are refused (1.5 is a bug)."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {name}={value!r} ({_kind(value)})")
    value = int(value)  # type: ignore[arg-type]
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        raise ValueError(f"{name} must be an int in [{low}, {high}], got {name}={value}")
    return value


def check_positive_int(name: str, value: object) -> int:
    """Sizes (widths, class counts, channels, epochs) are whole and at least 1."""
    if not is_int(value):
        raise TypeError(f"{name} must be a positive int, got {name}={value!r} ({_kind(value)})")
    value = int(value)  # type: ignore[arg-type]
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={value}")
    return value


def check_sizes(name: str, value: object, length: int | None = None) -> tuple[int, ...]:
    """A sequence of positive ints (stage depths, layer widths), optionally of a given length; a bare int or a
    string is refused with a message that shows the form wanted."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        example = "(3, 4, 6)" if length is None else str(tuple(range(1, length + 1)))
        raise TypeError(f"{name} must be a sequence of positive ints such as {example}, got {name}={value!r} "
                        f"({_kind(value)})")
    if len(value) == 0 or (length is not None and len(value) != length):
        wanted = "non-empty" if length is None else f"of length {length}"
        raise ValueError(f"{name} must be a sequence {wanted}, got {name}={value!r}")
    return tuple(check_positive_int(f"{name}[{index}]", item) for index, item in enumerate(value))


def check_positive(name: str, value: object) -> float:
    """A finite number above 0, such as a learning rate."""
    if not is_number(value):
        raise TypeError(f"{name} must be a number above 0, got {name}={value!r} ({_kind(value)})")
    value = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number above 0, got {name}={value}")
    return float(value)


def check_optional_bool(name: str, value: object) -> bool | None:
    """A flag whose ``None`` means "decide for me" (e.g. mixed precision: on for CUDA, off elsewhere)."""
    return None if value is None else check_bool(name, value)


def check_number(name: str, value: object, low: float = -math.inf, high: float = math.inf,
                 *, high_inclusive: bool = True) -> float:
    """A finite real number in [low, high] (or [low, high) when ``high_inclusive`` is False)."""
    if not is_number(value):
        raise TypeError(f"{name} must be a number, got {name}={value!r} ({_kind(value)})")
    value = float(value)  # type: ignore[arg-type]
    upper_ok = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and value >= low and upper_ok):
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be a finite number in [{low}, {high}{bracket}, got {name}={value}")
    return float(value)


def check_choice(name: str, value: object, allowed: Sequence[Any]) -> Any:
    """An option from a short known list; the message lists the list."""
    is_bool = isinstance(value, (bool, np.bool_))
    if is_bool != any(isinstance(a, bool) for a in allowed) or value not in allowed:
        choices = ", ".join(repr(option) for option in allowed)
        raise ValueError(f"{name} must be one of {choices}, got {name}={value!r}")
    return allowed[list(allowed).index(value)]  # the listed value itself: 16, not np.int64(16)


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


def check_images(x: torch.Tensor, in_channels: int, min_size: int = 1) -> None:
    """The common input mistakes of a conv net, said plainly: no batch axis, the wrong channel count, integer
    pixels (uint8 images straight from a file), an image too small for the network's strides and pools.

    Without it PyTorch reports a weight-shape mismatch or a dtype error deep inside the first convolution.
    Models call it in eager mode only (see ``models.blocks.check_input``), so tracing and scripting see plain
    tensor code.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor of shape (N, C, H, W), got {_kind(x)}")
    if x.dim() != 4:
        raise ValueError(
            f"input must be a 4-D batch of shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "for one image use x.unsqueeze(0)"
        )
    if not x.is_floating_point():
        raise TypeError(
            f"input must be a floating-point tensor, got dtype {x.dtype} (shape {tuple(x.shape)}); "
            "convert images with x.float() / 255 and normalise them as in training"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"input must have in_channels={in_channels} channels, got {x.shape[1]} (input shape {tuple(x.shape)})"
        )
    if min(x.shape[-2], x.shape[-1]) < min_size:
        raise ValueError(
            f"input must be at least {min_size}x{min_size} pixels for this network (its strides and pools leave "
            f"nothing of a smaller image), got {x.shape[-2]}x{x.shape[-1]} (input shape {tuple(x.shape)}); "
            "for small images build the network with image_size set to their size"
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
