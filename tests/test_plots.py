"""Plots return Figures with the expected lines and axes; widgets work live and degrade to static text."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from resnet_lib.figures import plots, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@dataclass
class FakeHistory:
    """Stands in for ``resnet_lib.train.History``: plots read attributes, never import train.py."""

    train_loss: list[float] = field(default_factory=lambda: [2.0, 1.0, 0.5])
    train_err: list[float] = field(default_factory=lambda: [0.5, 0.3, 0.1])
    val_loss: list[float] = field(default_factory=lambda: [2.1, 1.2, 0.8])
    val_err: list[float] = field(default_factory=lambda: [0.6, 0.4, 0.25])


# --------------------------------------------------------------------------- plot_history


def test_plot_history_one_panel_thin_train_thick_held_out_in_percent() -> None:
    runs = {"plain-20": FakeHistory(), "plain-56": FakeHistory().__dict__}  # attributes or keys
    fig = plots.plot_history(runs)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4
    assert [line.get_linestyle() for line in lines] == ["--"] * 4  # plain nets: dashed
    assert [line.get_linewidth() < 2 for line in lines] == [True, False, True, False]  # train thin, held-out thick
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    np.testing.assert_allclose(lines[0].get_ydata(), [50, 30, 10])
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3])
    assert fig.axes[0].get_ylabel() == "error (%)" and fig.axes[0].get_xlabel() == "epoch"


def test_plot_history_with_the_real_history_class() -> None:
    from resnet_lib import train

    history = train.History(train_loss=[1.0, 0.5], train_err=[0.4, 0.2], val_loss=[1.1, 0.7], val_err=[0.45, 0.3])
    fig = plots.plot_history({"run": history})
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), [45, 30])


def test_plot_history_losses_and_errors_get_separate_panels() -> None:
    fig = plots.plot_history(
        {"a": FakeHistory(), "b": FakeHistory(), "c": FakeHistory()},
        metrics=("train_loss", "val_loss", "train_err", "val_err"),
        title="three runs",
    )
    assert len(fig.axes) == 2
    assert [len(ax.get_lines()) for ax in fig.axes] == [6, 6]
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "error (%)"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [2.0, 1.0, 0.5])  # losses unscaled


def test_plot_history_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="metrics must be among .* got 'test_err'"):
        plots.plot_history({"a": FakeHistory()}, metrics=("test_err",))
    with pytest.raises(ValueError, match="metrics must be a non-empty tuple"):
        plots.plot_history({"a": FakeHistory()}, metrics="val_err")
    with pytest.raises(ValueError, match=r"histories\['a'\] has no 'val_err'"):
        plots.plot_history({"a": {"train_err": [0.1]}})
    with pytest.raises(ValueError, match="histories must be a non-empty dict"):
        plots.plot_history({})
    with pytest.raises(TypeError, match="histories must be a dict, got histories of type list"):
        plots.plot_history([FakeHistory()])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- other plots


def test_plot_layer_norms_one_line_per_run_on_a_log_scale() -> None:
    norms = {"plain": {"conv1": 1e-4, "conv2": 1e-2, "fc": 1.0}, "residual": {"conv1": 0.3, "conv2": 0.5, "fc": 1.0}}
    fig = plots.plot_layer_norms(norms)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    assert plots.plot_layer_norms(norms, log=False).axes[0].get_yscale() == "linear"
    assert ax.get_xlabel() == "layer (input → output)"
    assert plots.plot_layer_norms(norms, xlabel="layer, sorted").axes[0].get_xlabel() == "layer, sorted"
    with pytest.raises(ValueError, match=r"norms\['plain'\] must be a non-empty dict"):
        plots.plot_layer_norms({"plain": {}})


def test_plot_bars_one_bar_per_value() -> None:
    fig = plots.plot_bars({"ResNet-18": 11.7, "ResNet-34": 21.8, "ResNet-50": 25.6}, ylabel="parameters (M)")
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert [p.get_height() for p in ax.patches] == [11.7, 21.8, 25.6]
    assert ax.get_ylabel() == "parameters (M)"
    assert plots.plot_bars({"a": 1.0, "b": 1000.0}, log=True).axes[0].get_yscale() == "log"


def test_plot_autocorrelation_one_line_per_net_plus_the_zero_line() -> None:
    fig = plots.plot_autocorrelation({"feedforward": [1.0, 0.1, 0.0], "residual": np.array([1.0, 0.8, 0.6])})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [0, 1, 2])
    assert ax.get_xlabel().startswith("lag")


def test_plot_lesion_single_result_and_comparison() -> None:
    result = {"baseline": 0.08, "layer1.0": 0.09, "layer1.1": 0.1, "layer2.1": 0.12}
    fig = plots.plot_lesion(result)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2  # errors per skipped block + the dashed baseline
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [9, 10, 12])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layer1.0", "layer1.1", "layer2.1"]

    plain = {"baseline": 0.1, "layer1.0": 0.9, "layer1.1": 0.88, "layer2.1": 0.9}
    fig = plots.plot_lesion({"ResNet-20": result, "plain-20": plain}, title="lesions")
    assert len(fig.axes[0].get_lines()) == 4
    assert fig.axes[0].get_title() == "lesions"
    with pytest.raises(ValueError, match="baseline"):
        plots.plot_lesion({"layer1.0": 0.5})


# --------------------------------------------------------------------------- widgets


def test_conv_output_formula_shows_each_step() -> None:
    assert widgets.conv_output_formula(224, 7, 2, 3) == "⌊(224 + 2·3 − 1·(7 − 1) − 1) / 2⌋ + 1 = ⌊223 / 2⌋ + 1 = 112"
    with pytest.raises(ValueError, match="stride must be a positive int, got stride=0"):
        widgets.conv_output_formula(224, 7, 0, 3)


def test_conv_output_table_has_the_resnet_examples() -> None:
    table = widgets.conv_output_table()
    lines = table.splitlines()
    assert len(lines) == 2 + len(widgets.EXAMPLES)
    assert "| ResNet stem: 7x7 conv, stride 2 | 224 | 7 | 2 | 3 | 1 | **112** |" in lines
    assert "| ResNet stem: 3x3 max pool, stride 2 | 112 | 3 | 2 | 1 | 1 | **56** |" in lines
    assert "| CIFAR ResNet: 3x3 conv | 32 | 3 | 1 | 1 | 1 | **32** |" in lines
    assert widgets.conv_output_table([("no dilation given", 8, 3, 1, 0)]).endswith("| 8 | 3 | 1 | 0 | 1 | **6** |")
    with pytest.raises(ValueError, match=r"examples\[0\]"):
        widgets.conv_output_table([(224, 7)])
    with pytest.raises(ValueError, match="examples must be a non-empty list"):
        widgets.conv_output_table([])


def test_conv_output_explorer_updates_when_a_slider_moves() -> None:
    box = widgets.conv_output_explorer()
    sliders = {child.description: child for child in box.children[:-1]}
    result = box.children[-1]
    assert list(sliders) == ["size", "kernel", "stride", "padding", "dilation"]
    assert "224×224 input → 112×112 output" in result.value
    sliders["size"].value = 32
    assert "32×32 input → 16×16 output" in result.value
    sliders["padding"].value = 0
    sliders["kernel"].value = 15
    sliders["size"].value = 8
    assert "No output" in result.value and "kernel spans 15 pixels" in result.value


def test_conv_output_explorer_without_ipywidgets_shows_the_static_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` raise ImportError
    shown = widgets.conv_output_explorer()
    text = getattr(shown, "data", shown)  # IPython Markdown, or the bare string without IPython
    assert text == widgets.conv_output_table()


def test_conv_output_explorer_rejects_bad_start_values() -> None:
    with pytest.raises(ValueError, match=r"stride must be an integer in \[1, 8\], got stride=0"):
        widgets.conv_output_explorer(stride=0)
    with pytest.raises(ValueError, match="size must be an integer"):
        widgets.conv_output_explorer(size=1000)


def test_plot_images_draws_one_panel_per_image_and_checks_shapes() -> None:
    import torch
    from resnet_lib.figures.plots import plot_images

    images, labels = torch.rand(10, 1, 8, 8), torch.arange(10) % 3
    fig = plot_images(images, labels, ["a", "b", "c"], mean=[0.5], std=[0.2], ncols=4)
    assert sum(1 for ax in fig.axes if ax.images) == 10
    assert fig.axes[1].get_title() == "b"
    with pytest.raises(ValueError, match="labels must have one entry per image"):
        plot_images(images, labels[:3], ["a", "b", "c"])
    with pytest.raises(ValueError, match="images must be a non-empty batch"):
        plot_images(torch.rand(8, 8), labels, ["a"])


def test_plot_curves_draws_runs_and_reference_and_survives_zeros() -> None:
    from resnet_lib.figures.plots import plot_curves

    fig = plot_curves({"a": [1.0, 0.5, 0.0], "b": [2.0, 1.0, 0.5]}, log=True, reference=(3.0, "zero output"))
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    assert min(ax.lines[0].get_ydata()) == 0.05  # the zero sits a decade below the smallest value
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_curves({})


# --------------------------------------------------------------------------- residual-learning chapter


def test_plot_xy_one_panel_or_one_panel_per_curve() -> None:
    curves = {"ResNet": ([-1.0, 0.0, 1.0], [2.0, 0.5, 2.5]), "plain": (np.array([-1.0, 0.0, 1.0]), [9.0, 1.0, 30.0])}
    fig = plots.plot_xy(curves, xlabel="alpha", ylabel="loss", logy=True)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [-1, 0, 1])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [9, 1, 30])
    fig = plots.plot_xy(curves, separate=True, logx=False)
    assert [ax.get_title() for ax in fig.axes] == ["ResNet", "plain"]
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    assert fig.axes[1].get_ylim() == fig.axes[0].get_ylim()  # shared y: the panels compare
    with pytest.raises(ValueError, match=r"curves\['a'\] must be a pair"):
        plots.plot_xy({"a": [1.0, 2.0, 3.0]})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="same length"):
        plots.plot_xy({"a": ([1.0, 2.0], [1.0])})


def test_plot_bar_panels_keep_one_colour_per_bar_label() -> None:
    fig = plots.plot_bar_panels({"parameters (M)": {"VGG-19": 143.7, "ResNet-34": 21.8},
                                 "GFLOPs": {"VGG-19": 19.6, "plain-34": 3.6, "ResNet-34": 3.6}}, log=True)
    left, right = fig.axes
    assert [p.get_height() for p in left.patches] == [143.7, 21.8]
    assert [p.get_height() for p in right.patches] == [19.6, 3.6, 3.6]
    assert left.patches[1].get_facecolor() == right.patches[2].get_facecolor()  # ResNet-34 in both
    assert left.get_title() == "parameters (M)" and right.get_yscale() == "log"
    with pytest.raises(ValueError, match=r"panels\['a'\] must be a non-empty dict"):
        plots.plot_bar_panels({"a": {}})


def test_plot_path_lengths_draws_percent_bars_per_net() -> None:
    fig = plots.plot_path_lengths({"3 blocks": [0.125, 0.375, 0.375, 0.125], "1 block": [0.5, 0.5]})
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert [p.get_height() for p in ax.patches[:4]] == [12.5, 37.5, 37.5, 12.5]
    assert ax.get_ylabel() == "share of paths (%)"
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plots.plot_path_lengths({"none": []})


def test_plot_xy_markers_and_plain_ticks_on_a_log_axis() -> None:
    fig = plots.plot_xy({"residual": ([1, 2, 5, 10, 50], [0.99, 0.96, 0.94, 0.85, 0.61])}, logx=True,
                        markers=True, xticks=[1, 2, 5, 10, 50])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_lines()[0].get_marker() == "o"
    assert list(ax.get_xticks()) == [1, 2, 5, 10, 50]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "5", "10", "50"]


def test_plot_loss_surfaces_one_panel_per_net_on_shared_levels() -> None:
    xs = np.linspace(-1, 1, 5)
    bowl = 0.1 + np.add.outer(xs ** 2, xs ** 2)
    fig = plots.plot_loss_surfaces({"plain-56": (xs, xs, 3 * bowl), "ResNet-56": (xs, xs, bowl)})
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["plain-56", "ResNet-56"]
    with pytest.raises(ValueError, match=r"losses must have shape \(len\(betas\), len\(alphas\)\)"):
        plots.plot_loss_surfaces({"a": (xs, xs[:3], bowl)})
    with pytest.raises(ValueError, match="finite and positive"):
        plots.plot_loss_surfaces({"a": (xs, xs, bowl - 1)})


def test_bar_text_writes_numbers_as_a_person_does() -> None:
    assert [plots.bar_text(v).replace("\u00a0", " ") for v in (33, 33.5, 0.5, 150, 11689512, 0.00012, 0)] == [
        "33.0", "33.5", "0.500", "150", "11,689,512", "1.2 × 10⁻⁴", "0"]
    assert plots.bar_text(float("nan")) == "–"  # a diverged run: no number, no bar


def test_bar_panels_keep_labels_and_titles_apart() -> None:
    """Chapter 7's five units: slanted names must not run into each other, nor a panel title into the suptitle."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    names = ("(a) original", "(b) BN after add", "(c) ReLU before add", "(d) ReLU-only pre-act", "(e) full pre-act")
    fig = plots.plot_bar_panels({"as in Fig. 4": dict(zip(names, (36.6, 58.1, 38.7, 33.7, 40.5))),
                                 "+ BN before the pool": dict(zip(names, (32.1, 42.1, 33.5, 31.4, 33.0)))},
                                title="ResNet-20, held-out error (%), mean of 3 seeds", sharey=True)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    for ax in fig.axes:
        labels = ax.get_xticklabels()
        angle = np.radians(labels[0].get_rotation())
        # Slanted labels anchored at their tick are parallel strips, one text height thick, offset across their
        # direction by the tick spacing times sin(angle): they stay apart when that offset exceeds the height.
        assert angle > 0 and all(label.get_rotation_mode() == "anchor" for label in labels)
        ticks = ax.transData.transform([(x, 0) for x in ax.get_xticks()])[:, 0]
        height = labels[0].get_fontsize() * fig.dpi / 72
        assert np.diff(ticks).min() * np.sin(angle) > height
        assert not ax.title.get_window_extent(renderer).overlaps(fig._suptitle.get_window_extent(renderer))
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()
    assert fig.axes[0].get_ylim()[1] >= 1.15 * 58.1  # headroom: the tallest bar's label stays clear of the title


def test_plot_depth_series_a_dot_per_seed_and_a_line_through_each_familys_means() -> None:
    series = {"plain-20": {"train_err": [0.12, 0.13], "test_err": [0.12, 0.12]},
              "plain-56": {"train_err": [0.20, 0.22], "test_err": [0.21, 0.2]},
              "ResNet-20": {"train_err": [0.11, 0.12], "test_err": [0.115, 0.11]},
              "ResNet-110": {"train_err": [0.08, 0.09], "test_err": [0.1, 0.1]}}
    fig = plots.plot_depth_series(series)
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [line.get_label() for line in dots] == list(series)
    assert [list(line.get_ydata()) for line in dots][1] == pytest.approx([20, 22])  # every seed, in percent
    family_lines = [line for line in ax.lines if line.get_color() == "#444444"]
    assert {line.get_linestyle() for line in family_lines} == {"--", "-"}
    residual = next(line for line in family_lines if line.get_linestyle() == "-")
    assert list(residual.get_xdata()) == [0, 2] and list(residual.get_ydata()) == pytest.approx([11.5, 8.5])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["20", "56", "110"]
    assert dots[0].get_markerfacecolor() == "white" and dots[2].get_markerfacecolor() != "white"
    assert dots[0].get_color() == dots[2].get_color()  # plain-20 and ResNet-20 are twins: one colour
    with pytest.raises(ValueError, match="metrics must be among"):
        plots.plot_depth_series(series, metrics=("accuracy",))
    with pytest.raises(ValueError, match="must end in the depth.*'ResNet'"):
        plots.plot_depth_series({"ResNet": {"train_err": [0.1]}})
