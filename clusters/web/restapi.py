"""EXPRESSCLUSTER's RESTful API (X 4.2 and later), read side, so that scripts written for the product
(the vendor's Integrated-Cluster-WebUI sample, Lambda, SSM Automation) read our clusters unmodified.

`/api/v1/cluster`, `/servers`, `/groups`, `/groups/NAME`, `/resources/NAME`, `/monitors`, each answering
`{"result": {"code": 0, "message": ...}, ...}` with HTTP Basic authentication. The operations sit under
the same tree as POST .../ACTION (cluster start|stop|suspend|resume, servers/NAME start|stop, groups/NAME
start|stop|move with {"target": SERVER}, resources/NAME start|stop, monitors/NAME suspend|resume: the
action paths are INFERRED from the read paths); each answers with the run to follow. The product serves one
cluster per address; here a request names its cluster in the user name, `USER@CLUSTER` (plain `USER`
when the console manages a single cluster), so each cluster's script configuration differs only in
its user. The values come from the same status the console shows (clusters.operation.status).
"""

import base64
import binascii
import json

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from clusters.models import Cluster
from clusters.operation import recovery
from clusters.operation.picture import RUNS_THERE
from clusters.operation.status import status_context
from clusters.runs import taskruns
from clusters.runtime import Status
from webui.roles import Role, role_of

OK = {"code": 0, "message": "command succeeded."}
# Non-zero codes: the sample checks only that the code is not 0 and prints the message.
AUTH_FAILED, NOT_FOUND, NO_CLUSTER, FORBIDDEN, BUSY, BAD_REQUEST = 1, 2, 3, 4, 5, 6


def _failure(code: int, message: str, status: int) -> JsonResponse:
    response = JsonResponse({"result": {"code": code, "message": message}}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Cluster WebUI"'
    return response


def _cluster_of(request) -> tuple[Cluster | None, JsonResponse | None, object]:
    """Authenticate with Basic credentials; return the cluster they name (or the answer that refuses), and the user."""
    header = request.headers.get("Authorization", "")
    try:
        scheme, encoded = header.split(" ", 1)
        username, _, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None, _failure(AUTH_FAILED, "Authentication is required (HTTP Basic, USER@CLUSTER).", 401), None
    if scheme.lower() != "basic":
        return None, _failure(AUTH_FAILED, "Authentication is required (HTTP Basic, USER@CLUSTER).", 401), None
    user_name, _, cluster_name = username.rpartition("@") if "@" in username else (username, "", "")
    user = authenticate(request, username=user_name, password=password)
    if user is None or (role_of(user) or 0) < Role.VIEWER:
        return None, _failure(AUTH_FAILED, "Authentication failed: check the user name and password.", 401), None
    if not cluster_name:
        clusters = list(Cluster.objects.all()[:2])
        if len(clusters) != 1:
            return None, _failure(NO_CLUSTER, "Name the cluster in the user name: USER@CLUSTER.", 400), user
        return clusters[0], None, user
    cluster = Cluster.objects.filter(name=cluster_name).first()
    if cluster is None:
        return None, _failure(NO_CLUSTER, f"There is no cluster named {cluster_name}.", 404), user
    return cluster, None, user


def _endpoint(view):
    """GET only, Basic authentication instead of the console's session, the status of the named cluster."""

    @login_not_required
    @require_GET
    def wrapper(request, *args, **kwargs):
        cluster, refused, _ = _cluster_of(request)
        if refused:
            return refused
        status = status_context(cluster)
        if status["version"] is None:
            return _failure(NO_CLUSTER, f"Cluster {cluster.name} has no applied configuration.", 409)
        answer = view(request, cluster, status, *args, **kwargs)
        if isinstance(answer, JsonResponse):
            return answer
        return JsonResponse({"result": OK, **answer})

    return wrapper


def _state(state) -> str:
    return state.get_status_display() if state else Status.OFFLINE.label


def _current(state) -> str:
    return state.server if state and state.status in RUNS_THERE and state.server else "None"


def _servers(status) -> list[dict]:
    found = []
    for name, instance, service_runs, _agent in status["servers"]:
        stopped = not service_runs or (instance and instance.status != Status.ONLINE)
        found.append({"name": name, "status": Status.OFFLINE.label if stopped else Status.ONLINE.label})
    return found


def _select(request, items: list[dict]) -> list[dict]:
    """`?select=name`: only those keys (the sample asks for the server names alone)."""
    keys = [k for k in request.GET.get("select", "").split(",") if k]
    return [{k: v for k, v in item.items() if k in keys} for item in items] if keys else items


@_endpoint
def cluster(request, cluster, status):
    return {"cluster": {"name": cluster.name, "status": status["cluster_status"]}}


@_endpoint
def servers(request, cluster, status):
    return {"servers": _select(request, _servers(status))}


def _group(group, state, status, with_resources: bool) -> dict:
    item = {"name": group.name, "status": _state(state), "current": _current(state)}
    if with_resources:
        item["resources"] = [{"name": r.name} for r, _ in status["resources"] if r.group == group.name]
    return item


@_endpoint
def groups(request, cluster, status, name: str | None = None):
    chosen = [(g, s) for g, s, _ in status["groups"] if name is None or g.name == name]
    if name is not None and not chosen:
        return _failure(NOT_FOUND, f"There is no group {name}.", 404)
    resources = "resources" in request.GET.get("select", "")
    return {"groups": [_group(g, s, status, resources) for g, s in chosen]}


@_endpoint
def resources(request, cluster, status, name: str | None = None):
    chosen = [(r, s) for r, s in status["resources"] if name is None or r.name == name]
    if name is not None and not chosen:
        return _failure(NOT_FOUND, f"There is no group resource {name}.", 404)
    return {"resources": [{"name": r.name, "status": _state(s), "current": _current(s)} for r, s in chosen]}


@_endpoint
def monitors(request, cluster, status):
    names = [s["name"] for s in _servers(status)]
    found = []
    for monitor, state in status["monitors"]:
        overall = _state(state) if state else Status.NORMAL.label
        found.append(
            {
                "name": monitor.name,
                "status": overall,
                "servers": [{"name": server, "status": overall} for server in names],
            }
        )
    return {"monitors": found}


# --- operations -------------------------------------------------------------------------------------
ACTIONS = {
    ("cluster", "start"): "cluster_start",
    ("cluster", "stop"): "cluster_stop",
    ("cluster", "suspend"): "cluster_suspend",
    ("cluster", "resume"): "cluster_resume",
    ("servers", "start"): "server_start",
    ("servers", "stop"): "server_stop",
    ("groups", "start"): "group_start",
    ("groups", "stop"): "group_stop",
    ("groups", "move"): "group_move",
    ("resources", "start"): "resource_start",
    ("resources", "stop"): "resource_stop",
}
TARGET_PARAM = {"servers": "server", "groups": "group", "resources": "resource"}


@csrf_exempt  # no session: every request carries its own Basic credentials
@login_not_required
@require_POST
def operate(request, kind: str, action: str, name: str = ""):
    """POST /api/v1/KIND[/NAME]/ACTION: the same run as the console's buttons; answers with the run."""
    cluster, refused, user = _cluster_of(request)
    if refused:
        return refused
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _failure(BAD_REQUEST, 'The body is not JSON; send {} or {"target": "SERVER"}.', 400)
    if kind == "monitors" and action in ("suspend", "resume"):
        try:
            recovery.control(user=user, cluster=cluster, action=action, monitors=[name])
        except ValueError as exc:
            return _failure(NOT_FOUND, str(exc), 404)
        except PermissionDenied:
            return _failure(FORBIDDEN, "An Operator or Administrator may do that.", 403)
        return JsonResponse({"result": OK})
    run_kind = ACTIONS.get((kind, action))
    if run_kind is None:
        return _failure(NOT_FOUND, f"There is no operation {action} of {kind}.", 404)
    params = {TARGET_PARAM[kind]: name} if name else {}
    if target := (body.get("target") if isinstance(body, dict) else None):
        params["server"] = target  # checked as a server's name with the rest, before the run exists
    try:
        run = taskruns.start_run(kind=run_kind, user=user, cluster=cluster, params=params)
    except PermissionDenied:
        return _failure(FORBIDDEN, "An Operator or Administrator may do that.", 403)
    except taskruns.BadParameter as exc:  # nothing was written
        if exc.unknown:
            return _failure(NOT_FOUND, f"{exc} {exc.fix}", 404)
        return _failure(BAD_REQUEST, f"{exc} {exc.fix}".strip(), 400)
    except taskruns.ClusterBusy as exc:
        return _failure(BUSY, str(exc), 409)
    run.refresh_from_db(fields=["status", "error"])
    url = request.build_absolute_uri(reverse("runs:detail", args=[run.pk]))
    return JsonResponse(
        {"result": OK, "run": {"id": run.pk, "status": run.status, "error": run.error, "url": url}}, status=202
    )
