"""Argument checks at the door of every public function.

Each check raises a ``ValueError`` or ``TypeError`` whose message is one line naming the
argument, what it got and what was expected, e.g.::

    ValueError: omegas[1] has shape (3, 4); expected (3, 3) (D_2, D_1)

The error classes subclass ``DLCoreError`` so that ``dlcore.notebook.setup`` can show them
to a student as one line instead of a traceback.
"""

import functools
import inspect
import math
import numbers
import re

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
    "check_rng",
    "shapes",
    "returns",
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
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case, fast
        if not allow_nan and np.isnan(value).any():
            raise ShapeError(f"{name} contains NaN; expected finite numbers")
        return value
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


# ------------------------------------------------------------------------------------------
# The contract at the door: @shapes(x="D_i I", theta="D 1+D_i", alpha="> 0")
# ------------------------------------------------------------------------------------------
_SYMBOL = re.compile(r"^(?:(\d+)\+)?([A-Za-z_][A-Za-z0-9_]*)(?:\+(\d+))?$")


class _Dim:
    """One axis of a shape spec: a number (``3``), a symbol (``D_i``), ``1+D_i`` or ``*``."""

    def __init__(self, token):
        self.text = token
        self.size = self.symbol = None
        self.offset = 0
        if token == "*":
            return
        if token.isdigit():
            self.size = int(token)
            return
        m = _SYMBOL.match(token)
        if not m:
            raise ValueError(f"bad dimension {token!r} in a shape contract")
        self.symbol = m.group(2)
        self.offset = int(m.group(1) or 0) + int(m.group(3) or 0)

    def want(self, sizes):
        """The size this axis must have given the symbols bound so far (None: not known)."""
        if self.size is not None:
            return self.size
        if self.symbol is not None and self.symbol in sizes:
            return sizes[self.symbol] + self.offset
        return None


def _parse(spec):
    """A contract string -> (kind, details)."""
    if "|" in spec:  # alternatives by number of axes: "number | I | D_o I"
        options = [("array", {"dims": [], "nan": False}) if part.strip() in ("number", "")
                   else _parse(part) for part in spec.split("|")]
        if any(kind != "array" for kind, _ in options):
            raise ValueError(f"only array shapes can be alternatives: {spec!r}")
        return "either", {"options": [info for _, info in options]}
    words = spec.split()
    if len(words) == 3 and words[:2] == ["axis", "of"]:
        return "axis", {"of": words[2]}
    flags = {w for w in words if w in ("points", "columns", "rows", "nan")}
    words = [w for w in words if w not in flags]
    if spec.strip() in ("> 0", ">= 0"):
        return "positive", {"strict": spec.strip() == "> 0"}
    if spec.strip() in ("[0, 1]", "[0, 1)"):
        return "probability", {"upper_open": spec.strip().endswith(")")}
    if words[:1] == ["int"]:
        minimum = int(words[2]) if len(words) == 3 and words[1] == ">=" else None
        if len(words) not in (1, 3) or (len(words) == 3 and words[1] != ">="):
            raise ValueError(f"bad int contract {spec!r}; write 'int' or 'int >= 1'")
        return "int", {"minimum": minimum}
    if words[:2] == ["one", "of"]:
        return "option", {"choices": words[2:]}
    if words[:1] == ["labels"]:  # "labels I < K"
        if len(words) != 4 or words[2] != "<":
            raise ValueError(f"bad labels contract {spec!r}; write 'labels I < K'")
        return "labels", {"I": _Dim(words[1]), "K": words[3]}
    if spec.strip() in ("number", "bool", "function", "rng", "net", "list"):
        return spec.strip(), {}
    if words == ["..."]:
        return "any", {"nan": "nan" in flags}
    dims = [_Dim(w) for w in words]
    if "rows" in flags:
        if len(dims) != 2:
            raise ValueError(f"a rows contract names two axes: {spec!r}")
        return "rows", {"dims": dims, "nan": "nan" in flags}
    if "points" in flags or "columns" in flags:
        if len(dims) != 2:
            raise ValueError(f"a points contract names two axes, rows and points: {spec!r}")
        return "points", {"dims": dims, "restore": "points" in flags, "nan": "nan" in flags}
    return "array", {"dims": dims, "nan": "nan" in flags}


def _shape_text(dims):
    inner = ", ".join(d.text.replace("+", " + ") if d.symbol else d.text for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def _bind(arr, name, dims, sizes, origin):
    """Check arr's shape against dims, binding new symbols; raise ShapeError naming them."""
    if arr.ndim != len(dims):
        spec = _shape_text(dims)
        raise ShapeError(f"{name} has shape {arr.shape}; expected a {len(dims)}-D array {spec}")
    for axis, (dim, n) in enumerate(zip(dims, arr.shape)):
        want = dim.want(sizes)
        if want is None:
            if dim.symbol is not None:
                if n < dim.offset:
                    spec = _shape_text(dims)
                    raise ShapeError(f"{name} has shape {arr.shape}; expected {spec} with "
                                     f"{dim.text} >= {dim.offset} along axis {axis}")
                sizes[dim.symbol] = n - dim.offset
                origin[dim.symbol] = name
            continue
        if n != want:
            spec = _shape_text(dims)
            expected = tuple(d.want(sizes) for d in dims)
            shown = "(" + ", ".join("any" if e is None else str(e) for e in expected)
            shown += ",)" if len(dims) == 1 else ")"
            src = origin.get(dim.symbol)
            why = f", since {src} gives {dim.symbol} = {sizes[dim.symbol]}" if src and \
                src != name else ""
            raise ShapeError(f"{name} has shape {arr.shape}; expected {shown} = {spec}{why}")
    return arr


def _convert(value, name, kind, info, sizes, origin, bound):
    if kind == "positive":
        if type(value) is float and (value > 0 or (value == 0 and not info["strict"])):
            return value  # the common case, fast
        arr = check_positive(value, name, strict=info["strict"])
        return float(arr) if arr.ndim == 0 else arr
    if kind == "probability":
        return check_probability(value, name, upper_open=info["upper_open"])
    if kind == "int":
        out = check_int(value, name, info["minimum"])
        sizes.setdefault(name, out)
        return out
    if kind == "number":
        arr = as_float_array(value, name)
        if arr.ndim != 0:
            raise ShapeError(f"{name} must be one number; got an array of shape {arr.shape}")
        return float(arr)
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise InputTypeError(f"{name} must be True or False; got {_describe(value)}")
        return bool(value)
    if kind == "function":
        if not callable(value):
            raise InputTypeError(f"{name} must be a function; got {_describe(value)}")
        return value
    if kind == "rng":
        return check_rng(value, name)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise InputTypeError(f"{name} must be a list; got {_describe(value)}")
        return list(value)
    if kind == "option":
        if not isinstance(value, str) or value not in info["choices"]:
            raise ShapeError(f"{name} is {value!r}; expected one of {info['choices']}")
        return value
    if kind == "labels":
        K = sizes.get(info["K"]) if not info["K"].isdigit() else int(info["K"])
        if K is None:
            raise TypeError(f"contract for {name}: {info['K']} must be bound before the labels")
        arr = check_labels(value, name, K, info["I"].want(sizes))
        if info["I"].symbol and info["I"].symbol not in sizes:
            sizes[info["I"].symbol] = arr.shape[0]
            origin[info["I"].symbol] = name
        return arr
    if kind == "points":
        rows, cols = info["dims"]
        arr = as_float_array(value, name, allow_nan=info["nan"])
        one = arr.ndim <= 1
        arr, _ = as_points(arr, name, D=rows.want(sizes))
        _bind(arr, name, info["dims"], sizes, origin)
        if one and info["restore"]:
            bound["__one_point__"] = True
        return arr
    if kind == "rows":  # a 1-D array is one row: (I,) -> (1, I)
        arr = as_float_array(value, name, allow_nan=info["nan"])
        return _bind(arr[None, :] if arr.ndim == 1 else arr, name, info["dims"], sizes, origin)
    if kind == "either":
        arr = as_float_array(value, name, allow_nan=any(o["nan"] for o in info["options"]))
        for option in info["options"]:
            if arr.ndim == len(option["dims"]):
                return _bind(arr, name, option["dims"], sizes, origin)
        wanted = " or ".join(_shape_text(o["dims"]) for o in info["options"])
        raise ShapeError(f"{name} has shape {arr.shape}; expected {wanted}")
    arr = as_float_array(value, name, allow_nan=info["nan"])
    if kind == "any":
        return arr
    return _bind(arr, name, info["dims"], sizes, origin)


class _Returns:
    """The contract ``returns(spec)`` makes; ``shapes`` calls ``wrap`` at the door."""

    def __init__(self, spec, each=None):
        self.spec, self.each = spec, each
        self.check, text = spec if isinstance(spec, tuple) else (None, spec)
        words = text.split()
        self.nan = "nan" in words
        if [w for w in words if w != "nan"] == ["number"]:
            self.kind, self.dims = "number", None
        else:
            self.kind, info = _parse(text)
            if self.kind not in ("any", "array", "rows"):
                raise ValueError(f"returns({text!r}): a result is 'number', '...' or its axes, "
                                 "e.g. 'D_x I' (with 'rows' or 'nan')")
            self.dims = info.get("dims")
        self.each_dim = None if each is None else _Dim(each)
        self.symbols = tuple(dict.fromkeys(d.symbol for d in self.dims or () if d.symbol))
        self.plans = {}  # the sizes bound to self.symbols -> the plan of the fast check

    def __repr__(self):
        each = "" if self.each is None else f", each={self.each!r}"
        return f"returns({self.spec!r}{each})"

    def wanted(self):
        """What a result must be, in words: 'one number', 'numbers', '(D_x, n)'."""
        if self.kind == "number":
            return "one number"
        return "numbers" if self.kind == "any" else f"numbers of shape {_shape_text(self.dims)}"

    def wrap(self, value, name, sizes, origin):
        """The argument checked (a function, or a list of B of them) and wrapped."""
        if self.each_dim is None:
            return self._wrap_one(value, name, sizes, origin)
        symbol = self.each_dim.symbol
        if not isinstance(value, (list, tuple)):
            raise InputTypeError(f"{name} must be a list of functions, one per {symbol}; got "
                                 f"{_describe(value)}")
        want = self.each_dim.want(sizes)
        if want is None:
            if not value:
                raise ShapeError(f"{name} is empty; expected a list of {symbol} >= 1 functions")
            sizes[symbol], origin[symbol] = len(value), name
        elif len(value) != want:
            raise ShapeError(f"{name} has {len(value)} functions; expected {want} = {symbol}, "
                             f"since {_source(symbol, sizes, origin)}")
        return [self._wrap_one(f, f"{name}[{k}]", sizes, origin) for k, f in enumerate(value)]

    def _wrap_one(self, fn, name, sizes, origin):
        if not callable(fn):
            raise InputTypeError(f"{name} must be a function returning {self.wanted()}; got "
                                 f"{_describe(fn)}")
        kind, nan, check = self.kind, self.nan, self.check
        plan = []  # [the fast check's plan], taken at the first call, when every argument of
        # the checked function has bound its symbols

        def checked_result(*args, **kwargs):
            out = fn(*args, **kwargs)
            if kind == "number" and isinstance(out, float) and (nan or out == out):
                return float(out)  # the common case, fast (np.float64 is a float too)
            if type(out) is not np.ndarray or out.dtype != np.float64 or \
                    (not nan and out.size and math.isnan(np.minimum.reduce(out, None))):
                out = self._numbers(out, name)  # converts, or names what came back (min: NaN)
            if check is not None:
                out = check(out, name)
            if kind == "any":
                return out
            if kind == "number":
                if out.size != 1:
                    raise ShapeError(f"{name} returned shape {out.shape}; expected one number")
                return float(out.reshape(()))
            if kind == "rows" and out.ndim == 1:
                out = out[None, :]  # (I,) -> (1, I): one row
            if not plan:
                key = tuple(map(sizes.get, self.symbols))
                if key not in self.plans:
                    if len(self.plans) > 255:
                        self.plans.clear()
                    self.plans[key] = self._plan(sizes)
                plan.append(self.plans[key])
            exact, loose = plan[0]
            if out.shape == exact or (loose is not None and _fits(out.shape, loose)):
                return out
            return self._shape(out, name, sizes, origin)

        return checked_result

    def _numbers(self, out, name):
        """A result as a float64 array, or a one-line error naming what came back."""
        try:
            arr = as_float_array(out, name, allow_nan=True)
        except InputTypeError:
            raise InputTypeError(f"{name} returned {_describe(out)}; expected "
                                 f"{self.wanted()}") from None
        if not self.nan:
            bad = int(np.isnan(arr).sum())
            if bad:
                raise ShapeError(f"{name} returned NaN ({bad} of {arr.size} values); expected "
                                 f"finite {self.wanted()}")
        return arr

    def _plan(self, sizes):
        """The fast check: (the exact shape, None) when the bound symbols fix every axis, else
        (None, (ndim, the axes they fix, pairs of axes a free symbol ties)), or (None, None) if a
        free symbol has an offset (the slow path binds it)."""
        known, same, free = [], [], {}
        for axis, dim in enumerate(self.dims):
            size = dim.want(sizes)
            if size is not None:
                known.append((axis, size))
            elif dim.symbol is not None:
                if dim.offset:
                    return None, None
                if dim.symbol in free:
                    same.append((free[dim.symbol], axis))
                free.setdefault(dim.symbol, axis)
        if len(known) == len(self.dims):
            return tuple(size for _, size in known), None
        return None, (len(self.dims), tuple(known), tuple(same))

    def _shape(self, out, name, sizes, origin):
        """The full check (binding the free symbols); a one-line error if it fails."""
        try:
            return _bind(out, name, self.dims, dict(sizes), {})
        except ShapeError:
            pass
        shown = tuple(dim.text.replace("+", " + ") if dim.want(sizes) is None
                      else str(dim.want(sizes)) for dim in self.dims)
        shown = f"({shown[0]},)" if len(shown) == 1 else "(" + ", ".join(shown) + ")"
        spec = _shape_text(self.dims)
        expected = shown if shown == spec else f"{shown} = {spec}"
        bound = dict.fromkeys(d.symbol for d in self.dims if d.symbol in sizes)
        why = " and ".join(_source(symbol, sizes, origin) for symbol in bound)
        raise ShapeError(f"{name} returned shape {out.shape}; expected {expected}"
                         + (f", since {why}" if why else ""))


def _fits(shape, plan):
    """The fast shape check: the number of axes, the sizes bound symbols fix, the ties."""
    ndim, known, ties = plan
    if len(shape) != ndim:
        return False
    for axis, size in known:
        if shape[axis] != size:
            return False
    for a, b in ties:
        if shape[a] != shape[b]:
            return False
    return True


def _source(symbol, sizes, origin):
    """'S = 3' (an int argument of that name) or 'theta0 gives P = 3'."""
    src = origin.get(symbol, symbol)
    return f"{symbol} = {sizes[symbol]}" if src == symbol else f"{src} gives {symbol} = {sizes[symbol]}"


def returns(spec, each=None):
    """A contract for a function argument: it must be callable, and each call's result is checked.

    ::

        @shapes(q_sample=returns("D_z S rows"), log_joint=returns("S"), S="int >= 1")
        def importance_log_marginal(log_joint, q_sample, S): ...

    ``spec`` states the result in the contract language: axes (``"D_x n"``; symbols bound by
    the other arguments are required, the others are free), ``"..."`` (numbers of any shape),
    ``"number"`` (one number, any array of size 1, given back as a float), with ``rows`` (a 1-D
    result is one row, ``(I,) -> (1, I)``) and ``nan`` (NaN allowed; refused otherwise), or a
    pair ``(check, "S")``: ``check(result, name)`` gets the result as float64 and returns it,
    converted, before its shape is checked. The result is given back as float64 (unchanged if it
    already was). ``each="B"``: the argument is a list of B >= 1 such functions (B is bound like
    any symbol). A bad result raises a one-line ``DLCoreError``: ``q_sample returned shape
    (1, 4); expected (D_z, 3) = (D_z, S), since S = 3``.
    """
    return _Returns(spec, each)


def _restore(result):
    """Undo the column form of a single point given as 1-D, in the result(s)."""
    if isinstance(result, np.ndarray):
        return result[:, 0] if result.ndim == 2 and result.shape[1] == 1 else result
    if isinstance(result, (tuple, list)):
        return type(result)(_restore(r) for r in result)
    return result


def shapes(where=None, **contract):
    """State at the door what each argument must be, in the notes' symbols, and check it.

    ::

        @shapes(x="D_i I points", theta="D 1+D_i", alpha="> 0")
        def f(x, theta, alpha): ...

    An array contract lists its axes: a symbol (``D_i``, ``I``), a number, ``1+D_i`` or ``*``
    (any size). A symbol is bound by the first argument (in the signature's order) that shows
    it, and every later argument must agree; an int argument binds the symbol of its own name.
    Arrays arrive as float64 NumPy arrays (torch tensors and lists converted); NaN is refused
    unless the contract says ``nan``; ``D_o I rows`` takes a 1-D array as one row (1, I).
    ``D_i I points`` is data as columns (D_i, I): a 1-D array
    is one point, and the result comes back 1-D too (or accepted as one column but not
    restored, ``D_i I columns``). Other contracts: ``"> 0"``, ``">= 0"``, ``"[0, 1]"``,
    ``"[0, 1)"``, ``"int"``, ``"int >= 1"``, ``"number"``, ``"bool"``, ``"function"``, ``"rng"``,
    ``"list"``, ``"one of a b c"``, ``"axis of z"`` (an axis of the argument z, checked after it),
    ``"labels I < K"`` (integer labels 0..K-1, one per point), ``"net"`` (on ``betas`` and
    ``omegas``: a deep net's parameter lists, betas as columns), ``returns("D_x I")`` (a
    function whose every result is checked, see ``returns``), any function
    ``check(value, name)`` that returns the converted value, or a pair ``(check, "D_i I")``:
    the function converts, then the shape is checked and its symbols bound. ``where`` states
    what relates several arguments (a kernel that must fit the padded input, y against the net's
    output): ``where(args)`` gets the checked arguments as a dict, after every other contract,
    and raises a one-line ``DLCoreError`` or replaces entries (e.g. reshaped). A broken contract raises a
    one-line ``DLCoreError`` naming the argument; the body only ever sees good values.
    """
    parsed = {}
    for name, spec in contract.items():
        if isinstance(spec, _Returns):  # a function, wrapped so its results are checked
            parsed[name] = ("returns", spec)
        elif isinstance(spec, tuple):  # (convert, "D_i I"): a custom conversion, then a shape
            parsed[name] = ("then", (spec[0], _parse(spec[1])))
        else:
            parsed[name] = ("custom", spec) if callable(spec) else _parse(spec)

    def decorate(fn):
        sig = inspect.signature(fn)
        unknown = set(parsed) - set(sig.parameters)
        if unknown:
            raise TypeError(f"@shapes names {sorted(unknown)}, not arguments of {fn.__name__}")
        order = [n for n in sig.parameters if n in parsed]
        int_params = [n for n in order if parsed[n][0] == "int"]
        nets = [n for n in order if parsed[n][0] == "net"]
        if nets and set(nets) != {"betas", "omegas"}:
            raise TypeError("the 'net' contract goes on both betas and omegas")
        first_net = "betas" if nets else None
        order = nets[:1] + [n for n in order if n not in nets]  # the net binds D_i first

        params = list(sig.parameters.values())
        simple = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params)
        names = [p.name for p in params]

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            if simple and len(args) <= len(names):
                values = dict(zip(names, args))
                for key, value in kwargs.items():
                    if key not in sig.parameters or key in values:
                        raise InputTypeError(f"{fn.__name__}() got an unexpected or repeated "
                                             f"argument {key!r}")
                    values[key] = value
                for p in params[len(args):]:
                    if p.name not in values:
                        if p.default is p.empty:
                            raise InputTypeError(f"{fn.__name__}() is missing the argument "
                                                 f"{p.name!r}")
                        values[p.name] = p.default
            else:
                try:
                    bound = sig.bind(*args, **kwargs)
                except TypeError as err:
                    raise InputTypeError(f"{fn.__name__}(): {err}") from None
                bound.apply_defaults()
                values = bound.arguments
            sizes, origin, flags = {}, {}, {}
            for name in int_params:  # sizes given as arguments bind their symbol first
                if values[name] is None and sig.parameters[name].default is None:
                    continue  # an optional argument left out
                values[name] = _convert(values[name], name, "int", parsed[name][1], sizes,
                                        origin, flags)
                origin[name] = name
            for name in order:
                kind, info = parsed[name]
                value = values[name]
                if kind == "int" or (kind == "net" and name != first_net):
                    continue
                if value is None and sig.parameters[name].default is None:
                    continue  # an optional argument left out
                if kind == "custom":
                    values[name] = info(value, name)
                elif kind == "returns":
                    values[name] = info.wrap(value, name, sizes, origin)
                elif kind == "axis":
                    ndim = np.ndim(values[info["of"]])
                    axis = check_int(value, name)
                    if not -ndim <= axis < max(ndim, 1):
                        raise ShapeError(f"{name} is {axis}; {info['of']} has {ndim} axes, so "
                                         f"expected an axis in {-ndim}..{ndim - 1}")
                    values[name] = axis
                elif kind == "then":
                    convert, (kind2, info2) = info
                    values[name] = _convert(convert(value, name), name, kind2, info2, sizes,
                                            origin, flags)
                elif kind == "net":
                    D_i = sizes.get("D_i")
                    b, o = check_param_list(values["betas"], values["omegas"], D_i=D_i)
                    values["betas"], values["omegas"] = b, o
                    if D_i is None:
                        sizes["D_i"], origin["D_i"] = o[0].shape[1], "omegas[0]"
                else:
                    values[name] = _convert(value, name, kind, info, sizes, origin, flags)
            if where is not None:
                where(values)
            if simple and len(args) <= len(names):
                result = fn(*[values[n] for n in names])
            else:
                result = fn(*bound.args, **bound.kwargs)
            return _restore(result) if flags else result

        checked.contract = dict(contract)
        checked.where = where
        return checked

    return decorate
