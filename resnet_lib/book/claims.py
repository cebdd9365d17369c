"""`claim()`: the hidden check behind a sentence of the prose, with a name and a statement.

A chapter's hidden check cells (tag ``remove-cell``) assert what the prose says. Written as ``claim(...)`` rather
than a bare ``assert``, each check carries a stable name, a one-line statement and its threshold, and leaves a
record in the cell's output: the text ``claim NAME`` (the same on every machine, so nbval compares it) and, in
the output's metadata (which nbval does not compare), the measured value. The *Claims and evidence* page and the
robustness tool read those records back from the executed notebooks, so the ledger cannot drift from the checks.

    claim("deg-plain-worse", "The 56-layer plain net ends with a higher training error than the 20-layer one",
          err56 - err20, above=2.0, unit="points")

A claim holds for any seed and any CPU: its threshold sits below the spread measured over seed offsets 0-4
(``make robustness``), not at the value one run happened to give. `cited()` records a claim the page takes from a
paper without a run of ours, so the ledger lists it as such.

With ``RESNET_BOOK_CLAIMS=record`` a failing claim is recorded instead of raised, so the robustness tool sees
every claim of a chapter, not only those before the first failure.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .numbers import scientific

MODE_VARIABLE = "RESNET_BOOK_CLAIMS"
METADATA_KEY = "resnet_book_claim"
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COMPARISONS = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<=", "equals": "=="}

# Every claim this process has made, in order (what a script or a test reads; a notebook reads its outputs).
RECORDS: list[dict[str, Any]] = []


class ClaimError(AssertionError):
    """A claim that does not hold: an AssertionError, so nbval and pytest report it as a failed check."""


def _mode() -> str:
    mode = os.environ.get(MODE_VARIABLE, "assert").strip().lower() or "assert"
    if mode not in ("assert", "record"):
        raise ValueError(f"{MODE_VARIABLE} must be 'assert' or 'record', got {MODE_VARIABLE}={mode!r}")
    return mode


def _number(name: str, value: Any) -> float | bool:
    """A plain Python number from a float, int, bool, numpy scalar or one-element tensor."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a number or a one-element tensor, got a tensor of shape "
                             f"{tuple(value.shape)}")
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise TypeError(f"{name} must be a number, a bool or a one-element tensor, got {name}={value!r} "
                    f"({type(value).__name__})")


def _check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {name}={value!r} ({type(value).__name__})")
    if not value.strip() or "\n" in value:
        raise ValueError(f"{name} must be one non-empty line, got {name}={value!r}")
    return value.strip()


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got name={name!r} ({type(name).__name__})")
    if not NAME_PATTERN.match(name):
        raise ValueError(f"name must be lower-case words joined by '-', e.g. 'deg-plain-worse', got name={name!r}")
    return name


def _publish(record: dict[str, Any]) -> None:
    """Leave the record in the cell's output: stable text for nbval, the numbers in the metadata."""
    RECORDS.append(record)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({"text/plain": f"claim {record['name']}"}, raw=True, metadata={METADATA_KEY: record})


def claim(name: str, statement: str, value: Any, *, above: Any = None, below: Any = None, at_least: Any = None,
          at_most: Any = None, equals: Any = None, unit: str = "", paper: str = "") -> None:
    """Check that `value` satisfies every threshold given, and record the check under `name`.

    Give one threshold, or two that bound a band (``above=`` with ``below=``). `unit` says what the value is
    measured in ("points", "x", "%"), `paper` the paper's number where the claim echoes one. Raises `ClaimError`
    naming the claim, its value and its threshold when it does not hold (unless ``RESNET_BOOK_CLAIMS=record``).
    Returns nothing, so a check cell ending in a claim shows no extra output.
    """
    name = _check_name(name)
    statement = _check_text("statement", statement)
    measured = _number("value", value)
    thresholds = {key: given for key, given in (("above", above), ("below", below), ("at_least", at_least),
                                                 ("at_most", at_most), ("equals", equals)) if given is not None}
    if not thresholds:
        raise ValueError(f"claim {name!r} needs a threshold: one of above=, below=, at_least=, at_most=, equals=")
    if "equals" in thresholds and len(thresholds) > 1:
        raise ValueError(f"claim {name!r}: equals= cannot be combined with another threshold, got {thresholds}")
    thresholds = {key: _number(key, given) for key, given in thresholds.items()}
    if not isinstance(unit, str) or not isinstance(paper, str):
        raise TypeError(f"unit and paper must be str, got unit={unit!r}, paper={paper!r}")
    if isinstance(measured, float) and math.isnan(measured):
        holds = False
    else:
        holds = all({"above": measured > limit, "below": measured < limit, "at_least": measured >= limit,
                     "at_most": measured <= limit, "equals": measured == limit}[key]
                    for key, limit in thresholds.items())
    record = dict(name=name, statement=statement, value=measured, thresholds=thresholds, unit=unit, paper=paper,
                  holds=bool(holds), kind="measured")
    _publish(record)
    if not holds and _mode() == "assert":
        wanted = " and ".join(f"{COMPARISONS[key]} {limit:g}" for key, limit in thresholds.items())
        raise ClaimError(f"claim {name!r} does not hold: {statement}. Measured {measured!r}{' ' + unit if unit else ''}"
                         f", wanted {wanted}")


def cited(name: str, statement: str, source: str) -> None:
    """Record a claim the page takes from a paper without a run of ours, so the ledger lists it as cited."""
    name = _check_name(name)
    record = dict(name=name, statement=_check_text("statement", statement), value=None, thresholds={}, unit="",
                  paper=_check_text("source", source), holds=True, kind="cited")
    _publish(record)


def records_from_notebook(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    """The claim records an executed notebook (nbformat JSON as a dict) holds in its outputs, in cell order.

    Each record gains ``cell``: the index of the cell that made it.
    """
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            record = output.get("metadata", {}).get(METADATA_KEY)
            if record is not None:
                found.append(dict(record, cell=index))
    return found


# --- the ledger: every claim of the book, its value on the page and its spread over seeds -----------------------

RUNS = Path(__file__).resolve().parent / "runs"
CLAIMS_SNAPSHOT = RUNS / "claims.json"  # every chapter's claim records as committed (tools/notebooks.py run)
ROBUSTNESS = RUNS / "robustness"  # tools/robustness.py: every claim's value at seed offsets and CPU kernel sets


def cell_fingerprint(source: str) -> str:
    """A short hash of a check cell's code: a spread measured before the check changed is marked as stale."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def notebook_claims(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    """The claim records of an executed notebook, each with the fingerprint of the cell that made it."""
    cells = notebook.get("cells", [])
    found = []
    for record in records_from_notebook(notebook):
        source = cells[record["cell"]].get("source", "")
        found.append(dict(record, fingerprint=cell_fingerprint("".join(source) if isinstance(source, list)
                                                              else source)))
    return found


def notebook_title(notebook: dict[str, Any]) -> str:
    """The page's title: the first Markdown heading of the notebook."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            for line in ("".join(source) if isinstance(source, list) else source).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def write_claims_snapshot(notebooks: Sequence[str | Path], snapshot: str | Path | None = None) -> dict[str, Any]:
    """Store the claim records of ``notebooks`` (other pages' entries kept): what the ledger page reads."""
    path = Path(snapshot) if snapshot is not None else CLAIMS_SNAPSHOT
    try:
        chapters = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        chapters = {}
    for notebook in notebooks:
        content = json.loads(Path(notebook).read_text(encoding="utf-8"))
        chapters[Path(notebook).stem] = {"title": notebook_title(content), "claims": notebook_claims(content)}
    chapters = {stem: entry for stem, entry in sorted(chapters.items()) if entry["claims"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(chapters, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return chapters


def _number_text(value: Any) -> str:
    return _minus(_plain_number_text(value))


def _minus(text: str) -> str:
    """A typographic minus (−1 point, not -1 point)."""
    return "−" + text[1:] if text.startswith("-") else text


def _plain_number_text(value: Any) -> str:
    """A value as the ledger shows it: plain digits, never e-notation (a reader's ×10ⁿ instead)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    value = float(value)
    if value == int(value) and abs(value) < 1e12:  # counts stay exact: 11,689,512 parameters
        return f"{int(value):,}"
    if value != 0 and not 1e-3 <= abs(value) < 1e7:
        return scientific(value, digits=3)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _threshold_text(record: dict[str, Any]) -> str:
    symbols = {"above": ">", "below": "<", "at_least": "≥", "at_most": "≤", "equals": "="}
    unit = f" {record['unit']}" if record.get("unit") else ""
    return " and ".join(f"{symbols[key]} {_number_text(limit)}" for key, limit in record["thresholds"].items()) + unit


def _satisfies(value: Any, thresholds: dict[str, float]) -> bool:
    """Whether a recorded value meets thresholds (the same test `claim` makes)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    tests = {"above": lambda v, t: v > t, "below": lambda v, t: v < t, "at_least": lambda v, t: v >= t,
             "at_most": lambda v, t: v <= t, "equals": lambda v, t: v == t}
    return all(tests[key](value, limit) for key, limit in thresholds.items())


def ledger_rows(claims: dict[str, dict[str, Any]], robustness: dict[str, dict[str, Any]]) -> list[dict]:
    """One row per claim: the page's record joined with the robustness runs of the same chapter and name."""
    rows = []
    for stem, entry in claims.items():
        runs = robustness.get(stem, {}).get("runs", [])
        for record in entry["claims"]:
            row = dict(chapter=stem, title=entry.get("title") or stem, name=record["name"], statement=record["statement"], kind=record["kind"],
                       check=_threshold_text(record) if record["kind"] == "measured" else "cited",
                       value=_number_text(record["value"]), paper=record.get("paper", ""))
            # Each run's value is judged against the page's current threshold, so a run made before a threshold
            # moved still counts for what it measured (the value), not for the verdict of the old check.
            measured = [(run, dict(claim, holds=_satisfies(claim["value"], record["thresholds"])))
                        for run in runs for claim in run.get("claims", [])
                        if claim["name"] == record["name"] and record["kind"] == "measured"]
            seeds = [(run, claim) for run, claim in measured if run["kernels"] == "default"]
            other = [(run, claim) for run, claim in measured if run["kernels"] != "default"]
            values = [claim["value"] for _, claim in seeds if isinstance(claim["value"], (int, float))
                      and not isinstance(claim["value"], bool)]
            row["spread"] = (f"{_number_text(min(values))} to {_number_text(max(values))}" if values else "–")
            row["seeds"] = ("–" if record["kind"] == "cited" else
                            f"{sum(c['holds'] for _, c in seeds)}/{len(seeds)}" if seeds else "not measured")
            row["other_cpu"] = ("–" if not other else "held" if all(c["holds"] for _, c in other) else "FAILED")
            stale = any(run.get("fingerprints", {}).get(record["name"]) not in (None, record.get("fingerprint"))
                        for run, _ in measured)
            row["stale"] = bool(stale)
            row["holds_everywhere"] = bool(measured) and all(c["holds"] for _, c in measured)
            rows.append(row)
    return rows


def load_ledger(claims_path: str | Path | None = None, robustness_folder: str | Path | None = None) -> list[dict]:
    """The ledger's rows from the packaged claim snapshot and robustness files (or the paths given)."""
    claims_file = Path(claims_path) if claims_path is not None else CLAIMS_SNAPSHOT
    folder = Path(robustness_folder) if robustness_folder is not None else ROBUSTNESS
    claims = json.loads(claims_file.read_text(encoding="utf-8")) if claims_file.exists() else {}
    robustness = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}
    return ledger_rows(claims, robustness)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def ledger_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The ledger as Markdown: a summary line, then one table per chapter (chapter pages linked)."""
    if not rows:
        return "No claims recorded yet."
    measured = [row for row in rows if row["kind"] == "measured"]
    everywhere = sum(row["holds_everywhere"] for row in measured)
    not_measured = sum(row["seeds"] == "not measured" for row in measured)
    cited_count = len(rows) - len(measured)
    lines = [f"**{len(rows)} claims**: {len(measured)} checked by a run in the page, of which {everywhere} held at "
             f"every seed offset and CPU kernel set measured and {not_measured} have no robustness run yet; "
             f"{cited_count} taken from papers.", ""]
    for stem in dict.fromkeys(row["chapter"] for row in rows):
        title = next(row["title"] for row in rows if row["chapter"] == stem)
        lines += [f"**[{_cell(title)}]({stem}.ipynb)**", "",
                  "| claim | check | on the page | seeds 0-4: range | held | AVX2 |", "|---|---|---:|---:|---:|---|"]
        for row in (r for r in rows if r["chapter"] == stem):
            claim_text = _cell(row["statement"]) + (f" *(paper: {_cell(row['paper'])})*" if row["paper"] else "")
            held = row["seeds"] + (" (check changed since)" if row["stale"] else "")
            lines.append(f"| {claim_text} | {_cell(row['check'])} | {_cell(row['value'])} | {_cell(row['spread'])} | "
                         f"{held} | {row['other_cpu']} |")
        lines.append("")
    return "\n".join(lines)
