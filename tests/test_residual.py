"""dlcore.residual against PyTorch (BatchNorm1d, layer_norm, autograd) and closed forms."""

import itertools

import numpy as np
import pytest
import torch
from helpers import assert_close, to_numpy

from dlcore import residual as R

torch.set_default_dtype(torch.float64)


def _params(D, rng):
    return rng.normal(size=D), rng.normal(size=D)


# ------------------------------------------------------------------------------------------
# batch norm, training mode: against torch.nn.BatchNorm1d
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("D,I", [(1, 2), (3, 5), (8, 64)])
@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_batch_norm_matches_torch(D, I, eps):
    rng = np.random.default_rng(D * 100 + I)
    h = rng.normal(2.0, 3.0, size=(D, I))
    gamma, delta = _params(D, rng)
    out, m, s2 = R.batch_norm(h, gamma, delta, eps=eps)
    bn = torch.nn.BatchNorm1d(D, eps=eps).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(delta))
    want = bn(torch.tensor(h.T)).T  # PyTorch: rows are examples
    assert_close(out, to_numpy(want), what="batch_norm output")
    assert_close(m, h.mean(axis=1), what="batch mean")
    assert_close(s2, h.var(axis=1, ddof=0), what="biased batch variance")


def test_batch_norm_gradient_matches_autograd():
    rng = np.random.default_rng(3)
    h = rng.normal(size=(4, 6))
    gamma, delta = _params(4, rng)
    upstream = rng.normal(size=(4, 6))
    ht = torch.tensor(h, requires_grad=True)
    out_t = torch.nn.functional.batch_norm(ht.T, None, None, torch.tensor(gamma),
                                           torch.tensor(delta), training=True, eps=1e-5).T
    (out_t * torch.tensor(upstream)).sum().backward()
    # finite differences of our forward pass along a random direction
    direction = rng.normal(size=h.shape)
    step = 1e-6
    f = lambda hh: float((R.batch_norm(hh, gamma, delta)[0] * upstream).sum())  # noqa: E731
    fd = (f(h + step * direction) - f(h - step * direction)) / (2 * step)
    assert_close(fd, float((to_numpy(ht.grad) * direction).sum()), rtol=1e-6, atol=1e-8)


def test_batch_norm_output_is_standardised():
    rng = np.random.default_rng(4)
    h = rng.normal(5.0, 2.0, size=(3, 500))
    out, _, _ = R.batch_norm(h, np.ones(3), np.zeros((3, 1)), eps=0.0)
    assert_close(out.mean(axis=1), np.zeros(3), atol=1e-12)
    assert_close(out.var(axis=1), np.ones(3))


def test_batch_norm_eval_and_running_match_torch():
    rng = np.random.default_rng(5)
    D, alpha = 3, 0.2
    gamma, delta = _params(D, rng)
    batches = [rng.normal(1.0, 2.0, size=(D, 7)) for _ in range(4)]
    bn = torch.nn.BatchNorm1d(D, momentum=alpha).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(delta))
        run_mean, run_var = np.zeros(D), np.ones(D)  # PyTorch's starting values
        for h in batches:
            bn(torch.tensor(h.T))
            _, m, s2 = R.batch_norm(h, gamma, delta)
            I = h.shape[1]
            run_mean = R.update_running(run_mean, m, alpha)
            run_var = R.update_running(run_var, s2 * I / (I - 1), alpha)  # unbiased, as torch
        assert_close(run_mean, to_numpy(bn.running_mean), what="running mean")
        assert_close(run_var, to_numpy(bn.running_var), what="running variance")
        bn.eval()
        h_test = rng.normal(size=(D, 5))
        want = to_numpy(bn(torch.tensor(h_test.T)).T)
    got = R.batch_norm_eval(h_test, gamma, delta, run_mean, run_var)
    assert_close(got, want, what="batch_norm_eval")
    assert_close(R.batch_norm_eval(h_test[:, 0], gamma, delta, run_mean, run_var), want[:, 0])


def test_update_running_closed_form():
    assert_close(R.update_running(np.array([0.0, 10.0]), np.array([1.0, 0.0]), 0.1),
                 np.array([0.1, 9.0]))
    assert_close(R.update_running(2.0, 4.0, 0.0), 2.0)
    assert_close(R.update_running(2.0, 4.0, 1.0), 4.0)


# ------------------------------------------------------------------------------------------
# layer norm: against torch.nn.functional.layer_norm
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("D,I", [(2, 1), (5, 3), (16, 10)])
def test_layer_norm_matches_torch(D, I):
    rng = np.random.default_rng(D + I)
    h = rng.normal(1.0, 4.0, size=(D, I))
    gamma, delta = _params(D, rng)
    got = R.layer_norm(h, gamma, delta)
    want = torch.nn.functional.layer_norm(torch.tensor(h.T), (D,), torch.tensor(gamma),
                                          torch.tensor(delta), eps=1e-5).T
    assert_close(got, to_numpy(want))
    assert_close(R.layer_norm(h[:, 0], gamma, delta), to_numpy(want)[:, 0])


def test_layer_norm_and_batch_norm_average_different_axes():
    h = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    bn = R.batch_norm(h, 1.0, 0.0, eps=0.0)[0]
    ln = R.layer_norm(h, 1.0, 0.0, eps=0.0)
    assert_close(bn, np.array([[-1, 0, 1], [-1, 0, 1]]) * np.sqrt(1.5))
    assert_close(ln, np.array([[-1, -1, -1], [1, 1, 1]]))


# ------------------------------------------------------------------------------------------
# shattered gradients: forward-mode derivative against autograd
# ------------------------------------------------------------------------------------------
def _torch_toy(x, p, residual):
    """The same toy nets in PyTorch, with the batch statistics of BN detached (frozen)."""
    t = {k: (torch.tensor(v) if not isinstance(v, list) else [torch.tensor(a) for a in v])
         for k, v in p.items()}

    def bn(f):
        m = f.mean(dim=1, keepdim=True).detach()
        s = torch.sqrt(f.var(dim=1, unbiased=False, keepdim=True) + 1e-5).detach()
        return (f - m) / s

    f = t["beta_in"][:, None] + t["omega_in"] * x[None, :]
    h = f if residual else torch.relu(bn(f))
    for beta, omega in zip(t["betas"], t["omegas"], strict=True):
        if residual:
            h = h + beta[:, None] + omega @ torch.relu(bn(h))
        else:
            h = torch.relu(bn(beta[:, None] + omega @ h))
    return (t["omega_out"] @ h)[0]


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("K", [0, 1, 4])
def test_input_gradient_matches_autograd(residual, K):
    rng = np.random.default_rng(10 + K)
    p = R.toy_net(K, 6, rng)
    # not a symmetric grid: BN puts the first layer's kinks at the grid's mean
    x = np.sort(rng.uniform(-2, 2, 9))
    xt = torch.tensor(x, requires_grad=True)
    y_t = _torch_toy(xt, p, residual)
    upstream = rng.normal(size=x.size)
    (y_t * torch.tensor(upstream)).sum().backward()  # each y_i depends on its own x_i only
    y, dy = R.input_gradient(x, p, residual)
    assert_close(y, to_numpy(y_t), what="y")
    assert_close(dy * upstream, to_numpy(xt.grad), rtol=1e-8, what="dy/dx")


def test_input_gradient_every_depth_rows_are_the_cut_nets():
    rng = np.random.default_rng(2)
    p = R.toy_net(3, 5, rng)
    x = np.linspace(-1, 1, 7)
    for residual in (False, True):
        ys, dys = R.input_gradient(x, p, residual, every_depth=True)
        assert ys.shape == dys.shape == (4, 7)
        for k in range(4):
            cut = {**p, "omegas": p["omegas"][:k], "betas": p["betas"][:k]}
            y, dy = R.input_gradient(x, cut, residual)
            assert_close(ys[k], y)
            assert_close(dys[k], dy)


def test_autocorrelation_closed_forms():
    t = np.arange(400)
    g = np.cos(2 * np.pi * t / 40)  # period 40: c[20] ~ -1, c[40] ~ +1 (times the overlap)
    c = R.autocorrelation(g, 40)
    assert c[0] == pytest.approx(1.0)
    assert c[20] == pytest.approx(-(400 - 20) / 400, rel=1e-3)
    assert c[40] == pytest.approx((400 - 40) / 400, rel=1e-3)
    gc = g - g.mean()
    full = np.correlate(gc, gc, mode="full")[g.size - 1:] / (gc @ gc)
    assert_close(c, full[:41])
    assert_close(R.autocorrelation(np.full(5, 3.0)), np.ones(5))
    assert_close(R.autocorrelation(1e300 * g, 5), c[:6])


# ------------------------------------------------------------------------------------------
# the unravelled view
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("K", [0, 1, 3, 5])
def test_paths_by_length_enumerates_the_2_to_K_paths(K):
    rng = np.random.default_rng(K)
    D = 3
    omegas = [rng.normal(size=(D, D)) for _ in range(K)]
    x = rng.normal(size=(D, 4))
    c = R.paths_by_length(x, omegas)
    assert c.shape == (K + 1, D, 4)
    want = np.zeros_like(c)
    for taken in itertools.product([False, True], repeat=K):  # one term per path
        v = x
        for k in range(K):
            v = omegas[k] @ v if taken[k] else v
        want[sum(taken)] += v
    assert_close(c, want)
    y = x
    for omega in omegas:
        y = y + omega @ y  # the residual net itself
    assert_close(c.sum(axis=0), y)
    assert_close(R.paths_by_length(x[:, 0], omegas), want[:, :, 0])



def test_paths_by_length_takes_a_stack_of_branches_and_no_branch():
    rng = np.random.default_rng(7)
    omegas = rng.normal(size=(3, 4, 4))  # K = 3 blocks as one (K, D, D) array
    x = rng.normal(size=4)
    assert_close(R.paths_by_length(x, omegas), R.paths_by_length(x, list(omegas)))
    assert_close(R.paths_by_length(x, []), x[None, :])  # K = 0: the skip path only
    with pytest.raises(ValueError, match=r"omegas has shape \(1, 3, 3\); expected \(1, 4, 4\)"):
        R.paths_by_length(x, [np.eye(3)])


def test_per_unit_arguments_take_a_number_a_vector_or_a_column():
    rng = np.random.default_rng(8)
    h = rng.normal(size=(3, 6))
    gamma, delta = rng.normal(size=3), rng.normal(size=3)
    want = R.batch_norm(h, gamma, delta)[0]
    assert_close(R.batch_norm(h, gamma[:, None], delta[:, None])[0], want)
    assert_close(R.batch_norm(h, 2.0, 0.5)[0], R.batch_norm(h, np.full(3, 2.0), np.full(3, 0.5))[0])
    assert_close(R.layer_norm(h, gamma[:, None], delta), R.layer_norm(h, gamma, delta))
    with pytest.raises(ValueError, match=r"gamma has shape \(3, 1, 1\); expected a number, "):
        R.batch_norm(h, np.ones((3, 1, 1)), 0.0)

def test_path_counts():
    assert R.path_counts(0).tolist() == [1]
    assert R.path_counts(4).tolist() == [1, 4, 6, 4, 1]
    assert R.path_counts(20).sum() == 2 ** 20


# ------------------------------------------------------------------------------------------
# variance growth
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm,gamma", [("none", 1.0), ("none", 0.5), ("batch", 1.0),
                                        ("batch", 0.5)])
def test_residual_variances_follow_closed_form(norm, gamma):
    x = np.random.default_rng(0).standard_normal((200, 400))
    v = R.residual_variances(x, 6, np.random.default_rng(1), norm=norm, gamma=gamma)
    want = R.variance_closed_form(6, float(x.var()), norm=norm, gamma=gamma)
    assert v.shape == (7,)
    # Monte Carlo with one weight draw per block: the errors compound along the blocks
    assert_close(v, want, rtol=0.25 if norm == "none" else 0.12)


def test_variance_closed_form_values():
    assert_close(R.variance_closed_form(3), [1, 2, 4, 8])
    assert_close(R.variance_closed_form(3, 2.0, "batch", 0.5), [2, 2.25, 2.5, 2.75])


def test_residual_variances_overflow_is_inf_not_error():
    x = np.random.default_rng(0).standard_normal((50, 20))
    v = R.residual_variances(x, 100, np.random.default_rng(1), gamma=1e10)
    assert np.isinf(v[-1])


# ------------------------------------------------------------------------------------------
# bad input: one-line errors naming the argument
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda: R.batch_norm(np.ones(3), 1.0, 0.0), "h"),
    (lambda: R.batch_norm(np.ones((3, 1)), 1.0, 0.0), "h"),
    (lambda: R.batch_norm(np.ones((3, 4)), np.ones(2), 0.0), "gamma"),
    (lambda: R.batch_norm(np.ones((3, 4)), 1.0, np.ones((3, 2))), "delta"),
    (lambda: R.batch_norm(np.ones((3, 4)), 1.0, 0.0, eps=-1), "eps"),
    (lambda: R.batch_norm("abc", 1.0, 0.0), "h"),
    (lambda: R.batch_norm_eval(np.ones((3, 4)), 1.0, 0.0, np.zeros(4), np.ones(3)),
     "run_mean"),
    (lambda: R.batch_norm_eval(np.ones((3, 4)), 1.0, 0.0, np.zeros(3), -np.ones(3)), "run_var"),
    (lambda: R.update_running(np.zeros(3), np.zeros(2), 0.1), "batch_stat"),
    (lambda: R.update_running(np.zeros(3), np.zeros(3), 1.5), "alpha"),
    (lambda: R.layer_norm(np.ones((2, 2, 2)), 1.0, 0.0), "h"),
    (lambda: R.layer_norm(np.ones((3, 4)), np.ones(4), 0.0), "gamma"),
    (lambda: R.paths_by_length(np.ones((3, 2)), [np.ones((3, 2))]), "omegas"),
    (lambda: R.path_counts(-1), "K"),
    (lambda: R.path_counts(2.5), "K"),
    (lambda: R.autocorrelation(np.ones((2, 2))), "g"),
    (lambda: R.autocorrelation(np.ones(4), 4), "max_lag"),
    (lambda: R.residual_variances(np.ones((2, 3)), 2, np.random.default_rng(0), norm="x"),
     "norm"),
    (lambda: R.input_gradient(np.ones((2, 2)), R.toy_net(1, 2, np.random.default_rng(0))), "x"),
])
def test_bad_input_one_line(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------
# the chapter's exercises: the solutions shown to students (NumPy only) agree with dlcore/torch
# ------------------------------------------------------------------------------------------
def test_exercise_solutions_agree_with_dlcore_and_torch():
    from dlcore.exercises import chapter

    ex = chapter(9)
    bn, variance, running = ex.batch_norm, ex.variance_growth, ex.running_variance
    rng = np.random.default_rng(99)
    for D, I in ((1, 2), (4, 7)):
        h = rng.normal(1.0, 2.0, size=(D, I))
        gamma, delta = _params(D, rng)
        assert_close(bn.reference(h, gamma, delta), R.batch_norm(h, gamma, delta)[0])
    assert_close(variance.value, [R.variance_closed_form(8)[-1],
                                  R.variance_closed_form(8, norm="batch")[-1]])
    assert variance.check(["256", "9"]) is False  # text is not a number, even the right digits
    torch_bn = torch.nn.BatchNorm1d(1, momentum=0.1).double()  # running_var starts at 1
    for batch in ([2.0, 4.0, 6.0, 8.0], [1.0, 1.0, 3.0, 3.0]):
        torch_bn(torch.tensor(batch)[:, None])  # training mode: updates the running averages
    assert abs(running.value - float(torch_bn.running_var[0])) < 1e-12
    assert running.check(float(torch_bn.running_var[0])) is True


# ------------------------------------------------------------------------------------------
# batch norm for CNNs: against torch.nn.functional.batch_norm (training) and the closed form
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 1, 1, 1), (1, 3, 2, 2), (4, 3, 5, 6), (8, 2, 1, 7)])
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_batch_norm2d_matches_torch(shape, eps):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(1.5, 3.0, size=shape)
    C = shape[1]
    gamma, delta = _params(C, rng)
    out, m, s2 = R.batch_norm2d(x, gamma, delta, eps=eps)
    want = torch.nn.functional.batch_norm(torch.tensor(x), None, None, torch.tensor(gamma),
                                          torch.tensor(delta), training=True, eps=eps)
    assert_close(out, to_numpy(want), what="batch_norm2d output")
    # closed form without autograd: torch's own per-channel statistics over (B, H, W)
    var, mean = torch.var_mean(torch.tensor(x), dim=(0, 2, 3), unbiased=False)
    assert_close(m, to_numpy(mean), what="channel means")
    assert_close(s2, to_numpy(var), what="biased channel variances")
    closed = (gamma[None, :, None, None] * (x - to_numpy(mean)[None, :, None, None])
              / np.sqrt(to_numpy(var)[None, :, None, None] + eps) + delta[None, :, None, None])
    assert_close(out, closed, what="closed form")


def test_batch_norm2d_is_batch_norm_of_channels_as_units():
    rng = np.random.default_rng(21)
    x = rng.normal(size=(3, 4, 2, 5))
    gamma, delta = _params(4, rng)
    h = x.transpose(1, 0, 2, 3).reshape(4, -1)  # (C, B H W): each channel a unit
    want, m, s2 = R.batch_norm(h, gamma, delta)
    out, m2, s22 = R.batch_norm2d(x, gamma, delta)
    assert_close(out.transpose(1, 0, 2, 3).reshape(4, -1), want)
    assert_close(m2, m)
    assert_close(s22, s2)
    # numbers for gamma and delta broadcast over channels
    assert_close(R.batch_norm2d(x, 2.0, -1.0)[0], R.batch_norm2d(x, np.full(4, 2.0),
                                                                 np.full(4, -1.0))[0])


def test_batch_norm2d_constant_channel_is_delta():
    x = np.ones((2, 2, 3, 3))
    x[:, 1] = np.arange(18.0).reshape(2, 3, 3)
    out, _, s2 = R.batch_norm2d(x, np.array([3.0, 1.0]), np.array([0.5, 0.0]))
    assert_close(out[:, 0], np.full((2, 3, 3), 0.5))  # zero variance: eps keeps it finite
    assert s2[0] == 0.0


@pytest.mark.parametrize("call,match", [
    (lambda: R.batch_norm2d(np.ones((2, 3, 4)), 1.0, 0.0), "x"),
    (lambda: R.batch_norm2d(np.ones((1, 3, 1, 1)), 1.0, 0.0), "x"),
    (lambda: R.batch_norm2d(np.ones((2, 3, 2, 2)), np.ones(2), 0.0), "gamma"),
    (lambda: R.batch_norm2d(np.ones((2, 3, 2, 2)), 1.0, np.ones((3, 1))), "delta"),
    (lambda: R.batch_norm2d(np.ones((2, 3, 2, 2)), 1.0, 0.0, eps=-1.0), "eps"),
    (lambda: R.residual_block(np.ones((3, 2)), np.ones((3, 3)), np.ones(3), np.ones((2, 2)),
                              np.ones(3)), "omega2"),
    (lambda: R.residual_block(np.ones((3, 2)), np.ones((3, 3)), np.ones(2), np.ones((3, 3)),
                              np.ones(3)), "beta1"),
])
def test_bad_input_one_line_new(call, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        call()
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------
# the two-layer residual block: against torch and its special cases
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("D,I", [(1, 1), (3, 4), (16, 9)])
def test_residual_block_matches_torch(D, I):
    rng = np.random.default_rng(D * 7 + I)
    h = rng.normal(size=(D, I))
    w1, w2 = rng.normal(size=(D, D)), rng.normal(size=(D, D))
    b1, b2 = rng.normal(size=D), rng.normal(size=D)
    ht = torch.tensor(h.T)  # rows are examples in PyTorch
    f = torch.nn.functional
    want = ht + f.linear(torch.relu(f.linear(torch.relu(ht), torch.tensor(w1), torch.tensor(b1))),
                         torch.tensor(w2), torch.tensor(b2))
    assert_close(R.residual_block(h, w1, b1, w2, b2), to_numpy(want).T)
    assert_close(R.residual_block(h[:, 0], w1, b1, w2, b2), to_numpy(want)[0])


def test_residual_block_zero_branch_is_identity():
    rng = np.random.default_rng(2)
    h = rng.normal(size=(5, 3))
    z = np.zeros((5, 5))
    assert_close(R.residual_block(h, z, np.zeros(5), z, np.zeros(5)), h)
    # a negative input is not clipped: the skip path carries it past the ReLUs
    assert_close(R.residual_block(-np.ones((5, 1)), np.eye(5), np.zeros(5), np.eye(5),
                                  np.zeros(5)), -np.ones((5, 1)))


# ------------------------------------------------------------------------------------------
# segmentation and detection helpers
# ------------------------------------------------------------------------------------------
def test_iou_closed_form():
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2] = True  # 8 pixels
    b[1:3] = True  # 8 pixels, 4 shared
    assert R.iou(a, b) == pytest.approx(4 / 12)
    assert R.iou(a, a) == 1.0
    assert R.iou(a, ~a) == 0.0
    assert R.iou(np.zeros(3), np.zeros(3)) == 1.0  # both empty
    with pytest.raises(ValueError, match="pred"):
        R.iou(np.zeros(3), np.zeros(4))


def test_shapes_dataset_masks_boxes_and_seed():
    imgs, masks, boxes = R.shapes_dataset(20, 16, np.random.default_rng(0), noise=0.0)
    assert imgs.shape == masks.shape == (20, 16, 16) and masks.dtype == bool
    imgs2, masks2, _ = R.shapes_dataset(20, 16, np.random.default_rng(0), noise=0.0)
    assert_close(imgs, imgs2)
    for img, mask, bx in zip(imgs, masks, boxes):
        assert 1 <= len(bx) <= 3
        cover = np.zeros_like(mask)
        for r0, c0, r1, c1 in bx:
            cover[r0:r1 + 1, c0:c1 + 1] = True
        assert np.all(cover[mask])  # every shape pixel lies in some box
        # without noise, an image is its mask plus a linear ramp: its second differences vanish
        ramp = img - mask
        assert_close(np.diff(ramp, 2, axis=0), np.zeros((14, 16)), atol=1e-12)


def test_center_heatmap_peaks_at_centres():
    heat = R.center_heatmap([(2, 2, 4, 4), (10, 8, 10, 12)], 16, sigma=1.0)
    assert heat[3, 3] == 1.0 and heat[10, 10] == 1.0
    assert_close(heat[3, 4], np.exp(-0.5))
    assert heat.shape == (16, 16) and heat.max() == 1.0
    assert_close(R.center_heatmap([], 5), np.zeros((5, 5)))


def test_new_exercise_solutions_agree_with_torch():
    from dlcore.exercises import chapter

    ex = chapter(9)
    rng = np.random.default_rng(98)
    D, I, alpha = 3, 6, 0.3
    h = rng.normal(1.0, 2.0, size=(D, I))
    gamma, delta = _params(D, rng)
    run_mean, run_var = rng.normal(size=D), rng.uniform(0.5, 2.0, D)
    bn = torch.nn.BatchNorm1d(D, momentum=alpha).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(delta))
        bn.running_mean.copy_(torch.tensor(run_mean))
        bn.running_var.copy_(torch.tensor(run_var))
        want = to_numpy(bn(torch.tensor(h.T))).T  # training mode: updates the buffers
        out, new_mean, new_var = ex.batch_norm_train.reference(h, gamma, delta, run_mean,
                                                               run_var, alpha)
        assert_close(out, want)
        assert_close(new_mean, to_numpy(bn.running_mean))
        assert_close(new_var, to_numpy(bn.running_var))
        bn.eval()
        h_test = rng.normal(size=(D, 4))
        assert_close(ex.batch_norm_eval.reference(h_test, gamma, delta, new_mean, new_var),
                     to_numpy(bn(torch.tensor(h_test.T))).T)
    x = rng.normal(size=(2, 3, 4, 5))
    m, s2 = ex.bn2d_statistics.reference(x)
    var, mean = torch.var_mean(torch.tensor(x), dim=(0, 2, 3), unbiased=False)
    assert_close(m, to_numpy(mean))
    assert_close(s2, to_numpy(var))
    want = torch.nn.functional.layer_norm(torch.tensor(h.T), (D,), torch.tensor(gamma),
                                          torch.tensor(delta), eps=1e-5).T
    assert_close(ex.layer_norm.reference(h, gamma, delta), to_numpy(want))
    w1, w2, b1, b2 = rng.normal(size=(D, D)), rng.normal(size=(D, D)), rng.normal(size=D), \
        rng.normal(size=D)
    assert_close(ex.residual_block.reference(h, w1, b1, w2, b2),
                 R.residual_block(h, w1, b1, w2, b2))


# ------------------------------------------------------------------------------------------
# the chapter's PyTorch models: shapes, and the skip's effect on the gradient
# ------------------------------------------------------------------------------------------
def test_tiny_unet_shapes_and_gradient_norms():
    from dlcore.residual_torch import TinyUNet, gradient_norms

    for skips in (True, False):
        out = TinyUNet(C=2, skips=skips)(torch.zeros(3, 1, 8, 12))
        assert tuple(out.shape) == (3, 8, 12)  # one logit per pixel
    g_plain, g_res = gradient_norms(6, 8, residual=False), gradient_norms(6, 8, residual=True)
    assert g_plain.shape == g_res.shape == (7,)
    assert g_res[-1] == pytest.approx(g_plain[-1])  # same upstream gradient at the top
    assert g_res[0] > g_plain[0]  # the skips carry the gradient back; the plain stack shrinks it
