"""What a network costs: parameters, floating-point operations, and both per stage.

The ResNet paper's Table 1 reads a network stage by stage (conv1, conv2_x .. conv5_x, the classifier), and its
arguments are about cost: ResNet-34 has 3.6 billion multiply-adds, fewer than VGG-19; its 21.8M parameters sit
mostly in the last, widest stage; each stage halves the map and doubles the channels, so each costs about the
same. These counts let a chapter show those numbers instead of quoting them. FLOPs are counted by PyTorch's own
``FlopCounterMode``, on the meta device where possible (shapes only: ResNet-152 in well under a second).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..validation import check_choice, check_int, check_module
from .hooks import HookFn, device_of, forward_hooks, stage_modules, untouched

__all__ = ["count_parameters", "flops", "layer_table", "macs", "stages"]

_COUNT_MODES = ("total", "layer", "stage")


def stages(model: nn.Module) -> list[tuple[str, list[tuple[str, nn.Module]]]]:
    """Group the top-level children into ``stem``, the stages (``layer1``.. ``layerN``) and ``head``.

    This is the paper's own way of reading a ResNet (Table 1: conv1, conv2_x.. conv5_x, classifier). The
    stages come from the model's ``feature_info`` where it has one, else from torchvision's ``layer<k>`` names
    (see :func:`~resnet_lib.probes.hooks.stage_modules`). A model without stages (AlexNet, VGG, a Sequential)
    gets one group per top-level child instead.
    """
    check_module("model", model)
    children = list(model.named_children())
    stage_names = {name for name, _ in stage_modules(model) if "." not in name}
    if not any(name in stage_names for name, _ in children):
        return [(name, [(name, child)]) for name, child in children]
    grouped: list[tuple[str, list[tuple[str, nn.Module]]]] = []
    stem: list[tuple[str, nn.Module]] = []
    head: list[tuple[str, nn.Module]] = []
    for name, child in children:
        if name in stage_names:
            grouped.append((name, [(name, child)]))
        elif grouped:
            head.append((name, child))
        else:
            stem.append((name, child))
    if stem:
        grouped.insert(0, ("stem", stem))
    if head:
        grouped.append(("head", head))
    return grouped


def _num_params(module: nn.Module, recurse: bool = True) -> int:
    return sum(p.numel() for p in module.parameters(recurse=recurse))


def count_parameters(model: nn.Module, by: str = "total") -> int | dict[str, int]:
    """Number of parameters: ``"total"`` (int), per ``"layer"`` or per ``"stage"`` (dicts).

    Per stage is what explains why ResNet-34 has 21.8M parameters: almost all of them sit in the last,
    widest stage.
    """
    check_module("model", model)
    check_choice("by", by, _COUNT_MODES)
    if by == "total":
        return _num_params(model)
    if by == "layer":
        counts = {name: _num_params(m, recurse=False) for name, m in model.named_modules()}
        return {name: count for name, count in counts.items() if count > 0}
    return {stage: sum(_num_params(child) for _, child in children) for stage, children in stages(model)}


def _check_input_size(input_size: Any) -> tuple[int, ...]:
    """A batch shape ``(batch, channels, ...)``: a tuple or list of at least two positive ints."""
    if not isinstance(input_size, (tuple, list)):
        raise TypeError("input_size must be a tuple (batch, channels, ...) of positive ints, "
                        f"got input_size={input_size!r} ({type(input_size).__name__})")
    if len(input_size) < 2:
        raise ValueError(f"input_size must have a batch and a channel axis at least, got input_size={input_size!r}")
    for index, size in enumerate(input_size):
        check_int(f"input_size[{index}]", size, minimum=1)
    return tuple(input_size)


def _meta_arguments(model: nn.Module) -> dict[str, torch.Tensor]:
    """Shape-only stand-ins for every parameter and buffer: counting needs no real data."""
    tensors = dict(model.named_parameters())
    tensors.update(model.named_buffers())
    return {name: torch.empty_like(t, device="meta") for name, t in tensors.items()}


def _count_run(
    model: nn.Module,
    input_size: tuple[int, ...],
    counter: FlopCounterMode,
    on_retry: Callable[[], None] = lambda: None,
) -> None:
    """One forward pass under ``counter``: on the meta device (shapes only, no arithmetic) if the model's ops
    support it, else a real pass without autograd; ``on_retry`` resets whatever the failed meta pass recorded."""
    with untouched(model), torch.no_grad():
        try:
            x = torch.empty(input_size, device="meta")
            with counter:
                torch.func.functional_call(model, _meta_arguments(model), (x,))
            return
        except (NotImplementedError, RuntimeError):
            counter.flop_counts.clear()
            on_retry()
        x = torch.zeros(input_size, device=device_of(model))
        with counter:
            model(x)


def flops(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> int:
    """Floating-point operations of one forward pass, counted by ``FlopCounterMode``.

    PyTorch counts a multiply-add as 2 FLOPs; papers and torchvision's "GFLOPS" count multiply-adds, see
    :func:`macs` (= flops / 2). Scales with the batch size in ``input_size``.
    """
    check_module("model", model)
    size = _check_input_size(input_size)
    counter = FlopCounterMode(display=False)
    _count_run(model, size, counter)
    return int(counter.get_total_flops())


def macs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> int:
    """Multiply-accumulates of one forward pass: the unit of the ResNet paper's "FLOPs"
    (3.6 billion for ResNet-34) and of torchvision's "GFLOPS" column."""
    return flops(model, input_size) // 2


def layer_table(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> list[dict[str, Any]]:
    """One row per stage (see :func:`stages`): name, output shape (without batch), parameters and MACs.

    The book's version of the paper's Table 1: the spatial size halves while the channel count doubles, so
    every stage costs about the same.
    """
    check_module("model", model)
    size = _check_input_size(input_size)
    grouped = stages(model)
    stage_of = {name: stage for stage, children in grouped for name, _ in children}
    counter = FlopCounterMode(display=False)
    shapes: dict[str, tuple[int, ...]] = {}
    stage_flops = {stage: 0 for stage, _ in grouped}
    flops_before: dict[str, int] = {}

    def reset() -> None:
        shapes.clear()
        stage_flops.update({stage: 0 for stage in stage_flops})

    def pre_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple) -> None:
            flops_before[name] = counter.get_total_flops()

        return hook

    def post_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            stage_flops[stage_of[name]] += counter.get_total_flops() - flops_before[name]
            if isinstance(output, torch.Tensor):
                shapes[stage_of[name]] = tuple(output.shape[1:])

        return hook

    top_level = list(model.named_children())
    with forward_hooks(top_level, pre_hook, pre=True), forward_hooks(top_level, post_hook):
        _count_run(model, size, counter, on_retry=reset)
    return [
        {
            "name": stage,
            "output_shape": shapes.get(stage),
            "params": sum(_num_params(child) for _, child in children),
            "macs": stage_flops[stage] // 2,
        }
        for stage, children in grouped
    ]
