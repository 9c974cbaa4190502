"""Operations on one server or the whole cluster service, in the product's words: stop and start the
cluster service on a server (its groups fail over first), shut a server down or reboot it through EC2
once its groups have moved (clpdown), and suspend / resume the cluster (monitoring pauses)."""

from clusters.aws.account import AwsAccount
from clusters.operation import groups, state
from clusters.operation.state import Status
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from webui.roles import Role


def _server(context: RunContext, config) -> str:
    server = context.params.get("server", "")
    if server not in config.server_names:
        raise TaskFailed(f"There is no server {server or '(none given)'} in the applied configuration.")
    return server


def stop_service(context: RunContext) -> tuple[str, list[str]]:
    """An operator's stop of a server's cluster service: refused while a group there has nowhere to go."""
    cluster, config = context.cluster, state.applied_config(context.cluster)
    server = _server(context, config)
    for group in state.groups_on(cluster, server):
        if not groups.available_servers(cluster, config, group, excluding=(server,)):
            raise TaskFailed(
                f"Group {group} has no other server to move to; stop it first, or start the cluster "
                "service on another of its startup servers."
            )
    moved = groups.leave_cluster(cluster, config, server, log=context.log)
    context.log(f"The cluster service of {server} is stopped; groups moved: {', '.join(moved) or 'none'}.")
    return server, moved


@task_kind("server_stop", label="Stop the cluster service on a server", role=Role.OPERATOR, needs=("server",))
def run_server_stop(context: RunContext) -> dict:
    server, moved = stop_service(context)
    return {"server": server, "moved": moved}


@task_kind("server_start", label="Start the cluster service on a server", role=Role.OPERATOR, needs=("server",))
def run_server_start(context: RunContext) -> dict:
    cluster, config = context.cluster, state.applied_config(context.cluster)
    server = _server(context, config)
    state.set_service(cluster, server, running=True)
    state.alert(cluster, f"Server {server}: the cluster service started.", server=server)
    return {"server": server}


@task_kind(
    "server_shutdown",
    label="Shut down or reboot a server",
    role=Role.OPERATOR,
    needs=("server",),
    values={"reboot": bool},
)
def run_server_shutdown(context: RunContext) -> dict:
    """clpdown: the groups move away, the cluster service stops, then EC2 stops or reboots the instance."""
    config = state.applied_config(context.cluster)
    server = _server(context, config)
    reboot = bool(context.params.get("reboot"))
    if config.instance_of(server, AwsAccount()) is None:  # refused before anything moves
        raise TaskFailed(f"The EC2 instance of {server} cannot be found; set its instance ID under Fencing.")
    _, moved = stop_service(context)
    instance = groups.power_off(context.cluster, config, server, reboot=reboot)
    return {"server": server, "moved": moved, "instance": instance, "reboot": reboot}


def _switch(context: RunContext, before: Status, after: Status, refusal: str, message: str, level: str) -> dict:
    if not state.switch_cluster_status(context.cluster, before=before, after=after):
        raise TaskFailed(refusal)
    state.alert(context.cluster, message, level)
    return {}


@task_kind("cluster_suspend", label="Suspend the cluster", role=Role.OPERATOR)
def run_cluster_suspend(context: RunContext) -> dict:
    return _switch(
        context,
        Status.ONLINE,
        Status.SUSPEND,
        "Only a running cluster can be suspended.",
        "The cluster is suspended: monitoring pauses; groups stay where they are.",
        "warning",
    )


@task_kind("cluster_resume", label="Resume the cluster", role=Role.OPERATOR)
def run_cluster_resume(context: RunContext) -> dict:
    return _switch(
        context,
        Status.SUSPEND,
        Status.ONLINE,
        "Only a suspended cluster can be resumed.",
        "The cluster is resumed: monitoring goes on.",
        "info",
    )
