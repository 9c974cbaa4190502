"""Server health, judged every round of a running cluster: each server's EC2 instance state and its object
storage heartbeat (or its node agent's beat). A server holding groups that is down or silent is lost: a
forced stop and failover run starts. A lost standby is alerted once, until it is back, and takes no group.
A server under a dummy failure looks lost to the cluster: its groups fail over (without a forced stop)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config
from clusters.node import remote
from clusters.operation import state
from clusters.operation.state import Status
from webui import aws, nodes

DOWN_STATES = {"stopping", "stopped", "shutting-down", "terminated"}
JUDGED_FROM = {"instances": "EC2 instance states", "heartbeat": "object storage heartbeat"}


def stale_heartbeats(cluster, config: Config, *, health: dict | None = None) -> dict[str, str]:
    """Servers whose object storage heartbeat is missing or older than the timeout: server -> why.

    Nothing is judged when no server writes heartbeats at all (no cluster service reports there).
    Without a bucket, the servers with a node agent are judged by when their agent last beat.
    `health`: the cluster's judgements (state.health_judgements), read already this round.
    The heartbeat timeout is multiplied by the cluster's timeout ratio (clptoratio) while one is set.
    """
    timeout = heartbeat_timeout(cluster)
    bucket = config.bucket()
    if not bucket:
        return _stale_agents(cluster, config, timeout)
    health = state.health_judgements(cluster) if health is None else health
    try:
        listing = aws.all_pages(
            "s3", "list_objects_v2", "Contents", Bucket=bucket, Prefix=nodes.heartbeat_key(cluster.name)
        )
    except aws.AWS_ERRORS as exc:  # not a server loss, but not a healthy judgement either: say so
        problem = f"The object storage heartbeat in {bucket} could not be read ({aws.error_message(exc)})"
        judge(cluster, "heartbeat", f"{problem}; a lost server would not be noticed from it.", health=health)
        return {}
    judge(cluster, "heartbeat", None, health=health)
    # S3 keeps whole seconds: a heartbeat may be up to a second younger than its LastModified says.
    seen = {o["Key"].rsplit("/", 1)[-1]: o["LastModified"] + timedelta(seconds=1) for o in listing}
    if not seen:
        return {}
    timeout = timedelta(seconds=timeout)
    now = timezone.now()
    stale = {}
    for server in config.server_names:
        if server not in seen:
            stale[server] = "no object storage heartbeat"
        elif now - seen[server] > timeout:
            stale[server] = f"no object storage heartbeat for {(now - seen[server]).total_seconds():.0f} s"
    return stale


def heartbeat_timeout(cluster) -> float:
    """The heartbeat timeout in seconds, times the timeout ratio in force."""
    return settings.WEBUI_HEARTBEAT_TIMEOUT * state.timeout_ratio(cluster).ratio


def _stale_agents(cluster, config: Config, timeout: float) -> dict[str, str]:
    agents = remote.agents_of(cluster)
    return {
        server: f"no heartbeat from its node agent for {agent.silent_for():.0f} s"
        for server, agent in agents.items()
        if server in config.server_names and agent.silent_for() > timeout
    }


def judge(
    cluster,
    source: str,
    problem: str | None,
    back: str = "",
    level: str = "warning",
    *,
    health: dict,
    status: Status = Status.CAUTION,
) -> None:
    """A server-health problem (a judgement that could not be made, a lost standby server) is in the alert
    log once, until it is over; then `back` says so."""
    found = health.get(source)
    troubled = found is not None and found.status != Status.NORMAL
    if problem and not troubled:
        health[source] = state.set_judgement(cluster, source, status, problem)  # the next server's judgement sees it
        state.alert(cluster, problem, level)
    elif not problem and troubled:
        health[source] = state.set_judgement(cluster, source, Status.NORMAL, "")
        state.alert(cluster, back or f"Server health can be judged from the {JUDGED_FROM[source]} again.")


def lost_server(cluster, config: Config) -> tuple[str, str] | None:
    """Read every server's EC2 state (kept for the status page) and heartbeat; the first server holding groups
    that is lost, with why, or None. A lost standby is judged (alerted once) and skipped."""
    account = AwsAccount()
    state.record_server_states(cluster, config, account)  # one DescribeInstances serves this and what follows
    holding = state.servers_holding_groups(cluster)
    health = state.health_judgements(cluster)
    stale = stale_heartbeats(cluster, config, health=health)
    stopped = state.stopped_services(cluster)  # stopped on purpose (clpcl -t -h, clpdown): not a lost server
    dummy = state.servers_under_dummy_failure(cluster)  # it looks failed: its groups fail over, nothing comes to it
    for server in config.server_names:
        if server in stopped:
            continue
        if server in dummy:
            if server in holding:
                return server, "dummy failure"
            continue
        if server not in holding:  # a lost standby server holds nothing to fail over, but cannot take any over
            lost = stale.get(server) and f"Server {server} is lost ({stale[server]}): no group can fail over to it"
            judge(
                cluster,
                f"standby {server}",
                lost and f"{lost} until it is back.",
                level="error",
                health=health,
                back=f"Server {server} is back (its heartbeat is fresh again).",
                status=Status.ERROR,
            )
            continue
        instance = config.instance_of(server, account)
        if instance is None and account.errors:
            judge(
                cluster,
                "instances",
                f"The EC2 state of {server} could not be read ({account.errors[-1]}); "
                "a stopped instance would not be noticed.",
                health=health,
            )
        elif instance is not None:
            judge(cluster, "instances", None, health=health)
        if instance is not None and instance["State"]["Name"] in DOWN_STATES:
            return server, f"instance {instance['State']['Name']}"
        if server in stale:
            return server, stale[server]
    return None
