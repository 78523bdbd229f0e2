"""Plots for chapter 05 (dlcore.init): variances per layer, float ranges, loss curves."""

import numpy as np

from . import COLORS, PALETTE, label

__all__ = [
    "plot_layer_variances",
    "set_layer_variances",
    "plot_float_limits",
    "plot_loss_curves",
    "plot_layer_histograms",
    "plot_update_ratios",
    "layer_colors",
    "FLOAT_STYLE",
]

# colour of each float type in the floating-point figures
FLOAT_STYLE = {"float32": PALETTE["orange"], "float64": PALETTE["blue"]}


def plot_layer_variances(ax, k, measured, predicted=None, color=None, name="f", **kwargs):
    """Measured variances per layer (dots joined by a line) and the theory (dashed), log y.

    k: (K+1,) layer indices; measured, predicted: (K+1,). Returns (measured line, theory line).
    """
    color = color or COLORS[0]
    (meas,) = ax.plot(k, measured, "o-", color=color, markersize=3.5, linewidth=1.2,
                      label=f"measured Var[${name}_k$]", **kwargs)
    (theory,) = ax.plot(k, np.full(len(k), np.nan) if predicted is None else predicted, "--",
                        color=PALETTE["black"], linewidth=1.0, alpha=0.75, zorder=3,
                        label="theory: the variance recursion",
                        **kwargs)
    if ax.get_yscale() != "log":
        ax.set_yscale("log")
    return meas, theory


def set_layer_variances(lines, k, measured, predicted, lo=1e-300, hi=1e300):
    """Move the two lines of ``plot_layer_variances``; values are clipped to [lo, hi] so a log
    axis can draw them. Returns True when something had to be clipped."""
    meas, theory = lines
    m = np.asarray(measured, float)
    p = np.asarray(predicted, float)
    clipped = bool(np.any(~np.isfinite(m)) or np.any(m < lo) or np.any(m > hi)
                   or np.any(p < lo) or np.any(p > hi))
    meas.set_data(k, np.clip(np.nan_to_num(m, nan=hi, posinf=hi), lo, hi))
    theory.set_data(k, np.clip(np.nan_to_num(p, nan=hi, posinf=hi), lo, hi))
    return clipped


def plot_float_limits(ax, limits, x_max):
    """Horizontal lines at log10 of each float type's largest, smallest normal and smallest
    subnormal number. limits: {"float32": float_limits(np.float32), ...}. Returns the lines."""
    lines = []
    for name, lim in limits.items():
        color = FLOAT_STYLE.get(name, PALETTE["grey"])
        for key, style, text in (("max", "-", "largest"), ("tiny", "--", "smallest normal"),
                                 ("subnormal", ":", "smallest subnormal")):
            y = np.log10(lim[key])
            lines.append(ax.axhline(y, color=color, linestyle=style, linewidth=0.9, alpha=0.8))
            if key != "tiny":
                va = "bottom" if key == "max" else "top"
                ax.text(x_max, y, f"{name} {text} ({lim[key]:.2g})", color=color, fontsize=7,
                        ha="right", va=va)
    return lines


def plot_loss_curves(ax, curves, ylabel="training loss", log=True):
    """One line per run: curves maps a label to its losses per step; non-finite losses are
    cut off and marked "diverged". Returns the lines."""
    lines = []
    for i, (name, losses) in enumerate(curves.items()):
        losses = np.asarray(losses, float)
        bad = ~np.isfinite(losses)
        shown = np.where(bad, np.nan, losses)
        (line,) = ax.plot(np.arange(len(losses)), shown, color=COLORS[i % len(COLORS)],
                          linewidth=1.3, label=name)
        lines.append(line)
        if bad.any():
            first = int(np.argmax(bad))
            ax.annotate("diverged", (first, np.nanmax(shown[:first + 1]) if first else 1),
                        color=COLORS[i % len(COLORS)], fontsize=8)
    if log:
        ax.set_yscale("log")
    label(ax, "training step", ylabel)
    ax.legend(loc="upper right")
    return lines


def layer_colors(n):
    """n colours from dark (the first layer) to light (the last), one per layer shown."""
    import matplotlib

    return [matplotlib.colormaps["viridis"](v) for v in np.linspace(0.0, 0.85, n)]


def plot_layer_histograms(ax, bins, layers, densities=None, **kwargs):
    """One outline histogram per layer over the same bins, dark to light with depth.

    bins: (B+1,) edges; layers: the layer indices k shown; densities: (len(layers), B) or None
    (empty, for a widget to fill). Returns the list of StepPatch artists."""
    colors = layer_colors(len(layers))
    out = []
    for i, (k, color) in enumerate(zip(layers, colors)):
        values = np.zeros(len(bins) - 1) if densities is None else densities[i]
        out.append(ax.stairs(values, bins, color=color, linewidth=1.4, label=f"k = {k}",
                             **kwargs))
    return out


def plot_update_ratios(ax, ratio, layers, rule_of_thumb=1e-3):
    """The update-to-parameter ratio ||alpha dL/dOmega_k|| / ||Omega_k|| over the steps of a run,
    one line per layer k in ``layers``; ratio: (steps+1, K+1) from ``init.train_sgd``. A grey
    line marks the rule of thumb. Returns the lines."""
    steps = np.arange(ratio.shape[0])
    marker = "o" if np.isfinite(ratio[:, 0]).sum() < 10 else None  # a run that stopped early
    lines = [ax.plot(steps, ratio[:, k], color=c, linewidth=1.2, marker=marker,
                     label=f"$\\Omega_{{{k}}}$")[0]
             for k, c in zip(layers, layer_colors(len(layers)))]
    ax.axhline(rule_of_thumb, color=PALETTE["grey"], linestyle="--", linewidth=0.9,
               label=f"rule of thumb {rule_of_thumb:g}")
    ax.set_yscale("log")
    label(ax, "SGD step t", "update / weights")
    return lines
