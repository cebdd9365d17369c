"""resnet_lib.profile: which profile runs, the sizes declared for both, seeding, threads, the one-line summary."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from resnet_lib import profile


@pytest.mark.parametrize("value, expected", [("quick", "quick"), ("full", "full"), (" FULL ", "full")])
def test_active_profile_reads_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    monkeypatch.setenv("RESNET_BOOK_PROFILE", value)
    assert profile.active_profile() == expected


@pytest.mark.parametrize("value", [None, "auto", ""])
def test_auto_profile_follows_the_gpu(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("RESNET_BOOK_PROFILE", raising=False)
    else:
        monkeypatch.setenv("RESNET_BOOK_PROFILE", value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profile.active_profile() == "full"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert profile.active_profile() == "quick"


def test_unknown_profile_names_the_variable_value_and_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_BOOK_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"RESNET_BOOK_PROFILE.*'quick', 'full', 'auto'.*'fast'"):
        profile.active_profile()


def test_sizes_picks_the_active_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    quick, full = {"epochs": 3, "depths": (20, 32)}, {"epochs": 160, "depths": (20, 32, 44, 56)}
    monkeypatch.setenv("RESNET_BOOK_PROFILE", "quick")
    assert profile.sizes(quick, full).epochs == 3
    monkeypatch.setenv("RESNET_BOOK_PROFILE", "full")
    assert profile.sizes(quick, full).depths == (20, 32, 44, 56)
    assert profile.sizes(quick, full, profile="quick").epochs == 3


def test_sizes_repr_is_deterministic_and_in_declaration_order() -> None:
    chosen = profile.sizes({"epochs": 3, "batch_size": 128, "lr": 0.1}, {"epochs": 9, "batch_size": 2, "lr": 1.0},
                           profile="quick")
    assert repr(chosen) == "Sizes(epochs=3, batch_size=128, lr=0.1)"
    assert vars(chosen) == {"epochs": 3, "batch_size": 128, "lr": 0.1}


def test_sizes_are_read_only() -> None:
    chosen = profile.sizes({"epochs": 3}, {"epochs": 160}, profile="quick")
    with pytest.raises(AttributeError, match="read-only"):
        chosen.epochs = 5
    with pytest.raises(AttributeError, match="read-only"):
        del chosen.epochs


def test_sizes_names_the_keys_one_profile_forgot() -> None:
    with pytest.raises(ValueError, match=r"missing from full: \['depth'\], missing from quick: \['width'\]"):
        profile.sizes({"epochs": 1, "depth": 20}, {"epochs": 2, "width": 16})


@pytest.mark.parametrize("quick, full, chosen, error, match", [
    ([("epochs", 1)], {"epochs": 2}, None, TypeError, r"quick must be a dict"),
    ({"epochs": 1}, {"epochs": 2}, "medium", ValueError, r"profile must be .*got profile='medium'"),
    ({"not valid": 1}, {"not valid": 2}, None, ValueError, r"quick keys must be attribute names.*'not valid'"),
])
def test_sizes_rejects_bad_input(quick: object, full: object, chosen: str | None, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        profile.sizes(quick, full, profile=chosen)  # type: ignore[arg-type]


def test_seed_everything_seeds_python_numpy_and_torch() -> None:
    def draw() -> tuple[float, float, float]:
        return random.random(), float(np.random.rand()), torch.rand(1).item()

    profile.seed_everything(7)
    first = draw()
    profile.seed_everything(7)
    assert draw() == first
    with pytest.raises(ValueError, match=r"seed must be an int .*got seed=-1"):
        profile.seed_everything(-1)


def test_set_threads_respects_the_argument_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    try:
        assert profile.set_threads(1) == 1
        monkeypatch.setenv("RESNET_BOOK_THREADS", "2")
        assert profile.set_threads() == 2 == torch.get_num_threads()
        monkeypatch.setenv("RESNET_BOOK_THREADS", "many")
        with pytest.raises(ValueError, match=r"RESNET_BOOK_THREADS must be a positive integer, got .*'many'"):
            profile.set_threads()
        with pytest.raises(ValueError, match=r"n must be a positive int .*got n=0"):
            profile.set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_describe_and_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_BOOK_PROFILE", "quick")
    monkeypatch.delenv("RESNET_BOOK_THREADS", raising=False)
    line = profile.describe()
    assert line.startswith("profile=quick device=") and f"threads={torch.get_num_threads()}" in line
    assert line.endswith("torch=" + torch.__version__.split("+")[0])
    device = profile.setup(seed=3)
    assert device == profile.device()
    profile.setup(seed=3)
    first = torch.rand(3)
    profile.setup(seed=3)
    assert torch.equal(torch.rand(3), first)


def test_long_sizes_wrap_to_the_page_width() -> None:
    from resnet_lib.profile import WIDTH

    many = {f"size_{i}": 1000 * i for i in range(12)}
    text = repr(profile.sizes(quick=many, full=many, profile="quick"))
    assert text.startswith("Sizes(\n") and text.endswith("\n)")
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert all(f"size_{i}={1000 * i}" in text for i in range(12))
