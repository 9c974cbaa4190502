"""Server operations: the cluster service stopped and started on one server, clpdown, suspend and resume."""

from clusters.runtime import Alert, ClusterState, ObjectState
from monitors import engine
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from tests.runs import ok, recover, run, vip_targets


def running(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def group(cluster):
    state = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    return state.status, state.server


def test_stopping_the_service_on_a_server_moves_its_groups_and_keeps_them_away(users, sim):
    cluster = running(users, sim)
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]
    stopped = ok(run("server_stop", users, cluster, server="server1"))
    assert stopped.result == {"server": "server1", "moved": ["failover1"]}
    assert group(cluster) == ("online", "server2") and vip_targets(sim) == {eni2}
    refused = run("group_move", users, cluster, group="failover1", server="server1")
    assert refused.error.startswith("The cluster service of server1 is stopped")
    assert group(cluster) == ("online", "server2")  # refused before anything stopped
    assert recover(users, cluster) == []  # a server stopped on purpose is not a lost server
    assert Alert.objects.filter(cluster=cluster, message="Server server1: the cluster service stopped.").exists()
    ok(run("server_start", users, cluster, server="server1"))
    ok(run("group_move", users, cluster, group="failover1", server="server1"))
    assert group(cluster) == ("online", "server1") and vip_targets(sim) == {eni1}


def test_clpdown_moves_the_groups_then_stops_or_reboots_the_instance(users, sim):
    cluster = running(users, sim)
    ec2 = client(sim, "ec2")
    instance2 = sim["servers"]["server2"]["instance_id"]
    rebooted = ok(run("server_shutdown", users, cluster, server="server2", reboot=True))
    assert rebooted.result["reboot"] and group(cluster) == ("online", "server1")
    assert ObjectState.objects.get(cluster=cluster, kind="service", name="server2").status == "online"
    ok(run("group_move", users, cluster, group="failover1", server="server2"))
    ok(run("server_shutdown", users, cluster, server="server1"))
    state = ec2.describe_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] in ("stopping", "stopped")
    assert ec2.describe_instances(InstanceIds=[instance2])["Reservations"][0]["Instances"][0]["State"]["Name"] == (
        "running"
    )
    assert group(cluster) == ("online", "server2")
    assert Alert.objects.filter(cluster=cluster, message__startswith="Server server1 is shutting down").exists()
    assert run("server_shutdown", users, cluster, server="server9").error == (
        "There is no server server9 in the applied configuration."
    )


def test_a_suspended_cluster_is_not_monitored_until_it_is_resumed(users, sim):
    cluster = running(users, sim)
    ok(run("cluster_suspend", users, cluster))
    assert ClusterState.objects.get(cluster=cluster).status == "suspend"
    for table in sim["route_tables"].values():  # a fault while suspended goes unwatched
        client(sim, "ec2").replace_route(
            RouteTableId=table,
            DestinationCidrBlock="10.1.0.20/32",
            NetworkInterfaceId=sim["servers"]["server2"]["eni_id"],
        )
    assert engine.tick(force=True) == []
    assert run("cluster_suspend", users, cluster).error == "Only a running cluster can be suspended."
    ok(run("cluster_resume", users, cluster))
    recover(users, cluster)
    runs = recover(users, cluster)
    assert [r.kind for r in runs] == ["recovery"]
