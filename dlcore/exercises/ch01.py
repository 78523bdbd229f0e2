"""Chapter 01 exercises: shallow nets, parameter counts, linear regions."""

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

count_params = ValueExercise(
    title="Counting parameters",
    task=(r"The notes draw a deep network (the diagram in section 6) with $D_i = 3$ inputs, "
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

deep_regions = ValueExercise(
    title="The regions depth can buy",
    task=(r"A network has one input, one output and $K = 3$ hidden layers of $D = 4$ ReLU units "
          r"each. What is the largest number of linear regions it can have, by the deep row of "
          r"the table in section 9? Answer with an integer."),
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

EXERCISES = (shallow_by_hand, count_params, deep_regions, montufar)
