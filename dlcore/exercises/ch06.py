"""Chapter 06 exercises: the three sources of error, bias and variance from many fits, the
interpolation threshold, the minimum-norm interpolant, and the curse of dimensionality (the
shell of a ball, distances between points)."""

import numpy as np

from .. import generalization as G
from . import FunctionExercise, Mistake, ValueExercise

# ------------------------------------------------------------------------------------------
# 1. The expected error at one input, by hand
# ------------------------------------------------------------------------------------------
_F = np.array([1.2, 0.8, 1.1, 0.9, 1.5])  # f[x, phi[D_i]] from five training sets
_MU, _SIGMA = 1.3, 0.3
_BIAS2 = (_F.mean() - _MU) ** 2  # (1.1 - 1.3)^2 = 0.04
_VAR = np.mean((_F - _F.mean()) ** 2)  # 0.06
# bias^2 0.04, variance 0.06 and noise sigma^2 = 0.09 all differ, so leaving out any one of
# them gives its own wrong answer, and its own diagnosis.

expected_error = ValueExercise(
    title="Expected error at one input",
    task=(r"Five training sets gave the predictions $f = [1.2, 0.8, 1.1, 0.9, 1.5]$ at one input "
          r"$x$. There the true mean is $\mu[x] = 1.3$ and the noise has standard deviation "
          r"$\sigma = 0.3$. Taking these five fits as the whole distribution of training sets, "
          r"what is the expected squared error "
          r"$\mathbb{E}_{\mathcal{D}}\big[\mathbb{E}_y[(f[x, \phi[\mathcal{D}]] - y)^2]\big]$ "
          r"at $x$? Give it to 3 decimals."),
    hint_text=("Average model f_mu = mean of f. Then variance = mean of (f - f_mu)^2 (divide by "
               "5: these five ARE the distribution), bias^2 = (f_mu - mu)^2, noise = sigma^2."),
    value=round(_BIAS2 + _VAR + _SIGMA ** 2, 12),  # 0.04 + 0.06 + 0.09 = 0.19
    decimals=3,
    solution_code="""\
import numpy as np

f = np.array([1.2, 0.8, 1.1, 0.9, 1.5])   # the five fits at x: the whole distribution
mu, sigma = 1.3, 0.3
f_mu = f.mean()                            # the average model f_mu[x]
variance = np.mean((f - f_mu) ** 2)        # E_D[(f - f_mu)^2]: divide by 5, not 4
bias2 = (f_mu - mu) ** 2                   # (f_mu - mu)^2
answer = variance + bias2 + sigma ** 2     # variance + bias^2 + noise
""",
    mistakes=(
        Mistake("forgot the noise",
                "even the perfect model meets fresh noisy targets: add sigma^2",
                _BIAS2 + _VAR),
        Mistake("forgot the bias",
                "the average model f_mu misses mu[x]: add the squared bias (f_mu - mu)^2",
                _VAR + _SIGMA ** 2),
        Mistake("forgot the variance",
                "each training set gives its own fit: add the variance of the five fits "
                "around their mean", _BIAS2 + _SIGMA ** 2),
        Mistake("sigma instead of sigma^2",
                "the noise term is the variance of y around mu[x], sigma^2, not sigma",
                _BIAS2 + _VAR + _SIGMA),
        Mistake("unbiased variance (divided by 4)",
                "the decomposition needs E_D[(f - f_mu)^2], the mean over the five data sets; "
                "dividing by n - 1 estimates a bigger population's variance",
                _BIAS2 + np.var(_F, ddof=1) + _SIGMA ** 2),
        Mistake("bias not squared",
                "the bias term is (f_mu - mu)^2; an unsquared negative bias f_mu - mu would "
                "even make the error smaller than the noise", (_F.mean() - _MU) + _VAR + _SIGMA ** 2),
    ),
    explanation="bias^2 0.04 + variance 0.06 + noise 0.09 = 0.19.",
)


# ------------------------------------------------------------------------------------------
# 2. Bias and variance from a table of predictions
# ------------------------------------------------------------------------------------------
def bias_var(preds, mu):
    """(bias^2, variance), each averaged over the test inputs (the reference solution)."""
    f_mu = preds.mean(axis=0)                  # the average model: one value per test input
    bias2 = np.mean((f_mu - mu) ** 2)          # (f_mu - mu)^2, averaged over the inputs
    variance = np.mean((preds - f_mu) ** 2)    # E_D[(f - f_mu)^2], averaged over the inputs
    return float(bias2), float(variance)


def _mse_as_bias(preds, mu):
    b, v = bias_var(preds, mu)
    return b + v, v  # averaged the squared errors, not the predictions


def _ddof1(preds, mu):
    b, _ = bias_var(preds, mu)
    return b, float(np.var(preds, axis=0, ddof=1).mean())


def _wrong_axis(preds, mu):
    f_mu = preds.mean(axis=1, keepdims=True)  # (n_datasets, 1): mean over x, not over D
    return (float(np.mean((preds.mean(axis=0) - mu) ** 2)),
            float(np.mean((preds - f_mu) ** 2)))


def _bias_not_squared(preds, mu):
    _, v = bias_var(preds, mu)
    return float(np.mean(preds.mean(axis=0) - mu)), v


_rng = np.random.default_rng(606)  # fixed probes: the same check for every student
_PROBES = tuple(
    (_rng.normal(1.0, 0.5, size=(n, m)) + np.linspace(0, 1, m), _rng.normal(size=m))
    for n, m in ((6, 4), (20, 9), (3, 5))
)

bias_variance = FunctionExercise(
    title="Bias and variance from many fits",
    task=(r"Write `bias_var(preds, mu)`. `preds` has shape `(n_datasets, I_test)`: row $i$ holds "
          r"the predictions $f[x, \phi[\mathcal{D}_i]]$ at the test inputs of the model fitted "
          r"to training set $\mathcal{D}_i$; `mu` has shape `(I_test,)` and holds the true mean "
          r"$\mu[x]$ at those inputs. Return the tuple `(bias2, variance)`: the squared bias "
          r"$(f_\mu[x] - \mu[x])^2$ and the variance "
          r"$\mathbb{E}_{\mathcal{D}}\big[(f[x, \phi[\mathcal{D}]] - f_\mu[x])^2\big]$, where "
          r"$f_\mu[x]$ is the average model, each a float averaged over the test inputs."),
    hint_text=("f_mu = preds.mean(axis=0) is the average model (one value per test input). "
               "bias2 = mean of (f_mu - mu)^2; variance = mean of (preds - f_mu)^2."),
    reference=bias_var,
    probes=_PROBES,
    mistakes=(
        Mistake("averaged the squared errors, not the predictions",
                "mean((preds - mu)^2) is bias^2 + variance together; the bias compares the "
                "AVERAGE model f_mu with mu", _mse_as_bias),
        Mistake("unbiased variance (ddof=1)",
                "the decomposition's variance is E_D[(f - f_mu)^2], a plain mean (ddof=0)",
                _ddof1),
        Mistake("averaged over the wrong axis",
                "axis 0 runs over data sets, axis 1 over test inputs: f_mu[x] averages the "
                "models at each x, so use axis=0", _wrong_axis),
        Mistake("bias not squared",
                "positive and negative deviations cancel; the bias term is (f_mu - mu)^2",
                _bias_not_squared),
    ),
    explanation=("your bias^2 and variance match the reference (the same as "
                 "dlcore.generalization.decompose) on every probe."),
)


# ------------------------------------------------------------------------------------------
# 3. Where is the interpolation threshold?
# ------------------------------------------------------------------------------------------
I_THRESHOLD, K_CLASSES = 500, 10

threshold = ValueExercise(
    title="The interpolation threshold",
    task=(r"The random-ReLU-feature model for MNIST-1D of section 5 has $D$ hidden units with "
          r"fixed random weights and, for each of the $K = 10$ classes, fitted output weights "
          r"$\phi_{k0}, \phi_{k1}, \dots, \phi_{kD}$. It is fitted by least squares to one-hot "
          r"targets of $I = 500$ training examples. At which $D$ does it first fit every "
          r"training target exactly (for generic data)? Give an integer."),
    hint_text=("Each class's output row is its own least-squares problem: I equations "
               "(one per example) and 1 + D unknowns. Solvable exactly once unknowns >= "
               "equations."),
    value=I_THRESHOLD - 1,
    solution_code="""\
I = 500                 # training examples: the equations of each class's output row
# each row has 1 + D unknowns (the offset phi_k0 and D weights); generic data are fitted
# exactly as soon as the unknowns are as many as the equations: 1 + D = I
answer = I - 1
""",
    # Each mistake is one cause with its own value (tests/test_generalization.py checks that
    # every cause listed there gets its own diagnosis). Leaving out the offset and asking for
    # more unknowns than equations (1 + D > I) both give D = I, so they share one diagnosis
    # that names both causes.
    mistakes=(
        Mistake("one unit too many (D = I)",
                "this D gives each class one unknown more than it needs. Either the offset "
                "phi_k0 was left out of the count (each row has 1 + D unknowns), or more "
                "unknowns than equations were asked for: equally many already fit every target",
                I_THRESHOLD),
        Mistake("counted the parameters of all classes together",
                "the ten output rows do not share their equations: each row must fit its own "
                "I targets, so compare the 1 + D unknowns of one row with I, not K (1 + D)",
                I_THRESHOLD // K_CLASSES - 1),
        Mistake("counted the equations of all classes for one row",
                "a one-hot target has K entries, but each entry belongs to a different output "
                "row: one row has only I equations, one per training example",
                K_CLASSES * I_THRESHOLD - 1),
        Mistake("used the input size",
                "D_i = 40 is the length of one signal; the threshold is about the number of "
                "training examples I", 40),
    ),
    explanation="1 + D = I gives D = 499: as many unknowns per output as training examples.",
)


# ------------------------------------------------------------------------------------------
# 4. The minimum-norm interpolant
# ------------------------------------------------------------------------------------------
def min_norm(H, y):
    """The smallest phi with phi H = y (the reference solution)."""
    H_pinv = np.linalg.pinv(H)    # (I, 1 + D): the pseudo-inverse H^+
    return y @ H_pinv             # phi = y H^+: fits y, and lies in the span of H's columns


def _no_inverse(H, y):
    return y @ H.T  # phi = y H^T: right direction, wrong length


def _ridge(H, y):
    return G.fit_min_norm(H, y, lam=1.0)


def _plus_null(H, y):
    N = G.null_space(H)
    return min_norm(H, y) + N[:, 0]  # fits the data, but not the shortest


_rng4 = np.random.default_rng(6064)
_PROBES4 = tuple((_rng4.normal(size=(p, i)), _rng4.normal(size=i))
                 for p, i in ((8, 5), (12, 4), (20, 9)))

min_norm_fit = FunctionExercise(
    title="The smallest interpolating phi",
    task=(r"Write `min_norm(H, y)` for `H` of shape `(1 + D, I)` with $1 + D > I$ "
          r"(over-parameterised: more unknowns than equations) and `y` of shape `(I,)`. Return "
          r"the $\phi$ of shape `(1 + D,)` that fits the data exactly, $\phi H = y$ "
          r"(`phi @ H == y`), and has the smallest norm $\|\phi\|$. Do not call "
          r"`G.fit_min_norm`."),
    hint_text=("phi = y H^+ with the pseudo-inverse: np.linalg.pinv(H) has shape (I, 1 + D). "
               "Equivalently phi = y (H^T H)^-1 H^T, a combination of the columns of H."),
    reference=min_norm,
    probes=_PROBES4,
    mistakes=(
        Mistake("no inverse: phi = y H^T",
                "y H^T points the right way (a combination of the data columns) but ignores "
                "how the columns overlap; it does not fit the data", _no_inverse),
        Mistake("ridge instead of exact fit",
                "adding lam ||phi||^2 with lam > 0 shrinks phi below an exact fit; the minimum-"
                "norm interpolant is the limit lam -> 0", _ridge),
        Mistake("an interpolant, but not the smallest",
                "phi + v with v H = 0 fits the data just as well, but every such v adds to the "
                "norm: the smallest phi has no component in the null space", _plus_null),
    ),
    explanation="phi = y H^+ fits every point and is orthogonal to every null-space direction.",
)


# ------------------------------------------------------------------------------------------
# 5. How much of a ball is near its surface?
# ------------------------------------------------------------------------------------------
def shell(D, eps):
    """The fraction of the D-dimensional unit ball within eps of its surface (the reference)."""
    inner = (1 - eps) ** D     # the ball of radius 1 - eps holds (1 - eps)^D of the volume
    return 1 - inner           # the rest lies in the shell


def _inner_only(D, eps):
    return (1 - eps) ** D  # the inner ball, not the shell


def _linear_shell(D, eps):
    return np.minimum(D * eps, 1.0)  # surface area x thickness: right only for D eps << 1


def _radius_not_volume(D, eps):
    return eps + 0 * D  # the shell's share of the radius (right only for D = 1)


def _eps_to_the_D(D, eps):
    return 1 - (1 - eps ** D)  # powered eps instead of (1 - eps)


_EPS = np.array([0.01, 0.05, 0.1, 0.3])  # (4,) shell thicknesses
_PROBES5 = ((1, _EPS.copy()), (3, _EPS.copy()), (20, _EPS.copy()), (200, _EPS[:2].copy()))

shell_fraction = FunctionExercise(
    title="The mass in the outer shell",
    task=(r"Write `shell(D, eps)`: the fraction of the volume of the unit ball in $D$ dimensions "
          r"that lies within `eps` of its surface, i.e. at radius $r > 1 - \epsilon$. `D` is a "
          r"positive integer and `eps` a NumPy array of thicknesses in $[0, 1]$; return an "
          r"array of the same shape. (Volumes of balls scale as $r^D$.)"),
    hint_text=("The inner ball of radius 1 - eps is the unit ball shrunk by 1 - eps in each of "
               "D directions: its volume is (1 - eps)^D times the unit ball's. The shell is "
               "what remains."),
    reference=shell,
    probes=_PROBES5,
    mistakes=(
        Mistake("the inner ball, not the shell",
                "(1 - eps)^D is the share of the ball of radius 1 - eps, the part NOT near the "
                "surface; the shell is the rest", _inner_only),
        Mistake("linear approximation D eps",
                "surface area times thickness is D eps of the volume only while D eps is small; "
                "it exceeds the whole ball for large D. Use the exact (1 - eps)^D",
                _linear_shell),
        Mistake("share of the radius, not of the volume",
                "eps is the shell's share of the radius; volume grows as r^D, so the shell's "
                "share of the volume depends on D", _radius_not_volume),
        Mistake("eps^D instead of (1 - eps)^D",
                "the inner ball has radius 1 - eps, so its share is (1 - eps)^D, not eps^D",
                _eps_to_the_D),
    ),
    explanation=("1 - (1 - eps)^D, the same as dlcore.generalization.shell_fraction: in high "
                 "dimension almost all the volume is near the surface."),
)


# ------------------------------------------------------------------------------------------
# 6. Distances between all pairs of points
# ------------------------------------------------------------------------------------------
def distances(x):
    """All pairwise Euclidean distances between the columns of x (D, I), from the Gram matrix
    (the reference)."""
    sq = np.sum(x ** 2, axis=0)                     # (I,): ||x_i||^2
    d2 = sq[:, None] + sq[None, :] - 2 * x.T @ x    # (I, I): ||x_i||^2 + ||x_j||^2 - 2 x_i.x_j
    return np.sqrt(np.maximum(d2, 0.0))             # round-off can leave -1e-15: clip, then root


def _not_clipped(x):
    sq = np.sum(x ** 2, axis=0)
    with np.errstate(invalid="ignore"):
        return np.sqrt(sq[:, None] + sq[None, :] - 2 * x.T @ x)


def _squared(x):
    sq = np.sum(x ** 2, axis=0)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * x.T @ x, 0.0)  # no square root


def _without_the_two(x):
    sq = np.sum(x ** 2, axis=0)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - x.T @ x, 0.0))


def _rows_as_points(x):
    return distances(x.T)  # (D, D): distances between the rows


def _plus_not_minus(x):
    sq = np.sum(x ** 2, axis=0)
    return np.sqrt(sq[:, None] + sq[None, :] + 2 * x.T @ x)


_rng6 = np.random.default_rng(6066)
_PROBES6 = tuple((_rng6.uniform(-1, 1, size=(d, i)),) for d, i in ((3, 5), (7, 4), (2, 6)))
_far = np.random.default_rng(0).uniform(-1, 1, size=(4, 5)) + 3.0   # points far from 0, two twice:
_PROBES6 += ((np.concatenate([_far, _far[:, :2]], axis=1),),)       # some d2 come out at -1e-15

pairwise = FunctionExercise(
    title="Distances between all pairs of points, from one matrix product",
    task=(r"Section 9's `pairwise_distances` forms every difference $x_i - x_j$: memory $D I^2$. "
          r"Libraries use $\|x_i - x_j\|^2 = \|x_i\|^2 + \|x_j\|^2 - 2\,x_i^T x_j$ instead: one "
          r"matrix product $x^T x$, memory $I^2$. Write `distances(x)` that way, for points "
          r"stored as the columns of `x`, shape `(D, I)`, returning the `(I, I)` array of "
          r"Euclidean distances $\|x_i - x_j\|$. Round-off can make a squared distance come "
          r"out slightly negative (about $-10^{-15}$ for a point and itself): clip at 0 before "
          r"the square root."),
    hint_text=("sq = np.sum(x ** 2, axis=0) has shape (I,); sq[:, None] + sq[None, :] is the "
               "(I, I) table of ||x_i||^2 + ||x_j||^2, and x.T @ x the (I, I) table of x_i.x_j. "
               "np.maximum(d2, 0) clips."),
    reference=distances,
    probes=_PROBES6,
    mistakes=(
        Mistake("negative round-off not clipped",
                "some squared distances came out at about -1e-15 and their square root is NaN: "
                "clip with np.maximum(d2, 0) before np.sqrt", _not_clipped),
        Mistake("squared distances",
                "this is ||x_i - x_j||^2: take the square root", _squared),
        Mistake("the factor 2 is missing",
                "||x_i - x_j||^2 = ||x_i||^2 + ||x_j||^2 - 2 x_i.x_j: the cross term counts "
                "twice", _without_the_two),
        Mistake("rows taken as points",
                "the points are the COLUMNS of x (shape (D, I)); your result is D x D, the "
                "distances between the rows", _rows_as_points),
        Mistake("plus instead of minus",
                "the cross term is subtracted: ||x_i - x_j||^2 = ||x_i||^2 + ||x_j||^2 "
                "- 2 x_i.x_j", _plus_not_minus),
    ),
    explanation=("the same distances as section 9's pairwise_distances (to round-off), from one "
                 "matrix product: memory I^2 instead of D I^2. The price is cancellation: for "
                 "two nearly equal far-away points the difference of large squares loses digits, "
                 "which is why pairwise_distances forms the differences first."),
)


# ------------------------------------------------------------------------------------------
# 7. Where is the threshold of a trained network?
# ------------------------------------------------------------------------------------------
def trained_threshold(I, D_i, K):
    """The width D at which a trained shallow net has as many parameters as targets (the
    reference). I: array of training-set sizes."""
    # parameters: (D_i + 1) D in the hidden layer (weights and biases), (D + 1) K at the output
    # targets: I K numbers (K outputs per example). Solve (D_i + 1) D + (D + 1) K = I K for D:
    return (I * K - K) / (D_i + 1 + K)


def _no_output_layer(I, D_i, K):
    return I * K / (D_i + 1)  # counted only the hidden layer's parameters


def _no_biases(I, D_i, K):
    return I * K / (D_i + K)  # D_i D + D K = I K: left out every bias


def _targets_not_times_K(I, D_i, K):
    return (I - K) / (D_i + 1 + K)  # P = I: one target per example, not K


_PROBES7 = ((np.array([200.0, 1000.0]), 40, 10), (np.array([50.0, 400.0, 5000.0]), 8, 3),
            (np.array([100.0]), 2, 5))

trained_threshold_width = FunctionExercise(
    title="The threshold of a trained network",
    task=(r"Section 7 trains every weight of shallow networks with $D_i$ inputs, $D$ hidden "
          r"units and $K$ outputs on $I$ examples. Write `trained_threshold(I, D_i, K)` that "
          r"returns the width $D$ (a real number, not rounded) at which the network's number of "
          r"parameters $P$ equals the number of target values it must fit, $I K$. Count every "
          r"weight and every bias of both layers. `I` is a NumPy array of training-set sizes; "
          r"return an array of the same shape."),
    hint_text=("Hidden layer: Omega is D x D_i and beta has D entries; output layer: phi is "
               "K x D plus K offsets. Set the total equal to I K and solve the linear equation "
               "for D."),
    reference=trained_threshold,
    probes=_PROBES7,
    mistakes=(
        Mistake("left out the output layer",
                "the output layer's K x D weights and K offsets are trained too: they count "
                "towards P", _no_output_layer),
        Mistake("left out the biases",
                "beta (D entries) and the output offsets (K entries) are parameters as well: "
                "P = (D_i + 1) D + (D + 1) K", _no_biases),
        Mistake("one target per example",
                "each example has a one-hot target of K numbers, all fitted: compare P with "
                "I K, not I", _targets_not_times_K),
    ),
    explanation=("(D_i + 1) D + (D + 1) K = I K gives D = (I K - K) / (D_i + 1 + K): about 196 "
                 "for I = 1000, D_i = 40, K = 10."),
)

EXERCISES = (expected_error, bias_variance, threshold, min_norm_fit, shell_fraction, pairwise,
             trained_threshold_width)
