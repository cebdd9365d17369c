"""Parameter and FLOP counts checked against torchvision's documented numbers and the paper's Table 1."""
from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from resnet_lib import models, probes
from probe_helpers import assert_untouched, meta, small_net, snapshot


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
    net = small_net()
    assert probes.count_parameters(net, by="stage") == {
        "0": 112, "1": 8, "2": 0, "3": 222, "4": 0, "5": 0, "6": 0, "7": 35,
    }
    with pytest.raises(ValueError, match="by must be one of .* got by='block'"):
        probes.count_parameters(net, by="block")

@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"])
def test_macs_match_torchvision_documented_gflops(name: str) -> None:
    weights = torchvision.models.get_model_weights(name).DEFAULT
    documented = weights.meta["_ops"]  # GFLOPS as torchvision (and the paper) count them: multiply-adds
    assert probes.macs(meta(name)) / 1e9 == pytest.approx(documented, rel=0.01)


def test_flops_are_two_per_multiply_add_and_scale_with_thebatch() -> None:
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    expected_macs = 8 * 8 * 8 * 3 * 3 * 3  # out_h * out_w * out_channels * in_channels * k * k
    assert probes.macs(conv, (1, 3, 8, 8)) == expected_macs
    assert probes.flops(conv, (1, 3, 8, 8)) == 2 * expected_macs
    assert probes.flops(conv, (4, 3, 8, 8)) == 8 * expected_macs


def test_flops_of_a_real_model_keep_it_intact() -> None:
    net = small_net().train()
    before = snapshot(net)
    assert probes.flops(net, (2, 3, 8, 8)) > 0
    assert_untouched(net, before, True)


@pytest.mark.parametrize(
    ("bad", "error"),
    [((3,), ValueError), ((1, 3, 0, 224), ValueError), ((1, 3, -1, 4), ValueError), ("224", TypeError),
     ((1, 3, 2.5, 2), TypeError), ((1, 3, True, 4), TypeError)],
)
def test_flops_reject_bad_input_size(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="input_size"):
        probes.flops(small_net(), bad)  # type: ignore[arg-type]
    with pytest.raises(error, match="input_size"):
        probes.layer_table(small_net(), bad)  # type: ignore[arg-type]


def test_layer_table_is_the_paper_table_1_for_resnet18() -> None:
    net = meta("resnet18")
    table = probes.layer_table(net, (1, 3, 224, 224))
    assert [row["name"] for row in table] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert [row["output_shape"] for row in table] == [
        (64, 56, 56), (64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7), (1000,),
    ]
    assert sum(row["params"] for row in table) == probes.count_parameters(net)
    assert sum(row["macs"] for row in table) == probes.macs(net)
    assert table[2]["macs"] == pytest.approx(table[3]["macs"])  # half the size, twice the channels


def test_layer_table_of_the_book_models() -> None:
    table = probes.layer_table(models.cifar_resnet(20), (1, 3, 32, 32))
    assert [(row["name"], row["output_shape"]) for row in table] == [
        ("stem", (16, 32, 32)), ("layer1", (16, 32, 32)), ("layer2", (32, 16, 16)),
        ("layer3", (64, 8, 8)), ("head", (10,)),
    ]
    for name in ["resnet18", "resnet34", "resnet50"]:
        with torch.device("meta"):
            ours = getattr(models, name)()
        assert probes.macs(ours) == probes.macs(meta(name))
        assert probes.count_parameters(ours) == probes.count_parameters(meta(name))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("resnet18", {}), ("cifar_resnet", {"depth": 8}), ("cifar_plain", {"depth": 8}),
     ("preact_resnet", {"depth": 11, "block": "bottleneck"}), ("vgg11", {"image_size": 32, "width": 8, "hidden": 32})],
)
def test_feature_info_and_torchvisions_layer_names_give_the_same_stages(name: str, kwargs: dict) -> None:
    """The book's models are read from their feature_info, torchvision's from their names: the two must agree."""
    net = models.get_model(name, **kwargs)
    stages, blocks, per_stage = probes.stages(net), probes.blocks(net), probes.count_parameters(net, by="stage")
    net.__dict__.pop("feature_info", None)
    assert not hasattr(net, "feature_info")
    assert [(s, [n for n, _ in c]) for s, c in probes.stages(net)] == [(s, [n for n, _ in c]) for s, c in stages]
    assert [n for n, _ in probes.blocks(net)] == [n for n, _ in blocks]
    assert probes.count_parameters(net, by="stage") == per_stage
