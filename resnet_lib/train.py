"""`fit()`: the one training loop of the book, SGD with momentum and weight decay as in the paper.

Three promises, each tested:

- *Reproducible.* On the CPU, the same seed gives the same history bit for bit. `fit` seeds its own generator
  for shuffling and augmentation from `seed`; the model's initial weights are the caller's: call
  `profile.seed_everything(seed)` before building the model.
- *Resumable.* With `checkpoint=`, the state after every epoch is written atomically; a run interrupted after
  epoch k and started again continues from there and ends exactly where the uninterrupted run ends. A finished
  checkpoint makes a re-run of the cell instant.
- *Fast.* Losses and errors are summed on the device and read once per epoch, so the loop runs at the speed
  of a bare PyTorch loop (`python -m resnet_lib.bench` measures it).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .profile import generator as seeded_generator
from .progress import progress_bar
from .data import batches, random_crop_flip
from .validation import (
    check_batch,
    check_bool,
    check_choice,
    check_int,
    check_module,
    check_number,
    check_optional_bool,
    check_positive,
    check_positive_int,
    is_number,
)

# Extension points of the two training loops, empty unless something installs a hook (resnet_lib.budget.install,
# which tools/dryrun.py calls, records each training's planned compute and, in a dry run, caps it). A fit hook takes
# (model, data, *, epochs, batch_size, checkpoint, desc) and returns (data, epochs, batch_size, checkpoint) to train
# with; a steps hook takes (model, x, *, steps, batch_size, desc) and returns the steps to run.
FIT_HOOKS: list[Callable[..., tuple[Any, int, int, Any]]] = []
STEPS_HOOKS: list[Callable[..., int]] = []

SCHEDULES = ("step", "cosine", "onecycle", "constant")
METRICS = ("train_loss", "train_err", "val_loss", "val_err", "seconds", "lr")
CHECKPOINT_FORMAT = 1


@dataclass
class History:
    """Per-epoch curves (and optionally per-step losses) as plain lists, so they plot, save and compare easily.

    `seconds` (wall time of each epoch, training plus validation) is the only field that differs between runs.
    """

    train_loss: list[float] = field(default_factory=list)
    train_err: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_err: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def final(self, metric: str) -> float:
        """The last epoch's value: what a results table reports."""
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, got metric={metric!r}")
        values = getattr(self, metric)
        if not values:
            raise ValueError(f"the history is empty: no epoch has finished, so there is no final {metric}")
        return values[-1]

    def to_dict(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict[str, list[float]]) -> History:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"values must only hold the keys {sorted(known)}, got unknown keys {unknown}")
        return cls(**{name: [float(v) for v in values[name]] for name in values})

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(0 epochs)"
        return (f"History({self.epochs} epochs: train_err={self.train_err[-1]:.4f}, "
                f"val_err={self.val_err[-1]:.4f}, train_loss={self.train_loss[-1]:.4f})")


def learning_rate(step: int, total_steps: int, *, lr: float, schedule: str = "step",
                  milestones: tuple[float, ...] = (0.5, 0.75), warmup_steps: int = 0) -> float:
    """The learning rate at `step`, a pure function so a chapter can plot a schedule without training.

    step:     divide by 10 at each milestone, a fraction of training (the paper: 32k and 48k of 64k iterations)
    cosine:   half a cosine from `lr` down to 0
    onecycle: rise linearly from lr/10 to lr over the first 30 % of training, then half a cosine down to 0
    constant: `lr` throughout
    The first `warmup_steps` use lr/10, as the paper does for ResNet-110 (its deepest CIFAR net).
    """
    check_int("step", step, minimum=0)
    check_positive_int("total_steps", total_steps)
    check_positive("lr", lr)
    check_choice("schedule", schedule, SCHEDULES)
    check_milestones(milestones)
    check_int("warmup_steps", warmup_steps, minimum=0)
    if step < warmup_steps:
        return lr / 10
    progress = step / total_steps
    if schedule == "step":
        return lr / 10 ** sum(step >= m * total_steps for m in milestones)
    if schedule == "cosine":
        return lr * 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == "onecycle":
        if progress < 0.3:
            return lr * (0.1 + 0.9 * progress / 0.3)
        return lr * 0.5 * (1 + math.cos(math.pi * (progress - 0.3) / 0.7))
    return lr  # "constant"


def check_milestones(milestones: object) -> tuple[float, ...]:
    """Milestones are fractions of training (0.5 = halfway), not step or epoch numbers: 32000 would never be
    reached and the schedule would silently stay at ``lr``."""
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, (tuple, list)):
        raise TypeError(f"milestones must be a tuple of fractions of training such as (0.5, 0.75), "
                        f"got milestones={milestones!r} ({type(milestones).__name__})")
    for index, milestone in enumerate(milestones):
        if not is_number(milestone):
            raise TypeError(f"milestones[{index}] must be a number, got milestones={milestones!r}")
        if not 0 < milestone < 1:
            raise ValueError(f"milestones must be fractions of training strictly between 0 and 1 (not step or "
                             f"epoch numbers), got milestones={milestones!r}")
    return tuple(float(m) for m in milestones)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024, *,
             amp: bool = False) -> tuple[float, float]:
    """(mean cross-entropy, error rate in [0, 1]) in eval mode, so BatchNorm uses its running statistics.

    The model's previous mode is restored, so evaluating in the middle of training changes nothing.
    """
    check_module("model", model)
    check_batch(x, y)
    check_positive_int("batch_size", batch_size)
    check_bool("amp", amp)
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=x.device)
    wrong = torch.zeros((), device=x.device, dtype=torch.long)
    try:
        with torch.no_grad(), _autocast(x.device, amp):
            for start in range(0, len(x), batch_size):
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
                logits = model(xb)
                loss_sum += F.cross_entropy(logits.float(), yb, reduction="sum")
                wrong += (logits.argmax(dim=1) != yb).sum()
    finally:
        model.train(was_training)
    return loss_sum.item() / len(x), wrong.item() / len(x)


def amp_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the hardware has it (CPU, Ampere and newer GPUs); fp16 elsewhere, e.g. Colab's T4."""
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def _autocast(device: torch.device, enabled: bool) -> Any:
    return torch.autocast(device_type=device.type, dtype=amp_dtype(device)) if enabled else nullcontext()


def _distributed() -> tuple[int, int]:
    """(rank, world size) under torchrun with an initialised process group, else (0, 1)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _shard(xb: torch.Tensor, yb: torch.Tensor, rank: int, world: int) -> tuple[torch.Tensor, torch.Tensor]:
    """This process's share of a global batch: every process draws the same seeded batch and keeps a slice,
    so each sees its part of every epoch (DistributedSampler's semantics) and the union is a single process's batch."""
    if world == 1:
        return xb, yb
    share = len(xb) // world
    return xb[rank * share:(rank + 1) * share], yb[rank * share:(rank + 1) * share]


def _save_atomically(state: dict[str, Any], path: Path) -> None:
    """Write to a temporary file, then rename: a crash mid-write never leaves a broken checkpoint behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)


def fit(model: nn.Module, data: Any, *, epochs: int, lr: float = 0.1, batch_size: int = 128,
        momentum: float = 0.9, weight_decay: float = 1e-4, schedule: str = "step",
        milestones: tuple[float, ...] = (0.5, 0.75), warmup_epochs: int = 0, augment: bool = False,
        crop_pad: int = 4, seed: int = 0, checkpoint: str | Path | None = None, resume: bool = True,
        amp: bool | None = None, channels_last: bool | None = None, log_steps: bool = False, progress: bool = True,
        desc: str = "", until_epoch: int | None = None) -> History:
    """Train `model` on `data.train_x/train_y` and validate on `data.val_x/val_y` after every epoch.

    The model moves to the data's device. Every epoch is full batches of a fresh seeded shuffle (a short last
    batch is dropped). `augment=True` is the paper's 4-pixel crop and horizontal flip; `crop_pad` changes the
    shift (the paper's 4 pixels are an eighth of a 32-pixel image: 2 keeps that share on 16x16). `amp` (bf16 autocast;
    fp16 with loss scaling where bf16 is missing)
    and `channels_last` default to on for CUDA, off elsewhere. With `checkpoint`, the state after each epoch is
    saved there and, when `resume`, picked up again; a checkpoint of a different configuration is an error.
    `until_epoch` stops after that epoch of the `epochs`-long schedule, as an interrupted run would (a later
    call with `resume` continues it); tests use it to replay the start of a long run.
    """
    for name in ("train_x", "train_y", "val_x", "val_y"):
        if not isinstance(getattr(data, name, None), torch.Tensor):
            raise TypeError(f"data must have tensors train_x, train_y, val_x, val_y (a data.Dataset), "
                            f"got data of type {type(data).__name__} without a tensor {name}")
    check_module("model", model)
    check_positive_int("epochs", epochs)
    check_positive("lr", lr)
    check_positive_int("batch_size", batch_size)
    check_number("momentum", momentum, 0.0, 1.0, high_inclusive=False)  # 1 or more: the steps grow without end
    check_number("weight_decay", weight_decay, 0.0)
    check_int("warmup_epochs", warmup_epochs, minimum=0)
    check_int("crop_pad", crop_pad, minimum=0)
    check_choice("schedule", schedule, SCHEDULES)
    for name, flag in (("augment", augment), ("resume", resume), ("log_steps", log_steps), ("progress", progress)):
        check_bool(name, flag)
    check_optional_bool("amp", amp)
    check_optional_bool("channels_last", channels_last)
    check_int("seed", seed)
    if until_epoch is not None:
        check_int("until_epoch", until_epoch, minimum=1, maximum=epochs)
    check_milestones(milestones)
    if warmup_epochs >= epochs:
        raise ValueError(f"warmup_epochs must be less than epochs={epochs}, got warmup_epochs={warmup_epochs}")
    for hook in FIT_HOOKS:  # what someone outside installed, e.g. the dry run's plan and caps (budget.install)
        data, epochs, batch_size, checkpoint = hook(model, data, epochs=epochs, batch_size=batch_size,
                                                    checkpoint=checkpoint, desc=desc)
    until_epoch = None if until_epoch is None else min(until_epoch, epochs)
    train_count = len(data.train_x)
    rank, world = _distributed()
    if batch_size % world:
        raise ValueError(f"batch_size must be divisible by the world size {world} (the global batch is split "
                         f"evenly between processes), got batch_size={batch_size}")
    if batch_size > train_count:
        raise ValueError(f"batch_size must be at most the {train_count} training images, got batch_size={batch_size}")

    device = data.train_x.device
    amp = device.type == "cuda" if amp is None else amp
    channels_last = device.type == "cuda" if channels_last is None else channels_last
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model.to(device=device, memory_format=memory_format)
    # Under torchrun, DistributedDataParallel averages the gradients of the processes' shares after backward.
    network = model if world == 1 else nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    # fp16 has a narrow range: scale the loss so small gradients do not flush to zero (bf16 needs no scaling).
    scaler = torch.amp.GradScaler(device.type, enabled=amp and amp_dtype(device) == torch.float16)
    generator = seeded_generator(seed)  # seed plus the seed offset (profile.seed_offset)
    steps_per_epoch = train_count // batch_size
    total_steps = epochs * steps_per_epoch

    def lr_at(step: int) -> float:
        return learning_rate(step, total_steps, lr=lr, schedule=schedule, milestones=tuple(milestones),
                             warmup_steps=warmup_epochs * steps_per_epoch)

    config = dict(epochs=epochs, lr=float(lr), batch_size=batch_size, momentum=float(momentum),
                  weight_decay=float(weight_decay), schedule=schedule, milestones=[float(m) for m in milestones],
                  warmup_epochs=warmup_epochs, augment=bool(augment), crop_pad=crop_pad, seed=seed, amp=amp,
                  channels_last=channels_last, log_steps=bool(log_steps), train_size=train_count)
    history, first_epoch = History(), 0
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None and resume and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=True)  # RNG states must stay on the CPU
        differences = [f"{k}: {state['config'].get(k)!r} != {v!r}" for k, v in config.items()
                       if state["config"].get(k) != v]
        if differences:
            raise ValueError(f"checkpoint {str(path)!r} was written by a different run "
                             f"({'; '.join(differences)}): delete it or pass resume=False")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if torch.cuda.is_available() and state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        history, first_epoch = History.from_dict(state["history"]), state["epoch"]

    augmentation = partial(random_crop_flip, pad=crop_pad) if augment else None
    bar = progress_bar(total_steps, desc, progress and rank == 0)
    bar.update(first_epoch * steps_per_epoch)
    try:
        for epoch in range(first_epoch, epochs if until_epoch is None else until_epoch):
            start = time.perf_counter()
            model.train()
            step = epoch * steps_per_epoch
            loss_sum = torch.zeros((), device=device)
            wrong = torch.zeros((), device=device, dtype=torch.long)
            step_losses = []
            history.lr.append(lr_at(step))
            for xb, yb in batches(data.train_x, data.train_y, batch_size, shuffle=True, generator=generator,
                                  augment=augmentation, drop_last=True):
                for group in optimizer.param_groups:
                    group["lr"] = lr_at(step)
                xb, yb = _shard(xb, yb, rank, world)
                xb = xb.contiguous(memory_format=memory_format)
                with _autocast(device, amp):
                    logits = network(xb)
                    loss = F.cross_entropy(logits, yb)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                loss = loss.detach()
                loss_sum += loss
                wrong += (logits.detach().argmax(dim=1) != yb).sum()
                if log_steps:
                    step_losses.append(loss)
                step += 1
                bar.update()
            val_loss, val_err = evaluate(model, data.val_x, data.val_y, amp=amp) if len(data.val_x) else (
                math.nan, math.nan)
            if world > 1:  # every process records the whole batch's numbers
                torch.distributed.all_reduce(loss_sum)
                torch.distributed.all_reduce(wrong)
                loss_sum /= world
            history.train_loss.append(loss_sum.item() / steps_per_epoch)  # the one sync of the epoch
            history.train_err.append(wrong.item() / (steps_per_epoch * batch_size))
            history.val_loss.append(val_loss)
            history.val_err.append(val_err)
            if log_steps:
                history.step_loss.extend(torch.stack(step_losses).float().tolist())
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix_str(f"epoch {epoch + 1}/{epochs}, train err {history.train_err[-1]:.1%}, "
                                f"held-out err {val_err:.1%}")
            if path is not None and rank == 0:
                _save_atomically({
                    "format": CHECKPOINT_FORMAT, "config": config, "epoch": epoch + 1,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                    "scheduler": {"step": step, "total_steps": total_steps}, "history": history.to_dict(),
                    "generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                }, path)
    finally:
        bar.close()
    return history


def fit_regression(model: nn.Module, x: torch.Tensor, target: torch.Tensor, *, steps: int, lr: float = 0.01,
                   batch_size: int = 64, momentum: float = 0.9, seed: int = 0, progress: bool = True,
                   desc: str = "") -> list[float]:
    """Fit `model(x) ≈ target` by mean squared error with SGD; return the loss of every step.

    For questions `fit()` cannot ask, such as "how hard is it for these layers to learn the identity?"
    (`target = x`). Batches are drawn with replacement from a generator seeded by `seed`.
    """
    check_module("model", model)
    check_batch(x, target, names=("x", "target"))
    check_positive_int("steps", steps)
    check_positive("lr", lr)
    check_positive_int("batch_size", batch_size)
    check_number("momentum", momentum, 0.0, 1.0, high_inclusive=False)
    check_bool("progress", progress)
    model.to(x.device).train()
    for hook in STEPS_HOOKS:  # e.g. the dry run's plan and cap (budget.install)
        steps = hook(model, x, steps=steps, batch_size=batch_size, desc=desc)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    generator = seeded_generator(seed)
    losses = torch.zeros(steps, device=x.device)
    bar = progress_bar(steps, desc, progress)
    try:
        for step in range(steps):
            index = torch.randint(len(x), (batch_size,), generator=generator).to(x.device)
            loss = F.mse_loss(model(x[index]), target[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses[step] = loss.detach()
            bar.update()
    finally:
        bar.close()
    return losses.tolist()
