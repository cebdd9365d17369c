"""Gradient and activation probes: every number checked against a manual computation, nothing left behind."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import probes
from probe_helpers import assert_untouched, batch, small_net, snapshot


@pytest.mark.parametrize("training", [True, False])
def test_gradient_norms_match_a_manual_backward_pass_and_leave_nothing_behind(training: bool) -> None:
    net = small_net().train(training)
    x, y = batch()
    before = snapshot(net)
    norms = probes.gradient_norms(net, x, y)
    assert_untouched(net, before, training)

    assert list(norms) == ["0", "3", "7"]  # conv, conv, linear in forward order
    reference = small_net().train(training)
    nn.functional.cross_entropy(reference(x), y).backward()
    for name, value in norms.items():
        assert value == pytest.approx(float(reference.get_submodule(name).weight.grad.norm()), rel=1e-5)


def test_gradient_norms_follow_the_forward_order_not_the_registration_order() -> None:
    class Reversed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.last = nn.Linear(4, 3)
            self.first = nn.Linear(2, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.last(self.first(x))

    norms = probes.gradient_norms(Reversed(), torch.randn(5, 2), torch.randint(0, 3, (5,)))
    assert list(norms) == ["first", "last"]


def test_gradient_norms_of_a_torchvision_resnet_cover_every_conv_and_linear() -> None:
    torch.manual_seed(0)
    net = torchvision.models.resnet18(num_classes=4)
    x, y = torch.randn(2, 3, 16, 16), torch.tensor([0, 3])
    norms = probes.gradient_norms(net, x, y)
    assert len(norms) == 21  # 20 convs (17 + 3 projection shortcuts) and fc
    assert list(norms)[0] == "conv1" and list(norms)[-1] == "fc"
    assert all(value > 0 for value in norms.values())


def test_gradient_norms_reject_bad_input() -> None:
    x, y = batch()
    with pytest.raises(TypeError, match="model"):
        probes.gradient_norms("resnet", x, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        probes.gradient_norms(small_net(), x, y[:3])
    with pytest.raises(TypeError, match="loss_fn"):
        probes.gradient_norms(small_net(), x, y, loss_fn="mse")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        probes.gradient_norms(nn.Sequential(nn.Flatten()), x, y)


def test_activation_stats_match_the_layer_outputs_and_leave_nothing_behind() -> None:
    net = small_net().train()
    x, _ = batch()
    before = snapshot(net)
    stats = probes.activation_stats(net, x)
    assert_untouched(net, before, True)
    assert list(stats) == ["0", "3", "7"]
    with torch.no_grad():
        first = net[0](x)
    assert stats["0"]["mean"] == pytest.approx(float(first.mean()), abs=1e-6)
    assert stats["0"]["std"] == pytest.approx(float(first.std()), rel=1e-5)

    relus = probes.activation_stats(net, x, layer_types=(nn.ReLU,))
    assert list(relus) == ["2", "4"] and all(s["mean"] >= 0 for s in relus.values())
    with pytest.raises(TypeError, match="layer_types"):
        probes.activation_stats(net, x, layer_types=nn.Conv2d)  # type: ignore[arg-type]

def test_output_gradient_norms_shrink_geometrically_with_small_weights() -> None:
    from resnet_lib.probes import output_gradient_norms

    torch.manual_seed(0)
    layers = []
    for _ in range(12):
        layers += [nn.Linear(32, 32, bias=False), nn.ReLU(inplace=True)]
    model = nn.Sequential(*layers, nn.Linear(32, 4))
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight)
    x, y = torch.randn(64, 32), torch.randint(0, 4, (64,))
    healthy = list(output_gradient_norms(model, x, y).values())
    with torch.no_grad():
        for layer in model[:-1]:
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(0.5)
    shrunk = list(output_gradient_norms(model, x, y).values())
    assert len(shrunk) == 13 and model.training
    assert shrunk[0] / shrunk[-2] < 0.5 ** 8  # twelve factors of about 1/2 between the first and the last hidden layer
    assert 0.05 < healthy[0] / healthy[-2] < 20
