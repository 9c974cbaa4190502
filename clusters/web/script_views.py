"""Config Mode's Cluster scripts: the scripts an operator runs on a server on demand (the RESTful API's
scripts/run), kept with the configuration and distributed with Apply (clusters.operation.scripts)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from clusters.models import Cluster
from clusters.operation import scripts
from clusters.web.editing import config_edit


@require_GET
def cluster_scripts(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    applied = set(scripts.applied_scripts(cluster))
    rows = [(name, size, name in applied) for name, size in scripts.draft_scripts(cluster).items()]
    return render(
        request,
        "clusters/cluster_scripts.html",
        {"cluster": cluster, "mode": "config", "rows": rows, "gone": sorted(applied - {r[0] for r in rows})},
    )


@config_edit  # first: a Viewer is refused (403) whatever the method
@require_POST
def script_add(request, pk):
    cluster = get_object_or_404(Cluster, pk=pk)
    upload = request.FILES.get("script")
    name = (request.POST.get("name") or (upload.name if upload else "")).strip()
    if upload is None:
        messages.error(request, "Choose the script file to add.")
        return redirect("config:scripts", pk=pk)
    try:
        scripts.add_script(user=request.user, cluster=cluster, name=name, content=upload.read(scripts.MAX_BYTES + 1))
    except scripts.ScriptError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Cluster script {name} saved; Apply the Configuration File to distribute it.")
    return redirect("config:scripts", pk=pk)


@config_edit
@require_POST
def script_remove(request, pk, name):
    cluster = get_object_or_404(Cluster, pk=pk)
    try:
        scripts.remove_script(user=request.user, cluster=cluster, name=name)
    except scripts.ScriptError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Cluster script {name} removed; Apply the Configuration File to remove it from the servers."
        )
    return redirect("config:scripts", pk=pk)
