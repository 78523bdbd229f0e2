"""Regularisation (chapter 07): explicit penalties and their priors, the implicit regulariser
of gradient descent and SGD, early stopping, ensembling, dropout, noise, Bayesian inference.

The functions of the public API, fixed for outside checks (``l2_penalty``,
``gd_modified_loss``, ``dropout``), come first; they are re-exported by
``dlcore.generalization``. The 1-D examples use a linear-in-features model: a
shallow ReLU net whose hidden layer theta is fixed, so only phi is fitted,

    f[x, phi] = phi_0 + sum_d phi_d a[theta_d0 + theta_d1 x] = phi^T h(x),   h = [1, h_1..h_D].

Feature matrices ``H`` have shape ``(1 + D, I)``: row 0 is all ones (it multiplies phi_0),
data points are columns, as everywhere in the course. Losses are sums over data points.
"""

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    as_points,
    check_int,
    check_ndim,
    check_positive,
    check_probability,
    check_rng,
)

__all__ = [
    # the public API, fixed for outside checks
    "l2_penalty", "gd_modified_loss", "dropout",
    # the running 1-D example
    "true_function", "sample_data", "ramp_theta", "toy_problem",
    # explicit regularisation and the MAP view
    "shallow_features", "ridge_fit", "lam_from_prior", "neg_log_posterior",
    # implicit regularisation
    "valley_loss", "valley_grad", "valley_hess", "gd_modified_grad", "gradient_descent_path",
    "gradient_flow_path",
    "sgd_modified_loss", "batch_gradient_variance",
    # early stopping, ensembling, dropout, noise
    "least_squares_gd", "early_stopping_point", "bootstrap_indices", "ensemble_decomposition",
    "dropout_expected_loss", "dropout_fit", "input_noise_expected_loss",
    "input_noise_fit",
    # Bayesian inference
    "bayes_posterior", "bayes_predictive",
]


def _check_fn(fn, name):
    if not callable(fn):
        raise InputTypeError(f"{name} must be a function of theta; got {type(fn).__name__}")
    return fn


# ------------------------------------------------------------------------------------------
# The public API, fixed for outside checks
# ------------------------------------------------------------------------------------------
def l2_penalty(omegas, lam):
    """Explicit L2 regulariser: lam * sum_k ||Omega_k||^2 (squared Frobenius norms).

    omegas: a list of weight matrices (or one array); lam >= 0. Returns a float.
    """
    if not isinstance(omegas, (list, tuple)):
        omegas = [omegas]
    lam = float(check_positive(lam, "lam", strict=False))
    return lam * sum(float(np.sum(as_float_array(o, f"omegas[{k}]") ** 2))
                     for k, o in enumerate(omegas))


def gd_modified_loss(loss_fn, grad_fn, alpha):
    """The loss that gradient descent with step alpha implicitly minimises (to first order):
    L_GD[theta] = L[theta] + alpha / 4 * ||dL/dtheta||^2. Returns a function of theta."""
    _check_fn(loss_fn, "loss_fn")
    _check_fn(grad_fn, "grad_fn")
    alpha = float(check_positive(alpha, "alpha", strict=False))

    def modified(theta):
        g = as_float_array(grad_fn(theta), "grad_fn(theta)", allow_nan=True)
        L = as_float_array(loss_fn(theta), "loss_fn(theta)", allow_nan=True)
        if L.size != 1:
            raise ShapeError(f"loss_fn(theta) has shape {L.shape}; expected one number")
        return float(L.reshape(())) + alpha / 4.0 * float(np.sum(g ** 2))

    return modified


def dropout(h, p, rng):
    """Inverted dropout: zero each entry of h with probability p and scale the survivors by
    1 / (1 - p), so the expected activation is unchanged. h: any shape; p in [0, 1)."""
    h = as_float_array(h, "h")
    p = check_probability(p, "p", upper_open=True)
    check_rng(rng)
    keep = rng.random(h.shape) >= p  # True with probability 1 - p
    return np.where(keep, h / (1.0 - p), 0.0)


# ------------------------------------------------------------------------------------------
# The running 1-D example: a few noisy samples of a smooth function on [0, 1]
# ------------------------------------------------------------------------------------------
def true_function(x):
    """The function behind the 1-D examples: sin(2 pi x) + 0.5 x (any shape)."""
    x = as_float_array(x, "x")
    return np.sin(2 * np.pi * x) + 0.5 * x


def sample_data(I, sigma, rng):
    """I training points: x ~ Uniform[0, 1] (sorted), y = true_function(x) + sigma eps.
    Returns (x (I,), y (I,))."""
    I = check_int(I, "I", 1)
    sigma = float(check_positive(sigma, "sigma", strict=False))
    x = np.sort(check_rng(rng).uniform(0.0, 1.0, I))
    return x, true_function(x) + sigma * rng.standard_normal(I)


def ramp_theta(D, lo=0.0, hi=1.0):
    """A fixed hidden layer of D ReLU units with joints evenly spaced on [lo, hi):
    h_d = a[x - c_d], i.e. theta_d0 = -c_d, theta_d1 = 1. Returns theta (D, 2)."""
    D = check_int(D, "D", 1)
    c = lo + (hi - lo) * np.arange(D) / D  # joints c_d
    return np.stack([-c, np.ones(D)], axis=1)


def toy_problem(I=12, D=40, sigma=0.25, seed=7, n_test=200):
    """The chapter's running example: I noisy training points, a fixed ReLU layer of D units
    (``ramp_theta``), their features, and a test set from the same distribution.

    Returns a dict: x, y (I,), theta (D, 2), H (1 + D, I), x_test, y_test (n_test,),
    H_test (1 + D, n_test), sigma."""
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    x, y = sample_data(I, sigma, rng)
    x_test, y_test = sample_data(check_int(n_test, "n_test", 1), sigma, rng)
    theta = ramp_theta(D)
    return {"x": x, "y": y, "theta": theta, "H": shallow_features(x, theta),
            "x_test": x_test, "y_test": y_test, "H_test": shallow_features(x_test, theta),
            "sigma": float(sigma)}


# ------------------------------------------------------------------------------------------
# Explicit regularisation: ridge = MAP with a Gaussian prior
# ------------------------------------------------------------------------------------------
def shallow_features(x, theta):
    """The fixed hidden layer of a shallow net, with a row of ones for phi_0:
    H = [1; a[theta_d0 + sum_j theta_dj x_j]].

    x: (I,) scalar inputs, or (D_i, I) with data points as columns; theta: (D, 1 + D_i) with
    column 0 the biases (chapter 01's layout). Returns H (1 + D, I).
    """
    x = as_float_array(x, "x")
    x = check_ndim(x.reshape(1, -1) if x.ndim <= 1 else x, "x", (2,), "(I,) or (D_i, I)")
    theta = check_ndim(as_float_array(theta, "theta"), "theta", (2,), "(D, 1 + D_i)")
    if theta.shape[1] != 1 + x.shape[0]:
        raise ShapeError(f"theta has shape {theta.shape}; expected (D, {1 + x.shape[0]}) = "
                         f"(D, 1 + D_i): biases, then one slope per input")
    z = theta[:, :1] + theta[:, 1:] @ x  # (D, I) pre-activations
    return np.vstack([np.ones((1, x.shape[1])), np.maximum(z, 0.0)])  # (1 + D, I)


def _check_H_y(H, y):
    H = check_ndim(as_float_array(H, "H"), "H", (2,), "(1 + D, I), data points as columns")
    y = as_float_array(y, "y").reshape(-1) if np.ndim(y) == 2 and np.shape(y)[0] == 1 \
        else as_float_array(y, "y")
    y = check_ndim(y, "y", (1,), "(I,)")
    if y.size != H.shape[1]:
        raise ShapeError(f"y has {y.size} targets; expected {H.shape[1]}, one per column of H")
    return H, y


def _check_H_Y(H, y):
    """Like _check_H_y, but y may also be (D_o, I): several outputs fitted at once.
    Returns H, Y (D_o, I) and whether y was 1-D."""
    H = check_ndim(as_float_array(H, "H"), "H", (2,), "(1 + D, I), data points as columns")
    Y = check_ndim(as_float_array(y, "y"), "y", (1, 2), "(I,) or (D_o, I)")
    was_1d = Y.ndim == 1
    Y = Y[None, :] if was_1d else Y  # (D_o, I)
    if Y.shape[1] != H.shape[1]:
        raise ShapeError(f"y has shape {Y.shape[1:] if was_1d else Y.shape}; expected "
                         f"{H.shape[1]} targets per output, one per column of H")
    return H, Y, was_1d


def ridge_fit(H, y, lam, penalize_offset=False):
    """L2-regularised least squares (ridge regression), the MAP fit with a Gaussian prior:
    phi = argmin sum_i (y_i - phi^T h_i)^2 + lam sum_{d>=1} phi_d^2   (phi_0 too if asked).

    With A = H (or, when phi_0 is not penalised, the centred features H[1:] - mean and
    centred targets) and its thin SVD A = U diag(s) V^T:
    weights = U diag(s / (s^2 + lam)) V^T y.
    lam = 0 gives the minimum-norm interpolant (the limit lam -> 0+).
    H: (P, I) with row 0 all ones; y: (I,) or (D_o, I). Returns phi (P,) or (D_o, P).
    """
    H, Y, was_1d = _check_H_Y(H, y)
    lam = float(check_positive(lam, "lam", strict=False))
    if penalize_offset:
        A, Yc = H, Y
    else:
        if not np.allclose(H[0], 1.0):
            raise ShapeError("H row 0 must be all ones (it multiplies the offset phi_0)")
        m = H[1:].mean(axis=1, keepdims=True)  # (D, 1) feature means
        A, Yc = H[1:] - m, Y - Y.mean(axis=1, keepdims=True)  # centring removes phi_0
    U, s, Vt = np.linalg.svd(A, full_matrices=False)  # (P', k), (k,), (k, I)
    keep = s > 1e-10 * max(s.max(initial=0.0), 1e-300)
    gain = np.zeros_like(s)  # (k,) s / (s^2 + lam); directions with s ~ 0 are left at 0
    gain[keep] = s[keep] / (s[keep] ** 2 + lam)
    W = ((Yc @ Vt.T) * gain) @ U.T  # (D_o, P')
    if not penalize_offset:
        phi0 = Y.mean(axis=1) - (W @ m)[:, 0]  # (D_o,)
        W = np.hstack([phi0[:, None], W])  # (D_o, P)
    return W[0] if was_1d else W


def lam_from_prior(sigma, sigma_p):
    """The L2 strength that makes least squares + penalty the MAP estimate for the model
    y ~ Norm(phi^T h, sigma^2) with prior phi_d ~ Norm(0, sigma_p^2):  lam = sigma^2 / sigma_p^2."""
    sigma = float(check_positive(sigma, "sigma"))
    sigma_p = float(check_positive(sigma_p, "sigma_p"))
    return sigma ** 2 / sigma_p ** 2


def neg_log_posterior(phi, H, y, sigma, sigma_p, penalize_offset=False):
    """-log Pr(phi | data) up to a constant = -sum_i log Norm_{y_i}[phi^T h_i, sigma^2]
    - sum_d log Norm_{phi_d}[0, sigma_p^2]  (d >= 1 unless penalize_offset), constants dropped:
    sum_i (y_i - phi^T h_i)^2 / (2 sigma^2) + sum_d phi_d^2 / (2 sigma_p^2)."""
    H, y = _check_H_y(H, y)
    phi = check_ndim(as_float_array(phi, "phi"), "phi", (1,), "(1 + D,)")
    if phi.size != H.shape[0]:
        raise ShapeError(f"phi has {phi.size} entries; expected {H.shape[0]}, one per row of H")
    sigma = float(check_positive(sigma, "sigma"))
    sigma_p = float(check_positive(sigma_p, "sigma_p"))
    w = phi if penalize_offset else phi[1:]
    return float(np.sum((y - phi @ H) ** 2) / (2 * sigma ** 2)
                 + np.sum(w ** 2) / (2 * sigma_p ** 2))


# ------------------------------------------------------------------------------------------
# Implicit regularisation of gradient descent and SGD
# ------------------------------------------------------------------------------------------
def valley_loss(theta):
    """A 2-parameter loss with a curved valley (a gentle Rosenbrock function), for pictures:
    L = (1 - theta_0)^2 / 2 + (theta_1 - theta_0^2)^2; minimum 0 at (1, 1). theta: (2,)."""
    t0, t1 = _theta2(theta)
    return 0.5 * (1 - t0) ** 2 + (t1 - t0 ** 2) ** 2


def valley_grad(theta):
    """dL/dtheta of ``valley_loss``: (2,)."""
    t0, t1 = _theta2(theta)
    r = t1 - t0 ** 2
    return np.array([-(1 - t0) - 4.0 * t0 * r, 2.0 * r])


def valley_hess(theta):
    """d2L/dtheta2 of ``valley_loss``: (2, 2)."""
    t0, t1 = _theta2(theta)
    return np.array([[1.0 - 4.0 * (t1 - t0 ** 2) + 8.0 * t0 ** 2, -4.0 * t0],
                     [-4.0 * t0, 2.0]])


def _theta2(theta):
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape[0] != 2:
        raise ShapeError(f"theta has shape {theta.shape}; expected (2,) or (2, ...)")
    return theta[0], theta[1]


def gd_modified_grad(grad_fn, alpha, hess_fn=None, eps=1e-5):
    """The gradient of L_GD = L + alpha/4 ||dL/dtheta||^2, i.e. g + alpha/2 (d2L/dtheta2) g.

    The Hessian-vector product is hess_fn(theta) @ g when hess_fn is given, else the central
    difference (g(theta + eps u) - g(theta - eps u)) / (2 eps) ||g|| along u = g / ||g||.
    Returns a function theta (P,) -> (P,).
    """
    _check_fn(grad_fn, "grad_fn")
    alpha = float(check_positive(alpha, "alpha", strict=False))
    if hess_fn is not None:
        _check_fn(hess_fn, "hess_fn")

    def grad(theta):
        theta = np.asarray(theta, dtype=np.float64)
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        if hess_fn is not None:
            Hg = np.asarray(hess_fn(theta), dtype=np.float64) @ g
        else:
            norm = np.linalg.norm(g)
            if norm == 0:
                return g
            u = g / norm
            Hg = (np.asarray(grad_fn(theta + eps * u)) - np.asarray(grad_fn(theta - eps * u))) \
                / (2 * eps) * norm
        return g + alpha / 2.0 * Hg

    return grad


def gradient_descent_path(grad_fn, theta0, alpha, n_steps):
    """Discrete gradient descent theta_{t+1} = theta_t - alpha dL/dtheta[theta_t].

    Returns every iterate, (n_steps + 1, P). Stops early (and pads with inf) if it overflows.
    """
    _check_fn(grad_fn, "grad_fn")
    theta = check_ndim(as_float_array(theta0, "theta0"), "theta0", (1,), "(P,)").copy()
    alpha = float(check_positive(alpha, "alpha", strict=False))
    n_steps = check_int(n_steps, "n_steps", 0)
    path = np.full((n_steps + 1, theta.size), np.inf)
    path[0] = theta
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            theta = theta - alpha * np.asarray(grad_fn(theta), dtype=np.float64)
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > 1e150:
                break
            path[t + 1] = theta
    return path


def gradient_flow_path(grad_fn, theta0, t_end, n_steps):
    """The continuous path d theta/dt = -grad_fn(theta), integrated with classical
    Runge-Kutta (RK4) from t = 0 to t_end in n_steps equal steps. Returns (n_steps + 1, P)."""
    _check_fn(grad_fn, "grad_fn")
    theta = check_ndim(as_float_array(theta0, "theta0"), "theta0", (1,), "(P,)").copy()
    t_end = float(check_positive(t_end, "t_end", strict=False))
    n_steps = check_int(n_steps, "n_steps", 1)
    dt = t_end / n_steps
    path = np.empty((n_steps + 1, theta.size))
    path[0] = theta

    def v(th):
        return -np.asarray(grad_fn(th), dtype=np.float64)

    for t in range(n_steps):
        k1 = v(theta)
        k2 = v(theta + dt / 2 * k1)
        k3 = v(theta + dt / 2 * k2)
        k4 = v(theta + dt * k3)
        theta = theta + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        path[t + 1] = theta
    return path


def batch_gradient_variance(batch_grads):
    """(1/B) sum_b ||dL_b/dtheta - dL/dtheta||^2 with dL/dtheta = (1/B) sum_b dL_b/dtheta.

    batch_grads: (B, P), one row per batch. Returns a float."""
    g = check_ndim(as_float_array(batch_grads, "batch_grads"), "batch_grads", (2,),
                   "(B, P), one gradient per batch")
    return float(np.mean(np.sum((g - g.mean(axis=0)) ** 2, axis=1)))


def sgd_modified_loss(batch_loss_fns, batch_grad_fns, alpha):
    """The loss SGD with step alpha implicitly minimises, for B equal-sized batches:
    L_SGD = L + alpha/4 ||dL/dtheta||^2 + alpha/(4B) sum_b ||dL_b/dtheta - dL/dtheta||^2,
    with L = (1/B) sum_b L_b. Returns a function theta -> float."""
    if not isinstance(batch_loss_fns, (list, tuple)) or not isinstance(batch_grad_fns,
                                                                       (list, tuple)):
        raise InputTypeError("batch_loss_fns and batch_grad_fns must be lists of functions")
    if len(batch_loss_fns) != len(batch_grad_fns) or not batch_loss_fns:
        raise ShapeError(f"batch_loss_fns has {len(batch_loss_fns)} entries and batch_grad_fns "
                         f"{len(batch_grad_fns)}; expected the same number B >= 1")
    for k, (lf, gf) in enumerate(zip(batch_loss_fns, batch_grad_fns, strict=True)):
        _check_fn(lf, f"batch_loss_fns[{k}]")
        _check_fn(gf, f"batch_grad_fns[{k}]")
    alpha = float(check_positive(alpha, "alpha", strict=False))

    def modified(theta):
        L = np.mean([float(lf(theta)) for lf in batch_loss_fns])
        G = np.array([np.asarray(gf(theta), dtype=np.float64).reshape(-1)
                      for gf in batch_grad_fns])  # (B, P)
        g = G.mean(axis=0)
        return float(L + alpha / 4 * np.sum(g ** 2) + alpha / 4 * batch_gradient_variance(G))

    return modified


# ------------------------------------------------------------------------------------------
# Early stopping
# ------------------------------------------------------------------------------------------
def least_squares_gd(H, y, alpha, steps):
    """phi after t steps of gradient descent on L = sum_i (y_i - phi^T h_i)^2 from phi = 0,
    in closed form: with the thin SVD H = U diag(s) V^T,
    phi_t = U diag((1 - (1 - 2 alpha s^2)^t) / s^2) diag(s) V^T y
    (directions outside the span of the data never move).

    H: (P, I); y: (I,) or (D_o, I); steps: an int or an array of T ints.
    Returns (P,) / (D_o, P) for one step count, (T, P) / (T, D_o, P) for several.
    """
    H, Y, was_1d = _check_H_Y(H, y)
    alpha = float(check_positive(alpha, "alpha"))
    t = np.asarray(steps)
    if t.dtype.kind not in "iu" or np.any(t < 0):
        raise ShapeError(f"steps must be non-negative integers; got {steps!r}"[:120])
    U, s, Vt = np.linalg.svd(H, full_matrices=False)  # (P, k), (k,), (k, I)
    keep = s > 1e-12 * max(s.max(initial=0.0), 1e-300)
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    r = (Y @ Vt.T) * s  # (D_o, k): H y in the basis U
    tt = t.reshape(-1, 1).astype(np.float64)  # (T, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        shrink = (1 - (1 - 2 * alpha * s ** 2) ** tt) / s ** 2  # (T, k)
    phi = (shrink[:, None, :] * r[None]) @ U.T  # (T, D_o, P)
    if was_1d:
        phi = phi[:, 0]
    return phi[0] if t.ndim == 0 else phi


def early_stopping_point(val_losses, patience=None):
    """The step at which early stopping keeps the parameters: the minimum of the validation
    loss, or, with patience, the best step seen when the loss first failed to improve for
    `patience` consecutive steps. val_losses: (T,). Returns an int index."""
    v = check_ndim(as_float_array(val_losses, "val_losses", allow_nan=True), "val_losses",
                   (1,), "(T,)")
    if v.size == 0:
        raise ShapeError("val_losses is empty; expected at least one loss")
    v = np.where(np.isfinite(v), v, np.inf)
    if patience is None:
        return int(np.argmin(v))
    patience = check_int(patience, "patience", 1)
    best, since = 0, 0
    for t in range(1, v.size):
        if v[t] < v[best]:
            best, since = t, 0
        else:
            since += 1
            if since >= patience:
                break
    return best


# ------------------------------------------------------------------------------------------
# Ensembling
# ------------------------------------------------------------------------------------------
def bootstrap_indices(I, n_models, rng):
    """n_models resamples of the I training points, drawn with replacement: (n_models, I)."""
    I = check_int(I, "I", 1)
    n_models = check_int(n_models, "n_models", 1)
    return check_rng(rng).integers(0, I, size=(n_models, I))


def ensemble_decomposition(preds, target):
    """Why averaging helps: for member predictions f_m (M, I) and the ensemble mean fbar,
    mean_m ||f_m - y||^2 = ||fbar - y||^2 + mean_m ||f_m - fbar||^2  (per point, averaged).

    Returns a dict: member_mse, ensemble_mse, spread (all floats) and mean (I,)."""
    f = check_ndim(as_float_array(preds, "preds"), "preds", (2,), "(M, I), one row per model")
    y = check_ndim(as_float_array(target, "target"), "target", (1,), "(I,)")
    if y.size != f.shape[1]:
        raise ShapeError(f"target has {y.size} values; expected {f.shape[1]} to match preds")
    fbar = f.mean(axis=0)  # (I,)
    return {"member_mse": float(np.mean((f - y) ** 2)),
            "ensemble_mse": float(np.mean((fbar - y) ** 2)),
            "spread": float(np.mean((f - fbar) ** 2)), "mean": fbar}


# ------------------------------------------------------------------------------------------
# Dropout and noise on linear-in-features models: exact expectations
# ------------------------------------------------------------------------------------------
def _p_open(p):
    return check_probability(p, "p", upper_open=True)


def dropout_expected_loss(phi, H, y, p):
    """E over dropout masks of sum_i (y_i - phi_0 - sum_d m_d phi_d h_di / (1 - p))^2, where
    each hidden unit d >= 1 survives (m_d = 1) with probability 1 - p:
    = sum_i (y_i - phi^T h_i)^2 + p/(1-p) sum_d phi_d^2 sum_i h_di^2  (a data-weighted ridge)."""
    H, y = _check_H_y(H, y)
    phi = check_ndim(as_float_array(phi, "phi"), "phi", (1,), "(1 + D,)")
    if phi.size != H.shape[0]:
        raise ShapeError(f"phi has {phi.size} entries; expected {H.shape[0]}, one per row of H")
    p = _p_open(p)
    energy = np.sum(H[1:] ** 2, axis=1)  # (D,) sum_i h_di^2
    return float(np.sum((y - phi @ H) ** 2) + p / (1 - p) * np.sum(phi[1:] ** 2 * energy))


def dropout_fit(H, y, p):
    """The phi that minimises dropout_expected_loss: ridge with a penalty per unit,
    (H H^T + p/(1-p) diag(0, ||h_1||^2, .., ||h_D||^2)) phi = H y. Returns (1 + D,)."""
    H, y = _check_H_y(H, y)
    p = _p_open(p)
    energy = np.concatenate([[0.0], np.sum(H[1:] ** 2, axis=1)])  # (P,)
    A = np.vstack([H.T, np.diag(np.sqrt(p / (1 - p) * energy))[1:]])  # (I + D, P)
    b = np.concatenate([y, np.zeros(H.shape[0] - 1)])
    phi, *_ = np.linalg.lstsq(A, b, rcond=None)
    return phi


def input_noise_expected_loss(omega, beta, x, y, sigma_x):
    """E over eps ~ Norm(0, sigma_x^2 I) of sum_i (y_i - beta - omega^T (x_i + eps_i))^2 for a
    linear model = sum_i (y_i - beta - omega^T x_i)^2 + I sigma_x^2 ||omega||^2 (ridge again).
    omega: (D_i,); beta: scalar; x: (D_i, I); y: (I,). Returns a float."""
    omega = check_ndim(as_float_array(omega, "omega"), "omega", (1,), "(D_i,)")
    x, _ = as_points(x, "x", D=omega.size)
    y = check_ndim(as_float_array(y, "y"), "y", (1,), "(I,)")
    if y.size != x.shape[1]:
        raise ShapeError(f"y has {y.size} targets; expected {x.shape[1]}, one per column of x")
    beta = float(as_float_array(beta, "beta"))
    sigma_x = float(check_positive(sigma_x, "sigma_x", strict=False))
    resid = y - beta - omega @ x  # (I,)
    return float(np.sum(resid ** 2) + x.shape[1] * sigma_x ** 2 * np.sum(omega ** 2))


def _gauss_tail(m, sigma):
    """For u ~ Norm(0, sigma^2): P(u > m), E[u 1{u > m}], E[u^2 1{u > m}] (element-wise)."""
    from math import erfc, sqrt

    z = m / sigma
    q = 0.5 * np.vectorize(erfc, otypes=[float])(z / sqrt(2.0))  # P(u > m)
    pdf = np.exp(-0.5 * z ** 2) / sqrt(2 * np.pi)
    return q, sigma * pdf, sigma ** 2 * (q + z * pdf)


def input_noise_fit(x, y, theta, sigma_x, lam=1e-5):
    """Fit phi to the expected loss when every input is jittered by Gaussian noise:
    E_eps [sum_i (y_i - phi^T h(x_i + eps_i))^2] + lam sum_{d>=1} phi_d^2,
    eps_i ~ Norm(0, sigma_x^2),
    = sum_i (y_i^2 - 2 y_i phi^T E[h_i] + phi^T E[h_i h_i^T] phi) + lam ||phi_{1:}||^2,
    with the Gaussian moments of ReLU units h_d = theta_d1 a[eps - a_d] in closed form.
    x, y: (I,); theta: (D, 2) with slopes theta_d1 > 0. Returns phi (1 + D,)."""
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(I,)")
    y = check_ndim(as_float_array(y, "y"), "y", (1,), "(I,)")
    if y.size != x.size:
        raise ShapeError(f"y has {y.size} targets; expected {x.size}, one per input")
    theta = check_ndim(as_float_array(theta, "theta"), "theta", (2,), "(D, 2)")
    if theta.shape[1] != 2 or np.any(theta[:, 1] <= 0):
        raise ShapeError(f"theta has shape {theta.shape}; expected (D, 2) with every slope "
                         "theta_d1 > 0 (units that switch on to the right)")
    sigma_x = float(check_positive(sigma_x, "sigma_x", strict=False))
    lam = float(check_positive(lam, "lam", strict=False))
    P = theta.shape[0] + 1
    if sigma_x == 0:
        H = shallow_features(x, theta)
        Eh, Ehh = H, np.einsum("pi,qi->pq", H, H)
    else:
        t1 = theta[:, 1]
        a = -(theta[:, :1] + t1[:, None] * x[None, :]) / t1[:, None]  # (D, I): unit on if eps > a
        m = np.maximum(a[:, None, :], a[None, :, :])  # (D, D, I) both units on if eps > m
        q, e1, e2 = _gauss_tail(m, sigma_x)
        # E[(eps - a_d)(eps - a_e) 1{eps > m}] scaled by the slopes
        prod = e2 - (a[:, None] + a[None, :]) * e1 + a[:, None] * a[None, :] * q  # (D, D, I)
        diag_q, diag_e1 = np.diagonal(q).T, np.diagonal(e1).T  # (D, I)
        Eh = np.vstack([np.ones((1, x.size)), t1[:, None] * (diag_e1 - a * diag_q)])  # (P, I)
        Ehh = np.empty((P, P))
        Ehh[0, 0] = x.size
        Ehh[0, 1:] = Ehh[1:, 0] = Eh[1:].sum(axis=1)
        Ehh[1:, 1:] = np.outer(t1, t1) * prod.sum(axis=2)
    A = Ehh + lam * np.diag([0.0] + [1.0] * (P - 1))  # (P, P)
    phi, *_ = np.linalg.lstsq(A, Eh @ y, rcond=None)
    return phi


# ------------------------------------------------------------------------------------------
# Bayesian inference for a linear-in-features model
# ------------------------------------------------------------------------------------------
def bayes_posterior(H, y, sigma, sigma_p):
    """Posterior over phi for y_i ~ Norm(phi^T h_i, sigma^2), prior phi ~ Norm(0, sigma_p^2 I):
    Pr(phi | data) = Norm(mu, S),  S = (H H^T / sigma^2 + I / sigma_p^2)^-1,  mu = S H y / sigma^2.
    H: (P, I); y: (I,). Returns (mu (P,), S (P, P))."""
    H, y = _check_H_y(H, y)
    sigma = float(check_positive(sigma, "sigma"))
    sigma_p = float(check_positive(sigma_p, "sigma_p"))
    A = H @ H.T / sigma ** 2 + np.eye(H.shape[0]) / sigma_p ** 2  # (P, P) posterior precision
    L = np.linalg.cholesky(A)
    L_inv = np.linalg.solve(L, np.eye(H.shape[0]))
    S = L_inv.T @ L_inv  # A^-1 via its Cholesky factor: symmetric, positive definite
    mu = S @ (H @ y) / sigma ** 2
    return mu, S


def bayes_predictive(H_star, mu, S, sigma):
    """Predictive distribution at new inputs, averaging over the posterior:
    Pr(y* | x*, data) = Norm(mu^T h*, h*^T S h* + sigma^2).
    H_star: (P, J). Returns (mean (J,), variance (J,))."""
    Hs = check_ndim(as_float_array(H_star, "H_star"), "H_star", (2,), "(1 + D, J)")
    mu = check_ndim(as_float_array(mu, "mu"), "mu", (1,), "(P,)")
    S = check_ndim(as_float_array(S, "S"), "S", (2,), "(P, P)")
    if Hs.shape[0] != mu.size or S.shape != (mu.size, mu.size):
        raise ShapeError(f"H_star {Hs.shape}, mu {mu.shape} and S {S.shape} disagree; expected "
                         f"(P, J), (P,), (P, P) with P = {mu.size}")
    sigma = float(check_positive(sigma, "sigma", strict=False))
    mean = mu @ Hs  # (J,)
    var = np.einsum("pj,pq,qj->j", Hs, S, Hs) + sigma ** 2  # (J,) h*^T S h* + sigma^2
    return mean, var
