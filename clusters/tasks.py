from celery import shared_task
from django.conf import settings

from clusters.node import agent
from clusters.operation import alertservice, drills
from clusters.runs import taskruns
from webui import nodes

from .runtime import Alert, AlertDestination


@shared_task(name="clusters.execute_run")
def execute_run(run_id: int) -> None:
    taskruns.execute(run_id)


@shared_task(name="clusters.reap_runs")
def reap_runs() -> None:
    taskruns.reap()


@shared_task(name="clusters.start_due_drills", ignore_result=True)
def start_due_drills() -> None:
    """Failover drills whose scheduled window is open (beat, every minute)."""
    drills.start_due()


@shared_task(name="clusters.deliver_alert", bind=True, max_retries=3, ignore_result=True)
def deliver_alert(self, alert_id: int, destination_id: int) -> None:
    """One alert to one destination; retried with back-off (a target that may not be reached is not), then the
    failure is an alert itself."""
    alert = Alert.objects.select_related("cluster").filter(pk=alert_id).first()
    destination = AlertDestination.objects.filter(pk=destination_id).first()
    if alert is None or destination is None:
        return  # removed meanwhile: nothing to send
    try:
        alertservice.deliver(alert, destination)
    except Exception as exc:
        if self.request.retries < self.max_retries and not isinstance(exc, alertservice.Refused):
            raise self.retry(exc=exc, countdown=settings.WEBUI_ALERT_RETRY_SECONDS * 2**self.request.retries) from exc
        alertservice.record_failure(alert_id, destination_id, exc)
        return
    alertservice.delivered(destination)


@shared_task(name=nodes.RUN_TASK, ignore_result=False)
def node_run(payload: dict) -> dict:
    """Node-local work on a server's agent (only agents consume their server's queue)."""
    return agent.perform(payload)
