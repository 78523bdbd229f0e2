"""Plots for chapter 03 (dlcore.optim): loss contours, optimisation paths, line searches."""

import numpy as np

from . import PALETTE, label

__all__ = [
    "loss_grid",
    "plot_loss_contours",
    "plot_path",
    "set_path",
    "plot_critical_points",
    "plot_loss_curve",
]


def loss_grid(loss_fn, lim0, lim1, n=90):
    """theta_0, theta_1 grids (n, n) and the loss on them; loss_fn takes a (2, n, n) grid."""
    t0, t1 = np.meshgrid(np.linspace(*lim0, n), np.linspace(*lim1, n))  # (n, n) each
    return t0, t1, loss_fn(np.stack([t0, t1]))


def plot_loss_contours(ax, t0, t1, L, n_levels=14, log=True, filled=True):
    """Contours of a loss surface on the grid from ``loss_grid``. Levels are log-spaced in
    L - min L by default, so the valley floor gets as many lines as the walls. Fixes the axis
    limits to the grid. Returns the contours."""
    L = np.asarray(L, float)
    if log:
        lo, hi = np.nanmin(L), np.nanmax(L)
        span = max(hi - lo, 1e-12)
        levels = lo + np.concatenate([[0.0], np.geomspace(span * 1e-4, span, n_levels)])
    else:
        levels = n_levels
    kw = dict(cmap="Blues_r", alpha=0.75) if filled else dict(cmap="Greys", linewidths=0.6)
    cs = (ax.contourf if filled else ax.contour)(t0, t1, L, levels=levels, **kw)
    if filled:
        ax.contour(t0, t1, L, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    ax.set_xlim(t0.min(), t0.max())
    ax.set_ylim(t1.min(), t1.max())
    label(ax, r"$\theta_0$", r"$\theta_1$")
    return cs


def plot_path(ax, path, color=None, name=None, markersize=3, **kwargs):
    """An optimisation path (T + 1, 2) as a line with dots, one per theta_t. Returns the line
    (``set_path`` moves it)."""
    color = color or PALETTE["vermillion"]
    path = np.asarray(path, float).reshape(-1, 2)
    kwargs.setdefault("linewidth", 1.2)
    (line,) = ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=markersize,
                      label=name, **kwargs)
    return line


def set_path(line, path):
    """Move a path drawn by ``plot_path`` (NaN rows, after a divergence, are not drawn)."""
    path = np.asarray(path, float).reshape(-1, 2)
    line.set_data(path[:, 0], path[:, 1])
    return line


def plot_critical_points(ax, points, kinds):
    """Mark critical points: minima as stars, saddles as crosses, maxima as triangles."""
    style = {"minimum": ("*", PALETTE["yellow"], 12), "saddle": ("X", PALETTE["black"], 8),
             "maximum": ("^", PALETTE["black"], 6)}
    artists = []
    for kind, (marker, color, size) in style.items():
        pts = np.array([p for p, k in zip(points, kinds, strict=True) if k == kind]).reshape(-1, 2)
        artists.append(ax.plot(pts[:, 0], pts[:, 1], marker, color=color, markersize=size,
                               markeredgecolor="black", markeredgewidth=0.6, linestyle="none",
                               label=kind, zorder=5)[0])
    return artists


def plot_loss_curve(ax, losses, color=None, name=None, **kwargs):
    """Loss against step on a log axis. Returns the line."""
    losses = np.asarray(losses, float)
    (line,) = ax.semilogy(np.arange(losses.size), losses, color=color, label=name, **kwargs)
    label(ax, "step $t$", r"$L[\theta_t]$")
    return line
