"""Defaults for every pytest run from the repository root, `pytest --nbval chapters/` included.

Notebook kernels inherit this process's environment, so these reach the chapters too:
- text progress bars, the form the committed outputs were executed with (widgets otherwise);
- one torch thread per kernel, so notebooks run in parallel (pytest -n 2) share the 2 cores.
"""
import os

os.environ.setdefault("RESNET_BOOK_PROGRESS", "text")
os.environ.setdefault("RESNET_BOOK_THREADS", "1")
