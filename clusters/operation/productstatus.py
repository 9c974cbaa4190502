"""The product's word for the state of every object, as clpstat, its RESTful API and Cluster WebUI print it.

`product_status(kind, name, snap=, server=)` is the one place that turns the engine's state into those words;
the pages, both APIs and clpstat call it. A `Snapshot` (three queries) is what it reads.

- cluster: Online, Offline, Suspend.
- server: Offline when the cluster or its cluster service is stopped, its instance is not running, it is lost
  (its heartbeat stopped) or under a dummy failure; Unknown when its EC2 state could not be read; else Online.
- heartbeat and NP resolution (per server): Offline while that server's cluster service is stopped, Error when the
  server is lost (or under a dummy failure), Caution for the object storage heartbeat while its bucket cannot be
  read, else Normal. The console's heartbeat is the server's liveness (EC2 state, object storage heartbeat or
  node agent), so each of the server's heartbeat and NP rows says what that judgement found.
- group and group resource: as the engine records them (Online, Offline, Online Pending, Offline Pending, Error,
  Online Failure, Offline Failure); never started: Offline.
- monitor resource, on one server: Offline while the cluster, or that server, is stopped, or (Monitor Timing
  Active) while its target is not online there; Suspend when suspended there or the cluster is suspended; Error
  under a dummy failure there; else what its watches found there (Normal, Caution for a warning, Error). Overall:
  the worst of its servers (Error, then Caution, then Normal), else Suspend, else Offline.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from clusters.configuration.config import Config, MonitorConfig
from clusters.models import Cluster
from clusters.operation import state
from clusters.operation.state import Kind, Status
from clusters.runtime import AppliedVersion, ObjectState

KINDS = ("cluster", "server", "heartbeat", "group", "resource", "monitor")
# Where a group or resource runs (its current server), in part or whole.
RUNS_THERE = (Status.ONLINE, Status.ONLINE_PENDING, Status.OFFLINE_PENDING, Status.ERROR, Status.ONLINE_FAILURE)
WORST_FIRST = (Status.ERROR, Status.CAUTION, Status.NORMAL, Status.SUSPEND)


@dataclass(frozen=True)
class Snapshot:
    """What the statuses are read from: the applied version, every state row by (kind, name), the cluster's
    status. Read once per page, API answer or clpstat, so that every object is judged from the same moment."""

    version: AppliedVersion
    config: Config
    states: Mapping[tuple[str, str], ObjectState]
    cluster: Status

    @cached_property
    def monitors(self) -> dict[str, MonitorConfig]:
        return {m.name: m for m in self.config.monitors}


def snapshot(cluster: Cluster) -> Snapshot | None:
    """The cluster's snapshot, or None before its first Apply."""
    version, config = state.applied(cluster)
    if version is None:
        return None
    return Snapshot(version, config, state.states_of(cluster), state.cluster_status(cluster))


def product_status(kind: str, name: str = "", *, snap: Snapshot, server: str = "") -> Status:
    """The product's status of one object (its word is `.label`). `server`: for a heartbeat (required) and a
    monitor resource (its status on that server; without one, overall)."""
    if kind == "cluster":
        return snap.cluster
    if kind == "server":
        return _server(snap, name)
    if kind == "heartbeat":
        return _heartbeat(snap, name, server)
    if kind in ("group", "resource"):
        row = snap.states.get((kind, name))
        return Status(row.status) if row is not None else Status.OFFLINE
    if kind == "monitor":
        return _monitor_on(snap, name, server) if server else _monitor(snap, name)
    raise ValueError(f"Unknown kind {kind!r}; one of {', '.join(KINDS)}.")


def current_server(snap: Snapshot, kind: str, name: str) -> str:
    """Where a group or group resource runs (in whole or in part), or "" when it is offline."""
    row = snap.states.get((kind, name))
    return row.server if row is not None and row.status in RUNS_THERE and row.server else ""


def uptime_since(snap: Snapshot, group: str):
    """When the group came online where it runs now (its continuous time online), or None if it is not online."""
    row = snap.states.get((Kind.GROUP, group))
    return row.updated_at if row is not None and row.status == Status.ONLINE else None


# --- servers and heartbeats ------------------------------------------------------------------------------


def _service_stopped(snap: Snapshot, server: str) -> bool:
    if snap.cluster == Status.OFFLINE:
        return True
    service = snap.states.get((Kind.SERVICE, server))
    return service is not None and service.status == Status.OFFLINE


def _lost(snap: Snapshot, server: str) -> bool:
    row = snap.states.get((Kind.SERVER, server))
    standby = snap.states.get((Kind.HEALTH, f"standby {server}"))
    return bool(
        (row is not None and (row.dummy_failure or row.status == Status.OFFLINE))
        or (standby is not None and standby.status == Status.ERROR)
    )


def _server(snap: Snapshot, name: str) -> Status:
    if _service_stopped(snap, name) or _lost(snap, name):
        return Status.OFFLINE
    row = snap.states.get((Kind.SERVER, name))
    return Status.UNKNOWN if row is not None and row.status == Status.UNKNOWN else Status.ONLINE


def _heartbeat(snap: Snapshot, name: str, server: str) -> Status:
    if _service_stopped(snap, server):
        return Status.OFFLINE
    if _lost(snap, server):
        return Status.ERROR
    if _server(snap, server) == Status.UNKNOWN:
        return Status.UNKNOWN
    storage = next((hb for hb in snap.config.heartbeats if hb.name == name and hb.kind == "object_storage"), None)
    judged = snap.states.get((Kind.HEALTH, "heartbeat"))
    if storage is not None and judged is not None and judged.status != Status.NORMAL:
        return Status.CAUTION
    return Status.NORMAL


# --- monitor resources -------------------------------------------------------------------------------------


def _monitor_on(snap: Snapshot, name: str, server: str) -> Status:
    monitor = snap.monitors.get(name)
    row = snap.states.get((Kind.MONITOR, name))
    if monitor is None or _service_stopped(snap, server) or _server(snap, server) == Status.OFFLINE:
        return Status.OFFLINE
    servers = snap.config.server_names
    if snap.cluster == Status.SUSPEND or (row is not None and server in state.suspended_on(row, servers)):
        return Status.SUSPEND
    if row is not None and server in state.dummy_failure_on(row, servers):
        return Status.ERROR
    if row is not None and row.status in (Status.ERROR, Status.CAUTION) and row.server in ("", server):
        return Status(row.status)  # where its watch found it
    active = monitor.target and monitor.monitor_timing == "active"  # watched only where its target is online
    if active and (
        current_server(snap, Kind.RESOURCE, monitor.target) != server
        or product_status("resource", monitor.target, snap=snap) != Status.ONLINE
    ):
        return Status.OFFLINE
    return Status.NORMAL


def _monitor(snap: Snapshot, name: str) -> Status:
    if snap.cluster in (Status.OFFLINE, Status.SUSPEND):
        return snap.cluster
    found = {_monitor_on(snap, name, server) for server in snap.config.server_names}
    return next((status for status in WORST_FIRST if status in found), Status.OFFLINE)
