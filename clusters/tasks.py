from celery import shared_task

from . import taskruns


@shared_task(name="clusters.execute_run")
def execute_run(run_id: int) -> None:
    taskruns.execute(run_id)


@shared_task(name="clusters.reap_runs")
def reap_runs() -> None:
    taskruns.reap()
