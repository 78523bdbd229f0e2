"""Loss functions as negative log-likelihoods (chapter 02).

A probabilistic model predicts the parameters theta_i = f[x_i, phi] of a distribution
Pr(y | theta_i); training minimises the negative log-likelihood (NLL)

    L[phi] = -sum_i log Pr(y_i | f[x_i, phi]).

Conventions (the notes'): data points are columns, a net output f has shape (D_o, I), logits
for K classes have shape (K, I), labels have shape (I,). Losses are sums over data points.
"""

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    check_int,
    check_labels,
    check_ndim,
    check_positive,
    check_rng,
    check_shape,
    shapes,
)

__all__ = [
    "sigmoid",
    "softmax",
    "logsumexp",
    "gaussian_nll",
    "least_squares",
    "bernoulli_nll",
    "categorical_nll",
    "cross_entropy",
    "kl_divergence",
    "entropy",
    "normal_pdf",
    "likelihood_product",
    "log_likelihood_sum",
    "heteroscedastic_nll",
    "fit_line",
    "relu_features",
    "fit_homoscedastic",
    "heteroscedastic_loss_grad",
    "fit_heteroscedastic",
    "sigma_mle",
    "empirical_distribution",
    "toy_regression",
    "LOG_2PI",
    "one_hot",
]

LOG_2PI = np.log(2.0 * np.pi)


def _check_axis(axis, arr, name):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise InputTypeError(f"axis must be an integer; got {axis!r}")
    if arr.ndim == 0 or not -arr.ndim <= axis < arr.ndim:
        raise ShapeError(f"axis={axis} is out of range for {name} of shape {arr.shape}")
    return int(axis)


def _same_shape(a, a_name, b, b_name):
    """Broadcast b (e.g. a scalar) to a's shape; reject anything that would change a's shape.

    A row (1, I) and a flat (I,) of the same points are accepted as the same shape.
    """
    if b.shape != a.shape and b.size == a.size and np.squeeze(b).shape == np.squeeze(a).shape:
        return b.reshape(a.shape)  # (1, I) <-> (I,)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        shape = None
    if shape != a.shape:
        raise ShapeError(f"{b_name} has shape {b.shape}; expected {a.shape} to match {a_name} "
                         "(or a single number)")
    return np.broadcast_to(b, a.shape)


# ------------------------------------------------------------------------------------------
# The three squashing functions, written to be stable for |z| up to 1e4 and beyond.
# ------------------------------------------------------------------------------------------
def sigmoid(z):
    """Logistic sigmoid sig[z] = 1 / (1 + exp(-z)), element-wise; any shape in, same out.

    Written with exp(-|z|) <= 1 so that no exp overflows: for z < 0 we use the equal form
    exp(z) / (1 + exp(z)).
    """
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logsumexp(z, axis=0):
    """log sum_k exp(z_k) along ``axis``, stably: m + log sum_k exp(z_k - m) with m = max_k z_k.

    z: any shape, e.g. logits (K, I). Returns that shape without ``axis`` (a 0-d array for 1-D z).
    """
    z = as_float_array(z, "z")
    axis = _check_axis(axis, z, "z")
    if z.shape[axis] == 0:
        raise ShapeError(f"z has shape {z.shape}; expected at least one entry along axis {axis}")
    m = np.max(z, axis=axis, keepdims=True)  # (1, I) for z (K, I)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or an inf): nothing to shift by
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def softmax(z, axis=0):
    """softmax_k[z] = exp(z_k) / sum_k' exp(z_k') along ``axis`` (the classes), stably.

    Subtracting m = max_k z_k from every logit leaves the ratio unchanged and keeps every
    exponent <= 0. z: logits, e.g. (K, I). Returns the same shape; each column sums to 1.
    """
    z = as_float_array(z, "z")
    axis = _check_axis(axis, z, "z")
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))  # every entry in (0, 1]
    return e / np.sum(e, axis=axis, keepdims=True)


# ------------------------------------------------------------------------------------------
# Regression: the normal distribution.
# ------------------------------------------------------------------------------------------
def normal_pdf(y, mu, sigma):
    """Norm_y[mu, sigma^2] = exp(-(y - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2), element-wise.

    y: any shape; mu and sigma: the same shape or single numbers. Returns y's shape.
    """
    y = as_float_array(y, "y")
    mu = _same_shape(y, "y", as_float_array(mu, "mu"), "mu")
    sigma = _same_shape(y, "y", check_positive(sigma, "sigma"), "sigma")
    return np.exp(-((y - mu) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


def gaussian_nll(y, mu, sigma):
    """L = -sum_i log Norm_{y_i}[mu_i, sigma_i^2]
         = sum_i [ 0.5 log(2 pi sigma_i^2) + (y_i - mu_i)^2 / (2 sigma_i^2) ].

    y: targets, any shape (e.g. (D_o, I) or (I,)); mu: predicted means, y's shape (or one number);
    sigma: standard deviation, one number (homoscedastic) or y's shape (one per point).
    Returns a float.
    """
    y = as_float_array(y, "y")
    mu = _same_shape(y, "y", as_float_array(mu, "mu"), "mu")
    sigma = _same_shape(y, "y", check_positive(sigma, "sigma"), "sigma")
    var = sigma**2
    return float(np.sum(0.5 * (LOG_2PI + np.log(var)) + (y - mu) ** 2 / (2 * var)))


def least_squares(y, f):
    """L = sum_i (y_i - f_i)^2. y, f: the same shape (f may be one number). Returns a float."""
    y = as_float_array(y, "y")
    f = _same_shape(y, "y", as_float_array(f, "f"), "f")
    return float(np.sum((y - f) ** 2))


def heteroscedastic_nll(y, f1, f2):
    """Gaussian NLL with mean mu = f1 and variance sigma^2 = f2^2 (the net's second output is
    a standard deviation, squared so that the variance is positive):

        L = sum_i [ 0.5 log(2 pi f2_i^2) + (y_i - f1_i)^2 / (2 f2_i^2) ].

    y, f1, f2: the same shape, e.g. (I,). f2 must be non-zero. Returns a float.
    """
    y = as_float_array(y, "y")
    f2 = _same_shape(y, "y", as_float_array(f2, "f2"), "f2")
    if np.any(f2 == 0):
        raise ShapeError("f2 contains 0; the standard deviation f2 must be non-zero "
                         "(sigma^2 = f2^2 > 0)")
    return gaussian_nll(y, f1, np.abs(f2))


def likelihood_product(y, mu, sigma):
    """The likelihood prod_i Norm_{y_i}[mu_i, sigma^2], computed naively as a product.

    When most factors are < 1 it underflows to 0.0 in float64 once there are enough points
    (about a thousand for Norm[1, 0.5^2] data), which is why training uses the sum of logs. Returns a float.
    """
    return float(np.prod(normal_pdf(y, mu, sigma)))


def log_likelihood_sum(y, mu, sigma):
    """sum_i log Norm_{y_i}[mu_i, sigma^2] = -gaussian_nll(y, mu, sigma): finite where the
    product underflows. Returns a float."""
    return -gaussian_nll(y, mu, sigma)


def fit_line(x, y):
    """Least-squares line f[x, phi] = phi_0 + phi_1 x: the maximum-likelihood fit for any fixed
    sigma. x, y: (I,). Returns (phi_0, phi_1) as floats (closed form of the normal equations)."""
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(I,) inputs")
    y = check_ndim(as_float_array(y, "y"), "y", (1,), "(I,) targets")
    if x.shape != y.shape or x.size < 2:
        raise ShapeError(f"y has shape {y.shape}; expected {x.shape} to match x "
                         "(at least 2 points)")
    dx = x - x.mean()
    if not np.any(dx):
        raise ShapeError("x has a single distinct value; a line needs at least two")
    phi_1 = float(np.sum(dx * (y - y.mean())) / np.sum(dx**2))
    phi_0 = float(y.mean() - phi_1 * x.mean())
    return phi_0, phi_1


def sigma_mle(y, f):
    """The standard deviation that minimises the Gaussian NLL for fixed means f:
    sigma_hat^2 = (1 / I) sum_i (y_i - f_i)^2 (set dL/dsigma = 0). Returns a float."""
    y = as_float_array(y, "y")
    f = _same_shape(y, "y", as_float_array(f, "f"), "f")
    if y.size == 0:
        raise ShapeError("y is empty; expected at least one data point")
    return float(np.sqrt(np.mean((y - f) ** 2)))


# ------------------------------------------------------------------------------------------
# Homo- and heteroscedastic regression with a shallow net whose hidden layer is fixed.
# ------------------------------------------------------------------------------------------
def relu_features(x, D, x_min=0.0, x_max=3.0):
    """The hidden layer of a 1-input shallow net with D ReLUs, h_d = a[x - t_d], joints t_d
    spread evenly over [x_min, x_max), and a row of ones for the offset phi_0.

    x: (I,). Returns h of shape (1 + D, I), so that a net output is f = phi @ h.
    """
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(I,) inputs")
    D = check_int(D, "D", 0)
    joints = x_min + (x_max - x_min) * np.arange(D) / max(D, 1)  # (D,)
    h = np.maximum(x[None, :] - joints[:, None], 0.0)  # (D, I)
    return np.vstack([np.ones_like(x)[None, :], h])  # (1 + D, I)


def fit_homoscedastic(x, y, D=10):
    """Maximum likelihood for mu = f[x, phi] = phi @ h and one sigma for every x.

    The mean is the least-squares fit (closed form, whatever sigma is); then sigma is
    sigma_mle of the residuals. x, y: (I,). Returns (phi (1 + D,), sigma float).
    """
    h = relu_features(x, D)  # (1 + D, I)
    y = check_shape(as_float_array(y, "y"), "y", (h.shape[1],), "(I,) targets, one per x")
    phi, *_ = np.linalg.lstsq(h.T, y, rcond=None)  # argmin sum (y - phi @ h)^2
    return phi, sigma_mle(y, phi @ h)


def heteroscedastic_loss_grad(phi, h, y):
    """NLL and gradient for a net with two outputs: f1 = phi[0] @ h (the mean) and
    f2 = phi[1] @ h (the standard deviation; sigma^2 = f2^2).

        L       = sum_i 0.5 log(2 pi f2_i^2) + (y_i - f1_i)^2 / (2 f2_i^2)
        dL/df1  = (f1 - y) / f2^2
        dL/df2  = 1 / f2 - (y - f1)^2 / f2^3
        dL/dphi = [dL/df1; dL/df2] @ h^T           (chain rule through f = phi @ h)

    phi: (2, 1 + D); h: (1 + D, I); y: (I,). Returns (L float, grad (2, 1 + D)).
    """
    f1, f2 = phi @ h  # each (I,)
    r = y - f1
    var = f2**2
    L = float(np.sum(0.5 * (LOG_2PI + np.log(var)) + r**2 / (2 * var)))
    dL_df = np.stack([-r / var, 1.0 / f2 - r**2 / (f2 * var)])  # (2, I)
    return L, dL_df @ h.T  # (2, 1 + D)


def fit_heteroscedastic(x, y, D=10, steps=3000, alpha=0.01):
    """Maximum likelihood for mu = f1[x, phi] and sigma^2 = f2[x, phi]^2 (fixed hidden layer).

    Starts from the homoscedastic fit (f1 = least squares, f2 = sigma everywhere) and runs
    ``steps`` steps of Adam (chapter 03) with step size ``alpha`` on the NLL.
    x, y: (I,). Returns (phi (2, 1 + D), losses (steps,)).
    """
    steps = check_int(steps, "steps", 1)
    h = relu_features(x, D)  # (1 + D, I)
    phi_mu, sigma = fit_homoscedastic(x, y, D)
    y = as_float_array(y, "y")
    phi = np.stack([phi_mu, np.r_[sigma, np.zeros(h.shape[0] - 1)]])  # (2, 1 + D)
    m, v = np.zeros_like(phi), np.zeros_like(phi)
    losses = np.empty(steps)
    for t in range(steps):
        losses[t], grad = heteroscedastic_loss_grad(phi, h, y)
        m = 0.9 * m + 0.1 * grad  # Adam: running mean of the gradient ...
        v = 0.999 * v + 0.001 * grad**2  # ... and of its square
        m_hat, v_hat = m / (1 - 0.9 ** (t + 1)), v / (1 - 0.999 ** (t + 1))
        phi = phi - alpha * m_hat / (np.sqrt(v_hat) + 1e-8)
    return phi, losses


# ------------------------------------------------------------------------------------------
# Classification: Bernoulli and categorical.
# ------------------------------------------------------------------------------------------
def bernoulli_nll(y, f):
    """Binary cross-entropy of labels y in {0, 1} given logits f, with lambda = sig[f]:

        L = sum_i -(1 - y_i) log(1 - sig[f_i]) - y_i log sig[f_i]
          = sum_i softplus(f_i) - y_i f_i,      softplus(f) = log(1 + exp(f)),

    using log sig[f] = -softplus(-f) and log(1 - sig[f]) = -softplus(f). softplus is written
    max(f, 0) + log(1 + exp(-|f|)), finite for any finite f. y, f: the same shape. Returns a float.
    """
    y = as_float_array(y, "y")
    f = _same_shape(y, "y", as_float_array(f, "f"), "f")
    if not np.all((y == 0) | (y == 1)):
        bad = float(y[(y != 0) & (y != 1)][0])
        raise ShapeError(f"y contains {bad:g}; expected binary labels 0 or 1")
    if not np.all(np.isfinite(f)):
        raise ShapeError("f contains inf; expected finite logits")
    softplus = np.maximum(f, 0.0) + np.log1p(np.exp(-np.abs(f)))  # log(1 + e^f), stable
    return float(np.sum(softplus - y * f))


def categorical_nll(y, f):
    """Multiclass cross-entropy: L = -sum_i log softmax_{y_i}[f_i]
                                   = sum_i [ log sum_k exp(f_{k i}) - f_{y_i, i} ].

    y: labels (I,) in 0..K-1; f: logits (K, I). (One point: y an int and f (K,).) Returns a float.
    """
    f = as_float_array(f, "f")
    if f.ndim == 1:  # one point
        f = f[:, None]  # (K,) -> (K, 1)
        y = np.atleast_1d(np.asarray(y))
    check_ndim(f, "f", (2,), "(K, I) of logits, one column per data point")
    if not np.all(np.isfinite(f)):
        raise ShapeError("f contains inf; expected finite logits")
    K, I = f.shape
    y = check_labels(y, "y", K, I)
    picked = f[y, np.arange(I)]  # (I,): f_{y_i, i}
    return float(np.sum(logsumexp(f, axis=0) - picked))


# ------------------------------------------------------------------------------------------
# Distributions as probability vectors: entropy, cross-entropy, KL divergence.
# ------------------------------------------------------------------------------------------
def _check_distribution(p, name):
    p = as_float_array(p, name)
    check_ndim(p, name, (1, 2), "(K,) or (K, N): probability vectors along axis 0")
    if p.shape[0] == 0:
        raise ShapeError(f"{name} has shape {p.shape}; expected at least one outcome")
    if np.any(p < 0) or np.any(p > 1):
        raise ShapeError(f"{name} has entries outside [0, 1]; expected probabilities")
    sums = p.sum(axis=0)
    if not np.allclose(sums, 1.0, atol=1e-6):
        raise ShapeError(f"{name} sums to {np.ravel(sums)[0]:.6g} along axis 0; expected 1")
    return p


def _result(total):
    return float(total) if np.ndim(total) == 0 else total


def entropy(q):
    """H[q] = -sum_k q_k log q_k (nats), with 0 log 0 = 0. q: (K,) or (K, N) -> float or (N,)."""
    q = _check_distribution(q, "q")
    with np.errstate(divide="ignore"):
        terms = np.where(q > 0, -q * np.log(np.where(q > 0, q, 1.0)), 0.0)
    return _result(terms.sum(axis=0))


def cross_entropy(q, p):
    """H[q, p] = -sum_k q_k log p_k (nats); terms with q_k = 0 count 0; inf if some q_k > 0 has
    p_k = 0. q, p: probability vectors along axis 0, (K,) or (K, N). Returns a float or (N,)."""
    q = _check_distribution(q, "q")
    p = _check_distribution(p, "p")
    if p.shape != q.shape:
        raise ShapeError(f"p has shape {p.shape}; expected {q.shape} to match q")
    with np.errstate(divide="ignore"):
        terms = np.where(q > 0, -q * np.log(np.where(q > 0, p, 1.0)), 0.0)
    return _result(terms.sum(axis=0))


def kl_divergence(q, p):
    """D_KL[q || p] = sum_k q_k log(q_k / p_k) = H[q, p] - H[q] >= 0, zero only when p = q.

    q, p: probability vectors along axis 0, (K,) or (K, N). Returns a float or (N,)."""
    q = _check_distribution(q, "q")
    p = _check_distribution(p, "p")
    if p.shape != q.shape:
        raise ShapeError(f"p has shape {p.shape}; expected {q.shape} to match q")
    with np.errstate(divide="ignore"):
        ratio = np.where(q > 0, q / np.where(q > 0, p, 1.0), 1.0)
        terms = np.where(q > 0, q * np.log(ratio), 0.0)
    return _result(terms.sum(axis=0))


def empirical_distribution(y, K):
    """q(y = k) = (1 / I) sum_i [y_i = k]: the fraction of labels equal to each class.

    y: labels (I,) in 0..K-1. Returns (K,)."""
    K = check_int(K, "K", 1)
    y = check_labels(y, "y", K)
    if y.size == 0:
        raise ShapeError("y is empty; expected at least one label")
    return np.bincount(y, minlength=K) / y.size


# ------------------------------------------------------------------------------------------
# Data for the chapter's figures.
# ------------------------------------------------------------------------------------------
def toy_regression(I, rng, noise="homoscedastic"):
    """I noisy samples of mu(x) = sin(2 x) + 0.4 x on x in [0, 3].

    noise: "homoscedastic" (sigma = 0.25 everywhere) or "heteroscedastic" (sigma(x) = 0.03 +
    0.25 x, growing with x). Returns (x (I,) sorted, y (I,), mu (I,), sigma (I,)) where mu and
    sigma are the true mean and standard deviation at each x.
    """
    I = check_int(I, "I", 1)
    check_rng(rng)
    if noise not in ("homoscedastic", "heteroscedastic"):
        raise ShapeError(f"noise is {noise!r}; expected 'homoscedastic' or 'heteroscedastic'")
    x = np.sort(rng.uniform(0.0, 3.0, I))
    mu = np.sin(2 * x) + 0.4 * x
    sigma = np.full(I, 0.25) if noise == "homoscedastic" else 0.03 + 0.25 * x
    y = mu + sigma * rng.standard_normal(I)
    return x, y, mu, sigma


@shapes(y="labels I < K", K="int >= 1")
def one_hot(y, K):
    """Class labels y (I,) in 0..K-1 as one-hot columns: Y[k, i] = 1 if y_i = k, else 0. (K, I)."""
    Y = np.zeros((K, y.size))
    Y[y, np.arange(y.size)] = 1.0
    return Y
