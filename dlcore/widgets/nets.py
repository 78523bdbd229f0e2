"""Interactive figures for chapter 01 (linear regions)."""

import numpy as np

from .. import nets
from ..plots import COLORS, PALETTE, label
from ..plots.nets import plot_joints, plot_piecewise, plot_units, set_joints, set_piecewise
from . import Checkbox, Dropdown, InteractiveFigure, Slider

X_1D = np.linspace(-2.0, 2.0, 801)  # the input grid of the 1-D figures

# ------------------------------------------------------------------------------------------
# 1. The shallow net in three steps, all ten parameters on sliders.
# ------------------------------------------------------------------------------------------
SHALLOW_DEFAULTS = {  # three units with joints at -1.0, 0.4 and 1.2
    "theta_10": 1.0, "theta_11": 1.0,
    "theta_20": -0.4, "theta_21": 1.0,
    "theta_30": 1.2, "theta_31": -1.0,
    "phi_0": -0.5, "phi_1": 1.0, "phi_2": -2.0, "phi_3": 1.5,
}


def shallow_params(**v):
    """Slider values -> theta (3, 2) and phi (1, 4), the layout shallow_net expects."""
    theta = np.array([[v["theta_10"], v["theta_11"]],
                      [v["theta_20"], v["theta_21"]],
                      [v["theta_30"], v["theta_31"]]])
    phi = np.array([[v["phi_0"], v["phi_1"], v["phi_2"], v["phi_3"]]])
    return theta, phi


def compute_shallow_steps(**v):
    """z = theta_d0 + theta_d1 x, h = a[z], phi_d h_d and y, with the joints and regions."""
    theta, phi = shallow_params(**v)
    z, h, y = nets.shallow_parts(X_1D[None, :], theta, phi)  # (3, I), (3, I), (1, I)
    weighted = phi[0, 1:, None] * h  # (3, I): phi_d h_d
    joints = nets.shallow_joints(theta)
    inside = joints[(joints > X_1D[0]) & (joints < X_1D[-1])]
    ids = nets.region_ids(X_1D[None, :], [theta[:, 0], phi[:, 0]], [theta[:, 1:], phi[:, 1:]])
    return {"z": z, "h": h, "weighted": weighted, "y": y[0], "joints": inside, "ids": ids,
            "n_regions": int(ids.max()) + 1}


def draw_shallow_steps(fig):
    axes = fig.subplots(1, 4, sharex=True)
    titles = ["1. pre-activations $z_d$", "2. activations $h_d = a[z_d]$",
              r"3. weighted $\phi_d h_d$", r"output $y = \phi_0 + \sum_d \phi_d h_d$"]
    ylabels = ["$z_d$", "$h_d$", r"$\phi_d h_d$", "$y$"]
    lines = []
    for ax, title, yl, name in zip(axes[:3], titles, ylabels, ["z", "h", r"\phi h"]):
        lines.append(plot_units(ax, X_1D, np.zeros((3, X_1D.size)), name=name, animated=True))
        label(ax, "$x$", yl, title)
        ax.set_ylim(-4, 4)
        ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
    axes[0].legend(loc="upper left", ncols=3, handlelength=1)
    ax = axes[3]
    curve = plot_piecewise(ax, X_1D, np.zeros_like(X_1D), np.zeros(X_1D.size, int),
                           animated=True)
    joints = [plot_joints(a, [], animated=True) for a in axes]
    label(ax, "$x$", "$y$", titles[3])
    ax.set_ylim(-4, 4)
    ax.set_xlim(X_1D[0], X_1D[-1])
    text = ax.text(0.03, 0.95, "", transform=ax.transAxes, va="top", fontsize=9, animated=True)
    return {"axes": axes, "lines": lines, "curve": curve, "joints": joints, "text": text}


def update_shallow_steps(handles, data):
    for lines, rows in zip(handles["lines"], (data["z"], data["h"], data["weighted"])):
        for line, row in zip(lines, rows):
            line.set_ydata(np.clip(row, -50, 50))
    set_piecewise(handles["curve"], X_1D, np.clip(data["y"], -50, 50), data["ids"])
    for coll in handles["joints"]:
        set_joints(coll, data["joints"])
    handles["text"].set_text(f"{len(data['joints'])} joints, {data['n_regions']} regions")
    return None


shallow_steps = InteractiveFigure(
    name="ch01.shallow_steps",
    controls=tuple(
        Slider(k, -3.0, 3.0, v, step=0.05, description=f"θ_{k[-2:]}" if k.startswith("theta")
               else f"φ_{k[-1]}")
        for k, v in SHALLOW_DEFAULTS.items()
    ),
    compute=compute_shallow_steps,
    draw=draw_shallow_steps,
    update=update_shallow_steps,
    figsize=(11.0, 2.9),
)

__all__ = ["shallow_steps", "compute_shallow_steps", "shallow_params", "COLORS", "Checkbox",
           "Dropdown"]
