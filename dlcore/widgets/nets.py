"""Interactive figures for chapter 01 (linear regions)."""

import numpy as np

from .. import nets
from ..plots import COLORS, PALETTE, label
from ..plots.nets import plot_joints, plot_piecewise, plot_units, set_joints, set_piecewise
from . import Dropdown, InteractiveFigure, Slider

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
    dead = data["dead"]
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
