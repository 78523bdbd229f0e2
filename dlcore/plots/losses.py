"""Plots for chapter 02 (dlcore.losses): predicted distributions, likelihoods, losses.

Each function draws on the Axes it is given and returns its artists.
"""

import numpy as np
from matplotlib.patches import Polygon

from . import PALETTE, label

__all__ = [
    "plot_data",
    "plot_mean_band",
    "set_mean_band",
    "band_vertices",
    "plot_underflow",
    "plot_loss_curve",
    "plot_distributions",
    "plot_binary_data",
]


def plot_data(ax, x, y, **kwargs):
    """The training pairs (x_i, y_i) as dots."""
    style = dict(s=12, color=PALETTE["black"], alpha=0.6, zorder=3, label="data $(x_i, y_i)$")
    style.update(kwargs)
    return ax.scatter(x, y, **style)


def band_vertices(x, mu, sigma, k=2.0):
    """The polygon mu - k sigma .. mu + k sigma over x, as (2 I, 2) vertices."""
    x, mu = np.asarray(x, float), np.asarray(mu, float)
    sigma = np.broadcast_to(np.asarray(sigma, float), x.shape)
    upper = np.stack([x, mu + k * sigma], axis=1)  # (I, 2)
    lower = np.stack([x[::-1], (mu - k * sigma)[::-1]], axis=1)  # (I, 2), back along x
    return np.concatenate([upper, lower])


def plot_mean_band(ax, x, mu, sigma, color=None, name="", k=2.0, **kwargs):
    """The predicted mean mu(x) as a line and mu +- k sigma as a shaded band.

    sigma: one number (homoscedastic) or one per x (heteroscedastic). Returns (line, band).
    """
    color = color or PALETTE["blue"]
    (line,) = ax.plot(x, mu, color=color, linewidth=2, label=f"{name} mean $\\mu$".strip(),
                      **kwargs)
    band = Polygon(band_vertices(x, mu, sigma, k), closed=True, facecolor=color, alpha=0.2,
                   edgecolor="none", label=f"{name} $\\mu \\pm {k:g}\\sigma$".strip(), **kwargs)
    ax.add_patch(band)
    return line, band


def set_mean_band(line, band, x, mu, sigma, k=2.0):
    """Move a (line, band) pair drawn by ``plot_mean_band``."""
    line.set_data(x, mu)
    band.set_xy(band_vertices(x, mu, sigma, k))
    return line, band


def plot_underflow(ax_prod, ax_log, I_values, products, log_sums):
    """Left: the likelihood as a product (log scale), with the sizes where it is exactly 0.0
    marked on the floor. Right: the sum of log-likelihoods, which stays finite."""
    I_values = np.asarray(I_values)
    products = np.asarray(products, float)
    zero = products == 0.0
    ax_prod.semilogy(I_values[~zero], products[~zero], ".-", color=PALETTE["blue"], ms=4,
                     label=r"product of the $Pr(y_i|\theta)$")
    floor = 1e-320  # drawn just below the smallest float64 (~4.9e-324 is the last step)
    ax_prod.plot(I_values[zero], np.full(zero.sum(), floor), "x", color=PALETTE["vermillion"],
                 ms=6, clip_on=False, label="exactly 0.0 (underflow)")
    ax_prod.set_ylim(1e-323, 1e10)  # 1e-323 is still > 0 (a subnormal)
    label(ax_prod, "number of data points $I$", "likelihood (product)", "the product underflows")
    ax_prod.legend(loc="upper right")
    ax_log.plot(I_values, log_sums, ".-", color=PALETTE["green"], ms=4,
                label=r"sum of the $\log Pr(y_i|\theta)$")
    label(ax_log, "number of data points $I$", "log-likelihood (sum)", "the sum of logs does not")
    ax_log.legend(loc="upper right")
    return ax_prod, ax_log


def plot_loss_curve(ax, grid, values, best=None, name="L", color=None, **kwargs):
    """A loss as a function of one parameter, with its minimiser marked (a dashed line)."""
    color = color or PALETTE["blue"]
    (line,) = ax.plot(grid, values, color=color, linewidth=2, label=name, **kwargs)
    artists = [line]
    if best is not None:
        artists.append(ax.axvline(best, color=color, linestyle="--", linewidth=1))
    return artists


def plot_distributions(ax, q, p, labels=("q (data)", "p (model)"), classes=None):
    """Two discrete distributions over K classes as side-by-side bars."""
    q, p = np.asarray(q, float), np.asarray(p, float)
    k = np.arange(q.size)
    b1 = ax.bar(k - 0.2, q, width=0.4, color=PALETTE["grey"], label=labels[0])
    b2 = ax.bar(k + 0.2, p, width=0.4, color=PALETTE["blue"], label=labels[1])
    ax.set_xticks(k, classes if classes is not None else [str(i) for i in k])
    ax.set_ylim(0, 1.05 * max(q.max(), p.max()))
    label(ax, "class $k$", "probability")
    ax.legend(loc="upper right")
    return b1, b2


def plot_binary_data(ax, x, y, **kwargs):
    """Binary labels y_i in {0, 1} against x_i, each drawn as a short vertical tick at 0 or 1
    (many ticks on top of each other look darker)."""
    style = dict(marker="|", s=60, linewidths=1.2, color=PALETTE["black"], alpha=0.45, zorder=3,
                 label="data $(x_i, y_i)$")
    style.update(kwargs)
    return ax.scatter(x, y, **style)
