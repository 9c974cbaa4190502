"""A run's page: its live progress and log lines, a check's findings linked to where each is fixed, Retry."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from clusters.models import TaskRun
from clusters.runs import taskruns
from clusters.runs.taskruns import KINDS
from webui.roles import Role, role_of

CONFIG_MODE_RUNS = {"apply", "aws_check"}  # started from Config Mode; the others from Operation Mode


def run_detail(request, pk):
    run = get_object_or_404(TaskRun.objects.select_related("cluster", "user"), pk=pk)
    context = {"run": run, "kind": KINDS.get(run.kind), **_run_context(request, run)}
    if run.cluster is not None:  # the toolbar keeps the cluster and the mode the run belongs to
        context |= {"cluster": run.cluster, "mode": "config" if run.kind in CONFIG_MODE_RUNS else "operation"}
    return render(request, "runs/detail.html", context)


def _run_context(request, run: TaskRun) -> dict:
    """What a run's page shows of it to this user: Retry to whoever may start it, an unexpected error's
    traceback to Administrators, a check's findings."""
    kind, role = KINDS.get(run.kind), role_of(request.user) or 0
    return {
        "can_retry": kind is not None and role >= kind.role,
        "can_see_traceback": role >= Role.ADMINISTRATOR,
        **findings_context(run),
    }


@require_POST
def run_retry(request, pk):
    """A failed run's Retry: the same kind, cluster and parameters, as a new run."""
    run = get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk)
    try:
        again = taskruns.retry(run=run, user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("runs:detail", pk=pk)
    return redirect("runs:detail", pk=again.pk)


def findings_context(run: TaskRun) -> dict:
    """A check run's findings grouped by object, each object linked to the page where it is fixed."""
    findings = run.result.get("findings") if isinstance(run.result, dict) else None
    if not findings or run.cluster is None:
        return {}
    cluster = run.cluster
    pages = {
        "Forced stop": reverse("wizard:step", args=[cluster.pk, "fencing"]),
        cluster.name: reverse("config:home", args=[cluster.pk]),
    }
    pages |= {r.name: reverse("objects:resource", args=[cluster.pk, r.pk, "details"]) for r in cluster.resources.all()}
    pages |= {m.name: reverse("objects:monitor", args=[cluster.pk, m.pk, "special"]) for m in cluster.monitors.all()}
    pages |= {h.name: reverse("wizard:step", args=[cluster.pk, "interconnect"]) for h in cluster.heartbeats.all()}
    groups: dict[str, list] = {}
    order = {"error": 0, "warning": 1, "info": 2}
    for finding in sorted(findings, key=lambda f: order.get(f["severity"], 3)):
        groups.setdefault(finding["object"], []).append(finding)
    return {"finding_groups": [(name, pages.get(name), items) for name, items in groups.items()]}


@vary_on_headers("HX-Request")
def run_progress(request, pk):
    """The live part of a run's page; htmx polls it and stops when the run has ended."""
    run = get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk)
    context = {"run": run, "lines": run.lines.all(), **_run_context(request, run)}
    if request.htmx and not run.is_active:
        response = render(request, "runs/_progress.html", context)
        response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "runs/_progress.html", context)
