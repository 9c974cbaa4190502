"""The draft: a cluster's configuration as the database holds it while it is edited, as a `Config`."""

from collections.abc import Mapping

from clusters.clpconf import names as N
from clusters.configuration.config import (
    MONITOR_COMMON_FIELDS,
    RECOVERY_FIELDS,
    ClusterInfo,
    Config,
    DeviceObject,
    ForcedStopConfig,
    GroupConfig,
    InterconnectConfig,
    MonitorConfig,
    ResourceConfig,
    ServerConfig,
    frozen,
)
from clusters.models import ForcedStop
from monitors.registry import MONITOR_TYPES
from resources.registry import RESOURCE_TYPES


def from_models(cluster, *, objects: bool = True) -> Config:
    """The cluster's draft configuration, in a fixed number of queries whatever its size.

    Without `objects`, only its cluster-wide part: no group resource and no monitor resource is read
    (config mode's page of a large configuration, which loads them when they are opened).
    """

    servers = list(cluster.servers.all())
    name = {s.pk: s.name for s in servers}

    def by_name(values: dict) -> Mapping:
        return frozen({name[int(pk)]: v for pk, v in values.items() if int(pk) in name})

    interconnects = [
        InterconnectConfig(
            priority=ic.priority,
            device_id=ic.device_id,
            heartbeat=ic.heartbeat,
            heartbeat_name=ic.heartbeat_name,
            mdc=ic.mdc,
            mdc_device_id=ic.mdc_device_id,
            addresses=frozen({name[a.server_id]: a.address for a in ic.addresses.all()}),
        )
        for ic in cluster.interconnects.prefetch_related("addresses")
    ]

    def devices(rows):
        return [
            DeviceObject(
                kind=o.kind,
                name=o.name,
                priority=o.priority,
                device_id=o.device_id,
                parameters=frozen(o.parameters),
                servers=by_name(getattr(o, "server_parameters", {})),
                extra_xml=o.extra_xml,
            )
            for o in rows
        ]

    fs = ForcedStop.objects.filter(cluster=cluster).first()
    group_rows = list(cluster.groups.prefetch_related("startup_servers"))
    groups = [
        GroupConfig(
            name=g.name,
            gid=g.gid,
            group_type=g.group_type,
            comment=g.comment,
            startup=g.startup,
            failover=g.failover,
            failback=g.failback,
            explicit_attributes=tuple(g.explicit_attributes),
            startup_servers=tuple(name[s.server_id] for s in g.startup_servers.all()),
            extra_xml=g.extra_xml,
        )
        for g in group_rows
    ]
    group_name = {g.pk: g.name for g in group_rows}
    resource_rows = list(cluster.resources.prefetch_related("depends_on")) if objects else []
    resource_name = {r.pk: r.name for r in resource_rows}
    resources = [
        ResourceConfig(
            type=r.type,
            name=r.name,
            spec=RESOURCE_TYPES.get_type(r.type, cluster.server_os),
            comment=r.comment,
            parameters=frozen(r.parameters),
            servers=by_name(r.server_parameters),
            scripts=frozen(r.scripts),
            extra_xml=r.extra_xml,
            group=group_name[r.group_id],
            order=r.order,
            depends_on=tuple(d.name for d in r.depends_on.all()),
            **{f: getattr(r, f) for f in RECOVERY_FIELDS},
        )
        for r in resource_rows
    ]
    monitors = []
    for m in cluster.monitors.all() if objects else ():
        if m.recovery_target == "rsc":
            recovery_name = resource_name.get(m.recovery_resource_id, "")
        elif m.recovery_target == "grp":
            recovery_name = group_name.get(m.recovery_group_id, "")
        else:
            recovery_name = N.LOCAL_SERVER
        monitors.append(
            MonitorConfig(
                type=m.type,
                name=m.name,
                spec=MONITOR_TYPES.get_type(m.type, cluster.server_os),
                comment=m.comment,
                parameters=frozen(m.parameters),
                servers=by_name(m.server_parameters),
                scripts=frozen(m.scripts),
                extra_xml=m.extra_xml,
                target=resource_name.get(m.target_resource_id, ""),
                recovery_target=m.recovery_target,
                recovery_name=recovery_name,
                explicit_common=tuple(m.explicit_common),
                owner=resource_name.get(m.owner_resource_id, ""),
                **{f: getattr(m, f) for f in MONITOR_COMMON_FIELDS},
            )
        )
    return Config.build(
        cluster=ClusterInfo(
            name=cluster.name,
            comment=cluster.comment,
            language=cluster.language,
            server_os=cluster.server_os,
            encoding=cluster.encoding,
            charset=cluster.charset,
            encode=cluster.encode,
            extra_xml=cluster.extra_xml,
            source_conf=cluster.source_conf,
            extra_files=frozen(cluster.extra_files),
        ),
        servers=[ServerConfig(name=s.name, priority=s.priority, extra_xml=s.extra_xml) for s in servers],
        interconnects=interconnects,
        heartbeats=devices(cluster.heartbeats.all()),
        network_partitions=devices(cluster.network_partitions.all()),
        forced_stop=ForcedStopConfig(
            kind=fs.kind,
            parameters=frozen(fs.parameters),
            servers=by_name(fs.server_parameters),
            extra_xml=fs.extra_xml,
        )
        if fs and fs.kind
        else None,
        groups=groups,
        resources=resources,
        monitors=monitors,
    )
