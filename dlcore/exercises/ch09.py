"""Chapter 09 exercises: batch norm, counting paths, variance growth, running averages."""

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

EXERCISES = (batch_norm, count_paths, variance_growth, running_variance)
