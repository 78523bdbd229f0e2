"""Interactive figures for chapter 10 (attention and transformers)."""

import textwrap
from functools import lru_cache

import numpy as np

from .. import attention
from ..corpus import CORPUS, SAMPLE
from ..layers import init_params
from ..plots import PALETTE, label
from ..plots.attention import format_tokens, text_to_rgba
from . import Checkbox, Dropdown, InteractiveFigure, Slider

# ------------------------------------------------------------------------------------------
# 1. Byte-pair encoding, one merge at a time.
# ------------------------------------------------------------------------------------------
MAX_MERGES = 120


@lru_cache(maxsize=1)
def bpe_table():
    """Train BPE on the corpus once: merges, and corpus length / vocabulary after j merges."""
    merges, seqs = attention.bpe_history(CORPUS, MAX_MERGES)
    n_chars = len(attention.char_vocab(CORPUS))
    vocab = n_chars + np.arange(len(seqs))  # each merge adds one symbol to the vocabulary
    lengths = np.array([len(s) for s in seqs])
    return merges, vocab, lengths


def compute_bpe(merges):
    """The sample sentence tokenised with the first j merges, and where j sits on the curve."""
    all_merges, vocab, lengths = bpe_table()
    j = int(np.clip(round(merges), 0, len(all_merges)))
    tokens = attention.bpe_encode(SAMPLE, all_merges[:j])
    recent = [format_tokens([a], 99) + "+" + format_tokens([b], 99)
              for a, b in all_merges[max(0, j - 3):j]]
    return {"j": j, "tokens": tokens, "vocab": vocab[j], "length": lengths[j],
            "recent": recent}


LINE = 42  # characters per line when the sample sentence is drawn
BPE_COLORS = (PALETTE["sky"], PALETTE["orange"])


def token_boxes(tokens, line=LINE):
    """Rectangles (as polygons) covering each token's characters, split at line ends."""
    verts, colors, start = [], [], 0
    for t, token in enumerate(tokens):
        end = start + len(token)
        c = start
        while c < end:
            row, col = divmod(c, line)
            stop = min(end, (row + 1) * line)
            x0, x1, y = col + 0.06, col + (stop - c) - 0.06, -1.3 * row
            verts.append([(x0, y - 0.55), (x1, y - 0.55), (x1, y + 0.6), (x0, y + 0.6)])
            colors.append(BPE_COLORS[t % 2])
            c = stop
        start = end
    return verts, colors


def draw_bpe(fig):
    from matplotlib.collections import PolyCollection

    _, vocab, lengths = bpe_table()
    ax_text, ax_curve = fig.subplots(1, 2, width_ratios=[2.1, 1])
    ax_text.set_axis_off()
    ax_text.set_title("the sample sentence; each box is one token (\u00b7 = space)",
                      fontsize=9, loc="left")
    for c, ch in enumerate(SAMPLE):  # static: the characters never move, only the boxes do
        row, col = divmod(c, LINE)
        ax_text.text(col + 0.5, -1.3 * row, "\u00b7" if ch == " " else ch, ha="center",
                     va="center", family="monospace", fontsize=10,
                     color=PALETTE["grey"] if ch == " " else PALETTE["black"])
    rows = -(-len(SAMPLE) // LINE)
    ax_text.set_xlim(-0.5, LINE + 0.5)
    ax_text.set_ylim(-1.3 * rows - 3.2, 1.0)
    boxes = PolyCollection([], alpha=0.45, edgecolor=PALETTE["black"], linewidth=0.4,
                           animated=True)
    ax_text.add_collection(boxes)
    count = ax_text.text(0.0, -1.3 * rows - 0.4, "", fontsize=9, va="top", animated=True)
    merges = ax_text.text(0.0, -1.3 * rows - 1.9, "", family="monospace", fontsize=8.5,
                          va="top", color=PALETTE["blue"], animated=True)
    ax_curve.plot(vocab, lengths, color=PALETTE["grey"])
    (dot,) = ax_curve.plot([], [], "o", color=PALETTE["vermillion"], animated=True)
    label(ax_curve, "vocabulary size", "tokens in the corpus", "cost of a larger vocabulary")
    ax_curve.set_xlim(vocab[0] - 3, vocab[-1] + 3)
    ax_curve.set_ylim(0, lengths[0] * 1.05)
    return {"boxes": boxes, "count": count, "merges": merges, "dot": dot}


def update_bpe(h, d):
    verts, colors = token_boxes(d["tokens"])
    h["boxes"].set_verts(verts)
    h["boxes"].set_facecolor(colors)
    h["count"].set_text(f"{len(d['tokens'])} tokens for {len(SAMPLE)} characters; "
                        f"vocabulary {d['vocab']}")
    h["merges"].set_text(f"{d['j']} merges; latest: " + ",  ".join(d["recent"]))
    h["dot"].set_data([d["vocab"]], [d["length"]])
    return None


bpe = InteractiveFigure(
    name="ch10.bpe",
    controls=(Slider("merges", 0, MAX_MERGES, 10, kind="int", description="merges J"),),
    compute=compute_bpe, draw=draw_bpe, update=update_bpe, figsize=(10.0, 3.4),
)

# ------------------------------------------------------------------------------------------
# 2. Why divide by sqrt(D_q): score spread, softmax saturation, attention entropy.
# ------------------------------------------------------------------------------------------
N_KEYS = 10  # keys competing for one query
BINS = np.linspace(-60, 60, 81)
DQ_GRID = np.unique(np.geomspace(1, 1024, 21).round().astype(int))


@lru_cache(maxsize=256)
def _raw_scores(D_q):
    rng = np.random.default_rng(D_q)
    samples = attention.score_samples(D_q, 600, rng, scale=False)  # (600,) k.q
    return samples, attention.random_scores(D_q, 1, N_KEYS, rng, scale=False)[:, 0]  # one query


@lru_cache(maxsize=2)
def entropy_curves():
    """Mean attention entropy over 200 queries against D_q, with and without the scaling."""
    out = {}
    for scale in (True, False):
        vals = []
        for D_q in DQ_GRID:
            rng = np.random.default_rng(1000 + int(D_q))
            S = attention.random_scores(int(D_q), 200, N_KEYS, rng, scale)  # (N_KEYS, 200)
            vals.append(attention.attention_entropy(attention.softmax_keys(S)).mean())
        out[scale] = np.array(vals)
    return out


def compute_scaling(D_q, scale):
    D_q = int(np.clip(round(D_q), 1, 4096))
    samples, s = _raw_scores(D_q)
    c = np.sqrt(D_q) if scale else 1.0
    a = attention.softmax_keys((s / c)[:, None])[:, 0]  # (N_KEYS,) weights of one query
    hist, _ = np.histogram(samples / c, BINS, density=True)
    H = float(attention.attention_entropy(a[:, None])[0])
    return {"D_q": D_q, "hist": hist, "a": a, "H": H, "sd": float(np.std(samples / c)),
            "scale": bool(scale)}


def draw_scaling(fig):
    ax_h, ax_a, ax_e = fig.subplots(1, 3)
    stairs = ax_h.stairs(np.zeros(len(BINS) - 1), BINS, fill=True, color=PALETTE["blue"],
                         alpha=0.7, animated=True)
    label(ax_h, "score $s$", "density", "scores of 600 random $(q, k)$ pairs")
    ax_h.set_xlim(BINS[0], BINS[-1])
    ax_h.set_ylim(0, 0.5)
    sd = ax_h.text(0.03, 0.95, "", transform=ax_h.transAxes, va="top", fontsize=9,
                   animated=True)
    bars = ax_a.bar(np.arange(N_KEYS), np.zeros(N_KEYS), color=PALETTE["orange"], animated=True)
    label(ax_a, "key $m$", r"$a[x_m, x_n]$", "one query's attention weights")
    ax_a.set_ylim(0, 1.02)
    ax_a.set_xticks(range(N_KEYS))
    ent = ax_a.text(0.03, 0.95, "", transform=ax_a.transAxes, va="top", fontsize=9,
                    animated=True)
    curves = entropy_curves()
    ax_e.plot(DQ_GRID, curves[True], color=PALETTE["green"], label=r"$\div\sqrt{D_q}$")
    ax_e.plot(DQ_GRID, curves[False], color=PALETTE["vermillion"], label="unscaled")
    ax_e.axhline(np.log(N_KEYS), color=PALETTE["grey"], linestyle="--", linewidth=0.8)
    ax_e.text(1.2, np.log(N_KEYS) - 0.2, "uniform: log 10", fontsize=8, color=PALETTE["grey"])
    ax_e.set_xscale("log")
    ax_e.set_ylim(0, 2.6)
    ax_e.set_xlim(DQ_GRID[0] * 0.8, DQ_GRID[-1] * 1.25)
    (dot,) = ax_e.plot([], [], "o", color=PALETTE["black"], animated=True)
    label(ax_e, "$D_q$", "mean entropy (nats)", "attention entropy")
    ax_e.legend(loc="lower left")
    return {"stairs": stairs, "sd": sd, "bars": bars, "ent": ent, "dot": dot,
            "curves": curves}


def update_scaling(h, d):
    h["stairs"].set_data(np.minimum(d["hist"], 0.5))
    h["sd"].set_text(f"D_q = {d['D_q']}\nstd of scores = {d['sd']:.2f}")
    for bar, a in zip(h["bars"], d["a"], strict=True):
        bar.set_height(a)
    h["ent"].set_text(f"entropy = {d['H']:.2f} nats\nlargest weight = {d['a'].max():.2f}")
    curve = h["curves"][d["scale"]]
    h["dot"].set_data([d["D_q"]], [np.interp(np.log(d["D_q"]), np.log(DQ_GRID), curve)])
    if d["D_q"] == 1:
        return "D_q = 1: sqrt(D_q) = 1, so dividing by it changes nothing (raise D_q)"
    return None


scaling = InteractiveFigure(
    name="ch10.scaling",
    controls=(Slider("D_q", 1, 1024, 16, kind="log", step=0.1, description="D_q"),
              Checkbox("scale", True, description="divide by sqrt(D_q)")),
    compute=compute_scaling, draw=draw_scaling, update=update_scaling, figsize=(11.0, 3.2),
)

# ------------------------------------------------------------------------------------------
# 3. Temperature: the next-token distribution and a sampled continuation.
# ------------------------------------------------------------------------------------------
TEMPS = np.round(10.0 ** (np.arange(-8, 5) / 8), 3)  # 0.1 ... 3.162, 1 among them; a sample each
PROMPT = "the keeper "
TOP = 12  # bars shown: the most likely next tokens at T = 1


@lru_cache(maxsize=1)
def bigram_source():
    """A bigram character model of the corpus: the default source (no training needed)."""
    vocab = attention.char_vocab(CORPUS)
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([index[c] for c in CORPUS])
    logits = attention.bigram_logits(ids, len(vocab))
    samples = []
    for T in TEMPS:
        out = attention.sample_bigram(logits, index[PROMPT[-1]], 160, T,
                                      np.random.default_rng(0))
        samples.append(PROMPT + "".join(vocab[i] for i in out[1:]))
    return {"vocab": vocab, "logits": logits[:, index[PROMPT[-1]]], "temps": TEMPS,
            "samples": samples, "prompt": PROMPT, "what": "bigram model"}


def make_temperature_compute(source):
    """compute(T) for a source dict: vocab, logits (V,), temps, samples, prompt, what."""
    order = np.argsort(-np.asarray(source["logits"]))[:TOP]
    temps = np.asarray(source["temps"], float)

    def compute(T):
        k = int(np.argmin(np.abs(np.log(temps) - np.log(float(T)))))  # the nearest stored T
        T = float(temps[k])  # bars and sample share one temperature
        p = attention.softmax_temperature(source["logits"], T)
        H = float(attention.attention_entropy(p[:, None])[0])
        return {"T": T, "p": p[order], "k": k, "H": H}

    return compute, order


def make_temperature_draw(source, order):
    def draw(fig):
        ax_p, ax_t = fig.subplots(1, 2, width_ratios=[1, 1.9])
        bars = ax_p.bar(np.arange(TOP), np.zeros(TOP), color=PALETTE["blue"], animated=True)
        names = [repr(source["vocab"][i])[1:-1].replace(" ", "\u00b7") for i in order]
        ax_p.set_xticks(range(TOP), names, family="monospace")
        ax_p.set_ylim(0, 1.02)
        label(ax_p, "next token", "probability",
              f"after {source['prompt']!r} ({source['what']})")
        info = ax_p.text(0.97, 0.95, "", transform=ax_p.transAxes, ha="right", va="top",
                         fontsize=9, animated=True)
        ax_t.set_axis_off()
        ax_t.set_xlim(0, 1)
        ax_t.set_ylim(0, 1)
        image = ax_t.imshow(np.zeros((2, 2, 4)), extent=(0, 1, 0, 1), aspect="auto",
                            interpolation="none", animated=True)
        return {"bars": bars, "info": info, "ax_t": ax_t, "image": image, "cache": {},
                "samples": source["samples"], "temps": np.asarray(source["temps"], float)}

    return draw


def _sample_images(h):
    """Every stored sample rendered once, at the text panel's final pixel size."""
    box = h["ax_t"].get_window_extent()
    size = (max(int(box.width), 2), max(int(box.height), 2))
    if h["cache"].get("size") != size:
        h["cache"].clear()
        h["cache"]["size"] = size
        dpi = h["ax_t"].figure.dpi
        for k, (T, text) in enumerate(zip(h["temps"], h["samples"], strict=True)):
            body = "\n".join(textwrap.wrap(text.replace("\n", " / "), 60)[:8])
            h["cache"][k] = text_to_rgba(f"a sample at T = {T:.2f}:\n\n{body}", *size, dpi=dpi)
    return h["cache"]


def update_temperature(h, d):
    for bar, p in zip(h["bars"], d["p"], strict=True):
        bar.set_height(p)
    h["info"].set_text(f"T = {d['T']:.2f}\nentropy {d['H']:.2f} nats")
    h["image"].set_data(_sample_images(h)[d["k"]])
    return None


def temperature_figure(source=None, name="ch10.temperature"):
    """The temperature figure for a source (default: the bigram model of the corpus).

    source: dict with vocab (list of V strings), logits (V,) for the next token after the
    prompt, temps (increasing), samples (one text per temperature), prompt, what.
    """
    lazy = source is None
    temps = TEMPS if lazy else np.asarray(source["temps"], float)
    # a log slider whose steps land on the stored temperatures (geometrically spaced)
    step = float(np.log10(temps[-1] / temps[0]) / (len(temps) - 1)) if len(temps) > 1 else 0.05

    def compute(T):
        return make_temperature_compute(bigram_source() if lazy else source)[0](T)

    def draw(fig):
        src = bigram_source() if lazy else source
        return make_temperature_draw(src, make_temperature_compute(src)[1])(fig)

    return InteractiveFigure(
        name=name,
        controls=(Slider("T", float(temps[0]), float(temps[-1]), 1.0, kind="log", step=step,
                         description="temperature T"),),
        compute=compute, draw=draw, update=update_temperature, figsize=(11.0, 3.2),
    )


temperature = temperature_figure()

# ------------------------------------------------------------------------------------------
# 4. Positions: shuffle the tokens, with and without sinusoidal encodings.
# ------------------------------------------------------------------------------------------
WORDS = ["the", "cat", "sat", "by", "the", "lamp"]
D_POS = 16


@lru_cache(maxsize=1)
def _pos_setup():
    rng = np.random.default_rng(7)
    vocab = sorted(set(WORDS))
    _, (omega_e,) = init_params([len(vocab), D_POS], 1.0, rng)  # (D, V) a random embedding
    ids = np.array([vocab.index(w) for w in WORDS])
    head = attention.init_head(D_POS, 8, D_POS, rng, sigma=0.2)
    return omega_e, ids, head


def compute_positions(shuffle, positions):
    """Attention of the sentence in a shuffled order, drawn in the ORIGINAL word order."""
    omega_e, ids, head = _pos_setup()
    N = len(ids)
    perm = np.arange(N) if shuffle <= 0 else np.random.default_rng(int(shuffle)).permutation(N)
    X = attention.embed(ids[perm], omega_e)  # (D, N) tokens in the shuffled order
    if positions:
        X = X + 1.5 * attention.sinusoidal_encoding(D_POS, N)
    A = attention.attention_parts(X, **head)["A"]
    inv = np.argsort(perm)  # undo the shuffle so the words line up with the axes
    return {"A": A[np.ix_(inv, inv)], "order": " ".join(WORDS[i] for i in perm)}


def draw_positions(fig):
    ax = fig.subplots()
    img = ax.imshow(np.zeros((len(WORDS), len(WORDS))), cmap="Blues", vmin=0, vmax=1,
                    animated=True)
    ax.grid(False)
    ax.set_xticks(range(len(WORDS)), WORDS)
    ax.set_yticks(range(len(WORDS)), WORDS)
    label(ax, "query word", "key word", "attention, rows/columns in the original word order")
    text = ax.text(1.04, 0.5, "", transform=ax.transAxes, va="center", fontsize=9,
                   animated=True)
    return {"img": img, "text": text}


def update_positions(h, d):
    h["img"].set_data(d["A"])
    h["text"].set_text("fed to attention as:\n" + "\n".join(textwrap.wrap(d["order"], 22)))
    return None


positions = InteractiveFigure(
    name="ch10.positions",
    controls=(Slider("shuffle", 0, 10, 0, kind="int", description="shuffle (0 = none)"),
              Checkbox("positions", False, description="add sinusoidal encodings")),
    compute=compute_positions, draw=draw_positions, update=update_positions, figsize=(7.0, 3.4),
)

# ------------------------------------------------------------------------------------------
# 5. Decoding: greedy, top-k, nucleus and beam search, from a table of stored continuations.
# ------------------------------------------------------------------------------------------
K_GRID = np.arange(1, 9)                      # top-k: k = 1..8
P_GRID = np.round(np.arange(1, 11) / 10, 1)   # nucleus: top_p = 0.1 .. 1.0
W_GRID = np.arange(1, 5)                      # beam widths 1..4 (4: the comparison text)
T_GRID = np.array([0.5, 1.0, 2.0])            # temperatures of the sampled continuations
N_NEW = 60                                    # new tokens in every stored continuation
METHODS = (("greedy", "greedy"), ("top-k sampling", "top_k"), ("nucleus (top-p)", "top_p"),
           ("beam search", "beam"))


def decoding_source(logits_fn, log_prob_fn, vocab, prompt, what, n_new=N_NEW, seed=0):
    """Every continuation the decoding figure can show, computed once.

    logits_fn(seqs) -> (V, B) next-token logits of B equally long token lists; log_prob_fn(tokens)
    -> (V,) log-probabilities; vocab: the V token strings; prompt: the text to continue.
    Sampled continuations share their random numbers (``attention.sample_decode``), so two
    settings differ only through the filter. Returns a dict: vocab, prompt, what, logits (V,)
    after the prompt, texts {(method, value, T): continuation}, scores {width: log-prob}.
    """
    index = {c: i for i, c in enumerate(vocab)}
    start = [index[c] for c in prompt]
    V = len(vocab)
    settings = [("top_k", int(k), float(T)) for T in T_GRID for k in K_GRID]
    settings += [("top_p", float(p), float(T)) for T in T_GRID for p in P_GRID]
    T = np.array([s[2] for s in settings])
    k = np.array([s[1] if s[0] == "top_k" else V for s in settings])
    top_p = np.array([s[1] if s[0] == "top_p" else 1.0 for s in settings])
    seqs = attention.sample_decode(logits_fn, start, n_new, T, k, top_p,
                                   np.random.default_rng(seed))
    texts = {s: "".join(vocab[i] for i in seq) for s, seq in zip(settings, seqs, strict=True)}
    scores = {}
    for width in W_GRID:
        tokens, scores[int(width)] = attention.beam_search(log_prob_fn, start, int(width), n_new)
        texts[("beam", int(width), 1.0)] = "".join(vocab[i] for i in tokens)
    texts[("greedy", 0, 1.0)] = texts[("beam", 1, 1.0)]  # greedy is a beam of width one
    return {"vocab": list(vocab), "prompt": prompt, "what": what, "texts": texts,
            "scores": scores, "logits": np.asarray(logits_fn([start]), float)[:, 0]}


@lru_cache(maxsize=1)
def bigram_decoding_source():
    """The default source: the bigram model of the corpus (no training needed)."""
    vocab = attention.char_vocab(CORPUS)
    index = {c: i for i, c in enumerate(vocab)}
    logits = attention.bigram_logits(np.array([index[c] for c in CORPUS]), len(vocab))

    def logits_fn(seqs):
        return logits[:, [s[-1] for s in seqs]]  # (V, B): column of the last token

    def log_prob_fn(tokens):
        return logits[:, tokens[-1]]  # bigram_logits are already log-probabilities

    return decoding_source(logits_fn, log_prob_fn, vocab, PROMPT, "bigram model")


def _nearest(grid, value):
    value = float(value) if np.isfinite(value) else float(grid[0])
    return grid[int(np.argmin(np.abs(np.log(grid) - np.log(max(value, 1e-9)))))]


def make_decoding_compute(source):
    order = np.argsort(-np.asarray(source["logits"]))[:TOP]
    f = np.asarray(source["logits"], float)

    def compute(method, k, top_p, width, T):
        k, top_p = int(_nearest(K_GRID, k)), float(_nearest(P_GRID, top_p))
        width, T = int(_nearest(W_GRID, width)), float(_nearest(T_GRID, T))
        unused = {"greedy": "k, top_p, width, T", "top_k": "top_p, width",
                  "top_p": "k, width", "beam": "k, top_p, T"}[method]
        if method in ("greedy", "beam"):  # deterministic: the probabilities at T = 1
            p = attention.softmax_temperature(f, 1.0)
            n_keep = 1 if method == "greedy" else width
            kept = attention.top_k_filter(p, n_keep)
            key = ("greedy", 0, 1.0) if method == "greedy" else ("beam", width, 1.0)
            detail = ("the most probable token, every step" if method == "greedy" else
                      f"width {width}, best log-prob {source['scores'][width]:.1f}")
        else:
            p = attention.softmax_temperature(f, T)
            kept = (attention.top_k_filter(p, k) if method == "top_k"
                    else attention.top_p_filter(p, top_p))
            key = (method, k if method == "top_k" else top_p, T)
            detail = (f"k = {k}, T = {T:g}" if method == "top_k" else f"top_p = {top_p:g}, T = {T:g}")
        n_kept = int((kept > 0).sum())
        info = (f"{dict((v, lab) for lab, v in METHODS)[method]}: {detail}\n"
                f"first step: {n_kept} token{'s' if n_kept > 1 else ''} allowed, "
                f"{p[kept > 0].sum():.0%} of the mass")
        return {"p": p[order], "kept": kept[order], "key": key, "info": info,
                "settings": (f"k = {k}, top_p = {top_p:g}, width = {width}, T = {T:g}\n"
                             f"({unused}: no effect on this method)")}

    return compute, order


def make_decoding_draw(source, order):
    def draw(fig):
        ax_p, ax_t = fig.subplots(1, 2, width_ratios=[1, 1.25])
        x = np.arange(TOP)
        full = ax_p.bar(x, np.zeros(TOP), color=PALETTE["grey"], alpha=0.45, animated=True,
                        label="Softmax[f / T]")
        kept = ax_p.bar(x, np.zeros(TOP), width=0.5, color=PALETTE["blue"], animated=True,
                        label="after the filter")
        names = [repr(source["vocab"][i])[1:-1].replace(" ", "\u00b7") for i in order]
        ax_p.set_xticks(range(TOP), names, family="monospace")
        ax_p.set_ylim(0, 1.02)
        ax_p.legend(loc="center right", fontsize=8)
        label(ax_p, "next token", "probability",
              f"after {source['prompt']!r} ({source['what']})")
        info = ax_p.text(0.97, 0.97, "", transform=ax_p.transAxes, ha="right", va="top",
                         fontsize=8, animated=True)
        ax_t.set_axis_off()
        ax_t.set_xlim(0, 1)
        ax_t.set_ylim(0, 1)
        text = ax_t.text(0.0, 1.0, "", va="top", ha="left", family="monospace", fontsize=8.5,
                         animated=True)
        return {"full": full, "kept": kept, "info": info, "text": text, "texts": source["texts"]}

    return draw


def update_decoding(h, d):
    for bar, p in zip(h["full"], d["p"], strict=True):
        bar.set_height(p)
    for bar, p in zip(h["kept"], d["kept"], strict=True):
        bar.set_height(p)
    h["info"].set_text(d["info"])
    def wrapped(key):
        return "\n".join(textwrap.wrap(h["texts"][key].replace("\n", " / "), 52)[:4])

    other = ("beam search, width 4" if d["key"][0] == "greedy" else "greedy",
             ("beam", 4, 1.0) if d["key"][0] == "greedy" else ("greedy", 0, 1.0))
    h["text"].set_text(f"{d['settings']}\n\n{wrapped(d['key'])}\n\n"
                       f"for comparison, {other[0]}:\n{wrapped(other[1])}")
    return None


def decoding_figure(source=None, name="ch10.decoding"):
    """The decoding figure for a source from ``decoding_source`` (default: the bigram model)."""
    lazy = source is None

    def compute(method, k, top_p, width, T):
        return make_decoding_compute(bigram_decoding_source() if lazy else source)[0](
            method, k, top_p, width, T)

    def draw(fig):
        src = bigram_decoding_source() if lazy else source
        return make_decoding_draw(src, make_decoding_compute(src)[1])(fig)

    return InteractiveFigure(
        name=name,
        controls=(Dropdown("method", METHODS, "top_k", description="decoding"),
                  Slider("k", int(K_GRID[0]), int(K_GRID[-1]), 3, kind="int", description="k"),
                  Slider("top_p", float(P_GRID[0]), 1.0, 0.9, step=0.1, description="top_p"),
                  Slider("width", int(W_GRID[0]), int(W_GRID[-1]), 2, kind="int",
                         description="beam width"),
                  Slider("T", float(T_GRID[0]), float(T_GRID[-1]), 1.0, kind="log",
                         step=float(np.log10(2)), description="temperature T")),
        compute=compute, draw=draw, update=update_decoding, figsize=(10.0, 3.4),
    )


decoding = decoding_figure()

__all__ = ["bpe", "scaling", "temperature", "positions", "decoding", "temperature_figure",
           "decoding_figure", "decoding_source", "bpe_table", "compute_bpe", "compute_scaling",
           "compute_positions", "entropy_curves"]
