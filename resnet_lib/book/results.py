"""The book's results at a glance: the numbers each chapter glued, read back from its committed notebook.

Every chapter records its measured numbers with :func:`resnet_lib.book.glue.glue`; myst-nb stores each as a cell
output whose metadata carries ``scrapbook: {name: ...}``. :func:`glued_values` reads them back, so a closing table
can quote every chapter without re-running it, and :func:`results_table` gathers the rows a reader should see,
saying "not measured yet" for a chapter (or a number) that does not exist yet instead of failing.

A measured number means little without the conditions it was measured under (a quick-profile error after 75 steps
on 8x8 images is not the paper's error). :func:`chapter_conditions` reads them back too: the profile the notebook
was executed in (its metadata) and the sizes its ``SIZES`` display lists, so a row can carry its conditions,
``"{profile} profile, {dataset} {image_size}x{image_size}, width {width}, {epochs} epochs"``, filled from the chapter
that measured it and never typed by hand.
"""
from __future__ import annotations

import ast
import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["chapter_conditions", "chapter_values", "find_chapter", "glued_values", "result_rows", "results_table",
           "write_snapshot"]

MISSING = "not measured yet"
NOT_RECORDED = "conditions not recorded"
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


def _sizes_from_text(text: str) -> dict[str, Any] | None:
    """The keyword arguments of the first ``Sizes(...)`` repr in `text`, as Python values; None if there is none."""
    start = text.find("Sizes(")
    while start >= 0:
        end = text.find(")", start)
        while end >= 0:
            try:
                call = ast.parse(text[start:end + 1], mode="eval").body
            except SyntaxError:
                end = text.find(")", end + 1)
                continue
            if isinstance(call, ast.Call) and not call.args:
                try:
                    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
                except ValueError:
                    return None
            break
        start = text.find("Sizes(", start + 1)
    return None


def chapter_conditions(path: str | Path) -> dict[str, Any]:
    """What the committed notebook at `path` was executed under: ``profile`` and every size its ``SIZES`` lists.

    ``profile`` comes from the notebook's metadata (``tools/notebooks.py run`` records it), the sizes from the
    first ``Sizes(...)`` the notebook displays (every chapter shows its ``SIZES``). A missing or unreadable notebook,
    or one without them, gives ``{}`` or only what it has.
    """
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    conditions: dict[str, Any] = {}
    profile = notebook.get("metadata", {}).get("resnet_book", {}).get("profile")
    if isinstance(profile, str):
        conditions["profile"] = profile
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            text = output.get("text", output.get("data", {}).get("text/plain", ""))
            text = "".join(text) if isinstance(text, list) else str(text)
            if "Sizes(" in text:
                found = _sizes_from_text(text)
                if found is not None:
                    return {**found, **conditions}
    return conditions


def _snapshot(path: str | Path | None = None) -> dict[str, Any]:
    try:
        return json.loads((Path(path) if path is not None else SNAPSHOT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def chapter_values(stem: str, snapshot: str | Path | None = None) -> dict[str, Any]:
    """``{name: value}`` the chapter ``stem`` glued when it was last executed, from the packaged snapshot.

    A page that quotes another chapter reads this, not the other notebook: the snapshot ships inside the package
    (``runs/glued.json``, written by ``tools/notebooks.py run`` and tested against the committed notebooks), so the
    page shows the same numbers in the repository and in Colab, where the notebook is alone.
    """
    if not isinstance(stem, str) or not stem:
        raise TypeError(f"stem must be a chapter file name without suffix such as '02_degradation', got stem={stem!r}")
    return dict(_snapshot(snapshot).get(stem, {}).get("glued", {}))


def snapshot_conditions(stem: str, snapshot: str | Path | None = None) -> dict[str, Any]:
    """:func:`chapter_conditions` of chapter ``stem`` as the packaged snapshot recorded them."""
    return dict(_snapshot(snapshot).get(stem, {}).get("conditions", {}))


def write_snapshot(notebooks: Sequence[str | Path], snapshot: str | Path | None = None) -> dict[str, Any]:
    """Store the glued numbers and conditions of ``notebooks`` in the snapshot (other chapters kept); return it."""
    path = Path(snapshot) if snapshot is not None else SNAPSHOT
    chapters = _snapshot(path)
    for notebook in notebooks:
        plain = (int, float, str, bool)
        values = {k: v for k, v in sorted(glued_values(notebook).items()) if isinstance(v, plain)}
        conditions = {k: v for k, v in sorted(chapter_conditions(notebook).items())
                      if isinstance(v, plain) or (isinstance(v, (list, tuple)) and all(isinstance(i, plain) for i in v))}
        chapters[Path(notebook).stem] = {"glued": values, "conditions": conditions}
    chapters = dict(sorted(chapters.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(chapters, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return json.loads(text)


def _fill(template: str, conditions: dict[str, Any]) -> tuple[str, list[str]]:
    """`template` filled from `conditions`, and the names it asked for that `conditions` lacks."""
    names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    missing = sorted({name for name in names if name not in conditions})
    if missing:
        return f"{NOT_RECORDED} ({', '.join(missing)})", missing
    return template.format_map(conditions), []


def result_rows(rows: Sequence[Sequence[str]], search: Sequence[str | Path] | None = None) -> list[dict[str, Any]]:
    """Each row ``(chapter stem, glue name, what it is, format[, conditions])`` looked up in its chapter.

    ``format`` is a format spec for the value, e.g. ``".1f"`` or ``",d"``. ``conditions`` (optional) is a template
    filled from :func:`chapter_conditions` of the same chapter and the numbers it glued, e.g.
    ``"{profile} profile, width {width}, {s_steps} steps"``; plain text for a number that is the same in every
    profile (a count). Returns one dict per row: ``stem``, ``name``,
    ``description``, ``value`` (None if not found), ``shown`` (the formatted value or "not measured yet"),
    ``conditions`` (the filled template, or "conditions not recorded (names)") and ``missing`` (the condition
    names the chapter did not record). The numbers come from the packaged snapshot (:func:`chapter_values`); with
    ``search``, from the notebooks found in those folders instead.
    """
    values: dict[str, dict[str, Any]] = {}
    conditions: dict[str, dict[str, Any]] = {}
    found = []
    for row in rows:
        if not (isinstance(row, (tuple, list)) and len(row) in (4, 5) and all(isinstance(r, str) for r in row)):
            raise ValueError("each row must be (chapter stem, glue name, description, format[, conditions]) strings, "
                             f"got {row!r}")
        stem, name, description, spec = row[:4]
        if stem not in values:
            if search is None:
                values[stem], conditions[stem] = chapter_values(stem), snapshot_conditions(stem)
            else:
                path = find_chapter(stem, search)
                values[stem] = glued_values(path) if path is not None else {}
                conditions[stem] = chapter_conditions(path) if path is not None else {}
        value = values[stem].get(name)
        if value is None:
            shown = MISSING
        else:
            try:
                shown = format(value, spec)
            except (TypeError, ValueError):
                shown = str(value)
        known = {**values[stem], **conditions[stem]}  # glued numbers, then the sizes and the profile
        filled, missing = _fill(row[4], known) if len(row) == 5 else ("", [])
        found.append(dict(stem=stem, name=name, description=description, value=value, shown=shown,
                          conditions=filled, missing=missing))
    return found


def results_table(rows: Sequence[Sequence[str]], search: Sequence[str | Path] | None = None) -> str:
    """A Markdown table of headline numbers, one per row ``(chapter stem, glue name, what it is, format)``.

    ``format`` is a format spec for the value, e.g. ``".1f"`` or ``",d"``; a chapter or a name not found shows
    "not measured yet". Rows with a fifth item, a conditions template (see :func:`result_rows`), add a column
    "conditions" filled from the chapter that measured the number.
    """
    found = result_rows(rows, search)
    with_conditions = any(len(row) == 5 for row in rows)
    if with_conditions:
        lines = ["| chapter | measurement | value | conditions |", "|---|---|---|---|"]
        lines += [f"| {r['stem']} | {r['description']} | {r['shown']} | {r['conditions']} |" for r in found]
    else:
        lines = ["| chapter | measurement | value |", "|---|---|---|"]
        lines += [f"| {r['stem']} | {r['description']} | {r['shown']} |" for r in found]
    return "\n".join(lines)
