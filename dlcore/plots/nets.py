"""Plots for chapter 01 (dlcore.nets): units, joints, linear regions. Each draws on an Axes."""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap

from .. import nets
from . import COLORS, PALETTE, label

__all__ = [
    "plot_units",
    "plot_joints",
    "set_joints",
    "plot_piecewise",
    "plot_region_map",
    "plot_unit_lines",
    "region_cmap",
]


def plot_units(ax, x, rows, name="h", colors=None, **kwargs):
    """One line per row of ``rows`` (D, I) against x (I,), labelled name_1..name_D."""
    colors = colors or COLORS
    lines = []
    for d, row in enumerate(np.atleast_2d(rows)):
        (line,) = ax.plot(x, row, color=colors[d % len(colors)], label=f"${name}_{{{d + 1}}}$",
                          **kwargs)
        lines.append(line)
    return lines


def plot_joints(ax, joints, **kwargs):
    """Dashed vertical lines at the joints (x positions), spanning the full height of the
    axes whatever its y-range; nan entries are skipped."""
    style = dict(colors=PALETTE["grey"], linestyles="dashed", linewidth=0.9)
    style.update(kwargs)
    coll = LineCollection(_joint_segments(joints), transform=ax.get_xaxis_transform(), **style)
    ax.add_collection(coll, autolim=False)
    return coll


def _joint_segments(joints):
    # x in data coordinates, y in axes coordinates (0 = bottom, 1 = top)
    return [[(j, 0.0), (j, 1.0)] for j in np.asarray(joints, float) if np.isfinite(j)]


def set_joints(coll, joints):
    """Move the joint lines drawn by ``plot_joints``."""
    coll.set_segments(_joint_segments(joints))
    return coll


def plot_piecewise(ax, x, y, ids, **kwargs):
    """The curve y(x) with each linear region in its own colour (ids from ``region_ids``)."""
    segs, colors = _piecewise_segments(x, y, ids)
    coll = LineCollection(segs, colors=colors, linewidth=2.2, **kwargs)
    ax.add_collection(coll)
    return coll


def _piecewise_segments(x, y, ids):
    pts = np.stack([x, y], axis=1)  # (I, 2)
    segs = np.stack([pts[:-1], pts[1:]], axis=1)  # (I-1, 2, 2)
    colors = [COLORS[i % len(COLORS)] for i in np.asarray(ids)[:-1]]
    return segs, colors


def set_piecewise(coll, x, y, ids):
    """Update a curve drawn by ``plot_piecewise``."""
    segs, colors = _piecewise_segments(x, y, ids)
    coll.set_segments(segs)
    coll.set_color(colors)
    return coll


def region_cmap(n=None):
    """A qualitative colour map for region labels (colours repeat after seven)."""
    return ListedColormap(COLORS)


def plot_region_map(ax, ids, extent, **kwargs):
    """Regions of a 2-input net as a coloured map; ids (n_y, n_x) from ``region_ids``."""
    img = ax.imshow(np.asarray(ids) % len(COLORS), origin="lower", extent=extent,
                    cmap=region_cmap(), vmin=-0.5, vmax=len(COLORS) - 0.5, alpha=0.55,
                    interpolation="nearest", aspect="auto", **kwargs)
    label(ax, "$x_1$", "$x_2$")
    return img


def plot_unit_lines(ax, theta, extent, **kwargs):
    """For a 2-input shallow net, the line theta_d0 + theta_d1 x1 + theta_d2 x2 = 0 where unit
    d switches on (from ``nets.shallow_joint_lines``), one colour per unit."""
    x0, x1, y0, y1 = extent
    ends = nets.shallow_joint_lines(theta, min(x0, y0), max(x1, y1))  # (D, 2, 2)
    lines = []
    for d, (xs, ys) in enumerate(ends):
        (line,) = ax.plot(xs, ys, color=COLORS[d % len(COLORS)], linewidth=2,
                          label=f"$h_{{{d + 1}}}$ = 0", **kwargs)
        lines.append(line)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return lines


def plot_network_diagram(ax, widths, annotate=True):
    """A fully connected network drawn as nodes and edges, widths = [D_i, D_1, ..., D_o].

    With ``annotate``, the parts are labelled with the course's terms (input layer, hidden
    layers, output layer, weights Omega_k, biases beta_k, depth, width).
    """
    widths = list(widths)
    K = len(widths)
    xs = np.arange(K, dtype=float)
    pos = []
    for k, n in enumerate(widths):
        ys = (np.arange(n) - (n - 1) / 2.0) * 0.9
        pos.append(np.stack([np.full(n, xs[k]), ys], axis=1))
    for k in range(K - 1):
        for a in pos[k]:
            for b in pos[k + 1]:
                ax.plot([a[0], b[0]], [a[1], b[1]], color=PALETTE["grey"], linewidth=0.6,
                        zorder=1)
    colors = [PALETTE["sky"]] + [PALETTE["orange"]] * (K - 2) + [PALETTE["green"]]
    for k, p in enumerate(pos):
        ax.scatter(p[:, 0], p[:, 1], s=260, color=colors[k], edgecolor="black", zorder=3)
        # the bias node of each layer that feeds another: a small square below
    top = max(widths) * 0.45 + 0.6
    if annotate:
        names = (["input $x$\n$D_i = %d$" % widths[0]]
                 + [f"hidden $h_{k}$\n$D_{k} = {w}$" for k, w in enumerate(widths[1:-1], 1)]
                 + ["output $y$\n$D_o = %d$" % widths[-1]])
        for k, name in enumerate(names):
            ax.text(xs[k], top, name, ha="center", va="bottom", fontsize=8)
        for k in range(K - 1):
            ax.text(xs[k] + 0.5, -top, f"$\\Omega_{k}$, $\\beta_{k}$", ha="center",
                    va="top", fontsize=9, color=PALETTE["vermillion"])
        ax.annotate("", xy=(xs[-2] + 0.1, -top - 0.8), xytext=(xs[1] - 0.1, -top - 0.8),
                    arrowprops={"arrowstyle": "<->", "color": PALETTE["black"]})
        ax.text((xs[1] + xs[-2]) / 2, -top - 0.95,
                f"depth: K = {K - 2} hidden layers", ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.6, K - 0.4)
    ax.set_ylim(-top - 1.6, top + 1.1)
    ax.axis("off")
    return ax
