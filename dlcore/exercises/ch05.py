"""Chapter 05 exercises: the variance recursion, He initialisation, the backward step, floats,
and the update-to-weight ratio of a training run."""

import numpy as np

from .. import init
from . import FunctionExercise, Mistake, ValueExercise


# -- 1. the variance recursion -------------------------------------------------------------------
def next_variance_solution(var_f, D_h, sigma_omega):
    """sigma_f'^2 = 1/2 D_h sigma_Omega^2 sigma_f^2."""
    second_moment_h = var_f / 2  # E[h^2]: the ReLU keeps the positive half of a symmetric f
    term_variance = sigma_omega**2 * second_moment_h  # Var[Omega_ij h_j], independent factors
    return D_h * term_variance  # f'_i sums D_h independent terms: their variances add


next_variance = FunctionExercise(
    title="The variance one layer up",
    task=(r"Write `next_variance(var_f, D_h, sigma_omega)` that returns the variance "
          r"$\sigma_{f'}^2$ of $f' = \Omega\, a[f]$, where $a$ is the ReLU, the biases are zero, "
          r"$\Omega$ maps $D_h$ = `D_h` units to the next layer with weights "
          r"$\Omega_{ij} \sim \mathrm{Norm}(0, \sigma_\Omega^2)$, $\sigma_\Omega$ = "
          r"`sigma_omega`, and the pre-activations $f$ are symmetric about 0 with variance "
          r"$\sigma_f^2$ = `var_f`."),
    hint_text=("f'_i sums D_h independent terms Omega_ij h_j, each of variance "
               "sigma_omega^2 E[h_j^2]; the ReLU zeroes half of a symmetric f, so "
               "E[h_j^2] = var_f / 2."),
    reference=next_variance_solution,
    # results 0.5, 3.75, 2.8, 14.4: none a whole number (a whole number is compared exactly)
    probes=((1.0, 100, 0.1), (3.0, 10, 0.5), (0.2, 7, 2.0), (5.0, 64, 0.3)),
    mistakes=(
        Mistake("forgot the ReLU's 1/2",
                "a[f] zeroes the negative half of f, so E[h^2] = var_f / 2, not var_f",
                lambda v, D, s: D * s**2 * v),
        Mistake("used sigma, not sigma^2",
                "each term is Omega_ij h_j, whose variance is sigma_omega^2 E[h_j^2]: squared",
                lambda v, D, s: 0.5 * D * s * v),
        Mistake("no sum over D_h",
                "f'_i adds up D_h independent terms, so their variances add: a factor D_h",
                lambda v, D, s: 0.5 * s**2 * v),
    ),
    explanation="sigma_f'^2 = 1/2 D_h sigma_Omega^2 sigma_f^2; set it equal to sigma_f^2 and "
                "He's sigma_Omega^2 = 2 / D_h falls out.",
)


# -- 2. the recursion through a whole net --------------------------------------------------------
def variance_recursion_solution(var_0, widths, sigmas):
    """Var[f_k] = 1/2 D_k sigma_k^2 Var[f_{k-1}], k = 1..K, from Var[f_0] = var_0."""
    variances = [var_0]  # Var[f_0] is given
    for k in range(1, len(sigmas)):  # Omega_k maps the D_k = widths[k] units of h_k onwards
        factor = 0.5 * widths[k] * sigmas[k] ** 2  # 1/2 D_k sigma_k^2: the ReLU keeps half
        variances.append(factor * variances[-1])  # one layer up
    return np.array(variances)


variance_recursion = FunctionExercise(
    title="The variance through a whole net",
    task=(r"Write `variance_recursion(var_0, widths, sigmas)` that returns the array "
          r"$[\mathrm{Var}[f_0], \mathrm{Var}[f_1], \ldots, \mathrm{Var}[f_K]]$ the theory "
          r"predicts for a ReLU net with zero biases. `widths` $= [D_0, D_1, \ldots, D_{K+1}]$ "
          r"lists the layer widths ($D_0 = D_i$ the inputs, $D_{K+1} = D_o$ the outputs), so "
          r"$\Omega_k$ has shape $(D_{k+1}, D_k)$ and entries drawn from "
          r"$\mathrm{Norm}(0, \sigma_k^2)$ with $\sigma_k$ = `sigmas[k]` (a NumPy array of "
          r"$K+1$ standard deviations). $\mathrm{Var}[f_0]$ = `var_0` is given; apply section "
          r"3's one-layer formula layer after layer."),
    hint_text=("f_k = Omega_k h_k and h_k = a[f_{k-1}]: the sum in f_k runs over the D_k "
               "units of h_k, so Var[f_k] = 1/2 D_k sigma_k^2 Var[f_{k-1}], with D_k = widths[k]."),
    reference=variance_recursion_solution,
    probes=((1.3, [5, 10, 20, 8, 3], np.array([0.4, 0.3, 0.25, 0.5])),
            (0.7, [3, 64, 16, 40, 2], np.array([0.9, 0.2, 0.45, 0.3])),
            (2.5, [4, 7, 2], np.array([1.1, 0.6]))),
    mistakes=(
        Mistake("used D_{k+1}, not D_k",
                "Var[f_k] sums over the D_k units of h_k that Omega_k reads (its columns), not "
                "over the D_{k+1} units it writes",
                lambda v, w, s: np.cumprod([v] + [0.5 * w[k + 1] * s[k] ** 2
                                                  for k in range(1, len(s))])),
        Mistake("used sigma, not sigma^2",
                "each term Omega_ij h_j has variance sigma_k^2 E[h_j^2]: the standard deviation "
                "enters squared",
                lambda v, w, s: np.cumprod([v] + [0.5 * w[k] * s[k] for k in range(1, len(s))])),
        Mistake("forgot the ReLU's 1/2",
                "the ReLU zeroes the negative half of f_{k-1}, so E[h^2] = Var[f_{k-1}] / 2",
                lambda v, w, s: np.cumprod([v] + [w[k] * s[k] ** 2 for k in range(1, len(s))])),
        Mistake("used sigma_{k-1} for layer k",
                "f_k = Omega_k h_k: the variance of layer k's weights is sigma_k^2 = sigmas[k]",
                lambda v, w, s: np.cumprod([v] + [0.5 * w[k] * s[k - 1] ** 2
                                                  for k in range(1, len(s))])),
        Mistake("off by one layer",
                "the factor that takes Var[f_{k-1}] to Var[f_k] belongs to Omega_k: it uses "
                "D_k = widths[k] and sigma_k = sigmas[k], for k = 1..K",
                lambda v, w, s: np.cumprod([v] + [0.5 * w[k - 1] * s[k - 1] ** 2
                                                  for k in range(1, len(s))])),
    ),
    explanation="Each layer multiplies by its own factor 1/2 D_k sigma_k^2: He's choice makes "
                "every factor 1.",
)

# -- 3. He's standard deviation ------------------------------------------------------------------
he_value = ValueExercise(
    title="He's standard deviation",
    task=(r"A layer maps $D_h = 200$ ReLU units to $D_{h'} = 50$ units. Which standard "
          r"deviation $\sigma_\Omega$ keeps the variance of the pre-activations constant in the "
          r"forward pass? Give the standard deviation (not the variance) to 3 decimals."),
    hint_text=("Forward pass: sigma_Omega^2 = 2 / D_h, where D_h counts the units feeding the "
               "layer."),
    value=init.he_std(200),  # 0.1
    decimals=3,
    solution_code="""import numpy as np

D_h = 200  # the units feeding the layer (the forward pass sums over them)
# He: 1/2 D_h sigma_Omega^2 = 1 keeps the variance, so sigma_Omega^2 = 2 / D_h
variance = 2 / D_h
# the question asks for the standard deviation
answer = np.sqrt(variance)
""",
    mistakes=(
        Mistake("gave the variance", "2 / D_h is the variance sigma_Omega^2; the standard "
                "deviation is its square root", 2 / 200),
        Mistake("used 1/D_h (LeCun/Xavier)",
                "1 / D_h ignores the ReLU, which halves E[h^2]; ReLU nets need 2 / D_h",
                np.sqrt(1 / 200)),
        Mistake("used D_h' (the backward rule)",
                "2 / D_h' keeps the gradients constant; the forward pass sums over the D_h inputs",
                np.sqrt(2 / 50)),
        Mistake("used the compromise", "4 / (D_h + D_h') balances both passes; the question "
                "asks for the forward pass only", np.sqrt(4 / 250)),
    ),
    explanation="sigma_Omega = sqrt(2 / 200) = 0.1.",
)


# -- 4. He initialisation of one layer ------------------------------------------------------------
def he_layer_solution(D_h, D_h_next, rng):
    """beta = 0 (D_h',) and Omega ~ Norm(0, 2 / D_h), shape (D_h', D_h)."""
    sigma = np.sqrt(2 / D_h)  # He: variance 2 / D_h, D_h = the units feeding the layer
    beta = np.zeros(D_h_next)  # the biases start at zero: nothing is drawn for them
    omega = sigma * rng.standard_normal((D_h_next, D_h))  # maps D_h units to D_h' units
    return beta, omega


he_layer = FunctionExercise(
    title="He initialisation of a layer",
    task=(r"Write `he_layer(D_h, D_h_next, rng)` that returns `(beta, omega)` for a ReLU layer "
          r"mapping $D_h$ = `D_h` units to $D_{h'}$ = `D_h_next` units: the biases $\beta$, "
          r"shape $(D_{h'},)$, all zero, and the weights $\Omega$, shape $(D_{h'}, D_h)$, with "
          r"He's variance for the forward pass. Draw the weights with **one** call, "
          r"`rng.standard_normal((D_h_next, D_h))` scaled by the standard deviation (or, the same "
          r"numbers, `rng.normal(0, std, size=(D_h_next, D_h))`), and draw nothing else, so "
          r"the check can repeat your draws with the same seeded `rng`."),
    hint_text=("He: sigma_Omega^2 = 2 / D_h, where D_h counts the units feeding the layer (the "
               "columns of Omega). Scale the standard-normal draws by the standard deviation "
               "sqrt(2 / D_h); the biases are np.zeros(D_h_next)."),
    reference=he_layer_solution,
    probes=((64, 16, np.random.default_rng(5)), (10, 40, np.random.default_rng(6)),
            (200, 50, np.random.default_rng(7))),
    mistakes=(
        Mistake("used D_h' (the backward rule)",
                "the forward pass sums over the D_h units feeding the layer: sigma^2 = 2 / D_h, "
                "not 2 / D_h'",
                lambda D, Dn, r: (np.zeros(Dn), np.sqrt(2 / Dn) * r.standard_normal((Dn, D)))),
        Mistake("scaled by the variance",
                "2 / D_h is the variance; the draws are scaled by the standard deviation, its "
                "square root",
                lambda D, Dn, r: (np.zeros(Dn), (2 / D) * r.standard_normal((Dn, D)))),
        Mistake("forgot the ReLU's factor 2",
                "1 / D_h (LeCun) ignores that the ReLU halves E[h^2]; ReLU nets need 2 / D_h",
                lambda D, Dn, r: (np.zeros(Dn), np.sqrt(1 / D) * r.standard_normal((Dn, D)))),
        Mistake("Omega of shape (D_h, D_h')",
                "Omega multiplies h (D_h entries) and gives f' (D_h' entries): shape (D_h', D_h)",
                lambda D, Dn, r: (np.zeros(Dn), np.sqrt(2 / D) * r.standard_normal((D, Dn)))),
        Mistake("random biases",
                "He initialisation sets every bias to zero; only the weights are drawn",
                lambda D, Dn, r: (lambda o: (np.sqrt(2 / D) * r.standard_normal(Dn), o))(
                    np.sqrt(2 / D) * r.standard_normal((Dn, D)))),
    ),
    explanation="Omega = sqrt(2 / D_h) * rng.standard_normal((D_h', D_h)) and beta = 0: "
                "init.init_net(widths, 'he' sigmas, rng) does this for every layer.",
)


# -- 5. one step of the backward pass ------------------------------------------------------------
def grad_prev_solution(f_prev, omega, dl_df):
    """dl/df_{k-1} = I[f_{k-1} > 0] * (Omega_k^T dl/df_k)."""
    dl_dh = omega.T @ dl_df  # back through f_k = Omega_k h_k + beta_k: (D_k, I)
    active = f_prev > 0  # the ReLU's derivative, the indicator I[f_{k-1} > 0]
    return active * dl_dh  # only active units pass the gradient on


_rng = np.random.default_rng(505)  # fixed probes: the same check for every student
_PROBES = tuple(
    (_rng.normal(size=(4, 3)), _rng.normal(size=(4, 4)), _rng.normal(size=(4, 3)))
    for _ in range(3)
)  # square Omega so a transposed gradient still has the right shape

grad_step = FunctionExercise(
    title="One step of the backward pass",
    task=(r"Write `grad_prev(f_prev, omega, dl_df)`: given the pre-activations `f_prev` "
          r"$= f_{k-1}$ of shape $(D_k, I)$, the weights `omega` $= \Omega_k$ of shape "
          r"$(D_{k+1}, D_k)$ and `dl_df` $= \partial l / \partial f_k$ of shape $(D_{k+1}, I)$, "
          r"return $\partial l / \partial f_{k-1}$, of shape $(D_k, I)$, for a ReLU network."),
    hint_text=("Two factors: Omega_k^T carries the gradient from f_k back to h_k, and the ReLU "
               "derivative I[f_{k-1} > 0] lets it through only where the unit was active."),
    reference=grad_prev_solution,
    probes=_PROBES,
    mistakes=(
        Mistake("gradient transposed", "the gradient goes back through Omega_k^T (D_k, D_{k+1})"
                ", not Omega_k", lambda f, o, g: (f > 0) * (o @ g)),
        Mistake("missing the activation derivative",
                "dl/df_{k-1} also carries a'[f_{k-1}] = I[f_{k-1} > 0]: inactive units pass "
                "no gradient", lambda f, o, g: o.T @ g),
        Mistake("multiplied by h instead of I[f > 0]",
                "the ReLU's derivative is the indicator 1 or 0, not the activation a[f] itself",
                lambda f, o, g: np.maximum(f, 0) * (o.T @ g)),
    ),
    explanation="dl/df_{k-1} = I[f_{k-1} > 0] * (Omega_k^T dl/df_k), as torch autograd computes.",
)

# -- 6. the compromise ---------------------------------------------------------------------------
compromise = ValueExercise(
    title="The non-square compromise",
    task=(r"$\Omega$ maps $D_h = 100$ units to $D_{h'} = 300$ units. What weight **variance** "
          r"$\sigma_\Omega^2$ does the compromise between the forward and the backward rule "
          r"give? Give it to 4 decimals."),
    hint_text="Use He's rule with the mean of the two widths: 2 / ((D_h + D_h') / 2).",
    value=round(init.he_std_compromise(100, 300) ** 2, 12),  # 0.01
    decimals=4,
    solution_code="""D_h, D_h_next = 100, 300
# the forward rule is 2 / D_h, the backward rule 2 / D_h'; the compromise uses the mean width
mean_width = (D_h + D_h_next) / 2
# He's rule with that width gives the variance (not the standard deviation)
answer = 2 / mean_width
""",
    mistakes=(
        Mistake("forgot to halve the sum", "He's rule divides 2 by the mean width "
                "(D_h + D_h') / 2, not by the sum of the widths", 2 / 400),
        Mistake("used the forward rule only", "2 / D_h keeps the activations but multiplies "
                "the gradients' variance by D_h' / D_h = 3 at each backward step", 2 / 100),
        Mistake("used the backward rule only", "2 / D_h' keeps the gradients but not the "
                "activations", 2 / 300),
        Mistake("gave the standard deviation", "the question asks for the variance "
                "sigma_Omega^2, not sigma_Omega", np.sqrt(4 / 400)),
    ),
    explanation="4 / (100 + 300) = 0.01.",
)

# -- 7. floating point -------------------------------------------------------------------------
_F32_MAX = init.float_limits(np.float32)["max"]
_F64_MAX = init.float_limits(np.float64)["max"]


def _first_layer_above(limit, growth):
    return int(np.floor(np.log10(limit) / np.log10(growth))) + 1


float_depth = ValueExercise(
    title="When does float32 overflow?",
    task=(r"A deep ReLU network is initialised with $\sigma_\Omega^2 = 9 \times$ He, so the "
          r"typical size (the standard deviation) of $f_k$ is $3^k$, starting from 1 at $k = 0$. "
          r"At which layer $k$ does it first exceed the largest float32 number, about "
          r"$3.4 \times 10^{38}$? (An integer.)"),
    hint_text=("Solve 3^k > 3.4e38 with logarithms: k > log10(3.4e38) / log10(3); "
               "the first integer above that."),
    value=_first_layer_above(_F32_MAX, 3.0),  # 81
    solution_code="""import numpy as np

largest = np.finfo(np.float32).max  # about 3.4e38
# 3^k > largest  <=>  k > log(largest) / log(3)
k_limit = np.log10(largest) / np.log10(3.0)
# the first whole layer above that
answer = int(np.floor(k_limit)) + 1
""",
    mistakes=(
        Mistake("used the variance's growth", "sigma_Omega^2 = 9 x He multiplies the variance by "
                "9 per layer but the size (standard deviation) by sqrt(9) = 3",
                _first_layer_above(_F32_MAX, 9.0)),
        Mistake("used the float64 limit", "float64 reaches 1.8e308; float32 stops at 3.4e38",
                _first_layer_above(_F64_MAX, 3.0)),
        Mistake("rounded down", "at that k, 3^k is still below 3.4e38: the first layer above "
                "the limit is one more", _first_layer_above(_F32_MAX, 3.0) - 1),
    ),
    explanation=f"3^81 = {3.0**81:.3g} > 3.4e38 > 3^80 = {3.0**80:.3g}: layer 81.",
)


# -- 8. the update-to-weight ratio ---------------------------------------------------------------
def update_ratio_solution(omegas, grads, alpha):
    """r_k = ||alpha dL/dOmega_k|| / ||Omega_k|| for each layer k (Frobenius norms)."""
    ratios = []
    for omega, grad in zip(omegas, grads):
        step = alpha * grad  # what one SGD step subtracts from Omega_k
        size = np.sqrt(np.sum(omega**2))  # ||Omega_k||: all entries of the matrix
        ratios.append(np.sqrt(np.sum(step**2)) / size)  # the step's size relative to it
    return np.array(ratios)


_rng8 = np.random.default_rng(508)
_RATIO_PROBES = tuple(
    (tuple(s * _rng8.normal(size=shape) for shape, s in zip(shapes, scales)),
     tuple(g * _rng8.normal(size=shape) for shape, g in zip(shapes, grad_scales)), alpha)
    for shapes, scales, grad_scales, alpha in (
        (((6, 4), (6, 6), (2, 6)), (0.7, 0.5, 0.4), (3.0, 0.02, 40.0), 0.01),
        (((3, 5), (8, 3), (1, 8)), (0.6, 0.8, 0.5), (0.5, 2.0, 0.1), 0.05),
    ))  # gradients of very different sizes in different layers, as in a bad initialisation

update_ratio = FunctionExercise(
    title="The update-to-weight ratio",
    task=(r"Write `update_ratio(omegas, grads, alpha)` that returns, for each layer $k$, how "
          r"far one SGD step with learning rate $\alpha$ = `alpha` moves $\Omega_k$ relative "
          r"to its size: $r_k = \|\alpha\, \partial L / \partial \Omega_k\| \,/\, "
          r"\|\Omega_k\|$, with $\|\cdot\|$ the Frobenius norm (the square root of the sum of "
          r"all squared entries). `omegas` and `grads` are sequences (tuples or lists) of $K+1$ "
          r"arrays of matching shapes; return a NumPy array of $K+1$ ratios."),
    hint_text=("One SGD step subtracts alpha * grad from Omega_k. Take the norm of that step "
               "and divide by the norm of Omega_k: np.sqrt(np.sum(a**2)) (or "
               "np.linalg.norm(a)) for each matrix."),
    reference=update_ratio_solution,
    probes=_RATIO_PROBES,
    mistakes=(
        Mistake("forgot the learning rate",
                "the step is alpha * dL/dOmega_k, not the gradient itself",
                lambda os, gs, a: np.array([np.linalg.norm(g) / np.linalg.norm(o)
                                            for o, g in zip(os, gs)])),
        Mistake("ratio of squared norms",
                "compare sizes, ||step|| / ||Omega||, not squared sizes",
                lambda os, gs, a: np.array([np.sum((a * g) ** 2) / np.sum(o**2)
                                            for o, g in zip(os, gs)])),
        Mistake("averaged entry by entry",
                "mean |alpha g_ij / Omega_ij| is dominated by the entries of Omega near 0; "
                "divide the norm of the whole step by the norm of the whole matrix",
                lambda os, gs, a: np.array([np.mean(np.abs(a * g / o)) for o, g in zip(os, gs)])),
        Mistake("upside down", "the ratio is the step's size over the weights' size",
                lambda os, gs, a: np.array([np.linalg.norm(o) / np.linalg.norm(a * g)
                                            for o, g in zip(os, gs)])),
    ),
    explanation="r_k = ||alpha dL/dOmega_k|| / ||Omega_k||, one number per layer "
                "(init.update_ratio).",
)

EXERCISES = (next_variance, variance_recursion, he_value, he_layer, grad_step, compromise,
             float_depth, update_ratio)
