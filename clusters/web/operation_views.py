"""Operation mode: the applied configuration's live status, and the operations an Operator runs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from clusters.models import Cluster, TaskRun
from clusters.operation import history, recovery
from clusters.operation.apply import draft_differs
from clusters.operation.status import objects_context, status_context
from clusters.runs import taskruns
from clusters.runtime import Status
from webui.context import MODES
from webui.roles import Role, role_required

OPERATIONS = {
    "cluster_start",
    "cluster_stop",
    "cluster_suspend",
    "cluster_resume",
    "group_start",
    "group_stop",
    "group_move",
    "resource_start",
    "resource_stop",
    "server_start",
    "server_stop",
    "server_shutdown",
    "server_reboot",
}


# What the lists filter by, in the product's words.
RESOURCE_STATUSES = (
    Status.ONLINE,
    Status.OFFLINE,
    Status.ONLINE_PENDING,
    Status.ONLINE_FAILURE,
    Status.OFFLINE_FAILURE,
)
MONITOR_STATUSES = (Status.NORMAL, Status.CAUTION, Status.ERROR, Status.SUSPEND)


def operation_page(request, cluster):
    context = {"cluster": cluster, "mode": "operation", "modes": MODES, "mode_label": MODES["operation"]}
    status = status_context(cluster, summary=True)
    context["draft_differs"] = status["version"] is not None and draft_differs(cluster, status["version"])
    return render(request, "clusters/operation.html", context | status)


OBJECT_LISTS = {"resources": "Group resources", "monitors": "Monitor resources"}


def operation_objects(request, pk, kind):
    """Every group resource or monitor resource with its state, by group and status, a page at a time."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if kind not in OBJECT_LISTS:
        raise Http404(f"There is no list of {kind!r}; there are {', '.join(OBJECT_LISTS)}.")
    group, status = request.GET.get("group", ""), request.GET.get("status", "")
    found = objects_context(cluster, kind, group=group, status=status)
    page = Paginator(found["rows"], 100).get_page(request.GET.get("page"))
    statuses = RESOURCE_STATUSES if kind == "resources" else MONITOR_STATUSES
    return render(
        request,
        "clusters/objects.html",
        {
            "cluster": cluster,
            "kind": kind,
            "title": OBJECT_LISTS[kind],
            "version": found["version"],
            "page": page,
            "groups": found.get("groups", []),
            "group": group,
            "status": status,
            "statuses": statuses,
        },
    )


@vary_on_headers("HX-Request")
def operation_status(request, pk):
    """The live part of operation mode; htmx polls it."""
    cluster = get_object_or_404(Cluster, pk=pk)
    return render(request, "clusters/_status.html", {"cluster": cluster} | status_context(cluster, summary=True))


def _asked(post) -> tuple[str, dict]:
    """The operation and its object: `operation` with `group` / `server` / `resource`, or, from the status
    tables (one form for them all), the button pressed, named by its operation and valued by its object's
    name, with the server chosen on a group's row."""
    kind = post.get("operation", "")
    if kind:
        return kind, {k: post[k] for k in ("group", "server", "resource") if post.get(k)}
    for kind in sorted(OPERATIONS):
        if name := post.get(kind):
            target = kind.partition("_")[0]  # group, server or resource
            params = {target: name}
            if target == "group" and post.get(f"server-{name}"):
                params["server"] = post[f"server-{name}"]
            return kind, params
    return "", {}


@require_POST
@role_required(Role.OPERATOR)
def operate(request, pk):
    """Start / stop the cluster, start / stop / move a group: a run on a worker."""
    cluster = get_object_or_404(Cluster, pk=pk)
    kind, params = _asked(request.POST)
    if kind not in OPERATIONS:
        messages.error(request, f"Unknown operation {kind!r}.")
        return redirect("cluster_mode", pk=pk, mode="operation")
    if kind == "server_reboot":  # clpdown -r: the same run as a shutdown, rebooting at the end
        kind, params["reboot"] = "server_shutdown", True
    try:
        run = taskruns.start_run(kind=kind, user=request.user, cluster=cluster, params=params)
    except (taskruns.ClusterBusy, taskruns.MissingParameter) as exc:
        messages.error(request, str(exc))
    else:
        run.refresh_from_db(fields=["status", "error"])
        if run.status == TaskRun.Status.FAILED:  # it could not even be sent to a worker
            messages.error(request, f"{taskruns.KINDS[kind].label} (run #{run.pk}) did not start: {run.error}")
    if request.htmx:
        return render(request, "clusters/_status.html", {"cluster": cluster} | status_context(cluster, summary=True))
    return redirect("cluster_mode", pk=pk, mode="operation")


@require_POST
@role_required(Role.OPERATOR)
def monitor_control(request, pk):
    """Suspend / resume monitors (Operation Mode), set / clear a dummy failure (Verification Mode)."""

    cluster = get_object_or_404(Cluster, pk=pk)
    names = request.POST.getlist("monitor") or None
    try:
        recovery.control(user=request.user, cluster=cluster, action=request.POST.get("action", ""), monitors=names)
    except ValueError as exc:
        messages.error(request, str(exc))
    back = request.POST.get("mode", "operation")
    if request.htmx and back == "operation":
        return render(request, "clusters/_status.html", {"cluster": cluster} | status_context(cluster, summary=True))
    return redirect("cluster_mode", pk=pk, mode="verification" if back == "verification" else "operation")


def verification_page(request, cluster):
    context = {"cluster": cluster, "mode": "verification", "modes": MODES, "mode_label": MODES["verification"]}
    return render(request, "clusters/verification.html", context | status_context(cluster))


@role_required(Role.ADMINISTRATOR)
def apply_configuration(request, pk):
    """File > Apply the Configuration File: first what it changes and the operations it will perform
    (GET), then the run that validates, checks AWS, stores and distributes it on a worker (POST)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if request.method != "POST":
        latest = history.versions(cluster).first()
        context = {
            "cluster": cluster,
            "modes": MODES,
            "mode": "config",
            "latest": latest,
            **(history.compare(cluster, str(latest.number), history.DRAFT) if latest else {}),
        }
        return render(request, "clusters/apply.html", context)
    try:
        run = taskruns.start_run(kind="apply", user=request.user, cluster=cluster)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("cluster_mode", pk=pk, mode="config")
    return redirect("run_detail", pk=run.pk)
