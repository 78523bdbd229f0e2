"""Chapter 03 exercises: the stable learning rate, one bracket of a line search, epochs and
updates, one epoch of SGD, a learning-rate schedule, momentum, Nesterov, Adam."""

import math

import numpy as np

from .. import optim
from . import FunctionExercise, Mistake, ValueExercise
from .inputs import _BOWL_A, _rng_sgd, bowl_loss, line_grad, ravine_grad

# ------------------------------------------------------------------------------------------
# 1. The largest learning rate GD survives on L = 3 theta_0^2 + 0.5 theta_1^2
# ------------------------------------------------------------------------------------------
critical_lr = ValueExercise(
    title="The largest stable learning rate",
    task=(r"Gradient descent runs on $L[\theta] = 3\theta_0^2 + 0.5\,\theta_1^2$. Above which "
          r"learning rate $\alpha$ does it diverge from almost every start? Give the number to "
          "3 decimals."),
    hint_text=("Each coordinate evolves on its own: theta_0 <- theta_0 - alpha dL/dtheta_0 = "
               "(1 - alpha * 6) theta_0. It shrinks only while |1 - alpha * 6| < 1. Do the same "
               "for theta_1; the stricter limit wins."),
    value=2.0 / 6.0,
    decimals=3,
    solution_code="""import numpy as np

# the second derivatives of L: d2L/dtheta_0^2 = 6, d2L/dtheta_1^2 = 1 (the curvatures)
curvatures = np.array([2 * 3.0, 2 * 0.5])
# along a curvature lambda one step multiplies theta by (1 - alpha lambda): it shrinks
# while |1 - alpha lambda| < 1, that is alpha < 2 / lambda
limits = 2 / curvatures
# every coordinate must shrink: the strictest (smallest) limit wins
answer = limits.min()
""",
    mistakes=(
        Mistake("used 1 / curvature",
                "alpha = 1 / curvature jumps to the minimum of theta_0 in one step (the best "
                "rate, not the limit); above it the iterates overshoot the minimum but can "
                "still shrink", 1.0 / 6.0),
        Mistake("used the smallest curvature",
                "the steep direction theta_0 (second derivative 6) diverges first, so the "
                "largest curvature sets the limit", 2.0 / 1.0),
        Mistake("forgot the factor 2 in the derivative",
                "d/dtheta_0 of 3 theta_0^2 is 6 theta_0, not 3 theta_0", 2.0 / 3.0),
    ),
    explanation=("alpha < 2 / lambda_max = 2 / 6 = 1/3: the steepest curvature decides, "
                 "and the flat direction (curvature 1) then crawls at rate |1 - alpha|."),
)

# ------------------------------------------------------------------------------------------
# 2. One round of bracketing (line search), written by hand
# ------------------------------------------------------------------------------------------

_BRACKET_PROBES = tuple(
    (bowl_loss, theta, -(_BOWL_A @ theta), a, d)  # direction: the negative gradient of the bowl
    for theta, a, d in ((np.array([1.5, -0.5]), 0.0, 1.0), (np.array([-1.0, 2.0]), 0.0, 0.5),
                        (np.array([0.8, 1.2]), 0.1, 0.6), (np.array([2.0, 1.0]), 0.0, 0.25))
)


def bracket_solution(loss_fn, theta, direction, a, d):
    """One shrink of the bracket [a, d] for L(s) = loss_fn(theta + s direction)."""
    r = (np.sqrt(5) - 1) / 2  # the golden ratio, 0.618...
    b = d - r * (d - a)  # two interior points, b < c
    c = a + r * (d - a)
    L_b = loss_fn(theta + b * direction)  # the loss at step b along the direction
    L_c = loss_fn(theta + c * direction)
    if L_b <= L_c:  # on a single dip the minimum cannot lie right of c
        return a, c
    return b, d  # otherwise it cannot lie left of b


def _bracket_wrong_side(loss_fn, theta, direction, a, d):
    r = (math.sqrt(5) - 1) / 2
    b, c = d - r * (d - a), a + r * (d - a)
    if loss_fn(theta + b * direction) <= loss_fn(theta + c * direction):
        return b, d
    return a, c


def _bracket_too_far(loss_fn, theta, direction, a, d):
    r = (math.sqrt(5) - 1) / 2
    b, c = d - r * (d - a), a + r * (d - a)
    if loss_fn(theta + b * direction) <= loss_fn(theta + c * direction):
        return a, b
    return c, d


def _bracket_swapped(loss_fn, theta, direction, a, d):
    r = (math.sqrt(5) - 1) / 2
    b, c = a + r * (d - a), d - r * (d - a)  # b > c
    if loss_fn(theta + b * direction) <= loss_fn(theta + c * direction):
        return a, c
    return b, d


def _bracket_backwards(loss_fn, theta, direction, a, d):
    r = (math.sqrt(5) - 1) / 2
    b, c = d - r * (d - a), a + r * (d - a)
    if loss_fn(theta - b * direction) <= loss_fn(theta - c * direction):
        return a, c
    return b, d


bracket_by_hand = FunctionExercise(
    title="One round of bracketing",
    task=(r"Write `shrink(loss_fn, theta, direction, a, d)` that performs one round of the "
          r"bracketing line search of section 3 and returns the new bracket `(a, d)`. The "
          r"loss along the line is $L(s)$ = `loss_fn(theta + s * direction)`. Place the two "
          r"interior points at the golden ratio $r = (\sqrt 5 - 1)/2$: $b = d - r(d - a)$ and "
          r"$c = a + r(d - a)$. If $L(b) \le L(c)$ the minimum cannot lie in $(c, d]$ and the "
          r"bracket becomes $[a, c]$; otherwise it becomes $[b, d]$."),
    hint_text=("Compute b and c, evaluate loss_fn at theta + b * direction and at theta + c * "
               "direction, compare, and return a pair: (a, c) when the left point is lower or "
               "equal, else (b, d). Each round keeps one of the two interior points."),
    reference=bracket_solution,
    probes=_BRACKET_PROBES,
    mistakes=(
        Mistake("kept the wrong side",
                "when L(b) <= L(c) the lower point b is on the left, so the minimum is left of "
                "c: drop [c, d] and keep [a, c]", _bracket_wrong_side),
        Mistake("dropped past the better point",
                "the minimum can lie on either side of the lower interior point, so keep the "
                "bracket up to the other interior point: [a, c] (not [a, b]), or [b, d]",
                _bracket_too_far),
        Mistake("b and c swapped",
                "b = d - r (d - a) is the left interior point (0.382 of the way) and c = a + "
                "r (d - a) the right one (0.618 of the way)", _bracket_swapped),
        Mistake("stepped against the direction",
                "direction is already the search direction d_k = -dL/dtheta: the points are "
                "theta + s * direction", _bracket_backwards),
    ),
    explanation="your bracket matches dlcore.optim.bracket_shrink on every probe.",
)


# ------------------------------------------------------------------------------------------
# 3. Counting the updates of SGD
# ------------------------------------------------------------------------------------------
epoch_updates = ValueExercise(
    title="Epochs and updates",
    task=("SGD runs for 5 epochs on $I = 100$ training points with batch size 32, the batches "
          "drawn without replacement as in `optim.minibatches`. How many parameter updates is "
          "that? (An integer.)"),
    hint_text=("One epoch uses every point exactly once. 100 = 3 * 32 + 4: the last batch of "
               "each epoch holds the 4 points left over, and it is still a step."),
    value=5 * len(optim.minibatches(100, 32, np.random.default_rng(0))),  # 20
    solution_code="""import math

# one epoch cuts the 100 shuffled points into batches of 32; the last batch holds the rest
updates_per_epoch = math.ceil(100 / 32)
# every batch is one update, and the epoch is repeated 5 times
answer = 5 * updates_per_epoch
""",
    mistakes=(
        Mistake("dropped the last, smaller batch",
                "minibatches keeps the 4 left-over points as a fourth batch, so every point "
                "counts once per epoch", 15),
        Mistake("counted epochs, not updates",
                "an epoch is a full pass over the data; each of its batches is one update", 5),
        Mistake("divided points seen by the batch size",
                "5 * 100 / 32 = 15.6 is not a whole number of steps: batches do not straddle "
                "epochs", 5 * 100 / 32),
    ),
    explanation="ceil(100 / 32) = 4 updates per epoch, 5 epochs: 20 updates.",
)


# ------------------------------------------------------------------------------------------
# 4. One epoch of SGD, written by hand
# ------------------------------------------------------------------------------------------

_SGD_PROBES = tuple(
    (np.array(theta), line_grad, _rng_sgd.permutation(10), batch_size, alpha)
    for theta, batch_size, alpha in (([0.0, 0.0], 4, 0.05), ([2.0, -1.0], 3, 0.03),
                                     ([-0.5, 1.5], 4, 0.08))
)


def sgd_epoch_solution(theta, grad_fn, order, batch_size, alpha):
    """One epoch of SGD through the data in the given order (dlcore.optim.sgd_epoch)."""
    for start in range(0, len(order), batch_size):  # the last batch may be smaller
        batch = order[start:start + batch_size]  # the next batch: no index repeated
        theta = theta - alpha * grad_fn(theta, batch)  # the gradient at the current theta
    return theta


def _sgd_drop_last(theta, grad_fn, order, batch_size, alpha):
    for start in range(0, len(order) - batch_size + 1, batch_size):
        theta = theta - alpha * grad_fn(theta, order[start:start + batch_size])
    return theta


def _sgd_frozen_theta(theta, grad_fn, order, batch_size, alpha):
    theta0 = theta.copy()
    for start in range(0, len(order), batch_size):
        theta = theta - alpha * grad_fn(theta0, order[start:start + batch_size])
    return theta


def _sgd_no_shuffle(theta, grad_fn, order, batch_size, alpha):
    for start in range(0, len(order), batch_size):
        theta = theta - alpha * grad_fn(theta, np.arange(start, min(start + batch_size,
                                                                     len(order))))
    return theta


def _sgd_mean(theta, grad_fn, order, batch_size, alpha):
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        theta = theta - alpha * grad_fn(theta, batch) / len(batch)
    return theta


sgd_epoch_by_hand = FunctionExercise(
    title="One epoch of SGD",
    task=(r"Write `sgd_epoch(theta, grad_fn, order, batch_size, alpha)` that runs one epoch of "
          r"SGD (section 4) and returns $\theta$ at its end. `order` is one shuffle of the "
          r"indices $0, \ldots, I-1$ (as from `rng.permutation(I)`, so drawn without "
          r"replacement); cut it into consecutive batches of `batch_size` indices (the last "
          r"batch holds what is left) and, batch by batch, update "
          r"$\theta \leftarrow \theta - \alpha \sum_{i \in \mathcal{B}} \partial l_i / "
          r"\partial\theta$, where `grad_fn(theta, idx)` returns that sum over the indices "
          r"`idx` as an array of shape (2,)."),
    hint_text=("A for loop over start = 0, batch_size, 2 batch_size, ... < len(order); the batch "
               "is order[start:start + batch_size]; each update uses grad_fn at the theta of the "
               "previous update, not at the epoch's start."),
    reference=sgd_epoch_solution,
    probes=_SGD_PROBES,
    mistakes=(
        Mistake("dropped the last, smaller batch",
                "10 points in batches of 4 make batches of 4, 4 and 2: every point is used once "
                "per epoch, the left-over ones too", _sgd_drop_last),
        Mistake("gradient at the epoch's start for every batch",
                "each update must use the gradient at the current theta, after the previous "
                "batch's step; with theta frozen the epoch is one full-batch step",
                _sgd_frozen_theta),
        Mistake("ignored the shuffle",
                "the batches are consecutive pieces of order, the shuffled indices, not of "
                "0, 1, 2, ...", _sgd_no_shuffle),
        Mistake("averaged the batch gradient",
                "the notes' SGD step sums the batch's gradients (grad_fn already returns the "
                "sum): do not divide by the batch size", _sgd_mean),
    ),
    explanation="your epoch matches dlcore.optim.sgd_epoch on every probe.",
)


# ------------------------------------------------------------------------------------------
# 5. A step-decay learning-rate schedule
# ------------------------------------------------------------------------------------------
_SCHEDULE_PROBES = (
    (0.1, np.arange(12), 0.5, 3),
    (0.02, np.array([0, 1, 4, 5, 9, 10, 11]), 0.9, 5),
    (1.0, np.arange(6), 0.8, 2),
)


def schedule_solution(alpha0, epochs, decay, every):
    """Step decay: alpha0 * decay^floor(epoch / every), for an array of epochs."""
    drops = epochs // every  # how many times alpha has been cut by the start of each epoch
    return alpha0 * decay**drops  # one learning rate per epoch


def _schedule_every_epoch(alpha0, epochs, decay, every):
    return alpha0 * decay**epochs


def _schedule_no_floor(alpha0, epochs, decay, every):
    return alpha0 * decay ** (epochs / every)


def _schedule_off_by_one(alpha0, epochs, decay, every):
    return alpha0 * decay ** (epochs // every + 1)


schedule_by_hand = FunctionExercise(
    title="A step-decay schedule",
    task=(r"Write `schedule(alpha0, epochs, decay, every)` that returns the learning rate of "
          r"each epoch in the NumPy integer array `epochs` (counted from 0), for step decay: "
          r"$\alpha$ starts at $\alpha_0$ and is multiplied by `decay` after every `every` "
          r"epochs, so $\alpha_e = \alpha_0\, \delta^{\lfloor e / \text{every} \rfloor}$. Return "
          r"an array of the same shape as `epochs`."),
    hint_text=("epochs // every is the number of cuts so far (integer division floors it); "
               "the first `every` epochs use alpha0 itself."),
    reference=schedule_solution,
    probes=_SCHEDULE_PROBES,
    mistakes=(
        Mistake("decayed every epoch",
                "alpha drops only once per `every` epochs: the exponent is floor(e / every), "
                "not e", _schedule_every_epoch),
        Mistake("no floor in the exponent",
                "e / every gives a smooth decay; step decay holds alpha fixed for `every` "
                "epochs, so use the integer division e // every", _schedule_no_floor),
        Mistake("decayed before the first epoch",
                "epoch 0 trains with alpha0 itself: the exponent starts at 0, not 1",
                _schedule_off_by_one),
    ),
    explanation="your schedule matches dlcore.optim.lr_schedule at every epoch.",
)


# ------------------------------------------------------------------------------------------
# 6. Momentum, written by hand
# ------------------------------------------------------------------------------------------
_MOMENTUM_PROBES = tuple(
    (np.array(theta), np.array(m), np.array(g), alpha, beta)
    for theta, m, g, alpha, beta in (
        ([1.0, -2.0, 0.5], [0.3, 0.1, -0.2], [2.0, -1.0, 4.0], 0.1, 0.9),
        ([0.0, 1.0, -1.0], [-1.0, 0.5, 0.0], [0.5, 0.2, -3.0], 0.05, 0.5),
        ([2.0, 2.0, 2.0], [0.0, 0.0, 0.0], [1.0, -1.0, 0.5], 0.2, 0.7),
    )
)


def momentum_solution(theta, m, grad, alpha, beta):
    """One momentum step in the notes' damped form (dlcore.optim.momentum_step)."""
    m = beta * m + (1 - beta) * grad  # the new running average of the gradients
    return theta - alpha * m, m  # step along the new average; return it as the new state


def _momentum_no_damping(theta, m, grad, alpha, beta):
    m = beta * m + grad
    return theta - alpha * m, m


def _momentum_old_m(theta, m, grad, alpha, beta):
    return theta - alpha * m, beta * m + (1 - beta) * grad


def _momentum_swapped(theta, m, grad, alpha, beta):
    m = (1 - beta) * m + beta * grad
    return theta - alpha * m, m


def _momentum_plus_grad(theta, m, grad, alpha, beta):
    m = beta * m + (1 - beta) * grad
    return theta - alpha * (m + grad), m


momentum_by_hand = FunctionExercise(
    title="Momentum by hand",
    task=(r"Write `momentum(theta, m, grad, alpha, beta)` that returns `(theta_new, m_new)` after "
          r"one momentum step of section 5: "
          r"$m_{t+1} = \beta\, m_t + (1-\beta)\, g$ and $\theta_{t+1} = \theta_t - \alpha\, "
          r"m_{t+1}$, with $g$ = `grad` the gradient at $\theta_t$."),
    hint_text=("Two lines: first the new average m_new from m and grad, then the step "
               "theta - alpha * m_new. Return both."),
    reference=momentum_solution,
    probes=_MOMENTUM_PROBES,
    mistakes=(
        Mistake("forgot the (1 - beta) factor",
                "the notes' momentum is an average: m = beta m + (1 - beta) g, so on a "
                "constant slope m settles to g itself", _momentum_no_damping),
        Mistake("stepped with the old m",
                "update m first, then step with the new m_{t+1}: theta_{t+1} = theta_t - "
                "alpha m_{t+1}", _momentum_old_m),
        Mistake("beta and 1 - beta swapped",
                "beta (close to 1) weighs the memory m, and 1 - beta the new gradient",
                _momentum_swapped),
        Mistake("added the gradient to the step again",
                "the new gradient is already inside m_{t+1}; the step is alpha m_{t+1} alone",
                _momentum_plus_grad),
    ),
    explanation="your step matches dlcore.optim.momentum_step (torch.optim.SGD with "
                "dampening = momentum).",
)


# ------------------------------------------------------------------------------------------
# 7. Nesterov's step, written by hand
# ------------------------------------------------------------------------------------------

_rng = np.random.default_rng(303)  # fixed probes: the same check for every student
_NESTEROV_PROBES = tuple(
    (_rng.normal(size=2), _rng.normal(size=2), ravine_grad, alpha, beta)
    for alpha, beta in ((0.1, 0.9), (0.05, 0.5), (0.3, 0.7))
)


def nesterov_solution(theta, m, grad_fn, alpha, beta):
    """One Nesterov step, the notes' equations (the same as dlcore.optim.nesterov_step)."""
    lookahead = theta - alpha * beta * m  # where the momentum alone would carry theta
    m_new = beta * m + (1 - beta) * grad_fn(lookahead)  # the gradient measured there
    return theta - alpha * m_new, m_new


def _nesterov_at_theta(theta, m, grad_fn, alpha, beta):
    return optim.momentum_step(theta, m, grad_fn(theta), alpha, beta)


def _nesterov_plus(theta, m, grad_fn, alpha, beta):
    m = beta * m + (1 - beta) * grad_fn(theta + alpha * beta * m)
    return theta - alpha * m, m


def _nesterov_no_alpha(theta, m, grad_fn, alpha, beta):
    m = beta * m + (1 - beta) * grad_fn(theta - beta * m)
    return theta - alpha * m, m


def _nesterov_no_damping(theta, m, grad_fn, alpha, beta):
    m = beta * m + grad_fn(theta - alpha * beta * m)
    return theta - alpha * m, m


nesterov_by_hand = FunctionExercise(
    title="Nesterov momentum by hand",
    task=(r"Write `nesterov(theta, m, grad_fn, alpha, beta)` that returns `(theta_new, m_new)` "
          r"after one step of Nesterov momentum, following the equations of section 5: with "
          r"$g[\theta] = \partial L / \partial \theta$, "
          r"$m_{t+1} = \beta\, m_t + (1-\beta)\, g[\theta_t - \alpha\beta\, m_t]$ and "
          r"$\theta_{t+1} = \theta_t - \alpha\, m_{t+1}$. `grad_fn(theta)` returns "
          r"$g[\theta]$ as an array of shape (2,)."),
    hint_text=("Three lines: the look-ahead point theta - alpha * beta * m, the new average m "
               "using grad_fn at that point, then the step theta - alpha * m_new."),
    reference=nesterov_solution,
    probes=_NESTEROV_PROBES,
    mistakes=(
        Mistake("gradient taken at theta, not at the look-ahead point",
                "that is plain momentum; Nesterov measures the slope where the momentum is "
                "about to carry theta, theta - alpha beta m", _nesterov_at_theta),
        Mistake("look-ahead in the wrong direction",
                "theta moves by -alpha m, so the look-ahead point is theta - alpha beta m",
                _nesterov_plus),
        Mistake("look-ahead without alpha",
                "m is an average gradient, not a displacement: it moves theta by alpha m",
                _nesterov_no_alpha),
        Mistake("missing (1 - beta) on the gradient",
                "the notes' form averages: m = beta m + (1 - beta) g, so m stays on the scale "
                "of one gradient", _nesterov_no_damping),
    ),
    explanation="your step matches dlcore.optim.nesterov_step on every probe.",
)


# ------------------------------------------------------------------------------------------
# 8. Adam, written by hand
# ------------------------------------------------------------------------------------------
_ADAM_PROBES = tuple(
    (_rng.normal(size=3), 0.3 * _rng.normal(size=3), _rng.uniform(0.05, 0.5, 3),
     _rng.normal(size=3) * [5.0, 0.1, 1.0], t, 0.01, 0.9, 0.99, 0.05)
    for t in (1, 4, 9)
)


def adam_solution(theta, m, v, grad, t, alpha, beta, gamma, eps):
    """One Adam step, t counting from 0 (the same as dlcore.optim.adam_step)."""
    m = beta * m + (1 - beta) * grad  # average gradient
    v = gamma * v + (1 - gamma) * grad**2  # average squared gradient
    m_hat = m / (1 - beta ** (t + 1))  # bias corrections: both averages started at 0
    v_hat = v / (1 - gamma ** (t + 1))
    return theta - alpha * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_t_not_t1(theta, m, v, grad, t, alpha, beta, gamma, eps):
    m = beta * m + (1 - beta) * grad
    v = gamma * v + (1 - gamma) * grad**2
    m_hat, v_hat = m / (1 - beta**t), v / (1 - gamma**t)
    return theta - alpha * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_no_correction(theta, m, v, grad, t, alpha, beta, gamma, eps):
    return optim.adam_step(theta, m, v, grad, t, alpha, beta, gamma, eps, bias_correction=False)


def _adam_eps_inside(theta, m, v, grad, t, alpha, beta, gamma, eps):
    m = beta * m + (1 - beta) * grad
    v = gamma * v + (1 - gamma) * grad**2
    m_hat, v_hat = m / (1 - beta ** (t + 1)), v / (1 - gamma ** (t + 1))
    return theta - alpha * m_hat / np.sqrt(v_hat + eps), m, v


def _adam_no_sqrt(theta, m, v, grad, t, alpha, beta, gamma, eps):
    m = beta * m + (1 - beta) * grad
    v = gamma * v + (1 - gamma) * grad**2
    m_hat, v_hat = m / (1 - beta ** (t + 1)), v / (1 - gamma ** (t + 1))
    return theta - alpha * m_hat / (v_hat + eps), m, v


adam_by_hand = FunctionExercise(
    title="Adam by hand",
    task=(r"Write `adam(theta, m, v, grad, t, alpha, beta, gamma, eps)` that returns "
          r"`(theta, m, v)` after one Adam step, with $t$ counting steps from 0 as in section 6: "
          r"$m$ and $v$ are running averages of the gradient $g$ = `grad` and of $g^2$; dividing "
          r"each by its bias correction gives $\tilde m$ and $\tilde v$, and the step is "
          r"$\alpha\, \tilde m / (\sqrt{\tilde v} + \epsilon)$. Return the updated averages "
          r"$m$ and $v$, not $\tilde m$ and $\tilde v$."),
    hint_text=("m = beta m + (1 - beta) g; v = gamma v + (1 - gamma) g**2; m~ = m / (1 - beta**"
               "(t + 1)); v~ = v / (1 - gamma**(t + 1)); theta - alpha * m~ / (np.sqrt(v~) + eps)."
               " Return the uncorrected m and v: they are the state."),
    reference=adam_solution,
    probes=_ADAM_PROBES,
    mistakes=(
        Mistake("bias correction with t instead of t+1",
                "t counts from 0, so step t is the (t+1)-th average: divide by 1 - beta**(t+1) "
                "(with t, the very first step divides by zero)", _adam_t_not_t1),
        Mistake("no bias correction",
                "m and v start at 0, so early averages are pulled towards 0; dividing by "
                "1 - beta**(t+1) and 1 - gamma**(t+1) undoes that", _adam_no_correction),
        Mistake("eps inside the square root",
                "Adam adds eps after the square root: sqrt(v~) + eps", _adam_eps_inside),
        Mistake("forgot the square root of v",
                "v~ is a squared gradient; sqrt(v~) has the gradient's units, so the step "
                "is about alpha whatever the gradient's scale", _adam_no_sqrt),
    ),
    explanation="your step matches dlcore.optim.adam_step (and so torch.optim.Adam).",
)

EXERCISES = (critical_lr, bracket_by_hand, epoch_updates, sgd_epoch_by_hand, schedule_by_hand,
             momentum_by_hand, nesterov_by_hand, adam_by_hand)
