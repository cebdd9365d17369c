"""resnet_lib.book.tables (Table 1 of the ResNet paper) and resnet_lib.book.source (library code on the page)."""
from __future__ import annotations

import pytest
from torch import nn

from resnet_lib.models import BasicBlock, resnet18, resnet34
from resnet_lib.book.source import show_source, source_markdown
from resnet_lib.book.tables import markdown_table, mean_and_seeds, resnet_stage_table, stage_shapes


def test_stage_shapes_are_the_papers_table_1() -> None:
    shapes = stage_shapes(resnet34())
    assert shapes["conv1"] == (64, 112, 112) and shapes["maxpool"] == (64, 56, 56)
    assert [shapes[f"layer{i}"] for i in range(1, 5)] == [(64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)]


def test_resnet_stage_table_has_a_row_per_stage_and_a_total() -> None:
    table = resnet_stage_table({"ResNet-18": resnet18(), "ResNet-34": resnet34()})
    lines = table.splitlines()
    assert lines[0] == "| stage | output (C × H × W) | layers | ResNet-18 | ResNet-34 |"
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| conv1", "| conv2_x", "| conv3_x", "| conv4_x", "| conv5_x", "| pool, fc", "| total"]
    assert "| conv2_x | 64 × 56 × 56 | two 3x3 convs, 64 filters | 2 blocks · " in table
    assert lines[-1].startswith("| total | | | 11.7M · 1.8") and "21.8M · 3.6" in lines[-1]


def test_resnet_stage_table_rejects_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="nets must be a non-empty dict"):
        resnet_stage_table({})
    with pytest.raises(ValueError, match="missing"):
        resnet_stage_table({"mlp": nn.Linear(2, 2)})
    with pytest.raises(TypeError):
        resnet_stage_table({"x": "not a net"})
    with pytest.raises(ValueError, match="input_size"):
        stage_shapes(resnet18(), (3, 224, 224))


def test_show_source_is_the_librarys_own_code() -> None:
    text = source_markdown(BasicBlock)
    assert text.startswith("```python\n# resnet_lib/models/") and "class BasicBlock" in text and text.endswith("```")
    assert show_source(BasicBlock).data == text
    assert 'Two 3x3 convolutions plus' not in text and "    expansion" in text  # its docstring goes, code stays
    assert '"""Two 3x3 convolutions' in source_markdown(BasicBlock, docstring=True)
    with pytest.raises(TypeError, match="docstring must be a bool"):
        source_markdown(BasicBlock, docstring="yes")
    with pytest.raises(TypeError, match="obj must be a class or a function"):
        source_markdown(3)


def test_markdown_table_lays_out_header_and_rows() -> None:
    assert markdown_table(["net", "error"], [("basic-20", "18.2%"), ("bottleneck-29", 0.5)]) == (
        "| net | error |\n|---|---|\n| basic-20 | 18.2% |\n| bottleneck-29 | 0.5 |")
    with pytest.raises(ValueError, match=r"rows\[1\] must have 2 cells"):
        markdown_table(["net", "error"], [("a", "b"), ("c",)])
    with pytest.raises(ValueError, match="header must name at least one column"):
        markdown_table([], [])


def test_mean_and_seeds_gives_the_mean_then_every_seed() -> None:
    assert mean_and_seeds([0.134, 0.151, 0.161]) == "14.9%<br>(13.4, 15.1, 16.1)"
    assert mean_and_seeds([0.5]) == "50.0%<br>(50.0)"
    with pytest.raises(ValueError, match="at least one seed"):
        mean_and_seeds([])
    with pytest.raises(ValueError, match=r"fractions\[1\]"):
        mean_and_seeds([0.1, 12.0])
