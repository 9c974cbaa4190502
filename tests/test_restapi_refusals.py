"""Careless and hostile calls of the RESTful API get a clear refusal in the product's shape (a non-zero code, the
matching HTTP status, a message naming the cause and the fix) and change nothing: unknown names, wrong types,
ratio 0 or 10001, time "31d", a missing target, the wrong method, a path that is not there."""

import base64
import json

import pytest

from clusters.clpconf import writer
from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.models import TaskRun
from clusters.operation import scripts, state
from clusters.runtime import AppliedVersion
from tests.guide import linux_cluster

PASSWORD = "pw-for-tests"

# (method, path, body, HTTP status, code, words of the message)
REFUSED = [
    ("GET", "servers/nope", None, 404, 2, "There is no server nope in cluster"),
    ("GET", "groups/nope", None, 404, 2, "There is no group nope in cluster"),
    ("GET", "resources/nope", None, 404, 2, "There is no group resource nope"),
    ("GET", "monitors/nope", None, 404, 2, "There is no monitor resource nope"),
    ("GET", "metrics/groups/nope/uptime", None, 404, 2, "There is no group nope"),
    ("GET", "servers?select=status", None, 400, 6, "select=status is not offered here; select takes name"),
    ("GET", "no/such/path", None, 404, 2, "There is no API path /api/v1/no/such/path"),
    ("GET", "cluster/start", None, 405, 11, "takes POST, not GET"),
    ("POST", "cluster", {}, 405, 11, "takes GET, not POST"),
    ("POST", "servers/nope/start", None, 404, 2, "There is no server nope"),
    ("POST", "servers/nope/dummy-failure/start", None, 404, 2, "There is no server nope"),
    ("POST", "groups/nope/move", None, 404, 2, "There is no group nope"),
    ("POST", "groups/failover1/move", {"target": "nope"}, 404, 2, "There is no server nope"),
    ("POST", "groups/failover1/move", {"target": 5}, 400, 6, "target must be a string, not 5"),
    ("POST", "groups/failover1/move", {"server": "server2"}, 400, 6, "Unknown field server; this call takes target"),
    ("POST", "groups/failover1/move", "[1]", 400, 6, "The body must be a JSON object"),
    ("POST", "groups/failover1/move", "{target", 400, 6, "The body is not JSON"),
    ("POST", "groups/start", None, 400, 6, 'groups/start needs a target server: send {"target": "SERVER"}'),
    ("POST", "groups/stop", {"target": ""}, 400, 6, "groups/stop needs a target server"),
    ("POST", "resources/nope/start", {"target": "server1"}, 404, 2, "There is no group resource nope"),
    ("POST", "resources/exec1/start", None, 400, 6, "resources/exec1/start needs a target server"),
    ("POST", "resources/exec1/stop", {"target": "server1"}, 400, 6, "Unknown field target; this call takes no field"),
    ("POST", "monitors/nope/suspend", {"target": "server1"}, 404, 2, "There is no monitor resource nope"),
    ("POST", "monitors/genw1/suspend", {"target": "nope"}, 404, 2, "There is no server nope"),
    ("POST", "monitors/genw1/dummy-failure/start", {"target": True}, 400, 6, "target must be a string, not true"),
    ("POST", "cluster/toratio/set", {"ratio": 0, "time": "1h"}, 400, 6, "ratio must be an integer from 1 to 10000"),
    ("POST", "cluster/toratio/set", {"ratio": 10001, "time": "1h"}, 400, 6, "from 1 to 10000, not 10001"),
    ("POST", "cluster/toratio/set", {"ratio": "5", "time": "1h"}, 400, 6, 'ratio must be an integer, not "5"'),
    ("POST", "cluster/toratio/set", {"ratio": 5.5, "time": "1h"}, 400, 6, "ratio must be an integer, not 5.5"),
    ("POST", "cluster/toratio/set", {"ratio": 5, "time": "31d"}, 400, 6, "at most 30 days; not '31d'"),
    ("POST", "cluster/toratio/set", {"ratio": 5, "time": "721h"}, 400, 6, "at most 30 days"),
    ("POST", "cluster/toratio/set", {"ratio": 5, "time": "0m"}, 400, 6, "time must be minutes, hours or days"),
    ("POST", "cluster/toratio/set", {"ratio": 5, "time": "2w"}, 400, 6, "time must be minutes, hours or days"),
    ("POST", "cluster/toratio/set", {"ratio": 5}, 400, 6, "time must be minutes, hours or days"),
    ("POST", "cluster/toratio/set", {"ratio": 1, "time": "1h"}, 400, 6, "send it without time"),
    ("POST", "cluster/toratio/set", {"time": "1h"}, 400, 6, "ratio must be an integer from 1 to 10000, not None"),
    ("POST", "scripts/run", {"target": "server1"}, 400, 6, "scripts/run needs script"),
    ("POST", "scripts/run", {"script": "x.sh"}, 400, 6, "scripts/run needs target"),
    ("POST", "scripts/run", {"script": "x.sh", "target": "server1", "timeout": 0}, 400, 6, "timeout must be 1 to 900"),
    ("POST", "scripts/run", {"script": "x.sh", "target": "server1", "timeout": "9"}, 400, 6, "must be an integer"),
    ("POST", "scripts/run", {"script": "x.sh", "target": "server1"}, 404, 2, "There is no cluster script x.sh"),
    ("POST", "scripts/run", {"script": "ok.sh", "target": "10.9.9.9"}, 404, 2, "There is no server 10.9.9.9"),
    ("POST", "scripts/run", {"script": "ok.sh", "target": "server1", "logdir": "../x"}, 409, 7, "goes up with '..'"),
    ("POST", "scripts/run", {"script": "ok.sh", "target": "server1", "logdir": "/tmp"}, 409, 7, "stands in"),
    ("POST", "mirrors/backup/preaction", {"online": True}, 501, 9, "This console does not back up mirror disks"),
]


def call(client, method: str, path: str, body, user: str):
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    data = body if isinstance(body, str) else (json.dumps(body) if body is not None else "")
    return client.generic(
        method, f"/api/v1/{path}", data, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {token}"
    )


@pytest.fixture
def cluster(users):
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"}, genw1=("genw", {"path": "genw.sh"}))
    scripts.add_script(user=users["admin"], cluster=cluster, name="ok.sh", content=b"exit 0\n")
    draft = from_models(cluster)
    AppliedVersion.objects.create(
        cluster=cluster, number=1, conf=writer.render_config(draft), files=draft.files("scripts", "monitor.s")
    )
    return cluster


@pytest.mark.parametrize(("method", "path", "body", "status", "code", "words"), REFUSED)
def test_each_refusal_says_why_and_changes_nothing(client, users, cluster, method, path, body, status, code, words):
    response = call(client, method, path, body, f"operator1@{cluster.name}")
    answer = response.json()
    assert (response.status_code, answer["result"]["code"]) == (status, code), answer
    assert words in answer["result"]["message"]
    assert not TaskRun.objects.exists()
    assert state.timeout_ratio(cluster).ratio == 1
    assert not state.servers_under_dummy_failure(cluster)
    assert all(not row.dummy_failure and row.status != "suspend" for row in state.monitor_states(cluster).values())


def test_who_and_which_cluster(client, users, cluster):
    answer = call(client, "POST", "groups/failover1/move", None, f"viewer1@{cluster.name}")
    assert answer.status_code == 403
    assert "This needs the Operator role; viewer1 is Viewer." in answer.json()["result"]["message"]
    answer = call(client, "GET", "cluster", None, "viewer1@nosuch")
    assert answer.status_code == 404 and answer.json()["result"]["message"] == "There is no cluster named nosuch."
    bare = services.create_cluster(user=users["admin"], name="bare")
    answer = call(client, "GET", "cluster", None, f"viewer1@{bare.name}")
    assert answer.status_code == 409 and "has no applied configuration: Apply" in answer.json()["result"]["message"]
    answer = call(client, "GET", "cluster", None, "viewer1")  # two clusters now: which one?
    assert answer.status_code == 400 and "name one as USER@CLUSTER" in answer.json()["result"]["message"]
    assert not TaskRun.objects.exists()
