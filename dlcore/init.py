"""Initialisation: how the weight variance sets the size of activations and gradients (chapter 05).

Conventions (the notes'): data points are columns. A net with K hidden layers has
``widths = [D_i, D_1, ..., D_K, D_o]`` and lists ``betas``, ``omegas`` of length K+1, with
``Omega_k`` of shape ``(D_{k+1}, D_k)``. The forward pass is

    f_0 = beta_0 + Omega_0 x,    h_k = a[f_{k-1}],    f_k = beta_k + Omega_k h_k   (k = 1..K)

(the notes also write the pre-activations f_k as j_k). The output is f_K.
"""

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    as_points,
    check_int,
    check_param_list,
    check_positive,
    check_rng,
)

__all__ = [
    "he_std",
    "he_std_compromise",
    "init_net",
    "preactivation_variances",
    "he_sigmas",
    "forward",
    "backward",
    "gradient_variances",
    "next_variance",
    "next_gradient_variance",
    "predicted_variances",
    "predicted_gradient_variances",
    "sample_next_layer",
    "float_limits",
    "rms_per_layer",
    "first_bad_layer",
]


# ------------------------------------------------------------------------------------------
# The API: He's standard deviations, a freshly initialised net, the variance of each f_k
# ------------------------------------------------------------------------------------------
def he_std(D_h):
    """He's weight standard deviation for a layer fed by D_h units: sigma_Omega = sqrt(2 / D_h)."""
    D_h = check_int(D_h, "D_h", 1)
    return float(np.sqrt(2.0 / D_h))


def he_std_compromise(D_h, D_h_next):
    """The compromise for a non-square Omega (D_h' x D_h): sqrt(4 / (D_h + D_h')), the He
    variance for the mean width (D_h + D_h') / 2."""
    D_h, D_h_next = check_int(D_h, "D_h", 1), check_int(D_h_next, "D_h_next", 1)
    return float(np.sqrt(4.0 / (D_h + D_h_next)))


def _check_widths(widths):
    if isinstance(widths, (int, np.integer, str)) or not hasattr(widths, "__iter__"):
        raise InputTypeError(f"widths must be a list [D_i, D_1, ..., D_K, D_o]; got {widths!r}")
    widths = [check_int(w, f"widths[{i}]", 1) for i, w in enumerate(widths)]
    if len(widths) < 2:
        raise ShapeError(f"widths has {len(widths)} entries; expected [D_i, ..., D_o], at least 2")
    return widths


def _check_sigmas(sigma, n_layers):
    """sigma: one standard deviation for every layer, or a list of n_layers of them."""
    if isinstance(sigma, str) or sigma is None:
        raise InputTypeError(f"sigma must be a number or a list of numbers; got {sigma!r}")
    arr = as_float_array(sigma, "sigma")
    if arr.ndim == 0:
        arr = np.full(n_layers, float(arr))
    if arr.shape != (n_layers,):
        raise ShapeError(f"sigma has shape {arr.shape}; expected a number or ({n_layers},), "
                         "one standard deviation per weight matrix")
    check_positive(arr, "sigma", strict=False)
    return arr


def init_net(widths, sigma, rng):
    """A freshly initialised net: beta_k = 0 and every entry of Omega_k ~ Norm(0, sigma^2).

    widths: [D_i, D_1, ..., D_K, D_o]; sigma: a number, or a list of K+1 (one per Omega_k);
    rng: np.random.default_rng(seed). Returns (betas, omegas), Omega_k of shape (D_{k+1}, D_k).
    """
    widths = _check_widths(widths)
    sigmas = _check_sigmas(sigma, len(widths) - 1)
    check_rng(rng)
    betas, omegas = [], []
    for k, (D_h, D_h_next) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        betas.append(np.zeros(D_h_next))  # beta_k = 0
        omegas.append(sigmas[k] * rng.standard_normal((D_h_next, D_h)))  # (D_{k+1}, D_k)
    return betas, omegas


def preactivation_variances(x, betas, omegas):
    """Var[f_k] for k = 0..K: the variance of all entries of f_k (units and points pooled).

    x: (D_i, I). Returns a list of K+1 floats (np.var of each f_k, so the mean is removed).
    """
    fs, _ = forward(x, betas, omegas)
    return [float(np.var(f)) for f in fs]


def he_sigmas(widths, rule="forward", multiple=1.0):
    """Per-layer weight standard deviations for a net of the given widths.

    rule "forward":    sigma_k^2 = 2 / D_k          (keeps Var[f_k] constant)
    rule "backward":   sigma_k^2 = 2 / D_{k+1}      (keeps Var[dl/df_k] constant)
    rule "compromise": sigma_k^2 = 4 / (D_k + D_{k+1})
    ``multiple`` scales every variance (sigma_k^2 * multiple). Returns an array (K+1,).
    """
    widths = _check_widths(widths)
    multiple = float(check_positive(multiple, "multiple", strict=False))
    rules = {"forward": lambda a, b: he_std(a), "backward": lambda a, b: he_std(b),
             "compromise": he_std_compromise}
    if rule not in rules:
        raise ShapeError(f"rule is {rule!r}; expected one of {sorted(rules)}")
    s = np.array([rules[rule](a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)])
    return s * np.sqrt(multiple)


# ------------------------------------------------------------------------------------------
# The forward and backward passes, written out (the few lines this chapter needs)
# ------------------------------------------------------------------------------------------
def forward(x, betas, omegas, dtype=np.float64):
    """The forward pass: f_0 = beta_0 + Omega_0 x, h_k = a[f_{k-1}], f_k = beta_k + Omega_k h_k.

    x: (D_i, I). ``dtype`` (float64 or float32) is the arithmetic used; overflow gives inf or
    NaN, not an error. Returns (fs, hs): fs = [f_0, ..., f_K] with f_k (D_{k+1}, I), and
    hs = [h_0 = x, h_1, ..., h_K].
    """
    betas, omegas = check_param_list(betas, omegas)
    x, _ = as_points(x, "x", D=omegas[0].shape[1])
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise InputTypeError(f"dtype must be np.float32 or np.float64; got {dtype}")
    betas = [beta.astype(dtype) for beta in betas]
    omegas = [omega.astype(dtype) for omega in omegas]
    return _forward_arrays(x.astype(dtype), betas, omegas)


def _forward_arrays(x, betas, omegas):
    """The loop of ``forward`` on arrays already checked and in one dtype (betas as columns)."""
    h = x
    fs, hs = [], [h]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for k, (beta, omega) in enumerate(zip(betas, omegas, strict=True)):
            f = beta + omega @ h  # (D_{k+1}, 1) + (D_{k+1}, D_k) @ (D_k, I)
            fs.append(f)
            if k < len(omegas) - 1:
                h = np.maximum(f, 0)  # h_{k+1} = a[f_k], the ReLU
                hs.append(h)
    return fs, hs


def backward(fs, omegas, dl_df):
    """Back-propagate dl/df_K to every layer: dl/df_{k-1} = I[f_{k-1} > 0] * (Omega_k^T dl/df_k).

    fs: the pre-activations from ``forward``; omegas: the K+1 weight matrices; dl_df: the
    gradient of the loss with respect to the output f_K, shape (D_o, I). Returns the list
    [dl/df_0, ..., dl/df_K], each the shape of its f_k.
    """
    _, omegas = check_param_list([np.zeros(np.shape(o)[0]) for o in omegas], omegas)
    if not isinstance(fs, (list, tuple)) or len(fs) != len(omegas):
        raise ShapeError(f"fs must be the list of {len(omegas)} pre-activations from forward()")
    g = as_float_array(dl_df, "dl_df")
    if g.shape != np.shape(fs[-1]):
        raise ShapeError(f"dl_df has shape {g.shape}; expected {np.shape(fs[-1])}, the shape "
                         "of the output f_K")
    grads = [g]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for k in range(len(omegas) - 1, 0, -1):
            dl_dh = omegas[k].T @ g  # (D_k, D_{k+1}) @ (D_{k+1}, I): dl/dh_k
            g = (fs[k - 1] > 0) * dl_dh  # ReLU derivative I[f_{k-1} > 0]
            grads.append(g)
    return grads[::-1]


def gradient_variances(x, betas, omegas, dl_df):
    """Var[dl/df_k] for k = 0..K, pooled over units and points, for an upstream gradient
    dl_df (D_o, I) at the output. Returns a list of K+1 floats."""
    fs, _ = forward(x, betas, omegas)
    return [float(np.var(g)) for g in backward(fs, omegas, dl_df)]


# ------------------------------------------------------------------------------------------
# The variance recursion and its Monte-Carlo check
# ------------------------------------------------------------------------------------------
def next_variance(var_f, D_h, sigma_omega):
    """sigma_f'^2 = 1/2 D_h sigma_Omega^2 sigma_f^2: the variance of f' = Omega a[f] when f is
    symmetric about 0 with variance var_f, Omega ~ Norm(0, sigma_omega^2) and beta = 0."""
    var_f = check_positive(var_f, "var_f", strict=False)
    D_h = check_int(D_h, "D_h", 1)
    sigma_omega = check_positive(sigma_omega, "sigma_omega", strict=False)
    return 0.5 * D_h * sigma_omega**2 * var_f


def next_gradient_variance(var_g, D_h_next, sigma_omega):
    """The backward twin: Var[dl/df] = 1/2 D_h' sigma_Omega^2 Var[dl/df'] (Omega is D_h' x D_h,
    so each dl/dh sums D_h' terms; the ReLU derivative keeps half of them on average)."""
    var_g = check_positive(var_g, "var_g", strict=False)
    D_h_next = check_int(D_h_next, "D_h_next", 1)
    sigma_omega = check_positive(sigma_omega, "sigma_omega", strict=False)
    return 0.5 * D_h_next * sigma_omega**2 * var_g


def predicted_variances(x, widths, sigma):
    """The theory's Var[f_k], k = 0..K, for weights Norm(0, sigma_k^2) and zero biases.

    Layer 0 sees x itself (no ReLU): Var[f_0] = D_i sigma_0^2 mean(x^2); after that
    Var[f_k] = 1/2 D_k sigma_k^2 Var[f_{k-1}]. x: (D_i, I). Returns an array (K+1,).
    """
    widths = _check_widths(widths)
    sigmas = _check_sigmas(sigma, len(widths) - 1)
    x, _ = as_points(x, "x", D=widths[0])
    with np.errstate(over="ignore", under="ignore"):
        var = [widths[0] * sigmas[0] ** 2 * float(np.mean(x**2))]
        for k in range(1, len(sigmas)):
            var.append(0.5 * widths[k] * sigmas[k] ** 2 * var[-1])
    return np.array(var)


def predicted_gradient_variances(var_top, widths, sigma):
    """The theory's Var[dl/df_k], k = 0..K, given Var[dl/df_K] = var_top at the output:
    Var[dl/df_{k-1}] = 1/2 D_{k+1} sigma_k^2 Var[dl/df_k]. Returns an array (K+1,)."""
    widths = _check_widths(widths)
    sigmas = _check_sigmas(sigma, len(widths) - 1)
    var_top = float(check_positive(var_top, "var_top", strict=False))
    var = [var_top]
    with np.errstate(over="ignore", under="ignore"):
        for k in range(len(sigmas) - 1, 0, -1):
            var.append(0.5 * widths[k + 1] * sigmas[k] ** 2 * var[-1])
    return np.array(var[::-1])


def sample_next_layer(var_f, D_h, sigma_omega, rng, D_h_next=64, I=256):
    """Monte Carlo for one layer: draw f ~ Norm(0, var_f) (D_h, I), Omega ~ Norm(0, sigma^2)
    (D_h_next, D_h), and return f' = Omega a[f] (beta = 0), shape (D_h_next, I).
    np.var of the result estimates next_variance(var_f, D_h, sigma_omega)."""
    var_f = float(check_positive(var_f, "var_f", strict=False))
    D_h, D_h_next = check_int(D_h, "D_h", 1), check_int(D_h_next, "D_h_next", 1)
    I = check_int(I, "I", 1)
    sigma_omega = float(check_positive(sigma_omega, "sigma_omega", strict=False))
    check_rng(rng)
    f = np.sqrt(var_f) * rng.standard_normal((D_h, I))  # (D_h, I)
    omega = sigma_omega * rng.standard_normal((D_h_next, D_h))  # (D_h', D_h)
    return omega @ np.maximum(f, 0)  # (D_h', I)


# ------------------------------------------------------------------------------------------
# Floating-point limits
# ------------------------------------------------------------------------------------------
def float_limits(dtype):
    """The range of a float type: {"max", "tiny" (smallest normal), "subnormal" (smallest)}."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise InputTypeError(f"dtype must be a float type such as np.float32; got {dtype}")
    fi = np.finfo(dtype)
    return {"max": float(fi.max), "tiny": float(fi.smallest_normal),
            "subnormal": float(fi.smallest_subnormal)}


def rms_per_layer(x, betas, omegas, dtype=np.float64):
    """Root-mean-square of each f_k when the forward pass runs in ``dtype``.

    Measured in float64 without squaring huge numbers (rms = m sqrt(mean((f / m)^2)) with
    m = max |f|), so what is seen is the dtype's own overflow (inf), NaN (inf - inf) or
    underflow (0). Returns an array (K+1,).
    """
    fs, _ = forward(x, betas, omegas, dtype=dtype)
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


def first_bad_layer(rms, dtype=np.float64):
    """The first layer k whose rms is inf/NaN ("overflow") or has left the normal range of
    ``dtype`` (below its smallest normal number: "underflow"); (k, kind) or (None, None)."""
    rms = as_float_array(rms, "rms", allow_nan=True)
    tiny = float_limits(dtype)["tiny"]
    for k, r in enumerate(rms):
        if not np.isfinite(r):
            return k, "overflow"
        if r < tiny:
            return k, "underflow"
    return None, None
