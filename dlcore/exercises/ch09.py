"""Chapter 09 exercises: batch norm (training, running statistics, test time, CNNs), counting
paths, variance growth, layer norm and a two-layer residual block."""

from math import comb

import numpy as np

from . import FunctionExercise, Mistake, ValueExercise

_rng = np.random.default_rng(909)  # fixed probes: the same check for every student
_PROBES = tuple(
    (_rng.normal(1.0, 2.0, size=(3, 6)), _rng.normal(size=3), _rng.normal(size=3))
    for _ in range(3)
)
EPS = 1e-5


def bn(h, gamma, delta):
    """Batch norm in training mode: h (D, I), gamma and delta (D,) -> (D, I)."""
    m = h.mean(axis=1, keepdims=True)                 # (D, 1) each unit's mean over the batch
    s2 = ((h - m) ** 2).mean(axis=1, keepdims=True)   # (D, 1) its biased variance (divide by I)
    h_hat = (h - m) / np.sqrt(s2 + 1e-5)              # standardised, eps inside the square root
    return gamma[:, None] * h_hat + delta[:, None]    # each row scaled by gamma, shifted by delta


def _unbiased(h, gamma, delta):
    m = h.mean(axis=1, keepdims=True)
    s2 = h.var(axis=1, ddof=1, keepdims=True)
    return gamma[:, None] * (h - m) / np.sqrt(s2 + EPS) + delta[:, None]


def _wrong_axis(h, gamma, delta):
    m = h.mean(axis=0, keepdims=True)  # over the units of each data point: layer norm
    s2 = h.var(axis=0, keepdims=True)
    return gamma[:, None] * (h - m) / np.sqrt(s2 + EPS) + delta[:, None]


def _no_affine(h, gamma, delta):
    m = h.mean(axis=1, keepdims=True)
    return (h - m) / np.sqrt(h.var(axis=1, keepdims=True) + EPS)


def _std_not_var(h, gamma, delta):
    m = h.mean(axis=1, keepdims=True)
    return gamma[:, None] * (h - m) / (h.std(axis=1, keepdims=True) ** 0.5 + EPS) \
        + delta[:, None]


batch_norm = FunctionExercise(
    title="Batch norm in training mode",
    task=(r"Write `bn(h, gamma, delta)` for `h` of shape $(D, I)$ (units as rows, the batch as "
          r"columns) and `gamma`, `delta` of shape $(D,)$: standardise each unit (row) over the "
          r"batch with its mean $m_h$ and its variance $s_h^2$, with $\epsilon = 10^{-5}$ inside "
          r"the square root, $(h - m_h)/\sqrt{s_h^2 + \epsilon}$; then scale by $\gamma$ and "
          r"shift by $\delta$. Return the result, of shape $(D, I)$."),
    hint_text=("m = h.mean(axis=1, keepdims=True) has shape (D, 1); s2 is the mean of (h - m)**2 "
               "over the same axis (divide by I, not I - 1). Use gamma[:, None] so it scales "
               "rows."),
    reference=bn,
    probes=_PROBES,
    mistakes=(
        Mistake("unbiased variance (divided by I - 1)",
                "batch norm standardises with the biased variance 1/|B| sum (h - m)^2 "
                "(np.var's default ddof=0); PyTorch keeps I - 1 only for its running average",
                _unbiased),
        Mistake("normalised over the wrong axis",
                "averaging over axis 0 standardises each data point over its units: that is "
                "layer norm. Batch norm averages each unit (row) over the batch (axis 1)",
                _wrong_axis),
        Mistake("forgot gamma and delta",
                "after standardising, the learnable scale gamma and shift delta give each unit "
                "back a mean and a variance of its own", _no_affine),
        Mistake("square root of the standard deviation",
                "divide by sqrt(s^2 + eps): the standard deviation, not its square root",
                _std_not_var),
    ),
    explanation="your bn matches dlcore.residual.batch_norm (and so torch.nn.BatchNorm1d).",
)

K_PATHS, L_PATHS = 6, 2
count_paths = ValueExercise(
    title="Paths through a residual net",
    task=(rf"Unravel a residual net with $K = {K_PATHS}$ blocks, $h_{{k+1}} = h_k + f_k[h_k]$, "
          r"into its paths from input to output. How many paths pass through exactly "
          rf"{L_PATHS} of the residual branches (and along the skip at the other "
          rf"{K_PATHS - L_PATHS})?"),
    hint_text=("Each path decides, block by block, 'through the branch' or 'along the skip'. "
               f"You need the number of ways to choose which {L_PATHS} of the {K_PATHS} "
               "blocks are taken; their order is fixed by the net."),
    value=comb(K_PATHS, L_PATHS),  # 15
    solution_code="""from math import comb

K, l = 6, 2  # blocks, and residual branches the path goes through
# a path takes, block by block, either the branch or the skip, so it is fixed by the set of
# blocks whose branch it takes; the order of those blocks is the net's, so count sets
answer = comb(K, l)  # the number of ways to choose l of the K blocks
""",
    mistakes=(
        Mistake("counted every path", f"2^K = {2 ** K_PATHS} counts the paths of all lengths "
                "together; only those through exactly 2 branches are asked for",
                2 ** K_PATHS),
        Mistake("counted ordered choices", "counting ordered choices counts every pair of "
                "blocks twice: the blocks are visited in the net's order, so choosing (2, 5) "
                "gives the same path as (5, 2)",
                K_PATHS * (K_PATHS - 1)),
        Mistake("one path per length", "there are K + 1 = 7 possible lengths, but many paths "
                "share a length", K_PATHS + 1),
    ),
    explanation=("C(6, 2) = 15. The counts C(K, l) peak at l = K/2: most paths are of medium "
                 "length, very few go through every block."),
)

K_VAR = 8
variance_growth = ValueExercise(
    title="Variance through residual blocks",
    task=(rf"A residual net has $K = {K_VAR}$ blocks $h_{{k+1}} = h_k + \Omega_k a[h_k]$, each "
          r"$\Omega_k$ He-initialised (variance $2/D$), zero biases, and the input $h_0$ has "
          rf"variance 1 and is symmetric about 0. What is $\mathrm{{Var}}[h_{{{K_VAR}}}]$? And what "
          r"is it if each branch starts with batch norm, $h_{k+1} = h_k + \Omega_k "
          r"a\big[\mathrm{BN}[h_k]\big]$ ($\gamma = 1$)? Answer with both numbers as a list "
          r"`[without BN, with BN]`."),
    hint_text=("He initialisation makes Omega_k a[h] have the same variance as h, and the branch "
               "is uncorrelated with h_k, so the two variances add. With batch norm the branch "
               "sees a standardised input, whatever Var[h_k] is."),
    value=np.array([2.0 ** K_VAR, 1.0 + K_VAR]),  # [256, 9]
    solution_code="""import numpy as np

K = 8
without, with_bn = 1.0, 1.0  # Var[h_0] = 1 in both nets
for _ in range(K):  # one block at a time
    # He: the branch has the variance of its input; uncorrelated with h_k, so variances add
    without = without + without
    # batch norm hands the branch a standardised input (variance 1), whatever Var[h_k] is
    with_bn = with_bn + 1.0
answer = np.array([without, with_bn])
""",
    mistakes=(
        Mistake("He keeps the variance constant",
                "He initialisation keeps the variance of a *plain* layer; a residual block adds "
                "the branch to its input, and two uncorrelated variances add up",
                np.array([1.0, 1.0])),
        Mistake("swapped the two cases", "without normalisation the variance doubles each block "
                "(exponential); with batch norm each branch adds a fixed 1 (linear)",
                np.array([9.0, 256.0])),
        Mistake("one update too many", "start from Var[h_0] = 1 and apply one update per "
                "block: K updates in all, not K + 1", np.array([512.0, 10.0])),
        Mistake("batch norm stops the growth", "batch norm standardises the branch's input, "
                "not h_k itself: the skip path still carries the old variance, plus 1 per block",
                np.array([256.0, 1.0])),
    ),
    explanation=("2^8 = 256 without normalisation and 1 + 8 = 9 with batch norm in each branch: "
                 "exponential growth becomes linear."),
)

_BATCHES = (np.array([2.0, 4.0, 6.0, 8.0]), np.array([1.0, 1.0, 3.0, 3.0]))
ALPHA = 0.1


def _running_var(unbiased=True, swap=False):
    run = 1.0  # PyTorch starts the running variance at 1
    for b in _BATCHES:
        v = b.var(ddof=1 if unbiased else 0)
        run = ALPHA * run + (1 - ALPHA) * v if swap else (1 - ALPHA) * run + ALPHA * v
    return run


running_variance = ValueExercise(
    title="The running variance PyTorch keeps",
    task=(r"`torch.nn.BatchNorm1d(1, momentum=0.1)` starts with `running_var = 1` and is "
          r"trained on two batches of one unit: `[2, 4, 6, 8]`, then `[1, 1, 3, 3]`. After each "
          r"batch it updates $\sigma^2_{\text{run}} \leftarrow (1 - \alpha)\,\sigma^2_{\text{run}} "
          r"+ \alpha\,\sigma^2_B$ with $\alpha = 0.1$, feeding in the *unbiased* batch variance "
          r"$\sigma^2_B$. What is `running_var` afterwards, to 3 decimals? (You can check your "
          r"reasoning with `residual.update_running`.)"),
    hint_text=("Unbiased variance: sum (h - m)^2 / (|B| - 1): 20/3 for the first batch and "
               "4/3 for the second. Apply the update twice, starting from 1."),
    value=_running_var(),
    decimals=3,
    solution_code="""import numpy as np

run, alpha = 1.0, 0.1  # PyTorch's initial running_var, and momentum = alpha
for batch in ([2, 4, 6, 8], [1, 1, 3, 3]):
    var_B = np.var(batch, ddof=1)            # the unbiased batch variance, 1/(|B| - 1)
    run = (1 - alpha) * run + alpha * var_B  # keep 0.9 of the old value, add 0.1 of the new
answer = run
""",
    mistakes=(
        Mistake("biased batch variance", "the batch itself is standardised with 1/|B|, but "
                "PyTorch's running variance is fed the unbiased 1/(|B| - 1) estimate",
                _running_var(unbiased=False)),
        Mistake("alpha and 1 - alpha swapped", "the running average keeps 1 - alpha = 0.9 of "
                "the old value and adds alpha = 0.1 of the new batch", _running_var(swap=True)),
        Mistake("plain average of the batch variances", "a running average is not the mean "
                "of the batches: it starts at 1 and moves only a step alpha towards each batch",
                float(np.mean([b.var(ddof=1) for b in _BATCHES]))),
    ),
    explanation="0.9 (0.9 x 1 + 0.1 x 20/3) + 0.1 x 4/3 = 1.5433...",
)



# ------------------------------------------------------------------------------------------
# Batch norm with running statistics: a training step, then test time
# ------------------------------------------------------------------------------------------
def _train_probe(seed, D=3, I=5):
    r = np.random.default_rng(seed)
    h = r.normal(1.0, 2.0, size=(D, I))
    h[-1] = r.normal(0.0, 0.003, size=I)  # a unit whose values barely vary: eps matters here
    return (h, r.normal(size=D), r.normal(size=D), r.normal(size=D), r.uniform(0.5, 2.0, D),
            0.1 + 0.2 * r.random())


_TRAIN_PROBES = tuple(_train_probe(seed) for seed in (91, 92, 93))


def bn_train(h, gamma, delta, run_mean, run_var, alpha):
    """One batch-norm step in training: h (D, I); gamma, delta, run_mean, run_var (D,)."""
    I = h.shape[1]
    m = h.mean(axis=1)                                  # (D,) batch mean of each unit (row)
    s2 = ((h - m[:, None]) ** 2).mean(axis=1)           # (D,) biased variance: normalises h
    out = gamma[:, None] * (h - m[:, None]) / np.sqrt(s2[:, None] + 1e-5) + delta[:, None]
    new_mean = (1 - alpha) * run_mean + alpha * m       # keep 1 - alpha of the old average
    new_var = (1 - alpha) * run_var + alpha * s2 * I / (I - 1)  # unbiased variance, as PyTorch
    return out, new_mean, new_var


def _train_biased_running(h, gamma, delta, run_mean, run_var, alpha):
    out, new_mean, _ = bn_train(h, gamma, delta, run_mean, run_var, alpha)
    return out, new_mean, (1 - alpha) * run_var + alpha * h.var(axis=1)


def _train_swapped(h, gamma, delta, run_mean, run_var, alpha):
    out = bn_train(h, gamma, delta, run_mean, run_var, alpha)[0]
    return (out, alpha * run_mean + (1 - alpha) * h.mean(axis=1),
            alpha * run_var + (1 - alpha) * h.var(axis=1, ddof=1))


def _train_with_running(h, gamma, delta, run_mean, run_var, alpha):
    _, new_mean, new_var = bn_train(h, gamma, delta, run_mean, run_var, alpha)
    out = gamma[:, None] * (h - run_mean[:, None]) / np.sqrt(run_var[:, None] + EPS) \
        + delta[:, None]
    return out, new_mean, new_var


def _train_unbiased_out(h, gamma, delta, run_mean, run_var, alpha):
    _, new_mean, new_var = bn_train(h, gamma, delta, run_mean, run_var, alpha)
    return _unbiased(h, gamma, delta), new_mean, new_var


batch_norm_train = FunctionExercise(
    title="A batch-norm training step that keeps running statistics",
    task=(r"Write `bn_train(h, gamma, delta, run_mean, run_var, alpha)` for a batch `h` of shape "
          r"$(D, I)$ (units as rows) and `gamma`, `delta`, `run_mean`, `run_var` of shape "
          r"$(D,)$. Return three arrays, as PyTorch's `BatchNorm1d(momentum=alpha)` computes "
          r"them in training mode: the output $\gamma (h - m_h)/\sqrt{s_h^2 + \epsilon} + "
          r"\delta$ with the batch's own mean and biased variance ($\epsilon = 10^{-5}$); the new "
          r"running mean $(1 - \alpha)\, m_{\text{run}} + \alpha\, m_h$; and the new running "
          r"variance $(1 - \alpha)\,\sigma^2_{\text{run}} + \alpha\,\sigma^2_B$, fed with the "
          r"*unbiased* batch variance $\sigma^2_B = \frac{I}{I - 1} s_h^2$. "
          r"`return out, new_mean, new_var`."),
    hint_text=("m = h.mean(axis=1) and s2 = ((h - m[:, None])**2).mean(axis=1) are (D,). The "
               "output uses s2; the running variance uses s2 * I / (I - 1). In training the "
               "output never uses run_mean or run_var: they are only updated."),
    reference=bn_train,
    probes=_TRAIN_PROBES,
    mistakes=(
        Mistake("biased variance in the running average",
                "PyTorch normalises the batch with the biased s^2 but feeds the unbiased "
                "I/(I - 1) s^2 into the running variance", _train_biased_running),
        Mistake("alpha and 1 - alpha swapped",
                "PyTorch's momentum alpha is the weight of the *new* batch: the running "
                "average keeps 1 - alpha of its old value", _train_swapped),
        Mistake("normalised with the running statistics in training",
                "in training the batch is standardised with its own mean and variance; the "
                "running averages are only updated, for use at test time", _train_with_running),
        Mistake("unbiased variance in the output",
                "the output is standardised with the biased variance (divide by I); only the "
                "running average gets I - 1", _train_unbiased_out),
    ),
    explanation="your step matches torch.nn.BatchNorm1d in training mode, output and buffers.",
)


def _eval_probe(seed, D=3, I=4):
    r = np.random.default_rng(seed)
    run_var = r.uniform(0.5, 2.0, D)
    run_var[-1] = 1e-5  # a unit that barely varied in training: eps matters here
    return (r.normal(1.0, 2.0, size=(D, I)), r.normal(size=D), r.normal(size=D),
            r.normal(size=D), run_var)


def bn_eval(h, gamma, delta, run_mean, run_var):
    """Batch norm at test time: h (D, I); gamma, delta, run_mean, run_var (D,)."""
    z = (h - run_mean[:, None]) / np.sqrt(run_var[:, None] + 1e-5)  # the running statistics
    return gamma[:, None] * z + delta[:, None]                      # then scale and shift


def _eval_batch_stats(h, gamma, delta, run_mean, run_var):
    return bn(h, gamma, delta)


def _eval_eps_outside(h, gamma, delta, run_mean, run_var):
    z = (h - run_mean[:, None]) / (np.sqrt(run_var[:, None]) + EPS)
    return gamma[:, None] * z + delta[:, None]


def _eval_by_variance(h, gamma, delta, run_mean, run_var):
    z = (h - run_mean[:, None]) / (run_var[:, None] + EPS)
    return gamma[:, None] * z + delta[:, None]


batch_norm_eval = FunctionExercise(
    title="Batch norm at test time",
    task=(r"Write `bn_eval(h, gamma, delta, run_mean, run_var)`: batch norm in evaluation mode "
          r"for `h` of shape $(D, I)$ and the other four of shape $(D,)$. Standardise each unit "
          r"with the running statistics kept in training, $(h - m_{\text{run}})/"
          r"\sqrt{\sigma^2_{\text{run}} + \epsilon}$ with $\epsilon = 10^{-5}$, then scale by "
          r"$\gamma$ and shift by $\delta$. The result must not depend on the other columns."),
    hint_text=("Nothing is averaged over the batch at test time: only run_mean[:, None] and "
               "np.sqrt(run_var[:, None] + 1e-5), broadcast over the columns."),
    reference=bn_eval,
    probes=tuple(_eval_probe(seed) for seed in (81, 82, 83)),
    mistakes=(
        Mistake("batch statistics at test time",
                "at test time batch norm uses the running averages from training, so that one "
                "example's output does not depend on the others in its batch",
                _eval_batch_stats),
        Mistake("eps outside the square root",
                "PyTorch divides by sqrt(run_var + eps), with eps inside the root; it matters "
                "for a unit whose variance is tiny", _eval_eps_outside),
        Mistake("divided by the variance",
                "standardising divides by the standard deviation sqrt(run_var + eps), not by the "
                "variance", _eval_by_variance),
    ),
    explanation="your bn_eval matches torch.nn.BatchNorm1d in eval mode.",
)


# ------------------------------------------------------------------------------------------
# The statistics of batch norm in a CNN
# ------------------------------------------------------------------------------------------
def bn2d_stats(x):
    """Per-channel mean and biased variance of x (B, C, H, W) over batch, height and width."""
    m = x.mean(axis=(0, 2, 3))                                # (C,): one mean per channel
    s2 = ((x - m[None, :, None, None]) ** 2).mean(axis=(0, 2, 3))  # (C,): biased variance
    return m, s2


def _stats_per_position(x):
    return x.mean(axis=0), x.var(axis=0)  # (C, H, W): as if each pixel were a unit


def _stats_per_image(x):
    return x.mean(axis=(2, 3)), x.var(axis=(2, 3))  # (B, C): instance norm


def _stats_unbiased(x):
    return x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3), ddof=1)


def _stats_layer(x):
    return x.mean(axis=(1, 2, 3)), x.var(axis=(1, 2, 3))  # (B,): layer norm


bn2d_statistics = FunctionExercise(
    title="Batch-norm statistics in a CNN",
    task=(r"Write `bn2d_stats(x)` for a batch of feature maps `x` of shape $(B, C, H, W)$: "
          r"return `(m, s2)`, each of shape $(C,)$, the mean and the biased variance of each "
          r"channel over the batch *and* every position, the statistics "
          r"`residual.batch_norm2d` (and `torch.nn.BatchNorm2d`) normalise with."),
    hint_text=("A channel is the CNN's 'unit': average over every axis except the channel axis, "
               "axis=(0, 2, 3), dividing by B H W (np.var's default ddof=0)."),
    reference=bn2d_stats,
    probes=tuple((np.random.default_rng(seed).normal(1.0, 2.0, size=(3, 2, 4, 5)),)
                 for seed in (71, 72)),
    mistakes=(
        Mistake("averaged over the batch only",
                "a channel's statistics pool every position as well as every example: "
                "axis=(0, 2, 3), not axis=0 (which gives one statistic per pixel)",
                _stats_per_position),
        Mistake("averaged over each image's positions only",
                "averaging over (2, 3) gives one statistic per image and channel (instance "
                "norm); batch norm also pools over the batch, axis 0", _stats_per_image),
        Mistake("averaged over channels and positions",
                "axis=(1, 2, 3) standardises each example over its channels: that is layer norm",
                _stats_layer),
        Mistake("unbiased variance (divided by B H W - 1)",
                "batch norm normalises with the biased variance (np.var's default ddof=0)",
                _stats_unbiased),
    ),
    explanation="your statistics match residual.batch_norm2d and torch.nn.BatchNorm2d.",
)


# ------------------------------------------------------------------------------------------
# Layer norm
# ------------------------------------------------------------------------------------------
def _ln_probe(seed, D=4, I=3):
    r = np.random.default_rng(seed)
    h = r.normal(1.0, 2.0, size=(D, I))
    h[:, -1] = r.normal(0.0, 0.003, size=D)  # a data point whose units barely differ
    return h, r.normal(size=D), r.normal(size=D)


def ln(h, gamma, delta):
    """Layer norm: h (D, I) with data points as columns; gamma, delta (D,)."""
    m = h.mean(axis=0, keepdims=True)                # (1, I): each data point's mean over units
    s2 = ((h - m) ** 2).mean(axis=0, keepdims=True)  # (1, I): its biased variance
    z = (h - m) / np.sqrt(s2 + 1e-5)                 # eps inside the square root
    return gamma[:, None] * z + delta[:, None]       # gamma and delta are per unit (row)


def _ln_eps_outside(h, gamma, delta):
    m = h.mean(axis=0, keepdims=True)
    z = (h - m) / (h.std(axis=0, keepdims=True) + EPS)
    return gamma[:, None] * z + delta[:, None]


def _ln_unbiased(h, gamma, delta):
    m = h.mean(axis=0, keepdims=True)
    z = (h - m) / np.sqrt(h.var(axis=0, ddof=1, keepdims=True) + EPS)
    return gamma[:, None] * z + delta[:, None]


def _ln_gamma_per_point(h, gamma, delta):
    m = h.mean(axis=0, keepdims=True)
    z = (h - m) / np.sqrt(h.var(axis=0, keepdims=True) + EPS)
    return z * gamma[: h.shape[1]][None, :] + delta[: h.shape[1]][None, :]


layer_norm = FunctionExercise(
    title="Layer norm",
    task=(r"Write `ln(h, gamma, delta)` for `h` of shape $(D, I)$ (units as rows, data points as "
          r"columns) and `gamma`, `delta` of shape $(D,)$: standardise each data point (column) "
          r"over its $D$ units with its mean $m_i$ and biased variance $s_i^2$, "
          r"$(h_{di} - m_i)/\sqrt{s_i^2 + \epsilon}$ with $\epsilon = 10^{-5}$, then scale unit "
          r"$d$ by $\gamma_d$ and shift it by $\delta_d$."),
    hint_text=("The same steps as batch norm along the other axis: mean and variance over "
               "axis=0 with keepdims=True, shape (1, I). gamma and delta still belong to the "
               "units: gamma[:, None]."),
    reference=ln,
    probes=tuple(_ln_probe(seed) for seed in (61, 62, 63)),
    mistakes=(
        Mistake("normalised over the batch (batch norm)",
                "layer norm averages each data point (column) over its units, axis 0; averaging "
                "each unit over the batch, axis 1, is batch norm", bn),
        Mistake("eps outside the square root",
                "divide by sqrt(s^2 + eps), with eps inside the root (as PyTorch); it matters "
                "for a data point whose units barely differ", _ln_eps_outside),
        Mistake("unbiased variance (divided by D - 1)",
                "layer norm uses the biased variance, dividing by the number of units D",
                _ln_unbiased),
        Mistake("gamma and delta applied per data point",
                "the standardisation runs per data point, but gamma and delta are learned per "
                "unit: scale row d by gamma[d]", _ln_gamma_per_point),
    ),
    explanation="your ln matches residual.layer_norm and torch.nn.functional.layer_norm.",
)


# ------------------------------------------------------------------------------------------
# A residual block that spans two layers
# ------------------------------------------------------------------------------------------
def _block_probe(seed, D=4, I=3):
    r = np.random.default_rng(seed)
    return (r.normal(size=(D, I)), r.normal(size=(D, D)), r.normal(size=D),
            r.normal(size=(D, D)), r.normal(size=D))


def res_block(h, omega1, beta1, omega2, beta2):
    """h + f[h] with the two-layer branch f[h] = beta2 + omega2 a[beta1 + omega1 a[h]]."""
    a = lambda z: np.maximum(z, 0)                   # noqa: E731  the ReLU
    g = beta1[:, None] + omega1 @ a(h)               # (D, I): first layer, ReLU first
    f = beta2[:, None] + omega2 @ a(g)               # (D, I): second layer, ReLU first
    return h + f                                     # the skip: add the branch to the input


def _block_no_skip(h, omega1, beta1, omega2, beta2):
    return res_block(h, omega1, beta1, omega2, beta2) - h


def _block_relu_last(h, omega1, beta1, omega2, beta2):
    g = np.maximum(beta1[:, None] + omega1 @ h, 0)
    return h + np.maximum(beta2[:, None] + omega2 @ g, 0)


def _block_relu_after_sum(h, omega1, beta1, omega2, beta2):
    g = np.maximum(beta1[:, None] + omega1 @ np.maximum(h, 0), 0)
    return np.maximum(h + beta2[:, None] + omega2 @ g, 0)


def _block_skip_each_layer(h, omega1, beta1, omega2, beta2):
    h1 = h + beta1[:, None] + omega1 @ np.maximum(h, 0)
    return h1 + beta2[:, None] + omega2 @ np.maximum(h1, 0)


residual_block = FunctionExercise(
    title="A residual block that spans two layers",
    task=(r"Write `res_block(h, omega1, beta1, omega2, beta2)` for `h` of shape $(D, I)$, "
          r"$\Omega_1, \Omega_2$ of shape $(D, D)$ and $\beta_1, \beta_2$ of shape $(D,)$: one "
          r"residual block whose branch is two layers, each applying the ReLU *before* its "
          r"linear map, $f[h] = \beta_2 + \Omega_2\, a\big[\beta_1 + \Omega_1 a[h]\big]$, and "
          r"the block's output $h + f[h]$."),
    hint_text=("Three lines: g = beta1[:, None] + omega1 @ relu(h); f = beta2[:, None] + omega2 "
               "@ relu(g); return h + f. No ReLU after the addition: the skip carries h "
               "unchanged, negative values included."),
    reference=res_block,
    probes=tuple(_block_probe(seed) for seed in (51, 52, 53)),
    mistakes=(
        Mistake("forgot the skip connection",
                "without adding h this is a plain two-layer net; the residual block returns "
                "h + f[h]", _block_no_skip),
        Mistake("ReLU after each linear map",
                "with the ReLU last the branch is >= 0 and can only push h up; the course's "
                "blocks apply a[.] first, beta + Omega a[h]", _block_relu_last),
        Mistake("ReLU after the addition",
                "a ReLU on h + f[h] would clip the skip path too; the block returns h + f[h] as "
                "it is", _block_relu_after_sum),
        Mistake("a skip around each layer",
                "the block spans both layers: one skip from its input to its output, none "
                "between the two layers", _block_skip_each_layer),
    ),
    explanation="your block matches residual.residual_block (and PyTorch's layers).",
)

EXERCISES = (batch_norm, count_paths, variance_growth, running_variance, batch_norm_train,
             batch_norm_eval, bn2d_statistics, layer_norm, residual_block)
