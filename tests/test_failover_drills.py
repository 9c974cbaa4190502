"""Failover drills: a group moves to its standby and back while it is probed; the measured outage is held against
the computed bound; a failed drill is alerted; drills start in their scheduled window."""

import io
import time
from datetime import UTC, datetime

from pypdf import PdfReader

from clusters.models import TaskRun
from clusters.operation import drillreport, drills
from clusters.runtime import Alert, Drill, DrillSchedule
from resources.models import GroupResource
from tests.conftest import ARTIFACTS
from tests.guide import build_on_sim
from tests.runs import ok, run, vip_targets


def running(variant, users, sim, **parameters):
    cluster = build_on_sim(variant, users, sim)
    if parameters:
        resource = GroupResource.objects.get(cluster=cluster, type=f"aws{variant}")
        resource.parameters = {**resource.parameters, **parameters}
        resource.save()
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def test_a_drill_measures_each_moves_outage_within_its_bound(users, sim):
    cluster = running("vip", users, sim)
    done = ok(run("drill", users, cluster))
    drill = Drill.objects.get(pk=done.result["drill"])
    assert drill.passed is True and drill.run == done and drill.version == 1
    [group] = drill.evidence["groups"]
    assert (group["source"], group["target"], group["passed"]) == ("server1", "server2", True)
    assert group["probed_by"] == "the console (no node agent on server2)"
    assert len(group["measured"]) == 2 and all(0 <= m <= group["bound"] for m in group["measured"])
    assert group["bound"] == group["worst_case"]["bounds"]["move"] > 0
    assert len(group["samples"]) >= 2 and {s["leads_to"] for s in group["samples"]} >= {"server1"}
    steps = [s["what"] for s in group["steps"]]
    assert "Resource awsvip1 started on server2." in steps and "Resource awsvip1 started on server1." in steps
    assert steps.index("failover1 online on server2") < steps.index("Move failover1: server2 -> server1")
    assert vip_targets(sim) == {sim["servers"]["server1"]["eni_id"]}  # back where it was
    assert Alert.objects.filter(cluster=cluster, message__startswith=f"Failover drill #{drill.pk} passed").exists()

    # The evidence as a report: JSON, and a PDF whose text says the same (its chart drawn beside it).
    found = drillreport.report(drill)
    assert found["passed"] is True and found["groups"][0]["steps"][0]["t"] == 0
    assert [m["to"] for m in found["groups"][0]["moves"]] == ["server2", "server1"]
    document = drillreport.pdf(drill)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "drill-report.pdf").write_bytes(document)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert f"Failover drill #{drill.pk} - {cluster.name}" in text
    assert "Group failover1: passed" in text and "Result PASSED" in text
    assert f"Computed worst case of a move: {group['bound']:g} s" in text
    assert "Resource awsvip1 started on server2." in text and "Online on" in text


def test_a_drill_with_a_planted_slow_resource_fails_and_alerts(users, sim, awssim_rules, settings):
    settings.AWS_MAX_ATTEMPTS = 1  # one attempt a call: the planted slowness fails it at once
    cluster = running("vip", users, sim, awsclitimeout=1)  # each attempt may take 0.5 s to connect and 0.5 to read
    awssim_rules(WEBUI_AWSSIM_LATENCY_MUTATING_MS="40000")  # x 0.05: ReplaceRoute takes 2 s
    done = run("drill", users, cluster)
    assert done.status == TaskRun.Status.FAILED
    drill = Drill.objects.get(cluster=cluster)
    assert drill.passed is False
    [group] = drill.evidence["groups"]
    assert not group["passed"] and "Failed to start the resource awsvip1. (9 : Timeout occurred.)" in str(
        group["steps"]
    )
    alert = Alert.objects.get(cluster=cluster, message__startswith=f"Failover drill #{drill.pk} failed")
    assert alert.level == "error"


def test_an_outage_longer_than_the_bound_fails_the_drill():
    moves = [
        {"from": "server1", "to": "server2", "stop": 10.5, "online": 12.0},
        {"from": "server2", "to": "server1", "stop": 20.0, "online": 21.0},
    ]
    leads = {9: "server1", 10: "server1", 11: None, 12: None, 13: "server2", 19: "server2", 20: "server2"}
    leads |= {21: "server2", 22: "server2", 23: "server1"}
    samples = [{"at": float(t), "leads_to": where, "seen": {}} for t, where in sorted(leads.items())]
    # Good at 10 (online on server1, led there), bad 11-12, good at 13: 3 s; the move back stops the group at 20:
    # bad 20-22 (led to server2 while it stops there, then to server1 before it is online), good at 23: 19 -> 23.
    assert drills.outages(samples, moves, "server1") == [3.0, 4.0]
    prober = type("P", (), {"error": "", "resources": ["awsvip1"]})()
    assert drills._verdict("", moves, [3.0, 4.0], 5.0, prober)[0] is True
    passed, reason = drills._verdict("", moves, [3.0, 4.0], 3.5, prober)
    assert not passed and reason == "an outage of 4 s exceeds the computed bound of 3.5 s"
    never = [s for s in samples if s["at"] < 23]
    assert drills.outages(never, moves, "server1")[1] is None


def test_a_schedule_starts_its_drill_once_in_its_window(users, sim):
    cluster = running("eip", users, sim)
    schedule = DrillSchedule.objects.create(cluster=cluster, every="week", weekday=0, hour=3, window_hours=2)
    monday = datetime(2026, 6, 1, 4, 30, tzinfo=UTC)  # a Monday, inside 03:00-05:00
    assert drills.window_start(schedule, datetime(2026, 6, 1, 5, 0, tzinfo=UTC)) is None
    assert drills.window_start(schedule, datetime(2026, 6, 2, 4, 0, tzinfo=UTC)) is None  # Tuesday
    [pk] = drills.start_due(monday)
    assert drills.start_due(monday) == []  # once per window
    started = TaskRun.objects.get(pk=pk)
    assert (started.kind, started.params) == ("drill", {"schedule": schedule.pk})
    from clusters.runs import taskruns

    taskruns.execute(pk)
    drill = Drill.objects.get(run_id=pk)
    assert drill.schedule == schedule and drill.passed is True
    assert drill.evidence["started_by"].startswith(f"schedule #{schedule.pk}")


def test_a_drill_needs_a_running_cluster(users, sim):
    cluster = build_on_sim("eip", users, sim)
    ok(run("apply", users, cluster))
    done = run("drill", users, cluster)
    assert done.status == TaskRun.Status.FAILED and "Start the cluster first" in done.error


def test_a_dns_drill_measures_the_gap_a_deleted_record_leaves(users, sim, settings, moto_server):
    """The AWS DNS resource deletes its record at deactivation: the probe, asking the simulation's DNS server (as
    of INSYNC), sees the name resolve to nothing between the two servers' records, and measures it."""
    settings.WEBUI_DNS_RESOLVER = "{}:{}".format(*moto_server["dns"])
    cluster = running("dns", users, sim)
    done = ok(run("drill", users, cluster))
    [group] = Drill.objects.get(pk=done.result["drill"]).evidence["groups"]
    seen = [s["seen"]["awsdns1"] for s in group["samples"]]
    assert "srv.hz1.local. resolves to nothing" in seen and "srv.hz1.local. resolves to 10.0.120.10" in seen
    assert group["passed"] and all(0 < m <= group["bound"] for m in group["measured"])


def test_a_node_agent_probes_until_the_console_says_stop(users, sim, redis_url, settings):
    """The agent's side of a probe (as `manage.py node_agent` serves it): samples kept in Redis as it goes, so
    the console sees the latest, until it tells the agent to stop."""
    import threading

    from clusters.node import agent, probe

    settings.CELERY_BROKER_URL = redis_url
    cluster = running("eip", users, sim)
    payload = {"action": "probe", "cluster": cluster.name, "server": "server2", "group": "failover1"}
    payload |= {"drill": "test-drill", "seconds": 30}
    seen = []

    def console():  # what the drill does on its side: watch the latest sample, then say stop
        deadline = time.monotonic() + 10
        while probe.latest("test-drill") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        seen.append(probe.latest("test-drill"))
        probe.stop("test-drill")

    threading.Thread(target=console, daemon=True).start()
    started = time.monotonic()
    answer = agent.perform(payload)
    assert time.monotonic() - started < 10  # stopped when told, long before its 30 s
    assert seen[0]["leads_to"] == "server1" and answer["ok"]
    assert answer["samples"][0]["seen"]["awseip1"].endswith(f"on {sim['servers']['server1']['eni_id']}")
