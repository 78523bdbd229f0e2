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
#
# **Prerequisites:** chapter 01 (shallow ReLU networks, $h = a[\beta + \Omega x]$) and chapter 02
# (least squares). Expectations $\mathbb{E}[\cdot]$ and variances of random variables.
#
# **How to use it:** run all cells from the top. Everything is plain NumPy and takes a few
# seconds; the sliders redraw from the maths in `dlcore`.

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
from dlcore.plots.generalization import mark_threshold, plot_capacity_curve, plot_double_descent
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
# * Random features are a weak model for MNIST-1D (the best test error here is still above
#   60 %); the point is the *shape* of the curve, which trained networks show as well.

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
# ## 6. Why bigger models generalise again
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
# The interpolant of section 6 that gradient descent from zero finds.

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
#
# **Next:** chapter 07 makes that preference explicit and general: $L_2$ penalties, the implicit
# regularisation of gradient descent and SGD, early stopping, ensembles and dropout.
