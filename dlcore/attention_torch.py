"""A tiny decoder-only transformer (GPT-style) in PyTorch, trained on the course's corpus
(chapter 10). Imported only by the notebook cells that train it, and by the tests.

PyTorch keeps tokens as **rows**: a batch of sequences is (B, N, D), the transpose of the
notes' (D, N) per sequence. The attention here is written out so that it reads like the notes:
scores K^T Q / sqrt(D_q), the causal mask (-inf above the diagonal), softmax over the keys.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .attention import sinusoidal_encoding

__all__ = ["GPTConfig", "TinyGPT", "CharTokenizer", "train", "generate", "batches",
           "attention_maps", "sample_table", "next_logits", "batch_logits_fn", "log_prob_fn",
           "heldout_loss"]


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
    """Multi-head masked self-attention: each query sees only keys at or before it."""

    def __init__(self, cfg):
        super().__init__()
        self.H = cfg.H
        self.qkv = nn.Linear(cfg.D, 3 * cfg.D)  # Omega_q, Omega_k, Omega_v of all heads at once
        self.out = nn.Linear(cfg.D, cfg.D)  # Omega_c, beta_c: mixes the stacked heads
        self.register_buffer("allowed", torch.tril(torch.ones(cfg.N, cfg.N, dtype=torch.bool)))

    def weights_and_values(self, x):
        """Attention weights (B, H, N_query, N_key) and values (B, H, N, D_q)."""
        B, N, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)  # each (B, N, D)
        q, k, v = (t.view(B, N, self.H, D // self.H).transpose(1, 2) for t in (q, k, v))
        # (B, H, N, D_q): one row per token, one block per head
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, H, N_query, N_key)
        scores = scores.masked_fill(~self.allowed[:N, :N], float("-inf"))  # no future keys
        return F.softmax(scores, dim=-1), v  # softmax over the keys, for each query row

    def forward(self, x):
        B, N, D = x.shape
        a, v = self.weights_and_values(x)
        y = a @ v  # (B, H, N, D_q): weighted sum of the values
        y = y.transpose(1, 2).reshape(B, N, D)  # stack the heads
        return self.out(y)


class Block(nn.Module):
    """A transformer layer, pre-norm (as GPT-2): x + MhSa[LN x], then x + MLP[LN x]."""

    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.D)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.D)
        self.mlp = nn.Sequential(nn.Linear(cfg.D, cfg.D_f), nn.ReLU(), nn.Linear(cfg.D_f, cfg.D))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
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


