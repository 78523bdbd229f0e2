"""Chapter 02 exercises: negative log-likelihoods for regression and classification."""

import numpy as np

from .. import losses
from . import FunctionExercise, Mistake, ValueExercise

# -- 1. The Gaussian NLL by hand ---------------------------------------------------------------
Y1 = np.array([1.0, 2.0, 4.0])
MU1 = np.array([1.5, 2.0, 3.0])
SIGMA1 = 0.5
_R2 = (Y1 - MU1) ** 2

gaussian_by_hand = ValueExercise(
    title="A Gaussian NLL by hand",
    task=(r"Three targets $y = [1, 2, 4]$; the model predicts the means $\mu = [1.5, 2, 3]$, and "
          r"the noise has $\sigma = 0.5$. Compute the loss "
          r"$L = -\sum_i \log \mathrm{Norm}_{y_i}[\mu_i, \sigma^2]$ (natural log, summed over "
          r"the three points) with NumPy, not with `losses.gaussian_nll`, to 3 decimals."),
    hint_text=("-log Norm_y[mu, sigma^2] = 0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2); "
               "add the three terms."),
    value=losses.gaussian_nll(Y1, MU1, SIGMA1),
    decimals=3,
    solution_code=(
        "import numpy as np\n"
        "y = np.array([1.0, 2.0, 4.0])  # targets\n"
        "mu = np.array([1.5, 2.0, 3.0])  # predicted means\n"
        "sigma = 0.5  # the noise level, the same for every point\n"
        "# -log Norm_y[mu, sigma^2] = 0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2), per point\n"
        "terms = 0.5 * np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / (2 * sigma**2)\n"
        "answer = terms.sum()  # the loss sums over the data points\n"
    ),
    mistakes=(
        Mistake("missing minus sign",
                "that is the log-likelihood; the loss is its negative, so that maximising the "
                "likelihood becomes minimising L", -losses.gaussian_nll(Y1, MU1, SIGMA1)),
        Mistake("dropped the normalising term",
                "0.5 log(2 pi sigma^2) does not move the argmin over phi, but it is part of L "
                "(and it matters as soon as sigma is learned)",
                float(np.sum(_R2 / (2 * SIGMA1**2)))),
        Mistake("sigma where sigma^2 belongs",
                "the normal density has the variance sigma^2 in both places",
                float(np.sum(0.5 * np.log(2 * np.pi * SIGMA1) + _R2 / (2 * SIGMA1)))),
        Mistake("averaged instead of summed",
                "the notes' losses are sums over the data points",
                losses.gaussian_nll(Y1, MU1, SIGMA1) / 3),
    ),
    explanation="3 * 0.5 log(2 pi 0.25) + (0.25 + 0 + 1) / (2 * 0.25) = 0.677 + 2.5 = 3.177.",
)

# -- 1b. The Gaussian NLL as a function --------------------------------------------------------
def gaussian_nll(y, mu, sigma):
    """L = -sum_i log Norm_{y_i}[mu_i, sigma_i^2], summed over the data points."""
    var = sigma**2  # the variance sigma^2: sigma is the standard deviation
    # -log Norm_y[mu, sigma^2] = 0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2), per point
    terms = 0.5 * np.log(2 * np.pi * var) + (y - mu) ** 2 / (2 * var)
    return np.sum(terms)  # the loss is a sum over the points, not a mean


def _gauss_no_normaliser(y, mu, sigma):
    return np.sum((y - mu) ** 2 / (2 * sigma**2))


def _gauss_mean(y, mu, sigma):
    return gaussian_nll(y, mu, sigma) / np.size(y)


def _gauss_sigma_for_var(y, mu, sigma):
    return np.sum(0.5 * np.log(2 * np.pi * sigma) + (y - mu) ** 2 / (2 * sigma))


def _gauss_no_half(y, mu, sigma):
    return np.sum(np.log(2 * np.pi * sigma**2) + (y - mu) ** 2 / sigma**2)


def _gauss_normaliser_once(y, mu, sigma):
    return np.sum((y - mu) ** 2 / (2 * sigma**2)) + 0.5 * np.log(2 * np.pi * sigma**2)


def _gauss_log_likelihood(y, mu, sigma):
    return -gaussian_nll(y, mu, sigma)


_rng1 = np.random.default_rng(2021)
_GAUSS_PROBES = (
    (_rng1.normal(size=6), _rng1.normal(size=6), 0.5),
    (_rng1.normal(1.0, 2.0, size=8), _rng1.normal(1.0, 2.0, size=8), 2.5),
    (_rng1.normal(size=5), _rng1.normal(size=5), _rng1.uniform(0.3, 1.5, size=5)),
)

gaussian_nll_fn = FunctionExercise(
    title="The Gaussian NLL as code",
    task=(r"Write `gaussian_nll(y, mu, sigma)`: the loss "
          r"$L = -\sum_{i} \log \mathrm{Norm}_{y_i}[\mu_i, \sigma_i^2]$ of targets `y` (shape "
          r"`(I,)`) under normal distributions with means `mu` (shape `(I,)`) and standard "
          r"deviation `sigma`, either one number for every point or an array `(I,)`, one per "
          r"point. Write out the density's logarithm with NumPy (no `dlcore`, no "
          r"`scipy.stats`) and return one number."),
    hint_text=("Take the log of (1 / sqrt(2 pi sigma^2)) exp(-(y - mu)^2 / (2 sigma^2)) by hand: "
               "two terms per point. Then negate and add them up with np.sum; NumPy "
               "broadcasts a single sigma over all the points."),
    reference=gaussian_nll,
    probes=_GAUSS_PROBES,
    mistakes=(
        Mistake("forgot the log(2 pi sigma^2) term",
                "that is only the squared-error part; -log of 1 / sqrt(2 pi sigma^2) adds "
                "0.5 log(2 pi sigma^2) per point, which matters as soon as sigma changes",
                _gauss_no_normaliser),
        Mistake("a mean instead of a sum",
                "the notes' losses add the points' terms; dividing by I gives the "
                "cross-entropy with the data, not L", _gauss_mean),
        Mistake("sigma where sigma^2 belongs",
                "sigma is the standard deviation; the density has the variance sigma^2 both "
                "in the normaliser and under the squared error", _gauss_sigma_for_var),
        Mistake("dropped the factor 1/2",
                "log sqrt(2 pi sigma^2) = 0.5 log(2 pi sigma^2), and the exponent is "
                "(y - mu)^2 / (2 sigma^2): your loss is twice the NLL", _gauss_no_half),
        Mistake("the log(2 pi sigma^2) term added once, not per point",
                "every point's density has its own normaliser, so the sum over I points "
                "contains 0.5 log(2 pi sigma_i^2) I times", _gauss_normaliser_once),
        Mistake("missing minus sign",
                "that is the log-likelihood, which training maximises; the loss is its "
                "negative", _gauss_log_likelihood),
    ),
    explanation="your NLL matches for one sigma and for one sigma per point.",
)


# -- 2. Fitting sigma ---------------------------------------------------------------------------
Y2 = np.array([0.3, -0.2, 1.1, 0.4, 0.9, -0.5])
F2 = np.array([0.0, 0.1, 0.5, 0.6, 0.4, -0.1])
_R = Y2 - F2

sigma_fit = ValueExercise(
    title="Fitting sigma by maximum likelihood",
    task=(r"A homoscedastic model predicted the means $f = [0, 0.1, 0.5, 0.6, 0.4, -0.1]$ for "
          r"the targets $y = [0.3, -0.2, 1.1, 0.4, 0.9, -0.5]$. Keeping the means fixed, which "
          r"$\sigma$ minimises the Gaussian NLL? Give $\sigma$ (the standard deviation, not "
          r"$\sigma^2$) to 3 decimals."),
    hint_text=("Differentiate L = sum_i 0.5 log(2 pi sigma^2) + (y_i - f_i)^2 / (2 sigma^2) "
               "with respect to sigma and set it to zero: I / sigma = sum_i r_i^2 / sigma^3."),
    value=losses.sigma_mle(Y2, F2),
    decimals=3,
    solution_code=(
        "import numpy as np\n"
        "f = np.array([0.0, 0.1, 0.5, 0.6, 0.4, -0.1])  # the fixed means\n"
        "y = np.array([0.3, -0.2, 1.1, 0.4, 0.9, -0.5])  # the targets\n"
        "r = y - f  # the residuals r_i\n"
        "# dL/dsigma = I / sigma - sum_i r_i^2 / sigma^3 = 0  gives  sigma^2 = mean of r_i^2\n"
        "answer = np.sqrt(np.mean(r**2))  # sigma, not sigma^2\n"
    ),
    mistakes=(
        Mistake("divided by I - 1",
                "maximum likelihood divides by I; the I - 1 of the unbiased estimate does not "
                "come out of setting dL/dsigma = 0", float(np.sqrt(np.sum(_R**2) / (_R.size - 1)))),
        Mistake("returned the variance",
                "that is sigma^2; the question asks for sigma", float(np.mean(_R**2))),
        Mistake("mean absolute residual",
                "the Gaussian's maximum-likelihood sigma is the root of the mean *squared* "
                "residual", float(np.mean(np.abs(_R)))),
    ),
    explanation="sigma_hat = sqrt(mean (y_i - f_i)^2) = sqrt(0.99 / 6) ~ 0.406.",
)

# -- 3. Binary cross-entropy ----------------------------------------------------------------------
Y3 = np.array([1.0, 0.0, 1.0, 1.0])
F3 = np.array([2.0, -1.0, -0.5, 3.0])
_LAM = losses.sigmoid(F3)  # lambda = sig[f]

bce_by_hand = ValueExercise(
    title="Binary cross-entropy",
    task=(r"A binary classifier outputs the logits $f = [2, -1, -0.5, 3]$ for four examples "
          r"whose labels are $y = [1, 0, 1, 1]$. With $\lambda = \mathrm{sig}[f]$, compute the "
          r"summed binary cross-entropy "
          r"$L = \sum_i -(1 - y_i) \log(1 - \lambda_i) - y_i \log \lambda_i$, to 3 decimals."),
    hint_text=("lambda = 1 / (1 + exp(-f)). A label y = 1 costs -log lambda, a label y = 0 "
               "costs -log(1 - lambda)."),
    value=losses.bernoulli_nll(Y3, F3),
    decimals=3,
    solution_code=(
        "import numpy as np\n"
        "f = np.array([2.0, -1.0, -0.5, 3.0])  # the logits\n"
        "y = np.array([1, 0, 1, 1])  # the labels\n"
        "lam = 1 / (1 + np.exp(-f))  # lambda = sig[f] = Pr(y = 1)\n"
        "# a label 1 costs -log(lambda), a label 0 costs -log(1 - lambda); sum over the points\n"
        "answer = np.sum(-(1 - y) * np.log(1 - lam) - y * np.log(lam))\n"
    ),
    mistakes=(
        Mistake("labels swapped",
                "lambda = sig[f] is Pr(y = 1), so y = 1 pays -log lambda and y = 0 pays "
                "-log(1 - lambda)",
                float(np.sum(-Y3 * np.log(1 - _LAM) - (1 - Y3) * np.log(_LAM)))),
        Mistake("missing minus sign", "log-probabilities are negative; the loss is their negative",
                -losses.bernoulli_nll(Y3, F3)),
        Mistake("averaged instead of summed", "the notes' losses are sums over the data points",
                losses.bernoulli_nll(Y3, F3) / 4),
    ),
    explanation="0.127 + 0.313 + 0.974 + 0.049 = 1.463: the third example (f = -0.5, y = 1) "
                "costs most.",
)


# -- 3b. The binary cross-entropy from logits, stably ---------------------------------------------
def bernoulli_nll(y, f):
    """L = sum_i -(1 - y_i) log(1 - sig[f_i]) - y_i log sig[f_i], for logits f, without overflow."""
    # softplus(f) = log(1 + e^f), written so that exp never sees a large positive number
    softplus = np.maximum(f, 0) + np.log1p(np.exp(-np.abs(f)))
    # -log sig[f] = softplus(f) - f and -log(1 - sig[f]) = softplus(f): per point softplus(f) - y f
    return np.sum(softplus - y * f)


def _bce_naive(y, f):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lam = 1 / (1 + np.exp(-f))
        return np.sum(-(1 - y) * np.log(1 - lam) - y * np.log(lam))


def _bce_swapped(y, f):
    return bernoulli_nll(1 - y, f)


def _bce_mean(y, f):
    return bernoulli_nll(y, f) / np.size(y)


def _bce_probabilities(y, f):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(-(1 - y) * np.log(1 - f) - y * np.log(f))


_BCE_PROBES = (
    (np.array([1.0, 0.0, 1.0, 1.0, 0.0]), np.array([0.9, 0.2, 0.6, 0.35, 0.75])),
    (np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0]), np.array([2.5, -1.2, 3.1, -0.4, 4.0, -5.0])),
    (np.array([1.0, 0.0, 1.0, 0.0]), np.array([-800.0, 800.0, 2.0, -1.5])),
)

bce_from_logits = FunctionExercise(
    title="Binary cross-entropy from logits, stably",
    task=(r"Write `bernoulli_nll(y, f)` for labels `y` of 0s and 1s and logits `f` (both shape "
          r"`(I,)`), with $\lambda_i = \mathrm{sig}[f_i]$: return the summed binary "
          r"cross-entropy $L = \sum_i -(1 - y_i) \log(1 - \lambda_i) - y_i \log \lambda_i$ "
          r"as one number. It must stay finite for logits such as $\pm 800$, where "
          r"$\mathrm{sig}[f]$ rounds to exactly 0 or 1."),
    hint_text=("Write L per point in terms of softplus(f) = log(1 + exp(f)): "
               "-log sig[f] = softplus(-f) and -log(1 - sig[f]) = softplus(f). Compute "
               "softplus(f) as max(f, 0) + log1p(exp(-|f|)), which never overflows."),
    reference=bernoulli_nll,
    probes=_BCE_PROBES,
    mistakes=(
        Mistake("the naive formula overflows",
                "with f = -800 or 800, sig[f] rounds to exactly 0 or 1 and log(0) = -inf; "
                "rewrite the loss with softplus(f) = max(f, 0) + log1p(exp(-|f|))", _bce_naive),
        Mistake("used the logits as probabilities",
                "f is a logit, any real number; the probability is lambda = sig[f], so take "
                "log sig[f] (stably), not log f", _bce_probabilities),
        Mistake("labels swapped",
                "lambda = sig[f] is Pr(y = 1): a label 1 pays -log lambda, a label 0 pays "
                "-log(1 - lambda)", _bce_swapped),
        Mistake("a mean instead of a sum",
                "the notes' losses add the points' terms; do not divide by I", _bce_mean),
    ),
    explanation="your loss matches, and stays finite for confident mistakes at f = +-800.",
)


# -- 4. A stable log-softmax ---------------------------------------------------------------------
def _log_softmax(f):
    """log softmax_k[f] = f_k - m - log sum_k' exp(f_k' - m), m = max_k f_k, over axis 0."""
    f = np.asarray(f, dtype=float)
    m = np.max(f, axis=0, keepdims=True)  # (1, I)
    return f - m - np.log(np.sum(np.exp(f - m), axis=0, keepdims=True))  # (K, I)


def _naive(f):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return f - np.log(np.sum(np.exp(f), axis=0, keepdims=True))


def _shift_inside_only(f):
    m = np.max(f, axis=0, keepdims=True)
    return f - np.log(np.sum(np.exp(f - m), axis=0, keepdims=True))


def _wrong_axis(f):
    m = np.max(f, axis=1, keepdims=True)
    return f - m - np.log(np.sum(np.exp(f - m), axis=1, keepdims=True))


def _probabilities(f):
    return np.exp(_log_softmax(f))


_rng = np.random.default_rng(202)
_PROBES = ((_rng.normal(size=(3, 4)),), (_rng.normal(size=(4, 5)) * 3,),
           (np.array([[1000.0, -1000.0], [999.0, -1001.0], [0.0, -1200.0]]),))

stable_log_softmax = FunctionExercise(
    title="A stable log-softmax",
    task=(r"Write `log_softmax(f)` for logits `f` of shape `(K, I)`, classes along axis 0 (each "
          r"column is one data point): return $\log \mathrm{softmax}_k[f]$ for every entry, "
          r"shape `(K, I)`. It must stay finite for logits like $1000$ and $-1000$. (The "
          r"cross-entropy of labels `y` is then `-log_softmax(f)[y, np.arange(I)].sum()`, that "
          r"is $L = -\sum_i \log \mathrm{softmax}_{y_i}[f[x_i, \phi]]$.)"),
    hint_text=("log softmax_k[f] = f_k - log sum_k' exp(f_k'). Subtract m = max_k f_k inside the "
               "exp and add it back outside: log sum exp(f) = m + log sum exp(f - m). Use "
               "axis=0, keepdims=True."),
    reference=_log_softmax,
    probes=_PROBES,
    mistakes=(
        Mistake("softmax without subtracting the max",
                "exp(1000) overflows to inf (and exp(-1000) underflows to 0), so log sum exp is "
                "+-inf and the log-probabilities come out -inf or +inf; subtract m = max_k f_k "
                "first", _naive),
        Mistake("max subtracted inside the sum but not outside",
                "log sum exp(f) = m + log sum exp(f - m): the m must be added back (or "
                "subtracted from f_k as well)", _shift_inside_only),
        Mistake("normalised over the wrong axis",
                "classes run along axis 0 (rows); each column is one data point and must "
                "normalise on its own", _wrong_axis),
        Mistake("returned probabilities",
                "that is the softmax itself; take its log (computed stably)", _probabilities),
    ),
    explanation="your log-softmax matches on ordinary and on huge logits.",
)

# -- 4b. The gradient of the cross-entropy: probabilities minus one-hot labels ---------------------
def softmax_ce_grad(f, y):
    """dL/df for L = -sum_i log softmax_{y_i}[f_i]: softmax[f] - one_hot(y), shape (K, I)."""
    m = np.max(f, axis=0, keepdims=True)  # (1, I): the largest logit of each column
    e = np.exp(f - m)  # (K, I): every exponent <= 0, so no overflow
    p = e / np.sum(e, axis=0, keepdims=True)  # (K, I): softmax over the classes (axis 0)
    Y = np.zeros_like(p)
    Y[y, np.arange(f.shape[1])] = 1.0  # (K, I): one-hot labels, 1 at (y_i, i)
    return p - Y  # predicted probabilities minus the one-hot labels


def _grad_softmax_only(f, y):
    return softmax_ce_grad(f, y) + np.eye(f.shape[0])[:, y]


def _grad_sign(f, y):
    return -softmax_ce_grad(f, y)


def _grad_label_number(f, y):
    return softmax_ce_grad(f, y) + np.eye(f.shape[0])[:, y] - np.asarray(y)[None, :]


def _grad_wrong_axis(f, y):
    e = np.exp(f - np.max(f, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True) - np.eye(f.shape[0])[:, y]


def _grad_no_max(f, y):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(f)
        return e / np.sum(e, axis=0, keepdims=True) - np.eye(f.shape[0])[:, y]


_rng4 = np.random.default_rng(204)
_GRAD_PROBES = (
    (_rng4.normal(size=(3, 4)), np.array([0, 2, 1, 2])),
    (_rng4.normal(0.0, 3.0, size=(4, 5)), np.array([3, 0, 0, 2, 1])),
    (np.array([[1000.0, -1000.0], [999.0, -1001.0], [0.0, -1200.0]]), np.array([1, 0])),
)

ce_gradient = FunctionExercise(
    title="The gradient of the cross-entropy",
    task=(r"Write `softmax_ce_grad(f, y)` for logits `f` of shape `(K, I)` (classes along "
          r"axis 0, one column per data point) and integer labels `y` of shape `(I,)` in "
          r"`0..K-1`: return $\partial L / \partial f$, shape `(K, I)`, for the cross-entropy "
          r"$L = -\sum_i \log \mathrm{softmax}_{y_i}[f_i]$. Entry $(k, i)$ is "
          r"$\mathrm{softmax}_k[f_i] - [y_i = k]$: the predicted probability minus 1 for the "
          r"true class, minus 0 for the others. Keep it finite for logits such as $1000$."),
    hint_text=("Compute the softmax of each column stably (subtract the column's max before "
               "exp, normalise with axis=0, keepdims=True), then build the one-hot matrix "
               "Y = np.zeros((K, I)) with Y[y, np.arange(I)] = 1 and return p - Y."),
    reference=softmax_ce_grad,
    probes=_GRAD_PROBES,
    mistakes=(
        Mistake("returned the softmax, not the gradient",
                "the gradient subtracts the one-hot labels: 1 from the true class's "
                "probability in each column", _grad_softmax_only),
        Mistake("sign flipped",
                "dL/df = probabilities - labels: raising the true class's logit lowers the "
                "loss, so its entry is negative", _grad_sign),
        Mistake("subtracted the label number, not its one-hot vector",
                "y_i is a class index; the gradient subtracts 1 only in row y_i of column i "
                "(the one-hot column), not the number y_i from every row", _grad_label_number),
        Mistake("softmax over the wrong axis",
                "classes run along axis 0: each column is one data point and its "
                "probabilities must sum to 1", _grad_wrong_axis),
        Mistake("softmax without subtracting the max",
                "exp(1000) overflows to inf and inf / inf is NaN; subtract each column's "
                "largest logit before exp", _grad_no_max),
    ),
    explanation="your gradient matches, and each of its columns sums to 0.",
)


# -- 5. KL divergence from an empirical distribution ----------------------------------------
Y5 = np.array([0, 0, 1, 2, 0, 1, 0, 2, 2, 0])  # ten labels of three classes
Q5 = losses.empirical_distribution(Y5, 3)  # [0.5, 0.2, 0.3]
P5 = np.array([0.6, 0.3, 0.1])

kl_empirical = ValueExercise(
    title="KL divergence from the data",
    task=(r"Ten labels $y = [0, 0, 1, 2, 0, 1, 0, 2, 2, 0]$ of three classes define the "
          r"empirical distribution $q$ (the fraction of each class). A model predicts "
          r"$p = [0.6, 0.3, 0.1]$ for every example. Compute $D_{KL}[q \,\|\, p]$ in nats "
          r"(natural log), to 3 decimals."),
    hint_text=("q = [0.5, 0.2, 0.3]. D_KL[q || p] = sum_k q_k log(q_k / p_k), which equals the "
               "cross-entropy H[q, p] minus the entropy H[q]."),
    value=losses.kl_divergence(Q5, P5),
    decimals=3,
    solution_code=(
        "import numpy as np\n"
        "labels = np.array([0, 0, 1, 2, 0, 1, 0, 2, 2, 0])\n"
        "q = np.bincount(labels, minlength=3) / labels.size  # the fraction of each class\n"
        "p = np.array([0.6, 0.3, 0.1])  # the model's probabilities\n"
        "answer = np.sum(q * np.log(q / p))  # D_KL[q || p] = sum_k q_k log(q_k / p_k), in nats\n"
    ),
    mistakes=(
        Mistake("KL the wrong way round",
                "D_KL is not symmetric: the data distribution q weights the log-ratio, "
                "sum_k q_k log(q_k / p_k)", losses.kl_divergence(P5, Q5)),
        Mistake("returned the cross-entropy",
                "H[q, p] = D_KL[q || p] + H[q]; subtract the entropy of q",
                losses.cross_entropy(Q5, P5)),
        Mistake("log base 2",
                "np.log2 measures in bits; the course uses nats, the natural log np.log",
                losses.kl_divergence(Q5, P5) / np.log(2)),
    ),
    explanation="0.5 log(0.5/0.6) + 0.2 log(0.2/0.3) + 0.3 log(0.3/0.1) ~ 0.157 nats.",
)

EXERCISES = (gaussian_by_hand, gaussian_nll_fn, sigma_fit, bce_by_hand, bce_from_logits,
             stable_log_softmax, ce_gradient, kl_empirical)
