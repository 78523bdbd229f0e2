"""A JupyterHub on 127.0.0.1 for tests/hub: the proxy from npm, a test-only login, local servers.

Helpers; the fixtures are in conftest.py.

Nothing here reaches the network but npm's registry, once, for the proxy (cached afterwards in
~/.cache/dlcore-hub-test/, keyed on its version). The "course" students pull is a git
repository made in a temporary folder.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
CHP_VERSION = "5.3.0"  # configurable-http-proxy, from npm
CHP_CACHE = Path(os.environ.get("HUB_TEST_NODE_DIR", Path.home() / ".cache" / "dlcore-hub-test"))
PASSWORD = "test-only-" + secrets.token_hex(8)  # DummyAuthenticator: one shared password
ADMIN_TOKEN = secrets.token_hex(32)  # a service token: starts and stops servers, reads users
COURSE_DIR = "dl-course"  # the upstream's folder name = what nbgitpuller clones into


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git(*args, cwd):
    env = {**os.environ, "GIT_AUTHOR_NAME": "course", "GIT_AUTHOR_EMAIL": "course@example.invalid",
           "GIT_COMMITTER_NAME": "course", "GIT_COMMITTER_EMAIL": "course@example.invalid"}
    r = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


HUB_CONFIG = """\
import os
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{work}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{work}/cookie_secret"
c.JupyterHub.pid_file = "{work}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.ConfigurableHTTPProxy.command = ["{chp}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = "{work}/proxy.pid"
# test only: anyone with the password gets in
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "{password}"
c.Authenticator.allow_all = True
c.JupyterHub.services = [{{"name": "test-admin", "api_token": "{admin_token}"}}]
c.JupyterHub.load_roles = [{{"name": "test-admin", "services": ["test-admin"],
                             "scopes": ["admin:users", "admin:servers", "list:users"]}}]
# each student's server is a local process with its home in a temporary folder
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{work}/home/{{username}}"
c.Spawner.cmd = ["{singleuser}"]
c.Spawner.args = {args}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.env_keep.extend(["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MPLCONFIGDIR"])
"""


class Hub:
    def __init__(self, url, proc, work, log):
        self.url, self.proc, self.work, self.log = url, proc, work, log

    def api(self, method, path, **kw):
        return requests.request(method, f"{self.url}/hub/api{path}",
                                headers={"Authorization": f"token {ADMIN_TOKEN}"}, timeout=60, **kw)

    def processes(self):
        """The hub, the proxy, every server and kernel: all descendants of the hub process."""
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, n=4000):
        return self.log.read_text(errors="replace")[-n:]


def start_hub(work, chp):
    """Start jupyterhub on a free port; returns a Hub once /hub/api answers."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "home").mkdir(exist_ok=True)
    port = free_port()
    bindir = Path(sys.executable).parent
    args = ["--allow-root"] if os.geteuid() == 0 else []
    config = HUB_CONFIG.format(port=port, hub_port=free_port(), proxy_api_port=free_port(), work=work,
                               chp=chp, password=PASSWORD, admin_token=ADMIN_TOKEN,
                               singleuser=bindir / "jupyterhub-singleuser", args=repr(args))
    (work / "jupyterhub_config.py").write_text(config)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # a shared matplotlib cache, as an image built with repo2docker has one
    env.setdefault("MPLCONFIGDIR", str(work / "mplconfig"))
    log = work / "jupyterhub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(bindir / "jupyterhub"), "-f", str(work / "jupyterhub_config.py")],
                                cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", proc, work, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"jupyterhub exited {proc.returncode}:\n{hub.log_tail()}")
        try:
            if hub.api("GET", "/").status_code == 200:
                return hub
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    stop_hub(hub)
    raise AssertionError(f"jupyterhub did not answer in 90 s:\n{hub.log_tail()}")


def stop_hub(hub, timeout=60):
    """SIGTERM the hub (it stops the servers it spawned and its proxy); the pids still alive."""
    seen = hub.processes()
    if hub.proc.poll() is None:
        hub.proc.send_signal(signal.SIGTERM)
        try:
            hub.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    gone, alive = psutil.wait_procs(seen, timeout=15)
    left = [f"{p.pid} {' '.join(p.cmdline()[:3])}" for p in alive if p.is_running()]
    for p in alive:  # never leave anything behind, even when the test then fails
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    if hub.proc.poll() is None:
        hub.proc.kill()
        hub.proc.wait(10)
    return left


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
