"""Chapter 06 exercises: the three sources of error, bias and variance from many fits, the
interpolation threshold, the minimum-norm interpolant."""

import numpy as np

from .. import generalization as G
from . import FunctionExercise, Mistake, ValueExercise

# ------------------------------------------------------------------------------------------
# 1. The expected error at one input, by hand
# ------------------------------------------------------------------------------------------
_F = np.array([1.2, 0.8, 1.1, 0.9, 1.5])  # f[x, phi[D_i]] from five training sets
_MU, _SIGMA = 1.3, 0.2
_BIAS2 = (_F.mean() - _MU) ** 2  # (1.1 - 1.3)^2 = 0.04
_VAR = np.mean((_F - _F.mean()) ** 2)  # 0.06

error_by_hand = ValueExercise(
    title="Expected error at one input",
    task=("Five training sets gave the predictions f = [1.2, 0.8, 1.1, 0.9, 1.5] at one input "
          "x. The true mean there is mu[x] = 1.3 and the noise has sigma = 0.2. What is the "
          "expected squared error E_D[E_y[(f[x, phi[D]] - y)^2]] at x, taking these five fits "
          "as the whole distribution of data sets?"),
    hint_text=("Average model f_mu = mean of f. Then variance = mean of (f - f_mu)^2 (divide by "
               "5: these five ARE the distribution), bias^2 = (f_mu - mu)^2, noise = sigma^2."),
    value=_BIAS2 + _VAR + _SIGMA ** 2,  # 0.04 + 0.06 + 0.04 = 0.14
    mistakes=(
        Mistake("forgot the noise",
                "even the perfect model meets fresh noisy targets: add sigma^2",
                _BIAS2 + _VAR),
        Mistake("sigma instead of sigma^2",
                "the noise term is the variance of y around mu[x], sigma^2 = 0.04, not sigma",
                _BIAS2 + _VAR + _SIGMA),
        Mistake("unbiased variance (divided by 4)",
                "the decomposition needs E_D[(f - f_mu)^2], the mean over the five data sets; "
                "dividing by n - 1 estimates a bigger population's variance",
                _BIAS2 + np.var(_F, ddof=1) + _SIGMA ** 2),
        Mistake("bias not squared",
                "the bias term is (f_mu - mu)^2; f_mu - mu = -0.2 would even make the error "
                "smaller than the noise", (_F.mean() - _MU) + _VAR + _SIGMA ** 2),
    ),
    explanation="bias^2 0.04 + variance 0.06 + noise 0.04 = 0.14.",
)


# ------------------------------------------------------------------------------------------
# 2. Bias and variance from a table of predictions
# ------------------------------------------------------------------------------------------
def _ref_bias_var(preds, mu):
    """Reference: (bias^2, variance), each averaged over the test inputs."""
    out = G.decompose(preds, mu)
    return float(out["bias2"].mean()), float(out["variance"].mean())


def _mse_as_bias(preds, mu):
    b, v = _ref_bias_var(preds, mu)
    return b + v, v  # averaged the squared errors, not the predictions


def _ddof1(preds, mu):
    b, _ = _ref_bias_var(preds, mu)
    return b, float(np.var(preds, axis=0, ddof=1).mean())


def _wrong_axis(preds, mu):
    f_mu = preds.mean(axis=1, keepdims=True)  # (n_datasets, 1): mean over x, not over D
    return (float(np.mean((preds.mean(axis=0) - mu) ** 2)),
            float(np.mean((preds - f_mu) ** 2)))


def _bias_not_squared(preds, mu):
    _, v = _ref_bias_var(preds, mu)
    return float(np.mean(preds.mean(axis=0) - mu)), v


_rng = np.random.default_rng(606)  # fixed probes: the same check for every student
_PROBES = tuple(
    (_rng.normal(1.0, 0.5, size=(n, m)) + np.linspace(0, 1, m), _rng.normal(size=m))
    for n, m in ((6, 4), (20, 9), (3, 5))
)

bias_var_table = FunctionExercise(
    title="Bias and variance from many fits",
    task=("Write bias_var(preds, mu): preds (n_datasets, I_test) holds row i = the predictions "
          "at the test inputs of the model fitted to data set i; mu (I_test,) is the true mean "
          "at those inputs. Return (bias2, variance), each a float averaged over the test "
          "inputs."),
    hint_text=("f_mu = preds.mean(axis=0) is the average model (one value per test input). "
               "bias2 = mean of (f_mu - mu)^2; variance = mean of (preds - f_mu)^2."),
    reference=_ref_bias_var,
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
    explanation="your bias^2 and variance match dlcore.generalization.decompose on every probe.",
)


# ------------------------------------------------------------------------------------------
# 3. Where is the interpolation threshold?
# ------------------------------------------------------------------------------------------
threshold = ValueExercise(
    title="The interpolation threshold",
    task=("A random-ReLU-feature model for MNIST-1D has D hidden units with fixed random "
          "weights and, for each of the K = 10 classes, fitted output weights phi_k0, phi_k1, "
          "..., phi_kD. It is fitted by least squares to one-hot targets of I = 500 training "
          "examples. At which D does it first fit every training target exactly (for "
          "generic data)?"),
    hint_text=("Each class's output row is its own least-squares problem: I equations "
               "(one per example) and 1 + D unknowns. Solvable exactly once unknowns >= "
               "equations."),
    value=499,
    mistakes=(
        Mistake("forgot the offset phi_k0",
                "each output also has its offset phi_k0, so there are 1 + D unknowns per class",
                500),
        Mistake("counted the parameters of all classes together",
                "the ten output rows do not share their equations: each row must fit its own "
                "I = 500 targets, so 10 (1 + D) = 500 is the wrong condition", 49),
        Mistake("used the input size",
                "D_i = 40 is the length of one signal; the threshold is about the number of "
                "training examples I", 40),
    ),
    explanation="1 + D = I gives D = 499: as many unknowns per output as training examples.",
)


# ------------------------------------------------------------------------------------------
# 4. The minimum-norm interpolant
# ------------------------------------------------------------------------------------------
def _ref_min_norm(H, y):
    return G.fit_min_norm(H, y)


def _no_inverse(H, y):
    return y @ H.T  # phi = y H^T: right direction, wrong length


def _ridge(H, y):
    return G.fit_min_norm(H, y, lam=1.0)


def _plus_null(H, y):
    N = G.null_space(H)
    return G.fit_min_norm(H, y) + N[:, 0]  # fits the data, but not the shortest


_rng4 = np.random.default_rng(6064)
_PROBES4 = tuple((_rng4.normal(size=(p, i)), _rng4.normal(size=i))
                 for p, i in ((8, 5), (12, 4), (20, 9)))

min_norm = FunctionExercise(
    title="The smallest interpolating phi",
    task=("Write min_norm(H, y): H (1 + D, I) with more rows than columns (over-parameterised), "
          "y (I,). Return the phi (1 + D,) with phi @ H == y whose norm ||phi|| is smallest."),
    hint_text=("phi = y H^+ with the pseudo-inverse: np.linalg.pinv(H) has shape (I, 1 + D). "
               "Equivalently phi = y (H^T H)^-1 H^T, a combination of the columns of H."),
    reference=_ref_min_norm,
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

EXERCISES = (error_by_hand, bias_var_table, threshold, min_norm)
