"""Chapter 04 exercises: one backward step, one layer's gradients, a chain by hand, AD modes."""

import numpy as np

from .. import backprop
from . import FunctionExercise, Mistake, ValueExercise

_rng = np.random.default_rng(404)  # fixed probes: the same check for every student


# -- 1. One step of the backward recursion ---------------------------------------------------
def backward_step_solution(dl_df, f_prev, omega):
    """dl/df_{k-1} = a'[f_{k-1}] * Omega_k^T dl/df_k."""
    dl_dh = omega.T @ dl_df  # back through f_k = beta_k + Omega_k h_k: dl/dh_k, (D_k, I)
    relu_slope = f_prev > 0  # the ReLU's derivative a'[f_{k-1}], the indicator (D_k, I)
    return relu_slope * dl_dh  # element by element: inactive units pass no gradient


def _step_transposed(dl_df, f_prev, omega):
    return (f_prev > 0) * (omega @ dl_df)


def _step_no_derivative(dl_df, f_prev, omega):
    return omega.T @ dl_df


def _step_relu_not_derivative(dl_df, f_prev, omega):
    return np.maximum(f_prev, 0) * (omega.T @ dl_df)


# square Omega_k, so that the transposed mistake has the right shape and can be named
_STEP_PROBES = tuple(
    (_rng.normal(size=(4, 3)), _rng.normal(size=(4, 3)), _rng.normal(size=(4, 4)))
    for _ in range(3)
)

backward_step = FunctionExercise(
    title="One step of the backward pass",
    task=(r"Write `backward_step(dl_df, f_prev, omega)` that returns "
          r"$\partial l / \partial f_{k-1}$, of shape $(D_k, I)$, for a ReLU network, given "
          r"`dl_df` $= \partial l / \partial f_k$ of shape $(D_{k+1}, I)$, the stored "
          r"pre-activations `f_prev` $= f_{k-1}$ of shape $(D_k, I)$, and `omega` $= \Omega_k$ "
          r"of shape $(D_{k+1}, D_k)$. Use NumPy only."),
    hint_text=("Two factors: Omega_k^T carries the gradient from f_k back to h_k; the ReLU's "
               "derivative, the indicator f_{k-1} > 0, then multiplies element by element."),
    reference=backward_step_solution,
    probes=_STEP_PROBES,
    mistakes=(
        Mistake("Omega not transposed",
                "f_k = beta_k + Omega_k h_k, so dl/dh_k = Omega_k^T dl/df_k; the transpose sends "
                "the gradient back along the same weights", _step_transposed),
        Mistake("missing the activation derivative",
                "h_k = a[f_{k-1}]: the chain rule needs a'[f_{k-1}] = I[f_{k-1} > 0], which zeroes "
                "the gradient of every unit that is off", _step_no_derivative),
        Mistake("used a[f] instead of a'[f]",
                "multiply by the derivative, the 0/1 indicator f_{k-1} > 0, not by the ReLU's "
                "value max(0, f_{k-1})", _step_relu_not_derivative),
    ),
    explanation="your step matches a'[f_{k-1}] * Omega_k^T dl/df_k on every probe.",
)


# -- 2. The gradients of one layer's parameters ----------------------------------------------
def layer_gradients_solution(dl_df, h):
    """dl/dbeta_k = sum_i dl/df_k (a column), dl/dOmega_k = dl/df_k h_k^T."""
    # f_k = beta_k + Omega_k h_k: each point's dl_i/dbeta_k is its column of dl/df_k;
    # the batch loss sums them (keepdims: a column (D_{k+1}, 1))
    dl_dbeta = dl_df.sum(axis=1, keepdims=True)
    # each point's dl_i/dOmega_k is the outer product of its columns of dl/df_k and h_k;
    # one matrix product (D_{k+1}, I) @ (I, D_k) adds up the I outer products
    dl_domega = dl_df @ h.T
    return dl_dbeta, dl_domega


def _grads_transposed(dl_df, h):
    return dl_df.sum(axis=1, keepdims=True), h @ dl_df.T


def _grads_mean(dl_df, h):
    I = dl_df.shape[1]
    return dl_df.mean(axis=1, keepdims=True), dl_df @ h.T / I


def _grads_first_point(dl_df, h):
    return dl_df[:, :1], dl_df[:, :1] @ h[:, :1].T


_LAYER_PROBES = tuple(
    (_rng.normal(size=(3, 5)), np.maximum(_rng.normal(size=(4, 5)), 0)) for _ in range(3)
)

layer_gradients = FunctionExercise(
    title="The gradients of one layer",
    task=(r"Write `layer_gradients(dl_df, h)` that returns the pair `(dl_dbeta, dl_domega)` "
          r"$= (\partial l / \partial \beta_k, \partial l / \partial \Omega_k)$ of layer $k$ "
          r"for the batch loss $l = \sum_i l_i$, summed over the $I$ points of the batch: "
          r"`dl_df` $= \partial l / \partial f_k$ is $(D_{k+1}, I)$ and `h` $= h_k$, the stored "
          r"activations, is $(D_k, I)$. Return `dl_dbeta` as a column $(D_{k+1}, 1)$ and "
          r"`dl_domega` with the shape of $\Omega_k$, $(D_{k+1}, D_k)$."),
    hint_text=("f_k = beta_k + Omega_k h_k: each point's dl_i/dbeta_k is its column of dl/df_k, "
               "and dl_i/dOmega_k is that column times h_k's column transposed (an outer "
               "product). Summing the outer products over the batch is one matrix product."),
    reference=layer_gradients_solution,
    probes=_LAYER_PROBES,
    mistakes=(
        Mistake("weight gradient transposed",
                "dl/dOmega_k must have Omega_k's shape (D_{k+1}, D_k): dl/df_k h_k^T, not "
                "h_k dl/df_k^T", _grads_transposed),
        Mistake("averaged instead of summed",
                "the notes' loss is a sum over data points, so its gradient is the sum of the "
                "per-point gradients (divide by I only if the loss is a mean)", _grads_mean),
        Mistake("used only the first data point",
                "every column of the batch contributes: sum over i, which dl/df_k h_k^T does "
                "for you", _grads_first_point),
    ),
    explanation="dl/dbeta_k = sum over the batch of dl/df_k and dl/dOmega_k = dl/df_k h_k^T.",
)


# -- 3. A chain of single units, by hand -----------------------------------------------------
# f_0 = beta_0 + omega_0 x, h_1 = a[f_0], f_1 = beta_1 + omega_1 h_1, l = (f_1 - y)^2
_CHAIN = {"x": 3.0, "y": 1.0, "beta_0": -0.5, "omega_0": 1.5, "beta_1": 1.0, "omega_1": -0.5}
_x, _y = _CHAIN["x"], _CHAIN["y"]
_f0 = _CHAIN["beta_0"] + _CHAIN["omega_0"] * _x  # 4.0
_f1 = _CHAIN["beta_1"] + _CHAIN["omega_1"] * max(_f0, 0.0)  # -1.0
_dl_df0 = 2 * (_f1 - _y) * _CHAIN["omega_1"] * (_f0 > 0)  # 2.0
_CHAIN_ANSWER = float(backprop.backward_pass(
    np.array([_x]), np.array([_y]),
    [np.array([_CHAIN["beta_0"]]), np.array([_CHAIN["beta_1"]])],
    [np.array([[_CHAIN["omega_0"]]]), np.array([[_CHAIN["omega_1"]]])])[1][0][0, 0])  # 6.0

chain_by_hand = ValueExercise(
    title="dl/domega_0 by hand",
    task=(r"A network with one input, one hidden unit and one output: "
          r"$f_0 = \beta_0 + \omega_0 x$, $h_1 = a[f_0]$ with $a$ the ReLU, "
          r"$f_1 = \beta_1 + \omega_1 h_1$, and the loss $l = (f_1 - y)^2$. With $x = 3$, "
          r"$y = 1$, $\beta_0 = -0.5$, $\omega_0 = 1.5$, $\beta_1 = 1$, $\omega_1 = -0.5$, "
          r"compute $\partial l / \partial \omega_0$ with pencil and paper (then check it "
          r"with `backprop.backward_pass` if you like)."),
    hint_text=("Forward: f_0 = 4, h_1 = 4, f_1 = -1. Backward: dl/df_1 = 2 (f_1 - y), "
               "dl/df_0 = a'[f_0] omega_1 dl/df_1, and the first layer's weight gradient "
               "multiplies by the input: dl/domega_0 = dl/df_0 x."),
    value=_CHAIN_ANSWER,
    solution_code="""x, y = 3.0, 1.0
beta_0, omega_0, beta_1, omega_1 = -0.5, 1.5, 1.0, -0.5
# forward pass, storing f_0 and h_1
f_0 = beta_0 + omega_0 * x
h_1 = max(f_0, 0.0)  # the ReLU
f_1 = beta_1 + omega_1 * h_1
# backward pass: the loss, then the recursion through the ReLU
dl_df1 = 2 * (f_1 - y)
dl_df0 = (f_0 > 0) * omega_1 * dl_df1
# the first layer's weight multiplies the input x (h_0 = x)
answer = dl_df0 * x
""",
    mistakes=(
        Mistake("gave dl/dbeta_0",
                "that is dl/df_0; the first layer's weight gradient also multiplies by the "
                "input x (the first-layer exception, h_0 = x)", _dl_df0),
        Mistake("dropped the 2 of the square",
                "d/df (f - y)^2 = 2 (f - y), not (f - y)", _CHAIN_ANSWER / 2),
        Mistake("sign of the error flipped",
                "the derivative of (f_1 - y)^2 with respect to f_1 is 2 (f_1 - y), not "
                "2 (y - f_1)", -_CHAIN_ANSWER),
    ),
    explanation=("dl/df_1 = 2(-1 - 1) = -4, dl/df_0 = 1 * (-0.5) * (-4) = 2, "
                 "dl/domega_0 = 2 * x = 6."),
)


# -- 4. Forward or reverse mode? -------------------------------------------------------------
jacobian_passes = ValueExercise(
    title="How many passes for a Jacobian?",
    task=(r"A function maps $D_i = 1000$ inputs to $D_o = 10$ outputs. Forward mode gets one "
          r"column of its Jacobian per pass, reverse mode one row per backward pass. What is the "
          r"smallest number of passes (forward-mode passes or backward passes, whichever mode "
          r"you choose) that gives the whole $10 \times 1000$ Jacobian? (An integer.)"),
    hint_text=("Forward mode needs one pass per input direction, reverse mode one per output "
               "direction; pick the cheaper mode."),
    value=10,
    solution_code="""D_i, D_o = 1000, 10
# forward mode: one pass per input direction gives one column of the Jacobian
forward_passes = D_i
# reverse mode: one backward pass per output direction gives one row
reverse_passes = D_o
# choose the cheaper mode
answer = min(forward_passes, reverse_passes)
""",
    mistakes=(
        Mistake("chose forward mode",
                "forward mode needs one pass per input: 1000 passes; reverse needs one per "
                "output", 1000),
        Mistake("one pass gives everything",
                "a pass carries a single direction: reverse mode returns one row e_j^T J per "
                "backward pass, and there are 10 outputs", 1),
        Mistake("one pass per entry",
                "each pass gives a whole row (reverse) or column (forward), not one entry",
                10 * 1000),
    ),
    explanation=("reverse mode: 10 backward passes (one per output), each reusing the stored "
                 "forward pass. For a scalar loss that is 1 pass, whatever the number of "
                 "parameters."),
)

EXERCISES = (backward_step, layer_gradients, chain_by_hand, jacobian_passes)
