"""No single point of failure in the failover path, for real on loopback: the web console, two console
workers each with its beat (one scheduler acts: celery-redbeat), and a node agent per server, against
the AWS simulation (tests/faults/agents.py).

One story, in order: scripts and the LB probe port follow a move (c, d); a console worker is killed
and a VIP route changed out of band is still recovered (b); a server's agent is killed and the server
is force-stopped and its group fails over (a).
"""

import time

import pytest

from tests.faults.agents import HEARTBEAT_TIMEOUT, MONITOR_INTERVAL, AgentsCluster, answers
from tests.faults.harness import wait

pytestmark = pytest.mark.faults


@pytest.fixture
def cluster(tmp_path, users):
    (tmp_path / "markers").mkdir()
    instance = AgentsCluster(tmp_path / "var", users["admin"], tmp_path / "markers")
    yield instance
    instance.stop()


def test_the_failover_path_survives_a_lost_agent_and_a_lost_console_worker(cluster, tmp_path):
    console, markers, eni, vip = cluster.console, tmp_path / "markers", cluster.eni, cluster.ids["vip"]

    def move(server: str):
        console.operate(cluster.session, cluster.pk, operation="group_move", group="failover1", server=server)
        wait(
            lambda: (
                cluster.serves_on(server)
                and cluster.api(f"clusters/{cluster.pk}/runs?limit=1")[0]["status"] == "succeeded"
            ),
            60,
            f"the group moved to {server}",
        )

    # (d) the start script ran on server1's agent; (c) only server1's agent answers the NLB.
    assert (markers / "start-server1").read_text() == "failover1 exec1\n"
    assert cluster.serves_on("server1") and not answers("server2")
    # A move: the stop script runs on server1, the start script on server2, the probe port follows.
    move("server2")
    assert (markers / "stop-server1").exists() and (markers / "start-server2").exists()
    move("server1")

    # (b) kill -9 the worker whose beat schedules, with its beat (its host is lost): the other beat takes the
    # scheduler lock when it runs out, and the other worker watches and recovers.
    console.kill("worker-a")
    ec2 = console.boto("ec2")
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [cluster.ids["vpc"]]}])["RouteTables"]:
        if any(r.get("DestinationCidrBlock") == f"{vip}/32" for r in table["Routes"]):  # out of band, to server2
            ec2.replace_route(
                RouteTableId=table["RouteTableId"], DestinationCidrBlock=f"{vip}/32", NetworkInterfaceId=eni["server2"]
            )
    assert console.vip_targets() == {eni["server2"]}
    wait(lambda: console.vip_targets() == {eni["server1"]}, 90, "the VIP route recovered by the surviving worker")
    assert "Monitor awsvipw1 detected an error." in cluster.status()
    assert "beat: Acquired lock" in (console.var / "worker-b.log").read_text()  # its beat took over

    # (a) kill -9 the agent of the server holding the group: stale heartbeat, forced stop, failover.
    lost = time.monotonic()
    console.kill("agent-server1")
    wait(
        lambda: cluster.instance_stopped("server1") and cluster.serves_on("server2"),
        90,
        "server1 force-stopped and its group on server2",
    )
    took = time.monotonic() - lost
    page = cluster.status()
    assert "Forced stop of server1" in page and "Group failover1 failed over from server1 to server2." in page
    assert (markers / "start-server2").stat().st_mtime > time.time() - took - 1  # started again there, now
    # Detection takes the heartbeat timeout and a round; the forced stop and the activation a few seconds more.
    assert took < HEARTBEAT_TIMEOUT + MONITOR_INTERVAL + 20, took


def test_serve_runs_and_looks_after_an_agent_for_each_applied_server(tmp_path):
    from tests.faults.harness import Console

    console = Console(tmp_path / "var", serve_args=("--agents",), WEBUI_HEARTBEAT_INTERVAL=1)
    try:
        session = console.session()
        pk = console.import_guide_vip(session)
        applied = console.post(session, f"/clusters/{pk}/config/apply/")
        assert console.finish(session, applied.url) == ("succeeded", ""), applied.url

        def agents_seen() -> int:
            return session.get(f"{console.base}/clusters/{pk}/operation/status/", timeout=10).text.count("seen ")

        wait(lambda: agents_seen() == 2, 60, "both servers' agents reporting")
        console.kill_child("node_agent faults server1")  # serve starts it again
        wait(lambda: console.child("node_agent faults server1"), 30, "server1's agent restarted")
        wait(lambda: agents_seen() == 2, 60, "both servers' agents reporting again")
    finally:
        console.stop()
