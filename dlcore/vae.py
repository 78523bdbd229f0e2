"""Variational autoencoders and the ELBO (chapter 11), in NumPy.

Notation follows the notes: latent z ~ Norm(0, I) of size D_z, data x of size D_x, the decoder
f[z, phi] gives the mean of Pr(x | z) = Norm_x[f[z, phi], sigma2 I], and the variational
distribution is q(z | x, theta) = Norm(mu, diag(sigma^2)). Data points are columns: x (D_x, I),
z (D_z, I). The linear-Gaussian model f[z, phi] = W z + b is the one where everything is exact.
"""

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    check_int,
    check_positive,
)
from .losses import sigmoid
from .nets import deep_net, relu

__all__ = [
    # the public API, fixed for outside checks
    "kl_normal_standard",
    "reparameterize",
    "linear_gaussian_log_marginal",
    "linear_gaussian_posterior",
    "elbo_linear_gaussian",
    # helpers used by the chapter
    "log_normal",
    "log_gaussian_sum",
    "gaussian_sum_grid",
    "log_marginal_grid",
    "posterior_grid",
    "toy_params",
    "toy_decoder",
    "ancestral_sample",
    "jensen_log",
    "kl_normal",
    "elbo_estimate",
    "elbo_samples_linear_gaussian",
    "recon_grad_samples",
    "elbo_grid",
    "linear_gaussian_encode",
    "ppca_fit",
    "decoder_mean",
]

_LOG2PI = np.log(2.0 * np.pi)


# ------------------------------------------------------------------------------------------
# The public API, fixed for outside checks
# ------------------------------------------------------------------------------------------
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
    cov_q = as_float_array(cov_q, "cov_q")
    if cov_q.size != D_z * D_z:
        raise ShapeError(f"cov_q has shape {cov_q.shape}; expected ({D_z}, {D_z}) (D_z, D_z)")
    cov_q = cov_q.reshape(D_z, D_z)
    if not np.allclose(cov_q, cov_q.T):
        raise ShapeError("cov_q is not symmetric; a covariance matrix must equal its transpose")
    try:
        logdet = 2.0 * np.log(np.diag(np.linalg.cholesky(cov_q))).sum()
    except np.linalg.LinAlgError:
        raise ShapeError("cov_q must be positive definite (all eigenvalues > 0)") from None
    r = x - W @ mu_q - b
    recon = -0.5 * (D_x * (_LOG2PI + np.log(sigma2)) + (r @ r + np.trace(W @ cov_q @ W.T)) / sigma2)
    kl = 0.5 * (np.trace(cov_q) + mu_q @ mu_q - D_z - logdet)
    return float(recon - kl)


# ------------------------------------------------------------------------------------------
# Spherical Gaussians and their weighted sums: Pr(x) = int Norm_x[f[z, phi], sigma2 I] Pr(z) dz
# ------------------------------------------------------------------------------------------
def _columns(a, name, D=None):
    """A 1-D (D,) or 2-D (D, I) array; returns (2-D array, was_1d)."""
    a = as_float_array(a, name)
    if a.ndim == 1:
        a2 = a[:, None]  # (D,) -> (D, 1)
    elif a.ndim == 2:
        a2 = a
    else:
        raise ShapeError(f"{name} has shape {a.shape}; expected (D,) or (D, I) with points as columns")
    if D is not None and a2.shape[0] != D:
        raise ShapeError(f"{name} has {a2.shape[0]} rows (shape {a.shape}); expected {D} rows")
    return a2, a.ndim == 1


def log_normal(x, mu, sigma2):
    """log Norm_x[mu, sigma2 I] = -0.5 sum_d (log(2 pi sigma2_d) + (x_d - mu_d)^2 / sigma2_d).

    x, mu: (D,) or (D, I), broadcast against each other (e.g. x (D, 1) against mu (D, S));
    sigma2 > 0: a scalar, or per dimension (D,) / (D, 1), or any shape that broadcasts.
    Returns one value per column, (I,), or a float when x and mu are both 1-D.
    """
    x2, x1d = _columns(x, "x")
    mu2, mu1d = _columns(mu, "mu", D=x2.shape[0])
    sigma2 = check_positive(sigma2, "sigma2")
    if sigma2.ndim == 1:
        sigma2 = sigma2[:, None]  # per-dimension variances (D,) -> (D, 1)
    try:
        r2 = (x2 - mu2) ** 2 / sigma2 + np.log(2.0 * np.pi * sigma2)  # (D, I)
    except ValueError:
        raise ShapeError(f"x {x2.shape}, mu {mu2.shape} and sigma2 {sigma2.shape} do not "
                         "broadcast") from None
    out = -0.5 * r2.sum(0)
    return float(out[0]) if (x1d and mu1d) else out


def log_gaussian_sum(x, means, sigma2, weights):
    """log sum_j w_j Norm_x[m_j, sigma2 I]: a weighted sum of J spherical Gaussians, stably.

    x (D_x,) or (D_x, I); means (D_x, J), one centre m_j per column; weights (J,) >= 0 (they need
    not sum to one); sigma2 > 0 a scalar. Returns (I,), or a float for a 1-D x.
    """
    x2, was_1d = _columns(x, "x")
    means = as_float_array(means, "means")
    if means.ndim != 2 or means.shape[0] != x2.shape[0]:
        raise ShapeError(f"means has shape {means.shape}; expected ({x2.shape[0]}, J) "
                         "(one centre per column)")
    weights = check_positive(weights, "weights", strict=False).reshape(-1)
    if weights.shape != (means.shape[1],):
        raise ShapeError(f"weights has shape {weights.shape}; expected ({means.shape[1]},), "
                         "one per column of means")
    sigma2 = float(check_positive(sigma2, "sigma2"))
    if not np.any(weights > 0):
        raise ShapeError("weights are all zero; expected at least one positive weight")
    D_x = x2.shape[0]
    # squared distances |x_i - m_j|^2, written out so no (D_x, J, I) array is built
    d2 = ((means**2).sum(0)[:, None] + (x2**2).sum(0)[None, :]
          - 2.0 * means.T @ x2)  # (J, I)
    d2 = np.maximum(d2, 0.0)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)[:, None]  # (J, 1); log 0 = -inf drops that Gaussian
    log_terms = log_w - 0.5 * (D_x * np.log(2.0 * np.pi * sigma2) + d2 / sigma2)  # (J, I)
    m = log_terms.max(0)  # (I,): the largest term, finite since one weight is positive
    out = m + np.log(np.exp(log_terms - m).sum(0))
    return float(out[0]) if was_1d else out


def gaussian_sum_grid(x1, x2, means, sigma2, weights):
    """sum_j w_j Norm_x[m_j, sigma2 I] for 2-D x on the grid x1 (n_1,) by x2 (n_2,), via the
    product form Norm_x[m, sigma2 I] = Norm_{x_1}[m_1, sigma2] Norm_{x_2}[m_2, sigma2].

    means (2, J), weights (J,) >= 0, sigma2 > 0. Returns (n_2, n_1): row i is x_2 = x2[i].
    """
    x1 = as_float_array(x1, "x1").reshape(-1)
    x2 = as_float_array(x2, "x2").reshape(-1)
    means = as_float_array(means, "means")
    if means.ndim != 2 or means.shape[0] != 2:
        raise ShapeError(f"means has shape {means.shape}; expected (2, J) (2-D centres as columns)")
    weights = check_positive(weights, "weights", strict=False).reshape(-1)
    if weights.shape != (means.shape[1],):
        raise ShapeError(f"weights has shape {weights.shape}; expected ({means.shape[1]},), "
                         "one per column of means")
    sigma2 = float(check_positive(sigma2, "sigma2"))
    c = 1.0 / np.sqrt(2.0 * np.pi * sigma2)
    A = c * np.exp(-0.5 * (x1[None, :] - means[0][:, None]) ** 2 / sigma2)  # (J, n_1)
    B = c * np.exp(-0.5 * (x2[None, :] - means[1][:, None]) ** 2 / sigma2)  # (J, n_2)
    return B.T @ (weights[:, None] * A)  # (n_2, n_1)


def _check_grid(z, f_z):
    z = as_float_array(z, "z").reshape(-1)
    if z.size < 2:
        raise ShapeError(f"z has {z.size} point(s); expected an evenly spaced grid of >= 2 points")
    dz = np.diff(z)
    if np.any(dz <= 0) or not np.allclose(dz, dz[0], rtol=1e-6):
        raise ShapeError("z must be an evenly spaced, increasing grid of latent values")
    f_z = as_float_array(f_z, "f_z")
    if f_z.ndim != 2 or f_z.shape[1] != z.size:
        raise ShapeError(f"f_z has shape {f_z.shape}; expected (D_x, {z.size}), f[z, phi] at "
                         "each grid point")
    return z, float(dz[0]), f_z


def log_marginal_grid(x, z, f_z, sigma2):
    """log Pr(x) for a 1-D latent by quadrature: log sum_j Pr(z_j) dz Norm_x[f[z_j, phi], sigma2 I].

    z (J,) an evenly spaced grid wide enough to hold Pr(z) (e.g. -6..6); f_z (D_x, J) the decoder
    at the grid; x (D_x,) or (D_x, I).
    """
    z, dz, f_z = _check_grid(z, f_z)
    w = np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi) * dz  # Pr(z_j) dz
    return log_gaussian_sum(x, f_z, sigma2, w)


def posterior_grid(x, z, f_z, sigma2):
    """Pr(z | x) = Pr(x | z) Pr(z) / Pr(x) on the grid z (J,) for one x (D_x,): a density (J,)."""
    z, dz, f_z = _check_grid(z, f_z)
    x = as_float_array(x, "x")
    if x.shape != (f_z.shape[0],):
        raise ShapeError(f"x has shape {x.shape}; expected ({f_z.shape[0]},) (one data point)")
    sigma2 = float(check_positive(sigma2, "sigma2"))
    log_joint = (-0.5 * ((x[:, None] - f_z) ** 2).sum(0) / sigma2 - 0.5 * z**2)  # (J,) + const
    p = np.exp(log_joint - log_joint.max())
    return p / (p.sum() * dz)


# ------------------------------------------------------------------------------------------
# The chapter's toy nonlinear model: D_z = 1, D_x = 2, a fixed shallow tanh network
# ------------------------------------------------------------------------------------------
def toy_params():
    """(betas, omegas) of the toy decoder f[z, phi]: 1 -> 3 tanh units -> 2 (fresh copies)."""
    betas = [np.array([0.0, -1.5, 1.5]), np.array([1.8, 0.0])]
    omegas = [np.array([[0.8], [1.5], [1.5]]),  # (3, 1)
              np.array([[0.0, 2.0, -2.0], [2.5, 0.0, 0.0]])]  # (2, 3)
    return betas, omegas


def toy_decoder(z):
    """f[z, phi] of the toy model: z (1, I) or (I,) latent values -> (2, I) means in data space."""
    z = as_float_array(z, "z")
    if z.ndim == 2 and z.shape[0] != 1:
        raise ShapeError(f"z has shape {z.shape}; expected (1, I) or (I,): the toy latent is 1-D")
    if z.ndim > 2:
        raise ShapeError(f"z has shape {z.shape}; expected (1, I) or (I,)")
    betas, omegas = toy_params()
    return deep_net(z.reshape(1, -1), betas, omegas, activation=np.tanh)


def ancestral_sample(f, sigma2, n, rng, D_z=1):
    """Ancestral sampling: z* ~ Pr(z) = Norm(0, I), then x* ~ Pr(x | z*) = Norm(f[z*], sigma2 I).

    f: a function (D_z, n) -> (D_x, n); n samples; draws z (D_z, n) first, then eps (D_x, n) with
    ``rng.standard_normal``. Returns (z, f_z, x): latents, decoder means, data, points as columns.
    """
    if not callable(f):
        raise InputTypeError(f"f must be a function z -> f[z, phi]; got {type(f).__name__}")
    n = check_int(n, "n", 1)
    D_z = check_int(D_z, "D_z", 1)
    sigma = float(np.sqrt(check_positive(sigma2, "sigma2")))
    if not hasattr(rng, "standard_normal"):
        raise InputTypeError(f"rng must be a np.random.Generator; got {type(rng).__name__}")
    z = rng.standard_normal((D_z, n))  # 1. z* ~ Pr(z)
    f_z = np.asarray(f(z), dtype=np.float64)  # 2. the network gives the mean of Pr(x | z*)
    if f_z.ndim != 2 or f_z.shape[1] != n:
        raise ShapeError(f"f returned shape {f_z.shape}; expected (D_x, {n})")
    x = f_z + sigma * rng.standard_normal(f_z.shape)  # 3. x* ~ Norm(f[z*], sigma2 I)
    return z, f_z, x


# ------------------------------------------------------------------------------------------
# Jensen's inequality, KL divergences, ELBO estimates
# ------------------------------------------------------------------------------------------
def jensen_log(y, p):
    """(log E[y], E[log y]) for y taking the values y_k > 0 with probabilities p_k: the first is
    never smaller (log is concave). y, p: (K,); p >= 0 sums to one."""
    y = check_positive(y, "y").reshape(-1)
    p = check_positive(p, "p", strict=False).reshape(-1)
    if p.shape != y.shape:
        raise ShapeError(f"p has shape {p.shape}; expected {y.shape} (one probability per value)")
    if not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ShapeError(f"p must sum to one; got sum {p.sum():.6g}")
    return float(np.log(p @ y)), float(p @ np.log(y))


def _vector(a, name, D=None):
    a = as_float_array(a, name)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1 or (D is not None and a.shape != (D,)):
        want = f"({D},)" if D is not None else "(D,)"
        raise ShapeError(f"{name} has shape {a.shape}; expected {want}")
    return a


def _covariance(c, name, D):
    c = as_float_array(c, name)
    if c.size == 1 and D == 1:
        c = c.reshape(1, 1)
    if c.shape != (D, D):
        raise ShapeError(f"{name} has shape {c.shape}; expected ({D}, {D})")
    if not np.allclose(c, c.T):
        raise ShapeError(f"{name} must be symmetric")
    try:
        L = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ShapeError(f"{name} must be positive definite") from None
    return c, L


def kl_normal(mu_1, cov_1, mu_2, cov_2):
    """D_KL[Norm(mu_1, cov_1) || Norm(mu_2, cov_2)]
    = 0.5 (tr(cov_2^-1 cov_1) + (mu_2 - mu_1)^T cov_2^-1 (mu_2 - mu_1) - D + log|cov_2| - log|cov_1|).

    mu_1, mu_2: (D,); cov_1, cov_2: (D, D) positive definite (for D = 1 a scalar variance works).
    """
    mu_1 = _vector(mu_1, "mu_1")
    D = mu_1.shape[0]
    mu_2 = _vector(mu_2, "mu_2", D)
    cov_1, L1 = _covariance(cov_1, "cov_1", D)
    cov_2, L2 = _covariance(cov_2, "cov_2", D)
    A = np.linalg.solve(L2, L1)  # L2^-1 L1, so tr(cov_2^-1 cov_1) = ||A||_F^2
    d = np.linalg.solve(L2, mu_2 - mu_1)  # (D,)
    logdet_1 = 2.0 * np.log(np.diag(L1)).sum()
    logdet_2 = 2.0 * np.log(np.diag(L2)).sum()
    return float(0.5 * ((A * A).sum() + d @ d - D + logdet_2 - logdet_1))


def elbo_estimate(x, f_z, sigma2, mu, sigma):
    """The VAE's one-sample ELBO: log Pr(x | z*) - D_KL[q(z | x) || Pr(z)], for each column.

    x, f_z: (D_x, I) data and decoder means f[z*, phi] at z* = mu + sigma eps; mu, sigma: (D_z, I)
    the encoder's q(z | x, theta) = Norm(mu, diag(sigma^2)); sigma2 > 0 the decoder's variance.
    Returns (I,), or a float when all are 1-D.
    """
    x2, x1d = _columns(x, "x")
    f2, f1d = _columns(f_z, "f_z", D=x2.shape[0])
    if f2.shape != x2.shape:
        raise ShapeError(f"f_z has shape {f2.shape}; expected {x2.shape} (the shape of x)")
    mu2, mu1d = _columns(mu, "mu")
    sig2, _ = _columns(sigma, "sigma")
    if mu2.shape[1] != x2.shape[1]:
        raise ShapeError(f"mu has shape {mu2.shape}; expected (D_z, {x2.shape[1]}), one column "
                         "per data point")
    out = log_normal(x2, f2, sigma2) - kl_normal_standard(mu2, sig2)
    return float(out[0]) if (x1d and f1d and mu1d) else out


def _check_q(W, mu_q, sigma_q, eps):
    D_z = W.shape[1]
    mu_q = _vector(mu_q, "mu_q", D_z)
    sigma_q = check_positive(_vector(sigma_q, "sigma_q", D_z), "sigma_q")
    eps = as_float_array(eps, "eps")
    if eps.ndim == 1 and D_z == 1:
        eps = eps[None, :]  # (S,) -> (1, S)
    if eps.ndim != 2 or eps.shape[0] != D_z:
        raise ShapeError(f"eps has shape {eps.shape}; expected ({D_z}, S): one column per sample")
    return mu_q[:, None], sigma_q[:, None], eps


def elbo_samples_linear_gaussian(x, W, b, sigma2, mu_q, sigma_q, eps, kl="closed"):
    """S one-sample ELBO estimates for the linear-Gaussian model and q = Norm(mu_q, diag(sigma_q^2)).

    z_s = mu_q + sigma_q eps_s (eps (D_z, S)). kl="closed": log Pr(x | z_s) - D_KL[q || Pr(z)];
    kl="sampled": log Pr(x | z_s) + log Pr(z_s) - log q(z_s). Both average to the ELBO. Returns (S,).
    """
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    if x.ndim != 1:
        raise ShapeError(f"x has shape {x.shape}; expected ({W.shape[0]},) (one data point)")
    if kl not in ("closed", "sampled"):
        raise ShapeError(f"kl must be 'closed' or 'sampled'; got {kl!r}")
    mu_q, sigma_q, eps = _check_q(W, mu_q, sigma_q, eps)
    z = mu_q + sigma_q * eps  # (D_z, S): the reparameterisation trick
    f_z = W @ z + b[:, None]  # (D_x, S)
    log_lik = log_normal(x[:, None], f_z, sigma2)  # (S,)
    if kl == "closed":
        return log_lik - kl_normal_standard(mu_q[:, 0], sigma_q[:, 0])
    log_prior = log_normal(z, np.zeros_like(z), 1.0)
    log_q = log_normal(z, mu_q, sigma_q**2)
    return log_lik + log_prior - log_q


def recon_grad_samples(x, W, b, sigma2, mu_q, sigma_q, eps, estimator="reparam"):
    """S one-sample estimates of d/d mu_q E_q[log Pr(x | z)], for the linear-Gaussian model.

    estimator="reparam": differentiate log Pr(x | mu_q + sigma_q eps) = W^T (x - W z - b) / sigma2;
    estimator="score": log Pr(x | z) d log q(z)/d mu_q = log Pr(x | z) (z - mu_q) / sigma_q^2,
    which needs no derivative of the decoder. Both average to W^T (x - W mu_q - b) / sigma2.
    Returns (D_z, S).
    """
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    if x.ndim != 1:
        raise ShapeError(f"x has shape {x.shape}; expected ({W.shape[0]},) (one data point)")
    if estimator not in ("reparam", "score"):
        raise ShapeError(f"estimator must be 'reparam' or 'score'; got {estimator!r}")
    mu_q, sigma_q, eps = _check_q(W, mu_q, sigma_q, eps)
    z = mu_q + sigma_q * eps  # (D_z, S)
    f_z = W @ z + b[:, None]  # (D_x, S)
    if estimator == "reparam":
        return W.T @ (x[:, None] - f_z) / sigma2  # the chain rule through z = mu_q + sigma_q eps
    log_lik = log_normal(x[:, None], f_z, sigma2)  # (S,)
    return log_lik[None, :] * (z - mu_q) / sigma_q**2  # log Pr(x|z) times the score of q


def elbo_grid(x, z, f_z, sigma2, mu_q, sigma_q):
    """ELBO for a 1-D latent by quadrature, for q = Norm(mu_q, sigma_q^2):
    int q(z) [log Pr(x | z) + log Pr(z)] dz + 0.5 log(2 pi e sigma_q^2) (the entropy of q).

    z (J,) an evenly spaced grid, f_z (D_x, J) the decoder there, x (D_x,) one point; mu_q and
    sigma_q broadcast against each other (e.g. a grid of candidates). Returns their shape.
    The grid must be finer than sigma_q and wide enough to hold q.
    """
    z, dz, f_z = _check_grid(z, f_z)
    x = as_float_array(x, "x")
    if x.shape != (f_z.shape[0],):
        raise ShapeError(f"x has shape {x.shape}; expected ({f_z.shape[0]},) (one data point)")
    mu_q = as_float_array(mu_q, "mu_q")
    sigma_q = check_positive(sigma_q, "sigma_q")
    try:
        mu_q, sigma_q = np.broadcast_arrays(mu_q, sigma_q)
    except ValueError:
        raise ShapeError(f"mu_q {mu_q.shape} and sigma_q {sigma_q.shape} do not broadcast") from None
    log_joint = log_normal(x[:, None], f_z, sigma2) - 0.5 * (_LOG2PI + z**2)  # (J,)
    log_q = -0.5 * ((z - mu_q[..., None]) / sigma_q[..., None]) ** 2  # (..., J) unnormalised
    w = np.exp(log_q - log_q.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)  # q(z_j) dz, normalised on the grid
    entropy = 0.5 * np.log(2.0 * np.pi * np.e * sigma_q**2)
    return w @ log_joint + entropy


# ------------------------------------------------------------------------------------------
# The linear-Gaussian model fitted to data (probabilistic PCA), and the VAE's decoder in NumPy
# ------------------------------------------------------------------------------------------
def linear_gaussian_encode(x, W, b, sigma2):
    """The exact encoder of the linear-Gaussian model: posterior means (D_z, I) of Pr(z | x) for
    every column of x (D_x, I), and the posterior covariance (D_z, D_z), the same for every x."""
    x, W, b, sigma2 = _check_model(x, W, b, sigma2)
    D_x, D_z = W.shape
    cov = np.linalg.inv(np.eye(D_z) + W.T @ W / sigma2)  # (D_z, D_z)
    mu = cov @ W.T @ (x.reshape(D_x, -1) - b[:, None]) / sigma2  # (D_z, I)
    return (mu[:, 0] if x.ndim == 1 else mu), cov


def ppca_fit(x, D_z):
    """Maximum-likelihood linear-Gaussian model (probabilistic PCA, Tipping & Bishop 1999).

    x (D_x, I) data as columns. With S the covariance (divided by I) and its eigenvalues
    lambda_1 >= ... >= lambda_{D_x} and unit eigenvectors U: b = mean of x,
    sigma2 = mean of the discarded lambda_{D_z+1..D_x}, W = U_{:D_z} diag(lambda - sigma2)^{1/2}.
    Returns (W (D_x, D_z), b (D_x,), sigma2).
    """
    x = as_float_array(x, "x")
    if x.ndim != 2:
        raise ShapeError(f"x has shape {x.shape}; expected (D_x, I) with data points as columns")
    D_x, I = x.shape
    D_z = check_int(D_z, "D_z", 1)
    if D_z >= D_x:
        raise ShapeError(f"D_z must be < D_x = {D_x}; got {D_z}")
    if I < 2:
        raise ShapeError(f"x has {I} data point(s); expected at least 2")
    b = x.mean(1)
    X = x - b[:, None]  # (D_x, I)
    lam, U = np.linalg.eigh(X @ X.T / I)  # ascending
    lam, U = lam[::-1], U[:, ::-1]
    sigma2 = float(lam[D_z:].mean())
    if sigma2 <= 0:
        raise ShapeError("the data lie in a D_z-dimensional subspace: sigma2 would be 0")
    W = U[:, :D_z] * np.sqrt(np.maximum(lam[:D_z] - sigma2, 0.0))  # (D_x, D_z)
    W = W * np.sign(W[np.abs(W).argmax(0), np.arange(D_z)])  # fix each column's sign
    return W, b, sigma2


def decoder_mean(z, betas, omegas, output="sigmoid"):
    """The VAE decoder f[z, phi] in NumPy: a ReLU network (nets.deep_net) then sig[.] (pixels in
    [0, 1]) or nothing (output="linear"). z (D_z, I) or (D_z,); returns (D_x, I) or (D_x,)."""
    if output not in ("sigmoid", "linear"):
        raise ShapeError(f"output must be 'sigmoid' or 'linear'; got {output!r}")
    f = deep_net(z, betas, omegas, activation=relu)
    return sigmoid(f) if output == "sigmoid" else f

