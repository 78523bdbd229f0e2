"""Chapter 03 exercises: the stable learning rate, epochs and updates, Nesterov, Adam."""

import numpy as np

from .. import optim
from . import FunctionExercise, Mistake, ValueExercise

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
# 2. Counting the updates of SGD
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
# 3. Nesterov's step, written by hand
# ------------------------------------------------------------------------------------------
_A = np.array([[8.0, 2.0], [2.0, 1.0]])


def ravine_grad(theta):
    """The gradient of a tilted ravine L = 1/2 theta^T A theta + sum cos(theta)."""
    theta = np.asarray(theta, float)
    return _A @ theta - np.sin(theta)


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
# 4. Adam, written by hand
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

EXERCISES = (critical_lr, epoch_updates, nesterov_by_hand, adam_by_hand)
