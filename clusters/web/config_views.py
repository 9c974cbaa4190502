"""Config mode: the draft configuration and its problems; File (Export / Import the Setting, Move to AWS,
Apply the Configuration File), Check AWS, the IAM policy, and the Configuration History."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from clusters.aws import onprem
from clusters.aws.account import AwsAccount
from clusters.aws.checks import iam_policy_json
from clusters.clpconf import transfer
from clusters.configuration.draft import from_models
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.configuration.validation import validate
from clusters.models import Cluster, FailoverGroup, Interconnect
from clusters.operation import history, removal, state
from clusters.operation.status import LIST_UP_TO
from clusters.runs import taskruns
from clusters.web.editing import config_edit
from clusters.web.forms import ImportForm, OnPremToAwsForm
from webui.context import MODES
from webui.roles import Role, role_of, role_required


def config_mode(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    context = {"cluster": cluster, "mode": "config", "mode_label": MODES["config"].label}
    return render(request, "clusters/config.html", context | config_context(cluster) | draft_banner(cluster))


def draft_banner(cluster: Cluster) -> dict:
    """Both modes' banner: how many changes the draft has that the applied version has not (none before the
    first Apply: everything is new then, and Config Mode says so)."""
    version, changes = unapplied_changes(cluster)
    return {"draft_changes": len(changes), "applied_number": version.number} if version else {}


def unapplied_changes(cluster: Cluster) -> tuple:
    """(the applied version, the draft's changes since it), or (None, []) before the first Apply."""
    version, applied = state.applied(cluster)
    if version is None:
        return None, []
    return version, history.changes(applied, history.side(cluster, history.DRAFT).config)


def _dropped(changes) -> str:
    """What a Restore would throw away, for its confirmation."""
    if not changes:
        return "The draft has no change that is not applied."
    named = "; ".join(f"{c.object} {c.setting}".strip() for c in changes[:5])
    more = f"; and {len(changes) - 5} more" if len(changes) > 5 else ""
    return f"The draft's {len(changes)} change{'s' if len(changes) > 1 else ''} not applied are dropped: {named}{more}."


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
            return redirect("config:home", pk=result.cluster.pk)
    context = {"form": form, "cluster": cluster, "mode": "config" if cluster else None}
    return render(request, "clusters/import.html", context, status=422 if form.errors else 200)


@require_POST
@role_required(Role.OPERATOR)
def check_aws(request, pk):
    """Config mode > Check AWS: a check run on a worker; its page shows progress, then the findings."""
    cluster = get_object_or_404(Cluster, pk=pk)
    try:
        run = taskruns.start_run(kind="aws_check", user=request.user, cluster=cluster)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("config:home", pk=pk)
    return redirect("runs:detail", pk=run.pk)


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
                return redirect("config:home", pk=pk)
            shown = onprem.preview(user=request.user, cluster=cluster, choices=form.choices())
        except onprem.ConversionError as exc:
            form.add_error(None, f"{exc} Nothing was changed.")
    account = AwsAccount()
    lists = {name: account.choices(name) for name in ("instances", "buckets", "addresses", "hosted_zones")}
    context = {
        "cluster": cluster,
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
    can_restore = role_of(request.user) >= Role.ADMINISTRATOR
    versions = list(history.versions(cluster))
    dropped = ""
    if can_restore and versions:  # what each Restore's confirmation names: the draft's changes not applied
        latest = history.side(cluster, str(versions[0].number)).config
        dropped = _dropped(history.changes(latest, history.side(cluster, history.DRAFT).config))
    context = {"cluster": cluster, "mode": "config", "versions": versions, "can_restore": can_restore}
    context["dropped"] = dropped
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
    return render(request, "clusters/compare.html", {"cluster": cluster, "mode": "config", **context})


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
        return redirect("config:history", pk=pk)
    messages.success(request, f"Version {number} is the draft now: review it, then Apply the Configuration File.")
    return redirect("config:home", pk=pk)


@role_required(Role.ADMINISTRATOR)
def apply_configuration(request, pk):
    """File > Apply the Configuration File: first what it changes and the operations it will perform
    (GET), then the run that validates, checks AWS, stores and distributes it on a worker (POST)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if request.method != "POST":
        latest = history.versions(cluster).first()
        context = {
            "cluster": cluster,
            "mode": "config",
            "latest": latest,
            **(history.compare(cluster, str(latest.number), history.DRAFT) if latest else {}),
        }
        return render(request, "clusters/apply.html", context)
    try:
        run = taskruns.start_run(kind="apply", user=request.user, cluster=cluster)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("config:home", pk=pk)
    return redirect("runs:detail", pk=run.pk)


@role_required(Role.ADMINISTRATOR)
def delete_cluster(request, pk):
    """File > Delete the cluster: a page that names it and what goes with it (GET), then the deletion (POST)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    if request.method == "POST":
        said = "Cluster {name} is deleted, with its applied versions, runs and alerts."
        return removed(request, cluster, removal.delete_cluster, said)
    context = {
        "cluster": cluster,
        "mode": "config",
        "versions": cluster.applied_versions.count(),
        "runs": cluster.task_runs.count(),
        "alerts": cluster.alerts.count(),
        "running": state.cluster_status(cluster) != state.Status.OFFLINE,
    }
    return render(request, "clusters/delete.html", context)


def removed(request, cluster: Cluster, remove, said: str):
    """Delete `cluster` through `remove` (removal.delete_cluster or abandon_wizard): to the dashboard saying so,
    or back to Config Mode saying why not."""
    try:
        name = remove(user=request.user, cluster=cluster)
    except removal.Refused as exc:
        messages.error(request, str(exc))
        return redirect("config:home", pk=cluster.pk)
    messages.success(request, said.format(name=name))
    return redirect("dashboard")
