"""Regularisation (chapter 07): explicit penalties, the implicit regulariser of gradient
descent, dropout. Re-exported by ``dlcore.generalization`` as API.md fixes."""

import numpy as np

from .checks import InputTypeError, as_float_array, check_probability

__all__ = ["l2_penalty", "gd_modified_loss", "dropout"]


def l2_penalty(omegas, lam):
    """Explicit L2 regulariser: lam * sum_k ||Omega_k||^2 (squared Frobenius norms)."""
    if not isinstance(omegas, (list, tuple)):
        omegas = [omegas]
    lam = float(as_float_array(lam, "lam"))
    return lam * sum(float(np.sum(as_float_array(o, f"omegas[{k}]") ** 2))
                     for k, o in enumerate(omegas))


def gd_modified_loss(loss_fn, grad_fn, alpha):
    """The loss that gradient descent with step alpha implicitly minimises (to first order):
    L_GD[theta] = L[theta] + alpha / 4 * ||dL/dtheta||^2. Returns a function of theta."""
    if not callable(loss_fn) or not callable(grad_fn):
        raise InputTypeError("loss_fn and grad_fn must be functions of theta")
    alpha = float(as_float_array(alpha, "alpha"))

    def modified(theta):
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        return float(loss_fn(theta)) + alpha / 4.0 * float(np.sum(g ** 2))

    return modified


def dropout(h, p, rng):
    """Inverted dropout: zero each entry of h with probability p and scale the survivors by
    1 / (1 - p), so the expected activation is unchanged. h: any shape; p in [0, 1)."""
    h = as_float_array(h, "h")
    p = check_probability(p, "p", upper_open=True)
    if not isinstance(rng, np.random.Generator):
        raise InputTypeError(f"rng must be np.random.default_rng(seed); got {type(rng).__name__}")
    keep = rng.random(h.shape) >= p  # True with probability 1 - p
    return np.where(keep, h / (1.0 - p), 0.0)
