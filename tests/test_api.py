"""The console's own API: its OpenAPI document, tokens, every endpoint for each role and for a bad token,
and bad input answered with the field and the fix."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openapi_spec_validator import validate

from clusters.clpconf import transfer
from clusters.models import TaskRun
from clusters.runtime import AlertDestination, AppliedVersion, Drill
from clusters.web.api import api
from tests import guide
from webui import tokens
from webui.models import ApiToken

BASE = "/api/webui/v1"
ROLES = ["viewer", "operator", "admin"]
RANK = {"viewer": 1, "operator": 2, "admin": 3}


@pytest.fixture
def bearer(users):
    """An Authorization header for each role's own token."""
    return {role: f"Bearer {tokens.create_token(user=users[role], name=f'{role}-script')[1]}" for role in ROLES}


def call(client, method, path, token, body=None, **extra):
    kwargs = {"HTTP_AUTHORIZATION": token} if token else {}
    if (body is not None and not isinstance(body, dict)) or (isinstance(body, dict) and "file" in body):
        return getattr(client, method)(BASE + path, body, **kwargs, **extra)
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(BASE + path, data, content_type="application/json", **kwargs, **extra)


def test_the_openapi_document_validates_and_its_page_is_served_offline(client):
    document = client.get(f"{BASE}/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    validate(spec)
    assert spec["info"]["title"] == "Cluster WebUI API"
    assert {"BearerToken", "SessionAuth"} <= set(spec["components"]["securitySchemes"]) or spec["components"]
    page = client.get(f"{BASE}/docs")
    assert page.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in page.content  # from static/, not a CDN


def endpoints(admin, cluster, resource, monitor):
    """(method, path, body, the least role that may call it, the success status) of every endpoint."""
    pk = cluster.pk
    conf = transfer.export_conf(user=admin, cluster=cluster)
    AppliedVersion.objects.get_or_create(cluster=cluster, number=1, defaults={"conf": conf})
    run = TaskRun.objects.create(kind="aws_connection", user=admin)  # a run of no cluster: it stays
    destination = AlertDestination.objects.create(cluster=cluster, kind="email", target="ops@example.com")
    hook = f"/clusters/{pk}/alert-destinations"
    drill = Drill.objects.create(cluster=cluster, passed=True, summary="failover1: passed")
    return [
        ("get", "/clusters/", None, "viewer", 200),
        ("get", f"/clusters/{pk}", None, "viewer", 200),
        ("get", f"/clusters/{pk}/configuration", None, "viewer", 200),
        ("get", f"/clusters/{pk}/problems", None, "viewer", 200),
        ("get", f"/clusters/{pk}/status", None, "viewer", 200),
        ("get", f"/clusters/{pk}/export?format=conf", None, "viewer", 200),
        ("get", f"/clusters/{pk}/runs", None, "viewer", 200),
        ("get", f"/clusters/{pk}/alerts", None, "viewer", 200),
        ("get", f"/clusters/{pk}/versions", None, "viewer", 200),
        ("get", f"/clusters/{pk}/versions/1/compare", None, "viewer", 200),
        ("get", f"/runs/{run.pk}", None, "viewer", 200),
        ("post", f"/clusters/{pk}/check", None, "operator", 202),
        ("post", f"/clusters/{pk}/runs", {"kind": "group_start", "params": {"group": "failover1"}}, "operator", 202),
        ("post", f"/clusters/{pk}/apply", None, "admin", 202),
        ("post", "/clusters/", {"name": "made-by-api"}, "admin", 201),
        ("post", f"/clusters/{pk}/servers", {"name": "server3", "address": "10.0.30.103"}, "admin", 201),
        ("delete", f"/clusters/{pk}/servers/server3", None, "admin", 204),
        ("post", f"/clusters/{pk}/groups", {"name": "failover2", "startup_servers": ["server2"]}, "admin", 201),
        ("patch", f"/clusters/{pk}/groups/failover2", {"comment": "by the API", "failback": "1"}, "admin", 200),
        (
            "post",
            f"/clusters/{pk}/groups/failover2/resources",
            {
                "type": "awsvip",
                "name": "awsvip9",
                "parameters": {"ip": "10.1.0.99"},
                "server_parameters": {
                    "server1": {"vpcid": "vpc-1", "eniid": "eni-1"},
                    "server2": {"vpcid": "vpc-1", "eniid": "eni-2"},
                },
            },
            "admin",
            201,
        ),
        (
            "patch",
            f"/clusters/{pk}/resources/{resource}",
            {"comment": "changed", "parameters": {"ip": "10.1.0.21"}},
            "admin",
            200,
        ),
        ("post", f"/clusters/{pk}/monitors", {"type": "genw", "name": "genw9"}, "admin", 201),
        ("patch", f"/clusters/{pk}/monitors/{monitor}", {"comment": "watched"}, "admin", 200),
        ("delete", f"/clusters/{pk}/monitors/genw9", None, "admin", 204),
        ("delete", f"/clusters/{pk}/resources/awsvip9", None, "admin", 204),
        ("delete", f"/clusters/{pk}/groups/failover2", None, "admin", 204),
        ("post", f"/clusters/{pk}/import", {"file": SimpleUploadedFile("clp.conf", conf)}, "admin", 200),
        ("post", "/clusters/import?name=imported-by-api", {"file": SimpleUploadedFile("clp.conf", conf)}, "admin", 201),
        ("post", f"/clusters/{pk}/versions/1/restore", None, "admin", 200),
        ("get", f"/clusters/{pk}/export", None, "viewer", 200),
        ("get", hook, None, "viewer", 200),
        ("post", hook, {"kind": "email", "target": "oncall@example.com"}, "admin", 201),
        ("patch", f"{hook}/{destination.pk}", {"min_level": "error"}, "admin", 200),
        ("post", f"{hook}/{destination.pk}/test", None, "operator", 200),
        ("delete", f"{hook}/{destination.pk}", None, "admin", 204),
        ("get", f"/clusters/{pk}/worst-case", None, "viewer", 200),
        ("post", f"/clusters/{pk}/rehearsal", {"server": "server1"}, "operator", 202),
        ("post", f"/clusters/{pk}/drills", {}, "operator", 202),
        ("get", f"/clusters/{pk}/drills", None, "viewer", 200),
        ("get", f"/clusters/{pk}/drills/{drill.pk}", None, "viewer", 200),
        ("get", f"/clusters/{pk}/drills/{drill.pk}/pdf", None, "viewer", 200),
    ]


def template(path: str) -> str:
    """/clusters/7/groups/failover2 -> /clusters/{n}/groups/{n}: the document's path of a called one."""
    path = path.split("?")[0].removeprefix(BASE)
    path = re.sub(r"\{\w+\}", "{n}", path)
    return re.sub(
        r"/(clusters|servers|groups|resources|monitors|versions|runs|alert-destinations|drills)/(?!import\b|\{n\})[^/]+",
        r"/\1/{n}",
        path,
    )


def test_the_tables_below_cover_every_endpoint_of_the_document(users):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    covered = {(method, template(path)) for method, path, *_ in endpoints(users["admin"], cluster, "r", "m")}
    paths = api.get_openapi_schema()["paths"]
    documented = {(method, template(path)) for path, operations in paths.items() for method in operations}
    assert documented - covered == set()
    assert len(documented) == len(covered) == 40


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_each_role(client, users, bearer, role):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    table = endpoints(users["admin"], cluster, "awsvip1", cluster.monitors.get(type="awsvipw").name)
    for method, path, body, least, success in table:
        TaskRun.objects.filter(cluster=cluster).delete()  # one run at a time per cluster: each starts from idle
        response = call(client, method, path, bearer[role], body)
        expected = success if RANK[role] >= RANK[least] else 403
        assert response.status_code == expected, (role, method, path, response.content[:300])
        if expected == 403:
            assert "role" in response.json()["detail"]


def test_every_endpoint_refuses_a_bad_token_and_no_token(client, users):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    for method, path, body, _, _ in endpoints(users["admin"], cluster, "awsvip1", "awsvipw1"):
        for token in ("Bearer cwui_not-a-token", "Bearer ", None):
            response = call(client, method, path, token, body)
            assert response.status_code == 401, (method, path, token, response.content[:200])
    assert cluster.servers.count() == 2 and cluster.groups.count() == 1  # nothing changed


def test_a_revoked_token_stops_at_once(client, users):
    token, secret = tokens.create_token(user=users["operator"], name="ci")
    assert call(client, "get", "/clusters/", f"Bearer {secret}").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())  # only its digest is stored
    tokens.revoke_token(user=users["operator"], token=token)
    assert call(client, "get", "/clusters/", f"Bearer {secret}").status_code == 401


def test_bad_input_names_the_field_and_the_fix(client, users, bearer):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    admin = bearer["admin"]
    bad_ip = call(
        client,
        "post",
        f"/clusters/{cluster.pk}/groups/failover1/resources",
        admin,
        {"type": "awsvip", "name": "awsvip9", "parameters": {"ip": "10.1.0"}},
    )
    assert bad_ip.status_code == 422
    errors = bad_ip.json()["errors"]
    assert {
        "field": "parameters.ip",
        "message": "'10.1.0' is not an IPv4 address such as 10.1.0.20.",
        "fix": "Correct IP Address on the Common tab.",
    } in errors
    unknown_type = call(
        client, "post", f"/clusters/{cluster.pk}/groups/failover1/resources", admin, {"type": "fip", "name": "fip1"}
    )
    assert unknown_type.json()["errors"][0]["field"] == "type" and "awsvip" in unknown_type.json()["errors"][0]["fix"]
    missing = call(client, "post", "/clusters/", admin, {"language": "en"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "name"
    taken = call(client, "post", "/clusters/", admin, {"name": "api-cluster"})
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "name"
    bad_server = call(
        client,
        "post",
        f"/clusters/{cluster.pk}/groups/failover1/resources",
        admin,
        {
            "type": "awsvip",
            "name": "awsvip9",
            "parameters": {"ip": "10.1.0.9"},
            "server_parameters": {"server9": {"eniid": "eni-9"}},
        },
    )
    assert bad_server.json()["errors"][0]["field"] == "server_parameters.server9"
    assert cluster.resources.filter(name="awsvip9").count() == 0  # nothing half-saved


def test_a_run_started_by_the_api_is_followed_with_its_log_lines(client, users, bearer):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    started = call(client, "post", f"/clusters/{cluster.pk}/check", bearer["operator"])
    assert started.status_code == 202
    run = TaskRun.objects.get(pk=started.json()["id"])
    run.lines.create(message="Checking the AWS account...")
    followed = call(client, "get", f"/runs/{run.pk}", bearer["viewer"]).json()
    assert (followed["kind"], followed["cluster"]) == ("aws_check", "api-cluster")
    assert [line["message"] for line in followed["lines"]] == ["Checking the AWS account..."]
    busy = call(client, "post", f"/clusters/{cluster.pk}/apply", bearer["admin"])
    assert busy.status_code == 409 and "busy" in busy.json()["detail"]
    unknown = call(client, "post", f"/clusters/{cluster.pk}/runs", bearer["admin"], {"kind": "explode"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"
    TaskRun.objects.filter(cluster=cluster).delete()
    nameless = call(client, "post", f"/clusters/{cluster.pk}/runs", bearer["admin"], {"kind": "group_move"})
    assert nameless.status_code == 422 and nameless.json()["errors"][0]["field"] == "params.group"
    engine_only = call(
        client,
        "post",
        f"/clusters/{cluster.pk}/runs",
        bearer["admin"],
        {"kind": "server_down", "params": {"server": "server1"}},
    )
    assert engine_only.status_code == 422  # a forced stop is the engine's to decide, not a request's
    assert not TaskRun.objects.filter(cluster=cluster).exists()


def test_the_configuration_is_the_typed_config(client, users, bearer):
    cluster = guide.build("vip", user=users["admin"], name="api-cluster")
    config = call(client, "get", f"/clusters/{cluster.pk}/configuration", bearer["viewer"]).json()
    assert [s["name"] for s in config["servers"]] == ["server1", "server2"]
    vip = next(r for r in config["resources"] if r["name"] == "awsvip1")
    assert vip["group"] == "failover1" and vip["parameters"]["ip"] == "10.1.0.20"
    assert vip["servers"]["server2"]["eniid"].startswith("eni-")  # per-server values by server name


def test_a_session_may_use_the_api_with_its_csrf_token(client, users):
    client.force_login(users["admin"])
    assert client.get(f"{BASE}/clusters/").status_code == 200
    client.handler.enforce_csrf_checks = True
    refused = client.post(f"{BASE}/clusters/", json.dumps({"name": "x1"}), content_type="application/json")
    assert refused.status_code == 403  # a session's change needs the CSRF header, as every form does


def test_tokens_are_made_and_revoked_by_their_user_in_the_console(client, users):
    client.force_login(users["viewer"])  # a Viewer's token reads only, as the Viewer does
    assert client.post("/account/tokens/", {"action": "create", "name": "dashboard-script"}).status_code == 302
    page = client.get("/account/tokens/")
    secret = page.context["new_secret"]
    assert secret.startswith("cwui_") and secret in page.content.decode()
    assert client.get("/account/tokens/").context["new_secret"] == ""  # shown once
    refused = client.post("/account/tokens/", {"action": "create", "name": " "}, follow=True)
    assert "Name: enter what will use the token" in refused.content.decode()
    others, _ = tokens.create_token(user=users["operator"], name="not-yours")
    assert client.post("/account/tokens/", {"action": "revoke", "token": others.pk}).status_code == 403
    mine = ApiToken.objects.get(user=users["viewer"])
    client.post("/account/tokens/", {"action": "revoke", "token": mine.pk})
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=others.pk).revoked_at is None
