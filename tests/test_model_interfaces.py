"""The interfaces every network of the book shares: tools that trace it, timm's head and stage metadata,
each block's zero_init_last, and gradients that reach every parameter.

Small configurations of each family keep this file to a few seconds.
"""

import pytest
import torch
import torch.nn as nn
from torchvision.models.feature_extraction import create_feature_extractor

from resnet_lib import models

FAMILIES = {
    "cifar_resnet": (lambda: models.cifar_resnet(8, width=4), 16),
    "cifar_plain_no_bn": (lambda: models.cifar_plain(8, width=4, norm_layer=nn.Identity), 16),
    "preact_bottleneck": (lambda: models.preact_resnet(11, width=4, shortcut="A"), 16),
    "preact_basic_original": (lambda: models.preact_resnet(8, block="basic", unit="original", width=4), 16),
    "resnet18": (lambda: models.resnet18(num_classes=10), 64),
    "resnet50_v1": (lambda: models.resnet50(num_classes=10, stride_in_1x1=True), 64),
    "vgg11_bn": (lambda: models.vgg11_bn(width=8, hidden=32, image_size=32, num_classes=10), 32),
    "alexnet": (lambda: models.alexnet(width=8, hidden=32, image_size=32, num_classes=10), 32),
}


@pytest.fixture(params=list(FAMILIES), scope="module")
def family(request):
    torch.manual_seed(0)
    build, size = FAMILIES[request.param]
    model = build().eval()
    x = torch.randn(2, 3, size, size)
    return model, x


def test_fx_symbolic_trace(family) -> None:
    model, x = family
    torch.testing.assert_close(torch.fx.symbolic_trace(model)(x), model(x))


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_torch_jit_script(family) -> None:
    model, x = family
    torch.testing.assert_close(torch.jit.script(model)(x), model(x), atol=1e-5, rtol=1e-5)


def test_torch_export(family) -> None:
    model, x = family
    exported = torch.export.export(model, (x,))
    torch.testing.assert_close(exported.module()(x), model(x), atol=1e-5, rtol=1e-5)


def test_torch_compile(family) -> None:
    model, x = family
    compiled = torch.compile(model, backend="aot_eager")  # dynamo's tracing without a C++ toolchain
    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)


def test_feature_info_matches_what_create_feature_extractor_returns(family) -> None:
    model, x = family
    nodes = {info["module"]: str(index) for index, info in enumerate(model.feature_info)}
    features = create_feature_extractor(model, return_nodes=nodes)(x)
    assert len(features) == len(model.feature_info) >= 3
    for index, info in enumerate(model.feature_info):
        feature = features[str(index)]
        assert feature.shape[1] == info["num_chs"]
        assert x.shape[-1] // feature.shape[-1] == info["reduction"]
    assert [info["reduction"] for info in model.feature_info] == sorted(info["reduction"] for info in model.feature_info)


def test_forward_is_features_then_head(family) -> None:
    model, x = family
    torch.testing.assert_close(model.forward_head(model.forward_features(x)), model(x))
    pre_logits = model.forward_head(model.forward_features(x), pre_logits=True)
    assert pre_logits.dim() == 2 and pre_logits.shape[0] == 2


def test_reset_classifier_replaces_only_the_last_layer(family) -> None:
    model, x = family
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pre_logits = model.forward_head(model.forward_features(x), pre_logits=True)
    model.reset_classifier(3)
    assert model(x).shape == (2, 3)
    torch.testing.assert_close(model.forward_head(model.forward_features(x), pre_logits=True), pre_logits)
    changed = {k for k, v in model.state_dict().items() if k not in before or before[k].shape != v.shape}
    assert changed and all(k.endswith(("weight", "bias")) for k in changed) and len(changed) == 2
    model.reset_classifier(0)
    torch.testing.assert_close(model(x), pre_logits)


def test_every_parameter_gets_a_gradient() -> None:
    for name, (build, size) in FAMILIES.items():
        torch.manual_seed(0)
        model = build().train()
        x = torch.randn(4, 3, size, size)
        loss = nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 2, 3]))
        loss.backward()
        missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        assert not missing, f"{name}: no gradient for {missing}"


BLOCKS = [
    (lambda: models.BasicBlock(8, 8), 8),
    (lambda: models.BasicBlock(8, 8, norm_layer=nn.Identity), 8),
    (lambda: models.Bottleneck(32, 8), 32),
    (lambda: models.PreActUnit(8, 8, block="basic", unit="full"), 8),
    (lambda: models.PreActUnit(32, 8, block="bottleneck", unit="original"), 32),
    (lambda: models.PreActUnit(8, 8, block="basic", unit="relu_before_add"), 8),
]


@pytest.mark.parametrize("build, channels", BLOCKS)
def test_zero_init_last_makes_the_branch_zero(build, channels: int) -> None:
    torch.manual_seed(0)
    block = build().eval()
    block.zero_init_last()
    x = torch.rand(2, channels, 6, 6)  # non-negative, as after a ReLU: then F(x) = 0 makes the block the identity
    torch.testing.assert_close(block(x), x)


def test_zero_init_residual_uses_each_blocks_zero_init_last() -> None:
    model = models.resnet18(zero_init_residual=True)
    assert all(not block.bn2.weight.any() for layer in (model.layer1, model.layer4) for block in layer)


@pytest.mark.parametrize("bad", ["no", 1, None])
def test_flags_refuse_non_booleans(bad) -> None:
    with pytest.raises(TypeError, match=rf"zero_init_residual must be True or False, got zero_init_residual={bad!r}"):
        models.resnet18(zero_init_residual=bad)
    with pytest.raises(TypeError, match=r"residual must be True or False"):
        models.BasicBlock(8, 8, residual=bad)


def test_builders_are_keyword_only_and_refuse_unused_arguments() -> None:
    with pytest.raises(TypeError):
        models.cifar_resnet(20, "B")
    with pytest.raises(TypeError):
        models.resnet18(10)
    with pytest.raises(ValueError, match=r"stride_in_1x1 applies only to Bottleneck nets"):
        models.resnet18(stride_in_1x1=True)
    with pytest.raises(TypeError, match=r"stride_in_1x1 must be True or False, got stride_in_1x1='v1'"):
        models.resnet50(stride_in_1x1="v1")
    with pytest.raises(ValueError, match=r"got shortcut=None; a plain net is residual=False"):
        models.cifar_resnet(20, shortcut=None)
    plain = models.CifarResNet(20, residual=False)
    assert [type(m) for m in plain.modules()] == [type(m) for m in models.cifar_plain(20).modules()]
    assert not any(block.residual for block in plain.layer1) and all(b.residual for b in models.cifar_resnet(20).layer1)
    with pytest.raises(TypeError, match=r"cifar_plain has no shortcut"):
        models.cifar_plain(20, shortcut="B")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'batchnorm'"):
        models.cifar_resnet(20, batchnorm=False)


@pytest.mark.parametrize("build", [
    lambda v: models.cifar_resnet(8, norm_layer=v),
    lambda v: models.preact_resnet(11, norm_layer=v),
    lambda v: models.resnet18(norm_layer=v),
    lambda v: models.VGG(11, norm_layer=v, width=8, hidden=8, image_size=16),
])
def test_norm_layer_must_be_a_callable_not_a_string(build) -> None:
    with pytest.raises(TypeError, match=r"norm_layer must be a callable such as nn.BatchNorm2d.*got norm_layer='bn'"):
        build("bn")


def test_norm_layer_reaches_every_block() -> None:
    for model in (models.resnet50(norm_layer=nn.Identity), models.preact_resnet(11, norm_layer=nn.Identity),
                  models.cifar_resnet(8, shortcut="C", norm_layer=nn.Identity)):
        assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    group = models.resnet18(norm_layer=lambda c: nn.GroupNorm(4, c))
    assert sum(isinstance(m, nn.GroupNorm) for m in group.modules()) == 20  # 16 in blocks, 3 shortcuts, stem
