"""The cluster's runtime state, read and written here only: the applied configuration, the states of the
cluster, its servers, cluster services, groups, group resources and monitor resources, the server-health
judgements, and the alert log.

Everything is kept by name (a server, group, resource or monitor of the applied version), never by the
draft's rows, so editing in config mode cannot change what operation mode shows until it is applied.
Statuses are the product's words (clusters.runtime.Status).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from clusters.clpconf import reader
from clusters.configuration.config import Config
from clusters.models import Cluster
from clusters.operation import alertlog, alertservice
from clusters.runs import taskruns
from clusters.runs.taskruns import TaskFailed
from clusters.runtime import Alert, AppliedVersion, ClusterState, ObjectState, Status

Kind = ObjectState.Kind

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


def applied_names(cluster: Cluster) -> dict[str, tuple[str, ...]] | None:
    """The names of the applied configuration's groups, resources, monitors and servers (None: none applied)."""
    _, config = applied(cluster)
    if config is None:
        return None
    return {
        "group": tuple(g.name for g in config.groups),
        "resource": tuple(r.name for r in config.resources),
        "monitor": tuple(m.name for m in config.monitors),
        "server": config.server_names,
    }


taskruns.names_from(applied_names)  # a run's parameters are checked against them before the run exists


def applied_config(cluster: Cluster) -> Config:
    """The applied configuration; a run without one fails, saying what to do."""
    version, config = applied(cluster)
    if version is None:
        raise TaskFailed("The cluster has no applied configuration: Apply the Configuration File first.")
    return config


# --- the cluster ------------------------------------------------------------------------------------


def cluster_status(cluster: Cluster) -> Status:
    """Online (started), Suspend, or Offline (stopped, or never started)."""
    found = ClusterState.objects.filter(cluster=cluster).values_list("status", flat=True).first()
    return Status(found) if found else Status.OFFLINE


def is_running(cluster: Cluster) -> bool:
    """Started and not suspended: monitors are watched and lost servers fail over."""
    return ClusterState.objects.filter(cluster=cluster, status=Status.ONLINE).exists()


def set_cluster_status(cluster: Cluster, status: Status) -> None:
    ClusterState.objects.update_or_create(cluster=cluster, defaults={"status": status})


def switch_cluster_status(cluster: Cluster, *, before: Status, after: Status) -> bool:
    """`after` if the cluster is `before` now (one statement: two runs cannot both switch it)."""
    return bool(ClusterState.objects.filter(cluster=cluster, status=before).update(status=after))


@dataclass(frozen=True)
class TimeoutRatio:
    """clptoratio: monitor resources' timeouts and the heartbeat timeout are multiplied by `ratio` until `until`."""

    ratio: int = 1
    until: datetime | None = None


def timeout_ratio(cluster: Cluster) -> TimeoutRatio:
    """The ratio in force now: 1 when none was set or it has expired (kept in the database: a restart keeps it)."""
    found = ClusterState.objects.filter(cluster=cluster).values_list("toratio", "toratio_until").first()
    if not found or found[0] <= 1 or found[1] is None or found[1] <= timezone.now():
        return TimeoutRatio()
    return TimeoutRatio(found[0], found[1])


def set_timeout_ratio(cluster: Cluster, ratio: int, until: datetime | None) -> None:
    """Set the ratio until `until` (ratio 1 and no time: back to the configured timeouts)."""
    ClusterState.objects.update_or_create(
        cluster=cluster, defaults={"toratio": ratio, "toratio_until": until if ratio > 1 else None}
    )


# --- groups and group resources: the hot path of every move ----------------------------------------
# Building an ORM query cost ~0.2-0.6 ms a statement, more than the console's share of a move allows, so
# these statements are written once here. Only the models' own table names are interpolated; every value
# is a query parameter.
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


def record_state(cluster: Cluster, kind: str, name: str, status: Status, *, server: str = "", message: str = ""):
    """A group's, resource's or cluster service's state: one UPDATE (an INSERT the first time)."""
    message = message[:500]
    with connection.cursor() as cursor:
        cursor.execute(STATE_UPDATE, [status, server, message, _written(timezone.now()), cluster.pk, kind, name])
        updated = cursor.rowcount
    if not updated:
        ObjectState.objects.create(cluster=cluster, kind=kind, name=name, status=status, server=server, message=message)


def read_state(cluster: Cluster, kind: str, name: str) -> tuple[Status, str] | None:
    """(status, server) of a group or resource, or None if it has no state yet."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_READ, [cluster.pk, kind, name])
        found = cursor.fetchone()
    return (Status(found[0]), found[1]) if found else None


def group_server(cluster: Cluster, group: str) -> str:
    """Where the group is, whole or in part (online, pending, or in error there), or "" if it is offline."""
    status, server = read_state(cluster, Kind.GROUP, group) or (Status.OFFLINE, "")
    return "" if status == Status.OFFLINE else server


def groups_on(cluster: Cluster, server: str) -> list[str]:
    """The groups that are on `server`, whole or in part (online, pending, or in error there)."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.GROUP, server=server).exclude(status=Status.OFFLINE)
    return list(rows.values_list("name", flat=True))


def servers_holding_groups(cluster: Cluster) -> set[str]:
    """The servers on which some group is, whole or in part."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.GROUP).exclude(status=Status.OFFLINE)
    return set(rows.exclude(server="").values_list("server", flat=True))


def online_groups(cluster: Cluster) -> dict[str, str]:
    """Every online group -> its server."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.GROUP, status=Status.ONLINE)
    return dict(rows.values_list("name", "server"))


def resource_state(cluster: Cluster, name: str) -> ObjectState | None:
    return ObjectState.objects.filter(cluster=cluster, kind=Kind.RESOURCE, name=name).first()


def resource_states(cluster: Cluster, names: Iterable[str] | None = None) -> dict[str, ObjectState]:
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.RESOURCE)
    if names is not None:
        rows = rows.filter(name__in=list(names))
    return {s.name: s for s in rows}


def resources_online_on(cluster: Cluster, server: str) -> list[str]:
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.RESOURCE, status=Status.ONLINE, server=server)
    return list(rows.values_list("name", flat=True))


def set_change(cluster: Cluster, name: str, change: dict, *, message: str | None = None) -> None:
    """A change the resource made that AWS propagates (a Route 53 change: its ID, label, status, when it was
    submitted); with `message`, what the status shows of the resource now."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.RESOURCE, name=name)
    rows.update(details={"change": change}, **({"message": message[:500]} if message is not None else {}))


def pending_changes(cluster: Cluster) -> dict[str, tuple[dict, ObjectState]]:
    """Every resource whose change AWS still propagates: name -> (the change, its state row)."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.RESOURCE, details__change__status="PENDING")
    return {row.name: (row.details["change"], row) for row in rows}


# --- cluster services and servers -----------------------------------------------------------------


def stopped_services(cluster: Cluster) -> set[str]:
    """Servers whose cluster service is stopped (by an operator or a final action): no group starts there."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVICE, status=Status.OFFLINE)
    return set(rows.values_list("name", flat=True))


def set_service(cluster: Cluster, server: str, *, running: bool, message: str = "") -> None:
    record_state(
        cluster, Kind.SERVICE, server, Status.ONLINE if running else Status.OFFLINE, server=server, message=message
    )


SERVER_STATES = {"running": Status.ONLINE, "pending": Status.ONLINE}  # any other EC2 state is Offline


def record_server_states(cluster: Cluster, config: Config, account) -> None:
    """Each server's EC2 instance state, for the status page (which never calls AWS itself), every round of
    every running cluster: the cluster's server rows read once; when no state changed (nearly every round),
    one UPDATE of when they were read; the rows that changed in one more statement."""
    now = timezone.now()
    rows = {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER)}
    new, changed, same = [], [], []
    reporting = [r for r in config.resources if r.spec.has_facts]  # the EIP's address, the NLB target's health
    for server in config.server_names:  # a row of a server no longer configured is left as it was
        instance = config.instance_of(server, account)
        if instance is not None:
            state = instance["State"]["Name"]
            details = {
                "az": instance.get("Placement", {}).get("AvailabilityZone", ""),
                "subnet": instance.get("SubnetId", ""),
                "ip": instance.get("PrivateIpAddress", ""),
                "instance": instance["InstanceId"],
                "facts": {
                    k: v for r in reporting for k, v in r.spec.server_facts(r, server, instance, account).items()
                },
            }
            values = {"status": SERVER_STATES.get(state, Status.OFFLINE), "message": state, "details": details}
        else:
            values = {
                "status": Status.UNKNOWN,
                "message": "unknown" if not account.errors else account.errors[-1][:500],
            }
        row = rows.get(server)
        if row is None:
            new.append(ObjectState(cluster=cluster, kind=Kind.SERVER, name=server, checked_at=now, **values))
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


def _facts(resources, server: str, instance: dict, account) -> dict[str, str]:
    return {k: v for r in resources for k, v in r.spec.server_facts(r, server, instance, account).items()}


def servers_last_read(cluster: Cluster) -> datetime | None:
    """When the engine last read the servers' EC2 states."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER).order_by("-checked_at")
    return rows.values_list("checked_at", flat=True).first()


def lost_servers(cluster: Cluster) -> set[str]:
    """Servers the cluster cannot use now: the instance is not running, the server-health judgement found it
    lost (a standby whose heartbeat stopped), or it is under a dummy failure."""
    down = ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER).filter(
        Q(status=Status.OFFLINE) | Q(dummy_failure=True)
    )
    lost = {name for name in down.values_list("name", flat=True)}
    judged = ObjectState.objects.filter(cluster=cluster, kind=Kind.HEALTH, status=Status.ERROR)
    return lost | {name.removeprefix("standby ") for name in judged.values_list("name", flat=True)}


def servers_under_dummy_failure(cluster: Cluster) -> set[str]:
    """Servers given a dummy failure (the RESTful API's servers/NAME/dummy-failure): they look failed to the
    cluster, as a lost server does, until it is stopped."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER, dummy_failure=True)
    return set(rows.values_list("name", flat=True))


def set_server_dummy_failure(cluster: Cluster, server: str, *, on: bool) -> bool:
    """Start or stop a server's dummy failure; whether it changed anything."""
    changed = ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER, name=server).exclude(dummy_failure=on)
    if changed.update(dummy_failure=on):
        return True
    if on and not ObjectState.objects.filter(cluster=cluster, kind=Kind.SERVER, name=server).exists():
        ObjectState.objects.create(
            cluster=cluster, kind=Kind.SERVER, name=server, status=Status.UNKNOWN, message="unknown", dummy_failure=True
        )
        return True
    return False


# --- server-health judgements ------------------------------------------------------------------------


def health_judgements(cluster: Cluster) -> dict[str, ObjectState]:
    """The cluster's server-health judgements by source ("instances", "heartbeat", "standby SERVER")."""
    return {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=Kind.HEALTH)}


def set_judgement(cluster: Cluster, source: str, status: Status, message: str) -> ObjectState:
    state, _ = ObjectState.objects.update_or_create(
        cluster=cluster, kind=Kind.HEALTH, name=source, defaults={"status": status, "message": message[:500]}
    )
    return state


# --- Check AWS's findings as the drift watch last saw them -----------------------------------------------------
BASELINE = "@baseline"  # the row that says which applied version the findings were taken against
FINDING_STATUS = {"error": Status.ERROR, "warning": Status.CAUTION}  # info: Normal


def watched_findings(cluster: Cluster) -> tuple[int | None, dict[str, dict]]:
    """(the applied version's number they were taken against, or None; {key: finding as Problem.as_dict()})."""
    version, found = None, {}
    for row in ObjectState.objects.filter(cluster=cluster, kind=Kind.FINDING):
        if row.name == BASELINE:
            version = row.details.get("version")
        else:
            found[row.details["key"]] = row.details["finding"]
    return version, found


def set_watched_findings(
    cluster: Cluster, *, version: int, findings: dict[str, dict], if_version: int | None = None
) -> bool:
    """The findings now, taken against applied version `version`; with `if_version`, only if they were still
    taken against that one (an Apply meanwhile made its own baseline): whether they were written."""
    rows = [ObjectState(cluster=cluster, kind=Kind.FINDING, name=BASELINE, details={"version": version})]
    rows += [
        ObjectState(
            cluster=cluster,
            kind=Kind.FINDING,
            name=hashlib.sha256(key.encode()).hexdigest()[:31],
            status=FINDING_STATUS.get(finding.get("severity"), Status.NORMAL),
            server=finding.get("server", "")[:63],
            message=finding.get("message", "")[:500],
            details={"key": key, "finding": finding},
        )
        for key, finding in findings.items()
    ]
    with transaction.atomic():
        kept = ObjectState.objects.select_for_update().filter(cluster=cluster, kind=Kind.FINDING)
        base = kept.filter(name=BASELINE).first()
        if if_version is not None and (base.details.get("version") if base else None) != if_version:
            return False
        kept.delete()
        ObjectState.objects.bulk_create(rows)
    return True


# --- monitor resources ----------------------------------------------------------------------------------


def monitor_states(cluster: Cluster) -> dict[str, ObjectState]:
    return {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=Kind.MONITOR)}


def monitor_state(cluster: Cluster, name: str, *, lock: bool = False) -> ObjectState:
    """The monitor's state row (a new, unsaved Normal one if it was never watched); with `lock`, held until the
    transaction ends."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.MONITOR, name=name)
    found = (rows.select_for_update() if lock else rows).first()
    return found or ObjectState(cluster=cluster, kind=Kind.MONITOR, name=name, status=Status.NORMAL)


def save_monitor(state: ObjectState) -> None:
    state.save()


def suspend_monitors(cluster: Cluster) -> list[int]:
    """Suspend every monitor that is not suspended; the ids of those, to resume them."""
    rows = ObjectState.objects.filter(cluster=cluster, kind=Kind.MONITOR).exclude(status=Status.SUSPEND)
    ids = list(rows.values_list("pk", flat=True))
    ObjectState.objects.filter(pk__in=ids).update(status=Status.SUSPEND)
    return ids


def resume_monitors(ids: Iterable[int]) -> None:
    ObjectState.objects.filter(pk__in=list(ids)).update(status=Status.NORMAL, failures=0)


# A monitor is suspended, or given a dummy failure, on every server or on some (the product's target server):
# the row's status (Suspend) and dummy_failure say so for every server; details["suspended_on"] and
# details["dummy_on"] name some.


def suspended_on(row: ObjectState, servers: Iterable[str]) -> set[str]:
    """The servers of `servers` where the monitor is suspended."""
    if row.status == Status.SUSPEND:
        return set(servers)
    return set(row.details.get("suspended_on", ())) & set(servers)


def dummy_failure_on(row: ObjectState, servers: Iterable[str]) -> set[str]:
    """The servers of `servers` where the monitor has a dummy failure."""
    if not row.dummy_failure:
        return set()
    named = row.details.get("dummy_on")
    return set(servers) & set(named) if named else set(servers)


def set_suspended_on(row: ObjectState, names: set[str], servers: Iterable[str]) -> None:
    """Suspend the monitor (on the row, saved by the caller) on `names`, of all its `servers`, only."""
    details = {k: v for k, v in row.details.items() if k != "suspended_on"}
    if names >= set(servers):
        row.status = Status.SUSPEND
    else:
        if row.status == Status.SUSPEND:
            row.status, row.failures = Status.NORMAL, 0
        if names:
            details["suspended_on"] = sorted(names)
    row.details = details


def set_dummy_failure_on(row: ObjectState, names: set[str], servers: Iterable[str]) -> None:
    """Give the monitor (on the row, saved by the caller) a dummy failure on `names`, of all its `servers`, only."""
    details = {k: v for k, v in row.details.items() if k != "dummy_on"}
    row.dummy_failure = bool(names)
    if names and not names >= set(servers):
        details["dummy_on"] = sorted(names)
    row.details = details


# --- what operation mode shows ----------------------------------------------------------------------


def states_of(cluster: Cluster, *, needing_attention: tuple[str, ...] = (), attention: Iterable = ()) -> dict:
    """Every state row by (kind, name); with `needing_attention` (kinds), only those kinds' rows in an
    `attention` status or under a dummy failure."""
    from django.db.models import Q

    rows = ObjectState.objects.filter(cluster=cluster)
    if needing_attention:
        rows = rows.filter(~Q(kind__in=needing_attention) | Q(status__in=list(attention)) | Q(dummy_failure=True))
    return {(s.kind, s.name): s for s in rows}


def status_counts(cluster: Cluster, kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """(kind, status) of every row of `kinds`: one small tuple a row."""
    return list(ObjectState.objects.filter(cluster=cluster, kind__in=kinds).values_list("kind", "status"))


def states_of_kind(cluster: Cluster, kind: str) -> dict[str, ObjectState]:
    return {s.name: s for s in ObjectState.objects.filter(cluster=cluster, kind=kind)}


def recent_alerts(cluster: Cluster, count: int) -> list[Alert]:
    return list(Alert.objects.filter(cluster=cluster)[:count])


def at_a_glance() -> list[Cluster]:
    """Every cluster with its trouble counted (a fixed number of queries), the ones in trouble first."""

    def count(kind: str, *statuses: Status) -> Count:
        matching = Q(object_states__kind=kind, object_states__status__in=statuses)
        return Count("object_states", filter=matching, distinct=True)

    clusters = Cluster.objects.select_related("state").annotate(
        applied=Exists(AppliedVersion.objects.filter(cluster=OuterRef("pk"))),
        groups_online=count("group", Status.ONLINE),
        groups_error=count("group", Status.ERROR),
        resources_error=count("resource", Status.ONLINE_FAILURE, Status.OFFLINE_FAILURE),
        monitors_error=count("monitor", Status.ERROR),
        warnings=count("health", Status.CAUTION, Status.ERROR),
        services_stopped=count("service", Status.OFFLINE),
    )
    for cluster in clusters:
        cluster.trouble = cluster.groups_error + cluster.resources_error + cluster.monitors_error + cluster.warnings
        cluster_state = getattr(cluster, "state", None)
        if not cluster.applied:
            cluster.status_label = "Not applied"
        else:
            cluster.status_label = cluster_state.get_status_display() if cluster_state else Status.OFFLINE.label
    return sorted(clusters, key=lambda c: (-c.trouble, c.name))


# --- the alert log ------------------------------------------------------------------------------------------


def alert(cluster: Cluster, message: str, level: str = "info", server: str = "", about: tuple = ()) -> Alert:
    """An alert-log row, in the product's words, routed to the Alert Service's destinations; `about` (kind, name)
    names its object where the words do not begin with it (a recovery: the monitor that started it)."""
    kind, name = about or alertlog.subject(message)
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
    return created
