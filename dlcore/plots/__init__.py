"""Plotting for the course: one palette, one look, functions that draw on a given Axes.

Rules every plot function follows (CONTRIBUTING.md, "Plots"):
* ``plot_x(ax, ...) -> artists``: draw on the Axes given, create no figure, call no ``show()``;
* compute nothing the maths modules do not already compute;
* label the axes (with units or the notes' symbol);
* never touch the global ``plt.rcParams``: ``new_figure`` applies ``COURSE_RC`` to the one
  figure it creates.

Chapter-specific plots live in submodules named after the maths module they draw
(``dlcore.plots.nets`` for ``dlcore.nets``).
"""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "PALETTE",
    "COLORS",
    "COURSE_RC",
    "new_figure",
    "label",
    "message",
    "clear_message",
    "finite_or_message",
]

# Okabe & Ito's colour-blind-safe palette, in the order the course uses it.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
COLORS = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow")]

COURSE_RC = {
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "image.cmap": "viridis",
}


def new_figure(nrows=1, ncols=1, figsize=(8, 3.2), **kwargs):
    """A figure and its axes in the course style (applied to this figure only).

    The notebook calls this; plot functions only ever receive an Axes.
    """
    with plt.rc_context(COURSE_RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", **kwargs)
    return fig, axes


def label(ax, xlabel=None, ylabel=None, title=None):
    """Set the axis labels and title that every course figure carries."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def message(ax, text, artist=None):
    """Write ``text`` across the middle of ``ax`` (for "overflow", "no data", bad input).

    Pass the artist a previous call returned to reuse it (a widget must not stack texts).
    """
    if artist is None:
        artist = ax.text(
            0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=11,
            color=PALETTE["vermillion"], zorder=10,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": PALETTE["vermillion"]},
        )
    artist.set_text(text)
    artist.set_visible(bool(text))
    return artist


def clear_message(artist):
    """Hide a message drawn by ``message``."""
    if artist is not None:
        artist.set_visible(False)
    return artist


def finite_or_message(values, what="values"):
    """Return None when every entry is finite, else a short message such as
    "overflow: values reached inf" for the figure to show instead of raising."""
    arr = np.asarray(values, dtype=float)
    if np.isfinite(arr).all():
        return None
    if np.isnan(arr).any():
        return f"undefined: {what} became NaN (inf - inf or 0 * inf)"
    return f"overflow: {what} exceeded the float64 range (~1.8e308)"
