# %% [markdown]
# # 03 · Fitting by descent: gradient descent, SGD, momentum and Adam
#
# Chapters 01 and 02 built a model $f[x, \theta]$ and a loss $L[\theta]$ that scores its parameters.
# This chapter finds good parameters, $\hat\theta = \operatorname{argmin}_\theta L[\theta]$, by
# walking downhill.
#
# **After this chapter you can** run gradient descent and predict from the curvature which learning
# rates are slow, good, oscillating or divergent; explain why a non-convex loss sends runs from
# different starts to different minima and what a saddle point is; find a step size by a
# bracketing line search; train with mini-batches, epochs and a learning-rate schedule, and say
# when SGD's noise helps a run out of a saddle point or a local minimum; draw a momentum step as a
# push plus a correction and say where Nesterov's look-ahead measures the gradient; and write
# momentum, Nesterov momentum and Adam (with its bias correction) step by step, matching
# `torch.optim`.
#
# **Prerequisites:** chapter 02 (a loss is a sum over the training data,
# $L = \sum_i l_i$), partial derivatives, eigenvalues of a symmetric $2 \times 2$ matrix.
#
# Every figure here lives on a loss with two parameters $\theta = [\theta_0, \theta_1]^T$, so the
# whole surface fits on the screen as contours and an optimiser's run is a path across it.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from dlcore import optim                     # the chapter's maths module
from dlcore.plots import new_figure, label, PALETTE
from dlcore.plots.optim import loss_grid, plot_loss_contours, plot_path, plot_critical_points
from dlcore.widgets import optim as W        # the chapter's interactive figures
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source
rng = setup(seed=0)                          # one-line errors for bad input, seeded rng
EX = chapter(3)                               # the exercises, in order

# %% [markdown]
# ## 1. Gradient descent
#
# The gradient collects the slope of the loss along each parameter,
#
# $$\frac{\partial L}{\partial \theta} =
# \begin{bmatrix} \partial L / \partial \theta_0 \\ \partial L / \partial \theta_1 \end{bmatrix},$$
#
# and points in the direction in which $L$ rises fastest. Gradient descent repeats two steps:
# compute that vector at the current $\theta_t$, then move a distance proportional to it the
# other way,
#
# $$\theta_{t+1} = \theta_t - \alpha \, \frac{\partial L}{\partial \theta}\Big|_{\theta_t}.$$
#
# The minus sign turns "uphill" into "downhill"; the **learning rate** $\alpha > 0$ sets how far one
# step goes. Because the loss is a sum over the $I$ training pairs, $L[\theta] = \sum_i
# l_i[\theta]$, so is its gradient: $\partial L / \partial \theta = \sum_i \partial l_i /
# \partial \theta$.
#
# Our first loss is the least-squares fit of a line $f[x, \theta] = \theta_0 + \theta_1 x$ to $I =
# 12$ points, $L[\theta] = \sum_i (\theta_0 + \theta_1 x_i - y_i)^2$. Its gradient, by the chain
# rule, is $\sum_i 2 (f[x_i, \theta] - y_i)\,[1, x_i]^T$. Here are the step and the gradient as
# `dlcore` computes them:

# %%
show_source(optim.gd_step)
show_source(optim.linreg_grad)

# %% [markdown]
# A gradient is easy to get wrong, so compare it with central differences
# $\big(L[\theta + h e_j] - L[\theta - h e_j]\big) / 2h$:

# %%
# NBVAL_CHECK_OUTPUT
x, y, theta_hat, L_hat, lam = W.linreg_problem()
theta = np.array([-1.0, 2.6])
h = 1e-6
L_fn = lambda th: optim.linreg_loss(th, x, y)
numeric = [(L_fn(theta + h * e) - L_fn(theta - h * e)) / (2 * h) for e in np.eye(2)]
print("analytic  :", optim.linreg_grad(theta, x, y).round(4))
print("numerical :", np.round(numeric, 4))

# %% [markdown]
# **How large may $\alpha$ be?** This loss is a quadratic bowl: its second derivatives do not
# depend on $\theta$. They form the Hessian $H = 2\begin{bmatrix} I & \sum x_i \\ \sum x_i & \sum
# x_i^2 \end{bmatrix}$, whose eigenvalues $\lambda_{\min} \le \lambda_{\max}$ are the curvatures
# along the two axes of the elliptical contours. Along an axis with curvature $\lambda$, one step
# multiplies the distance to the minimum by $(1 - \alpha\lambda)$. So
#
# * $\alpha\lambda_{\max} \ll 1$: every factor is close to 1, progress is **slow**;
# * $\alpha\lambda_{\max} < 1$: the factors lie in $(0, 1)$, a **good**, monotone descent;
# * $1 < \alpha\lambda_{\max} < 2$: the factor along the steep axis is negative, the path
#   **oscillates** across the valley but still shrinks;
# * $\alpha\lambda_{\max} > 2$: $|1 - \alpha\lambda_{\max}| > 1$, every step overshoots further:
#   the run **diverges**.

# %%
# NBVAL_CHECK_OUTPUT
print("theta_hat (least squares)     :", theta_hat.round(3))
print("curvatures lambda_min, max    :", lam.round(2))
print("GD diverges above alpha = 2/lambda_max =", round(2 / lam[-1], 4))

# %% [markdown]
# Drag $\alpha$ through the four regimes. The left panel is the loss surface with the path
# $\theta_0, \theta_1, \ldots$ (40 steps from the start $\theta_0 = [-1, 2.6]^T$; the star is the minimum); the middle panel is the distance to the
# best loss on a log scale; the right panel shows the line the last $\theta$ draws through the data.

# %%
W.gd_lr.show()

# %% [markdown]
# **What to notice.** On a log scale a quadratic's loss gap falls along a straight line: each step
# removes a fixed fraction. That fraction is set by the *worst* axis: when $\alpha$ is small the
# path first slides down the steep walls, then creeps along the flat floor of the valley ($1 -
# \alpha\lambda_{\min}$ close to 1). Raising $\alpha$ speeds the floor up until, past $\alpha =
# 1/\lambda_{\max}$, the steep direction starts to overshoot (the zig-zag), and past
# $2/\lambda_{\max}$ nothing converges. The ratio $\lambda_{\max}/\lambda_{\min}$ (the condition
# number) is why one learning rate cannot suit both directions: later sections attack exactly this.

# %% [markdown]
# ## 2. Convex and non-convex losses: local minima and saddle points
#
# A loss is **convex** when the chord between any two points of its surface lies on or above the
# surface, $L[\lambda\theta_a + (1-\lambda)\theta_b] \le \lambda L[\theta_a] + (1-\lambda)
# L[\theta_b]$. Then every point with zero gradient is a global minimum, and gradient descent (with
# a small enough $\alpha$) finds it from any start. The line fit is convex: its Hessian has positive
# eigenvalues everywhere.
#
# Neural-network losses are not. A small model that shows why is the **Gabor model**
#
# $$f[x, \theta] = \sin(\theta_0 + 0.06\,\theta_1 x)\,
# \exp\!\Big(-\frac{(\theta_0 + 0.06\,\theta_1 x)^2}{32}\Big),$$
#
# a wave under a bell, fitted to 30 noisy points with $L[\theta] = \sum_i (f[x_i, \theta] - y_i)^2$.
# Shifting the phase $\theta_0$ by a full period lines up a different crest with the data, so the
# loss has several valleys. Its surface holds three kinds of points where the gradient vanishes:
# **minima** (the Hessian's eigenvalues are both positive), **maxima** (both negative) and
# **saddle points** (one of each: downhill one way, uphill the other).

# %%
show_source(optim.gabor_grad)

# %% [markdown]
# We find the critical points with Newton's method on the gradient,
# $\theta \leftarrow \theta - H^{-1} \partial L/\partial\theta$, which is attracted to any zero
# of the gradient. One run finds only the zero nearest its start, so `optim.critical_points` starts
# a run from every point of a $30 \times 30$ grid over the box, merges the runs that end at the same
# point, and sorts the points by the signs of the Hessian's eigenvalues. (`tests/test_optim.py`
# repeats the search independently, with autograd and SciPy's root finder from a finer grid, and
# finds the same points.) Then we run gradient descent from nine starts on both surfaces.

# %%
land = W.gabor_landscape()
xg, yg = W.gabor_problem()
starts = np.array([[a, b] for a in (-7.0, 0.0, 7.0) for b in (5.0, 12.0, 19.0)])

fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 4))
t0, t1, L = loss_grid(lambda g: optim.linreg_loss(g, x, y), (-1.5, 2.5), (-1.0, 3.0))
plot_loss_contours(ax1, t0, t1, L)
for s in starts / [7, 8] + [0.5, 0]:              # the same pattern, scaled into this box
    plot_path(ax1, optim.run_gd(lambda th: optim.linreg_grad(th, x, y), s, 0.01, 300),
              markersize=1.5)
ax1.plot(*theta_hat, "*", color=PALETTE["yellow"], markeredgecolor="k", markersize=12,
         label="the minimum")
ax1.legend(loc="upper right", fontsize=7)
label(ax1, title="convex: every start reaches the one minimum")
plot_loss_contours(ax2, land["t0"], land["t1"], land["L"], log=False, n_levels=16)
plot_critical_points(ax2, land["points"], land["kinds"])
ends = []
for s in starts:
    path = optim.run_gd(lambda th: optim.gabor_grad(th, xg, yg), s, 0.1, 300)
    plot_path(ax2, path, markersize=1.5)
    ends.append(path[-1])
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, fontsize=7)
label(ax2, title="Gabor model: where GD ends depends on the start")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print("start            end              loss at end")
for s, e in zip(starts, ends, strict=True):
    L_end = optim.gabor_loss(e, xg, yg)
    print(f"({s[0]:5.1f}, {s[1]:5.1f})   ({e[0]:6.2f}, {e[1]:6.2f})   {L_end:6.2f}")
kinds, counts = np.unique(land["kinds"], return_counts=True)
print(dict(zip(kinds.tolist(), counts.tolist(), strict=True)), "critical points;",
      "global minimum L =", round(land["best"], 2))

# %%
# the claims below, checked: which critical point each run ends at
nearest = [int(np.argmin(np.linalg.norm(land["points"] - e, axis=1))) for e in ends]
assert all(np.linalg.norm(land["points"][i] - e) < 0.005 for i, e in zip(nearest, ends))
assert all(land["kinds"][i] == "minimum" for i in nearest)      # every run ends at a minimum
assert len(set(nearest)) == 7                                   # ... at seven different ones
end_losses = land["losses"][nearest]
at_global = np.isclose(end_losses, land["best"])
assert [tuple(s) for s in starts[at_global]] == [(0.0, 12.0), (0.0, 19.0)]
assert round(land["best"], 2) == 1.2
assert (round(end_losses[~at_global].min(), 2), round(end_losses[~at_global].max(), 2)) == (3.39, 7.12)
i = nearest[0]                                                  # the run from (-7, 5)
assert np.allclose(land["points"][i], [-6.79, 4.24], atol=0.005)
assert round(land["losses"][i], 2) == 7.0
assert np.linalg.norm(optim.gabor_grad(land["points"][i], xg, yg)) < 1e-6
assert np.allclose(land["eigenvalues"][i], [0.46, 1.71], atol=0.01)
assert sorted(counts.tolist()) == [9, 10, 18]

# %% [markdown]
# **What to notice.** Nine starts on the convex bowl give one answer. On the Gabor loss, whose box
# holds 9 minima, 18 saddle points and 10 maxima, all nine runs end at a minimum (each within
# 0.005 of one), but at seven different ones. Only the starts $(0, 12)$ and $(0, 19)$ reach the
# global minimum, $L = 1.20$; the other runs stop in local minima with $L$ between 3.39 and 7.12.
# A local minimum is a real trap for plain gradient descent: the gradient is zero there and every
# small step goes uphill. The start at $(-7, 5)$ is an example: it ends at $\theta = (-6.79, 4.24)$
# with $L = 7.00$, where the gradient is below $10^{-6}$ and both eigenvalues of the Hessian are
# positive (0.46 and 1.71): a true local minimum. In the fitted curve, a
# local minimum often means the wave's crests are lined up with the wrong bumps in the data.

# %% [markdown]
# The saddle points (crosses) sit between valleys. A path that passes close to one slows to a
# crawl, because the gradient is small there, before it tips into one of the valleys beside it,
# and which valley can hang on a small change of the start. The starts $(1, 9)$ and $(2, 9)$
# both pass within 0.1 of the saddle at $(0.15, 9.24)$:

# %%
# NBVAL_CHECK_OUTPUT
i_saddle = int(np.argmin(np.linalg.norm(land["points"] - [0.15, 9.24], axis=1)))
saddle = land["points"][i_saddle]
assert land["kinds"][i_saddle] == "saddle" and np.allclose(saddle, [0.15, 9.24], atol=0.005)
final = []
for s in ([1.0, 9.0], [2.0, 9.0]):
    path = optim.run_gd(lambda th: optim.gabor_grad(th, xg, yg), np.array(s), 0.1, 300)
    near = np.linalg.norm(path[:-1] - saddle, axis=1) < 0.1     # steps that start near it
    step = np.linalg.norm(np.diff(path, axis=0), axis=1)        # (300,) step lengths
    final.append(optim.gabor_loss(path[-1], xg, yg))
    print(f"start {tuple(s)}: {near.sum()} steps within 0.1 of the saddle, median step "
          f"length there {np.median(step[near]):.3f} (largest step {step.max():.2f}); ends with "
          f"L = {final[-1]:.2f}")
    assert near.sum() >= 10 and np.median(step[near]) < 0.01 and step.max() > 0.5  # a crawl
assert final[0] > 6 > 1.3 > final[1]                            # different valleys

# %% [markdown]
# Choose the start yourself. The right panel draws the model at the start (dashed) and at the end
# of 200 steps (solid). Starts near a maximum (a triangle) roll away in whichever direction they
# lean.

# %%
W.gabor_starts.show()

# %% [markdown]
# ## 3. Line search: choosing the step by trying several
#
# Instead of a fixed $\alpha$, we can fix a **search direction**, the negative gradient
# $d_k = -\partial L / \partial \theta$, and pick the step size along it that lowers the loss most:
#
# $$\theta_{k+1} = \theta_k + s_k d_k, \qquad
# s_k = \operatorname{argmin}_{s \in [0, s_{\max}]} L[\theta_k + s\, d_k].$$
#
# (The notes write this step size as $\alpha_k$; we write $s_k$ so that $\alpha$ stays the
# learning rate.)
#
# Minimising a function of one variable needs only loss values. **Bracketing** keeps an interval
# $[a, d]$ that holds the minimum and two points $b < c$ inside it. If $L[b] \le L[c]$ the minimum
# cannot lie in $(c, d]$ (on a single dip), so the bracket shrinks to $[a, c]$; otherwise it shrinks
# to $[b, d]$. Placing $b$ and $c$ at the golden ratio lets one of them be reused, so each round
# costs one new loss evaluation and shrinks the bracket by a factor 0.618. A line search computes
# the gradient once per step but the loss many times.

# %%
show_source(optim.line_search)

# %%
# NBVAL_CHECK_OUTPUT
loss = lambda th: optim.gabor_loss(th, xg, yg)
theta_k = np.array([-3.0, 9.0])
g = optim.gabor_grad(theta_k, xg, yg)
d_k = -g / np.linalg.norm(g)                      # unit length: s is a distance
s_k, evals = optim.line_search(loss, theta_k, d_k, max_step=6.0, tol=1e-4, return_evals=True)
s_grid = np.linspace(0, 6, 60001)                 # brute force, for comparison
s_brute = s_grid[np.argmin(loss(theta_k[:, None] + d_k[:, None] * s_grid))]
print(f"bracketing: s = {s_k:.4f} after {len(evals)} loss evaluations")
print(f"grid      : s = {s_brute:.4f} after {s_grid.size} loss evaluations")

# %% [markdown]
# Step through the search: "evaluations shown" reveals the evaluated points in order (dark to
# bright), `max_step` sets the initial bracket, and the check box repeats the whole search six
# times, each from the point where the previous one stopped.

# %%
W.line_search.show()

# %% [markdown]
# **What to notice.** The first two evaluations already decide which end of the bracket to drop,
# and the points then pile up around the dip. Bracketing assumes one dip inside $[0, s_{\max}]$:
# with a long bracket the loss along the line has two dips here, and the search may settle in
# either, exactly like gradient descent in a non-convex landscape. Repeated line searches make
# right-angled turns: at the best point along $d_k$ the new gradient is perpendicular to $d_k$.
# In deep learning, where one loss evaluation is a pass over the whole data set, this trade (few
# gradients, many losses) is rarely worth it; the mini-batch methods below won instead.

# %% [markdown]
# ## 4. Stochastic gradient descent: batches, epochs and a schedule
#
# Computing $\sum_{i=1}^{I} \partial l_i / \partial \theta$ over all data for every step is
# expensive when $I$ is large. **Stochastic gradient descent** uses a random subset, a
# **mini-batch** $\mathcal{B}_t$, at each step:
#
# $$\theta_{t+1} = \theta_t -
# \alpha \sum_{i \in \mathcal{B}_t} \frac{\partial l_i[\theta_t]}{\partial \theta}.$$
#
# Batches are drawn **without replacement**: shuffle the indices, cut them into batches, use each
# batch once. One pass through all of them is an **epoch**, so every point contributes exactly once
# per epoch. The loss of one batch, $\sum_{i\in\mathcal{B}} l_i$, differs a little from batch to
# batch, so the steps point in slightly different directions: noise, but noise centred on the
# true gradient (up to the factor $I/|\mathcal{B}|$).

# %%
show_source(optim.minibatches)

# %%
# NBVAL_CHECK_OUTPUT
for epoch in range(2):
    batches = optim.minibatches(10, 4, np.random.default_rng(epoch))
    print(f"epoch {epoch}:", [b.tolist() for b in batches])

# %% [markdown]
# Summed over one epoch, the batch gradients at a fixed $\theta$ add up to the full gradient,
# because the batches partition the data:

# %%
# NBVAL_CHECK_OUTPUT
batches = optim.minibatches(x.size, 5, rng)
per_batch = sum(optim.linreg_grad(theta, x[b], y[b]) for b in batches)
full = optim.linreg_grad(theta, x, y)
print("sum over batches:", per_batch.round(3))
print("full gradient   :", full.round(3))
print("agree to 1e-12:", np.allclose(per_batch, full, rtol=1e-12, atol=1e-12))

# %% [markdown]
# Near the minimum, the batch gradients no longer agree and SGD keeps jittering. A **learning-rate
# schedule** shrinks $\alpha$ as training goes on: large steps early to explore, small steps late to
# settle. Here we use step decay, $\alpha_e = \alpha_0\, \delta^{e}$ in epoch $e$
# (`optim.lr_schedule`). The figure fits a line to 40 points for 15 epochs; the black path is
# full-batch gradient descent with the same $\alpha$ (one step per epoch).

# %%
W.sgd.show()

# %%
# the claims below, checked at the figure's settings (batch 4, alpha 0.015)
runs = {decay: W.compute_sgd(4, 0.015, decay) for decay in (1.0, 0.9, 0.5)}
per_epoch = runs[1.0]["per_epoch"]
def epoch_max(d, e):                        # the largest loss gap within epoch e
    return d["gap"][e * per_epoch:(e + 1) * per_epoch + 1].max()
for e in range(1, 5):                       # one epoch of SGD ~ one full-batch step
    sgd_move = np.linalg.norm(runs[1.0]["path"][e * per_epoch] - runs[1.0]["path"][(e - 1) * per_epoch])
    gd_move = np.linalg.norm(runs[1.0]["gd"][e] - runs[1.0]["gd"][e - 1])
    assert 0.7 < sgd_move / gd_move < 1.1
spikes = [epoch_max(runs[1.0], e) for e in range(5, 15)]  # constant alpha, after arriving
assert 0.3 < min(spikes) and max(spikes) < 1.3
assert epoch_max(runs[1.0], 14) > 10 * epoch_max(runs[0.9], 14)  # decay 0.9: 10x smaller
assert runs[0.5]["gap"][-1] > 10                                  # decay 0.5: frozen early
fast = W.compute_sgd(4, 0.02, 1.0)
x_s = W._sgd_problem()[0]
lam_s = np.linalg.eigvalsh(2 * np.stack([np.ones_like(x_s), x_s], 1).T
                           @ np.stack([np.ones_like(x_s), x_s], 1))
assert 0.02 > 2 / lam_s[-1] and fast["gap_gd"][-1] > 1e3 and not fast["diverged"]

# %% [markdown]
# **What to notice.** With the loss written as a *sum*, one epoch of SGD moves about as far as one
# full-batch step, but in $\lceil I / |\mathcal{B}| \rceil$ small steps. Within each epoch the
# path jitters around the full-batch path, and with a constant $\alpha$ the jitter does not fade:
# after the path has arrived (epoch 5 on), the loss gap keeps spiking to between 0.3 and 1.3 in
# every epoch. A decay of 0.9 per epoch makes the spikes of the last epoch more than ten times
# smaller; a decay that is too fast (0.5) freezes the path before it arrives. Raise $\alpha$ to 0.02 or more:
# full-batch descent diverges ($\alpha > 2/\lambda_{\max}$), while SGD with small batches keeps
# going, because each update sums only a few gradients. On a non-convex loss the same noise can
# knock a run off a saddle point or out of a shallow local minimum.

# %% [markdown]
# ### SGD on a non-convex loss: escaping local minima and saddle points
#
# The noise of SGD is not only a nuisance. On a loss with many valleys, gradient descent from a
# given start always ends in the same place, while SGD's batch-to-batch jitter can carry a run over
# a low ridge or off a saddle point into a neighbouring valley. One epoch, written as the maths of
# the batches in the order a shuffle gives them:

# %%
show_source(optim.sgd_epoch)

# %% [markdown]
# The experiment: 100 starts on a $10 \times 10$ grid over the Gabor box of section 2. From each,
# gradient descent runs 100 full-batch steps and SGD runs 100 epochs with batches of $|\mathcal{B}|
# = 2$, five times with different shuffles (seeds). Both use the same schedule
# $\alpha_e = \alpha_0 \delta^e$, so one SGD epoch and one GD step move about equally far. A run
# *reaches the global minimum* when its final loss is below 2 (the global minimum has $L = 1.20$,
# every other minimum in the box $L \ge 3.39$). We try two settings: a small constant $\alpha_0 =
# 0.1$, and a large $\alpha_0 = 0.6$ that decays by $\delta = 0.97$ per epoch.

# %%
grid0, grid1 = np.meshgrid(np.linspace(-9, 9, 10), np.linspace(3.5, 21.5, 10))
starts_grid = np.stack([grid0.ravel(), grid1.ravel()])   # (2, 100): one start per column
epoch_fn = optim.sgd_epoch.__wrapped__                   # unchecked: runs all 100 starts at once


def batch_grad(th, idx):                                 # summed over the batch, (2, N)
    return optim.gabor_grad(th, xg[idx], yg[idx])


def run_from_grid(alpha0, decay, batch_size, seed, n_epochs=100):
    """theta after n_epochs from every start (2, 100); batch_size None: full batch (GD)."""
    order_rng = np.random.default_rng(seed)
    th = starts_grid
    for e in range(n_epochs):
        alpha_e = optim.lr_schedule(alpha0, e, decay)
        if batch_size is None:                           # GD: one full-batch step per epoch
            th = th - alpha_e * optim.gabor_grad(th, xg, yg)
        else:                                            # SGD: a fresh shuffle every epoch
            th = epoch_fn(th, batch_grad, order_rng.permutation(xg.size), batch_size, alpha_e)
    return th


def at_global(th):                                      # (N,) ended in the global minimum?
    return optim.gabor_loss(th, xg, yg) < 2.0


SEEDS = range(5)
settings = {"small alpha_0 = 0.1, constant": (0.1, 1.0),
            "large alpha_0 = 0.6, decay 0.97": (0.6, 0.97)}
ends_gd, ends_sgd = {}, {}
for name, (a0, dec) in settings.items():
    ends_gd[name] = run_from_grid(a0, dec, None, 0)
    ends_sgd[name] = np.stack([run_from_grid(a0, dec, 2, s) for s in SEEDS])  # (5, 2, 100)

# %%
# NBVAL_CHECK_OUTPUT
frac_gd, frac_sgd = {}, {}
for name in settings:
    frac_gd[name] = at_global(ends_gd[name]).mean()
    per_seed = [at_global(e).mean() for e in ends_sgd[name]]
    frac_sgd[name] = np.mean(per_seed)
    print(f"{name}: GD {frac_gd[name]:.2f}, SGD {frac_sgd[name]:.2f} "
          f"(seeds {min(per_seed):.2f} to {max(per_seed):.2f}) reach the global minimum")

# %%
is_min = np.array([k == "minimum" for k in land["kinds"]])
rank = np.argsort(land["losses"][is_min])
minima, min_loss = land["points"][is_min][rank], land["losses"][is_min][rank]  # best first


def basin(th):                                          # which minimum each run ended at
    dist = np.linalg.norm(th.T[:, None, :] - minima[None], axis=2)   # (N, 9)
    return np.where(dist.min(axis=1) < 0.3, dist.argmin(axis=1), len(minima))  # 9: none


big = "large alpha_0 = 0.6, decay 0.97"
gd_end, sgd_end = ends_gd[big], np.concatenate(list(ends_sgd[big]), axis=1)  # (2, 500)
sgd_hits = at_global(sgd_end).reshape(len(SEEDS), -1).mean(axis=0)  # (100,): per start
gd_hits = at_global(gd_end)

fig, (ax1, ax2) = new_figure(1, 2, figsize=(10.5, 4), width_ratios=[1, 1.1])
plot_loss_contours(ax1, land["t0"], land["t1"], land["L"], log=False, n_levels=16)
ax1.plot(*minima[0], "*", color=PALETTE["yellow"], markeredgecolor="k", markersize=14)
dots = ax1.scatter(*starts_grid, c=sgd_hits, cmap="RdYlGn", vmin=0, vmax=1, s=30,
                   edgecolors="k", linewidths=0.4, zorder=4)
ax1.plot(*starts_grid[:, gd_hits], "o", markersize=10, markerfacecolor="none",
         markeredgecolor="k", markeredgewidth=1.3, label="GD reaches it")
fig.colorbar(dots, ax=ax1, fraction=0.05, pad=0.01).set_label("share of SGD seeds that reach it")
ax1.legend(loc="lower left", fontsize=7)
label(ax1, title=r"each start: does it reach the global minimum $\bigstar$?")
k = np.arange(len(minima) + 1)
share_gd = np.bincount(basin(gd_end), minlength=k.size) / gd_end.shape[1]
share_sgd = np.bincount(basin(sgd_end), minlength=k.size) / sgd_end.shape[1]
ax2.bar(k - 0.2, share_gd, 0.4, color=PALETTE["black"], label="GD")
ax2.bar(k + 0.2, share_sgd, 0.4, color=PALETTE["vermillion"], label="SGD (5 seeds)")
ax2.set_xticks(k, [f"{v:.2f}" for v in min_loss] + ["none"])
ax2.legend()
label(ax2, "loss of the minimum where the run ends", "share of runs",
      r"$\alpha_0 = 0.6$, decay 0.97: where the runs end")
plt.show()

# %%
# the claims below, checked
small = "small alpha_0 = 0.1, constant"
assert round(min_loss[0], 2) == 1.2 and round(min_loss[1], 2) == 3.39   # the "< 2" criterion
assert round(frac_gd[small], 2) == 0.21 and abs(frac_sgd[small] - frac_gd[small]) < 0.02
assert round(frac_gd[big], 2) == 0.17 and round(frac_sgd[big], 2) == 0.29
assert min(at_global(e).mean() for e in ends_sgd[big]) > frac_gd[big]   # every seed beats GD
assert frac_sgd[big] > max(frac_gd.values())             # ... and GD at either setting
undecided = ((sgd_hits > 0) & (sgd_hits < 1)).sum()      # starts where the seeds disagree
assert undecided == 28
assert share_gd[-1] > 0.5 and share_sgd[-1] < 0.25       # GD: half the runs not at a minimum
lost = basin(gd_end) == len(minima)                      # GD runs that ended at no minimum
outside = (np.abs(gd_end[0]) > 10) | (gd_end[1] < 2.5) | (gd_end[1] > 22.5)
assert (lost & outside).sum() == outside.sum() == 37     # thrown out of the plotted box
assert np.median(np.linalg.norm(optim.gabor_grad(gd_end[:, lost], xg, yg), axis=0)) < 0.1
assert share_sgd[0] > share_gd[0] and share_sgd[1] > share_gd[1]
print(f"starts where the five SGD seeds disagree: {undecided}")

# %% [markdown]
# A saddle point is the clearest case. Start exactly at the saddle $(0.15, 9.24)$ of section 2,
# where the gradient vanishes: gradient descent has nothing to follow, while each batch's gradient
# there is not zero, so SGD is pushed off at once and the unstable direction does the rest
# ($\alpha = 0.1$, $|\mathcal{B}| = 2$, 100 epochs, five seeds).

# %%
# NBVAL_CHECK_OUTPUT
gd_path = optim.run_gd(lambda th: optim.gabor_grad(th, xg, yg), saddle, 0.1, 100)
sgd_paths = [optim.run_sgd(batch_grad, saddle, xg.size, 2, 0.1, 100, np.random.default_rng(s))
             for s in SEEDS]
moved = [np.linalg.norm(p[-1] - saddle) for p in sgd_paths]
end_loss = [optim.gabor_loss(p[-1], xg, yg) for p in sgd_paths]
L_saddle = optim.gabor_loss(saddle, xg, yg)
print(f"loss at the saddle: {L_saddle:.2f}")
print(f"GD  : moved less than 1e-6: {np.linalg.norm(gd_path[-1] - saddle) < 1e-6}")
print(f"SGD : moved {min(moved):.1f} to {max(moved):.1f}; loss now {min(end_loss):.2f} to "
      f"{max(end_loss):.2f}")
assert np.linalg.norm(gd_path[-1] - saddle) < 1e-6 and min(moved) > 4
assert max(end_loss) < 0.5 * L_saddle

# %% [markdown]
# **What to notice.** With a small constant $\alpha_0 = 0.1$, the noise changes nothing: GD and SGD
# both bring 21% of the starts to the global minimum (SGD 0.21 averaged over seeds), because
# steps of summed gradients over two points are too small to jump a ridge. With the large,
# decaying $\alpha_0 = 0.6$, every one of the five SGD seeds beats GD (0.29 on average against
# 0.17), and also beats GD's 0.21 at the small rate. The left panel shows where the difference
# comes from: at 28 starts (the dots coloured between red and green) the five seeds disagree, so
# it is the shuffle, not the start, that decides the valley; and from the exact saddle point every
# seed escapes while GD stays put. The bars show the other half of the story: at
# $\alpha_0 = 0.6$ more than half of the GD runs are not at any minimum after 100 steps: the large
# early full-batch steps threw them onto the flat outskirts of the loss (37 of them out of the
# plotted box), where the gradient is nearly zero and they crawl, while SGD's shorter steps (two
# points' gradients each) stay among the valleys. SGD's runs also end more often in the best
# (1.20) and second-best (3.39) minima. So SGD's advantage
# here needs a learning rate large enough for the noise to matter; it is a tendency over many
# runs, not a guarantee for one run.

# %% [markdown]
# ## 5. Momentum and Nesterov momentum
#
# In a ravine the gradient points mostly *across* the valley, and it flips sign from step to step,
# while the small component *along* the valley stays consistent. **Momentum** replaces the gradient
# by a running average of past gradients,
#
# $$m_{t+1} = \beta\, m_t +
# (1-\beta) \sum_{i \in \mathcal{B}_t} \frac{\partial l_i[\theta_t]}{\partial \theta}, \qquad
# \theta_{t+1} = \theta_t - \alpha\, m_{t+1},$$
#
# with $m_0 = 0$ and $0 \le \beta < 1$. The flipping components cancel in the average and the
# consistent ones survive. **Nesterov momentum** notices that the step is going to carry $\theta$
# roughly to $\theta_t - \alpha\beta m_t$ anyway, and measures the gradient *there*, at the
# look-ahead point:
#
# $$m_{t+1} = \beta\, m_t + (1-\beta) \sum_{i \in \mathcal{B}_t}
# \frac{\partial l_i[\theta_t - \alpha\beta\, m_t]}{\partial \theta}, \qquad
# \theta_{t+1} = \theta_t - \alpha\, m_{t+1}.$$
#
# If the momentum is about to overshoot, the look-ahead gradient already points back and brakes.

# %%
show_source(optim.momentum_step)
show_source(optim.nesterov_step)

# %% [markdown]
# In this averaged form, $m$ settles to the gradient itself when the gradient is constant, so
# momentum does not lengthen the step on a steady slope. What it changes is stability. On a
# quadratic with curvature $\lambda$, the update is $\theta_{t+1} = \theta_t -
# \alpha(1-\beta)\lambda\theta_t + \beta(\theta_t - \theta_{t-1})$, the "heavy ball", which
# converges for $\alpha(1-\beta)\lambda < 2(1+\beta)$. So momentum tolerates a learning rate up to
# $\frac{1+\beta}{1-\beta}$ times larger than gradient descent's $2/\lambda_{\max}$, and a larger
# $\alpha$ is what the flat direction needs. Check the limit on the ravine of the figure below
# (curvatures 20 and 1):

# %%
# NBVAL_CHECK_OUTPUT
ravine = lambda th: optim.quadratic_grad(th, W.RAVINE_A)
beta = 0.8
limit = 2 * (1 + beta) / ((1 - beta) * 20.0)
print(f"GD limit 2/20 = {2 / 20:.3f}; momentum limit (beta = {beta}) = {limit:.3f}")
for a in (0.97 * limit, 1.03 * limit):
    path = optim.run_momentum(ravine, W.RAVINE_START, a, beta, 3000)
    print(f"alpha = {a:.3f}: momentum diverged = {optim.diverged(path)}")

# %% [markdown]
# The figure runs GD, momentum and Nesterov with the same $\alpha$ and $\beta$ for 60 steps.

# %%
W.momentum.show()

# %%
# the claims below, checked
d = W.compute_momentum(0.2, 0.8)                   # the default
assert d["status"]["GD"] and not d["status"]["momentum"] and not d["status"]["Nesterov"]
assert d["gaps"]["Nesterov"][-1] < 1e-2 * d["gaps"]["momentum"][-1]
d = W.compute_momentum(0.2, 0.0)                   # beta = 0: one path
assert all(np.array_equal(d["paths"]["GD"], p, equal_nan=True) for p in d["paths"].values())
d = W.compute_momentum(0.01, 0.8)                  # small alpha: about the same final loss
final = [d["gaps"][k][-1] for k in ("GD", "momentum", "Nesterov")]
assert max(final) < 1.1 * min(final)
assert not W.compute_momentum(0.095, 0.8)["status"]["GD"]   # below 0.1 GD converges too

# %% [markdown]
# **What to notice.** At the default $\alpha = 0.2$, plain gradient descent has left the picture
# ($\alpha > 2/\lambda_{\max} = 0.1$) while both momentum methods converge. Momentum swings back and
# forth across the valley like a ball with too little friction; Nesterov's look-ahead damps those
# swings and ends with a loss more than a hundred times lower. Slide $\beta$ to 0: all three paths
# coincide, because both updates reduce to gradient descent. Slide $\alpha$ below 0.1 and plain GD
# converges too; at small $\alpha$ (0.01) the three runs end within 10% of each other's loss, so
# here momentum's gain is mostly the larger learning rate it can carry. A $\beta$ near 0.99 remembers so much that the paths circle for a long time.

# %% [markdown]
# ### The look-ahead, drawn
#
# Both updates, written out, take the same two moves from $\theta_t$:
#
# $$\theta_{t+1} = \theta_t \;\underbrace{-\,\alpha\beta\, m_t}_{\text{push}}
# \;\underbrace{-\,\alpha(1-\beta)\, g}_{\text{correction}},$$
#
# because $\theta_{t+1} = \theta_t - \alpha m_{t+1}$ and $m_{t+1} = \beta m_t + (1-\beta) g$. The
# push is the same for both: the memory carries $\theta$ on by $\alpha\beta$ times the old
# average. They differ only in where the gradient $g$ of the correction is measured. Heavy-ball
# momentum measures it at $\theta_t$, where the run *was*; Nesterov measures it at
# $\theta_t - \alpha\beta m_t$, the end of the push, where the run is *going*.

# %%
show_source(optim.step_parts)

# %% [markdown]
# The figure runs both methods on the ravine of the previous figure and draws step $t$ of each:
# the blue arrow is the push, the orange arrow the correction (drawn from the end of the push),
# the hollow square where the gradient was measured and the green dot $\theta_{t+1}$; the box in
# the corner gives the loss after the step. Slide $t$ to walk along the paths.

# %%
W.lookahead.show()

# %%
# NBVAL_CHECK_OUTPUT
def cosine(u, v):                                  # the angle between push and correction
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


look = {t: W.compute_lookahead(t, 0.1, 0.6) for t in (1, 2)}   # the figure's alpha and beta
for t, d in look.items():
    for name in ("heavy ball", "Nesterov"):
        p = d[name]
        assert np.allclose(p["theta"] + p["push"] + p["corr"], p["next"])
        print(f"t = {t}, {name:10s}: cos(push, correction) = {cosine(p['push'], p['corr']):5.2f},"
              f" loss after the step {p['loss']:.3g}")
hb, ne = look[1]["heavy ball"], look[1]["Nesterov"]
print("t = 1: same theta_t and same push for both:",
      np.allclose(hb["theta"], ne["theta"]) and np.allclose(hb["push"], ne["push"]))
assert np.allclose(hb["theta"], ne["theta"]) and np.allclose(hb["push"], ne["push"])
assert cosine(hb["push"], hb["corr"]) > 0.99 and cosine(ne["push"], ne["corr"]) < -0.99
assert hb["loss"] > 20 * ne["loss"]
hb2, ne2 = look[2]["heavy ball"], look[2]["Nesterov"]
assert cosine(hb2["push"], hb2["corr"]) < -0.99 and hb2["loss"] > 20 * ne2["loss"]
assert W.compute_lookahead(0, 0.1, 0.6)["heavy ball"]["push"].tolist() == [0.0, 0.0]

# %% [markdown]
# **What to notice.** At $t = 0$ there is no push ($m_0 = 0$) and the two steps coincide, so at
# $t = 1$ (the default) both methods stand at the same $\theta_1$ with the same push: the only
# difference is where the gradient is measured. The heavy ball measures it at $\theta_1$, on the
# near side of the valley, where the slope still says "go on": its correction points *along* the
# push (cosine 1.00) and throws it far up the opposite wall (loss 20.1 after the step). Nesterov
# measures it at the end of the push, already on the far wall, where the slope points back: its
# correction points straight *against* the push (cosine $-1.00$) and brakes (loss 0.77, more than
# twenty times lower). At $t = 2$ the heavy ball brakes too, but only after overshooting. That
# earlier braking, repeated at every swing, is the damping the momentum figure showed. With
# $\beta = 0$ there is no push, and both methods are plain gradient descent.

# %% [markdown]
# ## 6. Adam
#
# A single $\alpha$ is a poor fit when gradients differ in size from one parameter to the next:
# the steep parameter limits $\alpha$ and the shallow one barely moves. **Adam** keeps two running
# averages, of the gradient and of its square (element-wise), and divides one by the square root
# of the other, so each parameter's step is measured in units of its own typical gradient:
#
# $$m_{t+1} = \beta\, m_t + (1-\beta) \frac{\partial L[\theta_t]}{\partial\theta}, \qquad
# v_{t+1} = \gamma\, v_t + (1-\gamma) \Big(\frac{\partial L[\theta_t]}{\partial\theta}\Big)^2,$$
#
# $$\tilde m_{t+1} = \frac{m_{t+1}}{1-\beta^{t+1}}, \qquad
# \tilde v_{t+1} = \frac{v_{t+1}}{1-\gamma^{t+1}}, \qquad
# \theta_{t+1} = \theta_t - \alpha\, \frac{\tilde m_{t+1}}{\sqrt{\tilde v_{t+1}} + \epsilon}.$$
#
# The step $t$ counts from 0, and $m_0 = v_0 = 0$.

# %%
show_source(optim.adam_step)

# %% [markdown]
# **Why the bias correction.** Both averages start at zero, so in the first steps they are pulled
# towards zero: after one step $m_1 = (1-\beta) g$ and $v_1 = (1-\gamma) g^2$. Dividing by
# $1-\beta^{t+1}$ and $1-\gamma^{t+1}$ undoes this exactly for a constant gradient. Without the
# correction, the first step is $\alpha (1-\beta)/\sqrt{1-\gamma}$ instead of $\alpha$, and because
# the two averages warm up at different speeds ($\beta = 0.9$ forgets within about 10 steps, $\gamma
# = 0.999$ within about 1000), the ratio stays wrong for hundreds of steps. Feed Adam a constant
# gradient and measure its steps:

# %%
g_const = np.array([3.0, -0.002])                 # two gradients 1500x apart
T = 2000
sizes = {}
for corrected in (True, False):
    th, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    steps = []
    for t in range(T):
        new, m, v = optim.adam_step(th, m, v, g_const, t, alpha=1e-3, bias_correction=corrected)
        steps.append(np.abs(new - th) / 1e-3)     # step length in units of alpha, (2,)
        th = new
    sizes[corrected] = np.array(steps)            # (T, 2)

fig, ax = new_figure(figsize=(7, 3))
t_axis = np.arange(1, T + 1)
ax.semilogx(t_axis, sizes[True][:, 0], color=PALETTE["blue"], label="with bias correction")
ax.semilogx(t_axis, sizes[False][:, 0], color=PALETTE["vermillion"], label="without")
ax.semilogx(t_axis, sizes[False][:, 1], "--", color=PALETTE["orange"],
            label="without, the 1500x smaller gradient")
ax.legend()
label(ax, "step $t + 1$", r"$|\Delta\theta| / \alpha$", "Adam's step on a constant gradient")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
for t in (0, 9, 99, 999):
    print(f"step {t + 1:4d}: corrected {sizes[True][t, 0]:.3f} alpha, "
          f"uncorrected {sizes[False][t, 0]:.3f} alpha")
assert np.allclose(sizes[True], 1.0, atol=1e-3)          # alpha long, both gradients, always
peak = int(np.argmax(sizes[False][:, 0]))
assert round(sizes[False][0, 0], 1) == 3.2 and 6.4 < sizes[False][peak, 0] < 6.6  # ~6.5
assert 5 <= peak + 1 <= 20 and sizes[False][999, 0] > 1.2  # not back to alpha by step 1000

# %% [markdown]
# With the correction every step is $\alpha$ long from the very first one, for both gradients,
# whatever their size. Without it the steps start at $3.2\alpha$, grow to about $6.5\alpha$ around
# step 10, and need over a thousand steps to come back down: the early steps are far larger than the
# $\alpha$ you asked for.
#
# Now the test that Adam was designed for: $L = 50\,\theta_0^2 + 0.05\,\theta_1^2$, whose gradients
# $100\,\theta_0$ and $0.1\,\theta_1$ differ by a factor of 1000. GD and momentum each get 40% of
# their own stability limit (any more and the steep $\theta_0$ diverges or swings wildly).

# %%
W.adam.show()

# %%
# the claims below, checked at the figure's settings (alpha 0.03, beta 0.9)
d = W.compute_adam(0.03, 0.9, True)
gd_path, m_path, adam_path = d["paths"]["GD"], d["paths"]["momentum"], d["paths"]["Adam"]
assert abs(gd_path[10, 0]) < 1e-6 and gd_path[-1, 1] > 0.9   # theta_0 settles, theta_1 crawls
assert m_path[-1, 1] < 0.5 * gd_path[-1, 1] and m_path[:20, 0].min() < 0  # further; swings
assert np.allclose(d["steps"][:10], 0.03, rtol=0.05)         # both steps about alpha
assert np.argmax(adam_path[:, 1] < 0) == np.argmax(adam_path[:, 0] < 0) == 46
assert adam_path[:, 1].min() < -0.01                          # overshoots the minimum ...
assert np.abs(adam_path[-1]).max() < 0.01                     # ... and comes back

# %% [markdown]
# **What to notice.** GD settles $\theta_0$ in a few steps and then all but stops: $\theta_1$'s
# gradient is too small for its $\alpha$. Momentum can use a larger $\alpha$ and gets further, at
# the price of swinging across $\theta_0$. Adam walks the diagonal: in the right panel its steps in
# $\theta_0$ and $\theta_1$ have the same length, about $\alpha$ for the first ten steps, although
# their gradients differ a thousandfold (the GD lines show how different plain steps would be).
# Adam does not stop at the minimum by itself: it runs past it (both coordinates turn negative
# near step 46) and has to come back, which is one reason why Adam is often combined with a
# schedule. Untick *bias correction* to see the inflated first steps of the previous figure on the
# path.
#
# `tests/test_optim.py` checks `momentum_step` against `torch.optim.SGD(momentum=β, dampening=β)`
# started from a zero buffer, `adam_step` against `torch.optim.Adam`, and `nesterov_step` against
# the equation above with PyTorch's autograd, step by step in float64.

# %% [markdown]
# ## Exercises
#
# Six of the eight ask you to write the function that is the maths; the check calls it on a few
# inputs and, when it disagrees, names the slip it recognises.

# %% [markdown]
# ### Exercise 1
# On the learning rate of gradient descent (section 1).

# %%
EX.critical_lr.show()

# %%
answer_1 = None  # your answer

# %%
EX.critical_lr.check(answer_1)

# %%
EX.critical_lr.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.critical_lr)

# %% [markdown]
# ### Exercise 2
# Section 3's bracketing, one round, in code.

# %%
EX.bracket_by_hand.show()


# %%
def shrink(loss_fn, theta, direction, a, d):
    return None  # your code here


# %%
EX.bracket_by_hand.check(shrink)

# %%
EX.bracket_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bracket_by_hand)


# %% [markdown]
# ### Exercise 3
# On mini-batches and epochs (section 4).

# %%
EX.epoch_updates.show()

# %%
answer_3 = None  # your answer

# %%
EX.epoch_updates.check(answer_3)

# %%
EX.epoch_updates.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.epoch_updates)

# %% [markdown]
# ### Exercise 4
# Section 4's epoch of mini-batch updates, in code.

# %%
EX.sgd_epoch_by_hand.show()


# %%
def sgd_epoch(theta, grad_fn, order, batch_size, alpha):
    return None  # your code here


# %%
EX.sgd_epoch_by_hand.check(sgd_epoch)

# %%
EX.sgd_epoch_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.sgd_epoch_by_hand)


# %% [markdown]
# ### Exercise 5
# Section 4's learning-rate schedule, in code.

# %%
EX.schedule_by_hand.show()


# %%
def schedule(alpha0, epochs, decay, every):
    return None  # your code here


# %%
EX.schedule_by_hand.check(schedule)

# %%
EX.schedule_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.schedule_by_hand)


# %% [markdown]
# ### Exercise 6
# Section 5's momentum step, in code.

# %%
EX.momentum_by_hand.show()


# %%
def momentum(theta, m, grad, alpha, beta):
    return None  # your code here


# %%
EX.momentum_by_hand.check(momentum)

# %%
EX.momentum_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.momentum_by_hand)


# %% [markdown]
# ### Exercise 7
# Section 5's look-ahead step, in code.

# %%
EX.nesterov_by_hand.show()


# %%
def nesterov(theta, m, grad_fn, alpha, beta):
    return None  # your code here


# %%
EX.nesterov_by_hand.check(nesterov)

# %%
EX.nesterov_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.nesterov_by_hand)


# %% [markdown]
# ### Exercise 8
# Section 6's update, bias correction included, in code.

# %%
EX.adam_by_hand.show()


# %%
def adam(theta, m, v, grad, t, alpha, beta, gamma, eps):
    return None  # your code here


# %%
EX.adam_by_hand.check(adam)

# %%
EX.adam_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.adam_by_hand)

# %% [markdown]
# ## Summary
#
# The key equations, with $g[\theta] = \partial L / \partial \theta$ (or its mini-batch sum):
#
# * **gradient descent** $\theta_{t+1} = \theta_t - \alpha\, g[\theta_t]$; on a quadratic it
#   converges iff $\alpha < 2/\lambda_{\max}$;
# * **line search** $\theta_{k+1} = \theta_k + s_k d_k$ with $d_k = -g[\theta_k]$ and $s_k$ found by
#   bracketing: $[a, d] \to [a, c]$ if $L(b) \le L(c)$, else $[b, d]$;
# * **SGD**
#   $\theta_{t+1} = \theta_t - \alpha_e \sum_{i\in\mathcal{B}_t} \partial l_i/\partial\theta$,
#   batches drawn without replacement, a schedule $\alpha_e = \alpha_0\delta^e$;
# * **momentum** $m_{t+1} = \beta m_t + (1-\beta)\, g[\theta_t]$,
#   $\theta_{t+1} = \theta_t - \alpha m_{t+1}$; **Nesterov**: the gradient at
#   $\theta_t - \alpha\beta m_t$ instead;
# * **Adam** $m, v$ running averages of $g$ and $g^2$, divided by $1-\beta^{t+1}$ and
#   $1-\gamma^{t+1}$, then
#   $\theta_{t+1} = \theta_t - \alpha\, \tilde m/(\sqrt{\tilde v} + \epsilon)$.
#
# What they teach:
#
# * The curvature decides gradient descent: the steepest direction caps $\alpha$, the flattest sets
#   the speed.
# * Convex losses have one minimum; a network's loss has many minima and saddle points, and the
#   start decides where a descent ends.
# * Mini-batches make each step cheap and noisy; a schedule quiets the noise at the end. With a
#   large enough $\alpha$ the noise lets SGD leave saddle points and some local minima, so more of
#   its runs reach the global minimum; with a small $\alpha$ it changes little.
# * Momentum averages away oscillation and so tolerates a larger $\alpha$; a step is a push
#   $-\alpha\beta m_t$ plus a correction $-\alpha(1-\beta) g$, and Nesterov, measuring $g$ at the
#   end of the push, brakes a step earlier.
# * Adam gives each parameter a step of about $\alpha$ whatever its gradient's scale; the bias
#   correction makes that true from the first step.
#
# **Next:** every method here needs $\partial L/\partial\theta$. Chapter 04 computes it for a deep
# network with millions of parameters, in one backward pass.
