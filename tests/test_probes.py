"""Probes: every number checked against an independent computation, and nothing left behind."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import probes


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """These tensors are tiny: one thread is fastest, and several oversubscribe a busy CPU 100-fold."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5),
    )


def _batch(n: int = 8, size: int = 8, classes: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(n, 3, size, size, generator=generator), torch.randint(0, classes, (n,), generator=generator)


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in model.state_dict().items()}


def _assert_untouched(model: nn.Module, before: dict[str, torch.Tensor], training: bool) -> None:
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), f"{name} changed"
    assert all(m.training == training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


class _Negate(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -x


class _Widen(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x], dim=1)


class _Lesionable(nn.Module):
    """layer1.0 flips the logits (skipping it flips every prediction), layer1.1 changes the shape."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Identity()
        self.layer1 = nn.Sequential(_Negate(), _Widen())
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer1(self.stem(x))[:, :2]


# --------------------------------------------------------------------------- hooks


def test_forward_hooks_are_removed_even_when_the_forward_pass_fails() -> None:
    net = _small_net()
    calls: list[str] = []
    with pytest.raises(RuntimeError):
        with probes.forward_hooks(net.named_children(), lambda name: lambda m, i, o: calls.append(name)):
            net(torch.randn(2, 3, 8, 8))
            assert calls[:2] == ["0", "1"]
            raise RuntimeError("boom")
    assert all(not m._forward_hooks for m in net.modules())


# --------------------------------------------------------------------------- gradients, activations


@pytest.mark.parametrize("training", [True, False])
def test_gradient_norms_match_a_manual_backward_pass_and_leave_nothing_behind(training: bool) -> None:
    net = _small_net().train(training)
    x, y = _batch()
    before = _snapshot(net)
    norms = probes.gradient_norms(net, x, y)
    _assert_untouched(net, before, training)

    assert list(norms) == ["0", "3", "7"]  # conv, conv, linear in forward order
    reference = _small_net().train(training)
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
    x, y = _batch()
    with pytest.raises(TypeError, match="model"):
        probes.gradient_norms("resnet", x, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        probes.gradient_norms(_small_net(), x, y[:3])
    with pytest.raises(TypeError, match="loss_fn"):
        probes.gradient_norms(_small_net(), x, y, loss_fn="mse")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        probes.gradient_norms(nn.Sequential(nn.Flatten()), x, y)


def test_activation_stats_match_the_layer_outputs_and_leave_nothing_behind() -> None:
    net = _small_net().train()
    x, _ = _batch()
    before = _snapshot(net)
    stats = probes.activation_stats(net, x)
    _assert_untouched(net, before, True)
    assert list(stats) == ["0", "3", "7"]
    with torch.no_grad():
        first = net[0](x)
    assert stats["0"]["mean"] == pytest.approx(float(first.mean()), abs=1e-6)
    assert stats["0"]["std"] == pytest.approx(float(first.std()), rel=1e-5)

    relus = probes.activation_stats(net, x, layer_types=(nn.ReLU,))
    assert list(relus) == ["2", "4"] and all(s["mean"] >= 0 for s in relus.values())
    with pytest.raises(TypeError, match="layer_types"):
        probes.activation_stats(net, x, layer_types=nn.Conv2d)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- counting


def test_count_parameters_total_layer_and_stage_agree() -> None:
    net = torchvision.models.resnet18()
    total = probes.count_parameters(net)
    assert total == 11_689_512  # torchvision's documented number
    per_stage = probes.count_parameters(net, by="stage")
    assert list(per_stage) == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert per_stage["stem"] == 64 * 3 * 7 * 7 + 2 * 64  # conv1 + bn1
    assert per_stage["head"] == 512 * 1000 + 1000
    assert sum(per_stage.values()) == total
    per_layer = probes.count_parameters(net, by="layer")
    assert per_layer["conv1"] == 9408 and sum(per_layer.values()) == total


def test_count_parameters_of_a_net_without_stages_uses_its_children() -> None:
    net = _small_net()
    assert probes.count_parameters(net, by="stage") == {
        "0": 112, "1": 8, "2": 0, "3": 222, "4": 0, "5": 0, "6": 0, "7": 35,
    }
    with pytest.raises(ValueError, match="by must be one of .* got by='block'"):
        probes.count_parameters(net, by="block")


def _meta(name: str) -> nn.Module:
    """Shape-only model: constructing ResNet-152 this way takes milliseconds."""
    with torch.device("meta"):
        return getattr(torchvision.models, name)()


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"])
def test_macs_match_torchvision_documented_gflops(name: str) -> None:
    weights = torchvision.models.get_model_weights(name).DEFAULT
    documented = weights.meta["_ops"]  # GFLOPS as torchvision (and the paper) count them: multiply-adds
    assert probes.macs(_meta(name)) / 1e9 == pytest.approx(documented, rel=0.01)


def test_flops_are_two_per_multiply_add_and_scale_with_the_batch() -> None:
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    expected_macs = 8 * 8 * 8 * 3 * 3 * 3  # out_h * out_w * out_channels * in_channels * k * k
    assert probes.macs(conv, (1, 3, 8, 8)) == expected_macs
    assert probes.flops(conv, (1, 3, 8, 8)) == 2 * expected_macs
    assert probes.flops(conv, (4, 3, 8, 8)) == 8 * expected_macs


def test_flops_of_a_real_model_keep_it_intact() -> None:
    net = _small_net().train()
    before = _snapshot(net)
    assert probes.flops(net, (2, 3, 8, 8)) > 0
    _assert_untouched(net, before, True)


@pytest.mark.parametrize("bad", [(3,), (1, 3, 0, 224), (1, 3, -1, 4), "224", (1, 3, 2.5, 2)])
def test_flops_reject_bad_input_size(bad: object) -> None:
    with pytest.raises(ValueError, match="input_size"):
        probes.flops(_small_net(), bad)  # type: ignore[arg-type]


def test_layer_table_is_the_paper_table_1_for_resnet18() -> None:
    net = _meta("resnet18")
    table = probes.layer_table(net, (1, 3, 224, 224))
    assert [row["name"] for row in table] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert [row["output_shape"] for row in table] == [
        (64, 56, 56), (64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7), (1000,),
    ]
    assert sum(row["params"] for row in table) == probes.count_parameters(net)
    assert sum(row["macs"] for row in table) == probes.macs(net)
    assert table[2]["macs"] == pytest.approx(table[3]["macs"])  # half the size, twice the channels


def test_layer_table_of_the_book_models() -> None:
    models = pytest.importorskip("resnet_lib.models")
    table = probes.layer_table(models.cifar_resnet(20), (1, 3, 32, 32))
    assert [(row["name"], row["output_shape"]) for row in table] == [
        ("stem", (16, 32, 32)), ("layer1", (16, 32, 32)), ("layer2", (32, 16, 16)),
        ("layer3", (64, 8, 8)), ("head", (10,)),
    ]
    for name in ["resnet18", "resnet34", "resnet50"]:
        with torch.device("meta"):
            ours = getattr(models, name)()
        assert probes.macs(ours) == probes.macs(_meta(name))
        assert probes.count_parameters(ours) == probes.count_parameters(_meta(name))


# --------------------------------------------------------------------------- geometry


def test_conv_output_size_examples() -> None:
    assert probes.conv_output_size(224, 7, stride=2, padding=3) == 112
    assert probes.conv_output_size(112, 3, stride=2, padding=1) == 56
    assert probes.conv_output_size(32, 3, stride=1, padding=1) == 32
    assert probes.conv_output_size(7, 3, stride=2, padding=1) == 4
    assert probes.conv_output_size(7, 3, stride=2) == 3
    assert probes.conv_output_size(56, 3, padding=2, dilation=2) == 56


def test_conv_output_size_agrees_with_pytorch() -> None:
    rng = np.random.default_rng(0)
    for _ in range(40):
        size, kernel, stride, padding, dilation = (int(v) for v in rng.integers([5, 1, 1, 0, 1], [40, 8, 5, 4, 4]))
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue
        conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        with torch.no_grad():
            actual = conv(torch.zeros(1, 1, size, size)).shape[-1]
        assert probes.conv_output_size(size, kernel, stride, padding, dilation) == actual


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0, "kernel": 3}, "size must be a positive integer, got size=0"),
        ({"size": -4, "kernel": 3}, "size=-4"),
        ({"size": 8, "kernel": 0}, "kernel=0"),
        ({"size": 8, "kernel": 3, "stride": 0}, "stride must be a positive integer, got stride=0"),
        ({"size": 8, "kernel": 3, "padding": -1}, "padding must be an integer >= 0, got padding=-1"),
        ({"size": 8, "kernel": 3, "dilation": 0}, "dilation=0"),
        ({"size": 8.0, "kernel": 3}, "size=8.0"),
        ({"size": 8, "kernel": True}, "kernel=True"),
        ({"size": 4, "kernel": 7}, "kernel spans 7 pixels .* padded input has only 4"),
        ({"size": 4, "kernel": 3, "dilation": 3}, "kernel spans 7 pixels"),
    ],
)
def test_conv_output_size_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        probes.conv_output_size(**kwargs)


def test_receptive_field_examples() -> None:
    assert probes.receptive_field([]) == 1
    assert probes.receptive_field([(3, 1)] * 2) == 5
    assert probes.receptive_field([(3, 1)] * 3) == 7
    assert probes.receptive_field([(7, 2), (3, 2)]) == 11  # ResNet stem: conv1 then max pool
    assert probes.receptive_field([(3, 1, 2)]) == 5


def _measured_receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """Width of the input region that moves one central output pixel: the definition itself."""
    convs = [nn.Conv1d(1, 1, k, stride=s, dilation=d, bias=False) for k, s, d in layers]
    for conv in convs:
        nn.init.ones_(conv.weight)
    x = torch.zeros(1, 1, 64, requires_grad=True)
    out = nn.Sequential(*convs)(x)
    out[0, 0, out.shape[-1] // 2].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    return int(touched.max() - touched.min() + 1)


@pytest.mark.parametrize("layers", [[(3, 1, 1)] * 4, [(7, 2, 1), (3, 2, 1), (3, 1, 1)], [(3, 1, 2), (3, 2, 1), (5, 1, 3)]])
def test_receptive_field_agrees_with_a_measured_one(layers: list[tuple[int, int, int]]) -> None:
    assert probes.receptive_field(layers) == _measured_receptive_field(layers)


def test_receptive_field_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="layers"):
        probes.receptive_field("3x3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"layers\[1\]=\(3,\)"):
        probes.receptive_field([(3, 1), (3,)])
    with pytest.raises(ValueError, match=r"layers\[0\] stride must be a positive integer, got layers\[0\] stride=0"):
        probes.receptive_field([(3, 0)])


# --------------------------------------------------------------------------- shattered gradients


def test_mlp_shapes_and_the_shortcut_is_the_only_difference() -> None:
    residual = probes.mlp(4, width=8, residual=True, batchnorm=True)
    plain = probes.mlp(4, width=8, residual=False, batchnorm=True)
    assert residual(torch.randn(16, 1)).shape == (16, 1)
    assert [type(m) for m in residual.modules()] == [type(m) for m in plain.modules()]
    assert not any(isinstance(m, nn.BatchNorm1d) for m in probes.mlp(3, batchnorm=False).modules())
    with pytest.raises(ValueError, match="depth must be a positive integer, got depth=0"):
        probes.mlp(0)
    with pytest.raises(ValueError, match="width"):
        probes.mlp(3, width=-2)
    with pytest.raises(TypeError, match="residual"):
        probes.mlp(3, residual="yes")  # type: ignore[arg-type]


def test_input_gradients_are_pointwise_derivatives() -> None:
    torch.manual_seed(0)
    net = probes.mlp(3, width=16, residual=True, batchnorm=False).double()
    xs, grads = probes.input_gradients(net, n_points=64)
    assert xs[0] == -2 and xs[-1] == 2 and grads.shape == (64,)
    step = 1e-6
    with torch.no_grad():
        points = torch.from_numpy(xs).unsqueeze(1)
        numeric = ((net(points + step) - net(points - step)) / (2 * step)).squeeze(1).numpy()
    np.testing.assert_allclose(grads, numeric, rtol=1e-4, atol=1e-6)


def test_input_gradients_with_batchnorm_use_the_grid_statistics_and_keep_the_model() -> None:
    torch.manual_seed(0)
    net = probes.mlp(3, width=16, residual=False, batchnorm=True).double().train()
    before = _snapshot(net)
    xs, grads = probes.input_gradients(net, n_points=32)
    _assert_untouched(net, before, True)
    # Differentiating the grid-normalised net point by point, by finite differences on a frozen copy:
    frozen = probes.mlp(3, width=16, residual=False, batchnorm=True).double()
    frozen.load_state_dict(net.state_dict())
    for norm in [m for m in frozen.modules() if isinstance(m, nn.BatchNorm1d)]:
        norm.momentum = 1.0
    points = torch.from_numpy(xs).unsqueeze(1)
    with torch.no_grad():
        frozen.train()(points)
        frozen.eval()
        numeric = ((frozen(points + 1e-6) - frozen(points - 1e-6)) / 2e-6).squeeze(1).numpy()
    np.testing.assert_allclose(grads, numeric, rtol=1e-4, atol=1e-6)


def test_autocorrelation_of_smooth_and_white_signals() -> None:
    grid = np.linspace(0, 4 * np.pi, 400)
    smooth = probes.autocorrelation(np.sin(grid), max_lag=5)
    noise = probes.autocorrelation(np.random.default_rng(0).normal(size=400), max_lag=5)
    assert smooth[0] == pytest.approx(1.0) and noise[0] == pytest.approx(1.0)
    assert smooth[1:].min() > 0.95 and np.abs(noise[1:]).max() < 0.15
    with pytest.raises(ValueError, match="max_lag must be smaller .* got max_lag=10"):
        probes.autocorrelation(np.arange(10.0), max_lag=10)
    with pytest.raises(ValueError, match="constant"):
        probes.autocorrelation(np.ones(10), max_lag=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_residual_nets_have_far_more_correlated_gradients(seed: int) -> None:
    """Balduzzi et al. (2017), Figure 1: with BatchNorm at depth 24 the feedforward gradient is
    close to white noise, the residual gradient is not."""
    torch.manual_seed(seed)
    residual = probes.gradient_autocorrelation(probes.mlp(24, residual=True), max_lag=4)
    torch.manual_seed(seed)
    feedforward = probes.gradient_autocorrelation(probes.mlp(24, residual=False), max_lag=4)
    assert residual.shape == (5,) and residual[0] == pytest.approx(1.0)
    assert residual[1] > 0.5
    assert abs(feedforward[1]) < 0.3
    assert residual[1:3].mean() > feedforward[1:3].mean() + 0.4


def test_gradient_autocorrelation_default_lag_and_bad_input() -> None:
    net = probes.mlp(2, width=8)
    assert probes.gradient_autocorrelation(net, n_points=64).shape == (17,)
    with pytest.raises(ValueError, match="n_points"):
        probes.gradient_autocorrelation(net, n_points=1)
    with pytest.raises(ValueError, match="lo and hi"):
        probes.gradient_autocorrelation(net, lo=1.0, hi=-1.0)
    with pytest.raises(ValueError, match="output shape"):
        probes.input_gradients(nn.Linear(1, 3))


# --------------------------------------------------------------------------- lesions


def test_blocks_are_the_children_of_the_layer_modules() -> None:
    names = [name for name, _ in probes.blocks(torchvision.models.resnet18())]
    assert names == [f"layer{s}.{b}" for s in range(1, 5) for b in range(2)]
    assert probes.blocks(_small_net()) == []
    models = pytest.importorskip("resnet_lib.models")
    assert len(probes.blocks(models.cifar_resnet(20))) == 9
    assert len(probes.blocks(models.cifar_plain(20))) == 9


def test_lesion_skips_each_shape_preserving_block() -> None:
    net = _Lesionable().train()
    x = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
    y = (-x).argmax(dim=1)  # the intact net is always right
    before = _snapshot(net)
    errors = probes.lesion(net, x, y, batch_size=2)
    _assert_untouched(net, before, True)
    assert errors == {"baseline": 0.0, "layer1.0": 1.0}  # layer1.1 widens, so it cannot be skipped


def test_lesion_of_a_resnet_skips_the_blocks_without_projection() -> None:
    torch.manual_seed(0)
    net = torchvision.models.resnet18(num_classes=3)
    errors = probes.lesion(net, torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0]), batch_size=4)
    assert list(errors) == ["baseline", "layer1.0", "layer1.1", "layer2.1", "layer3.1", "layer4.1"]
    assert all(0.0 <= e <= 1.0 for e in errors.values())
    assert net.training


def test_lesion_rejects_bad_input() -> None:
    x, y = torch.randn(3, 2), torch.tensor([0, 1, 0])
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got batch_size=0"):
        probes.lesion(_Lesionable(), x, y, batch_size=0)
    with pytest.raises(ValueError, match="no blocks"):
        probes.lesion(nn.Linear(2, 2), x, y)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        probes.lesion(_Lesionable(), [[1.0, 2.0]], y)  # type: ignore[arg-type]


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


# --------------------------------------------------------------------------- paths and loss landscapes


def test_path_length_distribution_is_the_binomial() -> None:
    shares = probes.path_length_distribution(3)
    np.testing.assert_allclose(shares, [1 / 8, 3 / 8, 3 / 8, 1 / 8])
    many = probes.path_length_distribution(54)  # ResNet-110: 54 blocks, Veit et al. (2016)
    assert many.sum() == pytest.approx(1.0) and many.argmax() == 27
    assert many[19:36].sum() > 0.95  # "95% of the paths go through 19 to 35 modules"
    np.testing.assert_allclose(probes.path_length_distribution(0), [1.0])
    with pytest.raises(ValueError, match="n_blocks must be an integer >= 0"):
        probes.path_length_distribution(-1)


def test_filter_normalized_direction_matches_each_filter_norm_and_skips_1d_parameters() -> None:
    net = _small_net()
    before = _snapshot(net)
    direction = probes.filter_normalized_direction(net, seed=3)
    _assert_untouched(net, before, True)
    assert list(direction) == [name for name, _ in net.named_parameters()]
    for name, parameter in net.named_parameters():
        d = direction[name]
        assert d.shape == parameter.shape and d.dtype == parameter.dtype
        if parameter.dim() == 1:
            assert torch.count_nonzero(d) == 0  # biases and BatchNorm parameters stay put
        else:
            torch.testing.assert_close(d.flatten(1).norm(dim=1), parameter.detach().flatten(1).norm(dim=1))
    again = probes.filter_normalized_direction(net, seed=3)
    other = probes.filter_normalized_direction(net, seed=4)
    assert all(torch.equal(direction[n], again[n]) for n in direction)
    assert not torch.equal(direction["0.weight"], other["0.weight"])
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        probes.filter_normalized_direction(net, seed=-1)


def test_loss_slice_moves_the_weights_along_the_direction_on_a_copy() -> None:
    net = _small_net().train()
    x, y = _batch(n=10)
    direction = probes.filter_normalized_direction(net, seed=0)
    before = _snapshot(net)
    losses = probes.loss_slice(net, x, y, direction, [-0.5, 0.0, 0.5], batch_size=4)
    _assert_untouched(net, before, True)
    assert losses.shape == (3,)
    reference = _small_net().eval()
    with torch.no_grad():
        assert losses[1] == pytest.approx(float(nn.functional.cross_entropy(reference(x), y)), rel=1e-5)
        for name, parameter in reference.named_parameters():
            parameter.add_(0.5 * direction[name])
        assert losses[2] == pytest.approx(float(nn.functional.cross_entropy(reference(x), y)), rel=1e-5)


def test_loss_slice_rejects_bad_input() -> None:
    net = _small_net()
    x, y = _batch()
    direction = probes.filter_normalized_direction(net)
    with pytest.raises(ValueError, match="alphas must be a non-empty 1-D sequence"):
        probes.loss_slice(net, x, y, direction, [])
    with pytest.raises(ValueError, match=r"missing \['0.weight'\]"):
        probes.loss_slice(net, x, y, {k: v for k, v in direction.items() if k != "0.weight"}, [0.0])
    with pytest.raises(ValueError, match=r"direction\['0.weight'\] has shape"):
        probes.loss_slice(net, x, y, {**direction, "0.weight": torch.zeros(3)}, [0.0])
    with pytest.raises(TypeError, match="direction must be a dict"):
        probes.loss_slice(net, x, y, list(direction.values()), [0.0])  # type: ignore[arg-type]
