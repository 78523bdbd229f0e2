"""The one least-squares solver (dlcore.linear) and the one ReLU-feature map (dlcore.features)."""

import numpy as np
import pytest
import torch

from dlcore import features, linear
from dlcore.checks import DLCoreError


@pytest.mark.parametrize("P, I, D_o", [(3, 10, 1), (4, 9, 2), (12, 5, 1), (12, 5, 3)])
def test_least_squares_matches_torch_and_is_min_norm(P, I, D_o):
    rng = np.random.default_rng(P * I + D_o)
    H, y = rng.standard_normal((P, I)), rng.standard_normal((D_o, I))
    phi = linear.least_squares(H, y)
    ref = torch.linalg.pinv(torch.tensor(H)).T @ torch.tensor(y).T  # (P, D_o) = H^+T y^T
    np.testing.assert_allclose(phi, ref.numpy().T, rtol=1e-9, atol=1e-12)
    if P > I:  # interpolates, and with the smallest norm: phi lies in the column space of H
        np.testing.assert_allclose(phi @ H, y, atol=1e-10)
        unseen = np.linalg.svd(H)[0][:, I:]  # (P, P - I): directions no data point sees
        np.testing.assert_allclose(phi @ unseen, 0.0, atol=1e-10)
    assert linear.least_squares(H, y[0]).shape == (P,)


@pytest.mark.parametrize("lam", [1e-3, 0.5, 20.0])
def test_ridge_is_the_zero_of_the_gradient(lam):
    rng = np.random.default_rng(7)
    H, y = rng.standard_normal((6, 15)), rng.standard_normal(15)
    phi = linear.least_squares(H, y, lam)
    grad = -2 * (y - phi @ H) @ H.T + 2 * lam * phi  # d/dphi of the penalised loss
    np.testing.assert_allclose(grad, 0.0, atol=1e-10)
    phi_t = torch.tensor(phi, requires_grad=True)
    loss = ((torch.tensor(y) - phi_t @ torch.tensor(H)) ** 2).sum() + lam * (phi_t**2).sum()
    loss.backward()
    np.testing.assert_allclose(phi_t.grad.numpy(), 0.0, atol=1e-10)


def test_even_joints_closed_form():
    np.testing.assert_allclose(features.even_joints(4, 0.0, 2.0), [0.0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(features.even_joints(4, 0.0, 2.0, centred=True),
                               [0.25, 0.75, 1.25, 1.75])
    assert features.even_joints(0, 0.0, 1.0).shape == (0,)


def test_relu_features_closed_form_and_torch():
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    theta = features.joint_theta(np.array([0.0, 1.0]))
    H = features.relu_features(x, theta)
    np.testing.assert_array_equal(H, [[1, 1, 1, 1], [0, 0, 0.5, 2.0], [0, 0, 0, 1.0]])
    rng = np.random.default_rng(0)
    x2, theta2 = rng.standard_normal((3, 8)), rng.standard_normal((5, 4))
    ref = torch.relu(torch.tensor(theta2[:, :1]) + torch.tensor(theta2[:, 1:]) @ torch.tensor(x2))
    np.testing.assert_allclose(features.relu_features(x2, theta2)[1:], ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: linear.least_squares(np.ones((3, 4)), np.ones(5)), r"y has shape \(5,\); expected"),
    (lambda: linear.least_squares(np.ones((3, 4)), np.ones((1, 1, 4))), "expected \\(I,\\) or"),
    (lambda: linear.least_squares(np.ones((3, 4)), np.ones(4), -1.0), "lam must be >= 0"),
    (lambda: features.relu_features(np.ones((2, 4)), np.ones((3, 2))),
     r"theta has shape \(3, 2\); expected \(3, 3\)"),
    (lambda: features.even_joints(-1, 0.0, 1.0), "D must be >= 0"),
    (lambda: features.even_joints(3, 0.0, 1.0, centred="yes"), "centred must be True or False"),
])
def test_bad_input_is_one_line(call, message):
    with pytest.raises(DLCoreError, match=message):
        call()
