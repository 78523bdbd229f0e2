"""Interactive figures for chapter 09 (residual networks and normalisation)."""

from functools import lru_cache

import numpy as np

from .. import residual
from .._threads import one_blas_thread as _one_blas_thread
from ..plots import PALETTE, label
from ..plots.residual import KIND_COLOR
from . import Dropdown, InteractiveFigure, Slider

# ------------------------------------------------------------------------------------------
# 1. Shattered gradients: dy/dx across inputs, plain vs residual, depth on a slider.
# ------------------------------------------------------------------------------------------
X_GRAD = np.linspace(-2.0, 2.0, 200)  # 200 inputs; even count so no input sits at the mean
MAX_DEPTH = 50
MAX_LAG = 20
SEEDS = 6  # the autocorrelation is averaged over this many random nets
LAGS = np.arange(MAX_LAG + 1) * (X_GRAD[1] - X_GRAD[0])


@lru_cache(maxsize=1)
def _all_depths():
    """dy/dx for every depth 0..MAX_DEPTH, plain and residual, and the mean autocorrelation.

    Each net of depth K is the first K layers of one 50-layer draw, so one pass gives all."""
    grads, corr = {}, {}
    with _one_blas_thread():
        for kind in ("plain", "residual"):
            cs = []
            for seed in range(SEEDS):
                p = residual.toy_net(MAX_DEPTH, 64, np.random.default_rng(seed))
                _, g = residual.input_gradient(X_GRAD, p, kind == "residual", every_depth=True)
                if seed == 0:
                    rms = np.sqrt(np.mean(g ** 2, axis=1, keepdims=True))  # (K + 1, 1)
                    grads[kind] = g / np.where(rms > 0, rms, 1.0)  # (K + 1, I), unit RMS
                # the unchecked maths: 2 x 6 x 51 calls on gradients made just above
                cs.append([residual.autocorrelation.__wrapped__(gk, MAX_LAG) for gk in g])
            corr[kind] = np.mean(cs, axis=0)  # (K + 1, MAX_LAG + 1)
    return grads, corr


def compute_shattered(K):
    grads, corr = _all_depths()
    return {"K": K, "g_plain": grads["plain"][K], "g_res": grads["residual"][K],
            "c_plain": corr["plain"][K], "c_res": corr["residual"][K],
            "c1": corr["plain"][0]}


def draw_shattered(fig):
    axes = fig.subplots(1, 3)
    handles = {}
    for ax, kind in zip(axes[:2], ("plain", "residual"), strict=True):
        (handles[kind],) = ax.plot(X_GRAD, np.zeros_like(X_GRAD), color=KIND_COLOR[kind],
                                   linewidth=1.0, animated=True)
        ax.set_xlim(-2, 2)
        ax.set_ylim(-4.5, 4.5)
        label(ax, "input $x$", r"$\partial y / \partial x$ (unit RMS)")
    handles["t_plain"] = axes[0].set_title(" ", animated=True)
    handles["t_res"] = axes[1].set_title(" ", animated=True)
    ax = axes[2]
    (handles["ref"],) = ax.plot(LAGS, np.ones_like(LAGS), color=PALETTE["grey"], linewidth=1.2,
                                linestyle="--", label="plain, 1 hidden layer", animated=True)
    for kind in ("plain", "residual"):
        (handles["c_" + kind],) = ax.plot(LAGS, np.ones_like(LAGS), color=KIND_COLOR[kind],
                                          linewidth=1.8, label=kind, animated=True)
    ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
    ax.set_xlim(0, LAGS[-1])
    ax.set_ylim(-0.3, 1.05)
    # outside the data area: the animated curves are drawn after (over) any legend
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncols=3, handlelength=1.2,
              columnspacing=0.8)
    label(ax, r"distance between inputs $\Delta x$", "autocorrelation of the gradient")
    ax.text(0.98, 0.97, f"mean of {SEEDS} random nets", transform=ax.transAxes, ha="right",
            va="top", fontsize=8)
    return handles


def update_shattered(h, d):
    h["plain"].set_ydata(np.clip(d["g_plain"], -10, 10))
    h["residual"].set_ydata(np.clip(d["g_res"], -10, 10))
    h["t_plain"].set_text(f"plain net, 1 + K = {d['K'] + 1} hidden layers")
    h["t_res"].set_text(f"residual net, K = {d['K']} blocks")
    h["c_plain"].set_ydata(d["c_plain"])
    h["c_residual"].set_ydata(d["c_res"])
    h["ref"].set_ydata(d["c1"])
    return None


shattered = InteractiveFigure(
    name="ch09.shattered",
    controls=(Slider("K", 0, MAX_DEPTH, 20, kind="int", description="depth K"),),
    compute=compute_shattered, draw=draw_shattered, update=update_shattered,
    figsize=(11.0, 3.1),
)

# ------------------------------------------------------------------------------------------
# 2. Variance through residual blocks: none vs batch norm, the branch scale gamma.
# ------------------------------------------------------------------------------------------
X_VAR = np.random.default_rng(7).standard_normal((48, 96))  # h_0: 48 units, 96 points
K_VAR = 40


@lru_cache(maxsize=64)
def compute_variance(norm, gamma):
    with _one_blas_thread():
        v = residual.residual_variances(X_VAR, K_VAR, np.random.default_rng(3), norm, gamma)
    closed = residual.variance_closed_form(K_VAR, float(X_VAR.var()), norm, gamma)
    return {"v": v, "closed": closed, "norm": norm, "gamma": gamma}


def draw_variance(fig):
    ax = fig.subplots()
    k = np.arange(K_VAR + 1)
    (dots,) = ax.plot(k, np.ones_like(k, float), "o", color=PALETTE["blue"], markersize=4,
                      label="measured (48 units, 96 inputs)", animated=True)
    (line,) = ax.plot(k, np.ones_like(k, float), "-", color=PALETTE["orange"], linewidth=1.5,
                      label="closed form", animated=True)
    ax.plot(k, 2.0 ** k, ":", color=PALETTE["grey"], label="$2^k$ (no norm, γ = 1)")
    ax.plot(k, 1.0 + k, "--", color=PALETTE["grey"], linewidth=0.8,
            label="$1 + k$ (batch norm, γ = 1)")
    ax.set_yscale("log")
    ax.set_xlim(0, K_VAR)
    ax.set_ylim(0.5, 1e30)
    ax.legend(loc="upper left")
    label(ax, "block $k$", r"Var$[h_k]$ (log scale)")
    title = ax.set_title(" ", animated=True)
    return {"dots": dots, "line": line, "title": title}


def update_variance(h, d):
    v = np.where(np.isfinite(d["v"]), d["v"], np.nan)
    h["dots"].set_ydata(np.clip(v, 1e-300, 1e300))
    h["line"].set_ydata(np.clip(d["closed"], 1e-300, 1e300))
    formula = ("(1 + γ²)^k" if d["norm"] == "none" else "1 + γ² k")
    h["title"].set_text(f"branch {'a[h]' if d['norm'] == 'none' else 'a[BN[h]]'}, "
                        f"γ = {d['gamma']:.2f}: Var[h_k] ≈ {formula} -> "
                        f"{d['closed'][-1]:.3g} after {K_VAR} blocks")
    if not np.isfinite(d["v"]).all():
        return "overflow: the variance left the float64 range"
    if d["v"][-1] > 1e30:
        return "above the plot: the variance passed 1e30"
    return None


variance = InteractiveFigure(
    name="ch09.variance",
    controls=(Dropdown("norm", (("none: h + γ Ω a[h]", "none"),
                                ("batch norm: h + Ω a[BN[h]]", "batch")), "none",
                       description="branch"),
              Slider("gamma", 0.05, 2.0, 1.0, step=0.05, description="γ (branch scale)")),
    compute=compute_variance, draw=draw_variance, update=update_variance,
    figsize=(8.0, 3.4),
)

# ------------------------------------------------------------------------------------------
# 3. The noise batch norm injects: one example's normalised value across random batches.
# ------------------------------------------------------------------------------------------
POOL = np.random.default_rng(11).gamma(2.0, 1.0, size=20000)  # one unit's activations: skewed
H_STAR = 3.0  # the activation of the example we follow
N_DRAWS = 400
BINS = np.linspace(-1.0, 4.0, 51)
# what test time would give: batch norm with the population's mean and variance
POP_Z = float(residual.batch_norm_eval([H_STAR], 1.0, 0.0, POOL.mean(), POOL.var())[0])


def compute_bn_noise(B):
    rng = np.random.default_rng(B)
    others = rng.choice(POOL, size=(N_DRAWS, B - 1))  # (draws, B - 1)
    h = np.concatenate([np.full((N_DRAWS, 1), H_STAR), others], axis=1)  # example in column 0
    out, m, s2 = residual.batch_norm(h, 1.0, 0.0)  # each draw is a "unit" row over its batch
    z = out[:, 0]
    counts, _ = np.histogram(np.clip(z, BINS[0], BINS[-1] - 1e-9), BINS)
    return {"B": B, "counts": counts / N_DRAWS, "z": z, "m": m, "s": np.sqrt(s2)}


def draw_bn_noise(fig):
    ax1, ax2 = fig.subplots(1, 2, width_ratios=(1.4, 1))
    bars = ax1.stairs(np.zeros(BINS.size - 1), BINS, fill=True, color=PALETTE["blue"],
                      alpha=0.8, animated=True)  # one artist for the whole histogram
    ax1.axvline(POP_Z, color=PALETTE["vermillion"], linewidth=2, animated=True,
                label="test time (population statistics)")  # animated: drawn over the bars
    ax1.set_xlim(BINS[0], BINS[-1])
    ax1.set_ylim(0, 0.55)
    ax1.legend(loc="upper left")
    label(ax1, "batch-norm output of the same example $h = 3$", "fraction of batches")
    t1 = ax1.set_title(" ", animated=True)
    (pts,) = ax2.plot([], [], "o", color=PALETTE["blue"], markersize=2.5, alpha=0.5,
                      animated=True)
    ax2.plot([POOL.mean()], [POOL.std()], "*", color=PALETTE["vermillion"], markersize=12,
             markeredgecolor="white", label="population", animated=True)  # over the dots
    ax2.set_xlim(0.0, 5.0)
    ax2.set_ylim(0.0, 3.5)
    ax2.legend(loc="upper right")
    label(ax2, "batch mean $m$", "batch std $s$", f"{N_DRAWS} random batches")
    return {"bars": bars, "t1": t1, "pts": pts}


def update_bn_noise(h, d):
    h["bars"].set_data(d["counts"])
    h["pts"].set_data(d["m"], d["s"])
    h["t1"].set_text(f"|B| = {d['B']}: spread (std) {d['z'].std():.3f} "
                     f"around {d['z'].mean():.2f}")
    return None


bn_noise = InteractiveFigure(
    name="ch09.bn_noise",
    controls=(Slider("B", 2, 256, 8, kind="int", description="batch size |B|"),),
    compute=compute_bn_noise, draw=draw_bn_noise, update=update_bn_noise,
    figsize=(10.0, 3.2),
)
