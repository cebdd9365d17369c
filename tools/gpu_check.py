#!/usr/bin/env python3
"""The GPU profile measured on a GPU, in one command (issue 25): what a Colab reader waits, and Table 6.

    python tools/gpu_check.py [--out results/gpu] [--minutes 9] [--smoke]

Three measurements, side by side on the one GPU, all within `--minutes` (the lent GPU machine gives 10 a command):

1. **Table 6 on 32x32 Fashion-MNIST** (`reproduce table6-fashion`: the paper's 64k iterations and schedule,
   ResNet-20/56/110 and plain-20/56), one process per network, all started first, with bf16 autocast,
   channels_last and `torch.compile`. Each writes its `result.json` as `python -m resnet_lib.reproduce` does;
   a network still training at the deadline is stopped, and its last finished epoch is kept (`--resume` continues
   it later).
2. **Every chapter in the GPU profile** on the synthetic CIFAR-10 of the dry run (real sizes, no step cap: the
   same compute as on CIFAR-10), one after another while the Table 6 processes train; cells tagged
   `needs-training` (checks on trained results, which synthetic labels cannot pass) are skipped. The minutes are
   therefore an upper bound for a GPU of one's own; `summary.json` says so.
3. **The benchmark recipe**: images/s of ResNet-56 steps, eager against mixed precision, channels_last and compiled.

`--smoke` runs the same code paths on a CPU in well under a minute (a unit test runs it): chapter 0 as a dry run,
Table 6 at `reproduce --smoke` size for two networks, no benchmark. Nothing here needs a network: the GPU
machine reaches none, so Fashion-MNIST travels in the working tree (`RESNET_BOOK_DATA`).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from dryrun import INSTALL_CELL, SKIP_TAG  # noqa: E402

from resnet_lib import data  # noqa: E402

TABLE6 = [("resnet", 20), ("resnet", 56), ("resnet", 110), ("plain", 20), ("plain", 56)]
SMOKE_TABLE6 = [("resnet", 20), ("plain", 20)]


def chapter_notebook(path: Path, dry: bool) -> nbformat.NotebookNode:
    """The chapter without its `needs-training` cells (and, for `--smoke`, with the dry run installed)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [cell for cell in nb.cells if SKIP_TAG not in cell.get("metadata", {}).get("tags", [])]
    if dry:
        nb.cells.insert(1, nbformat.v4.new_code_cell(INSTALL_CELL))
    nb.metadata.pop("widgets", None)
    return nb


def time_chapter(path: Path, dry: bool, timeout: float) -> dict:
    """Execute one chapter in a fresh kernel; its wall time, or what stopped it."""
    from nbclient import NotebookClient

    nb = chapter_notebook(path, dry)
    client = NotebookClient(nb, timeout=max(1, int(timeout)), kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except Exception as exc:  # a failing cell, a timeout, a dead kernel: a row of the table all the same
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"[:300]
    return {"chapter": path.stem, "seconds": round(time.perf_counter() - start, 1), "error": error}


def start_table6(nets: list[tuple[str, int]], out: Path, smoke: bool, log: Path) -> list[subprocess.Popen]:
    """One `reproduce` process per network, all at once (they share the GPU)."""
    log.mkdir(parents=True, exist_ok=True)
    processes = []
    for model, depth in nets:
        command = [sys.executable, "-m", "resnet_lib.reproduce", "table6-fashion", "--model", model, "--depth",
                   str(depth), "--out", str(out), "--resume"]
        command += ["--smoke"] if smoke else ["--compile"]  # bf16 and channels_last are fit's defaults on CUDA
        with open(log / f"{model}{depth}.log", "w") as handle:
            processes.append(subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT))
    return processes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "gpu")
    parser.add_argument("--minutes", type=float, default=9.0, help="the whole command's budget (default 9)")
    parser.add_argument("--smoke", action="store_true", help="the same paths on a CPU, in seconds")
    parser.add_argument("chapters", nargs="*", type=Path, help="default: every chapter (--smoke: chapter 0)")
    args = parser.parse_args(argv)
    if not args.minutes > 0:
        parser.error(f"--minutes must be a positive number, got --minutes={args.minutes}")
    deadline = time.monotonic() + 60 * args.minutes
    import torch

    on_gpu = torch.cuda.is_available()
    if not on_gpu and not args.smoke:
        print("no GPU here: run with --smoke to check the pipeline on a CPU", file=sys.stderr)
        return 2
    chapters = args.chapters or ([ROOT / "chapters" / "00_introduction.ipynb"] if args.smoke
                                 else sorted((ROOT / "chapters").glob("[0-9]*.ipynb")))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d")
    out = args.out / ("smoke" if args.smoke else stamp)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"date": stamp, "device": torch.cuda.get_device_name(0) if on_gpu else platform.processor(),
                     "torch": torch.__version__, "smoke": args.smoke,
                     "note": "chapter minutes measured while the Table 6 processes trained on the same GPU: an upper "
                             "bound for a GPU of one's own"}
    with tempfile.TemporaryDirectory(prefix="resnet_book_gpu_") as temporary:
        # 1. Table 6 first: the long part, in the background.
        processes = start_table6(SMOKE_TABLE6 if args.smoke else TABLE6, out / "runs", args.smoke, out / "logs")
        # 2. The chapters, GPU profile, synthetic CIFAR-10 at its real size (10,000 images a batch file).
        data.write_synthetic_cifar10(temporary, images_per_batch=200 if args.smoke else 10000)
        os.environ.update({"RESNET_BOOK_PROFILE": "full", "RESNET_BOOK_DATA": temporary,
                           "RESNET_BOOK_PROGRESS": "text"})
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        rows = []
        for path in chapters:
            left = deadline - time.monotonic() - 30
            if left <= 0:
                rows.append({"chapter": path.stem, "seconds": None, "error": "not run: the budget was spent"})
                continue
            rows.append(time_chapter(path, dry=args.smoke, timeout=left))
            print(f"{rows[-1]['chapter']}: {rows[-1]['seconds']} s {rows[-1]['error']}", flush=True)
        summary["chapters"] = rows
    # 3. The benchmark, then Table 6's processes until the deadline.
    if not args.smoke and deadline - time.monotonic() > 60:
        bench = subprocess.run([sys.executable, "-m", "resnet_lib.reproduce", "benchmark"], capture_output=True,
                               text=True, cwd=ROOT, timeout=max(1, deadline - time.monotonic() - 20))
        summary["benchmark"] = bench.stdout.strip().splitlines()
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.terminate()  # its last finished epoch stays in its checkpoint; --resume continues it
            process.wait(timeout=30)
    summary["table6"] = {p.args[p.args.index("--model") + 1] + p.args[p.args.index("--depth") + 1]: p.returncode
                         for p in processes}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    failed = [r for r in summary["chapters"] if r["error"]] + [k for k, v in summary["table6"].items() if v]
    return 1 if args.smoke and failed else 0


if __name__ == "__main__":
    sys.exit(main())
