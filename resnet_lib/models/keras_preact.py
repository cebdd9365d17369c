"""A PyTorch port of a popular Keras pre-activation bottleneck ResNet (a ``ResNet.build`` with a
``residual_module(data, K, stride, chanDim, red, reg, bnEps, bnMom)``, after He et al.'s Caffe release).

The Keras network, from input to output: BN of the input; a 5x5 convolution (``filters[0]``) with BN and ReLU;
zero padding of 1 and a 3x3 max pool with stride 2; ``len(stages)`` stages of pre-activation bottleneck modules,
stage i with ``stages[i]`` modules of ``filters[i + 1]`` output channels, the first module of each stage "reducing"
(``red=True``: a 1x1 projection on the shortcut, and stride 2 in every stage but the first); a final BN and ReLU;
an 8x8 average pool; a dense layer and a softmax. Its defaults, ``stages=(3, 4, 6)`` and
``filters=(64, 128, 256, 512)``, make a 41-layer net for 64x64 images.

What changes on the way to PyTorch, and why:

- ``chanDim``: Keras normalises the axis it is told (-1 for channels-last images, 1 for channels-first).
  ``nn.BatchNorm2d`` always normalises axis 1, so the port takes (N, C, H, W) batches; with
  ``data_format="channels_last"`` it accepts (N, H, W, C) and permutes once at the input instead.
- ``bnMom``: Keras updates ``moving = momentum * moving + (1 - momentum) * batch``; PyTorch's ``momentum`` is the
  weight of the *new* batch. Keras 0.9 is PyTorch 0.1 (``momentum=1 - bn_mom``).
- ``reg``: ``kernel_regularizer=l2(reg)`` adds ``reg * sum(w ** 2)`` to the loss, whose gradient is
  ``2 * reg * w``: for plain SGD that is ``weight_decay = 2 * reg``, applied to the kernels only (not to BN and
  not to the dense bias). :func:`keras_param_groups` builds exactly those optimizer groups, and
  :meth:`KerasPreActResNet.l2_penalty` the loss term itself.
- ``padding="same"`` with stride 2: TensorFlow pads an even-sized input by 0 pixels before and 1 after, PyTorch's
  ``padding=1`` by 1 on both sides. The output sizes agree but the sampling grids do not, which matters only when
  weights are copied from Keras; :class:`SamePad2d` reproduces TensorFlow's rule.
- The softmax stays out of the model: ``nn.CrossEntropyLoss`` expects logits and applies log-softmax itself.
- ``AveragePooling2D((8, 8))`` assumes an 8x8 final map, i.e. 64x64 inputs. On 32x32 images the map is 4x4 and
  the pool has nothing to average over (Keras fails with a negative dimension, PyTorch with "output size is too
  small"). ``global_pool=True`` (default) averages whatever map arrives, which is the same 8x8 pool on 64x64 images;
  ``global_pool=False`` keeps the literal 8x8 pool.
- The Keras ``build`` passes ``reg`` to the stem and the dense layer but not to ``residual_module``, whose own
  default (0.0001) therefore always applies there; the port passes ``reg`` everywhere, which is what the
  parameter promises (and the same at the default).
"""

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..validation import check_bool, check_choice, check_int, check_number, check_positive_int, check_sizes
from .blocks import ClassifierMixin, check_input, classifier_layer, stage_info, zero_init_blocks_

DATA_FORMATS = ("channels_first", "channels_last")


def keras_batch_norm(channels: int, bn_eps: float = 2e-5, bn_mom: float = 0.9) -> nn.BatchNorm2d:
    """``BatchNormalization(epsilon=bn_eps, momentum=bn_mom)``: PyTorch's momentum is 1 - Keras's."""
    return nn.BatchNorm2d(channels, eps=bn_eps, momentum=1.0 - bn_mom)


class SamePad2d(nn.Module):
    """TensorFlow's ``padding="same"`` for a ``kernel_size`` x ``kernel_size`` window with ``stride``: pad so the
    output has ceil(n / stride) pixels, the odd pixel of padding going after (bottom, right), not before.

    TensorFlow pads ``kernel_size - 1 - (n - 1) % stride`` pixels in all (for ``kernel_size >= stride``). The
    module pads the most that can be needed, ``kernel_size - 1``, and then crops what this input does not need,
    with tensor arithmetic on the input's size rather than Python branches, so fx, TorchScript and
    ``torch.export`` see the same graph for every size.
    """

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.stride = check_positive_int("stride", stride)
        if stride > kernel_size:
            raise ValueError(f"stride must be at most kernel_size (windows that skip pixels are not 'same'), "
                             f"got kernel_size={kernel_size}, stride={stride}")
        self.before = (kernel_size - 1) // 2
        self.after = kernel_size - 1 - self.before

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, [self.before, self.after, self.before, self.after])  # F.pad: (left, right, top, bottom)
        height, width = x.size(-2) - self.kernel_size + 1, x.size(-1) - self.kernel_size + 1  # the input's size
        # Unneeded padding: (n - 1) % stride pixels, of which TensorFlow would have put total // 2 before.
        extra_h, extra_w = (height - 1) % self.stride, (width - 1) % self.stride
        top = self.before - (self.kernel_size - 1 - extra_h) // 2
        left = self.before - (self.kernel_size - 1 - extra_w) // 2
        return x[:, :, top:x.size(-2) - (extra_h - top), left:x.size(-1) - (extra_w - left)]

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


def _check_module(in_channels: int, K: int, stride: int, red: bool, reg: float, bn_eps: float,
                  bn_mom: float) -> None:
    check_positive_int("in_channels", in_channels)
    check_positive_int("K", K)
    check_choice("stride", stride, (1, 2))
    check_bool("red", red)
    check_number("reg", reg, 0.0)
    check_number("bn_eps", bn_eps, 0.0)
    check_number("bn_mom", bn_mom, 0.0, 1.0)
    if K < 4:
        raise ValueError(f"K must be at least 4 (the bottleneck has K // 4 filters), got K={K}")
    if not red and (stride != 1 or in_channels != K):
        raise ValueError(f"a module with red=False keeps the shape: it needs stride=1 and in_channels == K, "
                         f"got stride={stride}, in_channels={in_channels}, K={K}")


class KerasResidualModule(nn.Module):
    """The post's ``residual_module(data, K, stride, chanDim, red, reg, bnEps, bnMom)``.

    A full pre-activation bottleneck: BN-ReLU-conv1x1(K/4), BN-ReLU-conv3x3(K/4, stride),
    BN-ReLU-conv1x1(K), plus the shortcut. With ``red`` the shortcut is a strided 1x1
    convolution of the *first* BN-ReLU's output, else the input itself. No biases.
    """

    def __init__(self, in_channels: int, K: int, stride: int = 1, red: bool = False,
                 reg: float = 1e-4, bn_eps: float = 2e-5, bn_mom: float = 0.9) -> None:
        super().__init__()
        _check_module(in_channels, K, stride, red, reg, bn_eps, bn_mom)
        self.reg = float(reg)  # used by keras_param_groups and l2_penalty
        inner = int(K * 0.25)
        self.bn1 = keras_batch_norm(in_channels, bn_eps, bn_mom)
        self.conv1 = nn.Conv2d(in_channels, inner, 1, bias=False)
        self.bn2 = keras_batch_norm(inner, bn_eps, bn_mom)
        self.pad2 = SamePad2d(3, stride)  # TensorFlow's padding="same"
        self.conv2 = nn.Conv2d(inner, inner, 3, stride=stride, bias=False)
        self.bn3 = keras_batch_norm(inner, bn_eps, bn_mom)
        self.conv3 = nn.Conv2d(inner, K, 1, bias=False)
        self.shortcut = None
        if red:
            self.shortcut = nn.Conv2d(in_channels, K, 1, stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act1 = F.relu(self.bn1(x))
        out = self.conv1(act1)
        out = self.conv2(self.pad2(F.relu(self.bn2(out))))
        out = self.conv3(F.relu(self.bn3(out)))
        shortcut = x if self.shortcut is None else self.shortcut(act1)
        return out + shortcut

    def zero_init_last(self) -> None:
        """Start with F(x) = 0: the last convolution of the branch is zero (no norm follows it in a pre-activation
        module), so a module without projection passes its input through."""
        nn.init.zeros_(self.conv3.weight)


def _check_build(num_classes: int, in_channels: int, stages: Sequence[int], filters: Sequence[int], reg: float,
                 data_format: str, global_pool: bool) -> None:
    check_int("num_classes", num_classes, minimum=0)
    check_positive_int("in_channels", in_channels)
    check_sizes("stages", stages)
    check_sizes("filters", filters)
    if len(filters) != len(stages) + 1:
        raise ValueError(f"filters must have one entry more than stages (the stem's), got stages={stages} "
                         f"and filters={filters}")
    check_number("reg", reg, 0.0)
    check_choice("data_format", data_format, DATA_FORMATS)
    check_bool("global_pool", global_pool)


class KerasPreActResNet(ClassifierMixin, nn.Module):
    """The post's ``ResNet.build(width, height, depth, classes, stages, filters, reg, ...)``.

    ``in_channels`` is Keras's ``depth`` (image channels); ``width`` and ``height`` are not
    needed, since PyTorch layers do not fix the input size. Returns logits (no softmax).
    ``zero_init_residual=True`` starts every module's branch at zero (not in the Keras post).
    """

    def __init__(self, *, num_classes: int = 10, in_channels: int = 3,
                 stages: Sequence[int] = (3, 4, 6),
                 filters: Sequence[int] = (64, 128, 256, 512), reg: float = 1e-4,
                 bn_eps: float = 2e-5, bn_mom: float = 0.9,
                 data_format: str = "channels_first", global_pool: bool = True,
                 zero_init_residual: bool = False) -> None:
        super().__init__()
        _check_build(num_classes, in_channels, stages, filters, reg, data_format, global_pool)
        check_bool("zero_init_residual", zero_init_residual)
        stages, filters = tuple(int(n) for n in stages), tuple(int(n) for n in filters)
        self.in_channels, self.reg, self.data_format = int(in_channels), float(reg), data_format
        self.num_classes = int(num_classes)

        def bn(channels: int) -> nn.BatchNorm2d:
            return keras_batch_norm(channels, bn_eps, bn_mom)

        self.input_bn = bn(in_channels)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, filters[0], 5, padding=2, bias=False),  # "same"
            bn(filters[0]),
            nn.ReLU(inplace=True),
            nn.ZeroPad2d(1),
            nn.MaxPool2d(3, stride=2),
        )
        layers, channels = [], filters[0]
        for i, count in enumerate(stages):
            K, stride = filters[i + 1], 1 if i == 0 else 2
            units = [KerasResidualModule(channels, K, stride, True, reg, bn_eps, bn_mom)]
            units += [KerasResidualModule(K, K, 1, False, reg, bn_eps, bn_mom)
                      for _ in range(count - 1)]
            layers.append(nn.Sequential(*units))
            channels = K
        self.stages = nn.Sequential(*layers)
        self.final_bn = bn(channels)
        self.final_act = nn.ReLU()
        # Keras: AveragePooling2D((8, 8)), a global pool only for 64x64 inputs
        self.pool = nn.AdaptiveAvgPool2d(1) if global_pool else nn.AvgPool2d(8)
        self.num_features = self.head_hidden_size = channels
        self.fc = classifier_layer(channels, num_classes)
        self.feature_info = [stage_info(filters[0], 2, "stem")] + [
            stage_info(filters[i + 1], 2 ** (i + 1), f"stages.{i}") for i in range(len(stages))]
        self.feature_info[-1]["module"] = "final_act"
        if zero_init_residual:
            zero_init_blocks_(self)

    def _to_channels_first(self, x: torch.Tensor) -> torch.Tensor:
        if self.data_format == "channels_last":  # (N, H, W, C) -> (N, C, H, W)
            x = x.permute(0, 3, 1, 2)
        return x

    def _prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        x = self._to_channels_first(x)
        check_input(x, self.in_channels)
        return x

    def _forward_path(self) -> list[tuple[str, nn.Module]]:
        path = [("input_bn", self.input_bn), ("stem", self.stem)]
        path += [(f"stages.{i}", stage) for i, stage in enumerate(self.stages)]
        return path + [("final_bn", self.final_bn), ("final_act", self.final_act)]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The activated map of the last stage, before pooling."""
        x = self._to_channels_first(x)
        if not torch.jit.is_scripting():
            check_input(x, self.in_channels)
        x = self.stem(self.input_bn(x))
        x = self.stages(x)
        return self.final_act(self.final_bn(x))

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = torch.flatten(self.pool(x), 1)
        return x if pre_logits else self.fc(x)

    def regularized_weights(self) -> list[nn.Parameter]:
        """The weights Keras gives ``kernel_regularizer=l2(reg)``: every convolution kernel and the dense kernel."""
        return [m.weight for m in self.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]

    def l2_penalty(self) -> torch.Tensor:
        """What Keras adds to the loss: ``reg * sum(w ** 2)`` over :meth:`regularized_weights`."""
        return self.reg * sum(w.pow(2).sum() for w in self.regularized_weights())


def keras_param_groups(model: KerasPreActResNet) -> list[dict]:
    """SGD parameter groups equivalent to Keras's ``l2(reg)``: ``weight_decay = 2 * reg`` on the kernels, none on
    BN scales and shifts or the dense bias. Pass them to ``torch.optim.SGD``."""
    if not isinstance(model, KerasPreActResNet):
        raise TypeError(f"model must be a KerasPreActResNet, got model of type {type(model).__name__}")
    decayed = {id(w) for w in model.regularized_weights()}
    return [
        {"params": [p for p in model.parameters() if id(p) in decayed], "weight_decay": 2 * model.reg},
        {"params": [p for p in model.parameters() if id(p) not in decayed], "weight_decay": 0.0},
    ]


def keras_preact_resnet(*, num_classes: int = 10, in_channels: int = 3, stages: Sequence[int] = (3, 4, 6),
                        filters: Sequence[int] = (64, 128, 256, 512), reg: float = 1e-4, bn_eps: float = 2e-5,
                        bn_mom: float = 0.9, data_format: str = "channels_first",
                        global_pool: bool = True, zero_init_residual: bool = False) -> KerasPreActResNet:
    """The Keras post's pre-activation ResNet with its defaults; see the module docstring for what changed."""
    return KerasPreActResNet(num_classes=num_classes, in_channels=in_channels, stages=stages, filters=filters,
                             reg=reg, bn_eps=bn_eps, bn_mom=bn_mom, data_format=data_format,
                             global_pool=global_pool, zero_init_residual=zero_init_residual)
