"""Shallow and deep ReLU networks and the linear regions they cut their input into (chapter 01).

Conventions (the notes'): data points are columns, ``x`` has shape ``(D_i, I)``; a hidden
layer ``h_k`` has shape ``(D_k, I)``; ``Omega_k`` has shape ``(D_{k+1}, D_k)`` and ``beta_k``
has shape ``(D_{k+1},)`` or ``(D_{k+1}, 1)``.
"""

from math import comb

import numpy as np

from .checks import (
    InputTypeError,
    ShapeError,
    as_float_array,
    as_points,
    check_int,
    check_ndim,
    check_param_list,
    check_rng,
    restore_points,
)

__all__ = [
    "relu",
    "shallow_net",
    "shallow_parts",
    "shallow_joints",
    "deep_net",
    "activation_patterns",
    "region_ids",
    "count_regions",
    "num_params_shallow",
    "num_params_deep",
    "max_regions_shallow",
    "max_regions_deep_1d",
    "montufar_lower_bound",
    "fit_shallow_lstsq",
    "zigzag_net",
    "random_net",
]


def relu(z):
    """Rectified linear unit, a[z] = max(0, z), element-wise. Any shape in, same shape out."""
    z = as_float_array(z, "z", allow_nan=True)
    return np.maximum(z, 0.0)


def _check_activation(activation):
    if not callable(activation):
        raise InputTypeError(f"activation must be a function such as relu; got {activation!r}")
    return activation


def _split_shallow(theta, phi, D_i=None):
    """Check theta (D, 1 + D_i) and phi (D_o, 1 + D); return them as float arrays."""
    theta = check_ndim(as_float_array(theta, "theta"), "theta", (2,), "(D, 1 + D_i)")
    phi = as_float_array(phi, "phi")
    if phi.ndim == 1:
        phi = phi[None, :]  # one output given as a flat row
    check_ndim(phi, "phi", (2,), "(D_o, 1 + D)")
    D = theta.shape[0]
    if theta.shape[1] < 2:
        raise ShapeError(f"theta has shape {theta.shape}; expected (D, 1 + D_i): column 0 holds the biases")
    if D_i is not None and theta.shape[1] != 1 + D_i:
        raise ShapeError(
            f"theta has shape {theta.shape}; expected ({D}, {1 + D_i}) = (D, 1 + D_i) for "
            f"D_i = {D_i} inputs (column 0 holds the biases theta_d0)"
        )
    if phi.shape[1] != 1 + D:
        raise ShapeError(
            f"phi has shape {phi.shape}; expected ({phi.shape[0]}, {1 + D}) = (D_o, 1 + D) for "
            f"D = {D} hidden units (column 0 holds the offsets phi_j0)"
        )
    return theta, phi


def shallow_parts(x, theta, phi, activation=relu):
    """The three steps of a shallow net, returned separately for plotting.

    z = theta[:, :1] + theta[:, 1:] @ x      (1) pre-activations, (D, I)
    h = a[z]                                 (2) activations,     (D, I)
    y = phi[:, :1] + phi[:, 1:] @ h          (3) outputs,         (D_o, I)

    Returns ``(z, h, y)`` for ``x`` of shape ``(D_i, I)``.
    """
    activation = _check_activation(activation)
    theta, phi = _split_shallow(theta, phi)
    x, _ = as_points(x, "x", D=theta.shape[1] - 1)
    z = theta[:, :1] + theta[:, 1:] @ x  # (D, 1) + (D, D_i) @ (D_i, I) -> (D, I)
    h = activation(z)  # (D, I)
    y = phi[:, :1] + phi[:, 1:] @ h  # (D_o, 1) + (D_o, D) @ (D, I) -> (D_o, I)
    return z, h, y


def shallow_net(x, theta, phi, activation=relu):
    """A shallow network y_j = phi_j0 + sum_d phi_jd a[theta_d0 + sum_i theta_di x_i].

    x: (D_i, I) or (D_i,); theta: (D, 1 + D_i), column 0 the biases theta_d0;
    phi: (D_o, 1 + D), column 0 the offsets phi_j0. Returns (D_o, I), or (D_o,) for one point.
    """
    theta, phi = _split_shallow(theta, phi)
    x2, was_1d = as_points(x, "x")
    if x2.shape[0] != theta.shape[1] - 1:
        raise ShapeError(
            f"x has {x2.shape[0]} row(s) (shape {x2.shape}) but theta has shape {theta.shape}, "
            f"i.e. D_i = {theta.shape[1] - 1} inputs; theta must be (D, 1 + D_i)"
        )
    _, _, y = shallow_parts(x2, theta, phi, activation)
    return restore_points(y, was_1d)


def shallow_joints(theta):
    """Positions of the joints of a 1-input shallow net: z_d = 0 at x = -theta_d0 / theta_d1.

    theta: (D, 2). Returns (D,) with ``nan`` for a unit whose slope theta_d1 is 0 (no joint).
    """
    theta = check_ndim(as_float_array(theta, "theta"), "theta", (2,), "(D, 2)")
    if theta.shape[1] != 2:
        raise ShapeError(f"theta has shape {theta.shape}; expected (D, 2) for one input")
    with np.errstate(divide="ignore", invalid="ignore"):
        joints = -theta[:, 0] / theta[:, 1]
    joints[theta[:, 1] == 0] = np.nan
    return joints


def _layers(x, betas, omegas, activation):
    """Yield the activations h_1..h_K (each (D_k, I)) and finally the output (D_o, I)."""
    h = x
    for k in range(len(omegas)):
        f = betas[k] + omegas[k] @ h  # (D_{k+1}, 1) + (D_{k+1}, D_k) @ (D_k, I)
        if k == len(omegas) - 1:
            yield f  # the output layer is linear: no activation
        else:
            h = activation(f)
            yield f


def deep_net(x, betas, omegas, activation=relu):
    """A deep network: h_1 = a[beta_0 + Omega_0 x], h_{k+1} = a[beta_k + Omega_k h_k],
    y = beta_K + Omega_K h_K.

    x: (D_i, I) or (D_i,); betas, omegas: lists of length K+1. Returns (D_o, I) or (D_o,).
    """
    activation = _check_activation(activation)
    betas, omegas = check_param_list(betas, omegas)
    x2, was_1d = as_points(x, "x", D=omegas[0].shape[1])
    *_, y = _layers(x2, betas, omegas, activation)
    return restore_points(y, was_1d)


def activation_patterns(x, betas, omegas):
    """Which ReLUs are on (f > 0) at each point: a boolean array (D_1 + ... + D_K, I).

    Only hidden layers count; the output layer has no ReLU. Points with the same column lie in
    the same linear region (the net is one affine function there).
    """
    betas, omegas = check_param_list(betas, omegas)
    x2, _ = as_points(x, "x", D=omegas[0].shape[1])
    pre = list(_layers(x2, betas, omegas, relu))[:-1]  # f_0 .. f_{K-1}, the hidden layers
    if not pre:
        return np.zeros((0, x2.shape[1]), dtype=bool)
    return np.concatenate([f > 0 for f in pre], axis=0)


def region_ids(x, betas, omegas):
    """Label each point by its activation pattern: ints (I,) numbered 0, 1, ... in order of
    first appearance, so neighbouring points in one linear region share a label."""
    patterns = activation_patterns(x, betas, omegas)
    if patterns.shape[0] == 0:
        return np.zeros(patterns.shape[1], dtype=np.int64)  # no hidden units: one region
    keys = _pattern_keys(patterns)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber by first appearance
    return order[inverse.ravel()]


def _pattern_keys(patterns):
    """One hashable scalar per column of a boolean (H, I) pattern array, for fast np.unique."""
    packed = np.ascontiguousarray(np.packbits(patterns, axis=0).T)  # (I, ceil(H / 8)) bytes
    return packed.view(np.dtype((np.void, packed.shape[1])))[:, 0]  # (I,) one key per point


def count_regions(x, betas, omegas):
    """The number of distinct ReLU on/off patterns over the sample points x (D_i, I).

    Each pattern is one convex linear region, so this counts the regions the samples touch:
    a lower bound on the net's linear regions.
    """
    patterns = activation_patterns(x, betas, omegas)
    if patterns.shape[1] == 0:
        return 0
    if patterns.shape[0] == 0:
        return 1  # no hidden units: the whole input is one region
    return int(np.unique(_pattern_keys(patterns)).shape[0])


def num_params_shallow(D_i, D, D_o):
    """Parameters of a shallow net: D (D_i + 1) in theta plus D_o (D + 1) in phi."""
    D_i, D, D_o = (check_int(v, n, 1) for v, n in ((D_i, "D_i"), (D, "D"), (D_o, "D_o")))
    return D * (D_i + 1) + D_o * (D + 1)


def num_params_deep(D_i, widths, D_o):
    """Parameters of a deep net with hidden widths [D_1, ..., D_K]: sum_k D_{k+1} (D_k + 1)."""
    if isinstance(widths, (int, np.integer)) or not hasattr(widths, "__iter__"):
        raise InputTypeError(f"widths must be a list of hidden-layer sizes; got {widths!r}")
    sizes = [check_int(D_i, "D_i", 1)]
    sizes += [check_int(w, f"widths[{k}]", 1) for k, w in enumerate(widths)]
    sizes += [check_int(D_o, "D_o", 1)]
    return sum(sizes[k + 1] * (sizes[k] + 1) for k in range(len(sizes) - 1))


def max_regions_shallow(D, D_i):
    """Zaslavsky: D hyperplanes cut R^{D_i} into at most sum_{j=0}^{D_i} C(D, j) regions."""
    D, D_i = check_int(D, "D", 0), check_int(D_i, "D_i", 1)
    return sum(comb(D, j) for j in range(D_i + 1))


def max_regions_deep_1d(D, K):
    """The most regions K hidden layers of D units can make from one input: (D + 1)^K."""
    return (check_int(D, "D", 0) + 1) ** check_int(K, "K", 1)


def montufar_lower_bound(n0, widths):
    """Montufar et al. (2014): some net with n0 inputs and hidden widths [n_1..n_L] (n_i >= n0)
    has at least prod_{i<L} floor(n_i / n0)^n0 * sum_{j=0}^{n0} C(n_L, j) linear regions."""
    n0 = check_int(n0, "n0", 1)
    if isinstance(widths, (int, np.integer)) or not hasattr(widths, "__iter__") or not len(widths):
        raise InputTypeError(f"widths must be a non-empty list of hidden widths; got {widths!r}")
    widths = [check_int(w, f"widths[{i}]", 1) for i, w in enumerate(widths)]
    for i, w in enumerate(widths):
        if w < n0:
            raise ShapeError(f"widths[{i}] = {w}; the theorem needs every width >= n0 = {n0}")
    bound = 1
    for n_i in widths[:-1]:
        bound *= (n_i // n0) ** n0
    return bound * sum(comb(widths[-1], j) for j in range(n0 + 1))


def fit_shallow_lstsq(x, y, D, x_min=None, x_max=None):
    """Fit a 1-input shallow net with D ReLU units to samples (x, y).

    The joints t_d are spread evenly over [x_min, x_max), the first at x_min so that unit acts
    as the linear term (theta fixed: z_d = x - t_d), and the output weights phi are the
    least-squares solution, a linear problem once theta is fixed.
    x, y: (I,). Returns (theta (D, 2), phi (1, D + 1)).
    """
    x = check_ndim(as_float_array(x, "x"), "x", (1,), "(I,) sample inputs")
    y = check_ndim(as_float_array(y, "y"), "y", (1,), "(I,) sample targets")
    if x.shape != y.shape:
        raise ShapeError(f"y has shape {y.shape}; expected {x.shape} to match x")
    D = check_int(D, "D", 0)
    lo = x.min() if x_min is None else float(x_min)
    hi = x.max() if x_max is None else float(x_max)
    joints = lo + (hi - lo) * np.arange(D) / max(D, 1)  # (D,) evenly spaced, first at x_min
    theta = np.stack([-joints, np.ones(D)], axis=1)  # z_d = x - t_d, (D, 2)
    h = relu(theta[:, :1] + theta[:, 1:] @ x[None, :])  # (D, I)
    design = np.vstack([np.ones_like(x), h]).T  # (I, 1 + D): [1, h_1, ..., h_D]
    phi, *_ = np.linalg.lstsq(design, y, rcond=None)
    return theta, phi[None, :]


def zigzag_net(D, K):
    """A deep 1-input net that folds [0, 1] onto itself D times per layer (the folding picture).

    Each hidden layer holds D units: h_1 = a[y + 1/(2D)] (always on, it carries y itself) and
    h_j = a[y - (j - 1)/D] for j = 2..D. The next layer's pre-activations combine them into the
    zig-zag g(y) = D (h_1 - 1/(2D)) - 2D h_2 + 2D h_3 - ..., which has slopes +-D and maps each
    of its D pieces onto [0, 1]. So every layer multiplies the number of linear pieces by D; the
    last hidden layer cuts each piece into D + 1, giving D^(K-1) (D + 1) regions: Montufar's
    lower bound for n0 = 1. Returns (betas, omegas).
    """
    D, K = check_int(D, "D", 2), check_int(K, "K", 1)
    shifts = np.r_[-0.5 / D, np.arange(1, D) / D]  # (D,) where each unit switches on
    c = np.array([D] + [2.0 * D * (-1) ** j for j in range(1, D)])  # (D,) zig-zag weights
    last = (np.arange(D) + 0.5) / D  # the last layer's D joints, inside (0, 1)
    betas = [-(last if K == 1 else shifts)]
    omegas = [np.ones((D, 1))]  # (D, 1): every unit sees x
    for k in range(1, K):
        s = last if k == K - 1 else shifts
        omegas.append(np.tile(c, (D, 1)))  # (D, D): each unit sees g = c . h - 1/2
        betas.append(-s - 0.5)
    omegas.append(c[None, :] / D)  # (1, D) output weights 1, -2, 2, ...: a zig-zag again
    betas.append(np.zeros(1))
    return betas, omegas


def random_net(widths, rng, scale=None):
    """A net with Gaussian weights and biases; widths = [D_i, D_1, ..., D_K, D_o].

    ``scale`` is the standard deviation (default He, sqrt(2 / D_k)). Returns (betas, omegas).
    """
    widths = [check_int(w, f"widths[{i}]", 1) for i, w in enumerate(widths)]
    if len(widths) < 2:
        raise ShapeError(f"widths has {len(widths)} entries; expected [D_i, ..., D_o]")
    check_rng(rng)
    betas, omegas = [], []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        s = np.sqrt(2.0 / d_in) if scale is None else float(scale)
        omegas.append(rng.normal(0.0, s, size=(d_out, d_in)))
        betas.append(rng.normal(0.0, s, size=d_out))
    return betas, omegas
