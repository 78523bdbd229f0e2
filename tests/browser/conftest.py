"""Fixtures for the real-browser tests: JupyterLab on a copy of notebooks/, Chromium driven by
Playwright. Skipped, with one line saying how to enable them, when Chromium is missing."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
if os.environ.get("SKIP_BROWSER_TESTS") == "1":
    CHROMIUM = None
    SKIP_REASON = "browser tests skipped: SKIP_BROWSER_TESTS=1 is set"
else:
    SKIP_REASON = ("browser tests skipped: Chromium is not installed; "
                   "`sudo apt-get install chromium` enables them")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM:
        terminalreporter.write_line(SKIP_REASON, yellow=True, bold=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of notebooks/ with private config folders; yields its URL
    and token, and stops it (and its kernels) by its own process group at the end."""
    if not CHROMIUM:
        pytest.skip(SKIP_REASON)
    base = tmp_path_factory.mktemp("lab")
    work = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", work, ignore=shutil.ignore_patterns("src", ".ipynb_*"))
    env = dict(os.environ)
    for var, sub in [("HOME", "home"), ("JUPYTER_CONFIG_DIR", "config"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "mpl"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        (base / sub).mkdir()
        env[var] = str(base / sub)
    env["JUPYTER_DATA_DIR"] = str(base / "data")
    env["PYTHONPATH"] = str(ROOT)
    (base / "config" / "labconfig").mkdir()
    (base / "config" / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    # every cell attached to the page (the default windowing leaves off-screen cells out)
    tracker = base / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), uuid.uuid4().hex
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.open_browser=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(base / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError as err:
                if proc.poll() is not None or time.time() > deadline:
                    tail = (base / "lab.log").read_text()[-2000:]
                    raise RuntimeError("JupyterLab did not start: " + tail) from err
                time.sleep(0.5)
        yield {"url": url, "token": token, "root": work}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(profile)})
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()
            chromium.close()


@pytest.fixture(scope="session")
def report():
    """Collects per-notebook results; written to artifacts/report.json at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    data = {"notebooks": [], "figures": [], "t0": time.perf_counter()}
    yield data
    # the browser suite's own time: from its first test's start to its last test's end (the
    # session fixture itself ends only after every other test module has run)
    data["seconds"] = round(data.pop("t_end", data["t0"]) - data.pop("t0"), 1)
    (ARTIFACTS / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = ["notebook | widgets found | responded | median input-to-figure ms"]
    for nb in data["notebooks"]:
        lines.append(f"{nb['name']} | {nb['widgets']} | {nb['responded']} | {nb['median_ms']}")
    lines.append(f"whole browser suite: {data['seconds']} s")
    (ARTIFACTS / "report.md").write_text("\n".join(lines) + "\n")
