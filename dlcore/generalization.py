"""Generalisation (chapter 06): noise, bias and variance, and the fits that show them.

The 1-D toy problem: inputs x in [0, 1], targets y = mu[x] + sigma eps with eps ~ Norm(0, 1).
The model is a shallow ReLU net whose hidden layer is fixed, h = a[beta + Omega x], so only the
output weights phi are fitted, by (minimum-norm) least squares. With the notes' convention the
data points are columns: the hidden layer with a row of ones on top, ``H = [1; h]``, has shape
(1 + D, I) and the net's output is ``f = phi H`` with phi (D_o, 1 + D).

The regularisers of chapter 07 are defined in ``dlcore.regularization`` and re-exported here,
as the public API (fixed for outside checks) promises.
"""

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    check_int,
    check_ndim,
    check_positive,
    check_rng,
)
from .regularization import dropout, gd_modified_loss, l2_penalty

__all__ = [
    "bias_variance",
    "l2_penalty",
    "gd_modified_loss",
    "dropout",
    "true_function",
    "sample_uniform",
    "sample_grid",
    "joint_params",
    "relu_features",
    "fit_min_norm",
    "shallow_fitter",
    "fit_predictions",
    "decompose",
    "null_space",
    "capacity_curve",
]


# ------------------------------------------------------------------------------------------
# The 1-D toy problem
# ------------------------------------------------------------------------------------------
def true_function(x):
    """The toy problem's true mean mu[x] = E_y[y | x] = exp(sin(2 pi x)). Any shape in and out."""
    x = as_float_array(x, "x")
    return np.exp(np.sin(2.0 * np.pi * x))


def sample_uniform(n_points, rng):
    """n_points training inputs spread over [0, 1], one drawn uniformly inside each of n_points
    equal cells: x_i = (i + u_i) / n_points, u_i ~ Uniform[0, 1). Shape (n_points,).
    (Stratified, so no stretch of [0, 1] is left without data by bad luck.)"""
    n_points = check_int(n_points, "n_points", 1)
    u = check_rng(rng).uniform(0.0, 1.0, n_points)
    return (np.arange(n_points) + u) / n_points


def sample_grid(n_points, rng=None):
    """n_points training inputs at the centres of n_points equal cells of [0, 1]:
    x_i = (i + 1/2) / n_points, shape (n_points,). The same inputs every time (``rng`` is
    accepted for the ``sample_x`` signature and ignored): training sets differ only in noise."""
    n_points = check_int(n_points, "n_points", 1)
    return (np.arange(n_points) + 0.5) / n_points


# ------------------------------------------------------------------------------------------
# The model: a fixed ReLU hidden layer, output weights by least squares
# ------------------------------------------------------------------------------------------
def joint_params(D, x_min=0.0, x_max=1.0):
    """beta (D,) and Omega (D, 1) of D hidden units h_d = a[x - t_d] whose joints t_d are
    spread evenly over [x_min, x_max]: t_d = x_min + (x_max - x_min) (d - 1/2) / D."""
    D = check_int(D, "D", 0)
    joints = x_min + (x_max - x_min) * (np.arange(D) + 0.5) / max(D, 1)  # (D,)
    return -joints, np.ones((D, 1))


def relu_features(x, beta, omega):
    """The hidden layer with a row of ones on top: H = [1; a[beta + Omega x]].

    x: (D_i, I), or (I,) for one input; beta (D,) or (D, 1); omega (D, D_i). Returns (1 + D, I).
    """
    x = as_float_array(x, "x")
    if x.ndim == 1:
        x = x[None, :]  # (I,) -> (1, I): one input, I points
    check_ndim(x, "x", (2,), "(D_i, I) with data points as columns")
    omega = check_ndim(as_float_array(omega, "omega"), "omega", (2,), "(D, D_i)")
    if omega.shape[1] != x.shape[0]:
        raise ShapeError(f"omega has shape {omega.shape}; expected ({omega.shape[0]}, "
                         f"{x.shape[0]}) for x with D_i = {x.shape[0]} rows")
    beta = as_float_array(beta, "beta").reshape(-1)
    if beta.shape != (omega.shape[0],):
        raise ShapeError(f"beta has shape {beta.shape}; expected ({omega.shape[0]},) to match "
                         f"omega {omega.shape}")
    h = np.maximum(beta[:, None] + omega @ x, 0.0)  # (D, I): h = a[beta + Omega x]
    return np.vstack([np.ones((1, x.shape[1])), h])  # (1 + D, I)


def fit_min_norm(H, y, lam=0.0):
    """Output weights phi minimising sum_i (y_i - phi H_i)^2 + lam ||phi||^2.

    With lam = 0 and more columns than needed (1 + D > I), many phi fit the data exactly; this
    returns the one with the smallest norm, phi = y H^+ (the pseudo-inverse). With lam > 0 it
    is ridge regression, phi = y H^T (H H^T + lam I)^-1.
    H: (1 + D, I); y: (I,) or (D_o, I). Returns phi (1 + D,) or (D_o, 1 + D) to match y.
    """
    H = check_ndim(as_float_array(H, "H"), "H", (2,), "(1 + D, I) with data points as columns")
    y = as_float_array(y, "y")
    was_1d = y.ndim == 1
    Y = y[None, :] if was_1d else check_ndim(y, "y", (2,), "(D_o, I)")  # (D_o, I)
    if Y.shape[1] != H.shape[1]:
        raise ShapeError(f"y has {Y.shape[1]} data points (shape {y.shape}); expected "
                         f"{H.shape[1]} to match H {H.shape}")
    lam = float(check_positive(lam, "lam", strict=False))
    if lam == 0.0:
        # lstsq solves H^T phi^T = Y^T and returns the minimum-norm solution (via the SVD)
        phi_t, *_ = np.linalg.lstsq(H.T, Y.T, rcond=None)  # (1 + D, D_o)
    else:
        G = H @ H.T + lam * np.eye(H.shape[0])  # (1 + D, 1 + D)
        phi_t = np.linalg.solve(G, H @ Y.T)  # (1 + D, D_o)
    phi = phi_t.T  # (D_o, 1 + D)
    return phi[0] if was_1d else phi


def shallow_fitter(D, x_min=0.0, x_max=1.0, lam=0.0):
    """A ``fit(x, y)`` for ``bias_variance``: D ReLU units with evenly spaced joints, output
    weights by ``fit_min_norm``. ``fit`` returns the predictor g(x_test) -> (I_test,)."""
    beta, omega = joint_params(D, x_min, x_max)

    def fit(x, y):
        phi = fit_min_norm(relu_features(x, beta, omega), y, lam)  # (1 + D,)

        def g(x_test):
            return phi @ relu_features(x_test, beta, omega)  # f = phi H, (I_test,)

        return g

    return fit


# ------------------------------------------------------------------------------------------
# Noise, bias and variance
# ------------------------------------------------------------------------------------------
def fit_predictions(fit, true_fn, sample_x, x_test, sigma, n_datasets, n_points, rng):
    """Draw n_datasets training sets, fit each, predict at x_test.

    Data set i: x = sample_x(n_points, rng), y = true_fn(x) + sigma eps, phi_i = fit(x, y).
    Returns the predictions f[x_test, phi[D_i]] as an array (n_datasets, I_test).
    """
    for name, fn in (("fit", fit), ("true_fn", true_fn), ("sample_x", sample_x)):
        if not callable(fn):
            raise InputTypeError(f"{name} must be a function; got {type(fn).__name__}")
    x_test = check_ndim(as_float_array(x_test, "x_test"), "x_test", (1,), "(I_test,) inputs")
    sigma = float(check_positive(sigma, "sigma", strict=False))
    n_datasets = check_int(n_datasets, "n_datasets", 1)
    n_points = check_int(n_points, "n_points", 1)
    rng = check_rng(rng)
    preds = np.empty((n_datasets, x_test.size))  # (n_datasets, I_test)
    for i in range(n_datasets):
        x = np.asarray(sample_x(n_points, rng), dtype=float)
        y = as_float_array(true_fn(x), "true_fn(x)") + sigma * rng.standard_normal(x.shape)
        g = fit(x, y)
        if not callable(g):
            raise InputTypeError(f"fit(x, y) must return a predictor g(x_test); got "
                                 f"{type(g).__name__}")
        p = as_float_array(g(x_test), "the predictor's g(x_test)", allow_nan=True)
        if p.shape != x_test.shape:
            raise ShapeError(f"fit(x, y) returned a predictor giving shape {p.shape}; expected "
                             f"{x_test.shape}, one prediction per test input")
        preds[i] = p
    return preds


def decompose(preds, mu):
    """Bias and variance at each test input from the predictions of many fitted models.

    f_mu[x] = E_D[f[x, phi[D]]] (mean over data sets, axis 0),
    variance[x] = E_D[(f[x, phi[D]] - f_mu[x])^2],  bias2[x] = (f_mu[x] - mu[x])^2.
    preds: (n_datasets, I_test); mu: (I_test,). Returns a dict of (I_test,) arrays:
    ``f_mu``, ``bias2``, ``variance``.
    """
    preds = check_ndim(as_float_array(preds, "preds", allow_nan=True), "preds", (2,),
                       "(n_datasets, I_test): one row of predictions per data set")
    mu = as_float_array(mu, "mu")
    if mu.shape != preds.shape[1:]:
        raise ShapeError(f"mu has shape {mu.shape}; expected ({preds.shape[1]},), one true "
                         "value per test input")
    f_mu = preds.mean(axis=0)  # (I_test,) the average model
    variance = ((preds - f_mu) ** 2).mean(axis=0)  # (I_test,) E_D[(f - f_mu)^2]
    bias2 = (f_mu - mu) ** 2  # (I_test,)
    return {"f_mu": f_mu, "bias2": bias2, "variance": variance}


def bias_variance(fit, true_fn, sample_x, x_test, sigma, n_datasets, n_points, rng):
    """The expected test error split into its three sources, each averaged over x_test:

    E_D[E_y[(f[x, phi[D]] - y)^2]] = E_D[(f - f_mu)^2] + (f_mu - mu)^2 + sigma^2
                                   =     variance      +     bias2      + noise.

    Each training set is x = sample_x(n_points, rng), y = true_fn(x) + sigma eps, and
    fit(x, y) returns a predictor g(x_test). ``mse`` is measured against fresh noisy targets
    y = mu[x_test] + sigma eps, so it equals bias2 + variance + noise up to Monte-Carlo error.
    x_test: (I_test,). Returns a dict of floats: bias2, variance, noise, mse.
    """
    preds = fit_predictions(fit, true_fn, sample_x, x_test, sigma, n_datasets, n_points, rng)
    x_test = np.asarray(x_test, dtype=float)
    sigma = float(sigma)
    mu = np.asarray(true_fn(x_test), dtype=float)  # (I_test,)
    parts = decompose(preds, mu)
    y_fresh = mu + sigma * rng.standard_normal(preds.shape)  # (n_datasets, I_test) new targets
    mse = np.mean((preds - y_fresh) ** 2)
    return {"bias2": float(parts["bias2"].mean()), "variance": float(parts["variance"].mean()),
            "noise": sigma ** 2, "mse": float(mse)}


def capacity_curve(Ds, sigma, n_datasets, n_points, rng, x_test=None, lam=0.0,
                   sample_x=sample_grid):
    """``bias_variance`` of the toy problem for each number of hidden units D in Ds.

    By default the inputs sit on a grid (``sample_grid``) and only the noise changes between
    training sets, which keeps the Monte-Carlo curve smooth; pass ``sample_x=sample_uniform``
    to redraw the inputs too. Returns a dict of (len(Ds),) arrays: D, bias2, variance, noise,
    mse. With 1 + D close to n_points the variance explodes (the interpolation threshold).
    """
    Ds = [check_int(D, "Ds[...]", 0) for D in np.atleast_1d(Ds)]
    x_test = np.linspace(0.0, 1.0, 101) if x_test is None else x_test
    rows = [bias_variance(shallow_fitter(D, lam=lam), true_function, sample_x, x_test,
                          sigma, n_datasets, n_points, rng) for D in Ds]
    out = {k: np.array([r[k] for r in rows]) for k in ("bias2", "variance", "noise", "mse")}
    out["D"] = np.array(Ds)
    return out


# ------------------------------------------------------------------------------------------
# Many interpolating solutions
# ------------------------------------------------------------------------------------------
def null_space(H, tol=1e-10):
    """An orthonormal basis N (1 + D, n_free) of the directions v with v H = 0: adding any
    combination of them to phi leaves the fit on the training points, phi H, unchanged.
    H: (1 + D, I). Empty (1 + D, 0) when the columns of H already pin phi down."""
    H = check_ndim(as_float_array(H, "H"), "H", (2,), "(1 + D, I)")
    U, s, _ = np.linalg.svd(H, full_matrices=True)  # U (1 + D, 1 + D)
    rank = int(np.sum(s > tol * max(s.max(initial=0.0), 1.0)))
    return U[:, rank:]  # (1 + D, 1 + D - rank)
