"""The console's side of node-local work: a type that acts on the server itself runs on its agent.

A server with a registered agent (`manage.py node_agent CLUSTER SERVER`) gets the work on its own
queue and must answer in time; one that does not is a server problem (the caller fails the
activation, or the monitor reports an error). A server with no agent has the work done by the
console's own worker, as on one machine with the embedded simulation, and every message says so.
"""

from django.conf import settings

from clusters.configuration.config import plain
from clusters.runtime import NodeAgent
from monitors.registry import Watch
from resources.registry import ResourceFailed
from webui import nodes


def agents_of(cluster) -> dict[str, NodeAgent]:
    """The cluster's registered agents by server (read before work fans out to threads: no query there)."""
    return {a.server: a for a in NodeAgent.objects.filter(cluster=cluster).order_by()}  # unordered: compiles faster


def live(agent: NodeAgent | None, server: str) -> NodeAgent | None:
    """The agent, if any; NodeUnreachable at once if it stopped beating (no call waits on it)."""
    if agent is not None and agent.lost():
        raise nodes.NodeUnreachable(
            f"The node agent of {server} has not reported for {agent.silent_for():.0f} s "
            f"(heartbeat timeout {settings.WEBUI_HEARTBEAT_TIMEOUT:.0f} s)."
        )
    return agent


def _here(server: str) -> str:
    return f" (by the console: no node agent on {server})"


def act(cluster, resource, server: str, activate: bool, *, agents: dict | None = None) -> str:
    """Activate or deactivate `resource` on `server`; ResourceFailed (or nodes.NodeUnreachable) if it failed.
    `agents` (agents_of) when called from a worker thread."""
    spec = resource.spec
    if not spec.on_server:
        return (spec.activate if activate else spec.deactivate)(resource, server)
    if live((agents_of(cluster) if agents is None else agents).get(server), server) is None:
        try:
            return (spec.activate if activate else spec.deactivate)(resource, server) + _here(server)
        except ResourceFailed as exc:
            raise ResourceFailed(exc.code, exc.message + _here(server)) from None
    timeout = nodes.call_timeout(_script_timeout(resource, activate))
    answer = nodes.call(
        cluster.name,
        server,
        _payload(cluster, "activate" if activate else "deactivate", resource, None, server),
        timeout=timeout,
    )
    if not answer.get("ok"):
        raise ResourceFailed(answer.get("code", ""), f"{answer.get('message', '')} (on {server})")
    return f"{answer['done']} (on {server})"


def watch(cluster, monitor, target, server: str) -> Watch:
    """Monitor once on `server`: on its agent for a type that watches the server itself."""
    if not monitor.spec.on_server:
        return monitor.spec.watch(monitor, target, server)
    try:
        agent = live(agents_of(cluster).get(server), server)
    except nodes.NodeUnreachable as exc:
        return Watch("error", "", str(exc))
    if agent is None:
        found = monitor.spec.watch(monitor, target, server)
        return (
            found
            if found.status == "normal"
            else Watch(found.status, found.code, found.message + _here(server), found.no_response)
        )
    try:
        answer = nodes.call(
            cluster.name, server, _payload(cluster, "watch", monitor, target, server), timeout=monitor.timeout
        )
    except nodes.NodeUnreachable as exc:
        return Watch("error", "", str(exc))
    return Watch(answer["status"], answer.get("code", ""), answer.get("message", ""), answer.get("no_response", False))


def _script_timeout(resource, activate: bool) -> int:
    name = "starttimeout" if activate else "stoptimeout"
    return int(resource.value(name) or 0) if name in {p.name for p in resource.spec.params} else 0


def _payload(cluster, action: str, obj, target, server: str) -> dict:
    return {
        "action": action,
        "cluster": cluster.name,
        "server": server,
        "server_os": cluster.server_os,
        "object": plain(obj),
        "target": plain(target) if target is not None else None,
    }
