"""Monitors on a schedule and their recovery, server loss with forced stop, verification mode."""

import time
from dataclasses import replace

import pytest

from clusters.configuration.config import frozen
from clusters.operation import health, recovery
from clusters.operation.state import applied
from clusters.runtime import Alert, ObjectState
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from tests.runs import ok, recover, run, vip_targets
from webui import nodes


def running(users, sim, variant):
    cluster = build(variant, users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    assert recover(users, cluster) == []  # all normal
    return cluster


@pytest.mark.database  # a monitoring round and its recovery's counters
def test_awsvipw_finds_a_changed_route_and_recovery_puts_it_back(users, sim):
    cluster = running(users, sim, "vip")
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]
    for table in sim["route_tables"].values():
        client(sim, "ec2").replace_route(
            RouteTableId=table, DestinationCidrBlock="10.1.0.20/32", NetworkInterfaceId=eni2
        )
    assert recover(users, cluster) == []  # retry count 1: the first failure is retried
    runs = recover(users, cluster)
    assert [r.kind for r in runs] == ["recovery"] and runs[0].status == "succeeded", runs[0].error
    expected = "Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)"
    assert Alert.objects.filter(cluster=cluster, message=expected).exists()
    assert vip_targets(sim) == {eni1}  # the resource was restarted on server1
    assert ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsvipw1").restarts == 1


def test_awseipw_finds_a_lost_association(users, sim):
    cluster = running(users, sim, "eip")
    ec2 = client(sim, "ec2")
    address = ec2.describe_addresses(AllocationIds=[sim["eip"]["allocation_id"]])["Addresses"][0]
    ec2.disassociate_address(AssociationId=address["AssociationId"])
    recover(users, cluster)
    recover(users, cluster)
    assert Alert.objects.filter(cluster=cluster, message__contains="(52 : The EIP address does not exist.)").exists()
    again = ec2.describe_addresses(AllocationIds=[sim["eip"]["allocation_id"]])["Addresses"][0]
    assert again["NetworkInterfaceId"] == sim["servers"]["server1"]["eni_id"]


def test_awsdnsw_finds_a_changed_record(users, sim):
    cluster = running(users, sim, "dns")
    route53 = client(sim, "route53")
    changed = {"Name": "srv.hz1.local.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "10.9.9.9"}]}
    # The start's own change of that record may still be PENDING: Route 53 refuses another until it is INSYNC.
    deadline = time.monotonic() + 30
    while True:
        try:
            route53.change_resource_record_sets(
                HostedZoneId=sim["hosted_zone"]["id"],
                ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": changed}]},
            )
            break
        except route53.exceptions.PriorRequestNotComplete:
            assert time.monotonic() < deadline, "the start's change of the record never turned INSYNC"
            time.sleep(0.2)
    recover(users, cluster)
    recover(users, cluster)
    assert Alert.objects.filter(
        cluster=cluster, message__contains="(53 : IP address different from the setting"
    ).exists()
    records = route53.list_resource_record_sets(HostedZoneId=sim["hosted_zone"]["id"])["ResourceRecordSets"]
    value = next(r for r in records if r["Name"] == "srv.hz1.local." and r["Type"] == "A")["ResourceRecords"]
    assert value == [{"Value": sim["servers"]["server1"]["private_ip"]}]


def test_a_lost_server_is_stopped_and_its_group_fails_over(users, sim):
    cluster = running(users, sim, "vip")
    ec2 = client(sim, "ec2")
    server1 = sim["servers"]["server1"]["instance_id"]
    ec2.stop_instances(InstanceIds=[server1])
    runs = recover(users, cluster)
    assert [r.kind for r in runs] == ["server_down"] and runs[0].status == "succeeded", runs[0].error
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server2")
    assert vip_targets(sim) == {sim["servers"]["server2"]["eni_id"]}
    assert Alert.objects.filter(cluster=cluster, message__startswith="Forced stop of server1").exists()


def test_verification_mode_dummy_failure_fails_the_group_over_without_touching_aws(users, sim):
    cluster = running(users, sim, "vip")
    ObjectState.objects.filter(cluster=cluster, kind="monitor", name="awsvipw1").update(dummy_failure=True)
    cluster.monitors.filter(name="awsvipw1").update(restart_threshold=0)
    ok(run("apply", users, cluster))  # apply the new recovery setting (no restart: fail over at once)
    recover(users, cluster)
    runs = recover(users, cluster)
    assert runs and runs[0].kind == "recovery", runs
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert group.server == "server2"
    assert Alert.objects.filter(cluster=cluster, message__contains="Dummy failure (Verification Mode).").exists()


def test_awssipw_finds_the_address_gone_and_recovery_assigns_it_again(users, sim):
    from tests import guide
    from tests.guide import same_subnet_pair

    ids = same_subnet_pair(sim)
    cluster = guide.build("sip", user=users["admin"], name="cluster-sip", ids=ids)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    ec2 = client(sim, "ec2")
    eni = ids["servers"]["server1"]["eni"]
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.110.100"])
    recover(users, cluster)
    recover(users, cluster)
    assert Alert.objects.filter(
        cluster=cluster, message__contains="(58 : Failed to process checking the secondary"
    ).exists()
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert "10.0.110.100" in {a["PrivateIpAddress"] for a in found["PrivateIpAddresses"]}


def test_suspended_monitors_are_not_watched_and_clpmonctrl_controls_them(users, sim):
    from io import StringIO

    from django.core.management import call_command

    cluster = running(users, sim, "vip")
    out = StringIO()
    call_command("clpmonctrl", cluster.name, "-s", "-m", "awsvipw1", stdout=out)
    assert out.getvalue().strip() == "Suspended: awsvipw1."
    for table in sim["route_tables"].values():
        client(sim, "ec2").replace_route(
            RouteTableId=table,
            DestinationCidrBlock="10.1.0.20/32",
            NetworkInterfaceId=sim["servers"]["server2"]["eni_id"],
        )
    assert recover(users, cluster) == [] and recover(users, cluster) == []  # nothing watched it
    call_command("clpmonctrl", cluster.name, "-r", stdout=StringIO())
    recover(users, cluster)
    assert [r.kind for r in recover(users, cluster)] == ["recovery"]


@pytest.mark.database  # select_for_update of monitor rows
def test_verification_mode_page_sets_a_dummy_failure(client, users, sim):
    from django.urls import reverse

    cluster = running(users, sim, "vip")
    client.force_login(users["operator"])
    page = client.get(reverse("verification:home", args=[cluster.pk])).text
    assert "Dummy failure of awsvipw1" in page
    client.post(
        reverse("operation:monitor_control", args=[cluster.pk]),
        {"monitor": "awsvipw1", "action": "dummy_on", "mode": "verification"},
    )
    assert ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsvipw1").dummy_failure
    assert "Clear the dummy failure of awsvipw1" in client.get(reverse("verification:home", args=[cluster.pk])).text


def test_a_server_whose_object_storage_heartbeat_stops_is_stopped_and_failed_over(users, sim, settings):
    cluster = running(users, sim, "vip")
    s3 = client(sim, "s3")
    s3.put_object(Bucket=sim["bucket"], Key=nodes.heartbeat_key(cluster.name, "server2"), Body=b"alive")
    # server1 writes no heartbeat: its cluster service is gone though its instance still runs.
    runs = recover(users, cluster)
    assert [r.kind for r in runs] == ["server_down"] and runs[0].status == "succeeded", runs
    assert runs[0].params["state"] == "no object storage heartbeat"
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server2")
    state = client(sim, "ec2").describe_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] in ("stopping", "stopped")  # forced stop
    # Fresh heartbeats from both: nothing more happens.
    settings.WEBUI_HEARTBEAT_TIMEOUT = 3600
    s3.put_object(Bucket=sim["bucket"], Key=nodes.heartbeat_key(cluster.name, "server1"), Body=b"alive")
    assert health.stale_heartbeats(cluster, applied(cluster)[1]) == {}


def test_the_aws_no_response_setting_decides_what_a_timeout_means(users, sim, settings):
    import socket
    import threading

    from webui import aws

    cluster = running(users, sim, "vip")
    silent = socket.socket()  # an endpoint that accepts and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    threading.Thread(target=lambda: [silent.accept() for _ in range(16)], daemon=True).start()
    settings.AWS_ENDPOINT_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
    settings.AWS_READ_TIMEOUT, settings.AWS_MAX_ATTEMPTS = 1, 1
    aws.reset_clients()
    expected = {"0": ("normal", None), "1": ("caution", "warning"), "2": ("error", "error")}
    try:
        for mode, (status, alert_level) in expected.items():
            Alert.objects.filter(cluster=cluster).delete()
            state = ObjectState.objects.filter(cluster=cluster, kind="monitor", name="awsvipw1")
            state.update(status="normal", failures=1)  # the retry is used up: the next failure counts
            config = applied(cluster)[1]
            monitor = replace(config.monitor("awsvipw1"), parameters=frozen({"mode": mode}))
            row = state.get()
            found = recovery.watch_on(cluster, monitor, config.resource("awsvip1"), "server1", row)
            recovery.observe(cluster, config, monitor, row, "server1", found)
            row.save()
            assert state.get().status == status, mode
            levels = set(
                Alert.objects.filter(cluster=cluster, message__contains="Timeout occurred.").values_list(
                    "level", flat=True
                )
            )
            assert levels == ({alert_level} if alert_level else set()), mode
    finally:
        silent.close()
        aws.reset_clients()


def test_an_error_answer_from_aws_is_a_detected_error_whatever_the_no_response_setting(users, sim):
    cluster = running(users, sim, "eip")
    ec2 = client(sim, "ec2")
    address = ec2.describe_addresses(AllocationIds=[sim["eip"]["allocation_id"]])["Addresses"][0]
    ec2.disassociate_address(AssociationId=address["AssociationId"])
    ec2.release_address(AllocationId=sim["eip"]["allocation_id"])  # released: AWS answers InvalidAllocationID
    config = applied(cluster)[1]
    monitor = next(m for m in config.monitors if m.type == "awseipw")
    assert monitor.parameters.get("mode", "0") == "0"  # "Do nothing" on no response
    state = ObjectState.objects.get(cluster=cluster, kind="monitor", name=monitor.name)
    watch = recovery.watch_on(
        cluster, monitor, next(r for r in config.resources if r.type == "awseip"), "server1", state
    )
    assert (watch.status, watch.code, watch.no_response) == ("error", "50", False)
    assert sim["eip"]["allocation_id"] in watch.message


def test_the_classification_of_aws_failures():
    import botocore.exceptions

    from webui import aws

    def answer(code, status):
        return botocore.exceptions.ClientError(
            {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
        )

    assert aws.failure_kind(answer("InvalidAllocationID.NotFound", 400)) == "error"
    assert aws.failure_kind(answer("UnauthorizedOperation", 403)) == "error"
    assert aws.failure_kind(answer("AuthFailure", 401)) == "error"
    assert aws.failure_kind(answer("RequestLimitExceeded", 503)) == "throttled"
    assert aws.failure_kind(answer("InternalError", 500)) == "no_response"
    assert aws.failure_kind(botocore.exceptions.ReadTimeoutError(endpoint_url="x")) == "no_response"
    assert aws.failure_kind(botocore.exceptions.EndpointConnectionError(endpoint_url="x")) == "no_response"
    assert aws.failure_kind(botocore.exceptions.NoCredentialsError()) == "error"


def test_a_failed_restart_escalates_to_failover_and_the_counts_are_kept(users, sim):
    cluster = running(users, sim, "vip")
    ec2 = client(sim, "ec2")
    for table in sim["route_tables"].values():  # the VIP route deleted out of band: a restart cannot succeed
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32")
    recover(users, cluster)  # retried once
    runs = recover(users, cluster)
    assert [r.kind for r in runs] == ["recovery"]
    state = ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsvipw1")
    assert state.restarts == 1  # kept though the reactivation failed
    assert Alert.objects.filter(
        cluster=cluster, message__startswith="Recovery: reactivating awsvip1 on server1 failed", level="error"
    ).exists()
    # The same run moved on to failover, which cannot succeed either: the states say so, not "online".
    assert state.failovers == 1
    assert runs[0].status == "failed" and "No route table of the vpc ID" in runs[0].error
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    resource = ObjectState.objects.get(cluster=cluster, kind="resource", name="awsvip1")
    assert (group.status, group.server) == ("error", "server2")
    assert resource.status == "online_failure"
    assert Alert.objects.filter(cluster=cluster, message="Group failover1 stopped on server1.").exists()
    assert Alert.objects.filter(
        cluster=cluster,
        level="error",
        message__startswith="Group failover1 could not be started; it is in error on server2. (50 : No route table",
    ).exists()
    assert state.status == "error"  # it stays in error: the recovery did not mend it


def test_server_health_that_cannot_be_read_is_a_warning_once(users, sim):
    cluster = running(users, sim, "vip")
    s3 = client(sim, "s3")
    for item in s3.list_objects_v2(Bucket=sim["bucket"]).get("Contents", []):
        s3.delete_object(Bucket=sim["bucket"], Key=item["Key"])
    s3.delete_bucket(Bucket=sim["bucket"])  # the heartbeat's bucket is gone: NoSuchBucket
    plan = applied(cluster)[1]
    assert health.stale_heartbeats(cluster, plan) == {}  # not a server loss...
    assert health.stale_heartbeats(cluster, plan) == {}
    warnings = Alert.objects.filter(cluster=cluster, level="warning", message__contains="could not be read")
    assert warnings.count() == 1  # ...but said, once
    assert "a lost server would not be noticed" in warnings.get().message
    s3.create_bucket(Bucket=sim["bucket"], CreateBucketConfiguration={"LocationConstraint": sim["region"]})
    health.stale_heartbeats(cluster, plan)
    assert Alert.objects.filter(cluster=cluster, message__contains="can be judged from the object storage").exists()


def test_a_monitors_timeout_bounds_its_aws_calls_without_leaving_threads(users, sim, settings):
    import socket
    import threading

    from webui import aws

    cluster = running(users, sim, "vip")
    silent = socket.socket()  # accepts and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    threading.Thread(target=lambda: [silent.accept() for _ in range(16)], daemon=True).start()
    settings.AWS_ENDPOINT_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
    settings.AWS_READ_TIMEOUT, settings.AWS_MAX_ATTEMPTS = 20, 4  # 80 s of retries unbounded
    aws.reset_clients()
    try:
        config = applied(cluster)[1]
        monitor = replace(config.monitor("awsvipw1"), timeout=2, parameters=frozen({"mode": "2"}))
        state = ObjectState.objects.get(cluster=cluster, kind="monitor", name="awsvipw1")
        threads = threading.active_count()
        started = time.monotonic()
        watch = recovery.watch_on(cluster, monitor, config.resource("awsvip1"), "server1", state)
        assert time.monotonic() - started < 4
        assert (watch.status, watch.code, watch.message) == ("error", "51", "Timeout occurred.")
        assert threading.active_count() <= threads  # nothing left waiting on the endpoint (others may end)
    finally:
        silent.close()
        aws.reset_clients()


@pytest.mark.parametrize("interval, tick, jitter", [(60, 5, 0.0), (10, 2, 0.6), (30, 4, 1.0), (7, 5, 1.0)])
def test_monitors_watched_together_spread_over_their_interval_and_are_never_late(interval, tick, jitter):
    """120 monitors of 12 clusters, all first watched in one round (clusters started together, a console
    back after an outage), are watched spread over their interval from then on, each every interval and
    never more than half a round late, whatever the rounds' jitter: no round watches all of them while
    the others watch none. Spreading costs each monitor one early watch (and the rounds' jitter, now and
    then, a round early)."""
    import random
    from collections import Counter
    from datetime import UTC, datetime, timedelta

    from monitors.engine import is_due, next_due, phase_of

    names = [(f"cluster{c}", f"awsazw{m}") for c in range(12) for m in range(10)]
    start = datetime(2026, 11, 30, tzinfo=UTC)
    checked, due_at, watches = dict.fromkeys(names), dict.fromkeys(names), Counter()
    per_round, gaps, shaky = [], [], random.Random(7)
    for n in range(40 * interval // tick):
        now = start + timedelta(seconds=n * tick + shaky.uniform(0, jitter))
        due = [
            key
            for key in names
            if is_due(checked_at=checked[key], due_at=due_at[key], now=now, interval=interval, tick=tick)
        ]
        for key in due:
            if watches[key] >= 2:  # after the early one
                gaps.append((now - checked[key]).total_seconds())
            due_at[key] = next_due(
                due_at=due_at[key], watched_at=now, interval=interval, phase=phase_of(*key), tick=tick
            )
            checked[key] = now
        watches.update(due)
        per_round.append(len(due))
    assert per_round[0] == len(names)  # a new monitor is watched at once
    period = max(1, round(interval / tick - 0.01)) * tick  # the interval in whole rounds
    assert max(gaps) <= period + tick / 2 + jitter  # never late
    assert min(gaps) >= period - tick - jitter  # early by a round at most, where the rounds' jitter turns it
    assert max(watches.values()) - min(watches.values()) <= 2  # each about as often as the others
    even = len(names) * tick / period  # watches per round were they perfectly spread
    assert max(per_round[1:]) <= 3 * even < len(names) or period == tick
