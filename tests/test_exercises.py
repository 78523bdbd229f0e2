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
