"""Save a read clp.conf as a new cluster: all or nothing, a fixed number of queries."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

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
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES

from . import names as N
from .reader import ConfError, ConfSpec


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


def _scripts(files: dict, prefix: str, names: tuple[str, ...]) -> dict:
    """Move this object's script files out of `files` (the rest stays with the cluster)."""
    found = {}
    for path in [p for p in files if p.startswith(prefix)]:
        found[path[len(prefix) :]] = files.pop(path)
    return found


@transaction.atomic
def save(spec: ConfSpec, *, name: str | None = None, into: Cluster | None = None) -> Cluster:
    """Save as a new cluster, or, with `into`, replace that cluster's whole configuration."""
    info = spec.cluster
    cluster_name = name or (into.name if into else info["name"])
    if Cluster.objects.filter(name=cluster_name).exclude(pk=into.pk if into else None).exists():
        raise ConfError(
            f"A cluster named {cluster_name} exists already; import under another name or remove that cluster first."
        )
    files = dict(spec.files)
    cluster = into or Cluster()
    fields = {
        "name": cluster_name,
        "comment": info["comment"],
        "language": info["language"],
        "server_os": info["server_os"],
        "encoding": info["encoding"],
        "charset": info["charset"],
        "encode": info["encode"],
        "extra_xml": info.get("extra_xml", ""),
        "source_conf": spec.source,
        "extra_files": {},
    }
    for field, value in fields.items():
        setattr(cluster, field, value)
    _checked(cluster, f"Cluster {cluster_name}", exclude=["name"] if into else [])
    if into:
        for related in (into.monitors, into.resources, into.groups, into.heartbeats, into.network_partitions,
                        into.interconnects, into.servers):  # fmt: skip
            related.all().delete()
        ForcedStop.objects.filter(cluster=into).delete()
    cluster.save()
    servers = Server.objects.bulk_create(
        [
            _checked(
                Server(cluster=cluster, name=s["name"], priority=s["priority"], extra_xml=s["extra_xml"]),
                f"Server {s['name']}",
                exclude=["cluster"],
            )
            for s in spec.servers
        ]
    )
    server_pk = {s.name: str(s.pk) for s in servers}
    server_by_name = {s.name: s for s in servers}

    def by_pk(values: dict) -> dict:
        return {server_pk[server]: v for server, v in values.items()}

    interconnects = Interconnect.objects.bulk_create(
        [
            Interconnect(
                cluster=cluster,
                priority=row["priority"],
                device_id=row["device_id"],
                heartbeat=row["heartbeat"],
                heartbeat_name=row["heartbeat_name"],
                mdc=row["mdc"],
                mdc_device_id=row["mdc_device_id"],
            )
            for row in spec.interconnects
        ]
    )
    addresses = []
    for interconnect, row in zip(interconnects, spec.interconnects, strict=True):
        for server, address in row["addresses"].items():
            addresses.append(
                _checked(
                    InterconnectAddress(interconnect=interconnect, server=server_by_name[server], address=address),
                    f"Interconnect address of {server} (device {row['device_id']})",
                    exclude=["interconnect", "server"],
                )
            )
    InterconnectAddress.objects.bulk_create(addresses)
    Heartbeat.objects.bulk_create(
        [
            Heartbeat(cluster=cluster, **{k: v for k, v in hb.items() if k != "server_parameters"},
                      server_parameters=by_pk(hb["server_parameters"]))
            for hb in spec.heartbeats
        ]
    )  # fmt: skip
    NetworkPartition.objects.bulk_create(
        [
            NetworkPartition(cluster=cluster, **{k: v for k, v in np.items() if k != "server_parameters"},
                             server_parameters=by_pk(np["server_parameters"]))
            for np in spec.network_partitions
        ]
    )  # fmt: skip
    if spec.forced_stop:
        fs = spec.forced_stop
        ForcedStop.objects.create(
            cluster=cluster,
            kind=fs["kind"],
            parameters=fs["parameters"],
            server_parameters=by_pk(fs["server_parameters"]),
            extra_xml=fs["extra_xml"],
        )
    groups = FailoverGroup.objects.bulk_create(
        [
            _checked(
                FailoverGroup(
                    cluster=cluster,
                    **{k: v for k, v in g.items() if k != "startup_servers"},
                ),
                f"Group {g['name']}",
                exclude=["cluster"],
            )
            for g in spec.groups
        ]
    )
    group_by_name = {g.name: g for g in groups}
    GroupStartupServer.objects.bulk_create(
        [
            GroupStartupServer(group=group, server=server_by_name[server], order=order)
            for group, g in zip(groups, spec.groups, strict=True)
            for order, server in enumerate(g["startup_servers"])
        ]
    )
    resources = []
    for r in spec.resources:
        group = group_by_name[r["group"]]
        fields = {k: v for k, v in r.items() if k not in ("group", "server_parameters", "depends_on")}
        resource = GroupResource(
            cluster=cluster, group=group, server_parameters=by_pk(r["server_parameters"]), **fields
        )
        resource.scripts = _scripts(
            files,
            f"{N.SCRIPTS_DIR}/{group.name}/{r['name']}/",
            RESOURCE_TYPES.get_type(r["type"], cluster.server_os).scripts,
        )
        resources.append(_checked(resource, f"Resource {r['name']}", exclude=["cluster", "group"]))
    resources = GroupResource.objects.bulk_create(resources)
    resource_by_name = {r.name: r for r in resources}
    Dependency = GroupResource.depends_on.through
    Dependency.objects.bulk_create(
        [
            Dependency(from_groupresource=resource, to_groupresource=resource_by_name[dependency])
            for resource, r in zip(resources, spec.resources, strict=True)
            for dependency in r["depends_on"]
        ]
    )
    monitors = []
    for m in spec.monitors:
        spec_type = MONITOR_TYPES[m["type"]]
        target = resource_by_name.get(m.get("target"))
        recovery_target = m.get("recovery_target") or ("rsc" if target else "cls")
        recovery_name = m.get("recovery_name") or (target.name if target else N.LOCAL_SERVER)
        monitor = MonitorResource(
            cluster=cluster,
            type=m["type"],
            name=m["name"],
            comment=m["comment"],
            interval=m.get("interval", spec_type.interval),
            timeout=m.get("timeout", spec_type.timeout),
            retry_count=m.get("retry_count", spec_type.retry_count),
            wait_to_start=m.get("wait_to_start", spec_type.wait_to_start),
            monitor_timing=m.get("monitor_timing", "always"),  # the file's default
            target_resource=target,
            recovery_target=recovery_target,
            recovery_resource=resource_by_name.get(recovery_name) if recovery_target == "rsc" else None,
            recovery_group=group_by_name.get(recovery_name) if recovery_target == "grp" else None,
            restart_threshold=m.get("restart_threshold"),
            failover_threshold=m.get("failover_threshold"),
            final_action=m.get("final_action", ""),
            explicit_common=m["explicit_common"],
            parameters=m["parameters"],
            server_parameters=by_pk(m["server_parameters"]),
            extra_xml=m["extra_xml"],
            scripts=_scripts(files, f"{N.SCRIPTS_DIR}/{N.MONITOR_SCRIPTS_DIR}/{m['name']}/", spec_type.scripts),
        )
        if monitor.monitor_timing == "active" and target is None:
            raise ConfError(f"Monitor {m['name']}: Monitor Timing is Active but it names no Target Resource.")
        if target is not None and RESOURCE_TYPES[target.type].monitor == m["type"]:
            monitor.owner_resource = target  # the product added it with that resource
        monitors.append(_checked(monitor, f"Monitor {m['name']}", exclude=["cluster"]))
    MonitorResource.objects.bulk_create(monitors)
    if files:
        Cluster.objects.filter(pk=cluster.pk).update(extra_files=files)
        cluster.extra_files = files
    return cluster


def save_or_explain(spec: ConfSpec, *, name: str | None = None, into: Cluster | None = None) -> Cluster:
    try:
        return save(spec, name=name, into=into)
    except IntegrityError as exc:  # a constraint the reader did not foresee: still one clear line
        raise ConfError(f"The configuration breaks a rule of the console's database: {exc}.") from None
