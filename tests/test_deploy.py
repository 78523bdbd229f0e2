"""deploy/: the nbgitpuller links, the Zero to JupyterHub values, and the sizing behind them.

The links are checked against hand-written URLs and parsed back with tornado's query parser
(what nbgitpuller's handler reads them with); tests/hub opens them on a real hub. The values
file is checked against the keys of the Z2JH chart's values.schema.yaml (the parts used here,
copied below) and its memory numbers against the arithmetic from benchmarks/results.json.
"""

import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from tornado.httputil import parse_qs_bytes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))
from links import nbgitpuller_link  # noqa: E402

CONFIG = ROOT / "deploy" / "config.yaml"


def nbgitpuller_arguments(url):
    """The query arguments as nbgitpuller's UIHandler sees them (tornado parses a request's
    query with parse_qs_bytes; get_argument returns the last value)."""
    parts = urlsplit(url)
    args = parse_qs_bytes(parts.query, keep_blank_values=True)
    return {k: [v.decode() for v in vs] for k, vs in args.items()}, parts.path


# ----------------------------------------------------------------------------- links


def test_link_is_nbgitpullers_format():
    url = nbgitpuller_link("https://hub.example.edu", "https://github.com/o/r", "main",
                           "notebooks/07_regularization.ipynb")
    assert url == ("https://hub.example.edu/hub/user-redirect/git-pull?"
                   "repo=https%3A%2F%2Fgithub.com%2Fo%2Fr&branch=main&"
                   "urlpath=lab%2Ftree%2Fr%2Fnotebooks%2F07_regularization.ipynb")


@pytest.mark.parametrize(("app", "path", "urlpath"), [
    ("lab", "notebooks/01_linear_regions.ipynb", "lab/tree/course/notebooks/01_linear_regions.ipynb"),
    ("lab", "notebooks/", "lab/tree/course/notebooks"),
    ("notebook", "notebooks/01_linear_regions.ipynb", "notebooks/course/notebooks/01_linear_regions.ipynb"),
    ("notebook", "notebooks", "tree/course/notebooks"),
])
def test_urlpath_opens_the_path_inside_the_clone(app, path, urlpath):
    url = nbgitpuller_link("https://hub.example.edu/", "https://git.example.edu/x/course/", "v2", path,
                           app=app)
    args, route = nbgitpuller_arguments(url)
    assert route == "/hub/user-redirect/git-pull"
    assert args == {"repo": ["https://git.example.edu/x/course/"], "branch": ["v2"], "urlpath": [urlpath]}


@pytest.mark.parametrize("repo", [
    "https://example.edu/a b/course",  # a space
    "https://example.edu/course?x=1&y=2#frag",  # the query's own separators
    "https://example.edu/c+c/kurs-ü",  # a plus (tornado reads a bare + as a space) and non-ASCII
])
def test_awkward_repository_urls_survive_the_round_trip(repo):
    url = nbgitpuller_link("https://hub.example.edu", repo, "main", "notebooks/x.ipynb")
    query = urlsplit(url).query
    assert " " not in query and "+" not in query and "#" not in query and query.count("&") == 2
    args, _ = nbgitpuller_arguments(url)
    assert args["repo"] == [repo]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"app": "vscode"}, "app"),
    ({"hub_url": "hub.example.edu"}, "hub_url"),
    ({"branch": ""}, "branch"),
    ({"repo": "https://example.edu/"}, "repo"),
])
def test_bad_arguments_are_refused(kwargs, match):
    args = {"hub_url": "https://hub.example.edu", "repo": "https://example.edu/c", "branch": "main",
            "path": "notebooks/x.ipynb", **kwargs}
    with pytest.raises(ValueError, match=match):
        nbgitpuller_link(**args)


def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "links.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_prints_the_chapter_link_from_course_toml():
    course = tomllib.loads((ROOT / "deploy" / "course.toml").read_text())
    (nb,) = (ROOT / "notebooks").glob("07_*.ipynb")
    for flag, url, branch in [((), course["repository"]["url"], course["repository"]["branch"]),
                              (("--student",), course["repository"]["student_url"],
                               course["repository"]["student_branch"])]:
        r = run_cli("07", *flag)
        assert r.returncode == 0, r.stderr
        args, route = nbgitpuller_arguments(r.stdout.strip())
        assert r.stdout.startswith(course["hub"]["url"].rstrip("/") + "/hub/user-redirect/git-pull?")
        assert args["repo"] == [url] and args["branch"] == [branch]
        assert args["urlpath"] == [f"lab/tree/{url.rstrip('/').split('/')[-1]}/notebooks/{nb.name}"]
    assert run_cli("7").stdout == run_cli("07").stdout


def test_cli_lists_every_chapter_and_refuses_an_unknown_one():
    r = run_cli()
    chapters = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [line.split()[0] for line in r.stdout.splitlines()] == chapters
    bad = run_cli("99")
    assert bad.returncode != 0 and "99" in bad.stderr


# ----------------------------------------------------------------------------- Z2JH values

# Keys that the Zero to JupyterHub chart's values.schema.yaml (jupyterhub/values.schema.yaml,
# chart 4.x) allows where this file sets something; the schema says additionalProperties:
# false at each of these levels, so helm refuses any other key.
SCHEMA = {
    "": {"enabled", "fullnameOverride", "nameOverride", "imagePullSecret", "imagePullSecrets", "hub",
         "proxy", "singleuser", "scheduling", "ingress", "prePuller", "custom", "cull", "debug", "rbac",
         "global"},
    "singleuser": {"networkPolicy", "podNameTemplate", "cpu", "memory", "image", "initContainers",
                   "profileList", "extraFiles", "extraEnv", "nodeSelector", "extraTolerations",
                   "extraNodeAffinity", "extraPodAffinity", "extraPodAntiAffinity", "cloudMetadata",
                   "cmd", "defaultUrl", "events", "extraAnnotations", "extraContainers", "extraLabels",
                   "extraPodConfig", "extraResource", "fsGid", "lifecycleHooks", "networkTools",
                   "serviceAccountName", "startTimeout", "storage", "allowPrivilegeEscalation", "uid"},
    "singleuser.cpu": {"limit", "guarantee"},
    "singleuser.memory": {"limit", "guarantee"},
    "singleuser.image": {"name", "tag", "pullPolicy", "pullSecrets"},
    "singleuser.storage": {"capacity", "dynamic", "extraLabels", "extraVolumeMounts", "extraVolumes",
                           "homeMountPath", "static", "type"},
    "cull": {"enabled", "users", "adminUsers", "removeNamedServers", "timeout", "every", "concurrency",
             "maxAge"},
    "scheduling": {"userScheduler", "podPriority", "userPlaceholder", "corePods", "userPods"},
    "prePuller": {"revisionHistoryLimit", "labels", "annotations", "resources", "extraTolerations", "hook",
                  "continuous", "pullProfileListImages", "extraImages", "containerSecurityContext", "pause"},
}


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(CONFIG.read_text())


def test_only_keys_the_chart_knows(config):
    for where, allowed in SCHEMA.items():
        node = config
        for part in filter(None, where.split(".")):
            node = node.get(part, {})
        unknown = set(node) - allowed
        assert not unknown, f"{where or 'top level'}: {sorted(unknown)} not in the chart's schema"


def test_value_types_match_the_schema(config):
    su = config["singleuser"]
    for key in ("guarantee", "limit"):
        assert re.fullmatch(r"\d+M", su["memory"][key]), su["memory"][key]
        assert isinstance(su["cpu"][key], int | float) and su["cpu"][key] > 0
    assert su["cpu"]["guarantee"] <= su["cpu"]["limit"]
    assert isinstance(su["image"]["name"], str) and isinstance(su["image"]["tag"], str)
    assert su["image"]["tag"] != "latest"
    assert su["defaultUrl"] == "/lab"
    assert all(isinstance(v, str) for v in su["extraEnv"].values()), "env values must be strings"
    for name, f in su.get("extraFiles", {}).items():  # the schema's extraFiles entries
        assert set(f) <= {"mountPath", "data", "stringData", "binaryData", "mode"}, name
        assert f["mountPath"].startswith("/"), name
        if "data" in f:  # rendered by the chart as YAML, JSON or TOML, chosen by the extension
            assert f["mountPath"].endswith((".yaml", ".yml", ".json", ".toml")), name
    cull = config["cull"]
    assert cull["enabled"] is True and isinstance(cull["timeout"], int) and isinstance(cull["every"], int)
    assert 0 < cull["every"] < cull["timeout"]
    sched = config["scheduling"]
    assert sched["userPlaceholder"]["enabled"] and isinstance(sched["userPlaceholder"]["replicas"], int)
    assert sched["podPriority"]["enabled"], "placeholders are only evicted with pod priority on"
    assert config["prePuller"]["hook"]["enabled"] is not None


def test_image_is_built_from_the_student_release(config):
    course = tomllib.loads((ROOT / "deploy" / "course.toml").read_text())
    owner, name = course["repository"]["student_url"].rstrip("/").split("/")[-2:]
    assert config["singleuser"]["image"]["name"] == f"ghcr.io/{owner}/{name}"


def round_up(x, step):
    return math.ceil(x / step) * step


def sizing_problems(config, results):
    """How the memory numbers differ from the arithmetic in config.yaml's comments; [] if none."""
    peaks = {nb["name"]: nb["peak_mb"] for nb in results["notebooks"]}
    heaviest = max(peaks, key=peaks.get)
    P = peaks[heaviest]
    sizing = config["custom"]["sizing"]
    S, step = sizing["serverMiB"], sizing["roundToMiB"]
    want = {"guarantee": f"{round_up(S + P, step)}M", "limit": f"{round_up(S + 2 * P, step)}M"}
    problems = []
    if sizing["kernelPeakMiB"] != P or sizing["kernelPeakNotebook"] != heaviest:
        problems.append(f"custom.sizing says {sizing['kernelPeakMiB']} ({sizing['kernelPeakNotebook']}), "
                        f"benchmarks/results.json {P} ({heaviest})")
    for key, value in want.items():
        if config["singleuser"]["memory"][key] != value:
            problems.append(f"memory.{key} is {config['singleuser']['memory'][key]}, arithmetic {value}")
    return problems


def test_memory_follows_the_measured_kernel_peaks(config):
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert sizing_problems(config, results) == []
    # the comments that state the arithmetic carry the same numbers
    text = CONFIG.read_text()
    P = max(nb["peak_mb"] for nb in results["notebooks"])
    S = config["custom"]["sizing"]["serverMiB"]
    for number in (f"{P}", f"{S + P:.1f}", f"{S + 2 * P:.1f}", config["singleuser"]["memory"]["guarantee"],
                   config["singleuser"]["memory"]["limit"]):
        assert re.search(rf"^#.*\b{re.escape(number)}\b", text, flags=re.M), f"{number} not in the comments"


@pytest.mark.parametrize("change", ["heavier chapter", "lighter chapter", "new heaviest notebook"])
def test_sizing_check_catches_drift(config, change):
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    nbs = results["notebooks"]
    top = max(nbs, key=lambda nb: nb["peak_mb"])
    if change == "heavier chapter":
        top["peak_mb"] += 100
    elif change == "lighter chapter":
        top["peak_mb"] -= 100
    else:
        nbs.append({"name": "12_new", "seconds": 1.0, "peak_mb": top["peak_mb"] + 0.5})
    assert sizing_problems(config, results), change


def test_guide_states_the_configured_numbers(config):
    guide = (ROOT / "deploy" / "README.md").read_text()
    memory = config["singleuser"]["memory"]
    for value in (memory["guarantee"], memory["limit"], str(config["custom"]["sizing"]["kernelPeakMiB"])):
        assert value in guide, f"deploy/README.md does not mention {value}"
