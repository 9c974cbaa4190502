"""Operations on one server or the whole cluster service, in the product's words: stop and start the
cluster service on a server (its groups fail over first), shut a server down or reboot it through EC2
once its groups have moved (clpdown), and suspend / resume the cluster (monitoring pauses)."""

from clusters.aws.account import AwsAccount
from clusters.operation.groups import (
    alert,
    applied_config,
    available_servers,
    record_state,
    start_group_or_fail_over,
    stop_group,
)
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from clusters.runtime import ClusterState, ObjectState
from webui import aws
from webui.roles import Role


def _server(context: RunContext, config) -> str:
    server = context.params.get("server", "")
    if server not in config.server_names:
        raise TaskFailed(f"There is no server {server or '(none given)'} in the applied configuration.")
    return server


def _move_groups_away(cluster, config, server: str, log) -> list[str]:
    """Every group online on `server` moves to another startup server whose service runs."""
    moved = []
    for state in ObjectState.objects.filter(cluster=cluster, kind="group", status="online", server=server):
        target = next((s for s in available_servers(cluster, config, state.name) if s != server), None)
        if target is None:
            raise TaskFailed(
                f"Group {state.name} has no other server to move to; stop it first, or start the "
                "cluster service on another of its startup servers."
            )
        stop_group(cluster, config, state.name, log)
        start_group_or_fail_over(cluster, config, state.name, target, log)
        moved.append(state.name)
    return moved


def stop_service(context: RunContext) -> dict:
    cluster, config = context.cluster, applied_config(context.cluster)
    server = _server(context, config)
    moved = _move_groups_away(cluster, config, server, context.log)
    record_state(
        cluster, ObjectState.Kind.SERVICE, server, status="offline", server=server, message="stopped by an operator"
    )
    alert(cluster, f"Server {server}: the cluster service stopped.", "warning", server)
    context.log(f"The cluster service of {server} is stopped; groups moved: {', '.join(moved) or 'none'}.")
    return {"server": server, "moved": moved}


@task_kind("server_stop", label="Stop the cluster service on a server", role=Role.OPERATOR, needs=("server",))
def run_server_stop(context: RunContext) -> dict:
    return stop_service(context)


@task_kind("server_start", label="Start the cluster service on a server", role=Role.OPERATOR, needs=("server",))
def run_server_start(context: RunContext) -> dict:
    cluster, config = context.cluster, applied_config(context.cluster)
    server = _server(context, config)
    record_state(cluster, ObjectState.Kind.SERVICE, server, status="online", server=server, message="")
    alert(cluster, f"Server {server}: the cluster service started.", server=server)
    return {"server": server}


@task_kind("server_shutdown", label="Shut down or reboot a server", role=Role.OPERATOR, needs=("server",))
def run_server_shutdown(context: RunContext) -> dict:
    """clpdown: the groups move away, the cluster service stops, then EC2 stops or reboots the instance."""
    cluster, config = context.cluster, applied_config(context.cluster)
    server = _server(context, config)
    reboot = bool(context.params.get("reboot"))
    instance = config.instance_of(server, AwsAccount())
    if instance is None:
        raise TaskFailed(f"The EC2 instance of {server} cannot be found; set its instance ID under Fencing.")
    result = stop_service(context)
    ec2 = aws.client("ec2")
    try:
        if reboot:
            ec2.reboot_instances(InstanceIds=[instance["InstanceId"]])
        else:
            ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
    except aws.AWS_ERRORS as exc:
        raise TaskFailed(f"{'Reboot' if reboot else 'Shutdown'} of {server} failed: {aws.error_message(exc)}") from exc
    what = "rebooting" if reboot else "shutting down"
    alert(cluster, f"Server {server} is {what} ({instance['InstanceId']}).", "warning", server)
    if reboot:  # back from the reboot, it takes groups again
        record_state(cluster, ObjectState.Kind.SERVICE, server, status="online", server=server, message="")
    return result | {"instance": instance["InstanceId"], "reboot": reboot}


def _switch(context: RunContext, before: str, after: str, refusal: str, message: str, level: str) -> dict:
    if not ClusterState.objects.filter(cluster=context.cluster, status=before).update(status=after):
        raise TaskFailed(refusal)
    alert(context.cluster, message, level)
    return {}


@task_kind("cluster_suspend", label="Suspend the cluster", role=Role.OPERATOR)
def run_cluster_suspend(context: RunContext) -> dict:
    return _switch(
        context,
        ClusterState.Status.RUNNING,
        ClusterState.Status.SUSPENDED,
        "Only a running cluster can be suspended.",
        "The cluster is suspended: monitoring pauses; groups stay where they are.",
        "warning",
    )


@task_kind("cluster_resume", label="Resume the cluster", role=Role.OPERATOR)
def run_cluster_resume(context: RunContext) -> dict:
    return _switch(
        context,
        ClusterState.Status.SUSPENDED,
        ClusterState.Status.RUNNING,
        "Only a suspended cluster can be resumed.",
        "The cluster is resumed: monitoring goes on.",
        "info",
    )
