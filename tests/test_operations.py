"""Apply, start, move: group resources acting on AWS (moto), and what operation mode reads."""

import socket

import pytest
from django.conf import settings

from clusters.configuration import services
from clusters.models import TaskRun
from clusters.operation.apply import SUCCESS, draft_differs
from clusters.operation.state import applied
from clusters.runtime import Alert, ObjectState
from tests import guide
from tests.guide import build_on_sim as build
from tests.guide import same_subnet_pair
from tests.guide import sim_client as client
from tests.runs import ok, run, vip_targets


@pytest.mark.database  # state.py's raw UPDATE/SELECT, applied versions
def test_apply_start_and_move_the_vip(users, sim):
    cluster = build("vip", users, sim)
    applied_run = ok(run("apply", users, cluster))
    assert list(applied_run.lines.values_list("message", flat=True))[-1] == SUCCESS
    version, _ = applied(cluster)
    assert (
        version.number == 1
        and version.distributed_to == f"s3://{sim['bucket']}/clusterwebui/{cluster.name}/v1/clp.conf"
    )
    stored = client(sim, "s3").get_object(Bucket=sim["bucket"], Key=f"clusterwebui/{cluster.name}/clp.conf")
    assert stored["Body"].read() == bytes(version.conf)
    # Make server2 the current target first, so that starting visibly moves the route to server1.
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]
    for table in sim["route_tables"].values():
        client(sim, "ec2").replace_route(
            RouteTableId=table, DestinationCidrBlock="10.1.0.20/32", NetworkInterfaceId=eni2
        )
    ok(run("cluster_start", users, cluster))
    assert vip_targets(sim) == {eni1}
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server1")
    ok(run("group_move", users, cluster, group="failover1", server="server2"))
    assert vip_targets(sim) == {eni2}
    assert ObjectState.objects.get(cluster=cluster, kind="group", name="failover1").server == "server2"
    assert Alert.objects.filter(cluster=cluster, message="Group failover1 started on server2.").exists()


def test_eip_follows_the_group(users, sim):
    cluster = build("eip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))

    def eni():
        return (
            client(sim, "ec2")
            .describe_addresses(AllocationIds=[sim["eip"]["allocation_id"]])["Addresses"][0]
            .get("NetworkInterfaceId")
        )

    assert eni() == sim["servers"]["server1"]["eni_id"]
    ok(run("group_move", users, cluster, group="failover1"))
    assert eni() == sim["servers"]["server2"]["eni_id"]


def test_sip_moves_between_the_enis(users, sim):
    ids = same_subnet_pair(sim)
    cluster = guide.build("sip", user=users["admin"], name="cluster-sip", ids=ids)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    ec2 = client(sim, "ec2")

    def holder():
        enis = [ids["servers"]["server1"]["eni"], ids["servers"]["server2"]["eni"]]
        found = ec2.describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
        return [
            e["NetworkInterfaceId"]
            for e in found
            if "10.0.110.100" in {a["PrivateIpAddress"] for a in e["PrivateIpAddresses"]}
        ]

    assert holder() == [ids["servers"]["server1"]["eni"]]
    ok(run("group_move", users, cluster, group="failover1"))
    assert holder() == [ids["servers"]["server2"]["eni"]]


def test_dns_record_follows_the_group_and_is_deleted_at_stop(users, sim):
    cluster = build("dns", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    route53 = client(sim, "route53")

    def values():
        records = route53.list_resource_record_sets(HostedZoneId=sim["hosted_zone"]["id"])["ResourceRecordSets"]
        return [r["ResourceRecords"][0]["Value"] for r in records if r["Name"] == "srv.hz1.local." and r["Type"] == "A"]

    assert values() == [sim["servers"]["server1"]["private_ip"]]
    ok(run("group_move", users, cluster, group="failover1"))
    assert values() == [sim["servers"]["server2"]["private_ip"]]
    ok(run("cluster_stop", users, cluster))
    assert values() == []  # "Delete a resource record set at deactivation" is on


def test_lb_probe_port_listens_while_active(users, sim):
    cluster = build("nlb", users, sim)  # port 12345, the target group's health check port
    ok(run("apply", users, cluster))

    def port_open() -> bool:
        with socket.socket() as probe:
            probe.settimeout(1)
            return probe.connect_ex((settings.WEBUI_NODE_LISTEN, 12345)) == 0

    assert not port_open()
    ok(run("group_start", users, cluster, group="failover1"))
    assert port_open()
    ok(run("group_stop", users, cluster, group="failover1"))
    assert not port_open()


@pytest.mark.database  # rollback of the stored version
def test_a_failing_apply_leaves_the_previous_version_in_force(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    vip = cluster.resources.get(type="awsvip")
    services.update_group_resource(user=users["admin"], resource=vip, parameters={**vip.parameters, "ip": "10.0.5.5"})
    assert draft_differs(cluster, applied(cluster)[0])
    failed = run("apply", users, cluster)
    assert failed.status == TaskRun.Status.FAILED
    assert "53 : The VIP address belongs to a VPC subnet." in failed.error
    version, config = applied(cluster)
    assert version.number == 1
    assert next(r for r in config.resources if r.type == "awsvip").parameters["ip"] == "10.1.0.20"
    assert ObjectState.objects.get(cluster=cluster, kind="group", name="failover1").status == "online"


def test_applying_a_change_while_running_restarts_the_changed_group(users, sim):
    cluster = build("dns", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    dns = cluster.resources.get(type="awsdns")
    services.update_group_resource(user=users["admin"], resource=dns, parameters={**dns.parameters, "ttl": 60})
    second = ok(run("apply", users, cluster))
    assert second.result["operations"] == [
        {"operation": "restart the resource", "group": "failover1", "resource": "awsdns1", "because": "TTL"}
    ]
    records = client(sim, "route53").list_resource_record_sets(HostedZoneId=sim["hosted_zone"]["id"])
    ttl = next(r["TTL"] for r in records["ResourceRecordSets"] if r["Name"] == "srv.hz1.local." and r["Type"] == "A")
    assert ttl == 60


@pytest.mark.parametrize("kind", ["group_start", "group_move", "cluster_start"])
def test_operations_need_an_applied_configuration(users, sim, kind):
    cluster = build("vip", users, sim)
    failed = run(kind, users, cluster, group="failover1")
    assert failed.error == "The cluster has no applied configuration: Apply the Configuration File first."


def test_a_change_to_the_servers_suspends_and_resumes_the_cluster(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    ObjectState.objects.create(cluster=cluster, kind="monitor", name="awsazw1", status="suspend")  # by the user
    ObjectState.objects.create(cluster=cluster, kind="monitor", name="awsvipw1", status="normal")
    witness = cluster.heartbeats.get(kind="witness")
    witness.parameters = {**witness.parameters, "port": 8080}
    witness.save()
    second = ok(run("apply", users, cluster))
    assert second.result["operations"] == [{"operation": "suspend and resume the cluster", "because": "heartbeats"}]
    messages = list(second.lines.values_list("message", flat=True))
    assert "The cluster is suspended: its monitor resources pause." in messages
    assert "The cluster is resumed with the new configuration." in messages
    statuses = dict(ObjectState.objects.filter(cluster=cluster, kind="monitor").values_list("name", "status"))
    assert statuses == {"awsazw1": "suspend", "awsvipw1": "normal"}  # the user's suspension stays


def test_the_status_partial_reads_only_the_database(users, sim):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from monitors import engine
    from webui import aws

    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    web = Client()
    web.force_login(users["viewer"])
    url = reverse("operation:status", args=[cluster.pk])
    with aws.CallCounter() as calls, CaptureQueriesContext(connection) as queries:
        page = web.get(url).content.decode()
    assert len(calls) == 0, calls.calls  # no AWS call per poll, whatever AWS does
    assert "running" in page  # the instance states the apply recorded
    first = len(queries)
    client(sim, "ec2").stop_instances(InstanceIds=[sim["servers"]["server2"]["instance_id"]])
    engine.tick(force=True)  # the engine reads EC2 and records it; the page shows what it recorded
    server2 = ObjectState.objects.get(cluster=cluster, kind="server", name="server2")
    assert (server2.status, server2.message) in {("offline", "stopping"), ("offline", "stopped")}
    with CaptureQueriesContext(connection) as queries:
        assert server2.message in web.get(url).content.decode()
    assert len(queries) == first


def test_a_move_whose_target_cannot_start_the_group_brings_it_back_on_the_source(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    eni1 = sim["servers"]["server1"]["eni_id"]
    # server2's ENI stops existing after the apply (as if deleted out of band): the VIP cannot go there.
    from django.utils import timezone

    from clusters.runtime import AppliedVersion

    version = applied(cluster)[0]
    eni2 = sim["servers"]["server2"]["eni_id"].encode()
    AppliedVersion.objects.filter(pk=version.pk).update(  # a version never changes: this one is applied anew
        conf=bytes(version.conf).replace(eni2, b"eni-0000000000000dead"), applied_at=timezone.now()
    )
    moved = run("group_move", users, cluster, group="failover1", server="server2")
    assert moved.status == "failed"
    assert moved.error == "Group failover1 could not start on server2; it runs on server1 again."
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server1")  # the truth: where the VIP route points
    assert vip_targets(sim) == {eni1}
    assert Alert.objects.filter(cluster=cluster, message__startswith="Group failover1 failed over to server1").exists()


def test_one_resource_restarts_without_bouncing_its_group(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]
    for table in sim["route_tables"].values():  # someone edits the route table by hand
        client(sim, "ec2").replace_route(
            RouteTableId=table, DestinationCidrBlock="10.1.0.20/32", NetworkInterfaceId=eni2
        )
    md_before = ObjectState.objects.get(cluster=cluster, kind="resource", name="md").updated_at
    ok(run("resource_stop", users, cluster, resource="awsvip1"))
    assert ObjectState.objects.get(cluster=cluster, kind="resource", name="awsvip1").status == "offline"
    started = ok(run("resource_start", users, cluster, resource="awsvip1"))
    assert started.result == {"resource": "awsvip1", "server": "server1"}  # where its group runs
    assert vip_targets(sim) == {eni1}
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server1")
    assert ObjectState.objects.get(cluster=cluster, kind="resource", name="md").updated_at == md_before  # untouched
    assert Alert.objects.filter(cluster=cluster, message="Resource awsvip1 started on server1.").exists()
    refused = run("resource_start", users, cluster, resource="awsvip1", server="server2")
    assert refused.error == "Group failover1 runs on server1: awsvip1 can start only there."
    assert run("resource_stop", users, cluster, resource="nope").error == (
        "There is no group resource nope in the applied configuration."
    )


def test_a_group_start_reports_when_each_resource_acted(users, sim):
    """What bench/failover.py divides a move by: the time with a resource acting, the rest the console's."""
    from clusters.operation.groups import Timing, activate_on, levels

    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    config = applied(cluster)[1]
    timings = activate_on(cluster, config, "failover1", "server1", lambda *line: None).timings
    names = [sorted(r.name for r in level) for level in levels(config, "failover1")]
    assert [sorted(t.spans) for t in timings] == names
    assert all(0 <= start <= end <= t.wall for t in timings for start, end in t.spans.values())
    assert all(max(t.resources.values()) <= t.acting() <= t.wall for t in timings)
    assert ObjectState.objects.get(cluster=cluster, kind="group", name="failover1").server == "server1"
    assert Alert.objects.filter(
        cluster=cluster,
        message="Group failover1 started on server1.",
        object_kind="group",
        object_name="failover1",
        server="server1",
    ).exists()
    # Overlapping actions count once; a gap between them is the console's.
    assert Timing(1.0, {"a": (0.1, 0.5), "b": (0.2, 0.3), "c": (0.6, 0.7)}).acting() == pytest.approx(0.5)


@pytest.mark.database  # bulk_update of JSON, ignore_conflicts
def test_a_server_round_rewrites_only_the_servers_whose_ec2_state_changed(users, sim):
    from clusters.aws.account import AwsAccount
    from clusters.operation.state import record_server_states

    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    config = applied(cluster)[1]

    def rows():
        return {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind="server")}

    record_server_states(cluster, config, AwsAccount())
    first = rows()
    record_server_states(cluster, config, AwsAccount())
    second = rows()
    for name in ("server1", "server2"):
        assert second[name].checked_at > first[name].checked_at  # the status page's "read at"
        assert (second[name].status, second[name].message, second[name].details, second[name].updated_at) == (
            first[name].status,
            first[name].message,
            first[name].details,
            first[name].updated_at,
        )
    client(sim, "ec2").stop_instances(InstanceIds=[sim["servers"]["server2"]["instance_id"]])
    record_server_states(cluster, config, AwsAccount())
    third = rows()
    assert third["server2"].status == "offline" and third["server2"].updated_at > second["server2"].updated_at
    assert third["server1"].updated_at == second["server1"].updated_at < third["server1"].checked_at
