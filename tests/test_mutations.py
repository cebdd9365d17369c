"""Tests written to fail when the code is wrong in the ways a review found the suite blind to (issue 22): a
pre-activation unit computing another unit's formula, a convolution init of the wrong scale, mixed precision
silently off, and a net that matches torchvision in eval mode but not in training.

Each test compares the library with an independent statement of the same thing (the formula written out with
functional ops, the init's expected standard deviation, the dtype seen inside the forward, torchvision's model).
"""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from resnet_lib import models
from resnet_lib.models.blocks import kaiming_init_
from resnet_lib.train import evaluate, fit

TORCHVISION_NAMES = ["alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
                     "resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]


def _randomise_norms_(model: nn.Module, seed: int = 0) -> None:
    """Trained-looking BN statistics and affine parameters: with the defaults a misplaced BN is nearly identity."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.5)


def _bn(x: torch.Tensor, norm: nn.BatchNorm2d) -> torch.Tensor:
    return F.batch_norm(x, norm.running_mean, norm.running_var, norm.weight, norm.bias, False, 0.0, norm.eps)


def _unit_formula(unit: str, x: torch.Tensor, convs: list[nn.Conv2d], norms: list[nn.BatchNorm2d]) -> torch.Tensor:
    """The paper's Fig. 4 written out: (a) ... (e) as in the docstring of resnet_lib.models.preact."""
    def conv(i: int, h: torch.Tensor) -> torch.Tensor:
        return F.conv2d(h, convs[i].weight, None, convs[i].stride, convs[i].padding)

    k = len(convs)
    if unit == "full":  # F = (BN-ReLU-conv) * k, out = x + F
        h = x
        for i in range(k):
            h = conv(i, F.relu(_bn(h, norms[i])))
        return x + h
    h = F.relu(x) if unit == "relu_only_preact" else x
    for i in range(k):  # conv-BN-ReLU ... conv, then (a, c, d) BN after the last conv
        h = conv(i, h)
        if i < k - 1 or unit != "bn_after_add":
            h = _bn(h, norms[i])
        if i < k - 1:
            h = F.relu(h)
    if unit == "original":
        return F.relu(x + h)
    if unit == "bn_after_add":
        return F.relu(_bn(x + h, norms[k - 1]))
    if unit == "relu_before_add":
        return x + F.relu(h)
    return x + h  # relu_only_preact


@pytest.mark.parametrize("block, planes", [("basic", 8), ("bottleneck", 2)])
@pytest.mark.parametrize("unit", models.preact.UNITS)
def test_each_preactivation_unit_computes_its_formula(unit: str, block: str, planes: int) -> None:
    torch.manual_seed(0)
    module = models.PreActUnit(8, planes, block=block, unit=unit).eval()
    _randomise_norms_(module)
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
    x = torch.randn(2, 8, 6, 6)  # negative values too, so every ReLU's place matters
    with torch.no_grad():
        torch.testing.assert_close(module(x), _unit_formula(unit, x, convs, norms))


@pytest.mark.parametrize("build", [
    lambda: models.resnet18(), lambda: models.resnet50(), lambda: models.cifar_resnet(20),
    lambda: models.preact_resnet(164), lambda: models.vgg16_bn(), lambda: models.alexnet(),
])
def test_convolutions_get_he_init_with_fan_out(build) -> None:
    """kaiming_init_: N(0, 2 / fan_out) for every convolution, BN as the identity. A fixed N(0, 0.01) fails."""
    torch.manual_seed(0)
    model = build()
    checked = 0
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.weight.numel() >= 4000:
            fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
            expected = (2 / fan_out) ** 0.5
            assert abs(m.weight.std().item() - expected) < 0.1 * expected, m
            assert abs(m.weight.mean().item()) < 0.1 * expected
            checked += 1
        if isinstance(m, nn.BatchNorm2d):
            assert torch.equal(m.weight, torch.ones_like(m.weight)) and not m.bias.any()
    assert checked >= 3


def test_linear_layers_get_he_init_with_fan_in_when_asked() -> None:
    torch.manual_seed(0)
    model = kaiming_init_(nn.Sequential(nn.Linear(1000, 500), nn.Linear(500, 300)), init_linear=True)
    for layer in model:
        expected = (2 / layer.in_features) ** 0.5
        assert abs(layer.weight.std().item() - expected) < 0.05 * expected and not layer.bias.any()


class _DtypeRecorder(nn.Module):
    """A tiny conv net that records, inside the forward, the dtype its first convolution computes in."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4, 4)
        self.seen: set[tuple[bool, torch.dtype]] = set()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        self.seen.add((self.training, h.dtype))
        return self.fc(F.adaptive_avg_pool2d(F.relu(h), 1).flatten(1))


@pytest.mark.parametrize("amp, dtype", [(True, torch.bfloat16), (False, torch.float32)])
def test_amp_really_runs_the_forward_in_bfloat16_on_cpu(tiny_data, amp: bool, dtype: torch.dtype) -> None:
    net = _DtypeRecorder()
    fit(net, tiny_data, epochs=1, lr=0.05, batch_size=64, amp=amp, progress=False)
    # Training steps (train mode); fit's eval-mode passes include the FLOP count of its plan, in float32.
    assert {seen for training, seen in net.seen if training} == {dtype}
    net.seen.clear()
    evaluate(net, tiny_data.val_x, tiny_data.val_y, amp=amp)
    assert net.seen == {(False, dtype)}


def _train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    model.train()
    out = model(x)
    F.cross_entropy(out, y).backward()
    return out.detach(), {n: p.grad for n, p in model.named_parameters()}


@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_train_mode_step_matches_torchvision(name: str) -> None:
    """Equal weights give equal outputs, gradients and BN running statistics in a training step (batch
    statistics, not running ones), for every name torchvision shares with the library. Dropout is off in both."""
    torch.manual_seed(0)
    dropout = {"dropout": 0.0} if name.startswith(("vgg", "alexnet")) else {}
    ours = getattr(models, name)(**dropout)
    theirs = getattr(torchvision.models, name)(**dropout)
    _randomise_norms_(ours)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    size = 64 if name == "alexnet" else 32
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([3, 7])
    our_out, our_grads = _train_step(ours, x, y)
    their_out, their_grads = _train_step(theirs, x, y)
    torch.testing.assert_close(our_out, their_out, atol=1e-4, rtol=1e-4)
    for key, grad in their_grads.items():
        torch.testing.assert_close(our_grads[key], grad, atol=1e-4, rtol=1e-3, msg=lambda m: f"{key}: {m}")
    ours_buffers, their_buffers = dict(ours.named_buffers()), dict(theirs.named_buffers())
    for key, buffer in their_buffers.items():
        torch.testing.assert_close(ours_buffers[key], buffer)
