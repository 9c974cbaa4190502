"""Monitoring's schedule: which clusters, servers and monitor resources are watched in each round.

Celery beat calls tick() every few seconds. For each running cluster it judges server health
(clusters.operation.health) and picks every monitor that is due (its interval, its wait time to start,
its target online); each due monitor is then watched (clusters.operation.recovery: what a watch found,
and the recovery it starts). Recovery and a lost server's failover are runs like any operation: one at a
time per cluster.
"""

import contextlib
import logging
import math
import time
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config, MonitorConfig
from clusters.models import Cluster, TaskRun
from clusters.operation import groups, health, propagation, recovery, state
from clusters.operation.state import Status
from monitors.registry import Watch
from webui import awsreads

logger = logging.getLogger(__name__)

SERVER_REFRESH = timedelta(seconds=10)  # how fresh the status page's instance states are kept
SEVERITY = {"error": 0, "warning": 1, "normal": 2}  # the worst first


def tick(*, force: bool = False) -> list[int]:
    """One round of monitoring over all clusters in this process; returns the runs it started.

    Celery's round does the same spread over the workers (monitors.tasks: a task per cluster, then
    one per due monitor, each under a lease). A failure in one cluster is logged and alerted, and the
    round goes on with the others.
    """
    started, round_start = [], time.time()
    for pk in clusters_to_watch():
        run, due = watch_cluster(pk, force=force)
        for name in due:
            run = run or watch_monitor(pk, name, force=force, round_start=round_start)
        if run is not None:
            started.append(run.pk)
    return started


def clusters_to_watch() -> list[int]:
    return list(Cluster.objects.filter(applied_versions__isnull=False).distinct().values_list("pk", flat=True))


def watch_cluster(pk: int, *, force: bool = False) -> tuple[TaskRun | None, list[str]]:
    """A cluster's servers (EC2 states, heartbeats): the run it started, and the monitors now due."""
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None:
        return None, []
    try:
        return _watch_cluster(cluster, force)
    except Exception as exc:
        logger.exception("monitoring of cluster %s failed", cluster.name)
        state.alert(cluster, f"Monitoring of this cluster failed this round ({type(exc).__name__}: {exc}).", "error")
        return None, []


def _watch_cluster(cluster, force: bool):
    _, config = state.applied(cluster)
    propagation.follow(cluster, config)  # changes AWS still propagates (Route 53: PENDING until INSYNC)
    if not state.is_running(cluster):
        last = state.servers_last_read(cluster)
        if force or last is None or timezone.now() - last > SERVER_REFRESH:
            state.record_server_states(cluster, config, AwsAccount())
        return None, []
    if _busy(cluster):
        return None, []  # one operation at a time: watch again next round
    if lost := health.lost_server(cluster, config):
        server, why = lost
        return recovery.start("server_down", cluster, {"server": server, "state": why}), []
    if back := groups.failback_due(cluster, config):  # Auto Failback: its first server is available again
        group, server = back
        return recovery.start("group_move", cluster, {"group": group, "server": server}), []
    return None, _due_monitors(cluster, config, force)


def _busy(cluster) -> bool:
    return TaskRun.objects.filter(cluster=cluster, status__in=TaskRun.ACTIVE).exists()


def _due_monitors(cluster, config: Config, force: bool) -> list[str]:
    states = state.monitor_states(cluster)
    resources = state.resource_states(cluster)
    now = timezone.now()
    return [m.name for m in config.monitors if _servers_to_watch(config, m, states.get(m.name), resources, now, force)]


def phase_of(cluster: str, monitor: str) -> float:
    """Where in its period a monitor's watches fall, as a fraction of it, fixed by its cluster and name."""
    return zlib.crc32(f"{cluster}/{monitor}".encode()) / 2**32


def _period(interval: float, tick: float) -> float:
    """A monitor's interval in whole rounds: the nearest number of them (the fewer at a tie), at least one."""
    return max(1, math.ceil(interval / tick - 0.5)) * tick


def is_due(*, checked_at: datetime | None, due_at: float | None, now: datetime, interval: float, tick: float) -> bool:
    """Whether a monitor is due in the round at `now` (rounds every `tick`): in the round nearest the instant
    it is due at (`due_at`, from next_due), and never more than half a round after its period since its
    last watch, whatever the rounds' jitter did to that instant."""
    if checked_at is None or due_at is None:
        return True
    late = (now - checked_at).total_seconds() >= _period(interval, tick) - tick / 2
    return late or now.timestamp() >= due_at - tick / 2


def next_due(*, due_at: float | None, watched_at: datetime, interval: float, phase: float, tick: float) -> float:
    """The instant a monitor watched at `watched_at` is next due: a period after the one it was due at.

    A monitor watched off its schedule (its first watch, or one long late: a cluster start, a console back
    after an outage) is next due at its own instant (`phase` of the period, + k periods) instead, so that
    monitors watched together are spread over their interval from then on, each watched once early,
    instead of all coming due in the same round, every interval, and queueing there.
    """
    period, watched = _period(interval, tick), watched_at.timestamp()
    if due_at is not None and abs(watched - due_at) <= period / 2:
        return due_at + period
    base = phase * period
    return base + (math.floor((watched + tick / 2 - base) / period) + 1) * period  # the next after this round


def _servers_to_watch(config: Config, monitor: MonitorConfig, row, resources: dict, now, force: bool) -> list[str]:
    """Where `monitor` is to be watched now: none while suspended, before its interval, or (monitor
    timing active) while its target is not online or has not waited the monitor's wait time to start."""
    if row is not None and row.status == Status.SUSPEND:
        return []
    if (
        not force
        and row is not None
        and not is_due(
            checked_at=row.checked_at,
            due_at=row.details.get("due"),
            now=now,
            interval=monitor.interval,
            tick=settings.WEBUI_TICK_SECONDS,
        )
    ):
        return []
    suspended = state.suspended_on(row, config.server_names) if row is not None else set()
    target = config.resource(monitor.target)
    if target is None:
        return [server for server in config.server_names if server not in suspended]
    online = resources.get(target.name)
    if online is None or online.status != Status.ONLINE or online.server in suspended:
        return []  # Monitor Timing Active: only while the target is online
    if not force and now - online.updated_at < timedelta(seconds=monitor.wait_to_start):
        return []
    return [online.server]


def watch_monitor(
    pk: int, name: str, *, force: bool = False, lease=None, round_start: float | None = None
) -> TaskRun | None:
    """Watch one monitor resource if it is still due; the recovery run it started, if any.

    `lease(seconds)`, when given, is entered for the monitor's timeout (monitors.tasks: a worker's lease
    on it); nothing is watched unless it yields True. `round_start`: when beat started the round (time.time()),
    whose AWS reads the round's monitors share (webui.awsreads)."""
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None or _busy(cluster):
        return None
    _, config = state.applied(cluster)
    monitor = config.monitor(name) if config is not None else None
    if monitor is None:
        return None  # applied away meanwhile
    monitor = recovery.with_ratio(monitor, state.timeout_ratio(cluster).ratio)  # clptoratio: a longer Timeout
    with lease(monitor.timeout) if lease else contextlib.nullcontext(True) as held, awsreads.in_round(round_start):
        return _watch_monitor(cluster, config, monitor, force) if held else None


def _watch_monitor(cluster, config: Config, monitor: MonitorConfig, force: bool) -> TaskRun | None:
    name = monitor.name
    row = state.monitor_state(cluster, name)
    target = config.resource(monitor.target)
    resources = state.resource_states(cluster, [target.name]) if target else {}
    now = timezone.now()
    servers = _servers_to_watch(config, monitor, row, resources, now, force)
    if not servers:
        return None
    due = next_due(
        due_at=row.details.get("due"),
        watched_at=now,
        interval=monitor.interval,
        phase=phase_of(cluster.name, name),
        tick=settings.WEBUI_TICK_SECONDS,
    )
    row.checked_at, row.details = now, {**row.details, "due": due}
    watches = []
    for server in servers:
        try:
            watches.append((server, recovery.watch_on(cluster, monitor, target, server, row)))
        except Exception as exc:  # a monitor that cannot watch says so; it never looks normal
            logger.exception("monitor %s of %s failed", name, cluster.name)
            watches.append((server, Watch("error", "", f"The monitoring itself failed ({type(exc).__name__}: {exc}).")))
    # The monitor's state is the worst of its servers': a normal watch on one server must not clear an error
    # found on another in the same round (nor reset its retries).
    server, watch = min(watches, key=lambda found: SEVERITY.get(found[1].status, 0))
    run = recovery.observe(cluster, config, monitor, row, server, watch)
    if run is not None:
        return run  # saved before its run started: the run owns the row now
    state.save_monitor(row)  # the outcome on all its servers, written once
    return None
