"""A tiny decoder-only transformer (GPT-style) and a tiny encoder (BERT-style) in PyTorch,
trained on the course's corpus (chapter 10). Imported only by the notebook cells that train
them, by scripts/bert_sweep.py and by the tests.

PyTorch keeps tokens as **rows**: a batch of sequences is (B, N, D), the transpose of the
notes' (D, N) per sequence. The attention here is written out so that it reads like the notes:
scores K^T Q / sqrt(D_q), the causal mask (-inf above the diagonal), softmax over the keys.
"""

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .attention import sinusoidal_encoding, word_tokens

__all__ = ["GPTConfig", "TinyGPT", "CharTokenizer", "train", "generate", "batches",
           "attention_maps", "sample_table", "next_logits", "batch_logits_fn", "log_prob_fn",
           "heldout_loss",
           # the tiny BERT (an encoder)
           "corpus_sentences", "WordVocab", "mask_tokens", "mlm_loss", "nsp_pairs", "pack",
           "BERTConfig", "TinyBERT", "pretrain", "mlm_predictions", "nsp_probabilities",
           "TokenTagger", "SentenceClassifier", "finetune", "mlm_heldout", "NOUNS", "VERBS",
           "ROLES", "word_role", "tagging_data", "finetune_trial", "nsp_heldout", "BERT_SETTINGS",
           "bert_data", "about_the_cat", "IGNORE"]


@dataclass
class GPTConfig:
    V: int  # vocabulary size (distinct characters)
    N: int = 32  # context length: the most tokens a query can look back over
    D: int = 48  # embedding dimension
    H: int = 4  # heads per layer; each head has D_q = D / H
    L: int = 2  # transformer layers
    D_f: int = 96  # width of the fully connected network in each layer


class CharTokenizer:
    """Characters <-> integer ids (the simplest tokeniser: one token per character)."""

    def __init__(self, text):
        self.vocab = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.vocab)}

    def encode(self, text):
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.vocab[int(i)] for i in ids)


class CausalSelfAttention(nn.Module):
    """Multi-head masked self-attention: each query sees only keys at or before it.

    With causal=False there is no mask (every query sees every key): the encoder's attention.
    key_ok (B, N) bool, if given, hides the keys where it is False (padding) from every query.
    """

    def __init__(self, cfg, causal=True):
        super().__init__()
        self.H = cfg.H
        self.causal = causal
        self.qkv = nn.Linear(cfg.D, 3 * cfg.D)  # Omega_q, Omega_k, Omega_v of all heads at once
        self.out = nn.Linear(cfg.D, cfg.D)  # Omega_c, beta_c: mixes the stacked heads
        self.register_buffer("allowed", torch.tril(torch.ones(cfg.N, cfg.N, dtype=torch.bool)))
        # relative positions: one learned number per head and offset, added after the division
        # by sqrt(D_q), so it is the notes' pi_{a-b} / sqrt(D_q) (it learns sqrt(D_q) x faster)
        R = getattr(cfg, "R", 0)
        if R:
            self.rel = nn.Parameter(torch.zeros(cfg.H, 2 * R + 1))  # offsets -R..R (clipped)
            n = torch.arange(cfg.N)
            self.register_buffer("offset", (n[None, :] - n[:, None]).clamp(-R, R) + R)

    def weights_and_values(self, x, key_ok=None):
        """Attention weights (B, H, N_query, N_key) and values (B, H, N, D_q)."""
        B, N, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)  # each (B, N, D)
        q, k, v = (t.view(B, N, self.H, D // self.H).transpose(1, 2) for t in (q, k, v))
        # (B, H, N, D_q): one row per token, one block per head
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, H, N_query, N_key)
        if hasattr(self, "rel"):
            scores = scores + self.rel[:, self.offset[:N, :N]]  # pi_{key - query} / sqrt(D_q)
        if self.causal:
            scores = scores.masked_fill(~self.allowed[:N, :N], float("-inf"))  # no future keys
        if key_ok is not None:
            scores = scores.masked_fill(~key_ok[:, None, None, :], float("-inf"))  # no padding
        return F.softmax(scores, dim=-1), v  # softmax over the keys, for each query row

    def forward(self, x, key_ok=None):
        B, N, D = x.shape
        a, v = self.weights_and_values(x, key_ok)
        y = a @ v  # (B, H, N, D_q): weighted sum of the values
        y = y.transpose(1, 2).reshape(B, N, D)  # stack the heads
        return self.out(y)


class Block(nn.Module):
    """A transformer layer, pre-norm (as GPT-2): x + MhSa[LN x], then x + MLP[LN x]."""

    def __init__(self, cfg, causal=True):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.D)
        self.attn = CausalSelfAttention(cfg, causal)
        self.ln2 = nn.LayerNorm(cfg.D)
        self.mlp = nn.Sequential(nn.Linear(cfg.D, cfg.D_f), nn.ReLU(), nn.Linear(cfg.D_f, cfg.D))

    def forward(self, x, key_ok=None):
        x = x + self.attn(self.ln1(x), key_ok)
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    """Embedding + sinusoidal positions -> L layers -> layer norm -> logits over the vocabulary."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.V, cfg.D)  # Omega_e (stored as rows)
        pos = torch.tensor(sinusoidal_encoding(cfg.D, cfg.N).T, dtype=torch.float32)
        self.register_buffer("pos", pos)  # (N, D): Pi^T, fixed
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.L))
        self.ln = nn.LayerNorm(cfg.D)
        self.head = nn.Linear(cfg.D, cfg.V)

    def forward(self, ids):
        """ids (B, N) ints -> logits (B, N, V): at every position, the next token's scores."""
        x = self.embed(ids) + self.pos[: ids.shape[1]]  # (B, N, D)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def batches(ids, N, B, generator):
    """B random windows of N + 1 tokens: inputs (B, N) and next-token targets (B, N)."""
    start = torch.randint(0, len(ids) - N - 1, (B,), generator=generator)
    idx = start[:, None] + torch.arange(N + 1)[None, :]  # (B, N + 1)
    window = ids[idx]
    return window[:, :-1], window[:, 1:]


def train(model, ids, steps=400, B=24, lr=5e-3, seed=0, progress=True):
    """Adam on the next-token cross-entropy (mean over positions). Returns the losses."""
    from tqdm.auto import tqdm

    g = torch.Generator().manual_seed(seed)
    ids = torch.as_tensor(ids, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                pct_start=0.1)
    losses = []
    model.train()
    bar = tqdm(range(steps), desc="training", disable=not progress, mininterval=0.5)
    for _ in bar:
        x, y = batches(ids, model.cfg.N, B, g)
        logits = model(x)  # (B, N, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    model.eval()
    return np.array(losses)


@torch.no_grad()
def attention_maps(model, ids):
    """Every head's attention for one sequence, in the notes' layout: (L, H, N_key, N_query)."""
    ids = torch.as_tensor(np.asarray(ids)[-model.cfg.N:], dtype=torch.long)[None, :]
    x = model.embed(ids) + model.pos[: ids.shape[1]]
    maps = []
    for block in model.blocks:
        a, _ = block.attn.weights_and_values(block.ln1(x))  # (1, H, N_query, N_key)
        maps.append(a[0].transpose(-2, -1).double().numpy())  # keys down, queries across
        x = block(x)
    return np.stack(maps)


@torch.no_grad()
def sample_table(model, tok, prompt, temps, n_new=160, seed=0):
    """The source for the temperature figure: next-token logits after the prompt and one
    sampled continuation per temperature."""
    ids = tok.encode(prompt)
    return {"vocab": tok.vocab, "logits": next_logits(model, ids), "temps": np.asarray(temps),
            "samples": [tok.decode(generate(model, ids, n_new, T, seed)) for T in temps],
            "prompt": prompt, "what": "tiny transformer"}


@torch.no_grad()
def next_logits(model, ids):
    """Logits (V,) for the token after ids (only the last N tokens are seen)."""
    ctx = torch.as_tensor(np.asarray(ids)[-model.cfg.N:], dtype=torch.long)[None, :]
    return model(ctx)[0, -1].double().numpy()


@torch.no_grad()
def generate(model, ids, n_new, temperature=1.0, seed=0):
    """Autoregressive sampling: predict, sample at the temperature, append, repeat.

    ids (N0,) ints, the prompt. Returns the prompt followed by n_new sampled ids.
    """
    g = torch.Generator().manual_seed(seed)
    out = list(int(i) for i in ids)
    for _ in range(n_new):
        ctx = torch.tensor(out[-model.cfg.N:], dtype=torch.long)[None, :]  # (1, <=N)
        logits = model(ctx)[0, -1] / temperature  # (V,) the last position predicts the next
        p = F.softmax(logits, dim=-1)
        out.append(int(torch.multinomial(p, 1, generator=g)))
    return np.array(out)


def batch_logits_fn(model):
    """fn(seqs) -> logits (V, B) of the next token after each of B equally long token lists
    (the last N tokens of each are seen): the model side of ``attention.sample_decode``."""

    @torch.no_grad()
    def fn(seqs):
        ctx = torch.as_tensor(np.asarray(seqs)[:, -model.cfg.N:], dtype=torch.long)  # (B, <=N)
        return model(ctx)[:, -1].double().numpy().T  # (V, B)

    return fn


def log_prob_fn(model):
    """fn(tokens) -> log-probabilities (V,) of the next token: the model side of
    ``attention.beam_search``."""

    @lru_cache(maxsize=4096)  # beams of different widths share many prefixes
    @torch.no_grad()
    def cached(context):
        return F.log_softmax(torch.as_tensor(next_logits(model, context)), dim=0).numpy()

    def fn(tokens):
        return cached(tuple(tokens[-model.cfg.N:])).copy()

    return fn


@torch.no_grad()
def heldout_loss(model, ids):
    """Mean next-token cross-entropy on a text the model did not train on (nats / token).

    The text is cut into windows of N + 1 tokens overlapping by one, so every token after the
    first is predicted exactly once (from up to N tokens of context): the same targets
    ids[1:] as a bigram model's loss on the same text.
    """
    ids = torch.as_tensor(ids, dtype=torch.long)
    N, total, count = model.cfg.N, 0.0, 0
    for start in range(0, len(ids) - 1, N):
        window = ids[start:start + N + 1][None, :]  # (1, <= N + 1)
        logits = model(window[:, :-1])  # (1, n, V)
        total += F.cross_entropy(logits[0], window[0, 1:], reduction="sum").item()
        count += window.shape[1] - 1
    return total / count




# ------------------------------------------------------------------------------------------
# A tiny encoder (BERT-style): the same layers without the causal mask
# ------------------------------------------------------------------------------------------
PAD, UNK, MASK, CLS, SEP = "<pad>", "<unk>", "<mask>", "<cls>", "<sep>"
IGNORE = -100  # target of a position that is not predicted (F.cross_entropy's ignore_index)


def corpus_sentences(text):
    """One word list per line of text: words, commas and full stops (spaces dropped)."""
    return [[w for w in word_tokens(line) if w.strip()] for line in text.splitlines()
            if line.strip()]


class WordVocab:
    """Words seen at least min_count times, after five special tokens (ids 0..4):
    <pad> (filler after the text), <unk> (any other word), <mask> (a hidden word),
    <cls> (first token; its output summarises the input) and <sep> (ends a sentence)."""

    def __init__(self, sentences, min_count=2):
        counts = Counter(w for s in sentences for w in s)
        words = sorted(w for w, c in counts.items() if c >= min_count)
        self.vocab = [PAD, UNK, MASK, CLS, SEP] + words
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.pad, self.unk, self.mask, self.cls, self.sep = range(5)
        self.n_special = 5

    def __len__(self):
        return len(self.vocab)

    def encode(self, words):
        return np.array([self.index.get(w, self.unk) for w in words], dtype=np.int64)

    def decode(self, ids):
        return [self.vocab[int(i)] for i in ids]


def mask_tokens(ids, maskable, rng, vocab_size, mask_id, p=0.15):
    """BERT's masking rule: each maskable position is chosen with probability p; a chosen
    position becomes <mask> (80%), a random ordinary token (10%) or stays as it is (10%).

    ids (..., N) ints; maskable (..., N) bool (False for <cls>, <sep>, <pad>); the random
    tokens are drawn from ids 5..vocab_size-1 (never a special token).
    Returns (inputs, targets): targets hold the original id where chosen, IGNORE elsewhere.
    """
    ids = np.asarray(ids)
    chosen = np.asarray(maskable) & (rng.random(ids.shape) < p)
    u = rng.random(ids.shape)  # which of the three things happens to a chosen position
    inputs = ids.copy()
    inputs[chosen & (u < 0.8)] = mask_id
    swap = chosen & (u >= 0.8) & (u < 0.9)
    inputs[swap] = rng.integers(5, vocab_size, size=int(swap.sum()))
    targets = np.where(chosen, ids, IGNORE)
    return inputs, targets


def mlm_loss(logits, targets):
    """Mean cross-entropy over the chosen positions only: logits (B, N, V), targets (B, N)
    with IGNORE where nothing is predicted."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE)


def nsp_pairs(first, n_sentences, rng, far=8):
    """Next-sentence pairs: for each index a in first, B is sentence a + 1 (a true pair) for a
    random half of them and otherwise a sentence at least far lines away from a (a negative).

    Returns (a, b, is_next) as int arrays of len(first); is_next is 1 for exactly
    len(first) // 2 pairs.
    """
    a = np.asarray(first)
    is_next = rng.permutation(np.arange(len(a)) < len(a) // 2).astype(np.int64)
    b = a + 1
    for i in np.flatnonzero(is_next == 0):
        options = np.flatnonzero(np.abs(np.arange(n_sentences) - a[i]) >= far)
        b[i] = rng.choice(options)
    return a, b, is_next


def pack(vocab, first, second=None, N=None):
    """<cls> A <sep> [B <sep>] padded with <pad> to N tokens: ids (N,), segments (N,) 0 for
    A's part and 1 for B's, and a bool (N,) of the positions that hold words (maskable)."""
    a = list(vocab.encode(first))
    ids = [vocab.cls] + a + [vocab.sep]
    seg = [0] * len(ids)
    if second is not None:
        b = list(vocab.encode(second))
        ids += b + [vocab.sep]
        seg += [1] * (len(b) + 1)
    N = len(ids) if N is None else N
    word = [i >= vocab.n_special or i == vocab.unk for i in ids]
    pad = N - len(ids)
    return (np.array(ids + [vocab.pad] * pad), np.array(seg + [0] * pad),
            np.array(word + [False] * pad))


@dataclass
class BERTConfig:
    V: int  # vocabulary size (words and the five special tokens)
    N: int = 48  # longest input: <cls> A <sep> B <sep>
    D: int = 64  # embedding dimension
    H: int = 4  # heads per layer
    L: int = 2  # transformer layers
    D_f: int = 128  # width of the fully connected network in each layer
    R: int = 0  # if > 0: a learned relative-position term per head for offsets -R..R
    dropout: float = 0.1  # dropout on the embeddings and on the final outputs (training only)


class TinyBERT(nn.Module):
    """Word embedding + segment embedding + sinusoidal positions -> L layers *without* the
    causal mask -> layer norm. Two pre-training heads: masked words (a logit per vocabulary
    word at every position) and next sentence (one logit from the <cls> output)."""

    def __init__(self, cfg, pad_id=0):
        super().__init__()
        self.cfg, self.pad_id = cfg, pad_id
        self.embed = nn.Embedding(cfg.V, cfg.D)
        self.segment = nn.Embedding(2, cfg.D)  # sentence A or sentence B
        pos = torch.tensor(sinusoidal_encoding(cfg.D, cfg.N).T, dtype=torch.float32)
        self.register_buffer("pos", pos)  # (N, D)
        self.blocks = nn.ModuleList(Block(cfg, causal=False) for _ in range(cfg.L))
        self.ln = nn.LayerNorm(cfg.D)
        self.drop = nn.Dropout(cfg.dropout)
        self.mlm_head = nn.Linear(cfg.D, cfg.V)
        self.nsp_head = nn.Linear(cfg.D, 1)

    def forward(self, ids, segments=None):
        """ids (B, N) -> outputs (B, N, D), one vector per token, each seeing all the others."""
        segments = torch.zeros_like(ids) if segments is None else segments
        x = self.embed(ids) + self.segment(segments) + self.pos[: ids.shape[1]]
        x = self.drop(x)
        key_ok = ids != self.pad_id  # padding is no key
        for block in self.blocks:
            x = block(x, key_ok)
        return self.drop(self.ln(x))


def _batch(vocab, sentences, a, b, N=None):
    """Packed pairs (sentences[a[i]], sentences[b[i]]) (b[i] None: one sentence), padded to N
    tokens, or (N None) to the longest of the batch."""
    pairs = [(sentences[i], None if j is None else sentences[j]) for i, j in zip(a, b)]
    if N is None:
        N = max(2 + len(x) + (0 if y is None else 1 + len(y)) for x, y in pairs)
    rows = [pack(vocab, x, y, N) for x, y in pairs]
    return tuple(np.stack(c) for c in zip(*rows))


def pretrain(model, vocab, sentences, train_idx, steps=600, B=32, lr=3e-3, seed=0,
             nsp=True, progress=True):
    """Adam on the masked-word cross-entropy plus (nsp=True) the next-sentence loss.

    Each step draws B first sentences from train_idx (whose next line is also in train_idx),
    pairs them as in nsp_pairs, packs <cls> A <sep> B <sep> and masks 15% of the words.
    Returns a dict of per-step losses "mlm" and "nsp" and the NSP batch accuracy "nsp_acc".
    """
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train = set(int(i) for i in train_idx)
    firsts = np.array(sorted(i for i in train if i + 1 in train))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                pct_start=0.1)
    far_ok = np.array(sorted(train))
    out = {"mlm": [], "nsp": [], "nsp_acc": []}
    model.train()
    for _ in tqdm(range(steps), desc="pre-training", disable=not progress, mininterval=0.5):
        a = rng.choice(firsts, size=B)
        if nsp:
            a, b, is_next = nsp_pairs(a, len(sentences), rng)
            bad = ~np.isin(b, far_ok)  # a negative drawn from held-out lines: use a train one
            for i in np.flatnonzero(bad):
                b[i] = rng.choice(far_ok[np.abs(far_ok - a[i]) >= 8])
        else:
            b, is_next = [None] * B, np.zeros(B, dtype=np.int64)
        ids, seg, word = _batch(vocab, sentences, a, b)
        inputs, targets = mask_tokens(ids, word, rng, len(vocab), vocab.mask)
        h = model(torch.as_tensor(inputs), torch.as_tensor(seg))
        loss = mlm_loss(model.mlm_head(h), torch.as_tensor(targets))
        out["mlm"].append(loss.item())
        if nsp:
            logit = model.nsp_head(h[:, 0, :])[:, 0]
            y = torch.as_tensor(is_next, dtype=torch.float32)
            nsp_loss = F.binary_cross_entropy_with_logits(logit, y)
            loss = loss + nsp_loss
            out["nsp"].append(nsp_loss.item())
            out["nsp_acc"].append(((logit > 0).float() == y).float().mean().item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    return {k: np.array(v) for k, v in out.items()}


@torch.no_grad()
def mlm_predictions(model, vocab, sentence):
    """Mask each word of one sentence in turn and predict it from both sides.

    Returns (N_words, V) logits: row n is the prediction for word n with only it hidden.
    """
    ids, seg, word = pack(vocab, sentence)
    pos = np.flatnonzero(word)  # the word positions (1..len)
    batch = np.repeat(ids[None], len(pos), axis=0)
    batch[np.arange(len(pos)), pos] = vocab.mask
    h = model(torch.as_tensor(batch))
    return model.mlm_head(h[np.arange(len(pos)), pos]).double().numpy()


@torch.no_grad()
def nsp_probabilities(model, vocab, sentences, a, b):
    """Pr(B follows A) for each pair (sentences[a[i]], sentences[b[i]])."""
    ids, seg, _ = _batch(vocab, sentences, a, b)
    h = model(torch.as_tensor(ids), torch.as_tensor(seg))
    return torch.sigmoid(model.nsp_head(h[:, 0, :])[:, 0]).double().numpy()


class TokenTagger(nn.Module):
    """Fine-tuning for a per-token task: the encoder, then a linear layer from every token's
    output to K logits (softmax over K classes per token)."""

    def __init__(self, encoder, K):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.cfg.D, K)

    def forward(self, ids):
        return self.head(self.encoder(ids))  # (B, N, K)


class SentenceClassifier(nn.Module):
    """Fine-tuning for a sentence task: the encoder, then one logit from the <cls> output
    (a sigmoid gives Pr(class 1))."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.cfg.D, 1)

    def forward(self, ids):
        return self.head(self.encoder(ids)[:, 0, :])[:, 0]  # (B,)


def finetune(model, ids, targets, steps=150, lr=1e-3, seed=0):
    """Adam on all the parameters (encoder and head) with the labelled examples as one batch.

    ids (B, N); targets (B, N) class ids with IGNORE where no label (a TokenTagger), or (B,)
    0/1 labels (a SentenceClassifier). Returns the losses.
    """
    torch.manual_seed(seed)
    ids = torch.as_tensor(ids)
    targets = torch.as_tensor(targets)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        out = model(ids)
        if out.dim() == 3:
            loss = mlm_loss(out, targets)  # cross-entropy over the labelled tokens
        else:
            loss = F.binary_cross_entropy_with_logits(out, targets.float())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return np.array(losses)


# ------------------------------------------------------------------------------------------
# Measuring the encoder: masked words against two baselines; fine-tuning on small tasks
# ------------------------------------------------------------------------------------------
def _is_word(w):
    return w.isalpha()


def mlm_heldout(model, vocab, sentences, held, train):
    """Accuracy on the held-out sentences' words, each masked alone and predicted.

    Only words of the vocabulary count (an <unk> cannot be guessed by anyone). Baselines on
    the same words: always "the" (the commonest word) and a left-context bigram (the word
    that most often follows the previous word in the training sentences: a one-sided guess).
    Returns a dict of accuracies "bert", "the", "bigram" and the number of words "n".
    """
    follows = {}
    for i in train:
        prev = CLS
        for w in sentences[i]:
            w = w if w in vocab.index else UNK
            if _is_word(w):
                follows.setdefault(prev, Counter())[w] += 1
            prev = w
    hits = Counter()
    n = 0
    for i in held:
        logits = mlm_predictions(model, vocab, sentences[i])
        logits[:, :vocab.n_special] = -np.inf  # predict a word, not a special token
        prev = CLS
        for k, w in enumerate(sentences[i]):
            if _is_word(w) and w in vocab.index:
                n += 1
                hits["bert"] += vocab.vocab[int(logits[k].argmax())] == w
                hits["the"] += w == "the"
                guess = follows.get(prev, Counter({"the": 1})).most_common(1)[0][0]
                hits["bigram"] += guess == w
            prev = w if w in vocab.index else UNK
    return {"bert": hits["bert"] / n, "the": hits["the"] / n, "bigram": hits["bigram"] / n,
            "n": n}


# a word-role lexicon for the per-token task: every other word (and , .) is "other"
NOUNS = frozenset("""apples autumn basket beans bees bird birds boat boats book box bread captain
cat child children clouds day door evening fire fish fisherman fishermen garden house hours island
keeper key lamp leaves letter light lighthouse morning names night nights north potatoes rain roads
rocks roof sailors sea ship ships snow spring stairs stars stone stones summer sun tea time times
tower village weather wheel wick wicks wind window winter woman year years""".split())
VERBS = frozenset("""agreed are asked ate brought came clean cleaned climbed come does fell followed
found gave grew help is keep knew laughed learned lived look looked lit liked listened made mended
painted planted put ran read sang sat said saved saw see sends sent showed slept talked taught
thank turn turned turns waved was watched went were would wrote""".split())
ROLES = ("noun", "verb", "other")


def word_role(w):
    """0 noun, 1 verb, 2 other, from the lexicon (one role per word, whatever the context)."""
    return 0 if w in NOUNS else 1 if w in VERBS else 2


def tagging_data(vocab, sentences, idx, N=24):
    """Packed single sentences (len(idx), N) and their role targets (IGNORE off the words)."""
    ids = np.stack([pack(vocab, sentences[i], N=N)[0] for i in idx])
    targets = np.full(ids.shape, IGNORE)
    for r, i in enumerate(idx):
        targets[r, 1:1 + len(sentences[i])] = [word_role(w) for w in sentences[i]]
    return ids, targets


def finetune_trial(cfg, vocab, sentences, labels, n_labelled, seed, pretrained=None, task="token",
                   steps=150, lr=1e-3):
    """One fine-tuning run: label n_labelled random sentences, train, test on the others.

    task "token": a TokenTagger learns the word roles; accuracy on the test sentences' words
    that occur in no labelled sentence (and are in the vocabulary).
    task "sentence": a SentenceClassifier learns labels (one 0/1 per sentence); half the
    labelled sentences are positives; balanced accuracy (mean of the two classes') on the rest.
    pretrained: a state dict to start the encoder from (None: from scratch, random weights).
    Returns (accuracy, majority-class accuracy on the same test items).
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    if task == "token":
        lab = rng.choice(len(sentences), n_labelled, replace=False)
    else:
        pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
        lab = np.concatenate([rng.choice(pos, n_labelled // 2, replace=False),
                              rng.choice(neg, n_labelled - n_labelled // 2, replace=False)])
    rest = np.array([i for i in range(len(sentences)) if i not in set(lab.tolist())])
    torch.manual_seed(seed)
    encoder = TinyBERT(cfg)
    if pretrained is not None:
        encoder.load_state_dict(pretrained)
    if task == "token":
        model = TokenTagger(encoder, len(ROLES))
        finetune(model, *tagging_data(vocab, sentences, lab), steps=steps, lr=lr, seed=seed)
        ids, targets = tagging_data(vocab, sentences, rest)
        with torch.no_grad():
            pred = model(torch.as_tensor(ids)).argmax(-1).numpy()
        seen = {w for i in lab for w in sentences[i]}
        new = np.zeros(ids.shape, dtype=bool)  # words no labelled sentence had
        for r, i in enumerate(rest):
            new[r, 1:1 + len(sentences[i])] = [_is_word(w) and w in vocab.index and w not in seen
                                               for w in sentences[i]]
        majority = np.bincount(targets[new], minlength=len(ROLES)).max() / new.sum()
        return float((pred[new] == targets[new]).mean()), float(majority)
    model = SentenceClassifier(encoder)
    ids = np.stack([pack(vocab, sentences[i], N=24)[0] for i in lab])
    finetune(model, ids, labels[lab], steps=steps, lr=lr, seed=seed)
    ids = np.stack([pack(vocab, sentences[i], N=24)[0] for i in rest])
    with torch.no_grad():
        pred = (model(torch.as_tensor(ids)) > 0).numpy().astype(int)
    y = labels[rest]
    balanced = 0.5 * ((pred[y == 1] == 1).mean() + (pred[y == 0] == 0).mean())
    return float(balanced), 0.5


def nsp_heldout(model, vocab, sentences, held, draws=20, seed=0):
    """Next-sentence accuracy on the pairs (a, a + 1) that touch a held-out sentence, each
    draw pairing a random half of them with a far sentence instead (nsp_pairs)."""
    held = set(int(i) for i in held)
    firsts = np.array([i for i in range(len(sentences) - 1) if i in held or i + 1 in held])
    rng = np.random.default_rng(seed)
    acc = []
    for _ in range(draws):
        a, b, is_next = nsp_pairs(firsts, len(sentences), rng)
        acc.append(np.mean((nsp_probabilities(model, vocab, sentences, a, b) > 0.5) == is_next))
    return float(np.mean(acc))


BERT_SETTINGS = {"steps": 400, "B": 32, "lr": 1e-2}  # pre-training, as in notebook 10


def bert_data(text, held_every=8):
    """The encoder's data: (sentences, held-out line numbers (every held_every-th line),
    training line numbers, the vocabulary of the training lines, the model's BERTConfig)."""
    sentences = corpus_sentences(text)
    held = [i for i in range(len(sentences)) if i % held_every == held_every - 1]
    train = [i for i in range(len(sentences)) if i % held_every != held_every - 1]
    vocab = WordVocab([sentences[i] for i in train])
    cfg = BERTConfig(V=len(vocab), N=48, D=32, H=2, L=2, D_f=64, R=3, dropout=0.1)
    return sentences, held, train, vocab, cfg


def about_the_cat(sentences):
    """The sentence task's labels: 1 if the sentence has the word "cat", else 0."""
    return np.array([int("cat" in s) for s in sentences])
