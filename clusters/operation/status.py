"""What operation mode and the console's API show of a cluster: the applied version and the state the engine keeps,
and each object's status in the product's words (clusters.operation.productstatus, as clpstat and the RESTful API
say them)."""

from collections import Counter
from dataclasses import dataclass

from clusters.models import Cluster, TaskRun
from clusters.node import remote
from clusters.operation import picture, productstatus, state
from clusters.operation.state import Status

# A larger cluster's status lists only the resources and monitors that need attention, with counts;
# every one is a click away (objects_context). The poll stays small whatever the cluster's size.
LIST_UP_TO = 40
ATTENTION = {Status.ERROR, Status.CAUTION, Status.SUSPEND, Status.ONLINE_FAILURE, Status.OFFLINE_FAILURE}
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
    version, config = state.applied(cluster)
    if version is None:
        return {"version": None}
    summarized = summary and len(config.resources) + len(config.monitors) > LIST_UP_TO
    states = state.states_of(cluster, needing_attention=LISTED if summarized else (), attention=ATTENTION)
    cluster_status = state.cluster_status(cluster)
    servers = config.server_names
    recent = list(TaskRun.objects.filter(cluster=cluster).order_by("-created_at", "-id")[:5])
    active = next((run for run in recent if run.is_active), None)
    judged = [s for (kind, _), s in states.items() if kind == "health" and s.status != Status.NORMAL]
    agents = node_agents(cluster, servers)
    context = {
        "version": version,
        "cluster_status": cluster_status.label,
        "cluster_status_code": cluster_status.value,
        "running": cluster_status == Status.ONLINE,
        "servers": [
            (s, states.get(("server", s)), _service(states.get(("service", s)), cluster_status), agents[s])
            for s in servers
        ],
        "suspended": cluster_status == Status.SUSPEND,
        "groups": [(g, states.get(("group", g.name)), config.startup_servers(g.name)) for g in config.groups],
        "resources": [(r, states.get(("resource", r.name))) for r in config.resources],
        "monitors": [(m, states.get(("monitor", m.name))) for m in config.monitors],
        "alerts": state.recent_alerts(cluster, 15),
        "active_run": active,
        "recent_runs": recent,
        "health_warnings": [s.message for s in judged],
    }
    if summary:  # counted whatever the size: the poll makes the same queries for any cluster
        counted = state.status_counts(cluster, LISTED)
    if summarized:
        counts = {kind: Counter() for kind in LISTED}
        for (kind, status), n in Counter(counted).items():  # one row per state: a few thousand small tuples
            counts[kind][Status(status).label] += n
        for kind, listed in (("resource", "resources"), ("monitor", "monitors")):
            total = len(context[listed])
            unread = total - sum(counts[kind].values())
            if unread:
                counts[kind][Status.OFFLINE.label] += unread  # never recorded: not online, not watched
            context[f"{listed}_counts"], context[f"{listed}_total"] = sorted(counts[kind].items()), total
            context[listed] = [(o, s) for o, s in context[listed] if _attention(s)][:LIST_UP_TO]
    context["picture"] = picture.layout(context)
    snap = productstatus.Snapshot(version, config, states, cluster_status)
    context["snap"], context["product"] = snap, product_words(snap, context)
    context["toratio"] = state.timeout_ratio(cluster)
    return context


def product_words(snap: productstatus.Snapshot, context: dict) -> dict:
    """The product's word for the cluster and each object the context lists (productstatus.product_status), as
    clpstat and the RESTful API say them: {"cluster": word, "servers": {name: word}, "groups": ..., "resources":
    ..., "monitors": ...}."""

    def word(kind: str, name: str = "") -> str:
        return productstatus.product_status(kind, name, snap=snap).label

    return {
        "cluster": word("cluster"),
        "servers": {s: word("server", s) for s, *_ in context["servers"]},
        "groups": {g.name: word("group", g.name) for g, *_ in context["groups"]},
        "resources": {r.name: word("resource", r.name) for r, _ in context["resources"]},
        "monitors": {m.name: word("monitor", m.name) for m, _ in context["monitors"]},
    }


def _service(row, cluster_status: Status) -> bool:
    """Whether a server's cluster service runs: never while the cluster is Offline (before its first start, after
    Stop the cluster); else unless an operator or a final action stopped it there."""
    return cluster_status != Status.OFFLINE and (row is None or row.status == Status.ONLINE)


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
    """Every group resource (or monitor resource) of the applied version with its state, filtered; `snap` gives
    the words of the rows listed, as Operation Mode says them (one read serves both)."""
    snap = productstatus.snapshot(cluster)
    if snap is None:
        return {"version": None, "rows": []}
    config, of_kind = snap.config, kind.removesuffix("s")
    objects = config.resources if kind == "resources" else config.monitors
    rows = [(o, snap.states.get((of_kind, o.name))) for o in objects if not group or getattr(o, "group", "") == group]
    if status:
        rows = [(o, s) for o, s in rows if (s.status if s else Status.OFFLINE) == status]
    return {"version": snap.version, "rows": rows, "groups": [g.name for g in config.groups], "snap": snap}
