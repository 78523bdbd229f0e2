"""Exercises with checks that say *why* an answer is wrong.

Each chapter's exercises live in ``dlcore/exercises/chNN.py`` as a module-level tuple
``EXERCISES`` in notebook order; ``chapter(n)`` returns it. An exercise is either

* a ``ValueExercise``: the answer is a number or an array, compared with the reference value
  to the precision the task states (``decimals`` or ``digits``);
* a ``FunctionExercise``: the answer is a function the student wrote, called on fresh copies
  of probe inputs, each call with a time limit, and compared with the reference function.

Both carry ``mistakes``: known wrong answers (a value, or a function) with a name and an
explanation. When a student's answer matches a known mistake, the check names it.

The student release (``make release``, tools/release.py) ships no chapter modules: it ships
``recorded.pickle.gz``, the same exercises with every reference and mistake function replaced by
``Recorded`` results on the probes. ``chapter(n)`` loads those when ``chNN.py`` is absent, and
the checks give the same verdicts and the same feedback, without the solutions' code.

``check(answer)`` prints one line and returns True (correct), False (wrong) or None (not
attempted). It never raises (only ``KeyboardInterrupt``, the stop button, passes through), and
its feedback never shows the expected answer.
"""

import contextlib
import copy
import dis
import importlib
import io
import numbers
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Mistake", "ValueExercise", "FunctionExercise", "Chapter", "chapter", "all_exercises",
    "show_solution", "TIME_LIMIT", "Recorded", "NotCorrectYet", "record", "save_recorded",
]

TIME_LIMIT = 5.0
"""Seconds a student's function may take on one probe input before the check gives up."""

RTOL = 1e-5
"""Default tolerance of a function's results, relative to the largest entry of the reference
result: a correct float32 implementation (relative round-off ~1e-7) passes, a slip does not."""


@dataclass(frozen=True, repr=False)
class Mistake:
    """A known wrong answer: ``answer`` is what the mistake produces (a value or a function)."""

    name: str
    why: str
    answer: Any

    def __repr__(self):
        return f"Mistake({self.name!r})"


@dataclass(frozen=True, repr=False)
class Recorded:
    """What a function returned on each of an exercise's probes, recorded when the student
    release was made: there, checks compare with these results instead of calling the reference
    or mistake function, whose code the release does not ship. ``None`` marks a probe on which
    the function raised (a mistake that cannot be compared there)."""

    results: tuple

    def __repr__(self):
        return f"<results recorded on {len(self.results)} probes>"


def _result_on(fn, i, args):
    """What ``fn`` returns on probe ``i`` (``args``): called on fresh copies, or recorded."""
    if isinstance(fn, Recorded):
        if fn.results[i] is None:
            raise ValueError("this function raised on this probe when it was recorded")
        return copy.deepcopy(fn.results[i])
    return fn(*copy.deepcopy(args))


class NotCorrectYet(Exception):
    """Raised by ``grade`` when the answer is not correct: the autograder gives a cell's points
    only when it ran without an error. IPython shows it as one line, not a traceback."""

    def _render_traceback_(self):
        return [f"0 points for now: {self}"]


# -- comparing answers ------------------------------------------------------------------------
class _NotNumeric(Exception):
    """The answer cannot be read as real numbers; the message says why, in one line."""


def _as_real_array(value):
    """A student's answer as a float64 array, or raise ``_NotNumeric`` with the reason."""
    if value is None:
        raise _NotNumeric("got None")
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if callable(value) and not isinstance(value, np.ndarray):
        raise _NotNumeric("expected a number or an array, not a function: call it and pass the result")
    if isinstance(value, (str, bytes)):
        raise _NotNumeric(f"expected a number, got the text {str(value)[:20]!r}: remove the quotes")
    if isinstance(value, (dict, set)):
        raise _NotNumeric(f"expected a number or an array, got a {type(value).__name__}")
    try:
        raw = np.asarray(value)
    except Exception:  # ragged lists and the like
        raise _NotNumeric("expected a number or an array of numbers of one shape") from None
    kind = raw.dtype.kind
    if kind in "US":
        raise _NotNumeric("expected numbers, got text (strings such as '3'): remove the quotes")
    if kind == "c":
        raise _NotNumeric("your answer is complex: expected real numbers")
    if kind == "O":
        for item in raw.flat:
            if isinstance(item, (str, bytes)):
                raise _NotNumeric("expected numbers, got text (strings such as '3'): remove the quotes")
            if isinstance(item, complex) or np.iscomplexobj(item):
                raise _NotNumeric("your answer is complex: expected real numbers")
            if not isinstance(item, numbers.Real):
                raise _NotNumeric(f"expected numbers, got a {type(item).__name__} inside your answer")
    if kind not in "biufO":
        raise _NotNumeric(f"expected numbers, got an array of {raw.dtype}")
    try:
        return raw.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise _NotNumeric("expected a number or an array of numbers of one shape") from None


@dataclass(frozen=True)
class _Tol:
    """Accept |got - want| <= atol + rtol * scale, entry by entry, where ``scale`` is the largest
    |want| when ``scaled`` (results of functions) or each entry's own |want| (values)."""

    rtol: float
    atol: float
    scaled: bool
    precision: str  # how the task states it, for the "close" message

    def bound(self, want):
        size = np.max(np.abs(want)) if (self.scaled and want.size) else np.abs(want)
        return self.atol + self.rtol * size


def _compare(got, want, tol):
    """None when ``got`` matches ``want`` within ``tol``; otherwise ("wrong" | "close", reason).

    The reason describes the difference (shape, which entries, too large or too small) and
    never prints the expected value."""
    want = np.asarray(want, dtype=np.float64)
    try:
        arr = _as_real_array(got)
    except _NotNumeric as exc:
        return "wrong", str(exc)
    if arr.shape != want.shape:
        if arr.size == want.size == 1:
            arr = arr.reshape(want.shape)
        else:
            return "wrong", f"expected shape {want.shape}, got shape {arr.shape}"
    if np.isnan(arr).any() and not np.isnan(want).any():
        return "wrong", "your answer contains NaN"
    if np.isinf(arr).any() and not np.isinf(want).any():
        return "wrong", "your answer contains inf (an overflow?)"
    both_nan = np.isnan(arr) & np.isnan(want)
    same_inf = np.isinf(want) & (arr == want)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(both_nan | same_inf, 0.0, np.abs(arr - want))
    bound = tol.bound(np.where(np.isfinite(want), want, 0.0))
    bad = err > bound
    if not bad.any():
        return None
    scale = float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0))
    integral = bool(np.all(np.isfinite(want)) and np.all(want == np.round(want)))
    close = (not integral) and bool(np.all(err <= np.maximum(20 * bound, 1e-2 * scale)))
    if close:
        return "close", (f"close, but not within the precision asked for ({tol.precision}): "
                         "give more digits, or look for a small slip")
    if want.ndim == 0:
        side = "too large" if arr > want else "too small"
        return "wrong", f"expected a different value (yours is {side})"
    idx = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), err.shape)
    side = "too large" if arr[idx] > want[idx] else "too small"
    where = tuple(int(i) for i in idx)
    return "wrong", (f"{int(bad.sum())} of {bad.size} entries differ; the largest difference is "
                     f"at index {where}, where yours is {side}")


def _compare_results(got, want, tol):
    """``_compare`` for results that may be tuples of arrays (several return values)."""
    if isinstance(want, (tuple, list)) and not isinstance(want, np.ndarray):
        if got is None:
            return "wrong", "returned None"
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            what = f"{len(got)} results" if isinstance(got, (tuple, list)) else type(got).__name__
            return "wrong", f"expected {len(want)} results (a tuple), got {what}"
        worst = None
        for i, (g, w) in enumerate(zip(got, want)):
            res = _compare_results(g, w, tol)
            if res is not None:
                if res[0] == "wrong":
                    return "wrong", f"result {i}: {res[1]}"
                worst = worst or ("close", f"{res[1]} in result {i}")
        return worst
    return _compare(got, want, tol)


def _fmt(x):
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape}" if x.size > 4 else np.array2string(x, precision=3)
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in x) + ")"
    if isinstance(x, np.random.Generator):
        return "a random generator"
    if callable(x):
        return getattr(x, "__name__", "a function")
    return repr(x)[:60]


# -- calling a student's function safely --------------------------------------------------------
class _TimeUp(BaseException):
    """Raised inside a student's function when it runs past the time limit."""


class _Tee(io.TextIOBase):
    """Writes to the notebook as usual and remembers whether anything was printed."""

    def __init__(self, stream):
        self.stream, self.printed = stream, False

    def write(self, text):
        self.printed = self.printed or bool(text.strip())
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()


def _with_time_limit(fn, args, seconds):
    """``fn(*args)``, raising ``_TimeUp`` after ``seconds``.

    In the main thread (a Jupyter kernel, a script, pytest) SIGALRM interrupts the function
    between two Python instructions, and again every 0.1 s in case it catches the first one.
    Elsewhere the call runs in a helper thread that is abandoned (and asked to stop) when late.
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise _TimeUp

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                                   ctypes.py_object(_TimeUp))
        raise _TimeUp
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _call_student(fn, args):
    """Call a student's function on fresh copies of ``args``: (result, printed, problem).

    ``problem`` is None or a one-line explanation (it raised, exited, ran too long)."""
    tee = _Tee(sys.stdout)
    try:
        with contextlib.redirect_stdout(tee):
            result = _with_time_limit(fn, copy.deepcopy(args), TIME_LIMIT)
    except KeyboardInterrupt:
        raise
    except _TimeUp:
        return None, tee.printed, (f"your function did not return within the time limit of "
                                   f"{TIME_LIMIT:g} s: is there a loop that never ends?")
    except SystemExit:
        return None, tee.printed, ("your function called exit() (SystemExit): return the "
                                   "result instead")
    except BaseException as exc:
        text = str(exc).splitlines()[0][:120] if str(exc) else ""
        return None, tee.printed, f"your function raised {type(exc).__name__}" + (f": {text}" * bool(text))
    return result, tee.printed, None


_INERT = {"RESUME", "NOP", "CACHE", "RETURN_VALUE", "RETURN_CONST", "COPY_FREE_VARS", "MAKE_CELL",
          "PRECALL", "PUSH_NULL", "POP_TOP"}


def _is_stub_function(fn):
    """True for a function whose body does nothing: ``return None``, ``pass``, ``...`` or
    ``raise NotImplementedError`` (the notebook's untouched stub)."""
    try:
        instructions = list(dis.get_instructions(fn))
    except TypeError:  # a builtin or a callable object
        return False
    for ins in instructions:
        if ins.opname in _INERT:
            continue
        if ins.opname in ("LOAD_CONST", "RETURN_CONST") and ins.argval is None:
            continue
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and ins.argval == "NotImplementedError":
            continue
        if ins.opname in ("RAISE_VARARGS", "CALL", "PRECALL"):
            continue
        return False
    return True


# -- exercises --------------------------------------------------------------------------------
@dataclass(repr=False)
class _Exercise:
    title: str
    task: str
    hint_text: str
    mistakes: tuple = ()
    explanation: str = ""

    # -- the public interface -------------------------------------------------------------
    def __repr__(self):
        kind = "write a function" if isinstance(self, FunctionExercise) else "give a value"
        return (f"<exercise '{self.title}' ({kind}): check your answer with .check(answer), "
                "get a hint with .hint()>")

    def hint(self):
        """Print the hint (returns None, so a notebook shows it once)."""
        print(f"Hint: {self.hint_text}")

    def show(self):
        """Display the task (Markdown with the notes' LaTeX): the one place its text lives."""
        stop = "" if self.title.endswith(("?", "!", ".")) else "."
        text = f"**{self.title}{stop}** {self.task}"
        from ..notebook import show_markdown

        show_markdown(text)
        return None

    def grade(self, answer):
        """The check, for a graded notebook (nbgrader): prints the same one line, then raises
        ``NotCorrectYet`` unless the answer is correct, so the cell earns its points only then.
        Warnings are silenced: nbgrader counts anything on stderr as a failed cell."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict = self.check(answer)
        if verdict is not True:
            raise NotCorrectYet(f"'{self.title}' scores when the check above says Correct.")

    def check(self, answer):
        """Print one line of feedback; return True, False or None (not attempted). Never raises."""
        try:
            verdict, message = self._verdict(answer)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a check must never raise, whatever it is given
            verdict, message = False, f"could not check this answer ({type(exc).__name__}: {exc})"
        prefix = {True: "Correct", False: "Not yet", None: "Not attempted"}[verdict]
        print(f"{prefix}: {message}".replace("\n", " "))
        return verdict

    def _diagnose(self, matches_mistake, reason):
        """After a wrong answer: a known mistake by name, else "close", else the reason."""
        for mistake in self.mistakes:
            try:
                if matches_mistake(mistake):
                    return False, f"this looks like '{mistake.name}': {mistake.why}"
            except Exception:  # a mistake that cannot be compared is simply not this one
                continue
        return False, reason[1]


@dataclass(repr=False)
class ValueExercise(_Exercise):
    """The answer is a number or an array; ``value`` is the reference answer.

    Precision: ``decimals=3`` accepts any answer within 0.0005 (a value rounded to 3 decimals);
    ``digits=4`` accepts 4 significant digits. The task must say which ("to 3 decimals").
    Integer answers (counts, indices) are compared exactly. An answer that is near but outside
    the precision is told "close", not "wrong"."""

    value: Any = None
    decimals: int | None = None
    digits: int | None = None
    solution_code: str = ""  # the code a student would write; it sets `answer` (a test runs it)

    def solution(self):
        return self.value

    def _tol(self):
        if self.decimals is not None:
            return _Tol(0.0, 0.5 * 10.0 ** -self.decimals * (1 + 1e-9) + 1e-12, False,
                        f"{self.decimals} decimals")
        if self.digits is not None:
            return _Tol(0.5 * 10.0 ** (1 - self.digits) * (1 + 1e-9), 1e-12, False,
                        f"{self.digits} significant digits")
        return _Tol(1e-9, 1e-12, False, "exact")

    def _verdict(self, answer):
        if answer is None or answer is Ellipsis:
            return None, "replace the None with your answer and run the check again."
        tol = self._tol()
        result = _compare(answer, self.value, tol)
        if result is None:
            return True, self.explanation or f"{self.title} done."
        return self._diagnose(lambda m: _compare(answer, m.answer, tol) is None, result)


@dataclass(repr=False)
class FunctionExercise(_Exercise):
    """The answer is a function; it is called on fresh copies of each probe (a tuple of
    arguments), with a time limit, and its results compared with ``reference`` on the same
    probe, to ``rtol`` relative to the largest entry of each reference result."""

    reference: Callable = None
    probes: tuple = field(default_factory=tuple)
    rtol: float = RTOL
    atol: float = 1e-12

    def solution(self):
        return self.reference

    def _tol(self):
        return _Tol(self.rtol, self.atol, True, f"relative error {self.rtol:g}")

    def _verdict(self, answer):
        if answer is None or answer is Ellipsis or (callable(answer) and _is_stub_function(answer)):
            return None, "write the function's body (replace `return None`) and run the check again."
        if not callable(answer):
            return False, (f"expected a function, got {type(answer).__name__}: pass the "
                           "function's name, without ()")
        tol = self._tol()
        results, first_bad = [], None
        for args in self.probes:
            got, printed, problem = _call_student(answer, args)
            if problem is not None:
                return False, f"{problem} (input {_fmt(args)})"
            if got is None:
                if printed:
                    return False, ("your function printed its result but returned None: "
                                   "replace print(...) with return ...")
                return False, "your function returned None: did you forget `return`?"
            results.append(got)
            res = _compare_results(got, _result_on(self.reference, len(results) - 1, args), tol)
            if res is not None and (first_bad is None or (res[0] == "wrong" and first_bad[0] == "close")):
                first_bad = (res[0], f"for input {_fmt(args)}: {res[1]}" if res[0] == "wrong"
                             else f"{res[1]} (input {_fmt(args)})")
        if first_bad is None:
            return True, self.explanation or f"{self.title} done."

        def matches(mistake):
            return all(_compare_results(got, _result_on(mistake.answer, i, args), tol) is None
                       for i, (got, args) in enumerate(zip(results, self.probes)))

        return self._diagnose(matches, first_bad)


class Chapter(tuple):
    """A chapter's exercises in notebook order (``EX[0]``), each also reachable by its name in
    ``dlcore/exercises/chNN.py`` (``EX.dropout``), so a notebook never depends on positions."""

    def __new__(cls, exercises, names):
        obj = super().__new__(cls, exercises)
        obj._names = dict(names)
        return obj

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(f"this chapter has no exercise {name!r}; its exercises are: "
                                 f"{', '.join(self._names)}") from None

    def __dir__(self):
        return [*self._names, *super().__dir__()]

    def __repr__(self):
        return "exercises: " + ", ".join(f"EX.{n} ('{q.title}')" for n, q in self._names.items())


RECORDED = "recorded.pickle.gz"
"""The student release's file of recorded exercises, next to this module (see ``Recorded``)."""


def _module_chapter(n):
    """Chapter n from its module chNN.py (the full course), or None when the module is absent."""
    name = f"dlcore.exercises.ch{n:02d}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    exercises = tuple(module.EXERCISES)
    names = {}
    for q in exercises:
        found = [k for k, v in vars(module).items() if v is q and not k.startswith("_")]
        if len(found) != 1:
            raise RuntimeError(f"ch{n:02d}: exercise '{q.title}' needs one public name")
        names[found[0]] = q
    return Chapter(exercises, names)


_recorded_chapters = None


def _recorded():
    """{chapter number: {name: exercise}} from the release's recorded file, or {} without it."""
    global _recorded_chapters
    if _recorded_chapters is None:
        import gzip
        import pickle
        from pathlib import Path

        path = Path(__file__).with_name(RECORDED)
        _recorded_chapters = pickle.loads(gzip.decompress(path.read_bytes())) if path.exists() else {}
    return _recorded_chapters


def chapter(n):
    """The exercises of chapter n (0..11), in notebook order, also reachable by name."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 99:
        raise ValueError(f"chapter must be an integer such as 1; got {n!r}")
    found = _module_chapter(int(n))
    if found is not None:
        return found
    if int(n) in _recorded():
        names = _recorded()[int(n)]
        return Chapter(tuple(names.values()), names)
    raise ValueError(f"there is no chapter {int(n)} with exercises")


def all_exercises():
    """Every exercise of every chapter as (chapter number, index, exercise)."""
    import pkgutil

    numbers = {int(m.name[2:]) for m in pkgutil.iter_modules(__path__)
               if m.name.startswith("ch") and m.name[2:].isdigit()}
    found = []
    for n in sorted(numbers | set(_recorded())):
        for i, q in enumerate(chapter(n)):
            found.append((n, i, q))
    return found


def record(q):
    """``q`` as the student release ships it: a ``FunctionExercise``'s reference and mistake
    functions replaced by their ``Recorded`` results on the probes, a ``ValueExercise`` without
    its solution code. Its checks give the same verdicts and feedback as ``q``'s."""
    import dataclasses

    if isinstance(q, ValueExercise):
        return dataclasses.replace(q, solution_code="")

    def on_probes(fn):
        results = []
        for args in q.probes:
            try:
                results.append(fn(*copy.deepcopy(args)))
            except Exception:
                results.append(None)
        return Recorded(tuple(results))

    reference = on_probes(q.reference)
    if any(r is None for r in reference.results):
        raise RuntimeError(f"'{q.title}': the reference raised on a probe")
    mistakes = tuple(Mistake(m.name, m.why, on_probes(m.answer) if callable(m.answer) else m.answer)
                     for m in q.mistakes)
    return dataclasses.replace(q, reference=reference, mistakes=mistakes)


def save_recorded(path):
    """Write every chapter's exercises, recorded (``record``), to ``path`` (gzip of a pickle)."""
    import gzip
    import pickle

    chapters = {}
    for n, _, _ in all_exercises():
        if n not in chapters:
            chapters[n] = {name: record(q) for name, q in chapter(n)._names.items()}
    data = gzip.compress(pickle.dumps(chapters, protocol=pickle.HIGHEST_PROTOCOL), mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return chapters


def show_solution(q):
    """Display an exercise's solution: the source of the function a student should have
    written, or the value with its worked explanation."""
    sol = q.solution()
    if isinstance(sol, Recorded) or (isinstance(q, ValueExercise) and not q.solution_code):
        print(f"The solution to '{q.title}' is not part of this release; ask your instructor.")
        return None
    if callable(sol):
        from ..notebook import show_source

        show_source(sol)
        return None
    code = getattr(q, "solution_code", "")
    if code:
        from ..notebook import show_code

        show_code(code.strip() + "\n", title=f"a solution to '{q.title}'")
    print(f"Solution to '{q.title}': {_fmt(sol) if not isinstance(sol, float) else sol}")
    if q.explanation:
        print(q.explanation)
    return None
