"""The book's results at a glance: the numbers each chapter glued, read back from its committed notebook.

Every chapter records its measured numbers with :func:`resnet_lib.book.glue.glue`; myst-nb stores each as a cell
output whose metadata carries ``scrapbook: {name: ...}``. :func:`glued_values` reads them back from a notebook.

A page that quotes another chapter reads :func:`chapter_values`: a snapshot of every chapter's glued numbers that
ships inside the package (``runs/glued.json``, written by ``tools/notebooks.py run`` after it executes a chapter and
tested against the committed notebooks), so the same page shows the same table in the repository and in Colab,
where the notebook is alone. :func:`results_table` gathers the rows a reader should see, saying "not measured yet"
for a chapter (or a number) that does not exist yet instead of failing.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["chapter_values", "find_chapter", "glued_values", "results_table", "write_snapshot"]

MISSING = "not measured yet"
SNAPSHOT = Path(__file__).resolve().parent / "runs" / "glued.json"


def find_chapter(stem: str, search: Sequence[str | Path] | None = None) -> Path | None:
    """The notebook ``<stem>.ipynb`` in the current folder, ``chapters/`` below it or beside it; None if absent."""
    if not isinstance(stem, str) or not stem:
        raise TypeError(f"stem must be a chapter file name without suffix such as '02_degradation', got stem={stem!r}")
    here = Path.cwd()
    folders = [Path(s) for s in search] if search is not None else [here, here / "chapters", here.parent / "chapters"]
    for folder in folders:
        path = folder / f"{stem}.ipynb"
        if path.is_file():
            return path
    return None


def _value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def glued_values(path: str | Path) -> dict[str, Any]:
    """``{name: value}`` of every number or text glued in the notebook at ``path`` (numbers as numbers).

    A notebook that is missing, unreadable or has no glue gives ``{}``.
    """
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    values: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            record = output.get("metadata", {}).get("scrapbook")
            if not isinstance(record, dict) or "name" not in record:
                continue
            prefix = record.get("mime_prefix", "application/papermill.record/")
            text = output.get("data", {}).get(prefix + "text/plain")
            if text is not None:
                values[record["name"]] = _value("".join(text) if isinstance(text, list) else text)
    return values


def chapter_values(stem: str, snapshot: str | Path | None = None) -> dict[str, Any]:
    """``{name: value}`` the chapter ``stem`` glued when it was last executed, from the packaged snapshot."""
    if not isinstance(stem, str) or not stem:
        raise TypeError(f"stem must be a chapter file name without suffix such as '02_degradation', got stem={stem!r}")
    path = Path(snapshot) if snapshot is not None else SNAPSHOT
    try:
        chapters = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(chapters.get(stem, {}))


def write_snapshot(notebooks: Sequence[str | Path], snapshot: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Store the glued numbers of ``notebooks`` in the snapshot (other chapters' entries are kept); return it all."""
    path = Path(snapshot) if snapshot is not None else SNAPSHOT
    try:
        chapters = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        chapters = {}
    for notebook in notebooks:
        values = glued_values(notebook)
        chapters[Path(notebook).stem] = {name: value for name, value in sorted(values.items())
                                         if isinstance(value, (int, float, str, bool))}
    chapters = dict(sorted(chapters.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(chapters, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return chapters


def results_table(rows: Sequence[tuple[str, str, str, str]], search: Sequence[str | Path] | None = None) -> str:
    """A Markdown table of headline numbers, one per row ``(chapter stem, glue name, what it is, format)``.

    The values come from the packaged snapshot (:func:`chapter_values`); with ``search``, from the notebooks found
    in those folders instead. ``format`` is a format spec for the value, e.g. ``".1f"`` or ``",d"``; a chapter or a
    name not found shows "not measured yet".
    """
    cache: dict[str, dict[str, Any]] = {}
    lines = ["| chapter | measurement | value |", "|---|---|---|"]
    for row in rows:
        if not (isinstance(row, (tuple, list)) and len(row) == 4 and all(isinstance(r, str) for r in row)):
            raise ValueError(f"each row must be (chapter stem, glue name, description, format) strings, got {row!r}")
        stem, name, description, spec = row
        if stem not in cache:
            if search is None:
                cache[stem] = chapter_values(stem)
            else:
                path = find_chapter(stem, search)
                cache[stem] = glued_values(path) if path is not None else {}
        value = cache[stem].get(name)
        if value is None:
            shown = MISSING
        else:
            try:
                shown = format(value, spec)
            except (TypeError, ValueError):
                shown = str(value)
        lines.append(f"| {stem} | {description} | {shown} |")
    return "\n".join(lines)
