# %% [markdown]
# # 09 · Residual networks and normalisation
#
# Stacking more layers should never hurt: a deeper network could always copy a shallower one and
# set its extra layers to the identity. In practice, plain networks beyond a few dozen layers
# train *worse* than shallower ones. This chapter finds out why, and takes apart the two
# inventions that fixed it: the **residual connection** and **normalisation**. After it you can
#
# * show that deep plain nets degrade in training (not only on test data), and measure the
#   *shattered gradients* behind it with an autocorrelation;
# * write a residual block $h_{k+1} = h_k + f_k[h_k]$, unravel a residual net into $2^K$ paths of
#   different lengths, and say why the branch applies the ReLU *before* its linear layer;
# * predict the variance growth of a residual net under He initialisation ($2^k$) and how
#   batch norm turns it into linear growth ($1 + k$);
# * compute batch norm in training (batch mean $m$, variance $s^2$, $\gamma$, $\delta$) and at
#   test time (running averages), matching `torch.nn.BatchNorm1d`, and tell batch norm from
#   layer norm by the axis each one averages over;
# * write a residual block that spans two layers, and see the gradient reach the input of a deep
#   stack of them while a plain stack's vanishes;
# * show that batch norm lets SGD use larger learning rates, and write batch norm for CNNs
#   (one statistic per channel, over batch, height and width);
# * build and train a small U-Net, an encoder-decoder whose skip connections carry detail
#   across, to segment synthetic images, and say what a detector outputs.
#
# **Prerequisites:** deep nets in matrix form (chapter 01), the backward pass (chapter 04) and
# He initialisation $\sigma_\Omega^2 = 2/D_h$ (chapter 05).
#
# **Notation.** As in chapter 01, hidden units are rows and data points are columns: a layer's
# activations $h_k$ have shape $(D, I)$. $f_k[\cdot]$ is the $k$-th layer (or residual branch),
# $a[\cdot]$ the ReLU, $K$ the number of layers or blocks, $B$ a batch and $|B|$ its size.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import residual
from dlcore.plots import new_figure, label, PALETTE
from dlcore.plots.residual import (plot_norm_axes, plot_norm_axes_conv, plot_path_counts,
                                   plot_training, plot_unet)
from dlcore.widgets import residual as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(9)       # this chapter's exercises, by name: EX.batch_norm, ...

# %% [markdown]
# ## 1. Sequential processing, and what goes wrong with depth
#
# Every network so far has been a chain: each layer takes the previous layer's output and
# replaces it,
#
# $$h_1 = f_1[x, \theta_1], \quad h_2 = f_2[h_1, \theta_2], \quad \ldots \qquad
# y = f_3\big[f_2[f_1[x, \theta_1], \theta_2], \theta_3\big],$$
#
# each $f_k$ a linear map followed by an activation. Chapter 05 fixed the *scale* of the signal
# through such a chain with He initialisation, and batch norm (section 6) can hold it fixed
# during training too. Even so, a deep chain learns badly. The experiment below trains four
# nets on MNIST-1D (40-sample signals of the digits 0-9) for the same 150 Adam steps: plain
# chains of $K = 2$, $8$ and $20$ hidden layers (each layer batch norm, ReLU, linear, so the
# scale is controlled), and a residual net of 20 blocks built from the *same* layers, each
# layer's output added to its input instead of replacing it. The code is in
# `dlcore/residual_torch.py`; `PlainNet.forward` and `ResidualNet.forward` differ in one line.

# %%
import torch

from dlcore.data import mnist1d
from dlcore.residual_torch import ResidualNet, RunConfig, train_depths

torch.manual_seed(0)
torch.set_num_threads(1)  # small matrices: one thread is fastest
show_source(ResidualNet.forward)

data = mnist1d(num_samples=3000)  # 2400 training and 600 test signals, rows are examples
RUNS = [("plain", 2), ("plain", 8), ("plain", 20), ("residual", 20)]
config = RunConfig(steps=150)     # width 32, batch 64, Adam with learning rate 3e-3
results = train_depths(data, RUNS, config)

# %%
fig, ax = new_figure(figsize=(8, 3.2))
plot_training(ax, results)
ax.set_title("the same 150 steps: the deepest plain net learns slowest, the residual net does not")
plt.show()
for (kind, K), res in results.items():
    print(f"{kind:>8}, K = {K:2d}: training accuracy {res['train_acc']:.2f}, "
          f"test accuracy {res['test_acc']:.2f}")
acc = {run: res["train_acc"] for run, res in results.items()}
assert acc["plain", 20] < min(acc["plain", 2], acc["plain", 8], acc["residual", 20]) - 0.1
assert acc["residual", 20] > acc["plain", 2] - 0.05

# %% [markdown]
# **What to notice.** The deepest plain net is worst on the *training* data, not only on the
# test data, so this is not overfitting: extra layers made the optimisation itself harder. (How
# far apart the curves end depends on the machine's random streams; the ordering is the
# point.) The 20-block residual net, with exactly as many layers and parameters as the 20-layer
# plain net, trains about as fast as the 2-layer one (its training accuracy is within 0.05 of
# it, or above).

# %% [markdown]
# ## 2. Shattered gradients
#
# Why is a deep chain hard to train when its activations and gradients have a sensible size?
# Look at the gradient as a function of the input. For a net with one input $x$ and one output
# $y$, the derivative $\partial y / \partial x$ is a product of one Jacobian per layer, each
# evaluated at the point the previous layers delivered. A small change in $x$ changes which
# ReLUs are on in layer 1, which changes where layer 2 is evaluated, and so on: after many
# layers, the gradient at $x$ and at a nearby $x + \Delta x$ have little to do with each other.
# The gradient is *shattered*, and a gradient step, which assumes the slope stays roughly the
# same over the step, points somewhere useless.
#
# We measure this with the **autocorrelation** of the gradient sampled on a grid of inputs:
#
# $$c[l] = \frac{\sum_i (g_i - \bar g)(g_{i + l} - \bar g)}{\sum_i (g_i -
# \bar g)^2}, \qquad g_i = \frac{\partial y}{\partial x}\Big|_{x_i},$$
#
# where $\bar g$ is the mean of the $g_i$ and the lag $l$ counts grid steps: on the grid of 200
# inputs from $-2$ to $2$, inputs $l$ steps apart are $\Delta x = 4l/199$ apart.
#
# $c$ near 1 means neighbouring inputs share their gradient; $c$ near 0 means the gradient is
# white noise. Since the input is a scalar, `input_gradient` carries $\partial h / \partial x$
# forward beside each $h$ (forward-mode chain rule). The toy nets have 64 units per layer, He
# initialisation, and batch norm (with the statistics of the 200 inputs, then frozen) so that
# their scale stays fixed. The residual net runs the same layers as branches:
# $h_{k+1} = h_k + \beta_k + \Omega_k a[\mathrm{BN}[h_k]]$, while the plain net computes
# $h_{k+1} = a[\mathrm{BN}[\beta_k + \Omega_k h_k]]$.

# %%
show_source(residual.input_gradient)

# %%
# NBVAL_CHECK_OUTPUT
x_grid = np.linspace(-2, 2, 200)
params = residual.toy_net(50, 64, np.random.default_rng(0))  # 50 layers; depth K uses the first K
c1 = {}
for kind in ("plain", "residual"):
    _, g = residual.input_gradient(x_grid, params, residual=(kind == "residual"), every_depth=True)
    c1[kind] = np.array([residual.autocorrelation(g[K], 1)[1] for K in (1, 5, 10, 20, 50)])
    print(f"{kind:>8}: c[one grid step] at K = 1, 5, 10, 20, 50:", np.round(c1[kind], 2))
assert c1["plain"][0] > 0.9 and c1["residual"][0] > 0.9            # one layer: smooth
assert np.all(np.abs(c1["plain"][2:]) < 0.2) and c1["residual"][-1] > 0.4

# %% [markdown]
# Drag the depth $K$: the plain net has $1 + K$ hidden layers, the residual net an input layer
# and $K$ blocks. The left panels show $\partial y/\partial x$ across the 200 inputs (rescaled
# to a root-mean-square of 1 so that all depths share one axis); the right panel shows the
# autocorrelation, averaged over six random nets, against the distance between inputs.

# %%
W.shattered.show()

# %%
c_fig = {K: W.compute_shattered(K) for K in (1, 10, 50)}             # the right panel's curves
assert c_fig[1]["c_plain"][1] > 0.9 and c_fig[1]["c_res"][1] > 0.9
assert abs(c_fig[10]["c_plain"][1]) < 0.2 and abs(c_fig[50]["c_plain"][1]) < 0.2
assert c_fig[50]["c_res"][1] > 0.4 and np.all(np.diff(c_fig[50]["c_res"][:6]) < 0)  # decays

# %% [markdown]
# **What to notice.** With one or two layers both gradients are smooth (an autocorrelation above
# 0.9 at one grid step). By about ten plain layers the plain net's gradient is noise: its
# autocorrelation falls to zero (below 0.2) after a single grid step. The residual net's
# gradient roughens slowly, and even at $K = 50$ its autocorrelation decays over a range of
# inputs (above 0.4 after one step). This is a different failure from vanishing or
# exploding gradients: the size of the gradient is fine, its *direction* is unpredictable.

# %% [markdown]
# ## 3. Residual blocks, and the net as an ensemble of paths
#
# A residual block adds its output to its input instead of replacing it:
#
# $$h_1 = x + f_1[x], \qquad h_2 = h_1 + f_2[h_1], \qquad y = h_2 + f_3[h_2].$$
#
# Each layer learns an additive *change* to the representation rather than a whole new one.
# Substituting,
#
# $$y = x + f_1[x] + f_2\big[x + f_1[x]\big] + f_3\big[x + f_1[x] + f_2[x + f_1[x]]\big].$$
#
# If the branches were linear, $f_k[h] = \Omega_k h$, the net would be
# $y = (I + \Omega_3)(I + \Omega_2)(I + \Omega_1) x$, and multiplying out gives one term per
# subset of blocks: the path that goes *through* those branches and *along the skip* at the
# others. $K$ blocks give $2^K$ paths, and $\binom{K}{l}$ of them pass through exactly $l$
# branches. `paths_by_length` adds up the terms of each length block by block
# ($c_{\text{new}}[l] = c[l] + \Omega_k c[l-1]$), and the sum over lengths is the net's output:

# %%
show_source(residual.paths_by_length)

# %%
# NBVAL_CHECK_OUTPUT
K, D = 10, 32
x0 = rng.standard_normal((D, 1))
omegas = [np.random.default_rng(k).normal(0, 0.5 / np.sqrt(D), (D, D)) for k in range(K)]
c = residual.paths_by_length(x0, omegas)               # (K + 1, D, 1)
y = x0.copy()
for omega in omegas:
    y = y + omega @ y                                   # the residual net itself
print("sum over path lengths == net output:", np.allclose(c.sum(axis=0), y))
print("paths of each length l = 0..10:", residual.path_counts(K))
print("size |c[l]| of each length's total:", np.round(np.linalg.norm(c[:, :, 0], axis=1), 2))
assert np.allclose(c.sum(axis=0), y) and residual.path_counts(K)[5] == 252

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.0))
plot_path_counts(ax1, residual.path_counts(K))
for scale, color in ((0.25, PALETTE["sky"]), (0.5, PALETTE["blue"]), (1.0, PALETTE["purple"])):
    om = [np.random.default_rng(k).normal(0, scale / np.sqrt(D), (D, D)) for k in range(K)]
    size = np.linalg.norm(residual.paths_by_length(x0, om)[:, :, 0], axis=1)
    ax2.plot(np.arange(K + 1), size, "o-", color=color, label=rf"branch scale {scale}")
ax2.set_yscale("log")
label(ax2, "path length $l$", r"$\|c[l]\|$: all paths of length $l$",
      "which path lengths carry the output")
ax2.legend()
plt.show()
for scale in (0.25, 0.5):   # small branches: the short paths (l <= 3) carry the most
    om = [np.random.default_rng(k).normal(0, scale / np.sqrt(D), (D, D)) for k in range(K)]
    size = np.linalg.norm(residual.paths_by_length(x0, om)[:, :, 0], axis=1)
    assert np.argmax(size) <= 3 and np.all(np.diff(size[3:]) < 0)

# %% [markdown]
# **What to notice.** Most paths have a medium length ($\binom{10}{5} = 252$ of the 1024), but
# when each branch is a small change the *short* paths carry most of the output: every branch
# taken multiplies a path by a small matrix. A residual net behaves like an ensemble of
# networks of many depths whose outputs are summed. The short paths give it a smooth,
# well-behaved gradient (the slow decay in section 2); the long paths can still express complex
# functions, and every layer has a short path to the output, so no gradient vanishes on its
# way back.

# %% [markdown]
# ## 4. The order of operations: ReLU before the linear layer
#
# A classic layer is linear then ReLU. As a residual branch that is $f_k[h] = a[\beta_k +
# \Omega_k h] \geq 0$: every block can only *add* a non-negative amount, so every unit can
# only grow as the blocks go by. Putting the ReLU first, $f_k[h] = \beta_k + \Omega_k a[h]$,
# lets the branch push in either direction. Written out, the two blocks differ by where
# `np.maximum` sits:

# %%
# NBVAL_CHECK_OUTPUT
D, I, K = 64, 200, 12
h_lin_relu = h_relu_lin = rng.standard_normal((D, I))
means = {"linear, then ReLU": [0.0], "ReLU, then linear": [0.0]}
for k in range(K):
    omega = np.random.default_rng(100 + k).normal(0, np.sqrt(2 / D), (D, D))  # He
    h_lin_relu = h_lin_relu + np.maximum(omega @ h_lin_relu, 0)    # f = a[Omega h]
    h_relu_lin = h_relu_lin + omega @ np.maximum(h_relu_lin, 0)    # f = Omega a[h]
    s1, s2 = h_lin_relu.std(), h_relu_lin.std()
    means["linear, then ReLU"].append(h_lin_relu.mean() / s1)
    means["ReLU, then linear"].append(h_relu_lin.mean() / s2)
for name, m in means.items():
    print(f"{name:>18}: mean / std of h_k at k = 0, 4, 8, 12:", np.round(m[::4], 2))
assert min(means["linear, then ReLU"][4:]) > 0.5 and max(np.abs(means["ReLU, then linear"])) < 0.1

# %%
fig, ax = new_figure(figsize=(7, 2.8))
for (name, m), color in zip(means.items(), (PALETTE["vermillion"], PALETTE["blue"])):
    ax.plot(np.arange(K + 1), m, "o-", color=color, label=f"branch: {name}")
ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
label(ax, "block $k$", r"mean$[h_k]$ / std$[h_k]$", "ReLU last: each block can only push up")
ax.legend()
plt.show()

# %% [markdown]
# **What to notice.** With the ReLU last, the representation drifts positive block after block
# (its mean becomes a large fraction of its spread: over half of it from block 4 on), and a unit
# has no way to decrease. With the ReLU first the mean stays near zero (within 0.1 of the
# spread): the branch corrects in both directions. This is why
# residual branches are written *normalise, ReLU, linear* (the order used in
# `dlcore/residual_torch.py`).

# %% [markdown]
# ### A block that spans two layers
#
# A skip connection may jump over more than one layer. The blocks of a typical residual net
# wrap *two* layers in each branch, each layer ReLU first:
#
# $$f_k[h] = \beta_{k2} + \Omega_{k2}\, a\big[\beta_{k1} + \Omega_{k1}\, a[h]\big], \qquad
# h_{k+1} = h_k + f_k[h_k].$$
#
# There is one skip per block, from its input to its output, and nothing (no ReLU) after the
# addition, so the skip path carries $h_k$ through untouched. In code:

# %%
show_source(residual.residual_block)

# %%
# NBVAL_CHECK_OUTPUT
D = 6
h_in = rng.standard_normal((D, 4))
zero_w, zero_b = np.zeros((D, D)), np.zeros(D)
same = np.allclose(residual.residual_block(h_in, zero_w, zero_b, zero_w, zero_b), h_in)
print("a zero branch makes the block the identity:", same)
assert same

# %% [markdown]
# Why a block helps the backward pass: the derivative of $h_{k+1} = h_k + f_k[h_k]$ is
# $I + \partial f_k/\partial h_k$, so the gradient reaching $h_k$ is the gradient at $h_{k+1}$
# *plus* whatever the branch sends back. In a plain stack it is only what the layers send
# back: a product of one Jacobian per layer, which shrinks geometrically when the layers are
# initialised too small. Below, 20 two-layer residual blocks and the same 40 layers without the
# skips, both at PyTorch's default initialisation of `nn.Linear` (weight variance $1/(3D)$, a
# sixth of He's $2/D$), back-propagate a random gradient from the top (`gradient_norms` in
# `dlcore/residual_torch.py`).

# %%
from dlcore.plots.residual import plot_gradient_norms
from dlcore.residual_torch import gradient_norms

grad_norms = {"plain: the same 40 layers, no skips": gradient_norms(20, 32, residual=False),
              "residual: 20 two-layer blocks": gradient_norms(20, 32, residual=True)}
fig, ax = new_figure(figsize=(8, 3.0))
plot_gradient_norms(ax, grad_norms)
ax.set_title("the size of the gradient at each block's input, from the loss (right) back to the "
             "input (left)")
plt.show()
g_plain, g_res = grad_norms.values()
print(f"gradient at the input / at the top: plain {g_plain[0] / g_plain[-1]:.0e}, "
      f"residual {g_res[0] / g_res[-1]:.1f}")
assert g_plain[0] / g_plain[-1] < 1e-10 and 1.0 <= g_res[0] / g_res[-1] < 3.0

# %% [markdown]
# **What to notice.** Without skips the gradient falls by more than ten orders of magnitude on
# its way from the top block to the input: the first layers would learn nothing. With the skips
# it arrives at the input at least as large as it started (and less than three times larger),
# because every block adds its branch's contribution to the identity's. He initialisation
# (chapter 05) would rescue the plain stack here; the residual stack does not need it to avoid
# vanishing, although, as the next section shows, it then has the opposite problem.

# %% [markdown]
# ## 5. Variance growth under He initialisation
#
# Residual nets do not vanish (every layer has a direct path), but they can explode. He
# initialisation makes a branch $\Omega_k a[h_k]$ return the variance of what entered it, and
# the branch is uncorrelated with $h_k$, so the two variances add:
#
# $$\mathrm{Var}[h_{k+1}] = \mathrm{Var}[h_k] + \mathrm{Var}[f_k[h_k]] = 2\,\mathrm{Var}[h_k]
# \quad\Longrightarrow\quad \mathrm{Var}[h_k] = 2^k\,\mathrm{Var}[h_0].$$
#
# Batch norm at the start of each branch (section 6) standardises what the branch sees, so the
# branch adds $\gamma^2$ whatever $\mathrm{Var}[h_k]$ is, and the growth becomes linear:
# $\mathrm{Var}[h_k] = \mathrm{Var}[h_0] + k\gamma^2$. Scaling the branch by $\gamma$ without
# normalisation gives $(1 + \gamma^2)^k$ instead.

# %%
# NBVAL_CHECK_OUTPUT
h0 = rng.standard_normal((200, 400))
for norm in ("none", "batch"):
    v = residual.residual_variances(h0, 10, np.random.default_rng(1), norm=norm)
    closed = residual.variance_closed_form(10, h0.var(), norm=norm)
    print(f"{norm:>5}: measured {np.round(v[::2], 1)}\n       closed   {np.round(closed[::2], 1)}")

# %%
W.variance.show()

# %%
none = {g: W.compute_variance("none", g) for g in (0.5, 1.0, 2.0)}
bn = W.compute_variance("batch", 1.0)
assert 0.5e12 < none[1.0]["closed"][40] < 2e12                       # 2^40 Var[h_0]
assert none[0.5]["v"][40] < none[1.0]["v"][40] < none[2.0]["v"][40]   # larger gamma, steeper
ratio = none[1.0]["v"] / none[1.0]["closed"]
assert np.all(np.abs(ratio[:6] - 1) < 0.2) and np.abs(ratio[20:] - 1).max() > 0.3   # drifts deep
assert np.all(np.abs(bn["v"] / bn["closed"] - 1) < 0.2)               # linear growth

# %% [markdown]
# **What to notice.** Without normalisation the dots climb a straight line on the log axis:
# $2^{40} \approx 10^{12}$ after 40 blocks, and a larger $\gamma$ makes it steeper. Switch the
# branch to batch norm and the same blocks grow only linearly (within 20% of
# $\mathrm{Var}[h_0] + k\gamma^2$). The measured dots follow the closed form for the first few
# blocks and then drift from it (by more than 30% deep in the net), because each block draws only one random $\Omega_k$ and the
# errors compound. A small $\gamma$ (the batch-norm scale, learnable) also means the later
# blocks start as small corrections, so the net begins close to a shallower one.

# %% [markdown]
# ## 6. Batch norm in training
#
# For each hidden unit separately, batch norm takes the unit's values $h_i$ over the current
# batch $B$, computes their mean and variance,
#
# $$m_h = \frac{1}{|B|}\sum_{i \in B} h_i, \qquad s_h^2 = \frac{1}{|B|}\sum_{i \in B}
# (h_i - m_h)^2,$$
#
# standardises, and then applies a learnable scale $\gamma$ and shift $\delta$:
#
# $$h_i \leftarrow \frac{h_i - m_h}{\sqrt{s_h^2 + \epsilon}}, \qquad h_i \leftarrow \gamma h_i
# + \delta \qquad \forall i \in B.$$
#
# The variance divides by $|B|$ (the biased estimate), and the small $\epsilon$ sits inside the
# square root, as in PyTorch. (The notes write $(h_i - m_n)/(s_n + \epsilon)$, with $s_n$ the
# standard deviation and $\epsilon$ outside the root; we follow PyTorch so that our numbers
# match it.) In code each unit is a row, so the averages run along axis 1:

# %%
show_source(residual.batch_norm)

# %% [markdown]
# Check it against `torch.nn.BatchNorm1d` (which wants examples as rows, so we transpose):

# %%
from dlcore.residual_torch import batchnorm1d_reference

D, I = 4, 16
gamma, delta = rng.normal(size=D), rng.normal(size=D)
h_batch = rng.normal(3.0, 2.0, size=(D, I))
ours, m, s2 = residual.batch_norm(h_batch, gamma, delta)
torch_out = batchnorm1d_reference([h_batch], gamma, delta)["train_out"][0]
print("ours and torch.nn.BatchNorm1d agree to 1e-12:", np.allclose(ours, torch_out, rtol=0, atol=1e-12))
print("after batch norm, each unit's mean and std over the batch:")
z = residual.batch_norm(h_batch, 1.0, 0.0)[0]
print(np.round(z.mean(axis=1), 6) + 0.0, np.round(z.std(axis=1), 4))
assert np.allclose(ours, torch_out, rtol=0, atol=1e-12)
assert np.allclose(z.mean(axis=1), 0) and np.allclose(z.std(axis=1), 1, atol=1e-4)

# %% [markdown]
# Because $m_h$ and $s_h$ are estimated from the batch, one example's normalised value depends
# on which other examples share its batch: batch norm injects noise, which acts as a
# regulariser. The figure follows one example ($h = 3$) of a unit whose values are skewed
# (a gamma distribution), through 400 random batches. Move the batch size.

# %%
W.bn_noise.show()

# %%
noise = {B: W.compute_bn_noise(B) for B in (2, 4, 16, 64, 256)}
at_one = np.mean(np.abs(np.abs(noise[2]["z"]) - 1) < 0.01)           # |B| = 2: +-1
offset = {B: abs(np.median(r["z"]) - W.POP_Z) for B, r in noise.items()}
spread = {B: r["z"].std() for B, r in noise.items()}
print(f"|B| = 2: {at_one:.0%} of the draws within 0.01 of +-1; std at |B| = 16, 64, 256:",
      np.round([spread[16], spread[64], spread[256]], 2))
assert at_one > 0.95 and offset[4] > 0.15 and offset[256] < 0.05
assert all(1.7 < spread[B] / spread[4 * B] < 2.3 for B in (16, 64))  # fourfold batch: half

# %% [markdown]
# **What to notice.** With $|B| = 2$ the output is $\pm 1$ (two values standardised): over 95%
# of the draws land within 0.01 of it, and only when the other value nearly equals $h = 3$
# does $\epsilon$ pull the output towards 0. With small batches it spreads widely, and its centre sits away from the
# test-time value (red line): the example is part of its own batch, and the spread of a small
# skewed batch is usually underestimated. From about $|B| = 16$ on, the spread shrinks like
# $1/\sqrt{|B|}$ (it halves when the batch grows fourfold) as the batch statistics (right
# panel) concentrate around the population's. This noise acts as a regulariser; batch norm also
# makes the loss surface smoother, which is why it tolerates larger learning rates.

# %% [markdown]
# ### Batch norm allows higher learning rates
#
# Batch norm also changes how large a step the optimiser can take. Without it, a big update
# to one layer's weights rescales everything after it, and the next step acts on a net whose
# activations may be far larger than before; with it, each layer's output is standardised again
# on every batch, so the loss is much less sensitive to the scale of the weights. We train a net
# of 6 hidden layers (24 units each, He initialisation) on the MNIST-1D data of section 1 with
# plain SGD for 60 steps, at five learning rates, once with each layer *linear, batch norm,
# ReLU* and once *linear, ReLU* (`DeepNet` and `lr_sweep` in `dlcore/residual_torch.py`). The
# figure shows the cross-entropy on the whole training set at the end; guessing gives
# $\log 10 \approx 2.30$.

# %%
from dlcore.plots.residual import plot_lr_sweep
from dlcore.residual_torch import SweepConfig, lr_sweep

LRS = [0.03, 0.1, 0.3, 1.0, 3.0]
sweep = lr_sweep(data, LRS, SweepConfig())  # 6 layers of 24 units, 60 SGD steps, batch 64
fig, ax = new_figure(figsize=(8, 3.0))
plot_lr_sweep(ax, LRS, sweep)
ax.axhline(np.log(10), color=PALETTE["grey"], linestyle=":", linewidth=1.2, label="chance, log 10")
ax.legend()
ax.set_title("final training loss after 60 SGD steps")
plt.show()
TRAINS = 2.1  # "it trains": the loss ends clearly below chance (2.30)
largest = {bn: max([lr for lr in LRS if sweep[bn, lr] < TRAINS], default=0.0) for bn in (False, True)}
print("largest learning rate that trains, without and with batch norm:", largest[False], largest[True])
assert largest[True] > largest[False] and largest[True] >= 1.0
assert sweep[False, 3.0] > np.log(10)  # without batch norm the largest rate ends worse than chance
assert sweep[True, 1.0] < TRAINS and sweep[True, 3.0] < TRAINS
assert all(abs(sweep[True, lr] - sweep[False, lr]) < 0.15 for lr in (0.03, 0.1))  # small: alike

# %% [markdown]
# **What to notice.** At the two smallest learning rates the two nets end alike (within 0.15):
# the steps are small and batch norm has little to correct. As the rate grows the net without batch norm stops
# improving and then breaks down (at $\alpha = 3$ it ends worse than guessing), while the net
# with batch norm still trains at $\alpha = 1$ and $3$: the largest rate that reaches a loss
# below 2.1 is higher with batch norm. Exactly where each curve turns up depends on the
# machine's random streams; the ordering is the point.

# %% [markdown]
# ## 7. Batch norm at test time
#
# At test time there may be a single example and no batch, and the output should not depend on
# its neighbours. So batch norm uses statistics gathered during training, kept as running
# averages updated after every batch:
#
# $$m_{\text{run}} \leftarrow (1 - \alpha)\, m_{\text{run}} + \alpha\, m_B, \qquad
# \sigma^2_{\text{run}} \leftarrow (1 - \alpha)\, \sigma^2_{\text{run}} + \alpha\,
# \sigma^2_B, \qquad \hat h = \gamma\,\frac{h - m_{\text{run}}}{\sqrt{\sigma^2_{\text{run}} +
# \epsilon}} + \delta.$$
#
# One detail the equations hide: PyTorch (its `momentum` is our $\alpha$, default 0.1) feeds
# the *unbiased* batch variance $\frac{|B|}{|B| - 1} s^2_B$ into $\sigma^2_{\text{run}}$,
# although it normalises the batch itself with the biased $s^2_B$. It starts from
# $m_{\text{run}} = 0$, $\sigma^2_{\text{run}} = 1$.

# %%
show_source(residual.batch_norm_eval)

# %%
alpha = 0.1
batches = [rng.normal(3.0, 2.0, size=(D, I)) for _ in range(20)]
run_mean, run_var = np.zeros(D), np.ones(D)
for h in batches:
    _, m_B, s2_B = residual.batch_norm(h, gamma, delta)
    run_mean = residual.update_running(run_mean, m_B, alpha)
    run_var = residual.update_running(run_var, s2_B * I / (I - 1), alpha)  # unbiased, as torch
h_test = rng.normal(3.0, 2.0, size=(D, 5))
ours_eval = residual.batch_norm_eval(h_test, gamma, delta, run_mean, run_var)
ref = batchnorm1d_reference(batches, gamma, delta, alpha=alpha, h_test=h_test)
pairs = {"running mean": (run_mean, ref["running_mean"]), "running var": (run_var, ref["running_var"]),
         "test-time output": (ours_eval, ref["eval_out"])}
for name, (a, b) in pairs.items():
    print(f"{name}, ours and torch agree to 1e-12:", np.allclose(a, b, rtol=0, atol=1e-12))
print("running mean after 20 batches (true mean 3):", np.round(run_mean, 2))
assert all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in pairs.values())
assert abs(1 - 0.9**20 - 0.88) < 0.005 and abs(run_mean.mean() - 0.88 * 3) < 0.3

# %% [markdown]
# **What to notice.** The three agree to rounding level: the formulas above, with
# the unbiased variance in the running average, are exactly what PyTorch does. After 20 batches
# with $\alpha = 0.1$ the running mean has covered $1 - 0.9^{20} \approx 88\%$ of the way from
# its starting 0 to the true 3: a running average forgets its start slowly, which is why a few
# hundred training steps are needed before test-time batch norm is reliable.

# %% [markdown]
# ## 8. Layer norm, and which axes each normalisation averages over
#
# Batch norm averages one unit over the batch. **Layer norm** averages one data point over its
# units, so it needs no batch at all and behaves the same in training and at test time (it is
# the normalisation inside transformers, chapter 10):
#
# $$m_i = \frac{1}{D}\sum_{d} h_{d i}, \qquad s_i^2 = \frac{1}{D}\sum_d (h_{di} - m_i)^2,
# \qquad h_{di} \leftarrow \gamma_d\,\frac{h_{di} - m_i}{\sqrt{s_i^2 + \epsilon}} + \delta_d.$$
#
# In a convolutional net each channel plays the role of a unit: batch norm averages a channel
# over the batch *and* all spatial positions; layer norm averages one example over all channels
# and positions.

# %%
show_source(residual.layer_norm)

# %%
fig, axes = new_figure(2, 2, figsize=(10, 5.4))
plot_norm_axes(axes[0, 0], "batch")
plot_norm_axes(axes[0, 1], "layer")
plot_norm_axes_conv(axes[1, 0], "batch")
plot_norm_axes_conv(axes[1, 1], "layer")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
h_small = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])  # 2 units, 3 data points
print("batch norm (rows standardised):\n", np.round(residual.batch_norm(h_small, 1, 0)[0], 3))
print("layer norm (columns standardised):\n", np.round(residual.layer_norm(h_small, 1, 0), 3))
assert np.allclose(residual.batch_norm(h_small, 1, 0)[0], [[-1.2247, 0, 1.2247]] * 2, atol=1e-4)
assert np.allclose(residual.layer_norm(h_small, 1, 0), [[-1.0] * 3, [1.0] * 3], atol=1e-4)

# %% [markdown]
# **What to notice.** The shaded cells are the values that share one mean and one variance:
# a row (one unit) for batch norm, a column (one data point) for layer norm. In the CNN case
# batch norm pools a channel over examples *and* positions, so it has many more values per
# statistic than the batch size alone. On the toy array, batch norm erases the difference in
# scale between the two units (both rows become $-1.22, 0, 1.22$) but keeps the ordering of the data points; layer norm erases the
# differences between data points' overall levels (every column becomes $-1, 1$). Normalising
# along the wrong axis is a silent bug: the shapes still match.

# %% [markdown]
# ### Batch norm in a CNN, in code
#
# For feature maps $x$ of shape $(B, C, H, W)$ a channel $c$ is the unit: its mean and variance
# pool all $B$ examples *and* all $H \times W$ positions,
#
# $$m_c = \frac{1}{BHW}\sum_{b,i,j} x_{bcij}, \qquad s_c^2 = \frac{1}{BHW}\sum_{b,i,j}
# (x_{bcij} - m_c)^2, \qquad x_{bcij} \leftarrow \gamma_c\,\frac{x_{bcij} -
# m_c}{\sqrt{s_c^2 + \epsilon}} + \delta_c,$$
#
# with one $\gamma_c$ and one $\delta_c$ per channel, so that a feature is treated the same
# wherever it appears in the image (the same reason a convolution shares its weights). The code
# is `batch_norm` with the averages taken over axes $(0, 2, 3)$:

# %%
show_source(residual.batch_norm2d)

# %%
# NBVAL_CHECK_OUTPUT
x_maps = rng.normal(2.0, 3.0, size=(4, 3, 5, 6))  # B = 4 images, C = 3 channels, 5 x 6 pixels
gamma_c, delta_c = rng.normal(size=3), rng.normal(size=3)
out2d, m_c, s2_c = residual.batch_norm2d(x_maps, gamma_c, delta_c)
torch_2d = torch.nn.functional.batch_norm(torch.tensor(x_maps), None, None, torch.tensor(gamma_c),
                                          torch.tensor(delta_c), training=True, eps=1e-5).numpy()
agree = np.allclose(out2d, torch_2d, rtol=0, atol=1e-12)
print("ours and torch.nn.functional.batch_norm (training) agree to 1e-12:", agree)
print("shapes: out", out2d.shape, " m", m_c.shape, " s2", s2_c.shape)
print("values pooled into each channel's statistics: B H W =", x_maps[:, 0].size)
assert agree and m_c.shape == s2_c.shape == (3,) and x_maps[:, 0].size == 120

# %% [markdown]
# **What to notice.** The result matches PyTorch's batch norm in training mode to rounding
# level, and each of the three channels gets one mean and one variance, estimated from
# $4 \times 5 \times 6 = 120$ values although the batch holds only 4 images. This is why batch
# norm works with small batches of large images.

# %% [markdown]
# ## 9. U-Nets: residual connections across an hourglass
#
# Skip connections need not jump over a single block. An **encoder-decoder** (hourglass)
# network downsamples an image step by step to a small, many-channel bottleneck (chapter 08's
# strided convolutions and pooling), then upsamples back to full resolution to produce an output
# per pixel, e.g. a segmentation map. Fine detail lost on the way down cannot be recovered on
# the way up, so the **U-Net** copies each encoder level across to the decoder level of the
# same resolution and concatenates it there. In the diagram the solid grey arrows are the main
# path (down the encoder, through the bottleneck, up the decoder) and the dashed arrows the skip
# connections.

# %%
fig, ax = new_figure(figsize=(9, 3.4))
plot_unet(ax)
plt.show()


# %% [markdown]
# **What to notice.** The skip connections (dashed) carry the residual idea to the scale of the
# whole network: each decoder level receives the encoder's high-resolution features directly
# (concatenated with the up-sampled coarse features, not added to them), so it only has to learn
# how to combine the fine detail with the context from the bottleneck, not to rebuild the detail.

# %% [markdown]
# ### A tiny U-Net that segments
#
# **Semantic segmentation** gives every pixel a label; here the label is "object" or
# "background". `shapes_dataset` draws noisy $24 \times 24$ grey images of one to three discs
# and rectangles of brightness 1 on a background that drifts linearly across the image, plus
# pixel noise of standard deviation 0.5; the target is the mask of the shapes. A pixel alone says
# little (the noise is half the contrast and the background level varies), so the net must use
# each pixel's neighbourhood: this is where the encoder's context matters, and the skips bring
# back the exact outlines.
#
# `TinyUNet` (in `dlcore/residual_torch.py`) has two levels: each level two $3 \times 3$
# convolutions with batch norm and ReLU, max pooling on the way down ($24 \to 12 \to 6$
# pixels, $6 \to 12 \to 24$ channels), transposed convolutions on the way up, the encoder's maps
# concatenated at each decoder level, and a $1 \times 1$ convolution giving one logit per pixel.
# It is trained with Adam on the per-pixel binary cross-entropy for 120 steps of 8 images.

# %%
from dlcore.plots.residual import plot_segmentation
from dlcore.residual_torch import TinyUNet, UNetConfig, predict_masks, train_unet

SIZE = 24
seg_x, seg_y, _ = residual.shapes_dataset(400, SIZE, np.random.default_rng(0))  # training set
test_x, test_y, test_boxes = residual.shapes_dataset(100, SIZE, np.random.default_rng(1))
show_source(TinyUNet.forward)
unet, unet_losses = train_unet(seg_x, seg_y, UNetConfig())  # 6 channels, 120 steps of 8 images
pred = predict_masks(unet, test_x)                          # (100, 24, 24) bool

# %%
fig, axes = new_figure(3, 6, figsize=(9, 4.6))
plot_segmentation(axes, test_x[:6], test_y[:6], pred[:6])
fig.suptitle("six test images (top), their masks (middle) and the U-Net's masks (bottom)")
plt.show()
unet_iou = residual.iou(pred, test_y)
best_threshold = max(residual.iou(test_x > t, test_y) for t in np.linspace(-0.5, 1.5, 41))
print(f"test IoU {unet_iou:.2f}, pixel accuracy {np.mean(pred == test_y):.3f}; "
      f"best single-pixel threshold: IoU {best_threshold:.2f}")
assert unet_iou > 0.75 and best_threshold < 0.55
assert abs(np.mean(test_y == 0) - 0.88) < 0.01  # "background" everywhere: 88% right

# %% [markdown]
# **What to notice.** The predicted masks follow the shapes closely (a few edge pixels off) on
# images the net has never seen: the intersection over union $|P \cap T| / |P \cup T|$ of the predicted
# and true object pixels is above 0.75 over the 100 test images. (Pixel accuracy alone would
# flatter any net here: a net that answers "background" everywhere is right on about 88% of the
# pixels.) Thresholding each pixel on its own, with the best threshold chosen on the test set
# itself, reaches an IoU below 0.55: the net's advantage is the context its convolutions and
# its bottleneck gather around each pixel.

# %% [markdown]
# ### Detection: what the output is
#
# **Object detection** asks for each object's position and extent rather than a label per
# pixel: the output is a list of boxes $(r_0, c_0, r_1, c_1)$ (and a class per box). A list of
# unknown length is awkward for a network, so many detectors predict *dense maps* instead, one
# value per output cell, as a segmentation net does: a heatmap that peaks at each object's
# centre, and in each cell the box's height and width. The boxes are read off at the heatmap's
# peaks. `center_heatmap` makes the heatmap a detector would be trained to produce (a Gaussian
# bump at each box centre) for one test image:

# %%
from dlcore.plots.residual import plot_detection

heat = residual.center_heatmap(test_boxes[0], SIZE, sigma=1.5)
fig, (ax1, ax2) = new_figure(1, 2, figsize=(7, 3.4))
plot_detection(ax1, ax2, test_x[0], test_boxes[0], heat)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
centres = [((r0 + r1) / 2, (c0 + c1) / 2) for r0, c0, r1, c1 in test_boxes[0]]
at_centres = [heat[int(round(r)), int(round(c))] for r, c in centres]  # nearest pixel
print("boxes in the image:", len(centres), "  heatmap at each box centre above 0.8:",
      all(v > 0.8 for v in at_centres), "  heatmap in the top rows (no object):",
      float(np.round(heat[:5].max(), 3)))
assert all(v > 0.8 for v in at_centres) and heat[:5].max() < 1e-3

# %% [markdown]
# **What to notice.** Each object gives one bump, centred on its box (above 0.8 at the pixel
# nearest each centre), even where two boxes overlap, and the heatmap is zero where there is no
# object. A detector network
# outputs maps like the right-hand one (plus the box sizes), so its architecture can be the same
# encoder-decoder as the U-Net's; only the targets and the loss change.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1
# Section 6 showed `residual.batch_norm`; now write it yourself, without looking.

# %%
EX.batch_norm.show()


# %%
def bn(h, gamma, delta):
    return None  # your code here


# %%
EX.batch_norm.check(bn)

# %%
EX.batch_norm.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.batch_norm)

# %% [markdown]
# ### Exercise 2
# Counting the paths of section 3 by length.

# %%
EX.count_paths.show()

# %%
answer_2 = None  # your answer

# %%
EX.count_paths.check(answer_2)

# %%
EX.count_paths.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.count_paths)

# %% [markdown]
# ### Exercise 3
# The closed forms behind the figure of section 5, for a small net.

# %%
EX.variance_growth.show()

# %%
answer_3 = None  # your answer: [without BN, with BN]

# %%
EX.variance_growth.check(answer_3)

# %%
EX.variance_growth.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.variance_growth)

# %% [markdown]
# ### Exercise 4
# The statistics that batch norm keeps for test time (section 7).

# %%
EX.running_variance.show()

# %%
answer_4 = None  # your answer

# %%
EX.running_variance.check(answer_4)

# %%
EX.running_variance.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.running_variance)

# %% [markdown]
# ### Exercise 5
# One training step of batch norm, with the running statistics PyTorch keeps (sections 6 and 7).

# %%
EX.batch_norm_train.show()


# %%
def bn_train(h, gamma, delta, run_mean, run_var, alpha):
    return None  # your code here


# %%
EX.batch_norm_train.check(bn_train)

# %%
EX.batch_norm_train.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.batch_norm_train)

# %% [markdown]
# ### Exercise 6
# The same layer at test time, using what the training steps kept (section 7).

# %%
EX.batch_norm_eval.show()


# %%
def bn_eval(h, gamma, delta, run_mean, run_var):
    return None  # your code here


# %%
EX.batch_norm_eval.check(bn_eval)

# %%
EX.batch_norm_eval.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.batch_norm_eval)

# %% [markdown]
# ### Exercise 7
# The statistics of `batch_norm2d` (section 8): which axes a CNN's batch norm averages over.

# %%
EX.bn2d_statistics.show()


# %%
def bn2d_stats(x):
    return None  # your code here


# %%
EX.bn2d_statistics.check(bn2d_stats)

# %%
EX.bn2d_statistics.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bn2d_statistics)

# %% [markdown]
# ### Exercise 8
# Layer norm (section 8), written from its equation.

# %%
EX.layer_norm.show()


# %%
def ln(h, gamma, delta):
    return None  # your code here


# %%
EX.layer_norm.check(ln)

# %%
EX.layer_norm.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.layer_norm)

# %% [markdown]
# ### Exercise 9
# The two-layer residual block of section 4.

# %%
EX.residual_block.show()


# %%
def res_block(h, omega1, beta1, omega2, beta2):
    return None  # your code here


# %%
EX.residual_block.check(res_block)

# %%
EX.residual_block.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.residual_block)

# %% [markdown]
# ## Summary
#
# * Deep plain chains $h_{k+1} = f_k[h_k]$ train *worse* as they get deeper, on training data
#   too. One reason is **shattered gradients**: $\partial y/\partial x$ decorrelates between
#   nearby inputs as depth grows (autocorrelation $\to 0$), so a gradient step is a guess.
# * A **residual block** adds: $h_{k+1} = h_k + f_k[h_k]$. Unravelled, $K$ blocks are an
#   ensemble of $2^K$ paths, $\binom{K}{l}$ of length $l$; short paths keep gradients smooth.
#   The branch applies the ReLU first, $f_k[h] = \beta_k + \Omega_k a[h]$, so it can push
#   either way.
# * With He initialisation the variance doubles per block, $\mathrm{Var}[h_k] = 2^k
#   \mathrm{Var}[h_0]$; batch norm in the branch makes it $\mathrm{Var}[h_0] + k\gamma^2$.
# * **Batch norm** (training): $h \leftarrow \gamma (h - m_h)/\sqrt{s_h^2 + \epsilon} +
#   \delta$ with the batch mean and biased variance of each unit; test time uses running
#   averages $(1 - \alpha)\,\text{run} + \alpha\,\text{batch}$ (PyTorch: unbiased variance in
#   the running average). It adds batch-dependent noise, a regulariser.
#   It also tolerates larger learning rates: the largest SGD rate that trained our 6-layer net
#   was higher with batch norm than without.
# * In a CNN batch norm keeps one mean and variance per channel, pooled over the batch and all
#   positions (axes 0, 2, 3 of $(B, C, H, W)$).
# * **Layer norm** standardises each data point over its units: no batch needed.
# * A block may span two layers, $h + \beta_2 + \Omega_2 a[\beta_1 + \Omega_1 a[h]]$; the
#   identity term in its derivative keeps the gradient from vanishing through a deep stack.
# * **U-Nets** carry skip connections from each encoder level to the decoder level of the same
#   resolution; a tiny one segments noisy shapes (IoU above 0.75) where a per-pixel threshold
#   cannot. Detection predicts boxes, often via a heatmap of object centres.
#
# **Next:** chapter 10's transformer layer is built from exactly these parts: residual
# connections around self-attention and around a small fully connected net, each with layer
# norm.
