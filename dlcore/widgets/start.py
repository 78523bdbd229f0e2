"""The start page's demonstration figure: a slider moves a curve."""

import numpy as np

from .. import nets
from ..layers import relu, sigmoid, tanh
from ..plots import PALETTE, label
from . import Dropdown, InteractiveFigure, Slider

X = np.linspace(-3.0, 3.0, 601)
SHAPES = {"ReLU a[z]": relu, "tanh": tanh, "sigmoid": sigmoid}  # dlcore.layers' activations
ONE_OUTPUT = np.array([[0.0, 1.0]])  # phi: y = h, the unit itself


def compute_demo(slope, offset, shape):
    """One unit: z = theta_0 + theta_1 x, h = a[z], and where z = 0 (the ReLU's joint)."""
    theta = np.array([[offset, slope]])  # (1, 2): one hidden unit of chapter 01's shallow net
    z, h, _ = nets.shallow_parts(X[None, :], theta, ONE_OUTPUT, activation=SHAPES[shape])
    zero = nets.shallow_joints(theta)[0]  # z = 0 at x = -theta_0 / theta_1 (nan for slope 0)
    return {"z": z[0], "h": h[0], "zero": zero}


def draw_demo(fig):
    ax = fig.subplots()
    (zl,) = ax.plot(X, X, color=PALETTE["grey"], linestyle="--", label="$z = \\theta_0 + "
                    "\\theta_1 x$", animated=True)
    (hl,) = ax.plot(X, X, color=PALETTE["blue"], linewidth=2.5, label="$h = a[z]$",
                    animated=True)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.axhline(0, color="black", linewidth=0.6)
    label(ax, "$x$", "value", "one hidden unit: move the sliders")
    ax.legend(loc="upper left")
    (dot,) = ax.plot([], [], "o", color=PALETTE["vermillion"], ms=6, animated=True)
    text = ax.text(0.98, 0.04, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                   animated=True, bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    return {"z": zl, "h": hl, "dot": dot, "text": text}


def update_demo(h, data):
    h["z"].set_ydata(data["z"])
    h["h"].set_ydata(data["h"])
    zero = data["zero"]
    inside = bool(np.isfinite(zero) and X[0] <= zero <= X[-1])
    h["dot"].set_data([zero] if inside else [], [0.0] if inside else [])
    if not np.isfinite(zero):
        where = "slope 0: z never crosses 0"
    else:
        where = f"z = 0 at x = {round(zero, 2) + 0.0:.2f}" + ("" if inside else " (off the plot)")
    h_shown = data["h"][np.isfinite(data["h"])]
    top = h_shown.max() if h_shown.size else 0.0
    h["text"].set_text(where + (f"\n▲ h rises to {top:.2g}, above the plot" if top > 3 else ""))
    return None


demo = InteractiveFigure(
    name="ch00.demo",
    controls=(Slider("slope", -3.0, 3.0, 1.0, step=0.1, description="slope θ₁"),
              Slider("offset", -3.0, 3.0, 0.0, step=0.1, description="offset θ₀"),
              Dropdown("shape", tuple(SHAPES), "ReLU a[z]", description="activation a")),
    compute=compute_demo, draw=draw_demo, update=update_demo, figsize=(6.0, 3.0),
)
