"""What a chapter notebook needs beyond its experiments: numbers glued from outputs into the prose."""
from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record `value` for the prose ({glue:text}`name`), so no number is typed by hand.

    The book's build (myst-nb) reads it; where myst-nb is not installed, e.g. in Colab, this is a no-op, since a
    live reader sees the value in the cell outputs anyway.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got name={name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=display)
