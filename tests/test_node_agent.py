"""Node-local work: what an agent does on its server (scripts, monitors), what the console does when a server
has no agent or a silent one, the heartbeat an agent writes, and the leases that share monitoring."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.clpconf import names as N
from clusters.configuration import services
from clusters.configuration.config import plain, revived
from clusters.configuration.draft import from_models
from clusters.node import agent, remote
from clusters.operation import health
from clusters.operation.groups import act
from clusters.operation.state import applied
from clusters.operation.status import status_context
from clusters.runtime import Alert, NodeAgent
from resources.models import GroupResource
from resources.registry import ResourceFailed
from resources.types import lbpp
from tests.guide import b64, linux_cluster
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from tests.runs import ok, recover, run
from webui import nodes


def perform(cluster, config, action, name, server="server1"):
    obj = config.resource(name) or config.monitor(name)
    payload = {
        "action": action,
        "cluster": cluster.name,
        "server": server,
        "server_os": "linux",
        "object": plain(obj),
        "target": None,
    }
    return agent.perform(payload)


def test_resources_and_monitors_reach_an_agent_unchanged(users, sim):
    cluster = build("nlb", users, sim)
    config = from_models(cluster)
    for obj in (*config.resources, *config.monitors):
        assert revived(plain(obj), cluster.server_os) == obj
        assert revived(plain(obj), cluster.server_os).spec is obj.spec


def test_scripts_run_with_the_products_variables_and_their_exit_code_decides(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    marker = tmp_path / "marker"
    cluster, config = linux_cluster(
        users,
        {
            "start.sh": f'echo "$CLP_EVENT $CLP_SERVER $CLP_GROUPNAME $CLP_RESOURCENAME" > {marker}\n',
            "stop.sh": "echo cannot stop >&2; exit 7\n",
        },
    )
    assert perform(cluster, config, "activate", "exec1") == {"ok": True, "done": "start.sh exited with code 0"}
    assert marker.read_text() == "START server1 failover1 exec1\n"
    assert perform(cluster, config, "deactivate", "exec1") == {
        "ok": False,
        "code": "7",
        "message": "stop.sh exited with code 7. cannot stop",
    }


def test_a_script_that_outlives_its_timeout_fails_the_activation(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    cluster, config = linux_cluster(users, {"start.sh": "sleep 30\n", "stop.sh": "exit 0\n"})
    started = time.monotonic()
    answer = perform(cluster, config, "activate", "exec1")
    assert answer == {"ok": False, "code": "", "message": "start.sh did not end within 2 s (start script timeout)."}
    assert time.monotonic() - started < 10


def test_a_script_missing_from_the_configuration_or_of_another_os_says_what_to_do(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    cluster, config = linux_cluster(users, {"stop.sh": "exit 0\n"})
    answer = perform(cluster, config, "activate", "exec1")
    assert answer["message"] == (
        "start.sh is not in the configuration: import the zip with "
        "scripts/failover1/exec1/start.sh, or give its full path."
    )
    bat = tmp_path / "start.bat"
    bat.write_text("exit 0\n")
    resource = config.resource("exec1")
    windows = revived(plain(resource) | {"type": "script", "parameters": {"start": str(bat)}}, "windows")
    with pytest.raises(ResourceFailed, match=r"start\.bat is a Windows batch file and this server runs linux"):
        windows.spec.activate(windows, "server1")


def test_local_monitors_watch_the_server_itself(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    disk = tmp_path / "diskw.dat"
    cluster, config = linux_cluster(
        users,
        {},
        genw1=("genw", {"path": "genw.sh"}),
        diskw1=("diskw", {"object": str(disk), "size": 100000}),
        diskw2=("diskw", {"object": str(tmp_path / "no" / "such" / "dir")}),
        userw1=("userw", {}),
    )
    assert perform(cluster, config, "watch", "genw1")["status"] == "error"
    assert perform(cluster, config, "watch", "genw1")["message"] == "genw.sh exited with code 3."
    assert perform(cluster, config, "watch", "diskw1")["status"] == "normal" and disk.stat().st_size == 100000
    found = perform(cluster, config, "watch", "diskw2")
    assert found["status"] == "error" and "No such file or directory" in found["message"]
    assert perform(cluster, config, "watch", "userw1")["status"] == "normal"


def test_without_an_agent_the_console_does_node_local_work_and_says_so(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    cluster, config = linux_cluster(
        users, {"start.sh": "exit 0\n", "stop.sh": "exit 4\n"}, genw1=("genw", {"path": "genw.sh"})
    )
    resource = config.resource("exec1")
    assert remote.act(cluster, resource, "server1", True) == (
        "start.sh exited with code 0 (by the console: no node agent on server1)"
    )
    stopped = act(cluster, resource, "server1", False)
    assert (stopped.ok, stopped.message) == (
        False,
        "4 : stop.sh exited with code 4. (by the console: no node agent on server1)",
    )
    watch = remote.watch(cluster, config.monitor("genw1"), None, "server1")
    assert watch.status == "error" and watch.message.endswith("(by the console: no node agent on server1)")


def test_a_silent_agent_is_a_server_problem_at_once(users, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    cluster, config = linux_cluster(users, {"start.sh": "exit 0\n"}, genw1=("genw", {"path": "genw.sh"}))
    long_ago = timezone.now() - timedelta(seconds=settings.WEBUI_HEARTBEAT_TIMEOUT + 30)
    NodeAgent.objects.create(
        cluster=cluster, server="server1", host="vm pid 1", listen="127.0.0.1", started_at=long_ago, seen_at=long_ago
    )
    started = time.monotonic()
    started_there = act(cluster, config.resource("exec1"), "server1", True)
    assert (started_there.name, started_there.ok) == ("exec1", False)
    assert started_there.message.startswith("The node agent of server1 has not reported for")
    watch = remote.watch(cluster, config.monitor("genw1"), None, "server1")
    assert watch.status == "error" and "heartbeat timeout" in watch.message
    assert time.monotonic() - started < 2  # nobody waited for a call it would not answer
    # Without a bucket, the agent's own beat is the heartbeat the engine judges.
    assert health.stale_heartbeats(cluster, config)["server1"].startswith("no heartbeat from its node agent for")


def test_an_agent_writes_its_servers_heartbeat_and_a_lost_standby_is_an_error_once(users, sim, settings):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))  # failover1 on server1
    _, config = applied(cluster)
    beats = {}
    for server in ("server2", "server1"):
        agent.register(cluster, server, "127.0.0.1")
        beats[server] = agent.Heartbeat(cluster, server, interval=1)
        beats[server].beat()
        time.sleep(2.1)  # server2's heartbeat is the older one by two seconds (S3 keeps whole seconds)
    keys = client(sim, "s3").list_objects_v2(Bucket=sim["bucket"], Prefix=nodes.heartbeat_key(cluster.name))
    assert sorted(o["Key"].rsplit("/", 1)[-1] for o in keys["Contents"]) == ["server1", "server2"]
    assert health.stale_heartbeats(cluster, config) == {}
    assert recover(users, cluster) == []

    settings.WEBUI_HEARTBEAT_TIMEOUT = 3  # server2's agent stopped beating; server1's beats again
    beats["server1"].beat()
    assert set(health.stale_heartbeats(cluster, config)) == {"server2"}
    assert recover(users, cluster) == []  # server2 holds no group: nothing to fail over, nothing force-stopped
    lost = Alert.objects.filter(cluster=cluster, message__startswith="Server server2 is lost (no object storage")
    assert lost.count() == 1 and lost.get().level == "error"
    beats["server1"].beat()
    recover(users, cluster)
    assert lost.count() == 1  # said once, until it is over
    beats["server2"].beat()
    recover(users, cluster)
    assert Alert.objects.filter(cluster=cluster, message="Server server2 is back (its heartbeat is fresh again).")
    assert NodeAgent.objects.get(cluster=cluster, server="server2").seen_at > timezone.now() - timedelta(seconds=5)


def test_apply_versions_the_scripts_with_the_configuration(users, sim):
    cluster = build("vip", users, sim)
    group = cluster.groups.get()
    script = services.add_group_resource(user=users["admin"], group=group, type="script", name="script1")
    GroupResource.objects.filter(pk=script.pk).update(scripts={"start.bat": b64("@echo start\r\n")})
    ok(run("apply", users, cluster))
    _, config = applied(cluster)
    assert config.resource("script1").scripts == {"start.bat": b64("@echo start\r\n")}
    key = f"clusterwebui/{cluster.name}/v1/{N.SCRIPTS_DIR}/failover1/script1/start.bat"
    assert client(sim, "s3").get_object(Bucket=sim["bucket"], Key=key)["Body"].read() == b"@echo start\r\n"


@pytest.mark.worker
def test_a_lease_keeps_a_second_worker_off_until_it_is_given_back_or_runs_out(redis_url, settings):
    from monitors.tasks import lease

    settings.CELERY_BROKER_URL = redis_url
    with lease("test:cluster", 30) as first, lease("test:cluster", 30) as second:
        assert (first, second) == (True, False)
    with lease("test:cluster", 30) as again:
        assert again  # given back at the end
    with lease("test:monitor", 1) as held:  # a worker killed while holding it: the lease runs out
        time.sleep(1.2)
        with lease("test:monitor", 30) as other:
            assert held and other


def test_operation_mode_shows_each_servers_agent(users, sim, client, settings):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    agent.register(cluster, "server1", "127.0.0.1")
    states = {name: a for name, _, _, a in status_context(cluster)["servers"]}
    assert states["server1"].status == "online" and states["server1"].text.startswith("seen 0 s ago (")
    assert (states["server2"].status, states["server2"].text) == ("pending", "none: the console stands in")
    settings.WEBUI_HEARTBEAT_TIMEOUT = -1
    assert status_context(cluster)["servers"][0][3].text.startswith("silent for 0 s (")
    client.force_login(users["viewer"])
    page = client.get(reverse("operation:status", args=[cluster.pk])).text
    assert "<th>Node agent</th>" in page and "none: the console stands in" in page


def test_a_restarted_agent_opens_the_probe_port_of_a_resource_online_on_its_server(users, sim):
    cluster = build("nlb", users, sim)  # probe port 12345
    ok(run("apply", users, cluster))
    ok(run("group_start", users, cluster, group="failover1", server="server2"))
    lbpp.close(12345)  # the agent's process was restarted: its listener is gone
    assert agent.restore(cluster, "server1") == []  # nothing of it is online there
    assert agent.restore(cluster, "server2") == ["lbpp1"] and 12345 in lbpp.LISTENERS
    lbpp.close(12345)
