"""The cross-object rules of a configuration, each a small function of the `Config` returning its problems.

`validate` runs RULES in order and reports their problems in that order. A rule about each group
resource or each monitor resource takes `(object, config)` and sits in RESOURCE_RULES or MONITOR_RULES:
their problems come object by object, every rule of one object before the next object's. Adding a rule
is one function here and one line in its list. (`clean()` of a model checks one row; the type hooks
`validate` and `check_in` check one object's values.)
"""

from clusters.configuration.config import Config, MonitorConfig, ResourceConfig
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.configuration.params import Problem
from clusters.models import ForcedStop
from monitors.models import MonitorResource
from monitors.registry import MONITOR_TYPES
from resources.models import GroupResource

# --- the cluster ------------------------------------------------------------------------------


def has_servers(config: Config) -> list[Problem]:
    if config.servers:
        return []
    return [Problem(config.cluster.name, "Servers", "the cluster has no server.", "Add the servers.")]


def _interconnect(ic) -> str:
    """An interconnect as problems name it: its heartbeat, its MDC, or its number."""
    return ic.heartbeat_name or ic.mdc or f"interconnect {ic.priority + 1}"


def interconnect_addresses(config: Config) -> list[Problem]:
    """Every server has an address on every interconnect."""
    return [
        Problem(
            _interconnect(ic),
            "IP Address",
            f"server {server} has no address on this interconnect.",
            f"Enter {server}'s private IP address in the Interconnect table.",
            server=server,
        )
        for ic in config.interconnects
        for server in config.server_names
        if server not in ic.addresses
    ]


def distinct_addresses(config: Config) -> list[Problem]:
    """No two servers share an address on one interconnect (each instance has its own private IP)."""
    problems = []
    for ic in config.interconnects:
        owners: dict[str, str] = {}
        for server in config.server_names:
            address = ic.addresses.get(server)
            if address and address in owners:
                problems.append(
                    Problem(
                        _interconnect(ic),
                        "IP Address",
                        f"server {server} has {address}, the address of server {owners[address]}.",
                        f"Enter {server}'s own private IP address in the Interconnect table.",
                        server=server,
                    )
                )
            elif address:
                owners[address] = server
    return problems


def has_heartbeat(config: Config) -> list[Problem]:
    if any(ic.heartbeat for ic in config.interconnects) or config.heartbeats:
        return []
    return [
        Problem(
            config.cluster.name, "Interconnect", "the cluster has no heartbeat.", "Add a kernel-mode LAN interconnect."
        )
    ]


def device_values(config: Config) -> list[Problem]:
    """Each heartbeat's, then each NP resolution's own values, as its kind checks them."""
    problems = []
    for objects, kinds in ((config.heartbeats, HEARTBEAT_KINDS), (config.network_partitions, NP_KINDS)):
        for obj in objects:
            problems += kinds[obj.kind].validate(obj.name, obj.parameters, {})
    return problems


def forced_stop_instances(config: Config) -> list[Problem]:
    """AWS forced stop names every server's instance."""
    if config.forced_stop is None or config.forced_stop.kind != ForcedStop.Kind.AWS:
        return []
    return [
        Problem(
            "Forced stop",
            "Instance ID",
            f"server {server} has no AWS instance ID.",
            "Select the server, click Add and enter its Instance ID (i-...).",
            server=server,
        )
        for server in config.server_names
        if not config.instance_id(server).startswith("i-")
    ]


# --- each group resource ------------------------------------------------------------------------


def resource_values(resource: ResourceConfig, config: Config) -> list[Problem]:
    return resource.spec.validate(resource.name, resource.parameters, resource.servers)


def resource_in_config(resource: ResourceConfig, config: Config) -> list[Problem]:
    """Its type's rules that need the rest of the configuration."""
    return resource.spec.check_in(resource, config)


def resource_has_monitor(resource: ResourceConfig, config: Config) -> list[Problem]:
    """A resource whose type comes with a monitor (AWS resources, mirror disk, LB probe port) has one."""
    monitor = resource.spec.monitor
    if not monitor or monitor in config.monitor_types_watching(resource.name):
        return []
    return [
        Problem(
            resource.name,
            "Monitor Resource",
            f"it has no {MONITOR_TYPES.get_type(monitor).label}.",
            f"Add a {monitor} monitor whose Target Resource is {resource.name}.",
        )
    ]


def dependencies_in_group(resource: ResourceConfig, config: Config) -> list[Problem]:
    problems = []
    for dependency in resource.depends_on:
        other = config.resource(dependency)
        if other is not None and other.group != resource.group:
            problems.append(
                Problem(
                    resource.name,
                    "Dependency",
                    f"{dependency} is in another failover group.",
                    "Depend only on resources of the same group.",
                )
            )
    return problems


def final_actions(resource: ResourceConfig, config: Config) -> list[Problem]:
    """Only a Final Action the console carries out (an imported file may state another)."""
    problems = []
    for field, label, offered in (
        ("act_final_action", "Final Action", GroupResource.FinalAction),
        ("deact_final_action", "Final Action at Deactivation Failure", GroupResource.DeactivationFinalAction),
    ):
        value = getattr(resource, field)
        if value and value not in offered.values:
            choices = ", ".join(offered.labels)
            problems.append(
                Problem(resource.name, label, f"{value!r} is not a Final Action here.", f"Choose {choices}.")
            )
    return problems


RESOURCE_RULES = [resource_values, resource_in_config, resource_has_monitor, dependencies_in_group, final_actions]


def each_resource(config: Config) -> list[Problem]:
    return [p for resource in config.resources for rule in RESOURCE_RULES for p in rule(resource, config)]


def dependency_cycles(config: Config) -> list[Problem]:
    edges = {r.name: list(r.depends_on) for r in config.resources}
    state: dict[str, int] = {}
    problems = []

    def visit(name, path):
        state[name] = 1
        for nxt in edges.get(name, []):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                problems.append(
                    Problem(
                        name,
                        "Dependency",
                        f"the dependencies loop: {' -> '.join(cycle)}.",
                        "Remove one of these dependencies.",
                    )
                )
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[name] = 2

    for name in edges:
        if name not in state:
            visit(name, [name])
    return problems


# --- each monitor resource ----------------------------------------------------------------------


def monitor_values(monitor: MonitorConfig, config: Config) -> list[Problem]:
    return monitor.spec.validate(monitor.name, monitor.parameters, monitor.servers)


def monitor_in_config(monitor: MonitorConfig, config: Config) -> list[Problem]:
    """Its type's rules that need the rest of the configuration."""
    return monitor.spec.check_in(monitor, config)


def target_type(monitor: MonitorConfig, config: Config) -> list[Problem]:
    """A monitor that watches resources of some types only watches one of them."""
    spec, target = monitor.spec, config.resource(monitor.target)
    if target is None or not spec.target_types or target.type in spec.target_types:
        return []
    return [
        Problem(
            monitor.name,
            "Target Resource",
            f"{target.name} is a {target.type} resource.",
            f"Choose a resource of type {', '.join(spec.target_types)}.",
        )
    ]


def final_action_target(monitor: MonitorConfig, config: Config) -> list[Problem]:
    """A monitor's Final Action is one the console carries out, and "Stop resource" stops a resource."""
    offered = MonitorResource.FinalAction
    action = monitor.final_action
    if action and action not in offered.values:
        return [
            Problem(
                monitor.name,
                "Final Action",
                f"{action!r} is not a Final Action here.",
                f"Choose {', '.join(offered.labels)}.",
            )
        ]
    if action == offered.STOP_RESOURCE and monitor.recovery_target != "rsc":
        return [
            Problem(
                monitor.name,
                "Final Action",
                "Stop resource needs a group resource as Recovery Target.",
                "Choose a group resource as Recovery Target, or another Final Action.",
            )
        ]
    return []


MONITOR_RULES = [monitor_values, monitor_in_config, target_type, final_action_target]


def each_monitor(config: Config) -> list[Problem]:
    return [p for monitor in config.monitors for rule in MONITOR_RULES for p in rule(monitor, config)]


# --- all of them --------------------------------------------------------------------------------

RULES = [
    has_servers,
    interconnect_addresses,
    distinct_addresses,
    has_heartbeat,
    device_values,
    forced_stop_instances,
    each_resource,
    dependency_cycles,
    each_monitor,
]


def validate(config: Config) -> list[Problem]:
    """Every cross-object rule of the configuration; each problem names the object, field and fix."""
    return [problem for rule in RULES for problem in rule(config)]
