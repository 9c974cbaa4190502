"""The console's API for what runs: Check AWS, Apply and every operation as runs to follow with their log
lines, the alert log, and the applied versions (compare, restore)."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from clusters.models import TaskRun
from clusters.operation import history
from clusters.runs import taskruns
from clusters.runtime import Alert
from webui.roles import Role, require_role

from .configuration import cluster_of
from .errors import Refused, problem
from .schemas import AlertOut, Errors, Message, RunIn, RunOut, VersionOut, imported_out, run_out

# A cluster's runs sit under /clusters/ beside its configuration; a run itself under /runs/.
cluster_router = Router(tags=["Clusters"])


@cluster_router.post("/{int:pk}/check", response={202: RunOut, 409: Message}, summary="Check AWS (a run to follow)")
def check_aws(request, pk: int):
    return Status(202, run_out(taskruns.start_run(kind="aws_check", user=request.user, cluster=cluster_of(pk))))


@cluster_router.post(
    "/{int:pk}/apply", response={202: RunOut, 409: Message}, summary="Apply the Configuration File (a run to follow)"
)
def apply(request, pk: int):
    return Status(202, run_out(taskruns.start_run(kind="apply", user=request.user, cluster=cluster_of(pk))))


@cluster_router.post(
    "/{int:pk}/runs",
    response={202: RunOut, 409: Message, 422: Errors},
    summary="Start an operation: group_start, group_move, resource_stop, cluster_start, ...",
)
def start_run(request, pk: int, payload: RunIn):
    operations = sorted(name for name, kind in taskruns.KINDS.items() if not kind.by_engine)
    if payload.kind not in operations:
        raise Refused(
            [
                problem(
                    "kind", f"There is no operation {payload.kind!r} to start.", f"Use one of: {', '.join(operations)}."
                )
            ]
        )
    run = taskruns.start_run(kind=payload.kind, user=request.user, cluster=cluster_of(pk), params=payload.params)
    return Status(202, run_out(run))


@cluster_router.get("/{int:pk}/runs", response=list[RunOut], summary="The cluster's recent runs (newest first)")
def list_runs(request, pk: int, limit: int = 20):
    require_role(request.user, Role.VIEWER)
    runs = TaskRun.objects.filter(cluster=cluster_of(pk)).select_related("cluster")[: max(1, min(limit, 100))]
    return [run_out(r, lines=False) for r in runs]


@cluster_router.get("/{int:pk}/alerts", response=list[AlertOut], summary="The Alert logs (newest first)")
def list_alerts(request, pk: int, level: str = "", limit: int = 50):
    require_role(request.user, Role.VIEWER)
    alerts = Alert.objects.filter(cluster=cluster_of(pk))
    if level:
        alerts = alerts.filter(level=level)
    return [
        {"at": a.at.isoformat(), "level": a.level, "server": a.server, "message": a.message}
        for a in alerts[: max(1, min(limit, 500))]
    ]


@cluster_router.get("/{int:pk}/versions", response=list[VersionOut], summary="Every applied version")
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
        for v in history.versions(cluster_of(pk))
    ]


@cluster_router.get(
    "/{int:pk}/versions/{int:number}/compare", summary="What changed from this version to the draft (or ?to=N)"
)
def compare_version(request, pk: int, number: int, to: str = history.DRAFT) -> dict:
    require_role(request.user, Role.VIEWER)
    found = history.compare(cluster_of(pk), str(number), to)
    return {"changes": [asdict(c) for c in found["changes"]], "operations": found["operations"], "diff": found["diff"]}


@cluster_router.post(
    "/{int:pk}/versions/{int:number}/restore",
    response={200: dict, 409: Message},
    summary="Restore: the version becomes the draft, to review and apply",
)
def restore_version(request, pk: int, number: int):
    require_role(request.user, Role.ADMINISTRATOR)  # before anything is looked up
    return imported_out(history.restore(user=request.user, cluster=cluster_of(pk), number=number))


router = Router(tags=["Runs"])


@router.get("/{int:pk}", response=RunOut, summary="A run: its status, progress, result and log lines")
def get_run(request, pk: int):
    require_role(request.user, Role.VIEWER)
    return run_out(get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk))
