"""resnet_lib.probes.cam: Grad-CAM finds the evidence where it is, on a net built so that we know where that is."""
import pytest
import torch
from torch import nn

from resnet_lib.probes.cam import grad_cam, plot_cam
from resnet_lib.models import cifar_resnet


class Spotter(nn.Module):
    """Class 0 = brightness of channel 0, class 1 = of channel 1: the evidence is where the bright pixels are."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Conv2d(2, 2, 1, bias=False)
        with torch.no_grad():
            self.features.weight.copy_(torch.eye(2)[:, :, None, None])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.eye(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.features(x)).flatten(1))


def test_the_map_lights_up_where_the_evidence_for_the_class_is() -> None:
    x = torch.zeros(2, 2, 8, 8)
    x[0, 0, :4, :4] = 1  # class-0 evidence top left
    x[1, 1, 4:, 4:] = 1  # class-1 evidence bottom right
    maps, target = grad_cam(Spotter(), x, layer="features")
    assert target.tolist() == [0, 1]
    assert maps.shape == (2, 8, 8) and maps.min() >= 0 and maps.max() <= 1
    assert maps[0, :4, :4].min() == 1 and maps[0, 4:, 4:].max() == 0
    assert maps[1, 4:, 4:].min() == 1 and maps[1, :4, :4].max() == 0
    # Asked about the other class, there is no evidence anywhere: an all-zero map.
    other, _ = grad_cam(Spotter(), x, target=[1, 0], layer="features")
    assert other.abs().max() == 0


def test_default_layer_is_the_last_stage_and_the_mode_is_restored() -> None:
    torch.manual_seed(0)
    net = cifar_resnet(8, width=4, num_classes=3, in_channels=1).train()
    maps, target = grad_cam(net, torch.randn(3, 1, 16, 16))
    assert maps.shape == (3, 16, 16) and target.shape == (3,)
    assert net.training and all(p.grad is None for p in net.parameters())


def test_plot_cam_draws_each_image_twice() -> None:
    fig = plot_cam(torch.rand(3, 1, 8, 8), torch.rand(3, 8, 8), ["a", "b", "c"], ncols=3)
    assert sum(len(ax.images) for ax in fig.axes) == 9


@pytest.mark.parametrize("kwargs, error", [
    (dict(layer="nope"), ValueError),
    (dict(target=[0]), ValueError),
    (dict(target=[0, 5]), ValueError),
])
def test_bad_arguments_are_refused(kwargs, error) -> None:
    with pytest.raises(error):
        grad_cam(Spotter(), torch.rand(2, 2, 4, 4), **({"layer": "features"} | kwargs))
    with pytest.raises(TypeError):
        grad_cam("net", torch.rand(2, 2, 4, 4))
