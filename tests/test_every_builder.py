"""Every public builder, in ``models.MODELS`` or not, has the whole interface the README promises: fx, fx ->
TorchScript, ``jit.script``, ``torch.export``, timm's attributes and methods (``num_features``, ``num_classes``,
``forward_features``, ``forward_head(x, pre_logits=)``, ``forward_intermediates``, ``reset_classifier``,
``feature_info``), ``num_classes=0`` for a headless net, and ``zero_init_residual`` on every residual family.

Small configurations keep the file to seconds; the ImageNet ResNets are built at full width, because their
width is fixed.
"""

import pytest
import torch
import torch.nn as nn
from torchvision.models.feature_extraction import create_feature_extractor

from resnet_lib import models
from resnet_lib.models.alexnet_paper import alexnet_paper
from resnet_lib.models.keras_preact import keras_preact_resnet
from resnet_lib.models.vgg_paper import vgg_paper

SMALL = {"width": 4, "hidden": 16, "image_size": 32}


def _kwargs(name: str) -> tuple[tuple, dict]:
    if name.startswith(("vgg", "alexnet")) and name != "alexnet_paper":
        return (), dict(SMALL)
    if name.startswith("resnet"):
        return (), {}
    if name in ("cifar_resnet", "cifar_plain"):
        return (8,), {"width": 4}
    if name == "preact_resnet":
        return (11,), {"width": 4}
    if name == "mlp":
        return (2,), {"width": 8}
    raise KeyError(name)


OUTSIDE = {
    "alexnet_paper": (alexnet_paper, (), {"widths": (8, 8, 8, 8, 8), "hidden": 16, "image_size": 67}),
    "vgg_paper_C": (vgg_paper, ("C",), dict(SMALL)),
    "vgg_paper_A_LRN": (vgg_paper, ("A-LRN",), dict(SMALL)),
    "keras_preact_resnet": (keras_preact_resnet, (), {"stages": (1, 1), "filters": (8, 8, 16)}),
    "preact_basic_original": (models.preact_resnet, (8,), {"block": "basic", "unit": "original", "width": 4}),
    "mlp_residual": (models.mlp, (2,), {"width": 8, "residual": True, "in_channels": 3, "num_classes": 5}),
}
BUILDERS = {name: (builder, *_kwargs(name)) for name, builder in models.MODELS.items()} | OUTSIDE


def build(name: str, **extra):
    builder, args, kwargs = BUILDERS[name]
    torch.manual_seed(0)
    return builder(*args, **(kwargs | extra)).eval()


def example(model: nn.Module) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    if isinstance(model, models.MLP):
        return torch.randn(4, model.in_channels, generator=generator)
    size = getattr(model, "image_size", 32)
    return torch.randn(2, model.in_channels, size, size, generator=generator)


@pytest.fixture(params=list(BUILDERS), scope="module")
def net(request):
    model = build(request.param)
    return request.param, model, example(model)


def test_every_builder_is_tested() -> None:
    assert set(models.MODELS) <= set(BUILDERS)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")
def test_fx_then_torchscript(net) -> None:
    """The graph fx makes of the model compiles with TorchScript (as torchvision's do) and computes the same."""
    _, model, x = net
    scripted = torch.jit.script(torch.fx.symbolic_trace(model))
    torch.testing.assert_close(scripted(x), model(x), atol=1e-5, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")
def test_torchscript(net) -> None:
    _, model, x = net
    torch.testing.assert_close(torch.jit.script(model)(x), model(x), atol=1e-5, rtol=1e-5)


def test_torch_export(net) -> None:
    _, model, x = net
    torch.testing.assert_close(torch.export.export(model, (x,)).module()(x), model(x), atol=1e-5, rtol=1e-5)


def test_timm_attributes_and_head(net) -> None:
    _, model, x = net
    features = model.forward_features(x)
    assert features.shape[1] == model.num_features == model.feature_info[-1]["num_chs"]
    pre_logits = model.forward_head(features, pre_logits=True)
    assert pre_logits.shape == (x.shape[0], model.head_hidden_size)
    logits = model.forward_head(features)
    assert logits.shape == (x.shape[0], model.num_classes)
    torch.testing.assert_close(logits, model(x))


def test_forward_intermediates_in_timms_form(net) -> None:
    name, model, x = net
    final, intermediates = model.forward_intermediates(x)
    torch.testing.assert_close(final, model.forward_features(x))
    assert len(intermediates) == len(model.feature_info)
    nodes = {info["module"]: str(index) for index, info in enumerate(model.feature_info)}
    expected = create_feature_extractor(model, return_nodes=nodes)(x)
    for index, (info, got) in enumerate(zip(model.feature_info, intermediates)):
        torch.testing.assert_close(got, expected[str(index)])
        assert got.shape[1] == info["num_chs"]
    last_two = model.forward_intermediates(x, indices=2, intermediates_only=True)
    torch.testing.assert_close(last_two, intermediates[-2:])
    first, chosen = model.forward_intermediates(x, indices=[0, -1], stop_early=True)
    torch.testing.assert_close(chosen, [intermediates[0], intermediates[-1]])
    early, [only] = model.forward_intermediates(x, indices=[0], stop_early=True)
    torch.testing.assert_close(early, intermediates[0])
    with pytest.raises(ValueError, match=rf"indices must be an int in \[1, {len(intermediates)}\], got indices=99"):
        model.forward_intermediates(x, indices=99)
    with pytest.raises(TypeError, match=r"indices must be None, an int or a non-empty list of ints, got indices='all'"):
        model.forward_intermediates(x, indices="all")


def test_reset_classifier_and_num_classes_zero(net) -> None:
    name, model, x = net
    pre_logits = model.forward_head(model.forward_features(x), pre_logits=True)
    model.reset_classifier(3)
    assert model.num_classes == 3 and model(x).shape == (x.shape[0], 3)
    model.reset_classifier(0)
    assert model.num_classes == 0
    torch.testing.assert_close(model(x), pre_logits)
    headless = build(name, num_classes=0)
    assert headless.num_classes == 0
    assert headless(x).shape == pre_logits.shape
    with pytest.raises(ValueError, match=r"num_classes must be an int in \[0, inf\], got num_classes=-1"):
        build(name, num_classes=-1)


RESIDUAL = ["resnet18", "resnet50", "cifar_resnet", "preact_resnet", "preact_basic_original", "keras_preact_resnet",
            "mlp_residual"]


@pytest.mark.parametrize("name", RESIDUAL)
def test_zero_init_residual_on_every_residual_family(name: str) -> None:
    model = build(name, zero_init_residual=True)
    blocks = [m for m in model.modules() if m is not model and hasattr(m, "zero_init_last")]
    assert blocks
    x = example(model)
    for block in blocks:  # each block's branch is zero: with a non-negative input of its shape it is the identity
        if getattr(block, "downsample", None) is None and getattr(block, "shortcut", None) is None \
                and not getattr(block, "preact_shared", False):
            first = next(m for m in block.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
            channels = first.in_channels if isinstance(first, nn.Conv2d) else first.in_features
            h = torch.rand(2, channels, 4, 4) if isinstance(first, nn.Conv2d) else torch.rand(2, channels)
            torch.testing.assert_close(block(h), h)
    assert model(x).isfinite().all()


@pytest.mark.parametrize("build_plain", [lambda: models.cifar_plain(8, zero_init_residual=True),
                                         lambda: models.mlp(2, zero_init_residual=True)])
def test_zero_init_residual_refuses_a_plain_net(build_plain) -> None:
    with pytest.raises(ValueError, match=r"zero_init_residual=True needs"):
        build_plain()


@pytest.mark.parametrize("block", [lambda: models.MLPBlock(6, True, nn.BatchNorm1d),
                                   lambda: __import__("resnet_lib.models.keras_preact", fromlist=["x"])
                                   .KerasResidualModule(16, 16)])
def test_zero_init_last_on_mlp_and_keras_blocks(block) -> None:
    torch.manual_seed(0)
    module = block().eval()
    module.zero_init_last()
    h = torch.randn(3, 6) if isinstance(module, models.MLPBlock) else torch.randn(2, 16, 5, 5)
    torch.testing.assert_close(module(h), h)


def test_models_import_nothing_from_probes() -> None:
    """Layering: the networks stand alone; measurements (probes) depend on them, not the other way round."""
    import subprocess
    import sys

    code = "import sys, resnet_lib.models; print(sorted(m for m in sys.modules if m.startswith('resnet_lib.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "resnet_lib.probes" not in loaded and "resnet_lib.train" not in loaded and "resnet_lib.data" not in loaded
