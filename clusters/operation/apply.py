"""Apply the Configuration File: validate and check AWS, store and distribute the new version, and — when
the cluster runs — perform exactly what the change needs, as each type declares it per setting (nothing,
restart the resource, stop and start the group, suspend and resume the cluster). Also Check AWS's run.
"""

import base64
import dataclasses
import difflib
from pathlib import Path

from django.conf import settings
from django.db import transaction

from clusters.aws.account import AwsAccount
from clusters.aws.checks import run_checks, typed_objects
from clusters.clpconf import names as N
from clusters.clpconf import reader, writer
from clusters.configuration.config import Config, GroupConfig, ResourceConfig
from clusters.configuration.draft import from_models
from clusters.configuration.params import Change
from clusters.models import Cluster
from clusters.operation import drift, groups, state
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from clusters.runtime import AppliedVersion, Status
from webui import aws
from webui.roles import Role

SUCCESS = "The application finished successfully."

# What a change of a setting every group or resource has needs (a type's own parameters say so themselves).
GROUP_CHANGES = {
    "comment": Change.NOTHING,
    "startup": Change.NOTHING,  # read at the next cluster start
    "failover": Change.NOTHING,  # read at the next failover
    "failback": Change.NOTHING,
    "startup_servers": Change.NOTHING,
    "gid": Change.NOTHING,
}
RESOURCE_CHANGES = {
    "comment": Change.NOTHING,
    "order": Change.NOTHING,
    "scripts": Change.NOTHING,  # each script runs as it is at its next start or stop
    "act_retry": Change.NOTHING,  # Recovery Operation: read at the next failure
    "act_failover": Change.NOTHING,
    "act_final_action": Change.NOTHING,
    "deact_retry": Change.NOTHING,
    "deact_final_action": Change.NOTHING,
    "depends_on": Change.RESTART_GROUP,  # the order the group starts in
}
CLUSTER_WIDE = ("servers", "interconnects", "heartbeats", "network_partitions")  # what the cluster service reads
SKIPPED = ("name", "spec", "explicit_attributes")  # identity, or how a file was written
# Settings not modelled (kept verbatim from an imported file) and anything unlisted: the safe need.
UNKNOWN = Change.RESTART_GROUP


def _differences(old, new, table: dict) -> list[tuple[str, Change]]:
    """(setting, what its change needs) for every setting of two versions of a group or resource that differs."""
    found = []
    for f in dataclasses.fields(new):
        if f.name in SKIPPED or not f.compare or getattr(old, f.name) == getattr(new, f.name):
            continue
        if f.name in ("parameters", "servers"):
            found += _parameters(old, new, f.name)
        else:
            found.append((f.name, table.get(f.name, UNKNOWN)))
    return found


def _parameters(old: ResourceConfig, new: ResourceConfig, which: str) -> list[tuple[str, Change]]:
    if which == "parameters":
        keys = {
            k for k in old.parameters.keys() | new.parameters.keys() if old.parameters.get(k) != new.parameters.get(k)
        }
    else:
        keys = {
            k
            for server in old.servers.keys() | new.servers.keys()
            for values in [(old.servers.get(server, {}), new.servers.get(server, {}))]
            for k in values[0].keys() | values[1].keys()
            if values[0].get(k) != values[1].get(k)
        }
    return [
        (new.spec.param(k).label if k in {p.name for p in new.spec.params} else k, new.spec.change_of(k))
        for k in sorted(keys)
    ]


def _operation(what: str, group: str = "", resource: str = "", because: list[str] = ()) -> dict:
    found = {"operation": what}
    if group:
        found["group"] = group
    if resource:
        found["resource"] = resource
    if because:
        found["because"] = ", ".join(sorted(set(because)))
    return found


def plan_operations(old: Config | None, new: Config) -> list[dict]:
    """What the change from `old` to `new` needs while the cluster runs, each with the settings that need it."""
    if old is None:
        return []
    operations = []
    changed = [k for k in CLUSTER_WIDE if getattr(old, k) != getattr(new, k)]
    if changed:
        operations.append(_operation(Change.SUSPEND_CLUSTER, because=[k.replace("_", " ") for k in changed]))
    for group in old.groups:
        if new.group(group.name) is None:
            operations.append(_operation("stop group", group.name))
    for group in new.groups:
        operations += _group_plan(old, new, group)
    return operations


def _group_plan(old: Config, new: Config, group: GroupConfig) -> list[dict]:
    before = old.group(group.name)
    if before is None:
        return [_operation("start group", group.name)]
    restart = [s for s, need in _differences(before, group, GROUP_CHANGES) if need == Change.RESTART_GROUP]
    resources, plan = {r.name: r for r in old.resources_of(group.name)}, []
    for resource in new.resources_of(group.name):
        was = resources.pop(resource.name, None)
        if was is None or was.type != resource.type:
            plan.append(_operation("start resource", group.name, resource.name))
            if was is not None:
                restart.append(f"{resource.name}: Type")
            continue
        needs = _differences(was, resource, RESOURCE_CHANGES)
        restart += [f"{resource.name}: {s}" for s, need in needs if need.rank >= Change.RESTART_GROUP.rank]
        if again := [s for s, need in needs if need == Change.RESTART_RESOURCE]:
            plan.append(_operation(Change.RESTART_RESOURCE, group.name, resource.name, again))
    plan = [_operation("stop resource", group.name, name) for name in resources] + plan
    if restart:  # a group restart does what its resources needed too
        return [_operation(Change.RESTART_GROUP, group.name, because=restart)]
    return plan


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


def _release_apply(run) -> None:
    """An Apply whose worker was lost gives back the monitors it suspended."""
    if paused := run.held.get("paused_monitors"):
        state.resume_monitors(paused)
        state.alert(run.cluster, f"The monitor resources that Apply (run #{run.pk}) suspended are resumed.", "warning")


def describe(operation: dict) -> str:
    """An operation as the run log and the pages say it, e.g. "restart the resource awsvip1 (ENI ID)"."""
    what = operation["operation"]
    subject = operation.get("resource") or operation.get("group", "")
    return f"{what} {subject}".strip() + (f" ({operation['because']})" if operation.get("because") else "")


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
    previous, old_config = state.applied(cluster)
    encoding = cluster.encoding or "shift_jis"
    old_text = bytes(previous.conf).decode(encoding, "replace") if previous else ""
    diff = difflib.unified_diff(old_text.splitlines(), conf.decode(encoding, "replace").splitlines(), lineterm="", n=0)
    context.log(f"Rendered clp.conf: {len(list(diff))} changed line(s) against the applied version.")
    new_config = reader.read(conf, files=files)
    running = state.cluster_status(cluster) != Status.OFFLINE
    operations = plan_operations(old_config, new_config)
    for operation in operations:
        context.log(f"Needed{'' if running else ' when the cluster runs'}: {describe(operation)}.")
    number = (previous.number + 1) if previous else 1
    with transaction.atomic():  # a failure to distribute leaves the previous version in force
        version = AppliedVersion.objects.create(
            cluster=cluster, number=number, conf=conf, applied_by=context.run.user, operations=operations, files=files
        )
        try:
            version.distributed_to = distribute(cluster, new_config, number, conf, files)
        except (*aws.AWS_ERRORS, OSError) as exc:
            message = aws.error_message(exc) if isinstance(exc, aws.AWS_ERRORS) else str(exc)
            raise TaskFailed(f"Could not distribute clp.conf ({message}); version {number} was not applied.") from exc
        version.save(update_fields=["distributed_to"])
        drift.baseline(cluster, findings, version=number)  # what the drift watch compares with
    context.log(f"Version {number} stored and distributed to {version.distributed_to}.")
    context.progress(80)
    if running:
        _perform(cluster, operations, old_config, new_config, context)
    state.record_server_states(cluster, new_config, AwsAccount())  # the status page shows them at once
    context.log(SUCCESS)
    state.alert(cluster, f"Configuration version {number} applied.")
    return {"version": number, "operations": operations, "distributed_to": version.distributed_to}


def _perform(cluster, operations: list[dict], old: Config, new: Config, context) -> None:
    suspend = any(op["operation"] == Change.SUSPEND_CLUSTER for op in operations)
    paused = []
    if suspend:  # suspend the cluster: its monitors pause while the change is made
        paused = state.suspend_monitors(cluster)
        context.hold("paused_monitors", paused)  # resumed by the reaper if this worker dies
        context.log("The cluster is suspended: its monitor resources pause.")
    try:
        for operation in operations:
            if operation["operation"] != Change.SUSPEND_CLUSTER:
                _perform_one(cluster, operation, old, new, context.log)
    finally:
        if suspend:
            state.resume_monitors(paused)
            context.release("paused_monitors")
            context.log("The cluster is resumed with the new configuration.")


def _perform_one(cluster, operation: dict, old: Config, new: Config, log) -> None:
    what, group = operation["operation"], operation.get("group", "")
    where = state.group_server(cluster, group)
    log(f"Performing: {describe(operation)}.")
    if what == "start group":
        if new.group(group).startup == "1":  # Auto Startup, as the cluster's start would
            groups.start_group(cluster, new, group, log=log)
    elif what == "stop group":
        groups.stop_group(cluster, old, group, log)
    elif what == Change.RESTART_GROUP:
        groups.stop_group(cluster, old, group, log)
        if where:
            groups.start_group(cluster, new, group, on=where, log=log)
    elif where:  # one resource, where its group runs
        name = operation["resource"]
        steps = {
            "stop resource": [(old, False)],
            "start resource": [(new, True)],
            Change.RESTART_RESOURCE: [(old, False), (new, True)],
        }[what]
        for config, activate in steps:
            outcome = groups.act_and_retry(cluster, config.resource(name), where, activate)
            groups.record(cluster, outcome, where, activate, log)
            if not outcome.ok:
                raise TaskFailed(
                    f"Failed to {'start' if activate else 'stop'} the resource {name}. ({outcome.message})"
                )


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

    with aws.priority(aws.READ):  # checks read after failovers and operations in the account's AWS budget
        findings = run_checks(context.cluster, config=config, log=log)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    context.log(f"Done: {errors} error(s), {warnings} warning(s).", "error" if errors else "info")
    return {"findings": [f.as_dict() for f in findings], "errors": errors, "warnings": warnings}


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
