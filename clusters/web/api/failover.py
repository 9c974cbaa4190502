"""The console's API for failover you can prove: the worst case computed per group, the rehearsal and drills as
runs to follow, and each drill's evidence (JSON, PDF). (The game day's FIS template is the Failover page's.)"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from clusters.operation import drillreport, rehearsal, worstcase
from clusters.runs import taskruns
from clusters.runtime import Drill
from webui.roles import Role, require_role

from .configuration import cluster_of
from .errors import Refused, problem
from .schemas import Errors, Message, RunOut, run_out

router = Router(tags=["Failover"])


class RehearsalIn(Schema):
    server: str
    draft: bool = False  # rehearse the configuration being edited rather than the applied one


class DrillIn(Schema):
    group: str = ""  # empty: every group that is online


@router.get("/{int:pk}/worst-case", summary="Each group's computed worst case of a failover (?configuration=draft)")
def worst_case(request, pk: int, configuration: str = "applied") -> dict:
    require_role(request.user, Role.VIEWER)
    if configuration not in ("applied", "draft"):
        raise Refused([problem("configuration", f"{configuration!r} is no configuration.", "Use applied or draft.")])
    config, which = rehearsal.configuration_of(cluster_of(pk), draft=configuration == "draft")
    return {"configuration": which, "groups": [w.as_dict() for w in worstcase.worst_case(config)]}


@router.post(
    "/{int:pk}/rehearsal",
    response={202: RunOut, 409: Message, 422: Errors},
    summary="What if SERVER failed now? A run whose result lists each group: target, ok, findings",
)
def rehearse(request, pk: int, payload: RehearsalIn):
    cluster = cluster_of(pk)
    if payload.server not in set(cluster.servers.values_list("name", flat=True)):
        raise Refused([problem("server", f"There is no server {payload.server!r}.", "Name a server of the cluster.")])
    params = {"server": payload.server, **({"draft": True} if payload.draft else {})}
    return Status(
        202, run_out(taskruns.start_run(kind="failover_rehearsal", user=request.user, cluster=cluster, params=params))
    )


@router.post("/{int:pk}/drills", response={202: RunOut, 409: Message, 422: Errors}, summary="Start a failover drill")
def start_drill(request, pk: int, payload: DrillIn):
    params = {"group": payload.group} if payload.group else {}
    return Status(
        202, run_out(taskruns.start_run(kind="drill", user=request.user, cluster=cluster_of(pk), params=params))
    )


@router.get("/{int:pk}/drills", summary="The cluster's drills (newest first), each with its verdict")
def list_drills(request, pk: int, limit: int = 20) -> list[dict]:
    require_role(request.user, Role.VIEWER)
    drills = Drill.objects.filter(cluster=cluster_of(pk))[: max(1, min(limit, 100))]
    return [
        {"drill": d.pk, "started_at": d.started_at.isoformat(), "passed": d.passed, "summary": d.summary}
        for d in drills
    ]


@router.get("/{int:pk}/drills/{int:drill}", summary="A drill's evidence: steps, samples, measured against computed")
def get_drill(request, pk: int, drill: int) -> dict:
    require_role(request.user, Role.VIEWER)
    return drillreport.report(get_object_or_404(Drill, cluster=cluster_of(pk), pk=drill))


@router.get("/{int:pk}/drills/{int:drill}/pdf", summary="A drill's evidence as PDF, with its timeline chart")
def get_drill_pdf(request, pk: int, drill: int):
    require_role(request.user, Role.VIEWER)
    found = get_object_or_404(Drill, cluster=cluster_of(pk), pk=drill)
    response = HttpResponse(drillreport.pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.cluster.name}-drill-{found.pk}.pdf"'
    return response
