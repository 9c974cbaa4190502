"""Start-up configuration: production checks pass, bad settings give one clear line."""

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def manage(*args, **env):
    # A clean environment: no test-only variables (DJANGO_ALLOW_ASYNC_UNSAFE) leak into these starts.
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_passes_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="cluster-webui.example.com",
        DJANGO_HTTPS="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_malformed_database_url_is_one_clear_line():
    result = manage("serve", "--check", DATABASE_URL="nonsense://whatever")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: DATABASE_URL")


def test_an_unreachable_database_is_one_clear_line():
    result = manage("serve", "--check", DATABASE_URL="postgres://webui:pw@127.0.0.1:9/webui")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Cannot connect to the database of DATABASE_URL" in lines[0]


def test_an_unreachable_redis_is_one_clear_line():
    result = manage("serve", "--check", REDIS_URL="redis://127.0.0.1:9/0")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Cannot reach Redis at REDIS_URL=redis://127.0.0.1:9/0" in lines[0]


def test_a_reachable_redis_and_database_pass_the_check(redis_url):
    result = manage("serve", "--check", REDIS_URL=redis_url)
    assert result.returncode == 0, result.stderr
    assert "Database and Redis are reachable." in result.stdout


def test_a_garbage_boolean_is_one_clear_line():
    result = manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert result.stderr.strip() == "Configuration error: DJANGO_DEBUG='maybe' is not a boolean; use 1 or 0."


def test_pages_carry_a_content_security_policy_and_htmx_its_nonce(client, users):
    client.force_login(users["viewer"])
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html  # htmx's script tag; no inline script or style runs without it
    assert '"includeIndicatorStyles": false' in html


def test_repeated_wrong_passwords_lock_that_user_name_and_the_right_one_is_refused_too(client, users):
    login = "/login/"
    for _ in range(4):
        response = client.post(login, {"username": "operator1", "password": "wrong"})
        assert response.status_code == 200  # the form again, "Please enter a correct user name..."
    assert client.post(login, {"username": "operator1", "password": "wrong"}).status_code == 429  # the fifth
    refused = client.post(login, {"username": "operator1", "password": "pw-for-tests"})
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    assert client.post(login, {"username": "admin1", "password": "pw-for-tests"}).status_code == 302
