"""Write the student release of the course and the nbgrader course folder that grades it.

    python tools/release.py [--out release] [01 02 ...]      (make release)

Writes, under --out (default release/):

course/    the instructor's nbgrader course folder (keep it private):
           nbgrader_config.py, source/chNN/NN_topic.ipynb (each notebook with its exercises
           marked for nbgrader: the answer cells hold the reference solutions between
           ### BEGIN SOLUTION / ### END SOLUTION, each check cell is a graded, locked cell
           that calls ``EX.<name>.grade(answer)``) and release/chNN/ (what nbgrader
           generate_assignment made of it: no solutions, no outputs).
student/   the student repository (push it where students pull from, e.g. with nbgitpuller):
           the released notebooks, and a dlcore whose exercise checks work without the
           reference solutions: dlcore/exercises/chNN.py is replaced by recorded.pickle.gz,
           the checks' reference and known-mistake results recorded on their probe inputs.

Grading: students' notebooks go to course/submitted/<student>/chNN/, then
``nbgrader autograde chNN`` and ``nbgrader export`` in course/ (see docs/grading.md).
The full course (notebooks/, dlcore/) is untouched: self-study keeps hints and solutions.
"""

import argparse
import ast
import inspect
import os
import re
import shutil
import sys
import textwrap
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlcore.exercises import FunctionExercise, chapter, save_recorded  # noqa: E402

POINTS = {FunctionExercise: 2}  # a function to write; a value to give scores 1
NBGRADER_CONFIG = '''\
# nbgrader's configuration for this course folder (written by tools/release.py).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = __file__.rsplit("/", 1)[0]
# Each notebook runs top to bottom when it is autograded; a cell may train a small model.
c.Execute.timeout = 120
'''
STUDENT_NOTE = """\
**This is the graded version of the chapter.** Solutions are not included. Each exercise has a
cell for your answer, marked `YOUR CODE HERE`: replace `raise NotImplementedError()` with your
code. The cell after it is graded: run it to see the check's feedback (*Correct*, *Not yet* with
the reason, or *Not attempted*) and whether it scores; a function to write is worth 2 points,
a value 1. Hints stay: `EX.<name>.hint()`."""
TOP_FILES = ("pyproject.toml", "Makefile", "environment.yml")


def check_line(name):
    """The regex of a check call on exercise ``name``: ``EX.name.check(arg)``."""
    return re.compile(rf"^EX\.{name}\.check\((\w+)\)\s*$")


def body_lines(fn):
    """The source lines of ``fn``'s body without its docstring, dedented, and its parameter
    names."""
    src = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(src).body[0]
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    lines = src.splitlines()
    start = body[0].lineno - 1
    # comments directly above the first statement belong to it
    while start > 0 and lines[start - 1].strip().startswith("#"):
        start -= 1
    code = textwrap.dedent("\n".join(lines[start:tree.end_lineno]))
    return code.splitlines(), [a.arg for a in tree.args.args]


def solve_function(source, arg, q):
    """``source`` (the answer cell) with the body of ``def arg`` replaced by the reference's
    body between nbgrader's solution markers."""
    tree = ast.parse(source)
    fn = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == arg)
    lines = source.splitlines()
    first, last = fn.body[0].lineno - 1, fn.body[-1].end_lineno
    indent = re.match(r"\s*", lines[first]).group(0)
    body, params = body_lines(q.reference)
    stub_params = [a.arg for a in fn.args.args]
    if len(params) != len(stub_params):
        raise RuntimeError(f"'{q.title}': the notebook's {arg} and the reference take different "
                           f"arguments ({stub_params} vs {params})")
    renames = [f"{p} = {s}" for p, s in zip(params, stub_params) if p != s]
    region = ["### BEGIN SOLUTION", *renames, *body, "### END SOLUTION"]
    return "\n".join(lines[:first] + [indent + line if line else "" for line in region]
                     + lines[last:])


def solve_value(source, arg, q):
    """``source`` (the answer cell) followed by the solution code, which sets ``answer``."""
    code = q.solution_code.strip().splitlines()
    return "\n".join([source.rstrip(), "### BEGIN SOLUTION", *code, f"{arg} = answer",
                      "### END SOLUTION"])


def nbgrader_meta(grade_id, solution=False, points=None):
    meta = {"grade": points is not None, "solution": solution, "locked": points is not None,
            "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return meta


def source_notebook(path, n):
    """The nbgrader source version of notebook ``path`` (chapter ``n``)."""
    nb = nbformat.read(path, as_version=4)
    exercises = chapter(n)._names
    cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            solution = r"and a\s+(?:solution(?: hidden)? in a\s+collapsed cell|collapsed\s+solution)\."
            cell.source = re.sub(r",\s+a hint,\s+" + solution, " and a hint.", cell.source)
            cell.source = re.sub(r",?\s+" + solution, ".", cell.source)
            cell.source = re.sub(r"\n\* a \*\*solution\*\*[^\n]*\n[^\n]*open it\)\.", "", cell.source)
    out = []
    for cell in cells:
        if cell.cell_type != "code":
            out.append(cell)
            continue
        lines = cell.source.rstrip().splitlines()
        found = [(name, m.group(1)) for name in exercises
                 if lines and (m := check_line(name).match(lines[-1]))]
        if not found:
            out.append(cell)
            continue
        name, arg = found[0]
        q = exercises.pop(name)
        answer_src = "\n".join(lines[:-1]).rstrip()
        if answer_src:
            answer = nbformat.v4.new_code_cell(answer_src)
        else:  # the answer sits in the code cell before the check
            answer = next(c for c in reversed(out) if c.cell_type == "code")
            out.remove(answer)
        if isinstance(q, FunctionExercise):
            answer.source = solve_function(answer.source, arg, q)
        else:
            answer.source = solve_value(answer.source, arg, q)
        answer.metadata["nbgrader"] = nbgrader_meta(f"{name}_answer", solution=True)
        grade = nbformat.v4.new_code_cell(f"EX.{name}.grade({arg})")
        grade.metadata["nbgrader"] = nbgrader_meta(f"{name}_check", points=POINTS.get(type(q), 1))
        out += [answer, grade]
    if exercises:
        raise RuntimeError(f"{path.name}: no check cell found for {', '.join(exercises)}")
    nb.cells = with_student_note(out)
    return nb


def with_student_note(cells):
    """``cells`` with the graded version's note at the head of the exercises: in the
    "## Exercises" text, before its "### Exercise 1", or as a cell before the first task."""
    for cell in cells:
        if cell.cell_type == "markdown" and re.search(r"^## Exercises", cell.source, flags=re.M):
            head, sep, rest = cell.source.partition("\n### Exercise")
            cell.source = head.rstrip() + "\n\n" + STUDENT_NOTE + ("\n" + sep + rest if sep else "")
            return cells
    first = next(i for i, c in enumerate(cells) if re.match(r"EX\.\w+\.show\(\)", c.source))
    return cells[:first] + [nbformat.v4.new_markdown_cell(STUDENT_NOTE)] + cells[first:]


def notebooks(selected):
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return [p for p in found if not selected or p.name[:2] in selected]


def nbgrader_api(course):
    """nbgrader's Python API on the course folder ``course`` (one process for every chapter:
    a command per chapter costs seconds of start-up each). nbgrader runs ``alembic`` to create
    its gradebook, so this Python's scripts go first on PATH."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "dl-course"
    config.Execute.timeout = 120
    return NbGraderAPI(config=config)


def write_course(out, paths):
    """The nbgrader course folder: config, source notebooks, then generate_assignment."""
    course = out / "course"
    (course / "source").mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    api = nbgrader_api(course)
    for path in paths:
        n = int(path.name[:2])
        folder = course / "source" / f"ch{n:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(path, n), folder / path.name)
        result = api.generate_assignment(f"ch{n:02d}", force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment ch{n:02d} failed:\n{result['log']}")
    return course


def write_student(out, course, paths):
    """The student repository: released notebooks and a dlcore without the solutions."""
    student = out / "student"
    shutil.copytree(ROOT / "dlcore", student / "dlcore",
                    ignore=shutil.ignore_patterns("__pycache__", "ch[0-9][0-9].py"))
    save_recorded(student / "dlcore" / "exercises" / "recorded.pickle.gz")
    for name in TOP_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, student / name)
    shutil.copytree(ROOT / "binder", student / "binder")
    (student / "notebooks").mkdir()
    for path in paths:
        released = course / "release" / f"ch{int(path.name[:2]):02d}" / path.name
        shutil.copy2(released, student / "notebooks" / path.name)
    (student / "README.md").write_text(STUDENT_README)
    (student / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n")
    return student


STUDENT_README = """\
# Deep learning, interactively: the graded version

One Jupyter notebook per chapter, built on the small package `dlcore`. This version has no
solutions: each exercise's check cell is graded (a function to write is worth 2 points, a value
1). Run a notebook top to bottom, write your answers in the cells marked `YOUR CODE HERE`, run
the check cell after each one, and hand in the notebooks as your instructor says.

On your own machine (Python 3.11 and `make`): `make lab`. On your class's JupyterHub, open the
link your instructor gives you: it pulls the newest notebooks into your home folder and keeps
your edits.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "release")
    parser.add_argument("chapters", nargs="*", help="two-digit chapter numbers (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    paths = notebooks(args.chapters)
    course = write_course(out, paths)
    student = write_student(out, course, paths)
    print(f"{len(paths)} chapters in {time.perf_counter() - start:.1f} s:\n"
          f"  {course}  (instructor: nbgrader source, release, config)\n"
          f"  {student}  (students: notebooks and a dlcore without solutions)")


if __name__ == "__main__":
    main()
