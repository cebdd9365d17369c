"""How much memory training needs for the backward pass, counted exactly on any device.

Autograd keeps some tensors of the forward pass (a convolution's input, a ReLU's output, ...) until the backward
pass has used them; that is where the memory of training goes, and why it grows with depth. PyTorch hands every
such tensor to the hooks of ``torch.autograd.graph.saved_tensors_hooks`` when it is saved, and lets go of what the
hook returned when it is freed. :class:`SavedTensorMeter` wraps each saved tensor in a small holder whose
``__del__`` gives the bytes back, so it knows at every moment how many bytes autograd holds, and the peak. Tensors
that share memory (a ReLU's output saved again by the next convolution) are counted once, and the model's own
parameters, which exist anyway, are left out.

On a GPU ``torch.cuda.max_memory_allocated`` says the same from the allocator's side (plus workspace); this count
needs no GPU and does not depend on the allocator.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..validation import check_callable, check_int, check_module, check_positive_int, check_tensor

__all__ = ["SavedTensorMeter", "saved_activation_bytes", "time_training_step"]


def _storage_key(tensor: torch.Tensor) -> tuple[str, int]:
    storage = tensor.untyped_storage()
    return tensor.device.type, storage.data_ptr()


class _Held:
    """What autograd keeps instead of the tensor: the tensor plus a note to give its bytes back when freed."""

    __slots__ = ("tensor", "key", "meter")

    def __init__(self, tensor: torch.Tensor, key: tuple[str, int] | None, meter: SavedTensorMeter) -> None:
        self.tensor, self.key, self.meter = tensor, key, meter

    def __del__(self) -> None:
        if self.key is not None:
            self.meter._release(self.key)


class SavedTensorMeter:
    """Context manager: ``bytes`` autograd holds for the backward pass right now, and ``peak_bytes``.

    >>> with SavedTensorMeter(model) as meter:
    ...     loss = model(x).sum()
    ...     held = meter.bytes          # everything the backward pass will need
    ...     loss.backward()
    >>> meter.peak_bytes

    ``model`` (optional) names the parameters to leave out; without it, every saved tensor counts. Tensors saved
    inside a region that installs its own hooks (``torch.utils.checkpoint`` with ``use_reentrant=False``) are not
    seen; the checkpoint's inputs, which it keeps, are.
    """

    def __init__(self, model: nn.Module | None = None) -> None:
        if model is not None:
            check_module("model", model)
        self._exclude = set()
        if model is not None:
            self._exclude = {_storage_key(p) for p in model.parameters()}
            self._exclude |= {_storage_key(b) for b in model.buffers()}
        self._live: dict[tuple[str, int], list[int]] = {}  # storage -> [references, bytes]
        self.bytes = 0
        self.peak_bytes = 0
        self.saved_count = 0
        self._hooks: Any = None

    def _pack(self, tensor: torch.Tensor) -> _Held:
        self.saved_count += 1
        key = _storage_key(tensor)
        if key in self._exclude or tensor.device.type == "meta":
            return _Held(tensor, None, self)
        entry = self._live.get(key)
        if entry is None:
            size = tensor.untyped_storage().nbytes()
            self._live[key] = [1, size]
            self.bytes += size
            self.peak_bytes = max(self.peak_bytes, self.bytes)
        else:
            entry[0] += 1
        return _Held(tensor, key, self)

    @staticmethod
    def _unpack(held: _Held) -> torch.Tensor:
        return held.tensor

    def _release(self, key: tuple[str, int]) -> None:
        entry = self._live.get(key)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            self.bytes -= entry[1]
            del self._live[key]

    def __enter__(self) -> SavedTensorMeter:
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._hooks.__exit__(*exc)


def saved_activation_bytes(model: nn.Module, x: torch.Tensor,
                           loss_fn: Callable[[torch.Tensor], torch.Tensor] | None = None) -> int:
    """Bytes autograd keeps between the forward and the backward pass of one training step on ``x``.

    Counted after the forward pass and the loss (default: the sum of the outputs), before ``backward``; the
    model's parameters are not counted. The step's backward is run, so the graph is freed afterwards.
    """
    check_module("model", model)
    check_tensor("x", x)
    if loss_fn is not None:
        check_callable("loss_fn", loss_fn, "lambda out: out.sum() or None (the sum of the outputs)")
    loss_fn = loss_fn or (lambda out: out.float().sum())
    with SavedTensorMeter(model) as meter:
        loss = loss_fn(model(x))
        held = meter.bytes
        loss.backward()
    model.zero_grad(set_to_none=True)
    return held


def time_training_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, repeats: int = 3,
                       warmup: int = 1, clock: Callable[[], float] = time.process_time) -> float:
    """Seconds of one forward and backward pass with a cross-entropy loss: the least over ``repeats`` runs.

    The default clock is the process's CPU time, which other programs on a busy machine disturb less than the
    wall clock (with one thread, it is the step's own compute). On a GPU pass ``clock=time.perf_counter``; the
    step then synchronises before reading it.
    """
    check_module("model", model)
    check_tensor("x", x)
    check_tensor("y", y)
    check_positive_int("repeats", repeats)
    check_int("warmup", warmup, minimum=0)
    best = float("inf")
    for index in range(warmup + repeats):
        start = clock()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        if x.device.type == "cuda":
            torch.cuda.synchronize(x.device)
        elapsed = clock() - start
        model.zero_grad(set_to_none=True)
        if index >= warmup:
            best = min(best, elapsed)
    return best
