"""Operation mode: the applied configuration's live status, the operations an Operator runs, the alert log
and the Alert Service; and Verification Mode (a monitor's dummy failure)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from clusters.models import Cluster, TaskRun
from clusters.operation import alertlog, alertservice, recovery
from clusters.operation.status import objects_context, status_context
from clusters.runs import taskruns
from clusters.runtime import Alert, AlertDestination, Status
from clusters.web.config_views import draft_banner
from clusters.web.forms import AlertDestinationForm, AlertFilterForm
from webui.context import MODES
from webui.roles import Role, require_role, role_of, role_required

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


def operation_mode(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": "operation", "mode_label": MODES["operation"].label}
    status = status_context(cluster, summary=True)
    return render(request, "clusters/operation.html", context | status | draft_banner(cluster))


def verification_mode(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": "verification", "mode_label": MODES["verification"].label}
    return render(request, "clusters/verification.html", context | status_context(cluster))


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
            "object_kind": kind.removesuffix("s"),
            "snap": found.get("snap"),
            "mode": "operation",
        },
    )


@vary_on_headers("HX-Request")
def operation_status(request, pk):
    """The live part of operation mode; htmx polls it."""
    cluster = get_object_or_404(Cluster, pk=pk)
    return _status(request, cluster)


def _status(request, cluster):
    """The status partial; to htmx with the tree beside it (swapped out of band), so both stay live."""
    context = {"cluster": cluster, "oob_tree": bool(request.htmx)} | status_context(cluster, summary=True)
    return render(request, "clusters/_status.html", context)


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
        return redirect("operation:home", pk=pk)
    if kind == "server_reboot":  # clpdown -r: the same run as a shutdown, rebooting at the end
        kind, params["reboot"] = "server_shutdown", True
    try:
        run = taskruns.start_run(kind=kind, user=request.user, cluster=cluster, params=params)
    except taskruns.BadParameter as exc:  # nothing was written; the page names what exists
        messages.error(request, f"{exc} {exc.fix}".strip())
        refused = HttpResponse(headers={"HX-Refresh": "true"}) if request.htmx else operation_mode(request, pk)
        refused.status_code = 422
        return refused
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
    else:
        run.refresh_from_db(fields=["status", "error"])
        if run.status == TaskRun.Status.FAILED:  # it could not even be sent to a worker
            messages.error(request, f"{taskruns.KINDS[kind].label} (run #{run.pk}) did not start: {run.error}")
    if request.htmx:
        return _status(request, cluster)
    return redirect("operation:home", pk=pk)


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
        return _status(request, cluster)
    return redirect("verification:home" if back == "verification" else "operation:home", pk=pk)


def alert_log(request, pk):
    """Every alert of the cluster, filtered and paged; ?format=csv exports what the filters select."""
    cluster = get_object_or_404(Cluster, pk=pk)
    servers = Alert.objects.filter(cluster=cluster).exclude(server="").order_by().values_list("server", flat=True)
    servers = servers.distinct()  # order_by(): the default ordering by id would make each row distinct
    form = AlertFilterForm(request.GET or None, servers=sorted(servers))
    filters = form.cleaned_data if form.is_valid() else {}
    alerts = alertlog.filtered(cluster, **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        response = HttpResponse(alertlog.to_csv(alerts), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{cluster.name}-alerts.csv"'
        return response
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    rows = [(alert, alertlog.explain(alert.message)) for alert in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "cluster": cluster,
        "mode": "operation",
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
    }
    return render(request, "clusters/alerts.html", context)


def alert_service(request, pk):
    """Alert Service: where this cluster's alerts go (rules by level and object), with a test button. Targets
    show masked; an Administrator changes one by typing it anew (?change=ID shows the form)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    destinations = AlertDestination.objects.filter(cluster=cluster)
    action = request.POST.get("action") if request.method == "POST" else None
    chosen = request.POST.get("destination") if action else request.GET.get("change")
    if chosen and not chosen.isdigit():
        raise Http404("There is no such destination.")
    changing = get_object_or_404(destinations, pk=chosen) if chosen else None
    if action:
        require_role(request.user, Role.OPERATOR if action == "test" else Role.ADMINISTRATOR)
    editing = changing if action in (None, "save") else None
    form = AlertDestinationForm(request.POST if action in ("add", "save") else None, instance=editing)
    if action in ("add", "save") and form.is_valid():
        form.instance.cluster = cluster
        form.save()
        messages.success(request, f"Alerts now reach {form.instance}.")
        return redirect("operation:alert_service", pk=pk)
    if action == "remove" and changing:
        changing.delete()
        messages.success(request, f"Alerts no longer go to {changing}.")
        return redirect("operation:alert_service", pk=pk)
    if action == "test" and changing:
        delivered, why = alertservice.send_test(user=request.user, destination=changing)
        if delivered:
            messages.success(request, f"The test alert reached {changing}.")
        else:  # the detail is for the person who pressed Test; the alert log says only that it failed
            messages.error(request, f"The test alert did not reach {changing}: {why}")
        return redirect("operation:alert_service", pk=pk)
    context = {
        "cluster": cluster,
        "mode": "operation",
        "form": form,
        "changing": editing,
        "destinations": destinations,
        "can_configure_service": role_of(request.user) >= Role.ADMINISTRATOR,
    }
    return render(request, "clusters/alert_service.html", context, status=422 if form.errors else 200)
