# %% [markdown]
# # 06 · Bias, variance and double descent: where test error comes from
#
# A model that fits its training data can still predict badly on new data. This chapter takes
# the test error apart. After it you can
#
# * name the three sources of test error (**noise**, **bias**, **variance**) and see each one
#   on a plot of many models fitted to many training sets;
# * derive $\mathbb{E}_{\mathcal{D}}\mathbb{E}_y[L] = \text{variance} + \text{bias}^2 + \sigma^2$
#   step by step, and check it numerically with `dlcore.generalization.bias_variance`;
# * read the **bias-variance trade-off** curve against model capacity, and say how more data
#   moves it;
# * reproduce **double descent** on MNIST-1D: test error rises to a peak where the model has
#   just enough parameters to fit every training point (the *interpolation threshold*), then
#   falls again as the model grows;
# * explain why a very large model can still generalise: among the many functions that fit the
#   data exactly, the *minimum-norm* one is smooth.
# * make a random-feature model a usable classifier (more data, more features, ridge), and
#   see double descent in networks whose every weight is trained with Adam;
# * say why high dimensions defy intuition: distances between random points concentrate, and
#   almost all of a ball's volume lies in a thin shell at its surface.
#
# **Prerequisites:** chapter 01 (shallow ReLU networks, $h = a[\beta + \Omega x]$) and chapter 02
# (least squares). Expectations $\mathbb{E}[\cdot]$ and variances of random variables.
#
# **How to use it:** run all cells from the top. Everything but one short PyTorch training run
# (section 7) is plain NumPy and takes seconds; the sliders redraw from the maths in `dlcore`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from dlcore import double_descent as DD   # random ReLU features on MNIST-1D
from dlcore import features              # chapter 01's fixed ReLU features
from dlcore import generalization as G   # noise, bias, variance; min-norm fits
from dlcore.data import mnist1d
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source
from dlcore.plots import PALETTE, label, new_figure
from dlcore.plots.generalization import (
    mark_threshold,
    plot_ball_volume,
    plot_capacity_curve,
    plot_distance_histograms,
    plot_double_descent,
    plot_relative_spread,
    plot_shell_fractions,
    plot_trained_sweep,
)
from dlcore.widgets import generalization as W

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(6)       # this chapter's exercises, in order

# %% [markdown]
# ## 1. Three sources of error
#
# **The data.** Every example is an input $x \in [0, 1]$ and a noisy target
#
# $$y = \mu[x] + \sigma\epsilon, \qquad \epsilon \sim \text{Norm}_\epsilon[0, 1], \qquad
# \mu[x] = \mathbb{E}_y[y \mid x] = \int y\, Pr(y \mid x)\, dy .$$
#
# $\mu[x]$ is the *true function* we would like to learn (here $\mu[x] = \exp(\sin(2\pi x))$), and
# $\sigma^2$ is the **noise**: the spread of $y$ around $\mu[x]$. (The notes write $N(x)$ for
# $\mu[x]$.) A training set $\mathcal{D} = \{x_i, y_i\}_{i=1}^{I}$ holds $I$ such examples.
#
# **The model.** A shallow ReLU network with $D$ hidden units whose joints are fixed, evenly
# spread over $[0, 1]$ at $t_1, \dots, t_D$ (so $\beta_d = -t_d$, $\Omega_d = 1$):
#
# $$f[x, \phi] = \phi_0 + \sum_{d=1}^{D} \phi_d\, a[x - t_d] = \phi\, H, \qquad
# H = \begin{bmatrix} 1 \\ a[\beta + \Omega x] \end{bmatrix}.$$
#
# Only the output weights $\phi$ are fitted, by least squares, which is linear in $\phi$ and so
# has a closed-form answer. $D$ is the **capacity** knob: $D = 0$ is a constant, large $D$ bends
# freely. These functions are the model: `G.relu_features` hands $\beta$ and $\Omega$ as one
# $\theta = [\beta, \Omega]$ to chapter 01's features, and `G.fit_min_norm` is the course's one
# least-squares fit, `dlcore.linear.least_squares`:

# %%
show_source(G.relu_features)
show_source(features.relu_features)

# %%
show_source(G.fit_min_norm)

# %% [markdown]
# Draw one training set of $I = 15$ points and fit it with $D = 3$ hidden units:

# %%
# NBVAL_CHECK_OUTPUT
x_train = G.sample_uniform(15, rng)                                   # (I,)
y_train = G.true_function(x_train) + 0.3 * rng.standard_normal(15)   # y = mu[x] + sigma eps
beta, omega = G.joint_params(3)                                       # 3 joints at 1/6, 1/2, 5/6
H = G.relu_features(x_train, beta, omega)                             # (1 + D, I) = (4, 15)
phi = G.fit_min_norm(H, y_train)                                      # (1 + D,)
print("H has shape", H.shape, "  phi =", np.round(phi, 3))
print("training loss sum (y - phi H)^2 =", round(float(np.sum((y_train - phi @ H) ** 2)), 3))

# %% [markdown]
# Where do the errors of such a fit on *new* data come from? Imagine fitting the same model to
# many training sets drawn from the same distribution. Each training set $\mathcal{D}$ gives its
# own parameters $\phi[\mathcal{D}]$ and its own function $f[x, \phi[\mathcal{D}]]$. Their average
#
# $$f_\mu[x] = \mathbb{E}_{\mathcal{D}}\big[f[x, \phi[\mathcal{D}]]\big]$$
#
# is what the model does "on average over training sets" (the notes call it $f_N[x]$; we write
# $f_\mu$ to match $\mu[x]$). Three things separate a prediction
# from a new target:
#
# * **noise** $\sigma^2$: $y$ scatters around $\mu[x]$ however good the model is; nothing
#   removes it;
# * **bias** $f_\mu[x] - \mu[x]$: even the average model misses $\mu[x]$, because the model is
#   too simple to represent it (this stays with infinitely many training sets);
# * **variance** of $f[x, \phi[\mathcal{D}]]$ around $f_\mu[x]$: each finite training set pulls
#   the fit towards its own noise. More data shrinks it.
#
# The figure fits 25 training sets (thin orange lines), averages them (blue) and compares with
# $\mu[x]$ (dashed). The bars are the three parts, averaged over $x \in [0, 1]$.

# %%
W.fits.show()


# %% [markdown]
# **What to notice**
# * With $D = 0$ or $1$ every fit is nearly the same straight line, far from $\mu[x]$: small
#   variance, large **bias**.
# * Raise $D$: the average fit (blue) hugs the dashed truth, so the bias falls, but the thin
#   lines fan out: the **variance** grows, because each fit also follows its own data set's noise.
# * Raise $I$ (more training points): the fan narrows (less variance) while the blue curve
#   hardly moves (the bias belongs to the model, not to the amount of data).
# * Set $\sigma = 0$: the noise bar disappears and so does most of the variance; what remains
#   comes from *where* the random $x_i$ fall.
#
# The cell below checks these statements on the figure's own numbers (`W.compute_fits` is what
# the sliders call):

# %%
def parts(D, I=15, sigma=0.3):
    """bias^2, variance, noise and their sum, as the bars of the figure show them."""
    return W.compute_fits(D, I, sigma)["parts"]


for D in (0, 1):  # nearly the same line every time, far from mu: bias dominates
    assert parts(D)["bias2"] > 10 * parts(D)["variance"]
assert parts(10)["bias2"] < parts(3)["bias2"] / 3           # more units: less bias ...
assert parts(10)["variance"] > 10 * parts(3)["variance"]    # ... and much more variance
assert parts(3, I=60)["variance"] < parts(3)["variance"] / 3            # more data: less variance,
assert abs(parts(3, I=60)["bias2"] / parts(3)["bias2"] - 1) < 0.05      # the same bias
assert parts(3, sigma=0.0)["variance"] < 0.2 * parts(3)["variance"]     # no noise: most variance gone
print("D = 3, I = 15:", {k: round(float(v), 3) for k, v in parts(3).items()})

# %% [markdown]
# ## 2. The squared error, taken apart
#
# Fix an input $x$ and a training set. The squared loss against a new noisy target $y[x]$ is
# $L[x] = (f[x, \phi] - y[x])^2$.
#
# **Step 1: separate the noise.** Add and subtract $\mu[x]$ inside the square and expand:
#
# $$\begin{aligned}
# L[x] &= \big( (f[x, \phi] - \mu[x]) + (\mu[x] - y[x]) \big)^2 \\
#      &= (f[x, \phi] - \mu[x])^2 + 2 (f[x, \phi] - \mu[x])(\mu[x] - y[x]) + (\mu[x] - y[x])^2 .
# \end{aligned}$$
#
# Take the expectation over the new target $y$. The model does not depend on $y$, and
# $\mathbb{E}_y[\mu[x] - y[x]] = 0$ by the definition of $\mu[x]$, so the middle term vanishes;
# the last term is the noise variance:
#
# $$\mathbb{E}_y\big[L[x]\big] = (f[x, \phi] - \mu[x])^2 + \sigma^2 .$$
#
# **Step 2: separate the variance.** The parameters depend on the training set,
# $\phi = \phi[\mathcal{D}]$. Add and subtract $f_\mu[x]$ in the first term:
#
# $$(f[x, \phi[\mathcal{D}]] - \mu[x])^2 = (f[x, \phi[\mathcal{D}]] - f_\mu[x])^2
#   + 2 (f[x, \phi[\mathcal{D}]] - f_\mu[x])(f_\mu[x] - \mu[x]) + (f_\mu[x] - \mu[x])^2 .$$
#
# Take the expectation over training sets. $f_\mu[x] - \mu[x]$ is a constant, and
# $\mathbb{E}_{\mathcal{D}}[f[x, \phi[\mathcal{D}]] - f_\mu[x]] = f_\mu[x] - f_\mu[x] = 0$, so again
# the cross term vanishes. Putting both steps together:
#
# $$\boxed{\;\mathbb{E}_{\mathcal{D}}\Big[\mathbb{E}_y\big[L[x]\big]\Big] =
#   \underbrace{\mathbb{E}_{\mathcal{D}}\Big[\big(f[x, \phi[\mathcal{D}]]
#   - f_\mu[x]\big)^2\Big]}_{\text{variance}}
# + \underbrace{\big(f_\mu[x] - \mu[x]\big)^2}_{\text{bias}^2}
# + \underbrace{\sigma^2}_{\text{noise}}\;}$$
#
# In code, with one row of predictions per training set, $f_\mu$ is a mean over axis 0 and the
# other two lines are the two terms:

# %%
show_source(G.decompose)

# %% [markdown]
# `bias_variance` does the whole experiment: draw `n_datasets` training sets, fit each, predict
# on a grid of test inputs, decompose. It also measures the expected error *directly*, against
# freshly drawn noisy targets, which is the left-hand side of the box. If the derivation is
# right, `mse` equals `bias2 + variance + noise` up to Monte-Carlo error.

# %%
show_source(G.bias_variance)

# %%
# NBVAL_CHECK_OUTPUT
x_test = np.linspace(0, 1, 101)
table = {}
print(" D   bias^2  variance  noise   sum     mse (measured)")
for D in (1, 3, 6):
    r = G.bias_variance(G.shallow_fitter(D), G.true_function, G.sample_uniform, x_test,
                        sigma=0.3, n_datasets=600, n_points=15, rng=np.random.default_rng(D))
    total = r["bias2"] + r["variance"] + r["noise"]
    print(f"{D:2d}   {r['bias2']:.3f}   {r['variance']:.3f}    {r['noise']:.3f}   {total:.3f}"
          f"   {r['mse']:.3f}")
    assert abs(total - r["mse"]) < 0.01 * r["mse"]  # the two sides agree to within 1 %
    table[D] = r
assert 25 < table[1]["bias2"] / table[6]["bias2"] < 40         # bias: down by about 30
assert table[1]["variance"] < table[3]["variance"] < table[6]["variance"]  # variance: up

# %% [markdown]
# **What to notice**
# * The measured error and the sum of the three parts agree to within 1 %, the size of the
#   Monte-Carlo error of 600 training sets; the derivation holds.
# * From $D = 1$ to $D = 6$ the bias drops by a factor of about 30 while the variance grows: the
#   total still improves here, but the two terms pull in opposite directions.
# * The noise $0.3^2 = 0.09$ is a floor: no model, however good, gets below it on average.

# %% [markdown]
# ## 3. The bias-variance trade-off
#
# Sweep the capacity $D$ and record the three parts. `capacity_curve` runs `bias_variance` once
# per $D$. To keep the Monte-Carlo curves smooth, the inputs now sit on a fixed grid
# (`sample_grid`) and the training sets differ only in their noise; the decomposition is the
# same. We compare $I = 15$ and $I = 40$ training points.

# %%
Ds = np.arange(0, 13)
curve_15 = G.capacity_curve(Ds, sigma=0.3, n_datasets=100, n_points=15,
                            rng=np.random.default_rng(1))
curve_40 = G.capacity_curve(Ds, sigma=0.3, n_datasets=100, n_points=40,
                            rng=np.random.default_rng(2))

fig, axes = new_figure(1, 2, figsize=(9, 3.2), sharey=True)
for ax, curve, I in zip(axes, (curve_15, curve_40), (15, 40), strict=True):
    plot_capacity_curve(ax, curve)
    best = curve["D"][np.argmin(curve["mse"])]
    ax.axvline(best, color=PALETTE["green"], linewidth=1, linestyle=":")
    ax.set_title(f"I = {I} training points: best D = {best}")
axes[0].legend(fontsize=7)
axes[1].set_ylabel("")
plt.show()

# %% [markdown]
# **What to notice**
# * Bias (blue) falls as $D$ grows: more joints let the model follow $\exp(\sin(2\pi x))$.
#   (Not strictly: three evenly spaced joints happen to suit this curve worse than two. And at
#   $D = 12$ for $I = 15$ the *estimate* of the bias jumps: the average of 100 fits still
#   carries $1/100$ of their large variance.)
# * Variance (orange) rises with $D$, at almost every step: every extra free parameter is
#   another way to fit the noise.
# * Their sum plus the noise floor (black) is U-shaped. The bottom of the U is the best
#   capacity *for this much data*. For $I = 15$ the right arm of the U steepens fast as
#   $1 + D$ approaches $I$ (at $D = 12$ the error is ten times its minimum); section 4 follows
#   it further.
# * With $I = 40$ the variance is lower at every $D$ and the best $D$ moves to the right. The
#   bottom of this U is wide: every $D$ from 7 to 12 comes within 7 % of the best error. More
#   data pays for a more flexible model.

# %%
c15, c40 = curve_15, curve_40
assert c15["bias2"][3] > c15["bias2"][2] and c15["bias2"][12] > 10 * c15["bias2"][11]
assert c15["bias2"][-2] < c15["bias2"][0] / 100 and c40["bias2"][-1] < c40["bias2"][0] / 100
for c in (c15, c40):
    assert np.sum(np.diff(c["variance"]) > 0) >= 10     # rises at 10 or more of the 12 steps
assert c15["mse"][-1] > 10 * c15["mse"].min()          # the right arm for I = 15
assert np.all(c40["variance"] < c15["variance"])       # more data: less variance at every D
best_15, best_40 = np.argmin(c15["mse"]), np.argmin(c40["mse"])
assert best_40 > best_15 and np.all(c40["mse"][7:] < 1.07 * c40["mse"].min())
print("best D:", {"I = 15": int(Ds[best_15]), "I = 40": int(Ds[best_40])})

# %% [markdown]
# ## 4. Past the trade-off: double descent on the toy problem
#
# The U-shape suggests that a bigger model only gets worse. Keep going anyway. With $I = 15$
# points the model has $1 + D$ output weights; at $1 + D = I$ it has exactly enough to pass
# through every training point, the **interpolation threshold**. Beyond it there are *more*
# parameters than points, infinitely many $\phi$ fit the data exactly, and `fit_min_norm`
# returns the one with the smallest norm $\|\phi\|$.
#
# The slider moves along the capacity axis. Left: one training set and its fit. Right: the
# decomposition for 24 capacities from 0 to 300, averaged over 60 noisy training sets each,
# with the slider's position marked. (The right-hand curve is computed the first time the
# figure is drawn and then reused, so the slider only refits one data set.)

# %%
W.double_descent_1d.show()

# %% [markdown]
# **What to notice**
# * Left of the threshold you see the U of section 3. Near $1 + D = I$ the variance explodes
#   by many orders of magnitude: with just enough parameters there is exactly one function
#   that hits all 15 noisy points, and it must swing wildly between them to do it.
# * Move to $D = 14$ and look at the fit, then at $D = 13$ and $D = 16$.
# * Past the threshold the error comes **down again**, and stays below 0.2, not far above the
#   bottom of the U (about 0.15), all the way to $D = 300$ (twenty times more parameters than
#   points). The fit passes through every point, noise included, yet is smooth between them.
# * Its norm $\|\phi\|$ (bottom left) is largest at the threshold, over a thousand times
#   larger than anywhere past it. Past the threshold it is not monotone at first: it rises
#   from $D = 15$ to $D = 17$, then falls, with small wobbles from one $D$ to the next (the
#   joints move relative to the points), to a fifth of its value at $D = 17$ by $D = 300$.
# * This second descent, after the classical U, is **double descent**.
#
# The numbers behind these statements, from the figure's own functions:

# %%
toy = W.toy_curve()                                       # the right-hand panel
mse = dict(zip(toy["D"], toy["mse"], strict=True))
variance = dict(zip(toy["D"], toy["variance"], strict=True))
norm = {D: W.compute_one_fit(D)["norm"] for D in range(0, 301)}   # the left panel's ||phi||
past = [D for D in norm if D > 14]                        # past the threshold 1 + D = I = 15
bottom_of_u = min(mse[D] for D in mse if D <= 12)
assert variance[14] > 1e4 * variance[10]                  # the explosion at the threshold
assert 0.14 < bottom_of_u < 0.16 and max(mse[D] for D in mse if D > 14) < 0.2
assert max(norm, key=norm.get) == 14                      # largest at the threshold,
assert norm[14] > 1000 * max(norm[D] for D in past)       # by far
assert max(past, key=norm.get) == 17 and norm[15] < norm[17]     # rises from 15 to 17 ...
assert all(norm[D] < norm[17] for D in past if D > 17)   # ... then falls,
assert 4.5 < norm[17] / norm[300] < 5.5                   # to a fifth by D = 300
print(f"test error: bottom of the U {bottom_of_u:.3f}, worst past the threshold "
      f"{max(mse[D] for D in mse if D > 14):.3f}")
print("||phi|| at D = 14, 15, 17, 300:", [f"{norm[D]:.3g}" for D in (14, 15, 17, 300)])

# %% [markdown]
# ## 5. Double descent on MNIST-1D
#
# Now a real data set: MNIST-1D, 40-sample signals ($D_i = 40$ inputs) of the ten digits,
# generated locally by the `mnist1d` package. The model is again a shallow ReLU net whose
# hidden layer is fixed, now *random*:
#
# $$h = a[\beta + \Omega x], \quad \beta_d \sim \text{Norm}[0, 0.5^2], \quad
# \Omega_{dj} \sim \text{Norm}[0, 1/D_i], \quad
# f[x, \phi] = \phi \begin{bmatrix} 1 \\ h \end{bmatrix}, \quad
# \phi \in \mathbb{R}^{10 \times (1 + D)},$$
#
# fitted by minimum-norm least squares to one-hot targets. Each class's output row is a
# separate least-squares problem with $1 + D$ unknowns and $I$ equations, so the interpolation
# threshold is at $1 + D = I$. We use $I = 400$ training examples and sweep $D$ from 10 to 1600.
# With `label_noise = 0.2`, a fifth of the training labels are redrawn at random first (as
# noise $\sigma^2$ did in the toy problem), which the model then memorises.
#
# `random_feature_curve` fits all the widths at once (a model of width $D$ uses the first $D$
# random units, so the models are nested; the function's docstring explains a shortcut for the
# pseudo-inverse). It takes a few seconds.

# %%
data = mnist1d(seed=42, num_samples=1250)          # rows are examples: 1000 train, 250 test
I = 400
x_tr, y_tr = data["x"][:I].T, data["y"][:I]        # (40, I) columns, as in the notes
x_te, y_te = data["x_test"].T, data["y_test"]      # (40, 250)
widths = [10, 30, 100, 200, 300, 350, 380, 399, 420, 450, 520, 650, 1000, 1600]
curves = {p: DD.random_feature_curve(x_tr, y_tr, x_te, y_te, widths, np.random.default_rng(0),
                                     label_noise=p)
          for p in (0.0, 0.2)}
print("interpolation threshold: D =", DD.interpolation_threshold(I))

# %%
fig, axes = new_figure(1, 3, figsize=(11, 3.2))
colors = {0.0: PALETTE["blue"], 0.2: PALETTE["orange"]}
for p, c in curves.items():
    name = f"label noise {p:.0%}"
    plot_double_descent(axes[0], c, I, what="test_error", name=name, color=colors[p])
    plot_double_descent(axes[1], c, I, what="test_mse", name=name, color=colors[p], train=False)
    axes[2].plot(c["D"], c["phi_norm"], marker=".", color=colors[p], label=name)
axes[0].set_ylabel("fraction misclassified")
axes[0].set_title("test and training error")
axes[1].set_title("test squared error")
axes[2].set_title(r"norm of the fitted weights $\phi$")
axes[0].legend(fontsize=7, loc="lower right", bbox_to_anchor=(1, 0.06))
axes[1].set_yscale("log")
axes[1].set_ylabel(r"test MSE $\|f - $one-hot$\|^2$")
axes[2].set_xscale("log")
axes[2].set_yscale("log")
mark_threshold(axes[2], I - 1)
label(axes[2], "hidden units $D$ (log scale)", r"$\|\phi\|$")
plt.show()

# %% [markdown]
# **What to notice**
# * Training error (dotted) reaches zero before the threshold and stays there: from then on
#   every model fits its training set, noisy labels included.
# * Test error first falls, then **climbs to a peak at $1 + D = I = 400$**, then falls again
#   as $D$ grows. Without label noise it ends, at $D = 1600$, about as low as its first
#   minimum at $D = 100$: the two differ by less than 0.05, about what 250 test signals can
#   resolve (one standard error of an error rate near 0.7 is 0.03), so this experiment cannot
#   say which is lower. The test MSE (middle, log scale) shows the peak even more sharply.
# * The norm of the fitted weights (right) peaks at the same place: at the threshold the only
#   exact fit needs huge, finely balanced weights.
# * With 20 % label noise (orange) the test error is higher at most widths (near the
#   threshold both are equally bad), and it still ends higher at $D = 1600$: past the
#   threshold the model memorises every wrong label too, and spare parameters only partly
#   keep that from spoiling its answers elsewhere.
# * Random features are a weak model for MNIST-1D as used here (the best test error is still
#   above 60 %); the point is the *shape* of the curve. Section 6 makes the model a usable
#   classifier, and section 7 finds the same shape in networks whose every weight is trained.

# %%
clean, noisy = curves[0.0], curves[0.2]
at = {D: k for k, D in enumerate(widths)}                 # index of each width
for c in (clean, noisy):
    assert np.all(c["train_error"][at[300]:] == 0)        # zero training error before D = 399
    for key in ("test_error", "test_mse", "phi_norm"):    # all three peak at the threshold
        assert widths[np.argmax(c[key])] == DD.interpolation_threshold(I)
first_min = clean["test_error"][:at[399]].min()
assert widths[np.argmin(clean["test_error"][:at[399]])] == 100
assert abs(clean["test_error"][-1] - first_min) < 0.05    # ends about as low as its first minimum
assert np.sum(noisy["test_error"] > clean["test_error"]) > len(widths) / 2   # noise: higher mostly
assert noisy["test_error"][-1] > clean["test_error"][-1]
assert min(clean["test_error"].min(), noisy["test_error"].min()) > 0.6
print(f"test error without label noise: first minimum {first_min:.3f} (D = 100), "
      f"at D = 1600 {clean['test_error'][-1]:.3f}")

# %% [markdown]
# ## 6. A better random-feature classifier
#
# The curves of section 5 have the right shape, but a model that misclassifies more than 60 %
# of the test signals looks broken. It is not broken, it is starved. Three things help:
#
# * **Standardised inputs.** Random features $a[\beta + \Omega x]$ with
#   $\Omega_{dj} \sim \text{Norm}[0, 1/D_i]$ work best when each input is of order one, so
#   that the pre-activations and the biases $\beta_d$ are on the same scale. MNIST-1D's signals
#   already come standardised (mean 0, standard deviation 1 over the training set, checked
#   below), so there is nothing to gain here; on raw data this is the first thing to do.
# * **More data.** Use all $I = 1000$ training signals instead of 400. The threshold moves to
#   $D = 999$.
# * **More features, and ridge at the end.** Go to $D = 4000$ random units, and fit the last
#   model by ridge regression, $\phi = Y H^T (H H^T + \lambda 1)^{-1}$ with $\lambda = 100$
#   (`lam=100.0`): the penalty $\lambda \|\phi\|^2$ stops the fit from memorising every noisy
#   detail of the training set. Chapter 07 is about exactly this.
#
# Both are calls of `random_feature_curve`, whose `lam=100.0` switches the fit from minimum
# norm to ridge (the cell takes a few seconds):

# %%
# NBVAL_CHECK_OUTPUT
x_all, y_all = data["x"].T, data["y"]              # (40, 1000): all the training signals
assert abs(x_all.mean()) < 0.01 and abs(x_all.std() - 1) < 0.01    # already standardised
wide = [300, 999, 4000]
big = DD.random_feature_curve(x_all, y_all, x_te, y_te, wide, np.random.default_rng(0))
ridge = DD.random_feature_curve(x_all, y_all, x_te, y_te, [4000], np.random.default_rng(0),
                                lam=100.0)                 # the same 4000 features, lam = 100
H_lin = np.vstack([np.ones(1000), x_all])          # (41, 1000): a linear classifier, [1; x]
phi_lin = G.fit_min_norm(H_lin, DD.one_hot(y_all, 10))               # (10, 41)
linear_error = np.mean((phi_lin @ np.vstack([np.ones(250), x_te])).argmax(axis=0) != y_te)
best_before = min(clean["test_error"].min(), noisy["test_error"].min())   # section 5
best_now = ridge["test_error"][0]
print(f"linear classifier: {linear_error:.3f}   random features, section 5: {best_before:.3f}")
print("I = 1000, min-norm:", dict(zip(wide, np.round(big["test_error"], 3).tolist())))
print(f"I = 1000, D = 4000, ridge lam = 100: {best_now:.3f}")

# %%
fig, ax = new_figure(figsize=(7, 3.3))
plot_double_descent(ax, clean, I, name="I = 400 (section 5)", color=PALETTE["blue"],
                    train=False)
plot_double_descent(ax, big, 1000, name="I = 1000, min-norm", color=PALETTE["green"],
                    train=False)
ax.plot([4000], [best_now], "*", color=PALETTE["vermillion"], markersize=14,
        label=r"I = 1000, D = 4000, ridge $\lambda = 100$")
ax.axhline(linear_error, color=PALETTE["grey"], linestyle="-.", linewidth=1.2,
           label="linear classifier, I = 1000")
ax.axhline(0.9, color=PALETTE["black"], linestyle=":", linewidth=1, label="chance (10 classes)")
ax.set_ylabel("test error (fraction misclassified)")
ax.legend(fontsize=7, loc="lower left")
plt.show()

# %%
assert round(best_before, 3) == 0.680 and round(best_now, 3) == 0.512   # as the text says
assert best_now < big["test_error"].min() < best_before          # each change helps
assert big["test_error"][wide.index(999)] == big["test_error"].max()   # still a peak at 999
assert round(linear_error, 2) == 0.74 and ridge["train_error"][0] > 0   # ridge: no interpolation

# %% [markdown]
# **What to notice**
# * The best test error falls from 0.680 (section 5) to **0.512**: about half the signals are now
#   classified correctly, against 10 % by chance and about a quarter (error 0.74) for a linear
#   classifier on the raw signals. MNIST-1D is hard on purpose (the digits are shifted,
#   scaled and noisy); networks that know about translations (chapter 08) do much better.
# * With four times as many features as data ($D = 4000$) the min-norm fit alone beats every
#   model of section 5; the peak at the new threshold $D = 999$ is still there.
# * Ridge gives up interpolation (a few training signals are now misclassified) and gains on
#   the test set: the classical trade-off, applied at the far end of the double-descent curve.

# %% [markdown]
# ## 7. Double descent in trained networks
#
# In sections 4-6 only the output weights $\phi$ were fitted, by a formula. Does the same
# happen when *every* weight is trained by an optimiser? Take shallow networks
# $f = \phi\,[1; a[\beta + \Omega x]]$ with $D_i = 40$ inputs, $D$ hidden units and $K = 10$
# outputs, and train all of $\beta, \Omega, \phi$ with full-batch Adam (chapter 03) on the
# squared error to the one-hot targets, on $I$ MNIST-1D signals of which 20 % carry a random
# label. A network of width $D$ has
#
# $$P = (D_i + 1) D + (D + 1) K$$
#
# parameters and has to fit $I K$ target numbers, so we expect the interpolation threshold
# near $P = I K$, at width $D = (I K - K)/(D_i + 1 + K)$. (With trained hidden layers the count
# is only a guide: the threshold is where the training error first reaches zero.)
#
# `width_sweep` trains all the widths side by side in one loop (each width's gradient is
# exactly what it would be alone; the module's docstring explains how). This is the loop:

# %%
from dlcore import double_descent_torch as DDT  # PyTorch: only this section uses it

show_source(DDT.fit_widths)

# %% [markdown]
# A sweep that reaches far past the threshold with enough data to see it clearly takes about
# ten minutes on a busy two-core machine, far too long for this notebook. So we run a
# **reduced sweep** live: $I = 200$ signals (threshold near $D = 39$), four widths, 800 steps.

# %%
import torch

torch.manual_seed(0)
torch.set_num_threads(1)  # on a busy 2-core machine one thread is much faster
LIVE = DDT.SweepConfig(n_train=200, label_noise=0.2, steps=800, lr=0.005, seed=0)
live_widths = [8, 16, 40, 256]
live = DDT.width_sweep(data, live_widths, LIVE)

# %% [markdown]
# The **full sweep** below (right) was *not* computed in this notebook: it is read from
# `dlcore/double_descent_sweep.json`, which `scripts/double_descent_sweep.py` wrote (run it
# with `.venv/bin/python scripts/double_descent_sweep.py`; it took 605 s on a busy machine). It
# uses $I = 1000$ training signals, 1000 test signals, 14 widths from 2 to 1024 and 1500 Adam
# steps; everything else is as in the live sweep.

# %%
full = DD.trained_sweep()
fig, axes = new_figure(1, 2, figsize=(11, 3.4), sharey=True)
plot_trained_sweep(axes[0], live["params"], live["test_error"], live["train_error"],
                   DDT.n_params(DDT.threshold_width(LIVE.n_train)), name="test, live")
axes[0].set_title(f"live: I = {LIVE.n_train}, widths {live_widths}")
plot_trained_sweep(axes[1], full["params"], full["test_error"][0], full["train_error"][0],
                   DDT.n_params(full["threshold_width"]), name="test, full sweep",
                   color=PALETTE["orange"])
axes[1].set_title("full sweep, I = 1000 (from scripts/double_descent_sweep.py)")
for ax in axes:
    ax.legend(fontsize=7, loc="lower left")
plt.show()

# %%
# The live sweep: PyTorch training, so numbers may differ slightly between machines (no
# NBVAL_CHECK_OUTPUT here)
print("live (I = 200):  width", live_widths)
print("  train error", np.round(live["train_error"], 3).tolist())
print("  test error ", np.round(live["test_error"], 3).tolist())
assert np.all(live["train_error"][2:] == 0) and live["train_error"][1] > 0   # from D = 40
assert np.ptp(live["test_error"]) < 0.12                      # all within a band ~0.1 wide

# %%
# NBVAL_CHECK_OUTPUT
te, tr, Ds_full = full["test_error"][0], full["train_error"][0], full["D"]
i_min = int(np.argmin(te[Ds_full < full["threshold_width"]]))   # the first minimum ...
peak = i_min + int(np.argmax(te[i_min:]))                       # ... and the peak after it
first_min = te[i_min]
print("full sweep (I = 1000), threshold width", round(full["threshold_width"], 1))
print("  test error:", dict(zip(Ds_full.tolist(), np.round(te, 3).tolist())))
print(f"  first minimum {first_min:.3f} (D = {Ds_full[i_min]}), "
      f"peak {te[peak]:.3f} (D = {Ds_full[peak]}), at D = 1024 {te[-1]:.3f}")
assert Ds_full[peak] == 192 and abs(192 - full["threshold_width"]) < 5   # peak at P ~ I K
assert Ds_full[i_min] == 32 and te[peak] - first_min > 0.08
assert te[-1] < first_min                                      # ends below the first minimum
assert np.all(tr[Ds_full >= 128] == 0) and tr[Ds_full == 96][0] > 0   # interpolates from 128

# %% [markdown]
# **What to notice**
# * **Full sweep (right).** The test error falls to 0.668 at $D = 32$, rises to a peak of
#   0.751 at $D = 192$, right next to the predicted threshold $D \approx 196$ ($P \approx I K
#   = 10\,000$), and falls again to 0.649 at $D = 1024$. The training error (dotted) reaches
#   zero at $D = 128$, a little before $P = I K$: trained hidden units are more flexible than
#   fixed random ones. The rise (0.08) is about six standard errors of a 1000-signal test
#   set (0.014); the final value is only a little below the first minimum (within noise).
# * **Live sweep (left).** With $I = 200$ signals the training error reaches zero at
#   $D = 40$, at the threshold, as predicted. But its test errors all lie in a band about
#   0.1 wide, and with only 250 test signals (one standard error about 0.025) this small
#   sweep does **not** show a clear peak at the threshold: see the numbers printed above. Double descent is a
#   real effect, but a modest one in trained networks; it takes enough widths, data and test
#   signals to see it above the noise, which is why the full sweep lives in a script.
# * Both panels have the same ingredients as the random-feature curves: label noise that the
#   model must memorise, and a model just big enough to do so at the threshold.

# %% [markdown]
# ## 8. Why bigger models generalise again
#
# Past the threshold, $\phi H = y$ has more unknowns ($1 + D$) than equations ($I$). If $\phi$
# fits the data, so does $\phi + v$ for every $v$ with $v H = 0$ (the *null space*), a space of
# $1 + D - I$ dimensions. Which interpolant we get is decided not by the data but by the
# fitting procedure.
#
# The minimum-norm solution $\phi_{\min} = y H^{+}$ (the pseudo-inverse) is a combination of the
# rows of $H^T$, the data's own feature vectors, so it is orthogonal to every null-space
# direction, and by Pythagoras
#
# $$\|\phi_{\min} + v\|^2 = \|\phi_{\min}\|^2 + \|v\|^2 \;\ge\; \|\phi_{\min}\|^2 .$$
#
# Small weights $\phi_d$ mean small changes of slope at each joint, so the minimum-norm
# interpolant bends as little as it can between the points: a smooth function. Check it on
# ten points with $D = 60$:

# %%
# NBVAL_CHECK_OUTPUT
x10 = G.sample_uniform(10, np.random.default_rng(3))
y10 = G.true_function(x10) + 0.3 * np.random.default_rng(4).standard_normal(10)
beta, omega = G.joint_params(60)
H = G.relu_features(x10, beta, omega)              # (61, 10): more unknowns than equations
phi_min = G.fit_min_norm(H, y10)                   # (61,)
N = G.null_space(H)                                # (61, 51): v = N c satisfies v H = 0
v = N @ np.random.default_rng(5).standard_normal(N.shape[1])
print("null-space dimension:", N.shape[1])
print("both fit the data:   ", np.allclose(phi_min @ H, y10), np.allclose((phi_min + v) @ H, y10))
print("||phi_min||^2 + ||v||^2 =", round(float(phi_min @ phi_min + v @ v), 1),
      " ||phi_min + v||^2 =", round(float((phi_min + v) @ (phi_min + v)), 1))
pythagoras = np.isclose(phi_min @ phi_min + v @ v, (phi_min + v) @ (phi_min + v), rtol=1e-9)
print("the two agree to 1e-9:", pythagoras)
assert N.shape[1] == 51 and pythagoras

# %% [markdown]
# Move along the null space yourself. The orange curve passes through every point for *any*
# step (its error on the data stays at rounding level), but it is never smaller, and rarely
# smoother, than the blue minimum-norm one. `direction` picks which null-space direction
# (0 = the one that moves the function most).

# %%
W.interpolants.show()

# %% [markdown]
# Nobody asked for the minimum norm explicitly in a neural network; it comes from the
# optimiser. Gradient descent on the least-squares loss, started from $\phi = 0$, moves along
# $\partial L / \partial \phi = -2 (y - \phi H) H^T$: always a combination of the rows of
# $H^T$. It can never pick up a null-space component, so when it converges to an exact fit it
# converges to $\phi_{\min}$. This is *implicit regularisation*, the subject of chapter 07.
#
# Below: gradient descent with momentum (chapter 03, $m \leftarrow \beta m + (1 - \beta)
# \partial L/\partial\phi$, $\phi \leftarrow \phi - \alpha m$); momentum only speeds it up, since
# $m$ is also a combination of gradients. Plain gradient descent gets there too, but this
# $H$ is badly conditioned: with the same step size and no momentum, 10 000 steps leave it
# more than 1 away from $\phi_{\min}$, and it needs about a hundred times more steps to come
# within $10^{-4}$ (the cell works this out in closed form, without running them).

# %%
# NBVAL_CHECK_OUTPUT
phi_gd, m = np.zeros(H.shape[0]), np.zeros(H.shape[0])   # start at phi = 0
beta_m = 0.99                                            # momentum
alpha = 0.5 / (1 - beta_m) / np.linalg.norm(H, 2) ** 2   # a stable step for this H
for _ in range(10000):
    grad = -2 * (y10 - phi_gd @ H) @ H.T                 # dL/dphi for L = sum (y - phi H)^2
    m = beta_m * m + (1 - beta_m) * grad
    phi_gd = phi_gd - alpha * m
print("training loss after GD:", round(float(np.sum((y10 - phi_gd @ H) ** 2)), 6))
print("||phi_gd - phi_min|| =", round(float(np.linalg.norm(phi_gd - phi_min)), 4),
      "  null-space component:", round(float(np.linalg.norm(N.T @ phi_gd)), 6))
assert np.linalg.norm(phi_gd - phi_min) < 1e-4 and np.linalg.norm(N.T @ phi_gd) < 1e-9

# Plain gradient descent from 0 with step 0.5 / s_max^2, in closed form: with H = U diag(s) V^T,
# phi_t - phi_min = -U diag((1 - 2 alpha s^2)^t) U^T phi_min.
U, s, _ = np.linalg.svd(H, full_matrices=False)
alpha_plain = 0.5 / s[0] ** 2


def plain_gd_distance(t):
    """||phi_t - phi_min|| after t steps of plain gradient descent from phi = 0."""
    return np.linalg.norm((1 - 2 * alpha_plain * s ** 2) ** t * (U.T @ phi_min))


assert plain_gd_distance(10_000) > 1 and plain_gd_distance(100_000) > 1e-4 > plain_gd_distance(1_000_000)

# %% [markdown]
# **What to notice**
# * The interpolants form a whole affine space (here 51-dimensional); the data cannot choose
#   among them, the algorithm does.
# * Steps along the null space add wiggles *between* the data points, exactly where the test
#   error is measured. The minimum-norm choice adds none.
# * Gradient descent from zero ends at (very nearly) $\phi_{\min}$, with no null-space component
#   at all. With stochastic gradient descent and deep networks the story is richer (flat minima,
#   chapter 07), but the idea is the same: the training procedure prefers simple fits.
# * At the threshold there is exactly one interpolant and no choice, which is why it is the
#   worst place to be.

# %% [markdown]
# ## 9. The curse of dimensionality
#
# An MNIST-1D signal is a point in $D_i = 40$ dimensions, and the models of this chapter have
# thousands of parameters. Pictures drawn in two or three dimensions mislead there. Two facts
# show how, and both say the same thing: in high dimension, *there are no nearby points*.
#
# **Distances concentrate.** Put $I$ points uniformly at random in the cube $[0, 1]^D$. The
# squared distance between two of them, $\|x_i - x_j\|^2 = \sum_{d=1}^{D} (x_{di} - x_{dj})^2$,
# is a sum of $D$ independent terms, each with mean $1/6$ and variance $7/180$. So its mean
# grows like $D/6$ but its standard deviation only like $\sqrt{7D/180}$: relative to the mean,
# the spread shrinks like $1/\sqrt{D}$. For the distance itself (a square root halves relative
# changes) the ratio is $\text{std}/\text{mean} \approx \sqrt{0.35/D}$. All the distances in
# one line of broadcasting, with the points as columns as in the notes:

# %%
show_source(G.pairwise_distances)

# %%
dims = [2, 10, 100, 1000]
dist = {D: G.distance_sample(D, 100, np.random.default_rng(D)) for D in dims}   # 4950 each
ratios = {D: d / d.mean() for D, d in dist.items()}     # distance / mean distance
D_sweep = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
spread = np.array([np.std(d) / np.mean(d) for d in
                   (G.distance_sample(D, 100, np.random.default_rng(10 + D)) for D in D_sweep)])

fig, axes = new_figure(1, 2, figsize=(10, 3.2))
plot_distance_histograms(axes[0], ratios)
axes[0].legend(fontsize=8)
axes[0].set_title("distances between 100 random points in $[0, 1]^D$")
plot_relative_spread(axes[1], D_sweep, spread, np.sqrt(0.35 / D_sweep))
axes[1].legend(fontsize=8)
axes[1].set_title(r"their relative spread shrinks like $1/\sqrt{D}$")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
lo, hi = ratios[1000].min(), ratios[1000].max()
assert ratios[2].min() < 0.05 and ratios[2].max() > 2        # D = 2: from ~0 to twice the mean
assert 0.9 < lo and hi < 1.1                                  # D = 1000: all within 10 %
assert np.all(np.abs(spread / np.sqrt(0.35 / D_sweep) - 1)[D_sweep >= 5] < 0.1)
for D in (100, 1000):                                         # the mean grows like sqrt(D / 6)
    assert abs(dist[D].mean() / np.sqrt(D / 6) - 1) < 0.02
print(f"D = 1000: every distance between {lo:.2f} and {hi:.2f} times the mean")

# %% [markdown]
# **What to notice**
# * In $D = 2$ some pairs nearly touch and others are more than twice the mean distance apart.
#   In $D = 1000$ every one of the 4950 distances lies within 10 % of the mean: the nearest
#   neighbour of a point is hardly nearer than the farthest.
# * From $D = 5$ on, the measured relative spread (right) stays within 10 % of
#   $\sqrt{0.35/D}$: a tenfold increase of $D$ narrows it by about $\sqrt{10} \approx 3$.
# * So in high dimension "predict like the nearest training examples" says little: all
#   training examples are about equally far. What a model does between them comes from its
#   inductive bias (for the fits of section 8, the smallest norm).
#
# **The volume sits in the shell.** The unit ball $\{x : \|x\| \le 1\}$ in $D$ dimensions has
# volume $V_D = \pi^{D/2} / \Gamma(D/2 + 1)$ (2, $\pi$, $\frac{4}{3}\pi$ for $D = 1, 2, 3$).
# Shrinking a ball's radius by $1 - \epsilon$ shrinks its volume by $(1 - \epsilon)^D$, so the
# fraction of the volume within $\epsilon$ of the surface is $1 - (1 - \epsilon)^D$, which
# tends to 1 for every $\epsilon > 0$.

# %%
show_source(G.unit_ball_volume)
show_source(G.shell_fraction)

# %% [markdown]
# Monte Carlo checks both without the formulas: draw points uniformly in the cube
# $[-1, 1]^D$ (volume $2^D$), count those inside the ball (volume $\approx 2^D \times$ the
# fraction inside), and among those count the ones with $\|x\| > 1 - \epsilon$:

# %%
show_source(G.ball_monte_carlo)

# %%
# NBVAL_CHECK_OUTPUT
Ds = np.arange(1, 61)
volume = np.array([G.unit_ball_volume(D) for D in Ds])
shells = {eps: np.array([G.shell_fraction(D, eps) for D in Ds]) for eps in (0.1, 0.05, 0.01)}
D_mc, n_mc = np.array([1, 2, 3, 4, 5, 6, 8, 10]), 300_000
mc = np.array([G.ball_monte_carlo(D, 0.1, n_mc, np.random.default_rng(D)) for D in D_mc])

fig, axes = new_figure(1, 2, figsize=(10, 3.2))
plot_ball_volume(axes[0], Ds, volume, (D_mc, mc[:, 0]))
axes[0].legend(fontsize=8)
axes[0].set_title("volume of the unit ball")
plot_shell_fractions(axes[1], Ds, shells, (D_mc, mc[:, 1]))
axes[1].axvline(40, color=PALETTE["grey"], linewidth=1, linestyle=":")
axes[1].text(40, 0.03, " $D_i = 40$ (MNIST-1D)", fontsize=8, color=PALETTE["grey"])
axes[1].legend(fontsize=8, loc="lower right", bbox_to_anchor=(1, 0.1))
axes[1].set_title("fraction of it within $\\epsilon$ of the surface")
plt.show()

# Monte Carlo against the closed forms, within 4 standard errors of a binomial count
p_in = np.minimum(volume[D_mc - 1] / 2.0 ** D_mc, 1)                # chance a point is inside
se_vol = 2.0 ** D_mc * np.sqrt(p_in * (1 - p_in) / n_mc) + 1e-12
q = shells[0.1][D_mc - 1]
se_shell = np.sqrt(q * (1 - q) / (p_in * n_mc))
volume_ok = np.all(np.abs(mc[:, 0] - volume[D_mc - 1]) < 4 * se_vol)
shell_ok = np.all(np.abs(mc[:, 1] - q) < 4 * se_shell)
print("V_1, V_2, V_3 =", np.round(volume[:3], 4).tolist(), " largest at D =", Ds[volume.argmax()])
print(f"V_20 = {volume[19]:.4f}, V_60 below 1e-17:", bool(volume[59] < 1e-17))
print(f"D = 40: within 0.05 of the surface {shells[0.05][39]:.3f}, within 0.1 {shells[0.1][39]:.3f}")
print("Monte Carlo agrees with V_D:", volume_ok, "  and with the shell fraction:", shell_ok)
assert volume_ok and shell_ok and Ds[volume.argmax()] == 5 and volume[59] < 1e-17
assert 0.002 < p_in[-1] < 0.003                            # D = 10: 0.25 % of the cube
assert round(shells[0.05][39], 2) == 0.87 and shells[0.1][39] > 0.98

# %% [markdown]
# **What to notice**
# * The volume rises to its largest value at $D = 5$ and then falls towards zero (below
#   $10^{-17}$ by $D = 60$), although every ball has radius 1: almost all of the cube
#   $[-1, 1]^D$ lies in its corners, outside the ball. (That is also why the Monte-Carlo check
#   stops at $D = 10$: there only a quarter of a percent of the cube's points land in the ball.)
# * In $D_i = 40$ dimensions, 87 % of the ball's volume lies within 5 % of its surface, and
#   more than 98 % within 10 %. A uniformly random point is almost surely near the boundary.
# * Both facts push the same way as section 8: data in high dimension are sparse and
#   spread out, so the training data cannot tell a model what to do between them; the fitting
#   procedure and the model's form must.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1
# The boxed decomposition of section 2, with numbers.

# %%
EX.expected_error.show()

# %%
answer_1 = None  # your answer: a number
EX.expected_error.check(answer_1)

# %%
EX.expected_error.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.expected_error)


# %% [markdown]
# ### Exercise 2
# The heart of `G.decompose` (section 2), written by you.

# %%
EX.bias_variance.show()


# %%
def bias_var(preds, mu):
    return None  # your code here


EX.bias_variance.check(bias_var)

# %%
EX.bias_variance.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.bias_variance)

# %% [markdown]
# ### Exercise 3
# Where the peak of section 5 would sit with more training data.

# %%
EX.threshold.show()

# %%
answer_3 = None  # your answer: an integer
EX.threshold.check(answer_3)

# %%
EX.threshold.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.threshold)


# %% [markdown]
# ### Exercise 4
# The interpolant of section 8 that gradient descent from zero finds.

# %%
EX.min_norm_fit.show()


# %%
def min_norm(H, y):
    return None  # your code here


EX.min_norm_fit.check(min_norm)

# %%
EX.min_norm_fit.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.min_norm_fit)

# %% [markdown]
# ### Exercise 5
# The shell of section 9, written by you.

# %%
EX.shell_fraction.show()


# %%
def shell(D, eps):
    return None  # your code here


EX.shell_fraction.check(shell)

# %%
EX.shell_fraction.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.shell_fraction)


# %% [markdown]
# ### Exercise 6
# The distances of section 9, for any set of points.

# %%
EX.pairwise.show()


# %%
def distances(x):
    return None  # your code here


EX.pairwise.check(distances)

# %%
EX.pairwise.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.pairwise)

# %% [markdown]
# ### Exercise 7
# The threshold of section 7's trained networks, for any data set.

# %%
EX.trained_threshold_width.show()


# %%
def trained_threshold(I, D_i, K):
    return None  # your code here


EX.trained_threshold_width.check(trained_threshold)

# %%
EX.trained_threshold_width.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.trained_threshold_width)

# %% [markdown]
# ## Summary
#
# * Data $y = \mu[x] + \sigma\epsilon$; a model fitted to training set $\mathcal{D}$ is
#   $f[x, \phi[\mathcal{D}]]$ and the average model is
#   $f_\mu[x] = \mathbb{E}_{\mathcal{D}}[f[x, \phi[\mathcal{D}]]]$.
# * The expected squared error splits exactly (two add-and-subtract steps, two vanishing cross
#   terms):
#   $\mathbb{E}_{\mathcal{D}}\mathbb{E}_y[L[x]]
#   = \mathbb{E}_{\mathcal{D}}[(f - f_\mu)^2] + (f_\mu - \mu)^2 + \sigma^2$,
#   variance + bias² + noise. `G.bias_variance` measures both sides.
# * More capacity lowers bias and raises variance (the U-shaped trade-off); more data lowers
#   variance and moves the best capacity up.
# * At the interpolation threshold (parameters per output = training points, $1 + D = I$) the
#   single exact fit has huge weights and the test error peaks. Beyond it the error falls again:
#   **double descent**, seen here on a toy problem and on MNIST-1D.
# * Past the threshold the data no longer pick the fit; the fitting procedure does. The
#   minimum-norm interpolant $\phi = y H^{+}$, which gradient descent from zero finds, is smooth.
# * More data, more features and a ridge penalty at the end of the curve turn the random-feature
#   model into a usable classifier (test error 0.512 on MNIST-1D).
# * In $D$ dimensions distances between random points concentrate (relative spread
#   $\approx \sqrt{0.35/D}$), the unit ball's volume $V_D = \pi^{D/2}/\Gamma(D/2 + 1)$ vanishes
#   and a fraction $1 - (1 - \epsilon)^D$ of it lies within $\epsilon$ of the surface: training
#   data in high dimension are sparse, and the model's inductive bias fills the gaps.
#
# **Next:** chapter 07 makes that preference explicit and general: $L_2$ penalties, the implicit
# regularisation of gradient descent and SGD, early stopping, ensembles and dropout.
