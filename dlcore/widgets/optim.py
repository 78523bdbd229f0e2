"""Interactive figures for chapter 03 (optimisers): GD and its learning rate, a non-convex
landscape, line search, SGD, momentum/Nesterov on a ravine, Adam on badly scaled gradients."""

from functools import lru_cache

import numpy as np

from .. import optim
from ..linear import least_squares
from ..plots import PALETTE, label
from ..plots.optim import (
    loss_grid,
    plot_critical_points,
    plot_loss_contours,
    plot_path,
    set_path,
)
from . import Checkbox, InteractiveFigure, Slider

__all__ = [
    "gd_lr", "gabor_starts", "line_search", "sgd", "momentum", "lookahead", "adam",
    "linreg_problem", "gabor_problem", "gabor_landscape", "RAVINE_A", "SCALED_A",
]

FLOOR = 1e-12  # losses on log axes are clipped here (an exact 0 cannot be drawn)

# The runs call these on values they made themselves, hundreds of times per slider move: the
# unchecked maths (``__wrapped__``), as the loops in dlcore.optim do.
_linreg_grad = optim.linreg_grad.__wrapped__
_gabor_grad = optim.gabor_grad.__wrapped__
_gabor_loss = optim.gabor_loss.__wrapped__
_quadratic_grad = optim.quadratic_grad.__wrapped__


def _gap(losses, best):
    """L[theta_t] - L[theta_hat] for a log axis: NaN (diverged) stays NaN, 0 -> FLOOR."""
    with np.errstate(all="ignore"):
        return np.clip(np.asarray(losses, float) - best, FLOOR, 1e300)


def _first_nan(path):
    bad = np.isnan(path).any(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


# ------------------------------------------------------------------------------------------
# 1. Gradient descent on a line fit: the learning rate decides slow / good / oscillating /
#    diverging.
# ------------------------------------------------------------------------------------------
GD_START = np.array([-1.0, 2.6])
GD_STEPS = 40
GD_LIM = ((-1.5, 2.5), (-1.0, 3.0))


@lru_cache(maxsize=1)
def linreg_problem():
    """The 12-point line fit of sections 1 and 2: x, y, the least-squares theta_hat, its loss,
    and the eigenvalues of the Hessian 2 [[I, sum x], [sum x, sum x^2]] (constant)."""
    x, y = optim.linreg_data(12, np.random.default_rng(0))
    theta_hat = least_squares(np.stack([np.ones_like(x), x]), y)  # features [1; x], (2, I)
    lam = np.linalg.eigvalsh(optim.linreg_hessian(x))  # curvatures along the ellipse's axes
    return x, y, theta_hat, float(optim.linreg_loss(theta_hat, x, y)), lam


def compute_gd_lr(alpha):
    x, y, theta_hat, best, lam = linreg_problem()
    path = optim.run_gd(lambda th: _linreg_grad(th, x, y), GD_START, alpha, GD_STEPS)
    with np.errstate(all="ignore"):
        losses = optim.linreg_loss(path.T, x, y)  # (T + 1,)
    gap = _gap(losses, best)
    if optim.diverged(path) or alpha * lam[-1] > 2:
        regime = "diverging"
    elif alpha * lam[-1] > 1:
        regime = "oscillating"
    elif gap[-1] > 1e-3 * gap[0]:
        regime = "slow"
    else:
        regime = "good"
    return {"path": path, "gap": gap, "theta_end": path[~np.isnan(path).any(axis=1)][-1],
            "regime": regime, "alpha": alpha, "limit": optim.max_stable_alpha(lam[-1]),
            "ratio": alpha * lam[-1],
            "diverged": optim.diverged(path)}


def draw_gd_lr(fig):
    x, y, theta_hat, best, lam = linreg_problem()
    ax_c, ax_l, ax_d = fig.subplots(1, 3, width_ratios=[1.15, 1, 1])
    t0, t1, L = loss_grid(lambda g: optim.linreg_loss(g, x, y), *GD_LIM)
    plot_loss_contours(ax_c, t0, t1, L)
    ax_c.plot(*theta_hat, "*", color=PALETTE["yellow"], markeredgecolor="k", markersize=12)
    path = plot_path(ax_c, np.tile(GD_START, (2, 1)), animated=True)
    ax_c.set_title(r"$L[\theta]$ and the path $\theta_0, \theta_1, \ldots$")
    (loss,) = ax_l.semilogy([0, 1], [1, 1], "-o", markersize=2.5,
                            color=PALETTE["vermillion"], animated=True)
    ax_l.set_xlim(0, GD_STEPS)
    ax_l.set_ylim(1e-8, 1e4)
    label(ax_l, "step $t$", r"$L[\theta_t] - L[\hat\theta]$", "loss gap (log scale)")
    ax_d.plot(x, y, "o", color=PALETTE["black"], markersize=4)
    xs = np.linspace(-0.8, 2.8, 2)
    ax_d.plot(xs, GD_START[0] + GD_START[1] * xs, "--", color=PALETTE["grey"], label="start")
    (fit,) = ax_d.plot(xs, xs, color=PALETTE["vermillion"], animated=True, label="after 40 steps")
    ax_d.set_xlim(-0.8, 2.8)
    ax_d.set_ylim(-1.5, 4.0)
    ax_d.legend(loc="upper left")
    label(ax_d, "$x$", "$y$", r"data and $f[x, \theta_t] = \theta_0 + \theta_1 x$")
    text = ax_l.text(0.97, 0.97, "", transform=ax_l.transAxes, ha="right", va="top",
                     fontsize=8.5, animated=True,
                     bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    return {"path": path, "loss": loss, "fit": fit, "xs": xs, "text": text}


def update_gd_lr(h, d):
    set_path(h["path"], d["path"])
    h["loss"].set_data(np.arange(d["gap"].size), d["gap"])
    th = d["theta_end"]
    h["fit"].set_ydata(np.clip(th[0] + th[1] * h["xs"], -1e6, 1e6))
    h["text"].set_text(f"α λ_max = {d['ratio']:.2f}: {d['regime']}")
    if d["diverged"]:
        return f"diverged: |theta| passed 1e100 (alpha = {d['alpha']:.3g} > {d['limit']:.3g})"
    return None


gd_lr = InteractiveFigure(
    name="ch03.gd_lr",
    controls=(Slider("alpha", 1e-3, 0.04, 0.01, kind="log", step=0.02, description="α"),),
    compute=compute_gd_lr, draw=draw_gd_lr, update=update_gd_lr, figsize=(10.5, 3.3),
)


# ------------------------------------------------------------------------------------------
# 2. A non-convex loss: the Gabor model. Where GD ends depends on where it starts.
# ------------------------------------------------------------------------------------------
GABOR_LIM = ((-10.0, 10.0), (2.5, 22.5))
GABOR_STEPS = 200


@lru_cache(maxsize=1)
def gabor_problem():
    """30 noisy samples of the Gabor model: (x, y)."""
    return optim.gabor_data(30, np.random.default_rng(3))


@lru_cache(maxsize=1)
def gabor_landscape():
    """The loss grid and the critical points of the Gabor loss inside the plotted box.

    ``optim.critical_points`` runs Newton's method on the gradient from a 30 x 30 grid of
    starts; it finds minima, saddles and maxima alike, and the Hessian's eigenvalues tell them
    apart. Returns a dict: the grid ``t0``, ``t1``, ``L``; ``points`` (P, 2), ``kinds``,
    ``eigenvalues`` (P, 2), ``losses`` (P,); ``best``, the lowest minimum's loss.
    """
    x, y = gabor_problem()
    t0, t1, L = loss_grid(lambda g: optim.gabor_loss(g, x, y), *GABOR_LIM, n=120)
    found = optim.critical_points(lambda th: optim.gabor_grad(th, x, y),
                                  lambda th: optim.gabor_hessian(th, x, y), GABOR_LIM, n=30)
    points, kinds = found["points"], found["kinds"]
    losses = optim.gabor_loss(points.T, x, y)  # (P,)
    best = min(v for v, k in zip(losses, kinds, strict=True) if k == "minimum")
    return {"t0": t0, "t1": t1, "L": L, "points": points, "kinds": kinds,
            "eigenvalues": found["eigenvalues"], "losses": losses, "best": float(best)}


def compute_gabor_starts(theta0_start, theta1_start, alpha):
    x, y = gabor_problem()
    land = gabor_landscape()
    start = np.array([theta0_start, theta1_start])
    path = optim.run_gd(lambda th: _gabor_grad(th, x, y), start, alpha, GABOR_STEPS)
    end = path[~np.isnan(path).any(axis=1)][-1]
    loss_end = float(optim.gabor_loss(end, x, y))
    g = np.linalg.norm(optim.gabor_grad(end, x, y))
    dist = np.linalg.norm(land["points"] - end, axis=1)  # to every critical point
    near = int(np.argmin(dist))
    if optim.diverged(path):
        verdict = "diverged"
    elif dist[near] > 0.05:
        verdict = "still moving" if g > 1e-3 else "crawling: a nearly flat stretch"
    elif land["kinds"][near] != "minimum":
        verdict = f"stuck at a {land['kinds'][near]}"
    elif land["losses"][near] <= land["best"]:
        verdict = "the global minimum"
    else:
        verdict = "a local minimum"
    return {"path": path, "end": end, "start": start, "loss": loss_end, "verdict": verdict}


def draw_gabor_starts(fig):
    x, y = gabor_problem()
    land = gabor_landscape()
    ax_c, ax_d = fig.subplots(1, 2, width_ratios=[1, 1.2])
    plot_loss_contours(ax_c, land["t0"], land["t1"], land["L"], log=False, n_levels=16)
    plot_critical_points(ax_c, land["points"], land["kinds"])
    # the legend goes below the axes: inside, it would hide critical points near the edge
    ax_c.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, fontsize=7)
    path = plot_path(ax_c, np.zeros((2, 2)), markersize=1.5, animated=True)
    ax_c.set_title("Gabor loss: GD from the chosen start")
    ax_d.plot(x, y, "o", color=PALETTE["black"], markersize=3.5, label="data")
    xs = np.linspace(-15, 15, 300)
    (f_start,) = ax_d.plot(xs, xs * 0, "--", color=PALETTE["grey"], animated=True,
                           label=r"$f[x, \theta_{start}]$")
    (f_end,) = ax_d.plot(xs, xs * 0, color=PALETTE["vermillion"], animated=True,
                         label=r"$f[x, \theta_{end}]$")
    ax_d.set_xlim(-15, 15)
    ax_d.set_ylim(-1.6, 1.6)
    ax_d.legend(loc="upper left", ncols=3)
    label(ax_d, "$x$", "$y$", r"$f[x, \theta] = \sin(\theta_0 + 0.06\,\theta_1 x)\,"
          r"e^{-(\theta_0 + 0.06\,\theta_1 x)^2 / 32}$")
    text = ax_d.text(0.02, 0.03, "", transform=ax_d.transAxes, fontsize=9, animated=True)
    return {"path": path, "f_start": f_start, "f_end": f_end, "xs": xs, "text": text}


def update_gabor_starts(h, d):
    set_path(h["path"], d["path"])
    h["f_start"].set_ydata(optim.gabor(h["xs"], d["start"]))
    h["f_end"].set_ydata(optim.gabor(h["xs"], d["end"]))
    h["text"].set_text(f"end: L = {d['loss']:.2f}, {d['verdict']}")
    return "diverged: the learning rate is too large here" if d["verdict"] == "diverged" else None


gabor_starts = InteractiveFigure(
    name="ch03.gabor_starts",
    controls=(Slider("theta0_start", -10.0, 10.0, -3.0, step=0.1, description="start θ₀"),
              Slider("theta1_start", 2.5, 22.5, 12.0, step=0.1, description="start θ₁"),
              Slider("alpha", 0.01, 1.0, 0.1, kind="log", step=0.05, description="α")),
    compute=compute_gabor_starts, draw=draw_gabor_starts, update=update_gabor_starts,
    figsize=(10.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 3. Line search along the negative gradient (on the Gabor loss)
# ------------------------------------------------------------------------------------------
LS_START = np.array([-3.0, 9.0])
LS_SMAX = 7.0  # the largest bracket the slider allows


def _ls_direction():
    x, y = gabor_problem()
    g = optim.gabor_grad(LS_START, x, y)
    return -g / np.linalg.norm(g)  # unit length: the step s is a distance in theta-space


def compute_line_search(n_evals, max_step, descent):
    x, y = gabor_problem()
    loss = lambda th: _gabor_loss(th, x, y)  # noqa: E731
    d = _ls_direction()
    step, evals = optim.line_search(loss, LS_START, d, max_step=max_step, tol=1e-4,
                                    return_evals=True)
    shown = evals[:n_evals]  # (n, 2): s, L(s)
    best = shown[np.argmin(shown[:, 1])]
    path = (optim.run_line_search(loss, lambda th: _gabor_grad(th, x, y), LS_START, 6,
                                  max_step=max_step, tol=1e-4)
            if descent else np.full((1, 2), np.nan))
    return {"evals": shown, "best": best, "step": step, "d": d, "max_step": max_step,
            "n_total": len(evals), "path": path}


def draw_line_search(fig):
    x, y = gabor_problem()
    ax_c, ax_l = fig.subplots(1, 2)
    land = gabor_landscape()
    plot_loss_contours(ax_c, land["t0"], land["t1"], land["L"], log=False, n_levels=16)
    ax_c.plot(*LS_START, "o", color=PALETTE["black"], markersize=6)
    (segment,) = ax_c.plot([], [], "-", color=PALETTE["black"], linewidth=1, animated=True)
    pts_c = ax_c.scatter([], [], c=[], cmap="plasma", vmin=0, vmax=25, s=22, zorder=4,
                         edgecolors="k", linewidths=0.4, animated=True)
    descent = plot_path(ax_c, np.full((1, 2), np.nan), color=PALETTE["green"], markersize=3,
                        animated=True, name="descent, one line search per step")
    ax_c.set_title(r"search along $-\partial L / \partial \theta$ from the black dot")
    ax_c.legend(loc="lower left", fontsize=7)
    d = _ls_direction()
    s = np.linspace(0, LS_SMAX, 400)
    along = optim.gabor_loss(LS_START[:, None] + d[:, None] * s, x, y)  # (400,)
    ax_l.plot(s, along, color=PALETTE["blue"], label=r"$L[\theta + s\, d]$")
    (bracket,) = ax_l.plot([], [], "|", color=PALETTE["black"], markersize=30, mew=1.5,
                           animated=True)
    pts_l = ax_l.scatter([], [], c=[], cmap="plasma", vmin=0, vmax=25, s=26, zorder=4,
                         edgecolors="k", linewidths=0.4, animated=True)
    (star,) = ax_l.plot([], [], "*", color=PALETTE["yellow"], markeredgecolor="k",
                        markersize=14, animated=True, zorder=5)
    ax_l.set_xlim(-0.2, LS_SMAX + 0.2)
    ax_l.set_ylim(along.min() - 2, along.max() + 2)
    label(ax_l, "step size $s$ (distance along $d$)", "loss",
          "evaluations (colour = order), best so far ★, | = max_step")
    cb = fig.colorbar(pts_l, ax=ax_l, fraction=0.05, pad=0.01)
    cb.set_label("evaluation number")
    text = ax_l.text(0.02, 0.97, "", transform=ax_l.transAxes, va="top", fontsize=9,
                     animated=True)
    return {"segment": segment, "pts_c": pts_c, "pts_l": pts_l, "star": star, "text": text,
            "bracket": bracket, "descent": descent, "y_bracket": along.min() - 1}


def update_line_search(h, d):
    ev = d["evals"]
    end = LS_START + d["max_step"] * d["d"]
    h["segment"].set_data([LS_START[0], end[0]], [LS_START[1], end[1]])
    pts = LS_START + ev[:, :1] * d["d"]  # (n, 2) the evaluated points in theta-space
    order = np.arange(len(ev))
    for sc, xy in ((h["pts_c"], pts), (h["pts_l"], np.clip(ev, -1e3, 1e3))):
        sc.set_offsets(xy)
        sc.set_array(order)
    h["star"].set_data([d["best"][0]], [d["best"][1]])
    h["bracket"].set_data([0, d["max_step"]], [h["y_bracket"]] * 2)
    set_path(h["descent"], d["path"])
    h["text"].set_text(f"best s = {d['best'][0]:.3f} (search ends at {d['step']:.3f})")
    return None


line_search = InteractiveFigure(
    name="ch03.line_search",
    controls=(Slider("n_evals", 1, 25, 6, kind="int", description="evaluations shown"),
              Slider("max_step", 0.5, LS_SMAX, 6.0, step=0.1, description="max_step"),
              Checkbox("descent", False, description="repeat: 6 line-search steps")),
    compute=compute_line_search, draw=draw_line_search, update=update_line_search,
    figsize=(10.0, 3.4),
)


# ------------------------------------------------------------------------------------------
# 4. SGD: mini-batches, epochs, a learning-rate schedule
# ------------------------------------------------------------------------------------------
SGD_I = 40
SGD_EPOCHS = 15
SGD_START = np.array([-1.0, 2.6])


@lru_cache(maxsize=1)
def _sgd_problem():
    x, y = optim.linreg_data(SGD_I, np.random.default_rng(1), noise=1.0, x_range=(-1.0, 2.0))
    theta_hat = least_squares(np.stack([np.ones_like(x), x]), y)  # features [1; x], (2, I)
    return x, y, theta_hat, float(optim.linreg_loss(theta_hat, x, y))


def compute_sgd(batch_size, alpha, decay):
    x, y, theta_hat, best = _sgd_problem()
    rng = np.random.default_rng(0)  # the same shuffles for every setting: only the slider moves
    path = optim.run_sgd(lambda th, idx: _linreg_grad(th, x[idx], y[idx]), SGD_START,
                         SGD_I, batch_size, alpha, SGD_EPOCHS, rng, decay=decay)
    per_epoch = -(-SGD_I // batch_size)
    gd = optim.run_sgd(lambda th, idx: _linreg_grad(th, x, y), SGD_START, 1, 1, alpha,
                       SGD_EPOCHS, rng, decay=decay)  # full batch: one update per epoch
    with np.errstate(all="ignore"):
        gap = _gap(optim.linreg_loss(path.T, x, y), best)
        gap_gd = _gap(optim.linreg_loss(gd.T, x, y), best)
    return {"path": path, "gd": gd, "gap": gap, "gap_gd": gap_gd, "per_epoch": per_epoch,
            "epochs": np.arange(path.shape[0]) / per_epoch, "diverged": optim.diverged(path),
            "alphas": [optim.lr_schedule(alpha, e, decay) for e in (0, SGD_EPOCHS - 1)]}


def draw_sgd(fig):
    x, y, theta_hat, best = _sgd_problem()
    ax_c, ax_l = fig.subplots(1, 2)
    t0, t1, L = loss_grid(lambda g: optim.linreg_loss(g, x, y), *GD_LIM)
    plot_loss_contours(ax_c, t0, t1, L)
    ax_c.plot(*theta_hat, "*", color=PALETTE["yellow"], markeredgecolor="k", markersize=12)
    gd_path = plot_path(ax_c, np.tile(SGD_START, (2, 1)), color=PALETTE["black"],
                        markersize=4, animated=True, name="full batch (one update per epoch)")
    sgd_path = plot_path(ax_c, np.tile(SGD_START, (2, 1)), markersize=1.5, animated=True,
                         name="SGD (one dot per update)", linewidth=0.8)
    ax_c.legend(loc="lower left", fontsize=7)
    ax_c.set_title("full-data loss $L[\\theta]$ and the two paths")
    (l_sgd,) = ax_l.semilogy([], [], color=PALETTE["vermillion"], linewidth=1, animated=True,
                             label="SGD")
    (l_gd,) = ax_l.semilogy([], [], "o-", color=PALETTE["black"], markersize=3, animated=True,
                            label="full batch")
    ax_l.set_xlim(0, SGD_EPOCHS)
    ax_l.set_ylim(1e-6, 1e4)
    ax_l.legend(loc="upper right")
    label(ax_l, "epoch", r"$L[\theta] - L[\hat\theta]$", "full-data loss gap")
    text = ax_l.text(0.02, 0.03, "", transform=ax_l.transAxes, fontsize=9, animated=True)
    return {"sgd": sgd_path, "gd": gd_path, "l_sgd": l_sgd, "l_gd": l_gd, "text": text}


def update_sgd(h, d):
    set_path(h["sgd"], d["path"])
    set_path(h["gd"], d["gd"])
    h["l_sgd"].set_data(d["epochs"], d["gap"])
    h["l_gd"].set_data(np.arange(d["gap_gd"].size), d["gap_gd"])
    h["text"].set_text(f"{d['per_epoch']} updates/epoch, α {d['alphas'][0]:.2g} → "
                       f"{d['alphas'][1]:.2g}")
    if d["diverged"]:
        return "diverged: alpha times the batch's gradient overshoots (try a smaller alpha)"
    return None


sgd = InteractiveFigure(
    name="ch03.sgd",
    controls=(Slider("batch_size", 1, SGD_I, 4, kind="int", description="batch size |B|"),
              Slider("alpha", 1e-4, 0.03, 0.015, kind="log", step=0.02, description="α"),
              Slider("decay", 0.5, 1.0, 1.0, step=0.01,
                     description="decay per epoch (1 = constant α)")),
    compute=compute_sgd, draw=draw_sgd, update=update_sgd, figsize=(9.5, 3.6),
)


# ------------------------------------------------------------------------------------------
# 5. Momentum and Nesterov on a ravine
# ------------------------------------------------------------------------------------------
RAVINE_A = np.array([[10.5, 9.5], [9.5, 10.5]])  # curvatures 20 (across) and 1 (along)
RAVINE_START = np.array([-1.5, -3.0])
RAVINE_LIM = ((-3.5, 3.5), (-3.5, 3.5))
RAVINE_STEPS = 60


def _ravine_grad(theta):
    return _quadratic_grad(theta, RAVINE_A, np.zeros(2))


def compute_momentum(alpha, beta):
    paths = {
        "GD": optim.run_gd(_ravine_grad, RAVINE_START, alpha, RAVINE_STEPS),
        "momentum": optim.run_momentum(_ravine_grad, RAVINE_START, alpha, beta, RAVINE_STEPS),
        "Nesterov": optim.run_momentum(_ravine_grad, RAVINE_START, alpha, beta, RAVINE_STEPS,
                                       nesterov=True),
    }
    with np.errstate(all="ignore"):
        gaps = {k: _gap(optim.quadratic_loss(p.T, RAVINE_A), 0.0) for k, p in paths.items()}
    status = {k: optim.diverged(p) or gaps[k][-1] > gaps[k][0] for k, p in paths.items()}
    return {"paths": paths, "gaps": gaps, "status": status}


_METHOD_COLORS = {"GD": PALETTE["black"], "momentum": PALETTE["vermillion"],
                  "Nesterov": PALETTE["green"], "Adam": PALETTE["purple"]}


def draw_momentum(fig):
    ax_c, ax_l = fig.subplots(1, 2)
    t0, t1, L = loss_grid(lambda g: optim.quadratic_loss(g, RAVINE_A), *RAVINE_LIM)
    plot_loss_contours(ax_c, t0, t1, L)
    paths, curves = {}, {}
    for k in ("GD", "momentum", "Nesterov"):
        paths[k] = plot_path(ax_c, np.tile(RAVINE_START, (2, 1)), color=_METHOD_COLORS[k],
                             markersize=2.5, animated=True, name=k)
        (curves[k],) = ax_l.semilogy([], [], color=_METHOD_COLORS[k], animated=True, label=k)
    ax_c.legend(loc="upper left", fontsize=8)
    ax_c.set_title(r"ravine $L = \frac{1}{2}\theta^T A \theta$, curvatures 20 and 1")
    ax_l.set_xlim(0, RAVINE_STEPS)
    ax_l.set_ylim(1e-8, 1e4)
    ax_l.legend(loc="upper right")
    label(ax_l, "step $t$", r"$L[\theta_t]$", "loss (log scale)")
    text = ax_l.text(0.02, 0.03, "", transform=ax_l.transAxes, fontsize=8.5, animated=True)
    return {"paths": paths, "curves": curves, "text": text}


def update_momentum(h, d):
    for k, line in h["paths"].items():
        set_path(line, d["paths"][k])
        h["curves"][k].set_data(np.arange(RAVINE_STEPS + 1), d["gaps"][k])
    h["text"].set_text(", ".join(k for k, bad in d["status"].items() if bad)
                       + (" diverge(s)" if any(d["status"].values()) else ""))
    if all(d["status"].values()):
        return "diverged: all three methods (alpha too large)"
    return None


momentum = InteractiveFigure(
    name="ch03.momentum",
    controls=(Slider("alpha", 0.005, 0.5, 0.2, kind="log", step=0.02, description="α"),
              Slider("beta", 0.0, 0.99, 0.8, step=0.01, description="β (momentum)")),
    compute=compute_momentum, draw=draw_momentum, update=update_momentum, figsize=(9.5, 3.6),
)


# ------------------------------------------------------------------------------------------
# 5b. The geometry of one step: heavy-ball momentum against Nesterov's look-ahead
# ------------------------------------------------------------------------------------------
LOOK_STEPS = 30  # the step slider's range
LOOK_LIM = ((-2.0, 3.0), (-3.2, 1.8))
_STEP_NAMES = ("heavy ball", "Nesterov")


@lru_cache(maxsize=8)
def _momentum_runs(alpha, beta):
    """Both paths on the ravine, LOOK_STEPS + 1 steps, and the momenta m_t (m_0 = 0; from
    theta_{t+1} = theta_t - alpha m_{t+1}, m_t = (theta_{t-1} - theta_t) / alpha)."""
    out = {}
    for name in _STEP_NAMES:
        path = optim.run_momentum(_ravine_grad, RAVINE_START, alpha, beta, LOOK_STEPS + 1,
                                  nesterov=name == "Nesterov")
        m = np.vstack([np.zeros((1, 2)), (path[:-1] - path[1:]) / alpha])  # (T + 2, 2)
        out[name] = (path, m)
    return out


def compute_lookahead(t, alpha, beta):
    runs = _momentum_runs(float(alpha), float(beta))
    data = {"t": t, "beta": beta}
    for name in _STEP_NAMES:
        path, m = runs[name]
        theta = path[t]
        if not np.isfinite(path[t + 1]).all() or np.abs(path[: t + 2]).max() > 1e3:
            data[name] = None  # diverged before (or at) this step
            continue
        push, corr, at = optim.step_parts(theta, m[t], _ravine_grad, alpha, beta,
                                          nesterov=name == "Nesterov")
        data[name] = {"path": path[: t + 2], "theta": theta, "push": push, "corr": corr,
                      "at": at, "next": theta + push + corr,
                      "loss": float(optim.quadratic_loss(path[t + 1], RAVINE_A))}
    return data


def draw_lookahead(fig):
    axes = fig.subplots(1, 2, sharey=True)
    t0, t1, L = loss_grid(lambda g: optim.quadratic_loss(g, RAVINE_A), *LOOK_LIM)
    h = {}
    for ax, name in zip(axes, _STEP_NAMES, strict=True):
        plot_loss_contours(ax, t0, t1, L)
        ax.plot(0, 0, "*", color=PALETTE["yellow"], markeredgecolor="k", markersize=11)
        path = plot_path(ax, np.full((1, 2), np.nan), color=PALETTE["grey"], markersize=2.5,
                         animated=True, linewidth=0.8)
        # two arrows, the push and then the correction: they add up to the step
        arrows = ax.quiver(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
                           color=[PALETTE["blue"], PALETTE["vermillion"]], angles="xy",
                           scale_units="xy", scale=1, width=0.009, animated=True, zorder=5)
        (theta,) = ax.plot([], [], "o", color=PALETTE["black"], markersize=5, animated=True,
                           zorder=7, label=r"$\theta_t$")
        (at,) = ax.plot([], [], "s", markerfacecolor="none", markersize=10,
                        markeredgecolor=PALETTE["vermillion"], markeredgewidth=1.8,
                        animated=True, zorder=6,
                        label="where the gradient is taken")
        (nxt,) = ax.plot([], [], "o", color=PALETTE["green"], markeredgecolor="k",
                         markersize=6, animated=True, zorder=6, label=r"$\theta_{t+1}$")
        text = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=8,
                       animated=True,
                       bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
        ax.set_title(name + (r": gradient at $\theta_t$" if name == "heavy ball" else
                             r": gradient at $\theta_t - \alpha\beta m_t$"))
        h[name] = {"path": path, "arrows": arrows, "theta": theta, "at": at, "next": nxt,
                   "text": text}
    axes[0].legend(loc="lower right", fontsize=7)
    axes[1].plot([], [], color=PALETTE["blue"], linewidth=3, label=r"push $-\alpha\beta m_t$")
    axes[1].plot([], [], color=PALETTE["vermillion"], linewidth=3,
                 label=r"correction $-\alpha(1-\beta)g$")
    axes[1].legend(loc="lower right", fontsize=7)
    axes[1].set_ylabel("")
    return h


def update_lookahead(h, d):
    dead = []
    for name in _STEP_NAMES:
        hh, dd = h[name], d[name]
        if dd is None:
            set_path(hh["path"], np.full((1, 2), np.nan))
            for key in ("theta", "at", "next"):
                hh[key].set_data([], [])
            hh["arrows"].set_UVC(np.zeros(2), np.zeros(2))
            hh["text"].set_text("diverged before this step")
            dead.append(name)
            continue
        set_path(hh["path"], dd["path"])
        th, at, push, corr = dd["theta"], dd["at"], dd["push"], dd["corr"]
        start_corr = th + push  # the correction is drawn from the end of the push
        hh["arrows"].set_offsets(np.array([th, start_corr]))
        hh["arrows"].set_UVC(np.array([push[0], corr[0]]), np.array([push[1], corr[1]]))
        hh["theta"].set_data([th[0]], [th[1]])
        hh["at"].set_data([at[0]], [at[1]])
        hh["next"].set_data([dd["next"][0]], [dd["next"][1]])
        hh["text"].set_text(f"L[θₜ₊₁] = {dd['loss']:.3g}")  # the loss after the step
    if dead:
        return f"diverged: {' and '.join(dead)} (alpha too large for this beta)"
    if d["beta"] == 0:
        return "beta = 0: no momentum, no push; both steps are gradient descent"
    if d["t"] == 0:
        return "t = 0: m_0 = 0, so there is no push yet and both steps coincide"
    return None


lookahead = InteractiveFigure(
    name="ch03.lookahead",
    controls=(Slider("t", 0, LOOK_STEPS, 1, kind="int", description="step t"),
              Slider("alpha", 0.02, 0.3, 0.1, kind="log", step=0.02, description="α"),
              Slider("beta", 0.0, 0.95, 0.6, step=0.01, description="β")),
    compute=compute_lookahead, draw=draw_lookahead, update=update_lookahead,
    figsize=(8.0, 3.4),
)


# ------------------------------------------------------------------------------------------
# 6. Adam on a loss whose two gradients differ by a factor of 1000
# ------------------------------------------------------------------------------------------
SCALED_A = np.diag([100.0, 0.1])  # dL/dtheta_0 = 100 theta_0, dL/dtheta_1 = 0.1 theta_1
SCALED_START = np.array([1.0, 1.0])
SCALED_LIM = ((-1.3, 1.3), (-0.4, 1.3))
ADAM_STEPS = 100


def _scaled_grad(theta):
    return _quadratic_grad(theta, SCALED_A, np.zeros(2))


def compute_adam(alpha, beta, bias_correction):
    lam = SCALED_A[0, 0]  # the largest curvature
    alpha_gd = 0.4 * optim.max_stable_alpha(lam)  # 40% of GD's stability limit 2 / lambda_max
    alpha_m = 0.4 * optim.max_stable_alpha(lam, beta)  # 40% of damped momentum's limit
    paths = {
        "GD": optim.run_gd(_scaled_grad, SCALED_START, alpha_gd, ADAM_STEPS),
        "momentum": optim.run_momentum(_scaled_grad, SCALED_START, alpha_m, beta, ADAM_STEPS),
        "Adam": optim.run_adam(_scaled_grad, SCALED_START, ADAM_STEPS, alpha, beta, 0.999,
                               bias_correction=bias_correction),
    }
    with np.errstate(all="ignore"):
        gaps = {k: _gap(optim.quadratic_loss(p.T, SCALED_A), 0.0) for k, p in paths.items()}
        steps = np.abs(np.diff(paths["Adam"], axis=0))  # (T, 2) |theta_{t+1} - theta_t|
        steps_gd = np.abs(np.diff(paths["GD"], axis=0))
    return {"paths": paths, "gaps": gaps, "steps": np.clip(steps, FLOOR, 1e3),
            "steps_gd": np.clip(steps_gd, FLOOR, 1e3),
            "alpha": alpha, "alpha_gd": alpha_gd, "alpha_m": alpha_m,
            "diverged": optim.diverged(paths["Adam"])}


def draw_adam(fig):
    ax_c, ax_l, ax_s = fig.subplots(1, 3, width_ratios=[1.1, 1, 1])
    t0, t1, L = loss_grid(lambda g: optim.quadratic_loss(g, SCALED_A), *SCALED_LIM)
    plot_loss_contours(ax_c, t0, t1, L)
    paths, curves = {}, {}
    for k in ("momentum", "GD", "Adam"):  # GD drawn over momentum's wide swings
        paths[k] = plot_path(ax_c, np.tile(SCALED_START, (2, 1)), color=_METHOD_COLORS[k],
                             markersize=2, animated=True, name=k)
        (curves[k],) = ax_l.semilogy([], [], color=_METHOD_COLORS[k], animated=True, label=k)
    ax_c.legend(loc="lower left", fontsize=8)
    ax_c.set_title(r"$L = 50\,\theta_0^2 + 0.05\,\theta_1^2$")
    ax_l.set_xlim(0, ADAM_STEPS)
    ax_l.set_ylim(1e-8, 1e3)
    ax_l.legend(loc="lower left")
    label(ax_l, "step $t$", r"$L[\theta_t]$", "loss (log scale)")
    (s0,) = ax_s.semilogy([], [], color=PALETTE["blue"], animated=True, linewidth=3,
                          alpha=0.6, label=r"Adam $|\Delta\theta_0|$ (curvature 100)")
    (s1,) = ax_s.semilogy([], [], "--", color=PALETTE["orange"], animated=True,
                          label=r"Adam $|\Delta\theta_1|$ (curvature 0.1)")
    (g0,) = ax_s.semilogy([], [], color=PALETTE["sky"], animated=True, linewidth=1,
                          label=r"GD $|\Delta\theta_0|$")
    (g1,) = ax_s.semilogy([], [], ":", color=PALETTE["black"], animated=True,
                          label=r"GD $|\Delta\theta_1|$")
    (ref,) = ax_s.semilogy([], [], "--", color=PALETTE["grey"], animated=True, label=r"$\alpha$")
    ax_s.set_xlim(0, ADAM_STEPS)
    ax_s.set_ylim(1e-8, 10)
    ax_s.legend(loc="lower left", fontsize=6.5, ncols=2)
    label(ax_s, "step $t$", "step length", "Adam's step per coordinate")
    text = ax_l.text(0.98, 0.98, "", transform=ax_l.transAxes, ha="right", va="top",
                     fontsize=7.5, animated=True,
                     bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    return {"paths": paths, "curves": curves, "s0": s0, "s1": s1, "g0": g0, "g1": g1,
            "ref": ref, "text": text}


def update_adam(h, d):
    for k, line in h["paths"].items():
        set_path(line, d["paths"][k])
        h["curves"][k].set_data(np.arange(ADAM_STEPS + 1), d["gaps"][k])
    t = np.arange(1, ADAM_STEPS + 1)
    h["s0"].set_data(t, d["steps"][:, 0])
    h["s1"].set_data(t, d["steps"][:, 1])
    h["g0"].set_data(t, d["steps_gd"][:, 0])
    h["g1"].set_data(t, d["steps_gd"][:, 1])
    h["ref"].set_data([0, ADAM_STEPS], [d["alpha"], d["alpha"]])
    h["text"].set_text(f"α: GD {d['alpha_gd']:.2g}, momentum {d['alpha_m']:.2g}")
    return "diverged: Adam's path left the float range" if d["diverged"] else None


adam = InteractiveFigure(
    name="ch03.adam",
    controls=(Slider("alpha", 1e-3, 0.5, 0.03, kind="log", step=0.02, description="α (Adam)"),
              Slider("beta", 0.0, 0.99, 0.9, step=0.01, description="β"),
              Checkbox("bias_correction", True, description="bias correction")),
    compute=compute_adam, draw=draw_adam, update=update_adam, figsize=(10.5, 3.3),
)
