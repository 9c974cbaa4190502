"""The registry of group resource types: one module per type in resources/types/."""

import functools
from dataclasses import dataclass

from clusters.configuration.params import Change, ObjectType, Param, Problem, Registry
from webui import aws

# Common to every AWS resource (SEEN for awsvip: parameters/awsclitimeout, 1-999, default 100).
AWS_CLI_TIMEOUT = Param(
    "awsclitimeout",
    "parameters/awsclitimeout",
    "AWS CLI Timeout",
    "int",
    default=100,
    minimum=1,
    maximum=999,
    section="Tuning",
    change=Change.NOTHING,  # read by its next AWS call
)


def within_aws_cli_timeout(action):
    """An AWS resource's activation or deactivation: its AWS calls get their answers within its AWS CLI Timeout
    (none in time: "Timeout occurred."). Waiting out AWS's throttling is not bounded by it: a throttled call is
    never by itself a failure (webui.aws)."""

    @functools.wraps(action)
    def bounded(self, resource, server):
        seconds = resource.value("awsclitimeout", server) or AWS_CLI_TIMEOUT.default
        with aws.bounded(seconds, waits=False):
            return action(self, resource, server)

    return bounded


# The ENI of each server's instance (SEEN for awsvip: parameters/eniid, per server); every server needs its own.
ENI_ID = Param(
    "eniid",
    "parameters/eniid",
    "ENI ID",
    "awsid",
    required=True,
    per_server=True,
    prefix="eni-",
    aws_list="network_interfaces",
)


@dataclass(frozen=True)
class AwsCall:
    """One AWS call an action makes: what the worst case counts and the rate bucket it takes a token from.
    `filtered`: a Describe call that names its objects (EC2's smaller bucket takes the unfiltered ones)."""

    service: str  # "ec2", "route53"
    action: str  # as the API spells it: "ReplaceRoute"
    filtered: bool = True


class ResourceFailed(Exception):
    """An activation or deactivation failed: the guide's code and message ("50", "The vpc ID ... does not exist")."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code} : {message}")
        self.code, self.message = code, message


class Acted(str):
    """What an action did, in words, and what the engine keeps of it in the resource's state (`details`): a
    change AWS still propagates is {"change": {"id", "label", "status", "submitted", ...}} (see `settle`)."""

    details: dict

    def __new__(cls, text: str, details: dict | None = None):
        made = super().__new__(cls, text)
        made.details = details or {}
        return made


@dataclass(frozen=True)
class ResourceType(ObjectType):
    monitor: str | None = None  # the monitor type the product adds with this resource
    aws: bool = False
    points_to: str = ""  # the parameter operation mode's picture shows where it points (the VIP, the EIP, ...)
    # What it holds lives in the agent's own process (a listener): a restarted agent opens it again while the
    # resource is online on its server.
    held_by_agent: bool = False

    def activate(self, resource, server: str) -> str:
        """Bring the resource (the applied version's ResourceConfig, clusters.configuration.config) online on
        `server`; say what was done.

        Resources that act on the server's own OS (mirror disk, script, service) have nothing to do
        on AWS: the console records their state only.
        """
        return "online"

    def deactivate(self, resource, server: str) -> str:
        return "offline"

    def server_facts(self, resource, server: str, instance: dict, account) -> dict[str, str]:
        """What AWS says of this resource at `server`'s instance now ({label: value}), for operation mode's
        picture: read each round the engine reads the instance states, through that round's `account` (its
        lists are read once). A type overrides this (the EIP's public address, the NLB target's health)."""
        return {}

    @property
    def has_facts(self) -> bool:
        return type(self).server_facts is not ResourceType.server_facts

    def settle(self, resource, change: dict) -> str:
        """The status now of a change this resource made that AWS was still propagating (Acted.details'
        "change"): "PENDING" until it is "INSYNC". Only types that make such changes override it."""
        return "INSYNC"

    # --- what Check AWS asks of every type (clusters.aws.checks); a type module overrides what applies to it ---
    def claims(self, resource, config, ctx) -> list[tuple[str, tuple, str]]:
        """What in AWS the resource takes for its cluster alone, as (check, key, how a message says it): another
        cluster claiming the same key takes it from this one (the check names the shared.* finding)."""
        return []

    def server_ports(self, resource, index: int) -> tuple[str, list[tuple[str, int, str]]]:
        """(the MDC it uses, [(protocol, port, what for)]): the ports it uses between the servers; `index` is its
        place among the cluster's resources of its type."""
        return "", []

    def balancer_port(self, resource) -> int | None:
        """The port a load balancer's health checks reach on the server where the resource is online."""
        return None

    def data_partition(self, resource) -> str:
        """The data partition it mirrors between the servers (a device name or a drive letter); '' for none."""
        return ""

    def call_bound(self, resource) -> float | None:
        """Seconds that bound each AWS call of its actions (its AWS CLI Timeout), or None."""
        return resource.value(AWS_CLI_TIMEOUT.name) if AWS_CLI_TIMEOUT in self.params else None

    # --- failover you can prove: the worst case (clusters/operation/worstcase.py), the rehearsal
    # (clusters/operation/rehearsal.py) and the drills' probes (clusters/node/probe.py) ask the type.

    def aws_facts(self, resource, account, config) -> dict:
        """What the worst case needs to know from the account (read by the console), e.g. how many route tables
        hold the VIP; {} when nothing. The other hooks take this dict, with their own defaults for what is missing."""
        return {}

    def failover_calls(self, resource, facts: dict, *, activate: bool) -> list[AwsCall]:
        """The AWS calls one activation (or deactivation) makes, at worst."""
        return []

    def propagation(self, resource, facts: dict, *, deactivated: bool) -> list[tuple[str, float]]:
        """(what, seconds) until clients reach the new server once the activation is done; `deactivated`: the old
        server deactivated the resource first (a move), rather than being lost."""
        return []

    def failover_warnings(self, resource, facts: dict, config) -> list[Problem]:
        """Settings that make a failover needlessly long or unsafe."""
        return []

    def rehearse(self, resource, server: str, rehearsal) -> list[Problem]:
        """Activating on `server`, rehearsed: every AWS call with DryRun as the acting role (`rehearsal.dry_run`,
        `rehearsal.simulate`), and what DryRun cannot show (`rehearsal.account`: the console's reads)."""
        return []

    def leads_to(self, resource, probe) -> tuple[str | None, str]:
        """Where a client reaching the resource's address gets now: (server, what was seen); None: nowhere.
        `probe` (clusters.node.probe.Probe) gives the servers' addresses and the DNS resolver."""
        return None, f"{self.label} has no address a client reaches"


RESOURCE_TYPES = Registry("resources.types", "group resource")


def server_enis(resource, ctx, found: list, missing: str, *, vpc: str | None = None) -> dict[str, dict]:
    """Each server's ENI as AWS describes it; problems for missing ones are added to `found`.

    `missing` is the guide's message with {eni} for the ID. With `vpc`, the ENI must be in that VPC.
    """
    enis = {}
    if not ctx.account.readable("network_interfaces"):
        return enis
    for server in ctx.server_names:
        eni_id = resource.value("eniid", server)
        if not eni_id:
            continue
        eni = ctx.account.eni(eni_id)
        if eni is None:
            found.append(
                resource.problem(
                    "ENI ID",
                    missing.format(eni=eni_id),
                    fix="Specify a correct ENI ID.",
                    cause="The specified ENI ID might not be correct or might not exist.",
                    code=missing.split(" ")[0],
                    server=server,
                    check=f"{resource.spec.code}.eni_exists",
                )
            )
            continue
        enis[server] = eni
        if vpc and eni["VpcId"] != vpc:
            found.append(
                resource.problem(
                    "ENI ID",
                    f"{eni_id} is in {eni['VpcId']}, not in VPC ID {vpc}.",
                    fix="Enter the ENI of this server's instance in that VPC.",
                    server=server,
                    check=f"{resource.spec.code}.eni_in_vpc",
                )
            )
        instance = ctx.instance_of(server)
        attached = eni.get("Attachment", {}).get("InstanceId")
        if instance is not None and attached != instance["InstanceId"]:
            found.append(
                resource.problem(
                    "ENI ID",
                    f"{eni_id} is attached to {attached or 'no instance'}, not to {server}'s instance "
                    f"{instance['InstanceId']}.",
                    fix="Enter the ENI ID of the instance corresponding to the node.",
                    server=server,
                    check=f"{resource.spec.code}.eni_attached",
                )
            )
    return enis
