"""The papers' recipes from the command line: ``python -m resnet_lib.reproduce RECIPE``.

The chapters train small and fast; this runs the experiments at the papers' own sizes (hours on one GPU) with
the same models, data and ``fit()``, on one process or many (``torchrun --nproc-per-node N``, PyTorch's
DistributedDataParallel: NCCL on GPUs, gloo on CPUs). Each configuration writes ``result.json`` (recipe,
configuration, per-epoch history, test error, wall time, hardware, versions) and a checkpoint to its own folder,
so an interrupted run resumes with ``--resume`` and ends where an uninterrupted one ends.

Recipes (``--help`` lists them with their depths):

- ``table6``: He et al. 2016, Table 6 and Fig. 6. CIFAR-10, 45k/5k split, 4-pixel pad, random 32x32 crop and
  flip, batch 128, lr 0.1 divided by 10 at 32k and 48k iterations, stop at 64k (182 epochs of 351 steps),
  weight decay 1e-4, momentum 0.9; ResNet-110 and -1202 warm up at lr 0.01 for the first epoch (the paper's
  "until training error is below 80%", about 400 iterations). ResNet-20 ... 1202 and plain-20 ... 56.
- ``identity-table2``: He et al. 2016b, Table 2: the five unit placements at depth 110 (basic units) and 164
  (bottleneck units), same schedule.
- ``table6-fashion``: Table 6's recipe (schedule, augmentation, depths 20/56/110 and plain 20/56) on Fashion-MNIST
  enlarged to 32x32, for a GPU machine without CIFAR-10 (``tools/gpu_check.py``).
- ``cpu-long``: the Table 6 comparison at a size one CPU core finishes in well under an hour (Fashion-MNIST
  16x16, 20k training images, width 8, 20 epochs, the same step schedule and augmentation).
- ``cpu-depth``: ``cpu-long`` with the crop the paper meant (2 pixels on 16x16, an eighth of the image as 4 is of 32;
  ``cpu-long``'s 4 shifts a quarter), three times the epochs (deeper nets need the steps) and the depth series
  ResNet-20/56/110 against plain-20/56 (ResNet-110: 3.8 steps/s alone on one core here, about 41 minutes).

Each command also draws the recipe's curves into ``OUT/RECIPE/curves.png``. ``--smoke`` shrinks any recipe to seconds on a CPU (512 Fashion-MNIST images at 16x16, width 4, 2 epochs) to
check the pipeline; ``benchmark`` times eager, mixed precision, channels_last and ``torch.compile`` steps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from . import __version__, profile
from .data import load_dataset
from .models import cifar_plain, cifar_resnet, preact_resnet
from .models.preact import UNITS
from .train import History, evaluate, fit
from .validation import check_choice

PREACT_BLOCKS = {110: "basic", 164: "bottleneck"}  # the units of Identity Mappings' two CIFAR depths


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a paper's experiment, except the network's depth and the seed."""

    description: str
    dataset: str
    depths: dict[str, tuple[int, ...]]  # model kind -> depths the recipe defines
    image_size: int | None = None
    train_size: int | None = None  # None: every training image left after the validation split
    val_size: int = 5000
    width: int = 16
    epochs: int = 182  # 64k iterations of batch 128 on 45k images (351 steps an epoch)
    batch_size: int = 128
    lr: float = 0.1
    milestones: tuple[float, ...] = (0.5, 0.75)  # 32k and 48k of 64k iterations
    weight_decay: float = 1e-4
    momentum: float = 0.9
    augment: bool = True
    crop_pad: int = 4  # the random crop's shift in pixels (the paper: 4 on 32x32)
    warmup_depths: tuple[int, ...] = ()  # depths that start at lr/10 for one epoch
    units: tuple[str, ...] = ()  # identity-table2: the placements to compare


RECIPES: dict[str, Recipe] = {
    "table6": Recipe(
        "He et al. 2016, Table 6 / Fig. 6: CIFAR-10 ResNets and plain nets, 64k iterations",
        "cifar10", {"resnet": (20, 32, 44, 56, 110, 1202), "plain": (20, 32, 44, 56)}, warmup_depths=(110, 1202)),
    "identity-table2": Recipe(
        "He et al. 2016b, Table 2: unit placements at depth 110 (basic) and 164 (bottleneck), 64k iterations",
        "cifar10", {"preact": (110, 164)}, warmup_depths=(110, 164), units=UNITS),
    "table6-fashion": Recipe(
        "Table 6's recipe on 32x32 Fashion-MNIST (55k/5k split, 64k iterations): where a GPU has no CIFAR-10",
        "fashion_mnist", {"resnet": (20, 56, 110), "plain": (20, 56)}, image_size=32, warmup_depths=(110,),
        epochs=149),  # 55k images, 429 steps an epoch: 149 epochs are the paper's 64k iterations
    "cpu-long": Recipe(
        "Table 6's comparison on one CPU core: Fashion-MNIST 16x16, 20k images, width 8, 20 epochs",
        "fashion_mnist", {"resnet": (20, 56), "plain": (20, 56)}, image_size=16, train_size=20000, width=8,
        epochs=20),
    "cpu-depth": Recipe(
        "Table 6's depth series on one CPU core: Fashion-MNIST 16x16, a 2-pixel crop (the paper's eighth of the image), "
        "20k images, width 8, 60 epochs",
        "fashion_mnist", {"resnet": (20, 56, 110), "plain": (20, 56)}, image_size=16, train_size=20000, width=8,
        epochs=60, crop_pad=2, warmup_depths=(110,)),
}

SMOKE = dict(dataset="fashion_mnist", image_size=16, train_size=512, val_size=128, width=4, epochs=2, batch_size=64)


@dataclass
class Run:
    """One configuration of a recipe: what ``result.json`` records as its ``config``."""

    recipe: str
    model: str
    depth: int
    seed: int = 0
    unit: str = "original"
    norm: str = "batch"
    smoke: bool = False
    amp: bool | None = None
    channels_last: bool | None = None
    compile: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        unit = f"-{self.unit}" if self.model == "preact" else ""
        norm = "" if self.norm == "batch" else f"-{self.norm}norm"
        return f"{self.model}{self.depth}{unit}{norm}-seed{self.seed}" + ("-smoke" if self.smoke else "")


def _group_norm(channels: int) -> nn.Module:
    return nn.GroupNorm(1, channels)


def build_model(run: Run, num_classes: int, in_channels: int) -> nn.Module:
    """The recipe's network: the same builders the chapters use."""
    options: dict[str, Any] = {"width": run.settings["width"], "num_classes": num_classes, "in_channels": in_channels}
    if run.norm == "none":
        options["norm_layer"] = nn.Identity
    elif run.norm == "group":  # per-image statistics: a process's share normalises as the whole batch would
        options["norm_layer"] = _group_norm
    if run.model == "plain":
        return cifar_plain(run.depth, **options)
    if run.model == "resnet":
        return cifar_resnet(run.depth, **options)
    return preact_resnet(run.depth, block=PREACT_BLOCKS[run.depth], unit=run.unit, **options)


def plan(recipe_name: str, *, model: str | None = None, depth: int | None = None, unit: str | None = None,
         seed: int = 0, smoke: bool = False, norm: str = "batch", **flags: Any) -> list[Run]:
    """Every configuration one command runs, checked before anything trains."""
    if recipe_name not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got recipe={recipe_name!r}")
    recipe = RECIPES[recipe_name]
    settings = asdict(recipe)
    del settings["description"], settings["depths"], settings["units"], settings["warmup_depths"]
    if smoke:
        settings.update(SMOKE)
    kinds = [model] if model is not None else list(recipe.depths)
    runs = []
    for kind in kinds:
        if kind not in recipe.depths:
            raise ValueError(f"model must be one of {', '.join(recipe.depths)} for recipe {recipe_name}, "
                             f"got model={kind!r}")
        depths = recipe.depths[kind] if depth is None else (depth,)
        for d in depths:
            if d not in recipe.depths[kind]:
                allowed = ", ".join(map(str, recipe.depths[kind]))
                raise ValueError(f"depth must be one of {allowed} for {kind} nets in recipe {recipe_name}, "
                                 f"got depth={d}")
            units = [unit] if unit is not None else list(recipe.units or ["original"])
            for u in units:
                if u not in (recipe.units or ("original",)):
                    raise ValueError(f"unit must be one of {', '.join(recipe.units or ('original',))} for recipe "
                                     f"{recipe_name}, got unit={u!r}")
                warmup = 1 if d in recipe.warmup_depths and not smoke else 0
                runs.append(Run(recipe_name, kind, d, seed, u, norm, smoke,
                                settings={**settings, "warmup_epochs": warmup}, **flags))
    return runs


def cpu_model() -> str:
    """The processor's model name ("AMD EPYC 7B13", "Intel(R) Xeon(R) Processor"), as Linux reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_kernels() -> dict[str, str]:
    """The CPU kernel set a run used: the processor, ATen's vector capability and oneDNN's instruction-set cap.

    A CPU training run is bit-for-bit repeatable only under the same kernels: another CPU (or
    ``ATEN_CPU_CAPABILITY`` / ``ONEDNN_MAX_CPU_ISA``) sums in another order, and the difference grows with every
    step. The processor belongs to the key: an Intel and an AMD chip both report AVX-512, yet oneDNN picks
    different code for each (a committed AMD run replayed on an Intel Xeon moved its first-epoch loss by 0.9%).
    `tests/test_reproduce.py` replays a committed run exactly where all three match, within a measured tolerance
    elsewhere.
    """
    return {"cpu_model": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper() or "default"}


def _hardware() -> dict[str, Any]:
    device = profile.device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    return {"device": device.type, "name": name, "cpu_count": os.cpu_count(), "threads": torch.get_num_threads(),
            "world_size": torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1,
            **cpu_kernels()}


def _versions() -> dict[str, str]:
    import torchvision

    return {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
            "resnet_lib": __version__}


def _claim_folder(folder: Path, config: dict[str, Any], resume: bool) -> None:
    """Refuse to mix results: a folder holds one configuration; only --resume continues it."""
    record = folder / "config.json"
    config = json.loads(json.dumps(config))  # as it reads back: tuples become lists
    if record.exists():
        previous = json.loads(record.read_text())
        if previous != config:
            changed = sorted(k for k in set(previous) | set(config) if previous.get(k) != config.get(k))
            raise ValueError(f"out folder {str(folder)!r} holds a different configuration (differs in "
                             f"{', '.join(changed)}): choose another --out")
        if not resume:
            raise ValueError(f"out folder {str(folder)!r} already holds this configuration: pass --resume to "
                             "continue it, or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(config, indent=1, sort_keys=True))


def prepare(run: Run) -> tuple[nn.Module, Any]:
    """The run's seeded initial network and its data: the same every time, so a run can be replayed."""
    settings = run.settings
    profile.seed_everything(run.seed)
    data = load_dataset(settings["dataset"], image_size=settings["image_size"], train_size=settings["train_size"],
                        val_size=settings["val_size"], seed=run.seed)
    return build_model(run, data.num_classes, data.in_channels), data


def train(run: Run, model: nn.Module, data: Any, **options: Any) -> History:
    """``fit()`` with the recipe's schedule; ``options`` are fit's own (checkpoint, resume, until_epoch, ...)."""
    settings = run.settings
    trained: nn.Module = torch.compile(model) if run.compile else model  # type: ignore[assignment]
    return fit(trained, data, epochs=settings["epochs"], lr=settings["lr"], batch_size=settings["batch_size"],
               momentum=settings["momentum"], weight_decay=settings["weight_decay"],
               milestones=settings["milestones"], warmup_epochs=settings["warmup_epochs"],
               augment=settings["augment"], crop_pad=settings["crop_pad"], seed=run.seed, amp=run.amp,
               channels_last=run.channels_last,
               desc=run.name, **options)


def execute(run: Run, out: Path, *, resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Train one configuration and write its result.json; return the result."""
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    folder = out / run.recipe / run.name
    config = asdict(run)
    if rank == 0:
        _claim_folder(folder, config, resume)
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
    model, data = prepare(run)
    start = time.perf_counter()
    history = train(run, model, data, checkpoint=folder / "checkpoint.pt", resume=resume, progress=progress)
    wall = time.perf_counter() - start
    test_loss, test_err = evaluate(model, data.test_x, data.test_y)
    result = {"recipe": run.recipe, "description": RECIPES[run.recipe].description, "config": config,
              "history": history.to_dict(), "test_error": test_err, "test_loss": test_loss,
              "wall_seconds": wall, "hardware": _hardware(), "versions": _versions()}
    if rank == 0:
        (folder / "result.json").write_text(json.dumps(result, indent=1))
    # Every process keeps its final weights: under torchrun they must agree, and a test checks that they do.
    torch.save(model.state_dict(), folder / ("weights.pt" if rank == 0 else f"weights.rank{rank}.pt"))
    return result


COMMITTED = Path(__file__).resolve().parent / "book" / "runs"  # the book's committed long runs, shipped in the wheel


def load_results(folder: str | Path | None = None, recipe: str | None = None) -> dict[str, dict[str, Any]]:
    """Every ``result.json`` (or ``*.json`` copied from one) under ``folder``, keyed by run name, in name order.

    Without ``folder``: the book's committed long runs (``resnet_lib/book/runs/<recipe>/``), which ship inside the
    package, so a page that plots them runs in Colab with the notebook alone. This is how the book reads them:
    pages plot them beside their live runs.
    """
    if recipe is not None:
        check_choice("recipe", recipe, tuple(RECIPES))
    root = COMMITTED if folder is None else Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no results folder at {str(root)!r}: run python -m resnet_lib.reproduce first")
    results = {}
    for path in sorted(root.rglob("*.json")):
        if path.name == "config.json":
            continue
        result = json.loads(path.read_text())
        if "history" in result and (recipe is None or result["recipe"] == recipe):
            results[Run(**result["config"]).name] = result
    return results


def trained_model(name: str, recipe: str, folder: str | Path | None = None) -> nn.Module:
    """A run's final network in eval mode: its configuration rebuilt and its weights loaded.

    Without ``folder``: a committed run (``resnet_lib/book/runs/<recipe>/<name>.json`` and ``<name>.pt``), so a
    chapter can probe a network trained for an hour without training it. With ``folder``: a run made by
    ``execute`` there (``<folder>/<recipe>/<name>/result.json`` and ``weights.pt``).
    """
    check_choice("recipe", recipe, tuple(RECIPES))
    results = load_results(folder, recipe)
    if name not in results:
        raise ValueError(f"name must be a run of recipe {recipe} ({', '.join(results) or 'none found'}), "
                         f"got name={name!r}")
    root = (COMMITTED if folder is None else Path(folder)) / recipe
    weights = root / f"{name}.pt" if folder is None else root / name / "weights.pt"
    if not weights.exists():
        raise FileNotFoundError(f"run {name!r} has no saved weights at {str(weights)!r}")
    config = results[name]["config"]
    run = Run(**config)
    in_channels = 3 if run.settings["dataset"] == "cifar10" else 1
    model = build_model(run, num_classes=10, in_channels=in_channels)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval()


def network_label(config: dict[str, Any]) -> str:
    """The name the chapters give a run's network: "ResNet-56", "plain-20", "pre-act ResNet-110"."""
    names = {"resnet": "ResNet", "plain": "plain", "preact": "pre-act ResNet"}
    return f"{names[config['model']]}-{config['depth']}"


def depth_series(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Final errors of each network over its seeds: ``{label: {"train_err": [...], "test_err": [...], "seeds": [...]}}``.

    Plain nets first, then residual ones, each by depth; each list in seed order. A depth series (Table 6) reads
    as this: one network per depth, every seed kept, so a page can show the spread rather than one lucky run.
    """
    series: dict[str, dict[str, list[float]]] = {}
    ordered = sorted(results.values(), key=lambda r: (r["config"]["model"] != "plain", r["config"]["depth"],
                                                      r["config"]["seed"]))
    for result in ordered:
        entry = series.setdefault(network_label(result["config"]), {"train_err": [], "test_err": [], "seeds": []})
        entry["train_err"].append(result["history"]["train_err"][-1])
        entry["test_err"].append(result["test_error"])
        entry["seeds"].append(result["config"]["seed"])
    return series


def results_table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of final errors and costs, one row per run: what the reproduction page shows."""
    lines = ["| recipe | run | epochs | final training error | test error | minutes | hardware |",
             "|---|---|---:|---:|---:|---:|---|"]
    for name, result in results.items():
        history, hardware = result["history"], result["hardware"]
        lines.append(f"| {result['recipe']} | {name} | {len(history['train_err'])} | "
                     f"{history['train_err'][-1]:.2%} | {result['test_error']:.2%} | "
                     f"{result['wall_seconds'] / 60:.1f} | {hardware['device']}, {hardware['threads']} thread(s) |")
    return "\n".join(lines)


def benchmark(steps: int = 20) -> list[tuple[str, float]]:
    """Images per second of one training step of ResNet-56 on CIFAR-sized input: eager against each speed-up."""
    device = profile.device()
    x = torch.randn(128, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (128,), device=device)
    variants = [("eager fp32", False, False, False), ("mixed precision", True, False, False),
                ("channels_last", False, True, False), ("torch.compile", False, False, True),
                ("all three", True, True, True)]
    rows = []
    for name, amp, channels_last, compiled in variants:
        if device.type == "cpu" and (amp or channels_last):
            continue  # speed-ups for GPUs; on a CPU they only measure emulation
        model = cifar_resnet(56).to(device, memory_format=torch.channels_last if channels_last else torch.preserve_format)
        step_model = torch.compile(model) if compiled else model
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        dtype = torch.bfloat16 if device.type == "cpu" or torch.cuda.is_bf16_supported() else torch.float16

        def step() -> None:
            with torch.autocast(device.type, dtype=dtype, enabled=amp):
                loss = nn.functional.cross_entropy(step_model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        for _ in range(3):  # warm-up (and compilation)
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        rows.append((name, steps * len(x) / (time.perf_counter() - start)))
    return rows


def _parser() -> argparse.ArgumentParser:
    lines = [f"  {name:16} {r.description}; " + "; ".join(f"{k} depths {', '.join(map(str, d))}"
                                                        for k, d in r.depths.items()) for name, r in RECIPES.items()]
    parser = argparse.ArgumentParser(
        prog="python -m resnet_lib.reproduce", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a paper's recipe with resnet_lib's models, data and fit().",
        epilog="recipes:\n" + "\n".join(lines) + "\n  benchmark        time eager, mixed precision, channels_last, "
               "torch.compile\n\nmany GPUs: torchrun --nproc-per-node N -m resnet_lib.reproduce RECIPE ...")
    parser.add_argument("recipe", help=f"one of {', '.join(RECIPES)}, benchmark")
    parser.add_argument("--model", help="which nets of the recipe (default: all), e.g. resnet or plain")
    parser.add_argument("--depth", type=int, help="one depth of the recipe (default: every depth)")
    parser.add_argument("--unit", choices=UNITS, help="identity-table2: one placement (default: all five)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs"), help="output folder (default: runs/)")
    parser.add_argument("--smoke", action="store_true", help="seconds on a CPU: tiny data and nets, 2 epochs")
    parser.add_argument("--resume", action="store_true", help="continue runs found in --out with the same config")
    parser.add_argument("--norm", choices=("batch", "group", "none"), default="batch",
                        help="batch (the papers'; statistics per process, as on the paper's two GPUs), group "
                             "(GroupNorm with one group: per-image statistics, so N processes train exactly as "
                             "one), none")
    parser.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                        help="mixed precision (default: on for CUDA)")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                        help="channels_last memory format (default: on for CUDA)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    profile.set_threads()  # RESNET_BOOK_THREADS, as in the chapters
    if args.recipe == "benchmark":
        for name, rate in benchmark():
            print(f"{name:16} {rate:8.0f} images/s")
        return 0
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    try:
        runs = plan(args.recipe, model=args.model, depth=args.depth, unit=args.unit, seed=args.seed,
                    smoke=args.smoke, norm=args.norm, amp=args.amp, channels_last=args.channels_last,
                    compile=args.compile)
        world = torch.distributed.get_world_size() if distributed else 1
        if runs[0].settings["batch_size"] % world:
            raise ValueError(f"the world size {world} must divide the global batch {runs[0].settings['batch_size']}")
        histories = {}
        for run in runs:
            result = execute(run, args.out, resume=args.resume)
            histories[run.name] = result["history"]
            if not distributed or torch.distributed.get_rank() == 0:
                print(f"{run.name}: test error {result['test_error']:.2%}, final training error "
                      f"{result['history']['train_err'][-1]:.2%}, {result['wall_seconds'] / 60:.1f} min")
        if not distributed or torch.distributed.get_rank() == 0:
            from .figures.plots import plot_history

            figure = plot_history(histories, title=f"{args.recipe}: training and held-out error")
            figure.savefig(args.out / args.recipe / "curves.png", dpi=100)  # beside the runs' result.json
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if distributed:
            torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["RECIPES", "Recipe", "Run", "plan", "prepare", "train", "execute", "load_results", "results_table",
           "network_label", "depth_series", "trained_model",
           "benchmark", "main"]
