"""Filter-normalised directions and loss slices, on a copy of the model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from resnet_lib import probes
from probe_helpers import assert_untouched, batch, small_net, snapshot


def test_filter_normalized_direction_matches_each_filter_norm_and_skips_1d_parameters() -> None:
    net = small_net()
    before = snapshot(net)
    direction = probes.filter_normalized_direction(net, seed=3)
    assert_untouched(net, before, True)
    assert list(direction) == [name for name, _ in net.named_parameters()]
    for name, parameter in net.named_parameters():
        d = direction[name]
        assert d.shape == parameter.shape and d.dtype == parameter.dtype
        if parameter.dim() == 1:
            assert torch.count_nonzero(d) == 0  # biases and BatchNorm parameters stay put
        else:
            torch.testing.assert_close(d.flatten(1).norm(dim=1), parameter.detach().flatten(1).norm(dim=1))
    again = probes.filter_normalized_direction(net, seed=3)
    other = probes.filter_normalized_direction(net, seed=4)
    assert all(torch.equal(direction[n], again[n]) for n in direction)
    assert not torch.equal(direction["0.weight"], other["0.weight"])
    with pytest.raises(ValueError, match=r"seed must be an int in \[0, inf\], got seed=-1"):
        probes.filter_normalized_direction(net, seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        probes.filter_normalized_direction(net, seed=1.5)  # type: ignore[arg-type]


def test_loss_slice_moves_the_weights_along_the_direction_on_a_copy() -> None:
    net = small_net().train()
    x, y = batch(n=10)
    direction = probes.filter_normalized_direction(net, seed=0)
    before = snapshot(net)
    losses = probes.loss_slice(net, x, y, direction, [-0.5, 0.0, 0.5], batch_size=4)
    assert_untouched(net, before, True)
    assert losses.shape == (3,)
    reference = small_net().eval()
    with torch.no_grad():
        assert losses[1] == pytest.approx(float(nn.functional.cross_entropy(reference(x), y)), rel=1e-5)
        for name, parameter in reference.named_parameters():
            parameter.add_(0.5 * direction[name])
        assert losses[2] == pytest.approx(float(nn.functional.cross_entropy(reference(x), y)), rel=1e-5)


def test_loss_slice_rejects_bad_input() -> None:
    net = small_net()
    x, y = batch()
    direction = probes.filter_normalized_direction(net)
    with pytest.raises(ValueError, match="alphas must be a non-empty 1-D sequence"):
        probes.loss_slice(net, x, y, direction, [])
    with pytest.raises(ValueError, match=r"missing \['0.weight'\]"):
        probes.loss_slice(net, x, y, {k: v for k, v in direction.items() if k != "0.weight"}, [0.0])
    with pytest.raises(ValueError, match=r"direction\['0.weight'\] has shape"):
        probes.loss_slice(net, x, y, {**direction, "0.weight": torch.zeros(3)}, [0.0])
    with pytest.raises(TypeError, match="direction must be a dict"):
        probes.loss_slice(net, x, y, list(direction.values()), [0.0])  # type: ignore[arg-type]


def test_loss_surface_is_a_grid_of_slices_along_the_first_direction() -> None:
    net = small_net().train()
    x, y = batch(n=10)
    d1 = probes.filter_normalized_direction(net, seed=0)
    d2 = probes.filter_normalized_direction(net, seed=1)
    before = snapshot(net)
    surface = probes.loss_surface(net, x, y, (d1, d2), [-0.5, 0.0, 0.5], [0.0, 0.25])
    assert_untouched(net, before, True)
    assert surface.shape == (2, 3)
    np.testing.assert_allclose(surface[0], probes.loss_slice(net, x, y, d1, [-0.5, 0.0, 0.5]), rtol=1e-6)
    reference = small_net().eval()
    with torch.no_grad():
        for name, parameter in reference.named_parameters():
            parameter.add_(0.5 * d1[name] + 0.25 * d2[name])
        assert surface[1, 2] == pytest.approx(float(nn.functional.cross_entropy(reference(x), y)), rel=1e-5)
    assert probes.loss_surface(net, x, y, (d1, d2), [0.0, 0.5]).shape == (2, 2)  # betas default to alphas
    with pytest.raises(ValueError, match=r"directions must be a pair \(d1, d2\)"):
        probes.loss_surface(net, x, y, (d1,), [0.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="betas must be a non-empty 1-D sequence"):
        probes.loss_surface(net, x, y, (d1, d2), [0.0], [])
