"""The node agent: what runs on each cluster server (`manage.py node_agent CLUSTER SERVER`).

It is a Celery worker on the server's own queue (webui.nodes.queue), with a thread pool so that the
LB probe port's listener lives in the process that opens and closes it. Beside the worker, a
heartbeat thread writes the server's object storage heartbeat (with the instance's own AWS role)
and records the agent as seen. The agent does only what the console sends it; the decisions
(failover, forced stop, recovery) stay with the console's workers.
"""

import json
import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from clusters.configuration.config import revived
from clusters.models import Cluster
from clusters.node import probe, rexec
from clusters.operation import state
from clusters.operation.state import applied
from clusters.runtime import NodeAgent
from resources.registry import ResourceFailed
from resources.types import lbpp
from webui import aws, nodes
from webui.celery import app

logger = logging.getLogger(__name__)


def perform(payload: dict) -> dict:
    """One piece of node-local work, as the console sent it; the answer is plain data (no exception crosses)."""
    if payload["action"] == "rexec":  # a cluster script (the RESTful API's scripts/run)
        try:
            return {"ok": True, **rexec.run_here(payload, stand_in=False)}
        except rexec.ScriptRefused as exc:
            return {"ok": False, "message": str(exc)}
    if payload["action"] == "probe":  # a drill's probe of a group's addresses from this server
        cluster = Cluster.objects.get(name=payload["cluster"])
        listen = dict(NodeAgent.objects.filter(cluster=cluster).values_list("server", "listen"))
        return probe.serve(payload, applied(cluster)[1], listen)
    obj = revived(payload["object"], payload["server_os"])
    target = revived(payload["target"], payload["server_os"]) if payload.get("target") else None
    server, action = payload["server"], payload["action"]
    if action == "watch":
        try:
            found = obj.spec.watch(obj, target, server)
        except Exception as exc:  # a monitor that cannot watch is an error, said as such
            return {"status": "error", "code": "", "message": f"{type(exc).__name__}: {exc}"}
        return {"status": found.status, "code": found.code, "message": found.message, "no_response": found.no_response}
    try:
        done = (obj.spec.activate if action == "activate" else obj.spec.deactivate)(obj, server)
    except ResourceFailed as exc:
        return {"ok": False, "code": exc.code, "message": exc.message}
    except Exception as exc:
        return {"ok": False, "code": "", "message": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "done": done}


class Heartbeat(threading.Thread):
    """Writes the server's heartbeat object every interval, and marks the agent as seen."""

    def __init__(self, cluster: Cluster, server: str, interval: float):
        super().__init__(name="heartbeat", daemon=True)
        self.cluster, self.server, self.interval = cluster, server, interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                self.beat()
            except Exception:  # the next beat tries again; a server that cannot beat is judged lost
                logger.exception("heartbeat of %s failed", self.server)
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)
        connection.close()

    def beat(self) -> None:
        now = timezone.now()
        _, config = applied(self.cluster)
        bucket = config.bucket() if config is not None else ""
        if bucket:
            body = json.dumps({"server": self.server, "at": now.isoformat(), "host": socket.gethostname()})
            aws.client("s3").put_object(
                Bucket=bucket, Key=nodes.heartbeat_key(self.cluster.name, self.server), Body=body.encode()
            )
        NodeAgent.objects.filter(cluster=self.cluster, server=self.server).update(seen_at=now)


def register(cluster: Cluster, server: str, listen: str) -> NodeAgent:
    now = timezone.now()
    agent, _ = NodeAgent.objects.update_or_create(
        cluster=cluster,
        server=server,
        defaults={
            "host": f"{socket.gethostname()} pid {os.getpid()}",
            "listen": listen,
            "started_at": now,
            "seen_at": now,
        },
    )
    return agent


def restore(cluster: Cluster, server: str) -> list[str]:
    """After a restart, open again what this process holds for resources online here (the LB probe port)."""
    _, config = applied(cluster)
    online = state.resources_online_on(cluster, server)
    restored = []
    for name in online:
        resource = config.resource(name)
        if resource is not None and resource.spec.held_by_agent:
            try:
                resource.spec.activate(resource, server)
                restored.append(name)
            except ResourceFailed as exc:  # its monitor finds it and recovers as usual
                logger.warning("%s not restored on %s: %s", name, server, exc.message)
    return restored


def _stopped(signum, frame):
    raise SystemExit(0)


def serve(cluster: Cluster, server: str, *, listen: str, concurrency: int, interval: float) -> None:
    """Register, beat, and serve the server's queue until stopped (SIGTERM / Ctrl-C)."""
    settings.WEBUI_NODE_LISTEN = listen  # where this server's LB probe port listens
    # Until the Celery worker installs its own handler, a stop (systemctl stop, Ctrl-C) ends the start-up cleanly.
    signal.signal(signal.SIGTERM, _stopped)
    register(cluster, server, listen)
    if restored := restore(cluster, server):
        logger.warning("restored on %s: %s", server, ", ".join(restored))
    heartbeat = Heartbeat(cluster, server, interval)
    heartbeat.start()  # its first beat at once; one that fails (no AWS yet) is logged and tried again
    try:
        app.worker_main(
            [
                "worker",
                f"--queues={nodes.queue(cluster.name, server)}",
                "--pool=threads",
                f"--concurrency={concurrency}",
                f"--hostname=node.{server}.{cluster.name}@{socket.gethostname()}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ]
        )
    finally:
        heartbeat.stopped.set()
        for port in list(lbpp.LISTENERS):  # a stopped agent does not keep answering the NLB
            lbpp.close(port)
