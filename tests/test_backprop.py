"""dlcore.backprop against PyTorch autograd (float64), closed forms and bad input."""

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import backprop, layers

torch.set_default_dtype(torch.float64)

SHAPES = [  # widths = [D_i, D_1, ..., D_K, D_o]
    [1, 1],  # K = 0: one linear layer, no hidden units
    [1, 3, 1],
    [3, 5, 4, 2],
    [4, 6, 6, 6, 3],
    [2, 8, 1, 7, 1],  # a one-unit bottleneck
]
IDS = ["-".join(map(str, w)) for w in SHAPES]


def make_net(rng, widths, column_betas=False):
    omegas = [rng.normal(size=(b, a)) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    betas = [rng.normal(size=(b, 1) if column_betas else b) for b in widths[1:]]
    return betas, omegas


def torch_params(betas, omegas):
    tb = [torch.tensor(np.asarray(b, float).reshape(-1), requires_grad=True) for b in betas]
    to = [torch.tensor(o, requires_grad=True) for o in omegas]
    return tb, to


def torch_forward(x, tb, to):
    """f_k and h_k written with torch (data points as columns)."""
    hs, fs = [torch.as_tensor(x)], []
    for k, (b, o) in enumerate(zip(tb, to, strict=True)):
        fs.append(b[:, None] + o @ hs[-1])
        if k < len(to) - 1:
            hs.append(torch.relu(fs[-1]))
    return fs, hs


# -- relu' ----------------------------------------------------------------------------------
def test_relu_derivative_matches_autograd(rng):
    z = rng.normal(size=(5, 9)) * 2
    z[0, :3] = 0.0  # the kink: PyTorch and the notes' indicator both give 0
    tz = torch.tensor(z, requires_grad=True)
    upstream = rng.normal(size=z.shape)
    torch.relu(tz).backward(torch.as_tensor(upstream))
    assert_close(backprop.relu_derivative(z) * upstream, to_numpy(tz.grad))
    assert set(np.unique(backprop.relu_derivative(z))) <= {0.0, 1.0}


def test_relu_derivative_is_indicator():
    z = np.array([-3.0, -1e-300, 0.0, 1e-300, 2.0])
    assert_close(backprop.relu_derivative(z), [0, 0, 0, 1, 1])
    assert backprop.relu_derivative(np.float64(4.0)).shape == ()


# -- forward pass ---------------------------------------------------------------------------
@pytest.mark.parametrize("widths", SHAPES, ids=IDS)
@pytest.mark.parametrize("I", [1, 6])
def test_forward_pass_matches_torch(rng, widths, I):
    betas, omegas = make_net(rng, widths)
    x = rng.normal(size=(widths[0], I))
    fs, hs = backprop.forward_pass(x, betas, omegas)
    tfs, ths = torch_forward(x, *torch_params(betas, omegas))
    K = len(omegas) - 1
    assert len(fs) == len(hs) == K + 1
    for k in range(K + 1):
        assert_close(fs[k], to_numpy(tfs[k]), what=f"f_{k}")
        assert_close(hs[k], to_numpy(ths[k]), what=f"h_{k}")
        assert fs[k].shape == (widths[k + 1], I) and hs[k].shape == (widths[k], I)
    assert_close(hs[0], x)


def test_forward_pass_notes_equations():
    """j_0 = beta_0 + Omega_0 x, h_1 = a[j_0], j_1 = beta_1 + Omega_1 h_1, by hand."""
    x = np.array([2.0])
    betas = [np.array([1.0, -1.0]), np.array([0.5])]
    omegas = [np.array([[1.0], [-2.0]]), np.array([[3.0, 4.0]])]
    fs, hs = backprop.forward_pass(x, betas, omegas)
    assert_close(fs[0], [3.0, -5.0])
    assert_close(hs[1], [3.0, 0.0])
    assert_close(fs[1], [0.5 + 9.0])


def test_forward_pass_single_point_is_1d(rng):
    betas, omegas = make_net(rng, [3, 4, 2])
    x = rng.normal(size=3)
    fs, hs = backprop.forward_pass(x, betas, omegas)
    assert [f.shape for f in fs] == [(4,), (2,)] and [h.shape for h in hs] == [(3,), (4,)]
    fs2, _ = backprop.forward_pass(x[:, None], betas, omegas)
    assert_close(fs[-1], fs2[-1][:, 0])


def test_forward_pass_float32_in_float64_out(rng):
    betas, omegas = make_net(rng, [2, 3, 1])
    x = rng.normal(size=(2, 4)).astype(np.float32)
    fs, hs = backprop.forward_pass(x, [b.astype(np.float32) for b in betas], omegas)
    assert fs[-1].dtype == np.float64 and hs[0].dtype == np.float64


# -- backward pass --------------------------------------------------------------------------
@pytest.mark.parametrize("widths", SHAPES, ids=IDS)
@pytest.mark.parametrize("I", [1, 5])
@pytest.mark.parametrize("column_betas", [False, True])
def test_backward_pass_matches_autograd(rng, widths, I, column_betas):
    betas, omegas = make_net(rng, widths, column_betas)
    x = rng.normal(size=(widths[0], I))
    y = rng.normal(size=(widths[-1], I))
    dl_dbetas, dl_domegas = backprop.backward_pass(x, y, betas, omegas)
    tb, to = torch_params(betas, omegas)
    fs, _ = torch_forward(x, tb, to)
    loss = ((fs[-1] - torch.as_tensor(y)) ** 2).sum()  # the chapter's least-squares loss
    loss.backward()
    for k in range(len(omegas)):
        assert dl_dbetas[k].shape == np.shape(betas[k]), "bias gradients keep the given shape"
        assert dl_domegas[k].shape == omegas[k].shape
        assert_close(np.ravel(dl_dbetas[k]), to_numpy(tb[k].grad), what=f"dl/dbeta_{k}")
        assert_close(dl_domegas[k], to_numpy(to[k].grad), what=f"dl/dOmega_{k}")
    assert_close(backprop.least_squares_loss(x, y, betas, omegas), loss.item())


def test_trace_matches_autograd_on_preactivations(rng):
    """dl/df_k for every layer: retain torch's gradients of the intermediate f_k."""
    widths = [3, 5, 5, 2]
    betas, omegas = make_net(rng, widths)
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    trace = backprop.backprop_trace(x, y, betas, omegas)
    fs, _ = torch_forward(x, *torch_params(betas, omegas))
    for f in fs:
        f.retain_grad()
    ((fs[-1] - torch.as_tensor(y)) ** 2).sum().backward()
    for k, f in enumerate(fs):
        assert_close(trace["dl_dfs"][k], to_numpy(f.grad), what=f"dl/df_{k}")


def test_backward_pass_closed_form_scalar_chain():
    """One unit per layer: dl/domega_0 = 2 (f_2 - y) omega_2 omega_1 x when both units are on."""
    x, y = np.array([2.0]), np.array([1.0])
    betas = [np.array([0.5]), np.array([-0.2]), np.array([0.1])]
    omegas = [np.array([[1.5]]), np.array([[-0.8]]), np.array([[2.0]])]
    # f_0 = 3.5, h_1 = 3.5, f_1 = -3.0 -> h_2 = 0: the second unit is off, every gradient
    # below it is zero
    dl_dbetas, dl_domegas = backprop.backward_pass(x, y, betas, omegas)
    assert_close(dl_domegas[0], [[0.0]])
    assert_close(dl_dbetas[1], [0.0])
    omegas[1] = np.array([[0.8]])  # now f_1 = 2.6 > 0: both units on
    f2 = 0.1 + 2.0 * 2.6
    dl_dbetas, dl_domegas = backprop.backward_pass(x, y, betas, omegas)
    assert_close(dl_domegas[0], [[2 * (f2 - 1.0) * 2.0 * 0.8 * 2.0]])
    assert_close(dl_dbetas[0], [2 * (f2 - 1.0) * 2.0 * 0.8])
    assert_close(dl_domegas[2], [[2 * (f2 - 1.0) * 2.6]])


def test_backward_pass_single_point_and_one_output_targets(rng):
    betas, omegas = make_net(rng, [2, 4, 1])
    x = rng.normal(size=(2, 6))
    y = rng.normal(size=6)  # one output: (I,) is accepted as (1, I)
    g1 = backprop.backward_pass(x, y, betas, omegas)
    g2 = backprop.backward_pass(x, y[None, :], betas, omegas)
    for a, b in zip(g1[0] + g1[1], g2[0] + g2[1], strict=True):
        assert_close(a, b)
    gb, go = backprop.backward_pass(x[:, 0], y[:1], betas, omegas)  # one point, 1-D
    gb2, go2 = backprop.backward_pass(x[:, :1], y[None, :1], betas, omegas)
    assert_close(go[0], go2[0])
    assert_close(gb[1], gb2[1])


def test_batch_gradient_is_sum_of_point_gradients(rng):
    betas, omegas = make_net(rng, [3, 4, 4, 2])
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))
    _, total = backprop.backward_pass(x, y, betas, omegas)
    parts = [backprop.backward_pass(x[:, i], y[:, i], betas, omegas)[1] for i in range(5)]
    for k in range(3):
        assert_close(total[k], sum(p[k] for p in parts))


@pytest.mark.parametrize("widths", SHAPES[1:4], ids=IDS[1:4])
def test_finite_differences_agree(rng, widths):
    betas, omegas = make_net(rng, widths)
    x, y = rng.normal(size=(widths[0], 3)), rng.normal(size=(widths[-1], 3))
    before = [o.copy() for o in omegas]
    fd_b, fd_o = backprop.finite_difference_gradients(x, y, betas, omegas, eps=1e-6)
    bp_b, bp_o = backprop.backward_pass(x, y, betas, omegas)
    for k in range(len(omegas)):
        assert_close(fd_b[k], bp_b[k], rtol=1e-5, atol=1e-6, what=f"beta_{k}")
        assert_close(fd_o[k], bp_o[k], rtol=1e-5, atol=1e-6, what=f"Omega_{k}")
        assert_close(omegas[k], before[k])  # the caller's parameters are left untouched


# -- forward mode vs reverse mode ----------------------------------------------------------
def torch_net_fn(betas, omegas):
    tb = [torch.as_tensor(np.asarray(b, float).reshape(-1, 1)) for b in betas]
    to = [torch.as_tensor(o) for o in omegas]

    def fn(x):
        h = x
        for k in range(len(to)):
            f = tb[k] + to[k] @ h
            h = torch.relu(f) if k < len(to) - 1 else f
        return h

    return fn


@pytest.mark.parametrize("widths", SHAPES, ids=IDS)
def test_jvp_matches_torch(rng, widths):
    betas, omegas = make_net(rng, widths)
    x, dx = rng.normal(size=(widths[0], 4)), rng.normal(size=(widths[0], 4))
    f, df = backprop.jvp(x, betas, omegas, dx)
    tf, tdf = torch.func.jvp(torch_net_fn(betas, omegas), (torch.as_tensor(x),),
                             (torch.as_tensor(dx),))
    assert_close(f, to_numpy(tf))
    assert_close(df, to_numpy(tdf))


@pytest.mark.parametrize("widths", SHAPES, ids=IDS)
def test_vjp_matches_autograd(rng, widths):
    betas, omegas = make_net(rng, widths)
    x = rng.normal(size=(widths[0], 3))
    up = rng.normal(size=(widths[-1], 3))  # a random upstream gradient
    f, dx = backprop.vjp(x, betas, omegas, up)
    tx = torch.tensor(x, requires_grad=True)
    out = torch_net_fn(betas, omegas)(tx)
    out.backward(torch.as_tensor(up))
    assert_close(f, to_numpy(out))
    assert_close(dx, to_numpy(tx.grad))


@pytest.mark.parametrize("widths", SHAPES, ids=IDS)
def test_jacobians_match_torch(rng, widths):
    betas, omegas = make_net(rng, widths)
    x = rng.normal(size=widths[0])
    want = to_numpy(torch.autograd.functional.jacobian(
        lambda v: torch_net_fn(betas, omegas)(v[:, None])[:, 0], torch.as_tensor(x)))
    assert_close(backprop.jacobian_forward(x, betas, omegas), want.reshape(widths[-1], -1))
    assert_close(backprop.jacobian_reverse(x, betas, omegas), want.reshape(widths[-1], -1))


def test_single_point_jvp_vjp_are_1d(rng):
    betas, omegas = make_net(rng, [3, 4, 2])
    x = rng.normal(size=3)
    f, df = backprop.jvp(x, betas, omegas, np.ones(3))
    assert f.shape == df.shape == (2,)
    f, dx = backprop.vjp(x, betas, omegas, np.ones(2))
    assert f.shape == (2,) and dx.shape == (3,)


def test_measure_jacobian_cost_shapes():
    out = backprop.measure_jacobian_cost([1, 4], vary="outputs", width=8, K=1, repeats=1)
    assert out["forward"].shape == out["reverse"].shape == (2,)
    assert (out["forward"] > 0).all() and (out["reverse"] > 0).all()


# -- bad input --------------------------------------------------------------------------------
def test_bad_input_one_line_errors(rng):
    betas, omegas = make_net(rng, [3, 4, 2])
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))
    cases = [
        (lambda: backprop.forward_pass(rng.normal(size=(2, 5)), betas, omegas), ValueError, "x"),
        (lambda: backprop.forward_pass("x", betas, omegas), TypeError, "x"),
        (lambda: backprop.forward_pass(x, betas, omegas[:1]), ValueError, "betas"),
        (lambda: backprop.forward_pass(x, betas, [omegas[0], omegas[1].T]), ValueError,
         r"omegas\[1\]"),
        (lambda: backprop.forward_pass(x, [betas[0][:2], betas[1]], omegas), ValueError,
         r"betas\[0\]"),
        (lambda: backprop.backward_pass(x, y.T, betas, omegas), ValueError, "y"),
        (lambda: backprop.backward_pass(x, y[:, :3], betas, omegas), ValueError, "y"),
        (lambda: backprop.backward_pass(x, None, betas, omegas), TypeError, "y"),
        (lambda: backprop.finite_difference_gradients(x, y, betas, omegas, eps=0), ValueError,
         "eps"),
        (lambda: backprop.jvp(x, betas, omegas, np.ones(3)), ValueError, "dx"),
        (lambda: backprop.vjp(x, betas, omegas, np.ones((3, 5))), ValueError, "df"),
        (lambda: backprop.jacobian_forward(x, betas, omegas), ValueError, "one point"),
        (lambda: backprop.relu_derivative("z"), TypeError, "z"),
        (lambda: backprop.measure_jacobian_cost([1], vary="both"), ValueError, "vary"),
    ]
    for call, err, match in cases:
        with pytest.raises(err, match=match) as info:
            call()
        assert "\n" not in str(info.value)


def test_exercise_solutions_match_autograd():
    """The solutions shown in the notebook (NumPy only) against torch autograd."""
    from dlcore.exercises import ch04

    for dl_df, f_prev, omega in ch04.backward_step.probes:
        f = torch.tensor(f_prev, requires_grad=True)
        (torch.tensor(omega) @ torch.relu(f)).backward(torch.tensor(dl_df))  # f_k = Omega_k h_k
        assert_close(ch04.backward_step_solution(dl_df, f_prev, omega), to_numpy(f.grad))
    for dl_df, h in ch04.layer_gradients.probes:
        beta = torch.zeros(dl_df.shape[0], 1, requires_grad=True)
        omega = torch.zeros(dl_df.shape[0], h.shape[0], requires_grad=True)
        (beta + omega @ torch.tensor(h)).backward(torch.tensor(dl_df))
        got_beta, got_omega = ch04.layer_gradients_solution(dl_df, h)
        assert_close(got_beta, to_numpy(beta.grad))
        assert_close(got_omega, to_numpy(omega.grad))


# -- any activation of layers.ACTIVATIONS: the backward pass follows the forward pass ---------

TORCH_ACT = {
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.1),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


def torch_act_net(betas, omegas, act):
    """x -> f_K with the activation ``act``, data points as columns."""
    tb = [torch.as_tensor(np.asarray(b, float).reshape(-1, 1)) for b in betas]
    to = [torch.as_tensor(o) for o in omegas]

    def fn(x):
        h = x
        for k in range(len(to)):
            f = tb[k] + to[k] @ h
            h = TORCH_ACT[act](f) if k < len(to) - 1 else f
        return h

    return fn


@pytest.mark.parametrize("act", sorted(layers.ACTIVATIONS))
@pytest.mark.parametrize("widths", SHAPES[2:], ids=IDS[2:])
def test_backward_pass_follows_the_activation(rng, act, widths):
    """forward_pass, backward_pass and backprop_trace with tanh, sigmoid, leaky ReLU and ReLU
    against torch autograd (a random target, the chapter's least-squares loss)."""
    a = layers.ACTIVATIONS[act][0]
    betas, omegas = make_net(rng, widths)
    x, y = rng.normal(size=(widths[0], 5)), rng.normal(size=(widths[-1], 5))
    tb, to = torch_params(betas, omegas)
    hs_t, fs_t = [torch.as_tensor(x)], []
    for k, (b, o) in enumerate(zip(tb, to, strict=True)):
        fs_t.append(b[:, None] + o @ hs_t[-1])
        fs_t[-1].retain_grad()
        if k < len(to) - 1:
            hs_t.append(TORCH_ACT[act](fs_t[-1]))
    loss = ((fs_t[-1] - torch.as_tensor(y)) ** 2).sum()
    loss.backward()
    fs, hs = backprop.forward_pass(x, betas, omegas, activation=a)
    for k in range(len(omegas)):
        assert_close(fs[k], to_numpy(fs_t[k]), what=f"f_{k}")
        assert_close(hs[k], to_numpy(hs_t[k]), what=f"h_{k}")
    dl_dbetas, dl_domegas = backprop.backward_pass(x, y, betas, omegas, activation=a)
    trace = backprop.backprop_trace(x, y, betas, omegas, activation=act)  # by name works too
    for k in range(len(omegas)):
        assert_close(dl_dbetas[k], to_numpy(tb[k].grad), what=f"dl/dbeta_{k}")
        assert_close(dl_domegas[k], to_numpy(to[k].grad), what=f"dl/dOmega_{k}")
        assert_close(trace["dl_dfs"][k], to_numpy(fs_t[k].grad), what=f"dl/df_{k}")
    assert_close(trace["loss"], loss.item())
    assert_close(backprop.least_squares_loss(x, y, betas, omegas, activation=a), loss.item())


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "leaky_relu"])
def test_modes_and_jacobians_follow_the_activation(rng, act):
    a = layers.ACTIVATIONS[act][0]
    widths = [4, 6, 5, 3]
    betas, omegas = make_net(rng, widths)
    fn = torch_act_net(betas, omegas, act)
    x, dx, up = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 3)))
    f, df = backprop.jvp(x, betas, omegas, dx, activation=a)
    tf, tdf = torch.func.jvp(fn, (torch.as_tensor(x),), (torch.as_tensor(dx),))
    assert_close(f, to_numpy(tf))
    assert_close(df, to_numpy(tdf))
    tx = torch.tensor(x, requires_grad=True)
    fn(tx).backward(torch.as_tensor(up))
    assert_close(backprop.vjp(x, betas, omegas, up, activation=a)[1], to_numpy(tx.grad))
    x1 = rng.normal(size=4)
    want = to_numpy(torch.autograd.functional.jacobian(lambda v: fn(v[:, None])[:, 0],
                                                       torch.as_tensor(x1)))
    assert_close(backprop.jacobian_forward(x1, betas, omegas, activation=a), want)
    assert_close(backprop.jacobian_reverse(x1, betas, omegas, activation=a), want)
    fd_b, fd_o = backprop.finite_difference_gradients(x, up, betas, omegas, activation=a)
    bp_b, bp_o = backprop.backward_pass(x, up, betas, omegas, activation=a)
    for g, h in zip(fd_b + fd_o, bp_b + bp_o, strict=True):
        assert_close(g, h, rtol=1e-5, atol=1e-6)


def test_the_passes_are_the_shared_ones():
    """One implementation: ReLU and its derivative are dlcore.layers', and forward_pass gives
    what layers.forward gives."""
    assert backprop.relu is layers.relu and backprop.relu_derivative is layers.relu_derivative
    rng = np.random.default_rng(4)
    betas, omegas = make_net(rng, [3, 4, 2])
    x = rng.normal(size=(3, 6))
    for got, want in zip(backprop.forward_pass(x, betas, omegas),
                         layers.forward(x, betas, omegas), strict=True):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def test_bad_activation_and_targets_are_one_line_errors(rng):
    betas, omegas = make_net(rng, [3, 4, 2])
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))
    cases = [
        (lambda: backprop.backward_pass(x, y, betas, omegas, activation=np.sin), TypeError,
         "activation .* has no known derivative"),
        (lambda: backprop.jvp(x, betas, omegas, x, activation="cosh"), TypeError, "activation"),
        (lambda: backprop.backward_pass(x[:, 0], np.ones(3), betas, omegas), ValueError,
         r"y has shape \(3,\); expected \(2, 1\) = \(D_o, I\) \(or \(2,\) for one point\)"),
        (lambda: backprop.backward_pass(x, np.ones(10), betas, omegas), ValueError,
         r"y has shape \(10,\); expected \(2, 5\)"),
        (lambda: backprop.vjp(x, betas, omegas, np.ones((2, 4))), ValueError,
         r"df has shape \(2, 4\); expected \(2, 5\)"),
        (lambda: backprop.jacobian_reverse(np.ones(2), betas, omegas), ValueError,
         r"x has shape \(2,\); expected \(3,\)"),
        (lambda: backprop.measure_jacobian_cost(3), TypeError, "sizes"),
    ]
    for call, err, match in cases:
        with pytest.raises(err, match=match) as info:
            call()
        assert "\n" not in str(info.value)


# -- a chain that is not ReLU: sin, exp, cos ----------------------------------------------------
def torch_toy(x, y, phi):
    """The toy chain in torch, every intermediate kept with its gradient."""
    p = torch.tensor(phi, requires_grad=True)
    f_0 = p[0] + p[1] * x
    h_1 = torch.sin(f_0)
    f_1 = p[2] + p[3] * h_1
    h_2 = torch.exp(f_1)
    f_2 = p[4] + p[5] * h_2
    h_3 = torch.cos(f_2)
    f_3 = p[6] + p[7] * h_3
    v = dict(f_0=f_0, h_1=h_1, f_1=f_1, h_2=h_2, f_2=f_2, h_3=h_3, f_3=f_3)
    for t in v.values():
        t.retain_grad()
    loss = (f_3 - y) ** 2
    loss.backward()
    return p, v, loss


@pytest.mark.parametrize("seed", range(6))
def test_toy_chain_every_quantity_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=8)
    x, y = float(rng.normal() * 2), float(rng.normal())
    p, v, loss = torch_toy(x, y, phi)
    fwd = backprop.toy_forward(x, phi)
    back = backprop.toy_backward(x, y, phi)
    for name, t in v.items():
        assert_close(fwd[name], t.item(), what=name)
        assert_close(back[f"dl_d{name}"], t.grad.item(), what=f"dl/d{name}")
    assert_close(back["dl_dphi"], to_numpy(p.grad), what="dl/dphi")
    assert_close(backprop.toy_loss(x, y, phi), loss.item())
    assert back["dl_dphi"].shape == (8,) and len(backprop.TOY_NAMES) == 8


def test_toy_chain_closed_form():
    """With omega_0 = omega_1 = omega_2 = 0 the chain is f = beta_3 + omega_3 cos[beta_2]."""
    phi = np.array([0.3, 0.0, -1.0, 0.0, 0.7, 0.0, 0.2, 1.5])
    x, y = 1.2, 0.5
    f_3 = 0.2 + 1.5 * np.cos(0.7)
    back = backprop.toy_backward(x, y, phi)
    assert_close(backprop.toy_forward(x, phi)["f_3"], f_3)
    assert_close(back["dl_dphi"][6], 2 * (f_3 - y))  # dl/dbeta_3
    assert_close(back["dl_dphi"][7], 2 * (f_3 - y) * np.cos(0.7))  # dl/domega_3
    assert_close(back["dl_dphi"][4], 2 * (f_3 - y) * 1.5 * -np.sin(0.7))  # dl/dbeta_2
    assert_close(back["dl_dphi"][:4], np.zeros(4))  # omega_1 = omega_2 = 0 cut the chain


# -- softmax + cross-entropy ----------------------------------------------------------------------
@pytest.mark.parametrize("K,I", [(2, 1), (3, 5), (10, 7)])
def test_softmax_cross_entropy_grad_matches_autograd(rng, K, I):
    from dlcore import losses

    f = rng.normal(size=(K, I)) * 3
    y = rng.integers(0, K, size=I)
    tf = torch.tensor(f, requires_grad=True)
    torch.nn.functional.cross_entropy(tf.T, torch.as_tensor(y), reduction="sum").backward()
    assert_close(losses.softmax_cross_entropy_grad(f, y), to_numpy(tf.grad))


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize("widths", [[2, 1, 2], [3, 5, 4], [4, 6, 6, 3], [2, 8, 1, 7, 5]])
@pytest.mark.parametrize("I", [1, 6])
def test_classifier_backward_matches_autograd(rng, act, widths, I):
    a = layers.ACTIVATIONS[act][0]
    betas, omegas = make_net(rng, widths)
    x = rng.normal(size=(widths[0], I))
    y = rng.integers(0, widths[-1], size=I)
    tb, to = torch_params(betas, omegas)
    logits = torch_act_net_params(tb, to, act)(torch.as_tensor(x))  # (D_o, I)
    loss = torch.nn.functional.cross_entropy(logits.T, torch.as_tensor(y), reduction="sum")
    loss.backward()
    dl_dbetas, dl_domegas = backprop.classifier_backward(x, y, betas, omegas, activation=a)
    assert_close(backprop.classifier_loss(x, y, betas, omegas, activation=a), loss.item())
    for k in range(len(omegas)):
        assert dl_dbetas[k].shape == (widths[k + 1], 1)
        assert_close(dl_dbetas[k][:, 0], to_numpy(tb[k].grad), what=f"dl/dbeta_{k}")
        assert_close(dl_domegas[k], to_numpy(to[k].grad), what=f"dl/dOmega_{k}")


def torch_act_net_params(tb, to, act):
    def fn(x):
        h = x
        for k in range(len(to)):
            f = tb[k][:, None] + to[k] @ h
            h = TORCH_ACT[act](f) if k < len(to) - 1 else f
        return h

    return fn


def test_classifier_gradient_at_output_is_p_minus_y(rng):
    """The last layer's bias gradient is sum_i (p_i - one_hot(y_i)): its entries sum to 0."""
    betas, omegas = make_net(rng, [3, 4, 5])
    x, y = rng.normal(size=(3, 8)), rng.integers(0, 5, size=8)
    dl_dbetas, _ = backprop.classifier_backward(x, y, betas, omegas)
    assert abs(dl_dbetas[-1].sum()) < 1e-12


def test_toy_and_classifier_bad_input(rng):
    betas, omegas = make_net(rng, [3, 4, 2])
    x = rng.normal(size=(3, 5))
    phi = np.ones(8)
    cases = [
        (lambda: backprop.toy_forward(1.0, np.ones(7)), ValueError, "phi"),
        (lambda: backprop.toy_forward(np.ones(2), phi), ValueError, "x"),
        (lambda: backprop.toy_backward(1.0, "y", phi), TypeError, "y"),
        (lambda: backprop.classifier_backward(x, np.array([0, 1, 2, 0, 1]), betas, omegas),
         ValueError, r"y has labels in 0\.\.2; expected labels in 0\.\.1"),
        (lambda: backprop.classifier_backward(x, np.zeros(4, int), betas, omegas), ValueError,
         "y has 4 labels; expected 5"),
        (lambda: backprop.classifier_loss(x, np.array([0.5] * 5), betas, omegas), TypeError,
         "y must hold integer class labels"),
    ]
    for call, err, match in cases:
        with pytest.raises(err, match=match) as info:
            call()
        assert "\n" not in str(info.value)


def test_new_exercise_solutions_match_autograd():
    """The NumPy solutions of the sin/exp/cos, softmax cross-entropy and finite-difference
    exercises against torch autograd."""
    from dlcore.exercises import ch04

    for x, y, phi in ch04.toy_chain_backward.probes:
        p, _, _ = torch_toy(x, y, phi)
        assert_close(ch04.toy_chain_backward_solution(x, y, phi), to_numpy(p.grad))
    for f, y in ch04.softmax_ce_grad.probes:
        tf = torch.tensor(f, requires_grad=True)
        torch.nn.functional.cross_entropy(tf.T, torch.as_tensor(y), reduction="sum").backward()
        assert_close(ch04.softmax_ce_grad_solution(f, y), to_numpy(tf.grad))
    torch_losses = {
        ch04.coupled_loss: lambda t: (torch.sin(t) * t**2).sum()
        + ((torch.arange(1.0, t.numel() + 1) / t.numel()) @ t) ** 3 / 3,
        ch04.softplus_loss: lambda t: torch.nn.functional.softplus(t[0] * t[1] + t[2])
        + (t**4).sum() / 4,
    }
    for loss, theta, eps in ch04.numerical_gradient.probes:
        tt = torch.tensor(theta, requires_grad=True)
        torch_losses[loss](tt).backward()
        assert_close(loss(theta), torch_losses[loss](torch.tensor(theta)).item())
        before = theta.copy()
        got = ch04.numerical_gradient_solution(loss, theta, eps)
        assert_close(got, to_numpy(tt.grad), rtol=1e-3, atol=1e-3 * eps)  # O(eps^2) error
        np.testing.assert_array_equal(theta, before)  # the caller's theta is left alone


def test_input_gradient_solution_matches_autograd():
    """Exercise 8's NumPy solution (dl/dx through every layer) against torch autograd, on its
    probes and on a net whose layers have different widths."""
    from dlcore.exercises import ch04

    rng = np.random.default_rng(8)
    betas, omegas = make_net(rng, [4, 6, 5, 3], column_betas=True)
    cases = list(ch04.input_gradient.probes)
    cases.append((rng.normal(size=(4, 7)), betas, omegas, rng.normal(size=(3, 7))))
    for x, betas, omegas, dl_df in cases:
        tx = torch.tensor(x, requires_grad=True)
        torch_net_fn(betas, omegas)(tx).backward(torch.as_tensor(dl_df))
        assert_close(ch04.input_gradient_solution(x, betas, omegas, dl_df), to_numpy(tx.grad))
