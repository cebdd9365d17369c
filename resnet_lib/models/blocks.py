"""Pieces every model file shares: the two convolutions, the zero-padding shortcut, weight init, the input check.

They live in one place so that AlexNet, VGG and all ResNets are built, initialised and validated the same way.
Argument checks come from ``resnet_lib.validation``; ``check_input`` adds the rule that makes the models
traceable: the friendly message in eager mode, plain tensor code under fx, TorchScript, ``torch.compile`` and
``torch.export``.
"""

from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.fx  # noqa: F401  (is_fx_tracing)

from ..validation import check_bool, check_callable, check_choice, check_images, check_int, is_int

NormLayer = Callable[[int], nn.Module]
"""A factory taking a channel count, as torchvision's ``norm_layer``: ``nn.BatchNorm2d``, or ``nn.Identity`` for none."""


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1, so stride 1 keeps the size; no bias because a BatchNorm follows."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution: mixes channels only; used to change width and in projection shortcuts."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


def norm_or_default(norm_layer: Any, default: NormLayer = nn.BatchNorm2d) -> NormLayer:
    """``None`` means BatchNorm (torchvision's convention); anything else must be a factory, not a string."""
    if norm_layer is None:
        return default
    return check_callable("norm_layer", norm_layer, f"nn.{default.__name__} or nn.Identity")


class ZeroPadShortcut(nn.Module):
    """Option A of He et al. (2016): keep every other pixel and append zero channels, so the shortcut adds no
    parameters. That is what makes an option-A net and its plain twin exactly the same size.
    """

    def __init__(self, inplanes: int, planes: int, stride: int) -> None:
        super().__init__()
        if planes < inplanes:
            raise ValueError(f"zero padding can only add channels, got inplanes={inplanes} > planes={planes}")
        self.extra_channels = planes - inplanes
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_channels))  # pad order: W, H, then channels

    def extra_repr(self) -> str:
        return f"extra_channels={self.extra_channels}, stride={self.stride}"


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
        elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear) and init_linear:
            nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def zero_last_(norm: nn.Module, conv: nn.Conv2d) -> None:
    """Silence a residual branch: zero its last norm's scale, or its last conv where there is no norm."""
    weight = getattr(norm, "weight", None)
    nn.init.zeros_(weight if isinstance(weight, torch.Tensor) else conv.weight)


def _tracing() -> bool:
    """True under torch.fx (symbolic_trace, create_feature_extractor), torch.compile and torch.export."""
    fx = torch.fx._symbolic_trace
    fx_tracing = getattr(fx, "is_fx_symbolic_tracing", fx.is_fx_tracing)  # the former is torch >= 2.9
    return torch.compiler.is_compiling() or fx_tracing()


@torch.jit.unused
def check_input(x: torch.Tensor, in_channels: int, min_size: int = 1) -> None:
    """The readable input check of every network, in eager mode only.

    Call it as ``if not torch.jit.is_scripting(): check_input(x, c)``: TorchScript then never compiles it,
    and under fx, ``torch.compile`` and ``torch.export`` it returns at once, so tools see plain tensor code.
    ``min_size`` is the smallest height and width the network's pools and strides leave a pixel of.
    """
    if not _tracing():
        check_images(x, in_channels, min_size)


def conv_output_size(layers: nn.Module, size: int) -> int:
    """The side of the map that ``layers`` (convolutions and pools, run in order) make of a ``size`` x ``size``
    input; 0 if some layer gets less than its window. Layers that keep the size (ReLU, norms) are skipped."""
    for layer in layers.modules():
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            kernel, stride, padding = (_first(getattr(layer, name)) for name in ("kernel_size", "stride", "padding"))
            dilation = _first(getattr(layer, "dilation", 1))
            span = dilation * (kernel - 1) + 1
            if size + 2 * padding < span:
                return 0
            size = (size + 2 * padding - span) // stride + 1
    return size


def smallest_input(layers: nn.Module, limit: int = 4096) -> int:
    """The smallest input side for which every layer of ``layers`` still has a pixel to work on."""
    return next(size for size in range(1, limit + 1) if conv_output_size(layers, size) > 0)


def _first(value: Any) -> int:
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def feature_take_indices(num_features: int, indices: Any = None) -> tuple[list[int], int]:
    """timm's rule for ``forward_intermediates(indices=...)``: ``None`` takes every feature point, an int n the
    last n, a list those positions (negative counts from the end). Returns the positions and the largest."""
    if indices is None:
        indices = num_features
    if is_int(indices):
        check_int("indices", indices, minimum=1, maximum=num_features)
        take = list(range(num_features - indices, num_features))
    elif isinstance(indices, (list, tuple)) and indices:
        take = []
        for position, index in enumerate(indices):
            check_int(f"indices[{position}]", index, minimum=-num_features, maximum=num_features - 1)
            take.append(index + num_features if index < 0 else int(index))
    else:
        raise TypeError(f"indices must be None, an int or a non-empty list of ints, got indices={indices!r} "
                        f"({type(indices).__name__})")
    return take, max(take)


def classifier_layer(in_features: int, num_classes: int) -> nn.Module:
    """The last layer of every network: an n-way linear layer, or the identity for ``num_classes=0`` (timm's rule:
    the network then returns its pre-logit features)."""
    return nn.Linear(in_features, num_classes) if num_classes > 0 else nn.Identity()


class FeaturesMixin:
    """``forward`` as ``forward_head(forward_features(x))`` and timm's ``forward_intermediates``, for every network
    of the library.

    A network lists the modules ``forward_features`` runs, in order, in ``_forward_path()``; the outputs of the
    modules named in ``feature_info`` are the intermediates.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x)  # type: ignore[attr-defined]
        return self.forward_head(x)  # type: ignore[attr-defined]

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        raise NotImplementedError

    def _prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels, getattr(self, "min_input_size", 1))  # type: ignore[attr-defined]
        return x

    @torch.jit.unused
    def forward_intermediates(
        self,
        x: torch.Tensor,
        indices: Any = None,
        norm: bool = False,
        stop_early: bool = False,
        output_fmt: str = "NCHW",
        intermediates_only: bool = False,
    ) -> Any:
        """The feature maps at ``feature_info[i]`` for i in ``indices`` (timm's form), and the final features.

        Returns ``(final, intermediates)``: ``final`` is ``forward_features(x)`` (or, with ``stop_early``, the
        last map taken), ``intermediates`` a list in forward order. ``intermediates_only=True`` returns the list
        alone. ``norm`` is accepted for timm's signature: the last feature point already follows every norm.
        """
        check_bool("norm", norm)
        check_bool("stop_early", stop_early)
        check_bool("intermediates_only", intermediates_only)
        check_choice("output_fmt", output_fmt, ("NCHW",))
        info = self.feature_info  # type: ignore[attr-defined]
        take, last = feature_take_indices(len(info), indices)
        wanted = {info[index]["module"] for index in take}
        x = self._prepare_input(x)
        intermediates = []
        point = -1
        for name, module in self._forward_path():
            x = module(x)
            if any(entry["module"] == name for entry in info):
                point += 1
                if name in wanted:
                    intermediates.append(x)
                if stop_early and point >= last:
                    break
        return intermediates if intermediates_only else (x, intermediates)


class ClassifierMixin(FeaturesMixin):
    """timm's head interface for nets that end in global average pooling and one linear layer ``fc``.

    ``forward_head(x, pre_logits=True)`` gives the pooled features (for linear probes and transfer learning);
    ``reset_classifier(n)`` puts a fresh n-way layer on top (``0`` removes it).
    """

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return x if pre_logits else self.fc(x)

    def reset_classifier(self, num_classes: int, global_pool: str | None = None) -> None:
        """A fresh ``num_classes``-way layer on the pooled features; ``0`` leaves the features (the identity)."""
        check_int("num_classes", num_classes, minimum=0)
        if global_pool is not None:
            check_choice("global_pool", global_pool, ("avg",))
        self.num_classes = int(num_classes)
        self.fc = classifier_layer(self.num_features, self.num_classes)  # type: ignore[attr-defined]


class MLPClassifierMixin(FeaturesMixin):
    """What AlexNet and VGG share: ``features`` (convolutions and pools), then ``classifier`` (fully connected
    layers with dropout), as torchvision names them.

    ``pre_logits=True`` stops before the last linear layer (the 4096-d features of the papers' transfer
    experiments); ``reset_classifier`` replaces only that layer, so torchvision's state_dict keys stay valid.
    """

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        return [(f"features.{index}", layer) for index, layer in enumerate(self.features)]  # type: ignore[attr-defined]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The last convolutional map, before pooling: what probes and feature visualisations look at."""
        if not torch.jit.is_scripting():
            check_input(x, self.in_channels, self.min_input_size)
        return self.features(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        last = len(self.classifier) - 1
        for index, layer in enumerate(self.classifier):
            if index < last or not pre_logits:
                x = layer(x)
        return x

    def reset_classifier(self, num_classes: int, global_pool: str | None = None) -> None:
        """A fresh last layer with ``num_classes`` outputs (``0``: the identity, leaving the hidden features)."""
        check_int("num_classes", num_classes, minimum=0)
        if global_pool is not None:
            check_choice("global_pool", global_pool, ("avg",))
        self.num_classes = int(num_classes)
        self.classifier[-1] = classifier_layer(self.head_hidden_size, self.num_classes)


def zero_init_blocks_(model: nn.Module) -> None:
    """``zero_init_residual=True`` of every family: each residual block or unit starts as the identity."""
    for module in model.modules():
        if module is not model and hasattr(module, "zero_init_last"):
            module.zero_init_last()


def blocks_per_stage(depth: object, layers_per_block: int, examples: str) -> int:
    """CIFAR-style nets have depth = layers_per_block * n + 2 (stem conv and fc); return n, the blocks per stage."""
    rule = f"{layers_per_block}n+2 ({examples}, ...)"
    if not is_int(depth):
        raise TypeError(f"depth must be an int of the form {rule}, got depth={depth!r} ({type(depth).__name__})")
    depth = int(depth)  # type: ignore[call-overload]
    if depth < layers_per_block + 2 or (depth - 2) % layers_per_block != 0:
        raise ValueError(f"depth must be {rule}, got depth={depth}")
    return (depth - 2) // layers_per_block


def stage_info(num_chs: int, reduction: int, module: str) -> dict[str, Any]:
    """One entry of ``feature_info`` as timm writes it: channels, total stride and the module's name."""
    return {"num_chs": num_chs, "reduction": reduction, "module": module}
