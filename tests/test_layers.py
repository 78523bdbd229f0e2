"""The one forward pass, backward pass and initialisation (dlcore.layers), against PyTorch."""

import numpy as np
import pytest
import torch

from dlcore import layers
from dlcore.checks import DLCoreError

TORCH_ACT = {
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.1),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


@pytest.mark.parametrize("act", sorted(layers.ACTIVATIONS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_and_backward_match_pytorch(act, seed):
    rng = np.random.default_rng(seed)
    widths = [3, 5, 4, 2]
    betas, omegas = layers.init_params(widths, 0.8, rng, bias_sigma=0.5)
    x, y = rng.standard_normal((3, 7)), rng.standard_normal((2, 7))
    fs, hs = layers.forward(x, betas, omegas, activation=act)
    dl_dfs, dl_dbetas, dl_domegas, dl_dx = layers.backward(fs, hs, omegas, 2 * (fs[-1] - y),
                                                           activation=act)
    tb = [torch.tensor(b, requires_grad=True) for b in betas]
    to = [torch.tensor(o, requires_grad=True) for o in omegas]
    tx = torch.tensor(x, requires_grad=True)
    h = tx
    for k, (b, o) in enumerate(zip(tb, to)):
        f = b[:, None] + o @ h
        h = TORCH_ACT[act](f) if k < len(to) - 1 else f
    loss = ((h - torch.tensor(y)) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(fs[-1], h.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(dl_dbetas, tb):
        np.testing.assert_allclose(ours[:, 0], theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(dl_domegas, to):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dl_dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act", sorted(layers.ACTIVATIONS))
def test_activations_and_derivatives_match_pytorch(act):
    z = np.r_[np.linspace(-40, 40, 81), -1e-9, 0.0, 1e-9, 800.0, -800.0]
    a, da = layers.ACTIVATIONS[act]
    tz = torch.tensor(z, requires_grad=True)
    out = TORCH_ACT[act](tz)
    out.sum().backward()
    np.testing.assert_allclose(a(z), out.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(da(z), tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert layers.derivative_of(a) is da and layers.derivative_of(act) is da


def test_init_params_draws_the_stated_distribution():
    rng = np.random.default_rng(5)
    betas, omegas = layers.init_params([400, 300, 1], [0.1, 2.0], rng)
    assert [o.shape for o in omegas] == [(300, 400), (1, 300)]
    assert all((b == 0).all() for b in betas)
    assert abs(omegas[0].std() - 0.1) < 0.002  # 120 000 draws: std error ~ 0.0002
    betas, omegas = layers.init_params([200, 300, 2], "he", np.random.default_rng(1), "he")
    assert abs(omegas[0].std() - np.sqrt(2 / 200)) < 0.002
    assert abs(betas[1].std() - np.sqrt(2 / 300)) < 0.1


def test_init_params_is_one_draw_per_entry_in_order():
    """Omega_k then beta_k, layer by layer: what chapter 01's random nets were drawn as."""
    rng = np.random.default_rng(3)
    expected = []
    for d_in, d_out in [(1, 4), (4, 1)]:
        s = np.sqrt(2.0 / d_in)
        expected.append((s * rng.standard_normal((d_out, d_in)), s * rng.standard_normal(d_out)))
    betas, omegas = layers.init_params([1, 4, 1], "he", np.random.default_rng(3), "he")
    for (o, b), o2, b2 in zip(expected, omegas, betas):
        np.testing.assert_array_equal(o, o2)
        np.testing.assert_array_equal(b, b2)


@pytest.mark.parametrize("call, message", [
    (lambda: layers.init_params([3], 1.0, np.random.default_rng()), "widths has 1 entries"),
    (lambda: layers.init_params([3, 2], [1.0, 2.0], np.random.default_rng()),
     r"sigma has shape \(2,\); expected a number or \(1,\)"),
    (lambda: layers.init_params([3, 2], -1.0, np.random.default_rng()), "sigma must be >= 0"),
    (lambda: layers.init_params([3, 2], 1.0, 0), "rng must be"),
    (lambda: layers.forward(np.ones((2, 3)), [np.zeros(2)], [np.ones((2, 3))]), "x has 2 rows"),
    (lambda: layers.forward(np.ones((3, 3)), [np.zeros(2)], [np.ones((2, 3))], "swish"),
     "activation is 'swish'"),
    (lambda: layers.backward([np.ones((1, 2))], [np.ones((3, 2))], [np.ones((1, 3))],
                             np.ones((2, 2))), r"dl_df has shape \(2, 2\); expected \(1, 2\)"),
    (lambda: layers.derivative_of(np.sin), "has no known derivative"),
])
def test_bad_input_is_one_line(call, message):
    with pytest.raises(DLCoreError, match=message):
        call()
