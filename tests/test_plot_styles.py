"""The book's one figure style: a network keeps its colour across figures and chapters, plain nets are dashed
(hollow), residual nets solid (filled), legends never cover data, text stays legible at a phone's width."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from resnet_lib.figures import plots


def _histories(*names: str) -> dict:
    return {name: {"train_err": [0.5, 0.3, 0.1], "val_err": [0.6, 0.4, 0.2]} for name in names}


def test_a_network_has_one_colour_in_every_figure_and_twins_share_it() -> None:
    a = plots.plot_history(_histories("plain-20", "plain-56"), metrics=("train_err",))
    b = plots.plot_history(_histories("ResNet-56", "plain-56", "ResNet-20"), metrics=("train_err",))
    c = plots.plot_layer_norms({"plain-56": {"a": 1.0, "b": 2.0}})
    colour = {line.get_label(): to_hex(line.get_color()) for fig in (a, b) for line in fig.axes[0].get_lines()}
    assert colour["plain-56"] == colour["ResNet-56"] == to_hex(c.axes[0].get_lines()[0].get_color())
    assert colour["plain-20"] == colour["ResNet-20"] != colour["plain-56"]
    assert plots.network_style("cifar_plain(56)")["color"] == plots.network_style("plain-56, trained")["color"]


def test_plain_dashed_and_hollow_residual_solid_and_filled() -> None:
    for label in ("plain-20", "cifar_plain(56)", "VGG-19", "feedforward, 50 layers"):
        style = plots.network_style(label)
        assert style["linestyle"] == "--" and style["markerfacecolor"] == "white", label
    for label in ("ResNet-20", "cifar_resnet(56)", "ResNet-20 (B)", "residual, 50 layers"):
        style = plots.network_style(label)
        assert style["linestyle"] == "-" and style["markerfacecolor"] == style["color"], label
    fig = plots.plot_bar_panels({"params": {"plain-34": 21.0, "ResNet-34": 21.8}})
    plain, residual = fig.axes[0].patches
    assert plain.get_facecolor()[:3] == (1.0, 1.0, 1.0) and plain.get_hatch() == "//"
    assert residual.get_facecolor() == residual.get_edgecolor() or residual.get_hatch() is None


def test_shortcut_options_and_repeated_nets_stay_distinguishable() -> None:
    labels = ["ResNet-20 (A)", "ResNet-20 (B)", "ResNet-20 (C)"]
    assert len({plots.network_style(label)["color"] for label in labels}) == 3
    assert plots.network_style("ResNet-20 (A)")["color"] == plots.network_style("ResNet-20")["color"]
    fig = plots.plot_layer_norms({"plain-56, initialisation": {"a": 1.0}, "plain-56, trained": {"a": 2.0}})
    first, second = fig.axes[0].get_lines()
    assert (first.get_color(), first.get_marker()) != (second.get_color(), second.get_marker())


def test_network_style_rejects_a_non_string() -> None:
    with pytest.raises(TypeError, match="label must be a str"):
        plots.network_style(56)


FIGURES = {
    "history": lambda: plots.plot_history(_histories("plain-20", "plain-56", "ResNet-20", "ResNet-56")),
    "history-loss-and-err": lambda: plots.plot_history(
        {"ResNet-20": {"train_loss": [2, 1], "val_loss": [2, 1.5], "train_err": [.5, .2], "val_err": [.6, .3]}},
        metrics=("train_loss", "val_loss", "train_err", "val_err")),
    "layer-norms": lambda: plots.plot_layer_norms({"plain-56": dict(zip("abcdef", np.logspace(-8, 0, 6))),
                                                   "ResNet-56": dict(zip("abcdef", np.ones(6)))}),
    "curves": lambda: plots.plot_curves({"plain stack": np.linspace(1, 0.1, 50),
                                         "residual stack, F = 0 at start": np.linspace(0.5, 0.01, 50)},
                                        reference=(1.0, "output 0"), log=True),
    "xy": lambda: plots.plot_xy({"feedforward": ([1, 2, 5, 10], [0.9, 0.6, 0.2, 0.0]),
                                 "residual": ([1, 2, 5, 10], [0.9, 0.8, 0.7, 0.6])}, logx=True, markers=True),
    "lesion": lambda: plots.plot_lesion({"ResNet-56": {"baseline": 0.1, **{f"layer{i // 9 + 1}.{i % 9}": 0.12
                                                                          for i in range(27)}},
                                         "plain-56": {"baseline": 0.2, **{f"layer{i // 9 + 1}.{i % 9}": 0.9
                                                                          for i in range(27)}}}),
    "path-lengths": lambda: plots.plot_path_lengths({"ResNet-56: 27 blocks": np.full(28, 1 / 28),
                                                     "ResNet-110: 54 blocks": np.full(55, 1 / 55)}),
    "bar-panels": lambda: plots.plot_bar_panels({"parameters (millions)": {"VGG-19": 143.7, "plain-34": 21.8,
                                                                           "ResNet-34": 21.8, "ResNet-18": 11.7}}),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_legends_never_cover_data_and_text_is_legible_on_a_phone(name: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = FIGURES[name]()
    FigureCanvasAgg(fig).draw()  # figures come back closed: draw them on a canvas of their own
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), f"{name}: the legend covers an axes"
    for ax in fig.axes:  # tick labels never overlap each other
        boxes = [label.get_window_extent(renderer) for label in ax.get_xticklabels() if label.get_text()]
        assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:])), f"{name}: x tick labels overlap"
    scale = min(1.0, plots.PHONE_COLUMN_PX / (fig.get_figwidth() * fig.dpi))
    for ax in fig.axes:
        for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            if label.get_text():
                pixels = label.get_fontsize() * fig.dpi / 72 * scale
                assert pixels >= plots.MIN_PHONE_TEXT_PX, f"{name}: tick {label.get_text()!r} is {pixels:.1f} px"


def test_shortcut_options_of_resnet20_differ_at_a_glance() -> None:
    """Options A, B and C of ResNet-20 (chapter 3's figure) are not shades of one colour (issue 27)."""
    from matplotlib.colors import to_rgb

    colours = [to_rgb(plots.network_style(f"ResNet-20 ({option})")["color"]) for option in "ABC"]
    for i in range(3):
        for j in range(i):
            distance = sum((a - b) ** 2 for a, b in zip(colours[i], colours[j])) ** 0.5
            assert distance > 0.4, (i, j, colours)



def _pixels_of(fig, colour: str, ax) -> int:
    """How many pixels inside the axes show this colour (within a small tolerance, so antialiasing counts)."""
    import matplotlib.colors as mcolors
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    box = ax.get_window_extent()
    height = image.shape[0]
    inside = image[int(height - box.y1):int(height - box.y0), int(box.x0):int(box.x1)]
    target = np.array(mcolors.to_rgb(colour)) * 255
    return int((np.abs(inside - target).max(axis=-1) < 12).sum())


def test_every_curve_the_legend_lists_stays_visible_when_curves_coincide() -> None:
    """Chapter 7's Fig. 7.1: identity, dropout and a closed gate give one line; each must still show."""
    x = np.arange(1, 101)
    curves = {"identity": (x, np.ones(100)), "λ = 0.5": (x, 0.5 ** (x - 100.0)),
              "dropout 0.5": (x, np.ones(100)), "exclusive gate, b = -6": (x, 0.9975 ** (x - 100.0)),
              "shortcut gate, b = 0": (x, 0.5 ** (x - 100.0)), "shortcut gate, b = -6": (x, np.ones(100))}
    fig = plots.plot_xy(curves, logy=True)
    ax = fig.axes[0]
    assert {label for label, _ in plots.hidden_lines(ax)} == {"identity", "λ = 0.5", "dropout 0.5",
                                                             "exclusive gate, b = -6"}
    for line in ax.get_lines():
        assert _pixels_of(fig, line.get_color(), ax) > 40, line.get_label()
    distinct = plots.plot_xy({"a": (x, x * 1.0), "b": (x, 100.0 - x)})
    assert plots.hidden_lines(distinct.axes[0]) == []
    assert all(line.get_marker() in ("None", None, "") for line in distinct.axes[0].get_lines())


def test_a_curve_over_a_short_stretch_gets_its_points_marked() -> None:
    """Chapter 7's dropout shortcut: zero for 82 of 100 units, so on a log axis only 18 points remain."""
    x = np.arange(1, 101)
    short = np.where(x > 82, 2.0 ** (100 - x), np.nan)
    fig = plots.plot_xy({"identity": (x, np.ones(100)), "dropout 0.5": (x, short)}, logy=True)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert lines["dropout 0.5"].get_marker() == "o" and lines["identity"].get_marker() in ("None", None, "")
