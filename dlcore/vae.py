"""Variational autoencoders and the ELBO (chapter 11), in NumPy.

Notation follows the notes: latent z ~ Norm(0, I) of size D_z, data x of size D_x,
q(z | x) = Norm(mu, diag(sigma^2)).
"""

import numpy as np

from dlcore.checks import ShapeError, as_float_array, check_positive

__all__ = [
    "kl_normal_standard",
    "reparameterize",
    "linear_gaussian_log_marginal",
    "linear_gaussian_posterior",
    "elbo_linear_gaussian",
]

_LOG2PI = np.log(2.0 * np.pi)


def kl_normal_standard(mu, sigma):
    """D_KL[Norm(mu, diag(sigma^2)) || Norm(0, I)] = 0.5 (sum sigma^2 + mu^T mu - D_z - sum log sigma^2).

    ``mu``, ``sigma``: shape (D_z,) -> a float, or (D_z, I) -> one value per column, shape (I,).
    """
    mu = as_float_array(mu, "mu")
    sigma = check_positive(sigma, "sigma")
    if mu.ndim not in (1, 2):
        raise ShapeError(f"mu has shape {mu.shape}; expected (D_z,) or (D_z, I)")
    if sigma.shape != mu.shape:
        raise ShapeError(f"sigma has shape {sigma.shape}; expected {mu.shape} (the shape of mu)")
    D_z = mu.shape[0]
    sigma2 = sigma**2
    kl = 0.5 * (sigma2.sum(0) + (mu * mu).sum(0) - D_z - np.log(sigma2).sum(0))
    return float(kl) if mu.ndim == 1 else kl


def reparameterize(mu, sigma, eps):
    """z* = mu + sigma * eps, with eps ~ Norm(0, I) drawn outside (the reparameterisation trick)."""
    mu = as_float_array(mu, "mu")
    sigma = check_positive(sigma, "sigma", strict=False)
    eps = as_float_array(eps, "eps")
    try:
        return mu + sigma * eps
    except ValueError:
        raise ShapeError(
            f"mu {mu.shape}, sigma {sigma.shape} and eps {eps.shape} do not broadcast"
        ) from None


def _check_model(x, W, b, sigma2):
    W = as_float_array(W, "W")
    if W.ndim != 2:
        raise ShapeError(f"W has shape {W.shape}; expected (D_x, D_z)")
    D_x = W.shape[0]
    x = as_float_array(x, "x")
    if x.ndim not in (1, 2) or x.shape[0] != D_x:
        raise ShapeError(f"x has shape {x.shape}; expected ({D_x},) or ({D_x}, I)")
    b = as_float_array(b, "b").reshape(-1)
    if b.shape != (D_x,):
        raise ShapeError(f"b has shape {b.shape}; expected ({D_x},) (D_x,)")
    sigma2 = float(check_positive(sigma2, "sigma2"))
    return x, W, b, sigma2


def linear_gaussian_log_marginal(x, W, b, sigma2):
    """Exact log Pr(x) for z ~ Norm(0, I), x | z ~ Norm(W z + b, sigma2 I): Pr(x) = Norm(b, W W^T + sigma2 I).

    ``x``: (D_x,) -> float, or (D_x, I) -> one value per column.
    """
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    D_x = W.shape[0]
    C = W @ W.T + sigma2 * np.eye(D_x)
    X = x.reshape(D_x, -1) - b[:, None]
    L = np.linalg.cholesky(C)
    a = np.linalg.solve(L, X)
    logdet = 2.0 * np.log(np.diag(L)).sum()
    out = -0.5 * (D_x * _LOG2PI + logdet + (a * a).sum(0))
    return float(out[0]) if x.ndim == 1 else out


def linear_gaussian_posterior(x, W, b, sigma2):
    """(mu, cov) of Pr(z | x): cov = (I + W^T W / sigma2)^-1, mu = cov W^T (x - b) / sigma2."""
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    if x.ndim != 1:
        raise ShapeError(f"x has shape {x.shape}; expected ({W.shape[0]},) (one data point)")
    D_z = W.shape[1]
    cov = np.linalg.inv(np.eye(D_z) + W.T @ W / sigma2)
    mu = cov @ W.T @ (x - b) / sigma2
    return mu, cov


def elbo_linear_gaussian(x, W, b, sigma2, mu_q, cov_q):
    """Exact ELBO = E_q[log Pr(x | z)] - D_KL[q(z) || Pr(z)] for q = Norm(mu_q, cov_q) and one x."""
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    if x.ndim != 1:
        raise ShapeError(f"x has shape {x.shape}; expected ({W.shape[0]},) (one data point)")
    D_x, D_z = W.shape
    mu_q = as_float_array(mu_q, "mu_q").reshape(-1)
    if mu_q.shape != (D_z,):
        raise ShapeError(f"mu_q has shape {mu_q.shape}; expected ({D_z},) (D_z,)")
    cov_q = as_float_array(cov_q, "cov_q").reshape(D_z, D_z) if np.size(cov_q) == D_z * D_z else None
    if cov_q is None:
        raise ShapeError(f"cov_q must have shape ({D_z}, {D_z})")
    r = x - W @ mu_q - b
    recon = -0.5 * (D_x * (_LOG2PI + np.log(sigma2)) + (r @ r + np.trace(W @ cov_q @ W.T)) / sigma2)
    sign, logdet = np.linalg.slogdet(cov_q)
    if sign <= 0:
        raise ShapeError("cov_q must be positive definite")
    kl = 0.5 * (np.trace(cov_q) + mu_q @ mu_q - D_z - logdet)
    return float(recon - kl)
