import numpy as np
import pytest
import torch

from dlcore import vae


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


def test_reparameterize_and_errors():
    assert np.allclose(vae.reparameterize([1.0], [2.0], [0.5]), [2.0])
    with pytest.raises(ValueError, match="sigma"):
        vae.kl_normal_standard([0.0], [-1.0])
    with pytest.raises(ValueError, match="x has shape"):
        vae.linear_gaussian_log_marginal(np.zeros(3), np.ones((2, 1)), np.zeros(2), 1.0)
