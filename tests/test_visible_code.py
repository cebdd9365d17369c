"""Visible code runs when copied: every name a visible code cell uses is defined by a visible cell (at or before it),
imported there, or built in. Hidden cells (tag remove-cell or remove-input) are checks and glue; a reader who copies
the page never sees them."""
from __future__ import annotations

import ast
import builtins
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
HIDDEN = {"remove-cell", "remove-input"}
KNOWN = set(dir(builtins)) | {"display", "get_ipython", "__file__"}  # what IPython provides


def defined_and_used(source: str) -> tuple[set[str], list[str]]:
    lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]  # IPython magics and shell lines
    tree = ast.parse("\n".join(lines))
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            defined.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return defined, used


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_visible_cells_use_only_names_visible_cells_define(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    visible_defined: set[str] = set(KNOWN)
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        defined, used = defined_and_used(source)
        if HIDDEN & set(cell.get("metadata", {}).get("tags", [])):
            continue
        visible_defined |= defined
        missing = sorted({name for name in used if name not in visible_defined})
        if missing:
            problems.append(f"cell {index}: {missing}")
    assert not problems, f"visible code uses names defined only in hidden cells (or nowhere): {problems}"
