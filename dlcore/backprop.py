"""Backpropagation (chapter 04): the forward pass, the backward pass, and forward vs reverse mode.

Conventions (the notes'): data points are columns, ``x`` has shape ``(D_i, I)``; a deep net with
K hidden layers has lists ``betas`` and ``omegas`` of length K + 1, ``Omega_k`` of shape
``(D_{k+1}, D_k)``. The notes call the pre-activations j_k; here they are ``f_k`` (``fs[k]``),
the activations are ``h_k`` (``hs[k]``), with ``h_0 = x``. The loss is least squares summed over
the batch, l = sum_i (f_K[x_i] - y_i)^2.

The two passes themselves are ``dlcore.layers.forward`` and ``dlcore.layers.backward`` (one
source for every chapter); this module adds the chapter's loss, its gradient check and the two
modes of automatic differentiation. The activation is ReLU unless ``activation`` names another
one of ``layers.ACTIVATIONS``; the backward pass then uses that activation's derivative.
"""

import inspect
import time

import numpy as np

from . import layers, losses
from .checks import InputTypeError, ShapeError, as_float_array, check_int, check_labels, shapes
from .layers import ACTIVATIONS, derivative_of, relu, relu_derivative

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
    "TOY_NAMES",
    "toy_forward",
    "toy_backward",
    "toy_loss",
    "classifier_loss",
    "classifier_backward",
]


# ------------------------------------------------------------------------------------------
# The parts of the contracts that @shapes cannot state on its own
# ------------------------------------------------------------------------------------------
def _differentiable(value, name):
    """The contract of ``activation``: a function of ``layers.ACTIVATIONS`` (or its name), whose
    derivative a' the backward pass can look up."""
    derivative_of(value)  # a one-line error naming the activation if a' is not known
    return ACTIVATIONS[value][0] if isinstance(value, str) else value


def _like_output(name):
    """The relation of ``name`` (a target y or an upstream gradient df) to the net: it has the
    shape (D_o, I) of the output f_K, or (D_o,) for one point, or (I,) for a net with one
    output, and is passed on as (D_o, I)."""
    def relation(args):
        D_o, I = args["omegas"][-1].shape[0], args["x"].shape[1]
        value = args[name]
        allowed = [(D_o, I)] + [(D_o,)] * (I == 1) + [(I,)] * (D_o == 1) + [()] * (D_o * I == 1)
        if value.shape not in allowed:
            one = f" (or ({D_o},) for one point)" if I == 1 else ""
            raise ShapeError(f"{name} has shape {value.shape}; expected ({D_o}, {I}) = "
                             f"(D_o, I){one}, the shape of the net's output f_K")
        args[name] = value.reshape(D_o, I)

    return relation


def _one_point(value, name):
    """The contract of a Jacobian's x: one point, shape (D_i,) (a single column also works)."""
    x = as_float_array(value, name)
    if x.ndim == 0 or (x.ndim == 2 and x.shape[1] == 1):
        x = x.reshape(-1)  # a number, or one column (D_i, 1): the point (D_i,)
    if x.ndim != 1:
        raise ShapeError(f"{name} has shape {x.shape}; expected one point, shape (D_i,)")
    return x


def _sizes(value, name):
    """The contract of ``sizes``: a list of integers >= 1."""
    if isinstance(value, (int, np.integer, str)) or not hasattr(value, "__iter__"):
        raise InputTypeError(f"{name} must be a list of integers; got {value!r}")
    return [check_int(s, name, 1) for s in value]


def _as_given(dl_dbetas, betas):
    """Each bias gradient in the shape its beta was given: (D,) or (D, 1)."""
    return [g[:, 0] if np.ndim(b) == 1 else g for g, b in zip(dl_dbetas, betas, strict=True)]


# ------------------------------------------------------------------------------------------
# The forward pass stores every f_k and h_k on the way up (layers.forward)
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I points", betas="net", omegas="net", activation="function")
def forward_pass(x, betas, omegas, activation=relu):
    """Run the net and keep every pre-activation and activation (``layers.forward``).

    f_0 = beta_0 + Omega_0 x,  h_k = a[f_{k-1}],  f_k = beta_k + Omega_k h_k  (k = 1..K)

    x: (D_i, I) or (D_i,). Returns (fs, hs): lists of length K + 1, fs[k] of shape (D_{k+1}, I)
    (the notes' j_k), hs[0] = x and hs[k] = a[f_{k-1}] of shape (D_k, I); the output is fs[-1].
    A 1-D x gives 1-D arrays.
    """
    return layers.forward.__wrapped__(x, betas, omegas, activation)


@shapes(x="D_i I points", y="...", betas="net", omegas="net", activation="function", where=_like_output("y"))
def least_squares_loss(x, y, betas, omegas, activation=relu):
    """The loss the chapter differentiates: l = sum_i sum_j (f_K[x_i]_j - y_ij)^2, a float.

    x: (D_i, I) or (D_i,); y: the output's shape (D_o, I), or (D_o,) for one point.
    """
    fs, _ = layers.forward.__wrapped__(x, betas, omegas, activation)
    return float(np.sum((fs[-1] - y) ** 2))


# ------------------------------------------------------------------------------------------
# The backward pass: reuse dl/df_k to get dl/df_{k-1}, then read off the parameter gradients
# (layers.backward)
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I points", y="...", betas="net", omegas="net", activation=_differentiable,
        where=_like_output("y"))
def backprop_trace(x, y, betas, omegas, activation=relu):
    """Everything the two passes compute, for plots: a dict with ``fs``, ``hs``, ``dl_dfs``
    (each (D_{k+1}, I)), ``dl_dbetas`` (each (D_{k+1}, 1)), ``dl_domegas`` and ``loss``.

    dl/df_K = 2 (f_K - y), then ``layers.backward``. x: (D_i, I) or (D_i,); y matches the
    output (D_o, I) or (D_o,).
    """
    fs, hs = layers.forward.__wrapped__(x, betas, omegas, activation)
    dl_df_K = 2.0 * (fs[-1] - y)  # d/df_K of sum (f_K - y)^2, (D_o, I)
    dl_dfs, dl_dbetas, dl_domegas, _ = layers.backward.__wrapped__(fs, hs, omegas, dl_df_K,
                                                                   activation)
    return {"fs": fs, "hs": hs, "dl_dfs": dl_dfs, "dl_dbetas": dl_dbetas,
            "dl_domegas": dl_domegas, "loss": float(np.sum((fs[-1] - y) ** 2))}


def backward_pass(x, y, betas, omegas, activation=relu):
    """Gradients of the least-squares loss l = sum (f_K - y)^2 over the batch.

    dl/df_K = 2 (f_K - y)
    dl/df_{k-1} = a'[f_{k-1}] * Omega_k^T dl/df_k          (* is element-wise)
    dl/dbeta_k = dl/df_k,   dl/dOmega_k = dl/df_k h_k^T    (h_0 = x for the first layer)

    x: (D_i, I) or (D_i,); y: (D_o, I) or (D_o,). Returns (dl_dbetas, dl_domegas), lists with
    the shapes of betas (as given) and omegas. (``backprop_trace`` checks the arguments and
    runs the passes.)
    """
    trace = backprop_trace(x, y, betas, omegas, activation)
    return _as_given(trace["dl_dbetas"], betas), trace["dl_domegas"]


def finite_difference_gradients(x, y, betas, omegas, eps=1e-6, activation=relu):
    """Central differences, dl/dtheta ~ (l[theta + eps] - l[theta - eps]) / (2 eps), one
    parameter at a time (2 forward passes per parameter). Same layout as ``backward_pass``."""
    dl_dbetas, dl_domegas = _central_differences(x, y, betas, omegas, eps, activation)
    return _as_given(dl_dbetas, betas), dl_domegas


@shapes(x="D_i I points", y="...", betas="net", omegas="net", eps="> 0",
        activation="function", where=_like_output("y"))
def _central_differences(x, y, betas, omegas, eps, activation):
    """``finite_difference_gradients`` with every beta as a column (D_{k+1}, 1)."""
    loss = inspect.unwrap(least_squares_loss)  # the unchecked maths, called many times
    betas, omegas = [b.copy() for b in betas], [o.copy() for o in omegas]  # nudged in place
    grads = []
    for params in (betas, omegas):
        layer_grads = []
        for p in params:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps
                up = loss(x, y, betas, omegas, activation)
                p[idx] = old - eps
                down = loss(x, y, betas, omegas, activation)
                p[idx] = old
                g[idx] = (up - down) / (2 * eps)
            layer_grads.append(g)
        grads.append(layer_grads)
    return grads[0], grads[1]


# ------------------------------------------------------------------------------------------
# A chain that is not ReLU: the toy function of sin, exp and cos, one number at every step
# ------------------------------------------------------------------------------------------
TOY_NAMES = ("beta_0", "omega_0", "beta_1", "omega_1", "beta_2", "omega_2", "beta_3", "omega_3")
"""The order of the toy function's parameters in ``phi``."""


@shapes(x="number", phi="8")
def toy_forward(x, phi):
    """The toy chain f[x, phi] = beta_3 + omega_3 cos[beta_2 + omega_2 exp[beta_1 + omega_1
    sin[beta_0 + omega_0 x]]], keeping every intermediate value (the forward pass).

    f_0 = beta_0 + omega_0 x,  h_1 = sin[f_0],  f_1 = beta_1 + omega_1 h_1,  h_2 = exp[f_1],
    f_2 = beta_2 + omega_2 h_2,  h_3 = cos[f_2],  f_3 = beta_3 + omega_3 h_3.

    x: a number; phi: (8,) in the order of ``TOY_NAMES``. Returns a dict of floats f_0 .. f_3,
    h_1 .. h_3.
    """
    beta_0, omega_0, beta_1, omega_1, beta_2, omega_2, beta_3, omega_3 = phi
    f_0 = beta_0 + omega_0 * x
    h_1 = np.sin(f_0)
    f_1 = beta_1 + omega_1 * h_1
    h_2 = np.exp(f_1)
    f_2 = beta_2 + omega_2 * h_2
    h_3 = np.cos(f_2)
    f_3 = beta_3 + omega_3 * h_3
    return {k: float(v) for k, v in dict(f_0=f_0, h_1=h_1, f_1=f_1, h_2=h_2, f_2=f_2,
                                          h_3=h_3, f_3=f_3).items()}


@shapes(x="number", y="number", phi="8")
def toy_loss(x, y, phi):
    """The least-squares loss of the toy chain for one point, l = (f[x, phi] - y)^2."""
    return (toy_forward.__wrapped__(x, phi)["f_3"] - y) ** 2


@shapes(x="number", y="number", phi="8")
def toy_backward(x, y, phi):
    """The backward pass of the toy chain for l = (f_3 - y)^2: every derivative, top down.

    dl/df_3 = 2 (f_3 - y)
    dl/dh_3 = omega_3 dl/df_3,   dl/df_2 = -sin[f_2] dl/dh_3     (cos' = -sin)
    dl/dh_2 = omega_2 dl/df_2,   dl/df_1 =  exp[f_1] dl/dh_2     (exp' = exp)
    dl/dh_1 = omega_1 dl/df_1,   dl/df_0 =  cos[f_0] dl/dh_1     (sin' = cos)
    dl/dbeta_k = dl/df_k,        dl/domega_k = dl/df_k h_k       (h_0 = x)

    Returns a dict of floats ``dl_df_3``, ``dl_dh_3``, ..., ``dl_df_0``, and ``dl_dphi`` (8,),
    the parameter gradients in the order of ``TOY_NAMES``.
    """
    v = toy_forward.__wrapped__(x, phi)  # the stored forward pass
    _, _, _, omega_1, _, omega_2, _, omega_3 = phi
    d = {"dl_df_3": 2.0 * (v["f_3"] - y)}
    d["dl_dh_3"] = omega_3 * d["dl_df_3"]
    d["dl_df_2"] = -np.sin(v["f_2"]) * d["dl_dh_3"]
    d["dl_dh_2"] = omega_2 * d["dl_df_2"]
    d["dl_df_1"] = np.exp(v["f_1"]) * d["dl_dh_2"]
    d["dl_dh_1"] = omega_1 * d["dl_df_1"]
    d["dl_df_0"] = np.cos(v["f_0"]) * d["dl_dh_1"]
    h = [x, v["h_1"], v["h_2"], v["h_3"]]  # the input of each linear step, h_0 = x
    d["dl_dphi"] = np.array([g for k in range(4)  # (dl/dbeta_k, dl/domega_k) for k = 0..3
                             for g in (d[f"dl_df_{k}"], d[f"dl_df_{k}"] * h[k])])
    return {k: (v_ if k == "dl_dphi" else float(v_)) for k, v_ in d.items()}


# ------------------------------------------------------------------------------------------
# A classifier: softmax + cross-entropy on top of the net. The only change to the backward
# pass is where it starts, dl/df_K = softmax[f_K] - one_hot(y).
# ------------------------------------------------------------------------------------------
def _labels_of_output(args):
    """The relation of the labels y to the net: one integer label in 0..D_o-1 per column of x."""
    D_o, I = args["omegas"][-1].shape[0], args["x"].shape[1]
    args["y"] = check_labels(args["y"].reshape(-1) if args["y"].ndim == 0 else args["y"],
                             "y", D_o, I)


@shapes(x="D_i I columns", y="...", betas="net", omegas="net", activation="function",
        where=_labels_of_output)
def classifier_loss(x, y, betas, omegas, activation=relu):
    """The cross-entropy of a net's outputs as logits, L = -sum_i log softmax_{y_i}[f_K[x_i]].

    x: (D_i, I); y: labels (I,) in 0..D_o-1. Returns a float (``losses.categorical_nll``).
    """
    fs, _ = layers.forward.__wrapped__(x, betas, omegas, activation)
    return losses.categorical_nll(y, fs[-1])


@shapes(x="D_i I columns", y="...", betas="net", omegas="net", activation=_differentiable,
        where=_labels_of_output)
def classifier_backward(x, y, betas, omegas, activation=relu):
    """Gradients of the cross-entropy L = -sum_i log softmax_{y_i}[f_K[x_i]] over the batch.

    dl/df_K = softmax[f_K] - one_hot(y)          (p - y: ``losses.softmax_cross_entropy_grad``)
    then the same backward pass as for least squares (``layers.backward``).

    x: (D_i, I); y: labels (I,) in 0..D_o-1. Returns (dl_dbetas, dl_domegas): each bias
    gradient a column (D_{k+1}, 1), as ``layers.backward`` gives it; each weight gradient the
    shape of its Omega_k.
    """
    fs, hs = layers.forward.__wrapped__(x, betas, omegas, activation)  # f_K: the logits (D_o, I)
    dl_df_K = losses.softmax_cross_entropy_grad(fs[-1], y)  # p - one_hot(y), (D_o, I)
    _, dl_dbetas, dl_domegas, _ = layers.backward.__wrapped__(fs, hs, omegas, dl_df_K,
                                                              activation)
    return dl_dbetas, dl_domegas


# ------------------------------------------------------------------------------------------
# Forward mode vs reverse mode, for the net as a function x -> f_K[x] from R^{D_i} to R^{D_o}.
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I points", betas="net", omegas="net", dx="D_i I columns",
        activation=_differentiable)
def jvp(x, betas, omegas, dx, activation=relu):
    """Forward mode: push a tangent dx through the net alongside the values (one pass).

    df_k = Omega_k dh_k,  dh_{k+1} = a'[f_k] * df_k,  dh_0 = dx.
    x, dx: (D_i, I) or (D_i,). Returns (f_K, df_K) = (output, Jacobian @ dx), both (D_o, I).
    """
    da = derivative_of(activation)  # a'
    h, dh = x, dx
    for k, (beta, omega) in enumerate(zip(betas, omegas)):
        f = beta + omega @ h  # value:   f_k = beta_k + Omega_k h_k
        df = omega @ dh  # tangent: df_k = Omega_k dh_k (the bias is a constant)
        if k < len(omegas) - 1:
            h = activation(f)  # value:   h_{k+1} = a[f_k]
            dh = da(f) * df  # tangent: dh_{k+1} = a'[f_k] * df_k
    return f, df


@shapes(x="D_i I points", betas="net", omegas="net", df="...", activation=_differentiable,
        where=_like_output("df"))
def vjp(x, betas, omegas, df, activation=relu):
    """Reverse mode: one forward pass that stores f_k, h_k, then one backward pass carrying an
    upstream vector df = dl/df_K down to the input.

    x: (D_i, I) or (D_i,); df: (D_o, I) or (D_o,). Returns (f_K, dx) with dx = J^T df, like x.
    """
    fs, hs = layers.forward.__wrapped__(x, betas, omegas, activation)
    *_, dx = layers.backward.__wrapped__(fs, hs, omegas, df, activation)
    return fs[-1], dx


@shapes(x=(_one_point, "D_i"), betas="net", omegas="net", activation=_differentiable)
def jacobian_forward(x, betas, omegas, activation=relu):
    """The Jacobian df_K/dx (D_o, D_i) at one point by forward mode: D_i JVP passes, one per
    input direction e_j (column j of the Jacobian each)."""
    basis = np.eye(x.size)  # column j is the input direction e_j
    cols = [jvp.__wrapped__(x[:, None], betas, omegas, basis[:, j:j + 1], activation)[1]
            for j in range(x.size)]
    return np.concatenate(cols, axis=1)  # (D_o, D_i): one column per pass


@shapes(x=(_one_point, "D_i"), betas="net", omegas="net", activation=_differentiable)
def jacobian_reverse(x, betas, omegas, activation=relu):
    """The Jacobian df_K/dx (D_o, D_i) at one point by reverse mode: one stored forward pass,
    then D_o backward passes, one per output direction e_j (row j of the Jacobian each)."""
    fs, hs = layers.forward.__wrapped__(x[:, None], betas, omegas, activation)  # stored once
    basis = np.eye(fs[-1].shape[0])  # column j is the output direction e_j
    rows = [layers.backward.__wrapped__(fs, hs, omegas, basis[:, j:j + 1], activation)[3].T
            for j in range(basis.shape[0])]
    return np.concatenate(rows, axis=0)  # (D_o, D_i): one row per pass


@shapes(sizes=_sizes, vary="one of inputs outputs", width="int >= 1", K="int >= 0",
        repeats="int >= 1", rng="rng")
def measure_jacobian_cost(sizes, vary="inputs", width=64, K=3, repeats=5, rng=None):
    """Seconds to compute a full Jacobian by forward and by reverse mode, for nets whose number
    of inputs (``vary="inputs"``, one output) or of outputs (``vary="outputs"``, one input) runs
    over ``sizes``. Hidden layers: K of ``width`` units, He-initialised. Best of ``repeats``.

    Returns a dict: ``sizes`` (n,), ``forward`` (n,) and ``reverse`` (n,) seconds.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    out = {"sizes": np.array(sizes), "forward": [], "reverse": []}
    for n in sizes:
        D_i, D_o = (n, 1) if vary == "inputs" else (1, n)
        betas, omegas = layers.init_params([D_i] + [width] * K + [D_o], "he", rng)
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
