"""The student release and its grading: tools/release.py (make release) and nbgrader.

* The recorded checks the release ships give the same verdict and feedback as the full course's.
* The student release contains no solution: no reference function's body, no value's solution
  code (the same search finds every one of them in the instructor's source notebooks).
* Graded with nbgrader's autograde, every chapter: the instructor's solutions score full marks;
  a notebook with one known mistake per exercise scores 0 and its feedback names each mistake;
  the untouched release (chapter 00) scores 0; half solved, half untouched (chapter 03) scores
  exactly the solved exercises' points; nbgrader's grade table agrees.
"""

import contextlib
import copy
import gzip
import importlib.util
import inspect
import io
import pickle
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcore.exercises import FunctionExercise, all_exercises, chapter, save_recorded

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("release", ROOT / "tools" / "release.py")
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)

CHAPTERS = sorted({n for n, _, _ in all_exercises()})


def feedback(q, answer):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        verdict = q.check(answer)
    return verdict, out.getvalue()


def named_mistake(q):
    """The first known mistake of ``q`` that its check names (index, mistake)."""
    for k, m in enumerate(q.mistakes):
        if f"'{m.name}'" in feedback(q, m.answer)[1]:
            return k, m
    raise AssertionError(f"'{q.title}': no known mistake is named by its check")


# -- the recorded checks --------------------------------------------------------------------
def _nudged(fn, factor):
    def nudged(*args):
        out = fn(*args)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, float) * factor for o in out)
        return np.asarray(out, float) * factor
    return nudged


def test_recorded_checks_give_the_same_feedback(tmp_path):
    path = tmp_path / "recorded.pickle.gz"
    save_recorded(path)
    recorded = pickle.loads(gzip.decompress(path.read_bytes()))
    compared = 0
    for n, i, q in all_exercises():
        r = list(recorded[n].values())[i]
        assert r.title == q.title
        answers = [q.solution(), None, *[m.answer for m in q.mistakes]]
        if isinstance(q, FunctionExercise):
            answers += [_nudged(q.reference, 1 + 5 * q.rtol), _nudged(q.reference, 1.5),
                        lambda *args: None, "text"]
        else:
            answers += [np.asarray(q.value, float) + 0.3, "3"]
        for answer in answers:
            assert feedback(r, answer) == feedback(q, answer), (n, i, q.title)
            compared += 1
    assert compared > 500


# -- the release ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release.main(["--out", str(out)])
    return out


def _normalised(text):
    """Code as a list of its statements' lines: stripped, without comments and blank lines."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _solutions():
    """(title, normalised lines) of every reference solution: function bodies and value code."""
    found = []
    for _, _, q in all_exercises():
        if isinstance(q, FunctionExercise):
            body, _ = release.body_lines(q.reference)
            found.append((q.title, _normalised("\n".join(body))))
        else:
            found.append((q.title, _normalised(q.solution_code)))
    return found


def _texts(folder):
    """Every file under ``folder`` as normalised code lines: notebooks cell by cell, the
    recorded exercises unpickled (every string in them), other files as text."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts or path.suffix == ".db":
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            texts[path] = "\n".join(c.source for c in nb.cells)
        elif path.name.endswith(".pickle.gz"):
            data = pickle.loads(gzip.decompress(path.read_bytes()))
            texts[path] = "\n".join(_strings(data))
        else:
            texts[path] = path.read_text(errors="replace")
    return {p: "\n".join(_normalised(t)) for p, t in texts.items()}


def _strings(obj, seen=None):
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(k, seen)
            yield from _strings(v, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v, seen)
    elif hasattr(obj, "__dict__") and not inspect.isroutine(obj) and not isinstance(obj, type):
        yield from _strings(vars(obj), seen)


def test_student_release_has_no_solution_text(built):
    solutions = _solutions()
    assert len(solutions) == len(all_exercises()) and all(lines for _, lines in solutions)
    instructor = "\n".join(_texts(built / "course" / "source").values())
    student = _texts(built / "student")
    assert any(p.name == "recorded.pickle.gz" for p in student)
    assert not list((built / "student" / "dlcore" / "exercises").glob("ch[0-9][0-9].py"))
    for title, lines in solutions:
        block = "\n".join(lines)
        assert block in instructor, f"the search misses the solution to '{title}'"
        leaks = [str(p.relative_to(built)) for p, text in student.items() if block in text]
        assert not leaks, f"the solution to '{title}' is in {leaks}"


def test_release_notebooks_have_stubs_graded_cells_and_no_solution_cells(built):
    for path in sorted((built / "student" / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        n = int(path.name[:2])
        grades = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert len(grades) == len(answers) == len(chapter(n)), path.name
        assert all("raise NotImplementedError()" in c.source for c in answers)
        assert not any("show_solution(" in c.source for c in nb.cells)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
        points = sum(c.metadata.nbgrader.points for c in grades)
        assert points == sum(2 if isinstance(q, FunctionExercise) else 1 for q in chapter(n))


def test_student_dlcore_checks_without_the_solutions(built):
    """In the student repository, dlcore's checks work from the recorded results."""
    code = """
import dlcore, dlcore.exercises as E
from pathlib import Path
assert Path(dlcore.__file__).parent == Path.cwd() / "dlcore", dlcore.__file__
q = E.chapter(7).modified_loss
def right(A, b, theta, alpha):
    g = A @ theta - b
    return 0.5 * theta @ A @ theta - b @ theta + alpha / 4 * g @ g
def half(A, b, theta, alpha):
    g = A @ theta - b
    return 0.5 * theta @ A @ theta - b @ theta + alpha / 2 * g @ g
assert q.check(right) is True and q.check(half) is False and q.check(None) is None
E.show_solution(q)
print(len(E.all_exercises()))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=built / "student", capture_output=True,
                         text=True, env={"PYTHONPATH": str(built / "student"), "PATH": ""})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Correct") and "'alpha/2 instead of alpha/4'" in lines[1]
    assert lines[2].startswith("Not attempted") and "not part of this release" in lines[3]
    assert int(lines[4]) == len(all_exercises())


# -- grading ------------------------------------------------------------------------------------
# Submissions, as (student, chapters, role of exercise i): "solution" (the instructor's),
# "mistake" (a known mistake that the check names) or "untouched" (the released stub).
PLANS = (
    ("solved", "all", lambda i: "solution"),
    ("mistakes", "all", lambda i: "mistake"),            # one known mistake per exercise
    ("half", (3,), lambda i: ("solution", "untouched")[i % 2]),
    ("untouched", (0,), None),                            # the released notebook as it is
)


def _submission(source, released, n, role_of):
    """The source notebook (instructor's solutions) with each answer cell set by its role:
    the solution, the released stub, or a known mistake."""
    nb = copy.deepcopy(source)
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in released.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    args = {}
    for c in nb.cells:
        m = re.match(r"EX\.(\w+)\.grade\((\w+)\)", c.source)
        if m:
            args[m.group(1)] = m.group(2)
    for c in nb.cells:
        grade_id = c.metadata.get("nbgrader", {}).get("grade_id", "")
        if not grade_id.endswith("_answer"):
            continue
        name = grade_id[: -len("_answer")]
        role = role_of(name)
        if role == "untouched":
            c.source = stubs[grade_id]
        elif role == "mistake":
            k, _ = named_mistake(getattr(chapter(n), name))
            c.source = (f"from dlcore.exercises import chapter as _chapter\n"
                        f"{args[name]} = _chapter({n}).{name}.mistakes[{k}].answer")
    return nb


def test_autograde_scores_and_feedback(built):
    from nbgrader.api import Gradebook

    course = built / "course"
    api = release.nbgrader_api(course)
    expected, roles = {}, {}   # (chapter, student) -> {exercise: points}, {exercise: role}
    for n in CHAPTERS:
        ch = f"ch{n:02d}"
        name = next((course / "source" / ch).glob("*.ipynb")).name
        source = nbformat.read(course / "source" / ch / name, as_version=4)
        released = nbformat.read(course / "release" / ch / name, as_version=4)
        names = list(chapter(n)._names)
        points = {q: 2 if isinstance(getattr(chapter(n), q), FunctionExercise) else 1 for q in names}
        for student, chapters, role_of_index in PLANS:
            if chapters != "all" and n not in chapters:
                continue
            role = {q: role_of_index(i) if role_of_index else "untouched" for i, q in enumerate(names)}
            folder = course / "submitted" / student / ch
            folder.mkdir(parents=True)
            nb = released if role_of_index is None else _submission(source, released, n, role.get)
            nbformat.write(nb, folder / name)
            roles[n, student] = role
            expected[n, student] = {q: points[q] * (role[q] == "solution") for q in names}
            result = api.autograde(ch, student, force=True)
            assert result["success"], result["log"]
    assert {s for _, s in expected} == {plan[0] for plan in PLANS}

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for (n, student), want in expected.items():
            ch = f"ch{n:02d}"
            submission = gb.find_submission(ch, student)
            assert submission.max_score == sum(2 if isinstance(q, FunctionExercise) else 1
                                               for q in chapter(n))
            notebook = submission.notebooks[0]
            got = {g.name[: -len("_check")]: g.score for g in notebook.grades}
            assert got == want, (ch, student)
            assert submission.score == sum(want.values())

    # the feedback a student reads in the graded notebook: Correct, the mistake by name, or
    # Not attempted
    for (n, student), role in roles.items():
        ch = f"ch{n:02d}"
        graded = next((course / "autograded" / student / ch).glob("*.ipynb"))
        nb = nbformat.read(graded, as_version=4)
        text = {m.group(1): "".join(o.get("text", "") for o in c.outputs)
                for c in nb.cells if (m := re.match(r"EX\.(\w+)\.grade", c.source))}
        for q, r in role.items():
            if r == "mistake":
                _, mistake = named_mistake(getattr(chapter(n), q))
                assert f"this looks like '{mistake.name}'" in text[q], (ch, q, text[q])
            elif r == "untouched":
                assert text[q].startswith("Not attempted"), (ch, q, text[q])
            else:
                assert text[q].startswith("Correct"), (ch, q, text[q])

    # nbgrader's grade table
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--log-level=ERROR"],
                            cwd=course, capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    rows = (course / "grades.csv").read_text().splitlines()
    header = rows[0].split(",")
    table = {(r.split(",")[header.index("assignment")], r.split(",")[header.index("student_id")]):
             float(r.split(",")[header.index("score")]) for r in rows[1:]}
    for (n, student), want in expected.items():
        assert table[f"ch{n:02d}", student] == sum(want.values())
