"""The course website (tools/build_site.py, jupyter-book) in headless Chromium: built once into a
temporary folder, served on 127.0.0.1, every page visited. Each page loads with no console error,
no failed request, every equation typeset by MathJax (none left as raw TeX), every image loaded,
every internal link pointing to an existing file and anchor; each chapter shows every figure
that its notebook carries and launch links to Binder and to the hub; the search page finds a
word. Pages, size and build time go to artifacts/site.json."""

import functools
import http.server
import importlib.util
import json
import re
import threading
import time
import tomllib
import urllib.parse
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index.html"] + [f"notebooks/{nb.stem}.html" for nb in NOTEBOOKS]
# what a widget with no saved state shows on a static page instead of its picture
# inline maths left as text: $...$ around a TeX command, a subscript or a superscript
RAW_INLINE_TEX = re.compile(r"\$[^$\n]{0,200}?[\\_^][^$\n]{0,200}?\$")
WIDGET_PLACEHOLDERS = ("FigureBox(", "VBox(", "HBox(", "Loading widget", "Error displaying widget")

pytestmark = pytest.mark.browser


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_report():
    ARTIFACTS.mkdir(exist_ok=True)
    data = {"per_page": {}}
    yield data
    (ARTIFACTS / "site.json").write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="session")
def site(browser, tmp_path_factory, site_report):
    """The site built into a temporary folder and served by http.server on 127.0.0.1 (stopped at
    the end). Requests `browser` first, so that it is skipped, unbuilt, without Chromium."""
    figures = _load_builder().build(tmp_path_factory.mktemp("site"))
    html = Path(figures["html"])
    site_report.update({k: figures[k] for k in ("pages", "size_mb", "build_seconds", "warnings")})
    handler = functools.partial(_Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {**figures, "url": f"http://127.0.0.1:{server.server_address[1]}/", "html": html}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_build_has_every_page_and_no_warning(site):
    built = set(site["page_files"])
    assert set(PAGES) <= built, f"pages missing from the site: {sorted(set(PAGES) - built)}"
    assert site["pages"] == len(PAGES), f"unexpected pages: {sorted(built - set(PAGES))}"
    assert site["warnings"] == [], "Sphinx warnings:\n" + "\n".join(site["warnings"])


def _ids(path, cache={}):  # noqa: B006 - a cache of each page's element ids
    if path not in cache:
        cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))
    return cache[path]


def broken_internal_links(hrefs, base, html):
    """The hrefs (absolute URLs) under base whose file does not exist in html, or whose #anchor
    is no element id of that file."""
    broken = []
    for href in hrefs:
        if not href.startswith(base):
            continue
        parts = urllib.parse.urlsplit(href)
        rel = urllib.parse.unquote(parts.path)[len(urllib.parse.urlsplit(base).path):]
        target = html / (rel or "index.html")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no file {rel})")
        elif parts.fragment and target.suffix == ".html" and parts.fragment not in _ids(target):
            broken.append(f"{href} (no id {parts.fragment!r} in {rel})")
    return broken


def png_outputs(path):
    """How many outputs of the notebook carry a PNG (each a figure the page must show)."""
    nb = nbformat.read(path, as_version=4)
    return sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.outputs)


PAGE_STATE = """() => {
    const text = el => { const c = el.cloneNode(true);
        c.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(n => n.remove());
        return c.innerText; };
    const main = document.querySelector('main') || document.body;
    const maths = [...document.querySelectorAll('.math')];
    return {
        text: text(main),
        maths: maths.length,
        untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
        containers: document.querySelectorAll('mjx-container').length,
        // a TeX error (mjx-merror) or an undefined macro (red text), with the TeX it came from
        texErrors: [...new Set([...document.querySelectorAll('mjx-merror, mjx-mtext')]
            .filter(e => e.tagName === 'MJX-MERROR' || getComputedStyle(e).color === 'rgb(255, 0, 0)')
            .map(e => e.closest('mjx-container')))].map(c => {
                const item = MathJax.startup.document.getMathItemsWithin(c.parentElement)[0];
                const error = c.querySelector('mjx-merror');
                const what = error ? error.getAttribute('data-mjx-error') : 'undefined macro';
                return `${what}: ${JSON.stringify(item ? item.math.slice(0, 80) : '')}`; }),
        images: [...document.images].map(
            i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
        outputImages: document.querySelectorAll('.cell_output img').length,
        outputText: [...document.querySelectorAll('.cell_output')].map(text).join(' '),
        hrefs: [...document.querySelectorAll('a[href]')].map(a => a.href),
    };
}"""


@pytest.mark.parametrize("page_path", PAGES)
def test_page(site, browser, site_report, page_path):
    page = browser.new_page()
    errors, failed = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    try:
        t0 = time.perf_counter()
        page.goto(site["url"] + page_path, wait_until="load")
        # MathJax 3 typesets after load; startup.promise settles when the page is done
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        state = page.evaluate(PAGE_STATE)
        seconds = time.perf_counter() - t0
        launch = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"
                               ".filter(h => h.startsWith('http') && !h.startsWith(location.origin))")
    finally:
        page.close()
    site_report["per_page"][page_path] = {
        "seconds": round(seconds, 2), "equations": state["maths"], "images": len(state["images"]),
        "console_errors": len(errors), "failed_requests": len(failed)}

    # every check of the page, reported together (one broken image also logs a console error)
    problems = [f"console error: {e}" for e in errors] + [f"failed request: {f}" for f in failed]
    problems += [f"image did not load: {i['src']}" for i in state["images"] if not i["ok"]]
    problems += [f"equation not typeset: {m!r}" for m in state["untypeset"]]
    problems += [f"TeX error: {m}" for m in state["texErrors"]]
    problems += [f"raw TeX {raw!r} left in the text" for raw in ("$$", "\\(", "\\[", "\\begin{")
                 if raw in state["text"]]
    problems += [f"raw inline TeX: {m!r}" for m in RAW_INLINE_TEX.findall(state["text"])[:5]]
    problems += [f"broken internal link: {b}" for b in
                 broken_internal_links(state["hrefs"], site["url"], site["html"])]
    problems += [f"widget placeholder instead of a figure: {w!r}" for w in WIDGET_PLACEHOLDERS
                 if w in state["outputText"]]
    assert not problems, f"{page_path}:\n" + "\n".join(problems)

    if page_path == "index.html":
        chapters = {h for h in state["hrefs"] if "/notebooks/" in h}
        assert len(chapters) >= len(NOTEBOOKS), "the landing page does not link every chapter"
        return
    notebook = ROOT / "notebooks" / (Path(page_path).stem + ".ipynb")
    assert state["containers"] > 0 and state["maths"] > 0, f"no equation typeset on {page_path}"
    assert state["outputImages"] == png_outputs(notebook), (
        f"{page_path} shows {state['outputImages']} figures, its notebook carries {png_outputs(notebook)}")

    with open(ROOT / "deploy" / "course.toml", "rb") as f:
        course = tomllib.load(f)
    repo, branch = course["repository"]["url"], course["repository"]["branch"]
    owner_repo = urllib.parse.urlsplit(repo).path.strip("/")
    nb_path = f"notebooks/{notebook.name}"
    binder = f"{course['binder']['url'].rstrip('/')}/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{nb_path}"
    assert binder in launch, f"no Binder link {binder} on {page_path}: {launch}"
    puller = course["hub"]["url"].rstrip("/") + "/hub/user-redirect/git-pull?"
    hub = [h for h in launch if h.startswith(puller)]
    assert hub, f"no nbgitpuller link to the hub on {page_path}: {launch}"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(hub[0]).query)
    assert query["repo"] == [repo] and query["branch"] == [branch], hub[0]
    assert query["urlpath"] == [f"lab/tree/{owner_repo.split('/')[-1]}/{nb_path}"], hub[0]


def test_search_finds_a_word(site, browser):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        page.goto(site["url"] + "index.html", wait_until="load")
        # the sidebar's search field opens the theme's search box
        page.locator(".search-button-field").locator("visible=true").first.click()
        box = page.locator("input[name='q']").locator("visible=true").first
        box.fill("backpropagation")
        box.press("Enter")
        page.wait_for_url("**/search.html?q=backpropagation*")
        page.wait_for_selector("#search-results ul.search li", timeout=20000)
        results = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                                ".map(a => a.getAttribute('href'))")
    finally:
        page.close()
    assert not errors, f"console errors on the search page: {errors}"
    assert any("04_backprop.html" in r for r in results), f"backpropagation not found: {results}"
