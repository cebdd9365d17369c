"""Tests for resnet_lib.models: torchvision compatibility, the papers' parameter counts, shapes, bad input.

Big models are built on the "meta" device (shapes only, no memory, no init cost) wherever only
their structure is checked; real weights are used only where outputs are compared.
"""

import pytest
import torch
import torch.nn as nn
import torchvision

from resnet_lib import models
from resnet_lib.models import (
    BasicBlock,
    Bottleneck,
    PreActUnit,
    ZeroPadShortcut,
    alexnet,
    cifar_plain,
    cifar_resnet,
    get_model,
    preact_resnet,
    resnet18,
    resnet50,
)

TORCHVISION_NAMES = [
    "alexnet",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
]
UNITS = ["original", "bn_after_add", "relu_before_add", "relu_only_preact", "full"]
PREACT_SHORTCUTS = [{"shortcut": "A"}, {"shortcut": "B"}, {"shortcut": "C"}, {"shortcut_scale": 0.5},
                    {"shortcut_dropout": 0.5}]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def paper_millions(count: int) -> float:
    """Round a parameter count as the papers print it: 0.27M below a million, 1.7M and 19.4M above."""
    millions = count / 1e6
    return round(millions, 2) if millions < 1 else round(millions, 1)


@pytest.fixture(autouse=True)
def no_grad():
    with torch.no_grad():
        yield


# ---------------------------------------------------------------------------------------------------------
# torchvision compatibility
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TORCHVISION_NAMES)
def test_defaults_match_torchvision_counts_and_keys(name: str) -> None:
    with torch.device("meta"):
        ours = getattr(models, name)()
        theirs = getattr(torchvision.models, name)()
    assert count_parameters(ours) == count_parameters(theirs)
    our_shapes = {key: value.shape for key, value in ours.state_dict().items()}
    their_shapes = {key: value.shape for key, value in theirs.state_dict().items()}
    assert our_shapes == their_shapes
    theirs.load_state_dict(ours.state_dict(), strict=True)
    ours.load_state_dict(theirs.state_dict(), strict=True)


@pytest.mark.parametrize("name, size", [("alexnet", 224), ("vgg11_bn", 64), ("resnet18", 64), ("resnet50", 64)])
def test_equal_weights_give_equal_outputs(name: str, size: int) -> None:
    torch.manual_seed(0)
    ours = getattr(models, name)().eval()
    with torch.device("meta"):
        theirs = getattr(torchvision.models, name)()
    _randomise_batchnorm_(ours)  # with gamma 1, beta 0 and default statistics a misplaced BN would pass
    theirs.load_state_dict(ours.state_dict(), strict=True, assign=True)
    theirs.eval()
    x = torch.randn(1, 3, size, size)
    torch.testing.assert_close(ours(x), theirs(x))


@pytest.mark.parametrize("randomise, should_differ", [(False, False), (True, True)])
def test_parity_needs_random_batchnorm_to_see_a_misplaced_bn(randomise: bool, should_differ: bool) -> None:
    """Why the parity test randomises BN: with default statistics a BN in the wrong place computes (almost)
    the identity, so swapping a block's two BNs goes unnoticed; with trained-looking statistics it does not."""
    torch.manual_seed(0)
    ours = resnet18().eval()
    if randomise:
        _randomise_batchnorm_(ours)
    wrong = torchvision.models.resnet18().eval()
    wrong.load_state_dict(ours.state_dict())
    block = wrong.layer1[0]
    block.bn1, block.bn2 = block.bn2, block.bn1
    x = torch.randn(1, 3, 64, 64)
    assert (not torch.allclose(ours(x), wrong(x), atol=1e-4)) == should_differ


def test_v1_bottleneck_loads_into_torchvision_and_strides_in_the_1x1() -> None:
    with torch.device("meta"):
        ours = resnet50(stride_in_1x1=True)
        theirs = torchvision.models.resnet50()
    theirs.load_state_dict(ours.state_dict(), strict=True)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    first = ours.layer2[0]
    assert first.conv1.stride == (2, 2) and first.conv2.stride == (1, 1)
    v15 = resnet50().layer2[0]
    assert v15.conv1.stride == (1, 1) and v15.conv2.stride == (2, 2)


def test_v1_and_v15_differ_in_output_but_not_in_shape() -> None:
    torch.manual_seed(0)
    v15 = resnet50(num_classes=10).eval()
    v1 = resnet50(num_classes=10, stride_in_1x1=True).eval()
    v1.load_state_dict(v15.state_dict())
    x = torch.randn(1, 3, 64, 64)
    assert v1(x).shape == v15(x).shape == (1, 10)
    assert not torch.allclose(v1(x), v15(x))


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_zero_init_residual_zeros_the_same_gammas_as_torchvision(name: str) -> None:
    ours = getattr(models, name)(zero_init_residual=True)
    theirs = getattr(torchvision.models, name)(zero_init_residual=True)

    def zeroed(model: nn.Module) -> set[str]:
        return {key for key, value in model.state_dict().items() if key.endswith("weight") and not value.any()}

    assert zeroed(ours) == zeroed(theirs)
    assert len(zeroed(ours)) == sum(len(getattr(ours, f"layer{i}")) for i in range(1, 5))


def test_resnet_forward_features_is_the_map_before_pooling() -> None:
    model = resnet18(num_classes=7).eval()
    x = torch.randn(1, 3, 64, 64)
    features = model.forward_features(x)
    assert features.shape == (1, 512, 2, 2)
    torch.testing.assert_close(model.fc(features.mean(dim=(2, 3))), model(x))


def test_resnet_in_channels_changes_only_the_stem() -> None:
    model = resnet18(num_classes=10, in_channels=1).eval()
    assert model.conv1.weight.shape == (64, 1, 7, 7)
    assert model(torch.randn(1, 1, 32, 32)).shape == (1, 10)


# ---------------------------------------------------------------------------------------------------------
# Small AlexNet and VGG variants
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [28, 16, 32])
def test_small_alexnet_uses_a_3x3_stem_and_fits_the_pool(size: int) -> None:
    model = alexnet(num_classes=10, in_channels=1, width=8, hidden=32, image_size=size).eval()
    stem = model.features[0]
    assert stem.kernel_size == (3, 3) and stem.stride == (1, 1)
    features = model.forward_features(torch.randn(1, 1, size, size))
    assert model.avgpool.output_size == (features.shape[-1], features.shape[-1])
    assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_alexnet_width_and_hidden_scale_every_layer() -> None:
    model = alexnet(width=16, hidden=128, image_size=28)
    conv_widths = [m.out_channels for m in model.features if isinstance(m, nn.Conv2d)]
    assert conv_widths == [16, 48, 96, 64, 64]
    assert [m.out_features for m in model.classifier if isinstance(m, nn.Linear)] == [128, 128, 1000]


@pytest.mark.parametrize("name", ["vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"])
@pytest.mark.parametrize("size", [28, 16])
def test_small_vgg_skips_pools_below_1x1(name: str, size: int) -> None:
    model = get_model(name, num_classes=10, in_channels=1, width=8, hidden=32, image_size=size).eval()
    pools = sum(isinstance(m, nn.MaxPool2d) for m in model.features)
    assert pools == 4  # 28 -> 14 -> 7 -> 3 -> 1 and 16 -> 8 -> 4 -> 2 -> 1; the fifth pool is left out
    assert model.forward_features(torch.randn(1, 1, size, size)).shape[-2:] == (1, 1)
    assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_vgg_width_scales_all_stages_and_keeps_the_depth() -> None:
    model = models.vgg16_bn(width=16, image_size=32)
    widths = [m.out_channels for m in model.features if isinstance(m, nn.Conv2d)]
    assert widths == [16, 16, 32, 32, 64, 64, 64, 128, 128, 128, 128, 128, 128]


def test_small_classifier_gets_he_init_so_it_does_not_start_silent() -> None:
    torch.manual_seed(0)
    model = models.vgg11(width=8, hidden=256, image_size=16)
    for layer in (m for m in model.classifier if isinstance(m, nn.Linear)):
        expected_std = (2 / layer.in_features) ** 0.5  # a fixed 0.01 would be 6x too small at 256 inputs
        assert abs(layer.weight.std().item() - expected_std) < 0.1 * expected_std
        assert not layer.bias.any()


def test_dropout_is_a_parameter() -> None:
    with torch.device("meta"):
        small = models.vgg11(dropout=0.3, width=8, hidden=16, image_size=16)
        default = alexnet()
    assert {m.p for m in small.modules() if isinstance(m, nn.Dropout)} == {0.3}
    assert {m.p for m in default.modules() if isinstance(m, nn.Dropout)} == {0.5}


# ---------------------------------------------------------------------------------------------------------
# CIFAR nets (He et al. 2016, section 4.2, Table 6)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth, millions", [(20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7), (1202, 19.4)])
def test_cifar_counts_match_table_6_and_plain_twin_is_the_same_size(depth: int, millions: float) -> None:
    with torch.device("meta"):
        residual = count_parameters(cifar_resnet(depth))
        plain = count_parameters(cifar_plain(depth))
    assert paper_millions(residual) == millions
    assert plain == residual


def test_cifar_shortcut_options_order_by_size() -> None:
    a, b, c = (count_parameters(cifar_resnet(20, shortcut=s)) for s in "ABC")
    assert a < b < c


def test_cifar_structure_and_names() -> None:
    model = cifar_resnet(20, width=16)
    names = [name for name, _ in model.named_children()]
    assert names == ["conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", "fc"]
    blocks = [block for i in (1, 2, 3) for block in getattr(model, f"layer{i}").children()]
    assert len(blocks) == 9 and all(isinstance(b, BasicBlock) for b in blocks)
    assert [b.conv2.out_channels for b in blocks[::3]] == [16, 32, 64]
    assert [b.stride for b in blocks[::3]] == [1, 2, 2]


def test_cifar_downsample_per_option() -> None:
    def downsamples(model: nn.Module) -> list[str]:
        return [type(b.downsample).__name__ for i in (1, 2, 3) for b in getattr(model, f"layer{i}")]

    assert downsamples(cifar_resnet(8, shortcut="A")) == ["NoneType", "ZeroPadShortcut", "ZeroPadShortcut"]
    assert downsamples(cifar_resnet(8, shortcut="B")) == ["NoneType", "Sequential", "Sequential"]
    assert downsamples(cifar_resnet(8, shortcut="C")) == ["Sequential"] * 3
    plain = cifar_plain(8)
    assert all(not b.residual and b.downsample is None for i in (1, 2, 3) for b in getattr(plain, f"layer{i}"))


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels() -> None:
    x = torch.randn(2, 16, 9, 9)
    y = ZeroPadShortcut(16, 32, stride=2)(x)
    assert y.shape == (2, 32, 5, 5)
    torch.testing.assert_close(y[:, :16], x[:, :, ::2, ::2])
    assert not y[:, 16:].any()


def test_block_with_silenced_branch_passes_the_shortcut() -> None:
    """F(x) = 0 leaves ReLU(shortcut(x)): the identity a residual block can learn for free."""
    block = BasicBlock(16, 32, stride=2, downsample=ZeroPadShortcut(16, 32, 2)).eval()
    nn.init.zeros_(block.bn2.weight)
    x = torch.randn(1, 16, 8, 8)
    torch.testing.assert_close(block(x), torch.relu(block.downsample(x)))
    plain = BasicBlock(16, 16, residual=False).eval()
    nn.init.zeros_(plain.bn2.weight)
    assert not plain(x).any()  # a plain block has nothing to fall back on


def test_plain_and_option_a_share_weights_but_not_outputs() -> None:
    torch.manual_seed(0)
    residual, plain = cifar_resnet(20).eval(), cifar_plain(20).eval()
    plain.load_state_dict(residual.state_dict(), strict=True)
    x = torch.randn(1, 3, 32, 32)
    assert not torch.allclose(residual(x), plain(x))


@pytest.mark.parametrize("shortcut", ["A", "B", "C"])
def test_cifar_forward_shapes(shortcut: str) -> None:
    model = cifar_resnet(20, shortcut=shortcut, num_classes=10).eval()
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert model.forward_features(torch.randn(1, 3, 32, 32)).shape == (1, 64, 8, 8)
    fashion = cifar_resnet(8, shortcut=shortcut, width=8, in_channels=1).eval()
    assert fashion.forward_features(torch.randn(1, 1, 28, 28)).shape == (1, 32, 7, 7)
    assert cifar_plain(8, width=8, in_channels=1, num_classes=5)(torch.randn(2, 1, 28, 28)).shape == (2, 5)


# ---------------------------------------------------------------------------------------------------------
# Pre-activation nets (He et al. 2016b)
# ---------------------------------------------------------------------------------------------------------


def test_preact_164_has_1_7m_parameters() -> None:
    model = preact_resnet(164)
    assert paper_millions(count_parameters(model)) == 1.7
    widths = [getattr(model, f"layer{i}")[-1].residual[-1].out_channels for i in (1, 2, 3)]
    assert widths == [64, 128, 256]


def test_preact_1001_has_about_10_2m_parameters() -> None:
    with torch.device("meta"):
        model = preact_resnet(1001)
    # The paper's 10.2M matches the convolution weights; BatchNorm adds another 0.15M (1.5%).
    conv_weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d))
    assert paper_millions(conv_weights) == 10.2
    assert abs(count_parameters(model) - 10.2e6) / 10.2e6 < 0.02


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("block, depth", [("basic", 8), ("bottleneck", 11)])
@pytest.mark.parametrize("shortcut", PREACT_SHORTCUTS, ids=str)
def test_preact_every_variant_runs(unit: str, block: str, depth: int, shortcut: dict) -> None:
    model = preact_resnet(depth, block=block, unit=unit, width=8, num_classes=3, **shortcut)
    x = torch.randn(2, 3, 16, 16)
    assert model.eval()(x).shape == (2, 3)
    assert model.train()(x).shape == (2, 3)
    units = [u for i in (1, 2, 3) for u in getattr(model, f"layer{i}").children()]
    assert len(units) == 3 and all(isinstance(u, PreActUnit) for u in units)


def test_preact_basic_stage_widths_and_depth() -> None:
    model = preact_resnet(20, block="basic", width=16)
    assert [len(getattr(model, f"layer{i}")) for i in (1, 2, 3)] == [3, 3, 3]
    assert [getattr(model, f"layer{i}")[0].residual[-1].out_channels for i in (1, 2, 3)] == [16, 32, 64]


@pytest.mark.parametrize(
    "unit, expected",
    [
        ("original", lambda x: torch.relu(x)),
        ("relu_before_add", lambda x: x),
        ("relu_only_preact", lambda x: x),
        ("full", lambda x: x),
    ],
)
def test_unit_with_silenced_branch_shows_what_follows_the_addition(unit: str, expected) -> None:
    """Only units whose sum is left alone (c, d, e) pass x through unchanged: the paper's clean identity path."""
    block = PreActUnit(16, 16, block="basic", unit=unit).eval()
    last_conv = [m for m in block.residual if isinstance(m, nn.Conv2d)][-1]
    nn.init.zeros_(last_conv.weight)
    x = torch.randn(1, 16, 8, 8)
    torch.testing.assert_close(block(x), expected(x))


def test_scaling_shortcut_multiplies_by_scale() -> None:
    block = PreActUnit(16, 16, block="basic", unit="full", shortcut_scale=0.25).eval()
    nn.init.zeros_(block.residual[-1].weight)
    x = torch.randn(1, 16, 4, 4)
    torch.testing.assert_close(block(x), 0.25 * x)


def test_shortcut_variants_apply_away_from_shape_changes_only() -> None:
    model = preact_resnet(20, block="basic", shortcut="C", width=8)
    shortcuts = [type(u.shortcut).__name__ for i in (1, 2, 3) for u in getattr(model, f"layer{i}")]
    assert shortcuts == ["Conv2d"] * 9
    model = preact_resnet(20, block="basic", shortcut_dropout=0.5, width=8)
    first_units = [getattr(model, f"layer{i}")[0].shortcut for i in (2, 3)]
    assert all(isinstance(s, nn.Conv2d) and s.stride == (2, 2) for s in first_units)
    assert isinstance(model.layer2[1].shortcut, nn.Dropout)


def test_full_preact_net_has_a_bare_stem_and_a_final_bn_relu() -> None:
    full = preact_resnet(11)
    assert isinstance(full.stem_activation, nn.Identity)
    assert [type(m) for m in full.final_activation] == [nn.BatchNorm2d, nn.ReLU]
    original = preact_resnet(11, unit="original")
    assert isinstance(original.final_activation, nn.Identity)
    assert [type(m) for m in original.stem_activation] == [nn.BatchNorm2d, nn.ReLU]


# ---------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------


def test_get_model_builds_by_name() -> None:
    assert isinstance(get_model("cifar_resnet", depth=20), models.CifarResNet)
    assert isinstance(get_model("preact_resnet", depth=11, width=4), models.PreActResNet)
    assert set(models.MODELS) <= set(models.__all__)


def test_get_model_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"name must be one of .*resnet18.*got name='resnet19'"):
        get_model("resnet19")


# ---------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [21, 7, 2, 0, -4])
def test_cifar_depth_must_be_6n_plus_2(depth: int) -> None:
    with pytest.raises(ValueError, match=rf"depth must be 6n\+2 \(20, 32, 44, 56, 110.*got depth={depth}"):
        cifar_resnet(depth)
    with pytest.raises(ValueError, match=r"6n\+2"):
        cifar_plain(depth)


def test_depth_must_be_an_int() -> None:
    with pytest.raises(TypeError, match=r"depth must be an int .*got depth=20.0"):
        cifar_resnet(20.0)


def test_preact_depth_rules() -> None:
    with pytest.raises(ValueError, match=r"depth must be 9n\+2 \(164, 1001.*got depth=165"):
        preact_resnet(165)
    with pytest.raises(ValueError, match=r"depth must be 6n\+2 .*got depth=21"):
        preact_resnet(21, block="basic")


@pytest.mark.parametrize(
    "build, parameter, value, allowed",
    [
        (lambda v: cifar_resnet(20, shortcut=v), "shortcut", "D", "'A', 'B', 'C'"),
        (lambda v: preact_resnet(164, shortcut=v), "shortcut", "identity", "'A', 'B', 'C'"),
        (lambda v: preact_resnet(164, block=v), "block", "wide", "'bottleneck', 'basic'"),
        (lambda v: preact_resnet(164, unit=v), "unit", "pre", "'original', 'bn_after_add'"),
    ],
)
def test_unknown_option_names_list_allowed_values(build, parameter: str, value: str, allowed: str) -> None:
    with pytest.raises(ValueError, match=rf"{parameter} must be one of {allowed}.*got {parameter}='{value}'"):
        build(value)


SIZE_ARGUMENTS = [
    (lambda **kw: cifar_resnet(8, **kw), ["width", "in_channels"]),
    (lambda **kw: cifar_plain(8, **kw), ["width", "in_channels"]),
    (lambda **kw: preact_resnet(11, **kw), ["width", "in_channels"]),
    (lambda **kw: resnet18(**kw), ["in_channels"]),
    (lambda **kw: alexnet(image_size=16, **kw), ["width", "hidden", "in_channels"]),
    (lambda **kw: models.vgg11(image_size=16, **kw), ["width", "hidden", "in_channels"]),
]
"""Sizes that must be at least 1; ``num_classes`` may be 0 (a headless net, timm's rule): see
test_every_builder.py and test_num_classes_must_be_a_whole_number_of_at_least_zero."""


@pytest.mark.parametrize("build, names", SIZE_ARGUMENTS)
@pytest.mark.parametrize("value", [0, -3])
def test_sizes_must_be_positive(build, names: list[str], value: int) -> None:
    for name in names:
        with pytest.raises(ValueError, match=rf"{name} must be a positive int, got {name}={value}"):
            build(**{name: value})


@pytest.mark.parametrize("build, names", SIZE_ARGUMENTS)
def test_sizes_must_be_ints(build, names: list[str]) -> None:
    for name in names:
        with pytest.raises(TypeError, match=rf"{name} must be a positive int, got {name}=16.0 \(float\)"):
            build(**{name: 16.0})


@pytest.mark.parametrize("build, _", SIZE_ARGUMENTS)
def test_num_classes_must_be_a_whole_number_of_at_least_zero(build, _) -> None:
    with pytest.raises(TypeError, match=r"num_classes must be an int, got num_classes=16.0 \(float\)"):
        build(num_classes=16.0)
    with pytest.raises(ValueError, match=r"num_classes must be an int in \[0, inf\], got num_classes=-3"):
        build(num_classes=-3)


def test_bad_dropout_scale_and_image_size() -> None:
    with pytest.raises(ValueError, match=r"dropout must be a finite number in \[0.0, 1.0\), got dropout=1.5"):
        alexnet(dropout=1.5)
    with pytest.raises(ValueError, match=r"dropout must be a finite number in .*got dropout=1"):
        models.vgg16(dropout=1)
    with pytest.raises(ValueError, match=r"shortcut_scale must be a finite number in .*got shortcut_scale=-0.5"):
        preact_resnet(11, shortcut_scale=-0.5)
    with pytest.raises(ValueError, match=r"choose one shortcut variant"):
        preact_resnet(11, shortcut_scale=0.5, shortcut_dropout=0.1)
    with pytest.raises(ValueError, match=r"shortcut='C' has none"):
        preact_resnet(11, shortcut="C", shortcut_dropout=0.1)
    with pytest.raises(ValueError, match=r"image_size must be a positive int, got image_size=0"):
        models.vgg11(image_size=0)


WRONG_CHANNEL_MODELS = [
    lambda: alexnet(num_classes=10, width=8, hidden=16, image_size=16),
    lambda: models.vgg11_bn(num_classes=10, width=8, hidden=16, image_size=16),
    lambda: resnet18(num_classes=10),
    lambda: cifar_resnet(8),
    lambda: cifar_plain(8),
    lambda: preact_resnet(11),
]


@pytest.mark.parametrize("build", WRONG_CHANNEL_MODELS)
def test_wrong_input_channels_name_both_numbers(build) -> None:
    model = build().eval()
    with pytest.raises(ValueError, match=r"input must have in_channels=3 channels, got 1"):
        model(torch.randn(1, 1, 16, 16))
    with pytest.raises(ValueError, match=r"4-D batch .*got shape \(3, 16, 16\)"):
        model(torch.randn(3, 16, 16))


def test_grayscale_model_rejects_rgb() -> None:
    model = cifar_resnet(8, in_channels=1).eval()
    with pytest.raises(ValueError, match=r"input must have in_channels=1 channels, got 3"):
        model(torch.randn(1, 3, 28, 28))


# ---------------------------------------------------------------------------------------------------------
# The constructed solution and nets without BatchNorm (the degradation chapter)
# ---------------------------------------------------------------------------------------------------------


def _randomise_batchnorm_(model: torch.nn.Module) -> None:
    """Trained-looking BN statistics, so the identity construction is tested on more than the defaults."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


@pytest.mark.parametrize("builder", [models.cifar_plain, models.cifar_resnet], ids=["plain", "resnet"])
@pytest.mark.parametrize("norm_layer", [None, nn.Identity], ids=["bn", "no-bn"])
def test_deepen_computes_exactly_the_shallow_function(builder, norm_layer) -> None:
    torch.manual_seed(0)
    shallow = builder(8, width=4, in_channels=1, norm_layer=norm_layer)
    _randomise_batchnorm_(shallow)
    deep = models.deepen(shallow.eval(), 20)
    assert deep.depth == 20 and not deep.training
    x = torch.randn(5, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(deep(x), shallow(x), rtol=1e-5, atol=1e-5)


def test_deepen_and_make_identity_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="depth must be at least"):
        models.deepen(models.cifar_plain(20, width=4), 8)
    with pytest.raises(ValueError, match="6n\\+2"):
        models.deepen(models.cifar_plain(8, width=4), 21)
    with pytest.raises(TypeError, match="model must be a CifarResNet"):
        models.deepen(torch.nn.Linear(2, 2), 20)
    with pytest.raises(ValueError, match="only a block that keeps the shape"):
        models.make_identity_(models.cifar_plain(8, width=4).layer2[0])


def test_cifar_nets_without_batchnorm_have_no_norm_layers() -> None:
    net = models.cifar_plain(20, width=4, norm_layer=nn.Identity)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    with pytest.raises(TypeError, match=r"norm_layer must be a callable such as nn.BatchNorm2d .*got norm_layer='batchnorm'"):
        models.cifar_resnet(20, norm_layer="batchnorm")
