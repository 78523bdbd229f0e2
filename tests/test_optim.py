"""dlcore.optim against torch.optim, torch autograd and closed forms."""

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import optim

torch.set_default_dtype(torch.float64)


def _torch_quadratic(D, rng):
    """A random convex quadratic L = 1/2 (p - c)^T A (p - c) + sum sin(p) (non-quadratic term)."""
    B = rng.normal(size=(D, D))
    A = torch.tensor(B @ B.T + D * np.eye(D))
    c = torch.tensor(rng.normal(size=D))

    def loss_t(p):
        d = p - c
        return 0.5 * d @ A @ d + torch.sin(p).sum()

    def grad_np(theta):
        p = torch.tensor(np.asarray(theta, float), requires_grad=True)
        (g,) = torch.autograd.grad(loss_t(p), p)
        return to_numpy(g)

    return loss_t, grad_np


@pytest.mark.parametrize("D", [1, 2, 5])
def test_gd_step_matches_torch_sgd(D):
    rng = np.random.default_rng(D)
    loss_t, grad_np = _torch_quadratic(D, rng)
    theta0 = rng.normal(size=D)
    p = torch.tensor(theta0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.05)
    theta = theta0
    for _ in range(6):
        opt.zero_grad()
        loss_t(p).backward()
        opt.step()
        theta = optim.gd_step(theta, grad_np(theta), 0.05)
        assert_close(theta, to_numpy(p), what="gd theta")


@pytest.mark.parametrize("D,alpha,beta", [(2, 0.1, 0.9), (3, 0.02, 0.5), (5, 0.3, 0.3)])
def test_momentum_matches_torch_sgd_with_dampening(D, alpha, beta):
    """torch SGD(momentum=beta, dampening=beta) from a zero buffer is the notes' damped form."""
    rng = np.random.default_rng(10 + D)
    loss_t, grad_np = _torch_quadratic(D, rng)
    theta0 = rng.normal(size=D)
    p = torch.tensor(theta0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=alpha, momentum=beta, dampening=beta)
    opt.state[p]["momentum_buffer"] = torch.zeros_like(p)  # m_0 = 0 (torch would start at g)
    theta, m = theta0, np.zeros(D)
    for step in range(8):
        opt.zero_grad()
        loss_t(p).backward()
        opt.step()
        theta, m = optim.momentum_step(theta, m, grad_np(theta), alpha, beta)
        assert_close(theta, to_numpy(p), what=f"momentum theta at step {step}")
        assert_close(m, to_numpy(opt.state[p]["momentum_buffer"]), what="momentum buffer")


@pytest.mark.parametrize("D,alpha,beta,gamma,eps", [
    (2, 1e-3, 0.9, 0.999, 1e-8), (4, 0.05, 0.8, 0.99, 1e-6), (3, 0.5, 0.0, 0.5, 0.1)])
def test_adam_matches_torch_adam(D, alpha, beta, gamma, eps):
    rng = np.random.default_rng(20 + D)
    loss_t, grad_np = _torch_quadratic(D, rng)
    theta0 = rng.normal(size=D)
    p = torch.tensor(theta0, requires_grad=True)
    opt = torch.optim.Adam([p], lr=alpha, betas=(beta, gamma), eps=eps)
    theta, m, v = theta0, np.zeros(D), np.zeros(D)
    for t in range(10):
        opt.zero_grad()
        loss_t(p).backward()
        opt.step()
        theta, m, v = optim.adam_step(theta, m, v, grad_np(theta), t, alpha, beta, gamma, eps)
        assert_close(theta, to_numpy(p), what=f"adam theta at step {t}")
        assert_close(m, to_numpy(opt.state[p]["exp_avg"]), what="adam m")
        assert_close(v, to_numpy(opt.state[p]["exp_avg_sq"]), what="adam v")


def test_adam_first_step_has_size_alpha():
    """With bias correction the first step is alpha sign(g) (eps -> 0); without, it is
    alpha (1 - beta) / sqrt(1 - gamma) times that."""
    g = np.array([3.0, -2e-3])
    theta, _, _ = optim.adam_step(np.zeros(2), np.zeros(2), np.zeros(2), g, 0, 0.01, eps=0)
    assert_close(theta, -0.01 * np.sign(g))
    theta, _, _ = optim.adam_step(np.zeros(2), np.zeros(2), np.zeros(2), g, 0, 0.01, eps=0,
                                  bias_correction=False)
    assert_close(theta, -0.01 * 0.1 / np.sqrt(0.001) * np.sign(g))


@pytest.mark.parametrize("D,alpha,beta", [(2, 0.1, 0.9), (4, 0.05, 0.6)])
def test_nesterov_is_the_notes_equation(D, alpha, beta):
    """m_{t+1} = beta m_t + (1-beta) dL/dtheta[theta_t - alpha beta m_t]; theta -= alpha m."""
    rng = np.random.default_rng(30 + D)
    loss_t, grad_np = _torch_quadratic(D, rng)
    theta = torch.tensor(rng.normal(size=D))
    m = torch.zeros(D)
    th_np, m_np = to_numpy(theta), np.zeros(D)
    for step in range(8):
        look = (theta - alpha * beta * m).requires_grad_(True)
        (g,) = torch.autograd.grad(loss_t(look), look)
        m = beta * m + (1 - beta) * g
        theta = theta - alpha * m
        th_np, m_np = optim.nesterov_step(th_np, m_np, grad_np, alpha, beta)
        assert_close(th_np, to_numpy(theta), what=f"nesterov theta at step {step}")
        assert_close(m_np, to_numpy(m), what="nesterov m")


def test_nesterov_differs_from_momentum():
    A = np.array([[10.0, 0.0], [0.0, 1.0]])
    g = lambda th: optim.quadratic_grad(th, A)  # noqa: E731
    th, m = np.array([1.0, 1.0]), np.array([0.5, -0.5])
    a = optim.nesterov_step(th, m, g, 0.1, 0.9)[0]
    b = optim.momentum_step(th, m, g(th), 0.1, 0.9)[0]
    assert np.abs(a - b).max() > 1e-3


@pytest.mark.parametrize("I,B", [(10, 3), (12, 4), (7, 7), (5, 9), (1, 1)])
def test_minibatches_cover_every_index_once(I, B):
    batches = optim.minibatches(I, B, np.random.default_rng(0))
    allidx = np.concatenate(batches)
    assert sorted(allidx.tolist()) == list(range(I))
    assert len(batches) == -(-I // B)
    assert all(len(b) == B for b in batches[:-1]) and 1 <= len(batches[-1]) <= B


def test_minibatches_are_shuffled_and_seeded():
    a = optim.minibatches(50, 10, np.random.default_rng(1))
    b = optim.minibatches(50, 10, np.random.default_rng(1))
    c = optim.minibatches(50, 10, np.random.default_rng(2))
    assert all((x == y).all() for x, y in zip(a, b, strict=True))
    assert not all((x == y).all() for x, y in zip(a, c, strict=True))
    assert not (np.concatenate(a) == np.arange(50)).all()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_line_search_finds_the_exact_step_on_a_quadratic(seed):
    """On L = 1/2 theta^T A theta the best step along d is s* = -g.d / d^T A d."""
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(3, 3))
    A = B @ B.T + np.eye(3)
    theta = rng.normal(size=3)
    g = A @ theta
    d = -g
    s_star = (g @ g) / (d @ A @ d)
    s = optim.line_search(lambda th: 0.5 * th @ A @ th, theta, d, max_step=2 * s_star + 0.3,
                          tol=1e-9)
    assert abs(s - s_star) < 1e-7


def test_line_search_returns_the_evaluations_and_stops_at_max_step():
    s, evals = optim.line_search(lambda th: -th[0], np.zeros(1), np.ones(1), max_step=0.5,
                                 tol=1e-4, return_evals=True)
    assert abs(s - 0.5) < 1e-4  # the loss keeps falling: the search stops at the bracket's end
    assert evals.shape[1] == 2 and len(evals) > 10
    assert_close(evals[:, 1], -evals[:, 0])


def test_line_search_survives_overflow():
    s = optim.line_search(lambda th: np.exp(th[0] ** 4) - th[0], np.zeros(1), np.ones(1),
                          max_step=1e6, tol=1e-8)
    assert 0 < s < 1


@pytest.mark.parametrize("I,B,alpha", [(10, 3, 0.05), (12, 4, 0.02), (7, 7, 0.03), (5, 9, 0.01)])
def test_sgd_epoch_matches_torch_sgd_over_the_batches(I, B, alpha):
    """One epoch = torch.optim.SGD stepping once per batch on the batch's summed loss."""
    rng = np.random.default_rng(40 + I)
    x, y = rng.normal(size=I), rng.normal(size=I)
    order = rng.permutation(I)
    theta0 = rng.normal(size=2)
    p = torch.tensor(theta0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=alpha)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for start in range(0, I, B):
        idx = torch.tensor(order[start:start + B])
        opt.zero_grad()
        ((p[0] + p[1] * xt[idx] - yt[idx]) ** 2).sum().backward()
        opt.step()
    got = optim.sgd_epoch(theta0, lambda th, idx: optim.linreg_grad(th, x[idx], y[idx]), order,
                          B, alpha)
    assert_close(got, to_numpy(p), what="theta after one epoch")


def test_sgd_epoch_edge_cases_and_bad_order():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=6), rng.normal(size=6)
    gfn = lambda th, idx: optim.linreg_grad(th, x[idx], y[idx])  # noqa: E731
    theta = np.array([0.3, -0.2])
    # one batch holding every point: one full-batch gradient step (closed form)
    full = optim.sgd_epoch(theta, gfn, rng.permutation(6), 6, 0.01)
    assert_close(full, theta - 0.01 * optim.linreg_grad(theta, x, y))
    # the theta given is not changed in place
    before = theta.copy()
    optim.sgd_epoch(theta, gfn, np.arange(6), 2, 0.01)
    assert (theta == before).all()
    for bad in ([0, 1, 1, 2], [0.0, 1.0, 2.0], [[0, 1], [2, 3]], [-1, 0, 1], []):
        with pytest.raises((ValueError, TypeError), match="order"):
            optim.sgd_epoch(theta, gfn, np.array(bad), 2, 0.01)


@pytest.mark.parametrize("s_star", [-0.5, 0.05, 0.3, 0.5, 0.61, 0.9, 1.4])
def test_bracket_shrink_keeps_the_minimum_and_shrinks_by_the_golden_ratio(s_star):
    """On L(s) = (s - s*)^2 over [0, 1]: b = 1 - r, c = r, and L(b) <= L(c) exactly when s* is
    left of their midpoint 1/2; the new bracket is r long and still holds s* when [0, 1] does."""
    r = (5**0.5 - 1) / 2
    a, d = optim.bracket_shrink(lambda s: (s - s_star) ** 2, 0.0, 1.0)
    assert abs((d - a) - r) < 1e-12
    assert (a, d) == ((0.0, r) if s_star <= 0.5 else (1 - r, 1.0))
    if 0 <= s_star <= 1:
        assert a <= s_star <= d


def test_bracket_shrink_is_the_first_round_of_line_search():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    theta = np.array([1.0, -2.0])
    direction = -A @ theta
    loss = lambda th: 0.5 * th @ A @ th  # noqa: E731
    _, evals = optim.line_search(loss, theta, direction, max_step=1.0, tol=1e-3,
                                 return_evals=True)
    a, d = optim.bracket_shrink(lambda s: loss(theta + s * direction), 0.0, 1.0)
    b, c = evals[0, 0], evals[1, 0]  # the first two points line_search evaluates
    assert {a, d} & {b, c} and (d - a) == pytest.approx(0.618034, abs=1e-6)
    assert (a, d) == ((0.0, c) if evals[0, 1] <= evals[1, 1] else (b, 1.0))


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("D,alpha,beta", [(2, 0.1, 0.8), (3, 0.05, 0.0), (4, 0.2, 0.95)])
def test_step_parts_add_up_to_the_step(D, alpha, beta, nesterov):
    """push = -alpha beta m and correction = -alpha (1 - beta) g, with g from autograd at
    theta (heavy ball) or at theta - alpha beta m (Nesterov); they sum to the checked steps."""
    rng = np.random.default_rng(50 + D)
    loss_t, grad_np = _torch_quadratic(D, rng)
    theta, m = rng.normal(size=D), rng.normal(size=D)
    push, corr, at = optim.step_parts(theta, m, grad_np, alpha, beta, nesterov=nesterov)
    where = torch.tensor(theta - alpha * beta * m if nesterov else theta, requires_grad=True)
    (g,) = torch.autograd.grad(loss_t(where), where)
    assert_close(at, to_numpy(where))
    assert_close(push, -alpha * beta * m)
    assert_close(corr, -alpha * (1 - beta) * to_numpy(g))
    step = (optim.nesterov_step(theta, m, grad_np, alpha, beta) if nesterov
            else optim.momentum_step(theta, m, grad_np(theta), alpha, beta))
    assert_close(theta + push + corr, step[0])


def test_lr_schedule():
    assert optim.lr_schedule(0.8, 0, 0.5) == 0.8
    assert optim.lr_schedule(0.8, 3, 0.5) == pytest.approx(0.1)
    assert optim.lr_schedule(0.8, 5, 0.5, every=2) == pytest.approx(0.2)


def test_gabor_loss_and_gradient_match_autograd():
    rng = np.random.default_rng(5)
    x, y = optim.gabor_data(25, rng)
    for theta in rng.normal(size=(4, 2)) * [4, 6] + [0, 12]:
        p = torch.tensor(theta, requires_grad=True)
        z = p[0] + 0.06 * p[1] * torch.tensor(x)
        loss = ((torch.sin(z) * torch.exp(-z**2 / 32) - torch.tensor(y)) ** 2).sum()
        (g,) = torch.autograd.grad(loss, p)
        assert_close(optim.gabor_loss(theta, x, y), loss.item(), what="gabor loss")
        assert_close(optim.gabor_grad(theta, x, y), to_numpy(g), what="gabor grad")


def test_linreg_and_quadratic_gradients_match_autograd():
    rng = np.random.default_rng(6)
    x, y = optim.linreg_data(15, rng)
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([0.5, -1.0])
    theta = rng.normal(size=2)
    p = torch.tensor(theta, requires_grad=True)
    loss = ((p[0] + p[1] * torch.tensor(x) - torch.tensor(y)) ** 2).sum()
    (g,) = torch.autograd.grad(loss, p)
    assert_close(optim.linreg_loss(theta, x, y), loss.item())
    assert_close(optim.linreg_grad(theta, x, y), to_numpy(g))
    p = torch.tensor(theta, requires_grad=True)
    d = p - torch.tensor(c)
    loss = 0.5 * d @ torch.tensor(A) @ d
    (g,) = torch.autograd.grad(loss, p)
    assert_close(optim.quadratic_loss(theta, A, c), loss.item())
    assert_close(optim.quadratic_grad(theta, A, c), to_numpy(g))


def test_losses_evaluate_on_grids():
    rng = np.random.default_rng(7)
    x, y = optim.linreg_data(9, rng)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3)))  # (2, 3, 4)
    for fn, args in ((optim.linreg_loss, (x, y)), (optim.gabor_loss, (x, y)),
                     (optim.quadratic_loss, (np.eye(2),))):
        out = fn(grid, *args)
        assert out.shape == (3, 4)
        assert_close(out[2, 1], fn(grid[:, 2, 1], *args))


def test_numerical_hessian_and_critical_points():
    A = np.array([[4.0, 1.0], [1.0, -2.0]])  # a saddle at c
    c = np.array([1.0, 2.0])
    g = lambda th: optim.quadratic_grad(th, A, c)  # noqa: E731
    assert_close(optim.numerical_hessian(g, np.zeros(2)), A, rtol=1e-6, atol=1e-6)
    theta, eig = optim.critical_point(g, np.array([5.0, -3.0]))
    assert_close(theta, c, atol=1e-8)
    assert eig[0] < 0 < eig[1]


def test_runs_converge_and_report_divergence():
    A = np.diag([2.0, 0.5])
    g = lambda th: optim.quadratic_grad(th, A)  # noqa: E731
    th0 = np.array([1.0, 1.0])
    for path in (optim.run_gd(g, th0, 0.5, 200), optim.run_momentum(g, th0, 0.5, 0.9, 300),
                 optim.run_momentum(g, th0, 0.5, 0.9, 300, nesterov=True),
                 optim.run_adam(g, th0, 500, alpha=0.01)):
        assert np.abs(path[-1]).max() < 1e-2 and not optim.diverged(path)
    # GD on a quadratic diverges exactly when alpha > 2 / lambda_max = 1
    assert not optim.diverged(optim.run_gd(g, th0, 0.99, 3000))
    bad = optim.run_gd(g, th0, 1.2, 3000)
    assert optim.diverged(bad) and np.isfinite(bad[0]).all()


def test_run_sgd_shape_and_full_batch_is_gd():
    rng = np.random.default_rng(8)
    x, y = optim.linreg_data(10, rng)
    gfn = lambda th, idx: optim.linreg_grad(th, x[idx], y[idx])  # noqa: E731
    path = optim.run_sgd(gfn, np.zeros(2), 10, 3, 0.01, 5, np.random.default_rng(0))
    assert path.shape == (5 * 4 + 1, 2) and np.isfinite(path).all()
    full = optim.run_sgd(gfn, np.zeros(2), 10, 10, 0.01, 5, np.random.default_rng(0))
    gd = optim.run_gd(lambda th: optim.linreg_grad(th, x, y), np.zeros(2), 0.01, 5)
    assert_close(full, gd)


@pytest.mark.parametrize("call,name", [
    (lambda: optim.gd_step([1.0, 2.0], [1.0], 0.1), "grad"),
    (lambda: optim.gd_step([1.0, 2.0], [1.0, 1.0], -0.1), "alpha"),
    (lambda: optim.momentum_step([1.0], [0.0], [1.0], 0.1, 1.0), "beta"),
    (lambda: optim.momentum_step([1.0], [0.0, 0.0], [1.0], 0.1, 0.5), "m"),
    (lambda: optim.adam_step([1.0], [0.0], [0.0], [1.0], -1), "t"),
    (lambda: optim.adam_step([1.0], [0.0], [0.0], [1.0], 0, gamma=1.5), "gamma"),
    (lambda: optim.nesterov_step([1.0], [0.0], [1.0], 0.1, 0.5), "grad_fn"),
    (lambda: optim.minibatches(10, 0, np.random.default_rng(0)), "batch_size"),
    (lambda: optim.minibatches(10, 2, 0), "rng"),
    (lambda: optim.bracket_shrink(lambda s: s, [0.0, 1.0], 1.0), "a"),
    (lambda: optim.bracket_shrink(1.0, 0.0, 1.0), "loss_fn"),
    (lambda: optim.step_parts([1.0, 2.0], [0.0], lambda t: t, 0.1, 0.5), "m"),
    (lambda: optim.step_parts([1.0], [0.0], lambda t: t, 0.1, 1.0), "beta"),
    (lambda: optim.sgd_epoch([1.0], lambda t, i: t, np.arange(3), 0, 0.1), "batch_size"),
    (lambda: optim.line_search(lambda t: 0.0, [0.0, 0.0], [1.0], 1.0), "direction"),
    (lambda: optim.line_search(lambda t: 0.0, [0.0], [1.0], 0.0), "max_step"),
    (lambda: optim.gabor_loss([1.0, 2.0, 3.0], [0.0], [0.0]), "theta"),
    (lambda: optim.gd_step("abc", [1.0], 0.1), "theta"),
    (lambda: optim.critical_points(1.0, lambda t: t, ((0.0, 1.0), (0.0, 1.0))), "grad_fn"),
    (lambda: optim.critical_points(lambda t: t, lambda t: t, ((0.0, 1.0), (0.0, 1.0)), n=1), "n"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_exercise_solutions_are_dlcore():
    """The written-out solutions shown in the notebook agree with dlcore.optim."""
    from dlcore.exercises import ch03

    for probe in ch03.nesterov_by_hand.probes:
        assert_close(ch03.nesterov_solution(*probe), optim.nesterov_step(*probe))
    for probe in ch03.adam_by_hand.probes:
        assert_close(ch03.adam_solution(*probe), optim.adam_step(*probe))
    for probe in ch03.momentum_by_hand.probes:
        assert_close(ch03.momentum_solution(*probe), optim.momentum_step(*probe))
    for probe in ch03.sgd_epoch_by_hand.probes:
        assert_close(ch03.sgd_epoch_solution(*probe), optim.sgd_epoch(*probe))
    for loss_fn, theta, direction, a, d in ch03.bracket_by_hand.probes:
        assert_close(ch03.bracket_solution(loss_fn, theta, direction, a, d),
                     optim.bracket_shrink(lambda s, f=loss_fn, th=theta, u=direction: f(th + s * u),
                                          a, d))
    for alpha0, epochs, decay, every in ch03.schedule_by_hand.probes:
        assert_close(ch03.schedule_solution(alpha0, epochs, decay, every),
                     [optim.lr_schedule(alpha0, int(e), decay, every) for e in epochs])


def test_gabor_hessian_and_grid_gradient_match_autograd():
    rng = np.random.default_rng(9)
    x, y = optim.gabor_data(20, rng)
    thetas = rng.normal(size=(5, 2)) * [4, 6] + [0, 12]
    xt, yt = torch.tensor(x), torch.tensor(y)

    def loss_t(p):
        z = p[0] + 0.06 * p[1] * xt
        return ((torch.sin(z) * torch.exp(-z**2 / 32) - yt) ** 2).sum()

    for theta in thetas:
        H = torch.autograd.functional.hessian(loss_t, torch.tensor(theta))
        assert_close(optim.gabor_hessian(theta, x, y), to_numpy(H), what="gabor Hessian")
    grid = thetas.T  # (2, 5): the gradients and Hessians of a grid, column by column
    assert optim.gabor_grad(grid, x, y).shape == (2, 5)
    assert optim.gabor_hessian(grid, x, y).shape == (2, 2, 5)
    for j, theta in enumerate(thetas):
        assert_close(optim.gabor_grad(grid, x, y)[:, j], optim.gabor_grad(theta, x, y))
        assert_close(optim.gabor_hessian(grid, x, y)[..., j], optim.gabor_hessian(theta, x, y))


def test_critical_points_of_a_known_function():
    """L = sin(a) sin(b) has a critical point at every (k pi / 2, l pi / 2) with k + l even:
    minima and maxima where both are odd, saddles where both are even."""
    def grad(th):
        return np.stack([np.cos(th[0]) * np.sin(th[1]), np.sin(th[0]) * np.cos(th[1])])

    def hess(th):
        s, c = np.sin(th), np.cos(th)
        return np.stack([np.stack([-s[0] * s[1], c[0] * c[1]]), np.stack([c[0] * c[1], -s[0] * s[1]])])

    found = optim.critical_points(grad, hess, ((-4.0, 4.0), (-1.0, 6.0)), n=20)
    want = {(i * np.pi / 2, j * np.pi / 2) for i in range(-2, 3) for j in range(0, 4)
            if (i + j) % 2 == 0 and -1.0 < j * np.pi / 2 < 6.0}
    assert len(found["points"]) == len(want)
    for p, kind in zip(found["points"], found["kinds"], strict=True):
        i, j = np.round(p / (np.pi / 2)).astype(int)
        assert (i * np.pi / 2, j * np.pi / 2) in want
        assert_close(p, [i * np.pi / 2, j * np.pi / 2], atol=1e-9)
        expect = "saddle" if i % 2 == 0 else ("maximum" if np.sin(p[0]) * np.sin(p[1]) > 0 else "minimum")
        assert kind == expect


def _gabor_critical_points_independently(x, y, lims):
    """The critical points of the Gabor loss found without dlcore.optim: the gradient by torch
    autograd on a fine grid, every local minimum of |gradient| on it refined by
    scipy.optimize.root, duplicates merged, each classified by autograd's Hessian."""
    from scipy.optimize import root

    xt, yt = torch.tensor(x), torch.tensor(y)

    def loss_t(p):  # p (2, ...) -> (...)
        z = p[0][..., None] + 0.06 * p[1][..., None] * xt
        return ((torch.sin(z) * torch.exp(-z**2 / 32) - yt) ** 2).sum(-1)

    def grad(theta):
        p = torch.tensor(np.asarray(theta, float), requires_grad=True)
        (g,) = torch.autograd.grad(loss_t(p).sum(), p)
        return to_numpy(g)

    (lo0, hi0), (lo1, hi1) = lims
    n = 421  # spacing 0.05, over the box and 0.5 beyond it (a point near an edge has neighbours)
    t0, t1 = np.meshgrid(np.linspace(lo0 - 0.5, hi0 + 0.5, n), np.linspace(lo1 - 0.5, hi1 + 0.5, n))
    gnorm = np.sqrt((grad(np.stack([t0, t1])) ** 2).sum(axis=0))  # (n, n)
    inner = gnorm[1:-1, 1:-1]
    is_min = np.ones_like(inner, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= inner <= gnorm[1 + di:n - 1 + di, 1 + dj:n - 1 + dj]
    rows, cols = np.nonzero(is_min)
    found = []
    for r, c in zip(rows + 1, cols + 1):
        sol = root(grad, [t0[r, c], t1[r, c]], method="hybr", tol=1e-13)
        th = sol.x
        inside = lo0 < th[0] < hi0 and lo1 < th[1] < hi1
        if inside and np.linalg.norm(grad(th)) < 1e-8 and all(np.abs(th - q).max() > 1e-5 for q in found):
            found.append(th)
    kinds = []
    for th in found:
        eig = np.linalg.eigvalsh(to_numpy(torch.autograd.functional.hessian(loss_t, torch.tensor(th))))
        kinds.append("minimum" if eig[0] > 0 else "maximum" if eig[1] < 0 else "saddle")
    return np.array(found), kinds


def test_gabor_critical_points_agree_with_an_independent_search():
    """Chapter 03's landscape: every critical point in the box, counted by kind, and the local
    minimum near (-6.79, 4.24) that the run from (-7, 5) ends in (an older search missed it)."""
    from dlcore.widgets import optim as W

    x, y = W.gabor_problem()
    land = W.gabor_landscape()
    points, kinds = _gabor_critical_points_independently(x, y, W.GABOR_LIM)
    counts = {k: kinds.count(k) for k in ("minimum", "saddle", "maximum")}
    assert counts == {k: land["kinds"].count(k) for k in ("minimum", "saddle", "maximum")}
    assert counts["minimum"] >= 9
    assert len(land["points"]) == len(points)
    for p, kind in zip(points, kinds, strict=True):  # the same points, the same kinds
        i = np.argmin(np.abs(land["points"] - p).max(axis=1))
        assert_close(land["points"][i], p, atol=1e-7, what="critical point")
        assert land["kinds"][i] == kind
    target = np.array([-6.786, 4.242])
    i = np.argmin(np.linalg.norm(land["points"] - target, axis=1))
    assert np.linalg.norm(land["points"][i] - target) < 1e-3 and land["kinds"][i] == "minimum"
    assert_close(land["eigenvalues"][i], [0.465, 1.709], atol=1e-3)
    end = optim.run_gd(lambda th: optim.gabor_grad(th, x, y), np.array([-7.0, 5.0]), 0.1, 300)[-1]
    assert np.linalg.norm(end - land["points"][i]) < 1e-5


# -- the limits of stability, the Hessian of the line fit, the one loop ----------------------
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("lam", [0.3, 4.0, 100.0])
def test_max_stable_alpha_is_the_edge_of_divergence(lam, beta):
    """On L = lam/2 theta^2, GD (beta = 0) and damped momentum converge just below
    max_stable_alpha and diverge just above it."""
    limit = optim.max_stable_alpha(lam, beta)
    assert_close(limit, 2 * (1 + beta) / ((1 - beta) * lam))
    g = lambda th: lam * th  # noqa: E731
    for factor, blows_up in ((0.97, False), (1.03, True)):
        path = optim.run_momentum(g, np.array([1.0]), factor * limit, beta, 20000)
        assert optim.diverged(path) == blows_up, (factor, lam, beta)
        if not blows_up:
            assert abs(path[-1, 0]) < 1e-3


def test_linreg_hessian_matches_autograd():
    rng = np.random.default_rng(11)
    x, y = optim.linreg_data(13, rng)
    xt, yt = torch.tensor(x), torch.tensor(y)
    H = torch.autograd.functional.hessian(lambda p: ((p[0] + p[1] * xt - yt) ** 2).sum(),
                                          torch.tensor(rng.normal(size=2)))
    assert_close(optim.linreg_hessian(x), to_numpy(H))


@pytest.mark.parametrize("run", ["gd", "momentum", "nesterov", "adam", "sgd"])
def test_every_run_marks_divergence_with_nan_rows(run):
    """The one loop of every run_*: rows up to the overflow are finite, every later row NaN."""
    A = np.diag([40.0, 1.0])
    g = lambda th: optim.quadratic_grad(th, A)  # noqa: E731
    th0 = np.array([1.0, 1.0])
    path = {
        "gd": lambda: optim.run_gd(g, th0, 0.2, 200),
        "momentum": lambda: optim.run_momentum(g, th0, 0.5, 0.5, 200),
        "nesterov": lambda: optim.run_momentum(g, th0, 0.5, 0.5, 200, nesterov=True),
        "adam": lambda: optim.run_adam(lambda th: np.exp(1e3 * th), th0, 200, alpha=0.1),
        "sgd": lambda: optim.run_sgd(lambda th, idx: g(th), th0, 6, 2, 0.2, 60,
                                     np.random.default_rng(0)),
    }[run]()
    bad = np.isnan(path).any(axis=1)
    assert optim.diverged(path) and bad.any() and not bad[0]
    first = int(np.argmax(bad))
    assert np.isfinite(path[:first]).all() and np.isnan(path[first:]).all()
    assert np.abs(path[:first]).max() < optim.BLOW_UP


def test_steps_refuse_nan_at_the_door():
    """The contract refuses NaN in a step's arguments (a run's loop, which calls the unchecked
    maths, stops at the first overflow instead)."""
    with pytest.raises(ValueError, match="theta contains NaN"):
        optim.gd_step([np.nan, 1.0], [0.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="m contains NaN"):
        optim.momentum_step([1.0], [np.nan], [1.0], 0.1, 0.5)
    assert optim.gd_step.__wrapped__(np.array([np.nan]), np.array([1.0]), 0.1).shape == (1,)
