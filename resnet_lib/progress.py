"""Progress of a training run: a live bar in Jupyter and Colab, one summary line where outputs are recorded.

The chapters' committed outputs (the static HTML, nbval) are written with ``RESNET_BOOK_PROGRESS=text``: a recorded
bar would only show its last state, cut at the page's edge, and its timing differs on every machine. Kept out of
the training loop, which only calls ``update``, ``set_postfix_str`` and ``close``.
"""
from __future__ import annotations

import os
import time
from typing import Any

PROGRESS_VARIABLE = "RESNET_BOOK_PROGRESS"  # "text": one summary line per run (static HTML, nbval); else widgets


class _RunSummary:
    """Where outputs are recorded (static HTML, nbval): no bar, one short line per run when it ends, e.g.
    ``cifar_plain(20) in 10 s: epoch 8/8, train err 18.9%, held-out err 20.5%``.

    A recorded bar only showed its last state, cut at the page's edge; live progress stays in Jupyter and Colab.
    """

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.total, self.desc, self.enabled = total, desc or "training", enabled
        self.n, self.postfix, self.start = 0, "", time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, postfix: str) -> None:
        self.postfix = postfix

    def close(self) -> None:
        if not self.enabled:
            return
        seconds = time.perf_counter() - self.start
        elapsed = f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
        done = self.postfix or f"{self.n} steps"
        if self.n < self.total:
            done = f"stopped after {self.n} of {self.total} steps" + (f", {self.postfix}" if self.postfix else "")
        print(f"{self.desc} in {elapsed}: {done}", flush=True)


def progress_bar(total: int, desc: str, enabled: bool) -> Any:
    """A summary line where outputs are recorded (static HTML, nbval), a live widget bar in a Jupyter session."""
    if os.environ.get(PROGRESS_VARIABLE, "").strip().lower() == "text":
        return _RunSummary(total, desc, enabled)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc or None, disable=not enabled, unit="step", mininterval=0.5)
