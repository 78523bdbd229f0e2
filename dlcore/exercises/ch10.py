"""Chapter 10 exercises: self-attention, scaling, multi-head parameters, the causal mask,
sampling temperature, sinusoidal positions, top-k filtering."""

import numpy as np

from ..losses import softmax
from . import FunctionExercise, Mistake, ValueExercise

_rng = np.random.default_rng(1010)  # fixed probes: the same check for every student
_ATT_PROBES = tuple(
    (_rng.normal(size=(4, N)), _rng.normal(size=(3, 4)), _rng.normal(size=(3, 4)),
     _rng.normal(size=(2, 4)))
    for N in (5, 3)
)


def attend(X, omega_q, omega_k, omega_v):
    """One head of self-attention without biases: X (D, N) -> Sa[X] (D_v, N)."""
    Q = omega_q @ X                           # (D_q, N) queries, one column per token
    K = omega_k @ X                           # (D_q, N) keys
    V = omega_v @ X                           # (D_v, N) values
    S = K.T @ Q / np.sqrt(Q.shape[0])         # (N keys, N queries) scores, scaled by sqrt(D_q)
    S = S - S.max(axis=0, keepdims=True)      # stable: each column's largest score becomes 0
    A = np.exp(S) / np.exp(S).sum(axis=0, keepdims=True)  # softmax down each column (keys)
    return V @ A                              # (D_v, N): output n = sum_m a[m, n] v_m


def _parts(X, omega_q, omega_k, omega_v):
    return omega_q @ X, omega_k @ X, omega_v @ X


def _softmax_over_queries(X, omega_q, omega_k, omega_v):
    Q, K, V = _parts(X, omega_q, omega_k, omega_v)
    return V @ softmax(K.T @ Q / np.sqrt(Q.shape[0]), axis=1)


def _no_scaling(X, omega_q, omega_k, omega_v):
    Q, K, V = _parts(X, omega_q, omega_k, omega_v)
    return V @ softmax(K.T @ Q, axis=0)


def _divided_by_D_q(X, omega_q, omega_k, omega_v):
    Q, K, V = _parts(X, omega_q, omega_k, omega_v)
    return V @ softmax(K.T @ Q / Q.shape[0], axis=0)


def _queries_as_keys(X, omega_q, omega_k, omega_v):
    Q, K, V = _parts(X, omega_q, omega_k, omega_v)
    return V @ softmax(Q.T @ K / np.sqrt(Q.shape[0]), axis=0)


self_attention = FunctionExercise(
    title="Self-attention by hand",
    task=(r"Write `attend(X, omega_q, omega_k, omega_v)` for one head without biases: `X` is "
          r"$(D, N)$ with tokens as columns, `omega_q` and `omega_k` are $(D_q, D)$, `omega_v` is "
          r"$(D_v, D)$. With $Q = \Omega_q X$, $K = \Omega_k X$ and $V = \Omega_v X$, return "
          r"$\mathbf{Sa}[X] = V\,\mathrm{Softmax}\big[K^T Q / \sqrt{D_q}\big]$, of shape "
          r"$(D_v, N)$, the softmax taken over the keys (down each column)."),
    hint_text=("Inside attend (local names, so nothing else in the notebook changes) compute the "
               "queries omega_q @ X, the keys omega_k @ X and the values omega_v @ X. The "
               "scores keys.T @ queries / sqrt(D_q) are (N keys, N queries); subtract each "
               "column's maximum before np.exp, divide each column by its sum, and return "
               "values @ weights."),
    reference=attend,
    probes=_ATT_PROBES,
    mistakes=(
        Mistake("softmax over the wrong axis",
                "each query n needs weights over the keys m that sum to one: normalise down "
                "the columns of K^T Q (axis 0), not along the rows", _softmax_over_queries),
        Mistake("missing 1/sqrt(D_q)",
                "without the scale the scores have variance D_q and the softmax saturates",
                _no_scaling),
        Mistake("divided by D_q, not sqrt(D_q)",
                "the standard deviation of k.q grows like sqrt(D_q); dividing by D_q shrinks "
                "the scores too much", _divided_by_D_q),
        Mistake("Q^T K instead of K^T Q",
                "the attention matrix is indexed [key, query]: K^T Q puts keys down the rows, "
                "so each column (one query) is softmaxed over keys", _queries_as_keys),
    ),
    explanation="your head matches dlcore.attention.self_attention on every probe.",
)

unscaled_scores = ValueExercise(
    title="The spread of unscaled scores",
    task=(r"Queries and keys have $D_q = 64$ entries, each independent with mean 0 and variance "
          r"1. What is the standard deviation of the score $k^T q$ before scaling (before the "
          r"division by $\sqrt{D_q}$)?"),
    hint_text=("k^T q = sum_d k_d q_d is a sum of D_q independent terms, each with mean 0 and "
               "variance E[k_d^2] E[q_d^2] = 1. Variances of independent terms add."),
    value=8.0,
    solution_code="""import numpy as np

D_q = 64
# k^T q = sum_d k_d q_d: D_q independent terms, each of mean 0 and variance E[k_d^2] E[q_d^2] = 1
var = D_q * 1.0  # variances of independent terms add
answer = np.sqrt(var)  # the standard deviation is the square root of the variance
""",
    mistakes=(
        Mistake("gave the variance",
                "that is the variance of k^T q; the question asks for its standard deviation",
                64.0),
        Mistake("gave the scaled value",
                "after dividing by sqrt(D_q) the standard deviation is 1; the question asks "
                "before the scaling", 1.0),
        Mistake("divided by sqrt(D_q)",
                "the variances of the D_q terms add up, so the spread of k^T q grows with D_q; "
                "it does not shrink", 0.125),
    ),
    explanation="Var[k^T q] = D_q = 64, so the standard deviation is sqrt(64) = 8.",
)

_D, _H = 64, 4
_head = 3 * (_D // _H * _D + _D // _H)  # Omega_q, Omega_k, Omega_v and their biases
multihead_params = ValueExercise(
    title="Parameters of multi-head attention",
    task=(r"A multi-head self-attention layer has $D = 64$ and $H = 4$ heads, each with "
          r"$D_q = D_v = D / H = 16$ and biases on the queries, keys and values, and an output "
          r"mix $\beta_c + \Omega_c[\cdot]$ of the stacked heads, with $\Omega_c$ of size "
          r"$64 \times 64$. How many parameters does the layer have?"),
    hint_text=("Per head: Omega_q, Omega_k, Omega_v are (16, 64) and beta_q, beta_k, beta_v have "
               "16 entries each. Then Omega_c (64, 64) and beta_c (64,)."),
    value=_H * _head + _D * _D + _D,  # 16640
    solution_code="""D, H = 64, 4
D_h = D // H  # each head works in D / H dimensions: D_q = D_v = 16
# per head: Omega_q, Omega_k, Omega_v are (D_h, D), and beta_q, beta_k, beta_v have D_h entries
per_head = 3 * (D_h * D + D_h)
# the output mix: Omega_c (D, H D_h) = (64, 64) and beta_c (64,)
mix = D * (H * D_h) + D
answer = H * per_head + mix
""",
    mistakes=(
        Mistake("forgot the biases",
                "beta_q, beta_k, beta_v (per head) and beta_c are parameters too",
                _H * 3 * (_D // _H) * _D + _D * _D),
        Mistake("forgot the output mix",
                "Omega_c and beta_c combine the stacked heads into D outputs", _H * _head),
        Mistake("gave every head the full dimension",
                "with H heads each head works in D / H = 16 dimensions, so the heads together "
                "cost the same as one big head", _H * 3 * (_D * _D + _D) + _D * _D + _D),
    ),
    explanation=("4 heads x 3 x (16*64 + 16) = 12480, plus 64*64 + 64 = 4160: 16640, the same "
                 "as one head with D_q = D_v = 64."),
)


def mask(N):
    """The causal mask in additive form: (N, N) indexed [key m, query n], 0 where m <= n
    (the query may look) and -inf where m > n, so that adding it to the scores hides the future."""
    m = np.arange(N)[:, None]               # (N, 1) key positions down the rows
    n = np.arange(N)[None, :]               # (1, N) query positions across the columns
    return np.where(m <= n, 0.0, -np.inf)   # -inf scores get softmax weight e^-inf = 0


def _boolean_mask(N):
    return np.arange(N)[:, None] <= np.arange(N)[None, :]


def _mask_sees_future(N):
    return np.where(np.arange(N)[:, None] >= np.arange(N)[None, :], 0.0, -np.inf)


def _mask_no_self(N):
    return np.where(np.arange(N)[:, None] < np.arange(N)[None, :], 0.0, -np.inf)


def _zero_where_hidden(N):
    return np.where(np.arange(N)[:, None] <= np.arange(N)[None, :], -np.inf, 0.0)


def _no_mask(N):
    return np.zeros((N, N))


def _minus_a_billion(N):
    return np.where(np.arange(N)[:, None] <= np.arange(N)[None, :], 0.0, -1e9)


causal_mask = FunctionExercise(
    title="The causal mask, added to the scores",
    task=(r"Section 9's mask is boolean. Attention code usually *adds* it to the scores instead, "
          r"before the softmax over keys: $\mathrm{Softmax}[S + M]$. Write `mask(N)` returning "
          r"the float $N \times N$ array $M$ indexed $[\text{key } m, \text{query } n]$ with "
          r"$0$ where query $n$ may attend to key $m$ in a decoder (GPT) and $-\infty$ "
          r"(`-np.inf`) where it may not, so that the hidden keys get weight $e^{-\infty} = 0$."),
    hint_text=("A query may look at its own position and every earlier one: m <= n. Build the "
               "positions as a column np.arange(N)[:, None] (keys) and a row (queries), then "
               "np.where(condition, 0.0, -np.inf)."),
    reference=mask,
    probes=((3,), (5,)),
    mistakes=(
        Mistake("the boolean mask",
                "True/False (1/0) added to the scores barely changes them: the hidden keys need "
                "-inf, the visible ones 0", _boolean_mask),
        Mistake("a mask that lets a query see the future",
                "0 where m >= n lets query n attend to the later keys it is meant to predict "
                "(the transpose of the causal mask, since rows are keys)", _mask_sees_future),
        Mistake("the query cannot see itself",
                "-inf on the diagonal hides token n's own value, and the first query would have "
                "no key at all (its softmax is 0/0)", _mask_no_self),
        Mistake("0 and -inf swapped",
                "the visible keys (m <= n) get 0 added, the hidden ones -inf; yours hides "
                "exactly the keys a query may see", _zero_where_hidden),
        Mistake("no mask",
                "all zeros adds nothing: an encoder's attention, where a query can read the "
                "answer", _no_mask),
        Mistake("a large negative number instead of -inf",
                "-1e9 works in practice (e^-1e9 underflows to 0), but the task asks for "
                "-np.inf: the mask then says exactly what it means", _minus_a_billion),
    ),
    explanation=("0 on and above the diagonal (m <= n), -inf below it: Softmax[S + M] gives the "
                 "masked attention of section 9, each column still summing to one."),
)

_LOGITS = np.array([2.0, 1.0, 0.0, -1.0])
temperature = ValueExercise(
    title="Sampling temperature",
    task=(r"A decoder outputs next-token logits $f = [2, 1, 0, -1]$. Give the four "
          r"probabilities of sampling each token at temperature $T = 0.5$, as an array, to 3 "
          r"decimals."),
    hint_text="Divide the logits by T, then softmax: exp(z / T) / sum exp(z / T).",
    value=softmax(_LOGITS / 0.5, axis=0),
    decimals=3,
    solution_code="""import numpy as np

f = np.array([2.0, 1.0, 0.0, -1.0])  # the next-token logits
T = 0.5
z = f / T                            # the temperature divides the logits
e = np.exp(z - z.max())              # exponentials, the largest score shifted to 0 (stable)
answer = e / e.sum()                 # softmax: probabilities that sum to one
""",
    mistakes=(
        Mistake("multiplied by T",
                "the logits are divided by T: a small T sharpens the distribution",
                softmax(_LOGITS * 0.5, axis=0)),
        Mistake("ignored the temperature",
                "that is the distribution at T = 1", softmax(_LOGITS, axis=0)),
        Mistake("divided the probabilities by T",
                "the temperature acts on the logits before the softmax, and the answer must "
                "still sum to one", softmax(_LOGITS, axis=0) / 0.5),
    ),
    explanation="softmax([4, 2, 0, -2]) = [0.865, 0.117, 0.016, 0.002]: sharper than at T = 1.",
)



def positions(D, N):
    """Sinusoidal position encodings Pi (D, N): one column per position n."""
    n = np.arange(N)[None, :]                    # (1, N) positions 0..N-1 across the columns
    d = np.arange(D)[:, None]                    # (D, 1) embedding dimensions down the rows
    i = d // 2                                   # rows 2i and 2i + 1 share a frequency
    omega = 1.0 / 10000.0 ** (2 * i / D)         # (D, 1) angular frequency of each row
    angle = n * omega                            # (D, N) by broadcasting
    return np.where(d % 2 == 0, np.sin(angle), np.cos(angle))  # sin on even rows, cos on odd


def _pos_parts(D, N):
    return np.arange(N)[None, :], np.arange(D)[:, None]


def _pos_swapped(D, N):
    n, d = _pos_parts(D, N)
    angle = n / 10000.0 ** (2 * (d // 2) / D)
    return np.where(d % 2 == 0, np.cos(angle), np.sin(angle))


def _pos_every_row_own_frequency(D, N):
    n, d = _pos_parts(D, N)
    angle = n / 10000.0 ** (d / D)
    return np.where(d % 2 == 0, np.sin(angle), np.cos(angle))


def _pos_transposed(D, N):
    return positions(D, N).T


def _pos_from_one(D, N):
    n, d = _pos_parts(D, N)
    angle = (n + 1) / 10000.0 ** (2 * (d // 2) / D)
    return np.where(d % 2 == 0, np.sin(angle), np.cos(angle))


sinusoidal = FunctionExercise(
    title="Sinusoidal position encodings",
    task=(r"Write `positions(D, N)` returning the $D \times N$ matrix $\Pi$ of section 7, one "
          r"column per position $n = 0, \dots, N-1$: "
          r"$\Pi_{2i,\,n} = \sin[n / 10000^{2i/D}]$ and "
          r"$\Pi_{2i+1,\,n} = \cos[n / 10000^{2i/D}]$. Use NumPy only."),
    hint_text=("Make the positions a row np.arange(N)[None, :] and the dimensions a column "
               "d = np.arange(D)[:, None]; rows d = 2i and 2i + 1 share i = d // 2. Broadcasting "
               "n / 10000 ** (2 * i / D) gives the (D, N) angles; np.where(d % 2 == 0, ...) picks "
               "sin or cos for each row."),
    reference=positions,
    probes=((6, 5), (4, 9), (3, 2)),
    mistakes=(
        Mistake("sin and cos swapped",
                "the even rows 2i hold the sine and the odd rows 2i + 1 the cosine; row 0 of "
                "position 0 is sin 0 = 0", _pos_swapped),
        Mistake("a new frequency on every row",
                "rows 2i and 2i + 1 share one frequency, 1 / 10000^(2i/D) with i = d // 2; "
                "10000^(d/D) gives the cosine row a slower frequency than its sine",
                _pos_every_row_own_frequency),
        Mistake("positions as rows",
                "tokens are columns in this course: Pi is (D, N), one column per position, so it "
                "can be added to X (D, N)", _pos_transposed),
        Mistake("positions counted from 1",
                "the first token has position n = 0 (its column is [0, 1, 0, 1, ...])",
                _pos_from_one),
    ),
    explanation="your Pi matches dlcore.attention.sinusoidal_encoding on every probe.",
)

_k_rng = np.random.default_rng(1011)  # fixed probes: distinct probabilities, no ties
_TOPK_PROBES = ((_k_rng.dirichlet(np.ones(7), size=4).T, 3),   # V = 7 tokens, N = 4 columns
                (_k_rng.dirichlet(np.ones(5), size=6).T, 2),   # V = 5, N = 6
                (_k_rng.dirichlet(np.ones(6)), 4))             # one distribution (V,)


def top_k(p, k):
    """Top-k filtering: keep the k largest probabilities of each column, renormalise."""
    kth = np.sort(p, axis=0)[-k]               # the k-th largest value of each column
    kept = np.where(p >= kth, p, 0.0)          # zero everything smaller (>=: keep the k-th)
    return kept / kept.sum(axis=0)             # each column sums to one again


def _topk_no_renormalise(p, k):
    kth = np.sort(p, axis=0)[-k]
    return np.where(p >= kth, p, 0.0)


def _topk_strict(p, k):
    kth = np.sort(p, axis=0)[-k]
    kept = np.where(p > kth, p, 0.0)
    return kept / np.maximum(kept.sum(axis=0), 1e-300)


def _topk_smallest(p, k):
    kth = np.sort(p, axis=0)[k - 1]
    kept = np.where(p <= kth, p, 0.0)
    return kept / kept.sum(axis=0)


def _topk_renormalise_over_all(p, k):
    kept = _topk_no_renormalise(p, k)
    return kept / kept.sum()


top_k_filter = FunctionExercise(
    title="Top-k filtering",
    task=(r"Write `top_k(p, k)`: `p` holds next-token probabilities, $(V,)$ or $(V, N)$ with "
          r"one distribution per column. Set all but the `k` largest entries of each column to "
          r"0 and rescale the kept ones so that each column sums to one again (the probabilities "
          r"here have no ties)."),
    hint_text=("np.sort(p, axis=0)[-k] is the k-th largest value of each column (for (V,) as "
               "well as (V, N)). Keep the entries at least that large with np.where, then divide "
               "by the column sums, kept.sum(axis=0)."),
    reference=top_k,
    probes=_TOPK_PROBES,
    mistakes=(
        Mistake("forgot to renormalise",
                "after zeroing the small entries the kept ones sum to less than one: divide each "
                "column by its sum", _topk_no_renormalise),
        Mistake("kept k - 1 tokens",
                "p > (k-th largest) drops the k-th largest itself: compare with >=",
                _topk_strict),
        Mistake("kept the k smallest",
                "np.sort sorts in increasing order: the k largest are the last k, "
                "np.sort(p, axis=0)[-k]", _topk_smallest),
        Mistake("renormalised over the whole array",
                "each column is its own distribution: divide by kept.sum(axis=0), not kept.sum()",
                _topk_renormalise_over_all),
    ),
    explanation="your filter matches dlcore.attention.top_k_filter on every probe.",
)

EXERCISES = (self_attention, unscaled_scores, multihead_params, sinusoidal, causal_mask,
             temperature, top_k_filter)
