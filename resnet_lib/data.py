"""Fashion-MNIST and CIFAR-10 as normalised tensors already on the training device.

Both data sets are small enough to live in (GPU) memory whole, so there is no DataLoader: a batch is an index
into a tensor, and the paper's augmentation is a few tensor operations on the batch. That keeps the training
loop fast on a 2-core CPU and on a GPU alike.

Nothing here needs the network unless asked to (``download=True``), and then only torchvision's downloader.
"""
from __future__ import annotations

import functools
import gzip
import os
import pickle
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import profile
from .validation import (
    check_batch,
    check_bool,
    check_callable,
    check_choice,
    check_int,
    check_positive_int,
    check_tensor,
    is_int,
)

DATA_VARIABLE = "RESNET_BOOK_DATA"
# Installed from outside (resnet_lib.budget.install with dry_run=True): (name, train_size, val_size, test_size) ->
# (train_size, val_size, test_size, planned_train_size); empty otherwise, so the sizes asked for are the sizes loaded.
SIZE_HOOKS: list[Callable[..., tuple]] = []
DEFAULT_DATA_DIR = Path("~/.cache/resnet_book")
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # the dataset-fashion-mnist package
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
CLASSES = {
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}
DEFAULT_VAL_SIZE = 5000  # the paper's CIFAR-10 split: 45k train / 5k validation


def data_dir(root: str | Path | None = None) -> Path:
    """Where data sets are kept: `root`, else $RESNET_BOOK_DATA, else ~/.cache/resnet_book (outside the repo)."""
    if root is None:
        root = os.environ.get(DATA_VARIABLE, "").strip() or DEFAULT_DATA_DIR
    if not isinstance(root, (str, Path)):
        raise TypeError(f"root must be a path or None, got root={root!r}")
    return Path(root).expanduser()


# ---------------------------------------------------------------------------------------------- Fashion-MNIST

def _idx_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _has_fashion_mnist(folder: Path) -> bool:
    return all(_idx_file(folder, stem) is not None for stem in FASHION_MNIST_FILES.values())


def find_fashion_mnist(download: bool = False, root: str | Path | None = None) -> Path:
    """The folder holding the four IDX files, found offline first: the book must build without a network."""
    check_bool("download", download)
    base = data_dir(root)
    candidates = [base / "fashion-mnist", base / "FashionMNIST" / "raw", DEBIAN_FASHION_MNIST]
    for folder in candidates:
        if _has_fashion_mnist(folder):
            return folder
    failure = ""
    if download:
        try:
            import torchvision

            for train in (True, False):
                torchvision.datasets.FashionMNIST(root=str(base), train=train, download=True)
        except Exception as error:  # no network, proxy, disk full: all end in the same advice
            failure = f" The download into {base} failed: {type(error).__name__}: {error}."
        if _has_fashion_mnist(base / "FashionMNIST" / "raw"):
            return base / "FashionMNIST" / "raw"
    searched = ", ".join(str(c) for c in candidates)
    files = ", ".join(f"{stem}.gz" for stem in FASHION_MNIST_FILES.values())
    raise FileNotFoundError(
        f"Fashion-MNIST not found (looked in {searched}).{failure} Get it in one of three ways: "
        f"(1) sudo apt-get install dataset-fashion-mnist; "
        f"(2) put {files} (gzipped or not) in {base / 'fashion-mnist'} "
        f"(the folder is ${DATA_VARIABLE}/fashion-mnist, default ~/.cache/resnet_book/fashion-mnist); "
        f"(3) run once with internet and download=True, so torchvision downloads it into {base}.")


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (the MNIST family's format: a magic number, the dimensions, raw uint8) with numpy alone."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        raw = file.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"path must be an IDX file of unsigned bytes (magic 0x0000 08 nd), got {str(path)!r}")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"path holds {data.size} values but its header says shape {shape}: {str(path)!r}")
    return data.reshape(shape)


@functools.lru_cache(maxsize=2)
def _fashion_mnist_arrays(folder: Path) -> tuple[np.ndarray, ...]:
    arrays = [read_idx(_idx_file(folder, stem)) for stem in FASHION_MNIST_FILES.values()]
    train_x, train_y, test_x, test_y = arrays
    return train_x[:, None], train_y, test_x[:, None], test_y  # add the channel axis: N x 1 x 28 x 28


# ---------------------------------------------------------------------------------------------------- CIFAR-10

def find_cifar10(download: bool = False, root: str | Path | None = None) -> Path:
    """The cifar-10-batches-py folder (CIFAR's own pickle format); downloads only when allowed."""
    check_bool("download", download)
    base = data_dir(root)
    folder = base / CIFAR10_FOLDER
    if all((folder / name).is_file() for name in CIFAR10_FILES):
        return folder
    failure = ""
    if download:
        try:
            import torchvision

            torchvision.datasets.CIFAR10(root=str(base), train=True, download=True)
        except Exception as error:  # no network, proxy, disk full: all end in the same advice
            failure = f" The download into {base} failed: {type(error).__name__}: {error}."
        if all((folder / name).is_file() for name in CIFAR10_FILES):
            return folder
    missing = [name for name in CIFAR10_FILES if not (folder / name).is_file()]
    raise FileNotFoundError(
        f"CIFAR-10 not found: expected {', '.join(CIFAR10_FILES)} in {folder}"
        f"{'' if len(missing) == len(CIFAR10_FILES) else ', missing ' + ', '.join(missing)}.{failure} "
        f"Get it in one of two ways: "
        f"(1) run once with internet and download=True, so torchvision downloads it into {base}; "
        f"(2) download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz and extract it into {base} "
        f"(the folder is ${DATA_VARIABLE}, default ~/.cache/resnet_book).")


@functools.lru_cache(maxsize=2)
def _cifar10_arrays(folder: Path) -> tuple[np.ndarray, ...]:
    def read(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        images, labels = [], []
        for name in names:
            with open(folder / name, "rb") as file:
                batch = pickle.load(file, encoding="bytes")
            images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
        return np.concatenate(images), np.concatenate(labels)

    return (*read(CIFAR10_FILES[:5]), *read(CIFAR10_FILES[5:]))


def write_synthetic_cifar10(root: str | Path, images_per_batch: int = 200, seed: int = 0) -> Path:
    """Write a small fake CIFAR-10 in the real `cifar-10-batches-py` pickle layout under `root`; return the folder.

    For the dry run of the GPU profile (no CIFAR-10 on a CI machine, no network): `find_cifar10` and
    `load_dataset("cifar10", root=root)` read it unchanged. Five training batches and a test batch of
    `images_per_batch` 32x32 colour images each, classes in turn (balanced), every class a blurred colour
    pattern of its own plus noise, so the images are not constant; and a `batches.meta` with the class names.
    """
    message = (f"images_per_batch must be an int of at least 10 (one image per class), "
               f"got images_per_batch={images_per_batch!r}")
    if not is_int(images_per_batch):
        raise TypeError(message)
    if images_per_batch < 10:
        raise ValueError(message)
    check_int("seed", seed)
    folder = Path(root).expanduser() / CIFAR10_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    patterns = rng.uniform(40, 215, size=(10, 3, 4, 4)).repeat(8, axis=2).repeat(8, axis=3)  # 10 x 3 x 32 x 32
    for index, name in enumerate(CIFAR10_FILES):
        labels = [(index * images_per_batch + i) % 10 for i in range(images_per_batch)]
        noise = rng.normal(0, 30, size=(images_per_batch, 3, 32, 32))
        images = np.clip(patterns[labels] + noise, 0, 255).astype(np.uint8)
        batch = {b"batch_label": f"synthetic {name}".encode(), b"labels": labels,
                 b"data": images.reshape(images_per_batch, 3 * 32 * 32),
                 b"filenames": [f"synthetic_{index}_{i}.png".encode() for i in range(images_per_batch)]}
        with open(folder / name, "wb") as file:
            pickle.dump(batch, file)
    with open(folder / "batches.meta", "wb") as file:
        pickle.dump({b"label_names": [c.encode() for c in CLASSES["cifar10"]],
                     b"num_cases_per_batch": images_per_batch, b"num_vis": 3072}, file)
    _cifar10_arrays.cache_clear()  # a folder of the same name may have been read before
    return folder


# ----------------------------------------------------------------------------------------------------- Dataset

@dataclass(repr=False)
class Dataset:
    """Everything an experiment needs in one object; `mean`/`std` let plots undo the normalisation."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    planned_train_size: int | None = None  # in a dry run: the training images the capped set stands in for

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def in_channels(self) -> int:
        return self.train_x.shape[1]

    @property
    def image_size(self) -> int:
        return self.train_x.shape[-1]

    def __repr__(self) -> str:
        return (f"Dataset({self.name}: {self.in_channels}x{self.image_size}x{self.image_size}, "
                f"{self.num_classes} classes, train={len(self.train_y)} val={len(self.val_y)} "
                f"test={len(self.test_y)}, device={self.train_x.device.type})")


def balanced_subset(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Indices of `count` labels taken round-robin over the classes in a seeded order: every class equally."""
    check_int("count", count, minimum=0, maximum=len(labels))
    order = np.random.default_rng(seed).permutation(len(labels))
    shuffled = labels[order]
    rank = np.zeros(len(labels), dtype=np.int64)  # position of each image among its own class, in seeded order
    for label in np.unique(shuffled):
        where = shuffled == label
        rank[where] = np.arange(where.sum())
    return np.sort(order[np.argsort(rank, kind="stable")[:count]])


def _check_size(name: str, value: int | None, allowed_max: int, dataset: str) -> None:
    if value is None:
        return
    check_int(name, value, minimum=0)
    if value > allowed_max:
        raise ValueError(f"{name} must be at most {allowed_max} for {dataset}, got {name}={value}")


def _to_float(images: np.ndarray, image_size: int | None, device: torch.device) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device=device, dtype=torch.float32).div_(255)
    if image_size is not None and image_size != x.shape[-1] and len(x):
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True, align_corners=False)
    return x


def load_dataset(name: str = "fashion_mnist", *, image_size: int | None = None, train_size: int | None = None,
                 val_size: int = DEFAULT_VAL_SIZE, test_size: int | None = None,
                 device: str | torch.device | None = None, seed: int = 0, root: str | Path | None = None,
                 download: bool = True) -> Dataset:
    """Seeded, class-balanced subsets on `device` (default: the profile's device), normalised per channel.

    The data is looked for offline first (see `find_fashion_mnist`, `find_cifar10`); only when it is missing
    and `download=True` (the default, so a chapter runs unchanged in Colab) does torchvision download it.
    `download=False` never touches the network and says how to get the data instead.
    The validation images are carved out of the *training* set, so the test set stays untouched until the end.
    `image_size` shrinks the images (bilinear, antialiased) for the quick profile. `train_size=None` takes
    every training image left after the validation split; `test_size=None` the whole test set.
    """
    check_choice("name", name, tuple(CLASSES))
    if image_size is not None:
        check_int("image_size", image_size, minimum=4)
    check_int("val_size", val_size, minimum=0)
    check_int("seed", seed)
    check_bool("download", download)
    planned_train_size = None  # a dry run (budget.install) loads a few batches and remembers what the plan counts
    for hook in SIZE_HOOKS:
        train_size, val_size, test_size, planned_train_size = hook(name, train_size, val_size, test_size)
    try:
        device = profile.device() if device is None else torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got device={device!r}") from error
    if name == "fashion_mnist":
        arrays = _fashion_mnist_arrays(find_fashion_mnist(download=download, root=root))
    else:
        arrays = _cifar10_arrays(find_cifar10(download=download, root=root))
    all_train_x, all_train_y, all_test_x, all_test_y = arrays
    _check_size("val_size", val_size, len(all_train_y), name)
    _check_size("train_size", train_size, len(all_train_y) - val_size, f"{name} with val_size={val_size}")
    _check_size("test_size", test_size, len(all_test_y), name)

    seed = profile.offset_seed(seed)  # the robustness tool's seed offset draws other subsets too
    val_index = balanced_subset(all_train_y, val_size, seed)
    rest = np.setdiff1d(np.arange(len(all_train_y)), val_index)
    train_count = len(rest) if train_size is None else train_size
    train_index = rest[balanced_subset(all_train_y[rest], train_count, seed + 1)]
    test_index = balanced_subset(all_test_y, len(all_test_y) if test_size is None else test_size, seed + 2)

    def tensors(images: np.ndarray, labels: np.ndarray, index: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return _to_float(images[index], image_size, device), torch.from_numpy(labels[index].astype(np.int64)).to(device)

    train_x, train_y = tensors(all_train_x, all_train_y, train_index)
    val_x, val_y = tensors(all_train_x, all_train_y, val_index)
    test_x, test_y = tensors(all_test_x, all_test_y, test_index)
    if len(train_x) == 0:
        raise ValueError(f"train_size must be at least 1, got train_size={train_size}")
    mean = train_x.mean(dim=(0, 2, 3), keepdim=True)
    std = train_x.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    for x in (train_x, val_x, test_x):
        x.sub_(mean).div_(std)
    return Dataset(name=name, train_x=train_x, train_y=train_y, val_x=val_x, val_y=val_y, test_x=test_x,
                   test_y=test_y, classes=CLASSES[name], mean=tuple(mean.flatten().tolist()),
                   std=tuple(std.flatten().tolist()), planned_train_size=planned_train_size)


# ------------------------------------------------------------------------------------------ augmentation, batches

def random_crop_flip(x: torch.Tensor, pad: int = 4, generator: torch.Generator | None = None) -> torch.Tensor:
    """The paper's augmentation on a whole batch at once: zero-pad by `pad`, crop back at a random offset, and
    flip half the images left-right. One gather on the batch's own device: no PIL, no per-image Python loop.

    The random numbers come from `generator` (on the CPU), so the result depends on the seed, not the device.
    """
    check_tensor("x", x, ndim=4)
    check_int("pad", pad, minimum=0)
    n, channels, height, width = x.shape
    shifts = torch.randint(0, 2 * pad + 1, (2, n), generator=generator)
    flips = (torch.rand(n, generator=generator) < 0.5).long()
    # one small copy to the device, non-blocking: a GPU keeps computing while the next batch is prepared
    row_shift, col_shift, flip = torch.cat([shifts, flips[None]]).to(x.device, non_blocking=True)[:, :, None]
    rows = row_shift + torch.arange(height, device=x.device)  # n x height: rows of the padded image
    cols = col_shift + torch.arange(width, device=x.device)
    cols = torch.where(flip.bool(), cols.flip(1), cols)  # n x width, reversed where flipped
    padded = F.pad(x, (pad, pad, pad, pad))
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(channels, device=x.device)[None, :, None, None]
    return padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]


def batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, *, shuffle: bool,
            generator: torch.Generator | None = None,
            augment: Callable[..., torch.Tensor] | None = None,
            drop_last: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches as index slices of tensors already on the device: the whole 'data loader' of the book.

    `augment(xb, generator=generator)` (e.g. `random_crop_flip`) runs on each batch. `drop_last` skips a final
    short batch, so BatchNorm never sees a batch of one and every step costs the same.
    """
    check_batch(x, y)
    batch_size = check_positive_int("batch_size", batch_size)
    check_bool("shuffle", shuffle)
    check_bool("drop_last", drop_last)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got generator={generator!r}")
    if augment is not None:
        check_callable("augment", augment, "random_crop_flip, or None")
    # The checks above run at the call; the batches themselves come lazily.
    return _batches(x, y, batch_size, shuffle, generator, augment, drop_last)


def _batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool, generator: torch.Generator | None,
             augment: Callable[..., torch.Tensor] | None, drop_last: bool) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    count = len(x)
    order = torch.randperm(count, generator=generator).to(x.device, non_blocking=True) if shuffle else None
    stop = count - count % batch_size if drop_last else count
    for start in range(0, stop, batch_size):
        if order is None:
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        else:
            index = order[start:start + batch_size]
            xb, yb = x[index], y[index]
        if augment is not None:
            xb = augment(xb, generator=generator)
        yield xb, yb
