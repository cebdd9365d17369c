"""How batch normalisation's running averages follow a statistic that is noisy and drifting.

During training every BN layer sees one batch mean per step: the feature's true mean plus sampling noise that
shrinks like 1/sqrt(batch size), while the true mean itself moves as the weights learn. The running average
``running = (1 - momentum) * running + momentum * batch_mean`` (PyTorch's convention) trades the two off:
a small momentum averages the noise away but lags behind the drift. ``running_stats_explorer`` puts both
knobs on sliders; ``running_stats_figure`` is its static twin for the built HTML page.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .plots import plot_xy
from ..validation import check_int, check_number, check_positive_int

# Slider ranges of the explorer.
MOMENTUM_RANGE = (0.01, 1.0)
BATCH_RANGE = (1, 256)


def running_average(values: Sequence[float], momentum: float, start: float = 0.0) -> np.ndarray:
    """Every intermediate value of PyTorch's running average over ``values`` (one per training step).

    ``start`` is the initial running value (BatchNorm2d starts its running mean at 0 and its variance at 1).
    """
    momentum = check_number("momentum", momentum, 0.0, 1.0)
    start = check_number("start", start)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence, got shape {values.shape}")
    out = np.empty_like(values)
    running = start
    for step, value in enumerate(values):
        running = (1 - momentum) * running + momentum * value
        out[step] = running
    return out


def batch_mean_stream(steps: int = 300, batch_size: int = 32, *, drift: float = 1.0, spread: float = 4.0,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(true mean, batch mean) at each step for one feature whose true mean drifts while training goes on.

    The true mean rises from 0 to ``drift`` along a smooth curve (as the weights of the layer below change); the
    feature has standard deviation ``spread`` across the data, so a batch mean of ``batch_size`` examples
    scatters around the true mean with standard deviation ``spread / sqrt(batch_size)``.
    """
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    drift = check_number("drift", drift)
    spread = check_number("spread", spread, 0.0)
    seed = check_int("seed", seed, 0)
    t = np.arange(steps) / max(steps - 1, 1)
    true_mean = drift * (1 - np.exp(-4 * t))
    rng = np.random.default_rng(seed)
    batch_mean = true_mean + rng.standard_normal(steps) * spread / np.sqrt(batch_size)
    return true_mean, batch_mean


def _curves(momenta: Sequence[float], batch_size: int, steps: int, seed: int) -> dict[str, tuple[Any, Any]]:
    true_mean, batch_mean = batch_mean_stream(steps, batch_size, seed=seed)
    x = np.arange(1, steps + 1)
    curves: dict[str, tuple[Any, Any]] = {f"batch means (batch {batch_size})": (x, batch_mean),
                                          "true mean": (x, true_mean)}
    for momentum in momenta:
        curves[f"running mean, momentum {momentum:g}"] = (x, running_average(batch_mean, momentum))
    return curves


def running_stats_figure(momenta: Sequence[float] = (0.01, 0.1, 0.5), batch_size: int = 32, steps: int = 300,
                         seed: int = 0) -> Figure:
    """The static figure: one batch-mean stream and its running average for several momenta."""
    if isinstance(momenta, (str, bytes)) or not isinstance(momenta, Sequence) or not momenta:
        raise ValueError(f"momenta must be a non-empty sequence of numbers in [0, 1], got momenta={momenta!r}")
    for index, momentum in enumerate(momenta):
        check_number(f"momenta[{index}]", momentum, 0.0, 1.0)
    check_int("batch_size", batch_size, *BATCH_RANGE)
    return plot_xy(_curves(momenta, batch_size, steps, seed), xlabel="training step",
                   ylabel="mean of one channel", figsize=(7.0, 3.8))


def running_stats_explorer(momentum: float = 0.1, batch_size: int = 32, steps: int = 300, seed: int = 0) -> Any:
    """Sliders for BN's momentum and batch size over the running-mean figure; starts at PyTorch's default.

    Returns an ipywidgets ``VBox``; without ipywidgets, the static figure for three momenta instead.
    Only ``FloatLogSlider``, ``IntSlider``, ``Image``, ``VBox`` and ``observe`` are used (ipywidgets 7 and 8).
    """
    check_number("momentum", momentum, *MOMENTUM_RANGE)
    check_int("batch_size", batch_size, *BATCH_RANGE)
    check_positive_int("steps", steps)
    try:
        import ipywidgets as widgets
    except ImportError:
        return running_stats_figure(batch_size=batch_size, steps=steps, seed=seed)
    momentum_slider = widgets.FloatLogSlider(value=momentum, base=10, min=np.log10(MOMENTUM_RANGE[0]),
                                             max=np.log10(MOMENTUM_RANGE[1]), step=0.1, description="momentum")
    batch_slider = widgets.IntSlider(value=batch_size, min=BATCH_RANGE[0], max=BATCH_RANGE[1],
                                     description="batch size")
    # An Image, not an Output widget: Output captures break headless execution (nbclient without widget state).
    image = widgets.Image(format="png")

    def update(change: Any = None) -> None:
        figure = plot_xy(_curves((momentum_slider.value,), batch_slider.value, steps, seed),
                         xlabel="training step", ylabel="mean of one channel", figsize=(7.0, 3.8))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        image.value = buffer.getvalue()

    momentum_slider.observe(update, names="value")
    batch_slider.observe(update, names="value")
    update()
    return widgets.VBox([momentum_slider, batch_slider, image])
