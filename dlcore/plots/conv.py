"""Plots for chapter 08 (dlcore.conv): signals, kernels, feature maps, receptive fields, images.

Each function draws on the Axes it is given and returns its artists; the ``set_*`` companions
move those artists for the interactive figures.
"""

import numpy as np
from matplotlib.collections import LineCollection

from ..conv import conv_output_size
from . import COLORS, PALETTE, label

__all__ = [
    "plot_signal",
    "plot_kernel",
    "plot_image",
    "plot_taps",
    "set_taps",
    "plot_layers",
    "set_layers",
    "plot_curves",
    "plot_conv_matrix",
    "conv_matrix_rgba",
    "set_conv_matrix",
    "plot_filters",
    "tile_maps",
]


def plot_signal(ax, positions, values, name="x", color=None, **kwargs):
    """A sampled signal: markers joined by a thin line, values against positions i."""
    style = dict(marker="o", markersize=3.5, linewidth=1.0, color=color or PALETTE["blue"],
                 label=f"${name}_i$" if name else None)
    style.update(kwargs)
    (line,) = ax.plot(positions, values, **style)
    return line


def plot_kernel(ax, w, names=None, **kwargs):
    """Kernel weights as bars at positions 1..K (labelled w_1..w_K); returns the bars."""
    w = np.asarray(w, float)
    names = names or [f"$w_{{{k + 1}}}$" for k in range(w.size)]
    bars = ax.bar(np.arange(1, w.size + 1), w, color=PALETTE["orange"], width=0.6, **kwargs)
    ax.set_xticks(np.arange(1, w.size + 1), names)
    ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
    return bars


def plot_image(ax, img, title=None, cmap="gray", **kwargs):
    """An image with no ticks (rows down, as stored)."""
    im = ax.imshow(img, cmap=cmap, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title)
    return im


# -- the geometry of one convolution layer: which inputs feed which output ----------------------
def _tap_geometry(N, K, S, P, D):
    """Input boxes (real and padding), output boxes and the lines from outputs to their taps."""
    padded = np.arange(-P, N + P)  # input positions including the zero padding
    n_o = conv_output_size(N, K, S, P, D)
    starts = np.arange(n_o) * S - P  # first tap of each output, in input positions
    centres = starts + D * (K - 1) / 2  # draw each output above the middle of its window
    segs = [[(c, 1.0), (s + k * D, 0.0)] for c, s in zip(centres, starts, strict=True)
            for k in range(K)]
    return padded, centres, segs


def plot_taps(ax, N, K, S=1, P=0, D=1, animated=False):
    """Inputs (bottom row, padding hollow), outputs (top row) and lines to each output's taps."""
    real = ax.scatter([], [], marker="s", s=110, color=PALETTE["blue"], animated=animated,
                      label="input $x_i$", zorder=3)
    pad = ax.scatter([], [], marker="s", s=110, facecolor="white", edgecolor=PALETTE["grey"],
                     animated=animated, label="zero padding", zorder=3)
    out = ax.scatter([], [], marker="s", s=110, color=PALETTE["vermillion"], animated=animated,
                     label="output $h_i$", zorder=3)
    lines = LineCollection([], colors=PALETTE["grey"], linewidths=0.8, animated=animated)
    first = LineCollection([], colors=PALETTE["orange"], linewidths=2.2, animated=animated)
    ax.add_collection(lines)
    ax.add_collection(first)
    artists = {"real": real, "pad": pad, "out": out, "lines": lines, "first": first}
    set_taps(artists, N, K, S, P, D)
    ax.set_yticks([0, 1], ["input", "output"])
    ax.set_ylim(-0.5, 1.5)
    label(ax, "input position $i$")
    return artists


def set_taps(artists, N, K, S, P, D):
    """Move the artists of ``plot_taps`` to a new K, S, P, D; returns the number of outputs."""
    padded, centres, segs = _tap_geometry(N, K, S, P, D)
    inside = (padded >= 0) & (padded < N)
    artists["real"].set_offsets(np.c_[padded[inside], np.zeros(inside.sum())])
    artists["pad"].set_offsets(np.c_[padded[~inside], np.zeros((~inside).sum())].reshape(-1, 2))
    artists["out"].set_offsets(np.c_[centres, np.ones(centres.size)].reshape(-1, 2))
    artists["lines"].set_segments(segs)
    artists["first"].set_segments(segs[:K])
    return centres.size


# -- receptive fields: units of each layer and the connections into one top unit ----------------
def plot_layers(ax, n_rows, animated=False):
    """Rows of units (layer 0 = input at the bottom); returns the artists ``set_layers`` moves."""
    every = ax.scatter([], [], s=14, color=PALETTE["grey"], animated=animated, zorder=2)
    field = ax.scatter([], [], s=34, color=PALETTE["vermillion"], animated=animated, zorder=3,
                       label="in the receptive field")
    edges = LineCollection([], colors=PALETTE["orange"], linewidths=0.9, alpha=0.8,
                           animated=animated)
    ax.add_collection(edges)
    ax.set_yticks(range(n_rows), ["input"] + [f"layer {k}" for k in range(1, n_rows)])
    ax.set_ylim(-0.6, n_rows - 0.4)
    label(ax, "input position")
    return {"every": every, "field": field, "edges": edges}


def set_layers(artists, all_units, field_units, edges):
    """all_units / field_units: per layer, arrays of x positions; edges: (x_lo, l, x_up)."""
    def pts(rows):
        xy = [np.c_[np.asarray(r, float), np.full(len(r), k)] for k, r in enumerate(rows)]
        return np.concatenate(xy).reshape(-1, 2) if xy else np.zeros((0, 2))

    artists["every"].set_offsets(pts(all_units))
    artists["field"].set_offsets(pts(field_units))
    artists["edges"].set_segments([[(lo, layer - 1), (up, layer)] for lo, layer, up in edges])
    return artists


def plot_curves(ax, histories, key="test_acc", styles=None):
    """One line per named training history (dict name -> history) of ``key`` against epoch."""
    lines = []
    for j, (name, hist) in enumerate(histories.items()):
        style = dict(color=COLORS[j % len(COLORS)], label=name)
        style.update((styles or {}).get(name, {}))
        epochs = np.arange(1, len(hist[key]) + 1)
        (line,) = ax.plot(epochs, hist[key], **style)
        lines.append(line)
    label(ax, "epoch", key.replace("_", " "))
    return lines


# -- convolution as a matrix: the banded M of conv1d_as_matrix ------------------------------------
def tap_colors(K_max):
    """RGBA rows: white for 0, one colour per weight value 1..K_max (w_k = k), pale grey last
    (for rows that do not exist)."""
    from matplotlib.colors import to_rgba

    names = ["white"] + [COLORS[k % len(COLORS)] for k in range(K_max)] + ["#eeeeee"]
    return np.array([to_rgba(c) for c in names])  # (K_max + 2, 4)


def conv_matrix_rgba(M, K_max):
    """The colours of M's cells: entry value v in 0..K_max -> colour v, NaN -> pale grey."""
    codes = np.where(np.isnan(M), K_max + 1, np.nan_to_num(M)).astype(int)  # (rows, n)
    return tap_colors(K_max)[codes]  # (rows, n, 4)


def plot_conv_matrix(ax, M, K_max, animated=False):
    """M (rows, n) drawn cell by cell (row 0 at the top), coloured by value (the kernel
    w = [1, 2, .., K]); NaN rows are drawn pale (rows that do not exist for this setting).
    Returns the mesh; ``set_conv_matrix`` recolours it."""
    rows, n = np.shape(M)
    mesh = ax.pcolormesh(np.arange(n + 1) - 0.5, np.arange(rows + 1) - 0.5, np.zeros((rows, n)),
                         edgecolors=PALETTE["grey"], linewidth=0.3, animated=animated)
    mesh.set_array(None)  # colours come from set_conv_matrix, not from a colormap
    set_conv_matrix(mesh, M, K_max)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)  # row 0 at the top, as a matrix is written
    ax.grid(False)
    label(ax, "input position $j$ (column)", "output $i$ (row)")
    return mesh


def set_conv_matrix(mesh, M, K_max):
    """Recolour the cells of ``plot_conv_matrix`` for a new M of the same shape."""
    mesh.set_facecolor(conv_matrix_rgba(M, K_max).reshape(-1, 4))  # (rows n, 4), row by row
    return mesh


def plot_filters(axes, w, titles=None):
    """One image per 2-D filter w (C_o, K, K), on a symmetric red-blue scale (white = 0)."""
    m = float(np.abs(w).max()) or 1.0
    images = []
    for o, ax in enumerate(np.ravel(axes)):
        images.append(plot_image(ax, w[o], titles[o] if titles else None, cmap="RdBu_r",
                                 vmin=-m, vmax=m))
    return images


def tile_maps(maps, ncols):
    """Feature maps (C, H, W) laid out as one image, ncols maps per row, with a blank (NaN)
    line between neighbours: (rows (H + 1) - 1, ncols (W + 1) - 1)."""
    C, H, W = maps.shape
    nrows = -(-C // ncols)
    out = np.full((nrows * (H + 1) - 1, ncols * (W + 1) - 1), np.nan)
    for c in range(C):
        r, q = divmod(c, ncols)
        out[r * (H + 1):r * (H + 1) + H, q * (W + 1):q * (W + 1) + W] = maps[c]
    return out
