"""Block diagrams drawn with matplotlib: the plain block, the residual blocks and their shortcuts.

Each diagram reads from the input at the top to the output at the bottom, like Fig. 2 of He et al. (2016):
convolutions in blue, normalisation and activation in orange, the shortcut's own layers in green, a dashed
shortcut where it changes the shape (the paper's "dotted" shortcuts). ``block_diagrams`` returns one
``Figure`` with a panel per block, so a notebook cell shows it as its value. Words are drawn in the language of
``RESNET_BOOK_LANG`` (``figures.language``: the Chinese edition redraws these figures in Chinese).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .language import font, label

CONV = "#cfe2f3"
NORM = "#fde9c9"
SHORTCUT = "#d9ead3"
EDGE = "0.25"


@dataclass(frozen=True)
class _Block:
    title: str
    input_label: str
    output_label: str
    main: tuple[tuple[str, str], ...]  # (text, colour) from top to bottom; "+" marks the addition
    shortcut: str | None = None  # None: no shortcut; "": identity; text: the shortcut's layer
    dashed: bool = False
    shortcut_label: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


BLOCKS: dict[str, _Block] = {
    "plain": _Block(
        title="plain block",
        input_label="x: C × H × W",
        output_label="H(x): C × H × W",
        main=(("3x3 conv, C", CONV), ("BN, ReLU", NORM), ("3x3 conv, C", CONV), ("BN", NORM),
              ("ReLU", NORM)),
    ),
    "basic": _Block(
        title="basic residual block",
        input_label="x: C × H × W",
        output_label="ReLU(F(x) + x)",
        main=(("3x3 conv, C", CONV), ("BN, ReLU", NORM), ("3x3 conv, C", CONV), ("BN", NORM), ("+", ""),
              ("ReLU", NORM)),
        shortcut="",
        shortcut_label="identity: x",
    ),
    "projection": _Block(
        title="projection shortcut (B, C)",
        input_label="x: C × H × W",
        output_label="2C × H/2 × W/2",
        main=(("3x3 conv, 2C, /2", CONV), ("BN, ReLU", NORM), ("3x3 conv, 2C", CONV), ("BN", NORM),
              ("+", ""), ("ReLU", NORM)),
        shortcut="1x1 conv\n2C, /2, BN",
        dashed=True,
        shortcut_label="$W_s x$",
    ),
    "zero_pad": _Block(
        title="zero-padding shortcut (A)",
        input_label="x: C × H × W",
        output_label="2C × H/2 × W/2",
        main=(("3x3 conv, 2C, /2", CONV), ("BN, ReLU", NORM), ("3x3 conv, 2C", CONV), ("BN", NORM),
              ("+", ""), ("ReLU", NORM)),
        shortcut="subsample /2\n+ C zeros",
        dashed=True,
        shortcut_label="no weights",
    ),
    "single": _Block(
        title="one-layer shortcut",
        input_label="x: C × H × W",
        output_label="ReLU(Wx + x)",
        main=(("3x3 conv, C", CONV), ("BN", NORM), ("+", ""), ("ReLU", NORM)),
        shortcut="",
        shortcut_label="identity: x",
    ),
}
KINDS = tuple(BLOCKS)
"""The two-layer blocks of chapter 3, drawn with symbolic channel counts (C, 2C)."""


def _bottleneck(title: str, input_label: str, output_label: str, convs: tuple[str, str, str],
                shortcut: str = "", shortcut_label: str = "identity: x") -> _Block:
    """Fig. 5 (right) of the paper: 1x1 reduce, 3x3, 1x1 expand, each followed by BN (and ReLU but the last)."""
    return _Block(title=title, input_label=input_label, output_label=output_label,
                  main=((convs[0], CONV), ("BN, ReLU", NORM), (convs[1], CONV), ("BN, ReLU", NORM), (convs[2], CONV),
                        ("BN", NORM), ("+", ""), ("ReLU", NORM)),
                  shortcut=shortcut, dashed=bool(shortcut), shortcut_label=shortcut_label)


# The deep nets' blocks with the paper's channel counts (Fig. 5 and Table 1 of He et al. 2016).
BLOCKS.update({
    "basic_64": _Block(
        title="basic block, conv2_x of ResNet-34",
        input_label="x: 64 × 56 × 56",
        output_label="64 × 56 × 56",
        main=(("3x3 conv, 64", CONV), ("BN, ReLU", NORM), ("3x3 conv, 64", CONV), ("BN", NORM), ("+", ""),
              ("ReLU", NORM)),
        shortcut="",
        shortcut_label="identity: x",
    ),
    "bottleneck_256": _bottleneck("bottleneck, conv2_x of ResNet-50", "x: 256 × 56 × 56", "256 × 56 × 56",
                                  ("1x1 conv, 64", "3x3 conv, 64", "1x1 conv, 256")),
    "bottleneck_conv2_1": _bottleneck("first block of conv2_x, ResNet-50", "x: 64 × 56 × 56", "256 × 56 × 56",
                                      ("1x1 conv, 64", "3x3 conv, 64", "1x1 conv, 256"),
                                      shortcut="1x1 conv\n256, BN", shortcut_label="channels only"),
    "bottleneck_v1": _bottleneck("conv3_1, paper (v1)", "x: 256 × 56 × 56", "512 × 28 × 28",
                                 ("1x1 conv, 128, /2", "3x3 conv, 128", "1x1 conv, 512"),
                                 shortcut="1x1 conv\n512, /2, BN", shortcut_label="$W_s x$"),
    "bottleneck_v1_5": _bottleneck("conv3_1, torchvision (v1.5)", "x: 256 × 56 × 56", "512 × 28 × 28",
                                   ("1x1 conv, 128", "3x3 conv, 128, /2", "1x1 conv, 512"),
                                   shortcut="1x1 conv\n512, /2, BN", shortcut_label="$W_s x$"),
})
DEEP_KINDS = tuple(kind for kind in BLOCKS if kind not in KINDS)
"""The deep nets' blocks, drawn with the paper's channel counts."""
ALL_KINDS = KINDS + DEEP_KINDS

_X_MAIN, _X_SHORTCUT = 3.0, 8.0
_BOX_W, _BOX_H, _STEP = 5.2, 0.9, 1.45
_TOP = 12.6


def _box(ax: Axes, x: float, y: float, text: str, colour: str, width: float = _BOX_W,
         height: float = _BOX_H, fontsize: float = 8.5) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.18", facecolor=colour,
                                edgecolor=EDGE, linewidth=1.0))
    ax.text(x, y, label(text), ha="center", va="center", fontsize=fontsize, **font())


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], dashed: bool = False,
           head: bool = True) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>" if head else "-", mutation_scale=9,
                                 color=EDGE, linewidth=1.1, linestyle="--" if dashed else "-",
                                 shrinkA=0, shrinkB=0))


def _bottom(kind: str) -> float:
    """Lowest y a block's drawing needs: 3.3 for the two-layer blocks, lower for the three-layer bottleneck."""
    rows = BLOCKS[kind].main
    additions = sum(text == "+" for text, _ in rows)
    lowest_box = _TOP - 0.3 - _STEP * (len(rows) - 1 - additions) - _STEP * 0.85 * additions
    return min(3.3, lowest_box - 1.95)  # room for the output label below the last box


def draw_block(ax: Axes, kind: str, bottom: float | None = None) -> None:
    """Draw one block of ``ALL_KINDS`` into ``ax`` (its limits are set to 0..10 by ``bottom``..14, axes hidden;
    ``bottom`` defaults to 3.3, or lower where the block needs more room)."""
    if kind not in BLOCKS:
        raise ValueError(f"kind must be one of {', '.join(ALL_KINDS)}, got kind={kind!r}")
    block = BLOCKS[kind]
    ax.set_xlim(0, 10)
    ax.set_ylim(_bottom(kind) if bottom is None else bottom, 14)
    ax.axis("off")
    ax.set_title(label(block.title), fontsize=10, **font())
    ax.text(_X_MAIN, _TOP + 0.9, label(block.input_label), ha="center", va="center", fontsize=8.5, **font())
    split = _TOP + 0.45
    y = _TOP - 0.3
    previous_bottom = split
    add_y = None
    for text, colour in block.main:
        if text == "+":
            _arrow(ax, (_X_MAIN, previous_bottom), (_X_MAIN, y + 0.32))
            ax.add_patch(Circle((_X_MAIN, y), 0.32, facecolor="white", edgecolor=EDGE, linewidth=1.1))
            ax.text(_X_MAIN, y - 0.02, "+", ha="center", va="center", fontsize=11)
            add_y = y
            previous_bottom = y - 0.32
            y -= _STEP * 0.85
            continue
        _arrow(ax, (_X_MAIN, previous_bottom), (_X_MAIN, y + _BOX_H / 2))
        _box(ax, _X_MAIN, y, text, colour)
        previous_bottom = y - _BOX_H / 2
        y -= _STEP
    bottom = y + _STEP - _BOX_H / 2 - 0.55
    _arrow(ax, (_X_MAIN, previous_bottom), (_X_MAIN, bottom))
    ax.text(_X_MAIN, bottom - 0.35, label(block.output_label), ha="center", va="center", fontsize=8.5, **font())
    if block.shortcut is None or add_y is None:
        return
    # The shortcut leaves the input, runs down the right-hand side and joins at the addition.
    _arrow(ax, (_X_MAIN, split), (_X_SHORTCUT, split), block.dashed, head=False)
    if block.shortcut:
        middle = (split + add_y) / 2
        _arrow(ax, (_X_SHORTCUT, split), (_X_SHORTCUT, middle + 0.6), block.dashed)
        _box(ax, _X_SHORTCUT, middle, block.shortcut, SHORTCUT, width=3.7, height=1.25, fontsize=7.5)
        _arrow(ax, (_X_SHORTCUT, middle - 0.6), (_X_SHORTCUT, add_y), block.dashed, head=False)
        label_y = middle - 1.2
    else:
        _arrow(ax, (_X_SHORTCUT, split), (_X_SHORTCUT, add_y), block.dashed, head=False)
        label_y = (split + add_y) / 2
    _arrow(ax, (_X_SHORTCUT, add_y), (_X_MAIN + 0.32, add_y), block.dashed)
    ax.text(_X_SHORTCUT + 0.25 if not block.shortcut else _X_SHORTCUT, label_y, label(block.shortcut_label),
            ha="left" if not block.shortcut else "center", va="center", fontsize=8, style="italic",
            rotation=90 if not block.shortcut else 0, **font())


def block_diagrams(kinds: Sequence[str] = ("plain", "basic", "projection"),
                   figsize: tuple[float, float] | None = None) -> Figure:
    """One panel per block kind, side by side: ``plain``, ``basic``, ``projection``, ``zero_pad``,
    ``single`` (a shortcut across one layer), and the deep nets' blocks with channel counts: ``basic_64``,
    ``bottleneck_256``, ``bottleneck_conv2_1`` (a projection for the channels only), ``bottleneck_v1`` and
    ``bottleneck_v1_5`` (where conv3_1 strides). All panels share one vertical scale."""
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise ValueError(f"kinds must be a non-empty list of {', '.join(ALL_KINDS)}, got kinds={kinds!r}")
    for kind in kinds:
        if kind not in BLOCKS:
            raise ValueError(f"kind must be one of {', '.join(ALL_KINDS)}, got kind={kind!r}")
    bottom = min(_bottom(kind) for kind in kinds)
    height = 3.9 * (14 - bottom) / (14 - 3.3)
    fig, axes = plt.subplots(1, len(kinds), figsize=figsize or (2.6 * len(kinds), height), squeeze=False)
    plt.close(fig)  # returned, not left open: a notebook shows it once, as the cell's value
    for ax, kind in zip(axes[0], kinds):
        draw_block(ax, kind, bottom)
    fig.tight_layout()
    return fig


def function_classes(figsize: tuple[float, float] | None = None) -> Figure:
    """Why a deeper net can be worse, and why a residual one need not be (the picture of d2l.ai, 8.6.1).

    Each ellipse is the set of functions a network of some size can represent; the star is the function we want.
    Left, *non-nested* classes: a bigger class (a deeper plain net, as SGD finds it) need not contain the smaller
    one, so it can sit further from the star. Right, *nested* classes: each bigger class contains the smaller one
    (a residual net can switch its new blocks off, F = 0), so growing never moves it further away.
    """
    from matplotlib.patches import Ellipse

    fig, axes = plt.subplots(1, 2, figsize=figsize or (8.4, 3.6))
    plt.close(fig)  # returned, not left open: a notebook shows it once, as the cell's value
    target = (8.4, 5.6)
    # (centre x, centre y, width, height): non-nested classes wander; nested ones grow around the first.
    wandering = [(3.0, 2.6, 3.2, 2.2), (4.6, 2.0, 4.4, 2.6), (3.6, 4.6, 5.2, 3.2), (5.6, 2.6, 5.6, 3.6)]
    nested = [(3.0 + 0.8 * k, 2.6 + 0.5 * k, 3.2 + 2.4 * k, 2.2 + 1.6 * k) for k in range(4)]
    blues = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd")
    for ax, shapes, title in ((axes[0], wandering, "non-nested function classes"),
                              (axes[1], nested, "nested function classes")):
        for index, ((x, y, w, h), colour) in reversed(list(enumerate(zip(shapes, blues)))):
            ax.add_patch(Ellipse((x, y), w, h, facecolor=colour, edgecolor=EDGE, alpha=0.55, linewidth=1.2))
            ax.text(x, y + h / 2 - 0.12, f"$\\mathcal{{F}}_{index + 1}$", fontsize=12, ha="center", va="top")
        ax.plot(*target, marker="*", markersize=16, color="#d62728", linestyle="none")
        ax.annotate("$f^*$", target, xytext=(6, 6), textcoords="offset points", fontsize=13)
        ax.set(xlim=(0.1, 10.7), ylim=(0.5, 7.7), aspect="equal")
        ax.set_title(label(title), **font())
        ax.axis("off")
    fig.tight_layout()
    return fig
