#!/usr/bin/env python3
"""Add (or remove, or list) a cell tag by cell id, without re-executing or reformatting the notebook otherwise.

    python tools/tag_cells.py chapters/02_degradation.ipynb 6886e42d 9a18afcc      add `needs-training`
    python tools/tag_cells.py --remove chapters/02_degradation.ipynb 6886e42d      remove it
    python tools/tag_cells.py --list chapters/*.ipynb                              which cells carry it
    python tools/tag_cells.py --tag remove-cell chapters/02_degradation.ipynb ...  another tag

`needs-training` marks a check on trained results: the dry run of the GPU profile (tools/dryrun.py), which
trains two steps, skips those cells and runs every other one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

DEFAULT_TAG = "needs-training"


def tag_cells(path: Path, ids: list[str], tag: str = DEFAULT_TAG, remove: bool = False) -> list[str]:
    """Tag (or untag) the cells with these ids in place; return the ids changed. Unknown ids are an error."""
    nb = nbformat.read(path, as_version=4)
    by_id = {cell.get("id"): cell for cell in nb.cells}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise SystemExit(f"ids must be cell ids of {path}, got unknown ids {unknown}; known: {sorted(by_id)}")
    changed = []
    for cell_id in ids:
        tags = by_id[cell_id].setdefault("metadata", {}).setdefault("tags", [])
        if remove and tag in tags:
            tags.remove(tag)
            changed.append(cell_id)
        elif not remove and tag not in tags:
            tags.append(tag)
            changed.append(cell_id)
    if changed:
        nbformat.write(nb, path)
    return changed


def tagged(path: Path, tag: str = DEFAULT_TAG) -> list[tuple[str, str]]:
    """(cell id, first line) of every cell carrying `tag`."""
    nb = nbformat.read(path, as_version=4)
    return [(cell.get("id"), cell.source.splitlines()[0] if cell.source else "") for cell in nb.cells
            if tag in cell.get("metadata", {}).get("tags", [])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("ids", nargs="*", help="cell ids (with --list: more notebooks)")
    parser.add_argument("--tag", default=DEFAULT_TAG)
    parser.add_argument("--remove", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for path in [args.notebook, *map(Path, args.ids)]:
            for cell_id, first in tagged(path, args.tag):
                print(f"{path}  {cell_id}  {first[:70]}")
        return 0
    if not args.ids:
        parser.error("ids: give at least one cell id (or --list)")
    changed = tag_cells(args.notebook, args.ids, args.tag, args.remove)
    print(f"{args.notebook}: {'untagged' if args.remove else 'tagged'} {len(changed)} cells {args.tag!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
