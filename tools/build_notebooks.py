"""Execute notebooks from their jupytext sources and save them with their outputs.

Each notebook is a jupytext pair (see jupytext.toml): notebooks/src/NN_topic.py, in the percent
format (`# %%` code cells, `# %% [markdown]` text cells, solution cells tagged "solution" and
collapsed), and notebooks/NN_topic.ipynb, committed with outputs. Either may be edited, in
JupyterLab (jupytext keeps the pair in step) or in an editor; this script reads the pair (the
newer side wins, as `jupytext --sync` decides), executes it from a fresh kernel, as Restart & Run
All, and writes both files.

Saved outputs carry no widget state: an interactive figure's output keeps the PNG that it
carries (what a reader without a kernel sees) and its text, so a rebuild does not rewrite
megabytes of widget models with new ids. A tqdm bar's text shows the finished bar.

Usage:  python tools/build_notebooks.py [01 02 ...]   (default: every notebook)
"""

import copy
import html
import sys
import time
from pathlib import Path

import jupytext
import jupytext.config
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def read_source(src):
    """The notebook of a percent-format source: its cells, with their tags and metadata."""
    return jupytext.read(src, fmt="py:percent")


def write_source(nb, src):
    """The percent-format text of ``nb``, with the metadata filters of jupytext.toml (as
    JupyterLab writes it when it saves the pair)."""
    config = jupytext.config.load_jupytext_config(str(ROOT))
    text_nb = copy.deepcopy(nb)
    text_nb.metadata = {"jupytext": {"notebook_metadata_filter": config.notebook_metadata_filter,
                                     "cell_metadata_filter": config.cell_metadata_filter}}
    jupytext.write(text_nb, src, fmt="py:percent")


def finished_progress_bars(nb):
    """Give each tqdm bar's plain-text fallback its final state.

    A tqdm bar in a notebook is a widget; its text/plain fallback (what GitHub and other static
    renderers show) is frozen at "0%| 0/600" when it was first displayed. The widget state of
    the finished run holds the final bar, so the fallback is rewritten from it."""
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            box = models.get(view["model_id"]) if view else None
            if not box or box.get("model_name") != "HBoxModel":
                continue
            parts = [models.get(c.replace("IPY_MODEL_", ""), {}) for c in box["state"].get("children", [])]
            names = [p.get("model_name") for p in parts]
            if names != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
                continue
            left, bar, right = (p["state"] for p in parts)
            frac = bar.get("value", 0) / bar["max"] if bar.get("max") else 1.0
            filled = "\u2588" * int(round(10 * frac))
            left, right = (html.unescape(p.get("value", "")) for p in (left, right))
            output["data"]["text/plain"] = f"{left}|{filled:<10}|{right}".replace("\u2007", " ")


def without_widget_state(nb):
    """Drop saved widget models and widget views: each output keeps its PNG and its text."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)


def build(name, execute=True):
    src, out = SRC / f"{name}.py", OUT / f"{name}.ipynb"
    if out.exists() and src.exists() and out.stat().st_mtime > src.stat().st_mtime:
        # edited in JupyterLab last: bring the text source up to date first
        write_source(jupytext.read(out), src)
    nb = read_source(src)
    nb.metadata.pop("jupytext", None)  # jupytext.toml holds the pairing and the filters
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    if execute:
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(OUT)}}).execute()
        print(f"{out.name}: executed in {time.perf_counter() - t0:.1f} s")
        finished_progress_bars(nb)
        without_widget_state(nb)
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
        cell["id"] = f"{name[:2]}-{i:03d}"
    nbformat.write(nb, out)
    write_source(nb, src)  # the canonical text form of the same cells
    return out


def main(argv):
    names = sorted({p.stem for p in SRC.glob("*.py")} | {p.stem for p in OUT.glob("*.ipynb")})
    if argv:
        names = [n for n in names if any(n.startswith(w) for w in argv)]
    if not names:
        sys.exit(f"no notebooks match {argv} in {OUT}")
    for name in names:
        build(name)


if __name__ == "__main__":
    main(sys.argv[1:])
