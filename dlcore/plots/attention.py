"""Plots for chapter 10 (dlcore.attention): attention matrices, masks, encodings, tokens."""

import textwrap

import numpy as np

from . import PALETTE, label

__all__ = [
    "plot_attention",
    "plot_matrix",
    "plot_tradeoff",
    "plot_mask",
    "format_tokens",
    "plot_tokens",
    "text_to_rgba",
    "plot_finetuning",
]


def plot_attention(ax, A, keys=None, queries=None, title=None, vmax=1.0, annotate=False,
                   **kwargs):
    """Attention weights A (N_k, N_q) as a heatmap: keys m down, queries n across.

    Each column (one query) sums to one. keys/queries: tick labels (token strings).
    """
    A = np.asarray(A, float)
    img = ax.imshow(A, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest",
                    aspect="auto", **kwargs)
    ax.grid(False)
    if keys is not None:
        ax.set_yticks(range(len(keys)), [repr(k)[1:-1] for k in keys], fontsize=8)
    if queries is not None:
        ax.set_xticks(range(len(queries)), [repr(q)[1:-1] for q in queries], fontsize=8,
                      rotation=90)
    if annotate:
        for (m, n), a in np.ndenumerate(A):
            ax.text(n, m, f"{a:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if a > 0.6 * vmax else "black")
    label(ax, "query $n$", "key $m$", title)
    return img


def plot_matrix(ax, M, xlabel=None, ylabel=None, title=None, cmap="RdBu_r", symmetric=True,
                **kwargs):
    """A real matrix as a heatmap (diverging colours centred on 0 when symmetric)."""
    M = np.asarray(M, float)
    lim = float(np.abs(M).max()) or 1.0
    extra = {"vmin": -lim, "vmax": lim} if symmetric else {}
    img = ax.imshow(M, cmap=cmap, interpolation="nearest", aspect="auto", **extra, **kwargs)
    ax.grid(False)
    label(ax, xlabel, ylabel, title)
    return img


def plot_tradeoff(ax, bpe_vocab, bpe_length, char_point, word_point):
    """Sequence length against vocabulary size: characters, words, and BPE after each merge."""
    (curve,) = ax.plot(bpe_vocab, bpe_length, color=PALETTE["blue"], label="BPE, 0..J merges")
    pts = []
    for (v, n), name, color in ((char_point, "characters", PALETTE["orange"]),
                                (word_point, "words", PALETTE["vermillion"])):
        pts.append(ax.scatter([v], [n], s=50, color=color, zorder=5, label=name))
    ax.set_xscale("log")
    label(ax, "vocabulary size $|\\mathcal{V}|$", "tokens in the corpus $N$")
    ax.legend(loc="upper right")
    return [curve, *pts]


def plot_mask(ax, mask, labels=None, title=None):
    """A boolean mask [key, query] as a grid: filled where attention is allowed."""
    mask = np.asarray(mask, bool)
    img = ax.imshow(mask, cmap="Greys", vmin=-0.3, vmax=1.3, interpolation="nearest")
    ax.grid(False)
    if labels is not None:
        ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=90)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
    label(ax, "query $n$", "key $m$", title)
    return img


def format_tokens(tokens, width=64, sep="|"):
    """Tokens as one wrapped string: spaces shown as a middle dot, tokens separated by sep."""
    text = sep.join(t.replace(" ", "\u00b7").replace("\n", "\u21b5") for t in tokens)
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))


def plot_tokens(ax, tokens, width=64, **kwargs):
    """Draw tokenised text (``format_tokens``) in the axes, monospace, axes hidden."""
    ax.set_axis_off()
    style = dict(family="monospace", fontsize=9, va="top", ha="left")
    style.update(kwargs)
    return ax.text(0.0, 1.0, format_tokens(tokens, width), transform=ax.transAxes, **style)


def text_to_rgba(text, width_px, height_px, dpi=90, **kwargs):
    """Rasterise text (top-left aligned, monospace) into an RGBA array (height_px, width_px, 4).

    Widgets show pre-rendered text as an image: drawing an image is much cheaper than laying
    out and rasterising hundreds of glyphs on every slider move.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    style = dict(family="monospace", fontsize=8.5, va="top", ha="left")
    style.update(kwargs)
    fig.text(0.0, 1.0, text, **style)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def plot_finetuning(ax, rows, title=None, chance=None, chance_label="majority class"):
    """Fine-tuning accuracy against the number of labelled sentences: pre-trained encoder
    against the same encoder from scratch. rows: dicts with n_labelled, pretrained, scratch
    (and majority), one per run; the line is the mean over runs, the dots the runs."""
    n = np.array([r["n_labelled"] for r in rows])
    xs = np.unique(n)
    artists = []
    for key, name, color in (("pretrained", "pre-trained, then fine-tuned", PALETTE["blue"]),
                             ("scratch", "from scratch", PALETTE["vermillion"])):
        acc = np.array([r[key] for r in rows])
        jitter = 1.06 if key == "pretrained" else 0.94
        artists.append(ax.scatter(n * jitter, acc, s=10, color=color, alpha=0.35, lw=0))
        (line,) = ax.plot(xs, [acc[n == x].mean() for x in xs], "o-", color=color, label=name)
        artists.append(line)
    if chance is None:
        chance = [np.mean([r["majority"] for r in rows if r["n_labelled"] == x]) for x in xs]
    (base,) = ax.plot(xs, np.broadcast_to(chance, xs.shape), "--", color=PALETTE["grey"],
                      label=chance_label)
    artists.append(base)
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(int(x)) for x in xs])
    ax.set_ylim(0, 1.02)
    label(ax, "labelled sentences", "accuracy on the test items", title)
    ax.legend(loc="lower right", fontsize=8)
    return artists
