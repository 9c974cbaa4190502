"""The worst case of a failover, computed per group from the configuration (a pure computation: a Config, what
the account told of it, and the engine's timing in, seconds out).

    server lost  = detection (the heartbeat timeout; the instance-state poll) + forced stop
                   + activation on the next server + propagation
    move         = deactivation + activation + propagation once the old server deactivated
    monitor      = (Maximum Reactivation Count + 1) x (interval x (Retry Count + 1) + Timeout + half a round)
                   + the reactivations + move

Activation and deactivation follow the group's dependency levels (a level's resources run in parallel: the
slowest counts). A resource's action is each AWS call it makes at its worst: botocore's attempts, each up to
its connect and read timeouts (shortened by the resource's AWS CLI Timeout, as webui.aws.bounded does),
with botocore's back-off between them, plus the wait for one token of the call's rate bucket (the account-wide
budget serves a failover first: it waits for the bucket, not for other work); all of it times (Retry Count + 1).
A resource that acts on the server itself waits for its node agent (its script's timeout + the node call's).
Propagation is the type's (Route 53 INSYNC and TTL, the NLB's health checks). What each type adds is in its
module (resources.registry.ResourceType: failover_calls, propagation, failover_warnings).
"""

from dataclasses import asdict, dataclass, field

from django.conf import settings

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config, MonitorConfig, ResourceConfig
from clusters.configuration.params import Problem
from clusters.operation import groups, recovery
from resources.registry import AwsCall, ResourceType
from webui.awssim.rules import BUCKETS, bucket_of

MAX_BACKOFF = 20  # botocore's standard retry mode: random up to 2**(attempt-1) s between attempts, at most 20


@dataclass(frozen=True)
class Timing:
    """The engine's own figures the bounds depend on (webui.settings)."""

    heartbeat_timeout: float  # WEBUI_HEARTBEAT_TIMEOUT
    tick: float  # WEBUI_TICK_SECONDS: a monitoring round
    connect: float  # WEBUI_AWS_CONNECT_TIMEOUT
    read: float  # WEBUI_AWS_READ_TIMEOUT
    attempts: int  # WEBUI_AWS_MAX_ATTEMPTS
    node_call: float  # WEBUI_NODE_CALL_SECONDS

    @classmethod
    def from_settings(cls) -> "Timing":
        return cls(
            heartbeat_timeout=settings.WEBUI_HEARTBEAT_TIMEOUT,
            tick=settings.WEBUI_TICK_SECONDS,
            connect=settings.AWS_CONNECT_TIMEOUT,
            read=settings.AWS_READ_TIMEOUT,
            attempts=settings.AWS_MAX_ATTEMPTS,
            node_call=settings.WEBUI_NODE_CALL_SECONDS,
        )

    def call_seconds(self, bound: float | None) -> float:
        """One AWS call at its worst: every attempt up to its timeouts, and the back-off between them."""
        connect, read = self.connect, self.read
        if bound is not None:  # as webui.aws.bounded shortens them
            per_attempt = max(0.5, bound / self.attempts) / 2
            connect, read = min(connect, per_attempt), min(read, per_attempt)
        backoff = sum(min(MAX_BACKOFF, 2 ** (k - 1)) for k in range(1, self.attempts))
        return self.attempts * (connect + read) + backoff


def bucket_wait(call: AwsCall) -> float:
    """Seconds to earn one token of the call's rate bucket (AWS's published figures), 0 if none throttles it."""
    name = bucket_of(call.service, call.action, {"Filter.1": ""} if call.filtered else {})
    return 1 / BUCKETS[name][1] if name else 0.0


@dataclass(frozen=True)
class Part:
    """One term of a bound: what it is, its seconds, and how they were counted."""

    label: str
    seconds: float
    how: str = ""


def total(parts) -> float:
    return round(sum(p.seconds for p in parts), 3)


@dataclass
class GroupWorstCase:
    group: str
    source: str
    target: str
    detection: list[Part] = field(default_factory=list)  # how a lost server is found: the slowest counts
    monitors: list[Part] = field(default_factory=list)  # each monitor that fails the group over, up to the move
    forced_stop: list[Part] = field(default_factory=list)
    deactivation: list[Part] = field(default_factory=list)  # per dependency level
    activation: list[Part] = field(default_factory=list)  # per dependency level
    propagation_lost: list[Part] = field(default_factory=list)
    propagation_moved: list[Part] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # facts the account did not tell

    @property
    def server_lost(self) -> float:
        detected = max((p.seconds for p in self.detection), default=0.0)
        return round(detected + total(self.forced_stop) + total(self.activation) + total(self.propagation_lost), 3)

    @property
    def move(self) -> float:
        return round(total(self.deactivation) + total(self.activation) + total(self.propagation_moved), 3)

    def monitor(self, name: str) -> float | None:
        """The bound of a failover that monitor `name` starts (None: it never fails this group over)."""
        found = next((p for p in self.monitors if p.label.startswith(f"{name} ")), None)
        return None if found is None else round(found.seconds + self.move, 3)

    @property
    def monitor_bounds(self) -> list[tuple[str, float]]:
        """(the monitor, the bound of a failover it starts) for each monitor that fails the group over."""
        return [(p.label, self.monitor(p.label.split(" ", 1)[0])) for p in self.monitors]

    @property
    def bounds(self) -> dict[str, float]:
        found = {"server_lost": self.server_lost, "move": self.move}
        for part in self.monitors:
            name = part.label.split(" ", 1)[0]
            found[f"monitor {name}"] = self.monitor(name)
        return found

    def as_dict(self) -> dict:
        parts = ("detection", "monitors", "forced_stop", "deactivation", "activation")
        return {
            "group": self.group,
            "source": self.source,
            "target": self.target,
            "bounds": self.bounds,
            **{name: [asdict(p) for p in getattr(self, name)] for name in parts},
            "propagation": {
                "server_lost": [asdict(p) for p in self.propagation_lost],
                "move": [asdict(p) for p in self.propagation_moved],
            },
            "warnings": [w.as_dict() for w in self.warnings],
            "assumed": self.assumed,
        }


# --- one resource, one group -----------------------------------------------------------------------------


def _script_timeout(resource: ResourceConfig, activate: bool) -> int:
    name = "starttimeout" if activate else "stoptimeout"
    return int(resource.value(name) or 0) if name in {p.name for p in resource.spec.params} else 0


def action_part(resource: ResourceConfig, facts: dict, timing: Timing, *, activate: bool) -> Part:
    """One resource's activation (or deactivation) at its worst, with its Retry Count."""
    tries = groups.retries(resource, activate) + 1
    spec = resource.spec
    if spec.on_server:  # as webui.nodes.call_timeout: the script's own timeout and the node call's
        script = _script_timeout(resource, activate)
        seconds = script + timing.node_call
        how = f"its node agent: {f'script timeout {script} s + ' if script else ''}node call {timing.node_call:g} s"
    else:
        calls = spec.failover_calls(resource, facts, activate=activate)
        per_call = timing.call_seconds(spec.call_bound(resource))
        seconds = sum(per_call + bucket_wait(c) for c in calls)
        counted: dict[str, int] = {}
        for c in calls:
            counted[c.action] = counted.get(c.action, 0) + 1
        how = " + ".join(
            f"{action} {per_call + bucket_wait(next(c for c in calls if c.action == action)):g} s"
            + (f" x {n}" if n > 1 else "")
            for action, n in counted.items()
        )
        how = how or "no AWS call"
    if tries > 1:
        how += f"; x {tries} (Retry Count {tries - 1})"
    return Part(f"{resource.name} ({spec.label})", round(seconds * tries, 3), how)


def _levels(config: Config, group: str, facts: dict, timing: Timing, *, activate: bool) -> list[Part]:
    """Per dependency level, its slowest resource (a level's resources run in parallel)."""
    order = groups.levels(config, group)
    parts = []
    for level in order if activate else list(reversed(order)):
        found = [action_part(r, facts.get(r.name, {}), timing, activate=activate) for r in level]
        slowest = max(found, key=lambda p: p.seconds)
        others = [p.label.split(" ", 1)[0] for p in found if p is not slowest]
        how = slowest.how + (f"; in parallel with {', '.join(others)}" if others else "")
        parts.append(Part(slowest.label, slowest.seconds, how))
    return parts


def _propagation(config: Config, group: str, facts: dict, *, deactivated: bool) -> list[Part]:
    """The slowest resource's propagation: each address propagates on its own, and a client waits for its own."""
    found = [
        [
            Part(f"{resource.name}: {label}", float(seconds))
            for label, seconds in resource.spec.propagation(
                resource, facts.get(resource.name, {}), deactivated=deactivated
            )
        ]
        for resource in config.resources_of(group)
    ]
    return max(found, key=total, default=[])


def _detection(config: Config, timing: Timing) -> list[Part]:
    heartbeat = (
        Part(
            "object storage heartbeat",
            timing.heartbeat_timeout + 1 + timing.tick,
            f"heartbeat timeout {timing.heartbeat_timeout:g} s + 1 s (S3 keeps whole seconds) + a monitoring round "
            f"{timing.tick:g} s",
        )
        if config.bucket()
        else Part(
            "node agent heartbeat",
            timing.heartbeat_timeout + timing.tick,
            f"heartbeat timeout {timing.heartbeat_timeout:g} s + a monitoring round {timing.tick:g} s",
        )
    )
    instance = Part(
        "EC2 instance state", timing.tick, f"a stopped instance is seen at the next round ({timing.tick:g} s)"
    )
    return [heartbeat, instance]


def _forced_stop(config: Config, timing: Timing) -> list[Part]:
    if config.forced_stop is None or config.forced_stop.kind != "aws":
        return []
    per_call = timing.call_seconds(None)
    return [
        Part(f"{c.action}", round(per_call + bucket_wait(c), 3), f"{timing.attempts} attempts, no AWS CLI Timeout")
        for c in (AwsCall("ec2", "DescribeInstances", filtered=False), AwsCall("ec2", "StopInstances"))
    ]


def fails_over(config: Config, monitor: MonitorConfig, group: str) -> bool:
    """Whether an error `monitor` detects ends in failing `group` over (its recovery target is the group, one of
    its resources, or the local server)."""
    if (recovery.DEFAULT_FAILOVERS if monitor.failover_threshold is None else monitor.failover_threshold) < 1:
        return False
    if monitor.recovery_target == "rsc":
        resource = config.resource(monitor.recovery_name)
        return resource is not None and resource.group == group
    if monitor.recovery_target == "grp":
        return monitor.recovery_name == group
    return True  # LocalServer: every group on the server where it was detected


def _monitor_part(config: Config, monitor: MonitorConfig, group: str, facts: dict, timing: Timing) -> Part:
    kind = monitor.recovery_target
    restarts = monitor.restart_threshold
    restarts = (recovery.DEFAULT_RESTARTS if kind != "cls" else 0) if restarts is None else restarts
    restarts = restarts if kind in ("rsc", "grp") else 0
    detect = monitor.interval * (monitor.retry_count + 1) + monitor.timeout + timing.tick / 2
    how = (
        f"interval {monitor.interval} s x (Retry Count {monitor.retry_count} + 1) + Timeout {monitor.timeout} s "
        f"+ half a round {timing.tick / 2:g} s"
    )
    seconds = detect
    if restarts:
        if kind == "rsc":
            target = config.resource(monitor.recovery_name)
            again = sum(
                action_part(target, facts.get(target.name, {}), timing, activate=a).seconds for a in (False, True)
            )
        else:
            again = total(_levels(config, group, facts, timing, activate=False))
            again += total(_levels(config, group, facts, timing, activate=True))
        seconds = (restarts + 1) * detect + restarts * again
        how = f"({how}) x {restarts + 1} + {restarts} reactivation(s) of {again:g} s"
    return Part(f"{monitor.name} ({monitor.spec.label})", round(seconds, 3), how)


def _warnings(config: Config, group: str, facts: dict) -> list[Problem]:
    found = []
    name = config.cluster.name
    if config.forced_stop is None or config.forced_stop.kind != "aws":
        found.append(
            Problem(
                name,
                "Forced stop",
                "No AWS forced stop: a server that only stalled may still hold the group's resources while they "
                "start elsewhere.",
                "Set the forced stop type to AWS and each server's Instance ID (guide 2.5, 4.3).",
                "warning",
                check="worstcase.forced_stop",
            )
        )
    if not config.bucket():
        found.append(
            Problem(
                name,
                "Heartbeat",
                "No object storage heartbeat: a hung server is judged lost only by its node agent's heartbeat, and "
                "not at all without an agent.",
                "Add an object storage heartbeat (Amazon S3) on the Interconnect page.",
                "warning",
                check="worstcase.heartbeat",
            )
        )
    for monitor in config.monitors:
        mode = monitor.parameters.get("mode") if "mode" in {p.name for p in monitor.spec.params} else None
        if monitor.spec.aws and str(mode) == "2" and fails_over(config, monitor, group):
            found.append(
                monitor.problem(
                    "Action when AWS CLI command failed to receive response",
                    "Recovery action: an AWS endpoint under maintenance or a slow network path fails the group over "
                    "for nothing.",
                    fix="Select Disable recovery action(Display warning) or Disable recovery action(Do nothing).",
                    severity="warning",
                    check="worstcase.no_response_recovery",
                )
            )
    for resource in config.resources_of(group):
        found += resource.spec.failover_warnings(resource, facts.get(resource.name, {}), config)
    return found


def group_worst_case(
    config: Config, group: str, *, facts: dict | None = None, timing: Timing | None = None, source: str = ""
) -> GroupWorstCase:
    """The worst case of `group` failing over from `source` (its first startup server by default)."""
    facts, timing = facts or {}, timing or Timing.from_settings()
    order = config.startup_servers(group)
    source = source or (order[0] if order else "")
    target = next((s for s in order if s != source), "")
    found = GroupWorstCase(group, source, target)
    found.detection = _detection(config, timing)
    found.monitors = [
        _monitor_part(config, m, group, facts, timing) for m in config.monitors if fails_over(config, m, group)
    ]
    found.forced_stop = _forced_stop(config, timing)
    found.activation = _levels(config, group, facts, timing, activate=True)
    found.deactivation = _levels(config, group, facts, timing, activate=False)
    found.propagation_lost = _propagation(config, group, facts, deactivated=False)
    found.propagation_moved = _propagation(config, group, facts, deactivated=True)
    found.warnings = _warnings(config, group, facts)
    found.assumed = [
        f"{r.name}: not read from AWS; the {r.spec.label}'s defaults are assumed"
        for r in config.resources_of(group)
        if type(r.spec).aws_facts is not ResourceType.aws_facts and r.name not in facts
    ]
    return found


def worst_case(config: Config, *, facts: dict | None = None, timing: Timing | None = None) -> list[GroupWorstCase]:
    return [group_worst_case(config, g.name, facts=facts, timing=timing) for g in config.groups]


def gather_facts(config: Config, account: AwsAccount | None = None) -> dict[str, dict]:
    """What each resource's type needs to know from the account (console reads): resource name -> its facts.
    A resource whose facts could not be read is left out (its type's defaults are assumed, and said)."""
    account = account or AwsAccount()
    found = {}
    for resource in config.resources:
        facts = resource.spec.aws_facts(resource, account, config)
        if facts:
            found[resource.name] = facts
    return found
