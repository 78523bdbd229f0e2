"""The committed notebooks match their sources and were executed from a fresh kernel."""

import json
import sys
from pathlib import Path

import jupytext
import jupytext.config
import jupytext.paired_paths
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_notebooks import WIDGET_VIEW, read_source  # noqa: E402

SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_has_a_source_and_back():
    assert {p.stem for p in SOURCES} == {p.stem for p in NOTEBOOKS}
    assert "00_start_here" in {p.stem for p in NOTEBOOKS}


def _cells(nb):
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_matches_source(src):
    """The pair is in step: the same cells, sources and tags (`jupytext --sync` or
    `make notebooks NB=NN` brings the older side up to date)."""
    nb = nbformat.read(ROOT / "notebooks" / f"{src.stem}.ipynb", as_version=4)
    assert _cells(nb) == _cells(read_source(src)), (
        f"{src.stem}: the .ipynb and notebooks/src/{src.name} differ: run `make notebooks NB={src.stem[:2]}`")


def test_jupytext_pairs_every_notebook_with_its_source():
    config = jupytext.config.load_jupytext_config(str(ROOT))
    assert config is not None, "jupytext.toml is missing"
    for path in NOTEBOOKS:
        formats = config.default_formats(str(path))
        paired = dict(jupytext.paired_paths.paired_paths(str(path), "ipynb", formats))
        assert str(ROOT / "notebooks" / "src" / f"{path.stem}.py") in paired


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_widget_state_is_committed(path):
    """A figure's output keeps its PNG (what a reader sees before running) and no widget model,
    so a rebuild does not rewrite megabytes of widget state with new ids."""
    raw = json.loads(path.read_text())
    assert "widgets" not in raw["metadata"]
    outputs = [o for c in raw["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    figures = [o for o in outputs if "FigureBox(" in "".join(o.get("data", {}).get("text/plain", ""))]
    assert all("image/png" in o["data"] for o in figures)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_with_outputs_from_a_fresh_kernel(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "not executed top to bottom once"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"committed with an error output: {errors[0].get('ename')}"
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 3 and all(c.metadata["jupyter"]["source_hidden"] for c in solutions)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_hints_and_solutions_print_once(path):
    """A hint or solution cell shows its text once: built with code whose hint() returned the
    string too, a notebook shows it twice (printed, then as the cell's value)."""
    nb = nbformat.read(path, as_version=4)
    twice = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code"
             and (".hint()" in c.source or "show_solution(" in c.source)
             and any(o.output_type == "execute_result" for o in c.outputs)]
    assert not twice, f"rebuild the notebook: these cells show their text twice: {twice}"


# -- checked outputs must be the same on every machine ------------------------------------------
import re  # noqa: E402

NUMBER = re.compile(r"(?<![\w.])[-+]?(\d+\.\d*|\.\d+|\d+)(?:[eE]([-+]?\d+))?(?![\w.])")
MACHINE_WORDS = re.compile(r"\b(ms|seconds?|elapsed|it/s|threads?|cores?|cpu|took)\b", re.I)
MACHINE_CALLS = ("perf_counter", "time.time(", "process_time", "%time", "cpu_count",
                 "get_num_threads", "threadpool", "platform.", "torch.optim", ".backward(")


def machine_dependent(source, text):
    """Why a `# NBVAL_CHECK_OUTPUT` cell's output could differ between machines, or None.

    A float printed with more than 6 significant digits, or a tiny one in e-notation other than
    a tolerance such as 1e-12 (a round-off residual such as 4.44e-16), changes with the CPU, the
    BLAS build and its thread count; words or calls about time and threads change with the
    machine."""
    for match in NUMBER.finditer(text):
        mantissa, exponent = match.group(1), match.group(2)
        if "." in mantissa:
            digits = mantissa.replace(".", "").lstrip("0")
            if len(digits) > 6:
                return f"prints {match.group(0)}: more than 6 significant digits"
        if exponent is not None and int(exponent) <= -7 and float(mantissa) != 1.0:
            return (f"prints {match.group(0)}: looks like a round-off residual; print a "
                    "statement such as 'agree to 1e-12: True'")
    word = MACHINE_WORDS.search(text)
    if word:
        return f"prints '{word.group(0)}': timings and thread counts differ between machines"
    call = next((c for c in MACHINE_CALLS if c in source), None)
    if call:
        return f"calls {call}: its result depends on the machine"
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_checked_outputs_are_machine_independent(path):
    nb = nbformat.read(path, as_version=4)
    bad = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "NBVAL_CHECK_OUTPUT" not in cell.source:
            continue
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        why = machine_dependent(cell.source, text)
        if why:
            bad.append(f"cell {i}: {why}")
    assert not bad, "# NBVAL_CHECK_OUTPUT cells that differ between machines:\n" + "\n".join(bad)


@pytest.mark.parametrize("text, source, flagged", [
    ("largest difference: 4.44e-16", "", True),
    ("loss 0.12345678", "", True),
    ("[0.3333333333 0.5]", "", True),
    ("took 12 ms", "", True),
    ("agree to 1e-12: True", "", False),
    ("mean 0.333, count 1024, shape (3, 4)", "", False),
    ("1.5e+03 regions, eps 1e-5", "", False),
    ("smallest float32 2.52e-32", "", True),
    ("True", "t0 = time.perf_counter()", True),
])
def test_machine_dependent_detector(text, source, flagged):
    assert (machine_dependent(source, text) is not None) is flagged


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_exercise_list_has_a_name_the_maths_never_uses(src):
    """`EX = chapter(n)` once; nothing else in the chapter assigns EX (a hint's `Q = ...` once
    overwrote the exercise list `Q` in chapter 10)."""
    text = src.read_text()
    assert len(re.findall(r"^EX = chapter\(\d+\)", text, re.M)) == 1
    assert len(re.findall(r"\bEX\s*=[^=]", text)) == 1
    assert not re.search(r"\bQ\[\d+\]\.", text), "exercises are EX[i], not Q[i]"



@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_exercises_are_addressed_by_name_and_their_tasks_written_once(src):
    """Each exercise of the chapter is shown (`EX.name.show()`, its task from dlcore), checked,
    hinted and solved by name; no position (`EX[2]`) and no second copy of the task text."""
    from dlcore.exercises import chapter

    nb = read_source(src)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\bEX\[\d+\]", code + prose), "address exercises by name: EX.<name>"
    n = int(src.stem[:2])
    EX = chapter(n)
    for name, q in EX._names.items():
        for call in (f"EX.{name}.show()", f"EX.{name}.check(", f"EX.{name}.hint()",
                     f"show_solution(EX.{name})"):
            assert call in code, f"{src.stem}: missing {call}"
        words = re.sub(r"[^a-z ]", " ", q.task.lower()).split()
        for start in range(0, max(1, len(words) - 12), 6):  # any 12 words of the task in a row
            phrase = " ".join(words[start:start + 12])
            flat = " ".join(re.sub(r"[^a-z ]", " ", prose.lower()).split())
            assert len(words) < 12 or phrase not in flat, (
                f"{src.stem}: the task of EX.{name} is also written in the notebook: '{phrase}'")
