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
    """moto's server on a free loopback port, seeded with the guide's reference topology."""
    from webui import awssim

    port = free_port()
    server = awssim.start_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    ids = awssim.seed(endpoint, "ap-northeast-1")
    yield ids
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server, settings):
    """Point webui.aws at the session's moto server."""
    from webui import aws

    settings.AWS_ENDPOINT_URL = moto_server["endpoint_url"]
    settings.AWS_REGION = moto_server["region"]
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
    log_path = ARTIFACTS / "celery-worker.log"
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
def webhook_receiver():
    """A local HTTP receiver (a chat tool's webhook): its URL, and the JSON bodies posted to it."""
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

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/ops", received
    server.shutdown()
