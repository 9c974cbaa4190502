"""The cluster generation wizard and the object pages it shares with config mode.

Every page saves through the services as the user goes (the draft is the cluster itself), so a
half-finished wizard survives a reload or a logout. Back saves what is valid; what is not is kept
as typed (PendingInput) and shown again, with its errors, when the user comes back.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clusters.aws.account import AwsAccount
from clusters.aws.checks import CheckContext
from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.models import Cluster, FailoverGroup, ForcedStop, Heartbeat, Interconnect, PendingInput, Server
from clusters.web.objectforms import ParamsForm
from clusters.web.wizardforms import (
    ClusterForm,
    DependencyForm,
    FencingForm,
    GroupAttributesForm,
    GroupDefinitionForm,
    InterconnectForm,
    MonitorCommonForm,
    MonitorDefinitionForm,
    ObjectStorageForm,
    RecoveryActionForm,
    RecoveryOperationForm,
    ResourceDefinitionForm,
    ServerAddForm,
    StartupServersForm,
    WitnessForm,
)
from monitors.models import MonitorResource
from resources.models import GroupResource
from webui.roles import Role, require_role


def config_edit(view):
    """Every edit view: an Administrator, and the draft not being applied (services.require_config_mode)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_role(request.user, Role.ADMINISTRATOR)
        try:
            return view(request, *args, **kwargs)
        except services.ConfigLocked as exc:
            messages.error(request, str(exc))
            pk = kwargs.get("pk")
            return redirect("cluster_mode", pk=pk, mode="config") if pk else redirect("dashboard")

    return wrapper


# The cluster generation wizard's steps, in the guide's order; each step's view is in WIZARD_STEPS below.
CLUSTER_STEPS = [
    ("cluster", "Cluster"),
    ("servers", "Basic Settings"),
    ("interconnect", "Interconnect"),
    ("fencing", "Fencing"),
    ("groups", "Group List"),
    ("monitors", "Monitor Resource List"),
]


def _neighbours(pages, current):
    keys = [key for key, _ in pages]
    i = keys.index(current)
    return (keys[i - 1] if i else None), (keys[i + 1] if i + 1 < len(keys) else None)


def _pending(cluster, page, request):
    """The data to bind: this POST, else what Back kept as typed, else nothing (a fresh form)."""
    if request.method == "POST":
        return request.POST
    kept = PendingInput.objects.filter(cluster=cluster, page=page).first()
    return kept.data if kept else None


def _keep(cluster, page, post):
    data = {k: v if len(v) > 1 else v[0] for k, v in post.lists() if k not in ("csrfmiddlewaretoken", "action")}
    PendingInput.objects.update_or_create(cluster=cluster, page=page, defaults={"data": data})


def _saved(cluster, page):
    PendingInput.objects.filter(cluster=cluster, page=page).delete()


def _aws(lists):
    """Pick lists read live from the account (one call per kind), and what could not be read."""
    if not lists:
        return {"aws_lists": {}, "aws_errors": []}
    account = AwsAccount()
    return {"aws_lists": {name: account.choices(name) for name in sorted(lists)}, "aws_errors": account.errors}


def _cluster_page(request, cluster, step, template, context):
    back, nxt = _neighbours(CLUSTER_STEPS, step)
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
        return redirect("cluster_mode", pk=cluster.pk, mode="config")
    if cluster.wizard_step:
        Cluster.objects.filter(pk=cluster.pk).update(wizard_step=step)
    return redirect("wizard_step", pk=cluster.pk, step=step)


def _step_after_post(request, cluster, step, form, save) -> HttpResponse | None:
    """Back / Next / Finish of a wizard step with one form: save when valid, keep as typed when not."""
    action = request.POST.get("action", "next")
    back, nxt = _neighbours(CLUSTER_STEPS, step)
    if form is None or form.is_valid():
        if form is not None:
            save(form)
        _saved(cluster, f"wizard:{step}")
        return _go(cluster, back if action == "back" else (None if action == "finish" else nxt))
    if action == "back" and back:
        _keep(cluster, f"wizard:{step}", request.POST)
        return _go(cluster, back)
    return None  # show the errors


# --- the wizard's own steps ------------------------------------------------------------------


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
def wizard_step(request, pk, step):
    cluster = get_object_or_404(Cluster, pk=pk)
    handler = WIZARD_STEPS.get(step)
    if handler is None:
        return redirect("wizard_step", pk=pk, step=cluster.wizard_step or "cluster")
    return handler(request, cluster)


def _step_cluster(request, cluster):
    form = ClusterForm(_pending(cluster, "wizard:cluster", request), instance=cluster)
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
            return redirect("wizard_step", pk=pk, step="servers")
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
    form = _interconnect_form(cluster, _pending(cluster, "wizard:interconnect", request))
    if request.method == "POST":
        if request.POST.get("action") == "add-interconnect":
            with transaction.atomic():
                if form.is_valid():
                    _save_interconnects(request.user, form)
                services.add_interconnect(user=request.user, cluster=cluster, addresses={})
            return redirect("wizard_step", pk=cluster.pk, step="interconnect")
        save = lambda f: _save_interconnects(request.user, f)
        if done := _step_after_post(request, cluster, "interconnect", form, save):
            return done
    context = {"form": form, **_heartbeat_context(cluster), **_aws({"buckets"})}
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
            return redirect("wizard_step", pk=pk, step="interconnect")
        form = None
    keyword = "witness_form" if kind == "witness" else "objstorage_form"
    context = {"cluster": cluster, **_heartbeat_context(cluster, **{keyword: form})}
    if not request.htmx:
        context |= {"form": _interconnect_form(cluster, None), **_aws({"buckets"})}
        return _cluster_page(request, cluster, "interconnect", "wizard/interconnect.html", context)
    return render(request, "wizard/_heartbeats.html", context)


def _step_fencing(request, cluster):
    servers = list(cluster.servers.all())
    forced_stop = ForcedStop.objects.filter(cluster=cluster).first()
    stored = forced_stop.server_parameters if forced_stop else {}
    instance_ids = {s.pk: stored.get(str(s.pk), {}).get("instanceid", "") for s in servers}
    aws = _aws({"instances"})
    if not all(instance_ids.values()):  # suggest each server's instance by its private IP address
        account = AwsAccount()
        first = cluster.interconnects.order_by("priority").prefetch_related("addresses").first()
        for address in first.addresses.all() if first else []:
            instance = account.instance_by_private_ip(address.address)
            if instance and not instance_ids.get(address.server_id):
                instance_ids[address.server_id] = instance["InstanceId"]
    initial = {"kind": forced_stop.kind if forced_stop else ForcedStop.Kind.AWS}
    form = FencingForm(
        _pending(cluster, "wizard:fencing", request), servers=servers, instance_ids=instance_ids, initial=initial
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


# --- object pages (a failover group, a group resource, a monitor resource) ---------------------


@dataclass(frozen=True)
class Edit:
    """What one page edits: its form (None: a list with no form), how a valid form is saved, how it is shown."""

    form: object = None
    save: Callable | None = None
    template: str = "wizard/page.html"
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    key: str
    label: str  # the guide's title of the page
    edit: Callable[..., Edit]  # (request, cluster, obj, data) -> Edit


@dataclass(frozen=True)
class ObjectPages:
    """The pages of one kind of object, in the guide's order: one table drives every page view."""

    kind: str
    model: type
    url_name: str
    pages: tuple[Page, ...]
    finish_url: Callable  # (cluster, obj) -> where Finish (and Back from the first page) goes
    titled: bool = False  # titles name the object and its type: "Details · awsvip1 (AWS Virtual IP resource)"

    @property
    def labels(self) -> list[tuple[str, str]]:
        return [(p.key, p.label) for p in self.pages]

    def page(self, key: str) -> Page | None:
        return next((p for p in self.pages if p.key == key), None)


def _group_definition(request, cluster, group, data):
    return Edit(
        GroupDefinitionForm(data, instance=group, cluster=cluster),
        lambda f: services.update_group(user=request.user, group=group, **f.cleaned_data),
    )


def _group_startup(request, cluster, group, data):
    chosen = [s.server for s in group.startup_servers.select_related("server")]
    return Edit(
        StartupServersForm(data, cluster=cluster, initial={"servers": chosen}),
        lambda f: services.update_group(
            user=request.user, group=group, startup_servers=list(f.cleaned_data["servers"])
        ),
    )


def _group_attributes(request, cluster, group, data):
    return Edit(
        GroupAttributesForm(data, instance=group),
        lambda f: services.update_group(user=request.user, group=group, **f.cleaned_data),
    )


def _group_resources(request, cluster, group, data):
    return Edit(template="wizard/group_resources.html", extra={"resources": list(group.resources.all())})


def _update_resource(request, resource):
    return lambda **changes: services.update_group_resource(user=request.user, resource=resource, **changes)


def _definition(form_class, updater):
    """A resource's or monitor's Definition page: its type is shown, its name and comment change."""

    def edit(request, cluster, obj, data):
        initial = {"type": obj.type, "name": obj.name, "comment": obj.comment}
        update = updater(request, obj)
        return Edit(
            form_class(data, cluster=cluster, instance=obj, initial=initial),
            lambda f: update(name=f.cleaned_data["name"], comment=f.cleaned_data["comment"]),
        )

    return edit


def _resource_dependency(request, cluster, resource, data):
    depends = list(resource.depends_on.all())
    update = _update_resource(request, resource)
    return Edit(
        DependencyForm(data, resource=resource, initial={"follow_default": not depends, "depends_on": depends}),
        lambda f: update(depends_on=list(f.cleaned_data["depends_on"])),
    )


def _resource_recovery(request, cluster, resource, data):
    update = _update_resource(request, resource)
    return Edit(RecoveryOperationForm(data, instance=resource), lambda f: update(**f.cleaned_data))


def _type_parameters(cluster, obj, data, config):
    """The type's own parameters: the Common tab and one tab per server, checked against AWS where the type says."""
    return ParamsForm(
        data,
        spec=obj.type_spec,
        servers=cluster.servers.all(),
        object_name=obj.name,
        parameters=obj.parameters,
        server_parameters=obj.server_parameters,
        ctx=CheckContext(cluster, config=config),
        mdc_choices=[ic.mdc for ic in config.interconnects if ic.mdc],
    )


def _resource_details(request, cluster, resource, data):
    config = from_models(cluster)
    update = _update_resource(request, resource)
    return Edit(
        _type_parameters(cluster, resource, data, config),
        lambda f: update(
            parameters=resource.type_spec.derive(f.parameters, config), server_parameters=f.server_parameters
        ),
    )


def _update_monitor(request, monitor):
    return lambda **changes: services.update_monitor_resource(user=request.user, monitor=monitor, **changes)


def _monitor_common(request, cluster, monitor, data):
    update = _update_monitor(request, monitor)
    return Edit(MonitorCommonForm(data, instance=monitor), lambda f: update(**f.cleaned_data))


def _monitor_special(request, cluster, monitor, data):
    update = _update_monitor(request, monitor)
    return Edit(
        _type_parameters(cluster, monitor, data, from_models(cluster)),
        lambda f: update(parameters=f.parameters, server_parameters=f.server_parameters),
    )


def _monitor_recovery(request, cluster, monitor, data):
    update = _update_monitor(request, monitor)
    return Edit(RecoveryActionForm(data, monitor=monitor), lambda f: update(**f.changes(cluster)))


OBJECT_PAGES = {
    "group": ObjectPages(
        "group",
        FailoverGroup,
        "group_page",
        (
            Page("definition", "Group Definition", _group_definition),
            Page("startup", "Startup Servers", _group_startup),
            Page("attributes", "Group Attributes", _group_attributes),
            Page("resources", "Group Resource List", _group_resources),
        ),
        finish_url=lambda cluster, group: _return_url(cluster, "groups"),
    ),
    "resource": ObjectPages(
        "resource",
        GroupResource,
        "resource_page",
        (
            Page("definition", "Resource Definition", _definition(ResourceDefinitionForm, _update_resource)),
            Page("dependency", "Dependency", _resource_dependency),
            Page("recovery", "Recovery Operation", _resource_recovery),
            Page("details", "Details", _resource_details),
        ),
        finish_url=lambda cluster, r: reverse("group_page", args=[cluster.pk, r.group_id, "resources"]),
        titled=True,
    ),
    "monitor": ObjectPages(
        "monitor",
        MonitorResource,
        "monitor_page",
        (
            Page("definition", "Monitor Resource Definition", _definition(MonitorDefinitionForm, _update_monitor)),
            Page("common", "Monitor (common)", _monitor_common),
            Page("special", "Monitor (special)", _monitor_special),
            Page("recovery", "Recovery Action", _monitor_recovery),
        ),
        finish_url=lambda cluster, monitor: _return_url(cluster, "monitors"),
        titled=True,
    ),
}


@config_edit
def object_page(request, pk, oid, page, kind):
    """Any page of a group, group resource or monitor resource: Back, Next and Finish save as they go.

    Optimistic concurrency: the page carries the object's revision as it was shown; a save against a
    newer revision (someone else saved meanwhile) is refused with what happened, the typed input kept.
    """
    pages = OBJECT_PAGES[kind]
    cluster = get_object_or_404(Cluster, pk=pk)
    obj = get_object_or_404(pages.model.objects.select_related("cluster"), pk=oid, cluster=cluster)
    current = pages.page(page)
    if current is None:
        return redirect(pages.url_name, pk=pk, oid=oid, page=pages.pages[0].key)
    key = f"{kind}:{obj.pk}:{page}"
    edit = current.edit(request, cluster, obj, _pending(cluster, key, request))
    form = edit.form
    back, nxt = _neighbours(pages.labels, page)
    page_url = lambda p: reverse(pages.url_name, args=[pk, oid, p])
    finish_url = pages.finish_url(cluster, obj)
    revision, conflict = _revision(obj), ""
    if request.method == "POST" and request.POST.get("revision", revision) != revision:
        conflict = (
            f"{obj} was changed by someone else since you opened this page. Your input is kept below "
            "and nothing was saved: check it against their change (Cancel and reopen to see it), "
            "then save again."
        )
    elif request.method == "POST":
        action = request.POST.get("action", "next")
        target = {"back": page_url(back) if back else finish_url, "finish": finish_url}.get(action)
        target = target or (page_url(nxt) if nxt else finish_url)
        if form is None or form.is_valid():
            if form is not None:
                edit.save(form)
            _saved(cluster, key)
            return redirect(target)
        if action == "back":
            _keep(cluster, key, request.POST)
            return redirect(target)
    context = {
        "cluster": cluster,
        "pages": pages.labels,
        "page_links": [(p.key, p.label, page_url(p.key)) for p in pages.pages],
        "page": page,
        "kind": kind,
        "obj": obj,
        "form": form,
        "back": back,
        "next": nxt,
        "page_url": page_url,
        "wizard": bool(cluster.wizard_step),
        "revision": revision,
        "conflict": conflict,
        **edit.extra,
    }
    if pages.titled:
        context["title"] = f"{current.label} · {obj.name} ({obj.type_spec.label})"
    if isinstance(form, ParamsForm):
        context |= _aws(form.aws_lists())
    return render(request, edit.template, context)


def _revision(obj) -> str:
    """A fingerprint of what is saved of `obj` (its fields and its dependencies)."""
    values = model_to_dict(obj)
    text = json.dumps(values, default=lambda v: getattr(v, "pk", str(v)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _return_url(cluster, step):
    if cluster.wizard_step:
        return reverse("wizard_step", args=[cluster.pk, step])
    return reverse("cluster_mode", args=[cluster.pk, "config"])


def _definition_page(request, cluster, kind, form, cancel_url, title=""):
    """The first page of a new group / resource / monitor: nothing exists until its definition is valid."""
    pages = OBJECT_PAGES[kind]
    return render(
        request,
        "wizard/page.html",
        {
            "cluster": cluster,
            "pages": pages.labels,
            "page": pages.pages[0].key,
            "kind": kind,
            "form": form,
            "back": None,
            "next": pages.pages[1].key,
            "cancel_url": cancel_url,
            "title": title,
        },
    )


@config_edit
def group_add(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    form = GroupDefinitionForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        group = services.add_failover_group(user=request.user, cluster=cluster, **form.cleaned_data)
        return redirect("group_page", pk=pk, oid=group.pk, page="startup")
    return _definition_page(request, cluster, "group", form, _return_url(cluster, "groups"))


@config_edit
def resource_add(request, pk, gid):
    cluster = get_object_or_404(Cluster, pk=pk)
    group = get_object_or_404(FailoverGroup, pk=gid, cluster=cluster)
    form = ResourceDefinitionForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        resource = services.add_group_resource(user=request.user, group=group, **form.cleaned_data)
        return redirect("resource_page", pk=pk, oid=resource.pk, page="dependency")
    return _definition_page(
        request,
        cluster,
        "resource",
        form,
        reverse("group_page", args=[pk, gid, "resources"]),
        f"Resource Definition of Group | {group.name}",
    )


@config_edit
def monitor_add(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    form = MonitorDefinitionForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        monitor = services.add_monitor_resource(user=request.user, cluster=cluster, **form.cleaned_data)
        return redirect("monitor_page", pk=pk, oid=monitor.pk, page="common")
    return _definition_page(request, cluster, "monitor", form, _return_url(cluster, "monitors"))


# --- removing, with confirmation --------------------------------------------------------------

REMOVABLE = {
    "server": (Server, "servers"),
    "interconnect": (Interconnect, "interconnect"),
    "heartbeat": (Heartbeat, "interconnect"),
    "group": (FailoverGroup, "groups"),
    "resource": (GroupResource, "groups"),
    "monitor": (MonitorResource, "monitors"),
}


@config_edit
def remove(request, pk, kind, oid):
    cluster = get_object_or_404(Cluster, pk=pk)
    if kind not in REMOVABLE:
        return HttpResponse(f"Nothing of kind {kind!r} can be removed.", status=404)
    model, step = REMOVABLE[kind]
    obj = get_object_or_404(model, pk=oid, cluster=cluster)
    back = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = _return_url(cluster, step)  # only pages of this console: no open redirect
    if request.method == "POST":
        if kind == "server":
            services.remove_server(user=request.user, server=obj)
        else:
            services.remove_object(user=request.user, obj=obj)
        return redirect(back)
    also = list(obj.auto_monitors.all()) if kind == "resource" else []
    return render(
        request, "wizard/remove.html", {"cluster": cluster, "obj": obj, "kind": kind, "back": back, "also": also}
    )
