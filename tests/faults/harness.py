"""A whole console on loopback for fault tests and bench/faults.py: the embedded AWS simulation behind a
fault proxy, a Redis of our own, and `manage.py serve` (gunicorn, a Celery worker, beat) on free ports.
Everything is a real process; faults are real (kill -9, a stopped Redis, a proxy that refuses or hangs).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.faults.proxy import FaultProxy
from webui.awssim.rules import QUICK_WAITS

ROOT = Path(__file__).resolve().parent.parent.parent
GUIDE_VIP = ROOT / "tests" / "golden" / "vip.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(predicate, seconds: float, what: str, every: float = 0.25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {seconds} s")


class Redis:
    def __init__(self, var: Path):
        self.port, self.var = free_port(), var
        self.proc = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.var),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait(lambda: _answers(self.port), 10, "redis-server listening")

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Console:
    """`manage.py serve` with its own var/, Redis and simulated AWS behind a FaultProxy."""

    def __init__(self, var: Path, *, workers: bool = True, serve_args: tuple = (), **settings):
        self.var = var
        var.mkdir(parents=True, exist_ok=True)
        self.redis = Redis(var)
        self.sim_port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATABASE_URL", "REDIS_URL"))}
        self.env.update(
            WEBUI_VAR_DIR=str(var),
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="ap-northeast-1",
            AWS_EC2_METADATA_DISABLED="true",
            PYTHONUNBUFFERED="1",
            REDIS_URL=self.redis.url,
            WEBUI_RUN_LEASE_SECONDS="3",
            WEBUI_AWS_CONNECT_TIMEOUT="2",
            WEBUI_AWS_READ_TIMEOUT="3",
            WEBUI_AWS_MAX_ATTEMPTS="2",
            **{k: str(v) for k, v in settings.items()},
        )
        self.sim = None
        self.processes: dict[str, subprocess.Popen] = {}  # what a test started beside serve, by name
        self.start_simulation()
        self.proxy = FaultProxy(self.sim_port)
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.log = var / "serve.log"
        self.env["AWS_ENDPOINT_URL"] = self.proxy.url
        with open(self.log, "wb") as out:
            self.serve = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "serve",
                    "--addrport",
                    f"127.0.0.1:{self.web_port}",
                    *([] if workers else ["--without-workers"]),
                    *serve_args,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait(self._up, 90, f"the console answering ({self.log})")
        except BaseException:
            self.stop()  # a console that never came up leaves nothing running behind it
            raise
        self.password = re.search(r"Password: (\S+)", self.log.read_text()).group(1)

    def _up(self) -> bool:
        assert self.serve.poll() is None, self.log.read_text()[-3000:]
        try:
            return requests.get(self.base + "/login/", timeout=2).status_code == 200
        except requests.RequestException:  # refused, or too slow to answer yet
            return False

    # --- the simulation (what AWS is) ------------------------------------------------------------
    def start_simulation(self):
        ids_file = self.var / "awssim.json"
        ids_file.unlink(missing_ok=True)
        self.sim = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "awssim",
                "--port",
                str(self.sim_port),
                "--ids-file",
                str(ids_file),
                "--state",
                str(self.var / "awssim-state.jsonl"),
            ],
            cwd=ROOT,
            # AWS-like; under pytest with the waits short as in the other tests (a test's own settings win),
            # while bench/faults.py keeps AWS's.
            env={**(QUICK_WAITS if "PYTEST_CURRENT_TEST" in os.environ else {}), **self.env, "AWS_ENDPOINT_URL": ""},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait(ids_file.exists, 90, "the AWS simulation seeded")
        wait(lambda: _answers(self.sim_port), 10, "the AWS simulation listening")
        self.ids = json.loads(ids_file.read_text())

    def boto(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.sim_port}",
            region_name="ap-northeast-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def vip_targets(self) -> set:
        tables = self.boto("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [self.ids["vpc_id"]]}])
        return {
            r.get("NetworkInterfaceId")
            for t in tables["RouteTables"]
            for r in t["Routes"]
            if r.get("DestinationCidrBlock") == "10.1.0.20/32"
        }

    # --- serve's children ------------------------------------------------------------------------
    def child(self, pattern: str) -> int | None:
        """The pid of serve's child whose command line matches `pattern`, if there is one now."""
        out = subprocess.run(["pgrep", "-P", str(self.serve.pid), "-f", pattern], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        return pids[0] if pids else None

    def kill_child(self, pattern: str) -> int:
        pid = self.child(pattern)
        assert pid, f"no child of serve matches {pattern!r}"
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_web_server(self) -> None:
        """kill -9 of gunicorn's master; returns when its orphaned workers are gone and a new one serves."""
        master = self.child("gunicorn")
        assert master, "no gunicorn child of serve"
        workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
        os.kill(master, signal.SIGKILL)

        def orphans_gone():
            return not any(Path(f"/proc/{pid}").exists() for pid in workers)

        wait(orphans_gone, 60, "the old web workers exiting")
        wait(lambda: self.child("gunicorn") not in (None, master), 60, "gunicorn restarted")
        wait(self._up, 60, "the console answering again")

    # --- the console, as a user ------------------------------------------------------------------
    def session(self) -> requests.Session:
        session = requests.Session()
        session.get(self.base + "/login/", timeout=10)
        self.post(session, "/login/", data={"username": "admin", "password": self.password})
        return session

    def post(self, session, path: str, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": self.base + "/"}
        return session.post(self.base + path, headers=headers, timeout=30, **kwargs)

    def run_status(self, session, run_url: str) -> tuple[str, str]:
        html = session.get(run_url.rstrip("/") + "/progress/", timeout=10).text
        status = re.search(r'data-status="(\w+)"', html).group(1)
        error = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
        return status, error.group(1) if error else ""

    def finish(self, session, run_url: str, seconds: float = 90) -> tuple[str, str]:
        return wait(
            lambda: (s := self.run_status(session, run_url))[0] not in ("pending", "running") and s,
            seconds,
            f"{run_url} ending",
        )

    def import_guide_vip(self, session, name: str = "faults", interval: int | None = None) -> int:
        """Import the guide's VIP cluster with the simulation's IDs; return its id."""
        from tests import guide

        conf = GUIDE_VIP.read_text()
        sim = dict(self.ids, endpoint_url=self.proxy.url)
        for old, new in id_pairs(guide.IDS, guide.ids_from_sim(sim)):
            conf = conf.replace(old, new)
        if interval:  # monitor more often than the guide's 60 s, so that faults show within a test
            conf = re.sub(r"<interval>\d+</interval>", f"<interval>{interval}</interval>", conf)
            conf = re.sub(r"<timeout>\d+</timeout>", "<timeout>10</timeout>", conf)
        response = self.post(
            session, "/clusters/import/", data={"name": name}, files={"file": ("clp.conf", conf.encode())}
        )
        return int(re.search(r"/clusters/(\d+)/config/$", response.url).group(1))

    def operate(self, session, pk: int, **fields) -> requests.Response:
        return self.post(session, f"/clusters/{pk}/operation/run/", data=fields, allow_redirects=False)

    def latest_run_url(self, session, pk: int) -> str:
        html = session.get(f"{self.base}/clusters/{pk}/operation/status/", timeout=10).text
        found = re.search(r'<ol class="runs"><li><a href="(/runs/\d+/)"', html)
        return self.base + found.group(1) if found else ""

    # --- processes beside serve (console workers, node agents) ----------------------------------------
    def start(self, name: str, argv: list[str], ready: str = "ready.") -> subprocess.Popen:
        """Start `argv` (python arguments) with the console's settings; return once its log shows `ready`."""
        log = self.var / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, *argv],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = proc
        wait(
            lambda: (
                (proc.poll() is None and ready in log.read_text(errors="replace"))
                or (proc.poll() is not None and _failed(log))
            ),
            90,
            f"{name} ready ({log})",
        )
        return proc

    def kill(self, name: str) -> None:
        """kill -9 of the process and every child of it (a worker's embedded beat): as if its host was lost."""
        proc = self.processes.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self):
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.serve.poll() is None:
            self.serve.send_signal(signal.SIGTERM)
            try:
                self.serve.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.serve.pid, signal.SIGKILL)
        for proc in (self.sim,):
            if proc and proc.poll() is None:
                proc.terminate()
                proc.wait(15)
        self.proxy.close()
        if self.redis.proc.poll() is None:
            self.redis.stop()


def _failed(log: Path):
    raise AssertionError(f"the process exited:\n{log.read_text(errors='replace')[-3000:]}")


def id_pairs(old: dict, new: dict):
    pairs = {}

    def walk(a, b):
        if isinstance(a, dict):
            for key in a:
                walk(a[key], b[key])
        elif str(a) != str(b):
            pairs[str(a)] = str(b)

    walk(old, new)
    return sorted(pairs.items(), key=lambda p: -len(p[0]))
