"""Configuration services: build and edit a cluster's draft configuration.

Views, management commands and tests call these; every one takes keyword arguments, checks the
caller's role, and keeps the rules of editing in one place (the cross-object rules of a whole
configuration are in validation.py).
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from clusters.clpconf import names as N
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
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
    TaskRun,
)
from monitors.models import MonitorResource
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES
from webui.roles import Role, require_role

# --- the one chokepoint of every edit ------------------------------------------------------------


class ConfigLocked(Exception):
    """The configuration cannot be edited now; the message says why and until when."""


def require_config_mode(*, user, cluster: Cluster | None) -> None:
    """Every edit passes here: an Administrator, editing in config mode a draft that is not being applied."""
    require_role(user, Role.ADMINISTRATOR)
    if cluster is None or cluster.pk is None:
        return

    applying = TaskRun.objects.filter(cluster=cluster, kind="apply", status__in=TaskRun.ACTIVE).first()
    if applying is not None:
        raise ConfigLocked(
            f"The configuration of cluster {cluster.name} is being applied (run #{applying.pk}); "
            "edit it again when the application has finished."
        )


# --- building a configuration -----------------------------------------------------------------


def _name_free(name: str, cluster: Cluster | None = None) -> None:
    """Cluster names differ by more than case (as the product's hosts and paths do not tell case apart)."""
    taken = Cluster.objects.filter(name__iexact=name).exclude(pk=cluster.pk if cluster else None).first()
    if taken is not None:
        raise ValidationError({"name": f"A cluster named {taken.name} exists already: choose another Cluster Name."})


def create_cluster(*, user, name: str, language: str = "en", comment: str = "") -> Cluster:
    require_role(user, Role.ADMINISTRATOR)
    _name_free(name)
    cluster = Cluster(name=name, language=language, comment=comment)
    cluster.full_clean()
    cluster.save()
    return cluster


def add_server(*, user, cluster: Cluster, name: str) -> Server:
    require_config_mode(user=user, cluster=cluster)
    priority = (cluster.servers.aggregate(m=Max("priority"))["m"] + 1) if cluster.servers.exists() else 0
    server = Server(cluster=cluster, name=name, priority=priority)
    server.full_clean()
    server.save()
    return server


@transaction.atomic
def add_interconnect(
    *, user, cluster: Cluster, addresses: dict[Server, str], heartbeat: str = "lankhb", mdc: str = ""
) -> Interconnect:
    """One row of the Interconnect table: an address per server; kernel-mode LAN heartbeat; MDC."""
    require_config_mode(user=user, cluster=cluster)
    existing = list(cluster.interconnects.all())
    priority = max((i.priority for i in existing), default=-1) + 1
    device_id = max((i.device_id for i in existing), default=-1) + 1
    kind_count = sum(1 for i in existing if i.heartbeat == heartbeat)
    mdc_device = None
    if mdc:
        used = [i.mdc_device_id for i in existing if i.mdc_device_id is not None]
        mdc_device = max(used, default=N.DEVICE_MDC[1] - 1) + 1
    interconnect = Interconnect.objects.create(
        cluster=cluster,
        priority=priority,
        device_id=device_id,
        heartbeat=heartbeat,
        heartbeat_name=f"{heartbeat}{kind_count + 1}" if heartbeat else "",
        mdc=mdc,
        mdc_device_id=mdc_device,
    )
    for server, address in addresses.items():
        InterconnectAddress(interconnect=interconnect, server=server, address=address).full_clean(
            exclude=["interconnect"]
        )
        InterconnectAddress.objects.create(interconnect=interconnect, server=server, address=address)
    return interconnect


def _next_heartbeat_priority(cluster: Cluster) -> int:
    priorities = [i.priority for i in cluster.interconnects.all() if i.heartbeat]
    priorities += list(cluster.heartbeats.values_list("priority", flat=True))
    return max(priorities, default=-1) + 1


def next_name(taken, prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


@transaction.atomic
def add_witness_heartbeat(*, user, cluster: Cluster, host: str, port: int = 80) -> Heartbeat:
    """Add a Witness heartbeat; like the product, an HTTP NP resolution to the same host comes with it."""
    require_config_mode(user=user, cluster=cluster)
    kind = HEARTBEAT_KINDS["witness"]
    taken = set(cluster.heartbeats.values_list("name", flat=True))
    count = sum(1 for n in taken if n.startswith(kind.code))
    heartbeat = Heartbeat.objects.create(
        cluster=cluster,
        kind="witness",
        name=next_name(taken, kind.code),
        priority=_next_heartbeat_priority(cluster),
        device_id=kind.device_base + count,
        parameters={"host": host, "port": port},
    )
    if not cluster.network_partitions.filter(kind="http").exists():
        add_http_np_resolution(user=user, cluster=cluster, host=host, port=port)
    return heartbeat


def add_object_storage_heartbeat(*, user, cluster: Cluster, bucket: str, platform: str = "s3") -> Heartbeat:
    require_config_mode(user=user, cluster=cluster)
    kind = HEARTBEAT_KINDS["object_storage"]
    taken = set(cluster.heartbeats.values_list("name", flat=True))
    return Heartbeat.objects.create(
        cluster=cluster,
        kind="object_storage",
        name=next_name(taken, kind.code),
        priority=_next_heartbeat_priority(cluster),
        parameters={"platform": platform, "bucket": bucket},
    )


def add_http_np_resolution(*, user, cluster: Cluster, host: str, port: int = 80) -> NetworkPartition:
    require_config_mode(user=user, cluster=cluster)
    kind = NP_KINDS["http"]
    existing = list(cluster.network_partitions.all())
    return NetworkPartition.objects.create(
        cluster=cluster,
        kind="http",
        name=next_name({n.name for n in existing}, kind.code),
        priority=max((n.priority for n in existing), default=-1) + 1,
        device_id=kind.device_base + sum(1 for n in existing if n.kind == "http"),
        parameters={"host": host, "port": port},
    )


def set_aws_forced_stop(*, user, cluster: Cluster, instance_ids: dict[Server, str]) -> ForcedStop:
    require_config_mode(user=user, cluster=cluster)
    forced_stop, _ = ForcedStop.objects.update_or_create(
        cluster=cluster,
        defaults={
            "kind": ForcedStop.Kind.AWS,
            "server_parameters": {str(s.pk): {"instanceid": i} for s, i in instance_ids.items()},
        },
    )
    return forced_stop


@transaction.atomic
def add_failover_group(*, user, cluster: Cluster, name: str, startup_servers=(), comment: str = "") -> FailoverGroup:
    require_config_mode(user=user, cluster=cluster)
    gid = (cluster.groups.aggregate(m=Max("gid"))["m"] or 0) + 1 if cluster.groups.exists() else 0
    group = FailoverGroup(cluster=cluster, name=name, gid=gid, comment=comment)
    group.full_clean()
    group.save()
    GroupStartupServer.objects.bulk_create(
        GroupStartupServer(group=group, server=s, order=i) for i, s in enumerate(startup_servers)
    )
    return group


def _server_values(cluster: Cluster, values: dict) -> dict:
    """Per-server values given by Server or server name, stored by server pk."""
    servers = {s.name: s for s in cluster.servers.all()}
    stored = {}
    for server, v in values.items():
        server = servers.get(server, server) if isinstance(server, str) else server
        if not isinstance(server, Server) or server.cluster_id != cluster.pk:
            raise ValueError(f"{server} is not a server of cluster {cluster}.")
        stored[str(server.pk)] = dict(v)
    return stored


@transaction.atomic
def add_group_resource(
    *,
    user,
    group: FailoverGroup,
    type: str,
    name: str,
    parameters: dict | None = None,
    server_parameters: dict | None = None,
    depends_on=(),
    comment: str = "",
) -> GroupResource:
    """Add a group resource; an AWS resource (and mirror disk, LB probe port) adds its monitor, as the product does."""
    require_config_mode(user=user, cluster=group.cluster)
    cluster = group.cluster
    spec = RESOURCE_TYPES.get_type(type, cluster.server_os)
    resource = GroupResource(
        cluster=cluster,
        group=group,
        type=type,
        name=name,
        comment=comment,
        order=group.resources.count(),
        # Required values that have a default are written out, as the product's dialog fills them in, and so
        # are the values the guide proposes (the LB probe port's Health Check Timeout for its NLB).
        parameters={p.name: p.default for p in spec.params if p.required and p.default is not None}
        | {p.name: p.proposed for p in spec.params if p.proposed is not None}
        | dict(parameters or {}),
        server_parameters=_server_values(cluster, server_parameters or {}),
    )
    resource.full_clean(exclude=["cluster", "group"])
    resource.save()
    resource.depends_on.set(depends_on)
    if spec.monitor:
        monitor_spec = MONITOR_TYPES.get_type(spec.monitor)
        taken = set(cluster.monitors.values_list("name", flat=True))
        add_monitor_resource(
            user=user,
            cluster=cluster,
            type=spec.monitor,
            name=next_name(taken, spec.monitor),
            target=resource,
            parameters={"object": resource.name} if "object" in {p.name for p in monitor_spec.params} else None,
            owner=resource,
        )
    return resource


def add_monitor_resource(
    *,
    user,
    cluster: Cluster,
    type: str,
    name: str,
    target: GroupResource | None = None,
    parameters: dict | None = None,
    server_parameters: dict | None = None,
    recovery: str | None = None,
    recovery_group: FailoverGroup | None = None,
    owner: GroupResource | None = None,
    **common,
) -> MonitorResource:
    """Add a monitor resource with its type's Monitor (common) defaults and Recovery Target."""
    require_config_mode(user=user, cluster=cluster)
    spec = MONITOR_TYPES.get_type(type)
    recovery = recovery or spec.recovery
    defaults = spec.common_defaults()
    if target:
        defaults["monitor_timing"] = spec.monitor_timing
    monitor = MonitorResource(
        cluster=cluster,
        type=type,
        name=name,
        target_resource=target,
        parameters=dict(parameters or {}),
        server_parameters=_server_values(cluster, server_parameters or {}),
        owner_resource=owner,
        **defaults,
    )
    for field, value in common.items():
        setattr(monitor, field, value)
    if recovery == "resource" and target is not None:
        monitor.recovery_target, monitor.recovery_resource = "rsc", target
    elif recovery in ("group", "resource") and (recovery_group or target):
        monitor.recovery_target, monitor.recovery_group = "grp", recovery_group or target.group
    else:
        monitor.recovery_target = "cls"
    monitor.full_clean(exclude=["cluster"])
    monitor.save()
    return monitor


# --- editing (the wizard and config mode use the same services) ------------------------------


def update_cluster(*, user, cluster: Cluster, name: str, language: str, comment: str = "") -> Cluster:
    require_config_mode(user=user, cluster=cluster)
    _name_free(name, cluster)
    cluster.name, cluster.language, cluster.comment = name, language, comment
    cluster.full_clean()
    cluster.save()
    return cluster


@transaction.atomic
def add_server_with_address(*, user, cluster: Cluster, name: str, address: str) -> Server:
    """Basic Settings > Add: a server and its private IP address, the first interconnect's address."""
    server = add_server(user=user, cluster=cluster, name=name)
    interconnect = cluster.interconnects.order_by("priority").first()
    if interconnect is None:
        add_interconnect(user=user, cluster=cluster, addresses={server: address})
    else:
        set_interconnect_address(user=user, interconnect=interconnect, server=server, address=address)
    return server


def set_interconnect_address(*, user, interconnect: Interconnect, server: Server, address: str) -> None:
    require_config_mode(user=user, cluster=interconnect.cluster)
    if not address:
        InterconnectAddress.objects.filter(interconnect=interconnect, server=server).delete()
        return
    row = InterconnectAddress(interconnect=interconnect, server=server, address=address)
    row.full_clean(exclude=["interconnect", "server"])
    InterconnectAddress.objects.update_or_create(
        interconnect=interconnect, server=server, defaults={"address": address}
    )


@transaction.atomic
def set_interconnect_mdc(*, user, interconnect: Interconnect, mdc: str) -> Interconnect:
    """The MDC column: mdcN on this row, or "" for Do Not Use. One interconnect per MDC."""
    require_config_mode(user=user, cluster=interconnect.cluster)
    if mdc:
        interconnect.cluster.interconnects.filter(mdc=mdc).exclude(pk=interconnect.pk).update(
            mdc="", mdc_device_id=None
        )
        interconnect.mdc_device_id = N.DEVICE_MDC[1] + int(mdc.removeprefix("mdc") or 1) - 1
    else:
        interconnect.mdc_device_id = None
    interconnect.mdc = mdc
    interconnect.save(update_fields=["mdc", "mdc_device_id"])
    return interconnect


def remove_object(*, user, obj) -> None:
    """Remove a server, interconnect, heartbeat, NP resolution, group, group resource or monitor.

    Removing a group resource removes the monitors the product added with it (they watch it).
    """
    require_config_mode(user=user, cluster=obj.cluster)
    obj.delete()


@transaction.atomic
def update_group(
    *,
    user,
    group: FailoverGroup,
    name: str | None = None,
    comment: str | None = None,
    startup_servers=None,
    startup: str | None = None,
    failover: str | None = None,
    failback: str | None = None,
) -> FailoverGroup:
    require_config_mode(user=user, cluster=group.cluster)
    for field, value in (
        ("name", name),
        ("comment", comment),
        ("startup", startup),
        ("failover", failover),
        ("failback", failback),
    ):
        if value is not None:
            setattr(group, field, value)
    group.full_clean(exclude=["cluster"])
    group.save()
    if startup_servers is not None:
        group.startup_servers.all().delete()
        GroupStartupServer.objects.bulk_create(
            GroupStartupServer(group=group, server=s, order=i) for i, s in enumerate(startup_servers)
        )
    return group


@transaction.atomic
def update_group_resource(*, user, resource: GroupResource, **changes) -> GroupResource:
    """Change a resource's Definition, Dependency, Recovery Operation or Details (only what is given)."""
    require_config_mode(user=user, cluster=resource.cluster)
    depends_on = changes.pop("depends_on", None)
    if "server_parameters" in changes:
        changes["server_parameters"] = _server_values(resource.cluster, changes["server_parameters"])
    for field, value in changes.items():
        setattr(resource, field, value)
    resource.full_clean(exclude=["cluster", "group"])
    resource.save()
    if depends_on is not None:
        resource.depends_on.set(depends_on)
    return resource


@transaction.atomic
def update_monitor_resource(*, user, monitor: MonitorResource, **changes) -> MonitorResource:
    """Change a monitor's Monitor (common), Monitor (special) or Recovery Action (only what is given)."""
    require_config_mode(user=user, cluster=monitor.cluster)
    if "server_parameters" in changes:
        changes["server_parameters"] = _server_values(monitor.cluster, changes["server_parameters"])
    for field, value in changes.items():
        setattr(monitor, field, value)
    if monitor.monitor_timing == "always":
        monitor.target_resource = None
    if monitor.recovery_target != "rsc":
        monitor.recovery_resource = None
    if monitor.recovery_target != "grp":
        monitor.recovery_group = None
    monitor.full_clean(exclude=["cluster"])
    monitor.save()
    return monitor


@transaction.atomic
def remove_server(*, user, server: Server) -> None:
    """Remove a server; the others keep their order and the first of them is the master (priority 0)."""
    require_config_mode(user=user, cluster=server.cluster)
    cluster = server.cluster
    server.delete()
    remaining = list(cluster.servers.order_by("priority"))
    Server.objects.filter(pk__in=[s.pk for s in remaining]).update(priority=models.F("priority") + 1000)
    for order, other in enumerate(remaining):
        Server.objects.filter(pk=other.pk).update(priority=order)


def set_forced_stop(*, user, cluster: Cluster, kind: str, instance_ids: dict[Server, str]) -> ForcedStop:
    require_config_mode(user=user, cluster=cluster)
    if kind == ForcedStop.Kind.AWS:
        return set_aws_forced_stop(user=user, cluster=cluster, instance_ids=instance_ids)
    forced_stop, _ = ForcedStop.objects.update_or_create(cluster=cluster, defaults={"kind": kind})
    return forced_stop
