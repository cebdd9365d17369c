#!/usr/bin/env python3
"""Dry run of the GPU profile on the CPU, and the planned training compute of every chapter.

    python tools/dryrun.py [chapters/*.ipynb] [--data DIR] [--jobs N] [--markdown]

Each chapter runs top to bottom in a fresh kernel, in the GPU profile (RESNET_BOOK_PROFILE=full), as a dry run
(`resnet_lib.budget.install(dry_run=True)` in a cell added after the setup cell): data sets capped to a few hundred
images, every training cut to two steps, and no checkpoint written. CIFAR-10 comes from a synthetic copy in the real `cifar-10-batches-py` pickle layout (written
into a temporary folder, or `--data DIR` holding one), so the loader runs unchanged. Cells tagged
`needs-training` (checks on trained results, which two steps cannot show) are skipped; every other cell runs.
Nothing is written back to the notebooks.

The table gives each chapter's planned training compute in the GPU profile (the sum over its trainings of
epochs x training images x 3 x forward FLOPs of one image, see resnet_lib/budget.py) against the budget of
2 PFLOP. Exit status 1 when a chapter fails or is over budget.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resnet_lib import budget, data  # noqa: E402

SKIP_TAG = "needs-training"
PLAN_MARKER = "RESNET_BOOK_PLAN "
PLAN_CELL = ("import json as _json, resource as _resource\nfrom resnet_lib import budget as _budget\n"
             "_usage = _resource.getrusage(_resource.RUSAGE_SELF)\n"
             f"print({PLAN_MARKER!r} + _json.dumps({{'planned': [vars(e) for e in _budget.planned()], "
             "'cpu': _usage.ru_utime + _usage.ru_stime}))")
# The plan and the caps attach to the training loops from outside (resnet_lib.budget.install), right after the
# setup cell, before the chapter loads any data.
INSTALL_CELL = "from resnet_lib import budget as _budget\n_budget.install(dry_run=True)"
TIMEOUT_S = 600  # per cell


def dry_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """The notebook without its `needs-training` cells, with the dry run installed after the setup cell and a last
    cell printing the plan; and the skip count."""
    kept = [cell for cell in nb.cells if SKIP_TAG not in cell.get("metadata", {}).get("tags", [])]
    skipped = len(nb.cells) - len(kept)
    nb = nbformat.from_dict({**nb, "cells": kept})
    nb.cells.insert(1, nbformat.v4.new_code_cell(INSTALL_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(PLAN_CELL))
    return nb, skipped


def run_one(path: str) -> dict:
    """Execute one chapter dry; return its row of the table (or the error)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb, skipped = dry_notebook(nbformat.read(path, as_version=4))
    nb.metadata.pop("widgets", None)
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    row = {"chapter": path.stem, "cells": sum(c.cell_type == "code" for c in nb.cells) - 1, "skipped": skipped,
           "planned": [], "cpu": float("nan"), "error": None}
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        row["error"] = str(error).strip().splitlines()[-1][:300] if str(error).strip() else repr(error)
        row["error_detail"] = str(error)[-3000:]
    except Exception as error:  # a dead kernel, a timeout: report it for this chapter, go on with the others
        row["error"] = f"{type(error).__name__}: {error}"[:300]
    row["seconds"] = time.perf_counter() - start
    for output in nb.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(PLAN_MARKER):
                reported = json.loads(line[len(PLAN_MARKER):])
                row["planned"], row["cpu"] = reported["planned"], reported["cpu"]
    row["flops"] = sum(entry["flops"] for entry in row["planned"])
    row["slowest"] = sorted(((_cell_seconds(cell), cell.get("id"), cell.source.split("\n")[0][:50])
                             for cell in nb.cells if cell.cell_type == "code"), reverse=True)[:5]
    return row


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    """Execution time of a cell as nbclient records it (0 when it did not run)."""
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def check_data_folder(folder: Path) -> Path:
    """`--data` must hold a complete cifar-10-batches-py folder (synthetic or real)."""
    cifar = folder / data.CIFAR10_FOLDER
    missing = [name for name in data.CIFAR10_FILES if not (cifar / name).is_file()]
    if missing:
        raise SystemExit(
            f"--data must be a folder holding {data.CIFAR10_FOLDER}/ with {', '.join(data.CIFAR10_FILES)}; "
            f"{cifar} is missing {', '.join(missing)}. Write a synthetic one with "
            f"`python tools/synthetic_cifar.py {folder}`, or leave out --data to use a temporary one.")
    return folder


def table(rows: list[dict], markdown: bool = False) -> str:
    limit = budget.CHAPTER_BUDGET_FLOPS / 1e15
    if markdown:
        lines = ["| chapter | trainings | planned PFLOP (GPU profile) | minutes at 4 TFLOP/s |", "|---|---:|---:|---:|"]
        for row in rows:
            lines.append(f"| {row['chapter']} | {len(row['planned'])} | {row['flops'] / 1e15:.2f} | "
                         f"{row['flops'] / 4e12 / 60:.1f} |")
        total = sum(row["flops"] for row in rows)
        lines.append(f"| whole book | {sum(len(r['planned']) for r in rows)} | {total / 1e15:.2f} | "
                     f"{total / 4e12 / 60:.1f} |")
        return "\n".join(lines)
    lines = [f"{'chapter':30s} {'cells':>5s} {'skip':>4s} {'wall s':>6s} {'cpu s':>6s} {'trainings':>9s} {'PFLOP':>7s}"
             f"  budget {limit:g} PFLOP", "-" * 86]
    for row in rows:
        flag = "  OVER BUDGET" if row["flops"] > budget.CHAPTER_BUDGET_FLOPS else ""
        flag += f"  FAILED: {row['error']}" if row["error"] else ""
        lines.append(f"{row['chapter']:30s} {row['cells']:5d} {row['skipped']:4d} {row['seconds']:6.1f} {row['cpu']:6.1f} "
                     f"{len(row['planned']):9d} {row['flops'] / 1e15:7.3f}{flag}")
    lines.append("-" * 86)
    lines.append(f"{'whole book':30s} {'':5s} {'':4s} {sum(r['seconds'] for r in rows):6.1f} "
                 f"{sum(r['cpu'] for r in rows):6.1f} "
                 f"{sum(len(r['planned']) for r in rows):9d} {sum(r['flops'] for r in rows) / 1e15:7.3f}")
    return "\n".join(lines)


SLOW_FIRST = ("07_preactivation",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--data", type=Path, help="folder holding cifar-10-batches-py (default: a synthetic one "
                                                  "in a temporary folder)")
    parser.add_argument("--jobs", type=int, default=2, help="chapters run side by side (default 2)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown (README)")
    parser.add_argument("--verbose", action="store_true", help="every planned training, and full errors")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be a positive integer, got --jobs={args.jobs}")
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"notebooks must be existing .ipynb files, got {str(path)!r}")
    with tempfile.TemporaryDirectory(prefix="resnet_book_dryrun_") as temporary:
        if args.data is None:
            folder = Path(temporary)
            data.write_synthetic_cifar10(folder)
        else:
            folder = check_data_folder(args.data)
        os.environ.update({"RESNET_BOOK_PROFILE": "full",
                           "RESNET_BOOK_DATA": str(folder.resolve()), "RESNET_BOOK_PROGRESS": "text"})
        os.environ.setdefault("RESNET_BOOK_THREADS", "1")
        # The kernels import this checkout's resnet_lib, whatever else is installed.
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        start = time.perf_counter()
        # The slowest chapter first, so that it does not run alone at the end: chapter 7 (1001-layer nets at the GPU
        # profile's width) took 201 s of the whole book's 277 s wall on 2026-12-05, submitted last of twelve.
        order = sorted(paths, key=lambda path: path.stem not in SLOW_FIRST)
        with ProcessPoolExecutor(max_workers=min(args.jobs, len(paths))) as pool:
            rows = sorted(pool.map(run_one, [str(p) for p in order]), key=lambda row: row["chapter"])
        wall = time.perf_counter() - start
    if args.verbose:
        for row in rows:
            print(f"{row['chapter']}:")
            for entry in row["planned"]:
                print(f"  {entry['desc'][:50]:50s} {entry['images']:7d} x {entry['epochs']:5d}  "
                      f"{entry['flops'] / 1e15:.4f} PFLOP")
            for seconds, cell_id, first in row.get("slowest", []):
                print(f"  slow cell {cell_id} {seconds:6.1f} s  {first}")
            if row.get("error_detail"):
                print(row["error_detail"])
    print(table(rows))
    print(f"dry run of {len(rows)} chapters: {wall:.0f} s wall")
    if args.markdown:
        print()
        print(table(rows, markdown=True))
    bad = [r["chapter"] for r in rows if r["error"] or r["flops"] > budget.CHAPTER_BUDGET_FLOPS]
    if bad:
        print(f"FAILED or over the {budget.CHAPTER_BUDGET_FLOPS / 1e15:g} PFLOP budget: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
