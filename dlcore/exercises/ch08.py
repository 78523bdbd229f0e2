"""Chapter 08 exercises: output sizes, parameter counts, receptive fields, convolutions and max
pooling written as loops, and the banded matrix of a convolution."""

import numpy as np

from .. import conv
from . import FunctionExercise, Mistake, ValueExercise

# -- 1. output length -----------------------------------------------------------------------------
N, K, S, P, D = 40, 5, 2, 4, 2  # distinct answers for every known mistake

output_length = ValueExercise(
    title="Output length of a convolution",
    task=(rf"A 1-D convolution layer with kernel size $K = {K}$, dilation $D = {D}$, zero padding "
          rf"$P = {P}$ on each side and stride $S = {S}$ is applied to a signal of $N = {N}$ "
          r"samples. How many outputs does it produce? Work it out by hand, then check with "
          r"`conv.conv_output_size`."),
    hint_text=("The dilated kernel spans D (K - 1) + 1 inputs. Count the positions where it fits "
               "inside the N + 2P padded inputs when it moves S at a time: "
               "floor((N + 2P - D (K - 1) - 1) / S) + 1."),
    value=conv.conv_output_size(N, K, S, P, D),  # 20
    solution_code="""\
N, K, S, P, D = 40, 5, 2, 4, 2
span = D * (K - 1) + 1                 # inputs one dilated kernel covers
padded = N + 2 * P                     # P zeros at each end
answer = (padded - span) // S + 1      # start positions 0, S, 2S, ... where the kernel fits
""",
    mistakes=(
        Mistake("forgot the dilation",
                "with dilation D the kernel reaches D (K - 1) + 1 = 9 inputs, not K = 5",
                (N + 2 * P - (K - 1) - 1) // S + 1),
        Mistake("padded one side only", "P zeros go on each side: the padded length is N + 2P",
                (N + P - D * (K - 1) - 1) // S + 1),
        Mistake("dropped the + 1",
                "the first position counts too: positions 0, S, 2S, ... up to the last fit",
                (N + 2 * P - D * (K - 1) - 1) // S),
        Mistake("ignored the stride", "with stride S only every S-th position is kept",
                N + 2 * P - D * (K - 1)),
    ),
    explanation=(f"floor(({N} + 2*{P} - {D}*({K}-1) - 1) / {S}) + 1 = floor(39 / 2) + 1 = 20: "
                 "P = D (K - 1) / 2 is the 'same' padding, so the stride alone halves the length."),
)

# -- 2. parameters --------------------------------------------------------------------------------
C_i, C_o, K2 = 3, 16, 5

conv_params = ValueExercise(
    title="Parameters of a 2-D convolution layer",
    task=(rf"A 2-D convolution layer maps an RGB image ($C_i = {C_i}$ channels) to $C_o = {C_o}$ "
          rf"feature maps with ${K2} \times {K2}$ kernels. How many parameters (weights and "
          r"biases) does it have? (The count does not depend on the image size.)"),
    hint_text=("Each output channel has one kernel that spans every input channel (C_i x K x K "
               "weights) and one bias."),
    value=conv.num_params_conv(C_i, C_o, K2),  # 1216
    solution_code="""\
C_i, C_o, K = 3, 16, 5
weights = C_o * C_i * K * K    # one K x K kernel per (output, input) channel pair
biases = C_o                   # one bias per output channel
answer = weights + biases
""",
    mistakes=(
        Mistake("forgot the biases", "each of the C_o output channels adds one bias beta_o",
                C_o * C_i * K2 * K2),
        Mistake("forgot the input channels",
                "a kernel sums over all C_i input channels, so it holds C_i K^2 weights",
                C_o * K2 * K2 + C_o),
        Mistake("one bias per input channel",
                "the C_i partial sums are added before the single bias of the output channel",
                C_o * C_i * K2 * K2 + C_o * C_i),
        Mistake("used K instead of K^2", "a 2-D kernel is K x K", C_o * C_i * K2 + C_o),
    ),
    explanation="C_o C_i K^2 + C_o = 16 * 3 * 25 + 16 = 1216.",
)


# -- 3. receptive field ---------------------------------------------------------------------------
def rf(kernel_sizes, strides, dilations):
    """Receptive field of one unit of the last layer (the reference solution)."""
    r, jump = 1, 1           # one input position; a step of layer 1 is one input
    for k, s, d in zip(kernel_sizes, strides, dilations):
        r += (k - 1) * d * jump    # this layer reaches (K - 1) D of its steps further
        jump *= s                  # the layers above step S times further apart
    return r


def _rf_no_dilation(kernel_sizes, strides, dilations):
    return conv.receptive_field(kernel_sizes, strides, None)


def _rf_no_stride(kernel_sizes, strides, dilations):
    return conv.receptive_field(kernel_sizes, None, dilations)


def _rf_own_stride(kernel_sizes, strides, dilations):
    r, jump = 1, 1
    for k, s, d in zip(kernel_sizes, strides, dilations, strict=True):
        jump *= s  # multiplied in before the layer's own kernel: one layer too early
        r += (k - 1) * d * jump
    return r


def _rf_sum_of_kernels(kernel_sizes, strides, dilations):
    return int(sum(kernel_sizes))


_RF_PROBES = (
    ([3, 3, 3], [2, 1, 1], [1, 2, 1]),
    ([5, 3], [1, 2], [1, 1]),
    ([3, 3, 3, 3], [2, 2, 1, 1], [1, 1, 2, 4]),
    ([7], [3], [2]),
)

receptive_field = FunctionExercise(
    title="Receptive field of a stack of layers",
    task=(r"Write `rf(kernel_sizes, strides, dilations)`: three lists of equal length $L$, one "
          r"entry per layer, input side first (kernel size $K_l$, stride $S_l$ and dilation $D_l$ "
          r"of layer $l$). Return the receptive field of one unit of the last layer: how many "
          r"consecutive input positions it depends on, from the first to the last (holes "
          r"included)."),
    hint_text=("Start with r = 1. Layer l widens the field by (K_l - 1) D_l of its own steps, and "
               "one of its steps is prod_{j<l} S_j input positions (the strides *below* it)."),
    reference=rf,
    probes=_RF_PROBES,
    mistakes=(
        Mistake("forgot the dilation", "a dilated kernel reaches (K - 1) D + 1 positions",
                _rf_no_dilation),
        Mistake("forgot the strides",
                "after a stride-S layer, neighbouring units are S inputs apart, so later kernels "
                "reach S times further", _rf_no_stride),
        Mistake("included the layer's own stride",
                "a layer's stride spaces the units *above* it; use prod_{j<l} S_j, not j <= l",
                _rf_own_stride),
        Mistake("added the kernel sizes", "stacking two K = 3 layers gives 5, not 6: neighbours "
                "overlap, so each layer adds K - 1", _rf_sum_of_kernels),
    ),
    explanation="r = 1 + sum_l (K_l - 1) D_l prod_{j<l} S_j matches on every probe.",
)


# -- 4. the notes' kernel-size-3 convolution by hand ----------------------------------------------
def conv3(x, w):
    """The notes' z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1} (the reference solution)."""
    xp = np.concatenate([[0.0], x, [0.0]])      # zero padding: x_0 = x_{N+1} = 0
    left, centre, right = xp[:-2], xp[1:-1], xp[2:]    # x_{i-1}, x_i, x_{i+1} for i = 1..N
    return w[0] * left + w[1] * centre + w[2] * right


def _k3_flipped(x, w):
    return conv.conv1d_k3(x, np.asarray(w)[::-1])


def _k3_valid(x, w):
    x = np.asarray(x, float)
    return w[0] * x[:-2] + w[1] * x[1:-1] + w[2] * x[2:]


def _k3_full(x, w):
    return np.convolve(np.asarray(x, float), np.asarray(w, float)[::-1], mode="full")


def _k3_off_by_one(x, w):
    xp = np.concatenate([np.asarray(x, float), [0.0, 0.0]])  # z_i = w1 x_i + w2 x_{i+1} + ...
    return w[0] * xp[:-2] + w[1] * xp[1:-1] + w[2] * xp[2:]


_rng = np.random.default_rng(808)
_K3_PROBES = tuple((_rng.normal(size=n), _rng.normal(size=3)) for n in (6, 9, 12))

conv_by_hand = FunctionExercise(
    title="The notes' convolution by hand",
    task=(r"Write `conv3(x, w)` for one signal `x` of shape `(N,)` and a kernel "
          r"$w = [w_1, w_2, w_3]$: $z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1}$ with zero padding "
          r"($x_0 = x_{N+1} = 0$), so that `z` has shape `(N,)`. Use slices of a padded copy, no "
          r"Python loop."),
    hint_text=("xp = np.concatenate([[0.0], x, [0.0]]) has N + 2 entries; xp[:-2], xp[1:-1] and "
               "xp[2:] are x_{i-1}, x_i and x_{i+1} for i = 1..N."),
    reference=conv3,
    probes=_K3_PROBES,
    mistakes=(
        Mistake("flipped the kernel",
                "that is the textbook convolution sum_k w[k] x[i - k]; deep learning (and the "
                "notes' z_i) uses w_1 on the left neighbour: a cross-correlation", _k3_flipped),
        Mistake("valid convolution, no padding",
                "without zeros at the ends the first and last outputs are lost (N - 2 outputs)",
                _k3_valid),
        Mistake("full convolution",
                "mode='full' keeps every partial overlap (N + 2 outputs); the notes keep N",
                _k3_full),
        Mistake("off by one position",
                "z_i is centred on x_i: w_1 multiplies x_{i-1}, not x_i", _k3_off_by_one),
    ),
    explanation=("your conv3 matches the reference (the same as dlcore.conv.conv1d_k3, or "
                 "conv1d with padding 1) on every probe."),
)


# -- 5. a 1-D convolution loop with stride and padding ---------------------------------------------
def conv1d_loop(x, w, stride, padding):
    """h_i = sum_k w_k x_{i S + k - P}, zero padded (the reference solution)."""
    K = len(w)
    xp = np.concatenate([np.zeros(padding), x, np.zeros(padding)])  # P zeros at each end
    n_o = (len(xp) - K) // stride + 1        # start positions 0, S, 2S, ... where w fits
    h = np.zeros(n_o)
    for i in range(n_o):
        start = i * stride                   # output i starts at padded input i S
        h[i] = np.sum(w * xp[start:start + K])   # w_1 on the leftmost input: no flip
    return h


def _loop_flipped(x, w, stride, padding):
    return conv.conv1d(np.asarray(x)[None], np.asarray(w)[::-1][None, None], stride=stride,
                       padding=padding)[0]


def _loop_no_plus_one(x, w, stride, padding):
    return conv.conv1d(np.asarray(x)[None], np.asarray(w)[None, None], stride=stride,
                       padding=padding)[0][:-1]


def _loop_one_side(x, w, stride, padding):
    xp = np.concatenate([np.zeros(padding), x])  # zeros on the left only
    return conv.conv1d(xp[None], np.asarray(w)[None, None], stride=stride)[0]


def _loop_no_stride(x, w, stride, padding):
    return conv.conv1d(np.asarray(x)[None], np.asarray(w)[None, None], padding=padding)[0]


_rng = np.random.default_rng(8081)
_LOOP_PROBES = tuple((_rng.normal(size=n), _rng.normal(size=k), s, p)
                     for n, k, s, p in ((11, 3, 2, 1), (12, 4, 3, 2), (10, 2, 2, 1), (11, 5, 2, 3)))
# (N + 2P - K) is a multiple of S in every probe: the last start position N + 2P - K is then
# used, and a loop over range(0, N + 2P - K, S) (which stops before it) is one output short.

conv_loop = FunctionExercise(
    title="A 1-D convolution with stride and padding, as a loop",
    task=(r"Write `conv1d_loop(x, w, stride, padding)` for one signal `x` of shape `(N,)` and "
          r"one kernel `w` of shape `(K,)`: add `padding` zeros at each end, then compute "
          r"$h_i = \sum_{k=0}^{K-1} w_k\, x_{iS + k - P}$ (deep learning's convolution, as in "
          r"section 3: no flip) for every $i$ where the whole kernel fits, moving $S$ = "
          r"`stride` positions at a time. Return `h` of shape `(N_o,)`. A Python loop over "
          r"the outputs is fine."),
    hint_text=("Pad first: xp = np.concatenate([np.zeros(P), x, np.zeros(P)]). The kernel fits "
               "at the starts 0, S, 2S, ... up to len(xp) - K, so N_o = (len(xp) - K) // S + 1; "
               "output i is np.sum(w * xp[i*S : i*S + K])."),
    reference=conv1d_loop,
    probes=_LOOP_PROBES,
    mistakes=(
        Mistake("flipped the kernel",
                "np.convolve and the textbook convolution reverse w; deep learning's "
                "convolution (a cross-correlation) puts w_1 on the leftmost input of the window",
                _loop_flipped),
        Mistake("one output too few (dropped the + 1)",
                "the kernel also fits at the last start position: N_o = (N + 2P - K) // S + 1",
                _loop_no_plus_one),
        Mistake("padded one side only",
                "the P zeros go at both ends, so the padded signal has N + 2P entries",
                _loop_one_side),
        Mistake("ignored the stride",
                "with stride S the window moves S positions between outputs (start i S), "
                "so there are about S times fewer outputs", _loop_no_stride),
    ),
    explanation="your loop matches conv1d with stride and padding on every probe.",
)


# -- 6. a 2-D convolution loop ----------------------------------------------------------------------
def conv2d_loop(x, w, padding):
    """h_ij = sum_m sum_n w_mn x_{i + m - P, j + n - P}, zero padded, stride 1 (the reference)."""
    K = w.shape[0]
    xp = np.pad(x, padding)                    # P zeros on all four sides: (H + 2P, W + 2P)
    H_o, W_o = xp.shape[0] - K + 1, xp.shape[1] - K + 1   # positions where w fits
    h = np.zeros((H_o, W_o))
    for i in range(H_o):
        for j in range(W_o):
            h[i, j] = np.sum(w * xp[i:i + K, j:j + K])   # w_00 on the top-left pixel: no flip
    return h


def _conv2d(x, w, padding):
    return conv.conv2d(np.asarray(x)[None], np.asarray(w)[None, None], padding=padding)[0]


def _c2_flipped(x, w, padding):
    return _conv2d(x, np.asarray(w)[::-1, ::-1], padding)


def _c2_transposed(x, w, padding):
    return _conv2d(x, np.asarray(w).T, padding)


def _c2_no_padding(x, w, padding):
    return _conv2d(x, w, 0)


def _c2_no_plus_one(x, w, padding):
    return _conv2d(x, w, padding)[:-1, :-1]


_rng = np.random.default_rng(8084)
_C2_PROBES = tuple((_rng.normal(size=shape), _rng.normal(size=(k, k)), p)
                   for shape, k, p in (((6, 7), 3, 1), ((8, 5), 3, 2), ((7, 7), 2, 1)))

conv2d_by_loop = FunctionExercise(
    title="A 2-D convolution, as a loop",
    task=(r"Write `conv2d_loop(x, w, padding)` for one grey image `x` of shape `(H, W)` and one "
          r"kernel `w` of shape `(K, K)`, stride 1: add `padding` = $P$ rows and columns of "
          r"zeros on every side, then compute "
          r"$h_{ij} = \sum_{m=0}^{K-1} \sum_{n=0}^{K-1} w_{mn}\, x_{i + m - P,\, j + n - P}$ "
          r"(no flip, as in section 6) wherever the whole kernel fits. Return `h` of shape "
          r"`(H + 2P - K + 1, W + 2P - K + 1)`."),
    hint_text=("xp = np.pad(x, P) pads all four sides. Then two loops over the outputs: "
               "h[i, j] = np.sum(w * xp[i:i+K, j:j+K]), for i < xp.shape[0] - K + 1 (and the "
               "same for j)."),
    reference=conv2d_loop,
    probes=_C2_PROBES,
    mistakes=(
        Mistake("flipped the kernel",
                "the textbook convolution (scipy.signal.convolve2d) turns w by 180 degrees; "
                "deep learning's puts w[0, 0] on the top-left pixel of the window", _c2_flipped),
        Mistake("transposed the kernel",
                "w[m, n] multiplies row i + m - P and column j + n - P: m moves down, n right",
                _c2_transposed),
        Mistake("forgot the padding",
                "the P zeros on each side give P more outputs at every border", _c2_no_padding),
        Mistake("one row and column too few (dropped the + 1)",
                "the kernel also fits at the last position: H + 2P - K + 1 outputs per column",
                _c2_no_plus_one),
    ),
    explanation="your loop matches conv2d (and torch's conv2d) on every probe.",
)


# -- 7. max pooling --------------------------------------------------------------------------------
def max_pool(x, s):
    """The largest value of each s x s block of x (H, W), stride s (the reference solution)."""
    H_o, W_o = x.shape[0] // s, x.shape[1] // s   # whole blocks only: a ragged edge is dropped
    out = np.zeros((H_o, W_o))
    for i in range(H_o):
        for j in range(W_o):
            block = x[i * s:(i + 1) * s, j * s:(j + 1) * s]   # rows i s .. i s + s - 1
            out[i, j] = block.max()
    return out


def _pool_mean(x, s):
    return conv.avg_pool2d(np.asarray(x)[None], s)[0]


def _pool_stride_one(x, s):
    x = np.asarray(x, float)
    H, W = x.shape
    return np.array([[x[i:i + s, j:j + s].max() for j in range(W - s + 1)]
                     for i in range(H - s + 1)])


def _pool_ceil(x, s):
    x = np.asarray(x, float)
    H, W = x.shape
    return np.array([[x[i:i + s, j:j + s].max() for j in range(0, W, s)]
                     for i in range(0, H, s)])


def _pool_min(x, s):
    return -conv.max_pool2d(-np.asarray(x)[None], s)[0]


_rng = np.random.default_rng(8082)
_POOL_PROBES = tuple((_rng.normal(size=shape), s) for shape, s in
                     (((6, 6), 2), ((7, 5), 2), ((9, 10), 3), ((4, 8), 2)))

max_pooling = FunctionExercise(
    title="Max pooling",
    task=(r"Write `max_pool(x, s)` for one image `x` of shape `(H, W)`: split it into "
          r"$s \times s$ blocks (stride $s$, blocks do not overlap) and return the largest "
          r"value of each block, an array of shape `(H // s, W // s)`. Rows or columns that do "
          r"not fill a whole block are dropped, as in PyTorch's `max_pool2d`."),
    hint_text=("Two loops over the output: out[i, j] = x[i*s:(i+1)*s, j*s:(j+1)*s].max(), with "
               "i < H // s and j < W // s."),
    reference=max_pool,
    probes=_POOL_PROBES,
    mistakes=(
        Mistake("mean pooling", "that is the average of each block; max pooling keeps the "
                "largest value", _pool_mean),
        Mistake("overlapping windows (stride 1)",
                "the window moves s pixels, not 1: blocks do not overlap and the image shrinks "
                "s times in each direction", _pool_stride_one),
        Mistake("kept the partial blocks at the edge",
                "rows and columns that do not fill a whole s x s block are dropped "
                "(H // s, not ceil(H / s))", _pool_ceil),
        Mistake("took the minimum", "max pooling keeps the largest value of each block",
                _pool_min),
    ),
    explanation="your max_pool matches dlcore's max_pool2d on every probe.",
)


# -- 8. the banded matrix of a convolution -------------------------------------------------------
def conv_matrix(w, n, stride, padding, dilation):
    """M (N_o, n) with M @ x equal to the convolution of x with w (the reference solution)."""
    K = len(w)
    n_o = (n + 2 * padding - dilation * (K - 1) - 1) // stride + 1   # output length
    M = np.zeros((n_o, n))
    for i in range(n_o):
        for k in range(K):
            j = i * stride + k * dilation - padding   # the input that tap k of output i reads
            if 0 <= j < n:                # a tap on the padding reads a zero: no column
                M[i, j] = w[k]
    return M


def _matrix_flipped(w, n, stride, padding, dilation):
    return conv.conv1d_as_matrix(np.asarray(w)[::-1], n, stride, padding, dilation)


def _matrix_no_dilation(w, n, stride, padding, dilation):
    return conv.conv1d_as_matrix(np.asarray(w), n, stride, padding)


def _matrix_no_shift(w, n, stride, padding, dilation):
    M = conv.conv1d_as_matrix(np.asarray(w), n + 2 * padding, stride, 0, dilation)
    return M[:, :n]  # columns i S + k D: the padding forgotten in the column index


def _matrix_transposed(w, n, stride, padding, dilation):
    return conv.conv1d_as_matrix(np.asarray(w), n, stride, padding, dilation).T


_rng = np.random.default_rng(8083)
_MATRIX_PROBES = tuple((_rng.normal(size=k), n, s, p, d) for k, n, s, p, d in
                       ((3, 9, 2, 1, 2), (4, 10, 1, 2, 2), (3, 8, 2, 2, 3), (2, 7, 1, 1, 2)))

banded_matrix = FunctionExercise(
    title="A convolution as a banded matrix",
    task=(r"Write `conv_matrix(w, n, stride, padding, dilation)`: for one kernel `w` of shape "
          r"`(K,)` and inputs of length $N$ = `n`, return the matrix $M$ of shape `(N_o, n)` "
          r"with $M x$ equal to the convolution $h_i = \sum_k w_k\, x_{iS + kD - P}$ of any "
          r"`x` of shape `(n,)` (zero padding $P$, stride $S$, dilation $D$), as drawn in "
          r"section 3. Taps that land on the padding have no column."),
    hint_text=("Start from zeros of shape (N_o, n), N_o = (n + 2P - D (K - 1) - 1) // S + 1. "
               "Output i reads input j = i S + k D - P with weight w_k: set M[i, j] = w[k] "
               "when 0 <= j < n."),
    reference=conv_matrix,
    probes=_MATRIX_PROBES,
    mistakes=(
        Mistake("flipped the kernel",
                "w_1 (w[0]) multiplies the leftmost input of the window, at column i S - P",
                _matrix_flipped),
        Mistake("forgot the dilation",
                "tap k sits k D inputs after the first, and the dilated kernel spans "
                "D (K - 1) + 1 inputs, which also changes N_o", _matrix_no_dilation),
        Mistake("forgot the padding in the column index",
                "column j counts real inputs: tap k of output i reads input i S + k D - P, "
                "P to the left of where it sits in the padded signal", _matrix_no_shift),
        Mistake("transposed the matrix",
                "M has one row per output and one column per input: shape (N_o, n)",
                _matrix_transposed),
    ),
    explanation="M @ x equals the convolution for every x: the columns of M are the outputs "
                "for the unit inputs.",
)

EXERCISES = (output_length, conv_params, receptive_field, conv_by_hand, conv_loop, conv2d_by_loop,
             max_pooling, banded_matrix)
