"""Interactive figures for chapter 02 (loss functions)."""

import functools

import numpy as np

from .. import losses
from ..plots import PALETTE, label
from ..plots.losses import plot_binary_data, plot_data, plot_mean_band, set_mean_band
from . import Dropdown, InteractiveFigure, Slider

# ------------------------------------------------------------------------------------------
# 1. Gaussian NLL for a line f[x, phi] = phi_0 + phi_1 x: sigma changes the loss, not its argmin.
# ------------------------------------------------------------------------------------------
_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}
_rng = np.random.default_rng(2)
LINE_X = np.sort(_rng.uniform(0.0, 3.0, 20))  # (I,) = (20,)
LINE_Y = 0.3 + 0.6 * LINE_X + 0.3 * _rng.standard_normal(20)
LINE_GRID = np.linspace(-0.2, 3.2, 2)  # a line needs two points
PHI1_GRID = np.linspace(-0.5, 1.7, 221)  # slopes on the loss panel
PHI0_HAT, PHI1_HAT = losses.fit_line(LINE_X, LINE_Y)


def compute_gaussian_sigma(sigma, phi_1):
    """The NLL curve over slopes for this sigma (each slope with its best offset), its argmin
    on the grid, and the line at phi_1."""
    _, nll = losses.line_nll_by_slope(LINE_X, LINE_Y, PHI1_GRID, sigma)  # (221,)
    k = int(np.argmin(nll))
    (phi_0,), (here,) = losses.line_nll_by_slope(LINE_X, LINE_Y, [phi_1], sigma)
    return {"sigma": sigma, "phi_1": phi_1, "mu": phi_0 + phi_1 * LINE_GRID,
            "excess": nll - nll[k], "best": PHI1_GRID[k], "here": here - nll[k],
            "nll_here": here, "nll_best": nll[k]}


def draw_gaussian_sigma(fig):
    ax_fit, ax_loss = fig.subplots(1, 2)
    plot_data(ax_fit, LINE_X, LINE_Y)
    line, band = plot_mean_band(ax_fit, LINE_GRID, np.zeros(2), 1.0, animated=True)
    ax_fit.set_xlim(-0.2, 3.2)
    ax_fit.set_ylim(-2.0, 4.5)
    ax_fit.legend(loc="upper left")
    label(ax_fit, "$x$", "$y$", r"model $Pr(y|x) = Norm_y[\phi_0 + \phi_1 x, \sigma^2]$")
    (curve,) = ax_loss.plot(PHI1_GRID, np.zeros_like(PHI1_GRID), color=PALETTE["blue"],
                            linewidth=2, animated=True)
    best = ax_loss.axvline(0, color=PALETTE["vermillion"], linestyle="--", animated=True)
    (dot,) = ax_loss.plot([], [], "o", color=PALETTE["orange"], ms=8, animated=True)
    ax_loss.axvline(PHI1_HAT, color=PALETTE["grey"], linewidth=4, alpha=0.3,
                    label=r"least squares $\hat\phi_1$")
    ax_loss.set_xlim(PHI1_GRID[0], PHI1_GRID[-1])
    ax_loss.set_ylim(-0.5, 25)
    ax_loss.legend(loc="upper right")
    label(ax_loss, r"slope $\phi_1$ (offset $\phi_0$ at its best)",
          r"$L[\phi] - L[\hat\phi]$", "negative log-likelihood")
    text = ax_loss.text(0.03, 0.97, "", transform=ax_loss.transAxes, va="top", fontsize=9,
                        animated=True, bbox=_BOX)
    return {"line": line, "band": band, "curve": curve, "best": best, "dot": dot, "text": text}


def update_gaussian_sigma(h, d):
    set_mean_band(h["line"], h["band"], LINE_GRID, d["mu"], d["sigma"])
    h["curve"].set_ydata(np.minimum(d["excess"], 1e6))  # clip: the axes show up to 25
    h["best"].set_xdata([d["best"], d["best"]])
    h["dot"].set_data([d["phi_1"]], [min(d["here"], 24.0)])
    # short texts: drawing glyphs is the slowest part of an update
    h["text"].set_text(f"argmin φ₁ = {d['best']:.2f}\nL[φ] = {d['nll_here']:.4g} (unshifted)")
    return None


gaussian_sigma = InteractiveFigure(
    name="ch02.gaussian_sigma",
    controls=(Slider("sigma", 0.05, 5.0, 0.5, kind="log", description="σ"),
              Slider("phi_1", -0.5, 1.7, 1.2, step=0.01, description="slope φ₁")),
    compute=compute_gaussian_sigma, draw=draw_gaussian_sigma, update=update_gaussian_sigma,
    figsize=(10.0, 3.4),
)

# ------------------------------------------------------------------------------------------
# 2. Binary classification: logit f -> lambda = sig[f] -> binary cross-entropy.
# ------------------------------------------------------------------------------------------
F_GRID = np.linspace(-10, 10, 401)
_bce = losses.bernoulli_nll.__wrapped__  # the unchecked maths, for a loop over our own grid
BCE_Y1 = np.array([_bce(np.ones(1), np.array([f])) for f in F_GRID])  # -log sig[f]
BCE_Y0 = np.array([_bce(np.zeros(1), np.array([f])) for f in F_GRID])  # -log(1 - sig[f])


def compute_bernoulli(f, y):
    lam = float(losses.sigmoid(f))
    return {"f": f, "y": y, "lam": lam,
            "loss": losses.bernoulli_nll(np.array([y]), np.array([f])),
            "loss1": losses.bernoulli_nll(np.ones(1), np.array([f])),
            "loss0": losses.bernoulli_nll(np.zeros(1), np.array([f]))}


def draw_bernoulli(fig):
    ax_sig, ax_bar, ax_loss = fig.subplots(1, 3, width_ratios=[2, 1, 2])
    ax_sig.plot(F_GRID, losses.sigmoid(F_GRID), color=PALETTE["blue"], linewidth=2)
    (dot_sig,) = ax_sig.plot([], [], "o", color=PALETTE["orange"], ms=8, animated=True)
    ax_sig.set_ylim(-0.05, 1.05)
    label(ax_sig, "logit $f[x, \\phi]$", r"$\lambda = sig[f]$", "1. squash the logit")
    bars = ax_bar.bar([0, 1], [0.5, 0.5], color=[PALETTE["grey"], PALETTE["blue"]],
                      animated=True)
    ax_bar.set_xticks([0, 1], ["y = 0", "y = 1"])
    ax_bar.set_ylim(0, 1.05)
    label(ax_bar, None, "$Pr(y|\\lambda)$", "2. Bernoulli")
    (c1,) = ax_loss.plot(F_GRID, BCE_Y1, color=PALETTE["blue"], animated=True,
                         label=r"$y=1$: $-\log\lambda$")
    (c0,) = ax_loss.plot(F_GRID, BCE_Y0, color=PALETTE["grey"], animated=True,
                         label=r"$y=0$: $-\log(1-\lambda)$")
    (dot_loss,) = ax_loss.plot([], [], "o", color=PALETTE["orange"], ms=8, animated=True)
    ax_loss.set_ylim(-0.3, 10.5)
    ax_loss.legend(loc="upper center")
    label(ax_loss, "logit $f$", "loss $L$", "3. binary cross-entropy")
    text = ax_loss.text(0.35, 0.55, "", transform=ax_loss.transAxes, fontsize=9, animated=True,
                        bbox=_BOX)
    return {"dot_sig": dot_sig, "bars": bars, "dot_loss": dot_loss, "text": text,
            "curves": (c0, c1)}


def update_bernoulli(h, d):
    h["dot_sig"].set_data([d["f"]], [d["lam"]])
    h["bars"][0].set_height(1 - d["lam"])
    h["bars"][1].set_height(d["lam"])
    h["dot_loss"].set_data([d["f"]], [d["loss"]])
    for y, curve in enumerate(h["curves"]):  # the label's curve bold, the other faint
        curve.set_linewidth(2.5 if y == d["y"] else 1.0)
        curve.set_alpha(1.0 if y == d["y"] else 0.4)
    h["text"].set_text(f"λ = {d['lam']:.3g}\nL = {d['loss']:.3g}")
    return None


bernoulli = InteractiveFigure(
    name="ch02.bernoulli",
    controls=(Slider("f", -10.0, 10.0, 1.0, step=0.1, description="logit f"),
              Dropdown("y", (0, 1), 1, description="label y")),
    compute=compute_bernoulli, draw=draw_bernoulli, update=update_bernoulli,
    figsize=(11.0, 3.2),
)

# ------------------------------------------------------------------------------------------
# 3. Multiclass: K = 4 logits -> softmax -> cross-entropy of the true class.
# ------------------------------------------------------------------------------------------
K_CLASSES = 4


def compute_softmax(z_1, z_2, z_3, z_4, y):
    z = np.array([z_1, z_2, z_3, z_4])  # (K,)
    return {"z": z, "p": losses.softmax(z), "y": int(y),
            "loss": losses.categorical_nll(int(y), z)}


def draw_softmax(fig):
    ax_z, ax_p = fig.subplots(1, 2)
    k = np.arange(K_CLASSES)
    names = [f"k={i}" for i in k]
    zbars = ax_z.bar(k, np.zeros(K_CLASSES), color=PALETTE["grey"], animated=True)
    ax_z.axhline(0, color=PALETTE["black"], linewidth=0.6)
    ax_z.set_xticks(k, names)
    ax_z.set_ylim(-10.5, 10.5)
    label(ax_z, "class", "logit $f_k$", "logits (network outputs)")
    pbars = ax_p.bar(k, np.zeros(K_CLASSES), color=PALETTE["blue"], animated=True)
    ax_p.set_xticks(k, names)
    ax_p.set_ylim(0, 1.08)
    label(ax_p, "class", r"$\lambda_k = softmax_k[f]$",
          r"softmax; $L = -\log\lambda_y$, true class $y$ in orange")
    text = ax_p.text(0.97, 0.97, "", transform=ax_p.transAxes, va="top", ha="right",
                     fontsize=9, animated=True, bbox=_BOX)
    return {"zbars": zbars, "pbars": pbars, "text": text}


def update_softmax(h, d):
    for i in range(K_CLASSES):
        color = PALETTE["orange"] if i == d["y"] else PALETTE["grey"]
        h["zbars"][i].set_height(d["z"][i])
        h["zbars"][i].set_color(color)
        h["pbars"][i].set_height(d["p"][i])
        h["pbars"][i].set_color(PALETTE["orange"] if i == d["y"] else PALETTE["blue"])
    h["text"].set_text(f"L = {d['loss']:.3g}")
    return None


softmax = InteractiveFigure(
    name="ch02.softmax",
    controls=(Slider("z_1", -10.0, 10.0, 2.0, step=0.1, description="f₀"),
              Slider("z_2", -10.0, 10.0, 1.0, step=0.1, description="f₁"),
              Slider("z_3", -10.0, 10.0, 0.0, step=0.1, description="f₂"),
              Slider("z_4", -10.0, 10.0, -1.0, step=0.1, description="f₃"),
              Dropdown("y", (0, 1, 2, 3), 1, description="true class y")),
    compute=compute_softmax, draw=draw_softmax, update=update_softmax,
    figsize=(9.0, 3.2),
)

# ------------------------------------------------------------------------------------------
# 4. A binary classifier fitted to data by gradient descent on the binary cross-entropy.
# ------------------------------------------------------------------------------------------
CLS_X, CLS_Y, CLS_LAM = losses.toy_classification(200, np.random.default_rng(4))
CLS_GRID = np.linspace(0.0, 3.0, 121)  # x on the plot
CLS_TRUE = losses.sigmoid(4.0 * np.sin(2.0 * CLS_GRID) - 1.0)  # the true lambda(x) on the grid
CLS_STEPS = 2000
CLS_D = (1, 2, 4, 8)  # D = 1: the only joint is at x = 0, so h = [1; x]: logistic regression


@functools.lru_cache(maxsize=1)
def classifier_fits():
    """Every run of the figure, made once (about half a second) and kept: for each D the path of
    phi over CLS_STEPS gradient-descent steps, its losses, and the features on the plot's grid."""
    fits = {}
    for D in CLS_D:
        path, nll = losses.fit_bernoulli(CLS_X, CLS_Y, D=D, steps=CLS_STEPS)
        fits[D] = (path, nll, losses.relu_features(CLS_GRID, D))  # (T + 1, 1 + D), (T + 1,)
    return fits


def compute_classifier(t, D):
    """lambda(x) = sig[phi_t @ h(x)] after t steps for D ReLU features, and the loss so far."""
    t = int(round(t))
    path, nll, h_grid = classifier_fits()[D]
    lam_data = losses.sigmoid(path[t] @ losses.relu_features(CLS_X, D))  # (I,)
    return {"t": t, "D": D, "lam": losses.sigmoid(path[t] @ h_grid), "losses": nll,
            "loss": nll[t], "accuracy": float(np.mean((lam_data > 0.5) == (CLS_Y == 1)))}


def draw_classifier(fig):
    ax_fit, ax_loss = fig.subplots(1, 2, width_ratios=[1.5, 1])
    plot_binary_data(ax_fit, CLS_X, CLS_Y)
    ax_fit.plot(CLS_GRID, CLS_TRUE, color=PALETTE["black"], linestyle=":",
                label=r"true $Pr(y=1|x)$")
    ax_fit.axhline(0.5, color=PALETTE["grey"], linewidth=0.8)
    (fit,) = ax_fit.plot(CLS_GRID, CLS_TRUE, color=PALETTE["blue"], linewidth=2, animated=True,
                         label=r"fitted $\lambda = sig[f[x, \phi_t]]$")
    ax_fit.set_xlim(0, 3)
    ax_fit.set_ylim(-0.08, 1.3)  # room above y = 1 for the legend
    ax_fit.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax_fit.legend(loc="upper center", ncols=3)
    label(ax_fit, "$x$", r"$y$ and $\lambda(x)$", "the classifier after t steps")
    steps = np.arange(CLS_STEPS + 1)
    lowest = min(float(nll.min()) for _, nll, _ in classifier_fits().values())
    start = CLS_Y.size * np.log(2.0)  # phi = 0: lambda = 0.5 for every point
    ax_loss.axhline(start, color=PALETTE["grey"], linestyle="--", linewidth=1,
                    label=r"$\lambda = 0.5$ everywhere")
    (curve,) = ax_loss.plot(steps[1:], np.full(CLS_STEPS, start), color=PALETTE["blue"],
                            animated=True)
    (dot,) = ax_loss.plot([], [], "o", color=PALETTE["orange"], ms=8, animated=True)
    ax_loss.set_xscale("log")
    ax_loss.set_xlim(1, CLS_STEPS)
    ax_loss.set_ylim(lowest - 5, start + 5)
    ax_loss.legend(loc="lower left")
    label(ax_loss, "gradient-descent step $t$", r"$L[\phi_t]$", "binary cross-entropy")
    text = ax_loss.text(0.97, 0.84, "", transform=ax_loss.transAxes, ha="right", va="top",
                        fontsize=9, animated=True, bbox=_BOX)
    return {"fit": fit, "text": text, "curve": curve, "dot": dot}


def update_classifier(h, d):
    h["fit"].set_ydata(d["lam"])
    h["curve"].set_ydata(d["losses"][1:])
    h["dot"].set_data([d["t"]], [d["loss"]])
    h["text"].set_text(f"D = {d['D']}, t = {d['t']}: L = {d['loss']:.1f}\n"
                       f"training accuracy {d['accuracy']:.0%}")
    return None


classifier = InteractiveFigure(
    name="ch02.classifier",
    controls=(Slider("t", 1, CLS_STEPS, 100, kind="log", description="steps t"),
              Dropdown("D", CLS_D, 8, description="ReLU features D")),
    compute=compute_classifier, draw=draw_classifier, update=update_classifier,
    figsize=(10.0, 3.4),
)

__all__ = ["gaussian_sigma", "bernoulli", "softmax", "classifier", "compute_gaussian_sigma",
           "compute_bernoulli", "compute_softmax", "compute_classifier", "classifier_fits"]
