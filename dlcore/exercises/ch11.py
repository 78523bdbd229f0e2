"""Chapter 11 exercises: Jensen's gap, the KL from the encoder's outputs, the ELBO's gap to the
log likelihood, the reparameterised gradient, Monte-Carlo averaging."""

import numpy as np

from . import FunctionExercise, Mistake, ValueExercise

# ------------------------------------------------------------------------------------------
# 1. Jensen's gap
# ------------------------------------------------------------------------------------------
_lm, _ml = np.log(5.0), 0.5 * np.log(1.0) + 0.5 * np.log(9.0)  # log E[y], E[log y]
jensen_gap = ValueExercise(
    title="Jensen's gap",
    task=(r"$y$ is 1 or 9, each with probability 1/2. Compute Jensen's gap "
          r"$\log \mathbb{E}[y] - \mathbb{E}[\log y]$ (natural logarithms), to 3 decimals."),
    hint_text=("E[y] = (1 + 9) / 2. E[log y] = (log 1 + log 9) / 2. Use np.log (base e), and "
               "subtract the second from the first: log is concave, so the gap is >= 0."),
    value=float(_lm - _ml),  # log 5 - log 3 = 0.5108
    decimals=3,
    solution_code="""import numpy as np

y = np.array([1.0, 9.0])          # the two values
p = np.array([0.5, 0.5])          # their probabilities
log_mean = np.log(np.sum(p * y))  # log E[y]
mean_log = np.sum(p * np.log(y))  # E[log y]
answer = log_mean - mean_log      # Jensen's gap: >= 0 because log is concave
""",
    mistakes=(
        Mistake("subtracted the wrong way round",
                "for a concave function the log of the mean is the larger one: log E[y] - "
                "E[log y] is >= 0", float(_ml - _lm)),
        Mistake("used log10",
                "the course's log is the natural logarithm, np.log", float(np.log10(5.0)
                                                                           - np.log10(3.0))),
        Mistake("gave log E[y] only",
                "the gap needs E[log y] = (log 1 + log 9) / 2 subtracted", float(_lm)),
        Mistake("gave E[log y] only",
                "that is the smaller of the two terms; the gap subtracts it from log E[y]",
                float(_ml)),
    ),
    explanation="log 5 - (log 1 + log 9) / 2 = log 5 - log 3 = 0.511 nats.",
)

# ------------------------------------------------------------------------------------------
# 2. The KL term from the encoder's outputs (mu, log sigma^2)
# ------------------------------------------------------------------------------------------
_rng = np.random.default_rng(1111)  # fixed probes: the same check for every student
_KL_PROBES = tuple((_rng.normal(size=(D_z, I)), _rng.normal(size=(D_z, I)))
                   for D_z, I in ((2, 4), (3, 1)))


def kl(mu, log_sigma2):
    """D_KL[Norm(mu, diag(sigma^2)) || Norm(0, I)] per column: mu, log_sigma2 (D_z, I) -> (I,)."""
    sigma2 = np.exp(log_sigma2)                  # (D_z, I) the variances, from their logs
    terms = sigma2 + mu**2 - 1.0 - log_sigma2    # (D_z, I) one term per latent dimension
    return 0.5 * terms.sum(axis=0)               # (I,) summed down each column


def _kl_no_half(mu, log_sigma2):
    return (np.exp(log_sigma2) + mu**2 - 1.0 - log_sigma2).sum(0)


def _kl_log_sigma(mu, log_sigma2):
    return 0.5 * (np.exp(log_sigma2) + mu**2 - 1.0 - 0.5 * log_sigma2).sum(0)


def _kl_output_as_log_sigma(mu, log_sigma2):
    return 0.5 * (np.exp(2.0 * log_sigma2) + mu**2 - 1.0 - 2.0 * log_sigma2).sum(0)


def _kl_no_D_z(mu, log_sigma2):
    return 0.5 * (np.exp(log_sigma2) + mu**2 - log_sigma2).sum(0)


def _kl_whole_batch(mu, log_sigma2):
    return float(0.5 * (np.exp(log_sigma2) + mu**2 - 1.0 - log_sigma2).sum())


kl_from_encoder = FunctionExercise(
    title="The KL term from the encoder's outputs",
    task=(r"The encoder $g[x, \theta]$ outputs $\mu$ and $\log \sigma^2$ as arrays `mu` and "
          r"`log_sigma2`, each of shape $(D_z, I)$, one column per data point. Write "
          r"`kl(mu, log_sigma2)` returning "
          r"$D_{KL}\big[\mathrm{Norm}[\mu, \mathrm{diag}[\sigma^2]]\,\big\|\,"
          r"\mathrm{Norm}[0, I]\big]$ for each column, shape $(I,)$."),
    hint_text=("D_KL = 1/2 sum_d (sigma_d^2 + mu_d^2 - 1 - log sigma_d^2), summed down each "
               "column (axis 0). sigma^2 = np.exp(log_sigma2); the log term is log_sigma2 "
               "itself."),
    reference=kl,
    probes=_KL_PROBES,
    mistakes=(
        Mistake("missing the 1/2",
                "the KL between Gaussians carries a factor 1/2 in front of the sum",
                _kl_no_half),
        Mistake("log sigma instead of log sigma^2",
                "the formula subtracts log sigma^2 = log_sigma2, not log sigma = log_sigma2 / 2",
                _kl_log_sigma),
        Mistake("read the output as log sigma",
                "the encoder outputs log sigma^2, so sigma^2 = exp(log_sigma2), not "
                "exp(2 log_sigma2)", _kl_output_as_log_sigma),
        Mistake("forgot the -D_z",
                "each dimension contributes -1 (so the KL is 0 when mu = 0 and sigma = 1)",
                _kl_no_D_z),
        Mistake("summed over the batch",
                "return one KL per data point (sum over axis 0 only), shape (I,)",
                _kl_whole_batch),
    ),
    explanation="your KL matches dlcore.vae.kl_normal_standard on every probe.",
)

# ------------------------------------------------------------------------------------------
# 3. The ELBO's gap to the log likelihood
# ------------------------------------------------------------------------------------------
_mu_p, _var_p, _mu_q, _var_q = 1.0, 0.25, 0.5, 0.09  # posterior Norm(1, 0.5^2), q Norm(0.5, 0.3^2)


def _kl1(m1, v1, m2, v2):  # D_KL[Norm(m1, v1) || Norm(m2, v2)] in one dimension
    return 0.5 * (v1 / v2 + (m2 - m1) ** 2 / v2 - 1.0 - np.log(v1 / v2))


elbo_gap = ValueExercise(
    title="The ELBO's gap to log Pr(x)",
    task=(r"In the tightness figure's model the posterior is "
          r"$\Pr(z|x, \phi) = \mathrm{Norm}_z[1, 0.5^2]$. For "
          r"$q(z|\theta) = \mathrm{Norm}_z[0.5, 0.3^2]$, by how many nats is the ELBO below "
          r"$\log \Pr(x|\phi)$, to 3 decimals? (Check your answer with the figure's sliders "
          r"afterwards.)"),
    hint_text=("log Pr(x | phi) - ELBO = D_KL[q(z | theta) || Pr(z | x, phi)]. For 1-D Gaussians "
               "D_KL[Norm(m_1, v_1) || Norm(m_2, v_2)] = 0.5 (v_1/v_2 + (m_2 - m_1)^2 / v_2 - 1 "
               "- log(v_1/v_2)), with variances v (not standard deviations)."),
    value=float(_kl1(_mu_q, _var_q, _mu_p, _var_p)),  # 0.6908
    decimals=3,
    solution_code="""import numpy as np

m_q, v_q = 0.5, 0.3**2  # q(z|theta): mean and variance (not standard deviation)
m_p, v_p = 1.0, 0.5**2  # the posterior Pr(z|x, phi)
# log Pr(x|phi) - ELBO = D_KL[q || posterior]; for two 1-D Gaussians it is
answer = 0.5 * (v_q / v_p + (m_p - m_q) ** 2 / v_p - 1.0 - np.log(v_q / v_p))
""",
    mistakes=(
        Mistake("KL the wrong way round",
                "the gap is D_KL[q || posterior], with q first; the KL is not symmetric",
                float(_kl1(_mu_p, _var_p, _mu_q, _var_q))),
        Mistake("KL to the prior instead of the posterior",
                "D_KL[q || Pr(z)] appears in the other form of the ELBO (reconstruction minus "
                "KL to the prior); the gap to log Pr(x) is the KL to the posterior",
                float(_kl1(_mu_q, _var_q, 0.0, 1.0))),
        Mistake("missing the 1/2",
                "the Gaussian KL has a factor 1/2", float(2 * _kl1(_mu_q, _var_q, _mu_p, _var_p))),
        Mistake("standard deviations instead of variances",
                "use v = sigma^2: 0.09 and 0.25, not 0.3 and 0.5",
                float(_kl1(_mu_q, 0.3, _mu_p, 0.5))),
    ),
    explanation=("0.5 (0.36 + 1 - 1 - log 0.36) = 0.691 nats: move the sliders of the "
                 "tightness figure to mu = 0.5, sigma = 0.3 to see it."),
)

# ------------------------------------------------------------------------------------------
# 4. The reparameterised gradient
# ------------------------------------------------------------------------------------------
_W, _b, _x, _s2 = np.array([1.2, 0.9]), np.array([0.2, -0.4]), np.array([1.8, 0.8]), 0.75
_mu, _sigma, _eps = 0.5, 0.3, 1.0
_z = _mu + _sigma * _eps  # 0.8
_d_recon = float(_W @ (_x - _W * _z - _b) / _s2)  # d/dmu log Pr(x | z*) through z* = mu + sigma eps
reparam_grad = ValueExercise(
    title="The reparameterised gradient",
    task=(r"The tightness figure's model: $z \sim \mathrm{Norm}_z[0, 1]$ and "
          r"$x|z \sim \mathrm{Norm}_x[Wz + b, 0.75 I]$ with $W = (1.2, 0.9)^T$, "
          r"$b = (0.2, -0.4)^T$ and $x = (1.8, 0.8)^T$. The encoder gives $\mu = 0.5$ and "
          r"$\sigma = 0.3$, we draw $\epsilon^* = 1$, and $z^* = \mu + \sigma\epsilon^*$. "
          r"What is the derivative of the one-sample ELBO $\log \Pr(x|z^*) - "
          r"D_{KL}\big[\mathrm{Norm}[\mu, \sigma^2]\,\big\|\,\mathrm{Norm}[0, 1]\big]$ "
          r"with respect to $\mu$, to 3 decimals?"),
    hint_text=("z* = 0.8. d log Pr(x | z*) / d z* = W^T (x - W z* - b) / 0.75 and dz*/dmu = 1. "
               "The KL term 0.5 (sigma^2 + mu^2 - 1 - log sigma^2) has derivative mu."),
    value=_d_recon - _mu,  # 1.6 - 0.5 = 1.1
    decimals=3,
    solution_code="""import numpy as np

W, b, x, s2 = np.array([1.2, 0.9]), np.array([0.2, -0.4]), np.array([1.8, 0.8]), 0.75
mu, sigma, eps = 0.5, 0.3, 1.0
z = mu + sigma * eps                 # the reparameterised sample z*
d_recon = W @ (x - W * z - b) / s2   # d log Pr(x|z*) / dz*, times dz*/dmu = 1
d_kl = mu                            # d/dmu of 0.5 (sigma^2 + mu^2 - 1 - log sigma^2)
answer = d_recon - d_kl              # the ELBO subtracts the KL, so subtract its derivative
""",
    mistakes=(
        Mistake("sampled z* without the reparameterisation",
                "if z* is drawn directly from q, it is a constant to autograd and only the KL "
                "term's gradient -mu is left; with z* = mu + sigma eps the reconstruction term "
                "contributes too", -_mu),
        Mistake("forgot the KL term",
                "the ELBO subtracts D_KL, whose derivative with respect to mu is mu",
                _d_recon),
        Mistake("added the KL's gradient",
                "the KL is subtracted, so its derivative mu is subtracted too", _d_recon + _mu),
    ),
    explanation=("z* = 0.8, residual x - W z* - b = (0.64, 0.48), W^T r / 0.75 = 1.6, minus "
                 "mu = 0.5: 1.1."),
)

# ------------------------------------------------------------------------------------------
# 5. Averaging samples
# ------------------------------------------------------------------------------------------
mc_average = ValueExercise(
    title="Averaging S samples",
    task=(r"A one-sample ELBO estimate has standard deviation 2.0 nats. What is the standard "
          r"deviation of the average of $S = 16$ independent one-sample estimates, to 3 "
          r"decimals?"),
    hint_text=("Variances of independent terms add: Var[(1/S) sum_s e_s] = Var[e] / S. Take the "
               "square root at the end."),
    value=0.5,
    decimals=3,
    solution_code="""import numpy as np

sd, S = 2.0, 16
var_mean = sd**2 / S        # Var[(1/S) sum_s e_s] = Var[e] / S for independent estimates
answer = np.sqrt(var_mean)  # back to a standard deviation
""",
    mistakes=(
        Mistake("divided by S instead of sqrt(S)",
                "S divides the variance; the standard deviation shrinks by the square root of "
                "that factor", 0.125),
        Mistake("gave the variance",
                "that is the variance of the average; the question asks for its standard "
                "deviation", 0.25),
        Mistake("no change",
                "averaging independent estimates does reduce the spread (the mean stays the "
                "same)", 2.0),
    ),
    explanation="2.0 / sqrt(16) = 0.5: 16 times the samples for 4 times less spread.",
)

EXERCISES = (jensen_gap, kl_from_encoder, elbo_gap, reparam_grad, mc_average)
