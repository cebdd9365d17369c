"""`python -m resnet_lib.bench`: is `fit()` as fast as the loop a reader would write by hand?

Both train the same seeded model on the same batches with the same optimizer and schedule, and validate once per
epoch; the bare loop keeps no statistics at all, so it is the lower bound on time. Runs alternate (bare, fit,
fit, bare, ...) after a warm-up, and the best time of each counts, so a noisy neighbour on the machine does not
decide the result. On the CPU the two also end with bit-identical weights: the trainer computes nothing else.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import torch
import torch.nn.functional as F
from torch import nn

from . import profile
from .data import Dataset, batches, load_dataset, random_crop_flip
from .models import cifar_resnet
from .train import amp_dtype, fit, learning_rate

TARGET_RATIO = 0.95
DEFAULTS = {  # per profile: the sizes of a short but representative run
    "quick": dict(dataset="fashion_mnist", image_size=16, width=8, train_size=4000, val_size=1000, epochs=2),
    "full": dict(dataset="cifar10", image_size=32, width=16, train_size=45000, val_size=5000, epochs=2),
}


def bare_loop(model: nn.Module, data: Dataset, *, epochs: int, lr: float = 0.1, batch_size: int = 128,
              momentum: float = 0.9, weight_decay: float = 1e-4, milestones: tuple[float, ...] = (0.5, 0.75),
              augment: bool = True, seed: int = 0, amp: bool = False, channels_last: bool = False) -> None:
    """The reference: a plain PyTorch loop doing the same training and validation, and nothing more."""
    device = data.train_x.device
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model.to(device=device, memory_format=memory_format)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    total_steps = epochs * (len(data.train_x) // batch_size)
    step = 0
    # The same precision as fit(): bf16 where the hardware has it, else fp16 with loss scaling (Colab's T4).
    dtype = amp_dtype(device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp and dtype == torch.float16)

    def autocast() -> AbstractContextManager:
        return torch.autocast(device.type, dtype=dtype) if amp else nullcontext()

    for _ in range(epochs):
        model.train()
        for xb, yb in batches(data.train_x, data.train_y, batch_size, shuffle=True, generator=generator,
                              augment=random_crop_flip if augment else None, drop_last=True):
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, total_steps, lr=lr, milestones=milestones)
            with autocast():
                loss = F.cross_entropy(model(xb.contiguous(memory_format=memory_format)), yb)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
        model.eval()
        with torch.no_grad(), autocast():
            wrong = sum((model(data.val_x[i:i + 1024]).argmax(1) != data.val_y[i:i + 1024]).sum()
                        for i in range(0, len(data.val_x), 1024))
        float(wrong)  # read the validation error, as any loop would


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a busy shared CPU the second is the steadier witness."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    chosen = profile.active_profile()
    defaults = DEFAULTS[chosen]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["fashion_mnist", "cifar10"], default=defaults["dataset"])
    parser.add_argument("--image-size", type=int, default=defaults["image_size"])
    parser.add_argument("--train-size", type=int, default=defaults["train_size"])
    parser.add_argument("--val-size", type=int, default=defaults["val_size"])
    parser.add_argument("--epochs", type=int, default=defaults["epochs"])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--width", type=int, default=defaults["width"])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each, alternating (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: $RESNET_BOOK_THREADS, else torch's choice); on a shared CPU, "
                             "1 is the steadiest")
    parser.add_argument("--no-augment", dest="augment", action="store_false", help="skip the crop+flip augmentation")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1 or (args.threads is not None and args.threads < 1):
        parser.error(f"--repeats, --epochs and --threads must be at least 1, "
                     f"got {args.repeats}, {args.epochs} and {args.threads}")

    device = profile.setup(seed=0)
    profile.set_threads(args.threads)
    amp = channels_last = device.type == "cuda"  # what fit() does by default
    data = load_dataset(args.dataset, image_size=args.image_size, train_size=args.train_size,
                        val_size=args.val_size, test_size=0, device=device)
    settings = dict(batch_size=args.batch_size, augment=args.augment, amp=amp, channels_last=channels_last)
    images = args.epochs * (len(data.train_x) // args.batch_size) * args.batch_size
    print(profile.describe())
    print(f"{data}\ncifar_resnet({args.depth}, width={args.width}), {args.epochs} epochs, {images} images, "
          f"batch {args.batch_size}, augment={args.augment}, amp={amp}, channels_last={channels_last}")

    models: dict[str, nn.Module] = {}

    def run(kind: str, epochs: int) -> tuple[float, float]:
        profile.seed_everything(0)  # the same initial weights for both contenders
        model = cifar_resnet(args.depth, width=args.width, num_classes=data.num_classes, in_channels=data.in_channels)
        models[kind] = model
        if kind == "bare":
            return timed(lambda: bare_loop(model, data, epochs=epochs, **settings))
        return timed(lambda: fit(model, data, epochs=epochs, progress=False, **settings))

    run("bare", 1), run("fit", 1)  # warm-up: allocator, kernel caches, lazy imports
    best = {(kind, clock): float("inf") for kind in ("bare", "fit") for clock in ("wall", "cpu")}
    for repeat in range(args.repeats):
        order = ("bare", "fit") if repeat % 2 == 0 else ("fit", "bare")  # alternate, so drift hits both
        seconds = {kind: run(kind, args.epochs) for kind in order}
        for kind, (wall, cpu) in seconds.items():
            best[kind, "wall"], best[kind, "cpu"] = min(best[kind, "wall"], wall), min(best[kind, "cpu"], cpu)
        print(f"run {repeat + 1}: bare {images / seconds['bare'][0]:7.0f} images/s   "
              f"fit {images / seconds['fit'][0]:7.0f} images/s")
    wall_ratio = best["bare", "wall"] / best["fit", "wall"]
    cpu_ratio = best["bare", "cpu"] / best["fit", "cpu"]
    identical = all(torch.equal(a, b) for a, b in zip(models["bare"].state_dict().values(),
                                                       models["fit"].state_dict().values()))
    verdict = "OK" if wall_ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"best: bare {images / best['bare', 'wall']:.0f} images/s, fit {images / best['fit', 'wall']:.0f} images/s")
    print(f"throughput ratio fit/bare = {wall_ratio:.3f} (target >= {TARGET_RATIO}: {verdict}); "
          f"by CPU time {cpu_ratio:.3f}")
    print(f"identical final weights: {identical}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
