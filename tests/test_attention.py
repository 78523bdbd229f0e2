"""dlcore.attention against PyTorch (float64) and closed forms; bad input."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, to_numpy

from dlcore import attention as A


def _head(rng, D, D_q, D_v, bias=True):
    s = (lambda *shape: rng.normal(size=shape)) if bias else (lambda *shape: np.zeros(shape))
    return {"beta_v": s(D_v), "omega_v": rng.normal(size=(D_v, D)),
            "beta_q": s(D_q), "omega_q": rng.normal(size=(D_q, D)),
            "beta_k": s(D_q), "omega_k": rng.normal(size=(D_q, D))}


def _args(h):
    return [h[k] for k in ("beta_v", "omega_v", "beta_q", "omega_q", "beta_k", "omega_k")]


# -- self-attention ------------------------------------------------------------------------
@pytest.mark.parametrize("D,N,D_q,D_v", [(4, 5, 3, 2), (8, 1, 8, 8), (6, 11, 2, 5)])
@pytest.mark.parametrize("masked", [False, True])
def test_self_attention_matches_torch_sdpa(rng, D, N, D_q, D_v, masked):
    X = rng.normal(size=(D, N))
    h = _head(rng, D, D_q, D_v)
    mask = A.causal_mask(N) if masked else None
    got = A.self_attention(X, *_args(h), mask=mask)
    t = torch.tensor
    q = t(h["beta_q"][:, None] + h["omega_q"] @ X).T  # torch keeps tokens as rows
    k = t(h["beta_k"][:, None] + h["omega_k"] @ X).T
    v = t(h["beta_v"][:, None] + h["omega_v"] @ X).T
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None
                                          else t(mask.T), is_causal=False)
    assert_close(got, to_numpy(want).T, what="Sa[X]")


def test_self_attention_formula_by_hand(rng):
    """Column n is sum_m a[x_m, x_n] v_m, with a = softmax over m of k_m.q_n / sqrt(D_q)."""
    D, N, D_q = 3, 4, 2
    X = rng.normal(size=(D, N))
    h = _head(rng, D, D_q, D)
    got = A.self_attention(X, *_args(h))
    V = h["beta_v"][:, None] + h["omega_v"] @ X
    Q = h["beta_q"][:, None] + h["omega_q"] @ X
    K = h["beta_k"][:, None] + h["omega_k"] @ X
    for n in range(N):
        s = np.array([K[:, m] @ Q[:, n] for m in range(N)]) / math.sqrt(D_q)
        a = np.exp(s) / np.exp(s).sum()
        assert_close(got[:, n], sum(a[m] * V[:, m] for m in range(N)), what=f"column {n}")


def test_attention_columns_sum_to_one_and_accept_column_biases(rng):
    X = rng.normal(size=(4, 6))
    h = _head(rng, 4, 3, 4)
    parts = A.attention_parts(X, *_args(h), mask=A.causal_mask(6))
    assert_close(parts["A"].sum(axis=0), np.ones(6))
    assert np.all(parts["A"][np.triu_indices(6, 1)[::-1]] == 0)  # no key after its query
    h2 = {k: (v[:, None] if k.startswith("beta") else v) for k, v in h.items()}
    assert_close(A.self_attention(X, *_args(h2)), A.self_attention(X, *_args(h)))


def test_softmax_is_stable_for_huge_scores():
    s = np.array([[1e4, 0.0], [0.0, -1e4], [-1e4, 1e4]])
    a = A.softmax_keys(s)
    assert np.isfinite(a).all()
    assert_close(a, to_numpy(torch.softmax(torch.tensor(s), dim=0)))


def test_causal_mask_matches_torch():
    for N in (1, 2, 7):
        want = torch.ones(N, N, dtype=torch.bool).tril().numpy().T  # torch: [query, key]
        assert np.array_equal(A.causal_mask(N), want)
        assert A.causal_mask(N).dtype == bool


# -- multi-head attention and the transformer layer ----------------------------------------
def _torch_mha(D, H, rng):
    mha = torch.nn.MultiheadAttention(D, H, bias=True, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.tensor(rng.normal(size=p.shape)))
    return mha


def _heads_from_torch(mha, D, H):
    W = to_numpy(mha.in_proj_weight)  # (3D, D): rows of W_q, then W_k, then W_v
    b = to_numpy(mha.in_proj_bias)
    hd = D // H
    heads = []
    for h in range(H):
        rows = slice(h * hd, (h + 1) * hd)
        heads.append({"omega_q": W[:D][rows], "beta_q": b[:D][rows],
                      "omega_k": W[D:2 * D][rows], "beta_k": b[D:2 * D][rows],
                      "omega_v": W[2 * D:][rows], "beta_v": b[2 * D:][rows]})
    return heads, to_numpy(mha.out_proj.weight), to_numpy(mha.out_proj.bias)


@pytest.mark.parametrize("D,H,N", [(6, 2, 5), (8, 4, 3), (4, 1, 7)])
@pytest.mark.parametrize("masked", [False, True])
def test_multihead_matches_torch(rng, D, H, N, masked):
    mha = _torch_mha(D, H, rng)
    heads, omega_c, beta_c = _heads_from_torch(mha, D, H)
    X = rng.normal(size=(D, N))
    mask = A.causal_mask(N) if masked else None
    got = A.multihead_self_attention(X, heads, omega_c, beta_c, mask=mask)
    xt = torch.tensor(X.T)[None]  # (1, N, D)
    tmask = None if mask is None else torch.tensor(~mask.T)  # torch MHA: True = blocked
    want, _ = mha(xt, xt, xt, attn_mask=tmask, need_weights=False)
    assert_close(got, to_numpy(want[0]).T, what="MhSa[X]")


def test_multihead_without_beta_c(rng):
    heads = [_head(rng, 4, 2, 3) for _ in range(2)]
    omega_c = rng.normal(size=(4, 6))
    X = rng.normal(size=(4, 5))
    stacked = np.vstack([A.self_attention(X, *_args(h)) for h in heads])
    assert_close(A.multihead_self_attention(X, heads, omega_c), omega_c @ stacked)



@pytest.mark.parametrize("D,H,D_f,N", [(8, 2, 16, 5), (6, 3, 4, 4)])
def test_transformer_layer_matches_torch(rng, D, H, D_f, N):
    layer = torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=D_f, dropout=0.0,
                                             activation="relu", batch_first=True,
                                             norm_first=False, dtype=torch.float64)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.tensor(rng.normal(size=p.shape)) * 0.5)
    layer.train()  # the reference (slow) path, dropout is 0
    heads, omega_c, beta_c = _heads_from_torch(layer.self_attn, D, H)
    params = {"heads": heads, "omega_c": omega_c, "beta_c": beta_c,
              "omega_1": to_numpy(layer.linear1.weight), "beta_1": to_numpy(layer.linear1.bias),
              "omega_2": to_numpy(layer.linear2.weight), "beta_2": to_numpy(layer.linear2.bias),
              "gamma_1": to_numpy(layer.norm1.weight), "delta_1": to_numpy(layer.norm1.bias),
              "gamma_2": to_numpy(layer.norm2.weight), "delta_2": to_numpy(layer.norm2.bias)}
    X = rng.normal(size=(D, N))
    got = A.transformer_layer(X, params)
    want = layer(torch.tensor(X.T)[None])[0]
    assert_close(got, to_numpy(want).T, rtol=1e-9, atol=1e-10, what="transformer layer")


def test_layer_norm_tokens_matches_torch(rng):
    X = rng.normal(size=(5, 7)) * 3 + 1
    g, d = rng.normal(size=5), rng.normal(size=5)
    want = F.layer_norm(torch.tensor(X.T), (5,), torch.tensor(g), torch.tensor(d), eps=1e-5)
    assert_close(A.layer_norm_tokens(X, g, d), to_numpy(want).T)


def test_init_transformer_layer_runs(rng):
    p = A.init_transformer_layer(8, 2, 16, rng)
    out = A.transformer_layer(rng.normal(size=(8, 4)), p, mask=A.causal_mask(4))
    assert out.shape == (8, 4) and np.isfinite(out).all()
    assert_close(out.mean(axis=0), np.zeros(4), atol=1e-9)  # gamma = 1, delta = 0 at init


# -- permutation equivariance and position encodings ---------------------------------------
def test_self_attention_is_permutation_equivariant(rng):
    X = rng.normal(size=(4, 6))
    h = _head(rng, 4, 3, 4)
    perm = rng.permutation(6)
    assert_close(A.self_attention(X[:, perm], *_args(h)), A.self_attention(X, *_args(h))[:, perm])
    P = A.sinusoidal_encoding(4, 6)
    with_pos = A.self_attention(X + P, *_args(h))
    shuffled = A.self_attention(X[:, perm] + P, *_args(h))
    assert not np.allclose(shuffled, with_pos[:, perm])  # positions break the symmetry


@pytest.mark.parametrize("D,N", [(1, 1), (4, 9), (7, 5), (16, 30)])
def test_sinusoidal_encoding_closed_form(D, N):
    got = A.sinusoidal_encoding(D, N)
    want = np.zeros((D, N))
    for n in range(N):
        for d in range(D):
            i = d // 2
            angle = n / 10000 ** (2 * i / D)
            want[d, n] = math.sin(angle) if d % 2 == 0 else math.cos(angle)
    assert_close(got, want)


def test_sinusoidal_encoding_matches_pytorch_tutorial():
    D, N = 16, 12
    pos = torch.arange(N, dtype=torch.float64)[:, None]
    div = torch.exp(torch.arange(0, D, 2, dtype=torch.float64) * (-math.log(10000.0) / D))
    pe = torch.zeros(N, D, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    assert_close(A.sinusoidal_encoding(D, N), to_numpy(pe).T)


def test_relative_position_bias(rng):
    N = 5
    pi = rng.normal(size=2 * N - 1)
    P = A.relative_position_bias(pi, N)
    for a in range(N):
        for b in range(N):
            assert P[a, b] == pi[a - b + N - 1]
    parts = A.attention_parts(rng.normal(size=(3, N)), *_args(_head(rng, 3, 2, 3)), pos_bias=P)
    assert_close(parts["S"], (parts["K"].T @ parts["Q"] + P) / math.sqrt(2))


@pytest.mark.parametrize("N", [1, 3, 5, 9])
def test_relative_position_bias_serves_any_length(rng, N):
    """pi learned for 5 tokens (offsets -4..4) gives every N a term constant on each diagonal;
    offsets beyond +-4 take the farthest learned value."""
    pi = rng.normal(size=9)
    P = A.relative_position_bias(pi, N)
    assert P.shape == (N, N)
    for a in range(N):
        for b in range(N):
            assert P[a, b] == pi[min(max(a - b, -4), 4) + 4]
    if N <= 5:
        assert_close(P, A.relative_position_bias(pi, 5)[:N, :N])


# -- tokens and embeddings -----------------------------------------------------------------
def test_one_hot_and_embedding_lookup(rng):
    V, D = 7, 3
    ids = np.array([3, 0, 6, 3])
    T = A.one_hot(ids, V)
    assert_close(T, to_numpy(F.one_hot(torch.tensor(ids), V)).T)
    omega_e = rng.normal(size=(D, V))
    assert_close(A.embed(ids, omega_e), omega_e @ T)
    assert_close(A.embed(ids, omega_e), to_numpy(F.embedding(torch.tensor(ids),
                                                             torch.tensor(omega_e.T))).T)



def test_token_contracts_check_the_vocabulary(rng):
    omega_e = rng.normal(size=(3, 5))
    assert_close(A.embed([4, 0, 4], omega_e), omega_e[:, [4, 0, 4]])
    for call in (lambda: A.embed(np.array([-1]), omega_e), lambda: A.one_hot(np.array([5]), 5),
                 lambda: A.bigram_logits(np.array([0, 3]), 3)):
        with pytest.raises(ValueError, match=r"(tokens|ids) has indices in .*; expected 0\.\.") as info:
            call()
        assert "\n" not in str(info.value)
    with pytest.raises(TypeError, match="tokens must be integer token indices"):
        A.embed(np.array([0.0, 1.0]), omega_e)

def test_bpe_worked_example():
    # aaabdaaabac: "aa" occurs 4 times; then "aa"+"a" and "a"+"b" tie at 2 and ("aa", "a")
    # is seen first; then ("aaa", "b") occurs twice; then no pair occurs twice: stop.
    merges = A.bpe_train("aaabdaaabac", 10)
    assert merges == [("a", "a"), ("aa", "a"), ("aaa", "b")]
    assert A.bpe_encode("aaabdaaabac", merges) == ["aaab", "d", "aaab", "a", "c"]


def test_bpe_spaces_and_round_trip():
    from dlcore.corpus import CORPUS

    merges = A.bpe_train(CORPUS, 40)
    assert len(merges) == 40
    assert ("e", " ") in merges[:5] or (" ", "t") in merges[:5]  # spaces are symbols too
    for text in (CORPUS[:500], "an unseen sentence, with Capitals!", ""):
        tokens = A.bpe_encode(text, merges)
        assert "".join(tokens) == text
    assert len(A.bpe_encode(CORPUS, merges)) < len(CORPUS)


def test_bpe_history_lengths_shrink():
    merges, seqs = A.bpe_history("the cat and the hat and the bat", 50)
    assert len(seqs) == len(merges) + 1
    lengths = [len(s) for s in seqs]
    assert all(b < a for a, b in itertools.pairwise(lengths))
    assert A.bpe_train("abc", 5) == []  # no pair occurs twice


def test_word_tokens_round_trip():
    text = "the lamp, the light."
    assert A.word_tokens(text) == ["the", " ", "lamp", ",", " ", "the", " ", "light", "."]
    assert "".join(A.word_tokens(text)) == text


# -- generation, entropy, scaling ----------------------------------------------------------
@pytest.mark.parametrize("T", [0.05, 1.0, 7.0])
def test_softmax_temperature_matches_torch(rng, T):
    z = rng.normal(size=(9, 3)) * 4
    assert_close(A.softmax_temperature(z, T), to_numpy(torch.softmax(torch.tensor(z) / T, 0)))


def test_attention_entropy_matches_torch(rng):
    P = rng.dirichlet(np.ones(6), size=4).T  # (6 keys, 4 queries)
    P[:, 0] = [1, 0, 0, 0, 0, 0]
    want = torch.distributions.Categorical(probs=torch.tensor(P.T)).entropy()
    assert_close(A.attention_entropy(P), to_numpy(want))


@pytest.mark.parametrize("D_q", [1, 16, 256])
def test_score_variance_grows_with_D_q(D_q):
    s = A.score_samples(D_q, 20000, np.random.default_rng(0), scale=False)
    assert abs(s.var() / D_q - 1) < 0.06
    t = A.score_samples(D_q, 20000, np.random.default_rng(0), scale=True)
    assert abs(t.var() - 1) < 0.06



@pytest.mark.parametrize("D_q,N_q,N_k", [(1, 1, 10), (16, 200, 10), (64, 3, 7)])
def test_random_scores_are_key_query_dot_products(D_q, N_q, N_k):
    rng = np.random.default_rng(D_q)
    Q, K = rng.standard_normal((D_q, N_q)), rng.standard_normal((D_q, N_k))  # Q first, then K
    S = A.random_scores(D_q, N_q, N_k, np.random.default_rng(D_q), scale=False)
    assert S.shape == (N_k, N_q)
    assert_close(S, to_numpy(torch.einsum("dm,dn->mn", torch.tensor(K), torch.tensor(Q))))
    assert_close(A.random_scores(D_q, N_q, N_k, np.random.default_rng(D_q)), S / math.sqrt(D_q))


def test_random_scores_variance_is_D_q_unless_scaled():
    S = A.random_scores(256, 400, 50, np.random.default_rng(1), scale=False)
    assert abs(S.var() / 256 - 1) < 0.05
    assert abs(A.random_scores(256, 400, 50, np.random.default_rng(1)).var() - 1) < 0.05

# -- the tiny GPT --------------------------------------------------------------------------
def test_tiny_gpt_attention_is_numpy_masked_multihead(rng):
    from dlcore import attention_torch as AT

    cfg = AT.GPTConfig(V=5, N=6, D=8, H=2, L=1, D_f=8)
    att = AT.CausalSelfAttention(cfg).double()
    X = rng.normal(size=(8, 6))
    W = to_numpy(att.qkv.weight)
    b = to_numpy(att.qkv.bias)
    heads = []
    for h in range(2):
        r = slice(4 * h, 4 * h + 4)
        heads.append({"omega_q": W[:8][r], "beta_q": b[:8][r], "omega_k": W[8:16][r],
                      "beta_k": b[8:16][r], "omega_v": W[16:][r], "beta_v": b[16:][r]})
    got = A.multihead_self_attention(X, heads, to_numpy(att.out.weight), to_numpy(att.out.bias),
                                     mask=A.causal_mask(6))
    want = att(torch.tensor(X.T)[None])[0]
    assert_close(got, to_numpy(want).T, what="CausalSelfAttention")


def test_tiny_gpt_cannot_see_the_future():
    from dlcore import attention_torch as AT

    torch.manual_seed(0)
    model = AT.TinyGPT(AT.GPTConfig(V=6, N=8, D=8, H=2, L=2, D_f=8)).eval()
    ids = torch.tensor([[1, 2, 3, 4, 5, 0, 1, 2]])
    changed = ids.clone()
    changed[0, 5:] = torch.tensor([3, 3, 3])
    with torch.no_grad():
        a, b = model(ids), model(changed)
    assert torch.allclose(a[0, :5], b[0, :5])
    assert not torch.allclose(a[0, 5:], b[0, 5:])
    out = AT.generate(model, [1, 2], 5, temperature=0.7, seed=1)
    assert out.shape == (7,) and list(out[:2]) == [1, 2] and out.max() < 6


# -- the tiny BERT (an encoder: the same layers without the causal mask) --------------------
def _numpy_heads(att, D, H):
    """The heads of a torch attention layer as dicts for dlcore.attention."""
    W, b = to_numpy(att.qkv.weight), to_numpy(att.qkv.bias)
    d = D // H
    return [{"omega_q": W[:D][d * h:d * h + d], "beta_q": b[:D][d * h:d * h + d],
             "omega_k": W[D:2 * D][d * h:d * h + d], "beta_k": b[D:2 * D][d * h:d * h + d],
             "omega_v": W[2 * D:][d * h:d * h + d], "beta_v": b[2 * D:][d * h:d * h + d]}
            for h in range(H)]


def test_encoder_attention_is_numpy_multihead_without_mask(rng):
    from dlcore import attention_torch as AT

    cfg = AT.BERTConfig(V=7, N=6, D=8, H=2, L=1, D_f=8)
    att = AT.CausalSelfAttention(cfg, causal=False).double()
    X = rng.normal(size=(8, 6))
    got = A.multihead_self_attention(X, _numpy_heads(att, 8, 2), to_numpy(att.out.weight),
                                     to_numpy(att.out.bias))  # no mask
    want = att(torch.tensor(X.T)[None])[0]
    assert_close(got, to_numpy(want).T, what="encoder attention")


def test_encoder_relative_positions_match_numpy_pos_bias(rng):
    """With R > 0 each head adds pi_{key - query} (clipped to -R..R) to its scores:
    attention_parts(..., pos_bias=relative_position_bias(pi, N)) per head, where the torch
    parameter is pi / sqrt(D_q) (it is added after the division)."""
    from dlcore import attention_torch as AT

    cfg = AT.BERTConfig(V=7, N=9, D=8, H=2, L=1, D_f=8, R=2)
    att = AT.CausalSelfAttention(cfg, causal=False).double()
    with torch.no_grad():
        att.rel.copy_(torch.tensor(rng.normal(size=(2, 5)) * 3))
    X = rng.normal(size=(8, 9))
    heads = _numpy_heads(att, 8, 2)
    pi = 2.0 * to_numpy(att.rel)  # the parameter is pi / sqrt(D_q), with D_q = 8 / 2 = 4
    outs = [A.attention_parts(X, **heads[h], pos_bias=A.relative_position_bias(pi[h], 9))["Sa"]
            for h in range(2)]
    got = to_numpy(att.out.bias)[:, None] + to_numpy(att.out.weight) @ np.vstack(outs)
    want = att(torch.tensor(X.T)[None])[0]
    assert_close(got, to_numpy(want).T, what="encoder attention with relative positions")


def test_encoder_ignores_padding_keys(rng):
    from dlcore import attention_torch as AT

    cfg = AT.BERTConfig(V=7, N=6, D=8, H=2, L=1, D_f=8)
    att = AT.CausalSelfAttention(cfg, causal=False).double()
    X = rng.normal(size=(8, 6))
    key_ok = torch.tensor([[True, True, True, True, False, False]])
    got = att(torch.tensor(X.T)[None], key_ok)[0, :4]
    want = A.multihead_self_attention(X[:, :4], _numpy_heads(att, 8, 2),
                                      to_numpy(att.out.weight), to_numpy(att.out.bias))
    assert_close(to_numpy(got).T, want, what="outputs of the 4 real tokens")


def test_tiny_bert_sees_both_sides_and_not_the_padding():
    from dlcore import attention_torch as AT

    torch.manual_seed(0)
    model = AT.TinyBERT(AT.BERTConfig(V=9, N=10, D=8, H=2, L=2, D_f=8, R=2)).eval()
    ids = torch.tensor([[3, 5, 6, 7, 8, 4, 0, 0]])
    changed = ids.clone()
    changed[0, 4] = 5  # a later word
    padded_more = torch.tensor([[3, 5, 6, 7, 8, 4, 0, 0, 0, 0]])
    with torch.no_grad():
        a, b, c = model(ids), model(changed), model(padded_more)
    assert not torch.allclose(a[0, 0], b[0, 0])  # <cls> (and every token) sees the future
    assert torch.allclose(a[0, :6], c[0, :6], atol=1e-6)  # extra padding changes nothing
    assert a.shape == (1, 8, 8) and model.mlm_head(a).shape == (1, 8, 9)


def test_mlm_loss_counts_only_the_masked_positions(rng):
    from dlcore import attention_torch as AT

    logits = rng.normal(size=(3, 5, 7))
    targets = np.full((3, 5), AT.IGNORE)
    chosen = [(0, 1), (1, 4), (2, 0), (2, 3)]
    for r, c in chosen:
        targets[r, c] = rng.integers(7)
    by_hand = np.mean([np.log(np.exp(logits[r, c]).sum()) - logits[r, c, targets[r, c]]
                       for r, c in chosen])
    got = AT.mlm_loss(torch.tensor(logits), torch.tensor(targets)).item()
    assert abs(got - by_hand) < 1e-12


def test_masking_rule_15_percent_then_80_10_10():
    from dlcore import attention_torch as AT

    V, mask_id = 1000, 2
    ids = np.random.default_rng(1).integers(5, V, size=(100, 400))
    maskable = np.ones(ids.shape, dtype=bool)
    maskable[:, 0] = maskable[:, -50:] = False  # <cls> and padding
    inputs, targets = AT.mask_tokens(ids, maskable, np.random.default_rng(0), V, mask_id)
    chosen = targets != AT.IGNORE
    assert not chosen[~maskable].any() and np.array_equal(inputs[~maskable], ids[~maskable])
    assert np.array_equal(targets[chosen], ids[chosen])  # the targets are the originals
    assert abs(chosen.sum() / maskable.sum() - 0.15) < 0.005
    to_mask = (inputs == mask_id) & chosen
    kept = (inputs == ids) & chosen
    swapped = chosen & ~to_mask & ~kept
    assert abs(to_mask.sum() / chosen.sum() - 0.8) < 0.01
    assert abs(kept.sum() / chosen.sum() - 0.1) < 0.01
    assert abs(swapped.sum() / chosen.sum() - 0.1) < 0.01
    assert inputs[swapped].min() >= 5 and inputs[swapped].max() < V  # never a special token
    again, _ = AT.mask_tokens(ids, maskable, np.random.default_rng(0), V, mask_id)
    assert np.array_equal(again, inputs)  # a fixed seed gives the same masks


@pytest.mark.parametrize("n_first", [10, 11])
def test_nsp_pairs_half_true_and_true_pairs_are_consecutive(n_first):
    from dlcore import attention_torch as AT

    first = np.arange(n_first) * 3
    a, b, is_next = AT.nsp_pairs(first, 40, np.random.default_rng(2), far=8)
    assert np.array_equal(a, first) and is_next.sum() == n_first // 2
    assert np.array_equal(b[is_next == 1], a[is_next == 1] + 1)
    assert np.all(np.abs(b[is_next == 0] - a[is_next == 0]) >= 8)
    assert b.min() >= 0 and b.max() < 40


def test_vocabulary_and_packing():
    from dlcore import attention_torch as AT

    vocab = AT.WordVocab([["the", "cat", "sat"], ["the", "cat", "ran"]])
    assert vocab.vocab == ["<pad>", "<unk>", "<mask>", "<cls>", "<sep>", "cat", "the"]
    assert list(vocab.encode(["the", "dog"])) == [6, 1]
    ids, seg, word = AT.pack(vocab, ["the", "cat"], ["a", "cat"], N=9)
    assert list(ids) == [3, 6, 5, 4, 1, 5, 4, 0, 0]  # <cls> A <sep> B <sep> <pad> <pad>
    assert list(seg) == [0, 0, 0, 0, 1, 1, 1, 0, 0]
    assert list(word) == [False, True, True, False, True, True, False, False, False]


def test_mlm_heldout_baselines_by_hand():
    """'the' and the left bigram on a held-out line, counted by hand."""
    from dlcore import attention_torch as AT

    S = [["the", "cat", "sat"], ["the", "cat", "sat"], ["the", "dog", "ran"],
         ["a", "cat", "ran"], ["a", "dog", "ran"], ["the", "dog", "ran"]]
    vocab = AT.WordVocab(S[:5])
    torch.manual_seed(0)
    model = AT.TinyBERT(AT.BERTConfig(V=len(vocab), N=8, D=8, H=2, L=1, D_f=8)).eval()
    got = AT.mlm_heldout(model, vocab, S, held=[5], train=range(5))
    # bigram guesses: after <cls> "the" (3 of 5), after "the" "cat" (2 of 3), after "dog" "ran"
    assert got["n"] == 3 and got["the"] == 1 / 3 and got["bigram"] == 2 / 3
    assert got["bert"] in (0, 1 / 3, 2 / 3, 1)


def test_word_roles_and_tagging_targets():
    from dlcore import attention_torch as AT

    assert [AT.word_role(w) for w in ("keeper", "climbed", "the", ",")] == [0, 1, 2, 2]
    S = [["the", "cat", "sat", "."], ["the", "cat", "ran", "."]]
    vocab = AT.WordVocab(S)
    ids, targets = AT.tagging_data(vocab, S, [1], N=7)
    assert list(targets[0]) == [AT.IGNORE, 2, 0, 1, 2, AT.IGNORE, AT.IGNORE]
    model = AT.TokenTagger(AT.TinyBERT(AT.BERTConfig(V=len(vocab), N=8, D=8, H=2, L=1,
                                                     D_f=8)), 3)
    losses = AT.finetune(model, ids, targets, steps=30, lr=1e-2)
    assert losses[-1] < losses[0]
    assert model(torch.as_tensor(ids)).shape == (1, 7, 3)


def test_sentence_head_learns_a_keyword():
    from dlcore import attention_torch as AT

    S = [["the", "cat", "sat", "."], ["the", "boat", "sat", "."], ["a", "cat", "ran", "."],
         ["a", "boat", "ran", "."]]
    vocab = AT.WordVocab(S, min_count=1)
    ids = np.stack([AT.pack(vocab, s, N=6)[0] for s in S])
    labels = AT.about_the_cat(S)
    assert list(labels) == [1, 0, 1, 0]
    torch.manual_seed(0)
    model = AT.SentenceClassifier(AT.TinyBERT(AT.BERTConfig(V=len(vocab), N=8, D=8, H=2, L=1,
                                                            D_f=8, dropout=0.0)))
    losses = AT.finetune(model, ids, labels, steps=60, lr=1e-2)
    with torch.no_grad():
        out = model(torch.as_tensor(ids))
    assert out.shape == (4,) and losses[-1] < 0.5 * losses[0]
    assert np.array_equal((out > 0).numpy(), labels == 1)


def test_bert_sweep_file_matches_the_code():
    """The committed numbers of scripts/bert_sweep.py: provenance, the settings of today's
    code, and the two baselines recomputed (they depend on the data only)."""
    import json
    from dataclasses import asdict
    from importlib.resources import files

    from dlcore import attention_torch as AT
    from dlcore.corpus import CORPUS

    s = json.loads(files("dlcore").joinpath("bert_sweep.json").read_text())
    S, held, train, vocab, cfg = AT.bert_data(CORPUS)
    assert s["produced_by"] == "scripts/bert_sweep.py"
    assert s["config"] == asdict(cfg) and s["pretrain_settings"] == AT.BERT_SETTINGS
    torch.manual_seed(0)
    untrained = AT.TinyBERT(cfg).eval()
    base = AT.mlm_heldout(untrained, vocab, S, held, train)
    for run in s["pretrain"]:
        assert run["the"] == round(base["the"], 4) and run["bigram"] == round(base["bigram"], 4)
        assert run["n_words"] == base["n"]
    for task, counts in (("token", [2, 4, 8, 16, 32]), ("sentence", [2, 4, 8, 16])):
        rows = s["finetuning"][task]
        assert sorted({r["n_labelled"] for r in rows}) == counts
        assert all(0 <= r[k] <= 1 for r in rows for k in ("pretrained", "scratch", "majority"))


# -- bad input: one line naming the argument -----------------------------------------------
def test_bad_input(rng):
    X = rng.normal(size=(4, 5))
    h = _head(rng, 4, 3, 2)
    args = _args(h)
    with pytest.raises(ValueError, match="X"):
        A.self_attention(X[:, 0], *args)
    bad = list(args)
    bad[3] = rng.normal(size=(3, 5))
    with pytest.raises(ValueError, match="omega_q"):
        A.self_attention(X, *bad)
    bad = list(args)
    bad[5] = rng.normal(size=(2, 4))
    with pytest.raises(ValueError, match="omega_k"):
        A.self_attention(X, *bad)
    with pytest.raises(ValueError, match="beta_v"):
        A.self_attention(X, np.zeros(7), *args[1:])
    with pytest.raises(ValueError, match="mask"):
        A.self_attention(X, *args, mask=np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="mask"):
        A.self_attention(X, *args, mask=np.zeros((5, 5), bool))
    with pytest.raises(TypeError, match="mask"):
        A.self_attention(X, *args, mask=np.full((5, 5), 0.5))
    with pytest.raises(TypeError, match="X"):
        A.self_attention("tokens", *args)
    with pytest.raises(TypeError, match="heads"):
        A.multihead_self_attention(X, h, np.eye(4))
    with pytest.raises(TypeError, match="heads .* got an empty list"):
        A.multihead_self_attention(X, [], np.eye(4))
    with pytest.raises(ValueError, match="omega_c"):
        A.multihead_self_attention(X, [h], np.eye(4))
    with pytest.raises(ValueError, match="N"):
        A.causal_mask(0)
    with pytest.raises(TypeError, match="D"):
        A.sinusoidal_encoding(2.5, 3)
    with pytest.raises(TypeError, match="text"):
        A.bpe_train(["a", "b"], 3)
    with pytest.raises(ValueError, match="n_merges"):
        A.bpe_train("abab", -1)
    with pytest.raises(TypeError, match="merges"):
        A.bpe_encode("abab", [("a", "b", "c")])
    with pytest.raises(ValueError, match="tokens"):
        A.embed(np.array([0, 9]), np.zeros((3, 5)))
    with pytest.raises(TypeError, match="tokens"):
        A.one_hot(np.array([0.5]), 3)
    with pytest.raises(ValueError, match="pi"):
        A.relative_position_bias(np.zeros(4), 3)
    with pytest.raises(ValueError, match="T"):
        A.softmax_temperature(np.zeros(3), 0.0)
    with pytest.raises(ValueError) as info:
        A.self_attention(X, *bad)
    assert "\n" not in str(info.value)


# -- cross-attention and the bigram baseline -----------------------------------------------
@pytest.mark.parametrize("N_x,N_z", [(3, 5), (4, 1), (6, 6)])
def test_cross_attention_matches_torch_sdpa(rng, N_x, N_z):
    X, Z = rng.normal(size=(4, N_x)), rng.normal(size=(5, N_z))
    b_v, o_v = rng.normal(size=3), rng.normal(size=(3, 5))
    b_q, o_q = rng.normal(size=2), rng.normal(size=(2, 4))
    b_k, o_k = rng.normal(size=2), rng.normal(size=(2, 5))
    out, A_ = A.cross_attention(X, Z, b_v, o_v, b_q, o_q, b_k, o_k)
    t = torch.tensor
    q = t(b_q[:, None] + o_q @ X).T
    k = t(b_k[:, None] + o_k @ Z).T
    v = t(b_v[:, None] + o_v @ Z).T
    assert_close(out, to_numpy(F.scaled_dot_product_attention(q, k, v)).T, what="cross")
    assert A_.shape == (N_z, N_x)
    with pytest.raises(ValueError, match="omega_k"):
        A.cross_attention(X, Z, b_v, o_v, b_q, o_q, b_k, rng.normal(size=(2, 4)))


def test_bigram_logits_and_sampling():
    ids = np.array([0, 1, 0, 1, 0, 2])
    L = A.bigram_logits(ids, 3, alpha=0.0 + 1e-12)
    P = np.exp(L)
    assert_close(P.sum(axis=0), np.ones(3))
    assert_close(P[:, 0], [0, 2 / 3, 1 / 3], atol=1e-9)  # after 0: 1 twice, 2 once
    out = A.sample_bigram(L, 1, 20, 1.0, np.random.default_rng(0))
    assert out.shape == (21,) and out[0] == 1
    assert all(b == 0 for a, b in itertools.pairwise(out) if a == 1)  # 1 is always followed by 0


# -- the chapter's exercises: the solutions shown to students (NumPy only) agree with dlcore ----
def test_exercise_solutions_agree_with_dlcore(rng):
    from dlcore.exercises import chapter

    ex = chapter(10)
    attend, causal, temperature = ex.self_attention, ex.causal_mask, ex.temperature
    for D, N, D_q, D_v in ((4, 5, 3, 2), (6, 1, 2, 6)):
        X = rng.normal(size=(D, N))
        o_q, o_k, o_v = (rng.normal(size=(d, D)) for d in (D_q, D_q, D_v))
        head = dict(beta_v=np.zeros(D_v), omega_v=o_v, beta_q=np.zeros(D_q), omega_q=o_q,
                    beta_k=np.zeros(D_q), omega_k=o_k)
        assert_close(attend.reference(X, o_q, o_k, o_v), A.self_attention(X, **head))
    import torch

    for N in (1, 4, 7):   # the additive mask: 0 where the boolean mask allows, -inf elsewhere
        np.testing.assert_array_equal(causal.reference(N), np.where(A.causal_mask(N), 0.0, -np.inf))
        torch_mask = torch.nn.Transformer.generate_square_subsequent_mask(N, dtype=torch.float64)
        np.testing.assert_array_equal(causal.reference(N), torch_mask.numpy().T)  # [query, key]
    assert_close(temperature.value, A.softmax_temperature(np.array([2.0, 1.0, 0.0, -1.0]), 0.5))
    for D, N in ((1, 3), (6, 5), (7, 9), (64, 20)):
        assert_close(ex.sinusoidal.reference(D, N), A.sinusoidal_encoding(D, N))
    for V, N, k in ((7, 4, 3), (5, 1, 5), (9, 6, 1)):
        p = rng.dirichlet(np.ones(V), size=N).T
        assert_close(ex.top_k_filter.reference(p, k), A.top_k_filter(p, k))


# -- decoding: top-k, nucleus, beam search ---------------------------------------------------
def _top_k_by_sorting(p, k):
    """The definition, one column at a time: zero all but the k largest, renormalise."""
    out = np.zeros_like(p)
    for n in range(p.shape[1]):
        keep = sorted(range(p.shape[0]), key=lambda v: (-p[v, n], v))[:k]
        out[keep, n] = p[keep, n] / p[keep, n].sum()
    return out


def _top_p_by_subsets(p, top_p):
    """The definition by brute force: the smallest set of tokens with mass >= top_p, made of
    the largest probabilities (the sorted-cumsum prefix of the first size that reaches it)."""
    out = np.zeros_like(p)
    for n in range(p.shape[1]):
        col = p[:, n] / p[:, n].sum()
        order = sorted(range(len(col)), key=lambda v: (-col[v], v))
        size = next(m for m in range(1, len(col) + 1)
                    if col[order[:m]].sum() >= top_p - 1e-12)
        keep = order[:size]
        out[keep, n] = col[keep] / col[keep].sum()
    return out


@pytest.mark.parametrize("V,N", [(5, 1), (7, 4), (30, 3)])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_top_k_filter_matches_sorting_and_torch_topk(rng, V, N, k):
    p = rng.dirichlet(np.ones(V), size=N).T  # (V, N)
    got = A.top_k_filter(p, k)
    assert_close(got, _top_k_by_sorting(p, k), what="top-k")
    values, idx = torch.topk(torch.tensor(p), k, dim=0)  # no ties in random p
    want = torch.zeros_like(torch.tensor(p)).scatter(0, idx, values / values.sum(0))
    assert_close(got, to_numpy(want), what="top-k vs torch.topk")
    assert_close(A.top_k_filter(p[:, 0], k), got[:, 0], what="1-D p")  # (V,) gives (V,)
    assert (got > 0).sum(axis=0).tolist() == [k] * N


def test_top_k_filter_edge_cases():
    p = np.array([0.1, 0.4, 0.3, 0.2])
    assert_close(A.top_k_filter(p, 4), p, what="k = V keeps everything")
    assert_close(A.top_k_filter(p, 1), [0, 1, 0, 0], what="k = 1 is the arg-max")
    ties = np.array([0.3, 0.2, 0.3, 0.2])
    assert_close(A.top_k_filter(ties, 1), [1, 0, 0, 0], what="a tie goes to the lower index")
    assert_close(A.top_k_filter(ties, 3), [0.375, 0.25, 0.375, 0], what="exactly k kept")
    with pytest.raises(ValueError, match="k = 5"):
        A.top_k_filter(p, 5)
    with pytest.raises(ValueError, match="p"):
        A.top_k_filter(np.array([0.5, -0.1, 0.6]), 1)


@pytest.mark.parametrize("V,N", [(5, 1), (8, 5), (40, 3)])
@pytest.mark.parametrize("top_p", [0.05, 0.3, 0.5, 0.9, 0.999, 1.0])
def test_top_p_filter_matches_brute_force(rng, V, N, top_p):
    p = rng.dirichlet(0.5 * np.ones(V), size=N).T  # (V, N), peaked columns
    got = A.top_p_filter(p, top_p)
    assert_close(got, _top_p_by_subsets(p, top_p), what="nucleus")
    assert_close(got.sum(axis=0), np.ones(N), what="columns sum to one")
    assert_close(A.top_p_filter(p[:, 0], top_p), got[:, 0], what="1-D p")


def test_top_p_filter_edge_cases():
    p = np.array([0.1, 0.4, 0.3, 0.2])
    assert_close(A.top_p_filter(p, 1.0), p, what="top_p = 1 keeps everything")
    assert_close(A.top_p_filter(p, 0.01), [0, 1, 0, 0], what="always the largest")
    assert_close(A.top_p_filter(p, 0.4), [0, 1, 0, 0], what="0.4 reached by one token")
    assert_close(A.top_p_filter(p, 0.7), [0, 4 / 7, 3 / 7, 0], what="0.4 + 0.3 = 0.7 exactly")
    assert_close(A.top_p_filter(p, 0.71), [0, 4 / 9, 3 / 9, 2 / 9], what="just over 0.7")
    assert_close(A.top_p_filter(2 * p, 0.7), [0, 4 / 7, 3 / 7, 0], what="unnormalised p")
    ties = np.array([0.3, 0.2, 0.3, 0.2])
    assert_close(A.top_p_filter(ties, 0.3), [1, 0, 0, 0], what="a tie goes to the lower index")
    with pytest.raises(ValueError, match="top_p"):
        A.top_p_filter(p, 0.0)
    with pytest.raises(ValueError, match="top_p"):
        A.top_p_filter(p, 1.5)


def _random_model(rng, V):
    """log Pr(next | tokens) depending on the last two tokens: a fixed random table."""
    table = np.log(rng.dirichlet(0.7 * np.ones(V), size=(V + 1, V + 1)))  # (V+1, V+1, V)

    def log_prob_fn(tokens):
        a = tokens[-2] if len(tokens) > 1 else V
        b = tokens[-1] if tokens else V
        return table[a, b]
    return log_prob_fn


def _exhaustive(log_prob_fn, start, V, steps):
    """The most probable continuation, by scoring every one of the V**steps."""
    best, best_score = None, -np.inf
    for tail in itertools.product(range(V), repeat=steps):
        seq, score = list(start), 0.0
        for t in tail:
            score += log_prob_fn(seq)[t]
            seq.append(t)
        if score > best_score + 1e-12:
            best, best_score = seq, score
    return best, best_score


@pytest.mark.parametrize("V,steps", [(2, 1), (3, 3), (4, 3), (3, 4)])
def test_beam_search_wide_enough_is_exhaustive(rng, V, steps):
    fn = _random_model(rng, V)
    want, want_score = _exhaustive(fn, [0], V, steps)
    tokens, score = A.beam_search(fn, [0], V ** (steps - 1), steps)
    assert tokens == want
    assert math.isclose(score, want_score, rel_tol=1e-12)
    for width in (1, 2, V):  # narrower beams never beat the exhaustive optimum
        assert A.beam_search(fn, [0], width, steps)[1] <= want_score + 1e-12


@pytest.mark.parametrize("V,steps", [(3, 4), (5, 3)])
def test_beam_width_one_is_greedy(rng, V, steps):
    fn = _random_model(rng, V)
    seq, score = [1, 2], 0.0
    for _ in range(steps):  # greedy: always the arg-max, its log-probability added
        logp = fn(seq)
        score += logp.max()
        seq.append(int(np.argmax(logp)))
    tokens, got = A.beam_search(fn, [1, 2], 1, steps)
    assert tokens == seq and math.isclose(got, score, rel_tol=1e-12)


def test_beam_search_finds_what_greedy_misses():
    def fn(tokens):  # greedy takes 0 (0.6) then 0 (0.55): 0.33; the beam finds 1 then 0: 0.396
        if len(tokens) == 1:
            return np.log([0.6, 0.4])
        return np.log([0.55, 0.45]) if tokens[-1] == 0 else np.log([0.99, 0.01])
    assert A.beam_search(fn, [0], 1, 2)[0] == [0, 0, 0]
    tokens, score = A.beam_search(fn, [0], 2, 2)
    assert tokens == [0, 1, 0] and math.isclose(score, math.log(0.4 * 0.99))
    assert A.beam_search(fn, [0], 3, 0) == ([0], 0.0)  # no steps: the start, score 0
    ties = A.beam_search(lambda t: np.log([0.5, 0.5]), [], 1, 3)  # ties: the lower token
    assert ties[0] == [0, 0, 0] and math.isclose(ties[1], 3 * math.log(0.5))
    with pytest.raises(ValueError, match="width"):
        A.beam_search(fn, [0], 0, 2)
    with pytest.raises(TypeError, match="start"):
        A.beam_search(fn, "ab", 1, 2)


def test_sample_decode_settings_by_column(rng):
    V = 6
    table = rng.normal(size=(V, V))  # a bigram model: logits of next given the last token

    def logits_fn(seqs):
        return table[:, [s[-1] for s in seqs]]  # (V, B)

    T = np.array([1.0, 1.0, 1.0, 0.5, 2.0])
    k = np.array([1, V, V, 3, V])
    top_p = np.array([1.0, 1e-9, 1.0, 1.0, 0.8])
    seqs = A.sample_decode(logits_fn, [2], 30, T, k, top_p, np.random.default_rng(0))
    greedy = [2]
    for _ in range(30):
        greedy.append(int(np.argmax(table[:, greedy[-1]])))
    assert seqs[0] == greedy and seqs[1] == greedy  # k = 1 and a tiny nucleus are greedy
    for s, kk, TT, pp in zip(seqs, k, T, top_p):  # every token was allowed by its filter
        for a, b in itertools.pairwise(s):
            q = A.top_p_filter(A.top_k_filter(A.softmax_temperature(table[:, a], TT), int(kk)),
                               float(pp))
            assert q[b] > 0
    # untouched settings sample from Softmax[f]: frequencies of the next token after token 2
    many = A.sample_decode(logits_fn, [2], 1, np.ones(4000), np.full(4000, V),
                           np.ones(4000), np.random.default_rng(1))
    # one shared uniform per step, so draw across steps instead: repeat with fresh rngs
    firsts = [A.sample_decode(logits_fn, [2], 1, np.ones(1), np.full(1, V), np.ones(1),
                              np.random.default_rng(s))[0][1] for s in range(3000)]
    freq = np.bincount(firsts, minlength=V) / 3000
    assert np.abs(freq - A.softmax_temperature(table[:, 2], 1.0)).max() < 0.035
    assert len({s[1] for s in many}) == 1  # common random numbers: same draw for every column
    with pytest.raises(ValueError, match="top_p"):
        A.sample_decode(logits_fn, [2], 3, np.ones(2), np.full(2, V), np.ones(3),
                        np.random.default_rng(0))


def test_bigram_loss_closed_form():
    ids = np.array([0, 1, 0, 1, 1, 2, 0])
    logits = A.bigram_logits(ids, 3, alpha=0.0 + 1e-300)
    # counts: 0->1 twice, 1->0 once, 1->1 once, 1->2 once, 2->0 once
    want = -np.mean(np.log([1, 1 / 3, 1, 1 / 3, 1 / 3, 1]))
    assert math.isclose(A.bigram_loss(logits, ids), want, rel_tol=1e-9)
    torch_loss = F.cross_entropy(torch.tensor(logits[:, ids[:-1]].T), torch.tensor(ids[1:]))
    assert math.isclose(A.bigram_loss(logits, ids), torch_loss.item(), rel_tol=1e-9)


def test_gpt_decoding_helpers_and_heldout_loss():
    from dlcore import attention_torch as AT

    torch.manual_seed(0)
    model = AT.TinyGPT(AT.GPTConfig(V=7, N=5, D=8, H=2, L=1, D_f=16)).eval()
    seqs = [[1, 2, 3, 4, 5, 6], [0, 0, 1, 1, 2, 2]]
    got = AT.batch_logits_fn(model)(seqs)  # (V, B), only the last N tokens seen
    for b, s in enumerate(seqs):
        assert_close(got[:, b], AT.next_logits(model, s), what="batched logits", rtol=1e-6)
        want = F.log_softmax(torch.tensor(AT.next_logits(model, s)), dim=0).numpy()
        assert_close(AT.log_prob_fn(model)(s), want, what="log-probabilities")
    ids = np.random.default_rng(0).integers(0, 7, size=23)
    total = 0.0  # by hand: window w predicts ids[5w + 1 .. 5w + 5] from ids[5w .. 5w + 4]
    for start in range(0, 22, 5):
        ctx = torch.tensor(ids[start:start + 5][None, :])
        logp = F.log_softmax(model(ctx)[0].double(), dim=-1).detach().numpy()
        targets = ids[start + 1:start + 6]
        total -= logp[np.arange(len(targets)), targets].sum()
    assert math.isclose(AT.heldout_loss(model, ids), total / 22, rel_tol=1e-5)


def test_decoding_source_is_consistent():
    from dlcore.corpus import CORPUS
    from dlcore.widgets import attention as WA

    src = WA.bigram_decoding_source()
    texts = src["texts"]
    assert texts["greedy", 0, 1.0] == texts["beam", 1, 1.0] == texts["top_k", 1, 1.0]
    assert len(texts) == len(WA.T_GRID) * (len(WA.K_GRID) + len(WA.P_GRID)) + len(WA.W_GRID) + 1
    assert all(t.startswith(WA.PROMPT) and len(t) == len(WA.PROMPT) + WA.N_NEW
               for t in texts.values())
    vocab = src["vocab"]  # each stored beam score is the bigram log-probability of its text
    logits = A.bigram_logits(np.array([vocab.index(c) for c in CORPUS]), len(vocab))
    for width, score in src["scores"].items():
        ids = [vocab.index(c) for c in texts["beam", width, 1.0]]
        by_hand = sum(logits[b, a] for a, b in itertools.pairwise(ids[len(WA.PROMPT) - 1:]))
        assert math.isclose(score, by_hand, rel_tol=1e-12)
