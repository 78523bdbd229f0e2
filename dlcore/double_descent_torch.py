"""Double descent with *trained* networks (chapter 06, PyTorch): a width sweep of shallow ReLU
nets f = phi [1; a[beta + Omega x]] trained with Adam on MNIST-1D with noisy labels.

Unlike ``dlcore.double_descent`` (random features, only phi fitted), every weight is trained
here. A net of width D has P = (D_i + 1) D + (D + 1) K parameters; with K outputs per example
it has I K targets to fit, and the test error peaks near P = I K, where it can just fit them.

All the widths are trained *at once*: the hidden layers of all models are stacked into one
matrix (one product per step), and model m's output layer reads only model m's units. The loss
is the sum of the models' losses, so each model's gradient is exactly what it would be alone,
and Adam works entry by entry: the same as training the models one after another, with less
overhead.

Imported only by the notebook cell that trains and by ``scripts/double_descent_sweep.py``.
"""

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["SweepConfig", "n_params", "threshold_width", "fit_widths", "train_widths",
           "width_sweep"]


@dataclass(frozen=True)
class SweepConfig:
    n_train: int = 400  # training examples I
    label_noise: float = 0.2  # fraction of training labels redrawn at random
    steps: int = 1500  # full-batch Adam steps
    lr: float = 0.003  # Adam learning rate
    seed: int = 0  # the label noise and the weight draws


def n_params(D, D_i=40, K=10):
    """Parameters of a shallow net of width D: (D_i + 1) D in the hidden layer, (D + 1) K out."""
    return (D_i + 1) * D + (D + 1) * K


def threshold_width(n_train, D_i=40, K=10):
    """The width D at which P = (D_i + 1) D + (D + 1) K equals I K (as a real number)."""
    return (n_train * K - K) / (D_i + 1 + K)


def _init(widths, D_i, K, gen):
    """PyTorch's default initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for each model:
    the hidden layers of all models stacked, (sum D, D_i) and (sum D,), and one output layer
    per model, phi_m (K, D_m) and its offsets (K,)."""
    def uniform(shape, fan_in):
        u = torch.rand(*shape, generator=gen, dtype=torch.float32)
        return ((u * 2 - 1) / np.sqrt(fan_in)).requires_grad_()

    total = sum(widths)
    omega, beta = uniform((total, D_i), D_i), uniform((total,), D_i)
    phis = [uniform((K, D), D) for D in widths]
    phi0s = [uniform((K,), D) for D in widths]
    return omega, beta, phis, phi0s


def fit_widths(X, Y, widths, config=SweepConfig(), progress=True):
    """Train one shallow net per width D in ``widths`` with full-batch Adam on the squared
    error to one-hot targets (summed over the K classes, averaged over the I examples).

    X (I, D_i) float32 tensor, Y (I,) long tensor of labels. Returns ``forward``: X -> list of
    each model's outputs (I, K) with the trained weights."""
    from tqdm.auto import tqdm

    K = 10
    gen = torch.Generator().manual_seed(config.seed)
    Y_hot = torch.nn.functional.one_hot(Y, K).float()  # (I, K)
    omega, beta, phis, phi0s = _init(list(widths), X.shape[1], K, gen)
    ends = np.cumsum(widths)  # model m owns hidden units ends[m] - D_m .. ends[m] - 1

    def forward(X):
        h = torch.relu(X @ omega.T + beta)  # (I, sum D): every model's hidden units
        return [h[:, e - D:e] @ phi.T + phi0  # (I, K) for each model
                for D, e, phi, phi0 in zip(widths, ends, phis, phi0s, strict=True)]

    opt = torch.optim.Adam([omega, beta, *phis, *phi0s], lr=config.lr, foreach=True)
    for _ in tqdm(range(config.steps), desc="Adam steps", disable=not progress):
        opt.zero_grad()
        loss = sum(((f - Y_hot) ** 2).sum(dim=1).mean() for f in forward(X))  # sum of losses
        loss.backward()
        opt.step()
    return forward


def train_widths(x, y, x_test, y_test, widths, config=SweepConfig(), progress=True):
    """``fit_widths`` on x (I, D_i), labels y (I,) (possibly noisy: what it is trained on),
    then each model's training and test error (fractions misclassified) on x_test (I_t, D_i),
    y_test (I_t,). Returns (train error, test error), each (len(widths),)."""
    X = torch.as_tensor(np.asarray(x), dtype=torch.float32)  # (I, D_i)
    Xt = torch.as_tensor(np.asarray(x_test), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    forward = fit_widths(X, Y, list(widths), config, progress)
    with torch.no_grad():
        train_err = [float((f.argmax(dim=1) != Y).float().mean()) for f in forward(X)]
        test_err = [float(np.mean(f.argmax(dim=1).numpy() != np.asarray(y_test)))
                    for f in forward(Xt)]
    return np.array(train_err), np.array(test_err)


def width_sweep(data, widths, config=SweepConfig(), progress=True):
    """Train one net per width on the first ``config.n_train`` examples of ``data`` (the dict
    ``dlcore.data.mnist1d`` returns), their labels noised once with ``config.label_noise``.

    Returns a dict of (len(widths),) arrays: ``D``, ``params``, ``train_error``, ``test_error``.
    """
    from .double_descent import add_label_noise

    torch.set_num_threads(1)
    I = config.n_train
    x, y = data["x"][:I], data["y"][:I]
    y_seen = add_label_noise(y, config.label_noise, 10, np.random.default_rng(config.seed))
    train_err, test_err = train_widths(x, y_seen, data["x_test"], data["y_test"], widths,
                                       config, progress)
    return {"D": np.array(widths), "params": np.array([n_params(D) for D in widths]),
            "train_error": train_err, "test_error": test_err}
