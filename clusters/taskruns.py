"""Background work: a TaskRun row per job, dispatched to Celery on commit, logged as it runs."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from webui.roles import Role, require_role

from .models import Cluster, TaskRun, TaskRunLine


class ClusterBusy(Exception):
    """The cluster already has an active run."""


class TaskFailed(Exception):
    """A handler's expected failure: the message is shown to the user as is."""


@dataclass(frozen=True)
class TaskKind:
    name: str
    label: str
    role: Role
    handler: Callable[["RunContext"], dict | None]


KINDS: dict[str, TaskKind] = {}


def task_kind(name: str, *, label: str, role: Role):
    """Register a handler for TaskRuns of kind `name`; starting one needs `role`."""

    def register(handler):
        KINDS[name] = TaskKind(name, label, role, handler)
        return handler

    return register


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


def start_run(*, kind: str, user, cluster: Cluster | None = None, params: dict | None = None) -> TaskRun:
    """Create the run row and send it to a worker once the transaction commits."""
    from .tasks import execute_run

    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"Unknown task kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}.")
    require_role(user, spec.role)
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
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run


def execute(run_id: int) -> None:
    """Run a TaskRun once. Idempotent: a run that is not pending any more is left alone."""
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.PENDING).update(
        status=TaskRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    run = TaskRun.objects.select_related("cluster", "user").get(pk=run_id)
    context = RunContext(run)
    status, error, result = TaskRun.Status.FAILED, "", {}
    try:
        result = KINDS[run.kind].handler(context) or {}
        status = TaskRun.Status.SUCCEEDED
    except TaskFailed as exc:
        error = str(exc)
    except Exception as exc:  # a run must end whatever happens; the message says what
        error = f"Unexpected error: {type(exc).__name__}: {exc}"
    if error:
        context.log(error, TaskRunLine.Level.ERROR)
    ended = {"status": status, "error": error, "result": result, "finished_at": timezone.now()}
    if status == TaskRun.Status.SUCCEEDED:
        ended["progress"] = 100  # a failed run keeps the progress it reached
    TaskRun.objects.filter(pk=run_id).update(**ended)


@task_kind("aws_connection", label="Check the AWS connection", role=Role.OPERATOR)
def check_aws_connection(context: RunContext) -> dict:
    from webui import aws

    context.log("Connecting to AWS...")
    context.progress(10)
    try:
        result = aws.check_connection(context.log)
    except aws.AWS_ERRORS as exc:
        raise TaskFailed(aws.error_message(exc)) from exc
    context.log("The AWS connection works.")
    return result
