"""One source for least squares: the output weights of a model that is linear in them.

Conventions (the notes'): a model f = phi H with features H of shape ``(P, I)``, one column per
data point (row 0 is usually all ones, the offset), targets y of shape ``(I,)`` or ``(D_o, I)``
and weights phi of shape ``(P,)`` or ``(D_o, P)`` to match.
"""

import numpy as np

from .checks import shapes

__all__ = ["least_squares"]


@shapes(H="P I", y="I | D_o I", lam=">= 0")
def least_squares(H, y, lam=0.0):
    """The weights phi minimising sum_i (y_i - phi h_i)^2 + lam ||phi||^2.

    lam = 0: phi = y H^+, the least-squares fit, and of all the fits that are equally good (more
    features than points), the one with the smallest norm. lam > 0: ridge regression,
    phi = y H^T (H H^T + lam I)^-1. H: (P, I); y: (I,) or (D_o, I). Returns (P,) or (D_o, P).
    """
    if lam == 0.0:
        phi_t, *_ = np.linalg.lstsq(H.T, y.T, rcond=None)  # solves H^T phi^T = y^T, min norm
    else:
        phi_t = np.linalg.solve(H @ H.T + lam * np.eye(H.shape[0]), H @ y.T)
    return phi_t.T
