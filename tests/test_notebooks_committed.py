"""The committed notebooks match their sources and were executed from a fresh kernel."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_notebooks import parse  # noqa: E402

SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_has_a_source_and_back():
    assert {p.stem for p in SOURCES} == {p.stem for p in NOTEBOOKS}
    assert "00_start_here" in {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_matches_source(src):
    nb = nbformat.read(ROOT / "notebooks" / f"{src.stem}.ipynb", as_version=4)
    want = [(c.cell_type, c.source) for c in parse(src.read_text())]
    got = [(c.cell_type, c.source) for c in nb.cells]
    assert got == want, f"{src.stem}.ipynb is stale: run `make notebooks NB={src.stem[:2]}`"


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
