"""Loss functions as negative log-likelihoods (chapter 02).

A probabilistic model predicts the parameters theta_i = f[x_i, phi] of a distribution
Pr(y | theta_i); training minimises the negative log-likelihood (NLL)

    L[phi] = -sum_i log Pr(y_i | f[x_i, phi]).

Conventions (the notes'): data points are columns, a net output f has shape (D_o, I), logits
for K classes have shape (K, I), labels have shape (I,). Losses are sums over data points.

Each public function states its arguments in a contract, ``@shapes(...)`` (dlcore.checks), so
its body is the maths. ``"I | D_o I"`` is one value per data point, (I,) or (D_o, I);
``"number | I | D_o I"`` also takes a single number (the empty shape ()), the same for every point.
The sigmoid is dlcore.layers'; least squares comes from dlcore.linear, ReLU features from
dlcore.features, and Adam and gradient descent from dlcore.optim.
"""

import numpy as np

from . import features, linear
from .checks import ShapeError, as_float_array, check_positive, shapes
from .layers import sigmoid
from .optim import run_adam, run_gd

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
    "line_nll_by_slope",
    "relu_features",
    "fit_homoscedastic",
    "heteroscedastic_loss_grad",
    "fit_heteroscedastic",
    "sigma_mle",
    "empirical_distribution",
    "toy_regression",
    "LOG_2PI",
    "one_hot",
    "softmax_cross_entropy_grad",
    "bernoulli_pmf",
    "categorical_pmf",
    "toy_classification",
    "bernoulli_loss_grad",
    "gd_step_size",
    "fit_bernoulli",
    "empirical_density",
    "gaussian_cross_entropy",
]

LOG_2PI = np.log(2.0 * np.pi)


# ------------------------------------------------------------------------------------------
# Checks the contract language cannot say in a shape (used as contracts, never in a body)
# ------------------------------------------------------------------------------------------
def _nonempty(value, name):
    """An array with at least one entry."""
    arr = as_float_array(value, name)
    if arr.size == 0:
        raise ShapeError(f"{name} has shape {arr.shape}; expected at least one entry")
    return arr


def _binary(value, name):
    """Binary labels, every entry 0 or 1."""
    y = as_float_array(value, name)
    if not np.all((y == 0) | (y == 1)):
        bad = float(y[(y != 0) & (y != 1)][0])
        raise ShapeError(f"{name} contains {bad:g}; expected binary labels 0 or 1")
    return y


def _finite(value, name):
    """Logits: finite numbers (no inf)."""
    f = as_float_array(value, name)
    if not np.all(np.isfinite(f)):
        raise ShapeError(f"{name} contains inf; expected finite logits")
    return f


def _nonzero(value, name):
    """A standard deviation that may be negative (only its square counts) but not 0."""
    f = as_float_array(value, name)
    if np.any(f == 0):
        raise ShapeError(f"{name} contains 0; the standard deviation {name} must be non-zero "
                         f"(sigma^2 = {name}^2 > 0)")
    return f


def _spread(value, name):
    """Inputs with at least two distinct values (a line through them is determined)."""
    x = as_float_array(value, name)
    if x.ndim == 1 and not np.any(x != x[:1]):
        raise ShapeError(f"{name} has {'a single distinct value' if x.size else 'no values'}; "
                         "a line needs at least two")
    return x


def _labels(value, name):
    """Class labels, one per data point (I,); a single label (an int) is a list of one."""
    y = as_float_array(value, name)
    return y.reshape(1) if y.ndim == 0 else y


def _probabilities(value, name):
    """Probabilities: every entry in [0, 1]."""
    p = as_float_array(value, name)
    if np.any(p < 0) or np.any(p > 1):
        bad = float(p[(p < 0) | (p > 1)][0])
        raise ShapeError(f"{name} contains {bad:g}; expected probabilities in [0, 1]")
    return p


def _distribution(value, name):
    """Probability vectors along axis 0, (K,) or (K, N): entries in [0, 1], each summing to 1."""
    p = as_float_array(value, name)
    if p.ndim not in (1, 2):
        return p  # the shape in the contract refuses it
    if p.shape[0] == 0:
        raise ShapeError(f"{name} has shape {p.shape}; expected at least one outcome")
    if np.any(p < 0) or np.any(p > 1):
        raise ShapeError(f"{name} has entries outside [0, 1]; expected probabilities")
    sums = p.sum(axis=0)
    if not np.allclose(sums, 1.0, atol=1e-6):
        raise ShapeError(f"{name} sums to {np.ravel(sums)[0]:.6g} along axis 0; expected 1")
    return p


# ------------------------------------------------------------------------------------------
# The squashing functions, written to be stable for |z| up to 1e4 and beyond. The logistic
# sigmoid sig[z] is dlcore.layers.sigmoid (one table of activations), imported above.
# ------------------------------------------------------------------------------------------
@shapes(z=_nonempty, axis="axis of z")
def logsumexp(z, axis=0):
    """log sum_k exp(z_k) along ``axis``, stably: m + log sum_k exp(z_k - m) with m = max_k z_k.

    z: any shape, e.g. logits (K, I). Returns that shape without ``axis`` (a 0-d array for 1-D z).
    """
    m = np.max(z, axis=axis, keepdims=True)  # (1, I) for z (K, I)
    m = np.where(np.isfinite(m), m, 0.0)  # all -inf (or an inf): nothing to shift by
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


@shapes(z="...", axis="axis of z")
def softmax(z, axis=0):
    """softmax_k[z] = exp(z_k) / sum_k' exp(z_k') along ``axis`` (the classes), stably.

    Subtracting m = max_k z_k from every logit leaves the ratio unchanged and keeps every
    exponent <= 0. z: logits, e.g. (K, I). Returns the same shape; each column sums to 1.
    """
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))  # every entry in (0, 1]
    return e / np.sum(e, axis=axis, keepdims=True)


# ------------------------------------------------------------------------------------------
# Regression: the normal distribution.
# ------------------------------------------------------------------------------------------
@shapes(y="number | I | D_o I", mu="number | I | D_o I", sigma=(check_positive, "number | I | D_o I"))
def normal_pdf(y, mu, sigma):
    """Norm_y[mu, sigma^2] = exp(-(y - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2), element-wise.

    y: a number, (I,) or (D_o, I); mu and sigma: the same shape or single numbers.
    Returns the shape of y (of mu or sigma if y is a number).
    """
    return np.exp(-((y - mu) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


@shapes(y="I | D_o I", mu="number | I | D_o I", sigma=(check_positive, "number | I | D_o I"))
def gaussian_nll(y, mu, sigma):
    """L = -sum_i log Norm_{y_i}[mu_i, sigma_i^2]
         = sum_i [ 0.5 log(2 pi sigma_i^2) + (y_i - mu_i)^2 / (2 sigma_i^2) ].

    y: targets (I,) or (D_o, I); mu: predicted means, y's shape (or one number);
    sigma: standard deviation, one number (homoscedastic) or y's shape (one per point).
    Returns a float.
    """
    var = sigma**2
    return float(np.sum(0.5 * (LOG_2PI + np.log(var)) + (y - mu) ** 2 / (2 * var)))


@shapes(y="I | D_o I", f="number | I | D_o I")
def least_squares(y, f):
    """L = sum_i (y_i - f_i)^2. y, f: the same shape (f may be one number). Returns a float."""
    return float(np.sum((y - f) ** 2))


@shapes(y="I | D_o I", f1="number | I | D_o I", f2=(_nonzero, "number | I | D_o I"))
def heteroscedastic_nll(y, f1, f2):
    """Gaussian NLL with mean mu = f1 and variance sigma^2 = f2^2 (the net's second output is
    a standard deviation, squared so that the variance is positive):

        L = sum_i [ 0.5 log(2 pi f2_i^2) + (y_i - f1_i)^2 / (2 f2_i^2) ].

    y, f1, f2: the same shape, e.g. (I,). f2 must be non-zero. Returns a float.
    """
    return gaussian_nll.__wrapped__(y, f1, np.abs(f2))  # sigma = |f2|


@shapes(y="number | I | D_o I", mu="number | I | D_o I", sigma=(check_positive, "number | I | D_o I"))
def likelihood_product(y, mu, sigma):
    """The likelihood prod_i Norm_{y_i}[mu_i, sigma^2], computed naively as a product.

    When most factors are < 1 it underflows to 0.0 in float64 once there are enough points
    (about a thousand for Norm[1, 0.5^2] data), which is why training uses the sum of logs. Returns a float.
    """
    return float(np.prod(normal_pdf.__wrapped__(y, mu, sigma)))


@shapes(y="I | D_o I", mu="number | I | D_o I", sigma=(check_positive, "number | I | D_o I"))
def log_likelihood_sum(y, mu, sigma):
    """sum_i log Norm_{y_i}[mu_i, sigma^2] = -gaussian_nll(y, mu, sigma): finite where the
    product underflows. Returns a float."""
    return -gaussian_nll.__wrapped__(y, mu, sigma)


@shapes(x=(_spread, "I"), y="I")
def fit_line(x, y):
    """Least-squares line f[x, phi] = phi_0 + phi_1 x: the maximum-likelihood fit for any fixed
    sigma. x, y: (I,). Returns (phi_0, phi_1) as floats."""
    phi_0, phi_1 = linear.least_squares(np.vstack([np.ones_like(x), x]), y)  # H = [1; x] (2, I)
    return float(phi_0), float(phi_1)


@shapes(x="I", y="I", slopes="S", sigma="> 0")
def line_nll_by_slope(x, y, slopes, sigma):
    """The Gaussian NLL of the line f[x, phi] = phi_0 + phi_1 x for each slope phi_1 in
    ``slopes``, with the offset at its best for that slope: dL/dphi_0 = 0 gives
    phi_0 = mean(y) - phi_1 mean(x). x, y: (I,); slopes: (S,). Returns (phi_0 (S,), L (S,))."""
    phi_0 = y.mean() - slopes * x.mean()  # (S,) the best offset for each slope
    f = phi_0[:, None] + slopes[:, None] * x[None, :]  # (S, I): one line per row
    return phi_0, np.array([gaussian_nll.__wrapped__(y, f_s, sigma) for f_s in f])


@shapes(y=(_nonempty, "I | D_o I"), f="number | I | D_o I")
def sigma_mle(y, f):
    """The standard deviation that minimises the Gaussian NLL for fixed means f:
    sigma_hat^2 = (1 / I) sum_i (y_i - f_i)^2 (set dL/dsigma = 0). Returns a float."""
    return float(np.sqrt(np.mean((y - f) ** 2)))


# ------------------------------------------------------------------------------------------
# Homo- and heteroscedastic regression with a shallow net whose hidden layer is fixed.
# ------------------------------------------------------------------------------------------
@shapes(x="I", D="int >= 0", x_min="number", x_max="number")
def relu_features(x, D, x_min=0.0, x_max=3.0):
    """The hidden layer of a 1-input shallow net with D ReLUs, h_d = a[x - t_d], joints t_d
    spread evenly over [x_min, x_max), and a row of ones for the offset phi_0.

    x: (I,). Returns h of shape (1 + D, I), so that a net output is f = phi @ h.
    """
    theta = features.joint_theta(features.even_joints(D, x_min, x_max))  # (D, 2): x - t_d
    return features.relu_features(x, theta)  # (1 + D, I): [1; a[x - t_d]]


@shapes(x="I", y="I", D="int >= 0")
def fit_homoscedastic(x, y, D=10):
    """Maximum likelihood for mu = f[x, phi] = phi @ h and one sigma for every x.

    The mean is the least-squares fit (closed form, whatever sigma is); then sigma is
    sigma_mle of the residuals. x, y: (I,). Returns (phi (1 + D,), sigma float).
    """
    h = relu_features(x, D)  # (1 + D, I)
    phi = linear.least_squares(h, y)  # argmin sum (y - phi @ h)^2
    return phi, sigma_mle(y, phi @ h)


@shapes(phi="2 1+D", h="1+D I", y="I")
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
    L = heteroscedastic_nll.__wrapped__(y, f1, f2)  # unchecked: Adam calls this 1000s of times
    r, var = y - f1, f2**2
    dL_df = np.stack([-r / var, 1.0 / f2 - r**2 / (f2 * var)])  # (2, I)
    return L, dL_df @ h.T  # (2, 1 + D)


@shapes(x="I", y="I", D="int >= 0", steps="int >= 1", alpha="> 0")
def fit_heteroscedastic(x, y, D=10, steps=3000, alpha=0.01):
    """Maximum likelihood for mu = f1[x, phi] and sigma^2 = f2[x, phi]^2 (fixed hidden layer).

    Starts from the homoscedastic fit (f1 = least squares, f2 = sigma everywhere) and runs
    ``steps`` steps of Adam (chapter 03, dlcore.optim) with step size ``alpha`` on the NLL.
    x, y: (I,). Returns (phi (2, 1 + D), losses (steps,)), losses[t] the NLL at step t.
    """
    h = relu_features(x, D)  # (1 + D, I)
    phi_mu, sigma = fit_homoscedastic(x, y, D)
    phi = np.stack([phi_mu, np.r_[sigma, np.zeros(D)]])  # (2, 1 + D)

    def dL_dphi(flat):  # Adam runs on the flat vector (2 (1 + D),) of phi's entries
        return heteroscedastic_loss_grad.__wrapped__(flat.reshape(2, -1), h, y)[1].ravel()

    path = run_adam(dL_dphi, phi.ravel(), steps, alpha=alpha).reshape(steps + 1, 2, -1)
    losses = np.array([heteroscedastic_nll.__wrapped__(y, *(p @ h)) for p in path[:-1]])
    return path[-1], losses


# ------------------------------------------------------------------------------------------
# Classification: Bernoulli and categorical.
# ------------------------------------------------------------------------------------------
@shapes(y=(_binary, "I | D_o I"), f=(_finite, "number | I | D_o I"))
def bernoulli_nll(y, f):
    """Binary cross-entropy of labels y in {0, 1} given logits f, with lambda = sig[f]:

        L = sum_i -(1 - y_i) log(1 - sig[f_i]) - y_i log sig[f_i]
          = sum_i softplus(f_i) - y_i f_i,      softplus(f) = log(1 + exp(f)),

    using log sig[f] = -softplus(-f) and log(1 - sig[f]) = -softplus(f). softplus is written
    max(f, 0) + log(1 + exp(-|f|)), finite for any finite f. y, f: the same shape. Returns a float.
    """
    softplus = np.maximum(f, 0.0) + np.log1p(np.exp(-np.abs(f)))  # log(1 + e^f), stable
    return float(np.sum(softplus - y * f))


@shapes(y=(_labels, "I"), f=(_finite, "K I points"))
def categorical_nll(y, f):
    """Multiclass cross-entropy: L = -sum_i log softmax_{y_i}[f_i]
                                   = sum_i [ log sum_k exp(f_{k i}) - f_{y_i, i} ].

    y: labels (I,) in 0..K-1; f: logits (K, I). (One point: y an int and f (K,).) Returns a float.
    """
    Y = one_hot(y, f.shape[0])  # (K, I): 1 at (y_i, i), so sum_k Y_ki f_ki = f_{y_i, i}
    return float(np.sum(logsumexp(f, axis=0) - np.sum(Y * f, axis=0)))


@shapes(f=(_finite, "K I points"), y=(_labels, "labels I < K"))
def softmax_cross_entropy_grad(f, y):
    """The gradient of the cross-entropy L = categorical_nll(y, f) with respect to the logits:

        dL/df_{ki} = softmax_k[f_i] - [y_i = k],   i.e.  dL/df = softmax[f] - one_hot(y),

    the predicted probabilities minus the one-hot labels (each column sums to 0).
    f: logits (K, I); y: labels (I,) in 0..K-1. (One point: f (K,) and y an int.) Returns (K, I).
    """
    return softmax(f, axis=0) - one_hot(y, f.shape[0])  # (K, I)


@shapes(y=(_binary, "I | D_o I"), lam=(_probabilities, "number | I | D_o I"))
def bernoulli_pmf(y, lam):
    """Pr(y | lambda) = (1 - lambda)^(1 - y) lambda^y: lambda where y = 1, 1 - lambda where y = 0.

    y: labels in {0, 1}, (I,) or (D_o, I); lam: Pr(y = 1), y's shape or one number.
    Returns the probability of each label, y's shape.
    """
    return (1 - lam) ** (1 - y) * lam**y


@shapes(y=(_labels, "I"), lam=(_distribution, "K I points"))
def categorical_pmf(y, lam):
    """Pr(y_i | lambda_i) = lambda_{y_i, i}: the probability column i gives to its label.

    y: labels (I,) in 0..K-1; lam: one probability vector per column, (K, I), e.g. softmax[f].
    (One point: y an int and lam (K,).) Returns (I,).
    """
    Y = one_hot(y, lam.shape[0])  # (K, I): 1 at (y_i, i)
    return np.sum(Y * lam, axis=0)  # (I,): picks lambda_{y_i, i}


# ------------------------------------------------------------------------------------------
# Distributions as probability vectors: entropy, cross-entropy, KL divergence.
# ------------------------------------------------------------------------------------------
def _result(total):
    return float(total) if np.ndim(total) == 0 else total


@shapes(q=(_distribution, "K | K N"))
def entropy(q):
    """H[q] = -sum_k q_k log q_k (nats), with 0 log 0 = 0. q: (K,) or (K, N) -> float or (N,)."""
    with np.errstate(divide="ignore"):
        terms = np.where(q > 0, -q * np.log(np.where(q > 0, q, 1.0)), 0.0)
    return _result(terms.sum(axis=0))


@shapes(q=(_distribution, "K | K N"), p=(_distribution, "K | K N"))
def cross_entropy(q, p):
    """H[q, p] = -sum_k q_k log p_k (nats); terms with q_k = 0 count 0; inf if some q_k > 0 has
    p_k = 0. q, p: probability vectors along axis 0, (K,) or (K, N). Returns a float or (N,)."""
    with np.errstate(divide="ignore"):
        terms = np.where(q > 0, -q * np.log(np.where(q > 0, p, 1.0)), 0.0)
    return _result(terms.sum(axis=0))


@shapes(q=(_distribution, "K | K N"), p=(_distribution, "K | K N"))
def kl_divergence(q, p):
    """D_KL[q || p] = sum_k q_k log(q_k / p_k) = H[q, p] - H[q] >= 0, zero only when p = q.

    q, p: probability vectors along axis 0, (K,) or (K, N). Returns a float or (N,)."""
    with np.errstate(divide="ignore"):
        ratio = np.where(q > 0, q / np.where(q > 0, p, 1.0), 1.0)
        terms = np.where(q > 0, q * np.log(ratio), 0.0)
    return _result(terms.sum(axis=0))


@shapes(y=(_nonempty, "labels I < K"), K="int >= 1")
def empirical_distribution(y, K):
    """q(y = k) = (1 / I) sum_i [y_i = k]: the fraction of labels equal to each class.

    y: labels (I,) in 0..K-1. Returns (K,)."""
    return np.bincount(y, minlength=K) / y.size


# ------------------------------------------------------------------------------------------
# Data for the chapter's figures.
# ------------------------------------------------------------------------------------------
@shapes(I="int >= 1", rng="rng", noise="one of homoscedastic heteroscedastic")
def toy_regression(I, rng, noise="homoscedastic"):
    """I noisy samples of mu(x) = sin(2 x) + 0.4 x on x in [0, 3].

    noise: "homoscedastic" (sigma = 0.25 everywhere) or "heteroscedastic" (sigma(x) = 0.03 +
    0.25 x, growing with x). Returns (x (I,) sorted, y (I,), mu (I,), sigma (I,)) where mu and
    sigma are the true mean and standard deviation at each x.
    """
    x = np.sort(rng.uniform(0.0, 3.0, I))
    mu = np.sin(2 * x) + 0.4 * x
    sigma = np.full(I, 0.25) if noise == "homoscedastic" else 0.03 + 0.25 * x
    y = mu + sigma * rng.standard_normal(I)
    return x, y, mu, sigma


# ------------------------------------------------------------------------------------------
# A binary classifier fitted to data: logits f = phi @ h from fixed ReLU features.
# ------------------------------------------------------------------------------------------
@shapes(I="int >= 1", rng="rng")
def toy_classification(I, rng):
    """I points x uniform on [0, 3] with binary labels y ~ Bernoulli[lambda(x)], where the true
    Pr(y = 1 | x) is lambda(x) = sig[4 sin(2 x) - 1]: high near x = 0.8, low near x = 2.4.

    Returns (x (I,) sorted, y (I,) of 0.0/1.0, lam (I,) the true lambda at each x).
    """
    x = np.sort(rng.uniform(0.0, 3.0, I))
    lam = sigmoid(4.0 * np.sin(2.0 * x) - 1.0)
    y = (rng.uniform(size=I) < lam).astype(np.float64)  # 1 with probability lambda(x)
    return x, y, lam


@shapes(phi="1+D", h="1+D I", y=(_binary, "I"))
def bernoulli_loss_grad(phi, h, y):
    """Binary cross-entropy and its gradient for the logits f = phi @ h (a linear output layer
    on features h):

        L        = sum_i softplus(f_i) - y_i f_i
        dL/df_i  = sig[f_i] - y_i                  (probability minus label)
        dL/dphi  = sum_i (sig[f_i] - y_i) h_i = (sig[f] - y) @ h^T

    phi: (1 + D,); h: (1 + D, I); y: (I,) of 0/1. Returns (L float, grad (1 + D,)).
    """
    f = phi @ h  # (I,) logits
    return bernoulli_nll.__wrapped__(y, f), (sigmoid(f) - y) @ h.T


@shapes(h="P I")
def gd_step_size(h):
    """A step size that makes every gradient-descent step lower the binary cross-entropy of
    f = phi @ h: alpha = 4 / lambda_max(h h^T).

    The curvature (Hessian) of L is h diag(lambda (1 - lambda)) h^T, at most h h^T / 4 because
    lambda (1 - lambda) <= 1/4; a step below 2 / (largest curvature) always descends (chapter 03).
    h: (P, I). Returns a float.
    """
    return float(4.0 / np.linalg.eigvalsh(h @ h.T)[-1])  # eigvalsh sorts ascending


@shapes(x="I", y=(_binary, "I"), D="int >= 1", steps="int >= 1", alpha="> 0")
def fit_bernoulli(x, y, D=8, steps=2000, alpha=None):
    """Fit lambda(x) = sig[phi @ h(x)] by gradient descent on the binary cross-entropy, with h
    the D fixed ReLU features of ``relu_features`` (joints spread over [0, 3)). With D = 1 the
    only joint is at 0, so h = [1; x] and the model is logistic regression on x.

    Starts from phi = 0 (lambda = 0.5 everywhere) and takes ``steps`` steps of
    phi <- phi - alpha dL/dphi (dlcore.optim.run_gd); alpha defaults to ``gd_step_size(h)``.
    x, y: (I,). Returns (path (steps + 1, 1 + D), row t = phi_t; losses (steps + 1,), L[phi_t]).
    """
    h = relu_features(x, D)  # (1 + D, I)
    alpha = gd_step_size(h) if alpha is None else alpha

    def dL_dphi(phi):
        return bernoulli_loss_grad.__wrapped__(phi, h, y)[1]

    path = run_gd(dL_dphi, np.zeros(1 + D), alpha, steps)  # (steps + 1, 1 + D)
    losses = np.array([bernoulli_nll.__wrapped__(y, phi @ h) for phi in path])
    return path, losses


# ------------------------------------------------------------------------------------------
# Cross-entropy for a real-valued y: the empirical distribution as spikes.
# ------------------------------------------------------------------------------------------
@shapes(u="U", y="I", eps="> 0")
def empirical_density(u, y, eps):
    """The empirical distribution q(u) = (1 / I) sum_i delta[u - y_i], with each Dirac spike
    widened into a narrow normal of standard deviation eps so that it can be drawn and
    integrated on a grid: q_eps(u) = (1 / I) sum_i Norm_u[y_i, eps^2] -> q(u) as eps -> 0.

    u: grid (U,); y: data (I,). Returns q_eps on the grid (U,); it integrates to 1.
    """
    spikes = normal_pdf.__wrapped__(u[:, None], y[None, :], eps)  # (U, I): one bump per y_i
    return spikes.mean(axis=1)  # (U,)


@shapes(u="U", q="U", mu="number", sigma="> 0")
def gaussian_cross_entropy(u, q, mu, sigma):
    """H[q, Norm[mu, sigma^2]] = -integral q(u) log Norm_u[mu, sigma^2] du, by the trapezoid rule
    on the grid u (q given on the same grid, e.g. ``empirical_density``).

    log Norm_u[mu, sigma^2] = -0.5 log(2 pi sigma^2) - (u - mu)^2 / (2 sigma^2), written out so
    that it stays finite far from mu. u, q: (U,). Returns a float (nats).
    """
    log_p = -0.5 * (LOG_2PI + np.log(sigma**2)) - (u - mu) ** 2 / (2 * sigma**2)  # (U,)
    return float(-np.trapezoid(q * log_p, u))


@shapes(y="labels I < K", K="int >= 1")
def one_hot(y, K):
    """Class labels y (I,) in 0..K-1 as one-hot columns: Y[k, i] = 1 if y_i = k, else 0. (K, I)."""
    Y = np.zeros((K, y.size))
    Y[y, np.arange(y.size)] = 1.0
    return Y
