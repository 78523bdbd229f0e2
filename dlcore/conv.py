"""Convolution, pooling and up-sampling in plain NumPy (chapter 08).

Layouts follow PyTorch: one example is ``(C, N)`` (1-D) or ``(C, H, W)`` (2-D); a batch adds a
leading axis ``B``. Every function accepts both (the maths runs over the leading axes ``...``).
Deep learning's "convolution" is a cross-correlation, as in PyTorch:

    h[o, i] = beta_o + sum_c sum_k omega[o, c, k] x[c, i S + k D - P]

with kernel size K, stride S, dilation D and zero padding P (x is zero outside 0..N-1).
The notes' flipped convolution (y * w)[i] = sum_k w[k] x[i - k] is ``convolve_flipped``.
"""


import numpy as np

from .checks import InputTypeError, ShapeError, check_int, shapes

__all__ = [
    "conv1d",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "upsample_nearest",
    "upsample_bilinear",
    "conv_transpose1d",
    "conv1d_as_matrix",
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

# -- contracts that @shapes cannot state in its own words ----------------------------------------
def _per_layer(value, name):
    """One positive integer per layer (a list or array, at least one layer)."""
    if isinstance(value, (int, np.integer)) or not hasattr(value, "__iter__"):
        raise InputTypeError(f"{name} must be a list of integers, one per layer; got {value!r}")
    out = [check_int(v, f"{name}[{i}]", 1) for i, v in enumerate(value)]
    if not out:
        raise ShapeError(f"{name} is empty; expected at least one layer")
    return out


def _positions(value, name):
    """Integer positions, as ``max_pool2d_with_indices`` returns them."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise ShapeError(f"{name} must hold integer positions from max_pool2d_with_indices; "
                         f"got an array of dtype {arr.dtype}")
    return arr


def _count(value, name):
    """An integer >= 0 (for an optional argument: the "int" contract does not skip None)."""
    return check_int(value, name, 0)


def _size2(value, name):
    """An (H, W) pair of positive integers."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise InputTypeError(f"{name} must be a pair (H, W); got {value!r}"[:120])
    return tuple(check_int(v, f"{name}[{i}]", 1) for i, v in enumerate(value))


# The parts of a contract that span several arguments (@shapes checks one at a time): each
# runs after @shapes has converted the arguments, as a second decorator.
def _kernel_fits(args):
    """The dilated kernel must fit the zero-padded input: at least one output position."""
    x, w, padding, dilation = args["x"], args["w"], args["padding"], args["dilation"]
    for n, k in zip(x.shape[x.ndim + 2 - w.ndim:], w.shape[2:]):  # each spatial axis
        if conv_output_size.__wrapped__(n, k, args["stride"], padding, dilation) < 1:
            raise ShapeError(
                f"w: kernel size {k} with dilation {dilation} spans {dilation * (k - 1) + 1} "
                f"inputs; expected at most {n + 2 * padding} (the {n} inputs plus padding)")


def _kernel_fits_n(args):
    """conv1d_as_matrix: the dilated kernel must fit the n zero-padded inputs."""
    n, k, padding, dilation = args["n"], args["w"].size, args["padding"], args["dilation"]
    if conv_output_size.__wrapped__(n, k, args["stride"], padding, dilation) < 1:
        raise ShapeError(f"w: kernel size {k} with dilation {dilation} spans "
                         f"{dilation * (k - 1) + 1} inputs; expected at most {n + 2 * padding} "
                         f"(n = {n} inputs plus padding)")


def _block_fits(args):
    """The image must hold at least one s x s block."""
    x, s = args["x"], args["s"]
    if min(x.shape[-2:]) < s:
        raise ShapeError(f"x has spatial size {x.shape[-2:]}; expected at least ({s}, {s}) "
                         f"for s = {s}")


# -- helpers: padding, tap positions, s x s blocks ------------------------------------------------
def _pad(x, P, n):
    """x with P zeros added at both ends of each of its last n axes."""
    return np.pad(x, [(0, 0)] * (x.ndim - n) + [(P, P)] * n)


def _taps(n, k, stride, padding, dilation):
    """Index (N_o, K) into the zero-padded input: row i holds i S + k D for k = 0..K-1."""
    n_o = conv_output_size.__wrapped__(n, k, stride, padding, dilation)
    return stride * np.arange(n_o)[:, None] + dilation * np.arange(k)[None, :]


def _blocks(x, s):
    """x (..., H, W) cut into s x s blocks: (..., H // s, W // s, s * s); ragged edges dropped."""
    Ho, Wo = x.shape[-2] // s, x.shape[-1] // s
    blocks = x[..., :Ho * s, :Wo * s].reshape(x.shape[:-2] + (Ho, s, Wo, s))  # (..., Ho, s, Wo, s)
    return blocks.swapaxes(-3, -2).reshape(x.shape[:-2] + (Ho, Wo, s * s))


# -- sizes --------------------------------------------------------------------------------------
@shapes(n="int >= 1", k="int >= 1", stride="int >= 1", padding="int >= 0", dilation="int >= 1")
def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    """Output length of a convolution: floor((n + 2P - D (K - 1) - 1) / S) + 1.

    n inputs, kernel size k, stride S, zero padding P on each side, dilation D. The dilated
    kernel spans D (K - 1) + 1 inputs. Returns an int (0 when the kernel does not fit).
    """
    span = dilation * (k - 1) + 1  # inputs covered by one dilated kernel
    return max(0, (n + 2 * padding - span) // stride + 1)


@shapes(kernel_sizes=(_per_layer, "L"), strides=(_per_layer, "L"), dilations=(_per_layer, "L"))
def receptive_field(kernel_sizes, strides=None, dilations=None):
    """How many inputs one unit after the listed layers sees (its receptive field).

    r = 1 + sum_l (K_l - 1) D_l prod_{j<l} S_j

    kernel_sizes, strides, dilations: sequences of length L (strides, dilations default to 1).
    Layer l's kernel reaches (K_l - 1) D_l of its own steps, and each of its steps is
    prod_{j<l} S_j input positions apart. Returns an int.
    """
    ones = np.ones_like(kernel_sizes)
    strides = ones if strides is None else strides
    dilations = ones if dilations is None else dilations
    jump = np.cumprod(np.concatenate([[1.0], strides[:-1]]))  # prod_{j<l} S_j: a step of layer l
    return int(1 + np.sum((kernel_sizes - 1) * dilations * jump))


@shapes(C_i="int >= 1", C_o="int >= 1", K="int >= 1", dims="int >= 1")
def num_params_conv(C_i, C_o, K, dims=2):
    """Weights and biases of a convolution layer: C_o C_i K^dims + C_o."""
    return C_o * C_i * K ** dims + C_o


@shapes(D_in="int >= 1", D_out="int >= 1")
def num_params_dense(D_in, D_out):
    """Weights and biases of a fully connected layer: D_out D_in + D_out."""
    return D_out * (D_in + 1)


# -- convolution ----------------------------------------------------------------------------------
@shapes(x="C_i N | B C_i N", w="C_o C_i K", bias="C_o", stride="int >= 1",
        padding="int >= 0", dilation="int >= 1", where=_kernel_fits)
def conv1d(x, w, bias=None, stride=1, padding=0, dilation=1):
    """1-D convolution (cross-correlation) with zero padding, as torch.nn.functional.conv1d.

    h[o, i] = beta_o + sum_c sum_k omega[o, c, k] x[c, i S + k D - P]
    x: (C_i, N) or (B, C_i, N); w: (C_o, C_i, K); bias: (C_o,) or None.
    Returns (C_o, N_o) or (B, C_o, N_o) with N_o = conv_output_size(N, K, S, P, D).
    """
    xp = _pad(x, padding, 1)  # (..., C_i, N + 2P): zeros outside 0..N-1
    idx = _taps(x.shape[-1], w.shape[2], stride, padding, dilation)  # (N_o, K): i S + k D
    windows = xp[..., idx]  # (..., C_i, N_o, K): the inputs each output position sees
    h = np.einsum("...cnk,ock->...on", windows, w)  # (..., C_o, N_o): sum over c and k
    return h if bias is None else h + bias[:, None]


@shapes(x="C_i H W | B C_i H W", w="C_o C_i K_h K_w", bias="C_o", stride="int >= 1",
        padding="int >= 0", dilation="int >= 1", where=_kernel_fits)
def conv2d(x, w, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution (cross-correlation) with zero padding, as torch.nn.functional.conv2d.

    h[o, i, j] = beta_o + sum_c sum_m sum_n omega[o, c, m, n] x[c, i S + m D - P, j S + n D - P]
    x: (C_i, H, W) or (B, C_i, H, W); w: (C_o, C_i, K, K) (K_h x K_w kernels work too);
    bias: (C_o,) or None. Returns (C_o, H_o, W_o) or (B, C_o, H_o, W_o).
    """
    xp = _pad(x, padding, 2)  # (..., C_i, H + 2P, W + 2P)
    rows = _taps(x.shape[-2], w.shape[2], stride, padding, dilation)  # (H_o, K): i S + m D
    cols = _taps(x.shape[-1], w.shape[3], stride, padding, dilation)  # (W_o, K): j S + n D
    windows = xp[..., rows[:, None, :, None], cols[None, :, None, :]]  # (..., C_i, H_o, W_o, K, K)
    h = np.einsum("...chwmn,ocmn->...ohw", windows, w)  # (..., C_o, H_o, W_o)
    return h if bias is None else h + bias[:, None, None]


@shapes(x="N", w="3")
def conv1d_k3(x, w):
    """The notes' kernel-size-3 layer on one signal: z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1},
    with x_0 = x_{N+1} = 0 (zero padding). x: (N,); w: (3,). Returns z (N,)."""
    xp = np.concatenate([[0.0], x, [0.0]])  # x_0 .. x_{N+1}
    return w[0] * xp[:-2] + w[1] * xp[1:-1] + w[2] * xp[2:]


@shapes(x="N", w="K", padding=_count)
def convolve_flipped(x, w, padding=None):
    """The notes' (flipped) convolution (x * w)[i] = sum_k w[k] x[i - k], centred, zero padded.

    Identical to conv1d with the kernel reversed. x: (N,); w: (K,) with K odd (padding defaults
    to (K - 1) // 2, which keeps N outputs). Returns (N_o,).
    """
    P = (w.size - 1) // 2 if padding is None else padding
    return conv1d(x[None], w[::-1][None, None], padding=P)[0]


@shapes(w="K", n="int >= 1", stride="int >= 1", padding="int >= 0", dilation="int >= 1",
        where=_kernel_fits_n)
def conv1d_as_matrix(w, n, stride=1, padding=0, dilation=1):
    """The matrix M (N_o, n) of a 1-D convolution with one kernel: h = M x.

    M[i, j] = w_k where j = i S + k D - P (0 elsewhere): row i holds the kernel, shifted S
    columns per row, its taps D apart; taps that fall on the padding are dropped.
    w: (K,); n: the input length. Returns M (N_o, n), with N_o = conv_output_size(n, K, S, P, D).
    """
    idx = _taps(n, w.size, stride, padding, dilation)  # (N_o, K): i S + k D, in padded inputs
    M = np.zeros((idx.shape[0], n + 2 * padding))  # one column per padded input
    rows = np.arange(idx.shape[0])[:, None]  # (N_o, 1)
    M[rows, idx] = w[None, :]  # row i gets the same K weights, at columns i S + k D
    return M[:, padding:padding + n]  # drop the columns of the padding zeros


@shapes(x="C_i N | B C_i N", w="C_i C_o K", stride="int >= 1")
def conv_transpose1d(x, w, stride=1):
    """Transposed convolution: every input spreads a copy of the kernel over the output.

    h[o, i S + k] += sum_c x[c, i] omega[c, o, k], as torch.nn.functional.conv_transpose1d.
    x: (C_i, N) or (B, C_i, N); w: (C_i, C_o, K). Returns (C_o, (N - 1) S + K) (or batched).
    """
    N, K = x.shape[-1], w.shape[2]
    parts = np.einsum("...cn,cok->...onk", x, w)  # (..., C_o, N, K): input i's copy of the kernel
    h = np.zeros(parts.shape[:-2] + ((N - 1) * stride + K,))  # (..., C_o, (N - 1) S + K)
    for k in range(K):  # tap k of input i lands on output i S + k
        h[..., k:k + (N - 1) * stride + 1:stride] += parts[..., k]
    return h


@shapes(x="C_i H W | B C_i H W", w="C_i C_o K_h K_w", stride="int >= 1")
def conv_transpose2d(x, w, stride=1):
    """2-D transposed convolution, h[o, i S + m, j S + n] += sum_c x[c, i, j] omega[c, o, m, n].

    x: (C_i, H, W) or batched; w: (C_i, C_o, K, K). Returns (C_o, (H-1) S + K, (W-1) S + K).
    """
    (H, W), (Kh, Kw), s = x.shape[-2:], w.shape[2:], stride
    parts = np.einsum("...chw,comn->...ohwmn", x, w)  # (..., C_o, H, W, K, K)
    h = np.zeros(parts.shape[:-4] + ((H - 1) * s + Kh, (W - 1) * s + Kw))
    for m in range(Kh):
        for n in range(Kw):
            h[..., m:m + (H - 1) * s + 1:s, n:n + (W - 1) * s + 1:s] += parts[..., m, n]
    return h


# -- down-sampling --------------------------------------------------------------------------------
@shapes(x="C H W | B C H W", s="int >= 1", where=_block_fits)
def max_pool2d(x, s):
    """Max pooling: the largest value of each s x s block (stride s). x: (C, H, W) or batched.
    Returns (C, H // s, W // s)."""
    return _blocks(x, s).max(axis=-1)


@shapes(x="C H W | B C H W", s="int >= 1", where=_block_fits)
def avg_pool2d(x, s):
    """Mean pooling: the average of each s x s block (stride s). Returns (C, H // s, W // s)."""
    return _blocks(x, s).mean(axis=-1)


@shapes(x="C H W | B C H W", s="int >= 1", where=_block_fits)
def max_pool2d_with_indices(x, s):
    """Max pooling that also returns where each maximum was: flat indices i W + j into each
    (H, W) plane, as torch's return_indices=True. Returns (pooled, indices)."""
    blocks = _blocks(x, s)  # (..., Ho, Wo, s*s)
    arg = blocks.argmax(axis=-1)  # (..., Ho, Wo), position inside the block
    Ho, Wo = arg.shape[-2:]
    rows = np.arange(Ho)[:, None] * s + arg // s
    cols = np.arange(Wo)[None, :] * s + arg % s
    return blocks.max(axis=-1), rows * x.shape[-1] + cols


@shapes(x="C H_o W_o | B C H_o W_o", indices=(_positions, "C H_o W_o | B C H_o W_o"),
        s="int >= 1", output_size=_size2)
def max_unpool2d(x, indices, s, output_size=None):
    """Undo max pooling: each value goes back to where its maximum came from, zeros elsewhere.

    x, indices: (C, Ho, Wo) or batched (indices from ``max_pool2d_with_indices``).
    output_size: (H, W), default (Ho s, Wo s). Returns (C, H, W).
    """
    lead = x.shape[:-2]  # (C,) or (B, C)
    H, W = (x.shape[-2] * s, x.shape[-1] * s) if output_size is None else output_size
    out = np.zeros(lead + (H * W,))  # (..., H W): each plane flattened
    np.put_along_axis(out, indices.reshape(lead + (-1,)).astype(int), x.reshape(lead + (-1,)),
                      axis=-1)
    return out.reshape(lead + (H, W))


@shapes(x="C N | C H W")
def global_max_pool(x):
    """The largest value of each channel over all its positions: (C, ...) -> (C,)."""
    return x.reshape(x.shape[0], -1).max(axis=1)  # (C, N...) -> (C, all positions) -> (C,)


# -- up-sampling ----------------------------------------------------------------------------------
@shapes(x="C H W | B C H W", s="int >= 1")
def upsample_nearest(x, s):
    """Nearest-neighbour up-sampling: each pixel copied into an s x s block.
    x: (C, H, W) or batched. Returns (C, H s, W s)."""
    return x.repeat(s, axis=-2).repeat(s, axis=-1)


def _linear_weights(n, s):
    """Source rows and weights for linear up-sampling of n samples by s (align_corners=False).

    Output sample j sits at source coordinate (j + 0.5) / s - 0.5, clamped at 0. Returns
    (i0, i1, lam) with output = (1 - lam) x[i0] + lam x[i1]."""
    src = np.maximum((np.arange(n * s) + 0.5) / s - 0.5, 0.0)  # (n s,)
    i0 = np.minimum(np.floor(src).astype(int), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, src - i0


@shapes(x="C H W | B C H W", s="int >= 1")
def upsample_bilinear(x, s):
    """Bilinear up-sampling by s, as torch's interpolate(mode="bilinear", align_corners=False).

    Linear interpolation along H, then along W. x: (C, H, W) or batched. Returns (C, H s, W s).
    """
    r0, r1, a = _linear_weights(x.shape[-2], s)
    c0, c1, b = _linear_weights(x.shape[-1], s)
    rows = (1 - a)[:, None] * x[..., r0, :] + a[:, None] * x[..., r1, :]  # (..., H s, W)
    return (1 - b) * rows[..., c0] + b * rows[..., c1]  # (..., H s, W s)


# -- translation ----------------------------------------------------------------------------------
@shapes(x="...", t="int")
def shift(x, t):
    """Translate along the last axis by t positions (t > 0 moves right), filling with zeros:
    t[x]_i = x_{i - t} (0 where i - t falls outside the signal)."""
    n = x.shape[-1]
    src = np.arange(n) - t  # output position i reads input i - t
    return np.where((src >= 0) & (src < n), x[..., np.clip(src, 0, n - 1)], 0.0)


# -- receptive fields -----------------------------------------------------------------------------
def _unit(centre, L, S):
    """The index of the layer-L unit at input coordinate ``centre`` (units are S^L apart);
    refuses a centre between units (a contract of three arguments together)."""
    if centre % S ** L:
        raise ShapeError(f"centre = {centre} is not a unit of layer {L}; expected a multiple "
                         f"of {S ** L}")
    return centre // S ** L


@shapes(n_layers="int >= 0", K="int >= 1", S="int >= 1", D="int >= 1", centre="int")
def receptive_field_units(n_layers, K, S=1, D=1, centre=0):
    """Which units of each layer feed one unit at position ``centre`` (in input coordinates)
    of layer ``n_layers``, for identical layers with padding P = D (K - 1) // 2.

    Unit i of layer l sits at input coordinate i prod_{j<=l} S_j and reads layer l-1 units
    i S + k D - P, k = 0..K-1. Returns a list (layer 0 = input first) of sorted arrays of the
    coordinates of the units in the receptive field, and the list of edges (x_lower, l, x_upper).
    """
    L, P = n_layers, D * (K - 1) // 2
    units = [np.array([_unit(centre, L, S)])]  # indices in each layer's own grid, top layer first
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
