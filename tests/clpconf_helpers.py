"""Comparing configurations: clp.conf as ordered trees (only whitespace may differ), models by name."""

from pathlib import Path
from types import SimpleNamespace

from clusters.clpconf.reader import parse_xml
from clusters.models import ForcedStop

HERE = Path(__file__).parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "clpconf"
# Every clp.conf the round trip reads: ours (golden, data) and the real corpus beside the clone.
INPUTS = sorted(
    [*(HERE / "golden").glob("*.conf"), *(HERE / "data" / "clpconf").glob("*.conf"), *CORPUS.glob("**/*.conf")]
)


def canonical(data: bytes, *, ignore_cluster_name: bool = False):
    """A clp.conf as nested tuples: equal when every element, attribute, value, empty element and
    sibling order is the same; only whitespace around values may differ."""
    root, _ = parse_xml(data)
    if ignore_cluster_name:
        root.find("cluster/name").text = "*"

    def walk(element):
        return (
            element.tag,
            tuple(sorted(element.attrib.items())),
            (element.text or "").strip(),
            tuple(walk(child) for child in element),
        )

    return walk(root)


def canon_xml(text: str):
    """A kept-verbatim XML fragment."""
    return canonical(f"<root>{text}</root>".encode()) if text else None


def dump(cluster) -> dict:
    """Everything configured in a cluster, with names instead of database ids."""
    snap = SimpleNamespace(  # the rows themselves, independent of the code under test
        cluster=cluster,
        servers=list(cluster.servers.all()),
        interconnects=list(cluster.interconnects.all()),
        heartbeats=list(cluster.heartbeats.all()),
        network_partitions=list(cluster.network_partitions.all()),
        forced_stop=ForcedStop.objects.filter(cluster=cluster).first(),
        groups=list(cluster.groups.all()),
        resources=list(cluster.resources.all()),
        monitors=list(cluster.monitors.all()),
    )
    names = {s.pk: s.name for s in snap.servers}

    def per_server(values):
        return {names[int(pk)]: v for pk, v in sorted(values.items())}

    resources = {r.pk: r.name for r in snap.resources}
    groups = {g.pk: g.name for g in snap.groups}
    c = snap.cluster
    return {
        "cluster": (
            c.comment,
            c.language,
            c.server_os,
            c.encoding,
            c.charset,
            c.encode,
            canon_xml(c.extra_xml),
            c.extra_files,
        ),
        "servers": [(s.name, s.priority, canon_xml(s.extra_xml)) for s in snap.servers],
        "interconnects": [
            (
                i.priority,
                i.device_id,
                i.heartbeat,
                i.heartbeat_name,
                i.mdc,
                i.mdc_device_id,
                sorted((names[a.server_id], a.address) for a in i.addresses.all()),
            )
            for i in snap.interconnects
        ],
        "heartbeats": [
            (
                h.kind,
                h.name,
                h.priority,
                h.device_id,
                h.parameters,
                per_server(h.server_parameters),
                canon_xml(h.extra_xml),
            )
            for h in snap.heartbeats
        ],
        "network_partitions": [
            (
                n.kind,
                n.name,
                n.priority,
                n.device_id,
                n.parameters,
                per_server(n.server_parameters),
                canon_xml(n.extra_xml),
            )
            for n in snap.network_partitions
        ],
        "forced_stop": snap.forced_stop and (snap.forced_stop.kind, per_server(snap.forced_stop.server_parameters)),
        "groups": [
            (
                g.name,
                g.gid,
                g.group_type,
                g.comment,
                g.startup,
                g.failover,
                g.failback,
                [names[s.server_id] for s in g.startup_servers.all()],
                canon_xml(g.extra_xml),
            )
            for g in snap.groups
        ],
        "resources": sorted(
            (
                r.type,
                r.name,
                groups[r.group_id],
                r.order,
                r.comment,
                r.parameters,
                per_server(r.server_parameters),
                r.act_retry,
                r.act_failover,
                r.act_final_action,
                r.deact_retry,
                r.deact_final_action,
                sorted(d.name for d in r.depends_on.all()),
                r.scripts,
                canon_xml(r.extra_xml),
            )
            for r in snap.resources
        ),
        "monitors": sorted(
            (
                m.type,
                m.name,
                m.comment,
                m.interval,
                m.timeout,
                m.retry_count,
                m.wait_to_start,
                m.monitor_timing,
                resources.get(m.target_resource_id),
                m.recovery_target,
                resources.get(m.recovery_resource_id),
                groups.get(m.recovery_group_id),
                m.restart_threshold,
                m.failover_threshold,
                m.final_action,
                m.parameters,
                per_server(m.server_parameters),
                resources.get(m.owner_resource_id),
                m.scripts,
                canon_xml(m.extra_xml),
            )
            for m in snap.monitors
        ),
    }
