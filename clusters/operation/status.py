"""What operation mode and clpstat show of a cluster: the applied version and the state the engine keeps."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from clusters.models import Cluster, TaskRun
from clusters.node import remote
from clusters.operation import picture
from clusters.operation.groups import applied
from clusters.runtime import Alert, ClusterState, ObjectState

# A larger cluster's status lists only the resources and monitors that need attention, with counts;
# every one is a click away (objects_context). The poll stays small whatever the cluster's size.
LIST_UP_TO = 40
ATTENTION = {"error", "warning", "suspended"}
LISTED = ("resource", "monitor")


def _attention(state) -> bool:
    return state is not None and (state.status in ATTENTION or getattr(state, "dummy_failure", False))


def status_context(cluster: Cluster, *, summary: bool = False) -> dict:
    """Everything operation mode shows, from the applied version and the state rows the engine keeps.

    It reads the database only (a fixed number of queries, no AWS call): every open tab polls it,
    and a hanging AWS endpoint must not hold the web server's threads. With `summary` (the polled
    page), a cluster of more than LIST_UP_TO resources lists only the resources and monitors that need
    attention, with counts, and reads only their state rows.
    """
    version, config = applied(cluster)
    if version is None:
        return {"version": None}
    summarized = summary and len(config.resources) + len(config.monitors) > LIST_UP_TO
    rows = ObjectState.objects.filter(cluster=cluster)
    if summarized:
        rows = rows.filter(~Q(kind__in=LISTED) | Q(status__in=ATTENTION) | Q(dummy_failure=True))
    states = {(s.kind, s.name): s for s in rows}
    cluster_state = ClusterState.objects.filter(cluster=cluster).first()
    servers = config.server_names
    recent = list(TaskRun.objects.filter(cluster=cluster).order_by("-created_at", "-id")[:5])
    active = next((run for run in recent if run.is_active), None)
    judged = [s for (kind, _), s in states.items() if kind == "health" and s.status == "warning"]
    agents = node_agents(cluster, servers)
    context = {
        "version": version,
        "cluster_status": cluster_state.get_status_display() if cluster_state else "Stopped",
        "running": bool(cluster_state and cluster_state.status == "running"),
        "servers": [(s, states.get(("server", s)), states.get(("service", s)), agents[s]) for s in servers],
        "suspended": bool(cluster_state and cluster_state.status == "suspended"),
        "groups": [(g, states.get(("group", g.name)), config.startup_servers(g.name)) for g in config.groups],
        "resources": [(r, states.get(("resource", r.name))) for r in config.resources],
        "monitors": [(m, states.get(("monitor", m.name))) for m in config.monitors],
        "alerts": list(Alert.objects.filter(cluster=cluster)[:15]),
        "active_run": active,
        "recent_runs": recent,
        "health_warnings": [s.message for s in judged],
    }
    if summary:  # counted whatever the size: the poll makes the same queries for any cluster
        counted = list(ObjectState.objects.filter(cluster=cluster, kind__in=LISTED).values_list("kind", "status"))
    if summarized:
        counts = {kind: Counter() for kind in LISTED}
        for (kind, status), n in Counter(counted).items():  # one row per state: a few thousand small tuples
            counts[kind][status] += n
        for kind, listed in (("resource", "resources"), ("monitor", "monitors")):
            total = len(context[listed])
            unread = total - sum(counts[kind].values())
            if unread:
                counts[kind]["offline" if kind == "resource" else "not checked"] += unread
            context[f"{listed}_counts"], context[f"{listed}_total"] = sorted(counts[kind].items()), total
            context[listed] = [(o, s) for o, s in context[listed] if _attention(s)][:LIST_UP_TO]
    context["picture"] = picture.layout(context)
    return context


@dataclass(frozen=True)
class AgentState:
    """A server's node agent as operation mode shows it: online, silent (error) or none."""

    status: str
    text: str


def node_agents(cluster: Cluster, servers) -> dict[str, AgentState]:
    found = remote.agents_of(cluster)
    agents = {}
    for server in servers:
        agent = found.get(server)
        if agent is None:
            agents[server] = AgentState("pending", "none: the console stands in")
            continue
        silent = agent.silent_for()
        agents[server] = (
            AgentState("error", f"silent for {silent:.0f} s ({agent.host})")
            if agent.lost()
            else AgentState("online", f"seen {silent:.0f} s ago ({agent.host})")
        )
    return agents


def objects_context(cluster: Cluster, kind: str, *, group: str = "", status: str = "") -> dict:
    """Every group resource (or monitor resource) of the applied version with its state, filtered."""
    version, config = applied(cluster)
    if version is None:
        return {"version": None, "rows": []}
    states = {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=kind.removesuffix("s"))}
    objects = config.resources if kind == "resources" else config.monitors
    rows = [(o, states.get(o.name)) for o in objects if not group or getattr(o, "group", "") == group]
    if status:
        rows = [(o, s) for o, s in rows if (s.status if s else "offline") == status]
    return {"version": version, "rows": rows, "groups": [g.name for g in config.groups]}
