"""Build notebooks/NN_topic.ipynb from notebooks/src/NN_topic.py and execute it.

The .py file is the notebook's source (the "percent" format): cells start with a line

    # %% [markdown]      a Markdown cell; each line's leading "# " is removed
    # %%                 a code cell
    # %% solution        a code cell whose input and output start collapsed (a solution)

The notebook is executed from a fresh kernel (as Restart & Run All) and saved with its
outputs. Usage:  python tools/build_notebooks.py [01 02 ...]   (default: every source)
"""

import html
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def parse(text):
    """Split percent-format text into a list of nbformat cells."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            md = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body.splitlines()]
            cells.append(nbformat.v4.new_markdown_cell("\n".join(md)))
        else:
            cell = nbformat.v4.new_code_cell(body)
            if kind == "solution":
                cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
                cell.metadata["tags"] = ["solution"]
            cells.append(cell)

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            marker = line[4:].strip()
            kind = "markdown" if marker == "[markdown]" else ("solution" if marker == "solution" else "code")
            lines = []
        else:
            lines.append(line)
    flush()
    return cells


def finished_progress_bars(nb):
    """Give each tqdm bar's plain-text fallback its final state.

    A tqdm bar in a notebook is a widget; its text/plain fallback (what GitHub and other static
    renderers show) is frozen at "0%| 0/600" when it was first displayed. The saved widget state
    holds the finished bar, so the fallback is rewritten from it."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
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


def build(src, execute=True):
    nb = nbformat.v4.new_notebook()
    nb.cells = parse(src.read_text())
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    out = OUT / (src.stem + ".ipynb")
    if execute:
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(OUT)}}).execute()
        print(f"{out.name}: executed in {time.perf_counter() - t0:.1f} s")
        finished_progress_bars(nb)
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
        cell["id"] = f"{src.stem[:2]}-{i:03d}"
    nbformat.write(nb, out)
    return out


def main(argv):
    wanted = argv or None
    sources = sorted(SRC.glob("*.py"))
    if wanted:
        sources = [s for s in sources if any(s.stem.startswith(w) for w in wanted)]
    if not sources:
        sys.exit(f"no notebook sources match {wanted} in {SRC}")
    for src in sources:
        build(src)


if __name__ == "__main__":
    main(sys.argv[1:])
