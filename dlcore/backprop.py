"""Backpropagation (chapter 04): the forward pass, the backward pass, and forward vs reverse mode.

Conventions (the notes'): data points are columns, ``x`` has shape ``(D_i, I)``; a deep net with
K hidden layers has lists ``betas`` and ``omegas`` of length K + 1, ``Omega_k`` of shape
``(D_{k+1}, D_k)``. The notes call the pre-activations j_k; here they are ``f_k`` (``fs[k]``),
the activations are ``h_k`` (``hs[k]``), with ``h_0 = x``. The loss is least squares summed over
the batch, l = sum_i (f_K[x_i] - y_i)^2.
"""

import time

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    as_points,
    check_int,
    check_param_list,
    check_positive,
    restore_points,
)
from .nets import relu  # a[z] = max(0, z), chapter 01

__all__ = [
    "forward_pass",
    "backward_pass",
    "relu_derivative",
    "relu",
    "least_squares_loss",
    "backprop_trace",
    "finite_difference_gradients",
    "jvp",
    "vjp",
    "jacobian_forward",
    "jacobian_reverse",
    "measure_jacobian_cost",
]


def relu_derivative(z):
    """The ReLU's derivative as an indicator, a'[z] = I[z > 0] (0 at z = 0, as PyTorch).

    The Jacobian of h = a[f] is the diagonal matrix diag(I[f > 0]), so multiplying by it is an
    element-wise product with this array. Any shape in, same shape out (floats 0.0 and 1.0).
    """
    z = as_float_array(z, "z", allow_nan=True)
    return (z > 0).astype(np.float64)


# ------------------------------------------------------------------------------------------
# The forward pass: store every f_k and h_k on the way up.
# ------------------------------------------------------------------------------------------
def _forward(x, betas, omegas):
    """f_0 = beta_0 + Omega_0 x; h_k = a[f_{k-1}]; f_k = beta_k + Omega_k h_k (k = 1..K)."""
    K = len(omegas) - 1
    hs = [x]  # h_0 = x, (D_i, I)
    fs = []
    for k in range(K + 1):
        fs.append(betas[k] + omegas[k] @ hs[k])  # f_k: (D_{k+1}, 1) + (D_{k+1}, D_k) @ (D_k, I)
        if k < K:
            hs.append(relu(fs[k]))  # h_{k+1} = a[f_k], (D_{k+1}, I)
    return fs, hs


def forward_pass(x, betas, omegas):
    """Run the net and keep every pre-activation and activation.

    f_0 = beta_0 + Omega_0 x,  h_k = a[f_{k-1}],  f_k = beta_k + Omega_k h_k  (k = 1..K)

    x: (D_i, I) or (D_i,). Returns (fs, hs): lists of length K + 1, fs[k] of shape (D_{k+1}, I)
    (the notes' j_k), hs[0] = x and hs[k] = a[f_{k-1}] of shape (D_k, I); the output is fs[-1].
    A 1-D x gives 1-D arrays.
    """
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    fs, hs = _forward(x2, betas, omegas)
    return ([restore_points(f, was_1d) for f in fs], [restore_points(h, was_1d) for h in hs])


def _targets(y, f_out, was_1d):
    """Check y against the output f_K (D_o, I); return y as (D_o, I)."""
    y = as_float_array(y, "y")
    D_o, I = f_out.shape
    if was_1d and y.shape in ((D_o,), ()) and (y.ndim == 1 or D_o == 1):
        return y.reshape(D_o, 1)
    if not was_1d and y.ndim == 1 and D_o == 1 and y.shape == (I,):
        return y[None, :]  # one output: (I,) -> (1, I)
    if y.shape != (D_o, I):
        want = f"({D_o},)" if was_1d else f"({D_o}, {I})"
        raise ShapeError(f"y has shape {y.shape}; expected {want} = (D_o, I), the net's output")
    return y


def least_squares_loss(x, y, betas, omegas):
    """The loss the chapter differentiates: l = sum_i sum_j (f_K[x_i]_j - y_ij)^2, a float."""
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    fs, _ = _forward(x2, betas, omegas)
    y2 = _targets(y, fs[-1], was_1d)
    return float(np.sum((fs[-1] - y2) ** 2))


# ------------------------------------------------------------------------------------------
# The backward pass: reuse dl/df_k to get dl/df_{k-1}, then read off the parameter gradients.
# ------------------------------------------------------------------------------------------
def _backward(dl_df_K, fs, hs, omegas):
    """From dl/df_K (D_o, I), every dl/df_k, dl/dbeta_k (D_{k+1}, 1), dl/dOmega_k, dl/dh_0."""
    K = len(omegas) - 1
    dl_dfs = [None] * (K + 1)
    dl_dfs[K] = dl_df_K  # (D_o, I)
    for k in range(K, 0, -1):
        # dl/df_{k-1} = a'[f_{k-1}] (element-wise) Omega_k^T dl/df_k      (D_k, I)
        dl_dfs[k - 1] = relu_derivative(fs[k - 1]) * (omegas[k].T @ dl_dfs[k])
    # dl/dbeta_k = dl/df_k, summed over the batch (each column is one data point's l_i)
    dl_dbetas = [g.sum(axis=1, keepdims=True) for g in dl_dfs]  # (D_{k+1}, 1)
    # dl/dOmega_k = dl/df_k h_k^T, k = 1..K; the sum over the batch is inside the product
    dl_domegas = [None] + [dl_dfs[k] @ hs[k].T for k in range(1, K + 1)]  # (D_{k+1}, D_k)
    # first layer: the input x plays the role of h_0, dl/dOmega_0 = dl/df_0 x^T
    x = hs[0]
    dl_domegas[0] = dl_dfs[0] @ x.T  # (D_1, D_i)
    dl_dx = omegas[0].T @ dl_dfs[0]  # (D_i, I), used by vjp
    return dl_dfs, dl_dbetas, dl_domegas, dl_dx


def backprop_trace(x, y, betas, omegas):
    """Everything the two passes compute, for plots: a dict with ``fs``, ``hs``, ``dl_dfs``
    (each (D_{k+1}, I)), ``dl_dbetas`` (each (D_{k+1}, 1)), ``dl_domegas`` and ``loss``.
    x: (D_i, I) or (D_i,); y matches the output (D_o, I) or (D_o,)."""
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    fs, hs = _forward(x2, betas, omegas)
    y2 = _targets(y, fs[-1], was_1d)
    dl_df_K = 2.0 * (fs[-1] - y2)  # d/df_K of sum (f_K - y)^2, (D_o, I)
    dl_dfs, dl_dbetas, dl_domegas, _ = _backward(dl_df_K, fs, hs, omegas)
    return {"fs": fs, "hs": hs, "dl_dfs": dl_dfs, "dl_dbetas": dl_dbetas,
            "dl_domegas": dl_domegas, "loss": float(np.sum((fs[-1] - y2) ** 2))}


def _like_given(grads, given):
    """Return each bias gradient in the shape its beta was given: (D,) or (D, 1)."""
    out = []
    for g, b in zip(grads, given, strict=True):
        out.append(g[:, 0] if np.ndim(b) == 1 else g)
    return out


def backward_pass(x, y, betas, omegas):
    """Gradients of the least-squares loss l = sum (f_K - y)^2 over the batch.

    dl/df_K = 2 (f_K - y)
    dl/df_{k-1} = a'[f_{k-1}] * Omega_k^T dl/df_k          (* is element-wise)
    dl/dbeta_k = dl/df_k,   dl/dOmega_k = dl/df_k h_k^T    (h_0 = x for the first layer)

    x: (D_i, I) or (D_i,); y: (D_o, I) or (D_o,). Returns (dl_dbetas, dl_domegas), lists with
    the shapes of betas (as given) and omegas.
    """
    trace = backprop_trace(x, y, betas, omegas)
    return _like_given(trace["dl_dbetas"], betas), trace["dl_domegas"]


def finite_difference_gradients(x, y, betas, omegas, eps=1e-6):
    """Central differences, dl/dtheta ~ (l[theta + eps] - l[theta - eps]) / (2 eps), one
    parameter at a time (2 forward passes per parameter). Same layout as ``backward_pass``."""
    eps = float(check_positive(eps, "eps"))
    given = betas
    betas, omegas = check_param_list(betas, omegas)
    betas, omegas = [b.copy() for b in betas], [o.copy() for o in omegas]  # nudged in place
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    y2 = _targets(y, _forward(x2, betas, omegas)[0][-1], was_1d)

    def loss():
        return np.sum((_forward(x2, betas, omegas)[0][-1] - y2) ** 2)

    grads = []
    for params in (betas, omegas):
        layer_grads = []
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                up = loss()
                p[idx] = old - eps
                down = loss()
                p[idx] = old
                g[idx] = (up - down) / (2 * eps)
            layer_grads.append(g)
        grads.append(layer_grads)
    return _like_given(grads[0], given), grads[1]


# ------------------------------------------------------------------------------------------
# Forward mode vs reverse mode, for the net as a function x -> f_K[x] from R^{D_i} to R^{D_o}.
# ------------------------------------------------------------------------------------------
def _check_tangent(v, name, like):
    v = as_float_array(v, name)
    if v.shape != like.shape:
        raise ShapeError(f"{name} has shape {v.shape}; expected {like.shape}, the same as x")
    return v


def _jvp(h, dh, betas, omegas):
    """One forward-mode pass on checked arrays: values h and tangents dh, both (D_i, I)."""
    K = len(omegas) - 1
    for k in range(K + 1):
        f = betas[k] + omegas[k] @ h  # value:   f_k = beta_k + Omega_k h_k
        df = omegas[k] @ dh  # tangent: df_k = Omega_k dh_k (the bias is a constant)
        if k < K:
            h = relu(f)  # value:   h_{k+1} = a[f_k]
            dh = relu_derivative(f) * df  # tangent: dh_{k+1} = a'[f_k] * df_k
    return f, df


def jvp(x, betas, omegas, dx):
    """Forward mode: push a tangent dx through the net alongside the values (one pass).

    df_k = Omega_k dh_k,  dh_{k+1} = a'[f_k] * df_k,  dh_0 = dx.
    x, dx: (D_i, I) or (D_i,). Returns (f_K, df_K) = (output, Jacobian @ dx), both (D_o, I).
    """
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    dh = _check_tangent(dx, "dx", np.asarray(x, dtype=float)).reshape(x2.shape)
    f, df = _jvp(x2, dh, betas, omegas)
    return restore_points(f, was_1d), restore_points(df, was_1d)


def vjp(x, betas, omegas, df):
    """Reverse mode: one forward pass that stores f_k, h_k, then one backward pass carrying an
    upstream vector df = dl/df_K down to the input.

    x: (D_i, I) or (D_i,); df: (D_o, I) or (D_o,). Returns (f_K, dx) with dx = J^T df, like x.
    """
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    fs, hs = _forward(x2, betas, omegas)
    up = as_float_array(df, "df")
    if up.size != fs[-1].size or (up.ndim == 2 and up.shape != fs[-1].shape):
        want = fs[-1].shape[:1] if was_1d else fs[-1].shape
        raise ShapeError(f"df has shape {up.shape}; expected {want}, the shape of the output")
    *_, dx = _backward(up.reshape(fs[-1].shape), fs, hs, omegas)
    return restore_points(fs[-1], was_1d), restore_points(dx, was_1d)


def _one_point(x, omegas):
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    if x2.shape[1] != 1:
        raise ShapeError(f"x has shape {x2.shape}; expected one point, shape ({x2.shape[0]},)")
    return x2[:, 0]


def jacobian_forward(x, betas, omegas):
    """The Jacobian df_K/dx (D_o, D_i) at one point by forward mode: D_i JVP passes, one per
    input direction e_j (column j of the Jacobian each)."""
    betas, omegas = check_param_list(betas, omegas)
    x1 = _one_point(x, omegas)
    D_i = x1.shape[0]
    basis = np.eye(D_i)  # column j is the input direction e_j
    cols = [_jvp(x1[:, None], basis[:, j:j + 1], betas, omegas)[1] for j in range(D_i)]
    return np.concatenate(cols, axis=1)  # (D_o, D_i): one column per pass


def jacobian_reverse(x, betas, omegas):
    """The Jacobian df_K/dx (D_o, D_i) at one point by reverse mode: one stored forward pass,
    then D_o backward passes, one per output direction e_j (row j of the Jacobian each)."""
    betas, omegas = check_param_list(betas, omegas)
    x1 = _one_point(x, omegas)[:, None]  # (D_i, 1)
    fs, hs = _forward(x1, betas, omegas)  # stored once, reused by every backward pass
    basis = np.eye(fs[-1].shape[0])  # column j is the output direction e_j
    rows = [_backward(basis[:, j:j + 1], fs, hs, omegas)[3].T for j in range(basis.shape[0])]
    return np.concatenate(rows, axis=0)  # (D_o, D_i): one row per pass


def measure_jacobian_cost(sizes, vary="inputs", width=64, K=3, repeats=5, rng=None):
    """Seconds to compute a full Jacobian by forward and by reverse mode, for nets whose number
    of inputs (``vary="inputs"``, one output) or of outputs (``vary="outputs"``, one input) runs
    over ``sizes``. Hidden layers: K of ``width`` units. Best of ``repeats`` timings.

    Returns a dict: ``sizes`` (n,), ``forward`` (n,) and ``reverse`` (n,) seconds.
    """
    if vary not in ("inputs", "outputs"):
        raise ShapeError(f"vary must be 'inputs' or 'outputs'; got {vary!r}")
    if isinstance(sizes, (int, np.integer)) or not hasattr(sizes, "__iter__"):
        raise InputTypeError(f"sizes must be a list of integers; got {sizes!r}")
    sizes = [check_int(s, "sizes", 1) for s in sizes]
    width, K = check_int(width, "width", 1), check_int(K, "K", 0)
    repeats = check_int(repeats, "repeats", 1)
    rng = np.random.default_rng(0) if rng is None else rng
    out = {"sizes": np.array(sizes), "forward": [], "reverse": []}
    for n in sizes:
        D_i, D_o = (n, 1) if vary == "inputs" else (1, n)
        widths = [D_i] + [width] * K + [D_o]
        omegas = [rng.normal(0, np.sqrt(2 / a), size=(b, a))  # He scale, (D_{k+1}, D_k)
                  for a, b in zip(widths[:-1], widths[1:], strict=True)]
        betas = [np.zeros(b) for b in widths[1:]]
        x = rng.normal(size=D_i)
        for mode, fn in (("forward", jacobian_forward), ("reverse", jacobian_reverse)):
            best = np.inf
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn(x, betas, omegas)
                best = min(best, time.perf_counter() - t0)
            out[mode].append(best)
    out["forward"] = np.array(out["forward"])
    out["reverse"] = np.array(out["reverse"])
    return out
