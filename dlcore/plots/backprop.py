"""Plots for chapter 04 (dlcore.backprop): matrices as heatmaps, the ReLU's derivative, the
three-way gradient check, the cost of forward vs reverse mode and a loss with its backprop
tangent. Each draws on an Axes."""

import numpy as np

from ..layers import relu, relu_derivative
from . import COLORS, PALETTE, label

__all__ = [
    "GRAD_CMAP",
    "plot_matrix",
    "plot_relu_derivative",
    "plot_check_differences",
    "plot_mode_cost",
    "plot_tangent",
]

GRAD_CMAP = "RdBu_r"  # diverging: red positive, blue negative, white zero


def plot_matrix(ax, m, vmax=1.0, title=None, cmap=GRAD_CMAP, row_name="row", col_name="col",
                **kwargs):
    """A matrix as a heatmap with square cells, row 1 at the top, zero in white.

    Colours run over [-vmax, vmax]; ticks number rows and columns from 1. Cell (i, j) covers
    [j, j + 1] x [i, i + 1]. Returns the QuadMesh (``mesh.set_array(new_m)`` updates it fast).
    """
    m = np.atleast_2d(np.asarray(m, dtype=float))
    rows, cols = m.shape
    mesh = ax.pcolormesh(m, cmap=cmap, vmin=-vmax, vmax=vmax, **kwargs)
    ax.set_aspect("equal")
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)  # row 1 at the top, as the matrix is written
    ax.set_xticks(np.arange(cols) + 0.5, [str(j + 1) for j in range(cols)], fontsize=7)
    ax.set_yticks(np.arange(rows) + 0.5, [str(i + 1) for i in range(rows)], fontsize=7)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    label(ax, col_name, row_name, title)
    return mesh


def plot_relu_derivative(ax, z):
    """a[z] = max(0, z) and its derivative, the indicator I[z > 0], over the 1-D grid z."""
    z = np.asarray(z, dtype=float)
    (relu_line,) = ax.plot(z, relu(z), color=PALETTE["blue"], label="$a[z]$")
    (deriv,) = ax.plot(z, relu_derivative(z), color=PALETTE["vermillion"], linewidth=2.2,
                       label=r"$a'[z] = \mathbb{I}[z > 0]$", drawstyle="steps-post")
    ax.plot([0], [0], "o", color=PALETTE["vermillion"], markersize=5)
    ax.plot([0], [1], "o", mfc="white", color=PALETTE["vermillion"], markersize=5)
    ax.legend(loc="upper left")
    label(ax, "$z$", None, "the ReLU and its derivative")
    return [relu_line, deriv]


def plot_check_differences(ax, names, diffs):
    """Bars of the largest absolute difference per parameter block, one group per comparison.

    names: labels of the parameter blocks (e.g. beta_0, Omega_0, ...); diffs: dict mapping a
    comparison's label to an array of differences, one per block. Log scale; a difference of
    exactly 0 is drawn at 1e-18.
    """
    n = len(names)
    width = 0.8 / max(len(diffs), 1)
    bars = []
    for j, (what, vals) in enumerate(diffs.items()):
        vals = np.maximum(np.asarray(vals, dtype=float), 1e-18)
        bars.append(ax.bar(np.arange(n) + (j - (len(diffs) - 1) / 2) * width, vals, width,
                           color=COLORS[j % len(COLORS)], label=what))
    ax.set_yscale("log")
    ax.set_xticks(range(n), names)
    ax.axhline(2.2e-16, color=PALETTE["grey"], linestyle=":", linewidth=1.2,
               label="float64 machine epsilon")
    ax.legend(loc="upper left", ncols=2)
    label(ax, "parameter block", "largest |difference|")
    return bars


def plot_mode_cost(ax, sizes, forward, reverse, what="inputs $D_i$"):
    """Measured seconds for a full Jacobian by forward and reverse mode against a size."""
    sizes = np.asarray(sizes)
    lines = ax.loglog(sizes, 1e3 * np.asarray(forward), "o-", color=PALETTE["blue"],
                      label="forward mode (one pass per input)")
    lines += ax.loglog(sizes, 1e3 * np.asarray(reverse), "s-", color=PALETTE["vermillion"],
                       label="reverse mode (one pass per output)")
    ax.legend(loc="upper left")
    label(ax, f"number of {what}", "time for the whole Jacobian (ms)")
    return lines


def plot_tangent(ax, t, loss, t0, l0, slope, name="\\theta"):
    """The loss along one parameter (``loss`` at the values ``t``) and, through (t0, l0), the
    tangent line of slope ``slope`` that the backward pass predicts. Returns [curve, tangent]."""
    t = np.asarray(t, dtype=float)
    (curve,) = ax.plot(t, loss, color=PALETTE["blue"], linewidth=2.0, label="$l$")
    (tangent,) = ax.plot(t, l0 + slope * (t - t0), color=PALETTE["vermillion"], linestyle="--",
                         linewidth=1.4, label="backprop slope")
    ax.plot([t0], [l0], "o", color=PALETTE["black"], markersize=4)
    label(ax, f"${name}$", None)
    return [curve, tangent]
