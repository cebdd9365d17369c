"""Block diagrams drawn with matplotlib: the plain block, the residual blocks and their shortcuts.

Each diagram reads from the input at the top to the output at the bottom, like Fig. 2 of He et al. (2016):
convolutions in blue, normalisation and activation in orange, the shortcut's own layers in green, a dashed
shortcut where it changes the shape (the paper's "dotted" shortcuts). ``block_diagrams`` returns one
``Figure`` with a panel per block, so a notebook cell shows it as its value.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

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

_X_MAIN, _X_SHORTCUT = 3.0, 8.0
_BOX_W, _BOX_H, _STEP = 5.2, 0.9, 1.45
_TOP = 12.6


def _box(ax: Axes, x: float, y: float, text: str, colour: str, width: float = _BOX_W,
         height: float = _BOX_H, fontsize: float = 8.5) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.18", facecolor=colour,
                                edgecolor=EDGE, linewidth=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], dashed: bool = False,
           head: bool = True) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>" if head else "-", mutation_scale=9,
                                 color=EDGE, linewidth=1.1, linestyle="--" if dashed else "-",
                                 shrinkA=0, shrinkB=0))


def draw_block(ax: Axes, kind: str) -> None:
    """Draw one block of ``KINDS`` into ``ax`` (its limits are set to 0..10 by 3.3..14, axes hidden)."""
    if kind not in BLOCKS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got kind={kind!r}")
    block = BLOCKS[kind]
    ax.set_xlim(0, 10)
    ax.set_ylim(3.3, 14)
    ax.axis("off")
    ax.set_title(block.title, fontsize=10)
    ax.text(_X_MAIN, _TOP + 0.9, block.input_label, ha="center", va="center", fontsize=8.5)
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
    ax.text(_X_MAIN, bottom - 0.35, block.output_label, ha="center", va="center", fontsize=8.5)
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
    ax.text(_X_SHORTCUT + 0.25 if not block.shortcut else _X_SHORTCUT, label_y, block.shortcut_label,
            ha="left" if not block.shortcut else "center", va="center", fontsize=8, style="italic",
            rotation=90 if not block.shortcut else 0)


def block_diagrams(kinds: Sequence[str] = ("plain", "basic", "projection"),
                   figsize: tuple[float, float] | None = None) -> Figure:
    """One panel per block kind, side by side: ``plain``, ``basic``, ``projection``, ``zero_pad``,
    ``single`` (a shortcut across one layer)."""
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise ValueError(f"kinds must be a non-empty list of {', '.join(KINDS)}, got kinds={kinds!r}")
    for kind in kinds:
        if kind not in BLOCKS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got kind={kind!r}")
    fig, axes = plt.subplots(1, len(kinds), figsize=figsize or (2.6 * len(kinds), 3.9), squeeze=False)
    plt.close(fig)  # returned, not left open: a notebook shows it once, as the cell's value
    for ax, kind in zip(axes[0], kinds):
        draw_block(ax, kind)
    fig.tight_layout()
    return fig
