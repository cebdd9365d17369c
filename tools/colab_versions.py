#!/usr/bin/env python3
"""Check that this interpreter imports the pinned (Colab) versions: `make colab` runs it in .venv-colab first.

    python tools/colab_versions.py requirements-colab.txt

Prints the versions of the book's stack and fails, naming the package, when a pin of the file is not what imports.
"""
from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

IMPORTS = {"ipywidgets": "ipywidgets", "numpy": "numpy", "matplotlib": "matplotlib", "tqdm": "tqdm"}


def main(argv: list[str]) -> int:
    if argv in (["--help"], ["-h"]):
        print(__doc__)
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    pins = {}
    for line in Path(argv[0]).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    import torch

    wrong = []
    for name, module in IMPORTS.items():
        imported = __import__(module).__version__
        if name in pins and imported != pins[name]:
            wrong.append(f"{name} imports {imported}, requirements-colab.txt pins {pins[name]}")
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
          + ", ".join(f"{n} {__import__(m).__version__}" for n, m in IMPORTS.items()))
    for name, version in pins.items():
        if name in IMPORTS:
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong.append(f"{name} is {installed}, requirements-colab.txt pins {version}")
    if wrong:
        print("not Colab's stack: " + "; ".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
