from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clusters.models import Cluster, TaskRun
from clusters.runs import taskruns
from clusters.runtime import AppliedVersion

from . import tokens
from .models import ApiToken
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
        cluster.status_label = (
            state.get_status_display()
            if state and cluster.applied
            else ("Stopped" if cluster.applied else "Not applied")
        )
    return sorted(clusters, key=lambda c: (-c.trouble, c.name))


def cluster_home(request, pk):
    """A cluster opens in Operation Mode (the cluster selector's link)."""
    return redirect("operation:home", pk=pk)


@require_POST
@role_required(Role.OPERATOR)
def check_aws_connection(request):
    try:
        run = taskruns.start_run(kind="aws_connection", user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("dashboard")
    return redirect("runs:detail", pk=run.pk)


def api_tokens(request):
    """API tokens: each user creates tokens for their scripts (shown once) and revokes them."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token = ApiToken.objects.filter(pk=request.POST.get("token")).first()
            if token is None:
                messages.error(request, "That token does not exist (any more).")
            else:
                tokens.revoke_token(user=request.user, token=token)
                messages.success(request, f"Token {token} is revoked: requests that send it are refused from now on.")
            return redirect("api_tokens")
        try:
            _, secret = tokens.create_token(user=request.user, name=request.POST.get("name", ""))
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            request.session["new_api_token"] = secret  # shown by the next page only: a reload shows it no more
        return redirect("api_tokens")
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_secret": request.session.pop("new_api_token", ""),
    }
    return render(request, "api_tokens.html", context)
