"""Bottleneck diagrams: three convolutions with the paper's channel counts, drawn on the basic block's scale."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from resnet_lib.figures import diagrams  # noqa: E402

DEEP = diagrams.DEEP_KINDS


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax: matplotlib.axes.Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _arrow_styles(ax: matplotlib.axes.Axes) -> set[str]:
    return {p.get_linestyle() for p in ax.patches if type(p).__name__ == "FancyArrowPatch"}


def test_bottleneck_has_three_convolutions_with_channel_counts() -> None:
    basic, bottleneck = diagrams.block_diagrams(("basic_64", "bottleneck_256")).axes
    assert [t for t in _texts(basic) if "conv" in t] == ["3x3 conv, 64", "3x3 conv, 64"]
    assert [t for t in _texts(bottleneck) if "conv" in t] == ["1x1 conv, 64", "3x3 conv, 64", "1x1 conv, 256"]
    assert "x: 256 × 56 × 56" in _texts(bottleneck) and "256 × 56 × 56" in _texts(bottleneck)
    assert _arrow_styles(bottleneck) == {"-"}  # an identity shortcut: solid


def test_projections_are_dashed_and_say_what_they_change() -> None:
    conv2_1, v1, v1_5 = diagrams.block_diagrams(("bottleneck_conv2_1", "bottleneck_v1", "bottleneck_v1_5")).axes
    assert "1x1 conv\n256, BN" in _texts(conv2_1) and "channels only" in _texts(conv2_1)
    assert "1x1 conv, 128, /2" in _texts(v1) and "3x3 conv, 128" in _texts(v1)
    assert "1x1 conv, 128" in _texts(v1_5) and "3x3 conv, 128, /2" in _texts(v1_5)
    for ax in (conv2_1, v1, v1_5):
        assert _arrow_styles(ax) == {"-", "--"}


def test_every_panel_shares_one_scale_and_nothing_is_cut_off() -> None:
    fig = diagrams.block_diagrams(("basic", *DEEP))
    bottoms = {ax.get_ylim()[0] for ax in fig.axes}
    assert len(bottoms) == 1
    (bottom,) = bottoms
    for ax in fig.axes:
        assert sum(isinstance(p, Circle) for p in ax.patches) == 1
        assert min(t.get_position()[1] for t in ax.texts) > bottom + 0.3  # the output label is inside
    assert fig.get_figheight() > diagrams.block_diagrams(("basic",)).get_figheight()


def test_two_layer_blocks_keep_their_old_scale() -> None:
    (ax,) = diagrams.block_diagrams(("basic",)).axes
    assert tuple(ax.get_ylim()) == pytest.approx((3.3, 14.0))
    assert diagrams.block_diagrams(("basic",)).get_figheight() == pytest.approx(3.9)
