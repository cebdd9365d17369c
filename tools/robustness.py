#!/usr/bin/env python3
"""Re-execute chapters with every seed shifted, and under other CPU kernels, and tabulate their claims.

    python tools/robustness.py [chapters/*.ipynb] [--offsets 0 1 2 3 4] [--kernels default avx2] [--jobs 2]

Each run executes a chapter top to bottom in a fresh kernel, quick profile, one thread, with
RESNET_BOOK_SEED_OFFSET set (every seed the library uses moves by the offset: data subsets, initial weights,
batches) and RESNET_BOOK_CLAIMS=record (a failing `claim()` is recorded, not raised, so every claim of the chapter
is measured). `--kernels avx2` also sets ATEN_CPU_CAPABILITY=avx2 and ONEDNN_MAX_CPU_ISA=AVX2: other float kernels,
as on another CPU. The notebooks are not written.

The results go to resnet_lib/book/runs/robustness/<chapter>.json (rows of other offsets and kernels are kept), with
the date, the machine and a fingerprint of each claim's check cell, so the *Claims and evidence* page can say when a
claim's spread was measured and whether its check changed since. The table printed at the end lists, per chapter
and run, the claims that failed and their values; the exit status is 1 when any claim failed or a cell raised.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from resnet_lib.book.claims import ROBUSTNESS, notebook_claims  # noqa: E402

OUT = ROBUSTNESS  # shipped with the package: the Claims and evidence page reads it, in Colab too
KERNELS = {"default": {}, "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}}


def run_one(path: str, offset: int, kernels: str, timeout: int) -> dict:
    """Execute one chapter at one seed offset under one kernel set; return its claims and any error."""
    env = {"RESNET_BOOK_PROFILE": "quick", "RESNET_BOOK_THREADS": "1", "RESNET_BOOK_SEED_OFFSET": str(offset),
           "RESNET_BOOK_CLAIMS": "record", "RESNET_BOOK_PROGRESS": "text", **KERNELS[kernels]}
    for key in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA"):
        os.environ.pop(key, None)
    os.environ.update(env)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else repr(exc)
    except Exception as exc:  # a dead kernel or a time-out: still a row, with what went wrong
        error = f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    records = notebook_claims(nb)
    claims = [{key: record[key] for key in ("name", "value", "holds", "thresholds", "kind")} for record in records]
    return dict(chapter=Path(path).stem, offset=offset, kernels=kernels, seconds=round(seconds, 1), error=error,
                claims=claims, fingerprints={record["name"]: record["fingerprint"] for record in records})


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__.split('+')[0]}, "
            f"CPU capability {torch.backends.cpu.get_cpu_capability()}")


def merge(rows: list[dict], path: Path) -> dict:
    """Add this run's rows to the file, replacing rows of the same chapter, offset and kernels."""
    old = json.loads(path.read_text()) if path.exists() else {"runs": []}
    keys = {(r["chapter"], r["offset"], r["kernels"]) for r in rows}
    kept = [r for r in old.get("runs", []) if (r["chapter"], r["offset"], r["kernels"]) not in keys]
    stamp = {"date": datetime.date.today().isoformat(), "machine": machine()}
    runs = sorted(kept + [dict(r, **stamp) for r in rows], key=lambda r: (r["chapter"], r["kernels"], r["offset"]))
    return {"about": "python tools/robustness.py: chapters re-executed at seed offsets and CPU kernel sets",
            "runs": runs}


def table(rows: list[dict]) -> str:
    lines = [f"{'chapter':34s} {'offset':>6s} {'kernels':8s} {'seconds':>8s}  claims  failed (value)", "-" * 100]
    for r in rows:
        failed = [f"{c['name']} ({c['value']:.4g})" if isinstance(c["value"], float) else f"{c['name']} ({c['value']})"
                  for c in r["claims"] if not c["holds"]]
        held = sum(c["holds"] for c in r["claims"])
        text = ", ".join(failed) + (f"  ERROR: {r['error']}" if r["error"] else "")
        lines.append(f"{r['chapter']:34s} {r['offset']:6d} {r['kernels']:8s} {r['seconds']:8.1f}  "
                     f"{held:3d}/{len(r['claims']):<3d} {text or 'none'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--offsets", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--kernels", nargs="+", choices=sorted(KERNELS), default=["default"])
    parser.add_argument("--jobs", type=int, default=2, help="chapters executed side by side (one thread each)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder of per-chapter JSON files to update")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    for offset in args.offsets:
        if offset < 0:
            parser.error(f"--offsets must be non-negative integers, got {offset}")
    paths = args.notebooks or sorted(p for p in (ROOT / "chapters").glob("*.ipynb"))
    jobs = [(str(p), o, k) for p in paths for k in args.kernels for o in args.offsets]
    rows = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, p, o, k, args.timeout): (p, o, k) for p, o, k in jobs}
        for future in concurrent.futures.as_completed(futures):
            row = future.result()
            rows.append(row)
            bad = sum(not c["holds"] for c in row["claims"])
            print(f"{row['chapter']} offset {row['offset']} {row['kernels']}: {row['seconds']:.0f} s, "
                  f"{len(row['claims'])} claims, {bad} failed{', ERROR ' + row['error'] if row['error'] else ''}",
                  flush=True)
    rows.sort(key=lambda r: (r["chapter"], r["kernels"], r["offset"]))
    print(table(rows))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        for chapter in sorted({r["chapter"] for r in rows}):
            path = args.out / f"{chapter}.json"
            path.write_text(json.dumps(merge([r for r in rows if r["chapter"] == chapter], path), indent=1) + "\n")
            print(f"written: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if any(r["error"] or not all(c["holds"] for c in r["claims"]) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
