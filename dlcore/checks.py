"""Argument checks at the door of every public function.

Each check raises a ``ValueError`` or ``TypeError`` whose message is one line naming the
argument, what it got and what was expected, e.g.::

    ValueError: omegas[1] has shape (3, 4); expected (3, 3) (D_2, D_1)

The error classes subclass ``DLCoreError`` so that ``dlcore.notebook.setup`` can show them
to a student as one line instead of a traceback.
"""

import numbers

import numpy as np

__all__ = [
    "DLCoreError",
    "ShapeError",
    "InputTypeError",
    "as_float_array",
    "as_points",
    "check_ndim",
    "check_shape",
    "check_int",
    "check_positive",
    "check_probability",
    "check_labels",
    "check_param_list",
    "restore_points",
]


class DLCoreError(Exception):
    """Base class of the one-line errors raised for bad input to dlcore."""


class ShapeError(DLCoreError, ValueError):
    """An array has the wrong shape, size or values."""


class InputTypeError(DLCoreError, TypeError):
    """An argument has the wrong type."""


def _describe(value):
    """A short description of what a student passed, for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, np.generic):
        value = value.item()  # np.float64(2.0) -> 2.0 in the message
    return f"{type(value).__name__} {value!r}"[:80]


def as_float_array(value, name, allow_nan=False):
    """``value`` as a float64 NumPy array; raise ``InputTypeError`` if it is not numeric."""
    if isinstance(value, (str, bytes)) or value is None:
        raise InputTypeError(f"{name} must be a number or an array of numbers; got {_describe(value)}")
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must be a number or an array of numbers; got {_describe(value)}"
        ) from None
    if not allow_nan and np.isnan(arr).any():
        raise ShapeError(f"{name} contains NaN; expected finite numbers")
    return arr


def check_ndim(arr, name, ndims, expected=""):
    """Raise ``ShapeError`` unless ``arr.ndim`` is one of ``ndims``."""
    if arr.ndim not in ndims:
        dims = " or ".join(f"{d}-D" for d in ndims)
        hint = f" {expected}" if expected else ""
        raise ShapeError(f"{name} has shape {arr.shape}; expected a {dims} array{hint}")
    return arr


def check_shape(arr, name, shape, expected=""):
    """Raise ``ShapeError`` unless ``arr.shape`` matches ``shape`` (``None`` = any size)."""
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape)
        want += ",)" if len(shape) == 1 else ")"
        hint = f" {expected}" if expected else ""
        raise ShapeError(f"{name} has shape {arr.shape}; expected {want}{hint}")
    return arr


def as_points(x, name="x", D=None):
    """Data points as columns: return ``(x2d, was_1d)`` with ``x2d`` of shape ``(D, I)``.

    A 1-D ``x`` of shape ``(D,)`` is one data point (a column); a scalar is one point with
    ``D = 1``. ``D=None`` accepts any number of rows.
    """
    arr = as_float_array(x, name)
    was_1d = arr.ndim <= 1
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[:, None]  # (D,) -> (D, 1)
    elif arr.ndim != 2:
        raise ShapeError(
            f"{name} has shape {arr.shape}; expected (D, I) with data points as columns"
        )
    if D is not None and arr.shape[0] != D:
        raise ShapeError(
            f"{name} has {arr.shape[0]} rows (shape {arr.shape}); expected {D} rows, "
            "one per input dimension, with data points as columns"
        )
    return arr, was_1d


def restore_points(y, was_1d):
    """Undo ``as_points``: a single point given as 1-D comes back 1-D."""
    return y[:, 0] if was_1d else y


def check_rng(rng, name="rng"):
    """A NumPy random generator (all randomness in dlcore comes through one); returns it."""
    if not isinstance(rng, np.random.Generator):
        raise InputTypeError(f"{name} must be np.random.default_rng(seed); got {type(rng).__name__}")
    return rng


def check_int(value, name, minimum=None):
    """``value`` as a Python int; raise ``InputTypeError``/``ShapeError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputTypeError(f"{name} must be an integer; got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ShapeError(f"{name} must be >= {minimum}; got {value}")
    return value


def check_positive(value, name, strict=True):
    """A positive float (``strict``) or a non-negative one."""
    arr = as_float_array(value, name)
    bad = (arr <= 0) if strict else (arr < 0)
    if bad.any():
        kind = "> 0" if strict else ">= 0"
        got = f"{float(arr.min()):g}" if arr.ndim == 0 else f"a smallest value of {float(arr.min()):g}"
        raise ShapeError(f"{name} must be {kind}; got {got}")
    return arr


def check_probability(value, name, upper_open=False):
    """A probability in [0, 1] (or [0, 1) with ``upper_open``)."""
    p = float(as_float_array(value, name))
    if not (0.0 <= p <= 1.0) or (upper_open and p >= 1.0):
        rng = "[0, 1)" if upper_open else "[0, 1]"
        raise ShapeError(f"{name} must be a probability in {rng}; got {p}")
    return p


def check_labels(y, name, K, I=None):
    """Integer class labels of shape ``(I,)`` with values in ``0..K-1``."""
    arr = np.asarray(y)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must hold integer class labels; got {_describe(y)}")
    check_ndim(arr, name, (1,), "(I,) of integer labels")
    if I is not None and arr.shape[0] != I:
        raise ShapeError(f"{name} has {arr.shape[0]} labels; expected {I}, one per data point")
    if arr.size and (arr.min() < 0 or arr.max() >= K):
        raise ShapeError(
            f"{name} has labels in {arr.min()}..{arr.max()}; expected labels in 0..{K - 1}"
        )
    return arr


def check_param_list(betas, omegas, D_i=None):
    """Check a deep net's ``betas``/``omegas`` lists and return them as float64 arrays.

    ``omegas[k]`` has shape ``(D_{k+1}, D_k)``; ``betas[k]`` has shape ``(D_{k+1},)`` or
    ``(D_{k+1}, 1)``. Returns ``(betas, omegas)`` with every beta as a column ``(D_{k+1}, 1)``.
    """
    for name, seq in (("betas", betas), ("omegas", omegas)):
        if not isinstance(seq, (list, tuple)):
            raise InputTypeError(f"{name} must be a list of arrays, one per layer; got {_describe(seq)}")
    if len(betas) != len(omegas) or len(omegas) == 0:
        raise ShapeError(
            f"betas has {len(betas)} entries and omegas has {len(omegas)}; expected the same "
            "number (K+1 for K hidden layers), at least 1"
        )
    out_b, out_o = [], []
    prev = D_i
    for k, (beta, omega) in enumerate(zip(betas, omegas)):
        omega = check_ndim(as_float_array(omega, f"omegas[{k}]"), f"omegas[{k}]", (2,),
                           f"(D_{k + 1}, D_{k})")
        if prev is not None and omega.shape[1] != prev:
            raise ShapeError(
                f"omegas[{k}] has shape {omega.shape}; expected ({omega.shape[0]}, {prev}) "
                f"because the layer below has {prev} units"
            )
        beta = as_float_array(beta, f"betas[{k}]")
        if beta.ndim == 2 and beta.shape[1] == 1:
            beta = beta[:, 0]
        if beta.shape != (omega.shape[0],):
            raise ShapeError(
                f"betas[{k}] has shape {beta.shape}; expected ({omega.shape[0]},) or "
                f"({omega.shape[0]}, 1) to match omegas[{k}] {omega.shape}"
            )
        out_b.append(beta[:, None])  # (D_{k+1}, 1)
        out_o.append(omega)
        prev = omega.shape[0]
    return out_b, out_o
