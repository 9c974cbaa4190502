"""Changes AWS still propagates after a resource made them: a Route 53 change is PENDING, then INSYNC (its name
resolves to the new address everywhere only then). The engine follows each one round by round, less often as it
ages, and says when it is INSYNC and how long that took: in the resource's status, in the alert log and in the
run that made it. A monitor does not judge a target whose change is still PENDING (recovery.watch_on).
"""

import time
from datetime import UTC, datetime

from django.conf import settings

from clusters.configuration.config import Config
from clusters.models import TaskRun, TaskRunLine
from clusters.operation import state
from webui import aws

# How long the round's follow-up waits for a token of the AWS budget: a pending change is asked about again
# next round rather than holding up the round (reads go after failovers, and Route 53 allows 5 calls a second).
BUDGET_WAIT = 2.0


def follow(cluster, config: Config) -> None:
    """One round: ask AWS about each pending change that is due to be asked about again."""
    now = time.time()
    for name, (change, row) in state.pending_changes(cluster).items():
        resource = config.resource(name) if config is not None else None
        if resource is None:  # applied away: nothing follows it any more
            state.set_change(cluster, name, {**change, "status": "unknown"})
        elif _due(change, now):
            settle(cluster, resource, change, row.server, row.message)


def _due(change: dict, now: float) -> bool:
    """Asked a round after it was submitted, then every quarter of its age: a change INSYNC in 30 s is asked
    about some 6 times, one still PENDING after minutes ever more rarely."""
    age = now - change["submitted"]
    asked = change.get("asked", change["submitted"])
    return now - asked >= max(settings.WEBUI_TICK_SECONDS, age / 4)


def settle(cluster, resource, change: dict, server: str = "", message: str = "") -> str:
    """Ask AWS about one pending change of `resource` (the applied version's) now; record it when it is INSYNC.
    Its status. `server` and `message`: the resource's state, for the alert and the status it shows."""
    name, now = resource.name, time.time()
    try:
        with aws.patience(BUDGET_WAIT):
            status = resource.spec.settle(resource, change)
    except aws.AWS_ERRORS as exc:  # asked again next round; an error answer (a permission) is said once
        text = aws.error_message(exc)
        if aws.failure_kind(exc) == "error" and change.get("failed") != text:
            state.alert(cluster, f"Resource {name} is not followed: {change['label']} ({text}).", "warning")
        state.set_change(cluster, name, {**change, "asked": now, "failed": text})
        return "PENDING"
    if status != "INSYNC":
        state.set_change(cluster, name, {**change, "asked": now})
        return status
    seconds = now - change["submitted"]
    words = f"{change['label']} is INSYNC, {seconds:.1f} s after it was submitted."
    state.set_change(
        cluster,
        name,
        {**change, "status": "INSYNC", "asked": now, "insync": now, "seconds": round(seconds, 1)},
        message=f"{message.rsplit(': change ', 1)[0]}: INSYNC after {seconds:.1f} s" if message else words,
    )
    state.alert(cluster, f"Resource {name} is propagated: {words}", server=server)
    run = _run_at(cluster, change["submitted"])
    if run is not None:
        TaskRunLine.objects.create(run=run, message=f"Resource {name}: {words}")
    return status


def _run_at(cluster, submitted: float) -> TaskRun | None:
    """The run that made a change: the cluster's run that had started when it was submitted (one at a time)."""
    at = datetime.fromtimestamp(submitted, tz=UTC)
    run = TaskRun.objects.filter(cluster=cluster, started_at__lte=at).order_by("-started_at").first()
    if run is None or (run.finished_at is not None and run.finished_at < at):
        return None
    return run
