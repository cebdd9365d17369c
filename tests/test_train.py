"""resnet_lib.train: fit() learns, is bit-reproducible, resumes exactly, and rejects bad arguments."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_lib.data import Dataset
from resnet_lib.train import History, evaluate, fit, learning_rate

FAST = dict(epochs=3, lr=0.05, batch_size=32, progress=False)


def deterministic(history: History) -> dict[str, list[float]]:
    values = history.to_dict()
    del values["seconds"]  # wall time: the one field allowed to differ
    return values


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_fit_learns_and_fills_the_history(tiny_net: nn.Module, tiny_data: Dataset) -> None:
    before = evaluate(tiny_net, tiny_data.val_x, tiny_data.val_y)[1]
    history = fit(tiny_net, tiny_data, **FAST, log_steps=True)
    assert history.epochs == 3 and len(history.seconds) == 3 and len(history.step_loss) == 3 * (320 // 32)
    assert history.final("val_err") < min(before, 0.3)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.lr == [0.05, 0.05, 0.005]  # step schedule: /10 at half of training (step 15 of 30)
    assert all(0 <= e <= 1 for e in history.train_err + history.val_err)
    assert History.from_dict(history.to_dict()) == history
    assert repr(history).startswith("History(3 epochs: train_err=")


def test_two_seeded_runs_give_identical_histories(tiny_data: Dataset, make_net: Callable[[], nn.Module]) -> None:
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = make_net()
        runs.append((model, fit(model, tiny_data, **FAST, augment=True, log_steps=True, seed=5)))
    assert deterministic(runs[0][1]) == deterministic(runs[1][1])
    assert same_weights(runs[0][0], runs[1][0])
    torch.manual_seed(0)
    other = fit(make_net(), tiny_data, **FAST, augment=True, log_steps=True, seed=6)
    assert deterministic(other) != deterministic(runs[0][1])  # the seed drives shuffling and augmentation


class Interrupted(Exception):
    pass


class StopsAfter(nn.Module):
    """Raises in the middle of training, after `steps` training steps: a kernel dying mid-epoch."""

    def __init__(self, net: nn.Module, steps: int | None) -> None:
        super().__init__()
        self.net, self.steps = net, steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.steps is not None:
            if self.steps == 0:
                raise Interrupted
            self.steps -= 1
        return self.net(x)


def test_interrupted_and_resumed_run_equals_the_uninterrupted_one(tiny_data: Dataset, tmp_path: Path,
                                                                 make_net: Callable[[], nn.Module]) -> None:
    settings = dict(FAST, epochs=4, augment=True, log_steps=True, seed=1)
    torch.manual_seed(0)
    straight = StopsAfter(make_net(), None)
    expected = fit(straight, tiny_data, **settings, checkpoint=tmp_path / "straight.pt")

    torch.manual_seed(0)
    with pytest.raises(Interrupted):  # dies 3 steps into epoch 3: epochs 1-2 are checkpointed
        fit(StopsAfter(make_net(), 2 * 10 + 3), tiny_data, **settings, checkpoint=tmp_path / "run.pt")
    state = torch.load(tmp_path / "run.pt", weights_only=True)
    assert state["epoch"] == 2 and len(state["history"]["val_err"]) == 2
    torch.manual_seed(123)  # a different initialisation: the checkpoint's weights must win
    resumed_model = StopsAfter(make_net(), None)
    resumed = fit(resumed_model, tiny_data, **settings, checkpoint=tmp_path / "run.pt")
    assert deterministic(resumed) == deterministic(expected)
    assert same_weights(resumed_model, straight)
    assert not list(tmp_path.glob("*.tmp"))  # written atomically: no temporary file left behind

    finished = StopsAfter(make_net(), 0)  # a finished checkpoint: nothing left to train, weights loaded
    assert deterministic(fit(finished, tiny_data, **settings, checkpoint=tmp_path / "run.pt")) == deterministic(expected)
    assert same_weights(finished, straight)


def test_checkpoint_loads_with_weights_only_and_rejects_another_configuration(
        tiny_net: nn.Module, tiny_data: Dataset, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "run.pt"
    fit(tiny_net, tiny_data, **dict(FAST, epochs=1), checkpoint=path)
    state = torch.load(path, weights_only=True)
    assert {"model", "optimizer", "scheduler", "history", "epoch", "generator", "config"} <= set(state)
    assert isinstance(state["generator"], torch.Tensor) and isinstance(state["history"]["lr"], list)
    with pytest.raises(ValueError, match=r"checkpoint .* different run \(lr: 0.05 != 0.1\).*resume=False"):
        fit(tiny_net, tiny_data, **dict(FAST, epochs=1, lr=0.1), checkpoint=path)
    fresh = fit(tiny_net, tiny_data, **dict(FAST, epochs=1, lr=0.1), checkpoint=path, resume=False)
    assert torch.load(path, weights_only=True)["history"]["train_loss"] == fresh.train_loss


def test_full_profile_path_bf16_autocast_and_channels_last(tiny_net: nn.Module, tiny_data: Dataset) -> None:
    history = fit(tiny_net, tiny_data, **dict(FAST, epochs=2), amp=True, channels_last=True, augment=True,
                  schedule="onecycle", warmup_epochs=1)
    assert all(math.isfinite(v) for v in history.train_loss + history.val_loss)
    assert tiny_net[0].weight.is_contiguous(memory_format=torch.channels_last)
    loss, err = evaluate(tiny_net, tiny_data.val_x, tiny_data.val_y, batch_size=7, amp=True)
    assert math.isfinite(loss) and 0 <= err <= 1


def test_evaluate_restores_the_mode_and_matches_a_direct_computation(tiny_net: nn.Module, tiny_data: Dataset) -> None:
    tiny_net.train()
    loss, err = evaluate(tiny_net, tiny_data.val_x, tiny_data.val_y, batch_size=7)
    assert tiny_net.training
    tiny_net.eval()
    with torch.no_grad():
        logits = tiny_net(tiny_data.val_x)
    assert loss == pytest.approx(nn.functional.cross_entropy(logits, tiny_data.val_y).item(), rel=1e-5)
    assert err == pytest.approx((logits.argmax(1) != tiny_data.val_y).float().mean().item())
    assert not tiny_net.training


def test_learning_rate_schedules() -> None:
    steps = [learning_rate(s, 100, lr=0.1) for s in (0, 49, 50, 74, 75, 99)]
    assert steps == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    assert learning_rate(5, 100, lr=0.1, warmup_steps=10) == pytest.approx(0.01)
    assert learning_rate(0, 100, lr=0.1, schedule="cosine") == pytest.approx(0.1)
    assert learning_rate(50, 100, lr=0.1, schedule="cosine") == pytest.approx(0.05)
    assert learning_rate(30, 100, lr=0.1, schedule="onecycle") == pytest.approx(0.1)
    assert learning_rate(0, 100, lr=0.1, schedule="onecycle") == pytest.approx(0.01)
    assert learning_rate(77, 100, lr=0.1, schedule="constant") == 0.1


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epochs": 0}, ValueError, r"epochs must be a positive int, got epochs=0"),
    ({"epochs": 2.5}, TypeError, r"epochs must be a positive int, got epochs=2.5 \(float\)"),
    ({"lr": -0.1}, ValueError, r"lr must be a finite number above 0, got lr=-0.1"),
        ({"lr": "0.1"}, TypeError, r"lr must be a number above 0, got lr='0.1' \(str\)"),
        ({"augment": "no"}, TypeError, r"augment must be True or False, got augment='no' \(str\)"),
        ({"amp": 1}, TypeError, r"amp must be True or False, got amp=1 \(int\)"),
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive int, got batch_size=0"),
    ({"batch_size": 1000}, ValueError, r"batch_size must be at most the 320 training images, got batch_size=1000"),
    ({"schedule": "linear"}, ValueError, r"schedule must be one of 'step', 'cosine', 'onecycle', 'constant', got schedule='linear'"),
    ({"milestones": (0.5, 2)}, ValueError, r"milestones must be fractions .*got milestones=\(0.5, 2\)"),
    ({"milestones": 0.5}, TypeError, r"milestones must be a tuple of fractions .*got milestones=0.5 \(float\)"),
    ({"warmup_epochs": 3}, ValueError, r"warmup_epochs must be less than epochs=3, got warmup_epochs=3"),
    ({"weight_decay": -1}, ValueError, r"weight_decay must be a finite number in \[0.0, inf\], got weight_decay=-1"),
])
def test_fit_rejects_bad_arguments(tiny_net: nn.Module, tiny_data: Dataset, kwargs: dict, error: type,
                                   match: str) -> None:
    with pytest.raises(error, match=match):
        fit(tiny_net, tiny_data, **{**FAST, **kwargs})


def test_fit_rejects_what_is_not_a_dataset_or_a_model(tiny_net: nn.Module, tiny_data: Dataset) -> None:
    with pytest.raises(TypeError, match=r"data must have tensors .*got data of type tuple"):
        fit(tiny_net, (tiny_data.train_x, tiny_data.train_y), **FAST)
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module, got model of type function"):
        fit(lambda x: x, tiny_data, **FAST)  # type: ignore[arg-type]


def test_history_helpers_reject_bad_names() -> None:
    with pytest.raises(ValueError, match=r"metric must be one of .*got metric='accuracy'"):
        History().final("accuracy")
    with pytest.raises(ValueError, match="no epoch has finished"):
        History().final("val_err")
    with pytest.raises(ValueError, match=r"unknown keys \['acc'\]"):
        History.from_dict({"acc": [1.0]})


def test_recorded_output_is_one_short_summary_line_per_run_and_is_sanitised_for_nbval(
        tiny_net: nn.Module, tiny_data: Dataset, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RESNET_BOOK_PROGRESS", "text")
    fit(tiny_net, tiny_data, **dict(FAST, epochs=2, progress=True), desc="tiny")
    out, err = capsys.readouterr()
    assert err == "" and len(out.splitlines()) == 1, f"expected one summary line, got {out!r} {err!r}"
    assert re.fullmatch(r"tiny in \d+(\.\d)? s: epoch 2/2, train err \d+\.\d%, held-out err \d+\.\d%\n", out), out
    assert len(out) <= 80, "a summary line fits the page's code column"
    config = (Path(__file__).parent / "nbval_sanitize.cfg").read_text()
    pattern = re.search(r"\[training summary lines[^\]]*\]\nregex: (.*)\n", config).group(1)
    assert re.sub(pattern, "", out).strip() == ""
    fit(tiny_net, tiny_data, **dict(FAST, epochs=1, progress=False), desc="quiet")
    assert capsys.readouterr() == ("", "")


def test_fit_regression_learns_a_linear_map_and_is_seeded() -> None:
    from resnet_lib.train import fit_regression

    torch.manual_seed(0)
    x = torch.randn(256, 4)
    target = x @ torch.randn(4, 3)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        model = nn.Linear(4, 3)
        runs.append(fit_regression(model, x, target, steps=200, lr=0.05, progress=False))
    assert runs[0] == runs[1] and len(runs[0]) == 200
    assert runs[0][-1] < 1e-3 * runs[0][0]
    with pytest.raises(ValueError, match="steps must be"):
        fit_regression(model, x, target, steps=0)
    with pytest.raises(ValueError, match="x and target must be non-empty batches of the same length"):
        fit_regression(model, x, target[:5], steps=1)


def test_fp16_path_with_loss_scaling_runs_where_bf16_is_missing(
        tiny_net: nn.Module, tiny_data: Dataset, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Colab's T4 has no bf16: fit must fall back to fp16 autocast with a GradScaler (exercised here on the CPU).
    import resnet_lib.train as train

    monkeypatch.setattr(train, "amp_dtype", lambda device: torch.float16)
    history = fit(tiny_net, tiny_data, **dict(FAST, epochs=2), amp=True, checkpoint=tmp_path / "fp16.pt")
    assert all(math.isfinite(v) for v in history.train_loss)
    state = torch.load(tmp_path / "fp16.pt", weights_only=True)
    assert state["scaler"]["scale"] > 0  # the loss scale is saved, so a resumed run continues with it


def test_amp_dtype_is_bf16_on_the_cpu() -> None:
    from resnet_lib.train import amp_dtype

    assert amp_dtype(torch.device("cpu")) is torch.bfloat16


def test_crop_pad_sets_the_shift_of_the_papers_crop(monkeypatch: pytest.MonkeyPatch) -> None:
    """fit(augment=True, crop_pad=2) crops with a 2-pixel pad (cpu-depth's eighth of a 16-pixel image)."""
    from resnet_lib import train as train_module
    seen = []

    def spy(x, pad=4, generator=None):
        seen.append(pad)
        return x
    monkeypatch.setattr(train_module, "random_crop_flip", spy)
    x, y = torch.randn(32, 1, 8, 8), torch.arange(32) % 2
    dataset = Dataset("toy", x, y, x[:8], y[:8], x[:8], y[:8], ("a", "b"), (0.0,), (1.0,))
    fit(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)), dataset, epochs=1, batch_size=16,
        augment=True, crop_pad=2, progress=False)
    assert seen == [2, 2]
    with pytest.raises(ValueError, match="crop_pad"):
        fit(torch.nn.Linear(2, 2), dataset, epochs=1, augment=True, crop_pad=-1, progress=False)
