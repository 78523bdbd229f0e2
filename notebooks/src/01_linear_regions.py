# %% [markdown]
# # 01 · Linear regions: what a ReLU network computes
#
# A neural network with ReLU activations is a machine for building **piecewise-linear
# functions**. In this chapter you take one apart. After it you can
#
# * compute a shallow network by hand in its three steps, and say where its *joints* are;
# * explain why D hidden units give at most D + 1 linear regions on a line, what other
#   activation functions do instead, and why that is enough to approximate any continuous
#   function (universal approximation);
# * fit a network to data by hand, watching the least-squares loss;
# * handle several inputs (planes clipped along lines) and several outputs, and count
#   parameters with the notation $\beta_k, \Omega_k, h_k$;
# * see how composing networks *folds* the input, a line or a plane, what the second layer's
#   ReLUs add, and why depth multiplies the number of regions while width only adds to it.
#
# **Prerequisites:** matrix-vector products and NumPy arrays. Nothing about training by
# gradient descent yet: every network here has its parameters set by hand, by a slider, or by
# a least-squares fit.
#
# **How to use it:** run the cells from top to bottom (*Run > Run All Cells*). Move the sliders
# under each interactive figure; every figure is redrawn from the maths in `dlcore`, the small
# package the course is built on. Exercises end with a check cell that tells you what is wrong.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import layers, losses, nets
from dlcore.plots import new_figure, label, PALETTE, COLORS
from dlcore.plots.nets import plot_units, plot_piecewise, plot_network_diagram
from dlcore.widgets import nets as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(1)       # this chapter's exercises, by name: EX.<name> (run EX to list them)

# %% [markdown]
# ## 1. A shallow network with one input and one output
#
# A *shallow* network has a single hidden layer. With one input $x$, three hidden units and one
# output $y$ it is
#
# $$y = f[x, \phi] = \phi_0 + \phi_1\, a[\theta_{10} + \theta_{11} x] + \phi_2\, a[\theta_{20} + \theta_{21} x] + \phi_3\, a[\theta_{30} + \theta_{31} x],$$
#
# with ten parameters: the $\theta_{d0}$ (biases) and $\theta_{d1}$ (slopes) of the hidden
# units and the output weights $\phi_0, \dots, \phi_3$. (The notes call all ten $\theta$, with
# output weights $\theta_0, \dots, \theta_3$ and the net $f[x, \theta]$; we keep $\theta$ for the
# hidden units and write $\phi$ for the output weights, so the two layers cannot be confused.)
# The activation function $a[\cdot]$ is the rectified linear unit
#
# $$a[z] = \mathrm{ReLU}[z] = \begin{cases} 0 & z < 0 \\ z & z \ge 0. \end{cases}$$
#
# Reading the formula from the inside out gives **three steps**:
#
# 1. three linear functions of the input, the *pre-activations* $z_d = \theta_{d0} + \theta_{d1} x$;
# 2. each passed through the ReLU, the *activations* $h_d = a[z_d]$;
# 3. a weighted sum plus an offset, $y = \phi_0 + \sum_d \phi_d h_d$.
#
# Here are those three steps in `dlcore` (the real code the figures below run). Each numbered
# line is one step; `theta[:, :1]` is the column of biases $\theta_{d0}$ and `theta[:, 1:]` the
# slopes, so the same lines work for any number of inputs. The line above the `def` is the
# function's *contract*: the shape of each argument in the notes' symbols (`x` is $(D_i, I)$,
# one data point per column; `theta` is $(D, 1 + D_i)$; `phi` is $(D_o, 1 + D)$, and `_rows`
# lets a single output's `phi` be a flat array). `dlcore` checks it before the body runs, so the
# body is only the maths.

# %%
show_source(nets.shallow_parts)

# %% [markdown]
# With the parameters of the figure below (joints at $x = -1, 0.4, 1.2$), at $x = 0.5$:

# %%
# NBVAL_CHECK_OUTPUT
theta, phi = W.shallow_params(**W.SHALLOW_DEFAULTS)   # theta (3, 2), phi (1, 4)
x = np.array([[0.5]])                                  # one data point, as a column
z, h, y = nets.shallow_parts(x, theta, phi)
print("z =", z.ravel(), " h =", h.ravel(), " y =", y.ravel())
assert np.allclose(nets.shallow_joints(theta), [-1.0, 0.4, 1.2])  # the joints named above

# %% [markdown]
# Now move every parameter. Each panel is one step; the dashed lines are the joints, where a
# hidden unit switches on or off, and the output is coloured by linear region. The axes stay
# fixed so that you can compare settings: when a curve leaves them, a red "▲ 7.2" (or "▼ -6.4")
# in the panel says how far it goes.

# %%
W.shallow_steps.show()

# %% [markdown]
# **What to notice**
# * $\theta_{d0}$ slides a unit's joint left and right; $\theta_{d1}$ tilts it and decides
#   *which side* is active (a negative slope makes the unit active to the left of its joint).
# * $\phi_d$ only rescales (or flips) what unit $d$ contributes; $\phi_0$ shifts the whole output.
# * The output is continuous and linear between joints. Three units give three joints and
#   hence **four linear regions**, unless a joint leaves the plotted range or two joints meet.
# * Set $\phi_2 = 0$: unit 2's joint is still there, but the output no longer bends at it. The
#   ReLU pattern changes, the function does not.
# * Set $\theta_{10} = -3$: unit 1's joint moves to $x = 3$, outside the plot, and $h_1 = 0$
#   everywhere you can see; the figure then tells you that $\phi_1$ has no effect.

# %% [markdown]
# ## 2. Hidden units are joints
#
# Unit $d$ switches where its pre-activation crosses zero:
#
# $$\theta_{d0} + \theta_{d1} x = 0 \quad\Longleftrightarrow\quad x = -\frac{\theta_{d0}}{\theta_{d1}}.$$
#
# Between two neighbouring joints no unit changes state, so the output is one straight line
# there. With $D$ hidden units there are at most $D$ joints on the line, so at most $D + 1$
# **linear regions**.

# %%
# NBVAL_CHECK_OUTPUT
print("joints at x =", nets.shallow_joints(theta))

# %% [markdown]
# `dlcore` counts regions from the on/off **pattern** of the ReLUs: two inputs lie in the same
# linear region when every unit is in the same state at both. `count_regions` counts the
# distinct patterns over a set of sample points (so it is a lower bound: it only sees regions the
# samples touch).

# %%
# NBVAL_CHECK_OUTPUT
x_line = np.linspace(-2, 2, 2001)[None, :]                     # (1, 2001): points as columns
betas, omegas = [theta[:, 0], phi[:, 0]], [theta[:, 1:], phi[:, 1:]]
n_regions = nets.count_regions(x_line, betas, omegas)
print("regions on [-2, 2]:", n_regions)
assert n_regions == 4  # three joints inside [-2, 2]: four linear regions

# %%
W.hidden_units.show()

# %% [markdown]
# Each random net puts its joints inside the plot, and scales its output weights so that the
# curve fits the axes (scaling $\phi$ moves no joint). **What to notice**
# * The count in the corner is always $D + 1$: each new unit adds one bend, never more.
# * The parameter count grows as $3D + 1$ (two per hidden unit, one output weight per unit, one
#   offset), so the number of regions grows only *linearly* with the parameters of a shallow net.

# %%
for D in range(1, 21):  # every setting of the two sliders
    assert all(W.compute_hidden_units(D, seed)["n"] == D + 1 for seed in range(21))
    assert nets.num_params_shallow(1, D, 1) == 3 * D + 1

# %% [markdown]
# ### Other activation functions
#
# The joints are the ReLU's doing. Keep $\theta$ and $\phi$ and change only $a[\cdot]$:
#
# * the **sigmoid** $a[z] = 1 / (1 + e^{-z})$, a smooth step from 0 to 1 (chapter 02 meets it
#   again as a probability);
# * the **Heaviside** step $a[z] = 1$ for $z > 0$ and $0$ otherwise, a hard step;
# * the **linear** "activation" $a[z] = z$, which is no activation at all.
#
# `shallow_net` takes the activation as an argument, so the same three steps run with any of
# them. The two new ones are one line each:

# %%
show_source(nets.heaviside)
show_source(nets.linear)

# %% [markdown]
# With the linear activation the hidden layer does nothing a single line could not:
#
# $$y = \phi_0 + \sum_d \phi_d (\theta_{d0} + \theta_{d1} x) = \underbrace{\Big(\phi_0 + \sum_d \phi_d \theta_{d0}\Big)}_{\text{offset}} + \underbrace{\Big(\sum_d \phi_d \theta_{d1}\Big)}_{\text{slope}}\, x ,$$
#
# a straight line however many units there are. Below, one random net with each activation
# (top: $a[z]$; bottom: the net's output, each scaled to fill its panel, since the shape is what
# we compare). The steepness multiplies every $\theta_{d0}$ and $\theta_{d1}$ by the same
# factor: the joints stay where they are, and each unit switches faster.

# %%
# NBVAL_CHECK_OUTPUT
theta_r, phi_r = W.random_shallow_1d(5, seed=0)                 # 5 units: theta (5, 2)
x_line = np.linspace(-2, 2, 801)[None, :]
y_lin = nets.shallow_net(x_line, theta_r, phi_r, activation=nets.linear)[0]
offset = phi_r[0, 0] + phi_r[0, 1:] @ theta_r[:, 0]              # the offset of the line above
slope = phi_r[0, 1:] @ theta_r[:, 1]                             # ... and its slope
print("linear activation, D = 5: y is the line offset + slope x:",
      np.allclose(y_lin, offset + slope * x_line[0]))

# %%
W.activations.show()

# %% [markdown]
# **What to notice**
# * **ReLU:** $D + 1$ straight pieces with a kink at each joint, as before.
# * **Heaviside:** $D + 1$ *flat* pieces with a jump at each joint (drawn as a vertical line):
#   the output is no longer continuous, and its slope is 0 almost everywhere, which gives
#   gradient descent (chapter 03) nothing to follow.
# * **Sigmoid:** smooth, with a soft step near each joint. Turn the steepness up and it turns
#   into the Heaviside's staircase; turn it down and each unit is nearly linear over the plot.
# * **Linear:** one straight line whatever $D$ and whatever the random net. Without a
#   nonlinear activation, hidden units add parameters but no new shapes.

# %%
for D in range(1, 9):  # every setting of D and of the random net, at both ends of the steepness
    for seed in range(21):
        for steep in (0.3, 10.0):
            d = W.compute_activations(D, seed, steep)
            assert d["linear straight"]                                   # a line, always
            assert d["relu pieces"] == d["heaviside levels"] == D + 1     # D + 1 pieces each
theta_r, phi_r = W.random_shallow_1d(3, seed=0)
far = np.min(np.abs(x_line[0][:, None] - nets.shallow_joints(theta_r)), axis=1) > 0.3
gap = {}
for steep in (2.0, 10.0):   # sigmoid against Heaviside, away from the joints
    y_sig, y_step = (nets.shallow_net(x_line, steep * theta_r, phi_r, activation=a)[0]
                     for a in (nets.sigmoid, nets.heaviside))
    gap[steep] = np.abs(y_sig - y_step)[far].max() / np.ptp(y_step)
assert gap[10.0] < 0.05 < gap[2.0]   # steeper sigmoids are closer to the steps

# %% [markdown]
# ## 3. Fitting a shallow network to data, by hand
#
# *Training* chooses the parameters so that the network matches a dataset
# $\{x_i, y_i\}_{i=1}^{I}$. It needs a number that says how badly the network fits, a
# **loss** $L[\theta, \phi]$; chapter 02 derives losses from probability, and for now we take
# the sum of squared differences, the **least-squares loss**
#
# $$L[\theta, \phi] = \sum_{i=1}^{I} \big(f[x_i, \theta, \phi] - y_i\big)^2 .$$
#
# In `dlcore` (chapter 02's module, where it lives) it is the formula itself:

# %%
show_source(losses.least_squares)

# %% [markdown]
# Now be the training algorithm. The ten sliders are the ten parameters of section 1's network
# (they start where that figure starts); the 20 black points are the data, and each red segment
# is one residual $f[x_i] - y_i$, so $L$ is the sum of their squared lengths. Make $L$ as small
# as you can. Tick *show the reference fit* to compare with a good answer.

# %%
W.fit_by_hand.show()

# %% [markdown]
# **What is the reference?** A net with three units is fixed by where its joints are and which
# way each unit faces (the size of $\theta_{d1}$ can move into $\phi_d$, since
# $a[c z] = c\, a[z]$ for $c > 0$). Once those are fixed, $f$ is linear in $\phi$ and the best
# $\phi$ is one least-squares solve (section 4 uses the same trick). `fit_shallow_grid` tries
# every set of three joints from a grid 0.1 apart over the data, plus one position beyond each
# end (where a unit is a straight line, or zero, on the data), each unit facing either way:
# about 100,000 nets, screened at once. It is not guaranteed to be *the* best three-unit net,
# since a joint between two grid points might do a little better; a search five times finer
# near its joints, below, gains less than 1%.

# %%
show_source(nets.fit_shallow_grid)

# %%
theta_best, phi_best, loss_best = W.best_fit()
theta_start, phi_start = W.shallow_params(**W.SHALLOW_DEFAULTS)    # the sliders' start
loss_start = losses.least_squares(W.FIT_Y, nets.shallow_net(W.FIT_X[None, :], theta_start, phi_start)[0])
near = np.concatenate([t + np.arange(-0.1, 0.1001, 0.02) for t in nets.shallow_joints(theta_best)])
_, _, loss_finer = nets.fit_shallow_grid(W.FIT_X, W.FIT_Y, np.r_[-2.5, near, 2.5], 3)
print(f"loss at the start {loss_start:.3g}, reference {loss_best:.3g}, "
      f"finer search {loss_finer:.3g}")
print("the reference's parameters fit the sliders' range [-3, 3]:",
      bool(np.all(np.abs(np.r_[theta_best.ravel(), phi_best.ravel()]) <= 3)))
assert loss_finer <= loss_best < 1.01 * loss_finer           # the finer search gains < 1%
n_tried = 2 ** 3 * len(W.FIT_JOINTS) * (len(W.FIT_JOINTS) - 1) * (len(W.FIT_JOINTS) - 2) // 6
assert 90_000 < n_tried < 110_000      # 2^3 directions times C(J, 3) sets of joints
assert loss_best < loss_start / 100                           # the start is far from it
assert loss_best > 0.1                                        # the noise is not fitted
assert np.all(np.abs(np.r_[theta_best.ravel(), phi_best.ravel()]) <= 3)
assert np.allclose(np.sort(nets.shallow_joints(theta_best)), [-1.2, -0.4, 0.7])

# %% [markdown]
# **What to notice**
# * The loss punishes big misses most: one residual twice as long counts four times as much.
#   Bringing the worst points in first lowers $L$ fastest.
# * Each slider's effect depends on the others: $\phi_d$ does nothing while unit $d$ is off
#   over the whole plot, and moving a joint changes which points each $\phi_d$ can reach. This
#   coupling is why training is an *optimisation problem*, the subject of chapter 03.
# * The reference puts its joints where the data bend: near the two turns ($x = -1.2$ and
#   $x = 0.7$) and one on the way up ($x = -0.4$). Three joints can follow the data's fall, rise
#   and fall, but not the noise, so even the reference's $L$ stays well above 0.

# %% [markdown]
# ## 4. Universal approximation
#
# More joints mean a finer piecewise-linear approximation. The **universal approximation
# theorem** states it in general: a network with one hidden layer and finitely many hidden units
# can approximate any continuous function on a **compact** (closed and bounded) subset of
# $\mathbb{R}^{D_i}$ to any accuracy you ask for. (The notes say "a subset"; the theorem needs a
# compact one. On the bounded but open interval $(0, 1)$, for instance, no network stays close
# to the continuous $\sin(1/x)$ everywhere: it oscillates ever faster as $x \to 0$.)
#
# To see it on a line, fix the joints evenly over $[-1, 1]$ (that fixes $\theta$) and choose the
# output weights $\phi$ by least squares: once $\theta$ is fixed, $y$ is *linear* in $\phi$, so
# finding them is one least-squares solve (as for the reference fit of section 3). The three
# building blocks are shared with later chapters: evenly spaced joints and the fixed ReLU
# features $[1; a[x - t_d]]$ from `dlcore.features`, and the solve from `dlcore.linear`:

# %%
show_source(nets.fit_shallow_lstsq)

# %%
W.universal.show()

# %% [markdown]
# The error shrinks as $D$ grows. For a smooth target, halving the spacing between joints
# divides the error by about four (the error of a piecewise-linear interpolant scales with the
# squared spacing), so on log-log axes the curve falls with slope $-2$:

# %%
Ds = np.array([2, 4, 8, 16, 32, 64, 128])
x_fit = np.linspace(-1, 1, 1001)
fig, ax = new_figure(figsize=(6, 3))
slopes = {}  # the slope of log(error) against log(D), fitted from D = 8 on
for name, marker in [("sine", "o"), ("bump", "s"), ("step (discontinuous)", "^")]:
    target = W.TARGETS[name](x_fit)
    errors = []
    for D in Ds:
        theta_fit, phi_fit = nets.fit_shallow_lstsq(x_fit, target, D, -1, 1)
        errors.append(np.sqrt(np.mean((nets.shallow_net(x_fit[None], theta_fit, phi_fit)[0] - target) ** 2)))
    ax.loglog(Ds, errors, marker=marker, label=name)
    assert np.all(np.diff(errors) < 0)  # more units, smaller error, for every target
    slopes[name] = np.polyfit(np.log(Ds[2:]), np.log(errors[2:]), 1)[0]
ax.loglog(Ds, 2.0 / Ds ** 2, color=PALETTE["grey"], linestyle="--", label="slope $-2$")
label(ax, "hidden units $D$", "RMS error", "approximation error against width")
ax.legend()
plt.show()
assert -2.2 < slopes["sine"] < -1.8 and -2.2 < slopes["bump"] < -1.8  # smooth: slope -2
assert slopes["step (discontinuous)"] > -0.7                          # the step: much slower

# %% [markdown]
# **What to notice**
# * Smooth targets follow the slope $-2$ line: the theorem's promise in numbers.
# * The discontinuous step is the exception that proves the rule: a continuous network can
#   never jump, so its error falls much more slowly (only the width of the ramp shrinks). The
#   theorem covers *continuous* functions only.
# * The theorem says nothing about how many units are needed, nor how to find the weights by
#   training: those are the subjects of later chapters.

# %% [markdown]
# ## 5. Several outputs
#
# With $D_o$ outputs, every output is its own weighted sum of the **same** hidden units:
#
# $$y_j = \phi_{j0} + \sum_{d=1}^{D} \phi_{jd} h_d, \qquad j = 1, \dots, D_o.$$
#
# The joints belong to the hidden units, so all outputs bend at the same places; each output
# chooses its own slopes and offset.

# %%
theta_2o = np.array([[1.0, 1.0], [-0.4, 1.0], [1.2, -1.0]])       # (D, 1 + D_i) = (3, 2)
phi_2o = np.array([[-0.5, 1.0, -2.0, 1.5],                          # (D_o, 1 + D) = (2, 4)
                   [1.0, -0.5, 1.5, 1.0]])
x_line = np.linspace(-2, 2, 801)
y2 = nets.shallow_net(x_line[None, :], theta_2o, phi_2o)           # (2, 801)

fig, ax = new_figure(figsize=(6.5, 2.8))
for j in range(2):
    ax.plot(x_line, y2[j], linewidth=2, label=f"$y_{j + 1}$")
for joint in nets.shallow_joints(theta_2o):
    ax.axvline(joint, color=PALETTE["grey"], linestyle="--", linewidth=0.9)
label(ax, "$x$", "$y_j$", "two outputs, one set of joints")
ax.legend()
plt.show()

# %% [markdown]
# **What to notice:** both curves bend at exactly the dashed lines. Adding outputs adds
# $D + 1$ parameters each but no new joints.

# %% [markdown]
# ## 6. Several inputs
#
# With two inputs each hidden unit computes a *plane*, and the ReLU clips it to zero along the
# line where the plane crosses zero:
#
# $$h_d = a[\theta_{d0} + \theta_{d1} x_1 + \theta_{d2} x_2], \qquad y = \phi_0 + \sum_d \phi_d h_d .$$
#
# The code is section 1's `shallow_parts`, unchanged: `theta` now has three columns (a bias and
# two slopes) and each data point is a column of two numbers. Here are its three steps over a
# grid of points covering the square $[-3, 3]^2$, for three units:

# %%
# NBVAL_CHECK_OUTPUT
g = np.linspace(-3, 3, 81)
x_square = np.stack([a.ravel() for a in np.meshgrid(g, g)])        # (2, 6561): points as columns
theta_p, _ = W.random_shallow_2d(3, seed=0)                        # theta (3, 3): theta_d0, theta_d1, theta_d2
phi_p = np.array([[0.0, 1.0, -1.0, 0.5]])                          # the figure's start
z, h, y = nets.shallow_parts(x_square, theta_p, phi_p)              # (3, 6561), (3, 6561), (1, 6561)
print("shapes:", z.shape, h.shape, y.shape)
# each z_d is a plane: theta_d0 + theta_d1 x_1 + theta_d2 x_2 fits it exactly
coef = np.linalg.lstsq(np.c_[np.ones(x_square.shape[1]), x_square.T], z.T, rcond=None)[0]
print("z_d is a plane with coefficients theta_d:", np.allclose(coef.T, theta_p))

# %% [markdown]
# Each row of panels is one hidden unit; one colour scale throughout (red positive, blue
# negative, white zero); the dashed line is where the unit switches, $z_d = 0$. Move the output
# weights, or pick another random net:

# %%
W.plane_steps.show()

# %% [markdown]
# **What to notice**
# * Column 1: each $z_d$ is a tilted plane, constant along its dashed line and growing
#   steadily across it.
# * Column 2: the ReLU keeps the positive (red) side of the plane and sets the other side to
#   exactly 0 (white): in two dimensions a joint is a *line*.
# * Column 3: $\phi_d$ only rescales unit $d$'s panel; a negative $\phi_d$ turns red into blue.
# * The sum is continuous: it has no jump across any dashed line, only a change of tilt, so $y$
#   is a plane over each of the polygons the lines cut out.

# %%
for seed in range(21):  # every random net of the figure, at its start
    d = W.compute_plane_steps(seed, 1.0, -1.0, 0.5)
    assert np.all((d["h"] == 0) == (d["z"] <= 0))                  # clipped exactly where z_d <= 0
    assert np.allclose(d["weighted"].sum(axis=0), d["y"])          # the sum is y (phi_0 = 0)
    step = np.max(np.abs(np.diff(d["y"], axis=0))), np.max(np.abs(np.diff(d["y"], axis=1)))
    slopes = np.abs(np.array([1.0, -1.0, 0.5])) @ np.abs(W.random_shallow_2d(3, seed)[0][:, 1:])
    assert max(step) <= slopes.max() * (W.G_STEPS[1] - W.G_STEPS[0]) + 1e-12  # no jumps

# %% [markdown]
# The lines cut the input plane into convex polygons, one linear region each. Left: the regions
# (one colour per ReLU pattern, white lines where each unit switches). Switch to *output y* to
# see the function itself.

# %%
W.two_inputs.show()

# %% [markdown]
# How many regions can $D$ lines make in the plane? **Zaslavsky's theorem** counts the regions of
# $D$ hyperplanes in general position in $\mathbb{R}^{D_i}$:
#
# $$N_{\max}(D, D_i) = \sum_{j=0}^{D_i} \binom{D}{j}.$$
#
# For $D_i = 1$ this is $D + 1$ again; for $D \le D_i$ it is $2^D$ (every on/off pattern can
# occur). Counting on a grid of points only finds the regions the grid touches, so it can miss
# some: regions lying outside the window, or thinner than the grid spacing.

# %%
# NBVAL_CHECK_OUTPUT
g = np.linspace(-30, 30, 601)
x_grid = np.stack([a.ravel() for a in np.meshgrid(g, g)])    # (2, 601 * 601): points as columns
for D in (2, 3, 5, 8, 16):
    theta_r, phi_r = W.random_shallow_2d(D, seed=1, spread=6.0)
    n = nets.count_regions(x_grid, [theta_r[:, 0], phi_r[:, 0]], [theta_r[:, 1:], phi_r[:, 1:]])
    n_max = nets.max_regions_shallow(D, 2)
    print(f"D = {D:2d}: counted {n:3d} regions in the window, Zaslavsky's maximum {n_max:3d}")
    assert 0.9 * n_max <= n <= n_max  # the grid sees nearly all of them, never more

# %% [markdown]
# **What to notice:** in two dimensions the maximum grows like $D^2/2$, much faster than the
# $D + 1$ of one input: each unit's line can cross every other line. The grid sees nearly all of
# them; the few it misses are where two nearly parallel lines cross far outside the window, or
# tiny triangles between the grid points. `count_regions` is a **lower bound**, Zaslavsky's count
# an upper bound.

# %% [markdown]
# ## 7. The general shallow network, and its terminology
#
# With $D_i$ inputs, $D$ hidden units and $D_o$ outputs:
#
# $$h_d = a\Big[\theta_{d0} + \sum_{i=1}^{D_i} \theta_{di} x_i\Big], \qquad y_j = \phi_{j0} + \sum_{d=1}^{D} \phi_{jd} h_d .$$
#
# In `dlcore`, `theta` is a $(D, 1 + D_i)$ array whose column 0 holds the biases and `phi` a
# $(D_o, 1 + D)$ array; data points are **columns** of `x`, shape $(D_i, I)$. The parameter count
# is $D(D_i + 1) + D_o(D + 1)$:

# %%
# NBVAL_CHECK_OUTPUT
D_i, D, D_o = 4, 6, 2
x_batch = rng.normal(size=(D_i, 5))                      # five data points
theta_g = rng.normal(size=(D, 1 + D_i))
phi_g = rng.normal(size=(D_o, 1 + D))
print("y has shape", nets.shallow_net(x_batch, theta_g, phi_g).shape)
print("parameters:", nets.num_params_shallow(D_i, D, D_o), "=", D * (D_i + 1), "+", D_o * (D + 1))

# %% [markdown]
# A wrong shape is caught at the door with one line that says what was expected. Here `theta`
# has lost a column (the `try` lets the notebook carry on; without it you would see the same one
# red line):

# %%
# NBVAL_CHECK_OUTPUT
try:
    nets.shallow_net(x_batch, theta_g[:, :3], phi_g)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown]
# The words used for the parts of a network, on the network the notes draw ($D_i = 3$, three
# hidden layers of widths 4, 2, 3, $D_o = 2$):

# %%
fig, ax = new_figure(figsize=(8, 3.6))
plot_network_diagram(ax, [3, 4, 2, 3, 2])
plt.show()

# %% [markdown]
# | term | meaning |
# |---|---|
# | **weights** $\Omega_k$ | the slopes: one per edge between consecutive layers |
# | **biases** $\beta_k$ | the offsets: one per unit that receives input |
# | **pre-activation** | a unit's value before the activation function, $\beta + \Omega h$ |
# | **activation** | the value after it, $a[\beta + \Omega h]$ |
# | **width** | the number of hidden units in a layer ($D_k$); **capacity** grows with the total |
# | **depth** | the number of hidden layers $K$ |
# | **shallow / deep** | one hidden layer / more than one |
# | **fully connected** | every unit feeds every unit of the next layer |
# | **feed-forward** | no loops: information flows from input to output only |

# %% [markdown]
# ## 8. Deep networks: two shallow networks composed
#
# Feed the output $y$ of network 1 into network 2 (parameters $\theta'$, $\phi'$):
#
# $$y = \phi_0 + \sum_{d} \phi_d\, a[\theta_{d0} + \theta_{d1} x], \qquad y' = \phi'_0 + \sum_{d} \phi'_d\, a[\theta'_{d0} + \theta'_{d1} y].$$
#
# (The notes write the hidden units' parameters here as $\Theta$ and the activation as
# $\alpha$; they are the $\theta$ and $a$ of section 1.)
#
# Network 1 below is a zig-zag: it maps $[0, \tfrac13]$, $[\tfrac13, \tfrac23]$ and $[\tfrac23, 1]$
# each onto $[0, 1]$, the second one backwards. It **folds** the input line onto itself three
# times. Whatever network 2 does to $y \in [0, 1]$ is therefore repeated on each fold (mirrored on
# the middle one). Network 2 has its joints at the three slider values; its output weights are
# $a, -2a, 2a$ for the joints in increasing order, so $y'$ rises, falls and rises again, with
# slopes $\pm a$. At the start $a = 4$; when a joint moves far enough that $y'$ would leave the
# plot, $a$ shrinks (the title shows it) and an offset $\phi'_0$ lifts $y'$ back to 0. That only
# rescales $y'$: the joints alone decide the regions. Move network 2's joints:

# %%
W.folding.show()

# %% [markdown]
# **What to notice**
# * Network 2 has four linear pieces on $[0, 1]$; the composition has $3 \times 4 = 12$: the
#   pieces *multiply*. A shallow net would need 11 hidden units for 12 regions; these two
#   networks use 6.
# * Drag a joint of network 2 outside $[0, 1]$ (the shaded band): network 1 never produces that
#   $y$, so the joint disappears from the composition and the count drops by three.
# * The copies are not independent: the same shape is repeated, stretched and reversed. Depth
#   buys regions with *symmetry*, which helps when the target function has such structure.

# %%
settings = W.folding.defaults()
assert W.compute_folding(**settings)["n"] == 3 * 4                      # 12 regions
for t in ("t1", "t2", "t3"):
    for outside in (-0.1, 1.1):                                         # one joint outside [0, 1]
        assert W.compute_folding(**{**settings, t: outside})["n"] == 12 - 3

# %% [markdown]
# ### The composition is one deep network
#
# Substitute $y$ into network 2's pre-activations:
#
# $$\theta'_{d0} + \theta'_{d1} y = \underbrace{(\theta'_{d0} + \theta'_{d1}\phi_0)}_{\psi_{d0}} + \sum_{j} \underbrace{\theta'_{d1}\phi_j}_{\psi_{dj}} h_j .$$
#
# So the second hidden layer takes the first layer's activations directly, with biases
# $\psi_{d0}$ and a weight *matrix* $\psi_{dj}$. (The notes call these combined weights
# $\mathcal{W}$ and write $\mathcal{W}_{10} = \theta'_{11}\phi_0$, which leaves out
# $\theta'_{10}$: the bias is $\theta'_{d0} + \theta'_{d1}\phi_0$, as the check below confirms.)
# This matrix has rank one (it is an outer product); a general deep network lets all $D^2$
# entries be free. The code below builds the deep network from the two shallow ones (network 2
# as the figure starts) and checks that they agree:

# %%
# NBVAL_CHECK_OUTPUT
theta1, phi1 = W.FOLD_THETA, W.FOLD_PHI                        # network 1: (3, 2), (1, 4)
theta2 = np.array([[-0.25, 1.0], [-0.5, 1.0], [-0.75, 1.0]])    # network 2: (3, 2)
phi2 = np.array([[0.0, 4.0, -8.0, 8.0]])                         # (1, 4)
theta_fig, phi_fig = W.fold_net2(0.25, 0.5, 0.75)                 # the figure's network 2 ...
assert np.allclose(theta_fig, theta2) and np.allclose(phi_fig, phi2)  # ... at its start

psi_0 = theta2[:, 0] + theta2[:, 1] * phi1[0, 0]     # (3,)   psi_d0 = theta'_d0 + theta'_d1 phi_0
Psi = np.outer(theta2[:, 1], phi1[0, 1:])            # (3, 3) psi_dj = theta'_d1 phi_j
betas = [theta1[:, 0], psi_0, phi2[:, 0]]
omegas = [theta1[:, 1:], Psi, phi2[:, 1:]]

x_fold = np.linspace(0.0005, 0.9995, 901)[None, :]
composed = nets.shallow_net(nets.shallow_net(x_fold, theta1, phi1), theta2, phi2)
deep = nets.deep_net(x_fold, betas, omegas)
print("composition and deep net agree to 1e-12:", np.allclose(composed, deep, rtol=0, atol=1e-12))
print("regions:", nets.count_regions(x_fold, betas, omegas))

# %% [markdown]
# ### Inside the second layer
#
# Now look at the deep network's second hidden layer by itself (the notes' "folding analogy").
# Its unit $d$ computes
#
# $$h'_d = a\Big[\psi_{d0} + \sum_{j=1}^{3} \psi_{dj} h_j\Big], \qquad d = 1, 2, 3 .$$
#
# Before the ReLU, the pre-activation $f_d = \psi_{d0} + \sum_j \psi_{dj} h_j$ is an offset plus
# a weighted sum of the first layer's units: exactly a **shallow network of $x$ with three
# outputs**, whose output weights are the $\psi$. So each $f_d$ is piecewise linear with its
# joints at the first layer's joints, and nowhere else. The ReLU then clips each $f_d$ at zero;
# wherever $f_d$ crosses zero, the clipping adds a **new joint**. In code, the second layer's
# pre-activations are `shallow_net` with `phi = psi`, and the new joints are where each row
# changes sign:

# %%
show_source(nets.zero_crossings)

# %%
# NBVAL_CHECK_OUTPUT
psi = np.c_[psi_0, Psi]                                # (3, 4): [psi_d0 | psi_d1 psi_d2 psi_d3]
f = nets.shallow_net(x_fold, theta1, psi)              # (3, 901): a shallow net with 3 outputs ...
fs, hs = layers.forward(x_fold, betas, omegas)         # the deep net, layer by layer
print("layer 2's pre-activations are a 3-output shallow net:", np.allclose(f, fs[1]))
rows, x_new = nets.zero_crossings(x_fold[0], f)        # where each f_d changes sign
print("clipping adds", x_new.size, "joints, at x =", np.round(np.sort(x_new), 3))
assert np.allclose(f, fs[1]) and x_new.size == 9

# %% [markdown]
# The figure starts at that composition: every row of $\Psi$ is $\theta'_{d1}$ times network 1's
# weights $(3, -6, 6)$ with $\theta'_{d1} = 1$, and $\psi_{d0} = -t_d$, so $f_d = y - t_d$ is
# network 1's zig-zag lowered by network 2's joint $t_d$. Each column of sliders is one unit $d$
# of the second layer; the rows are $\psi_{d0}, \dots, \psi_{d3}$. The output weights $\phi'$
# stay at $(0, 4, -8, 8)$.

# %%
W.second_layer.show()

# %% [markdown]
# **What to notice**
# * Whatever you set, every $f_d$ bends only at the dashed lines, network 1's joints: a
#   weighted sum of $h_1, h_2, h_3$ cannot bend anywhere else.
# * The dots are the new joints. On $(0, 1)$ each $f_d$ has three straight pieces, and each
#   piece crosses zero at most once, so clipping adds at most nine joints; with network 1's two
#   joints inside $(0, 1)$ that makes at most 11 joints and 12 regions, which the start reaches.
# * Move a single $\psi_{dj}$ and the rows of $\Psi$ stop being multiples of one row: the net
#   is no longer two shallow nets composed but a general deep layer, with all nine weights free.
#   Random $\psi$ use little of that freedom: half of them make 5 regions or fewer (checked
#   below on 500 random settings), a small version of section 11's random deep nets.

# %%
draws = np.random.default_rng(1)
counts, added = [], []
for _ in range(500):  # random psi over the sliders' ranges
    v = {k: draws.uniform(-2, 2) if k.endswith("0") else draws.uniform(-8, 8) for k in W.PSI_DEFAULTS}
    d = W.compute_second_layer(**v)
    counts.append(d["n"])
    added.append(d["new_x"].size)
    bends = np.abs(np.diff(d["f"], 2, axis=1)).max(axis=0) > 1e-9   # where some f_d bends
    assert np.all(np.abs(W.X_FOLD[1:-1][bends, None] - [1 / 3, 2 / 3]).min(axis=1) < 2.3e-3)
assert max(counts) <= 12 and max(added) <= 9                      # the bounds above (bends:
# every f_d bent only next to network 1's joints 1/3 and 2/3, checked in the loop)
assert np.median(counts) <= 5                                     # half make 5 regions or fewer
d = W.compute_second_layer(**W.PSI_DEFAULTS)
assert d["n"] == 12 and d["new_x"].size == 9                      # the start reaches the bound

# %% [markdown]
# ## 9. Two inputs: folding the plane
#
# Composition works the same way with more inputs. Network 1 now has two inputs and three
# hidden units, network 2 is the one-input network of section 8:
#
# $$\text{network 1: } y = \phi_0 + \sum_{d=1}^{3} \phi_d\, a[\theta_{d0} + \theta_{d1} x_1 + \theta_{d2} x_2], \qquad \text{network 2: } y' = \phi'_0 + \sum_{d=1}^{3} \phi'_d\, a[\theta'_{d0} + \theta'_{d1} y],$$
#
# and **overall** $y'[y[x_1, x_2]]$, again one deep network (`compose_shallow` accepts any number
# of inputs for network 1). Network 1 starts as a hand-made *bowl*: its units switch along three
# lines $120°$ apart, and all three add, so $y$ is 0 on the triangle between the lines and
# rises on every side (it is scaled to run from 0 to 1 over the square shown, which moves no
# boundary). Every height $t$ in $(0, 1)$ is reached along a whole ring around the triangle:
# network 1 folds the plane so that each ring lands on one value of $y$. Network 2 bends at its
# three joints $t_1, t_2, t_3$, so each joint becomes a ring in the plane, the contour
# $y = t_d$, and that contour cuts every region of network 1 that it passes through.

# %%
W.deep_2d.show()

# %% [markdown]
# Within one region of network 1, $y$ is a plane and the region is convex, so the contour
# $y = t_d$ crosses it in one straight segment, splitting it in two, if $t_d$ lies strictly
# between the lowest and highest $y$ on the region. That predicts the overall count:
#
# $$N_{\text{overall}} = \sum_{R \,\in\, \text{regions of network 1}} \Big(1 + \#\{d : \min_R y < t_d < \max_R y\}\Big).$$
#
# The figure counts on its own grid of $121 \times 121$ points; below, the count on a grid three
# times finer and the prediction, for every network 1 of the figure with network 2 at its
# start:

# %%
# NBVAL_CHECK_OUTPUT
g = np.linspace(-3, 3, 361)
x_fine = np.stack([a.ravel() for a in np.meshgrid(g, g)])          # (2, 361 * 361)
t_start = (0.25, 0.5, 0.75)
for net1 in W.NET1_2D:
    theta_a, phi_a = W.net1_2d(net1)                                # network 1 (as in the figure)
    betas_2d, omegas_2d = nets.compose_shallow(theta_a, phi_a, *W.fold_net2(*t_start))
    fine = nets.count_regions(x_fine, betas_2d, omegas_2d)
    ids_1 = nets.region_ids(x_fine, *nets.shallow_as_deep(theta_a, phi_a))   # network 1's regions
    y_1 = nets.shallow_net(x_fine, theta_a, phi_a)[0]
    predicted = sum(1 + sum(y_1[ids_1 == r].min() < t < y_1[ids_1 == r].max() for t in t_start)
                    for r in range(ids_1.max() + 1))
    shown = W.compute_deep_2d(net1, *t_start)
    print(f"{net1:9s}: network 1 {shown['n1']} regions; overall: figure {shown['n']:2d}, "
          f"finer grid {fine:2d}, predicted {predicted:2d}")
    assert shown["n"] == fine == predicted

# %% [markdown]
# **What to notice**
# * The bowl's 7 regions become 23 in view. Each joint of network 2 adds a ring that can cross
#   all six of network 1's regions except the flat triangle (where $y = 0$), adding one region
#   in each: the joints at 0.25 and 0.5 add six each, the one at 0.75 only four, because two of
#   those regions never reach $y = 0.75$ inside the square.
# * Drag a joint of network 2 outside $[0, 1]$: its ring disappears, since network 1 never
#   outputs that $y$.
# * The random networks 1 fold the plane less (their $y$ rises mostly in one direction), so
#   their contours are open lines rather than rings, and cross fewer regions.
# * The same shape repeats around the ring: as in one dimension, depth buys regions with
#   symmetry.

# %%
shown = W.compute_deep_2d("bowl", *t_start)
assert shown["n1"] == 7 and shown["n"] == 23
alone = [W.compute_deep_2d("bowl", t, 1.1, 1.1)["n"] - 7 for t in t_start]  # one joint at a time
assert alone == [6, 6, 4] and sum(alone) == 23 - 7          # up to six each; 0.75's ring is cut
assert all(W.compute_deep_2d(net1, *t_start)["n"] < 23 for net1 in W.NET1_2D if net1 != "bowl")
for t in ("t1", "t2", "t3"):                                         # a joint outside [0, 1] ...
    moved = dict(zip(("t1", "t2", "t3"), t_start), **{t: 1.1})
    assert W.compute_deep_2d("bowl", **moved)["n"] < 23              # ... loses its ring

# %% [markdown]
# ## 10. Matrix notation
#
# The two-layer network of section 8 in vectors and matrices is
#
# $$h = a[\theta_0 + \theta x], \qquad h' = a[\psi_0 + \Psi h], \qquad y' = \phi'_0 + \phi' h',$$
#
# with the column vectors $\theta_0 = (\theta_{d0})$, $\theta = (\theta_{d1})$, $\psi_0 = (\psi_{d0})$,
# the $3 \times 3$ matrix $\Psi = (\psi_{dj})$ and the row vector $\phi' = (\phi'_d)$.
# Writing each layer as a matrix-vector product turns any depth into the same three lines. With
# $h_k$ the vector of activations of hidden layer $k$:
#
# $$h_1 = a[\beta_0 + \Omega_0 x], \qquad h_{k+1} = a[\beta_k + \Omega_k h_k]\ \ (k = 1, \dots, K-1), \qquad y = \beta_K + \Omega_K h_K .$$
#
# The parameters are $\phi = \{\beta_k, \Omega_k\}_{k=0}^{K}$. With $D_0 = D_i$ inputs and
# $D_{K+1} = D_o$ outputs, $\Omega_k$ has shape $(D_{k+1}, D_k)$ and $\beta_k$ has $D_{k+1}$
# entries. The output layer has no activation. (The notes call the parameters $\theta$ and give
# $\Omega_k$ the size $D_{k-1} \times D_k$ and $\beta_k$ the size $D_k$, which for $\Omega_0$
# contradicts their own $D_1 \times D_0$; we use $(D_{k+1}, D_k)$ throughout, the shape that
# makes $\Omega_k h_k$ defined.) In `dlcore` a deep network is the forward pass that every
# later chapter shares, `dlcore.layers.forward`, which keeps each layer's $f_k$ and $h_k$; the
# network's output is the last $f$:

# %%
show_source(nets.deep_net)

# %% [markdown]
# and the forward pass is the loop over layers, one line per equation:

# %%
show_source(layers.forward)

# %% [markdown]
# The same loop written out for one random network with widths $[2, 4, 3, 1]$, checked against
# `dlcore`:

# %%
# NBVAL_CHECK_OUTPUT
betas_r, omegas_r = nets.random_net([2, 4, 3, 1], np.random.default_rng(7))
x_batch = np.random.default_rng(8).normal(size=(2, 6))        # (D_i, I) = (2, 6)
h1 = np.maximum(betas_r[0][:, None] + omegas_r[0] @ x_batch, 0)  # (4, 6)  h_1 = a[beta_0 + Omega_0 x]
h2 = np.maximum(betas_r[1][:, None] + omegas_r[1] @ h1, 0)       # (3, 6)  h_2 = a[beta_1 + Omega_1 h_1]
y_hand = betas_r[2][:, None] + omegas_r[2] @ h2                  # (1, 6)  y = beta_2 + Omega_2 h_2
print("shapes of Omega_k:", [o.shape for o in omegas_r])
print("matches dlcore:", np.allclose(y_hand, nets.deep_net(x_batch, betas_r, omegas_r)))

# %% [markdown]
# ## 11. Deep versus shallow
#
# For one input and one output, with ReLUs:
#
# | | linear regions (at most) | parameters |
# |---|---|---|
# | shallow, $D$ units | $D + 1$ | $3D + 1$ |
# | deep, $K$ layers of $D$ units | $(D + 1)^K$ | $3D + 1 + (K - 1) D (D + 1)$ |
#
# Regions grow *exponentially* with depth but only linearly with width. The folding
# construction (each layer a zig-zag with $D$ teeth) shows how: every layer multiplies the count.
# With random weights a deep net typically gets far fewer. Try both:

# %%
W.depth.show()

# %%
for K in range(2, 7):  # every deep setting of the figure: random weights give far fewer regions
    for D in range(2, 7):
        folded = W.compute_depth(K, D, "folding (zig-zag)")["n"]
        assert W.compute_depth(K, D, "random weights")["n"] < folded / 4

# %% [markdown]
# **The lower-bound theorem** (Montúfar et al., 2014). A network with $n_0$ inputs and $L$
# hidden layers of widths $n_i \ge n_0$ can have at least
#
# $$\left(\prod_{i=1}^{L-1} \left\lfloor \frac{n_i}{n_0} \right\rfloor^{n_0}\right) \sum_{j=0}^{n_0} \binom{n_L}{j}$$
#
# linear regions: the earlier layers fold each of the $n_0$ input directions
# $\lfloor n_i / n_0 \rfloor$ times, and the last layer cuts every fold into Zaslavsky's number of
# regions. (The notes print the floor brackets $\lfloor\cdot\rfloor$ as plain square brackets
# and the binomial coefficient $\binom{n_L}{j}$ as a fraction; without the floor the count is not
# even an integer.) For $n_0 = 1$ it gives $D^{K-1}(D+1)$, exactly what the zig-zag achieves:

# %%
# NBVAL_CHECK_OUTPUT
x_unit = np.linspace(1e-7, 1 - 1e-7, 200001)[None, :]
print(" K  D  counted  Montufar  (D+1)^K  params")
for K, D in [(1, 3), (2, 3), (3, 3), (4, 3), (3, 5)]:
    b, o = nets.zigzag_net(D, K)
    counted, bound = nets.count_regions(x_unit, b, o), nets.montufar_lower_bound(1, [D] * K)
    print(f"{K:2d} {D:2d} {counted:8d} {bound:9d}"
          f" {nets.max_regions_deep_1d(D, K):8d} {nets.num_params_deep(1, [D] * K, 1):7d}")
    assert counted == bound == D ** (K - 1) * (D + 1)       # the zig-zag reaches the lower bound
    assert (bound < (D + 1) ** K) == (K >= 2)                # ... which is below (D+1)^K for K >= 2

# %% [markdown]
# The zig-zag spends one unit of every layer on carrying $y$ itself, so each layer makes only
# $D$ teeth. $(D + 1)^K$ is nevertheless **not** out of reach: for one input it is exactly the
# largest number of regions (Serra, Tjandraatmadja and Ramalingam, 2018). Here is one net with
# $K = 2$ layers of $D = 3$ units that reaches $(3 + 1)^2 = 16$: its first layer makes four teeth
# (widths 0.2, 0.2, 0.5, 0.1), each mapping its piece of $[0, 1]$ onto $[0, 1]$; two of its units
# face left, $a[0.4 - x]$ and $a[0.9 - x]$, which is how three units make four teeth.

# %%
# NBVAL_CHECK_OUTPUT
# layer 1: h = a[beta_0 + Omega_0 x] with joints at 0.2, 0.4, 0.9 (the last two face left)
beta_0, Omega_0 = np.array([-0.2, 0.4, 0.9]), np.array([[1.0], [-1.0], [-1.0]])
c = np.array([-10.0, 7.0, -12.0])           # teeth = 8 + c . h: up, down, up, down on [0, 1]
# layer 2: three units on the teeth, switching at 0.25, 0.5, 0.75; then the output
beta_1, Omega_1 = 8.0 - np.array([0.25, 0.5, 0.75]), np.tile(c, (3, 1))
beta_2, Omega_2 = np.zeros(1), np.array([[1.0, -2.0, 2.0]])
full = ([beta_0, beta_1, beta_2], [Omega_0, Omega_1, Omega_2])

x_tooth = np.array([[0.0, 0.2, 0.4, 0.9, 1.0]])              # the teeth's ends
teeth = 8.0 + c @ np.maximum(beta_0[:, None] + Omega_0 @ x_tooth, 0)   # (5,)
print("teeth at x = 0, 0.2, 0.4, 0.9, 1:", np.round(teeth, 6) + 0.0)  # + 0.0: never "-0."
n_full = nets.count_regions(x_unit, *full)
print("regions:", n_full, " (D+1)^K =", nets.max_regions_deep_1d(3, 2))
assert np.allclose(teeth, [0, 1, 0, 1, 0]) and n_full == 16

# %% [markdown]
# Now the comparison at equal parameter budgets. Left, one input: every point is a measured count
# (`count_regions` on a dense grid), shallow nets of width $D$ against folding nets of $K$ layers
# of three units. Right, two inputs: random shallow nets against Zaslavsky's count, and random
# deep nets of width 4 against the theorem's lower bound.

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.6))

# one input
x_unit = np.linspace(1e-7, 1 - 1e-7, 50001)[None, :]
shallow_D = np.array([2, 4, 8, 16, 32, 64, 128])
shallow_counts = []
for D in shallow_D:
    joints = (np.arange(D) + 0.5) / D                           # D joints inside (0, 1)
    theta_s = np.stack([-joints, np.ones(D)], axis=1)
    shallow_counts.append(nets.count_regions(x_unit, [theta_s[:, 0], np.zeros(1)],
                                             [theta_s[:, 1:], np.ones((1, D))]))
ax1.loglog([nets.num_params_shallow(1, D, 1) for D in shallow_D], shallow_counts, "o",
           color=COLORS[0], label="shallow (measured)")
ax1.loglog([nets.num_params_shallow(1, D, 1) for D in shallow_D], shallow_D + 1, "-",
           color=COLORS[0], alpha=0.5, label="$D + 1$")
Ks = np.arange(1, 7)
deep_counts = [nets.count_regions(x_unit, *nets.zigzag_net(3, K)) for K in Ks]
deep_params = [nets.num_params_deep(1, [3] * K, 1) for K in Ks]
ax1.loglog(deep_params, deep_counts, "s", color=COLORS[1], label="deep, D = 3 (measured)")
ax1.loglog(deep_params, [nets.max_regions_deep_1d(3, K) for K in Ks], "-", color=COLORS[1],
           alpha=0.5, label="$(D+1)^K$")
ax1.loglog(deep_params, [nets.montufar_lower_bound(1, [3] * K) for K in Ks], ":",
           color=COLORS[1], label="Montufar bound")
label(ax1, "parameters", "linear regions", "one input")
ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)  # below: no data hidden

# two inputs
g = np.linspace(-30, 30, 401)
x_plane = np.stack([a.ravel() for a in np.meshgrid(g, g)])    # (2, 160801)
sh_params, sh_counts, sh_max = [], [], []
for D in (2, 4, 8, 16, 32):
    theta_r, phi_r = W.random_shallow_2d(D, seed=3)
    sh_params.append(nets.num_params_shallow(2, D, 1))
    sh_counts.append(nets.count_regions(x_plane, [theta_r[:, 0], phi_r[:, 0]], [theta_r[:, 1:], phi_r[:, 1:]]))
    sh_max.append(nets.max_regions_shallow(D, 2))
ax2.loglog(sh_params, sh_counts, "o", color=COLORS[0], label="shallow, random (measured)")
ax2.loglog(sh_params, sh_max, "-", color=COLORS[0], alpha=0.5, label="Zaslavsky")
dp_params, dp_counts, dp_bound = [], [], []
x_small = x_plane / 10                                           # random deep nets cut near 0
for K in (1, 2, 3, 4):
    b, o = nets.random_net([2] + [4] * K + [1], np.random.default_rng(K))
    dp_params.append(nets.num_params_deep(2, [4] * K, 1))
    dp_counts.append(nets.count_regions(x_small, b, o))
    dp_bound.append(nets.montufar_lower_bound(2, [4] * K))
ax2.loglog(dp_params, dp_counts, "s", color=COLORS[1], label="deep D = 4, random (measured)")
ax2.loglog(dp_params, dp_bound, ":", color=COLORS[1], label="Montufar bound")
label(ax2, "parameters", "linear regions", "two inputs")
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)  # below: no data hidden
plt.show()

assert deep_params[-1] == 70 and 900 <= deep_counts[-1] <= 1100        # about 1,000 regions
assert nets.num_params_shallow(1, 23, 1) == 70 and shallow_D[0] + 1 == shallow_counts[0]
assert all(c == D + 1 for c, D in zip(shallow_counts, shallow_D))      # shallow: D + 1, slope 1
share = np.array(dp_counts[1:]) / np.array(dp_bound[1:])               # K = 2, 3, 4
assert np.all(share < 0.6) and np.all(np.diff(share) < 0)              # well short, ever more so


# %% [markdown]
# **What to notice**
# * Left: the shallow points lie on a line of slope 1 (regions proportional to parameters); the
#   deep points climb far faster: at 70 parameters the folding net has about 1,000 regions, a
#   shallow net with 70 parameters ($D = 23$) only 24.
# * The measured counts of the folding nets sit exactly on Montúfar's bound, which for $K \ge 2$
#   is below $(D+1)^K$: this construction reaches the lower bound, not $(D+1)^K$ (which the
#   16-region net above shows is reachable).
# * Right: random deep nets ($K \ge 2$) fall well short of the bound, the more so the deeper
#   they are. Having many regions is *possible* for a deep net; whether training finds such
#   weights, and whether the target needs them, is a different question.
# * More regions are not automatically better. Deep nets repeat shapes (the folds), so the
#   advantage is greatest when the function to learn is itself a composition of simpler parts.

# %% [markdown]
# ## Exercises
#
# Each exercise shows its task (`EX.<name>.show()`), then has a cell for your answer, a check
# cell (run it: it says *correct*, *not yet* with the reason, or *not attempted*), a hint, and a
# solution hidden in a collapsed cell.
#
# ### Exercise 1
# The three steps of section 1, written by you.

# %%
EX.shallow_by_hand.show()


# %%
def shallow_1d(x, theta, phi):
    return None  # your code here


EX.shallow_by_hand.check(shallow_1d)

# %%
EX.shallow_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.shallow_by_hand)

# %% [markdown]
# ### Exercise 2
# The joints of section 2, for any number of units.

# %%
EX.joints_by_hand.show()


# %%
def joint_positions(theta):
    return None  # your code here


EX.joints_by_hand.check(joint_positions)

# %%
EX.joints_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.joints_by_hand)

# %% [markdown]
# ### Exercise 3
# What `count_regions` does, for one input, written by you.

# %%
EX.regions_on_grid.show()


# %%
def count_regions_1d(x, theta):
    return None  # your code here


EX.regions_on_grid.check(count_regions_1d)

# %%
EX.regions_on_grid.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.regions_on_grid)

# %% [markdown]
# ### Exercise 4

# %%
EX.count_params.show()

# %%
answer_4 = None  # your answer: an integer
EX.count_params.check(answer_4)

# %%
EX.count_params.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.count_params)

# %% [markdown]
# ### Exercise 5
# The substitution of section 8, as code.

# %%
EX.compose_by_hand.show()


# %%
def compose(theta, phi, theta2):
    return None  # your code here


EX.compose_by_hand.check(compose)

# %%
EX.compose_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.compose_by_hand)

# %% [markdown]
# ### Exercise 6
# The three lines of section 10, for any depth.

# %%
EX.deep_by_hand.show()


# %%
def deep_forward(x, betas, omegas):
    return None  # your code here


EX.deep_by_hand.check(deep_forward)

# %%
EX.deep_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.deep_by_hand)

# %% [markdown]
# ### Exercise 7

# %%
EX.deep_regions.show()

# %%
answer_7 = None  # your answer: an integer
EX.deep_regions.check(answer_7)

# %%
EX.deep_regions.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.deep_regions)

# %% [markdown]
# ### Exercise 8

# %%
EX.montufar.show()

# %%
answer_8 = None  # your answer: an integer
EX.montufar.check(answer_8)

# %%
EX.montufar.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.montufar)

# %% [markdown]
# ## Summary
#
# * A shallow ReLU network computes $y = \phi_0 + \sum_d \phi_d\, a[\theta_{d0} + \theta_{d1} x]$
#   in three steps: linear functions, ReLU, weighted sum. Each hidden unit adds one **joint**, at
#   $x = -\theta_{d0} / \theta_{d1}$, so $D$ units give at most $D + 1$ linear regions. A
#   Heaviside activation gives steps instead, a sigmoid smooth steps, and a linear one only ever
#   a straight line.
# * Fitting means making a loss such as $\sum_i (f[x_i] - y_i)^2$ small; for fixed joints the
#   best output weights are one least-squares solve.
# * With enough units, a shallow network approximates any continuous function (universal
#   approximation); for smooth targets the error falls like $1/D^2$.
# * Several outputs share the joints; several inputs turn each unit into a plane clipped along
#   a hyperplane, and $D$ of them cut $\mathbb{R}^{D_i}$ into at most
#   $\sum_{j \le D_i} \binom{D}{j}$ regions.
# * A deep network is $h_1 = a[\beta_0 + \Omega_0 x]$, $h_{k+1} = a[\beta_k + \Omega_k h_k]$,
#   $y = \beta_K + \Omega_K h_K$. Each layer's pre-activations are a shallow network of the
#   layer below, with its joints; its ReLUs add new joints where they cross zero. Composition
#   folds the input (a line, or a plane into rings), so regions multiply: up to $(D+1)^K$ with
#   $3D + 1 + (K-1)D(D+1)$ parameters for one input, and at least Montúfar's bound for some
#   choice of weights.
#
# **Next:** chapter 02 asks how to *measure* how well such a function fits data: loss functions
# built from maximum likelihood.
