"""The start page's demonstration figure: a slider moves a curve."""

import numpy as np

from ..nets import relu
from ..plots import PALETTE, label
from . import Dropdown, InteractiveFigure, Slider

X = np.linspace(-3.0, 3.0, 601)
SHAPES = {
    "ReLU a[z]": lambda z: relu(z),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
}


def compute_demo(slope, offset, shape):
    """One unit: h = a[offset + slope * x]."""
    z = offset + slope * X
    return {"z": z, "h": SHAPES[shape](z)}


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
    return {"z": zl, "h": hl}


def update_demo(h, data):
    h["z"].set_ydata(data["z"])
    h["h"].set_ydata(data["h"])
    return None


demo = InteractiveFigure(
    name="ch00.demo",
    controls=(Slider("slope", -3.0, 3.0, 1.0, step=0.1, description="slope θ₁"),
              Slider("offset", -3.0, 3.0, 0.0, step=0.1, description="offset θ₀"),
              Dropdown("shape", tuple(SHAPES), "ReLU a[z]", description="activation a")),
    compute=compute_demo, draw=draw_demo, update=update_demo, figsize=(6.0, 3.0),
)
