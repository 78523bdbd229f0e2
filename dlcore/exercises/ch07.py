"""Chapter 07 exercises: the prior behind L2, the modified loss of gradient descent, inverted
dropout, early stopping with patience, the Bayesian predictive variance, ridge regression in
closed form, a gradient step with an L2 penalty, what an ensemble gains."""

import numpy as np

from .. import regularization as R
from . import FunctionExercise, Mistake, ValueExercise

# -- 1. L2 as a Gaussian prior --------------------------------------------------------------------
SIGMA, SIGMA_P = 0.2, 0.5

map_lambda = ValueExercise(
    title="Which lambda is this prior?",
    task=(r"The targets are $y_i \sim \text{Norm}[f[x_i, \phi], \sigma^2]$ with $\sigma = 0.2$, "
          r"and the prior on each weight is $\phi_d \sim \text{Norm}[0, \sigma_p^2]$ with "
          r"$\sigma_p = 0.5$. For which $\lambda$ is the MAP estimate (the minimiser of the "
          r"negative log posterior) also the minimiser of "
          r"$\sum_i (y_i - f[x_i, \phi])^2 + \lambda \sum_d \phi_d^2$? Give it to 3 decimals."),
    hint_text=("Write -log Pr(phi | data) = sum_i (y_i - f_i)^2 / (2 sigma^2) + "
               "sum_d phi_d^2 / (2 sigma_p^2) + const, then multiply through by 2 sigma^2."),
    value=round(R.lam_from_prior(SIGMA, SIGMA_P), 12),  # 0.16
    decimals=3,
    solution_code="""\
sigma, sigma_p = 0.2, 0.5
# -log posterior = sum_i (y_i - f_i)^2 / (2 sigma^2) + sum_d phi_d^2 / (2 sigma_p^2) + const;
# multiplied by 2 sigma^2 it is sum_i (y_i - f_i)^2 + (sigma^2 / sigma_p^2) sum_d phi_d^2
answer = sigma ** 2 / sigma_p ** 2
""",
    mistakes=(
        Mistake("ratio of standard deviations",
                "the penalty compares variances: lam = sigma^2 / sigma_p^2, not sigma / sigma_p",
                SIGMA / SIGMA_P),
        Mistake("ratio upside down",
                "a narrower prior (small sigma_p) must mean a stronger penalty, so sigma_p "
                "belongs in the denominator", SIGMA_P ** 2 / SIGMA ** 2),
        Mistake("prior term without rescaling",
                "1 / (2 sigma_p^2) is the prior's weight next to a likelihood scaled by "
                "1 / (2 sigma^2); multiply both by 2 sigma^2 to get the least-squares form",
                1 / (2 * SIGMA_P ** 2)),
    ),
    explanation="lam = sigma^2 / sigma_p^2 = 0.04 / 0.25 = 0.16.",
)

# -- 2. The modified loss of gradient descent, for a quadratic -----------------------------------
_rng = np.random.default_rng(707)  # fixed probes: the same check for every student


def _probe():
    M = _rng.normal(size=(3, 3))
    return (M @ M.T + np.eye(3), _rng.normal(size=3), _rng.normal(size=3), 0.1)


_PROBES = tuple(_probe() for _ in range(3))


def l_gd(A, b, theta, alpha):
    """L_GD for L = 1/2 theta^T A theta - b^T theta (the reference solution)."""
    L = 0.5 * theta @ A @ theta - b @ theta    # the loss itself
    g = A @ theta - b                          # its gradient dL/dtheta (A is symmetric)
    return float(L + alpha / 4 * g @ g)       # plus alpha/4 times the squared gradient norm


def _half_instead_of_quarter(A, b, theta, alpha):
    g = A @ theta - b
    return 0.5 * theta @ A @ theta - b @ theta + alpha / 2 * g @ g


def _norm_not_squared(A, b, theta, alpha):
    g = A @ theta - b
    return 0.5 * theta @ A @ theta - b @ theta + alpha / 4 * np.linalg.norm(g)


def _minus_sign(A, b, theta, alpha):
    g = A @ theta - b
    return 0.5 * theta @ A @ theta - b @ theta - alpha / 4 * g @ g


def _gradient_of_theta(A, b, theta, alpha):
    return 0.5 * theta @ A @ theta - b @ theta + alpha / 4 * theta @ theta


modified_loss = FunctionExercise(
    title="The loss gradient descent really minimises",
    task=(r"For the quadratic loss $L[\theta] = \frac{1}{2}\theta^T A \theta - b^T \theta$, write "
          r"`l_gd(A, b, theta, alpha)` that returns the modified loss of gradient descent with "
          r"step $\alpha$, $L_{GD}[\theta] = L[\theta] + \frac{\alpha}{4}"
          r"\left\|\frac{\partial L}{\partial \theta}\right\|^2$, as a float. `A` is symmetric, "
          r"of shape `(3, 3)`; `b` and `theta` have shape `(3,)`."),
    hint_text="dL/dtheta = A theta - b; the squared norm of a vector g is g @ g.",
    reference=l_gd,
    probes=_PROBES,
    mistakes=(
        Mistake("alpha/2 instead of alpha/4",
                "backward error analysis gives alpha/4 ||dL/dtheta||^2; alpha/2 is the factor "
                "in the modified *gradient* g + alpha/2 (d2L/dtheta2) g", _half_instead_of_quarter),
        Mistake("norm not squared",
                "the penalty is the squared norm ||g||^2 = g @ g", _norm_not_squared),
        Mistake("penalty subtracted",
                "the discrete steps are repelled from steep places, so the penalty on the "
                "gradient norm is added", _minus_sign),
        Mistake("penalised theta, not the gradient",
                "alpha/4 ||theta||^2 would be weight decay; the implicit term penalises the "
                "gradient's norm ||A theta - b||^2", _gradient_of_theta),
    ),
    explanation="your l_gd matches L + alpha/4 ||A theta - b||^2 on every probe.",
)

# -- 3. Inverted dropout with a given mask ---------------------------------------------------------
_H = np.arange(1.0, 13.0).reshape(3, 4) / 4
_DROP_PROBES = tuple(
    (_H, (np.random.default_rng(s).random(_H.shape) >= p).astype(float), p)
    for s, p in ((1, 0.25), (2, 0.5), (3, 0.8))
)


def apply_dropout(h, mask, p):
    """Inverted dropout with a given mask (the reference solution)."""
    kept = h * mask             # zero the dropped units (a new array: h is not changed)
    return kept / (1 - p)       # survivors occur with probability 1 - p: divide by it


def _no_scaling(h, mask, p):
    return h * mask


def _scaled_by_keep(h, mask, p):
    return h * mask * (1 - p)


def _divided_by_p(h, mask, p):
    return h * mask / p


def _mask_inverted(h, mask, p):
    return h * (1 - mask) / (1 - p)


inverted_dropout = FunctionExercise(
    title="Inverted dropout",
    task=(r"Write `apply_dropout(h, mask, p)`: `mask` has the shape of `h`, with 1 where a unit "
          r"survives and 0 where it was dropped (each unit is dropped with probability $p$). "
          r"Return the training-time activations of inverted dropout, whose expectation over the "
          r"masks equals $h$."),
    hint_text=("A survivor is kept with probability 1 - p; to keep E[output] = h, divide the "
               "survivors by that probability."),
    reference=apply_dropout,
    probes=_DROP_PROBES,
    mistakes=(
        Mistake("no rescaling",
                "without the 1/(1-p) the expected activation shrinks to (1-p) h during training, "
                "and the next layer sees larger inputs at test time", _no_scaling),
        Mistake("multiplied by 1 - p",
                "scaling by (1-p) is the old test-time correction; inverted dropout divides "
                "the survivors by (1-p) during training", _scaled_by_keep),
        Mistake("divided by p",
                "p is the probability of being dropped; survivors occur with probability 1 - p",
                _divided_by_p),
        Mistake("mask used the wrong way round",
                "mask = 1 marks the units that survive: keep h where mask is 1", _mask_inverted),
    ),
    explanation=("h * mask / (1 - p): what dlcore.regularization.dropout computes once it "
                 "has drawn its mask."),
)

# -- 4. Early stopping with patience --------------------------------------------------------------
VAL = np.array([2.10, 1.62, 1.35, 1.21, 1.24, 1.19, 1.22, 1.25, 1.31, 1.05, 1.40])
PATIENCE = 3

early_stopping = ValueExercise(
    title="Early stopping with patience",
    task=(r"The validation loss after epochs $t = 0, 1, 2, \dots$ is "
          "`VAL = [" + ", ".join(f"{v:.2f}" for v in VAL) + "]` (also in the cell below). "
          "Training stops as soon as the loss has failed to beat the best value so far for "
          f"{PATIENCE} epochs in a row (a patience of {PATIENCE}), and the parameters of the "
          "best epoch seen are kept. Which epoch's parameters do we keep? Give its index $t$. "
          "Work it out by hand (then you may check with "
          f"`R.early_stopping_point(VAL, patience={PATIENCE})`)."),
    hint_text=("Walk along the list and count epochs since the last improvement; when the count "
               "reaches 3, stop. Epochs after that are never seen."),
    value=R.early_stopping_point(VAL, patience=PATIENCE),  # 5
    solution_code="""\
VAL = [2.10, 1.62, 1.35, 1.21, 1.24, 1.19, 1.22, 1.25, 1.31, 1.05, 1.40]
best, best_epoch, waited = float("inf"), 0, 0
for t, loss in enumerate(VAL):
    if loss < best:                      # a new best: remember it, reset the count
        best, best_epoch, waited = loss, t, 0
    else:                                # no improvement this epoch
        waited += 1
        if waited == 3:                  # patience used up: stop, later epochs are never seen
            break
answer = best_epoch                      # we keep the parameters of the best epoch seen
""",
    mistakes=(
        Mistake("the global minimum",
                "epoch 9 is the lowest value, but training stopped at epoch 8 and never saw it",
                int(np.argmin(VAL))),
        Mistake("the epoch training stopped",
                "at epoch 8 the patience ran out; we keep the parameters of the best epoch "
                "seen, not the last ones", 8),
        Mistake("stopped at the first rise",
                "a patience of 3 forgives a rise: training goes on, and a later epoch may still "
                "beat the best value so far", 3),
    ),
    explanation=("epoch 5 (loss 1.19); epochs 6, 7 and 8 fail to beat it, so training stops "
                 "at 8 and never sees the 1.05 at epoch 9."),
)

# -- 5. The Bayesian predictive variance ----------------------------------------------------------
_S = np.array([[0.30, -0.10, 0.02], [-0.10, 0.50, 0.05], [0.02, 0.05, 0.20]])
_h_star = np.array([1.0, 0.8, 0.3])
_sig = 0.25

predictive_var = ValueExercise(
    title="How uncertain is a prediction?",
    task=(r"A linear-in-features model has posterior covariance $S$ over $\phi$, "
          r"`S = [[0.30, -0.10, 0.02], [-0.10, 0.50, 0.05], [0.02, 0.05, 0.20]]` (`S5` in the "
          r"cell below); the noise standard deviation is $\sigma = 0.25$, and a new input $x^*$ "
          r"has features $h^* = [1.0, 0.8, 0.3]$ (`h_star`). Compute the variance of the "
          r"predictive distribution $Pr(y^* \mid x^*, \text{data})$ with NumPy, to 4 decimals."),
    hint_text=("y* = phi^T h* + noise: the two sources of uncertainty add, "
               "Var = h*^T S h* + sigma^2."),
    value=round(float(_h_star @ _S @ _h_star + _sig ** 2), 12),  # 0.5765
    decimals=4,
    solution_code="""\
import numpy as np

S = np.array([[0.30, -0.10, 0.02], [-0.10, 0.50, 0.05], [0.02, 0.05, 0.20]])
h_star = np.array([1.0, 0.8, 0.3])
sigma = 0.25
var_f = h_star @ S @ h_star        # uncertainty of f[x*, phi] = phi^T h*: h*^T S h*
answer = var_f + sigma ** 2        # plus the noise of the observation y*
""",
    mistakes=(
        Mistake("forgot the noise",
                "h*^T S h* is the uncertainty in f[x*, phi] only; an observation y* adds the "
                "noise variance sigma^2", float(_h_star @ _S @ _h_star)),
        Mistake("added sigma, not sigma^2",
                "variances add: use sigma^2 = 0.0625", float(_h_star @ _S @ _h_star + _sig)),
        Mistake("ignored the correlations",
                "S is not diagonal; h*^T S h* includes the off-diagonal terms",
                float(np.sum(_h_star ** 2 * np.diag(_S)) + _sig ** 2)),
    ),
    explanation="h*^T S h* + sigma^2 = 0.514 + 0.0625 = 0.5765.",
)

# -- 6. Ridge regression in closed form ------------------------------------------------------------
_rng_ridge = np.random.default_rng(717)  # fixed probes: the same check for every student
_RIDGE_PROBES = tuple((_rng_ridge.normal(size=(3, 8)), _rng_ridge.normal(size=8), lam)
                      for lam in (0.5, 2.0, 7.0))


def ridge(H, y, lam):
    """Ridge regression in closed form (the reference solution)."""
    P = H.shape[0]
    A = H @ H.T + lam * np.eye(P)        # (P, P): the data term plus lam on the diagonal only
    return np.linalg.solve(A, H @ y)     # solve (H H^T + lam I) phi = H y; no explicit inverse


def _ridge_no_penalty(H, y, lam):
    return np.linalg.solve(H @ H.T, H @ y)


def _ridge_lam_everywhere(H, y, lam):
    return np.linalg.solve(H @ H.T + lam, H @ y)


def _ridge_two_lam(H, y, lam):
    return np.linalg.solve(H @ H.T + 2 * lam * np.eye(H.shape[0]), H @ y)


def _ridge_half_lam(H, y, lam):
    return np.linalg.solve(H @ H.T + lam / 2 * np.eye(H.shape[0]), H @ y)


ridge_closed_form = FunctionExercise(
    title="Ridge regression in closed form",
    task=(r"Write `ridge(H, y, lam)`: the $\phi$ that minimises "
          r"$\sum_i (y_i - \phi^T h_i)^2 + \lambda \sum_p \phi_p^2$ (every entry penalised, the "
          r"offset too). `H` has shape `(P, I)` (the features of data point $i$ are column "
          r"$h_i$), `y` has shape `(I,)`, $\lambda > 0$; return $\phi$ of shape `(P,)`. Set the "
          r"gradient to zero and solve the linear system with `np.linalg.solve`."),
    hint_text=("The gradient is -2 H (y - H^T phi) + 2 lam phi; setting it to zero gives "
               "(H H^T + lam 1) phi = H y, with 1 the P x P identity matrix, np.eye(P)."),
    reference=ridge,
    probes=_RIDGE_PROBES,
    mistakes=(
        Mistake("no penalty",
                "that is plain least squares: the penalty adds lam to the diagonal of H H^T",
                _ridge_no_penalty),
        Mistake("lam added to every entry",
                "H @ H.T + lam adds lam to all P x P entries; the penalty's Hessian is lam times "
                "the identity, so only the diagonal changes: + lam * np.eye(P)", _ridge_lam_everywhere),
        Mistake("2 lam on the diagonal",
                "both the data term and the penalty carry a factor 2 in the gradient; they "
                "cancel, leaving H H^T + lam I", _ridge_two_lam),
        Mistake("lam / 2 on the diagonal",
                "the penalty is lam ||phi||^2, not lam/2 ||phi||^2: after dividing the gradient "
                "by 2 the diagonal gets lam", _ridge_half_lam),
    ),
    explanation="(H H^T + lam I) phi = H y: what dlcore.linear.least_squares(H, y, lam) solves.",
)

# -- 7. One gradient-descent step on the L2-penalised loss ----------------------------------------
_rng_step = np.random.default_rng(727)
_STEP_PROBES = tuple((_rng_step.normal(size=5), _rng_step.normal(size=5), lam, alpha)
                     for lam, alpha in ((0.3, 0.1), (1.5, 0.05), (4.0, 0.02)))


def penalized_step(theta, grad, lam, alpha):
    """One gradient-descent step on L + lam sum_{p>=1} theta_p^2 (the reference solution)."""
    penalty_grad = 2 * lam * theta       # d/dtheta of lam theta_p^2 is 2 lam theta_p ...
    penalty_grad[0] = 0.0                # ... except for the offset theta_0, which is not penalised
    return theta - alpha * (grad + penalty_grad)   # a step down the penalised gradient


def _step_no_two(theta, grad, lam, alpha):
    pg = lam * theta
    pg[0] = 0.0
    return theta - alpha * (grad + pg)


def _step_penalty_sign(theta, grad, lam, alpha):
    pg = 2 * lam * theta
    pg[0] = 0.0
    return theta - alpha * (grad - pg)


def _step_offset_penalised(theta, grad, lam, alpha):
    return theta - alpha * (grad + 2 * lam * theta)


def _step_penalty_value(theta, grad, lam, alpha):
    return theta - alpha * (grad + lam * np.sum(theta[1:] ** 2))


penalized_gd = FunctionExercise(
    title="A gradient step with an L2 penalty",
    task=(r"Write `penalized_step(theta, grad, lam, alpha)`: one gradient-descent step with step "
          r"size $\alpha$ on the penalised loss $L[\theta] + \lambda \sum_{p \ge 1} \theta_p^2$, "
          r"where `grad` is $\partial L / \partial \theta$ at `theta` (both of shape `(P,)`) and "
          r"`theta[0]` is an offset, which is not penalised. Return the new $\theta$, shape "
          r"`(P,)`, and leave the argument `theta` unchanged."),
    hint_text=("The penalty's gradient is 2 lam theta_p for p >= 1 and 0 for p = 0; add it to "
               "grad, then take theta - alpha * (the sum). Copy theta (2 * lam * theta is "
               "already a new array) before setting an entry."),
    reference=penalized_step,
    probes=_STEP_PROBES,
    mistakes=(
        Mistake("penalty gradient lam theta",
                "the derivative of lam theta_p^2 is 2 lam theta_p: the factor 2 is missing",
                _step_no_two),
        Mistake("penalty gradient subtracted",
                "the penalty is added to the loss, so its gradient is added to grad: it pulls "
                "theta towards 0", _step_penalty_sign),
        Mistake("offset penalised",
                "theta[0] is the offset and is not penalised: its penalty gradient is 0",
                _step_offset_penalised),
        Mistake("added the penalty's value",
                "the step needs the penalty's gradient 2 lam theta_p (a vector), not its value "
                "lam sum theta_p^2 (a number)", _step_penalty_value),
    ),
    explanation=("theta - alpha (grad + 2 lam theta), offset excluded: weight decay shrinks each "
                 "weight by the factor 1 - 2 alpha lam before the loss's step."),
)

# -- 8. What an ensemble gains ------------------------------------------------------------------
_rng_ens = np.random.default_rng(737)
_ENS_PROBES = tuple((_rng_ens.normal(size=(M, 6)) + 0.3, _rng_ens.normal(size=6))
                    for M in (4, 5, 3))


def ensemble_errors(preds, y):
    """Mean member error and ensemble error (the reference solution)."""
    member_mse = np.mean((preds - y) ** 2)    # each member's squared errors, averaged over all
    f_bar = preds.mean(axis=0)                # (I,) the ensemble predicts the members' average
    ensemble_mse = np.mean((f_bar - y) ** 2)  # the error of that average
    return np.array([member_mse, ensemble_mse])


def _ens_averaged_errors(preds, y):
    member_mse = np.mean((preds - y) ** 2)
    return np.array([member_mse, member_mse])


def _ens_mean_error_squared(preds, y):
    f_bar = preds.mean(axis=0)
    return np.array([np.mean((preds - y) ** 2), np.mean(f_bar - y) ** 2])


def _ens_spread(preds, y):
    f_bar = preds.mean(axis=0)
    return np.array([np.mean((preds - f_bar) ** 2), np.mean((f_bar - y) ** 2)])


def _ens_wrong_axis(preds, y):
    f_bar = preds.mean(axis=1, keepdims=True)  # one number per member: its mean over the points
    return np.array([np.mean((preds - y) ** 2), np.mean((f_bar - y) ** 2)])


ensemble_gain = FunctionExercise(
    title="What averaging the members gains",
    task=(r"`preds` has shape `(M, I)`: row $m$ holds member $m$'s predictions $f_m[x_i]$ at $I$ "
          r"inputs, whose targets are `y`, shape `(I,)`. Write `ensemble_errors(preds, y)` that "
          r"returns `np.array([member_mse, ensemble_mse])`: the squared error of the members "
          r"averaged over members and points, $\frac{1}{MI}\sum_{m,i}(f_m[x_i] - y_i)^2$, and "
          r"the mean squared error of the ensemble, which predicts the average of the members, "
          r"$\bar f[x_i] = \frac{1}{M}\sum_m f_m[x_i]$. (Section 6: the first is the second plus "
          r"the members' spread, so it is never smaller.)"),
    hint_text=("Average the predictions over the members (axis 0) before comparing with y; the "
               "member error compares every row of preds with y (broadcasting does it)."),
    reference=ensemble_errors,
    probes=_ENS_PROBES,
    mistakes=(
        Mistake("averaged the errors, not the predictions",
                "the ensemble averages the members' predictions first and then measures the "
                "error; averaging the members' errors gives the member error again",
                _ens_averaged_errors),
        Mistake("squared the mean error",
                "the MSE is the mean of the squared errors, np.mean((f_bar - y) ** 2), not the "
                "square of the mean error", _ens_mean_error_squared),
        Mistake("spread instead of member error",
                "np.mean((preds - f_bar) ** 2) is the members' spread around their average; the "
                "member error compares each member with the targets y", _ens_spread),
        Mistake("averaged over the points",
                "preds.mean(axis=1) averages each member over the inputs; the ensemble averages "
                "over the members, axis 0, one prediction per input", _ens_wrong_axis),
    ),
    explanation=("member MSE = ensemble MSE + spread: averaging gains exactly the members' "
                 "disagreement."),
)

EXERCISES = (map_lambda, modified_loss, inverted_dropout, early_stopping, predictive_var,
             ridge_closed_form, penalized_gd, ensemble_gain)
