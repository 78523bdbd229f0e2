# %% [markdown]
# # 04 · Backpropagation: how a network gets its gradients
#
# Chapter 03 trained models by following $\partial L / \partial \theta$ downhill, but it took
# the gradient as given. For a deep network the parameters sit inside many nested functions, and
# this chapter shows how to get every $\partial l / \partial \beta_k$ and
# $\partial l / \partial \Omega_k$ in one sweep backwards through the net. After it you can
#
# * run the **forward pass** and say which quantities it must store ($f_k$ and $h_k$);
# * write the **backward pass**: the recursion
#   $\partial l/\partial f_{k-1} = a'[f_{k-1}] \odot \Omega_k^T\, \partial l/\partial f_k$, the
#   gradients of the biases and weights, and the first-layer exception;
# * explain why the ReLU's derivative is an **indicator** and what it does to the gradients;
# * **check** a gradient three ways: finite differences, your backward pass, PyTorch autograd;
# * backpropagate through a chain of **sin, exp and cos**, where every local derivative differs;
# * derive the **softmax cross-entropy** gradient $p - \mathbf{y}$ and run a classifier's
#   backward pass from it;
# * explain why **reverse mode** beats **forward mode** for one scalar loss, with measurements.
#
# **Prerequisites:** chapter 01 (deep nets in the notation $\beta_k, \Omega_k, h_k$), chapter 02
# (the least-squares loss), chapter 03 (why we want gradients), and the chain rule of calculus.
#
# **Notation.** The notes write the pre-activations as $j_k$; this course's code calls them
# $f_k$ (`fs[k]`), since $j$ is easily misread as an index. The activations are $h_k$ (`hs[k]`)
# with $h_0 = x$. The net has $K$ hidden layers, so $K + 1$ weight matrices
# $\Omega_0, \dots, \Omega_K$, and its output is $f_K$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython import get_ipython

from dlcore import backprop, layers, losses
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source
from dlcore.plots import COLORS, PALETTE, label, new_figure
from dlcore.plots.backprop import (
    plot_check_differences,
    plot_matrix,
    plot_mode_cost,
    plot_relu_derivative,
    plot_tangent,
)
from dlcore.widgets import backprop as W

get_ipython().run_line_magic("matplotlib", "inline")  # %matplotlib inline, in plain Python
rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(4)  # this chapter's exercises, in order

# %% [markdown]
# ## 1. Why gradients in a deep net need care
#
# A deep network is a function inside a function inside a function. With $K = 3$ hidden layers
#
# $$f_3 = \beta_3 + \Omega_3\, a\Big[\beta_2 + \Omega_2\, a\big[\beta_1 + \Omega_1\,
# a[\beta_0 + \Omega_0 x]\big]\Big].$$
#
# A weight of $\Omega_0$ acts at the very inside. Changing it changes $h_1$; the new $h_1$
# changes $h_2$, which changes $h_3$, which changes the output $f_3$ and finally the loss. So
# $\partial l / \partial \Omega_0$ is a product of the effects of *every* later layer, while a
# weight of $\Omega_3$ touches only the output. Writing one formula per parameter would repeat
# the later factors over and over; backpropagation computes them once and reuses them.
#
# First, by brute force: nudge one weight of $\Omega_0$ in the chapter's small demo net
# (one input, three hidden layers of four units, one output) and measure how far each later
# layer moves over the inputs $x \in [-2, 2]$.

# %%
# NBVAL_CHECK_OUTPUT
betas, omegas = (list(p) for p in W.demo_net())  # widths 1 -> 4 -> 4 -> 4 -> 1
x_grid = np.linspace(-2, 2, 201)[None, :]  # (1, 201): inputs as columns
fs, hs = backprop.forward_pass(x_grid, betas, omegas)

nudged = [o.copy() for o in omegas]
nudged[0][0, 0] += 0.1  # one weight of Omega_0, the first layer
fs_new, hs_new = backprop.forward_pass(x_grid, betas, nudged)
for k in range(1, 4):
    print(f"h_{k}: largest change {np.abs(hs_new[k] - hs[k]).max():.4f}")
print(f"f_3: largest change {np.abs(fs_new[3] - fs[3]).max():.4f}")

# %% [markdown]
# Now do it with a slider: choose which layer's weight changes and by how much. The grey dashed
# curves are the net before the change, the coloured ones after it.

# %%
W.ripple.show()

# %% [markdown]
# **What to notice**
# * A change to $\Omega_0$ moves every panel: $h_1$, then $h_2$ and $h_3$, then the output. A
#   change to $\Omega_2$ leaves $h_1$ and $h_2$ exactly as they were: information flows one
#   way, so a layer can only affect the layers after it.
# * The change can grow or shrink as it travels. Units that are off (flat at zero) do not pass
#   it on at all; that is the ReLU's derivative at work, and it reappears in the backward pass.
# * Some curves bend at new places: a change early in the net moves the joints of all later
#   units, so the effect on the output is not a simple rescaling.

# %% [markdown]
# ## 2. The forward pass stores $f_k$ and $h_k$
#
# The forward pass evaluates the net from the input upwards (notes: backpropagation algorithm,
# forward pass):
#
# $$f_0 = \beta_0 + \Omega_0 x, \qquad h_k = a[f_{k-1}], \qquad f_k = \beta_k + \Omega_k h_k
# \qquad (k = 1, \dots, K).$$
#
# Unlike `deep_net` of chapter 01, which returns only the output, the forward pass **keeps**
# every pre-activation $f_k$ and activation $h_k$: the backward pass needs $f_k$ for the
# ReLU's derivative and $h_k$ for the weight gradients. `backprop.forward_pass` runs the
# course's one forward pass, `dlcore.layers.forward`, shared by every chapter that runs a deep
# net. Its first line is the contract, what each argument must be, checked before the body runs
# (`"D_i I columns"`: data as columns; `"net"`: the lists of $\beta_k$ and $\Omega_k$); the
# body is one line per equation:

# %%
show_source(layers.forward)

# %% [markdown]
# For a batch the data points are columns, so every $f_k$ and $h_k$ has one column per point.
# Run the demo net on nine inputs:

# %%
# NBVAL_CHECK_OUTPUT
x9 = np.linspace(-2, 2, 9)[None, :]  # (D_i, I) = (1, 9)
fs9, hs9 = backprop.forward_pass(x9, betas, omegas)
for k in range(len(fs9)):
    print(f"k = {k}:  h_{k} {hs9[k].shape}   f_{k} {fs9[k].shape}")
print("output f_3 =", np.round(fs9[-1][0], 3))

# %%
fig, axes = new_figure(2, 3, figsize=(10, 4.2))
vmax = float(np.abs(np.concatenate([f.ravel() for f in fs9[:3]])).max())
for k in range(3):
    mesh = plot_matrix(axes[0, k], fs9[k], vmax=vmax, title=f"$f_{k}$ (stored)",
                       row_name=f"unit of layer {k + 1}", col_name="data point $i$")
    plot_matrix(axes[1, k], hs9[k + 1], vmax=vmax, title=f"$h_{k + 1} = a[f_{k}]$ (stored)",
                row_name=f"unit of layer {k + 1}", col_name="data point $i$")
fig.colorbar(mesh, ax=axes, shrink=0.8, label="value")
plt.show()

# %% [markdown]
# **What to notice**
# * Each $h_{k+1}$ is $f_k$ with every negative entry replaced by 0 (blue cells turn white);
#   positive entries pass unchanged.
# * The memory cost of storing the pass grows with depth, width and batch size: one number per
#   unit per data point per layer. This is the price of reverse mode (section 8).

# %% [markdown]
# ## 3. The ReLU's derivative is an indicator
#
# The ReLU acts on each unit separately, $h = a[f]$ with $h_d = \max(0, f_d)$. Its Jacobian is
# therefore diagonal, with the derivative of each unit on the diagonal:
#
# $$\frac{\partial h}{\partial f} = \begin{bmatrix} \mathbb{I}[f_1 > 0] & 0 & 0 \\
# 0 & \mathbb{I}[f_2 > 0] & 0 \\ 0 & 0 & \mathbb{I}[f_3 > 0] \end{bmatrix},
# \qquad a'[f] = \mathbb{I}[f > 0].$$
#
# Multiplying a vector by a diagonal matrix is an element-wise product, so in code the Jacobian
# is never built: we multiply by the 0/1 array `relu_derivative(f)`. At $f = 0$ the ReLU has a
# kink; like PyTorch, we use 0 there.

# %%
show_source(backprop.relu_derivative)

# %%
# NBVAL_CHECK_OUTPUT
f = np.array([1.5, -0.3, 0.0, 2.0])
v = np.array([10.0, 20.0, 30.0, 40.0])  # a gradient arriving from above
print("a'[f]            =", backprop.relu_derivative(f))
print("diag(a'[f]) @ v  =", np.diag(backprop.relu_derivative(f)) @ v)
print("a'[f] * v        =", backprop.relu_derivative(f) * v)

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(8, 3), width_ratios=[1.6, 1])
plot_relu_derivative(ax1, np.linspace(-2, 2, 401))
plot_matrix(ax2, np.diag(backprop.relu_derivative(f)), vmax=1.0,
            title=r"$\partial h / \partial f$ at $f = (1.5, -0.3, 0, 2)$",
            row_name="$h_d$", col_name="$f_d$")
plt.show()


# %% [markdown]
# **What to notice**
# * The derivative is a step: 1 where the unit is on, 0 where it is off. A gradient passes
#   through an active unit unchanged and is **stopped** by an inactive one.
# * The Jacobian is diagonal because unit $d$ of $h$ depends only on unit $d$ of $f$; the
#   element-wise product `a'[f] * v` gives exactly the same numbers as the matrix product.
# * A unit that is off for every data point gets no gradient at all, so gradient descent cannot
#   revive it (a "dead" ReLU).

# %% [markdown]
# ## 4. The backward pass
#
# For one data point with loss $l_i = (f_K - y_i)^2$, start at the top and walk down:
#
# 1. the output: $\dfrac{\partial l_i}{\partial f_K} = 2 (f_K - y_i)$;
# 2. the recursion, for $k = K, \dots, 1$:
#    $$\frac{\partial l_i}{\partial f_{k-1}} = a'[f_{k-1}] \odot \Omega_k^T
#    \frac{\partial l_i}{\partial f_k}$$
#    ($\Omega_k^T$ is $\partial f_k / \partial h_k$ read backwards, and $a'[f_{k-1}]$ the
#    ReLU's diagonal Jacobian from section 3);
# 3. the biases, since $f_k = \beta_k + \Omega_k h_k$:
#    $\dfrac{\partial l_i}{\partial \beta_k} = \dfrac{\partial l_i}{\partial f_k}$;
# 4. the weights: $\dfrac{\partial l_i}{\partial \Omega_k} = \dfrac{\partial l_i}{\partial f_k}
#    h_k^T$, an outer product with the shape $(D_{k+1}, D_k)$ of $\Omega_k$;
# 5. the **first layer** is the exception, because there is no $h_0$ from a ReLU: the input
#    takes its place, $\dfrac{\partial l_i}{\partial \beta_0} = \dfrac{\partial l_i}{\partial
#    f_0}$ and $\dfrac{\partial l_i}{\partial \Omega_0} = \dfrac{\partial l_i}{\partial f_0}
#    x_i^T$.
#
# The loss of a batch is the sum $l = \sum_i l_i$, so its gradients are sums over the data
# points. With points as columns, step 4 sums automatically: $\frac{\partial l}{\partial f_k}
# h_k^T$ is a $(D_{k+1}, I) \times (I, D_k)$ product, which adds up the $I$ outer products.
#
# Here is the whole algorithm written out in the notebook, step numbers in the comments:

# %%
def backward_by_hand(x, y, betas, omegas):
    """Gradients of l = sum_i (f_K[x_i] - y_i)^2 for a batch x (D_i, I), y (D_o, I)."""
    fs, hs = backprop.forward_pass(x, betas, omegas)  # the stored forward pass
    K = len(omegas) - 1
    dl_df = 2 * (fs[K] - y)  # 1. dl/df_K, (D_o, I)
    dl_dbetas, dl_domegas = [None] * (K + 1), [None] * (K + 1)
    for k in range(K, -1, -1):
        dl_dbetas[k] = dl_df.sum(axis=1)  # 3. dl/dbeta_k = dl/df_k, summed over the batch
        dl_domegas[k] = dl_df @ hs[k].T  # 4./5. dl/dOmega_k = dl/df_k h_k^T, with h_0 = x
        if k > 0:  # 2. one step down: dl/df_{k-1} = a'[f_{k-1}] * Omega_k^T dl/df_k
            dl_df = backprop.relu_derivative(fs[k - 1]) * (omegas[k].T @ dl_df)
    return dl_dbetas, dl_domegas


# %% [markdown]
# `dlcore.backprop.backward_pass` runs the same steps: step 1 is `dl_df_K = 2 * (f_K - y)`,
# and steps 2 to 5 are the course's one backward pass, `dlcore.layers.backward`, below. It takes
# the derivative $a'$ of whatever activation the forward pass used (here the ReLU's
# indicator). The two agree on a batch of nine points with random targets:

# %%
show_source(layers.backward)

# %%
# NBVAL_CHECK_OUTPUT
y9 = rng.normal(size=(1, 9))
mine_b, mine_o = backward_by_hand(x9, y9, betas, omegas)
ref_b, ref_o = backprop.backward_pass(x9, y9, betas, omegas)
diff = max(np.abs(a - b).max() for a, b in zip(mine_b + mine_o, ref_b + ref_o, strict=True))
print("largest difference, notebook vs dlcore:", "< 1e-12" if diff < 1e-12 else diff)
print("dl/dOmega_1 shape:", ref_o[1].shape, " dl/dbeta_1 shape:", ref_b[1].shape)

# %% [markdown]
# ### A picture of the gradients
#
# Below, one data point $x$ with target $y$ goes through the demo net, and each heatmap is one
# $\partial l / \partial \Omega_k$ (rows: the units $\Omega_k$ feeds, columns: the units it
# reads). All maps share one colour scale, divided by the largest entry. Move $x$ and $y$.

# %%
W.gradients.show()

# %% [markdown]
# **What to notice**
# * **Rows of zeros** appear where a unit is off (black square): its $a'[f] = 0$ stops the
#   gradient, so none of the weights feeding it would change in this step.
# * **Columns of zeros** appear in $\partial l/\partial\Omega_k$ where $h_k$ is 0: a weight
#   that multiplies a zero activation has no effect on the loss. Rows come from $a'$, columns
#   from $h_k^T$: the outer product of step 4.
# * Moving $y$ past the net's output $f_3$ flips the sign of *every* map at once, and the
#   "largest |entry|" grows in proportion to $|f_3 - y|$: with one output, all gradients share
#   the factor $2(f_3 - y)$ (the maps are drawn divided by the largest entry, so their pattern
#   stays). At $y = f_3$ every gradient is zero.
# * Moving $x$ changes which units are on, so the zero pattern jumps exactly when $x$ crosses a
#   joint of the net.

# %% [markdown]
# ### The gradients at work
#
# The gradients are what gradient descent (chapter 03) needs. Fitting a net of two hidden layers
# of 16 units to 40 noisy samples of $\sin(2x)$ takes a few lines, with `backward_pass` doing
# the work:

# %%
x_train = np.linspace(-2, 2, 40)[None, :]  # (1, 40)
y_train = np.sin(2 * x_train) + 0.1 * rng.normal(size=x_train.shape)
widths = [1, 16, 16, 1]
train_omegas = [rng.normal(0, np.sqrt(2 / a), size=(b, a))  # He initialisation (chapter 05)
                for a, b in zip(widths[:-1], widths[1:], strict=True)]
train_betas = [np.zeros(b) for b in widths[1:]]
alpha, n_steps = 0.001, 2000  # learning rate and number of full-batch steps
steps, loss_curve = [], []
for step in range(n_steps):
    dl_dbetas, dl_domegas = backprop.backward_pass(x_train, y_train, train_betas,
                                                   train_omegas)
    for k in range(len(train_omegas)):  # gradient descent: theta <- theta - alpha dl/dtheta
        train_betas[k] = train_betas[k] - alpha * dl_dbetas[k]
        train_omegas[k] = train_omegas[k] - alpha * dl_domegas[k]
    if step % 20 == 0 or step == n_steps - 1:  # record the loss now and then
        steps.append(step + 1)
        loss_curve.append(backprop.least_squares_loss(x_train, y_train, train_betas, train_omegas))

fig, (ax1, ax2) = new_figure(1, 2, figsize=(9, 3))
ax1.semilogy(steps, loss_curve, color=PALETTE["blue"])
label(ax1, "gradient-descent step", "loss $l$ (sum over 40 points)", "training loss")
x_fine = np.linspace(-2, 2, 400)[None, :]
ax2.plot(x_train[0], y_train[0], "o", color=PALETTE["grey"], markersize=4, label="data")
fit = backprop.forward_pass(x_fine, train_betas, train_omegas)[0][-1][0]
ax2.plot(x_fine[0], fit, color=COLORS[1], label="trained net $f_2[x]$")
ax2.legend(loc="upper left")
label(ax2, "$x$", "$y$", "the fit")
plt.show()
loss_curve = np.array(loss_curve)
jumps = loss_curve[1:] / loss_curve[:-1]  # the ratio of each recorded loss to the one before
assert 14 < loss_curve[0] < 20 and loss_curve[-1] < 0.5 and loss_curve[0] / loss_curve[-1] > 30
assert jumps.max() > 3  # a spike: the loss jumps several times over, then settles

# %% [markdown]
# **What to notice**
# * The loss falls from about 17 to below 0.5, more than thirty-fold, using nothing but
#   `backward_pass` and the update of chapter 03; there is no autograd library in this loop.
# * The spikes, where the loss grows several times over within 20 steps, are not wrong
#   gradients: where the loss surface is sharp, a fixed step $\alpha$ overshoots and the loss
#   jumps before settling (chapter 03's learning-rate story).
# * The fitted function is piecewise linear (chapter 01): training moved its joints to where the
#   data bend.

# %% [markdown]
# ## 5. Checking gradients three ways
#
# A backward pass written by hand is easy to get subtly wrong (a missing transpose, a missing
# $a'$) while still returning arrays of the right shape. So we check it against two independent
# computations:
#
# * **finite differences**: nudge one parameter $\theta$ by $\pm\varepsilon$ and use
#   $\dfrac{\partial l}{\partial \theta} \approx \dfrac{l[\theta + \varepsilon] -
#   l[\theta - \varepsilon]}{2\varepsilon}$ (two forward passes per parameter, error
#   $O(\varepsilon^2)$ plus rounding);
# * **PyTorch autograd**: the same net written with tensors, differentiated by the library.
#
# The net: 3 inputs, three hidden layers of 6 units, 2 outputs, a batch of 5 points.

# %%
widths = [3, 6, 6, 6, 2]
check_omegas = [rng.normal(0, np.sqrt(2 / a), size=(b, a))
                for a, b in zip(widths[:-1], widths[1:], strict=True)]
check_betas = [rng.normal(0, 0.3, size=b) for b in widths[1:]]
x5, y5 = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))

bp_b, bp_o = backprop.backward_pass(x5, y5, check_betas, check_omegas)
fd_b, fd_o = backprop.finite_difference_gradients(x5, y5, check_betas, check_omegas,
                                                  eps=1e-6)
n_params = sum(b.size + o.size for b, o in zip(bp_b, bp_o, strict=True))
print("parameters:", n_params)
assert n_params == 122

# %% [markdown]
# PyTorch is imported only here, where it serves as the referee (in float64, like NumPy):

# %%
import torch  # noqa: E402

torch.set_num_threads(2)
tb = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in check_betas]
to = [torch.tensor(o, dtype=torch.float64, requires_grad=True) for o in check_omegas]
h = torch.tensor(x5)
for k in range(len(to)):
    f_k = tb[k][:, None] + to[k] @ h  # f_k = beta_k + Omega_k h_k
    h = torch.relu(f_k) if k < len(to) - 1 else f_k
loss = ((f_k - torch.tensor(y5)) ** 2).sum()
loss.backward()
pt_b = [t.grad.numpy() for t in tb]
pt_o = [t.grad.numpy() for t in to]

names = [f"$\\beta_{k}$" for k in range(4)] + [f"$\\Omega_{k}$" for k in range(4)]
diffs = {
    "backward pass vs PyTorch": [np.abs(a - b).max() for a, b in
                                 zip(bp_b + bp_o, pt_b + pt_o, strict=True)],
    "backward pass vs finite differences": [np.abs(a - b).max() for a, b in
                                            zip(bp_b + bp_o, fd_b + fd_o, strict=True)],
    "finite differences vs PyTorch": [np.abs(a - b).max() for a, b in
                                      zip(fd_b + fd_o, pt_b + pt_o, strict=True)],
}
for what, vals in diffs.items():
    print(f"{what:38s} largest difference {max(vals):.1e}")

# %% [markdown]
# Where does the finite differences' error come from? Compare it with the size of the rounding
# error, with a larger $\varepsilon$, and with a one-sided (forward) difference
# $(l[\theta + \varepsilon] - l[\theta]) / \varepsilon$ for the 20 biases:

# %%
l_check = backprop.least_squares_loss(x5, y5, check_betas, check_omegas)
eps_mach = np.finfo(np.float64).eps  # 2.2e-16, the relative rounding of one float64
rounding = eps_mach * l_check / 1e-6  # a rounding error of l, divided by eps
central_6 = max(diffs["backward pass vs finite differences"])  # eps = 1e-6
fd4_b, fd4_o = backprop.finite_difference_gradients(x5, y5, check_betas, check_omegas, eps=1e-4)
central_4 = max(np.abs(a - b).max() for a, b in zip(bp_b + bp_o, fd4_b + fd4_o, strict=True))
forward_6 = 0.0  # the largest error of a forward difference with eps = 1e-6
for k, beta in enumerate(check_betas):
    for j in range(beta.size):
        nudged = [b.copy() for b in check_betas]
        nudged[k][j] += 1e-6
        l_up = backprop.least_squares_loss(x5, y5, nudged, check_omegas)
        forward_6 = max(forward_6, abs((l_up - l_check) / 1e-6 - bp_b[k][j]))
print(f"loss l = {l_check:.1f}; rounding estimate eps_mach * l / eps = {rounding:.1e}")
print(f"central, eps = 1e-6: largest difference {central_6:.1e}")
print(f"central, eps = 1e-4: largest difference {central_4:.1e}")
print(f"forward, eps = 1e-6: largest difference {forward_6:.1e} (biases only)")
assert max(diffs["backward pass vs PyTorch"]) < 1e-13
assert 50 < l_check < 56 and 1e-9 < central_6 < 1e-7  # l ~ 53; about 1e-8
assert rounding / 10 < central_6 < rounding * 10  # the size of the rounding error
assert 30 < central_6 / central_4 < 300  # ~100x smaller with a 100x larger eps
assert 1e-6 < forward_6 < 1e-5 and forward_6 / central_6 > 100

# %%
fig, ax = new_figure(figsize=(9, 3.4))
plot_check_differences(ax, names, diffs)
ax.set_ylim(1e-19, 1e-1)
ax.set_title("three ways to the same gradient: the largest difference in each block")
plt.show()

# %% [markdown]
# **What to notice**
# * The backward pass and PyTorch agree to better than $10^{-13}$: the same arithmetic in a
#   different order, so only the last bits differ. A real bug (try dropping the
#   `relu_derivative` factor) would show up as a difference of order 1.
# * Finite differences agree only to about $10^{-8}$, and that is **rounding**. The loss,
#   $l \approx 53$, is stored with an error of about $\epsilon_{\text{mach}}\, l$
#   ($\epsilon_{\text{mach}} = 2.2 \times 10^{-16}$), and dividing the difference of two such
#   values by $2\varepsilon$ magnifies it to about $\epsilon_{\text{mach}}\, l / \varepsilon
#   \approx 10^{-8}$ at $\varepsilon = 10^{-6}$.
# * The **truncation** error of the central difference, $O(\varepsilon^2) \approx 10^{-12}$ for a
#   smooth loss, is absent here: along any one parameter a ReLU net is piecewise linear, so its
#   least-squares loss is piecewise quadratic, and a central difference is exact on a quadratic
#   (unless a kink lies within $\varepsilon$). So $\varepsilon = 10^{-4}$ is *more* accurate,
#   about 100 times, as rounding $\propto 1/\varepsilon$ predicts. A one-sided (forward)
#   difference has a truncation error $O(\varepsilon)$, half the curvature times $\varepsilon$:
#   about $5 \times 10^{-6}$ at $\varepsilon = 10^{-6}$, hundreds of times worse.
# * Good for *checking*, too slow and too coarse for *training*: this small net's 122
#   parameters needed $2 \times 122$ forward passes, against one forward and one backward pass.

# %% [markdown]
# ## 6. A chain that is not ReLU: sin, exp and cos
#
# Nothing in the backward pass is special to the ReLU. To see the chain rule bare, take a
# "network" with one unit per layer and a different function at each step:
#
# $$f[x, \phi] = \beta_3 + \omega_3 \cos\Big[\beta_2 + \omega_2 \exp\big[\beta_1 + \omega_1
# \sin[\beta_0 + \omega_0 x]\big]\Big], \qquad l = (f[x, \phi] - y)^2,$$
#
# with the eight parameters $\phi = (\beta_0, \omega_0, \beta_1, \omega_1, \beta_2, \omega_2,
# \beta_3, \omega_3)$. The **forward pass** names and stores every intermediate value, exactly
# as in section 2 ($f_k$ before each function, $h_k$ after it):
#
# $$f_0 = \beta_0 + \omega_0 x,\quad h_1 = \sin[f_0],\quad f_1 = \beta_1 + \omega_1 h_1,\quad
# h_2 = \exp[f_1],\quad f_2 = \beta_2 + \omega_2 h_2,\quad h_3 = \cos[f_2],\quad
# f_3 = \beta_3 + \omega_3 h_3.$$
#
# The **backward pass** starts at the loss and takes one local derivative per step:
#
# $$\frac{\partial l}{\partial f_3} = 2(f_3 - y),\qquad
# \frac{\partial l}{\partial h_3} = \omega_3 \frac{\partial l}{\partial f_3},\qquad
# \frac{\partial l}{\partial f_2} = -\sin[f_2]\, \frac{\partial l}{\partial h_3},\qquad
# \frac{\partial l}{\partial h_2} = \omega_2 \frac{\partial l}{\partial f_2},$$
#
# $$\frac{\partial l}{\partial f_1} = \exp[f_1]\, \frac{\partial l}{\partial h_2},\qquad
# \frac{\partial l}{\partial h_1} = \omega_1 \frac{\partial l}{\partial f_1},\qquad
# \frac{\partial l}{\partial f_0} = \cos[f_0]\, \frac{\partial l}{\partial h_1}.$$
#
# This is the recursion of section 4 with $1 \times 1$ matrices: $\Omega_k^T$ becomes the
# number $\omega_k$, and $a'[f_{k-1}]$ becomes the derivative of whichever function that layer
# uses ($\sin' = \cos$, $\exp' = \exp$, $\cos' = -\sin$). The parameter gradients follow as
# before: $\partial l/\partial \beta_k = \partial l/\partial f_k$ and
# $\partial l/\partial \omega_k = \partial l/\partial f_k \cdot h_k$, with $h_0 = x$.

# %%
show_source(backprop.toy_forward)
show_source(backprop.toy_backward)

# %% [markdown]
# Every forward and backward quantity at $x = 2.3$, $y = 2$:

# %%
# NBVAL_CHECK_OUTPUT
phi = np.array([1.0, 0.1, -0.4, 2.0, -3.0, 2.0, 0.4, 3.0])  # beta_0, omega_0, ..., omega_3
x_toy, y_toy = 2.3, 2.0
values = backprop.toy_forward(x_toy, phi)
derivs = backprop.toy_backward(x_toy, y_toy, phi)
print("forward: ", "  ".join(f"{k} = {v:.4f}" for k, v in values.items()))
print("loss l = ", round(backprop.toy_loss(x_toy, y_toy, phi), 4))
print("backward:", "  ".join(f"dl/d{k[4:]} = {v:.4f}" for k, v in derivs.items()
                             if k != "dl_dphi"))
for name, g in zip(backprop.TOY_NAMES, derivs["dl_dphi"], strict=True):
    print(f"  dl/d{name:8s} = {g:8.4f}")

# %% [markdown]
# Are these right? Check every one of the eight parameter gradients against central
# differences (section 5), nudging one parameter at a time:

# %%
# NBVAL_CHECK_OUTPUT
eps = 1e-6
fd_toy = np.zeros(8)
for j in range(8):
    up, down = phi.copy(), phi.copy()
    up[j] += eps
    down[j] -= eps
    fd_toy[j] = (backprop.toy_loss(x_toy, y_toy, up)
                 - backprop.toy_loss(x_toy, y_toy, down)) / (2 * eps)
agree = np.allclose(derivs["dl_dphi"], fd_toy, rtol=1e-6, atol=1e-7)
print("backward pass agrees with central differences to 1e-6:", agree)
assert agree
big = int(np.argmax(np.abs(derivs["dl_dphi"])))
print("largest gradient:", backprop.TOY_NAMES[big])
assert backprop.TOY_NAMES[big] == "omega_0"

# %% [markdown]
# Each derivative is a slope. Below, each panel moves one parameter by up to $\pm 0.08$ and
# keeps the other seven fixed; the blue curve is the loss, the dashed line has the slope the
# backward pass computed. (Each panel has its own vertical scale.)

# %%
fig, axes = new_figure(2, 4, figsize=(11, 4.6))
steps = np.linspace(-0.08, 0.08, 41)
l_toy = backprop.toy_loss(x_toy, y_toy, phi)
gaps = []  # the largest distance between the loss and its tangent, per parameter
for j, ax in enumerate(axes.ravel()):
    curve = []
    for s in steps:
        moved = phi.copy()
        moved[j] += s
        curve.append(backprop.toy_loss(x_toy, y_toy, moved))
    gaps.append(np.abs(np.array(curve) - l_toy - derivs["dl_dphi"][j] * steps).max())
    sym = backprop.TOY_NAMES[j].replace("omega", "\\omega").replace("beta", "\\beta")
    plot_tangent(ax, phi[j] + steps, curve, phi[j], l_toy, derivs["dl_dphi"][j], sym)
    ax.set_title(f"$\\partial l/\\partial {sym} = {derivs['dl_dphi'][j]:.2f}$", fontsize=9)
axes[0, 0].legend(loc="upper left", fontsize=7)
axes[0, 0].set_ylabel("loss $l$")
axes[1, 0].set_ylabel("loss $l$")
plt.show()
d = derivs
assert abs(values["h_2"] - 4.41) < 0.01 and 5.7 < d["dl_dh_2"] < 5.8 and 25 < d["dl_df_1"] < 26
assert all(abs(g) < abs(d["dl_dphi"][1]) for g in np.delete(d["dl_dphi"], 1))
assert min(gaps[:4]) > 0.5 and max(gaps[4], gaps[6], gaps[7]) < 0.02  # early bend, late straight

# %% [markdown]
# **What to notice**
# * In every panel the dashed line touches the curve at the black dot: each of the eight
#   numbers from the backward pass is the slope of the loss along its parameter (and central
#   differences agree to $10^{-6}$).
# * $\omega_0$ has the steepest slope, although it sits at the very start of the chain:
#   its gradient collects the factors $\omega_3$, $-\sin[f_2]$, $\omega_2$, $\exp[f_1]$,
#   $\omega_1$, $\cos[f_0]$ and finally $x = 2.3$. Here $\exp[f_1] \approx 4.4$ magnifies
#   everything below $h_2$ (compare $\partial l/\partial h_2 \approx 5.8$ with
#   $\partial l/\partial f_1 \approx 25.5$).
# * The tangent is only a first-order picture. Within $\pm 0.08$ the loss along the early
#   parameters ($\beta_0, \omega_0, \beta_1, \omega_1$) bends away from its tangent by more
#   than 0.5, while along $\beta_2$, $\beta_3$, $\omega_3$ it stays within 0.02 of it: a
#   change to an early parameter is bent by every function after it. This is why gradient
#   descent takes small steps.

# %% [markdown]
# ### The chain, live
#
# Drag the input $x$ and the target $y$ (the parameters stay as above). Left: the forward
# values, bottom up; the orange line on the $f_3$ bar is the target. Middle: the backward
# derivatives, top down. Right: the eight parameter gradients. The two right panels use a
# symmetric log scale, so derivatives of 0.1 and of 100 are both visible.

# %%
W.toy_chain.show()

# %%
sweep = [W.compute_toy_chain(x, 2.0) for x in np.arange(-3.0, 3.001, 0.05)]
# forward order f_0, h_1, f_1, h_2, ...; backward order f_3, h_3, f_2, h_2, f_1, ...
assert all(abs(s["backward"][4] - s["forward"][3] * s["backward"][3]) < 1e-9 for s in sweep)
flat = W.compute_toy_chain(-1.35, 2.0)  # here f_2 is within 0.01 of pi
assert abs(flat["forward"][4] - np.pi) < 0.01
assert np.abs(flat["backward"][2:]).max() < 0.03 * abs(flat["backward"][1])
before, after = W.compute_toy_chain(-1.4, 2.0), W.compute_toy_chain(-1.3, 2.0)
assert (np.sign(before["backward"][2:]) == -np.sign(after["backward"][2:])).all()
low, high = W.compute_toy_chain(2.3, -2.0), W.compute_toy_chain(2.3, 4.0)
assert (np.sign(low["params"]) == -np.sign(high["params"])).all()

# %% [markdown]
# **What to notice**
# * The bar $\partial l/\partial f_1$ is always $h_2$ times the bar $\partial l/\partial h_2$:
#   since $\exp' = \exp$, the local derivative is the value the forward pass already stored.
#   Backpropagation reuses stored values instead of recomputing them.
# * Near $x = -1.35$, $f_2$ passes $\pi$, where $\cos$ is flat ($\sin[f_2] = 0$):
#   $\partial l/\partial f_2$ and every bar after it shrink to almost nothing and flip sign as
#   $x$ crosses, while $\partial l/\partial f_3$ and $\partial l/\partial h_3$ barely move. A
#   flat function anywhere in the chain blocks the gradient to everything before it, as an
#   inactive ReLU does.
# * Moving $y$ across the output $f_3$ flips the sign of every derivative at once: they all
#   share the factor $2(f_3 - y)$.

# %% [markdown]
# ## 7. Softmax and cross-entropy: the gradient is $p - y$
#
# A classifier (chapter 02) reads the net's $D_o$ outputs $f = f_K[x_i, \phi]$ as logits of
# $D_o$ classes (the notes write $K$ classes; in this chapter $K$ already counts hidden
# layers), turns them into probabilities $p = \mathrm{softmax}[f]$, and pays the cross-entropy
#
# $$l_i = -\log \mathrm{softmax}_{y_i}[f] = -f_{y_i} + \log \sum_{k} \exp[f_k].$$
#
# Differentiate with respect to one logit $f_k$: the first term gives $-1$ if $k = y_i$ and
# $0$ otherwise, written $-\mathbb{I}[k = y_i]$; the second gives
# $\exp[f_k] / \sum_{k'} \exp[f_{k'}] = p_k$. So
#
# $$\frac{\partial l_i}{\partial f_k} = p_k - \mathbb{I}[k = y_i], \qquad
# \frac{\partial l_i}{\partial f_K} = p - \mathbf{y}_i,$$
#
# where $\mathbf{y}_i$ is the label as a one-hot vector. No softmax Jacobian is ever built: the
# probabilities minus the labels is the whole gradient, and it is the **only** change to the
# backward pass. Steps 2 to 5 of section 4 run unchanged from
# $\partial l_i/\partial f_K = p - \mathbf{y}_i$ instead of $2(f_K - y_i)$.

# %%
show_source(losses.softmax_cross_entropy_grad)

# %% [markdown]
# The gradient for four data points and three classes, then the same numbers from PyTorch's
# `cross_entropy` (summed over the batch; PyTorch wants the logits as rows):

# %%
# NBVAL_CHECK_OUTPUT
f_logits = np.array([[2.0, -1.0, 0.5, 0.1],
                     [0.5, 4.0, 0.5, 0.2],
                     [-1.0, 0.0, 0.5, 0.0]])  # (classes, I): 4 data points
labels = np.array([0, 1, 2, 0])
grad_ce = losses.softmax_cross_entropy_grad(f_logits, labels)
print("p - y =\n", np.round(grad_ce, 3))
print("every column sums to 0:", np.abs(grad_ce.sum(axis=0)).max() < 1e-12)

# %%
t_logits = torch.tensor(f_logits, requires_grad=True)
torch.nn.functional.cross_entropy(t_logits.T, torch.tensor(labels), reduction="sum").backward()
same_ce = np.allclose(grad_ce, t_logits.grad.numpy(), rtol=0, atol=1e-12)
print("p - y agrees with autograd to 1e-12:", same_ce)
assert same_ce

# %%
p_ce = losses.softmax(f_logits)
fig, axes = new_figure(1, 3, figsize=(10, 2.8))
plot_matrix(axes[0], p_ce, vmax=1.0, title="$p = $ softmax$[f]$", row_name="class $k$",
            col_name="data point $i$")
plot_matrix(axes[1], losses.one_hot(labels, 3), vmax=1.0, title="one-hot labels $\\mathbf{y}$",
            row_name="class $k$", col_name="data point $i$")
mesh = plot_matrix(axes[2], grad_ce, vmax=1.0, title="$\\partial l/\\partial f = p - \\mathbf{y}$",
                   row_name="class $k$", col_name="data point $i$")
fig.colorbar(mesh, ax=axes, shrink=0.9)
plt.show()
true_entries = grad_ce[labels, np.arange(4)]
assert (true_entries < 0).all() and (np.delete(grad_ce.T.ravel(), labels + 3 * np.arange(4)) > 0).all()
assert np.abs(grad_ce.sum(axis=0)).max() < 1e-12
assert abs(true_entries[2] - (p_ce[2, 2] - 1)) < 1e-12 and abs(true_entries[2] + 2 / 3) < 1e-9
assert np.abs(grad_ce[:, 1]).max() < 0.05  # a confident, correct prediction

# %% [markdown]
# **What to notice**
# * The entry of the true class is always negative ($p_{y_i} - 1 < 0$, blue) and every other
#   entry positive (red): gradient descent raises the true logit and lowers the rest.
# * Each column sums to zero, since both $p$ and $\mathbf{y}_i$ sum to 1: adding a constant to
#   all logits changes nothing.
# * The second data point is confidently right (its true logit, 4, is well above the others),
#   and its column is almost white: a well-classified point hardly pushes on the net. The third
#   has three equal logits, so $p = 1/3$ for every class and its true entry is $-2/3$.
#
# ### The backward pass of a small classifier
#
# With $\partial l/\partial f_K = p - \mathbf{y}$ in hand, a classifier's gradients are
# `layers.backward` started from it:

# %%
show_source(backprop.classifier_backward)

# %% [markdown]
# A net with 2 inputs, two hidden layers of 8 units and 3 classes, on a batch of 6 points,
# against PyTorch (the same weights in float64, `cross_entropy` summed over the batch):

# %%
cls_widths = [2, 8, 8, 3]
cls_rng = np.random.default_rng(7)  # its own generator: later sections' numbers stay put
cls_betas, cls_omegas = layers.init_params(cls_widths, "he", cls_rng, bias_sigma=0.1)
x_cls, y_cls = cls_rng.normal(size=(2, 6)), np.array([0, 1, 2, 2, 1, 0])
g_b, g_o = backprop.classifier_backward(x_cls, y_cls, cls_betas, cls_omegas)

tcb = [torch.tensor(b, requires_grad=True) for b in cls_betas]
tco = [torch.tensor(o, requires_grad=True) for o in cls_omegas]
h = torch.tensor(x_cls)
for k in range(len(tco)):
    f_k = tcb[k][:, None] + tco[k] @ h  # f_k = beta_k + Omega_k h_k
    h = torch.relu(f_k) if k < len(tco) - 1 else f_k
t_loss = torch.nn.functional.cross_entropy(f_k.T, torch.tensor(y_cls), reduction="sum")
t_loss.backward()
same_loss = abs(backprop.classifier_loss(x_cls, y_cls, cls_betas, cls_omegas) - t_loss.item())
same_grads = all(np.allclose(a.ravel(), t.grad.numpy().ravel(), rtol=1e-10, atol=1e-12)
                 for a, t in zip(g_b + g_o, tcb + tco, strict=True))
print("loss agrees with PyTorch:", same_loss < 1e-10)
print("all", 2 * len(tco), "gradient blocks agree with PyTorch to 1e-10:", same_grads)
print("shapes:", [g.shape for g in g_o])
print("the last bias gradient sums to 0:", abs(g_b[-1].sum()) < 1e-12)
assert same_loss < 1e-10 and same_grads and abs(g_b[-1].sum()) < 1e-12

# %% [markdown]
# **What to notice**
# * The classifier's gradients agree with PyTorch's although nothing in `layers.backward`
#   changed: only the vector it starts from. A loss enters backpropagation through
#   $\partial l/\partial f_K$ alone.
# * $\partial l/\partial \beta_K = \sum_i (p_i - \mathbf{y}_i)$ sums to zero over the classes, for
#   the same reason each column of $p - \mathbf{y}$ does.

# %% [markdown]
# ## 8. Forward mode vs reverse mode
#
# Backpropagation is one way of applying the chain rule to a chain of functions
# $x \mapsto f_0 \mapsto h_1 \mapsto \dots \mapsto f_K$. There are two orders in which to
# multiply the Jacobians of the links.
#
# **Forward mode** carries a *tangent* $\dot h_k = \partial h_k / \partial x \cdot v$ upwards
# alongside each value, for one chosen input direction $v$:
#
# $$\dot f_k = \Omega_k \dot h_k, \qquad \dot h_{k+1} = a'[f_k] \odot \dot f_k, \qquad
# \dot h_0 = v.$$
#
# One pass gives the Jacobian-vector product $J v$: one **column** of $J = \partial f_K /
# \partial x$ when $v = e_j$. Nothing needs storing, but the full Jacobian takes one pass per
# **input**.
#
# **Reverse mode** (backpropagation) stores the forward pass, then carries $u^T J$ downwards,
# starting from $u = \partial l / \partial f_K$. One backward pass gives one **row** of $J$, so
# the full Jacobian takes one pass per **output**, and a scalar loss needs exactly one.

# %%
show_source(backprop.jvp)

# %% [markdown]
# Both modes (and finite differences) give the same Jacobian, here for a net with 5 inputs
# and 3 outputs:

# %%
# NBVAL_CHECK_OUTPUT
widths = [5, 8, 8, 3]
jac_omegas = [rng.normal(0, np.sqrt(2 / a), size=(b, a))
              for a, b in zip(widths[:-1], widths[1:], strict=True)]
jac_betas = [np.zeros(b) for b in widths[1:]]
x_point = rng.normal(size=5)
J_fwd = backprop.jacobian_forward(x_point, jac_betas, jac_omegas)  # 5 forward passes
J_rev = backprop.jacobian_reverse(x_point, jac_betas, jac_omegas)  # 1 + 3 passes
eps = 1e-6
J_fd = np.stack([(backprop.forward_pass(x_point + eps * e, jac_betas, jac_omegas)[0][-1]
                  - backprop.forward_pass(x_point - eps * e, jac_betas, jac_omegas)[0][-1])
                 / (2 * eps) for e in np.eye(5)], axis=1)
print("J shape (D_o, D_i):", J_fwd.shape)
print("forward == reverse:", np.allclose(J_fwd, J_rev, rtol=1e-12, atol=1e-14))
print("forward == finite differences:", np.allclose(J_fwd, J_fd, rtol=1e-6, atol=1e-8))
print(np.round(J_rev, 3))

# %% [markdown]
# ### Measured cost
#
# Now time the full Jacobian for nets with three hidden layers of 64 units: first with one
# output and a growing number of inputs (the shape of a loss: many parameters in, one number
# out), then with one input and a growing number of outputs. Each point is the best of three
# runs on this machine.

# %%
sizes = [1, 2, 4, 8, 16, 32, 64, 128]
by_inputs = backprop.measure_jacobian_cost(sizes, vary="inputs", repeats=3,
                                           rng=np.random.default_rng(1))
by_outputs = backprop.measure_jacobian_cost(sizes, vary="outputs", repeats=3,
                                            rng=np.random.default_rng(2))
fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.4), sharey=True)
plot_mode_cost(ax1, sizes, by_inputs["forward"], by_inputs["reverse"], "inputs $D_i$")
ax1.set_title("one output, $D_i$ inputs")
plot_mode_cost(ax2, sizes, by_outputs["forward"], by_outputs["reverse"], "outputs $D_o$")
ax2.set_title("one input, $D_o$ outputs")
ax2.set_ylabel(None)
plt.show()
ratio = by_inputs["forward"][-1] / by_inputs["reverse"][-1]
print(f"{sizes[-1]} inputs, 1 output: forward mode took {ratio:.0f}x as long as reverse mode")
assert ratio > 4  # 128 forward passes against one forward and one backward pass


# %% [markdown]
# **What to notice**
# * Left: with one output, forward mode's time grows in proportion to the number of inputs (one
#   pass per input), while reverse mode stays flat (one backward pass). A training loss is this
#   case with millions of "inputs" (the parameters), which is why every deep-learning library
#   uses reverse mode.
# * Right: the roles swap. With one input and many outputs forward mode is the cheap one.
# * Reverse mode pays in **memory**: it must keep every $f_k$ and $h_k$ of the forward pass
#   (section 2); forward mode forgets each layer as soon as the next is computed.

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task, then has a cell for your answer, a check cell (it says
# *correct*, *not yet* with the reason, or *not attempted*), a hint, and a solution hidden in a
# collapsed cell.
#
# ### Exercise 1
# The recursion of section 4, one layer at a time.

# %%
EX.backward_step.show()


# %%
def backward_step(dl_df, f_prev, omega):
    return None  # your code here


EX.backward_step.check(backward_step)

# %%
EX.backward_step.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.backward_step)


# %% [markdown]
# ### Exercise 2
# The parameter gradients of section 4, for a whole batch at once.

# %%
EX.layer_gradients.show()


# %%
def layer_gradients(dl_df, h):
    return None  # your code here


EX.layer_gradients.check(layer_gradients)

# %%
EX.layer_gradients.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.layer_gradients)

# %% [markdown]
# ### Exercise 3
# A whole forward and backward pass through the smallest network there is.

# %%
EX.chain_by_hand.show()

# %%
answer_3 = None  # your answer: a number
EX.chain_by_hand.check(answer_3)

# %%
EX.chain_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.chain_by_hand)

# %% [markdown]
# ### Exercise 4
# Forward or reverse mode (section 8)?

# %%
EX.jacobian_passes.show()

# %%
answer_4 = None  # your answer: an integer
EX.jacobian_passes.check(answer_4)

# %%
EX.jacobian_passes.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.jacobian_passes)

# %% [markdown]
# ### Exercise 5
# Backpropagation through the sin/exp/cos chain of section 6, every step by hand.

# %%
EX.toy_chain_backward.show()


# %%
def toy_chain_backward(x, y, phi):
    return None  # your code here


EX.toy_chain_backward.check(toy_chain_backward)

# %%
EX.toy_chain_backward.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.toy_chain_backward)

# %% [markdown]
# ### Exercise 6
# The gradient where a classifier's backward pass starts (section 7).

# %%
EX.softmax_ce_grad.show()


# %%
def softmax_ce_grad(f, y):
    return None  # your code here


EX.softmax_ce_grad.check(softmax_ce_grad)

# %%
EX.softmax_ce_grad.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.softmax_ce_grad)

# %% [markdown]
# ### Exercise 7
# Your own gradient checker (section 5): with it you can test any backward pass you write.

# %%
EX.numerical_gradient.show()


# %%
def numerical_gradient(loss, theta, eps):
    return None  # your code here


EX.numerical_gradient.check(numerical_gradient)

# %%
EX.numerical_gradient.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.numerical_gradient)

# %% [markdown]
# ### Exercise 8
# Exercises 1 and 2 were single steps; now the whole backward pass of a deep net, carried all
# the way to the input.

# %%
EX.input_gradient.show()


# %%
def input_gradient(x, betas, omegas, dl_df):
    return None  # your code here


EX.input_gradient.check(input_gradient)

# %%
EX.input_gradient.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.input_gradient)

# %% [markdown]
# ## Summary
#
# * **Forward pass** (store everything): $f_0 = \beta_0 + \Omega_0 x$,
#   $h_k = a[f_{k-1}]$, $f_k = \beta_k + \Omega_k h_k$.
# * **Backward pass** (reuse everything): start from $\partial l / \partial f_K$
#   ($= 2(f_K - y)$ for least squares) and step down with
#   $\partial l/\partial f_{k-1} = a'[f_{k-1}] \odot \Omega_k^T\, \partial l/\partial f_k$.
# * **Parameter gradients**: $\partial l / \partial \beta_k = \partial l / \partial f_k$ and
#   $\partial l / \partial \Omega_k = (\partial l / \partial f_k)\, h_k^T$, with the input in
#   place of $h_0$ for the first layer; for a batch, both are sums over the data points.
# * **ReLU**: $a'[f] = \mathbb{I}[f > 0]$, a diagonal Jacobian applied as an element-wise
#   product. Units that are off pass no gradient back.
# * **Check** a hand-written gradient against finite differences (here they agree to
#   ~$10^{-8}$, the rounding error $\epsilon_{\text{mach}}\, l / \varepsilon$) and autograd (agree
#   to better than $10^{-13}$).
# * **Any chain**: the same recursion with each layer's own derivative; for the toy chain
#   $\sin' = \cos$, $\exp' = \exp$, $\cos' = -\sin$ and $\Omega_k^T$ is the number
#   $\omega_k$.
# * **Softmax + cross-entropy**: $\partial l_i/\partial f_K = \mathrm{softmax}[f_K] -
#   \mathbf{y}_i$, predicted minus observed; the rest of the backward pass is unchanged.
# * **Reverse mode** costs one backward pass per output, **forward mode** one pass per input:
#   for one scalar loss of many parameters, reverse mode wins, paying with the memory of the
#   stored forward pass.
#
# **Next:** chapter 05 follows the backward recursion through many layers and asks what the
# repeated multiplication by $\Omega_k^T$ does to the size of the gradients: vanishing and
# exploding gradients, and initialisations (He) that avoid both.
