"""Sphinx fixes for the course website (tools/build_site.py adds it to the staged _config.yml).

- Each script is kept once per page: sphinx-thebe's and sphinx-togglebutton's inline scripts,
  added once with filename None and once with "", reached every page twice (jupyter-book 1.0.4,
  Sphinx 7.4), and sphinx-thebe's second `const THEBE_JS_URL = ...` is a SyntaxError in the
  browser ("Identifier 'THEBE_JS_URL' has already been declared").
- MathJax 3.2.2 is served by the site: the parts that TeX in CommonHTML needs are copied from
  the sphinx-mathjax-offline package into _static/mathjax (mathjax_path points there).
"""

import importlib.metadata
import shutil
from pathlib import Path

# the combined component, the TeX extensions it loads on demand (autoload) and the fonts:
# 2.1 MB of the package's 24 MB
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2"]


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        # an inline script reaches the list once with filename None, once with ""
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    try:
        dist = importlib.metadata.distribution("sphinx-mathjax-offline")
    except importlib.metadata.PackageNotFoundError as err:
        raise RuntimeError("the site serves MathJax from the sphinx-mathjax-offline package: "
                           "pip install sphinx-mathjax-offline==0.0.2") from err
    source = Path(dist.locate_file("sphinx-mathjax-offline/static/mathjax"))
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
