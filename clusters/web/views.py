from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from clusters.aws import onprem
from clusters.aws.account import AwsAccount
from clusters.aws.checks import iam_policy_json
from clusters.clpconf import transfer
from clusters.configuration.draft import from_models
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.configuration.validation import validate
from clusters.models import Cluster, FailoverGroup, Interconnect, TaskRun
from clusters.operation import alertlog, alertservice, history
from clusters.operation.status import LIST_UP_TO
from clusters.runs import taskruns
from clusters.runs.taskruns import KINDS
from clusters.runtime import Alert, AlertDestination
from clusters.web.forms import AlertDestinationForm, AlertFilterForm, ImportForm, OnPremToAwsForm
from clusters.web.operation_views import operation_page, verification_page
from clusters.web.wizard_views import config_edit
from webui.context import MODES
from webui.roles import Role, require_role, role_of, role_required


def cluster_home(request, pk):
    return redirect("cluster_mode", pk=pk, mode="operation")


def cluster_mode(request, pk, mode):
    if mode not in MODES:
        raise Http404(f"There is no {mode!r} mode; the modes are {', '.join(MODES)}.")
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": mode, "modes": MODES, "mode_label": MODES[mode]}
    if mode == "config":
        context |= config_context(cluster)
    if mode in ("operation", "verification"):
        return (operation_page if mode == "operation" else verification_page)(request, cluster)
    return render(request, f"clusters/{mode}.html", context)


def config_context(cluster: Cluster) -> dict:
    """What config mode shows: the tree and the configuration's problems (a fixed number of queries).

    A larger configuration (as operation mode counts it: LIST_UP_TO) shows its groups collapsed: their
    resources, the monitor resources and the problems load when opened (htmx), whatever the size.
    """
    monitor_count = cluster.monitors.count()
    collapsed = cluster.resources.count() + monitor_count > LIST_UP_TO
    config = from_models(cluster, objects=not collapsed)
    group_pk = dict(cluster.groups.values_list("name", "pk"))
    heartbeat_label = dict(Interconnect.Heartbeat.choices)
    devices = [
        (hb.name, f"{kind.label} heartbeat", kind.describe(hb.parameters))
        for hb in config.heartbeats
        if (kind := HEARTBEAT_KINDS[hb.kind])
    ]
    devices += [
        (np.name, f"{kind.label} NP resolution", kind.describe(np.parameters))
        for np in config.network_partitions
        if (kind := NP_KINDS[np.kind])
    ]
    if config.forced_stop is not None:
        devices.append(
            ("Forced stop", "AWS", " ".join(f"{s}: {config.instance_id(s) or '—'}" for s in config.server_names))
        )
    context = {
        "config": config,
        "collapsed": collapsed,
        "interconnect_rows": [
            (ic, heartbeat_label.get(ic.heartbeat, ""), [ic.addresses.get(s, "—") for s in config.server_names])
            for ic in config.interconnects
        ],
        "devices": devices,
    }
    if collapsed:  # each group's resource count stands for its rows until it is opened
        counts = dict(cluster.groups.annotate(n=Count("resources")).values_list("name", "n"))
        return context | {
            "groups": [(g, group_pk[g.name], counts[g.name]) for g in config.groups],
            "monitors": [],
            "monitor_count": monitor_count,
        }
    pks = {
        kind: dict(rows.values_list("name", "pk"))
        for kind, rows in (("resource", cluster.resources), ("monitor", cluster.monitors))
    }
    return context | {
        "groups": [
            (g, group_pk[g.name], resource_rows(config.resources_of(g.name), pks["resource"])) for g in config.groups
        ],
        "monitors": monitor_rows(config.monitors, pks["monitor"]),
        "problems": validate(config),
    }


def resource_rows(resources, pk_of: dict) -> list[tuple]:
    return [(r.name, r.spec.label, r.settings_display, pk_of.get(r.name)) for r in resources]


def monitor_rows(monitors, pk_of: dict) -> list[tuple]:
    return [
        (m.name, m.spec.label, m.interval, m.timeout, m.monitor_timing, m.target, m.settings_display, pk_of.get(m.name))
        for m in monitors
    ]


@require_GET
def config_part(request, pk, part):
    """A part of a large configuration's page, loaded when opened: a group's resources, the monitor
    resources, or the problems (htmx)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster}
    if part == "group":
        group = get_object_or_404(FailoverGroup, pk=request.GET.get("group"), cluster=cluster)
        rows = group.resources.select_related("cluster")
        context["rows"] = [(r.name, r.type_spec.label, r.settings_display, r.pk) for r in rows]
        return render(request, "clusters/_resource_rows.html", context)
    if part == "monitors":
        rows = cluster.monitors.select_related("cluster", "target_resource")
        context["rows"] = [
            (
                m.name,
                m.type_spec.label,
                m.interval,
                m.timeout,
                m.monitor_timing,
                m.target_resource.name if m.target_resource else "",
                m.settings_display,
                m.pk,
            )
            for m in rows
        ]
        return render(request, "clusters/_monitor_rows.html", context)
    if part == "problems":
        context["problems"] = validate(from_models(cluster))
        return render(request, "clusters/_problems.html", context)
    raise Http404(f"Config mode has no part {part!r}.")


@require_GET
def export_setting(request, pk):
    """File > Export the Setting: the zip (clp.conf and scripts/), or ?format=conf for clp.conf alone."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if request.GET.get("format") == "conf":
        data, content_type, filename = (
            transfer.export_conf(user=request.user, cluster=cluster),
            "application/xml",
            "clp.conf",
        )
    else:
        data, content_type, filename = (
            transfer.export_zip(user=request.user, cluster=cluster),
            "application/zip",
            f"{cluster.name}.zip",
        )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@config_edit
def import_setting(request, pk=None):
    """File > Import the Setting: into this cluster (replacing its configuration) or as a new cluster."""
    cluster = get_object_or_404(Cluster, pk=pk) if pk else None
    form = ImportForm(request.POST or None, request.FILES or None, with_name=cluster is None)
    if request.method == "POST" and form.is_valid():
        try:
            result = transfer.import_configuration(
                user=request.user,
                data=form.cleaned_data["file"].read(),
                name=form.cleaned_data.get("name") or None,
                into=cluster,
            )
        except transfer.ConfError as exc:
            form.add_error("file", f"{exc} Nothing was imported.")
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(request, f"Imported the setting of cluster {result.cluster.name}.")
            return redirect("cluster_mode", pk=result.cluster.pk, mode="config")
    context = {"form": form, "cluster": cluster, "modes": MODES, "mode": "config" if cluster else None}
    return render(request, "clusters/import.html", context)


def run_detail(request, pk):
    run = get_object_or_404(TaskRun.objects.select_related("cluster", "user"), pk=pk)
    context = {"run": run, "kind": KINDS.get(run.kind), "can_retry": _can_retry(request, run), **findings_context(run)}
    return render(request, "runs/detail.html", context)


def _can_retry(request, run: TaskRun) -> bool:
    kind = KINDS.get(run.kind)
    return kind is not None and role_of(request.user) >= kind.role


@require_POST
def run_retry(request, pk):
    """A failed run's Retry: the same kind, cluster and parameters, as a new run."""
    run = get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk)
    try:
        again = taskruns.retry(run=run, user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("run_detail", pk=pk)
    return redirect("run_detail", pk=again.pk)


def findings_context(run: TaskRun) -> dict:
    """A check run's findings grouped by object, each object linked to the page where it is fixed."""
    findings = run.result.get("findings") if isinstance(run.result, dict) else None
    if not findings or run.cluster is None:
        return {}
    cluster = run.cluster
    pages = {
        "Forced stop": reverse("wizard_step", args=[cluster.pk, "fencing"]),
        cluster.name: reverse("cluster_mode", args=[cluster.pk, "config"]),
    }
    pages |= {r.name: reverse("resource_page", args=[cluster.pk, r.pk, "details"]) for r in cluster.resources.all()}
    pages |= {m.name: reverse("monitor_page", args=[cluster.pk, m.pk, "special"]) for m in cluster.monitors.all()}
    pages |= {h.name: reverse("wizard_step", args=[cluster.pk, "interconnect"]) for h in cluster.heartbeats.all()}
    groups: dict[str, list] = {}
    order = {"error": 0, "warning": 1, "info": 2}
    for finding in sorted(findings, key=lambda f: order.get(f["severity"], 3)):
        groups.setdefault(finding["object"], []).append(finding)
    return {"finding_groups": [(name, pages.get(name), items) for name, items in groups.items()]}


@require_POST
@role_required(Role.OPERATOR)
def check_aws(request, pk):
    """Config mode > Check AWS: a check run on a worker; its page shows progress, then the findings."""
    cluster = get_object_or_404(Cluster, pk=pk)
    try:
        run = taskruns.start_run(kind="aws_check", user=request.user, cluster=cluster)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("cluster_mode", pk=pk, mode="config")
    return redirect("run_detail", pk=run.pk)


@require_GET
def iam_policy(request, pk):
    """The least-privilege IAM policy of the cluster's instance role (?download for the file)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    text = iam_policy_json(cluster)
    if "download" in request.GET:
        response = HttpResponse(text, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{cluster.name}-iam-policy.json"'
        return response
    return render(request, "clusters/iam_policy.html", {"cluster": cluster, "policy": text, "mode": "config"})


@vary_on_headers("HX-Request")
def run_progress(request, pk):
    """The live part of a run's page; htmx polls it and stops when the run has ended."""
    run = get_object_or_404(TaskRun.objects.select_related("cluster"), pk=pk)
    context = {"run": run, "lines": run.lines.all(), "can_retry": _can_retry(request, run), **findings_context(run)}
    if request.htmx and not run.is_active:
        response = render(request, "runs/_progress.html", context)
        response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "runs/_progress.html", context)


@config_edit
def move_to_aws(request, pk):
    """File > Move to AWS: replace the on-premises parts of an imported configuration, shown first as a diff."""

    cluster = get_object_or_404(Cluster, pk=pk)
    survey = onprem.survey(cluster)
    form = OnPremToAwsForm(request.POST or None, survey=survey)
    shown = None
    if request.method == "POST" and form.is_valid():
        try:
            if "convert" in request.POST:
                changes = onprem.convert(user=request.user, cluster=cluster, choices=form.choices())
                messages.success(request, f"Moved to AWS: {len(changes)} change(s). Check AWS, then apply.")
                return redirect("cluster_mode", pk=pk, mode="config")
            shown = onprem.preview(user=request.user, cluster=cluster, choices=form.choices())
        except onprem.ConversionError as exc:
            form.add_error(None, f"{exc} Nothing was changed.")
    account = AwsAccount()
    lists = {name: account.choices(name) for name in ("instances", "buckets", "addresses", "hosted_zones")}
    context = {
        "cluster": cluster,
        "modes": MODES,
        "mode": "config",
        "form": form,
        "survey": survey,
        "preview": shown,
        "aws_lists": lists,
        "aws_errors": account.errors,
    }
    return render(request, "clusters/move_to_aws.html", context)


def cluster_history(request, pk):
    """Every applied version, with who applied it and when; compare any two, or one with the draft."""
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {
        "cluster": cluster,
        "modes": MODES,
        "mode": "config",
        "versions": list(history.versions(cluster)),
        "can_restore": role_of(request.user) >= Role.ADMINISTRATOR,
    }
    return render(request, "clusters/history.html", context)


def history_compare(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    latest = history.versions(cluster).first()
    old = request.GET.get("old") or (str(latest.number) if latest else history.DRAFT)
    new = request.GET.get("new") or history.DRAFT
    try:
        context = history.compare(cluster, old, new)
    except LookupError as exc:
        raise Http404(str(exc)) from None
    return render(request, "clusters/compare.html", {"cluster": cluster, "modes": MODES, "mode": "config", **context})


@config_edit
@require_POST
def history_restore(request, pk, number):
    """Restore: an applied version becomes the draft, to review and Apply."""
    cluster = get_object_or_404(Cluster, pk=pk)
    try:
        history.restore(user=request.user, cluster=cluster, number=number)
    except LookupError as exc:
        raise Http404(str(exc)) from None
    except transfer.ConfError as exc:
        messages.error(request, f"Version {number} could not be restored: {exc}")
        return redirect("cluster_history", pk=pk)
    messages.success(request, f"Version {number} is the draft now: review it, then Apply the Configuration File.")
    return redirect("cluster_mode", pk=pk, mode="config")


def alert_log(request, pk):
    """Every alert of the cluster, filtered and paged; ?format=csv exports what the filters select."""
    cluster = get_object_or_404(Cluster, pk=pk)
    servers = Alert.objects.filter(cluster=cluster).exclude(server="").values_list("server", flat=True).distinct()
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
        "modes": MODES,
        "mode": "operation",
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
    }
    return render(request, "clusters/alerts.html", context)


def alert_service(request, pk):
    """Alert Service: where this cluster's alerts go (rules by level and object), with a test button."""
    cluster = get_object_or_404(Cluster, pk=pk)
    form = AlertDestinationForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        require_role(request.user, Role.OPERATOR if action == "test" else Role.ADMINISTRATOR)
        if action == "add" and form.is_valid():
            form.instance.cluster = cluster
            form.save()
            messages.success(request, f"Alerts now reach {form.instance}.")
            return redirect("alert_service", pk=pk)
        if action in ("remove", "test"):
            destination = get_object_or_404(AlertDestination, pk=request.POST.get("destination"), cluster=cluster)
            if action == "remove":
                destination.delete()
                messages.success(request, f"Alerts no longer go to {destination}.")
            else:
                alertservice.send_test(user=request.user, destination=destination)
                messages.success(
                    request, f"A test alert is on its way to {destination}; a failure shows in the alert log."
                )
            return redirect("alert_service", pk=pk)
    context = {
        "cluster": cluster,
        "modes": MODES,
        "mode": "operation",
        "form": form,
        "destinations": AlertDestination.objects.filter(cluster=cluster),
        "can_configure_service": role_of(request.user) >= Role.ADMINISTRATOR,
    }
    return render(request, "clusters/alert_service.html", context)
