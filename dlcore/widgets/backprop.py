"""Interactive figures for chapter 04 (backpropagation)."""

from functools import lru_cache

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .. import backprop, layers
from ..plots import COLORS, PALETTE, label
from ..plots.backprop import GRAD_CMAP, plot_matrix
from . import Dropdown, InteractiveFigure, Slider

X_GRID = np.linspace(-2.0, 2.0, 201)  # the input grid of the 1-D curves
WIDTHS = [1, 4, 4, 4, 1]  # D_i, D_1, D_2, D_3, D_o: K = 3 hidden layers
SUB = "₀₁₂₃₄₅₆₇₈₉"  # subscripts for plain (fast) animated text


@lru_cache(maxsize=1)
def demo_net(seed=37):
    """The chapter's small 1-input net (He-scaled Gaussian weights, small biases), fixed seed.

    Returns (betas, omegas) as tuples of read-only arrays (so the cache cannot be changed).
    """
    betas, omegas = layers.init_params(WIDTHS, "he", np.random.default_rng(seed), bias_sigma=0.5)
    for a in omegas + betas:
        a.setflags(write=False)
    return tuple(betas), tuple(omegas)


# ------------------------------------------------------------------------------------------
# 1. A ripple: change one weight and watch every later layer move.
# ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _ripple_base():
    betas, omegas = demo_net()
    fs, hs = backprop.forward_pass(X_GRID[None, :], list(betas), list(omegas))
    return hs[1:] + [fs[-1]]  # h_1, h_2, h_3 (4, I) each, then the output f_3 (1, I)


def compute_ripple(layer=0, delta=0.5):
    """The activations h_1..h_K and the output after adding ``delta`` to entry (0, 0) of
    Omega_layer, with the unchanged ones and the largest change in each panel."""
    betas, omegas = demo_net()
    omegas = [o.copy() for o in omegas]
    omegas[int(layer)][0, 0] += float(delta)  # the one weight that changes
    fs, hs = backprop.forward_pass(X_GRID[None, :], list(betas), omegas)
    new = hs[1:] + [fs[-1]]
    base = _ripple_base()
    change = [float(np.max(np.abs(n - b))) for n, b in zip(new, base, strict=True)]
    return {"new": new, "base": base, "change": change, "layer": int(layer)}


def draw_ripple(fig):
    K = len(WIDTHS) - 2
    axes = fig.subplots(1, K + 1, sharex=True)
    base = _ripple_base()
    lines = []
    # fixed y ranges that hold every slider setting (the extremes of delta bound each curve)
    ends = [compute_ripple(layer, d)["new"] for layer in range(K + 1) for d in (-1.5, 1.5)]
    limits = [(min(float(e[k].min()) for e in ends), max(float(e[k].max()) for e in ends))
              for k in range(K + 1)]
    for k, ax in enumerate(axes):
        rows = base[k]
        name = f"$h_{{{k + 1}}}$" if k < K else f"output $f_{{{K}}}$"
        for row in rows:  # the unchanged net, thin and grey
            ax.plot(X_GRID, row, color=PALETTE["grey"], linewidth=0.9, linestyle="--")
        layer_lines = []
        for d in range(rows.shape[0]):
            (ln,) = ax.plot(X_GRID, rows[d], color=COLORS[d % len(COLORS)], linewidth=1.8,
                            animated=True)
            layer_lines.append(ln)
        lines.append(layer_lines)
        lo, hi = limits[k]
        pad = 0.08 * (hi - lo) + 0.05
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlim(X_GRID[0], X_GRID[-1])
        label(ax, "$x$", None, name if k < K else name)
    axes[0].set_ylabel("value")
    fig.suptitle("grey dashed: the net before the change; coloured: after it", fontsize=10)
    # one short animated text in plain Unicode: every changing glyph costs time, mathtext more
    title = fig.text(0.99, 0.99, "", ha="right", va="top", fontsize=9, animated=True,
                     color=PALETTE["vermillion"])
    return {"lines": lines, "title": title}


def update_ripple(h, data):
    for layer_lines, rows in zip(h["lines"], data["new"], strict=True):
        for ln, row in zip(layer_lines, rows, strict=True):
            ln.set_ydata(np.clip(row, -1e6, 1e6))
    names = [f"h{SUB[k + 1]}" for k in range(len(data["change"]) - 1)]
    names.append(f"f{SUB[len(names)]}")
    moved = " ".join(f"{n} {c:.2g}" for n, c in zip(names, data["change"], strict=True))
    h["title"].set_text(f"largest change: {moved}")
    return None


ripple = InteractiveFigure(
    name="ch04.ripple",
    controls=(
        Dropdown("layer", tuple((f"Ω_{k}", k) for k in range(len(WIDTHS) - 1)), 0,
                 description="change a weight of"),
        Slider("delta", -1.5, 1.5, 0.8, step=0.05, description="by δ"),
    ),
    compute=compute_ripple,
    draw=draw_ripple,
    update=update_ripple,
    figsize=(11.0, 3.0),
)


# ------------------------------------------------------------------------------------------
# 2. The gradients dl/dOmega_k as heatmaps, for one input x and target y.
# ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _curve():
    betas, omegas = demo_net()
    return backprop.forward_pass(X_GRID[None, :], list(betas), list(omegas))[0][-1][0]


def compute_gradients(x=0.5, y=1.0):
    """Forward and backward pass for one point: every dl/dOmega_k, scaled by the largest
    |entry| over all layers, and which hidden units are on."""
    betas, omegas = demo_net()
    trace = backprop.backprop_trace(np.array([float(x)]), np.array([float(y)]),
                                    list(betas), list(omegas))
    grads = trace["dl_domegas"]
    biggest = max(float(np.max(np.abs(g))) for g in grads)
    scale = biggest if biggest > 0 else 1.0
    on = [backprop.relu_derivative(f[:, 0]) for f in trace["fs"][:-1]]  # (D_k,) per hidden layer
    return {"scaled": [g / scale for g in grads], "biggest": biggest, "on": on,
            "f": float(trace["fs"][-1][0, 0]), "x": float(x), "y": float(y),
            "loss": trace["loss"], "dl_df": float(trace["dl_dfs"][-1][0, 0])}


def _axes_in_inches(fig, left, bottom, width, height):
    """An Axes placed in inches, so every heatmap cell has the same size."""
    W, H = fig.get_size_inches()
    return fig.add_axes((left / W, bottom / H, width / W, height / H))


CELL = 0.34  # inches per matrix entry in the heatmaps


def draw_gradients(fig):
    betas, omegas = demo_net()
    fig.set_layout_engine("none")  # placed by hand: equal cells for every matrix
    ax = _axes_in_inches(fig, 0.55, 0.5, 2.2, 2.2)
    ax.plot(X_GRID, _curve(), color=PALETTE["blue"], label="$f_3[x]$")
    (point,) = ax.plot([], [], "o", color=PALETTE["blue"], animated=True, zorder=5)
    (target,) = ax.plot([], [], "*", color=PALETTE["vermillion"], markersize=11, animated=True,
                        label="target $y$", zorder=5)
    (error,) = ax.plot([], [], color=PALETTE["vermillion"], linewidth=1.2, animated=True)
    ax.set_xlim(X_GRID[0] - 0.1, X_GRID[-1] + 0.1)
    ax.set_ylim(-3.2, 3.2)
    ax.legend(loc="lower right", ncols=1)
    label(ax, "$x$", "$y$", "the net and the point")
    W, H = fig.get_size_inches()
    fig.text(10.0 / W, 3.0 / H, "f₃ =\nl = (f₃ − y)² =\n∂l/∂f₃ = 2(f₃ − y) =\nlargest |entry| =",
             va="top", ha="right", fontsize=8)  # static labels; only the numbers change
    text = fig.text(10.05 / W, 3.0 / H, "", va="top", ha="left", fontsize=8, animated=True)
    fig.text(3.45 / W, 0.12 / H, "■ beside a row of a map: that unit is off, a'[f] = 0, so the "
             "row is zero", fontsize=8)
    images, marks = [], []
    left, top = 3.45, 0.75 + 4 * CELL  # inches
    n = len(omegas)
    for k, o in enumerate(omegas):
        rows, cols = o.shape
        a = _axes_in_inches(fig, left, top - rows * CELL - (4 - rows) * CELL / 2,
                            cols * CELL, rows * CELL)
        img = plot_matrix(a, np.zeros(o.shape), vmax=1.0, animated=True,
                          title=rf"$\partial l/\partial\Omega_{{{k}}}$",
                          row_name=f"unit of layer {k + 1}" if k < n - 1 else "output",
                          col_name="input" if k == 0 else f"layer {k}")
        images.append(img)
        if k < n - 1:  # a black square right of each row whose unit is off (a'[f_k] = 0)
            (m,) = a.plot([], [], "s", color=PALETTE["black"], markersize=5, animated=True,
                          clip_on=False)
            marks.append((m, cols + 0.45))  # x of the squares, just right of the map
        left += cols * CELL + 0.75
    cax = _axes_in_inches(fig, left - 0.5, 0.75, 0.14, 4 * CELL)
    fig.colorbar(ScalarMappable(Normalize(-1, 1), cmap=GRAD_CMAP), cax=cax,
                 label="÷ largest |entry|")
    return {"point": point, "target": target, "error": error, "text": text,
            "images": images, "marks": marks}


def update_gradients(h, data):
    x, y, f = data["x"], data["y"], data["f"]
    h["point"].set_data([x], [f])
    h["target"].set_data([x], [y])
    h["error"].set_data([x, x], [f, y])
    for img, g in zip(h["images"], data["scaled"], strict=True):
        img.set_array(g)
    for (m, x_mark), on in zip(h["marks"], data["on"], strict=True):
        off = np.flatnonzero(on == 0)  # rows whose unit is off: a'[f_k] = 0
        m.set_data(np.full(off.size, x_mark), off + 0.5)  # row i spans [i, i + 1]
    h["text"].set_text(f"{f:.2f}\n{data['loss']:.2f}\n{data['dl_df']:.2f}\n"
                       f"{data['biggest']:.2g}")
    if data["biggest"] == 0:
        return "all gradients are zero: the output already equals the target"
    return None


gradients = InteractiveFigure(
    name="ch04.gradients",
    controls=(
        Slider("x", -2.0, 2.0, 0.5, step=0.02, description="input x"),
        Slider("y", -3.0, 3.0, 1.0, step=0.05, description="target y"),
    ),
    compute=compute_gradients,
    draw=draw_gradients,
    update=update_gradients,
    figsize=(11.2, 3.1),
)


# ------------------------------------------------------------------------------------------
# 3. The sin/exp/cos chain: every forward value, every backward derivative, for one x and y.
# ------------------------------------------------------------------------------------------
TOY_PHI = (1.0, 0.1, -0.4, 2.0, -3.0, 2.0, 0.4, 3.0)  # beta_0, omega_0, ..., beta_3, omega_3
TOY_FORWARD = ("f_0", "h_1", "f_1", "h_2", "f_2", "h_3", "f_3")  # bottom up
TOY_BACKWARD = ("f_3", "h_3", "f_2", "h_2", "f_1", "h_1", "f_0")  # top down


def _tex(name):
    """'f_0' -> '$f_0$', 'omega_3' -> '$\\omega_3$'."""
    head, k = name.rsplit("_", 1)
    return f"${chr(92) + head if len(head) > 1 else head}_{k}$"


def compute_toy_chain(x=2.3, y=2.0):
    """The toy chain's forward pass and backward pass (``backprop.toy_forward`` and
    ``toy_backward``) at the input x and target y, with the fixed parameters TOY_PHI."""
    phi = np.array(TOY_PHI)
    values = backprop.toy_forward(float(x), phi)
    derivs = backprop.toy_backward(float(x), float(y), phi)
    return {"forward": np.array([values[k] for k in TOY_FORWARD]),
            "backward": np.array([derivs[f"dl_d{k}"] for k in TOY_BACKWARD]),
            "params": derivs["dl_dphi"], "f_3": values["f_3"], "y": float(y),
            "loss": (values["f_3"] - float(y)) ** 2}


def _bars(ax, n, color):
    return ax.bar(np.arange(n), np.zeros(n), 0.7, color=color, animated=True)


def draw_toy_chain(fig):
    ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1, 1, 1.1])
    fwd = _bars(ax1, 7, PALETTE["blue"])
    (target,) = ax1.plot([5.55, 6.45], [0, 0], color=PALETTE["vermillion"], linewidth=2.5,
                         animated=True, label="target $y$")
    ax1.set_xticks(range(7), [_tex(k) for k in TOY_FORWARD])
    ax1.set_ylim(-4.0, 8.0)
    ax1.axhline(0, color=PALETTE["grey"], linewidth=0.8)
    ax1.legend(loc="upper left")
    label(ax1, "forward pass (bottom up) →", "value", "forward: values")
    back = _bars(ax2, 7, PALETTE["vermillion"])
    ax2.set_xticks(range(7), [_tex(k) for k in TOY_BACKWARD])
    label(ax2, "backward pass (top down) →", "∂l/∂(value)", "backward: derivatives")
    params = _bars(ax3, 8, PALETTE["green"])
    ax3.set_xticks(range(8), [_tex(k) for k in backprop.TOY_NAMES], fontsize=8)
    label(ax3, "parameter", "gradient", "∂l/∂φ")
    for ax in (ax2, ax3):  # symmetric log: small and large derivatives both readable
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(-1500.0, 1500.0)
        ax.axhline(0, color=PALETTE["grey"], linewidth=0.8)
    text = ax1.text(0.98, 0.03, "", transform=ax1.transAxes, ha="right", va="bottom",
                    fontsize=8, animated=True)
    return {"forward": fwd, "target": target, "backward": back, "params": params, "text": text}


def update_toy_chain(h, data):
    for bars, heights in ((h["forward"], data["forward"]), (h["backward"], data["backward"]),
                          (h["params"], data["params"])):
        for bar, v in zip(bars, heights, strict=True):
            bar.set_height(float(v))
    h["target"].set_ydata([data["y"], data["y"]])
    h["text"].set_text(f"l = (f₃ − y)² = {data['loss']:.3g}")
    if abs(data["f_3"] - data["y"]) < 0.02:
        return "f₃ is (almost) y: dl/df₃ = 2(f₃ − y) ≈ 0 makes every derivative (almost) zero"
    return None


toy_chain = InteractiveFigure(
    name="ch04.toy_chain",
    controls=(
        Slider("x", -3.0, 3.0, 2.3, step=0.05, description="input x"),
        Slider("y", -2.0, 4.0, 2.0, step=0.05, description="target y"),
    ),
    compute=compute_toy_chain,
    draw=draw_toy_chain,
    update=update_toy_chain,
    figsize=(12.0, 3.4),
)

__all__ = ["ripple", "gradients", "toy_chain", "compute_ripple", "compute_gradients",
           "compute_toy_chain", "demo_net", "X_GRID", "WIDTHS", "TOY_PHI"]
