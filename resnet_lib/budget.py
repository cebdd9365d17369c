"""Planned training compute, and the dry run that checks the GPU profile without a GPU.

*Planned compute.* Once installed (below), every training entry point (`train.fit`, `train.fit_regression`) records
what it is about to do before it starts: training images (or samples) x epochs (or steps) x the FLOPs of one
training step per image. One step is a forward and a backward pass, and a backward pass costs about twice the
forward (a gradient for the inputs and one for the weights), so a step is 3 x the forward FLOPs, counted on one
image by `probes.flops` (PyTorch's `FlopCounterMode`, on the meta device where it can: a multiply-add counts as
2 FLOPs; convolutions and matrix products only). `planned()` lists what this process recorded and `total_flops()`
adds it up: the GPU profile keeps every chapter at or under `CHAPTER_BUDGET_FLOPS`, 2 PFLOP, about 8 minutes at
4 TFLOP/s on a Colab T4.

*Attached from outside.* Nothing here runs unless someone installs it: `install()` (or the `planning()` context)
adds `plan_fit` and `plan_steps` to the training loops' hooks (`train.FIT_HOOKS`, `train.STEPS_HOOKS`), and with
``dry_run=True`` also `cap_sizes` to `data.SIZE_HOOKS`. A dry run runs a chapter end to end with every data set
capped to a few hundred images and every training capped to `DRY_RUN_STEPS` steps, while the plan still counts
the full sizes. `tools/dryrun.py` installs it in each chapter's kernel (a first cell), runs the chapter in the GPU
profile on a synthetic CIFAR-10 and prints the planned PFLOP per chapter.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .validation import check_bool, is_int

DRY_RUN_STEPS = 2  # optimiser steps of one capped training (two epochs of one step each for fit)
# Data-set caps of a dry run: a few batches, so that probes and plots of the full-width nets (loss landscapes,
# lesions: dozens of forward passes each) stay within seconds on one CPU core.
DRY_RUN_IMAGES = {"train": 32, "val": 32, "test": 32}
CHAPTER_BUDGET_FLOPS = 2e15  # 2 PFLOP of planned training compute per chapter, GPU profile
BACKWARD_FACTOR = 2  # a backward pass costs about twice the forward
TRAIN_IMAGES = {"fashion_mnist": 60000, "cifar10": 50000}  # the full training sets, for the plan of a dry run


_DRY_RUN = False  # set by install(dry_run=True)


def dry_run() -> bool:
    """Whether a dry run is installed in this process (`install(dry_run=True)`, as tools/dryrun.py does)."""
    return _DRY_RUN


def install(dry_run: bool = False) -> None:
    """Attach the plan to the training loops (and, with ``dry_run``, the caps to the data loader).

    From then on every `train.fit` and `train.fit_regression` records its planned compute (`planned()`), and in a
    dry run trains `DRY_RUN_STEPS` steps on capped data. Installing again replaces the earlier installation.
    """
    global _DRY_RUN
    from . import data, train  # they know nothing of this module: the hooks are the only link

    check_bool("dry_run", dry_run)
    uninstall()
    train.FIT_HOOKS.append(plan_fit)
    train.STEPS_HOOKS.append(plan_steps)
    if dry_run:
        data.SIZE_HOOKS.append(cap_sizes)
    _DRY_RUN = dry_run


def uninstall() -> None:
    """Detach the plan and the caps: the training loops and the loader run as asked again."""
    global _DRY_RUN
    from . import data, train

    for hooks, hook in ((train.FIT_HOOKS, plan_fit), (train.STEPS_HOOKS, plan_steps), (data.SIZE_HOOKS, cap_sizes)):
        while hook in hooks:
            hooks.remove(hook)
    _DRY_RUN = False


@contextmanager
def planning(dry_run: bool = False) -> Iterator[None]:
    """`install` for the duration of a ``with`` block (tests, a script planning one run)."""
    install(dry_run)
    try:
        yield
    finally:
        uninstall()


# ------------------------------------------------------------------------------------------------ FLOP counting

def step_flops(model: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of one training step per image: forward plus a backward of twice the forward.

    `example` is one input without the batch dimension, or a batch whose first element is used.
    """
    if not isinstance(example, torch.Tensor) or example.dim() == 0:
        raise TypeError(f"example must be a tensor holding one input or a batch, got {type(example).__name__}")
    from .probes.counting import flops  # the book's one FLOP counter (imported here: probes import data)

    return (1 + BACKWARD_FACTOR) * flops(model, tuple(example[:1].shape))


def training_flops(model: nn.Module, example: torch.Tensor, *, images: int, epochs: int = 1) -> int:
    """Planned FLOPs of training `model` on `images` images for `epochs` epochs: 3 x forward x images x epochs."""
    for name, value in (("images", images), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an int of at least 0, got {name}={value!r}")
    return step_flops(model, example) * images * epochs


# ---------------------------------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class PlannedTraining:
    """One training as planned: what a table of a chapter's compute lists."""

    desc: str
    flops: int
    images: int  # images (samples) per epoch
    epochs: int  # epochs (for fit_regression: steps, with images = batch size)

    @property
    def pflop(self) -> float:
        return self.flops / 1e15


_PLANNED: list[PlannedTraining] = []


def record(desc: str, flops: int, images: int, epochs: int) -> PlannedTraining:
    """Add one training to this process's plan (the training entry points call this)."""
    entry = PlannedTraining(str(desc), int(flops), int(images), int(epochs))
    _PLANNED.append(entry)
    return entry


def planned() -> list[PlannedTraining]:
    """Every training recorded in this process (this notebook's kernel), in order."""
    return list(_PLANNED)


def total_flops() -> int:
    return sum(entry.flops for entry in _PLANNED)


def reset() -> None:
    _PLANNED.clear()


def report() -> str:
    """A short table of the trainings planned so far and their total, in PFLOP."""
    lines = [f"{'planned training':48s} {'images':>7s} {'epochs':>6s} {'PFLOP':>8s}"]
    for entry in _PLANNED:
        lines.append(f"{entry.desc[:48]:48s} {entry.images:7d} {entry.epochs:6d} {entry.pflop:8.4f}")
    lines.append(f"{'total':48s} {'':7s} {'':6s} {total_flops() / 1e15:8.4f}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- dry-run caps

def cap_sizes(name: str, train_size: int | None, val_size: int, test_size: int | None
              ) -> tuple[int | None, int, int | None, int | None]:
    """(train_size, val_size, test_size, planned_train_size) for `data.load_dataset`.

    Outside a dry run the sizes pass unchanged and planned_train_size is None (the loaded count is the plan).
    In a dry run each size is capped to `DRY_RUN_IMAGES`, and planned_train_size is the count the full run
    would train on (`train_size`, or the whole training set less the validation split when it is None).
    """
    if not dry_run():
        return train_size, val_size, test_size, None

    def is_size(value: Any) -> bool:  # anything else is left for the loader's own checks to refuse
        return is_int(value)

    if not (is_size(val_size) and (train_size is None or is_size(train_size))
            and (test_size is None or is_size(test_size))):
        return train_size, val_size, test_size, None
    if train_size is None:
        planned_train = TRAIN_IMAGES.get(name, 0) - val_size
    else:
        planned_train = train_size
    capped_train = DRY_RUN_IMAGES["train"] if train_size is None else min(train_size, DRY_RUN_IMAGES["train"])
    capped_test = DRY_RUN_IMAGES["test"] if test_size is None else min(test_size, DRY_RUN_IMAGES["test"])
    return capped_train, min(val_size, DRY_RUN_IMAGES["val"]), capped_test, planned_train


def plan_fit(model: nn.Module, data: Any, *, epochs: int, batch_size: int, checkpoint: Any, desc: str
             ) -> tuple[Any, int, int, Any]:
    """Record the planned compute of `train.fit`; in a dry run, cap it. Returns (data, epochs, batch_size,
    checkpoint) to train with.

    The plan counts `data.planned_train_size` images when the loader capped the data (a dry run), else
    every training image. A dry run then trains `DRY_RUN_STEPS` epochs of one batch each and writes no
    checkpoint (a checkpoint of the full run must not be overwritten by a two-step one).
    """
    if not dry_run() and batch_size > len(data.train_x):
        return data, epochs, batch_size, checkpoint  # fit refuses this batch size; nothing to plan
    images = getattr(data, "planned_train_size", None) or len(data.train_x)
    record(desc or type(model).__name__, training_flops(model, data.train_x[:1], images=images, epochs=epochs),
           images, epochs)
    if not dry_run():
        return data, epochs, batch_size, checkpoint
    batch_size = min(batch_size, len(data.train_x))
    capped = _Capped(data.train_x[:batch_size], data.train_y[:batch_size], data.val_x, data.val_y)
    return capped, min(epochs, DRY_RUN_STEPS), batch_size, None


def plan_steps(model: nn.Module, x: torch.Tensor, *, steps: int, batch_size: int, desc: str) -> int:
    """Record the planned compute of `train.fit_regression` (steps x batch x step FLOPs); return the steps to
    run: `steps`, or `DRY_RUN_STEPS` at most in a dry run."""
    record(desc or type(model).__name__, training_flops(model, x[:1], images=batch_size, epochs=steps),
           batch_size, steps)
    return min(steps, DRY_RUN_STEPS) if dry_run() else steps


@dataclass
class _Capped:
    """The four tensors `fit` trains and validates on, cut to one batch of training images."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
