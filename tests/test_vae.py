"""dlcore.vae (and dlcore.vae_torch) against torch.distributions, autograd, scipy quadrature,
scikit-learn and closed forms; edge cases; bad input."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import vae

T = torch.tensor


def _normal(mu, sigma):
    return torch.distributions.Normal(T(np.asarray(mu, float)), T(np.asarray(sigma, float)))


def _lg_model(rng, D_x, D_z):
    return rng.normal(size=(D_x, D_z)), rng.normal(size=D_x), float(rng.uniform(0.2, 1.5))


def _lg_posterior_by_conditioning(x, W, b, s2):
    """Pr(z | x) by conditioning the joint Gaussian of (z, x): an independent formula."""
    C = W @ W.T + s2 * np.eye(W.shape[0])  # Cov[x]
    K = W.T @ np.linalg.inv(C)  # Cov[z, x] Cov[x]^-1
    return K @ (x - b), np.eye(W.shape[1]) - K @ W


# -- the API functions ---------------------------------------------------------------------
def test_kl_matches_torch():
    rng = np.random.default_rng(0)
    mu, sigma = rng.normal(size=(3, 5)), np.exp(rng.normal(size=(3, 5)))
    q = torch.distributions.Normal(torch.tensor(mu), torch.tensor(sigma))
    p = torch.distributions.Normal(torch.zeros(3, 5, dtype=torch.float64), 1.0)
    ref = torch.distributions.kl_divergence(q, p).sum(0).numpy()
    np.testing.assert_allclose(vae.kl_normal_standard(mu, sigma), ref, rtol=1e-12)
    assert vae.kl_normal_standard(np.zeros(2), np.ones(2)) == 0.0


def test_log_marginal_matches_torch_and_elbo_tight():
    rng = np.random.default_rng(1)
    W, b, s2 = rng.normal(size=(2, 1)), rng.normal(size=2), 0.3
    x = rng.normal(size=(2, 4))
    mvn = torch.distributions.MultivariateNormal(torch.tensor(b), torch.tensor(W @ W.T + s2 * np.eye(2)))
    ref = mvn.log_prob(torch.tensor(x.T)).numpy()
    np.testing.assert_allclose(vae.linear_gaussian_log_marginal(x, W, b, s2), ref, rtol=1e-12)
    mu, cov = vae.linear_gaussian_posterior(x[:, 0], W, b, s2)
    lm = vae.linear_gaussian_log_marginal(x[:, 0], W, b, s2)
    assert abs(vae.elbo_linear_gaussian(x[:, 0], W, b, s2, mu, cov) - lm) < 1e-10
    assert vae.elbo_linear_gaussian(x[:, 0], W, b, s2, mu + 0.5, cov * 2) < lm


# -- importance sampling: log Pr(x) ~ log mean_s Pr(x, z_s) / q(z_s), z_s ~ q ------------------
def _lg_importance_parts(x, W, b, s2, mu_q, cov_q):
    """log Pr(x, z), a sampler of q = Norm(mu_q, cov_q) and log q, written with torch."""
    prior = torch.distributions.MultivariateNormal(torch.zeros(W.shape[1], dtype=torch.float64),
                                                   torch.eye(W.shape[1], dtype=torch.float64))
    q = torch.distributions.MultivariateNormal(T(mu_q), T(cov_q))
    L = np.linalg.cholesky(cov_q)

    def log_joint(z):
        lik = torch.distributions.Normal(T(W @ z + b[:, None]), math.sqrt(s2))
        return (lik.log_prob(T(x[:, None])).sum(0) + prior.log_prob(T(z.T))).numpy()

    def q_sample(S, rng):
        return mu_q[:, None] + L @ rng.standard_normal((W.shape[1], S))

    return log_joint, q_sample, lambda z: q.log_prob(T(z.T)).numpy()


@pytest.mark.parametrize("D_x,D_z", [(2, 1), (5, 3)])
@pytest.mark.parametrize("S", [1, 7, 200])
def test_importance_sampling_with_the_posterior_is_exact(rng, D_x, D_z, S):
    W, b, s2 = _lg_model(rng, D_x, D_z)
    x = rng.normal(size=D_x)
    mu_p, cov_p = _lg_posterior_by_conditioning(x, W, b, s2)
    parts = _lg_importance_parts(x, W, b, s2, mu_p, cov_p)
    ref = torch.distributions.MultivariateNormal(T(b), T(W @ W.T + s2 * np.eye(D_x))).log_prob(T(x))
    assert_close(vae.importance_log_marginal(*parts, S, rng), float(ref), rtol=1e-10)


def test_importance_sampling_matches_torch_logsumexp_on_the_same_draws(rng):
    W, b, s2 = _lg_model(rng, 3, 2)
    x = rng.normal(size=3)
    parts = _lg_importance_parts(x, W, b, s2, np.array([0.3, -0.2]), np.diag([0.5, 2.0]))
    got = vae.importance_log_marginal(*parts, 50, np.random.default_rng(5))
    z = parts[1](50, np.random.default_rng(5))  # the same draws
    log_w = T(parts[0](z) - parts[2](z))
    assert_close(got, float(torch.logsumexp(log_w, 0) - math.log(50)), rtol=1e-12)


def test_importance_sampling_is_stable_for_tiny_weights(rng):
    noise = rng.normal(size=40)

    def log_joint(z):  # log-weights around -1e4: exp underflows to 0 in float64
        return -1e4 + noise[: z.shape[1]]

    got = vae.importance_log_marginal(log_joint, lambda S, r: np.zeros((1, S)),
                                      lambda z: np.zeros(z.shape[1]), 40, rng)
    assert np.isfinite(got)
    assert_close(got, float(torch.logsumexp(T(-1e4 + noise), 0) - math.log(40)), rtol=1e-14)
    with np.errstate(divide="ignore"):
        assert np.log(np.mean(np.exp(-1e4 + noise))) == -np.inf  # what the naive formula gives


def test_importance_sampling_converges_to_the_true_value(rng):
    W, b, s2 = _lg_model(rng, 2, 1)
    x = W[:, 0] * 0.7 + b
    exact = vae.linear_gaussian_log_marginal(x, W, b, s2)
    # q = the prior: the estimator of section 4; q wider than the posterior: importance sampling
    for mu_q, cov_q in ((np.zeros(1), np.eye(1)), (np.array([0.5]), np.array([[0.6]]))):
        parts = _lg_importance_parts(x, W, b, s2, mu_q, cov_q)
        errors = {S: np.mean([abs(vae.importance_log_marginal(*parts, S, rng) - exact)
                              for _ in range(20)]) for S in (10, 100_000)}
        assert errors[100_000] < 0.01 and errors[100_000] < errors[10] / 5


def test_importance_sampling_bad_input_names_the_argument(rng):
    ok = (lambda z: np.zeros(z.shape[1]), lambda S, r: np.zeros((1, S)),
          lambda z: np.zeros(z.shape[1]))
    with pytest.raises(ValueError, match="S must be >= 1"):
        vae.importance_log_marginal(*ok, 0, rng)
    with pytest.raises(TypeError, match="log_joint must be a function"):
        vae.importance_log_marginal(3.0, *ok[1:], 5, rng)
    with pytest.raises(ValueError, match=r"q_sample returned shape \(1, 4\); expected \(D_z, 3\)"):
        vae.importance_log_marginal(ok[0], lambda S, r: np.zeros((1, S + 1)), ok[2], 3, rng)
    with pytest.raises(ValueError, match=r"q_log_prob returned shape \(2,\); expected \(3,\)"):
        vae.importance_log_marginal(*ok[:2], lambda z: np.zeros(2), 3, rng)
    with pytest.raises(ValueError, match="log_joint returned NaN"):
        vae.importance_log_marginal(lambda z: np.full(z.shape[1], np.nan), *ok[1:], 3, rng)
    with pytest.raises(TypeError, match="rng must be"):
        vae.importance_log_marginal(*ok, 3, 0)
    with pytest.raises(ValueError, match=r"^q_log_prob returned \+inf; expected finite log "):
        vae.importance_log_marginal(*ok[:2], lambda z: np.full(z.shape[1], np.inf), 3, rng)
    with pytest.raises(TypeError, match=r"^q_sample returned str 'z'; expected numbers of shape "
                                         r"\(D_z, S\)$"):
        vae.importance_log_marginal(ok[0], lambda S, r: "z", ok[2], 3, rng)
    # -inf (a zero density) passes; (1, S) log densities and (S,) samples are taken as (S,), (1, S)
    log_w = np.array([[-np.inf, 0.0, np.log(2.0)]])  # weights 0, 1, 2: log of their mean is 0
    assert vae.importance_log_marginal(lambda z: log_w, lambda S, r: np.zeros(S), ok[2], 3,
                                       rng) == pytest.approx(0.0, abs=1e-15)


def test_reparameterize_and_errors():
    assert np.allclose(vae.reparameterize([1.0], [2.0], [0.5]), [2.0])
    with pytest.raises(ValueError, match="sigma"):
        vae.kl_normal_standard([0.0], [-1.0])
    with pytest.raises(ValueError, match=r"W has shape \(2, 1\); expected \(3, any\) = "
                       r"\(D_x, D_z\), since x gives D_x = 3"):
        vae.linear_gaussian_log_marginal(np.zeros(3), np.ones((2, 1)), np.zeros(2), 1.0)


@pytest.mark.parametrize("D_x,D_z", [(2, 1), (5, 3)])
def test_posterior_matches_conditioning(rng, D_x, D_z):
    W, b, s2 = _lg_model(rng, D_x, D_z)
    x = rng.normal(size=D_x)
    mu, cov = vae.linear_gaussian_posterior(x, W, b, s2)
    mu_ref, cov_ref = _lg_posterior_by_conditioning(x, W, b, s2)
    assert_close(mu, mu_ref, rtol=1e-9, atol=1e-12)
    assert_close(cov, cov_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("D_x,D_z", [(2, 1), (4, 2)])
def test_elbo_gap_is_kl_to_posterior(rng, D_x, D_z):
    """log Pr(x) - ELBO = D_KL[q || Pr(z|x)] for any Gaussian q (torch's KL)."""
    W, b, s2 = _lg_model(rng, D_x, D_z)
    x = rng.normal(size=D_x)
    mu_q = rng.normal(size=D_z)
    A = rng.normal(size=(D_z, D_z))
    cov_q = A @ A.T + 0.3 * np.eye(D_z)
    mu_p, cov_p = _lg_posterior_by_conditioning(x, W, b, s2)
    mvn = torch.distributions.MultivariateNormal
    kl = torch.distributions.kl_divergence(mvn(T(mu_q), T(cov_q)), mvn(T(mu_p), T(cov_p))).item()
    log_px = mvn(T(b), T(W @ W.T + s2 * np.eye(D_x))).log_prob(T(x)).item()
    got = vae.elbo_linear_gaussian(x, W, b, s2, mu_q, cov_q)
    assert_close(got, log_px - kl, rtol=1e-9, atol=1e-9)


# -- Gaussians and weighted sums -----------------------------------------------------------
@pytest.mark.parametrize("shape_x,shape_mu", [((3, 4), (3, 4)), ((3, 1), (3, 6)), ((2,), (2,))])
def test_log_normal_matches_torch(rng, shape_x, shape_mu):
    x, mu = rng.normal(size=shape_x), rng.normal(size=shape_mu)
    s2 = 0.7
    want = _normal(np.broadcast_to(mu, np.broadcast_shapes(x.shape, mu.shape)),
                   math.sqrt(s2)).log_prob(T(x)).sum(0)
    got = vae.log_normal(x, mu, s2)
    assert_close(got, to_numpy(want), rtol=1e-12)
    if len(shape_x) == 1:
        assert isinstance(got, float)


def test_log_normal_per_dimension_variance(rng):
    x, mu, s2 = rng.normal(size=(3, 5)), rng.normal(size=(3, 5)), np.array([0.2, 1.0, 3.0])
    want = _normal(mu, np.sqrt(s2)[:, None] * np.ones((3, 5))).log_prob(T(x)).sum(0)
    assert_close(vae.log_normal(x, mu, s2), to_numpy(want), rtol=1e-12)


def _torch_mixture_log_prob(x, means, s2, w):
    """log sum_j w_j Norm(x; m_j, s2 I) with torch's MixtureSameFamily (weights normalised)."""
    W = T(w / w.sum())
    comp = torch.distributions.Independent(
        torch.distributions.Normal(T(means.T), math.sqrt(s2)), 1)
    mix = torch.distributions.MixtureSameFamily(torch.distributions.Categorical(probs=W), comp)
    return to_numpy(mix.log_prob(T(x.T))) + math.log(w.sum())


@pytest.mark.parametrize("D,J,I", [(2, 1, 3), (2, 7, 5), (4, 30, 2)])
def test_log_gaussian_sum_matches_torch_mixture(rng, D, J, I):
    x, means = rng.normal(size=(D, I)), rng.normal(size=(D, J))
    w = rng.uniform(0.1, 2.0, size=J)
    got = vae.log_gaussian_sum(x, means, 0.4, w)
    assert_close(got, _torch_mixture_log_prob(x, means, 0.4, w), rtol=1e-10)
    assert isinstance(vae.log_gaussian_sum(x[:, 0], means, 0.4, w), float)


def test_log_gaussian_sum_is_stable_far_away_and_with_zero_weights():
    means = np.array([[0.0, 1.0], [0.0, 0.0]])
    x = np.array([[300.0], [0.0]])
    got = vae.log_gaussian_sum(x, means, 0.01, [0.5, 0.5])
    # the nearer centre dominates completely: log 0.5 + log Norm(x; (1, 0), 0.01 I)
    want = math.log(0.5) - math.log(2 * math.pi * 0.01) - 299.0**2 / 0.02
    assert np.isfinite(got).all()
    assert_close(got, [want], rtol=1e-12)
    # a zero weight removes a Gaussian
    one = vae.log_gaussian_sum(np.zeros(2), means, 1.0, [0.0, 1.0])
    assert_close(one, -math.log(2 * math.pi) - 0.5)


def test_gaussian_sum_grid_matches_torch_mixture(rng):
    means, w = rng.normal(size=(2, 9)), rng.uniform(0, 1, size=9)
    x1, x2 = np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)
    X1, X2 = np.meshgrid(x1, x2)  # (5, 7)
    want = np.exp(_torch_mixture_log_prob(np.stack([X1.ravel(), X2.ravel()]), means, 0.3, w))
    got = vae.gaussian_sum_grid(x1, x2, means, 0.3, w)
    assert got.shape == (5, 7)
    assert_close(got, want.reshape(5, 7), rtol=1e-10, atol=1e-14)


# -- quadrature over a 1-D latent ----------------------------------------------------------
def test_log_marginal_grid_is_exact_for_the_linear_model(rng):
    W, b, s2 = _lg_model(rng, 2, 1)
    x = rng.normal(size=(2, 4))
    z = np.linspace(-8, 8, 4001)
    got = vae.log_marginal_grid(x, z, W @ z[None, :] + b[:, None], s2)
    mvn = torch.distributions.MultivariateNormal(T(b), T(W @ W.T + s2 * np.eye(2)))
    assert_close(got, to_numpy(mvn.log_prob(T(x.T))), rtol=1e-8)


def test_log_marginal_grid_matches_scipy_quad_for_the_toy_model():
    from scipy.integrate import quad

    betas, omegas = vae.toy_params()
    s2 = 0.25

    def integrand(z, x):
        h = np.tanh(betas[0] + omegas[0][:, 0] * z)  # (3,)
        f = betas[1] + omegas[1] @ h  # (2,)
        lik = np.exp(-0.5 * ((x - f) ** 2).sum() / s2) / (2 * np.pi * s2)
        return lik * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)

    z = np.linspace(-7, 7, 3001)
    f_z = vae.toy_decoder(z)
    for x in ([1.5, 0.0], [-1.8, 0.1], [0.3, 2.0]):
        want = math.log(quad(integrand, -9, 9, args=(np.array(x),), points=[0.0], limit=200)[0])
        assert_close(vae.log_marginal_grid(np.array(x), z, f_z, s2), want, rtol=1e-7)


def test_posterior_grid_matches_linear_gaussian_posterior(rng):
    W, b, s2 = _lg_model(rng, 2, 1)
    x = rng.normal(size=2)
    z = np.linspace(-8, 8, 3201)
    p = vae.posterior_grid(x, z, W @ z[None, :] + b[:, None], s2)
    mu, cov = _lg_posterior_by_conditioning(x, W, b, s2)
    want = to_numpy(_normal(mu[0], math.sqrt(cov[0, 0])).log_prob(T(z)).exp())
    assert_close(p, want, rtol=1e-6, atol=1e-9)
    assert abs(p.sum() * (z[1] - z[0]) - 1.0) < 1e-12


def test_toy_decoder_matches_torch_network():
    betas, omegas = vae.toy_params()
    net = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2)).double()
    with torch.no_grad():
        for layer, beta, omega in zip((net[0], net[2]), betas, omegas, strict=True):
            layer.weight.copy_(T(omega))
            layer.bias.copy_(T(beta))
    z = np.linspace(-3, 3, 11)
    assert_close(vae.toy_decoder(z), to_numpy(net(T(z[:, None]))).T, rtol=1e-12)
    assert vae.toy_decoder(z[None, :]).shape == (2, 11)
    # the curve folds back (a C shape): x_1 is not monotone in z, x_2 is
    f = vae.toy_decoder(np.linspace(-3, 3, 61))
    assert np.all(np.diff(f[1]) > 0) and f[0, 30] < min(f[0, 0], f[0, -1]) - 2.0


def test_elbo_grid_matches_exact_elbo_for_the_linear_model(rng):
    W, b, s2 = _lg_model(rng, 2, 1)
    x = rng.normal(size=2)
    z = np.linspace(-12, 12, 24001)
    mu_q = np.array([[-1.0], [0.2], [1.5]])  # (3, 1)
    sigma_q = np.array([0.3, 1.0])  # (2,): broadcast to (3, 2)
    got = vae.elbo_grid(x, z, W @ z[None, :] + b[:, None], s2, mu_q, sigma_q)
    assert got.shape == (3, 2)
    mu_p, cov_p = _lg_posterior_by_conditioning(x, W, b, s2)
    log_px = torch.distributions.MultivariateNormal(T(b), T(W @ W.T + s2 * np.eye(2))).log_prob(T(x))
    for (i, j), value in np.ndenumerate(got):
        kl = torch.distributions.kl_divergence(_normal(mu_q[i, 0], sigma_q[j]),
                                               _normal(mu_p[0], math.sqrt(cov_p[0, 0])))
        assert_close(value, (log_px - kl).item(), rtol=1e-7)


def test_elbo_grid_never_exceeds_log_marginal_for_the_toy_model(rng):
    z = np.linspace(-7, 7, 2801)
    f_z = vae.toy_decoder(z)
    for _ in range(5):
        x = rng.normal(size=2) * 1.5
        lm = vae.log_marginal_grid(x, z, f_z, 0.2)
        elbos = vae.elbo_grid(x, z, f_z, 0.2, rng.normal(size=20), rng.uniform(0.1, 1.5, 20))
        assert np.all(elbos <= lm + 1e-9)


# -- sampling -----------------------------------------------------------------------------
def test_ancestral_sample_draws_in_the_documented_order():
    W, b = np.array([[2.0], [-1.0]]), np.array([0.5, 1.0])

    def f(z):
        return W @ z + b[:, None]

    z, f_z, x = vae.ancestral_sample(f, 0.09, 5, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    z_ref = rng.standard_normal((1, 5))
    x_ref = W @ z_ref + b[:, None] + 0.3 * rng.standard_normal((2, 5))
    assert_close(z, z_ref)
    assert_close(f_z, W @ z_ref + b[:, None])
    assert_close(x, x_ref)


def test_ancestral_samples_have_the_marginal_covariance():
    W, b, s2 = np.array([[1.0, 0.5], [0.0, 1.5], [-1.0, 0.2]]), np.array([1.0, 0.0, -2.0]), 0.3
    _, _, x = vae.ancestral_sample(lambda z: W @ z + b[:, None], s2, 200_000,
                                   np.random.default_rng(0), D_z=2)
    assert_close(x.mean(1), b, atol=0.02, rtol=0)
    assert_close(np.cov(x), W @ W.T + s2 * np.eye(3), atol=0.03, rtol=0)


def test_jensen_log_closed_form_and_inequality(rng):
    log_mean, mean_log = vae.jensen_log([1.0, 9.0], [0.5, 0.5])
    assert_close(log_mean, math.log(5.0))
    assert_close(mean_log, math.log(3.0))
    for _ in range(20):
        y = rng.uniform(0.01, 20, size=4)
        p = rng.dirichlet(np.ones(4))
        a, b = vae.jensen_log(y, p)
        assert a >= b
    a, b = vae.jensen_log([2.0, 7.0], [1.0, 0.0])  # no randomness: equality
    assert_close(a, b)


@pytest.mark.parametrize("D", [1, 2, 4])
def test_kl_normal_matches_torch(rng, D):
    mvn = torch.distributions.MultivariateNormal
    m1, m2 = rng.normal(size=D), rng.normal(size=D)
    A, B = rng.normal(size=(D, D)), rng.normal(size=(D, D))
    c1, c2 = A @ A.T + 0.2 * np.eye(D), B @ B.T + 0.2 * np.eye(D)
    want = torch.distributions.kl_divergence(mvn(T(m1), T(c1)), mvn(T(m2), T(c2))).item()
    assert_close(vae.kl_normal(m1, c1, m2, c2), want, rtol=1e-10)
    assert vae.kl_normal(m1, c1, m1, c1) == pytest.approx(0.0, abs=1e-12)


def test_kl_normal_scalar_variances_in_one_dimension():
    want = torch.distributions.kl_divergence(_normal(0.5, 0.3), _normal(1.0, 0.5)).item()
    assert_close(vae.kl_normal(0.5, 0.09, 1.0, 0.25), want, rtol=1e-12)


def test_elbo_estimate_matches_torch(rng):
    D_x, D_z, I, s2 = 5, 2, 4, 0.2
    x, f_z = rng.normal(size=(D_x, I)), rng.normal(size=(D_x, I))
    mu, sigma = rng.normal(size=(D_z, I)), np.exp(rng.normal(size=(D_z, I)))
    lik = _normal(f_z, math.sqrt(s2) * np.ones_like(f_z)).log_prob(T(x)).sum(0)
    kl = torch.distributions.kl_divergence(_normal(mu, sigma), _normal(0 * mu, 1 + 0 * mu)).sum(0)
    assert_close(vae.elbo_estimate(x, f_z, s2, mu, sigma), to_numpy(lik - kl), rtol=1e-12)


@pytest.mark.parametrize("kl", ["closed", "sampled"])
def test_elbo_samples_match_torch_and_average_to_the_elbo(rng, kl):
    W, b, s2 = _lg_model(rng, 3, 2)
    x, mu_q, sigma_q = rng.normal(size=3), rng.normal(size=2), rng.uniform(0.3, 1.0, 2)
    eps = rng.standard_normal((2, 6))
    got = vae.elbo_samples_linear_gaussian(x, W, b, s2, mu_q, sigma_q, eps, kl=kl)
    z = T(mu_q[:, None] + sigma_q[:, None] * eps)  # (2, 6)
    lik = _normal(W @ to_numpy(z) + b[:, None], math.sqrt(s2) * np.ones((3, 6))).log_prob(
        T(x[:, None] * np.ones((1, 6)))).sum(0)
    q, prior = _normal(mu_q[:, None] * np.ones((2, 6)), sigma_q[:, None] * np.ones((2, 6))), \
        _normal(np.zeros((2, 6)), np.ones((2, 6)))
    if kl == "closed":
        want = lik - torch.distributions.kl_divergence(q, prior).sum(0)
    else:
        want = lik + prior.log_prob(z).sum(0) - q.log_prob(z).sum(0)
    assert_close(got, to_numpy(want), rtol=1e-10)
    # unbiased: the mean over many samples approaches the exact ELBO
    many = vae.elbo_samples_linear_gaussian(x, W, b, s2, mu_q, sigma_q,
                                            np.random.default_rng(0).standard_normal((2, 200_000)),
                                            kl=kl)
    mu_p, cov_p = _lg_posterior_by_conditioning(x, W, b, s2)
    mvn = torch.distributions.MultivariateNormal
    exact = (mvn(T(b), T(W @ W.T + s2 * np.eye(3))).log_prob(T(x))
             - torch.distributions.kl_divergence(mvn(T(mu_q), T(np.diag(sigma_q**2))),
                                                 mvn(T(mu_p), T(cov_p)))).item()
    assert abs(many.mean() - exact) < 5 * many.std() / math.sqrt(many.size)


def test_sampled_elbo_has_zero_variance_at_the_posterior(rng):
    """With q = Pr(z|x), Pr(x, z)/q(z) = Pr(x) for every z: each estimate is log Pr(x)."""
    W, b, s2 = _lg_model(rng, 2, 1)
    x = rng.normal(size=2)
    mu_p, cov_p = _lg_posterior_by_conditioning(x, W, b, s2)
    est = vae.elbo_samples_linear_gaussian(x, W, b, s2, mu_p, np.sqrt(np.diag(cov_p)),
                                           rng.standard_normal((1, 50)), kl="sampled")
    log_px = torch.distributions.MultivariateNormal(T(b), T(W @ W.T + s2 * np.eye(2))).log_prob(T(x))
    assert_close(est, np.full(50, log_px.item()), rtol=1e-10)


@pytest.mark.parametrize("estimator", ["reparam", "score"])
def test_recon_grad_samples_match_autograd(rng, estimator):
    W, b, s2 = _lg_model(rng, 3, 2)
    x, mu_q, sigma_q = rng.normal(size=3), rng.normal(size=2), rng.uniform(0.3, 1.0, 2)
    S = 5
    eps = rng.standard_normal((2, S))
    got = vae.recon_grad_samples(x, W, b, s2, mu_q, sigma_q, eps, estimator=estimator)
    mu = T(np.repeat(mu_q[:, None], S, axis=1), requires_grad=True)  # one copy per sample
    sig = T(sigma_q[:, None] * np.ones((1, S)))
    if estimator == "reparam":
        z = mu + sig * T(eps)
        f = T(W) @ z + T(b)[:, None]
        vals = torch.distributions.Normal(f, math.sqrt(s2)).log_prob(T(x)[:, None]).sum(0)
    else:
        z = (T(mu_q[:, None]) + sig * T(eps)).detach()
        f = T(W) @ z + T(b)[:, None]
        log_lik = torch.distributions.Normal(f, math.sqrt(s2)).log_prob(T(x)[:, None]).sum(0)
        vals = log_lik * torch.distributions.Normal(mu, sig).log_prob(z).sum(0)
    upstream = T(rng.normal(size=S))
    (grad,) = torch.autograd.grad(vals, mu, grad_outputs=upstream)
    assert_close(got * to_numpy(upstream)[None, :], to_numpy(grad), rtol=1e-10)



@pytest.mark.parametrize("D_x,D_z", [(2, 1), (4, 3)])
def test_recon_grad_linear_gaussian_matches_autograd(rng, D_x, D_z):
    """d/dmu E_q[log Pr(x|z)] by autograd through the closed-form expectation over q."""
    W, b, s2 = _lg_model(rng, D_x, D_z)
    x, mu_q, sigma_q = rng.normal(size=D_x), rng.normal(size=D_z), rng.uniform(0.3, 1.0, D_z)
    mu = T(mu_q, requires_grad=True)
    r = T(x) - T(W) @ mu - T(b)  # E_q |x - W z - b|^2 = |x - W mu - b|^2 + tr(W diag(s^2) W^T)
    expected = -0.5 * (D_x * math.log(2 * math.pi * s2)
                       + (r @ r + (T(W) ** 2 @ T(sigma_q) ** 2).sum()) / s2)
    (grad,) = torch.autograd.grad(expected, mu)
    got = vae.recon_grad_linear_gaussian(x, W, b, s2, mu_q)
    assert_close(got, to_numpy(grad), rtol=1e-10)
    # the reparameterised estimator is linear in eps: a symmetric pair of samples is exact
    eps = rng.standard_normal((D_z, 1))
    pair = vae.recon_grad_samples(x, W, b, s2, mu_q, sigma_q, np.hstack([eps, -eps]))
    assert_close(pair.mean(1), got, rtol=1e-10)

def test_recon_grad_estimators_are_unbiased_and_reparam_has_less_variance(rng):
    W, b, s2 = _lg_model(rng, 2, 1)
    x, mu_q, sigma_q = rng.normal(size=2), np.array([0.3]), np.array([0.5])
    eps = np.random.default_rng(5).standard_normal((1, 400_000))
    # d/dmu E_q[log Pr(x|z)] by central differences of the closed-form expectation
    def expected_loglik(m):
        r = x - W[:, 0] * m - b
        return -0.5 * (2 * math.log(2 * math.pi * s2) + (r @ r + (W[:, 0] @ W[:, 0]) * 0.25) / s2)
    exact = (expected_loglik(0.3 + 1e-5) - expected_loglik(0.3 - 1e-5)) / 2e-5
    for est in ("reparam", "score"):
        g = vae.recon_grad_samples(x, W, b, s2, mu_q, sigma_q, eps, estimator=est)[0]
        assert abs(g.mean() - exact) < 5 * g.std() / math.sqrt(g.size), est
    g_r = vae.recon_grad_samples(x, W, b, s2, mu_q, sigma_q, eps[:, :5000])[0]
    g_s = vae.recon_grad_samples(x, W, b, s2, mu_q, sigma_q, eps[:, :5000], estimator="score")[0]
    assert g_r.std() < g_s.std()


# -- the linear-Gaussian model fitted to data; the VAE decoder in NumPy -------------------
def test_linear_gaussian_encode_matches_conditioning(rng):
    W, b, s2 = _lg_model(rng, 4, 2)
    x = rng.normal(size=(4, 6))
    mu, cov = vae.linear_gaussian_encode(x, W, b, s2)
    for i in range(6):
        m_ref, c_ref = _lg_posterior_by_conditioning(x[:, i], W, b, s2)
        assert_close(mu[:, i], m_ref, rtol=1e-9)
        assert_close(cov, c_ref, rtol=1e-9, atol=1e-12)
    assert vae.linear_gaussian_encode(x[:, 0], W, b, s2)[0].shape == (2,)


def test_ppca_matches_sklearn_and_is_a_maximum(rng):
    from sklearn.decomposition import PCA

    A = rng.normal(size=(6, 6))
    x = A @ rng.normal(size=(6, 300)) + rng.normal(size=(6, 1))  # (D_x, I) columns
    W, b, s2 = vae.ppca_fit(x, 2)
    pca = PCA(n_components=2).fit(x.T)
    I = x.shape[1]
    # sklearn divides by I - 1; the maximum-likelihood covariance divides by I
    assert_close(W @ W.T + s2 * np.eye(6), pca.get_covariance() * (I - 1) / I, rtol=1e-8)
    assert_close(b, x.mean(1))
    loglik = vae.linear_gaussian_log_marginal(x, W, b, s2).sum()
    for _ in range(5):
        W2 = W + 0.05 * rng.normal(size=W.shape)
        assert vae.linear_gaussian_log_marginal(x, W2, b, s2).sum() < loglik
        assert vae.linear_gaussian_log_marginal(x, W, b, s2 * 1.1).sum() < loglik


def test_decoder_mean_matches_torch(rng):
    sizes = [2, 7, 5, 4]
    layers = [torch.nn.Linear(a, c).double() for a, c in zip(sizes[:-1], sizes[1:], strict=True)]
    net = torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1], torch.nn.ReLU(), layers[2])
    betas = [to_numpy(m.bias) for m in layers]
    omegas = [to_numpy(m.weight) for m in layers]
    z = rng.normal(size=(2, 9))
    out = net(T(z.T))
    assert_close(vae.decoder_mean(z, betas, omegas), to_numpy(torch.sigmoid(out)).T, rtol=1e-12)
    assert_close(vae.decoder_mean(z, betas, omegas, "linear"), to_numpy(out).T, rtol=1e-12)



@pytest.mark.parametrize("D_z", [1, 3])
def test_latent_path_matches_torch_lerp(rng, D_z):
    z_a, z_b, t = rng.normal(size=D_z), rng.normal(size=D_z), np.linspace(0, 1, 7)
    path = vae.latent_path(z_a, z_b, t)
    assert path.shape == (D_z, 7)
    want = torch.lerp(T(z_a)[:, None], T(z_b)[:, None], T(t)[None, :])
    assert_close(path, to_numpy(want), rtol=1e-12, atol=1e-15)
    assert_close(path[:, 0], z_a)
    assert_close(path[:, -1], z_b)


def test_decoder_mean_of_one_point_is_one_column(rng):
    betas, omegas = [rng.normal(size=4), rng.normal(size=3)], [rng.normal(size=(4, 2)),
                                                               rng.normal(size=(3, 4))]
    z = rng.normal(size=(2, 5))
    out = vae.decoder_mean(z, betas, omegas)
    assert vae.decoder_mean(z[:, 1], betas, omegas).shape == (3,)
    assert_close(vae.decoder_mean(z[:, 1], betas, omegas), out[:, 1])
    with pytest.raises(ValueError, match="z has 3 rows"):
        vae.decoder_mean(np.zeros((3, 5)), betas, omegas)


def test_ancestral_sample_checks_what_the_decoder_returns():
    with pytest.raises(ValueError, match=r"f returned shape \(3,\); expected \(D_x, 3\)"):
        vae.ancestral_sample(lambda z: z[0], 1.0, 3, np.random.default_rng(0))

# -- the PyTorch VAE ------------------------------------------------------------------------
@pytest.fixture
def small_vae():
    from dlcore import vae_torch as VT

    torch.manual_seed(0)
    cfg = VT.VAEConfig(D_x=6, D_z=2, D_h=8, sigma2=0.1, epochs=2, batch_size=4)
    return VT, VT.VAE(cfg)


def test_negative_elbo_matches_torch_distributions(small_vae, rng):
    VT, model = small_vae
    x = torch.tensor(rng.uniform(size=(5, 6)), dtype=torch.float32)
    eps = torch.tensor(rng.normal(size=(5, 2)), dtype=torch.float32)
    loss, recon, kl = VT.negative_elbo(model, x, eps)
    with torch.no_grad():
        h = model.g(x)
        mu, sigma = h[:, :2], torch.exp(0.5 * h[:, 2:])  # the encoder's mu and log sigma^2
        f = torch.sigmoid(model.f(mu + sigma * eps))
        lik = torch.distributions.Normal(f, math.sqrt(0.1)).log_prob(x).sum(1)
        kl_ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                                   torch.distributions.Normal(0.0, 1.0)).sum(1)
    assert_close(recon.item(), -lik.mean().item(), rtol=1e-5)
    assert_close(kl.item(), kl_ref.mean().item(), rtol=1e-5)
    assert_close(loss.item(), (kl_ref - lik).mean().item(), rtol=1e-5)


def test_one_adam_step_lowers_the_loss_on_a_fixed_batch(small_vae, rng):
    VT, model = small_vae
    x = torch.tensor(rng.uniform(size=(16, 6)), dtype=torch.float32)
    eps = torch.tensor(rng.normal(size=(16, 2)), dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = VT.negative_elbo(model, x, eps)[0]
    opt.zero_grad()
    before.backward()
    opt.step()
    assert VT.negative_elbo(model, x, eps)[0].item() < before.item()


def test_reparameterisation_lets_gradients_reach_the_encoder(small_vae, rng):
    VT, model = small_vae
    x = torch.tensor(rng.uniform(size=(3, 6)), dtype=torch.float32)
    eps = torch.tensor(rng.normal(size=(3, 2)), dtype=torch.float32)
    f_z, mu, log_sigma2 = model(x, eps)
    ((x - f_z) ** 2).sum().backward()  # the reconstruction term alone, no KL
    assert model.g[-1].weight.grad.abs().sum() > 0


def test_training_is_seeded_and_numpy_decoder_agrees(small_vae, rng):
    VT, model = small_vae
    x = rng.uniform(size=(20, 6))
    hist = VT.train(model, x, seed=1, progress=False)
    assert set(hist) == {"loss", "recon", "kl"} and len(hist["loss"]) == 2
    torch.manual_seed(0)
    again = VT.VAE(model.cfg)
    hist2 = VT.train(again, x, seed=1, progress=False)
    assert_close(hist["loss"], hist2["loss"], rtol=1e-6)
    mu, sigma = VT.encode(model, x)
    assert mu.shape == sigma.shape == (2, 20) and np.all(sigma > 0)
    betas, omegas = VT.decoder_params(model)
    assert_close(vae.decoder_mean(mu, betas, omegas), VT.decode(model, mu), rtol=1e-5, atol=1e-6)


# -- bad input ----------------------------------------------------------------------------
def test_bad_input_names_the_argument():
    z = np.linspace(-3, 3, 11)
    with pytest.raises(ValueError, match="sigma2"):
        vae.log_normal(np.zeros(2), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match=r"mu has shape \(3, 4\); expected \(2, any\) = "
                       r"\(D, J\), since x gives D = 2"):
        vae.log_normal(np.zeros((2, 4)), np.zeros((3, 4)), 1.0)
    with pytest.raises(ValueError, match="means"):
        vae.log_gaussian_sum(np.zeros(2), np.zeros((3, 4)), 1.0, np.ones(4))
    with pytest.raises(ValueError, match="weights"):
        vae.log_gaussian_sum(np.zeros(2), np.zeros((2, 4)), 1.0, np.ones(3))
    with pytest.raises(ValueError, match="weights"):
        vae.log_gaussian_sum(np.zeros(2), np.zeros((2, 4)), 1.0, np.zeros(4))
    with pytest.raises(ValueError, match="weights"):
        vae.gaussian_sum_grid(z, z, np.zeros((2, 4)), 1.0, -np.ones(4))
    with pytest.raises(ValueError, match="z must be an evenly spaced"):
        vae.log_marginal_grid(np.zeros(2), z[::-1], np.zeros((2, 11)), 1.0)
    with pytest.raises(ValueError, match="f_z"):
        vae.posterior_grid(np.zeros(2), z, np.zeros((2, 10)), 1.0)
    with pytest.raises(ValueError, match="z has shape"):
        vae.toy_decoder(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="f must be a function"):
        vae.ancestral_sample("net", 1.0, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n must be >= 1"):
        vae.ancestral_sample(vae.toy_decoder, 1.0, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        vae.ancestral_sample(vae.toy_decoder, 1.0, 3, 0)
    with pytest.raises(ValueError, match="p must sum to one"):
        vae.jensen_log([1.0, 2.0], [0.5, 0.6])
    with pytest.raises(ValueError, match="y must be > 0"):
        vae.jensen_log([0.0, 2.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="cov_1 must be positive definite"):
        vae.kl_normal([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], [0.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match="mu_2"):
        vae.kl_normal([0.0, 0.0], np.eye(2), [0.0], np.eye(2))
    with pytest.raises(ValueError, match="f_z has shape"):
        vae.elbo_estimate(np.zeros((3, 2)), np.zeros((3, 1)), 1.0, np.zeros((2, 2)), np.ones((2, 2)))
    W, b = np.ones((2, 1)), np.zeros(2)
    with pytest.raises(ValueError, match=r"kl is 'exact'; expected one of \['closed', 'sampled'\]"):
        vae.elbo_samples_linear_gaussian(np.zeros(2), W, b, 1.0, [0.0], [1.0], np.zeros((1, 3)),
                                         kl="exact")
    with pytest.raises(ValueError, match="eps has shape"):
        vae.elbo_samples_linear_gaussian(np.zeros(2), W, b, 1.0, [0.0], [1.0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sigma_q"):
        vae.recon_grad_samples(np.zeros(2), W, b, 1.0, [0.0], [0.0], np.zeros((1, 3)))
    with pytest.raises(ValueError, match="estimator"):
        vae.recon_grad_samples(np.zeros(2), W, b, 1.0, [0.0], [1.0], np.zeros((1, 3)), "pathwise")
    with pytest.raises(ValueError, match="sigma_q"):
        vae.elbo_grid(np.zeros(2), z, np.zeros((2, 11)), 1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="D_z must be <"):
        vae.ppca_fit(np.zeros((3, 10)), 3)
    with pytest.raises(ValueError, match="x has shape"):
        vae.ppca_fit(np.zeros(10), 1)
    with pytest.raises(ValueError, match="cov_q is not symmetric"):
        vae.elbo_linear_gaussian(np.zeros(2), np.ones((2, 2)), np.zeros(2), 1.0, [0.0, 0.0],
                                 [[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="cov_q must be positive definite"):
        vae.elbo_linear_gaussian(np.zeros(2), W, b, 1.0, [0.0], [[-1.0]])
    with pytest.raises(ValueError, match="cov_q has shape"):
        vae.elbo_linear_gaussian(np.zeros(2), W, b, 1.0, [0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"output is 'relu'; expected one of \['sigmoid', 'linear'\]"):
        vae.decoder_mean(np.zeros(2), [np.zeros(3)], [np.zeros((3, 2))], output="relu")
    with pytest.raises(TypeError, match="x must be a number"):
        vae.log_normal("x", np.zeros(2), 1.0)


def test_interpolation_figure_sends_a_small_png():
    """The browser's latency grows with the PNG sent on each move; the 1797 latent codes drawn
    antialiased made it ~82 kB, hard-edged ~50 kB (and every slider value still draws)."""
    from dlcore.widgets import vae as W

    for t in (0.0, 0.5, 1.0):
        png, msg = W.interpolate.render(t=t, pair=2)
        assert msg is None and len(png) < 65_000


def test_latent_legend_lists_the_q_ellipses(rng):
    """plot_latent's legend shows an entry for the EllipseCollection (matplotlib cannot draw
    one itself and would warn and drop it)."""
    import warnings

    from matplotlib.figure import Figure

    from dlcore.plots.vae import plot_latent, plot_q_ellipses

    ax = Figure().subplots()
    z, y = rng.normal(size=(2, 30)), np.arange(30) % 10
    ell = plot_q_ellipses(ax, z[:, :5], np.full((2, 5), 0.1), label="q(z|x)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_latent(ax, z, y, extra=[ell])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-1] == "q(z|x)" and len(labels) == 11


def test_vae_torch_bad_input_names_the_argument(small_vae):
    VT, model = small_vae  # D_x = 6, D_z = 2
    with pytest.raises(ValueError, match=r"x has shape \(5, 10\)"):
        VT.encode(model, np.zeros((5, 10)))
    with pytest.raises(ValueError, match=r"z has shape \(3, 4\)"):
        VT.decode(model, np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"x has shape \(6,\)"):
        VT.train(model, np.zeros(6), progress=False)
    with pytest.raises(TypeError, match="x must be"):
        VT.encode(model, "abc")


# -- the chapter's exercises: the solutions shown to students (NumPy only) agree with dlcore ----
def test_exercise_solutions_agree_with_dlcore(rng):
    from dlcore.exercises import chapter

    ch = chapter(11)
    kl, elbo_gap = ch.kl_from_encoder, ch.elbo_gap
    for D_z, I in ((1, 1), (3, 5)):
        mu, log_sigma2 = rng.normal(size=(D_z, I)), rng.normal(size=(D_z, I))
        assert_close(kl.reference(mu, log_sigma2),
                     vae.kl_normal_standard(mu, np.exp(0.5 * log_sigma2)))
    # the gap to log Pr(x) in the linear-Gaussian model of the notebook, computed exactly
    x, W, b, s2 = np.array([1.8, 0.8]), np.array([[1.2], [0.9]]), np.array([0.2, -0.4]), 0.75
    gap = (vae.linear_gaussian_log_marginal(x, W, b, s2)
           - vae.elbo_linear_gaussian(x, W, b, s2, [0.5], [[0.3**2]]))
    assert_close(elbo_gap.value, gap)


def test_new_exercise_solutions_agree_with_dlcore_and_torch(rng):
    from dlcore.exercises import chapter

    ch = chapter(11)
    a = np.concatenate([rng.normal(size=(6, 3)), -1e4 + rng.normal(size=(6, 2))], axis=1)
    ref = (torch.logsumexp(T(a), 0) - math.log(6)).numpy()
    assert_close(ch.stable_log_mean_exp.reference(a), ref, rtol=1e-12)
    for D_x, D_z, S in ((2, 1, 4), (5, 3, 9)):
        W, b, s2 = _lg_model(rng, D_x, D_z)
        x, mu_q = rng.normal(size=D_x), rng.normal(size=D_z)
        sigma_q, eps = rng.uniform(0.3, 1.5, size=D_z), rng.normal(size=(D_z, S))
        args = (x, W, b, s2, mu_q, sigma_q, eps)
        # importance sampling: dlcore's estimator fed the same draws, with torch densities
        parts = _lg_importance_parts(x, W, b, s2, mu_q, np.diag(sigma_q**2))
        z = mu_q[:, None] + sigma_q[:, None] * eps  # (D_z, S) the draws the exercise is given
        got = vae.importance_log_marginal(parts[0], lambda S_, r, z=z: z, parts[2], S, rng)
        assert_close(ch.importance_sampling.reference(*args), got, rtol=1e-12)
        mu_l, log_s2 = rng.normal(size=(D_z, S)), rng.normal(size=(D_z, S))
        assert_close(ch.reparam_sample.reference(mu_l, log_s2, eps),
                     vae.reparameterize(mu_l, np.exp(0.5 * log_s2), eps), rtol=1e-14)
        assert_close(ch.reparam_elbo.reference(*args),
                     vae.elbo_samples_linear_gaussian(x, W, b, s2, mu_q, sigma_q, eps).mean(),
                     rtol=1e-12)
