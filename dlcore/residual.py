"""Residual networks and normalisation (chapter 09): batch norm, layer norm, shattered
gradients, the unravelled view of a residual net, and variance growth through residual blocks.

Conventions (the notes'): hidden units are rows and the batch is columns, ``h`` has shape
``(D, I)``. A residual block adds its branch to its input: ``h_{k+1} = h_k + f_k[h_k]``, with
the branch written ReLU first, ``f_k[h] = beta_k + Omega_k a[h]`` (the order the notes
recommend), and ``Omega_k`` of shape ``(D, D)``.
"""

from math import comb

import numpy as np

from .checks import (
    ShapeError,
    as_float_array,
    as_points,
    check_int,
    check_ndim,
    check_positive,
    check_probability,
    restore_points,
)

__all__ = [
    "batch_norm",
    "batch_norm_eval",
    "update_running",
    "layer_norm",
    "toy_net",
    "input_gradient",
    "autocorrelation",
    "path_counts",
    "paths_by_length",
    "residual_variances",
    "variance_closed_form",
]


# ------------------------------------------------------------------------------------------
# Normalisation
# ------------------------------------------------------------------------------------------
def _per_unit(value, name, D):
    """gamma/delta/running statistics: a scalar, (D,) or (D, 1) -> a column (D, 1)."""
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        return np.full((D, 1), float(arr))
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.shape != (D,):
        raise ShapeError(f"{name} has shape {arr.shape}; expected ({D},) or ({D}, 1), "
                         "one value per hidden unit (row of h)")
    return arr[:, None]  # (D, 1)


def _check_eps(eps):
    return float(check_positive(eps, "eps", strict=False))


def batch_norm(h, gamma, delta, eps=1e-5):
    """Batch norm in training: standardise each unit (row) over the batch, then scale and shift.

    m = mean_i h[:, i];  s2 = mean_i (h[:, i] - m)^2  (biased, 1/|B|, as PyTorch normalises);
    out = gamma (h - m) / sqrt(s2 + eps) + delta.
    h (D, I) with I >= 2; gamma, delta (D,) or (D, 1) or scalars. Returns (out (D, I), m (D,),
    s2 (D,)).
    """
    h = check_ndim(as_float_array(h, "h"), "h", (2,), "(D, I): units as rows, batch as columns")
    if h.shape[1] < 2:
        raise ShapeError(f"h has shape {h.shape}; batch norm needs a batch of at least 2 "
                         "columns to estimate a variance")
    D = h.shape[0]
    gamma, delta = _per_unit(gamma, "gamma", D), _per_unit(delta, "delta", D)
    eps = _check_eps(eps)
    m = h.mean(axis=1, keepdims=True)  # (D, 1): the batch mean m_n of each unit
    s2 = ((h - m) ** 2).mean(axis=1, keepdims=True)  # (D, 1): biased variance s_n^2
    z = (h - m) / np.sqrt(s2 + eps)  # (D, I): standardised
    out = gamma * z + delta
    return out, m[:, 0], s2[:, 0]


def batch_norm_eval(h, gamma, delta, run_mean, run_var, eps=1e-5):
    """Batch norm at test time: the running averages replace the batch statistics.

    out = gamma (h - run_mean) / sqrt(run_var + eps) + delta.
    h (D, I) or one point (D,); gamma, delta, run_mean, run_var (D,) or (D, 1). Same shape out.
    """
    h2, was_1d = as_points(h, "h")
    D = h2.shape[0]
    gamma, delta = _per_unit(gamma, "gamma", D), _per_unit(delta, "delta", D)
    run_mean = _per_unit(run_mean, "run_mean", D)
    run_var = _per_unit(run_var, "run_var", D)
    if (run_var < 0).any():
        raise ShapeError(f"run_var must be >= 0; got {run_var.min()!r}")
    eps = _check_eps(eps)
    out = gamma * (h2 - run_mean) / np.sqrt(run_var + eps) + delta
    return restore_points(out, was_1d)


def update_running(run, batch_stat, alpha):
    """One step of the running average kept for test time: (1 - alpha) run + alpha batch_stat.

    run and batch_stat: arrays of the same shape (or scalars); alpha in [0, 1] (PyTorch calls
    it ``momentum``, default 0.1). PyTorch feeds in the *unbiased* batch variance
    (1/(|B| - 1)) when it updates its running variance.
    """
    run = as_float_array(run, "run")
    batch_stat = as_float_array(batch_stat, "batch_stat")
    if run.shape != batch_stat.shape:
        raise ShapeError(f"batch_stat has shape {batch_stat.shape}; expected {run.shape}, the "
                         "shape of run")
    alpha = check_probability(alpha, "alpha")
    return (1.0 - alpha) * run + alpha * batch_stat


def layer_norm(h, gamma, delta, eps=1e-5):
    """Layer norm: standardise each data point (column) over its units, then scale and shift.

    m_i = mean_d h[d, i];  s2_i = mean_d (h[d, i] - m_i)^2;
    out = gamma (h - m_i) / sqrt(s2_i + eps) + delta, with gamma, delta one value per unit.
    h (D, I) or one point (D,); gamma, delta (D,) or (D, 1) or scalars. Same shape out.
    """
    h2, was_1d = as_points(h, "h")
    D = h2.shape[0]
    gamma, delta = _per_unit(gamma, "gamma", D), _per_unit(delta, "delta", D)
    eps = _check_eps(eps)
    m = h2.mean(axis=0, keepdims=True)  # (1, I): one mean per data point
    s2 = ((h2 - m) ** 2).mean(axis=0, keepdims=True)  # (1, I)
    out = gamma * (h2 - m) / np.sqrt(s2 + eps) + delta
    return restore_points(out, was_1d)


# ------------------------------------------------------------------------------------------
# Shattered gradients: d y / d x for a scalar input, plain vs residual
# ------------------------------------------------------------------------------------------
def toy_net(K, D, rng, bias_std=0.1):
    """Random parameters of a 1-input, 1-output net with K hidden layers (blocks) of D units.

    He initialisation, Omega ~ Norm(0, 2/D); biases ~ Norm(0, bias_std^2). Returns a dict with
    ``omega_in`` (D, 1), ``beta_in`` (D,), ``omegas`` K x (D, D), ``betas`` K x (D,),
    ``omega_out`` (1, D). The same parameters serve the plain and the residual net.
    """
    K = check_int(K, "K", 0)
    D = check_int(D, "D", 1)
    bias_std = float(check_positive(bias_std, "bias_std", strict=False))
    sd = np.sqrt(2.0 / D)
    return {
        "omega_in": rng.normal(0.0, np.sqrt(2.0), size=(D, 1)),
        "beta_in": rng.normal(0.0, bias_std, size=D),
        "omegas": [rng.normal(0.0, sd, size=(D, D)) for _ in range(K)],
        "betas": [rng.normal(0.0, bias_std, size=D) for _ in range(K)],
        "omega_out": rng.normal(0.0, np.sqrt(1.0 / D), size=(1, D)),
    }


def _frozen_bn(f, df):
    """Standardise each row of f (D, I) with its statistics over the batch, held fixed; the
    derivative df is only rescaled. Returns (BN[f], dBN[f]/dx)."""
    scale = 1.0 / np.sqrt(f.var(axis=1, keepdims=True) + 1e-5)  # (D, 1)
    return (f - f.mean(axis=1, keepdims=True)) * scale, df * scale


def input_gradient(x, params, residual=False, every_depth=False):
    """The output y and its derivative dy/dx at each scalar input x, by forward-mode chain rule.

    plain:    h_1 = a[BN[beta_in + omega_in x]],  h_{k+1} = a[BN[beta_k + Omega_k h_k]]
    residual: h_1 = beta_in + omega_in x,         h_{k+1} = h_k + beta_k + Omega_k a[BN[h_k]]
    and y = omega_out h_K in both. BN standardises each unit with the mean and variance over the
    inputs x, which are then held fixed (as at test time), so BN[h] = (h - m) / sqrt(s2 + 1e-5)
    and dBN/dh = 1/sqrt(s2 + 1e-5).
    Each h carries its derivative dh/dx beside it (the input is a scalar, so forward mode is the
    cheap direction). x (I,); returns (y (I,), dy_dx (I,)). With ``every_depth`` the output
    layer reads every h_k in turn: (y, dy_dx) of shape (K + 1, I), row k = the net cut after k
    layers (blocks), all sharing the same first layers.
    """
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(I,): scalar inputs")
    w_in, w_out = params["omega_in"], params["omega_out"]  # (D, 1), (1, D)
    f = params["beta_in"][:, None] + w_in * x[None, :]  # (D, I)
    df = np.broadcast_to(w_in, f.shape)  # (D, I): d f / d x
    if residual:
        h, dh = f, df
    else:
        z, dz = _frozen_bn(f, df)
        h, dh = np.maximum(z, 0.0), (z > 0) * dz
    ys, dys = [w_out @ h], [w_out @ dh]  # (1, I) each
    with np.errstate(over="ignore", invalid="ignore"):
        for beta, omega in zip(params["betas"], params["omegas"], strict=True):
            if residual:
                z, dz = _frozen_bn(h, dh)  # BN[h_k] and its derivative
                h = h + beta[:, None] + omega @ np.maximum(z, 0.0)
                dh = dh + omega @ ((z > 0) * dz)
            else:
                z, dz = _frozen_bn(beta[:, None] + omega @ h, omega @ dh)
                h, dh = np.maximum(z, 0.0), (z > 0) * dz
            if every_depth:
                ys.append(w_out @ h)
                dys.append(w_out @ dh)
    if every_depth:
        return np.concatenate(ys), np.concatenate(dys)  # (K + 1, I)
    return (w_out @ h)[0], (w_out @ dh)[0]


def autocorrelation(g, max_lag=None):
    """Normalised autocorrelation of a sequence g sampled on an even grid.

    c[l] = sum_i (g_i - gbar)(g_{i+l} - gbar) / sum_i (g_i - gbar)^2, for l = 0..max_lag.
    g (I,); returns (max_lag + 1,), c[0] = 1. A constant g is perfectly correlated: all ones.
    """
    g = check_ndim(as_float_array(g, "g"), "g", (1,), "(I,)")
    if g.size < 2:
        raise ShapeError(f"g has {g.size} values; expected at least 2")
    max_lag = g.size - 1 if max_lag is None else check_int(max_lag, "max_lag", 0)
    if max_lag >= g.size:
        raise ShapeError(f"max_lag must be < len(g) = {g.size}; got {max_lag}")
    gc = g - g.mean()
    scale = np.max(np.abs(gc))
    if scale == 0.0 or not np.isfinite(scale):
        return np.ones(max_lag + 1)  # a constant (or unusable) g: perfectly correlated
    gc = gc / scale  # c is invariant to the scale of g; this keeps gc @ gc finite
    denom = float(gc @ gc)
    return np.array([gc[: g.size - l] @ gc[l:] for l in range(max_lag + 1)]) / denom


# ------------------------------------------------------------------------------------------
# The unravelled view: 2^K paths of lengths 0..K
# ------------------------------------------------------------------------------------------
def path_counts(K):
    """How many of the 2^K paths through K residual blocks pass through exactly l branches:
    C(K, l) for l = 0..K. Returns an int array (K + 1,) that sums to 2^K."""
    K = check_int(K, "K", 0)
    return np.array([comb(K, l) for l in range(K + 1)], dtype=np.int64)


def paths_by_length(x, omegas):
    """A linear residual net y = (I + Omega_{K-1}) ... (I + Omega_0) x, split by path length.

    Expanding the product gives 2^K terms, one per subset of blocks whose branch the path takes;
    c[l] sums the terms that take exactly l branches. Computed block by block:
    c_new[l] = c[l] + Omega_k c[l - 1]. x (D, I) or (D,); omegas K x (D, D).
    Returns c of shape (K + 1, D, I) (or (K + 1, D)); c.sum(axis=0) is the output y.
    """
    x2, was_1d = as_points(x, "x")
    D = x2.shape[0]
    mats = []
    for k, omega in enumerate(omegas):
        omega = as_float_array(omega, f"omegas[{k}]")
        if omega.shape != (D, D):
            raise ShapeError(f"omegas[{k}] has shape {omega.shape}; expected ({D}, {D}) "
                             "because a residual branch keeps the width of x")
        mats.append(omega)
    c = np.zeros((len(mats) + 1,) + x2.shape)  # (K + 1, D, I)
    c[0] = x2
    for k, omega in enumerate(mats):
        taken = np.einsum("de,lei->ldi", omega, c[: k + 1])  # paths that take branch k
        c[1: k + 2] += taken
    return c[:, :, 0] if was_1d else c


# ------------------------------------------------------------------------------------------
# Variance growth through residual blocks
# ------------------------------------------------------------------------------------------
def residual_variances(x, K, rng, norm="none", gamma=1.0):
    """Var[h_k] (over units and batch) for k = 0..K in a residual net with He-initialised branches.

    norm="none":  h_{k+1} = h_k + gamma Omega_k a[h_k]
    norm="batch": h_{k+1} = h_k + Omega_k a[BN(h_k; gamma, 0)]   (batch norm first in the branch)
    Omega_k ~ Norm(0, 2/D), zero biases. x (D, I) is h_0. Returns (K + 1,) float64; entries past
    the float64 range are inf.
    """
    x2, _ = as_points(x, "x")
    K = check_int(K, "K", 0)
    gamma = float(as_float_array(gamma, "gamma"))
    if norm not in ("none", "batch"):
        raise ShapeError(f"norm must be 'none' or 'batch'; got {norm!r}")
    D = x2.shape[0]
    h = x2.copy()
    out = np.empty(K + 1)
    out[0] = h.var()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(K):
            omega = rng.normal(0.0, np.sqrt(2.0 / D), size=(D, D))
            if norm == "batch":
                branch = omega @ np.maximum(batch_norm(h, gamma, 0.0)[0], 0.0)
            else:
                branch = gamma * (omega @ np.maximum(h, 0.0))
            h = h + branch
            out[k + 1] = h.var() if np.isfinite(h).all() else np.inf
            if not np.isfinite(out[k + 1]):
                out[k + 1:] = np.inf
                break
    return out


def variance_closed_form(K, var0=1.0, norm="none", gamma=1.0):
    """The expected Var[h_k], k = 0..K, of ``residual_variances`` (zero-mean symmetric h).

    A He branch a[.] then Omega returns the variance of what enters the ReLU, so
    norm="none":  Var_{k+1} = (1 + gamma^2) Var_k   ->  (1 + gamma^2)^k var0   (exponential)
    norm="batch": Var_{k+1} = Var_k + gamma^2        ->  var0 + k gamma^2       (linear)
    """
    K = check_int(K, "K", 0)
    var0 = float(check_positive(var0, "var0", strict=False))
    gamma = float(as_float_array(gamma, "gamma"))
    k = np.arange(K + 1, dtype=float)
    if norm == "none":
        with np.errstate(over="ignore"):
            return var0 * (1.0 + gamma ** 2) ** k
    if norm == "batch":
        return var0 + k * gamma ** 2
    raise ShapeError(f"norm must be 'none' or 'batch'; got {norm!r}")
