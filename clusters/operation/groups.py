"""Operation mode: apply the configuration, start / stop / move groups, acting on AWS.

Everything here reads the applied version (its clp.conf, read back with our own reader), never
the draft. Each operation is a TaskRun on a worker; a cluster runs one at a time.
"""

import base64
import difflib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clusters.aws.account import AwsAccount
from clusters.aws.checks import run_checks, typed_objects
from clusters.clpconf import names as N
from clusters.clpconf import reader, writer
from clusters.configuration.config import Config, ResourceConfig
from clusters.configuration.draft import from_models
from clusters.models import Cluster
from clusters.node import remote
from clusters.operation import alertlog, alertservice
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from clusters.runtime import Alert, AppliedVersion, ClusterState, ObjectState
from resources.registry import ResourceFailed
from webui import aws, nodes
from webui.roles import Role

SUCCESS = "The application finished successfully."


# --- the applied version ------------------------------------------------------------------------


_CONFIGS: dict[tuple, Config] = {}  # an applied clp.conf never changes: each is read once per process


def applied(cluster: Cluster) -> tuple[AppliedVersion | None, Config | None]:
    """The applied version and its configuration (immutable, so one read is shared by every caller).

    The file itself is fetched only when this process has not read that version yet: every open
    status tab polls this, and a large cluster's clp.conf is megabytes.
    """
    version = AppliedVersion.objects.filter(cluster=cluster).defer("conf", "files").order_by("-number").first()
    if version is None:
        return None, None
    # A row id alone could come back after a rolled-back Apply (SQLite): the time it was applied tells them apart.
    key = (version.pk, version.number, version.applied_at)
    if key not in _CONFIGS:
        if len(_CONFIGS) > 64:
            _CONFIGS.clear()
        _CONFIGS[key] = reader.read(bytes(version.conf), files=version.files)
    return version, _CONFIGS[key]


SERVER_STATES = {"running": "online", "pending": "online"}  # any other EC2 state is offline


def record_server_states(cluster: Cluster, config: Config, account) -> None:
    """Each server's EC2 instance state, for the status page (which never calls AWS itself), every round of
    every running cluster: the cluster's server rows read once; when no state changed (nearly every round),
    one UPDATE of when they were read; the rows that changed in one more statement."""
    now = timezone.now()
    rows = {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=ObjectState.Kind.SERVER)}
    new, changed, same = [], [], []
    for server in config.server_names:  # a row of a server no longer configured is left as it was
        instance = config.instance_of(server, account)
        if instance is not None:
            state = instance["State"]["Name"]
            values = {
                "status": SERVER_STATES.get(state, "offline"),
                "message": state,
                "details": {
                    "az": instance.get("Placement", {}).get("AvailabilityZone", ""),
                    "subnet": instance.get("SubnetId", ""),
                    "ip": instance.get("PrivateIpAddress", ""),
                    "instance": instance["InstanceId"],
                },
            }
        else:
            values = {"status": "warning", "message": "unknown" if not account.errors else account.errors[-1][:500]}
        row = rows.get(server)
        if row is None:
            new.append(
                ObjectState(cluster=cluster, kind=ObjectState.Kind.SERVER, name=server, checked_at=now, **values)
            )
            continue
        if all(getattr(row, field) == value for field, value in values.items()):
            same.append(row.pk)
            continue
        for field, value in (values | {"checked_at": now, "updated_at": now}).items():
            setattr(row, field, value)
        changed.append(row)
    if same:
        ObjectState.objects.filter(pk__in=same).update(checked_at=now)
    if changed:  # bulk_update's CASE per field costs milliseconds to build: only for what changed
        ObjectState.objects.bulk_update(changed, ["status", "message", "details", "checked_at", "updated_at"])
    if new:
        ObjectState.objects.bulk_create(new, ignore_conflicts=True)  # one written meanwhile is written next round


def draft_differs(cluster: Cluster, version: AppliedVersion | None) -> bool:
    """Whether the configuration being edited is not the one applied (element order aside)."""
    if version is None:
        return True
    return _comparable(writer.render(cluster)) != _comparable(bytes(version.conf))


def _comparable(conf: bytes):
    root, _ = reader.parse_xml(conf)

    def walk(element):
        return (
            element.tag,
            tuple(sorted(element.attrib.items())),
            (element.text or "").strip(),
            tuple(sorted(walk(child) for child in element)),
        )

    return walk(root)


# --- groups and their resources ------------------------------------------------------------------


def levels(config: Config, group: str) -> list[list[ResourceConfig]]:
    """The group's resources in dependency order (a level runs in parallel)."""
    try:
        return config.levels(group)
    except ValueError as exc:
        raise TaskFailed(str(exc)) from None


# The hot path of every group move and monitor alert: building an ORM query cost ~0.2-0.6 ms a statement,
# more than the console's share of a move allows, so its statements are written once here. Only the models'
# own table names are interpolated; every value is a query parameter.
STATE_FIELDS = ("status", "server", "message")
STATE_UPDATE = (
    f"UPDATE {ObjectState._meta.db_table} SET status = %s, server = %s, message = %s, updated_at = %s "  # noqa: S608
    "WHERE cluster_id = %s AND kind = %s AND name = %s"
)
STATE_READ = (
    f"SELECT status, server FROM {ObjectState._meta.db_table} WHERE cluster_id = %s AND kind = %s AND name = %s"  # noqa: S608
)
ALERT_FIELDS = ("cluster_id", "at", "level", "server", "message", "object_kind", "object_name", "notify")
ALERT_INSERT = (
    f"INSERT INTO {Alert._meta.db_table} ({', '.join(ALERT_FIELDS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(ALERT_FIELDS))}) RETURNING id"
)


def _written(value):
    """A value as the ORM writes it: a time in UTC without its offset on SQLite (text compared as text)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def record_state(cluster, kind, name, **values):
    """One UPDATE (an INSERT the first time)."""
    current = {"status": "offline", "server": "", "message": ""} | values
    with connection.cursor() as cursor:
        cursor.execute(
            STATE_UPDATE, [*(current[f] for f in STATE_FIELDS), _written(timezone.now()), cluster.pk, kind, name]
        )
        updated = cursor.rowcount
    if not updated:
        ObjectState.objects.create(cluster=cluster, kind=kind, name=name, **values)


def read_state(cluster, kind, name) -> tuple[str, str] | None:
    """(status, server) of an object, or None if it has no state yet."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_READ, [cluster.pk, kind, name])
        return cursor.fetchone()


def alert(cluster, message, level="info", server=""):
    kind, name = alertlog.subject(message)
    created = Alert(
        cluster_id=cluster.pk,
        at=timezone.now(),
        level=level,
        server=server,
        message=message[:1000],
        object_kind=kind,
        object_name=name,
        notify=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(ALERT_INSERT, [_written(getattr(created, f)) for f in ALERT_FIELDS])
        created.pk = cursor.fetchone()[0]
    alertservice.route(created)  # to the people its destinations' rules name, from a worker


def act(cluster, resource: ResourceConfig, server: str, activate: bool, agents: dict | None = None):
    """One resource's action (on AWS, or on the server's node agent), in a worker thread:
    (name, ok, message, (perf_counter at its start, at its end)). `agents` (remote.agents_of) keeps the
    thread off the database."""
    started = time.perf_counter()
    try:
        ok, message = True, remote.act(cluster, resource, server, activate, agents=agents)
    except ResourceFailed as exc:
        ok, message = False, f"{exc.code} : {exc.message}".strip(" :")
    except nodes.NodeUnreachable as exc:  # a server problem: the activation failed there, the group moves on
        ok, message = False, str(exc)
    except aws.AWS_ERRORS as exc:
        text = aws.error_message(exc)
        ok, message = False, f"{'9' if text == aws.TIMEOUT_MESSAGE else '50'} : {text}"
    return resource.name, ok, message, (started, time.perf_counter())


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


def _run_levels(
    cluster, group: str, levels: list[list[ResourceConfig]], server: str, activate: bool, log
) -> list[Timing]:
    """Activate (or deactivate) level after level; one commit per level, the group's state with the last."""
    verb, done = ("start", "started") if activate else ("stop", "stopped")
    timings = []
    # Only a type that acts on the server itself asks its agent; a group of AWS resources needs no lookup.
    agents = remote.agents_of(cluster) if any(r.spec.on_server for level in levels for r in level) else {}
    for i, level in enumerate(levels or [[]]):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=max(1, len(level))) as pool:  # independent resources in parallel
            results = list(pool.map(lambda r: act(cluster, r, server, activate, agents), level))
        timings.append(
            Timing(time.perf_counter() - started, {name: (a - started, b - started) for name, _, _, (a, b) in results})
        )
        failed = [(name, message) for name, ok, message, _ in results if not ok]
        with transaction.atomic():
            for name, ok, message, _span in results:
                if ok:
                    record_state(
                        cluster,
                        "resource",
                        name,
                        status="online" if activate else "offline",
                        server=server if activate else "",
                        message=message,
                    )
                    log(f"Resource {name} {done} on {server}.")
                else:
                    text = f"Failed to {verb} the resource {name}. ({message})"
                    record_state(cluster, "resource", name, status="error", server=server, message=text)
                    alert(cluster, text, "error", server)
            if failed and activate:
                record_state(cluster, "group", group, status="error", server=server, message=failed[0][1])
            elif not failed and i == len(levels or [[]]) - 1:
                record_state(
                    cluster,
                    "group",
                    group,
                    status="online" if activate else "offline",
                    server=server if activate else "",
                    message="",
                )
                alert(cluster, f"Group {group} {done} on {server}.", server=server)
                log(f"Group {group} {done} on {server}.")
        if failed:
            raise TaskFailed(f"Failed to {verb} the resource {failed[0][0]}. ({failed[0][1]})")
    return timings[: len(levels)] if levels else []


def start_group(cluster, config: Config, group: str, server: str, log) -> list[Timing]:
    if config.group(group) is None:
        raise TaskFailed(f"There is no group {group} in the applied configuration.")
    if server not in config.startup_servers(group):
        raise TaskFailed(f"{server} is not a startup server of group {group}.")
    return _run_levels(cluster, group, levels(config, group), server, True, log)


ACTIVATION_FAILOVERS = 1  # the product's default Failover Threshold of an activation failure


def stopped_services(cluster) -> set[str]:
    """Servers whose cluster service an operator stopped: no group starts there until it is started."""
    return set(
        ObjectState.objects.filter(cluster=cluster, kind=ObjectState.Kind.SERVICE, status="offline").values_list(
            "name", flat=True
        )
    )


def available_servers(cluster, config: Config, group: str) -> list[str]:
    stopped = stopped_services(cluster)
    return [s for s in config.startup_servers(group) if s not in stopped]


def startable_servers(cluster, config: Config, group: str, server: str) -> list[str]:
    """The group's startup servers whose service runs, after refusing a `server` the group cannot start on."""
    available = available_servers(cluster, config, group)
    if server not in available:
        if server in config.startup_servers(group):
            raise TaskFailed(
                f"The cluster service of {server} is stopped; start it there first (clpcl -s -h {server})."
            )
        raise TaskFailed(f"{server} is not a startup server of group {group}.")
    return available


def start_group_or_fail_over(cluster, config: Config, group: str, server: str, log) -> str:
    """Start `group` on `server`; on an activation failure do what the product does: stop what started
    there and fail over to the next startup server (the resources' failover threshold, default once).
    Returns where the group runs; if no server could start it, it is in error, with an error alert."""
    candidates = [server] + [s for s in startable_servers(cluster, config, group, server) if s != server]
    thresholds = [r.act_failover for r in config.resources_of(group) if r.act_failover is not None]
    failures = []
    for target in candidates[: 1 + (min(thresholds) if thresholds else ACTIVATION_FAILOVERS)]:
        try:
            start_group(cluster, config, group, target, log)
            if failures:
                alert(
                    cluster,
                    f"Group {group} failed over to {target} after an activation failure on {failures[-1][0]}.",
                    "warning",
                    target,
                )
            return target
        except TaskFailed as exc:
            failures.append((target, str(exc)))
            log(f"Group {group} did not start on {target} ({exc}); stopping what started there.")
            try:
                stop_group(cluster, config, group, log)
            except TaskFailed as stop_failure:
                log(f"Stopping group {group} on {target} failed too ({stop_failure}).")
            record_state(cluster, "group", group, status="error", server=target, message=str(exc)[:500])
    where = ", ".join(target for target, _ in failures)
    message = f"Group {group} could not be started on {where}; it is in error. ({failures[-1][1]})"
    alert(cluster, message, "error")
    raise TaskFailed(message)


def stop_group(cluster, config: Config, group: str, log) -> list[Timing]:
    status, server = read_state(cluster, "group", group) or ("offline", "")
    if status == "offline" or not server:
        log(f"Group {group} is not online.")
        return []
    return _run_levels(cluster, group, list(reversed(levels(config, group))), server, False, log)


def applied_config(cluster) -> Config:
    version, config = applied(cluster)
    if version is None:
        raise TaskFailed("The cluster has no applied configuration: Apply the Configuration File first.")
    return config


def _running(cluster) -> bool:
    return ClusterState.objects.filter(cluster=cluster, status=ClusterState.Status.RUNNING).exists()


@task_kind("group_start", label="Start group", role=Role.OPERATOR, needs=("group",))
def run_group_start(context: RunContext) -> dict:
    config = applied_config(context.cluster)
    group = context.params["group"]
    server = context.params.get("server") or config.startup_servers(group)[0]
    start_group(context.cluster, config, group, server, context.log)
    return {"group": group, "server": server}


@task_kind("group_stop", label="Stop group", role=Role.OPERATOR, needs=("group",))
def run_group_stop(context: RunContext) -> dict:
    stop_group(context.cluster, applied_config(context.cluster), context.params["group"], context.log)
    return {"group": context.params["group"]}


@task_kind("group_move", label="Move group", role=Role.OPERATOR, needs=("group",))
def run_group_move(context: RunContext) -> dict:
    config = applied_config(context.cluster)
    group, server = context.params["group"], context.params.get("server")
    state = ObjectState.objects.filter(cluster=context.cluster, kind="group", name=group).first()
    source = state.server if state else ""
    if not server:
        server = next((s for s in available_servers(context.cluster, config, group) if s != source), None)
        if server is None:
            raise TaskFailed(f"Group {group} has no other server to move to.")
    if server == source:
        raise TaskFailed(f"Group {group} is already online on {server}.")
    startable_servers(context.cluster, config, group, server)  # refused before the group is stopped
    started = time.perf_counter()
    stop_group(context.cluster, config, group, context.log)
    landed = start_group_or_fail_over(context.cluster, config, group, server, context.log)
    if landed != server:
        raise TaskFailed(f"Group {group} could not start on {server}; it runs on {landed} again.")
    context.log(f"Group {group} moved from {source or 'nowhere'} to {server} in {time.perf_counter() - started:.2f} s.")
    return {"group": group, "from": source, "to": server}


def _single_resource(cluster, config: Config, name: str, activate: bool, server: str | None, log) -> dict:
    """Start or stop one group resource, e.g. re-run an AWS Virtual IP resource after a route table was
    fixed, without bouncing its group (clprsc). It starts where its group runs."""
    resource = config.resource(name)
    if resource is None:
        raise TaskFailed(f"There is no group resource {name} in the applied configuration.")
    group = ObjectState.objects.filter(cluster=cluster, kind="group", name=resource.group).first()
    state = ObjectState.objects.filter(cluster=cluster, kind="resource", name=name).first()
    if activate:
        where = group.server if group and group.status in ("online", "error") and group.server else None
        if where and server and server != where:
            raise TaskFailed(f"Group {resource.group} runs on {where}: {name} can start only there.")
        server = where or server or config.startup_servers(resource.group)[0]
    else:
        server = state.server if state and state.status != "offline" else ""
        if not server:
            raise TaskFailed(f"Resource {name} is not online.")
    _, ok, message, _ = act(cluster, resource, server, activate)
    verb, done = ("start", "started") if activate else ("stop", "stopped")
    if not ok:
        text = f"Failed to {verb} the resource {name}. ({message})"
        record_state(cluster, "resource", name, status="error", server=server, message=text[:500])
        alert(cluster, text, "error", server)
        raise TaskFailed(text)
    record_state(
        cluster,
        "resource",
        name,
        status="online" if activate else "offline",
        server=server if activate else "",
        message=message[:500],
    )
    alert(cluster, f"Resource {name} {done} on {server}.", server=server)
    log(f"Resource {name} {done} on {server}: {message}")
    return {"resource": name, "server": server}


@task_kind("resource_start", label="Start resource", role=Role.OPERATOR, needs=("resource",))
def run_resource_start(context: RunContext) -> dict:
    config = applied_config(context.cluster)
    return _single_resource(
        context.cluster, config, context.params["resource"], True, context.params.get("server"), context.log
    )


@task_kind("resource_stop", label="Stop resource", role=Role.OPERATOR, needs=("resource",))
def run_resource_stop(context: RunContext) -> dict:
    return _single_resource(
        context.cluster, applied_config(context.cluster), context.params["resource"], False, None, context.log
    )


@task_kind("cluster_start", label="Start the cluster", role=Role.OPERATOR)
def run_cluster_start(context: RunContext) -> dict:
    config = applied_config(context.cluster)
    ClusterState.objects.update_or_create(cluster=context.cluster, defaults={"status": "running"})
    alert(context.cluster, "The cluster service started.")
    started = []
    for group in config.groups:
        if group.startup == "1":  # Auto Startup
            servers = available_servers(context.cluster, config, group.name)
            if not servers:
                alert(context.cluster, f"Group {group.name} has no server whose cluster service runs.", "error")
                continue
            start_group_or_fail_over(context.cluster, config, group.name, servers[0], context.log)
            started.append(group.name)
    return {"started": started}


@task_kind("cluster_stop", label="Stop the cluster", role=Role.OPERATOR)
def run_cluster_stop(context: RunContext) -> dict:
    config = applied_config(context.cluster)
    for group in reversed(config.groups):
        stop_group(context.cluster, config, group.name, context.log)
    ClusterState.objects.update_or_create(cluster=context.cluster, defaults={"status": "stopped"})
    alert(context.cluster, "The cluster service stopped.")
    return {}


# --- Check AWS ------------------------------------------------------------------------------------


@task_kind("aws_check", label="Check AWS", role=Role.OPERATOR)
def run_aws_check(context: RunContext) -> dict:
    config = from_models(context.cluster)
    total = max(1, len(typed_objects(config)) + 3)
    done = [0]

    def log(message):
        done[0] += 1
        context.log(message)
        context.progress(min(95, 100 * done[0] // total))

    findings = run_checks(context.cluster, config=config, log=log)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    context.log(f"Done: {errors} error(s), {warnings} warning(s).", "error" if errors else "info")
    return {"findings": [f.as_dict() for f in findings], "errors": errors, "warnings": warnings}


# --- Apply the Configuration File ----------------------------------------------------------------


def plan_operations(old: Config | None, new: Config) -> list[dict]:
    """What the change needs while the cluster runs: suspend/resume it, or stop/start groups."""
    if old is None:
        return []
    operations = []
    cluster_wide = ("servers", "interconnects", "heartbeats", "network_partitions")
    if any(getattr(old, k) != getattr(new, k) for k in cluster_wide):
        operations.append({"operation": "suspend and resume the cluster"})
    for group in new.groups:
        before = old.group(group.name)
        if before is None:
            operations.append({"operation": "start group", "group": group.name})
        elif before != group or old.resources_of(group.name) != new.resources_of(group.name):
            operations.append({"operation": "stop and start group", "group": group.name})
    for group in old.groups:
        if new.group(group.name) is None:
            operations.append({"operation": "stop group", "group": group.name})
    return operations


def distribute(cluster: Cluster, config: Config, number: int, conf: bytes, files: dict[str, str]) -> str:
    """Write the versioned clp.conf and its scripts/ folder where the servers take them: the object
    storage bucket, or a folder."""
    if bucket := config.bucket():
        s3 = aws.client("s3")
        prefix = f"clusterwebui/{cluster.name}"
        for path, content in files.items():
            s3.put_object(Bucket=bucket, Key=f"{prefix}/v{number}/{path}", Body=base64.b64decode(content))
        s3.put_object(Bucket=bucket, Key=f"{prefix}/v{number}/clp.conf", Body=conf)
        s3.put_object(Bucket=bucket, Key=f"{prefix}/clp.conf", Body=conf)
        return f"s3://{bucket}/{prefix}/v{number}/clp.conf"
    folder = Path(settings.VAR_DIR) / "distribute" / cluster.name / f"v{number}"
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(base64.b64decode(content))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clp.conf").write_bytes(conf)
    return str(folder / "clp.conf")


def _resume(monitor_state_ids) -> None:
    ObjectState.objects.filter(pk__in=monitor_state_ids).update(status=ObjectState.Status.NORMAL, failures=0)


def _release_apply(run) -> None:
    """An Apply whose worker was lost gives back the monitors it suspended."""
    if paused := run.held.get("paused_monitors"):
        _resume(paused)
        alert(run.cluster, f"The monitor resources that Apply (run #{run.pk}) suspended are resumed.", "warning")


@task_kind("apply", label="Apply the Configuration File", role=Role.ADMINISTRATOR, release=_release_apply)
def run_apply(context: RunContext) -> dict:
    cluster = context.cluster
    context.log("Validating the configuration and checking AWS...")
    findings = run_checks(cluster, log=context.log)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise TaskFailed(f"The configuration was not applied: {len(errors)} problem(s), the first: {errors[0]}")
    context.progress(50)
    draft = from_models(cluster)
    conf = writer.render_config(draft)
    files = draft.files(N.SCRIPTS_DIR, N.MONITOR_SCRIPTS_DIR)  # the scripts the servers run, versioned with it
    previous, old_config = applied(cluster)
    old_text = bytes(previous.conf).decode(cluster.encoding or "shift_jis", "replace") if previous else ""
    diff = list(
        difflib.unified_diff(
            old_text.splitlines(),
            conf.decode(cluster.encoding or "shift_jis", "replace").splitlines(),
            "applied",
            "new",
            lineterm="",
            n=0,
        )
    )
    context.log(f"Rendered clp.conf: {len(diff)} changed line(s) against the applied version.")
    new_config = reader.read(conf, files=files)
    operations = plan_operations(old_config, new_config)
    for operation in operations:
        context.log(f"Needed: {operation['operation']} {operation.get('group', '')}".strip() + ".")
    number = (previous.number + 1) if previous else 1
    with transaction.atomic():  # a failure to distribute leaves the previous version in force
        version = AppliedVersion.objects.create(
            cluster=cluster,
            number=number,
            conf=conf,
            applied_by=context.run.user,
            operations=operations,
            files=files,
        )
        try:
            version.distributed_to = distribute(cluster, new_config, number, conf, files)
        except (*aws.AWS_ERRORS, OSError) as exc:
            message = aws.error_message(exc) if isinstance(exc, aws.AWS_ERRORS) else str(exc)
            raise TaskFailed(f"Could not distribute clp.conf ({message}); version {number} was not applied.") from exc
        version.save(update_fields=["distributed_to"])
    context.log(f"Version {number} stored and distributed to {version.distributed_to}.")
    context.progress(80)
    if _running(cluster):
        _perform(cluster, operations, old_config, new_config, context)
    record_server_states(cluster, new_config, AwsAccount())  # the status page shows them at once
    context.log(SUCCESS)
    alert(cluster, f"Configuration version {number} applied.")
    return {"version": number, "operations": operations, "distributed_to": version.distributed_to}


def _perform(cluster, operations, old: Config, new: Config, context) -> None:
    suspend = any(not operation.get("group") for operation in operations)
    paused = []
    if suspend:  # suspend the cluster: its monitors pause while the change is made
        monitors = ObjectState.objects.filter(cluster=cluster, kind="monitor").exclude(status="suspended")
        paused = list(monitors.values_list("pk", flat=True))
        context.hold("paused_monitors", paused)  # resumed by the reaper if this worker dies
        monitors.update(status=ObjectState.Status.SUSPENDED)
        context.log("The cluster is suspended: its monitor resources pause.")
    try:
        _restart_groups(cluster, operations, old, new, context)
    finally:
        if suspend:
            _resume(paused)
            context.release("paused_monitors")
            context.log("The cluster is resumed with the new configuration.")


def _restart_groups(cluster, operations, old: Config, new: Config, context) -> None:
    for operation in operations:
        group = operation.get("group")
        if not group:
            continue
        state = ObjectState.objects.filter(cluster=cluster, kind="group", name=group).first()
        server = state.server if state and state.server else None
        if operation["operation"] != "start group":
            stop_group(cluster, old, group, context.log)
        if operation["operation"] != "stop group":
            start_group(cluster, new, group, server or new.startup_servers(group)[0], context.log)
