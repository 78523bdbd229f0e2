"""Convolution, pooling and up-sampling in plain NumPy (chapter 08).

Layouts follow PyTorch: one example is ``(C, N)`` (1-D) or ``(C, H, W)`` (2-D); a batch adds a
leading axis ``B``. Deep learning's "convolution" is a cross-correlation, as in PyTorch:

    h[o, i] = beta_o + sum_c sum_k omega[o, c, k] x[c, i S + k D - P]

with kernel size K, stride S, dilation D and zero padding P (x is zero outside 0..N-1).
The notes' flipped convolution (y * w)[i] = sum_k w[k] x[i - k] is ``convolve_flipped``.
"""

import numpy as np

from .checks import InputTypeError, ShapeError, as_float_array, check_int, check_ndim

__all__ = [
    "conv1d",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "upsample_nearest",
    "upsample_bilinear",
    "conv_transpose1d",
    "conv_output_size",
    "receptive_field",
    # helpers the chapter teaches with
    "conv1d_k3",
    "convolve_flipped",
    "conv_transpose2d",
    "max_pool2d_with_indices",
    "max_unpool2d",
    "global_max_pool",
    "shift",
    "num_params_conv",
    "num_params_dense",
    "receptive_field_units",
    "KERNELS_2D",
]


# -- sizes --------------------------------------------------------------------------------------
def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    """Output length of a convolution: floor((n + 2P - D (K - 1) - 1) / S) + 1.

    n inputs, kernel size k, stride S, zero padding P on each side, dilation D. The dilated
    kernel spans D (K - 1) + 1 inputs. Returns an int (0 when the kernel does not fit).
    """
    n, k = check_int(n, "n", 1), check_int(k, "k", 1)
    stride, padding = check_int(stride, "stride", 1), check_int(padding, "padding", 0)
    dilation = check_int(dilation, "dilation", 1)
    span = dilation * (k - 1) + 1  # inputs covered by one dilated kernel
    return max(0, (n + 2 * padding - span) // stride + 1)


def receptive_field(kernel_sizes, strides=None, dilations=None):
    """How many inputs one unit after the listed layers sees (its receptive field).

    r = 1 + sum_l (K_l - 1) D_l prod_{j<l} S_j

    kernel_sizes, strides, dilations: sequences of length L (strides, dilations default to 1).
    Layer l's kernel reaches (K_l - 1) D_l of its own steps, and each of its steps is
    prod_{j<l} S_j input positions apart. Returns an int.
    """
    ks = _int_list(kernel_sizes, "kernel_sizes")
    ss = [1] * len(ks) if strides is None else _int_list(strides, "strides", len(ks))
    ds = [1] * len(ks) if dilations is None else _int_list(dilations, "dilations", len(ks))
    r, jump = 1, 1  # jump = prod_{j<l} S_j, the distance in inputs between layer-l units
    for k, s, d in zip(ks, ss, ds, strict=True):
        r += (k - 1) * d * jump
        jump *= s
    return r


def _int_list(values, name, length=None):
    if isinstance(values, (int, np.integer)) or not hasattr(values, "__iter__"):
        raise InputTypeError(f"{name} must be a list of integers, one per layer; got {values!r}")
    out = [check_int(v, f"{name}[{i}]", 1) for i, v in enumerate(values)]
    if length is not None and len(out) != length:
        raise ShapeError(f"{name} has {len(out)} entries; expected {length}, one per layer")
    if not out:
        raise ShapeError(f"{name} is empty; expected at least one layer")
    return out


def num_params_conv(C_i, C_o, K, dims=2):
    """Weights and biases of a convolution layer: C_o C_i K^dims + C_o."""
    C_i, C_o, K = check_int(C_i, "C_i", 1), check_int(C_o, "C_o", 1), check_int(K, "K", 1)
    return C_o * C_i * K ** check_int(dims, "dims", 1) + C_o


def num_params_dense(D_in, D_out):
    """Weights and biases of a fully connected layer: D_out D_in + D_out."""
    return check_int(D_out, "D_out", 1) * (check_int(D_in, "D_in", 1) + 1)


# -- argument checks ------------------------------------------------------------------------------
def _batched(x, name, spatial):
    """x as (B, C, *spatial) float64 and whether it was given without the batch axis."""
    x = as_float_array(x, name)
    one = "(C, N)" if spatial == 1 else "(C, H, W)"
    many = "(B, C, N)" if spatial == 1 else "(B, C, H, W)"
    check_ndim(x, name, (spatial + 1, spatial + 2), f"{one} or {many}")
    return (x[None], True) if x.ndim == spatial + 1 else (x, False)


def _weights(w, name, x, spatial, layout="(C_o, C_i, K)"):
    w = check_ndim(as_float_array(w, name), name, (spatial + 2,), layout)
    if w.shape[1] != x.shape[1]:
        raise ShapeError(
            f"{name} has shape {w.shape}; expected C_i = {x.shape[1]} input channels in axis 1 "
            f"of {layout} to match x, which has {x.shape[1]} channels"
        )
    return w


def _bias(bias, C_o):
    if bias is None:
        return np.zeros(C_o)
    b = as_float_array(bias, "bias").reshape(-1) if np.ndim(bias) <= 1 else None
    if b is None or b.shape != (C_o,):
        raise ShapeError(f"bias has shape {np.shape(bias)}; expected ({C_o},), one per output "
                         "channel")
    return b


def _hyper(stride, padding, dilation):
    return (check_int(stride, "stride", 1), check_int(padding, "padding", 0),
            check_int(dilation, "dilation", 1))


def _taps(n, k, stride, padding, dilation, name):
    """Index (N_o, K) into the zero-padded input: row i holds i S + k D for k = 0..K-1."""
    n_o = conv_output_size(n, k, stride, padding, dilation)
    if n_o < 1:
        raise ShapeError(
            f"{name}: kernel size {k} with dilation {dilation} spans {dilation * (k - 1) + 1} "
            f"inputs; expected at most {n + 2 * padding} (the {n} inputs plus padding)"
        )
    return stride * np.arange(n_o)[:, None] + dilation * np.arange(k)[None, :]


# -- convolution ----------------------------------------------------------------------------------
def conv1d(x, w, bias=None, stride=1, padding=0, dilation=1):
    """1-D convolution (cross-correlation) with zero padding, as torch.nn.functional.conv1d.

    h[o, i] = beta_o + sum_c sum_k omega[o, c, k] x[c, i S + k D - P]
    x: (C_i, N) or (B, C_i, N); w: (C_o, C_i, K); bias: (C_o,) or None.
    Returns (C_o, N_o) or (B, C_o, N_o) with N_o = conv_output_size(N, K, S, P, D).
    """
    xb, single = _batched(x, "x", 1)
    w = _weights(w, "w", xb, 1)
    stride, padding, dilation = _hyper(stride, padding, dilation)
    b = _bias(bias, w.shape[0])
    xp = np.pad(xb, ((0, 0), (0, 0), (padding, padding)))  # (B, C_i, N + 2P), zeros outside
    idx = _taps(xb.shape[2], w.shape[2], stride, padding, dilation, "w")  # (N_o, K)
    windows = xp[:, :, idx]  # (B, C_i, N_o, K): the inputs each output position sees
    h = np.einsum("bcnk,ock->bon", windows, w) + b[None, :, None]  # (B, C_o, N_o)
    return h[0] if single else h


def conv2d(x, w, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution (cross-correlation) with zero padding, as torch.nn.functional.conv2d.

    h[o, i, j] = beta_o + sum_c sum_m sum_n omega[o, c, m, n] x[c, i S + m D - P, j S + n D - P]
    x: (C_i, H, W) or (B, C_i, H, W); w: (C_o, C_i, K, K); bias: (C_o,) or None.
    Returns (C_o, H_o, W_o) or (B, C_o, H_o, W_o).
    """
    xb, single = _batched(x, "x", 2)
    w = _weights(w, "w", xb, 2, "(C_o, C_i, K, K)")
    stride, padding, dilation = _hyper(stride, padding, dilation)
    b = _bias(bias, w.shape[0])
    p = padding
    xp = np.pad(xb, ((0, 0), (0, 0), (p, p), (p, p)))  # (B, C_i, H + 2P, W + 2P)
    rows = _taps(xb.shape[2], w.shape[2], stride, p, dilation, "w")  # (H_o, K)
    cols = _taps(xb.shape[3], w.shape[3], stride, p, dilation, "w")  # (W_o, K)
    windows = xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # (B, C_i, H_o, W_o, K, K)
    h = np.einsum("bchwmn,ocmn->bohw", windows, w) + b[None, :, None, None]  # (B, C_o, H_o, W_o)
    return h[0] if single else h


def conv1d_k3(x, w):
    """The notes' kernel-size-3 layer on one signal: z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1},
    with x_0 = x_{N+1} = 0 (zero padding). x: (N,); w: (3,). Returns z (N,)."""
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(N,) one signal")
    w = as_float_array(w, "w")
    if w.shape != (3,):
        raise ShapeError(f"w has shape {w.shape}; expected (3,) = [w_1, w_2, w_3]")
    xp = np.concatenate([[0.0], x, [0.0]])  # x_0 .. x_{N+1}
    return w[0] * xp[:-2] + w[1] * xp[1:-1] + w[2] * xp[2:]


def convolve_flipped(x, w, padding=None):
    """The notes' (flipped) convolution (x * w)[i] = sum_k w[k] x[i - k], centred, zero padded.

    Identical to conv1d with the kernel reversed. x: (N,); w: (K,) with K odd (padding defaults
    to (K - 1) // 2, which keeps N outputs). Returns (N_o,).
    """
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(N,) one signal")
    w = check_ndim(as_float_array(w, "w"), "w", (1,), "(K,) one kernel")
    padding = (w.size - 1) // 2 if padding is None else check_int(padding, "padding", 0)
    return conv1d(x[None], w[::-1][None, None], padding=padding)[0]


def conv_transpose1d(x, w, stride=1):
    """Transposed convolution: every input spreads a copy of the kernel over the output.

    h[o, i S + k] += sum_c x[c, i] omega[c, o, k], as torch.nn.functional.conv_transpose1d.
    x: (C_i, N) or (B, C_i, N); w: (C_i, C_o, K). Returns (C_o, (N - 1) S + K) (or batched).
    """
    xb, single = _batched(x, "x", 1)
    w = check_ndim(as_float_array(w, "w"), "w", (3,), "(C_i, C_o, K)")
    if w.shape[0] != xb.shape[1]:
        raise ShapeError(f"w has shape {w.shape}; expected axis 0 = C_i = {xb.shape[1]} as in "
                         "(C_i, C_o, K)")
    stride = check_int(stride, "stride", 1)
    B, _, N = xb.shape
    C_o, K = w.shape[1], w.shape[2]
    parts = np.einsum("bcn,cok->bonk", xb, w)  # (B, C_o, N, K): input i's copy of the kernel
    h = np.zeros((B, C_o, (N - 1) * stride + K))
    for k in range(K):  # tap k of input i lands on output i S + k
        h[:, :, k:k + (N - 1) * stride + 1:stride] += parts[..., k]
    return h[0] if single else h


def conv_transpose2d(x, w, stride=1):
    """2-D transposed convolution, h[o, i S + m, j S + n] += sum_c x[c, i, j] omega[c, o, m, n].

    x: (C_i, H, W) or batched; w: (C_i, C_o, K, K). Returns (C_o, (H-1) S + K, (W-1) S + K).
    """
    xb, single = _batched(x, "x", 2)
    w = check_ndim(as_float_array(w, "w"), "w", (4,), "(C_i, C_o, K, K)")
    if w.shape[0] != xb.shape[1]:
        raise ShapeError(f"w has shape {w.shape}; expected axis 0 = C_i = {xb.shape[1]}")
    s = check_int(stride, "stride", 1)
    B, _, H, W = xb.shape
    C_o, Kh, Kw = w.shape[1:]
    parts = np.einsum("bchw,comn->bohwmn", xb, w)  # (B, C_o, H, W, K, K)
    h = np.zeros((B, C_o, (H - 1) * s + Kh, (W - 1) * s + Kw))
    for m in range(Kh):
        for n in range(Kw):
            h[:, :, m:m + (H - 1) * s + 1:s, n:n + (W - 1) * s + 1:s] += parts[..., m, n]
    return h[0] if single else h


# -- down-sampling --------------------------------------------------------------------------------
def _blocks(x, s, name="x"):
    """x (B, C, H, W) cut into s x s blocks: (B, C, H // s, W // s, s * s); ragged edges dropped."""
    s = check_int(s, "s", 1)
    B, C, H, W = x.shape
    if H < s or W < s:
        raise ShapeError(f"{name} has spatial size {(H, W)}; expected at least ({s}, {s}) "
                         f"for s = {s}")
    Ho, Wo = H // s, W // s
    blocks = x[:, :, :Ho * s, :Wo * s].reshape(B, C, Ho, s, Wo, s)  # (B, C, Ho, s, Wo, s)
    return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(B, C, Ho, Wo, s * s)


def max_pool2d(x, s):
    """Max pooling: the largest value of each s x s block (stride s). x: (C, H, W) or batched.
    Returns (C, H // s, W // s)."""
    xb, single = _batched(x, "x", 2)
    out = _blocks(xb, s).max(axis=-1)
    return out[0] if single else out


def avg_pool2d(x, s):
    """Mean pooling: the average of each s x s block (stride s). Returns (C, H // s, W // s)."""
    xb, single = _batched(x, "x", 2)
    out = _blocks(xb, s).mean(axis=-1)
    return out[0] if single else out


def max_pool2d_with_indices(x, s):
    """Max pooling that also returns where each maximum was: flat indices i W + j into each
    (H, W) plane, as torch's return_indices=True. Returns (pooled, indices)."""
    xb, single = _batched(x, "x", 2)
    s = check_int(s, "s", 1)
    blocks = _blocks(xb, s)  # (B, C, Ho, Wo, s*s)
    arg = blocks.argmax(axis=-1)  # (B, C, Ho, Wo), position inside the block
    Ho, Wo = arg.shape[2:]
    rows = np.arange(Ho)[:, None] * s + arg // s
    cols = np.arange(Wo)[None, :] * s + arg % s
    idx = rows * xb.shape[3] + cols
    pooled = blocks.max(axis=-1)
    return (pooled[0], idx[0]) if single else (pooled, idx)


def max_unpool2d(x, indices, s, output_size=None):
    """Undo max pooling: each value goes back to where its maximum came from, zeros elsewhere.

    x, indices: (C, Ho, Wo) or batched (indices from ``max_pool2d_with_indices``).
    output_size: (H, W), default (Ho s, Wo s). Returns (C, H, W).
    """
    xb, single = _batched(x, "x", 2)
    idx = np.asarray(indices)
    idx = idx[None] if single else idx
    if idx.shape != xb.shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"indices has shape {np.shape(indices)}; expected integer indices of the "
                         f"same shape as x {np.shape(x)}")
    s = check_int(s, "s", 1)
    B, C, Ho, Wo = xb.shape
    H, W = (Ho * s, Wo * s) if output_size is None else tuple(int(v) for v in output_size)
    out = np.zeros((B, C, H * W))
    np.put_along_axis(out, idx.reshape(B, C, -1), xb.reshape(B, C, -1), axis=2)
    out = out.reshape(B, C, H, W)
    return out[0] if single else out


def global_max_pool(x):
    """The largest value of each channel over all its positions: (C, ...) -> (C,)."""
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ShapeError(f"x has shape {x.shape}; expected (C, N) or (C, H, W)")
    return x.reshape(x.shape[0], -1).max(axis=1)  # (C, N...) -> (C, all positions) -> (C,)


# -- up-sampling ----------------------------------------------------------------------------------
def upsample_nearest(x, s):
    """Nearest-neighbour up-sampling: each pixel copied into an s x s block.
    x: (C, H, W) or batched. Returns (C, H s, W s)."""
    xb, single = _batched(x, "x", 2)
    s = check_int(s, "s", 1)
    out = xb.repeat(s, axis=2).repeat(s, axis=3)
    return out[0] if single else out


def _linear_weights(n, s):
    """Source rows and weights for linear up-sampling of n samples by s (align_corners=False).

    Output sample j sits at source coordinate (j + 0.5) / s - 0.5, clamped at 0. Returns
    (i0, i1, lam) with output = (1 - lam) x[i0] + lam x[i1]."""
    src = np.maximum((np.arange(n * s) + 0.5) / s - 0.5, 0.0)  # (n s,)
    i0 = np.minimum(np.floor(src).astype(int), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, src - i0


def upsample_bilinear(x, s):
    """Bilinear up-sampling by s, as torch's interpolate(mode="bilinear", align_corners=False).

    Linear interpolation along H, then along W. x: (C, H, W) or batched. Returns (C, H s, W s).
    """
    xb, single = _batched(x, "x", 2)
    s = check_int(s, "s", 1)
    r0, r1, a = _linear_weights(xb.shape[2], s)
    c0, c1, b = _linear_weights(xb.shape[3], s)
    rows = (1 - a)[:, None] * xb[:, :, r0, :] + a[:, None] * xb[:, :, r1, :]  # (B, C, H s, W)
    out = (1 - b) * rows[..., c0] + b * rows[..., c1]  # (B, C, H s, W s)
    return out[0] if single else out


# -- translation ----------------------------------------------------------------------------------
def shift(x, t):
    """Translate along the last axis by t positions (t > 0 moves right), filling with zeros."""
    x = as_float_array(x, "x")
    t = check_int(t, "t")
    out = np.zeros_like(x)
    if abs(t) >= x.shape[-1]:
        return out
    if t >= 0:
        out[..., t:] = x[..., :x.shape[-1] - t]
    else:
        out[..., :t] = x[..., -t:]
    return out


# -- receptive fields -----------------------------------------------------------------------------
def receptive_field_units(n_layers, K, S=1, D=1, centre=0):
    """Which units of each layer feed one unit at position ``centre`` (in input coordinates)
    of layer ``n_layers``, for identical layers with padding P = D (K - 1) // 2.

    Unit i of layer l sits at input coordinate i prod_{j<=l} S_j and reads layer l-1 units
    i S + k D - P, k = 0..K-1. Returns a list (layer 0 = input first) of sorted arrays of the
    coordinates of the units in the receptive field, and the list of edges (x_lower, l, x_upper).
    """
    L, K = check_int(n_layers, "n_layers", 0), check_int(K, "K", 1)
    S, D = check_int(S, "S", 1), check_int(D, "D", 1)
    P = D * (K - 1) // 2
    jump = S ** L  # distance between top-layer units in input positions
    if centre % jump:
        raise ShapeError(f"centre = {centre} is not a unit of layer {L}; expected a multiple "
                         f"of {jump}")
    units = [np.array([centre // jump])]  # indices in each layer's own grid, top layer first
    edges = []
    for layer in range(L, 0, -1):
        upper = units[-1]
        lower = upper[:, None] * S + np.arange(K)[None, :] * D - P  # (n_upper, K)
        step_up, step_lo = S ** layer, S ** (layer - 1)
        for u, row in zip(upper, lower, strict=True):
            edges += [(lo * step_lo, layer, u * step_up) for lo in row]
        units.append(np.unique(lower))
    coords = [u * S ** (L - i) for i, u in enumerate(units)][::-1]
    return coords, edges


KERNELS_2D = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float),
    "box blur 3x3": np.full((3, 3), 1 / 9),
    "Gaussian blur 5x5": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
    "edge: Sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
    "edge: Sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),
    "edge: Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float),
}
