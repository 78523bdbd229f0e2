"""Chapter 01 exercises: shallow nets, their joints and regions, composing nets, a deep net's
forward pass, parameter counts, and the regions depth can buy."""

import numpy as np

from .. import nets
from . import FunctionExercise, Mistake, ValueExercise

_rng = np.random.default_rng(101)  # fixed probes: the same check for every student
_PROBES = tuple(
    (np.linspace(-2, 2, 9), _rng.normal(size=(3, 2)), _rng.normal(size=(1, 4)))
    for _ in range(3)
)


def shallow_1d(x, theta, phi):
    """A shallow net with one input and D = 3 hidden units, on a 1-D array of inputs x (I,)."""
    x = np.asarray(x, dtype=float)  # (I,) inputs
    z = theta[:, :1] + theta[:, 1:] * x[None, :]  # step 1: z_d = theta_d0 + theta_d1 x, (3, I)
    h = np.maximum(z, 0.0)  # step 2: h_d = a[z_d], the ReLU, (3, I)
    return phi[0, 0] + phi[0, 1:] @ h  # step 3: y = phi_0 + sum_d phi_d h_d, (I,)


def _relu_on_output(x, theta, phi):
    return np.maximum(shallow_1d(x, theta, phi), 0)


def _no_offset(x, theta, phi):
    return shallow_1d(x, theta, phi) - phi[0, 0]


def _bias_outside_relu(x, theta, phi):
    h = np.maximum(theta[:, 1:] @ np.asarray(x)[None, :], 0) + theta[:, :1]
    return phi[0, 0] + phi[0, 1:] @ h


def _transposed_theta(x, theta, phi):
    z = theta[:, 1:2] + theta[:, 0:1] * np.asarray(x)[None, :]  # slope and bias swapped
    return phi[0, 0] + phi[0, 1:] @ np.maximum(z, 0)


shallow_by_hand = FunctionExercise(
    title="A shallow network in three steps",
    task=(r"Write `shallow_1d(x, theta, phi)`, the shallow network of section 1 with one input "
          r"and $D = 3$ hidden units, in its three steps (pre-activations, ReLU, weighted sum) "
          r"and without calling `dlcore`. Here `x` has shape `(I,)`; `theta` "
          r"is `(3, 2)`, with the biases $\theta_{d0}$ in column 0 and the slopes $\theta_{d1}$ in "
          r"column 1; `phi` is `(1, 4)`, with the offset $\phi_0$ in `phi[0, 0]` and the weights "
          r"$\phi_1, \phi_2, \phi_3$ in `phi[0, 1:]`. Return `y` with shape `(I,)`."),
    hint_text=("Step 1: z = theta[:, :1] + theta[:, 1:] * x[None, :] (shape (3, I)). "
               "Step 2: h = np.maximum(z, 0). Step 3: y = phi[0, 0] + phi[0, 1:] @ h."),
    reference=shallow_1d,
    probes=_PROBES,
    mistakes=(
        Mistake("ReLU applied to the output",
                "the output layer is linear; only the hidden units pass through a[.], so y can "
                "be negative", _relu_on_output),
        Mistake("missing offset phi_0",
                "y = phi_0 + sum_d phi_d h_d: the offset shifts the whole function up or down",
                _no_offset),
        Mistake("bias added after the ReLU",
                "the bias theta_d0 belongs inside the activation, a[theta_d0 + theta_d1 x]; "
                "outside it the joint stays at x = 0", _bias_outside_relu),
        Mistake("bias and slope swapped",
                "column 0 of theta holds the biases theta_d0, column 1 the slopes theta_d1",
                _transposed_theta),
    ),
    explanation="your three steps give the same y as the reference on every probe.",
)


# -- 2. The joints of a shallow net ------------------------------------------------------------
def joints_solution(theta):
    """Where each hidden unit of a 1-input shallow net switches: theta_d0 + theta_d1 x = 0."""
    bias, slope = theta[:, 0], theta[:, 1]  # column 0: theta_d0, column 1: theta_d1, (D,) each
    return -bias / slope  # solve theta_d0 + theta_d1 x = 0 for x, unit by unit


def _joints_sign_lost(theta):
    return theta[:, 0] / theta[:, 1]


def _joints_upside_down(theta):
    return -theta[:, 1] / theta[:, 0]


def _joints_not_divided(theta):
    return -theta[:, 0]


def _theta_probe(D):
    """theta (D, 2) with slopes of both signs and no slope near 0 (so every unit has a joint)."""
    slopes = _rng.choice([-1.0, 1.0], size=D) * _rng.uniform(0.5, 2.0, size=D)
    return np.stack([_rng.uniform(-2.0, 2.0, size=D), slopes], axis=1)


joints_by_hand = FunctionExercise(
    title="Where are the joints?",
    task=(r"Write `joint_positions(theta)` for a shallow network with one input: `theta` has shape "
          r"`(D, 2)`, the biases $\theta_{d0}$ in column 0 and the slopes $\theta_{d1}$ in "
          r"column 1 (none of them 0). Return the $D$ positions $x$ at which the hidden units "
          r"switch on or off, as an array of shape `(D,)` in the order of the units."),
    hint_text=("Unit d switches where its pre-activation is zero: solve theta_d0 + theta_d1 x = 0 "
               "for x. Work with whole columns: theta[:, 0] and theta[:, 1]."),
    reference=joints_solution,
    probes=tuple((_theta_probe(D),) for D in (3, 4, 6)),
    mistakes=(
        Mistake("sign lost", "theta_d0 + theta_d1 x = 0 gives x = -theta_d0 / theta_d1: moving "
                "theta_d0 to the other side flips its sign", _joints_sign_lost),
        Mistake("ratio upside down", "divide the bias by the slope, not the slope by the bias",
                _joints_upside_down),
        Mistake("slope forgotten", "x = -theta_d0 only when theta_d1 = 1; divide by the slope "
                "theta_d1", _joints_not_divided),
    ),
    explanation="your joints are -theta_d0 / theta_d1 for every unit of every probe.",
)


# -- 3. Counting regions on a grid -----------------------------------------------------------
def regions_solution(x, theta):
    """The linear regions of a 1-input shallow net that the sorted grid x (I,) sees."""
    z = theta[:, :1] + theta[:, 1:] * x[None, :]  # pre-activations at every grid point, (D, I)
    on = z > 0  # the on/off pattern of the units, one column per point, (D, I)
    changed = np.any(on[:, 1:] != on[:, :-1], axis=0)  # (I - 1,) does the pattern change there?
    return int(np.sum(changed)) + 1  # each change starts a new region; the first is free


def _regions_no_plus_one(x, theta):
    return regions_solution(x, theta) - 1


def _regions_per_unit(x, theta):
    on = theta[:, :1] + theta[:, 1:] * np.asarray(x)[None, :] > 0
    return int(np.sum(on[:, 1:] != on[:, :-1])) + 1


def _regions_d_plus_one(x, theta):
    return len(theta) + 1


def _units(joints, slopes):
    """theta (D, 2) of units z_d = slope_d (x - joint_d)."""
    joints, slopes = np.array(joints), np.array(slopes)
    return np.stack([-slopes * joints, slopes], axis=1)


_GRID = np.linspace(-2.0, 2.0, 41)  # points 0.1 apart; every joint below lies between two
_REGION_PROBES = (
    (_GRID, _units([-1.05, 0.55, 1.25], [1.0, 0.9, -1.0])),
    (_GRID, _units([0.55, 0.55, -1.05], [1.0, -2.0, 1.5])),  # two units switch at 0.55
    (_GRID, np.r_[_units([-0.35, 0.85, 3.0], [1.0, 1.0, 1.0]), [[0.5, 0.0]]]),  # 3 is outside,
)  # and the last unit is flat (always on)

regions_on_grid = FunctionExercise(
    title="Counting linear regions on a grid",
    task=(r"Write `count_regions_1d(x, theta)`. A shallow network has one input and the hidden "
          r"layer `theta` of shape `(D, 2)` (biases $\theta_{d0}$ in column 0, slopes "
          r"$\theta_{d1}$ in column 1); `x` is a sorted grid of shape `(I,)`. A unit is on where "
          r"$z_d > 0$. Neighbouring grid points belong to one region unless some unit switches "
          r"between them. Return how many linear regions the grid passes through, as an "
          r"integer. (A slope may be 0, and a joint may lie outside the grid.)"),
    hint_text=("Build the on/off pattern z > 0 of shape (D, I). Walking along the grid, a new "
               "region starts wherever the column differs from the previous one (in any unit): "
               "count those places, then add the region you started in."),
    reference=regions_solution,
    probes=_REGION_PROBES,
    mistakes=(
        Mistake("counted joints, not regions", "k changes of pattern cut the grid into k + 1 "
                "pieces: add the region you start in", _regions_no_plus_one),
        Mistake("counted each unit's switches separately",
                "when two units switch between the same two grid points the pattern changes "
                "once, so that is one new region, not two", _regions_per_unit),
        Mistake("counted the units, not the grid", "D + 1 is the most there can be; a unit whose "
                "joint lies outside the grid, or whose slope is 0, never switches on it",
                _regions_d_plus_one),
    ),
    explanation="your count matches the number of pattern changes + 1 on every probe.",
)

count_params = ValueExercise(
    title="Counting parameters",
    task=(r"The notes draw a deep network (the diagram in section 7) with $D_i = 3$ inputs, "
          r"hidden layers of widths 4, 2 and 3, and $D_o = 2$ outputs. How many parameters "
          r"(weights $\Omega_k$ and biases $\beta_k$) does it have? Count by hand; then you may "
          r"check your count with `nets.num_params_deep`. Answer with an integer."),
    hint_text=("Each layer maps D_k units to D_{k+1} units with a (D_{k+1}, D_k) matrix Omega_k "
               "and a bias vector beta_k of length D_{k+1}: D_{k+1} (D_k + 1) per layer."),
    value=nets.num_params_deep(3, [4, 2, 3], 2),  # 43
    solution_code=(
        "widths = [3, 4, 2, 3, 2]  # D_i, the hidden widths D_1..D_3, D_o\n"
        "# layer k: a (D_{k+1}, D_k) matrix Omega_k and D_{k+1} biases beta_k\n"
        "per_layer = [widths[k + 1] * (widths[k] + 1) for k in range(len(widths) - 1)]\n"
        "answer = sum(per_layer)  # add the four layers\n"
    ),
    mistakes=(
        Mistake("forgot the biases", "every layer also has one bias per unit it feeds",
                4 * 3 + 2 * 4 + 3 * 2 + 2 * 3),
        Mistake("forgot the output biases", "the output layer has its offsets beta_K too",
                nets.num_params_deep(3, [4, 2, 3], 2) - 2),
        Mistake("counted units, not parameters",
                "3 + 4 + 2 + 3 + 2 counts the nodes of the diagram; parameters live on the "
                "edges (weights) and on the units (biases)", 3 + 4 + 2 + 3 + 2),
    ),
    explanation="43 = 4*(3+1) + 2*(4+1) + 3*(2+1) + 2*(3+1).",
)

# -- 5. Two shallow nets as one deep net -----------------------------------------------------
def compose_solution(theta, phi, theta2):
    """Layer 2 of the deep net that is network 2 (theta2) applied to network 1 (theta, phi)."""
    slope2 = theta2[:, 1]  # theta'_d1, (D',): how network 2's units see y
    # theta'_d0 + theta'_d1 y with y = phi_0 + sum_j phi_j h_j: collect the terms
    psi_0 = theta2[:, 0] + slope2 * phi[0, 0]  # the constant terms, (D',)
    Psi = np.outer(slope2, phi[0, 1:])  # psi_dj = theta'_d1 phi_j: (D', D), rows = new units
    return psi_0, Psi


def _compose_notes_bias(theta, phi, theta2):
    psi_0, Psi = compose_solution(theta, phi, theta2)
    return theta2[:, 1] * phi[0, 0], Psi


def _compose_no_phi0(theta, phi, theta2):
    psi_0, Psi = compose_solution(theta, phi, theta2)
    return theta2[:, 0].copy(), Psi


def _compose_transposed(theta, phi, theta2):
    psi_0, Psi = compose_solution(theta, phi, theta2)
    return psi_0, Psi.T


def _compose_offset_as_weight(theta, phi, theta2):
    psi_0, _ = compose_solution(theta, phi, theta2)
    return psi_0, np.outer(theta2[:, 1], phi[0])


compose_by_hand = FunctionExercise(
    title="Two shallow networks as one deep network",
    task=(r"Network 1 has hidden units `theta` `(D, 2)` and output weights `phi` `(1, 1 + D)` "
          r"(offset $\phi_0$ in `phi[0, 0]`); network 2 has hidden units `theta2` `(D2, 2)` "
          r"and reads network 1's output $y$. Write `compose(theta, phi, theta2)` returning "
          r"`(psi_0, Psi)`: the biases $\psi_{d0}$, shape `(D2,)`, and the weight matrix "
          r"$\Psi$, shape `(D2, D)`, of the second hidden layer of the equivalent deep network, "
          r"whose pre-activations are $\psi_{d0} + \sum_j \psi_{dj} h_j$ (the $h_j$ being "
          r"network 1's hidden units)."),
    hint_text=("Substitute y = phi_0 + sum_j phi_j h_j into theta'_d0 + theta'_d1 y and multiply "
               "out: what does not multiply any h_j is psi_d0; the factor of h_j is psi_dj. "
               "np.outer(a, b) has entries a_d b_j."),
    reference=compose_solution,
    probes=tuple((_rng.normal(size=(D, 2)), _rng.normal(size=(1, D + 1)),
                  _rng.normal(size=(D2, 2))) for D, D2 in ((3, 3), (3, 4), (2, 5))),
    mistakes=(
        Mistake("theta'_d0 left out of the bias",
                "theta'_d1 phi_0 is only part of the constant: network 2's own bias theta'_d0 "
                "is there too (the notes' W_10 = theta'_11 phi_0 drops it)",
                _compose_notes_bias),
        Mistake("phi_0 left out of the bias", "y carries the offset phi_0, and theta'_d1 "
                "multiplies it: psi_d0 = theta'_d0 + theta'_d1 phi_0", _compose_no_phi0),
        Mistake("Psi transposed", "row d of Psi feeds the new unit d, so Psi is (D2, D) with "
                "psi_dj = theta'_d1 phi_j", _compose_transposed),
        Mistake("offset phi_0 used as a weight", "phi_0 multiplies no h_j: the weights are "
                "phi[0, 1:], and phi_0 goes into the bias", _compose_offset_as_weight),
    ),
    explanation="psi_d0 = theta'_d0 + theta'_d1 phi_0 and psi_dj = theta'_d1 phi_j on every probe.",
)


# -- 6. A deep network, layer by layer ---------------------------------------------------------
def deep_solution(x, betas, omegas):
    """A deep ReLU network: h_1 = a[beta_0 + Omega_0 x], ..., y = beta_K + Omega_K h_K."""
    h = x  # h_0 = x, shape (D_i, I): one data point per column
    for k in range(len(omegas)):
        f = betas[k][:, None] + omegas[k] @ h  # f_k = beta_k + Omega_k h_k, (D_{k+1}, I)
        if k == len(omegas) - 1:
            return f  # the output layer is linear: y = beta_K + Omega_K h_K
        h = np.maximum(f, 0.0)  # h_{k+1} = a[f_k], the ReLU


def _deep_relu_out(x, betas, omegas):
    return np.maximum(deep_solution(x, betas, omegas), 0.0)


def _deep_no_bias(x, betas, omegas):
    return deep_solution(x, [np.zeros_like(b) for b in betas], omegas)


def _deep_transposed(x, betas, omegas):
    return deep_solution(x, betas, [o.T for o in omegas])


def _deep_bias_wrong_axis(x, betas, omegas):
    h = np.asarray(x)
    for k, (b, o) in enumerate(zip(betas, omegas)):
        f = b + o @ h  # a (D,) bias broadcast along the points, not the units
        h = f if k == len(omegas) - 1 else np.maximum(f, 0.0)
    return h


def _deep_probe(width, K):
    """A net of K hidden layers, all as wide as the input, the output and the batch (so that
    a transposed Omega or a bias added along the wrong axis still runs and can be named)."""
    omegas = [_rng.normal(size=(width, width)) for _ in range(K + 1)]
    betas = [_rng.normal(size=width) for _ in range(K + 1)]
    return _rng.normal(size=(width, width)), betas, omegas


deep_by_hand = FunctionExercise(
    title="A deep network, layer by layer",
    task=(r"Write `deep_forward(x, betas, omegas)` for a ReLU network with $K$ hidden layers: "
          r"`x` has shape $(D_i, I)$, one data point per column; `omegas[k]` is $\Omega_k$ of "
          r"shape $(D_{k+1}, D_k)$ and `betas[k]` is $\beta_k$ of shape $(D_{k+1},)$, for "
          r"$k = 0, \dots, K$. Return the output $y$, shape $(D_o, I)$, without calling "
          r"`dlcore`."),
    hint_text=("Loop over the layers: f = betas[k][:, None] + omegas[k] @ h (the [:, None] makes "
               "beta a column, added to every data point), then h = np.maximum(f, 0) for every "
               "layer except the last, whose f is the output."),
    reference=deep_solution,
    probes=(_deep_probe(3, 2), _deep_probe(2, 1), _deep_probe(4, 3)),
    mistakes=(
        Mistake("ReLU applied to the output", "the output layer is linear, "
                "y = beta_K + Omega_K h_K, so y can be negative", _deep_relu_out),
        Mistake("biases forgotten", "each layer adds its beta_k before the ReLU", _deep_no_bias),
        Mistake("Omega transposed", "Omega_k has shape (D_{k+1}, D_k): multiply Omega_k @ h, "
                "not Omega_k.T @ h", _deep_transposed),
        Mistake("bias added along the wrong axis",
                "beta_k has one entry per unit (rows); a (D,) array added to a (D, I) array is "
                "broadcast along the data points instead: use beta[:, None]",
                _deep_bias_wrong_axis),
    ),
    explanation="your forward pass gives the same y as the reference on every probe.",
)


deep_regions = ValueExercise(
    title="The regions depth can buy",
    task=(r"A network has one input, one output and $K = 3$ hidden layers of $D = 4$ ReLU units "
          r"each. What is the largest number of linear regions it can have, by the deep row of "
          r"the table in section 11? Answer with an integer."),
    hint_text=("Each layer can fold the input so that the next layer's D + 1 pieces are "
               "replicated on every piece so far."),
    value=nets.max_regions_deep_1d(4, 3),  # 125
    solution_code=(
        "D, K = 4, 3  # units per hidden layer, hidden layers\n"
        "# each layer can multiply the number of regions by D + 1 (its D joints per fold)\n"
        "answer = (D + 1) ** K\n"
    ),
    mistakes=(
        Mistake("used D^K", "a layer of D units has D joints and so D + 1 regions, not D",
                4 ** 3),
        Mistake("counted it as a shallow net",
                "12 units in one layer give only 13 regions; composition multiplies instead "
                "of adds", 3 * 4 + 1),
        Mistake("added the layers' regions", "(D + 1) K = 15 adds; folding multiplies",
                (4 + 1) * 3),
    ),
    explanation="(D + 1)^K = 5^3 = 125, versus 3D + 1 + (K-1)D(D+1) = 53 parameters.",
)

montufar = ValueExercise(
    title="Montufar's lower bound",
    task=(r"Evaluate Montúfar's lower bound on the number of linear regions, "
          r"$\left(\prod_{i=1}^{L-1} \lfloor n_i / n_0 \rfloor^{n_0}\right) "
          r"\sum_{j=0}^{n_0} \binom{n_L}{j}$, by hand for $n_0 = 2$ inputs and $L = 3$ hidden "
          r"layers of widths $[5, 5, 4]$ (the floor brackets matter). Answer with an integer."),
    hint_text=("prod_{i=1}^{L-1} floor(n_i / n0)^n0 covers every hidden layer except the last; "
               "the last contributes sum_{j=0}^{n0} C(n_L, j)."),
    value=nets.montufar_lower_bound(2, [5, 5, 4]),  # 4 * 4 * 11 = 176
    solution_code=(
        "from math import comb\n"
        "n0, widths = 2, [5, 5, 4]  # inputs, hidden widths n_1..n_L\n"
        "product = 1\n"
        "for n_i in widths[:-1]:  # every hidden layer except the last\n"
        "    product *= (n_i // n0) ** n0  # floor(n_i / n0)^n0\n"
        "n_L = widths[-1]\n"
        "last = sum(comb(n_L, j) for j in range(n0 + 1))  # j = 0..n0, both ends included\n"
        "answer = product * last\n"
    ),
    mistakes=(
        Mistake("forgot the floor", "the bound counts whole groups of n0 units: "
                "floor(n_i / n0), a whole number",
                (5 / 2) ** 2 * (5 / 2) ** 2 * 11),
        Mistake("included the last layer in the product",
                "the product stops at layer L-1; layer L enters through the sum of binomials",
                2 ** 2 * 2 ** 2 * 2 ** 2 * 11),
        Mistake("sum only to n0 - 1", "j runs from 0 to n0 inclusive: C(n_L, 0) + ... + C(n_L, n0)",
                4 * 4 * (1 + 4)),
    ),
    explanation="floor(5/2)^2 * floor(5/2)^2 * (C(4,0) + C(4,1) + C(4,2)) = 4 * 4 * 11 = 176.",
)

EXERCISES = (shallow_by_hand, joints_by_hand, regions_on_grid, count_params, compose_by_hand,
             deep_by_hand, deep_regions, montufar)
