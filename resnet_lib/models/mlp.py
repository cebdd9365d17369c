"""The 1-D -> 1-D ReLU networks of the shattered-gradients experiment (Balduzzi et al., 2017).

A residual net and a feedforward net that differ only in the shortcut, so that any difference in their input
gradients (``resnet_lib.probes.shattering``) is the shortcut's doing.
"""
from collections.abc import Callable
import torch
import torch.nn.functional as F
from torch import nn

from ..validation import check_bool, check_choice, check_int, check_positive_int
from .blocks import FeaturesMixin, _tracing, classifier_layer, norm_or_default, stage_info

__all__ = ["MLP", "MLPBlock", "mlp"]


class MLPBlock(nn.Module):
    """norm -> ReLU -> Linear, with or without the identity shortcut around it (pre-activation order)."""

    def __init__(self, width: int, residual: bool, norm_layer: Callable[[int], nn.Module]) -> None:
        super().__init__()
        self.residual = residual
        self.norm = norm_layer(width)
        self.linear = nn.Linear(width, width)

    def zero_init_last(self) -> None:
        """Start with a zero branch: a residual block then passes its input through unchanged."""
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        branch = self.linear(F.relu(self.norm(h)))
        return h + branch if self.residual else branch


class MLP(FeaturesMixin, nn.Sequential):
    """``Linear(in_channels, width)``, the blocks, a final norm and ReLU, ``Linear(width, num_classes)``.

    An ``nn.Sequential`` (``net[0]`` is the first layer, ``net[-1]`` the last) with timm's interface:
    ``forward_features`` (the final ReLU's output), ``forward_head``, ``reset_classifier``, ``feature_info`` (one
    entry per block, ``reduction`` 1: there is no spatial axis) and ``forward_intermediates``.
    """

    def __init__(self, depth: int, *, width: int, residual: bool, norm_layer: Callable[[int], nn.Module],
                 num_classes: int, in_channels: int) -> None:
        super().__init__(
            nn.Linear(in_channels, width),
            *[MLPBlock(width, residual, norm_layer) for _ in range(depth)],
            norm_layer(width),
            nn.ReLU(),
            classifier_layer(width, num_classes),
        )
        self.in_channels, self.num_classes = in_channels, num_classes
        self.head_index = depth + 3  # the last layer's position
        self.num_features = self.head_hidden_size = width
        self.feature_info = [stage_info(width, 1, str(index)) for index in range(1, depth + 1)]
        self.feature_info.append(stage_info(width, 1, str(depth + 2)))

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        return [(str(index), layer) for index, layer in enumerate(self) if index < self.head_index]

    def _prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        check_vectors(x, self.in_channels)
        return x

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_scripting():
            check_vectors(x, self.in_channels)
        for index, layer in enumerate(self):
            if index < self.head_index:
                x = layer(x)
        return x

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        for index, layer in enumerate(self):
            if index == self.head_index and not pre_logits:
                x = layer(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def reset_classifier(self, num_classes: int, global_pool: str | None = None) -> None:
        """A fresh last layer with ``num_classes`` outputs (``0``: the identity)."""
        check_int("num_classes", num_classes, minimum=0)
        if global_pool is not None:
            check_choice("global_pool", global_pool, ("avg",))
        self.num_classes = int(num_classes)
        self[self.head_index] = classifier_layer(self.num_features, self.num_classes)


@torch.jit.unused
def check_vectors(x: torch.Tensor, in_channels: int) -> None:
    """An MLP takes a batch of vectors, shape (N, in_channels)."""
    if _tracing():
        return
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor of shape (N, {in_channels}), got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != in_channels:
        raise ValueError(f"input must be a batch of shape (N, in_channels={in_channels}), got shape {tuple(x.shape)}"
                         + ("; for one value per sample use x.unsqueeze(1)" if x.dim() == 1 else ""))
    if not x.is_floating_point():
        raise TypeError(f"input must be a floating-point tensor, got dtype {x.dtype}")


def mlp(depth: int, *, width: int = 200, residual: bool = False,
        norm_layer: Callable[[int], nn.Module] | None = nn.BatchNorm1d, num_classes: int = 1, in_channels: int = 1,
        zero_init_residual: bool = False) -> MLP:
    """A ReLU network of ``depth`` hidden blocks of ``width`` units, 1-D -> 1-D by default.

    ``norm_layer`` is a factory taking the width, as torchvision's: ``nn.BatchNorm1d`` (the default, as in the
    paper's experiment; ``None`` means the same) or ``nn.Identity`` for no normalisation. Linear weights are
    He-initialised, as in Balduzzi et al. (2017); biases keep PyTorch's random default, because with zero biases
    a ReLU net of one input is piecewise linear with a single kink at 0 and its gradient could not shatter at all.
    ``in_channels`` and ``num_classes`` are the input and output sizes (``num_classes=0``: no last layer);
    ``zero_init_residual=True`` starts every residual block's branch at zero.
    """
    check_positive_int("depth", depth)
    check_positive_int("width", width)
    check_bool("residual", residual)
    check_int("num_classes", num_classes, minimum=0)
    check_positive_int("in_channels", in_channels)
    if check_bool("zero_init_residual", zero_init_residual) and not residual:
        raise ValueError("zero_init_residual=True needs residual=True: a plain net would start with every block "
                         "outputting zero")
    norm_layer = norm_or_default(norm_layer, nn.BatchNorm1d)
    net = MLP(int(depth), width=int(width), residual=residual, norm_layer=norm_layer, num_classes=int(num_classes),
              in_channels=int(in_channels))
    for module in net.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    if zero_init_residual:
        for module in net.modules():
            if isinstance(module, MLPBlock):
                module.zero_init_last()
    return net
