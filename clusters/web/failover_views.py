"""Failover you can prove (Config Mode and Operation Mode): the worst case computed per group, the rehearsal
("What if SERVER failed now?"), drills with their schedules and evidence, and the game day's FIS template."""

import json

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters.aws import gameday
from clusters.models import Cluster
from clusters.operation import drillreport, drills, rehearsal, state, worstcase
from clusters.runs import taskruns
from clusters.runtime import Drill, DrillSchedule
from webui import aws
from webui.context import MODES
from webui.roles import Role, require_role, role_required

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def failover_context(cluster: Cluster, *, draft: bool) -> dict:
    """What the page shows: each group's worst case from the configuration alone (the page never waits on AWS:
    the rehearsal's run reads the account), the servers, the drills and their schedules."""
    config, which = rehearsal.configuration_of(cluster, draft=draft)
    return {
        "config": config,
        "configuration": which,
        "worst_cases": [  # from where each group runs now (where it would start, when it does not run)
            worstcase.group_worst_case(config, g.name, source=rehearsal.where_it_runs(cluster, config, g.name))
            for g in config.groups
        ],
        "drills": Drill.objects.filter(cluster=cluster).select_related("started_by", "schedule")[:20],
        "schedules": DrillSchedule.objects.filter(cluster=cluster),
        "weekdays": list(enumerate(WEEKDAYS)),
        "running": state.is_running(cluster),
    }


def failover_page(request, pk, mode):
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": mode, "mode_label": MODES[mode].label}
    return render(request, "failover/page.html", context | failover_context(cluster, draft=mode == "config"))


def _back(request, pk):
    return redirect("failover:config" if request.POST.get("mode") == "config" else "failover:operation", pk=pk)


def _start(request, cluster, kind: str, params: dict):
    try:
        run = taskruns.start_run(kind=kind, user=request.user, cluster=cluster, params=params)
    except (taskruns.ClusterBusy, taskruns.MissingParameter) as exc:
        messages.error(request, str(exc))
        return _back(request, cluster.pk)
    return redirect("runs:detail", pk=run.pk)


@require_POST
@role_required(Role.OPERATOR)
def rehearse(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    params = {"server": request.POST.get("server", "")}
    if request.POST.get("mode") == "config":
        params["draft"] = True
    return _start(request, cluster, "failover_rehearsal", params)


@require_POST
@role_required(Role.OPERATOR)
def start_drill(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    group = request.POST.get("group", "")
    return _start(request, cluster, "drill", {"group": group} if group else {})


@require_POST
@role_required(Role.OPERATOR)
def add_schedule(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    post = request.POST
    try:
        numbers = {k: int(post.get(k) or default) for k, default in (("weekday", 6), ("day", 1), ("hour", 3))}
        numbers["window_hours"] = int(post.get("window_hours") or 2)
        drills.add_schedule(
            user=request.user, cluster=cluster, every=post.get("every", ""), group=post.get("group", ""), **numbers
        )
    except ValueError as exc:
        messages.error(request, f"The drill schedule was not added: {exc}")
    else:
        messages.success(request, "Drill schedule added.")
    return redirect("failover:operation", pk=pk)


@require_POST
@role_required(Role.OPERATOR)
def remove_schedule(request, pk, sid):
    drills.remove_schedule(user=request.user, cluster=get_object_or_404(Cluster, pk=pk), pk=sid)
    messages.success(request, "Drill schedule removed.")
    return redirect("failover:operation", pk=pk)


def drill_report(request, pk, drill):
    """A drill's evidence: HTML here, ?format=pdf (with its timeline chart) or ?format=json to download."""
    found = get_object_or_404(Drill.objects.select_related("cluster", "schedule"), cluster_id=pk, pk=drill)
    kind = request.GET.get("format", "html")
    name = f"{found.cluster.name}-drill-{found.pk}"
    if kind == "pdf":
        response = HttpResponse(drillreport.pdf(found), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    if kind == "json":
        response = JsonResponse(drillreport.report(found), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    context = {"cluster": found.cluster, "drill": found, "report": drillreport.report(found), "mode": "operation"}
    return render(request, "failover/drill.html", context)


def fis_template(request, pk):
    """The game day's FIS experiment template (with its role and stop alarms) to download; POST creates it in
    AWS (Administrator)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if request.method == "POST":
        require_role(request.user, Role.ADMINISTRATOR)
    config, _ = rehearsal.configuration_of(cluster, draft=request.GET.get("mode") == "config")
    active = rehearsal.where_it_runs(cluster, config, config.groups[0].name) if config.groups else ""
    active = request.POST.get("server") or request.GET.get("server") or active or next(iter(config.server_names), "")
    try:
        found = gameday.template(config, active=active)
    except (ValueError, *aws.AWS_ERRORS) as exc:
        messages.error(request, f"No experiment template: {aws.error_message(exc)}")
        return redirect("failover:operation", pk=pk)
    if request.method != "POST":
        response = HttpResponse(json.dumps(found, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{cluster.name}-fis-experiment.json"'
        return response
    try:
        made = gameday.create(found)
    except aws.AWS_ERRORS as exc:
        messages.error(request, f"The experiment template was not created: {aws.error_message(exc)}")
    else:
        messages.success(request, f"FIS experiment template {made['id']} created (role {made['role']}).")
    return redirect("failover:operation", pk=pk)
