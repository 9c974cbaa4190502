from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters.models import Cluster, TaskRun
from clusters.runs import taskruns
from clusters.runtime import AppliedVersion

from .roles import Role, role_required


def dashboard(request):
    """Every cluster's status at a glance, the ones in trouble first (a fixed number of queries)."""
    recent_runs = TaskRun.objects.select_related("cluster", "user")[:10]
    return render(request, "dashboard.html", {"clusters": at_a_glance(), "recent_runs": recent_runs})


def at_a_glance() -> list[Cluster]:
    def count(kind: str, status: str) -> Count:
        return Count("object_states", filter=Q(object_states__kind=kind, object_states__status=status), distinct=True)

    clusters = Cluster.objects.select_related("state").annotate(
        applied=Exists(AppliedVersion.objects.filter(cluster=OuterRef("pk"))),
        groups_online=count("group", "online"),
        groups_error=count("group", "error"),
        resources_error=count("resource", "error"),
        monitors_error=count("monitor", "error"),
        warnings=count("health", "warning"),
        services_stopped=count("service", "offline"),
    )
    for cluster in clusters:
        cluster.trouble = cluster.groups_error + cluster.resources_error + cluster.monitors_error + cluster.warnings
        state = getattr(cluster, "state", None)
        cluster.status_label = state.get_status_display() if state and cluster.applied else (
            "Stopped" if cluster.applied else "Not applied")  # fmt: skip
    return sorted(clusters, key=lambda c: (-c.trouble, c.name))


@require_POST
@role_required(Role.OPERATOR)
def check_aws_connection(request):
    try:
        run = taskruns.start_run(kind="aws_connection", user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("dashboard")
    return redirect("run_detail", pk=run.pk)
