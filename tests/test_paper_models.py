"""The paper versions of AlexNet (two-GPU split as grouped convolutions) and VGG (all six configurations)."""
import pytest
import torch
import torch.nn as nn
import torchvision

from resnet_lib import probes
from resnet_lib.models.alexnet_paper import alexnet_paper, local_response_norm
from resnet_lib.models.vgg_paper import (VGG_PAPER_CONFIGS, init_from_shallower_, normal_init_, vgg_depth_config,
                                         vgg_paper)


def test_paper_alexnet_counts_and_shapes() -> None:
    split, joined = alexnet_paper(), alexnet_paper(groups=1)
    assert probes.count_parameters(split) == 60_965_224
    assert probes.count_parameters(joined) == 62_378_344
    assert split.features(torch.zeros(1, 3, 224, 224)).shape == (1, 256, 6, 6)
    assert [m.groups for m in split.features if isinstance(m, nn.Conv2d)] == [1, 2, 1, 2, 2]
    assert split(torch.zeros(2, 3, 224, 224)).shape == (2, 1000)


def test_paper_alexnet_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="groups"):
        alexnet_paper(groups=3)
    with pytest.raises(TypeError, match="widths"):
        alexnet_paper(widths=(96, 256))
    with pytest.raises(ValueError, match="image_size"):
        alexnet_paper(image_size=32)
    with pytest.raises(TypeError, match="lrn"):
        alexnet_paper(lrn="yes")


def test_local_response_norm_is_the_papers_formula() -> None:
    a = torch.randn(2, 9, 4, 4) * 30
    padded = nn.functional.pad(a.pow(2), (0, 0, 0, 0, 2, 2))
    window = sum(padded[:, i:i + 9] for i in range(5))
    expected = a / (2 + 1e-4 * window) ** 0.75
    assert torch.allclose(local_response_norm()(a), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("config, builder", [("A", "vgg11"), ("B", "vgg13"), ("D", "vgg16"), ("E", "vgg19")])
def test_vgg_configs_match_torchvision(config: str, builder: str) -> None:
    ours, theirs = vgg_paper(config), getattr(torchvision.models, builder)()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert probes.count_parameters(ours) == probes.count_parameters(theirs)


def test_vgg_c_and_lrn_and_depth_rule() -> None:
    assert probes.count_parameters(vgg_paper("C")) == 133_638_952
    assert probes.count_parameters(vgg_paper("A-LRN")) == probes.count_parameters(vgg_paper("A"))
    kernels = [m.kernel_size[0] for m in vgg_paper("C").features if isinstance(m, nn.Conv2d)]
    assert kernels.count(1) == 3
    for depth, name in ((11, "A"), (13, "B"), (16, "D"), (19, "E")):
        assert vgg_depth_config(depth) == VGG_PAPER_CONFIGS[name]
    net = vgg_paper(28, width=8, hidden=16, image_size=16, in_channels=1, num_classes=10)
    assert sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in net.modules()) == 28
    assert net(torch.zeros(2, 1, 16, 16)).shape == (2, 10)
    with pytest.raises(ValueError, match="config"):
        vgg_paper("F")
    with pytest.raises(ValueError, match="depth"):
        vgg_depth_config(5)


def test_staged_init_copies_a_into_e_stage_by_stage() -> None:
    kw = dict(width=8, hidden=16, image_size=16, in_channels=1, num_classes=10)
    a, e = vgg_paper("A", **kw), normal_init_(vgg_paper("E", **kw), 0.01)
    init_from_shallower_(e, a)
    copied = [(a.stages[0][0], e.stages[0][0]), (a.stages[1][0], e.stages[1][0]),
              (a.stages[2][0], e.stages[2][0]), (a.stages[2][1], e.stages[2][1])]
    for src, dst in copied:
        assert torch.equal(src.weight, dst.weight)
    assert not torch.equal(a.stages[3][0].weight, e.stages[3][0].weight)  # only the first four convolutions
    assert e.stages[0][1].weight.std() < 0.02  # the layers in between keep their random init
    for src, dst in zip(a.classifier, e.classifier):
        if isinstance(src, nn.Linear):
            assert torch.equal(src.weight, dst.weight)
    with pytest.raises(ValueError, match="convs"):
        init_from_shallower_(e, a, convs=9)
    with pytest.raises(TypeError, match="deep"):
        init_from_shallower_(nn.Linear(2, 2), a)
