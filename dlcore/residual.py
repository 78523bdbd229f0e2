"""Residual networks and normalisation (chapter 09): batch norm (also for CNNs), layer norm,
a two-layer residual block, shattered gradients, the unravelled view of a residual net,
variance growth through residual blocks, and synthetic images for segmentation and detection.

Conventions (the notes'): hidden units are rows and the batch is columns, ``h`` has shape
``(D, I)``. A residual block adds its branch to its input: ``h_{k+1} = h_k + f_k[h_k]``, with
the branch written ReLU first, ``f_k[h] = beta_k + Omega_k a[h]`` (the order the notes
recommend), and ``Omega_k`` of shape ``(D, D)``.
"""

from math import comb

import numpy as np

from .checks import InputTypeError, ShapeError, as_float_array, check_positive, shapes
from .layers import init_params, relu, relu_derivative

__all__ = [
    "batch_norm",
    "batch_norm2d",
    "batch_norm_eval",
    "update_running",
    "layer_norm",
    "residual_block",
    "toy_net",
    "input_gradient",
    "autocorrelation",
    "path_counts",
    "paths_by_length",
    "residual_variances",
    "variance_closed_form",
    "shapes_dataset",
    "iou",
    "center_heatmap",
]


# ------------------------------------------------------------------------------------------
# The contracts' own checks (what the contract language cannot say)
# ------------------------------------------------------------------------------------------
def _per_unit(value, name):
    """gamma, delta or a running statistic: a number, or one value per unit (row of h), (D,)
    or (D, 1), given to the maths as a column (D, 1)."""
    arr = as_float_array(value, name)
    if arr.ndim > 2:
        raise ShapeError(f"{name} has shape {arr.shape}; expected a number, (D,) or (D, 1): one "
                         "value per unit (row of h)")
    return arr[:, None] if arr.ndim == 1 else arr  # (D,) -> (D, 1)


def _per_unit_variance(value, name):
    """A running variance: per unit (see _per_unit), and >= 0."""
    return _per_unit(check_positive(value, name, strict=False), name)


PER_UNIT = (_per_unit, "number | D 1")  # a number, or a column (D, 1) with D the rows of h
VARIANCE = (_per_unit_variance, "number | D 1")


def _batch(value, name):
    """A batch h (D, I) of at least two data points, so that a variance can be estimated."""
    h = as_float_array(value, name)
    if h.ndim == 2 and h.shape[1] < 2:
        raise ShapeError(f"{name} has shape {h.shape}; batch norm needs a batch of at least 2 "
                         "columns to estimate a variance")
    return h


def _images(value, name):
    """A batch of images x (B, C, H, W) with at least two values per channel (B H W >= 2)."""
    x = as_float_array(value, name)
    if x.ndim == 4 and x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ShapeError(f"{name} has shape {x.shape}; batch norm needs at least 2 values per "
                         "channel (B * H * W >= 2) to estimate a variance")
    return x


def _sequence(value, name):
    """A sequence g (I,) of at least two values."""
    g = as_float_array(value, name)
    if g.ndim == 1 and g.size < 2:
        raise ShapeError(f"{name} has {g.size} values; expected at least 2")
    return g


def _lags_within(args):
    """max_lag < I = len(g), and I - 1 when left out."""
    I, L = args["g"].size, args["max_lag"]
    if L is None:
        args["max_lag"] = I - 1
    elif L >= I:
        raise ShapeError(f"max_lag must be < len(g) = {I}; got {L}")


def _same_shape(args):
    """batch_stat has the shape of run (both may be numbers)."""
    run, batch_stat = args["run"], args["batch_stat"]
    if run.shape != batch_stat.shape:
        raise ShapeError(f"batch_stat has shape {batch_stat.shape}; expected {run.shape}, the "
                         "shape of run")


def _branches(value, name):
    """The K branch matrices Omega_k, each (D, D), stacked into (K, D, D); none: shape (0,)."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise InputTypeError(f"{name} must be a list of (D, D) matrices, one per block; got "
                             f"{type(value).__name__}")
    mats = [as_float_array(omega, f"{name}[{k}]") for k, omega in enumerate(value)]
    for k, omega in enumerate(mats):
        if omega.ndim != 2 or omega.shape != mats[0].shape or omega.shape[0] != omega.shape[1]:
            raise ShapeError(f"{name}[{k}] has shape {omega.shape}; expected a square (D, D) "
                             "like every block's, because a residual branch keeps the width")
    return np.stack(mats) if mats else np.zeros(0)  # (K, D, D)


# ------------------------------------------------------------------------------------------
# Normalisation
# ------------------------------------------------------------------------------------------
@shapes(h=(_batch, "D I"), gamma=PER_UNIT, delta=PER_UNIT, eps=">= 0")
def batch_norm(h, gamma, delta, eps=1e-5):
    """Batch norm in training: standardise each unit (row) over the batch, then scale and shift.

    m = mean_i h[:, i];  s2 = mean_i (h[:, i] - m)^2  (biased, 1/|B|, as PyTorch normalises);
    out = gamma (h - m) / sqrt(s2 + eps) + delta.
    h (D, I) with I >= 2; gamma, delta (D,) or (D, 1) or scalars. Returns (out (D, I), m (D,),
    s2 (D,)).
    """
    m = h.mean(axis=1, keepdims=True)  # (D, 1): the batch mean m_n of each unit
    s2 = ((h - m) ** 2).mean(axis=1, keepdims=True)  # (D, 1): biased variance s_n^2
    z = (h - m) / np.sqrt(s2 + eps)  # (D, I): standardised
    out = gamma * z + delta
    return out, m[:, 0], s2[:, 0]


@shapes(x=(_images, "B C H W"), gamma="number | C", delta="number | C", eps=">= 0")
def batch_norm2d(x, gamma, delta, eps=1e-5):
    """Batch norm for a CNN in training: each channel c standardised over batch, height, width.

    m_c = mean_{b,i,j} x[b, c, i, j];  s2_c = mean_{b,i,j} (x[b, c, i, j] - m_c)^2  (biased);
    out = gamma_c (x - m_c) / sqrt(s2_c + eps) + delta_c  (as torch.nn.BatchNorm2d in training).
    x (B, C, H, W); gamma, delta (C,) or numbers. Returns (out (B, C, H, W), m (C,), s2 (C,)).
    """
    m = x.mean(axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1): one mean per channel
    s2 = ((x - m) ** 2).mean(axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1): biased variance
    z = (x - m) / np.sqrt(s2 + eps)  # (B, C, H, W): standardised
    out = np.reshape(gamma, (-1, 1, 1)) * z + np.reshape(delta, (-1, 1, 1))  # gamma_c, delta_c
    return out, m.ravel(), s2.ravel()


@shapes(h="D I points", gamma=PER_UNIT, delta=PER_UNIT, run_mean=PER_UNIT, run_var=VARIANCE,
        eps=">= 0")
def batch_norm_eval(h, gamma, delta, run_mean, run_var, eps=1e-5):
    """Batch norm at test time: the running averages replace the batch statistics.

    out = gamma (h - run_mean) / sqrt(run_var + eps) + delta.
    h (D, I) or one point (D,); gamma, delta, run_mean, run_var (D,) or (D, 1). Same shape out.
    """
    return gamma * (h - run_mean) / np.sqrt(run_var + eps) + delta


@shapes(run="...", batch_stat="...", alpha="[0, 1]", where=_same_shape)
def update_running(run, batch_stat, alpha):
    """One step of the running average kept for test time: (1 - alpha) run + alpha batch_stat.

    run and batch_stat: arrays of the same shape (or scalars); alpha in [0, 1] (PyTorch calls it
    ``momentum``, default 0.1). PyTorch feeds in the *unbiased* batch variance (1/(|B| - 1))
    when it updates its running variance.
    """
    return (1.0 - alpha) * run + alpha * batch_stat


@shapes(h="D I points", gamma=PER_UNIT, delta=PER_UNIT, eps=">= 0")
def layer_norm(h, gamma, delta, eps=1e-5):
    """Layer norm: standardise each data point (column) over its units, then scale and shift.

    m_i = mean_d h[d, i];  s2_i = mean_d (h[d, i] - m_i)^2;
    out = gamma (h - m_i) / sqrt(s2_i + eps) + delta, with gamma, delta one value per unit.
    h (D, I) or one point (D,); gamma, delta (D,) or (D, 1) or scalars. Same shape out.
    """
    m = h.mean(axis=0, keepdims=True)  # (1, I): one mean per data point
    s2 = ((h - m) ** 2).mean(axis=0, keepdims=True)  # (1, I)
    return gamma * (h - m) / np.sqrt(s2 + eps) + delta


# ------------------------------------------------------------------------------------------
# A residual block that spans two layers
# ------------------------------------------------------------------------------------------
@shapes(h="D I points", omega1="D D", beta1="D", omega2="D D", beta2="D")
def residual_block(h, omega1, beta1, omega2, beta2):
    """A residual block whose branch is two layers, each ReLU first (the notes' order):

    f[h] = beta2 + Omega2 a[beta1 + Omega1 a[h]],   h_out = h + f[h].
    h (D, I) or one point (D,); omega1, omega2 (D, D); beta1, beta2 (D,). Same shape out.
    """
    g = beta1[:, None] + omega1 @ relu(h)  # (D, I): first layer of the branch
    return h + beta2[:, None] + omega2 @ relu(g)  # skip + second layer


# ------------------------------------------------------------------------------------------
# Shattered gradients: d y / d x for a scalar input, plain vs residual
# ------------------------------------------------------------------------------------------
@shapes(K="int >= 0", D="int >= 1", rng="rng", bias_std=">= 0")
def toy_net(K, D, rng, bias_std=0.1):
    """Random parameters of a 1-input, 1-output net with K hidden layers (blocks) of D units.

    He initialisation, Omega ~ Norm(0, 2/D); biases ~ Norm(0, bias_std^2). Returns a dict with
    ``omega_in`` (D, 1), ``beta_in`` (D,), ``omegas`` K x (D, D), ``betas`` K x (D,),
    ``omega_out`` (1, D). The same parameters serve the plain and the residual net.
    """
    # Drawn in this order (all K weight matrices, then all K biases), not layer by layer as
    # layers.init_params draws: the chapter's figures and numbers come from these draws.
    sd = np.sqrt(2.0 / D)
    return {
        "omega_in": rng.normal(0.0, np.sqrt(2.0), size=(D, 1)),
        "beta_in": rng.normal(0.0, bias_std, size=D),
        "omegas": [rng.normal(0.0, sd, size=(D, D)) for _ in range(K)],
        "betas": [rng.normal(0.0, bias_std, size=D) for _ in range(K)],
        "omega_out": rng.normal(0.0, np.sqrt(1.0 / D), size=(1, D)),
    }


def _frozen_bn(f, df):
    """BN[f] = (f - m) / sqrt(s2 + eps), each row of f (D, I) standardised with its statistics
    over the batch, which are then held fixed: the derivative df is only divided by
    sqrt(s2 + eps). Returns (BN[f], dBN[f]/dx)."""
    z, _, s2 = batch_norm.__wrapped__(f, 1.0, 0.0)
    return z, df / np.sqrt(s2[:, None] + 1e-5)


@shapes(x="I", residual="bool", every_depth="bool")
def input_gradient(x, params, residual=False, every_depth=False):
    """The output y and its derivative dy/dx at each scalar input x, by forward-mode chain rule.

    plain:    h_1 = a[BN[beta_in + omega_in x]],  h_{k+1} = a[BN[beta_k + Omega_k h_k]]
    residual: h_1 = beta_in + omega_in x,         h_{k+1} = h_k + beta_k + Omega_k a[BN[h_k]]
    and y = omega_out h_K in both. BN standardises each unit with the mean and variance over the
    inputs x, which are then held fixed (as at test time), so BN[h] = (h - m) / sqrt(s2 + 1e-5)
    and dBN/dh = 1/sqrt(s2 + 1e-5).
    Each h carries its derivative dh/dx beside it (the input is a scalar, so forward mode is the
    cheap direction). x (I,); params from ``toy_net``; returns (y (I,), dy_dx (I,)). With
    ``every_depth`` the output layer reads every h_k in turn: (y, dy_dx) of shape (K + 1, I),
    row k = the net cut after k layers (blocks), all sharing the same first layers.
    """
    w_in, w_out = params["omega_in"], params["omega_out"]  # (D, 1), (1, D)
    f = params["beta_in"][:, None] + w_in * x[None, :]  # (D, I)
    df = np.broadcast_to(w_in, f.shape)  # (D, I): d f / d x
    if residual:
        h, dh = f, df
    else:
        z, dz = _frozen_bn(f, df)
        h, dh = relu(z), relu_derivative(z) * dz
    ys, dys = [w_out @ h], [w_out @ dh]  # (1, I) each
    with np.errstate(over="ignore", invalid="ignore"):
        for beta, omega in zip(params["betas"], params["omegas"], strict=True):
            if residual:
                z, dz = _frozen_bn(h, dh)  # BN[h_k] and its derivative
                h = h + beta[:, None] + omega @ relu(z)
                dh = dh + omega @ (relu_derivative(z) * dz)
            else:
                z, dz = _frozen_bn(beta[:, None] + omega @ h, omega @ dh)
                h, dh = relu(z), relu_derivative(z) * dz
            if every_depth:
                ys.append(w_out @ h)
                dys.append(w_out @ dh)
    if every_depth:
        return np.concatenate(ys), np.concatenate(dys)  # (K + 1, I)
    return (w_out @ h)[0], (w_out @ dh)[0]


@shapes(g=(_sequence, "I"), max_lag="int >= 0", where=_lags_within)
def autocorrelation(g, max_lag=None):
    """Normalised autocorrelation of a sequence g sampled on an even grid.

    c[l] = sum_i (g_i - gbar)(g_{i+l} - gbar) / sum_i (g_i - gbar)^2, for l = 0..max_lag
    (default I - 1, max_lag < I). g (I,); returns (max_lag + 1,), c[0] = 1. A constant g is
    perfectly correlated: all ones.
    """
    gc = g - g.mean()
    scale = np.max(np.abs(gc))
    if scale == 0.0 or not np.isfinite(scale):
        return np.ones(max_lag + 1)  # a constant (or unusable) g: perfectly correlated
    gc = gc / scale  # c is invariant to the scale of g; this keeps gc @ gc finite
    return np.array([gc[: g.size - l] @ gc[l:] for l in range(max_lag + 1)]) / (gc @ gc)


# ------------------------------------------------------------------------------------------
# The unravelled view: 2^K paths of lengths 0..K
# ------------------------------------------------------------------------------------------
@shapes(K="int >= 0")
def path_counts(K):
    """How many of the 2^K paths through K residual blocks pass through exactly l branches:
    C(K, l) for l = 0..K. Returns an int array (K + 1,) that sums to 2^K."""
    return np.array([comb(K, l) for l in range(K + 1)], dtype=np.int64)


@shapes(x="D | D I", omegas=(_branches, "K D D | K"))
def paths_by_length(x, omegas):
    """A linear residual net y = (I + Omega_{K-1}) ... (I + Omega_0) x, split by path length.

    Expanding the product gives 2^K terms, one per subset of blocks whose branch the path takes;
    c[l] sums the terms that take exactly l branches. Computed block by block:
    c_new[l] = c[l] + Omega_k c[l - 1]. x (D, I) or (D,); omegas K x (D, D).
    Returns c of shape (K + 1, D, I) (or (K + 1, D)); c.sum(axis=0) is the output y.
    """
    c = np.zeros((len(omegas) + 1,) + x.shape)  # (K + 1, D, I)
    c[0] = x
    for k, omega in enumerate(omegas):
        # the paths that take branch k: Omega_k times each c[l], l <= k, moved to length l + 1
        c[1: k + 2] += np.einsum("de,le...->ld...", omega, c[: k + 1])
    return c


# ------------------------------------------------------------------------------------------
# Variance growth through residual blocks
# ------------------------------------------------------------------------------------------
@shapes(x="D I columns", K="int >= 0", rng="rng", norm="one of none batch", gamma="number")
def residual_variances(x, K, rng, norm="none", gamma=1.0):
    """Var[h_k] (over units and batch) for k = 0..K in a residual net with He-initialised branches.

    norm="none":  h_{k+1} = h_k + gamma Omega_k a[h_k]
    norm="batch": h_{k+1} = h_k + Omega_k a[BN(h_k; gamma, 0)]   (batch norm first in the branch)
    Omega_k ~ Norm(0, 2/D), zero biases. x (D, I) is h_0. Returns (K + 1,) float64; entries past
    the float64 range are inf.
    """
    h = x
    out = np.full(K + 1, np.inf)
    out[0] = h.var()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(K):
            _, (omega,) = init_params([x.shape[0]] * 2, "he", rng)  # Omega_k ~ Norm(0, 2/D)
            if norm == "batch":
                h = h + omega @ relu(batch_norm.__wrapped__(h, gamma, 0.0)[0])
            else:
                h = h + gamma * (omega @ relu(h))
            out[k + 1] = h.var() if np.isfinite(h).all() else np.inf
            if not np.isfinite(out[k + 1]):
                break  # the rest stay inf
    return out


@shapes(K="int >= 0", var0=">= 0", norm="one of none batch", gamma="number")
def variance_closed_form(K, var0=1.0, norm="none", gamma=1.0):
    """The expected Var[h_k], k = 0..K, of ``residual_variances`` (zero-mean symmetric h).

    A He branch a[.] then Omega returns the variance of what enters the ReLU, so
    norm="none":  Var_{k+1} = (1 + gamma^2) Var_k   ->  (1 + gamma^2)^k var0   (exponential)
    norm="batch": Var_{k+1} = Var_k + gamma^2        ->  var0 + k gamma^2       (linear)
    """
    k = np.arange(K + 1, dtype=float)
    if norm == "none":
        with np.errstate(over="ignore"):
            return var0 * (1.0 + gamma ** 2) ** k
    return var0 + k * gamma ** 2


# ------------------------------------------------------------------------------------------
# Segmentation and detection on synthetic images
# ------------------------------------------------------------------------------------------
@shapes(n="int >= 1", size="int >= 8", rng="rng", noise=">= 0", max_shapes="int >= 1")
def shapes_dataset(n, size, rng, noise=0.5, max_shapes=3):
    """n noisy grey images of random discs and rectangles, their masks and bounding boxes.

    Each image holds 1..max_shapes shapes of brightness 1 on a background of 0 plus a random
    linear ramp (so that no fixed threshold on a pixel separates shape from background), plus
    Gaussian noise of std ``noise``. Returns (images (n, size, size), masks (n, size, size)
    bool, boxes: a list of n lists of (row0, col0, row1, col1), the shapes' inclusive extents).
    """
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)  # (size, size) each, in [0, 1]
    images = np.empty((n, size, size))
    masks = np.zeros((n, size, size), dtype=bool)
    boxes = []
    for i in range(n):
        found = []
        for _ in range(rng.integers(1, max_shapes + 1)):
            r0, c0 = rng.uniform(0.15, 0.85, size=2)  # centre
            if rng.random() < 0.5:  # a disc
                rad = rng.uniform(0.08, 0.2)
                shape = (rows - r0) ** 2 + (cols - c0) ** 2 <= rad ** 2
            else:  # an axis-aligned rectangle
                hr, hc = rng.uniform(0.06, 0.2, size=2)
                shape = (np.abs(rows - r0) <= hr) & (np.abs(cols - c0) <= hc)
            if shape.any():
                masks[i] |= shape
                r, c = np.nonzero(shape)
                found.append((r.min(), c.min(), r.max(), c.max()))
        ramp = rng.uniform(-0.6, 0.6, size=2)  # a background that drifts across the image
        images[i] = (masks[i] + ramp[0] * (rows - 0.5) + ramp[1] * (cols - 0.5)
                     + noise * rng.standard_normal((size, size)))
        boxes.append(found)
    return images, masks, boxes


def _same_shape_masks(args):
    if args["pred"].shape != args["target"].shape:
        raise ShapeError(f"pred has shape {args['pred'].shape}; expected {args['target'].shape}, "
                         "the shape of target")


@shapes(pred="...", target="...", where=_same_shape_masks)
def iou(pred, target):
    """Intersection over union of two masks (nonzero = inside): |pred & target| / |pred | target|.

    pred, target: arrays of one shape; 1.0 when both are empty (nothing to find, nothing found).
    """
    p, t = pred != 0, target != 0
    union = np.sum(p | t)
    return 1.0 if union == 0 else float(np.sum(p & t) / union)


@shapes(size="int >= 1", sigma="> 0")
def center_heatmap(boxes, size, sigma=1.5):
    """A detector's target: a Gaussian bump at each box's centre, the maximum where they overlap.

    heat[r, c] = max_b exp(-((r - r_b)^2 + (c - c_b)^2) / (2 sigma^2)), with (r_b, c_b) the
    centre of box b = (row0, col0, row1, col1). Returns (size, size); all 0 without boxes.
    """
    r, c = np.mgrid[0:size, 0:size]  # (size, size) pixel coordinates
    heat = np.zeros((size, size))
    for r0, c0, r1, c1 in boxes:
        rb, cb = (r0 + r1) / 2, (c0 + c1) / 2  # the box's centre
        heat = np.maximum(heat, np.exp(-((r - rb) ** 2 + (c - cb) ** 2) / (2 * sigma ** 2)))
    return heat
