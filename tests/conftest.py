"""Shared fixtures: users per role, a real Redis, moto's server, a real Celery worker, a browser."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests import parallel

# Never reach a real AWS account from tests; Playwright's sync API runs an event loop in the
# test thread, which Django would otherwise take for async code.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_REGION="ap-northeast-1",
    AWS_DEFAULT_REGION="ap-northeast-1",
    DJANGO_ALLOW_ASYNC_UNSAFE="true",
)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"


def pytest_configure(config):
    """Under pytest-xdist, this worker's own var/ and listen address (tests/parallel.py)."""
    from django.conf import settings

    parallel.isolate(settings, os.environ)


HEAVY = ("browser", "worker", "smoke", "faults")


def pytest_collection_modifyitems(items):
    """Every test is `moto` (it uses the AWS simulation), `unit` (neither AWS nor a process of its own), or
    one of the heavy kinds: `make fast` runs the unit tests alone."""
    for item in items:
        if any(item.get_closest_marker(kind) for kind in HEAVY):
            continue
        uses_aws = {"moto_server", "aws_endpoint", "sim"} & set(getattr(item, "fixturenames", ()))
        item.add_marker(pytest.mark.moto if uses_aws else pytest.mark.unit)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only


@pytest.fixture
def users(db):
    from tests.factories import UserFactory

    return {
        "admin": UserFactory(username="admin1", role="Administrator"),
        "operator": UserFactory(username="operator1", role="Operator"),
        "viewer": UserFactory(username="viewer1", role="Viewer"),
    }


@pytest.fixture(scope="session")
def redis_url():
    """A real redis-server of our own on a free loopback port."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is not installed; `make test` installs it.")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def moto_server():
    """The embedded AWS simulation (moto behind our AWS-like layer) on a free loopback port, seeded with the
    guide's reference topology; its IDs, with `endpoint_url` and `dns` (host, port) of its DNS server."""
    from webui import awssim
    from webui.awssim.rules import QUICK_WAITS

    # AWS-like (buckets, DryRun, IAM, PENDING then INSYNC) with the waits short; WEBUI_AWSSIM_* variables win.
    try:
        rules = awssim.load(QUICK_WAITS | {k: v for k, v in os.environ.items() if k.startswith("WEBUI_AWSSIM_")})
    except awssim.SettingError as exc:
        pytest.exit(str(exc), returncode=4)
    server = awssim.start_server(free_port(), rules=rules)
    ids = awssim.seed(server.endpoint, "ap-northeast-1")
    ids["dns"] = server.dns_address
    yield ids
    server.stop()


@pytest.fixture(autouse=True)
def awssim_reset(request):
    """Each test that uses the simulation starts with full buckets, no change PENDING and the session's rules."""
    if "moto_server" not in request.fixturenames:
        yield
        return
    import requests

    endpoint = request.getfixturevalue("moto_server")["endpoint_url"]
    for attempt in range(3):  # a connection the threaded server dropped under load is tried again
        try:
            requests.post(f"{endpoint}/_awssim/reset", timeout=10).raise_for_status()
            break
        except requests.ConnectionError:
            if attempt == 2:
                raise
            time.sleep(0.5)
    yield


@pytest.fixture
def awssim_rules(moto_server):
    """Set some of the simulation's rules for this test (WEBUI_AWSSIM_* names); the next test gets them back."""
    import requests

    def set_rules(**values):
        answer = requests.post(f"{moto_server['endpoint_url']}/_awssim/rules", json=values, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    return set_rules


@pytest.fixture
def principal(moto_server):
    """Make an IAM principal whose only policy is the one given (a user as the console, or with role=True an
    assumed role as a server); returns a function that gives boto3 clients signed with its credentials."""
    import boto3

    from webui import awssim

    def make(policy: dict, *, role: bool = False):
        name = f"principal-{uuid.uuid4().hex[:8]}"
        creds = awssim.create_principal(moto_server["endpoint_url"], name, policy, role=role, region="ap-northeast-1")

        def client(service: str):
            return boto3.client(
                service,
                endpoint_url=moto_server["endpoint_url"],
                region_name="ap-northeast-1",
                aws_access_key_id=creds["access_key_id"],
                aws_secret_access_key=creds["secret_access_key"],
                aws_session_token=creds.get("session_token"),
            )

        client.credentials, client.name = creds, name
        return client

    return make


@pytest.fixture
def aws_endpoint(moto_server, settings):
    """Point webui.aws at the session's moto server."""
    from webui import aws

    settings.AWS_ENDPOINT_URL = moto_server["endpoint_url"]
    settings.AWS_REGION = moto_server["region"]
    settings.DNS_RESOLVER = "{}:{}".format(*moto_server["dns"])  # the AWS DNS monitor's name check asks it
    aws.reset_clients()
    yield moto_server
    aws.reset_clients()


@pytest.fixture
def sim(aws_endpoint):
    """An isolated copy of the reference topology on the session's moto server."""
    from webui import awssim

    return awssim.seed(aws_endpoint["endpoint_url"], aws_endpoint["region"], suffix=f"-{uuid.uuid4().hex[:8]}")


def point_celery_at(broker_url: str) -> None:
    """Send this process's tasks to `broker_url`, dropping connections pooled for the previous broker."""
    from webui.celery import app

    app.conf.broker_url = broker_url
    app.conf.result_backend = broker_url  # node agents answer through it
    app._after_fork()  # Celery's own reset of its connection and producer pools (as after a fork)


@pytest.fixture
def celery_worker(redis_url, moto_server, transactional_db, settings):
    """A real Celery worker process on the test database, the test Redis and moto."""
    from django.db import connection

    point_celery_at(redis_url)
    settings.CELERY_BROKER_URL = redis_url
    log_path = ARTIFACTS / f"celery-worker{parallel.SUFFIX}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"REDIS_URL": redis_url, "AWS_ENDPOINT_URL": moto_server["endpoint_url"]}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["WEBUI_SQLITE_PATH"] = str(db["NAME"])
    else:  # the worker opens the test database, not the one DATABASE_URL names
        env["DATABASE_URL"] = (
            f"{connection.vendor}://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "webui",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b"ready." not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield proc
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("chromium is not installed; `make test` installs Debian's chromium.")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def login(page, live_server):
    """Sign in through the login page as the given user (password 'pw-for-tests')."""

    def sign_in(user):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("User Name").fill(user.username)
        page.get_by_label("Password").fill("pw-for-tests")
        page.get_by_role("button", name="Login").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in


@pytest.fixture
def webhook_receiver(settings, monkeypatch):
    """A local HTTP receiver (a chat tool's webhook): its URL, and the JSON bodies posted to it. It runs on the
    console's own host, which a webhook may reach only when listed one by one, as here (and for a worker
    started after this fixture)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = ["127.0.0.1/32"]
    monkeypatch.setenv("WEBUI_ALERT_WEBHOOK_NETWORKS", "127.0.0.1/32")
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/ops", received
    server.shutdown()


AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.fail("axe-core is not installed: `make test` installs it (cd tests && npm install --no-package-lock).")
    return AXE.read_text()


@pytest.fixture
def accessible(axe_source):
    """Check the page as it is now against axe-core's WCAG 2.1 A and AA rules; fail naming each violation.
    axe is evaluated through the browser's devtools protocol, which the pages' Content-Security-Policy allows."""

    def check(page, what: str = ""):
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        found = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_21_AA
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
            for v in found["violations"]
        ]
        assert not problems, f"{what or page.url}: " + "; ".join(problems)

    return check
