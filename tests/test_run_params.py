"""Run parameters are checked against the applied configuration before the run exists: a name that is not there,
or is no plain name, is refused on the page, the console's API and EXPRESSCLUSTER's RESTful API, by role, and
nothing is written (no run, no state, no alert)."""

import base64
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.clpconf import transfer
from clusters.models import TaskRun
from clusters.runs import taskruns
from clusters.runtime import Alert, AppliedVersion, ObjectState
from tests import guide
from tests.factories import TaskRunFactory
from webui import tokens

API = "/api/webui/v1"


@pytest.fixture
def applied(users):
    """The guide's VIP cluster with its configuration applied (failover1: awsvip1, md; servers server1, 2)."""
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    AppliedVersion.objects.create(
        cluster=cluster, number=1, conf=transfer.export_conf(user=users["admin"], cluster=cluster)
    )
    return cluster


def nothing_written():
    assert not TaskRun.objects.exists() and not ObjectState.objects.exists() and not Alert.objects.exists()


HOSTILE = {
    "nosuch": "has no group 'nosuch'",
    "failover1\u0000": "not 'failover1\\x00'",
    "x" * 100_000: "not 'xxxxxxxx",
    " failover1": "not ' failover1'",
}


def test_the_page_refuses_a_name_that_is_not_applied_with_422_and_the_names_that_are(client, users, applied):
    url = reverse("operation:operate", args=[applied.pk])
    client.force_login(users["operator"])
    for name, words in HOSTILE.items():
        answer = client.post(url, {"operation": "group_stop", "group": name})
        assert answer.status_code == 422, name
        text = answer.content.decode()
        assert words in text.replace("&#x27;", "'"), (name, text[:300])
        assert "failover1" in text
    missing = client.post(url, {"operation": "group_move", "group": "failover1", "server": "server9"})
    assert missing.status_code == 422 and "Use one of: server1, server2." in missing.content.decode()
    by_htmx = client.post(url, {"group_stop": "nosuch"}, HTTP_HX_REQUEST="true")  # a stale status table's button
    assert by_htmx.status_code == 422 and by_htmx["HX-Refresh"] == "true"  # the page reloads with the message
    client.force_login(users["viewer"])
    assert client.post(url, {"operation": "group_stop", "group": "nosuch"}).status_code == 403
    nothing_written()


def test_the_consoles_api_names_the_field_and_what_exists(client, users, applied):
    operator = f"Bearer {tokens.create_token(user=users['operator'], name='script')[1]}"
    viewer = f"Bearer {tokens.create_token(user=users['viewer'], name='script')[1]}"
    cases = [
        ("group_stop", {"group": "nosuch"}, "params.group", "Use one of: failover1."),
        ("group_stop", {"group": ["failover1"]}, "params.group", "Give the group's name as a string"),
        ("group_stop", {"group": {"name": "failover1"}}, "params.group", "Give the group's name as a string"),
        ("group_stop", {"group": 1}, "params.group", "Give the group's name as a string"),
        ("group_stop", {"group": "failover1\u0000"}, "params.group", "Give the group's name as a string"),
        ("group_stop", {"group": "x" * 100_000}, "params.group", "Give the group's name as a string"),
        ("group_stop", {}, "params.group", "Add group to params."),
        ("group_stop", {"grp": "failover1"}, "params.grp", "Use only: group."),
        ("group_move", {"group": "failover1", "server": "server9"}, "params.server", "Use one of: server1, server2."),
        ("resource_start", {"resource": "awsvip9"}, "params.resource", "Use one of: md, awsvip1."),
        ("server_stop", {"server": "nosuch"}, "params.server", "Use one of: server1, server2."),
        ("server_shutdown", {"server": "server1", "reboot": "yes"}, "params.reboot", ""),
        ("cluster_start", {"group": "failover1"}, "params.group", "Send no params."),
    ]
    for kind, params, field, fix in cases:
        body = json.dumps({"kind": kind, "params": params})
        path = f"{API}/clusters/{applied.pk}/runs"
        answer = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=operator)
        assert answer.status_code == 422, (kind, params, answer.content[:300])
        problem = answer.json()["errors"][0]
        assert problem["field"] == field and problem["fix"].startswith(fix), (kind, params, problem)
        assert len(problem["message"]) < 300  # a 100,000-character name is not echoed back
        refused = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=viewer)
        assert refused.status_code == 403
    nothing_written()
    body = json.dumps({"kind": "group_stop", "params": {"group": "failover1"}})
    path = f"{API}/clusters/{applied.pk}/runs"
    assert client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=operator).status_code == 202


def basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}@cluster1:pw-for-tests".encode()).decode()


def test_the_product_api_answers_a_non_zero_code_and_404_for_a_name_that_is_not_there(client, users, applied):
    operator = basic("operator1")
    for path, body, status in (
        ("/api/v1/groups/nosuch/stop", None, 404),
        ("/api/v1/groups/nosuch/start", None, 404),
        ("/api/v1/groups/failover1/move", {"target": "server9"}, 404),
        ("/api/v1/groups/failover1/move", {"target": ["server2"]}, 400),
        ("/api/v1/resources/nosuch/start", None, 404),
        ("/api/v1/servers/nosuch/stop", None, 404),
        ("/api/v1/monitors/nosuch/suspend", None, 404),
        (f"/api/v1/groups/{'x' * 5000}/stop", None, 404),  # no such group, however long its name
    ):
        data = json.dumps(body) if body is not None else ""
        answer = client.post(path, data, content_type="application/json", HTTP_AUTHORIZATION=operator)
        assert answer.status_code == status, (path, answer.content[:300])
        assert answer.json()["result"]["code"] != 0 and "run" not in answer.json()
    viewer = client.post(
        "/api/v1/groups/nosuch/stop", "", content_type="application/json", HTTP_AUTHORIZATION=basic("viewer1")
    )
    assert viewer.status_code == 403 and viewer.json()["result"]["code"] != 0
    nothing_written()


def test_a_cluster_with_nothing_applied_refuses_a_named_run_before_it_exists(client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    with pytest.raises(taskruns.BadParameter, match="in its applied configuration \\(there is none yet\\)") as refused:
        taskruns.start_run(kind="group_start", user=users["operator"], cluster=cluster, params={"group": "failover1"})
    assert refused.value.unknown and refused.value.field == "params.group"
    assert refused.value.fix == "Apply the Configuration File first."
    nothing_written()


def test_a_lost_workers_run_names_the_time_of_its_last_lease_renewal(users, settings):
    settings.WEBUI_RUN_LEASE_SECONDS = 30
    renewed = timezone.now() - timedelta(seconds=45)
    lost = TaskRunFactory(status=TaskRun.Status.RUNNING, lease_until=renewed + timedelta(seconds=30))
    assert taskruns.reap() == [lost.pk]
    lost.refresh_from_db()
    assert f"its last sign was at {renewed:%H:%M:%S} UTC, when it last renewed its lease" in lost.error
