"""A cluster with node agents on loopback, for tests/faults/test_node_agents.py and bench/failover.py: the
console (web, Redis, the AWS simulation), two console workers each with its beat, and an agent per server
listening on its own loopback address, as two servers would."""

import base64
import re
import socket
from pathlib import Path

import redis

from clusters.clpconf import transfer
from clusters.configuration import services
from clusters.models import Cluster
from resources.models import GroupResource
from tests import guide
from tests.faults.harness import Console, wait
from tests.parallel import loopback

PROBE_PORT = 12345  # the simulation's NLB target group health-checks this port
LISTEN = {"server1": loopback(2), "server2": loopback(3)}  # this pytest-xdist worker's own addresses
HEARTBEAT_TIMEOUT, MONITOR_INTERVAL = 6, 2
SETTINGS = {
    "WEBUI_HEARTBEAT_TIMEOUT": HEARTBEAT_TIMEOUT,
    "WEBUI_HEARTBEAT_INTERVAL": 1,
    "WEBUI_TICK_SECONDS": 1,
    "WEBUI_SCHEDULER_LOCK_SECONDS": 6,
    "WEBUI_CLUSTER_LEASE_SECONDS": 5,
    "WEBUI_NODE_CALL_SECONDS": 10,
}
CELERY = [
    "-m",
    "celery",
    "-A",
    "webui",
    "worker",
    "-B",
    "--pool=threads",
    "--concurrency=4",
    "--loglevel=INFO",
    "--without-mingle",
    "--without-gossip",
]


def _script(marker_dir: Path, event: str) -> str:
    text = f'echo "$CLP_GROUPNAME $CLP_RESOURCENAME" > "{marker_dir}/{event}-$CLP_SERVER"\n'
    return base64.b64encode(text.encode()).decode()


def cluster_zip(user, ids: dict, marker_dir: Path) -> bytes:
    """A Linux cluster as the guide builds it (VIP, object storage heartbeat, AWS forced stop), with an LB
    probe port and an exec resource whose scripts leave marker files; monitors every 2 s."""
    cluster = services.create_cluster(user=user, name="agents")
    Cluster.objects.filter(pk=cluster.pk).update(server_os="linux")  # as an imported Linux cluster is
    cluster.refresh_from_db()
    servers = [services.add_server(user=user, cluster=cluster, name=n) for n in ids["servers"]]
    per_server = dict(zip(servers, ids["servers"].values(), strict=True))
    services.add_interconnect(user=user, cluster=cluster, addresses={s: v["ip"] for s, v in per_server.items()})
    services.add_object_storage_heartbeat(user=user, cluster=cluster, bucket=ids["bucket"])
    services.set_aws_forced_stop(
        user=user, cluster=cluster, instance_ids={s: v["instance"] for s, v in per_server.items()}
    )
    group = services.add_failover_group(user=user, cluster=cluster, name="failover1")
    first, second = servers
    services.add_group_resource(
        user=user,
        group=group,
        type="awsvip",
        name="awsvip1",
        parameters={"ip": ids["vip"], "vpcid": ids["vpc"], "eniid": per_server[first]["eni"]},
        server_parameters={second: {"vpcid": ids["vpc"], "eniid": per_server[second]["eni"]}},
    )
    services.add_group_resource(
        user=user, group=group, type="lbpp", name="lbpp1", parameters={"port": PROBE_PORT, "hctimeout": 31}
    )
    exec1 = services.add_group_resource(user=user, group=group, type="exec", name="exec1")
    GroupResource.objects.filter(pk=exec1.pk).update(
        scripts={"start.sh": _script(marker_dir, "start"), "stop.sh": _script(marker_dir, "stop")}
    )
    # A lost agent must be found by its heartbeat first: the monitors' own timeouts are longer.
    cluster.monitors.update(interval=MONITOR_INTERVAL, timeout=30)
    return transfer.export_zip(user=user, cluster=cluster)


def answers(server: str) -> bool:
    """Whether `server`'s LB probe port answers (as the NLB's health check would see it)."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((LISTEN[server], PROBE_PORT)) == 0


class AgentsCluster:
    """The console without its own worker; two workers with beats; the cluster applied, agents up, started."""

    def __init__(self, var: Path, user, marker_dir: Path):
        self.console = console = Console(var, workers=False, **SETTINGS)
        try:
            self._start(user, marker_dir)
        except BaseException:
            console.stop()
            raise

    def _start(self, user, marker_dir: Path) -> None:
        console = self.console
        self.ids = guide.ids_from_sim(dict(console.ids, endpoint_url=console.proxy.url))
        self.eni = {name: server["eni"] for name, server in self.ids["servers"].items()}
        data = cluster_zip(user, self.ids, marker_dir)
        scheduler = redis.Redis.from_url(console.redis.url)
        console.start("worker-a", [*CELERY, "-n", "a@%h"])
        wait(lambda: scheduler.exists("webui:redbeat:lock"), 30, "worker a's beat holding the scheduler lock")
        console.start("worker-b", [*CELERY, "-n", "b@%h"])  # its beat waits for the lock
        self.session = session = console.session()
        response = console.post(
            session, "/clusters/import/", data={"name": "agents"}, files={"file": ("agents.zip", data)}
        )
        self.pk = int(re.search(r"/clusters/(\d+)/config/$", response.url).group(1))
        applied = console.post(session, f"/clusters/{self.pk}/config/apply/")
        assert console.finish(session, applied.url) == ("succeeded", ""), applied.url
        for server, address in LISTEN.items():
            console.start(f"agent-{server}", ["manage.py", "node_agent", "agents", server, "--listen", address])
        console.operate(session, self.pk, operation="cluster_start")
        wait(lambda: "Group failover1 started on server1." in self.status(), 60, "the group online on server1")

    def status(self) -> str:
        return self.session.get(f"{self.console.base}/clusters/{self.pk}/operation/status/", timeout=10).text

    def api(self, path: str):
        return self.session.get(f"{self.console.base}/api/webui/v1/{path}", timeout=10).json()

    def instance_stopped(self, server: str) -> bool:
        found = self.console.boto("ec2").describe_instances(InstanceIds=[self.ids["servers"][server]["instance"]])
        return found["Reservations"][0]["Instances"][0]["State"]["Name"] in ("stopping", "stopped")

    def serves_on(self, server: str) -> bool:
        """The VIP route points at `server` and only its LB probe port answers."""
        others = [s for s in LISTEN if s != server]
        return self.console.vip_targets() == {self.eni[server]} and answers(server) and not any(map(answers, others))

    def stop(self):
        self.console.stop()
