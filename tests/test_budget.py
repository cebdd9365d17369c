"""resnet_lib.budget: planned FLOPs of the training entry points, the dry-run switch and its caps, and the
synthetic CIFAR-10 that the dry run of the GPU profile trains on."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resnet_lib import budget, data, train
from resnet_lib.models import cifar_resnet

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def empty_plan(monkeypatch: pytest.MonkeyPatch):
    budget.uninstall()
    budget.reset()
    yield
    budget.uninstall()
    budget.reset()


def one_forward(model: nn.Module, x: torch.Tensor) -> int:
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model.eval()(x)
    return counter.get_total_flops()


def test_a_training_step_is_three_forwards_of_one_image_two_flops_per_multiply_add() -> None:
    assert budget.step_flops(nn.Linear(10, 4, bias=False), torch.zeros(7, 10)) == 3 * 2 * 10 * 4
    # a 3x3 conv, 2 -> 5 channels, 8x8 output: 2 x (3 * 3 * 2) x 5 x 64
    conv = nn.Conv2d(2, 5, 3, padding=1, bias=False)
    assert budget.step_flops(conv, torch.zeros(1, 2, 8, 8)) == 3 * 2 * 18 * 5 * 64


def test_counting_changes_neither_mode_nor_batchnorm_statistics(tiny_net: nn.Module) -> None:
    before = {k: v.clone() for k, v in tiny_net.state_dict().items()}
    x = torch.randn(1, 1, 8, 8)
    rng = torch.get_rng_state()
    tiny_net.train()
    budget.step_flops(tiny_net, x)
    assert tiny_net.training
    assert all(torch.equal(before[k], v) for k, v in tiny_net.state_dict().items())
    assert torch.equal(rng, torch.get_rng_state())


def test_fit_plans_three_forwards_times_images_times_epochs(tiny_data, tiny_net) -> None:
    forward = one_forward(tiny_net, tiny_data.train_x[:1])
    train.fit(tiny_net, tiny_data, epochs=1, batch_size=32, progress=False, desc="not planned")
    assert budget.planned() == []  # nothing attached: fit knows nothing of the plan
    budget.install()
    train.fit(tiny_net, tiny_data, epochs=3, batch_size=32, progress=False, desc="tiny")
    (entry,) = budget.planned()
    assert entry.flops == 3 * forward * len(tiny_data.train_x) * 3
    assert (entry.desc, entry.images, entry.epochs) == ("tiny", len(tiny_data.train_x), 3)
    assert budget.total_flops() == entry.flops
    assert "tiny" in budget.report() and "total" in budget.report()


def test_resnet20_plan_matches_its_forward_flops() -> None:
    net = cifar_resnet(20)
    x = torch.zeros(1, 3, 32, 32)
    forward = one_forward(net, x)
    assert 80e6 < forward < 83e6  # about 41M multiply-adds (the paper's Table 6 net)
    assert budget.training_flops(net, x, images=45000, epochs=2) == 3 * forward * 45000 * 2


def test_fit_regression_plans_steps_times_batch(tiny_net) -> None:
    stack = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1))
    x = torch.randn(40, 1, 8, 8)
    with budget.planning():
        losses = train.fit_regression(stack, x, x, steps=5, batch_size=8, progress=False, desc="identity")
    assert train.STEPS_HOOKS == []  # detached after the block
    assert len(losses) == 5
    (entry,) = budget.planned()
    assert entry.flops == 3 * one_forward(stack, x[:1]) * 8 * 5
    assert (entry.images, entry.epochs) == (8, 5)


def test_install_attaches_and_uninstall_detaches_the_hooks() -> None:
    assert (train.FIT_HOOKS, train.STEPS_HOOKS, data.SIZE_HOOKS, budget.dry_run()) == ([], [], [], False)
    budget.install(dry_run=True)
    budget.install(dry_run=True)  # again: replaces, never stacks
    assert (train.FIT_HOOKS, train.STEPS_HOOKS, data.SIZE_HOOKS) == ([budget.plan_fit], [budget.plan_steps],
                                                                     [budget.cap_sizes])
    assert budget.dry_run()
    budget.install()  # planning without the caps
    assert data.SIZE_HOOKS == [] and train.FIT_HOOKS == [budget.plan_fit] and not budget.dry_run()
    budget.uninstall()
    assert (train.FIT_HOOKS, train.STEPS_HOOKS, data.SIZE_HOOKS, budget.dry_run()) == ([], [], [], False)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_install_refuses_a_dry_run_flag_that_is_not_a_bool(value) -> None:
    with pytest.raises(TypeError, match=rf"dry_run must be True or False, got dry_run={value!r}"):
        budget.install(dry_run=value)


def test_dry_run_caps_fit_to_two_steps_but_plans_the_full_run(monkeypatch, tiny_data, tiny_net, tmp_path) -> None:
    budget.install(dry_run=True)
    forward = one_forward(tiny_net, tiny_data.train_x[:1])
    steps = []
    monkeypatch.setattr(train, "learning_rate", lambda step, *a, **k: steps.append(step) or 0.1)
    history = train.fit(tiny_net, tiny_data, epochs=50, batch_size=32, progress=False,
                        checkpoint=tmp_path / "run.pt")
    assert history.epochs == budget.DRY_RUN_STEPS
    assert len(set(steps)) == budget.DRY_RUN_STEPS  # one optimiser step per capped epoch
    assert not (tmp_path / "run.pt").exists()  # a dry run never writes a checkpoint
    assert budget.planned()[0].flops == 3 * forward * len(tiny_data.train_x) * 50


def test_dry_run_caps_fit_regression(monkeypatch) -> None:
    budget.install(dry_run=True)
    x = torch.randn(20, 3)
    losses = train.fit_regression(nn.Linear(3, 3), x, x, steps=1000, batch_size=4, progress=False)
    assert len(losses) == budget.DRY_RUN_STEPS
    assert budget.planned()[0].epochs == 1000


def test_cap_sizes_only_in_a_dry_run(monkeypatch) -> None:
    assert budget.cap_sizes("cifar10", 45000, 5000, None) == (45000, 5000, None, None)
    budget.install(dry_run=True)
    caps = budget.DRY_RUN_IMAGES
    assert budget.cap_sizes("cifar10", 45000, 5000, None) == (caps["train"], caps["val"], caps["test"], 45000)
    assert budget.cap_sizes("cifar10", None, 5000, 10) == (caps["train"], caps["val"], 10, 45000)
    assert budget.cap_sizes("cifar10", 20, 10, 10) == (20, 10, 10, 20)
    assert budget.cap_sizes("cifar10", "many", 10, 10)[0] == "many"  # left for the loader to refuse


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    data.write_synthetic_cifar10(root, images_per_batch=100)
    return root


def test_synthetic_cifar10_has_the_real_layout(synthetic: Path) -> None:
    folder = data.find_cifar10(download=False, root=synthetic)
    assert folder == synthetic / "cifar-10-batches-py"
    with open(folder / "data_batch_3", "rb") as file:
        batch = pickle.load(file, encoding="bytes")
    assert batch[b"data"].shape == (100, 3072) and batch[b"data"].dtype.name == "uint8"
    assert len(batch[b"labels"]) == 100 and set(batch[b"labels"]) == set(range(10))
    with open(folder / "batches.meta", "rb") as file:
        assert pickle.load(file, encoding="bytes")[b"label_names"][0] == b"airplane"


def test_synthetic_cifar10_loads_unchanged(synthetic: Path) -> None:
    loaded = data.load_dataset("cifar10", train_size=200, val_size=50, root=synthetic, device="cpu",
                               download=False)
    assert loaded.train_x.shape == (200, 3, 32, 32) and len(loaded.val_y) == 50 and len(loaded.test_y) == 100
    assert loaded.planned_train_size is None
    assert torch.bincount(loaded.train_y).tolist() == [20] * 10


def test_dry_run_caps_the_loader_and_remembers_the_planned_size(monkeypatch, synthetic: Path) -> None:
    budget.install(dry_run=True)
    loaded = data.load_dataset("cifar10", train_size=45000, val_size=5000, root=synthetic, device="cpu",
                               download=False)
    caps = budget.DRY_RUN_IMAGES
    assert (len(loaded.train_y), len(loaded.val_y), len(loaded.test_y)) == (caps["train"], caps["val"], caps["test"])
    assert loaded.planned_train_size == 45000
    everything = data.load_dataset("cifar10", val_size=5000, root=synthetic, device="cpu", download=False)
    assert everything.planned_train_size == 45000  # the whole training set less the validation split
    torch.manual_seed(0)
    train.fit(cifar_resnet(8, width=4), loaded, epochs=30, progress=False)
    assert budget.planned()[-1].images == 45000 and budget.planned()[-1].epochs == 30


def test_missing_batch_file_is_named(tmp_path: Path) -> None:
    folder = data.write_synthetic_cifar10(tmp_path, images_per_batch=10)
    (folder / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match=r"RESNET_BOOK_DATA|missing data_batch_4"):
        data.find_cifar10(download=False, root=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"missing data_batch_4\."):
        data.find_cifar10(download=False, root=tmp_path)


def test_synthetic_writer_refuses_too_few_images(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"images_per_batch must be an int of at least 10.*got images_per_batch=3"):
        data.write_synthetic_cifar10(tmp_path, images_per_batch=3)


def test_dryrun_tool_refuses_an_incomplete_data_folder(tmp_path: Path) -> None:
    folder = data.write_synthetic_cifar10(tmp_path, images_per_batch=10)
    (folder / "test_batch").unlink()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "dryrun.py"), "--data", str(tmp_path),
                             str(ROOT / "chapters" / "00_introduction.ipynb")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode != 0
    assert "--data must be a folder holding cifar-10-batches-py/" in result.stderr
    assert "missing test_batch" in result.stderr


def test_dryrun_tool_drops_needs_training_cells_and_appends_the_plan() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import dryrun
    finally:
        sys.path.remove(str(ROOT / "tools"))
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1"),
                                         nbformat.v4.new_code_cell("assert trained", metadata={"tags": [
                                             "remove-cell", "needs-training"]}),
                                         nbformat.v4.new_markdown_cell("text")])
    dry, skipped = dryrun.dry_notebook(nb)
    assert skipped == 1 and len(nb.cells) == 3  # the original is untouched
    assert [c.source for c in dry.cells[:3]] == ["a = 1", dryrun.INSTALL_CELL, "text"]
    assert "install(dry_run=True)" in dryrun.INSTALL_CELL
    assert dryrun.PLAN_MARKER in dry.cells[-1].source


def test_tag_cells_adds_lists_and_removes_a_tag(tmp_path: Path) -> None:
    import nbformat

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import tag_cells
    finally:
        sys.path.remove(str(ROOT / "tools"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("assert err < 0.1"),
                                         nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    first = nb.cells[0].id
    assert tag_cells.tag_cells(path, [first]) == [first]
    assert tag_cells.tag_cells(path, [first]) == []  # already tagged
    assert tag_cells.tagged(path) == [(first, "assert err < 0.1")]
    with pytest.raises(SystemExit, match="unknown ids \\['nope'\\]"):
        tag_cells.tag_cells(path, ["nope"])
    assert tag_cells.tag_cells(path, [first], remove=True) == [first]
    assert tag_cells.tagged(path) == []


def test_colab_versions_names_the_package_that_differs(tmp_path: Path) -> None:
    pins = tmp_path / "pins.txt"
    pins.write_text("numpy==0.0.1  # not what imports\n")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "colab_versions.py"), str(pins)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "numpy imports" in result.stderr and "pins 0.0.1" in result.stderr


def test_synthetic_tool_writes_a_loadable_folder(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "synthetic_cifar.py"), str(tmp_path),
                             "--images-per-batch", "20"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert data.find_cifar10(download=False, root=tmp_path) == tmp_path / "cifar-10-batches-py"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "synthetic_cifar.py"), str(tmp_path),
                             "--images-per-batch", "2"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--images-per-batch must be an int of at least 10" in result.stderr


def test_dry_run_caps_until_epoch_too(monkeypatch, tiny_data, tiny_net) -> None:
    budget.install(dry_run=True)
    history = train.fit(tiny_net, tiny_data, epochs=50, until_epoch=10, batch_size=32, progress=False)
    assert history.epochs == budget.DRY_RUN_STEPS


def test_make_test_runs_the_dry_run_and_github_runs_ci() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "dryrun" in test_line.split() and "colab" in test_line.split()
    assert "tools/dryrun.py" in makefile
    workflow = (ROOT / ".github" / "workflows" / "test.yml").read_text()
    assert "pull_request" in workflow and "bash .ci/run" in workflow
    colab = (ROOT / ".github" / "workflows" / "colab.yml").read_text()
    assert "schedule" in colab and "colab-images/public/runtime" in colab
