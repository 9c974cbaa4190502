"""Rehearsal: "What if SERVER failed now?" — every AWS call the failover would make, made with DryRun, and what
DryRun cannot show; nothing in AWS changes.

For each group SERVER runs (or, where the cluster does not run, would run first), the failover the engine
would perform (clusters.operation.recovery.run_server_down, then groups.fail_over) is walked through: the
forced stop of SERVER's instance, then each resource's activation on the next available startup server. The
calls are signed as the server that would act: the IAM role of its instance's profile, assumed for the
rehearsal (its trust policy must let the console's principal in). Where there is no such role, or the console
may not assume it, the calls are made as the console itself, and the answer says so. EC2 calls carry DryRun
(AWS's own permission check, "Request would have succeeded"); calls with no DryRun in their API (Assign and
UnassignPrivateIpAddresses, Route 53's ChangeResourceRecordSets) are judged by IAM's policy simulator
(iam:SimulatePrincipalPolicy, made by the console) for the acting role; Route 53's reads are made as they are.
Each type adds what DryRun cannot show (its module's `rehearse`: the ENI exists and is attached to the right
instance, the VIP's route exists in the tables the resource updates, the EIP is not associated elsewhere,
...). The answer per group: would succeed, or would fail, with the guide's code, cause and fix.
"""

import uuid
from dataclasses import dataclass, field

import botocore.exceptions

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config
from clusters.configuration.draft import from_models
from clusters.configuration.params import Problem
from clusters.node import remote
from clusters.operation import groups, state, worstcase
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from webui import aws
from webui.roles import Role

DENIED = {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "UnauthorizedAccess"}
GUIDE_DENIED = "You are not authorized to perform this operation."
GUIDE_IAM_FIX = "For an operation using an IAM role, check the settings on the AWS Management Console (IAM policy)."


@dataclass
class GroupRehearsal:
    name: str
    source: str
    target: str
    findings: list[Problem] = field(default_factory=list)
    worst_case: worstcase.GroupWorstCase | None = None

    @property
    def ok(self) -> bool:
        return bool(self.target) and not any(f.severity == "error" for f in self.findings)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "target": self.target,
            "ok": self.ok,
            "findings": [
                {
                    "code": f.code,
                    "message": f.message,
                    "fix": f.fix,
                    "severity": f.severity,
                    "object": f.object,
                    "cause": f.cause,
                }
                for f in self.findings
            ],
            "worst_case": self.worst_case.bounds if self.worst_case else {},
        }


@dataclass
class Rehearsal:
    """What the types' `rehearse` hooks get: the acting role's clients, the console's reads, and the helpers that
    turn AWS's answers into findings."""

    config: Config
    account: AwsAccount
    server: str  # the server that would act
    acting_as: str = ""  # the ARN the calls are signed as
    role_arn: str | None = None  # the server's role, for the policy simulator
    credentials: dict | None = None  # the assumed role's; None: the console's own
    notes: list[str] = field(default_factory=list)

    def client(self, service: str):
        return aws.client_as(service, self.credentials) if self.credentials else aws.client(service)

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:ec2:{aws.region()}:{self._account_id()}:{kind}/{resource_id}"

    def _account_id(self) -> str:
        try:
            return self.account.identity()["Account"]
        except aws.AWS_ERRORS:
            return "*"

    def _denied(self, resource, action: str, detail: str, cause: str, fix: str) -> Problem:
        return resource.problem(
            "IAM",
            f"50 : {GUIDE_DENIED} ({action}{detail} as {self.acting_as or 'the console'})",
            code="50",
            server=self.server,
            cause=cause or "The role of the server that would act lacks a permission the failover needs.",
            fix=fix or f"Give {action} to the servers' IAM role (see IAM policy). {GUIDE_IAM_FIX}",
            check="rehearsal.permission",
        )

    def dry_run(self, resource, service: str, operation: str, *, cause: str = "", fix: str = "", **params):
        """Make the call as the acting role: EC2's with DryRun (nothing happens), others only if they read."""
        if service != "ec2" and not operation.startswith(("list_", "get_", "describe_")):
            raise ValueError(f"{service}.{operation} has no DryRun: a rehearsal makes only its reads as they are")
        client = self.client(service)
        action = f"{service}:{client.meta.method_to_api_mapping[operation]}"
        try:
            getattr(client, operation)(**params, **({"DryRun": True} if service == "ec2" else {}))
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "DryRunOperation":
                return []
            if code in DENIED:
                return [self._denied(resource, action, "", cause, fix)]
            return [
                resource.problem(
                    "AWS",
                    f"50 : {aws.error_message(exc)} ({action})",
                    code="50",
                    server=self.server,
                    fix="Correct the setting AWS names, then rehearse again.",
                    check="rehearsal.call",
                    severity="error" if aws.failure_kind(exc) == "error" else "warning",
                )
            ]
        except aws.AWS_ERRORS as exc:
            return [self._unchecked(resource, action, aws.error_message(exc))]
        return []

    def simulate(self, resource, action: str, arns: list[str], *, cause: str = "", fix: str = "") -> list[Problem]:
        """An action with no DryRun in its API, judged for the acting role by IAM's policy simulator."""
        if self.role_arn is None:
            return [self._unchecked(resource, action, "it has no DryRun and there is no server role to simulate")]
        try:
            results = aws.client("iam").simulate_principal_policy(
                PolicySourceArn=self.role_arn, ActionNames=[action], ResourceArns=arns
            )["EvaluationResults"]
        except aws.AWS_ERRORS as exc:
            return [self._unchecked(resource, action, f"the policy simulator answered: {aws.error_message(exc)}")]
        return [
            self._denied(
                resource, action, f" on {r.get('EvalResourceName', '*')}, by IAM's policy simulator", cause, fix
            )
            for r in results
            if r["EvalDecision"] != "allowed"
        ]

    def _unchecked(self, resource, action: str, why: str) -> Problem:
        return resource.problem(
            "IAM",
            f"{action} could not be rehearsed: {why}.",
            server=self.server,
            fix="Compare the servers' role with the policy under IAM policy.",
            severity="warning",
            check="rehearsal.unchecked",
        )

    def eni_problems(self, resource, server: str) -> tuple[list[Problem], dict | None]:
        """The server's ENI exists and is attached to its instance (DryRun would not tell)."""
        eni_id = resource.value("eniid", server)
        eni = self.account.eni(eni_id) if eni_id else None
        if eni is None:
            if not self.account.readable("network_interfaces"):
                return [], None
            message = f"50 : The networkInterface ID '{eni_id}' does not exist"
            return [
                resource.problem(
                    "ENI ID", message, code="50", server=server, fix="Specify a correct ENI ID.", check="rehearsal.eni"
                )
            ], None
        instance = self.config.instance_of(server, self.account)
        attached = eni.get("Attachment", {}).get("InstanceId")
        if instance is not None and attached != instance["InstanceId"]:
            return [
                resource.problem(
                    "ENI ID",
                    f"{eni_id} is attached to {attached or 'no instance'}, not to {server}'s instance "
                    f"{instance['InstanceId']}: the address would go elsewhere.",
                    server=server,
                    fix="Enter the ENI ID of the instance corresponding to the node.",
                    check="rehearsal.eni_attached",
                )
            ], eni
        return [], eni


# --- who acts, and the forced stop ----------------------------------------------------------------------------


def acting(config: Config, account: AwsAccount, server: str) -> Rehearsal:
    """The rehearsal as `server` would act: its instance's role, assumed; else the console, with a note why."""
    found = Rehearsal(config, account, server)
    instance = config.instance_of(server, account)
    console = "the console's own credentials"
    if instance is None:
        found.notes.append(f"{server}'s EC2 instance cannot be found: the calls are made as {console}.")
        return found
    role = account.instance_role(instance)
    if role is None:
        found.notes.append(
            f"{server}'s instance {instance['InstanceId']} has no IAM role (an IAM role has not been set to the "
            f"instance): the calls are made as {console}."
        )
        return found
    found.role_arn = role
    try:
        found.credentials = account.assume_role(role, f"clusterwebui-rehearsal-{uuid.uuid4().hex[:8]}")
        found.acting_as = found.credentials["arn"]
    except aws.AWS_ERRORS as exc:
        found.notes.append(
            f"The console may not assume {role} ({aws.error_message(exc)}): the calls are made as {console}; let "
            "the console's principal in the role's trust policy to rehearse as the server."
        )
    return found


@dataclass(frozen=True)
class Subject:
    """What a finding is about where it is no group resource (the forced stop): a `problem` like a TypedObject's."""

    name: str

    def problem(self, field_label, message, *, fix="", cause="", code="", server="", check="", severity="error"):
        return Problem(self.name, field_label, message, fix, severity, server, code, cause, check)


def forced_stop_findings(config: Config, rehearsal: Rehearsal, lost: str) -> list[Problem]:
    """The forced stop of the lost server's instance (StopInstances, as the acting server): its failure keeps
    every group where it is."""
    if config.forced_stop is None or config.forced_stop.kind != "aws":
        return []
    subject = Subject("Forced stop")
    instance = config.instance_of(lost, rehearsal.account)
    if instance is None:
        return [
            subject.problem(
                "Instance ID",
                f"The EC2 instance of {lost} cannot be found: its forced stop would fail, and no group would move.",
                fix="Set the AWS instance ID of each server in Instance ID.",
                server=lost,
                check="rehearsal.forced_stop",
            )
        ]
    ids = [instance["InstanceId"]]
    found = rehearsal.dry_run(subject, "ec2", "describe_instances", InstanceIds=ids)
    return found + rehearsal.dry_run(subject, "ec2", "stop_instances", InstanceIds=ids, Force=True)


# --- the rehearsal --------------------------------------------------------------------------------------------


def where_it_runs(cluster, config: Config, group: str) -> str:
    """Where the group runs now; where it would start when the cluster does not run it."""
    return state.group_server(cluster, group) or next(iter(config.startup_servers(group)), "")


def rehearse(cluster, config: Config, server: str, *, account: AwsAccount | None = None, log=lambda m: None):
    """What would happen if `server` failed now: a GroupRehearsal for each group it runs, and the notes."""
    if server not in config.server_names:
        raise TaskFailed(
            f"There is no server {server} in the configuration; servers: {', '.join(config.server_names)}."
        )
    account = account or AwsAccount()
    facts = worstcase.gather_facts(config, account)
    agents = remote.agents_of(cluster)
    results, notes, actors = [], [], {}
    for group in (g.name for g in config.groups):
        if where_it_runs(cluster, config, group) != server:
            continue
        targets = groups.available_servers(cluster, config, group, excluding=(server,))
        manual = config.group(group).failover == groups.Failover.MANUAL
        target = "" if manual or not targets else targets[0]
        found = GroupRehearsal(group, server, target)
        found.worst_case = worstcase.group_worst_case(config, group, facts=facts, source=server)
        if not target:
            why = "it is set to Manual Failover" if manual else "no other startup server is available"
            found.findings.append(
                Problem(
                    group,
                    "Startup Servers",
                    f"Group {group} would not fail over from {server}: {why}.",
                    "Add a startup server, or start the cluster service on one.",
                    check="rehearsal.target",
                )
            )
            results.append(found)
            continue
        if target not in actors:
            actors[target] = acting(config, account, target)
            notes += actors[target].notes
            log(f"Rehearsing as {target}: {actors[target].acting_as or 'the console'}.")
        rehearsal = actors[target]
        found.findings += _target_findings(config, account, agents, group, target)
        found.findings += forced_stop_findings(config, rehearsal, server)
        for resource in config.resources_of(group):
            found.findings += resource.spec.rehearse(resource, target, rehearsal)
        found.findings += found.worst_case.warnings
        verdict = "would succeed" if found.ok else "would fail"
        bound = found.worst_case.server_lost
        log(f"Group {group}: a failover from {server} to {target} {verdict} (worst case {bound:g} s).")
        results.append(found)
    if not results:
        notes.append(f"{server} runs no group: its failure would move nothing.")
    return results, notes + [e for e in account.errors]


def _target_findings(config: Config, account: AwsAccount, agents: dict, group: str, target: str) -> list[Problem]:
    """The target itself: its instance runs, and its node agent answers where the group has work on it."""
    found = []
    instance = config.instance_of(target, account)
    if instance is not None and instance.get("State", {}).get("Name") != "running":
        found.append(
            Problem(
                group,
                "Startup Servers",
                f"{target}'s instance {instance['InstanceId']} is {instance['State']['Name']}: it cannot take "
                "the group.",
                f"Start {target}'s instance.",
                server=target,
                check="rehearsal.target_instance",
            )
        )
    agent = agents.get(target)
    if agent is not None and agent.lost() and any(r.spec.on_server for r in config.resources_of(group)):
        found.append(
            Problem(
                group,
                "Node agent",
                f"The node agent of {target} has not reported for {agent.silent_for():.0f} s: what the group runs "
                "on the server would not start.",
                f"Start the node agent on {target} (manage.py node_agent).",
                server=target,
                check="rehearsal.node_agent",
            )
        )
    return found


def as_json(results: list[GroupRehearsal], notes: list[str], *, server: str, configuration: str) -> dict:
    return {
        "server": server,
        "configuration": configuration,
        "groups": [r.as_dict() for r in results],
        "notes": notes,
        "findings": [
            {**f.as_dict(), "object": f.object or r.name} for r in results for f in r.findings
        ],  # as Check AWS lists them: the run's page shows them by object
    }


def configuration_of(cluster, *, draft: bool = False) -> tuple[Config, str]:
    """The applied configuration (what runs), or the draft in Config Mode or before any Apply."""
    _, applied = state.applied(cluster)
    if draft or applied is None:
        return from_models(cluster), "draft"
    return applied, "applied"


# The server is not checked against the applied configuration before the run: a draft may name a new one.
@task_kind("failover_rehearsal", label="Failover rehearsal", role=Role.OPERATOR, values={"server": str, "draft": bool})
def run_rehearsal(context: RunContext) -> dict:
    config, which = configuration_of(context.cluster, draft=bool(context.params.get("draft")))
    server = context.params.get("server", "")
    if server not in config.server_names:
        raise TaskFailed(
            f"There is no server {server!r} in the {which} configuration: name one of {', '.join(config.server_names)}."
        )
    context.log(f"What if {server} failed now? Rehearsing the {which} configuration; nothing in AWS changes.")
    results, notes = rehearse(context.cluster, config, server, log=context.log)
    for note in notes:
        context.log(note, "warning")
    return as_json(results, notes, server=server, configuration=which)
