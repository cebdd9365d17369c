"""resnet_lib.data: offline loaders (real Debian files, tiny IDX and CIFAR files), splits, augmentation, batches."""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from resnet_lib import data
from resnet_lib.data import balanced_subset, batches, load_dataset, random_crop_flip, read_idx

HAS_DEBIAN_FILES = data._has_fashion_mnist(data.DEBIAN_FASHION_MNIST)


def write_idx(path: Path, array: np.ndarray, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def write_tiny_fashion_mnist(folder: Path, compress: bool) -> dict[str, np.ndarray]:
    """60 training and 20 test images, 6 and 2 of each class, with recognisable pixel values."""
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, (60, 28, 28)), "train_labels": np.arange(60) % 10,
              "test_images": rng.integers(0, 256, (20, 28, 28)), "test_labels": np.arange(20) % 10}
    folder.mkdir(parents=True)
    for key, stem in data.FASHION_MNIST_FILES.items():
        write_idx(folder / stem, arrays[key], compress)
    return arrays


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder and no Debian package: the situation of a fresh offline machine."""
    monkeypatch.setenv("RESNET_BOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")
    return tmp_path / "data"


@pytest.mark.parametrize("compress", [True, False])
def test_tiny_idx_files_in_the_data_folder_are_read_exactly(no_data: Path, compress: bool) -> None:
    arrays = write_tiny_fashion_mnist(no_data / "fashion-mnist", compress)
    assert data.find_fashion_mnist(download=False) == no_data / "fashion-mnist"
    assert np.array_equal(read_idx(next((no_data / "fashion-mnist").glob("train-images*"))), arrays["train_images"])
    ds = load_dataset("fashion_mnist", train_size=40, val_size=10, device="cpu", download=False)
    assert (ds.train_x.shape, ds.val_x.shape, ds.test_x.shape) == ((40, 1, 28, 28), (10, 1, 28, 28), (20, 1, 28, 28))
    assert (ds.num_classes, ds.in_channels, ds.image_size, ds.classes[0]) == (10, 1, 28, "T-shirt/top")
    # undo the normalisation: the pixels are the file's bytes, and each test image keeps its own label
    test_pixels = (ds.test_x * ds.std[0] + ds.mean[0]) * 255
    assert torch.allclose(test_pixels, torch.tensor(arrays["test_images"], dtype=torch.float32)[:, None], atol=1e-3)
    assert torch.equal(ds.test_y, torch.arange(20) % 10)
    assert abs(ds.train_x.mean().item()) < 1e-5 and abs(ds.train_x.std().item() - 1) < 1e-2


@pytest.mark.skipif(not HAS_DEBIAN_FILES, reason="Debian package dataset-fashion-mnist not installed")
def test_real_fashion_mnist_from_the_debian_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_BOOK_DATA", str(tmp_path))
    ds = load_dataset("fashion_mnist", image_size=16, train_size=2000, val_size=500, test_size=1000,
                      device="cpu", download=False)
    assert ds.train_x.shape == (2000, 1, 16, 16) and ds.train_x.dtype == torch.float32
    assert repr(ds) == "Dataset(fashion_mnist: 1x16x16, 10 classes, train=2000 val=500 test=1000, device=cpu)"
    for labels, count in ((ds.train_y, 200), (ds.val_y, 50), (ds.test_y, 100)):
        assert torch.bincount(labels).tolist() == [count] * 10  # class-balanced subsets
    again = load_dataset("fashion_mnist", image_size=16, train_size=2000, val_size=500, test_size=1000,
                         device="cpu", download=False)
    assert torch.equal(again.train_x, ds.train_x) and torch.equal(again.val_y, ds.val_y)  # seeded
    other = load_dataset("fashion_mnist", image_size=16, train_size=2000, val_size=500, test_size=1000,
                         device="cpu", download=False, seed=1)
    assert not torch.equal(other.train_x, ds.train_x)
    with pytest.raises(ValueError, match=r"train_size must be at most 55000 for fashion_mnist.*got train_size=70000"):
        load_dataset("fashion_mnist", train_size=70000, device="cpu", download=False)


def test_validation_is_carved_from_training_and_disjoint() -> None:
    labels = np.arange(1000) % 10
    val = balanced_subset(labels, 100, seed=0)
    rest = np.setdiff1d(np.arange(1000), val)
    train = rest[balanced_subset(labels[rest], 300, seed=1)]
    assert len(set(val) | set(train)) == 400
    assert np.bincount(labels[train]).tolist() == [30] * 10
    assert np.array_equal(balanced_subset(labels, 100, seed=0), val)


def write_tiny_cifar10(folder: Path) -> np.ndarray:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    first = None
    for name in data.CIFAR10_FILES:
        images = rng.integers(0, 256, (20, 3072)).astype(np.uint8)  # CIFAR rows: 1024 red, 1024 green, 1024 blue
        first = images if first is None else first
        with open(folder / name, "wb") as file:
            pickle.dump({b"data": images, b"labels": list(np.arange(20) % 10)}, file)
    return first


def test_cifar10_from_its_own_pickle_format(tmp_path: Path) -> None:
    first = write_tiny_cifar10(tmp_path / "cifar-10-batches-py")
    ds = load_dataset("cifar10", train_size=None, val_size=20, test_size=10, root=tmp_path, device="cpu",
                      download=False)
    assert ds.train_x.shape == (80, 3, 32, 32) and ds.test_x.shape == (10, 3, 32, 32)
    assert ds.classes[0] == "airplane" and ds.in_channels == 3 and len(ds.mean) == 3
    assert torch.bincount(ds.val_y).tolist() == [2] * 10
    full = load_dataset("cifar10", val_size=0, root=tmp_path, device="cpu", download=False)
    pixels = (full.train_x[0] * torch.tensor(full.std)[:, None, None] + torch.tensor(full.mean)[:, None, None]) * 255
    assert torch.allclose(pixels, torch.tensor(first[0].reshape(3, 32, 32), dtype=torch.float32), atol=1e-3)
    assert full.train_y[0].item() == 0


def test_missing_fashion_mnist_says_how_to_get_it(no_data: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("fashion_mnist", download=False)
    message = str(caught.value)
    assert "sudo apt-get install dataset-fashion-mnist" in message
    assert str(no_data / "fashion-mnist") in message and "RESNET_BOOK_DATA" in message
    assert "download=True" in message and "torchvision" in message


def test_missing_cifar10_says_how_to_get_it(no_data: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"CIFAR-10 not found.*cifar-10-batches-py.*download=True"):
        load_dataset("cifar10", download=False)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"name": "mnist"}, ValueError, r"name must be one of 'fashion_mnist', 'cifar10', got name='mnist'"),
    ({"image_size": 2}, ValueError, r"image_size must be an int in \[4, inf\], got image_size=2"),
    ({"val_size": None}, TypeError, r"val_size must be an int, got val_size=None"),
    ({"device": "gpu"}, ValueError, r"device must be a torch device.*got device='gpu'"),
    ({"val_size": 61}, ValueError, r"val_size must be at most 60 for fashion_mnist, got val_size=61"),
    ({"val_size": 10, "train_size": 51}, ValueError, r"train_size must be at most 50 .*got train_size=51"),
    ({"val_size": 10, "test_size": 21}, ValueError, r"test_size must be at most 20 for fashion_mnist, got test_size=21"),
    ({"val_size": 10, "train_size": -1}, ValueError, r"train_size must be an int in \[0, inf\], got train_size=-1"),
])
def test_load_dataset_rejects_bad_arguments(no_data: Path, kwargs: dict, error: type, match: str) -> None:
    write_tiny_fashion_mnist(no_data / "fashion-mnist", compress=True)
    with pytest.raises(error, match=match):
        load_dataset(**{"device": "cpu", "download": False, **kwargs})


def test_read_idx_rejects_other_files(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(b"\x89PNG....")
    with pytest.raises(ValueError, match="IDX file"):
        read_idx(tmp_path / "bad")


def test_crop_flip_is_a_padded_crop_of_each_image_possibly_flipped() -> None:
    x = torch.randn(16, 3, 8, 8)
    out = random_crop_flip(x, pad=2, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    flips = 0
    for image, result in zip(padded, out):
        crops = [(flip, image[:, r:r + 8, c:c + 8]) for r in range(5) for c in range(5) for flip in (False, True)]
        matches = [flip for flip, crop in crops if torch.equal(crop.flip(-1) if flip else crop, result)]
        assert matches, "output is not a crop of the padded image"
        flips += matches[0]
    assert 0 < flips < 16  # about half are flipped


def test_crop_flip_is_seeded() -> None:
    x = torch.randn(32, 1, 8, 8)
    first = random_crop_flip(x, generator=torch.Generator().manual_seed(1))
    assert torch.equal(first, random_crop_flip(x, generator=torch.Generator().manual_seed(1)))
    assert not torch.equal(first, random_crop_flip(x, generator=torch.Generator().manual_seed(2)))
    with pytest.raises(ValueError, match=r"pad must be an int in \[0, inf\], got pad=-1"):
        random_crop_flip(x, pad=-1)
    with pytest.raises(ValueError, match=r"x must be a 4-D tensor"):
        random_crop_flip(x[0])


def test_batches_cover_every_example_once_in_a_seeded_order() -> None:
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    seen = [yb for _, yb in batches(x, y, 4, shuffle=True, generator=torch.Generator().manual_seed(0))]
    assert [len(b) for b in seen] == [4, 4, 2] and sorted(torch.cat(seen).tolist()) == list(range(10))
    again = [yb for _, yb in batches(x, y, 4, shuffle=True, generator=torch.Generator().manual_seed(0))]
    assert all(torch.equal(a, b) for a, b in zip(seen, again))
    assert [yb.tolist() for _, yb in batches(x, y, 4, shuffle=False, drop_last=True)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    for xb, yb in batches(x, y, 3, shuffle=True, augment=lambda b, generator: -b):
        assert torch.equal(xb[:, 0], -yb.float())
    with pytest.raises(ValueError, match=r"batch_size must be a positive int, got batch_size=0"):
        next(batches(x, y, 0, shuffle=False))
