"""The three ways students launch the course, each checked here rather than hoped for.

- Binder: ``jupyter-repo2docker --no-build`` reads binder/ (no Docker engine needed) and must
  pick the conda build pack with the pinned Python; binder/ must be CPU-only and download
  nothing at run time; binder/postBuild is run for real in a clean environment.
- conda and Binder vs pip: pyproject.toml, environment.yml and binder/environment.yml list the
  same packages with compatible pins (a conda pin must only admit versions pip accepts, so pip
  never replaces a conda package), checked by ``compare`` (itself tested on mutated lists).
- A clean install: ``pip install .`` into a fresh venv, every dlcore module imports there, the
  start page executes in that venv's kernel, and its JupyterLab has the widget extension.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"  # the course's Python: README, binder/ and environment.yml
START_PAGE = "notebooks/00_start_here.ipynb"
YAML_FILES = ("binder/environment.yml", "environment.yml")

# pip name -> conda-forge name, where they differ.
CONDA_NAME = {"torch": "pytorch-cpu"}
# Runtime dependencies that conda-forge lacks: in the YAML files' pip: section instead.
PIP_ONLY = {"mnist1d"}
# What a conda file may add besides the runtime dependencies: the interpreter, its installer,
# pyproject's build requirements (postBuild builds with --no-build-isolation) and the
# dependencies of the PIP_ONLY packages (so that pip installs those packages and nothing else).
CONDA_TOOLS = {"python", "pip"}
# What the hub image needs besides the course (deploy/README.md): nbgitpuller for the links
# that pull the course into a student's home, and nomkl, which makes conda pick the OpenBLAS
# builds of PyTorch and NumPy instead of carrying Intel's MKL libraries.
HUB_TOOLS = {"nbgitpuller", "nomkl"}
# A package that must never be in a CPU-only image.
GPU_PACKAGES = re.compile(r"^(pytorch-gpu|pytorch|cudatoolkit|cuda-.*|nvidia-.*|cudnn|nccl)$")
# Where the clean install may take torch from: a local file (find-links) only.
LOCAL = ("file:",)


# ----------------------------------------------------------------------------- parsing


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_map(lines):
    """["numpy>=1.26", ...] -> {"numpy": ">=1.26", ...} (canonical names, no markers)."""
    out = {}
    for line in lines:
        req = Requirement(line)
        assert req.marker is None and not req.extras and req.url is None, line
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def conda_spec(text):
    """A conda MatchSpec "name", "name>=1", "name==1.2", "name=1.2" -> (name, PEP 440 spec).

    conda's single "=" means "this version or a sub-version" (=1.2 is 1.2.*). Build strings
    ("name 1.2 cpu_*") are not used in this repository and are refused.
    """
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*([<>=!~].*)?", text.strip())
    assert m, f"cannot read the conda spec {text!r}"
    name, spec = m.group(1), (m.group(2) or "").replace(" ", "")
    if re.fullmatch(r"=[^=<>!~,]+", spec):
        spec = f"={spec}.*"
    SpecifierSet(spec)  # raises on anything else
    return canonicalize_name(name), spec


def read_env(relpath):
    """An environment.yml -> {"channels", "conda": {name: spec}, "pip": {name: spec}, "local"}."""
    env = yaml.safe_load((ROOT / relpath).read_text())
    conda, pip, local = {}, {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert set(dep) == {"pip"}, f"{relpath}: unexpected {dep}"
            for line in dep["pip"]:
                if line.startswith("-"):
                    local.append(line)  # -e . (an option line, not a package)
                else:
                    pip.update(requirement_map([line]))
        else:
            name, spec = conda_spec(dep)
            assert name not in conda, f"{relpath}: {name} listed twice"
            conda[name] = spec
    return {"channels": env.get("channels", []), "conda": conda, "pip": pip, "local": local}


def pip_only_dependencies():
    """Runtime requirements of the PIP_ONLY packages (installed in this test environment)."""
    names = set()
    for package in PIP_ONLY:
        try:
            lines = requires(package) or []
        except PackageNotFoundError:  # pragma: no cover - the package is a runtime dependency
            pytest.fail(f"{package} is not installed here; run pip install -e '.[test]'")
        for line in lines:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                names.add(canonicalize_name(req.name))
    return names


# ----------------------------------------------------------------------------- comparison


def _probe_versions(*specs):
    """Versions at and around every bound in the specs: enough to tell which admits what."""
    out = {Version("0"), Version("99999")}
    for spec in specs:
        for s in SpecifierSet(spec):
            v = Version(s.version.removesuffix(".*"))
            out.add(v)
            out.add(Version(f"{v.base_version}.post{(v.post or 0) + 1}"))
            release = list(v.release)
            out.add(Version(".".join(map(str, release + [1]))))
            for i in range(len(release)):
                for step in (-1, 1):
                    r = release[: i + 1]
                    r[i] += step
                    if r[i] >= 0:
                        out.add(Version(".".join(map(str, r))))
    return sorted(out)


def compatible(conda, pip):
    """True when conda's spec admits some version and every version it admits satisfies pip's.

    Then pip, installing the course into the conda environment, keeps the conda package
    instead of replacing it with one from PyPI (for torch: a CUDA build of several GB).
    """
    c, p = SpecifierSet(conda), SpecifierSet(pip)
    admitted = [v for v in _probe_versions(conda, pip) if c.contains(v, prereleases=True)]
    return bool(admitted) and all(p.contains(v, prereleases=True) for v in admitted)


def compare(runtime, build, env, pip_only_deps):
    """Problems (strings) between pyproject's lists and one parsed environment.yml; [] if none.

    runtime, build: {pip name: spec} from [project] dependencies and [build-system] requires.
    env: read_env() of the YAML file. pip_only_deps: requirements of the PIP_ONLY packages.
    """
    problems = []
    conda, pip = env["conda"], env["pip"]
    expected_conda = {}
    for name, spec in runtime.items():
        if name in PIP_ONLY:
            if name not in pip:
                problems.append(f"{name}{spec} (pip-only) is missing from the pip: section")
            elif not compatible(pip[name], spec):
                problems.append(f"{name}: pip: section has {pip[name]!r}, pyproject {spec!r}")
            if name in conda:
                problems.append(f"{name} is pip-only (not on conda-forge) but listed for conda")
            continue
        expected_conda[CONDA_NAME.get(name, name)] = (name, spec)
        if name in pip:
            problems.append(f"{name} comes from conda-forge, but is in the pip: section too")
    for cname, (name, spec) in expected_conda.items():
        if cname not in conda:
            problems.append(f"{cname} (pyproject: {name}{spec}) is missing")
        elif not compatible(conda[cname], spec):
            problems.append(f"{cname}{conda[cname]} is not compatible with pyproject's {name}{spec}")
    for name, spec in build.items():
        if name not in conda:
            problems.append(f"{name}{spec} (build-system requires) is missing")
        elif not compatible(conda[name], spec):
            problems.append(f"{name}{conda[name]} does not satisfy build-system {name}{spec}")
    allowed = set(expected_conda) | CONDA_TOOLS | HUB_TOOLS | set(build) | pip_only_deps
    problems += [f"{name} is not in pyproject.toml" for name in sorted(set(conda) - allowed)]
    problems += [
        f"{name} (a dependency of {sorted(PIP_ONLY)}) must come from conda-forge"
        for name in sorted(pip_only_deps - set(conda) - set(runtime))
    ]
    problems += [f"pip: {name} is not a pip-only runtime dependency" for name in sorted(set(pip) - PIP_ONLY)]
    return problems


def project_lists():
    data = pyproject()
    runtime = requirement_map(data["project"]["dependencies"])
    build = requirement_map(data["build-system"]["requires"])
    return runtime, build


# ----------------------------------------------------------------------------- the lists agree


@pytest.mark.parametrize("relpath", YAML_FILES)
def test_package_lists_agree(relpath):
    runtime, build = project_lists()
    problems = compare(runtime, build, read_env(relpath), pip_only_dependencies())
    assert not problems, f"{relpath} vs pyproject.toml:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("relpath", YAML_FILES)
def test_hub_tools_are_listed(relpath):
    """nbgitpuller (the hub links) and nomkl (OpenBLAS, not MKL) are in every conda file, and
    nothing that brings MKL back (mkl, or a pytorch/numpy build string asking for it) is."""
    env = read_env(relpath)
    missing = HUB_TOOLS - set(env["conda"])
    assert not missing, f"{relpath} lacks {sorted(missing)}"
    raw = [d for d in yaml.safe_load((ROOT / relpath).read_text())["dependencies"] if isinstance(d, str)]
    assert not [d for d in raw if "mkl" in d.lower() and d.split()[0] != "nomkl"], raw


def test_conda_files_are_the_same():
    """environment.yml is binder/environment.yml plus the local install of the course."""
    binder, top = read_env("binder/environment.yml"), read_env("environment.yml")
    for key in ("channels", "conda", "pip"):
        assert top[key] == binder[key], f"{key} differ between environment.yml and binder/"
    assert binder["local"] == [], "binder/ installs the course in postBuild, not in the YAML"
    assert top["local"] == ["-e ."]


MUTATIONS = {
    "conda gains a package": lambda r, b, e: e["conda"].update(pandas=""),
    "conda loses a package": lambda r, b, e: e["conda"].pop("numpy"),
    "pyproject gains a package": lambda r, b, e: r.update(pandas=">=2"),
    "pyproject loses a package": lambda r, b, e: r.pop("tqdm"),
    "conda loosens a pin": lambda r, b, e: e["conda"].update(numpy=">=1.20"),
    "conda drops a pin": lambda r, b, e: e["conda"].update(numpy=""),
    "conda torch drifts": lambda r, b, e: e["conda"].update({"pytorch-cpu": "==2.12.1"}),
    "pyproject torch drifts": lambda r, b, e: r.update(torch="==2.14.1"),
    "torch from the GPU package": lambda r, b, e: e["conda"].update(pytorch=e["conda"].pop("pytorch-cpu")),
    "pip section gains a package": lambda r, b, e: e["pip"].update(numpy=">=1.26"),
    "pip-only package moves to conda": lambda r, b, e: e["conda"].update(mnist1d=e["pip"].pop("mnist1d")),
    "pip-only pin drifts": lambda r, b, e: e["pip"].update(mnist1d="==0.0.1"),
    "build backend missing": lambda r, b, e: e["conda"].pop("setuptools"),
    "mnist1d's dependency from PyPI": lambda r, b, e: e["conda"].pop("scipy"),
    "an unknown package beside the hub tools": lambda r, b, e: e["conda"].update(mkl=""),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_comparison_catches_drift(mutation):
    """Each list gaining, losing or re-pinning a package makes compare() complain."""
    runtime, build = project_lists()
    env = read_env("binder/environment.yml")
    deps = pip_only_dependencies()
    assert compare(runtime, build, env, deps) == []  # the real lists: no complaint
    MUTATIONS[mutation](runtime, build, env)
    assert compare(runtime, build, env, deps), f"compare() missed: {mutation}"


@pytest.mark.parametrize(
    ("conda", "pip", "ok"),
    [
        ("==2.13.0", "==2.13.0", True),
        ("==2.13.0.*", "==2.13.0", False),  # conda's "=2.13.0" also admits 2.13.0.1
        (">=2.12,<2.14", "==2.13.0", False),
        (">=1.26", ">=1.26", True),
        (">=1.27", ">=1.26", True),  # stricter in conda: fine, pip keeps it
        (">=1.25", ">=1.26", False),
        ("", ">=1.26", False),
        ("==0.0.2.post1", "==0.0.2.post1", True),
        ("<1", ">=1", False),  # admits nothing pip accepts
    ],
)
def test_compatible(conda, pip, ok):
    assert compatible(conda, pip) is ok


# ----------------------------------------------------------------------------- Binder


def test_binder_config_is_cpu_only_and_offline():
    env = read_env("binder/environment.yml")
    assert env["channels"] == ["conda-forge", "nodefaults"], "conda-forge only, no defaults"
    assert env["conda"]["python"] == f"=={PYTHON}.*", f"binder/ must pin python={PYTHON}"
    assert Version(f"{PYTHON}.0") in SpecifierSet(pyproject()["project"]["requires-python"])
    gpu = [name for name in env["conda"] if GPU_PACKAGES.match(name)]
    assert not gpu, f"GPU packages in binder/: {gpu}"
    assert "pytorch-cpu" in env["conda"]
    post = ROOT / "binder/postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    install = [line for line in text.splitlines() if "pip install" in line and not line.startswith("#")]
    assert install and all("--no-deps" in line for line in install), "pip must not fetch deps"
    # Nothing runs (or downloads) at launch: repo2docker's start script is absent.
    assert not (ROOT / "binder/start").exists()
    assert not re.search(r"\b(curl|wget)\b", text)


def test_readme_binder_link_opens_the_start_page():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"^\[binder\]: (\S+)$", readme, flags=re.M)
    assert len(links) == 1, "the README defines the Binder link once: [binder]: https://..."
    pattern = r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+\?urlpath=lab/tree/(\S+)"
    m = re.fullmatch(pattern, links[0])
    assert m, links[0]
    assert m.group(1) == START_PAGE and (ROOT / START_PAGE).exists()
    assert "][binder]" in readme, "the badge uses the [binder] link"


def test_repo2docker_picks_conda_with_pinned_python():
    """What Binder would build, without a Docker engine: exit 0, conda, python=3.11."""
    exe = Path(sys.executable).with_name("jupyter-repo2docker")
    if not exe.exists():
        pytest.fail("jupyter-repo2docker missing: pip install -e '.[test]'")
    r = subprocess.run(
        [str(exe), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=300
    )
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-4000:]
    assert "Python version unspecified" not in log, log[-4000:]
    assert f"Building conda environment for python={PYTHON}" in log, r.stderr[-4000:]
    dockerfile = r.stdout  # --debug prints the Dockerfile it would build
    assert "ENV CONDA_DIR=" in dockerfile, "not the conda build pack"
    assert '${MAMBA_EXE} env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"' in dockerfile
    assert "RUN ./binder/postBuild" in dockerfile
    # One environment for Jupyter and the kernel, so the widget extension matches ipywidgets.
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in dockerfile
    assert "separate kernel environment" not in log


# ----------------------------------------------------------------------------- clean install

IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
    "build", "dist", "*.egg-info", "artifacts", ".cache", ".jupyter-local",
)


def copy_repo(dest):
    """The repository as a fresh clone would have it (no venv, caches or build output)."""
    shutil.copytree(ROOT, dest, ignore=IGNORE)
    return dest


def clean_env(venv):
    """This process's environment minus anything that could leak the project venv in."""
    drop = ("PYTHON", "VIRTUAL_ENV", "CONDA", "JUPYTER", "IPYTHON", "JPY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    ours = Path(sys.prefix, "bin").resolve()
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != ours]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["PYTHONNOUSERSITE"] = "1"  # nothing from ~/.local either
    env["MPLBACKEND"] = "Agg"
    return env


def run(cmd, env, cwd, timeout=900):
    r = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{(r.stdout + r.stderr)[-4000:]}"
    return r


def module_names(root):
    """dlcore's modules by its source files: what a wheel of the repository must contain."""
    names = set()
    for path in (root / "dlcore").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.add(".".join(parts))
    return names


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory):
    """A fresh venv with the course installed by `pip install .` from a copy of the repo."""
    base = tmp_path_factory.mktemp("clean")
    src = copy_repo(base / "repo")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = clean_env(venv)
    py = venv / "bin/python"
    torch_req = next(d for d in pyproject()["project"]["dependencies"] if d.startswith("torch"))
    # Where would pip take torch from? Only a local wheel (no download of several GB).
    r = run([py, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps", "--ignore-installed",
             "--report", "-", torch_req], env, base)
    url = json.loads(r.stdout)["install"][0]["download_info"]["url"]
    if not url.startswith(LOCAL):
        pytest.skip(f"pip would download {torch_req} from {url}; the clean-install test only runs "
                    "where a CPU wheel of it is local (pip --find-links), as on the course machines")
    run([py, "-m", "pip", "install", "--progress-bar", "off", str(src)], env, base)
    shutil.rmtree(src / "dlcore")  # from here on, dlcore can only come from the venv
    (base / "work").mkdir()
    yield {"venv": venv, "env": env, "src": src, "py": py, "work": base / "work"}
    shutil.rmtree(venv, ignore_errors=True)  # 1.2 GB: pytest keeps its last three tmp dirs


IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
import dlcore, torch
def onerror(name):
    raise
names = ["dlcore"] + [m.name for m in pkgutil.walk_packages(dlcore.__path__, "dlcore.", onerror)]
for name in names:
    importlib.import_module(name)
print(json.dumps({"prefix": sys.prefix, "file": dlcore.__file__, "modules": names,
                  "cuda": torch.version.cuda}))
"""


def test_clean_install_imports_every_module(clean_venv):
    v = clean_venv
    r = run([v["py"], "-c", IMPORT_ALL], v["env"], v["work"], timeout=600)
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert Path(got["prefix"]).resolve() == v["venv"].resolve()
    assert Path(got["file"]).resolve().is_relative_to(v["venv"].resolve()), got["file"]
    assert set(got["modules"]) == module_names(ROOT), "the wheel lacks (or adds) modules"
    assert got["cuda"] is None, f"torch is a CUDA build ({got['cuda']}): CPU-only expected"


RUN_START_PAGE = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import json, sys, dlcore\n"
    "print('LAUNCH-CHECK ' + json.dumps({'prefix': sys.prefix, 'file': dlcore.__file__}))"))
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
print(json.dumps({
    "text": "".join(o.get("text", "") for o in outputs if o.output_type == "stream"),
    "widgets": sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs),
}))
"""


def test_clean_install_runs_the_start_page(clean_venv):
    """The start page executes without error in the clean venv's own kernel (nbclient there)."""
    v = clean_venv
    notebook = v["src"] / START_PAGE
    r = run([v["py"], "-c", RUN_START_PAGE, notebook], v["env"], notebook.parent, timeout=900)
    got = json.loads(r.stdout.strip().splitlines()[-1])
    check = json.loads(re.search(r"LAUNCH-CHECK (.*)", got["text"]).group(1))
    assert Path(check["prefix"]).resolve() == v["venv"].resolve(), "kernel not from the clean venv"
    assert Path(check["file"]).resolve().is_relative_to(v["venv"].resolve())
    missing = [line for line in got["text"].splitlines() if line.rstrip().endswith(" missing")]
    assert not missing, f"the start page reports missing packages: {missing}"
    assert got["widgets"] >= 1, "the start page showed no widget"


def test_clean_install_has_the_widget_extension(clean_venv):
    """`jupyter labextension list` there shows the ipywidgets (and ipympl, if used) extension
    enabled, installed by the pip packages into the venv itself."""
    v = clean_venv
    r = run([v["venv"] / "bin/jupyter", "labextension", "list"], v["env"], v["work"], timeout=300)
    text = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
    wanted = {"@jupyter-widgets/jupyterlab-manager"}
    sources = [*(ROOT / "dlcore").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    if any(re.search(r"ipympl|%matplotlib widget", p.read_text()) for p in sources):
        wanted.add("jupyter-matplotlib")
    found, directory = {}, None
    for line in text.splitlines():
        if line.startswith("/"):
            directory = Path(line.strip())
        elif line.strip() and directory is not None:
            found[line.split()[0]] = (directory, line)
    for name in wanted:
        assert name in found, f"{name} not listed:\n{text}"
        directory, line = found[name]
        assert directory.resolve().is_relative_to(v["venv"].resolve()), line
        assert re.search(r"\benabled\b.*\bOK\b", line), line


def test_binder_postbuild_installs_the_package(clean_venv, tmp_path):
    """binder/postBuild, run for real in an environment that has the dependencies (as conda
    leaves it): installs the course from the repository without fetching anything and passes
    its own checks. Last in this file: it re-installs dlcore (editable) in the shared venv."""
    v = clean_venv
    src = copy_repo(tmp_path / "repo")
    run(["bash", src / "binder/postBuild"], v["env"], src, timeout=600)
    r = run([v["py"], "-c", "import dlcore; print(dlcore.__file__)"], v["env"], v["work"])
    assert Path(r.stdout.strip()).resolve().is_relative_to(src.resolve())
