"""Measure the course's budgets and write benchmarks/results.json and benchmarks/RESULTS.md.

* every interactive figure (found by ``dlcore.widgets.discover``, so new chapters join by
  themselves): compute + redraw + PNG encode at >= 24 slider settings, median and p95 in ms;
* every notebook: executed headless from a fresh kernel, seconds, and the kernel's peak memory;
* ``import dlcore``: seconds (median of 5 fresh interpreters);
* the browser's input-to-settled-figure latency per figure, read from the last browser-test
  report (tests/browser/artifacts/report.json) when there is one.

Usage: python benchmarks/run.py [--figures] [--notebooks] [--only 01 02]   (default: all)
This is a measurement, not a test: budgets are reported, never asserted.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_JSON = ROOT / "benchmarks" / "results.json"
OUT_MD = ROOT / "benchmarks" / "RESULTS.md"
BROWSER_REPORT = ROOT / "tests" / "browser" / "artifacts" / "report.json"
BUDGET_FIG_MS, BUDGET_NB_S, BUDGET_IMPORT_S, BUDGET_MEM_MB = 50.0, 30.0, 0.5, 1024.0


def bench_figures(only):
    import matplotlib

    matplotlib.use("Agg")
    from dlcore.widgets import discover

    rows = []
    for name, spec in sorted(discover().items()):
        if only and not any(name.startswith(f"ch{o}") for o in only):
            continue
        times = spec.time_updates(spec.sweep_settings(24))
        times.sort()
        rows.append({"name": name, "median_ms": round(statistics.median(times), 1),
                     "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                     "settings": len(times)})
        print(f"{name:40s} median {rows[-1]['median_ms']:6.1f} ms  p95 {rows[-1]['p95_ms']:6.1f} ms")
    return rows


def _peak_rss(pid, stop, result):
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    peak = 0
    while not stop.is_set():
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(True))
            peak = max(peak, rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    result["peak_mb"] = round(peak / 2 ** 20, 1)


def bench_notebook(path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    mem = {}
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        stop = threading.Event()
        watcher = threading.Thread(target=_peak_rss, args=(pid, stop, mem), daemon=True)
        watcher.start()
        t0 = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - t0
        stop.set()
        watcher.join()
    return {"name": path.stem, "seconds": round(seconds, 1), "peak_mb": mem.get("peak_mb")}


def bench_notebooks(only):
    rows = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if only and not any(path.stem.startswith(o) for o in only):
            continue
        rows.append(bench_notebook(path))
        print(f"{rows[-1]['name']:28s} {rows[-1]['seconds']:6.1f} s  peak {rows[-1]['peak_mb']} MB")
    return rows


MATHS_IMPORT = (
    "import time, importlib, pkgutil; t = time.perf_counter(); import dlcore; "
    "[importlib.import_module('dlcore.' + m.name) for m in pkgutil.iter_modules(dlcore.__path__)"
    " if m.name not in ('plots', 'widgets', 'notebook') and not m.name.endswith('_torch')]; "
    "print(time.perf_counter() - t)"
)


def bench_import(code=None):
    """Median seconds over 5 fresh interpreters of ``import dlcore`` (or of ``code``)."""
    code = code or "import time; t = time.perf_counter(); import dlcore; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]
    return round(statistics.median(runs), 3)


def browser_latencies():
    if not BROWSER_REPORT.exists():
        return {}
    report = json.loads(BROWSER_REPORT.read_text())
    return {f["name"]: f.get("median_ms") for f in report.get("figures", [])}


def merge(old, new, key="name"):
    """Keep earlier rows for what this run did not measure."""
    rows = {r[key]: r for r in old}
    rows.update({r[key]: r for r in new})
    return [rows[k] for k in sorted(rows)]


def write(results):
    OUT_JSON.write_text(json.dumps(results, indent=2) + "\n")
    browser = results.get("browser_ms", {})
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {results['machine']} ({results['date']}). Budgets "
        "(CONTRIBUTING.md, \"Budgets\"): figure update median <= 50 ms (browser: input to "
        "settled figure <= 150 ms), "
        "notebook <= 30 s, kernel peak memory <= 1 GB, `import dlcore` <= 0.5 s.",
        "",
        f"`import dlcore`: **{results['import_s']} s** "
        f"({'within' if results['import_s'] <= BUDGET_IMPORT_S else 'OVER'} budget); "
        f"`import dlcore` plus every maths module (no torch, no matplotlib): "
        f"**{results['import_maths_s']} s**",
        "",
        "## Interactive figures (compute + redraw + PNG encode, >= 24 slider settings)",
        "",
        "| figure | median ms | p95 ms | browser median ms | budget |",
        "|---|---:|---:|---:|---|",
    ]
    for r in results["figures"]:
        b = browser.get(r["name"])
        ok = r["median_ms"] <= BUDGET_FIG_MS and (b is None or b <= 150)
        lines.append(f"| {r['name']} | {r['median_ms']} | {r['p95_ms']} | "
                     f"{'' if b is None else b} | {'ok' if ok else 'OVER'} |")
    lines += ["", "## Notebooks (headless, fresh kernel)", "",
              "| notebook | seconds | kernel peak MB | budget |", "|---|---:|---:|---|"]
    total = 0.0
    for r in results["notebooks"]:
        total += r["seconds"]
        ok = r["seconds"] <= BUDGET_NB_S and (r["peak_mb"] or 0) <= BUDGET_MEM_MB
        lines.append(f"| {r['name']} | {r['seconds']} | {r['peak_mb']} | {'ok' if ok else 'OVER'} |")
    lines += ["", f"Whole course: **{total:.1f} s** (budget 240 s).", ""]
    OUT_MD.write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", action="store_true", help="only the figures")
    parser.add_argument("--notebooks", action="store_true", help="only the notebooks")
    parser.add_argument("--only", nargs="*", default=[], help="chapter numbers, e.g. 01 02")
    args = parser.parse_args()
    both = not (args.figures or args.notebooks)
    os.chdir(ROOT)
    old = json.loads(OUT_JSON.read_text()) if OUT_JSON.exists() else {}
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "figures": old.get("figures", []),
        "notebooks": old.get("notebooks", []),
        "import_s": old.get("import_s"),
    }
    if both or args.figures:
        results["figures"] = merge(old.get("figures", []), bench_figures(args.only))
    if both or args.notebooks:
        results["notebooks"] = merge(old.get("notebooks", []), bench_notebooks(args.only))
    results["import_s"] = bench_import()
    results["import_maths_s"] = bench_import(MATHS_IMPORT)
    results["browser_ms"] = browser_latencies() or old.get("browser_ms", {})
    write(results)
    print(f"import dlcore: {results['import_s']} s; wrote {OUT_JSON.relative_to(ROOT)} and "
          f"{OUT_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
