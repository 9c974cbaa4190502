"""The timeout ratio (cluster/toratio, the product's clptoratio) is carried out: it multiplies every monitor's
timeout and the heartbeat timeout until it expires, is kept in the database, and Operation Mode shows it."""

import base64
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from clusters.clpconf import writer
from clusters.configuration.draft import from_models
from clusters.operation import health, state
from clusters.runtime import AppliedVersion, ClusterState, NodeAgent
from monitors import engine
from monitors.models import MonitorResource
from tests.guide import b64, linux_cluster

PASSWORD = "pw-for-tests"


def applied(cluster) -> None:
    config = from_models(cluster)
    AppliedVersion.objects.create(
        cluster=cluster, number=1, conf=writer.render_config(config), files=config.files("scripts", "monitor.s")
    )


def basic(user: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()}


def test_the_ratio_multiplies_a_monitors_timeout(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"}, genw1=("genw", {"path": "genw.sh"}))
    MonitorResource.objects.filter(cluster=cluster, name="genw1").update(
        timeout=1, retry_count=5, scripts={"genw.sh": b64("sleep 1.5\n")}
    )
    applied(cluster)
    engine.watch_monitor(cluster.pk, "genw1", force=True)  # 1 s: the script does not end in time
    assert state.monitor_state(cluster, "genw1").failures == 1
    state.set_timeout_ratio(cluster, 3, timezone.now() + timedelta(hours=1))
    engine.watch_monitor(cluster.pk, "genw1", force=True)  # 3 s: it ends
    row = state.monitor_state(cluster, "genw1")
    assert (row.status, row.failures) == ("normal", 0)


def test_the_ratio_multiplies_the_heartbeat_timeout_and_expires(users, settings):
    settings.WEBUI_HEARTBEAT_TIMEOUT = 60
    cluster, config = linux_cluster(users, {"start.sh": "exit 0\n"})
    now = timezone.now()
    NodeAgent.objects.create(cluster=cluster, server="server2", host="h", listen="", started_at=now, seen_at=now)
    NodeAgent.objects.filter(cluster=cluster).update(seen_at=now - timedelta(seconds=100))
    assert health.stale_heartbeats(cluster, config) == {"server2": "no heartbeat from its node agent for 100 s"}
    state.set_timeout_ratio(cluster, 2, now + timedelta(minutes=5))
    assert health.heartbeat_timeout(cluster) == 120 and health.stale_heartbeats(cluster, config) == {}
    # Kept in the database (a restarted console reads it back), in force until it expires.
    assert ClusterState.objects.filter(cluster=cluster, toratio=2).exists()
    ClusterState.objects.filter(cluster=cluster).update(toratio_until=now - timedelta(seconds=1))
    assert state.timeout_ratio(cluster) == state.TimeoutRatio() and health.heartbeat_timeout(cluster) == 60


def test_set_through_the_api_and_shown_in_operation_mode(client, users):
    cluster, _ = linux_cluster(users, {"start.sh": "exit 0\n"})
    applied(cluster)
    operator = basic(f"operator1@{cluster.name}")
    body = {"ratio": 10, "time": "90m"}
    answer = client.post(reverse("restapi:toratio_set"), body, content_type="application/json", **operator)
    assert answer.json() == {"result": {"code": 0, "message": ""}, "cluster": {"toratio": 10}}
    until = state.timeout_ratio(cluster).until
    assert timedelta(minutes=89) < until - timezone.now() <= timedelta(minutes=90)
    client.force_login(users["viewer"])
    page = client.get(reverse("operation:status", args=[cluster.pk])).text
    assert f"Timeout ratio 10 until {timezone.localtime(until):%Y-%m-%d %H:%M:%S}" in page
    assert "The timeout ratio is 10 until" in state.recent_alerts(cluster, 1)[0].message
    client.logout()
    answer = client.generic("POST", reverse("restapi:toratio_reset"), **operator)  # no body, as the panel sends
    assert answer.json()["cluster"] == {"toratio": 1} and state.timeout_ratio(cluster).ratio == 1
    client.force_login(users["viewer"])
    assert "Timeout ratio" not in client.get(reverse("operation:status", args=[cluster.pk])).text
