# %% [markdown]
# # 07 · Regularisation: choosing among the functions that fit
#
# A model with more parameters than data points can fit its training set in many ways, and
# most of those ways are bad between the points. *Regularisation* is everything we do to pick
# a good one. After this chapter you can
#
# * add an L2 penalty to a loss and read it as a Gaussian **prior**: the fit becomes a
#   maximum a posteriori (MAP) estimate, and $\lambda = \sigma^2 / \sigma_p^2$; and see a
#   penalty remove a local minimum, so that gradient descent reaches a better one;
# * explain the **implicit** regularisation of gradient descent: discrete steps follow the
#   gradient flow of a *modified* loss $L + \frac{\alpha}{4}\|\partial L/\partial\theta\|^2$, and
#   SGD adds a penalty on the variance of the batch gradients; and test when SGD really ends
#   in flatter minima than gradient descent (for large enough steps and small batches);
# * use early stopping, ensembling, dropout and noise, and show for a linear-in-features model
#   that early stopping, dropout and noise act as penalties in disguise;
# * compute the Bayesian posterior over the parameters and its predictive band, and say what
#   it adds to the MAP fit.
#
# **Prerequisites:** chapter 01 (shallow ReLU nets), chapter 02 (maximum likelihood, the
# Gaussian and least squares), chapter 03 (gradient descent, SGD), chapter 06 (over-fitting,
# the interpolation threshold).
#
# **How to use it:** run all cells (*Run > Run All Cells*), then move the sliders. Every
# figure is computed by `dlcore.regularization`; no figure retrains a network when a slider
# moves (the running example has a closed-form fit, and what is heavier is computed once and
# cached).

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import regularization as R
from dlcore.data import mnist1d
from dlcore.plots import new_figure, label, PALETTE
from dlcore.plots.regularization import (plot_data, plot_truth, plot_fit, plot_contours,
                                         plot_loss_curves)
from dlcore.widgets import regularization as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(7)       # this chapter's exercises, in order

# %% [markdown]
# ## 1. The running example: a model that can fit the noise
#
# Twelve points $(x_i, y_i)$ come from a smooth function plus Gaussian noise with
# $\sigma = 0.25$. The model is chapter 01's shallow network with $D = 40$ hidden units whose
# first layer is **fixed**: unit $d$ has its joint at $c_d = (d - 1)/40$, so the joints sit at
# $0, 1/40, \dots, 39/40$ ($\theta_{d0} = -c_d$, $\theta_{d1} = 1$). Only the output weights
# $\phi$ are fitted:
#
# $$f[x, \phi] = \phi_0 + \sum_{d=1}^{D} \phi_d\, a[\theta_{d0} + \theta_{d1} x]
#   = \phi^T h(x), \qquad h(x) = [1, h_1(x), \dots, h_D(x)]^T .$$
#
# The model is a neural network, but it is *linear in its parameters*: collect the features of
# all points as the columns of $H$ (shape $(1 + D, I)$) and the predictions are $\phi^T H$. So
# every fit in this chapter is a small linear solve, fast enough to redo at every slider move.
# With 41 parameters and 12 points it is far past the interpolation threshold of chapter 06:
# many $\phi$ fit the data exactly.

# %%
# NBVAL_CHECK_OUTPUT
P = R.toy_problem()                       # I = 12, D = 40, sigma = 0.25, seed 7
x, y, H = P["x"], P["y"], P["H"]          # (12,), (12,), (41, 12)
print("H:", H.shape, "  theta:", P["theta"].shape)
print("first three columns of H, rows 0-4 (the ones, then h_1..h_4):")
print(np.round(H[:5, :3], 3))

# %%
xs = np.linspace(0, 1, 201)
Hs = R.shallow_features(xs, P["theta"])                # (41, 201): the features on a grid
fig, (ax, ax2) = new_figure(1, 2, figsize=(10, 3.2))
plot_truth(ax, xs, R.true_function(xs))
plot_data(ax, x, y)
label(ax, "$x$", "$y$", "the 12 training points and the true function")
ax.legend(loc="lower left", fontsize=8)
for d, c in zip((1, 11, 21, 31, 40), ("blue", "orange", "green", "vermillion", "sky"),
                strict=True):
    ax2.plot(xs, Hs[d], color=PALETTE[c],
             label=f"$h_{{{d}}}$, joint $c_{{{d}}}$ = {(d - 1) / 40:g}")
label(ax2, "$x$", r"$h_d(x) = a[x - c_d]$", "five of the 40 fixed hidden units")
ax2.legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# **What to notice**
# * Each hidden unit is a ramp: zero left of its joint $c_d$, slope 1 right of it. A weight
#   $\phi_d$ therefore changes the slope of $f$ by $\phi_d$ at $c_d$, and 40 joints let $f$
#   bend almost anywhere.
# * The points leave gaps: none between $x \approx 0.01$ and $0.22$, only two lone points (at
#   $0.47$ and $0.62$) between $0.31$ and $0.77$, none right of $0.9$. There the data say
#   little or nothing about $f$; what the fit does in those gaps is decided by the
#   regulariser, which is what this chapter is about.

# %%
print("the inputs x_i, sorted:", np.round(np.sort(x), 2))
assert not np.any((x > 0.01) & (x < 0.22)) and x.max() < 0.9
assert np.allclose(np.sort(x[(x > 0.31) & (x < 0.77)]), [0.47, 0.62], atol=0.01)

# %% [markdown]
# ## 2. Explicit regularisation: the L2 penalty
#
# Regularisation adds a term to the loss that is large for parameters we consider unlikely,
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmin}} \Big[ \sum_{i=1}^{I}
#   \ell_i[x_i, y_i] + \lambda\, g[\phi] \Big],$$
#
# with $\lambda \ge 0$ setting the strength. (The notes write argmax in this formula; a loss plus
# a penalty is minimised, so it is argmin.) The L2 penalty (*ridge regression*, or *weight
# decay* for networks) uses $g[\phi] = \sum_d \phi_d^2$, usually on the weights and not the
# offsets. With a least-squares loss,
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmin}} \Big[ \sum_{i=1}^{I}
#   (y_i - f[x_i, \phi])^2 + \lambda \sum_{d=1}^{D} \phi_d^2 \Big].$$
#
# For a deep network the penalty is $\lambda \sum_k \|\Omega_k\|^2$, `l2_penalty` in `dlcore`.
# For our model the minimum has a closed form, $\phi = y H^T (H H^T + \lambda \mathbf{I})^{-1}$
# (chapter 06's `least_squares`; bold $\mathbf{I}$ is the identity matrix). To leave $\phi_0$
# out of the penalty, `ridge_fit` centres the features and the targets, which removes $\phi_0$,
# fits the other weights to them, and then puts $\phi_0$ back. With the singular value
# decomposition $H = U \operatorname{diag}(s) V^T$ (of the centred features) the same fit is
# $U \operatorname{diag}(s / (s^2 + \lambda)) V^T y$: every direction of parameter space is
# shrunk, the weakly determined ones (small $s$) the most.

# %%
show_source(R.ridge_fit)
show_source(R.least_squares)

# %%
# NBVAL_CHECK_OUTPUT
print("  lambda   train MSE   test MSE   sum phi_d^2")
table = {}
for lam in [0.0, 1e-5, 1e-3, 1e-2, 1e-1, 1.0, 10.0]:
    phi = R.ridge_fit(H, y, lam)
    train = np.mean((y - phi @ H) ** 2)
    test = np.mean((P["y_test"] - phi @ P["H_test"]) ** 2)
    table[lam] = (train, test, R.l2_penalty(phi[1:], 1.0))
    print(f"{lam:8.0e}   {train:9.4f}   {test:8.3f}   {table[lam][2]:11.3g}")
train0, test0, size0 = table[0.0]
assert train0 < 1e-6 and test0 > 10 * min(t for _, t, _ in table.values()) and size0 > 1e4
assert min(table, key=lambda lam: table[lam][1]) == 1e-2       # best test error near 1e-2
assert table[10.0][1] > 2 * table[1e-2][1]                      # too large: under-fits

# %% [markdown]
# Move $\lambda$ (log scale). The left panel is the fit; the right panel shows the fitted
# weights $\phi_d$ as ticks, and the prior that this $\lambda$ stands for (section 3).

# %%
W.l2_fit.show()

# %% [markdown]
# **What to notice**
# * With $\lambda \to 0$ the fit passes through every point, noise included, and swings
#   between them: training error near zero, test error large. The weights are huge (some off
#   the scale on the right).
# * As $\lambda$ grows the weights shrink, the curve calms down and the test error falls, down
#   to a best value near $\lambda \approx 10^{-2}$.
# * With very large $\lambda$ every $\phi_d$ is pushed to zero and the fit flattens towards the
#   mean of the data ($\phi_0$ is not penalised): now it under-fits.
# * The penalty trades adherence to the data against small weights. Where there are no data
#   (between the points, near the edges) nothing but the penalty decides the function.

# %% [markdown]
# ### A penalty can remove a local minimum
#
# A penalty does more than shrink a fit: it reshapes the whole loss landscape, and minima of
# $L$ can disappear from $L + \lambda\|\theta\|^2$. Take one parameter and the non-convex loss
#
# $$L[\theta] = (\theta^2 - 1)^2 + 0.3\,\theta, \qquad
#   \frac{\partial L}{\partial \theta} = 4\theta^3 - 4\theta + 0.3 .$$
#
# It has a better minimum near $\theta = -1$ and a worse, *local* one near $\theta = +1$, with
# a barrier between them whose top is just right of $0$. Gradient descent started right of
# the barrier rolls into the local minimum and stays there. The penalised loss
# $L + \lambda\theta^2$ has the gradient $4\theta^3 + (2\lambda - 4)\theta + 0.3$, the loss's
# gradient plus $2\lambda\theta$:

# %%
show_source(R.l2_penalized_grad)

# %% [markdown]
# For $\lambda < 2$ this gradient is smallest on $\theta > 0$ at
# $\theta_m = \sqrt{(4 - 2\lambda)/12}$ (for $\lambda \ge 2$ it only rises there); it stays
# positive there, so the right-hand minimum is gone, once
# $\lambda > \lambda^* = 2 - \frac{1}{2}(1.5\sqrt{12}\cdot 0.3)^{2/3} \approx 1.33$
# (`escape_lam`). The gradient at $\theta = 0$ is $0.3 > 0$ for every $\lambda$, so the one
# minimum left lies at $\theta < 0$: left of $L$'s barrier, in the basin of the better
# minimum. The recipe below: gradient descent on $L + \lambda\theta^2$ from $\theta_0 = 1.5$,
# then the penalty switched off and gradient descent on $L$ from where that run ended (every
# run 300 steps of size $\alpha = 0.03$).

# %%
# NBVAL_CHECK_OUTPUT
lam_star = R.escape_lam(0.3)
plain, penalized, after = W.escape_runs(2.0, 1.5)       # lam = 2, theta_0 = 1.5
L_end = R.double_well_loss(np.array([plain[-1], after[-1]]))
print(f"lambda* = {lam_star:.2f}")
print(f"GD on L:                         theta = {plain[-1]:.2f}, L = {L_end[0]:.2f}")
print(f"GD on L + 2 theta^2:             theta = {penalized[-1]:.2f}")
print(f"then GD on L (penalty switched off): theta = {after[-1]:.2f}, L = {L_end[1]:.2f}")
assert round(lam_star, 2) == 1.33
assert round(plain[-1], 2) == 0.96 and round(penalized[-1], 2) == -0.42
assert round(after[-1], 2) == -1.04 and L_end[1] < L_end[0] - 0.5

# %% [markdown]
# The left panel is $L$ with the two gradient-descent runs on it; the right panel is the
# penalised loss and the run on it. Move $\lambda$ through $\lambda^* \approx 1.33$, and the
# start $\theta_0$.

# %%
W.escape.show()

# %% [markdown]
# **What to notice**
# * At $\lambda = 0$ the two panels agree and gradient descent stops at $\theta = 0.96$, the
#   local minimum, with $L = 0.29$; the better minimum ($L = -0.31$ at $\theta = -1.04$) is
#   never reached from any start right of the barrier.
# * As $\lambda$ grows the right-hand dip of the blue curve becomes shallower and moves left;
#   for $\lambda < \lambda^*$ it is still a minimum and the blue run stops in it from every
#   start $\theta_0 \ge 0.3$ (just below $\lambda^*$, a start at $0.2$ lies left of the dip's
#   own small barrier and slides left).
# * Above $\lambda^*$ the dip is gone: the blue run slides across to $\theta < 0$, and the green
#   run (penalty off) finishes at the better minimum. Each of $\lambda = 1.4, 1.5, \dots, 4$
#   does this from every start on the slider; just above $\lambda^*$ (at $1.35$) the slope is
#   so nearly flat that 300 steps are not enough, and the figure says so.
# * The penalised minimum itself ($\theta = -0.42$ at $\lambda = 2$) is *not* a minimum of
#   $L$: the penalty pulls towards $0$. It helped here because the better basin reaches past
#   $\theta = 0$; a penalty is no general cure for local minima.

# %%
starts = np.round(np.arange(0.2, 1.801, 0.05), 2)     # every start on the slider


def green_ends(lam):
    """Where the green runs end, for all starts at once (the loss acts entry by entry)."""
    pen = R.gradient_descent_path(R.l2_penalized_grad(R.double_well_grad, lam), starts,
                                  W.ALPHA_ESC, W.N_ESC)[-1]
    return R.gradient_descent_path(R.double_well_grad, pen, W.ALPHA_ESC, W.N_ESC)[-1]


ends = {lam: green_ends(lam) for lam in [*np.round(np.arange(0.0, 4.001, 0.1), 1), 1.35]}
assert all(np.allclose(e, -1.036, atol=1e-3) for lam, e in ends.items() if lam >= 1.4)
assert np.allclose(ends[0.0], 0.960, atol=1e-3)                  # no penalty: every start stuck
assert all(np.allclose(e[starts >= 0.3], 0.960, atol=1e-3) for lam, e in ends.items() if lam <= 1.3)
assert np.allclose(ends[1.35][starts >= 0.4], 0.960, atol=1e-3)   # just above lambda*: too slow

# %% [markdown]
# ## 3. The penalty is a prior: maximum a posteriori
#
# Chapter 02 turned "least squares" into "maximum likelihood under Gaussian noise". Do the same
# with the penalty. Put a **prior** $Pr(\phi)$ on the parameters and maximise the posterior
# $Pr(\phi \mid \text{data}) \propto \prod_i Pr(y_i \mid x_i, \phi)\, Pr(\phi)$:
#
# $$\hat\phi = \underset{\phi}{\operatorname{argmax}} \Big[ \prod_{i=1}^{I}
#    Pr(y_i \mid x_i, \phi)\, Pr(\phi) \Big]
#  = \underset{\phi}{\operatorname{argmin}} \Big[ -\sum_{i=1}^{I} \log Pr(y_i \mid x_i, \phi)
#    - \log Pr(\phi) \Big].$$
#
# This is the **MAP** estimate; the penalty is $-\log Pr(\phi)$ (the notes write
# $\log[Pr(\theta)] = \lambda g(\theta)$, without the minus sign: a penalty is large where the
# prior is small). With
# $y_i \sim \text{Norm}[f[x_i, \phi], \sigma^2]$ and independent $\phi_d \sim \text{Norm}[0,
# \sigma_p^2]$, dropping constants,
#
# $$-\log Pr(\phi \mid \text{data}) = \frac{1}{2\sigma^2} \sum_i (y_i - f[x_i, \phi])^2
#  + \frac{1}{2\sigma_p^2} \sum_d \phi_d^2 ,$$
#
# and multiplying by $2\sigma^2$ gives the ridge loss with $\lambda = \sigma^2 / \sigma_p^2$.
# A strong penalty is a narrow prior: "I am sure the weights are near zero".

# %%
show_source(R.neg_log_posterior)

# %%
# NBVAL_CHECK_OUTPUT
sigma, sigma_p = P["sigma"], 2.0
lam = R.lam_from_prior(sigma, sigma_p)            # sigma^2 / sigma_p^2
phi_map = R.ridge_fit(H, y, lam)
nlp = R.neg_log_posterior(phi_map, H, y, sigma, sigma_p)
worse = [R.neg_log_posterior(phi_map + 1e-3 * rng.standard_normal(41), H, y, sigma, sigma_p)
         for _ in range(100)]
print(f"lambda = {lam:.5f};  -log posterior at the ridge fit {nlp:.4f}")
print("every one of 100 random nearby phi is worse:", min(worse) > nlp)

# %% [markdown]
# To *see* the prior at work, take the smallest model with two parameters, a line
# $f[x, \phi] = \phi_0 + \phi_1 x$ through three points, with the prior on both. Below are the
# contours of the negative log-likelihood (grey), of the negative log prior (orange circles),
# and of their sum, the negative log posterior (blue). The MAP point lies between the maximum
# likelihood point and the prior's centre.

# %%
x3 = np.array([0.2, 0.5, 0.9])
y3 = np.array([1.2, 1.4, 2.6])
H3 = np.vstack([np.ones(3), x3])                  # (2, 3): features [1, x]
s3, sp3 = 0.4, 0.8                                # noise sigma, prior sigma_p
g0, g1 = np.meshgrid(np.linspace(-1.5, 2.5, 161), np.linspace(-1.5, 3.5, 161))
grid = np.stack([g0.ravel(), g1.ravel()])         # (2, 161*161) candidate phis
nll = (np.sum((y3[:, None] - H3.T @ grid) ** 2, axis=0) / (2 * s3 ** 2)).reshape(g0.shape)
nlprior = (np.sum(grid ** 2, axis=0) / (2 * sp3 ** 2)).reshape(g0.shape)
phi_ml = R.ridge_fit(H3, y3, 0.0, penalize_offset=True)
phi_mp = R.ridge_fit(H3, y3, R.lam_from_prior(s3, sp3), penalize_offset=True)

fig, (ax, ax2) = new_figure(1, 2, figsize=(10, 3.8))
plot_contours(ax, g0, g1, nll, levels=np.geomspace(0.3, 60, 8))
plot_contours(ax, g0, g1, nlprior, levels=[0.125, 0.5, 1.125, 2, 3.125],
              colors=PALETTE["orange"], linestyles="--")
plot_contours(ax, g0, g1, nll + nlprior, levels=np.geomspace(1.5, 60, 8),
              colors=PALETTE["blue"])
ax.plot(*phi_ml, "ks", label="maximum likelihood")
ax.plot(*phi_mp, "o", color=PALETTE["vermillion"], label="MAP")
ax.plot(0, 0, "+", color=PALETTE["orange"], markersize=12, label="prior centre")
label(ax, r"$\phi_0$", r"$\phi_1$", "likelihood (grey), prior (orange), posterior (blue)")
ax.legend(loc="lower left")
xs = np.linspace(0, 1, 50)
plot_data(ax2, x3, y3)
plot_fit(ax2, xs, phi_ml[0] + phi_ml[1] * xs, color=PALETTE["black"], label="maximum likelihood")
plot_fit(ax2, xs, phi_mp[0] + phi_mp[1] * xs, color=PALETTE["vermillion"], label="MAP")
label(ax2, "$x$", "$y$", "the two fits")
ax2.legend()
plt.show()

# %% [markdown]
# **What to notice**
# * The likelihood alone is minimised at the least-squares line (black square). The prior
#   pulls the estimate towards $\phi = 0$; the MAP point sits where the two sets of contours
#   balance, on the segment between them only when both are round.
# * The likelihood's ellipses are long in the direction the three points determine poorly;
#   that is the direction in which the prior moves the estimate most.
# * More data would sharpen the likelihood and the prior would matter less; a narrower prior
#   (smaller $\sigma_p$, larger $\lambda$) would matter more.

# %% [markdown]
# ## 4. Implicit regularisation: what gradient descent really minimises
#
# Even with no penalty, the way we fit chooses among the solutions. Gradient descent with step
# $\alpha$ makes jumps,
#
# $$\theta_{t+1} = \theta_t - \alpha \frac{\partial L}{\partial \theta}\Big|_{\theta_t},$$
#
# whereas the idealised, infinitely small steps follow the **gradient flow**
# $\frac{d\theta}{dt} = -\frac{\partial L}{\partial\theta}$. The discrete path leaves the flow.
# *Backward error analysis* asks: which flow would the discrete steps follow exactly, to the
# next order in $\alpha$? Write the flow as $\frac{d\theta}{dt} = g[\theta] + \alpha g_1[\theta]$
# with $g = -\partial L/\partial\theta$, expand one step of length $\alpha$ with Taylor's
# theorem,
#
# $$\theta(\alpha) \approx \theta_0 + \alpha\,(g + \alpha g_1) + \frac{\alpha^2}{2}
#   \frac{\partial g}{\partial \theta} g + O(\alpha^3),$$
#
# and match it to one gradient-descent step $\theta_0 + \alpha g$: the $\alpha^2$ terms must
# cancel, so $g_1 = -\frac{1}{2}\frac{\partial g}{\partial\theta} g$ and
#
# $$\frac{d\theta}{dt} = -\frac{\partial L}{\partial\theta}
#   - \frac{\alpha}{2} \frac{\partial^2 L}{\partial\theta^2} \frac{\partial L}{\partial\theta}
#   = -\frac{\partial L_{GD}}{\partial\theta}, \qquad
#   L_{GD}[\theta] = L[\theta] + \frac{\alpha}{4}\Big\|\frac{\partial L}{\partial\theta}\Big\|^2 .$$
#
# Gradient descent behaves like gradient flow on a **modified loss** that also penalises
# steep places. Here are both pieces in `dlcore`:

# %%
show_source(R.gd_modified_loss)
show_source(R.gd_modified_grad)

# %% [markdown]
# The figure runs three paths on a curved valley $L = \frac{1}{2}(1 - \theta_0)^2 +
# (\theta_1 - \theta_0^2)^2$ for the same time $t = 4$: gradient descent ($4/\alpha$ steps),
# the gradient flow on $L$ (dashed), and the gradient flow on $L_{GD}$ (orange); both flows are
# integrated accurately with Runge-Kutta steps. The right panel measures how far each
# gradient-descent iterate $\theta_k$ is from each flow at the same time $t = k\alpha$.
# (The flow on $L$ is computed once; the flow on $L_{GD}$ is recomputed for each $\alpha$ and
# cached.)

# %%
W.implicit_gd.show()


# %% [markdown]
# **What to notice**
# * For small $\alpha$ all three paths coincide: with tiny steps gradient descent *is* the
#   flow.
# * As $\alpha$ grows, gradient descent drifts from the flow on $L$: the largest dashed gap
#   grows like $\alpha$ (halve $\alpha$ and it halves). It stays closer to the flow on
#   $L_{GD}$, whose orange gap grows like $\alpha^2$: halving a small step ($\alpha \le 0.04$)
#   divides it by about four. For larger steps the next terms of the expansion start to count,
#   and from $\alpha = 0.1$ to $0.05$ it drops by about six.
# * How much closer depends on $\alpha$: about 45 times at $\alpha = 0.01$, at least three
#   times for every $\alpha$ up to $0.08$, only about twice at $\alpha = 0.1$.
# * Past $\alpha \approx 0.2$ the first steps bounce across the steep valley walls and both
#   gaps are large and about equal: the expansion is a statement about small steps, and the
#   modified loss no longer describes such jumps.
# * The extra term is large where the loss is steep, so the discrete path is pushed towards
#   flatter regions. Among many minima, larger steps favour flat ones.

# %%
def largest_gaps(alpha):
    """The largest distances of the GD iterates from the flow on L and on L_GD (the figure's)."""
    d = W.compute_implicit(alpha)
    return np.nanmax(d["gap_L"]), np.nanmax(d["gap_mod"])


gaps = {a: largest_gaps(a) for a in (0.01, 0.02, 0.04, 0.05, 0.08, 0.1, 0.2, 0.4)}
closer = {a: g_L / g_mod for a, (g_L, g_mod) in gaps.items()}
for a in (0.01, 0.02, 0.04):
    assert 1.8 < gaps[2 * a][0] / gaps[a][0] < 2.2           # dashed gap: like alpha
for a in (0.01, 0.02):
    assert 3.5 < gaps[2 * a][1] / gaps[a][1] < 4.7           # orange gap: like alpha^2
assert 5 < gaps[0.1][1] / gaps[0.05][1] < 7
slider = 10 ** np.arange(-2, np.log10(0.08) + 1e-9, 0.02)   # the slider's steps up to 0.08
assert all(g_L > 3 * g_mod for g_L, g_mod in map(largest_gaps, slider))
assert 40 < closer[0.01] < 50 and 2 < closer[0.1] < 2.5
assert all(0.8 < closer[a] < 1.25 and gaps[a][1] > 0.05 for a in (0.2, 0.4))
print("how many times closer to the flow on L_GD:", {a: round(float(c), 1) for a, c in closer.items()})

# %% [markdown]
# ### SGD adds a second term
#
# Split the data into $B$ batches of equal size, with batch losses $L_b$ and
# $L = \frac{1}{B}\sum_b L_b$. Running the same analysis on stochastic gradient descent over
# an epoch gives
#
# $$L_{SGD}[\theta] = L[\theta] + \frac{\alpha}{4}\Big\|\frac{\partial L}{\partial\theta}\Big\|^2
#  + \frac{\alpha}{4B}\sum_{b=1}^{B}\Big\|\frac{\partial L_b}{\partial\theta}
#   - \frac{\partial L}{\partial\theta}\Big\|^2 .$$
#
# The new term is the **variance of the batch gradients**: SGD prefers parameters at which every
# batch agrees on the direction, that is, solutions that fit all the data about equally well
# rather than some of it very well. For a line fitted to 8 points in $B = 4$ batches of two, the
# three losses and their minima:

# %%
show_source(R.sgd_modified_loss)

# %%
# NBVAL_CHECK_OUTPUT
x8 = np.array([0.0, 0.15, 0.3, 0.45, 0.55, 0.7, 0.85, 1.0])
y8 = np.array([0.1, 0.9, 0.2, 1.1, 0.6, 0.7, 1.9, 1.2])
H8 = np.vstack([np.ones(8), x8])                      # (2, 8)
batches = [np.array([0, 6]), np.array([1, 2]), np.array([3, 4]), np.array([5, 7])]


def batch_loss(idx):                                  # L_b: mean squared error on batch b
    return lambda th: np.mean((y8[idx] - th @ H8[:, idx]) ** 2)


def batch_grad(idx):                                  # dL_b/dtheta
    return lambda th: -2 * H8[:, idx] @ (y8[idx] - th @ H8[:, idx]) / len(idx)


alpha = 0.5
L_fns, g_fns = [batch_loss(b) for b in batches], [batch_grad(b) for b in batches]
L_full = lambda th: np.mean([f(th) for f in L_fns])
g_full = lambda th: np.mean([g(th) for g in g_fns], axis=0)
losses = {"L": L_full, "L_GD": R.gd_modified_loss(L_full, g_full, alpha),
          "L_SGD": R.sgd_modified_loss(L_fns, g_fns, alpha)}
t0, t1 = np.meshgrid(np.linspace(-0.6, 1.2, 41), np.linspace(-0.5, 2.5, 41))
surfaces = {k: np.array([[f(np.array([a, b])) for a, b in zip(r0, r1, strict=True)]
                         for r0, r1 in zip(t0, t1, strict=True)]) for k, f in losses.items()}
minima = {}
for k, Z in surfaces.items():
    i = np.unravel_index(np.argmin(Z), Z.shape)
    minima[k] = np.array([t0[i], t1[i]])
    print(f"{k:6s} minimum on the grid at theta = ({t0[i]:.2f}, {t1[i]:.2f})")
assert np.array_equal(minima["L"], minima["L_GD"])                 # the same minimum
assert 0 < np.linalg.norm(minima["L_SGD"] - minima["L"]) < 0.2     # moved, a little

# %%
fig, axes = new_figure(1, 3, figsize=(11, 3.2), sharey=True)
for ax, (k, Z) in zip(axes, surfaces.items(), strict=True):
    plot_contours(ax, t0, t1, Z, levels=np.linspace(Z.min(), Z.min() + 1.5, 12))
    i = np.unravel_index(np.argmin(Z), Z.shape)
    ax.plot(t0[i], t1[i], "*", color=PALETTE["vermillion"], markersize=11)
    ax.set_title({"L": "$L$", "L_GD": r"$L_{GD}$ ($\alpha = 0.5$)",
                  "L_SGD": r"$L_{SGD}$ ($\alpha = 0.5$, $B = 4$)"}[k])
plt.show()

# %% [markdown]
# **What to notice**
# * $L$ and $L_{GD}$ have the *same* minimum: where the gradient is zero the extra term is
#   zero too. Gradient descent's regulariser changes the path, and which minimum is reached
#   when there are many, not the location of an isolated minimum.
# * $L_{SGD}$'s minimum moves: at the least-squares line the batches still disagree (their
#   gradients are not zero, only their mean is), and the variance term prefers a line on which
#   they disagree less. The move is small here because the batches disagree only mildly; it
#   grows with $\alpha$ and with the spread between batches.

# %% [markdown]
# ### SGD prefers flatter minima
#
# Gradient descent is said to favour small-norm solutions, and SGD *flat* ones: minima where
# the loss rises slowly (a small largest eigenvalue of the Hessian $\partial^2 L /
# \partial\theta^2$, the *sharpness*). Here is a test in one dimension. The loss
# `sharp_flat_loss` joins two parabolas of equal depth $0$: a sharp well at $\theta = -0.8$ with
# curvature $40$ and a flat one at $\theta = 0.8$ with curvature $4$ (the soft minimum
# $-T\log(e^{-q_1/T} + e^{-q_2/T})$ of the two, $T = 0.25$). The training set has $I = 32$
# points, and point $i$ tilts the loss, $\ell_i[\theta] = L[\theta] + c_i\theta$ with
# $\sum_i c_i = 0$ (standard deviation $6$): the full loss is exactly $L$, so gradient descent
# sees $L$, while SGD with a batch $\mathcal{B}$ steps along
# $\partial L/\partial\theta + \frac{1}{|\mathcal{B}|}\sum_{i\in\mathcal{B}} c_i$, a noisy
# gradient (`tilted_sgd_runs`, each run with its own shuffles). We start 300 runs at random
# $\theta_0 \in [-2, 2]$ and give each method 1600 steps of the same size $\alpha$: gradient
# descent, SGD with batches of 1 (50 epochs) and SGD with batches of 4 (200 epochs).

# %%
I_T, N_RUNS, EPOCHS = 32, 300, 50
c = np.random.default_rng(1).standard_normal(I_T)
c = 6.0 * (c - c.mean()) / c.std()                         # the tilts: mean 0, std 6
starts = np.random.default_rng(2).uniform(-2, 2, N_RUNS)   # the same starts for every method
barrier = -0.4                                             # the top between the two wells
alphas = (0.01, 0.015, 0.02, 0.03, 0.04)
ends = {}
for a in alphas:
    ends["GD", a] = R.gradient_descent_path(R.sharp_flat_grad, starts, a, EPOCHS * I_T)[-1]
    for b in (1, 4):
        ends[f"SGD, batch {b}", a] = R.tilted_sgd_runs(starts, c, b, a, EPOCHS * b,
                                                       np.random.default_rng(3))[-1]
flat = {k: np.mean(e > barrier) for k, e in ends.items()}            # fraction in the flat well
sharpness = {k: np.mean(R.sharp_flat_hess(e)) for k, e in ends.items()}  # mean d2L/dtheta2
methods = ("GD", "SGD, batch 1", "SGD, batch 4")
print("alpha   fraction ending in the flat minimum (mean sharpness at the end points)")
for a in alphas:
    print(f"{a:5.3f}  " + "   ".join(f"{m}: {flat[m, a]:.2f} ({sharpness[m, a]:4.1f})"
                                      for m in methods))
between = np.linspace(-0.8, 0.8, 16001)
assert abs(between[np.argmax(R.sharp_flat_loss(between))] - barrier) < 0.01
assert abs(R.sharp_flat_loss(np.array([-0.8, 0.8]))).max() < 1e-9          # equal depth
assert np.allclose(R.sharp_flat_hess(np.array([-0.8, 0.8])), [40, 4], rtol=1e-6)
assert all(0.55 < flat["GD", a] < 0.6 for a in alphas)                     # the basins' share
assert all(18 < sharpness["GD", a] < 21 for a in alphas)
assert all(abs(flat[m, 0.01] - flat["GD", 0.01]) < 0.02 for m in methods)  # small step: no effect
assert flat["SGD, batch 1", 0.02] > 0.8 and flat["SGD, batch 1", 0.03] == 1.0
assert flat["SGD, batch 1", 0.04] == 1.0 and abs(sharpness["SGD, batch 1", 0.03] - 4) < 0.3
assert all(flat["SGD, batch 4", a] < 0.6 for a in (0.01, 0.015, 0.02, 0.03))
assert flat["SGD, batch 4", 0.04] > 0.99
longer = R.tilted_sgd_runs(starts, c, 1, 0.02, 2 * EPOCHS, np.random.default_rng(3))[-1]
assert np.mean(longer > barrier) > 0.9                                     # twice the steps
gd_past_limit = R.gradient_descent_path(R.sharp_flat_grad, starts, 0.055, EPOCHS * I_T)[-1]
assert np.all(gd_past_limit > barrier)          # alpha > 2/40: GD cannot settle in the sharp well

# %% [markdown]
# Left: the loss, and where gradient descent and SGD (batch size 1) end at $\alpha = 0.03$.
# Middle: the share of the runs that end in the flat minimum, for each step size. Right: the
# mean sharpness $\partial^2 L/\partial\theta^2$ at the end points (dotted: $40$ and $4$).

# %%
fig, (ax, ax2, ax3) = new_figure(1, 3, figsize=(12, 3.4), width_ratios=[1.3, 1, 1])
grid = np.linspace(-2, 2, 401)
ax.plot(grid, R.sharp_flat_loss(grid), color=PALETTE["black"], label=r"$L[\theta]$")
bins = np.linspace(-2, 2, 81)
for m, col, off in (("GD", "vermillion", 0.0), ("SGD, batch 1", "blue", 0.0)):
    counts, _ = np.histogram(ends[m, 0.03], bins)
    ax.bar(bins[:-1] + 0.025, counts / N_RUNS * 6, width=0.045, bottom=off, alpha=0.6,
           color=PALETTE[col], label=f"where {m} ends")
ax.set_ylim(0, 6)
label(ax, r"$\theta$", r"loss (bars: share of the runs $\times 6$)",
      r"end points at $\alpha = 0.03$")
ax.legend(loc="upper center", fontsize=8)
ax.text(-0.8, 3.2, "sharp\n$\\kappa$ = 40", ha="center", fontsize=8)
ax.text(0.8, 3.2, "flat\n$\\kappa$ = 4", ha="center", fontsize=8)
for m, col, style in zip(methods, ("vermillion", "blue", "green"), ("s--", "o-", "^-"),
                         strict=True):
    z = 3 if m == "GD" else 2
    ax2.plot(alphas, [flat[m, a] for a in alphas], style, color=PALETTE[col], label=m, zorder=z)
    ax3.plot(alphas, [sharpness[m, a] for a in alphas], style, color=PALETTE[col], label=m,
             zorder=z)
label(ax2, r"step size $\alpha$", "fraction ending in the flat minimum", "which minimum")
ax2.set_ylim(0, 1.05)
ax2.legend(loc="lower right", fontsize=8)
ax3.axhline(40, color=PALETTE["grey"], linestyle=":", linewidth=1)
ax3.axhline(4, color=PALETTE["grey"], linestyle=":", linewidth=1)
label(ax3, r"step size $\alpha$", r"mean $\partial^2 L/\partial\theta^2$ at the ends",
      "sharpness at the end points")
ax3.set_ylim(0, 42)
plt.show()

# %% [markdown]
# **What to notice**
# * Gradient descent ends in the flat minimum from about 57% of the starts, at every step
#   size: that is the share of the starts that lie in the flat well's basin, and full-batch
#   steps this small never leave the basin they start in.
# * With a small step ($\alpha = 0.01$) SGD does exactly the same: its noise shakes the runs
#   inside their well but never over the barrier within 1600 steps. The preference for flat
#   minima is **not** there at every step size.
# * From $\alpha = 0.02$ SGD with batch size 1 leaves the sharp well: more than 80% of its runs
#   end in the flat minimum at $\alpha = 0.02$ (over 90% with twice as many steps), all of them
#   from $\alpha = 0.03$, and the mean sharpness at the end points drops from about 19 to 4,
#   the curvature of the flat well. Batches of 4 average the tilts and shake less; they need
#   $\alpha = 0.04$ for the same effect.
# * Why the sharp well loses: near a minimum of curvature $\kappa$ an SGD step is
#   $\theta - \theta^* \leftarrow (1 - \alpha\kappa)(\theta - \theta^*) - \alpha\xi$ with gradient
#   noise $\xi$ of variance $s^2$, and the spread settles at
#   $\operatorname{Var} = \alpha s^2 / (\kappa(2 - \alpha\kappa))$. The loss this costs,
#   $\kappa \operatorname{Var}/2 = \alpha s^2 / (2(2 - \alpha\kappa))$, is about the same in both
#   wells when $\alpha\kappa$ is small, but grows without bound in the sharp well as $\alpha$
#   approaches its stability limit $2/\kappa = 0.05$, while the flat well ($2/\kappa = 0.5$)
#   hardly notices. So "SGD prefers flat minima" is a statement about steps that are large for
#   the sharp minimum, and about enough gradient noise (small batches).
# * Large steps do it without noise too, but only past that limit: gradient descent with
#   $\alpha = 0.055 > 2/40$ cannot settle in the sharp well (chapter 03's stability limit) and
#   ends in the flat minimum from every one of the 300 starts.

# %%
# NBVAL_CHECK_OUTPUT
for a in (0.01, 0.02, 0.03):   # kappa Var / 2 for batch size 1, s^2 = 36 (the tilts' variance)
    cost = {k: a * 36 / (2 * (2 - a * k)) for k in (40, 4)}
    print(f"alpha = {a}: loss cost of the spread, sharp {cost[40]:.2f}, flat {cost[4]:.2f}")

# %% [markdown]
# ## 5. Early stopping
#
# Stop training before the loss has converged. Starting from small weights, gradient descent
# first fits the broad shape of the data (the directions of parameter space in which the data
# pull hardest) and only later the fine detail and the noise. For least squares
# $L = \sum_i (y_i - \phi^T h_i)^2$ started at $\phi = 0$ this can be written out: with
# $H = U \operatorname{diag}(s) V^T$,
#
# $$\phi_t = U \operatorname{diag}\!\Big(\frac{1 - (1 - 2\alpha s^2)^t}{s^2}\Big)
#   \operatorname{diag}(s)\, V^T y ,$$
#
# so `least_squares_gd` gives the parameters after *any* number of steps $t$ without running
# them, and the slider below can go up to a million steps. The test loss here is measured on
# 200 fresh points; in practice you would hold out a *validation* set and keep the parameters
# from the step where its loss was lowest (`early_stopping_point`).

# %%
show_source(R.least_squares_gd)

# %%
W.early_stopping.show()

# %% [markdown]
# **What to notice**
# * Early on the fit is a smooth sketch; the training loss falls steadily. Around $t \approx
#   10^3$ the test loss is lowest (dotted line). After that the fit starts bending towards
#   individual noisy points: training loss keeps falling, test loss rises.
# * By $t = 10^6$ the fit chases individual points. It is heading for an interpolant of the
#   data, like the $\lambda \to 0$ fit of section 2, but gets there only as $t \to \infty$:
#   the weakly determined directions (small $s$) are fitted last and most slowly.
# * Early stopping is a regulariser with the number of steps as its strength. Compare the
#   factors by which each direction is fitted: after $t$ steps, $1 - (1 - 2\alpha s^2)^t$;
#   with ridge, $s^2 / (s^2 + \lambda)$. With $\lambda = 1 / (2\alpha t)$ both switch from 0
#   (direction not fitted) to 1 (fitted) at the same place, $s^2 \approx \lambda$; the
#   gradient-descent factor switches a little more sharply, and in between the two differ by
#   up to about 0.2:

# %%
train_es, test_es, stop_es = W._es_curves()                 # the figure above: its curves
assert 700 < W.STEPS[stop_es] < 1500                         # lowest test loss near t = 10^3
assert np.all(np.diff(train_es) <= 0) and test_es[-1] > 1.5 * test_es[stop_es]

alpha_es = W.ALPHA_ES
s2 = np.geomspace(1e-6, 1 / (2 * alpha_es), 300)          # squared singular values s^2
for t in [10, 1000, 100000]:                               # the statements above, checked
    lam_t = 1 / (2 * alpha_es * t)
    gd, ridge = 1 - (1 - 2 * alpha_es * s2) ** t, s2 / (s2 + lam_t)
    for fitted in (gd, ridge):
        assert np.all(fitted[s2 < lam_t / 100] < 0.02) and np.all(fitted[s2 > 100 * lam_t] > 0.98)
    assert np.max(np.abs(gd - ridge)) < 0.25
fig, ax = new_figure(figsize=(6.5, 3))
for t, c in zip([10, 1000, 100000], [PALETTE["blue"], PALETTE["orange"], PALETTE["green"]],
                strict=True):
    ax.plot(s2, 1 - (1 - 2 * alpha_es * s2) ** t, color=c, label=f"GD, t = {t:,}")
    lam_t = 1 / (2 * alpha_es * t)
    ax.plot(s2, s2 / (s2 + lam_t), color=c, linestyle="--",
            label=fr"ridge, $\lambda$ = {lam_t:.2g}")
ax.set_xscale("log")
label(ax, "$s^2$ (how strongly the data determine a direction)", "fraction fitted",
      r"GD after $t$ steps against ridge with $\lambda = 1/(2\alpha t)$")
ax.legend(ncols=3, loc="upper left", fontsize=7)
ax.set_ylim(0, 1.25)
plt.show()

# %% [markdown]
# ## 6. Ensembling
#
# Train several models and average their predictions. The members must differ: different
# random initialisations, different subsets of the data (*bagging*: each member sees a
# bootstrap resample, $I$ points drawn with replacement), or different architectures. For
# squared error there is an exact identity, at each input, between $M$ members $f_m$ and their
# average $\bar f = \frac{1}{M}\sum_m f_m$:
#
# $$\underbrace{\frac{1}{M}\sum_{m}(f_m - y)^2}_{\text{average member error}}
#   = \underbrace{(\bar f - y)^2}_{\text{ensemble error}}
#   + \underbrace{\frac{1}{M}\sum_m (f_m - \bar f)^2}_{\text{spread}} .$$
#
# The ensemble is never worse than the average member, and better by exactly how much the
# members disagree: averaging cancels the part of each member's error that is its own (the
# variance of chapter 06), and keeps what they share (the bias).

# %%
show_source(R.ensemble_decomposition)

# %%
W.ensemble.show()

# %% [markdown]
# **What to notice**
# * Each member is barely regularised and over-fits *its own* resample: they agree where the
#   data are dense and fan out where a resample happened to miss a point.
# * The average (thick) is smoother than any member. The identity in the text box holds at
#   every $M$; the spread term is what averaging removed.
# * Compare the ensemble with the *average* member, not with the first one: here member 1
#   happens to be a lucky fit (at $M = 1$ the error is 0.040, lower than any ensemble
#   reaches), but the typical member is worse, and at $M = 20$ the ensemble's 0.079 is half
#   the average member's 0.160. Without test data you cannot tell which member is the lucky
#   one; the average is safe. (The errors here are against the true function.)

# %%
ens = {M: W.compute_ensemble(M) for M in range(1, W.M_MAX + 1)}   # the figure's numbers
assert round(ens[1]["ensemble_mse"], 3) == 0.040
assert all(ens[1]["ensemble_mse"] < ens[M]["ensemble_mse"] for M in range(2, W.M_MAX + 1))
assert (round(ens[20]["ensemble_mse"], 3), round(ens[20]["member_mse"], 3)) == (0.079, 0.160)
assert all(abs(d["member_mse"] - d["ensemble_mse"] - d["spread"]) < 1e-12 for d in ens.values())

# %% [markdown]
# ## 7. Dropout
#
# During training, **dropout** sets each hidden unit to zero with probability $p$, with a new
# random mask $m_d \in \{0, 1\}$ for every example and every step. *Inverted* dropout divides the
# survivors by $1 - p$ so that the expected activation is unchanged,
#
# $$\tilde h_d = \frac{m_d}{1 - p}\, h_d, \qquad m_d \sim \text{Bernoulli}[1 - p], \qquad
#   E[\tilde h_d] = h_d ,$$
#
# and at test time the full network is used with no rescaling. A unit can no longer rely on
# one particular other unit being there, which discourages weights that only work together.

# %%
show_source(R.dropout)

# %%
# NBVAL_CHECK_OUTPUT
h = np.full((1000, 1000), 2.0)                      # a million activations equal to 2
for p in [0.1, 0.5, 0.9]:
    out = R.dropout(h, p, np.random.default_rng(1))
    print(f"p = {p}: fraction zeroed {np.mean(out == 0):.3f}, survivors = {out.max():.2f},"
          f" mean = {out.mean():.3f}")

# %% [markdown]
# For our linear-in-features model, the expected training loss under dropout of the hidden
# units can be computed exactly. The mask enters linearly, and $E[m_d] = 1-p$,
# $\text{Var}[m_d] = p(1-p)$, so
#
# $$E_m\Big[\sum_i \big(y_i - \phi_0 - \sum_d \tfrac{m_d}{1-p} \phi_d h_{di}\big)^2\Big]
#   = \sum_i (y_i - f[x_i, \phi])^2 + \frac{p}{1-p}\sum_d \phi_d^2 \sum_i h_{di}^2 .$$
#
# Dropout is an L2 penalty in disguise, weighted per unit by how active that unit is on the
# data (`dropout_expected_loss`; `dropout_fit` minimises it). The tests check the formula by
# enumerating every mask. The figure shows four *thinned* networks (one mask each, weights
# fixed) and the average over 400 masks; tick the box to use the weights that minimise the
# dropout loss instead of a least-squares fit with a tiny ridge penalty ($\lambda = 10^{-4}$).

# %%
W.dropout_fit.show()

# %% [markdown]
# **What to notice**
# * With weights trained without dropout, each thinned network is a badly damaged version of
#   the fit: removing one unit removes its kink, and every later part of the curve shifts.
#   Averaged over the 400 masks the damage cancels (the orange curve stays close to the dashed
#   one) because of the $1/(1-p)$ scaling; what is left, a few percent of the damage, is the
#   Monte-Carlo error of 400 masks.
# * Trained *with* dropout (box ticked), the weights are smaller and the fit is smoother; the
#   thinned networks stay close to it, because the training loss punished exactly their
#   spread. Larger $p$ means a stronger penalty.
# * At $p = 0$ nothing is dropped: thinned networks, average and full network are one curve.
#   With the box ticked, $p = 0$ also means no penalty at all, so the fit is the wild
#   unregularised interpolant of section 2 ($\lambda \to 0$).

# %%
drop = {(p, trained): W.compute_dropout(p, trained) for p in (0.0, 0.3, 0.6, 0.9)
        for trained in (False, True)}                      # the figure's numbers


def spread(d):
    """How far the thinned networks are from the full one (root mean square over x)."""
    return np.sqrt(np.mean((d["thinned"] - d["full"]) ** 2))


for p in (0.3, 0.6, 0.9):
    plain, trained = drop[p, False], drop[p, True]
    assert spread(trained) < spread(plain) / 5                       # thinned nets stay close
    assert np.ptp(trained["full"]) < np.ptp(plain["full"])           # a calmer fit
    assert np.max(np.abs(plain["average"] - plain["full"])) < 0.06 * spread(plain)  # cancels
    assert np.sum(R.dropout_fit(H, y, p)[1:] ** 2) < np.sum(W.PHI_PLAIN[1:] ** 2)  # smaller weights
assert np.ptp(drop[0.3, True]["full"]) > np.ptp(drop[0.6, True]["full"]) > np.ptp(drop[0.9, True]["full"])
assert spread(drop[0.0, False]) < 1e-9 and spread(drop[0.0, True]) < 1e-9   # p = 0: one curve
assert abs(drop[0.0, True]["test"] - table[0.0][1]) < 1e-6          # p = 0, ticked: lambda -> 0

# %% [markdown]
# ## 8. Adding noise
#
# Perturbing the inputs during training, $x_i \to x_i + \epsilon_i$ with
# $\epsilon_i \sim \text{Norm}[0, \sigma_x^2]$, asks the model to give similar outputs for
# similar inputs. For a linear model $f = \beta + \omega^T x$ the expectation is again a ridge
# penalty (`input_noise_expected_loss`):
#
# $$E_\epsilon\Big[\sum_i (y_i - \beta - \omega^T (x_i + \epsilon_i))^2\Big]
#   = \sum_i (y_i - \beta - \omega^T x_i)^2 + I \sigma_x^2 \|\omega\|^2 .$$
#
# For our ReLU model the expected loss still has a closed form (Gaussian integrals of ReLU
# units; `input_noise_fit`), as if we had trained on infinitely many noisy copies of each
# point. The grey ticks mark $x_i \pm 2\sigma_x$.

# %%
W.input_noise.show()

# %% [markdown]
# **What to notice**
# * Without noise this is the wild $\lambda \approx 0$ fit of section 2. A little input noise
#   removes the swings: the model cannot bend sharply between two nearby inputs when each
#   input might have been slightly elsewhere.
# * Too much noise blurs the function itself: the peaks and troughs flatten (under-fitting),
#   and the test error rises again.

# %%
noisy = {s_x: W.compute_input_noise(s_x) for s_x in (0.0, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.2)}
best_test = min(d["test"] for d in noisy.values())
assert noisy[0.0]["test"] > 2 * best_test and noisy[0.2]["test"] > 1.3 * best_test
ranges = [np.ptp(d["f"]) for d in noisy.values()]          # peak to trough of the fit
assert np.all(np.diff(ranges) < 0)                          # flatter with every increase
#
# **Noise on the weights.** Perturbing $\phi \to \phi + \epsilon$ at the *output* layer, with
# independent $\epsilon_d \sim \text{Norm}[0, \sigma_w^2]$, adds
# $\sigma_w^2 \sum_i \|h_i\|^2$ to the expected loss, a constant that does not depend on $\phi$
# (check it below). In a deep network, noise on earlier weights is not constant: it penalises
# parameters at which the output is sensitive to the weights, which again favours flat minima.

# %%
# NBVAL_CHECK_OUTPUT
phi = R.ridge_fit(H, y, 1e-2)
sigma_w = 0.1
eps = np.random.default_rng(2).standard_normal((20000, 41)) * sigma_w     # weight noise
mc = np.mean(np.sum((y[None, :] - (phi + eps) @ H) ** 2, axis=1))        # Monte Carlo
exact = np.sum((y - phi @ H) ** 2) + sigma_w ** 2 * np.sum(H ** 2)
print(f"Monte Carlo {mc:.2f}   formula {exact:.2f}   added term {sigma_w**2 * np.sum(H**2):.2f}")
assert abs(mc - exact) < 0.02 * exact

# %% [markdown]
# ## 9. Bayesian inference: keep every plausible $\phi$
#
# MAP picks one parameter vector. Bayesian inference keeps the whole posterior and averages
# predictions over it. For the linear-in-features model with prior
# $\phi \sim \text{Norm}[0, \sigma_p^2 \mathbf{I}]$ (bold $\mathbf{I}$: the identity matrix,
# not the number of points $I$) and Gaussian noise the posterior is Gaussian,
#
# $$Pr(\phi \mid \text{data}) = \text{Norm}[\mu, S], \qquad
#   S = \Big(\frac{1}{\sigma^2} H H^T + \frac{1}{\sigma_p^2} \mathbf{I}\Big)^{-1}, \qquad
#   \mu = \frac{1}{\sigma^2} S H y ,$$
#
# and so is the prediction at a new input $x^*$ with features $h^*$:
#
# $$Pr(y^* \mid x^*, \text{data}) = \int Pr(y^* \mid x^*, \phi)\, Pr(\phi \mid \text{data})\,
#   d\phi = \text{Norm}\big[\mu^T h^*,\; h^{*T} S h^* + \sigma^2\big].$$
#
# The posterior mean $\mu$ *is* the MAP (ridge) fit with $\lambda = \sigma^2/\sigma_p^2$ (here
# the offset is penalised too). What Bayes adds is the variance $h^{*T} S h^*$: how much the
# plausible functions disagree at $x^*$.

# %%
show_source(R.bayes_posterior)
show_source(R.bayes_predictive)

# %%
# NBVAL_CHECK_OUTPUT
mu, S = R.bayes_posterior(H, y, sigma, 2.0)
phi_map = R.ridge_fit(H, y, R.lam_from_prior(sigma, 2.0), penalize_offset=True)
print("posterior mean = MAP fit:", np.allclose(mu, phi_map))
mean, var = R.bayes_predictive(R.shallow_features(np.array([0.5, 1.0]), P["theta"]), mu, S, sigma)
print("predictive sd at x = 0.5 and x = 1.0:", np.round(np.sqrt(var), 3))

# %% [markdown]
# The figure uses the first $I$ training points (from the left). Green curves are functions
# $\phi^T h(x)$ with $\phi$ drawn from the posterior; the blue band is the predictive mean
# $\pm 2$ standard deviations; dashed red is the MAP fit.

# %%
W.bayes.show()

# %% [markdown]
# **What to notice**
# * Near the data the posterior samples agree and the band is about $\pm 2\sigma$ wide (the
#   noise). Where there are no data (reduce $I$ and look to the right) the samples fan out and
#   the band widens: the model knows what it does not know. The MAP curve alone gives no hint
#   of this.
# * A very narrow prior (small $\sigma_p$) forces all functions towards zero and the band is
#   narrow but wrong. A very wide prior lets the posterior follow the noise where there are
#   data, and the band explodes away from them.
# * Adding points shrinks the band where they land. With $I = 1$ the band is the prior's band
#   everywhere except near that one point.

# %% [markdown]
# ## 10. The same regularisers on MNIST-1D
#
# A real data set: MNIST-1D (40-sample signals of the ten digits, generated locally by the
# `mnist1d` package). As in chapter 06 the model is a shallow ReLU net with a fixed *random*
# hidden layer, fitted to one-hot targets by least squares, with $D = 399$ units so that
# $1 + D = I = 400$: exactly the interpolation threshold, where the unregularised fit is at its
# worst. Every number below comes from the closed forms of this chapter: `ridge_fit` for a
# sweep of $\lambda$, `least_squares_gd` for early stopping, and an ensemble of five nets with
# different random hidden layers.
#
# **Three sets, not two.** $\lambda$ and the stopping step are chosen by looking at data the
# fit did not use. If we chose them by their *test* error and then reported that same test
# error, the report would be too optimistic: among 15 values of $\lambda$, the one that does
# best on these 250 test signals does so partly by luck, and that luck would not carry over to
# new data. So we hold out a **validation set** (600 of the training signals that the fit does
# not see), choose $\lambda$ and the step on it, and use the test set once, at the end, to
# report the error of the models we chose.

# %%
from threadpoolctl import threadpool_limits

from dlcore.losses import one_hot

data = mnist1d(seed=42, num_samples=1250)          # rows are examples: 1000 train, 250 test
I, D = 400, 399
x_tr, y_tr = data["x"][:I].T, data["y"][:I]        # (40, 400) columns, as in the notes
x_va, y_va = data["x"][I:].T, data["y"][I:]        # (40, 600): validation, for choosing
x_te, y_te = data["x_test"].T, data["y_test"]      # (40, 250): test, used once at the end
Y_tr, Y_va = one_hot(y_tr, 10), one_hot(y_va, 10)      # one-hot targets (10, I)


def random_theta(seed):
    """A random hidden layer theta (D, 1 + 40): biases Norm(0, 0.25), weights Norm(0, 1/40)."""
    r = np.random.default_rng(seed)
    return np.hstack([0.5 * r.standard_normal((D, 1)), r.standard_normal((D, 40)) / np.sqrt(40)])


def error(phi, H, labels):                         # fraction misclassified
    return np.mean((phi @ H).argmax(axis=0) != labels)


# One BLAS thread: for 400 x 400 matrices it is as fast as several, and much faster when
# the machine's cores are shared (a lecture hall on Binder, CI).
with threadpool_limits(1):
    theta = random_theta(0)
    H_tr, H_va = R.shallow_features(x_tr, theta), R.shallow_features(x_va, theta)  # (400, .)

    lams = np.geomspace(1e-2, 1e5, 15)
    ridge = {lam: R.ridge_fit(H_tr, Y_tr, lam) for lam in [0.0, *lams]}          # (10, 400) each
    val_err = np.array([error(ridge[lam], H_va, y_va) for lam in lams])
    lam_best = lams[np.argmin(val_err)]                                        # chosen on validation

    alpha_m = 0.5 / np.linalg.norm(H_tr, 2) ** 2
    steps = np.unique(np.geomspace(1, 1e7, 50).astype(int))
    phis = R.least_squares_gd(H_tr, Y_tr, alpha_m, steps)                       # (T, 10, 400)
    gd_train = np.array([np.sum((Y_tr - p @ H_tr) ** 2) / I for p in phis])
    gd_val = np.array([np.sum((Y_va - p @ H_va) ** 2) / len(y_va) for p in phis])
    stop = R.early_stopping_point(gd_val)                                      # chosen on validation

print(f"lambda chosen on the validation set: {lam_best:.3g} "
      f"(validation error {val_err.min():.3f}; lambda = 0: {error(ridge[0.0], H_va, y_va):.3f})")
print(f"early stopping on the validation loss: t = {steps[stop]:,} steps")

# %%
fig, (ax, ax2) = new_figure(1, 2, figsize=(11, 3.4))
ax.semilogx(lams, val_err, "o-", color=PALETTE["blue"], label="ridge")
ax.axhline(error(ridge[0.0], H_va, y_va), color=PALETTE["vermillion"], linestyle="--",
           label=r"$\lambda = 0$")
ax.axvline(lam_best, color=PALETTE["grey"], linestyle=":", label=f"chosen: λ = {lam_best:.3g}")
ax.axhline(0.9, color=PALETTE["grey"], linewidth=0.8, label="guessing")
label(ax, r"$\lambda$", "validation error (fraction misclassified)",
      "L2 at the interpolation threshold")
ax.set_ylim(0.6, 0.95)
ax.legend(fontsize=7, loc="lower left")
plot_loss_curves(ax2, steps, gd_train, gd_val, stop=stop, test_label="validation")
ax2.set_yscale("log")
label(ax2, "gradient-descent step $t$", "squared error per example",
      "early stopping: training and validation loss")
ax2.legend(fontsize=7, loc="lower left")
plt.show()

# %% [markdown]
# Now, and only now, the test set: the test error of each model we chose, measured once.

# %%
with threadpool_limits(1):
    H_te = R.shallow_features(x_te, theta)                                      # (400, 250)
    test_err = {"no regularisation": error(ridge[0.0], H_te, y_te),
                f"ridge, lambda = {lam_best:.3g}": error(ridge[lam_best], H_te, y_te),
                f"early stopping, t = {steps[stop]:,}": error(phis[stop], H_te, y_te)}
    members = []
    for seed in range(5):
        th = random_theta(100 + seed)
        Hm_tr, Hm_te = R.shallow_features(x_tr, th), R.shallow_features(x_te, th)
        members.append(R.ridge_fit(Hm_tr, Y_tr, 0.0) @ Hm_te)                        # (10, 250)
    member_err = [np.mean(m.argmax(0) != y_te) for m in members]
    test_err["ensemble of 5, lambda = 0"] = np.mean(np.mean(members, axis=0).argmax(0) != y_te)
for name, err in test_err.items():
    print(f"{name:28s} test error {err:.2f}")
print("the five members alone:", np.round(member_err, 2))

# %% [markdown]
# **What to notice**
# * At the threshold the unregularised fit is no better than guessing (a test error of about
#   0.9): the only exact fit needs enormous, finely balanced weights. The $\lambda$ chosen on
#   the validation set cuts the test error by about a quarter; a much larger $\lambda$ shrinks
#   everything towards zero, under-fits, and the validation error climbs again.
# * Gradient descent from zero weights passes through good solutions on its way to the bad
#   interpolant: stopped where the validation loss is lowest, it does about as well on the
#   test set as the chosen $\lambda$ (within 0.03), without choosing $\lambda$.
# * Averaging five unregularised random-feature nets helps only a little here (less than 0.05
#   below the average member): each member is so wild that the part of the error they share is
#   already large. Ensembles pay off most when each member is reasonable on its own (try
#   averaging ridge fits).
# * Random features are a weak model for MNIST-1D; trained networks and the convolutional nets
#   of chapter 08 do much better, and the same regularisers are what make them work.

# %%
unregularised, chosen_ridge, stopped, ensemble = test_err.values()
assert unregularised > 0.85 and val_err[-1] > val_err.min() + 0.15   # guessing; under-fitting
assert 0.2 < 1 - chosen_ridge / unregularised < 0.33                  # about a quarter less
assert abs(stopped - chosen_ridge) < 0.03
assert ensemble < np.mean(member_err) < ensemble + 0.05

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task, then has a cell for your answer, a check cell (it says
# *correct*, *not yet* with the reason, or *not attempted*), a hint, and a solution in a
# collapsed cell.
#
# ### Exercise 1
# Section 3's correspondence between a penalty and a prior, with numbers.

# %%
EX.map_lambda.show()

# %%
answer_1 = None  # your answer: a number
EX.map_lambda.check(answer_1)

# %%
EX.map_lambda.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.map_lambda)


# %% [markdown]
# ### Exercise 2
# The implicit regulariser of section 4, for a loss you can write down.

# %%
EX.modified_loss.show()


# %%
def l_gd(A, b, theta, alpha):
    return None  # your code here


EX.modified_loss.check(l_gd)

# %%
EX.modified_loss.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.modified_loss)


# %% [markdown]
# ### Exercise 3
# Section 7's dropout, with the random mask given so that the answer is checkable.

# %%
EX.inverted_dropout.show()


# %%
def apply_dropout(h, mask, p):
    return None  # your code here


EX.inverted_dropout.check(apply_dropout)

# %%
EX.inverted_dropout.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.inverted_dropout)

# %% [markdown]
# ### Exercise 4
# The stopping rule of section 5 on a noisy validation curve.

# %%
EX.early_stopping.show()

# %%
VAL = [2.10, 1.62, 1.35, 1.21, 1.24, 1.19, 1.22, 1.25, 1.31, 1.05, 1.40]
answer_4 = None  # your answer: an epoch index
EX.early_stopping.check(answer_4)

# %%
EX.early_stopping.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.early_stopping)

# %% [markdown]
# ### Exercise 5
# The Bayesian predictive variance of section 9 at a single input.

# %%
EX.predictive_var.show()

# %%
S5 = np.array([[0.30, -0.10, 0.02], [-0.10, 0.50, 0.05], [0.02, 0.05, 0.20]])
h_star = np.array([1.0, 0.8, 0.3])
answer_5 = None  # your answer: a number
EX.predictive_var.check(answer_5)

# %%
EX.predictive_var.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.predictive_var)


# %% [markdown]
# ### Exercise 6
# Section 2's closed-form fit, written by you (here with the offset penalised too, so that it is
# one linear solve).

# %%
EX.ridge_closed_form.show()


# %%
def ridge(H, y, lam):
    return None  # your code here


EX.ridge_closed_form.check(ridge)

# %%
EX.ridge_closed_form.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.ridge_closed_form)


# %% [markdown]
# ### Exercise 7
# The penalised gradient step behind weight decay (and behind section 2's escape from a local
# minimum).

# %%
EX.penalized_gd.show()


# %%
def penalized_step(theta, grad, lam, alpha):
    return None  # your code here


EX.penalized_gd.check(penalized_step)

# %%
EX.penalized_gd.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.penalized_gd)


# %% [markdown]
# ### Exercise 8
# Section 6's decomposition: what averaging the members of an ensemble gains.

# %%
EX.ensemble_gain.show()


# %%
def ensemble_errors(preds, y):
    return None  # your code here


EX.ensemble_gain.check(ensemble_errors)

# %%
EX.ensemble_gain.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.ensemble_gain)

# %% [markdown]
# ## Summary
#
# * **Explicit regularisation** adds $\lambda g[\phi]$ to the loss. The L2 penalty
#   $\lambda\sum_d\phi_d^2$ (weight decay; $\lambda\sum_k\|\Omega_k\|^2$ in a deep net) is the
#   MAP estimate under a Gaussian prior $\phi_d \sim \text{Norm}[0, \sigma_p^2]$ with
#   $\lambda = \sigma^2/\sigma_p^2$. It shrinks the weakly determined directions most.
# * **Gradient descent** with step $\alpha$ follows, to second order, the gradient flow on
#   $L_{GD} = L + \frac{\alpha}{4}\|\partial L/\partial\theta\|^2$; **SGD** adds
#   $\frac{\alpha}{4B}\sum_b\|\partial L_b/\partial\theta - \partial L/\partial\theta\|^2$.
#   Both favour flat regions and solutions that fit all batches alike. On a loss with a sharp
#   and a flat minimum of equal depth, SGD with small batches ends in the flat one far more
#   often than gradient descent, but only for steps near the sharp minimum's stability limit.
# * A penalty reshapes the landscape: $L + \lambda\theta^2$ can lose a local minimum of $L$
#   (for $\lambda > \lambda^*$), which lets gradient descent reach a better basin.
# * **Early stopping** fits the strongly determined directions first; stopping at step $t$ acts
#   like ridge with $\lambda \approx 1/(2\alpha t)$.
# * **Ensembles**: average member error = ensemble error + spread, so averaging always helps
#   by the members' disagreement.
# * **Dropout** ($\tilde h = m h / (1-p)$) on a linear-in-features model and **input noise** on
#   a linear model are exactly L2 penalties: $\frac{p}{1-p}\sum_d\phi_d^2\sum_i h_{di}^2$ and
#   $I\sigma_x^2\|\omega\|^2$.
# * **Bayesian inference** keeps the posterior $\text{Norm}[\mu, S]$; its predictive variance
#   $h^{*T}Sh^* + \sigma^2$ grows away from the data, which no single fit can show.
#
# **Next:** chapter 08 builds the prior knowledge into the architecture instead: convolutional
# networks share weights across positions, a far stronger regulariser for signals and images
# than any penalty.
