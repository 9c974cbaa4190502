"""Configuration history: every applied version, what changed between two of them (or the draft) in
the guide's terms and as clp.conf, and Restore (an older version becomes the draft, to review and apply)."""

import difflib
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet

from clusters.clpconf import reader, transfer, writer
from clusters.configuration.config import Config
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.models import Cluster
from clusters.operation.apply import plan_operations
from clusters.runtime import AppliedVersion

DRAFT = "draft"
MONITOR_COMMON = {
    "interval": "Interval",
    "timeout": "Timeout",
    "retry_count": "Retry Count",
    "wait_to_start": "Wait Time to Start Monitoring",
    "monitor_timing": "Monitor Timing",
    "target": "Target Resource",
    "recovery_target": "Recovery Target",
    "recovery_name": "Recovery Target",
    "restart_threshold": "Maximum Reactivation Count",
    "failover_threshold": "Maximum Failover Count",
    "final_action": "Final Action",
    "comment": "Comment",
}
GROUP_FIELDS = {
    "startup_servers": "Startup Servers",
    "startup": "Startup Attribute",
    "failover": "Failover Attribute",
    "failback": "Failback Attribute",
    "comment": "Comment",
}


@dataclass(frozen=True)
class Change:
    """One difference, as the guide names things: the object, its setting, the old and the new value."""

    object: str
    setting: str
    old: str
    new: str


@dataclass(frozen=True)
class Side:
    label: str  # "version 3" or "the draft"
    conf: bytes
    config: Config


def versions(cluster: Cluster) -> QuerySet:
    return AppliedVersion.objects.filter(cluster=cluster).select_related("applied_by").order_by("-number")


def side(cluster: Cluster, which: str) -> Side:
    """`which` is a version number or "draft"."""
    if which == DRAFT:
        conf = writer.render(cluster)
        return Side("the draft", conf, reader.read(conf))
    try:
        version = AppliedVersion.objects.get(cluster=cluster, number=int(which))
    except (ValueError, AppliedVersion.DoesNotExist):
        raise LookupError(f"Cluster {cluster.name} has no applied version {which!r}.") from None
    conf = bytes(version.conf)
    return Side(f"version {version.number}", conf, reader.read(conf))


def compare(cluster: Cluster, old: str, new: str) -> dict:
    """What changed from `old` to `new` (version numbers or "draft"): changes, operations, clp.conf diff."""
    before, after = side(cluster, old), side(cluster, new)
    encoding = cluster.encoding or "shift_jis"
    lines = [s.conf.decode(encoding, "replace").splitlines() for s in (before, after)]
    diff = difflib.unified_diff(*lines, f"clp.conf ({before.label})", f"clp.conf ({after.label})", lineterm="", n=2)
    return {
        "old": before,
        "new": after,
        "changes": changes(before.config, after.config),
        "operations": plan_operations(before.config, after.config),
        "diff": "\n".join(diff),
    }


def restore(*, user, cluster: Cluster, number: int):
    """Make an applied version the draft again (all or nothing); Apply then makes it the applied one."""
    version = AppliedVersion.objects.filter(cluster=cluster, number=number).first()
    if version is None:
        raise LookupError(f"Cluster {cluster.name} has no applied version {number}.")
    return transfer.import_configuration(user=user, data=bytes(version.conf), into=cluster)


# --- changes in the guide's terms -----------------------------------------------------------------


def changes(old: Config, new: Config) -> list[Change]:
    found: list[Change] = []
    if old.cluster.comment != new.cluster.comment:
        found.append(Change("Cluster", "Comment", old.cluster.comment, new.cluster.comment))
    found += _objects("Server", old.servers, new.servers, lambda s: {"Order": s.priority})
    found += _objects("Interconnect", _interconnects(old), _interconnects(new), lambda i: i.values)
    found += _objects("Heartbeat", old.heartbeats, new.heartbeats, lambda h: _params(HEARTBEAT_KINDS[h.kind], h))
    found += _objects(
        "NP resolution", old.network_partitions, new.network_partitions, lambda n: _params(NP_KINDS[n.kind], n)
    )
    found += _objects(
        "Group", old.groups, new.groups, lambda g: {label: getattr(g, key) for key, label in GROUP_FIELDS.items()}
    )
    found += _objects("Group resource", old.resources, new.resources, _resource)
    found += _objects("Monitor resource", old.monitors, new.monitors, _monitor)
    return found


def _objects(kind: str, old, new, settings) -> list[Change]:
    before, after = {o.name: o for o in old}, {o.name: o for o in new}
    found = [Change(f"{kind} {name}", "", "", "added") for name in after if name not in before]
    found += [Change(f"{kind} {name}", "", "removed", "") for name in before if name not in after]
    for name in before.keys() & after.keys():
        a, b = settings(before[name]), settings(after[name])
        for setting in sorted(a.keys() | b.keys()):
            if a.get(setting) != b.get(setting):
                found.append(Change(f"{kind} {name}", setting, _text(a.get(setting)), _text(b.get(setting))))
    return sorted(found, key=lambda c: (c.object, c.setting))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _interconnects(config: Config) -> list[SimpleNamespace]:
    """Each interconnect as a named object of settings (interconnects have no name but their number)."""
    return [
        SimpleNamespace(
            name=f"{ic.priority + 1}",
            values={f"{server} address": address for server, address in ic.addresses.items()}
            | {"Type": ic.heartbeat, "MDC": ic.mdc},
        )
        for ic in config.interconnects
    ]


def _params(spec, obj) -> dict:
    values = {p.label: obj.parameters.get(p.name) for p in spec.params}
    for server, own in obj.servers.items():
        for p in spec.params:
            if p.name in own:
                values[f"{p.label} ({server})"] = own[p.name]
    return values


def _resource(resource) -> dict:
    return _params(resource.spec, resource) | {
        "Type": resource.spec.label,
        "Group": resource.group,
        "Dependency": sorted(resource.depends_on),
        "Comment": resource.comment,
    }


def _monitor(monitor) -> dict:
    common = {label: getattr(monitor, key) for key, label in MONITOR_COMMON.items() if key != "recovery_name"}
    common["Recovery Target"] = f"{monitor.recovery_target} {monitor.recovery_name}".strip()
    return _params(monitor.spec, monitor) | common | {"Type": monitor.spec.label}
