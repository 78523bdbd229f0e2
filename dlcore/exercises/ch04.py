"""Chapter 04 exercises: one backward step, one layer's gradients, a chain by hand, AD modes,
the sin/exp/cos chain, the softmax cross-entropy gradient, a finite-difference checker and
the backward pass through every layer to the input."""

import numpy as np

from .. import backprop
from . import FunctionExercise, Mistake, ValueExercise
from .inputs import coupled_loss, softplus_loss

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

# -- 5. The backward pass of the sin/exp/cos chain ---------------------------------------------
def toy_chain_backward_solution(x, y, phi):
    """dl/dphi for l = (f_3 - y)^2, f_3 = b3 + w3 cos[b2 + w2 exp[b1 + w1 sin[b0 + w0 x]]]."""
    beta_0, omega_0, beta_1, omega_1, beta_2, omega_2, beta_3, omega_3 = phi
    # forward pass, storing every pre-activation f_k and activation h_k
    f_0 = beta_0 + omega_0 * x
    h_1 = np.sin(f_0)
    f_1 = beta_1 + omega_1 * h_1
    h_2 = np.exp(f_1)
    f_2 = beta_2 + omega_2 * h_2
    h_3 = np.cos(f_2)
    f_3 = beta_3 + omega_3 * h_3
    # backward pass: the loss, then down the chain, each step one local derivative
    dl_df3 = 2 * (f_3 - y)
    dl_df2 = -np.sin(f_2) * omega_3 * dl_df3  # cos' = -sin
    dl_df1 = np.exp(f_1) * omega_2 * dl_df2  # exp' = exp
    dl_df0 = np.cos(f_0) * omega_1 * dl_df1  # sin' = cos
    # parameters: dl/dbeta_k = dl/df_k and dl/domega_k = dl/df_k h_k, with h_0 = x
    return np.array([dl_df0, dl_df0 * x, dl_df1, dl_df1 * h_1,
                     dl_df2, dl_df2 * h_2, dl_df3, dl_df3 * h_3])


def _toy_variant(x, y, phi, d_sin=np.cos, d_exp=np.exp, d_cos=lambda f: -np.sin(f),
                 two=2.0, weight_input="h"):
    """The chain's backward pass with one slip: a wrong local derivative, a dropped 2, or the
    pre-activation in place of the activation in the weight gradients."""
    b0, w0, b1, w1, b2, w2, b3, w3 = phi
    f_0 = b0 + w0 * x
    h_1 = np.sin(f_0)
    f_1 = b1 + w1 * h_1
    h_2 = np.exp(f_1)
    f_2 = b2 + w2 * h_2
    h_3 = np.cos(f_2)
    f_3 = b3 + w3 * h_3
    g3 = two * (f_3 - y)
    g2 = d_cos(f_2) * w3 * g3
    g1 = d_exp(f_1) * w2 * g2
    g0 = d_sin(f_0) * w1 * g1
    ins = [x, h_1, h_2, h_3] if weight_input == "h" else [x, f_0, f_1, f_2]
    return np.array([g0, g0 * ins[0], g1, g1 * ins[1], g2, g2 * ins[2], g3, g3 * ins[3]])


def _toy_cos_sign(x, y, phi):
    return _toy_variant(x, y, phi, d_cos=np.sin)


def _toy_activation_not_derivative(x, y, phi):
    return _toy_variant(x, y, phi, d_sin=np.sin, d_cos=np.cos)


def _toy_no_two(x, y, phi):
    return _toy_variant(x, y, phi, two=1.0)


def _toy_pre_activation(x, y, phi):
    return _toy_variant(x, y, phi, weight_input="f")


_TOY_PROBES = (
    (2.3, 2.0, np.array([1.0, 0.1, -0.4, 2.0, -3.0, 2.0, 0.4, 3.0])),
    (-0.7, 0.5, np.array([0.3, -1.2, 0.2, 0.8, 1.1, -0.6, -0.5, 1.7])),
    (1.4, -1.0, np.array([-0.8, 0.9, 0.5, -1.1, 0.4, 1.3, 0.9, -2.1])),
)

toy_chain_backward = FunctionExercise(
    title="Backprop through sin, exp and cos",
    task=(r"Write `toy_chain_backward(x, y, phi)` for the toy chain of section 6, "
          r"$f_0 = \beta_0 + \omega_0 x$, $h_1 = \sin[f_0]$, $f_1 = \beta_1 + \omega_1 h_1$, "
          r"$h_2 = \exp[f_1]$, $f_2 = \beta_2 + \omega_2 h_2$, $h_3 = \cos[f_2]$, "
          r"$f_3 = \beta_3 + \omega_3 h_3$, with the loss $l = (f_3 - y)^2$. The numbers "
          r"`x`, `y` and the array `phi` $= (\beta_0, \omega_0, \beta_1, \omega_1, \beta_2, "
          r"\omega_2, \beta_3, \omega_3)$ are given; return the array of the eight derivatives "
          r"$\partial l/\partial\phi$ in the same order. Run the forward pass, then walk back "
          r"down the chain. Use NumPy only."),
    hint_text=("Backward: dl/df_3 = 2 (f_3 - y); each step down multiplies by the weight omega_k "
               "and by the derivative of the function at f_{k-1}: cos' = -sin, exp' = exp, "
               "sin' = cos. Then dl/dbeta_k = dl/df_k and dl/domega_k = dl/df_k h_k (h_0 = x)."),
    reference=toy_chain_backward_solution,
    probes=_TOY_PROBES,
    mistakes=(
        Mistake("derivative of cos taken as +sin",
                "d/dz cos[z] = -sin[z]: the minus sign flips every gradient below h_3",
                _toy_cos_sign),
        Mistake("used the function instead of its derivative",
                "the chain rule multiplies by the derivative at f_{k-1} (cos for sin, -sin "
                "for cos), not by the function's value", _toy_activation_not_derivative),
        Mistake("dropped the 2 of the square",
                "dl/df_3 = d/df_3 (f_3 - y)^2 = 2 (f_3 - y)", _toy_no_two),
        Mistake("weight gradient used f_{k-1} instead of h_k",
                "f_k = beta_k + omega_k h_k, so dl/domega_k = dl/df_k h_k: the activation "
                "(after sin, exp, cos), not the pre-activation before it", _toy_pre_activation),
    ),
    explanation="all eight derivatives match the chain rule, step by step down the chain.",
)


# -- 6. The gradient of softmax cross-entropy -------------------------------------------------
def softmax_ce_grad_solution(f, y):
    """dL/df = softmax[f] - one_hot(y), for L = -sum_i log softmax_{y_i}[f_i]."""
    # softmax over the classes (axis 0), shifted by the column maximum for stability
    e = np.exp(f - f.max(axis=0, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)  # (K, I): each column sums to 1
    # the one-hot labels: 1 at (y_i, i), 0 elsewhere
    Y = np.zeros_like(p)
    Y[y, np.arange(f.shape[1])] = 1.0
    return p - Y  # (K, I): predicted minus observed, one column per data point


def _softmax(f, axis=0):
    e = np.exp(f - f.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _onehot(f, y):
    Y = np.zeros(f.shape)
    Y[y, np.arange(f.shape[1])] = 1.0
    return Y


def _ce_no_onehot(f, y):
    return _softmax(f)


def _ce_sign(f, y):
    return _onehot(f, y) - _softmax(f)


def _ce_logits(f, y):
    return f - _onehot(f, y)


def _ce_wrong_axis(f, y):
    return _softmax(f, axis=1) - _onehot(f, y)


def _ce_mean(f, y):
    return (_softmax(f) - _onehot(f, y)) / f.shape[1]


_CE_PROBES = (
    (_rng.normal(size=(3, 5)) * 2, np.array([0, 2, 1, 1, 0])),
    (_rng.normal(size=(4, 6)), np.array([3, 0, 0, 2, 1, 3])),
    (_rng.normal(size=(5, 2)) * 3 + 100.0, np.array([4, 1])),  # large logits: shift first
)

softmax_ce_grad = FunctionExercise(
    title="The gradient of softmax cross-entropy",
    task=(r"Write `softmax_ce_grad(f, y)` that returns $\partial L/\partial f$ for the "
          r"cross-entropy $L = -\sum_i \log \mathrm{softmax}_{y_i}[f_i]$ of section 7: `f` "
          r"holds the logits $f_K$, shape $(K, I)$ (one column per data point, $K$ classes "
          r"here), and `y` the integer labels, shape $(I,)$. Return an array of shape $(K, I)$. "
          r"Use NumPy only, and keep it stable for large logits."),
    hint_text=("The compact form of section 7: predicted probabilities minus the one-hot "
               "labels, column by column. Softmax runs over the classes (axis 0); subtract "
               "each column's maximum before exp."),
    reference=softmax_ce_grad_solution,
    probes=_CE_PROBES,
    mistakes=(
        Mistake("forgot to subtract the one-hot labels",
                "dL/df_k = p_k - [y = k]: the label's entry gets -1 from the -f_y term of the "
                "loss", _ce_no_onehot),
        Mistake("sign flipped",
                "the gradient is p - one_hot(y), predicted minus observed; its negative points "
                "uphill", _ce_sign),
        Mistake("used the logits instead of the probabilities",
                "the derivative of log sum_k exp f_k is softmax[f], not f itself", _ce_logits),
        Mistake("softmax over the wrong axis",
                "each data point is a column: normalise over the K classes (axis 0), not over "
                "the batch", _ce_wrong_axis),
        Mistake("divided by the batch size",
                "the loss is a sum over data points, and each column of f only affects its own "
                "term: no 1/I", _ce_mean),
    ),
    explanation="your gradient is softmax[f] - one_hot(y), column by column.",
)


# -- 7. A finite-difference gradient checker --------------------------------------------------
def numerical_gradient_solution(loss, theta, eps):
    """Central differences: dl/dtheta_j ~ (l[theta + eps e_j] - l[theta - eps e_j]) / (2 eps)."""
    theta = np.array(theta, dtype=float)  # a float64 copy we may nudge
    grad = np.zeros_like(theta)
    for j in range(theta.size):
        old = theta[j]
        theta[j] = old + eps  # one parameter up ...
        up = loss(theta)
        theta[j] = old - eps  # ... and down
        down = loss(theta)
        theta[j] = old  # put it back before the next parameter
        grad[j] = (up - down) / (2 * eps)  # central difference: error O(eps^2)
    return grad


def _fd_forward(loss, theta, eps):
    theta = np.array(theta, dtype=float)
    base, grad = loss(theta), np.zeros_like(theta)
    for j in range(theta.size):
        nudged = theta.copy()
        nudged[j] += eps
        grad[j] = (loss(nudged) - base) / eps
    return grad


def _fd_no_half(loss, theta, eps):
    return 2 * numerical_gradient_solution(loss, theta, eps)


def _fd_not_restored(loss, theta, eps):
    theta = np.array(theta, dtype=float)
    grad = np.zeros_like(theta)
    for j in range(theta.size):
        theta[j] += eps
        up = loss(theta)
        theta[j] -= 2 * eps
        down = loss(theta)
        grad[j] = (up - down) / (2 * eps)  # theta[j] is left at old - eps
    return grad


def _fd_all_at_once(loss, theta, eps):
    theta = np.array(theta, dtype=float)
    g = (loss(theta + eps) - loss(theta - eps)) / (2 * eps)
    return np.full_like(theta, g)



_FD_PROBES = (
    (coupled_loss, np.array([0.5, -1.2, 2.0, 0.3]), 1e-3),
    (softplus_loss, np.array([1.5, -0.7, 0.4]), 1e-3),
    (coupled_loss, np.array([-0.4, 1.1, 0.9]), 1e-2),
)

numerical_gradient = FunctionExercise(
    title="A finite-difference gradient checker",
    task=(r"Write `numerical_gradient(loss, theta, eps)` that estimates "
          r"$\partial l/\partial\theta$ by **central differences** (section 5): `loss` is a "
          r"function of a 1-D array returning a number, `theta` the point, shape $(D,)$, and "
          r"`eps` the step $\varepsilon$. Entry $j$ of the result is "
          r"$(l[\theta + \varepsilon e_j] - l[\theta - \varepsilon e_j]) / (2\varepsilon)$, "
          r"where $e_j$ nudges parameter $j$ only. Return an array of shape $(D,)$, and leave "
          r"the caller's `theta` unchanged."),
    hint_text=("Copy theta to floats first; for each j nudge one entry up by eps, evaluate, "
               "nudge it down by eps, evaluate, and put it back before moving on."),
    reference=numerical_gradient_solution,
    probes=_FD_PROBES,
    mistakes=(
        Mistake("one-sided differences",
                "(l[theta + eps] - l[theta]) / eps has an error of order eps (half the "
                "curvature times eps); nudge both ways and divide by 2 eps", _fd_forward),
        Mistake("divided by eps instead of 2 eps",
                "theta + eps and theta - eps are 2 eps apart", _fd_no_half),
        Mistake("nudged parameter not put back",
                "after evaluating l at theta_j - eps, restore theta_j; otherwise every later "
                "entry is measured at a shifted point", _fd_not_restored),
        Mistake("nudged every parameter at once",
                "adding eps to the whole vector measures the slope along (1, ..., 1), the sum "
                "of all the partial derivatives; nudge one entry e_j at a time",
                _fd_all_at_once),
    ),
    explanation="your central differences match, one parameter at a time.",
)

# -- 8. The backward pass through K + 1 layers, down to the input: a vector-Jacobian product ---
def input_gradient_solution(x, betas, omegas, dl_df):
    """dl/dx = J^T dl/df_K for a ReLU net: the forward pass, then every backward step."""
    # forward pass, storing the pre-activations f_k (the backward steps need a'[f_k])
    fs, h = [], x
    for k in range(len(omegas)):
        fs.append(betas[k] + omegas[k] @ h)  # f_k = beta_k + Omega_k h_k, (D_{k+1}, I)
        h = np.maximum(fs[k], 0)  # h_{k+1} = a[f_k] (unused after the last layer)
    # backward pass: from dl/df_K down to dl/df_0, one step per layer
    for k in range(len(omegas) - 1, 0, -1):
        dl_df = (fs[k - 1] > 0) * (omegas[k].T @ dl_df)  # a'[f_{k-1}] * Omega_k^T dl/df_k
    # the last step: f_0 = beta_0 + Omega_0 x, so dl/dx = Omega_0^T dl/df_0
    return omegas[0].T @ dl_df  # (D_i, I)


def _input_variant(x, betas, omegas, dl_df, transpose=True, slope="indicator", shift=1,
                   last=True):
    """The vector-Jacobian product with one slip (see the mistakes below)."""
    fs, h = [], x
    for k in range(len(omegas)):
        fs.append(betas[k] + omegas[k] @ h)
        h = np.maximum(fs[k], 0)
    for k in range(len(omegas) - 1, 0, -1):
        f = fs[k - shift]
        a = (f > 0) * 1.0 if slope == "indicator" else np.maximum(f, 0)
        dl_df = a * ((omegas[k].T if transpose else omegas[k]) @ dl_df)
    return omegas[0].T @ dl_df if last else dl_df


def _input_transposed(x, betas, omegas, dl_df):
    return _input_variant(x, betas, omegas, dl_df, transpose=False)


def _input_relu_value(x, betas, omegas, dl_df):
    return _input_variant(x, betas, omegas, dl_df, slope="value")


def _input_wrong_f(x, betas, omegas, dl_df):
    return _input_variant(x, betas, omegas, dl_df, shift=0)


def _input_stopped_at_f0(x, betas, omegas, dl_df):
    return _input_variant(x, betas, omegas, dl_df, last=False)


def _input_probe(seed, D=3, K=2, I=4):
    """A ReLU net of K hidden layers of D units with D inputs and outputs: square Omegas, so
    that a missing transpose, a derivative at the wrong layer or a missing last step still
    gives the right shape (and can be named)."""
    rng = np.random.default_rng(seed)
    omegas = [rng.normal(size=(D, D)) for _ in range(K + 1)]
    betas = [rng.normal(size=(D, 1)) * 0.5 for _ in range(K + 1)]
    return rng.normal(size=(D, I)), betas, omegas, rng.normal(size=(D, I))


_INPUT_PROBES = (_input_probe(41), _input_probe(42, K=3, I=5), _input_probe(46, K=1, I=6))

input_gradient = FunctionExercise(
    title="Backward through every layer, to the input",
    task=(r"Write `input_gradient(x, betas, omegas, dl_df)` for a ReLU net with $K$ hidden "
          r"layers: run the forward pass (section 2) on the batch `x`, shape $(D_i, I)$, with "
          r"the lists `betas` (each a column $(D_{k+1}, 1)$) and `omegas` "
          r"$= [\Omega_0, \dots, \Omega_K]$, then carry `dl_df` $= \partial l/\partial f_K$, "
          r"shape $(D_o, I)$, down every layer (section 4) and one step further, to the input: "
          r"return $\partial l/\partial x$, shape $(D_i, I)$. This is the vector-Jacobian "
          r"product of reverse mode (section 8). Use NumPy only."),
    hint_text=("Store every f_k on the way up. On the way down, for k = K, ..., 1 apply "
               "exercise 1's step (the ReLU derivative at f_{k-1}); finally f_0 = beta_0 + "
               "Omega_0 x gives dl/dx = Omega_0^T dl/df_0, with no activation at the input."),
    reference=input_gradient_solution,
    probes=_INPUT_PROBES,
    mistakes=(
        Mistake("Omega not transposed",
                "f_k = beta_k + Omega_k h_k sends the gradient back as Omega_k^T dl/df_k",
                _input_transposed),
        Mistake("used the activation instead of its derivative",
                "multiply by a'[f_{k-1}], the 0/1 indicator f_{k-1} > 0, not by max(0, f_{k-1})",
                _input_relu_value),
        Mistake("ReLU derivative taken at the wrong layer",
                "the step from f_k down to f_{k-1} passes through h_k = a[f_{k-1}], so the "
                "derivative is a'[f_{k-1}], not a'[f_k]", _input_wrong_f),
        Mistake("stopped at dl/df_0",
                "one more step: f_0 = beta_0 + Omega_0 x, so dl/dx = Omega_0^T dl/df_0",
                _input_stopped_at_f0),
    ),
    explanation="your dl/dx matches J^T dl/df_K, the backward pass carried to the input.",
)

EXERCISES = (backward_step, layer_gradients, chain_by_hand, jacobian_passes, toy_chain_backward,
             softmax_ce_grad, numerical_gradient, input_gradient)
