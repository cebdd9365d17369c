#!/usr/bin/env python3
"""Re-execute the book's chapters in place, or print how long each one takes.

    python tools/notebooks.py run   [chapters/*.ipynb]   fresh kernel, top to bottom, outputs written back
    python tools/notebooks.py times [chapters/*.ipynb]   table of the execution time recorded by the last run
    python tools/notebooks.py times --measure [...]      execute again (without writing) and time it

The profile comes from RESNET_BOOK_PROFILE (default here: quick). Each run records its wall time, profile and
torch version in the notebook's metadata under "resnet_book", which is what `times` prints, and refreshes the
chapter's entry in resnet_lib/book/runs/glued.json (the numbers other pages quote, shipped with the package).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from resnet_lib.book.claims import write_claims_snapshot  # noqa: E402
from resnet_lib.book.results import write_snapshot  # noqa: E402
BUDGET_S = 180  # per chapter, quick profile, on the 2-core reference machine


def execute(path: Path, write: bool, timeout: int = 1800) -> float:
    """Run one notebook in a fresh kernel from its own folder; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # state of an earlier run
    os.environ.setdefault("RESNET_BOOK_PROFILE", "quick")
    os.environ.setdefault("RESNET_BOOK_THREADS", "1")  # committed outputs come from one thread, as nbval runs them
    os.environ.setdefault("RESNET_BOOK_PROGRESS", "text")  # static HTML shows text bars, not dead widgets
    # No stored widget state: myst-nb would then pull the widget manager from a CDN, which offline readers lack.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", coalesce_streams=True, store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        save_executed(path, nb, seconds)
    else:
        check_quiet(path, nb)
    return seconds


def check_quiet(path: Path, nb: nbformat.NotebookNode) -> None:
    """Refuse a run that printed to stderr: nbval on a clean machine would not see it, so the cell would fail."""
    stderr = stderr_outputs(nb)
    if stderr:
        raise RuntimeError(f"{path}: cells wrote to stderr, outputs not written; fix the cause "
                           "(a stale ~/.cache/matplotlib font list prints 'findfont'):\n" +
                           "\n".join(f"  cell {i}: {text[:200]!r}" for i, text in stderr))


def save_executed(path: Path, nb: nbformat.NotebookNode, seconds: float) -> None:
    """Write an executed notebook back with its run's metadata, and refresh what other pages quote of it."""
    import torch

    check_quiet(path, nb)
    nb.metadata["resnet_book"] = {"seconds": round(seconds, 1), "profile": os.environ.get("RESNET_BOOK_PROFILE", "quick"),
                                  "torch": torch.__version__}
    nbformat.write(nb, path)
    write_snapshot([path])  # what other pages quote of this one, shipped with the package (Colab)
    write_claims_snapshot([path])  # its claims, for the Claims and evidence page


def stderr_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, text) of every stderr stream a notebook holds: machine noise that nbval would compare."""
    return [(i, "".join(out.get("text", ""))) for i, cell in enumerate(nb.cells)
            for out in cell.get("outputs", []) if out.get("output_type") == "stream" and out.get("name") == "stderr"]


def table(rows: list[tuple[str, float]]) -> str:
    lines = [f"{'chapter':40s} {'seconds':>8s}  budget {BUDGET_S} s", "-" * 62]
    for name, seconds in rows:
        flag = "" if seconds <= BUDGET_S else "  OVER BUDGET"
        lines.append(f"{name:40s} {seconds:8.1f}{flag}")
    lines.append("-" * 62)
    lines.append(f"{'whole book':40s} {sum(s for _, s in rows):8.1f}  budget 900 s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "times"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--measure", action="store_true", help="with times: execute again instead of reading metadata")
    args = parser.parse_intermixed_args(argv)  # `times --measure chapters/x.ipynb`, as documented above
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    rows = []
    for path in paths:
        if args.command == "run" or args.measure:
            print(f"executing {path} ...", flush=True)
            seconds = execute(path, write=args.command == "run")
        else:
            seconds = nbformat.read(path, as_version=4).metadata.get("resnet_book", {}).get("seconds", float("nan"))
        rows.append((path.stem, seconds))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
