"""dlcore.conv against torch.nn.functional (float64) and closed forms."""

from itertools import product

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, to_numpy

from dlcore import conv

torch.set_default_dtype(torch.float64)


def T(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


# -- conv1d ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("B,C_i,C_o,N,K", [(1, 1, 1, 9, 3), (3, 2, 4, 17, 5), (2, 3, 2, 8, 1)])
@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 3, 2)])
def test_conv1d_matches_torch(rng, B, C_i, C_o, N, K, stride, padding, dilation):
    x = rng.normal(size=(B, C_i, N))
    w = rng.normal(size=(C_o, C_i, K))
    b = rng.normal(size=C_o)
    want = F.conv1d(T(x), T(w), T(b), stride=stride, padding=padding, dilation=dilation)
    got = conv.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert_close(got, to_numpy(want))
    assert got.shape[-1] == conv.conv_output_size(N, K, stride, padding, dilation)


def test_conv1d_single_example_and_no_bias(rng):
    x, w = rng.normal(size=(2, 10)), rng.normal(size=(3, 2, 3))
    got = conv.conv1d(x, w, padding=1)
    assert got.shape == (3, 10)
    assert_close(got, to_numpy(F.conv1d(T(x)[None], T(w), padding=1))[0])


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2)])
def test_conv2d_rectangular_kernel_matches_torch(rng, stride, padding, dilation):
    x, w, b = rng.normal(size=(2, 3, 9, 8)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    want = F.conv2d(T(x), T(w), T(b), stride=stride, padding=padding, dilation=dilation)
    got = conv.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert_close(got, to_numpy(want))
    assert_close(conv.conv2d(x[1], w, b, stride=stride, padding=padding, dilation=dilation),
                 to_numpy(want)[1])


def test_single_examples_match_the_batch(rng):
    """Without the batch axis every layer gives the batch's first example."""
    x2, x1 = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(2, 3, 8))
    for fn, x in [(lambda a: conv.max_pool2d(a, 2), x2), (lambda a: conv.avg_pool2d(a, 3), x2),
                  (lambda a: conv.upsample_nearest(a, 2), x2),
                  (lambda a: conv.upsample_bilinear(a, 3), x2),
                  (lambda a: conv.max_pool2d_with_indices(a, 2)[1], x2),
                  (lambda a: conv.conv_transpose2d(a, np.ones((3, 2, 2, 2)), 2), x2),
                  (lambda a: conv.conv_transpose1d(a, np.ones((3, 2, 3)), 2), x1)]:
        assert_close(fn(x[0]), fn(x)[0])
    pooled, idx = conv.max_pool2d_with_indices(x2[0], 2)
    assert_close(conv.max_unpool2d(pooled, idx, 2), conv.max_unpool2d(pooled[None], idx[None], 2)[0])


@pytest.mark.parametrize("t", [-9, -3, 0, 2, 5, 11])
def test_shift_is_a_zero_filled_roll(rng, t):
    x = rng.normal(size=(3, 8))
    want = torch.roll(T(x), t, dims=-1)
    n = x.shape[-1]
    inside = (np.arange(n) - t >= 0) & (np.arange(n) - t < n)
    assert_close(conv.shift(x, t), np.where(inside, to_numpy(want), 0.0))


def test_conv1d_float32_gives_float64(rng):
    x = rng.normal(size=(1, 12)).astype(np.float32)
    w = rng.normal(size=(1, 1, 3)).astype(np.float32)
    assert conv.conv1d(x, w).dtype == np.float64


def test_conv1d_k3_is_the_notes_formula(rng):
    x, w = rng.normal(size=11), rng.normal(size=3)
    xp = np.concatenate([[0], x, [0]])
    want = [w[0] * xp[i - 1] + w[1] * xp[i] + w[2] * xp[i + 1] for i in range(1, 12)]
    assert_close(conv.conv1d_k3(x, w), np.array(want))
    assert_close(conv.conv1d_k3(x, w), conv.conv1d(x[None], w[None, None], padding=1)[0])


@pytest.mark.parametrize("K", [1, 3, 5])
def test_convolve_flipped_is_numpy_convolve(rng, K):
    """The notes' (x * w)[i] = sum_k w[k] x[i - k] is np.convolve (mode "same" for odd K)."""
    x, w = rng.normal(size=13), rng.normal(size=K)
    assert_close(conv.convolve_flipped(x, w), np.convolve(x, w, mode="same"))


def test_convolve_flipped_equals_correlation_with_reversed_kernel(rng):
    x, w = rng.normal(size=10), rng.normal(size=3)
    assert_close(conv.convolve_flipped(x, w), conv.conv1d_k3(x, w[::-1]))
    assert not np.allclose(conv.convolve_flipped(x, w), conv.conv1d_k3(x, w))


# -- conv2d ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("B,C_i,C_o,H,W,K", [(1, 1, 1, 7, 9, 3), (2, 3, 4, 10, 8, 5),
                                             (1, 2, 3, 6, 6, 1)])
@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2)])
def test_conv2d_matches_torch(rng, B, C_i, C_o, H, W, K, stride, padding, dilation):
    x = rng.normal(size=(B, C_i, H, W))
    w = rng.normal(size=(C_o, C_i, K, K))
    b = rng.normal(size=C_o)
    want = F.conv2d(T(x), T(w), T(b), stride=stride, padding=padding, dilation=dilation)
    got = conv.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert_close(got, to_numpy(want))


def test_conv2d_notes_formula(rng):
    """h_ij = beta + sum_m sum_n w_mn x_{i+m-2, j+n-2} (K = 3, zero padding 1), written out."""
    x, w, beta = rng.normal(size=(6, 7)), rng.normal(size=(3, 3)), 0.7
    xp = np.pad(x, 1)
    want = np.array([[beta + sum(w[m - 1, n - 1] * xp[i + m - 2, j + n - 2]
                                 for m in range(1, 4) for n in range(1, 4))
                      for j in range(1, 8)] for i in range(1, 7)])
    assert_close(conv.conv2d(x[None], w[None, None], [beta], padding=1)[0], want)


def test_one_by_one_conv_is_a_matrix_per_pixel(rng):
    x, w, b = rng.normal(size=(4, 5, 6)), rng.normal(size=(3, 4, 1, 1)), rng.normal(size=3)
    want = np.einsum("oc,chw->ohw", w[:, :, 0, 0], x) + b[:, None, None]
    assert_close(conv.conv2d(x, w, b), want)


# -- sizes and parameters -------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,s,p,d", list(product([5, 12, 28], [1, 3, 4], [1, 2, 3], [0, 2],
                                                   [1, 3])))
def test_conv_output_size_matches_torch(n, k, s, p, d):
    if d * (k - 1) + 1 > n + 2 * p:
        assert conv.conv_output_size(n, k, s, p, d) == 0
        return
    out = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
    assert conv.conv_output_size(n, k, s, p, d) == out.shape[-1]


def test_num_params_conv_matches_torch():
    for C_i, C_o, K in [(3, 16, 5), (1, 8, 3), (7, 2, 1)]:
        layer = torch.nn.Conv2d(C_i, C_o, K)
        assert conv.num_params_conv(C_i, C_o, K) == sum(p.numel() for p in layer.parameters())
        layer1 = torch.nn.Conv1d(C_i, C_o, K)
        assert conv.num_params_conv(C_i, C_o, K, dims=1) == sum(
            p.numel() for p in layer1.parameters())
    assert conv.num_params_dense(40, 10) == 410


# -- receptive field ------------------------------------------------------------------------------
def brute_receptive_field(ks, ss, ds):
    """The extent of the inputs whose gradient reaches one output unit (dilation can leave
    holes inside it, so count first to last, not the non-zeros)."""
    n = 2000
    x = torch.zeros(1, 1, n, requires_grad=True)
    h = x
    for k, s, d in zip(ks, ss, ds, strict=True):
        h = F.conv1d(h, torch.ones(1, 1, k), stride=s, dilation=d)
    h[0, 0, h.shape[-1] // 2].backward()
    hit = np.flatnonzero(x.grad[0, 0].numpy())
    return int(hit.max() - hit.min() + 1)


@pytest.mark.parametrize("ks,ss,ds", [([3], [1], [1]), ([3, 3, 3], [1, 1, 1], [1, 1, 1]),
                                      ([3, 3, 3], [2, 1, 1], [1, 2, 1]),
                                      ([5, 3, 3, 2], [2, 2, 1, 3], [1, 1, 4, 1]),
                                      ([7, 1, 3], [3, 1, 2], [2, 1, 3])])
def test_receptive_field_matches_gradient(ks, ss, ds):
    assert conv.receptive_field(ks, ss, ds) == brute_receptive_field(ks, ss, ds)


def test_receptive_field_defaults():
    assert conv.receptive_field([3, 3, 3]) == 7
    assert conv.receptive_field([3, 3], dilations=[1, 2]) == 7
    assert conv.receptive_field([3, 3], strides=[2, 1]) == 7


@pytest.mark.parametrize("L,K,S,D", [(1, 3, 1, 1), (3, 3, 1, 1), (2, 3, 2, 1), (3, 3, 1, 2),
                                     (2, 5, 2, 3), (0, 3, 1, 1)])
def test_receptive_field_units_span(L, K, S, D):
    coords, edges = conv.receptive_field_units(L, K, S, D)
    assert len(coords) == L + 1 and len(edges) == sum(len(c) for c in coords[1:]) * K
    if L:
        span = coords[0].max() - coords[0].min() + 1
        assert span == conv.receptive_field([K] * L, [S] * L, [D] * L)
        assert coords[0].max() == -coords[0].min() or K % 2 == 0


# -- pooling --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,s", [((2, 3, 8, 8), 2), ((1, 2, 9, 7), 2), ((3, 6, 6), 3),
                                     ((1, 1, 5, 5), 1)])
def test_pooling_matches_torch(rng, shape, s):
    x = rng.normal(size=shape)
    assert_close(conv.max_pool2d(x, s), to_numpy(F.max_pool2d(T(x), s)))
    assert_close(conv.avg_pool2d(x, s), to_numpy(F.avg_pool2d(T(x), s)))


@pytest.mark.parametrize("shape,s", [((2, 3, 8, 8), 2), ((1, 2, 9, 6), 3)])
def test_max_unpool_matches_torch(rng, shape, s):
    x = rng.normal(size=shape)
    pooled, idx = conv.max_pool2d_with_indices(x, s)
    t_pooled, t_idx = F.max_pool2d(T(x), s, return_indices=True)
    assert_close(pooled, to_numpy(t_pooled))
    np.testing.assert_array_equal(idx, t_idx.numpy())
    size = shape[-2:]
    want = F.max_unpool2d(t_pooled, t_idx, s, output_size=size)
    assert_close(conv.max_unpool2d(pooled, idx, s, output_size=size), to_numpy(want))


def test_global_max_pool_is_shift_invariant(rng):
    x = np.zeros((3, 30))
    x[:, 10:15] = rng.normal(size=(3, 5))
    assert_close(conv.global_max_pool(x), conv.global_max_pool(conv.shift(x, 7)))
    assert_close(conv.global_max_pool(x), x.max(axis=1))


# -- up-sampling ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,s", [((2, 3, 4, 5), 2), ((1, 1, 3, 3), 3), ((2, 4, 6), 4),
                                     ((1, 1, 1, 2), 2)])
def test_upsampling_matches_torch(rng, shape, s):
    x = rng.normal(size=shape)
    tx = T(x) if len(shape) == 4 else T(x)[None]
    near = to_numpy(F.interpolate(tx, scale_factor=s, mode="nearest"))
    bil = to_numpy(F.interpolate(tx, scale_factor=s, mode="bilinear", align_corners=False))
    if len(shape) == 3:
        near, bil = near[0], bil[0]
    assert_close(conv.upsample_nearest(x, s), near)
    assert_close(conv.upsample_bilinear(x, s), bil)


@pytest.mark.parametrize("B,C_i,C_o,N,K,S", [(1, 1, 1, 5, 3, 1), (2, 3, 2, 7, 4, 2),
                                             (1, 2, 3, 4, 3, 3), (1, 1, 1, 1, 2, 2)])
def test_conv_transpose1d_matches_torch(rng, B, C_i, C_o, N, K, S):
    x, w = rng.normal(size=(B, C_i, N)), rng.normal(size=(C_i, C_o, K))
    want = to_numpy(F.conv_transpose1d(T(x), T(w), stride=S))
    assert_close(conv.conv_transpose1d(x, w, stride=S), want)
    assert_close(conv.conv_transpose1d(x[0], w, stride=S), want[0])


@pytest.mark.parametrize("S", [1, 2, 3])
def test_conv_transpose2d_matches_torch(rng, S):
    x, w = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 2, 3, 3))
    want = to_numpy(F.conv_transpose2d(T(x), T(w), stride=S))
    assert_close(conv.conv_transpose2d(x, w, stride=S), want)


def test_transposed_conv_is_the_adjoint_of_conv(rng):
    """<conv(x), y> = <x, conv_transpose(y)>: the transposed convolution is the transpose."""
    x, w, y = rng.normal(size=(2, 11)), rng.normal(size=(3, 2, 3)), rng.normal(size=(3, 5))
    lhs = np.sum(conv.conv1d(x, w, stride=2) * y)
    rhs = np.sum(x * conv.conv_transpose1d(y, w.transpose(0, 1, 2), stride=2))
    assert_close(lhs, rhs)


# -- equivariance ---------------------------------------------------------------------------------
def test_convolution_is_shift_equivariant(rng):
    x = np.zeros((2, 40))
    x[:, 12:20] = rng.normal(size=(2, 8))
    w = rng.normal(size=(3, 2, 5))
    for t in (-5, 1, 8):
        assert_close(conv.conv1d(conv.shift(x, t), w, padding=2),
                     conv.shift(conv.conv1d(x, w, padding=2), t))


def test_shift():
    assert_close(conv.shift([1.0, 2, 3, 4], 1), [0, 1, 2, 3])
    assert_close(conv.shift([1.0, 2, 3, 4], -2), [3, 4, 0, 0])
    assert_close(conv.shift([1.0, 2, 3, 4], 9), [0, 0, 0, 0])


def test_kernels_2d_blur_sums_to_one():
    for name, k in conv.KERNELS_2D.items():
        if "blur" in name or name in ("identity", "sharpen"):
            assert abs(k.sum() - 1) < 1e-12
        else:
            assert abs(k.sum()) < 1e-12


# -- convolution as a matrix -------------------------------------------------------------------
@pytest.mark.parametrize("n,K", [(1, 1), (7, 3), (12, 5), (9, 1), (16, 4)])
@pytest.mark.parametrize("stride,padding,dilation",
                         [(1, 0, 1), (1, 1, 1), (2, 0, 1), (2, 1, 1), (1, 2, 2), (3, 3, 2),
                          (2, 4, 3), (1, 0, 2), (4, 1, 1)])
def test_conv1d_as_matrix_matches_conv1d_and_torch(rng, n, K, stride, padding, dilation):
    w = rng.normal(size=K)
    if conv.conv_output_size(n, K, stride, padding, dilation) < 1:
        pytest.skip("the dilated kernel does not fit")
    M = conv.conv1d_as_matrix(w, n, stride=stride, padding=padding, dilation=dilation)
    X = rng.normal(size=(n, 6))  # six random inputs as columns
    want = F.conv1d(T(X.T)[:, None, :], T(w)[None, None], stride=stride, padding=padding,
                    dilation=dilation)[:, 0, :]  # (6, N_o)
    assert_close(M @ X, to_numpy(want).T)
    for x in X.T:
        assert_close(M @ x, conv.conv1d(x[None], w[None, None], stride=stride, padding=padding,
                                        dilation=dilation)[0])
    # the columns of M are the responses to the unit inputs e_j (the definition of a matrix)
    unit = to_numpy(F.conv1d(T(np.eye(n))[:, None, :], T(w)[None, None], stride=stride,
                             padding=padding, dilation=dilation))[:, 0, :]  # (n, N_o)
    assert_close(M, unit.T)


def test_conv1d_as_matrix_is_banded_and_shares_weights():
    """Closed form: row i holds w_k at column i S + k D - P; everything else is 0."""
    w = np.array([1.0, 2.0, 3.0])
    M = conv.conv1d_as_matrix(w, 6, padding=1)
    want = np.array([[2, 3, 0, 0, 0, 0], [1, 2, 3, 0, 0, 0], [0, 1, 2, 3, 0, 0],
                     [0, 0, 1, 2, 3, 0], [0, 0, 0, 1, 2, 3], [0, 0, 0, 0, 1, 2]], float)
    assert_close(M, want)
    M = conv.conv1d_as_matrix(w, 8, stride=2, padding=1, dilation=2)
    want = np.zeros((3, 8))
    for i in range(3):
        for k in range(3):
            j = 2 * i + 2 * k - 1
            if 0 <= j < 8:
                want[i, j] = w[k]
    assert_close(M, want)
    assert conv.conv1d_as_matrix(np.array([5.0]), 4).tolist() == np.diag([5.0] * 4).tolist()
    assert conv.conv1d_as_matrix(w.astype(np.float32), 5).dtype == np.float64


# -- bad input ------------------------------------------------------------------------------------
def test_bad_input_is_one_line():
    x = np.zeros((2, 10))
    cases = [
        (lambda: conv.conv1d(x, np.zeros((3, 1, 3))),
         r"w has shape \(3, 1, 3\); expected \(3, 2, any\) = \(C_o, C_i, K\), since x gives C_i = 2"),
        (lambda: conv.conv1d(np.zeros(10), np.zeros((1, 1, 3))), "x"),
        (lambda: conv.conv1d(x, np.zeros((3, 2, 3)), bias=np.zeros(2)), "bias"),
        (lambda: conv.conv1d(x, np.zeros((3, 2, 3)), stride=0), "stride"),
        (lambda: conv.conv1d(x, np.zeros((3, 2, 3)), padding=-1), "padding"),
        (lambda: conv.conv1d(x, np.zeros((3, 2, 3)), dilation=1.5), "dilation"),
        (lambda: conv.conv1d(x, np.zeros((3, 2, 13))), "kernel size 13"),
        (lambda: conv.conv1d("signal", np.zeros((3, 2, 3))), "x"),
        (lambda: conv.conv2d(np.zeros((1, 5, 5)), np.zeros((1, 1, 3))), "w"),
        (lambda: conv.max_pool2d(np.zeros((1, 2, 2)), 3), "x"),
        (lambda: conv.max_pool2d(np.zeros((1, 4, 4)), 0), "s"),
        (lambda: conv.upsample_bilinear(np.zeros((4, 4)), 2), "x"),
        (lambda: conv.conv_transpose1d(x, np.zeros((3, 1, 2))), "w"),
        (lambda: conv.conv_output_size(0, 3), "n"),
        (lambda: conv.receptive_field(3), "kernel_sizes"),
        (lambda: conv.receptive_field([3, 3], strides=[1]), "strides"),
        (lambda: conv.receptive_field([3, 0]), r"kernel_sizes\[1\]"),
        (lambda: conv.conv1d_k3(np.zeros(5), np.zeros(4)), "w"),
        (lambda: conv.max_unpool2d(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), 2), "indices"),
        (lambda: conv.conv1d_as_matrix(np.zeros((1, 3)), 8), "w"),
        (lambda: conv.conv1d_as_matrix(np.zeros(3), 0), "n"),
        (lambda: conv.conv1d_as_matrix(np.zeros(3), 8, stride=0), "stride"),
        (lambda: conv.conv1d_as_matrix(np.zeros(3), 8, padding=-1), "padding"),
        (lambda: conv.conv1d_as_matrix(np.zeros(5), 4, dilation=2), "kernel size 5"),
    ]
    for fn, name in cases:
        with pytest.raises((ValueError, TypeError), match=name) as info:
            fn()
        assert "\n" not in str(info.value)


# -- the PyTorch models of the notebook -----------------------------------------------------------
def test_torch_models_and_shift_augmentation(rng):
    from dlcore import conv_torch

    cnn, mlp = conv_torch.make_cnn(15), conv_torch.make_mlp(34)
    x = torch.as_tensor(rng.normal(size=(5, 1, 40)))  # float64, as the models here
    assert cnn(x).shape == (5, 10) and mlp(x).shape == (5, 10)
    n_cnn = conv.num_params_conv(1, 15, 3, 1) + 2 * conv.num_params_conv(15, 15, 3, 1) \
        + conv.num_params_dense(150, 10)
    assert conv_torch.count_params(cnn) == n_cnn == 2950
    assert conv_torch.count_params(mlp) == conv.num_params_dense(40, 34) \
        + conv.num_params_dense(34, 34) + conv.num_params_dense(34, 10)
    g = torch.Generator().manual_seed(3)
    shifted = conv_torch.random_shift(x, 4, g)
    g = torch.Generator().manual_seed(3)
    t = torch.randint(-4, 5, (5,), generator=g)
    for b in range(5):
        assert_close(shifted[b, 0].numpy(), conv.shift(x[b, 0].numpy(), int(t[b])))
    assert conv_torch.random_shift(x, 0, g) is x


# -- the chapter's exercises ---------------------------------------------------------------------
def test_exercise_solutions_match_dlcore():
    """The solutions shown to students (plain NumPy) compute what dlcore computes."""
    from dlcore.exercises import ch08

    for ks, ss, ds in ch08._RF_PROBES:
        assert ch08.rf(ks, ss, ds) == conv.receptive_field(ks, ss, ds) == brute_receptive_field(ks, ss, ds)
    for x, w in ch08._K3_PROBES:
        assert_close(ch08.conv3(x, w), conv.conv1d_k3(x, w))
    assert ch08.output_length.value == 20  # floor((40 + 8 - 9) / 2) + 1, by hand
    for x, w, stride, padding in ch08._LOOP_PROBES:
        want = F.conv1d(T(x)[None, None], T(w)[None, None], stride=stride, padding=padding)
        assert_close(ch08.conv1d_loop(x, w, stride, padding), to_numpy(want)[0, 0])
    for x, w, padding in ch08._C2_PROBES:
        want = F.conv2d(T(x)[None, None], T(w)[None, None], padding=padding)
        assert_close(ch08.conv2d_loop(x, w, padding), to_numpy(want)[0, 0])
    for x, s in ch08._POOL_PROBES:
        assert_close(ch08.max_pool(x, s), to_numpy(F.max_pool2d(T(x)[None, None], s))[0, 0])
    for w, n, stride, padding, dilation in ch08._MATRIX_PROBES:
        M = ch08.conv_matrix(w, n, stride, padding, dilation)
        assert_close(M, conv.conv1d_as_matrix(w, n, stride, padding, dilation))
        unit = F.conv1d(T(np.eye(n))[:, None], T(w)[None, None], stride=stride, padding=padding,
                        dilation=dilation)  # (n, 1, N_o): column j of M is the output for e_j
        assert_close(M, to_numpy(unit)[:, 0].T)
    assert ch08.conv_params.value == 16 * 3 * 25 + 16


