"""One typed, immutable configuration of a cluster: what every part of the console reads.

A `Config` is built from the database (`draft.from_models`, the draft being edited) or from a clp.conf
(`clpconf.reader.read`, an applied version); the same configuration gives an equal `Config` either
way. Validation, the AWS checks, the clp.conf writer, group operations, the monitor engine and every
type hook take it. Values are keyed by server name, defaults are resolved, and nothing in it can be
changed: a cached applied configuration is shared by every worker thread.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from clusters.clpconf import names as N
from clusters.configuration.params import ObjectType, Problem
from monitors.registry import MONITOR_TYPES
from resources.registry import RESOURCE_TYPES

EMPTY: Mapping = MappingProxyType({})


_SCALARS = frozenset({str, int, bool, float, type(None)})


def frozen(value):
    """A read-only copy of JSON-like data: mappings become read-only, lists tuples."""
    kind = type(value)  # exact types, and no call per scalar: this runs for every value of a large config
    if kind is dict or kind is MappingProxyType:
        return MappingProxyType({k: v if type(v) in _SCALARS else frozen(v) for k, v in value.items()})
    if kind is list or kind is tuple:
        return tuple(v if type(v) in _SCALARS else frozen(v) for v in value)
    return value


def sealed(value: dict) -> Mapping:
    """`frozen` without the copy, for a dict built for the Config alone (the clp.conf reader's): its
    nested dicts and lists are replaced in place, and it is wrapped read-only."""
    for key, item in value.items():
        kind = type(item)
        if kind is dict:
            value[key] = sealed(item)
        elif kind is list:
            value[key] = frozen(item)
    return MappingProxyType(value)


def thawed(value):
    """JSON-ready plain data again (for saving to the database)."""
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value


def plain(value):
    """A Config (or any part of it) as JSON-ready data; the type modules are left out."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "spec"}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class ClusterInfo:
    name: str
    comment: str = ""
    language: str = "en"
    server_os: str = "windows"
    encoding: str = "SJIS"
    charset: str = ""  # kept only where it differs from what the language gives
    encode: str = ""  # kept only where it differs from the file's encoding
    extra_xml: str = ""  # what we do not model, written back verbatim
    source_conf: str = ""  # the imported file: its element order is kept on export
    extra_files: Mapping = EMPTY  # export-zip files that belong to no object: path -> base64


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    name: str
    priority: int  # 0 is the master server
    extra_xml: str = ""


@dataclass(frozen=True, kw_only=True)
class InterconnectConfig:
    priority: int
    device_id: int
    addresses: Mapping[str, str]  # server name -> IP address
    heartbeat: str = ""  # lankhb / lanhb, or "" (no LAN heartbeat on it)
    heartbeat_name: str = ""
    mdc: str = ""  # mdc1, mdc2, or "" (Do Not Use)
    mdc_device_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class DeviceObject:
    """A heartbeat (witness, object storage) or NP resolution (HTTP, PING) resource."""

    kind: str  # a key of HEARTBEAT_KINDS / NP_KINDS
    name: str
    priority: int = 0
    device_id: int | None = None
    parameters: Mapping = EMPTY
    servers: Mapping[str, Mapping] = EMPTY  # server name -> its device's own values
    extra_xml: str = ""


@dataclass(frozen=True, kw_only=True)
class ForcedStopConfig:
    kind: str  # "aws" or "" (none)
    parameters: Mapping = EMPTY
    servers: Mapping[str, Mapping] = EMPTY  # server name -> {"instanceid": "i-..."}
    extra_xml: str = ""


GROUP_DEFAULTS = {"startup": "1", "failover": "0", "failback": "0"}  # as FailoverGroup declares them


@dataclass(frozen=True, kw_only=True)
class GroupConfig:
    name: str
    gid: int
    group_type: str = N.GROUP_TYPE_FAILOVER
    comment: str = ""
    startup: str = GROUP_DEFAULTS["startup"]
    failover: str = GROUP_DEFAULTS["failover"]
    failback: str = GROUP_DEFAULTS["failback"]
    startup_servers: tuple[str, ...] = ()  # none listed: every server, in priority order
    # What an imported file stated (written back as found): how to write, not what is configured.
    explicit_attributes: tuple[str, ...] = field(default=(), compare=False)
    extra_xml: str = ""


@dataclass(frozen=True, kw_only=True)
class TypedObject:
    """A group resource or monitor resource: its type's values, common and each server's own."""

    type: str
    name: str
    spec: ObjectType = field(compare=False, repr=False)  # the type module (its OS variant)
    comment: str = ""
    parameters: Mapping = EMPTY
    servers: Mapping[str, Mapping] = EMPTY  # server name -> values Set Up Individually
    scripts: Mapping = EMPTY  # file name -> base64 (script resources, custom monitors)
    extra_xml: str = ""

    @property
    def settings_display(self) -> str:
        return self.spec.describe(self.parameters)

    def value(self, pname: str, server: str | None = None):
        """The effective value: the server's own, else the common one, else the type's default."""
        return self.spec.value(self.parameters, pname, self.servers.get(server, EMPTY) if server else None)

    def problem(
        self,
        field_label: str,
        message: str,
        *,
        fix: str = "",
        cause: str = "",
        code: str = "",
        server: str = "",
        check: str = "",
        severity: str = "error",
    ) -> Problem:
        return Problem(
            self.name,
            field_label,
            message,
            fix,
            severity,
            server,
            code,
            cause,
            check or f"{self.spec.code}.{field_label.lower().replace(' ', '_')}",
        )


@dataclass(frozen=True, kw_only=True)
class ResourceConfig(TypedObject):
    group: str
    order: int = 0
    depends_on: tuple[str, ...] = ()
    # Recovery Operation; None: the product's default (not written to clp.conf).
    act_retry: int | None = None
    act_failover: int | None = None
    act_final_action: str = ""
    deact_retry: int | None = None
    deact_final_action: str = ""


RECOVERY_FIELDS = ("act_retry", "act_failover", "act_final_action", "deact_retry", "deact_final_action")


@dataclass(frozen=True, kw_only=True)
class MonitorConfig(TypedObject):
    # MONITOR_COMMON_FIELDS have no default here: a monitor that states none takes its type's
    # (MonitorType.common_defaults), whichever way the Config is built.
    interval: int
    timeout: int
    retry_count: int
    wait_to_start: int
    monitor_timing: str  # "always" or "active" (only while `target` is online)
    target: str = ""  # Target Resource's name
    recovery_target: str = "cls"  # rsc, grp or cls (LocalServer)
    recovery_name: str = N.LOCAL_SERVER
    restart_threshold: int | None  # None: the product's default
    failover_threshold: int | None
    final_action: str
    # What an imported file stated (written back as found): how to write, not what is configured.
    explicit_common: tuple[str, ...] = field(default=(), compare=False)
    owner: str = ""  # the resource whose type added this monitor, if any

    @property
    def common(self) -> dict:
        """Monitor (common) values as the type hooks see them."""
        return {
            "interval": self.interval,
            "timeout": self.timeout,
            "wait_to_start": self.wait_to_start,
            "target": self.target,
        }


def revived(data: Mapping, server_os: str) -> "ResourceConfig | MonitorConfig":
    """A group resource or monitor resource again from its plain() form (as a node agent receives it)."""
    kind, registry = (MonitorConfig, MONITOR_TYPES) if "interval" in data else (ResourceConfig, RESOURCE_TYPES)
    names = {f.name for f in dataclasses.fields(kind)} - {"spec"}
    values = {k: frozen(v) for k, v in data.items() if k in names}
    return kind(spec=registry.get_type(data["type"], server_os), **values)


MONITOR_COMMON_FIELDS = (
    "interval",
    "timeout",
    "retry_count",
    "wait_to_start",
    "monitor_timing",
    "restart_threshold",
    "failover_threshold",
    "final_action",
)


@dataclass(frozen=True, kw_only=True)
class Config:
    cluster: ClusterInfo
    servers: tuple[ServerConfig, ...] = ()  # in priority order
    interconnects: tuple[InterconnectConfig, ...] = ()  # in priority order
    heartbeats: tuple[DeviceObject, ...] = ()
    network_partitions: tuple[DeviceObject, ...] = ()
    forced_stop: ForcedStopConfig | None = None
    groups: tuple[GroupConfig, ...] = ()  # in gid order
    resources: tuple[ResourceConfig, ...] = ()  # by group, then order in the group
    monitors: tuple[MonitorConfig, ...] = ()  # by type, then name

    @classmethod
    def build(
        cls,
        *,
        cluster: ClusterInfo,
        servers: Iterable = (),
        interconnects: Iterable = (),
        heartbeats: Iterable = (),
        network_partitions: Iterable = (),
        forced_stop=None,
        groups: Iterable = (),
        resources: Iterable = (),
        monitors: Iterable = (),
    ) -> "Config":
        """A Config in its one canonical order, whatever order the parts come in."""
        groups = sorted(groups, key=lambda g: (g.gid, g.name))
        gid = {g.name: g.gid for g in groups}
        return cls(
            cluster=cluster,
            servers=tuple(sorted(servers, key=lambda s: s.priority)),
            interconnects=tuple(sorted(interconnects, key=lambda i: (i.priority, i.device_id))),
            heartbeats=tuple(sorted(heartbeats, key=lambda h: (h.priority, h.name))),
            network_partitions=tuple(sorted(network_partitions, key=lambda n: (n.priority, n.name))),
            forced_stop=forced_stop,
            groups=tuple(groups),
            resources=tuple(sorted(resources, key=lambda r: (gid.get(r.group, 0), r.order, r.name))),
            monitors=tuple(sorted(monitors, key=lambda m: (m.type, m.name))),
        )

    # --- lookups (computed once: the Config never changes) ---------------------------------------
    @cached_property
    def server_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.servers)

    @cached_property
    def _resources(self) -> dict[str, ResourceConfig]:
        return {r.name: r for r in self.resources}

    @cached_property
    def _groups(self) -> dict[str, GroupConfig]:
        return {g.name: g for g in self.groups}

    def resource(self, name: str) -> ResourceConfig | None:
        return self._resources.get(name)

    def group(self, name: str) -> GroupConfig | None:
        return self._groups.get(name)

    def monitor(self, name: str) -> MonitorConfig | None:
        return next((m for m in self.monitors if m.name == name), None)

    @cached_property
    def _by_group(self) -> dict[str, list[ResourceConfig]]:
        found: dict[str, list[ResourceConfig]] = {}
        for r in self.resources:
            found.setdefault(r.group, []).append(r)
        return found

    def resources_of(self, group: str) -> list[ResourceConfig]:
        """The group's resources, in their order (once per group, not a scan of every resource per call)."""
        return list(self._by_group.get(group, ()))

    @cached_property
    def _watchers(self) -> dict[str, frozenset[str]]:
        # A resource's monitor names it as Target Resource, or (mirror disk monitor) as its monitored object.
        found: dict[str, set[str]] = {}
        for monitor in self.monitors:
            for target in (monitor.target, monitor.parameters.get("object")):
                if target:
                    found.setdefault(target, set()).add(monitor.type)
        return {name: frozenset(types) for name, types in found.items()}

    def monitor_types_watching(self, resource: str) -> frozenset[str]:
        """The types of the monitors that watch the resource."""
        return self._watchers.get(resource, frozenset())

    def startup_servers(self, group: str) -> tuple[str, ...]:
        """The group's Startup Servers in order; all servers when it lists none."""
        found = self.group(group)
        return (found.startup_servers if found else ()) or self.server_names

    def levels(self, group: str) -> list[list[ResourceConfig]]:
        """Resources in dependency order: each level depends only on earlier ones (a level runs in parallel).

        Raises ValueError when the dependencies loop."""
        remaining = {r.name: r for r in self.resources_of(group)}
        done: set[str] = set()
        levels = []
        while remaining:
            ready = [r for r in remaining.values() if all(d in done or d not in remaining for d in r.depends_on)]
            if not ready:
                raise ValueError(f"The dependencies of group {group}'s resources loop; fix them in Config Mode.")
            levels.append(ready)
            for r in ready:
                done.add(r.name)
                del remaining[r.name]
        return levels

    def address(self, server: str) -> str | None:
        """The server's address on the first interconnect (its private IP address)."""
        return self.interconnects[0].addresses.get(server) if self.interconnects else None

    def instance_id(self, server: str) -> str:
        """The server's EC2 instance ID as AWS forced stop names it, or ""."""
        fs = self.forced_stop
        if fs is None or fs.kind != "aws":
            return ""
        return fs.servers.get(server, EMPTY).get("instanceid", "")

    def instance_of(self, server: str, account) -> dict | None:
        """The server's EC2 instance: its forced-stop instance ID, else the instance with its interconnect address."""
        if instance_id := self.instance_id(server):
            return account.instance(instance_id)
        address = self.address(server)
        return account.instance_by_private_ip(address) if address else None

    def bucket(self) -> str:
        """The object storage heartbeat's bucket, or ""."""
        return next((hb.parameters.get("bucket", "") for hb in self.heartbeats if hb.kind == "object_storage"), "")

    def files(self, scripts_dir: str, monitor_scripts_dir: str) -> dict[str, str]:
        """The export zip's files: the cluster's own, then each resource's and monitor's scripts."""
        found = dict(self.cluster.extra_files)
        for r in self.resources:
            for filename, content in r.scripts.items():
                found[f"{scripts_dir}/{r.group}/{r.name}/{filename}"] = content
        for m in self.monitors:
            for filename, content in m.scripts.items():
                found[f"{scripts_dir}/{monitor_scripts_dir}/{m.name}/{filename}"] = content
        return found
