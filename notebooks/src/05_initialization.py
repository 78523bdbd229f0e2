# %% [markdown]
# # 05 · Initialisation: keeping signals alive through depth
#
# Before the first step of gradient descent every weight of a network needs a value. Pick the
# values too small and the signal fades a little at every layer until nothing reaches the
# output; pick them too large and it grows until the numbers no longer fit in a float. This
# chapter measures that effect and derives the cure. After it you can
#
# * predict how the variance of the pre-activations $f_k$ and of the gradients
#   $\partial l / \partial f_k$ changes from layer to layer in a deep ReLU network;
# * derive $\sigma_{f'}^2 = \tfrac{1}{2} D_h \sigma_\Omega^2 \sigma_f^2$, check it by Monte
#   Carlo, and read **He initialisation** $\sigma_\Omega^2 = 2/D_h$ off it, together with its
#   backward twin $2/D_{h'}$ and the compromise $4/(D_h + D_{h'})$ for non-square layers;
# * say at which depth float32 and float64 overflow or underflow, and recognise a badly
#   initialised network from its first loss curve;
# * diagnose a training run layer by layer: histograms of the activations and gradients of
#   each layer, and the update-to-weight ratio of each weight matrix.
#
# **Prerequisites:** the deep network of chapter 01 ($f_k = \beta_k + \Omega_k h_k$,
# $h_{k+1} = a[f_k]$), the backward pass of chapter 04, and expectation and variance of
# independent random variables.
#
# **Notation.** The notes write the pre-activations of the backward-pass section as $j_k$; here
# they are $f_k$, as in `dlcore`: $f_0 = \beta_0 + \Omega_0 x$, $h_k = a[f_{k-1}]$,
# $f_k = \beta_k + \Omega_k h_k$, with $a[\cdot]$ the ReLU and $f_K$ the output. A layer that
# maps $D_h$ units to $D_{h'}$ units has $\Omega$ of shape $(D_{h'}, D_h)$. The notes write the
# weight variance as $\sigma_n^2$ and the next layer's width as $D_n$; here they are
# $\sigma_\Omega^2$ and $D_{h'}$, to match the weights $\Omega$ and the widths $D_h$.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import init, layers
from dlcore.plots import new_figure, label, PALETTE, COLORS
from dlcore.plots.init import plot_layer_variances, plot_loss_curves
from dlcore.widgets import init as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(5)       # this chapter's exercises, in order

# %% [markdown]
# ## 1. Vanishing and exploding activations
#
# The standard starting point sets every bias to zero and draws every weight independently from
# one normal distribution:
#
# $$\beta_k = 0, \qquad \Omega_k[i, j] \sim \mathrm{Norm}(0, \sigma_\Omega^2).$$
#
# Each pre-activation $f_k = \beta_k + \Omega_k h_k$ is then a sum of $D_h$ random terms. If the
# weights are small, every layer shrinks its input a little, and the shrinking compounds: after
# $K$ layers the activations have *vanished*. If they are large, every layer amplifies and the
# activations *explode*. The ReLU also throws away the negative half of each $f_k$, which is
# one more reason for a layer to shrink.
#
# `init.init_net(widths, sigma, rng)` is that recipe: it calls the course's one initialiser,
# `dlcore.layers.init_params`, with zero biases. The forward pass is chapter 04's
# `dlcore.layers.forward` (`init.forward` runs it in a float type of our choice, section 5).
# Each starts with its contract, the line that states what every argument must be:

# %%
show_source(layers.init_params)

# %%
show_source(layers.forward)

# %% [markdown]
# Push 40 random inputs through nets with 30 hidden layers of 128 units, for three weight
# variances, and print $\mathrm{Var}[f_k]$ (over all units and inputs) every five layers,
# averaged over 8 random nets, next to the prediction we derive in section 3. The variances are
# given as multiples of $2/D_h$, a value whose meaning section 3 explains.

# %%
widths = [128] * 32                         # [D_i, D_1, ..., D_30, D_o], all 128
x = rng.standard_normal((128, 40))          # 40 data points as columns, (D_i, I)
net_rng = np.random.default_rng(1)
print("layer k:                  " + "".join(f"{k:>9d}" for k in range(0, 31, 5)))
for multiple in (0.5, 1.0, 2.0):
    sigma = np.sqrt(multiple * 2 / 128)     # sigma_Omega
    var = np.mean([init.preactivation_variances(x, *init.init_net(widths, sigma, net_rng))
                   for _ in range(8)], axis=0)
    predicted = init.predicted_variances(x, widths, sigma)
    print(f"{multiple} x 2/D_h   measured: " + "".join(f"{v:9.2g}" for v in var[::5]))
    print(f"{multiple} x 2/D_h  predicted: " + "".join(f"{v:9.2g}" for v in predicted[::5]))
    assert np.all(np.abs(np.log2(var[::5] / predicted[::5])) < 1)  # within a factor of 2
    assert abs(var[0] / (2 * multiple) - 1) < 0.1                   # layer 0: 2 x the multiple
    assert abs((var[30] / var[0]) ** (1 / 30) / multiple - 1) < 0.05  # x multiple per layer

# %% [markdown]
# At $1 \times 2/D_h$ the variance holds steady; at $0.5\times$ it halves with every layer and
# at $2\times$ it doubles. (Layer 0 sits at 2 rather than 1 because $f_0 = \Omega_0 x$ sees
# the raw inputs, which no ReLU has halved.)
#
# Now the same experiment with sliders: the depth $K$ and the weight variance, as a multiple of
# $2/D_h$. The dots are the measured $\mathrm{Var}[f_k]$ of one network (64 units per layer);
# the dashed line is the prediction we derive in section 3. The vertical axis is logarithmic
# and spans a hundred powers of ten.

# %%
W.activations.show()

# %% [markdown]
# **What to notice**
# * On a log axis the variance is a straight line: every layer multiplies it by the same factor.
#   At the multiple 1 the line is flat, at 0.5 it falls by a factor 2 per layer, at 2 it rises
#   by 2 per layer. After 40 layers that is $2^{\pm 40} \approx 10^{\pm 12}$.
# * The factor per layer does not depend on depth; depth only decides how many times it is
#   applied. A small mistake in $\sigma_\Omega^2$ is harmless in a 3-layer net and fatal in a
#   50-layer one.
# * The dots wander around the dashed line: one network is one random draw of the weights, and
#   each layer multiplies the variance by a slightly random factor. The theory gives the
#   *average* over many random nets; a single narrow net drifts (more often down than up, as a
#   product of random factors does). The table above averages 8 nets and follows the
#   prediction to within a factor of 2 across nine powers of ten; wider layers also make each
#   factor less random.

# %% [markdown]
# ## 2. The same for gradients in the backward pass
#
# The backward pass carries $\partial l / \partial f_K$ from the output down to the first layer.
# One step multiplies by the transposed weights and by the ReLU's derivative, the indicator
# $\mathbb{I}[f_{k-1} > 0]$:
#
# $$\frac{\partial l}{\partial f_{k-1}}
#   = \mathbb{I}[f_{k-1} > 0] \odot \Omega_k^T \frac{\partial l}{\partial f_k}.$$
#
# It is the forward pass's twin: a product of random matrices, now taken in the other order.
# It is chapter 04's backward pass, `dlcore.layers.backward`: the recursion is the first line
# of its loop, and the derivative $a'$ is the ReLU's indicator (the test suite checks it
# against PyTorch's autograd):

# %%
show_source(layers.backward)

# %% [markdown]
# In the figure the output gradient $\partial l / \partial f_K$ is a fixed random array with
# variance 1, so what you see is what the backward pass alone does to it. The green squares are
# the mean square of
# $\partial L / \partial \Omega_k = \sum_i \frac{\partial l_i}{\partial f_k} h_k^T$
# (summed over the 40 points), the quantity gradient descent actually uses.

# %%
W.gradients.show()

# %% [markdown]
# **What to notice**
# * The gradients go the other way: with small weights they shrink *towards the input*
#   (vanishing gradients: the first layers barely learn), with large weights they grow towards
#   the input (exploding gradients: one step throws the first layers far away).
# * The weight gradients (green) are level across layers but shifted up or down as a whole:
#   $\partial L / \partial \Omega_k$ multiplies an activation $h_k$, which has passed $k$ layers
#   forward, by a gradient that has passed $K - k$ layers backward. Together that is always $K$
#   factors, so with the multiple $c$ every weight gradient's mean square is off by about
#   $c^K$ (its size by $c^{K/2}$): at $c = 2$, $K = 20$ that is a million (a thousand). No
#   single learning rate can cope with both a mis-scaled init and a correct one.
# * At the multiple 1 both passes keep their variance. Section 4 shows that this is a lucky
#   coincidence of square layers.

# %% [markdown]
# ## 3. The variance of one layer, and He initialisation
#
# Take one layer, $f' = \beta + \Omega h$ with $h = a[f]$, where the $D_h$ entries of $f$ have
# mean 0, variance $\sigma_f^2$ and a distribution symmetric about zero, $\beta = 0$ and
# $\Omega_{ij} \sim \mathrm{Norm}(0, \sigma_\Omega^2)$ independent of $h$.
#
# **Mean.** Independence lets the expectation of each product split:
#
# $$\mathbb{E}[f'_i] = \mathbb{E}\Big[\beta_i + \sum_{j=1}^{D_h} \Omega_{ij} h_j\Big]
#   = \beta_i + \sum_{j=1}^{D_h} \mathbb{E}[\Omega_{ij}]\,\mathbb{E}[h_j] = 0.$$
#
# **Variance.** With mean zero the variance is the second moment; the cross terms
# $\mathbb{E}[\Omega_{ij}\Omega_{ik}]$ with $j \neq k$ vanish, leaving
#
# $$\sigma_{f'}^2 = \mathbb{E}\Big[\Big(\sum_{j=1}^{D_h} \Omega_{ij} h_j\Big)^2\Big]
#   = \sum_{j=1}^{D_h} \mathbb{E}[\Omega_{ij}^2]\,\mathbb{E}[h_j^2]
#   = \sigma_\Omega^2 \sum_{j=1}^{D_h} \mathbb{E}[h_j^2].$$
#
# **The ReLU's half.** $h_j = a[f_j]$ is $f_j$ on the positive half and 0 on the negative half.
# Because $f_j$ is symmetric, the positive half carries exactly half of $\mathbb{E}[f_j^2]$, so
# $\mathbb{E}[h_j^2] = \sigma_f^2 / 2$. (Note it is the *second moment* of $h$ that halves, not
# its variance: $h$ no longer has mean zero, and the derivation only needs the second moment.)
# Altogether
#
# $$\boxed{\sigma_{f'}^2 = \tfrac{1}{2}\, D_h\, \sigma_\Omega^2\, \sigma_f^2}$$
#
# In code it is one line; the dashed lines of section 1 apply it layer after layer (those of
# section 2 use its backward twin, derived in section 4):

# %%
show_source(init.next_variance)

# %% [markdown]
# A formula with three assumptions (independence, symmetry, zero bias) deserves a check. A
# Monte Carlo experiment draws $f \sim \mathrm{Norm}(0, \sigma_f^2)$ and $\Omega$, computes
# $f' = \Omega\, a[f]$, and measures its variance:

# %%
show_source(init.sample_next_layer)

# %%
# NBVAL_CHECK_OUTPUT
print(" D_h  sigma_Omega^2  sigma_f^2   formula  Monte Carlo (± std. error, 20 layers)")
mc_rng = np.random.default_rng(0)
for D_h, s2, v in [(1, 1.0, 1.0), (10, 0.05, 2.0), (100, 0.02, 1.0), (500, 0.001, 4.0)]:
    estimates = [np.var(init.sample_next_layer(v, D_h, np.sqrt(s2), mc_rng, 100, 200))
                 for _ in range(20)]                       # 20 independent layers
    err = np.std(estimates) / np.sqrt(len(estimates))
    formula = init.next_variance(v, D_h, np.sqrt(s2))
    print(f"{D_h:4d}  {s2:13.3g}  {v:9.3g}  {formula:8.3f}  {np.mean(estimates):8.3f} ± {err:.3f}")
    assert abs(np.mean(estimates) - formula) < 2 * err  # within two standard errors

# %% [markdown]
# The formula and the estimates agree to within two standard errors of the Monte Carlo estimate
# (a standard error is the spread of 20 independent layers of 100 units and 200 inputs each,
# divided by $\sqrt{20}$; more samples shrink it). Try it with the sliders:
# the histogram shows the sampled $f'$ divided by the formula's standard deviation
# $\sigma_{f'}$, so when the formula is right its spread is that of the black standard normal
# curve (its *shape* is normal only for large $D_h$, see below); the right panel puts the Monte
# Carlo variance against the formula.

# %%
W.one_layer.show()

# %% [markdown]
# **What to notice**
# * The point stays on the diagonal for every slider setting: the formula holds for any
#   $D_h$, $\sigma_\Omega^2$ and $\sigma_f^2$.
# * At $D_h = 1$ or $2$ the histogram is far from normal (a spike at 0, where the ReLU switched
#   every input off, and heavy tails), yet its variance still matches. The derivation never
#   assumed normality; the bell shape for large $D_h$ is the central limit theorem at work.
#
# **He initialisation.** The variance stays the same from layer to layer when
# $\sigma_{f'}^2 = \sigma_f^2$, that is $\tfrac{1}{2} D_h \sigma_\Omega^2 = 1$:
#
# $$\sigma_\Omega^2 = \frac{2}{D_h}, \qquad \sigma_\Omega = \sqrt{2 / D_h}.$$
#
# This is the "multiple 1" of the sliders, and the multiple $c$ of the sliders is exactly the
# factor $\tfrac{1}{2} D_h \sigma_\Omega^2 = c$ per layer you saw in section 1.

# %%
show_source(init.he_std)

# %%
# NBVAL_CHECK_OUTPUT
for D_h in (16, 64, 256, 1024):
    s = init.he_std(D_h)
    print(f"D_h = {D_h:5d}: sigma_Omega = {s:.4f}, factor per layer "
          f"1/2 D_h sigma_Omega^2 = {init.next_variance(1.0, D_h, s):.3f}")

# %% [markdown]
# ## 4. The backward pass, and non-square layers
#
# Repeat the derivation for one backward step,
# $\frac{\partial l}{\partial f} = \mathbb{I}[f > 0] \odot \Omega^T \frac{\partial l}{\partial f'}$.
# Now each entry of $\Omega^T \frac{\partial l}{\partial f'}$ sums over the $D_{h'}$ units of the
# layer *above*, and the indicator keeps, on average, half of the squared terms:
#
# $$\mathrm{Var}\Big[\frac{\partial l}{\partial f}\Big]
#   = \tfrac{1}{2}\, D_{h'}\, \sigma_\Omega^2\, \mathrm{Var}\Big[\frac{\partial l}{\partial f'}\Big]
#   \quad\Longrightarrow\quad \sigma_\Omega^2 = \frac{2}{D_{h'}}$$
#
# keeps the gradients' variance. When $\Omega$ is square ($D_h = D_{h'}$) the two rules agree.
# When the widths change from layer to layer they cannot both hold, and a common compromise uses
# He's rule with the mean width $(D_h + D_{h'})/2$:
#
# $$\sigma_\Omega^2 = \frac{2}{(D_h + D_{h'})/2} = \frac{4}{D_h + D_{h'}}.$$

# %%
show_source(init.he_sigmas)

# %%
# NBVAL_CHECK_OUTPUT
widths_ns = W.nonsquare_widths(8.0)            # widths growing from 24 to 192
print("widths:", widths_ns)
for rule in ("forward", "backward", "compromise"):
    print(f"{rule:>10}: sigma_Omega^2 =", np.round(init.he_sigmas(widths_ns, rule) ** 2, 4))

# %% [markdown]
# In the figure the widths grow (or shrink) geometrically from 24 units at the input to
# $24 \times$ *ratio* at the output, over 8 hidden layers. Choose the rule in the menu and watch
# both passes.

# %%
W.nonsquare.show()

# %%
# the claims below, checked at the figure's settings (ratio 8)
fwd, bwd, mid = (W.compute_nonsquare(8.0, rule) for rule in ("forward", "backward", "compromise"))
assert round(fwd["theory_g"][0], 1) == 6.4 and fwd["var_g"][0] > fwd["theory_g"][0]
assert np.allclose(fwd["theory_f"], fwd["theory_f"][0]) and np.allclose(bwd["theory_g"], bwd["theory_g"][0])
assert np.ptp(np.log(bwd["theory_f"])) > 1                       # the activations drift
drift = [np.exp(np.ptp(np.log(mid[key]))) for key in ("theory_f", "theory_g")]
assert max(drift) < 1.1 * np.sqrt(192 / 30)                     # about sqrt(width ratio)

# %% [markdown]
# **What to notice**
# * With the forward rule $2/D_h$ the forward pass is flat, but each backward step multiplies
#   the gradient's variance by $D_{h'}/D_h$; across the net the factors telescope to the ratio
#   of the output width to the first hidden width, $D_o / D_1 = 192/30 \approx 6.4$ (the
#   dashed line; the one random net drawn lands higher).
# * The backward rule $2/D_{h'}$ swaps the roles: the gradients are flat, the activations drift.
# * The compromise splits the drift between both passes, so neither is off by more than about
#   the square root of the width ratio. For the usual nets, whose widths change by small
#   factors, all three are fine; depth, not width change, is what makes the choice of
#   $\sigma_\Omega^2$ matter.

# %% [markdown]
# ## 5. Floating-point limits
#
# A computer holds each number in a fixed format. The largest float32 is about $3.4 \times
# 10^{38}$; below about $1.2 \times 10^{-38}$ float32 loses precision (*subnormal* numbers), and
# below $1.4 \times 10^{-45}$ everything is 0. float64 reaches $1.8 \times 10^{308}$ and
# $4.9 \times 10^{-324}$.

# %%
for dtype in (np.float32, np.float64):
    lim = init.float_limits(dtype)
    print(f"{np.dtype(dtype).name}: largest {lim['max']:.3g}, smallest normal {lim['tiny']:.3g},"
          f" smallest subnormal {lim['subnormal']:.3g}")
f32, f64 = init.float_limits(np.float32), init.float_limits(np.float64)
assert [f"{f32[key]:.1e}" for key in ("max", "tiny", "subnormal")] == ["3.4e+38", "1.2e-38", "1.4e-45"]
assert [f"{f64[key]:.1e}" for key in ("max", "subnormal")] == ["1.8e+308", "4.9e-324"]

# %% [markdown]
# With the multiple $c$, the typical size of $f_k$ (its root-mean-square, the square root of the
# variance) changes by $\sqrt{c}$ per layer, so $\log_{10} \mathrm{rms}[f_k] \approx
# \tfrac{k}{2} \log_{10} c$. It crosses the largest float ($10^{m}$) near layer
# $k \approx 2m / \log_{10} c$. Predicted against computed, for a net of 16 units per layer run
# in each float type (`init.forward` runs the forward pass in that type, `rms_per_layer`
# measures each layer and `first_bad_layer` finds the first layer that overflowed to inf or
# left the normal range):

# %%
show_source(init.forward)

# %%
show_source(init.rms_per_layer)

# %%
# NBVAL_CHECK_OUTPUT
widths_fp = [16] * 402
x_fp = rng.standard_normal((16, 8))
depth = {}                                  # (c, float type) -> the first bad layer
for multiple in (1e-3, 1e-2, 1e2, 1e3):
    betas, omegas = init.init_net(widths_fp, init.he_sigmas(widths_fp, multiple=multiple),
                                  np.random.default_rng(2))
    row = []
    for dtype in (np.float32, np.float64):
        m = np.log10(init.float_limits(dtype)["max" if multiple > 1 else "tiny"])
        predicted = 2 * m / np.log10(multiple)
        computed, kind = init.first_bad_layer(init.rms_per_layer(x_fp, betas, omegas, dtype),
                                              dtype)
        row.append(f"{np.dtype(dtype).name}: predicted ~{predicted:5.0f}, computed {computed} "
                   f"({kind})")
        depth[multiple, np.dtype(dtype).name] = computed
    print(f"c = {multiple:g}:  " + ";  ".join(row))
for multiple in (1e-3, 1e-2, 1e2, 1e3):  # a few dozen layers, a few hundred, about 8 times more
    assert 20 <= depth[multiple, "float32"] <= 40 and 200 <= depth[multiple, "float64"] <= 320
    assert 6 < depth[multiple, "float64"] / depth[multiple, "float32"] < 10

# %% [markdown]
# The figure computes one deep net in both types. The dashed grey line is exact arithmetic
# (the variance recursion, summed as logarithms, which never overflows); the coloured lines are
# what the floats actually hold. A cross marks the first layer that overflowed or underflowed,
# and the figure says so instead of failing.

# %%
W.float_limits.show()

# %% [markdown]
# **What to notice**
# * float32 runs out after a few dozen badly initialised layers, float64 after a few hundred:
#   eight times the exponent range buys eight times the depth, nothing more.
# * Overflow is loud: inf appears, then inf - inf = NaN, and the loss becomes NaN. Underflow is
#   silent: values first lose precision in the subnormal range, then become exactly 0, and the
#   net outputs a constant with zero gradient.
# * Long before either limit, the signal is useless: the training run below fails at
#   factors of only $10^{\pm 6}$.

# %% [markdown]
# ## 6. A real training run: too small, He, too large
#
# A network of 20 hidden layers of 64 units classifies scikit-learn's 8x8 digits (64 inputs,
# 10 classes). The three runs share everything (the standard-normal draws behind the weights,
# the batches, SGD with momentum and a learning rate chosen for He) except the weight variance:
# $0.5\times$, $1\times$ and $2\times$ He. The training code is in `dlcore/init_torch.py`.

# %%
import torch
from dlcore.data import digits
from dlcore.init_torch import RunConfig, train_runs

torch.manual_seed(0)
torch.set_num_threads(1)  # these matrices are small: one thread is fastest
config = RunConfig(depth=20, width=64, steps=200, lr=0.01)
data = digits()
x_img = data["x"].reshape(len(data["x"]), -1)                   # (I, 64): rows are examples
x_img = (x_img - x_img.mean(0)) / (x_img.std(0) + 1e-8)        # standardise each pixel
curves = train_runs(x_img, data["y"], (0.5, 1.0, 2.0), config)

# %%
fig, axes = new_figure(1, 3, figsize=(10, 3.2), sharey=True)
titles = {0.5: "too small: 0.5 x He", 1.0: "He: 2 / D_h", 2.0: "too large: 2 x He"}
window = 10                                                      # moving average over 10 steps
for ax, (multiple, losses), color in zip(axes, curves.items(), COLORS):
    steps = np.arange(len(losses))
    few = np.isfinite(losses).sum() < 10                         # a diverged run: show its points
    ax.plot(steps, losses, "o-" if few else "-", color=color, linewidth=0.6, alpha=0.5)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(steps[window - 1:], smooth, color=color, linewidth=1.8)
    ax.axhline(np.log(10), color=PALETTE["grey"], linestyle="--", linewidth=0.9)
    if not np.isfinite(losses).all():
        first = int(np.argmax(~np.isfinite(losses)))
        shown = ", ".join(f"{v:.2g}" for v in losses[:first])
        ax.text(0.5, 0.5, f"losses {shown},\nthen NaN from step {first}: diverged",
                transform=ax.transAxes, ha="center", color=PALETTE["vermillion"])
    ax.set_yscale("log")
    ax.set_ylim(0.02, 1e4)
    ax.set_xlim(0, config.steps)
    label(ax, "SGD step", None, titles[multiple])
axes[0].set_ylabel("cross-entropy loss (log scale)")
axes[0].text(5, np.log(10) * 1.3, "ln 10: the loss of guessing", fontsize=8,
             color=PALETTE["grey"])
plt.show()

# %% [markdown]
# How far off are the two bad nets at the start? The same nets, before the first step: the
# spread of their outputs and of their weight gradients, as multiples of He's.

# %%
from dlcore.init_torch import deep_relu_net, he_init_

X_all = torch.as_tensor(x_img, dtype=torch.float32)
Y_all = torch.as_tensor(data["y"], dtype=torch.long)
start = {}
for multiple in (0.5, 1.0, 2.0):
    torch.manual_seed(config.seed)                               # the draws train_runs uses
    net = he_init_(deep_relu_net(64, 10, config), multiple)
    out = net(X_all)                                             # (I, 10) outputs
    torch.nn.functional.cross_entropy(out, Y_all).backward()
    grads = [layer.weight.grad.norm().item() for layer in net if hasattr(layer, "weight")]
    start[multiple] = (out.std().item(), np.array(grads))
for multiple in (0.5, 2.0):
    out_ratio = start[multiple][0] / start[1.0][0]
    grad_ratio = start[multiple][1] / start[1.0][1]              # layer by layer
    print(f"{multiple} x He: outputs {out_ratio:.2g} x He's, weight gradients "
          f"{grad_ratio.min():.2g} to {grad_ratio.max():.2g} x He's")

# %%
# the claims below, checked
smooth = {m: np.convolve(c, np.ones(window) / window, mode="valid") for m, c in curves.items()}
ratio_small = start[0.5][0] / start[1.0][0]
assert 3e-4 < ratio_small < 3e-3 and (start[0.5][1] / start[1.0][1]).max() < 1.5e-3
assert 300 < start[2.0][0] / start[1.0][0] < 3000
assert np.all((300 < start[2.0][1] / start[1.0][1]) & (start[2.0][1] / start[1.0][1] < 3000))
small, he, large = curves[0.5], curves[1.0], curves[2.0]
assert abs(small[0] - np.log(10)) < 0.01                         # the loss of guessing
assert np.abs(smooth[0.5] - np.log(10)).max() < 0.02             # ... for all 200 steps
assert np.argmax(smooth[1.0] < 0.9 * np.log(10)) + window <= 60  # He leaves ln 10 early
at_50 = smooth[1.0][50 - (window - 1)]                          # the point drawn at step 50
assert smooth[1.0][-1] < 1.0 and smooth[1.0][-1] < 0.5 * at_50
assert 1000 < large[0] < 10000 and not np.isfinite(large[:6]).all()


# %% [markdown]
# **What to notice**
# * **Too small** (left): the output is about $0.5^{10} \approx 10^{-3}$ times He's, so the net
#   predicts nearly uniform probabilities and the loss sits at $\ln 10 \approx 2.3$, the loss of
#   guessing. Its weight gradients are also a thousand times or more smaller than He's, so with
#   the learning rate tuned for He it learns nothing in the 200 steps shown: its smoothed loss
#   stays within 0.02 of $\ln 10$ throughout.
# * **He** (middle): the smoothed loss drops below $0.9 \ln 10$ within the first 60 steps and
#   ends below 1, less than half its value at step 50. It does not fall
#   smoothly: each step sees a different batch of 64 images, so the loss goes up as well as down
#   from one step to the next.
# * **Too large** (right): the first outputs are about $2^{10} \approx 1000$ times He's, the
#   first loss is in the thousands, the first gradient step is enormous, and within a few steps
#   the loss is NaN. A smaller learning rate would only postpone the problem: the weight
#   gradients are about a thousand times He's, the factor $c^{K/2}$ of section 2, so one
#   learning rate cannot suit both nets.
# * The three nets differ by a factor of only 2 in the weight variance, yet only one of them
#   trains in these 200 steps. At depth 20 the factor is raised to the 20th power.

# %% [markdown]
# ## 7. Training diagnostics: watching each layer while the net trains
#
# A loss curve says *that* a run fails, not *where*. Three measurements, taken layer by layer
# at every step, say where:
#
# * the **histogram of the pre-activations** $f_k$ in each layer: do they keep their size
#   through the layers, shrink towards 0 or blow up?
# * the **histogram of the gradients** $\partial l / \partial f_k$ that the backward pass of
#   section 2 delivers to each layer;
# * the **update-to-weight ratio** of each weight matrix. One SGD step (chapter 03) is
#   $\Omega_k \leftarrow \Omega_k - \alpha\, \partial L / \partial \Omega_k$, with
#   $\partial L / \partial \Omega_k = \sum_i \frac{\partial l_i}{\partial f_k} h_k^T$ summed over
#   the batch (chapter 04). How much it changes $\Omega_k$, relative to its size, is
#
# $$r_k = \frac{\big\|\alpha\, \partial L / \partial \Omega_k\big\|}{\|\Omega_k\|},$$
#
# with $\|\cdot\|$ the Frobenius norm (square root of the sum of all squared entries). A
# common rule of thumb is $r_k \approx 10^{-3}$: each step changes the weights by about a
# thousandth. Far below, the layer does not learn in any sensible number of steps; near 1 or
# above, one step replaces the weights rather than adjusting them.

# %%
show_source(init.update_ratio)

# %% [markdown]
# The run: a ReLU net with 20 hidden layers of 64 units fits $y = \sin(2 x_1) + x_2 x_3 / 2$
# from 8 standard-normal inputs (512 points), by SGD on batches of 32 with the least-squares
# loss $L = \sum_i (f_K(x_i) - y_i)^2$ of each batch. The loop is the forward pass, the backward
# pass and the descent step of the earlier chapters, with the three measurements recorded on
# the way. (It records the loss divided by the batch size, the mean squared error, so that
# runs with different batch sizes compare.)

# %%
show_source(init.train_sgd)

# %% [markdown]
# Three runs share the data, the batches and the standard-normal draws behind the weights;
# only $\sigma_\Omega^2$ differs: $0.5\times$, $1\times$ and $2\times$ He's $2/D_h$, as in
# section 6. Each run takes a second or two (`W.training_run` calls `init.diagnostic_run` once per
# initialisation and keeps the result, so the figures below reuse it).

# %%
print(W.DIAG)
runs = {multiple: W.training_run(multiple) for multiple in (0.5, 1.0, 2.0)}
var_y = np.var(runs[1.0]["y"])              # the loss of predicting the mean of y

# %% [markdown]
# First the whole run: the loss per step (thin) and its moving average over 20 steps (thick),
# and below, the update-to-weight ratio of five of the 21 weight matrices over the steps.

# %%
from dlcore.plots.init import plot_update_ratios

fig, axes = new_figure(2, 3, figsize=(10, 5.6), sharex=True, sharey="row")
avg = 20                                                    # moving average over 20 steps
avg_loss = {}
for col, (multiple, run) in enumerate(runs.items()):
    ax_loss, ax_ratio = axes[0, col], axes[1, col]
    loss, steps = run["loss"], np.arange(len(run["loss"]))
    ax_loss.plot(steps, loss, color=COLORS[col], linewidth=0.6, alpha=0.45)
    avg_loss[multiple] = np.convolve(loss, np.ones(avg) / avg, mode="valid")
    ax_loss.plot(steps[avg - 1:], avg_loss[multiple], color=COLORS[col], linewidth=1.8)
    ax_loss.axhline(var_y, color=PALETTE["grey"], linestyle="--", linewidth=0.9)
    if run["diverged_at"] is not None:
        bad = run["diverged_at"]
        shown = ", ".join(f"{v:.2g}" for v in loss[:bad])
        ax_loss.text(0.5, 0.5, f"loss {shown},\nNaN from step {bad}: diverged",
                     transform=ax_loss.transAxes, ha="center", color=PALETTE["vermillion"])
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(0.05, 20)
    label(ax_loss, None, None, W.MULTIPLES[col][0])
    plot_update_ratios(ax_ratio, run["ratio"], (0, 5, 10, 15, 20))
    ax_ratio.set_ylim(1e-7, 1e6)
    if col:
        ax_ratio.set_ylabel(None)
axes[0, 0].set_ylabel("mean squared error (log)")
axes[0, 1].text(290, var_y * 1.12, "predicting the mean of y", fontsize=8, ha="right",
               color=PALETTE["grey"])
axes[1, 0].set_ylabel(r"$r_k$ = update / weights (log)")
axes[1, 2].legend(loc="center right", title="ratio of")
plt.show()

# %%
# the claims below, checked
small_run, he_run, large_run = runs[0.5], runs[1.0], runs[2.0]
hidden = slice(0, 20)                                     # Omega_0 .. Omega_19; Omega_20 is the output
median_ratio = {m: np.median(run["ratio"][:, hidden], axis=0) for m, run in runs.items()}
assert np.all(small_run["ratio"][0, hidden] < 1e-5) and np.all(median_ratio[0.5] < 1e-4)
assert small_run["ratio"][-1, 20] > 20 * small_run["ratio"][0, 20]
assert np.abs(avg_loss[0.5] / var_y - 1).max() < 0.15
assert np.all((1e-3 < he_run["ratio"][0, hidden]) & (he_run["ratio"][0, hidden] < 2e-2))
assert np.all((5e-4 < median_ratio[1.0]) & (median_ratio[1.0] < 5e-3))
assert avg_loss[1.0][-1] < avg_loss[1.0][0] / 3 and avg_loss[1.0][0] > 0.9 * var_y
assert np.all(large_run["ratio"][0, hidden] > 1e3) and large_run["diverged_at"] == 2

# %% [markdown]
# **What to notice**
# * **Too small** (left): every hidden layer's ratio starts below $10^{-5}$, a hundred times
#   under the rule of thumb; it creeps up, but its median over the 300 steps stays below
#   $10^{-4}$. Only the output layer $\Omega_{20}$ (lightest line) picks up speed, its ratio
#   growing more than twenty-fold, but alone it can only fit the mean of $y$: the smoothed loss
#   never leaves the level of predicting the mean (within 15% of $\mathrm{Var}[y]$, the dashed
#   line).
# * **He** (middle): every hidden layer's ratio starts between $10^{-3}$ and $2 \times 10^{-2}$,
#   and its median over the run lies between $5 \times 10^{-4}$ and $5 \times 10^{-3}$, around
#   the rule of thumb: all layers learn at comparable speed, and the smoothed loss falls to less
#   than a third of where it started.
# * **Too large** (right): at step 0 every hidden layer's ratio exceeds $10^3$; one step moves
#   each weight matrix a thousand times further than its own size. The loss is NaN at step 2.
#
# Where it goes wrong inside the net is in the histograms. Choose an initialisation and move
# through the steps: the left panel shows $\log_{10} |f_k|$ for five layers (dark = near the
# input, light = deep), the middle one $\log_{10} |\partial l / \partial f_k|$ for the same
# layers, the right one the ratio $r_k$ of every layer at that step. The snapshots are every
# 10 steps, on that step's batch of 32 points.

# %%
W.training.show()

# %%
# the claims below, checked on the snapshots the figure draws
def median_log10(values):
    v = np.abs(values[values != 0])                       # zeros (inactive ReLUs) left out
    return np.median(np.log10(v))


def shift(run, key, step=0):                              # layer 19 minus layer 0, in powers of 10
    arrays = run[key][step]
    return median_log10(arrays[19]) - median_log10(arrays[0])


assert shift(small_run, "fs") < -3 and shift(small_run, "grads") > 2.5       # vanishing both ways
assert shift(small_run, "grads", step=300) > 2                               # ... and still at 300
assert abs(shift(he_run, "fs")) < 0.6 and abs(shift(he_run, "grads")) < 0.6  # He: within 0.6
assert abs(shift(he_run, "fs", 300)) < 1 and abs(shift(he_run, "grads", 300)) < 1
step0 = np.log10(he_run["ratio"][0, hidden])
assert step0.max() - step0.min() < np.log10(5)                               # within a factor 5
assert shift(large_run, "fs") > 2 and shift(large_run, "grads") < -2         # exploding both ways
assert median_log10(large_run["grads"][0][0]) > 4.5

# %% [markdown]
# **What to notice**
# * **Too small**: at step 0 the histograms march left with depth: the typical $|f_{19}|$ is
#   more than a thousand times smaller than $|f_0|$. The gradients march the other way: the
#   typical $|\partial l / \partial f_0|$ at the first layer is more than 300 times smaller than
#   at layer 19. These are the vanishing activations and gradients of sections 1 and 2, now
#   inside a training run. Training does not repair them: at step 300 the gradients at the
#   first layer are still more than 100 times smaller than at layer 19.
# * **He**: the five histograms lie nearly on top of each other, in both passes (their medians
#   within 0.6 powers of ten at step 0), and after 300 steps they are still within one power of
#   ten. In the right panel the hidden layers' ratios lie within a factor 5 of each other.
# * **Too large**: the same picture mirrored: activations grow with depth (by more than 100
#   times from layer 0 to 19), gradients grow towards the input (the typical
#   $|\partial l / \partial f_0|$ is above $10^{4.5}$). From step 10 on there is nothing to show:
#   the run diverged at step 2, and the figure says so.
# * The diagnosis takes one step: the histograms and the ratios at step 0 already tell the three
#   runs apart, long before the loss curves do.

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task, then has a cell for your answer, a check cell (it says
# *correct*, *not yet* with the reason, or *not attempted*), a hint, and a solution hidden in a
# collapsed cell.
#
# ### Exercise 1
# The variance recursion of section 3, as a function.

# %%
EX.next_variance.show()


# %%
def next_variance(var_f, D_h, sigma_omega):
    return None  # your code here


EX.next_variance.check(next_variance)

# %%
EX.next_variance.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.next_variance)

# %% [markdown]
# ### Exercise 2
# The same formula, applied layer after layer (the dashed lines of section 1).

# %%
EX.variance_recursion.show()


# %%
def variance_recursion(var_0, widths, sigmas):
    return None  # your code here


EX.variance_recursion.check(variance_recursion)

# %%
EX.variance_recursion.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.variance_recursion)


# %% [markdown]
# ### Exercise 3
# He initialisation (section 3) for a layer that is not square.

# %%
EX.he_value.show()

# %%
answer_3 = None  # your answer: a number (the standard deviation), to 3 decimals
EX.he_value.check(answer_3)

# %%
EX.he_value.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.he_value)


# %% [markdown]
# ### Exercise 4
# He initialisation (section 3) as code: one layer of `init.init_net`.

# %%
EX.he_layer.show()


# %%
def he_layer(D_h, D_h_next, rng):
    return None  # your code here


EX.he_layer.check(he_layer)

# %%
EX.he_layer.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.he_layer)


# %% [markdown]
# ### Exercise 5
# The backward recursion that section 4 follows through the layers.

# %%
EX.grad_step.show()


# %%
def grad_prev(f_prev, omega, dl_df):
    return None  # your code here


EX.grad_step.check(grad_prev)

# %%
EX.grad_step.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.grad_step)

# %% [markdown]
# ### Exercise 6
# When $D_h \ne D_{h'}$, the forward and the backward rule of section 4 disagree.

# %%
EX.compromise.show()

# %%
answer_6 = None  # your answer: a number (the variance), to 4 decimals
EX.compromise.check(answer_6)

# %%
EX.compromise.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.compromise)

# %% [markdown]
# ### Exercise 7
# On the floating-point limits of section 5.

# %%
EX.float_depth.show()

# %%
answer_7 = None  # your answer: an integer
EX.float_depth.check(answer_7)

# %%
EX.float_depth.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.float_depth)

# %% [markdown]
# ### Exercise 8
# The third diagnostic of section 7.

# %%
EX.update_ratio.show()


# %%
def update_ratio(omegas, grads, alpha):
    return None  # your code here


EX.update_ratio.check(update_ratio)

# %%
EX.update_ratio.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.update_ratio)

# %% [markdown]
# ## Summary
#
# * With $\beta_k = 0$ and $\Omega_k \sim \mathrm{Norm}(0, \sigma_\Omega^2)$, one ReLU layer maps
#   a variance $\sigma_f^2$ to $\sigma_{f'}^2 = \tfrac{1}{2} D_h \sigma_\Omega^2 \sigma_f^2$
#   (mean 0; the $\tfrac{1}{2}$ is the ReLU discarding half of a symmetric input). Over $K$
#   layers the factor is raised to the $K$-th power: vanishing or exploding activations.
# * The backward pass $\frac{\partial l}{\partial f_{k-1}} = \mathbb{I}[f_{k-1} > 0] \odot
#   \Omega_k^T \frac{\partial l}{\partial f_k}$ obeys the same law with $D_{h'}$ in place of
#   $D_h$: vanishing or exploding gradients.
# * **He initialisation** $\sigma_\Omega^2 = 2/D_h$ keeps the forward variance, $2/D_{h'}$ the
#   backward one; for non-square layers the compromise is $4/(D_h + D_{h'})$.
# * Badly scaled nets hit the float range: float32 after a few dozen layers, float64 after a
#   few hundred; in practice they fail to train long before that.
# * Diagnostics per layer show where a run fails: histograms of $f_k$ and
#   $\partial l / \partial f_k$ that drift with depth, and update-to-weight ratios
#   $r_k = \|\alpha\, \partial L / \partial \Omega_k\| / \|\Omega_k\|$ far from about
#   $10^{-3}$, give a bad initialisation away at step 0.
#
# **Next:** chapter 06 turns from getting training started to what a trained model gets wrong
# on new data: noise, bias and variance.
