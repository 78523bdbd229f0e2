# %% [markdown]
# # 11 · Variational autoencoders and the ELBO
#
# A **generative model** learns a probability distribution $\Pr(x)$ over data such as images,
# so that it can score new examples and draw new ones. The variational autoencoder (VAE) builds
# $\Pr(x)$ from a simple distribution over a hidden **latent variable** $z$ and a neural network
# that maps $z$ into data space. Its training objective, the **evidence lower bound** (ELBO), is
# the idea this chapter builds up step by step. After it you can
#
# * write $\Pr(x)$ of a latent variable model as the integral $\int \Pr(x|z)\Pr(z)\,dz$, picture it
#   as an infinite weighted sum of Gaussians, and sample from it (ancestral sampling);
# * say why $\log \Pr(x)$ cannot be computed for a neural-network model, estimate it by
#   importance sampling (and say why a $q$ near the posterior needs far fewer samples than the
#   prior), and derive the ELBO from Jensen's inequality;
# * show that the ELBO falls short of $\log \Pr(x)$ by exactly a KL divergence, and rewrite it
#   as *reconstruction minus KL to the prior*, with the Gaussian KL in closed form;
# * explain the encoder $g[x, \theta]$ (amortised inference) and the reparameterisation trick,
#   and why a one-sample estimate is enough;
# * train a small VAE on handwritten digits and explore its latent space.
#
# **Prerequisites:** chapter 02 (maximum likelihood, Gaussian negative log-likelihood, KL
# divergence), chapter 03 (stochastic gradient descent, Adam), chapter 04 (gradients by
# backpropagation).
#
# **How to use it:** run all cells from the top. Move the sliders under each interactive
# figure; exercises at the end have check cells that say what is wrong.
#
# **Notation.** Data $x \in \mathbb{R}^{D_x}$, latent $z \in \mathbb{R}^{D_z}$; the decoder
# network $f[z, \phi]$ with parameters $\phi$; the encoder network $g[x, \theta]$ with parameters
# $\theta$; $\mathrm{Norm}_x[\mu, \Sigma]$ is the normal density of $x$ with mean $\mu$ and
# covariance $\Sigma$; $D_{KL}$ is the Kullback-Leibler divergence. Data points are columns, as
# everywhere in the course.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import vae
from dlcore.data import digits
from dlcore.plots import new_figure, label, PALETTE
from dlcore.plots.vae import (plot_curve, plot_digits, plot_latent, plot_q_ellipses,
                              plot_densities_1d)
from dlcore.widgets import vae as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(11)      # this chapter's exercises, by name: EX.jensen_gap, ...

# %% [markdown]
# ## 1. Latent variable models
#
# Writing down a flexible $\Pr(x)$ directly is hard: for 64-pixel images it is a density over
# $\mathbb{R}^{64}$ that must put its mass on the thin set of images that look like digits. A
# latent variable model takes an indirect route. It introduces an unobserved variable $z$ and
# specifies the **joint** distribution as a product of two simple pieces,
#
# $$\Pr(x, z) = \Pr(x|z)\,\Pr(z),$$
#
# a **prior** $\Pr(z)$ over the latent variable and a **likelihood** $\Pr(x|z)$ of the data given
# it. The distribution of the data alone is the **marginal**: sum (integrate) the joint over
# every value the latent variable could take,
#
# $$\Pr(x) = \int \Pr(x, z)\,dz = \int \Pr(x|z)\,\Pr(z)\,dz.$$
#
# Simple pieces can still make a complicated $\Pr(x)$, because the integral mixes together
# infinitely many of them.
#
# The easiest case to check by hand is **linear-Gaussian**: $\Pr(z) = \mathrm{Norm}_z[0, I]$ and
# $\Pr(x|z) = \mathrm{Norm}_x[Wz + b, \sigma^2 I]$. Then $x = Wz + b + \sigma\epsilon$ is a sum
# of Gaussians and the integral has a closed form, $\Pr(x) = \mathrm{Norm}_x[b, WW^T + \sigma^2 I]$.
# With one latent dimension we can also do the integral numerically on a fine grid of $z$
# values, $\Pr(x) \approx \sum_j \Pr(x|z_j)\Pr(z_j)\,\Delta z$, and compare:

# %%
# NBVAL_CHECK_OUTPUT
W_lin = np.array([[1.2], [0.9]])   # (D_x, D_z) = (2, 1)
b_lin = np.array([0.2, -0.4])       # (D_x,)
s2_lin = 0.75                       # sigma^2
x_obs = np.array([1.8, 0.8])        # one observed data point
z = np.linspace(-8, 8, 4001)                           # a fine grid of latent values z_j
dz = z[1] - z[0]
f_z = W_lin @ z[None, :] + b_lin[:, None]              # mean of Pr(x|z_j) at every z_j, (2, 4001)
likelihood = np.exp(vae.log_normal(x_obs[:, None], f_z, s2_lin))  # Pr(x|z_j), (4001,)
prior = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)                 # Pr(z_j)
by_grid = np.log((likelihood * prior).sum() * dz)
closed = vae.linear_gaussian_log_marginal(x_obs, W_lin, b_lin, s2_lin)
print(f"W = {W_lin.ravel()}, b = {b_lin}, sigma^2 = {s2_lin}, x = {x_obs}")
print(f"log of sum_j Pr(x|z_j) Pr(z_j) dz    = {by_grid:.4f}")
print(f"closed form log Norm_x[b, WW^T + s2 I] = {closed:.4f}")
print("the two agree to six decimals:", abs(by_grid - closed) < 5e-7)
assert abs(by_grid - closed) < 5e-7

# %% [markdown]
# **What to notice.** The sum over the grid and the closed form agree to six decimals: the
# marginal really is "add up $\Pr(x|z)$ over every $z$, weighted by how likely that $z$ is". We
# will come back to this model and this $x$ (sections 6, 7 and 10, and the figures there): it is
# the one case in which every quantity of the chapter can be computed exactly.

# %% [markdown]
# ## 2. A nonlinear latent variable model
#
# The VAE keeps a standard normal prior and a Gaussian likelihood with spherical covariance,
# but the mean of the likelihood becomes a **neural network** $f[z, \phi]$ of the latent variable:
#
# $$\Pr(z) = \mathrm{Norm}_z[0, I], \qquad \Pr(x|z, \phi) = \mathrm{Norm}_x\big[f[z, \phi], \sigma^2 I\big].$$
#
# The marginal is
#
# $$\Pr(x|\phi) = \int \mathrm{Norm}_x\big[f[z, \phi], \sigma^2 I\big]\,\mathrm{Norm}_z[0, I]\,dz,$$
#
# an **infinite weighted sum of spherical Gaussians**: one Gaussian for every value of $z$,
# centred at $f[z, \phi]$, with weight $\Pr(z)$. As $z$ runs over the real line the centres
# $f[z, \phi]$ trace a curve in data space, and the Gaussians blur it into a density.
#
# A toy model makes this visible: $D_z = 1$, $D_x = 2$, and $f[z, \phi]$ a fixed shallow network
# with three tanh units:

# %%
show_source(vae.toy_params)

# %% [markdown]
# To draw $\Pr(x|\phi)$, replace the integral by $J$ Gaussians at evenly spaced $z_j$ with
# weights $w_j \propto \Pr(z_j)$ (summing to one). In two dimensions each spherical Gaussian
# factorises, $\mathrm{Norm}_x[m, \sigma^2 I] = \mathrm{Norm}_{x_1}[m_1, \sigma^2]\,
# \mathrm{Norm}_{x_2}[m_2, \sigma^2]$, so the whole image is one matrix product:

# %%
show_source(vae.gaussian_sum_grid)

# %% [markdown]
# Left: the prior and the $J$ latent values, coloured by $z$. Right: the centres $f[z_j, \phi]$
# (same colours, area proportional to the weight) and the density $\Pr(x|\phi)$ they make.
# Increase $J$ to approach the infinite sum; change the noise $\sigma$.

# %%
W.marginal.show()

# %%
limit = W.compute_marginal(W.J_MAX, 0.3)["density"]       # J = 200 Gaussians, sigma = 0.3
change = {J: np.abs(W.compute_marginal(J, 0.3)["density"] - limit).max() / limit.max()
          for J in (7, 30, 50)}
print("largest difference from J = 200, as a fraction of the peak:",
      {J: f"{c:.2%}" for J, c in change.items()})
assert change[7] > 0.5 and change[30] < 0.05 and change[50] < 0.001
full = W.compute_marginal(W.J_MAX, 0.3)
ridge = {z0: vae.log_gaussian_sum(vae.toy_decoder(np.array([z0]))[:, 0], full["f"], 0.3**2, full["w"])
         for z0 in (-2.5, 0.0, 2.5)}                     # log Pr(x) on the curve at f[z0, phi]
assert ridge[0.0] > max(ridge[-2.5], ridge[2.5])        # darkest at the bend, fading to the tips

# %% [markdown]
# **What to notice.** With a few Gaussians $\Pr(x)$ is a handful of separate blobs (at $J = 7$ it
# differs from the limit by more than half the peak). By a few dozen they merge into a smooth
# ridge near the bend (the tips, where the curve is stretched and the centres lie further
# apart, need more: $J = 30$ is still up to 5% of the peak off); from about fifty on the
# density stops changing (less than 0.1% of the peak from $J = 50$ to $J = 200$): it has
# converged to the integral. The result is a curved, C-shaped ridge that no single Gaussian could describe, made
# only of spherical Gaussians. The ridge is darkest near the bend, where $z \approx 0$ is most
# likely under the prior, and fades towards the two tips ($|z| > 2$). A small $\sigma$ gives a
# thin ridge along the curve $f[z, \phi]$; a large $\sigma$ blurs the two arms of the C into one.
# Real VAEs do the same with $D_z$ of 2 to a few hundred and $D_x$ of thousands: the data lie
# near a $D_z$-dimensional surface traced by the decoder.

# %% [markdown]
# ## 3. Ancestral sampling
#
# Drawing from $\Pr(x|\phi)$ is easy even though writing it down is not: follow the model's
# recipe, from the latent variable to the data.
#
# 1. Draw $z^* \sim \Pr(z) = \mathrm{Norm}_z[0, I]$.
# 2. Pass it through the network to get the mean $f[z^*, \phi]$ of the likelihood.
# 3. Draw $x^* \sim \Pr(x|z^*, \phi) = \mathrm{Norm}_x\big[f[z^*, \phi], \sigma^2 I\big]$, i.e.
#    $x^* = f[z^*, \phi] + \sigma\epsilon$ with $\epsilon \sim \mathrm{Norm}[0, I]$.
#
# Each pair $(z^*, x^*)$ is a sample of the joint, so $x^*$ alone is a sample of the marginal.

# %%
show_source(vae.ancestral_sample)

# %% [markdown]
# Change the seed to draw a new $z^*$ and $x^*$; raise the number of samples to see where many
# draws land.

# %%
W.ancestral.show()

# %% [markdown]
# **What to notice.** Each sample is two random draws and one network evaluation: cheap and
# exact, whatever the network. With a few thousand samples the cloud has the shape of the
# density of section 2: a sample from the joint, with $z$ thrown away, is a sample from the
# marginal. The recipe only runs one way, though: it tells us which $x$ a given $z$ produces,
# not which $z$ produced a given $x$. For an $x$ between the two arms of the C, both arms could
# have produced it. That reverse question, the **posterior** $\Pr(z|x, \phi)$, is what makes
# training hard.

# %% [markdown]
# ## 4. Training, and why the likelihood is intractable
#
# We fit $\phi$ by maximum likelihood over the training set $\{x_i\}_{i=1}^{I}$ (with $\sigma^2$
# fixed):
#
# $$\hat\phi = \underset{\phi}{\mathrm{argmax}} \left[\sum_{i=1}^{I} \log \Pr(x_i|\phi)\right],
# \qquad \Pr(x_i|\phi) = \int \mathrm{Norm}_{x_i}\big[f[z, \phi], \sigma^2 I\big]\,
# \mathrm{Norm}_z[0, I]\,dz.$$
#
# For a nonlinear network $f$ this integral has **no closed form**, and evaluating it numerically
# does not scale:
#
# * a grid with $G$ points per latent dimension needs $G^{D_z}$ network evaluations per data
#   point per step;
# * drawing $z_s \sim \Pr(z)$ and averaging, $\Pr(x) \approx \frac{1}{S}\sum_s \Pr(x|z_s)$, is
#   unbiased for $\Pr(x)$, but only the few $z_s$ that land where the posterior
#   $\Pr(z|x,\phi)$ has its mass contribute; the rest add almost nothing.
#
# In the toy model, for one data point: the posterior (left) is narrow compared with the prior,
# and the sampling estimate of $\log \Pr(x)$ (right, 40 repeats for each $S$) is noisy and
# biased low (by over 2 nats for $S \le 16$) until $S$ reaches about a hundred (from $S = 128$
# on the mean is within 0.25 nats).

# %%
s2_toy = 0.3**2
z = np.linspace(-6, 6, 2401)
f_z = vae.toy_decoder(z)                               # f[z_j, phi] on the grid, (2, 2401)
x_a = np.array([1.2, -2.0])                            # one data point
log_px_a = vae.log_marginal_grid(x_a, z, f_z, s2_toy)  # the 1-D integral by quadrature
S_values = 2 ** np.arange(0, 13)
estimates = []
for S in S_values:
    _, f_s, _ = vae.ancestral_sample(vae.toy_decoder, s2_toy, 40 * S, rng)  # f[z_s], z_s ~ Pr(z)
    f_s = f_s.reshape(2, 40, S)                        # 40 repeats of S samples
    estimates.append([vae.log_gaussian_sum(x_a, f_s[:, r], s2_toy, np.full(S, 1 / S))
                      for r in range(40)])             # log (1/S) sum_s Pr(x|z_s)
estimates = np.array(estimates)                        # (len(S_values), 40)

fig, (ax_p, ax_s) = new_figure(1, 2, figsize=(10, 3.4))
plot_densities_1d(ax_p, z, {"prior Pr(z)": np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi),
                            "posterior Pr(z|x, φ)": vae.posterior_grid(x_a, z, f_z, s2_toy)},
                  {"prior Pr(z)": {"color": PALETTE["grey"], "linestyle": ":"},
                   "posterior Pr(z|x, φ)": {"color": PALETTE["black"]}})
ax_p.set_xlim(-4, 4)
label(ax_p, "latent $z$", "density", f"where the integrand lives, x = ({x_a[0]}, {x_a[1]})")
ax_p.legend()
for k, S in enumerate(S_values):
    ax_s.plot(np.full(40, S), np.maximum(estimates[k], -30), ".", color=PALETTE["blue"],
              alpha=0.4, markersize=4)
ax_s.plot(S_values, estimates.mean(1), color=PALETTE["blue"], label="mean of the 40 estimates")
ax_s.axhline(log_px_a, color=PALETTE["vermillion"], linestyle="--",
             label=f"quadrature: log Pr(x) = {log_px_a:.2f}")
ax_s.set_xscale("log", base=2)
ax_s.set_ylim(-31, 2)
label(ax_s, "samples $S$ from the prior", r"estimate of $\log$ Pr$(x|\phi)$ (nats)",
      "sampling from the prior (below -30: drawn at -30)")
ax_s.legend(loc="lower right")
plt.show()
bias = estimates.mean(1) - log_px_a                    # (len(S_values),) mean error per S
post = vae.posterior_grid(x_a, z, f_z, s2_toy)
post_sd = np.sqrt((post * z**2).sum() * (z[1] - z[0]) - ((post * z).sum() * (z[1] - z[0])) ** 2)
print(f"posterior std {post_sd:.2f} (prior: 1); mean error for S = 1..16:", np.round(bias[:5], 1),
      "for S >= 128:", np.round(bias[7:], 2))
assert post_sd < 0.5 and np.all(bias[S_values <= 16] < -2)
assert np.all(np.abs(bias[S_values >= 128]) < 0.25)

# %% [markdown]
# The toy model has one latent dimension. How many samples from the prior are enough in more
# dimensions? The linear-Gaussian model has an exact $\log \Pr(x)$ for any $D_z$, so we can
# measure the error of the same estimate with $S = 1000$ samples, for data drawn from models
# with $D_x = 2 D_z$ and random weights:

# %%
# NBVAL_CHECK_OUTPUT
check_rng = np.random.default_rng(7)
mean_error = {}
print(" D_z   grid points (G=100)   mean error of the S=1000 estimate of log Pr(x)")
for D_z in (1, 2, 5, 10, 20):
    W_d, b_d, s2_d = check_rng.normal(size=(2 * D_z, D_z)), np.zeros(2 * D_z), 0.1
    decoder = W_d.__matmul__                               # f[z] = W_d z
    errors = []
    for _ in range(20):
        _, _, x_d = vae.ancestral_sample(decoder, s2_d, 1, check_rng, D_z=D_z)
        z_s = check_rng.standard_normal((D_z, 1000))   # z_s ~ Pr(z)
        est = vae.log_gaussian_sum(x_d[:, 0], W_d @ z_s, s2_d, np.full(1000, 1e-3))
        errors.append(est - vae.linear_gaussian_log_marginal(x_d[:, 0], W_d, b_d, s2_d))
    mean_error[D_z] = np.mean(errors)
    print(f"{D_z:4d}   {float(100) ** D_z:19.0e}   {round(mean_error[D_z], 1) + 0.0:10.1f} nats")
assert abs(mean_error[1]) < 0.5 and abs(mean_error[2]) < 0.5
assert 10 < -mean_error[5] < 100 and -mean_error[20] > 1000

# %% [markdown]
# **What to notice.** The posterior is much narrower than the prior, so most prior samples
# explain $x$ badly. With few samples the estimate of $\log \Pr(x)$ is both noisy and too
# low: the log of an average of noisy numbers is on average *below* the log of the true mean
# (section 5 says why). In one or two dimensions a thousand samples are plenty; by five
# dimensions the same 1000 samples are off by tens of nats, by twenty by thousands, and a grid
# is out of the question. We need an objective we can compute and differentiate: a **lower bound**.

# %% [markdown]
# ### Importance sampling: draw $z$ where the posterior is
#
# The prior is the wrong place to draw $z$ from. Multiply and divide by any distribution $q(z)$
# that is easy to sample and to evaluate (and is positive wherever $\Pr(x, z)$ is):
#
# $$\Pr(x) = \int q(z)\,\frac{\Pr(x, z)}{q(z)}\,dz
#   \approx \frac{1}{S}\sum_{s=1}^{S} \frac{\Pr(x, z_s)}{q(z_s)}, \qquad z_s \sim q(z).$$
#
# This is **importance sampling**: each sample is weighted by $w_s = \Pr(x, z_s)/q(z_s)$.
# Sampling from the prior is the special case $q(z) = \Pr(z)$, where the weight is just
# $\Pr(x|z_s)$. The best possible $q$ is the posterior: then $w_s = \Pr(x, z_s)/\Pr(z_s|x) =
# \Pr(x)$ for every sample, and one sample gives the exact answer. The weights of $z$ values
# that explain $x$ badly can be so tiny that they underflow to 0 in floating point (`np.exp(-746.0)`
# is already 0), so the code works with their logs
# and computes $\log \frac{1}{S}\sum_s e^{\log w_s}$ with chapter 02's
# stable log-sum-exp:

# %%
show_source(vae.importance_log_marginal)

# %% [markdown]
# Below, for a data point $x_b$ near the bend of the C, the same estimate of $\log \Pr(x)$ with
# $z_s$ drawn from the prior and with $z_s$ drawn from a Gaussian $q$ that has the posterior's
# mean and standard deviation (roughly what a good encoder, section 9, would output for this
# $x$). For each $S$ we repeat the estimate 300 times and measure how much the repeats
# disagree (their standard deviation, right).

# %%
x_b = np.array([-2.2, 0.0])                            # a data point near the bend of the C
post_b = vae.posterior_grid(x_b, z, f_z, s2_toy)       # Pr(z|x_b) on the grid of section 4
dz = z[1] - z[0]
mu_b = (post_b * z).sum() * dz                         # the posterior's mean ...
sd_b = np.sqrt((post_b * (z - mu_b) ** 2).sum() * dz)  # ... and standard deviation


def log_prior(z_s):                                    # log Pr(z) for z_s (1, S)
    return -0.5 * (np.log(2 * np.pi) + z_s[0] ** 2)


def log_joint_b(z_s):                                  # log Pr(x_b, z_s) = log Pr(x_b|z_s) + log Pr(z_s)
    return vae.log_normal(x_b[:, None], vae.toy_decoder(z_s), s2_toy) + log_prior(z_s)


def sample_prior(S, rng):                              # z_s ~ Pr(z) = Norm(0, 1)
    return rng.standard_normal((1, S))


def sample_q_b(S, rng):                                  # z_s ~ q(z) = Norm(mu_b, sd_b^2)
    return mu_b + sd_b * rng.standard_normal((1, S))


def log_q_b(z_s):                                        # log q(z_s)
    return -0.5 * (np.log(2 * np.pi * sd_b**2) + (z_s[0] - mu_b) ** 2 / sd_b**2)


S_is = np.array([1, 3, 10, 30, 100, 300, 1000, 3000])
repeats = {name: np.array([[vae.importance_log_marginal(log_joint_b, sample, log_p, S, rng)
                            for _ in range(300)] for S in S_is])    # (8, 300) log-estimates
           for name, sample, log_p in (("prior", sample_prior, log_prior), ("q", sample_q_b, log_q_b))}
spread = {name: r.std(axis=1) for name, r in repeats.items()}       # (8,) per S
log_px_b = vae.log_marginal_grid(x_b, z, f_z, s2_toy)

fig, (ax_d, ax_v) = new_figure(1, 2, figsize=(10, 3.4))
q_density = np.exp(log_q_b(z[None, :]))
plot_densities_1d(ax_d, z, {"prior Pr(z)": np.exp(log_prior(z[None, :])),
                            "posterior Pr(z|x, φ)": post_b, "q(z)": q_density},
                  {"prior Pr(z)": {"color": PALETTE["grey"], "linestyle": ":"},
                   "posterior Pr(z|x, φ)": {"color": PALETTE["black"]},
                   "q(z)": {"color": PALETTE["green"], "linestyle": "--"}})
ax_d.set_xlim(-3, 3)
label(ax_d, "latent $z$", "density", f"x_b = ({x_b[0]}, {x_b[1]}): where to draw z")
ax_d.legend()
ax_v.loglog(S_is, spread["prior"], "o-", color=PALETTE["blue"], label="z from the prior")
ax_v.loglog(S_is, spread["q"], "s-", color=PALETTE["green"], label="z from q (importance sampling)")
ax_v.loglog(S_is, spread["prior"][-1] * np.sqrt(S_is[-1] / S_is), ":", color=PALETTE["grey"],
            label=r"$\propto 1/\sqrt{S}$")
label(ax_v, "samples $S$", "std of the log-estimate (nats)",
      "spread of 300 repeated estimates of log Pr(x)")
ax_v.legend(loc="upper right", fontsize=8)
plt.show()
bias_b = {name: r.mean(axis=1) - log_px_b for name, r in repeats.items()}  # (8,) mean error per S
print("std of the log-estimate, prior:", np.round(spread["prior"][[2, 6]], 3),
      "at S = 10, 1000; q:", np.round(spread["q"][[2, 6]], 4))
assert spread["q"][2] < spread["prior"][6] / 10           # q at S = 10 beats the prior at S = 1000
assert np.all(spread["q"] < spread["prior"] / 10)          # at every S, by more than 10 times
assert spread["q"][0] < 0.01 < 10 < spread["prior"][0]     # S = 1: a hundredth of a nat vs tens
for r in spread.values():   # from S = 100 on, std * sqrt(S) stays about constant: std ~ 1/sqrt(S)
    scaled = r[S_is >= 100] * np.sqrt(S_is[S_is >= 100])
    assert scaled.max() < 1.5 * scaled.min()
assert np.all(bias_b["prior"][:2] < -1) and -1 < bias_b["prior"][2] < -0.1
assert np.all(np.abs(bias_b["q"]) < 0.01)

# %% [markdown]
# And with $q$ the exact posterior, for the linear-Gaussian models of the table above (any
# $D_z$, where prior sampling was off by thousands of nats at $D_z = 20$):

# %%
# NBVAL_CHECK_OUTPUT
def posterior_parts(x, W, s2):
    """For x|z ~ Norm_x[Wz, s2 I]: log Pr(x, z), and a sampler and log density of Pr(z|x)."""
    D_z = W.shape[1]
    mu, cov = vae.linear_gaussian_posterior(x, W, np.zeros(len(x)), s2)   # Pr(z|x) exactly
    L, cov_inv, logdet = np.linalg.cholesky(cov), np.linalg.inv(cov), np.linalg.slogdet(cov)[1]

    def log_joint(z_s):                        # log Pr(x|z_s) + log Pr(z_s), z_s (D_z, S)
        return vae.log_normal(x[:, None], W @ z_s, s2) + vae.log_normal(z_s, 0 * z_s, 1.0)

    def sample_post(S, rng):                   # z_s ~ Norm(mu, cov)
        return mu[:, None] + L @ rng.standard_normal((D_z, S))

    def log_post(z_s):                         # log Norm_z[mu, cov]
        r = z_s - mu[:, None]
        return -0.5 * (D_z * np.log(2 * np.pi) + logdet + (r * (cov_inv @ r)).sum(0))

    return log_joint, sample_post, log_post


exact_rng = np.random.default_rng(8)
for D_z in (1, 5, 20):
    W_d, s2_d = exact_rng.normal(size=(2 * D_z, D_z)), 0.1
    _, _, x_d = vae.ancestral_sample(W_d.__matmul__, s2_d, 1, exact_rng, D_z=D_z)
    exact_d = vae.linear_gaussian_log_marginal(x_d[:, 0], W_d, np.zeros(2 * D_z), s2_d)
    errors_d = [vae.importance_log_marginal(*posterior_parts(x_d[:, 0], W_d, s2_d), S, exact_rng)
                - exact_d for S in (1, 10, 1000)]
    print(f"D_z = {D_z:2d}: S = 1, 10, 1000 samples from the posterior are exact to 1e-8:",
          bool(np.max(np.abs(errors_d)) < 1e-8))
    assert np.max(np.abs(errors_d)) < 1e-8

# %% [markdown]
# **What to notice.** The posterior (left) is a narrow bump, and $q$ lies almost on top of it:
# most prior samples miss it, most samples of $q$ hit it. On the right, the repeated estimates
# from the prior disagree by tens of nats at $S = 1$; with $q$ they agree to better than a
# hundredth of a nat. Importance sampling with $S = 10$ is more precise than prior sampling with
# $S = 1000$ (by more than ten times in standard deviation, printed above), and it is more than
# ten times tighter at every $S$. Both spreads eventually shrink like $1/\sqrt{S}$ (the
# dotted line); a good $q$ starts far lower. The prior's estimates are also biased low for
# small $S$ (on average by more than a nat for $S \le 3$, still by tenths of a nat at
# $S = 10$), those of $q$ by less than a hundredth of a nat. With the exact
# posterior the spread is zero: a single sample is exact, in any dimension. So the whole
# problem reduces to finding a $q(z)$ close to the posterior $\Pr(z|x, \phi)$, for every $x$.
# That is what the VAE's encoder learns, and the ELBO below is how it is trained.

# %% [markdown]
# ## 5. Jensen's inequality
#
# A function $g[\cdot]$ (here any function of one number, not the encoder) is **concave** if
# every chord lies below its graph. For a concave
# function the function of an average is at least the average of the function:
#
# $$g\big[\mathbb{E}[y]\big] \geq \mathbb{E}\big[g[y]\big].$$
#
# The logarithm is concave, so $\log \mathbb{E}[y] \geq \mathbb{E}[\log y]$, that is
# $\log\left[\int \Pr(y)\, y\, dy\right] \geq \int \Pr(y) \log[y]\, dy$. Because any function
# $h[y]$ of a random variable is a random variable itself, the same holds for it:
#
# $$\log\left[\int \Pr(y)\, h[y]\, dy\right] \geq \int \Pr(y) \log\big[h[y]\big]\, dy.$$
#
# For a distribution with two values $y_1, y_2$ (probabilities $p$ and $1-p$), both sides are
# two-term sums:

# %%
show_source(vae.jensen_log)

# %%
# NBVAL_CHECK_OUTPUT
log_mean, mean_log = vae.jensen_log([0.5, 6.0], [0.5, 0.5])
print(f"log E[y] = {log_mean:.4f} >= E[log y] = {mean_log:.4f}")
assert log_mean >= mean_log
assert np.allclose(vae.jensen_log([2.0, 2.0], [0.5, 0.5]), np.log(2.0))       # y1 = y2: no gap
assert np.allclose(vae.jensen_log([0.5, 6.0], [1.0, 0.0]), np.log(0.5))       # p = 1: no gap

# %% [markdown]
# In the figure, $\mathbb{E}[y]$ sits between the two values; $\log \mathbb{E}[y]$ is on the
# curve (green) and $\mathbb{E}[\log y]$ on the chord (vermillion) directly below it.

# %%
W.jensen.show()

# %% [markdown]
# **What to notice.** The green point is never below the vermillion one. The gap grows when
# the two values are far apart (where the curve bends most between them) and closes when
# $y_1 = y_2$ or when $p$ is 0 or 1: it vanishes exactly when $y$ is not random. Remember this
# condition: the ELBO below is tight when the thing inside the log stops depending on $z$.

# %% [markdown]
# ## 6. The evidence lower bound (ELBO)
#
# Take **any** probability distribution $q(z)$ over the latent variable. Multiply and divide by
# it inside the integral, then apply Jensen's inequality with $h[z] = \Pr(x, z|\phi)/q(z)$:
#
# $$\log \Pr(x|\phi) = \log\left[\int \Pr(x, z|\phi)\,dz\right]
#   = \log\left[\int q(z) \frac{\Pr(x, z|\phi)}{q(z)}\,dz\right]
#   \geq \int q(z) \log\left[\frac{\Pr(x, z|\phi)}{q(z)}\right] dz.$$
#
# Let $q$ belong to a family with parameters $\theta$, written $q(z|\theta)$. The right-hand
# side is the **evidence lower bound**,
#
# $$\mathrm{ELBO}[\theta, \phi] = \int q(z|\theta) \log\left[\frac{\Pr(x, z|\phi)}{q(z|\theta)}\right] dz.$$
#
# Unlike $\log \Pr(x|\phi)$, it is an *expectation under $q$*: we can estimate it by drawing
# $z_s \sim q(z|\theta)$ and averaging $\log \Pr(x, z_s|\phi) - \log q(z_s|\theta)$, without ever
# integrating over all of $z$. On the linear-Gaussian model with an arbitrary Gaussian $q$:

# %%
# NBVAL_CHECK_OUTPUT
mu_q, sigma_q = 0.2, 0.7                                 # q(z|theta) = Norm_z[0.2, 0.7^2]
z_s = mu_q + sigma_q * rng.standard_normal(200_000)      # z_s ~ q(z|theta)
log_joint = (vae.log_normal(x_obs[:, None], W_lin @ z_s[None, :] + b_lin[:, None], s2_lin)
             - 0.5 * (np.log(2 * np.pi) + z_s**2))      # log Pr(x|z_s) + log Pr(z_s)
log_q = -0.5 * (np.log(2 * np.pi * sigma_q**2) + (z_s - mu_q) ** 2 / sigma_q**2)
print(f"ELBO, average over samples of q : {np.mean(log_joint - log_q):.3f}")
print(f"ELBO, exact                      : "
      f"{vae.elbo_linear_gaussian(x_obs, W_lin, b_lin, s2_lin, [mu_q], [[sigma_q**2]]):.3f}")
print(f"log Pr(x|phi), exact             : "
      f"{vae.linear_gaussian_log_marginal(x_obs, W_lin, b_lin, s2_lin):.3f}")
elbo_q = vae.elbo_linear_gaussian(x_obs, W_lin, b_lin, s2_lin, [mu_q], [[sigma_q**2]])
assert abs(np.mean(log_joint - log_q) - elbo_q) < 0.02 and elbo_q < closed

# %% [markdown]
# **What to notice.** The sample average matches the exact ELBO, and both are below the log
# likelihood, as Jensen promised. Training now maximises the ELBO over **both** parameter
# sets: changing $\theta$ (the distribution $q$) moves the bound closer to $\log \Pr(x|\phi)$;
# changing $\phi$ (the model) raises the bound and, with it, the log likelihood underneath.

# %% [markdown]
# ## 7. How tight is the bound?
#
# Factor the joint the other way round, $\Pr(x, z|\phi) = \Pr(z|x, \phi)\Pr(x|\phi)$, and
# substitute:
#
# $$\begin{aligned}
# \mathrm{ELBO}[\theta, \phi]
#   &= \int q(z|\theta) \log\left[\frac{\Pr(z|x, \phi)\Pr(x|\phi)}{q(z|\theta)}\right] dz \\
#   &= \underbrace{\int q(z|\theta) \log\big[\Pr(x|\phi)\big]\, dz}_{=\ \log \Pr(x|\phi):\ \text{no } z \text{ inside}}
#    + \int q(z|\theta) \log\left[\frac{\Pr(z|x, \phi)}{q(z|\theta)}\right] dz \\
#   &= \log \Pr(x|\phi) - D_{KL}\big[q(z|\theta)\,\big\|\,\Pr(z|x, \phi)\big].
# \end{aligned}$$
#
# The gap between the bound and the log likelihood is the KL divergence from $q$ to the
# **posterior**. A KL divergence is never negative and is zero only when the two distributions
# are equal, so the ELBO touches $\log \Pr(x|\phi)$ exactly when $q(z|\theta) = \Pr(z|x, \phi)$.
# (In Jensen's terms: then $\Pr(x, z|\phi)/q(z) = \Pr(x|\phi)$ does not depend on $z$.)
#
# In the linear-Gaussian model the posterior is Gaussian and known exactly; this model was
# chosen so that $\Pr(z|x, \phi) = \mathrm{Norm}_z[1, 0.5^2]$. The gap for the $q$ of section 6,
# next to the KL divergence computed on its own:

# %%
# NBVAL_CHECK_OUTPUT
mu_post, cov_post = vae.linear_gaussian_posterior(x_obs, W_lin, b_lin, s2_lin)
log_px = vae.linear_gaussian_log_marginal(x_obs, W_lin, b_lin, s2_lin)
elbo = vae.elbo_linear_gaussian(x_obs, W_lin, b_lin, s2_lin, [mu_q], [[sigma_q**2]])
kl_post = vae.kl_normal([mu_q], [[sigma_q**2]], mu_post, cov_post)
print(f"posterior Pr(z|x, phi) = Norm[{mu_post[0]:.3f}, {cov_post[0, 0]:.3f}]")
print(f"log Pr(x|phi) - ELBO        = {log_px - elbo:.4f}")
print(f"D_KL[q || Pr(z|x, phi)]     = {kl_post:.4f}")
print("the two agree to 1e-12:", abs(log_px - elbo - kl_post) < 1e-12)
assert np.allclose([mu_post[0], cov_post[0, 0]], [1.0, 0.25]) and abs(log_px - elbo - kl_post) < 1e-12

# %% [markdown]
# Move $q$'s mean and standard deviation. The right panel shows the ELBO as a function of
# $q$'s mean (for the current standard deviation), the exact log likelihood, and the gap.

# %%
W.tightness.show()

# %% [markdown]
#

# %%
for m in (-0.5, 1.0, 2.5):   # the parabola (0 at the posterior mean 1) for a q of the right width
    r = W.compute_tightness(m, 0.5)
    assert abs(r["kl"] - (m - 1.0) ** 2 / (2 * 0.5**2)) < 1e-9 and r["elbo"] <= log_px + 1e-12

# %% [markdown]
# **What to notice.** The ELBO is always below the black line, and the vermillion gap always
# equals the KL divergence printed in the corner. Set $\mu = 1$ and $\sigma = 0.5$ (the posterior)
# and the gap closes: $q$ lies exactly on the posterior. Moving the mean away costs
# $(\mu - 1)^2 / (2 \cdot 0.5^2)$ nats, a parabola; a $q$ that is too wide or too narrow also
# costs, even at the right mean. Note that $\log \Pr(x|\phi)$ itself never moves: $\theta$
# only changes how well the bound fits, not the model.

# %% [markdown]
# ## 8. The other form: reconstruction minus KL to the prior
#
# Factor the joint as $\Pr(x|z, \phi)\Pr(z)$ instead:
#
# $$\mathrm{ELBO}[\theta, \phi]
#   = \int q(z|\theta) \log\left[\frac{\Pr(x|z, \phi)\Pr(z)}{q(z|\theta)}\right] dz
#   = \underbrace{\int q(z|\theta) \log\big[\Pr(x|z, \phi)\big]\,dz}_{\text{reconstruction}}
#   - \underbrace{D_{KL}\big[q(z|\theta)\,\big\|\,\Pr(z)\big]}_{\text{distance from the prior}}.$$
#
# The first term rewards latent values that explain $x$ well (through the decoder); the second
# keeps $q$ close to the prior $\mathrm{Norm}_z[0, I]$. This is the form the VAE computes,
# because the posterior is unknown but the prior is not. When $q(z|\theta) =
# \mathrm{Norm}_z[\mu, \Sigma]$ and $\Pr(z) = \mathrm{Norm}_z[0, I]$ the KL term has a closed
# form,
#
# $$D_{KL}\big[\mathrm{Norm}_z[\mu, \Sigma]\,\big\|\,\mathrm{Norm}_z[0, I]\big]
#   = \frac{1}{2}\Big(\mathrm{Tr}[\Sigma] + \mu^T\mu - D_z - \log\big[\det[\Sigma]\big]\Big),$$
#
# which for a diagonal $\Sigma = \mathrm{diag}[\sigma^2]$ is a sum over the latent dimensions:

# %%
show_source(vae.kl_normal_standard)

# %% [markdown]
# Checked against `torch.distributions`, for four data points (columns) with $D_z = 3$:

# %%
# NBVAL_CHECK_OUTPUT
import torch

mu_k = rng.normal(size=(3, 4))                     # (D_z, I)
sigma_k = np.exp(0.5 * rng.normal(size=(3, 4)))    # (D_z, I)
ours = vae.kl_normal_standard(mu_k, sigma_k)
q_t = torch.distributions.Normal(torch.tensor(mu_k), torch.tensor(sigma_k))
prior_t = torch.distributions.Normal(torch.zeros(3, 4, dtype=torch.float64), 1.0)
theirs = torch.distributions.kl_divergence(q_t, prior_t).sum(0).numpy()
print("dlcore:", np.round(ours, 4))
print("torch: ", np.round(theirs, 4))
print(f"two forms of the ELBO: log Pr(x) - KL to the posterior = {log_px - kl_post:.4f},"
      f" reconstruction - KL to the prior = {elbo:.4f}")
print("they agree to 1e-12:", abs(log_px - kl_post - elbo) < 1e-12)
assert np.allclose(ours, theirs, rtol=1e-12) and abs(log_px - kl_post - elbo) < 1e-12

# %% [markdown]
# **What to notice.** Each data point gets its own KL (one per column), the same as PyTorch's.
# The last line computes the ELBO both ways for the $q$ of section 6: `elbo_linear_gaussian`
# uses the reconstruction-minus-KL form, and it agrees with "log likelihood minus KL to the
# posterior". Every term of the closed form is visible: $\sigma^2$ and $\mu^2$ penalise a $q$
# that is too wide or off-centre, $-\log \sigma^2$ penalises one that is too narrow, and the
# $-1$ per dimension makes the KL exactly zero when $q$ *is* the prior.

# %% [markdown]
# ## 9. The variational approximation and the encoder
#
# We choose $q$ from the Gaussians: $q(z|\theta) = \mathrm{Norm}_z[\mu, \Sigma]$ with
# $\theta = \{\mu, \Sigma\}$. The best member of the family is the one closest (in KL) to the
# posterior, and it is only exact when the posterior happens to be Gaussian. In the toy
# nonlinear model it need not be: a data point between the two arms of the C could have come
# from either arm, so its posterior has two bumps. Below, for three data points (left), the
# true posterior on a grid and the Gaussian $q$ with the highest ELBO (found by trying a grid
# of $\mu$ and $\sigma$ with `elbo_grid`), and the gap $\log \Pr(x|\phi) - \mathrm{ELBO}$ that
# remains:

# %%
s2_v = 0.5**2
z_v = np.linspace(-5, 5, 1001)
f_v = vae.toy_decoder(z_v)
mus, sigmas = np.linspace(-3, 3, 121)[:, None], np.geomspace(0.03, 2, 50)[None, :]
points = {"between the arms": np.array([0.8, 0.0]), "near the upper arm": np.array([-0.9, 1.8]),
          "near the bend": np.array([-2.2, 0.0])}
gaps = {}
fig, axes = new_figure(1, 4, figsize=(12, 3.0), width_ratios=[0.8, 1, 1, 1])
plot_curve(axes[0], vae.toy_decoder(np.linspace(-3.5, 3.5, 200)), label=r"$f[z, \phi]$")
for ax, (name, x_v), color in zip(axes[1:], points.items(), ("blue", "orange", "green")):
    elbos = vae.elbo_grid(x_v, z_v, f_v, s2_v, mus, sigmas)       # (121, 50)
    i, j = np.unravel_index(np.argmax(elbos), elbos.shape)
    gap = gaps[name] = vae.log_marginal_grid(x_v, z_v, f_v, s2_v) - elbos[i, j]
    best_q = np.exp(-0.5 * (z_v - mus[i, 0]) ** 2 / sigmas[0, j] ** 2) / (np.sqrt(2 * np.pi) * sigmas[0, j])
    plot_densities_1d(ax, z_v, {"posterior": vae.posterior_grid(x_v, z_v, f_v, s2_v),
                                "best Gaussian q": best_q},
                      {"posterior": {"color": PALETTE["black"]},
                       "best Gaussian q": {"color": PALETTE[color], "linestyle": "--"}})
    axes[0].plot(*x_v, "o", color=PALETTE[color], markeredgecolor="black", label=name)
    ax.set_xlim(-3, 3)
    label(ax, "latent $z$", "density", f"{name}: gap {gap:.2f} nats")
axes[1].legend(loc="upper left", fontsize=7)
axes[0].set_aspect("equal")
label(axes[0], "$x_1$", "$x_2$", f"data points, σ = {np.sqrt(s2_v)}")
axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.25))
plt.show()
assert abs(gaps["between the arms"] - np.log(2)) < 0.05
assert gaps["near the upper arm"] < 0.05 and gaps["near the bend"] < 0.05

# %% [markdown]
# **What to notice.** Near the curve the posterior is a single, nearly Gaussian bump and the best
# $q$ almost closes the gap (under 0.05 nats). Between the arms the posterior has two equal bumps; a Gaussian can
# cover only one of them, and the gap stays at about $\log 2 \approx 0.69$ nats (half the
# posterior's mass is missed). The ELBO is then a looser bound, and this is the price of the
# approximation.
#
# ### One $q$ per data point, or one network for all: the encoder
#
# The best $q$ depends on $x$, because the posterior does. Fitting a separate $\mu_i, \Sigma_i$
# for each of the $I$ training points would be $I$ optimisation problems, redone whenever $\phi$
# changes. The VAE instead **amortises** inference: one network, the **encoder**
# $g[x, \theta]$, reads $x$ and outputs the parameters of its $q$,
#
# $$q(z|x, \theta) = \mathrm{Norm}_z\big[g_\mu[x, \theta],\ g_\Sigma[x, \theta]\big],$$
#
# now with $\theta$ the encoder's weights. For the linear-Gaussian model the exact posterior mean
# is itself a linear function of $x$, $(I + W^TW/\sigma^2)^{-1} W^T(x - b)/\sigma^2$, so its ideal
# encoder is a single linear layer:

# %%
show_source(vae.linear_gaussian_encode)

# %% [markdown]
# For a neural-network decoder no formula exists, so the encoder is a neural network too, trained
# jointly with the decoder by maximising the ELBO.

# %% [markdown]
# ## 10. The reparameterisation trick and one-sample estimates
#
# The VAE computes, for each training point,
#
# $$\mathrm{ELBO}[\theta, \phi] = \int q(z|x, \theta) \log\big[\Pr(x|z, \phi)\big] dz
#   - D_{KL}\big[q(z|x, \theta)\,\big\|\,\Pr(z)\big].$$
#
# The KL term is the closed form of section 8. The reconstruction term is an expectation under
# $q$, estimated with samples $z_s^* \sim q(z|x, \theta)$:
#
# $$\mathbb{E}_q\big[\log \Pr(x|z, \phi)\big] \approx \frac{1}{S}\sum_{s=1}^{S} \log \Pr(x|z_s^*, \phi)
#   \approx \log \Pr(x|z^*, \phi) \quad (S = 1).$$
#
# One sample per data point and step is the usual choice: the estimate is noisy, but unbiased,
# and the noise averages out over the mini-batch and over many steps of SGD.
#
# **The trick.** We also need the gradient with respect to $\theta$, but "draw $z^*$ from $q$"
# is not a differentiable operation: the sample would be a constant to backpropagation, and
# the reconstruction term would send no gradient to the encoder. Instead, draw the randomness
# first and make $z^*$ a deterministic function of $\mu$ and $\sigma$:
#
# $$z^* = \mu + \sigma \odot \epsilon^*, \qquad \epsilon^* \sim \mathrm{Norm}_\epsilon[0, I].$$
#
# $z^*$ has the same distribution as before, and now $\partial z^*/\partial\mu = 1$ and
# $\partial z^*/\partial\sigma = \epsilon^*$ carry gradients from the decoder back into the
# encoder.

# %%
show_source(vae.reparameterize)
show_source(vae.elbo_samples_linear_gaussian)

# %% [markdown]
# The figure uses the linear-Gaussian model of section 7 with $q = \mathrm{Norm}_z[\mu, 0.5^2]$.
# Left: 600 ELBO estimates, each the average of $S$ one-sample estimates, computed with the KL in
# closed form or with the KL sampled too ($\log \Pr(x|z^*) + \log \Pr(z^*) - \log q(z^*)$). Right:
# estimates of the gradient of the reconstruction term with respect to $\mu$, by the
# reparameterisation trick and by the **score-function** estimator
# $\log \Pr(x|z^*)\,\partial \log q(z^*)/\partial\mu$, which needs no gradient of the decoder
# (what one would use if $z^*$ could not be reparameterised). Values beyond the axes are piled
# into the edge bins, and each panel's histograms are scaled so that the tallest bar has height 1
# (at $S = 100$ the estimates are so concentrated that their density would leave any fixed axis).

# %%
W.estimator.show()

# %%
est = {(S, mu): W.compute_estimator(S, mu, True) for S in (1, 100) for mu in (-1.0, 0.0, 1.0, 3.0)}
for r in est.values():   # centred on the exact values: within 4 standard errors
    se = np.sqrt(len(r["elbos"]))
    assert abs(r["elbos"].mean() - r["exact_elbo"]) < 4 * r["elbos"].std() / se
    for g in r["grads"].values():
        assert abs(g.mean() - r["exact_grad"]) < 4 * g.std() / se
    assert r["grads"]["score"].std() > 3 * r["grads"]["reparam"].std()   # several times noisier
narrowing = [est[1, 0.0]["elbos"].std() / est[100, 0.0]["elbos"].std()] + [
    est[1, 0.0]["grads"][k].std() / est[100, 0.0]["grads"][k].std() for k in ("reparam", "score")]
sd_1 = {k: est[1, 0.0]["grads"][k].std() for k in ("reparam", "score")}
print("S = 1 -> 100: spreads narrower by", np.round(narrowing, 1), "; gradient std at S = 1, mu = 0:",
      f"reparameterised {sd_1['reparam']:.1f}, score function {sd_1['score']:.1f}")
assert all(8 < n < 12 for n in narrowing) and 1 < sd_1["reparam"] < 2 and 10 < sd_1["score"] < 14
at_posterior = W.compute_estimator(1, 1.0, False)
assert np.abs(at_posterior["elbos"] - at_posterior["log_px"]).max() < 1e-9

# %% [markdown]
# **What to notice.** Both panels are centred on the exact values whatever $S$: the estimators
# are unbiased. Their spread shrinks like $1/\sqrt{S}$ (from $S = 1$ to $S = 100$, about ten
# times narrower). The reparameterised gradient is several times less noisy than the score-function
# one at every $S$ (a standard deviation of about 1.5 against about 12 at $S = 1$, $\mu = 0$),
# which is why VAEs train with the trick. Finally, set $\mu = 1$ (the posterior) and untick the closed-form KL: every estimate
# equals $\log \Pr(x)$ exactly, with zero variance, because $\Pr(x, z)/q(z) = \Pr(x)$ no longer
# depends on $z$.

# %% [markdown]
# ## 11. A variational autoencoder for handwritten digits
#
# All the pieces, trained in PyTorch on scikit-learn's bundled 8x8 digits ($D_x = 64$, pixel
# values in $[0, 1]$), with a two-dimensional latent space so we can look at it:
#
# * encoder $g[x, \theta]$: $64 \to 128 \to 128 \to 2 D_z$ (ReLU), giving $\mu$ and
#   $\log \sigma^2$ (a log, so that $\sigma^2 > 0$ for any network output);
# * reparameterisation: $z^* = \mu + \sigma \odot \epsilon^*$;
# * decoder $f[z, \phi]$: $D_z \to 128 \to 128 \to 64$ (ReLU), then a sigmoid so the pixel means
#   lie in $[0, 1]$; $\Pr(x|z, \phi) = \mathrm{Norm}_x[f[z, \phi], \sigma^2 I]$ with fixed
#   $\sigma^2 = 0.03$;
# * loss: the negative one-sample ELBO, averaged over a mini-batch,
#
# $$-\mathrm{ELBO} = \underbrace{\frac{1}{2\sigma^2}\big\|x - f[z^*, \phi]\big\|^2
#   + \frac{D_x}{2}\log[2\pi\sigma^2]}_{-\log \Pr(x|z^*, \phi)}
#   + \underbrace{\frac{1}{2}\sum_d\big(\sigma_d^2 + \mu_d^2 - 1 - \log\sigma_d^2\big)}_{D_{KL}[q(z|x,\theta)\,\|\,\Pr(z)]}.$$

# %%
from dlcore import vae_torch as VT

show_source(VT.negative_elbo)

# %%
torch.manual_seed(0)
torch.set_num_threads(1)   # small model: one thread is fastest

data = digits()
x_all = data["x"].reshape(len(data["y"]), 64)   # (1797, 64): PyTorch keeps images as rows
y_all = data["y"]
order = np.random.default_rng(1).permutation(len(y_all))
train_idx, test_idx = order[:1500], order[1500:]
cfg = VT.VAEConfig()       # D_z=2, D_h=128, sigma2=0.03, 60 epochs, batch 64, Adam lr 3e-3
model = VT.VAE(cfg)
print(cfg, f"{sum(p.numel() for p in model.parameters()):,} parameters")
history = VT.train(model, x_all[train_idx], seed=0)

# %%
fig, ax = new_figure(figsize=(7, 3.0))
ax.plot(history["loss"], color=PALETTE["black"], label="-ELBO")
ax.plot(history["recon"], color=PALETTE["blue"], label=r"$-\log$ Pr$(x|z^*, \phi)$ (reconstruction)")
ax.plot(history["kl"], color=PALETTE["orange"], label=r"$D_{KL}[q(z|x, \theta) \| $Pr$(z)]$")
label(ax, "epoch", "nats per image", "training the VAE (means over each epoch)")
ax.legend(loc="upper right")
plt.show()
assert history["recon"][-1] < history["recon"][0] - 30 and history["kl"][-1] > history["kl"][0] + 2
assert history["loss"][-1] < 0

# %% [markdown]
# **What to notice.** The reconstruction term falls fast while the KL term *rises*: to
# reconstruct well, the encoder must give different digits different, fairly precise codes,
# and that moves $q$ away from the prior. The loss settles where the two pull against each
# other. The loss is negative because a Gaussian density with $\sigma^2 = 0.03$ exceeds 1 near
# its mean: for continuous data, log densities can be positive.
#
# ### Reconstructions, samples and the latent space
#
# Reconstruction: encode a test digit, take the mean $\mu$ of $q(z|x, \theta)$, decode
# $f[\mu, \phi]$. Generation: ancestral sampling, $z^* \sim \mathrm{Norm}_z[0, I]$ then
# $f[z^*, \phi]$ (we show the means, without the pixel noise). The decoded grid shows
# $f[z, \phi]$ for $z$ on a regular grid over $[-2.5, 2.5]^2$.

# %%
mu_test, sigma_test = VT.encode(model, x_all[test_idx])           # (2, 297) each: q(z|x, theta)
recon = VT.decode(model, mu_test[:, :12])                         # (64, 12) f[mu, phi]
z_prior = np.random.default_rng(2).standard_normal((2, 24))       # z* ~ Pr(z)
samples = VT.decode(model, z_prior)                               # (64, 24)
g1, g2 = np.meshgrid(np.linspace(-2.5, 2.5, 10), np.linspace(2.5, -2.5, 10))
grid_images = VT.decode(model, np.stack([g1.ravel(), g2.ravel()]))  # (64, 100)

fig, axes = new_figure(1, 3, figsize=(12, 4.4), width_ratios=[1, 1, 1.25])
fig.get_layout_engine().set(wspace=0.12)   # a visible gap between the three panels
both = np.concatenate([x_all[test_idx[:12]], recon.T]).reshape(24, 8, 8)
plot_digits(axes[0], both, 6, "12 test digits (above the line)\nand their reconstructions f[μ, φ]")
axes[0].axhline(17, color=PALETTE["vermillion"], linewidth=1.5)
plot_digits(axes[1], samples.T.reshape(24, 8, 8), 6, "24 samples f[z*, φ]\nwith z* ~ Norm(0, I)")
plot_digits(axes[2], grid_images.T.reshape(100, 8, 8), 10,
            "f[z, φ] on a grid over [-2.5, 2.5]²\n(z₁ to the right, z₂ upwards)")
plt.show()

# %% [markdown]
# Do the reconstructions keep the digit's identity? A judge that never saw the VAE: a
# logistic-regression classifier (scikit-learn) fitted to the 1500 real training digits. It
# labels the real test digits and their reconstructions $f[\mu, \phi]$, and the samples:

# %%
from sklearn.linear_model import LogisticRegression

judge = LogisticRegression(max_iter=2000).fit(x_all[train_idx], y_all[train_idx])
recon_all = VT.decode(model, mu_test).T                           # (297, 64) every test digit
acc_real = judge.score(x_all[test_idx], y_all[test_idx])
acc_recon = judge.score(recon_all, y_all[test_idx])
sure = judge.predict_proba(samples.T).max(axis=1) > 0.5           # (24,) a confident label
print(f"test digits labelled correctly: real {acc_real:.0%}, reconstructed {acc_recon:.0%}")
print("the 12 shown: digit             ", y_all[test_idx[:12]])
print("              its reconstruction", judge.predict(recon_all[:12]))
print(f"samples with a confident label (probability > 0.5): {sure.sum()} of {sure.size}")
assert acc_real > 0.93 and 0.75 < acc_recon < acc_real and sure.mean() > 0.6

# %%
mu_all, _ = VT.encode(model, x_all)
fig, ax = new_figure(figsize=(7.5, 6.2))
th = np.linspace(0, 2 * np.pi, 100)
(circle,) = ax.plot(2 * np.cos(th), 2 * np.sin(th), ":", color=PALETTE["black"],
                    label="prior Pr(z),\n2 std")
ellipses = plot_q_ellipses(ax, mu_test[:, :40], sigma_test[:, :40], k=2.0, alpha=0.6,
                           label="q(z|x, θ),\n2 std")
plot_latent(ax, mu_all, y_all, s=5, extra=[circle, ellipses])
ax.set_title("latent means μ of all 1797 digits\nellipses: q(z|x, θ) (2 std) of 40 test digits")
ax.set_aspect("equal")
plt.show()
inside = np.mean(np.linalg.norm(mu_all, axis=0) < 2)             # within the dotted circle
centres = np.stack([mu_all[:, train_idx][:, y_all[train_idx] == k].mean(1) for k in range(10)], 1)
nearest = np.argmin(((mu_test[:, :, None] - centres[:, None, :]) ** 2).sum(0), axis=1)
own_cloud = np.mean(nearest == y_all[test_idx])                  # nearest class centre = own class
print(f"codes inside the circle: {inside:.0%}; test codes nearest their own class's centre: "
      f"{own_cloud:.0%}; largest std of q over the 40 ellipses: {sigma_test[:, :40].max():.2f}")
assert inside > 0.5 and own_cloud > 0.6 and sigma_test[:, :40].max() < 0.5

# %% [markdown]
# **What to notice.** Most reconstructions keep their digit's identity and rough shape, but not
# all: the judge names the right digit for most reconstructions (over 75%: the share is
# printed above), against more than 93% of the real digits, and the two rows of labels above show which of
# the 12 drawn turned into another digit. All are blurrier than the originals: two latent
# numbers cannot store 64 pixels, and the Gaussian likelihood favours the average of plausible
# images. Most samples from the prior get a confident label (they look like digits); the
# judge's unsure ones tend to be blends of two classes. The decoded grid shows the decoder's map: neighbouring codes
# give similar images, and the classes occupy regions that blend into each other. In the latent
# space each class forms its own cloud, with no labels used in training (most test codes, over
# 60%, lie nearest the centre of their own class's cloud), and the whole set roughly fills the
# prior's disc (the KL term pulls it there): over half of the codes lie inside its 2-std circle.
# Each ellipse is one digit's $q(z|x, \theta)$: much smaller than the prior (every standard
# deviation below 0.5), so the code says a lot about the digit, but not a point.
#
# ### Walking through the latent space
#
# Decoding points on the straight line $z_t = (1 - t)\,z_a + t\,z_b$ between the codes of two
# digits shows how the decoder fills the space between them. The figure decodes with a NumPy copy
# of the trained decoder's weights (`vae.decoder_mean`), so each slider move is a few small matrix
# products; it matches PyTorch:

# %%
betas_dec, omegas_dec = VT.decoder_params(model)   # NumPy copies of the decoder's layers
same = np.allclose(vae.decoder_mean(mu_test, betas_dec, omegas_dec), VT.decode(model, mu_test),
                   rtol=0, atol=1e-5)                # PyTorch computes in float32
print("NumPy and PyTorch decoders agree to 1e-5 on the test codes:", same)
assert same
source = W.interpolation_source(mu_all, y_all, betas_dec, omegas_dec, "sigmoid", "VAE")
W.interpolation_figure(source, name="ch11.interpolate_vae").show()

# %% [markdown]
# For comparison, the same walk for the best **linear** latent model with $D_z = 2$: the
# linear-Gaussian model fitted by maximum likelihood (probabilistic PCA, `vae.ppca_fit`), with its
# exact posterior means as codes and $f[z, \phi] = Wz + b$ as decoder.

# %%
W.interpolate.show()

# %%
ppca = W.ppca_source()                                 # the linear model's codes and decoder
ts = np.linspace(0, 1, 9)


def path_images(src):
    """The 9 images along each of the figure's 5 paths: (45, 64)."""
    zs = [vae.latent_path(src["ends"][a], src["ends"][b], ts) for a, b in W.PAIRS]
    return vae.decoder_mean(np.concatenate(zs, axis=1), src["betas"], src["omegas"],
                            src["output"]).T


def own_cloud_share(codes):
    """Test codes nearest the centre of their own class's training codes."""
    centres = np.stack([codes[:, train_idx][:, y_all[train_idx] == k].mean(1) for k in range(10)], 1)
    dist = ((codes[:, test_idx, None] - centres[:, None, :]) ** 2).sum(0)
    return np.mean(np.argmin(dist, axis=1) == y_all[test_idx])


sure_path = {name: np.mean(judge.predict_proba(path_images(src)).max(1) > 0.5)
             for name, src in (("VAE", source), ("linear", ppca))}
cloud = {"VAE": own_cloud_share(mu_all), "linear": own_cloud_share(ppca["z"])}
print("images along the paths with a confident label:", {k: f"{v:.0%}" for k, v in sure_path.items()})
print("test codes nearest their own class's centre:  ", {k: f"{v:.0%}" for k, v in cloud.items()})
assert sure_path["VAE"] > 0.6 and sure_path["VAE"] > sure_path["linear"] + 0.2
assert cloud["VAE"] > cloud["linear"] + 0.1

# %% [markdown]
# **What to notice.** Along the VAE's path the image changes gradually and most intermediate
# images still look like digits (the judge gives a confident label to over 60% of the images on
# the five paths), because the straight line crosses the regions of other classes on its way
# (compare the images with the colours under the path). The linear model can only add a
# straight-line mix of two fixed images to the mean digit, so its codes overlap more (fewer test
# codes lie nearest their own class's centre) and its images are blurred superpositions that
# the judge is confident about far less often. The nonlinear decoder is what lets two latent
# numbers describe digits this well.

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your answer, a check cell (correct / not yet, with the reason /
# not attempted), a hint, and a solution hidden in a collapsed cell.
#
# ### Exercise 1
# The inequality of section 5, on two numbers.

# %%
EX.jensen_gap.show()

# %%
answer_1 = None  # your answer: a number
EX.jensen_gap.check(answer_1)

# %%
EX.jensen_gap.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.jensen_gap)


# %% [markdown]
# ### Exercise 2
# The KL term of section 8, computed from what the encoder of section 9 outputs.

# %%
EX.kl_from_encoder.show()


# %%
def kl(mu, log_sigma2):
    return None  # your code here


EX.kl_from_encoder.check(kl)

# %%
EX.kl_from_encoder.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.kl_from_encoder)

# %% [markdown]
# ### Exercise 3
# The gap that the tightness figure of section 7 shows, by hand.

# %%
EX.elbo_gap.show()

# %%
answer_3 = None  # your answer: a number
EX.elbo_gap.check(answer_3)

# %%
EX.elbo_gap.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.elbo_gap)

# %% [markdown]
# ### Exercise 4
# The gradient that the reparameterisation trick of section 10 lets through, on the same model.

# %%
EX.reparam_grad.show()

# %%
answer_4 = None  # your answer: a number
EX.reparam_grad.check(answer_4)

# %%
EX.reparam_grad.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.reparam_grad)

# %% [markdown]
# ### Exercise 5
# How much averaging helps the one-sample estimates of section 10.

# %%
EX.mc_average.show()

# %%
answer_5 = None  # your answer: a number
EX.mc_average.check(answer_5)

# %%
EX.mc_average.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.mc_average)

# %% [markdown]
# ### Exercise 6
# The stable average of section 4's importance sampling, on its own.

# %%
EX.stable_log_mean_exp.show()


# %%
def log_mean_exp(a):
    return None  # your code here


EX.stable_log_mean_exp.check(log_mean_exp)

# %%
EX.stable_log_mean_exp.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.stable_log_mean_exp)

# %% [markdown]
# ### Exercise 7
# Importance sampling for the linear-Gaussian model, with a Gaussian $q$ given by its mean and
# standard deviations.

# %%
EX.importance_sampling.show()


# %%
def importance_log_px(x, W, b, sigma2, mu_q, sigma_q, eps):
    return None  # your code here


EX.importance_sampling.check(importance_log_px)

# %%
EX.importance_sampling.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.importance_sampling)

# %% [markdown]
# ### Exercise 8
# The quantity a VAE maximises (section 10), for the same model and the same kind of samples.
# Averaged over the draws of `eps` it is below exercise 7's estimate (Jensen's inequality again:
# the mean of logs against the log of a mean).

# %%
EX.reparam_elbo.show()


# %%
def elbo_reparam(x, W, b, sigma2, mu_q, sigma_q, eps):
    return None  # your code here


EX.reparam_elbo.check(elbo_reparam)

# %%
EX.reparam_elbo.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.reparam_elbo)

# %% [markdown]
# ### Exercise 9
# The sample the decoder receives (section 10), from the same encoder outputs as exercise 2.

# %%
EX.reparam_sample.show()


# %%
def sample_z(mu, log_sigma2, eps):
    return None  # your code here


EX.reparam_sample.check(sample_z)

# %%
EX.reparam_sample.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.reparam_sample)

# %% [markdown]
# ## Summary
#
# * A latent variable model builds $\Pr(x) = \int \Pr(x|z)\Pr(z)\,dz$ from a simple prior
#   $\Pr(z) = \mathrm{Norm}_z[0, I]$ and likelihood $\Pr(x|z, \phi) =
#   \mathrm{Norm}_x[f[z, \phi], \sigma^2 I]$: an infinite weighted sum of spherical Gaussians
#   centred on the surface $f[z, \phi]$. Ancestral sampling ($z^* \sim \Pr(z)$, then
#   $x^* \sim \Pr(x|z^*, \phi)$) draws from it cheaply.
# * For a network $f$ the likelihood has no closed form, and grids or prior sampling fail in
#   more than a few dimensions. Importance sampling, $\Pr(x) \approx \frac{1}{S}\sum_s
#   \Pr(x, z_s)/q(z_s)$ with $z_s \sim q$ (averaged stably in the log domain), is exact when
#   $q$ is the posterior and needs few samples when $q$ is close to it.
# * Jensen's inequality ($\log \mathbb{E}[y] \geq \mathbb{E}[\log y]$) gives, for any $q$,
#   $\log \Pr(x|\phi) \geq \mathrm{ELBO}[\theta, \phi] = \int q(z|\theta)
#   \log[\Pr(x, z|\phi)/q(z|\theta)]\,dz$.
# * $\mathrm{ELBO} = \log \Pr(x|\phi) - D_{KL}[q(z|\theta)\,\|\,\Pr(z|x, \phi)]$: tight when $q$ is
#   the posterior. Equivalently $\mathrm{ELBO} = \mathbb{E}_q[\log \Pr(x|z, \phi)] -
#   D_{KL}[q(z|\theta)\,\|\,\Pr(z)]$, with the Gaussian KL
#   $\frac{1}{2}(\mathrm{Tr}[\Sigma] + \mu^T\mu - D_z - \log\det[\Sigma])$.
# * The VAE: an encoder $g[x, \theta]$ gives $q(z|x, \theta) = \mathrm{Norm}_z[\mu, \Sigma]$ for
#   every $x$ (amortised inference), $z^* = \mu + \sigma \odot \epsilon^*$ (the reparameterisation
#   trick) keeps the sample differentiable, a decoder $f[z^*, \phi]$ reconstructs, and SGD
#   maximises the one-sample ELBO $\log \Pr(x|z^*, \phi) - D_{KL}[q(z|x, \theta)\,\|\,\Pr(z)]$
#   over $\theta$ and $\phi$ together.
#
# **Where this leads.** The same bound drives hierarchical VAEs and, with many small noise steps
# in place of one latent, diffusion models. Chapter 10's transformers model $\Pr(x)$ exactly, as
# a product of next-token probabilities; the VAE instead models it through a latent space that
# can be explored, interpolated and sampled in one step.
