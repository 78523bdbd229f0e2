"""Fixtures for tests/hub: the proxy (from npm, cached) and the upstream course repository."""

import shutil
import subprocess

import pytest
from hubutil import CHP_CACHE, CHP_VERSION, COURSE_DIR, ROOT, git


@pytest.fixture(scope="session")
def chp():
    """The configurable-http-proxy executable, installed from npm into a cache when missing."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("hub test needs node and npm (for configurable-http-proxy); apt-get install nodejs npm")
    prefix = CHP_CACHE / f"chp-{CHP_VERSION}"
    exe = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if not exe.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                            "--loglevel=error", f"configurable-http-proxy@{CHP_VERSION}"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and exe.exists(), f"npm install failed:\n{r.stdout}{r.stderr}"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == CHP_VERSION, out.stdout + out.stderr
    return exe


@pytest.fixture(scope="session")
def upstream(tmp_path_factory):
    """The course repository students pull: a copy of notebooks/ and a README, one commit."""
    repo = tmp_path_factory.mktemp("upstream") / COURSE_DIR
    (repo / "notebooks").mkdir(parents=True)
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(nb, repo / "notebooks" / nb.name)
    (repo / "README.md").write_text("# Course\n\nVersion 1.\n")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "course v1", cwd=repo)
    return repo
