"""Probes: look inside a network from the outside.

Every probe attaches forward hooks (or reads parameters) and cleans up after
itself, so any model works unchanged: the book's own nets, torchvision's
ResNets or a hand-written ``nn.Sequential``. A probe never leaves gradients,
hooks, changed BatchNorm statistics or a changed train/eval mode behind.

Sections: hooks, gradients and activations, counting (parameters, FLOPs,
tables), geometry (output sizes, receptive fields), shattered gradients,
lesions.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

HookFn = Callable[[nn.Module, tuple, Any], Any]

_LAYER_NAME = re.compile(r"layer\d+")
_COUNT_MODES = ("total", "layer", "stage")


# --------------------------------------------------------------------------- checks


def _check_model(model: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got model={type(model).__name__}")


def _check_int(name: str, value: Any, minimum: int) -> None:
    """Reject bools and floats too: ``stride=1.5`` is a bug, not a request to round."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        allowed = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {allowed}, got {name}={value!r}")


def _check_input_size(input_size: Any) -> tuple[int, ...]:
    if not isinstance(input_size, (tuple, list)) or len(input_size) < 2:
        raise ValueError(
            "input_size must be a tuple (batch, channels, ...) of positive integers, "
            f"got input_size={input_size!r}"
        )
    for size in input_size:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(
                "input_size must contain positive integers only, "
                f"got input_size={tuple(input_size)!r}"
            )
    return tuple(input_size)


def _check_batch(x: Any, y: Any) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got x={type(x).__name__}")
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor, got y={type(y).__name__}")
    if x.ndim == 0 or len(x) == 0 or len(x) != len(y):
        raise ValueError(
            "x and y must be non-empty batches of the same length, "
            f"got x.shape={tuple(x.shape)} and y.shape={tuple(y.shape)}"
        )


def _device_of(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


# --------------------------------------------------------------------------- hooks


@contextmanager
def forward_hooks(
    named_modules: Iterable[tuple[str, nn.Module]], make_hook: Callable[[str], HookFn]
) -> Iterator[None]:
    """Attach ``make_hook(name)`` to each module and remove every hook on exit, even on error.

    Forgotten hooks are the classic probe bug: they keep firing (and keep
    tensors alive) long after the experiment that needed them.
    """
    handles = []
    try:
        for name, module in named_modules:
            handles.append(module.register_forward_hook(make_hook(name)))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def _untouched(model: nn.Module) -> Iterator[None]:
    """Restore train/eval mode and buffers (BatchNorm running statistics) on exit.

    A forward pass in train mode updates BatchNorm's running averages; a probe
    must not quietly change the model it is measuring.
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


def _weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear))
    ]


def _forward_order(
    model: nn.Module, modules: list[tuple[str, nn.Module]], run: Callable[[], Any]
) -> tuple[list[str], Any]:
    """Names of ``modules`` in the order the forward pass first calls them, and run()'s result."""
    order: list[str] = []

    def make_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            if name not in order:
                order.append(name)

        return hook

    with forward_hooks(modules, make_hook):
        result = run()
    return order, result


# --------------------------------------------------------------------------- gradients, activations


def gradient_norms(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
) -> dict[str, float]:
    """L2 norm of each conv/linear weight gradient after one backward pass, in forward order.

    Vanishing gradients show up as norms that shrink layer by layer towards
    the input. Uses ``torch.autograd.grad``, so ``.grad`` is never touched,
    and runs in the model's current mode (train mode = BatchNorm batch
    statistics, as during training) without keeping the statistics update.
    """
    _check_model(model)
    _check_batch(x, y)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got loss_fn={loss_fn!r}")
    layers = [(n, m) for n, m in _weighted_layers(model) if m.weight.requires_grad]
    if not layers:
        raise ValueError("model has no Conv2d or Linear layer with a trainable weight")
    device = _device_of(model)
    with _untouched(model), torch.enable_grad():
        order, loss = _forward_order(
            model, layers, lambda: loss_fn(model(x.to(device)), y.to(device))
        )
        by_name = dict(layers)
        weights = [by_name[name].weight for name in order]
        grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return {
        name: 0.0 if grad is None else float(grad.norm())
        for name, grad in zip(order, grads)
    }


def output_gradient_norms(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
) -> dict[str, float]:
    """Norm of the loss gradient with respect to each conv/linear layer's *output*, in forward order.

    This is the backward signal of the chain rule, the quantity that is multiplied by one Jacobian per layer on
    its way to the input: where each factor is below (above) one in scale, it vanishes (explodes) geometrically.
    Weight gradients hide this, since they also carry the forward activations. The loss is a batch mean, so the
    norm is scaled back to the size of one example's; the model's mode and BatchNorm statistics are left as they were.
    """
    _check_model(model)
    _check_batch(x, y)
    layers = _weighted_layers(model)
    if not layers:
        raise ValueError("model has no Conv2d or Linear layer")
    outputs: dict[str, torch.Tensor] = {}

    def make_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            outputs.setdefault(name, output)
            return output.clone()  # an in-place ReLU downstream then changes the clone, not the probed tensor

        return hook

    device = _device_of(model)
    with _untouched(model), torch.enable_grad(), forward_hooks(layers, make_hook):
        loss = loss_fn(model(x.to(device)), y.to(device))
        names = list(outputs)
        grads = torch.autograd.grad(loss, [outputs[n] for n in names], allow_unused=True)
    scale = len(x) ** 0.5
    return {name: 0.0 if g is None else float(g.norm()) * scale for name, g in zip(names, grads)}


def activation_stats(
    model: nn.Module,
    x: torch.Tensor,
    layer_types: tuple[type[nn.Module], ...] = (nn.Conv2d, nn.Linear),
) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each layer's output, in forward order.

    Exploding or collapsing activations are the forward-pass twin of
    exploding or vanishing gradients; they show whether an initialisation
    keeps the signal alive through depth.
    """
    _check_model(model)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got x={type(x).__name__}")
    if not isinstance(layer_types, tuple) or not all(
        isinstance(t, type) and issubclass(t, nn.Module) for t in layer_types
    ):
        raise TypeError(
            "layer_types must be a tuple of nn.Module classes, "
            f"got layer_types={layer_types!r}"
        )
    stats: dict[str, dict[str, float]] = {}

    def make_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            if name not in stats and isinstance(output, torch.Tensor):
                values = output.detach().float()
                stats[name] = {"mean": float(values.mean()), "std": float(values.std())}

        return hook

    layers = [(n, m) for n, m in model.named_modules() if isinstance(m, layer_types)]
    with _untouched(model), torch.no_grad(), forward_hooks(layers, make_hook):
        model(x.to(_device_of(model)))
    return stats


# --------------------------------------------------------------------------- counting


def stages(model: nn.Module) -> list[tuple[str, list[tuple[str, nn.Module]]]]:
    """Group top-level children into ``stem``, ``layer1``.. ``layerN`` and ``head``.

    This is the paper's own way of reading a ResNet (Table 1: conv1,
    conv2_x.. conv5_x, classifier). A model without ``layer<k>`` children
    (AlexNet, VGG, a Sequential) gets one stage per top-level child instead.
    """
    _check_model(model)
    children = list(model.named_children())
    if not any(_LAYER_NAME.fullmatch(name) for name, _ in children):
        return [(name, [(name, child)]) for name, child in children]
    grouped: list[tuple[str, list[tuple[str, nn.Module]]]] = []
    stem: list[tuple[str, nn.Module]] = []
    head: list[tuple[str, nn.Module]] = []
    for name, child in children:
        if _LAYER_NAME.fullmatch(name):
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

    Per stage is what explains why ResNet-34 has 21.8M parameters: almost
    all of them sit in the last, widest stage.
    """
    _check_model(model)
    if by not in _COUNT_MODES:
        raise ValueError(f"by must be one of {_COUNT_MODES}, got by={by!r}")
    if by == "total":
        return _num_params(model)
    if by == "layer":
        counts = {name: _num_params(m, recurse=False) for name, m in model.named_modules()}
        return {name: count for name, count in counts.items() if count > 0}
    return {
        stage: sum(_num_params(child) for _, child in children)
        for stage, children in stages(model)
    }


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
    """One forward pass under ``counter``: on the meta device (shapes only, no arithmetic,
    ResNet-152 in well under a second) if the model's ops support it, else a real pass
    without autograd; ``on_retry`` resets whatever the failed meta pass recorded."""
    with _untouched(model), torch.no_grad():
        try:
            x = torch.empty(input_size, device="meta")
            with counter:
                torch.func.functional_call(model, _meta_arguments(model), (x,))
            return
        except (NotImplementedError, RuntimeError):
            counter.flop_counts.clear()
            on_retry()
        x = torch.zeros(input_size, device=_device_of(model))
        with counter:
            model(x)


def flops(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> int:
    """Floating-point operations of one forward pass, counted by ``FlopCounterMode``.

    PyTorch counts a multiply-add as 2 FLOPs; papers and torchvision's
    "GFLOPS" count multiply-adds, see :func:`macs` (= flops / 2).
    Scales with the batch size in ``input_size``.
    """
    _check_model(model)
    size = _check_input_size(input_size)
    counter = FlopCounterMode(display=False)
    _count_run(model, size, counter)
    return int(counter.get_total_flops())


def macs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> int:
    """Multiply-accumulates of one forward pass: the unit of the ResNet paper's "FLOPs"
    (3.6 billion for ResNet-34) and of torchvision's "GFLOPS" column."""
    return flops(model, input_size) // 2


def layer_table(
    model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)
) -> list[dict[str, Any]]:
    """One row per stage: name, output shape (without batch), parameters and MACs.

    The book's version of the paper's Table 1: the spatial size halves while
    the channel count doubles, so every stage costs about the same.
    """
    _check_model(model)
    size = _check_input_size(input_size)
    grouped = stages(model)
    stage_of = {name: stage for stage, children in grouped for name, _ in children}
    counter = FlopCounterMode(display=False)
    shapes: dict[str, tuple[int, ...]] = {}
    stage_flops = {stage: 0 for stage, _ in grouped}
    flops_before: dict[str, int] = {}
    handles = []

    def reset() -> None:
        shapes.clear()
        stage_flops.update({stage: 0 for stage in stage_flops})

    def pre_hook(name: str) -> Callable[[nn.Module, tuple], None]:
        def hook(module: nn.Module, inputs: tuple) -> None:
            flops_before[name] = counter.get_total_flops()

        return hook

    def post_hook(name: str) -> HookFn:
        def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
            stage_flops[stage_of[name]] += counter.get_total_flops() - flops_before[name]
            if isinstance(output, torch.Tensor):
                shapes[stage_of[name]] = tuple(output.shape[1:])

        return hook

    try:
        for name, child in model.named_children():
            handles.append(child.register_forward_pre_hook(pre_hook(name)))
        with forward_hooks(model.named_children(), post_hook):
            _count_run(model, size, counter, on_retry=reset)
    finally:
        for handle in handles:
            handle.remove()
    return [
        {
            "name": stage,
            "output_shape": shapes.get(stage),
            "params": sum(_num_params(child) for _, child in children),
            "macs": stage_flops[stage] // 2,
        }
        for stage, children in grouped
    ]


# --------------------------------------------------------------------------- geometry


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis:
    ``floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1``.

    The floor is why odd sizes lose a pixel when halved (7 -> 4 with
    padding 1, but 7 -> 3 without).
    """
    _check_int("size", size, 1)
    _check_int("kernel", kernel, 1)
    _check_int("stride", stride, 1)
    _check_int("padding", padding, 0)
    _check_int("dilation", dilation, 1)
    span = dilation * (kernel - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(
            f"the kernel spans {span} pixels (kernel={kernel}, dilation={dilation}) but the "
            f"padded input has only {size + 2 * padding} (size={size}, padding={padding}); "
            "the output would be empty, so use a smaller kernel or more padding"
        )
    return (size + 2 * padding - span) // stride + 1


def receptive_field(layers: Sequence[Sequence[int]]) -> int:
    """Receptive field (in input pixels) of a stack of ``(kernel, stride[, dilation])`` layers.

    Each layer widens the field by ``dilation*(kernel-1)`` times the product
    of the strides before it: two 3x3 convs see 5x5, three see 7x7 with
    fewer weights (VGG's argument).
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            "layers must be a list of (kernel, stride) or (kernel, stride, dilation) tuples, "
            f"got layers={layers!r}"
        )
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        if not isinstance(layer, Sequence) or len(layer) not in (2, 3):
            raise ValueError(
                "each entry of layers must be (kernel, stride) or (kernel, stride, dilation), "
                f"got layers[{index}]={layer!r}"
            )
        kernel, stride, dilation = (*layer, 1) if len(layer) == 2 else layer
        _check_int(f"layers[{index}] kernel", kernel, 1)
        _check_int(f"layers[{index}] stride", stride, 1)
        _check_int(f"layers[{index}] dilation", dilation, 1)
        field += dilation * (kernel - 1) * jump
        jump *= stride
    return field


# --------------------------------------------------------------------------- shattered gradients


class _Block(nn.Module):
    """BN -> ReLU -> Linear, with or without the identity shortcut around it."""

    def __init__(self, width: int, residual: bool, batchnorm: bool) -> None:
        super().__init__()
        self.residual = residual
        self.norm = nn.BatchNorm1d(width) if batchnorm else nn.Identity()
        self.linear = nn.Linear(width, width)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        branch = self.linear(F.relu(self.norm(h)))
        return h + branch if self.residual else branch


def mlp(depth: int, width: int = 200, residual: bool = False, batchnorm: bool = True) -> nn.Module:
    """A 1-D -> 1-D ReLU network of ``depth`` hidden blocks for the shattered-gradients experiment.

    Residual and feedforward versions are identical except for the shortcut,
    so any difference in their gradients is the shortcut's doing. He-initialised
    weights, as in Balduzzi et al. (2017); biases keep PyTorch's random default,
    because with zero biases a bias-free ReLU net is piecewise linear with a single
    kink at 0 and its gradient could not shatter at all.
    """
    _check_int("depth", depth, 1)
    _check_int("width", width, 1)
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be a bool, got residual={residual!r}")
    if not isinstance(batchnorm, bool):
        raise TypeError(f"batchnorm must be a bool, got batchnorm={batchnorm!r}")
    net = nn.Sequential(
        nn.Linear(1, width),
        *[_Block(width, residual, batchnorm) for _ in range(depth)],
        nn.BatchNorm1d(width) if batchnorm else nn.Identity(),
        nn.ReLU(),
        nn.Linear(width, 1),
    )
    for module in net.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return net


def input_gradients(
    model: nn.Module, n_points: int = 256, lo: float = -2.0, hi: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """The grid ``x`` and ``d model(x) / d x`` at every grid point of a 1-D -> 1-D model.

    BatchNorm follows the paper: it normalises with the statistics of the
    grid itself (the grid is the batch). Those statistics are then frozen
    while differentiating, so each value is the derivative at one point and
    not mixed with the other 255 through the batch mean. Works on a copy:
    the model is untouched.
    """
    _check_model(model)
    _check_int("n_points", n_points, 2)
    if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo < hi):
        raise ValueError(f"lo and hi must be numbers with lo < hi, got lo={lo!r}, hi={hi!r}")
    probe = copy.deepcopy(model)
    dtype = next((p.dtype for p in model.parameters()), torch.get_default_dtype())
    xs = torch.linspace(float(lo), float(hi), n_points, device=_device_of(model), dtype=dtype).unsqueeze(1)
    norms = [m for m in probe.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = 1.0  # running statistics := this batch's statistics
        probe.train()
        with torch.no_grad():
            probe(xs)
    probe.eval()
    xs.requires_grad_(True)
    with torch.enable_grad():
        out = probe(xs)
        if out.shape != xs.shape:
            raise ValueError(
                "model must map a batch of shape (n, 1) to shape (n, 1), "
                f"got output shape {tuple(out.shape)}"
            )
        (grads,) = torch.autograd.grad(out.sum(), xs)
    return xs.detach().squeeze(1).cpu().numpy(), grads.squeeze(1).cpu().numpy()


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation at lags ``0..max_lag`` (lag 0 is 1).

    Near 1 at small lags: neighbouring points have similar gradients (smooth,
    learnable). Near 0: the gradient is white noise ("shattered").
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1 or len(series) < 2:
        raise ValueError(f"values must be a 1-D array of length >= 2, got shape {series.shape}")
    _check_int("max_lag", max_lag, 0)
    if max_lag >= len(series):
        raise ValueError(
            f"max_lag must be smaller than the number of values ({len(series)}), "
            f"got max_lag={max_lag}"
        )
    centred = series - series.mean()
    variance = float(np.mean(centred**2))
    if variance == 0.0:
        raise ValueError("values are constant, so their autocorrelation is undefined")
    return np.array(
        [np.mean(centred[: len(series) - lag] * centred[lag:]) / variance for lag in range(max_lag + 1)]
    )


def gradient_autocorrelation(
    model: nn.Module,
    n_points: int = 256,
    lo: float = -2.0,
    hi: float = 2.0,
    max_lag: int | None = None,
) -> np.ndarray:
    """Autocorrelation of ``d output / d input`` over a 1-D grid (Balduzzi et al., 2017).

    Deep feedforward nets have gradients like white noise; residual nets keep
    them correlated, which is one reason they stay trainable.
    ``max_lag`` defaults to ``n_points // 4``.
    """
    _check_int("n_points", n_points, 2)
    lag = n_points // 4 if max_lag is None else max_lag
    _, grads = input_gradients(model, n_points, lo, hi)
    return autocorrelation(grads, lag)


# --------------------------------------------------------------------------- lesions


def blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The residual (or plain) blocks: children of modules named ``layer<k>``.

    torchvision's convention, shared by the book's models, so lesions work
    on both.
    """
    _check_model(model)
    found: list[tuple[str, nn.Module]] = []
    for name, module in model.named_modules():
        if _LAYER_NAME.fullmatch(name.rsplit(".", 1)[-1]):
            found.extend((f"{name}.{child}", block) for child, block in module.named_children())
    return found


def _error(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    device = _device_of(model)
    wrong = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size].to(device))
        wrong += int((logits.argmax(dim=1) != y[start : start + batch_size].to(device)).sum())
    return wrong / len(x)


def lesion(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 256
) -> dict[str, float]:
    """Error (fraction in [0, 1]) with nothing removed (key ``"baseline"``), then with each
    shape-preserving block skipped in turn.

    Skipping a block means its output is replaced by its input: the
    residual branch is deleted and the shortcut kept (Veit et al., 2016).
    Residual nets shrug this off; plain nets collapse. Runs in eval mode.
    """
    _check_model(model)
    _check_batch(x, y)
    _check_int("batch_size", batch_size, 1)
    candidates = blocks(model)
    if not candidates:
        raise ValueError("model has no blocks: no children of modules named layer1, layer2, ...")
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

    with _untouched(model), torch.no_grad():
        model.eval()
        with forward_hooks(candidates, record):
            errors = {"baseline": _error(model, x, y, batch_size)}
        for name, block in candidates:
            if name in same_shape:
                with forward_hooks([(name, block)], skip):
                    errors[name] = _error(model, x, y, batch_size)
    return errors


# --------------------------------------------------------------------------- ensembles of paths


def path_length_distribution(n_blocks: int) -> np.ndarray:
    """Share of the ``2**n_blocks`` paths through ``n_blocks`` residual blocks that pass through
    exactly ``k`` residual branches, for ``k = 0 .. n_blocks``: the binomial ``C(n, k) / 2**n``.

    Unrolled, a net of n blocks ``x + F(x)`` is a sum over paths that either enter each block's
    branch or take its shortcut (Veit et al., 2016); most paths are of middle length, n/2.
    """
    _check_int("n_blocks", n_blocks, 0)
    return np.array([math.comb(n_blocks, k) for k in range(n_blocks + 1)], dtype=np.float64) / 2.0**n_blocks


# --------------------------------------------------------------------------- loss landscapes


def filter_normalized_direction(model: nn.Module, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random direction in weight space for loss-landscape plots, normalised filter by filter
    (Li et al., 2018).

    One Gaussian tensor per parameter, from a generator seeded by ``seed``. Each filter (each slice
    along the first axis: one output channel of a convolution, one row of a linear layer) is then
    rescaled to the norm of the same filter in the model, so a step of a given size changes every
    filter by the same *relative* amount; with BatchNorm after a layer, only that relative change
    matters. Parameters with a single axis (biases, BatchNorm scales and shifts) get zero: they stay
    where training left them, as in the paper. The model is not changed.
    """
    _check_model(model)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got seed={seed!r}")
    generator = torch.Generator().manual_seed(seed)
    direction: dict[str, torch.Tensor] = {}
    for name, parameter in model.named_parameters():
        weight = parameter.detach()
        if weight.dim() <= 1:
            direction[name] = torch.zeros_like(weight)
            continue
        draw = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
        filters = weight.double().cpu().flatten(1).norm(dim=1)
        scale = filters / draw.flatten(1).norm(dim=1).clamp_min(1e-12)
        draw = draw * scale.view(-1, *[1] * (weight.dim() - 1))
        direction[name] = draw.to(device=weight.device, dtype=weight.dtype)
    return direction


def loss_slice(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    direction: dict[str, torch.Tensor],
    alphas: Sequence[float],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
    batch_size: int = 1024,
) -> np.ndarray:
    """The loss at the weights ``theta + alpha * direction`` for each ``alpha``: a 1-D slice through
    the loss landscape around the trained weights ``theta`` (Li et al., 2018).

    Evaluated in eval mode (BatchNorm uses its running statistics) on a copy of the model, so the
    model itself keeps its weights, buffers and mode. ``direction`` maps parameter names to tensors
    of the parameters' shapes, e.g. from :func:`filter_normalized_direction`.
    """
    _check_model(model)
    _check_batch(x, y)
    _check_int("batch_size", batch_size, 1)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got loss_fn={loss_fn!r}")
    values = np.asarray(alphas, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0 or not np.isfinite(values).all():
        raise ValueError(f"alphas must be a non-empty 1-D sequence of finite numbers, got alphas={alphas!r}")
    if not isinstance(direction, dict):
        raise TypeError(f"direction must be a dict of parameter name -> tensor, got {type(direction).__name__}")
    names = [name for name, _ in model.named_parameters()]
    missing, unknown = sorted(set(names) - set(direction)), sorted(set(direction) - set(names))
    if missing or unknown:
        raise ValueError(f"direction must have one tensor per parameter of the model: "
                         f"missing {missing[:3]}, unknown {unknown[:3]}")
    for name, parameter in model.named_parameters():
        if tuple(direction[name].shape) != tuple(parameter.shape):
            raise ValueError(f"direction[{name!r}] has shape {tuple(direction[name].shape)}, "
                             f"the parameter has shape {tuple(parameter.shape)}")
    probe = copy.deepcopy(model).eval()
    device = _device_of(probe)
    parameters = dict(probe.named_parameters())
    start = {name: p.detach().clone() for name, p in parameters.items()}
    steps = {name: direction[name].detach().to(device=p.device, dtype=p.dtype) for name, p in parameters.items()}
    losses = []
    with torch.no_grad():
        for alpha in values:
            for name, parameter in parameters.items():
                parameter.copy_(start[name] + float(alpha) * steps[name])
            total = 0.0
            for begin in range(0, len(x), batch_size):
                xb = x[begin : begin + batch_size].to(device)
                yb = y[begin : begin + batch_size].to(device)
                total += float(loss_fn(probe(xb), yb)) * len(xb)
            losses.append(total / len(x))
    return np.array(losses)
