"""The repository stands on its own: no file points to documents that a clone does not have."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", "API" + r"\.md", "COURSE" + r"\.md",
                               "STYLE" + r"\.md"]))


def tracked_files():
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
        return [ROOT / p for p in out]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an sdist, say)
        skip = {".venv", ".git", "node_modules", "artifacts"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]


def test_no_file_points_outside_the_repository():
    files = tracked_files()
    assert len(files) > 50
    bad = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert not bad, "write what a contributor needs into the repository:\n" + "\n".join(bad)


def test_the_documents_a_contributor_needs_are_here():
    for name in ("README.md", "CONTRIBUTING.md", "NOTATION.md", "docs/public-api.md"):
        assert (ROOT / name).stat().st_size > 1000, name
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    for topic in ("## Exercises", "## Budgets", "NBVAL_CHECK_OUTPUT", "docs/public-api.md"):
        assert topic in contributing


def test_pre_commit_runs_ruff_jupytext_and_the_notebook_check():
    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert set(hooks) >= {"ruff", "jupytext-sync", "committed-notebooks"}
    for hook in hooks.values():
        tool = ROOT / hook["entry"].split()[0]
        assert tool.parts[-3:-1] == (".venv", "bin"), "hooks use the course's own environment"
    assert "tests/test_notebooks_committed.py" in hooks["committed-notebooks"]["entry"]


def test_readme_links_agree_with_course_toml():
    """deploy/course.toml says where the course lives; the README's Binder and website links
    must say the same (the site and the hub links are built from course.toml)."""
    import tomllib
    from urllib.parse import urlparse

    course = tomllib.loads((ROOT / "deploy" / "course.toml").read_text())
    readme = (ROOT / "README.md").read_text()
    links = dict(re.findall(r"^\[(\w+)\]: (\S+)$", readme, flags=re.M))
    assert links["site"] == course["site"]["url"]
    owner_repo = urlparse(course["repository"]["url"]).path.strip("/")
    branch = course["repository"]["branch"]
    assert links["binder"].startswith(f"{course['binder']['url']}/v2/gh/{owner_repo}/{branch}?")
