"""Output sizes and receptive fields checked against what PyTorch's layers actually do."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from resnet_lib import probes
from resnet_lib.probes import geometry


def test_output_size_examples() -> None:
    assert probes.output_size(224, 7, stride=2, padding=3) == 112
    assert probes.output_size(112, 3, stride=2, padding=1) == 56
    assert probes.output_size(32, 3, stride=1, padding=1) == 32
    assert probes.output_size(7, 3, stride=2, padding=1) == 4
    assert probes.output_size(7, 3, stride=2) == 3
    assert probes.output_size(56, 3, padding=2, dilation=2) == 56


def test_output_size_agrees_with_pytorch() -> None:
    rng = np.random.default_rng(0)
    for _ in range(40):
        size, kernel, stride, padding, dilation = (int(v) for v in rng.integers([5, 1, 1, 0, 1], [40, 8, 5, 4, 4]))
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue
        conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        with torch.no_grad():
            actual = conv(torch.zeros(1, 1, size, size)).shape[-1]
        assert probes.output_size(size, kernel, stride, padding, dilation) == actual


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"size": 0, "kernel_size": 3}, ValueError, "size must be a positive int, got size=0"),
        ({"size": -4, "kernel_size": 3}, ValueError, "size=-4"),
        ({"size": 8, "kernel_size": 0}, ValueError, "kernel_size=0"),
        ({"size": 8, "kernel_size": 3, "stride": 0}, ValueError, "stride must be a positive int, got stride=0"),
        ({"size": 8, "kernel_size": 3, "padding": -1}, ValueError, r"padding must be an int in \[0, inf\], got padding=-1"),
        ({"size": 8, "kernel_size": 3, "dilation": 0}, ValueError, "dilation=0"),
        ({"size": 8.0, "kernel_size": 3}, TypeError, "size=8.0"),
        ({"size": 8, "kernel_size": True}, TypeError, "kernel_size=True"),
        ({"size": 8, "kernel_size": 3, "padding": "same"}, TypeError, "padding='same'"),
        ({"size": 4, "kernel_size": 7}, ValueError, "kernel spans 7 pixels .* padded input has only 4"),
        ({"size": 4, "kernel_size": 3, "dilation": 3}, ValueError, "kernel spans 7 pixels"),
    ],
)
def test_output_size_rejects_bad_input(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        probes.output_size(**kwargs)


def test_receptive_field_examples() -> None:
    assert probes.receptive_field([]) == 1
    assert probes.receptive_field([(3, 1)] * 2) == 5
    assert probes.receptive_field([(3, 1)] * 3) == 7
    assert probes.receptive_field([(7, 2), (3, 2)]) == 11  # ResNet stem: conv1 then max pool
    assert probes.receptive_field([(3, 1, 2)]) == 5


def _measured_receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """Width of the input region that moves one central output pixel: the definition itself."""
    convs = [nn.Conv1d(1, 1, k, stride=s, dilation=d, bias=False) for k, s, d in layers]
    for conv in convs:
        nn.init.ones_(conv.weight)
    x = torch.zeros(1, 1, 64, requires_grad=True)
    out = nn.Sequential(*convs)(x)
    out[0, 0, out.shape[-1] // 2].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    return int(touched.max() - touched.min() + 1)


@pytest.mark.parametrize("layers", [[(3, 1, 1)] * 4, [(7, 2, 1), (3, 2, 1), (3, 1, 1)], [(3, 1, 2), (3, 2, 1), (5, 1, 3)]])
def test_receptive_field_agrees_with_a_measured_one(layers: list[tuple[int, int, int]]) -> None:
    assert probes.receptive_field(layers) == _measured_receptive_field(layers)


def test_receptive_field_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="layers"):
        probes.receptive_field("3x3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"layers\[1\]=\(3,\)"):
        probes.receptive_field([(3, 1), (3,)])
    with pytest.raises(ValueError, match=r"layers\[0\] stride must be a positive int, got layers\[0\] stride=0"):
        probes.receptive_field([(3, 0)])
    with pytest.raises(TypeError, match=r"layers\[0\] kernel_size must be a positive int"):
        probes.receptive_field([(3.0, 1)])
    with pytest.raises(TypeError, match=r"layers\[0\]=3"):
        probes.receptive_field([3])


@pytest.mark.parametrize(
    ("size", "kernel_size", "stride", "padding", "dilation"),
    [(32, 3, 1, 2, 2), (32, 3, 2, 2, 2), (33, 3, 2, 0, 3), (28, 5, 1, 0, 4), (17, 3, 3, 1, 5), (9, 3, 1, 0, 4)],
)
def test_output_size_with_dilation_is_what_conv2d_and_max_pool_output(
    size: int, kernel_size: int, stride: int, padding: int, dilation: int
) -> None:
    """The dilated kernel spans dilation*(kernel_size-1)+1 pixels; the floor then rounds down as without dilation."""
    conv = nn.Conv2d(1, 1, kernel_size, stride=stride, padding=padding, dilation=dilation)
    pool = nn.MaxPool2d(kernel_size, stride=stride, padding=min(padding, kernel_size // 2), dilation=dilation)
    x = torch.zeros(1, 1, size, size + 3)  # height and width differ: the formula is per axis
    with torch.no_grad():
        height, width = conv(x).shape[-2:]
        pooled = pool(x).shape[-2]
    assert geometry.output_size(size, kernel_size, stride, padding, dilation) == height
    assert geometry.output_size(size + 3, kernel_size, stride, padding, dilation) == width
    assert geometry.output_size(size, kernel_size, stride, min(padding, kernel_size // 2), dilation) == pooled


def test_output_size_is_keyword_compatible_with_the_layers() -> None:
    """Same parameter names as nn.Conv2d, so a layer's settings can be passed as they are."""
    settings = {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1}
    conv = nn.Conv2d(1, 1, **settings)
    with torch.no_grad():
        assert geometry.output_size(56, **settings) == conv(torch.zeros(1, 1, 56, 56)).shape[-1] == 28
