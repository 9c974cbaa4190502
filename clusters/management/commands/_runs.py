"""What the operation commands share: find the cluster, start a run as the buttons do, wait for it."""

import time

from django.core.management.base import BaseCommand, CommandError

from clusters.models import Cluster, TaskRun
from clusters.runs import taskruns
from webui.roles import acting_user


class ProductCommand(BaseCommand):
    """A command in the product's own words, where -h names a server (--help still shows the help)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, add_help=False, **kwargs)
        parser.add_argument("--help", action="help", help="show this help message and exit")
        return parser


def cluster_named(name: str) -> Cluster:
    try:
        return Cluster.objects.get(name=name)
    except Cluster.DoesNotExist:
        raise CommandError(f"There is no cluster named {name}.") from None


def run_and_wait(command, *, kind: str, cluster: Cluster, params: dict | None = None, timeout: float = 300) -> TaskRun:
    """Start the run on a worker, print its log lines as they come, and fail with its reason."""
    user = acting_user("manage.py")
    try:
        run = taskruns.start_run(kind=kind, user=user, cluster=cluster, params=params)
    except taskruns.ClusterBusy as exc:
        raise CommandError(str(exc)) from None
    except taskruns.BadParameter as exc:
        raise CommandError(f"{exc} {exc.fix}".strip()) from None
    shown, started, warned = 0, time.monotonic(), False
    while True:
        run.refresh_from_db()
        for line in run.lines.all()[shown:]:
            command.stdout.write(line.message)
            shown += 1
        if not run.is_active:
            break
        if run.status == TaskRun.Status.PENDING and time.monotonic() - started > 10 and not warned:
            command.stderr.write("No Celery worker has taken the run yet: is `make run` (or a worker) running?")
            warned = True
        if time.monotonic() - started > timeout:
            raise CommandError(f"Run #{run.pk} did not end within {timeout:.0f} s; see its page.")
        time.sleep(0.3)
    if run.status in (TaskRun.Status.FAILED, TaskRun.Status.ERRORED):
        raise CommandError(run.error)
    return run
