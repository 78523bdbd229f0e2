"""Interactive figures for chapter 05 (initialisation)."""

from functools import lru_cache, wraps

import numpy as np

from .. import init
from .._threads import one_blas_thread
from ..checks import ShapeError
from ..plots import COLORS, PALETTE, label
from ..plots.init import (
    FLOAT_STYLE,
    plot_float_limits,
    plot_layer_histograms,
    plot_layer_variances,
    set_layer_variances,
)
from . import Dropdown, InteractiveFigure, Slider

WIDTH = 64  # units per hidden layer in the deep-net figures
POINTS = 40  # data points pushed through the net
MAX_DEPTH = 50
FP_WIDTH, FP_MAX_DEPTH = 16, 300  # the floating-point figure's net
VAR_LIM = (1e-50, 1e50)  # fixed y range of the variance figures


def _one_blas_thread(compute):
    """Run ``compute`` with one BLAS thread: these matrices are small, and a multi-threaded
    BLAS on a busy machine is slower than one thread (0.3 ms against 5 ms for 192 x 192)."""
    @wraps(compute)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return compute(*args, **kwargs)
    return wrapper


@lru_cache(maxsize=4)
def _standard_draws(n_layers, max_width, seed):
    """Standard-normal draws made once: (n_layers, max_width, max_width) weights, inputs
    (max_width, POINTS) with E[x^2] = 1 and an upstream gradient (max_width, POINTS)."""
    rng = np.random.default_rng(seed)
    out = (rng.standard_normal((n_layers, max_width, max_width)),
           rng.standard_normal((max_width, POINTS)), rng.standard_normal((max_width, POINTS)))
    for a in out:
        a.setflags(write=False)
    return out


def _standard_net(widths, n_layers, max_width, seed=0):
    """Standard-normal Omega_k (widths[k+1], widths[k]), x and dl/df_K for these widths, cut
    from draws made once: a slider only rescales them, so moving it shows the same net."""
    W, x, g = _standard_draws(n_layers, max_width, seed)
    omegas = [W[k, :b, :a] for k, (a, b) in enumerate(zip(widths[:-1], widths[1:],
                                                           strict=True))]
    return omegas, x[:widths[0]], g[:widths[-1]]


def _deep_widths(K):
    return (WIDTH,) * (K + 2)  # [D_i, D_1, ..., D_K, D_o], all WIDTH


def _scaled_net(widths, sigmas, shape):
    omegas, x, dl_df = _standard_net(widths, *shape)
    betas = [np.zeros(w) for w in widths[1:]]  # beta_k = 0
    return betas, [s * o for s, o in zip(sigmas, omegas, strict=True)], x, dl_df


# ------------------------------------------------------------------------------------------
# 1. and 2. Var[f_k] (forward) and Var[dl/df_k] (backward) through a deep ReLU net
# ------------------------------------------------------------------------------------------
@_one_blas_thread
def compute_depth(K, multiple):
    """A deep net with K hidden layers of WIDTH units, sigma_Omega^2 = multiple x He: the
    measured and predicted variances of f_k and of dl/df_k, k = 0..K."""
    widths = _deep_widths(int(K))
    sigmas = init.he_sigmas(widths, "forward", multiple)
    betas, omegas, x, dl_df = _scaled_net(widths, sigmas, (MAX_DEPTH + 1, WIDTH))
    measured = init.variances_per_layer(x, betas, omegas, dl_df)
    return {"k": np.arange(len(widths) - 1), **measured,
            "theory_f": init.predicted_variances(x, widths, sigmas),
            "theory_g": init.predicted_gradient_variances(np.var(dl_df), widths, sigmas)}


def _draw_variance_axes(fig, ylabel, title):
    ax = fig.subplots()
    ax.set_yscale("log")
    ax.set_xlim(-0.5, MAX_DEPTH + 0.5)
    ax.set_ylim(*VAR_LIM)
    ax.set_yticks([10.0**e for e in range(-50, 51, 10)])
    ax.axhline(1.0, color=PALETTE["grey"], linewidth=0.8)
    label(ax, "layer k", ylabel, title)
    return ax


def draw_forward(fig):
    ax = _draw_variance_axes(fig, "variance (log scale)",
                             "forward pass: pre-activations $f_k$ of a deep ReLU net")
    lines = plot_layer_variances(ax, [0], [1.0], [1.0], color=COLORS[0], animated=True)
    ax.legend(loc="upper left")
    text = ax.text(0.99, 0.03, "", transform=ax.transAxes, ha="right", fontsize=9,
                   animated=True)
    return {"lines": lines, "text": text}


def update_forward(h, data):
    clipped = set_layer_variances(h["lines"], data["k"], data["var_f"], data["theory_f"],
                                  *VAR_LIM)
    last = data["var_f"][-1]
    h["text"].set_text(f"Var[f_K] = {last:.3g} after K = {len(data['k']) - 1} hidden layers")
    return "exploding or vanishing: the variance left the chart" if clipped else None


def draw_backward(fig):
    ax = _draw_variance_axes(fig, "variance (log scale)",
                             "backward pass: gradients $\\partial l / \\partial f_k$")
    lines = plot_layer_variances(ax, [0], [1.0], [1.0], color=COLORS[3],
                                 name=r"\partial l/\partial f", animated=True)
    (weights,) = ax.plot([0], [1.0], "s", color=COLORS[2], markersize=3,
                         label=r"mean of $(\partial L / \partial \Omega_k)^2$ over its entries",
                         animated=True)
    ax.legend(loc="upper left")
    text = ax.text(0.99, 0.03, "", transform=ax.transAxes, ha="right", fontsize=9,
                   animated=True)
    return {"lines": lines, "weights": weights, "text": text}


def update_backward(h, data):
    clipped = set_layer_variances(h["lines"], data["k"], data["var_g"], data["theory_g"],
                                  *VAR_LIM)
    w = data["ms_domega"]
    h["weights"].set_data(data["k"], np.clip(np.nan_to_num(w, nan=VAR_LIM[1]), *VAR_LIM))
    h["text"].set_text(f"Var[dl/df_0] = {data['var_g'][0]:.3g} at the first layer")
    if clipped or np.any(w > VAR_LIM[1]) or np.any(w < VAR_LIM[0]):
        return "exploding or vanishing: gradients left the chart"
    return None


_DEPTH_CONTROLS = (
    Slider("K", 1, MAX_DEPTH, 20, kind="int", description="depth K (hidden layers)"),
    Slider("multiple", 0.1, 10.0, 1.0, step=0.02, kind="log",
           description="σ_Ω² as a multiple of He 2/D_h"),
)

activations = InteractiveFigure(
    name="ch05.activations", controls=_DEPTH_CONTROLS, compute=compute_depth,
    draw=draw_forward, update=update_forward, figsize=(8.0, 3.4))

gradients = InteractiveFigure(
    name="ch05.gradients", controls=_DEPTH_CONTROLS, compute=compute_depth,
    draw=draw_backward, update=update_backward, figsize=(8.0, 3.4))


# ------------------------------------------------------------------------------------------
# 3. One layer by Monte Carlo: sigma_f'^2 = 1/2 D_h sigma_Omega^2 sigma_f^2
# ------------------------------------------------------------------------------------------
BINS = np.linspace(-5, 5, 61)
_Z = np.linspace(-5, 5, 201)
_NORMAL = np.exp(-0.5 * _Z**2) / np.sqrt(2 * np.pi)


@_one_blas_thread
def compute_one_layer(D_h, multiple, var_f):
    """Sample f ~ Norm(0, var_f), Omega ~ Norm(0, multiple x 2 / D_h) and f' = Omega a[f]."""
    D_h = int(D_h)
    sigma_omega = init.he_sigmas([D_h, 64], "forward", multiple)[0]  # multiple x He
    rng = np.random.default_rng(D_h)  # the same draws for the same D_h: only the scale moves
    f_next = init.sample_next_layer(var_f, D_h, sigma_omega, rng, D_h_next=64, I=128)
    formula = init.next_variance(var_f, D_h, sigma_omega)
    mc = float(np.var(f_next))
    hist, _ = np.histogram(f_next / np.sqrt(formula), bins=BINS, density=True)
    return {"hist": hist, "mc": mc, "formula": float(formula), "var_f": float(var_f),
            "D_h": D_h, "sigma2": sigma_omega**2}


def draw_one_layer(fig):
    ax, ax2 = fig.subplots(1, 2, width_ratios=(1.4, 1))
    ax.plot(_Z, _NORMAL, color=PALETTE["black"], linewidth=1.2,
            label="Norm(0, 1): the formula's variance")
    stairs = ax.stairs(np.zeros(len(BINS) - 1), BINS, fill=True, alpha=0.5, color=COLORS[0],
                       label="$f'$ sampled, divided by the formula's $\\sigma_{f'}$",
                       animated=True)
    ax.set_xlim(-5, 5)
    ax.set_ylim(0, 0.75)
    ax.legend(loc="upper left")
    label(ax, r"$f' / \sigma_{f'}$ (formula)", "density", "one layer: $f' = \\Omega\\,a[f]$")
    text = ax.text(0.99, 0.97, "", transform=ax.transAxes, ha="right", va="top", fontsize=8,
                   animated=True)
    lim = (1e-3, 1e3)
    ax2.plot(lim, lim, color=PALETTE["grey"], linewidth=0.9)
    (pt,) = ax2.plot([1], [1], "o", color=COLORS[3], markersize=8, animated=True)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlim(*lim)
    ax2.set_ylim(*lim)
    label(ax2, r"formula $\frac{1}{2} D_h \sigma_\Omega^2 \sigma_f^2$",
          r"Monte Carlo Var$[f']$", "Monte Carlo against the formula")
    return {"stairs": stairs, "text": text, "pt": pt}


def update_one_layer(h, data):
    h["stairs"].set_data(data["hist"])
    h["pt"].set_data([data["formula"]], [data["mc"]])
    h["text"].set_text(
        f"D_h = {data['D_h']}, σ_Ω² = {data['sigma2']:.3g}, σ_f² = {data['var_f']:.3g}\n"
        f"formula {data['formula']:.3g}, Monte Carlo {data['mc']:.3g}")
    return None


one_layer = InteractiveFigure(
    name="ch05.one_layer",
    controls=(Slider("D_h", 1, 256, 32, kind="int", description="D_h (units feeding f')"),
              Slider("multiple", 0.1, 10.0, 1.0, step=0.02, kind="log",
                     description="σ_Ω² as a multiple of He"),
              Slider("var_f", 0.1, 10.0, 1.0, step=0.02, kind="log", description="σ_f²")),
    compute=compute_one_layer, draw=draw_one_layer, update=update_one_layer,
    figsize=(9.0, 3.4))


# ------------------------------------------------------------------------------------------
# 4. Non-square layers: the forward rule, the backward rule and the compromise
# ------------------------------------------------------------------------------------------
NS_K = 8  # hidden layers
NS_D = 24  # width at the input


def nonsquare_widths(ratio):
    """Widths growing (or shrinking) geometrically from NS_D to NS_D x ratio over the net."""
    return tuple(int(round(NS_D * ratio ** (k / (NS_K + 1)))) for k in range(NS_K + 2))


@_one_blas_thread
def compute_nonsquare(ratio, rule):
    widths = nonsquare_widths(ratio)
    sigmas = init.he_sigmas(widths, rule)
    betas, omegas, x, dl_df = _scaled_net(widths, sigmas, (NS_K + 1, NS_D * 16))
    measured = init.variances_per_layer(x, betas, omegas, dl_df)
    return {"k": np.arange(len(widths) - 1), "widths": widths,
            "var_f": measured["var_f"], "var_g": measured["var_g"],
            "theory_f": init.predicted_variances(x, widths, sigmas),
            "theory_g": init.predicted_gradient_variances(np.var(dl_df), widths, sigmas)}


def draw_nonsquare(fig):
    axes = fig.subplots(1, 2, sharey=True)
    out = {"lines": [], "texts": []}
    for ax, color, name, title in zip(
            axes, (COLORS[0], COLORS[3]), ("f", r"\partial l/\partial f"),
            ("forward: Var[$f_k$]", r"backward: Var[$\partial l / \partial f_k$]"), strict=True):
        ax.set_yscale("log")
        ax.set_ylim(1e-2, 1e2)
        ax.set_xlim(-0.5, NS_K + 0.5)
        ax.axhline(1.0, color=PALETTE["grey"], linewidth=0.8)
        out["lines"].append(plot_layer_variances(ax, [0], [1.0], [1.0], color=color, name=name,
                                                 animated=True))
        label(ax, "layer k", None, title)
        out["texts"].append(ax.text(0.03, 0.03, "", transform=ax.transAxes, fontsize=8,
                                    animated=True))
    axes[0].set_ylabel("variance (log scale)")
    axes[0].legend(loc="upper left")
    return out


def update_nonsquare(h, data):
    clipped = set_layer_variances(h["lines"][0], data["k"], data["var_f"], data["theory_f"])
    clipped |= set_layer_variances(h["lines"][1], data["k"], data["var_g"], data["theory_g"])
    w = data["widths"]
    h["texts"][0].set_text(f"widths {w[0]} → {w[-1]}\nVar[f_K] = {data['var_f'][-1]:.3g}")
    h["texts"][1].set_text(f"Var[dl/df_0] = {data['var_g'][0]:.3g}")
    return "the variance left the chart" if clipped else None


nonsquare = InteractiveFigure(
    name="ch05.nonsquare",
    controls=(Slider("ratio", 1 / 16, 16.0, 8.0, step=0.05, kind="log",
                     description="width ratio D_K / D_0"),
              Dropdown("rule", (("forward He 2/D_h", "forward"),
                                ("backward He 2/D_h'", "backward"),
                                ("compromise 4/(D_h+D_h')", "compromise")), "forward",
                       description="σ_Ω² rule")),
    compute=compute_nonsquare, draw=draw_nonsquare, update=update_nonsquare,
    figsize=(9.0, 3.4))


# ------------------------------------------------------------------------------------------
# 5. Floating-point limits: float32 and float64 through a very deep net
# ------------------------------------------------------------------------------------------
LIMITS = {"float32": init.float_limits(np.float32), "float64": init.float_limits(np.float64)}
LOG_LIM = (-345.0, 345.0)


@_one_blas_thread
def compute_float(K, multiple):
    """log10 of the rms of f_k when the forward pass runs in float32 and in float64, and what
    exact arithmetic would give (the variance recursion, summed in logs)."""
    K = int(K)
    widths = (FP_WIDTH,) * (K + 2)
    sigmas = init.he_sigmas(widths, "forward", multiple)
    betas, omegas, x, _ = _scaled_net(widths, sigmas, (FP_MAX_DEPTH + 1, FP_WIDTH, 1))
    x = x[:, :8]  # 8 data points, (D_i, I)
    # exact arithmetic: the variance recursion, summed in logs (it leaves every float's range)
    log_var = init.predicted_variances(x, widths, sigmas, log10=True)
    out = {"k": np.arange(K + 1), "exact": 0.5 * log_var}  # log10 rms = half log10 variance
    for name, dtype in (("float32", np.float32), ("float64", np.float64)):
        rms = init.rms_per_layer(x, betas, omegas, dtype)  # the forward pass in dtype
        with np.errstate(divide="ignore"):
            out[name] = np.log10(rms)
        out[name + "_bad"] = init.first_bad_layer(rms, dtype)
    return out


FP_YLIM = {"float32": (-52.0, 45.0), "float64": (-352.0, 325.0)}


def draw_float(fig):
    axes = fig.subplots(1, 2)
    out = {}
    for ax, (name, color) in zip(axes, FLOAT_STYLE.items(), strict=True):
        plot_float_limits(ax, {name: LIMITS[name]}, FP_MAX_DEPTH)
        (exact,) = ax.plot([0], [0], "--", color=PALETTE["grey"], linewidth=1.0,
                           label="exact arithmetic", animated=True)
        (line,) = ax.plot([0], [0], color=color, linewidth=1.8, label=f"computed in {name}",
                          animated=True)
        (mark,) = ax.plot([], [], "X", color=color, markersize=9, animated=True)
        out[name], out[name + "_mark"], out[name + "_exact"] = line, mark, exact
        ax.set_xlim(0, FP_MAX_DEPTH)
        ax.set_ylim(*FP_YLIM[name])
        ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.9))
        label(ax, "layer k", r"$\log_{10}$ rms of $f_k$", f"the forward pass in {name}")
        # where the float ran out, written inside its own panel (a figure-wide message would sit
        # between the panels, on top of the right panel's axis label)
        out[name + "_note"] = ax.text(0.97, 0.5, "", transform=ax.transAxes, ha="right",
                                      va="center", fontsize=9, color=PALETTE["vermillion"],
                                      animated=True)
    return out


def update_float(h, data):
    for name in ("float32", "float64"):
        y = data[name].copy()
        bad, kind = data[name + "_bad"]
        y[~np.isfinite(y)] = np.nan  # inf / NaN / exactly 0 are off the chart
        h[name].set_data(data["k"], y)
        lo, hi = FP_YLIM[name]
        h[name + "_exact"].set_data(data["k"], np.clip(data["exact"], lo - 10, hi + 10))
        if bad is None:
            h[name + "_mark"].set_data([], [])
            h[name + "_note"].set_text("")
        else:
            lim = LIMITS[name]["max" if kind == "overflow" else "tiny"]
            h[name + "_mark"].set_data([bad], [np.log10(lim)])
            h[name + "_note"].set_text(f"{kind} at layer {bad} (×)")
    return None


float_limits = InteractiveFigure(
    name="ch05.float_limits",
    controls=(Slider("K", 10, FP_MAX_DEPTH, 150, kind="int", description="depth K"),
              Slider("multiple", 1e-3, 1e3, 30.0, step=0.05, kind="log",
                     description="σ_Ω² as a multiple of He")),
    compute=compute_float, draw=draw_float, update=update_float, figsize=(9.0, 3.8))

# ------------------------------------------------------------------------------------------
# 7. Training diagnostics: histograms per layer and the update-to-parameter ratio, during SGD
# ------------------------------------------------------------------------------------------
DIAG = init.DiagnosticsConfig()  # the run of the notebook: 20 hidden layers of 64 units
DIAG_LAYERS = (0, 5, 10, 15, 19)  # the layers whose histograms are drawn (f_19 feeds h_20)
LOG_BINS = np.linspace(-8, 8, 65)  # log10 |value|: 16 powers of ten, 4 bins per power
RATIO_LIM = (1e-8, 1e5)
MULTIPLES = (("too small: 0.5 × He", 0.5), ("He: 2 / D_h", 1.0), ("too large: 2 × He", 2.0))


@lru_cache(maxsize=len(MULTIPLES))
def training_run(multiple):
    """init.diagnostic_run(multiple, DIAG), computed once per process (about a second each):
    the figure and the notebook's checks read the same run."""
    with one_blas_thread():
        return init.diagnostic_run(float(multiple), DIAG)


def _log_hist(values):
    """Density of log10 |v| over LOG_BINS; exact zeros (switched-off ReLUs) are left out."""
    v = np.abs(values[values != 0])
    with np.errstate(divide="ignore"):
        hist, _ = np.histogram(np.log10(v), bins=LOG_BINS)
    return hist / max(v.size, 1) / np.diff(LOG_BINS)  # share of the nonzero values per unit


def compute_training(step, multiple):
    """What the run from sigma_Omega^2 = multiple x He looks like at SGD step ``step`` (the
    last kept snapshot at or before it): histograms of log10|f_k| and log10|dl/df_k| for the
    layers DIAG_LAYERS, and the update-to-parameter ratio of every Omega_k."""
    if multiple not in dict(MULTIPLES).values():
        raise ShapeError(f"multiple is {multiple!r}; expected one of the runs "
                         f"{sorted(dict(MULTIPLES).values())}")
    run = training_run(float(multiple))
    step = int(np.clip(np.nan_to_num(step), 0, DIAG.steps))
    t = max(s for s in DIAG.snapshots if s <= step)
    out = {"step": t, "multiple": float(multiple), "diverged_at": run["diverged_at"],
           "loss": run["loss"][t], "ratio": run["ratio"][t], "k": np.arange(DIAG.depth + 1)}
    if t in run["fs"]:
        out["hist_f"] = [_log_hist(run["fs"][t][k]) for k in DIAG_LAYERS]
        out["hist_g"] = [_log_hist(run["grads"][t][k]) for k in DIAG_LAYERS]
    return out


def draw_training(fig):
    ax_f, ax_g, ax_r = fig.subplots(1, 3, width_ratios=(1, 1, 1.1))
    out = {"f": [], "g": []}
    for ax, key, title in ((ax_f, "f", "pre-activations $f_k$"),
                           (ax_g, "g", r"gradients $\partial l / \partial f_k$")):
        out[key] = plot_layer_histograms(ax, LOG_BINS, DIAG_LAYERS, animated=True)
        ax.set_xlim(LOG_BINS[0], LOG_BINS[-1])
        ax.set_ylim(0, 1.6)
        ax.axvline(0.0, color=PALETTE["grey"], linewidth=0.8)
        label(ax, r"$\log_{10}$ |value|", "density", title)
    ax_f.legend(loc="upper left", title="layer")
    ax_g.text(0.02, 0.97, "zeros (inactive\nunits) left out", transform=ax_g.transAxes,
              va="top", fontsize=7, color=PALETTE["grey"])
    ax_r.set_yscale("log")
    ax_r.set_xlim(-0.5, DIAG.depth + 0.5)
    ax_r.set_ylim(*RATIO_LIM)
    ax_r.axhline(1e-3, color=PALETTE["grey"], linestyle="--", linewidth=0.9)
    ax_r.axhline(1.0, color=PALETTE["vermillion"], linewidth=0.8, alpha=0.6)
    ax_r.text(DIAG.depth, 7e-4, "rule of thumb 1e-3", fontsize=7, color=PALETTE["grey"],
              ha="right", va="top")
    ax_r.text(0, 1.3, "the step is as large as the weights", fontsize=7,
              color=PALETTE["vermillion"])
    (out["ratio"],) = ax_r.plot([0], [1.0], "o-", color=COLORS[3], markersize=3,
                                linewidth=1.0, animated=True)
    (out["marks"],) = ax_r.plot([], [], "s", color=PALETTE["grey"], markersize=6,
                                fillstyle="none", animated=True,
                                label="the layers of the histograms")
    ax_r.legend(loc="upper right")
    label(ax_r, "layer k", r"$\|\alpha\, \partial L / \partial \Omega_k\| \,/\, \|\Omega_k\|$",
          "update-to-weight ratio of one step")
    out["text"] = ax_r.text(0.98, 0.03, "", transform=ax_r.transAxes, ha="right", fontsize=8,
                            animated=True)
    return out


def update_training(h, data):
    shown = "hist_f" in data
    for key in ("f", "g"):
        for i, stairs in enumerate(h[key]):
            stairs.set_data(data["hist_" + key][i] if shown else np.zeros(len(LOG_BINS) - 1))
    ratio = np.clip(np.nan_to_num(data["ratio"], nan=np.nan), *RATIO_LIM)
    h["ratio"].set_data(data["k"], ratio)
    h["marks"].set_data(list(DIAG_LAYERS), ratio[list(DIAG_LAYERS)])
    loss = data["loss"]
    h["text"].set_text(f"step {data['step']}: batch loss {loss:.3g}" if np.isfinite(loss)
                       else f"step {data['step']}")
    bad = data["diverged_at"]
    if bad is not None and data["step"] >= bad:
        return f"diverged: the loss was inf/NaN at step {bad}; nothing left to show"
    return None


training = InteractiveFigure(
    name="ch05.training",
    controls=(Slider("step", 0, DIAG.steps, 0, step=10, kind="int",
                     description="SGD step t"),
              Dropdown("multiple", MULTIPLES, 1.0, description="initialisation")),
    compute=compute_training, draw=draw_training, update=update_training, figsize=(11.0, 3.6))

__all__ = ["activations", "gradients", "one_layer", "nonsquare", "float_limits", "training",
           "compute_depth", "compute_one_layer", "compute_nonsquare", "compute_float",
           "compute_training", "training_run", "nonsquare_widths"]
