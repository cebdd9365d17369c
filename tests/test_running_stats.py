"""Tests of resnet_lib.figures.running_stats: the running-average arithmetic, the stream, the explorer and its fallback."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from resnet_lib.figures.running_stats import (batch_mean_stream, running_average, running_stats_explorer,
                                      running_stats_figure)


def test_running_average_is_pytorchs_batchnorm_update() -> None:
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm1d(1, momentum=0.3)
    means = []
    for _ in range(5):
        x = torch.randn(16, 1) + 2.0
        means.append(x.mean().item())
        bn(x)
    assert running_average(means, 0.3)[-1] == pytest.approx(bn.running_mean.item(), rel=1e-5)


def test_running_average_limits() -> None:
    values = [1.0, 2.0, 3.0]
    assert list(running_average(values, 1.0)) == values  # momentum 1: the last batch only
    assert list(running_average(values, 0.0, start=5.0)) == [5.0, 5.0, 5.0]  # momentum 0: never moves


def test_batch_mean_noise_shrinks_with_batch_size() -> None:
    true_small, small = batch_mean_stream(4000, 4, seed=1)
    true_large, large = batch_mean_stream(4000, 64, seed=1)
    np.testing.assert_allclose(true_small, true_large)
    ratio = np.std(small - true_small) / np.std(large - true_large)
    assert ratio == pytest.approx(4.0, rel=0.1)  # sqrt(64 / 4)


@pytest.mark.parametrize("kwargs, error", [
    (dict(momentum=1.5), ValueError), (dict(momentum="0.1"), TypeError), (dict(batch_size=0), ValueError),
    (dict(batch_size=2.0), TypeError)])
def test_explorer_checks_its_arguments(kwargs: dict, error: type) -> None:
    with pytest.raises(error, match=next(iter(kwargs))):
        running_stats_explorer(**kwargs)


def test_running_average_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="momentum"):
        running_average([1.0], 2.0)
    with pytest.raises(ValueError, match="values"):
        running_average([], 0.1)


def test_figure_has_the_stream_the_truth_and_one_line_per_momentum() -> None:
    figure = running_stats_figure(momenta=(0.01, 0.1, 0.5), batch_size=8, steps=50)
    assert len(figure.axes[0].lines) == 5
    with pytest.raises(ValueError, match="momenta"):
        running_stats_figure(momenta=())


def test_explorer_redraws_on_slider_change() -> None:
    import ipywidgets as widgets  # a declared dependency: missing, the test must fail, not skip

    box = running_stats_explorer(steps=50)
    assert isinstance(box, widgets.VBox)
    momentum, batch, image = box.children
    first = image.value
    assert first[:4] == b"\x89PNG"
    momentum.value = 0.5
    assert image.value != first  # redrawn
    second = image.value
    batch.value = 4
    assert image.value != second


def test_explorer_falls_back_to_the_static_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    figure = running_stats_explorer(steps=50)
    assert len(figure.axes[0].lines) == 5
