"""Plots for chapter 07 (dlcore.regularization). Each draws on the Axes it is given."""

import numpy as np

from . import COLORS, PALETTE, label

__all__ = [
    "plot_data", "plot_truth", "plot_fit", "plot_band", "set_band", "plot_prior",
    "plot_loss_curves", "plot_contours", "plot_path", "plot_weights", "plot_loss_1d",
    "plot_path_1d",
]


def plot_data(ax, x, y, **kwargs):
    """The training points as black dots."""
    style = dict(color=PALETTE["black"], s=22, zorder=5, label="training data")
    style.update(kwargs)
    return ax.scatter(x, y, **style)


def plot_truth(ax, x, f, **kwargs):
    """The true function, dashed grey."""
    style = dict(color=PALETTE["grey"], linestyle="--", linewidth=1.2, label="true function")
    style.update(kwargs)
    (line,) = ax.plot(x, f, **style)
    return line


def plot_fit(ax, x, f, **kwargs):
    """A fitted function f[x, phi]."""
    style = dict(color=PALETTE["blue"], linewidth=2)
    style.update(kwargs)
    (line,) = ax.plot(x, f, **style)
    return line


def _band_verts(x, lo, hi):
    return np.concatenate([np.stack([x, lo], 1), np.stack([x[::-1], hi[::-1]], 1)])


def plot_band(ax, x, mean, std, k=2.0, **kwargs):
    """A shaded band mean +- k std (a predictive interval); move it with ``set_band``."""
    style = dict(color=PALETTE["sky"], alpha=0.35, linewidth=0, label=f"mean $\\pm$ {k:g} sd")
    style.update(kwargs)
    return ax.fill_between(x, mean - k * std, mean + k * std, **style)


def set_band(band, x, mean, std, k=2.0):
    """Move a band drawn by ``plot_band`` (no new artist)."""
    band.set_verts([_band_verts(np.asarray(x), mean - k * std, mean + k * std)])
    return band


def plot_prior(ax, grid, density, **kwargs):
    """A prior density Pr(phi_d) over a grid of parameter values."""
    style = dict(color=PALETTE["orange"], linewidth=2, label="prior $Pr(\\phi_d)$")
    style.update(kwargs)
    (line,) = ax.plot(grid, density, **style)
    label(ax, r"$\phi_d$", "density")
    return line


def plot_weights(ax, phi, y=0.0, **kwargs):
    """The fitted weights phi_1..phi_D as a rug of ticks at height y."""
    style = dict(color=PALETTE["blue"], marker="|", markersize=14, linestyle="none",
                 label=r"fitted $\phi_d$")
    style.update(kwargs)
    (line,) = ax.plot(phi, np.full(len(phi), y), **style)
    return line


def plot_loss_curves(ax, steps, train, test, stop=None, xlabel="step $t$", test_label="test"):
    """Training and test (or validation: ``test_label``) loss against steps (log x), with the
    early-stopping step marked."""
    (a,) = ax.plot(steps, train, color=PALETTE["blue"], label="training")
    (b,) = ax.plot(steps, test, color=PALETTE["vermillion"], label=test_label)
    artists = [a, b]
    if stop is not None:
        artists.append(ax.axvline(steps[stop], color=PALETTE["grey"], linestyle=":",
                                  label=f"early stop (t = {steps[stop]:,})"))
    ax.set_xscale("log")
    label(ax, xlabel, "loss")
    return artists


def plot_contours(ax, T0, T1, Z, levels=15, **kwargs):
    """Contours of a loss over a 2-D grid of parameters (theta_0, theta_1)."""
    style = dict(levels=levels, colors=PALETTE["grey"], linewidths=0.7)
    style.update(kwargs)
    cs = ax.contour(T0, T1, Z, **style)
    label(ax, r"$\theta_0$", r"$\theta_1$")
    return cs


def plot_path(ax, path, color=None, **kwargs):
    """A path through parameter space, path (T, 2)."""
    style = dict(color=color or COLORS[0], linewidth=1.8)
    style.update(kwargs)
    (line,) = ax.plot(path[:, 0], path[:, 1], **style)
    return line


def plot_loss_1d(ax, grid, L, **kwargs):
    """A loss of one parameter, L(theta) over a grid of theta."""
    style = dict(color=PALETTE["black"], linewidth=1.5)
    style.update(kwargs)
    (line,) = ax.plot(grid, L, **style)
    label(ax, r"$\theta$", "loss")
    return line


def plot_path_1d(ax, thetas, losses, color=None, **kwargs):
    """The iterates theta_t of a 1-parameter descent as dots on their loss curve."""
    style = dict(color=color or COLORS[0], marker="o", markersize=3.5, linestyle="none")
    style.update(kwargs)
    (line,) = ax.plot(thetas, losses, **style)
    return line
