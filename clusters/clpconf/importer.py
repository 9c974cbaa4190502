"""Save a Config (read from a clp.conf) as a cluster's configuration: all or nothing, a fixed number of queries."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clusters.configuration.config import MONITOR_COMMON_FIELDS, RECOVERY_FIELDS, Config, thawed
from clusters.models import (
    Cluster,
    FailoverGroup,
    ForcedStop,
    GroupStartupServer,
    Heartbeat,
    Interconnect,
    InterconnectAddress,
    NetworkPartition,
    Server,
)
from monitors.models import MonitorResource
from resources.models import GroupResource

from .parsing import ConfError


def _checked(instance, what: str, exclude=()):
    """Field-level validation with a message naming the object and the field.

    Foreign keys are left out: they point at rows this import made, and checking each costs a query.
    """
    foreign_keys = [f.name for f in instance._meta.fields if f.is_relation]
    try:
        instance.full_clean(exclude=[*exclude, *foreign_keys], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = instance._meta.get_field(field).verbose_name if field != "__all__" else "value"
        raise ConfError(f"{what}: {label}: {' '.join(messages)}") from None
    return instance


@transaction.atomic
def save(config: Config, *, name: str | None = None, into: Cluster | None = None) -> Cluster:
    """Save as a new cluster, or, with `into`, replace that cluster's whole configuration."""
    info = config.cluster
    cluster_name = name or (into.name if into else info.name)
    if Cluster.objects.filter(name__iexact=cluster_name).exclude(pk=into.pk if into else None).exists():
        raise ConfError(
            f"A cluster named {cluster_name} exists already; import under another name or remove that cluster first."
        )
    cluster = into or Cluster()
    fields = {
        "name": cluster_name,
        "comment": info.comment,
        "language": info.language,
        "server_os": info.server_os,
        "encoding": info.encoding,
        "charset": info.charset,
        "encode": info.encode,
        "extra_xml": info.extra_xml,
        "source_conf": info.source_conf,
        "extra_files": thawed(info.extra_files),
    }
    for field, value in fields.items():
        setattr(cluster, field, value)
    _checked(cluster, f"Cluster {cluster_name}", exclude=["name"] if into else [])
    if into:
        for related in (
            into.monitors,
            into.resources,
            into.groups,
            into.heartbeats,
            into.network_partitions,
            into.interconnects,
            into.servers,
        ):
            related.all().delete()
        ForcedStop.objects.filter(cluster=into).delete()
    cluster.save()
    servers = Server.objects.bulk_create(
        [
            _checked(
                Server(cluster=cluster, name=s.name, priority=s.priority, extra_xml=s.extra_xml),
                f"Server {s.name}",
                exclude=["cluster"],
            )
            for s in config.servers
        ]
    )
    server_pk = {s.name: str(s.pk) for s in servers}
    server_by_name = {s.name: s for s in servers}

    def by_pk(values) -> dict:
        return {server_pk[server]: thawed(v) for server, v in values.items()}

    interconnects = Interconnect.objects.bulk_create(
        [
            Interconnect(
                cluster=cluster,
                priority=ic.priority,
                device_id=ic.device_id,
                heartbeat=ic.heartbeat,
                heartbeat_name=ic.heartbeat_name,
                mdc=ic.mdc,
                mdc_device_id=ic.mdc_device_id,
            )
            for ic in config.interconnects
        ]
    )
    addresses = []
    for interconnect, ic in zip(interconnects, config.interconnects, strict=True):
        for server, address in ic.addresses.items():
            addresses.append(
                _checked(
                    InterconnectAddress(interconnect=interconnect, server=server_by_name[server], address=address),
                    f"Interconnect address of {server} (device {ic.device_id})",
                    exclude=["interconnect", "server"],
                )
            )
    InterconnectAddress.objects.bulk_create(addresses)

    def device_fields(obj) -> dict:
        return {
            "kind": obj.kind,
            "name": obj.name,
            "priority": obj.priority,
            "device_id": obj.device_id,
            "parameters": thawed(obj.parameters),
            "server_parameters": by_pk(obj.servers),
            "extra_xml": obj.extra_xml,
        }

    Heartbeat.objects.bulk_create([Heartbeat(cluster=cluster, **device_fields(hb)) for hb in config.heartbeats])
    NetworkPartition.objects.bulk_create(
        [NetworkPartition(cluster=cluster, **device_fields(np)) for np in config.network_partitions]
    )
    if fs := config.forced_stop:
        ForcedStop.objects.create(
            cluster=cluster,
            kind=fs.kind,
            parameters=thawed(fs.parameters),
            server_parameters=by_pk(fs.servers),
            extra_xml=fs.extra_xml,
        )
    groups = FailoverGroup.objects.bulk_create(
        [
            _checked(
                FailoverGroup(
                    cluster=cluster,
                    name=g.name,
                    gid=g.gid,
                    group_type=g.group_type,
                    comment=g.comment,
                    startup=g.startup,
                    failover=g.failover,
                    failback=g.failback,
                    explicit_attributes=list(g.explicit_attributes),
                    extra_xml=g.extra_xml,
                ),
                f"Group {g.name}",
                exclude=["cluster"],
            )
            for g in config.groups
        ]
    )
    group_by_name = {g.name: g for g in groups}
    GroupStartupServer.objects.bulk_create(
        [
            GroupStartupServer(group=group, server=server_by_name[server], order=order)
            for group, g in zip(groups, config.groups, strict=True)
            for order, server in enumerate(g.startup_servers)
        ]
    )
    resources = GroupResource.objects.bulk_create(
        [
            _checked(
                GroupResource(
                    cluster=cluster,
                    group=group_by_name[r.group],
                    type=r.type,
                    name=r.name,
                    comment=r.comment,
                    order=r.order,
                    parameters=thawed(r.parameters),
                    server_parameters=by_pk(r.servers),
                    scripts=thawed(r.scripts),
                    extra_xml=r.extra_xml,
                    **{f: getattr(r, f) for f in RECOVERY_FIELDS},
                ),
                f"Resource {r.name}",
                exclude=["cluster", "group"],
            )
            for r in config.resources
        ]
    )
    resource_by_name = {r.name: r for r in resources}
    Dependency = GroupResource.depends_on.through
    Dependency.objects.bulk_create(
        [
            Dependency(from_groupresource=resource, to_groupresource=resource_by_name[dependency])
            for resource, r in zip(resources, config.resources, strict=True)
            for dependency in r.depends_on
        ]
    )
    monitors = []
    for m in config.monitors:
        monitor = MonitorResource(
            cluster=cluster,
            type=m.type,
            name=m.name,
            comment=m.comment,
            target_resource=resource_by_name.get(m.target),
            recovery_target=m.recovery_target,
            recovery_resource=resource_by_name.get(m.recovery_name) if m.recovery_target == "rsc" else None,
            recovery_group=group_by_name.get(m.recovery_name) if m.recovery_target == "grp" else None,
            explicit_common=list(m.explicit_common),
            parameters=thawed(m.parameters),
            server_parameters=by_pk(m.servers),
            extra_xml=m.extra_xml,
            scripts=thawed(m.scripts),
            owner_resource=resource_by_name.get(m.owner),
            **{f: getattr(m, f) for f in MONITOR_COMMON_FIELDS},
        )
        monitors.append(_checked(monitor, f"Monitor {m.name}", exclude=["cluster"]))
    MonitorResource.objects.bulk_create(monitors)
    return cluster


def save_or_explain(config: Config, *, name: str | None = None, into: Cluster | None = None) -> Cluster:
    try:
        return save(config, name=name, into=into)
    except IntegrityError as exc:  # a constraint the reader did not foresee: still one clear line
        raise ConfError(f"The configuration breaks a rule of the console's database: {exc}.") from None
