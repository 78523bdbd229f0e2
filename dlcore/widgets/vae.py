"""Interactive figures for chapter 11 (variational autoencoders and the ELBO)."""

from functools import lru_cache

import numpy as np

from .. import vae
from .._threads import one_blas_thread
from ..losses import normal_pdf
from ..plots import PALETTE, label
from ..plots.vae import DIGIT_CMAP, plot_curve, plot_density, plot_latent, tile_images
from . import Checkbox, Dropdown, InteractiveFigure, Slider

# ------------------------------------------------------------------------------------------
# The toy nonlinear model (D_z = 1, D_x = 2) shared by the first two figures
# ------------------------------------------------------------------------------------------
Z_CURVE = np.linspace(-3.5, 3.5, 301)  # latent values where the curve f[z, phi] is drawn
EXTENT = (-3.5, 4.5, -4.0, 4.0)  # data-space window: x_1 from, to; x_2 from, to
N_PIX = 100  # density grid: N_PIX x N_PIX points
Z_SPAN = 3.5  # the finite sums place their z_j evenly in [-Z_SPAN, Z_SPAN]


X1_GRID = np.linspace(EXTENT[0], EXTENT[1], N_PIX)
X2_GRID = np.linspace(EXTENT[2], EXTENT[3], N_PIX)


@lru_cache(maxsize=1)
def _curve():
    f = vae.toy_decoder(Z_CURVE)
    f.setflags(write=False)
    return f


@lru_cache(maxsize=64)
def _centres(J):
    z = np.linspace(-Z_SPAN, Z_SPAN, J) if J > 1 else np.zeros(1)
    f = vae.toy_decoder(z)  # (2, J): the means f[z_j, phi]
    for a in (z, f):
        a.setflags(write=False)
    return z, f


def _prior(z):
    return normal_pdf(z, 0.0, 1.0)  # Pr(z) = Norm_z[0, 1]


def _data_axes(ax, title):
    """The data-space panel of the toy model: fixed window, equal scales."""
    ax.set_xlim(EXTENT[:2])
    ax.set_ylim(EXTENT[2:])
    ax.set_aspect("equal", adjustable="box")
    label(ax, "$x_1$", "$x_2$", title)


def _boxed_text(ax, x, fontsize):
    """The numbers in the bottom right corner, written by the update (animated), on a white
    box so that the curves stay behind them."""
    return ax.text(x, 0.04, "", transform=ax.transAxes, ha="right", va="bottom",
                   fontsize=fontsize, animated=True,
                   bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})


# ------------------------------------------------------------------------------------------
# 1. Pr(x) as a weighted sum of spherical Gaussians
# ------------------------------------------------------------------------------------------
J_MAX = 200


def compute_marginal(J, sigma):
    """Pr(x) ~ sum_j w_j Norm_x[f[z_j, phi], sigma^2 I] with w_j proportional to Pr(z_j)."""
    J = int(np.clip(round(J), 1, J_MAX))
    sigma = float(np.clip(sigma, 0.05, 2.0))
    z, f = _centres(J)
    pz = _prior(z)  # (J,) Pr(z_j)
    w = pz / pz.sum()  # weights sum to one: a proper density for every J
    with one_blas_thread():
        density = vae.gaussian_sum_grid(X1_GRID, X2_GRID, f, sigma**2, w)  # (N_PIX, N_PIX)
    return {"J": J, "sigma": sigma, "z": z, "pz": pz, "w": w, "f": f, "density": density}


def draw_marginal(fig):
    from matplotlib.collections import LineCollection

    ax_z, ax_x = fig.subplots(1, 2, width_ratios=[1, 1.15])
    zz = np.linspace(-Z_SPAN - 0.3, Z_SPAN + 0.3, 200)
    ax_z.plot(zz, _prior(zz), color=PALETTE["grey"], linewidth=1.0, label="Pr(z) = Norm$_z$[0, 1]")
    stems = LineCollection([], linewidths=1.6, cmap="plasma", animated=True)
    stems.set_clim(-Z_SPAN, Z_SPAN)
    ax_z.add_collection(stems)
    ax_z.set_xlim(zz[0], zz[-1])
    ax_z.set_ylim(0, 0.45)
    label(ax_z, "latent $z$", "Pr$(z)$", "the weights: Pr$(z_j)$ at $J$ latent values")
    ax_z.legend(loc="upper left")
    info = ax_z.text(0.98, 0.97, "", transform=ax_z.transAxes, ha="right", va="top",
                     fontsize=9, animated=True)
    img = plot_density(ax_x, np.zeros((N_PIX, N_PIX)), EXTENT, animated=True)
    plot_curve(ax_x, _curve(), color=PALETTE["grey"], linewidth=0.8, alpha=0.8,
               label=r"$f[z, \phi]$, $z \in [-3.5, 3.5]$", animated=True)  # over the image
    dots = ax_x.scatter([], [], c=[], cmap="plasma", vmin=-Z_SPAN, vmax=Z_SPAN, s=[],
                        edgecolors="white", linewidths=0.3, zorder=3, animated=True)
    _data_axes(ax_x, r"Pr$(x) \approx \sum_j w_j\,$Norm$_x[f[z_j, \phi], \sigma^2 I]$")
    ax_x.legend(loc="lower right", fontsize=7).set_animated(True)  # drawn over the image
    return {"stems": stems, "info": info, "img": img, "dots": dots}


def update_marginal(h, d):
    h["stems"].set_segments([[(z, 0.0), (z, pz)] for z, pz in zip(d["z"], d["pz"], strict=True)])
    h["stems"].set_array(d["z"])
    h["stems"].set_linewidth(1.6 if d["J"] < 60 else 0.6)
    h["info"].set_text(f"J = {d['J']} Gaussians\n$\\sigma$ = {d['sigma']:.2f}")
    h["img"].set_data(d["density"])
    h["img"].set_clim(0.0, float(d["density"].max()))
    h["dots"].set_offsets(d["f"].T)
    h["dots"].set_array(d["z"])
    h["dots"].set_sizes(np.clip(600.0 * d["w"], 2.0, 60.0))
    return None


marginal = InteractiveFigure(
    name="ch11.marginal",
    controls=(Slider("J", 1, J_MAX, 7, kind="log", step=0.05, description="Gaussians J"),
              Slider("sigma", 0.1, 1.0, 0.3, kind="log", step=0.02, description="noise σ")),
    compute=compute_marginal, draw=draw_marginal, update=update_marginal, figsize=(10.0, 4.0),
)

# ------------------------------------------------------------------------------------------
# 2. Ancestral sampling: z* ~ Pr(z), f[z*, phi], x* ~ Norm(f[z*, phi], sigma^2 I)
# ------------------------------------------------------------------------------------------
N_MAX = 3000
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 61)), np.sin(np.linspace(0, 2 * np.pi, 61))])


def compute_ancestral(draw, n, sigma):
    """n ancestral samples of the toy model from seed ``draw``; the first is z*, x*."""
    n = int(np.clip(round(n), 1, N_MAX))
    sigma = float(np.clip(sigma, 0.05, 2.0))
    rng = np.random.default_rng(int(draw))
    z, f_z, x = vae.ancestral_sample(vae.toy_decoder, sigma**2, n, rng)
    return {"n": n, "sigma": sigma, "z": z[0], "f": f_z, "x": x}


def draw_ancestral(fig):
    ax_z, ax_x = fig.subplots(1, 2, width_ratios=[1, 1.15])
    zz = np.linspace(-4, 4, 200)
    ax_z.plot(zz, _prior(zz), color=PALETTE["grey"], linewidth=1.0)
    rug = ax_z.scatter([], [], marker="|", s=60, color=PALETTE["grey"], alpha=0.3,
                       animated=True, label="earlier draws of $z$")
    zline = ax_z.axvline(0.0, color=PALETTE["orange"], linewidth=2.0, animated=True,
                         label="1. $z^* \\sim$ Pr$(z)$")
    ztext = ax_z.text(0.0, 0.43, "", color=PALETTE["orange"], ha="left", fontsize=9,
                      animated=True)
    ax_z.set_xlim(-4, 4)
    ax_z.set_ylim(-0.03, 0.47)
    label(ax_z, "latent $z$", "Pr$(z)$", "step 1: draw the latent from the prior")
    ax_z.legend(loc="upper left")
    plot_curve(ax_x, _curve(), color=PALETTE["grey"], linewidth=1.0, label=r"$f[z, \phi]$")
    cloud = ax_x.scatter([], [], s=4, color=PALETTE["blue"], alpha=0.35, linewidths=0,
                         animated=True, label="earlier samples $x$")
    (rings,) = ax_x.plot([], [], color=PALETTE["orange"], linewidth=0.9, animated=True,
                         label=r"Pr$(x|z^*)$: 1$\sigma$, 2$\sigma$")
    (mean,) = ax_x.plot([], [], "o", color=PALETTE["orange"], markersize=7,
                        markeredgecolor="black", animated=True, label=r"2. $f[z^*, \phi]$")
    (step,) = ax_x.plot([], [], color=PALETTE["vermillion"], linewidth=1.0, animated=True)
    (xstar,) = ax_x.plot([], [], "*", color=PALETTE["vermillion"], markersize=13,
                         markeredgecolor="black", animated=True,
                         label=r"3. $x^* \sim$ Norm$_x[f[z^*, \phi], \sigma^2 I]$")
    info = ax_x.text(0.02, 0.98, "", transform=ax_x.transAxes, va="top", fontsize=8,
                     animated=True)
    _data_axes(ax_x, "steps 2 and 3: through the network, add noise")
    ax_x.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return {"rug": rug, "zline": zline, "ztext": ztext, "cloud": cloud, "rings": rings,
            "mean": mean, "step": step, "xstar": xstar, "info": info}


def update_ancestral(h, d):
    z0, f0, x0, s = d["z"][0], d["f"][:, 0], d["x"][:, 0], d["sigma"]
    h["rug"].set_offsets(np.stack([d["z"], np.zeros(d["n"])], axis=1))
    h["zline"].set_xdata([z0, z0])
    right = z0 < 2.0  # the label sits beside the line, on the side with room
    h["ztext"].set_position((z0 + (0.12 if right else -0.12), 0.43))
    h["ztext"].set_horizontalalignment("left" if right else "right")
    h["ztext"].set_text(f"$z^*$ = {z0:.2f}")
    h["cloud"].set_offsets(d["x"][:, 1:].T if d["n"] > 1 else np.zeros((0, 2)))
    ring = np.concatenate([f0[:, None] + s * _CIRCLE, np.full((2, 1), np.nan),
                           f0[:, None] + 2 * s * _CIRCLE], axis=1)  # (2, 123)
    h["rings"].set_data(ring[0], ring[1])
    h["mean"].set_data([f0[0]], [f0[1]])
    h["step"].set_data([f0[0], x0[0]], [f0[1], x0[1]])
    h["xstar"].set_data([x0[0]], [x0[1]])
    h["info"].set_text(f"{d['n']} sample{'s' if d['n'] > 1 else ''}, $\\sigma$ = {s:.2f}\n"
                       f"$x^*$ = ({x0[0]:.2f}, {x0[1]:.2f})")
    return None


ancestral = InteractiveFigure(
    name="ch11.ancestral",
    controls=(Slider("draw", 0, 40, 0, kind="int", description="random seed"),
              Slider("n", 1, N_MAX, 1, kind="log", step=0.05, description="samples n"),
              Slider("sigma", 0.1, 1.0, 0.3, kind="log", step=0.02, description="noise σ")),
    compute=compute_ancestral, draw=draw_ancestral, update=update_ancestral, figsize=(11.0, 4.0),
)

# ------------------------------------------------------------------------------------------
# 3. Jensen's inequality: log E[y] >= E[log y]
# ------------------------------------------------------------------------------------------
Y_MAX = 10.0


def compute_jensen(y1, y2, p):
    """Two values y_1, y_2 with Pr(y_1) = p: E[y], log E[y] and E[log y]."""
    y = np.clip([y1, y2], 0.1, Y_MAX)
    p = float(np.clip(p, 0.0, 1.0))
    probs = np.array([p, 1.0 - p])
    log_mean, mean_log = vae.jensen_log(y, probs)
    return {"y": y, "p": probs, "mean": float(probs @ y), "log_mean": log_mean,
            "mean_log": mean_log}


def draw_jensen(fig):
    ax = fig.subplots()
    yy = np.linspace(0.05, Y_MAX + 0.5, 400)
    ax.plot(yy, np.log(yy), color=PALETTE["black"], linewidth=1.2, label=r"$\log[y]$ (concave)")
    (chord,) = ax.plot([], [], "--", color=PALETTE["grey"], linewidth=1.0, animated=True,
                       label="chord between the two values")
    pts = ax.scatter([], [], s=60, color=PALETTE["blue"], zorder=3, animated=True,
                     label=r"$(y_k, \log y_k)$, area $\propto$ Pr$(y_k)$")
    (vline,) = ax.plot([], [], ":", color=PALETTE["grey"], linewidth=1.0, animated=True)
    (gap,) = ax.plot([], [], color=PALETTE["purple"], linewidth=3.0, alpha=0.6, animated=True,
                     label="the gap")
    (top,) = ax.plot([], [], "o", color=PALETTE["green"], markersize=8, zorder=4,
                     animated=True, label=r"$\log \mathbb{E}[y]$")
    (bottom,) = ax.plot([], [], "s", color=PALETTE["vermillion"], markersize=7, zorder=4,
                        animated=True, label=r"$\mathbb{E}[\log y]$")
    text = _boxed_text(ax, 0.99, fontsize=9)
    ax.set_xlim(0, Y_MAX + 0.5)
    ax.set_ylim(-2.6, 2.6)
    label(ax, "$y$", r"$\log[y]$", "Jensen's inequality for log: the curve lies above every chord")
    ax.legend(loc="upper left", fontsize=8)
    return {"chord": chord, "pts": pts, "vline": vline, "gap": gap, "top": top,
            "bottom": bottom, "text": text}


def update_jensen(h, d):
    y, p, m = d["y"], d["p"], d["mean"]
    h["chord"].set_data(y, np.log(y))
    h["pts"].set_offsets(np.stack([y, np.log(y)], axis=1))
    h["pts"].set_sizes(10 + 250 * p)
    h["vline"].set_data([m, m], [-2.6, d["log_mean"]])
    h["gap"].set_data([m, m], [d["mean_log"], d["log_mean"]])
    h["top"].set_data([m], [d["log_mean"]])
    h["bottom"].set_data([m], [d["mean_log"]])
    h["text"].set_text(f"E[y] = {m:.2f}\nlog E[y] = {d['log_mean']:.3f}\n"
                       f"E[log y] = {d['mean_log']:.3f}\n"
                       f"gap = {d['log_mean'] - d['mean_log']:.3f} $\\geq$ 0")
    return None


jensen = InteractiveFigure(
    name="ch11.jensen",
    controls=(Slider("y1", 0.1, Y_MAX, 0.5, kind="log", step=0.02, description="y₁"),
              Slider("y2", 0.1, Y_MAX, 6.0, kind="log", step=0.02, description="y₂"),
              Slider("p", 0.0, 1.0, 0.5, step=0.01, description="Pr(y = y₁)")),
    compute=compute_jensen, draw=draw_jensen, update=update_jensen, figsize=(8.0, 3.8),
)

# ------------------------------------------------------------------------------------------
# 4. Tightness: ELBO = log Pr(x) - D_KL[q(z) || Pr(z | x)] on the linear-Gaussian model
# ------------------------------------------------------------------------------------------
# z ~ Norm(0, 1), x | z ~ Norm(W z + b, sigma2 I), one observed x. The numbers make the
# posterior Pr(z | x) = Norm(1, 0.5^2) exactly, so the sliders can reach it.
LG = {"x": np.array([1.8, 0.8]), "W": np.array([[1.2], [0.9]]), "b": np.array([0.2, -0.4]),
      "sigma2": 0.75}
Z_Q = np.linspace(-3.0, 4.0, 300)
MU_GRID = np.linspace(-2.0, 3.0, 101)


def _lg():
    x, W, b, s2 = (LG[k] for k in ("x", "W", "b", "sigma2"))
    return x, W, b, s2


@lru_cache(maxsize=1)
def _lg_exact():
    x, W, b, s2 = _lg()
    mu_p, cov_p = vae.linear_gaussian_posterior(x, W, b, s2)
    return vae.linear_gaussian_log_marginal(x, W, b, s2), float(mu_p[0]), float(cov_p[0, 0])


def compute_tightness(mu_q, sigma_q):
    x, W, b, s2 = _lg()
    mu_q = float(np.clip(mu_q, -5.0, 5.0))
    sigma_q = float(np.clip(sigma_q, 1e-3, 10.0))
    log_px, mu_p, var_p = _lg_exact()
    cov_q = np.array([[sigma_q**2]])
    elbo = vae.elbo_linear_gaussian(x, W, b, s2, [mu_q], cov_q)
    exact_elbo = vae.elbo_linear_gaussian.__wrapped__  # the unchecked maths, for the loop below
    curve = np.array([exact_elbo(x, W, b, s2, np.array([m]), cov_q) for m in MU_GRID])
    kl = vae.kl_normal([mu_q], cov_q, [mu_p], [[var_p]])  # D_KL[q || Pr(z | x)]
    return {"mu_q": mu_q, "sigma_q": sigma_q, "elbo": elbo, "curve": curve, "kl": kl,
            "log_px": log_px, "q": normal_pdf(Z_Q, mu_q, sigma_q)}


def draw_tightness(fig):
    ax_z, ax_e = fig.subplots(1, 2)
    log_px, mu_p, var_p = _lg_exact()
    ax_z.plot(Z_Q, _prior(Z_Q), ":", color=PALETTE["grey"], label="prior Pr$(z)$")
    ax_z.plot(Z_Q, normal_pdf(Z_Q, mu_p, np.sqrt(var_p)), color=PALETTE["black"], linewidth=1.5,
              label="posterior Pr$(z|x, \\phi)$")
    (qline,) = ax_z.plot([], [], color=PALETTE["blue"], linewidth=1.5, animated=True,
                         label=r"$q(z|\theta)$ = Norm$_z[\mu, \sigma^2]$")
    (qfill,) = ax_z.fill([0, 0], [0, 0], color=PALETTE["blue"], alpha=0.25, animated=True)
    ax_z.set_xlim(Z_Q[0], Z_Q[-1])
    ax_z.set_ylim(0, 1.6)
    label(ax_z, "latent $z$", "density", "q against the true posterior")
    ax_z.legend(loc="upper left", fontsize=8)
    ax_e.axhline(log_px, color=PALETTE["black"], linewidth=1.2,
                 label=r"$\log$ Pr$(x|\phi)$ (exact)")
    (curve,) = ax_e.plot([], [], color=PALETTE["blue"], linewidth=1.3, animated=True,
                         label=r"ELBO as $\mu$ varies ($\sigma$ fixed)")
    (gap,) = ax_e.plot([], [], color=PALETTE["vermillion"], linewidth=3.0, alpha=0.7,
                       animated=True, label=r"gap = $D_{KL}[q(z|\theta) \| $Pr$(z|x,\phi)]$")
    (dot,) = ax_e.plot([], [], "o", color=PALETTE["blue"], markeredgecolor="black",
                       markersize=7, animated=True)
    text = _boxed_text(ax_e, 0.98, fontsize=8.5)
    ax_e.set_xlim(MU_GRID[0], MU_GRID[-1])
    ax_e.set_ylim(log_px - 8.0, log_px + 3.0)  # room above the line for the legend
    label(ax_e, r"mean $\mu$ of $q$", "nats", "the bound and the log likelihood")
    ax_e.legend(loc="upper left", fontsize=8)
    return {"qline": qline, "qfill": qfill, "curve": curve, "gap": gap, "dot": dot,
            "text": text, "ylim": ax_e.get_ylim()}


def update_tightness(h, d):
    h["qline"].set_data(Z_Q, d["q"])
    h["qfill"].set_xy(np.concatenate([np.stack([Z_Q, d["q"]], 1), [[Z_Q[-1], 0], [Z_Q[0], 0]]]))
    h["curve"].set_data(MU_GRID, d["curve"])
    h["gap"].set_data([d["mu_q"], d["mu_q"]], [max(d["elbo"], h["ylim"][0]), d["log_px"]])
    h["dot"].set_data([d["mu_q"]], [d["elbo"]])
    below = "  (below the plot)" if d["elbo"] < h["ylim"][0] else ""
    h["text"].set_text(f"log Pr(x) = {d['log_px']:.3f}\nELBO = {d['elbo']:.3f}{below}\n"
                       f"log Pr(x) - ELBO = {d['log_px'] - d['elbo']:.3f}\n"
                       f"KL[q || posterior] = {d['kl']:.3f}")
    return None


tightness = InteractiveFigure(
    name="ch11.tightness",
    controls=(Slider("mu_q", -2.0, 3.0, -0.5, step=0.05, description="mean μ of q"),
              Slider("sigma_q", 0.05, 2.0, 1.0, step=0.05, description="std σ of q")),
    compute=compute_tightness, draw=draw_tightness, update=update_tightness, figsize=(10.0, 3.8),
)

# ------------------------------------------------------------------------------------------
# 5. Monte-Carlo estimates: ELBO with S samples, and two gradient estimators
# ------------------------------------------------------------------------------------------
R = 600  # repeated estimates in each histogram
S_MAX = 100
SIGMA_Q = 0.5  # q's standard deviation, the posterior's: q is the posterior at mu = 1
ELBO_BINS = np.linspace(-24.0, 0.0, 97)
GRAD_BINS = np.linspace(-16.0, 24.0, 101)


@lru_cache(maxsize=1)
def _eps():
    e = np.random.default_rng(11).standard_normal((1, R * S_MAX))  # eps ~ Norm(0, 1), once
    e.setflags(write=False)
    return e


def _hist(values, bins):
    """Density histogram with values outside the bins piled into the edge bins."""
    v = np.clip(values, bins[0] + 1e-9, bins[-1] - 1e-9)
    counts, _ = np.histogram(v, bins)
    return counts / (len(v) * np.diff(bins))


def compute_estimator(S, mu_q, closed_kl):
    x, W, b, s2 = _lg()
    S = int(np.clip(round(S), 1, S_MAX))
    mu_q = float(np.clip(mu_q, -5.0, 5.0))
    eps = _eps()[:, :R * S]  # (1, R S): R estimates of S samples each
    kl = "closed" if closed_kl else "sampled"
    elbos = vae.elbo_samples_linear_gaussian(x, W, b, s2, [mu_q], [SIGMA_Q], eps, kl=kl)
    elbos = elbos.reshape(R, S).mean(1)  # (R,) estimates, each the mean of S samples
    grads = {est: vae.recon_grad_samples(x, W, b, s2, [mu_q], [SIGMA_Q], eps,
                                         estimator=est).reshape(R, S).mean(1)
             for est in ("reparam", "score")}
    exact_elbo = vae.elbo_linear_gaussian(x, W, b, s2, [mu_q], [[SIGMA_Q**2]])
    exact_grad = float(vae.recon_grad_linear_gaussian(x, W, b, s2, [mu_q])[0])  # d/dmu E_q
    return {"S": S, "mu_q": mu_q, "kl": kl, "elbos": elbos, "grads": grads,
            "exact_elbo": exact_elbo, "exact_grad": exact_grad, "log_px": _lg_exact()[0],
            "h_elbo": _hist(elbos, ELBO_BINS),
            "h_grad": {k: _hist(v, GRAD_BINS) for k, v in grads.items()}}


def draw_estimator(fig):
    ax_e, ax_g = fig.subplots(1, 2)
    st_e = ax_e.stairs(np.zeros(len(ELBO_BINS) - 1), ELBO_BINS, fill=True, alpha=0.7,
                       color=PALETTE["blue"], animated=True, label=f"{R} estimates")
    (l_exact,) = ax_e.plot([], [], color=PALETTE["black"], linewidth=1.2, animated=True,
                           label="exact ELBO")
    ax_e.axvline(_lg_exact()[0], color=PALETTE["vermillion"], linestyle="--", linewidth=1.0,
                 label=r"$\log$ Pr$(x)$")
    t_e = ax_e.text(0.02, 0.97, "", transform=ax_e.transAxes, va="top", fontsize=8.5,
                    animated=True)
    ax_e.set_xlim(ELBO_BINS[0], ELBO_BINS[-1] + 0.5)
    ax_e.set_ylim(0, 1.05)
    label(ax_e, "ELBO estimate (nats)", "density (tallest bar = 1)",
          "ELBO estimates from S samples each")
    # legends below the axes: the histograms and their edge bins move with the sliders
    ax_e.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8)
    st_r = ax_g.stairs(np.zeros(len(GRAD_BINS) - 1), GRAD_BINS, fill=True, alpha=0.6,
                       color=PALETTE["blue"], animated=True, label="reparameterised")
    st_s = ax_g.stairs(np.zeros(len(GRAD_BINS) - 1), GRAD_BINS, fill=True, alpha=0.5,
                       color=PALETTE["orange"], animated=True, label="score function")
    (g_exact,) = ax_g.plot([], [], color=PALETTE["black"], linewidth=1.2, animated=True,
                           label="exact gradient")
    t_g = ax_g.text(0.98, 0.97, "", transform=ax_g.transAxes, ha="right", va="top",
                    fontsize=8.5, animated=True)
    ax_g.set_xlim(GRAD_BINS[0], GRAD_BINS[-1])
    ax_g.set_ylim(0, 1.05)
    label(ax_g, r"estimate of $\partial\, \mathbb{E}_q[\log$ Pr$(x|z)] / \partial \mu$",
          "density (tallest bar = 1)", "gradient estimates from S samples each")
    ax_g.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8)
    return {"st_e": st_e, "l_exact": l_exact, "t_e": t_e, "st_r": st_r, "st_s": st_s,
            "g_exact": g_exact, "t_g": t_g}


def update_estimator(h, d):
    # each panel scaled so its tallest bar has height 1: at large S the densities exceed any
    # fixed y-limit that still shows the S = 1 histograms (peak 0.3 at S = 1, 3.6 at S = 100)
    h["st_e"].set_data(d["h_elbo"] / max(float(d["h_elbo"].max()), 1e-300))
    h["l_exact"].set_data([d["exact_elbo"]] * 2, [0, 1])
    form = "KL closed form" if d["kl"] == "closed" else "KL sampled too"
    h["t_e"].set_text(f"S = {d['S']}, $\\mu$ = {d['mu_q']:.2f}, {form}\n"
                      f"mean {d['elbos'].mean():.3f} (exact {d['exact_elbo']:.3f})\n"
                      f"std {d['elbos'].std():.3f}")
    top = max(float(d["h_grad"]["reparam"].max()), float(d["h_grad"]["score"].max()), 1e-300)
    h["st_r"].set_data(d["h_grad"]["reparam"] / top)
    h["st_s"].set_data(d["h_grad"]["score"] / top)
    h["g_exact"].set_data([d["exact_grad"]] * 2, [0, 1])
    g = d["grads"]
    h["t_g"].set_text(f"exact {d['exact_grad']:.2f}\n"
                      f"reparam.: mean {g['reparam'].mean():.2f}, std {g['reparam'].std():.2f}\n"
                      f"score fn: mean {g['score'].mean():.2f}, std {g['score'].std():.2f}")
    return None


estimator = InteractiveFigure(
    name="ch11.estimator",
    controls=(Slider("S", 1, S_MAX, 1, kind="log", step=0.05, description="samples S"),
              Slider("mu_q", -1.0, 3.0, 0.0, step=0.05, description="mean μ of q"),
              Checkbox("closed_kl", True, description="KL in closed form")),
    compute=compute_estimator, draw=draw_estimator, update=update_estimator,
    figsize=(11.0, 4.2),
)

# ------------------------------------------------------------------------------------------
# 6. Walking through the latent space: decode (1 - t) z_a + t z_b
# ------------------------------------------------------------------------------------------
PAIRS = ((0, 2), (4, 3), (6, 1), (7, 8), (5, 9))  # digit classes joined by the path
N_PATH = 9  # images in the strip along the path


def interpolation_source(z, y, betas, omegas, output, what):
    """What the interpolation figure needs: z (2, I) latent codes of the digits, y (I,) labels,
    the decoder f[z, phi] as NumPy (betas, omegas, output: see vae.decoder_mean), a name.

    For each class the code nearest the class's median code is the path's end point. The
    decoder is checked here once (its contract, on one code), so the figure can run it unchecked."""
    z = np.asarray(z, float)
    y = np.asarray(y)
    vae.decoder_mean(z[:, :1], betas, omegas, output)
    ends = {}
    for k in range(10):
        zk = z[:, y == k]
        med = np.median(zk, axis=1, keepdims=True)
        ends[k] = zk[:, int(np.argmin(((zk - med) ** 2).sum(0)))]
    return {"z": z, "y": y, "betas": [np.asarray(b, float).reshape(-1, 1) for b in betas],
            "omegas": [np.asarray(o, float) for o in omegas], "output": output, "what": what,
            "ends": ends}


@lru_cache(maxsize=1)
def ppca_source():
    """The default source: the linear-Gaussian model (probabilistic PCA, D_z = 2) fitted to the
    8x8 digits; its exact encoder gives the codes, f[z, phi] = W z + b decodes."""
    from ..data import digits

    d = digits()
    x = d["x"].reshape(len(d["y"]), 64).T  # (64, I) digits as columns
    W, b, s2 = vae.ppca_fit(x, 2)
    mu, _ = vae.linear_gaussian_encode(x, W, b, s2)
    # in units of the prior's std the codes of both models live on a similar scale
    return interpolation_source(mu, d["y"], [b], [W], "linear", "linear model (PPCA)")


def make_interpolation(source_fn):
    """compute/draw for a source returned by ``source_fn()`` (called lazily)."""

    def compute(t, pair):
        src = source_fn()
        t = float(np.clip(t, 0.0, 1.0))
        a, b = PAIRS[int(pair) % len(PAIRS)]
        za, zb = src["ends"][a], src["ends"][b]
        ts = np.concatenate([[t], np.linspace(0.0, 1.0, N_PATH)])
        # the unchecked maths (the source's arrays are ours, biases stored as columns): this is
        # the figure the browser redraws most slowly, so it skips the contracts
        zs = vae.latent_path.__wrapped__(za, zb, ts)  # (2, 1 + N_PATH) points on the line
        imgs = vae.decoder_mean.__wrapped__(zs, src["betas"], src["omegas"], src["output"])
        imgs = imgs.T.reshape(-1, 8, 8)
        return {"t": t, "pair": (a, b), "za": za, "zb": zb, "z_t": zs[:, 0],
                "image": imgs[0], "strip": tile_images(imgs[1:], N_PATH)}

    def draw(fig):
        src = source_fn()
        fig.set_layout_engine("none")  # fixed places: images keep their aspect, legend fits
        ax_z = fig.add_axes((0.08, 0.12, 0.40, 0.78))
        ax_i = fig.add_axes((0.62, 0.36, 0.34, 0.52))
        ax_s = fig.add_axes((0.58, 0.04, 0.41, 0.24))
        # hard-edged dots: antialiased ones made the PNG sent on every move 1.7x larger (the
        # encoding was most of an update's time) for no visible gain at this size
        plot_latent(ax_z, src["z"], src["y"], s=4, alpha=0.5, antialiased=False)
        ax_z.set_title(f"latent codes of the digits, {src['what']}")
        (path,) = ax_z.plot([], [], color=PALETTE["black"], linewidth=1.5, animated=True)
        (ends,) = ax_z.plot([], [], "o", color="white", markeredgecolor="black",
                            markersize=7, animated=True)
        (dot,) = ax_z.plot([], [], "*", color=PALETTE["vermillion"], markersize=15,
                           markeredgecolor="black", animated=True)
        img = ax_i.imshow(np.zeros((8, 8)), cmap=DIGIT_CMAP, vmin=0, vmax=1,
                          interpolation="nearest", animated=True)
        ax_i.set_axis_off()
        title = ax_i.text(0.5, 1.02, "", transform=ax_i.transAxes, ha="center", va="bottom",
                          fontsize=10, animated=True)
        strip = ax_s.imshow(np.zeros((8, N_PATH * 9 - 1)), cmap=DIGIT_CMAP, vmin=0, vmax=1,
                            interpolation="nearest", animated=True)
        (mark,) = ax_s.plot([], [], "^", color=PALETTE["vermillion"], markersize=8,
                            clip_on=False, animated=True)
        ax_s.set_xlim(-0.5, N_PATH * 9 - 1.5)
        ax_s.set_ylim(10.5, -0.5)
        ax_s.set_axis_off()
        ax_s.set_title(f"the path in {N_PATH} steps, t = 0 ... 1", fontsize=9)
        return {"path": path, "ends": ends, "dot": dot, "img": img, "title": title,
                "strip": strip, "mark": mark}

    return compute, draw


def update_interpolation(h, d):
    za, zb, zt = d["za"], d["zb"], d["z_t"]
    h["path"].set_data([za[0], zb[0]], [za[1], zb[1]])
    h["ends"].set_data([za[0], zb[0]], [za[1], zb[1]])
    h["dot"].set_data([zt[0]], [zt[1]])
    h["img"].set_data(np.clip(d["image"], 0.0, 1.0))
    a, b = d["pair"]
    h["title"].set_text(f"f[z, φ] at t = {d['t']:.2f} (from {a} to {b})")  # no mathtext: faster
    h["strip"].set_data(np.clip(d["strip"], 0.0, 1.0))
    h["mark"].set_data([d["t"] * (N_PATH - 1) * 9 + 3.5], [9.6])
    return None


def interpolation_figure(source=None, name="ch11.interpolate"):
    """The interpolation figure for a source from ``interpolation_source`` (default: the
    linear model fitted to the digits, which needs no training)."""
    compute, draw = make_interpolation(ppca_source if source is None else (lambda: source))
    options = tuple((f"{a} → {b}", i) for i, (a, b) in enumerate(PAIRS))
    return InteractiveFigure(
        name=name,
        controls=(Slider("t", 0.0, 1.0, 0.5, step=0.02, description="t along the path"),
                  Dropdown("pair", options, 0, description="from → to")),
        compute=compute, draw=draw, update=update_interpolation, figsize=(9.0, 4.2),
    )


interpolate = interpolation_figure()

__all__ = ["marginal", "ancestral", "jensen", "tightness", "estimator", "interpolate",
           "interpolation_figure", "interpolation_source", "ppca_source", "compute_marginal",
           "compute_ancestral", "compute_jensen", "compute_tightness", "compute_estimator",
           "LG", "PAIRS"]
