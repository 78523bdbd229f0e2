"""nbgitpuller links: one click pulls the course into a student's hub home and opens a chapter.

    python deploy/links.py 07              # the link for chapter 07 (the course repository)
    python deploy/links.py 07 --student    # the same chapter from the student release
    python deploy/links.py                 # every chapter, one line each
    python deploy/links.py 07 --app notebook --hub https://other.hub.edu

The hub, the repositories and their branches come from deploy/course.toml. The URL format is
nbgitpuller's (its documentation, "Link generator"):

    <hub>/hub/user-redirect/git-pull?repo=<git url>&branch=<branch>&urlpath=<where to open>

``user-redirect`` sends a logged-in student to their own server (starting it if needed);
nbgitpuller clones ``repo`` into ``~/<last part of the repo URL>`` (or merges into it, keeping
the student's edits), then opens ``urlpath``.
"""

import argparse
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
COURSE_TOML = ROOT / "deploy" / "course.toml"
APPS = ("lab", "notebook")


def target_dir(repo):
    """The folder nbgitpuller clones ``repo`` into, relative to the student's home.

    nbgitpuller's default ``targetpath``: the last part of the URL, trailing slashes removed.
    """
    name = repo.rstrip("/").split("/")[-1]
    if not urlsplit(repo).path.strip("/") or not name:
        raise ValueError(f"repo {repo!r} has no last path component to clone into")
    return name


def nbgitpuller_link(hub_url, repo, branch, path, app="lab"):
    """The nbgitpuller link that pulls ``repo`` (``branch``) and opens ``path`` in ``app``.

    hub_url: the hub's address, e.g. "https://hub.example.edu" (a trailing slash is fine).
    repo: the git URL students pull from. branch: its branch.
    path: a file or folder inside the repository, e.g. "notebooks/07_regularization.ipynb".
    app: "lab" (JupyterLab) or "notebook" (Jupyter Notebook 7 / classic).
    The ``urlpath`` is built as nbgitpuller builds it when it is given no ``urlpath``:
    lab/tree/<dir>/<path> for JupyterLab; notebooks/<dir>/<path> for a notebook file and
    tree/<dir>/<path> for a folder in Jupyter Notebook.
    """
    if app not in APPS:
        raise ValueError(f"app must be one of {APPS}, got {app!r}")
    if not hub_url.startswith(("http://", "https://")):
        raise ValueError(f"hub_url must start with http:// or https://, got {hub_url!r}")
    if not branch:
        raise ValueError("branch must not be empty")
    inside = f"{target_dir(repo)}/{path.strip('/')}".rstrip("/")
    if app == "lab":
        urlpath = f"lab/tree/{inside}"
    elif inside.endswith(".ipynb"):
        urlpath = f"notebooks/{inside}"
    else:
        urlpath = f"tree/{inside}"
    # quote (%20, %2F), as nbgitpuller's JavaScript link generator (encodeURIComponent) does
    query = urlencode({"repo": repo, "branch": branch, "urlpath": urlpath}, quote_via=quote, safe="")
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def read_course(path=COURSE_TOML):
    with open(path, "rb") as f:
        return tomllib.load(f)


def chapter_path(chapter, root=ROOT):
    """"07" or "7" -> "notebooks/07_regularization.ipynb" (the one notebook with that number)."""
    number = f"{int(chapter):02d}"
    found = sorted((root / "notebooks").glob(f"{number}_*.ipynb"))
    if len(found) != 1:
        raise SystemExit(f"no single notebook notebooks/{number}_*.ipynb (found {len(found)})")
    return found[0].relative_to(root).as_posix()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="chapter number (00-11); all chapters if omitted")
    parser.add_argument("--student", action="store_true", help="pull the student release")
    parser.add_argument("--app", choices=APPS, default="lab")
    parser.add_argument("--hub", help="hub URL (default: [hub] url in deploy/course.toml)")
    args = parser.parse_args(argv)
    course = read_course()
    repo = course["repository"]
    url, branch = ((repo["student_url"], repo["student_branch"]) if args.student
                   else (repo["url"], repo["branch"]))
    hub = args.hub or course["hub"]["url"]
    if args.chapter is not None:
        print(nbgitpuller_link(hub, url, branch, chapter_path(args.chapter), app=args.app))
        return 0
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"{nb.stem[:2]}  {nbgitpuller_link(hub, url, branch, f'notebooks/{nb.name}', app=args.app)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
