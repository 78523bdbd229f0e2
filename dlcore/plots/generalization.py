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
    "plot_distance_histograms",
    "plot_relative_spread",
    "plot_ball_volume",
    "plot_shell_fractions",
    "plot_trained_sweep",
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


def plot_distance_histograms(ax, ratios, colors=None):
    """Histograms of pairwise distances divided by their mean, one per dimension D.

    ratios: {D: array of d / mean(d)}. Returns the list of histogram patches."""
    colors = colors or [PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "purple")]
    bins = np.linspace(0.0, 2.5, 101)
    out = []
    for (D, r), c in zip(ratios.items(), colors, strict=False):
        _, _, patches = ax.hist(r, bins=bins, density=True, histtype="stepfilled", alpha=0.45,
                                color=c, edgecolor=c, label=f"D = {D}")
        out.append(patches)
    label(ax, "distance / mean distance", "density")
    return out


def plot_relative_spread(ax, Ds, spread, theory=None):
    """The relative spread std(d) / mean(d) of pairwise distances against D (log-log), and a
    reference curve ``theory`` (same length as Ds) if given."""
    (pts,) = ax.plot(Ds, spread, "o", color=PALETTE["blue"], label="measured")
    lines = [pts]
    if theory is not None:
        (ref,) = ax.plot(Ds, theory, color=PALETTE["black"], linestyle="--", linewidth=1.2,
                         label=r"$\sqrt{0.35 / D}$")
        lines.append(ref)
    ax.set_xscale("log")
    ax.set_yscale("log")
    label(ax, "dimension $D$ (log scale)", "std / mean of distances")
    return lines


def plot_ball_volume(ax, Ds, volume, mc=None):
    """The unit ball's volume V_D against D (log y), with Monte-Carlo points mc = (Ds, V)."""
    lines = ax.plot(Ds, volume, color=PALETTE["black"], linewidth=2, label="$V_D$ (closed form)")
    if mc is not None:
        lines += ax.plot(mc[0], mc[1], "o", color=PALETTE["vermillion"], markersize=5,
                         markerfacecolor="none", label="Monte Carlo")
    ax.set_yscale("log")
    label(ax, "dimension $D$", "volume of the unit ball")
    return lines


def plot_shell_fractions(ax, Ds, shells, mc=None):
    """The fraction of the unit ball within eps of its surface against D, one line per eps.

    shells: {eps: (len(Ds),) fractions}; mc = (Ds, fractions) Monte-Carlo points for the
    first eps."""
    lines = []
    colors = [PALETTE[c] for c in ("orange", "green", "purple")]
    for (eps, frac), c in zip(shells.items(), colors, strict=False):
        lines += ax.plot(Ds, frac, color=c, linewidth=1.8, label=rf"$\epsilon = {eps:g}$")
    if mc is not None:
        eps = next(iter(shells))
        lines += ax.plot(mc[0], mc[1], "o", color=PALETTE["vermillion"], markersize=5,
                         markerfacecolor="none", label=rf"Monte Carlo, $\epsilon = {eps:g}$")
    ax.set_ylim(0, 1.02)
    label(ax, "dimension $D$", r"fraction within $\epsilon$ of the surface")
    return lines


def plot_trained_sweep(ax, params, test_error, train_error, threshold, name="test",
                       color=None, spread=None):
    """Test (solid) and train (dotted) error of trained nets against their parameter count
    (log axis), the threshold P = I K marked; ``spread`` (len, 2) shades min..max over seeds."""
    color = color or PALETTE["blue"]
    lines = ax.plot(params, test_error, color=color, marker=".", linewidth=2, label=name)
    lines += ax.plot(params, train_error, color=color, linestyle=":", linewidth=1.4,
                     label=name.replace("test", "train"))
    if spread is not None:
        ax.fill_between(params, spread[:, 0], spread[:, 1], color=color, alpha=0.2, linewidth=0)
    ax.set_xscale("log")
    style = dict(color=PALETTE["vermillion"], linestyle="--", linewidth=1.2)
    ax.axvline(threshold, **style)
    ax.text(threshold, 0.98, " P = I K", transform=ax.get_xaxis_transform(), ha="left",
            va="top", fontsize=8, color=style["color"])
    label(ax, "parameters $P$ (log scale)", "fraction misclassified")
    return lines
