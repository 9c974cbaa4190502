"""Monitor resources on a schedule, their recovery, and server health with forced stop.

Celery beat calls tick() every few seconds. For each running cluster it watches, on the applied
version, every monitor that is due (its interval, its wait time to start), and every server's
EC2 instance state. An error beyond the retry count starts a recovery run; a lost server starts
a forced stop and failover run. Those are TaskRuns like any operation: one at a time per cluster.
"""

import contextlib
import logging
import math
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config, MonitorConfig
from clusters.models import Cluster, TaskRun
from clusters.node import remote
from clusters.operation.groups import (
    act,
    alert,
    applied,
    record_server_states,
    record_state,
    start_group,
    start_group_or_fail_over,
    stop_group,
    stopped_services,
)
from clusters.runs import taskruns
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from clusters.runtime import ClusterState, NodeAgent, ObjectState
from webui import aws, nodes
from webui.roles import Role, acting_user, require_role

from .registry import Watch

logger = logging.getLogger(__name__)

DEFAULT_RESTARTS = 3  # Maximum Reactivation Count when clp.conf states none
DEFAULT_FAILOVERS = 1  # Maximum Failover Count when clp.conf states none
DOWN_STATES = {"stopping", "stopped", "shutting-down", "terminated"}
SYSTEM = None  # runs the engine starts have no user


def _or(value, default):
    return default if value is None else value


SERVER_REFRESH = timedelta(seconds=10)  # how fresh the status page's instance states are kept


def tick(*, force: bool = False) -> list[int]:
    """One round of monitoring over all clusters in this process; returns the runs it started.

    Celery's round does the same spread over the workers (monitors.tasks: a task per cluster, then
    one per due monitor, each under a lease). A failure in one cluster is logged and alerted, and the
    round goes on with the others.
    """
    started = []
    for pk in clusters_to_watch():
        run, due = watch_cluster(pk, force=force)
        for name in due:
            run = run or watch_monitor(pk, name, force=force)
        if run is not None:
            started.append(run.pk)
    return started


def clusters_to_watch() -> list[int]:
    return list(Cluster.objects.filter(applied_versions__isnull=False).distinct().values_list("pk", flat=True))


def watch_cluster(pk: int, *, force: bool = False) -> tuple[TaskRun | None, list[str]]:
    """A cluster's servers (EC2 states, heartbeats): the run it started, and the monitors now due."""
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None:
        return None, []
    try:
        return _watch_cluster(cluster, force)
    except Exception as exc:
        logger.exception("monitoring of cluster %s failed", cluster.name)
        alert(cluster, f"Monitoring of this cluster failed this round ({type(exc).__name__}: {exc}).", "error")
        return None, []


def _watch_cluster(cluster, force: bool):
    _, config = applied(cluster)
    if not ClusterState.objects.filter(cluster=cluster, status=ClusterState.Status.RUNNING).exists():
        newest = ObjectState.objects.filter(cluster=cluster, kind=ObjectState.Kind.SERVER).order_by("-checked_at")
        last = newest.values_list("checked_at", flat=True).first()
        if force or last is None or timezone.now() - last > SERVER_REFRESH:
            record_server_states(cluster, config, AwsAccount())
        return None, []
    if _busy(cluster):
        return None, []  # one operation at a time: watch again next round
    run = _watch_servers(cluster, config)
    if run is not None:
        return run, []
    return None, _due_monitors(cluster, config, force)


def _busy(cluster) -> bool:
    return TaskRun.objects.filter(cluster=cluster, status__in=TaskRun.ACTIVE).exists()


def _start(kind, cluster, params):
    return taskruns.start_run(kind=kind, user=acting_user("cluster"), cluster=cluster, params=params)


# --- servers ---------------------------------------------------------------------------------------


def stale_heartbeats(cluster, config: Config, *, health: dict | None = None) -> dict[str, str]:
    """Servers whose object storage heartbeat is missing or older than the timeout: server -> why.

    Nothing is judged when no server writes heartbeats at all (no cluster service reports there).
    Without a bucket, the servers with a node agent are judged by when their agent last beat.
    `health`: the cluster's judgements (_health), read already this round.
    """
    bucket = config.bucket()
    if not bucket:
        return _stale_agents(cluster, config)
    health = _health(cluster) if health is None else health
    try:
        listing = aws.all_pages(
            "s3", "list_objects_v2", "Contents", Bucket=bucket, Prefix=nodes.heartbeat_key(cluster.name)
        )
    except aws.AWS_ERRORS as exc:  # not a server loss, but not a healthy judgement either: say so
        problem = f"The object storage heartbeat in {bucket} could not be read ({aws.error_message(exc)})"
        _judgement(cluster, "heartbeat", f"{problem}; a lost server would not be noticed from it.", health=health)
        return {}
    _judgement(cluster, "heartbeat", None, health=health)
    # S3 keeps whole seconds: a heartbeat may be up to a second younger than its LastModified says.
    seen = {o["Key"].rsplit("/", 1)[-1]: o["LastModified"] + timedelta(seconds=1) for o in listing}
    if not seen:
        return {}
    timeout = timedelta(seconds=settings.WEBUI_HEARTBEAT_TIMEOUT)
    now = timezone.now()
    stale = {}
    for server in config.server_names:
        if server not in seen:
            stale[server] = "no object storage heartbeat"
        elif now - seen[server] > timeout:
            stale[server] = f"no object storage heartbeat for {(now - seen[server]).total_seconds():.0f} s"
    return stale


def _stale_agents(cluster, config: Config) -> dict[str, str]:
    limit = timezone.now() - timedelta(seconds=settings.WEBUI_HEARTBEAT_TIMEOUT)
    agents = NodeAgent.objects.filter(cluster=cluster, server__in=config.server_names, seen_at__lt=limit)
    return {
        a.server: f"no heartbeat from its node agent for {(timezone.now() - a.seen_at).total_seconds():.0f} s"
        for a in agents
    }


def _health(cluster) -> dict[str, ObjectState]:
    """The cluster's server-health judgements by source, read once a round (_judgement keeps it up to date)."""
    return {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=ObjectState.Kind.HEALTH)}


def _judgement(
    cluster, source: str, problem: str | None, back: str = "", level: str = "warning", *, health: dict[str, ObjectState]
) -> None:
    """A server-health problem (a judgement that could not be made, a lost standby server) is in the alert
    log once, until it is over; then `back` says so."""
    state = health.get(source)
    if problem and (state is None or state.status != ObjectState.Status.WARNING):
        health[source], _ = ObjectState.objects.update_or_create(
            cluster=cluster,
            kind=ObjectState.Kind.HEALTH,
            name=source,
            defaults={"status": ObjectState.Status.WARNING, "message": problem[:500]},
        )  # the next server's judgement of this source sees it
        alert(cluster, problem, level)
    elif not problem and state is not None and state.status == ObjectState.Status.WARNING:
        state.status, state.message = ObjectState.Status.NORMAL, ""
        state.save(update_fields=["status", "message", "updated_at"])
        alert(cluster, back or f"Server health can be judged from the {JUDGED_FROM[source]} again.")


JUDGED_FROM = {"instances": "EC2 instance states", "heartbeat": "object storage heartbeat"}


def _watch_servers(cluster, config: Config):
    account = AwsAccount()
    record_server_states(cluster, config, account)  # one DescribeInstances serves this and the judgement below
    online = {s.server for s in ObjectState.objects.filter(cluster=cluster, kind="group", status="online")}
    health = _health(cluster)
    stale = stale_heartbeats(cluster, config, health=health)
    stopped = stopped_services(cluster)  # stopped on purpose (clpcl -t -h, clpdown): not a lost server
    for server in config.server_names:
        if server in stopped:
            continue
        if server not in online:  # a lost standby server holds nothing to fail over, but cannot take any over
            lost = stale.get(server) and f"Server {server} is lost ({stale[server]}): no group can fail over to it"
            _judgement(
                cluster,
                f"standby {server}",
                lost and f"{lost} until it is back.",
                level="error",
                health=health,
                back=f"Server {server} is back (its heartbeat is fresh again).",
            )
            continue
        instance = config.instance_of(server, account)
        if instance is None and account.errors:
            _judgement(
                cluster,
                "instances",
                f"The EC2 state of {server} could not be read ({account.errors[-1]}); "
                "a stopped instance would not be noticed.",
                health=health,
            )
        elif instance is not None:
            _judgement(cluster, "instances", None, health=health)
        if instance is not None and instance["State"]["Name"] in DOWN_STATES:
            return _start("server_down", cluster, {"server": server, "state": f"instance {instance['State']['Name']}"})
        if server in stale:
            return _start("server_down", cluster, {"server": server, "state": stale[server]})
    return None


@task_kind("server_down", label="Forced stop and failover", role=Role.OPERATOR, needs=("server",), by_engine=True)
def run_server_down(context: RunContext) -> dict:
    """A lost server: stop its instance (AWS forced stop), then fail its groups over."""
    cluster, server = context.cluster, context.params["server"]
    _, config = applied(cluster)
    alert(cluster, f"Server {server} is down ({context.params.get('state', 'lost')}).", "error", server)
    instance = config.instance_of(server, AwsAccount())
    if config.forced_stop and instance is not None:
        try:
            aws.client("ec2").stop_instances(InstanceIds=[instance["InstanceId"]], Force=True)
            alert(cluster, f"Forced stop of {server} ({instance['InstanceId']}) succeeded.", "warning", server)
            context.log(f"Forced stop: StopInstances {instance['InstanceId']}.")
        except aws.AWS_ERRORS as exc:
            alert(cluster, f"Forced stop of {server} failed: {aws.error_message(exc)}", "error", server)
            raise TaskFailed(f"Forced stop of {server} failed: {aws.error_message(exc)}") from exc
    moved = []
    for state in ObjectState.objects.filter(cluster=cluster, kind="group", status="online", server=server):
        target = next((s for s in config.startup_servers(state.name) if s != server), None)
        if target is None:
            alert(cluster, f"Group {state.name} has no other server to fail over to.", "error")
            continue
        target = start_group_or_fail_over(cluster, config, state.name, target, context.log)  # no deactivation there
        alert(cluster, f"Group {state.name} failed over from {server} to {target}.", "warning", target)
        moved.append(state.name)
    return {"server": server, "failed_over": moved}


# --- monitors --------------------------------------------------------------------------------------


def _due_monitors(cluster, config: Config, force: bool) -> list[str]:
    states = {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind="monitor")}
    resources = {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind="resource")}
    now = timezone.now()
    return [m.name for m in config.monitors if _servers_to_watch(config, m, states.get(m.name), resources, now, force)]


def phase_of(cluster: str, monitor: str) -> float:
    """Where in its period a monitor's watches fall, as a fraction of it, fixed by its cluster and name."""
    return zlib.crc32(f"{cluster}/{monitor}".encode()) / 2**32


def _period(interval: float, tick: float) -> float:
    """A monitor's interval in whole rounds: the nearest number of them (the fewer at a tie), at least one."""
    return max(1, math.ceil(interval / tick - 0.5)) * tick


def is_due(*, checked_at: datetime | None, due_at: float | None, now: datetime, interval: float, tick: float) -> bool:
    """Whether a monitor is due in the round at `now` (rounds every `tick`): in the round nearest the instant
    it is due at (`due_at`, from next_due), and never more than half a round after its period since its
    last watch, whatever the rounds' jitter did to that instant."""
    if checked_at is None or due_at is None:
        return True
    late = (now - checked_at).total_seconds() >= _period(interval, tick) - tick / 2
    return late or now.timestamp() >= due_at - tick / 2


def next_due(*, due_at: float | None, watched_at: datetime, interval: float, phase: float, tick: float) -> float:
    """The instant a monitor watched at `watched_at` is next due: a period after the one it was due at.

    A monitor watched off its schedule (its first watch, or one long late: a cluster start, a console back
    after an outage) is next due at its own instant (`phase` of the period, + k periods) instead, so that
    monitors watched together are spread over their interval from then on, each watched once early,
    instead of all coming due in the same round, every interval, and queueing there.
    """
    period, watched = _period(interval, tick), watched_at.timestamp()
    if due_at is not None and abs(watched - due_at) <= period / 2:
        return due_at + period
    base = phase * period
    return base + (math.floor((watched + tick / 2 - base) / period) + 1) * period  # the next after this round


def _servers_to_watch(config: Config, monitor: MonitorConfig, state, resources: dict, now, force: bool) -> list[str]:
    """Where `monitor` is to be watched now: none while suspended, before its interval, or (monitor
    timing active) while its target is not online or has not waited the monitor's wait time to start."""
    if state is not None and state.status == ObjectState.Status.SUSPENDED:
        return []
    if (
        not force
        and state is not None
        and not is_due(
            checked_at=state.checked_at,
            due_at=state.details.get("due"),
            now=now,
            interval=monitor.interval,
            tick=settings.WEBUI_TICK_SECONDS,
        )
    ):
        return []
    target = config.resource(monitor.target)
    if target is None:
        return list(config.server_names)
    online = resources.get(target.name)
    if online is None or online.status != "online":
        return []  # Monitor Timing Active: only while the target is online
    if not force and now - online.updated_at < timedelta(seconds=monitor.wait_to_start):
        return []
    return [online.server]


def watch_monitor(pk: int, name: str, *, force: bool = False, lease=None) -> TaskRun | None:
    """Watch one monitor resource if it is still due; the recovery run it started, if any.

    `lease(seconds)`, when given, is entered for the monitor's timeout (monitors.tasks: a worker's lease
    on it); nothing is watched unless it yields True."""
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None or _busy(cluster):
        return None
    _, config = applied(cluster)
    monitor = config.monitor(name) if config is not None else None
    if monitor is None:
        return None  # applied away meanwhile
    with lease(monitor.timeout) if lease else contextlib.nullcontext(True) as held:
        return _watch_monitor(cluster, config, monitor, force) if held else None


def _watch_monitor(cluster, config: Config, monitor: MonitorConfig, force: bool) -> TaskRun | None:
    name = monitor.name
    state = ObjectState.objects.filter(cluster=cluster, kind="monitor", name=name).first() or ObjectState(
        cluster=cluster, kind="monitor", name=name, status="normal"
    )
    target = config.resource(monitor.target)
    resources = (
        {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind="resource", name=target.name)}
        if target
        else {}
    )
    now = timezone.now()
    servers = _servers_to_watch(config, monitor, state, resources, now, force)
    if not servers:
        return None
    due = next_due(
        due_at=state.details.get("due"),
        watched_at=now,
        interval=monitor.interval,
        phase=phase_of(cluster.name, name),
        tick=settings.WEBUI_TICK_SECONDS,
    )
    state.checked_at, state.details = now, {**state.details, "due": due}
    run = None
    for server in servers:
        try:
            watch = _watch_one(cluster, monitor, target, server, state)
        except Exception as exc:  # a monitor that cannot watch says so; it never looks normal
            logger.exception("monitor %s of %s failed", name, cluster.name)
            watch = Watch("error", "", f"The monitoring itself failed ({type(exc).__name__}: {exc}).")
        run = _record(cluster, monitor, state, server, watch)
        if run is not None:
            break
    state.save()  # the outcome on all its servers, written once
    return run


def _watch_one(cluster, monitor: MonitorConfig, target, server, state) -> Watch:
    if state.dummy_failure:
        return Watch("error", "", "Dummy failure (Verification Mode).")
    with aws.bounded(monitor.timeout):  # the monitor's own Timeout bounds its AWS calls
        watch = remote.watch(cluster, monitor, target, server)
    if watch.no_response:  # "Action when AWS CLI command failed to receive response"
        mode = str(monitor.parameters.get("mode", "0"))
        if mode == "0":
            return Watch("normal", watch.code, watch.message)
        if mode == "1":
            return Watch("warning", str(int(watch.code or 0) + 100), watch.message)
    return watch


def _record(cluster, monitor: MonitorConfig, state, server, watch: Watch):
    name = monitor.name
    if watch.status == "normal":
        if state.status != "normal":
            alert(cluster, f"Monitor {name} is back to normal.", server=server)
        state.status, state.failures, state.message = "normal", 0, ""
        return None
    text = f"({watch.code} : {watch.message})" if watch.code else f"({watch.message})"
    if watch.status == "warning":
        state.status, state.message = "normal", f"Monitor {name} is in the warning status. {text}"
        alert(cluster, state.message, "warning", server)
        return None
    state.failures += 1
    if state.failures <= monitor.retry_count:
        return None  # retry before declaring an error
    state.status, state.message = "error", f"Monitor {name} detected an error. {text}"
    alert(cluster, state.message, "error", server)
    state.save()
    try:
        return _start("recovery", cluster, {"monitor": name, "server": server, "message": state.message})
    except taskruns.ClusterBusy:
        state.failures = monitor.retry_count  # another run came first: the next watch finds the error again
        return None


def _restart(cluster, config: Config, kind, target, server, context) -> None:
    """Reactivate the recovery target on `server`; its state tells the truth if that fails."""
    if kind == "grp":
        stop_group(cluster, config, target, context.log)
        start_group(cluster, config, target, server, context.log)
        return
    resource = config.resource(target)

    for activate in (False, True):
        _, ok, message, _ = act(cluster, resource, server, activate)
        if not ok and activate:
            record_state(cluster, "resource", target, status="error", server=server, message=message[:500])
            raise TaskFailed(f"Failed to start the resource {target}. ({message})")
    record_state(cluster, "resource", target, status="online", server=server, message="restarted by recovery")


@task_kind("recovery", label="Recovery action", role=Role.OPERATOR, needs=("monitor", "server"), by_engine=True)
def run_recovery(context: RunContext) -> dict:
    """Restart the recovery target, then fail its group over, then the final action (as the product does)."""
    cluster, params = context.cluster, context.params
    _, config = applied(cluster)
    monitor = config.monitor(params["monitor"])
    state = ObjectState.objects.get(cluster=cluster, kind="monitor", name=monitor.name)
    kind, target = monitor.recovery_target, monitor.recovery_name
    restarts = _or(monitor.restart_threshold, DEFAULT_RESTARTS if kind != "cls" else 0)
    failovers = _or(monitor.failover_threshold, DEFAULT_FAILOVERS)
    if kind == "rsc":
        groups = [config.resource(target).group]
    elif kind == "grp":
        groups = [target]
    else:  # LocalServer: the groups online on the server where the error was found
        groups = [
            s.name
            for s in ObjectState.objects.filter(cluster=cluster, kind="group", status="online", server=params["server"])
        ]
    done = ""
    if state.restarts < restarts and kind in ("rsc", "grp"):
        state.restarts += 1
        state.save(update_fields=["restarts"])  # counted whatever the restart does: recovery must move on
        server = params["server"]
        try:
            _restart(cluster, config, kind, target, server, context)
            done = f"Recovery: {target} restarted on {server} ({state.restarts} of {restarts})."
        except TaskFailed as exc:
            message = f"Recovery: restarting {target} on {server} failed ({exc}); the recovery goes on."
            alert(cluster, message, "error", server)
            context.log(message, "error")
    if not done and state.failovers < failovers and groups:
        state.failovers += 1
        state.save(update_fields=["failovers"])
        for group in groups:
            current = ObjectState.objects.filter(cluster=cluster, kind="group", name=group).first()
            source = current.server if current else ""
            destination = next((s for s in config.startup_servers(group) if s != source), None)
            if destination is None:
                continue
            stop_group(cluster, config, group, context.log)
            start_group_or_fail_over(cluster, config, group, destination, context.log)
        done = f"Recovery: {', '.join(groups)} failed over ({state.failovers} of {failovers})."
    elif not done:
        final = str(monitor.final_action or "1")
        if final == "2":
            for group in groups:
                stop_group(cluster, config, group, context.log)
        elif final == "3":
            for group in [g.name for g in config.groups]:
                stop_group(cluster, config, group, context.log)
            ClusterState.objects.filter(cluster=cluster).update(status="stopped")
        done = f"Recovery: final action {final} ({'no operation' if final == '1' else 'done'})."
    state.failures, state.status = 0, "normal"
    state.save()
    alert(cluster, done, "warning")
    context.log(done)
    return {"done": done}


# --- monitor control (operation mode, verification mode, clpmonctrl) -------------------------------


def control(*, user, cluster, action: str, monitors: list[str] | None = None) -> list[str]:
    """Suspend / resume monitors, or set / clear a dummy failure (Verification Mode); returns the names."""

    require_role(user, Role.OPERATOR)
    _, config = applied(cluster)
    if config is None:
        raise ValueError("The cluster has no applied configuration: Apply the Configuration File first.")
    known = [m.name for m in config.monitors]
    names = monitors or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"No monitor resource {', '.join(unknown)} in the applied configuration.")
    for name in names:
        state, _ = ObjectState.objects.get_or_create(
            cluster=cluster, kind="monitor", name=name, defaults={"status": "normal"}
        )
        if action == "suspend":
            state.status = ObjectState.Status.SUSPENDED
        elif action == "resume":
            state.status, state.failures = ObjectState.Status.NORMAL, 0
        elif action in ("dummy_on", "dummy_off"):
            state.dummy_failure = action == "dummy_on"
        else:
            raise ValueError(f"Unknown monitor control {action!r}.")
        state.save()
    words = {
        "suspend": "suspended",
        "resume": "resumed",
        "dummy_on": "given a dummy failure",
        "dummy_off": "cleared of its dummy failure",
    }
    alert(cluster, f"Monitor resource(s) {', '.join(names)} {words[action]}.")
    return names
