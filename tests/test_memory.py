"""resnet_lib.probes.memory: the bytes autograd keeps for the backward pass, counted exactly."""
import time

import pytest
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from resnet_lib.probes.memory import SavedTensorMeter, saved_activation_bytes, time_training_step


def mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))


def test_counts_each_saved_activation_once_and_leaves_out_parameters() -> None:
    # Linear 1 keeps its input x (4x10 floats); ReLU keeps its output h (4x20), which Linear 2 keeps again:
    # counted once. The weights both linears keep are parameters, not counted.
    assert saved_activation_bytes(mlp(), torch.randn(4, 10)) == 4 * (4 * 10 + 4 * 20)


def test_bytes_grow_with_the_batch_and_return_to_zero_after_backward() -> None:
    net = mlp()
    assert saved_activation_bytes(net, torch.randn(8, 10)) == 2 * saved_activation_bytes(net, torch.randn(4, 10))
    with SavedTensorMeter(net) as meter:
        loss = net(torch.randn(4, 10)).sum()
        assert meter.bytes == meter.peak_bytes > 0
        loss.backward()
        del loss
    assert meter.bytes == 0 and meter.peak_bytes == 480
    assert all(p.grad is not None for p in net.parameters())


def test_without_a_model_parameters_count_too() -> None:
    net = mlp()
    with SavedTensorMeter() as meter:
        net(torch.randn(4, 10)).sum().backward()
    # Only the second linear keeps its weight (for the gradient of its input); the first one's input needs none.
    assert meter.peak_bytes == 480 + 4 * 5 * 20


def test_checkpointing_keeps_only_the_segment_inputs() -> None:
    torch.manual_seed(0)
    body = nn.Sequential(*[nn.Sequential(nn.Linear(16, 16), nn.ReLU()) for _ in range(4)])
    x = torch.randn(8, 16, requires_grad=True)
    full = saved_activation_bytes(body, x)

    class Checkpointed(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return checkpoint(body, x, use_reentrant=False)

    kept = saved_activation_bytes(Checkpointed(), x)
    assert full == 4 * 8 * 16 * 4 + 8 * 16 * 4  # the input and four ReLU outputs (the last one is the output)
    assert kept < full / 3


def test_time_training_step_uses_the_given_clock() -> None:
    ticks = iter(range(100))
    seconds = time_training_step(mlp(), torch.randn(4, 10), torch.tensor([0, 1, 2, 3]), repeats=2,
                                 clock=lambda: float(next(ticks)))
    assert seconds == 1.0
    assert time_training_step(mlp(), torch.randn(4, 10), torch.tensor([0, 1, 2, 3]), clock=time.perf_counter) > 0


@pytest.mark.parametrize("call, error", [
    (lambda: SavedTensorMeter("net"), TypeError),
    (lambda: saved_activation_bytes(mlp(), [1.0]), TypeError),
    (lambda: time_training_step(mlp(), torch.randn(4, 10), torch.zeros(4, dtype=torch.long), repeats=0),
     ValueError),
])
def test_bad_arguments_are_refused(call, error) -> None:
    with pytest.raises(error):
        call()
