"""dlcore.losses against PyTorch (float64) and closed forms."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, to_numpy

from dlcore import losses

torch.set_default_dtype(torch.float64)

SHAPES = [(5,), (3, 7), (1, 20)]


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


# -- sigmoid, softmax, logsumexp ------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_matches_torch(rng, shape):
    z = rng.normal(0, 5, size=shape)
    assert_close(losses.sigmoid(z), to_numpy(torch.sigmoid(t(z))))


def test_sigmoid_is_stable_at_large_logits():
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):  # no overflow warning either
        s = losses.sigmoid(z)
    assert_close(s, [0.0, 0.0, 0.5, 1.0, 1.0])
    assert_close(losses.sigmoid(np.float32(3.0)), 1 / (1 + math.exp(-3.0)))


@pytest.mark.parametrize("shape,axis", [((4,), 0), ((4, 6), 0), ((4, 6), 1), ((3, 4, 5), -1)])
def test_softmax_and_logsumexp_match_torch(rng, shape, axis):
    z = rng.normal(0, 3, size=shape)
    assert_close(losses.softmax(z, axis=axis), to_numpy(torch.softmax(t(z), dim=axis)))
    assert_close(losses.logsumexp(z, axis=axis), to_numpy(torch.logsumexp(t(z), dim=axis)))


def test_softmax_gradient_matches_autograd(rng):
    """The softmax Jacobian diag(s) - s s^T applied to a random upstream gradient."""
    z = rng.normal(size=(4, 3))
    g = rng.normal(size=(4, 3))
    zt = t(z).requires_grad_(True)
    torch.softmax(zt, dim=0).backward(t(g))
    s = losses.softmax(z)
    mine = s * (g - np.sum(g * s, axis=0, keepdims=True))
    assert_close(mine, to_numpy(zt.grad))


@pytest.mark.parametrize("scale", [1e2, 1e3, 1e4])
def test_softmax_logsumexp_stable_for_huge_logits(rng, scale):
    z = rng.normal(size=(5, 4)) * scale
    with np.errstate(over="raise", invalid="raise"):
        s = losses.softmax(z)
        lse = losses.logsumexp(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(lse))
    assert_close(s.sum(axis=0), np.ones(4))
    assert_close(s, to_numpy(torch.softmax(t(z), dim=0)))
    assert_close(lse, to_numpy(torch.logsumexp(t(z), dim=0)))


def test_softmax_shift_invariance_and_edge_cases():
    z = np.array([1.0, 2.0, 3.0])
    assert_close(losses.softmax(z + 1000.0), losses.softmax(z))
    assert_close(losses.logsumexp(np.array([-np.inf, -np.inf])), -np.inf)
    assert_close(losses.logsumexp(np.array([0.0, 0.0])), math.log(2.0))


# -- regression ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("per_point", [False, True])
def test_gaussian_nll_matches_torch_distributions(rng, shape, per_point):
    y, mu = rng.normal(size=shape), rng.normal(size=shape)
    sigma = rng.uniform(0.2, 2.0, size=shape) if per_point else 0.7
    want = -torch.distributions.Normal(t(mu), t(sigma)).log_prob(t(y)).sum()
    assert_close(losses.gaussian_nll(y, mu, sigma), want.item())
    # ... and torch.nn.GaussianNLLLoss, which takes the variance
    var = np.broadcast_to(np.asarray(sigma) ** 2, shape)
    loss = torch.nn.GaussianNLLLoss(full=True, reduction="sum", eps=0.0)
    assert_close(losses.gaussian_nll(y, mu, sigma), loss(t(mu), t(y), t(var)).item())


def test_gaussian_nll_gradient_matches_autograd(rng):
    """dL/dmu_i = (mu_i - y_i) / sigma^2, dL/dsigma = sum_i [1/sigma - (y_i - mu_i)^2 / sigma^3]."""
    y, mu, sigma = rng.normal(size=8), rng.normal(size=8), 0.8
    mut, st = t(mu).requires_grad_(True), torch.tensor(sigma, requires_grad=True)
    (-torch.distributions.Normal(mut, st).log_prob(t(y)).sum()).backward()
    assert_close((mu - y) / sigma**2, to_numpy(mut.grad))
    assert_close(np.sum(1 / sigma - (y - mu) ** 2 / sigma**3), st.grad.item())


def test_least_squares_and_its_link_to_the_gaussian_nll(rng):
    y, f = rng.normal(size=(2, 9)), rng.normal(size=(2, 9))
    assert_close(losses.least_squares(y, f), F.mse_loss(t(f), t(y), reduction="sum").item())
    for sigma in (0.1, 1.0, 3.0):  # NLL = I/2 log(2 pi sigma^2) + LS / (2 sigma^2)
        ls = np.sum((y - f) ** 2)
        want = 18 * 0.5 * math.log(2 * math.pi * sigma**2) + ls / (2 * sigma**2)
        assert_close(losses.gaussian_nll(y, f, sigma), want)


def test_normal_pdf_and_likelihood(rng):
    y = rng.normal(size=6)
    want = torch.distributions.Normal(0.3, 1.5).log_prob(t(y)).exp()
    assert_close(losses.normal_pdf(y, 0.3, 1.5), to_numpy(want))
    assert_close(losses.likelihood_product(y, 0.3, 1.5), float(np.prod(to_numpy(want))))
    assert_close(losses.log_likelihood_sum(y, 0.3, 1.5), float(torch.log(want).sum()))


def test_product_underflows_while_log_sum_stays_finite():
    y = np.linspace(-2, 2, 2000)
    assert losses.likelihood_product(y, 0.0, 1.0) == 0.0
    ll = losses.log_likelihood_sum(y, 0.0, 1.0)
    assert np.isfinite(ll) and ll < -745  # below log of the smallest float64


def test_heteroscedastic_nll(rng):
    y, f1, f2 = rng.normal(size=10), rng.normal(size=10), rng.normal(size=10)
    want = -torch.distributions.Normal(t(f1), t(f2).abs()).log_prob(t(y)).sum().item()
    assert_close(losses.heteroscedastic_nll(y, f1, f2), want)
    with pytest.raises(ValueError, match="f2"):
        losses.heteroscedastic_nll(y, f1, np.zeros(10))


def test_fit_line_and_sigma_mle_minimise_the_nll(rng):
    x = rng.uniform(0, 3, 30)
    y = 0.5 - 1.2 * x + 0.3 * rng.normal(size=30)
    phi_0, phi_1 = losses.fit_line(x, y)
    want = np.polyfit(x, y, 1)
    assert_close([phi_1, phi_0], want, rtol=1e-9)
    f = phi_0 + phi_1 * x
    s = losses.sigma_mle(y, f)
    # sigma_hat is where autograd's dL/dsigma vanishes
    st = torch.tensor(s, requires_grad=True)
    (-torch.distributions.Normal(t(f), st).log_prob(t(y)).sum()).backward()
    assert abs(st.grad.item()) < 1e-9
    # and any other sigma (or line) gives a larger NLL
    best = losses.gaussian_nll(y, f, s)
    for ds in (-0.05, 0.05):
        assert losses.gaussian_nll(y, f, s + ds) > best
    assert losses.gaussian_nll(y, f + 0.01 * x, s) > best


# -- classification -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_bernoulli_nll_matches_torch(rng, shape):
    f = rng.normal(0, 4, size=shape)
    y = rng.integers(0, 2, size=shape)
    want = F.binary_cross_entropy_with_logits(t(f), t(y), reduction="sum").item()
    assert_close(losses.bernoulli_nll(y, f), want)
    # the notes' form with lambda = sig[f]
    lam = 1 / (1 + np.exp(-f))
    assert_close(losses.bernoulli_nll(y, f),
                 np.sum(-(1 - y) * np.log(1 - lam) - y * np.log(lam)), rtol=1e-8)


def test_bernoulli_nll_gradient_matches_autograd(rng):
    f, y, g = rng.normal(size=7), rng.integers(0, 2, 7), rng.normal()
    ft = t(f).requires_grad_(True)
    (g * F.binary_cross_entropy_with_logits(ft, t(y), reduction="sum")).backward()
    assert_close(g * (losses.sigmoid(f) - y), to_numpy(ft.grad))  # dL/df = sig[f] - y


def test_bernoulli_nll_finite_for_huge_logits():
    f = np.array([-1e4, 1e4, -800.0, 800.0])
    y = np.array([1, 0, 0, 1])
    assert_close(losses.bernoulli_nll(y, f), 2e4)  # the two confident mistakes
    want = F.binary_cross_entropy_with_logits(t(f), t(y), reduction="sum").item()
    assert_close(losses.bernoulli_nll(y, f), want)


@pytest.mark.parametrize("K,I", [(2, 5), (4, 9), (10, 3)])
def test_categorical_nll_matches_torch(rng, K, I):
    f = rng.normal(0, 3, size=(K, I))
    y = rng.integers(0, K, size=I)
    want = F.cross_entropy(t(f).T, torch.tensor(y), reduction="sum").item()  # torch: (I, K)
    assert_close(losses.categorical_nll(y, f), want)
    assert_close(losses.categorical_nll(y, f),
                 -np.sum(np.log(losses.softmax(f)[y, np.arange(I)])), rtol=1e-9)


def test_categorical_nll_gradient_matches_autograd(rng):
    f, y, g = rng.normal(size=(4, 6)), rng.integers(0, 4, 6), rng.normal()
    ft = t(f).requires_grad_(True)
    (g * F.cross_entropy(ft.T, torch.tensor(y), reduction="sum")).backward()
    onehot = np.eye(4)[:, y]  # (K, I)
    assert_close(g * (losses.softmax(f) - onehot), to_numpy(ft.grad))


def test_categorical_nll_one_point_and_huge_logits():
    assert_close(losses.categorical_nll(2, np.array([0.0, 0.0, 0.0])), math.log(3))
    f = np.array([[1e4, 0.0], [0.0, 1e4]])
    assert_close(losses.categorical_nll(np.array([1, 1]), f), 1e4)


# -- distributions ------------------------------------------------------------------------
def _random_dist(rng, shape):
    p = rng.uniform(0.05, 1, size=shape)
    return p / p.sum(axis=0)


@pytest.mark.parametrize("shape", [(3,), (5,), (4, 6)])
def test_entropy_cross_entropy_kl_match_torch(rng, shape):
    q, p = _random_dist(rng, shape), _random_dist(rng, shape)
    qt, pt = t(q.T), t(p.T)  # torch: probabilities along the last axis
    H = torch.distributions.Categorical(probs=qt).entropy()
    KL = torch.distributions.kl_divergence(torch.distributions.Categorical(probs=qt),
                                           torch.distributions.Categorical(probs=pt))
    assert_close(losses.entropy(q), to_numpy(H) if len(shape) > 1 else H.item())
    assert_close(losses.kl_divergence(q, p), to_numpy(KL) if len(shape) > 1 else KL.item())
    # F.kl_div(log p, q) = sum q (log q - log p)
    kl2 = F.kl_div(torch.log(pt), qt, reduction="none").sum(-1)
    assert_close(losses.kl_divergence(q, p), to_numpy(kl2) if len(shape) > 1 else kl2.item())
    CE = H + KL
    assert_close(losses.cross_entropy(q, p), to_numpy(CE) if len(shape) > 1 else CE.item())


def test_zero_probabilities():
    q = np.array([0.5, 0.5, 0.0])
    p = np.array([0.25, 0.25, 0.5])
    assert_close(losses.cross_entropy(q, p), math.log(4))
    assert_close(losses.kl_divergence(q, p), math.log(2))
    assert_close(losses.entropy(q), math.log(2))
    assert losses.cross_entropy(p, q) == np.inf
    assert losses.kl_divergence(q, q) == 0.0


def test_cross_entropy_with_empirical_distribution_is_mean_nll(rng):
    y = rng.integers(0, 4, size=50)
    logits = rng.normal(size=4)
    p = losses.softmax(logits)
    q = losses.empirical_distribution(y, 4)
    assert_close(q, np.bincount(y, minlength=4) / 50)
    nll = losses.categorical_nll(y, np.tile(logits[:, None], (1, 50)))
    assert_close(50 * losses.cross_entropy(q, p), nll, rtol=1e-9)
    assert_close(losses.cross_entropy(q, p), losses.kl_divergence(q, p) + losses.entropy(q))


def test_toy_regression():
    x, y, mu, sigma = losses.toy_regression(200, np.random.default_rng(0), "heteroscedastic")
    assert x.shape == y.shape == mu.shape == sigma.shape == (200,)
    assert np.all(np.diff(x) >= 0) and sigma[-1] > sigma[0]
    x2, *_ = losses.toy_regression(200, np.random.default_rng(0), "heteroscedastic")
    assert_close(x, x2)


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda: losses.sigmoid("a"), "z"),
    (lambda: losses.softmax(np.ones(3), axis=2), "axis"),
    (lambda: losses.logsumexp(np.ones((2, 0)), axis=1), "z"),
    (lambda: losses.gaussian_nll(np.ones(3), np.ones(4), 1.0), "mu"),
    (lambda: losses.gaussian_nll(np.ones(3), np.ones(3), -1.0), "sigma"),
    (lambda: losses.gaussian_nll(np.ones(3), np.ones(3), np.ones(2)), "sigma"),
    (lambda: losses.gaussian_nll(None, np.ones(3), 1.0), "y"),
    (lambda: losses.least_squares(np.ones((2, 3)), np.ones((3, 2))), "f"),
    (lambda: losses.bernoulli_nll(np.array([0, 2]), np.zeros(2)), "y"),
    (lambda: losses.bernoulli_nll(np.array([0, 1]), np.zeros(3)), "f"),
    (lambda: losses.bernoulli_nll(np.array([0, 1]), np.array([np.inf, 0])), "f"),
    (lambda: losses.categorical_nll(np.array([0, 3]), np.zeros((3, 2))), "y"),
    (lambda: losses.categorical_nll(np.array([0, 1, 1]), np.zeros((3, 2))), "y"),
    (lambda: losses.categorical_nll(np.array([0.5, 1]), np.zeros((3, 2))), "y"),
    (lambda: losses.categorical_nll(np.array([0, 1]), np.zeros((3, 2, 1))), "f"),
    (lambda: losses.cross_entropy(np.array([0.5, 0.6]), np.array([0.5, 0.5])), "q"),
    (lambda: losses.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0, 0])), "p"),
    (lambda: losses.entropy(np.array([-0.5, 1.5])), "q"),
    (lambda: losses.empirical_distribution(np.array([0, 5]), 3), "y"),
    (lambda: losses.fit_line(np.ones(4), np.arange(4.0)), "x"),
    (lambda: losses.toy_regression(10, 0), "rng"),
])
def test_bad_input_one_line_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# -- homo- and heteroscedastic fits ---------------------------------------------------------
def test_relu_features():
    h = losses.relu_features(np.array([0.0, 1.5, 3.0]), 3)
    assert_close(h, [[1, 1, 1], [0, 1.5, 3], [0, 0.5, 2], [0, 0, 1]])


def test_heteroscedastic_grad_matches_autograd(rng):
    h = losses.relu_features(rng.uniform(0, 3, 12), 4)
    y = rng.normal(size=12)
    phi = rng.normal(size=(2, 5))
    L, grad = losses.heteroscedastic_loss_grad(phi, h, y)
    pt = t(phi).requires_grad_(True)
    f = pt @ t(h)
    want = -torch.distributions.Normal(f[0], f[1].abs()).log_prob(t(y)).sum()
    want.backward()
    assert_close(L, want.item())
    assert_close(grad, to_numpy(pt.grad))
    assert_close(L, losses.heteroscedastic_nll(y, phi[0] @ h, phi[1] @ h))


def test_fits_recover_the_noise_model():
    x, y, mu, sigma = losses.toy_regression(200, np.random.default_rng(0), "heteroscedastic")
    phi, s = losses.fit_homoscedastic(x, y)
    h = losses.relu_features(x, 10)
    assert_close(s, np.sqrt(np.mean((y - phi @ h) ** 2)))
    phi2, hist = losses.fit_heteroscedastic(x, y, steps=2000)
    assert hist[-1] < hist[0] - 30  # the NLL falls a lot
    f1, f2 = phi2 @ h
    assert np.corrcoef(np.abs(f2), sigma)[0, 1] > 0.8  # sigma grows with x, as in the data
    assert hist[-1] < losses.gaussian_nll(y, phi @ h, s)


def test_row_and_flat_outputs_are_the_same_points(rng):
    """A net output f of shape (1, I) and targets y of shape (I,) describe the same I points."""
    y, f = rng.integers(0, 2, size=7), rng.normal(size=(1, 7))
    assert_close(losses.bernoulli_nll(y, f), losses.bernoulli_nll(y, f[0]))
    yr = rng.normal(size=7)
    assert_close(losses.gaussian_nll(yr, f, 0.5), losses.gaussian_nll(yr, f[0], 0.5))
    assert_close(losses.least_squares(yr[None, :], f[0]), np.sum((yr - f[0]) ** 2))


def test_widget_argmin_does_not_depend_on_sigma():
    from dlcore.widgets.losses import PHI1_GRID, PHI1_HAT, compute_gaussian_sigma

    step = PHI1_GRID[1] - PHI1_GRID[0]
    bests = {compute_gaussian_sigma(s, 0.0)["best"] for s in (0.05, 0.3, 1.0, 5.0)}
    assert len(bests) == 1 and abs(bests.pop() - PHI1_HAT) <= step / 2


# -- the shared building blocks, the contracts and the new helpers ----------------------------
def test_sigmoid_is_the_layers_sigmoid():
    from dlcore import layers

    assert losses.sigmoid is layers.sigmoid


@pytest.mark.parametrize("K,I", [(1, 4), (3, 7), (10, 1)])
def test_one_hot_matches_torch(rng, K, I):
    y = rng.integers(0, K, size=I)
    want = F.one_hot(torch.tensor(y), K).T  # torch: (I, K)
    assert_close(losses.one_hot(y, K), to_numpy(want))
    with pytest.raises(ValueError, match=r"y has labels in .*; expected labels in 0..%d" % (K - 1)):
        losses.one_hot(np.r_[y, K], K)


def test_line_nll_by_slope_has_the_best_offset(rng):
    x = rng.uniform(0, 3, 15)
    y = 0.3 + 0.6 * x + 0.3 * rng.normal(size=15)
    slopes, sigma = np.array([-0.5, 0.2, 0.6, 1.7]), 0.4
    phi_0, L = losses.line_nll_by_slope(x, y, slopes, sigma)
    for p0, p1, l in zip(phi_0, slopes, L):
        p0t = torch.tensor(p0, requires_grad=True)
        nll = -torch.distributions.Normal(p0t + p1 * t(x), sigma).log_prob(t(y)).sum()
        nll.backward()
        assert_close(l, nll.item())
        assert abs(p0t.grad.item()) < 1e-9  # dL/dphi_0 = 0: the best offset for this slope
    best = np.argmin(L)
    assert slopes[best] == 0.6  # the grid slope nearest the least-squares one
    assert_close(losses.fit_line(x, y)[1], np.polyfit(x, y, 1)[0], rtol=1e-9)


def test_fit_homoscedastic_solves_the_normal_equations():
    x, y, *_ = losses.toy_regression(80, np.random.default_rng(1))
    phi, sigma = losses.fit_homoscedastic(x, y, D=6)
    joints = 3.0 * np.arange(6) / 6
    H = np.vstack([np.ones(80), np.maximum(x[None, :] - joints[:, None], 0)])  # (1 + D, I)
    assert_close(H @ H.T @ phi, H @ y, rtol=1e-9)  # (H H^T) phi = H y
    assert_close(sigma, np.sqrt(np.mean((y - phi @ H) ** 2)))


def test_fit_heteroscedastic_is_torch_adam_on_the_nll():
    """The same start and 60 steps of torch.optim.Adam on the same NLL give the same path.

    At the start the mean's gradient is zero up to round-off (it is the least-squares fit),
    and Adam divides by its size, so the two paths agree to about 1e-6 relative, not to
    round-off; a different step rule (no bias correction, other betas) moves them 1e-2 apart."""
    x, y, *_ = losses.toy_regression(50, np.random.default_rng(3), "heteroscedastic")
    D, steps, alpha = 5, 60, 0.01
    phi, hist = losses.fit_heteroscedastic(x, y, D=D, steps=steps, alpha=alpha)
    joints = 3.0 * np.arange(D) / D
    H = t(np.vstack([np.ones(50), np.maximum(x[None, :] - joints[:, None], 0)]))  # (1 + D, I)
    mean = torch.linalg.lstsq(H.T, t(y)[:, None]).solution[:, 0]  # the least-squares start
    sd = torch.sqrt(torch.mean((t(y) - mean @ H) ** 2))
    pt = torch.stack([mean, torch.cat([sd[None], torch.zeros(D)])]).requires_grad_(True)
    opt = torch.optim.Adam([pt], lr=alpha)
    want = []
    for _ in range(steps):
        opt.zero_grad()
        f = pt @ H
        loss = -torch.distributions.Normal(f[0], f[1].abs()).log_prob(t(y)).sum()
        loss.backward()
        want.append(loss.item())
        opt.step()
    assert_close(hist, want, rtol=2e-5)  # other betas (0.8, 0.99): 1e-2 apart or more
    assert_close(phi, to_numpy(pt), rtol=0, atol=1e-3)
    assert hist[-1] < hist[0] - 5  # the NLL falls


@pytest.mark.parametrize("call,match", [
    (lambda: losses.logsumexp(np.ones((2, 0)), axis=1), r"z has shape \(2, 0\); expected at least"),
    (lambda: losses.sigma_mle(np.ones(0), 0.0), r"y has shape \(0,\); expected at least one"),
    (lambda: losses.fit_line(np.ones(3), np.ones(3)), "x has a single distinct value"),
    (lambda: losses.fit_line(np.arange(3.0), np.ones(4)), r"y has shape \(4,\); expected \(3,\)"),
    (lambda: losses.normal_pdf(np.ones(3), np.ones(2), 1.0), r"mu has shape \(2,\); expected \(3,\)"),
    (lambda: losses.heteroscedastic_loss_grad(np.ones((3, 4)), np.ones((4, 5)), np.ones(5)),
     r"phi has shape \(3, 4\); expected \(2, any\) = \(2, 1 \+ D\)"),
    (lambda: losses.heteroscedastic_loss_grad(np.ones((2, 4)), np.ones((3, 5)), np.ones(5)),
     r"h has shape \(3, 5\); expected \(4, any\) = \(1 \+ D, I\), since phi gives D = 3"),
    (lambda: losses.toy_regression(10, np.random.default_rng(0), "other"),
     "noise is 'other'; expected one of"),
    (lambda: losses.fit_heteroscedastic(np.ones(4), np.ones(4), steps=0), "steps must be >= 1"),
    (lambda: losses.empirical_distribution(np.array([], dtype=int), 3), "y has shape"),
    (lambda: losses.categorical_nll(np.array([0, -1]), np.zeros((3, 2))), r"labels in -1..0"),
    (lambda: losses.cross_entropy(np.ones((2, 2)) / 2, np.ones((2, 3)) / 2), r"p has shape \(2, 3\)"),
    (lambda: losses.one_hot(np.array([0, 1]), 0), "K must be >= 1"),
])
def test_contracts_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# -- the gradient of the cross-entropy (public API) -----------------------------------------
@pytest.mark.parametrize("K,I", [(2, 1), (3, 5), (5, 8), (10, 3)])
def test_softmax_cross_entropy_grad_matches_autograd(rng, K, I):
    """dL/df for L = F.cross_entropy(reduction="sum"), back-propagated from a random upstream
    gradient g (not 1), against softmax(f) - one_hot(y)."""
    f = rng.normal(0, 3, size=(K, I))
    y = rng.integers(0, K, size=I)
    g = rng.normal()
    ft = t(f).requires_grad_(True)
    loss = F.cross_entropy(ft.T, torch.tensor(y), reduction="sum")  # torch: (I, K)
    loss.backward(torch.tensor(g))
    assert_close(g * losses.softmax_cross_entropy_grad(f, y), to_numpy(ft.grad))
    assert losses.softmax_cross_entropy_grad(f, y).shape == (K, I)


@pytest.mark.parametrize("scale", [1e2, 1e3, 1e4])
def test_softmax_cross_entropy_grad_large_logits(rng, scale):
    f = rng.normal(size=(4, 6)) * scale
    y = rng.integers(0, 4, size=6)
    with np.errstate(over="raise", invalid="raise"):
        grad = losses.softmax_cross_entropy_grad(f, y)
    ft = t(f).requires_grad_(True)
    F.cross_entropy(ft.T, torch.tensor(y), reduction="sum").backward()
    assert np.all(np.isfinite(grad))
    assert_close(grad, to_numpy(ft.grad))
    assert_close(grad.sum(axis=0), np.zeros(6))  # probabilities and one-hot both sum to 1


def test_softmax_cross_entropy_grad_edge_cases():
    # a confident right answer has gradient ~0; a confident wrong one ~ e_pred - e_true
    f = np.array([[1e4, 0.0], [0.0, 1e4], [-1e4, 0.0]])
    grad = losses.softmax_cross_entropy_grad(f, np.array([0, 0]))
    assert_close(grad, [[0.0, -1.0], [0.0, 1.0], [0.0, 0.0]])
    # equal logits: uniform probabilities 1/K minus the label
    assert_close(losses.softmax_cross_entropy_grad(np.zeros((4, 1)), np.array([2])),
                 [[0.25], [0.25], [-0.75], [0.25]])
    # one point: f (K,) and an int label give (K,)
    one = losses.softmax_cross_entropy_grad(np.array([1.0, 2.0, 3.0]), 1)
    assert one.shape == (3,)
    assert_close(one, losses.softmax_cross_entropy_grad(np.array([[1.0], [2.0], [3.0]]), [1])[:, 0])
    # float32 logits give the float64 answer
    f32 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    assert_close(losses.softmax_cross_entropy_grad(f32, np.array([1, 0])),
                 losses.softmax_cross_entropy_grad(f32.astype(np.float64), np.array([1, 0])))


def test_softmax_cross_entropy_grad_is_the_slope_of_categorical_nll(rng):
    """Central differences of categorical_nll itself (a closed-form check independent of torch)."""
    f, y, h = rng.normal(size=(3, 4)), rng.integers(0, 3, size=4), 1e-6
    numeric = np.zeros_like(f)
    for idx in np.ndindex(f.shape):
        e = np.zeros_like(f)
        e[idx] = h
        numeric[idx] = (losses.categorical_nll(y, f + e) - losses.categorical_nll(y, f - e)) / (2 * h)
    assert_close(losses.softmax_cross_entropy_grad(f, y), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call,match", [
    (lambda: losses.softmax_cross_entropy_grad(np.zeros((3, 2)), np.array([0, 3])),
     r"y has labels in 0..3; expected labels in 0..2"),
    (lambda: losses.softmax_cross_entropy_grad(np.zeros((3, 2)), np.array([0, 1, 1])),
     "y has 3 labels; expected 2"),
    (lambda: losses.softmax_cross_entropy_grad(np.zeros((3, 2)), np.array([0.5, 1])), "y must hold"),
    (lambda: losses.softmax_cross_entropy_grad(np.zeros((3, 2, 1)), np.array([0, 1])), "f has shape"),
    (lambda: losses.softmax_cross_entropy_grad(np.array([[np.inf, 0], [0, 0]]), np.array([0, 1])),
     "f contains inf"),
    (lambda: losses.softmax_cross_entropy_grad("f", np.array([0, 1])), "f must be"),
])
def test_softmax_cross_entropy_grad_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# -- the distributions of the table of problem kinds --------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_bernoulli_pmf_matches_torch(rng, shape):
    y = rng.integers(0, 2, size=shape)
    lam = rng.uniform(0.01, 0.99, size=shape)
    want = torch.distributions.Bernoulli(probs=t(lam)).log_prob(t(y)).exp()
    assert_close(losses.bernoulli_pmf(y, lam), to_numpy(want))
    assert_close(losses.bernoulli_pmf(np.array([0, 1, 1]), 0.3), [0.7, 0.3, 0.3])  # one lambda
    # -sum log Pr(y | sig[f]) is the binary cross-entropy of the logits f
    f = rng.normal(0, 3, size=shape)
    assert_close(-np.sum(np.log(losses.bernoulli_pmf(y, losses.sigmoid(f)))),
                 F.binary_cross_entropy_with_logits(t(f), t(y), reduction="sum").item(), rtol=1e-9)


@pytest.mark.parametrize("K,I", [(2, 4), (5, 7)])
def test_categorical_pmf_matches_torch(rng, K, I):
    f = rng.normal(0, 2, size=(K, I))
    y = rng.integers(0, K, size=I)
    lam = losses.softmax(f)
    want = torch.distributions.Categorical(logits=t(f).T).log_prob(torch.tensor(y)).exp()
    assert_close(losses.categorical_pmf(y, lam), to_numpy(want))
    assert_close(-np.sum(np.log(losses.categorical_pmf(y, lam))),
                 F.cross_entropy(t(f).T, torch.tensor(y), reduction="sum").item(), rtol=1e-9)
    assert_close(losses.categorical_pmf(1, np.array([0.2, 0.5, 0.3])), [0.5])  # one point


@pytest.mark.parametrize("call,match", [
    (lambda: losses.bernoulli_pmf(np.array([0, 2]), 0.5), "y contains 2"),
    (lambda: losses.bernoulli_pmf(np.array([0, 1]), np.array([0.5, 1.5])), "lam contains 1.5"),
    (lambda: losses.bernoulli_pmf(np.array([0, 1]), np.array([0.5, 0.5, 0.5])), "lam has shape"),
    (lambda: losses.categorical_pmf(np.array([0, 1]), np.ones((3, 2))), "lam sums to 3"),
    (lambda: losses.categorical_pmf(np.array([0, 3]), np.ones((3, 2)) / 3), "y has labels in 0..3"),
])
def test_pmf_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# -- a binary classifier fitted by gradient descent ---------------------------------------------
def test_toy_classification():
    x, y, lam = losses.toy_classification(300, np.random.default_rng(0))
    assert x.shape == y.shape == lam.shape == (300,)
    assert np.all(np.diff(x) >= 0) and set(np.unique(y)) == {0.0, 1.0}
    assert_close(lam, 1 / (1 + np.exp(-(4 * np.sin(2 * x) - 1))))
    x2, y2, _ = losses.toy_classification(300, np.random.default_rng(0))
    assert_close(x, x2)
    assert_close(y, y2)
    near, far = np.abs(x - 0.8) < 0.3, np.abs(x - 2.4) < 0.3  # the labels follow lambda
    assert y[near].mean() > 0.7 and y[far].mean() < 0.1


def test_bernoulli_loss_grad_matches_autograd(rng):
    x = rng.uniform(0, 3, 15)
    h = losses.relu_features(x, 4)  # (5, 15)
    y = rng.integers(0, 2, size=15).astype(float)
    phi = rng.normal(size=5)
    L, grad = losses.bernoulli_loss_grad(phi, h, y)
    pt = t(phi).requires_grad_(True)
    g = rng.normal()
    loss = F.binary_cross_entropy_with_logits(pt @ t(h), t(y), reduction="sum")
    loss.backward(torch.tensor(g))
    assert_close(L, loss.item())
    assert_close(g * grad, to_numpy(pt.grad))


def test_gd_step_size_bounds_the_curvature(rng):
    """alpha = 4 / lambda_max(h h^T): alpha times the largest curvature of the loss is <= 1 at
    any phi (the Hessian h diag(lam (1 - lam)) h^T from torch), so below the limit 2."""
    h = losses.relu_features(rng.uniform(0, 3, 30), 5)
    y = rng.integers(0, 2, size=30).astype(float)
    alpha = losses.gd_step_size(h)
    assert_close(alpha, 4 / np.max(np.linalg.eigvalsh(h @ h.T)))
    for phi in (np.zeros(6), rng.normal(size=6)):
        def nll(p):
            return F.binary_cross_entropy_with_logits(p @ t(h), t(y), reduction="sum")
        hess = to_numpy(torch.autograd.functional.hessian(nll, t(phi)))
        assert alpha * np.max(np.linalg.eigvalsh(hess)) <= 1.0 + 1e-9


def test_fit_bernoulli_is_gradient_descent_and_the_loss_falls():
    """The path is torch.optim.SGD (plain gradient descent) on the same loss from phi = 0."""
    x, y, lam = losses.toy_classification(80, np.random.default_rng(1))
    D, steps = 3, 40
    path, nll = losses.fit_bernoulli(x, y, D=D, steps=steps)
    assert path.shape == (steps + 1, 1 + D) and nll.shape == (steps + 1,)
    H = t(losses.relu_features(x, D))
    alpha = losses.gd_step_size(losses.relu_features(x, D))
    pt = torch.zeros(1 + D, requires_grad=True)
    opt = torch.optim.SGD([pt], lr=alpha)
    for k in range(steps):
        assert_close(path[k], to_numpy(pt), rtol=1e-9, atol=1e-12)
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(pt @ H, t(y), reduction="sum")
        assert_close(nll[k], loss.item(), rtol=1e-9)
        loss.backward()
        opt.step()
    assert_close(nll[0], 80 * math.log(2))  # phi = 0: lambda = 1/2 for every point
    assert np.all(np.diff(nll) < 0)  # every step lowers the loss


def test_fit_bernoulli_learns_lambda_and_logistic_regression_cannot():
    x, y, lam = losses.toy_classification(200, np.random.default_rng(4))
    path, nll = losses.fit_bernoulli(x, y, D=8, steps=2000)
    fitted = losses.sigmoid(path[-1] @ losses.relu_features(x, 8))
    assert np.max(np.abs(fitted - lam)) < 0.25
    path1, nll1 = losses.fit_bernoulli(x, y, D=1, steps=2000)  # h = [1; x]
    line = path1[-1]
    assert_close(losses.relu_features(x, 1), np.vstack([np.ones(200), x]))
    assert nll1[-1] > nll[-1] + 15  # a monotone lambda(x) cannot follow the bump
    # logistic regression's optimum: the gradient (sig[f] - y) [1; x] vanishes (from torch)
    pt = t(line).requires_grad_(True)
    F.binary_cross_entropy_with_logits(pt[0] + pt[1] * t(x), t(y), reduction="sum").backward()
    assert np.max(np.abs(to_numpy(pt.grad))) < 1e-3


def test_fit_bernoulli_bad_input():
    x = np.linspace(0, 3, 5)
    with pytest.raises(ValueError, match="y contains 2"):
        losses.fit_bernoulli(x, np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="D must be >= 1"):
        losses.fit_bernoulli(x, np.array([0, 1, 1, 0, 1]), D=0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        losses.fit_bernoulli(x, np.array([0, 1, 1, 0, 1]), alpha=-1.0)


# -- cross-entropy for a real-valued y: spikes widened into narrow normals ------------------------
def test_empirical_density_is_a_mixture_of_narrow_normals(rng):
    y = rng.normal(size=7)
    u = np.linspace(-6, 6, 4001)
    q = losses.empirical_density(u, y, 0.2)
    mix = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(probs=torch.full((7,), 1 / 7)),
        torch.distributions.Normal(t(y), 0.2))
    assert_close(q, to_numpy(mix.log_prob(t(u)).exp()))
    assert_close(np.trapezoid(q, u), 1.0, rtol=1e-9)


@pytest.mark.parametrize("eps", [0.3, 0.1, 0.02])
def test_gaussian_cross_entropy_tends_to_the_nll_over_I(rng, eps):
    """H[q_eps, Norm[mu, sigma^2]] = L / I + eps^2 / (2 sigma^2) in closed form (each widened
    spike contributes its variance eps^2 to the expected squared error); -> L / I as eps -> 0."""
    y = rng.normal(1.0, 0.7, size=12)
    u = np.linspace(-4, 6, 20001)
    q = losses.empirical_density(u, y, eps)
    for mu, sigma in ((0.8, 0.9), (2.0, 0.4), (-1.0, 2.5)):
        H = losses.gaussian_cross_entropy(u, q, mu, sigma)
        nll = -torch.distributions.Normal(mu, sigma).log_prob(t(y)).sum().item()
        assert_close(H, nll / 12 + eps**2 / (2 * sigma**2), rtol=1e-8)


def test_gaussian_cross_entropy_of_a_distribution_with_itself_is_its_entropy():
    u = np.linspace(-12, 12, 20001)
    q = losses.normal_pdf(u, 0.5, 1.3)
    want = torch.distributions.Normal(0.5, 1.3).entropy().item()
    assert_close(losses.gaussian_cross_entropy(u, q, 0.5, 1.3), want, rtol=1e-8)


@pytest.mark.parametrize("call,match", [
    (lambda: losses.empirical_density(np.linspace(0, 1, 5), np.ones(3), 0.0), "eps must be > 0"),
    (lambda: losses.empirical_density(np.ones((2, 2)), np.ones(3), 0.1), "u has shape"),
    (lambda: losses.gaussian_cross_entropy(np.ones(5), np.ones(4), 0.0, 1.0), r"q has shape \(4,\)"),
    (lambda: losses.gaussian_cross_entropy(np.ones(5), np.ones(5), 0.0, -1.0), "sigma must be > 0"),
    (lambda: losses.toy_classification(0, np.random.default_rng(0)), "I must be >= 1"),
])
def test_continuous_and_classifier_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)
