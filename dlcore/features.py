"""One source for fixed ReLU features: the hidden layer of a shallow net whose first-layer
parameters are held fixed, so that fitting the output weights is least squares (dlcore.linear).

Conventions (chapter 01's): ``theta`` of shape ``(D, 1 + D_i)`` holds the biases theta_d0 in
column 0 and the slopes after it; data points are columns, ``x`` of shape ``(D_i, I)`` (a 1-D x
is I points of one input). The features are H = [1; a[theta_d0 + sum_j theta_dj x_j]], shape
``(1 + D, I)``: a row of ones for the offset phi_0, then one row per hidden unit.
"""

import numpy as np

from .checks import shapes
from .layers import relu

__all__ = ["even_joints", "joint_theta", "relu_features"]


@shapes(D="int >= 0", x_min="number", x_max="number", centred="bool")
def even_joints(D, x_min, x_max, centred=False):
    """D joints spread evenly over [x_min, x_max]: t_d = x_min + (x_max - x_min) (d + c) / D,
    d = 0..D-1, with c = 0 (the first joint at x_min) or c = 1/2 (``centred``: each joint in the
    middle of one of D equal cells). Returns (D,)."""
    c = 0.5 if centred else 0.0
    return x_min + (x_max - x_min) * (np.arange(D) + c) / max(D, 1)


@shapes(joints="D")
def joint_theta(joints):
    """theta (D, 2) of units h_d = a[x - t_d], one joint t_d each: biases -t_d, slopes 1."""
    return np.stack([-joints, np.ones_like(joints)], axis=1)


@shapes(x="D_i I rows", theta="D 1+D_i", activation="function")
def relu_features(x, theta, activation=relu):
    """H = [1; a[theta_d0 + sum_j theta_dj x_j]], shape (1 + D, I)."""
    z = theta[:, :1] + theta[:, 1:] @ x  # (D, I) pre-activations
    return np.vstack([np.ones((1, x.shape[1])), activation(z)])  # (1 + D, I)
