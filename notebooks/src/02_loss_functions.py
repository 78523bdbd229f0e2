# %% [markdown]
# # 02 · Loss functions: where they come from
#
# Chapter 01 built functions $f[x, \phi]$. To train one we need a single number that says how
# badly it fits the data, the **loss** $L[\phi]$. This chapter derives the usual losses from one
# idea, maximum likelihood, instead of listing them. After it you can
#
# * name the four kinds of problems (univariate and multivariate regression, binary and
#   multiclass classification) and the distribution and loss each one uses;
# * explain the difference between a model that predicts a value and one that predicts a
#   *distribution*, and draw the second as a mean with an uncertainty band;
# * write the negative log-likelihood (NLL) of a data set and say why we take the log;
# * apply the four-step recipe to get least squares (normal noise), binary cross-entropy
#   (Bernoulli) and multiclass cross-entropy (categorical), and fit the noise level too;
# * fit a heteroscedastic model whose uncertainty changes with $x$, and a binary classifier
#   $\lambda(x)$ by gradient descent, using the gradient "probability minus label";
# * compute softmax, log-sum-exp and the losses stably, and relate cross-entropy, KL divergence
#   and entropy, for class labels and for real-valued $y$.
#
# **Prerequisites:** chapter 01 (shallow networks), logarithms, the normal distribution.
# Two fits below use descent methods that chapter 03 explains: Adam (section 6) and plain
# gradient descent (section 8); here only the loss they minimise matters.
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
                                 plot_distributions, plot_binary_data)
from dlcore.widgets import losses as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(2)       # this chapter's exercises, by name: EX.<name> (run EX to list them)

# %% [markdown]
# ## 1. What a loss is, and the four kinds of problems
#
# A **loss** (or cost) is a single number that says how much a model's predictions
# $f[x_i, \phi]$ disagree with the true outputs $y_i$ over the training data
# $\{x_i, y_i\}_{i=1}^{I}$. It depends on three things, the parameters, the model and the data,
# $L[\phi, f[x, \phi], \{x_i, y_i\}_{i=1}^{I}]$; with the model and the data fixed it is a
# function of the parameters alone, written $L[\phi]$, and training looks for the $\phi$ that
# makes it smallest.
#
# Supervised problems are sorted by what the output $y$ is:
#
# | kind | the output $y$ | an example |
# |---|---|---|
# | univariate regression | one real number, $y \in \mathbb{R}$ | tomorrow's temperature |
# | multivariate regression | $D_o > 1$ real numbers, $y \in \mathbb{R}^{D_o}$ | a position on a map (two numbers) |
# | binary classification | one of two classes, $y \in \{0, 1\}$ | is this e-mail spam? |
# | multiclass classification | one of $K > 2$ classes, $y \in \{1, \dots, K\}$ | which digit is in the image? |
#
# Each kind calls for its own loss. This chapter derives all of them from one idea (sections
# 2-4), puts them side by side in one table of code (section 4) and then takes them one at a time
# (sections 5-10). Here are four tiny data sets, one of each kind, in the shapes the code uses:
# data points are columns, and class labels count from 0.

# %%
# NBVAL_CHECK_OUTPUT
TINY_Y = {  # kind of problem: the targets y_i of four data points
    "univariate regression":     np.array([0.8, -0.3, 1.9, 0.4]),          # (I,) real numbers
    "multivariate regression":   np.array([[0.8, -0.3, 1.9, 0.4],
                                           [2.1, 1.7, -0.6, 0.0]]),         # (D_o, I), D_o = 2
    "binary classification":     np.array([1, 0, 0, 1]),                    # (I,) in {0, 1}
    "multiclass classification": np.array([2, 0, 1, 2]),                    # (I,) in 0..K-1
}
for kind, y_k in TINY_Y.items():
    print(f"{kind:26s} y has shape {str(y_k.shape):7s} values {y_k.tolist()}")

x_tiny = np.array([0.0, 1.0, 2.0, 3.0])  # the inputs x_i of the four points
y_tiny = TINY_Y["univariate regression"]
print("\nOne model, f[x, phi] = phi_0 + phi_1 x, and one loss, least squares, on the first data set:")
L_tiny = []
for phi_0, phi_1 in [(0.0, 0.0), (0.5, 0.0), (0.55, 0.1)]:
    f_tiny = phi_0 + phi_1 * x_tiny                      # the predictions f[x_i, phi]
    L_tiny.append(losses.least_squares(y_tiny, f_tiny))  # sum_i (y_i - f[x_i, phi])^2
    print(f"  phi = ({phi_0}, {phi_1}):  L[phi] = {L_tiny[-1]:.3f}")
assert L_tiny[0] > L_tiny[1] > L_tiny[2]  # three parameter settings, three numbers: the last fits best

# %% [markdown]
# **What to notice**
# * What $y$ is decides the kind of problem: real numbers (one per point, or a column of $D_o$
#   per point) for regression, integer class labels for classification.
# * The data and the model stay the same in the three lines above; only $\phi$ changes, and
#   with it the one number $L[\phi]$. Of these three settings the last fits best (smallest loss).

# %% [markdown]
# ## 2. Deterministic versus probabilistic models
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
# only the output weights $\phi$ are learned; section 5 explains why the best mean is the
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
# ## 3. Maximum likelihood, and why we take the log
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
# ## 4. The recipe for a loss function
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
# The four kinds of problems of section 1, through the four steps:
#
# | kind | output | step 1: $Pr(y \mid \theta)$ | step 2: $\theta = $ | step 3: loss | step 4: $\hat y$ |
# |---|---|---|---|---|---|
# | univariate regression | $y \in \mathbb{R}$ | normal, $\theta = (\mu, \sigma^2)$ | $\mu = f[x, \phi]$ | least squares | $\mu$ |
# | multivariate regression | $y \in \mathbb{R}^{D_o}$ | a normal per output, independent | $\mu_j = f_j[x, \phi]$ | least squares, summed over the outputs | $\mu$ |
# | binary classification | $y \in \{0, 1\}$ | Bernoulli, $\theta = \lambda$ | $\lambda = sig[f[x, \phi]]$ | binary cross-entropy | $1$ if $\lambda > 0.5$ |
# | multiclass classification | $y \in \{1..K\}$ | categorical, $\theta = \lambda_{1..K}$ | $\lambda = softmax[f[x, \phi]]$ | cross-entropy | $\operatorname{argmax}_k \lambda_k$ |
#
# The same table as code. Each row holds the distribution $Pr(y \mid \theta)$, the **link** that
# turns the network's raw outputs $f$ into valid parameters $\theta$ (step 2), and the loss
# function that later sections derive. On the tiny data sets of section 1, with some made-up
# network outputs $f$, the cell runs step 3 literally, $-\sum_i \log Pr(y_i \mid \theta_i)$, and
# compares it with the loss function. The two new distributions are one line each:

# %%
show_source(losses.bernoulli_pmf)
show_source(losses.categorical_pmf)

# %%
# NBVAL_CHECK_OUTPUT
SIGMA = 0.5  # regression: one fixed standard deviation for every point


def normal(y, mu):      # Pr(y | mu) = Norm_y[mu, SIGMA^2]
    return losses.normal_pdf(y, mu, SIGMA)


def identity(f):        # regression: the network's output is the mean itself
    return f


def normal_nll(y, f):   # L = -sum_i log Norm_{y_i}[f_i, SIGMA^2]
    return losses.gaussian_nll(y, f, SIGMA)


PROBLEMS = {  # kind of problem: (Pr(y | theta), theta = link[f], loss L[y, f])
    "univariate regression":     (normal, identity, normal_nll),
    "multivariate regression":   (normal, identity, normal_nll),
    "binary classification":     (losses.bernoulli_pmf, losses.sigmoid, losses.bernoulli_nll),
    "multiclass classification": (losses.categorical_pmf, losses.softmax, losses.categorical_nll),
}
TINY_F = {  # made-up network outputs f[x_i, phi] for the four points of each kind
    "univariate regression":     np.array([0.5, 0.0, 1.5, 0.9]),                 # (I,) means
    "multivariate regression":   np.array([[0.5, 0.0, 1.5, 0.9],
                                           [1.8, 1.2, 0.0, 0.3]]),               # (D_o, I) means
    "binary classification":     np.array([2.0, -1.0, 0.5, 0.3]),                # (I,) logits
    "multiclass classification": np.array([[0.1, 2.0, -1.0, 0.0],
                                           [0.3, 0.5, 1.5, -0.5],
                                           [1.2, -1.0, 0.2, 2.5]]),              # (K, I) logits
}
print(f"{'kind':26s} {'Pr(y|theta)':16s} {'link':9s} {'loss':16s} {'L':>6s}   -sum log Pr")
for kind, (pr, link, loss) in PROBLEMS.items():
    y_k, f_k = TINY_Y[kind], TINY_F[kind]
    theta = link(f_k)                              # step 2: valid parameters
    by_definition = -np.sum(np.log(pr(y_k, theta)))  # step 3, literally
    L = loss(y_k, f_k)                             # the loss function of the later sections
    print(f"{kind:26s} {pr.__name__:16s} {link.__name__:9s} {loss.__name__:16s} {L:6.3f}   "
          f"{by_definition:6.3f}")
    assert np.isclose(L, by_definition, rtol=1e-12)

y_mv, f_mv = TINY_Y["multivariate regression"], TINY_F["multivariate regression"]
assert np.isclose(normal_nll(y_mv, f_mv), normal_nll(y_mv[0], f_mv[0]) + normal_nll(y_mv[1], f_mv[1]))

# %% [markdown]
# **What to notice**
# * In every row the loss function and $-\sum_i \log Pr(y_i \mid \theta_i)$ agree (the cell
#   asserts it): a loss is not picked from a list, it follows from the distribution.
# * Multivariate regression uses the same normal and the same loss, on a $(D_o, I)$ array: its
#   loss is the sum of the univariate losses of the rows (asserted too; section 10 explains why).
# * The link keeps $\theta$ valid: any real number is a valid mean, but a probability must lie in
#   $[0, 1]$ (sigmoid) and a categorical's $\lambda$ must sum to 1 (softmax).
#
# Step 4 for the model of section 2: at three new inputs, the full predicted distribution
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
# * With one $\sigma$ for all $x$, every orange curve has the same width. Section 6 removes that
#   restriction.

# %% [markdown]
# ## 5. Univariate regression: the normal NLL is least squares
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
# ## 6. Homoscedastic versus heteroscedastic regression
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
# ## 7. Binary classification: Bernoulli and the sigmoid
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
# ## 8. Fitting a binary classifier to data
#
# Above, one logit was moved by hand. A classifier computes its logit from an input,
# $f[x, \phi]$, and training chooses $\phi$. Here 200 inputs $x_i \in [0, 3]$ have labels drawn
# with $Pr(y = 1 \mid x) = sig[4 \sin(2x) - 1]$: mostly 1 near $x = 0.8$, mostly 0 near
# $x = 2.4$. The model is section 2's shallow network with its hidden layer fixed: $D$ ReLU
# features $h(x) = [1; a[x - t_1]; \dots; a[x - t_D]]$ with joints $t_d$ spread over $[0, 3)$,
# and the logit $f[x, \phi] = \phi\, h(x)$, so that $\lambda(x) = sig[\phi\, h(x)]$.
#
# To minimise the binary cross-entropy $L[\phi] = \sum_i \log(1 + e^{f_i}) - y_i f_i$ we need
# its gradient. One point's term has derivative
# $\frac{\partial}{\partial f_i}\left[\log(1 + e^{f_i}) - y_i f_i\right] = \frac{e^{f_i}}{1 + e^{f_i}} - y_i = sig[f_i] - y_i$,
# **the predicted probability minus the label**, and through $f_i = \phi\, h_i$ the chain rule
# gives
#
# $$\frac{\partial L}{\partial \phi} = \sum_{i=1}^{I} \left(sig[f_i] - y_i\right) h_i^T .$$
#
# A point that is already classified confidently and correctly adds almost nothing; a confident
# mistake adds almost its whole feature vector $h_i$.

# %%
show_source(losses.bernoulli_loss_grad)

# %%
# NBVAL_CHECK_OUTPUT
x_c, y_c, lam_c = losses.toy_classification(200, rng)  # inputs, labels, the true lambda at x_i
h_c = losses.relu_features(x_c, 8)                     # (1 + D, I) = (9, 200): fixed features
phi_try = rng.normal(size=9)                           # any phi will do for the check
L_try, grad_try = losses.bernoulli_loss_grad(phi_try, h_c, y_c)
dphi = 1e-6
numeric = np.array([(losses.bernoulli_nll(y_c, (phi_try + dphi * e) @ h_c)
                     - losses.bernoulli_nll(y_c, (phi_try - dphi * e) @ h_c)) / (2 * dphi)
                    for e in np.eye(9)])               # central differences, one per phi_d
print(f"{y_c.mean():.0%} of the 200 labels are 1")
print("dL/dphi agrees with central differences to 1e-5:",
      np.allclose(grad_try, numeric, rtol=1e-5, atol=1e-5))

# %% [markdown]
# **Gradient descent** (chapter 03) repeats $\phi \leftarrow \phi - \alpha\, \partial L / \partial \phi$
# from a starting point. We start from $\phi = 0$, where $\lambda = 0.5$ for every point and
# $L = I \log 2$. The step size $\alpha = 4 / \lambda_{\max}(h h^T)$ is small enough that every
# step lowers this loss: its curvature is at most $h h^T / 4$, because
# $sig[f](1 - sig[f]) \le 1/4$ (chapter 03 explains why that bound is enough). With $D = 1$ the
# only joint sits at $x = 0$, so $h = [1; x]$ and the model is plain **logistic regression**,
# $\lambda = sig[\phi_0 + \phi_1 x]$.

# %%
show_source(losses.fit_bernoulli)

# %%
STEPS = 2000
path_8, loss_8 = losses.fit_bernoulli(x_c, y_c, D=8, steps=STEPS)
path_1, loss_1 = losses.fit_bernoulli(x_c, y_c, D=1, steps=STEPS)  # logistic regression on x
lam_8 = losses.sigmoid(path_8[-1] @ losses.relu_features(x_grid, 8))  # fitted lambda on the grid
lam_1 = losses.sigmoid(path_1[-1] @ losses.relu_features(x_grid, 1))
true_lam = losses.sigmoid(4 * np.sin(2 * x_grid) - 1)

fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 3.4), width_ratios=[1.5, 1])
plot_binary_data(ax1, x_c, y_c)
ax1.plot(x_grid, true_lam, ":", color=PALETTE["black"], label=r"true $Pr(y=1|x)$")
ax1.plot(x_grid, lam_8, color=PALETTE["blue"], linewidth=2, label="$D = 8$ ReLU features")
ax1.plot(x_grid, lam_1, color=PALETTE["orange"], linewidth=2,
         label="$D = 1$: logistic regression")
ax1.axhline(0.5, color=PALETTE["grey"], linewidth=0.8)
ax1.set_ylim(-0.08, 1.45)  # room above y = 1 for the legend
ax1.set_yticks([0, 0.25, 0.5, 0.75, 1])
ax1.legend(loc="upper center", ncols=2)
label(ax1, "$x$", r"$y$ and $\lambda(x)$", rf"$\lambda(x) = sig[\phi\, h(x)]$ after {STEPS} steps")
t_axis = np.arange(1, STEPS + 1)
ax2.plot(t_axis, loss_8[1:], color=PALETTE["blue"], linewidth=2, label="$D = 8$")
ax2.plot(t_axis, loss_1[1:], color=PALETTE["orange"], linewidth=2, label="$D = 1$")
ax2.axhline(loss_8[0], color=PALETTE["grey"], linestyle="--", linewidth=1,
            label=r"$t = 0$: $I \log 2$")
ax2.set_xscale("log")
ax2.legend(loc="lower left")
label(ax2, "gradient-descent step $t$", r"$L[\phi_t]$", "binary cross-entropy while fitting")
plt.show()

assert np.isclose(loss_8[0], 200 * np.log(2)) and np.isclose(loss_1[0], 200 * np.log(2))
assert np.all(np.diff(loss_8) < 1e-9) and np.all(np.diff(loss_1) < 1e-9)  # no step raises L
assert loss_8[0] - loss_8[10] > loss_8[10] - loss_8[-1]  # most of the drop in the first 10 steps
assert np.abs(lam_8 - true_lam).max() < 0.25           # D = 8 follows the true lambda
assert np.all(np.diff(lam_1) < 0)                       # logistic regression: lambda only falls
assert loss_1[-1] > loss_8[-1] + 15                     # and its loss stays far higher

# %% [markdown]
# **What to notice**
# * The loss starts at $I \log 2$ (dashed) and no step raises it (up to round-off): more than
#   half of the drop comes in the first 10 steps, then it falls slowly.
# * With $D = 8$ features the fitted $\lambda(x)$ (blue) rises and falls with the true
#   probability (dotted), within 0.25 everywhere; 200 noisy labels do not pin it down exactly.
# * Logistic regression (orange) can only make $\lambda$ rise or fall with $x$, never both;
#   here it falls, misses the bump, and its loss stalls well above the blue curve.
#
# The same fit, step by step: move $t$ to watch $\lambda(x)$ form, and change the number of
# features $D$ (a new data set of the same kind, drawn once).

# %%
W.classifier.show()

# %%
fits = W.classifier_fits()  # the figure's runs: D -> (path, losses, features on the grid)
for _, loss_D, _ in fits.values():
    assert np.isclose(loss_D[0], W.CLS_Y.size * np.log(2)) and np.all(np.diff(loss_D) < 1e-9)
for D in (1, 2):  # joints at 0 (and 1.5): stalled by t = 100, far above D = 4 and 8
    assert np.all(fits[D][1][100:] - fits[D][1][-1] < 0.5)
    assert fits[D][1][-1] > max(fits[4][1][-1], fits[8][1][-1]) + 15
lam_2, lam_4 = (losses.sigmoid(fits[D][0][-1] @ fits[D][2]) for D in (2, 4))  # after all steps
assert np.argmax(lam_2) == 0 and 0 < np.argmax(lam_4) < lam_4.size - 1  # only D = 4 rises, falls

# %% [markdown]
# **What to notice**
# * Whatever $D$, the curve starts from the dashed line and never goes up.
# * $D = 1$ and $D = 2$ stop improving after about 100 steps, far above $D = 4$ and $D = 8$. Their
#   joints sit at 0 (and 1.5), so on $[0, 1.5]$ the logit is a straight line and $\lambda$ cannot
#   climb to the peak near $x = 0.8$ and come back down. With $D = 4$ a joint at 0.75 lets it.
#   Where the fixed joints lie matters, not only how many there are.
# * The gradient is "probability minus label": a point stops pulling on $\phi$ once the model
#   gives its label a probability near 1.

# %% [markdown]
# ## 9. Multiclass classification: categorical and softmax
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
# **The gradient.** As for the Bernoulli in section 8, the derivative of the cross-entropy with
# respect to the logits is the predicted probabilities minus the label, now written as a one-hot
# column: $\partial L / \partial f_{ki} = softmax_k[f_i] - [y_i = k]$. The true class's entry is
# negative (raising its logit lowers the loss), every other entry positive. Chapter 04 passes this
# gradient back through a network.

# %%
show_source(losses.softmax_cross_entropy_grad)

# %%
# NBVAL_CHECK_OUTPUT
f_demo = rng.normal(size=(3, 5))                 # logits of I = 5 points, K = 3 classes
y_demo = np.array([0, 2, 1, 1, 0])
grad_demo = losses.softmax_cross_entropy_grad(f_demo, y_demo)  # (K, I)
dfk = 1e-6
numeric = np.zeros_like(f_demo)
for k, i in np.ndindex(f_demo.shape):            # central differences of the loss itself
    bump = np.zeros_like(f_demo)
    bump[k, i] = dfk
    numeric[k, i] = (losses.categorical_nll(y_demo, f_demo + bump)
                     - losses.categorical_nll(y_demo, f_demo - bump)) / (2 * dfk)
true_entries = grad_demo[y_demo, np.arange(5)]
print("shape:", grad_demo.shape)
print("agrees with central differences to 1e-6:", np.allclose(grad_demo, numeric, atol=1e-6))
print("each column sums to 0:", np.allclose(grad_demo.sum(axis=0), 0.0))
print("true-class entries < 0, the others > 0:",
      bool(np.all(true_entries < 0) and (grad_demo > 0).sum() == 10))
print("f = (1000, 999, 998), y = 2: dL/df =", np.round(losses.softmax_cross_entropy_grad(f_big, 2), 4))
assert np.allclose(grad_demo, numeric, atol=1e-6) and np.all(true_entries < 0)

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
# * With $K = 2$ the softmax of $(0, f)$ is $(1 - sig[f], sig[f])$: section 7 is the special case.
# * Inference: $\hat y = \operatorname{argmax}_k \lambda_k$, the tallest bar.

# %%
f_two = np.linspace(-30, 30, 61)
two_class = losses.softmax(np.stack([np.zeros_like(f_two), f_two]))      # (2, 61)
assert np.allclose(two_class, [1 - losses.sigmoid(f_two), losses.sigmoid(f_two)])
assert np.allclose(losses.softmax(f_big + 7.5), losses.softmax(f_big))  # a common shift: no change

# %% [markdown]
# ## 10. Multiple outputs: independent terms add
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
# ## 11. Cross-entropy, KL divergence and the NLL are the same objective
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
# ## 12. Cross-entropy for a real-valued $y$: the data as spikes
#
# Section 11 used class labels, where $q$ is a list of fractions. For a real-valued $y$ the
# empirical distribution puts all its mass on the observed values: it is a sum of spikes,
#
# $$q(y) = \frac{1}{I}\sum_{i=1}^{I} \delta[y - y_i],$$
#
# where the **Dirac delta** $\delta[y - y_i]$ is zero everywhere except at $y_i$ and has area 1,
# so that $\int \delta[y - y_i]\, g(y)\, dy = g(y_i)$ for any function $g$: integrating against a
# spike reads off the function at the spike. The sums of section 11 become integrals,
#
# $$D_{KL}\left[q \,\|\, Pr\right] = \int q(y) \log q(y)\, dy - \int q(y) \log Pr(y \mid \theta)\, dy .$$
#
# The first term does not contain $\theta$, so minimising the KL divergence again means minimising
# the cross-entropy, and the spikes turn its integral into a sum:
#
# $$H[q, Pr] = -\int \left(\frac{1}{I}\sum_{i=1}^{I} \delta[y - y_i]\right) \log Pr(y \mid \theta)\, dy = -\frac{1}{I}\sum_{i=1}^{I} \log Pr(y_i \mid \theta) = \frac{L[\theta]}{I}.$$
#
# A spike cannot be drawn or integrated on a grid, so the code widens each one into a narrow
# normal of width $\varepsilon$, $q_\varepsilon(y) = \frac{1}{I}\sum_i \mathrm{Norm}_y[y_i, \varepsilon^2]$,
# which becomes $q$ as $\varepsilon \to 0$, and integrates with the trapezoid rule. For a normal
# model the integral can also be done by hand: each widened spike adds its own variance
# $\varepsilon^2$ to the expected squared error, so
# $H[q_\varepsilon, \mathrm{Norm}[\mu, \sigma^2]] = L[\mu, \sigma]/I + \varepsilon^2 / (2\sigma^2)$,
# which tends to $L/I$.

# %%
show_source(losses.empirical_density)

# %%
show_source(losses.gaussian_cross_entropy)

# %%
y_r = 1.0 + 0.7 * rng.standard_normal(20)       # 20 real-valued targets
u = np.linspace(-5.0, 7.0, 12001)                # a fine grid of y values for the integrals
mu_m, sigma_m = 0.8, 0.9                         # one model, Norm[mu, sigma^2]
nll_over_I = losses.gaussian_nll(y_r, mu_m, sigma_m) / y_r.size
eps_values = np.geomspace(0.01, 0.5, 12)         # spike widths
gaps = np.array([losses.gaussian_cross_entropy(u, losses.empirical_density(u, y_r, e), mu_m,
                                               sigma_m) - nll_over_I for e in eps_values])

fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 3.3), width_ratios=[1.5, 1])
for eps, color in ((0.2, PALETTE["sky"]), (0.03, PALETTE["blue"])):
    ax1.plot(u, losses.empirical_density(u, y_r, eps), color=color, linewidth=1.2,
             label=rf"data $q_\varepsilon$, $\varepsilon = {eps}$")
ax1.plot(u, losses.normal_pdf(u, mu_m, sigma_m), color=PALETTE["orange"], linewidth=2,
         label=rf"model $Norm[{mu_m}, {sigma_m}^2]$")
ax1.plot(y_r, np.zeros_like(y_r), "|", color=PALETTE["black"], ms=12, label="the $y_i$")
ax1.set_xlim(-1.5, 3.5)
ax1.legend(loc="upper left")
label(ax1, "$y$", "density", "the data as widened spikes, and the model")
ax2.loglog(eps_values, gaps, "o", color=PALETTE["blue"],
           label=r"$H[q_\varepsilon, Pr] - L/I$ (trapezoid rule)")
ax2.loglog(eps_values, eps_values**2 / (2 * sigma_m**2), color=PALETTE["grey"],
           label=r"$\varepsilon^2 / (2\sigma^2)$ (by hand)")
ax2.legend(loc="upper left")
label(ax2, r"spike width $\varepsilon$", "gap", "the gap vanishes as the spikes narrow")
plt.show()
assert y_r.min() > u[0] + 4 and y_r.max() < u[-1] - 4  # the grid holds every spike, 8 widths out
assert np.allclose(gaps, eps_values**2 / (2 * sigma_m**2), rtol=1e-6)  # the dots sit on the line
for eps in (0.2, 0.03):  # however narrow, the I spikes together have area 1
    assert np.isclose(np.trapezoid(losses.empirical_density(u, y_r, eps), u), 1.0)

# %% [markdown]
# Now every model on a grid of means and standard deviations, with spikes of width
# $\varepsilon = 0.01$:

# %%
# NBVAL_CHECK_OUTPUT
eps = 0.01
q_r = losses.empirical_density(u, y_r, eps)      # (U,) the data as narrow spikes
mu_grid = np.linspace(0.0, 2.0, 21)
sigma_grid = np.linspace(0.4, 1.6, 13)
H_grid = np.array([[losses.gaussian_cross_entropy(u, q_r, m, s) for m in mu_grid]
                   for s in sigma_grid])          # (13, 21): cross-entropy by integration
L_grid = np.array([[losses.gaussian_nll(y_r, m, s) for m in mu_grid]
                   for s in sigma_grid])          # (13, 21): the NLL, a sum over the points
spike_term = eps**2 / (2 * sigma_grid[:, None] ** 2)
same = np.allclose(H_grid, L_grid / y_r.size + spike_term, rtol=0, atol=1e-9)
print(f"at all {H_grid.size} (mu, sigma): H[q_eps, Norm] = L / I + eps^2 / (2 sigma^2) "
      f"to 1e-9: {same}")
print(f"the largest gap H - L / I is {np.max(H_grid - L_grid / y_r.size):.1e}, "
      "at the smallest sigma")
best_H = np.unravel_index(np.argmin(H_grid), H_grid.shape)
best_L = np.unravel_index(np.argmin(L_grid), L_grid.shape)
print(f"argmin of the cross-entropy: mu = {mu_grid[best_H[1]]:.1f}, sigma = {sigma_grid[best_H[0]]:.1f}")
print(f"argmin of the NLL:           mu = {mu_grid[best_L[1]]:.1f}, sigma = {sigma_grid[best_L[0]]:.1f}")
print(f"maximum likelihood by hand:  mu = mean(y) = {y_r.mean():.2f}, "
      f"sigma = {losses.sigma_mle(y_r, y_r.mean()):.2f}")
assert same and best_H == best_L
assert abs(mu_grid[best_L[1]] - y_r.mean()) <= 0.05 + 1e-12
assert abs(sigma_grid[best_L[0]] - losses.sigma_mle(y_r, y_r.mean())) <= 0.05 + 1e-12

# %% [markdown]
# **What to notice**
# * Narrower spikes are taller, but each keeps area $1/I$; the wide ones ($\varepsilon = 0.2$)
#   already blur neighbouring points together.
# * The gap between the cross-entropy and $L/I$ is exactly $\varepsilon^2/(2\sigma^2)$ (the
#   dots sit on the line) and vanishes as $\varepsilon \to 0$: for the spikes themselves the
#   cross-entropy *is* the NLL divided by $I$.
# * So for regression too, "minimise cross-entropy", "minimise KL to the data" and "maximise the
#   likelihood" pick the same $\mu$ and $\sigma$: on the grid, the nearest points to the mean and
#   the RMS deviation of the data.

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task (`EX.<name>.show()`), then has a cell for your answer, a check cell
# that says what is wrong (and recognises common mistakes by name), a hint, and a collapsed
# solution. Exercises 2, 5, 6 and 7 ask you to write a function, as in `dlcore.losses`.

# %% [markdown]
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
# Exercise 1 as code, for any number of points.

# %%
EX.gaussian_nll_fn.show()


# %%
def gaussian_nll(y, mu, sigma):
    return None  # your code here

EX.gaussian_nll_fn.check(gaussian_nll)

# %%
EX.gaussian_nll_fn.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.gaussian_nll_fn)

# %% [markdown]
# ### Exercise 3

# %%
EX.sigma_fit.show()

# %%
answer_3 = None  # your answer: sigma, a number
EX.sigma_fit.check(answer_3)

# %%
EX.sigma_fit.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.sigma_fit)

# %% [markdown]
# ### Exercise 4

# %%
EX.bce_by_hand.show()

# %%
answer_4 = None  # your answer: a number
EX.bce_by_hand.check(answer_4)

# %%
EX.bce_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bce_by_hand)

# %% [markdown]
# ### Exercise 5
# Exercise 4 as code, safe for any logit.

# %%
EX.bce_from_logits.show()


# %%
def bernoulli_nll(y, f):
    return None  # your code here

EX.bce_from_logits.check(bernoulli_nll)

# %%
EX.bce_from_logits.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bce_from_logits)

# %% [markdown]
# ### Exercise 6
# Section 9's stable softmax, one step further: the log of it, computed without overflow.

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
# ### Exercise 7
# The gradient of section 9, written by you.

# %%
EX.ce_gradient.show()


# %%
def softmax_ce_grad(f, y):
    return None  # your code here

EX.ce_gradient.check(softmax_ce_grad)

# %%
EX.ce_gradient.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.ce_gradient)

# %% [markdown]
# ### Exercise 8

# %%
EX.kl_empirical.show()

# %%
answer_8 = None  # your answer: a number
EX.kl_empirical.check(answer_8)

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
# * Each kind of problem has its distribution, link and loss: normal and identity (least
#   squares) for univariate and multivariate regression, Bernoulli and sigmoid (binary
#   cross-entropy), categorical and softmax (cross-entropy).
# * The gradient of either cross-entropy with respect to the logits is **probability minus
#   label**: $sig[f_i] - y_i$, and $softmax[f] - $ one-hot$(y)$ for $K$ classes. Gradient descent
#   on it fits a classifier $\lambda(x) = sig[f[x, \phi]]$ to data.
# * Independent outputs: losses add. Cross-entropy $= D_{KL}[q \| Pr] + H[q] =$ NLL$/I$, for
#   labels and, with the data as Dirac spikes, for real-valued $y$ too.
#
# **Next:** chapter 03 minimises these losses: gradient descent, stochastic gradient descent,
# momentum and Adam (used above without explanation); chapter 04 computes their gradients for a
# whole network, starting from the "probability minus label" above.
