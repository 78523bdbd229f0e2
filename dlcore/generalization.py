"""Generalisation (chapter 06): noise, bias and variance, and the fits that show them.

The 1-D toy problem: inputs x in [0, 1], targets y = mu[x] + sigma eps with eps ~ Norm(0, 1).
The model is a shallow ReLU net whose hidden layer is fixed, h = a[beta + Omega x], so only the
output weights phi are fitted, by (minimum-norm) least squares. With the notes' convention the
data points are columns: the hidden layer with a row of ones on top, ``H = [1; h]``, has shape
(1 + D, I) and the net's output is ``f = phi H`` with phi (D_o, 1 + D).

The features are ``dlcore.features``' and the fit is ``dlcore.linear.least_squares`` (here
also called ``fit_min_norm``). The regularisers of chapter 07 are defined in
``dlcore.regularization`` and re-exported here, as the public API (fixed for outside checks)
promises.
"""

import math

import numpy as np

from . import features
from .checks import InputTypeError, ShapeError, as_float_array, check_int, returns, shapes
from .features import even_joints, joint_theta
from .linear import least_squares
from .regularization import dropout, gd_modified_loss, l2_penalty

__all__ = [
    "bias_variance",
    "l2_penalty",
    "gd_modified_loss",
    "dropout",
    "true_function",
    "sample_uniform",
    "sample_grid",
    "training_set",
    "joint_params",
    "relu_features",
    "fit_min_norm",
    "shallow_fitter",
    "fit_predictions",
    "decompose",
    "null_space",
    "directions_by_effect",
    "capacity_curve",
    "unit_ball_volume",
    "shell_fraction",
    "pairwise_distances",
    "distance_sample",
    "ball_monte_carlo",
]

fit_min_norm = least_squares  # fit_min_norm(H, y, lam=0.0): phi = y H^+ (lam = 0) or ridge


# ------------------------------------------------------------------------------------------
# A contract that @shapes cannot state in its own words: a fitter whose predictor is checked
# ------------------------------------------------------------------------------------------
def _fitter(fit, name):
    """fit(x, y) must return a predictor g, and g(x_test) one number per test input."""
    if not callable(fit):
        raise InputTypeError(f"{name} must be a function; got {type(fit).__name__}")

    def checked_fit(x, y):
        g = fit(x, y)
        if not callable(g):
            raise InputTypeError(f"fit(x, y) must return a predictor g(x_test); got "
                                 f"{type(g).__name__}")

        def checked_g(x_test):
            p = as_float_array(g(x_test), "the predictor's g(x_test)", allow_nan=True)
            if p.shape != np.shape(x_test):
                raise ShapeError(f"fit(x, y) returned a predictor giving shape {p.shape}; "
                                 f"expected {np.shape(x_test)}, one prediction per test input")
            return p

        return checked_g

    return checked_fit


def _unit_counts(value, name):
    """Numbers of hidden units D >= 0: an int or a list of them."""
    return [check_int(D, f"{name}[...]", 0) for D in np.atleast_1d(value)]


# ------------------------------------------------------------------------------------------
# The 1-D toy problem
# ------------------------------------------------------------------------------------------
@shapes(x="...")
def true_function(x):
    """The toy problem's true mean mu[x] = E_y[y | x] = exp(sin(2 pi x)). Any shape in and out."""
    return np.exp(np.sin(2.0 * np.pi * x))


@shapes(n_points="int >= 1", rng="rng")
def sample_uniform(n_points, rng):
    """n_points training inputs spread over [0, 1], one drawn uniformly inside each of n_points
    equal cells: x_i = (i + u_i) / n_points, u_i ~ Uniform[0, 1). Shape (n_points,).
    (Stratified, so no stretch of [0, 1] is left without data by bad luck.)"""
    u = rng.uniform(0.0, 1.0, n_points)
    return (np.arange(n_points) + u) / n_points


@shapes(n_points="int >= 1")
def sample_grid(n_points, rng=None):
    """n_points training inputs at the centres of n_points equal cells of [0, 1]:
    x_i = (i + 1/2) / n_points, shape (n_points,). The same inputs every time (``rng`` is
    accepted for the ``sample_x`` signature and ignored): training sets differ only in noise."""
    return (np.arange(n_points) + 0.5) / n_points


@shapes(sample_x="function", true_fn=returns("I"), n_points="int >= 1", sigma=">= 0",
        rng="rng")
def training_set(sample_x, true_fn, n_points, sigma, rng):
    """One training set: x = sample_x(n_points, rng), y = true_fn(x) + sigma eps with
    eps ~ Norm(0, 1). Returns (x, y), each (n_points,)."""
    x = np.asarray(sample_x(n_points, rng), dtype=float)
    return x, true_fn(x) + sigma * rng.standard_normal(x.shape)


# ------------------------------------------------------------------------------------------
# The model: a fixed ReLU hidden layer, output weights by least squares
# ------------------------------------------------------------------------------------------
@shapes(D="int >= 0", x_min="number", x_max="number")
def joint_params(D, x_min=0.0, x_max=1.0):
    """beta (D,) and Omega (D, 1) of D hidden units h_d = a[x - t_d] whose joints t_d are
    spread evenly over [x_min, x_max], one in the middle of each of D equal cells:
    t_d = x_min + (x_max - x_min) (d - 1/2) / D, d = 1..D."""
    theta = joint_theta(even_joints(D, x_min, x_max, centred=True))  # (D, 2): [-t_d, 1]
    return theta[:, 0], theta[:, 1:]


@shapes(x="I | D_i I", beta="D | D 1", omega="D D_i")
def relu_features(x, beta, omega):
    """The hidden layer with a row of ones on top: H = [1; a[beta + Omega x]].

    x: (D_i, I), or (I,) for one input; beta (D,) or (D, 1); omega (D, D_i). Returns (1 + D, I).
    These are dlcore.features' ReLU features with theta = [beta, Omega].
    """
    return features.relu_features(x, np.column_stack([beta, omega]))  # theta (D, 1 + D_i)


@shapes(D="int >= 0", x_min="number", x_max="number", lam=">= 0")
def shallow_fitter(D, x_min=0.0, x_max=1.0, lam=0.0):
    """A ``fit(x, y)`` for ``bias_variance``: D ReLU units with evenly spaced joints (as
    ``joint_params``), output weights by least squares. ``fit`` returns the predictor
    g(x_test) -> (I_test,)."""
    theta = joint_theta(even_joints(D, x_min, x_max, centred=True))  # (D, 2)

    def fit(x, y):
        phi = least_squares(features.relu_features(x, theta), y, lam)  # (1 + D,)

        def g(x_test):
            return phi @ features.relu_features(x_test, theta)  # f = phi H, (I_test,)

        return g

    return fit


# ------------------------------------------------------------------------------------------
# Noise, bias and variance
# ------------------------------------------------------------------------------------------
@shapes(fit=_fitter, true_fn=returns("I"), sample_x="function", x_test="I_test",
        sigma=">= 0", n_datasets="int >= 1", n_points="int >= 1", rng="rng")
def fit_predictions(fit, true_fn, sample_x, x_test, sigma, n_datasets, n_points, rng):
    """Draw n_datasets training sets, fit each, predict at x_test.

    Data set i: x = sample_x(n_points, rng), y = true_fn(x) + sigma eps, phi_i = fit(x, y).
    Returns the predictions f[x_test, phi[D_i]] as an array (n_datasets, I_test).
    """
    preds = np.empty((n_datasets, x_test.size))  # (n_datasets, I_test)
    for i in range(n_datasets):  # (training_set unchecked: its arguments are checked above)
        x, y = training_set.__wrapped__(sample_x, true_fn, n_points, sigma, rng)
        preds[i] = fit(x, y)(x_test)
    return preds


@shapes(preds="n_datasets I_test nan", mu="I_test")
def decompose(preds, mu):
    """Bias and variance at each test input from the predictions of many fitted models.

    f_mu[x] = E_D[f[x, phi[D]]] (mean over data sets, axis 0),
    variance[x] = E_D[(f[x, phi[D]] - f_mu[x])^2],  bias2[x] = (f_mu[x] - mu[x])^2.
    preds: (n_datasets, I_test); mu: (I_test,). Returns a dict of (I_test,) arrays:
    ``f_mu``, ``bias2``, ``variance``.
    """
    f_mu = preds.mean(axis=0)  # (I_test,) the average model
    variance = ((preds - f_mu) ** 2).mean(axis=0)  # (I_test,) E_D[(f - f_mu)^2]
    bias2 = (f_mu - mu) ** 2  # (I_test,)
    return {"f_mu": f_mu, "bias2": bias2, "variance": variance}


@shapes(fit=_fitter, true_fn=returns("I"), sample_x="function", x_test="I_test",
        sigma=">= 0", n_datasets="int >= 1", n_points="int >= 1", rng="rng")
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
    mu = true_fn(x_test)  # (I_test,)
    parts = decompose(preds, mu)
    y_fresh = mu + sigma * rng.standard_normal(preds.shape)  # (n_datasets, I_test) new targets
    mse = np.mean((preds - y_fresh) ** 2)
    return {"bias2": float(parts["bias2"].mean()), "variance": float(parts["variance"].mean()),
            "noise": sigma ** 2, "mse": float(mse)}


@shapes(Ds=_unit_counts, sigma=">= 0", n_datasets="int >= 1", n_points="int >= 1", rng="rng",
        x_test="I_test", lam=">= 0", sample_x="function")
def capacity_curve(Ds, sigma, n_datasets, n_points, rng, x_test=None, lam=0.0,
                   sample_x=sample_grid):
    """``bias_variance`` of the toy problem for each number of hidden units D in Ds.

    By default the inputs sit on a grid (``sample_grid``) and only the noise changes between
    training sets, which keeps the Monte-Carlo curve smooth; pass ``sample_x=sample_uniform``
    to redraw the inputs too. Returns a dict of (len(Ds),) arrays: D, bias2, variance, noise,
    mse. With 1 + D close to n_points the variance explodes (the interpolation threshold).
    """
    x_test = np.linspace(0.0, 1.0, 101) if x_test is None else x_test
    rows = [bias_variance(shallow_fitter(D, lam=lam), true_function, sample_x, x_test,
                          sigma, n_datasets, n_points, rng) for D in Ds]
    out = {k: np.array([r[k] for r in rows]) for k in ("bias2", "variance", "noise", "mse")}
    out["D"] = np.array(Ds)
    return out


# ------------------------------------------------------------------------------------------
# Many interpolating solutions
# ------------------------------------------------------------------------------------------
@shapes(H="P I", tol="> 0")
def null_space(H, tol=1e-10):
    """An orthonormal basis N (1 + D, n_free) of the directions v with v H = 0: adding any
    combination of them to phi leaves the fit on the training points, phi H, unchanged.
    H: (1 + D, I). Empty (1 + D, 0) when the columns of H already pin phi down."""
    U, s, _ = np.linalg.svd(H, full_matrices=True)  # U (1 + D, 1 + D)
    rank = int(np.sum(s > tol * max(s.max(initial=0.0), 1.0)))
    return U[:, rank:]  # (1 + D, 1 + D - rank)


@shapes(N="P F", H_plot="P J")
def directions_by_effect(N, H_plot):
    """The directions v of span(N) ordered by how much they move the function v H_plot on a
    grid: with the thin SVD H_plot^T N = U diag(s) W^T, the columns of N W, largest s first
    (||v_k H_plot|| = s_k). N (P, F) orthonormal (e.g. ``null_space(H)``); H_plot (P, J).
    Returns (P, min(F, J)), orthonormal."""
    _, _, Wt = np.linalg.svd(H_plot.T @ N, full_matrices=False)  # Wt (min(J, F), F)
    return N @ Wt.T  # (P, min(F, J))


# ------------------------------------------------------------------------------------------
# The curse of dimensionality
# ------------------------------------------------------------------------------------------
@shapes(D="int >= 0")
def unit_ball_volume(D):
    """The volume of the unit ball in D dimensions: V_D = pi^(D/2) / Gamma(D/2 + 1).

    (Computed through logarithms, lgamma, so that large D gives a tiny number, not inf / inf.)
    D = 1, 2, 3: 2, pi, 4/3 pi. Returns a float."""
    return math.exp(D / 2 * math.log(math.pi) - math.lgamma(D / 2 + 1))


@shapes(D="int >= 0", eps="[0, 1]")
def shell_fraction(D, eps):
    """The fraction of the unit ball's volume within eps of its surface: 1 - (1 - eps)^D.

    (The inner ball of radius 1 - eps holds (1 - eps)^D of the volume, since volume scales as
    radius^D.) Returns a float."""
    return 1.0 - (1.0 - eps) ** D


@shapes(x="D I")
def pairwise_distances(x):
    """Euclidean distances between all pairs of points, the columns of x (D, I):
    d_ij = ||x_i - x_j|| = sqrt(sum_d (x_di - x_dj)^2). Returns (I, I).
    (Differences first, then squares: exact 0 on the diagonal; memory D I^2.)"""
    diff = x[:, :, None] - x[:, None, :]  # (D, I, I): x_i - x_j
    return np.sqrt(np.sum(diff ** 2, axis=0))  # (I, I)


@shapes(D="int >= 1", n_points="int >= 2", rng="rng")
def distance_sample(D, n_points, rng):
    """The n_points (n_points - 1) / 2 distances between n_points drawn uniformly in the unit
    cube [0, 1]^D. For large D they concentrate: mean ~ sqrt(D / 6), relative spread
    std / mean ~ sqrt(7 / 20 / D). Returns (n_points (n_points - 1) / 2,)."""
    x = rng.random((D, n_points))  # (D, I) points as columns
    i, j = np.triu_indices(n_points, k=1)  # each pair once
    return pairwise_distances.__wrapped__(x)[i, j]


@shapes(D="int >= 1", eps="[0, 1]", n_samples="int >= 1", rng="rng")
def ball_monte_carlo(D, eps, n_samples, rng):
    """Monte-Carlo estimates of the unit ball's volume and of its shell fraction: draw
    n_samples points uniformly in the cube [-1, 1]^D (volume 2^D); the volume is 2^D times
    the fraction with ||x|| <= 1, the shell fraction is the share of those with ||x|| > 1 - eps.
    Needs many samples for D above about 10 (the ball is a tiny part of the cube).
    Returns (volume, shell_fraction) as floats (shell fraction NaN if no point fell inside)."""
    r = np.linalg.norm(rng.uniform(-1.0, 1.0, (D, n_samples)), axis=0)  # (n_samples,) radii
    inside = r <= 1.0
    shell = np.mean(r[inside] > 1.0 - eps) if inside.any() else np.nan
    return float(2.0 ** D * inside.mean()), float(shell)
