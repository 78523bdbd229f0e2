"""dlcore.generalization (bias, variance, min-norm fits) and dlcore.double_descent against
PyTorch (float64) and closed forms."""

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import double_descent as DD
from dlcore import generalization as G

torch.set_default_dtype(torch.float64)


# ------------------------------------------------------------------------------------------
# features and fits
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("D_i,D,I", [(1, 5, 7), (3, 8, 4), (40, 20, 30)])
def test_relu_features_match_torch(rng, D_i, D, I):
    x = rng.normal(size=(D_i, I))
    beta, omega = rng.normal(size=D), rng.normal(size=(D, D_i))
    layer = torch.nn.Linear(D_i, D)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(omega))
        layer.bias.copy_(torch.tensor(beta))
    h = torch.relu(layer(torch.tensor(x.T))).T  # (D, I)
    want = torch.cat([torch.ones(1, I), h], dim=0)
    assert_close(G.relu_features(x, beta, omega), to_numpy(want), what="H")


def test_relu_features_one_input_and_column_beta(rng):
    x = rng.uniform(size=6)
    beta, omega = G.joint_params(4)
    H1 = G.relu_features(x, beta, omega)
    H2 = G.relu_features(x[None, :], beta[:, None], omega)
    assert_close(H1, H2)
    joints = (np.arange(4) + 0.5) / 4
    assert_close(H1[1:], np.maximum(x[None, :] - joints[:, None], 0))  # closed form a[x - t_d]


@pytest.mark.parametrize("P,I,D_o", [(4, 10, 1), (6, 6, 3), (12, 5, 2), (30, 8, 1)])
def test_fit_min_norm_is_pinv(rng, P, I, D_o):
    """lam = 0: phi = Y H^+, the minimum-norm least-squares solution (torch.linalg.pinv)."""
    H, Y = rng.normal(size=(P, I)), rng.normal(size=(D_o, I))
    want = torch.tensor(Y) @ torch.linalg.pinv(torch.tensor(H))
    got = G.fit_min_norm(H, Y)
    assert_close(got, to_numpy(want), rtol=1e-8, atol=1e-10, what="phi")
    if P >= I:  # over-parameterised: the fit interpolates
        assert_close(got @ H, Y, rtol=1e-8, atol=1e-9, what="phi H")


def test_fit_min_norm_1d_target(rng):
    H, y = rng.normal(size=(5, 9)), rng.normal(size=9)
    assert G.fit_min_norm(H, y).shape == (5,)
    assert_close(G.fit_min_norm(H, y), G.fit_min_norm(H, y[None, :])[0])


@pytest.mark.parametrize("lam", [0.1, 3.0])
def test_fit_ridge_minimises_penalised_loss(rng, lam):
    """lam > 0: the gradient of sum (y - phi H)^2 + lam ||phi||^2 vanishes (torch autograd)."""
    H, Y = rng.normal(size=(7, 5)), rng.normal(size=(2, 5))
    phi = torch.tensor(G.fit_min_norm(H, Y, lam=lam), requires_grad=True)
    loss = ((torch.tensor(Y) - phi @ torch.tensor(H)) ** 2).sum() + lam * (phi ** 2).sum()
    (grad,) = torch.autograd.grad(loss, phi)
    assert_close(to_numpy(grad), np.zeros((2, 7)), atol=1e-9, what="gradient at phi")


def test_min_norm_is_smallest_interpolant(rng):
    H, y = rng.normal(size=(20, 6)), rng.normal(size=6)
    phi = G.fit_min_norm(H, y)
    N = G.null_space(H)
    assert N.shape == (20, 14)
    assert_close(N.T @ N, np.eye(14), atol=1e-10, what="orthonormal basis")
    assert_close(N.T @ H, np.zeros((14, 6)), atol=1e-10, what="v H = 0")
    for _ in range(5):
        other = phi + N @ rng.normal(size=14)
        assert_close(other @ H, y, atol=1e-9, what="another interpolant")
        assert np.linalg.norm(other) > np.linalg.norm(phi)
    assert_close(phi @ N, np.zeros(14), atol=1e-10, what="min-norm phi orthogonal to null space")


def test_null_space_empty_when_determined(rng):
    assert G.null_space(rng.normal(size=(3, 10))).shape == (3, 0)


@pytest.mark.parametrize("P,I,J", [(30, 6, 50), (30, 6, 10), (5, 8, 20)])
def test_directions_by_effect_match_torch_svd(rng, P, I, J):
    """The null-space directions ordered by ||v H_plot||: the singular values of H_plot^T N
    (torch.linalg.svdvals), largest first, still an orthonormal basis with v H = 0."""
    H, H_plot = rng.normal(size=(P, I)), rng.normal(size=(P, J))
    N = G.null_space(H)
    V = G.directions_by_effect(N, H_plot)
    k = min(N.shape[1], J)
    assert V.shape == (P, k)
    want = torch.linalg.svdvals(torch.tensor(H_plot.T @ N))
    assert_close(np.linalg.norm(V.T @ H_plot, axis=1), to_numpy(want), rtol=1e-9, atol=1e-10)
    assert_close(V.T @ V, np.eye(k), atol=1e-10, what="orthonormal")
    assert_close(V.T @ H, np.zeros((k, I)), atol=1e-9, what="v H = 0")


def test_one_implementation_of_each_idea():
    """Chapter 06's names are the shared building blocks, not copies of them."""
    from dlcore import features, layers, linear, losses

    assert G.fit_min_norm is linear.least_squares
    assert DD.one_hot is losses.one_hot
    x, theta = np.linspace(-1, 2, 7), features.joint_theta(features.even_joints(5, 0, 1, True))
    assert_close(G.relu_features(x, theta[:, 0], theta[:, 1:]), features.relu_features(x, theta))
    beta, omega = G.joint_params(5)
    assert_close(np.column_stack([beta, omega]), theta)
    b, o = DD.random_relu_params(6, 3, np.random.default_rng(4), bias_std=0.2)
    betas, omegas = layers.init_params([3, 6], 1 / np.sqrt(3), np.random.default_rng(4), 0.2)
    assert_close(b, betas[0]) and assert_close(o, omegas[0])


def test_shallow_fitter_interpolates_with_many_units(rng):
    x = G.sample_uniform(8, rng)
    y = G.true_function(x)
    g = G.shallow_fitter(40)(x, y)
    assert_close(g(x), y, atol=1e-8, what="fit at the training points")


# ------------------------------------------------------------------------------------------
# bias and variance
# ------------------------------------------------------------------------------------------
def test_decompose_closed_form():
    preds = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]])
    mu = np.array([1.5, 3.0])
    out = G.decompose(preds, mu)
    assert_close(out["f_mu"], [2.0, 3.0])
    assert_close(out["bias2"], [0.25, 0.0])
    assert_close(out["variance"], [2 / 3, 2.0])


def test_decompose_matches_torch_and_adds_up(rng):
    preds, mu = rng.normal(size=(50, 7)), rng.normal(size=7)
    out = G.decompose(preds, mu)
    t = torch.tensor(preds)
    assert_close(out["variance"], to_numpy(torch.var(t, dim=0, correction=0)))
    # E_D[(f - mu)^2] = variance + bias^2 exactly (the cross term has mean zero)
    assert_close(out["variance"] + out["bias2"], ((preds - mu) ** 2).mean(axis=0))


def test_bias_variance_oracle_has_only_noise():
    fit = lambda x, y: G.true_function  # noqa: E731  (knows the truth: no bias, no variance)
    out = G.bias_variance(fit, G.true_function, G.sample_uniform, np.linspace(0, 1, 50),
                          0.5, 400, 10, np.random.default_rng(0))
    assert out["bias2"] < 1e-20 and out["variance"] < 1e-20 and out["noise"] == 0.25
    assert abs(out["mse"] - 0.25) < 0.01  # Monte-Carlo error of 20000 squared normals


def test_bias_variance_constant_model_closed_form():
    """Predict the mean of the training targets of a constant truth c: f_mu = c (no bias),
    variance sigma^2 / n, expected error sigma^2 (1 + 1 / n)."""
    c, sigma, n = 2.0, 0.7, 5

    def fit(x, y):
        m = y.mean()
        return lambda xt: np.full_like(xt, m)

    out = G.bias_variance(fit, lambda x: np.full_like(x, c), G.sample_uniform,
                          np.linspace(0, 1, 20), sigma, 4000, n, np.random.default_rng(1))
    assert abs(out["variance"] - sigma ** 2 / n) < 0.01
    assert out["bias2"] < 1e-3
    assert abs(out["mse"] - sigma ** 2 * (1 + 1 / n)) < 0.02


def test_bias_variance_zero_model_is_all_bias():
    fit = lambda x, y: np.zeros_like  # noqa: E731
    x_test = np.linspace(0, 1, 30)
    out = G.bias_variance(fit, G.true_function, G.sample_uniform, x_test, 0.0, 3, 4,
                          np.random.default_rng(2))
    assert_close(out["bias2"], np.mean(np.exp(np.sin(2 * np.pi * x_test)) ** 2))
    assert out["variance"] == 0.0 and out["noise"] == 0.0
    assert_close(out["mse"], out["bias2"])


@pytest.mark.parametrize("D", [1, 4, 30])
def test_mse_is_sum_of_parts_up_to_monte_carlo(D):
    out = G.bias_variance(G.shallow_fitter(D), G.true_function, G.sample_uniform,
                          np.linspace(0, 1, 41), 0.3, 300, 15, np.random.default_rng(D))
    total = out["bias2"] + out["variance"] + out["noise"]
    assert abs(out["mse"] - total) < 0.05 * total


def test_bias_variance_is_seeded():
    args = (G.shallow_fitter(3), G.true_function, G.sample_uniform, np.linspace(0, 1, 9),
            0.3, 20, 10)
    a = G.bias_variance(*args, np.random.default_rng(5))
    b = G.bias_variance(*args, np.random.default_rng(5))
    assert a == b


def test_capacity_curve_tradeoff_and_threshold():
    c = G.capacity_curve([0, 5, 14, 60], 0.3, 100, 15, np.random.default_rng(0))
    assert c["bias2"][0] > c["bias2"][1]  # more units: less bias
    assert c["variance"][2] > 100 * c["variance"][1]  # D + 1 = I: the variance explodes
    assert c["mse"][3] < c["mse"][2] / 100  # and comes down again past the threshold


def test_training_set_closed_form():
    """y = mu[x] + sigma eps, the noise drawn after the inputs from the same generator."""
    x, y = G.training_set(G.sample_grid, G.true_function, 8, 0.3, np.random.default_rng(2))
    assert_close(x, (np.arange(8) + 0.5) / 8)
    assert_close(y, np.exp(np.sin(2 * np.pi * x)) + 0.3 * np.random.default_rng(2).standard_normal(8))
    r = np.random.default_rng(3)
    x_want = G.sample_uniform(5, r)
    x, y = G.training_set(G.sample_uniform, G.true_function, 5, 0.0, np.random.default_rng(3))
    assert_close(x, x_want) and assert_close(y, G.true_function(x))


def test_sample_uniform_is_stratified(rng):
    x = G.sample_uniform(10, rng)
    assert np.all(np.floor(x * 10) == np.arange(10))


# ------------------------------------------------------------------------------------------
# double descent on MNIST-1D-like data
# ------------------------------------------------------------------------------------------
def test_one_hot_matches_torch():
    y = np.array([2, 0, 1, 2])
    want = torch.nn.functional.one_hot(torch.tensor(y), 3).T
    assert_close(DD.one_hot(y, 3), to_numpy(want))


def test_label_noise_rate(rng):
    y = np.zeros(20000, dtype=int)
    noisy = DD.add_label_noise(y, 0.3, 10, rng)
    # a redrawn label differs with probability 9/10: 0.3 * 0.9 = 0.27 of labels change
    assert abs(np.mean(noisy != y) - 0.27) < 0.01
    assert np.all(DD.add_label_noise(y, 0.0, 10, rng) == y)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_random_feature_curve_matches_lstsq(noise):
    """The curve's M = H^T H shortcut gives the same models as fit_min_norm (SVD) on H."""
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(6, 60)), rng.integers(0, 4, 60)
    xt, yt = rng.normal(size=(6, 30)), rng.integers(0, 4, 30)
    Ds = [5, 30, 59, 80, 300]
    c = DD.random_feature_curve(x, y, xt, yt, Ds, np.random.default_rng(1), K=4,
                                label_noise=noise)
    r = np.random.default_rng(1)  # replay the same random draws
    y_seen = DD.add_label_noise(y, noise, 4, r)
    beta, omega = DD.random_relu_params(300, 6, r)
    for i, D in enumerate(Ds):
        H, Ht = G.relu_features(x, beta[:D], omega[:D]), G.relu_features(xt, beta[:D], omega[:D])
        phi = G.fit_min_norm(H, DD.one_hot(y_seen, 4))
        f_test = phi @ Ht
        mse = np.mean(np.sum((f_test - DD.one_hot(yt, 4)) ** 2, axis=0))
        tol = 1e-5 if D == 59 else 1e-9  # at 1 + D = I the problem is ill-conditioned
        assert_close(c["test_mse"][i], mse, rtol=tol, what=f"test mse at D={D}")
        assert_close(c["phi_norm"][i], np.linalg.norm(phi), rtol=tol, what=f"||phi|| at D={D}")
        assert_close(c["test_error"][i], np.mean(f_test.argmax(axis=0) != yt))


def test_random_feature_curve_interpolates_past_threshold(rng):
    x, y = rng.normal(size=(6, 40)), rng.integers(0, 3, 40)
    xt, yt = rng.normal(size=(6, 30)), rng.integers(0, 3, 30)
    c = DD.random_feature_curve(x, y, xt, yt, [5, 39, 200], rng, K=3, label_noise=0.2)
    assert c["train_error"][1] == 0.0 and c["train_error"][2] == 0.0
    assert c["phi_norm"][1] > c["phi_norm"][2]  # the threshold needs the largest weights
    assert DD.interpolation_threshold(40) == 39


# ------------------------------------------------------------------------------------------
# the curse of dimensionality: closed forms, Monte Carlo, torch.cdist
# ------------------------------------------------------------------------------------------
def test_unit_ball_volume_closed_forms():
    assert G.unit_ball_volume(0) == pytest.approx(1.0, rel=1e-14)
    assert G.unit_ball_volume(1) == pytest.approx(2.0, rel=1e-14)  # the interval [-1, 1]
    assert G.unit_ball_volume(2) == pytest.approx(np.pi, rel=1e-14)  # the disc
    assert G.unit_ball_volume(3) == pytest.approx(4 / 3 * np.pi, rel=1e-14)
    assert G.unit_ball_volume(4) == pytest.approx(np.pi ** 2 / 2, rel=1e-14)
    # the recursion V_D = 2 pi / D V_{D-2}, for even and odd D
    for D in range(2, 60):
        assert G.unit_ball_volume(D) == pytest.approx(2 * np.pi / D * G.unit_ball_volume(D - 2),
                                                      rel=1e-12)
    # the largest volume is at D = 5; it then falls to 0 without overflow
    assert max(range(1, 30), key=G.unit_ball_volume) == 5
    assert 0.0 <= G.unit_ball_volume(2000) < 1e-300


def test_unit_ball_volume_matches_torch_lgamma():
    for D in (1, 7, 33, 150):
        want = torch.exp(D / 2 * torch.log(torch.tensor(np.pi))
                         - torch.lgamma(torch.tensor(D / 2 + 1.0)))
        assert_close(G.unit_ball_volume(D), float(want), rtol=1e-12)


@pytest.mark.parametrize("D,eps", [(1, 0.5), (2, 0.1), (3, 0.2), (10, 0.05), (100, 0.01)])
def test_shell_fraction_closed_form(D, eps):
    assert_close(G.shell_fraction(D, eps), 1 - (1 - eps) ** D)
    # the shell's volume as a difference of two balls: V_D (1 - (1 - eps)^D)
    inner = G.unit_ball_volume(D) * (1 - eps) ** D
    assert_close(G.shell_fraction(D, eps), 1 - inner / G.unit_ball_volume(D), rtol=1e-12)
    assert G.shell_fraction(D, 0.0) == 0.0 and G.shell_fraction(D, 1.0) == 1.0


@pytest.mark.parametrize("D", [1, 2, 3, 5, 8])
def test_ball_monte_carlo_agrees_with_closed_forms(D):
    n = 400_000
    vol, shell = G.ball_monte_carlo(D, 0.1, n, np.random.default_rng(D))
    p = min(G.unit_ball_volume(D) / 2 ** D, 1.0)  # chance a cube point is in the ball
    se_vol = 2 ** D * np.sqrt(p * (1 - p) / n) + 1e-12
    q = G.shell_fraction(D, 0.1)
    se_shell = np.sqrt(q * (1 - q) / (p * n))
    assert abs(vol - G.unit_ball_volume(D)) < 5 * se_vol
    assert abs(shell - q) < 5 * se_shell


@pytest.mark.parametrize("D,I", [(1, 5), (3, 12), (50, 30)])
def test_pairwise_distances_match_torch_cdist(rng, D, I):
    x = rng.normal(size=(D, I))
    want = torch.cdist(torch.tensor(x.T), torch.tensor(x.T),  # differences, not the
                       compute_mode="donot_use_mm_for_euclid_dist")  # expanded square
    assert_close(G.pairwise_distances(x), to_numpy(want), rtol=1e-9, atol=1e-9)
    d = G.pairwise_distances(x)
    assert np.all(d >= 0) and np.allclose(d, d.T)


def test_pairwise_distances_repeated_point_is_zero():
    x = np.array([[1e8, 1e8, 0.0], [3.0, 3.0, 1.0]])  # two equal columns: ||a||^2 + ||b||^2
    d = G.pairwise_distances(x)  # - 2 a.b would lose every digit here
    assert d[0, 1] == 0.0 and np.all(np.diag(d) == 0.0)
    assert_close(d[0, 2], np.hypot(1e8, 2.0), rtol=1e-15)


def test_distance_sample_concentrates():
    """Uniform points in [0, 1]^D: mean distance ~ sqrt(D / 6), std / mean ~ sqrt(0.35 / D)."""
    for D in (100, 1000):
        d = G.distance_sample(D, 150, np.random.default_rng(D))
        assert d.shape == (150 * 149 // 2,)
        assert abs(d.mean() / np.sqrt(D / 6) - 1) < 0.01
        assert abs(d.std() / d.mean() / np.sqrt(0.35 / D) - 1) < 0.1


# ------------------------------------------------------------------------------------------
# bad input: one-line errors naming the argument
# ------------------------------------------------------------------------------------------
def test_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="omega"):
        G.relu_features(np.zeros((2, 5)), np.zeros(3), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="beta"):
        G.relu_features(np.zeros(5), np.zeros(2), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="y has"):
        G.fit_min_norm(np.zeros((3, 5)), np.zeros(4))
    with pytest.raises(ValueError, match="lam"):
        G.fit_min_norm(np.zeros((3, 5)), np.zeros(5), lam=-1)
    with pytest.raises(TypeError, match="fit"):
        G.bias_variance("poly", G.true_function, G.sample_uniform, np.zeros(3), 0.1, 2, 3, rng)
    with pytest.raises(ValueError, match="x_test"):
        G.bias_variance(G.shallow_fitter(2), G.true_function, G.sample_uniform,
                        np.zeros((3, 2)), 0.1, 2, 3, rng)
    with pytest.raises(ValueError, match="sigma"):
        G.bias_variance(G.shallow_fitter(2), G.true_function, G.sample_uniform, np.zeros(3),
                        -0.1, 2, 3, rng)
    with pytest.raises(TypeError, match="n_datasets"):
        G.bias_variance(G.shallow_fitter(2), G.true_function, G.sample_uniform, np.zeros(3),
                        0.1, 2.5, 3, rng)
    with pytest.raises(TypeError, match="rng"):
        G.bias_variance(G.shallow_fitter(2), G.true_function, G.sample_uniform, np.zeros(3),
                        0.1, 2, 3, 0)
    with pytest.raises(ValueError, match="predictor"):
        G.bias_variance(lambda x, y: (lambda xt: np.zeros(2)), G.true_function,
                        G.sample_uniform, np.zeros(3), 0.1, 2, 3, rng)
    with pytest.raises(TypeError, match="predictor"):  # fit returns no function
        G.bias_variance(lambda x, y: 3.0, G.true_function, G.sample_uniform, np.zeros(3), 0.1,
                        2, 3, rng)
    with pytest.raises(TypeError, match="predictor"):  # the predictor returns no numbers
        G.bias_variance(lambda x, y: (lambda xt: "a"), G.true_function, G.sample_uniform,
                        np.zeros(3), 0.1, 2, 3, rng)
    with pytest.raises(ValueError, match="mu"):
        G.decompose(np.zeros((4, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="y has labels"):
        DD.one_hot(np.array([0, 5]), 3)
    with pytest.raises(ValueError, match="Ds must be increasing"):
        DD.random_feature_curve(np.zeros((2, 3)), np.zeros(3, int), np.zeros((2, 2)),
                                np.zeros(2, int), [4, 2], rng)
    with pytest.raises(TypeError, match="D"):
        G.unit_ball_volume(2.5)
    with pytest.raises(ValueError, match="D"):
        G.unit_ball_volume(-1)
    with pytest.raises(ValueError, match="eps"):
        G.shell_fraction(3, 1.5)
    with pytest.raises(ValueError, match="x has"):
        G.pairwise_distances(np.zeros(4))
    with pytest.raises(ValueError, match="label_noise"):
        DD.random_feature_curve(np.zeros((2, 3)), np.zeros(3, int), np.zeros((2, 2)),
                                np.zeros(2, int), [2], rng, label_noise=1.5)



def test_true_fn_is_checked_at_each_call():
    rng = np.random.default_rng(0)
    args = (G.sample_grid, 4, 0.1, rng)
    with pytest.raises(TypeError, match="^true_fn must be a function returning numbers of shape"):
        G.training_set(G.sample_grid, 3.0, 4, 0.1, rng)
    with pytest.raises(TypeError, match="^true_fn returned str 'mu'; expected numbers of shape "
                                        r"\(I,\)$"):
        G.training_set(args[0], lambda x: "mu", *args[1:])
    with pytest.raises(ValueError, match=r"^true_fn returned NaN \(4 of 4 values\)"):
        G.training_set(args[0], lambda x: x * np.nan, *args[1:])
    with pytest.raises(ValueError, match=r"^true_fn returned shape \(1, 4\); expected \(I,\)$"):
        G.training_set(args[0], lambda x: x[None, :], *args[1:])
    with pytest.raises(ValueError, match=r"^true_fn returned shape \(1, 3\)"):  # at x_test
        G.bias_variance(G.shallow_fitter(2), lambda x: x if x.size == 4 else x[None, :],
                        G.sample_grid, np.zeros(3), 0.1, 2, 4, rng)
    x, y = G.training_set(args[0], lambda x: [0] * len(x), 4, 0.0, rng)  # a list of ints is fine
    assert y.dtype == np.float64 and y.tolist() == [0.0] * 4

# ------------------------------------------------------------------------------------------
# the chapter's exercises: reference solutions against dlcore, one diagnosis per cause
# ------------------------------------------------------------------------------------------
def test_exercise_solutions_match_dlcore():
    """The solutions shown to students (plain NumPy) compute what dlcore computes."""
    from dlcore.exercises import ch06

    for preds, mu in ch06._PROBES:
        parts = G.decompose(preds, mu)
        assert_close(ch06.bias_var(preds, mu), (parts["bias2"].mean(), parts["variance"].mean()))
    for H, y in ch06._PROBES4:
        assert_close(ch06.min_norm(H, y), G.fit_min_norm(H, y), rtol=1e-9, atol=1e-11)
    assert ch06.threshold.value == DD.interpolation_threshold(ch06.I_THRESHOLD)
    for D, eps in ch06._PROBES5:
        assert_close(ch06.shell(D, eps), [G.shell_fraction(D, e) for e in eps])
    for (x,) in ch06._PROBES6:
        # the Gram form's squared distances carry round-off of the squared norms (so a 0 on
        # the diagonal can come out as ~1e-15, whose root is ~3e-8): compare the squares
        scale = np.sum(x ** 2, axis=0).max()
        assert_close(ch06.distances(x) ** 2, G.pairwise_distances(x) ** 2, rtol=1e-12,
                     atol=1e-14 * scale)
    from dlcore import double_descent_torch as T

    for I, D_i, K in ch06._PROBES7:
        D = ch06.trained_threshold(I, D_i, K)
        assert_close(D, [T.threshold_width(i, D_i, K) for i in I])
        assert_close([T.n_params(d, D_i, K) for d in D], I * K)  # P = I K there


# Every way of getting the threshold wrong that we know of, with the D it leads to for I = 500
# examples and K = 10 classes (worked out by hand) and the diagnosis it must get. Two causes that
# lead to the same D must share a diagnosis that names both; no cause may get another's name.
THRESHOLD_CAUSES = [
    ("1 + D = I (right)", 499, None),
    ("left out the offset: D = I", 500, "one unit too many (D = I)"),
    ("strict inequality: 1 + D > I", 500, "one unit too many (D = I)"),
    ("all classes' parameters: K (1 + D) = I", 49, "counted the parameters of all classes together"),
    ("all classes' equations: 1 + D = K I", 4999, "counted the equations of all classes for one row"),
    ("the input size D_i", 40, "used the input size"),
]


# The expected error at one input (f = [1.2, 0.8, 1.1, 0.9, 1.5], mu = 1.3, sigma = 0.3), worked
# out by hand: bias^2 = 0.04, variance = 0.06, noise = 0.09. Leaving out any one term must be
# named as that term.
ERROR_CAUSES = [
    ("all three terms", 0.19, None),
    ("no noise", 0.10, "forgot the noise"),
    ("no bias", 0.15, "forgot the bias"),
    ("no variance", 0.13, "forgot the variance"),
    ("sigma, not sigma^2", 0.40, "sigma instead of sigma^2"),
    ("variance / 4", 0.205, "unbiased variance (divided by 4)"),
]


CAUSES = [("threshold", *c) for c in THRESHOLD_CAUSES] + [("expected_error", *c) for c in ERROR_CAUSES]


@pytest.mark.parametrize("exercise,cause,answer,name", CAUSES, ids=[f"{c[0]}: {c[1]}" for c in CAUSES])
def test_each_cause_gets_its_own_diagnosis(capsys, exercise, cause, answer, name):
    from dlcore.exercises import ch06

    q = getattr(ch06, exercise)
    verdict = q.check(answer)
    out = capsys.readouterr().out
    if name is None:
        assert verdict is True, out
        return
    assert verdict is False and f"'{name}'" in out, f"{cause}: {out}"
    others = [m.name for m in q.mistakes if m.name != name]
    assert not any(f"'{n}'" in out for n in others), f"{cause} diagnosed as another cause: {out}"


# ------------------------------------------------------------------------------------------
# trained nets (double_descent_torch): training all widths at once = training each alone
# ------------------------------------------------------------------------------------------
def test_fit_widths_equals_separate_training():
    from dlcore import double_descent_torch as T

    widths, cfg = [3, 7, 5], T.SweepConfig(steps=25, lr=0.01, seed=3)
    gen = torch.Generator().manual_seed(11)
    X = torch.randn(30, 6, generator=gen, dtype=torch.float32)
    Y = torch.randint(0, 10, (30,), generator=gen)
    forward = T.fit_widths(X, Y, widths, cfg, progress=False)
    # the same initial weights, then one torch.nn net per width, each with its own Adam
    omega, beta, phis, phi0s = T._init(widths, 6, 10, torch.Generator().manual_seed(cfg.seed))
    start = 0
    for D, phi, phi0, got in zip(widths, phis, phi0s, forward(X), strict=True):
        net = torch.nn.Sequential(torch.nn.Linear(6, D), torch.nn.ReLU(),
                                  torch.nn.Linear(D, 10)).float()
        with torch.no_grad():
            net[0].weight.copy_(omega[start:start + D]), net[0].bias.copy_(beta[start:start + D])
            net[2].weight.copy_(phi), net[2].bias.copy_(phi0)
        start += D
        opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        for _ in range(cfg.steps):
            opt.zero_grad()
            loss = ((net(X) - torch.nn.functional.one_hot(Y, 10).float()) ** 2)
            loss.sum(dim=1).mean().backward()
            opt.step()
        assert_close(to_numpy(got), to_numpy(net(X)), rtol=1e-4, atol=1e-5,
                     what=f"outputs of width {D}")


def test_n_params_and_threshold_width():
    from dlcore import double_descent_torch as T

    net = torch.nn.Sequential(torch.nn.Linear(40, 13), torch.nn.ReLU(), torch.nn.Linear(13, 10))
    assert T.n_params(13) == sum(p.numel() for p in net.parameters())
    D = T.threshold_width(1000)
    assert abs(T.n_params(D) - 1000 * 10) < 1e-9  # P = I K there


def test_trained_sweep_file():
    """The committed numbers of scripts/double_descent_sweep.py: shapes and provenance."""
    s = DD.trained_sweep()
    assert s["produced_by"] == "scripts/double_descent_sweep.py"
    n = len(s["D"])
    assert s["test_error"].shape == s["train_error"].shape == (len(s["seeds"]), n)
    assert np.all((0 <= s["test_error"]) & (s["test_error"] <= 1))
    assert list(s["params"]) == [(40 + 1) * D + (D + 1) * 10 for D in s["D"]]
