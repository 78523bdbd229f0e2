"""Interactive figures for chapter 06 (bias, variance, double descent).

All three use the toy problem of ``dlcore.generalization``: y = mu[x] + sigma eps on [0, 1],
fitted by a shallow ReLU net with D evenly spaced joints and least-squares output weights.
Every compute draws its data from ``np.random.default_rng(SEED)``, so a slider setting always
shows the same data sets, and moving one slider changes only what that slider controls.
"""

from functools import lru_cache

import numpy as np

from .. import generalization as G
from .._threads import one_blas_thread as _one_thread
from ..plots import PALETTE, finite_or_message, label
from ..plots.generalization import (
    mark_threshold,
    plot_capacity_curve,
    plot_error_bars,
    plot_fits,
    set_error_bars,
    set_fits,
)
from . import InteractiveFigure, Slider

SEED = 0
X_PLOT = np.linspace(0.0, 1.0, 121)  # where fits are drawn and errors averaged
MU_PLOT = G.true_function(X_PLOT)
Y_LIM = (-1.5, 5.0)
N_FITS = 25  # training sets per setting of the first figure
DD_POINTS, DD_SIGMA = 15, 0.3  # the double-descent toy: I = 15 points, sigma = 0.3
DD_DATASETS = 60  # noisy training sets per D (inputs on a grid, so 60 give a smooth curve)
DD_DS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 13, 14, 15, 16, 18, 20, 25, 30, 40, 60, 100, 150, 200,
         300)


def _clip(v):
    """Keep wild fits drawable (values far outside the axes only slow the renderer)."""
    return np.clip(v, -1e3, 1e3)


# ------------------------------------------------------------------------------------------
# 1. Many training sets, many fits: noise, bias and variance
# ------------------------------------------------------------------------------------------
def compute_fits(D, n_points, sigma):
    """N_FITS training sets of n_points, each fitted with D hidden units; the decomposition
    at X_PLOT. Returns the fits, their mean, one data set and bias2/variance/noise/mse."""
    with _one_thread():
        preds = G.fit_predictions(G.shallow_fitter(D), G.true_function, G.sample_uniform,
                                  X_PLOT, sigma, N_FITS, n_points, np.random.default_rng(SEED))
    x0, y0 = G.training_set(G.sample_uniform, G.true_function, n_points, sigma,
                            np.random.default_rng(SEED))  # the same draws again: the first set
    parts = G.decompose(preds, MU_PLOT)  # (I_test,) arrays
    out = {"bias2": parts["bias2"].mean(), "variance": parts["variance"].mean(),
           "noise": sigma ** 2}
    out["mse"] = out["bias2"] + out["variance"] + out["noise"]
    return {"preds": preds, "f_mu": parts["f_mu"], "x0": x0, "y0": y0, "parts": out,
            "D": D, "n_points": n_points}


def draw_fits(fig):
    ax, bx = fig.subplots(1, 2, width_ratios=(2.3, 1))
    art = plot_fits(ax, X_PLOT, np.zeros((N_FITS, X_PLOT.size)), np.zeros_like(X_PLOT),
                    MU_PLOT, animated=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(*Y_LIM)
    ax.legend(loc="upper right", ncols=2, fontsize=7)
    ax.set_title(f"{N_FITS} training sets, each fitted by the same model")
    bars = plot_error_bars(bx, animated=True)
    bx.set_ylim(0, 1.0)
    label(bx, None, "averaged over $x$", "test error = sum of parts")
    return {"fits": art, "bars": bars}


def update_fits(h, data):
    set_fits(h["fits"], X_PLOT, _clip(data["preds"]), _clip(data["f_mu"]), data["x0"],
             data["y0"])
    note = "\n1 + D >= I: fits interpolate" if data["D"] + 1 >= data["n_points"] else ""
    set_error_bars(h["bars"], data["parts"], ymax=0.75, extra=note)
    return finite_or_message(data["preds"], "the fits")


fits = InteractiveFigure(
    name="ch06.fits",
    controls=(Slider("D", 0, 20, 3, kind="int", description="hidden units D"),
              Slider("n_points", 4, 60, 15, kind="int", description="training points I"),
              Slider("sigma", 0.0, 1.0, 0.3, step=0.05, description="noise σ")),
    compute=compute_fits, draw=draw_fits, update=update_fits, figsize=(9.0, 3.2),
)


# ------------------------------------------------------------------------------------------
# 2. Double descent on the toy problem: the fit of one data set, and the error curve
# ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def toy_curve():
    """The capacity curve of the toy problem (I = 15 inputs on a grid, sigma = 0.3) for D in
    DD_DS, DD_DATASETS noisy training sets per D: about a second, computed once, reused."""
    with _one_thread():
        return G.capacity_curve(DD_DS, DD_SIGMA, DD_DATASETS, DD_POINTS,
                                np.random.default_rng(SEED))


def compute_one_fit(D):
    """One training set of DD_POINTS fitted by the minimum-norm phi with D hidden units."""
    x, y = G.training_set(G.sample_grid, G.true_function, DD_POINTS, DD_SIGMA,
                          np.random.default_rng(SEED + 1))
    beta, omega = G.joint_params(D)
    with _one_thread():
        phi = G.fit_min_norm(G.relu_features(x, beta, omega), y)  # (1 + D,)
    f = phi @ G.relu_features(X_PLOT, beta, omega)  # (I_plot,)
    curve = toy_curve()
    err = float(np.interp(D, curve["D"], np.log(curve["mse"])))  # log-interpolated curve
    return {"x": x, "y": y, "f": f, "D": D, "norm": float(np.linalg.norm(phi)),
            "mse_at_D": float(np.exp(err)), "curve": curve}


def draw_one_fit(fig):
    ax, bx = fig.subplots(1, 2)
    (truth,) = ax.plot(X_PLOT, MU_PLOT, "--", color=PALETTE["black"], label=r"true $\mu[x]$")
    (fit,) = ax.plot([], [], color=PALETTE["blue"], linewidth=2, animated=True,
                     label=r"min-norm fit $f[x, \phi]$")
    (pts,) = ax.plot([], [], "o", color=PALETTE["vermillion"], markersize=4, animated=True,
                     label="training data")
    ax.set_xlim(0, 1)
    ax.set_ylim(*Y_LIM)
    ax.legend(loc="upper right", fontsize=7)
    label(ax, "$x$", "$y$", "one training set and its minimum-norm fit")
    text = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=9, animated=True)
    curve = toy_curve()
    plot_capacity_curve(bx, curve, keys=("bias2", "variance", "mse"))
    bx.set_xscale("symlog", linthresh=10)
    bx.set_xlim(0, DD_DS[-1])
    bx.set_ylim(1e-4, 1e6)
    mark_threshold(bx, DD_POINTS - 1)
    bx.set_title(f"I = {DD_POINTS} grid points, {DD_DATASETS} training sets per D")
    (marker,) = bx.plot([], [], "o", color=PALETTE["vermillion"], markersize=9,
                        animated=True, zorder=5, label="the slider's D")
    bx.legend(loc="upper right", fontsize=7)
    return {"fit": fit, "pts": pts, "text": text, "marker": marker}


def update_one_fit(h, data):
    h["fit"].set_data(X_PLOT, _clip(data["f"]))
    h["pts"].set_data(data["x"], data["y"])
    h["marker"].set_data([data["D"]], [np.clip(data["mse_at_D"], 1e-4, 1e6)])
    h["text"].set_text(f"||phi|| = {data['norm']:.3g}")
    return finite_or_message(data["f"], "the fit")


double_descent_1d = InteractiveFigure(
    name="ch06.double_descent_1d",
    controls=(Slider("D", 0, DD_DS[-1], 5, kind="int", description="hidden units D"),),
    compute=compute_one_fit, draw=draw_one_fit, update=update_one_fit, figsize=(9.0, 3.2),
)


# ------------------------------------------------------------------------------------------
# 3. Past the threshold: many interpolants, the minimum-norm one is smooth
# ------------------------------------------------------------------------------------------
INTERP_POINTS = 10


def compute_interpolants(D, step, direction):
    """phi_min (minimum norm) and phi_min + step ||phi_min|| v with v a unit vector with
    v H = 0: both fit the INTERP_POINTS points exactly. The null-space directions are ordered
    by how much they move the function on [0, 1] (``direction`` = 0 moves it most)."""
    x, y = G.training_set(G.sample_uniform, G.true_function, INTERP_POINTS, 0.3,
                          np.random.default_rng(SEED + 2))
    beta, omega = G.joint_params(D)
    H = G.relu_features(x, beta, omega)  # (1 + D, I)
    H_plot = G.relu_features(X_PLOT, beta, omega)  # (1 + D, I_plot)
    with _one_thread():
        phi = G.fit_min_norm(H, y)  # (1 + D,)
        N = G.null_space(H)  # (1 + D, n_free), orthonormal columns
        V = G.directions_by_effect(N, H_plot)  # the same space, largest effect on f first
    shown = min(int(direction), max(N.shape[1] - 1, 0))  # there are only n_free of them
    v = V[:, shown] if N.shape[1] else np.zeros_like(phi)  # (1 + D,) unit, v H = 0
    other = phi + step * np.linalg.norm(phi) * v
    return {"x": x, "y": y, "f_min": phi @ H_plot, "f_other": other @ H_plot,
            "norms": (float(np.linalg.norm(phi)), float(np.linalg.norm(other))),
            "fit_err": float(np.max(np.abs(other @ H - y))), "n_free": N.shape[1], "D": int(D),
            "step": float(step), "direction": int(direction), "shown": shown}


def draw_interpolants(fig):
    ax = fig.subplots()
    ax.plot(X_PLOT, MU_PLOT, "--", color=PALETTE["grey"], label=r"true $\mu[x]$")
    (f_other,) = ax.plot([], [], color=PALETTE["orange"], linewidth=1.8, animated=True,
                         label=r"another interpolant $\phi_{min} + v$, $vH = 0$")
    (f_min,) = ax.plot([], [], color=PALETTE["blue"], linewidth=2.2, animated=True,
                       label=r"minimum-norm $\phi_{min} = yH^+$")
    (pts,) = ax.plot([], [], "o", color=PALETTE["vermillion"], markersize=5, animated=True,
                     zorder=5, label="training data")
    ax.set_xlim(0, 1)
    ax.set_ylim(*Y_LIM)
    ax.legend(loc="upper right", fontsize=7)
    label(ax, "$x$", "$y$", f"two functions that pass through all {INTERP_POINTS} points")
    text = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=9, animated=True)
    return {"f_min": f_min, "f_other": f_other, "pts": pts, "text": text}


def update_interpolants(h, data):
    h["f_min"].set_data(X_PLOT, _clip(data["f_min"]))
    h["f_other"].set_data(X_PLOT, _clip(data["f_other"]))
    h["pts"].set_data(data["x"], data["y"])
    n_min, n_other = data["norms"]
    h["text"].set_text(f"norms {n_min:.3g} vs {n_other:.3g}; misses data by "
                       f"{data['fit_err']:.0e}")
    bad = finite_or_message(data["f_other"], "the fit")
    if bad:
        return bad
    if data["step"] == 0:
        return "step 0: the other interpolant is the minimum-norm one (direction has no effect)"
    if data["direction"] > data["shown"]:
        n = data["n_free"]
        return (f"at D = {data['D']} the null space has {n} direction{'s' * (n != 1)} "
                f"(1 + D - I): showing direction {data['shown']}")
    return None


interpolants = InteractiveFigure(
    name="ch06.interpolants",
    controls=(Slider("D", INTERP_POINTS, 200, 60, kind="int", description="hidden units D"),
              Slider("step", -5.0, 5.0, 2.0, step=0.1, description="step along null space"),
              Slider("direction", 0, 9, 0, kind="int", description="null-space direction")),
    compute=compute_interpolants, draw=draw_interpolants, update=update_interpolants,
    figsize=(7.5, 3.0),
)

__all__ = ["fits", "double_descent_1d", "interpolants", "compute_fits", "compute_one_fit",
           "compute_interpolants", "toy_curve"]
