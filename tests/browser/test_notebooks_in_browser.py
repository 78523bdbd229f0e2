"""Every notebook in JupyterLab in headless Chromium: opened before running it shows every
committed figure as a picture; then Run All, no error anywhere, every interactive figure
rendered live, every slider and dropdown changes its figure (timed)."""

import hashlib
import io
import json
import statistics
import time
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
ERROR_TEXTS = ("Error displaying widget", "Model not found", "model not found")


KERNEL_READY = """() => { const w = window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.isReady && w.sessionContext.session
        && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle' && k.connectionStatus === 'connected'; }"""


def wait_idle(page, timeout=240, stable=0.6):
    """Wait until no cell is queued or running and the kernel reports idle, for `stable` s."""
    deadline = time.time() + timeout
    calm_since = None
    while time.time() < deadline:
        busy = page.evaluate("""() => {
            const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
            const status = ind ? ind.getAttribute('data-status') : 'unknown';
            const running = [...document.querySelectorAll('.jp-InputArea-prompt')]
                .some(p => p.textContent.includes('*'));
            return running || status !== 'idle';
        }""")
        if busy:
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= stable:
            return
        time.sleep(0.1)
    raise AssertionError("kernel did not become idle in time")


def figure_digest(img):
    """A hash of the figure as drawn on screen; fails if the figure is blank (one colour)."""
    png = img.screenshot()
    lo_hi = Image.open(io.BytesIO(png)).convert("RGB").getextrema()
    assert any(lo != hi for lo, hi in lo_hi), "the figure went blank (a single colour)"
    return hashlib.sha1(png).hexdigest()


# Each control is moved once more back and forth this many times, so that a figure's median
# input-to-figure latency rests on 3-5 timings per control rather than one (one timing per
# control made a figure's median swing by +-60 ms between runs).
EXTRA_SAMPLES = 1


def settle(page, img, previous_src, timeout=20):
    """Wait until the figure's image changed from previous_src (or timeout) and then stayed
    the same for 250 ms with the kernel idle. Returns (seconds until settled, changed?)."""
    t0 = time.perf_counter()
    deadline = time.time() + timeout
    last, last_change = img.get_attribute("src"), time.perf_counter()
    changed = last != previous_src
    while time.time() < deadline:
        src = img.get_attribute("src")
        if src != last:
            last, last_change, changed = src, time.perf_counter(), True
        idle = page.evaluate("""() => {const i = document.querySelector(
            '.jp-Notebook-ExecutionIndicator'); return !i || i.getAttribute('data-status') === 'idle';}""")
        if changed and idle and time.perf_counter() - last_change > 0.25:
            return last_change - t0, True
        if not changed and time.perf_counter() - t0 > 3:
            return None, False
        time.sleep(0.02)
    return None, changed


def try_control(page, img, act, retry=None):
    """Do `act` and wait for the figure to settle; with `retry`, try once more when the picture
    did not change (one step of a log slider may round to the same value). Returns (seconds
    from input to the settled figure or None, whether the picture changed)."""
    before_src, before = img.get_attribute("src"), figure_digest(img)
    act()
    lat, changed = settle(page, img, before_src)
    if retry and not (changed and figure_digest(img) != before):
        retry()
        lat, changed = settle(page, img, img.get_attribute("src"))
    return lat, changed and figure_digest(img) != before


def committed_pictures(name):
    """How many PNG outputs the committed notebook carries (static plots and the picture of
    each interactive figure)."""
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    return sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
               for o in c["outputs"])


def assert_no_errors(page, name):
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, f"{name}: error output: {errors.first.inner_text()[:300]}"
    assert page.locator(".jupyter-widgets-error-widget").count() == 0, f"{name}: widget error"
    # outputs only: the prose may mention these messages (the start page explains them)
    text = "\n".join(page.locator(".jp-Notebook .jp-OutputArea").all_inner_texts())
    for bad in ERROR_TEXTS:
        assert bad not in text, f"{name}: '{bad}' on the page"


@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_browser(name, lab, browser, report):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    try:
        # ?reset: a fresh workspace, so the previous test's notebook is not reopened beside it
        page.goto(f"{lab['url']}/lab/tree/{name}?reset&token={lab['token']}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        # the indicator reads "idle" even before a kernel exists: wait for the session's kernel
        page.wait_for_function(KERNEL_READY, timeout=90_000)
        # before running: the committed outputs show each figure's picture, not a widget error
        # or a bare "VBox(...)" (the notebook carries no widget state, only the PNG)
        shown = page.locator(".jp-Notebook .jp-RenderedImage img")
        want = committed_pictures(name)
        page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-RenderedImage img')"
                               f".length >= {want}", timeout=30_000)
        assert shown.count() == want, f"{name}: {shown.count()} pictures shown, {want} committed"
        assert page.locator(".jp-Notebook .jp-OutputArea-output:has-text('FigureBox(')").count() == 0
        assert_no_errors(page, name)
        # fire and forget: evaluate() has no timeout and would wait for the command's promise
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        time.sleep(1.0)
        wait_idle(page)
        panel = page.locator("#" + page.evaluate("() => window.jupyterapp.shell.currentWidget.id"))
        # every figure box rendered an image
        boxes = panel.locator(".dlcore-interactive")
        n_boxes = boxes.count()
        for i in range(n_boxes):
            img = boxes.nth(i).locator("img.dlcore-figure")
            img.scroll_into_view_if_needed()
            page.wait_for_function("(el) => el.complete && el.naturalWidth > 0",
                                   arg=img.element_handle(), timeout=30_000)
        assert_no_errors(page, name)
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=False)

        results, responded = [], 0
        for i in range(n_boxes):
            box = boxes.nth(i)
            classes = box.get_attribute("class") or ""
            fig_name = next((c[len("dlcore-name-"):].replace("--", ".") for c in classes.split()
                             if c.startswith("dlcore-name-")), f"{name}#{i}")
            img = box.locator("img.dlcore-figure")
            fig_lat, dead = [], []

            def record(label, outcome, fig_lat=fig_lat, dead=dead):
                lat, ok = outcome
                if not ok:
                    dead.append(label)
                if lat is not None:
                    fig_lat.append(1000 * lat)

            handles = box.locator(".noUi-handle")
            selects = box.locator("select")
            checks = box.locator("input[type=checkbox]")
            for j in range(handles.count()):
                handle = handles.nth(j)
                handle.scroll_into_view_if_needed()
                handle.focus()
                key = "ArrowRight" if handle.get_attribute("aria-valuenow") != \
                    handle.get_attribute("aria-valuemax") else "ArrowLeft"
                record(f"slider {j + 1}", try_control(
                    page, img, lambda k=key: page.keyboard.press(k),
                    retry=lambda k=key: [page.keyboard.press(k) for _ in range(5)]))
                back = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
                for k in [back, key] * EXTRA_SAMPLES:  # step back and forth: more timings
                    lat, _ = try_control(page, img, lambda k=k: page.keyboard.press(k))
                    if lat is not None:
                        fig_lat.append(1000 * lat)
            for j in range(selects.count()):
                sel = selects.nth(j)
                options = sel.locator("option").all_inner_texts()
                current = sel.evaluate("(s) => s.options[s.selectedIndex].text")
                other = next(o for o in options if o != current)
                record(f"dropdown {j + 1}", try_control(
                    page, img, lambda s=sel, o=other: s.select_option(label=o)))
                for o in [current, other] * EXTRA_SAMPLES:  # back and forth: more timings
                    lat, _ = try_control(page, img, lambda s=sel, o=o: s.select_option(label=o))
                    if lat is not None:
                        fig_lat.append(1000 * lat)
            for j in range(checks.count()):
                record(f"checkbox {j + 1}", try_control(page, img, checks.nth(j).click))
            fig_ok = not dead
            if i == 0 and handles.count():
                # drag the first slider past both ends of its track
                track = box.locator(".noUi-target").first.bounding_box()
                h = handles.first.bounding_box()
                for x_end in (track["x"] + track["width"] + 40, track["x"] - 40):
                    before_src = img.get_attribute("src")
                    page.mouse.move(h["x"] + h["width"] / 2, h["y"] + h["height"] / 2)
                    page.mouse.down()
                    page.mouse.move(x_end, h["y"] + h["height"] / 2, steps=8)
                    page.mouse.up()
                    settle(page, img, before_src)
                    figure_digest(img)  # an extreme value still draws something
                    h = handles.first.bounding_box()
                    at = handles.first.get_attribute("aria-valuenow")
                    end = "aria-valuemax" if x_end > track["x"] else "aria-valuemin"
                    assert at == handles.first.get_attribute(end), \
                        f"{fig_name}: dragging past the end did not reach the {end[11:]}"
                box.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}-after-drag.png"))
            responded += fig_ok
            results.append({"name": fig_name, "responded": fig_ok, "dead_controls": dead,
                            "median_ms": round(statistics.median(fig_lat), 1) if fig_lat else None})
            assert_no_errors(page, name)
        all_lat = [r["median_ms"] for r in results if r["median_ms"] is not None]
        report["notebooks"].append({
            "name": name, "widgets": n_boxes, "responded": responded,
            "median_ms": round(statistics.median(all_lat), 1) if all_lat else None})
        report["figures"].extend(results)
        dead = {r["name"]: r["dead_controls"] for r in results if not r["responded"]}
        assert not dead, f"{name}: figures that did not change when a control moved: {dead}"
    finally:
        page.close()
        report["t_end"] = time.perf_counter()
