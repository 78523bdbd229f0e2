"""Print each code cell's run time for a built notebook: python tools/time_cells.py NB.ipynb"""

import sys
from datetime import datetime

import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
               resources={"metadata": {"path": "notebooks"}}).execute()
for i, cell in enumerate(nb.cells):
    t = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in t and "shell.execute_reply" in t:
        a = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
        b = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
        print(f"{(b - a).total_seconds():6.2f} s  cell {i}: {cell.source.splitlines()[0][:60]!r}")
