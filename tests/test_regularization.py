"""dlcore.regularization (and its public-API names, re-exported by dlcore.generalization)
against PyTorch and closed forms."""

from itertools import product

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import generalization as G
from dlcore import regularization as R

torch.set_default_dtype(torch.float64)


def _problem(rng, I=9, D=6, sigma=0.3):
    x, y = R.sample_data(I, sigma, rng)
    H = R.shallow_features(x, R.ramp_theta(D))
    return x, y, H


# -- the public API: l2_penalty, gd_modified_loss, dropout -------------------------------------
@pytest.mark.parametrize("shapes", [[(3, 1)], [(4, 2), (4, 4), (1, 4)], [(5, 7)]])
def test_l2_penalty_matches_torch(rng, shapes):
    omegas = [rng.normal(size=s) for s in shapes]
    lam = 0.37
    want = lam * sum(torch.linalg.matrix_norm(torch.as_tensor(o)) ** 2 for o in omegas)
    assert_close(G.l2_penalty(omegas, lam), float(want))
    assert_close(G.l2_penalty(omegas[0], lam), lam * np.sum(omegas[0] ** 2))


def test_l2_penalty_bad_input():
    with pytest.raises(TypeError, match="omegas"):
        G.l2_penalty(["a"], 1.0)
    with pytest.raises(ValueError, match="lam"):
        G.l2_penalty([np.ones((2, 2))], -1.0)


def _torch_quartic(theta):
    """A non-quadratic test loss: sum theta^4 / 4 + (theta_0 theta_1 - 1)^2 + sum sin(theta)."""
    return (theta ** 4).sum() / 4 + (theta[0] * theta[1] - 1) ** 2 + torch.sin(theta).sum()


def _np_quartic(theta):
    return float(_torch_quartic(torch.as_tensor(theta)))


def _np_quartic_grad(theta):
    t = torch.tensor(theta, requires_grad=True)
    (g,) = torch.autograd.grad(_torch_quartic(t), t)
    return to_numpy(g)


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.7])
def test_gd_modified_loss_matches_torch(rng, alpha):
    theta = rng.normal(size=3)
    t = torch.tensor(theta, requires_grad=True)
    (g,) = torch.autograd.grad(_torch_quartic(t), t, create_graph=True)
    want = _torch_quartic(t) + alpha / 4 * (g ** 2).sum()
    L_GD = G.gd_modified_loss(_np_quartic, _np_quartic_grad, alpha)
    assert_close(L_GD(theta), float(want.detach()))


@pytest.mark.parametrize("use_hessian", [False, True])
def test_gd_modified_grad_matches_torch_double_backward(rng, use_hessian):
    alpha = 0.3
    theta = rng.normal(size=3)
    t = torch.tensor(theta, requires_grad=True)
    (g,) = torch.autograd.grad(_torch_quartic(t), t, create_graph=True)
    (want,) = torch.autograd.grad(_torch_quartic(t) + alpha / 4 * (g ** 2).sum(), t)
    hess = None
    if use_hessian:
        def hess(th):
            return to_numpy(torch.autograd.functional.hessian(_torch_quartic,
                                                              torch.as_tensor(th)))
    got = R.gd_modified_grad(_np_quartic_grad, alpha, hess_fn=hess)(theta)
    assert_close(got, to_numpy(want), rtol=1e-7, atol=1e-7)


def test_gd_modified_bad_input():
    with pytest.raises(TypeError, match="loss_fn"):
        G.gd_modified_loss("L", _np_quartic_grad, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        G.gd_modified_loss(_np_quartic, _np_quartic_grad, -0.1)
    with pytest.raises(TypeError, match="grad_fn"):
        R.gd_modified_grad(3, 0.1)
    with pytest.raises(TypeError, match="grad_fn returned str 'steep'; expected numbers"):
        G.gd_modified_loss(_np_quartic, lambda th: "steep", 0.1)(np.ones(2))
    with pytest.raises(ValueError, match=r"loss_fn returned shape \(2,\); expected one number"):
        G.gd_modified_loss(lambda th: th, _np_quartic_grad, 0.1)(np.ones(2))


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_inverted_scaling(p):
    h = np.arange(1, 20001, dtype=float).reshape(100, 200) / 1000
    out = G.dropout(h, p, np.random.default_rng(3))
    kept = out != 0
    assert_close(out[kept], h[kept] / (1 - p))
    assert abs(kept.mean() - (1 - p)) < 0.02
    # same semantics as torch.nn.functional.dropout: mean preserved, survivors scaled 1/(1-p)
    t = torch.nn.functional.dropout(torch.as_tensor(h), p, training=True)
    tk = to_numpy(t) != 0
    assert_close(to_numpy(t)[tk], h[tk] / (1 - p))
    assert abs(out.mean() / h.mean() - 1) < 0.03


def test_dropout_same_seed_same_mask():
    h = np.ones((4, 5))
    a = G.dropout(h, 0.5, np.random.default_rng(7))
    b = G.dropout(h, 0.5, np.random.default_rng(7))
    assert_close(a, b)


def test_dropout_bad_input():
    with pytest.raises(ValueError, match="p"):
        G.dropout(np.ones(3), 1.0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        G.dropout(np.ones(3), 0.5, 0)
    with pytest.raises(TypeError, match="h"):
        G.dropout("x", 0.5, np.random.default_rng(0))


# -- features, ridge, MAP -----------------------------------------------------------------------
def test_shallow_features_match_torch(rng):
    x = rng.uniform(-1, 2, 11)
    theta = rng.normal(size=(5, 2))
    H = R.shallow_features(x, theta)
    lin = torch.nn.functional.linear(torch.as_tensor(x)[:, None], torch.as_tensor(theta[:, 1:]),
                                     torch.as_tensor(theta[:, 0]))
    assert H.shape == (6, 11)
    assert_close(H[0], np.ones(11))
    assert_close(H[1:], to_numpy(torch.relu(lin)).T)


@pytest.mark.parametrize("lam,pen", list(product([1e-3, 0.1, 5.0], [False, True])))
def test_ridge_fit_zero_gradient_in_torch(rng, lam, pen):
    _, y, H = _problem(rng)
    phi = torch.tensor(R.ridge_fit(H, y, lam, penalize_offset=pen), requires_grad=True)
    w = phi if pen else phi[1:]
    obj = ((torch.as_tensor(y) - phi @ torch.as_tensor(H)) ** 2).sum() + lam * (w ** 2).sum()
    (g,) = torch.autograd.grad(obj, phi)
    assert np.abs(to_numpy(g)).max() < 1e-8


def test_ridge_fit_normal_equations(rng):
    _, y, H = _problem(rng, I=5, D=9)
    lam = 0.2
    P = np.eye(H.shape[0])
    P[0, 0] = 0
    assert_close(R.ridge_fit(H, y, lam), np.linalg.solve(H @ H.T + lam * P, H @ y), rtol=1e-8)
    assert_close(R.ridge_fit(H, y, lam, penalize_offset=True),
                 np.linalg.solve(H @ H.T + lam * np.eye(10), H @ y), rtol=1e-8)


def test_ridge_fit_lam_zero_is_min_weight_norm_interpolant(rng):
    """lam = 0: minimise sum_{d>=1} phi_d^2 subject to H^T phi = y (a KKT system)."""
    _, y, H = _problem(rng, I=5, D=9)
    Pw = np.diag([0.0] + [1.0] * 9)
    K = np.block([[Pw, H], [H.T, np.zeros((5, 5))]])
    want = np.linalg.solve(K, np.concatenate([np.zeros(10), y]))[:10]
    assert_close(R.ridge_fit(H, y, 0.0), want, rtol=1e-7, atol=1e-8)
    assert_close(R.ridge_fit(H, y, 0.0, penalize_offset=True), np.linalg.pinv(H.T) @ y,
                 rtol=1e-7, atol=1e-9)


def test_ridge_fit_several_outputs(rng):
    _, y, H = _problem(rng, I=7, D=4)
    Y = np.stack([y, -2 * y + 1, y ** 2])  # (3, I)
    phi = R.ridge_fit(H, Y, 0.3)
    assert phi.shape == (3, 5)
    for j in range(3):
        assert_close(phi[j], R.ridge_fit(H, Y[j], 0.3), rtol=1e-9)


@pytest.mark.parametrize("pen", [False, True])
def test_neg_log_posterior_matches_torch_distributions(rng, pen):
    _, y, H = _problem(rng)
    sigma, sigma_p = 0.4, 1.7
    phis = rng.normal(size=(2, H.shape[0]))

    def torch_nlp(phi):
        phi = torch.as_tensor(phi)
        lik = torch.distributions.Normal(phi @ torch.as_tensor(H), sigma).log_prob(
            torch.as_tensor(y)).sum()
        w = phi if pen else phi[1:]
        prior = torch.distributions.Normal(0.0, sigma_p).log_prob(w).sum()
        return -float(lik + prior)

    got = [R.neg_log_posterior(p, H, y, sigma, sigma_p, penalize_offset=pen) for p in phis]
    # constants are dropped, so compare differences between two parameter vectors
    assert_close(got[0] - got[1], torch_nlp(phis[0]) - torch_nlp(phis[1]))


def test_map_is_ridge_with_lam_sigma2_over_sigma_p2(rng):
    _, y, H = _problem(rng)
    sigma, sigma_p = 0.3, 0.8
    lam = R.lam_from_prior(sigma, sigma_p)
    assert_close(lam, 0.09 / 0.64)
    phi = R.ridge_fit(H, y, lam)
    base = R.neg_log_posterior(phi, H, y, sigma, sigma_p)
    for _ in range(5):  # any small move increases -log posterior
        assert R.neg_log_posterior(phi + 1e-3 * rng.normal(size=phi.size), H, y, sigma,
                                   sigma_p) > base


def test_ridge_bad_input(rng):
    _, y, H = _problem(rng)
    with pytest.raises(ValueError, match="y has"):
        R.ridge_fit(H, y[:-1], 0.1)
    with pytest.raises(ValueError, match="lam"):
        R.ridge_fit(H, y, -1)
    with pytest.raises(ValueError, match="theta"):
        R.shallow_features(np.ones(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match="sigma_p"):
        R.lam_from_prior(1.0, 0.0)
    with pytest.raises(ValueError, match="phi"):
        R.neg_log_posterior(np.ones(2), H, y, 1.0, 1.0)
    with pytest.raises(ValueError, match="H row 0"):
        R.ridge_fit(H + 1, y, 0.1)


# -- gradient descent and gradient flow ---------------------------------------------------------
def test_gradient_descent_path_matches_torch_sgd(rng):
    theta0 = rng.normal(size=3)
    alpha, n = 0.05, 25
    path = R.gradient_descent_path(_np_quartic_grad, theta0, alpha, n)
    t = torch.tensor(theta0, requires_grad=True)
    opt = torch.optim.SGD([t], lr=alpha)
    for k in range(n):
        opt.zero_grad()
        _torch_quartic(t).backward()
        opt.step()
        assert_close(path[k + 1], to_numpy(t), rtol=1e-9, atol=1e-12)


def test_gradient_descent_path_divergence_padded_with_nan():
    path = R.gradient_descent_path(lambda th: 2 * th, np.ones(2), 1.5, 2000)
    assert np.isnan(path[-1]).all() and np.isfinite(path[0]).all()


def test_gradient_flow_quadratic_closed_form(rng):
    M = rng.normal(size=(3, 3))
    A = M @ M.T + np.eye(3)  # L = 1/2 theta^T A theta, grad = A theta
    theta0 = rng.normal(size=3)
    s, V = np.linalg.eigh(A)
    T = 0.8
    want = V @ (np.exp(-s * T) * (V.T @ theta0))  # theta(T) = exp(-A T) theta0
    path = R.gradient_flow_path(lambda th: A @ th, theta0, T, 400)
    assert_close(path[-1], want, rtol=1e-8, atol=1e-10)


def test_modified_flow_tracks_gd_to_second_order():
    """Backward error analysis: after t = n alpha, GD differs from the flow on L by O(alpha)
    but from the flow on L_GD by O(alpha^2) (so halving alpha quarters the gap)."""
    A = np.diag([1.0, 4.0])
    theta0 = np.array([1.0, 1.0])
    gaps = []
    for alpha in (0.04, 0.02):
        n = int(round(0.5 / alpha))
        gd = R.gradient_descent_path(lambda th: A @ th, theta0, alpha, n)[-1]
        flow = R.gradient_flow_path(lambda th: A @ th, theta0, n * alpha, 400)[-1]
        mod = R.gradient_flow_path(R.gd_modified_grad(lambda th: A @ th, alpha,
                                                      hess_fn=lambda th: A),
                                   theta0, n * alpha, 400)[-1]
        gaps.append((np.linalg.norm(gd - flow), np.linalg.norm(gd - mod)))
    (f1, m1), (f2, m2) = gaps
    assert m1 < 0.2 * f1 and 1.6 < f1 / f2 < 2.4 and 3.2 < m1 / m2 < 4.8


# -- SGD's extra term ---------------------------------------------------------------------------
def test_sgd_modified_loss_matches_torch(rng):
    _, y, H = _problem(rng, I=12, D=3)
    batches = np.split(np.arange(12), 4)  # B = 4 batches of 3
    alpha = 0.1
    Ht, yt = torch.as_tensor(H), torch.as_tensor(y)

    def torch_batch_loss(phi, idx):
        return ((yt[idx] - phi @ Ht[:, idx]) ** 2).mean()  # L_b = mean over the batch

    loss_fns = [lambda p, i=i: float(torch_batch_loss(torch.as_tensor(p), i)) for i in batches]

    def grad_of(i):
        def g(p):
            t = torch.tensor(p, requires_grad=True)
            (out,) = torch.autograd.grad(torch_batch_loss(t, i), t)
            return to_numpy(out)
        return g

    grad_fns = [grad_of(i) for i in batches]
    phi = rng.normal(size=H.shape[0])
    t = torch.tensor(phi, requires_grad=True)
    Lb = [torch_batch_loss(t, i) for i in batches]
    gb = [torch.autograd.grad(L, t, retain_graph=True)[0] for L in Lb]
    L = sum(Lb) / 4
    g = sum(gb) / 4
    want = L + alpha / 4 * (g ** 2).sum() + alpha / 16 * sum(((x - g) ** 2).sum() for x in gb)
    assert_close(R.sgd_modified_loss(loss_fns, grad_fns, alpha)(phi), float(want.detach()))
    # one batch: no variance term, L_SGD = L_GD
    assert_close(R.batch_gradient_variance(np.ones((1, 3))), 0.0)


def test_batch_gradient_variance_closed_form():
    g = np.array([[1.0, 0.0], [3.0, 2.0]])  # mean (2, 1): deviations (-1,-1), (1, 1)
    assert_close(R.batch_gradient_variance(g), 2.0)


def test_sgd_modified_bad_input():
    with pytest.raises(ValueError, match="batch_loss_fns"):
        R.sgd_modified_loss([abs], [abs, abs], 0.1)
    with pytest.raises(TypeError, match="batch_grad_fns"):
        R.sgd_modified_loss([abs], [1], 0.1)


# -- early stopping -----------------------------------------------------------------------------
def test_least_squares_gd_matches_torch_sgd(rng):
    _, y, H = _problem(rng, I=8, D=5)
    alpha = 0.5 / np.linalg.eigvalsh(H @ H.T).max()
    steps = np.array([0, 1, 7, 40])
    got = R.least_squares_gd(H, y, alpha, steps)
    phi = torch.zeros(H.shape[0], requires_grad=True)
    opt = torch.optim.SGD([phi], lr=alpha)
    Ht, yt = torch.as_tensor(H), torch.as_tensor(y)
    for t in range(41):
        if t in steps:
            assert_close(got[list(steps).index(t)], to_numpy(phi), rtol=1e-8, atol=1e-10)
        opt.zero_grad()
        ((yt - phi @ Ht) ** 2).sum().backward()
        opt.step()
    assert got.shape == (4, H.shape[0]) and R.least_squares_gd(H, y, alpha, 3).shape == (6,)
    both = R.least_squares_gd(H, np.stack([y, 2 * y]), alpha, steps)  # (T, D_o, P)
    assert both.shape == (4, 2, 6)
    assert_close(both[:, 1], 2 * got, rtol=1e-9, atol=1e-12)


def test_least_squares_gd_converges_to_min_norm(rng):
    _, y, H = _problem(rng, I=6, D=9)
    alpha = 0.9 / (2 * np.linalg.eigvalsh(H @ H.T).max())
    phi = R.least_squares_gd(H, y, alpha, 10 ** 9)
    assert_close(phi, np.linalg.pinv(H.T) @ y, rtol=1e-5, atol=1e-6)


def test_early_stopping_point():
    v = np.array([5.0, 3.0, 2.0, 2.5, 1.0, 4.0, 6.0])
    assert R.early_stopping_point(v) == 4
    assert R.early_stopping_point(v, patience=1) == 2
    assert R.early_stopping_point(v, patience=2) == 4
    assert R.early_stopping_point([np.nan, 1.0]) == 1
    with pytest.raises(ValueError, match="val_losses"):
        R.early_stopping_point([])
    with pytest.raises(ValueError, match="steps"):
        R.least_squares_gd(np.ones((2, 3)), np.ones(3), 0.1, -1)


# -- ensembling ---------------------------------------------------------------------------------
def test_ensemble_decomposition_identity(rng):
    preds = rng.normal(size=(5, 30))
    y = rng.normal(size=30)
    d = R.ensemble_decomposition(preds, y)
    assert_close(d["member_mse"], d["ensemble_mse"] + d["spread"])
    assert_close(d["member_mse"], np.mean([np.mean((p - y) ** 2) for p in preds]))
    assert_close(d["mean"], preds.mean(axis=0))
    with pytest.raises(ValueError, match="target"):
        R.ensemble_decomposition(preds, y[:3])


def test_bootstrap_indices(rng):
    idx = R.bootstrap_indices(10, 4, rng)
    assert idx.shape == (4, 10) and idx.min() >= 0 and idx.max() <= 9
    with pytest.raises(ValueError, match="n_models"):
        R.bootstrap_indices(10, 0, rng)


# -- dropout and noise: exact expectations -------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.25, 0.6])
def test_dropout_expected_loss_by_enumerating_masks(rng, p):
    _, y, H = _problem(rng, I=7, D=4)
    phi = rng.normal(size=5)
    want = 0.0
    for mask in product([0, 1], repeat=4):  # every mask, weighted by its probability
        m = np.array(mask)
        prob = np.prod(np.where(m == 1, 1 - p, p))
        f = phi[0] + (phi[1:] * m / (1 - p)) @ H[1:]
        want += prob * np.sum((y - f) ** 2)
    assert_close(R.dropout_expected_loss(phi, H, y, p), want, rtol=1e-10)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_fit_minimises_expected_loss_in_torch(rng, p):
    _, y, H = _problem(rng, I=7, D=4)
    phi = torch.tensor(R.dropout_fit(H, y, p), requires_grad=True)
    Ht, yt = torch.as_tensor(H), torch.as_tensor(y)
    obj = ((yt - phi @ Ht) ** 2).sum() + p / (1 - p) * (phi[1:] ** 2 * (Ht[1:] ** 2).sum(1)).sum()
    (g,) = torch.autograd.grad(obj, phi)
    assert np.abs(to_numpy(g)).max() < 1e-8
    assert_close(R.dropout_fit(H, y, 0.0), np.linalg.pinv(H.T) @ y, rtol=1e-7, atol=1e-9)


def test_input_noise_expected_loss_by_gauss_hermite(rng):
    """E over eps of a quadratic in eps is exact with a 3-point Gauss-Hermite rule."""
    x = rng.normal(size=(1, 6))
    y = rng.normal(size=6)
    omega, beta, sigma_x = np.array([1.3]), -0.2, 0.7
    nodes, weights = np.polynomial.hermite_e.hermegauss(3)
    weights = weights / weights.sum()
    want = sum(np.sum(w * (y - beta - omega[0] * (x[0] + sigma_x * e)) ** 2)
               for e, w in zip(nodes, weights, strict=True))
    assert_close(R.input_noise_expected_loss(omega, beta, x, y, sigma_x), want)
    with pytest.raises(ValueError, match="x has"):
        R.input_noise_expected_loss(np.ones(2), 0.0, x, y, 0.1)


def test_input_noise_fit_on_a_linear_unit_is_ridge(rng):
    """With one ReLU that is always on, f is linear in x, and input noise adds exactly
    I sigma_x^2 phi_1^2 to the loss (see input_noise_expected_loss)."""
    x, y = R.sample_data(10, 0.2, rng)
    theta = np.array([[10.0, 1.0]])  # h_1 = x + 10 > 0 on [0, 1], even with the noise
    sigma_x = 0.3
    phi = R.input_noise_fit(x, y, theta, sigma_x, lam=0.0)
    H = R.shallow_features(x, theta)
    want = np.linalg.solve(H @ H.T + np.diag([0.0, 10 * sigma_x ** 2]), H @ y)
    assert_close(phi, want, rtol=1e-8)
    with pytest.raises(ValueError, match="sigma_x"):
        R.input_noise_fit(x, y, theta, -1.0)
    with pytest.raises(ValueError, match="theta"):
        R.input_noise_fit(x, y, -theta, 0.1)


def test_input_noise_fit_matches_monte_carlo_moments(rng):
    """The closed-form moments E[h], E[h h^T] against a large Monte Carlo sample (torch):
    the fits agree to Monte Carlo accuracy."""
    x, y = R.sample_data(6, 0.2, rng)
    theta = R.ramp_theta(5)
    sigma_x, lam = 0.15, 1e-2
    eps = torch.randn(200_000, 6, generator=torch.Generator().manual_seed(0)).double()
    xs = torch.as_tensor(x)[None, :] + sigma_x * eps  # (S, I)
    h = torch.relu(torch.as_tensor(theta[:, 0])[None, None, :]
                   + torch.as_tensor(theta[:, 1])[None, None, :] * xs[..., None])  # (S, I, D)
    h = torch.cat([torch.ones_like(h[..., :1]), h], dim=-1)  # (S, I, P)
    Ehh = torch.einsum("sip,siq->pq", h, h) / h.shape[0]
    Eh = h.mean(0).T  # (P, I)
    A = to_numpy(Ehh) + lam * np.diag([0.0] + [1.0] * 5)
    want = np.linalg.solve(A, to_numpy(Eh) @ y)
    got = R.input_noise_fit(x, y, theta, sigma_x, lam=lam)
    assert_close(got @ R.shallow_features(x, theta), want @ R.shallow_features(x, theta),
                 rtol=0, atol=0.02)
    assert_close(R.input_noise_fit(x, y, theta, 0.0, lam=lam), R.ridge_fit(
        R.shallow_features(x, theta), y, lam), rtol=1e-7, atol=1e-9)


# -- Bayesian linear regression -----------------------------------------------------------------
def test_bayes_posterior_mean_is_map_and_cov_is_inverse_hessian(rng):
    _, y, H = _problem(rng, I=8, D=5)
    sigma, sigma_p = 0.3, 1.2
    mu, S = R.bayes_posterior(H, y, sigma, sigma_p)
    lam = R.lam_from_prior(sigma, sigma_p)
    assert_close(mu, R.ridge_fit(H, y, lam, penalize_offset=True), rtol=1e-8, atol=1e-10)
    Ht, yt = torch.as_tensor(H), torch.as_tensor(y)

    def nlp(phi):
        return (-torch.distributions.Normal(phi @ Ht, sigma).log_prob(yt).sum()
                - torch.distributions.Normal(0.0, sigma_p).log_prob(phi).sum())

    hess = to_numpy(torch.autograd.functional.hessian(nlp, torch.as_tensor(mu)))
    assert_close(S, np.linalg.inv(hess), rtol=1e-8, atol=1e-10)


def test_bayes_predictive_matches_function_space_conditioning(rng):
    """Weight space and function space agree: (y, y*) is jointly Gaussian with covariance
    sigma_p^2 H^T H (+ sigma^2 on the diagonal); condition y* on y."""
    x, y, H = _problem(rng, I=8, D=5)
    Hs = R.shallow_features(np.linspace(-0.2, 1.2, 13), R.ramp_theta(5))
    sigma, sigma_p = 0.3, 1.2
    mean, var = R.bayes_predictive(Hs, *R.bayes_posterior(H, y, sigma, sigma_p), sigma)
    K = sigma_p ** 2 * H.T @ H + sigma ** 2 * np.eye(8)
    Ks = sigma_p ** 2 * Hs.T @ H  # (J, I)
    Kss = sigma_p ** 2 * np.sum(Hs * Hs, axis=0) + sigma ** 2
    assert_close(mean, Ks @ np.linalg.solve(K, y), rtol=1e-8, atol=1e-10)
    assert_close(var, Kss - np.sum(Ks * np.linalg.solve(K, Ks.T).T, axis=1), rtol=1e-8)


def test_bayes_bad_input(rng):
    _, y, H = _problem(rng)
    mu, S = R.bayes_posterior(H, y, 0.3, 1.0)
    with pytest.raises(ValueError, match="H_star"):
        R.bayes_predictive(H[:-1], mu, S, 0.3)
    with pytest.raises(ValueError, match="sigma"):
        R.bayes_posterior(H, y, 0.0, 1.0)


def test_posterior_samples_match_torch_cholesky(rng):
    _, y, H = _problem(rng, I=8, D=5)
    mu, S = R.bayes_posterior(H, y, 0.3, 1.2)
    z = rng.normal(size=(6, 4))
    L = torch.linalg.cholesky(torch.as_tensor(S) + 1e-12 * torch.eye(6))
    want = torch.as_tensor(mu)[:, None] + L @ torch.as_tensor(z)
    assert_close(R.posterior_samples(mu, S, z), to_numpy(want), rtol=1e-9, atol=1e-12)
    many = R.posterior_samples(mu, S, np.random.default_rng(0).standard_normal((6, 200_000)))
    assert_close(np.cov(many), S, rtol=0, atol=0.02 * np.abs(S).max())  # Monte-Carlo error


def test_max_stable_step_is_where_gradient_descent_stops_converging(rng):
    _, y, H = _problem(rng, I=8, D=5)
    alpha = R.max_stable_step(H)
    s_max = float(torch.linalg.matrix_norm(torch.as_tensor(H), ord=2))
    assert_close(alpha, 1 / s_max ** 2)
    # along the stiffest direction u (H's first left singular vector) one step multiplies the
    # error by 1 - 2 alpha s_max^2: -0.96 just below the limit, -1.04 just above it
    best = R.ridge_fit(H, y, 0.0, penalize_offset=True)  # where gradient descent from 0 ends
    u = to_numpy(torch.linalg.svd(torch.as_tensor(H))[0][:, 0])
    steps = np.array([10, 11, 100])
    for factor, rate in ((0.98, -0.96), (1.02, -1.04)):
        err = (R.least_squares_gd(H, y, factor * alpha, steps) - best) @ u
        assert_close(err[1] / err[0], rate, rtol=1e-6)
        assert_close(err[2] / err[0], rate ** 90, rtol=1e-4)


def test_one_implementation_of_each_idea():
    """Chapter 07's names are the shared building blocks, not copies of them."""
    from dlcore import features, optim

    assert R.shallow_features is features.relu_features
    assert R.gradient_descent_path is optim.run_gd
    assert_close(R.ramp_theta(4, 0.0, 2.0), [[0.0, 1.0], [-0.5, 1.0], [-1.0, 1.0], [-1.5, 1.0]])


def test_valley_grad_and_hessian_match_torch(rng):
    def L(t):
        return 0.5 * (1 - t[0]) ** 2 + (t[1] - t[0] ** 2) ** 2

    for _ in range(3):
        theta = rng.normal(size=2)
        t = torch.tensor(theta, requires_grad=True)
        (g,) = torch.autograd.grad(L(t), t)
        assert_close(R.valley_loss(theta), float(L(torch.as_tensor(theta))))
        assert_close(R.valley_grad(theta), to_numpy(g))
        assert_close(R.valley_hess(theta),
                     to_numpy(torch.autograd.functional.hessian(L, torch.as_tensor(theta))))
    grid = rng.normal(size=(2, 4, 5))  # the loss also works on a grid of parameters
    assert R.valley_loss(grid).shape == (4, 5)
    with pytest.raises(ValueError, match="theta"):
        R.valley_loss(np.ones(3))


# -- the chapter's exercises ---------------------------------------------------------------------
def test_exercise_solutions_match_dlcore():
    """The solutions shown to students (plain NumPy) compute what dlcore computes."""
    from dlcore.exercises import ch07

    for A, b, theta, alpha in ch07._PROBES:
        L = lambda th, A=A, b=b: 0.5 * th @ A @ th - b @ th  # noqa: E731
        g = lambda th, A=A, b=b: A @ th - b  # noqa: E731
        assert_close(ch07.l_gd(A, b, theta, alpha), R.gd_modified_loss(L, g, alpha)(theta))
    for h, _, p in ch07._DROP_PROBES:  # R.dropout draws its own mask; read it off its output
        out = R.dropout(h, p, np.random.default_rng(5))
        kept = (out != 0).astype(float)  # every h in the probes is non-zero
        assert np.all(h != 0) and 0 < kept.mean() < 1
        assert_close(ch07.apply_dropout(h, kept, p), out)
    S, h, sig = ch07._S, ch07._h_star, ch07._sig
    assert_close(ch07.predictive_var.value, R.bayes_predictive(h[:, None], np.zeros(3), S, sig)[1][0])
    assert ch07.early_stopping.value == 5  # by hand: 1.19 at epoch 5, then 3 epochs without a new best
    assert_close(ch07.map_lambda.value, R.lam_from_prior(ch07.SIGMA, ch07.SIGMA_P))


def test_dropout_exercise_accepts_in_place_answers_and_keeps_its_probes(capsys):
    """A student who writes `h *= mask; h /= 1 - p; return h` is right, and must not change
    the probes (they share one h array) for the next answer checked."""
    from dlcore.exercises import ch07

    q = ch07.inverted_dropout
    before = [np.copy(h) for h, _, _ in q.probes]

    def in_place(h, mask, p):
        h *= mask
        h /= 1 - p
        return h

    assert q.check(in_place) is True and q.check(in_place) is True
    assert all(np.array_equal(b, h) for b, (h, _, _) in zip(before, q.probes, strict=True))
    assert q.check(lambda h, mask, p: h * mask) is False
    assert "no rescaling" in capsys.readouterr().out


def test_implicit_gd_figure_measures_its_gaps_at_the_gd_times():
    """ch07.implicit_gd: every GD iterate is compared with the flows at its own time (no time
    past the end of the flows, whatever alpha), so the gaps scale as backward error analysis
    says: the gap to the flow on L like alpha, the gap to the flow on L_GD like alpha^2."""
    from dlcore.widgets import regularization as W

    for alpha in (0.0126, 0.0502, 0.137, 0.4):  # T_END / alpha not an integer
        d = W.compute_implicit(alpha)
        assert d["t"][-1] <= W.T_END + 1e-12 and len(d["t"]) == d["n"] + 1
    gap = {a: (np.nanmax(W.compute_implicit(a)["gap_L"]), np.nanmax(W.compute_implicit(a)["gap_mod"]))
           for a in (0.005, 0.01, 0.02)}
    for a in (0.005, 0.01):
        assert 1.8 < gap[2 * a][0] / gap[a][0] < 2.2
        assert 3.5 < gap[2 * a][1] / gap[a][1] < 4.7


# -- a penalty that removes a local minimum ------------------------------------------------------
@pytest.mark.parametrize("tilt", [0.3, 0.1, -0.5])
def test_double_well_grad_matches_torch(rng, tilt):
    theta = rng.normal(size=(3, 4)) * 1.5
    t = torch.tensor(theta, requires_grad=True)
    L = (t ** 2 - 1) ** 2 + tilt * t
    upstream = rng.normal(size=theta.shape)
    (g,) = torch.autograd.grad(L, t, torch.as_tensor(upstream))
    assert_close(R.double_well_loss(theta, tilt), to_numpy(L))
    assert_close(R.double_well_grad(theta, tilt) * upstream, to_numpy(g))


def test_l2_penalized_grad_matches_torch(rng):
    theta, lam = rng.normal(size=5), 0.7
    t = torch.tensor(theta, requires_grad=True)
    total = torch.sum((t ** 2 - 1) ** 2 + 0.3 * t) + lam * torch.sum(t ** 2)
    (g,) = torch.autograd.grad(total, t)
    assert_close(R.l2_penalized_grad(R.double_well_grad, lam)(theta), to_numpy(g))
    assert_close(R.l2_penalized_grad(R.double_well_grad, 0.0)(theta), R.double_well_grad(theta))
    with pytest.raises(ValueError, match="lam"):
        R.l2_penalized_grad(R.double_well_grad, -1.0)
    with pytest.raises(TypeError, match="grad_fn"):
        R.l2_penalized_grad("not a function", 1.0)


@pytest.mark.parametrize("tilt", [0.05, 0.3, 1.0])
def test_escape_lam_is_where_the_positive_minimum_vanishes(tilt):
    """Below lam*, L + lam theta^2 has a local minimum at theta > 0 (a sign change - to + of
    its gradient); just above, its gradient is positive for every theta > 0."""
    lam_star = R.escape_lam(tilt)
    theta = np.linspace(1e-4, 3, 300001)

    def has_positive_minimum(lam):
        g = R.double_well_grad(theta, tilt) + 2 * lam * theta
        return bool(np.any((g[:-1] < 0) & (g[1:] >= 0)))

    assert has_positive_minimum(lam_star * (1 - 1e-3))
    assert not has_positive_minimum(lam_star * (1 + 1e-3))
    with pytest.raises(ValueError, match="tilt"):
        R.escape_lam(0.0)


def test_penalty_lets_gd_reach_the_global_basin():
    """GD on L from theta0 = 1.5 stops in the local minimum; with lam = 2 > lam* it ends at
    theta < 0 (left of L's barrier top), and GD on L from there reaches the global minimum."""
    from dlcore.widgets import regularization as W

    plain, penalized, after = W.escape_runs(2.0, 1.5)
    assert abs(plain[-1] - 0.96) < 0.01 and abs(after[-1] + 1.036) < 0.01
    assert penalized[-1] < 0
    assert R.double_well_loss(after[-1]) < R.double_well_loss(plain[-1]) - 0.5
    plain, penalized, after = W.escape_runs(1.0, 1.5)  # lam < lam*: trapped
    assert penalized[-1] > 0 and abs(after[-1] - 0.96) < 0.01


# -- SGD prefers flat minima -----------------------------------------------------------------------
def _torch_sharp_flat(t):
    (a, ka), (b, kb) = R.SHARP, R.FLAT
    T = R.SOFTNESS
    q = torch.stack([ka * (t - a) ** 2 / 2, kb * (t - b) ** 2 / 2])
    return -T * torch.logsumexp(-q / T, dim=0)


def test_sharp_flat_derivatives_match_torch(rng):
    theta = np.concatenate([rng.uniform(-3.2, 3.2, 12), [-0.8, 0.8, -0.4, 0.0]])
    t = torch.tensor(theta, requires_grad=True)
    L = _torch_sharp_flat(t)
    (g,) = torch.autograd.grad(L.sum(), t, create_graph=True)  # elementwise: d/dtheta_k of L_k
    (h,) = torch.autograd.grad(g.sum(), t)
    assert_close(R.sharp_flat_loss(theta), to_numpy(L))
    assert_close(R.sharp_flat_grad(theta), to_numpy(g))
    assert_close(R.sharp_flat_hess(theta), to_numpy(h))


def test_sharp_flat_minima_equal_depth_different_curvature():
    theta = np.linspace(-3, 3, 600001)
    L = R.sharp_flat_loss(theta)
    left, right = np.argmin(np.where(theta < 0, L, np.inf)), np.argmin(np.where(theta > 0, L, np.inf))
    assert abs(L[left] - L[right]) < 1e-9 and abs(L[left]) < 1e-9
    assert abs(theta[left] - R.SHARP[0]) < 1e-4 and abs(theta[right] - R.FLAT[0]) < 1e-4
    assert_close(R.sharp_flat_hess(np.array([R.SHARP[0], R.FLAT[0]])), [R.SHARP[1], R.FLAT[1]],
                 rtol=1e-6)
    far = np.array([-40.0, 40.0])  # no overflow far away: the soft minimum is computed stably
    assert np.all(np.isfinite(R.sharp_flat_loss(far))) and np.all(np.isfinite(R.sharp_flat_grad(far)))


def test_tilted_sgd_full_batch_is_gd_and_batches_add_their_tilt(rng):
    """batch_size = I is gradient descent (the tilts cancel); one epoch of batch size 1 on a
    single run is GD plus the tilt of each point, each point used once."""
    from dlcore import optim

    c = rng.normal(size=8)
    c -= c.mean()
    theta0 = rng.uniform(-2, 2, 5)
    path = R.tilted_sgd_runs(theta0, c, 8, 0.02, 30, np.random.default_rng(1))
    assert path.shape == (31, 5)
    assert_close(path, optim.run_gd(R.sharp_flat_grad, theta0, 0.02, 30))
    path = R.tilted_sgd_runs(theta0[:1], c, 1, 0.02, 1, np.random.default_rng(2))
    used = -((path[1:, 0] - path[:-1, 0]) / 0.02 + R.sharp_flat_grad(path[:-1, 0]))
    assert_close(np.sort(used), np.sort(c))  # each point's tilt exactly once per epoch
    with pytest.raises(ValueError, match="batch_size"):
        R.tilted_sgd_runs(theta0, c, 3, 0.02, 1, rng)


def test_new_exercise_solutions_match_dlcore_and_torch():
    """Ridge, the penalised step and the ensemble errors shown to students agree with dlcore
    (least_squares, l2_penalized_grad, ensemble_decomposition) and, for ridge, with autograd."""
    from dlcore.exercises import ch07
    from dlcore.linear import least_squares

    for H, y, lam in ch07._RIDGE_PROBES:
        phi = ch07.ridge(H, y, lam)
        assert_close(phi, least_squares(H, y, lam))
        t = torch.tensor(phi, requires_grad=True)
        loss = torch.sum((torch.as_tensor(y) - t @ torch.as_tensor(H)) ** 2) + lam * torch.sum(t ** 2)
        (g,) = torch.autograd.grad(loss, t)
        assert np.abs(to_numpy(g)).max() < 1e-9
    for theta, grad, lam, alpha in ch07._STEP_PROBES:
        weights = theta.copy()
        weights[0] = 0.0  # the offset is not penalised
        step = R.l2_penalized_grad(lambda th, g=grad: g, lam)(weights)
        assert_close(ch07.penalized_step(theta, grad, lam, alpha), theta - alpha * step)
    for preds, y in ch07._ENS_PROBES:
        d = R.ensemble_decomposition(preds, y)
        assert_close(ch07.ensemble_errors(preds, y), [d["member_mse"], d["ensemble_mse"]])
