"""A class on a JupyterHub: five students open the course by its nbgitpuller link, at once.

The hub runs on 127.0.0.1 (JupyterHub from PyPI, configurable-http-proxy from npm, a test-only
password login, one local process per student with its home in a temporary folder). Each
student, in a thread, does what a browser does:

1. logs in, opens the nbgitpuller link made by deploy/links.py (the hub starts their server),
   and runs the pull as nbgitpuller's page does (its event stream) until the chapter exists;
2. opens the chapter as JupyterLab does (a session, a kernel, the kernel's websocket), runs
   every code cell top to bottom, and checks that none errored;
3. moves every control of the chapter's interactive figure through the widget protocol (as the
   browser's widget manager does) and checks that each move drew a new picture, without error;
4. edits the chapter through the contents API (as a save does).

Then the course is updated upstream (a commit changing the chapter and the README), each
student pulls again, and their edit must survive (nbgitpuller's merge) while the untouched file
updates. Memory (RSS and PSS) of each student's server + kernel, of the hub + proxy, and of
the whole class is sampled throughout and written to tests/hub/artifacts/hub-memory.json
and .md. At the end every process the hub started must be gone.

HUB_TEST_CHAPTER=06 runs another chapter (default 00); HUB_TEST_STUDENTS=N changes the class.
"""

import html
import json
import os
import re
import struct
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlparse

import psutil
import pytest
import requests
import websocket
import yaml
from hubutil import (
    COURSE_DIR,
    PASSWORD,
    ROOT,
    git,
    start_hub,
    stop_hub,
    write_json,
)

sys.path.insert(0, str(ROOT / "deploy"))
from links import nbgitpuller_link  # noqa: E402

pytestmark = pytest.mark.hub

CHAPTER = os.environ.get("HUB_TEST_CHAPTER", "00")
STUDENTS = int(os.environ.get("HUB_TEST_STUDENTS", "5"))
ARTIFACTS = Path(__file__).parent / "artifacts"
MB = 2**20
TIMEOUT = 240  # seconds for one student's whole first visit


def chapter_file():
    (nb,) = sorted((ROOT / "notebooks").glob(f"{CHAPTER}_*.ipynb"))
    return f"notebooks/{nb.name}"


# ----------------------------------------------------------------------------- memory


class MemorySampler(threading.Thread):
    """Peak RSS and PSS of the hub + proxy, of each student's server + kernels (and of the
    server alone and the kernels alone), and of everything together."""

    def __init__(self, hub, period=0.25):
        super().__init__(daemon=True)
        self.hub, self.period = hub, period
        self.stop_event = threading.Event()
        self.peak = {}  # key -> {"rss": MB, "pss": MB}
        self.owner = {}  # pid -> student name (from the server's JUPYTERHUB_USER), cached

    def user_of(self, proc):
        if proc.pid not in self.owner:
            try:
                self.owner[proc.pid] = proc.environ().get("JUPYTERHUB_USER")
            except (psutil.Error, OSError):
                return None
        return self.owner[proc.pid]

    def sample(self):
        procs = self.hub.processes()
        if not procs:
            return
        usage = {}
        for p in procs:
            try:
                info = p.memory_full_info()
                user = self.user_of(p)
            except psutil.Error:
                continue
            pss = getattr(info, "pss", info.rss)
            keys = [user or "hub+proxy"]
            if user:  # the student's server alone, and their kernels alone
                server = any("jupyterhub-singleuser" in part for part in p.cmdline())
                keys.append(f"{user}:{'server' if server else 'kernels'}")
            for key in keys:
                old = usage.get(key, (0, 0))
                usage[key] = (old[0] + info.rss, old[1] + pss)
        usage["total"] = tuple(map(sum, zip(*(v for k, v in usage.items() if ":" not in k), strict=True)))
        for key, (rss, pss) in usage.items():
            old = self.peak.get(key, {"rss": 0, "pss": 0})
            self.peak[key] = {"rss": max(old["rss"], rss / MB), "pss": max(old["pss"], pss / MB)}

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.period)


# ----------------------------------------------------------------------------- a student


def parse_binary(frame):
    """jupyter_server's legacy binary websocket frame -> (message dict, buffers)."""
    (n,) = struct.unpack("!I", frame[:4])
    offsets = [*struct.unpack(f"!{n}I", frame[4 : 4 + 4 * n]), len(frame)]
    parts = [frame[offsets[i] : offsets[i + 1]] for i in range(n)]
    return json.loads(parts[0]), parts[1:]


class Student:
    def __init__(self, hub, name, upstream):
        self.hub, self.name, self.upstream = hub, name, upstream
        self.s = requests.Session()
        self.server = f"{hub.url}/user/{name}"
        self.log = []  # what happened, for the failure message
        self.home = hub.work / "home" / name
        self.result = {"name": name}

    def say(self, text):
        self.log.append(f"{time.strftime('%H:%M:%S')} {self.name}: {text}")

    # -- hub ----------------------------------------------------------------------------------
    def login(self):
        r = self.s.get(f"{self.hub.url}/hub/login", timeout=60)
        assert r.status_code == 200, r.status_code
        r = self.s.post(f"{self.hub.url}/hub/login", allow_redirects=False, timeout=60,
                        data={"username": self.name, "password": PASSWORD,
                              "_xsrf": self.s.cookies.get("_xsrf", path="/hub/")})
        assert r.status_code == 302, f"login: {r.status_code} {r.text[:300]}"
        self.say("logged in")

    def link(self):
        return nbgitpuller_link(self.hub.url, f"file://{self.upstream}", "main", chapter_file())

    def open_link(self):
        """GET the link as a browser would: through user-redirect, a spawn if the server is
        not running (wait for it as the spawn-pending page does), the OAuth dance with the
        student's server, to nbgitpuller's status page. Returns that page's data-* values."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            r = self.s.get(self.link(), timeout=120)
            assert r.status_code == 200, f"{r.url}: {r.status_code} {r.text[:300]}"
            if "/hub/spawn-pending/" not in r.url:
                break
            self.say("server starting")
            while time.monotonic() < deadline:
                user = self.hub.api("GET", f"/users/{self.name}").json()
                if user["servers"].get("", {}).get("ready"):
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("server not ready in time")
        assert urlparse(r.url).path == f"/user/{self.name}/git-pull", r.url
        data = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', r.text))
        page = {k: unquote(html.unescape(v)) for k, v in data.items()}
        # nbgitpuller read the link as meant: it will send the student to the link's urlpath
        (urlpath,) = parse_qs(urlparse(self.link()).query)["urlpath"]
        assert page["path"] == urlpath == f"lab/tree/{COURSE_DIR}/{chapter_file()}", page
        return page

    def pull(self):
        """The link, then nbgitpuller's event stream (what its page's script does) to the end."""
        t0 = time.monotonic()
        page = self.open_link()
        query = {"repo": page["repo"], "branch": page["branch"], "targetpath": page["targetpath"]}
        events = []
        api = f"{self.hub.url}{page['base-url']}git-pull/api?{urlencode(query)}"
        with self.s.get(api,
                stream=True, timeout=120) as r:
            assert r.status_code == 200, r.status_code
            for line in r.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    event = json.loads(line[6:])
                    events.append(event)
                    if event.get("phase") in ("finished", "error"):
                        break
        assert events and events[-1]["phase"] == "finished", events[-3:]
        # where the page then sends the student: the chapter in JupyterLab
        r = self.s.get(f"{self.hub.url}{page['base-url']}{page['path']}", timeout=60)
        assert r.status_code == 200, f"{r.url}: {r.status_code}"
        outputs = [e.get("output", "").strip() for e in events][:6]
        self.say(f"pulled in {time.monotonic() - t0:.1f} s: {outputs}")
        return page, events

    # -- the student's server -------------------------------------------------------------------
    def xsrf(self):
        return {"X-XSRFToken": self.s.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""}

    def contents(self, path):
        r = self.s.get(f"{self.server}/api/contents/{path}", params={"content": 1}, timeout=60)
        assert r.status_code == 200, f"{path}: {r.status_code}"
        return r.json()

    def save(self, path, model):
        r = self.s.put(f"{self.server}/api/contents/{path}", headers=self.xsrf(), timeout=60,
                       json={"type": model["type"], "format": model["format"], "content": model["content"]})
        assert r.status_code == 200, f"save {path}: {r.status_code} {r.text[:300]}"

    def open_kernel(self, path):
        r = self.s.post(f"{self.server}/api/sessions", headers=self.xsrf(), timeout=120,
                        json={"path": path, "type": "notebook", "name": "",
                              "kernel": {"name": "python3"}})
        assert r.status_code == 201, f"session: {r.status_code} {r.text[:300]}"
        kernel_id = r.json()["kernel"]["id"]
        self.session_id = uuid.uuid4().hex
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.s.cookies)
        url = (f"{self.server.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels"
               f"?session_id={self.session_id}")
        self.ws = websocket.create_connection(url, cookie=cookie, timeout=120)
        self.comms = {}  # comm_id -> widget state (model name, value, ...)
        return kernel_id

    def send(self, channel, msg_type, content):
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": self.name,
                       "session": self.session_id, "version": "5.3",
                       "date": datetime.now(UTC).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}))
        return msg_id

    def replies(self, msg_id, timeout=180, reply_expected=True):
        """Messages in answer to msg_id until its shell reply (if one is expected: a comm_msg
        gets none) and its iopub idle have come."""
        got, reply, idle = [], None if reply_expected else {}, False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            self.ws.settimeout(max(1.0, deadline - time.monotonic()))
            frame = self.ws.recv()
            msg, buffers = parse_binary(frame) if isinstance(frame, bytes) else (json.loads(frame), [])
            msg["buffers"] = buffers
            content = msg.get("content", {})
            if msg["msg_type"] == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.comms[content["comm_id"]] = dict(content["data"]["state"])
            elif msg["msg_type"] == "comm_msg" and content.get("comm_id") in self.comms:
                self.comms[content["comm_id"]].update(content["data"].get("state", {}))
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            got.append(msg)
            if msg["channel"] == "shell":
                reply = msg
            elif msg["msg_type"] == "status" and content.get("execution_state") == "idle":
                idle = True
        return reply, got

    def run_notebook(self, path):
        nb = self.contents(path)["content"]
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        errors, t0 = [], time.monotonic()
        for i, cell in enumerate(cells):
            reply, got = self.replies(self.send("shell", "execute_request", {
                "code": cell["source"], "silent": False, "store_history": True,
                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}))
            bad = [m["content"] for m in got if m["msg_type"] == "error"]
            if reply["content"]["status"] != "ok" or bad:
                errors.append(f"cell {i}: {reply['content'].get('ename')} {reply['content'].get('evalue')}")
        self.say(f"ran {len(cells)} code cells in {time.monotonic() - t0:.1f} s, errors: {errors}")
        return len(cells), errors, time.monotonic() - t0

    def move_controls(self):
        """Move every slider and dropdown of every interactive figure: each move must send a
        new picture (the Image model's value) and no error text in the figure's status line."""
        moves, problems = 0, []
        images = {cid for cid, st in self.comms.items() if st.get("_model_name") == "ImageModel"}
        controls = {cid: st for cid, st in self.comms.items()
                    if st.get("_model_name") in ("FloatSliderModel", "IntSliderModel", "DropdownModel")}
        assert images and controls, f"no interactive figure found among {len(self.comms)} widgets"
        for cid, st in controls.items():
            if st["_model_name"] == "DropdownModel":
                new = {"index": (st["index"] + 1) % len(st["_options_labels"])}
            else:
                step = st.get("step") or 1
                v = st["value"] + step if st["value"] + step <= st["max"] else st["value"] - step
                new = {"value": v}
            msg_id = self.send("shell", "comm_msg", {"comm_id": cid, "data": {
                "method": "update", "state": new, "buffer_paths": []}})
            _, got = self.replies(msg_id, timeout=60, reply_expected=False)
            updates = [m for m in got if m["msg_type"] == "comm_msg"]
            pictures = [m for m in updates if m["content"]["comm_id"] in images and m["buffers"]]
            texts = [str(m["content"]["data"].get("state", {}).get("value", "")) for m in updates
                     if self.comms.get(m["content"]["comm_id"], {}).get("_model_name") == "HTMLModel"]
            errors = [m["content"] for m in got if m["msg_type"] == "error"]
            errors += [t for t in texts if re.search(r"\b\w+(Error|Exception)\b", t)]
            if not pictures or errors:
                problems.append(f"{st.get('description')} -> {new}: {len(pictures)} pictures, {errors}")
            moves += 1
        self.say(f"moved {moves} controls, problems: {problems}")
        return moves, problems

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a socket the server may have closed
            pass


# ----------------------------------------------------------------------------- the class


EDIT_MARK = "# my own note, written in class by {name}"


def edit_chapter(student, path):
    """The student's change: a line added to the first code cell (odd students) or to the title
    cell, which the course update also changes (even students: a conflict with upstream)."""
    model = student.contents(path)
    cells = model["content"]["cells"]
    target = cells[0] if student.index % 2 == 0 else next(c for c in cells if c["cell_type"] == "code")
    target["source"] = target["source"] + "\n" + EDIT_MARK.format(name=student.name)
    student.save(path, model)
    return target["cell_type"]


def update_course(upstream, path):
    """The course update: the chapter's title cell gains a line, the README a new version."""
    nb_path = upstream / path
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"].append("\n\nUpdated by the instructor.")
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    (upstream / "README.md").write_text("# Course\n\nVersion 2.\n")
    git("commit", "-q", "-am", "course v2", cwd=upstream)


def first_visit(student):
    path = f"{COURSE_DIR}/{chapter_file()}"
    student.login()
    t0 = time.monotonic()
    student.pull()
    student.result["first_pull_s"] = round(time.monotonic() - t0, 1)
    assert (student.home / path).is_file(), f"{path} not in the student's home"
    student.open_kernel(path)
    cells, errors, seconds = student.run_notebook(path)
    student.result.update(cells=cells, cell_errors=errors, run_s=round(seconds, 1))
    moves, problems = student.move_controls()
    student.result.update(moves=moves, move_problems=problems)
    student.close()
    student.result["edited"] = edit_chapter(student, path)


def second_visit(student):
    student.pull()
    path = f"{COURSE_DIR}/{chapter_file()}"
    nb = student.contents(path)["content"]
    text = json.dumps(nb["cells"])
    readme = (student.home / COURSE_DIR / "README.md").read_text()
    student.result.update(
        edit_kept=EDIT_MARK.format(name=student.name) in text,
        update_in_chapter="Updated by the instructor." in text,
        readme_updated="Version 2." in readme,
    )


@pytest.fixture(scope="module")
def classroom(chp, upstream, tmp_path_factory):
    """Runs the whole class once; the tests below check what it recorded."""
    t_start = time.monotonic()
    hub = start_hub(tmp_path_factory.mktemp("hub"), chp)
    sampler = MemorySampler(hub)
    sampler.start()
    students = [Student(hub, f"student{i}", upstream) for i in range(STUDENTS)]
    for i, s in enumerate(students):
        s.index = i
    failures = {}

    def run_all(step):
        with ThreadPoolExecutor(len(students)) as pool:
            futures = {s.name: pool.submit(step, s) for s in students if s.name not in failures}
            for name, future in futures.items():
                try:
                    future.result(timeout=TIMEOUT + 60)
                except Exception as exc:  # noqa: BLE001 - recorded, reported by the tests
                    failures[name] = f"{step.__name__}: {type(exc).__name__}: {exc}"

    try:
        t0 = time.monotonic()
        run_all(first_visit)
        first_s = time.monotonic() - t0
        update_course(upstream, chapter_file())
        run_all(second_visit)
        sampler.sample()
    finally:
        sampler.stop_event.set()
        sampler.join(10)
        everything = hub.processes()   # psutil.Process objects: is_running() guards pid reuse
        for s in students:  # stop each server as the hub's admin would, then the hub
            try:
                hub.api("DELETE", f"/users/{s.name}/server")
            except requests.RequestException:
                pass
        left = stop_hub(hub)
    # A kernel whose server has stopped is reparented and may take a few seconds to exit on a
    # busy machine: whatever is still running 20 s after the hub stopped is left behind.
    _, alive = psutil.wait_procs([p for p in everything if p.is_running()], timeout=20)
    still = [d for d in map(_running, alive) if d]
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    report = make_report(students, sampler, first_s, time.monotonic() - t_start)
    yield {"students": students, "failures": failures, "left": left, "still": still,
           "report": report, "log": "\n".join(line for s in students for line in s.log),
           "hub_log": hub.log_tail(6000)}


def make_report(students, sampler, first_s, total_s):
    def mb(d):
        return {k: round(v, 1) for k, v in d.items()}

    zero = {"rss": 0, "pss": 0}
    per_student = {s.name: {**s.result, "peak_mb": mb(sampler.peak.get(s.name, zero)),
                            "server_peak_mb": mb(sampler.peak.get(f"{s.name}:server", zero)),
                            "kernels_peak_mb": mb(sampler.peak.get(f"{s.name}:kernels", zero))}
                   for s in students}
    rss = [v["peak_mb"]["rss"] for v in per_student.values()]
    pss = [v["peak_mb"]["pss"] for v in per_student.values()]
    report = {
        "chapter": chapter_file(), "students": len(students),
        "machine": f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB",
        "date": time.strftime("%Y-%m-%d"),
        "first_visit_s": round(first_s, 1), "whole_test_s": round(total_s, 1),
        "per_student": per_student,
        "student_peak_mb": {"rss_max": round(max(rss), 1), "pss_max": round(max(pss), 1)},
        "server_peak_mb": {"rss_max": max(v["server_peak_mb"]["rss"] for v in per_student.values()),
                           "pss_max": max(v["server_peak_mb"]["pss"] for v in per_student.values())},
        "hub_and_proxy_peak_mb": mb(sampler.peak.get("hub+proxy", {"rss": 0, "pss": 0})),
        "total_peak_mb": mb(sampler.peak.get("total", {"rss": 0, "pss": 0})),
    }
    write_json(ARTIFACTS / "hub-memory.json", report)
    lines = [f"# Hub test: {len(students)} students, {chapter_file()}", "",
             f"{report['machine']}, {report['date']}. First visit (login, pull, run, move, edit) "
             f"of the whole class: {report['first_visit_s']} s; whole test {report['whole_test_s']} s.",
             "Link to chapter: login to the chapter open, including the server start. "
             "Peak memory of each student's server + kernel (RSS counts shared libraries in every "
             "process; PSS shares them out, so PSS adds up to what the machine holds).", "",
             "| student | peak RSS MB | peak PSS MB | server alone RSS MB | kernel RSS MB "
             "| link to chapter s | run s | cells | controls moved |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, v in per_student.items():
        lines.append(f"| {name} | {v['peak_mb']['rss']} | {v['peak_mb']['pss']} | "
                     f"{v['server_peak_mb']['rss']} | {v['kernels_peak_mb']['rss']} | "
                     f"{v.get('first_pull_s')} | {v.get('run_s')} | {v.get('cells')} | {v.get('moves')} |")
    hp, tot = report["hub_and_proxy_peak_mb"], report["total_peak_mb"]
    lines += ["", f"Hub + proxy: RSS {hp['rss']} MB, PSS {hp['pss']} MB. "
              "Whole class (hub, proxy, every server and kernel): "
              f"RSS {tot['rss']} MB, PSS {tot['pss']} MB.", ""]
    (ARTIFACTS / "hub-memory.md").write_text("\n".join(lines))
    return report


# ----------------------------------------------------------------------------- the checks


def test_every_student_ran_the_chapter(classroom):
    c = classroom
    assert not c["failures"], f"{c['failures']}\n{c['log']}\n--- hub log ---\n{c['hub_log']}"
    for s in c["students"]:
        r = s.result
        assert r["cells"] >= 5 and r["cell_errors"] == [], (s.name, r["cell_errors"])


def test_every_control_moved_the_figure(classroom):
    for s in classroom["students"]:
        r = s.result
        assert r.get("moves", 0) >= 2 and r.get("move_problems") == [], (s.name, r.get("move_problems"))


def test_second_pull_keeps_the_students_edit(classroom):
    """nbgitpuller merges: the student's line stays (also where upstream changed the same cell,
    -Xours), the untouched README updates, and upstream's change reaches the chapter where it
    did not collide with the student's edit."""
    for s in classroom["students"]:
        r = s.result
        assert r.get("edit_kept") is True, (s.name, r)
        assert r.get("readme_updated") is True, (s.name, r)
        if r.get("edited") == "code":  # upstream changed the title cell only: both arrive
            assert r.get("update_in_chapter") is True, (s.name, r)


def test_memory_was_measured(classroom):
    """Each student's server and kernel were seen, the server alone stays within the allowance
    that deploy/config.yaml sizes the hub with, and the report was written."""
    report = classroom["report"]
    allowance = yaml.safe_load((ROOT / "deploy" / "config.yaml").read_text())["custom"]["sizing"]["serverMiB"]
    for name, v in report["per_student"].items():
        assert v["server_peak_mb"]["rss"] > 50 and v["kernels_peak_mb"]["rss"] > 50, (name, v)
        assert v["server_peak_mb"]["rss"] <= allowance, (name, v, f"deploy/config.yaml allows {allowance}")
    assert report["hub_and_proxy_peak_mb"]["rss"] > 20
    assert json.loads((ARTIFACTS / "hub-memory.json").read_text())["students"] == STUDENTS


def _running(p):
    """'pid command' of a process that still runs (not a zombie), else None."""
    try:
        if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
            return f"{p.pid} {' '.join(p.cmdline()[:3])}"
    except psutil.Error:
        pass
    return None


def test_no_process_left(classroom):
    assert classroom["left"] == [] and classroom["still"] == [], classroom
