"""Every exercise of every chapter: the solution passes, the stub is 'not attempted', each
known mistake is diagnosed by name, and junk never raises."""

import math

import numpy as np
import pytest

from dlcore.exercises import FunctionExercise, all_exercises, chapter

EXERCISES = all_exercises()
IDS = [f"ch{c:02d}-{i + 1}-{q.title[:30]}" for c, i, q in EXERCISES]

JUNK = [
    "a string", 3, -1.5, math.nan, math.inf, [1, 2, 3], np.zeros((7, 5)), np.full(3, np.nan),
    {"a": 1}, object(), lambda *a: 1 / 0, lambda *a: "text", lambda *a: np.zeros((9, 9)),
    lambda: 0, Ellipsis, True,
]


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_solution_passes(entry, capsys):
    _, _, q = entry
    assert q.check(q.solution()) is True
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_stub_is_not_attempted(entry, capsys):
    _, _, q = entry
    assert q.check(None) is None
    if isinstance(q, FunctionExercise):
        def stub(*args):
            return None  # the notebook's stub: "your code here"
        assert q.check(stub) is None
    assert capsys.readouterr().out.startswith("Not attempted")


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_each_known_mistake_is_diagnosed(entry, capsys):
    _, _, q = entry
    assert len(q.mistakes) >= 2, "each exercise names at least two known mistakes"
    for m in q.mistakes:
        capsys.readouterr()
        assert q.check(m.answer) is False, f"mistake '{m.name}' was accepted"
        out = capsys.readouterr().out
        assert m.name in out, f"mistake '{m.name}' not named in: {out!r}"
        assert out.count("\n") == 1, "feedback is one line"


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_junk_never_raises(entry, capsys):
    _, _, q = entry
    for junk in JUNK:
        result = q.check(junk)
        assert result in (False, None)
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and out.split(":")[0] in ("Not yet", "Not attempted")


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_hint_and_title(entry, capsys):
    _, _, q = entry
    assert q.title and q.task
    q.hint()
    assert capsys.readouterr().out.startswith("Hint:")


def test_every_chapter_present_has_three_exercises():
    chapters = sorted({c for c, _, _ in EXERCISES})
    assert chapters, "no exercises found"
    for c in chapters:
        assert len(chapter(c)) >= 3, f"chapter {c} has fewer than three exercises"


def test_chapter_rejects_bad_numbers():
    with pytest.raises(ValueError):
        chapter("one")


# -- probes of the kind real students write -----------------------------------------------------
# Each test below stands for a class of answers that once fooled, hung or crashed a check.
import copy  # noqa: E402
import inspect  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

import dlcore.exercises as exercises_module  # noqa: E402
from dlcore.exercises import ValueExercise  # noqa: E402


def _integral(value):
    arr = np.asarray(value, dtype=float)
    return bool(np.all(arr == np.round(arr)))


def _ids(entries):
    return [f"ch{c:02d}-{i + 1}-{q.title[:30]}" for c, i, q in entries]


def _mutables_in(obj):
    """Every array and list inside a probe (nested tuples, lists and dicts included)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, list):
        return [obj] + [a for item in obj for a in _mutables_in(item)]
    if isinstance(obj, tuple):
        return [a for item in obj for a in _mutables_in(item)]
    if isinstance(obj, dict):
        return [a for item in obj.values() for a in _mutables_in(item)]
    return []


def _vandalise(args):
    """What an in-place answer does to its inputs: overwrite every array and list with zeros."""
    for a in _mutables_in(args):
        if isinstance(a, np.ndarray) and a.flags.writeable:
            a[...] = 0
        elif isinstance(a, list):
            a[:] = [0] * len(a)


def _reference_results(q):
    out = []
    for p in q.probes:
        r = q.reference(*copy.deepcopy(p))
        out.extend(r if isinstance(r, tuple) else (r,))
    return out


FUNCTION_EXERCISES = [e for e in EXERCISES if isinstance(e[2], FunctionExercise)]
FUNCTION_IDS = _ids(FUNCTION_EXERCISES)
MUTABLE_PROBES = [e for e in FUNCTION_EXERCISES if any(_mutables_in(p) for p in e[2].probes)]
REAL_RESULTS = [e for e in FUNCTION_EXERCISES
                if not all(_integral(r) for r in _reference_results(e[2]))]
VALUE_EXERCISES = [e for e in EXERCISES if isinstance(e[2], ValueExercise)]
VALUE_IDS = _ids(VALUE_EXERCISES)


def _to_float32(obj):
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return obj.astype(np.float32)
    if isinstance(obj, tuple):
        return tuple(_to_float32(v) for v in obj)
    if isinstance(obj, list):
        return [_to_float32(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_float32(v) for k, v in obj.items()}
    return obj


@pytest.mark.parametrize("entry", MUTABLE_PROBES, ids=_ids(MUTABLE_PROBES))
def test_in_place_answers_cannot_fool_later_checks(entry, capsys):
    """An answer that overwrites its inputs must not change the probes seen by later answers."""
    _, _, q = entry
    before = copy.deepcopy(q.probes)

    def vandal(*args):  # like h *= mask; np.maximum(z, 0, out=z); z -= z.max()
        result = q.reference(*copy.deepcopy(args))
        _vandalise(args)
        return result

    def zero_then_answer(*args):
        _vandalise(args)
        return q.reference(*args)

    assert q.check(vandal) is True, "an answer that computes first and then mutates is correct"
    q.check(zero_then_answer)  # whatever it says, it must not poison the probes
    for p_before, p_after in zip(before, q.probes):
        for a, b in zip(_mutables_in(p_before), _mutables_in(p_after)):
            np.testing.assert_array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    capsys.readouterr()
    assert q.check(q.solution()) is True
    for m in q.mistakes:
        assert q.check(m.answer) is False
        assert m.name in capsys.readouterr().out


@pytest.mark.parametrize("entry", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_a_function_that_never_returns_is_stopped(entry, capsys, monkeypatch):
    _, _, q = entry
    monkeypatch.setattr(exercises_module, "TIME_LIMIT", 0.3)

    def spin(*args):
        while True:
            pass

    def spin_and_swallow(*args):  # catches the first interruption and goes on looping
        try:
            while True:
                pass
        except BaseException:
            pass
        while True:
            pass

    for answer in (spin, spin_and_swallow):
        assert q.check(answer) is False
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and "time limit of 0.3 s" in out and out.count("\n") == 1


@pytest.mark.parametrize("entry", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_exit_and_errors_are_explained_only_interrupt_passes(entry, capsys):
    _, _, q = entry

    def leave(*args):
        sys.exit()

    def leave_code(*args):
        raise SystemExit(3)

    def generator_exit(*args):
        raise GeneratorExit

    for answer in (leave, leave_code, generator_exit):
        assert q.check(answer) is False
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and out.count("\n") == 1
    assert "exit()" in (q.check(leave), capsys.readouterr().out)[1]

    def stop(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # the notebook's stop button must still work
        q.check(stop)


@pytest.mark.parametrize("entry", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_correct_float32_code_passes(entry, capsys):
    _, _, q = entry

    def in_float32(*args):
        result = q.reference(*_to_float32(copy.deepcopy(args)))
        if isinstance(result, tuple):
            return tuple(np.asarray(r, dtype=np.float32) for r in result)
        return np.asarray(result, dtype=np.float32)

    assert q.check(in_float32) is True, capsys.readouterr().out


@pytest.mark.parametrize("entry", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_forgot_return_and_print_are_named(entry, capsys):
    _, _, q = entry

    def forgot_return(*args):
        q.reference(*args)

    def printed(*args):
        print(q.reference(*args))

    assert q.check(forgot_return) is False
    assert "returned None: did you forget `return`?" in capsys.readouterr().out
    assert q.check(printed) is False
    assert "printed its result but returned None" in capsys.readouterr().out


@pytest.mark.parametrize("entry", REAL_RESULTS, ids=_ids(REAL_RESULTS))
def test_imprecise_function_results_are_close(entry, capsys):
    _, _, q = entry

    def rounded(*args):
        result = q.reference(*args)
        perturb = lambda r: np.asarray(r, dtype=float) * (1 + 3e-4)  # noqa: E731
        return tuple(perturb(r) for r in result) if isinstance(result, tuple) else perturb(result)

    assert q.check(rounded) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet: close") or "this looks like" in out, out


@pytest.mark.parametrize("entry", FUNCTION_EXERCISES, ids=FUNCTION_IDS)
def test_solution_is_code_to_write_not_a_call_into_dlcore(entry):
    _, _, q = entry
    fn = q.reference
    assert fn.__name__ != "<lambda>", "a solution is a def with a comment per step"
    source = inspect.getsource(fn)
    assert "#" in source, "a solution explains its steps in comments"
    names = inspect.getclosurevars(fn)
    for name, value in {**names.globals, **names.nonlocals}.items():
        module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
        if callable(value) or inspect.ismodule(value):
            assert not str(module).startswith("dlcore"), (
                f"the solution calls {name} from {module}: show the code a student should write")


@pytest.mark.parametrize("entry", VALUE_EXERCISES, ids=VALUE_IDS)
def test_value_precision_is_stated_and_rounded_answers_pass(entry, capsys):
    _, _, q = entry
    value = q.value
    if _integral(value):
        return  # counts, indices and shapes are compared exactly
    assert (q.decimals is None) != (q.digits is None), "state one precision: decimals or digits"
    stated = f"{q.decimals} decimals" if q.decimals is not None else f"{q.digits} significant"
    assert stated in q.task, f"the task must say the precision it checks ('to {stated}')"
    arr = np.asarray(value, dtype=float)
    if q.decimals is not None:
        rounded, coarser = np.round(arr, q.decimals), np.round(arr, q.decimals - 1)
    else:
        def sig(a, n):
            return np.array([float(f"{x:.{n - 1}e}") for x in np.ravel(a)]).reshape(np.shape(a))
        rounded, coarser = sig(arr, q.digits), sig(arr, q.digits - 1)
    answer = rounded.item() if rounded.ndim == 0 else rounded
    assert q.check(answer) is True, capsys.readouterr().out
    capsys.readouterr()
    if not np.allclose(coarser, rounded, rtol=0, atol=1e-12):
        coarse = coarser.item() if coarser.ndim == 0 else coarser
        assert q.check(coarse) is False
        out = capsys.readouterr().out
        assert "close" in out or "this looks like" in out, out


NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@pytest.mark.parametrize("entry", VALUE_EXERCISES, ids=VALUE_IDS)
def test_feedback_and_repr_never_show_the_answer(entry, capsys):
    from IPython.lib.pretty import pretty

    _, _, q = entry
    for shown in (repr(q), pretty(q), str(q)):
        assert q.task not in shown and q.explanation not in shown
        assert all(m.why not in shown for m in q.mistakes)
    arr = np.atleast_1d(np.asarray(q.value, dtype=float)).ravel()
    wrong = [arr * 1.5 + 1, arr - 0.9, *(m.answer for m in q.mistakes)]
    messages = []
    for answer in wrong:
        q.check(answer if np.ndim(answer) or len(arr) > 1 else float(np.ravel(answer)[0]))
        messages.append(capsys.readouterr().out)
    messages += [m.why for m in q.mistakes]
    if len(arr) == 1 and not (_integral(arr) and abs(arr[0]) <= 12):  # small integers are everywhere
        v = arr[0]
        for text in messages:
            for token in NUMBER.findall(text):
                assert not np.isclose(float(token), v, rtol=1e-3, atol=0), f"answer shown in: {text!r}"


@pytest.mark.parametrize("entry", EXERCISES, ids=IDS)
def test_non_real_and_text_answers_are_rejected(entry, capsys):
    _, _, q = entry
    sol = q.solution()
    if isinstance(q, FunctionExercise):
        def complex_answer(*args):
            result = q.reference(*args)
            if isinstance(result, tuple):
                return tuple(np.asarray(r) + 1e-3j for r in result)
            return np.asarray(result) + 1e-3j

        def text_answer(*args):
            result = q.reference(*args)
            if isinstance(result, tuple):
                return tuple(np.asarray(r).astype(str) for r in result)
            return np.asarray(result).astype(str)

        answers = (complex_answer, text_answer)
    else:
        arr = np.asarray(sol, dtype=float)
        answers = (arr + 0j, arr.astype(str), arr.astype(str).tolist(), str(sol))
    for answer in answers:
        assert q.check(answer) is False
        out = capsys.readouterr().out
        assert "complex" in out or "text" in out or "expected" in out, out


def test_time_limit_works_inside_a_jupyter_kernel():
    """The limit uses SIGALRM in the kernel's main thread: prove it in a real ipykernel."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import dlcore.exercises as E\n"
        "E.TIME_LIMIT = 1.0\n"
        "q = next(q for _, _, q in E.all_exercises() if isinstance(q, E.FunctionExercise))\n"
        "def answer(*args):\n"
        "    while True:\n"
        "        pass\n"
        "print(q.check(answer))\n"
        "print(q.check(q.solution()))")]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "time limit of 1 s" in text and "False" in text and text.strip().endswith("True"), text


@pytest.mark.parametrize("entry", VALUE_EXERCISES, ids=VALUE_IDS)
def test_solution_code_computes_the_value(entry, capsys):
    """A value exercise's worked solution is code a student would write: it runs on NumPy alone
    (no dlcore) and sets `answer` to the value the check accepts."""
    _, _, q = entry
    assert q.solution_code, "give the worked solution as code (ValueExercise(solution_code=...))"
    assert "dlcore" not in q.solution_code and "#" in q.solution_code
    namespace = {}
    exec(q.solution_code, namespace)  # noqa: S102 - our own solution text
    assert q.check(namespace["answer"]) is True, capsys.readouterr().out


@pytest.mark.parametrize("entry", all_exercises(), ids=lambda e: f"ch{e[0]:02d}-{e[1]}")
def test_texts_have_no_control_characters(entry):
    """A LaTeX macro typed into a string without the r prefix turns into a control character
    (\\alpha -> BEL + "lpha", \\frac -> form feed + "rac"), and the task shows "Math input error"."""
    q = entry[2]
    texts = [q.title, q.task, q.hint_text, q.explanation, *(m.name + m.why for m in q.mistakes)]
    for text in texts:
        bad = sorted({repr(c) for c in text if ord(c) < 32 and c != "\n"})
        assert not bad, f"'{q.title}': control characters {bad} in {text[:60]!r}"
