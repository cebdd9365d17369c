"""Each bad input the review of issue 22 found, refused at the call with a message that names the parameter and
the value; numpy scalars accepted as numbers, bools refused as numbers (torchvision's rule)."""

import numpy as np
import pytest
import torch
import torch.nn as nn

from resnet_lib import data, models, train, validation
from resnet_lib.models.alexnet_paper import alexnet_paper
from resnet_lib.models.keras_preact import SamePad2d, keras_preact_resnet
from resnet_lib.probes.memory import saved_activation_bytes


def test_numpy_scalars_are_numbers_and_come_back_as_python_values() -> None:
    assert validation.check_int("n", np.int64(3)) == 3 and type(validation.check_int("n", np.int64(3))) is int
    assert validation.check_positive_int("n", np.int32(2)) == 2
    assert validation.check_number("p", np.float32(0.5)) == 0.5
    assert validation.check_positive("lr", np.float64(0.1)) == pytest.approx(0.1)
    assert validation.check_choice("depth", np.int64(16), (11, 16)) == 16
    assert validation.check_bool("flag", np.bool_(True)) is True
    model = models.cifar_resnet(np.int64(8), width=np.int64(4), num_classes=np.int64(3))
    assert model(torch.zeros(1, 3, 8, 8)).shape == (1, 3)
    assert models.vgg11(width=np.int64(4), hidden=np.int64(8), image_size=np.int64(16)).num_features == 32


@pytest.mark.parametrize("check, value", [(validation.check_int, True), (validation.check_int, np.bool_(True)),
                                          (validation.check_number, False), (validation.check_positive, True),
                                          (validation.check_positive_int, np.bool_(False))])
def test_bools_are_not_numbers(check, value) -> None:
    with pytest.raises(TypeError, match=r"x must be .*got x=(np\.)?(True|False)_? \((bool|bool_)\)"):
        check("x", value)


def test_saved_activation_bytes_refuses_a_loss_name() -> None:
    with pytest.raises(TypeError, match=r"loss_fn must be a callable such as .*got loss_fn='mse' \(str\)"):
        saved_activation_bytes(nn.Linear(2, 2), torch.zeros(1, 2), loss_fn="mse")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"total_steps": 0}, ValueError, r"total_steps must be a positive int, got total_steps=0"),
    ({"lr": -0.1}, ValueError, r"lr must be a finite number above 0, got lr=-0.1"),
    ({"step": -1}, ValueError, r"step must be an int in \[0, inf\], got step=-1"),
    ({"milestones": (32000, 48000)}, ValueError,
     r"milestones must be fractions of training strictly between 0 and 1 \(not step or epoch numbers\), "
     r"got milestones=\(32000, 48000\)"),
    ({"milestones": 0.5}, TypeError, r"milestones must be a tuple of fractions .*got milestones=0.5 \(float\)"),
    ({"warmup_steps": -2}, ValueError, r"warmup_steps must be an int in \[0, inf\], got warmup_steps=-2"),
    ({"lr": "0.1"}, TypeError, r"lr must be a number above 0, got lr='0.1' \(str\)"),
])
def test_learning_rate_checks_its_arguments(kwargs, error, match) -> None:
    arguments = {"step": 0, "total_steps": 100, "lr": 0.1} | kwargs
    step, total = arguments.pop("step"), arguments.pop("total_steps")
    with pytest.raises(error, match=match):
        train.learning_rate(step, total, **arguments)


def test_learning_rate_accepts_numpy_steps() -> None:
    assert train.learning_rate(np.int64(60), np.int64(100), lr=0.1) == pytest.approx(0.01)


@pytest.mark.parametrize("momentum", [5.0, 1.0, -0.1])
def test_fit_refuses_momentum_outside_zero_to_one(tiny_data, momentum: float) -> None:
    with pytest.raises(ValueError, match=rf"momentum must be a finite number in \[0.0, 1.0\), got momentum={momentum}"):
        train.fit(nn.Linear(2, 2), tiny_data, epochs=1, momentum=momentum)
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0.0, 1.0\)"):
        train.fit_regression(nn.Linear(1, 1), torch.zeros(4, 1), torch.zeros(4, 1), steps=1, momentum=momentum)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive int, got batch_size=0"),
    ({"shuffle": "yes"}, TypeError, r"shuffle must be True or False, got shuffle='yes'"),
    ({"augment": "flip"}, TypeError, r"augment must be a callable such as random_crop_flip, or None, got augment='flip'"),
    ({"generator": 3}, TypeError, r"generator must be a torch.Generator or None, got generator=3"),
])
def test_batches_checks_at_the_call_not_at_the_first_batch(kwargs, error, match) -> None:
    arguments = {"batch_size": 2, "shuffle": False} | kwargs
    with pytest.raises(error, match=match):
        data.batches(torch.zeros(4, 1), torch.zeros(4), **arguments)  # no next(): the call itself raises


def test_vgg_builders_take_a_norm_layer() -> None:
    net = models.vgg16(norm_layer=nn.BatchNorm2d, width=4, hidden=8, image_size=32)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 13
    with pytest.raises(TypeError, match=r"vgg16_bn builds with nn.BatchNorm2d, got norm_layer=<class .*Identity'>"):
        models.vgg16_bn(norm_layer=nn.Identity)


@pytest.mark.parametrize("stages, error, match", [
    (3, TypeError, r"stages must be a sequence of positive ints such as \(3, 4, 6\), got stages=3 \(int\)"),
    ((3, 0), ValueError, r"stages\[1\] must be a positive int, got stages\[1\]=0"),
    ((), ValueError, r"stages must be a sequence non-empty, got stages=\(\)"),
])
def test_keras_port_checks_stages(stages, error, match) -> None:
    with pytest.raises(error, match=match):
        keras_preact_resnet(stages=stages)


def test_samepad_refuses_a_stride_above_the_kernel() -> None:
    with pytest.raises(ValueError, match=r"stride must be at most kernel_size .*got kernel_size=1, stride=2"):
        SamePad2d(1, 2)


def test_resnet_accepts_subclasses_of_its_blocks() -> None:
    class LoggedBlock(models.BasicBlock):
        pass

    class V1Bottleneck(models.Bottleneck):
        pass

    net = models.ResNet(LoggedBlock, [1, 1, 1, 1], num_classes=3).eval()
    assert isinstance(net.layer1[0], LoggedBlock) and net(torch.zeros(1, 3, 32, 32)).shape == (1, 3)
    deep = models.ResNet(V1Bottleneck, [1, 1, 1, 1], num_classes=3, stride_in_1x1=True)
    assert deep.layer2[0].conv1.stride == (2, 2)
    with pytest.raises(TypeError, match=r"block must be BasicBlock, Bottleneck or a subclass of either, got block=<class"):
        models.ResNet(nn.Conv2d, [1, 1, 1, 1])


def test_integer_images_get_a_clear_message() -> None:
    net = models.cifar_resnet(8, width=4)
    with pytest.raises(TypeError, match=r"input must be a floating-point tensor, got dtype torch.uint8.*x.float\(\) / 255"):
        net(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))


def test_too_small_inputs_get_a_clear_message() -> None:
    net = models.alexnet(width=4, hidden=8)  # built for 224x224
    with pytest.raises(ValueError, match=r"input must be at least 63x63 pixels .*got 32x32 .*image_size"):
        net(torch.zeros(1, 3, 32, 32))
    assert net(torch.zeros(1, 3, 63, 63)).shape == (1, 1000)
    vgg = models.vgg11(width=4, hidden=8)
    with pytest.raises(ValueError, match=r"input must be at least 32x32 pixels .*got 16x16"):
        vgg(torch.zeros(1, 3, 16, 16))
    paper = alexnet_paper(widths=(8, 8, 8, 8, 8), hidden=8)
    with pytest.raises(ValueError, match=r"input must be 224x224 \(the net was built with image_size=224.*got shape "
                                         r"\(1, 3, 200, 200\); build it with image_size=200"):
        paper(torch.zeros(1, 3, 200, 200))


def test_mlp_names_its_input_shape() -> None:
    with pytest.raises(ValueError, match=r"input must be a batch of shape \(N, in_channels=1\), got shape \(5,\); "
                                         r"for one value per sample use x.unsqueeze\(1\)"):
        models.mlp(2)(torch.zeros(5))
