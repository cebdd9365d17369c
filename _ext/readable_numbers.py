"""Glued numbers as a person writes them, in both editions: myst-nb pastes a value formatted by its spec
(``{glue:text}`gap:.0e```), which gives "8e-11"; this rewrites every pasted e-notation number to "8 × 10⁻¹¹"
(``resnet_lib.book.numbers``), kept on one line. The HTML check in tests/check_browser.py refuses what slips by.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from resnet_lib.book.numbers import from_e_notation  # noqa: E402


def _rewrite(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in doctree.findall(nodes.inline):
        if "pasted-text" not in node.get("classes", []):
            continue
        text = node.astext()
        readable = from_e_notation(text)
        if readable != text:
            node.children = [nodes.Text(readable)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
