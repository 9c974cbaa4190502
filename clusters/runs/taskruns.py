"""Background work: a TaskRun row per job, dispatched to Celery on commit, logged as it runs.

Delivery: at least once. Tasks are acknowledged late and rejected when their worker is lost, so
Redis redelivers them; `execute` claims a run only while it is pending, so a second delivery does
nothing. A run cannot orphan: its worker renews a lease while it works, and `reap` (on beat, and
before every new run of the cluster) fails a run whose lease ran out ("the worker was lost") or
that no worker took ("no worker took it"), and gives back what it held (monitors an Apply
suspended). A dispatch that cannot reach the broker fails the run at once with that reason.
"""

import logging
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from clusters.models import Cluster, TaskRun, TaskRunLine
from webui import aws
from webui.celery import app
from webui.roles import Role, require_role


class ClusterBusy(Exception):
    """The cluster already has an active run."""


class BadParameter(ValueError):
    """A run was asked for with a parameter it cannot take: `field` names it (params.group), `fix` says what
    would do; `unknown` when it names an object the applied configuration does not have."""

    def __init__(self, field: str, message: str, fix: str = "", *, unknown: bool = False):
        super().__init__(message)
        self.field, self.fix, self.unknown = field, fix, unknown


class MissingParameter(BadParameter):
    """A run was asked for without a parameter it needs."""


class TaskFailed(Exception):
    """A handler's expected failure: the message is shown to the user as is."""


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskKind:
    name: str
    label: str
    role: Role
    handler: Callable[["RunContext"], dict | None]
    # Gives back what a run of this kind held (TaskRun.held) when it ended without doing so itself.
    release: Callable[[TaskRun], None] | None = None
    needs: tuple[str, ...] = ()  # the parameters a run of this kind cannot do without, e.g. ("group",)
    by_engine: bool = False  # started by the cluster engine itself (a lost server, a recovery), not by a user
    takes: tuple[str, ...] = ()  # the parameters it may be given besides, e.g. ("server",)
    values: Mapping[str, type] = field(default_factory=dict)  # parameters that name nothing, and their type


KINDS: dict[str, TaskKind] = {}
# A parameter of one of these names names such an object of the applied configuration.
NAMED = ("group", "resource", "monitor", "server")
# The names of each, by what they name, in a cluster's applied configuration (None: nothing applied). The
# operation layer, which owns the applied version, gives it (names_from); this layer may not import it.
_names_of: Callable[[Cluster], Mapping[str, Sequence[str]] | None] | None = None


def names_from(source: Callable[[Cluster], Mapping[str, Sequence[str]] | None]) -> None:
    """Where run parameters are checked against: the applied configuration's names of each kind of object."""
    global _names_of
    _names_of = source


def task_kind(
    name: str,
    *,
    label: str,
    role: Role,
    release: Callable[[TaskRun], None] | None = None,
    needs: tuple[str, ...] = (),
    takes: tuple[str, ...] = (),
    values: Mapping[str, type] | None = None,
    by_engine: bool = False,
):
    """Register a handler for TaskRuns of kind `name`; starting one needs `role` and the parameters in `needs`,
    and takes those in `takes` and `values` besides. A parameter in `needs` or `takes` is one of NAMED."""
    assert set(needs) | set(takes) <= set(NAMED), f"{name}: a named parameter is one of {NAMED}"

    def register(handler):
        KINDS[name] = TaskKind(name, label, role, handler, release, needs, by_engine, takes, dict(values or {}))
        return handler

    return register


MAX_NAME = 63  # the longest object name clp.conf holds (a server's host name)
SHOWN = 20  # names listed in a refusal's fix at most


def _shown(value) -> str:
    """A value as a refusal quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _plain(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME and value.isprintable() and value == value.strip()


def _use_one_of(names: Sequence[str]) -> str:
    if not names:
        return "There is none: Apply a configuration that has one."
    listed = ", ".join(names[:SHOWN]) + (f", ... ({len(names)} in all)" if len(names) > SHOWN else "")
    return f"Use one of: {listed}."


def checked_params(spec: TaskKind, cluster: Cluster | None, params) -> dict:
    """The run's parameters as its kind declares them, each name one of the applied configuration's objects of
    that kind; BadParameter names the first that is not (nothing is written before this passes)."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadParameter("params", f"{spec.label} takes its parameters as an object, not {_shown(params)}.")
    allowed = (*spec.needs, *spec.takes, *spec.values)
    for key in params:
        if key not in allowed:
            fix = f"Use only: {', '.join(allowed)}." if allowed else "Send no params."
            raise BadParameter(f"params.{str(key)[:40]}", f"{spec.label} takes no parameter {_shown(key)}.", fix)
    given = {k: v for k, v in params.items() if v is not None and v != ""}
    for needed in spec.needs:
        if needed not in given:
            raise MissingParameter(
                f"params.{needed}",
                f"{spec.label} needs the {needed} to act on: give params.{needed}.",
                f"Add {needed} to params.",
            )
    for key, kind in spec.values.items():
        if key in given and not isinstance(given[key], kind):
            raise BadParameter(
                f"params.{key}", f"params.{key} of {spec.label} is a {kind.__name__}, not {_shown(given[key])}."
            )
    named = [k for k in (*spec.needs, *spec.takes) if k in given]
    for key in named:
        if not _plain(given[key]):
            raise BadParameter(
                f"params.{key}",
                f"params.{key} of {spec.label} is one {key} name, not {_shown(given[key])}.",
                f"Give the {key}'s name as a string of 1 to {MAX_NAME} printable characters.",
            )
    if named:
        if cluster is None or _names_of is None:
            raise BadParameter(f"params.{named[0]}", f"{spec.label} names objects of a cluster: give the cluster.")
        names = _names_of(cluster)
        for key in named:
            known = list(names.get(key, ())) if names is not None else []
            if given[key] not in known:
                where = "applied configuration" if names is not None else "applied configuration (there is none yet)"
                raise BadParameter(
                    f"params.{key}",
                    f"Cluster {cluster.name} has no {key} {_shown(given[key])} in its {where}.",
                    _use_one_of(known) if names is not None else "Apply the Configuration File first.",
                    unknown=True,
                )
    return given


class RunContext:
    """What a handler sees: the run, and ways to report progress while it works."""

    def __init__(self, run: TaskRun):
        self.run = run
        self.cluster = run.cluster
        self.params = run.params

    def log(self, message: str, level: str = TaskRunLine.Level.INFO) -> None:
        TaskRunLine.objects.create(run=self.run, message=message, level=level)

    def progress(self, percent: int) -> None:
        percent = max(0, min(100, int(percent)))
        TaskRun.objects.filter(pk=self.run.pk).update(progress=percent)

    def hold(self, key: str, value) -> None:
        """Record (committed at once) something the run must give back, in case its worker dies."""
        self.run.held = {**self.run.held, key: value}
        TaskRun.objects.filter(pk=self.run.pk).update(held=self.run.held)

    def release(self, key: str) -> None:
        self.run.held = {k: v for k, v in self.run.held.items() if k != key}
        TaskRun.objects.filter(pk=self.run.pk).update(held=self.run.held)


def start_run(*, kind: str, user, cluster: Cluster | None = None, params: dict | None = None) -> TaskRun:
    """Create the run row and send it to a worker once the transaction commits."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"Unknown task kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}.")
    require_role(user, spec.role)
    params = checked_params(spec, cluster, params)  # before anything is written
    if cluster is not None:
        reap(cluster=cluster)  # a run orphaned by a lost worker must not lock the cluster
    try:
        with transaction.atomic():
            # A run started from the shell (manage.py) has no saved user to record.
            run = TaskRun.objects.create(
                kind=kind, cluster=cluster, user=user if user.pk else None, params=params or {}
            )
    except IntegrityError:
        active = TaskRun.objects.filter(cluster=cluster, status__in=TaskRun.ACTIVE).first()
        what = f"{KINDS[active.kind].label} (run #{active.pk})" if active else "another run"
        raise ClusterBusy(f"Cluster {cluster} is busy with {what}; wait for it to finish, then try again.") from None
    transaction.on_commit(lambda: dispatch(run.pk))
    return run


def dispatch(run_id: int) -> None:
    """Send the run to a worker; a broker that cannot be reached fails the run now, with the reason."""

    try:  # by name: this module and clusters.tasks must not import each other
        app.send_task(
            "clusters.execute_run",
            args=[run_id],
            retry=True,
            retry_policy=settings.WEBUI_DISPATCH_RETRY,
            ignore_result=True,
        )  # the row is the result: nothing waits on the result store
    except Exception as exc:  # kombu's OperationalError, a refused or timed-out connection...
        logger.warning("run #%s not dispatched: %s", run_id, exc)
        _end(
            run_id,
            f"The broker was unreachable ({type(exc).__name__}: {exc}); the run was not started. "
            "Start Redis or correct REDIS_URL, then Retry.",
        )


def retry(*, run: TaskRun, user) -> TaskRun:
    """Start a run again, as it was asked for (kind, cluster, parameters)."""
    return start_run(kind=run.kind, user=user, cluster=run.cluster, params=run.params)


def _end(run_id: int, error: str) -> bool:
    """Fail an active run with `error` and give back what it held; False if it had ended already."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update().filter(pk=run_id, status__in=TaskRun.ACTIVE).first()
        if run is None:
            return False
        TaskRunLine.objects.create(run=run, message=error, level=TaskRunLine.Level.ERROR)
        kind = KINDS.get(run.kind)
        if run.held and kind and kind.release:
            kind.release(run)
        TaskRun.objects.filter(pk=run.pk).update(
            status=TaskRun.Status.FAILED, error=error, finished_at=timezone.now(), lease_until=None, held={}
        )
    return True


def reap(*, cluster: Cluster | None = None) -> list[int]:
    """Fail the runs whose worker was lost or that no worker took; return their ids."""
    now = timezone.now()
    runs = TaskRun.objects.filter(status__in=TaskRun.ACTIVE)
    if cluster is not None:
        runs = runs.filter(cluster=cluster)
    reaped = []
    # A run from before leases existed (lease_until empty) counts from its start.
    lease = timedelta(seconds=settings.WEBUI_RUN_LEASE_SECONDS)
    lost = runs.filter(status=TaskRun.Status.RUNNING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, started_at__lt=now - lease)
    )
    for run_id, until, started in lost.values_list("pk", "lease_until", "started_at"):
        # Its last sign: the last renewal, which set the lease to end a lease's length later.
        seen = until - lease if until else started
        if _end(
            run_id,
            f"The worker running this run was lost (its last sign was at {seen:%H:%M:%S} UTC, when it last "
            "renewed its lease); what it had started is unknown. Check the status, then Retry.",
        ):
            reaped.append(run_id)
    waited = timedelta(seconds=settings.WEBUI_RUN_PICKUP_TIMEOUT)
    unpicked = runs.filter(status=TaskRun.Status.PENDING, created_at__lt=now - waited)
    for run_id in unpicked.values_list("pk", flat=True):
        if _end(
            run_id,
            f"No worker took this run within {waited.seconds} s; is a Celery worker running? "
            "Start one (make run starts it), then Retry.",
        ):
            reaped.append(run_id)
    return reaped


class _Lease:
    """Renews the run's lease from a thread while the handler works."""

    def __init__(self, run_id: int):
        self.run_id, self.stop = run_id, threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{run_id}", daemon=True)

    def _renew(self):
        try:
            while not self.stop.wait(settings.WEBUI_RUN_LEASE_SECONDS / 3):
                try:
                    TaskRun.objects.filter(pk=self.run_id, status=TaskRun.Status.RUNNING).update(
                        lease_until=_lease_end()
                    )
                except DatabaseError as exc:  # the next renewal tries again; the lease has slack for it
                    logger.warning("run #%s: lease not renewed: %s", self.run_id, exc)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.WEBUI_RUN_LEASE_SECONDS)


def execute(run_id: int) -> None:
    """Run a TaskRun once. Idempotent: a run that is not pending any more is left alone."""
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.PENDING).update(
        status=TaskRun.Status.RUNNING, started_at=timezone.now(), lease_until=_lease_end()
    )
    if not claimed:
        return
    run = TaskRun.objects.select_related("cluster", "user").get(pk=run_id)
    context = RunContext(run)
    status, error, result, trace = TaskRun.Status.FAILED, "", {}, ""
    kind = KINDS[run.kind]
    # The account's AWS budget: what the engine starts for a failure (forced stop, failover) goes first.
    with _Lease(run_id), aws.priority(aws.FAILOVER if kind.by_engine else aws.OPERATION):
        try:
            result = kind.handler(context) or {}
            status = TaskRun.Status.SUCCEEDED
        except TaskFailed as exc:
            error = str(exc)
        except Exception as exc:  # a run must end whatever happens: a fault of ours, kept whole for whoever mends it
            logger.exception("run #%s (%s) ended by an unexpected error", run_id, run.kind)
            status, trace = TaskRun.Status.ERRORED, traceback.format_exc()
            error = f"Unexpected error: {type(exc).__name__}: {exc} (the traceback is kept with the run)"
    if error:
        context.log(error, TaskRunLine.Level.ERROR)
    ended = {
        "status": status,
        "error": error,
        "result": result,
        "finished_at": timezone.now(),
        "lease_until": None,
        "traceback": trace,
    }
    if status == TaskRun.Status.SUCCEEDED:
        ended["progress"] = 100  # a failed run keeps the progress it reached
    # Only a run still ours: one the reaper failed meanwhile stays failed.
    TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.RUNNING).update(**ended)


@task_kind("aws_connection", label="Check the AWS connection", role=Role.OPERATOR)
def check_aws_connection(context: RunContext) -> dict:

    context.log("Connecting to AWS...")
    context.progress(10)
    try:
        result = aws.check_connection(context.log)
    except aws.AWS_ERRORS as exc:
        raise TaskFailed(aws.error_message(exc)) from exc
    context.log("The AWS connection works.")
    return result
