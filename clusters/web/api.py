"""The console's own API: everything the console does, for scripts, with an OpenAPI document and its page.

`/api/webui/v1/` (the document at `openapi.json`, the interactive page at `docs`). A script sends an API
token (created and revoked by its user under API tokens) as `Authorization: Bearer cwui_...`; a signed-in
browser uses its session (with the CSRF header for changes). Every endpoint calls the services the views
call, which check the same roles; a Viewer's token reads only. Bad input answers 422 with each field, what
is wrong and the fix, as the forms do.
"""

from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer, django_auth

from clusters.clpconf import transfer
from clusters.configuration import services
from clusters.configuration.config import plain
from clusters.configuration.draft import from_models
from clusters.configuration.validation import validate
from clusters.models import Cluster, FailoverGroup, Server, TaskRun
from clusters.operation import history
from clusters.operation.status import status_context
from clusters.runs import taskruns
from clusters.runtime import Alert
from monitors.models import MonitorResource
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource
from resources.registry import RESOURCE_TYPES
from webui import tokens
from webui.roles import Role, require_role


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cwui_...`: the token's user, with that user's role."""

    def authenticate(self, request, token):
        user = tokens.user_for(token)
        if user is not None:
            request.user = user  # the services and role checks see the token's user
        return user


api = NinjaAPI(
    title="Cluster WebUI API",
    version="1",
    description=__doc__,
    urls_namespace="webui-api",
    auth=[TokenAuth(), django_auth],
)


class Refused(Exception):
    """Bad input: each problem names its field, what is wrong and the fix."""

    def __init__(self, problems: list[dict]):
        super().__init__(problems[0]["message"] if problems else "")
        self.problems = problems


def _problem(field: str, message: str, fix: str = "") -> dict:
    return {"field": field, "message": message, "fix": fix}


@api.exception_handler(Refused)
def _refused(request, exc):
    return api.create_response(request, {"errors": exc.problems}, status=422)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    problems = [
        _problem(
            ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload", "query")),
            e.get("msg", "is not valid"),
            "Send the value the OpenAPI document describes for this field.",
        )
        for e in exc.errors
    ]
    return api.create_response(request, {"errors": problems}, status=422)


@api.exception_handler(ValidationError)
def _model_invalid(request, exc):
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("value", exc.messages)]
    problems = [_problem(field, " ".join(messages), "Correct this value.") for field, messages in items]
    return api.create_response(request, {"errors": problems}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Your role does not allow this."}, status=403)


@api.exception_handler(services.ConfigLocked)
def _locked(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(taskruns.ClusterBusy)
def _busy(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(taskruns.MissingParameter)
def _missing_parameter(request, exc):
    problem = _problem(f"params.{exc.field}", str(exc), f"Add {exc.field} to params.")
    return api.create_response(request, {"errors": [problem]}, status=422)


@api.exception_handler(transfer.ConfError)
def _bad_file(request, exc):
    return api.create_response(request, {"errors": [_problem("file", str(exc), "Export the file again.")]}, status=422)


@api.exception_handler(LookupError)
def _missing(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": "Send an API token: Authorization: Bearer cwui_... (create one under API tokens)."},
        status=401,
    )


# --- schemas -----------------------------------------------------------------------------------------


class Message(Schema):
    detail: str


class FieldProblem(Schema):
    field: str
    message: str
    fix: str


class Errors(Schema):
    errors: list[FieldProblem]


class ClusterOut(Schema):
    id: int
    name: str
    comment: str
    language: str
    server_os: str


class ClusterIn(Schema):
    name: str
    language: str = "en"
    comment: str = ""


class ServerIn(Schema):
    name: str
    address: str  # its private IP address on the first interconnect


class GroupIn(Schema):
    name: str
    comment: str = ""
    startup_servers: list[str] = []


class GroupChange(Schema):
    comment: str | None = None
    startup_servers: list[str] | None = None
    startup: str | None = None
    failover: str | None = None
    failback: str | None = None


class ResourceIn(Schema):
    type: str
    name: str
    comment: str = ""
    parameters: dict[str, Any] = {}
    server_parameters: dict[str, dict[str, Any]] = {}  # server name -> its own values
    depends_on: list[str] = []


class ValuesChange(Schema):
    comment: str | None = None
    parameters: dict[str, Any] | None = None
    server_parameters: dict[str, dict[str, Any]] | None = None
    depends_on: list[str] | None = None


class MonitorIn(Schema):
    type: str
    name: str
    comment: str = ""
    target: str = ""  # Target Resource
    parameters: dict[str, Any] = {}
    server_parameters: dict[str, dict[str, Any]] = {}


class RunIn(Schema):
    kind: str
    params: dict[str, Any] = {}


class RunOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    cluster: str | None
    params: dict
    result: dict
    error: str
    created_at: str
    finished_at: str | None
    lines: list[dict]


class AlertOut(Schema):
    at: str
    level: str
    server: str
    message: str


class VersionOut(Schema):
    number: int
    applied_at: str
    applied_by: str
    distributed_to: str
    operations: list


class ProblemOut(Schema):
    object: str
    field: str
    server: str
    message: str
    solution: str
    severity: str
    code: str
    check: str
    cause: str


def _cluster_out(cluster: Cluster) -> dict:
    return {
        "id": cluster.pk,
        "name": cluster.name,
        "comment": cluster.comment,
        "language": cluster.language,
        "server_os": cluster.server_os,
    }


def _run_out(run: TaskRun, *, lines: bool = True) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "progress": run.progress,
        "cluster": run.cluster.name if run.cluster_id else None,
        "params": run.params,
        "result": run.result,
        "error": run.error,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "lines": [{"at": line.at.isoformat(), "level": line.level, "message": line.message} for line in run.lines.all()]
        if lines
        else [],
    }


def _check_values(spec, name: str, parameters: dict, server_parameters: dict, cluster: Cluster) -> None:
    """The type's own rules, as its form applies them: refused with each field and its fix."""
    servers = set(cluster.servers.values_list("name", flat=True))
    unknown = [s for s in server_parameters if s not in servers]
    problems = [
        _problem(
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
                _problem(
                    f"parameters.{key}",
                    f"{spec.label} has no parameter {key}.",
                    f"Use one of: {', '.join(sorted(names))}.",
                )
            )
    if not problems:
        for p in spec.validate(name, parameters, server_parameters):
            where = f"server_parameters.{p.server}" if p.server else "parameters"
            param = next((x.name for x in spec.params if x.label == p.field), p.field)
            problems.append(_problem(f"{where}.{param}", p.message, p.fix))
    if problems:
        raise Refused(problems)


def _type_of(registry, code: str, cluster: Cluster):
    try:
        return registry.get_type(code, cluster.server_os)
    except KeyError:
        known = ", ".join(code for code, _ in registry.choices(cluster.server_os))
        raise Refused([_problem("type", f"There is no type {code!r}.", f"Use one of: {known}.")]) from None


def _cluster(request, pk: int) -> Cluster:
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
                _problem(
                    "depends_on",
                    f"There is no group resource {', '.join(missing)}.",
                    "Name resources of the same failover group.",
                )
            ]
        )
    return [found[n] for n in names]


# --- clusters -------------------------------------------------------------------------------------------

clusters = Router(tags=["Clusters"])


@clusters.get("/", response=list[ClusterOut], summary="List the clusters")
def list_clusters(request):
    require_role(request.user, Role.VIEWER)
    return [_cluster_out(c) for c in Cluster.objects.all()]


@clusters.post("/", response={201: ClusterOut, 422: Errors}, summary="Create a cluster (its draft)")
def create_cluster(request, payload: ClusterIn):
    cluster = services.create_cluster(user=request.user, **payload.dict())
    return Status(201, _cluster_out(cluster))


@clusters.get("/{int:pk}", response=ClusterOut, summary="A cluster")
def get_cluster(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return _cluster_out(_cluster(request, pk))


@clusters.get("/{int:pk}/configuration", summary="The draft configuration, typed (servers, interconnects, ...)")
def get_configuration(request, pk: int) -> dict:
    require_role(request.user, Role.VIEWER)
    found = plain(from_models(_cluster(request, pk)))
    found["cluster"] = {k: v for k, v in found["cluster"].items() if k not in ("source_conf", "extra_files")}
    return found


@clusters.get("/{int:pk}/problems", response=list[ProblemOut], summary="What is wrong with the draft (no AWS call)")
def get_problems(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return [p.as_dict() for p in validate(from_models(_cluster(request, pk)))]


@clusters.get("/{int:pk}/status", summary="Operation mode's status: cluster, servers, groups, resources, monitors")
def get_status(request, pk: int) -> dict:
    require_role(request.user, Role.VIEWER)
    status = status_context(_cluster(request, pk))
    if status["version"] is None:
        return {"applied_version": None}

    def state(s):
        return {
            "status": s.status if s else "offline",
            "server": s.server if s else "",
            "message": s.message if s else "",
        }

    return {
        "applied_version": status["version"].number,
        "cluster_status": status["cluster_status"],
        "servers": [
            {
                "name": n,
                "instance": state(i),
                "service": state(svc),
                "agent": {"status": agent.status, "message": agent.text},
            }
            for n, i, svc, agent in status["servers"]
        ],
        "groups": [{"name": g.name, **state(s)} for g, s, _ in status["groups"]],
        "resources": [{"name": r.name, "type": r.type, "group": r.group, **state(s)} for r, s in status["resources"]],
        "monitors": [{"name": m.name, "type": m.type, **state(s)} for m, s in status["monitors"]],
    }


@clusters.get("/{int:pk}/export", summary="Export the Setting: the zip, or ?format=conf for clp.conf alone")
def export_setting(request, pk: int, format: str = "zip"):
    cluster = _cluster(request, pk)
    if format == "conf":
        data = transfer.export_conf(user=request.user, cluster=cluster)
        response = HttpResponse(data, content_type="application/xml")
        response["Content-Disposition"] = 'attachment; filename="clp.conf"'
        return response
    if format != "zip":
        raise Refused([_problem("format", f"{format!r} is not a format.", "Use zip or conf.")])
    response = HttpResponse(transfer.export_zip(user=request.user, cluster=cluster), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{cluster.name}.zip"'
    return response


def _imported(result) -> dict:
    return {"cluster": _cluster_out(result.cluster), "warnings": result.warnings}


@clusters.post("/import", response={201: dict, 422: Errors}, summary="Import the Setting as a new cluster")
def import_new(request, file: File[UploadedFile], name: str | None = None):
    return Status(201, _imported(transfer.import_configuration(user=request.user, data=file.read(), name=name or None)))


@clusters.post("/{int:pk}/import", response={200: dict, 422: Errors}, summary="Import the Setting over this draft")
def import_into(request, pk: int, file: File[UploadedFile]):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    return _imported(transfer.import_configuration(user=request.user, data=file.read(), into=cluster))


# --- configuration objects ------------------------------------------------------------------------------


@clusters.post("/{int:pk}/servers", response={201: dict, 422: Errors}, summary="Add a server (Basic Settings)")
def add_server(request, pk: int, payload: ServerIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    server = services.add_server_with_address(user=request.user, cluster=cluster, **payload.dict())
    return Status(201, {"name": server.name, "priority": server.priority})


@clusters.delete("/{int:pk}/servers/{name}", response={204: None}, summary="Remove a server")
def remove_server(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    services.remove_server(user=request.user, server=_by_name(Server, cluster, name))
    return Status(204, None)


@clusters.post("/{int:pk}/groups", response={201: dict, 422: Errors}, summary="Add a failover group")
def add_group(request, pk: int, payload: GroupIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    servers = [_by_name(Server, cluster, s) for s in payload.startup_servers]
    group = services.add_failover_group(
        user=request.user, cluster=cluster, name=payload.name, comment=payload.comment, startup_servers=servers
    )
    return Status(201, {"name": group.name, "gid": group.gid})


@clusters.patch("/{int:pk}/groups/{name}", response={200: dict, 422: Errors}, summary="Change a failover group")
def change_group(request, pk: int, name: str, payload: GroupChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    changes = payload.dict(exclude_none=True)
    if "startup_servers" in changes:
        changes["startup_servers"] = [_by_name(Server, cluster, s) for s in changes["startup_servers"]]
    group = services.update_group(user=request.user, group=_by_name(FailoverGroup, cluster, name), **changes)
    return {"name": group.name, "startup": group.startup, "failover": group.failover, "failback": group.failback}


@clusters.delete("/{int:pk}/groups/{name}", response={204: None}, summary="Remove a failover group")
def remove_group(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(FailoverGroup, _cluster(request, pk), name))
    return Status(204, None)


@clusters.post(
    "/{int:pk}/groups/{group}/resources",
    response={201: dict, 422: Errors},
    summary="Add a group resource (an AWS resource adds its monitor)",
)
def add_resource(request, pk: int, group: str, payload: ResourceIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
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


@clusters.patch("/{int:pk}/resources/{name}", response={200: dict, 422: Errors}, summary="Change a group resource")
def change_resource(request, pk: int, name: str, payload: ValuesChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    resource = _by_name(GroupResource, cluster, name)
    changes = payload.dict(exclude_none=True)
    if "depends_on" in changes:
        changes["depends_on"] = _resources(cluster, changes["depends_on"])
    _changed_values(request, cluster, resource, changes)
    services.update_group_resource(user=request.user, resource=resource, **changes)
    return plain(from_models(cluster).resource(name))


@clusters.delete(
    "/{int:pk}/resources/{name}", response={204: None}, summary="Remove a group resource (and the monitors it added)"
)
def remove_resource(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(GroupResource, _cluster(request, pk), name))
    return Status(204, None)


@clusters.post("/{int:pk}/monitors", response={201: dict, 422: Errors}, summary="Add a monitor resource")
def add_monitor(request, pk: int, payload: MonitorIn):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
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


@clusters.patch("/{int:pk}/monitors/{name}", response={200: dict, 422: Errors}, summary="Change a monitor resource")
def change_monitor(request, pk: int, name: str, payload: ValuesChange):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    cluster = _cluster(request, pk)
    monitor = _by_name(MonitorResource, cluster, name)
    changes = payload.dict(exclude_none=True)
    if changes.pop("depends_on", None) is not None:
        raise Refused([_problem("depends_on", "A monitor resource has no dependency.", "Leave depends_on out.")])
    _changed_values(request, cluster, monitor, changes)
    services.update_monitor_resource(user=request.user, monitor=monitor, **changes)
    return plain(from_models(cluster).monitor(name))


@clusters.delete("/{int:pk}/monitors/{name}", response={204: None}, summary="Remove a monitor resource")
def remove_monitor(request, pk: int, name: str):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    services.remove_object(user=request.user, obj=_by_name(MonitorResource, _cluster(request, pk), name))
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


# --- runs: Check AWS, Apply, operations ---------------------------------------------------------------


@clusters.post("/{int:pk}/check", response={202: RunOut, 409: Message}, summary="Check AWS (a run to follow)")
def check_aws(request, pk: int):
    return Status(202, _run_out(taskruns.start_run(kind="aws_check", user=request.user, cluster=_cluster(request, pk))))


@clusters.post(
    "/{int:pk}/apply", response={202: RunOut, 409: Message}, summary="Apply the Configuration File (a run to follow)"
)
def apply(request, pk: int):
    return Status(202, _run_out(taskruns.start_run(kind="apply", user=request.user, cluster=_cluster(request, pk))))


@clusters.post(
    "/{int:pk}/runs",
    response={202: RunOut, 409: Message, 422: Errors},
    summary="Start an operation: group_start, group_move, resource_stop, cluster_start, ...",
)
def start_run(request, pk: int, payload: RunIn):
    operations = sorted(name for name, kind in taskruns.KINDS.items() if not kind.by_engine)
    if payload.kind not in operations:
        raise Refused(
            [
                _problem(
                    "kind", f"There is no operation {payload.kind!r} to start.", f"Use one of: {', '.join(operations)}."
                )
            ]
        )
    run = taskruns.start_run(kind=payload.kind, user=request.user, cluster=_cluster(request, pk), params=payload.params)
    return Status(202, _run_out(run))


@clusters.get("/{int:pk}/runs", response=list[RunOut], summary="The cluster's recent runs (newest first)")
def list_runs(request, pk: int, limit: int = 20):
    require_role(request.user, Role.VIEWER)
    runs = TaskRun.objects.filter(cluster=_cluster(request, pk)).select_related("cluster")[: max(1, min(limit, 100))]
    return [_run_out(r, lines=False) for r in runs]


@clusters.get("/{int:pk}/alerts", response=list[AlertOut], summary="The Alert logs (newest first)")
def list_alerts(request, pk: int, level: str = "", limit: int = 50):
    require_role(request.user, Role.VIEWER)
    alerts = Alert.objects.filter(cluster=_cluster(request, pk))
    if level:
        alerts = alerts.filter(level=level)
    return [
        {"at": a.at.isoformat(), "level": a.level, "server": a.server, "message": a.message}
        for a in alerts[: max(1, min(limit, 500))]
    ]


@clusters.get("/{int:pk}/versions", response=list[VersionOut], summary="Every applied version")
def list_versions(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return [
        {
            "number": v.number,
            "applied_at": v.applied_at.isoformat(),
            "applied_by": v.applied_by.username if v.applied_by else "",
            "distributed_to": v.distributed_to,
            "operations": v.operations,
        }
        for v in history.versions(_cluster(request, pk))
    ]


@clusters.get(
    "/{int:pk}/versions/{int:number}/compare", summary="What changed from this version to the draft (or ?to=N)"
)
def compare_version(request, pk: int, number: int, to: str = history.DRAFT) -> dict:
    require_role(request.user, Role.VIEWER)
    found = history.compare(_cluster(request, pk), str(number), to)
    return {"changes": [asdict(c) for c in found["changes"]], "operations": found["operations"], "diff": found["diff"]}


@clusters.post(
    "/{int:pk}/versions/{int:number}/restore",
    response={200: dict, 409: Message},
    summary="Restore: the version becomes the draft, to review and apply",
)
def restore_version(request, pk: int, number: int):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    return _imported(history.restore(user=request.user, cluster=_cluster(request, pk), number=number))


runs = Router(tags=["Runs"])


@runs.get("/{int:pk}", response=RunOut, summary="A run: its status, progress, result and log lines")
def get_run(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return _run_out(get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk))


api.add_router("/clusters/", clusters)
api.add_router("/runs/", runs)
