"""Functions that exercises hand to a student's code as inputs (a loss to search along, a
gradient to step with). They are part of the task, not of a solution: the student release
ships them, so the recorded checks can call a student's function with them."""

import numpy as np

__all__ = ["bowl_loss", "line_grad", "ravine_grad", "coupled_loss", "softplus_loss"]

# -- chapter 03 --------------------------------------------------------------------------------
_BOWL_A = np.array([[3.0, 1.0], [1.0, 2.0]])


def bowl_loss(theta):
    """A bowl with a ripple, L = 1/2 theta^T A theta + 0.3 sum sin(3 theta): one dip along
    most lines, not quite a quadratic."""
    theta = np.asarray(theta, float)
    return float(0.5 * theta @ _BOWL_A @ theta + 0.3 * np.sin(3.0 * theta).sum())


# The SGD exercise's ten points; chapter 03 goes on drawing its batches from _rng_sgd.
_rng_sgd = np.random.default_rng(304)
_X_SGD = _rng_sgd.uniform(-1.0, 2.0, 10)
_Y_SGD = 1.0 + 0.5 * _X_SGD + 0.3 * _rng_sgd.normal(size=10)


def line_grad(theta, idx):
    """dL/dtheta of the line fit summed over the points idx: sum_i 2 (f_i - y_i) [1, x_i]."""
    x, y = _X_SGD[idx], _Y_SGD[idx]
    r = theta[0] + theta[1] * x - y
    return np.array([2.0 * r.sum(), 2.0 * (r * x).sum()])


_A = np.array([[8.0, 2.0], [2.0, 1.0]])


def ravine_grad(theta):
    """The gradient of a tilted ravine L = 1/2 theta^T A theta + sum cos(theta)."""
    theta = np.asarray(theta, float)
    return _A @ theta - np.sin(theta)


# -- chapter 04 --------------------------------------------------------------------------------
def coupled_loss(theta):
    """A smooth loss whose parameters interact: sum sin(theta) theta^2 + (a . theta)^3 / 3."""
    a = np.arange(1.0, theta.size + 1.0) / theta.size
    return float(np.sum(np.sin(theta) * theta**2) + (a @ theta) ** 3 / 3)


def softplus_loss(theta):
    """log(1 + exp(theta_0 theta_1 + theta_2)) + sum theta^4 / 4."""
    z = theta[0] * theta[1] + theta[2]
    return float(np.log1p(np.exp(z)) + np.sum(theta**4) / 4)
