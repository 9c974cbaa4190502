"""Every recovery option the forms offer happens: a group resource's Retry Count, Failover Threshold and Final
Action at activation and deactivation failure, a monitor resource's Final Action, one fail-over rule for every
path, and an Apply that does what the change needs and no more."""

import pytest

from clusters.configuration import services
from clusters.runtime import Alert, ObjectState
from tests.guide import build_on_sim as build
from tests.guide import linux_cluster, same_subnet_pair
from tests.guide import sim_client as client
from tests.runs import ok, recover, run, vip_targets
from webui import aws, awssim

FAILS_ON_SERVER1 = '[ "$CLP_SERVER" = server1 ] && exit 7\nexit 0\n'
FAILS_ONCE = "[ -f tried ] && exit 0\ntouch tried\nexit 7\n"


def state(cluster, kind, name):
    return ObjectState.objects.filter(cluster=cluster, kind=kind, name=name).first()


def group_at(cluster):
    found = state(cluster, "group", "failover1")
    return (found.status, found.server) if found else None


def instance_state(sim, server):
    found = client(sim, "ec2").describe_instances(InstanceIds=[sim["servers"][server]["instance_id"]])
    return found["Reservations"][0]["Instances"][0]["State"]["Name"]


def exec_cluster(
    users, settings, tmp_path, sim, *, start=FAILS_ON_SERVER1, stop="exit 0\n", more=None, fenced=False, **recovery
):
    """A Linux cluster whose exec1 runs `start` and `stop`, with exec1's Recovery Operation set, applied;
    `fenced`: with AWS forced stop on the simulation's instances."""
    settings.VAR_DIR = tmp_path
    instances = {name: s["instance_id"] for name, s in sim["servers"].items()} if fenced else None
    cluster, _ = linux_cluster(users, {"start.sh": start, "stop.sh": stop}, more=more, instance_ids=instances)
    if recovery:
        services.update_group_resource(user=users["admin"], resource=cluster.resources.get(name="exec1"), **recovery)
    ok(run("apply", users, cluster))
    return cluster


# --- a group resource's Recovery Operation ---------------------------------------------------------------


def test_an_activation_is_retried_as_many_times_as_its_retry_count(users, settings, tmp_path, sim):
    cluster = exec_cluster(users, settings, tmp_path, sim, start=FAILS_ONCE, act_retry=1)
    ok(run("group_start", users, cluster, group="failover1"))
    assert group_at(cluster) == ("online", "server1")
    assert (
        state(cluster, "resource", "exec1").message
        == "start.sh exited with code 0 (by the console: no node agent on server1) (retry 1)"
    )


def test_without_retries_an_activation_failure_fails_the_group_over(users, settings, tmp_path, sim):
    cluster = exec_cluster(users, settings, tmp_path, sim)  # the product's defaults: no retry, one failover
    ok(run("group_start", users, cluster, group="failover1"))
    assert group_at(cluster) == ("online", "server2")
    assert Alert.objects.filter(
        cluster=cluster, level="error", message__startswith="Failed to start the resource exec1. (7 : start.sh"
    ).exists()
    assert Alert.objects.filter(
        cluster=cluster, message="Group failover1 failed over to server2 after an activation failure on server1."
    ).exists()


def test_with_its_failovers_spent_the_resources_final_action_stops_the_group(users, settings, tmp_path, sim):
    cluster = exec_cluster(users, settings, tmp_path, sim, act_failover=0, act_final_action="2")
    failed = run("group_start", users, cluster, group="failover1")
    assert failed.status == "failed" and "Final Action: Stop group." in failed.error
    assert group_at(cluster)[0] == "offline"  # stopped, not left half started


def test_final_action_no_operation_leaves_the_group_in_error_where_it_failed(users, settings, tmp_path, sim):
    cluster = exec_cluster(users, settings, tmp_path, sim, act_failover=0, more={"exec2": {"start.sh": "exit 0\n"}})
    failed = run("group_start", users, cluster, group="failover1")
    assert failed.status == "failed"
    assert group_at(cluster) == ("error", "server1")
    assert state(cluster, "resource", "exec1").status == "online_failure"
    assert state(cluster, "resource", "exec2") is None  # the next resource was not activated


def test_final_action_activate_next_resource_starts_the_rest_of_the_group(users, settings, tmp_path, sim):
    more = {"exec2": {"start.sh": "exit 0\n", "stop.sh": "exit 0\n"}}
    cluster = exec_cluster(users, settings, tmp_path, sim, act_failover=0, act_final_action="0", more=more)
    ok(run("group_start", users, cluster, group="failover1"))
    assert group_at(cluster) == ("error", "server1")
    assert (state(cluster, "resource", "exec1").status, state(cluster, "resource", "exec2").status) == (
        "online_failure",
        "online",
    )
    assert Alert.objects.filter(
        cluster=cluster,
        message="Group failover1 started on server1 without exec1 (Final Action: activate next resource).",
    ).exists()


def test_a_deactivation_failure_with_no_operation_keeps_the_group_where_it_is(users, settings, tmp_path, sim):
    cluster = exec_cluster(users, settings, tmp_path, sim, start="exit 0\n", stop="exit 5\n", deact_final_action="1")
    ok(run("group_start", users, cluster, group="failover1"))
    moved = run("group_move", users, cluster, group="failover1")
    assert moved.status == "failed" and "Failed to stop the resource exec1. (5 : stop.sh" in moved.error
    assert group_at(cluster) == ("error", "server1")
    assert state(cluster, "resource", "exec1").status == "offline_failure"


def test_a_deactivation_failure_shuts_the_server_down_by_default_and_the_move_goes_on(users, settings, tmp_path, sim):
    cluster = exec_cluster(
        users,
        settings,
        tmp_path,
        sim,
        fenced=True,
        start="exit 0\n",
        stop='[ "$CLP_SERVER" = server1 ] && exit 5\nexit 0\n',
    )
    ok(run("group_start", users, cluster, group="failover1"))
    ok(run("group_move", users, cluster, group="failover1", server="server2"))
    assert group_at(cluster) == ("online", "server2")
    assert instance_state(sim, "server1") in ("stopping", "stopped")  # what exec1 held goes with it
    assert state(cluster, "service", "server1").status == "offline"
    assert Alert.objects.filter(cluster=cluster, message__startswith="Server server1 is shutting down").exists()


# --- a monitor resource's Final Action -------------------------------------------------------------------


def monitor_in_error(users, sim, final_action):
    """The VIP cluster started, awsvipw1 with no reactivation and no failover left, under a dummy failure."""
    cluster = build("vip", users, sim)
    cluster.monitors.filter(name="awsvipw1").update(
        restart_threshold=0, failover_threshold=0, final_action=final_action
    )
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    assert recover(users, cluster) == []  # every monitor watched once: all normal
    ObjectState.objects.filter(cluster=cluster, kind="monitor", name="awsvipw1").update(dummy_failure=True)
    assert recover(users, cluster) == []  # its Retry Count: the first error is watched again
    with aws.CallCounter() as calls:
        [recovery] = recover(users, cluster)
    ok(recovery)
    return cluster, recovery, calls


@pytest.mark.parametrize(
    "final_action, group, server1, server1_service",
    [
        ("1", ("online", "server1"), "running", "online"),  # No operation
        ("2", ("offline", ""), "running", "online"),  # Stop group
        ("3", ("online", "server2"), "running", "offline"),  # Stop the cluster service: its groups move
        ("4", ("online", "server2"), "stopping", "offline"),  # ... and shut the OS down, through EC2
        ("5", ("online", "server2"), "running", "online"),  # ... and reboot it (back, it takes groups again)
    ],
)
def test_a_monitors_final_action_is_carried_out(users, sim, final_action, group, server1, server1_service):
    cluster, recovery, calls = monitor_in_error(users, sim, final_action)
    assert group_at(cluster) == group
    assert instance_state(sim, "server1").replace("stopped", "stopping") == server1
    service = state(cluster, "service", "server1")
    assert service.status == server1_service
    assert ("ec2.RebootInstances" in calls.calls) is (final_action == "5")
    assert ("ec2.StopInstances" in calls.calls) is (final_action == "4")
    monitor = state(cluster, "monitor", "awsvipw1")
    assert monitor.status == "error"  # still failing: it says so, not Normal
    assert "Recovery: Final Action of awsvipw1 on server1:" in recovery.result["done"]
    assert recover(users, cluster) == [] and recover(users, cluster) == []  # done once, until it is normal again


def test_a_monitors_final_action_stop_resource_stops_its_target_only(users, sim):
    cluster, _, _ = monitor_in_error(users, sim, "16")
    assert state(cluster, "resource", "awsvip1").status == "offline"
    assert group_at(cluster) == ("online", "server1")  # the rest of the group runs on


# --- one fail-over rule ---------------------------------------------------------------------------------


def three_servers(users, sim, **attributes):
    """The VIP cluster on three servers (server2 beside server1, server3 in the other AZ), applied and started."""
    from tests import guide

    ids = same_subnet_pair(sim)
    server = sim["servers"]["server2"]
    ids["servers"]["server3"] = {
        "ip": server["private_ip"],
        "instance": server["instance_id"],
        "eni": server["eni_id"],
        "az": server["availability_zone"],
    }
    for name in ("server2", "server3"):  # the VIP routes to each server's ENI: Source/Dest. Check off
        client(sim, "ec2").modify_network_interface_attribute(
            NetworkInterfaceId=ids["servers"][name]["eni"], SourceDestCheck={"Value": False}
        )
    cluster = guide.build("vip", user=users["admin"], name=f"three-{len(attributes)}", ids=ids)
    if attributes:
        services.update_group(user=users["admin"], group=cluster.groups.get(), **attributes)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster, ids


def test_a_lost_servers_groups_skip_a_server_whose_cluster_service_is_stopped(users, sim):
    """server2's service is stopped by an operator; server1 is then lost: its group goes to server3."""
    cluster, ids = three_servers(users, sim)
    ok(run("server_stop", users, cluster, server="server2"))
    client(sim, "ec2").stop_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])
    [lost] = recover(users, cluster)
    ok(lost)
    assert lost.kind == "server_down" and group_at(cluster) == ("online", "server3")
    assert vip_targets(sim) == {ids["servers"]["server3"]["eni"]}


def test_auto_failover_dynamic_prefers_the_server_running_the_fewest_groups(users, sim):
    cluster, _ = three_servers(users, sim, failover="1")
    ObjectState.objects.create(cluster=cluster, kind="group", name="other", status="online", server="server2")
    client(sim, "ec2").stop_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])
    ok(recover(users, cluster)[0])
    assert group_at(cluster) == ("online", "server3")  # not server2, next by priority but busier


def test_manual_failover_leaves_the_group_for_an_operator_to_move(users, sim):
    cluster = build("vip", users, sim)
    services.update_group(user=users["admin"], group=cluster.groups.get(), failover="2")
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    client(sim, "ec2").stop_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])
    ok(recover(users, cluster)[0])
    assert group_at(cluster)[0] == "offline"
    assert Alert.objects.filter(
        cluster=cluster, message__startswith="Group failover1 did not fail over from server1: it is set to Manual"
    ).exists()


def test_auto_failback_moves_a_group_back_to_its_first_server(users, sim):
    cluster = build("vip", users, sim)
    services.update_group(user=users["admin"], group=cluster.groups.get(), failback="1")
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    ok(run("group_move", users, cluster, group="failover1", server="server2"))
    [back] = recover(users, cluster)
    ok(back)
    assert (back.kind, back.params) == ("group_move", {"group": "failover1", "server": "server1"})
    assert group_at(cluster) == ("online", "server1")
    assert vip_targets(sim) == {sim["servers"]["server1"]["eni_id"]}


# --- Apply does what the change needs, no more ------------------------------------------------------------


def test_applying_a_comment_or_an_interval_leaves_the_running_group_alone(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    eni2 = sim["servers"]["server2"]["eni_id"]
    for table in sim["route_tables"].values():  # any activation would route the VIP back to server1's ENI
        client(sim, "ec2").replace_route(
            RouteTableId=table, DestinationCidrBlock=f"{awssim.VIP}/32", NetworkInterfaceId=eni2
        )
    admin = users["admin"]
    services.update_group_resource(
        user=admin, resource=cluster.resources.get(name="awsvip1"), comment="for the clients"
    )
    services.update_monitor_resource(
        user=admin, monitor=cluster.monitors.get(name="awsvipw1"), interval=30, comment="x"
    )
    before = Alert.objects.filter(cluster=cluster).count()
    applied = ok(run("apply", users, cluster))
    assert applied.result["operations"] == []
    assert group_at(cluster) == ("online", "server1")
    assert vip_targets(sim) == {eni2}  # untouched: no deactivation, no activation
    new = Alert.objects.filter(cluster=cluster).order_by("id")[before:]
    assert [a.message for a in new] == ["Configuration version 2 applied."]


def test_applying_a_new_vip_restarts_that_resource_only(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    ec2 = client(sim, "ec2")
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]
    for table in sim["route_tables"].values():  # the new VIP's route, for now to server2
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.1.0.21/32", NetworkInterfaceId=eni2)
    vip = cluster.resources.get(name="awsvip1")
    services.update_group_resource(user=users["admin"], resource=vip, parameters={**vip.parameters, "ip": "10.1.0.21"})
    md_before = state(cluster, "resource", "md").updated_at
    applied = ok(run("apply", users, cluster))
    assert applied.result["operations"] == [
        {"operation": "restart the resource", "group": "failover1", "resource": "awsvip1", "because": "IP Address"}
    ]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])["RouteTables"]
    targets = {
        r.get("NetworkInterfaceId")
        for t in tables
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "10.1.0.21/32"
    }
    assert targets == {eni1}  # reactivated with its new value, where its group runs
    assert state(cluster, "resource", "md").updated_at == md_before  # the rest of the group untouched
    assert group_at(cluster) == ("online", "server1")
