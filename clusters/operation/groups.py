"""Starting, stopping and failing over groups, as the product does.

A group's resources activate in dependency order, independent ones in parallel, and deactivate in reverse.
A resource that fails is retried (its Retry Count); an activation failure then fails the group over (its
Failover Threshold), and on the last server the resource's Final Action is carried out; a deactivation
failure goes to its Final Action at once. One rule picks where a group fails over, on every path (an
activation failure, a lost server, a monitor's recovery, a cluster service stopped): the next of its startup
servers that is available — its cluster service runs and the server is not lost — then the next.
"""

import contextlib
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import transaction

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config, ResourceConfig
from clusters.models import FailoverGroup
from clusters.node import remote
from clusters.operation import state
from clusters.operation.state import Kind, Status
from clusters.runs.taskruns import TaskFailed
from resources.models import GroupResource
from resources.registry import ResourceFailed
from webui import aws, nodes

Action = GroupResource.FinalAction
Failover, Failback = FailoverGroup.Failover, FailoverGroup.Failback
# The product's defaults where clp.conf states none: no retry; one failover; then no operation (the next
# resource is not activated). A deactivation that fails stops the cluster service and shuts the OS down, so
# that what the resource holds is certainly released before another server takes it.
ACT_RETRY, ACT_FAILOVER, ACT_FINAL = 0, 1, Action.NO_OPERATION
DEACT_RETRY, DEACT_FINAL = 0, Action.SHUTDOWN


def levels(config: Config, group: str) -> list[list[ResourceConfig]]:
    """The group's resources in dependency order (a level runs in parallel)."""
    try:
        return config.levels(group)
    except ValueError as exc:
        raise TaskFailed(str(exc)) from None


# --- one resource's action ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One resource's action: whether it worked, what it said, and when it ran (perf_counter)."""

    name: str
    ok: bool
    message: str
    span: tuple[float, float]


def act(cluster, resource: ResourceConfig, server: str, activate: bool, agents: dict | None = None) -> Outcome:
    """One resource's action (on AWS, or on the server's node agent), in a worker thread. `agents`
    (remote.agents_of) keeps the thread off the database."""
    started = time.perf_counter()
    bound = resource.spec.call_bound(resource)  # its AWS CLI Timeout bounds each AWS call it makes
    try:
        with aws.bounded(bound) if bound else contextlib.nullcontext():
            ok, message = True, remote.act(cluster, resource, server, activate, agents=agents)
    except ResourceFailed as exc:
        ok, message = False, f"{exc.code} : {exc.message}".strip(" :")
    except nodes.NodeUnreachable as exc:  # a server problem: the activation failed there, the group moves on
        ok, message = False, str(exc)
    except aws.AWS_ERRORS as exc:
        text = aws.error_message(exc)
        ok, message = False, f"{'9' if text == aws.TIMEOUT_MESSAGE else '50'} : {text}"
    return Outcome(resource.name, ok, message, (started, time.perf_counter()))


def retries(resource: ResourceConfig, activate: bool) -> int:
    value = resource.act_retry if activate else resource.deact_retry
    return (ACT_RETRY if activate else DEACT_RETRY) if value is None else value


def final_action(resource: ResourceConfig, activate: bool) -> str:
    return (resource.act_final_action or ACT_FINAL) if activate else (resource.deact_final_action or DEACT_FINAL)


def act_and_retry(cluster, resource: ResourceConfig, server: str, activate: bool, agents=None) -> Outcome:
    """The action, retried up to the resource's Retry Count (at activation or deactivation failure)."""
    outcome = act(cluster, resource, server, activate, agents)
    for attempt in range(1, retries(resource, activate) + 1):
        if outcome.ok:
            break
        again = act(cluster, resource, server, activate, agents)
        note = f" (retry {attempt})" if again.ok else f" (after {attempt} retr{'y' if attempt == 1 else 'ies'})"
        outcome = Outcome(again.name, again.ok, again.message + note, (outcome.span[0], again.span[1]))
    return outcome


def record(cluster, outcome: Outcome, server: str, activate: bool, log) -> None:
    """A resource's state after its action, and what the operator reads of it (run log, alert log)."""
    name = outcome.name
    if outcome.ok:
        state.record_state(
            cluster,
            Kind.RESOURCE,
            name,
            Status.ONLINE if activate else Status.OFFLINE,
            server=server if activate else "",
            message=outcome.message,
        )
        log(f"Resource {name} {'started' if activate else 'stopped'} on {server}.")
        return
    text = f"Failed to {'start' if activate else 'stop'} the resource {name}. ({outcome.message})"
    failure = Status.ONLINE_FAILURE if activate else Status.OFFLINE_FAILURE
    state.record_state(cluster, Kind.RESOURCE, name, failure, server=server, message=text)
    state.alert(cluster, text, "error", server)
    log(text, "error")


# --- a group on one server --------------------------------------------------------------------------------


@dataclass
class Timing:
    """How long a level of independent resources took, and when each resource's action ran in it
    (seconds from the level's start to the action's start and end)."""

    wall: float
    spans: dict[str, tuple[float, float]]

    @property
    def resources(self) -> dict[str, float]:
        """Each resource's time inside its action (its AWS calls, or its node agent's answer)."""
        return {name: end - start for name, (start, end) in self.spans.items()}

    def acting(self) -> float:
        """The time in which at least one resource's action ran: the rest of the level was the console's."""
        total, reached = 0.0, 0.0
        for start, end in sorted(self.spans.values()):
            total += max(0.0, end - max(start, reached))
            reached = max(reached, end)
        return total


@dataclass
class Pass:
    """Activating or deactivating a group on one server: each level's timing, and the resources that failed."""

    timings: list[Timing] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    reached: int = 0  # the levels acted on


def run_levels(
    cluster,
    config: Config,
    group: str,
    server: str,
    activate: bool,
    log,
    *,
    start: int = 0,
    past_failures: bool = False,
) -> Pass:
    """Activate (or deactivate, in reverse) level after level on `server`, from level `start`; stop after the
    first level with a failure unless `past_failures` (a Final Action "No operation (... next resource)")."""
    order = levels(config, group)
    order = (order if activate else list(reversed(order)))[start:]
    # Only a type that acts on the server itself asks its agent; a group of AWS resources needs no lookup.
    agents = remote.agents_of(cluster) if any(r.spec.on_server for level in order for r in level) else {}
    done = Pass(reached=start)
    for level in order:
        done.reached += 1
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=max(1, len(level))) as pool:  # independent resources in parallel
            results = list(pool.map(lambda r: act_and_retry(cluster, r, server, activate, agents), level))
        done.timings.append(
            Timing(time.perf_counter() - started, {o.name: (o.span[0] - started, o.span[1] - started) for o in results})
        )
        with transaction.atomic():  # one commit a level
            for outcome in results:
                record(cluster, outcome, server, activate, log)
        failed = [o for o in results if not o.ok]
        done.failed += failed
        if failed and not past_failures:
            break
    return done


def activate_on(cluster, config: Config, group: str, server: str, log) -> Pass:
    """Bring the group online on `server` (no failover): Online there, or Error with the resources that failed."""
    state.record_state(cluster, Kind.GROUP, group, Status.ONLINE_PENDING, server=server)
    done = run_levels(cluster, config, group, server, True, log)
    if done.failed:
        state.record_state(cluster, Kind.GROUP, group, Status.ERROR, server=server, message=done.failed[0].message)
    else:
        _group_is(cluster, group, Status.ONLINE, server, log)
    return done


def _group_is(cluster, group: str, status: Status, server: str, log) -> None:
    online = status == Status.ONLINE
    state.record_state(cluster, Kind.GROUP, group, status, server=server if online else "")
    message = f"Group {group} {'started' if online else 'stopped'} on {server}."
    state.alert(cluster, message, server=server)
    log(message)


def stop_group(cluster, config: Config, group: str, log) -> list[Timing]:
    """Take the group offline where it runs. A resource that fails to stop gets its Final Action at Deactivation
    Failure; TaskFailed if the group is left running there."""
    status, server = state.read_state(cluster, Kind.GROUP, group) or (Status.OFFLINE, "")
    if status == Status.OFFLINE or not server:
        log(f"Group {group} is not online.")
        return []
    state.record_state(cluster, Kind.GROUP, group, Status.OFFLINE_PENDING, server=server)
    done = run_levels(cluster, config, group, server, False, log)
    if not done.failed:
        _group_is(cluster, group, Status.OFFLINE, server, log)
        return done.timings
    failure = done.failed[0]
    action = final_action(config.resource(failure.name), False)
    if action == Action.NO_OPERATION_NEXT:
        rest = run_levels(cluster, config, group, server, False, log, start=done.reached, past_failures=True)
        done.timings += rest.timings
        _group_is(cluster, group, Status.OFFLINE, server, log)
        return done.timings
    if action in (Action.SHUTDOWN, Action.REBOOT):  # the server goes: what it held is released with it
        carry_out(cluster, config, action, server=server, groups=[], log=log, skip=(group,))
        _group_is(cluster, group, Status.OFFLINE, server, log)
        return done.timings
    state.record_state(cluster, Kind.GROUP, group, Status.ERROR, server=server, message=failure.message)
    raise TaskFailed(
        f"Failed to stop the resource {failure.name}. ({failure.message}) Group {group} stays on {server}, in error."
    )


# --- where a group runs ---------------------------------------------------------------------------------


def available_servers(cluster, config: Config, group: str, *, excluding=()) -> list[str]:
    """The group's startup servers that can take it now (the cluster service runs there and the server is not
    lost), in their order; for Auto Failover (dynamic), the ones running the fewest groups first."""
    unavailable = state.stopped_services(cluster) | state.lost_servers(cluster) | set(excluding)
    found = [s for s in config.startup_servers(group) if s not in unavailable]
    if config.group(group) is not None and config.group(group).failover == Failover.DYNAMIC:
        running = Counter(state.online_groups(cluster).values())
        found.sort(key=lambda server: running[server])  # a stable sort: priority among equals
    return found


def check_startable(cluster, config: Config, group: str, server: str) -> None:
    """Refuse, before anything stops, a `server` the group cannot start on."""
    if config.group(group) is None:
        raise TaskFailed(f"There is no group {group} in the applied configuration.")
    if server not in config.startup_servers(group):
        raise TaskFailed(f"{server} is not a startup server of group {group}.")
    if server in state.stopped_services(cluster):
        raise TaskFailed(f"The cluster service of {server} is stopped; start it there first (clpcl -s -h {server}).")
    if server in state.lost_servers(cluster):
        raise TaskFailed(f"Server {server} is down; the group can start there once it is back.")


def start_group(cluster, config: Config, group: str, *, on: str | None = None, avoid=(), log) -> str:
    """Start the group on `on` (or its first available startup server). On an activation failure, what started
    there stops and the group fails over to the next available server, as many times as the failed resource's
    Failover Threshold allows; on the last server, that resource's Final Action. Returns where the group runs;
    TaskFailed if it runs nowhere."""
    first = on or next(iter(available_servers(cluster, config, group, excluding=avoid)), None)
    if first is None:
        message = f"Group {group} has no server to start on: no startup server's cluster service runs."
        state.alert(cluster, message, "error")
        raise TaskFailed(message)
    check_startable(cluster, config, group, first)
    tried = [first]
    server, failovers = first, 0
    while True:
        done = activate_on(cluster, config, group, server, log)
        if not done.failed:
            if failovers:
                state.alert(
                    cluster,
                    f"Group {group} failed over to {server} after an activation failure on {tried[-2]}.",
                    "warning",
                    server,
                )
            return server
        failure = done.failed[0]
        resource = config.resource(failure.name)
        threshold = ACT_FAILOVER if resource.act_failover is None else resource.act_failover
        if config.group(group).failover == Failover.MANUAL:
            threshold = 0  # Manual Failover: an operator decides where it goes
        following = available_servers(cluster, config, group, excluding=(*avoid, *tried))
        if failovers < threshold and following:
            log(f"Group {group} did not start on {server} ({failure.message}); stopping what started there.")
            _release(cluster, config, group, server, log)
            server, failovers = following[0], failovers + 1
            tried.append(server)
            continue
        return _activation_final_action(cluster, config, group, server, done, log)


def _release(cluster, config: Config, group: str, server: str, log) -> None:
    try:
        stop_group(cluster, config, group, log)
    except TaskFailed as exc:
        log(f"Stopping group {group} on {server} failed too ({exc}).")


def _activation_final_action(cluster, config: Config, group: str, server: str, done: Pass, log) -> str:
    failure = done.failed[0]
    action = final_action(config.resource(failure.name), True)
    if action == Action.NO_OPERATION_NEXT:  # the rest of the group starts; the failed resources stay failed
        rest = run_levels(cluster, config, group, server, True, log, start=done.reached, past_failures=True)
        failed = ", ".join(o.name for o in [*done.failed, *rest.failed])
        message = f"Group {group} started on {server} without {failed} (Final Action: activate next resource)."
        state.record_state(cluster, Kind.GROUP, group, Status.ERROR, server=server, message=message)
        state.alert(cluster, message, "error", server)
        return server
    message = (
        f"Group {group} could not be started; it is in error on {server}. ({failure.message}) "
        f"Final Action: {Action(action).label}."
    )
    state.alert(cluster, message, "error", server)
    if action in (Action.STOP_CLUSTER, Action.SHUTDOWN, Action.REBOOT):  # its failovers are spent: it stops
        _release(cluster, config, group, server, log)
    carry_out(cluster, config, action, server=server, groups=[group], log=log, skip=(group,))
    raise TaskFailed(message)


# --- failover, and a server leaving the cluster --------------------------------------------------------


def fail_over(cluster, config: Config, group: str, *, source: str, log, deactivate: bool = True) -> str | None:
    """Move the group away from `source` (stopped there first unless that server is gone) to the next available
    startup server. Returns where it runs, or None when no server can take it (it is then stopped)."""
    current = state.group_server(cluster, group)
    if current and current != source:
        return current  # moved meanwhile (by a final action of another group's failover)
    manual = config.group(group).failover == Failover.MANUAL
    targets = [] if manual else available_servers(cluster, config, group, excluding=(source,))
    if not targets:
        why = "it is set to Manual Failover: move it" if manual else "no server can take it: start it"
        message = f"Group {group} did not fail over from {source}: {why} once a server can."
        state.alert(cluster, message, "error", source)
        if deactivate:
            stop_group(cluster, config, group, log)
        else:  # its server is gone, and what the group held there with it
            for name in [group] + [r.name for r in config.resources_of(group)]:
                kind = Kind.GROUP if name == group else Kind.RESOURCE
                state.record_state(cluster, kind, name, Status.OFFLINE, message=f"{source} is down")
        return None
    if deactivate:
        stop_group(cluster, config, group, log)
    landed = start_group(cluster, config, group, on=targets[0], avoid=(source,), log=log)
    state.alert(cluster, f"Group {group} failed over from {source} to {landed}.", "warning", landed)
    return landed


def leave_cluster(cluster, config: Config, server: str, *, log, skip=()) -> list[str]:
    """The cluster service of `server` stops: each group running there fails over (one that cannot is stopped),
    then nothing starts there until the service starts again. Returns the groups that moved."""
    moved = []
    for group in state.groups_on(cluster, server):
        if group in skip:
            continue
        try:
            if fail_over(cluster, config, group, source=server, log=log):
                moved.append(group)
        except TaskFailed as exc:
            log(f"Group {group} could not leave {server} ({exc}).", "error")
    state.set_service(cluster, server, running=False, message="stopped")
    state.alert(cluster, f"Server {server}: the cluster service stopped.", "warning", server)
    return moved


def power_off(cluster, config: Config, server: str, *, reboot: bool) -> str:
    """Shut the server's instance down (StopInstances) or reboot it through EC2, as clpdown does."""
    instance = config.instance_of(server, AwsAccount())
    if instance is None:
        raise TaskFailed(f"The EC2 instance of {server} cannot be found; set its instance ID under Fencing.")
    ec2, instance_id = aws.client("ec2"), instance["InstanceId"]
    try:
        (ec2.reboot_instances if reboot else ec2.stop_instances)(InstanceIds=[instance_id])
    except aws.AWS_ERRORS as exc:
        raise TaskFailed(f"{'Reboot' if reboot else 'Shutdown'} of {server} failed: {aws.error_message(exc)}") from exc
    state.alert(
        cluster, f"Server {server} is {'rebooting' if reboot else 'shutting down'} ({instance_id}).", "warning", server
    )
    if reboot:  # back from the reboot, it takes groups again
        state.set_service(cluster, server, running=True)
    return instance_id


def carry_out(cluster, config: Config, action: str, *, server: str, groups, log, resource: str = "", skip=()) -> str:
    """A Final Action, for a group resource's activation or deactivation failure or a monitor resource's error
    detected on `server`; returns what was done, in the product's words."""
    if action in (Action.NO_OPERATION, Action.NO_OPERATION_NEXT, ""):
        return "no operation"
    if action == Action.STOP_GROUP:
        for group in groups:
            stop_group(cluster, config, group, log)
        return f"group {', '.join(groups)} stopped"
    if action == STOP_RESOURCE:
        outcome = act_and_retry(cluster, config.resource(resource), server, False)
        record(cluster, outcome, server, False, log)
        return f"resource {resource} stopped" if outcome.ok else f"resource {resource} failed to stop"
    if action in (Action.STOP_CLUSTER, Action.SHUTDOWN, Action.REBOOT):
        moved = leave_cluster(cluster, config, server, log=log, skip=skip)
        done = f"the cluster service of {server} stopped (groups moved: {', '.join(moved) or 'none'})"
        if action != Action.STOP_CLUSTER:
            instance = power_off(cluster, config, server, reboot=action == Action.REBOOT)
            done += f"; {instance} {'rebooting' if action == Action.REBOOT else 'shutting down'}"
        return done
    raise TaskFailed(f"Final Action {action!r} is not one this console carries out.")


STOP_RESOURCE = "16"  # a monitor resource's Final Action "Stop resource" (its recovery target)


def failback_due(cluster, config: Config) -> tuple[str, str] | None:
    """(group, server) for the first group set to Auto Failback that runs on a server after its first available
    startup server: it moves back there. None when every such group is where it belongs."""
    for group, server in state.online_groups(cluster).items():
        found = config.group(group)
        if found is None or found.failback != Failback.AUTO:
            continue
        order, available = config.startup_servers(group), set(available_servers(cluster, config, group))
        preferred = next((s for s in order if s in available), server)  # by priority, whatever the policy
        if preferred != server and (server not in order or order.index(preferred) < order.index(server)):
            return group, preferred
    return None
