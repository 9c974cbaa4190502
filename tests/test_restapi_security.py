"""The RESTful API's security: no cross-site calls from a browser, one password hash per client and minute (not
one per request), the lock-out in the product's JSON shape, and the lock-out keyed on the client behind a proxy."""

import base64
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache

from clusters.clpconf import writer
from clusters.configuration.draft import from_models
from clusters.operation import state
from clusters.runtime import AppliedVersion
from tests.conftest import ROOT
from tests.guide import linux_cluster

PASSWORD = "pw-for-tests"
CHECKED = []  # each password the hasher below verified


class CountingHasher(MD5PasswordHasher):
    """The tests' (fast) hasher, counting what it verifies: Django's own extension point, nothing of ours."""

    def verify(self, password, encoded):
        CHECKED.append(password)
        return super().verify(password, encoded)


@pytest.fixture
def cluster(users, settings):
    settings.PASSWORD_HASHERS = ["tests.test_restapi_security.CountingHasher"]
    cache.clear()
    CHECKED.clear()
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"})
    AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render_config(from_models(cluster)))
    return cluster


def get(client, user: str, password: str = PASSWORD, path: str = "cluster", **headers):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Basic {token}", **headers)


def post(client, user: str, path: str, body: str = "", **headers):
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    return client.generic(
        "POST", f"/api/v1/{path}", body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {token}", **headers
    )


def test_a_page_of_another_site_cannot_call_it(client, cluster):
    operator = f"operator1@{cluster.name}"
    body = '{"ratio": 5, "time": "1h"}'
    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "null"},
    ):
        answer = post(client, operator, "cluster/toratio/set", body, **headers)
        assert answer.status_code == 403 and answer.json()["result"]["code"] == 10, answer.json()
        assert "another site" in answer.json()["result"]["message"]
    assert state.timeout_ratio(cluster).ratio == 1  # nothing changed
    assert CHECKED == []  # refused before any password was checked
    # The console's own origin, and NEC's clients (no Origin, no Sec-Fetch-Site), are served.
    same = post(
        client,
        operator,
        "cluster/toratio/set",
        body,
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert same.status_code == 200 and post(client, operator, "cluster/toratio/reset").status_code == 200


def test_credentials_are_checked_once_per_client_and_minute_and_again_after_a_password_change(client, users, cluster):
    viewer = f"viewer1@{cluster.name}"
    for _ in range(5):
        assert get(client, viewer).status_code == 200
    assert CHECKED == [PASSWORD]  # five requests, one password hash
    assert get(client, viewer, REMOTE_ADDR="10.9.9.9").status_code == 200  # another client: its own check
    assert len(CHECKED) == 2
    assert get(client, viewer, "not-the-password").status_code == 401  # a wrong one is always checked
    assert len(CHECKED) == 3
    users["viewer"].set_password("a-new-password")
    users["viewer"].save()
    refused = get(client, viewer)  # the remembered check is dropped with the old password
    assert refused.status_code == 401 and refused.json()["result"]["code"] == 1
    assert get(client, viewer, "a-new-password").status_code == 200
    assert get(client, viewer, "a-new-password").status_code == 200 and len(CHECKED) == 5
    users["viewer"].is_active = False
    users["viewer"].save()
    assert get(client, viewer, "a-new-password").status_code == 401  # a deactivated user is refused at once


def test_a_locked_out_client_gets_the_products_json(client, cluster):
    operator = f"operator1@{cluster.name}"
    assert get(client, operator).status_code == 200  # remembered from this address
    for _ in range(5):
        assert get(client, operator, "wrong").status_code in (401, 429)
    for password in ("wrong", PASSWORD):  # the right password too, even the remembered one
        answer = get(client, operator, password)
        assert answer.status_code == 429 and answer["Retry-After"] == "900"
        assert answer.json()["result"]["code"] == 8 and answer.json()["result"]["message"].startswith(
            "Too many wrong passwords for operator1 from this address: it is refused for 15 minutes, "
            "the right password included."
        )
    assert get(client, operator, REMOTE_ADDR="10.9.9.9").status_code == 200  # another address is not locked out


def test_behind_a_proxy_the_lock_out_keys_on_the_client_not_the_proxy(client, cluster, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "webui.proxy.client_address"  # what DJANGO_BEHIND_PROXY=1 sets
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    operator = f"operator1@{cluster.name}"
    for _ in range(5):
        get(client, operator, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert get(client, operator, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    # A client may put anything on the left; the proxy's own entry (the rightmost) is the one believed.
    spoofed = get(client, operator, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5", **proxy)
    assert spoofed.status_code == 429
    assert get(client, operator, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200  # another client
    assert get(client, operator, **proxy).status_code == 200  # the proxy itself (no header) is not locked out


def test_the_proxy_setting_turns_on_the_client_address():
    def setting(**env):
        code = "from django.conf import settings; print(getattr(settings, 'AXES_CLIENT_IP_CALLABLE', None))"
        base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_BEHIND_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True
        )
        return done.stdout.strip().splitlines()[-1]

    assert setting(DJANGO_BEHIND_PROXY="1") == "webui.proxy.client_address"
    assert setting() == "None"
