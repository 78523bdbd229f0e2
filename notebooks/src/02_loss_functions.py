# %% [markdown]
# # 02 · Loss functions: where they come from
#
# Chapter 01 built functions $f[x, \phi]$. To train one we need a single number that says how
# badly it fits the data, the **loss** $L[\phi]$. This chapter derives the usual losses from one
# idea, maximum likelihood, instead of listing them. After it you can
#
# * explain the difference between a model that predicts a value and one that predicts a
#   *distribution*, and draw the second as a mean with an uncertainty band;
# * write the negative log-likelihood (NLL) of a data set and say why we take the log;
# * apply the four-step recipe to get least squares (normal noise), binary cross-entropy
#   (Bernoulli) and multiclass cross-entropy (categorical), and fit the noise level too;
# * fit a heteroscedastic model whose uncertainty changes with $x$;
# * compute softmax, log-sum-exp and the losses stably, and relate cross-entropy, KL divergence
#   and entropy.
#
# **Prerequisites:** chapter 01 (shallow networks), logarithms, the normal distribution.
# One fit below (section 5) uses Adam, a form of gradient descent that chapter 03 explains; here
# only the loss it minimises matters.
#
# **How to use it:** run all cells from the top, move the sliders, and try the exercises at the
# end. Every figure is drawn from the code in `dlcore.losses`.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import losses
from dlcore.plots import new_figure, label, PALETTE
from dlcore.plots.losses import (plot_data, plot_mean_band, plot_underflow, plot_loss_curve,
                                 plot_distributions)
from dlcore.widgets import losses as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(2)       # this chapter's exercises, by name: EX.<name> (run EX to list them)

# %% [markdown]
# ## 1. Deterministic versus probabilistic models
#
# A **deterministic** model returns one prediction per input, $\hat y = f[x, \phi]$. It says
# nothing about how sure it is: a point in a dense, clean part of the data and a point in a noisy
# part get the same kind of answer.
#
# A **probabilistic** model returns a *distribution* over the output. The network does not output
# $y$; it outputs the parameters $\theta$ of a distribution $Pr(y \mid \theta)$:
#
# $$\theta = f[x, \phi], \qquad y \sim Pr(y \mid f[x, \phi]).$$
#
# For a real-valued $y$ the natural choice is a normal distribution, whose parameters are a mean
# $\mu$ and a variance $\sigma^2$. Then the model's answer at $x$ is "most likely $\mu$, and
# within $\mu \pm 2\sigma$ about 95 % of the time".
#
# Below, both kinds of model are fitted to the same 60 noisy points. The mean comes from a
# shallow network with 10 ReLU units whose joints are fixed (spread evenly, as in chapter 01), so
# only the output weights $\phi$ are learned; section 4 explains why the best mean is the
# least-squares fit and how $\sigma$ is found.

# %%
x, y, mu_true, sigma_true = losses.toy_regression(60, rng, "homoscedastic")
x_grid = np.linspace(0, 3, 200)

phi, sigma_hat = losses.fit_homoscedastic(x, y, D=10)  # phi (11,), sigma a number
mu_grid = phi @ losses.relu_features(x_grid, 10)      # theta = f[x, phi]: the mean at each x

fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.2), sharey=True)
plot_data(ax1, x, y)
ax1.plot(x_grid, mu_grid, color=PALETTE["blue"], linewidth=2, label=r"$\hat y = f[x, \phi]$")
label(ax1, "$x$", "$y$", "deterministic: one value per $x$")
ax1.legend(loc="upper left")
plot_data(ax2, x, y)
plot_mean_band(ax2, x_grid, mu_grid, sigma_hat)
label(ax2, "$x$", None, r"probabilistic: $Pr(y|x) = Norm_y[\mu, \sigma^2]$")
ax2.legend(loc="upper left")
plt.show()

# %% [markdown]
# **What to notice**
# * The blue line is the same in both panels: the probabilistic model *contains* the
#   deterministic prediction as the mean of its distribution.
# * The band says how far from the line the data are expected to fall. A deterministic model
#   cannot say this, which is why it is prone to being confidently wrong.
# * About 95 % of the points lie inside $\mu \pm 2\sigma$; count the ones outside.

# %%
# NBVAL_CHECK_OUTPUT
inside = np.abs(y - phi @ losses.relu_features(x, 10)) < 2 * sigma_hat
print(f"sigma_hat = {sigma_hat:.3f}; {inside.mean():.0%} of the points lie inside mu +- 2 sigma")
assert abs(inside.mean() - 0.95) < 0.05  # about 95 %

# %% [markdown]
# ## 2. Maximum likelihood, and why we take the log
#
# A good model gives the observed outputs **high probability**. If the pairs $\{x_i, y_i\}$ are
# independent, the probability of all of them is a product, the *likelihood*, and we choose the
# parameters that maximise it:
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmax}} \left[\prod_{i=1}^{I} Pr(y_i \mid f[x_i, \phi])\right].$$
#
# The log is increasing, so it does not move the maximum; it turns the product into a sum, and
# a minus sign turns the maximum into a minimum. This is the **negative log-likelihood**:
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmin}} \left[-\sum_{i=1}^{I} \log Pr(y_i \mid f[x_i, \phi])\right] = \underset{\phi}{\operatorname{argmin}}\, L[\phi].$$
#
# The log is not just convenient. Each factor of the product is a density value, often below 1,
# so the product shrinks geometrically as $I$ grows. Float64 cannot hold a positive number below
# about $5 \times 10^{-324}$: beyond that the product is **exactly 0.0**, for every $\phi$, and
# there is nothing left to maximise. The sum of logs just keeps growing in size.

# %%
# NBVAL_CHECK_OUTPUT
big_y = 1.0 + 0.5 * rng.standard_normal(2000)  # 2000 draws from Norm[1, 0.5^2]
sizes = [10, 100, 300, 500, 800, 1000, 2000]
for I in sizes:
    prod = losses.likelihood_product(big_y[:I], 1.0, 0.5)     # prod_i Norm_{y_i}[mu, sigma^2]
    logsum = losses.log_likelihood_sum(big_y[:I], 1.0, 0.5)   # sum_i log Norm_{y_i}[mu, sigma^2]
    mantissa, exponent = f"{prod:.2e}".split("e")             # 2.52e-32 printed as 2.52 x 10^-32
    shown = "0.0 exactly" if prod == 0 else f"{mantissa} x 10^{int(exponent)}"
    print(f"I = {I:5d}   product = {shown:>17s}   sum of logs = {logsum:9.2f}")

# %%
I_values = np.arange(20, 2001, 20)
products = [losses.likelihood_product(big_y[:I], 1.0, 0.5) for I in I_values]
log_sums = [losses.log_likelihood_sum(big_y[:I], 1.0, 0.5) for I in I_values]
fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.2))
plot_underflow(ax1, ax2, I_values, products, log_sums)
plt.show()
zero = np.array(products) == 0.0
assert zero[I_values >= 1060].all() and not zero[I_values < 1060].any()  # 0.0 from I = 1060 on

# %% [markdown]
# **What to notice**
# * The product falls by roughly a constant factor per point and becomes exactly 0.0 (red
#   crosses) after about a thousand points (here from $I = 1060$), for *any* parameters: every
#   model then looks equally bad.
# * The sum of logs falls in a straight line and stays an ordinary number at any size.
#
# **The argmin of the NLL.** Take the simplest model, a normal distribution with the same mean
# $\mu$ for every point (no $x$ at all). Scanning $\mu$ shows where the NLL is smallest; the
# product (for a small data set, where it has not underflowed) peaks at the same place.

# %%
# NBVAL_CHECK_OUTPUT
small_y = big_y[:8]
mu_scan = np.linspace(0.0, 2.0, 401)
nll_scan = np.array([losses.gaussian_nll(small_y, m, 0.5) for m in mu_scan])
lik_scan = np.array([losses.likelihood_product(small_y, m, 0.5) for m in mu_scan])
print(f"argmin NLL        : mu = {mu_scan[np.argmin(nll_scan)]:.3f}")
print(f"argmax likelihood : mu = {mu_scan[np.argmax(lik_scan)]:.3f}")
print(f"mean of the data  : {small_y.mean():.3f}   (the closed form: d L / d mu = 0)")
assert np.argmin(nll_scan) == np.argmax(lik_scan)                   # the same best mu
assert abs(mu_scan[np.argmin(nll_scan)] - small_y.mean()) <= 0.005  # = the mean, to the grid step
assert 0.005 < lik_scan.max() < 0.02                                 # the bump's height: about 0.01

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.0))
ax1.plot(mu_scan, lik_scan, color=PALETTE["green"], linewidth=2)
ax1.axvline(small_y.mean(), color=PALETTE["vermillion"], linestyle="--", label="mean of the $y_i$")
label(ax1, r"$\mu$", "likelihood (product)", "likelihood (8 points): maximise")
ax1.legend(loc="upper right")
plot_loss_curve(ax2, mu_scan, nll_scan, best=small_y.mean(), name=r"$L[\mu]$")
label(ax2, r"$\mu$", r"NLL $L[\mu]$", "negative log-likelihood: minimise")
plt.show()

# %% [markdown]
# **What to notice**
# * The likelihood is a narrow bump with tiny values (about 0.01 for only eight points); the NLL
#   is a smooth bowl. Same best $\mu$, but the bowl is what an optimiser can work with.
# * For a normal model with fixed $\sigma$, the best constant mean is the average of the data.

# %% [markdown]
# ## 3. The recipe for a loss function
#
# Every loss in this chapter comes out of the same four steps:
#
# 1. **Choose a distribution** $Pr(y \mid \theta)$ over the output domain (a normal for real
#    numbers, a Bernoulli for $\{0, 1\}$, a categorical for $\{1, \dots, K\}$).
# 2. **Let the network predict its parameters**, $\theta = f[x, \phi]$ (perhaps through a function
#    that keeps them valid, such as a sigmoid for a probability).
# 3. **Train** by minimising the NLL: $\hat\phi = \operatorname{argmin}_\phi
#    \left[-\sum_i \log Pr(y_i \mid f[x_i, \phi])\right]$.
# 4. **Infer**: for a new $x$ return the whole distribution $Pr(y \mid f[x, \hat\phi])$, or its
#    most likely value $\hat y = \operatorname{argmax}_y Pr(y \mid f[x, \hat\phi])$.
#
# | output | step 1: $Pr(y \mid \theta)$ | step 2: $\theta = $ | step 3: loss | step 4: $\hat y$ |
# |---|---|---|---|---|
# | $y \in \mathbb{R}$ | normal, $\theta = (\mu, \sigma^2)$ | $\mu = f[x, \phi]$ | least squares | $\mu$ |
# | $y \in \{0, 1\}$ | Bernoulli, $\theta = \lambda$ | $\lambda = sig[f[x, \phi]]$ | binary cross-entropy | $1$ if $\lambda > 0.5$ |
# | $y \in \{1..K\}$ | categorical, $\theta = \lambda_{1..K}$ | $\lambda = softmax[f[x, \phi]]$ | cross-entropy | $\operatorname{argmax}_k \lambda_k$ |
#
# Step 4 for the model of section 1: at three new inputs, the full predicted distribution
# $Pr(y \mid f[x, \hat\phi])$ drawn sideways, and its peak, which is the prediction $\hat y = \mu$.

# %%
x_new = np.array([0.5, 1.5, 2.5])
mu_new = phi @ losses.relu_features(x_new, 10)          # step 2: the parameters at x_new
y_axis = np.linspace(-1.5, 3.0, 200)

fig, ax = new_figure(figsize=(8, 3.2))
plot_data(ax, x, y, alpha=0.3)
ax.plot(x_grid, mu_grid, color=PALETTE["blue"], linewidth=1.5, label=r"$\mu = f[x, \hat\phi]$")
for xn, mn in zip(x_new, mu_new, strict=True):
    density = losses.normal_pdf(y_axis, mn, sigma_hat)  # step 4: Pr(y | f[x_new, phi])
    ax.fill_betweenx(y_axis, xn, xn + 0.25 * density, color=PALETTE["orange"], alpha=0.5)
    ax.plot([xn], [mn], "o", color=PALETTE["vermillion"])
ax.plot([], [], "o", color=PALETTE["vermillion"], label=r"$\hat y = \mathrm{argmax}_y\, Pr(y|x)$")
label(ax, "$x$", "$y$", "step 4: a distribution for each new $x$, and its most likely value")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# **What to notice**
# * The model's answer at a new $x$ is a whole curve (orange), not a number. Its peak is at the
#   mean, so for a normal model the point prediction is just $\mu = f[x, \hat\phi]$.
# * With one $\sigma$ for all $x$, every orange curve has the same width. Section 5 removes that
#   restriction.

# %% [markdown]
# ## 4. Univariate regression: the normal NLL is least squares
#
# Step 1: a normal distribution, $Pr(y \mid \mu, \sigma^2) = \frac{1}{\sqrt{2\pi\sigma^2}}
# \exp\left[-\frac{(y - \mu)^2}{2\sigma^2}\right]$. (The notes write this density, in their steps
# 1 and 2, without the minus sign in the exponent; without it the "density" would grow without
# bound away from $\mu$. Their loss in step 3 has the sign.) Step 2: the network predicts the mean,
# $\mu = f[x, \phi]$, and $\sigma$ is one number for all $x$. Step 3, the loss:
#
# $$L[\phi] = -\sum_{i=1}^{I} \log\left[\frac{1}{\sqrt{2\pi\sigma^2}} \exp\left[-\frac{(y_i - f[x_i, \phi])^2}{2\sigma^2}\right]\right] = \frac{I}{2}\log(2\pi\sigma^2) + \frac{1}{2\sigma^2}\sum_{i=1}^{I}(y_i - f[x_i, \phi])^2 .$$
#
# The first term does not involve $\phi$ and the second is the sum of squares times a positive
# constant. So for **any fixed $\sigma$**
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmin}} \sum_{i=1}^{I} (y_i - f[x_i, \phi])^2,$$
#
# the **least-squares** loss. Here is the code of the NLL; the last line is the equation above,
# term by term. The line above the `def` is its contract, checked before the body runs: `y`
# holds one value per data point, $(I,)$ or $(D_o, I)$, and `mu` and `sigma` the same or one
# number for every point (`"| I | D_o I"` lists the shapes allowed; the empty one before the
# first `|` is a single number):

# %%
show_source(losses.gaussian_nll)

# %%
# NBVAL_CHECK_OUTPUT
f_fit = phi @ losses.relu_features(x, 10)   # the network's means at the training inputs
for s in (0.1, 0.25, 1.0):
    nll = losses.gaussian_nll(y, f_fit, s)
    ls = losses.least_squares(y, f_fit)
    by_hand = len(y) / 2 * np.log(2 * np.pi * s**2) + ls / (2 * s**2)
    print(f"sigma = {s:4}:  NLL = {nll:9.3f}   I/2 log(2 pi s^2) + LS / (2 s^2) = {by_hand:9.3f}")
    assert np.isclose(nll, by_hand, rtol=1e-12, atol=1e-12)

# %% [markdown]
# The figure fits a straight line $f[x, \phi] = \phi_0 + \phi_1 x$ to 20 points. The right panel
# shows the NLL as a function of the slope $\phi_1$ (for each slope, the offset $\phi_0$ is set
# to its best value), shifted so that its minimum is at 0. Move $\sigma$ and watch the argmin
# (red dashed); move $\phi_1$ to try other lines.

# %%
W.gaussian_sigma.show()

# %% [markdown]
# **What to notice**
# * The red dashed line (the argmin over $\phi_1$) never moves, whatever $\sigma$: it always
#   sits on the grey least-squares slope. $\sigma$ only rescales the loss by $1/\sigma^2$ (and
#   shifts it).
# * Small $\sigma$ makes a steep, narrow bowl: being a little off costs a lot, because the model
#   claims to be precise. Large $\sigma$ makes it flat: any line is nearly as plausible.
# * The band on the left is $\pm 2\sigma$; only one value of $\sigma$ makes it match the scatter
#   of the data. That value can be learned too.
#
# **Fitting $\sigma$ too.** The NLL does depend on $\sigma$, so we can minimise over both:
# $\hat\phi, \hat\sigma = \operatorname{argmin}_{\phi, \sigma} L[\phi, \sigma]$. With $\phi$ at the
# least-squares fit, setting $\partial L / \partial \sigma = I/\sigma - \sum_i r_i^2 / \sigma^3 = 0$
# (where $r_i = y_i - f[x_i, \hat\phi]$) gives
#
# $$\hat\sigma^2 = \frac{1}{I}\sum_{i=1}^{I} r_i^2 .$$

# %%
show_source(losses.sigma_mle)

# %%
sigma_scan = np.geomspace(0.05, 2.0, 300)
nll_sigma = [losses.gaussian_nll(y, f_fit, s) for s in sigma_scan]
fig, ax = new_figure(figsize=(7, 3.0))
plot_loss_curve(ax, sigma_scan, nll_sigma, best=losses.sigma_mle(y, f_fit),
                name=r"$L[\hat\phi, \sigma]$")
ax.set_xscale("log")
ax.set_ylim(min(nll_sigma) - 10, min(nll_sigma) + 200)
label(ax, r"$\sigma$", "NLL", rf"the NLL over $\sigma$: minimum at $\hat\sigma$ = {sigma_hat:.3f}")
plt.show()
assert np.isclose(losses.sigma_mle(y, f_fit), sigma_hat)                # the RMS residual
assert abs(np.log(sigma_scan[np.argmin(nll_sigma)] / sigma_hat)) < 0.02  # is the scan's minimum
assert abs(sigma_hat - 0.25) < 0.03                                      # close to the true 0.25

# %% [markdown]
# **What to notice**
# * Too small a $\sigma$ is punished hard (the squared residuals are divided by $\sigma^2$); too
#   large a $\sigma$ is punished gently, through $\log \sigma$. The minimum is the RMS residual.
# * The true noise level of this data is 0.25; $\hat\sigma$ is close to it.

# %% [markdown]
# ## 5. Homoscedastic versus heteroscedastic regression
#
# So far one $\sigma$ served every $x$ (**homoscedastic**). Often the noise depends on the input:
# below, the data get noisier as $x$ grows. A **heteroscedastic** model predicts both parameters
# from $x$, with a network of two outputs. The second output is a standard deviation, which must
# be positive, so it is squared:
#
# $$\mu = f_1[x, \phi], \qquad \sigma^2 = f_2[x, \phi]^2,$$
#
# $$L[\phi] = -\sum_{i=1}^{I} \left[\log\frac{1}{\sqrt{2\pi f_2[x_i, \phi]^2}} - \frac{(y_i - f_1[x_i, \phi])^2}{2 f_2[x_i, \phi]^2}\right].$$
#
# Both outputs depend on the same parameters $\phi$. Now $\sigma$ varies from point to point, so
# the least-squares shortcut no longer applies and we minimise the NLL numerically. Here the
# network is again a shallow net with 10 fixed ReLU features; its output layer
# $\phi$ has shape (2, 11), one row per output. This code is the loss and its gradient:

# %%
show_source(losses.heteroscedastic_loss_grad)

# %% [markdown]
# We start from the homoscedastic fit and take 3000 steps of Adam (chapter 03) on this loss.

# %%
xh, yh, mu_h, sigma_h = losses.toy_regression(200, rng, "heteroscedastic")
h_grid = losses.relu_features(x_grid, 10)              # (11, 200) hidden layer on the grid

phi_homo, sigma_homo = losses.fit_homoscedastic(xh, yh, D=10)
phi_het, history = losses.fit_heteroscedastic(xh, yh, D=10, steps=3000, alpha=0.01)
f1, f2 = phi_het @ h_grid                              # the two outputs on the grid

nll_homo = losses.gaussian_nll(yh, phi_homo @ losses.relu_features(xh, 10), sigma_homo)
print(f"NLL homoscedastic:   {nll_homo:.1f}")
print(f"NLL heteroscedastic: {history[-1]:.1f}   (lower is better)")

# %%
true_mu = np.sin(2 * x_grid) + 0.4 * x_grid
true_sigma = 0.03 + 0.25 * x_grid
fig, axes = new_figure(1, 3, figsize=(12, 3.3), width_ratios=[2, 2, 1.3])
for ax, mean, std, title, color in (
        (axes[0], phi_homo @ h_grid, sigma_homo, "homoscedastic: one $\\sigma$", PALETTE["blue"]),
        (axes[1], f1, np.abs(f2), "heteroscedastic: $\\sigma^2 = f_2[x, \\phi]^2$",
         PALETTE["green"])):
    plot_data(ax, xh, yh, s=8, alpha=0.5)
    plot_mean_band(ax, x_grid, mean, std, color=color)
    ax.plot(x_grid, true_mu + 2 * true_sigma, color=PALETTE["black"], ls=":", lw=1,
            label=r"true $\mu \pm 2\sigma$")
    ax.plot(x_grid, true_mu - 2 * true_sigma, color=PALETTE["black"], ls=":", lw=1)
    ax.set_ylim(-2.5, 4)
    label(ax, "$x$", "$y$", title)
    ax.legend(loc="lower left", fontsize=7)
axes[2].plot(history, color=PALETTE["green"])
label(axes[2], "Adam step", "NLL", "training the two outputs")
plt.show()

wrong_homo = np.abs(sigma_homo - true_sigma)       # how far each band is from the true sigma
wrong_het = np.abs(np.abs(f2) - true_sigma)
assert sigma_homo > true_sigma[0] and sigma_homo < true_sigma[-1]  # too wide left, too narrow right
assert wrong_het.max() < 0.5 * wrong_homo.max()                    # the heteroscedastic band follows
assert np.abs(f1 - phi_homo @ h_grid).max() < 0.05                 # the means: almost the same
assert history[-1] < nll_homo - 30                                 # the NLL: much lower

# %% [markdown]
# **What to notice**
# * The homoscedastic band is too wide on the left and too narrow on the right: one $\sigma$
#   has to compromise. The heteroscedastic band follows the true band (dotted).
# * The means are almost the same; the gain is all in the uncertainty, and it shows in the
#   NLL, which is much lower for the heteroscedastic model.
# * Only $f_2^2$ matters, so the sign of $f_2$ is arbitrary; we plot $|f_2|$. If $f_2$ ever reached
#   0 the loss would be infinite, which is why the fit starts from a positive constant $\sigma$.

# %% [markdown]
# ## 6. Binary classification: Bernoulli and the sigmoid
#
# Step 1: for $y \in \{0, 1\}$, the **Bernoulli** distribution with one parameter
# $\lambda = Pr(y = 1)$:
#
# $$Pr(y \mid \lambda) = (1 - \lambda)^{1 - y}\, \lambda^{y}.$$
#
# Step 2: $\lambda$ must lie in $[0, 1]$, but a network outputs any real number (a *logit*).
# The **logistic sigmoid** squashes it: $\lambda = sig[f[x, \phi]]$ with
# $sig[z] = \frac{1}{1 + \exp[-z]}$. Step 3, the **binary cross-entropy**:
#
# $$L[\phi] = \sum_{i=1}^{I} -(1 - y_i) \log\left[1 - sig[f[x_i, \phi]]\right] - y_i \log\left[sig[f[x_i, \phi]]\right].$$
#
# Written this way, $sig[f]$ rounds to exactly 1.0 from $f = 37$ on, and then $\log(1 - 1) = -\infty$.
# Using $\log sig[f] = -\log(1 + e^{-f})$ and $\log(1 - sig[f]) = -\log(1 + e^{f})$, the loss per
# point is $\log(1 + e^{f}) - y f$, which the code computes without overflow:

# %%
show_source(losses.bernoulli_nll)

# %%
# NBVAL_CHECK_OUTPUT
f_test = np.array([2.0, 40.0, -40.0, 800.0])
y_test = np.array([1, 0, 1, 0])
with np.errstate(all="ignore"):
    lam = 1 / (1 + np.exp(-f_test))
    naive = -(1 - y_test) * np.log(1 - lam) - y_test * np.log(lam)
print("naive formula per point:", np.round(naive, 4))
print("stable, per point      :", [round(losses.bernoulli_nll(y_test[i:i + 1], f_test[i:i + 1]), 4)
                                   for i in range(4)])
assert 1 / (1 + np.exp(-37.0)) == 1.0 and 1 / (1 + np.exp(-36.0)) < 1.0  # 1.0 from f = 37 on

# %%
W.bernoulli.show()

# %% [markdown]
# **What to notice**
# * The sigmoid maps every logit into $(0, 1)$; $f = 0$ means $\lambda = 0.5$, "no idea".
# * For $y = 1$ the loss $-\log \lambda$ falls towards 0 as $f$ grows and rises *linearly* as
#   $f \to -\infty$: a confident wrong answer costs about $|f|$. For $y = 0$ it is the mirror image.
# * Inference (step 4): predict $\hat y = 1$ when $\lambda > 0.5$, that is when $f > 0$.

# %% [markdown]
# ## 7. Multiclass classification: categorical and softmax
#
# Step 1: for $y \in \{1, \dots, K\}$, the **categorical** distribution, $Pr(y = k) = \lambda_k$
# with every $\lambda_k \ge 0$ and $\sum_k \lambda_k = 1$. Step 2: the network outputs $K$ logits
# $f_1, \dots, f_K$, and the **softmax** turns them into such probabilities:
#
# $$\lambda_k = softmax_k[f] = \frac{\exp[f_k]}{\sum_{k'=1}^{K} \exp[f_{k'}]} .$$
#
# Step 3, the (multiclass) **cross-entropy** loss:
#
# $$L[\phi] = -\sum_{i=1}^{I} \log\left[softmax_{y_i}\left[f[x_i, \phi]\right]\right] = -\sum_{i=1}^{I} \left(f_{y_i}[x_i, \phi] - \log\left[\sum_{k=1}^{K} \exp\left[f_k[x_i, \phi]\right]\right]\right).$$
#
# (The notes number the classes $1, \dots, K$; in code, as in PyTorch, they are $0, \dots, K-1$:
# the label $y_i$ picks row $y_i$ of the logits `f`, which has shape $(K, I)$.)
#
# $\exp[1000]$ overflows. Subtracting $m = \max_k f_k$ from every logit changes nothing (it
# cancels between numerator and denominator) and keeps every exponent $\le 0$:

# %%
show_source(losses.softmax)

# %%
show_source(losses.categorical_nll)

# %%
# NBVAL_CHECK_OUTPUT
f_big = np.array([1000.0, 999.0, 998.0])
with np.errstate(all="ignore"):
    naive = np.exp(f_big) / np.exp(f_big).sum()
print("naive softmax :", naive)
print("stable softmax:", np.round(losses.softmax(f_big), 4))
print("same as logits minus 998:", np.round(losses.softmax(f_big - 998), 4))
print("L for y = 2:", round(losses.categorical_nll(2, f_big), 4))

# %% [markdown]
# Move the logits; the orange bar is the true class $y$, and the loss is $-\log$ of its height.

# %%
W.softmax.show()

# %% [markdown]
# **What to notice**
# * Adding the same number to every logit changes nothing: only differences between logits
#   matter. Raise all four sliders together and the bars stay put.
# * The loss is small only when the true class's logit is well above all the others; the bars
#   always sum to 1, so raising one class's probability lowers the rest.
# * With $K = 2$ the softmax of $(0, f)$ is $(1 - sig[f], sig[f])$: section 6 is the special case.
# * Inference: $\hat y = \operatorname{argmax}_k \lambda_k$, the tallest bar.

# %%
f_two = np.linspace(-30, 30, 61)
two_class = losses.softmax(np.stack([np.zeros_like(f_two), f_two]))      # (2, 61)
assert np.allclose(two_class, [1 - losses.sigmoid(f_two), losses.sigmoid(f_two)])
assert np.allclose(losses.softmax(f_big + 7.5), losses.softmax(f_big))  # a common shift: no change

# %% [markdown]
# ## 8. Multiple outputs: independent terms add
#
# When a network predicts several outputs $y_1, \dots, y_J$ at once, the simplest model treats
# them as **independent** given $x$, so their probabilities multiply:
#
# $$Pr(\mathbf{y} \mid f[x, \phi]) = \prod_{j} Pr(y_j \mid f_j[x, \phi]),
# \qquad L[\phi] = -\sum_{i}\sum_{j} \log Pr(y_{ij} \mid f_j[x_i, \phi]).$$
#
# The log turns the product into a sum, so **the losses of the outputs add**, and they may be
# of different kinds. Here one network output is a real number (normal, $\sigma = 0.5$) and the
# other a yes/no label (Bernoulli):

# %%
# NBVAL_CHECK_OUTPUT
I = 6
f_reg = rng.normal(size=I)                 # output 1: the predicted mean
f_cls = rng.normal(size=I)                 # output 2: a logit
y_reg = f_reg + 0.5 * rng.normal(size=I)   # real targets
y_cls = rng.integers(0, 2, size=I)         # binary labels

L_reg = losses.gaussian_nll(y_reg, f_reg, 0.5)
L_cls = losses.bernoulli_nll(y_cls, f_cls)
lam = losses.sigmoid(f_cls)
joint = losses.normal_pdf(y_reg, f_reg, 0.5) * np.where(y_cls == 1, lam, 1 - lam)  # product
print(f"L_regression = {L_reg:.4f}, L_classification = {L_cls:.4f}, sum = {L_reg + L_cls:.4f}")
print(f"-sum log of the joint probability = {-np.sum(np.log(joint)):.4f}")
assert np.isclose(-np.sum(np.log(joint)), L_reg + L_cls, rtol=1e-12)

# %%
per_reg = -np.log(losses.normal_pdf(y_reg, f_reg, 0.5))              # (I,) one term per point
per_cls = -np.log(np.where(y_cls == 1, lam, 1 - lam))                 # (I,)
fig, ax = new_figure(figsize=(7, 3.0))
ax.bar(np.arange(I), per_reg, color=PALETTE["blue"], label="regression term (normal)")
ax.bar(np.arange(I), per_cls, bottom=per_reg, color=PALETTE["orange"],
       label="classification term (Bernoulli)")
ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
label(ax, "data point $i$", r"$-\log Pr(\mathbf{y}_i|f[x_i, \phi])$",
      "each point's loss is the sum of its outputs' terms")
ax.set_ylim(0, 1.3 * (per_reg + per_cls).max())
ax.legend(loc="upper left", ncols=2)
plt.show()

floor = 0.5 * np.log(2 * np.pi * 0.5**2)       # -log of the largest density Norm can reach, sigma = 0.5
assert floor > 0.2 and np.all(per_reg >= floor - 1e-12) and np.all(per_cls > 0)
assert -np.log(losses.normal_pdf(0.0, 0.0, 0.3)) < 0  # with sigma = 0.3 a term can be negative

# %% [markdown]
# **What to notice**
# * The NLL of the joint distribution equals the sum of the two separate losses (to 12 digits,
#   the cell checks).
# * Here every term is positive. A classification term is $-\log$ of a probability, so it is
#   never negative. A regression term is $-\log$ of a *density*, which can exceed 1, but only for
#   $\sigma < 1/\sqrt{2\pi} \approx 0.40$: with $\sigma = 0.5$ the density is at most
#   $1/\sqrt{2\pi \cdot 0.25} \approx 0.80$, so each regression term is at least
#   $\tfrac12 \log(2\pi \cdot 0.25) \approx 0.23$. With $\sigma = 0.3$ a point near its mean would
#   have a negative term.
# * The sum weighs the outputs by how sure the model claims to be: a small $\sigma$ makes the
#   regression term dominate. Independence is an assumption, made for simplicity.

# %% [markdown]
# ## 9. Cross-entropy, KL divergence and the NLL are the same objective
#
# Another route to the same loss: make the model distribution $Pr(y \mid \theta)$ close to the
# **empirical distribution** of the data, $q(y) = \frac{1}{I}\sum_{i=1}^{I} \delta[y - y_i]$ (for
# labels, $q_k$ is the fraction of labels equal to $k$). Closeness is measured with the
# Kullback-Leibler divergence:
#
# $$D_{KL}\left[q \,\|\, Pr\right] = \sum_y q(y) \log q(y) - \sum_y q(y) \log Pr(y \mid \theta) = -H[q] + H[q, Pr] .$$
#
# The entropy $H[q] = -\sum_y q(y)\log q(y)$ does not depend on $\theta$, so minimising the KL
# divergence means minimising the **cross-entropy** $H[q, Pr] = -\sum_y q(y)\log Pr(y \mid \theta)$.
# Putting in the definition of $q$:
#
# $$H[q, Pr] = -\frac{1}{I}\sum_{i=1}^{I} \log Pr(y_i \mid \theta) = \frac{L[\theta]}{I},$$
#
# the NLL divided by $I$. Three names, one argmin. Numerically, for 200 labels from 4 classes and
# a model that predicts the same $\lambda = softmax[f]$ for every example:

# %%
# NBVAL_CHECK_OUTPUT
labels = rng.choice(4, size=200, p=[0.1, 0.4, 0.3, 0.2])
q = losses.empirical_distribution(labels, 4)        # (K,) fractions of each class
f_model = np.array([0.5, 1.0, 0.2, -0.3])             # the model's logits
p = losses.softmax(f_model)                           # (K,) its probabilities
nll = losses.categorical_nll(labels, np.tile(f_model[:, None], (1, 200)))  # logits (K, I)
print("q =", np.round(q, 3), "  p =", np.round(p, 3))
print(f"cross-entropy H[q, p]   = {losses.cross_entropy(q, p):.4f}")
print(f"KL + entropy            = {losses.kl_divergence(q, p) + losses.entropy(q):.4f}"
      f"   (KL = {losses.kl_divergence(q, p):.4f}, H[q] = {losses.entropy(q):.4f})")
print(f"NLL / I                 = {nll / 200:.4f}")
assert np.isclose(losses.cross_entropy(q, p), losses.kl_divergence(q, p) + losses.entropy(q))
assert np.isclose(losses.cross_entropy(q, p), nll / 200)

# %% [markdown]
# Now move the model from $p$ towards $q$ along $p_t = (1 - t)\,p + t\,q$ and track the three
# quantities. (Any path would do; this one ends at $p_1 = q$.)

# %%
ts = np.linspace(0, 1, 101)
path = [(1 - t_) * p + t_ * q for t_ in ts]
ce = np.array([losses.cross_entropy(q, pt) for pt in path])
kl = np.array([losses.kl_divergence(q, pt) for pt in path])

fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.2), width_ratios=[1, 1.4])
plot_distributions(ax1, q, p)
label(ax1, None, None, "empirical $q$ and model $p$")
ax2.plot(ts, ce, color=PALETTE["blue"], linewidth=2, label="cross-entropy $H[q, p_t]$")
ax2.plot(ts, kl, color=PALETTE["orange"], linewidth=2, label=r"$D_{KL}[q\,\|\,p_t]$")
ax2.axhline(losses.entropy(q), color=PALETTE["grey"], linestyle="--", label="entropy $H[q]$")
label(ax2, "$t$ (model moves from $p$ to $q$)", "nats", "cross-entropy = KL + entropy")
ax2.legend(loc="center right")
plt.show()
assert np.allclose(ce - kl, losses.entropy(q))       # the blue curve is the orange one lifted by H[q]
assert kl[-1] < 1e-12 and np.all(kl[:-1] > 0)         # KL is 0 only at p_t = q (t = 1)

# %% [markdown]
# **What to notice**
# * The blue curve is the orange one lifted by the constant $H[q]$: same shape, same argmin.
# * KL reaches 0 exactly when the model equals the data's distribution; the cross-entropy then
#   equals the entropy $H[q]$, the smallest loss any model can reach on these labels.
# * So "minimise cross-entropy", "minimise KL to the data" and "maximise the likelihood" are one
#   training objective under three names.

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task (`EX.<name>.show()`), then has a cell for your answer, a check cell
# that says what is wrong (and recognises common mistakes by name), a hint, and a collapsed
# solution.
#
# ### Exercise 1

# %%
EX.gaussian_by_hand.show()

# %%
answer_1 = None  # your answer: a number
EX.gaussian_by_hand.check(answer_1)

# %%
EX.gaussian_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.gaussian_by_hand)

# %% [markdown]
# ### Exercise 2

# %%
EX.sigma_fit.show()

# %%
answer_2 = None  # your answer: sigma, a number
EX.sigma_fit.check(answer_2)

# %%
EX.sigma_fit.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.sigma_fit)

# %% [markdown]
# ### Exercise 3

# %%
EX.bce_by_hand.show()

# %%
answer_3 = None  # your answer: a number
EX.bce_by_hand.check(answer_3)

# %%
EX.bce_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bce_by_hand)


# %% [markdown]
# ### Exercise 4
# Section 7's stable softmax, one step further: the log of it, computed without overflow.

# %%
EX.stable_log_softmax.show()


# %%
def log_softmax(f):
    return None  # your code here

EX.stable_log_softmax.check(log_softmax)

# %%
EX.stable_log_softmax.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.stable_log_softmax)

# %% [markdown]
# ### Exercise 5

# %%
EX.kl_empirical.show()

# %%
answer_5 = None  # your answer: a number
EX.kl_empirical.check(answer_5)

# %%
EX.kl_empirical.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.kl_empirical)

# %% [markdown]
# ## Summary
#
# * A probabilistic model predicts the parameters of a distribution, $\theta = f[x, \phi]$, and
#   is trained by **maximum likelihood**: $\hat\phi = \operatorname{argmin}_\phi \left[-\sum_i
#   \log Pr(y_i \mid f[x_i, \phi])\right]$. The log keeps the objective finite (the product
#   underflows to 0.0) and turns a product into a sum.
# * The recipe: choose $Pr(y \mid \theta)$, let the network predict $\theta$, minimise the NLL,
#   infer with the distribution or its maximum.
# * Normal noise with fixed $\sigma$ gives **least squares**, $\sum_i (y_i - f[x_i, \phi])^2$; the
#   best $\sigma$ is the RMS residual, $\hat\sigma^2 = \frac1I\sum_i r_i^2$. A heteroscedastic
#   model predicts $\mu = f_1$ and $\sigma^2 = f_2^2$ from $x$.
# * A Bernoulli with $\lambda = sig[f]$ gives the **binary cross-entropy**
#   $\sum_i \log(1 + e^{f_i}) - y_i f_i$; a categorical with $\lambda = softmax[f]$ gives the
#   **cross-entropy** $\sum_i \log\sum_k e^{f_{ki}} - f_{y_i i}$. Both computed stably by
#   subtracting the largest logit.
# * Independent outputs: losses add. Cross-entropy $= D_{KL}[q \| Pr] + H[q] =$ NLL$/I$.
#
# **Next:** chapter 03 minimises these losses: gradient descent, stochastic gradient descent,
# momentum and Adam (used above without explanation).
