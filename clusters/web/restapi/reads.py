"""The GETs, with the data as NEC's status panel reads it:

`cluster: {name, status}`; `cluster: {toratio}`; `servers: [{name, status}]`;
`groups: [{name, status, current, resources: [{name}]}]`; `resources: [{name, type, status, current, group}]`;
`monitors: [{name, type, status, servers: [{name, status}]}]`. A named object answers a list of one. `?select=`
keeps some keys (`name`; `resources` for groups). `current` is the server name or "None", as the product says.
The metrics (X 6.0, INFERRED shapes): each group's continuous time online, and when the configuration was applied.
"""

from django.utils import timezone

from clusters.operation import state
from clusters.operation.productstatus import current_server, product_status, uptime_since
from clusters.web.restapi.answers import BAD_REQUEST, NOT_FOUND, Refused
from clusters.web.restapi.base import Call, endpoint

LABELS = {"server": "server", "group": "group", "resource": "group resource", "monitor": "monitor resource"}


def chosen(call: Call, kind: str, names: list[str], name: str | None) -> list[str]:
    """Every name, or the one asked for (Refused if there is no such object)."""
    if name is None:
        return names
    if name not in names:
        raise Refused(
            NOT_FOUND,
            f"There is no {LABELS[kind]} {name} in cluster {call.cluster.name}; "
            f"its {LABELS[kind]}s: {', '.join(names) or 'none'}.",
            404,
        )
    return [name]


def selected(call: Call, items: list[dict], *extra: str) -> list[dict]:
    """`?select=name[,KEY]`: only those keys of each item (and its name)."""
    wanted = [key for key in call.request.GET.get("select", "").split(",") if key]
    if not wanted:
        return items
    if unknown := sorted(set(wanted) - {"name", *extra}):
        raise Refused(
            BAD_REQUEST,
            f"select={','.join(unknown)} is not offered here; select takes {', '.join(['name', *extra])}.",
            400,
        )
    keep = {"name", *wanted}  # what each item is, whatever else is selected
    return [{key: value for key, value in item.items() if key in keep} for item in items]


def _word(kind: str, name: str, call: Call, server: str = "") -> str:
    return product_status(kind, name, snap=call.snap, server=server).label


@endpoint("GET")
def cluster(call: Call):
    return {"cluster": {"name": call.cluster.name, "status": _word("cluster", "", call)}}


@endpoint("GET")
def toratio(call: Call):
    return {"cluster": {"toratio": state.timeout_ratio(call.cluster).ratio}}


@endpoint("GET")
def servers(call: Call, name: str | None = None):
    names = chosen(call, "server", list(call.snap.config.server_names), name)
    return {"servers": selected(call, [{"name": s, "status": _word("server", s, call)} for s in names])}


@endpoint("GET")
def groups(call: Call, name: str | None = None):
    config = call.snap.config
    names = chosen(call, "group", [g.name for g in config.groups], name)
    found = [
        {
            "name": g,
            "status": _word("group", g, call),
            "current": current_server(call.snap, "group", g) or "None",
            "resources": [{"name": r.name} for r in config.resources_of(g)],
        }
        for g in names
    ]
    return {"groups": selected(call, found, "resources")}


@endpoint("GET")
def resources(call: Call, name: str | None = None):
    config = call.snap.config
    names = chosen(call, "resource", [r.name for r in config.resources], name)
    found = [
        {
            "name": r,
            "type": config.resource(r).type,
            "status": _word("resource", r, call),
            "current": current_server(call.snap, "resource", r) or "None",
            "group": config.resource(r).group,
        }
        for r in names
    ]
    return {"resources": selected(call, found)}


@endpoint("GET")
def monitors(call: Call, name: str | None = None):
    config = call.snap.config
    names = chosen(call, "monitor", [m.name for m in config.monitors], name)
    found = [
        {
            "name": m,
            "type": call.snap.monitors[m].type,
            "status": _word("monitor", m, call),
            "servers": [{"name": s, "status": _word("monitor", m, call, s)} for s in config.server_names],
        }
        for m in names
    ]
    return {"monitors": selected(call, found)}


@endpoint("GET")
def uptime(call: Call, name: str | None = None):
    """Each group's continuous time online, in whole seconds (0 while it is not online)."""
    names = chosen(call, "group", [g.name for g in call.snap.config.groups], name)
    now = timezone.now()
    found = []
    for group in names:
        since = uptime_since(call.snap, group)
        found.append({"name": group, "uptime": int((now - since).total_seconds()) if since else 0})
    return {"groups": found}


@endpoint("GET")
def last_applied(call: Call):
    """When the applied configuration was applied, in ISO 8601 (UTC)."""
    return {"config": {"last-applied-date": call.snap.version.applied_at.isoformat()}}
