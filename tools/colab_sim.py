#!/usr/bin/env python3
"""Run the chapters as a Colab reader does: `resnet_lib` from a wheel, each notebook alone in an empty folder.

    python tools/colab_sim.py [chapters/*.ipynb] [--seed-offset 1] [-n 2] [--venv .venv-wheel]

Colab opens one notebook and pip-installs `resnet_lib`; the repository's other folders are not there. This is the
strict nbval stage of `make test`, run that way:

1. build the package as a wheel (`pip wheel --no-deps`) into _build/wheel and print its size;
2. install it, not editable, into a virtualenv of its own (default .venv-wheel): torch, nbval and the rest come
   from .venv through a .pth file, as in `make colab`, but `resnet_lib` only from the wheel;
3. copy each notebook alone into an empty temporary folder outside the repository;
4. run strict `pytest --nbval` there with that virtualenv's python: quick profile, one thread per kernel, and every
   seed shifted by --seed-offset (default 1: a seed the committed outputs were not executed with, so each run
   proves the hidden checks hold for a second seed; CONTRIBUTING, claims rule 4).

A page that reads a file from the repository (another chapter's notebook, a results folder) fails here as it would
in Colab; the outputs must match the committed ones as from the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def purelib(python: Path) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def build_wheel(out: Path) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", str(ROOT), "-w", str(out)])
    (wheel,) = out.glob("resnet_lib-*.whl")
    print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB", flush=True)
    return wheel


def wheel_venv(venv: Path, wheel: Path) -> Path:
    """A virtualenv whose own site-packages hold the wheel's resnet_lib and nothing else."""
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    site = Path(purelib(python))
    # Everything else from the main virtualenv (the same torch wheel); a path line in a .pth file does not run the
    # editable install's own .pth files there, so the repository's resnet_lib is not importable.
    (site / "resnet_book_main_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    for old in site.glob("resnet_lib*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--target",
         str(site), "--upgrade", str(wheel)])
    return python


def recorded_seconds(notebook: Path) -> float:
    """The quick-profile execution time `tools/notebooks.py run` recorded in the notebook (0 when absent)."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    return float(metadata.get("resnet_book", {}).get("seconds", 0.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--seed-offset", type=int, default=1, help="RESNET_BOOK_SEED_OFFSET for every chapter")
    parser.add_argument("-n", "--workers", type=int, default=2, help="chapters executed side by side")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-wheel")
    args = parser.parse_args(argv)
    if args.seed_offset < 0:
        parser.error(f"--seed-offset must be a non-negative integer, got {args.seed_offset}")
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))
    # Longest first (each page's recorded quick-profile seconds): two workers then finish together, instead of one
    # starting the longest page when the other has nothing left.
    notebooks.sort(key=recorded_seconds, reverse=True)
    start = time.perf_counter()
    wheel = build_wheel(ROOT / "_build" / "wheel")
    python = wheel_venv(args.venv.resolve(), wheel)
    with tempfile.TemporaryDirectory(prefix="resnet-book-colab-") as tmp:
        folder = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(RESNET_BOOK_PROFILE="quick", RESNET_BOOK_THREADS="1", RESNET_BOOK_PROGRESS="text",
                   RESNET_BOOK_SEED_OFFSET=str(args.seed_offset))
        where = subprocess.run([str(python), "-c", "import resnet_lib; print(resnet_lib.__file__)"], cwd=folder,
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        if not where.startswith(purelib(python)):
            raise SystemExit(f"resnet_lib must come from the wheel, but imports from {where}")
        print(f"resnet_lib from the wheel: {where}", flush=True)
        copies = []
        for notebook in notebooks:
            alone = folder / notebook.stem
            alone.mkdir()
            shutil.copy2(notebook, alone / notebook.name)
            copies.append(str((alone / notebook.name).relative_to(folder)))
        sanitize = folder / "nbval_sanitize.cfg"
        shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", sanitize)
        command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
                   "--nbval", "--nbval-current-env", "--nbval-sanitize-with", sanitize.name]
        if args.workers > 1:
            command += ["-n", str(args.workers), "--dist", "loadfile"]
        result = subprocess.run([*command, *copies], cwd=folder, env=env)
    print(f"Colab simulation: {len(notebooks)} notebooks, seed offset {args.seed_offset}, "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
