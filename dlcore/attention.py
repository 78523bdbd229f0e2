"""Attention and transformers in plain NumPy (chapter 10).

Conventions (the notes'): tokens are **columns**. An embedded sequence ``X`` has shape
``(D, N)`` for N tokens of dimension D; values ``V[X]`` are ``(D_v, N)``, queries ``Q[X]`` and
keys ``K[X]`` are ``(D_q, N)``. Attention matrices are indexed ``[key m, query n]``: column n
holds the weights ``a[x_m, x_n]`` that output n gives to each input m, so every column sums
to one. A boolean ``mask`` uses the same ``[key, query]`` indexing: True where allowed.
"""

import re
from collections import Counter
from itertools import pairwise

import numpy as np

from . import losses
from .checks import InputTypeError, ShapeError, as_float_array, check_ndim, shapes
from .layers import forward, init_params
from .losses import softmax
from .residual import layer_norm

__all__ = [
    "self_attention",
    "causal_mask",
    "multihead_self_attention",
    "sinusoidal_encoding",
    "bpe_train",
    "bpe_encode",
    "softmax_keys",
    "attention_parts",
    "attention_entropy",
    "random_scores",
    "relative_position_bias",
    "one_hot",
    "embed",
    "layer_norm_tokens",
    "transformer_layer",
    "init_head",
    "init_transformer_layer",
    "bpe_history",
    "word_tokens",
    "char_vocab",
    "score_samples",
    "softmax_temperature",
    "bigram_logits",
    "sample_bigram",
    "cross_attention",
    "top_k_filter",
    "top_p_filter",
    "beam_search",
    "sample_decode",
    "bigram_loss",
]


# ------------------------------------------------------------------------------------------
# The contracts' own checks (what the contract language cannot say)
# ------------------------------------------------------------------------------------------
def _column(value, name):
    """A bias given as (D_out,) or (D_out, 1), as the column (D_out, 1)."""
    arr = as_float_array(value, name)
    return arr[:, None] if arr.ndim == 1 else arr  # (D_out,) -> (D_out, 1)


def _bias(symbol):
    """The contract of a bias beta: (D_out,) or (D_out, 1), given to the maths as a column."""
    return (_column, f"{symbol} 1")


def _mask(value, name):
    """A boolean mask [key, query]: True where the query may attend; every query needs a key."""
    arr = np.asarray(value)
    if arr.dtype != bool:
        if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
            arr = arr.astype(bool)
        else:
            raise InputTypeError(f"{name} must be a boolean array (True = may attend); got dtype "
                                 f"{arr.dtype}")
    if arr.ndim == 2 and not arr.any(axis=0).all():
        n = int(np.flatnonzero(~arr.any(axis=0))[0])
        raise ShapeError(f"{name} lets query {n} attend to no key; every column needs a True")
    return arr


MASK = (_mask, "N N")  # [key, query] for a sequence of N tokens

_HEAD_KEYS = ("beta_v", "omega_v", "beta_q", "omega_q", "beta_k", "omega_k")
_LAYER_KEYS = ("heads", "omega_c", "beta_c", "omega_1", "beta_1", "omega_2", "beta_2",
               "gamma_1", "delta_1", "gamma_2", "delta_2")


def _dict_with(value, name, keys):
    """A dict holding (at least) the given keys."""
    if not isinstance(value, dict):
        raise InputTypeError(f"{name} must be a dict with keys {keys}; got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ShapeError(f"{name} is missing {missing}; expected keys {keys}")
    return value


def _heads(value, name):
    """A non-empty list of heads, each a dict of one head's parameters (see self_attention)."""
    if not isinstance(value, (list, tuple)) or len(value) == 0:
        got = "an empty list" if isinstance(value, (list, tuple)) else type(value).__name__
        raise InputTypeError(f"{name} must be a non-empty list of dicts; got {got}")
    return [_dict_with(head, f"{name}[{h}]", _HEAD_KEYS) for h, head in enumerate(value)]


def _layer(value, name):
    """The parameters of a transformer layer: a dict (see init_transformer_layer)."""
    return _dict_with(value, name, _LAYER_KEYS)


def _odd_length(value, name):
    """pi (2K + 1,): one value per offset -K..K."""
    pi = as_float_array(value, name)
    if pi.ndim == 1 and pi.shape[0] % 2 == 0:
        raise ShapeError(f"{name} has shape {pi.shape}; expected an odd length (2K + 1,), one "
                         "value per offset -K..K")
    return pi


def _token_ids(value, name):
    """Token indices (N,): integers (their range is checked against the vocabulary V)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be integer token indices; got dtype {arr.dtype}")
    return check_ndim(arr, name, (1,), "(N,) token indices")


def _in_vocabulary(ids, name, V):
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ShapeError(f"{name} has indices in {ids.min()}..{ids.max()}; expected 0..{V - 1} "
                         f"for a vocabulary of {V}")


def _tokens_below_V(args):
    """Every token is one of the V in the vocabulary."""
    _in_vocabulary(args["tokens"], "tokens", args["V"])


def _ids_below_V(args):
    _in_vocabulary(args["ids"], "ids", args["V"])


def _tokens_in_omega_e(args):
    """Every token has a column in omega_e (D, V)."""
    _in_vocabulary(args["tokens"], "tokens", args["omega_e"].shape[1])


def _heads_fit_omega_c(args):
    """omega_c (D_o, H D_v) takes the H heads' outputs stacked; beta_c defaults to zero."""
    shapes_v = [np.shape(head["omega_v"]) for head in args["heads"]]  # (D_v, D) each
    HD_v = sum(shape[0] for shape in shapes_v if len(shape) == 2)
    omega_c = args["omega_c"]
    if all(len(shape) == 2 for shape in shapes_v) and omega_c.shape[1] != HD_v:
        raise ShapeError(f"omega_c has shape {omega_c.shape}; expected ({omega_c.shape[0]}, "
                         f"{HD_v}) = (D_o, H D_v) for the stacked heads")
    if args["beta_c"] is None:
        args["beta_c"] = np.zeros((omega_c.shape[0], 1))  # (D_o, 1)


def _heads_divide_D(args):
    D, H = args["D"], args["H"]
    if D % H:
        raise ShapeError(f"D = {D} is not divisible by H = {H}; each head gets D/H dimensions")


def _text(value, name):
    if not isinstance(value, str):
        raise InputTypeError(f"{name} must be a str; got {type(value).__name__}")
    return value


def _merges(value, name):
    """Learned merges: a list of (left, right) pairs of strings."""
    if not isinstance(value, (list, tuple)):
        raise InputTypeError(f"{name} must be a list of (left, right) pairs; got "
                             f"{type(value).__name__}")
    for j, pair in enumerate(value):
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(s, str) for s in pair)):
            raise InputTypeError(f"{name}[{j}] must be a pair of strings (left, right); got "
                                 f"{pair!r}"[:120])
    return [tuple(pair) for pair in value]


# ------------------------------------------------------------------------------------------
# Self-attention
# ------------------------------------------------------------------------------------------
@shapes(scores="N_k N_q", mask=(_mask, "N_k N_q"))
def softmax_keys(scores, mask=None):
    """Softmax over keys (axis 0) for every query column; masked entries get weight 0.

    a[m, n] = exp(s[m, n]) / sum_m' exp(s[m', n]), with s = -inf where mask is False.
    scores (N_k, N_q) -> (N_k, N_q), each column summing to one.
    """
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # masked: exp(-inf) = 0
    return softmax(scores, axis=0)  # chapter 02's stable softmax, over the keys


@shapes(X="D N", beta_v=_bias("D_v"), omega_v="D_v D", beta_q=_bias("D_q"), omega_q="D_q D",
        beta_k=_bias("D_q"), omega_k="D_q D", mask=MASK, scale="bool", pos_bias="N N")
def attention_parts(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask=None,
                    scale=True, pos_bias=None):
    """Every intermediate of one self-attention head, for teaching and plotting.

    V = beta_v + Omega_v X, Q = beta_q + Omega_q X, K = beta_k + Omega_k X,
    S = (K^T Q + Pi) / sqrt(D_q) (no division when scale=False; Pi = pos_bias or 0),
    A = Softmax_keys[S] (masked entries -inf first), Sa = V A.
    Returns a dict with V (D_v, N), Q (D_q, N), K (D_q, N), S (N, N), A (N, N), Sa (D_v, N).
    """
    V = beta_v + omega_v @ X  # (D_v, N)  values
    Q = beta_q + omega_q @ X  # (D_q, N)  queries
    K = beta_k + omega_k @ X  # (D_q, N)  keys
    S = K.T @ Q  # (N, N): S[m, n] = k_m . q_n, keys down, queries across
    if pos_bias is not None:
        S = S + pos_bias
    if scale:
        S = S / np.sqrt(Q.shape[0])
    A = softmax_keys(S, mask)  # (N, N), columns sum to 1
    return {"V": V, "Q": Q, "K": K, "S": S, "A": A, "Sa": V @ A}


@shapes(X="D N", beta_v=_bias("D_v"), omega_v="D_v D", beta_q=_bias("D_q"), omega_q="D_q D",
        beta_k=_bias("D_q"), omega_k="D_q D", mask=MASK)
def self_attention(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask=None):
    """Dot-product self-attention of one head.

    Sa[X] = V[X] Softmax[K[X]^T Q[X] / sqrt(D_q)], the softmax over keys (axis 0).
    X (D, N); omega_v (D_v, D), omega_q and omega_k (D_q, D); betas (D_*,) or (D_*, 1);
    mask None or boolean (N, N) [key, query]. Returns (D_v, N).
    """
    return attention_parts(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask)["Sa"]


@shapes(N="int >= 1")
def causal_mask(N):
    """Mask for a decoder: query n may attend to keys m <= n. Boolean (N, N) [key, query]."""
    m = np.arange(N)[:, None]  # key positions down the rows
    n = np.arange(N)[None, :]  # query positions across the columns
    return m <= n


@shapes(X="D N", heads=_heads, omega_c="D_o HD_v", beta_c=_bias("D_o"), mask=MASK,
        return_parts="bool", where=_heads_fit_omega_c)
def multihead_self_attention(X, heads, omega_c, beta_c=None, mask=None, return_parts=False):
    """Multi-head self-attention: H heads side by side, then a linear mix.

    MhSa[X] = beta_c + Omega_c [Sa_1[X]; Sa_2[X]; ...; Sa_H[X]].
    X (D, N); heads a list of H dicts (see ``self_attention``); omega_c (D_o, H D_v);
    beta_c None, (D_o,) or (D_o, 1). Returns (D_o, N) (and the per-head parts if asked).
    """
    parts = [attention_parts(X, *(head[k] for k in _HEAD_KEYS), mask=mask) for head in heads]
    stacked = np.concatenate([p["Sa"] for p in parts], axis=0)  # (H D_v, N)
    out = beta_c + omega_c @ stacked  # (D_o, N)
    return (out, parts) if return_parts else out


@shapes(A="N_k N_q")
def attention_entropy(A):
    """Entropy of each query's attention distribution, -sum_m a[m, n] log a[m, n] (nats).

    A (N_k, N_q) with columns summing to one -> (N_q,). Zero weights contribute 0.
    """
    logs = np.log(np.where(A > 0, A, 1.0))
    return -(A * logs).sum(axis=0)


@shapes(D_q="int >= 1", n="int >= 1", rng="rng", scale="bool")
def score_samples(D_q, n, rng, scale=True):
    """n dot products k.q of random query/key pairs with independent N(0, 1) entries.

    Var[k.q] = D_q; divided by sqrt(D_q) when scale=True (then the variance is 1). -> (n,)
    """
    q = rng.standard_normal((D_q, n))  # (D_q, n)
    k = rng.standard_normal((D_q, n))
    s = (k * q).sum(axis=0)
    return s / np.sqrt(D_q) if scale else s


@shapes(D_q="int >= 1", N_q="int >= 1", N_k="int >= 1", rng="rng", scale="bool")
def random_scores(D_q, N_q, N_k, rng, scale=True):
    """Scores S = K^T Q of N_q random queries against N_k random keys, all entries N(0, 1):
    Q (D_q, N_q) is drawn first, then K (D_q, N_k); divided by sqrt(D_q) when scale=True.
    Returns (N_k, N_q), [key, query] as every attention matrix here."""
    Q = rng.standard_normal((D_q, N_q))
    K = rng.standard_normal((D_q, N_k))
    S = K.T @ Q  # (N_k, N_q)
    return S / np.sqrt(D_q) if scale else S


# ------------------------------------------------------------------------------------------
# Positional encodings
# ------------------------------------------------------------------------------------------
@shapes(D="int >= 1", N="int >= 1")
def sinusoidal_encoding(D, N):
    """Absolute sinusoidal position encodings Pi, one column per position (D, N).

    Pi[2i, n] = sin(n / 10000^(2i/D)), Pi[2i+1, n] = cos(n / 10000^(2i/D)).
    """
    n = np.arange(N)[None, :]  # (1, N) positions
    d = np.arange(D)[:, None]  # (D, 1) embedding dimensions
    omega = 10000.0 ** (-(2 * (d // 2)) / D)  # (D, 1) angular frequency of each row pair
    return np.where(d % 2 == 0, np.sin(n * omega), np.cos(n * omega))  # (D, N)


@shapes(pi=(_odd_length, "P"), N="int >= 1")
def relative_position_bias(pi, N):
    """The relative-position term Pi[a, b] = pi[clip(a - b, -K, K) + K] for key a and query b.

    pi (2K + 1,): one learned number per offset a - b in -K..K. The same pi serves a sequence of
    any length N: offsets beyond +-K (never seen in sequences of K + 1 tokens) are clipped to
    the farthest learned offset. Returns (N, N), constant along each diagonal.
    """
    K = pi.shape[0] // 2
    a = np.arange(N)[:, None]  # key positions
    b = np.arange(N)[None, :]  # query positions
    return pi[np.clip(a - b, -K, K) + K]  # (N, N)


# ------------------------------------------------------------------------------------------
# Tokens and embeddings
# ------------------------------------------------------------------------------------------
@shapes(tokens=_token_ids, V="int >= 1", where=_tokens_below_V)
def one_hot(tokens, V):
    """The token matrix T: column n is the one-hot vector of token n. (N,) ints -> (V, N)."""
    return losses.one_hot.__wrapped__(tokens, V)  # chapter 02's one-hot labels, for tokens


@shapes(tokens=_token_ids, omega_e="D V", where=_tokens_in_omega_e)
def embed(tokens, omega_e):
    """Embeddings X = Omega_e T, computed as a column look-up Omega_e[:, tokens].

    tokens (N,) ints; omega_e (D, V). Returns (D, N).
    """
    return omega_e[:, tokens]


# ------------------------------------------------------------------------------------------
# The transformer layer
# ------------------------------------------------------------------------------------------
@shapes(X="D N")
def layer_norm_tokens(X, gamma, delta, eps=1e-5):
    """Layer norm of each token (column) over its D features, then gamma * . + delta.

    X (D, N); gamma, delta (D,). Biased variance, eps inside the square root (as PyTorch).
    """
    return layer_norm(X, gamma, delta, eps)  # tokens are columns, as h's data points


@shapes(X="D N", params=_layer, mask=MASK)
def transformer_layer(X, params, mask=None):
    """One transformer layer (post-norm, as in the original transformer and the notes' book).

    X <- LayerNorm[X + MhSa[X]];  X <- LayerNorm[X + beta_2 + Omega_2 ReLU[beta_1 + Omega_1 X]]
    (the fully connected network acts on each token separately). params is a dict with keys
    heads, omega_c, beta_c, omega_1 (D_f, D), beta_1, omega_2 (D, D_f), beta_2, gamma_1,
    delta_1, gamma_2, delta_2 (see ``init_transformer_layer``). X (D, N) -> (D, N).
    """
    p = params
    X = X + multihead_self_attention(X, p["heads"], p["omega_c"], p["beta_c"], mask)  # residual
    X = layer_norm_tokens(X, p["gamma_1"], p["delta_1"])
    # the fully connected net on every token: fs[-1] = beta_2 + Omega_2 ReLU[beta_1 + Omega_1 X]
    fs, _ = forward(X, [p["beta_1"], p["beta_2"]], [p["omega_1"], p["omega_2"]])
    return layer_norm_tokens(X + fs[-1], p["gamma_2"], p["delta_2"])  # residual, (D, N)


@shapes(D="int >= 1", D_q="int >= 1", D_v="int >= 1", rng="rng", sigma=">= 0")
def init_head(D, D_q, D_v, rng, sigma=None):
    """Random parameters of one head: weights N(0, sigma^2) (default 1/sqrt(D)), biases 0.

    Drawn in the order Omega_v (D_v, D), Omega_q (D_q, D), Omega_k (D_q, D).
    """
    sigma = 1.0 / np.sqrt(D) if sigma is None else sigma
    head = {}
    for x, D_x in (("v", D_v), ("q", D_q), ("k", D_q)):
        (head[f"beta_{x}"],), (head[f"omega_{x}"],) = init_params([D, D_x], sigma, rng)
    return head


@shapes(D="int >= 1", H="int >= 1", D_f="int >= 1", rng="rng", where=_heads_divide_D)
def init_transformer_layer(D, H, D_f, rng):
    """Random parameters for ``transformer_layer``: H heads of size D/H, an MLP of width D_f.

    Weights N(0, 1/D_in) for a layer fed by D_in units, biases 0, layer norms gamma = 1,
    delta = 0. Drawn in the order: the heads, Omega_c, Omega_1, Omega_2.
    """
    heads = [init_head(D, D // H, D // H, rng) for _ in range(H)]
    (beta_c,), (omega_c,) = init_params([D, D], 1.0 / np.sqrt(D), rng)
    betas, omegas = init_params([D, D_f, D], [1.0 / np.sqrt(D), 1.0 / np.sqrt(D_f)], rng)
    return {"heads": heads, "omega_c": omega_c, "beta_c": beta_c,
            "omega_1": omegas[0], "beta_1": betas[0], "omega_2": omegas[1], "beta_2": betas[1],
            "gamma_1": np.ones(D), "delta_1": np.zeros(D),
            "gamma_2": np.ones(D), "delta_2": np.zeros(D)}


# ------------------------------------------------------------------------------------------
# Tokenisation: characters, words, byte-pair encoding
# ------------------------------------------------------------------------------------------
@shapes(text=_text)
def char_vocab(text):
    """The sorted list of distinct characters of text (the BPE starting vocabulary)."""
    return sorted(set(text))


@shapes(text=_text)
def word_tokens(text):
    """Word-level tokens: runs of letters/digits, and every other character on its own."""
    return re.findall(r"\w+|\W", text)


def _merge(symbols, pair, new):
    """Replace every non-overlapping occurrence of pair, scanning left to right."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


@shapes(text=_text, n_merges="int >= 0")
def bpe_history(text, n_merges):
    """BPE training with its history: (merges, sequences), sequences[j] the tokens after j merges.

    Steps: 1. start from the characters; 2. count adjacent pairs; 3. merge the most frequent
    (ties: the pair seen first) everywhere; 4. repeat n_merges times, or until no pair occurs
    twice.
    """
    symbols = list(text)
    merges, sequences = [], [symbols]
    for _ in range(n_merges):
        counts = Counter(pairwise(symbols))  # insertion order = order first seen
        if not counts:
            break
        pair = max(counts, key=counts.get)  # first pair with the largest count
        if counts[pair] < 2:
            break
        symbols = _merge(symbols, pair, pair[0] + pair[1])
        merges.append(pair)
        sequences.append(symbols)
    return merges, sequences


@shapes(text=_text, n_merges="int >= 0")
def bpe_train(text, n_merges):
    """Byte-pair encoding: the list of merged pairs (left, right) in the order learned."""
    return bpe_history(text, n_merges)[0]


@shapes(text=_text, merges=_merges)
def bpe_encode(text, merges):
    """Tokenise text with learned merges: characters first, then each merge in order.

    Returns a list of token strings with "".join(tokens) == text.
    """
    symbols = list(text)
    for pair in merges:
        symbols = _merge(symbols, pair, pair[0] + pair[1])
    return symbols


# ------------------------------------------------------------------------------------------
# Generation
# ------------------------------------------------------------------------------------------
@shapes(logits="...", T="> 0")
def softmax_temperature(logits, T):
    """Next-token probabilities at temperature T: Softmax[logits / T] over axis 0.

    logits (V,) or (V, I). T -> 0 tends to the arg-max; large T tends to uniform.
    """
    return softmax(logits / T, axis=0)  # chapter 02's stable softmax


@shapes(ids=_token_ids, V="int >= 1", alpha=">= 0", where=_ids_below_V)
def bigram_logits(ids, V, alpha=0.5):
    """A character bigram model (a baseline with no attention at all): logits[j, i] =
    log Pr(next = j | current = i) from counts smoothed by alpha. ids (N,) ints -> (V, V)."""
    counts = np.full((V, V), alpha)
    np.add.at(counts, (ids[1:], ids[:-1]), 1.0)  # column = current token, row = next
    return np.log(counts / counts.sum(axis=0, keepdims=True))


@shapes(logits="V V", start="int >= 0", n_new="int >= 0", T="> 0", rng="rng")
def sample_bigram(logits, start, n_new, T, rng):
    """Autoregressive sampling from a bigram model at temperature T. Returns (1 + n_new,) ids."""
    P = softmax_temperature(logits, T)  # (V, V): column i is Pr(next | i)
    cdf = np.cumsum(P, axis=0)
    out = [start]
    for u in rng.random(n_new):
        col = cdf[:, out[-1]]
        out.append(min(int(np.searchsorted(col, u * col[-1])), P.shape[0] - 1))
    return np.array(out)


@shapes(X="D_x N_x", Z="D_z N_z", beta_v=_bias("D_v"), omega_v="D_v D_z", beta_q=_bias("D_q"),
        omega_q="D_q D_x", beta_k=_bias("D_q"), omega_k="D_q D_z")
def cross_attention(X, Z, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k):
    """Encoder-decoder (cross-) attention: queries from the decoder's X, keys and values from
    the encoder's Z.  V = beta_v + Omega_v Z, Q = beta_q + Omega_q X, K = beta_k + Omega_k Z,
    A = Softmax_keys[K^T Q / sqrt(D_q)] (N_z, N_x); returns (V A (D_v, N_x), A)."""
    V = beta_v + omega_v @ Z  # (D_v, N_z) encoder values
    Q = beta_q + omega_q @ X  # (D_q, N_x) decoder queries
    K = beta_k + omega_k @ Z  # (D_q, N_z) encoder keys
    A = softmax_keys(K.T @ Q / np.sqrt(Q.shape[0]))  # (N_z, N_x)
    return V @ A, A


# ------------------------------------------------------------------------------------------
# Decoding: which next token to take
# ------------------------------------------------------------------------------------------
def _probabilities(value, name):
    """Next-token probabilities (V,) or (V, N): non-negative, each column with some mass."""
    p = as_float_array(value, name)
    if p.ndim in (1, 2) and p.size and (not np.isfinite(p).all() or (p < 0).any()):
        raise ShapeError(f"{name} must hold probabilities (finite, >= 0); got entries in "
                         f"{np.nanmin(p):.3g}..{np.nanmax(p):.3g}")
    if p.ndim in (1, 2) and p.size and (p.sum(axis=0) <= 0).any():
        raise ShapeError(f"{name} has a column that sums to 0; each column is a distribution")
    return p


PROBS = (_probabilities, "V | V N")  # one distribution per column


def _k_at_most_V(args):
    V, k = args["p"].shape[0], args["k"]
    if k > V:
        raise ShapeError(f"k = {k} is larger than the vocabulary, V = {V}; expected 1 <= k <= V")


def _share(value, name):
    """top_p in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a number in (0, 1]; got {type(value).__name__}")
    if not 0 < value <= 1:
        raise ShapeError(f"{name} = {value} is outside (0, 1]: it is the share of probability "
                         "kept")
    return float(value)


def _ranks(p):
    """rank[v, n] = position of p[v, n] in column n sorted from largest (0 = most probable);
    ties go to the lower index."""
    order = np.argsort(-p, axis=0, kind="stable")  # (V, N) indices, most probable first
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(p.shape[0]).reshape((-1,) + (1,) * (p.ndim - 1)),
                      axis=0)
    return order, ranks


@shapes(p=PROBS, k="int >= 1", where=_k_at_most_V)
def top_k_filter(p, k):
    """Top-k filtering: keep the k most probable tokens of each column, renormalise.

    p_k[v] = p[v] / sum_{u in top k} p[u] if v is among the k largest, else 0 (ties at the k-th
    value go to the lower index, so exactly k tokens stay). p (V,) or (V, N) -> same shape.
    """
    _, ranks = _ranks(p)
    kept = np.where(ranks < k, p, 0.0)  # zero all but the k largest of each column
    return kept / kept.sum(axis=0)  # renormalise each column to sum to one


@shapes(p=PROBS, top_p=_share)
def top_p_filter(p, top_p):
    """Nucleus (top-p) filtering: keep the fewest most-probable tokens whose total is >= top_p.

    Sort each column from largest; keep token v while the probability of the tokens before it
    is still below top_p (so the largest is always kept), zero the rest, renormalise.
    p (V,) or (V, N) -> same shape.
    """
    p = p / p.sum(axis=0)  # each column a distribution
    order, ranks = _ranks(p)
    sorted_p = np.take_along_axis(p, order, axis=0)  # (V, N) largest first
    before = np.cumsum(sorted_p, axis=0) - sorted_p  # mass of the more probable tokens
    keep_sorted = before < top_p - 1e-12  # still short of top_p: keep (round-off tolerant)
    keep = np.take_along_axis(keep_sorted, ranks, axis=0)  # back to vocabulary order
    kept = np.where(keep, p, 0.0)
    return kept / kept.sum(axis=0)


def _token_list(value, name):
    """A list of int token ids (may be empty)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in value):
        raise InputTypeError(f"{name} must be a list of int token ids; got {value!r}"[:120])
    return [int(t) for t in value]


@shapes(log_prob_fn="function", start=_token_list, width="int >= 1", steps="int >= 0")
def beam_search(log_prob_fn, start, width, steps):
    """Beam search: keep the `width` most probable partial sequences, extend each by every token.

    score(sequence) = sum of log Pr(token | tokens before it) over the added tokens.
    log_prob_fn(tokens) -> (V,) next-token log-probabilities. Returns (tokens, score): the best
    sequence after `steps` new tokens (start included) and its score. width=1 is greedy decoding.
    """
    beams, scores = [list(start)], np.zeros(1)  # one beam to begin with, score 0
    for _ in range(steps):
        logp = np.stack([np.asarray(log_prob_fn(list(b)), float) for b in beams])  # (B, V)
        total = (scores[:, None] + logp).ravel()  # every beam x every next token, (B V,)
        best = np.argsort(-total, kind="stable")[:width]  # the width best (ties: earlier)
        V = logp.shape[1]
        beams = [beams[i // V] + [int(i % V)] for i in best]  # extend beam i // V by i % V
        scores = total[best]
    return beams[0], float(scores[0])


def _columns_of(n):
    def check(value, name):
        arr = as_float_array(value, name)
        return check_ndim(arr, name, (1,), f"({n},) one value per sample")
    return check


def _one_setting_each(args):
    """T, k and top_p give one value per sample: equal lengths."""
    sizes = {name: len(args[name]) for name in ("T", "k", "top_p")}
    if len(set(sizes.values())) > 1:
        raise ShapeError(f"T, k and top_p need one value per sample, the same number each; got "
                         f"lengths {sizes}")


@shapes(logits_fn="function", start=_token_list, n_new="int >= 0", T=_columns_of("B"),
        k=_columns_of("B"), top_p=_columns_of("B"), rng="rng", where=_one_setting_each)
def sample_decode(logits_fn, start, n_new, T, k, top_p, rng):
    """B samples side by side, each with its own temperature and filter, sharing random numbers.

    At each step: logits f = logits_fn(B token lists) (V, B); p = Softmax[f / T]; keep the k[b]
    largest (k = V: all), then the nucleus top_p[b] (1: all); renormalise; sample by inverting
    the cumulative sum with one uniform number per step, the same for every column (so samples
    differ only through their settings). T, k, top_p (B,). Returns B lists of ids (start + new).
    """
    seqs = [list(start) for _ in T]
    for u in rng.random(n_new):
        f = np.asarray(logits_fn(seqs), float)  # (V, B)
        p = softmax(f / T, axis=0)  # (V, B) at each column's temperature
        _, ranks = _ranks(p)
        p = np.where(ranks < k, p, 0.0)  # top-k, k per column
        p = p / p.sum(axis=0)
        order, ranks = _ranks(p)
        sorted_p = np.take_along_axis(p, order, axis=0)
        before = np.cumsum(sorted_p, axis=0) - sorted_p
        p = np.where(np.take_along_axis(before < top_p - 1e-12, ranks, axis=0), p, 0.0)  # nucleus
        cdf = np.cumsum(p / p.sum(axis=0), axis=0)  # (V, B)
        nxt = np.minimum((cdf < u).sum(axis=0), p.shape[0] - 1)  # first v with cdf[v] >= u
        nxt = np.where(p[nxt, np.arange(p.shape[1])] > 0, nxt, p.argmax(axis=0))
        for s, v in zip(seqs, nxt, strict=True):
            s.append(int(v))
    return seqs


@shapes(logits="V V", ids=_token_ids)
def bigram_loss(logits, ids):
    """Mean cross-entropy of a bigram model on a text: -mean_n log Pr(ids[n+1] | ids[n]).

    logits (V, V) from ``bigram_logits`` (column = current token); ids (N,) ints, N >= 2.
    """
    logp = logits - np.log(np.exp(logits - logits.max(axis=0)).sum(axis=0)) - logits.max(axis=0)
    return float(-logp[ids[1:], ids[:-1]].mean())
