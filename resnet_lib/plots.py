"""The figures every chapter draws, in one consistent style.

Each function returns its ``Figure`` (a notebook shows it as the cell's value; tests count its
lines). Figures are closed in pyplot before they are returned, so no backend shows them a second time. Runs keep their colour across panels, training curves are solid and
held-out curves dashed, errors are shown in percent, as in the ResNet paper.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

FIGSIZE = (7.0, 3.5)
STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "lines.linewidth": 1.6,
    "figure.dpi": 100,
}
HISTORY_FIELDS = ("train_loss", "train_err", "val_loss", "val_err")


@contextmanager
def _style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def _colour(index: int) -> str:
    """Run ``index`` gets the same colour in every figure of a chapter."""
    return f"C{index % 10}"


def _new_figure(ncols: int = 1, figsize: tuple[float, float] | None = None) -> tuple[Figure, list]:
    fig, axes = plt.subplots(1, ncols, figsize=figsize or FIGSIZE, squeeze=False)
    plt.close(fig)  # returned, not left open: the notebook then shows it once, as the cell's value
    return fig, list(axes[0])


def _integer_x(ax: Any) -> None:
    """Epochs, layers and lags are whole numbers: no 2.5 on the axis."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _check_mapping(name: str, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict, got {name} of type {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must be a non-empty dict, got {name}={{}}")


def _series(history: Any, metric: str, run: str) -> list[float]:
    """Read one metric from a ``History`` (attributes) or a plain dict (keys)."""
    if isinstance(history, Mapping):
        values = history.get(metric)
    else:
        values = getattr(history, metric, None)
    if values is None:
        raise ValueError(
            f"histories[{run!r}] has no {metric!r}; allowed metrics are {HISTORY_FIELDS}"
        )
    return [float(v) for v in values]


def plot_history(
    histories: Mapping[str, Any],
    metrics: Sequence[str] = ("train_err", "val_err"),
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Training curves: one colour per run, solid = train, dashed = held-out.

    Errors (``*_err``, stored as fractions in [0, 1]) are drawn in percent;
    losses and errors get separate panels because they do not share a scale.
    The paper's degradation figure is exactly this plot for a plain-20 and
    plain-56 net.
    """
    _check_mapping("histories", histories)
    if isinstance(metrics, str) or not metrics:
        raise ValueError(f"metrics must be a non-empty tuple of names, got metrics={metrics!r}")
    for metric in metrics:
        if metric not in HISTORY_FIELDS:
            raise ValueError(f"metrics must be among {HISTORY_FIELDS}, got {metric!r}")
    kinds = list(dict.fromkeys(metric.split("_", 1)[1] for metric in metrics))
    with _style():
        fig, axes = _new_figure(len(kinds), figsize)
        for index, (run, history) in enumerate(histories.items()):
            for metric in metrics:
                split, kind = metric.split("_", 1)
                values = np.array(_series(history, metric, run))
                if kind == "err":
                    values = 100 * values
                ax = axes[kinds.index(kind)]
                ax.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    color=_colour(index),
                    linestyle="-" if split == "train" else "--",
                    label=f"{run} ({'train' if split == 'train' else 'held-out'})",
                )
        for kind, ax in zip(kinds, axes):
            ax.set_xlabel("epoch")
            _integer_x(ax)
            ax.set_ylabel("error (%)" if kind == "err" else "loss")
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
    return fig


def plot_layer_norms(
    norms: Mapping[str, Mapping[str, float]],
    log: bool = True,
    ylabel: str = "gradient norm",
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Per-layer values (e.g. from ``probes.gradient_norms``) against layer index, one line per run.

    A log scale turns exponential vanishing into a straight downward slope
    towards the input, which is easy to see at a glance.
    """
    _check_mapping("norms", norms)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        for index, (run, per_layer) in enumerate(norms.items()):
            _check_mapping(f"norms[{run!r}]", per_layer)
            values = list(per_layer.values())
            ax.plot(np.arange(1, len(values) + 1), values, marker=".", color=_colour(index), label=run)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("layer (input → output)")
        _integer_x(ax)
        ax.set_ylabel(ylabel)
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def plot_bars(
    values: Mapping[str, float],
    ylabel: str = "",
    title: str | None = None,
    log: bool = False,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """One labelled bar per entry, value written on top: for parameter counts, FLOPs, timings."""
    _check_mapping("values", values)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        names = list(values)
        heights = [float(values[name]) for name in names]
        bars = ax.bar(names, heights, color=[_colour(i) for i in range(len(names))])
        ax.bar_label(bars, labels=[f"{h:.3g}" for h in heights], fontsize=8)
        if log:
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.grid(axis="x", visible=False)
        if len(names) > 6:
            ax.tick_params(axis="x", labelrotation=45)
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def plot_autocorrelation(
    curves: Mapping[str, Sequence[float]],
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Gradient autocorrelation against lag (``probes.gradient_autocorrelation``), one line per net.

    A curve that drops to 0 right after lag 0 is white noise: the gradient
    is "shattered" (Balduzzi et al., 2017).
    """
    _check_mapping("curves", curves)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        for index, (name, curve) in enumerate(curves.items()):
            values = np.asarray(curve, dtype=float)
            ax.plot(np.arange(len(values)), values, color=_colour(index), label=name)
        ax.axhline(0.0, color="0.5", linewidth=0.8)
        ax.set_xlabel("lag (grid points)")
        _integer_x(ax)
        ax.set_ylabel("autocorrelation")
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def _is_flat(results: Mapping[str, Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in results.values())


def plot_lesion(
    results: Mapping[str, Any],
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Error after skipping each block (``probes.lesion``), one line per net, baseline dashed.

    Accepts one lesion result or ``{net name: lesion result}``. Errors are
    fractions and drawn in percent. A residual net's line stays near its
    baseline; a plain net's jumps to chance (Veit et al., 2016).
    """
    _check_mapping("results", results)
    runs = {"": results} if _is_flat(results) else dict(results)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        labels: list[str] = []
        for index, (run, errors) in enumerate(runs.items()):
            _check_mapping(f"results[{run!r}]" if run else "results", errors)
            if "baseline" not in errors:
                raise ValueError(
                    f"results must come from probes.lesion and contain 'baseline', got keys {list(errors)}"
                )
            skipped = [name for name in errors if name != "baseline"]
            labels = skipped if len(skipped) > len(labels) else labels
            ax.plot(
                np.arange(len(skipped)),
                [100 * errors[name] for name in skipped],
                marker="o",
                color=_colour(index),
                label=f"{run}: block skipped" if run else "block skipped",
            )
            ax.axhline(
                100 * errors["baseline"],
                color=_colour(index),
                linestyle="--",
                linewidth=1.0,
                label=f"{run}: nothing skipped" if run else "nothing skipped",
            )
        ax.set_xticks(np.arange(len(labels)))
        ax.set_xticklabels(labels, rotation=45 if len(labels) > 6 else 0, fontsize=8)
        ax.set_xlabel("skipped block")
        ax.set_ylabel("error (%)")
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def plot_images(
    images: Any,
    labels: Any,
    classes: Sequence[str],
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    ncols: int = 8,
) -> Figure:
    """A grid of images with their class names: look at the data before training on it.

    ``mean``/``std`` undo the per-channel normalisation so the pictures look like photos again.
    """
    x = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images, dtype=np.float32)
    y = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"images must be a non-empty batch of shape (N, C, H, W), got shape {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"labels must have one entry per image, got {len(y)} labels for {len(x)} images")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got ncols={ncols!r}")
    channels = x.shape[1]
    if mean is not None and std is not None:
        x = x * np.asarray(std, dtype=np.float32).reshape(1, channels, 1, 1) + np.asarray(
            mean, dtype=np.float32).reshape(1, channels, 1, 1)
    x = np.clip(x, 0.0, 1.0).transpose(0, 2, 3, 1)
    ncols = min(ncols, len(x))
    nrows = -(-len(x) // ncols)
    with _style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.25 * nrows), squeeze=False)
        plt.close(fig)
        for index, ax in enumerate(axes.flat):
            ax.axis("off")
            if index < len(x):
                image = x[index, :, :, 0] if channels == 1 else x[index]
                ax.imshow(image, cmap="gray" if channels == 1 else None, vmin=0, vmax=1)
                ax.set_title(classes[int(y[index])], fontsize=8)
        fig.tight_layout()
    return fig


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "step",
    ylabel: str = "",
    log: bool = False,
    reference: tuple[float, str] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Any per-step curves (e.g. the losses of ``train.fit_regression``), one line per run.

    ``reference=(value, label)`` draws a dotted horizontal line to compare against, such as the loss of a
    model that outputs zeros.
    """
    _check_mapping("curves", curves)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        arrays = {name: np.asarray(curve, dtype=float) for name, curve in curves.items()}
        positive = [a[a > 0].min() for a in arrays.values() if (a > 0).any()]
        floor = min(positive) / 10 if positive else 1e-12  # exact zeros drawn just below the smallest value
        for index, (name, values) in enumerate(arrays.items()):
            if log:
                values = np.maximum(values, floor)
            ax.plot(np.arange(1, len(values) + 1), values, color=_colour(index), label=name)
        if reference is not None:
            ax.axhline(reference[0], color="0.5", linestyle=":", label=reference[1])
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def plot_xy(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str = "",
    ylabel: str = "",
    logx: bool = False,
    logy: bool = False,
    separate: bool = False,
    markers: bool = False,
    xticks: Sequence[float] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Curves given as ``{name: (x, y)}``: one line per name, or one panel per name with ``separate``.

    For what has its own x values: a loss along a direction in weight space, a gradient along a 1-D
    input, a measurement against depth. Panels of ``separate`` share the y axis, so they compare.
    ``markers`` marks the measured points; ``xticks`` puts plain-number ticks there (also on a log axis).
    """
    from matplotlib.ticker import NullLocator

    _check_mapping("curves", curves)
    pairs = {}
    for name, pair in curves.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"curves[{name!r}] must be a pair (x, y), got {type(pair).__name__}")
        xs, ys = np.asarray(pair[0], dtype=float), np.asarray(pair[1], dtype=float)
        if xs.ndim != 1 or xs.shape != ys.shape or len(xs) == 0:
            raise ValueError(f"curves[{name!r}] must be two non-empty 1-D sequences of the same length, "
                             f"got shapes {xs.shape} and {ys.shape}")
        pairs[name] = (xs, ys)
    with _style():
        fig, axes = _new_figure(len(pairs) if separate else 1, figsize)
        for index, (name, (xs, ys)) in enumerate(pairs.items()):
            ax = axes[index] if separate else axes[0]
            ax.plot(xs, ys, color=_colour(index), label=name, marker="o" if markers else None,
                    markersize=4)
            if separate:
                ax.set_title(name)
        for ax in axes:
            if separate and ax is not axes[0]:
                ax.sharey(axes[0])
            if logx:
                ax.set_xscale("log")
            if logy:
                ax.set_yscale("log")
            if xticks is not None:
                ax.xaxis.set_minor_locator(NullLocator())  # no unlabelled log ticks in between
                ax.set_xticks(list(xticks), [f"{tick:g}" for tick in xticks])
            ax.set_xlabel(xlabel)
        axes[0].set_ylabel(ylabel)
        if not separate:
            axes[0].legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
    return fig


def plot_bar_panels(
    panels: Mapping[str, Mapping[str, float]],
    log: bool = False,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Several bar charts side by side, ``{panel title: {bar label: value}}``; bars keep their colour
    across panels, so one network is one colour (e.g. parameters and FLOPs of the same nets)."""
    _check_mapping("panels", panels)
    labels: list[str] = []
    for name, values in panels.items():
        _check_mapping(f"panels[{name!r}]", values)
        labels += [label for label in values if label not in labels]
    with _style():
        fig, axes = _new_figure(len(panels), figsize)
        for ax, (name, values) in zip(axes, panels.items()):
            names = list(values)
            heights = [float(values[label]) for label in names]
            bars = ax.bar(names, heights, color=[_colour(labels.index(label)) for label in names])
            ax.bar_label(bars, labels=[f"{h:.3g}" for h in heights], fontsize=8)
            if log:
                ax.set_yscale("log")
            ax.set_title(name)
            ax.grid(axis="x", visible=False)
            ax.tick_params(axis="x", labelrotation=30 if len(names) > 2 else 0, labelsize=8)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
    return fig


def plot_path_lengths(
    distributions: Mapping[str, Sequence[float]],
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Share of paths (in percent) against path length, one bar series per net
    (``probes.path_length_distribution``): the unrolled view of a residual net (Veit et al., 2016)."""
    _check_mapping("distributions", distributions)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        count = len(distributions)
        width = 0.8 / count
        for index, (name, shares) in enumerate(distributions.items()):
            values = 100 * np.asarray(shares, dtype=float)
            if values.ndim != 1 or len(values) == 0:
                raise ValueError(f"distributions[{name!r}] must be a non-empty 1-D sequence")
            offset = (index - (count - 1) / 2) * width
            ax.bar(np.arange(len(values)) + offset, values, width=width, color=_colour(index), label=name)
        ax.set_xlabel("path length (residual branches on the path)")
        _integer_x(ax)
        ax.set_ylabel("share of paths (%)")
        ax.grid(axis="x", visible=False)
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig
