"""Exercises with checks that say *why* an answer is wrong.

Each chapter's exercises live in ``dlcore/exercises/chNN.py`` as a module-level tuple
``EXERCISES`` in notebook order; ``chapter(n)`` returns it. An exercise is either

* a ``ValueExercise``: the answer is a number or an array, compared with the reference value;
* a ``FunctionExercise``: the answer is a function the student wrote, called on probe inputs
  and compared with the reference function.

Both carry ``mistakes``: known wrong answers (a value, or a function) with a name and an
explanation. When a student's answer matches a known mistake, the check names it.

``check(answer)`` prints one line and returns True (correct), False (wrong) or None (not
attempted). It never raises.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Mistake", "ValueExercise", "FunctionExercise", "chapter", "all_exercises", "show_solution",
]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``answer`` is what the mistake produces (a value or a function)."""

    name: str
    why: str
    answer: Any


def _as_array(value):
    """A student's answer as a float array, or None if it is not numeric."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes, dict, set)) or callable(value):
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return arr


def _compare(got, want, rtol, atol):
    """Return None when ``got`` matches ``want``; otherwise a short reason string."""
    want = np.asarray(want, dtype=np.float64)
    arr = _as_array(got)
    if arr is None:
        return f"expected a number or an array, got {type(got).__name__}"
    if arr.shape != want.shape:
        if arr.size == want.size == 1:
            arr = arr.reshape(want.shape)
        else:
            return f"expected shape {want.shape}, got shape {arr.shape}"
    if np.isnan(arr).any():
        return "your answer contains NaN"
    if np.allclose(arr, want, rtol=rtol, atol=atol):
        return None
    if want.ndim == 0:
        return f"got {float(arr):.6g}, expected a different value"
    diff = np.abs(arr - want)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return f"differs most at index {tuple(int(i) for i in idx)}: got {arr[idx]:.6g} (off by {diff[idx]:.3g})"


def _fmt(x):
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}" if x.size > 4 else np.array2string(x, precision=3)
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, tuple):
        return "(" + ", ".join(_fmt(v) for v in x) + ")"
    return repr(x)[:60]


@dataclass
class _Exercise:
    title: str
    task: str
    hint_text: str
    mistakes: tuple = ()
    rtol: float = 1e-6
    atol: float = 1e-8
    explanation: str = ""

    # -- the public interface -------------------------------------------------------------
    def hint(self):
        """Print the hint (returns None, so a notebook shows it once)."""
        print(f"Hint: {self.hint_text}")

    def check(self, answer):
        """Print one line of feedback; return True, False or None (not attempted). Never raises."""
        try:
            verdict, message = self._verdict(answer)
        except Exception as exc:  # a check must never raise, whatever it is given
            verdict, message = False, f"could not check this answer ({type(exc).__name__}: {exc})"
        prefix = {True: "Correct", False: "Not yet", None: "Not attempted"}[verdict]
        print(f"{prefix}: {message}".replace("\n", " "))
        return verdict

    def _verdict(self, answer):
        if self._is_stub(answer):
            return None, "replace the None (or the stub) with your answer and run the check again."
        reason = self._reason(answer, self.solution())
        if reason is None:
            return True, self.explanation or f"{self.title} done."
        for mistake in self.mistakes:
            try:
                if self._reason(answer, mistake.answer) is None:
                    return False, f"this looks like '{mistake.name}': {mistake.why}"
            except Exception:  # a mistake that cannot be compared is simply not this one
                continue
        return False, reason

    def _is_stub(self, answer):
        return answer is None or answer is Ellipsis


@dataclass
class ValueExercise(_Exercise):
    """The answer is a number or an array; ``value`` is the reference answer."""

    value: Any = None

    def solution(self):
        return self.value

    def _reason(self, answer, want):
        if callable(answer):
            return "expected a number or an array, not a function: call it and pass the result"
        return _compare(answer, want, self.rtol, self.atol)


@dataclass
class FunctionExercise(_Exercise):
    """The answer is a function; it is called on each probe (a tuple of arguments) and its
    result compared with ``reference`` on the same probe."""

    reference: Callable = None
    probes: tuple = field(default_factory=tuple)

    def solution(self):
        return self.reference

    def _is_stub(self, answer):
        if super()._is_stub(answer):
            return True
        if not callable(answer):
            return False
        try:
            result = answer(*self.probes[0])
        except NotImplementedError:
            return True
        except Exception:
            return False
        return result is None

    def _reason(self, answer, want_fn):
        if not callable(answer):
            return f"expected a function, got {type(answer).__name__}"
        for args in self.probes:
            want = want_fn(*args)
            try:
                got = answer(*args)
            except Exception as exc:
                return f"your function raised {type(exc).__name__}: {exc} for input {_fmt(args)}"
            reason = _compare_results(got, want, self.rtol, self.atol)
            if reason is not None:
                return f"for input {_fmt(args)}: {reason}"
        return None


def _compare_results(got, want, rtol, atol):
    if isinstance(want, (tuple, list)) and not isinstance(want, np.ndarray):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"expected {len(want)} results, got {type(got).__name__}"
        for i, (g, w) in enumerate(zip(got, want)):
            reason = _compare_results(g, w, rtol, atol)
            if reason is not None:
                return f"result {i}: {reason}"
        return None
    return _compare(got, want, rtol, atol)


def chapter(n):
    """The exercises of chapter n (1..11), in notebook order."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 99:
        raise ValueError(f"chapter must be an integer such as 1; got {n!r}")
    module = importlib.import_module(f"dlcore.exercises.ch{int(n):02d}")
    return tuple(module.EXERCISES)


def all_exercises():
    """Every exercise of every chapter as (chapter number, index, exercise)."""
    import pkgutil

    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("ch") and info.name[2:].isdigit():
            for i, q in enumerate(chapter(int(info.name[2:]))):
                found.append((int(info.name[2:]), i, q))
    return found


def show_solution(q):
    """Display an exercise's solution: the source of a function, or the value."""
    sol = q.solution()
    if callable(sol):
        from ..notebook import show_source

        show_source(sol)
        return None
    print(f"Solution to '{q.title}': {_fmt(sol) if not isinstance(sol, float) else sol}")
    if q.explanation:
        print(q.explanation)
    return None

