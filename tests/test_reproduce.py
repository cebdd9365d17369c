"""The reproduction tool: the smoke recipe end to end, bad input, two processes under torchrun, and a replay of
the start of each committed long run (so the files under results/ provably come from the current code)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from resnet_lib import reproduce

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["cpu-long", "--smoke", "--model", "resnet", "--depth", "20"]


def run_cli(*args: str, torchrun: int = 0, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "RESNET_BOOK_THREADS": "1", "RESNET_BOOK_PROGRESS": "text"}
    launcher = [sys.executable, "-m", "resnet_lib.reproduce"]
    if torchrun:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(torchrun),
                    "--master-port", "29517", "-m", "resnet_lib.reproduce"]
    return subprocess.run([*launcher, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_help_lists_every_recipe() -> None:
    out = run_cli("--help").stdout
    assert all(name in out for name in (*reproduce.RECIPES, "benchmark", "torchrun --nproc-per-node"))


def test_smoke_writes_a_complete_result_and_resume_ends_where_it_ended(tmp_path: Path) -> None:
    first = run_cli(*SMOKE, "--out", str(tmp_path))
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "cpu-long" / "resnet20-seed0-smoke"
    result = json.loads((folder / "result.json").read_text())
    assert set(result) >= {"recipe", "config", "history", "test_error", "wall_seconds", "hardware", "versions"}
    assert len(result["history"]["train_err"]) == 2 and 0 <= result["test_error"] <= 1
    assert (tmp_path / "cpu-long" / "curves.png").stat().st_size > 1000  # the recipe's plot
    # The same configuration again: refused without --resume, and with it nothing is retrained.
    again = run_cli(*SMOKE, "--out", str(tmp_path))
    assert again.returncode == 2 and "pass --resume" in again.stderr
    resumed = run_cli(*SMOKE, "--out", str(tmp_path), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((folder / "result.json").read_text())["history"]["train_loss"] == result["history"]["train_loss"]


def test_an_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    (run,) = reproduce.plan("cpu-long", model="plain", depth=20, smoke=True)
    model, data = reproduce.prepare(run)
    whole = reproduce.train(run, model, data, progress=False)
    model, data = reproduce.prepare(run)
    checkpoint = tmp_path / "checkpoint.pt"
    reproduce.train(run, model, data, checkpoint=checkpoint, until_epoch=1, progress=False)
    model, data = reproduce.prepare(run)
    resumed = reproduce.train(run, model, data, checkpoint=checkpoint, progress=False)
    assert resumed.train_loss == whole.train_loss and resumed.val_err == whole.val_err


@pytest.mark.parametrize("args, message", [
    (["table7"], "recipe must be one of table6, identity-table2, cpu-long"),
    (["table6", "--model", "plain", "--depth", "110"], "depth must be one of 20, 32, 44, 56 for plain nets"),
    (["identity-table2", "--model", "resnet"], "model must be one of preact for recipe identity-table2"),
])
def test_bad_input_is_refused_before_training(args: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reproduce.plan(args[0], **({"model": args[2]} if len(args) > 2 else {}),
                       **({"depth": int(args[4])} if len(args) > 4 else {}))
    result = run_cli(*args, "--out", "/nonexistent-never-written")
    assert result.returncode == 2 and message in result.stderr


def test_an_out_folder_with_another_configuration_is_refused(tmp_path: Path) -> None:
    assert run_cli(*SMOKE, "--out", str(tmp_path)).returncode == 0
    other = run_cli(*SMOKE, "--out", str(tmp_path), "--compile", "--resume")  # same folder, another configuration
    folder = tmp_path / "cpu-long" / "resnet20-seed0-smoke"
    config = json.loads((folder / "config.json").read_text())
    assert other.returncode == 2 and "holds a different configuration (differs in compile)" in other.stderr
    assert config["compile"] is False


def test_world_size_must_divide_the_global_batch(tmp_path: Path) -> None:
    result = run_cli(*SMOKE, "--out", str(tmp_path), torchrun=3)  # 64 images a step cannot split three ways
    assert result.returncode != 0 and "must divide the global batch 64" in result.stderr


def test_two_gloo_processes_agree_with_each_other_and_with_one_process(tmp_path: Path) -> None:
    """DistributedDataParallel on the CPU: each process trains on half of every global batch of 64."""
    args = [*SMOKE, "--norm", "group"]  # BatchNorm statistics are per process, as on the paper's two GPUs
    two = run_cli(*args, "--out", str(tmp_path / "two"), torchrun=2)
    assert two.returncode == 0, two.stderr[-2000:]
    one = run_cli(*args, "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    folder = "cpu-long/resnet20-groupnorm-seed0-smoke"
    rank0 = torch.load(tmp_path / "two" / folder / "weights.pt")
    rank1 = torch.load(tmp_path / "two" / folder / "weights.rank1.pt")
    single = torch.load(tmp_path / "one" / folder / "weights.pt")
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key
        torch.testing.assert_close(rank0[key], single[key], rtol=1e-4, atol=1e-5)


RESULTS = sorted(p for p in (ROOT / "results").glob("*/*.json") if p.parent.name != "robustness")
"""The committed runs of ``reproduce``; ``results/robustness`` holds claim spreads (tools/robustness.py), not runs."""


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_committed_results_replay_from_the_current_code(path: Path) -> None:
    """The first epoch of each committed long run, retrained now, gives the committed numbers."""
    result = json.loads(path.read_text())
    config = result["config"]
    if result["hardware"]["device"] != "cpu" or config["depth"] > 20:
        pytest.skip("the first epoch of the 20-layer CPU runs is replayed (seconds); deeper ones share their code")
    torch.set_num_threads(result["hardware"]["threads"])
    (run,) = reproduce.plan(config["recipe"], model=config["model"], depth=config["depth"], seed=config["seed"],
                            smoke=config["smoke"], norm=config["norm"])
    model, data = reproduce.prepare(run)
    history = reproduce.train(run, model, data, until_epoch=1, progress=False)
    committed = result["history"]
    for metric in ("train_loss", "train_err", "val_err"):
        assert history.to_dict()[metric][0] == pytest.approx(committed[metric][0], rel=1e-6, abs=1e-9), metric
