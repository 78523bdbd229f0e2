"""Regularisation (chapter 07): explicit penalties and their priors, the implicit regulariser
of gradient descent and SGD, early stopping, ensembling, dropout, noise, Bayesian inference.

The functions of the public API, fixed for outside checks (``l2_penalty``,
``gd_modified_loss``, ``dropout``), come first; they are re-exported by
``dlcore.generalization``. The 1-D examples use a linear-in-features model: a
shallow ReLU net whose hidden layer theta is fixed, so only phi is fitted,

    f[x, phi] = phi_0 + sum_d phi_d a[theta_d0 + theta_d1 x] = phi^T h(x),   h = [1, h_1..h_D].

Feature matrices ``H`` have shape ``(1 + D, I)``: row 0 is all ones (it multiplies phi_0),
data points are columns, as everywhere in the course. Losses are sums over data points.
The shared building blocks come from their own modules: the features from ``dlcore.features``
(``shallow_features`` is ``features.relu_features``), least squares and ridge from
``dlcore.linear``, the gradient-descent loop from ``dlcore.optim`` (``gradient_descent_path``
is ``optim.run_gd``).
"""

from math import erfc, sqrt

import numpy as np

from .checks import ShapeError, as_float_array, check_int, returns, shapes
from .features import even_joints, joint_theta
from .features import relu_features as shallow_features
from .linear import least_squares
from .optim import gd_step, max_stable_alpha
from .optim import run_gd as gradient_descent_path

__all__ = [
    # the public API, fixed for outside checks
    "l2_penalty", "gd_modified_loss", "dropout",
    # the running 1-D example
    "true_function", "sample_data", "ramp_theta", "toy_problem",
    # explicit regularisation and the MAP view
    "shallow_features", "ridge_fit", "lam_from_prior", "neg_log_posterior",
    # a penalty that removes a local minimum
    "double_well_loss", "double_well_grad", "l2_penalized_grad", "escape_lam",
    # implicit regularisation
    "valley_loss", "valley_grad", "valley_hess", "gd_modified_grad", "gradient_descent_path",
    "gradient_flow_path",
    "sgd_modified_loss", "batch_gradient_variance",
    # SGD prefers flat minima
    "SHARP", "FLAT", "SOFTNESS", "sharp_flat_loss", "sharp_flat_grad", "sharp_flat_hess", "tilted_sgd_runs",
    # early stopping, ensembling, dropout, noise
    "least_squares_gd", "max_stable_step", "early_stopping_point", "bootstrap_indices",
    "ensemble_decomposition", "dropout_expected_loss", "dropout_fit",
    "input_noise_expected_loss", "input_noise_fit",
    # Bayesian inference
    "bayes_posterior", "bayes_predictive", "posterior_samples",
]


# ------------------------------------------------------------------------------------------
# Contracts that @shapes cannot state in its own words
# ------------------------------------------------------------------------------------------
def _matrices(omegas, name):
    """A list of weight matrices (or one array), as float64 arrays."""
    omegas = omegas if isinstance(omegas, (list, tuple)) else [omegas]
    return [as_float_array(o, f"{name}[{k}]") for k, o in enumerate(omegas)]


def _targets(y, name):
    """Targets y (I,); one row (1, I) is taken as (I,)."""
    y = as_float_array(y, name)
    return y[0] if y.ndim == 2 and y.shape[0] == 1 else y


def _ones_row_if_unpenalised(args):
    """ridge_fit: to leave phi_0 out of the penalty, H's row 0 must be all ones (it multiplies
    phi_0)."""
    H = args["H"]
    if not args["penalize_offset"] and not np.allclose(H[0], 1.0):
        raise ShapeError(f"H row 0 must be all ones (it multiplies the offset phi_0); got "
                         f"values in {H[0].min():g}..{H[0].max():g}")


def _two(theta, name):
    """theta (2,), or a grid of parameters (2, ...)."""
    theta = as_float_array(theta, name, allow_nan=True)
    if theta.ndim == 0 or theta.shape[0] != 2:
        raise ShapeError(f"{name} has shape {theta.shape}; expected (2,) or (2, ...)")
    return theta


def _step_counts(steps, name):
    """Step counts t: an int or an array of ints, all >= 0."""
    t = np.asarray(steps)
    if t.dtype.kind not in "iu" or np.any(t < 0):
        raise ShapeError(f"{name} must be non-negative integers; got {steps!r}"[:120])
    return t


def _patience(value, name):
    """An integer >= 1 (for an optional argument: the "int" contract does not skip None)."""
    return check_int(value, name, 1)


def _batch_fits(args):
    """tilted_sgd_runs: the batch size divides the data (every batch the same size)."""
    I, B = args["c"].size, args["batch_size"]
    if B > I or I % B:
        raise ShapeError(f"batch_size = {B} must divide I = {I} (equal-sized batches)")


def _nonempty(values, name):
    """Losses (T,), at least one (NaN allowed: a diverged run)."""
    values = as_float_array(values, name, allow_nan=True)
    if values.size == 0:
        raise ShapeError(f"{name} is empty; expected at least one loss")
    return values


def _rightward(theta, name):
    """theta (D, 2) of units that switch on to the right: every slope theta_d1 > 0."""
    theta = as_float_array(theta, name)
    if theta.ndim == 2 and np.any(theta[:, -1] <= 0):
        raise ShapeError(f"{name} has a slope theta_d1 = {theta[:, -1].min():g}; expected every "
                         "slope theta_d1 > 0 (units that switch on to the right)")
    return theta


# ------------------------------------------------------------------------------------------
# The public API, fixed for outside checks
# ------------------------------------------------------------------------------------------
@shapes(omegas=_matrices, lam=">= 0")
def l2_penalty(omegas, lam):
    """Explicit L2 regulariser: lam * sum_k ||Omega_k||^2 (squared Frobenius norms).

    omegas: a list of weight matrices (or one array); lam >= 0. Returns a float.
    """
    return lam * sum(float(np.sum(omega ** 2)) for omega in omegas)


@shapes(loss_fn=returns("number nan"), grad_fn=returns("... nan"), alpha=">= 0")
def gd_modified_loss(loss_fn, grad_fn, alpha):
    """The loss that gradient descent with step alpha implicitly minimises (to first order):
    L_GD[theta] = L[theta] + alpha / 4 * ||dL/dtheta||^2. Returns a function of theta."""
    def modified(theta):
        return loss_fn(theta) + alpha / 4.0 * float(np.sum(grad_fn(theta) ** 2))

    return modified


@shapes(h="...", p="[0, 1)", rng="rng")
def dropout(h, p, rng):
    """Inverted dropout: zero each entry of h with probability p and scale the survivors by
    1 / (1 - p), so the expected activation is unchanged. h: any shape; p in [0, 1)."""
    keep = rng.random(h.shape) >= p  # True with probability 1 - p
    return np.where(keep, h / (1.0 - p), 0.0)


# ------------------------------------------------------------------------------------------
# The running 1-D example: a few noisy samples of a smooth function on [0, 1]
# ------------------------------------------------------------------------------------------
@shapes(x="...")
def true_function(x):
    """The function behind the 1-D examples: sin(2 pi x) + 0.5 x (any shape)."""
    return np.sin(2 * np.pi * x) + 0.5 * x


@shapes(I="int >= 1", sigma=">= 0", rng="rng")
def sample_data(I, sigma, rng):
    """I training points: x ~ Uniform[0, 1] (sorted), y = true_function(x) + sigma eps.
    Returns (x (I,), y (I,))."""
    x = np.sort(rng.uniform(0.0, 1.0, I))
    return x, true_function(x) + sigma * rng.standard_normal(I)


@shapes(D="int >= 1", lo="number", hi="number")
def ramp_theta(D, lo=0.0, hi=1.0):
    """A fixed hidden layer of D ReLU units with joints evenly spaced on [lo, hi):
    h_d = a[x - c_d], c_d = lo + (hi - lo) d / D, i.e. theta_d0 = -c_d, theta_d1 = 1.
    Returns theta (D, 2)."""
    return joint_theta(even_joints(D, lo, hi))


@shapes(I="int >= 1", D="int >= 1", sigma=">= 0", seed="int >= 0", n_test="int >= 1")
def toy_problem(I=12, D=40, sigma=0.25, seed=7, n_test=200):
    """The chapter's running example: I noisy training points, a fixed ReLU layer of D units
    (``ramp_theta``), their features, and a test set from the same distribution.

    Returns a dict: x, y (I,), theta (D, 2), H (1 + D, I), x_test, y_test (n_test,),
    H_test (1 + D, n_test), sigma."""
    rng = np.random.default_rng(seed)
    x, y = sample_data(I, sigma, rng)
    x_test, y_test = sample_data(n_test, sigma, rng)
    theta = ramp_theta(D)
    return {"x": x, "y": y, "theta": theta, "H": shallow_features(x, theta),
            "x_test": x_test, "y_test": y_test, "H_test": shallow_features(x_test, theta),
            "sigma": sigma}


# ------------------------------------------------------------------------------------------
# Explicit regularisation: ridge = MAP with a Gaussian prior
# ------------------------------------------------------------------------------------------
@shapes(H="P I", y="I | D_o I", lam=">= 0", penalize_offset="bool", where=_ones_row_if_unpenalised)
def ridge_fit(H, y, lam, penalize_offset=False):
    """L2-regularised least squares (ridge regression), the MAP fit with a Gaussian prior:
    phi = argmin sum_i (y_i - phi^T h_i)^2 + lam sum_{d>=1} phi_d^2   (phi_0 too if asked).

    Without the offset in the penalty, centring removes phi_0: the other weights are the ridge
    fit of the centred targets y - mean(y) on the centred features H[1:] - m (m their means),
    and then phi_0 = mean(y) - sum_d phi_d m_d. lam = 0 gives the minimum-norm interpolant (the
    limit lam -> 0+). H: (P, I) with row 0 all ones; y: (I,) or (D_o, I). Returns phi (P,) or
    (D_o, P).
    """
    if penalize_offset:
        return least_squares(H, y, lam)
    m = H[1:].mean(axis=1)  # (D,) feature means
    y_mean = y.mean(axis=-1, keepdims=True)  # (1,) or (D_o, 1)
    weights = least_squares(H[1:] - m[:, None], y - y_mean, lam)  # (D,) or (D_o, D)
    phi0 = y_mean - weights @ m[:, None]  # (1,) or (D_o, 1)
    return np.concatenate([phi0, weights], axis=-1)


@shapes(sigma="> 0", sigma_p="> 0")
def lam_from_prior(sigma, sigma_p):
    """The L2 strength that makes least squares + penalty the MAP estimate for the model
    y ~ Norm(phi^T h, sigma^2) with prior phi_d ~ Norm(0, sigma_p^2):  lam = sigma^2 / sigma_p^2."""
    return sigma ** 2 / sigma_p ** 2


@shapes(phi="P", H="P I", y=(_targets, "I"), sigma="> 0", sigma_p="> 0", penalize_offset="bool")
def neg_log_posterior(phi, H, y, sigma, sigma_p, penalize_offset=False):
    """-log Pr(phi | data) up to a constant = -sum_i log Norm_{y_i}[phi^T h_i, sigma^2]
    - sum_d log Norm_{phi_d}[0, sigma_p^2]  (d >= 1 unless penalize_offset), constants dropped:
    sum_i (y_i - phi^T h_i)^2 / (2 sigma^2) + sum_d phi_d^2 / (2 sigma_p^2)."""
    w = phi if penalize_offset else phi[1:]
    return float(np.sum((y - phi @ H) ** 2) / (2 * sigma ** 2)
                 + np.sum(w ** 2) / (2 * sigma_p ** 2))


# ------------------------------------------------------------------------------------------
# A penalty that removes a local minimum
# ------------------------------------------------------------------------------------------
@shapes(theta="...", tilt="number")
def double_well_loss(theta, tilt=0.3):
    """A non-convex 1-parameter loss with two minima: L = (theta^2 - 1)^2 + tilt theta.
    For tilt > 0 the minimum near theta = -1 is the better one (the global minimum) and the one
    near theta = +1 a local minimum. theta: any shape (each entry one parameter value)."""
    return (theta ** 2 - 1) ** 2 + tilt * theta


@shapes(theta="...", tilt="number")
def double_well_grad(theta, tilt=0.3):
    """dL/dtheta of ``double_well_loss``: 4 theta (theta^2 - 1) + tilt (any shape)."""
    return 4 * theta * (theta ** 2 - 1) + tilt


@shapes(grad_fn="function", lam=">= 0")
def l2_penalized_grad(grad_fn, lam):
    """The gradient of the penalised loss L[theta] + lam ||theta||^2: dL/dtheta + 2 lam theta.
    Returns a function theta -> array of theta's shape."""
    def grad(theta):
        return grad_fn(theta) + 2 * lam * theta

    return grad


@shapes(tilt="> 0")
def escape_lam(tilt=0.3):
    """The smallest lam for which (theta^2 - 1)^2 + tilt theta + lam theta^2 has no minimum at
    theta > 0. Its gradient 4 theta^3 + (2 lam - 4) theta + tilt is smallest on theta > 0 at
    theta_m = sqrt((4 - 2 lam) / 12), where it equals tilt - (2/3) u^(3/2) / sqrt(12) with
    u = 4 - 2 lam; it stays positive once u^(3/2) < 1.5 sqrt(12) tilt:
    lam* = 2 - (1.5 sqrt(12) tilt)^(2/3) / 2. Returns a float."""
    return 2.0 - (1.5 * sqrt(12.0) * tilt) ** (2.0 / 3.0) / 2.0


# ------------------------------------------------------------------------------------------
# Implicit regularisation of gradient descent and SGD
# ------------------------------------------------------------------------------------------
@shapes(theta=_two)
def valley_loss(theta):
    """A 2-parameter loss with a curved valley (a gentle Rosenbrock function), for pictures:
    L = (1 - theta_0)^2 / 2 + (theta_1 - theta_0^2)^2; minimum 0 at (1, 1).
    theta: (2,), or a grid (2, ...)."""
    t0, t1 = theta[0], theta[1]
    return 0.5 * (1 - t0) ** 2 + (t1 - t0 ** 2) ** 2


@shapes(theta=_two)
def valley_grad(theta):
    """dL/dtheta of ``valley_loss``: (2,)."""
    t0, t1 = theta[0], theta[1]
    r = t1 - t0 ** 2
    return np.array([-(1 - t0) - 4.0 * t0 * r, 2.0 * r])


@shapes(theta=_two)
def valley_hess(theta):
    """d2L/dtheta2 of ``valley_loss``: (2, 2)."""
    t0, t1 = theta[0], theta[1]
    return np.array([[1.0 - 4.0 * (t1 - t0 ** 2) + 8.0 * t0 ** 2, -4.0 * t0],
                     [-4.0 * t0, 2.0]])


@shapes(grad_fn=returns("... nan"), alpha=">= 0", hess_fn=returns("P P nan"), eps="> 0")
def gd_modified_grad(grad_fn, alpha, hess_fn=None, eps=1e-5):
    """The gradient of L_GD = L + alpha/4 ||dL/dtheta||^2, i.e. g + alpha/2 (d2L/dtheta2) g.

    The Hessian-vector product is hess_fn(theta) @ g when hess_fn is given, else the central
    difference (g(theta + eps u) - g(theta - eps u)) / (2 eps) ||g|| along u = g / ||g||.
    Returns a function theta (P,) -> (P,).
    """
    def hessian_times(theta, g):  # (d2L/dtheta2) g
        if hess_fn is not None:
            return hess_fn(theta) @ g
        norm = np.linalg.norm(g)
        u = g / norm if norm > 0 else g  # at a critical point g = 0 and so is (d2L/dtheta2) g
        return (grad_fn(theta + eps * u) - grad_fn(theta - eps * u)) / (2 * eps) * norm

    def grad(theta):
        g = grad_fn(theta)
        return g + alpha / 2.0 * hessian_times(theta, g)

    return grad


@shapes(grad_fn=returns("P nan"), theta0="P", t_end=">= 0", n_steps="int >= 1")
def gradient_flow_path(grad_fn, theta0, t_end, n_steps):
    """The continuous path d theta/dt = -grad_fn(theta), integrated with classical
    Runge-Kutta (RK4) from t = 0 to t_end in n_steps equal steps. Returns (n_steps + 1, P)."""
    dt = t_end / n_steps
    path = np.empty((n_steps + 1, theta0.size))
    path[0] = theta = theta0
    for t in range(n_steps):
        k1 = -grad_fn(theta)
        k2 = -grad_fn(theta + dt / 2 * k1)
        k3 = -grad_fn(theta + dt / 2 * k2)
        k4 = -grad_fn(theta + dt * k3)
        theta = theta + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        path[t + 1] = theta
    return path


@shapes(batch_grads="B P")
def batch_gradient_variance(batch_grads):
    """(1/B) sum_b ||dL_b/dtheta - dL/dtheta||^2 with dL/dtheta = (1/B) sum_b dL_b/dtheta.

    batch_grads: (B, P), one row per batch. Returns a float."""
    g = batch_grads.mean(axis=0)  # (P,) the full gradient
    return float(np.mean(np.sum((batch_grads - g) ** 2, axis=1)))


@shapes(batch_loss_fns=returns("number nan", each="B"), batch_grad_fns=returns("... nan", each="B"),
        alpha=">= 0")
def sgd_modified_loss(batch_loss_fns, batch_grad_fns, alpha):
    """The loss SGD with step alpha implicitly minimises, for B equal-sized batches:
    L_SGD = L + alpha/4 ||dL/dtheta||^2 + alpha/(4B) sum_b ||dL_b/dtheta - dL/dtheta||^2,
    with L = (1/B) sum_b L_b. Returns a function theta -> float."""
    def modified(theta):
        L = np.mean([L_b(theta) for L_b in batch_loss_fns])
        G = np.array([g_b(theta).reshape(-1) for g_b in batch_grad_fns])  # (B, P)
        g = G.mean(axis=0)
        variance = batch_gradient_variance.__wrapped__(G)  # unchecked: G is made here
        return float(L + alpha / 4 * np.sum(g ** 2) + alpha / 4 * variance)

    return modified


# ------------------------------------------------------------------------------------------
# SGD prefers flat minima: a sharp and a flat minimum of equal depth
# ------------------------------------------------------------------------------------------
SHARP = (-0.8, 40.0)  # (centre, curvature) of the sharp well
FLAT = (0.8, 4.0)     # (centre, curvature) of the flat well
SOFTNESS = 0.25       # the temperature T of the soft minimum that joins them


def _wells(theta):
    """The two parabolas q_k = kappa_k (theta - c_k)^2 / 2 and their slopes."""
    (a, ka), (b, kb) = SHARP, FLAT
    return ka * (theta - a) ** 2 / 2, kb * (theta - b) ** 2 / 2, ka * (theta - a), kb * (theta - b)


@shapes(theta="...")
def sharp_flat_loss(theta):
    """A 1-parameter loss with two minima of equal depth (0, to 1e-9), one sharp, one flat: the
    soft minimum of two parabolas q_k = kappa_k (theta - c_k)^2 / 2,
    L = -T log(exp(-q_sharp / T) + exp(-q_flat / T)),  (c, kappa) = SHARP, FLAT; T = SOFTNESS.
    The curvature at the bottom of a well is its kappa: 40 (sharp) and 4 (flat)."""
    qa, qb, _, _ = _wells(theta)
    return -SOFTNESS * np.logaddexp(-qa / SOFTNESS, -qb / SOFTNESS)


@shapes(theta="...")
def sharp_flat_grad(theta):
    """dL/dtheta of ``sharp_flat_loss``: w q_sharp' + (1 - w) q_flat', with the weight
    w = exp(-q_sharp/T) / (exp(-q_sharp/T) + exp(-q_flat/T)) (any shape)."""
    qa, qb, ga, gb = _wells(theta)
    w = 0.5 * (1 + np.tanh((qb - qa) / (2 * SOFTNESS)))  # the weight of the sharp well, stably
    return w * ga + (1 - w) * gb


@shapes(theta="...")
def sharp_flat_hess(theta):
    """d2L/dtheta2 of ``sharp_flat_loss``, the Hessian's only (so largest) eigenvalue, the
    sharpness: w kappa_sharp + (1 - w) kappa_flat - w (1 - w) (q_sharp' - q_flat')^2 / T."""
    qa, qb, ga, gb = _wells(theta)
    w = 0.5 * (1 + np.tanh((qb - qa) / (2 * SOFTNESS)))
    return w * SHARP[1] + (1 - w) * FLAT[1] - w * (1 - w) * (ga - gb) ** 2 / SOFTNESS


@shapes(theta0="R", c="I", batch_size="int >= 1", alpha="> 0", n_epochs="int >= 0",
        rng="rng", where=_batch_fits)
def tilted_sgd_runs(theta0, c, batch_size, alpha, n_epochs, rng):
    """R independent runs of SGD on ``sharp_flat_loss`` from theta0 (R,), one value each.

    Data point i tilts the loss, l_i = L + c_i theta with sum_i c_i = 0, so the full loss is
    L and a batch's gradient is dL/dtheta + mean_{i in batch} c_i. Each run shuffles the I
    points every epoch on its own and steps once per batch; batch_size = I is gradient
    descent. Returns the path (n_epochs * (I // batch_size) + 1, R)."""
    I, R_ = c.size, theta0.size
    per_epoch = I // batch_size
    path = np.empty((n_epochs * per_epoch + 1, R_))
    path[0] = theta = theta0
    order = np.tile(np.arange(I), (R_, 1))  # (R, I)
    for e in range(n_epochs):
        order = rng.permuted(order, axis=1)  # a shuffle per run
        for b in range(per_epoch):
            idx = order[:, b * batch_size:(b + 1) * batch_size]  # (R, batch_size)
            grad = sharp_flat_grad.__wrapped__(theta) + c[idx].mean(axis=1)
            theta = gd_step.__wrapped__(theta, grad, alpha)
            path[e * per_epoch + b + 1] = theta
    return path



# ------------------------------------------------------------------------------------------
# Early stopping
# ------------------------------------------------------------------------------------------
@shapes(H="P I", y="I | D_o I", alpha="> 0", steps=_step_counts)
def least_squares_gd(H, y, alpha, steps):
    """phi after t steps of gradient descent on L = sum_i (y_i - phi^T h_i)^2 from phi = 0,
    in closed form: with the thin SVD H = U diag(s) V^T,
    phi_t = U diag((1 - (1 - 2 alpha s^2)^t) / s^2) diag(s) V^T y
    (directions outside the span of the data never move).

    H: (P, I); y: (I,) or (D_o, I); steps: an int or an array of T ints.
    Returns (P,) / (D_o, P) for one step count, (T, P) / (T, D_o, P) for several.
    """
    U, s, Vt = np.linalg.svd(H, full_matrices=False)  # (P, k), (k,), (k, I)
    keep = s > 1e-12 * max(s.max(initial=0.0), 1e-300)
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    r = (y @ Vt.T) * s  # (k,) or (D_o, k): H y^T in the basis U
    t = steps.reshape(steps.shape + (1,) * r.ndim)  # the steps on axes of their own
    with np.errstate(over="ignore", invalid="ignore"):
        shrink = (1 - (1 - 2 * alpha * s ** 2) ** t) / s ** 2  # (T..., [1,] k)
    return (shrink * r) @ U.T  # (T..., [D_o,] P)


@shapes(H="P I")
def max_stable_step(H):
    """The step size at which gradient descent on L = sum_i (y_i - phi^T h_i)^2 stops
    converging: its Hessian 2 H H^T has largest eigenvalue 2 s_max^2 (s_max the largest
    singular value of H), so alpha < 2 / (2 s_max^2) = 1 / s_max^2 (``max_stable_alpha``).
    H: (P, I). Returns a float."""
    curvature = 2.0 * np.linalg.norm(H, 2) ** 2  # the largest eigenvalue of 2 H H^T
    return max_stable_alpha(curvature)


@shapes(val_losses=(_nonempty, "T nan"), patience=_patience)
def early_stopping_point(val_losses, patience=None):
    """The step at which early stopping keeps the parameters: the minimum of the validation
    loss, or, with patience, the best step seen when the loss first failed to improve for
    `patience` consecutive steps. val_losses: (T,). Returns an int index."""
    v = np.where(np.isfinite(val_losses), val_losses, np.inf)
    if patience is None:
        return int(np.argmin(v))
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
@shapes(I="int >= 1", n_models="int >= 1", rng="rng")
def bootstrap_indices(I, n_models, rng):
    """n_models resamples of the I training points, drawn with replacement: (n_models, I)."""
    return rng.integers(0, I, size=(n_models, I))


@shapes(preds="M I", target="I")
def ensemble_decomposition(preds, target):
    """Why averaging helps: for member predictions f_m (M, I) and the ensemble mean fbar,
    mean_m ||f_m - y||^2 = ||fbar - y||^2 + mean_m ||f_m - fbar||^2  (per point, averaged).

    Returns a dict: member_mse, ensemble_mse, spread (all floats) and mean (I,)."""
    fbar = preds.mean(axis=0)  # (I,)
    return {"member_mse": float(np.mean((preds - target) ** 2)),
            "ensemble_mse": float(np.mean((fbar - target) ** 2)),
            "spread": float(np.mean((preds - fbar) ** 2)), "mean": fbar}


# ------------------------------------------------------------------------------------------
# Dropout and noise on linear-in-features models: exact expectations
# ------------------------------------------------------------------------------------------
@shapes(phi="P", H="P I", y=(_targets, "I"), p="[0, 1)")
def dropout_expected_loss(phi, H, y, p):
    """E over dropout masks of sum_i (y_i - phi_0 - sum_d m_d phi_d h_di / (1 - p))^2, where
    each hidden unit d >= 1 survives (m_d = 1) with probability 1 - p:
    = sum_i (y_i - phi^T h_i)^2 + p/(1-p) sum_d phi_d^2 sum_i h_di^2  (a data-weighted ridge)."""
    energy = np.sum(H[1:] ** 2, axis=1)  # (D,) sum_i h_di^2
    return float(np.sum((y - phi @ H) ** 2) + p / (1 - p) * np.sum(phi[1:] ** 2 * energy))


@shapes(H="P I", y=(_targets, "I"), p="[0, 1)")
def dropout_fit(H, y, p):
    """The phi that minimises dropout_expected_loss: ridge with a penalty per unit,
    (H H^T + p/(1-p) diag(0, ||h_1||^2, .., ||h_D||^2)) phi = H y. Returns (1 + D,).

    Least squares on D extra data points, one per unit d, with feature sqrt(p/(1-p)) ||h_d||
    on unit d alone and target 0: each adds exactly its unit's penalty to the loss."""
    D = H.shape[0] - 1
    penalty = np.sqrt(p / (1 - p) * np.sum(H[1:] ** 2, axis=1))  # (D,)
    extra = np.vstack([np.zeros((1, D)), np.diag(penalty)])  # (1 + D, D): the extra points
    return least_squares(np.hstack([H, extra]), np.concatenate([y, np.zeros(D)]))


@shapes(omega="D_i", beta="number", x="D_i I columns", y="I", sigma_x=">= 0")
def input_noise_expected_loss(omega, beta, x, y, sigma_x):
    """E over eps ~ Norm(0, sigma_x^2 I) of sum_i (y_i - beta - omega^T (x_i + eps_i))^2 for a
    linear model = sum_i (y_i - beta - omega^T x_i)^2 + I sigma_x^2 ||omega||^2 (ridge again).
    omega: (D_i,); beta: scalar; x: (D_i, I); y: (I,). Returns a float."""
    resid = y - beta - omega @ x  # (I,)
    return float(np.sum(resid ** 2) + x.shape[1] * sigma_x ** 2 * np.sum(omega ** 2))


def _gauss_tail(m, sigma):
    """For u ~ Norm(0, sigma^2): P(u > m), E[u 1{u > m}], E[u^2 1{u > m}] (element-wise)."""
    z = m / sigma
    q = 0.5 * np.vectorize(erfc, otypes=[float])(z / sqrt(2.0))  # P(u > m)
    pdf = np.exp(-0.5 * z ** 2) / sqrt(2 * np.pi)
    return q, sigma * pdf, sigma ** 2 * (q + z * pdf)


@shapes(x="I", y="I", theta=(_rightward, "D 2"), sigma_x=">= 0", lam=">= 0")
def input_noise_fit(x, y, theta, sigma_x, lam=1e-5):
    """Fit phi to the expected loss when every input is jittered by Gaussian noise:
    E_eps [sum_i (y_i - phi^T h(x_i + eps_i))^2] + lam sum_{d>=1} phi_d^2,
    eps_i ~ Norm(0, sigma_x^2),
    = sum_i (y_i^2 - 2 y_i phi^T E[h_i] + phi^T E[h_i h_i^T] phi) + lam ||phi_{1:}||^2,
    with the Gaussian moments of ReLU units h_d = theta_d1 a[eps - a_d] in closed form.
    Its minimum solves phi A = (E[H] y)^T with A = sum_i E[h_i h_i^T] + lam diag(0, 1, .., 1).
    x, y: (I,); theta: (D, 2) with slopes theta_d1 > 0. Returns phi (1 + D,)."""
    P = theta.shape[0] + 1
    if sigma_x == 0:
        H = shallow_features(x, theta)
        Eh, Ehh = H, H @ H.T
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
    A = Ehh + lam * np.diag([0.0] + [1.0] * (P - 1))  # (P, P), symmetric
    return least_squares(A, Eh @ y)  # phi A = (E[H] y)^T, the minimum-norm phi if A is singular


# ------------------------------------------------------------------------------------------
# Bayesian inference for a linear-in-features model
# ------------------------------------------------------------------------------------------
@shapes(H="P I", y=(_targets, "I"), sigma="> 0", sigma_p="> 0")
def bayes_posterior(H, y, sigma, sigma_p):
    """Posterior over phi for y_i ~ Norm(phi^T h_i, sigma^2), prior phi ~ Norm(0, sigma_p^2 I):
    Pr(phi | data) = Norm(mu, S),  S = (H H^T / sigma^2 + I / sigma_p^2)^-1,  mu = S H y / sigma^2.
    H: (P, I); y: (I,). Returns (mu (P,), S (P, P))."""
    A = H @ H.T / sigma ** 2 + np.eye(H.shape[0]) / sigma_p ** 2  # (P, P) posterior precision
    L = np.linalg.cholesky(A)
    L_inv = np.linalg.solve(L, np.eye(H.shape[0]))
    S = L_inv.T @ L_inv  # A^-1 via its Cholesky factor: symmetric, positive definite
    mu = S @ (H @ y) / sigma ** 2
    return mu, S


@shapes(H_star="P J", mu="P", S="P P", sigma=">= 0")
def bayes_predictive(H_star, mu, S, sigma):
    """Predictive distribution at new inputs, averaging over the posterior:
    Pr(y* | x*, data) = Norm(mu^T h*, h*^T S h* + sigma^2).
    H_star: (P, J). Returns (mean (J,), variance (J,))."""
    mean = mu @ H_star  # (J,)
    var = np.einsum("pj,pq,qj->j", H_star, S, H_star) + sigma ** 2  # (J,) h*^T S h* + sigma^2
    return mean, var


@shapes(mu="P", S="P P", z="P n")
def posterior_samples(mu, S, z):
    """Parameter vectors drawn from the posterior Norm(mu, S), given standard normal draws z:
    phi_n = mu + L z_n with S = L L^T (Cholesky; 1e-12 I added so a singular S works).
    mu (P,), S (P, P), z (P, n). Returns (P, n), one sample per column."""
    L = np.linalg.cholesky(S + 1e-12 * np.eye(S.shape[0]))  # (P, P) lower triangular
    return mu[:, None] + L @ z
