"""Operations on many objects at once, as the product's RESTful API offers them: every group on one server
(groups/start, groups/stop with a target), and the whole cluster shut down or rebooted (cluster/shutdown,
cluster/reboot: the cluster stops, then every server's instance stops or reboots through EC2)."""

from clusters.aws.account import AwsAccount
from clusters.operation import groups, state
from clusters.operation.operations import run_cluster_start, run_cluster_stop
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from webui.roles import Role


def _target(context: RunContext, config) -> str:
    server = context.params.get("server", "")
    if server not in config.server_names:
        raise TaskFailed(f"There is no server {server or '(none given)'} in the applied configuration.")
    return server


@task_kind("groups_start", label="Start every group on a server", role=Role.OPERATOR, needs=("server",))
def run_groups_start(context: RunContext) -> dict:
    """Start, on the server, every group that is offline and may start there (it is one of its startup servers)."""
    cluster, config = context.cluster, state.applied_config(context.cluster)
    server = _target(context, config)
    started, failed = [], []
    for group in config.groups:
        if server not in config.startup_servers(group.name):
            continue
        if where := state.group_server(cluster, group.name):
            context.log(f"Group {group.name} already runs on {where}.")
            continue
        try:
            groups.start_group(cluster, config, group.name, on=server, log=context.log)
            started.append(group.name)
        except TaskFailed as exc:  # one group's failure is alerted; the others start
            context.log(str(exc), "error")
            failed.append(f"{group.name} ({exc})")
    if failed:
        raise TaskFailed(f"Group(s) did not start on {server}: {'; '.join(failed)}. Started: {started or 'none'}.")
    return {"server": server, "started": started}


@task_kind("groups_stop", label="Stop every group on a server", role=Role.OPERATOR, needs=("server",))
def run_groups_stop(context: RunContext) -> dict:
    """Stop every group that runs (or is in error) on the server."""
    cluster, config = context.cluster, state.applied_config(context.cluster)
    server = _target(context, config)
    stopped, failed = [], []
    for group in state.groups_on(cluster, server):
        try:
            groups.stop_group(cluster, config, group, context.log)
            stopped.append(group)
        except TaskFailed as exc:
            context.log(str(exc), "error")
            failed.append(f"{group} ({exc})")
    if failed:
        raise TaskFailed(f"Group(s) did not stop on {server}: {'; '.join(failed)}. Stopped: {stopped or 'none'}.")
    if not stopped:
        context.log(f"No group runs on {server}.")
    return {"server": server, "stopped": stopped}


def _cluster_down(context: RunContext, *, reboot: bool) -> dict:
    """Stop the cluster, then every server's instance (or reboot it); refused before anything stops if an
    instance cannot be found."""
    cluster, config = context.cluster, state.applied_config(context.cluster)
    account = AwsAccount()
    missing = [s for s in config.server_names if config.instance_of(s, account) is None]
    if missing:
        raise TaskFailed(
            f"The EC2 instance of {', '.join(missing)} cannot be found; set the instance IDs under Fencing."
        )
    run_cluster_stop(context)
    instances, failures = {}, []
    for server in config.server_names:
        try:
            instances[server] = groups.power_off(cluster, config, server, reboot=reboot)
        except TaskFailed as exc:  # the others still go down
            context.log(str(exc), "error")
            failures.append(str(exc))
    if failures:
        raise TaskFailed(f"The cluster stopped, but {'; '.join(failures)}")
    if reboot:  # back from the reboot, each server's cluster service starts and the groups start as configured
        context.log("The servers are rebooting; the cluster starts again on them.")
        run_cluster_start(context)
    return {"instances": instances, "reboot": reboot}


@task_kind("cluster_shutdown", label="Shut down the cluster", role=Role.OPERATOR)
def run_cluster_shutdown(context: RunContext) -> dict:
    return _cluster_down(context, reboot=False)


@task_kind("cluster_reboot", label="Reboot the cluster", role=Role.OPERATOR)
def run_cluster_reboot(context: RunContext) -> dict:
    return _cluster_down(context, reboot=True)
