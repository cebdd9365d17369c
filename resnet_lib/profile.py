"""Quick (CPU) or full (GPU) sizes, the device, seeding and threads: what every chapter sets up once.

A chapter runs in two profiles, chosen by where the reader runs it, not by the paper. *quick* fits the 2-core
machine that re-executes the whole book in minutes (CPU, CI, laptops). *full* is the GPU profile (chosen by
``auto`` when CUDA is present, e.g. a Colab T4): real CIFAR-10 at 32x32 with the papers' widths and
augmentation, but schedules sized so that each chapter finishes in at most 10 minutes on a T4, that is at most
2 PFLOP of planned training compute (`resnet_lib.budget`). The papers' own 64k-iteration recipes belong to the
reproduction tool, not to a chapter. The experiment code is the same in both profiles; only the sizes differ,
and `sizes()` is the one place a chapter declares them.
"""
from __future__ import annotations

import os
import random
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

PROFILE_VARIABLE = "RESNET_BOOK_PROFILE"
THREADS_VARIABLE = "RESNET_BOOK_THREADS"
SEED_OFFSET_VARIABLE = "RESNET_BOOK_SEED_OFFSET"
PROFILES = ("quick", "full")
WIDTH = 80  # characters of a printed Sizes line: what a book page's output box shows


def active_profile() -> str:
    """The profile this run uses: set by the environment so the same notebook serves a laptop and a GPU."""
    value = os.environ.get(PROFILE_VARIABLE, "auto").strip().lower() or "auto"
    if value == "auto":
        return "full" if torch.cuda.is_available() else "quick"
    if value not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE} must be one of 'quick', 'full', 'auto' (quick: CPU sizes; full: "
                         f"the GPU sizes; auto: full when CUDA is available), "
                         f"got {PROFILE_VARIABLE}={os.environ[PROFILE_VARIABLE]!r}")
    return value


class Sizes(SimpleNamespace):
    """Read-only, so a cell further down cannot quietly change an experiment's size after it was displayed.

    The repr lists the sizes in declaration order: chapters display it, and nbval compares that output.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"sizes are read-only: change {name!r} in the sizes(quick=..., full=...) call")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"sizes are read-only: cannot delete {name!r}")

    def __repr__(self) -> str:
        items = [f"{k}={v!r}" for k, v in vars(self).items()]
        one_line = "Sizes(" + ", ".join(items) + ")"
        if len(one_line) <= WIDTH:
            return one_line
        lines, line = [], "    "  # too long for a book page: wrap, as black would
        for item in items:
            if len(line) + len(item) + 1 > WIDTH and line.strip():
                lines.append(line.rstrip())
                line = "    "
            line += item + ", "
        return "Sizes(\n" + "\n".join(lines + [line.rstrip()]) + "\n)"


def sizes(quick: dict[str, Any], full: dict[str, Any], profile: str | None = None) -> Sizes:
    """Both profiles side by side in one call, so they cannot drift apart; returns the active one."""
    for name, given in (("quick", quick), ("full", full)):
        if not isinstance(given, dict):
            raise TypeError(f"{name} must be a dict of sizes, got {name}={given!r}")
        for key in given:
            if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
                raise ValueError(f"{name} keys must be attribute names not starting with '_', got {key!r}")
    missing_from_full = [k for k in quick if k not in full]
    missing_from_quick = [k for k in full if k not in quick]
    if missing_from_full or missing_from_quick:
        raise ValueError("quick and full must declare the same sizes: "
                         f"missing from full: {missing_from_full}, missing from quick: {missing_from_quick}")
    if profile is None:
        profile = active_profile()
    if profile not in PROFILES:
        raise ValueError(f"profile must be 'quick', 'full' or None (the {PROFILE_VARIABLE} setting), "
                         f"got profile={profile!r}")
    return Sizes(**(quick if profile == "quick" else full))


def device() -> torch.device:
    """The GPU when there is one: the data and the model both live there, so nothing crosses the bus per step."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_offset() -> int:
    """The shift added to every seed the library uses (0 unless ``RESNET_BOOK_SEED_OFFSET`` is set).

    A claim checked at one seed proves little: the robustness tool and CI re-execute the chapters with every seed
    shifted (1, 2, ...), so the same notebook draws other data subsets, other initial weights and other batches,
    and the hidden checks must hold all the same. Chapters never add it themselves: `seed_everything`,
    `generator`, `fit` and `load_dataset` do.
    """
    text = os.environ.get(SEED_OFFSET_VARIABLE, "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError(f"{SEED_OFFSET_VARIABLE} must be a non-negative integer, got "
                         f"{SEED_OFFSET_VARIABLE}={text!r}")
    return int(text)


def offset_seed(seed: int) -> int:
    """`seed` plus the seed offset: the seed a generator really gets, so every entry point shifts together."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got seed={seed!r}")
    return (int(seed) + seed_offset()) % 2**32


def seed_everything(seed: int) -> None:
    """Seed every generator a chapter touches, so a re-run prints the same numbers (on CPU: bit for bit).

    The seed offset is added here (`offset_seed`), so a chapter written with seed 0 runs at seed 1 when the
    robustness tool asks for offset 1.
    """
    seed = offset_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def generator(seed: int) -> torch.Generator:
    """A CPU `torch.Generator` seeded with `seed` plus the seed offset: for a chapter's own random draws."""
    return torch.Generator().manual_seed(offset_seed(seed))


def set_threads(n: int | None = None) -> int:
    """Cap torch's threads so notebook kernels running side by side share the cores instead of fighting."""
    if n is None and os.environ.get(THREADS_VARIABLE, "").strip():
        text = os.environ[THREADS_VARIABLE].strip()
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {THREADS_VARIABLE}={text!r}")
        n = int(text)
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int or None (use {THREADS_VARIABLE}), got n={n!r}")
        torch.set_num_threads(n)
    return torch.get_num_threads()


def describe() -> str:
    """One line for a chapter's first output, so every recorded result says where it came from."""
    version = torch.__version__.split("+")[0]
    return f"profile={active_profile()} device={device().type} threads={torch.get_num_threads()} torch={version}"


def setup(seed: int = 0) -> torch.device:
    """The one call at the top of every chapter: seeded, threads capped, and the device to put things on."""
    seed_everything(seed)
    set_threads()
    return device()
