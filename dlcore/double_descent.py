"""Double descent on MNIST-1D (chapter 06) with random ReLU features, in plain NumPy.

The model is a shallow net h = a[beta + Omega x], f = phi [1; h] whose hidden layer (beta,
Omega) is random and fixed (``dlcore.layers.init_params``, features from ``dlcore.features``);
only phi (K, 1 + D) is fitted, by minimum-norm least squares to one-hot targets (as
``dlcore.linear.least_squares``). Each output row of phi has 1 + D parameters and sees the I
training targets of its class column, so the model can fit every training target exactly once
1 + D >= I: the interpolation threshold.
Data points are columns: x (D_i, I), labels y (I,).
"""

import json
from pathlib import Path

import numpy as np

from ._threads import one_blas_thread as _one_blas_thread
from .checks import ShapeError, shapes
from .features import relu_features
from .generalization import _unit_counts
from .layers import init_params
from .losses import one_hot

__all__ = ["one_hot", "add_label_noise", "random_relu_params", "random_feature_curve",
           "interpolation_threshold", "trained_sweep"]

SWEEP_FILE = Path(__file__).with_name("double_descent_sweep.json")


def _increasing(value, name):
    """Widths D >= 0 in increasing order (each model adds units to the one before)."""
    Ds = _unit_counts(value, name)
    if any(b <= a for a, b in zip(Ds[:-1], Ds[1:], strict=True)):
        raise ShapeError(f"{name} must be increasing; got {Ds}")
    return Ds


@shapes(y="labels I < K", p="[0, 1]", K="int >= 1", rng="rng")
def add_label_noise(y, p, K, rng):
    """Replace each label, with probability p, by a class drawn uniformly from 0..K-1 (it may
    come out unchanged). y (I,) -> a new array (I,)."""
    flip = rng.random(y.size) < p  # (I,)
    y = y.copy()
    y[flip] = rng.integers(0, K, int(flip.sum()))
    return y


@shapes(D_max="int >= 1", D_i="int >= 1", rng="rng", bias_std=">= 0")
def random_relu_params(D_max, D_i, rng, bias_std=0.5):
    """A random hidden layer of D_max units: Omega (D_max, D_i) ~ Norm(0, 1/D_i),
    beta (D_max,) ~ Norm(0, bias_std^2) (``init_params``). A model with D units uses the first
    D rows, so the models along a curve are nested. Returns (beta, Omega)."""
    betas, omegas = init_params([D_i, D_max], 1.0 / np.sqrt(D_i), rng, bias_std)
    return betas[0], omegas[0]


@shapes(n_points="int >= 1")
def interpolation_threshold(n_points):
    """The number of hidden units D at which 1 + D parameters per output equal n_points."""
    return n_points - 1


@shapes(x="D_i I", y="labels I < K", x_test="D_i I_test", y_test="labels I_test < K",
        Ds=_increasing, rng="rng", K="int >= 1", label_noise="[0, 1]", bias_std=">= 0",
        rcond="> 0", lam=">= 0")
def random_feature_curve(x, y, x_test, y_test, Ds, rng, K=10, label_noise=0.0, bias_std=0.5,
                         rcond=1e-13, lam=0.0):
    """Train and test error of random-ReLU-feature models of each width D in Ds.

    x (D_i, I) and labels y (I,) train; x_test (D_i, I_test), y_test (I_test,) test. With
    ``label_noise`` p, a fraction p of the training labels are redrawn at random first.
    Each model is the minimum-norm least-squares fit phi = Y H^+ (as ``least_squares``),
    computed here through the I x I matrix M = H^T H, which grows by one term per hidden unit:
    H^+ = M^+ H^T, so f_test = phi H_test = Y M^+ (H^T H_test) and ||phi||^2 = tr(Y M^+ Y^T).
    (One eigendecomposition of M per width instead of an SVD of the wide H: much faster.)
    With ``lam`` > 0 each model is the ridge fit instead (as ``least_squares(H, Y, lam)``):
    phi = Y (M + lam 1)^-1 H^T, which no longer interpolates.
    Returns a dict of (len(Ds),) arrays: ``D``, ``train_error`` and ``test_error`` (fraction
    misclassified; the train error counts against the noisy labels the model saw),
    ``test_mse`` (mean over test points of ||f - one_hot||^2) and ``phi_norm`` (||phi||).
    """
    y_seen = add_label_noise(y, label_noise, K, rng)
    beta, omega = random_relu_params(max(Ds[-1], 1), x.shape[0], rng, bias_std)
    theta = np.column_stack([beta, omega])  # (D_max, 1 + D_i)
    Y, Y_test = one_hot(y_seen, K), one_hot(y_test, K)  # (K, I), (K, I_test)
    H_all = relu_features(x, theta)  # (1 + D_max, I): a model uses the first 1 + D rows
    H_test_all = relu_features(x_test, theta)  # (1 + D_max, I_test)
    M = np.zeros((x.shape[1], x.shape[1]))  # (I, I): H^T H, summed row by row of H
    C = np.zeros((x.shape[1], x_test.shape[1]))  # (I, I_test): H^T H_test
    with _one_blas_thread():
        rows = _curve_rows(Ds, H_all, H_test_all, Y, Y_test, y_seen, y_test, M, C, rcond, lam)
    rows = np.array(rows)  # (len(Ds), 4)
    return {"D": np.array(Ds), "train_error": rows[:, 0], "test_error": rows[:, 1],
            "test_mse": rows[:, 2], "phi_norm": rows[:, 3]}


def _curve_rows(Ds, H_all, H_test_all, Y, Y_test, y_seen, y_test, M, C, rcond, lam_ridge):
    """The loop of ``random_feature_curve``: one row of errors per width D."""
    rows, done = [], 0
    for D in Ds:
        H_new, Ht_new = H_all[done:1 + D], H_test_all[done:1 + D]  # rows added since last D
        M += H_new.T @ H_new
        C += H_new.T @ Ht_new
        done = 1 + D
        lam, V = np.linalg.eigh(M)  # M = V diag(lam) V^T
        if lam_ridge > 0:  # ridge: (M + lam 1)^-1, every direction kept
            keep, inv = np.ones(lam.size, bool), 1.0 / (lam + lam_ridge)
        else:
            keep = lam > rcond * lam[-1]  # the pseudo-inverse drops the null directions
            inv = 1.0 / lam[keep]
        YV = Y @ V[:, keep]  # (K, r)
        A = YV * inv  # (K, r): Y V Lambda^+ (or Y V (Lambda + lam)^-1)
        f = A @ (V[:, keep].T @ M)  # (K, I) = Y M^+ M
        f_test = A @ (V[:, keep].T @ C)  # (K, I_test) = Y M^+ H^T H_test
        norm2 = np.sum(A * A * np.maximum(lam[keep], 0))  # tr(Y M^+ M M^+ Y^T) = ||phi||^2
        rows.append((np.mean(f.argmax(axis=0) != y_seen),
                     np.mean(f_test.argmax(axis=0) != y_test),
                     np.mean(np.sum((f_test - Y_test) ** 2, axis=0)),
                     np.sqrt(norm2)))
    return rows


def trained_sweep():
    """The full width sweep of *trained* nets that ``scripts/double_descent_sweep.py`` wrote to
    ``dlcore/double_descent_sweep.json`` (see that script for the settings and the command).
    Returns the file's dict with ``D``, ``params``, ``train_error``, ``test_error`` as arrays
    (errors (n_seeds, len(D)))."""
    out = json.loads(SWEEP_FILE.read_text())
    for key in ("D", "params", "train_error", "test_error"):
        out[key] = np.array(out[key])
    return out
