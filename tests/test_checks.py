"""The contract decorator ``dlcore.checks.shapes``: what it accepts, converts and refuses."""

import numpy as np
import pytest

from dlcore.checks import DLCoreError, InputTypeError, ShapeError, returns, shapes


@shapes(x="D_i I points", theta="D 1+D_i", phi="D_o 1+D")
def shallow(x, theta, phi):
    h = np.maximum(theta[:, :1] + theta[:, 1:] @ x, 0.0)
    return phi[:, :1] + phi[:, 1:] @ h


@shapes(theta="D", grad="D", alpha="> 0")
def step(theta, grad, alpha):
    return theta - alpha * grad


@shapes(n="int >= 1", p="[0, 1)", rule="one of forward backward", fn="function", rng="rng",
        lam=">= 0", c="number")
def options(n, p, rule, fn, rng, lam=0.0, c=1.0):
    return n, p, rule, lam, c


@shapes(y="labels I < K", K="int >= 2")
def labels(y, K):
    return y


@shapes(x="D_i I points", betas="net", omegas="net")
def first_layer(x, betas, omegas):
    return betas[0] + omegas[0] @ x


@shapes(w="D I columns", v="D nan", scale="> 0")
def columns(w, v, scale=None):
    return w, v, scale


def test_values_arrive_converted_to_float64():
    out = step([1, 2], np.array([1, 1], dtype=np.int32), 1)
    np.testing.assert_array_equal(out, [0.0, 1.0])
    assert out.dtype == np.float64
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(step(torch.tensor([1.0, 2.0]), [0.0, 0.0], 0.5), [1.0, 2.0])


def test_symbols_bind_across_arguments_and_name_their_source():
    x = np.zeros((2, 5))
    with pytest.raises(ShapeError, match=r"theta has shape \(3, 2\); expected \(3, 3\) = "
                                         r"\(D, 1 \+ D_i\), since x gives D_i = 2"):
        shallow(x, np.zeros((3, 2)), np.zeros((1, 4)))
    with pytest.raises(ShapeError, match=r"phi has shape \(1, 3\); expected \(1, 4\) = "
                                         r"\(D_o, 1 \+ D\), since theta gives D = 3"):
        shallow(x, np.zeros((3, 3)), np.zeros((1, 3)))
    with pytest.raises(ShapeError, match=r"grad has shape \(3,\); expected \(2,\)"):
        step([1.0, 2.0], [1.0, 2.0, 3.0], 0.1)
    with pytest.raises(ShapeError, match=r"theta has shape \(2, 2\); expected a 1-D array"):
        step(np.zeros((2, 2)), np.zeros(2), 0.1)


def test_one_point_given_1d_comes_back_1d_and_matches_the_batch():
    theta, phi = np.array([[0.5, 1.0], [-0.2, 2.0]]), np.array([[0.1, 1.0, -1.0]])
    batch = shallow(np.array([[0.3, -1.0]]), theta, phi)  # (1, 2)
    one = shallow(np.array([0.3]), theta, phi)
    assert batch.shape == (1, 2) and one.shape == (1,)
    # closed form at x = 0.3: 0.1 + relu(0.8) - relu(0.4)
    np.testing.assert_allclose(one, [0.1 + 0.8 - 0.4])
    np.testing.assert_allclose(batch[:, 0], one)
    w, _, _ = columns([1.0, 2.0], [np.nan, 1.0])
    assert w.shape == (2, 1)  # "columns": accepted as one column, not restored


def test_nan_is_refused_unless_the_contract_allows_it():
    with pytest.raises(ShapeError, match="theta contains NaN"):
        step([np.nan, 1.0], [0.0, 0.0], 0.1)
    assert np.isnan(columns([1.0], [np.nan])[1][0])


def test_scalar_and_option_contracts():
    rng = np.random.default_rng(0)
    assert options(2.0, 0.5, "forward", abs, rng) == (2, 0.5, "forward", 0.0, 1.0)
    cases = [
        (dict(n=0), ShapeError, "n must be >= 1; got 0"),
        (dict(n=1.5), InputTypeError, "n must be an integer"),
        (dict(n=True), InputTypeError, "n must be an integer"),
        (dict(p=1.0), ShapeError, r"p must be a probability in \[0, 1\)"),
        (dict(rule="sideways"), ShapeError, r"rule is 'sideways'; expected one of \['forward'"),
        (dict(fn=3), InputTypeError, "fn must be a function"),
        (dict(rng=0), InputTypeError, "rng must be np.random.default_rng"),
        (dict(lam=-1.0), ShapeError, "lam must be >= 0; got -1"),
        (dict(c=[1.0, 2.0]), ShapeError, "c must be one number"),
        (dict(c="a"), InputTypeError, "c must be a number"),
    ]
    good = dict(n=1, p=0.0, rule="backward", fn=abs, rng=rng)
    for change, error, message in cases:
        with pytest.raises(error, match=message):
            options(**{**good, **change})


def test_labels_bind_I_and_use_K():
    np.testing.assert_array_equal(labels([0, 2, 1.0], 3), [0, 2, 1])
    with pytest.raises(ShapeError, match=r"labels in 0..3; expected labels in 0..2"):
        labels([0, 3], 3)
    with pytest.raises(InputTypeError, match="integer class labels"):
        labels([0.5, 1.0], 3)


def test_net_contract_checks_the_layers_and_binds_D_i():
    betas, omegas = [np.zeros(4)], [np.ones((4, 2))]
    assert first_layer(np.ones((2, 3)), betas, omegas).shape == (4, 3)
    assert first_layer(np.ones(2), betas, omegas).shape == (4,)
    with pytest.raises(ShapeError, match=r"x has 3 rows"):
        first_layer(np.ones((3, 3)), betas, omegas)
    with pytest.raises(ShapeError, match=r"betas has 1 entries and omegas has 2"):
        first_layer(np.ones((2, 3)), betas, omegas * 2)


def test_call_mistakes_are_one_line_errors():
    with pytest.raises(InputTypeError, match="missing the argument 'alpha'"):
        step([1.0], [1.0])
    with pytest.raises(InputTypeError, match="unexpected or repeated argument 'beta'"):
        step([1.0], [1.0], 0.1, beta=2)
    assert issubclass(InputTypeError, DLCoreError) and issubclass(ShapeError, DLCoreError)


def test_a_contract_naming_no_argument_is_a_programming_error():
    with pytest.raises(TypeError, match="not arguments"):
        shapes(y="D")(lambda x: x)
    with pytest.raises(ValueError, match="bad dimension"):
        shapes(x="D-1")(lambda x: x)


def test_a_custom_check_and_the_unwrapped_maths():
    def even(value, name):
        if value % 2:
            raise ShapeError(f"{name} must be even; got {value}")
        return value

    f = shapes(n=even)(lambda n: n // 2)
    assert f(4) == 2
    with pytest.raises(ShapeError, match="n must be even; got 3"):
        f(3)
    assert step.__wrapped__(np.ones(2), np.ones(2), 0.5).tolist() == [0.5, 0.5]
    assert step.contract == {"theta": "D", "grad": "D", "alpha": "> 0"}


def test_any_shape_alternatives_and_converters():
    f = shapes(z="... nan")(lambda z: z)
    assert f(np.ones((2, 3, 4))).shape == (2, 3, 4) and f(3).shape == ()
    g = shapes(H="P I", y="I | D_o I")(lambda H, y: y)
    assert g(np.ones((3, 4)), np.ones(4)).shape == (4,)
    assert g(np.ones((3, 4)), np.ones((2, 4))).shape == (2, 4)
    with pytest.raises(ShapeError, match=r"y has shape \(5,\); expected \(4,\) = \(I,\), "
                                         "since H gives I = 4"):
        g(np.ones((3, 4)), np.ones(5))
    with pytest.raises(ShapeError, match=r"y has shape \(1, 1, 4\); expected \(I,\) or "
                                         r"\(D_o, I\)"):
        g(np.ones((3, 4)), np.ones((1, 1, 4)))

    def rows(value, name):
        value = np.asarray(value, dtype=float)
        return value[None, :] if value.ndim == 1 else value

    h = shapes(x=(rows, "D_i I"), theta="D 1+D_i")(lambda x, theta: x)
    assert h([1.0, 2.0], np.ones((3, 2))).shape == (1, 2)
    with pytest.raises(ShapeError, match=r"theta has shape \(3, 2\); expected \(3, 3\)"):
        h(np.ones((2, 5)), np.ones((3, 2)))
    b = shapes(flag="bool")(lambda flag: flag)
    assert b(np.bool_(True)) is True
    with pytest.raises(InputTypeError, match="flag must be True or False; got int 1"):
        b(1)


def test_rows_number_alternative_and_axis():
    r = shapes(phi="D_o P rows")(lambda phi: phi)
    assert r([1.0, 2.0]).shape == (1, 2) and r(np.ones((3, 2))).shape == (3, 2)
    n = shapes(f="I", y="number | I")(lambda f, y: y)
    assert n([1.0, 2.0], 3.0).shape == () and n([1.0, 2.0], [1.0, 2.0]).shape == (2,)
    with pytest.raises(ShapeError, match=r"y has shape \(2, 2\); expected \(\) or \(I,\)"):
        n([1.0, 2.0], np.ones((2, 2)))
    a = shapes(z="...", axis="axis of z")(lambda z, axis: np.sum(z, axis=axis))
    assert a(np.ones((2, 3)), -1).shape == (2,)
    with pytest.raises(ShapeError, match=r"axis is 2; z has 2 axes, so expected an axis in -2..1"):
        a(np.ones((2, 3)), 2)
    with pytest.raises(InputTypeError, match="axis must be an integer"):
        a(np.ones((2, 3)), "0")


def test_an_optional_int_left_out_is_not_checked():
    f = shapes(n="int >= 1")(lambda n=None: n)
    assert f() is None and f(3) == 3
    with pytest.raises(ShapeError, match="n must be >= 1"):
        f(0)


def test_where_relates_arguments_after_their_contracts():
    def fits(args):
        if args["w"].shape[0] > args["x"].shape[0]:
            raise ShapeError(f"w has {args['w'].shape[0]} taps; expected at most "
                             f"{args['x'].shape[0]}, the length of x")
        args["x"] = args["x"][::-1]  # a relation may also replace an argument

    f = shapes(x="N", w="K", where=fits)(lambda x, w: x[: len(w)])
    np.testing.assert_array_equal(f([1, 2, 3], [0, 0]), [3.0, 2.0])
    with pytest.raises(ShapeError, match="w has 4 taps; expected at most 3"):
        f([1, 2, 3], [0, 0, 0, 0])


def test_a_size_below_the_offset_is_a_one_line_error():
    f = shapes(r="1+K")(lambda r: r)
    with pytest.raises(ShapeError, match=r"r has shape \(0,\); expected \(1 \+ K,\) with 1\+K >= 1"):
        f([])


# -- returns(spec): a function argument whose every result is checked -------------------------
@shapes(f=returns("D_x n"), n="int >= 1")
def decode(f, n):
    return f(np.zeros((1, n)))


@shapes(grad_fn=returns("P nan"), theta0="P")
def one_step(grad_fn, theta0):  # grad_fn comes first: P is bound by theta0, later
    return theta0 - grad_fn(theta0)


def test_returns_checks_the_shape_with_symbols_bound_by_other_arguments():
    assert decode(lambda z: np.ones((2, z.shape[1])), 3).shape == (2, 3)  # D_x is free
    with pytest.raises(ShapeError, match=r"^f returned shape \(2, 4\); expected \(D_x, 3\) = "
                                         r"\(D_x, n\), since n = 3$"):
        decode(lambda z: np.ones((2, 4)), 3)
    with pytest.raises(ShapeError, match=r"^f returned shape \(3,\); expected \(D_x, 3\) = "
                                         r"\(D_x, n\), since n = 3$"):
        decode(lambda z: np.ones(3), 3)
    np.testing.assert_array_equal(one_step(lambda t: 0.5 * t, [2.0, 4.0]), [1.0, 2.0])
    with pytest.raises(ShapeError, match=r"^grad_fn returned shape \(2, 1\); expected \(2,\) = "
                                         r"\(P,\), since theta0 gives P = 2$"):
        one_step(lambda t: t[:, None], [2.0, 4.0])
    square = shapes(h=returns("P P"))(lambda h: h(2))
    assert square(lambda k: np.eye(k)).shape == (2, 2)  # a free symbol that repeats must agree
    with pytest.raises(ShapeError, match=r"^h returned shape \(2, 3\); expected \(P, P\)$"):
        square(lambda k: np.ones((k, 3)))


def test_returns_refuses_what_is_not_numbers_and_what_is_not_a_function():
    with pytest.raises(InputTypeError, match=r"^f returned str 'abc'; expected numbers of shape "
                                             r"\(D_x, n\)$"):
        decode(lambda z: "abc", 2)
    with pytest.raises(InputTypeError, match=r"^f returned NoneType None; expected"):
        decode(lambda z: None, 2)
    with pytest.raises(InputTypeError, match=r"^f must be a function returning numbers of shape "
                                             r"\(D_x, n\); got int 3$"):
        decode(3, 2)
    with pytest.raises(ValueError, match="a result is 'number', '...' or its axes"):
        returns("one of a b")


def test_returns_refuses_nan_unless_the_spec_allows_it():
    with pytest.raises(ShapeError, match=r"^f returned NaN \(1 of 4 values\); expected finite "
                                         r"numbers of shape \(D_x, n\)$"):
        decode(lambda z: np.array([[1.0, np.nan], [0.0, 0.0]]), 2)
    got = one_step(lambda t: np.array([np.nan, 0.0]), [1.0, 1.0])  # "P nan": NaN passes
    assert np.isnan(got[0]) and got[1] == 1.0
    both = decode(lambda z: np.array([[np.inf, -np.inf]]), 2)  # infinities are numbers
    assert both.tolist() == [[np.inf, -np.inf]]


def test_returns_converts_numbers_rows_and_custom_checks():
    number = shapes(loss=returns("number"))(lambda loss: loss(0))
    assert number(lambda t: np.array([[2.5]])) == 2.5 and type(number(lambda t: 2)) is float
    with pytest.raises(ShapeError, match=r"^loss returned shape \(2,\); expected one number$"):
        number(lambda t: [1.0, 2.0])
    with pytest.raises(ShapeError, match="loss returned NaN"):
        number(lambda t: float("nan"))
    assert np.isnan(shapes(loss=returns("number nan"))(lambda loss: loss(0))(lambda t: np.nan))
    sample = shapes(q=returns("D_z S rows"), S="int >= 1")(lambda q, S: q(S))
    assert sample(lambda S: np.arange(S), 3).shape == (1, 3)  # (S,) is one row
    with pytest.raises(ShapeError, match=r"q returned shape \(1, 4\); expected \(D_z, 3\)"):
        sample(lambda S: np.arange(S + 1), 3)

    def no_inf(value, name):
        if np.isinf(value).any():
            raise ShapeError(f"{name} returned inf")
        return value.reshape(-1)

    flat = shapes(g=returns((no_inf, "I")))(lambda g: g())
    assert flat(lambda: [[1, 2]]).shape == (2,)
    with pytest.raises(ShapeError, match="g returned inf"):
        flat(lambda: [np.inf])


def test_returns_each_binds_the_number_of_functions():
    f = shapes(losses=returns("number", each="B"), grads=returns("...", each="B"))(
        lambda losses, grads: [L(0) for L in losses] + [g(0).tolist() for g in grads])
    assert f([lambda t: 1, lambda t: 2], [lambda t: [3], lambda t: [4]]) == [1.0, 2.0, [3.0], [4.0]]
    cases = [
        (([abs], [abs, abs]), ShapeError,
         r"^grads has 2 functions; expected 1 = B, since losses gives B = 1$"),
        (([], []), ShapeError, r"^losses is empty; expected a list of B >= 1 functions$"),
        ((abs, [abs]), InputTypeError, r"^losses must be a list of functions, one per B"),
        (([abs], [1]), InputTypeError, r"^grads\[0\] must be a function returning numbers; got int 1$"),
    ]
    for args, error, message in cases:
        with pytest.raises(error, match=message):
            f(*args)
    with pytest.raises(ShapeError, match=r"^losses\[1\] returned shape \(2,\); expected one number$"):
        f([lambda t: 1, lambda t: [1, 2]], [abs, abs])[0]


def test_returns_gives_correct_results_back_bit_for_bit():
    rng = np.random.default_rng(0)
    out = rng.normal(size=(3, 5)) * 1e300
    assert decode(lambda z: out, 5) is out  # float64 arrays: the very same object
    ints = np.arange(10, dtype=np.int64).reshape(2, 5) * (2**40 + 1)
    got = decode(lambda z: ints, 5)
    assert got.dtype == np.float64 and np.array_equal(got, ints.astype(np.float64))
    x = rng.normal()
    assert shapes(loss=returns("number"))(lambda loss: loss(0))(lambda t: np.float64(x)) == x
    torch = pytest.importorskip("torch")
    t = torch.tensor(out)
    assert np.array_equal(decode(lambda z: t, 5), out)


def test_returns_costs_about_a_microsecond_per_call():
    import timeit

    theta, z = np.ones(2), np.ones((1, 100))

    def cost(f, *args):
        return min(timeit.repeat(lambda: f(*args), number=2000, repeat=7)) / 2000

    grad = lambda t: t  # noqa: E731
    wrapped = shapes(g=returns("P nan"), theta0="P")(lambda g, theta0: g)(grad, theta)
    dec = lambda q: q  # noqa: E731
    checked = shapes(f=returns("D_x n"), n="int >= 1")(lambda f, n: f)(dec, 100)
    # measured 0.3 us (nan allowed) and 1.5 us (NaN refused) over the bare call; 10 us is slack
    # for a shared machine, far below the ~30 us a full @shapes check of the result would cost
    assert cost(wrapped, theta) - cost(grad, theta) < 10e-6
    assert cost(checked, z) - cost(dec, z) < 10e-6
