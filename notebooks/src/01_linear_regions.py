# %% [markdown]
# # 01 · Linear regions: what a ReLU network computes
#
# A neural network with ReLU activations is a machine for building **piecewise-linear
# functions**. In this chapter you take one apart. After it you can
#
# * compute a shallow network by hand in its three steps, and say where its *joints* are;
# * explain why D hidden units give at most D + 1 linear regions on a line, and why that is
#   enough to approximate any continuous function (universal approximation);
# * handle several inputs and outputs, and count parameters with the notation
#   $\beta_k, \Omega_k, h_k$;
# * see how composing networks *folds* the input, so depth multiplies the number of regions
#   while width only adds to it.
#
# **Prerequisites:** matrix-vector products and NumPy arrays. Nothing about training yet: every
# network here has its parameters set by hand, by a slider, or by a least-squares fit.
#
# **How to use it:** run the cells from top to bottom (*Run > Run All Cells*). Move the sliders
# under each interactive figure; every figure is redrawn from the maths in `dlcore`, the small
# package the course is built on. Exercises end with a check cell that tells you what is wrong.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import layers, nets
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
# ## 3. Universal approximation
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
# finding them is one least-squares solve. The three building blocks are shared with later
# chapters: evenly spaced joints and the fixed ReLU features $[1; a[x - t_d]]$ from
# `dlcore.features`, and the solve from `dlcore.linear`:

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
# ## 4. Several outputs
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
# ## 5. Several inputs
#
# With two inputs each hidden unit computes a *plane*, and the ReLU clips it to zero along the
# line where the plane crosses zero:
#
# $$h_d = a[\theta_{d0} + \theta_{d1} x_1 + \theta_{d2} x_2], \qquad y = \phi_0 + \sum_d \phi_d h_d .$$
#
# Those lines cut the input plane into convex polygons, and $y$ is a plane over each polygon.
# Left: the regions (one colour per ReLU pattern, white lines where each unit switches).
# Switch to *output y* to see the function itself: it is continuous across every line.

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
# ## 6. The general shallow network, and its terminology
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
# ## 7. Deep networks: two shallow networks composed
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
# ## 8. Matrix notation
#
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
# ## 9. Deep versus shallow
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

# %%
EX.count_params.show()

# %%
answer_2 = None  # your answer: an integer
EX.count_params.check(answer_2)

# %%
EX.count_params.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.count_params)

# %% [markdown]
# ### Exercise 3

# %%
EX.deep_regions.show()

# %%
answer_3 = None  # your answer: an integer
EX.deep_regions.check(answer_3)

# %%
EX.deep_regions.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.deep_regions)

# %% [markdown]
# ### Exercise 4

# %%
EX.montufar.show()

# %%
answer_4 = None  # your answer: an integer
EX.montufar.check(answer_4)

# %%
EX.montufar.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.montufar)

# %% [markdown]
# ## Summary
#
# * A shallow ReLU network computes $y = \phi_0 + \sum_d \phi_d\, a[\theta_{d0} + \theta_{d1} x]$
#   in three steps: linear functions, ReLU, weighted sum. Each hidden unit adds one **joint**, at
#   $x = -\theta_{d0} / \theta_{d1}$, so $D$ units give at most $D + 1$ linear regions.
# * With enough units, a shallow network approximates any continuous function (universal
#   approximation); for smooth targets the error falls like $1/D^2$.
# * Several outputs share the joints; several inputs turn joints into hyperplanes, and $D$ of
#   them cut $\mathbb{R}^{D_i}$ into at most $\sum_{j \le D_i} \binom{D}{j}$ regions.
# * A deep network is $h_1 = a[\beta_0 + \Omega_0 x]$, $h_{k+1} = a[\beta_k + \Omega_k h_k]$,
#   $y = \beta_K + \Omega_K h_K$. Composition folds the input, so regions multiply: up to
#   $(D+1)^K$ with $3D + 1 + (K-1)D(D+1)$ parameters, and at least Montúfar's bound for some
#   choice of weights.
#
# **Next:** chapter 02 asks how to *measure* how well such a function fits data: loss functions
# built from maximum likelihood.
