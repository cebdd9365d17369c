"""Tables a chapter prints, built here so the page shows the result and not the string formatting.

``resnet_stage_table`` is the book's version of Table 1 of He et al. (2016): per stage of an ImageNet ResNet, the
output size, the layers, and each net's blocks, parameters and multiply-adds. ``markdown_table`` and
``mean_and_seeds`` lay out a chapter's own measurements, e.g. runs repeated over seeds.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .. import probes
from ..validation import check_module, check_number

# torchvision's module names and the stage names of the paper's Table 1.
PAPER_STAGES = {"stem": "conv1", "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x",
                "layer4": "conv5_x", "head": "pool, fc"}


def _size(shape: Sequence[int]) -> str:
    return " × ".join(str(s) for s in shape)


def stage_shapes(net: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> dict[str, tuple[int, ...]]:
    """Output shape (C, H, W) of each top-level module of ``net``, by one forward pass of zeros in eval mode."""
    check_module("net", net)
    if not isinstance(input_size, (tuple, list)) or len(input_size) != 4 or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in input_size):
        raise ValueError(f"input_size must be four positive ints (N, C, H, W), got input_size={input_size!r}")
    shapes: dict[str, tuple[int, ...]] = {}

    def make_hook(name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            shapes.setdefault(name, tuple(output.shape[1:]))

        return hook

    was_training = net.training
    with probes.forward_hooks(net.named_children(), make_hook), torch.no_grad():
        net.eval()(torch.zeros(*input_size))
    net.train(was_training)
    return shapes


def _stage_cells(net: nn.Module, input_size: Sequence[int]) -> dict[str, str]:
    """'blocks · parameters · multiply-adds' of each stage."""
    cells = {}
    for row in probes.layer_table(net, tuple(input_size)):
        layer = getattr(net, row["name"], None)
        blocks = f"{len(layer)} blocks · " if isinstance(layer, nn.Sequential) else ""
        cells[row["name"]] = f"{blocks}{row['params'] / 1e6:.2f}M · {row['macs'] / 1e9:.2f}G"
    return cells


def resnet_stage_table(nets: Mapping[str, nn.Module], input_size: Sequence[int] = (1, 3, 224, 224)) -> str:
    """Table 1 of the ResNet paper as a Markdown table, for torchvision-style ImageNet ResNets (``resnet18`` ...).

    Output sizes and the layer column come from the last net; each net gets a column of
    'blocks · parameters · multiply-adds' per stage and a total row. Show it with ``IPython.display.Markdown``.
    """
    if not isinstance(nets, Mapping) or not nets:
        raise ValueError(f"nets must be a non-empty dict {{name: network}}, got nets={nets!r}")
    for name, net in nets.items():
        check_module(f"nets[{name!r}]", net)
        missing = [m for m in ("conv1", "maxpool", "layer1", "layer4", "fc") if not hasattr(net, m)]
        if missing:
            raise ValueError(f"nets[{name!r}] must be an ImageNet ResNet with torchvision's module names, "
                             f"missing {missing}")
    reference = list(nets.values())[-1]
    shapes = stage_shapes(reference, input_size)
    layout = {"stem": "7x7 conv, 64, stride 2; 3x3 max pool, stride 2", "head": "global average pool, 1000-d fc"}
    output = {"stem": f"{_size(shapes['conv1'])} → {_size(shapes['maxpool'])}", "head": _size(shapes["fc"])}
    for i in range(1, 5):
        first = getattr(reference, f"layer{i}")[0]
        convs = [m for m in first.modules() if isinstance(m, nn.Conv2d)]
        kinds = "two 3x3 convs" if len(convs) in (2, 3) and convs[0].kernel_size == (3, 3) else "1x1, 3x3, 1x1 convs"
        layout[f"layer{i}"] = f"{kinds}, {convs[0].out_channels} filters"
        output[f"layer{i}"] = _size(shapes[f"layer{i}"])
    cells = {name: _stage_cells(net, input_size) for name, net in nets.items()}
    rows = ["| stage | output (C × H × W) | layers | " + " | ".join(nets) + " |",
            "|---|---|---|" + "---|" * len(nets)]
    for stage, paper in PAPER_STAGES.items():
        rows.append(f"| {paper} | {output[stage]} | {layout[stage]} | "
                    + " | ".join(cells[name][stage] for name in nets) + " |")
    totals = [f"{probes.count_parameters(net) / 1e6:.1f}M · {probes.macs(net, tuple(input_size)) / 1e9:.2f}G"
              for net in nets.values()]
    rows.append("| total | | | " + " | ".join(totals) + " |")
    return "\n".join(rows)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table for `IPython.display.Markdown`: one row per sequence, every cell written with `str`."""
    if not header:
        raise ValueError(f"header must name at least one column, got {header!r}")
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] must have {len(header)} cells, one per column of header, got {len(row)}")
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def mean_and_seeds(fractions: Sequence[float]) -> str:
    """A table cell for a result repeated over seeds: the mean, then every seed's value, in percent.

    "14.9%<br>(13.4, 15.1, 16.1)": with few training steps the seeds differ by a point or two, so the reader sees
    the spread next to the mean rather than a single number that looks more certain than it is.
    """
    if len(fractions) == 0:
        raise ValueError("fractions must hold at least one seed's result, got an empty sequence")
    values = [check_number(f"fractions[{i}]", v, 0.0, 1.0) for i, v in enumerate(fractions)]
    seeds = ", ".join(f"{100 * v:.1f}" for v in values)
    return f"{sum(values) / len(values):.1%}<br>({seeds})"
