"""What an operator asks of a cluster's groups and resources (Operation Mode, clpgrp, clprsc, clpcl, both APIs):
start, stop and move a group, start and stop one group resource, start and stop the cluster. Each is a run."""

import time

from clusters.operation import groups, state
from clusters.operation.state import Kind, Status
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from webui.roles import Role


@task_kind("group_start", label="Start group", role=Role.OPERATOR, needs=("group",), takes=("server",))
def run_group_start(context: RunContext) -> dict:
    config = state.applied_config(context.cluster)
    group = context.params["group"]
    server = groups.start_group(context.cluster, config, group, on=context.params.get("server"), log=context.log)
    return {"group": group, "server": server}


@task_kind("group_stop", label="Stop group", role=Role.OPERATOR, needs=("group",))
def run_group_stop(context: RunContext) -> dict:
    groups.stop_group(context.cluster, state.applied_config(context.cluster), context.params["group"], context.log)
    return {"group": context.params["group"]}


@task_kind("group_move", label="Move group", role=Role.OPERATOR, needs=("group",), takes=("server",))
def run_group_move(context: RunContext) -> dict:
    cluster, config = context.cluster, state.applied_config(context.cluster)
    group, server = context.params["group"], context.params.get("server")
    status, source = state.read_state(cluster, Kind.GROUP, group) or (Status.OFFLINE, "")
    source = "" if status == Status.OFFLINE else source
    if not server:  # by failover policy: the next available startup server
        server = next(iter(groups.available_servers(cluster, config, group, excluding=(source,))), None)
        if server is None:
            raise TaskFailed(f"Group {group} has no other server to move to.")
    if server == source and status == Status.ONLINE:  # half started there (a run cut short): it starts anew
        raise TaskFailed(f"Group {group} is already online on {server}.")
    groups.check_startable(cluster, config, group, server)  # refused before the group is stopped
    started = time.perf_counter()
    groups.stop_group(cluster, config, group, context.log)
    landed = groups.start_group(cluster, config, group, on=server, log=context.log)
    if landed != server:
        where = f"{landed} again" if landed == source else f"{landed} instead"
        raise TaskFailed(f"Group {group} could not start on {server}; it runs on {where}.")
    context.log(f"Group {group} moved from {source or 'nowhere'} to {server} in {time.perf_counter() - started:.2f} s.")
    return {"group": group, "from": source, "to": server}


def _single_resource(cluster, config, name: str, activate: bool, server: str | None, log) -> dict:
    """Start or stop one group resource, e.g. re-run an AWS Virtual IP resource after a route table was
    fixed, without bouncing its group (clprsc). It starts where its group runs."""
    resource = config.resource(name)
    if resource is None:
        raise TaskFailed(f"There is no group resource {name} in the applied configuration.")
    if activate:
        where = state.group_server(cluster, resource.group)
        if where and server and server != where:
            raise TaskFailed(f"Group {resource.group} runs on {where}: {name} can start only there.")
        server = where or server or config.startup_servers(resource.group)[0]
    else:
        found = state.read_state(cluster, Kind.RESOURCE, name)
        server = found[1] if found and found[0] != Status.OFFLINE else ""
        if not server:
            raise TaskFailed(f"Resource {name} is not online.")
    outcome = groups.act_and_retry(cluster, resource, server, activate)
    groups.record(cluster, outcome, server, activate, log)
    if not outcome.ok:
        raise TaskFailed(f"Failed to {'start' if activate else 'stop'} the resource {name}. ({outcome.message})")
    state.alert(cluster, f"Resource {name} {'started' if activate else 'stopped'} on {server}.", server=server)
    return {"resource": name, "server": server}


@task_kind("resource_start", label="Start resource", role=Role.OPERATOR, needs=("resource",), takes=("server",))
def run_resource_start(context: RunContext) -> dict:
    config = state.applied_config(context.cluster)
    return _single_resource(
        context.cluster, config, context.params["resource"], True, context.params.get("server"), context.log
    )


@task_kind("resource_stop", label="Stop resource", role=Role.OPERATOR, needs=("resource",))
def run_resource_stop(context: RunContext) -> dict:
    config = state.applied_config(context.cluster)
    return _single_resource(context.cluster, config, context.params["resource"], False, None, context.log)


@task_kind("cluster_start", label="Start the cluster", role=Role.OPERATOR)
def run_cluster_start(context: RunContext) -> dict:
    cluster, config = context.cluster, state.applied_config(context.cluster)
    state.set_cluster_status(cluster, Status.ONLINE)
    for server in config.server_names:  # the cluster service starts on every server
        state.set_service(cluster, server, running=True)
    state.alert(cluster, "The cluster service started.")
    started, failed = [], []
    for group in config.groups:
        if group.startup != "1":  # Manual Startup: an operator starts it
            continue
        try:
            groups.start_group(cluster, config, group.name, log=context.log)
            started.append(group.name)
        except TaskFailed as exc:  # one group's failure is alerted; the others start
            context.log(str(exc), "error")
            failed.append(group.name)
    if failed:
        raise TaskFailed(
            f"The cluster started, but group(s) {', '.join(failed)} did not (see the log above); "
            f"started: {', '.join(started) or 'none'}."
        )
    return {"started": started}


@task_kind("cluster_stop", label="Stop the cluster", role=Role.OPERATOR)
def run_cluster_stop(context: RunContext) -> dict:
    cluster, config = context.cluster, state.applied_config(context.cluster)
    for group in reversed(config.groups):
        groups.stop_group(cluster, config, group.name, context.log)
    state.set_cluster_status(cluster, Status.OFFLINE)
    for server in config.server_names:
        state.set_service(cluster, server, running=False, message="the cluster is stopped")
    state.alert(cluster, "The cluster service stopped.")
    return {}
