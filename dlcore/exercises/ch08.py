"""Chapter 08 exercises: output sizes, parameter counts, receptive fields, a convolution by hand."""

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

EXERCISES = (output_length, conv_params, receptive_field, conv_by_hand)
