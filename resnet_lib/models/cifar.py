"""The CIFAR-10 nets of He et al. 2016, section 4.2: residual nets of depth 6n+2 and their plain twins.

Small enough to train on a CPU, and the setting where the paper shows the degradation problem:
deeper plain nets train worse, deeper residual nets train better. Both are built from the same
``BasicBlock`` as the ImageNet ResNet; the only difference is the shortcut.
"""

from typing import Any

import torch
import torch.nn as nn

from ..validation import check_bool, check_choice, check_int, check_positive_int
from .blocks import (
    ClassifierMixin,
    NormLayer,
    ZeroPadShortcut,
    blocks_per_stage,
    check_input,
    classifier_layer,
    conv1x1,
    conv3x3,
    kaiming_init_,
    norm_or_default,
    stage_info,
    zero_init_blocks_,
)
from .resnet import BasicBlock

SHORTCUTS = ("A", "B", "C")
"""The paper's options: A zero-padding (no parameters), B projection where shapes change, C projection everywhere."""

DEPTH_EXAMPLES = "20, 32, 44, 56, 110, 1202"


def shortcut_for(shortcut: str, inplanes: int, planes: int, stride: int, norm_layer: NormLayer) -> nn.Module | None:
    """The shortcut of one block under option A, B or C; ``None`` means the identity."""
    changes_shape = stride != 1 or inplanes != planes
    if shortcut == "C" or (shortcut == "B" and changes_shape):
        return nn.Sequential(conv1x1(inplanes, planes, stride), norm_layer(planes))
    if shortcut == "A" and changes_shape:
        return ZeroPadShortcut(inplanes, planes, stride)
    return None


class CifarResNet(ClassifierMixin, nn.Module):
    """3x3 stem (``width`` filters), three stages of n BasicBlocks (width, 2*width, 4*width filters,
    halving the map at the start of stages 2 and 3), global average pool and one fc: 6n+2 weight layers.

    ``shortcut`` is "A", "B" or "C"; ``residual=False`` is the plain net (no shortcut at all; ``cifar_plain``).
    ``norm_layer=nn.Identity`` leaves out every BatchNorm, for experiments on the nets that came before it.
    ``zero_init_residual=True`` starts every residual block as the identity (a plain net has none to start so).
    """

    def __init__(
        self,
        depth: int = 20,
        *,
        shortcut: str = "A",
        residual: bool = True,
        width: int = 16,
        num_classes: int = 10,
        in_channels: int = 3,
        norm_layer: NormLayer | None = None,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        blocks = blocks_per_stage(depth, 6, DEPTH_EXAMPLES)
        if shortcut is None:
            raise ValueError("shortcut must be one of 'A', 'B', 'C', got shortcut=None; a plain net is "
                             "residual=False (cifar_plain)")
        check_choice("shortcut", shortcut, SHORTCUTS)
        self.residual = check_bool("residual", residual)
        self.shortcut = shortcut  # the option; a plain net (residual=False) uses none
        self.width = check_positive_int("width", width)
        self.num_classes = check_int("num_classes", num_classes, minimum=0)
        self.in_channels = check_positive_int("in_channels", in_channels)
        if check_bool("zero_init_residual", zero_init_residual) and not residual:
            raise ValueError("zero_init_residual=True needs shortcuts: a plain net (residual=False, cifar_plain) would "
                             "start with every block outputting zero")
        self.depth = depth
        self._norm_layer = norm_or_default(norm_layer)

        self.inplanes = width
        self.conv1 = conv3x3(in_channels, width)
        self.bn1 = self._norm_layer(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(width, blocks)
        self.layer2 = self._make_layer(2 * width, blocks, stride=2)
        self.layer3 = self._make_layer(4 * width, blocks, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.num_features = self.head_hidden_size = 4 * width
        self.fc = classifier_layer(self.num_features, num_classes)
        self.feature_info = [stage_info(width, 1, "relu"), stage_info(width, 1, "layer1"),
                             stage_info(2 * width, 2, "layer2"), stage_info(4 * width, 4, "layer3")]
        kaiming_init_(self)
        if zero_init_residual:
            zero_init_blocks_(self)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        layers: list[nn.Module] = []
        for index in range(blocks):
            block_stride = stride if index == 0 else 1
            downsample = None
            if self.residual:
                downsample = shortcut_for(self.shortcut, self.inplanes, planes, block_stride, self._norm_layer)
            layers.append(BasicBlock(self.inplanes, planes, block_stride, downsample, self._norm_layer,
                                     residual=self.residual))
            self.inplanes = planes
        return nn.Sequential(*layers)

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        names = ("conv1", "bn1", "relu", "layer1", "layer2", "layer3")
        return [(name, getattr(self, name)) for name in names]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The layer3 map before pooling (8x8 for a 32x32 input): for probes."""
        if not torch.jit.is_scripting():
            check_input(x, self.in_channels)
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return x


def cifar_resnet(depth: int, **kwargs: Any) -> CifarResNet:
    """Residual CIFAR net of depth 6n+2 (20 -> 0.27M parameters, 110 -> 1.7M with option A).

    Keyword arguments: ``shortcut="A"|"B"|"C"``, ``width=16``, ``num_classes=10`` (0: no classifier),
    ``in_channels=3``, ``norm_layer`` (None: BatchNorm2d), ``zero_init_residual=False``. For Fashion-MNIST use ``in_channels=1``: 28x28 inputs give 28 -> 14 -> 7 maps.
    """
    return CifarResNet(depth, **kwargs)


def cifar_plain(depth: int, **kwargs: Any) -> CifarResNet:
    """The plain twin: the same layers with no shortcut, so exactly the parameters of option A.

    Keyword arguments as ``cifar_resnet`` except ``shortcut``, which a plain net does not have.
    """
    for name in ("shortcut", "residual"):
        if name in kwargs:
            raise TypeError(f"cifar_plain has no shortcut, got {name}={kwargs[name]!r}; use cifar_resnet")
    return CifarResNet(depth, residual=False, **kwargs)


@torch.no_grad()
def make_identity_(block: BasicBlock) -> BasicBlock:
    """Set a block with equal input and output shapes to compute the identity on its (non-negative) input.

    Residual: F = 0 by zeroing the last BN's scale and shift, so relu(0 + x) = x. Plain: both convolutions
    become Dirac kernels and both BNs pass values through (mean 0, variance 1 - eps), so relu(relu(x)) = x.
    Exact in eval mode; in train mode BN would use the batch's statistics instead.
    """
    if not isinstance(block, BasicBlock):
        raise TypeError(f"block must be a BasicBlock, got block of type {type(block).__name__}")
    if block.stride != 1 or block.conv1.in_channels != block.conv2.out_channels:
        raise ValueError(f"only a block that keeps the shape can be the identity, got stride={block.stride}, "
                         f"{block.conv1.in_channels} -> {block.conv2.out_channels} channels")
    norms = [m for m in (block.bn1, block.bn2) if isinstance(m, nn.BatchNorm2d)]
    if block.residual:
        block.zero_init_last()
        if norms:
            block.bn2.bias.zero_()
        return block
    nn.init.dirac_(block.conv1.weight)
    nn.init.dirac_(block.conv2.weight)
    for bn in norms:
        bn.weight.fill_(1.0)
        bn.bias.zero_()
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
    return block


def deepen(model: CifarResNet, depth: int) -> CifarResNet:
    """A deeper net that computes exactly what ``model`` computes: its blocks, then identity blocks.

    The constructive argument of He et al. (2016): a deeper net can always be at least as good as a shallower
    one, so a deeper net that trains *worse* is an optimisation failure, not a lack of capacity.
    """
    if not isinstance(model, CifarResNet):
        raise TypeError(f"model must be a CifarResNet, got model of type {type(model).__name__}")
    blocks_per_stage(depth, 6, DEPTH_EXAMPLES)
    if depth < model.depth:
        raise ValueError(f"depth must be at least the model's depth {model.depth}, got depth={depth}")
    deeper = CifarResNet(depth, shortcut=model.shortcut, residual=model.residual, width=model.width, num_classes=model.num_classes,
                         in_channels=model.in_channels, norm_layer=model._norm_layer)
    deeper = deeper.to(next(model.parameters()).device)
    for name in ("conv1", "bn1", "fc"):
        getattr(deeper, name).load_state_dict(getattr(model, name).state_dict())
    for stage in ("layer1", "layer2", "layer3"):
        shallow, deep = getattr(model, stage), getattr(deeper, stage)
        for index, block in enumerate(deep):
            if index < len(shallow):
                block.load_state_dict(shallow[index].state_dict())
            else:
                make_identity_(block)
    return deeper.train(model.training)
