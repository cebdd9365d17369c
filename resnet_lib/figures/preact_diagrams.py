"""Diagrams of the five residual units of "Identity Mappings" (He et al., 2016b, Fig. 4), drawn like the blocks of
``resnet_lib.figures.diagrams``: convolutions in blue, BN and ReLU in orange, the identity shortcut on the right.

``unit_diagrams()`` returns one ``Figure`` with a panel per unit, in the paper's order (a) to (e). The names are
those of ``preact_resnet(unit=...)``.
"""
from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from . import diagrams
from .diagrams import CONV, NORM, _Block

UNIT_BLOCKS: dict[str, _Block] = {
    "original": _Block(
        title="(a) original", input_label="$x_l$", output_label="ReLU($x_l$ + F)",
        main=(("weight", CONV), ("BN", NORM), ("ReLU", NORM), ("weight", CONV), ("BN", NORM), ("+", ""),
              ("ReLU", NORM)),
        shortcut="", shortcut_label="identity"),
    "bn_after_add": _Block(
        title="(b) BN after addition", input_label="$x_l$", output_label="ReLU(BN($x_l$ + F))",
        main=(("weight", CONV), ("BN", NORM), ("ReLU", NORM), ("weight", CONV), ("+", ""), ("BN", NORM),
              ("ReLU", NORM)),
        shortcut="", shortcut_label="identity"),
    "relu_before_add": _Block(
        title="(c) ReLU before addition", input_label="$x_l$", output_label="$x_l$ + F",
        main=(("weight", CONV), ("BN", NORM), ("ReLU", NORM), ("weight", CONV), ("BN", NORM), ("ReLU", NORM),
              ("+", "")),
        shortcut="", shortcut_label="identity"),
    "relu_only_preact": _Block(
        title="(d) ReLU-only pre-act.", input_label="$x_l$", output_label="$x_l$ + F",
        main=(("ReLU", NORM), ("weight", CONV), ("BN", NORM), ("ReLU", NORM), ("weight", CONV), ("BN", NORM),
              ("+", "")),
        shortcut="", shortcut_label="identity"),
    "full": _Block(
        title="(e) full pre-activation", input_label="$x_l$", output_label="$x_l$ + F",
        main=(("BN", NORM), ("ReLU", NORM), ("weight", CONV), ("BN", NORM), ("ReLU", NORM), ("weight", CONV),
              ("+", "")),
        shortcut="", shortcut_label="identity"),
}
UNIT_KINDS = tuple(UNIT_BLOCKS)


def unit_diagrams(kinds: Sequence[str] = UNIT_KINDS, figsize: tuple[float, float] | None = None) -> Figure:
    """One panel per unit of ``UNIT_KINDS`` (default: all five, as the paper's Fig. 4)."""
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise ValueError(f"kinds must be a non-empty list of {', '.join(UNIT_KINDS)}, got kinds={kinds!r}")
    for kind in kinds:
        if kind not in UNIT_BLOCKS:
            raise ValueError(f"kind must be one of {', '.join(UNIT_KINDS)}, got kind={kind!r}")
    for kind in kinds:  # draw_block finds blocks by name in diagrams.BLOCKS
        diagrams.BLOCKS.setdefault(f"unit_{kind}", UNIT_BLOCKS[kind])
    return diagrams.block_diagrams([f"unit_{kind}" for kind in kinds],
                                   figsize=figsize or (2.25 * len(kinds), 4.2))
