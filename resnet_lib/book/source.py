"""Show library code on the page, taken from the library itself so the text and the code cannot drift apart."""
from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any


def _without_docstring(code: str) -> str:
    """Drop the object's own docstring (the page's prose says it, and its long lines wrap on a phone)."""
    node = ast.parse(code).body[0]
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines = code.splitlines()
        del lines[first.lineno - 1:first.end_lineno]
        if first.end_lineno < len(lines) + 1 and first.lineno - 1 < len(lines) and not lines[first.lineno - 1].strip():
            del lines[first.lineno - 1]  # the blank line after it
        code = "\n".join(lines)
    return code


def source_markdown(obj: Any, docstring: bool = False) -> str:
    """The source of a class or function as a fenced Python block, headed by the file it lives in.

    Without its docstring unless ``docstring=True``.
    """
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a class or a function, got obj of type {type(obj).__name__}")
    if not isinstance(docstring, bool):
        raise TypeError(f"docstring must be a bool, got docstring of type {type(docstring).__name__}")
    code = textwrap.dedent(inspect.getsource(obj)).rstrip()
    if not docstring:
        code = _without_docstring(code)
    module = inspect.getmodule(obj)
    parts = (module.__name__ if module else "").split(".")
    where = "/".join(parts) + ".py" if parts and parts[0] else Path(inspect.getsourcefile(obj)).name
    return f"```python\n# {where}\n{code}\n```"


def show_source(obj: Any, docstring: bool = False):
    """Display the source of ``obj`` (e.g. ``show_source(BasicBlock)``) as a code block in the notebook and the book."""
    from IPython.display import Markdown

    return Markdown(source_markdown(obj, docstring))
