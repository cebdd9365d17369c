"""The probes package: every public name re-exported, no import of the models, one error rule for bad input."""
from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable

import pytest
import torch
from torch import nn

from resnet_lib import probes
from resnet_lib.probes import counting, ensembles, geometry, hooks, landscape, shattering, signals
from probe_helpers import batch, small_net

MODULES = (hooks, signals, counting, geometry, shattering, ensembles, landscape)

# What chapters 00, 02 and 03 call, after the rename conv_output_size -> output_size and the move of mlp to models.
USED_BY_CHAPTERS = (
    "blocks", "count_parameters", "filter_normalized_direction", "flops", "forward_hooks", "gradient_autocorrelation",
    "input_gradients", "layer_table", "lesion", "loss_slice", "macs", "output_gradient_norms", "output_size",
    "path_length_distribution",
)


def _defined_public_names(module: object) -> set[str]:
    """Functions and classes a module defines itself, without a leading underscore."""
    return {
        name for name, value in vars(module).items()
        if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_public_name_of_every_module_is_re_exported(module: object) -> None:
    exported = set(module.__all__)  # type: ignore[attr-defined]
    assert _defined_public_names(module) <= exported, "a public function or class is missing from __all__"
    for name in exported:
        assert name in probes.__all__
        assert getattr(probes, name) is getattr(module, name)


def test_the_package_exports_nothing_twice_and_nothing_undefined() -> None:
    assert len(probes.__all__) == len(set(probes.__all__))
    assert all(hasattr(probes, name) for name in probes.__all__)
    namespace: dict[str, object] = {}
    exec("from resnet_lib.probes import *", namespace)  # noqa: S102
    assert set(probes.__all__) <= set(namespace)


@pytest.mark.parametrize("name", USED_BY_CHAPTERS)
def test_the_names_the_chapters_use_work_both_ways(name: str) -> None:
    module = __import__("resnet_lib.probes", fromlist=[name])
    assert getattr(module, name) is getattr(probes, name)
    assert callable(getattr(probes, name))


def test_renamed_and_moved_names_are_gone_without_aliases() -> None:
    assert not hasattr(probes, "conv_output_size")  # one name per idea: output_size
    assert not hasattr(probes, "mlp")  # a model: resnet_lib.models.mlp


def test_importing_the_probes_does_not_import_the_models() -> None:
    """Probes measure any nn.Module, so they import none of the networks (and the networks import no probe)."""
    code = "import sys, resnet_lib.probes; assert 'resnet_lib.models' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


# Wrong kind of value -> TypeError, right kind but not allowed -> ValueError; the message names the parameter.
X, Y = batch()
BAD_INPUT: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    ("gradient_norms model", lambda: probes.gradient_norms("net", X, Y), TypeError, "model"),
    ("gradient_norms y", lambda: probes.gradient_norms(small_net(), X, [0, 1]), TypeError, "y must be a torch.Tensor"),
    ("gradient_norms length", lambda: probes.gradient_norms(small_net(), X, Y[:2]), ValueError, "same length"),
    ("output_gradient_norms loss_fn", lambda: probes.output_gradient_norms(small_net(), X, Y, loss_fn="ce"),
     TypeError, "loss_fn"),
    ("activation_stats x", lambda: probes.activation_stats(small_net(), X.numpy()), TypeError, "x must be"),
    ("count_parameters by", lambda: probes.count_parameters(small_net(), by="block"), ValueError, "by must be one of"),
    ("count_parameters model", lambda: probes.count_parameters(None), TypeError, "model"),
    ("macs input_size", lambda: probes.macs(small_net(), (1, 3, 8.0, 8)), TypeError, r"input_size\[2\]"),
    ("stages model", lambda: probes.stages([nn.ReLU()]), TypeError, "model"),
    ("output_size stride", lambda: geometry.output_size(8, 3, stride=1.5), TypeError, "stride"),
    ("output_size padding", lambda: geometry.output_size(8, 3, padding=-1), ValueError, "padding"),
    ("receptive_field layers", lambda: probes.receptive_field(3), TypeError, "layers"),
    ("input_gradients n_points", lambda: probes.input_gradients(nn.Linear(1, 1), n_points=1), ValueError, "n_points"),
    ("autocorrelation max_lag", lambda: probes.autocorrelation([1.0, 2.0, 0.0], max_lag="1"), TypeError, "max_lag"),
    ("lesion batch_size", lambda: probes.lesion(small_net(), X, Y, batch_size=2.0), TypeError, "batch_size"),
    ("path_length_distribution n_blocks", lambda: probes.path_length_distribution(True), TypeError, "n_blocks"),
    ("filter_normalized_direction seed", lambda: probes.filter_normalized_direction(small_net(), seed="0"),
     TypeError, "seed"),
    ("loss_slice batch_size", lambda: probes.loss_slice(small_net(), X, Y, {}, [0.0], batch_size=0),
     ValueError, "batch_size"),
]


@pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_gives_the_documented_error_type(call: Callable[[], object], error: type[Exception],
                                                    message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_a_probe_refusing_input_leaves_the_model_as_it_was() -> None:
    net = small_net().train()
    with pytest.raises(ValueError):
        probes.gradient_norms(net, X, Y[:2])
    assert net.training and all(p.grad is None for p in net.parameters())
    assert torch.equal(net[1].running_mean, torch.zeros(4))
