"""The README's run command, as a new user runs it: a virtualenv made from requirements.txt alone.

A green suite once hid a run command that failed on every fresh machine (a package only the test
requirements pulled in). This test builds an environment with the runtime requirements only, runs
`manage.py serve` there on free ports with no account and no Redis configured, and uses the console
over HTTP: sign in, Check the AWS connection on the worker, import and apply a configuration, and
run a server's node agent from the same environment.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests import guide
from tests.conftest import ROOT, free_port
from tests.faults.harness import id_pairs

pytestmark = pytest.mark.smoke

REQUIREMENTS = ROOT / "requirements.txt"


@pytest.fixture(scope="module")
def runtime_python() -> Path:
    """A virtualenv with requirements.txt only; rebuilt when requirements.txt changes."""
    stamp = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    venv = ROOT / "var" / "smoke-venv"
    python = venv / "bin" / "python"
    if not (venv / f".built-{stamp}").exists():
        shutil.rmtree(venv, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=120)
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert pip.returncode == 0, f"pip install -r requirements.txt failed:\n{pip.stderr[-3000:]}"
        (venv / f".built-{stamp}").touch()
    # Runtime only: nothing of the test requirements may be there to hide a missing package.
    probe = subprocess.run([str(python), "-c", "import pytest"], capture_output=True, timeout=60)
    assert probe.returncode != 0, "the smoke environment must not have the test requirements"
    return python


def _environment(var_dir: Path, web: int) -> dict:
    """What a new user's shell has: no AWS account, no Redis, no database configured."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    return env | {
        "WEBUI_VAR_DIR": str(var_dir),
        "WEBUI_ADDRPORT": f"127.0.0.1:{web}",
        "WEBUI_EMBEDDED_REDIS_PORT": str(free_port()),
        "WEBUI_EMBEDDED_AWS_PORT": str(free_port()),
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance role on a developer's machine
        "PYTHONUNBUFFERED": "1",  # the password line is read from the log while serve runs
    }


def _wait_for_run(session: requests.Session, base: str, run_url: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        html = session.get(base + run_url.rstrip("/") + "/progress/", timeout=10).text
        status = re.search(r'data-status="(\w+)"', html).group(1)
        if status not in ("pending", "running"):
            return status
        time.sleep(0.5)
    raise AssertionError(f"{run_url} still {status} after {seconds} s")


def _post(session: requests.Session, base: str, path: str, **kwargs) -> requests.Response:
    token = session.cookies.get("csrftoken")
    return session.post(base + path, headers={"X-CSRFToken": token, "Referer": base + "/"}, timeout=30, **kwargs)


def test_the_run_command_serves_the_console_from_the_runtime_requirements_alone(runtime_python, tmp_path):
    web = free_port()
    var_dir = tmp_path / "var"
    base = f"http://127.0.0.1:{web}"
    log = tmp_path / "serve.log"
    environment = _environment(var_dir, web)
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [str(runtime_python), "manage.py", "serve"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        session = requests.Session()
        deadline = time.monotonic() + 120
        while True:
            assert serve.poll() is None, f"serve stopped:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"the console did not answer:\n{log.read_text()[-3000:]}"
            try:
                login_page = session.get(base + "/login/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting up
                time.sleep(0.5)
        output = log.read_text()
        assert login_page.status_code == 200
        # A production server answers, not Django's development server.
        assert "WSGIServer" not in login_page.headers.get("Server", ""), login_page.headers
        assert "gunicorn" in login_page.headers.get("Server", "")
        assert "script-src 'self' 'nonce-" in login_page.headers["Content-Security-Policy"]
        assert (var_dir / "log" / "access.log").exists()

        password = re.search(r"User Name: admin\s+Password: (\S+)", output).group(1)
        signed_in = _post(session, base, "/login/", data={"username": "admin", "password": password})
        assert signed_in.url == base + "/", signed_in.text[-2000:]

        # Check the AWS connection: a run on the Celery worker, against the embedded simulation.
        run = _post(session, base, "/aws/check/")
        assert re.search(r"/runs/\d+/$", run.url), run.url
        assert _wait_for_run(session, base, run.url[len(base) :]) == "succeeded"

        # Import the guide's VIP configuration with the simulation's IDs, then Apply it.
        sim = json.loads((var_dir / "awssim.json").read_text())
        conf = (ROOT / "tests" / "golden" / "vip.conf").read_text()
        for old, new in id_pairs(guide.IDS, guide.ids_from_sim(sim)):
            conf = conf.replace(old, new)
        imported = _post(
            session, base, "/clusters/import/", data={"name": "smoke"}, files={"file": ("clp.conf", conf.encode())}
        )
        pk = re.search(r"/clusters/(\d+)/config/$", imported.url).group(1)
        applied = _post(session, base, f"/clusters/{pk}/config/apply/")
        assert re.search(r"/runs/\d+/$", applied.url), applied.text[-2000:]
        assert _wait_for_run(session, base, applied.url[len(base) :]) == "succeeded"
        assert "smoke" in session.get(base + f"/clusters/{pk}/operation/", timeout=10).text
        # A server's node agent, from the same runtime requirements and the same shell, registers and beats
        # (its heartbeat object in the simulation's bucket).
        with open(tmp_path / "agent.log", "wb") as out:
            agent = subprocess.Popen(
                [str(runtime_python), "manage.py", "node_agent", "smoke", "server1", "--listen", "127.0.0.9"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while "seen " not in session.get(base + f"/clusters/{pk}/operation/status/", timeout=10).text:
                assert agent.poll() is None, (tmp_path / "agent.log").read_text()[-3000:]
                assert time.monotonic() < deadline, (tmp_path / "agent.log").read_text()[-3000:]
                time.sleep(0.5)
        finally:
            agent.terminate()
            assert agent.wait(30) == 0, (tmp_path / "agent.log").read_text()[-3000:]
        assert "heartbeat of server1 failed" not in (tmp_path / "agent.log").read_text()
    finally:
        serve.send_signal(signal.SIGTERM)  # what Ctrl-C or systemd does; serve stops its children itself
        try:
            code = serve.wait(30)
        finally:
            leftovers = _group_alive(serve.pid)
            if leftovers:
                os.killpg(serve.pid, signal.SIGKILL)
    # Everything stopped cleanly: serve ended well, no child is left, nothing answers.
    assert code == 0, log.read_text()[-3000:]
    assert not leftovers, "a child of serve outlived it"
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/login/", timeout=3)


def _group_alive(pgid: int) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.3)
    return True
