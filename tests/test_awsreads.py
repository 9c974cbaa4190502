"""Monitor reads shared by a round (AWS calls grow with VPCs, not monitors), and the AWS DNS resource's Route 53
change followed from PENDING to INSYNC."""

import time
from collections import Counter

import pytest
import redis
from botocore.exceptions import EndpointConnectionError

from clusters.operation import recovery, state
from clusters.runtime import Alert, ObjectState
from monitors import engine
from monitors.registry import aws_failure
from tests import awsfleet
from tests.guide import build_on_sim
from tests.runs import ok, recover, run
from webui import aws, awsbudget, awsreads
from webui.awssim.topology import root_client


@pytest.fixture
def shared(redis_url, settings):
    """Reads shared through the tests' Redis, one round a second."""
    settings.CELERY_BROKER_URL, settings.WEBUI_TICK_SECONDS = redis_url, 1
    redis.Redis.from_url(redis_url).flushdb()
    awsbudget.reset()
    yield
    awsbudget.reset()


def started(users, cluster):
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def monitor_statuses(cluster) -> dict[str, str]:
    return dict(ObjectState.objects.filter(cluster=cluster, kind="monitor").values_list("name", "status"))


def test_monitors_of_one_kind_share_one_describe_a_round(users, sim, shared):
    [vips] = awsfleet.plan(sim, clusters=1, groups=4, kinds=("awsvip",))
    [eips] = awsfleet.plan(sim, clusters=1, groups=3, kinds=("awseip",), start=1)
    clusters = [started(users, awsfleet.build(users["admin"], plan)) for plan in (vips, eips)]
    with aws.CallCounter() as counter:
        assert recover(users, None) == []  # every monitor of both clusters watched, all normal
    calls = Counter(counter.calls)
    assert calls["ec2.DescribeRouteTables"] == 1  # 4 AWS Virtual IP monitors, one VPC
    assert calls["ec2.DescribeAddresses"] == 1  # 3 AWS Elastic IP monitors
    assert calls["ec2.DescribeAvailabilityZones"] == 1  # the two clusters' AZ monitors
    assert all(status == "normal" for c in clusters for status in monitor_statuses(c).values())
    time.sleep(1.1)  # the next round reads again
    with aws.CallCounter() as counter:
        recover(users, None)
    assert Counter(counter.calls)["ec2.DescribeRouteTables"] == 1


def test_a_read_made_before_a_move_is_not_used_to_judge_it(users, sim, shared):
    """Within one round, a monitor whose target moved after the round's read reads again (and judges right)."""
    [plan] = awsfleet.plan(sim, clusters=1, groups=2, kinds=("awsvip",))
    cluster = started(users, awsfleet.build(users["admin"], plan))
    round_start = time.time()

    def watch_all():
        for name in ("awsvipw1", "awsvipw2"):
            assert engine.watch_monitor(cluster.pk, name, force=True, round_start=round_start) is None

    watch_all()
    ok(run("group_move", users, cluster, group="failover1", server="server2"))
    with aws.CallCounter() as counter:
        watch_all()  # the same round: awsvipw2's target did not move, awsvipw1's did
    assert Counter(counter.calls)["ec2.DescribeRouteTables"] == 1  # read again after the move, once for both
    assert set(monitor_statuses(cluster).values()) == {"normal"}
    assert awsfleet.vip_targets(sim, plan["groups"][0][1]["ip"]) == {plan["servers"]["server2"]["eni"]}


def test_a_failed_read_is_shared_as_aws_answered_it(shared):
    """The round's read failed: the other monitors get the same failure, classified alike, without calling again."""
    calls = []

    def read():
        calls.append(1)
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    with pytest.raises(EndpointConnectionError):
        awsreads.lookup("route_tables", "vpc-gone", "10.1.0.1/32", read)
    with pytest.raises(aws.Failed) as caught:
        awsreads.lookup("route_tables", "vpc-gone", "10.1.0.2/32", read)
    assert len(calls) == 1
    watch = aws_failure(caught.value)
    assert (watch.status, watch.no_response, watch.message) == (
        "error",
        True,
        "Could not connect to the endpoint URL: http://127.0.0.1:9",
    )


INSYNC = 8  # seconds the simulation keeps the change PENDING


def test_the_dns_resource_follows_its_change_from_pending_to_insync(users, sim, awssim_rules):
    awssim_rules(WEBUI_AWSSIM_INSYNC_SECONDS=INSYNC)  # long enough that a loaded machine's round comes first
    cluster = build_on_sim("dns", users, sim)
    ok(run("apply", users, cluster))
    submitted = time.monotonic()
    start = ok(run("cluster_start", users, cluster))
    lines = list(start.lines.values_list("message", flat=True))
    pending = next(line for line in lines if line.startswith("Resource awsdns1 started on server1; Route 53 change"))
    assert pending.endswith(f"(UPSERT {sim['hosted_zone']['record_name']} A 10.0.110.10) is PENDING.")
    resource = ObjectState.objects.get(cluster=cluster, kind="resource", name="awsdns1")
    assert resource.details["change"]["status"] == "PENDING" and "PENDING" in resource.message
    # Before INSYNC the record is not judged, even where it is wrong.
    root_client("route53", sim["endpoint_url"], sim["region"]).change_resource_record_sets(
        HostedZoneId=sim["hosted_zone"]["id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": sim["hosted_zone"]["record_name"],
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.9.9.9"}],
                    },
                }
            ]
        },
    )
    assert recover(users, cluster) == []
    monitor = ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsdnsw1")
    assert (monitor.status, monitor.failures) == ("normal", 0)
    time.sleep(max(0.0, INSYNC + 0.2 - (time.monotonic() - submitted)))
    recover(users, cluster)  # INSYNC now: the change is recorded, and the record judged (its first failure)
    resource.refresh_from_db()
    change = resource.details["change"]
    assert change["status"] == "INSYNC" and INSYNC <= change["seconds"] < INSYNC + 10
    assert (
        resource.message
        == f"UPSERT {sim['hosted_zone']['record_name']} A 10.0.110.10: INSYNC after {change['seconds']:.1f} s"
    )
    seconds = f"{change['seconds']:.1f} s"
    insync = f"Resource awsdns1 is propagated: {change['label']} is INSYNC, {seconds} after it was submitted."
    assert Alert.objects.filter(cluster=cluster, message=insync).exists()
    assert f"Resource awsdns1: {change['label']} is INSYNC" in " ".join(start.lines.values_list("message", flat=True))
    assert ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsdnsw1").failures == 1


def test_a_dns_move_waits_out_the_records_pending_delete(users, sim, awssim_rules):
    """The move deletes the record on server 1 (PENDING), then upserts it for server 2: Route 53 refuses that
    with PriorRequestNotComplete until the delete is INSYNC, and the engine waits it out instead of failing."""
    awssim_rules(WEBUI_AWSSIM_INSYNC_SECONDS=2)
    cluster = build_on_sim("dns", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    time.sleep(2.1)
    with aws.CallCounter() as counter:
        move = ok(run("group_move", users, cluster, group="failover1", server="server2"))
    assert any(t.endswith("PriorRequestNotComplete") for t in counter.throttled)
    resource = ObjectState.objects.get(cluster=cluster, kind="resource", name="awsdns1")
    assert (resource.status, resource.server) == ("online", "server2")
    assert "tries in" in resource.message and "previous change PENDING" in resource.message
    assert not move.lines.filter(level="error").exists()


def test_check_name_resolution_asks_the_dns_server_and_only_after_insync(users, sim, awssim_rules):
    """Asked before its change is INSYNC, a new name is NXDOMAIN (the guide's 54): the engine does not ask then."""
    awssim_rules(WEBUI_AWSSIM_INSYNC_SECONDS=2)
    cluster = build_on_sim("dns", users, sim, record=f"new-{time.monotonic_ns()}.{sim['hosted_zone']['name']}")
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    config = state.applied_config(cluster)
    monitor, target = config.monitor("awsdnsw1"), config.resource("awsdns1")
    early = monitor.spec.watch(monitor, target, "server1")  # what asking now would find
    assert (early.status, early.code, early.message) == ("error", "54", "Failed to resolve domain name.")
    row = state.monitor_state(cluster, "awsdnsw1")
    assert recovery.watch_on(cluster, monitor, target, "server1", row).status == "skipped"
    time.sleep(2.2)
    assert recovery.watch_on(cluster, monitor, target, "server1", row).status == "normal"
