"""The claims ledger: every hidden check is a named, stated claim(), and the page that lists them cannot drift.

A check with no statement (a bare `assert` in a hidden cell) or a statement with no check (a claim record in the
committed outputs that no cell makes any more, or a claim the committed outputs never ran) fails here.
"""
from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from resnet_lib.book.claims import CLAIMS_SNAPSHOT, ROBUSTNESS, ledger_markdown, load_ledger, notebook_claims, \
    write_claims_snapshot

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
CLAIM_CALL = re.compile(r"""\b(?:claim|cited)\(\s*f?["']([a-z0-9{}_.\[\]"'-]+)["']""")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def bare_asserts(code: str) -> list[str]:
    """The assert statements of a cell's code (IPython magics blanked out first)."""
    lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in code.splitlines()]
    return [ast.unparse(node.test) for node in ast.walk(ast.parse("\n".join(lines))) if isinstance(node, ast.Assert)]


def test_the_bare_assert_finder_can_fail() -> None:
    assert bare_asserts("x = 1\nassert x > 0\nif x:\n    %time y = 2") == ["x > 0"]
    assert bare_asserts("claim('ch0-x', 'X', 1.0, above=0)") == []


def hidden_cells_with_asserts(nb: dict) -> list[int]:
    """Indices of the hidden cells (tag remove-cell) that still hold a bare assert."""
    return [index for index, cell in enumerate(nb["cells"])
            if cell["cell_type"] == "code" and "remove-cell" in cell.get("metadata", {}).get("tags", [])
            and bare_asserts(source(cell))]


def test_a_hidden_bare_assert_is_found() -> None:
    cell = {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "source": "x = 1\nassert x"}
    shown = dict(cell, metadata={})
    assert hidden_cells_with_asserts({"cells": [shown, cell]}) == [1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_hidden_check_is_a_stated_claim(path: Path) -> None:
    """CONTRIBUTING, claims rule 1: no bare assert in a hidden cell; every check has a name and a statement."""
    assert not hidden_cells_with_asserts(load(path)), "a bare assert in a hidden cell; write it as claim(...)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_committed_outputs_hold_exactly_the_claims_the_cells_make(path: Path) -> None:
    nb = load(path)
    made = [name for cell in nb["cells"] if cell["cell_type"] == "code" for name in CLAIM_CALL.findall(source(cell))]
    # A name made in a loop (claim(f"ch7-{key}-explodes", ...)) matches the records it made, and must make one.
    patterns = {name: re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[a-z0-9-]+", re.escape(name)) + "$") for name in made}
    recorded = [record["name"] for record in notebook_claims(nb)]
    unmatched = [name for name in recorded if not any(p.match(name) for p in patterns.values())]
    unrecorded = [name for name, p in patterns.items() if not any(p.match(r) for r in recorded)]
    assert not unmatched and not unrecorded, (f"checks without a record (re-execute the page): {unrecorded}; "
                                              f"records without a check: {unmatched}")
    assert all(record["holds"] for record in notebook_claims(nb)), "a committed claim does not hold"


def test_claim_names_are_unique_across_the_book() -> None:
    names = Counter(record["name"] for path in NOTEBOOKS for record in notebook_claims(load(path)))
    assert not [name for name, count in names.items() if count > 1]


def test_the_packaged_claims_snapshot_is_what_the_chapters_record(tmp_path: Path) -> None:
    """The ledger page reads the snapshot shipped in the wheel; `python tools/notebooks.py run` refreshes it."""
    fresh = write_claims_snapshot(NOTEBOOKS, tmp_path / "claims.json")
    assert fresh == json.loads(CLAIMS_SNAPSHOT.read_text(encoding="utf-8")), "runs/claims.json is stale"


def test_every_claim_has_a_row_on_the_ledger_page() -> None:
    rows = load_ledger()
    names = {record["name"] for path in NOTEBOOKS for record in notebook_claims(load(path))}
    assert {row["name"] for row in rows} == names
    text = ledger_markdown(rows)
    assert all(row["statement"].replace("|", "\\|") in text for row in rows)
    assert not re.search(r"\d[eE][+-]?\d", text), "the ledger shows e-notation"


def test_every_robustness_file_names_a_chapter() -> None:
    stems = {path.stem for path in NOTEBOOKS}
    assert {path.stem for path in ROBUSTNESS.glob("*.json")} <= stems
