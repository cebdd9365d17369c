"""Block diagrams: one panel per block, the right boxes, a shortcut only where the block has one."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from resnet_lib.figures import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax: matplotlib.axes.Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_default_diagrams_are_plain_basic_and_projection() -> None:
    fig = diagrams.block_diagrams()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["plain block", "basic residual block",
                                                   "projection shortcut (B, C)"]
    assert not plt.get_fignums()  # closed in pyplot: a notebook shows it once, as the cell's value


def test_plain_block_has_no_addition_and_residual_blocks_have_one() -> None:
    fig = diagrams.block_diagrams(diagrams.KINDS)
    additions = [sum(isinstance(p, Circle) for p in ax.patches) for ax in fig.axes]
    assert dict(zip(diagrams.KINDS, additions)) == {"plain": 0, "basic": 1, "projection": 1, "zero_pad": 1,
                                                   "single": 1}


def test_the_boxes_name_the_layers() -> None:
    plain, basic, projection, zero_pad, single = diagrams.block_diagrams(diagrams.KINDS).axes
    assert _texts(plain).count("3x3 conv, C") == 2
    assert _texts(basic).count("3x3 conv, C") == 2 and "identity: x" in _texts(basic)
    assert "3x3 conv, 2C, /2" in _texts(projection) and "1x1 conv\n2C, /2, BN" in _texts(projection)
    assert "no weights" in _texts(zero_pad)
    assert _texts(single).count("3x3 conv, C") == 1  # the shortcut spans a single weight layer


def test_changing_shortcuts_are_dashed_and_the_identity_is_solid() -> None:
    fig = diagrams.block_diagrams(("basic", "projection"))
    styles = [{p.get_linestyle() for p in ax.patches if type(p).__name__ == "FancyArrowPatch"}
              for ax in fig.axes]
    assert styles == [{"-"}, {"-", "--"}]  # the main path stays solid


def test_bad_kinds_are_rejected() -> None:
    with pytest.raises(ValueError, match="kind must be one of plain, basic"):
        diagrams.block_diagrams(("basic", "bottleneck"))
    with pytest.raises(ValueError, match="kinds must be a non-empty list"):
        diagrams.block_diagrams("basic")
    with pytest.raises(ValueError, match="kinds must be a non-empty list"):
        diagrams.block_diagrams(())


def test_function_classes_nested_on_the_right_only() -> None:
    """Right panel: every class contains the one before it; left: at least one does not (the point of the picture)."""
    from matplotlib.patches import Ellipse

    from resnet_lib.figures.diagrams import function_classes

    fig = function_classes()
    left, right = fig.axes

    def ellipses(ax) -> list:
        shapes = sorted((p for p in ax.patches if isinstance(p, Ellipse)), key=lambda e: e.width)
        return [(e.center, e.width / 2, e.height / 2) for e in shapes]

    def contains(outer, inner) -> bool:
        import numpy as np
        (cx, cy), a, b = outer
        (ix, iy), ia, ib = inner
        t = np.linspace(0, 2 * np.pi, 200)
        xs, ys = ix + ia * np.cos(t), iy + ib * np.sin(t)
        return bool((((xs - cx) / a) ** 2 + ((ys - cy) / b) ** 2 <= 1.0001).all())

    for ax, nested in ((left, False), (right, True)):
        shapes = ellipses(ax)
        assert len(shapes) == 4
        assert all(contains(shapes[i + 1], shapes[i]) for i in range(3)) is nested
    assert [ax.get_title() for ax in fig.axes] == ["non-nested function classes", "nested function classes"]


def _drawn_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in [ax.title, *ax.texts] if t.get_text()]


def test_the_chinese_edition_draws_chinese_words_and_keeps_the_notation(monkeypatch: pytest.MonkeyPatch) -> None:
    """With RESNET_BOOK_LANG=zh_CN every word of every diagram is Chinese (no English word of three letters or more
    but the notation: ReLU, ResNet, torchvision, conv2_x); with it unset the diagrams are as before."""
    import re

    from resnet_lib.figures.diagrams import ALL_KINDS, function_classes
    from resnet_lib.figures.preact_diagrams import unit_diagrams

    def figures():
        return [diagrams.block_diagrams(ALL_KINDS), unit_diagrams(), function_classes()]

    english = [text for fig in figures() for text in _drawn_texts(fig)]
    monkeypatch.setenv("RESNET_BOOK_LANG", "zh_CN")
    chinese = [text for fig in figures() for text in _drawn_texts(fig)]
    assert len(chinese) == len(english)
    notation = {"ReLU", "ResNet", "torchvision", "conv2_x", "conv3_1", "mathcal"}
    words = {word for text in chinese for word in re.findall(r"[A-Za-z_0-9]*[A-Za-z]{3,}[A-Za-z_0-9]*", text)}
    assert words <= notation, words - notation
    assert "基本残差块" in chinese and "3x3 卷积, C" in chinese and "非嵌套的函数类" in chinese
    assert "basic residual block" in english and "3x3 conv, C" in english
    fig = diagrams.block_diagrams(("basic",))
    assert "WenQuanYi Zen Hei" in fig.axes[0].title.get_fontfamily()


def test_a_language_the_book_has_no_words_for_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from resnet_lib.figures import language

    monkeypatch.setenv("RESNET_BOOK_LANG", "fr")
    with pytest.raises(ValueError, match="RESNET_BOOK_LANG must be one of en, zh_CN, got 'fr'"):
        language.label("plain block")
