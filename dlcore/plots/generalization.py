"""Plots for chapter 06 (dlcore.generalization, dlcore.double_descent). Each draws on an Axes."""

import numpy as np
from matplotlib.collections import LineCollection

from . import PALETTE, label

__all__ = [
    "plot_fits",
    "set_fits",
    "plot_error_bars",
    "set_error_bars",
    "plot_capacity_curve",
    "plot_double_descent",
    "mark_threshold",
]

PART_COLORS = {"bias2": PALETTE["blue"], "variance": PALETTE["orange"],
               "noise": PALETTE["grey"], "mse": PALETTE["black"]}
PART_LABELS = {"bias2": "bias$^2$", "variance": "variance", "noise": r"noise $\sigma^2$",
               "mse": "expected test error"}


def _segments(x, rows):
    rows = np.atleast_2d(rows)
    return np.stack([np.broadcast_to(x, rows.shape), rows], axis=-1)  # (n, I, 2)


def plot_fits(ax, x, preds, f_mu, mu, animated=False):
    """Many fitted models f[x, phi[D_i]] (thin), their mean f_mu[x] and the truth mu[x].

    x (I,), preds (n, I), f_mu (I,), mu (I,). Returns a dict of artists for ``set_fits``."""
    fits = LineCollection(_segments(x, preds), colors=PALETTE["orange"], linewidths=0.8,
                          alpha=0.35, animated=animated, label=r"fits $f[x, \phi[\mathcal{D}]]$")
    ax.add_collection(fits)
    (mean,) = ax.plot(x, f_mu, color=PALETTE["blue"], linewidth=2.2, animated=animated,
                      label=r"mean fit $f_\mu[x]$")
    (truth,) = ax.plot(x, mu, color=PALETTE["black"], linewidth=1.6, linestyle="--",
                       label=r"true $\mu[x]$")
    (data,) = ax.plot([], [], "o", color=PALETTE["vermillion"], markersize=4,
                      animated=animated, label="one training set")
    label(ax, "$x$", "$y$")
    return {"fits": fits, "mean": mean, "truth": truth, "data": data}


def set_fits(artists, x, preds, f_mu, x_data=None, y_data=None):
    """Move the artists drawn by ``plot_fits``."""
    artists["fits"].set_segments(_segments(x, preds))
    artists["mean"].set_data(x, f_mu)
    if x_data is not None:
        artists["data"].set_data(x_data, y_data)
    return artists


def plot_error_bars(ax, parts=None, animated=False):
    """Bars for bias^2, variance and noise, and the expected test error they add up to."""
    keys = ("bias2", "variance", "noise", "mse")
    heights = [0.0 if parts is None else float(parts[k]) for k in keys]
    bars = ax.bar(range(4), heights, color=[PART_COLORS[k] for k in keys], animated=animated)
    ax.set_xticks(range(4), ["bias$^2$", "variance", r"noise", "total"])
    # one text for all four values: each text costs a few ms to render on every update
    values = ax.text(0.02, 0.97, "", transform=ax.transAxes, ha="left", va="top", fontsize=8,
                     animated=animated)
    return {"bars": bars, "values": values, "keys": keys}


def set_error_bars(artists, parts, ymax, extra=""):
    """Set the bar heights (clipped at ymax) and write the true values above them."""
    for bar, k in zip(artists["bars"], artists["keys"], strict=True):
        v = float(parts[k])
        bar.set_height(min(v, 0.97 * ymax) if np.isfinite(v) else 0.97 * ymax)
    b, v, n, m = (float(parts[k]) for k in artists["keys"])
    artists["values"].set_text(f"{b:.3g} + {v:.3g} + {n:.3g}\n= {m:.3g}{extra}")
    return artists


def plot_capacity_curve(ax, curve, keys=("bias2", "variance", "noise", "mse"), **kwargs):
    """bias^2, variance, noise and their sum against the number of hidden units D.

    curve: the dict ``generalization.capacity_curve`` returns."""
    lines = []
    for k in keys:
        (line,) = ax.plot(curve["D"], curve[k], color=PART_COLORS[k], label=PART_LABELS[k],
                          linewidth=2.2 if k == "mse" else 1.6, marker=".", **kwargs)
        lines.append(line)
    ax.set_yscale("log")
    label(ax, "hidden units $D$ (model capacity)", "error, averaged over $x$")
    return lines


def mark_threshold(ax, D_star, text=True, **kwargs):
    """A dashed vertical line at the interpolation threshold D* (1 + D* = I)."""
    style = dict(color=PALETTE["vermillion"], linestyle="--", linewidth=1.2)
    style.update(kwargs)
    line = ax.axvline(D_star, **style)
    if text:
        ax.text(D_star, 0.98, " 1 + D = I", transform=ax.get_xaxis_transform(), ha="left",
                va="top", fontsize=8, color=style["color"])
    return line


def plot_double_descent(ax, curve, n_points, what="test_error", name=None, color=None,
                        train=True):
    """Test (and train) error against model size on a log axis, threshold marked.

    curve: the dict ``double_descent.random_feature_curve`` returns."""
    color = color or PALETTE["blue"]
    name = name or "test"
    (test,) = ax.plot(curve["D"], curve[what], color=color, marker=".", linewidth=2,
                      label=name)
    lines = [test]
    if train:
        (tr,) = ax.plot(curve["D"], curve["train_error"], color=color, linestyle=":",
                        linewidth=1.4, label=f"{name.replace('test', 'train')} (train error)")
        lines.append(tr)
    ax.set_xscale("log")
    mark_threshold(ax, n_points - 1)
    label(ax, "hidden units $D$ (log scale)", what.replace("_", " "))
    return lines
