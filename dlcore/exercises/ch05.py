"""Chapter 05 exercises: the variance recursion, He initialisation, the backward step, floats."""

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

# -- 2. He's standard deviation ------------------------------------------------------------------
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


# -- 3. one step of the backward pass ------------------------------------------------------------
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

# -- 4. the compromise ---------------------------------------------------------------------------
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

# -- 5. floating point -------------------------------------------------------------------------
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

EXERCISES = (next_variance, he_value, grad_step, compromise, float_depth)
