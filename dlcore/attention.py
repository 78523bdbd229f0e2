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

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    check_int,
    check_ndim,
    check_positive,
)
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
]


# ------------------------------------------------------------------------------------------
# Argument checks shared by the attention functions
# ------------------------------------------------------------------------------------------
def _tokens(X, name="X"):
    X = as_float_array(X, name)
    return check_ndim(X, name, (2,), "(D, N) with tokens as columns")


def _linear(beta, omega, beta_name, omega_name, D):
    """Check omega (D_out, D) and beta (D_out,) or (D_out, 1); return beta as a column."""
    omega = check_ndim(as_float_array(omega, omega_name), omega_name, (2,), "(D_out, D)")
    if omega.shape[1] != D:
        raise ShapeError(f"{omega_name} has shape {omega.shape}; expected ({omega.shape[0]}, {D}) "
                         f"because X has D = {D} rows")
    beta = as_float_array(beta, beta_name)
    if beta.ndim == 2 and beta.shape[1] == 1:
        beta = beta[:, 0]
    if beta.shape != (omega.shape[0],):
        raise ShapeError(f"{beta_name} has shape {beta.shape}; expected ({omega.shape[0]},) or "
                         f"({omega.shape[0]}, 1) to match {omega_name} {omega.shape}")
    return beta[:, None], omega  # (D_out, 1), (D_out, D)


def _mask(mask, N, name="mask"):
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.dtype != bool:
        if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
            arr = arr.astype(bool)
        else:
            raise InputTypeError(f"{name} must be a boolean array (True = may attend); got dtype "
                                 f"{arr.dtype}")
    if arr.shape != (N, N):
        raise ShapeError(f"{name} has shape {arr.shape}; expected ({N}, {N}) indexed [key, query]")
    if not arr.any(axis=0).all():
        n = int(np.flatnonzero(~arr.any(axis=0))[0])
        raise ShapeError(f"{name} lets query {n} attend to no key; every column needs a True")
    return arr


# ------------------------------------------------------------------------------------------
# Self-attention
# ------------------------------------------------------------------------------------------
def softmax_keys(scores, mask=None):
    """Softmax over keys (axis 0) for every query column; masked entries get weight 0.

    a[m, n] = exp(s[m, n]) / sum_m' exp(s[m', n]), with s = -inf where mask is False.
    scores (N_k, N_q) -> (N_k, N_q), each column summing to one.
    """
    s = check_ndim(as_float_array(scores, "scores"), "scores", (2,), "(N keys, N queries)")
    if mask is not None:
        m = _mask(mask, s.shape[0]) if s.shape[0] == s.shape[1] else np.asarray(mask, bool)
        s = np.where(m, s, -np.inf)
    s = s - s.max(axis=0, keepdims=True)  # stable: the largest score in each column becomes 0
    e = np.exp(s)
    return e / e.sum(axis=0, keepdims=True)


def attention_parts(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask=None,
                    scale=True, pos_bias=None):
    """Every intermediate of one self-attention head, for teaching and plotting.

    V = beta_v + Omega_v X, Q = beta_q + Omega_q X, K = beta_k + Omega_k X,
    S = (K^T Q + Pi) / sqrt(D_q) (no division when scale=False; Pi = pos_bias or 0),
    A = Softmax_keys[S] (masked entries -inf first), Sa = V A.
    Returns a dict with V (D_v, N), Q (D_q, N), K (D_q, N), S (N, N), A (N, N), Sa (D_v, N).
    """
    X = _tokens(X)
    D, N = X.shape
    b_v, o_v = _linear(beta_v, omega_v, "beta_v", "omega_v", D)
    b_q, o_q = _linear(beta_q, omega_q, "beta_q", "omega_q", D)
    b_k, o_k = _linear(beta_k, omega_k, "beta_k", "omega_k", D)
    if o_q.shape[0] != o_k.shape[0]:
        raise ShapeError(f"omega_q has {o_q.shape[0]} rows and omega_k has {o_k.shape[0]}; "
                         "queries and keys need the same dimension D_q for K^T Q")
    mask = _mask(mask, N)
    V = b_v + o_v @ X  # (D_v, N)  values
    Q = b_q + o_q @ X  # (D_q, N)  queries
    K = b_k + o_k @ X  # (D_q, N)  keys
    S = K.T @ Q  # (N, N): S[m, n] = k_m . q_n, keys down, queries across
    if pos_bias is not None:
        pi = check_ndim(as_float_array(pos_bias, "pos_bias"), "pos_bias", (2,), "(N, N)")
        if pi.shape != (N, N):
            raise ShapeError(f"pos_bias has shape {pi.shape}; expected ({N}, {N}) [key, query]")
        S = S + pi
    if scale:
        S = S / np.sqrt(Q.shape[0])
    A = softmax_keys(S, mask)  # (N, N), columns sum to 1
    return {"V": V, "Q": Q, "K": K, "S": S, "A": A, "Sa": V @ A}


def self_attention(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask=None):
    """Dot-product self-attention of one head.

    Sa[X] = V[X] Softmax[K[X]^T Q[X] / sqrt(D_q)], the softmax over keys (axis 0).
    X (D, N); omega_v (D_v, D), omega_q and omega_k (D_q, D); betas (D_*,) or (D_*, 1);
    mask None or boolean (N, N) [key, query]. Returns (D_v, N).
    """
    return attention_parts(X, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k, mask)["Sa"]


def causal_mask(N):
    """Mask for a decoder: query n may attend to keys m <= n. Boolean (N, N) [key, query]."""
    N = check_int(N, "N", 1)
    m = np.arange(N)[:, None]  # key positions down the rows
    n = np.arange(N)[None, :]  # query positions across the columns
    return m <= n


_HEAD_KEYS = ("beta_v", "omega_v", "beta_q", "omega_q", "beta_k", "omega_k")


def _check_heads(heads):
    if not isinstance(heads, (list, tuple)) or len(heads) == 0:
        got = "an empty list" if isinstance(heads, (list, tuple)) else type(heads).__name__
        raise InputTypeError(f"heads must be a non-empty list of dicts; got {got}")
    for h, head in enumerate(heads):
        if not isinstance(head, dict):
            raise InputTypeError(f"heads[{h}] must be a dict with keys {_HEAD_KEYS}; got "
                                 f"{type(head).__name__}")
        missing = [k for k in _HEAD_KEYS if k not in head]
        if missing:
            raise ShapeError(f"heads[{h}] is missing {missing}; expected keys {_HEAD_KEYS}")
    return heads


def multihead_self_attention(X, heads, omega_c, beta_c=None, mask=None, return_parts=False):
    """Multi-head self-attention: H heads side by side, then a linear mix.

    MhSa[X] = beta_c + Omega_c [Sa_1[X]; Sa_2[X]; ...; Sa_H[X]].
    X (D, N); heads a list of H dicts (see ``self_attention``); omega_c (D_o, H D_v);
    beta_c None, (D_o,) or (D_o, 1). Returns (D_o, N) (and the per-head parts if asked).
    """
    X = _tokens(X)
    parts = [attention_parts(X, *(head[k] for k in _HEAD_KEYS), mask=mask)
             for head in _check_heads(heads)]
    stacked = np.concatenate([p["Sa"] for p in parts], axis=0)  # (H D_v, N)
    omega_c = check_ndim(as_float_array(omega_c, "omega_c"), "omega_c", (2,), "(D_o, H D_v)")
    if omega_c.shape[1] != stacked.shape[0]:
        raise ShapeError(f"omega_c has shape {omega_c.shape}; expected ({omega_c.shape[0]}, "
                         f"{stacked.shape[0]}) = (D_o, H D_v) for the stacked heads")
    if beta_c is None:
        beta_c = np.zeros(omega_c.shape[0])
    beta_c, _ = _linear(beta_c, omega_c, "beta_c", "omega_c", stacked.shape[0])
    out = beta_c + omega_c @ stacked  # (D_o, N)
    return (out, parts) if return_parts else out


def attention_entropy(A):
    """Entropy of each query's attention distribution, -sum_m a[m, n] log a[m, n] (nats).

    A (N_k, N_q) with columns summing to one -> (N_q,). Zero weights contribute 0.
    """
    A = check_ndim(as_float_array(A, "A"), "A", (2,), "(N keys, N queries)")
    logs = np.log(np.where(A > 0, A, 1.0))
    return -(A * logs).sum(axis=0)


def score_samples(D_q, n, rng, scale=True):
    """n dot products k.q of random query/key pairs with independent N(0, 1) entries.

    Var[k.q] = D_q; divided by sqrt(D_q) when scale=True (then the variance is 1). -> (n,)
    """
    D_q = check_int(D_q, "D_q", 1)
    n = check_int(n, "n", 1)
    q = rng.standard_normal((D_q, n))  # (D_q, n)
    k = rng.standard_normal((D_q, n))
    s = (k * q).sum(axis=0)
    return s / np.sqrt(D_q) if scale else s


# ------------------------------------------------------------------------------------------
# Positional encodings
# ------------------------------------------------------------------------------------------
def sinusoidal_encoding(D, N):
    """Absolute sinusoidal position encodings Pi, one column per position (D, N).

    Pi[2i, n] = sin(n / 10000^(2i/D)), Pi[2i+1, n] = cos(n / 10000^(2i/D)).
    """
    D = check_int(D, "D", 1)
    N = check_int(N, "N", 1)
    n = np.arange(N)[None, :]  # (1, N) positions
    d = np.arange(D)[:, None]  # (D, 1) embedding dimensions
    omega = 10000.0 ** (-(2 * (d // 2)) / D)  # (D, 1) angular frequency of each row pair
    return np.where(d % 2 == 0, np.sin(n * omega), np.cos(n * omega))  # (D, N)


def relative_position_bias(pi, N):
    """The relative-position term Pi[a, b] = pi[clip(a - b, -K, K) + K] for key a and query b.

    pi (2K + 1,): one learned number per offset a - b in -K..K. The same pi serves a sequence of
    any length N: offsets beyond +-K (never seen in sequences of K + 1 tokens) are clipped to
    the farthest learned offset. Returns (N, N), constant along each diagonal.
    """
    N = check_int(N, "N", 1)
    pi = check_ndim(as_float_array(pi, "pi"), "pi", (1,), "(2K + 1,) one value per offset")
    if pi.shape[0] % 2 == 0:
        raise ShapeError(f"pi has shape {pi.shape}; expected an odd length (2K + 1,), one value "
                         "per offset -K..K")
    K = pi.shape[0] // 2
    a = np.arange(N)[:, None]  # key positions
    b = np.arange(N)[None, :]  # query positions
    return pi[np.clip(a - b, -K, K) + K]  # (N, N)


# ------------------------------------------------------------------------------------------
# Tokens and embeddings
# ------------------------------------------------------------------------------------------
def _token_ids(tokens, V, name="tokens"):
    arr = np.asarray(tokens)
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be integer token indices; got dtype {arr.dtype}")
    check_ndim(arr, name, (1,), "(N,) token indices")
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ShapeError(f"{name} has indices in {arr.min()}..{arr.max()}; expected 0..{V - 1} "
                         f"for a vocabulary of {V}")
    return arr


def one_hot(tokens, V):
    """The token matrix T: column n is the one-hot vector of token n. (N,) ints -> (V, N)."""
    V = check_int(V, "V", 1)
    ids = _token_ids(tokens, V)
    T = np.zeros((V, ids.size))
    T[ids, np.arange(ids.size)] = 1.0
    return T


def embed(tokens, omega_e):
    """Embeddings X = Omega_e T, computed as a column look-up Omega_e[:, tokens].

    tokens (N,) ints; omega_e (D, V). Returns (D, N).
    """
    omega_e = check_ndim(as_float_array(omega_e, "omega_e"), "omega_e", (2,), "(D, V)")
    ids = _token_ids(tokens, omega_e.shape[1])
    return omega_e[:, ids]


# ------------------------------------------------------------------------------------------
# The transformer layer
# ------------------------------------------------------------------------------------------
def layer_norm_tokens(X, gamma, delta, eps=1e-5):
    """Layer norm of each token (column) over its D features, then gamma * . + delta.

    X (D, N); gamma, delta (D,). Biased variance, eps inside the square root (as PyTorch).
    """
    return layer_norm(_tokens(X), gamma, delta, eps)  # tokens are columns, as h's points


_LAYER_KEYS = ("heads", "omega_c", "beta_c", "omega_1", "beta_1", "omega_2", "beta_2",
               "gamma_1", "delta_1", "gamma_2", "delta_2")


def transformer_layer(X, params, mask=None):
    """One transformer layer (post-norm, as in the original transformer and the notes' book).

    X <- LayerNorm[X + MhSa[X]];  X <- LayerNorm[X + beta_2 + Omega_2 ReLU[beta_1 + Omega_1 X]]
    (the fully connected network acts on each token separately). params is a dict with keys
    heads, omega_c, beta_c, omega_1 (D_f, D), beta_1, omega_2 (D, D_f), beta_2, gamma_1,
    delta_1, gamma_2, delta_2 (see ``init_transformer_layer``). X (D, N) -> (D, N).
    """
    X = _tokens(X)
    if not isinstance(params, dict):
        raise InputTypeError(f"params must be a dict with keys {_LAYER_KEYS}; got "
                             f"{type(params).__name__}")
    missing = [k for k in _LAYER_KEYS if k not in params]
    if missing:
        raise ShapeError(f"params is missing {missing}; expected keys {_LAYER_KEYS}")
    p = params
    X = X + multihead_self_attention(X, p["heads"], p["omega_c"], p["beta_c"], mask)  # residual
    X = layer_norm_tokens(X, p["gamma_1"], p["delta_1"])
    b1, o1 = _linear(p["beta_1"], p["omega_1"], "beta_1", "omega_1", X.shape[0])
    b2, o2 = _linear(p["beta_2"], p["omega_2"], "beta_2", "omega_2", o1.shape[0])
    X = X + b2 + o2 @ np.maximum(b1 + o1 @ X, 0.0)  # (D, N): MLP on every column, residual
    return layer_norm_tokens(X, p["gamma_2"], p["delta_2"])


def init_head(D, D_q, D_v, rng, sigma=None):
    """Random parameters of one head: weights N(0, sigma^2) (default 1/sqrt(D)), biases 0."""
    D, D_q, D_v = check_int(D, "D", 1), check_int(D_q, "D_q", 1), check_int(D_v, "D_v", 1)
    s = 1.0 / np.sqrt(D) if sigma is None else float(sigma)
    return {"beta_v": np.zeros(D_v), "omega_v": s * rng.standard_normal((D_v, D)),
            "beta_q": np.zeros(D_q), "omega_q": s * rng.standard_normal((D_q, D)),
            "beta_k": np.zeros(D_q), "omega_k": s * rng.standard_normal((D_q, D))}


def init_transformer_layer(D, H, D_f, rng):
    """Random parameters for ``transformer_layer``: H heads of size D/H, an MLP of width D_f."""
    D, H, D_f = check_int(D, "D", 1), check_int(H, "H", 1), check_int(D_f, "D_f", 1)
    if D % H:
        raise ShapeError(f"D = {D} is not divisible by H = {H}; each head gets D/H dimensions")
    s = 1.0 / np.sqrt(D)
    return {"heads": [init_head(D, D // H, D // H, rng) for _ in range(H)],
            "omega_c": s * rng.standard_normal((D, D)), "beta_c": np.zeros(D),
            "omega_1": s * rng.standard_normal((D_f, D)), "beta_1": np.zeros(D_f),
            "omega_2": rng.standard_normal((D, D_f)) / np.sqrt(D_f), "beta_2": np.zeros(D),
            "gamma_1": np.ones(D), "delta_1": np.zeros(D),
            "gamma_2": np.ones(D), "delta_2": np.zeros(D)}


# ------------------------------------------------------------------------------------------
# Tokenisation: characters, words, byte-pair encoding
# ------------------------------------------------------------------------------------------
def _text(text, name="text"):
    if not isinstance(text, str):
        raise InputTypeError(f"{name} must be a str; got {type(text).__name__}")
    return text


def char_vocab(text):
    """The sorted list of distinct characters of text (the BPE starting vocabulary)."""
    return sorted(set(_text(text)))


def word_tokens(text):
    """Word-level tokens: runs of letters/digits, and every other character on its own."""
    return re.findall(r"\w+|\W", _text(text))


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


def bpe_history(text, n_merges):
    """BPE training with its history: (merges, sequences), sequences[j] the tokens after j merges.

    Steps: 1. start from the characters; 2. count adjacent pairs; 3. merge the most frequent
    (ties: the pair seen first) everywhere; 4. repeat n_merges times, or until no pair occurs
    twice.
    """
    symbols = list(_text(text))
    n_merges = check_int(n_merges, "n_merges", 0)
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


def bpe_train(text, n_merges):
    """Byte-pair encoding: the list of merged pairs (left, right) in the order learned."""
    return bpe_history(text, n_merges)[0]


def bpe_encode(text, merges):
    """Tokenise text with learned merges: characters first, then each merge in order.

    Returns a list of token strings with "".join(tokens) == text.
    """
    symbols = list(_text(text))
    if not isinstance(merges, (list, tuple)):
        raise InputTypeError(f"merges must be a list of (left, right) pairs; got "
                             f"{type(merges).__name__}")
    for j, pair in enumerate(merges):
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(s, str) for s in pair)):
            raise InputTypeError(f"merges[{j}] must be a pair of strings (left, right); got "
                                 f"{pair!r}"[:120])
        symbols = _merge(symbols, tuple(pair), pair[0] + pair[1])
    return symbols


# ------------------------------------------------------------------------------------------
# Generation
# ------------------------------------------------------------------------------------------
def softmax_temperature(logits, T):
    """Next-token probabilities at temperature T: Softmax[logits / T] over axis 0.

    logits (V,) or (V, I). T -> 0 tends to the arg-max; large T tends to uniform.
    """
    z = as_float_array(logits, "logits")
    T = float(check_positive(T, "T"))
    return softmax(z / T, axis=0)  # chapter 02's stable softmax


def bigram_logits(ids, V, alpha=0.5):
    """A character bigram model (a baseline with no attention at all): logits[j, i] =
    log Pr(next = j | current = i) from counts smoothed by alpha. ids (N,) ints -> (V, V)."""
    V = check_int(V, "V", 1)
    ids = _token_ids(ids, V, "ids")
    counts = np.full((V, V), float(alpha))
    np.add.at(counts, (ids[1:], ids[:-1]), 1.0)  # column = current token, row = next
    return np.log(counts / counts.sum(axis=0, keepdims=True))


def sample_bigram(logits, start, n_new, T, rng):
    """Autoregressive sampling from a bigram model at temperature T. Returns (1 + n_new,) ids."""
    P = softmax_temperature(logits, T)  # (V, V): column i is Pr(next | i)
    cdf = np.cumsum(P, axis=0)
    out = [int(start)]
    for u in rng.random(check_int(n_new, "n_new", 0)):
        col = cdf[:, out[-1]]
        out.append(min(int(np.searchsorted(col, u * col[-1])), P.shape[0] - 1))
    return np.array(out)


def cross_attention(X, Z, beta_v, omega_v, beta_q, omega_q, beta_k, omega_k):
    """Encoder-decoder (cross-) attention: queries from the decoder's X, keys and values from
    the encoder's Z.  V = beta_v + Omega_v Z, Q = beta_q + Omega_q X, K = beta_k + Omega_k Z,
    A = Softmax_keys[K^T Q / sqrt(D_q)] (N_z, N_x); returns (V A (D_v, N_x), A)."""
    X = _tokens(X, "X")
    Z = _tokens(Z, "Z")
    b_v, o_v = _linear(beta_v, omega_v, "beta_v", "omega_v", Z.shape[0])
    b_q, o_q = _linear(beta_q, omega_q, "beta_q", "omega_q", X.shape[0])
    b_k, o_k = _linear(beta_k, omega_k, "beta_k", "omega_k", Z.shape[0])
    if o_q.shape[0] != o_k.shape[0]:
        raise ShapeError(f"omega_q has {o_q.shape[0]} rows and omega_k has {o_k.shape[0]}; "
                         "queries and keys need the same dimension D_q")
    Q = b_q + o_q @ X  # (D_q, N_x) decoder queries
    K = b_k + o_k @ Z  # (D_q, N_z) encoder keys
    A = softmax_keys(K.T @ Q / np.sqrt(Q.shape[0]))  # (N_z, N_x)
    return (b_v + o_v @ Z) @ A, A
