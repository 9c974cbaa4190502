"""What the cluster does about a failure: a lost server's forced stop and failover, a monitor resource's
error and its recovery (reactivate the target, then fail its group over, then the Final Action), and the
operator's control of monitors (suspend, resume, Verification Mode's dummy failure).

Each recovery is a run, like any operation: one at a time per cluster.
"""

import logging
from dataclasses import replace

from django.db import transaction

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config, MonitorConfig
from clusters.node import remote
from clusters.operation import groups, propagation, state
from clusters.operation.state import Status
from clusters.runs import taskruns
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from monitors.registry import Watch
from webui import aws, awsreads
from webui.roles import Role, acting_user, require_role

logger = logging.getLogger(__name__)

DEFAULT_RESTARTS = 3  # Maximum Reactivation Count when clp.conf states none
DEFAULT_FAILOVERS = 1  # Maximum Failover Count when clp.conf states none
DEFAULT_FINAL = "1"  # Final Action: No operation


def _or(value, default):
    return default if value is None else value


def start(kind: str, cluster, params: dict):
    """A run the engine itself starts (no user asked for it)."""
    return taskruns.start_run(kind=kind, user=acting_user("cluster"), cluster=cluster, params=params)


# --- a lost server ---------------------------------------------------------------------------------------


@task_kind(
    "server_down",
    label="Forced stop and failover",
    role=Role.OPERATOR,
    needs=("server",),
    values={"state": str},
    by_engine=True,
)
def run_server_down(context: RunContext) -> dict:
    """A lost server: stop its instance (AWS forced stop), then fail its groups over. A server under a dummy
    failure (Verification Mode) is not stopped: its groups are stopped there, then fail over, so that nothing
    runs twice while it only looks failed."""
    cluster, server = context.cluster, context.params["server"]
    config = state.applied_config(cluster)
    state.alert(cluster, f"Server {server} is down ({context.params.get('state', 'lost')}).", "error", server)
    dummy = server in state.servers_under_dummy_failure(cluster)
    instance = None if dummy else config.instance_of(server, AwsAccount())
    if config.forced_stop and instance is not None:
        try:
            aws.client("ec2").stop_instances(InstanceIds=[instance["InstanceId"]], Force=True)
        except aws.AWS_ERRORS as exc:  # its groups stay: a server that may still run them is not fenced
            state.alert(cluster, f"Forced stop of {server} failed: {aws.error_message(exc)}", "error", server)
            raise TaskFailed(f"Forced stop of {server} failed: {aws.error_message(exc)}") from exc
        state.alert(cluster, f"Forced stop of {server} ({instance['InstanceId']}) succeeded.", "warning", server)
        context.log(f"Forced stop: StopInstances {instance['InstanceId']}.")
    moved = []
    for group in state.groups_on(cluster, server):
        try:  # no deactivation on a server that is gone (one under a dummy failure is there)
            if groups.fail_over(cluster, config, group, source=server, log=context.log, deactivate=dummy):
                moved.append(group)
        except TaskFailed as exc:  # one group's failure is alerted there; the others still move
            context.log(str(exc), "error")
    return {"server": server, "failed_over": moved}


# --- monitor resources: what a watch found -------------------------------------------------------------


def observe(cluster, config: Config, monitor: MonitorConfig, row, server: str, watch: Watch):
    """Record what one watch of `monitor` on `server` found (on its state `row`, saved by the caller); an
    error beyond the Retry Count starts its recovery run, returned."""
    name = monitor.name
    if watch.status == "skipped":  # not judged this time: nothing changes, failures included
        return None
    if watch.status == "normal":
        if row.status in (Status.ERROR, Status.CAUTION):
            state.alert(cluster, f"Monitor {name} is back to normal.", server=server)
        row.status, row.failures, row.restarts, row.failovers, row.message = Status.NORMAL, 0, 0, 0, ""
        row.server = ""
        row.details = {k: v for k, v in row.details.items() if k != "final_done"}
        return None
    text = f"({watch.code} : {watch.message})" if watch.code else f"({watch.message})"
    if watch.status == "warning":
        message = f"Monitor {name} is in the warning status. {text}"
        if (row.status, row.message) != (Status.CAUTION, message):
            state.alert(cluster, message, "warning", server)
        row.status, row.message, row.server = Status.CAUTION, message, server
        return None
    row.failures += 1
    if row.failures <= monitor.retry_count:
        return None  # retry before declaring an error
    message = f"Monitor {name} detected an error. {text}"
    if (row.status, row.message) != (Status.ERROR, message):
        state.alert(cluster, message, "error", server)
    row.status, row.message, row.server = Status.ERROR, message, server  # where it was found
    if row.details.get("final_done"):
        row.failures = 0  # every recovery it has is spent: it stays in error until it is normal again
        return None
    state.save_monitor(row)
    try:
        return start("recovery", cluster, {"monitor": name, "server": server, "message": message})
    except taskruns.ClusterBusy:
        row.failures = monitor.retry_count  # another run came first: the next watch finds the error again
        return None


def with_ratio(monitor: MonitorConfig, ratio: int) -> MonitorConfig:
    """The monitor as it is watched under a timeout ratio (clptoratio): its Timeout multiplied."""
    return monitor if ratio <= 1 else replace(monitor, timeout=monitor.timeout * ratio)


def watch_on(cluster, monitor: MonitorConfig, target, server: str, row) -> Watch:
    """One watch of `monitor` on `server`, bounded by its Timeout (times the timeout ratio: the caller passes the
    monitor with_ratio), with its "Action when AWS CLI command failed to receive response" applied. A target whose
    change AWS still propagates is not judged before it is INSYNC ("skipped"); a read shared by the round's
    monitors is used only if made after the target's last change."""
    if server in state.dummy_failure_on(row, [server]):
        return Watch("error", "", "Dummy failure (Verification Mode).")
    found = state.resource_state(cluster, target.name) if target is not None else None
    change = (found.details or {}).get("change") if found is not None else None
    pending = change and change.get("status") == "PENDING"
    if pending and propagation.settle(cluster, target, change, found.server, found.message) != "INSYNC":
        return Watch("skipped", "", f"{change['label']} is PENDING: not judged before it is INSYNC.")
    since = found.updated_at.timestamp() if found is not None else 0.0
    with aws.bounded(monitor.timeout), awsreads.not_before(since):  # the monitor's own Timeout bounds its AWS calls
        watch = remote.watch(cluster, monitor, target, server)
    if watch.no_response:
        mode = str(monitor.parameters.get("mode", "0"))
        if mode == "0":  # Disable recovery action (Do nothing)
            return Watch("normal", watch.code, watch.message)
        if mode == "1":  # Disable recovery action (Display warning)
            return Watch("warning", str(int(watch.code or 0) + 100), watch.message)
    return watch


# --- recovery ---------------------------------------------------------------------------------------------


def _recovery_groups(cluster, config: Config, monitor: MonitorConfig, server: str) -> list[str]:
    if monitor.recovery_target == "rsc":
        return [config.resource(monitor.recovery_name).group]
    if monitor.recovery_target == "grp":
        return [monitor.recovery_name]
    return state.groups_on(cluster, server)  # LocalServer: the groups on the server where the error was found


def _reactivate(cluster, config: Config, monitor: MonitorConfig, server: str, log) -> None:
    """Reactivate the recovery target on `server`: its group, or the resource alone; TaskFailed if that fails."""
    target = monitor.recovery_name
    if monitor.recovery_target == "grp":
        groups.stop_group(cluster, config, target, log)
        groups.start_group(cluster, config, target, on=server, log=log)
        return
    resource = config.resource(target)
    for activate in (False, True):
        outcome = groups.act_and_retry(cluster, resource, server, activate)
        groups.record(cluster, outcome, server, activate, log)
        if not outcome.ok:
            raise TaskFailed(f"Failed to {'start' if activate else 'stop'} the resource {target}. ({outcome.message})")


@task_kind(
    "recovery",
    label="Recovery action",
    role=Role.OPERATOR,
    needs=("monitor", "server"),
    values={"message": str},
    by_engine=True,
)
def run_recovery(context: RunContext) -> dict:
    """The next recovery step the monitor has left, as the product orders them: reactivate the target (up to
    Maximum Reactivation Count), then fail its group over (Maximum Failover Count), then the Final Action once."""
    cluster, params = context.cluster, context.params
    config = state.applied_config(cluster)
    monitor = config.monitor(params["monitor"])
    if monitor is None:
        raise TaskFailed(f"There is no monitor resource {params['monitor']} in the applied configuration.")
    server = params["server"]
    row = state.monitor_state(cluster, monitor.name)
    kind = monitor.recovery_target
    restarts = _or(monitor.restart_threshold, DEFAULT_RESTARTS if kind != "cls" else 0)
    failovers = _or(monitor.failover_threshold, DEFAULT_FAILOVERS)
    targets = _recovery_groups(cluster, config, monitor, server)
    done = ""
    if row.restarts < restarts and kind in ("rsc", "grp"):
        row.restarts += 1
        state.save_monitor(row)  # counted whatever the reactivation does: recovery must move on
        try:
            _reactivate(cluster, config, monitor, server, context.log)
            done = f"Recovery: {monitor.recovery_name} reactivated on {server} ({row.restarts} of {restarts})."
        except TaskFailed as exc:
            message = (
                f"Recovery: reactivating {monitor.recovery_name} on {server} failed ({exc}); the recovery goes on."
            )
            state.alert(cluster, message, "error", server, about=("monitor", monitor.name))
            context.log(message, "error")
    if not done and row.failovers < failovers and targets:
        row.failovers += 1
        state.save_monitor(row)
        moved, failures = {}, []
        for group in targets:
            source = state.group_server(cluster, group) or server
            try:
                moved[group] = groups.fail_over(cluster, config, group, source=source, log=context.log)
            except TaskFailed as exc:  # the group's own alert says why; the other groups still move
                failures.append(str(exc))
                moved[group] = None
        where = ", ".join(f"{g} to {s}" if s else f"{g} nowhere" for g, s in moved.items())
        done = f"Recovery: failed over {where} ({row.failovers} of {failovers})."
        if failures:
            row.failures = 0
            state.save_monitor(row)
            state.alert(cluster, done, "error", server, about=("monitor", monitor.name))
            raise TaskFailed(f"{done} {failures[0]}")
    elif not done:
        action = str(monitor.final_action or DEFAULT_FINAL)
        carried = groups.carry_out(
            cluster,
            config,
            action,
            server=server,
            groups=targets,
            log=context.log,
            resource=monitor.recovery_name if kind == "rsc" else "",
        )
        row = state.monitor_state(cluster, monitor.name)  # a final action may have changed what the row holds
        row.details = {**row.details, "final_done": True}
        done = f"Recovery: Final Action of {monitor.name} on {server}: {carried}."
    row.failures = 0  # the next error is counted afresh; the monitor stays in error until a watch is normal
    state.save_monitor(row)
    state.alert(cluster, done, "warning", server, about=("monitor", monitor.name))
    context.log(done)
    return {"done": done}


# --- monitor control (operation mode, verification mode, clpmonctrl) -------------------------------


CONTROLS = {
    "suspend": "suspended",
    "resume": "resumed",
    "dummy_on": "given a dummy failure",
    "dummy_off": "cleared of its dummy failure",
}


def control(*, user, cluster, action: str, monitors: list[str] | None = None, servers: list[str] | None = None):
    """Suspend / resume monitors, or set / clear a dummy failure (Verification Mode), on `servers` (none: every
    server); returns the monitors' names."""
    require_role(user, Role.OPERATOR)
    if action not in CONTROLS:
        raise ValueError(f"Unknown monitor control {action!r}; one of {', '.join(CONTROLS)}.")
    _, config = state.applied(cluster)
    if config is None:
        raise ValueError("The cluster has no applied configuration: Apply the Configuration File first.")
    known = [m.name for m in config.monitors]
    names = monitors or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"No monitor resource {', '.join(unknown)} in the applied configuration.")
    every = config.server_names
    if unknown := sorted(set(servers or ()) - set(every)):
        raise ValueError(f"No server {', '.join(unknown)} in the applied configuration; one of {', '.join(every)}.")
    chosen = set(servers or every)
    with transaction.atomic():
        for name in names:
            row = state.monitor_state(cluster, name, lock=True)
            if action in ("suspend", "resume"):
                now = state.suspended_on(row, every)
                state.set_suspended_on(row, now | chosen if action == "suspend" else now - chosen, every)
                if action == "resume":
                    row.failures = 0
            else:
                now = state.dummy_failure_on(row, every)
                state.set_dummy_failure_on(row, now | chosen if action == "dummy_on" else now - chosen, every)
            state.save_monitor(row)
    where = "" if chosen == set(every) else f" on {', '.join(sorted(chosen))}"
    state.alert(cluster, f"Monitor resource(s) {', '.join(names)} {CONTROLS[action]}{where}.")
    return names
