"""Fitting by descent (chapter 03): gradient descent, line search, SGD, momentum, Nesterov, Adam,
and the small two-parameter losses the chapter draws them on.

Conventions: a parameter vector ``theta`` has shape ``(D,)`` (``D = 2`` in every figure); a
gradient has the same shape. Each ``*_step`` is a pure function that returns the new state.
``run_*`` repeat a step and return the path, an array ``(T + 1, D)`` whose row t is theta_t;
once a run overflows (|theta| > 1e100 or not finite) the remaining rows are NaN ("diverged").
Losses are sums over the data points, as in the notes.

Arguments are checked at the door (``@shapes``); the loops call ``step.__wrapped__``, the
unchecked maths, on the values they made themselves.
"""

import math

import numpy as np

from .checks import InputTypeError, ShapeError, as_float_array, shapes

__all__ = [
    # the steps (the public API, fixed for outside checks)
    "gd_step",
    "momentum_step",
    "nesterov_step",
    "adam_step",
    "minibatches",
    "line_search",
    # one epoch, one bracket, the parts of a momentum step
    "sgd_epoch",
    "bracket_shrink",
    "step_parts",
    # schedules and runs
    "lr_schedule",
    "max_stable_alpha",
    "run_gd",
    "run_momentum",
    "run_adam",
    "run_sgd",
    "run_line_search",
    "diverged",
    # the losses of the figures
    "linreg_data",
    "linreg_loss",
    "linreg_grad",
    "linreg_hessian",
    "gabor",
    "gabor_data",
    "gabor_loss",
    "gabor_grad",
    "quadratic_loss",
    "quadratic_grad",
    "gabor_hessian",
    "numerical_hessian",
    "critical_point",
    "critical_points",
]

BLOW_UP = 1e100  # |theta| beyond this counts as diverged


# ------------------------------------------------------------------------------------------
# The steps
# ------------------------------------------------------------------------------------------
@shapes(theta="D", grad="D", alpha="> 0")
def gd_step(theta, grad, alpha):
    """One gradient-descent step: theta_{t+1} = theta_t - alpha dL/dtheta.

    theta, grad: (D,); alpha > 0. Returns the new theta (D,).
    """
    return theta - alpha * grad


@shapes(theta="D", m="D", grad="D", alpha="> 0", beta="[0, 1)")
def momentum_step(theta, m, grad, alpha, beta):
    """One momentum step (the notes' damped form):

    m_{t+1} = beta m_t + (1 - beta) dL/dtheta;   theta_{t+1} = theta_t - alpha m_{t+1}.

    theta, m, grad: (D,); 0 <= beta < 1. Returns (theta, m), both (D,).
    """
    m = beta * m + (1.0 - beta) * grad  # running average of the gradients
    return theta - alpha * m, m


@shapes(theta="D", m="D", grad_fn="function", alpha="> 0", beta="[0, 1)")
def nesterov_step(theta, m, grad_fn, alpha, beta):
    """One Nesterov step: the gradient is taken at the look-ahead point theta - alpha beta m.

    m_{t+1} = beta m_t + (1 - beta) dL/dtheta[theta_t - alpha beta m_t];
    theta_{t+1} = theta_t - alpha m_{t+1}.

    theta, m: (D,); grad_fn(theta) -> (D,). Returns (theta, m).
    """
    lookahead = theta - alpha * beta * m  # where the momentum alone would carry theta
    m = beta * m + (1.0 - beta) * grad_fn(lookahead)
    return theta - alpha * m, m


@shapes(theta="D", m="D", v="D", grad="D", t="int >= 0", alpha="> 0", beta="[0, 1)",
        gamma="[0, 1)", eps=">= 0", bias_correction="bool")
def adam_step(theta, m, v, grad, t, alpha=1e-3, beta=0.9, gamma=0.999, eps=1e-8,
              bias_correction=True):
    """One Adam step; t counts steps from 0.

    m_{t+1} = beta m_t + (1 - beta) g            m~ = m_{t+1} / (1 - beta^(t+1))
    v_{t+1} = gamma v_t + (1 - gamma) g^2        v~ = v_{t+1} / (1 - gamma^(t+1))
    theta_{t+1} = theta_t - alpha m~ / (sqrt(v~) + eps)

    theta, m, v, grad: (D,). ``bias_correction=False`` uses m, v instead of m~, v~ (to show
    why the correction is there). Returns (theta, m, v).
    """
    m = beta * m + (1.0 - beta) * grad  # first moment: average gradient
    v = gamma * v + (1.0 - gamma) * grad**2  # second moment: average squared gradient
    if bias_correction:
        m_hat = m / (1.0 - beta ** (t + 1))  # both averages start at 0: undo the pull to 0
        v_hat = v / (1.0 - gamma ** (t + 1))
    else:
        m_hat, v_hat = m, v
    return theta - alpha * m_hat / (np.sqrt(v_hat) + eps), m, v


@shapes(I="int >= 1", batch_size="int >= 1", rng="rng")
def minibatches(I, batch_size, rng):
    """One epoch: the indices 0..I-1 shuffled and cut into batches of ``batch_size`` (the last
    one smaller if batch_size does not divide I). Drawn without replacement: every index appears
    exactly once. Returns a list of int arrays."""
    order = rng.permutation(I)  # a shuffle, so no index is drawn twice
    return [order[start:start + batch_size] for start in range(0, I, batch_size)]


@shapes(loss_fn="function", theta="D", direction="D", max_step="> 0", tol="> 0",
        return_evals="bool")
def line_search(loss_fn, theta, direction, max_step=1.0, tol=1e-6, return_evals=False):
    """The step s in [0, max_step] that minimises L[theta + s direction], by bracketing.

    A bracket [a, d] holds the minimum; two interior points b < c are compared and the bracket
    shrinks to [a, c] if L(b) <= L(c), else to [b, d]. Points sit at the golden ratio, so one
    of them is reused and each round costs one loss evaluation; stop when d - a < tol. Assumes
    one minimum in the bracket (else finds a local one). ``return_evals=True`` also returns the
    evaluated (s, L) pairs in order, an array (n, 2).
    """
    evals = []

    def L(s):
        with np.errstate(all="ignore"):
            value = float(loss_fn(theta + s * direction))
        evals.append((s, value))
        return value if math.isfinite(value) else math.inf  # overflow counts as "too far"

    r = (math.sqrt(5.0) - 1.0) / 2.0  # 0.618..., the golden-section ratio
    a, d = 0.0, max_step  # 1. the bracket
    b, c = d - r * (d - a), a + r * (d - a)  # 2. two interior points
    L_b, L_c = L(b), L(c)
    for _ in range(200):
        if d - a < tol:
            break
        if L_b <= L_c:  # 3. the minimum is left of c: drop [c, d]
            d, c, L_c = c, b, L_b
            b = d - r * (d - a)
            L_b = L(b)
        else:  # the minimum is right of b: drop [a, b]
            a, b, L_b = b, c, L_c
            c = a + r * (d - a)
            L_c = L(c)
    step = 0.5 * (a + d)
    return (step, np.array(evals)) if return_evals else step


def _index_order(value, name):
    """The contract of an epoch's order: a 1-D array of distinct integer indices >= 0."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must hold integer indices (as from rng.permutation(I)); "
                             f"got an array of {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ShapeError(f"{name} has shape {arr.shape}; expected (I,) with I >= 1")
    if arr.min() < 0 or np.unique(arr).size != arr.size:
        raise ShapeError(f"{name} must hold distinct indices >= 0 (batches drawn without "
                         "replacement)")
    return arr


@shapes(theta="D", grad_fn="function", order=_index_order, batch_size="int >= 1",
        alpha="> 0")
def sgd_epoch(theta, grad_fn, order, batch_size, alpha):
    """One epoch of SGD through the data in the given order: for each batch B of ``order``
    cut into pieces of ``batch_size`` (the last one smaller),

    theta <- theta - alpha sum_{i in B} dl_i/dtheta[theta],

    with the gradient taken at the current theta, after the previous batch's update.
    theta (D,); grad_fn(theta, idx) returns the gradient summed over the points idx, (D,);
    order (I,) distinct indices (``rng.permutation(I)``). Returns the theta after the epoch.
    """
    for start in range(0, order.size, batch_size):
        batch = order[start:start + batch_size]  # the next |B| indices, none repeated
        theta = theta - alpha * grad_fn(theta, batch)  # one update per batch
    return theta


@shapes(loss_fn="function", a="number", d="number")
def bracket_shrink(loss_fn, a, d):
    """One round of bracketing on [a, d]: place b = d - r (d - a) and c = a + r (d - a) with
    the golden ratio r = (sqrt 5 - 1) / 2, compare, and keep the part that holds the minimum:
    [a, c] if L[b] <= L[c], else [b, d]. loss_fn(s) -> a number. Returns (a, d), the new
    bracket, r times as long. (``line_search`` repeats this, reusing one interior point.)"""
    r = (math.sqrt(5.0) - 1.0) / 2.0  # 0.618...
    b, c = d - r * (d - a), a + r * (d - a)  # two interior points, b < c
    if loss_fn(b) <= loss_fn(c):  # the minimum cannot lie right of c
        return a, c
    return b, d  # the minimum cannot lie left of b


@shapes(theta="D", m="D", grad_fn="function", alpha="> 0", beta="[0, 1)", nesterov="bool")
def step_parts(theta, m, grad_fn, alpha, beta, nesterov=False):
    """A momentum step split into its two arrows, theta_{t+1} = theta_t + push + correction:

    push = -alpha beta m_t (the memory: where the momentum alone carries theta),
    correction = -alpha (1 - beta) g, with g = dL/dtheta at theta_t (heavy ball) or at the
    look-ahead point theta_t + push (Nesterov).

    theta, m (D,); grad_fn(theta) -> (D,). Returns (push, correction, where the gradient was
    taken), each (D,).
    """
    push = -alpha * beta * m  # the momentum's own step
    at = theta + push if nesterov else theta  # Nesterov measures the slope after the push
    correction = -alpha * (1.0 - beta) * grad_fn(at)
    return push, correction, at


@shapes(alpha0="> 0", epoch="int >= 0", decay="> 0", every="int >= 1")
def lr_schedule(alpha0, epoch, decay=0.5, every=1):
    """Step decay: alpha = alpha0 * decay^floor(epoch / every). decay = 1 keeps alpha fixed."""
    return alpha0 * decay ** (epoch // every)


@shapes(lam="> 0", beta="[0, 1)")
def max_stable_alpha(lam, beta=0.0):
    """The largest learning rate that still converges on a quadratic of curvature lam:
    alpha < 2 (1 + beta) / ((1 - beta) lam) for damped momentum, 2 / lam for GD (beta = 0).
    Along the curvature one step multiplies theta by (1 - alpha lam) (GD), which shrinks only
    while |1 - alpha lam| < 1."""
    return 2.0 * (1.0 + beta) / ((1.0 - beta) * lam)


# ------------------------------------------------------------------------------------------
# Runs: repeat a step, keep the path. One loop, _descend, serves every run_*.
# ------------------------------------------------------------------------------------------
@shapes(path="... nan")
def diverged(path):
    """True when a path from ``run_*`` blew up (its last row is NaN)."""
    return bool(np.isnan(path[-1]).any())


def _descend(update, theta0, n_steps, state=None):
    """The loop of every run_*: theta_{t+1}, state = update(t, theta_t, state) for t < n_steps.

    Returns the path (n_steps + 1, D): row t is theta_t. A step that overflows (|theta| >
    BLOW_UP, inf or NaN) ends the run, and the rows after it stay NaN ("diverged").
    """
    path = np.full((n_steps + 1, theta0.size), np.nan)  # (T + 1, D)
    path[0] = theta = theta0
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            theta, state = update(t, theta, state)
            if not np.abs(theta).max() < BLOW_UP:  # False for inf and NaN too
                break
            path[t + 1] = theta
    return path


@shapes(grad_fn="function", theta0="D", alpha="> 0", n_steps="int >= 0")
def run_gd(grad_fn, theta0, alpha, n_steps):
    """n_steps of gradient descent from theta0. Returns the path (n_steps + 1, D)."""
    def update(t, theta, state):
        return gd_step.__wrapped__(theta, grad_fn(theta), alpha), state

    return _descend(update, theta0, n_steps)


@shapes(grad_fn="function", theta0="D", alpha="> 0", beta="[0, 1)", n_steps="int >= 0",
        nesterov="bool")
def run_momentum(grad_fn, theta0, alpha, beta, n_steps, nesterov=False):
    """n_steps of momentum (or Nesterov) from theta0 with m_0 = 0. Returns the path."""
    def update(t, theta, m):
        if nesterov:
            return nesterov_step.__wrapped__(theta, m, grad_fn, alpha, beta)
        return momentum_step.__wrapped__(theta, m, grad_fn(theta), alpha, beta)

    return _descend(update, theta0, n_steps, np.zeros_like(theta0))


@shapes(grad_fn="function", theta0="D", n_steps="int >= 0", alpha="> 0", beta="[0, 1)",
        gamma="[0, 1)", eps=">= 0", bias_correction="bool")
def run_adam(grad_fn, theta0, n_steps, alpha=1e-3, beta=0.9, gamma=0.999, eps=1e-8,
             bias_correction=True):
    """n_steps of Adam from theta0 with m_0 = v_0 = 0. Returns the path (n_steps + 1, D)."""
    def update(t, theta, moments):
        theta, m, v = adam_step.__wrapped__(theta, *moments, grad_fn(theta), t, alpha, beta,
                                            gamma, eps, bias_correction)
        return theta, (m, v)

    return _descend(update, theta0, n_steps, (np.zeros_like(theta0), np.zeros_like(theta0)))


@shapes(grad_fn="function", theta0="D", I="int >= 1", batch_size="int >= 1", alpha="> 0",
        n_epochs="int >= 0", rng="rng", decay="> 0")
def run_sgd(grad_fn, theta0, I, batch_size, alpha, n_epochs, rng, decay=1.0):
    """SGD: theta <- theta - alpha_e sum_{i in B} dl_i/dtheta, over n_epochs epochs of
    ``minibatches(I, batch_size, rng)``; alpha_e = lr_schedule(alpha, epoch, decay).

    grad_fn(theta, idx) returns the gradient summed over the points idx. Returns the path
    (n_epochs * ceil(I / batch_size) + 1, D): one row per update.
    """
    per_epoch = -(-I // batch_size)  # ceil(I / batch_size) updates per epoch

    def update(t, theta, batches):
        epoch, b = divmod(t, per_epoch)
        if b == 0:  # a new epoch: a new shuffle
            batches = minibatches.__wrapped__(I, batch_size, rng)
        alpha_e = lr_schedule.__wrapped__(alpha, epoch, decay, 1)
        return gd_step.__wrapped__(theta, grad_fn(theta, batches[b]), alpha_e), batches

    return _descend(update, theta0, n_epochs * per_epoch)


@shapes(loss_fn="function", grad_fn="function", theta0="D", n_steps="int >= 0",
        max_step="> 0", tol="> 0")
def run_line_search(loss_fn, grad_fn, theta0, n_steps, max_step=1.0, tol=1e-6):
    """Steepest descent with a line search along -gradient at every step. Returns the path."""
    def update(t, theta, state):
        direction = -grad_fn(theta)
        step = line_search.__wrapped__(loss_fn, theta, direction, max_step, tol, False)
        return theta + step * direction, state

    return _descend(update, theta0, n_steps)


# ------------------------------------------------------------------------------------------
# The losses of the figures. Each loss accepts theta (2,) or a grid (2, ...) for contours.
# ------------------------------------------------------------------------------------------
def _theta_or_grid(value, name):
    """The contract of a two-parameter theta: (2,), or a grid (2, ...) of them (NaN allowed:
    a diverged path's rows)."""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.shape == (2,):
        return value  # the common case, fast
    value = as_float_array(value, name, allow_nan=True)
    if value.ndim == 0 or value.shape[0] != 2:
        raise ShapeError(f"{name} has shape {value.shape}; expected (2,) or a grid (2, ...)")
    return value


@shapes(I="int >= 1", rng="rng", slope="number", offset="number", noise=">= 0", x_range="2")
def linreg_data(I, rng, slope=0.5, offset=1.0, noise=0.3, x_range=(-0.5, 2.5)):
    """I noisy points of the line y = offset + slope x, x uniform in x_range: (x, y), (I,) each."""
    x = rng.uniform(x_range[0], x_range[1], I)
    return x, offset + slope * x + noise * rng.normal(size=I)


@shapes(theta=_theta_or_grid, x="I", y="I")
def linreg_loss(theta, x, y):
    """Least squares of the line f[x, theta] = theta_0 + theta_1 x: L = sum_i (f - y_i)^2.

    theta (2,) or (2, ...); x, y (I,). Returns a float or an array (...).
    """
    f = theta[0][..., None] + theta[1][..., None] * x  # (..., I)
    return np.sum((f - y) ** 2, axis=-1)


@shapes(theta=_theta_or_grid, x="I", y="I")
def linreg_grad(theta, x, y):
    """dL/dtheta = sum_i 2 (f_i - y_i) [1, x_i] for the line. theta (2,); returns (2,)."""
    r = theta[0] + theta[1] * x - y  # (I,) residuals
    return np.array([2.0 * r.sum(), 2.0 * (r * x).sum()])


@shapes(x="I")
def linreg_hessian(x):
    """d2L/dtheta2 = 2 sum_i [1, x_i]^T [1, x_i] = 2 [[I, sum x], [sum x, sum x^2]] for the
    line, the same at every theta (the loss is quadratic). x (I,); returns (2, 2)."""
    X = np.stack([np.ones_like(x), x], axis=1)  # (I, 2): row i is [1, x_i]
    return 2.0 * X.T @ X


@shapes(x="I", theta=_theta_or_grid)
def gabor(x, theta):
    """The Gabor model f[x, theta] = sin(theta_0 + 0.06 theta_1 x) exp(-(theta_0 + 0.06
    theta_1 x)^2 / 32). x (I,), theta (2,) or (2, ...). Returns (I,) or (..., I)."""
    z = theta[0][..., None] + 0.06 * theta[1][..., None] * x  # (..., I)
    return np.sin(z) * np.exp(-(z**2) / 32.0)


@shapes(I="int >= 1", rng="rng", theta="2", noise=">= 0")
def gabor_data(I, rng, theta=(0.0, 16.6), noise=0.2):
    """I noisy samples of the Gabor model, x uniform in [-15, 15]: (x, y)."""
    x = np.sort(rng.uniform(-15.0, 15.0, I))
    return x, gabor(x, theta) + noise * rng.normal(size=I)


@shapes(theta=_theta_or_grid, x="I", y="I")
def gabor_loss(theta, x, y):
    """L = sum_i (f[x_i, theta] - y_i)^2 for the Gabor model; theta (2,) or (2, ...)."""
    return np.sum((gabor.__wrapped__(x, theta) - y) ** 2, axis=-1)


@shapes(theta=_theta_or_grid, x="I", y="I")
def gabor_grad(theta, x, y):
    """dL/dtheta for the Gabor least-squares loss, by the chain rule. theta (2,); returns (2,).
    (A grid of parameters (2, ...) gives the gradients (2, ...).)

    With z_i = theta_0 + 0.06 theta_1 x_i:  df/dz = exp(-z^2/32) (cos z - z sin z / 16),
    dz/dtheta = [1, 0.06 x_i].
    """
    z = theta[0][..., None] + 0.06 * theta[1][..., None] * x  # (I,) or (..., I)
    e = np.exp(-(z**2) / 32.0)
    df_dz = e * (np.cos(z) - z * np.sin(z) / 16.0)
    dl_dz = 2.0 * (np.sin(z) * e - y) * df_dz  # dl_i/dz_i
    return np.stack([dl_dz.sum(axis=-1), (dl_dz * 0.06 * x).sum(axis=-1)])  # (2,) or (2, ...)


def _gabor_derivatives(theta, x, y):
    """The gradient and the Hessian of the Gabor loss on a grid theta (2, ...): g_0, g_1,
    H_00, H_01, H_11, each (...). With z_i = theta_0 + 0.06 theta_1 x_i, the chain rule gives
    d2L/dz_i^2 = 2 (f'^2 + (f - y_i) f''), and dz/dtheta = [1, 0.06 x_i] is constant."""
    c = 0.06 * x  # dz/dtheta_1, (I,)
    z = theta[0][..., None] + c * theta[1][..., None]  # (..., I)
    e, sin, cos = np.exp(-(z**2) / 32.0), np.sin(z), np.cos(z)
    f = sin * e
    df = e * (cos - z * sin / 16.0)  # f'[z]
    d2f = e * (z * z * sin / 256.0 - z * cos / 8.0 - 17.0 * sin / 16.0)  # f''[z]
    dl_dz = 2.0 * (f - y) * df
    d2l_dz2 = 2.0 * (df * df + (f - y) * d2f)
    return (dl_dz.sum(-1), (dl_dz * c).sum(-1),
            d2l_dz2.sum(-1), (d2l_dz2 * c).sum(-1), (d2l_dz2 * c * c).sum(-1))


@shapes(theta=_theta_or_grid, x="I", y="I")
def gabor_hessian(theta, x, y):
    """The Hessian d2L/dtheta2 of the Gabor loss, by the chain rule: (2, 2) for theta (2,),
    (2, 2, ...) for a grid (2, ...)."""
    _, _, h00, h01, h11 = _gabor_derivatives(theta, x, y)
    return np.stack([np.stack([h00, h01]), np.stack([h01, h11])])


@shapes(theta=_theta_or_grid, A="2 2", center="2")
def quadratic_loss(theta, A, center=(0.0, 0.0)):
    """L = 1/2 (theta - c)^T A (theta - c) for a symmetric (2, 2) A; theta (2,) or (2, ...)."""
    d = theta - center.reshape((2,) + (1,) * (theta.ndim - 1))  # (2, ...)
    return 0.5 * np.einsum("i...,ij,j...->...", d, A, d)


@shapes(theta=_theta_or_grid, A="2 2", center="2")
def quadratic_grad(theta, A, center=(0.0, 0.0)):
    """dL/dtheta = A (theta - c) for the quadratic loss. theta (2,); returns (2,)."""
    return A @ (theta - center)


# ------------------------------------------------------------------------------------------
# Critical points: where the gradient vanishes, and what kind of point it is
# ------------------------------------------------------------------------------------------
@shapes(grad_fn="function", theta="D", h="> 0")
def numerical_hessian(grad_fn, theta, h=1e-5):
    """The Hessian by central differences of the gradient: H[:, j] = (g(theta + h e_j) -
    g(theta - h e_j)) / 2h, symmetrised. theta (D,); returns (D, D)."""
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        cols.append((np.asarray(grad_fn(theta + e)) - np.asarray(grad_fn(theta - e))) / (2 * h))
    H = np.stack(cols, axis=1)  # (D, D)
    return 0.5 * (H + H.T)


@shapes(grad_fn="function", theta0="D", n_steps="int >= 0", tol=">= 0")
def critical_point(grad_fn, theta0, n_steps=50, tol=1e-10):
    """Newton's method on the gradient, theta <- theta - H^-1 g: it converges to the nearest
    point where the gradient vanishes, minimum, maximum or saddle alike. Returns
    (theta, eigenvalues of H there): all > 0 minimum, mixed signs saddle."""
    hessian = numerical_hessian.__wrapped__
    theta = theta0.copy()  # a new array: theta0 stays as it was
    for _ in range(n_steps):
        g = np.asarray(grad_fn(theta))
        if np.linalg.norm(g) < tol:
            break
        try:
            theta = theta - np.linalg.solve(hessian(grad_fn, theta), g)
        except np.linalg.LinAlgError:  # a singular Hessian: no Newton step
            break
    return theta, np.linalg.eigvalsh(hessian(grad_fn, theta))


@shapes(grad_fn="function", hessian_fn="function", lims="2 2", n="int >= 2",
        n_steps="int >= 1", tol="> 0")
def critical_points(grad_fn, hessian_fn, lims, n=40, n_steps=60, tol=1e-8):
    """Every critical point of a loss of two parameters inside the box ``lims`` = ((lo_0,
    hi_0), (lo_1, hi_1)): Newton's method on the gradient, theta <- theta - H^-1 g, from each
    start of an n x n grid, all at once. Each step is at most two grid spacings long, so a run
    explores near its start instead of jumping across the box. Runs that end inside the box
    with |g| < tol are merged when they agree to 1e-5 and classified by the eigenvalues of H:
    all > 0 a minimum, all < 0 a maximum, mixed signs a saddle.

    grad_fn(theta) and hessian_fn(theta) take a grid theta (2, N) and return (2, N) and
    (2, 2, N). Returns a dict: ``points`` (P, 2), ``eigenvalues`` (P, 2) ascending, ``kinds``
    (a list of P strings), sorted by theta_0 then theta_1.
    """
    (lo0, hi0), (lo1, hi1) = lims
    t0, t1 = np.meshgrid(np.linspace(lo0, hi0, n), np.linspace(lo1, hi1, n))
    theta = np.stack([t0.ravel(), t1.ravel()])  # (2, N): one start per column
    max_step = 2.0 * max(hi0 - lo0, hi1 - lo1) / (n - 1)  # two grid spacings
    with np.errstate(all="ignore"):
        for _ in range(n_steps):
            g, H = grad_fn(theta), hessian_fn(theta)  # (2, N), (2, 2, N)
            det = H[0, 0] * H[1, 1] - H[0, 1] * H[1, 0]
            step = np.stack([H[1, 1] * g[0] - H[0, 1] * g[1],  # H^-1 g, the 2 x 2 inverse
                             H[0, 0] * g[1] - H[1, 0] * g[0]]) / det
            length = np.sqrt((step**2).sum(axis=0))
            step *= np.minimum(1.0, max_step / length)  # a long step is cut to max_step
            theta = np.where(np.isfinite(step), theta - step, np.nan)  # singular H: give up
        g = grad_fn(theta)
    ok = (np.isfinite(theta).all(axis=0) & (np.sqrt((g**2).sum(axis=0)) < tol)
          & (lo0 < theta[0]) & (theta[0] < hi0) & (lo1 < theta[1]) & (theta[1] < hi1))
    points = []
    for p in theta[:, ok].T:  # merge the runs that found the same point
        if not any(np.abs(p - q).max() < 1e-5 for q in points):
            points.append(p)
    points = np.array(sorted(points, key=tuple)).reshape(-1, 2)  # (P, 2)
    eig = np.linalg.eigvalsh(np.moveaxis(hessian_fn(points.T), -1, 0)).reshape(-1, 2)
    kinds = ["minimum" if e[0] > 0 else "maximum" if e[1] < 0 else "saddle" for e in eig]
    return {"points": points, "eigenvalues": eig, "kinds": kinds}
