"""dlcore.nets against PyTorch and closed forms."""

from itertools import product
from math import comb, floor

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import nets

torch.set_default_dtype(torch.float64)


def torch_deep(x, betas, omegas):
    """The same net written with torch.nn.functional (data points as columns)."""
    h = torch.as_tensor(x)
    for k, (b, o) in enumerate(zip(betas, omegas)):
        f = torch.nn.functional.linear(h.T, torch.as_tensor(o), torch.as_tensor(b).reshape(-1)).T
        h = f if k == len(omegas) - 1 else torch.relu(f)
    return to_numpy(h)


# -- relu ---------------------------------------------------------------------------------------
def test_relu_matches_torch(rng):
    z = rng.normal(size=(4, 7)) * 3
    assert_close(nets.relu(z), to_numpy(torch.relu(torch.as_tensor(z))))
    assert nets.relu(0.0) == 0.0 and nets.relu(-1e300) == 0.0 and nets.relu(2.5) == 2.5


# -- shallow net --------------------------------------------------------------------------------
@pytest.mark.parametrize("D_i,D,D_o,I", [(1, 3, 1, 11), (2, 5, 3, 7), (4, 1, 2, 1)])
def test_shallow_net_matches_torch(rng, D_i, D, D_o, I):
    x = rng.normal(size=(D_i, I))
    theta = rng.normal(size=(D, 1 + D_i))
    phi = rng.normal(size=(D_o, 1 + D))
    want = torch_deep(x, [theta[:, 0], phi[:, 0]], [theta[:, 1:], phi[:, 1:]])
    assert_close(nets.shallow_net(x, theta, phi), want)


def test_shallow_net_notes_formula():
    """y = theta_0 + sum_d theta_d a[theta_d0 + theta_d1 x], written out term by term."""
    x = np.linspace(-3, 3, 13)
    theta = np.array([[0.3, -1.0], [-1.0, 2.0], [-0.5, 0.65]])
    phi = np.array([[-0.3, 2.0, -1.0, 7.0]])
    want = phi[0, 0] + sum(phi[0, d + 1] * np.maximum(theta[d, 0] + theta[d, 1] * x, 0)
                           for d in range(3))
    assert_close(nets.shallow_net(x[None, :], theta, phi)[0], want)


def test_shallow_single_point_is_1d(rng):
    theta, phi = rng.normal(size=(4, 3)), rng.normal(size=(2, 5))
    x = rng.normal(size=2)
    y = nets.shallow_net(x, theta, phi)
    assert y.shape == (2,)
    assert_close(y, nets.shallow_net(x[:, None], theta, phi)[:, 0])


def test_shallow_float32_in_float64_out(rng):
    x = rng.normal(size=(1, 5)).astype(np.float32)
    y = nets.shallow_net(x, np.ones((2, 2), np.float32), np.ones((1, 3), np.float32))
    assert y.dtype == np.float64


def test_shallow_other_activation(rng):
    x, theta, phi = rng.normal(size=(1, 6)), rng.normal(size=(3, 2)), rng.normal(size=(1, 4))
    y = nets.shallow_net(x, theta, phi, activation=np.tanh)
    want = phi[:, :1] + phi[:, 1:] @ np.tanh(theta[:, :1] + theta[:, 1:] @ x)
    assert_close(y, want)


@pytest.mark.parametrize("bad,match", [
    # x comes first, so it fixes D_i and theta is measured against it
    (dict(theta=np.ones((3, 3))),
     "theta has shape \\(3, 3\\); expected \\(3, 2\\) = \\(D, 1 \\+ D_i\\), since x gives D_i = 1"),
    (dict(phi=np.ones((1, 3))), "phi has shape \\(1, 3\\); expected \\(1, 4\\)"),
    (dict(x=np.ones((2, 5))), "theta has shape \\(3, 2\\); expected \\(3, 3\\).*since x gives D_i = 2"),
    (dict(x="abc"), "x must be a number"),
    (dict(x=np.array([[np.nan]])), "x contains NaN"),
])
def test_shallow_bad_input_one_line(bad, match):
    args = dict(x=np.ones((1, 5)), theta=np.ones((3, 2)), phi=np.ones((1, 4)))
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match) as info:
        nets.shallow_net(**args)
    assert "\n" not in str(info.value)


def test_shallow_joints():
    theta = np.array([[1.0, 2.0], [-3.0, -1.5], [2.0, 0.0]])
    joints = nets.shallow_joints(theta)
    assert_close(joints[:2], [-0.5, -2.0])
    assert np.isnan(joints[2])


# -- deep net -----------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", [[1, 3, 1], [2, 4, 4, 3], [3, 5, 2, 6, 1], [1, 1]])
def test_deep_net_matches_torch(rng, widths):
    betas, omegas = nets.random_net(widths, rng)
    x = rng.normal(size=(widths[0], 9))
    assert_close(nets.deep_net(x, betas, omegas), torch_deep(x, betas, omegas))


def test_deep_net_accepts_column_betas(rng):
    betas, omegas = nets.random_net([2, 3, 1], rng)
    x = rng.normal(size=(2, 4))
    cols = [b[:, None] for b in betas]
    assert_close(nets.deep_net(x, cols, omegas), nets.deep_net(x, betas, omegas))


def test_deep_net_equals_composed_shallow_nets(rng):
    """Two shallow nets composed = one deep net with Omega_1 = theta' phi (the notes' algebra)."""
    theta, phi = rng.normal(size=(3, 2)), rng.normal(size=(1, 4))
    theta2, phi2 = rng.normal(size=(3, 2)), rng.normal(size=(1, 4))
    x = np.linspace(-2, 2, 50)[None, :]
    composed = nets.shallow_net(nets.shallow_net(x, theta, phi), theta2, phi2)
    beta_1 = theta2[:, 0] + theta2[:, 1] * phi[0, 0]  # psi_d0 = theta'_d0 + theta'_d1 phi_0
    omega_1 = np.outer(theta2[:, 1], phi[0, 1:])  # psi_dj = theta'_d1 phi_j
    deep = nets.deep_net(x, [theta[:, 0], beta_1, phi2[:, 0]],
                         [theta[:, 1:], omega_1, phi2[:, 1:]])
    assert_close(deep, composed)


def test_deep_net_bad_shapes_name_the_layer(rng):
    betas, omegas = nets.random_net([2, 3, 1], rng)
    omegas[1] = np.ones((1, 4))
    with pytest.raises(ValueError, match=r"omegas\[1\] has shape \(1, 4\); expected \(1, 3\)"):
        nets.deep_net(np.ones((2, 3)), betas, omegas)
    with pytest.raises(ValueError, match="betas has 1 entries and omegas has 2"):
        nets.deep_net(np.ones((2, 3)), betas[:1], omegas)
    with pytest.raises(TypeError, match="betas must be a list"):
        nets.deep_net(np.ones((2, 3)), np.ones(3), omegas)


# -- counting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("D", [1, 2, 3, 10])
def test_num_params_closed_forms(D):
    assert nets.num_params_shallow(1, D, 1) == 3 * D + 1
    for K in (1, 2, 5):
        assert nets.num_params_deep(1, [D] * K, 1) == 3 * D + 1 + (K - 1) * D * (D + 1)


@pytest.mark.parametrize("D_i,widths,D_o", [(3, [4, 2, 3], 2), (5, [7], 1), (2, [3, 3], 4)])
def test_num_params_equals_torch(D_i, widths, D_o):
    sizes = [D_i, *widths, D_o]
    model = torch.nn.Sequential(*[torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    want = sum(p.numel() for p in model.parameters())
    assert nets.num_params_deep(D_i, widths, D_o) == want
    if len(widths) == 1:
        assert nets.num_params_shallow(D_i, widths[0], D_o) == want


def test_max_regions_formulas():
    assert nets.max_regions_shallow(3, 1) == 4
    assert nets.max_regions_shallow(3, 2) == 7  # three lines in general position
    assert nets.max_regions_shallow(5, 10) == 2 ** 5  # D <= D_i: every pattern is possible
    assert nets.max_regions_deep_1d(3, 2) == 16


@pytest.mark.parametrize("n0,widths", [(1, [3, 3, 3]), (2, [5, 5, 4]), (3, [7, 3]), (2, [2])])
def test_montufar_closed_form(n0, widths):
    want = 1
    for n in widths[:-1]:
        want *= floor(n / n0) ** n0
    want *= sum(comb(widths[-1], j) for j in range(n0 + 1))
    assert nets.montufar_lower_bound(n0, widths) == want


def test_montufar_requires_width_at_least_n0():
    with pytest.raises(ValueError, match="widths\\[1\\] = 1"):
        nets.montufar_lower_bound(2, [4, 1])


@pytest.mark.parametrize("D", [2, 3, 5, 9])
def test_count_regions_shallow_1d_is_d_plus_one(rng, D):
    """D joints inside the sampled interval -> exactly D + 1 regions."""
    joints = np.sort(rng.uniform(-0.9, 0.9, size=D))
    slopes = rng.choice([-1.0, 1.0], size=D) * rng.uniform(0.5, 2, size=D)
    theta = np.stack([-joints * slopes, slopes], axis=1)
    x = np.linspace(-1, 1, 20001)[None, :]
    n = nets.count_regions(x, [theta[:, 0], np.zeros(1)], [theta[:, 1:], np.ones((1, D))])
    assert n == D + 1


def test_count_regions_2d_reaches_zaslavsky(rng):
    """Random lines in general position: a wide grid sees every one of the sum C(D, j) regions."""
    D = 6
    theta = rng.normal(size=(D, 3))
    g = np.linspace(-60, 60, 1201)
    x = np.stack([a.ravel() for a in np.meshgrid(g, g)])  # (2, I)
    n = nets.count_regions(x, [theta[:, 0], np.zeros(1)], [theta[:, 1:], np.ones((1, D))])
    assert n == nets.max_regions_shallow(D, 2)


def test_count_regions_is_number_of_distinct_patterns(rng):
    """Against a brute-force count of on/off patterns written independently."""
    betas, omegas = nets.random_net([2, 4, 3, 1], rng)
    x = rng.uniform(-3, 3, size=(2, 4000))
    h, patterns = x, []
    for b, o in zip(betas[:-1], omegas[:-1]):
        f = b[:, None] + o @ h
        patterns.append(f > 0)
        h = np.maximum(f, 0)
    brute = len({tuple(col) for col in np.concatenate(patterns).T})
    assert nets.count_regions(x, betas, omegas) == brute


@pytest.mark.parametrize("D,K", [(2, 1), (3, 2), (3, 3), (4, 3), (5, 2)])
def test_zigzag_reaches_montufar_bound(D, K):
    betas, omegas = nets.zigzag_net(D, K)
    x = np.linspace(1e-7, 1 - 1e-7, 400001)[None, :]
    n = nets.count_regions(x, betas, omegas)
    assert n == nets.montufar_lower_bound(1, [D] * K) == D ** (K - 1) * (D + 1)
    assert n <= nets.max_regions_deep_1d(D, K)


def test_region_ids_numbered_by_first_appearance(rng):
    betas, omegas = nets.random_net([1, 5, 1], rng)
    x = np.linspace(-3, 3, 3001)[None, :]
    ids = nets.region_ids(x, betas, omegas)
    firsts = [int(np.argmax(ids == k)) for k in range(ids.max() + 1)]
    assert firsts == sorted(firsts) and ids[0] == 0
    assert ids.max() + 1 == nets.count_regions(x, betas, omegas)


def test_fit_shallow_error_falls_with_D():
    x = np.linspace(-1, 1, 400)
    y = np.sin(3 * x) + 0.3 * x ** 2
    errors = []
    for D in (2, 4, 8, 16, 32):
        theta, phi = nets.fit_shallow_lstsq(x, y, D)
        errors.append(np.max(np.abs(nets.shallow_net(x[None], theta, phi)[0] - y)))
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 5e-3


@pytest.mark.parametrize("fn,args", [
    (nets.num_params_shallow, (1.5, 3, 1)),
    (nets.num_params_deep, (1, 3, 1)),
    (nets.max_regions_shallow, ("3", 1)),
    (nets.max_regions_deep_1d, (3, -1)),
    (nets.montufar_lower_bound, (1, [])),
])
def test_counting_bad_input(fn, args):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args)
    assert "\n" not in str(info.value)


def test_integers_given_as_numpy_ints():
    for D, K in product([np.int64(3)], [np.int32(2)]):
        assert nets.max_regions_deep_1d(D, K) == 16


# -- the chapter's exercise and figures -----------------------------------------------------------
def test_exercise_reference_is_the_notes_shallow_net(rng):
    """The solution students see (NumPy only) computes the notes' three steps."""
    from dlcore.exercises.ch01 import shallow_1d

    for _ in range(5):
        x, theta, phi = rng.normal(size=9) * 2, rng.normal(size=(3, 2)), rng.normal(size=(1, 4))
        want = phi[0, 0] + sum(phi[0, d + 1] * np.maximum(theta[d, 0] + theta[d, 1] * x, 0)
                               for d in range(3))
        assert_close(shallow_1d(x, theta, phi), want)
        assert_close(shallow_1d(x, theta, phi), nets.shallow_net(x[None, :], theta, phi)[0])


def test_folding_network_2_stays_on_its_axes_and_keeps_its_joints():
    from dlcore.widgets.nets import FOLD_YLIM, X_FOLD, Y_FOLD, compute_folding, fold_net2

    theta2, phi2 = fold_net2(0.25, 0.5, 0.75)  # the figure's start: slopes +-4, no offset
    assert_close(theta2, np.array([[-0.25, 1.0], [-0.5, 1.0], [-0.75, 1.0]]))
    assert_close(phi2, np.array([[0.0, 4.0, -8.0, 8.0]]))
    ts = np.round(np.arange(-0.1, 1.1001, 0.1), 10)
    for t in product(ts, ts, ts):
        d = compute_folding(*t)
        # y' of every y on the panel lies in [0, 1.4], inside the fixed y'-axes
        assert d["y2_of_y"].min() >= -1e-12 and d["y2_of_y"].max() <= 1.4 + 1e-12
        assert FOLD_YLIM[0] < 0 and FOLD_YLIM[1] > 1.4
        # network 2's joints are where the sliders put them
        theta2, _ = fold_net2(*t)
        assert_close(-theta2[:, 0] / theta2[:, 1], np.array(t))
        # each distinct joint inside the y that network 1 outputs adds one region per fold
        inside = {v for v in t if X_FOLD[0] < v < X_FOLD[-1]}
        assert d["n"] == 3 * (len(inside) + 1), t
    assert Y_FOLD[0] == -0.1 and Y_FOLD[-1] == 1.1


def test_shallow_steps_names_dead_units_and_off_scale_curves():
    from dlcore.widgets.nets import SHALLOW_DEFAULTS, STEPS_YLIM, compute_shallow_steps, off_scale

    assert compute_shallow_steps(**SHALLOW_DEFAULTS)["dead"] == []
    # theta_10 = -3 puts unit 1's joint at x = 3, right of the plot, with h_1 active beyond it
    assert compute_shallow_steps(**{**SHALLOW_DEFAULTS, "theta_10": -3.0})["dead"] == [1]
    both = {**SHALLOW_DEFAULTS, "theta_10": -3.0, "theta_30": -3.0}  # z_3 = -3 - x < 0 on [-2, 2]
    assert compute_shallow_steps(**both)["dead"] == [1, 3]
    assert off_scale(np.array([-1.0, 4.9]), STEPS_YLIM) == ("", "")
    assert off_scale(np.array([-6.4, 7.2]), STEPS_YLIM) == ("▲ 7.2", "▼ -6.4")


def test_hidden_units_figure_shows_d_plus_one_regions_on_its_axes():
    from dlcore.widgets.nets import X_1D, compute_hidden_units

    for D in range(1, 21):
        for seed in range(21):
            d = compute_hidden_units(D, seed)
            assert d["n"] == D + 1 and np.abs(d["y"]).max() <= 5.5 + 1e-9
            assert np.all((d["joints"] > X_1D[0]) & (d["joints"] < X_1D[-1]))


# -- the shared building blocks, the contracts and the new helpers ----------------------------
def test_relu_is_the_layers_relu():
    from dlcore import layers

    assert nets.relu is layers.relu


@pytest.mark.parametrize("widths", [[1, 3, 1], [2, 4, 4, 3], [1, 1]])
@pytest.mark.parametrize("scale", [None, 0.7])
def test_random_net_draws_omega_then_beta_per_layer(widths, scale):
    """The draw order of the original random_net, written out: bit-identical parameters."""
    rng = np.random.default_rng(5)
    want_b, want_o = [], []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        s = np.sqrt(2.0 / d_in) if scale is None else scale
        want_o.append(rng.normal(0.0, s, size=(d_out, d_in)))
        want_b.append(rng.normal(0.0, s, size=d_out))
    betas, omegas = nets.random_net(widths, np.random.default_rng(5), scale=scale)
    assert all(np.array_equal(a, b) for a, b in zip(betas + omegas, want_b + want_o))


def test_one_point_given_1d_comes_back_1d(rng):
    theta, phi = rng.normal(size=(4, 3)), rng.normal(size=(2, 5))
    x = rng.normal(size=2)
    z, h, y = nets.shallow_parts(x, theta, phi)
    assert z.shape == h.shape == (4,) and y.shape == (2,)
    betas, omegas = nets.random_net([2, 3, 3, 2], rng)
    assert nets.deep_net(x, betas, omegas).shape == (2,)
    assert_close(nets.deep_net(x, betas, omegas), torch_deep(x[:, None], betas, omegas)[:, 0])
    assert nets.activation_patterns(x, betas, omegas).shape == (6,)


def test_shallow_as_deep_and_flat_phi(rng):
    x, theta, phi = rng.normal(size=(2, 7)), rng.normal(size=(4, 3)), rng.normal(size=(1, 5))
    betas, omegas = nets.shallow_as_deep(theta, phi)
    assert_close(torch_deep(x, betas, omegas), nets.shallow_net(x, theta, phi))
    assert_close(nets.shallow_net(x, theta, phi[0]), nets.shallow_net(x, theta, phi))


def test_compose_shallow_is_network_2_after_network_1(rng):
    theta, phi = rng.normal(size=(3, 2)), rng.normal(size=(1, 4))
    theta2, phi2 = rng.normal(size=(5, 2)), rng.normal(size=(2, 6))
    x = np.linspace(-2, 2, 41)[None, :]
    betas, omegas = nets.compose_shallow(theta, phi, theta2, phi2)
    assert [o.shape for o in omegas] == [(3, 1), (5, 3), (2, 5)]
    want = nets.shallow_net(nets.shallow_net(x, theta, phi), theta2, phi2)
    assert_close(torch_deep(x, betas, omegas), want)


def test_shallow_joint_lines_are_where_the_units_switch(rng):
    theta = rng.normal(size=(6, 3))
    theta[0, 1], theta[1, 2] = 0.0, 0.0  # a horizontal and a vertical line
    lines = nets.shallow_joint_lines(theta, -3.0, 3.0)  # (D, 2, 2)
    assert lines.shape == (6, 2, 2)
    for (b, w1, w2), (xs, ys) in zip(theta, lines):
        assert_close(b + w1 * xs + w2 * ys, np.zeros(2), atol=1e-12)  # z_d = 0 at both ends
        ends = xs if abs(w2) > abs(w1) else ys  # the coordinate set to the square's sides
        assert_close(ends, [-3.0, 3.0])


def test_fit_shallow_lstsq_solves_the_normal_equations(rng):
    """phi minimises sum (y - phi H)^2 for the evenly spaced ReLU features, written out here."""
    x = np.sort(rng.uniform(-1, 1, 60))
    y = np.sin(3 * x) + 0.1 * rng.normal(size=60)
    D = 7
    theta, phi = nets.fit_shallow_lstsq(x, y, D, -1.0, 1.0)
    joints = -1.0 + 2.0 * np.arange(D) / D
    assert_close(theta, np.stack([-joints, np.ones(D)], axis=1))
    H = np.vstack([np.ones(60), np.maximum(x[None, :] - joints[:, None], 0)])  # (1 + D, I)
    want = torch.linalg.lstsq(torch.as_tensor(H.T), torch.as_tensor(y[:, None])).solution
    assert_close(phi[0], to_numpy(want)[:, 0], rtol=1e-8)
    assert_close(H @ (y - phi[0] @ H), np.zeros(1 + D), atol=1e-9)  # the normal equations


@pytest.mark.parametrize("call,match", [
    (lambda: nets.shallow_joints(np.ones((3, 3))), r"theta has shape \(3, 3\); expected \(3, 2\)"),
    (lambda: nets.random_net([2, 3], np.random.default_rng(0), scale=-1.0), "scale must be >= 0"),
    (lambda: nets.random_net([2, 3], 0), "rng must be np.random.default_rng"),
    (lambda: nets.random_net([2, 0], np.random.default_rng(0)), r"widths\[1\] must be >= 1"),
    (lambda: nets.num_params_deep(1, [2, 0], 1), r"widths\[1\] must be >= 1"),
    (lambda: nets.fit_shallow_lstsq(np.ones(4), np.ones(5), 3), r"y has shape \(5,\); expected \(4,\)"),
    (lambda: nets.deep_net(np.ones((2, 3)), [np.zeros(3)], [np.ones((3, 2))], activation=3),
     "activation must be a function"),
    (lambda: nets.compose_shallow(np.ones((3, 2)), np.ones((2, 4)), np.ones((2, 2)), np.ones((1, 3))),
     r"phi has shape \(2, 4\); expected \(1, 4\)"),
])
def test_contracts_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# -- other activations, zero crossings, the grid-searched fit -------------------------------------
def test_heaviside_and_linear_match_torch(rng):
    z = rng.normal(size=(3, 8)) * 2
    z[0, 0] = 0.0  # the step's value at 0 is 0, as the ReLU's slope there
    want = torch.heaviside(torch.as_tensor(z), torch.tensor(0.0))
    assert_close(nets.heaviside(z), to_numpy(want))
    assert_close(nets.linear(z), z)
    before = z.copy()
    nets.linear(z)[:] = 7.0  # a copy: writing into the result leaves z alone
    assert_close(z, before)


@pytest.mark.parametrize("D", [1, 3, 8])
def test_linear_activation_collapses_to_a_line(rng, D):
    """y = (phi_0 + sum phi_d theta_d0) + (sum phi_d theta_d1) x, whatever D."""
    theta, phi = rng.normal(size=(D, 2)), rng.normal(size=(1, D + 1))
    x = np.linspace(-3, 3, 61)
    y = nets.shallow_net(x[None, :], theta, phi, activation=nets.linear)[0]
    offset, slope = phi[0, 0] + phi[0, 1:] @ theta[:, 0], phi[0, 1:] @ theta[:, 1]
    assert_close(y, offset + slope * x)


def test_heaviside_net_is_a_staircase_with_jumps_phi_d(rng):
    theta = np.array([[1.0, 1.0], [-0.5, 1.0], [1.2, -1.0]])  # joints -1, 0.5, 1.2
    phi = np.array([[0.3, 2.0, -1.0, 0.5]])
    x = np.array([-1.5, -0.5, 1.0, 1.5])
    y = nets.shallow_net(x[None, :], theta, phi, activation=nets.heaviside)[0]
    # left of -1 only unit 3 (facing left) is on; each joint switches one unit
    assert_close(y, [0.3 + 0.5, 0.3 + 2.0 + 0.5, 0.3 + 2.0 - 1.0 + 0.5, 0.3 + 2.0 - 1.0])


def test_zero_crossings_of_straight_lines_are_exact():
    """Linear interpolation between samples is exact on a line: a + b x = 0 at x = -a / b."""
    x = np.linspace(-2, 2, 41)
    a, b = np.array([0.37, -1.1, 0.5, 3.0]), np.array([1.0, 0.8, -2.0, 1.0])  # row 3: at -3
    rows, xs = nets.zero_crossings(x, a[:, None] + b[:, None] * x[None, :])
    assert rows.tolist() == [0, 1, 2]
    assert_close(xs, -a[:3] / b[:3])


def test_zero_crossings_of_a_zigzag():
    x = np.linspace(0, 1, 1001)
    f = np.abs(x - 0.5) - 0.2  # crosses zero at 0.3 and 0.7
    rows, xs = nets.zero_crossings(x, f)  # one row given 1-D
    assert rows.tolist() == [0, 0]
    assert_close(xs, [0.3, 0.7])
    rows, xs = nets.zero_crossings(x, np.ones((2, 1001)))
    assert rows.size == xs.size == 0


def test_zero_crossings_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"f has shape \(2, 5\); expected \(2, 4\)"):
        nets.zero_crossings(np.arange(4.0), np.ones((2, 5)))


def _brute_force_fit(x, y, candidates, D):
    """Every net the grid allows, fitted one at a time with torch's least squares."""
    from itertools import combinations, product

    best = np.inf
    for joints in combinations(candidates, D):
        for signs in product([1.0, -1.0], repeat=D):
            s, t = np.array(signs), np.array(joints)
            H = np.vstack([np.ones_like(x), np.maximum(s[:, None] * (x[None, :] - t[:, None]), 0)])
            sol = torch.linalg.lstsq(torch.as_tensor(H.T), torch.as_tensor(y[:, None]),
                                     driver="gelsd").solution
            best = min(best, float(np.sum((y - H.T @ to_numpy(sol)[:, 0]) ** 2)))
    return best


@pytest.mark.parametrize("D", [1, 2, 3])
def test_fit_shallow_grid_is_the_best_net_on_the_grid(rng, D):
    x = np.sort(rng.uniform(-1, 1, 15))
    y = np.sin(3 * x) + 0.1 * rng.normal(size=15)
    candidates = np.array([-1.5, -0.6, -0.2, 0.1, 0.45, 0.8, 1.5])
    theta, phi, loss = nets.fit_shallow_grid(x, y, candidates, D)
    assert theta.shape == (D, 2) and phi.shape == (1, D + 1)
    assert_close(np.abs(theta[:, 1]), np.ones(D))  # slopes +-1: sizes moved into phi
    assert set(np.round(nets.shallow_joints(theta), 12)) <= set(candidates)
    assert_close(loss, np.sum((nets.shallow_net(x[None, :], theta, phi)[0] - y) ** 2))
    assert_close(loss, _brute_force_fit(x, y, candidates, D), rtol=1e-8)


def test_fit_shallow_grid_recovers_a_net_on_the_grid():
    x = np.linspace(-2, 2, 30)
    theta = np.array([[0.5, 1.0], [-0.4, -1.0], [-1.0, 1.0]])  # joints -0.5, -0.4, 1.0
    phi = np.array([[0.2, 1.5, -2.0, -1.0]])
    y = nets.shallow_net(x[None, :], theta, phi)[0]
    _, _, loss = nets.fit_shallow_grid(x, y, np.round(np.arange(-2, 2.01, 0.1), 10), 3)
    assert loss < 1e-16


# -- the new figures: what the notebook says about them ---------------------------------------
def test_activations_figure_counts(rng):
    from dlcore.widgets.nets import compute_activations

    for D in (1, 4, 8):
        for seed in (0, 7, 20):
            for steep in (0.3, 2.0, 10.0):
                d = compute_activations(D, seed, steep)
                assert d["linear straight"] and d["relu pieces"] == d["heaviside levels"] == D + 1
                assert np.abs(d["ReLU"]).max() == pytest.approx(1.0)  # scaled to fill its panel


def test_fit_by_hand_reference_and_loss():
    from dlcore import losses
    from dlcore.widgets.nets import (
        FIT_X,
        FIT_Y,
        SHALLOW_DEFAULTS,
        best_fit,
        compute_fit_by_hand,
        shallow_params,
    )

    theta, phi, loss = best_fit()
    assert np.all(np.abs(theta) <= 3) and np.all(np.abs(phi) <= 3)  # reachable by the sliders
    f = nets.shallow_net(FIT_X[None, :], theta, phi)[0]
    assert_close(loss, np.sum((f - FIT_Y) ** 2))
    d = compute_fit_by_hand(**SHALLOW_DEFAULTS)
    t0, p0 = shallow_params(**SHALLOW_DEFAULTS)
    want = np.sum((nets.shallow_net(FIT_X[None, :], t0, p0)[0] - FIT_Y) ** 2)
    assert_close(d["loss"], want)
    assert d["loss"] == losses.least_squares(FIT_Y, d["f_data"])
    assert loss < d["loss"] / 100 and d["dead"] == []
    assert compute_fit_by_hand(**{**SHALLOW_DEFAULTS, "theta_10": -3.0})["dead"] == [1]


def test_second_layer_is_a_shallow_net_and_clips_at_twelfths():
    from dlcore import layers
    from dlcore.widgets.nets import (
        FOLD_THETA,
        PSI_DEFAULTS,
        SECOND_PHI,
        X_FOLD,
        compute_second_layer,
        psi_matrix,
    )

    d = compute_second_layer(**PSI_DEFAULTS)
    psi = psi_matrix(**PSI_DEFAULTS)
    betas = [FOLD_THETA[:, 0], psi[:, 0], SECOND_PHI[:, 0]]
    omegas = [FOLD_THETA[:, 1:], psi[:, 1:], SECOND_PHI[:, 1:]]
    fs, _ = layers.forward(X_FOLD[None, :], betas, omegas)
    assert_close(d["f"], fs[1])
    h1 = torch.relu(torch.as_tensor(FOLD_THETA[:, :1] + FOLD_THETA[:, 1:] @ X_FOLD[None, :]))
    want = torch.as_tensor(psi[:, :1]) + torch.as_tensor(psi[:, 1:]) @ h1
    assert_close(d["f"], to_numpy(want))
    # y = 3x, 2 - 3x, 3x - 2 meets t = 1/4, 1/2, 3/4 at t/3, (2 - t)/3, (2 + t)/3: k/12
    assert_close(np.sort(d["new_x"]), np.array([1, 2, 3, 5, 6, 7, 9, 10, 11]) / 12)
    assert d["n"] == 12
    draws = np.random.default_rng(0)
    for _ in range(200):
        v = {k: draws.uniform(-2, 2) if k.endswith("0") else draws.uniform(-8, 8)
             for k in PSI_DEFAULTS}
        d = compute_second_layer(**v)
        assert d["n"] <= 12 and d["new_x"].size <= 9


@pytest.mark.parametrize("t", [(0.25, 0.5, 0.75), (0.1, 0.3, 0.9), (0.2, 0.6, 1.05)])
def test_deep_2d_counts_agree_with_a_finer_grid_and_the_folding_argument(t):
    from dlcore.widgets.nets import NET1_2D, compute_deep_2d, fold_net2, net1_2d

    g = np.linspace(-3, 3, 361)
    x = np.stack([a.ravel() for a in np.meshgrid(g, g)])
    for net1 in NET1_2D:
        theta, phi = net1_2d(net1)
        betas, omegas = nets.compose_shallow(theta, phi, *fold_net2(*t))
        assert_close(nets.deep_net(x, betas, omegas),
                     nets.shallow_net(nets.shallow_net(x, theta, phi), *fold_net2(*t)))
        ids1 = nets.region_ids(x, *nets.shallow_as_deep(theta, phi))
        y = nets.shallow_net(x, theta, phi)[0]
        predicted = sum(1 + sum(y[ids1 == r].min() < tk < y[ids1 == r].max() for tk in t)
                        for r in range(ids1.max() + 1))
        assert compute_deep_2d(net1, *t)["n"] == nets.count_regions(x, betas, omegas) == predicted


def test_plane_steps_are_planes_clipped_and_summed():
    from dlcore.widgets.nets import X_STEPS, compute_plane_steps, random_shallow_2d

    for seed in (0, 9, 20):
        d = compute_plane_steps(seed, 1.5, -0.7, 0.25)
        theta, _ = random_shallow_2d(3, seed)
        want_z = theta[:, :1] + theta[:, 1:] @ X_STEPS
        assert_close(d["z"].reshape(3, -1), want_z)
        assert_close(d["h"], to_numpy(torch.relu(torch.as_tensor(d["z"]))))
        assert_close(d["weighted"].sum(axis=0), d["y"])


# -- the exercises' solutions (NumPy written by hand) against dlcore --------------------------------
def test_new_exercise_solutions_agree_with_dlcore(rng):
    from dlcore.exercises import ch01

    for D in (1, 4, 7):
        theta = rng.normal(size=(D, 2))
        assert_close(ch01.joints_solution(theta), nets.shallow_joints(theta))
        x = np.linspace(-3, 3, 601)
        want = nets.count_regions(x[None, :], [theta[:, 0], np.zeros(1)],
                                  [theta[:, 1:], np.ones((1, D))])
        assert ch01.regions_solution(x, theta) == want
        phi, theta2 = rng.normal(size=(1, D + 1)), rng.normal(size=(3, 2))
        betas, omegas = nets.compose_shallow(theta, phi, theta2, rng.normal(size=(1, 4)))
        psi_0, Psi = ch01.compose_solution(theta, phi, theta2)
        assert_close(psi_0, betas[1])
        assert_close(Psi, omegas[1])
    for widths in ([2, 5, 1], [3, 4, 4, 2], [1, 3, 3, 3, 1]):
        betas, omegas = nets.random_net(widths, rng)
        x = rng.normal(size=(widths[0], 6))
        assert_close(ch01.deep_solution(x, betas, omegas), torch_deep(x, betas, omegas))
