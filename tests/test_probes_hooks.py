"""Hooks: attached for the probe, removed after it, even on error."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import probes
from probe_helpers import assert_untouched, small_net, snapshot


def test_forward_hooks_are_removed_even_when_the_forward_pass_fails() -> None:
    net = small_net()
    calls: list[str] = []
    with pytest.raises(RuntimeError):
        with probes.forward_hooks(net.named_children(), lambda name: lambda m, i, o: calls.append(name)):
            net(torch.randn(2, 3, 8, 8))
            assert calls[:2] == ["0", "1"]
            raise RuntimeError("boom")
    assert all(not m._forward_hooks for m in net.modules())


def test_pre_hooks_run_before_the_module_and_are_removed_too() -> None:
    net = small_net()
    seen: list[tuple[str, tuple[int, ...]]] = []
    with probes.forward_hooks([("0", net[0])], lambda name: lambda m, inputs: seen.append((name, inputs[0].shape)),
                              pre=True):
        net(torch.randn(2, 3, 8, 8))
    assert seen == [("0", (2, 3, 8, 8))]  # the input of conv 0, not its 4-channel output
    assert all(not m._forward_pre_hooks for m in net.modules())


def test_untouched_restores_mode_and_batchnorm_statistics() -> None:
    net = small_net().eval()
    before = snapshot(net)
    with probes.untouched(net):
        net.train()(torch.randn(4, 3, 8, 8))
        assert not torch.equal(net[1].running_mean, before["1.running_mean"])
    assert_untouched(net, before, training=False)


def test_weighted_layers_and_device() -> None:
    assert [name for name, _ in probes.weighted_layers(small_net())] == ["0", "3", "7"]
    assert probes.device_of(small_net()) == torch.device("cpu")
    assert probes.device_of(nn.ReLU()) == torch.device("cpu")  # no tensors at all


def test_batches_cover_the_data_once_in_order() -> None:
    x, y = torch.arange(10.0), torch.arange(10)
    parts = list(probes.batches(x, y, 4, torch.device("cpu")))
    assert [len(xb) for xb, _ in parts] == [4, 4, 2]
    assert torch.equal(torch.cat([yb for _, yb in parts]), y)


def _block(in_channels: int, out_channels: int, stride: int = 1) -> nn.Module:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1), nn.ReLU())


class _Staged(nn.Module):
    """timm's layout with names torchvision's convention does not know: the stages are found by feature_info only.

    As in a pre-activation net, the last features are taken after a final norm and ReLU that follow the last stage.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.act = nn.ReLU()
        self.stage1 = nn.Sequential(_block(4, 4), _block(4, 4))
        self.stage2 = nn.Sequential(_block(4, 8, stride=2))
        self.final = nn.Sequential(nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(8, 2))
        self.feature_info = [
            {"num_chs": 4, "reduction": 1, "module": "act"},  # the stem's output: no stage of blocks before it
            {"num_chs": 4, "reduction": 1, "module": "stage1"},
            {"num_chs": 8, "reduction": 2, "module": "final"},  # closes stage2
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.final(self.stage2(self.stage1(self.act(self.conv(x)))))))


def test_stage_modules_come_from_feature_info_when_a_model_has_it() -> None:
    assert [name for name, _ in probes.stage_modules(_Staged())] == ["stage1", "stage2"]
    vgg_like = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2)), nn.Flatten())
    vgg_like.feature_info = [{"num_chs": 4, "reduction": 1, "module": "0.1"}]
    assert probes.stage_modules(vgg_like) == []  # single layers, no blocks: no stages
    vgg_like.feature_info = [{"num_chs": 4, "reduction": 1, "module": "body.3"}]
    assert probes.stage_modules(vgg_like) == []  # a name that is no module is ignored


def test_stage_modules_fall_back_to_torchvisions_layer_names() -> None:
    net = torchvision.models.resnet18()
    assert not hasattr(net, "feature_info")
    assert [name for name, _ in probes.stage_modules(net)] == ["layer1", "layer2", "layer3", "layer4"]
    wrapped = nn.Sequential()
    wrapped.add_module("backbone", net)
    assert [name for name, _ in probes.stage_modules(wrapped)][0] == "backbone.layer1"
    assert probes.stage_modules(small_net()) == []


def test_stages_blocks_and_layer_table_read_feature_info() -> None:
    net = _Staged()
    assert [stage for stage, _ in probes.stages(net)] == ["stem", "stage1", "stage2", "head"]
    assert [name for name, _ in probes.blocks(net)] == ["stage1.0", "stage1.1", "stage2.0"]
    per_stage = probes.count_parameters(net, by="stage")
    assert per_stage == {"stem": 112, "stage1": 2 * 148, "stage2": 296, "head": 16 + 18}
    assert sum(per_stage.values()) == probes.count_parameters(net)
    table = probes.layer_table(net, (1, 3, 8, 8))
    assert [row["output_shape"] for row in table] == [(4, 8, 8), (4, 8, 8), (8, 4, 4), (2,)]
    assert [row["macs"] for row in table] == [64 * 27 * 4, 2 * 64 * 36 * 4, 16 * 36 * 8, 8 * 2]
    assert probes.lesion(net, torch.randn(3, 3, 8, 8), torch.tensor([0, 1, 0])).keys() == {
        "baseline", "stage1.0", "stage1.1"}  # stage2.0 changes the shape, so it cannot be skipped
