from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from .models import Cluster, TaskRun
from .taskruns import KINDS

MODES = {
    "operation": "Operation Mode",
    "config": "Config Mode",
    "verification": "Verification Mode",
}


def cluster_home(request, pk):
    return redirect("cluster_mode", pk=pk, mode="operation")


def cluster_mode(request, pk, mode):
    if mode not in MODES:
        raise Http404(f"There is no {mode!r} mode; the modes are {', '.join(MODES)}.")
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": mode, "modes": MODES, "mode_label": MODES[mode]}
    return render(request, f"clusters/{mode}.html", context)


def run_detail(request, pk):
    run = get_object_or_404(TaskRun.objects.select_related("cluster", "user"), pk=pk)
    return render(request, "runs/detail.html", {"run": run, "kind": KINDS.get(run.kind)})


@vary_on_headers("HX-Request")
def run_progress(request, pk):
    """The live part of a run's page; htmx polls it and stops when the run has ended."""
    run = get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk)
    context = {"run": run, "lines": run.lines.all()}
    if request.htmx and not run.is_active:
        response = render(request, "runs/_progress.html", context)
        response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "runs/_progress.html", context)
