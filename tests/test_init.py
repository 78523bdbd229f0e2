"""dlcore.init against PyTorch (float64 autograd, nn.init) and against closed forms."""

import copy

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import init as I
from dlcore import layers

torch.set_default_dtype(torch.float64)

WIDTHS = [[3, 5, 2], [4, 8, 8, 8, 3], [2, 16, 4, 32, 1], [6, 1]]


def _torch_net(betas, omegas):
    layers = []
    for k, (b, o) in enumerate(zip(betas, omegas, strict=True)):
        lin = torch.nn.Linear(o.shape[1], o.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(o))
            lin.bias.copy_(torch.from_numpy(np.ravel(b)))
        layers.append(lin)
        if k < len(omegas) - 1:
            layers.append(torch.nn.ReLU())
    return layers


# -- He's standard deviations ----------------------------------------------------------------
@pytest.mark.parametrize("D_h", [1, 2, 50, 200, 1000])
def test_he_std_matches_torch_kaiming(D_h):
    w = torch.empty(20000, D_h)
    torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")
    gain = torch.nn.init.calculate_gain("relu")  # sqrt(2)
    assert_close(I.he_std(D_h), gain / np.sqrt(D_h))
    assert_close(I.he_std(D_h), np.sqrt(2.0 / D_h))
    assert abs(float(w.std()) / I.he_std(D_h) - 1) < 0.05


@pytest.mark.parametrize("D_h, D_h_next", [(10, 10), (100, 300), (1, 7)])
def test_he_std_compromise_closed_form(D_h, D_h_next):
    assert_close(I.he_std_compromise(D_h, D_h_next), np.sqrt(4.0 / (D_h + D_h_next)))
    # the He variance for the mean width, and equal to He when the matrix is square
    assert_close(I.he_std_compromise(D_h, D_h_next) ** 2, 2.0 / ((D_h + D_h_next) / 2))
    assert_close(I.he_std_compromise(D_h, D_h), I.he_std(D_h))


def test_he_sigmas_rules():
    w = [4, 10, 30, 2]
    assert_close(I.he_sigmas(w, "forward"), np.sqrt(2.0 / np.array([4, 10, 30])))
    assert_close(I.he_sigmas(w, "backward"), np.sqrt(2.0 / np.array([10, 30, 2])))
    assert_close(I.he_sigmas(w, "compromise"), np.sqrt(4.0 / np.array([14, 40, 32])))
    assert_close(I.he_sigmas(w, "forward", multiple=9.0), 3 * np.sqrt(2.0 / np.array([4, 10, 30])))


# -- init_net ------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", WIDTHS)
def test_init_net_shapes_and_zero_biases(widths, rng):
    betas, omegas = I.init_net(widths, 0.3, rng)
    assert len(betas) == len(omegas) == len(widths) - 1
    for k, (b, o) in enumerate(zip(betas, omegas, strict=True)):
        assert o.shape == (widths[k + 1], widths[k])
        assert b.shape == (widths[k + 1],) and not b.any()


def test_init_net_weight_distribution(rng):
    betas, omegas = I.init_net([400, 500, 300], [0.1, 2.0], rng)
    for o, s in zip(omegas, [0.1, 2.0], strict=True):
        assert abs(o.mean()) < 0.01 * s
        assert abs(o.std() / s - 1) < 0.01


def test_init_net_is_seeded():
    a = I.init_net([3, 4, 2], 1.0, np.random.default_rng(5))[1]
    b = I.init_net([3, 4, 2], 1.0, np.random.default_rng(5))[1]
    for x, y in zip(a, b, strict=True):
        assert_close(x, y)


# -- forward, backward, variances against torch -----------------------------------------------
@pytest.mark.parametrize("widths", WIDTHS)
def test_forward_matches_torch(widths, rng):
    betas, omegas = I.init_net(widths, 0.7, rng)
    betas = [rng.normal(size=b.shape) for b in betas]  # non-zero biases exercise beta_k too
    x = rng.normal(size=(widths[0], 9))
    fs, hs = I.forward(x, betas, omegas)
    t = torch.from_numpy(x.T)
    want_f, want_h = [], [x]
    for layer in _torch_net(betas, omegas):
        t = layer(t)
        (want_f if isinstance(layer, torch.nn.Linear) else want_h).append(to_numpy(t).T)
    assert len(fs) == len(widths) - 1 and len(hs) == len(widths) - 1
    for got, want in zip(fs + hs, want_f + want_h, strict=True):
        assert_close(got, want)


@pytest.mark.parametrize("widths", WIDTHS)
def test_backward_matches_torch_autograd(widths, rng):
    betas, omegas = I.init_net(widths, 0.7, rng)
    x = rng.normal(size=(widths[0], 7))
    upstream = rng.normal(size=(widths[-1], 7))  # a random dl/df_K, not a sum
    fs, _ = I.forward(x, betas, omegas)
    grads = I.backward(fs, omegas, upstream)
    t = torch.from_numpy(x.T)
    pre = []
    for layer in _torch_net(betas, omegas):
        t = layer(t)
        if isinstance(layer, torch.nn.Linear):
            t.retain_grad()
            pre.append(t)
    t.backward(torch.from_numpy(upstream.T))
    for got, f in zip(grads, pre, strict=True):
        assert_close(got, to_numpy(f.grad).T)


def test_variances_match_torch_var(rng):
    widths = [5, 20, 20, 3]
    betas, omegas = I.init_net(widths, I.he_sigmas(widths), rng)
    x = rng.normal(size=(5, 30))
    upstream = rng.normal(size=(3, 30))
    fs, _ = I.forward(x, betas, omegas)
    got = I.preactivation_variances(x, betas, omegas)
    want = [float(torch.var(torch.from_numpy(f), correction=0)) for f in fs]
    assert_close(got, want)
    grads = I.backward(fs, omegas, upstream)
    assert_close(I.gradient_variances(x, betas, omegas, upstream),
                 [float(torch.var(torch.from_numpy(g), correction=0)) for g in grads])


# -- the variance recursion --------------------------------------------------------------------
@pytest.mark.parametrize("var_f, D_h, sigma", [(1.0, 100, 0.1), (3.0, 10, 0.5), (0.2, 1, 2.0)])
def test_next_variance_closed_form_and_monte_carlo(var_f, D_h, sigma):
    want = 0.5 * D_h * sigma**2 * var_f
    assert_close(I.next_variance(var_f, D_h, sigma), want)
    # Monte Carlo over many independent layers: the sample variance approaches the formula
    rng = np.random.default_rng(7)
    samples = np.concatenate([I.sample_next_layer(var_f, D_h, sigma, rng, 64, 200).ravel()
                              for _ in range(40)])
    assert abs(samples.mean()) < 0.05 * np.sqrt(want)
    assert abs(np.var(samples) / want - 1) < 0.08


def test_he_keeps_the_variance():
    for D_h in (3, 50, 512):
        assert_close(I.next_variance(2.5, D_h, I.he_std(D_h)), 2.5)
        assert_close(I.next_gradient_variance(2.5, D_h, I.he_std(D_h)), 2.5)


def test_next_gradient_variance_monte_carlo():
    rng = np.random.default_rng(3)
    D_h, D_h_next, sigma = 40, 120, 0.2
    est = []
    for _ in range(30):
        f = rng.normal(size=(D_h, 100))
        omega = sigma * rng.normal(size=(D_h_next, D_h))
        g = rng.normal(size=(D_h_next, 100))  # Var[dl/df'] = 1
        est.append(np.var((f > 0) * (omega.T @ g)))
    assert abs(np.mean(est) / I.next_gradient_variance(1.0, D_h_next, sigma) - 1) < 0.05


def test_predicted_variances_closed_form(rng):
    widths = [3, 10, 20, 5]
    sig = np.array([0.5, 0.3, 0.2])
    x = rng.normal(size=(3, 11))
    v0 = 3 * 0.25 * np.mean(x**2)
    want = [v0, 0.5 * 10 * 0.09 * v0, 0.5 * 20 * 0.04 * 0.5 * 10 * 0.09 * v0]
    assert_close(I.predicted_variances(x, widths, sig), want)
    top = 2.0
    # Omega_2 is (5, 20): dl/df_1 sums 5 terms; Omega_1 is (20, 10): dl/df_0 sums 20
    want_g = [0.5 * 20 * 0.09 * 0.5 * 5 * 0.04 * top, 0.5 * 5 * 0.04 * top, top]
    assert_close(I.predicted_gradient_variances(top, widths, sig), want_g)


def test_prediction_matches_wide_net_on_average():
    """Averaged over nets, the measured Var[f_k] follows the theory for every multiple."""
    rng = np.random.default_rng(11)
    widths = [10] + [200] * 6 + [50]
    x = rng.normal(size=(10, 100))
    for multiple in (0.5, 1.0, 2.0):
        sig = I.he_sigmas(widths, multiple=multiple)
        var = [I.preactivation_variances(x, *I.init_net(widths, sig, rng)) for _ in range(30)]
        ratio = np.mean(var, axis=0) / I.predicted_variances(x, widths, sig)
        assert np.max(np.abs(ratio - 1)) < 0.15, ratio


# -- floating point ------------------------------------------------------------------------------
def test_float_limits_match_torch_finfo():
    for np_t, t_t in ((np.float32, torch.float32), (np.float64, torch.float64)):
        lim = I.float_limits(np_t)
        fi = torch.finfo(t_t)
        assert lim["max"] == fi.max and lim["tiny"] == fi.tiny
        assert lim["subnormal"] < lim["tiny"]


def test_rms_per_layer_overflow_and_underflow():
    x = np.ones((4, 3))
    big = [np.eye(4) * 100.0] * 201  # each layer multiplies by 100
    small = [np.eye(4) * 0.01] * 201
    zeros = [np.zeros(4)] * 201
    r32 = I.rms_per_layer(x, zeros, big, np.float32)
    r64 = I.rms_per_layer(x, zeros, big, np.float64)
    assert_close(r64[:5], 100.0 ** np.arange(1, 6))
    assert I.first_bad_layer(r32, np.float32) == (19, "overflow")  # 1e40 > 3.4e38
    assert I.first_bad_layer(r64, np.float64) == (154, "overflow")  # 1e310 > 1.8e308
    s32 = I.rms_per_layer(x, zeros, small, np.float32)
    assert I.first_bad_layer(s32, np.float32) == (18, "underflow")  # 1e-38 < 1.18e-38
    assert s32[-1] == 0.0
    assert I.first_bad_layer(np.ones(3)) == (None, None)


def test_rms_is_root_mean_square(rng):
    f = rng.normal(size=(5, 7)) * 1e300
    assert_close(I._rms([f])[0] / 1e300, np.sqrt(np.mean((f / 1e300) ** 2)))


# -- bad input -----------------------------------------------------------------------------------
def test_bad_input_one_line_errors(rng):
    with pytest.raises(ValueError, match="D_h"):
        I.he_std(0)
    with pytest.raises(TypeError, match="D_h"):
        I.he_std("ten")
    with pytest.raises(ValueError, match="D_h_next"):
        I.he_std_compromise(3, -1)
    with pytest.raises(TypeError, match="widths"):
        I.init_net(5, 1.0, rng)
    with pytest.raises(ValueError, match="widths"):
        I.init_net([5], 1.0, rng)
    with pytest.raises(ValueError, match="sigma"):
        I.init_net([3, 4, 2], [1.0, 2.0, 3.0], rng)
    with pytest.raises(ValueError, match="sigma"):
        I.init_net([3, 4, 2], -1.0, rng)
    with pytest.raises(TypeError, match="rng"):
        I.init_net([3, 4, 2], 1.0, 0)
    betas, omegas = I.init_net([3, 4, 2], 1.0, rng)
    with pytest.raises(ValueError, match="x"):
        I.preactivation_variances(np.ones((2, 5)), betas, omegas)
    with pytest.raises(ValueError, match="omegas"):
        I.preactivation_variances(np.ones((3, 5)), betas, [omegas[0], omegas[0]])
    with pytest.raises(ValueError, match="dl_df"):
        fs, _ = I.forward(np.ones((3, 5)), betas, omegas)
        I.backward(fs, omegas, np.ones((5, 2)))
    with pytest.raises(ValueError, match="rule"):
        I.he_sigmas([3, 4], "sideways")
    with pytest.raises(TypeError, match="dtype"):
        I.forward(np.ones((3, 5)), betas, omegas, dtype=np.int64)
    with pytest.raises(ValueError, match="var_f"):
        I.next_variance(-1.0, 3, 0.1)
    with pytest.raises(ValueError, match="x"):
        I.predicted_variances(np.ones((2, 4)), [3, 4, 2], 1.0)


def test_exercise_solutions_match_dlcore_and_autograd():
    """The solutions shown in the notebook (NumPy only) against init.next_variance and torch."""
    from dlcore.exercises import ch05

    for var_f, D_h, sigma in ch05.next_variance.probes:
        assert_close(ch05.next_variance_solution(var_f, D_h, sigma),
                     0.5 * D_h * sigma**2 * var_f)
        assert_close(ch05.next_variance_solution(var_f, D_h, sigma),
                     I.next_variance(var_f, D_h, sigma))
    for f_prev, omega, dl_df in ch05.grad_step.probes:
        f = torch.tensor(f_prev, requires_grad=True)
        (torch.tensor(omega) @ torch.relu(f)).backward(torch.tensor(dl_df))
        assert_close(ch05.grad_prev_solution(f_prev, omega, dl_df), to_numpy(f.grad))


# -- one implementation: the shared draws and passes -----------------------------------------
@pytest.mark.parametrize("widths", WIDTHS)
def test_init_net_draws_are_the_recipe_bit_for_bit(widths):
    """init_net is layers.init_params with zero biases: Omega_k = sigma_k * standard normal,
    drawn layer by layer, beta_k = 0 and nothing drawn for it."""
    sigma = np.linspace(0.2, 1.0, len(widths) - 1)
    betas, omegas = I.init_net(widths, sigma, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    for k, (D_k, D_next) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        np.testing.assert_array_equal(omegas[k], sigma[k] * rng.standard_normal((D_next, D_k)))
        np.testing.assert_array_equal(betas[k], np.zeros(D_next))
    same = layers.init_params(widths, sigma, np.random.default_rng(9))
    for a, b in zip(betas + omegas, same[0] + same[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_forward_is_layers_forward_and_float32_stays_float32(rng):
    widths = [6, 10, 10, 4]
    betas, omegas = I.init_net(widths, I.he_sigmas(widths), rng)
    betas = [rng.normal(size=b.shape) for b in betas]
    x = rng.normal(size=(6, 5))
    for got, want in zip(I.forward(x, betas, omegas), layers.forward(x, betas, omegas),
                         strict=True):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    fs32, hs32 = I.forward(x, betas, omegas, dtype=np.float32)
    assert all(a.dtype == np.float32 for a in fs32 + hs32)
    t = torch.from_numpy(x.T.astype(np.float32))
    want = []
    for layer in _torch_net(betas, omegas):
        layer.float()
        t = layer(t)
        if isinstance(layer, torch.nn.Linear):
            want.append(t.detach().numpy().T)
    for got, w in zip(fs32, want, strict=True):
        assert_close(got, w, rtol=1e-5, atol=1e-5)  # float32 arithmetic, as torch's float32


def test_float32_overflows_where_float64_does_not():
    x = np.ones((3, 2))
    omegas = [np.eye(3) * 1e10] * 5  # 1e50 at the output
    betas = [np.zeros(3)] * 5
    fs64, _ = I.forward(x, betas, omegas)
    fs32, _ = I.forward(x, betas, omegas, dtype=np.float32)
    assert_close(fs64[-1], np.full((3, 2), 1e50), rtol=1e-12)
    assert np.isfinite(fs32[2]).all() and np.isinf(fs32[3]).all()  # 1e40 > 3.4e38


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_forward_and_backward_follow_the_activation(act, rng):
    a = layers.ACTIVATIONS[act][0]
    widths = [4, 8, 8, 3]
    betas, omegas = I.init_net(widths, 0.9, rng)
    x, upstream = rng.normal(size=(4, 6)), rng.normal(size=(3, 6))
    fs, hs = I.forward(x, betas, omegas, activation=a)
    grads = I.backward(fs, omegas, upstream, activation=a)
    t = torch.from_numpy(x.T)
    pre = []
    for layer in _torch_net(betas, omegas):
        t = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}[act](t) \
            if isinstance(layer, torch.nn.ReLU) else layer(t)
        if isinstance(layer, torch.nn.Linear):
            t.retain_grad()
            pre.append(t)
    t.backward(torch.from_numpy(upstream.T))
    for f, g, tf in zip(fs, grads, pre, strict=True):
        assert_close(f, to_numpy(tf).T)
        assert_close(g, to_numpy(tf.grad).T)


def test_variances_per_layer_match_torch(rng):
    widths = [5, 20, 20, 3]
    betas, omegas = I.init_net(widths, I.he_sigmas(widths), rng)
    x, upstream = rng.normal(size=(5, 30)), rng.normal(size=(3, 30))
    t = torch.from_numpy(x.T)
    pre, linears = [], []
    for layer in _torch_net(betas, omegas):
        t = layer(t)
        if isinstance(layer, torch.nn.Linear):
            t.retain_grad()
            pre.append(t)
            linears.append(layer)
    t.backward(torch.from_numpy(upstream.T))
    got = I.variances_per_layer(x, betas, omegas, upstream)
    assert_close(got["var_f"], [float(torch.var(f.detach(), correction=0)) for f in pre])
    assert_close(got["var_g"], [float(torch.var(f.grad, correction=0)) for f in pre])
    assert_close(got["ms_domega"], [float((lin.weight.grad**2).mean()) for lin in linears])
    assert_close(got["var_g"], I.gradient_variances(x, betas, omegas, upstream))
    assert_close(got["var_f"], I.preactivation_variances(x, betas, omegas))


def test_predicted_variances_in_logs_go_beyond_the_float_range(rng):
    widths = [8] * 12
    x = rng.normal(size=(8, 5))
    sig = I.he_sigmas(widths, multiple=4.0)
    assert_close(I.predicted_variances(x, widths, sig, log10=True),
                 np.log10(I.predicted_variances(x, widths, sig)), rtol=1e-12)
    deep = [8] * 402
    logs = I.predicted_variances(x, deep, I.he_sigmas(deep, multiple=1e3), log10=True)
    assert np.isfinite(logs).all() and logs[-1] > 1000  # 10^1000: no float holds it
    assert np.isinf(I.predicted_variances(x, deep, I.he_sigmas(deep, multiple=1e3))[-1])
    assert_close(np.diff(logs), np.full(400, 3.0), rtol=1e-9)  # x 1000 per layer


def test_relations_between_arguments_are_one_line_errors(rng):
    cases = [
        (lambda: I.predicted_variances(np.ones((2, 4)), [3, 4, 2], 1.0), ValueError,
         r"x has shape \(2, 4\); expected 3 rows = widths\[0\]"),
        (lambda: I.predicted_gradient_variances(1.0, [3, 4, 2], [1.0, 2.0, 3.0]), ValueError,
         r"sigma has shape \(3,\); expected a number or \(2,\)"),
        (lambda: I.variances_per_layer(np.ones((3, 5)), *I.init_net([3, 4, 2], 1.0, rng),
                                       np.ones((3, 5))), ValueError, "dl_df"),
        (lambda: I.float_limits(int), TypeError, "dtype must be a float type"),
        (lambda: I.first_bad_layer(np.ones((2, 2)), np.float32), ValueError,
         r"rms has shape \(2, 2\); expected a 1-D array"),
    ]
    for call, err, match in cases:
        with pytest.raises(err, match=match) as info:
            call()
        assert "\n" not in str(info.value)


# -- training diagnostics ------------------------------------------------------------------------
def _torch_sgd_records(x, y, betas, omegas, alpha, batches):
    """The same SGD run in torch: loss / batch size and ||alpha dL/dW|| / ||W|| before each step."""
    net = torch.nn.Sequential(*_torch_net(betas, omegas))
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.SGD(net.parameters(), lr=alpha)
    X, Y = torch.from_numpy(x.T), torch.from_numpy(y.T)
    losses, ratios = [], []
    for idx in batches:
        idx = torch.from_numpy(idx)
        loss = ((net(X[idx]) - Y[idx]) ** 2).sum()  # the notes' least squares: a sum
        opt.zero_grad()
        loss.backward()
        losses.append(loss.item() / len(idx))
        ratios.append([float(torch.linalg.norm(alpha * m.weight.grad) / torch.linalg.norm(m.weight.detach()))
                       for m in linears])
        before = [m.weight.detach().clone() for m in linears]
        opt.step()
        for b, m in zip(before, linears, strict=True):  # what the step did to the weights
            assert_close(torch.linalg.norm(m.weight.detach() - b) / torch.linalg.norm(b),
                         ratios[-1][linears.index(m)])
    return np.array(losses), np.array(ratios)


@pytest.mark.parametrize("widths, batch_size", [([3, 6, 6, 2], 4), ([5, 8, 4, 8, 1], 7)])
def test_train_sgd_matches_torch_sgd(widths, batch_size, rng):
    from dlcore import optim

    betas, omegas = I.init_net(widths, I.he_sigmas(widths), rng)
    betas = [0.1 * rng.normal(size=b.shape) for b in betas]
    x = rng.normal(size=(widths[0], 20))
    y = rng.normal(size=(widths[-1], 20))
    n_steps, alpha = 8, 0.01
    run = I.train_sgd(x, y, betas, omegas, alpha, n_steps, batch_size,
                      np.random.default_rng(3), snapshots=(0, 5))
    batch_rng, batches = np.random.default_rng(3), []
    while len(batches) < n_steps + 1:  # the batches train_sgd draws: epochs of minibatches
        batches += optim.minibatches(20, batch_size, batch_rng)
    losses, ratios = _torch_sgd_records(x, y, betas, omegas, alpha, batches[:n_steps + 1])
    assert_close(run["loss"], losses)
    assert_close(run["ratio"], ratios)
    assert run["diverged_at"] is None and sorted(run["fs"]) == [0, 5]
    fs0, _ = I.forward(x[:, batches[0]], betas, omegas)  # the snapshot at step 0
    for got, want in zip(run["fs"][0], fs0, strict=True):
        assert_close(got, want)
    dl_df = 2 * (fs0[-1] - y[:, batches[0]])
    for got, want in zip(run["grads"][0], I.backward(fs0, omegas, dl_df), strict=True):
        assert_close(got, want)


def test_update_ratio_closed_form_and_edge_cases(rng):
    omegas = [rng.normal(size=(4, 3)), 3.0 * np.ones((2, 4))]
    grads = [rng.normal(size=(4, 3)), np.ones((2, 4))]
    want = [0.1 * np.sqrt(np.sum(g**2)) / np.sqrt(np.sum(o**2)) for o, g in zip(omegas, grads)]
    assert_close(I.update_ratio(omegas, grads, 0.1), want)
    assert_close(I.update_ratio(omegas, grads, 0.1)[1], 0.1 / 3)  # every entry 0.1 against 3
    assert I.update_ratio([np.ones((2, 2))], [np.zeros((2, 2))], 1.0)[0] == 0.0  # no gradient
    with pytest.raises(ValueError, match="dl_domegas"):
        I.update_ratio(omegas, grads[:1], 0.1)
    with pytest.raises(ValueError, match="dl_domegas"):
        I.update_ratio(omegas, [grads[0], np.ones((4, 2))], 0.1)
    with pytest.raises(ValueError, match="alpha"):
        I.update_ratio(omegas, grads, 0.0)


def test_train_sgd_diverges_and_stops(rng):
    widths = [4] + [16] * 12 + [1]
    betas, omegas = I.init_net(widths, I.he_sigmas(widths, multiple=16.0), rng)
    x, y = rng.normal(size=(4, 16)), rng.normal(size=(1, 16))
    run = I.train_sgd(x, y, betas, omegas, 0.01, 50, 8, rng)
    t = run["diverged_at"]
    assert t is not None and t < 50 and not np.isfinite(run["loss"][t])
    assert np.isnan(run["loss"][t + 1:]).all() and np.isnan(run["ratio"][t + 1:]).all()
    with pytest.raises(ValueError, match="y"):
        I.train_sgd(x, np.ones((2, 16)), betas, omegas, 0.01, 5, 8, rng)
    with pytest.raises(ValueError, match="y"):
        I.train_sgd(x, np.ones((1, 15)), betas, omegas, 0.01, 5, 8, rng)
    with pytest.raises(ValueError, match="batch_size"):
        I.train_sgd(x, y, betas, omegas, 0.01, 5, 0, rng)


def test_diagnostic_run_scales_only_the_weights():
    """The three runs start from the same draws: only sigma_Omega differs (by sqrt(multiple))."""
    config = I.DiagnosticsConfig(depth=3, width=8, I=32, steps=2, batch_size=8, snapshots=(0,))
    a, b = I.diagnostic_run(1.0, config), I.diagnostic_run(4.0, config)
    assert_close(a["x"], b["x"])
    assert_close(a["y"], np.sin(2 * a["x"][:1]) + 0.5 * a["x"][1:2] * a["x"][2:3])
    # zero biases, ReLU: f_k scales by sqrt(4)^(k+1) = 2^(k+1) at step 0
    for k, (fa, fb) in enumerate(zip(a["fs"][0], b["fs"][0], strict=True)):
        assert_close(fb, 2.0 ** (k + 1) * fa)


def test_new_exercise_solutions_match_dlcore():
    """The notebook's solutions (NumPy only) against init.init_net, predicted_variances and
    update_ratio."""
    from dlcore.exercises import ch05

    for D_h, D_h_next, r in ch05.he_layer.probes:
        beta, omega = ch05.he_layer_solution(D_h, D_h_next, copy.deepcopy(r))
        betas, omegas = I.init_net([D_h, D_h_next], I.he_std(D_h), copy.deepcopy(r))
        assert_close(beta, betas[0])
        assert_close(omega, omegas[0])
    x = np.random.default_rng(0).normal(size=(5, 40))
    for var_0, widths, sigmas in ch05.variance_recursion.probes:
        got = ch05.variance_recursion_solution(var_0, widths, sigmas)
        x_k = x[:widths[0]]
        want = I.predicted_variances(x_k, widths, sigmas)
        assert_close(got, want * var_0 / want[0])
    for omegas, grads, alpha in ch05.update_ratio.probes:
        assert_close(ch05.update_ratio_solution(omegas, grads, alpha),
                     I.update_ratio(list(omegas), list(grads), alpha))
