"""Interactive figures for chapter 01 (linear regions)."""

import functools

import numpy as np
from matplotlib.collections import LineCollection

from .. import losses, nets
from ..plots import COLORS, PALETTE, label
from ..plots.nets import plot_joints, plot_piecewise, plot_units, set_joints, set_piecewise
from . import Checkbox, Dropdown, InteractiveFigure, Slider

X_1D = np.linspace(-2.0, 2.0, 801)  # the input grid of the 1-D figures
_BOX = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none"}  # behind texts on curves

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
    ids = nets.region_ids(X_1D[None, :], *nets.shallow_as_deep(theta, phi))  # (I,)
    dead = [d + 1 for d in range(h.shape[0]) if not np.any(h[d] > 0)]  # h_d = 0 on all of X_1D
    return {"z": z, "h": h, "weighted": weighted, "y": y[0], "joints": inside, "ids": ids,
            "n_regions": int(ids.max()) + 1, "dead": dead}


STEPS_YLIM = (-5.0, 5.0)  # holds the default net (max |phi_d h_d| = 4.8)


def draw_shallow_steps(fig):
    axes = fig.subplots(1, 4, sharex=True)
    titles = ["1. pre-activations $z_d$", "2. activations $h_d = a[z_d]$",
              r"3. weighted $\phi_d h_d$", r"output $y = \phi_0 + \sum_d \phi_d h_d$"]
    ylabels = ["$z_d$", "$h_d$", r"$\phi_d h_d$", "$y$"]
    lines = []
    for ax, title, yl, name in zip(axes[:3], titles, ylabels, ["z", "h", r"\phi h"]):
        lines.append(plot_units(ax, X_1D, np.zeros((3, X_1D.size)), name=name, animated=True))
        label(ax, "$x$", yl, title)
        ax.set_ylim(*STEPS_YLIM)
        ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
    axes[0].legend(loc="upper left", ncols=3, handlelength=1)
    ax = axes[3]
    curve = plot_piecewise(ax, X_1D, np.zeros_like(X_1D), np.zeros(X_1D.size, int),
                           animated=True)
    joints = [plot_joints(a, [], animated=True) for a in axes]
    label(ax, "$x$", "$y$", titles[3])
    ax.set_ylim(*STEPS_YLIM)
    ax.set_xlim(X_1D[0], X_1D[-1])
    text = ax.text(0.03, 0.04, "", transform=ax.transAxes, va="bottom", fontsize=9, animated=True,
                   bbox=_BOX)
    # The axes stay fixed, so that two settings can be compared; a curve that leaves them is
    # announced in its panel: "▲ 7.2" at the top (it rises to 7.2), "▼ -6.4" at the bottom.
    off = [[a.text(0.97, y, "", transform=a.transAxes, ha="right", va=va, fontsize=8,
                   color=PALETTE["vermillion"], animated=True, bbox=_BOX)
            for y, va in ((0.97, "top"), (0.03, "bottom"))] for a in axes]
    return {"axes": axes, "lines": lines, "curve": curve, "joints": joints, "text": text,
            "off": off}


def off_scale(values, ylim):
    """The two texts that say how far a curve leaves the y-range ylim (empty if it does not)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "", ""
    top = f"▲ {v.max():.3g}" if v.max() > ylim[1] else ""
    bottom = f"▼ {v.min():.3g}" if v.min() < ylim[0] else ""
    return top, bottom


def update_shallow_steps(handles, data):
    panels = (data["z"], data["h"], data["weighted"], data["y"])
    for texts, values in zip(handles["off"], panels):
        for text, message in zip(texts, off_scale(values, STEPS_YLIM)):
            text.set_text(message)
            text.set_visible(bool(message))
    for lines, rows in zip(handles["lines"], panels[:3]):
        for line, row in zip(lines, rows):
            line.set_ydata(row)
    set_piecewise(handles["curve"], X_1D, data["y"], data["ids"])
    for coll in handles["joints"]:
        set_joints(coll, data["joints"])
    handles["text"].set_text(f"{len(data['joints'])} joints, {data['n_regions']} regions")
    return dead_message(data["dead"])


def dead_message(dead):
    """The figure's note when hidden units are 0 at every x shown (their phi_d do nothing)."""
    if not dead:
        return None
    hs = ", ".join(f"h_{d}" for d in dead)
    phis = ", ".join(f"φ_{d}" for d in dead)
    verb = ("is", "has") if len(dead) == 1 else ("are", "have")
    return f"{hs} {verb[0]} 0 for every x shown: {phis} {verb[1]} no effect"


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


# ------------------------------------------------------------------------------------------
# 2. Hidden units are joints: D units -> D joints -> D + 1 regions.
# ------------------------------------------------------------------------------------------
def random_shallow_1d(D, seed):
    """A shallow net with D units whose joints fall inside [-2, 2] (theta (D, 2), phi (1, D+1)).

    The joints are random but spread out: one in each of D equal slices of [-1.9, 1.9], away
    from the slice's ends, so no two are closer than 0.2 * 3.8 / D (wider than the grid step
    of X_1D, which therefore sees every region)."""
    rng = np.random.default_rng(seed)
    joints = -1.9 + 3.8 * (np.arange(D) + rng.uniform(0.1, 0.9, size=D)) / D
    joints = rng.permutation(joints)  # unit d's joint can be anywhere
    slopes = rng.choice([-1.0, 1.0], size=D) * rng.uniform(0.5, 1.5, size=D)
    theta = np.stack([-joints * slopes, slopes], axis=1)  # z_d = 0 at x = joints_d
    phi = rng.normal(0.0, 1.0, size=(1, D + 1))
    return theta, phi


def compute_hidden_units(D, seed):
    theta, phi = random_shallow_1d(D, seed)
    y = nets.shallow_net(X_1D[None, :], theta, phi)[0]
    # A random net's output can reach +-25 on [-2, 2]; scaling all its output weights phi
    # moves no joint and merges no region, so scale them until y fits the axes (|y| <= 5.5).
    phi = phi * min(1.0, 5.5 / max(np.max(np.abs(y)), 1e-12))
    y = nets.shallow_net(X_1D[None, :], theta, phi)[0]
    ids = nets.region_ids(X_1D[None, :], *nets.shallow_as_deep(theta, phi))
    return {"y": y, "ids": ids, "joints": nets.shallow_joints(theta), "n": int(ids.max()) + 1}


def draw_hidden_units(fig):
    ax = fig.subplots()
    curve = plot_piecewise(ax, X_1D, np.zeros_like(X_1D), np.zeros(X_1D.size, int),
                           animated=True)
    joints = plot_joints(ax, [], animated=True)
    label(ax, "$x$", r"$y = f[x, \phi]$", "a shallow ReLU net: each hidden unit adds one joint")
    ax.set_xlim(X_1D[0], X_1D[-1])
    ax.set_ylim(-6, 6)
    text = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", animated=True,
                   bbox=_BOX)
    return {"curve": curve, "joints": joints, "text": text}


def update_hidden_units(h, data):
    set_piecewise(h["curve"], X_1D, data["y"], data["ids"])
    set_joints(h["joints"], data["joints"])
    D = len(data["joints"])
    h["text"].set_text(f"D = {D} hidden units -> {D} joints -> {data['n']} linear regions")
    return None


hidden_units = InteractiveFigure(
    name="ch01.hidden_units",
    controls=(Slider("D", 1, 20, 3, kind="int", description="hidden units D"),
              Slider("seed", 0, 20, 0, kind="int", description="random net #")),
    compute=compute_hidden_units, draw=draw_hidden_units, update=update_hidden_units,
    figsize=(8.0, 3.0),
)

# ------------------------------------------------------------------------------------------
# 2b. Other activations: the same net with ReLU, sigmoid, Heaviside and linear units.
# ------------------------------------------------------------------------------------------
ACTIVATIONS = {"ReLU": nets.relu, "sigmoid": nets.sigmoid, "Heaviside": nets.heaviside,
               "linear": nets.linear}
Z_ACT = np.linspace(-4.0, 4.0, 161)  # the z-axis of the panels that draw a[z]


def scale_to_fit(y):
    """y moved and scaled into [-1, 1] (its shape, which is what the panels compare), and the
    factor it was divided by; a constant y becomes 0 with factor 0."""
    mid, half = (y.max() + y.min()) / 2, (y.max() - y.min()) / 2
    return ((y - mid) / half if half > 1e-12 else np.zeros_like(y)), float(half)


def compute_activations(D, seed, steep):
    """One random shallow net (joints inside [-2, 2]) with every slope theta_d1 and bias
    theta_d0 multiplied by ``steep`` (the joints stay put), run with each activation."""
    theta, phi = random_shallow_1d(D, seed)
    theta = steep * theta  # z_d = steep (theta_d0 + theta_d1 x): same joint, steeper switch
    out = {"joints": nets.shallow_joints(theta), "D": D}
    for name, a in ACTIVATIONS.items():
        y = nets.shallow_net(X_1D[None, :], theta, phi, activation=a)[0]
        out[name], out[name + " scale"] = scale_to_fit(y)
    curvature = np.abs(np.diff(out["linear"], 2))
    out["linear straight"] = bool(curvature.max() < 1e-9)
    out["heaviside levels"] = int(np.unique(np.round(out["Heaviside"], 9)).size)
    out["relu pieces"] = int(nets.region_ids(X_1D[None, :],
                                             *nets.shallow_as_deep(theta, phi)).max()) + 1
    return out


def draw_activations(fig):
    axes = fig.subplots(2, 4, height_ratios=(1, 2.2))
    curves, texts, joints = {}, {}, []
    for (name, a), top, ax in zip(ACTIVATIONS.items(), axes[0], axes[1]):
        top.plot(Z_ACT, a(Z_ACT), color=PALETTE["black"], linewidth=1.8)
        top.axhline(0, color=PALETTE["grey"], linewidth=0.6)
        top.set_ylim(*((-4.2, 4.2) if name == "linear" else (-0.4, 4.2) if name == "ReLU"
                       else (-0.2, 1.2)))
        label(top, "$z$", "$a[z]$", f"{name}")
        (curves[name],) = ax.plot(X_1D, np.zeros_like(X_1D), color=PALETTE["blue"],
                                  linewidth=2, animated=True)
        joints.append(plot_joints(ax, [], animated=True))
        ax.set_xlim(X_1D[0], X_1D[-1])
        ax.set_ylim(-1.25, 1.45)
        label(ax, "$x$", "$y$ (scaled to fit)" if name == "ReLU" else None)
        texts[name] = ax.text(0.03, 0.97, "", transform=ax.transAxes, va="top", fontsize=8,
                              animated=True, bbox=_BOX)
    return {"curves": curves, "texts": texts, "joints": joints}


def update_activations(h, data):
    for name in ACTIVATIONS:
        h["curves"][name].set_ydata(data[name])
    for coll in h["joints"]:
        set_joints(coll, data["joints"])
    D = data["D"]
    h["texts"]["ReLU"].set_text(f"{data['relu pieces']} linear pieces, kinks at the joints")
    h["texts"]["sigmoid"].set_text("smooth: no straight pieces")
    h["texts"]["Heaviside"].set_text(f"{data['heaviside levels']} flat pieces, {D} jumps")
    h["texts"]["linear"].set_text(f"one straight line, whatever D (= {D})")
    return None


activations = InteractiveFigure(
    name="ch01.activations",
    controls=(Slider("D", 1, 8, 3, kind="int", description="hidden units D"),
              Slider("seed", 0, 20, 0, kind="int", description="random net #"),
              Slider("steep", 0.3, 10.0, 2.0, kind="log", description="steepness of every z_d")),
    compute=compute_activations, draw=draw_activations, update=update_activations,
    figsize=(11.0, 4.4),
)


# ------------------------------------------------------------------------------------------
# 2c. Fit it by hand: the ten parameters on sliders, the least-squares loss live.
# ------------------------------------------------------------------------------------------
def fit_data(I=20, seed=3, noise=0.15):
    """The game's data: I points, x spread over [-1.9, 1.9], y = sin(1.6 x) + 0.3 x + noise."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.9, 1.9, I))
    return x, np.sin(1.6 * x) + 0.3 * x + noise * rng.normal(size=I)


FIT_X, FIT_Y = fit_data()
# the joints the reference may use: every 0.1 over the data, and one beyond each end (a unit
# whose joint lies beyond the data is a straight line, or zero, on the data)
FIT_JOINTS = np.r_[-2.5, np.round(np.arange(-2.0, 2.0001, 0.1), 10), 2.5]
FIT_YLIM = (-3.0, 3.0)


@functools.lru_cache(maxsize=1)
def best_fit():
    """The reference: the best 3-unit net whose joints lie on FIT_JOINTS (nets.fit_shallow_grid),
    as (theta (3, 2), phi (1, 4), loss). Cached: it tries about 100,000 nets."""
    return nets.fit_shallow_grid(FIT_X, FIT_Y, FIT_JOINTS, 3)


def compute_fit_by_hand(show_best=False, **v):
    theta, phi = shallow_params(**v)
    f_data = nets.shallow_net(FIT_X[None, :], theta, phi)[0]  # the net at the data points
    z, h, y = nets.shallow_parts(X_1D[None, :], theta, phi)
    ids = nets.region_ids(X_1D[None, :], *nets.shallow_as_deep(theta, phi))
    joints = nets.shallow_joints(theta)
    theta_b, phi_b, loss_b = best_fit()
    return {"y": y[0], "ids": ids, "f_data": f_data, "joints": joints,
            "loss": losses.least_squares(FIT_Y, f_data), "best_loss": loss_b,
            "best_y": nets.shallow_net(X_1D[None, :], theta_b, phi_b)[0], "show_best": show_best,
            "dead": [d + 1 for d in range(h.shape[0]) if not np.any(h[d] > 0)]}


def draw_fit_by_hand(fig):
    ax = fig.subplots()
    ax.scatter(FIT_X, FIT_Y, s=22, color=PALETTE["black"], zorder=4, label="data $(x_i, y_i)$")
    residuals = LineCollection([], colors=PALETTE["vermillion"], linewidths=1.0,
                               animated=True)
    ax.add_collection(residuals, autolim=False)
    (best,) = ax.plot(X_1D, np.zeros_like(X_1D), color=PALETTE["grey"], linewidth=2.5,
                      linestyle="--", label="reference fit (tick the box)", animated=True)
    curve = plot_piecewise(ax, X_1D, np.zeros_like(X_1D), np.zeros(X_1D.size, int),
                           animated=True)
    joints = plot_joints(ax, [], animated=True)
    ax.set_xlim(X_1D[0], X_1D[-1])
    ax.set_ylim(*FIT_YLIM)
    label(ax, "$x$", "$y$", " ")
    title = ax.set_title(" ", animated=True)
    off = [ax.text(0.99, y, "", transform=ax.transAxes, ha="right", va=va, fontsize=8,
                   color=PALETTE["vermillion"], animated=True, bbox=_BOX)
           for y, va in ((0.97, "top"), (0.03, "bottom"))]
    ax.legend(loc="lower left", fontsize=8)
    return {"residuals": residuals, "best": best, "curve": curve, "joints": joints,
            "title": title, "off": off}


def update_fit_by_hand(h, data):
    set_piecewise(h["curve"], X_1D, data["y"], data["ids"])
    set_joints(h["joints"], data["joints"])
    h["residuals"].set_segments([[(x, y), (x, f)] for x, y, f in
                                 zip(FIT_X, FIT_Y, np.clip(data["f_data"], -1e3, 1e3))])
    h["best"].set_ydata(data["best_y"])
    h["best"].set_visible(data["show_best"])
    for text, message in zip(h["off"], off_scale(data["y"], FIT_YLIM)):
        text.set_text(message)
        text.set_visible(bool(message))
    h["title"].set_text(f"your loss L = {data['loss']:.3g}   (reference fit: "
                        f"{data['best_loss']:.3g})")
    return dead_message(data["dead"])


fit_by_hand = InteractiveFigure(
    name="ch01.fit_by_hand",
    controls=(*shallow_steps.controls,
              Checkbox("show_best", False, description="show the reference fit")),
    compute=compute_fit_by_hand, draw=draw_fit_by_hand, update=update_fit_by_hand,
    figsize=(8.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 3. Universal approximation: more units, smaller error.
# ------------------------------------------------------------------------------------------
X_FIT = np.linspace(-1.0, 1.0, 401)
TARGETS = {
    "sine": lambda x: np.sin(3.0 * x) + 0.3 * x,
    "bump": lambda x: np.exp(-8.0 * x ** 2),
    "step (discontinuous)": lambda x: (x > 0.2).astype(float),
    "wiggle": lambda x: np.sin(9.0 * x) * np.exp(-x ** 2),
}


def compute_universal(D, target):
    y_true = TARGETS[target](X_FIT)
    theta, phi = nets.fit_shallow_lstsq(X_FIT, y_true, D, -1.0, 1.0)
    y_fit = nets.shallow_net(X_FIT[None, :], theta, phi)[0]
    err = np.abs(y_fit - y_true)
    return {"y_true": y_true, "y_fit": y_fit, "joints": nets.shallow_joints(theta),
            "max_err": float(err.max()), "rms": float(np.sqrt(np.mean(err ** 2)))}


def draw_universal(fig):
    ax = fig.subplots()
    (true,) = ax.plot(X_FIT, np.zeros_like(X_FIT), color=PALETTE["grey"], linewidth=4,
                      alpha=0.6, label="target", animated=True)
    (fit,) = ax.plot(X_FIT, np.zeros_like(X_FIT), color=PALETTE["blue"], linewidth=1.6,
                     label="shallow net, D units", animated=True)
    joints = plot_joints(ax, [], animated=True, alpha=0.5)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1.5, 1.5)
    label(ax, "$x$", "$y$", "fitting a target with D ReLU units (least-squares output weights)")
    ax.legend(loc="lower right")
    text = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top", animated=True)
    return {"true": true, "fit": fit, "joints": joints, "text": text}


def update_universal(h, data):
    h["true"].set_ydata(data["y_true"])
    h["fit"].set_ydata(data["y_fit"])
    set_joints(h["joints"], data["joints"])
    h["text"].set_text(f"max |error| = {data['max_err']:.3f}   RMS error = {data['rms']:.4f}")
    return None


universal = InteractiveFigure(
    name="ch01.universal",
    controls=(Slider("D", 1, 60, 4, kind="int", description="hidden units D"),
              Dropdown("target", tuple(TARGETS), "sine", description="target")),
    compute=compute_universal, draw=draw_universal, update=update_universal,
    figsize=(8.0, 3.0),
)

# ------------------------------------------------------------------------------------------
# 4. Two inputs: each unit switches on along a line; the lines cut the plane into regions.
# ------------------------------------------------------------------------------------------
G2 = np.linspace(-3.0, 3.0, 181)
X_2D = np.stack([a.ravel() for a in np.meshgrid(G2, G2)])  # (2, 181 * 181), columns = points
EXTENT = (-3.0, 3.0, -3.0, 3.0)


def random_shallow_2d(D, seed, spread=2.0):
    rng = np.random.default_rng(seed)
    # directions spread around the circle (no two lines nearly parallel, so they cross nearby)
    angles = (np.arange(D) + rng.uniform(0.2, 0.8, size=D)) * np.pi / D
    angles = angles + np.pi * rng.integers(0, 2, size=D)  # which side of the line is active
    offsets = rng.uniform(-spread, spread, size=D)  # distance of each line from the origin
    theta = np.stack([-offsets, np.cos(angles), np.sin(angles)], axis=1)  # (D, 3)
    phi = rng.normal(size=(1, D + 1))
    return theta, phi


def compute_two_inputs(D, seed, show):
    theta, phi = random_shallow_2d(D, seed)
    ids = nets.region_ids(X_2D, *nets.shallow_as_deep(theta, phi)).reshape(G2.size, G2.size)
    y = nets.shallow_net(X_2D, theta, phi)[0].reshape(G2.size, G2.size)
    lines = nets.shallow_joint_lines(theta, EXTENT[0], EXTENT[1])  # (D, 2, 2): where h_d = 0
    return {"lines": lines, "ids": ids, "y": y, "show": show, "n": int(ids.max()) + 1,
            "zaslavsky": nets.max_regions_shallow(D, 2)}


def draw_two_inputs(fig):
    ax = fig.subplots()
    img = ax.imshow(np.zeros((G2.size, G2.size)), origin="lower", extent=EXTENT,
                    cmap="viridis", vmin=0, vmax=1, interpolation="nearest", animated=True)
    lines = [ax.plot([], [], color="white", linewidth=1.2, animated=True)[0] for _ in range(12)]
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
    ax.grid(False)
    label(ax, "$x_1$", "$x_2$")
    text = ax.set_title(" ", animated=True)
    return {"img": img, "lines": lines, "text": text}


def update_two_inputs(h, data):
    if data["show"] == "regions":
        h["img"].set_data(data["ids"] % len(COLORS))
        h["img"].set_cmap(_REGION_CMAP)
        h["img"].set_clim(-0.5, len(COLORS) - 0.5)
    else:
        y = data["y"]
        h["img"].set_data(y)
        h["img"].set_cmap("viridis")
        h["img"].set_clim(y.min(), y.max() + 1e-12)
    for k, line in enumerate(h["lines"]):
        if k < len(data["lines"]):
            line.set_data(*data["lines"][k])
            line.set_visible(True)
        else:
            line.set_visible(False)
    D = len(data["lines"])
    h["text"].set_text(f"D = {D} units: {data['n']} regions in view "
                       f"(at most {data['zaslavsky']} in the whole plane)")
    return None


from ..plots.nets import region_cmap  # noqa: E402

_REGION_CMAP = region_cmap()

two_inputs = InteractiveFigure(
    name="ch01.two_inputs",
    controls=(Slider("D", 1, 12, 3, kind="int", description="hidden units D"),
              Slider("seed", 0, 20, 0, kind="int", description="random net #"),
              Dropdown("show", ("regions", "output y"), "regions", description="colour by")),
    compute=compute_two_inputs, draw=draw_two_inputs, update=update_two_inputs,
    figsize=(4.6, 4.2),
)

# ------------------------------------------------------------------------------------------
# 4b. Two inputs, step by step: planes z_d, clipped h_d, weighted phi_d h_d, summed y.
# ------------------------------------------------------------------------------------------
G_STEPS = np.linspace(-3.0, 3.0, 81)
X_STEPS = np.stack([a.ravel() for a in np.meshgrid(G_STEPS, G_STEPS)])  # (2, 81 * 81)
STEPS_CLIM = 4.0  # every panel shares one colour scale, -4 (blue) .. 0 (white) .. 4 (red)


def compute_plane_steps(seed, phi_1, phi_2, phi_3):
    """The three steps of a 2-input shallow net with D = 3 (random_shallow_2d's theta, the
    sliders' phi, phi_0 = 0), each as an image over the square [-3, 3]^2."""
    theta, _ = random_shallow_2d(3, seed)
    phi = np.array([[0.0, phi_1, phi_2, phi_3]])
    z, h, y = nets.shallow_parts(X_STEPS, theta, phi)  # (3, I), (3, I), (1, I)
    n = G_STEPS.size
    return {"z": z.reshape(3, n, n), "h": h.reshape(3, n, n),
            "weighted": (phi[0, 1:, None] * h).reshape(3, n, n), "y": y.reshape(n, n),
            "lines": nets.shallow_joint_lines(theta, EXTENT[0], EXTENT[1]),
            "y_range": (float(y.min()), float(y.max()))}


def draw_plane_steps(fig):
    grid = fig.add_gridspec(3, 4, width_ratios=(1, 1, 1, 1.9))
    titles = ["1. planes $z_d$", "2. clipped $h_d = a[z_d]$", r"3. weighted $\phi_d h_d$"]
    style = dict(origin="lower", extent=EXTENT, cmap="RdBu_r", vmin=-STEPS_CLIM,
                 vmax=STEPS_CLIM, interpolation="none", animated=True)
    images, lines = {"z": [], "h": [], "weighted": []}, []
    for d in range(3):
        for col, key in enumerate(images):
            ax = fig.add_subplot(grid[d, col])
            images[key].append(ax.imshow(np.zeros((G_STEPS.size,) * 2), **style))
            (line,) = ax.plot([], [], color=COLORS[d], linewidth=1.5, linestyle="--",
                              animated=True)
            lines.append((d, line))
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            ax.grid(False)
            ax.set_xticks([-3, 0, 3] if d == 2 else [])
            ax.set_yticks([-3, 0, 3] if col == 0 else [])
            if d == 0:
                ax.set_title(titles[col])
            if col == 0:
                ax.set_ylabel(f"unit {d + 1}\n$x_2$", color=COLORS[d])
            if d == 2:
                ax.set_xlabel("$x_1$")
    ax = fig.add_subplot(grid[:, 3])
    y_img = ax.imshow(np.zeros((G_STEPS.size,) * 2), **style)
    for d in range(3):
        (line,) = ax.plot([], [], color=COLORS[d], linewidth=1.5, linestyle="--", animated=True)
        lines.append((d, line))
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.grid(False)
    label(ax, "$x_1$", "$x_2$", r"4. sum $y = \phi_0 + \sum_d \phi_d h_d$  ($\phi_0 = 0$)")
    fig.colorbar(y_img, ax=ax, shrink=0.8, label="value (one scale for every panel)")
    text = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=8, animated=True, bbox=_BOX)
    return {"images": images, "y": y_img, "lines": lines, "text": text}


def update_plane_steps(h, data):
    for key, imgs in h["images"].items():
        for img, values in zip(imgs, data[key]):
            img.set_data(values)
    h["y"].set_data(data["y"])
    for d, line in h["lines"]:
        line.set_data(*data["lines"][d])
    lo, hi = data["y_range"]
    h["text"].set_text(f"y from {lo:.2g} to {hi:.2g}"
                       + ("  (colours saturate beyond ±4)" if max(-lo, hi) > STEPS_CLIM else ""))
    return None


plane_steps = InteractiveFigure(
    name="ch01.plane_steps",
    controls=(Slider("seed", 0, 20, 0, kind="int", description="random net #"),
              Slider("phi_1", -2.0, 2.0, 1.0, step=0.05, description="φ_1"),
              Slider("phi_2", -2.0, 2.0, -1.0, step=0.05, description="φ_2"),
              Slider("phi_3", -2.0, 2.0, 0.5, step=0.05, description="φ_3")),
    compute=compute_plane_steps, draw=draw_plane_steps, update=update_plane_steps,
    figsize=(8.6, 4.9),
)


# ------------------------------------------------------------------------------------------
# 5. Folding: network 1 folds x, network 2 is replicated on every fold.
# ------------------------------------------------------------------------------------------
FOLD_THETA = np.array([[0.0, 1.0], [-1 / 3, 1.0], [-2 / 3, 1.0]])  # joints at 0, 1/3, 2/3
FOLD_PHI = np.array([[0.0, 3.0, -6.0, 6.0]])  # y zig-zags 0 -> 1 -> 0 -> 1 on [0, 1]
X_FOLD = np.linspace(0.0005, 0.9995, 901)  # inside (0, 1): x = 0 is a joint itself
Y_FOLD = np.linspace(-0.1, 1.1, 301)


FOLD_SLOPE = 4.0  # network 2's slopes: +4, -4, +4 between its joints (when they fit)
FOLD_YLIM = (-0.2, 1.6)  # the y' axes; network 2's y' always lies in [0, 1.4]


def fold_net2(t1, t2, t3):
    """Network 2 with joints at y = t1, t2, t3: theta' (3, 2) and phi' (1, 4).

    Unit d switches on at t_d (theta'_d0 = -t_d, theta'_d1 = 1). The output weights go to the
    joints in increasing order as (a, -2a, 2a), so y' rises, falls and rises again whatever the
    order of the sliders. a = 4 (slopes +-4) unless y' would then leave [0, 1.4] for some y in
    [-0.1, 1.1]; then a is smaller and the offset phi'_0 lifts y' to 0. Only the joints decide
    the linear regions; a and phi'_0 keep the curves on the fixed axes.
    """
    t = np.array([t1, t2, t3], dtype=float)
    theta2 = np.stack([-t, np.ones(3)], axis=1)  # (3, 2)
    pattern = np.zeros(3)
    pattern[np.argsort(t, kind="stable")] = [1.0, -2.0, 2.0]  # up, down, up
    g = nets.shallow_net(Y_FOLD[None, :], theta2, np.r_[0.0, pattern][None, :])[0]
    span = g.max() - g.min()  # g(-0.1) = 0, so g.min() <= 0 <= g.max()
    a = FOLD_SLOPE if FOLD_SLOPE * span <= 1.4 else 1.4 / span
    phi2 = np.r_[-a * g.min(), a * pattern][None, :]  # (1, 4)
    return theta2, phi2


def compute_folding(t1, t2, t3):
    """Network 2 has joints at y = t1, t2, t3 (see ``fold_net2``); the composition y'[y[x]]
    written as one deep network, with its linear regions."""
    theta2, phi2 = fold_net2(t1, t2, t3)
    y = nets.shallow_net(X_FOLD[None, :], FOLD_THETA, FOLD_PHI)[0]
    y2_of_y = nets.shallow_net(Y_FOLD[None, :], theta2, phi2)[0]
    betas, omegas = nets.compose_shallow(FOLD_THETA, FOLD_PHI, theta2, phi2)  # y'[y[x]]
    y2 = nets.deep_net(X_FOLD[None, :], betas, omegas)[0]
    ids = nets.region_ids(X_FOLD[None, :], betas, omegas)
    return {"y": y, "y2_of_y": y2_of_y, "y2": y2, "ids": ids, "n": int(ids.max()) + 1,
            "joints2": np.array([t1, t2, t3]), "a": float(np.max(phi2[0, 1:]) / 2)}


def draw_folding(fig):
    axes = fig.subplots(1, 3)
    (l1,) = axes[0].plot(X_FOLD, nets.shallow_net(X_FOLD[None], FOLD_THETA, FOLD_PHI)[0],
                         color=PALETTE["blue"], linewidth=2)
    label(axes[0], "$x$", "$y$", "network 1 folds $x$")
    axes[1].axvspan(0.0, 1.0, color=PALETTE["sky"], alpha=0.12, linewidth=0)
    axes[1].text(0.5, 0.97, "the $y$ network 1 outputs", transform=axes[1].get_xaxis_transform(),
                 ha="center", va="top", fontsize=8, color=PALETTE["blue"])
    (l2,) = axes[1].plot(Y_FOLD, np.zeros_like(Y_FOLD), color=PALETTE["orange"], linewidth=2,
                         animated=True)
    j2 = plot_joints(axes[1], [], animated=True)
    label(axes[1], "$y$", "$y'$", " ")
    slope = axes[1].set_title(" ", animated=True)
    curve = plot_piecewise(axes[2], X_FOLD, np.zeros_like(X_FOLD), np.zeros(X_FOLD.size, int),
                           animated=True)
    label(axes[2], "$x$", "$y'$", " ")
    text = axes[2].set_title(" ", animated=True)
    for ax, xlim in zip(axes, [(0, 1), (-0.15, 1.15), (0, 1)]):
        ax.set_xlim(*xlim)
    axes[0].set_ylim(-0.1, 1.1)
    axes[1].set_ylim(*FOLD_YLIM)
    axes[2].set_ylim(*FOLD_YLIM)
    return {"l2": l2, "j2": j2, "curve": curve, "text": text, "slope": slope}


def update_folding(h, data):
    h["l2"].set_ydata(data["y2_of_y"])
    set_joints(h["j2"], data["joints2"])
    set_piecewise(h["curve"], X_FOLD, data["y2"], data["ids"])
    h["text"].set_text(f"composed $y'[y[x]]$: {data['n']} linear regions")
    h["slope"].set_text(f"network 2: $y \\to y'$, slopes ±{data['a']:.2g}")
    return None


folding = InteractiveFigure(
    name="ch01.folding",
    controls=(Slider("t1", -0.1, 1.1, 0.25, step=0.01, description="joint 1 of net 2"),
              Slider("t2", -0.1, 1.1, 0.5, step=0.01, description="joint 2 of net 2"),
              Slider("t3", -0.1, 1.1, 0.75, step=0.01, description="joint 3 of net 2")),
    compute=compute_folding, draw=draw_folding, update=update_folding,
    figsize=(10.0, 3.0),
)

# ------------------------------------------------------------------------------------------
# 5b. Inside the second layer: its pre-activations are a 3-output shallow net of x; its ReLUs
#     clip them and so add new joints. Network 1 is the folding figure's; psi on sliders.
# ------------------------------------------------------------------------------------------
SECOND_PHI = fold_net2(0.25, 0.5, 0.75)[1]  # phi' (1, 4): the output layer, held fixed
_COMPOSED = nets.compose_shallow(FOLD_THETA, FOLD_PHI, *fold_net2(0.25, 0.5, 0.75))
PSI_DEFAULTS = {f"psi_{d + 1}{j}": float(np.c_[_COMPOSED[0][1], _COMPOSED[1][1]][d, j])
                for j in range(4) for d in range(3)}  # the composition's psi, column by column
SECOND_YLIM = (-1.2, 1.6)


def psi_matrix(**v):
    """Slider values psi_dj -> the (3, 4) array [psi_d0 | psi_d1 psi_d2 psi_d3]."""
    return np.array([[v[f"psi_{d + 1}{j}"] for j in range(4)] for d in range(3)])


def compute_second_layer(**v):
    """Layer 2 of the deep net x -> h (network 1's hidden layer) -> h' -> y'.

    Its pre-activations f_d = psi_d0 + sum_j psi_dj h_j are a shallow net of x with three
    outputs, phi = psi (nets.shallow_net); h'_d = a[f_d] clips them, adding a joint wherever f_d
    crosses zero (nets.zero_crossings); y' = phi'_0 + sum_d phi'_d h'_d (phi' fixed).
    """
    psi = psi_matrix(**v)
    f = nets.shallow_net(X_FOLD[None, :], FOLD_THETA, psi)  # (3, I): a 3-output shallow net
    betas = [FOLD_THETA[:, 0], psi[:, 0], SECOND_PHI[:, 0]]
    omegas = [FOLD_THETA[:, 1:], psi[:, 1:], SECOND_PHI[:, 1:]]
    y = nets.deep_net(X_FOLD[None, :], betas, omegas)[0]
    ids = nets.region_ids(X_FOLD[None, :], betas, omegas)
    rows, xs = nets.zero_crossings(X_FOLD, f)
    return {"f": f, "h": nets.relu(f), "y": y, "ids": ids, "n": int(ids.max()) + 1,
            "new_rows": rows, "new_x": xs}


def draw_second_layer(fig):
    axes = fig.subplots(1, 4, sharex=True)
    _, h1, _ = nets.shallow_parts(X_FOLD[None, :], FOLD_THETA, FOLD_PHI)
    plot_units(axes[0], X_FOLD, h1, name="h")
    axes[0].legend(loc="upper left", ncols=3, handlelength=1, fontsize=7)
    axes[0].set_ylim(-0.1, 1.3)
    label(axes[0], "$x$", "$h_j$", "layer 1: $h_j = a[\\theta_{j0} + \\theta_{j1} x]$")
    joints1 = nets.shallow_joints(FOLD_THETA)
    titles = ["layer 2 in: $f_d = \\psi_{d0} + \\sum_j \\psi_{dj} h_j$",
              "layer 2 out: $h'_d = a[f_d]$", "output $y' = \\phi'_0 + \\sum_d \\phi'_d h'_d$"]
    for ax, title, yl in zip(axes[1:], titles, ["$f_d$", "$h'_d$", "$y'$"]):
        plot_joints(ax, joints1)
        ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
        label(ax, "$x$", yl, title)
        ax.set_ylim(*SECOND_YLIM)
    plot_joints(axes[0], joints1)
    lines = [plot_units(ax, X_FOLD, np.zeros((3, X_FOLD.size)), name=n, animated=True)
             for ax, n in ((axes[1], "f"), (axes[2], "h'"))]
    marks = axes[2].scatter([], [], s=30, marker="o", zorder=5, edgecolors=PALETTE["black"],
                            linewidths=0.6, animated=True)
    new_joints = plot_joints(axes[3], [], animated=True, colors=PALETTE["vermillion"],
                             linestyles="dotted")
    curve = plot_piecewise(axes[3], X_FOLD, np.zeros_like(X_FOLD), np.zeros(X_FOLD.size, int),
                           animated=True)
    axes[3].set_xlim(0, 1)
    texts = [ax.text(0.03, 0.03, "", transform=ax.transAxes, fontsize=8, animated=True,
                     bbox=_BOX) for ax in axes[2:]]
    off = [[a.text(0.97, y, "", transform=a.transAxes, ha="right", va=va, fontsize=8,
                   color=PALETTE["vermillion"], animated=True, bbox=_BOX)
            for y, va in ((0.97, "top"), (0.12, "bottom"))] for a in axes[1:]]
    return {"lines": lines, "marks": marks, "new_joints": new_joints, "curve": curve,
            "texts": texts, "off": off}


def update_second_layer(h, data):
    for lines, rows in zip(h["lines"], (data["f"], data["h"])):
        for line, row in zip(lines, rows):
            line.set_ydata(row)
    for texts, values in zip(h["off"], (data["f"], data["h"], data["y"])):
        for text, message in zip(texts, off_scale(values, SECOND_YLIM)):
            text.set_text(message)
            text.set_visible(bool(message))
    xs = data["new_x"]
    h["marks"].set_offsets(np.c_[xs, np.zeros_like(xs)] if xs.size else np.zeros((0, 2)))
    h["marks"].set_facecolors([COLORS[d] for d in data["new_rows"]])
    set_joints(h["new_joints"], xs)
    set_piecewise(h["curve"], X_FOLD, data["y"], data["ids"])
    h["texts"][0].set_text(f"clipping adds {xs.size} joints (dots)")
    h["texts"][1].set_text(f"{data['n']} linear regions")
    return None


second_layer = InteractiveFigure(
    name="ch01.second_layer",
    controls=tuple(
        Slider(k, -2.0 if k.endswith("0") else -8.0, 2.0 if k.endswith("0") else 8.0, v,
               step=0.05 if k.endswith("0") else 0.1, description=f"ψ_{k[-2:]}")
        for k, v in PSI_DEFAULTS.items()
    ),
    compute=compute_second_layer, draw=draw_second_layer, update=update_second_layer,
    figsize=(11.0, 3.1),
)


# ------------------------------------------------------------------------------------------
# 5c. Two inputs: network 1 (x_1, x_2) -> y, network 2 y -> y', and the composition.
# ------------------------------------------------------------------------------------------
G_DEEP2 = np.linspace(-3.0, 3.0, 121)
X_DEEP2 = np.stack([a.ravel() for a in np.meshgrid(G_DEEP2, G_DEEP2)])  # (2, 121 * 121)


_ANGLES = np.pi / 2 + 2 * np.pi * np.arange(3) / 3  # three directions, 120 degrees apart
NET1_2D = {  # network 1's (theta, phi) before scaling: a hand-made bowl, and random nets
    "bowl": (np.c_[np.full(3, -0.5), np.cos(_ANGLES), np.sin(_ANGLES)],  # z_d = n_d . x - 1/2
             np.array([[0.0, 1.0, 1.0, 1.0]])),
    **{f"random {k}": random_shallow_2d(3, k) for k in (1, 2, 5, 7)},
}


def net1_2d(net1, x=X_DEEP2):
    """Network 1 of the 2-input figure, ``net1`` one of NET1_2D: the bowl is 0 on a triangle
    around the origin and rises on every side, y = sum_d a[n_d . x - 1/2]. Its output is moved
    and scaled so that y runs over exactly [0, 1] on the points x (that moves no boundary).
    Returns theta (3, 3), phi (1, 4)."""
    theta, phi = NET1_2D[net1]
    y = nets.shallow_net(x, theta, phi)[0]
    lo, span = y.min(), max(np.ptp(y), 1e-12)
    return theta, np.c_[phi[:, :1] - lo, phi[:, 1:]] / span  # y -> (y - lo) / span


def compute_deep_2d(net1, t1, t2, t3, show="regions", x=X_DEEP2):
    """Network 2 (fold_net2: joints at y = t1, t2, t3) after network 1 (net1_2d), written as one
    deep net (nets.compose_shallow); regions and outputs on the points x (2, I)."""
    theta1, phi1 = net1_2d(net1, x)
    theta2, phi2 = fold_net2(t1, t2, t3)
    betas, omegas = nets.compose_shallow(theta1, phi1, theta2, phi2)  # y'[y[x]]
    ids1 = nets.region_ids(x, *nets.shallow_as_deep(theta1, phi1))
    ids = nets.region_ids(x, betas, omegas)
    n = int(round(np.sqrt(x.shape[1])))
    return {"y": nets.shallow_net(x, theta1, phi1)[0].reshape(n, n),
            "y2": nets.deep_net(x, betas, omegas)[0].reshape(n, n),
            "ids": ids.reshape(n, n), "n": int(ids.max()) + 1, "n1": int(ids1.max()) + 1,
            "lines": nets.shallow_joint_lines(theta1, EXTENT[0], EXTENT[1]),
            "y2_of_y": nets.shallow_net(Y_FOLD[None, :], theta2, phi2)[0],
            "joints2": np.array([t1, t2, t3]), "show": show}


def draw_deep_2d(fig):
    axes = fig.subplots(1, 3, width_ratios=(1, 1.15, 1))
    n = G_DEEP2.size
    y_img = axes[0].imshow(np.zeros((n, n)), origin="lower", extent=EXTENT, cmap="viridis",
                           vmin=0, vmax=1, interpolation="none", animated=True)
    img = axes[2].imshow(np.zeros((n, n)), origin="lower", extent=EXTENT, cmap=_REGION_CMAP,
                         vmin=-0.5, vmax=len(COLORS) - 0.5, interpolation="none",
                         animated=True)
    lines = [[ax.plot([], [], color="white", linewidth=1.2, animated=True)[0] for _ in range(3)]
             for ax in (axes[0], axes[2])]
    for ax in (axes[0], axes[2]):
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.grid(False)
        label(ax, "$x_1$", "$x_2$")
    titles = [axes[0].set_title(" ", animated=True), None, axes[2].set_title(" ", animated=True)]
    ax = axes[1]
    ax.axvspan(0.0, 1.0, color=PALETTE["sky"], alpha=0.12, linewidth=0)
    ax.text(0.5, 0.97, "the $y$ network 1 outputs", transform=ax.get_xaxis_transform(),
            ha="center", va="top", fontsize=8, color=PALETTE["blue"])
    (curve,) = ax.plot(Y_FOLD, np.zeros_like(Y_FOLD), color=PALETTE["orange"], linewidth=2,
                       animated=True)
    joints = plot_joints(ax, [], animated=True)
    ax.set_xlim(-0.15, 1.15)
    ax.set_ylim(*FOLD_YLIM)
    label(ax, "$y$", "$y'$", "network 2: $y \\to y'$ (joints at the sliders)")
    return {"y_img": y_img, "img": img, "lines": lines, "titles": titles, "curve": curve,
            "joints": joints}


def update_deep_2d(h, data):
    h["y_img"].set_data(data["y"])
    if data["show"] == "regions":
        h["img"].set_data(data["ids"] % len(COLORS))
        h["img"].set_cmap(_REGION_CMAP)
        h["img"].set_clim(-0.5, len(COLORS) - 0.5)
    else:
        h["img"].set_data(data["y2"])
        h["img"].set_cmap("viridis")
        h["img"].set_clim(*FOLD_YLIM)
    for panel in h["lines"]:
        for line, ends in zip(panel, data["lines"]):
            line.set_data(*ends)
    h["curve"].set_ydata(data["y2_of_y"])
    set_joints(h["joints"], data["joints2"])
    h["titles"][0].set_text(f"network 1: $y$ over $(x_1, x_2)$, {data['n1']} regions")
    h["titles"][2].set_text(f"overall $y'[y[x]]$: {data['n']} regions")
    return None


deep_2d = InteractiveFigure(
    name="ch01.deep_2d",
    controls=(Dropdown("net1", tuple(NET1_2D), "bowl", description="network 1"),
              Slider("t1", -0.1, 1.1, 0.25, step=0.01, description="joint 1 of net 2"),
              Slider("t2", -0.1, 1.1, 0.5, step=0.01, description="joint 2 of net 2"),
              Slider("t3", -0.1, 1.1, 0.75, step=0.01, description="joint 3 of net 2"),
              Dropdown("show", ("regions", "output y'"), "regions", description="colour by")),
    compute=compute_deep_2d, draw=draw_deep_2d, update=update_deep_2d,
    figsize=(11.0, 3.7),
)


# ------------------------------------------------------------------------------------------
# 6. Depth: a random deep net vs the folding construction, K and D on sliders.
# ------------------------------------------------------------------------------------------
X_DEEP = np.linspace(1e-6, 1 - 1e-6, 3001)


def compute_depth(K, D, construction):
    if construction == "folding (zig-zag)":
        betas, omegas = nets.zigzag_net(D, K)
    else:
        betas, omegas = nets.random_net([1] + [D] * K + [1], np.random.default_rng(K * 100 + D))
        betas[0] = betas[0] - omegas[0][:, 0] * 0.5  # centre the first joints in [0, 1]
    y = nets.deep_net(X_DEEP[None, :], betas, omegas)[0]
    ids = nets.region_ids(X_DEEP[None, :], betas, omegas)
    y = (y - y.min()) / (np.ptp(y) + 1e-12)  # rescaled to [0, 1] for display
    return {"y": y, "ids": ids, "n": int(ids.max()) + 1, "K": K, "D": D,
            "bound": nets.max_regions_deep_1d(D, K), "params": nets.num_params_deep(1, [D] * K, 1)}


def draw_depth(fig):
    ax = fig.subplots()
    curve = plot_piecewise(ax, X_DEEP, np.zeros_like(X_DEEP), np.zeros(X_DEEP.size, int),
                           animated=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.05, 1.05)
    label(ax, "$x$", "$y$ (rescaled to [0, 1])")
    text = ax.set_title(" ", animated=True)
    return {"curve": curve, "text": text}


def update_depth(h, data):
    set_piecewise(h["curve"], X_DEEP, data["y"], data["ids"])
    h["text"].set_text(f"K = {data['K']} layers of D = {data['D']}: {data['n']} regions "
                       f"(upper bound (D+1)^K = {data['bound']}), {data['params']} parameters")
    msg = None
    if data["n"] > X_DEEP.size / 8:
        msg = "more regions than the plot can resolve: count is a lower bound"
    return msg


depth = InteractiveFigure(
    name="ch01.depth",
    controls=(Slider("K", 1, 6, 2, kind="int", description="hidden layers K"),
              Slider("D", 2, 6, 3, kind="int", description="units per layer D"),
              Dropdown("construction", ("folding (zig-zag)", "random weights"),
                       "folding (zig-zag)", description="weights")),
    compute=compute_depth, draw=draw_depth, update=update_depth,
    figsize=(8.0, 3.0),
)
