"""Tests for the gated shortcuts (models/gates.py) and the Keras pre-activation port (models/keras_preact.py)."""

import pytest
import torch
import torch.nn as nn

from resnet_lib.models.gates import GatedUnit, gated_stack
from resnet_lib.models.keras_preact import (KerasResidualModule, SamePad2d, keras_param_groups,
                                            keras_preact_resnet)


def keras_count(in_channels: int, classes: int, stages=(3, 4, 6), filters=(64, 128, 256, 512)):
    """Keras's model.count_params() from the layer shapes: (trainable, total). A BatchNormalization layer over
    c channels holds gamma, beta (trainable) and the moving mean and variance (not trainable)."""
    trainable = total = 0

    def bn(c):
        nonlocal trainable, total
        trainable += 2 * c
        total += 4 * c

    def weights(n):
        nonlocal trainable, total
        trainable += n
        total += n

    bn(in_channels)
    weights(5 * 5 * in_channels * filters[0])
    bn(filters[0])
    channels = filters[0]
    for i, count in enumerate(stages):
        K = filters[i + 1]
        for j in range(count):
            bn(channels)
            weights(channels * K // 4)
            bn(K // 4)
            weights(3 * 3 * (K // 4) ** 2)
            bn(K // 4)
            weights(K // 4 * K)
            if j == 0:
                weights(channels * K)  # the 1x1 projection of a reducing module
            channels = K
    bn(channels)
    weights(channels * classes + classes)
    return trainable, total


@pytest.mark.parametrize("in_channels,classes", [(3, 10), (1, 10), (3, 200)])
def test_keras_port_has_the_keras_parameter_count(in_channels, classes):
    with torch.device("meta"):
        net = keras_preact_resnet(num_classes=classes, in_channels=in_channels)
    trainable, total = keras_count(in_channels, classes)
    assert sum(p.numel() for p in net.parameters()) == trainable
    running = sum(b.numel() for name, b in net.named_buffers() if name.endswith(("running_mean", "running_var")))
    assert sum(p.numel() for p in net.parameters()) + running == total


def test_keras_port_shapes_pool_and_channels_last():
    torch.manual_seed(0)
    net = keras_preact_resnet(num_classes=10, in_channels=3).eval()
    x = torch.randn(2, 3, 32, 32)
    assert net(x).shape == (2, 10)
    assert net(torch.randn(1, 3, 64, 64)).shape == (1, 10)
    literal = keras_preact_resnet(num_classes=10, in_channels=3, global_pool=False).eval()
    literal.load_state_dict(net.state_dict())
    assert torch.allclose(literal(torch.ones(1, 3, 64, 64)), net(torch.ones(1, 3, 64, 64)), atol=1e-5)
    with pytest.raises(RuntimeError):
        literal(x)  # the 8x8 pool meets a 4x4 map
    last = keras_preact_resnet(num_classes=10, in_channels=3, data_format="channels_last").eval()
    last.load_state_dict(net.state_dict())
    assert torch.allclose(last(x.permute(0, 2, 3, 1)), net(x), atol=1e-5)


def test_keras_port_batch_norm_momentum_and_weight_decay():
    net = keras_preact_resnet(num_classes=10, in_channels=1, reg=5e-4)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(abs(m.momentum - 0.1) < 1e-12 and m.eps == 2e-5 for m in bns)
    groups = keras_param_groups(net)
    assert groups[0]["weight_decay"] == pytest.approx(1e-3) and groups[1]["weight_decay"] == 0.0
    assert sum(len(g["params"]) for g in groups) == len(list(net.parameters()))
    # weight_decay = 2 * reg gives the gradient of the l2 penalty reg * w^2
    w = net.fc.weight
    (grad,) = torch.autograd.grad(net.l2_penalty(), [w])
    assert torch.allclose(grad, 2 * net.reg * w)


def test_same_padding_follows_tensorflow():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    padded = SamePad2d(3, 2)(x)
    assert padded.shape == (1, 1, 5, 5) and padded[0, 0, 0, 0] == 0 and padded[0, 0, -1, -1] == 0
    assert torch.equal(padded[0, 0, :4, :4], x[0, 0])  # nothing before, one pixel after
    assert SamePad2d(3, 2)(torch.zeros(1, 1, 5, 5)).shape == (1, 1, 7, 7)  # odd: one on each side


def test_keras_port_rejects_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        keras_preact_resnet(stages=(3, 4), filters=(64, 128))
    with pytest.raises(ValueError, match="red=False"):
        KerasResidualModule(64, 128, 1, red=False)
    with pytest.raises(ValueError, match="data_format"):
        keras_preact_resnet(data_format="NHWC")
    with pytest.raises(TypeError, match="red"):
        KerasResidualModule(64, 128, 1, red="yes")


@pytest.mark.parametrize("gate", ["exclusive", "shortcut_only"])
def test_gated_unit_computes_the_papers_formulas(gate):
    torch.manual_seed(0)
    unit = GatedUnit(8, gate=gate, gate_bias=-2.0).eval()
    x = torch.randn(2, 8, 6, 6)
    f = unit.body.residual(unit.body.preact(x))
    g = torch.sigmoid(unit.gate(x))
    expected = g * f + (1 - g) * x if gate == "exclusive" else f + (1 - g) * x
    assert torch.allclose(unit(x), expected, atol=1e-6)
    unit.zero_init_last()
    with torch.no_grad():
        unit.gate.weight.zero_()
    assert torch.allclose(unit(x), (1 - torch.sigmoid(torch.tensor(-2.0))) * x, atol=1e-6)


def test_gated_stack_and_bad_arguments():
    stack = gated_stack(3, 8, gate="shortcut_only", gate_bias=0.0, block="bottleneck")
    assert stack(torch.randn(2, 8, 4, 4)).shape == (2, 8, 4, 4)
    with pytest.raises(ValueError, match="gate"):
        GatedUnit(8, gate="highway")
    with pytest.raises(ValueError, match="multiple of 4"):
        GatedUnit(6, block="bottleneck")
    with pytest.raises(TypeError, match="gate_bias"):
        GatedUnit(8, gate_bias="-6")


def test_unit_diagrams_draw_the_five_units_in_order():
    from resnet_lib.figures.preact_diagrams import UNIT_KINDS, unit_diagrams

    fig = unit_diagrams()
    assert [ax.get_title() for ax in fig.axes] == [
        "(a) original", "(b) BN after addition", "(c) ReLU before addition", "(d) ReLU-only pre-act.",
        "(e) full pre-activation"]
    assert len(UNIT_KINDS) == 5 and len(unit_diagrams(["full"]).axes) == 1
    with pytest.raises(ValueError, match="kind"):
        unit_diagrams(["preact"])
