"""Shallow and deep ReLU networks and the linear regions they cut their input into (chapter 01).

Conventions (the notes'): data points are columns, ``x`` has shape ``(D_i, I)``; a hidden
layer ``h_k`` has shape ``(D_k, I)``; ``Omega_k`` has shape ``(D_{k+1}, D_k)`` and ``beta_k``
has shape ``(D_{k+1},)`` or ``(D_{k+1}, 1)``. A shallow net's ``theta`` is ``(D, 1 + D_i)``
(biases theta_d0 in column 0) and its ``phi`` is ``(D_o, 1 + D)`` (offsets phi_j0 in column 0).

Each public function states its arguments in a contract, ``@shapes(...)`` (dlcore.checks), so
its body is the maths. The building blocks are shared: the activations, the forward pass and
random initialisation come from dlcore.layers, ReLU features from dlcore.features and least
squares from dlcore.linear.
"""

from itertools import combinations, product
from math import comb

import numpy as np

from .checks import InputTypeError, ShapeError, check_int, shapes
from .features import even_joints, joint_theta, relu_features
from .layers import forward, init_params, relu, sigmoid
from .linear import least_squares

__all__ = [
    "relu",
    "sigmoid",
    "heaviside",
    "linear",
    "shallow_net",
    "shallow_parts",
    "shallow_joints",
    "shallow_joint_lines",
    "shallow_as_deep",
    "compose_shallow",
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
    "fit_shallow_grid",
    "zero_crossings",
    "zigzag_net",
    "random_net",
]


# ------------------------------------------------------------------------------------------
# Checks the contract language cannot say in a shape (used as contracts, never in a body)
# ------------------------------------------------------------------------------------------
def _widths(value, name):
    """Hidden-layer widths [D_1, ..., D_K], each an integer >= 1 (K = 0 is no hidden layer)."""
    if isinstance(value, (int, np.integer, str)) or not hasattr(value, "__iter__"):
        raise InputTypeError(f"{name} must be a list of hidden-layer sizes; got {value!r}")
    return [check_int(w, f"{name}[{k}]", 1) for k, w in enumerate(value)]


def _some_widths(value, name):
    """At least one hidden-layer width [n_1, ..., n_L]."""
    widths = _widths(value, name)
    if not widths:
        raise ShapeError(f"{name} is empty; expected a non-empty list of hidden widths")
    return widths


def _each_at_least(widths, n0):
    """Montufar's theorem needs every hidden width n_i >= n0 (a relation between two
    arguments, which a contract cannot state)."""
    for i, w in enumerate(widths):
        if w < n0:
            raise ShapeError(f"widths[{i}] = {w}; the theorem needs every width >= n0 = {n0}")


# ------------------------------------------------------------------------------------------
# Activations besides the ReLU (relu and sigmoid come from dlcore.layers, with their derivatives)
# ------------------------------------------------------------------------------------------
@shapes(z="... nan")
def heaviside(z):
    """The step function a[z] = 1 for z > 0 and 0 otherwise (0 at z = 0, as the ReLU's slope)."""
    return (z > 0).astype(np.float64)


@shapes(z="... nan")
def linear(z):
    """The identity a[z] = z: no activation at all."""
    return z.copy()


# ------------------------------------------------------------------------------------------
# Shallow networks
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I points", theta="D 1+D_i", phi="D_o 1+D rows", activation="function")
def shallow_parts(x, theta, phi, activation=relu):
    """The three steps of a shallow net, returned separately for plotting.

    z = theta[:, :1] + theta[:, 1:] @ x      (1) pre-activations, (D, I)
    h = a[z]                                 (2) activations,     (D, I)
    y = phi[:, :1] + phi[:, 1:] @ h          (3) outputs,         (D_o, I)

    Returns ``(z, h, y)`` for ``x`` of shape ``(D_i, I)`` (each 1-D for one point x (D_i,)).
    """
    z = theta[:, :1] + theta[:, 1:] @ x  # (D, 1) + (D, D_i) @ (D_i, I) -> (D, I)
    h = activation(z)  # (D, I)
    y = phi[:, :1] + phi[:, 1:] @ h  # (D_o, 1) + (D_o, D) @ (D, I) -> (D_o, I)
    return z, h, y


@shapes(x="D_i I points", theta="D 1+D_i", phi="D_o 1+D rows", activation="function")
def shallow_net(x, theta, phi, activation=relu):
    """A shallow network y_j = phi_j0 + sum_d phi_jd a[theta_d0 + sum_i theta_di x_i].

    x: (D_i, I) or (D_i,); theta: (D, 1 + D_i), column 0 the biases theta_d0;
    phi: (D_o, 1 + D), column 0 the offsets phi_j0. Returns (D_o, I), or (D_o,) for one point.
    """
    _, _, y = shallow_parts.__wrapped__(x, theta, phi, activation)  # step (3) of the three
    return y


@shapes(theta="D 2")
def shallow_joints(theta):
    """Positions of the joints of a 1-input shallow net: z_d = 0 at x = -theta_d0 / theta_d1.

    theta: (D, 2). Returns (D,) with ``nan`` for a unit whose slope theta_d1 is 0 (no joint).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        joints = -theta[:, 0] / theta[:, 1]
    joints[theta[:, 1] == 0] = np.nan
    return joints


@shapes(theta="D 3", lo="number", hi="number")
def shallow_joint_lines(theta, lo, hi):
    """Where the units of a 2-input shallow net switch: the lines theta_d0 + theta_d1 x_1 +
    theta_d2 x_2 = 0, each as two points on the border of the square [lo, hi]^2.

    The line is solved for the coordinate with the larger weight (so it is never divided by a
    weight near 0): x_2 = -(theta_d0 + theta_d1 x_1) / theta_d2 at x_1 = lo, hi, or x_1 likewise.
    theta: (D, 3). Returns (D, 2, 2): lines[d] = [[x_1, x_1'], [x_2, x_2']].
    """
    ends = np.array([lo, hi])  # (2,)
    b, w1, w2 = theta[:, :1], theta[:, 1:2], theta[:, 2:]  # each (D, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x2_of_x1 = np.stack([np.broadcast_to(ends, (len(theta), 2)), -(b + w1 * ends) / w2], 1)
        x1_of_x2 = np.stack([-(b + w2 * ends) / w1, np.broadcast_to(ends, (len(theta), 2))], 1)
    return np.where((np.abs(w2) > np.abs(w1))[:, :, None], x2_of_x1, x1_of_x2)  # (D, 2, 2)


@shapes(theta="D 1+D_i", phi="D_o 1+D rows")
def shallow_as_deep(theta, phi):
    """A shallow net in the deep notation: beta_0 = theta_d0, Omega_0 = theta_di (i >= 1),
    beta_1 = phi_j0, Omega_1 = phi_jd (d >= 1). Returns (betas, omegas), two layers each."""
    return [theta[:, 0], phi[:, 0]], [theta[:, 1:], phi[:, 1:]]


@shapes(theta="D 1+D_i", phi="1 1+D", theta2="D2 2", phi2="D_o 1+D2")
def compose_shallow(theta, phi, theta2, phi2):
    """Network 2 (theta', phi', one input) applied to the output y of network 1 (theta, phi,
    one output), written as one deep net: network 2's pre-activations are
    theta'_d0 + theta'_d1 y = (theta'_d0 + theta'_d1 phi_0) + sum_j theta'_d1 phi_j h_j, so

    beta_0, Omega_0 = theta[:, 0], theta[:, 1:]          (network 1's hidden layer)
    beta_1 = theta'_0 + theta'_1 phi_0,  Omega_1 = theta'_1 phi_{1:}^T   (D2, D): rank one
    beta_2, Omega_2 = phi'[:, 0], phi'[:, 1:]            (network 2's output layer)

    Returns (betas, omegas).
    """
    betas = [theta[:, 0], theta2[:, 0] + theta2[:, 1] * phi[0, 0], phi2[:, 0]]
    omegas = [theta[:, 1:], np.outer(theta2[:, 1], phi[0, 1:]), phi2[:, 1:]]
    return betas, omegas


# ------------------------------------------------------------------------------------------
# Deep networks and their linear regions
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I points", betas="net", omegas="net", activation="function")
def deep_net(x, betas, omegas, activation=relu):
    """A deep network: h_1 = a[beta_0 + Omega_0 x], h_{k+1} = a[beta_k + Omega_k h_k],
    y = beta_K + Omega_K h_K.

    x: (D_i, I) or (D_i,); betas, omegas: lists of length K+1. Returns (D_o, I) or (D_o,).
    """
    fs, hs = forward(x, betas, omegas, activation)  # every f_k and h_k, layer by layer
    return fs[-1]  # the output f_K = beta_K + Omega_K h_K: linear, no activation


@shapes(x="D_i I points", betas="net", omegas="net")
def activation_patterns(x, betas, omegas):
    """Which ReLUs are on (f > 0) at each point: a boolean array (D_1 + ... + D_K, I).

    Only hidden layers count; the output layer has no ReLU. Points with the same column lie in
    the same linear region (the net is one affine function there).
    """
    fs, _ = forward.__wrapped__(x, betas, omegas, relu)  # f_0 .. f_K
    on = [f > 0 for f in fs[:-1]]  # the hidden layers f_0 .. f_{K-1}, each (D_{k+1}, I)
    return np.concatenate(on, axis=0) if on else np.zeros((0, x.shape[1]), dtype=bool)


@shapes(x="D_i I points", betas="net", omegas="net")
def region_ids(x, betas, omegas):
    """Label each point by its activation pattern: ints (I,) numbered 0, 1, ... in order of
    first appearance, so neighbouring points in one linear region share a label."""
    patterns = activation_patterns.__wrapped__(x, betas, omegas)  # (H, I)
    if patterns.shape[0] == 0:
        return np.zeros(patterns.shape[1], dtype=np.int64)  # no hidden units: one region
    _, first, inverse = np.unique(_pattern_keys(patterns), return_index=True,
                                  return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber by first appearance
    return order[inverse.ravel()]


def _pattern_keys(patterns):
    """One hashable scalar per column of a boolean (H, I) pattern array, for fast np.unique."""
    packed = np.ascontiguousarray(np.packbits(patterns, axis=0).T)  # (I, ceil(H / 8)) bytes
    return packed.view(np.dtype((np.void, packed.shape[1])))[:, 0]  # (I,) one key per point


@shapes(x="D_i I points", betas="net", omegas="net")
def count_regions(x, betas, omegas):
    """The number of distinct ReLU on/off patterns over the sample points x (D_i, I).

    Each pattern is one convex linear region, so this counts the regions the samples touch:
    a lower bound on the net's linear regions.
    """
    patterns = activation_patterns.__wrapped__(x, betas, omegas)  # (H, I)
    if patterns.shape[1] == 0:
        return 0
    if patterns.shape[0] == 0:
        return 1  # no hidden units: the whole input is one region
    return int(np.unique(_pattern_keys(patterns)).shape[0])


@shapes(x="I", f="D I rows")
def zero_crossings(x, f):
    """Where each row of f, sampled at increasing x (I,), changes from on (f > 0) to off or back:
    the joints a ReLU a[f] adds. Between samples i and i + 1 the crossing is placed where the
    straight line through (x_i, f_i) and (x_{i+1}, f_{i+1}) is zero,

        x* = x_i + (x_{i+1} - x_i) f_i / (f_i - f_{i+1}).

    f: (D, I) or (I,). Returns (rows, positions): two arrays of the same length, the row d of
    each crossing and its x*, ordered by row and then by x.
    """
    on = f > 0  # (D, I)
    rows, i = np.nonzero(on[:, 1:] != on[:, :-1])  # the switch lies between samples i and i + 1
    f0, f1 = f[rows, i], f[rows, i + 1]
    return rows, x[i] + (x[i + 1] - x[i]) * f0 / (f0 - f1)


# ------------------------------------------------------------------------------------------
# Counting parameters and regions
# ------------------------------------------------------------------------------------------
@shapes(D_i="int >= 1", D="int >= 1", D_o="int >= 1")
def num_params_shallow(D_i, D, D_o):
    """Parameters of a shallow net: D (D_i + 1) in theta plus D_o (D + 1) in phi."""
    return D * (D_i + 1) + D_o * (D + 1)


@shapes(D_i="int >= 1", widths=_widths, D_o="int >= 1")
def num_params_deep(D_i, widths, D_o):
    """Parameters of a deep net with hidden widths [D_1, ..., D_K]: sum_k D_{k+1} (D_k + 1)."""
    sizes = [D_i, *widths, D_o]  # D_0 = D_i, D_1, ..., D_K, D_{K+1} = D_o
    return sum(sizes[k + 1] * (sizes[k] + 1) for k in range(len(sizes) - 1))


@shapes(D="int >= 0", D_i="int >= 1")
def max_regions_shallow(D, D_i):
    """Zaslavsky: D hyperplanes cut R^{D_i} into at most sum_{j=0}^{D_i} C(D, j) regions."""
    return sum(comb(D, j) for j in range(D_i + 1))


@shapes(D="int >= 0", K="int >= 1")
def max_regions_deep_1d(D, K):
    """The most regions K hidden layers of D units can make from one input: (D + 1)^K."""
    return (D + 1) ** K


@shapes(n0="int >= 1", widths=_some_widths)
def montufar_lower_bound(n0, widths):
    """Montufar et al. (2014): some net with n0 inputs and hidden widths [n_1..n_L] (n_i >= n0)
    has at least prod_{i<L} floor(n_i / n0)^n0 * sum_{j=0}^{n0} C(n_L, j) linear regions."""
    _each_at_least(widths, n0)
    bound = 1
    for n_i in widths[:-1]:
        bound *= (n_i // n0) ** n0
    return bound * sum(comb(widths[-1], j) for j in range(n0 + 1))


# ------------------------------------------------------------------------------------------
# Nets made to order: a least-squares fit, the zig-zag, random weights
# ------------------------------------------------------------------------------------------
@shapes(x="I", y="I", D="int >= 0", x_min="number", x_max="number")
def fit_shallow_lstsq(x, y, D, x_min=None, x_max=None):
    """Fit a 1-input shallow net with D ReLU units to samples (x, y).

    The joints t_d are spread evenly over [x_min, x_max) (default: the range of x), the first
    at x_min so that unit acts as the linear term (theta fixed: z_d = x - t_d), and the output
    weights phi are the least-squares solution, a linear problem once theta is fixed.
    x, y: (I,). Returns (theta (D, 2), phi (1, D + 1)).
    """
    lo = x.min() if x_min is None else x_min
    hi = x.max() if x_max is None else x_max
    theta = joint_theta(even_joints(D, lo, hi))  # (D, 2): z_d = x - t_d, joints evenly spaced
    H = relu_features(x, theta)  # (1 + D, I): the rows [1, h_1, ..., h_D]
    phi = least_squares(H, y)  # (1 + D,): argmin sum_i (y_i - phi H[:, i])^2
    return theta, phi[None, :]


@shapes(x="I", y="I", candidates="J", D="int >= 1")
def fit_shallow_grid(x, y, candidates, D=3):
    """The best 1-input shallow net with D ReLU units whose joints lie on a grid of candidates.

    A unit a[theta_d0 + theta_d1 x] with theta_d1 != 0 is |theta_d1| a[s_d (x - t_d)], with
    joint t_d and direction s_d = +-1, and the factor |theta_d1| can move into phi_d. So every
    net is a choice of D joints and D directions, then phi by least squares (y is linear in phi).
    This tries every set of D distinct joints from ``candidates`` (J,) with all 2^D directions:
    C(J, D) 2^D nets, screened at once by the normal equations
    (H H^T + tiny ridge) phi = H y, the winner refitted by dlcore.linear.least_squares.
    A candidate outside the data makes its unit linear (or zero) on the data.

    x, y: (I,). Returns (theta (D, 2), phi (1, D + 1), loss = sum_i (y_i - f[x_i])^2).
    """
    sets = candidates[np.array(list(combinations(range(len(candidates)), D)))]  # (C, D)
    signs = np.array(list(product([1.0, -1.0], repeat=D)))  # (S, D) the directions s_d
    t = np.repeat(sets, len(signs), axis=0)  # (N, D) joints of the N = C S nets
    s = np.tile(signs, (len(sets), 1))  # (N, D) directions
    h = relu(s[:, :, None] * (x[None, None, :] - t[:, :, None]))  # (N, D, I)
    H = np.concatenate([np.ones((len(t), 1, len(x))), h], axis=1)  # (N, 1 + D, I)
    G = H @ H.transpose(0, 2, 1)  # (N, 1 + D, 1 + D)
    ridge = 1e-10 * np.trace(G, axis1=1, axis2=2)[:, None, None] * np.eye(D + 1)  # (N, 1+D, 1+D)
    phi = np.linalg.solve(G + ridge, (H @ y)[:, :, None])[:, :, 0]  # (N, 1 + D)
    loss = np.sum((y - np.einsum("np,npi->ni", phi, H)) ** 2, axis=1)  # (N,)
    best = int(np.argmin(loss))
    theta = np.stack([-s[best] * t[best], s[best]], axis=1)  # (D, 2): a[s_d x - s_d t_d]
    phi = least_squares(H[best], y)  # (1 + D,) the exact least-squares weights
    return theta, phi[None, :], float(np.sum((y - phi @ H[best]) ** 2))


@shapes(D="int >= 2", K="int >= 1")
def zigzag_net(D, K):
    """A deep 1-input net that folds [0, 1] onto itself D times per layer (the folding picture).

    Each hidden layer holds D units: h_1 = a[y + 1/(2D)] (always on, it carries y itself) and
    h_j = a[y - (j - 1)/D] for j = 2..D. The next layer's pre-activations combine them into the
    zig-zag g(y) = D (h_1 - 1/(2D)) - 2D h_2 + 2D h_3 - ..., which has slopes +-D and maps each
    of its D pieces onto [0, 1]. So every layer multiplies the number of linear pieces by D; the
    last hidden layer cuts each piece into D + 1, giving D^(K-1) (D + 1) regions: Montufar's
    lower bound for n0 = 1. Returns (betas, omegas).
    """
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


@shapes(rng="rng", scale=">= 0")
def random_net(widths, rng, scale=None):
    """A net with Gaussian weights and biases; widths = [D_i, D_1, ..., D_K, D_o].

    ``scale`` is the standard deviation of every Omega_k and beta_k (default He's,
    sqrt(2 / D_k) for the layer fed by D_k units). Layer by layer, Omega_k is drawn, then beta_k
    (dlcore.layers.init_params, which also checks ``widths``). Returns (betas, omegas).
    """
    sigma = "he" if scale is None else scale
    return init_params(widths, sigma, rng, bias_sigma=sigma)
