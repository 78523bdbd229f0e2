"""Initialisation: how the weight variance sets the size of activations and gradients (chapter 05).

Conventions (the notes'): data points are columns. A net with K hidden layers has
``widths = [D_i, D_1, ..., D_K, D_o]`` and lists ``betas``, ``omegas`` of length K+1, with
``Omega_k`` of shape ``(D_{k+1}, D_k)``. The forward pass is

    f_0 = beta_0 + Omega_0 x,    h_k = a[f_{k-1}],    f_k = beta_k + Omega_k h_k   (k = 1..K)

(the notes also write the pre-activations f_k as j_k). The output is f_K. The passes and the
random draws are ``dlcore.layers``' (one source for every chapter); this module adds the float
type, the variances they produce and the theory that predicts them.
"""

from dataclasses import dataclass

import numpy as np

from . import layers, optim
from .checks import InputTypeError, ShapeError, shapes
from .layers import _layer_sigmas, _per_layer, _widths, relu

__all__ = [
    "he_std",
    "he_std_compromise",
    "init_net",
    "preactivation_variances",
    "he_sigmas",
    "forward",
    "backward",
    "gradient_variances",
    "variances_per_layer",
    "next_variance",
    "next_gradient_variance",
    "predicted_variances",
    "predicted_gradient_variances",
    "sample_next_layer",
    "float_limits",
    "rms_per_layer",
    "first_bad_layer",
    "update_ratio",
    "train_sgd",
    "DiagnosticsConfig",
    "diagnostic_run",
]


# ------------------------------------------------------------------------------------------
# The parts of the contracts that @shapes cannot state on its own
# ------------------------------------------------------------------------------------------
def _float_type(value, name):
    """The contract of a dtype: a float type such as np.float32."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind != "f":
        raise InputTypeError(f"{name} must be a float type such as np.float32; got {value!r}")
    return dtype


def _arithmetic(value, name):
    """The contract of the forward pass's dtype: np.float32 or np.float64."""
    dtype = _float_type(value, name)
    if dtype not in (np.float32, np.float64):
        raise InputTypeError(f"{name} must be np.float32 or np.float64; got {dtype}")
    return dtype


def _sigma_per_layer(args):
    """Relations @shapes cannot state: x (if given) has widths[0] rows, and sigma is one
    standard deviation per weight matrix (a number stands for all K + 1; "he" is sqrt(2 / D_k))
    and is passed on as an array (K + 1,)."""
    widths = args["widths"]
    if "x" in args and args["x"].shape[0] != widths[0]:
        raise ShapeError(f"x has shape {args['x'].shape}; expected {widths[0]} rows = widths[0], "
                         "one per input dimension")
    args["sigma"] = _layer_sigmas(args["sigma"], widths)


# ------------------------------------------------------------------------------------------
# The API: He's standard deviations, a freshly initialised net, the variance of each f_k
# ------------------------------------------------------------------------------------------
@shapes(D_h="int >= 1")
def he_std(D_h):
    """He's weight standard deviation for a layer fed by D_h units: sigma_Omega = sqrt(2 / D_h)."""
    return float(np.sqrt(2.0 / D_h))


@shapes(D_h="int >= 1", D_h_next="int >= 1")
def he_std_compromise(D_h, D_h_next):
    """The compromise for a non-square Omega (D_h' x D_h): sqrt(4 / (D_h + D_h')), the He
    variance for the mean width (D_h + D_h') / 2."""
    return float(np.sqrt(4.0 / (D_h + D_h_next)))


@shapes(widths=_widths, sigma=_per_layer, rng="rng")
def init_net(widths, sigma, rng):
    """A freshly initialised net: beta_k = 0 and every entry of Omega_k ~ Norm(0, sigma^2).

    widths: [D_i, D_1, ..., D_K, D_o]; sigma: a number, or a list of K+1 (one per Omega_k);
    rng: np.random.default_rng(seed). Returns (betas, omegas), Omega_k of shape (D_{k+1}, D_k).
    """
    return layers.init_params(widths, sigma, rng)  # bias_sigma = 0: beta_k = 0, nothing drawn


@shapes(x="D_i I columns", betas="net", omegas="net")
def preactivation_variances(x, betas, omegas):
    """Var[f_k] for k = 0..K: the variance of all entries of f_k (units and points pooled).

    x: (D_i, I). Returns a list of K+1 floats (np.var of each f_k, so the mean is removed).
    """
    fs, _ = forward.__wrapped__(x, betas, omegas, np.float64, relu)
    return [float(np.var(f)) for f in fs]


@shapes(widths=_widths, rule="one of forward backward compromise", multiple=">= 0")
def he_sigmas(widths, rule="forward", multiple=1.0):
    """Per-layer weight standard deviations for a net of the given widths.

    rule "forward":    sigma_k^2 = 2 / D_k          (keeps Var[f_k] constant)
    rule "backward":   sigma_k^2 = 2 / D_{k+1}      (keeps Var[dl/df_k] constant)
    rule "compromise": sigma_k^2 = 4 / (D_k + D_{k+1})
    ``multiple`` scales every variance (sigma_k^2 * multiple). Returns an array (K+1,).
    """
    sigma_k = {"forward": lambda D, D_next: he_std(D),  # Omega_k maps D = D_k units
               "backward": lambda D, D_next: he_std(D_next),  # to D_next = D_{k+1} units
               "compromise": he_std_compromise}[rule]
    sigma = np.array([sigma_k(D, D_next) for D, D_next in zip(widths[:-1], widths[1:])])
    return sigma * np.sqrt(multiple)  # each variance times the multiple


# ------------------------------------------------------------------------------------------
# The forward and backward passes (layers.forward, layers.backward), in a chosen float type
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I columns", betas="net", omegas="net", dtype=_arithmetic, activation="function")
def forward(x, betas, omegas, dtype=np.float64, activation=relu):
    """The forward pass ``layers.forward`` computed in ``dtype`` (float64 or float32):

    f_0 = beta_0 + Omega_0 x,   h_k = a[f_{k-1}],   f_k = beta_k + Omega_k h_k.

    x: (D_i, I). Overflow gives inf or NaN, not an error. Returns (fs, hs): fs = [f_0, ...,
    f_K] with f_k (D_{k+1}, I), and hs = [h_0 = x, h_1, ..., h_K], all in ``dtype``.
    """
    x = x.astype(dtype)  # from here on, the arithmetic of dtype
    betas, omegas = [b.astype(dtype) for b in betas], [o.astype(dtype) for o in omegas]

    def a(f):  # the activation, rounded to dtype (layers' activations compute in float64)
        return activation(f).astype(dtype, copy=False)

    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # inf/NaN, no warning
        return layers.forward.__wrapped__(x, betas, omegas, a)  # unchecked: keeps float32


@shapes(fs="list", omegas="list", dl_df="D_o I")
def backward(fs, omegas, dl_df, activation=relu):
    """Back-propagate dl/df_K to every layer: dl/df_{k-1} = a'[f_{k-1}] * (Omega_k^T dl/df_k).

    fs: the pre-activations from ``forward``; omegas: the K+1 weight matrices; dl_df: the
    gradient of the loss with respect to the output f_K, shape (D_o, I). Returns the list
    [dl/df_0, ..., dl/df_K], each the shape of its f_k. (``layers.backward``, which also
    gives the weight gradients dl/dOmega_k = dl/df_k h_k^T; without the h_k they come out
    empty, (D_{k+1}, 0).)
    """
    no_hs = [np.empty((0, dl_df.shape[1]))] * len(fs)  # no h_k: the dl/df_k do not need them
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return layers.backward(fs, no_hs, omegas, dl_df, activation)[0]


@shapes(x="D_i I columns", betas="net", omegas="net", dl_df="D_o I")
def gradient_variances(x, betas, omegas, dl_df):
    """Var[dl/df_k] for k = 0..K, pooled over units and points, for an upstream gradient
    dl_df (D_o, I) at the output. Returns a list of K+1 floats."""
    fs, _ = forward.__wrapped__(x, betas, omegas, np.float64, relu)
    return [float(np.var(g)) for g in backward(fs, omegas, dl_df)]


@shapes(x="D_i I columns", betas="net", omegas="net", dl_df="D_o I")
def variances_per_layer(x, betas, omegas, dl_df):
    """One forward and one backward pass of a ReLU net, measured layer by layer, k = 0..K:
    a dict of arrays (K+1,) with ``var_f`` = Var[f_k] and ``var_g`` = Var[dl/df_k] (units and
    points pooled) and ``ms_domega``, the mean over its entries of (dl/dOmega_k)^2, where
    dl/dOmega_k = dl/df_k h_k^T is summed over the batch. dl_df: dl/df_K (D_o, I)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        fs, hs = forward.__wrapped__(x, betas, omegas, np.float64, relu)
        dl_dfs, _, dl_domegas, _ = layers.backward(fs, hs, omegas, dl_df)
        return {"var_f": np.array([np.var(f) for f in fs]),
                "var_g": np.array([np.var(g) for g in dl_dfs]),
                "ms_domega": np.array([np.mean(g**2) for g in dl_domegas])}


# ------------------------------------------------------------------------------------------
# The variance recursion and its Monte-Carlo check
# ------------------------------------------------------------------------------------------
@shapes(var_f=">= 0", D_h="int >= 1", sigma_omega=">= 0")
def next_variance(var_f, D_h, sigma_omega):
    """sigma_f'^2 = 1/2 D_h sigma_Omega^2 sigma_f^2: the variance of f' = Omega a[f] when f is
    symmetric about 0 with variance var_f, Omega ~ Norm(0, sigma_omega^2) and beta = 0."""
    return 0.5 * D_h * sigma_omega**2 * var_f


@shapes(var_g=">= 0", D_h_next="int >= 1", sigma_omega=">= 0")
def next_gradient_variance(var_g, D_h_next, sigma_omega):
    """The backward twin: Var[dl/df] = 1/2 D_h' sigma_Omega^2 Var[dl/df'] (Omega is D_h' x D_h,
    so each dl/dh sums D_h' terms; the ReLU derivative keeps half of them on average)."""
    return 0.5 * D_h_next * sigma_omega**2 * var_g


@shapes(x="D_i I columns", widths=_widths, sigma=_per_layer, log10="bool", where=_sigma_per_layer)
def predicted_variances(x, widths, sigma, log10=False):
    """The theory's Var[f_k], k = 0..K, for weights Norm(0, sigma_k^2) and zero biases.

    Layer 0 sees x itself (no ReLU): Var[f_0] = D_i sigma_0^2 mean(x^2); after that
    Var[f_k] = 1/2 D_k sigma_k^2 Var[f_{k-1}]. x: (D_i, I). Returns an array (K+1,), or with
    ``log10=True`` log10 of it, summed in logs (so it goes beyond the float range).
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        var_0 = widths[0] * sigma[0] ** 2 * np.mean(x**2)  # Var[f_0]
        factors = 0.5 * np.array(widths[1:-1]) * sigma[1:] ** 2  # 1/2 D_k sigma_k^2, k = 1..K
        if log10:
            return np.log10(var_0) + np.concatenate([[0.0], np.cumsum(np.log10(factors))])
        return np.cumprod(np.concatenate([[var_0], factors]))


@shapes(var_top=">= 0", widths=_widths, sigma=_per_layer, where=_sigma_per_layer)
def predicted_gradient_variances(var_top, widths, sigma):
    """The theory's Var[dl/df_k], k = 0..K, given Var[dl/df_K] = var_top at the output:
    Var[dl/df_{k-1}] = 1/2 D_{k+1} sigma_k^2 Var[dl/df_k]. Returns an array (K+1,)."""
    factors = 0.5 * np.array(widths[2:]) * sigma[1:] ** 2  # 1/2 D_{k+1} sigma_k^2, k = 1..K
    with np.errstate(over="ignore", under="ignore"):
        return np.cumprod(np.concatenate([[var_top], factors[::-1]]))[::-1]  # from the top


@shapes(var_f=">= 0", D_h="int >= 1", sigma_omega=">= 0", rng="rng", D_h_next="int >= 1",
        I="int >= 1")
def sample_next_layer(var_f, D_h, sigma_omega, rng, D_h_next=64, I=256):
    """Monte Carlo for one layer: draw f ~ Norm(0, var_f) (D_h, I), Omega ~ Norm(0, sigma^2)
    (D_h_next, D_h), and return f' = Omega a[f] (beta = 0), shape (D_h_next, I).
    np.var of the result estimates next_variance(var_f, D_h, sigma_omega)."""
    f = np.sqrt(var_f) * rng.standard_normal((D_h, I))  # (D_h, I)
    omega = sigma_omega * rng.standard_normal((D_h_next, D_h))  # (D_h', D_h)
    return omega @ relu(f)  # (D_h', I)


# ------------------------------------------------------------------------------------------
# Floating-point limits
# ------------------------------------------------------------------------------------------
@shapes(dtype=_float_type)
def float_limits(dtype):
    """The range of a float type: {"max", "tiny" (smallest normal), "subnormal" (smallest)}."""
    fi = np.finfo(dtype)
    return {"max": float(fi.max), "tiny": float(fi.smallest_normal),
            "subnormal": float(fi.smallest_subnormal)}


@shapes(x="D_i I columns", betas="net", omegas="net", dtype=_arithmetic)
def rms_per_layer(x, betas, omegas, dtype=np.float64):
    """Root-mean-square of each f_k when the forward pass runs in ``dtype``.

    Measured in float64 without squaring huge numbers (rms = m sqrt(mean((f / m)^2)) with
    m = max |f|), so what is seen is the dtype's own overflow (inf), NaN (inf - inf) or
    underflow (0). Returns an array (K+1,).
    """
    fs, _ = forward(x, betas, omegas, dtype)  # the forward pass in dtype
    return _rms(fs)


def _rms(fs):
    """rms of each array in fs, in float64, as m sqrt(mean((f / m)^2)) with m = max |f|."""
    if len({np.shape(f) for f in fs}) == 1:  # one shape: all layers at once
        S = np.stack(fs).astype(np.float64)  # (K+1, D, I)
    else:
        return np.array([_rms([f])[0] for f in fs])
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.max(np.abs(S.reshape(len(fs), -1)), axis=1)  # nan if NaN, inf if overflowed
        ok = np.isfinite(m) & (m > 0)
        scaled = S[ok] / m[ok, None, None]
        out = m.copy()
        out[ok] = m[ok] * np.sqrt(np.mean(scaled**2, axis=(1, 2)))
    return out


@shapes(rms="* nan", dtype=_float_type)
def first_bad_layer(rms, dtype=np.float64):
    """The first layer k whose rms is inf/NaN ("overflow") or has left the normal range of
    ``dtype`` (below its smallest normal number: "underflow"); (k, kind) or (None, None)."""
    tiny = float_limits.__wrapped__(dtype)["tiny"]
    for k, r in enumerate(rms):
        if not np.isfinite(r):
            return k, "overflow"
        if r < tiny:
            return k, "underflow"
    return None, None


# ------------------------------------------------------------------------------------------
# Training diagnostics: a short SGD run, watched layer by layer
# ------------------------------------------------------------------------------------------
def _one_array_per_omega(args):
    """dl_domegas holds one gradient per weight matrix, each of its matrix's shape."""
    omegas, grads = args["omegas"], args["dl_domegas"]
    if len(grads) != len(omegas):
        raise ShapeError(f"dl_domegas has {len(grads)} entries; expected {len(omegas)}, one per "
                         "Omega_k")
    for k, (o, g) in enumerate(zip(omegas, grads)):
        if np.shape(g) != np.shape(o):
            raise ShapeError(f"dl_domegas[{k}] has shape {np.shape(g)}; expected "
                             f"{np.shape(o)}, the shape of Omega_{k}")


def _arrays(value, name):
    if not isinstance(value, (list, tuple)) or not value:
        raise InputTypeError(f"{name} must be a list of arrays, one per layer; got "
                             f"{type(value).__name__}")
    return [np.asarray(v, dtype=np.float64) for v in value]


@shapes(omegas=_arrays, dl_domegas=_arrays, alpha="> 0", where=_one_array_per_omega)
def update_ratio(omegas, dl_domegas, alpha):
    """How far one SGD step moves each weight matrix, relative to its size:

    r_k = ||alpha dL/dOmega_k|| / ||Omega_k||     (Frobenius norms),  k = 0..K.

    omegas, dl_domegas: lists of K+1 arrays of matching shapes; alpha > 0. Returns (K+1,).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.array([np.linalg.norm(alpha * g) / np.linalg.norm(o)
                         for o, g in zip(omegas, dl_domegas)])


def _targets_fit_the_net(args):
    if args["y"].shape[0] != args["omegas"][-1].shape[0]:
        raise ShapeError(f"y has {args['y'].shape[0]} rows; expected "
                         f"{args['omegas'][-1].shape[0]} = D_o, the rows of Omega_K")
    if args["x"].shape[1] != args["y"].shape[1]:
        raise ShapeError(f"y has {args['y'].shape[1]} columns; expected {args['x'].shape[1]}, "
                         "one target per data point of x")


@shapes(x="D_i I columns", y="* *", betas="net", omegas="net", alpha="> 0", n_steps="int >= 0",
        batch_size="int >= 1", rng="rng", where=_targets_fit_the_net)
def train_sgd(x, y, betas, omegas, alpha, n_steps, batch_size, rng, snapshots=()):
    """SGD on the least-squares loss L = sum_i (f_K(x_i) - y_i)^2 of each batch, recording
    what the diagnostics need at every step t = 0..n_steps (before step t's update):

    "loss" (n_steps+1,): L / batch size, the mean squared error of the batch;
    "ratio" (n_steps+1, K+1): update_ratio, ||alpha dL/dOmega_k|| / ||Omega_k||;
    "fs", "grads": {t: [f_0..f_K]}, {t: [dl/df_0..dl/df_K]} on the batch, at the steps in
    ``snapshots``. A run whose loss is inf/NaN stops there ("diverged_at" = t, else None)
    and the rest of its records are NaN. x: (D_i, I), y: (D_o, I).
    """
    K1 = len(omegas)
    out = {"loss": np.full(n_steps + 1, np.nan), "ratio": np.full((n_steps + 1, K1), np.nan),
           "fs": {}, "grads": {}, "diverged_at": None}
    batches = []
    while len(batches) < n_steps + 1:  # epochs of shuffled batches, as many as needed
        batches += optim.minibatches(x.shape[1], batch_size, rng)
    for t in range(n_steps + 1):
        xb, yb = x[:, batches[t]], y[:, batches[t]]  # (D_i, B), (D_o, B)
        with np.errstate(all="ignore"):  # a bad init overflows: record it, do not warn
            fs, hs = layers.forward.__wrapped__(xb, betas, omegas, relu)
            dl_dfs, dl_dbetas, dl_domegas, _ = layers.backward.__wrapped__(
                fs, hs, omegas, 2 * (fs[-1] - yb), relu)  # dL/df_K = 2 (f_K - y)
            out["loss"][t] = np.sum((fs[-1] - yb) ** 2) / xb.shape[1]
            out["ratio"][t] = update_ratio.__wrapped__(omegas, dl_domegas, alpha)
        if t in snapshots:
            out["fs"][t], out["grads"][t] = fs, dl_dfs
        if not np.isfinite(out["loss"][t]):
            out["diverged_at"] = t
            break
        step = optim.gd_step.__wrapped__  # theta - alpha dL/dtheta, for arrays of any shape
        omegas = [step(o, g, alpha) for o, g in zip(omegas, dl_domegas)]
        betas = [step(b, g, alpha) for b, g in zip(betas, dl_dbetas)]  # both (D_{k+1}, 1)
    return out


@dataclass(frozen=True)
class DiagnosticsConfig:
    """The diagnostics run of chapter 05: a deep narrow ReLU net fitting a smooth function."""

    depth: int = 20  # hidden layers K
    width: int = 64  # units per hidden layer
    D_i: int = 8  # inputs
    I: int = 512  # training points
    steps: int = 300  # SGD steps
    batch_size: int = 32
    alpha: float = 1e-3  # learning rate for the summed loss, chosen for He
    snapshots: tuple = tuple(range(0, 301, 10))  # steps whose f_k and dl/df_k are kept
    seed: int = 0


@shapes(multiple=">= 0")
def diagnostic_run(multiple, config=DiagnosticsConfig()):
    """``train_sgd`` from sigma_Omega^2 = multiple x He (2 / D_k) on the data
    y = sin(2 x_1) + x_2 x_3 / 2, x ~ Norm(0, I). The data, the standard-normal draws behind
    the weights and the batches are the same for every multiple: only the scale differs.
    Returns train_sgd's dict, with the data added as "x" (D_i, I) and "y" (1, I)."""
    rng = np.random.default_rng(config.seed)
    x = rng.standard_normal((config.D_i, config.I))  # (D_i, I)
    y = np.sin(2 * x[:1]) + 0.5 * x[1:2] * x[2:3]  # (1, I)
    widths = [config.D_i] + [config.width] * config.depth + [1]
    sigmas = he_sigmas.__wrapped__(widths, "forward", multiple)
    betas, omegas = init_net(widths, sigmas, np.random.default_rng(config.seed + 1))
    run = train_sgd(x, y, betas, omegas, config.alpha, config.steps, config.batch_size,
                    np.random.default_rng(config.seed + 2), config.snapshots)
    return {**run, "x": x, "y": y}
