"""Careless and hostile requests to the console's pages and both APIs: damaged zips and XML, bodies too large or
too deep, and credentials that are no credentials. Each gets a clear refusal in its API's shape, and nothing
is written."""

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from clusters.models import Cluster, TaskRun
from clusters.runtime import Alert
from tests import guide
from webui import tokens

GOOD = (Path(__file__).parent / "golden" / "vip.conf").read_bytes()
API = "/api/webui/v1"


def zipped(conf: bytes = GOOD) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("clp.conf", conf)
        archive.writestr("scripts/failover1/exec1/start.bat", b"echo start")
    return buffer.getvalue()


def central(data: bytes, name: bytes = b"clp.conf") -> int:
    """Where the central directory's header of the member `name` starts."""
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    return at


def bad_crc() -> bytes:
    data = bytearray(zipped())
    at = central(data)
    crc = bytes(data[at + 16 : at + 20])
    flipped = bytes([crc[0] ^ 0xFF]) + crc[1:]
    return bytes(data).replace(crc, flipped)  # in the local and the central header alike


def flagged(flag: int = 0, method: int | None = None) -> bytes:
    data = bytearray(zipped())
    for at in (0, central(data)):  # clp.conf's local header is first
        offset = 6 if at == 0 else 8
        data[at + offset] |= flag
        if method is not None:
            data[at + offset + 2] = method
    return bytes(data)


DAMAGED = {
    "a member's CRC is wrong": (bad_crc(), "Bad CRC-32"),
    "encrypted": (flagged(flag=1), "is encrypted"),
    "Deflate64": (flagged(method=9), "compressed with a method this console does not read (9)"),
    "local and central names differ": (zipped().replace(b"clp.conf", b"clp.cong", 1), "differ"),
    "truncated": (zipped()[:200] + zipped()[-22:], "not a valid zip"),
    "XML nested 50,000 deep": (
        zipped(GOOD.replace(b"<cluster>", b"<cluster>" + b"<x>" * 50000 + b"</x>" * 50000, 1)),
        "nests its elements far deeper",
    ),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_zip_is_the_imports_clear_refusal_on_the_page_and_the_api(client, users, case):
    data, cause = DAMAGED[case]
    client.force_login(users["admin"])
    upload = io.BytesIO(data)
    upload.name = "cluster1.zip"
    page = client.post(reverse("config:import"), {"file": upload, "name": "imported"})
    assert page.status_code == 422
    assert cause in page.content.decode() and "Nothing was imported." in page.content.decode()
    token = tokens.create_token(user=users["admin"], name="script")[1]
    upload = io.BytesIO(data)
    upload.name = "cluster1.zip"
    answer = client.post(f"{API}/clusters/import", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 422
    problem = answer.json()["errors"][0]
    assert problem["field"] == "file" and cause in problem["message"] and "Nothing was imported." in problem["message"]
    assert not Cluster.objects.exists()


def basic(user: str, password: str = "pw-for-tests") -> str:  # noqa: S107 (the users fixture's)
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_bodies_too_large_or_too_deep_answer_json_on_both_apis(client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    token = f"Bearer {tokens.create_token(user=users['admin'], name='script')[1]}"
    console, product = f"{API}/clusters/{cluster.pk}/runs", "/api/v1/groups/failover1/start"
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    deep_in_params = b'{"kind": "group_start", "params": {"group": ' + b"[" * 40 + b"]" * 40 + b"}}"
    large = json.dumps({"kind": "group_start", "params": {"group": "x" * 3_000_000}}).encode()  # over 2.5 MB
    for path, auth, shape in ((console, token, "detail"), (product, basic("admin1@cluster1"), "result")):
        for body, status in ((deep, 400), (deep_in_params, 400), (large, 413)):
            answer = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
            assert answer.status_code == status, (path, status, answer.content[:200])
            assert answer["Content-Type"] == "application/json" and shape in answer.json()
            if shape == "result":
                assert answer.json()["result"]["code"] != 0
    # Strings may hold brackets and escaped quotes: only real nesting counts.
    fine = json.dumps({"kind": "group_start", "params": {"group": '["\\"[[[' * 20}}).encode()
    answer = client.post(console, fine, content_type="application/json", HTTP_AUTHORIZATION=token)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "params.group"
    assert not TaskRun.objects.exists() and not Alert.objects.exists()


def test_a_bad_or_revoked_token_is_401_with_or_without_a_session(client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    revoked, secret = tokens.create_token(user=users["admin"], name="old")
    tokens.revoke_token(user=users["admin"], token=revoked)
    body = json.dumps({"name": "made-by-a-bad-token"})
    for signed_in in (False, True):
        if signed_in:
            client.force_login(users["admin"])  # a browser's session, without the CSRF header of a change
        for header in (f"Bearer {secret}", "Bearer cwui_garbage", "Bearer ", "Token abc", basic("admin1")):
            for method, path in (("post", f"{API}/clusters/"), ("get", f"{API}/clusters/{cluster.pk}")):
                answer = getattr(client, method)(
                    path,
                    body if method == "post" else None,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=header,
                )
                assert answer.status_code == 401, (signed_in, header, method, answer.content[:200])
                assert "token" in answer.json()["detail"]
    client.logout()
    anonymous = client.post(f"{API}/clusters/", body, content_type="application/json")  # no credentials at all
    assert anonymous.status_code == 401 and "Send an API token" in anonymous.json()["detail"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["admin"])  # a session with no CSRF header is refused as such
    assert browser.post(f"{API}/clusters/", body, content_type="application/json").status_code == 403
    assert Cluster.objects.count() == 1


def test_the_product_api_refuses_bad_credentials_with_401(client, users):
    guide.build("vip", user=users["admin"], name="cluster1")
    for header in (basic("admin1@cluster1", "wrong"), basic("nobody@cluster1"), "Basic !!!", "Bearer x", "Basic"):
        for method, path in (("get", "/api/v1/cluster"), ("post", "/api/v1/groups/failover1/stop")):
            answer = getattr(client, method)(path, HTTP_AUTHORIZATION=header)
            assert answer.status_code == 401 and answer.json()["result"]["code"] != 0, (header, path)
    assert not TaskRun.objects.exists()
