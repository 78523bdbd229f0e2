"""Variational autoencoders and the ELBO (chapter 11), in NumPy.

Notation follows the notes: latent z ~ Norm(0, I) of size D_z, data x of size D_x, the decoder
f[z, phi] gives the mean of Pr(x | z) = Norm_x[f[z, phi], sigma2 I], and the variational
distribution is q(z | x, theta) = Norm(mu, diag(sigma^2)). Data points are columns: x (D_x, I),
z (D_z, I). The linear-Gaussian model f[z, phi] = W z + b is the one where everything is exact.
"""

import numpy as np

from .checks import ShapeError, as_float_array, check_positive, returns, shapes
from .layers import forward, relu, sigmoid, tanh
from .losses import LOG_2PI, logsumexp, normal_pdf, softmax

__all__ = [
    # the public API, fixed for outside checks
    "kl_normal_standard",
    "reparameterize",
    "linear_gaussian_log_marginal",
    "linear_gaussian_posterior",
    "elbo_linear_gaussian",
    "importance_log_marginal",
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
    "recon_grad_linear_gaussian",
    "elbo_grid",
    "linear_gaussian_encode",
    "ppca_fit",
    "decoder_mean",
    "latent_path",
]


# ------------------------------------------------------------------------------------------
# The contracts' own checks (what the contract language cannot say)
# ------------------------------------------------------------------------------------------
def _positive(value, name):
    return check_positive(value, name)


def _nonnegative(value, name):
    return check_positive(value, name, strict=False)


def _flat(value, name):
    """A vector given as a number, (D,) or (D, 1): as (D,)."""
    return as_float_array(value, name).reshape(-1)


def _flat_nonnegative(value, name):
    return _flat(_nonnegative(value, name), name)


def _flat_positive(value, name):
    return _flat(_positive(value, name), name)


def _weights(value, name):
    """Weights w_j >= 0 (J,), at least one of them positive (they need not sum to one)."""
    w = _flat_nonnegative(value, name)
    if not np.any(w > 0):
        raise ShapeError(f"{name} are all zero; expected at least one positive weight")
    return w


def _distribution(value, name):
    """Probabilities p_k >= 0 (K,) that sum to one."""
    p = _flat_nonnegative(value, name)
    if not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ShapeError(f"{name} must sum to one; got sum {p.sum():.6g}")
    return p


def _variances(value, name):
    """sigma2 > 0: a number, or one per dimension (D,) given to the maths as a column (D, 1)."""
    sigma2 = _positive(value, name)
    return sigma2[:, None] if sigma2.ndim == 1 else sigma2  # (D,) -> (D, 1)


def _covariance(value, name):
    """A covariance matrix: symmetric and positive definite (a number is a 1 x 1 one)."""
    c = as_float_array(value, name)
    if c.size == 1:
        c = c.reshape(1, 1)  # a variance
    if c.ndim == 2 and c.shape[0] == c.shape[1]:
        if not np.allclose(c, c.T):
            raise ShapeError(f"{name} is not symmetric; a covariance matrix must equal its "
                             "transpose")
        try:
            np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ShapeError(f"{name} must be positive definite (all eigenvalues > 0)") from None
    return c


def _grid(value, name):
    """An evenly spaced, increasing grid of latent values (J,), J >= 2."""
    z = _flat(value, name)
    if z.size < 2:
        raise ShapeError(f"{name} has {z.size} point(s); expected an evenly spaced grid of >= 2 "
                         "points")
    dz = np.diff(z)
    if np.any(dz <= 0) or not np.allclose(dz, dz[0], rtol=1e-6):
        raise ShapeError(f"{name} must be an evenly spaced, increasing grid of latent values")
    return z


def _samples(value, name):
    """eps (D_z, S), one column per sample; for D_z = 1 also (S,)."""
    eps = as_float_array(value, name)
    return eps[None, :] if eps.ndim == 1 else eps  # (S,) -> (1, S)


def _log_densities(value, name):
    """What a log density returns, one per sample: (1, S) is taken as (S,); +inf is refused
    (-inf, a zero density, is fine; NaN is refused by the contract)."""
    if (value == np.inf).any():
        raise ShapeError(f"{name} returned +inf; expected finite log densities (or -inf)")
    return value[0] if value.ndim == 2 and value.shape[0] == 1 else value  # (1, S) -> (S,)


def _broadcast(*names, columns=False):
    """A relation: the named arguments broadcast against each other (as columns if asked)."""
    def where(args):
        shapes_ = [_as_columns(args[n]).shape if columns and args[n].ndim == 1 else args[n].shape
                   for n in names]
        try:
            np.broadcast_shapes(*shapes_)
        except ValueError:
            listed = ", ".join(f"{n} {shape}" for n, shape in zip(names[:-1], shapes_))
            raise ShapeError(f"{listed} and {names[-1]} {shapes_[-1]} do not broadcast") from None
    return where


def _latent_below_data(args):
    D_x, D_z = args["x"].shape[0], args["D_z"]
    if D_z >= D_x:
        raise ShapeError(f"D_z must be < D_x = {D_x}; got {D_z}")


def _as_columns(a):
    return a.reshape(a.shape[0], -1)  # (D,) -> (D, 1); (D, I) stays


def _cholesky(C):
    """The Cholesky factor L of C = L L^T, and log|C| = 2 sum_d log L_dd."""
    L = np.linalg.cholesky(C)
    return L, 2.0 * np.log(np.diag(L)).sum()


# ------------------------------------------------------------------------------------------
# The public API, fixed for outside checks
# ------------------------------------------------------------------------------------------
@shapes(mu="D_z | D_z I", sigma=(_positive, "D_z | D_z I"))
def kl_normal_standard(mu, sigma):
    """D_KL[Norm(mu, diag(sigma^2)) || Norm(0, I)] = 0.5 (sum sigma^2 + mu^T mu - D_z - sum log sigma^2).

    ``mu``, ``sigma``: shape (D_z,) -> a float, or (D_z, I) -> one value per column, shape (I,).
    """
    sigma2 = sigma**2
    kl = 0.5 * (sigma2.sum(0) + (mu * mu).sum(0) - mu.shape[0] - np.log(sigma2).sum(0))
    return float(kl) if kl.ndim == 0 else kl


@shapes(mu="...", sigma=(_nonnegative, "..."), eps="...", where=_broadcast("mu", "sigma", "eps"))
def reparameterize(mu, sigma, eps):
    """z* = mu + sigma * eps, with eps ~ Norm(0, I) drawn outside (the reparameterisation trick).

    mu, sigma, eps: arrays that broadcast, e.g. (D_z,) each, or columns (D_z, 1) against
    samples eps (D_z, S).
    """
    return mu + sigma * eps


@shapes(x="D_x | D_x I", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0")
def linear_gaussian_log_marginal(x, W, b, sigma2):
    """Exact log Pr(x) for z ~ Norm(0, I), x | z ~ Norm(W z + b, sigma2 I): Pr(x) = Norm(b, W W^T + sigma2 I).

    ``x``: (D_x,) -> float, or (D_x, I) -> one value per column.
    """
    D_x = W.shape[0]
    L, logdet = _cholesky(W @ W.T + sigma2 * np.eye(D_x))  # the covariance of x
    a = np.linalg.solve(L, _as_columns(x) - b[:, None])  # (D_x, I): L^-1 (x - b)
    out = -0.5 * (D_x * LOG_2PI + logdet + (a * a).sum(0))
    return float(out[0]) if x.ndim == 1 else out


@shapes(x="D_x", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0")
def linear_gaussian_posterior(x, W, b, sigma2):
    """(mu, cov) of Pr(z | x): cov = (I + W^T W / sigma2)^-1, mu = cov W^T (x - b) / sigma2."""
    cov = np.linalg.inv(np.eye(W.shape[1]) + W.T @ W / sigma2)
    mu = cov @ W.T @ (x - b) / sigma2
    return mu, cov


@shapes(x="D_x", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0", mu_q=(_flat, "D_z"),
        cov_q=(_covariance, "D_z D_z"))
def elbo_linear_gaussian(x, W, b, sigma2, mu_q, cov_q):
    """Exact ELBO = E_q[log Pr(x | z)] - D_KL[q(z) || Pr(z)] for q = Norm(mu_q, cov_q) and one x."""
    D_x, D_z = W.shape
    r = x - W @ mu_q - b
    recon = -0.5 * (D_x * (LOG_2PI + np.log(sigma2)) + (r @ r + np.trace(W @ cov_q @ W.T)) / sigma2)
    kl = 0.5 * (np.trace(cov_q) + mu_q @ mu_q - D_z - _cholesky(cov_q)[1])
    return float(recon - kl)


@shapes(log_joint=returns((_log_densities, "S")), q_sample=returns("D_z S rows"),
        q_log_prob=returns((_log_densities, "S")), S="int >= 1", rng="rng")
def importance_log_marginal(log_joint, q_sample, q_log_prob, S, rng):
    """Importance sampling: log Pr(x) ~ log (1/S) sum_s Pr(x, z_s) / q(z_s), with z_s ~ q(z).

    q_sample(S, rng) -> z (D_z, S); log_joint(z) -> log Pr(x, z_s) (S,); q_log_prob(z) ->
    log q(z_s) (S,). The log-mean-exp is computed stably. With q the posterior Pr(z | x) every
    weight equals Pr(x), so the estimate is exact for every S. Returns a float.
    """
    z = q_sample(S, rng)  # (D_z, S): z_s ~ q(z)
    log_w = log_joint(z) - q_log_prob(z)  # (S,): log of the weights Pr(x, z_s) / q(z_s)
    return float(logsumexp(log_w) - np.log(S))  # log mean_s w_s = log sum_s w_s - log S


# ------------------------------------------------------------------------------------------
# Spherical Gaussians and their weighted sums: Pr(x) = int Norm_x[f[z, phi], sigma2 I] Pr(z) dz
# ------------------------------------------------------------------------------------------
@shapes(x="D | D I", mu="D | D J", sigma2=_variances,
        where=_broadcast("x", "mu", "sigma2", columns=True))
def log_normal(x, mu, sigma2):
    """log Norm_x[mu, sigma2 I] = -0.5 sum_d (log(2 pi sigma2_d) + (x_d - mu_d)^2 / sigma2_d).

    x, mu: (D,) or (D, I), broadcast against each other (e.g. x (D, 1) against mu (D, S));
    sigma2 > 0: a scalar, or per dimension (D,) / (D, 1), or any shape that broadcasts.
    Returns one value per column, (I,), or a float when x and mu are both 1-D.
    """
    r2 = (_as_columns(x) - _as_columns(mu)) ** 2 / sigma2 + np.log(2.0 * np.pi * sigma2)  # (D, I)
    out = -0.5 * r2.sum(0)
    return float(out[0]) if x.ndim == mu.ndim == 1 else out


@shapes(x="D_x | D_x I", means="D_x J", sigma2="> 0", weights=(_weights, "J"))
def log_gaussian_sum(x, means, sigma2, weights):
    """log sum_j w_j Norm_x[m_j, sigma2 I]: a weighted sum of J spherical Gaussians, stably.

    x (D_x,) or (D_x, I); means (D_x, J), one centre m_j per column; weights (J,) >= 0 (they need
    not sum to one); sigma2 > 0 a scalar. Returns (I,), or a float for a 1-D x.
    """
    x2 = _as_columns(x)  # (D_x, I)
    # squared distances |x_i - m_j|^2, written out so no (D_x, J, I) array is built
    d2 = np.maximum((means**2).sum(0)[:, None] + (x2**2).sum(0)[None, :]
                    - 2.0 * means.T @ x2, 0.0)  # (J, I)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)[:, None]  # (J, 1); log 0 = -inf drops that Gaussian
    log_terms = log_w - 0.5 * (x2.shape[0] * np.log(2.0 * np.pi * sigma2) + d2 / sigma2)  # (J, I)
    out = logsumexp(log_terms, axis=0)  # (I,): chapter 02's stable log-sum-exp
    return float(out[0]) if x.ndim == 1 else out


@shapes(x1=(_flat, "n_1"), x2=(_flat, "n_2"), means="2 J", sigma2="> 0",
        weights=(_flat_nonnegative, "J"))
def gaussian_sum_grid(x1, x2, means, sigma2, weights):
    """sum_j w_j Norm_x[m_j, sigma2 I] for 2-D x on the grid x1 (n_1,) by x2 (n_2,), via the
    product form Norm_x[m, sigma2 I] = Norm_{x_1}[m_1, sigma2] Norm_{x_2}[m_2, sigma2].

    means (2, J), weights (J,) >= 0, sigma2 > 0. Returns (n_2, n_1): row i is x_2 = x2[i].
    """
    c = 1.0 / np.sqrt(2.0 * np.pi * sigma2)
    A = c * np.exp(-0.5 * (x1[None, :] - means[0][:, None]) ** 2 / sigma2)  # (J, n_1)
    B = c * np.exp(-0.5 * (x2[None, :] - means[1][:, None]) ** 2 / sigma2)  # (J, n_2)
    return B.T @ (weights[:, None] * A)  # (n_2, n_1)


@shapes(x="D_x | D_x I", z=(_grid, "J"), f_z="D_x J", sigma2="> 0")
def log_marginal_grid(x, z, f_z, sigma2):
    """log Pr(x) for a 1-D latent by quadrature: log sum_j Pr(z_j) dz Norm_x[f[z_j, phi], sigma2 I].

    z (J,) an evenly spaced grid wide enough to hold Pr(z) (e.g. -6..6); f_z (D_x, J) the decoder
    at the grid; x (D_x,) or (D_x, I).
    """
    w = normal_pdf(z, 0.0, 1.0) * (z[1] - z[0])  # Pr(z_j) dz
    return log_gaussian_sum(x, f_z, sigma2, w)


def _log_joint(x, z, f_z, sigma2):
    """log Pr(x, z_j) = log Pr(x | z_j) + log Pr(z_j) on the grid z (J,) for one x (D_x,)."""
    return log_normal(x[:, None], f_z, sigma2) - 0.5 * (LOG_2PI + z**2)  # (J,)


@shapes(x="D_x", z=(_grid, "J"), f_z="D_x J", sigma2="> 0")
def posterior_grid(x, z, f_z, sigma2):
    """Pr(z | x) = Pr(x | z) Pr(z) / Pr(x) on the grid z (J,) for one x (D_x,): a density (J,).

    Bayes' rule on the grid is a softmax: Pr(z_j | x) dz = softmax_j[log Pr(x, z_j)].
    """
    return softmax(_log_joint(x, z, f_z, sigma2)) / (z[1] - z[0])


# ------------------------------------------------------------------------------------------
# The chapter's toy nonlinear model: D_z = 1, D_x = 2, a fixed shallow tanh network
# ------------------------------------------------------------------------------------------
def toy_params():
    """(betas, omegas) of the toy decoder f[z, phi]: 1 -> 3 tanh units -> 2 (fresh copies)."""
    betas = [np.array([0.0, -1.5, 1.5]), np.array([1.8, 0.0])]
    omegas = [np.array([[0.8], [1.5], [1.5]]),  # (3, 1)
              np.array([[0.0, 2.0, -2.0], [2.5, 0.0, 0.0]])]  # (2, 3)
    return betas, omegas


@shapes(z="number | I | 1 I")
def toy_decoder(z):
    """f[z, phi] of the toy model: z (1, I) or (I,) latent values -> (2, I) means in data space."""
    fs, _ = forward(z.reshape(1, -1), *toy_params(), activation=tanh)
    return fs[-1]


@shapes(f=returns("D_x n"), sigma2="> 0", n="int >= 1", rng="rng", D_z="int >= 1")
def ancestral_sample(f, sigma2, n, rng, D_z=1):
    """Ancestral sampling: z* ~ Pr(z) = Norm(0, I), then x* ~ Pr(x | z*) = Norm(f[z*], sigma2 I).

    f: a function (D_z, n) -> (D_x, n); n samples; draws z (D_z, n) first, then eps (D_x, n) with
    ``rng.standard_normal``. Returns (z, f_z, x): latents, decoder means, data, points as columns.
    """
    z = rng.standard_normal((D_z, n))  # 1. z* ~ Pr(z)
    f_z = f(z)  # 2. the network gives the mean of Pr(x | z*)
    x = f_z + np.sqrt(sigma2) * rng.standard_normal(f_z.shape)  # 3. x* ~ Norm(f[z*], sigma2 I)
    return z, f_z, x


# ------------------------------------------------------------------------------------------
# Jensen's inequality, KL divergences, ELBO estimates
# ------------------------------------------------------------------------------------------
@shapes(y=(_flat_positive, "K"), p=(_distribution, "K"))
def jensen_log(y, p):
    """(log E[y], E[log y]) for y taking the values y_k > 0 with probabilities p_k: the first is
    never smaller (log is concave). y, p: (K,); p >= 0 sums to one."""
    return float(np.log(p @ y)), float(p @ np.log(y))


@shapes(mu_1=(_flat, "D"), cov_1=(_covariance, "D D"), mu_2=(_flat, "D"),
        cov_2=(_covariance, "D D"))
def kl_normal(mu_1, cov_1, mu_2, cov_2):
    """D_KL[Norm(mu_1, cov_1) || Norm(mu_2, cov_2)]
    = 0.5 (tr(cov_2^-1 cov_1) + (mu_2 - mu_1)^T cov_2^-1 (mu_2 - mu_1) - D + log|cov_2| - log|cov_1|).

    mu_1, mu_2: (D,); cov_1, cov_2: (D, D) positive definite (for D = 1 a scalar variance works).
    """
    (L1, logdet_1), (L2, logdet_2) = _cholesky(cov_1), _cholesky(cov_2)
    A = np.linalg.solve(L2, L1)  # L2^-1 L1, so tr(cov_2^-1 cov_1) = ||A||_F^2
    d = np.linalg.solve(L2, mu_2 - mu_1)  # (D,)
    return float(0.5 * ((A * A).sum() + d @ d - mu_1.shape[0] + logdet_2 - logdet_1))


@shapes(x="D_x | D_x I", f_z="D_x | D_x I", sigma2=_variances, mu="D_z | D_z I",
        sigma=(_positive, "D_z | D_z I"))
def elbo_estimate(x, f_z, sigma2, mu, sigma):
    """The VAE's one-sample ELBO: log Pr(x | z*) - D_KL[q(z | x) || Pr(z)], for each column.

    x, f_z: (D_x, I) data and decoder means f[z*, phi] at z* = mu + sigma eps; mu, sigma: (D_z, I)
    the encoder's q(z | x, theta) = Norm(mu, diag(sigma^2)); sigma2 > 0 the decoder's variance.
    Returns (I,), or a float when all are 1-D.
    """
    return log_normal(x, f_z, sigma2) - kl_normal_standard(mu, sigma)


@shapes(x="D_x", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0", mu_q=(_flat, "D_z"),
        sigma_q=(_flat_positive, "D_z"), eps=(_samples, "D_z S"), kl="one of closed sampled")
def elbo_samples_linear_gaussian(x, W, b, sigma2, mu_q, sigma_q, eps, kl="closed"):
    """S one-sample ELBO estimates for the linear-Gaussian model and q = Norm(mu_q, diag(sigma_q^2)).

    z_s = mu_q + sigma_q eps_s (eps (D_z, S)). kl="closed": log Pr(x | z_s) - D_KL[q || Pr(z)];
    kl="sampled": log Pr(x | z_s) + log Pr(z_s) - log q(z_s). Both average to the ELBO. Returns (S,).
    """
    z = reparameterize(mu_q[:, None], sigma_q[:, None], eps)  # (D_z, S): z_s = mu_q + sigma_q eps_s
    log_lik = log_normal(x[:, None], W @ z + b[:, None], sigma2)  # (S,): log Pr(x | z_s)
    if kl == "closed":
        return log_lik - kl_normal_standard(mu_q, sigma_q)
    log_prior = log_normal(z, np.zeros_like(z), 1.0)
    log_q = log_normal(z, mu_q[:, None], sigma_q[:, None] ** 2)
    return log_lik + log_prior - log_q


@shapes(x="D_x", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0", mu_q=(_flat, "D_z"),
        sigma_q=(_flat_positive, "D_z"), eps=(_samples, "D_z S"),
        estimator="one of reparam score")
def recon_grad_samples(x, W, b, sigma2, mu_q, sigma_q, eps, estimator="reparam"):
    """S one-sample estimates of d/d mu_q E_q[log Pr(x | z)], for the linear-Gaussian model.

    estimator="reparam": differentiate log Pr(x | mu_q + sigma_q eps) = W^T (x - W z - b) / sigma2;
    estimator="score": log Pr(x | z) d log q(z)/d mu_q = log Pr(x | z) (z - mu_q) / sigma_q^2,
    which needs no derivative of the decoder. Both average to ``recon_grad_linear_gaussian``,
    W^T (x - W mu_q - b) / sigma2. Returns (D_z, S).
    """
    z = reparameterize(mu_q[:, None], sigma_q[:, None], eps)  # (D_z, S)
    f_z = W @ z + b[:, None]  # (D_x, S)
    if estimator == "reparam":
        return W.T @ (x[:, None] - f_z) / sigma2  # the chain rule through z = mu_q + sigma_q eps
    log_lik = log_normal(x[:, None], f_z, sigma2)  # (S,)
    return log_lik[None, :] * (z - mu_q[:, None]) / sigma_q[:, None] ** 2  # times q's score


@shapes(x="D_x", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0", mu_q=(_flat, "D_z"))
def recon_grad_linear_gaussian(x, W, b, sigma2, mu_q):
    """d/d mu_q E_q[log Pr(x | z)] exactly, for the linear-Gaussian model and any
    q = Norm(mu_q, diag(sigma_q^2)): W^T (x - W mu_q - b) / sigma2, the same for every sigma_q
    (the expected log-likelihood is a quadratic in mu_q plus a term in sigma_q alone). (D_z,)."""
    return W.T @ (x - W @ mu_q - b) / sigma2


@shapes(x="D_x", z=(_grid, "J"), f_z="D_x J", sigma2="> 0", mu_q="...",
        sigma_q=(_positive, "..."), where=_broadcast("mu_q", "sigma_q"))
def elbo_grid(x, z, f_z, sigma2, mu_q, sigma_q):
    """ELBO for a 1-D latent by quadrature, for q = Norm(mu_q, sigma_q^2):
    int q(z) [log Pr(x | z) + log Pr(z)] dz + 0.5 log(2 pi e sigma_q^2) (the entropy of q).

    z (J,) an evenly spaced grid, f_z (D_x, J) the decoder there, x (D_x,) one point; mu_q and
    sigma_q broadcast against each other (e.g. a grid of candidates). Returns their shape.
    The grid must be finer than sigma_q and wide enough to hold q.
    """
    mu_q, sigma_q = np.broadcast_arrays(mu_q, sigma_q)
    log_q = -0.5 * ((z - mu_q[..., None]) / sigma_q[..., None]) ** 2  # (..., J) unnormalised
    w = softmax(log_q, axis=-1)  # q(z_j) dz, normalised on the grid
    entropy = 0.5 * np.log(2.0 * np.pi * np.e * sigma_q**2)
    return w @ _log_joint(x, z, f_z, sigma2) + entropy


# ------------------------------------------------------------------------------------------
# The linear-Gaussian model fitted to data (probabilistic PCA), and the VAE's decoder in NumPy
# ------------------------------------------------------------------------------------------
@shapes(x="D_x | D_x I", W="D_x D_z", b=(_flat, "D_x"), sigma2="> 0")
def linear_gaussian_encode(x, W, b, sigma2):
    """The exact encoder of the linear-Gaussian model: posterior means (D_z, I) of Pr(z | x) for
    every column of x (D_x, I), and the posterior covariance (D_z, D_z), the same for every x."""
    cov = np.linalg.inv(np.eye(W.shape[1]) + W.T @ W / sigma2)  # (D_z, D_z)
    mu = cov @ W.T @ (_as_columns(x) - b[:, None]) / sigma2  # (D_z, I)
    return (mu[:, 0] if x.ndim == 1 else mu), cov


def _data(value, name):
    """Data x (D_x, I) as columns, at least two points."""
    x = as_float_array(value, name)
    if x.ndim == 2 and x.shape[1] < 2:
        raise ShapeError(f"{name} has {x.shape[1]} data point(s); expected at least 2")
    return x


@shapes(x=(_data, "D_x I"), D_z="int >= 1", where=_latent_below_data)
def ppca_fit(x, D_z):
    """Maximum-likelihood linear-Gaussian model (probabilistic PCA, Tipping & Bishop 1999).

    x (D_x, I) data as columns. With S the covariance (divided by I) and its eigenvalues
    lambda_1 >= ... >= lambda_{D_x} and unit eigenvectors U: b = mean of x,
    sigma2 = mean of the discarded lambda_{D_z+1..D_x}, W = U_{:D_z} diag(lambda - sigma2)^{1/2}.
    Returns (W (D_x, D_z), b (D_x,), sigma2).
    """
    I = x.shape[1]
    b = x.mean(1)
    X = x - b[:, None]  # (D_x, I)
    lam, U = np.linalg.eigh(X @ X.T / I)  # ascending
    lam, U = lam[::-1], U[:, ::-1]
    sigma2 = float(lam[D_z:].mean())
    if sigma2 <= 0:  # a property of the data, found on the way
        raise ShapeError("the data lie in a D_z-dimensional subspace: sigma2 would be 0")
    W = U[:, :D_z] * np.sqrt(np.maximum(lam[:D_z] - sigma2, 0.0))  # (D_x, D_z)
    W = W * np.sign(W[np.abs(W).argmax(0), np.arange(D_z)])  # fix each column's sign
    return W, b, sigma2


@shapes(z="D_i I points", betas="net", omegas="net", output="one of sigmoid linear")
def decoder_mean(z, betas, omegas, output="sigmoid"):
    """The VAE decoder f[z, phi] in NumPy: a ReLU network (layers.forward) then sig[.] (pixels
    in [0, 1]) or nothing (output="linear"). z (D_z, I) or (D_z,); returns (D_x, I) or (D_x,)."""
    fs, _ = forward.__wrapped__(z, betas, omegas, relu)  # the contract checked z, betas, omegas
    return sigmoid(fs[-1]) if output == "sigmoid" else fs[-1]


@shapes(z_a="D_z", z_b="D_z", t="T")
def latent_path(z_a, z_b, t):
    """Points on the straight line from z_a to z_b in the latent space: z_t = (1 - t) z_a + t z_b
    for each t (T,) (t = 0 gives z_a, t = 1 gives z_b). z_a, z_b (D_z,); returns (D_z, T)."""
    return (1.0 - t) * z_a[:, None] + t * z_b[:, None]  # (D_z, T)
