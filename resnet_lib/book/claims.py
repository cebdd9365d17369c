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

import math
import os
import re
from typing import Any

import numpy as np
import torch

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
