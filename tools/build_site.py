"""Build the course website: static HTML from the committed, executed notebooks (jupyter-book 1).

Nothing is executed. The sources are staged into <out>/_build/src, so that nothing is committed
twice and the notebooks stay untouched:
  index.md          README.md, the landing page: links to repository files that are not pages
                    of the site point to the repository, external images become their alt text
  notebooks/*.ipynb the 12 chapters, in order; a cell tagged "solution" also gets jupyter-book's
                    "hide-output" tag (the solution stays on the page, collapsed)
  _config.yml       site/config.yml + title (README's heading) + repository, branch, Binder and
                    hub from deploy/course.toml: launch buttons on every chapter (Binder, and an
                    nbgitpuller link to the hub, opening JupyterLab)
  _toc.yml          index, then the chapters
  favicon.svg       site/favicon.svg
  _static/          site/_static (course.css: printed output wraps)
The HTML goes to <out>/_build/html (default <out>: site/, so site/_build/html). MathJax 3 is
served by the site itself (site/_ext/course_site.py copies it from sphinx-mathjax-offline).

Usage:  python tools/build_site.py [--out DIR] [--strict]
        --strict: exit 1 if Sphinx printed any warning.
Prints pages, size (MB), build time (s) and every Sphinx warning; writes <out>/_build/site.json.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def course_settings():
    """deploy/course.toml: where the course lives (repository, branch, hub, Binder)."""
    with open(ROOT / "deploy" / "course.toml", "rb") as f:
        return tomllib.load(f)


def landing_page(readme, repo_url, branch, pages):
    """README.md as the site's first page. A relative link to a staged page stays (Sphinx
    resolves it); one to any other repository file points to that file in the repository, and
    an image from another site becomes its alt text (the site loads nothing from elsewhere)."""
    def image(match):
        return match.group(1) if re.match(r"https?://", match.group(2)) else match.group(0)

    def link(match):
        text, target = match.group(1), match.group(2)
        path = target.split("#")[0]
        if re.match(r"[a-z]+:", target) or target.startswith("#") or path in pages:
            return match.group(0)
        kind = "tree" if (ROOT / path).is_dir() else "blob"
        return f"[{text}]({repo_url}/{kind}/{branch}/{target})"

    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", image, readme)
    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, text)


def stage(src):
    """Write the book's sources into src: the landing page, the notebooks, _config.yml, _toc.yml."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    settings = course_settings()
    repo, branch = settings["repository"]["url"], settings["repository"]["branch"]
    pages = {f"notebooks/{nb.name}" for nb in NOTEBOOKS}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(landing_page(readme, repo, branch, pages), encoding="utf-8")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "solution" in tags and "hide-output" not in tags:
                cell.metadata["tags"] = [*tags, "hide-output"]
        nbformat.write(nb, src / "notebooks" / path.name)

    shutil.copy2(SITE / "favicon.svg", src / "favicon.svg")
    shutil.copytree(SITE / "_static", src / "_static")
    config = yaml.safe_load((SITE / "config.yml").read_text(encoding="utf-8"))
    config["title"] = re.search(r"^# (.+)$", readme, re.M).group(1).strip()
    config["repository"] = {"url": repo, "branch": branch, "path_to_book": ""}
    config["launch_buttons"].update(binderhub_url=settings["binder"]["url"],
                                    jupyterhub_url=settings["hub"]["url"])
    config["sphinx"]["local_extensions"] = {"course_site": str(SITE / "_ext")}
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    toc = {"format": "jb-book", "root": "index",
           "chapters": [{"file": f"notebooks/{nb.stem}"} for nb in NOTEBOOKS]}
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")


def build(out=SITE):
    """Stage the sources and build the site into out/_build/html; returns the figures:
    pages, size_mb, build_seconds, warnings (the lines Sphinx printed), html (the folder)."""
    out = Path(out)
    src, html = out / "_build" / "src", out / "_build" / "html"
    t0 = time.perf_counter()
    stage(src)
    if html.exists():
        shutil.rmtree(html)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(src), "--path-output", str(out),
           "--all"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    log = run.stdout + run.stderr
    if run.returncode != 0 or not (html / "index.html").exists():
        raise RuntimeError(f"jupyter-book failed ({run.returncode}):\n{log[-4000:]}")
    seconds = time.perf_counter() - t0
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    pages = sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                   if p.name not in ("search.html", "genindex.html") and "_static" not in p.parts)
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    figures = {"pages": len(pages), "page_files": pages, "size_mb": round(size / 1e6, 1),
               "build_seconds": round(seconds, 1), "warnings": warnings, "html": str(html)}
    (out / "_build" / "site.json").write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(SITE), help="the site goes to OUT/_build/html")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args()
    figures = build(Path(args.out))
    for line in figures["warnings"]:
        print(line)
    print(f"site: {figures['html']}/index.html  {figures['pages']} pages, {figures['size_mb']} MB, "
          f"built in {figures['build_seconds']} s, {len(figures['warnings'])} warnings")
    if args.strict and figures["warnings"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
