"""Interactive figures for chapter 07 (regularisation).

All 1-D figures share the chapter's running example, ``regularization.toy_problem()``: 12
noisy points and a shallow net whose 40 ReLU units are fixed, so every fit is a small linear
solve (a few ms) and no slider retrains a network. What is heavier (the gradient flow on L,
20 ensemble members, the dropout masks) is computed once and cached.
"""

from functools import lru_cache

import numpy as np
from matplotlib.collections import LineCollection

from .. import regularization as R
from .._threads import one_blas_thread
from ..losses import normal_pdf
from ..plots import COLORS, PALETTE, finite_or_message, label
from ..plots.regularization import (
    plot_band,
    plot_contours,
    plot_data,
    plot_fit,
    plot_loss_1d,
    plot_loss_curves,
    plot_path,
    plot_path_1d,
    plot_prior,
    plot_truth,
    plot_weights,
    set_band,
)
from . import Checkbox, InteractiveFigure, Slider

__all__ = ["l2_fit", "escape", "implicit_gd", "early_stopping", "ensemble", "dropout_fit",
           "input_noise", "bayes", "PROBLEM", "X_GRID"]

PROBLEM = R.toy_problem()  # x, y, theta, H, x_test, y_test, H_test, sigma
X_GRID = np.linspace(0.0, 1.0, 241)  # where the fitted functions are drawn
H_GRID = R.shallow_features(X_GRID, PROBLEM["theta"])  # (41, 241)
F_TRUE = R.true_function(X_GRID)
YLIM = (-2.2, 2.6)


def _mse(phi, H, y):
    return float(np.mean((y - phi @ H) ** 2))


def _axes_1d(ax, title):
    plot_truth(ax, X_GRID, F_TRUE)
    plot_data(ax, PROBLEM["x"], PROBLEM["y"])
    ax.set_xlim(0, 1)
    ax.set_ylim(*YLIM)
    label(ax, "$x$", "$y$", title)


def _text(ax, x=0.03, y=0.96):
    """One line of numbers that changes with the sliders (one line: text layout is slow)."""
    return ax.text(x, y, "", transform=ax.transAxes, va="top", fontsize=8.5, animated=True)


# ------------------------------------------------------------------------------------------
# 1. L2 regularisation and its Gaussian prior
# ------------------------------------------------------------------------------------------
PHI_GRID = np.linspace(-6, 6, 401)


def compute_l2(lam):
    """Ridge fit at lam, and the prior it stands for: sigma_p = sigma / sqrt(lam)."""
    phi = R.ridge_fit(PROBLEM["H"], PROBLEM["y"], lam)
    sigma_p = PROBLEM["sigma"] / np.sqrt(lam) if lam > 0 else np.inf
    density = normal_pdf(PHI_GRID, 0.0, sigma_p) if np.isfinite(sigma_p) else 0 * PHI_GRID
    return {"f": phi @ H_GRID, "phi": phi[1:], "density": density, "sigma_p": sigma_p,
            "lam": lam, "train": _mse(phi, PROBLEM["H"], PROBLEM["y"]),
            "test": _mse(phi, PROBLEM["H_test"], PROBLEM["y_test"]),
            "norm": float(np.sum(phi[1:] ** 2))}


def draw_l2(fig):
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.5, 1])
    _axes_1d(ax, r"fit minimising $\sum_i (y_i - f[x_i,\phi])^2 + \lambda \sum_d \phi_d^2$")
    fit = plot_fit(ax, X_GRID, F_TRUE * 0, animated=True, label=r"$f[x, \hat\phi]$")
    ax.legend(loc="lower left", ncols=3)
    prior = plot_prior(ax2, PHI_GRID, PHI_GRID * 0, animated=True)
    rug = plot_weights(ax2, np.zeros(40), y=0.1, animated=True)
    ax2.set_xlim(PHI_GRID[0], PHI_GRID[-1])
    ax2.set_ylim(0, 1.6)
    ax2.set_title(r"prior $\phi_d \sim Norm(0, \sigma_p^2)$, $\sigma_p^2 = \sigma^2/\lambda$")
    ax2.legend(loc="upper right")
    return {"fit": fit, "prior": prior, "rug": rug, "text": _text(ax), "text2": _text(ax2)}


def update_l2(h, d):
    h["fit"].set_ydata(np.clip(d["f"], -50, 50))
    h["prior"].set_ydata(np.minimum(d["density"], 10))
    phi = d["phi"]
    inside = np.abs(phi) < PHI_GRID[-1]
    h["rug"].set_data(phi[inside], np.full(inside.sum(), 0.1))
    h["text"].set_text(f"λ = {d['lam']:.2g}: train MSE {d['train']:.3f}, "
                       f"test MSE {d['test']:.3f}")
    sp = "inf" if not np.isfinite(d["sigma_p"]) else f"{d['sigma_p']:.3g}"
    off = (~inside).sum()
    h["text2"].set_text(f"σ_p = {sp}" + (f", {off} weights off-scale" if off else ""))
    return finite_or_message(d["f"], "the fit")


l2_fit = InteractiveFigure(
    name="ch07.l2_fit",
    controls=(Slider("lam", 1e-7, 1e3, 1e-5, kind="log", step=0.1, description="λ"),),
    compute=compute_l2, draw=draw_l2, update=update_l2, figsize=(10.0, 3.4),
)


# ------------------------------------------------------------------------------------------
# 1b. A penalty that removes a local minimum: GD on L, on L + lam theta^2, then on L again
# ------------------------------------------------------------------------------------------
TILT = 0.3                 # L = (theta^2 - 1)^2 + 0.3 theta: global minimum near -1, local near +1
ALPHA_ESC = 0.03           # the step size of every run
N_ESC = 300                # steps of each run
SHOWN = np.unique(np.geomspace(1, N_ESC + 1, 40).astype(int) - 1)  # the iterates drawn as dots
LAM_STAR = R.escape_lam(TILT)
THETA_ESC = np.linspace(-1.9, 1.9, 381)
L_ESC = R.double_well_loss(THETA_ESC, TILT)


def _well_grad(theta):
    return R.double_well_grad.__wrapped__(theta, TILT)


@lru_cache(maxsize=64)
def _plain_run(theta0):
    """GD on L alone from theta0: it depends on the start only, so it is cached."""
    return R.gradient_descent_path(_well_grad, np.array([theta0]), ALPHA_ESC, N_ESC)[:, 0]


def escape_runs(lam, theta0):
    """The three runs of the figure: GD on L from theta0; GD on L + lam theta^2 from theta0;
    then GD on L (penalty switched off) from where the penalised run ended. Each (N_ESC + 1,)."""
    plain = _plain_run(float(theta0))
    penalized = R.gradient_descent_path(R.l2_penalized_grad(_well_grad, lam),
                                        np.array([theta0]), ALPHA_ESC, N_ESC)[:, 0]
    after = R.gradient_descent_path(_well_grad, penalized[-1:], ALPHA_ESC, N_ESC)[:, 0]
    return plain, penalized, after


def compute_escape(lam, theta0):
    plain, penalized, after = escape_runs(lam, theta0)
    loss = lambda t: R.double_well_loss.__wrapped__(t, TILT)  # noqa: E731
    still = abs(_well_grad(penalized[-1]) + 2 * lam * penalized[-1]) > 1e-3
    return {"lam": lam, "theta0": theta0, "plain": plain, "penalized": penalized, "after": after,
            "L_plain": loss(plain), "L_pen": loss(penalized) + lam * penalized ** 2,
            "L_after": loss(after), "curve": L_ESC + lam * THETA_ESC ** 2, "moving": still}


def draw_escape(fig):
    ax, ax2 = fig.subplots(1, 2, sharey=True)
    plot_loss_1d(ax, THETA_ESC, L_ESC, label=r"$L[\theta]$")
    p1 = plot_path_1d(ax, [], [], color=PALETTE["vermillion"], animated=True,
                      label=r"GD on $L$ from $\theta_0$")
    p3 = plot_path_1d(ax, [], [], color=PALETTE["green"], animated=True,
                      label=r"then GD on $L$ from the penalised end")
    ax.set_title(r"$L[\theta] = (\theta^2 - 1)^2 + 0.3\,\theta$")
    ax.legend(loc="upper center", fontsize=7.5)
    plot_loss_1d(ax2, THETA_ESC, L_ESC, color=PALETTE["grey"], linestyle="--", linewidth=1,
                 label=r"$L[\theta]$")
    curve = plot_loss_1d(ax2, THETA_ESC, L_ESC, color=PALETTE["blue"], animated=True,
                         label=r"$L[\theta] + \lambda\theta^2$")
    p2 = plot_path_1d(ax2, [], [], color=PALETTE["blue"], animated=True,
                      label=r"GD on $L + \lambda\theta^2$ from $\theta_0$")
    ax2.set_title(r"the penalised loss $L[\theta] + \lambda\theta^2$")
    ax2.legend(loc="upper center", fontsize=7.5)
    for a in (ax, ax2):
        a.set_xlim(THETA_ESC[0], THETA_ESC[-1])
        a.set_ylim(-0.6, 6.0)
    texts = [_text(a, x=0.5, y=0.72) for a in (ax, ax2)]
    for t in texts:
        t.set_horizontalalignment("center")
        t.set_fontsize(8)
    return {"p1": p1, "p2": p2, "p3": p3, "curve": curve, "text": texts[0], "text2": texts[1]}


def update_escape(h, d):
    for k, path, L in (("p1", "plain", "L_plain"), ("p2", "penalized", "L_pen"),
                       ("p3", "after", "L_after")):
        h[k].set_data(d[path][SHOWN], d[L][SHOWN])
    h["curve"].set_ydata(d["curve"])
    h["text"].set_text(f"ends at θ = {d['plain'][-1]:.2f} (L = {d['L_plain'][-1]:.2f}), or "
                       f"{d['after'][-1]:.2f} (L = {d['L_after'][-1]:.2f}) after the penalty")
    h["text2"].set_text(f"λ = {d['lam']:.2f}: GD ends at θ = {d['penalized'][-1]:.2f}")
    if d["lam"] < LAM_STAR:
        where = ("and GD stops in it" if d["penalized"][-1] > 0 else
                 "but θ₀ starts left of the barrier that guards it")
        return f"λ < λ* = {LAM_STAR:.2f}: L + λθ² still has a minimum at θ > 0, {where}"
    if d["moving"]:
        return (f"λ is just above λ* = {LAM_STAR:.2f}: GD is still crossing the nearly flat "
                f"stretch after {N_ESC} steps")
    return None


escape = InteractiveFigure(
    name="ch07.escape",
    controls=(Slider("lam", 0.0, 4.0, 2.0, step=0.05, description="λ"),
              Slider("theta0", 0.2, 1.8, 1.5, step=0.05, description="θ₀")),
    compute=compute_escape, draw=draw_escape, update=update_escape, figsize=(10.0, 3.8),
)


# ------------------------------------------------------------------------------------------
# 2. Implicit regularisation: discrete GD vs gradient flow on L and on L_GD
# ------------------------------------------------------------------------------------------
THETA0 = np.array([-1.2, 1.9])
T_END = 4.0  # every path runs for the same "time" t = (steps) * alpha
_T0, _T1 = np.meshgrid(np.linspace(-1.6, 1.6, 161), np.linspace(-0.6, 2.4, 151))
VALLEY = R.valley_loss(np.stack([_T0, _T1]))
N_FLOW = 4000  # RK4 steps of the flow on L (computed once, read off by interpolation)
# the loops below call the valley's gradient thousands of times on values they make
# themselves: they call the unchecked maths (``__wrapped__``)
VALLEY_GRAD, VALLEY_HESS = R.valley_grad.__wrapped__, R.valley_hess.__wrapped__


@lru_cache(maxsize=1)
def _flow_on_L():
    return R.gradient_flow_path(VALLEY_GRAD, THETA0, T_END, N_FLOW)


def _n_steps(alpha):
    """The number of GD steps that fit in [0, T_END]: the last one ends at n alpha <= T_END."""
    return max(1, int(np.floor(T_END / alpha + 1e-9)))


RK4_DT = 0.04  # largest RK4 step for the flow on L_GD: its gaps are then accurate to about 2 %


@lru_cache(maxsize=64)
def _modified_flow(alpha):
    """The flow on L_GD from t = 0 to n alpha (n = _n_steps(alpha)), by RK4 with ``sub`` equal
    steps per GD step, each at most RK4_DT long: (path, sub). ``path[::sub]`` is the flow at
    exactly the GD times t_k = k alpha, so the gap is measured without interpolation."""
    n = _n_steps(alpha)
    sub = max(1, int(np.ceil(alpha / RK4_DT - 1e-9)))
    grad = R.gd_modified_grad(VALLEY_GRAD, alpha, hess_fn=VALLEY_HESS)
    return R.gradient_flow_path(grad, THETA0, n * alpha, n * sub), sub


def _at_times(path, t):
    """A flow path (computed on an even time grid over [0, T_END]) read off at times t."""
    grid = np.linspace(0.0, T_END, path.shape[0])
    return np.stack([np.interp(t, grid, path[:, i]) for i in range(2)], axis=1)  # (len(t), 2)


def compute_implicit(alpha):
    """GD for n = floor(T_END / alpha) steps; both flows at the same times t_k = k alpha (the
    flow on L read off its fine grid, the flow on L_GD computed at exactly those times)."""
    n = _n_steps(alpha)
    gd = R.gradient_descent_path(VALLEY_GRAD, THETA0, alpha, n)  # NaN once it diverges
    finite = np.isfinite(gd).all(axis=1)
    gd = gd[finite]
    t = alpha * np.arange(gd.shape[0])
    mod, sub = _modified_flow(float(alpha))
    with np.errstate(over="ignore", invalid="ignore"):
        gap_L = np.linalg.norm(gd - _at_times(_flow_on_L(), t), axis=1)
        gap_mod = np.linalg.norm(gd - mod[::sub][:gd.shape[0]], axis=1)
    return {"gd": gd, "mod": mod, "t": t, "gap_L": gap_L, "gap_mod": gap_mod,
            "alpha": alpha, "n": n, "diverged": not finite.all()}


def draw_implicit(fig):
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.3, 1])
    plot_contours(ax, _T0, _T1, VALLEY, levels=np.geomspace(0.01, 30, 16))
    plot_path(ax, _flow_on_L(), color=PALETTE["black"], linestyle="--", linewidth=1.2,
              zorder=4, label=r"gradient flow on $L$")
    mod = plot_path(ax, _flow_on_L(), color=PALETTE["orange"], linewidth=3, animated=True,
                    label=r"flow on $L_{GD}$")
    gd = plot_path(ax, _flow_on_L(), color=PALETTE["blue"], marker="o", markersize=3,
                   linewidth=1, animated=True, label=r"gradient descent, step $\alpha$")
    ax.plot(*THETA0, "ks", markersize=5)
    ax.plot(1, 1, "k*", markersize=10, label="minimum")
    ax.set_xlim(_T0[0, 0], _T0[0, -1])
    ax.set_ylim(_T1[0, 0], _T1[-1, 0])
    ax.legend(loc="lower right", fontsize=7.5)
    ax.set_title(f"paths in parameter space, all run to time t = {T_END:g}")
    (g1,) = ax2.plot([], [], color=PALETTE["black"], linestyle="--", animated=True,
                     label=r"$\|\theta_k - \theta_{flow\ on\ L}(k\alpha)\|$")
    (g2,) = ax2.plot([], [], color=PALETTE["orange"], linewidth=2.5, animated=True,
                     label=r"$\|\theta_k - \theta_{flow\ on\ L_{GD}}(k\alpha)\|$")
    ax2.set_yscale("log")
    ax2.set_xlim(0, T_END)
    ax2.set_ylim(1e-6, 3)
    label(ax2, r"time $t = k\alpha$", "distance from the GD iterate",
          "how far gradient descent is from each flow")
    ax2.legend(loc="lower right", fontsize=8)
    return {"gd": gd, "mod": mod, "g1": g1, "g2": g2, "text": _text(ax2)}


def update_implicit(h, d):
    h["gd"].set_data(d["gd"][:, 0], d["gd"][:, 1])
    h["mod"].set_data(d["mod"][:, 0], d["mod"][:, 1])
    h["g1"].set_data(d["t"], np.maximum(d["gap_L"], 1e-7))
    h["g2"].set_data(d["t"], np.maximum(d["gap_mod"], 1e-7))
    h["text"].set_text(f"α = {d['alpha']:.3g} ({d['n']} steps): largest gaps "
                       f"{np.nanmax(d['gap_L']):.2g} and {np.nanmax(d['gap_mod']):.2g}")
    if d["diverged"]:
        return f"diverged: α = {d['alpha']:.3g} is too large a step for this valley"
    return None


implicit_gd = InteractiveFigure(
    name="ch07.implicit_gd",
    controls=(Slider("alpha", 0.01, 0.4, 0.05, kind="log", step=0.02, description="α"),),
    compute=compute_implicit, draw=draw_implicit, update=update_implicit, figsize=(10.0, 4.0),
)


# ------------------------------------------------------------------------------------------
# 3. Early stopping: the fit after t steps of gradient descent, and the loss curves
# ------------------------------------------------------------------------------------------
ALPHA_ES = 0.5 * R.max_stable_step(PROBLEM["H"])  # half the largest stable step
STEPS = np.unique(np.geomspace(1, 1e6, 200).astype(int))


@lru_cache(maxsize=1)
def _es_curves():
    phis = R.least_squares_gd(PROBLEM["H"], PROBLEM["y"], ALPHA_ES, STEPS)  # (T, P)
    train = np.mean((PROBLEM["y"] - phis @ PROBLEM["H"]) ** 2, axis=1)
    test = np.mean((PROBLEM["y_test"] - phis @ PROBLEM["H_test"]) ** 2, axis=1)
    return train, test, R.early_stopping_point(test)


def compute_early_stopping(t):
    t = int(round(t))
    phi = R.least_squares_gd(PROBLEM["H"], PROBLEM["y"], ALPHA_ES, t)
    return {"t": t, "f": phi @ H_GRID, "train": _mse(phi, PROBLEM["H"], PROBLEM["y"]),
            "test": _mse(phi, PROBLEM["H_test"], PROBLEM["y_test"])}


def draw_early_stopping(fig):
    ax, ax2 = fig.subplots(1, 2)
    _axes_1d(ax, r"$f[x, \phi_t]$ after $t$ steps of gradient descent from $\phi = 0$")
    fit = plot_fit(ax, X_GRID, F_TRUE * 0, animated=True)
    train, test, stop = _es_curves()
    plot_loss_curves(ax2, STEPS, train, test, stop=stop)
    ax2.set_yscale("log")
    ax2.set_ylim(1e-4, 10)
    ax2.set_xlim(1, STEPS[-1])
    ax2.set_ylabel("mean squared error")
    ax2.legend(loc="lower left")
    (m1,) = ax2.plot([], [], "o", color=PALETTE["blue"], animated=True)
    (m2,) = ax2.plot([], [], "o", color=PALETTE["vermillion"], animated=True)
    return {"fit": fit, "m1": m1, "m2": m2, "text": _text(ax)}


def update_early_stopping(h, d):
    h["fit"].set_ydata(np.clip(d["f"], -50, 50))
    h["m1"].set_data([d["t"]], [max(d["train"], 1e-4)])
    h["m2"].set_data([d["t"]], [d["test"]])
    h["text"].set_text(f"t = {d['t']:,}: train MSE {d['train']:.4f}, test {d['test']:.3f}")
    return None


early_stopping = InteractiveFigure(
    name="ch07.early_stopping",
    controls=(Slider("t", 1, 1e6, 300, kind="log", step=0.05, description="steps t"),),
    compute=compute_early_stopping, draw=draw_early_stopping, update=update_early_stopping,
    figsize=(10.0, 3.4),
)


# ------------------------------------------------------------------------------------------
# 4. Ensembling: M models fitted to bootstrap resamples, and their average
# ------------------------------------------------------------------------------------------
M_MAX = 20
LAM_MEMBER = 1e-4  # each member is barely regularised, so it over-fits its resample


@lru_cache(maxsize=1)
def _members():
    idx = R.bootstrap_indices(len(PROBLEM["x"]), M_MAX, np.random.default_rng(11))
    phis = np.array([R.ridge_fit(PROBLEM["H"][:, i], PROBLEM["y"][i], LAM_MEMBER) for i in idx])
    return phis @ H_GRID, phis @ PROBLEM["H_test"]  # (M_MAX, 241), (M_MAX, n_test)


def compute_ensemble(M):
    M = int(M)
    grid, test = _members()
    dec = R.ensemble_decomposition(test[:M], R.true_function(PROBLEM["x_test"]))
    return {**dec, "members": grid[:M], "mean": grid[:M].mean(axis=0), "M": M}


def draw_ensemble(fig):
    ax = fig.subplots()
    _axes_1d(ax, "members (thin) fitted to bootstrap resamples, and their average (thick)")
    lines = LineCollection(np.zeros((M_MAX, 2, 2)), colors=COLORS[:6], linewidths=0.8,
                           alpha=0.7, animated=True)  # one artist for all members: fast
    ax.add_collection(lines)
    mean = plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["black"], linewidth=2.5,
                    animated=True, label="ensemble mean")
    ax.legend(loc="lower left", ncols=3)
    return {"lines": lines, "mean": mean, "text": _text(ax)}


def update_ensemble(h, d):
    ys = np.clip(d["members"], -50, 50)  # (M, 241)
    h["lines"].set_segments([np.stack([X_GRID, y], axis=1) for y in ys])
    h["mean"].set_ydata(np.clip(d["mean"], -50, 50))
    h["text"].set_text(f"M = {d['M']}: member MSE {d['member_mse']:.3f} = ensemble MSE "
                       f"{d['ensemble_mse']:.3f} + spread {d['spread']:.3f}")
    return None


ensemble = InteractiveFigure(
    name="ch07.ensemble",
    controls=(Slider("M", 1, M_MAX, 5, kind="int", description="models M"),),
    compute=compute_ensemble, draw=draw_ensemble, update=update_ensemble, figsize=(8.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 5. Dropout: thinned networks, and what training with dropout does to the fit
# ------------------------------------------------------------------------------------------
N_MASKS = 400
MASK_SEED = 5  # the same random numbers at every p: a slider move is smooth
PHI_PLAIN = R.ridge_fit(PROBLEM["H"], PROBLEM["y"], 1e-4)


def compute_dropout(p, trained):
    phi = R.dropout_fit(PROBLEM["H"], PROBLEM["y"], p) if trained else PHI_PLAIN
    # N_MASKS thinned networks: dropping unit d drops its output weight phi_d, so each network
    # is the full one with dropout applied to (phi_1..phi_D), a mask of its own
    phis = R.dropout(np.tile(phi[1:], (N_MASKS, 1)), p, np.random.default_rng(MASK_SEED))
    with one_blas_thread():  # a small product: BLAS threads only wait for each other
        thinned = phi[0] + phis @ H_GRID[1:]  # (N_MASKS, 241)
    return {"full": phi @ H_GRID, "thinned": thinned[:4], "average": thinned.mean(axis=0),
            "p": p, "trained": trained,
            "test": _mse(phi, PROBLEM["H_test"], PROBLEM["y_test"])}


def draw_dropout(fig):
    ax = fig.subplots()
    _axes_1d(ax, "dropout at test time: four thinned networks and the average of 400")
    thin = [plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["sky"], linewidth=0.9, animated=True,
                     label="thinned networks" if k == 0 else None) for k in range(4)]
    avg = plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["orange"], linewidth=2,
                   animated=True, label="average over masks")
    full = plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["blue"], linewidth=2,
                    linestyle="--", animated=True, label=r"full network $f[x, \phi]$")
    ax.legend(loc="lower left", ncols=3)
    return {"thin": thin, "avg": avg, "full": full, "text": _text(ax)}


def update_dropout(h, d):
    for line, row in zip(h["thin"], d["thinned"], strict=True):
        line.set_ydata(np.clip(row, -50, 50))
    h["avg"].set_ydata(np.clip(d["average"], -50, 50))
    h["full"].set_ydata(np.clip(d["full"], -50, 50))
    which = "trained with dropout" if d["trained"] else "trained without dropout"
    h["text"].set_text(f"p = {d['p']:.2f}, weights {which}: test MSE {d['test']:.3f}")
    return None


dropout_fit = InteractiveFigure(
    name="ch07.dropout_fit",
    controls=(Slider("p", 0.0, 0.9, 0.3, step=0.01, description="dropout p"),
              Checkbox("trained", False, description="train with dropout")),
    compute=compute_dropout, draw=draw_dropout, update=update_dropout, figsize=(8.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 6. Noise on the inputs: fit to many noisy copies of the data
# ------------------------------------------------------------------------------------------
_Z_SHOW = np.linspace(-2, 2, 9)  # where to draw a few jittered copies of each input


def compute_input_noise(sigma_x):
    phi = R.input_noise_fit(PROBLEM["x"], PROBLEM["y"], PROBLEM["theta"], sigma_x, lam=1e-5)
    xk = (PROBLEM["x"][None, :] + sigma_x * _Z_SHOW[:, None]).reshape(-1)
    return {"f": phi @ H_GRID, "x": xk, "y": np.tile(PROBLEM["y"], _Z_SHOW.size),
            "sigma_x": sigma_x, "test": _mse(phi, PROBLEM["H_test"], PROBLEM["y_test"])}


def draw_input_noise(fig):
    ax = fig.subplots()
    _axes_1d(ax, r"fit minimising $E_\epsilon \sum_i (y_i - f[x_i + \epsilon_i, \phi])^2$, "
                 r"$\epsilon_i \sim Norm(0, \sigma_x^2)$")
    (cloud,) = ax.plot([], [], "|", color=PALETTE["grey"], markersize=5, alpha=0.6,
                       animated=True, label=r"$x_i \pm 2\sigma_x$")
    fit = plot_fit(ax, X_GRID, F_TRUE * 0, animated=True, label="fit")
    ax.legend(loc="lower left", ncols=4)
    return {"cloud": cloud, "fit": fit, "text": _text(ax)}


def update_input_noise(h, d):
    h["cloud"].set_data(d["x"], d["y"])
    h["fit"].set_ydata(np.clip(d["f"], -50, 50))
    h["text"].set_text(f"σ_x = {d['sigma_x']:.3f}: test MSE {d['test']:.3f}")
    return None


input_noise = InteractiveFigure(
    name="ch07.input_noise",
    controls=(Slider("sigma_x", 0.0, 0.2, 0.06, step=0.002, description="input noise σ_x"),),
    compute=compute_input_noise, draw=draw_input_noise, update=update_input_noise,
    figsize=(8.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 7. Bayesian inference: posterior samples and the predictive band, against the MAP fit
# ------------------------------------------------------------------------------------------
_Z = np.random.default_rng(9).standard_normal((41, 5))  # fixed draws: samples move smoothly


def compute_bayes(sigma_p, I):
    I = int(I)
    x, y = PROBLEM["x"][:I], PROBLEM["y"][:I]
    H = PROBLEM["H"][:, :I]
    mu, S = R.bayes_posterior(H, y, PROBLEM["sigma"], sigma_p)
    mean, var = R.bayes_predictive(H_GRID, mu, S, PROBLEM["sigma"])
    samples = R.posterior_samples(mu, S, _Z).T @ H_GRID  # (5, 241) functions from the posterior
    lam = R.lam_from_prior(PROBLEM["sigma"], sigma_p)
    phi_map = R.ridge_fit(H, y, lam, penalize_offset=True)
    return {"x": x, "y": y, "mean": mean, "sd": np.sqrt(var), "samples": samples,
            "map": phi_map @ H_GRID, "sigma_p": sigma_p, "I": I, "lam": lam}


def draw_bayes(fig):
    ax = fig.subplots()
    plot_truth(ax, X_GRID, F_TRUE)
    band = plot_band(ax, X_GRID, F_TRUE * 0, F_TRUE * 0 + 1, animated=True,
                     label=r"predictive mean $\pm$ 2 sd")
    samples = [plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["green"], linewidth=0.8,
                        animated=True, label="posterior samples" if k == 0 else None)
               for k in range(5)]
    mp = plot_fit(ax, X_GRID, F_TRUE * 0, color=PALETTE["vermillion"], linewidth=2,
                  linestyle="--", animated=True, label="MAP fit")
    (pts,) = ax.plot([], [], "ko", markersize=4, animated=True, label="training data")
    ax.set_xlim(0, 1)
    ax.set_ylim(-3.5, 3.5)
    label(ax, "$x$", "$y$", r"$Pr(y^* | x^*, data) = \int Pr(y^*|x^*,\phi) Pr(\phi|data) d\phi$")
    ax.legend(loc="lower left", ncols=3)
    return {"band": band, "samples": samples, "map": mp, "pts": pts, "text": _text(ax)}


def update_bayes(h, d):
    set_band(h["band"], X_GRID, np.clip(d["mean"], -50, 50), np.minimum(d["sd"], 50))
    for line, row in zip(h["samples"], d["samples"], strict=True):
        line.set_ydata(np.clip(row, -50, 50))
    h["map"].set_ydata(np.clip(d["map"], -50, 50))
    h["pts"].set_data(d["x"], d["y"])
    h["text"].set_text(f"σ_p = {d['sigma_p']:.3g} (λ = σ²/σ_p² = {d['lam']:.3g}), "
                       f"I = {d['I']} points")
    return finite_or_message(d["mean"], "the predictive mean")


bayes = InteractiveFigure(
    name="ch07.bayes",
    controls=(Slider("sigma_p", 0.05, 30.0, 2.0, kind="log", step=0.05, description="prior σ_p"),
              Slider("I", 1, 12, 8, kind="int", description="training points I")),
    compute=compute_bayes, draw=draw_bayes, update=update_bayes, figsize=(8.0, 3.8),
)
