"""What every endpoint shares: the method, the caller and cluster, the role, the applied configuration's snapshot,
the request body's fields, and an operation's outcome.

Operations are runs (one at a time per cluster, on a worker). The product's clients judge an operation by the
answer to their POST, so the answer waits for the run's end, at most WEBUI_RESTAPI_WAIT_SECONDS: then it says
what happened (HTTP 200 and an empty message, or the failure and why). A run still going at that ceiling is
answered HTTP 202 Accepted with code 0 and an empty message, and the run to follow (`run.status` "running"):
the request was accepted, as the product's own API answers a POST, and a client that treats a non-empty
message as a failure does not report one (nor retry an operation that is under way).
"""

import json
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from clusters.models import Cluster, TaskRun
from clusters.operation import productstatus
from clusters.operation.productstatus import Snapshot
from clusters.runs import taskruns
from clusters.web.restapi import auth
from clusters.web.restapi.answers import (
    BAD_REQUEST,
    BUSY,
    FAILED,
    FORBIDDEN,
    METHOD,
    NOT_APPLIED,
    NOT_FOUND,
    Refused,
    failure,
    success,
)
from webui.roles import Role, role_of

POLL_SECONDS = 0.2


@dataclass
class Call:
    """One request to the API: who, for which cluster, and the cluster's state as of now."""

    request: object
    user: object
    cluster: Cluster
    snap: Snapshot | None

    def fields(self, **allowed: type) -> dict:
        return fields(self.request, **allowed)


def endpoint(method: str, *, role: Role = Role.VIEWER, applied: bool = True):
    """A view of the API: `method` only, Basic authentication (no session, no CSRF token: each request carries its
    own credentials, and cross-site requests are refused), `role` at least, and (with `applied`) the cluster's
    snapshot. The view returns the answer's data, or raises Refused."""

    def decorate(view):
        @csrf_exempt
        @login_not_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                auth.refuse_cross_site(request)
                if request.method != method and not (method == "GET" and request.method == "HEAD"):
                    raise Refused(
                        METHOD, f"{request.path} takes {method}, not {request.method}.", 405, {"Allow": method}
                    )
                user, cluster = auth.client(request)
                held = role_of(user)
                if held is None or held < role:
                    raise Refused(
                        FORBIDDEN, f"This needs the {role.label} role; {user.get_username()} is {held.label}.", 403
                    )
                snap = productstatus.snapshot(cluster) if applied else None
                if applied and snap is None:
                    raise Refused(
                        NOT_APPLIED,
                        f"Cluster {cluster.name} has no applied configuration: Apply the Configuration File first.",
                        409,
                    )
                answer = view(Call(request, user, cluster, snap), *args, **kwargs)
            except Refused as exc:
                return exc.response()
            return answer if isinstance(answer, HttpResponse) else success(answer)

        return wrapper

    return decorate


def by_method(*, get, post):
    """One path, two views: `groups/start` is a POST, and a GET of a group named "start"."""

    @csrf_exempt
    @login_not_required
    def dispatch(request, *args, **kwargs):
        return (get if request.method in ("GET", "HEAD") else post)(request, *args, **kwargs)

    return dispatch


@csrf_exempt
@login_not_required
def unknown(request, rest: str):
    """Any other path under api/v1/: the product's JSON, not an HTML page."""
    return failure(NOT_FOUND, f"There is no API path /api/v1/{rest}; see the README for the paths offered.", 404)


def fields(request, **allowed: type) -> dict:
    """The JSON body's fields: only `allowed` ones, each of its type; no body (or null) is no field."""
    raw = request.body
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(
            BAD_REQUEST, 'The body is not JSON: send a JSON object, e.g. {"target": "server1"}.', 400
        ) from None
    if data is None:
        return {}
    takes = ", ".join(allowed) or "no field"
    if not isinstance(data, dict):
        raise Refused(BAD_REQUEST, f"The body must be a JSON object; this call takes {takes}.", 400)
    if unknown := sorted(set(data) - set(allowed)):
        raise Refused(BAD_REQUEST, f"Unknown field {', '.join(unknown)}; this call takes {takes}.", 400)
    found = {}
    for name, value in data.items():
        kind = allowed[name]
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            wanted = {int: "an integer", str: "a string"}.get(kind, kind.__name__)
            raise Refused(BAD_REQUEST, f"{name} must be {wanted}, not {json.dumps(value)}.", 400)
        found[name] = value
    return found


def carried_out(call: Call, kind: str, params: dict) -> HttpResponse:
    """Start the run as the console's buttons do, wait for its end (at most the ceiling) and answer its outcome."""
    try:
        run = taskruns.start_run(kind=kind, user=call.user, cluster=call.cluster, params=params)
    except PermissionDenied as exc:
        raise Refused(FORBIDDEN, str(exc), 403) from None
    except taskruns.ClusterBusy as exc:
        raise Refused(BUSY, str(exc), 409) from None
    except taskruns.BadParameter as exc:  # checked before the run exists: nothing was written
        if exc.unknown:
            raise Refused(NOT_FOUND, f"{exc} {exc.fix}".strip(), 404) from None
        raise Refused(BAD_REQUEST, f"{exc} {exc.fix}".strip(), 400) from None
    deadline = time.monotonic() + settings.WEBUI_RESTAPI_WAIT_SECONDS
    while True:
        run.refresh_from_db(fields=["status", "error"])
        if not run.is_active or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    data = {
        "run": {
            "id": run.pk,
            "status": run.status,
            "url": call.request.build_absolute_uri(reverse("runs:detail", args=[run.pk])),
        }
    }
    if run.status == TaskRun.Status.SUCCEEDED:
        return success(data)
    if run.is_active:
        return success(data, status=202)
    if run.status == TaskRun.Status.FAILED:
        return failure(FAILED, run.error, 409, data=data)
    return failure(
        FAILED,
        f"The operation broke on an error of the console ({run.error}); see run #{run.pk}'s page. "
        "The cluster's status shows what was done.",
        500,
        data=data,
    )
