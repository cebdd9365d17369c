"""resnet_lib.book.results: the glued numbers of committed notebooks, read back into one table."""
import json
import re
from pathlib import Path

import pytest

from resnet_lib.book.results import (MISSING, NOT_RECORDED, chapter_conditions, find_chapter, glued_values,
                                     result_rows, results_table)

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"


def glue_output(name: str, text: str) -> dict:
    return {"output_type": "display_data", "data": {"application/papermill.record/text/plain": text},
            "metadata": {"scrapbook": {"mime_prefix": "application/papermill.record/", "name": name}}}


def write_notebook(folder: Path, stem: str, outputs: list[dict]) -> Path:
    path = folder / f"{stem}.ipynb"
    cells = [{"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs, "execution_count": 1},
             {"cell_type": "markdown", "source": "x", "metadata": {}}]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_reads_numbers_as_numbers_and_text_as_text(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "09_x", [glue_output("a", "2752"), glue_output("b", "3.25"),
                                             glue_output("c", "'ResNet-56'"), glue_output("d", "plain text"),
                                             {"output_type": "stream", "name": "stdout", "text": "hi"}])
    assert glued_values(path) == {"a": 2752, "b": 3.25, "c": "ResNet-56", "d": "plain text"}


def test_a_missing_or_broken_notebook_gives_nothing(tmp_path: Path) -> None:
    assert glued_values(tmp_path / "nope.ipynb") == {}
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert glued_values(tmp_path / "bad.ipynb") == {}


def test_table_formats_found_values_and_marks_missing_ones(tmp_path: Path) -> None:
    write_notebook(tmp_path, "02_y", [glue_output("err", "12.345")])
    table = results_table([("02_y", "err", "error (%)", ".1f"), ("02_y", "gone", "other", ".1f"),
                           ("08_z", "err", "later chapter", ".1f")], search=[tmp_path])
    lines = table.splitlines()
    assert lines[2] == "| 02_y | error (%) | 12.3 |"
    assert lines[3].endswith(f"| {MISSING} |") and lines[4].endswith(f"| {MISSING} |")


def test_the_committed_chapters_glue_what_the_closing_table_quotes() -> None:
    values = glued_values(CHAPTERS / "03_residual_learning.ipynb")
    assert isinstance(values["res_c56_b_extra"], int)
    assert find_chapter("03_residual_learning", search=[CHAPTERS]) == CHAPTERS / "03_residual_learning.ipynb"
    assert find_chapter("99_nothing", search=[CHAPTERS]) is None


@pytest.mark.parametrize("rows", [[("a", "b", "c")], ["abcd"], [("a", "b", "c", 1)]])
def test_bad_rows_are_refused(rows) -> None:
    with pytest.raises(ValueError):
        results_table(rows)
    with pytest.raises(TypeError):
        find_chapter(3)


def sizes_output(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_conditions_come_from_the_profile_and_the_sizes_the_chapter_shows(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "05_w", [sizes_output("Sizes(\n    dataset='fashion_mnist', image_size=16, "
                                                          "depths=(20, 56),\n    seeds=3, lr=0.1,\n)\nDataset(x)\n")])
    notebook = json.loads(path.read_text())
    notebook["metadata"]["resnet_book"] = {"profile": "quick"}
    path.write_text(json.dumps(notebook))
    assert chapter_conditions(path) == {"dataset": "fashion_mnist", "image_size": 16, "depths": (20, 56), "seeds": 3,
                                        "lr": 0.1, "profile": "quick"}
    assert chapter_conditions(tmp_path / "nope.ipynb") == {}


def test_rows_carry_their_conditions_or_say_which_are_missing(tmp_path: Path) -> None:
    write_notebook(tmp_path, "02_y", [sizes_output("Sizes(width=8, epochs=6)"), glue_output("err", "12.345"),
                                      glue_output("steps", "240")])
    rows = [("02_y", "err", "error (%)", ".1f", "width {width}, {steps} steps"),
            ("02_y", "err", "error again (%)", ".1f", "{seeds} seeds"),
            ("02_y", "err", "a count", ".1f", "counted")]
    found = result_rows(rows, search=[tmp_path])
    assert found[0]["conditions"] == "width 8, 240 steps" and found[0]["missing"] == []
    assert found[1]["missing"] == ["seeds"] and found[1]["conditions"] == f"{NOT_RECORDED} (seeds)"
    assert found[2]["conditions"] == "counted"
    lines = results_table(rows, search=[tmp_path]).splitlines()
    assert lines[0] == "| chapter | measurement | value | conditions |"
    assert lines[2] == "| 02_y | error (%) | 12.3 | width 8, 240 steps |"


def test_the_packaged_snapshot_holds_what_the_committed_chapters_glue(tmp_path: Path) -> None:
    """Pages quote other chapters from the snapshot shipped in the wheel (Colab has no other notebooks): it must be
    what the committed notebooks glue, with their conditions. Stale? `tools/notebooks.py run` refreshes a chapter."""
    from resnet_lib.book.results import SNAPSHOT, chapter_values, snapshot_conditions, write_snapshot

    notebooks = sorted(CHAPTERS.glob("*.ipynb"))
    fresh = write_snapshot(notebooks, tmp_path / "glued.json")
    assert fresh == json.loads(SNAPSHOT.read_text(encoding="utf-8")), "resnet_lib/book/runs/glued.json is stale"
    assert chapter_values("02_degradation") == fresh["02_degradation"]["glued"]
    assert snapshot_conditions("02_degradation") == fresh["02_degradation"]["conditions"]
    assert chapter_values("99_nothing") == {}


def test_no_glued_number_is_a_numpy_or_torch_repr() -> None:
    """A glued np.float64 or tensor is stored as its repr ("np.float64(5.1)"), which the prose then prints as such
    and a format spec cannot format: glue plain Python numbers (float(), .item())."""
    from resnet_lib.book.results import SNAPSHOT

    glued = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    reprs = [f"{page}: {key} = {value}" for page, entry in glued.items() for key, value in entry["glued"].items()
             if isinstance(value, str) and re.match(r"(np\.|numpy\.|tensor\()", value)]
    assert not reprs, reprs
