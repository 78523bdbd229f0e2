"""Chapter 01 exercises: shallow nets, parameter counts, linear regions."""

import numpy as np

from .. import nets
from . import FunctionExercise, Mistake, ValueExercise

_rng = np.random.default_rng(101)  # fixed probes: the same check for every student
_PROBES = tuple(
    (np.linspace(-2, 2, 9), _rng.normal(size=(3, 2)), _rng.normal(size=(1, 4)))
    for _ in range(3)
)


def _ref_shallow(x, theta, phi):
    """The reference: dlcore's own shallow net on a 1-D array of inputs x (I,)."""
    return nets.shallow_net(np.asarray(x)[None, :], theta, phi)[0]


def _relu_on_output(x, theta, phi):
    return np.maximum(_ref_shallow(x, theta, phi), 0)


def _no_offset(x, theta, phi):
    return _ref_shallow(x, theta, phi) - phi[0, 0]


def _bias_outside_relu(x, theta, phi):
    h = np.maximum(theta[:, 1:] @ np.asarray(x)[None, :], 0) + theta[:, :1]
    return phi[0, 0] + phi[0, 1:] @ h


def _transposed_theta(x, theta, phi):
    z = theta[:, 1:2] + theta[:, 0:1] * np.asarray(x)[None, :]  # slope and bias swapped
    return phi[0, 0] + phi[0, 1:] @ np.maximum(z, 0)


shallow_by_hand = FunctionExercise(
    title="A shallow network in three steps",
    task=("Write shallow_1d(x, theta, phi) for one input and D = 3 hidden units: x is (I,), "
          "theta is (3, 2) with column 0 the biases theta_d0 and column 1 the slopes theta_d1, "
          "phi is (1, 4) with phi[0, 0] the offset phi_0. Return y of shape (I,)."),
    hint_text=("Step 1: z = theta[:, :1] + theta[:, 1:] * x[None, :] (shape (3, I)). "
               "Step 2: h = np.maximum(z, 0). Step 3: y = phi[0, 0] + phi[0, 1:] @ h."),
    reference=_ref_shallow,
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
    explanation="your three steps match dlcore.nets.shallow_net on every probe.",
)

count_params = ValueExercise(
    title="Counting parameters",
    task=("The notes draw a deep net with D_i = 3 inputs, hidden layers of widths 4, 2 and 3, "
          "and D_o = 2 outputs. How many parameters (weights and biases) does it have?"),
    hint_text=("Each layer maps D_k units to D_{k+1} units with a (D_{k+1}, D_k) matrix Omega_k "
               "and a bias vector beta_k of length D_{k+1}: D_{k+1} (D_k + 1) per layer."),
    value=nets.num_params_deep(3, [4, 2, 3], 2),  # 43
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

deep_regions = ValueExercise(
    title="How many regions can depth buy?",
    task=("A net with one input, one output and K = 3 hidden layers of D = 4 ReLU units each. "
          "What is the largest number of linear regions the notes allow it?"),
    hint_text=("Each layer can fold the input so that the next layer's D + 1 pieces are "
               "replicated on every piece so far."),
    value=nets.max_regions_deep_1d(4, 3),  # 125
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
    task=("Evaluate the theorem's lower bound on the number of linear regions for n0 = 2 "
          "inputs and L = 3 hidden layers of widths [5, 5, 4]."),
    hint_text=("prod_{i=1}^{L-1} floor(n_i / n0)^n0 covers every hidden layer except the last; "
               "the last contributes sum_{j=0}^{n0} C(n_L, j)."),
    value=nets.montufar_lower_bound(2, [5, 5, 4]),  # 4 * 4 * 11 = 176
    mistakes=(
        Mistake("forgot the floor", "the bound counts whole groups of n0 units: floor(5/2) = 2",
                (5 / 2) ** 2 * (5 / 2) ** 2 * 11),
        Mistake("included the last layer in the product",
                "the product stops at layer L-1; layer L enters through the sum of binomials",
                2 ** 2 * 2 ** 2 * 2 ** 2 * 11),
        Mistake("sum only to n0 - 1", "j runs from 0 to n0 inclusive: 1 + 4 + 6 = 11",
                4 * 4 * (1 + 4)),
    ),
    explanation="floor(5/2)^2 * floor(5/2)^2 * (C(4,0) + C(4,1) + C(4,2)) = 4 * 4 * 11 = 176.",
)

EXERCISES = (shallow_by_hand, count_params, deep_regions, montufar)
