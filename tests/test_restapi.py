"""EXPRESSCLUSTER's RESTful API, read as the vendor's Integrated-Cluster-WebUI sample reads it.

Our own client below does what that sample's scripts do (its code is the vendor's, not copied): HTTP
Basic with the configured user and password, GET on /api/v1/..., a check of result.code, then the
keys it prints. It runs over HTTP against a live console, and the states must equal clpstat's.
"""

import base64
import json
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from tests.guide import build_on_sim as build
from tests.runs import ok, run

PASSWORD = "pw-for-tests"  # the users fixture's


def sample_get(base: str, path: str, user: str, password: str = PASSWORD) -> tuple[int, dict]:
    """What each of the sample's scripts does: Basic authorization header, GET, JSON."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    response = requests.get(f"{base}/api/v1/{path}", headers={"authorization": f"Basic {token}"}, timeout=10)
    return response.status_code, response.json()


@pytest.fixture
def running_cluster(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def test_the_samples_paths_keys_and_result_codes(live_server, users, running_cluster):
    base, user = live_server.url, f"viewer1@{running_cluster.name}"
    status, answer = sample_get(base, "cluster", user)
    assert status == 200 and answer["result"]["code"] == 0 and isinstance(answer["result"]["message"], str)
    assert answer["cluster"] == {"name": running_cluster.name, "status": "Online"}
    _, answer = sample_get(base, "servers?select=name", user)
    assert answer["servers"] == [{"name": "server1"}, {"name": "server2"}]
    _, answer = sample_get(base, "servers", user)
    assert answer["servers"] == [{"name": "server1", "status": "Online"}, {"name": "server2", "status": "Online"}]
    _, answer = sample_get(base, "groups", user)
    assert answer["groups"] == [{"name": "failover1", "status": "Online", "current": "server1"}]
    _, answer = sample_get(base, "groups/failover1?select=resources", user)
    assert sorted(r["name"] for r in answer["groups"][0]["resources"]) == ["awsvip1", "md"]
    _, answer = sample_get(base, "resources/awsvip1", user)
    assert answer["resources"] == [{"name": "awsvip1", "status": "Online", "current": "server1"}]
    _, answer = sample_get(base, "monitors", user)
    names = {m["name"] for m in answer["monitors"]}
    assert names == {"awsvipw1", "awsazw1", "mdw1"}
    assert all([s["name"] for s in m["servers"]] == ["server1", "server2"] for m in answer["monitors"])
    # An offline group's current server is the string "None", as the sample expects.
    ok(run("group_stop", users, running_cluster, group="failover1"))
    _, answer = sample_get(base, "groups", user)
    assert answer["groups"] == [{"name": "failover1", "status": "Offline", "current": "None"}]


def test_basic_authentication_is_refused_and_accepted(live_server, users, running_cluster):
    base = live_server.url
    status, answer = sample_get(base, "cluster", f"viewer1@{running_cluster.name}", password="wrong")
    assert status == 401 and answer["result"]["code"] != 0 and "Authentication failed" in answer["result"]["message"]
    refused = requests.get(f"{base}/api/v1/cluster", timeout=10)  # no credentials at all
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    status, answer = sample_get(base, "cluster", "viewer1@nosuchcluster")
    assert status == 404 and answer["result"]["message"] == "There is no cluster named nosuchcluster."
    status, answer = sample_get(base, "cluster", "viewer1")  # one cluster only: the user name may omit it
    assert status == 200 and answer["cluster"]["name"] == running_cluster.name
    status, answer = sample_get(base, "groups/nope", f"viewer1@{running_cluster.name}")
    assert status == 404 and answer["result"]["code"] != 0


def test_the_api_tells_the_same_states_as_clpstat(live_server, users, running_cluster):
    ok(run("group_move", users, running_cluster, group="failover1", server="server2"))
    out = StringIO()
    call_command("clpstat", running_cluster.name, "--json", stdout=out)
    clpstat = json.loads(out.getvalue())
    user = f"admin1@{running_cluster.name}"
    _, groups = sample_get(live_server.url, "groups", user)
    assert [(g["name"], g["status"].lower(), g["current"]) for g in groups["groups"]] == [
        (g["name"], g["status"], g["current_server"] or "None") for g in clpstat["groups"]
    ]
    _, resources = sample_get(live_server.url, "resources", user)
    assert [(r["name"], r["status"].lower(), r["current"]) for r in resources["resources"]] == [
        (r["name"], r["status"], r["server"] or "None") for r in clpstat["resources"]
    ]


def sample_post(base: str, path: str, user: str, body: dict | None = None) -> tuple[int, dict]:
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    response = requests.post(
        f"{base}/api/v1/{path}", json=body or {}, timeout=10, headers={"authorization": f"Basic {token}"}
    )
    return response.status_code, response.json()


@pytest.mark.worker
def test_operations_under_the_same_tree_return_the_run_to_follow(live_server, users, running_cluster, celery_worker):
    from clusters.models import TaskRun
    from clusters.runtime import ObjectState
    from tests.runs import wait_for_end

    base, operator = live_server.url, f"operator1@{running_cluster.name}"
    status, answer = sample_post(base, "groups/failover1/move", operator, {"target": "server2"})
    assert status == 202 and answer["result"]["code"] == 0, answer
    assert answer["run"]["url"].endswith(f"/runs/{answer['run']['id']}/")
    run = wait_for_end(TaskRun.objects.get(pk=answer["run"]["id"]))
    assert run.status == "succeeded", run.error
    _, groups = sample_get(base, "groups", operator)
    assert groups["groups"][0]["current"] == "server2"
    status, answer = sample_post(base, "monitors/awsvipw1/suspend", operator)
    assert status == 200 and answer["result"]["code"] == 0
    assert ObjectState.objects.get(cluster=running_cluster, kind="monitor", name="awsvipw1").status == "suspend"
    status, answer = sample_post(base, "groups/failover1/move", f"viewer1@{running_cluster.name}")
    assert status == 403 and answer["result"]["code"] != 0  # a Viewer may only read
    status, answer = sample_post(base, "groups/failover1/explode", operator)
    assert status == 404 and answer["result"]["message"] == "There is no operation explode of groups."
