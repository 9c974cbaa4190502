"""The console's API for clusters and their draft configuration: create, read, import and export a cluster,
its problems and status, and add, change and remove its servers, failover groups, group resources and
monitor resources. Every endpoint calls the services the config mode's pages call."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Status
from ninja.files import UploadedFile

from clusters.clpconf import transfer
from clusters.configuration import services
from clusters.configuration.config import plain
from clusters.configuration.draft import from_models
from clusters.configuration.validation import validate
from clusters.models import Cluster, FailoverGroup, Server
from clusters.operation import productstatus
from clusters.operation.status import status_context
from monitors.models import MonitorResource
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES
from webui.roles import Role, require_role

from .errors import Refused, problem
from .schemas import (
    ClusterIn,
    ClusterOut,
    Errors,
    GroupChange,
    GroupIn,
    MonitorIn,
    ProblemOut,
    ResourceIn,
    ServerIn,
    ValuesChange,
    cluster_out,
    imported_out,
)


def _check_values(spec, name: str, parameters: dict, server_parameters: dict, cluster: Cluster) -> None:
    """The type's own rules, as its form applies them: refused with each field and its fix."""
    servers = set(cluster.servers.values_list("name", flat=True))
    unknown = [s for s in server_parameters if s not in servers]
    problems = [
        problem(
            f"server_parameters.{s}",
            f"{s} is not a server of {cluster.name}.",
            f"Use one of: {', '.join(sorted(servers))}.",
        )
        for s in unknown
    ]
    names = {p.name for p in spec.params}
    for key in [*parameters, *(k for values in server_parameters.values() for k in values)]:
        if key not in names:
            problems.append(
                problem(
                    f"parameters.{key}",
                    f"{spec.label} has no parameter {key}.",
                    f"Use one of: {', '.join(sorted(names))}.",
                )
            )
    if not problems:
        for p in spec.validate(name, parameters, server_parameters):
            where = f"server_parameters.{p.server}" if p.server else "parameters"
            param = next((x.name for x in spec.params if x.label == p.field), p.field)
            problems.append(problem(f"{where}.{param}", p.message, p.fix))
    if problems:
        raise Refused(problems)


def _type_of(registry, code: str, cluster: Cluster):
    try:
        return registry.get_type(code, cluster.server_os)
    except KeyError:
        known = ", ".join(code for code, _ in registry.choices(cluster.server_os))
        raise Refused([problem("type", f"There is no type {code!r}.", f"Use one of: {known}.")]) from None


def cluster_of(pk: int) -> Cluster:
    return get_object_or_404(Cluster, pk=pk)


def _by_name(model, cluster: Cluster, name: str):
    found = model.objects.filter(cluster=cluster, name=name).first()
    if found is None:
        raise LookupError(f"Cluster {cluster.name} has no {model._meta.verbose_name} named {name}.")
    return found


def _resources(cluster: Cluster, names: list[str]) -> list[GroupResource]:
    found = {r.name: r for r in GroupResource.objects.filter(cluster=cluster, name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise Refused(
            [
                problem(
                    "depends_on",
                    f"There is no group resource {', '.join(missing)}.",
                    "Name resources of the same failover group.",
                )
            ]
        )
    return [found[n] for n in names]


# --- clusters -------------------------------------------------------------------------------------------

router = Router(tags=["Clusters"])


@router.get("/", response=list[ClusterOut], summary="List the clusters")
def list_clusters(request):
    require_role(request.user, Role.VIEWER)
    return [cluster_out(c) for c in Cluster.objects.all()]


@router.post("/", response={201: ClusterOut, 422: Errors}, summary="Create a cluster (its draft)")
def create_cluster(request, payload: ClusterIn):
    cluster = services.create_cluster(user=request.user, **payload.dict())
    return Status(201, cluster_out(cluster))


@router.get("/{int:pk}", response=ClusterOut, summary="A cluster")
def get_cluster(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return cluster_out(cluster_of(pk))


@router.get("/{int:pk}/configuration", summary="The draft configuration, typed (servers, interconnects, ...)")
def get_configuration(request, pk: int) -> dict:
    require_role(request.user, Role.VIEWER)
    found = plain(from_models(cluster_of(pk)))
    found["cluster"] = {k: v for k, v in found["cluster"].items() if k not in ("source_conf", "extra_files")}
    return found


@router.get("/{int:pk}/problems", response=list[ProblemOut], summary="What is wrong with the draft (no AWS call)")
def get_problems(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return [p.as_dict() for p in validate(from_models(cluster_of(pk)))]


@router.get("/{int:pk}/status", summary="Operation mode's status: cluster, servers, groups, resources, monitors")
def get_status(request, pk: int) -> dict:
    require_role(request.user, Role.VIEWER)
    status = status_context(cluster_of(pk))
    if status["version"] is None:
        return {"applied_version": None}

    def state(s):
        return {
            "status": s.status if s else "offline",
            "server": s.server if s else "",
            "message": s.message if s else "",
        }

    words = status["product"]  # each object's status in the product's words, as clpstat and the RESTful API say
    return {
        "applied_version": status["version"].number,
        "cluster_status": status["cluster_status"],
        "servers": [
            {
                "name": n,
                "product_status": words["servers"][n],
                "instance": state(i),
                # the cluster service: the same truth as Operation Mode and the RESTful API (never running while
                # the cluster is Offline)
                "service": {"status": "online" if svc else "offline", "server": n, "message": ""},
                "status": productstatus.product_status("server", n, snap=status["snap"]).value,
                "agent": {"status": agent.status, "message": agent.text},
            }
            for n, i, svc, agent in status["servers"]
        ],
        "groups": [
            {"name": g.name, "product_status": words["groups"][g.name], **state(s)} for g, s, _ in status["groups"]
        ],
        "resources": [
            {"name": r.name, "type": r.type, "group": r.group, "product_status": words["resources"][r.name], **state(s)}
            for r, s in status["resources"]
        ],
        "monitors": [
            {"name": m.name, "type": m.type, "product_status": words["monitors"][m.name], **state(s)}
            for m, s in status["monitors"]
        ],
    }


@router.get("/{int:pk}/export", summary="Export the Setting: the zip, or ?format=conf for clp.conf alone")
def export_setting(request, pk: int, format: str = "zip"):
    cluster = cluster_of(pk)
    if format == "conf":
        data = transfer.export_conf(user=request.user, cluster=cluster)
        response = HttpResponse(data, content_type="application/xml")
        response["Content-Disposition"] = 'attachment; filename="clp.conf"'
        return response
    if format != "zip":
        raise Refused([problem("format", f"{format!r} is not a format.", "Use zip or conf.")])
    response = HttpResponse(transfer.export_zip(user=request.user, cluster=cluster), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{cluster.name}.zip"'
    return response


@router.post("/import", response={201: dict, 422: Errors}, summary="Import the Setting as a new cluster")
def import_new(request, file: File[UploadedFile], name: str | None = None):
    result = transfer.import_configuration(user=request.user, data=file.read(), name=name or None)
    return Status(201, imported_out(result))


@router.post("/{int:pk}/import", response={200: dict, 422: Errors}, summary="Import the Setting over this draft")
def import_into(request, pk: int, file: File[UploadedFile]):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    return imported_out(transfer.import_configuration(user=request.user, data=file.read(), into=cluster))


# --- configuration objects ------------------------------------------------------------------------------


@router.post("/{int:pk}/servers", response={201: dict, 422: Errors}, summary="Add a server (Basic Settings)")
def add_server(request, pk: int, payload: ServerIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    server = services.add_server_with_address(user=request.user, cluster=cluster, **payload.dict())
    return Status(201, {"name": server.name, "priority": server.priority})


@router.delete("/{int:pk}/servers/{name}", response={204: None}, summary="Remove a server")
def remove_server(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    services.remove_server(user=request.user, server=_by_name(Server, cluster, name))
    return Status(204, None)


@router.post("/{int:pk}/groups", response={201: dict, 422: Errors}, summary="Add a failover group")
def add_group(request, pk: int, payload: GroupIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    servers = [_by_name(Server, cluster, s) for s in payload.startup_servers]
    group = services.add_failover_group(
        user=request.user, cluster=cluster, name=payload.name, comment=payload.comment, startup_servers=servers
    )
    return Status(201, {"name": group.name, "gid": group.gid})


@router.patch("/{int:pk}/groups/{name}", response={200: dict, 422: Errors}, summary="Change a failover group")
def change_group(request, pk: int, name: str, payload: GroupChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    changes = payload.dict(exclude_none=True)
    if "startup_servers" in changes:
        changes["startup_servers"] = [_by_name(Server, cluster, s) for s in changes["startup_servers"]]
    group = services.update_group(user=request.user, group=_by_name(FailoverGroup, cluster, name), **changes)
    return {"name": group.name, "startup": group.startup, "failover": group.failover, "failback": group.failback}


@router.delete("/{int:pk}/groups/{name}", response={204: None}, summary="Remove a failover group")
def remove_group(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(FailoverGroup, cluster_of(pk), name))
    return Status(204, None)


@router.post(
    "/{int:pk}/groups/{group}/resources",
    response={201: dict, 422: Errors},
    summary="Add a group resource (an AWS resource adds its monitor)",
)
def add_resource(request, pk: int, group: str, payload: ResourceIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    target_group = _by_name(FailoverGroup, cluster, group)
    spec = _type_of(RESOURCE_TYPES, payload.type, cluster)
    _check_values(spec, payload.name, payload.parameters, payload.server_parameters, cluster)
    resource = services.add_group_resource(
        user=request.user,
        group=target_group,
        type=payload.type,
        name=payload.name,
        comment=payload.comment,
        parameters=payload.parameters,
        server_parameters=payload.server_parameters,
        depends_on=_resources(cluster, payload.depends_on),
    )
    return Status(201, plain(from_models(cluster).resource(resource.name)))


@router.patch("/{int:pk}/resources/{name}", response={200: dict, 422: Errors}, summary="Change a group resource")
def change_resource(request, pk: int, name: str, payload: ValuesChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    resource = _by_name(GroupResource, cluster, name)
    changes = payload.dict(exclude_none=True)
    if "depends_on" in changes:
        changes["depends_on"] = _resources(cluster, changes["depends_on"])
    _changed_values(request, cluster, resource, changes)
    services.update_group_resource(user=request.user, resource=resource, **changes)
    return plain(from_models(cluster).resource(name))


@router.delete(
    "/{int:pk}/resources/{name}", response={204: None}, summary="Remove a group resource (and the monitors it added)"
)
def remove_resource(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(GroupResource, cluster_of(pk), name))
    return Status(204, None)


@router.post("/{int:pk}/monitors", response={201: dict, 422: Errors}, summary="Add a monitor resource")
def add_monitor(request, pk: int, payload: MonitorIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    spec = _type_of(MONITOR_TYPES, payload.type, cluster)
    _check_values(spec, payload.name, payload.parameters, payload.server_parameters, cluster)
    target = _by_name(GroupResource, cluster, payload.target) if payload.target else None
    monitor = services.add_monitor_resource(
        user=request.user,
        cluster=cluster,
        type=payload.type,
        name=payload.name,
        target=target,
        parameters=payload.parameters,
        server_parameters=payload.server_parameters,
        comment=payload.comment,
    )
    return Status(201, plain(from_models(cluster).monitor(monitor.name)))


@router.patch("/{int:pk}/monitors/{name}", response={200: dict, 422: Errors}, summary="Change a monitor resource")
def change_monitor(request, pk: int, name: str, payload: ValuesChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = cluster_of(pk)
    monitor = _by_name(MonitorResource, cluster, name)
    changes = payload.dict(exclude_none=True)
    if changes.pop("depends_on", None) is not None:
        raise Refused([problem("depends_on", "A monitor resource has no dependency.", "Leave depends_on out.")])
    _changed_values(request, cluster, monitor, changes)
    services.update_monitor_resource(user=request.user, monitor=monitor, **changes)
    return plain(from_models(cluster).monitor(name))


@router.delete("/{int:pk}/monitors/{name}", response={204: None}, summary="Remove a monitor resource")
def remove_monitor(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(MonitorResource, cluster_of(pk), name))
    return Status(204, None)


def _changed_values(request, cluster, obj, changes: dict) -> None:
    """New parameters are checked as a whole, with what is kept of the old ones."""
    if "parameters" not in changes and "server_parameters" not in changes:
        return
    names = dict(cluster.servers.values_list("pk", "name"))
    stored = {names.get(int(pk), pk): v for pk, v in obj.server_parameters.items()}
    _check_values(
        obj.type_spec,
        obj.name,
        changes.get("parameters", obj.parameters),
        changes.get("server_parameters", stored),
        cluster,
    )
