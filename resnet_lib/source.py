"""Show library code on the page, taken from the library itself so the text and the code cannot drift apart."""
from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import Any


def source_markdown(obj: Any) -> str:
    """The source of a class or function as a fenced Python block, headed by the file it lives in."""
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a class or a function, got obj of type {type(obj).__name__}")
    code = textwrap.dedent(inspect.getsource(obj)).rstrip()
    module = inspect.getmodule(obj)
    parts = (module.__name__ if module else "").split(".")
    where = "/".join(parts) + ".py" if parts and parts[0] else Path(inspect.getsourcefile(obj)).name
    return f"```python\n# {where}\n{code}\n```"


def show_source(obj: Any):
    """Display the source of ``obj`` (e.g. ``show_source(BasicBlock)``) as a code block in the notebook and the book."""
    from IPython.display import Markdown

    return Markdown(source_markdown(obj))
