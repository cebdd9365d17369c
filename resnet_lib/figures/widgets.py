"""Small interactive explorers, each with a static twin.

A built HTML page has no live kernel, so sliders alone would show nothing
useful there; every explorer therefore has a plain-text version (and falls
back to it when ipywidgets is missing). Works with ipywidgets 7.7 (Colab)
and 8: only ``IntSlider``, ``HTML``, ``VBox`` and ``observe`` are used.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..probes.geometry import output_size

# (what it is, input size, kernel, stride, padding, dilation)
EXAMPLES: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("ResNet stem: 7x7 conv, stride 2", 224, 7, 2, 3, 1),
    ("ResNet stem: 3x3 max pool, stride 2", 112, 3, 2, 1, 1),
    ("ResNet block: 3x3 conv", 56, 3, 1, 1, 1),
    ("first block of a stage: 3x3 conv, stride 2", 56, 3, 2, 1, 1),
    ("projection shortcut: 1x1 conv, stride 2", 56, 1, 2, 0, 1),
    ("CIFAR ResNet: 3x3 conv", 32, 3, 1, 1, 1),
    ("AlexNet conv1: 11x11, stride 4", 224, 11, 4, 2, 1),
    ("3x3 conv without padding", 32, 3, 1, 0, 1),
    ("dilated 3x3 conv, dilation 2", 56, 3, 1, 2, 2),
)

# Slider ranges: wide enough for every layer in the book, narrow enough to drag.
_RANGES = {"size": (1, 512), "kernel": (1, 15), "stride": (1, 8), "padding": (0, 10), "dilation": (1, 6)}


def conv_output_formula(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> str:
    """The output-size formula with the numbers filled in, so a reader can check each step."""
    output = output_size(size, kernel, stride, padding, dilation)
    numerator = size + 2 * padding - dilation * (kernel - 1) - 1
    return (
        f"⌊({size} + 2·{padding} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1"
        f" = ⌊{numerator} / {stride}⌋ + 1 = {output}"
    )


def conv_output_table(examples: Sequence[Sequence[Any]] = EXAMPLES) -> str:
    """A Markdown table of worked examples; readable as plain text too.

    Each example is ``(label, size, kernel, stride, padding[, dilation])``.
    Display it with ``IPython.display.Markdown`` or ``print``.
    """
    if isinstance(examples, (str, bytes)) or not isinstance(examples, Sequence) or not examples:
        raise ValueError(
            "examples must be a non-empty list of (label, size, kernel, stride, padding[, dilation]), "
            f"got examples={examples!r}"
        )
    rows = [
        "| layer | input | kernel | stride | padding | dilation | output |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for index, example in enumerate(examples):
        if not isinstance(example, Sequence) or len(example) not in (5, 6):
            raise ValueError(
                "each example must be (label, size, kernel, stride, padding[, dilation]), "
                f"got examples[{index}]={example!r}"
            )
        label, size, kernel, stride, padding, *rest = example
        dilation = rest[0] if rest else 1
        output = output_size(size, kernel, stride, padding, dilation)
        rows.append(
            f"| {label} | {size} | {kernel} | {stride} | {padding} | {dilation} | **{output}** |"
        )
    return "\n".join(rows)


def _static(text: str) -> Any:
    """Markdown in a notebook, the bare string anywhere else."""
    try:
        from IPython.display import Markdown
    except ImportError:
        return text
    return Markdown(text)


def _result_html(size: int, kernel: int, stride: int, padding: int, dilation: int) -> str:
    try:
        formula = conv_output_formula(size, kernel, stride, padding, dilation)
    except ValueError as error:
        return f"<p style='color:#b00'>No output: {error}</p>"
    output = output_size(size, kernel, stride, padding, dilation)
    return (
        "<p><code>out = ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1</code></p>"
        f"<p><code>{formula}</code></p>"
        f"<p><b>{size}×{size} input → {output}×{output} output</b></p>"
    )


def conv_output_explorer(
    size: int = 224, kernel: int = 7, stride: int = 2, padding: int = 3, dilation: int = 1
) -> Any:
    """Sliders for the conv output-size formula; starts at ResNet's 7x7/2 stem conv.

    Returns an ipywidgets ``VBox``; without ipywidgets, the static example
    table instead, so the chapter still runs and still teaches.
    """
    start = {"size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    for name, value in start.items():
        low, high = _RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer in [{low}, {high}], got {name}={value!r}")
    try:
        import ipywidgets as widgets
    except ImportError:
        return _static(conv_output_table())
    sliders = {
        name: widgets.IntSlider(value=value, min=_RANGES[name][0], max=_RANGES[name][1], description=name)
        for name, value in start.items()
    }
    result = widgets.HTML(value=_result_html(**start))

    def update(change: Any = None) -> None:
        result.value = _result_html(**{name: slider.value for name, slider in sliders.items()})

    for slider in sliders.values():
        slider.observe(update, names="value")
    return widgets.VBox([*sliders.values(), result])
