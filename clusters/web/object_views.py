"""The pages of a failover group, a group resource and a monitor resource (the wizard's and config mode's
alike), adding them, and removing anything with confirmation.

One table (OBJECT_PAGES) drives every page: each page is an `Edit` (its form, how it saves, how it is
shown); Back, Next and Finish save as the user goes, as the wizard's steps do.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from clusters.aws.checks import CheckContext
from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.models import Cluster, FailoverGroup, Heartbeat, Interconnect, Server
from clusters.web.editing import config_edit, drop_kept, keep_as_typed, neighbours, pending_input, pick_lists
from clusters.web.objectforms import ParamsForm
from clusters.web.wizardforms import (
    DependencyForm,
    GroupAttributesForm,
    GroupDefinitionForm,
    MonitorCommonForm,
    MonitorDefinitionForm,
    RecoveryActionForm,
    RecoveryOperationForm,
    ResourceDefinitionForm,
    StartupServersForm,
)
from monitors.models import MonitorResource
from resources.models import GroupResource


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
        "objects:group",
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
        "objects:resource",
        (
            Page("definition", "Resource Definition", _definition(ResourceDefinitionForm, _update_resource)),
            Page("dependency", "Dependency", _resource_dependency),
            Page("recovery", "Recovery Operation", _resource_recovery),
            Page("details", "Details", _resource_details),
        ),
        finish_url=lambda cluster, r: reverse("objects:group", args=[cluster.pk, r.group_id, "resources"]),
        titled=True,
    ),
    "monitor": ObjectPages(
        "monitor",
        MonitorResource,
        "objects:monitor",
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
    obj = pages.model.objects.select_related("cluster").filter(pk=oid, cluster=cluster).first()
    if obj is None:
        return _gone(request, cluster, pages.model)
    current = pages.page(page)
    if current is None:
        return redirect(pages.url_name, pk=pk, oid=oid, page=pages.pages[0].key)
    key = f"{kind}:{obj.pk}:{page}"
    edit = current.edit(request, cluster, obj, pending_input(cluster, key, request))
    form = edit.form
    back, nxt = neighbours(pages.labels, page)
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
            drop_kept(cluster, key)
            return redirect(target)
        if action == "back":
            keep_as_typed(cluster, key, request.POST)
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
        context |= pick_lists(form.aws_lists())
    return render(request, edit.template, context)


def _gone(request, cluster, model):
    """A link to an object that is no longer there (removed, or renumbered by a Restore or an Import): the
    configuration as it is now, saying so, rather than a bare Not Found."""
    messages.warning(
        request,
        f"That {model._meta.verbose_name} is no longer in cluster {cluster.name}: it was removed, or the "
        "configuration was restored or imported since the link was made. Here is the configuration as it is now.",
    )
    return redirect("config:home", pk=cluster.pk)


def _revision(obj) -> str:
    """A fingerprint of what is saved of `obj` (its fields and its dependencies)."""
    values = model_to_dict(obj)
    text = json.dumps(values, default=lambda v: getattr(v, "pk", str(v)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _return_url(cluster, step):
    if cluster.wizard_step:
        return reverse("wizard:step", args=[cluster.pk, step])
    return reverse("config:home", args=[cluster.pk])


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
        return redirect("objects:group", pk=pk, oid=group.pk, page="startup")
    return _definition_page(request, cluster, "group", form, _return_url(cluster, "groups"))


@config_edit
def resource_add(request, pk, gid):
    cluster = get_object_or_404(Cluster, pk=pk)
    group = get_object_or_404(FailoverGroup, pk=gid, cluster=cluster)
    form = ResourceDefinitionForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        resource = services.add_group_resource(user=request.user, group=group, **form.cleaned_data)
        return redirect("objects:resource", pk=pk, oid=resource.pk, page="dependency")
    return _definition_page(
        request,
        cluster,
        "resource",
        form,
        reverse("objects:group", args=[pk, gid, "resources"]),
        f"Resource Definition of Group | {group.name}",
    )


@config_edit
def monitor_add(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    form = MonitorDefinitionForm(request.POST or None, cluster=cluster)
    if request.method == "POST" and form.is_valid():
        monitor = services.add_monitor_resource(user=request.user, cluster=cluster, **form.cleaned_data)
        return redirect("objects:monitor", pk=pk, oid=monitor.pk, page="common")
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
    obj = model.objects.filter(pk=oid, cluster=cluster).first()
    if obj is None:
        return _gone(request, cluster, model)
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
