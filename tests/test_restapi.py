"""EXPRESSCLUSTER's RESTful API as NEC's own clients call it (tests/restapi_client.py: the status panel and the
chat assistant), over HTTP against a live console and a real Celery worker, on a started VIP cluster: every
call, and what it changed (a move, a ratio, a dummy failure seen in status)."""

import base64
import json
from datetime import datetime
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from clusters.models import TaskRun
from clusters.operation import scripts, state
from monitors import engine
from tests.conftest import point_celery_at
from tests.guide import build_on_sim as build
from tests.guide import sim_client
from tests.restapi_client import Assistant, Panel, PanelError
from tests.runs import ok, run, vip_targets, wait_for_end
from webui.celery import app

PASSWORD = "pw-for-tests"  # the users fixture's


@pytest.fixture
def running_cluster(users, sim):
    cluster = build("vip", users, sim)
    scripts.add_script(user=users["admin"], cluster=cluster, name="hello.sh", content=b"echo hello $CLP_SERVER\n")
    scripts.add_script(user=users["admin"], cluster=cluster, name="fail.sh", content=b"echo broken >&2\nexit 3\n")
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def statuses(items) -> dict:
    return {item["name"]: item["status"] for item in items}


def test_the_samples_reads_and_the_panels_status(live_server, users, running_cluster):
    """The older Integrated-Cluster-WebUI sample's reads and the panel's, with their shapes."""
    panel = Panel(live_server.url, f"viewer1@{running_cluster.name}", PASSWORD)
    status = panel.get_cluster_status()
    assert status["cluster"] == {"name": running_cluster.name, "status": "Online"}
    assert status["servers"] == [{"name": "server1", "status": "Online"}, {"name": "server2", "status": "Online"}]
    assert status["groups"] == [
        {
            "name": "failover1",
            "status": "Online",
            "current": "server1",
            "resources": [{"name": "md"}, {"name": "awsvip1"}],
        }
    ]
    assert {r["name"]: (r["type"], r["status"], r["current"], r["group"]) for r in status["resources"]} == {
        "md": ("md", "Online", "server1", "failover1"),
        "awsvip1": ("awsvip", "Online", "server1", "failover1"),
    }
    monitors = {m["name"]: m for m in status["monitors"]}
    assert set(monitors) == {"awsvipw1", "awsazw1", "mdw1"}
    assert monitors["awsvipw1"]["type"] == "awsvipw" and monitors["awsvipw1"]["status"] == "Normal"
    # Monitor Timing Active: watched only where its target runs; elsewhere Offline, as the product shows.
    assert monitors["awsvipw1"]["servers"] == [
        {"name": "server1", "status": "Normal"},
        {"name": "server2", "status": "Offline"},
    ]
    # The same words as clpstat's, object by object.
    out = StringIO()
    call_command("clpstat", running_cluster.name, "--json", stdout=out)
    clpstat = json.loads(out.getvalue())
    for kind, current in (("servers", None), ("groups", "current_server"), ("resources", "server"), ("monitors", None)):
        assert [(o["name"], o["status"], (o[current] or "None") if current else "") for o in clpstat[kind]] == [
            (o["name"], o["status"], o["current"] if current else "") for o in status[kind]
        ]
    assert panel.get_server_names() == [{"name": "server1"}, {"name": "server2"}]
    assert panel.get_group_names() == [{"name": "failover1"}]
    assert panel.get_group_resources("failover1") == [
        {"name": "failover1", "resources": [{"name": "md"}, {"name": "awsvip1"}]}
    ]
    assert panel.get_resource_names() == [{"name": "md"}, {"name": "awsvip1"}]
    assert {m["name"] for m in panel.get_monitor_names()} == {"awsvipw1", "awsazw1", "mdw1"}
    assert panel.get_servers("server2") == [{"name": "server2", "status": "Online"}]
    assert panel.get_groups("failover1")[0]["current"] == "server1"
    assert panel.get_resources("awsvip1")[0]["status"] == "Online"
    assert panel.get_monitors("awsazw1")[0]["name"] == "awsazw1"
    assert panel.get_toratio() == {"toratio": 1}
    # The metrics of X 6.0.
    assistant = Assistant(live_server.url, f"viewer1@{running_cluster.name}", PASSWORD)
    uptime = assistant.succeeded("get_groups_uptime", groupname="failover1")["groups"]
    assert uptime[0]["name"] == "failover1" and uptime[0]["uptime"] >= 0
    applied = assistant.succeeded("get_config_last_applied_date")["config"]["last-applied-date"]
    assert datetime.fromisoformat(applied) == state.applied(running_cluster)[0].applied_at
    # Mirror disk backup is not this console's: a clear refusal in the product's shape, never a 404 page.
    answer = assistant.call("get_mirror_backup_status")
    assert answer["error"] == "HTTP 501" and "does not back up mirror disks" in answer["detail"]
    operator = Assistant(live_server.url, f"operator1@{running_cluster.name}", PASSWORD)
    answer = operator.call("mirror_restore_postaction", online=True)
    assert answer["error"] == "HTTP 501" and "does not restore mirror disks" in answer["detail"]
    # A Viewer reads only.
    with pytest.raises(PanelError, match="needs the Operator role"):
        panel.group("move", "failover1", "server2")


@pytest.mark.worker
def test_every_operation_as_the_panel_and_the_assistant_call_it(
    live_server, users, running_cluster, sim, celery_worker
):
    cluster = running_cluster
    panel = Panel(live_server.url, f"operator1@{cluster.name}", PASSWORD)
    assistant = Assistant(live_server.url, f"operator1@{cluster.name}", PASSWORD)
    eni = {name: s["eni_id"] for name, s in sim["servers"].items()}

    # Groups: a move (and its VIP route), back by failover policy, stop where it runs, every group on a server.
    panel.group("move", "failover1", "server2")
    assert panel.last[0] == 200 and panel.last[1]["run"]["status"] == "succeeded"
    assert panel.get_groups("failover1")[0]["current"] == "server2" and vip_targets(sim) == {eni["server2"]}
    assistant.succeeded("move_group", groupname="failover1")  # no target: the failover policy's next server
    assert panel.get_groups("failover1")[0]["current"] == "server1"
    with pytest.raises(PanelError, match="does not run on server2"):
        panel.group("stop", "failover1", "server2")
    panel.group("stop", "failover1", "server1")
    assert panel.get_groups("failover1")[0] == {
        "name": "failover1",
        "status": "Offline",
        "current": "None",
        "resources": [{"name": "md"}, {"name": "awsvip1"}],
    }
    panel.group("start", target="server2")  # every group that may start there
    assert panel.get_groups("failover1")[0]["current"] == "server2"
    assistant.succeeded("stop_group", target="server2")
    assert panel.get_groups("failover1")[0]["status"] == "Offline"
    panel.group("start", "failover1")
    assert panel.get_groups("failover1")[0]["current"] == "server1"

    # One group resource alone.
    panel.stop_resource("awsvip1")
    assert panel.get_resources("awsvip1")[0]["status"] == "Offline"
    panel.start_resource("awsvip1", "server1")
    assert panel.get_resources("awsvip1")[0]["status"] == "Online" and vip_targets(sim) == {eni["server1"]}

    # Monitors: on one server or every server; a dummy failure is an Error where it is.
    panel.monitor("awsazw1", "suspend", "server2")
    azw = panel.get_monitors("awsazw1")[0]
    assert statuses(azw["servers"]) == {"server1": "Normal", "server2": "Suspend"} and azw["status"] == "Normal"
    panel.monitor("awsazw1", "resume", "server2")
    assert statuses(panel.get_monitors("awsazw1")[0]["servers"]) == {"server1": "Normal", "server2": "Normal"}
    assistant.succeeded("start_monitor_dummy_failure", monitorname="awsazw1", target="")
    azw = panel.get_monitors("awsazw1")[0]
    assert azw["status"] == "Error" and statuses(azw["servers"]) == {"server1": "Error", "server2": "Error"}
    assistant.succeeded("stop_monitor_dummy_failure", monitorname="awsazw1", target="")
    assert panel.get_monitors("awsazw1")[0]["status"] == "Normal"

    # The timeout ratio: set, read, reset.
    panel.set_toratio(5, "2h")
    assert panel.get_toratio() == {"toratio": 5} and state.timeout_ratio(cluster).ratio == 5
    panel.reset_toratio()
    assert panel.get_toratio() == {"toratio": 1}

    # A server's dummy failure: it looks failed (Offline) at once; the next round fails its group over.
    assistant.succeeded("start_server_dummy_failure", servername="server1")
    assert statuses(panel.get_servers()) == {"server1": "Offline", "server2": "Online"}
    started = engine.tick(force=True)
    assert [TaskRun.objects.get(pk=pk).kind for pk in started] == ["server_down"]
    assert wait_for_end(TaskRun.objects.get(pk=started[0])).status == "succeeded"
    assert panel.get_groups("failover1")[0]["current"] == "server2" and vip_targets(sim) == {eni["server2"]}
    assistant.succeeded("stop_server_dummy_failure", servername="server1")
    assert statuses(panel.get_servers()) == {"server1": "Online", "server2": "Online"}

    # Scripts of the cluster's configuration, on a server named or given by its address.
    panel.run_script("hello.sh", "server1", 30, "")
    assert panel.last[1]["script"] == {
        "name": "hello.sh",
        "target": "server1",
        "exitcode": 0,
        "output": "hello server1",
    }
    answer = assistant.succeeded("run_script", script="hello.sh", target=sim["servers"]["server2"]["private_ip"])
    assert answer["script"]["target"] == "server2"
    with pytest.raises(PanelError, match="exited with code 3"):
        panel.run_script("fail.sh", "server1", 30, "")
    assert panel.last[0] == 409 and panel.last[1]["script"]["exitcode"] == 3

    # Servers: the cluster service, and a reboot through EC2.
    panel.server("server1", "stop")
    assert statuses(panel.get_servers())["server1"] == "Offline"
    panel.server("server1", "start")
    assert statuses(panel.get_servers())["server1"] == "Online"
    panel.server("server1", "reboot")
    assert panel.last[1]["run"]["status"] == "succeeded"

    # The whole cluster.
    panel.cluster("suspend")
    assert panel.get_cluster()["status"] == "Suspend"
    assert {m["status"] for m in panel.get_monitors()} == {"Suspend"}
    panel.cluster("resume")
    panel.cluster("stop")
    status = panel.get_cluster_status()
    assert status["cluster"]["status"] == "Offline" and {m["status"] for m in status["monitors"]} == {"Offline"}
    assert {s["status"] for s in status["servers"]} == {"Offline"}
    panel.cluster("start")
    assert panel.get_groups("failover1")[0]["status"] == "Online"
    panel.cluster("reboot")  # stop, reboot every instance, start again
    assert panel.get_cluster()["status"] == "Online" and panel.get_groups("failover1")[0]["status"] == "Online"
    panel.cluster("shutdown")
    assert panel.get_cluster()["status"] == "Offline"
    ec2 = sim_client(sim, "ec2")
    instances = [s["instance_id"] for s in sim["servers"].values()]
    found = ec2.describe_instances(InstanceIds=instances)["Reservations"]
    assert {i["State"]["Name"] for r in found for i in r["Instances"]} <= {"stopping", "stopped"}


def test_a_long_operation_is_answered_accepted_with_the_run_to_follow(
    live_server, users, running_cluster, settings, redis_url
):
    """No worker takes the run within the wait: HTTP 202, code 0 and an empty message (the panel does not report a
    failure), and the run to follow."""
    before = app.conf.broker_url
    point_celery_at(redis_url)  # a broker, but no worker: the run stays pending
    settings.WEBUI_RESTAPI_WAIT_SECONDS = 0.5
    token = base64.b64encode(f"operator1@{running_cluster.name}:{PASSWORD}".encode()).decode()
    try:
        response = requests.post(
            f"{live_server.url}/api/v1/groups/failover1/move", headers={"Authorization": f"Basic {token}"}, timeout=10
        )
        app.control.purge()  # the message no worker took
    finally:
        point_celery_at(before)
    answer = response.json()
    assert response.status_code == 202 and answer["result"] == {"code": 0, "message": ""}
    assert answer["run"]["status"] == "pending" and answer["run"]["url"].endswith(f"/runs/{answer['run']['id']}/")
