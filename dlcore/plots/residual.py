"""Plots for chapter 09 (dlcore.residual): gradients, autocorrelation, paths, variances,
normalisation axes and the U-Net diagram. Each draws on the Axes it is given."""

import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from . import COLORS, PALETTE, label

__all__ = [
    "plot_gradient",
    "plot_autocorrelation",
    "plot_path_counts",
    "plot_norm_axes",
    "plot_norm_axes_conv",
    "plot_unet",
    "plot_training",
    "plot_lr_sweep",
    "plot_gradient_norms",
    "plot_segmentation",
    "plot_detection",
]

KIND_COLOR = {"plain": PALETTE["vermillion"], "residual": PALETTE["blue"]}


def plot_gradient(ax, x, g, kind="plain", **kwargs):
    """dy/dx against the input x, in the colour of the net's kind."""
    (line,) = ax.plot(x, g, color=KIND_COLOR.get(kind, PALETTE["black"]), linewidth=1.0,
                      **kwargs)
    return line


def plot_autocorrelation(ax, lags, c, kind="plain", **kwargs):
    """The autocorrelation c[l] of dy/dx against the lag (in units of x)."""
    style = dict(color=KIND_COLOR.get(kind, PALETTE["black"]), linewidth=1.8, label=kind)
    style.update(kwargs)
    (line,) = ax.plot(lags, c, **style)
    return line


def plot_path_counts(ax, counts, **kwargs):
    """A bar per path length l: how many of the 2^K paths take exactly l branches."""
    counts = np.asarray(counts)
    K = counts.size - 1
    bars = ax.bar(np.arange(K + 1), counts, color=PALETTE["blue"], **kwargs)
    label(ax, "path length $l$ (branches taken)", "number of paths",
          f"K = {K} blocks: $2^K$ = {int(counts.sum())} paths")
    return bars


def plot_norm_axes(ax, kind="batch", D=5, I=8):
    """The hidden activations h (D units x I data points) as a grid; one statistic's cells shaded.

    kind "batch": one unit over the batch (a row); "layer": one data point over its units (a
    column). The hatched cells are the values one mean m and one variance s^2 average over.
    """
    if kind not in ("batch", "layer"):
        raise ValueError(f"kind must be 'batch' or 'layer'; got {kind!r}")
    artists = []
    for d in range(D):
        for i in range(I):
            hit = (d == 1) if kind == "batch" else (i == 2)
            face = PALETTE["orange"] if hit else "white"
            r = Rectangle((i, D - 1 - d), 1, 1, facecolor=face, edgecolor=PALETTE["grey"],
                          linewidth=0.8)
            ax.add_patch(r)
            artists.append(r)
    ax.set_xlim(-0.2, I + 0.2)
    ax.set_ylim(-0.2, D + 0.2)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xticks(np.arange(I) + 0.5, [f"{i + 1}" for i in range(I)], fontsize=8)
    ax.set_yticks(np.arange(D) + 0.5, [f"{D - d}" for d in range(D)], fontsize=8)
    what = ("batch norm: one unit, averaged over the batch" if kind == "batch"
            else "layer norm: one data point, averaged over its units")
    label(ax, "data point $i$ in the batch (columns)", "hidden unit $d$ (rows)", what)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return artists


def plot_norm_axes_conv(ax, kind="batch", I=3, C=4, N=6):
    """The same picture for a convolutional layer: I examples, each C channels x N positions.

    kind "batch": one channel over every example and every position; "layer": one example over
    all its channels and positions. Shaded cells share one mean and one variance.
    """
    if kind not in ("batch", "layer"):
        raise ValueError(f"kind must be 'batch' or 'layer'; got {kind!r}")
    artists = []
    gap = 1.0
    for i in range(I):
        x0 = i * (N + gap)
        for c in range(C):
            for n in range(N):
                hit = (c == 1) if kind == "batch" else (i == 0)
                face = PALETTE["orange"] if hit else "white"
                r = Rectangle((x0 + n, C - 1 - c), 1, 1, facecolor=face,
                              edgecolor=PALETTE["grey"], linewidth=0.6)
                ax.add_patch(r)
                artists.append(r)
        ax.text(x0 + N / 2, C + 0.3, f"example {i + 1}", ha="center", fontsize=8)
    ax.set_xlim(-0.2, I * (N + gap) - gap + 0.2)
    ax.set_ylim(-0.2, C + 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    what = ("CNN batch norm:\none channel, over all examples and positions" if kind == "batch"
            else "CNN layer norm:\none example, over all its channels and positions")
    ax.set_title(what)
    ax.text(-0.5, C / 2, "channels", rotation=90, ha="right", va="center", fontsize=8)
    ax.text(N / 2, -0.6, "positions", ha="center", va="top", fontsize=8)
    return artists


def _box(ax, x, y, w, h, text, color):
    ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor=PALETTE["black"],
                           linewidth=0.8, alpha=0.85))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=8)


def plot_unet(ax, levels=3):
    """The U-Net / hourglass idea: an encoder halves the resolution and widens the channels, a
    decoder undoes it, and skip connections carry each encoder level across to the decoder."""
    artists = []
    step, width = 1.3, 1.0  # distance between columns, width of a box
    right = 2 * levels * step  # x of the last decoder column

    def size(lv):  # (height, centre y) of level lv: the resolution shrinks down the U
        return 2.4 / 1.6 ** lv, 3.0 - 0.9 * lv

    for lv in range(levels):
        h, yc = size(lv)
        ch = 16 * 2 ** lv
        _box(ax, lv * step, yc - h / 2, width, h, f"enc {lv + 1}\n{ch} ch", PALETTE["sky"])
        _box(ax, right - lv * step, yc - h / 2, width, h, f"dec {lv + 1}\n{ch} ch",
             PALETTE["green"])
        a = FancyArrowPatch((lv * step + width, yc), (right - lv * step, yc), arrowstyle="-|>",
                            mutation_scale=10, linestyle="--", color=PALETTE["orange"],
                            linewidth=1.4)
        ax.add_patch(a)
        artists.append(a)
    h, yc = size(levels)
    _box(ax, levels * step - 0.2, yc - h / 2, width + 0.4, h, f"bottleneck {16 * 2 ** levels} ch",
         PALETTE["purple"])
    def low(lv):  # a point a quarter up the box of level lv, where the main path enters/leaves
        h_lv, y_lv = size(lv)
        return y_lv - h_lv / 4

    pad = 0.2  # the bottleneck box is wider by this much on each side
    for lv in range(levels):  # the main path, down the encoder and up the decoder: solid
        inner = pad if lv + 1 == levels else 0.0
        for start, end in (((lv * step + width, low(lv)), ((lv + 1) * step - inner, low(lv + 1))),
                           ((right - (lv + 1) * step + width + inner, low(lv + 1)),
                            (right - lv * step, low(lv)))):
            a = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                color=PALETTE["grey"], linewidth=1.2)
            ax.add_patch(a)
            artists.append(a)
    h0, yc0 = size(0)
    ax.text(width / 2, yc0 + h0 / 2 + 0.15, "input image", ha="center", fontsize=8)
    ax.text(right + width / 2, yc0 + h0 / 2 + 0.15, "output map", ha="center", fontsize=8)
    ax.text(right / 2 + width / 2, yc0 + 0.12, "skip connections (copy + concatenate)",
            ha="center", fontsize=8, color=PALETTE["orange"])
    ax.text(0.0, -0.55, "encoder: downsample,\nmore channels", fontsize=8)
    ax.text(right + width, -0.55, "decoder: upsample,\nfewer channels", fontsize=8, ha="right")
    ax.set_xlim(-0.2, right + width + 0.2)
    ax.set_ylim(-0.8, yc0 + h0 / 2 + 0.5)
    ax.set_axis_off()
    return artists


def plot_training(ax, results, what="loss", smooth=10):
    """Training-loss curves (moving average over ``smooth`` steps), one per (kind, K) run."""
    lines = []
    styles = ["-", "--", ":", "-."]
    by_kind = {}
    for (kind, K), res in results.items():
        j = by_kind.setdefault(kind, 0)
        by_kind[kind] = j + 1
        y = np.asarray(res[what])
        w = max(1, min(smooth, y.size))
        ys = np.convolve(y, np.ones(w) / w, mode="valid")
        (line,) = ax.plot(np.arange(ys.size) + w - 1, ys, styles[j % len(styles)],
                          color=KIND_COLOR.get(kind, COLORS[j % len(COLORS)]),
                          label=f"{kind}, K = {K}")
        lines.append(line)
    label(ax, "training step", "training loss (cross-entropy)")
    ax.legend()
    return lines


BN_COLOR = {False: PALETTE["vermillion"], True: PALETTE["blue"]}


def plot_lr_sweep(ax, lrs, results, diverged_at=None):
    """Final training loss against the learning rate (log axis), without and with batch norm.

    results: {(batch_norm, lr): loss}; a diverged run (inf) is drawn as an x at ``diverged_at``
    (default: the top of the finite losses)."""
    lrs = np.asarray(lrs, dtype=float)
    finite = [v for v in results.values() if np.isfinite(v)]
    top = diverged_at if diverged_at is not None else max(finite) * 1.05
    artists = []
    for bn in (False, True):
        y = np.array([results[bn, lr] for lr in lrs])
        bad = ~np.isfinite(y)
        (line,) = ax.plot(lrs[~bad], y[~bad], "o-", color=BN_COLOR[bn],
                          label="with batch norm" if bn else "without batch norm")
        artists.append(line)
        if bad.any():
            artists.append(ax.plot(lrs[bad], np.full(bad.sum(), top), "x", color=BN_COLOR[bn],
                                   markersize=9, markeredgewidth=2, label="diverged")[0])
    ax.set_xscale("log")
    label(ax, r"learning rate $\alpha$ (SGD)", "final training loss")
    return artists


def plot_gradient_norms(ax, norms, **kwargs):
    """The size of dL/dh_k against the block k, one line per net: norms {name: (K + 1,)}."""
    lines = []
    for j, (name, g) in enumerate(norms.items()):
        kind = "residual" if "residual" in name else "plain"
        (line,) = ax.plot(np.arange(len(g)), g, "o-", markersize=3,
                          color=KIND_COLOR.get(kind, COLORS[j % len(COLORS)]), label=name,
                          **kwargs)
        lines.append(line)
    ax.set_yscale("log")
    label(ax, "block $k$ (input side at 0)", r"$\|\partial L / \partial h_k\|$")
    ax.legend()
    return lines


def plot_segmentation(axes, images, targets, preds):
    """One column per example: the input image, the target mask and the predicted mask
    (axes: a (3, n) array of Axes). Returns the images drawn."""
    artists = []
    rows = (("input", images, "gray"), ("target mask", targets, "Greys"),
            ("U-Net's mask", preds, "Greys"))
    for r, (name, arrs, cmap) in enumerate(rows):
        for j, a in enumerate(arrs):
            ax = axes[r, j]
            artists.append(ax.imshow(np.asarray(a, dtype=float), cmap=cmap,
                                     vmin=None if r == 0 else 0, vmax=None if r == 0 else 1))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if j == 0:
                ax.set_ylabel(name)
    return artists


def plot_detection(ax_image, ax_heat, image, boxes, heat):
    """Detection's output on one image: the boxes drawn over it (left), and the heatmap of
    object centres a detector is trained to produce (right)."""
    artists = [ax_image.imshow(image, cmap="gray")]
    for r0, c0, r1, c1 in boxes:
        box = Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False,
                        edgecolor=PALETTE["orange"], linewidth=2)
        ax_image.add_patch(box)
        artists.append(box)
    artists.append(ax_heat.imshow(heat, cmap="magma", vmin=0, vmax=1))
    for ax, title in ((ax_image, "one box per object"),
                      (ax_heat, "target heatmap of object centres")):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        ax.set_title(title)
    return artists
