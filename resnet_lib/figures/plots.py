"""The figures every chapter draws, in one consistent style.

Each function returns its ``Figure`` (a notebook shows it as the cell's value; tests count its
lines). Figures are closed in pyplot before they are returned, so no backend shows them a second time. Runs keep their colour across panels, training curves are thin and
held-out curves thick, errors are shown in percent, as in the ResNet paper.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..book.numbers import scientific

FIGSIZE = (6.4, 3.6)
# Shown at a phone's width (about 380 px of text column) a 640-px figure shrinks to 0.6: 11-point ticks stay ~9 px.
PHONE_COLUMN_PX = 380
MIN_PHONE_TEXT_PX = 8.5
STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "figure.titlesize": 12,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "lines.linewidth": 1.8,
    "figure.dpi": 100,
}

# One colour per network across the book, by depth: ResNet-56 and plain-56 share a colour (twins), the line style
# tells the families apart. A shortcut option other than A (the CIFAR nets' default) is a network of its own.
NETWORK_COLOURS = {
    8: "#8c564b", 11: "#c49c94", 16: "#aec7e8", 18: "#e377c2", 19: "#bcbd22", 20: "#1f77b4", 32: "#98df8a",
    34: "#2ca02c", 44: "#ff9896", 50: "#9467bd", 56: "#ff7f0e", 101: "#c5b0d5", 110: "#d62728", 152: "#7f7f7f",
    164: "#17becf", 1001: "#393b79",
}
SHORTCUT_COLOURS = {(20, "B"): "#bd9e39", (20, "C"): "#7b4173", (56, "B"): "#e7ba52", (56, "C"): "#843c39"}
# Anything that is not a named network (an initialisation, a curve of a probe) takes these, in order.
OTHER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FAMILY_LINESTYLES = {"plain": "--", "residual": "-", None: "-"}
DUPLICATE_MARKERS = ("o", "s", "^", "D", "v")
_RESIDUAL = re.compile(r"resnet|residual|shortcut", re.I)
_PLAIN = re.compile(r"plain|feedforward|feed-forward|vgg|alexnet|no shortcut", re.I)


def network_family(label: str) -> str | None:
    """``"residual"``, ``"plain"`` or None (not a network name), read from a figure label such as "ResNet-56"."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got label of type {type(label).__name__}")
    if _PLAIN.search(label) and not re.search(r"resnet", label, re.I):
        return "plain"
    return "residual" if _RESIDUAL.search(label) else None


def network_style(label: str, index: int = 0) -> dict[str, Any]:
    """Colour, line style and marker fill of the network a label names, the same in every figure of the book.

    Labels name a network as the chapters do: "plain-20", "ResNet-56 (B)", "cifar_resnet(20, shortcut='C')",
    "feedforward, 50 layers". Labels that name none get ``OTHER_COLOURS[index]`` and a solid line.
    """
    family = network_family(label)
    colour = OTHER_COLOURS[index % len(OTHER_COLOURS)]
    depth = re.search(r"(?<![\d./])(\d+)(?![\d./])", label)
    if family is not None and depth and int(depth.group(1)) in NETWORK_COLOURS:
        number = int(depth.group(1))
        colour = NETWORK_COLOURS[number]
        option = re.search(r"\(([ABC])\)|shortcut='([ABC])'", label)
        letter = option and (option.group(1) or option.group(2))
        colour = SHORTCUT_COLOURS.get((number, letter), colour)
    return {"color": colour, "linestyle": FAMILY_LINESTYLES[family],
            "markerfacecolor": "white" if family == "plain" else colour}


def _styles(labels: Sequence[str]) -> list[dict[str, Any]]:
    """``network_style`` for each label; labels that would look identical (the same net, initialised and trained)
    get distinct markers, so each line stays identifiable."""
    styles, seen = [], {}
    for index, label in enumerate(labels):
        style = network_style(label, index)
        key = (style["color"], style["linestyle"])
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            style["marker"] = DUPLICATE_MARKERS[(count - 1) % len(DUPLICATE_MARKERS)]
        styles.append(style)
    return styles


def _legend(fig: Figure, axes: Sequence[Any]) -> None:
    """One legend for the figure, below the axes: it never covers data (the layout makes room for it)."""
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        longest = max(len(label) for label in labels)
        ncols = 1 if longest > 34 else 2 if longest > 18 or len(labels) == 4 else min(3, len(labels))
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols)


OVERLAP = 0.012  # of the axes' height: two lines closer than this everywhere (about 3 px) look like one line


def _normalised_y(ax: Any, ys: np.ndarray) -> np.ndarray:
    """y in units of the axes' height, through its scale (log axes compare decades)."""
    bottom, top = ax.get_ylim()
    if ax.get_yscale() == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            ys, bottom, top = np.log10(ys), np.log10(bottom), np.log10(top)
    return (ys - bottom) / (top - bottom)


def hidden_lines(ax: Any) -> list[tuple[str, str]]:
    """(label, label of the line drawn over it) for each labelled line that a line drawn after it covers along its
    whole length (within `OVERLAP`): what a reader would not see, although the legend lists it."""
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    covered = []
    for i, line in enumerate(lines):
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        for other in lines[i + 1:]:
            oxs, oys = np.asarray(other.get_xdata(), float), np.asarray(other.get_ydata(), float)
            if xs.shape != oxs.shape or not np.allclose(xs, oxs):
                continue
            a, b = _normalised_y(ax, ys), _normalised_y(ax, oys)
            both = np.isfinite(a) & np.isfinite(b)
            if both.any() and np.all(np.isfinite(a) == np.isfinite(b)) and np.abs(a - b)[both].max() < OVERLAP:
                covered.append((line.get_label(), other.get_label()))
                break
    return covered


def _reveal_overlaps(ax: Any) -> None:
    """A line that lies on an earlier one (the same curve for two set-ups) is drawn as markers alone, a marker of
    its own staggered along x, so the line beneath and every curve the legend lists stay visible; a line that
    exists over under a quarter of its x range gets its points marked, so a short stretch still shows."""
    ax.autoscale_view()
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    for line in lines:  # a curve defined over a short stretch only (the rest 0 on a log axis): mark its points
        ys = np.asarray(line.get_ydata(), float)
        if ax.get_yscale() == "log":
            ys = np.where(ys > 0, ys, np.nan)
        if 0 < np.isfinite(ys).sum() < len(ys) / 4 and line.get_marker() in (None, "None", ""):
            line.set(marker="o", markersize=3.5)
    for count, line in enumerate(_covering_lines(ax, lines)):
        n = len(line.get_xdata())
        every = max(1, n // 8)
        line.set(marker=DUPLICATE_MARKERS[count % len(DUPLICATE_MARKERS)], markersize=6, linestyle="none",
                 markevery=(min(n - 1, count * every // len(DUPLICATE_MARKERS)), every),
                 markerfacecolor=line.get_color(), zorder=2.5 + 0.1 * count)


def _covering_lines(ax: Any, lines: list) -> list:
    """The lines drawn over an earlier line they coincide with, in drawing order."""
    labels = {over for _, over in hidden_lines(ax)}
    return [line for line in lines if line.get_label() in labels]


HISTORY_FIELDS = ("train_loss", "train_err", "val_loss", "val_err")


@contextmanager
def _style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def _new_figure(ncols: int = 1, figsize: tuple[float, float] | None = None) -> tuple[Figure, list]:
    fig, axes = plt.subplots(1, ncols, figsize=figsize or FIGSIZE, squeeze=False, layout="constrained")
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
    """Training curves, each network in its book-wide style (``network_style``): thin = train, thick = held-out.

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
        styles = _styles(list(histories))
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
                    **styles[index],
                    linewidth=1.1 if split == "train" and len(metrics) > 1 else 2.2,
                    alpha=0.6 if split == "train" and len(metrics) > 1 else 1.0,
                    label=f"{run} ({'train' if split == 'train' else 'held-out'})" if len(metrics) > 1 else run,
                )
        for kind, ax in zip(kinds, axes):
            ax.set_xlabel("epoch")
            _integer_x(ax)
            ax.set_ylabel("error (%)" if kind == "err" else "loss")
        _legend(fig, axes)
        if title:
            fig.suptitle(title)
    return fig


def plot_layer_norms(
    norms: Mapping[str, Mapping[str, float]],
    log: bool = True,
    ylabel: str = "gradient norm",
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    xlabel: str = "layer (input → output)",
) -> Figure:
    """Per-layer values (e.g. from ``probes.gradient_norms``) against layer index, one line per run.

    A log scale turns exponential vanishing into a straight downward slope
    towards the input, which is easy to see at a glance. ``xlabel`` names another order of the same values
    (the paper's Fig. 7 also sorts each net's layers by magnitude).
    """
    _check_mapping("norms", norms)
    with _style():
        fig, (ax,) = _new_figure(1, figsize)
        for style, (run, per_layer) in zip(_styles(list(norms)), norms.items()):
            _check_mapping(f"norms[{run!r}]", per_layer)
            values = list(per_layer.values())
            ax.plot(np.arange(1, len(values) + 1), values, **{"marker": ".", **style}, label=run)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        _integer_x(ax)
        ax.set_ylabel(ylabel)
        _reveal_overlaps(ax)
        _legend(fig, [ax])
        if title:
            ax.set_title(title)
    return fig


def _bar_style(label: str, index: int) -> dict[str, Any]:
    """Residual nets' bars filled, plain nets' hollow and hatched, in the network's colour."""
    style = network_style(label, index)
    if network_family(label) == "plain":
        return {"facecolor": "white", "edgecolor": style["color"], "hatch": "//", "linewidth": 1.5}
    return {"color": style["color"]}


def bar_text(value: float) -> str:
    """A bar's value as a person writes it: three significant figures with their trailing zero (33.0 next to
    33.5), whole numbers with thousands separators from 100 up, never e-notation; a dash where there is no number
    (a diverged run's NaN: the bar is not drawn either)."""
    value = float(value)
    if not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) < 0.001:
        return scientific(value, digits=2)
    return f"{value:#.3g}".rstrip(".")


def _label_bars(ax: Any, bars: Any, heights: Sequence[float], log: bool) -> None:
    """Values on the bars, with headroom above the tallest so no label reaches the title."""
    ax.bar_label(bars, labels=[bar_text(h) for h in heights], fontsize=10)
    if not log:
        top = max([h for h in heights if h > 0], default=0)
        if top > 0:
            ax.set_ylim(top=max(ax.get_ylim()[1], top * 1.15))


def _slant_ticks(ax: Any, count: int) -> None:
    """Long names slant and end under their bar (anchored at the right), so neighbours never overlap."""
    if count > 2:
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set(ha="right", rotation_mode="anchor")


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
        bars = ax.bar(names, heights)
        for index, (bar, name) in enumerate(zip(bars, names)):
            bar.set(**_bar_style(name, index))
        if log:
            ax.set_yscale("log")
        _label_bars(ax, bars, heights, log)
        ax.set_ylabel(ylabel)
        ax.grid(axis="x", visible=False)
        if len(names) > 6:
            _slant_ticks(ax, len(names))
        if title:
            ax.set_title(title)
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
        for style, (name, curve) in zip(_styles(list(curves)), curves.items()):
            values = np.asarray(curve, dtype=float)
            ax.plot(np.arange(len(values)), values, **style, label=name)
        ax.axhline(0.0, color="0.5", linewidth=0.8)
        ax.set_xlabel("lag (grid points)")
        _integer_x(ax)
        ax.set_ylabel("autocorrelation")
        _legend(fig, [ax])
        if title:
            ax.set_title(title)
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
        styles = _styles([run or "net" for run in runs])
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
                **{"marker": "o", **styles[index]},
                label=f"{run}: block skipped" if run else "block skipped",
            )
            ax.axhline(
                100 * errors["baseline"],
                color=styles[index]["color"],
                linestyle=":",
                linewidth=1.2,
                label=f"{run}: nothing skipped" if run else "nothing skipped",
            )
        ax.set_xticks(np.arange(len(labels)))
        # Upright when they fit; many block names stand vertical so that they never overlap.
        ax.set_xticklabels(labels, rotation=0 if len(labels) <= 6 else 45 if len(labels) <= 12 else 90)
        ax.set_xlabel("skipped block")
        ax.set_ylabel("error (%)")
        _legend(fig, [ax])
        if title:
            ax.set_title(title)
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
        for style, (name, values) in zip(_styles(list(arrays)), arrays.items()):
            if log:
                values = np.maximum(values, floor)
            ax.plot(np.arange(1, len(values) + 1), values, **style, label=name)
        if reference is not None:
            ax.axhline(reference[0], color="0.5", linestyle=":", label=reference[1])
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _reveal_overlaps(ax)
        _legend(fig, [ax])
        if title:
            ax.set_title(title)
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
        styles = _styles(list(pairs))
        for index, (name, (xs, ys)) in enumerate(pairs.items()):
            ax = axes[index] if separate else axes[0]
            ax.plot(xs, ys, **{**styles[index], "marker": "o" if markers else styles[index].get("marker")},
                    label=name, markersize=5)
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
            _reveal_overlaps(axes[0])
            _legend(fig, axes)
        if title:
            fig.suptitle(title)
    return fig


def plot_bar_panels(
    panels: Mapping[str, Mapping[str, float]],
    log: bool = False,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    sharey: bool = False,
) -> Figure:
    """Several bar charts side by side, ``{panel title: {bar label: value}}``; each network keeps its book-wide
    colour (plain nets hollow), so one network is one colour (e.g. parameters and FLOPs of the same nets).
    ``sharey`` puts the panels on one scale, for panels of the same measure (two conditions of one experiment)."""
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
            bars = ax.bar(names, heights)
            for bar, label in zip(bars, names):
                bar.set(**_bar_style(label, labels.index(label)))
            if log:
                ax.set_yscale("log")
            _label_bars(ax, bars, heights, log)
            ax.set_title(name)
            ax.grid(axis="x", visible=False)
            _slant_ticks(ax, len(names))
        if sharey:
            top = max(ax.get_ylim()[1] for ax in axes)
            for ax in axes:
                ax.set_ylim(top=top)
        if title:
            fig.suptitle(title)
    return fig


def plot_depth_series(
    series: Mapping[str, Mapping[str, Sequence[float]]],
    metrics: Sequence[str] = ("train_err", "test_err"),
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Final error against depth, the paper's Table 6 as a picture: one panel per metric, a dot per seed in the
    network's book-wide colour (plain nets hollow), a line through each family's means (plain dashed, residual
    solid). ``series`` is ``{"plain-20": {"train_err": [per seed], ...}, ...}`` (``reproduce.depth_series``)."""
    _check_mapping("series", series)
    names = {"train_err": "final training error", "val_err": "final held-out error", "test_err": "test error"}
    for metric in metrics:
        if metric not in names:
            raise ValueError(f"metrics must be among {tuple(names)}, got {metric!r}")
    families: dict[str | None, list[tuple[int, str]]] = {}
    for label in series:
        depth = re.search(r"(\d+)\s*$", label)
        if depth is None:
            raise ValueError(f"series labels must end in the depth, as 'ResNet-56' does, got {label!r}")
        families.setdefault(network_family(label), []).append((int(depth.group(1)), label))
    depths = sorted({depth for members in families.values() for depth, _ in members})
    with _style():
        fig, axes = _new_figure(len(metrics), figsize)
        for ax, metric in zip(axes, metrics):
            for family, members in families.items():
                members.sort()
                means = [100 * float(np.mean(series[label][metric])) for _, label in members]
                xs = [depths.index(depth) for depth, _ in members]
                ax.plot(xs, means, color="#444444", linestyle=FAMILY_LINESTYLES[family], linewidth=1.2, zorder=1)
                for x, (_, label) in zip(xs, members):
                    style = network_style(label)
                    values = [100 * float(v) for v in series[label][metric]]
                    offsets = np.linspace(-0.08, 0.08, len(values)) if len(values) > 1 else [0.0]
                    ax.plot([x + o for o in offsets], values, linestyle="none", marker="o", markersize=6,
                            color=style["color"], markerfacecolor=style["markerfacecolor"], zorder=3,
                            label=label)
                    ax.plot([x - 0.16, x + 0.16], [np.mean(values)] * 2, color=style["color"], linewidth=2.4,
                            zorder=2)
            ax.set_xticks(range(len(depths)), [str(depth) for depth in depths])
            ax.set_xlim(-0.5, len(depths) - 0.5)
            ax.set_xlabel("layers")
            ax.set_ylabel(f"{names[metric]} (%)")
        _legend(fig, axes)
        if title:
            fig.suptitle(title)
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
            ax.bar(np.arange(len(values)) + offset, values, width=width, label=name,
                   **_bar_style(name, index))
        ax.set_xlabel("path length (residual branches on the path)")
        _integer_x(ax)
        ax.set_ylabel("share of paths (%)")
        ax.grid(axis="x", visible=False)
        _legend(fig, [ax])
        if title:
            ax.set_title(title)
    return fig


def plot_loss_surfaces(
    surfaces: Mapping[str, tuple[Sequence[float], Sequence[float], Any]],
    levels: Sequence[float] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Contours of the loss on a 2-D plane through trained weights (``probes.loss_surface``), one panel per net,
    as Li et al. (2018) draw them: ``{name: (alphas, betas, losses)}`` with ``losses`` of shape
    ``(len(betas), len(alphas))``. The contours are of log10(loss), at the same ``levels`` in every panel
    (default: 12 levels spanning all panels), so the panels compare; the trained weights are the cross.
    """
    _check_mapping("surfaces", surfaces)
    grids = {}
    for name, triple in surfaces.items():
        if not isinstance(triple, (tuple, list)) or len(triple) != 3:
            raise ValueError(f"surfaces[{name!r}] must be a triple (alphas, betas, losses), got {type(triple).__name__}")
        xs, ys, zs = (np.asarray(v, dtype=float) for v in triple)
        if xs.ndim != 1 or ys.ndim != 1 or zs.shape != (len(ys), len(xs)):
            raise ValueError(f"surfaces[{name!r}]: losses must have shape (len(betas), len(alphas)) = "
                             f"{(len(ys), len(xs))}, got {zs.shape}")
        if not (np.isfinite(zs).all() and (zs > 0).all()):
            raise ValueError(f"surfaces[{name!r}]: losses must be finite and positive (drawn on a log scale)")
        grids[name] = (xs, ys, np.log10(zs))
    if levels is None:
        low = min(z.min() for _, _, z in grids.values())
        high = max(z.max() for _, _, z in grids.values())
        levels = np.linspace(low, high, 12)
    width = (FIGSIZE[0] if len(grids) > 1 else FIGSIZE[0] * 0.6, FIGSIZE[1] * 1.1)
    with _style():
        fig, axes = _new_figure(len(grids), figsize or width)
        for ax, (name, (xs, ys, zs)) in zip(axes, grids.items()):
            filled = ax.contourf(xs, ys, zs, levels=levels, cmap="viridis", extend="both")
            ax.contour(xs, ys, zs, levels=levels, colors="white", linewidths=0.5)
            ax.plot([0], [0], marker="+", color="red", markersize=12, markeredgewidth=2)
            ax.set_title(name)
            ax.set_xlabel("α (direction 1)")
            ax.set_aspect("equal")
            ax.grid(False)
        axes[0].set_ylabel("β (direction 2)")
        fig.colorbar(filled, ax=axes, label="log10 training loss", shrink=0.9)
        if title:
            fig.suptitle(title)
    return fig
