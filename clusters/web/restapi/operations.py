"""The POSTs, as NEC's clients send them (body: JSON, `target` a server name). Each needs an Operator.

Runs (answered with their outcome, see base.carried_out): cluster start | stop | reboot | shutdown | suspend |
resume; servers/NAME start | stop | reboot | shutdown; groups start | stop {target} (every group on that server);
groups/NAME start | stop | move {target?} (a move without a target goes by the failover policy);
resources/NAME start {target} | stop.
At once: cluster/toratio set {ratio, time} | reset; servers/NAME/dummy-failure start | stop; monitors/NAME
suspend | resume | dummy-failure start | stop {target?} (none or "": every server); scripts/run {script, target,
timeout, logdir} (answered when the script ends). Mirror disk backup and restore: not done by this console.
"""

import re
from datetime import timedelta

from django.utils import timezone

from clusters.operation import recovery, scripts, state
from clusters.operation.productstatus import current_server
from clusters.web.restapi.answers import BAD_REQUEST, FAILED, NOT_FOUND, NOT_SUPPORTED, TIMED_OUT, Refused
from clusters.web.restapi.base import Call, carried_out, endpoint
from clusters.web.restapi.reads import chosen
from webui.roles import Role

CLUSTER_RUNS = {
    "start": "cluster_start",
    "stop": "cluster_stop",
    "reboot": "cluster_reboot",
    "shutdown": "cluster_shutdown",
    "suspend": "cluster_suspend",
    "resume": "cluster_resume",
}
TIME = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
UNIT = {"m": 60, "h": 3600, "d": 86400}
MAX_RATIO, MAX_TIME = 10000, timedelta(days=30)


def _server(call: Call, target: str | None, *, required: bool, what: str) -> str:
    """A target server: one of the cluster's (Refused otherwise), or "" when none is given and none is needed."""
    if not target:
        if required:
            raise Refused(
                BAD_REQUEST,
                f'{what} needs a target server: send {{"target": "SERVER"}}, one of '
                f"{', '.join(call.snap.config.server_names)}.",
                400,
            )
        return ""
    return chosen(call, "server", list(call.snap.config.server_names), target)[0]


# --- the cluster ---------------------------------------------------------------------------------------------


@endpoint("POST", role=Role.OPERATOR)
def cluster(call: Call, action: str):
    call.fields()
    return carried_out(call, CLUSTER_RUNS[action], {})


@endpoint("POST", role=Role.OPERATOR)
def toratio_set(call: Call):
    body = call.fields(ratio=int, time=str)
    ratio, time = body.get("ratio"), body.get("time")
    if ratio is None or not 1 <= ratio <= MAX_RATIO:
        raise Refused(BAD_REQUEST, f"ratio must be an integer from 1 to {MAX_RATIO}, not {ratio}.", 400)
    if ratio == 1:
        if time is not None:
            raise Refused(BAD_REQUEST, "ratio 1 is the configured timeouts: send it without time (or reset).", 400)
        return _toratio(call, 1, None)
    found = TIME.match(time or "")
    duration = timedelta(seconds=int(found[1]) * UNIT[found[2]]) if found else None
    if duration is None or duration > MAX_TIME:
        raise Refused(
            BAD_REQUEST,
            f'time must be minutes, hours or days, e.g. "90m", "12h" or "7d", at most 30 days; not {time!r}.',
            400,
        )
    return _toratio(call, ratio, timezone.now() + duration)


@endpoint("POST", role=Role.OPERATOR)
def toratio_reset(call: Call):
    call.fields()
    return _toratio(call, 1, None)


def _toratio(call: Call, ratio: int, until):
    state.set_timeout_ratio(call.cluster, ratio, until)
    if ratio == 1:
        message = "The timeout ratio is reset: monitor resources and heartbeats take their configured timeouts."
    else:
        message = (
            f"The timeout ratio is {ratio} until {until:%Y-%m-%d %H:%M:%S %Z}: monitor resources' timeouts and "
            f"the heartbeat timeout are multiplied by {ratio} (set by {call.user.get_username()})."
        )
    state.alert(call.cluster, message, "warning" if ratio > 1 else "info")
    return {"cluster": {"toratio": ratio}}


# --- servers ---------------------------------------------------------------------------------------------


@endpoint("POST", role=Role.OPERATOR)
def server(call: Call, name: str, action: str):
    call.fields()
    server = chosen(call, "server", list(call.snap.config.server_names), name)[0]
    kind = {"start": "server_start", "stop": "server_stop"}.get(action, "server_shutdown")
    return carried_out(call, kind, {"server": server, **({"reboot": True} if action == "reboot" else {})})


@endpoint("POST", role=Role.OPERATOR)
def server_dummy_failure(call: Call, name: str, action: str):
    """The whole server looks failed to the cluster (its groups fail over in the next round); stop ends it."""
    call.fields()
    server = chosen(call, "server", list(call.snap.config.server_names), name)[0]
    on = action == "start"
    if state.set_server_dummy_failure(call.cluster, server, on=on):
        what = "a dummy failure: it looks failed to the cluster" if on else "no dummy failure any more"
        state.alert(call.cluster, f"Server {server} has {what} (by {call.user.get_username()}).", "warning", server)
    return {}


# --- groups and group resources ------------------------------------------------------------------------------


@endpoint("POST", role=Role.OPERATOR)
def every_group(call: Call, name: str):
    action = name  # the path is groups/start or groups/stop
    target = _server(call, call.fields(target=str).get("target"), required=True, what=f"groups/{action}")
    return carried_out(call, f"groups_{action}", {"server": target})


@endpoint("POST", role=Role.OPERATOR)
def group(call: Call, name: str, action: str):
    target = _server(call, call.fields(target=str).get("target"), required=False, what="")
    group = chosen(call, "group", [g.name for g in call.snap.config.groups], name)[0]
    if action == "stop" and target and current_server(call.snap, "group", group) != target:
        where = current_server(call.snap, "group", group)
        raise Refused(
            FAILED,
            f"Group {group} does not run on {target} ({f'it runs on {where}' if where else 'it is offline'}).",
            409,
        )
    params = {"group": group, **({"server": target} if target and action != "stop" else {})}
    return carried_out(call, f"group_{action}", params)


@endpoint("POST", role=Role.OPERATOR)
def resource(call: Call, name: str, action: str):
    body = call.fields(target=str) if action == "start" else call.fields()
    resource = chosen(call, "resource", [r.name for r in call.snap.config.resources], name)[0]
    params = {"resource": resource}
    if action == "start":
        params["server"] = _server(call, body.get("target"), required=True, what=f"resources/{resource}/start")
    return carried_out(call, f"resource_{action}", params)


# --- monitor resources ---------------------------------------------------------------------------------------


@endpoint("POST", role=Role.OPERATOR)
def monitor(call: Call, name: str, action: str):
    target = _server(call, call.fields(target=str).get("target"), required=False, what="")
    monitor = chosen(call, "monitor", list(call.snap.monitors), name)[0]
    control = {"dummy-failure/start": "dummy_on", "dummy-failure/stop": "dummy_off"}.get(action, action)
    try:
        recovery.control(
            user=call.user,
            cluster=call.cluster,
            action=control,
            monitors=[monitor],
            servers=[target] if target else None,
        )
    except ValueError as exc:  # applied away meanwhile
        raise Refused(NOT_FOUND, str(exc), 404) from None
    return {}


# --- scripts ---------------------------------------------------------------------------------------------------


@endpoint("POST", role=Role.OPERATOR)
def run_script(call: Call):
    body = call.fields(script=str, target=str, timeout=int, logdir=str)
    timeout = body.get("timeout", scripts.DEFAULT_TIMEOUT)
    if not 1 <= timeout <= scripts.MAX_TIMEOUT:
        raise Refused(BAD_REQUEST, f"timeout must be 1 to {scripts.MAX_TIMEOUT} seconds, not {timeout}.", 400)
    for needed in ("script", "target"):
        if not body.get(needed):
            raise Refused(
                BAD_REQUEST, f'scripts/run needs {needed}: send {{"script": "NAME", "target": "SERVER"}}.', 400
            )
    try:
        done = scripts.run_script(
            user=call.user,
            cluster=call.cluster,
            script=body["script"],
            target=body["target"],
            timeout=timeout,
            logdir=body.get("logdir", ""),
        )
    except scripts.ScriptError as exc:
        raise Refused(NOT_FOUND if exc.missing else FAILED, str(exc), 404 if exc.missing else 409) from None
    data = {"script": {"name": done.script, "target": done.server, "exitcode": done.exitcode, "output": done.output}}
    if done.exitcode == 0:
        return data
    raise Refused(
        TIMED_OUT if done.exitcode is None else FAILED, done.message, 504 if done.exitcode is None else 409, data=data
    )


# --- mirror disks -------------------------------------------------------------------------------------------------


@endpoint("GET", applied=False)
def mirror_status(call: Call, what: str):
    raise _no_mirrors(what)


@endpoint("POST", role=Role.OPERATOR, applied=False)
def mirror_action(call: Call, what: str, step: str):
    raise _no_mirrors(what)


def _no_mirrors(what: str) -> Refused:
    return Refused(
        NOT_SUPPORTED,
        f"This console does not {'back up' if what == 'backup' else 'restore'} mirror disks (the product's "
        "clpbackup / clprestore run on the servers). "
        "On AWS, back up the mirror disks' EBS volumes with EBS snapshots or AWS Backup.",
        501,
    )
