from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters import taskruns
from clusters.models import Cluster, TaskRun

from .roles import Role, role_required


def dashboard(request):
    clusters = Cluster.objects.all()
    recent_runs = TaskRun.objects.select_related("cluster", "user")[:10]
    return render(request, "dashboard.html", {"clusters": clusters, "recent_runs": recent_runs})


@require_POST
@role_required(Role.OPERATOR)
def check_aws_connection(request):
    try:
        run = taskruns.start_run(kind="aws_connection", user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("dashboard")
    return redirect("run_detail", pk=run.pk)
