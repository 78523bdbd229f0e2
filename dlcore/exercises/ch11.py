"""Chapter 11 exercises: Jensen's gap, the KL from the encoder's outputs, the ELBO's gap to the
log likelihood, the reparameterised gradient, Monte-Carlo averaging, a stable log-mean-exp, the
importance-sampling estimate of log Pr(x), the reparameterised ELBO estimate and the
reparameterised sample."""

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


# ------------------------------------------------------------------------------------------
# 6. A stable log-mean-exp
# ------------------------------------------------------------------------------------------
_rng = np.random.default_rng(2222)
_LME_PROBES = (
    (_rng.normal(size=(5, 3)) * 2.0,),                          # moderate log-weights
    (-1e4 + _rng.normal(size=(6, 2)),),                         # exp underflows to 0
    (np.stack([_rng.normal(size=4) - 800.0, 800.0 + _rng.normal(size=4)], axis=1),),  # both ends
)


def log_mean_exp(a):
    """log( (1/S) sum_s exp(a_s) ) down each column of a (S, I), stably -> (I,)."""
    m = a.max(axis=0)                            # (I,) the largest log-weight of each column
    shifted = np.exp(a - m)                      # (S, I) every entry in (0, 1]: no overflow
    return m + np.log(shifted.mean(axis=0))      # add the shift back after the log


def _lme_mean_of_logs(a):
    return a.mean(axis=0)


def _lme_naive(a):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.exp(a).mean(axis=0))


def _lme_log_sum(a):
    m = a.max(axis=0)
    return m + np.log(np.exp(a - m).sum(axis=0))


def _lme_shift_not_added_back(a):
    return np.log(np.exp(a - a.max(axis=0)).mean(axis=0))


stable_log_mean_exp = FunctionExercise(
    title="A stable log-mean-exp",
    task=(r"Importance sampling averages weights $w_s$ that are known only through their logs "
          r"$a_s = \log w_s$, and these can be $-10^4$ (or $+800$). Write `log_mean_exp(a)` that, "
          r"for `a` of shape $(S, I)$, returns $\log\big(\frac{1}{S}\sum_s e^{a_s}\big)$ for "
          r"each column, shape $(I,)$, without overflow or underflow."),
    hint_text=("Subtract each column's largest entry m before exponentiating (then every exp is "
               "in (0, 1]); take the mean, then the log, then add m back: log mean exp(a) = "
               "m + log mean exp(a - m)."),
    reference=log_mean_exp,
    probes=_LME_PROBES,
    mistakes=(
        Mistake("mean of the logs",
                "the mean of the log-weights is E[log w], which Jensen's inequality puts below "
                "log E[w]: take the log of the mean of exp(a), not the mean of a", _lme_mean_of_logs),
        Mistake("exponentiated without shifting",
                "exp(-1e4) underflows to 0 (log gives -inf) and exp(800) overflows to inf: "
                "subtract each column's maximum first and add it back after the log", _lme_naive),
        Mistake("log of the sum instead of the mean",
                "the estimate averages the weights: divide the sum by S (subtract log S)",
                _lme_log_sum),
        Mistake("forgot to add the maximum back",
                "log mean exp(a) = m + log mean exp(a - m): after shifting by m, add m back",
                _lme_shift_not_added_back),
    ),
    explanation="your log-mean-exp is stable and matches the exact value on every probe.",
)

# ------------------------------------------------------------------------------------------
# 7 and 8. The linear-Gaussian model: importance sampling and the reparameterised ELBO
# ------------------------------------------------------------------------------------------
# probes: x (D_x,), W (D_x, D_z), b (D_x,), sigma2, mu_q (D_z,), sigma_q (D_z,), eps (D_z, S)
_rng = np.random.default_rng(3333)
_LG_PROBES = tuple(
    (_rng.normal(size=D_x), _rng.normal(size=(D_x, D_z)), _rng.normal(size=D_x),
     float(_rng.uniform(0.3, 1.0)), _rng.normal(size=D_z) * 0.5,
     _rng.uniform(0.3, 0.8, size=D_z), _rng.normal(size=(D_z, S)))
    for D_x, D_z, S in ((2, 1, 5), (4, 2, 7)))
# and an x far from the model's data: log-weights near -1e4, whose exp underflows to 0
_LG_PROBES = _LG_PROBES + ((_LG_PROBES[1][0] + 60.0,) + _LG_PROBES[1][1:],)


def _log_lik(x, W, b, sigma2, z):
    """log Norm_x[W z_s + b, sigma2 I] for each column z_s of z: (S,)."""
    r = x[:, None] - (W @ z + b[:, None])
    return -0.5 * (x.shape[0] * np.log(2 * np.pi * sigma2) + (r**2).sum(0) / sigma2)


def _log_norm(z, mu, var):
    """log Norm_z[mu, diag(var)] for each column of z: (S,)."""
    return -0.5 * (np.log(2 * np.pi * var)[:, None] + (z - mu[:, None]) ** 2 / var[:, None]).sum(0)


def _lme(a):
    m = a.max()
    return m + np.log(np.mean(np.exp(a - m)))


def importance_log_px(x, W, b, sigma2, mu_q, sigma_q, eps):
    """log Pr(x) by importance sampling with q = Norm(mu_q, diag(sigma_q^2)), z_s = mu_q + sigma_q eps_s."""
    D_x = x.shape[0]
    z = mu_q[:, None] + sigma_q[:, None] * eps            # (D_z, S) samples of q
    r = x[:, None] - (W @ z + b[:, None])                 # (D_x, S) residuals x - f[z_s]
    log_lik = -0.5 * (D_x * np.log(2 * np.pi * sigma2) + (r**2).sum(0) / sigma2)  # log Pr(x|z_s)
    log_prior = -0.5 * (np.log(2 * np.pi) + z**2).sum(0)  # log Pr(z_s) = log Norm(0, I)
    log_q = -0.5 * (np.log(2 * np.pi * sigma_q[:, None] ** 2)
                    + (z - mu_q[:, None]) ** 2 / sigma_q[:, None] ** 2).sum(0)  # log q(z_s)
    log_w = log_lik + log_prior - log_q                   # (S,) log-weights
    m = log_w.max()                                       # log-mean-exp, stably
    return m + np.log(np.mean(np.exp(log_w - m)))


def _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] * eps
    zeros, ones = np.zeros_like(mu_q), np.ones_like(mu_q)
    return z, _log_lik(x, W, b, sigma2, z), _log_norm(z, zeros, ones), _log_norm(z, mu_q, sigma_q**2)


def _is_from_prior(x, W, b, sigma2, mu_q, sigma_q, eps):
    return _lme(_log_lik(x, W, b, sigma2, eps))  # z_s = eps_s ~ Pr(z): the weight is Pr(x|z_s)


def _is_mean_of_logs(x, W, b, sigma2, mu_q, sigma_q, eps):
    _, ll, lp, lq = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    return np.mean(ll + lp - lq)


def _is_no_q(x, W, b, sigma2, mu_q, sigma_q, eps):
    _, ll, lp, _ = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    return _lme(ll + lp)


def _is_sigma_as_variance(x, W, b, sigma2, mu_q, sigma_q, eps):
    z, ll, lp, _ = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    return _lme(ll + lp - _log_norm(z, mu_q, sigma_q))


def _is_unshifted(x, W, b, sigma2, mu_q, sigma_q, eps):
    _, ll, lp, lq = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    with np.errstate(divide="ignore"):
        return np.log(np.mean(np.exp(ll + lp - lq)))


def _is_log_sum(x, W, b, sigma2, mu_q, sigma_q, eps):
    _, ll, lp, lq = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    return _lme(ll + lp - lq) + np.log(eps.shape[1])


_LG_TASK = (r"The linear-Gaussian model: $\Pr(z) = \mathrm{Norm}_z[0, I]$, "
            r"$\Pr(x|z) = \mathrm{Norm}_x[Wz + b, \sigma^2 I]$, and "
            r"$q(z) = \mathrm{Norm}_z[\mu_q, \mathrm{diag}[\sigma_q^2]]$. The arguments are "
            r"`x` $(D_x,)$, `W` $(D_x, D_z)$, `b` $(D_x,)$, `sigma2` $= \sigma^2$, `mu_q` and "
            r"`sigma_q` $(D_z,)$ (standard deviations), and `eps` $(D_z, S)$, $S$ draws of "
            r"$\epsilon \sim \mathrm{Norm}[0, I]$ (one per column) that give the samples "
            r"$z_s = \mu_q + \sigma_q \odot \epsilon_s$. ")

importance_sampling = FunctionExercise(
    title="Importance sampling for log Pr(x)",
    task=(_LG_TASK + r"Write `importance_log_px(x, W, b, sigma2, mu_q, sigma_q, eps)` returning "
          r"the importance-sampling estimate $\log \frac{1}{S}\sum_s \Pr(x, z_s)/q(z_s)$ "
          r"(a number), computed stably."),
    hint_text=("z = mu_q[:, None] + sigma_q[:, None] * eps. log w_s = log Pr(x|z_s) + log Pr(z_s) "
               "- log q(z_s), each a sum of 1-D Gaussian log densities (q's variances are "
               "sigma_q**2). Then the log of the *mean* of exp(log w), with the maximum "
               "subtracted first and added back."),
    reference=importance_log_px,
    probes=_LG_PROBES,
    mistakes=(
        Mistake("sampled z from the prior instead of q",
                "the samples are z_s = mu_q + sigma_q eps_s (draws of q), not eps_s itself; with "
                "z from the prior the weight would be Pr(x|z_s) alone (the estimator of section 4)",
                _is_from_prior),
        Mistake("averaged the log-weights",
                "the mean of log w is the ELBO estimate, a lower bound; importance sampling takes "
                "the log of the mean of the weights", _is_mean_of_logs),
        Mistake("forgot to divide by q",
                "each weight is Pr(x, z_s) / q(z_s): subtract log q(z_s)", _is_no_q),
        Mistake("sigma_q used as a variance in log q",
                "sigma_q is a standard deviation: q's variances are sigma_q**2", _is_sigma_as_variance),
        Mistake("log of the sum instead of the mean",
                "the estimate averages the weights: subtract log S", _is_log_sum),
        Mistake("exponentiated the log-weights without shifting",
                "for an x far from the data every weight underflows to 0 and the log gives "
                "-inf: subtract the largest log-weight before exp and add it back after the log",
                _is_unshifted),
    ),
    explanation="your estimate matches the importance-sampling estimate on every probe.",
)


def elbo_reparam(x, W, b, sigma2, mu_q, sigma_q, eps):
    """The reparameterised ELBO estimate: mean_s log Pr(x | mu_q + sigma_q eps_s) - D_KL[q || Norm(0, I)]."""
    D_x = x.shape[0]
    z = mu_q[:, None] + sigma_q[:, None] * eps             # (D_z, S) the reparameterised samples
    r = x[:, None] - (W @ z + b[:, None])                  # (D_x, S) residuals x - f[z_s]
    log_lik = -0.5 * (D_x * np.log(2 * np.pi * sigma2) + (r**2).sum(0) / sigma2)  # log Pr(x|z_s)
    kl = 0.5 * np.sum(sigma_q**2 + mu_q**2 - 1.0 - np.log(sigma_q**2))  # closed-form KL to Norm(0, I)
    return np.mean(log_lik) - kl                          # reconstruction minus KL


def _kl_q(mu_q, sigma_q):
    return 0.5 * np.sum(sigma_q**2 + mu_q**2 - 1.0 - np.log(sigma_q**2))


def _elbo_from_prior(x, W, b, sigma2, mu_q, sigma_q, eps):
    return np.mean(_log_lik(x, W, b, sigma2, eps)) - _kl_q(mu_q, sigma_q)


def _elbo_variance_in_sample(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] ** 2 * eps
    return np.mean(_log_lik(x, W, b, sigma2, z)) - _kl_q(mu_q, sigma_q)


def _elbo_kl_no_half(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] * eps
    return np.mean(_log_lik(x, W, b, sigma2, z)) - 2.0 * _kl_q(mu_q, sigma_q)


def _elbo_kl_sigma(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] * eps
    kl = 0.5 * np.sum(sigma_q + mu_q**2 - 1.0 - np.log(sigma_q))
    return np.mean(_log_lik(x, W, b, sigma2, z)) - kl


def _elbo_plus_kl(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] * eps
    return np.mean(_log_lik(x, W, b, sigma2, z)) + _kl_q(mu_q, sigma_q)


def _elbo_no_constant(x, W, b, sigma2, mu_q, sigma_q, eps):
    z = mu_q[:, None] + sigma_q[:, None] * eps
    r = x[:, None] - (W @ z + b[:, None])
    return np.mean(-0.5 * (r**2).sum(0) / sigma2) - _kl_q(mu_q, sigma_q)


def _elbo_sampled_kl(x, W, b, sigma2, mu_q, sigma_q, eps):
    _, ll, lp, lq = _is_parts(x, W, b, sigma2, mu_q, sigma_q, eps)
    return np.mean(ll + lp - lq)


reparam_elbo = FunctionExercise(
    title="The reparameterised ELBO estimate",
    task=(_LG_TASK + r"Write `elbo_reparam(x, W, b, sigma2, mu_q, sigma_q, eps)` returning the "
          r"ELBO estimate $\frac{1}{S}\sum_s \log \Pr(x|z_s) - D_{KL}\big[q(z)\,\|\,"
          r"\mathrm{Norm}_z[0, I]\big]$ (a number), with the KL in closed form."),
    hint_text=("z = mu_q[:, None] + sigma_q[:, None] * eps (the trick: sigma, not sigma^2). "
               "log Pr(x|z_s) = -0.5 (D_x log(2 pi sigma2) + |x - W z_s - b|^2 / sigma2). "
               "KL = 0.5 sum_d (sigma_d^2 + mu_d^2 - 1 - log sigma_d^2)."),
    reference=elbo_reparam,
    probes=_LG_PROBES,
    mistakes=(
        Mistake("sampled z from the prior instead of q",
                "the reconstruction term is an expectation under q: use z_s = mu_q + sigma_q "
                "eps_s, not eps_s (a draw of the prior)", _elbo_from_prior),
        Mistake("sigma^2 in the sample",
                "the reparameterised sample is mu + sigma * eps with the standard deviation "
                "sigma_q, not its square", _elbo_variance_in_sample),
        Mistake("missing the 1/2 in the KL",
                "the Gaussian KL is 0.5 sum_d (sigma_d^2 + mu_d^2 - 1 - log sigma_d^2)",
                _elbo_kl_no_half),
        Mistake("sigma instead of sigma^2 in the KL",
                "the KL uses the variances: sigma_q**2 and log(sigma_q**2)", _elbo_kl_sigma),
        Mistake("added the KL",
                "the ELBO is reconstruction *minus* the KL to the prior", _elbo_plus_kl),
        Mistake("sampled the KL instead of using its closed form",
                "log Pr(x|z_s) + log Pr(z_s) - log q(z_s) also averages to the ELBO, but the task "
                "asks for the KL term in closed form (section 8), which adds no sampling noise",
                _elbo_sampled_kl),
        Mistake("left out the Gaussian's normalising constant",
                "log Pr(x|z) includes -0.5 D_x log(2 pi sigma2), not only the squared error",
                _elbo_no_constant),
    ),
    explanation="your estimate matches the reparameterised ELBO estimate on every probe.",
)

# ------------------------------------------------------------------------------------------
# 9. The reparameterised sample from the encoder's outputs (mu, log sigma^2)
# ------------------------------------------------------------------------------------------
_rng = np.random.default_rng(4444)
_SAMPLE_PROBES = tuple((_rng.normal(size=(D_z, I)), _rng.normal(size=(D_z, I)),
                        _rng.normal(size=(D_z, I))) for D_z, I in ((2, 3), (3, 1)))


def sample_z(mu, log_sigma2, eps):
    """z* = mu + sigma * eps from the encoder's mu and log sigma^2, all (D_z, I)."""
    sigma = np.exp(0.5 * log_sigma2)   # sigma = sqrt(sigma^2) = exp(log(sigma^2) / 2)
    return mu + sigma * eps            # the reparameterisation trick, entry by entry


def _sample_variance(mu, log_sigma2, eps):
    return mu + np.exp(log_sigma2) * eps


def _sample_log_as_sigma(mu, log_sigma2, eps):
    return mu + log_sigma2 * eps


def _sample_no_sigma(mu, log_sigma2, eps):
    return mu + eps


def _sample_sqrt_of_log(mu, log_sigma2, eps):
    with np.errstate(invalid="ignore"):
        return mu + np.sqrt(log_sigma2) * eps


reparam_sample = FunctionExercise(
    title="The reparameterised sample",
    task=(r"The encoder outputs $\mu$ and $\log \sigma^2$ (arrays `mu` and `log_sigma2`, shape "
          r"$(D_z, I)$), and `eps` $(D_z, I)$ holds draws of $\epsilon \sim \mathrm{Norm}[0, I]$. "
          r"Write `sample_z(mu, log_sigma2, eps)` returning the sample "
          r"$z^* = \mu + \sigma \odot \epsilon$ that the decoder receives, shape $(D_z, I)$."),
    hint_text=("sigma is the standard deviation: sigma = sqrt(sigma^2) = np.exp(0.5 * log_sigma2). "
               "Then mu + sigma * eps, entry by entry."),
    reference=sample_z,
    probes=_SAMPLE_PROBES,
    mistakes=(
        Mistake("scaled eps by the variance",
                "np.exp(log_sigma2) is sigma^2; the sample needs the standard deviation "
                "sigma = np.exp(0.5 * log_sigma2)", _sample_variance),
        Mistake("used log_sigma2 as sigma",
                "the encoder outputs log sigma^2 (any real number), not sigma: exponentiate half "
                "of it", _sample_log_as_sigma),
        Mistake("forgot sigma",
                "mu + eps has the prior's spread; q's spread is sigma, so multiply eps by it",
                _sample_no_sigma),
        Mistake("square root of log_sigma2",
                "log_sigma2 is a log (negative for sigma < 1): sigma = sqrt(exp(log_sigma2)) = "
                "np.exp(0.5 * log_sigma2)", _sample_sqrt_of_log),
    ),
    explanation="your z* = mu + sigma * eps matches on every probe.",
)

EXERCISES = (jensen_gap, kl_from_encoder, elbo_gap, reparam_grad, mc_average,
             stable_log_mean_exp, importance_sampling, reparam_elbo, reparam_sample)
