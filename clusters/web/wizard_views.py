"""The cluster generation wizard: Cluster, Basic Settings, Interconnect, Fencing, Group List, Monitor Resource
List (its groups and monitors open the object pages, clusters/web/object_views.py).

Every page saves through the services as the user goes (the draft is the cluster itself), so a
half-finished wizard survives a reload or a logout. Back saves what is valid; what is not is kept
as typed (PendingInput) and shown again, with its errors, when the user comes back.
"""

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clusters.aws.account import AwsAccount
from clusters.configuration import services
from clusters.models import Cluster, ForcedStop
from clusters.operation import removal
from clusters.web.config_views import removed
from clusters.web.editing import config_edit, drop_kept, keep_as_typed, neighbours, pending_input, pick_lists
from clusters.web.wizardforms import (
    ClusterForm,
    FencingForm,
    InterconnectForm,
    ObjectStorageForm,
    ServerAddForm,
    WitnessForm,
)

# The cluster generation wizard's steps, in the guide's order; each step's view is in WIZARD_STEPS below.
CLUSTER_STEPS = [
    ("cluster", "Cluster"),
    ("servers", "Basic Settings"),
    ("interconnect", "Interconnect"),
    ("fencing", "Fencing"),
    ("groups", "Group List"),
    ("monitors", "Monitor Resource List"),
]


def _cluster_page(request, cluster, step, template, context):
    back, nxt = neighbours(CLUSTER_STEPS, step)
    if not cluster.wizard_step:  # a step opened from Config Mode ("Edit fencing"): Finish goes back there
        back, nxt = None, None
        context = {"cancel_url": reverse("config:home", args=[cluster.pk]), **context}
    return render(
        request,
        template,
        {
            "cluster": cluster,
            "steps": CLUSTER_STEPS,
            "step": step,
            "back": back,
            "next": nxt,
            **context,
        },
    )


def _go(cluster, step):
    """To `step` (None: Finish, to config mode). Inside the wizard, remember where to continue."""
    if step is None:
        Cluster.objects.filter(pk=cluster.pk).update(wizard_step="")
        return redirect("config:home", pk=cluster.pk)
    if cluster.wizard_step:
        Cluster.objects.filter(pk=cluster.pk).update(wizard_step=step)
    return redirect("wizard:step", pk=cluster.pk, step=step)


def _step_after_post(request, cluster, step, form, save) -> HttpResponse | None:
    """Back / Next / Finish of a wizard step with one form: save when valid, keep as typed when not."""
    action = request.POST.get("action", "next")
    back, nxt = neighbours(CLUSTER_STEPS, step)
    if not cluster.wizard_step:  # edited from Config Mode: saved, it returns there, never to the next step
        back, nxt = None, None
    if form is None or form.is_valid():
        if form is not None:
            save(form)
        drop_kept(cluster, f"wizard:{step}")
        return _go(cluster, back if action == "back" else (None if action == "finish" else nxt))
    if action == "back" and back:
        keep_as_typed(cluster, f"wizard:{step}", request.POST)
        return _go(cluster, back)
    return None  # show the errors


@config_edit
def wizard_start(request):
    """Cluster generation wizard > Cluster: Cluster Name and Language; Next creates the draft."""
    form = ClusterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cluster = services.create_cluster(user=request.user, **form.cleaned_data)
        cluster.wizard_step = "servers"
        return _go(cluster, "servers")
    return render(
        request, "wizard/cluster.html", {"form": form, "steps": CLUSTER_STEPS, "step": "cluster", "next": "servers"}
    )


@config_edit
@require_POST
def wizard_abandon(request, pk):
    """Abandon the wizard: the half-finished cluster is deleted (after the page's confirmation)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    return removed(request, cluster, removal.abandon_wizard, "The wizard is abandoned: cluster {name} is deleted.")


@config_edit
def wizard_step(request, pk, step):
    cluster = get_object_or_404(Cluster, pk=pk)
    handler = WIZARD_STEPS.get(step)
    if handler is None:
        return redirect("wizard:step", pk=pk, step=cluster.wizard_step or "cluster")
    return handler(request, cluster)


def _step_cluster(request, cluster):
    form = ClusterForm(pending_input(cluster, "wizard:cluster", request), instance=cluster)
    if request.method == "POST" and (
        done := _step_after_post(
            request,
            cluster,
            "cluster",
            form,
            lambda f: services.update_cluster(user=request.user, cluster=cluster, **f.cleaned_data),
        )
    ):
        return done
    return _cluster_page(request, cluster, "cluster", "wizard/cluster.html", {"form": form})


def _servers_context(cluster, add_form=None):
    first = cluster.interconnects.order_by("priority").prefetch_related("addresses").first()
    address = {a.server_id: a.address for a in first.addresses.all()} if first else {}
    servers = [(s, address.get(s.pk, "")) for s in cluster.servers.all()]
    return {"servers": servers, "add_form": add_form or ServerAddForm(cluster=cluster)}


def _step_servers(request, cluster):
    error = ""
    if request.method == "POST":
        if not cluster.servers.exists() and request.POST.get("action") != "back":
            error = "Add the servers of the cluster: the first one is the master server."
        elif done := _step_after_post(request, cluster, "servers", None, None):
            return done
    return _cluster_page(
        request, cluster, "servers", "wizard/servers.html", {**_servers_context(cluster), "error": error}
    )


@config_edit
@require_POST
def server_add(request, pk):
    """Basic Settings > Add (htmx: answers with the server list; it keeps the rest of the page)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    form = ServerAddForm(request.POST, cluster=cluster)
    if form.is_valid():
        services.add_server_with_address(user=request.user, cluster=cluster, **form.cleaned_data)
        if not request.htmx:
            return redirect("wizard:step", pk=pk, step="servers")
        form = None
    context = {"cluster": cluster, **_servers_context(cluster, form)}
    if not request.htmx:  # the whole step, with the error beside the field
        return _cluster_page(request, cluster, "servers", "wizard/servers.html", context)
    return render(request, "wizard/_servers.html", context)


def _interconnect_form(cluster, data):
    interconnects = list(cluster.interconnects.prefetch_related("addresses"))
    servers = list(cluster.servers.all())
    addresses = {(a.interconnect_id, a.server_id): a.address for ic in interconnects for a in ic.addresses.all()}
    return InterconnectForm(data, interconnects=interconnects, servers=servers, addresses=addresses)


def _save_interconnects(user, form):
    for ic, cells, mdc in form.rows:
        for cell, server in zip(cells, form.servers, strict=True):
            services.set_interconnect_address(
                user=user, interconnect=ic, server=server, address=form.cleaned_data[cell.name]
            )
        services.set_interconnect_mdc(user=user, interconnect=ic, mdc=form.cleaned_data[mdc.name])


def _heartbeat_context(cluster, objstorage_form=None, witness_form=None):
    return {
        "heartbeats": list(cluster.heartbeats.all()),
        "objstorage_form": objstorage_form or ObjectStorageForm(),
        "witness_form": witness_form or WitnessForm(),
    }


def _step_interconnect(request, cluster):
    form = _interconnect_form(cluster, pending_input(cluster, "wizard:interconnect", request))
    if request.method == "POST":
        if request.POST.get("action") == "add-interconnect":
            with transaction.atomic():
                if form.is_valid():
                    _save_interconnects(request.user, form)
                services.add_interconnect(user=request.user, cluster=cluster, addresses={})
            return redirect("wizard:step", pk=cluster.pk, step="interconnect")
        save = lambda f: _save_interconnects(request.user, f)
        if done := _step_after_post(request, cluster, "interconnect", form, save):
            return done
    context = {"form": form, **_heartbeat_context(cluster), **pick_lists({"buckets"})}
    return _cluster_page(request, cluster, "interconnect", "wizard/interconnect.html", context)


@config_edit
@require_POST
def heartbeat_add(request, pk, kind):
    """Interconnect > Add Object Storage / Witness (htmx: answers with the heartbeat list)."""
    cluster = get_object_or_404(Cluster, pk=pk)
    forms = {"object_storage": ObjectStorageForm, "witness": WitnessForm}
    form = forms[kind](request.POST) if kind in forms else None
    if form is None:
        return HttpResponse(f"Unknown heartbeat type {kind!r}.", status=400)
    if form.is_valid():
        if kind == "witness":
            services.add_witness_heartbeat(user=request.user, cluster=cluster, **form.cleaned_data)
        else:
            services.add_object_storage_heartbeat(user=request.user, cluster=cluster, **form.cleaned_data)
        if not request.htmx:
            return redirect("wizard:step", pk=pk, step="interconnect")
        form = None
    keyword = "witness_form" if kind == "witness" else "objstorage_form"
    context = {"cluster": cluster, **_heartbeat_context(cluster, **{keyword: form})}
    if not request.htmx:
        context |= {"form": _interconnect_form(cluster, None), **pick_lists({"buckets"})}
        return _cluster_page(request, cluster, "interconnect", "wizard/interconnect.html", context)
    return render(request, "wizard/_heartbeats.html", context)


def _step_fencing(request, cluster):
    servers = list(cluster.servers.all())
    forced_stop = ForcedStop.objects.filter(cluster=cluster).first()
    stored = forced_stop.server_parameters if forced_stop else {}
    instance_ids = {s.pk: stored.get(str(s.pk), {}).get("instanceid", "") for s in servers}
    aws = pick_lists({"instances"})
    if not all(instance_ids.values()):  # suggest each server's instance by its private IP address
        account = AwsAccount()
        first = cluster.interconnects.order_by("priority").prefetch_related("addresses").first()
        for address in first.addresses.all() if first else []:
            instance = account.instance_by_private_ip(address.address)
            if instance and not instance_ids.get(address.server_id):
                instance_ids[address.server_id] = instance["InstanceId"]
    initial = {"kind": forced_stop.kind if forced_stop else ForcedStop.Kind.AWS}
    form = FencingForm(
        pending_input(cluster, "wizard:fencing", request), servers=servers, instance_ids=instance_ids, initial=initial
    )

    def save(f):
        ids = {s: f.cleaned_data[f"s{s.pk}"].strip() for s in servers}
        services.set_forced_stop(user=request.user, cluster=cluster, kind=f.cleaned_data["kind"], instance_ids=ids)

    if request.method == "POST" and (done := _step_after_post(request, cluster, "fencing", form, save)):
        return done
    context = {"form": form, "network_partitions": list(cluster.network_partitions.all()), **aws}
    return _cluster_page(request, cluster, "fencing", "wizard/fencing.html", context)


def _step_groups(request, cluster):
    if request.method == "POST" and (done := _step_after_post(request, cluster, "groups", None, None)):
        return done
    groups = list(cluster.groups.prefetch_related("resources"))
    return _cluster_page(request, cluster, "groups", "wizard/groups.html", {"groups": groups})


def _step_monitors(request, cluster):
    if request.method == "POST" and (done := _step_after_post(request, cluster, "monitors", None, None)):
        return done
    monitors = list(cluster.monitors.select_related("target_resource"))
    return _cluster_page(request, cluster, "monitors", "wizard/monitors.html", {"monitors": monitors})


WIZARD_STEPS = {
    "cluster": _step_cluster,
    "servers": _step_servers,
    "interconnect": _step_interconnect,
    "fencing": _step_fencing,
    "groups": _step_groups,
    "monitors": _step_monitors,
}
assert list(WIZARD_STEPS) == [key for key, _ in CLUSTER_STEPS]
