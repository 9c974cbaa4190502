"""Alert Service: alerts that reach people. Each alert that a destination's rule wants is delivered on a
worker (an SNS publish, an e-mail through Django's mail, or a JSON POST that chat tools take), retried,
and a delivery that still fails is itself an alert in the log (one that is not sent on).

A destination's target is checked when it is saved and again when it is used: one e-mail address, an SNS
topic's ARN, or a webhook that clusters.operation.webhook may reach. The alert log and everything that shows
a destination show it masked (AlertDestination.shown_target); what a target answered goes to the worker's log
and, for a Test, to the person who pressed it, never to the alert log that every Viewer reads.
"""

import json
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction

from clusters.runtime import Alert, AlertDestination
from webui import aws
from webui.celery import app
from webui.roles import Role, require_role

from . import webhook

logger = logging.getLogger(__name__)
Refused = webhook.Refused  # a target that may not be used: retrying does not help

# arn:PARTITION:sns:REGION:ACCOUNT:TOPIC, as SNS names a topic (a FIFO topic ends in .fifo).
SNS_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
)


def validate_target(kind: str, target: str) -> None:
    """A destination's target that cannot work, or may not be reached, is refused, naming the fix."""
    if kind == AlertDestination.Kind.SNS and not SNS_ARN.fullmatch(target):
        raise ValidationError(
            "An SNS topic ARN looks like arn:aws:sns:REGION:ACCOUNT:TOPIC (a Region such as ap-northeast-1, a "
            "12-digit account, the topic's name)."
        )
    if kind == AlertDestination.Kind.EMAIL:
        one = target.count("@") == 1 and not any(c in target for c in ",;<>\"'") and target.isprintable()
        try:
            EmailValidator()(target)
        except ValidationError:
            one = False
        if not one or any(c.isspace() for c in target):
            raise ValidationError("Enter one e-mail address, e.g. ops@example.com (a list needs one destination each).")
    if kind == AlertDestination.Kind.WEBHOOK:
        try:
            webhook.resolve(target)
        except Refused as exc:
            raise ValidationError(str(exc)) from None


DESTINATIONS = f"SELECT * FROM {AlertDestination._meta.db_table} WHERE cluster_id = %s"  # noqa: S608


def route(alert: Alert) -> None:
    """Queue the alert for each destination whose rule wants it, once the alert is committed."""
    if not alert.notify:
        return
    # Raw: on every alert of a group move, building the ORM query cost three times the query itself.
    destinations = AlertDestination.objects.raw(DESTINATIONS, [alert.cluster_id])
    wanted = [d.pk for d in destinations if d.wants(alert)]
    if wanted:
        transaction.on_commit(lambda: _queue(alert.pk, wanted))


def _queue(alert_id: int, destinations: list[int]) -> None:
    for at, destination_id in enumerate(destinations):
        try:
            app.send_task(
                "clusters.deliver_alert",
                args=[alert_id, destination_id],
                ignore_result=True,
                retry=True,
                retry_policy=settings.WEBUI_DISPATCH_RETRY,
            )
        except Exception as exc:  # the broker is down: the operation goes on; the log says what was not sent
            logger.warning("alert %s not queued for destinations %s: %s", alert_id, destinations[at:], exc)
            for missed in destinations[at:]:  # one wait on a broker that does not answer is enough
                _failed(AlertDestination.objects.filter(pk=missed).first(), "the broker was unreachable")
            return


def deliver(alert: Alert, destination: AlertDestination) -> None:
    """Send one alert to one destination within WEBUI_ALERT_TIMEOUT; raises what went wrong (Refused: a target
    that may not be used, which no retry mends)."""
    try:
        validate_target(destination.kind, destination.target)  # what was saved may not be reachable any more
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages)) from None
    cluster = alert.cluster.name
    subject = f"[{cluster}] {alert.get_level_display()}: {alert.message}"[:100]
    body = (
        f"Cluster: {cluster}\nLevel: {alert.get_level_display()}\nServer: {alert.server or '-'}\n"
        f"Object: {alert.object_name or '-'}\nTime: {alert.at.isoformat()}\n\n{alert.message}\n"
    )
    timeout = settings.WEBUI_ALERT_TIMEOUT
    if destination.kind == AlertDestination.Kind.SNS:
        with aws.bounded(timeout):
            aws.client("sns").publish(TopicArn=destination.target, Subject=subject.replace("\n", " "), Message=body)
    elif destination.kind == AlertDestination.Kind.EMAIL:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [destination.target], fail_silently=False)
    else:
        payload = {
            "text": subject,
            "cluster": cluster,
            "level": alert.level,
            "server": alert.server,
            "object": alert.object_name,
            "message": alert.message,
            "at": alert.at.isoformat(),
        }
        webhook.post_json(destination.target, json.dumps(payload).encode(), timeout=timeout)


NOT_DELIVERED = re.compile(r" \((\d+) alerts? not delivered\)\.$")


def _lines_about(destination: AlertDestination):
    prefix = f"Alert Service: delivery to {destination} "
    return Alert.objects.filter(cluster_id=destination.cluster_id, notify=False, message__startswith=prefix)


def _failed(destination: AlertDestination | None, reason: str = "") -> None:
    """A failing destination has one error line in the log, kept up to date (how many alerts it missed), rather
    than a line per alert; after it works again, the next failure is a new line. `reason` is ours to tell (the
    broker was unreachable), never what the target answered: every Viewer reads the log."""
    if destination is None:
        return
    latest = _lines_about(destination).order_by("-id").first()
    head = f"Alert Service: delivery to {destination} failed{f' ({reason})' if reason else ''}"
    if latest is not None and " failed" in latest.message:
        found = NOT_DELIVERED.search(latest.message)
        missed = (int(found.group(1)) if found else 1) + 1
        latest.message = f"{head[:960]} ({missed} alerts not delivered)."
        latest.save(update_fields=["message"])
        return
    Alert.objects.create(
        cluster_id=destination.cluster_id, level=Alert.Level.ERROR, notify=False, message=f"{head[:998]}."
    )


def delivered(destination: AlertDestination) -> None:
    """A delivery went through: if the destination was failing, the log says it works again."""
    latest = _lines_about(destination).order_by("-id").first()
    if latest is not None and " failed" in latest.message:
        message = f"Alert Service: delivery to {destination} works again."
        Alert.objects.create(cluster_id=destination.cluster_id, notify=False, message=message[:1000])


def record_failure(alert_id: int, destination_id: int, exc: Exception) -> None:
    """The last try failed: the alert log says so, and only the worker's log says what the target answered."""
    logger.warning("alert %s: delivery to destination %s failed: %s: %s", alert_id, destination_id, type(exc), exc)
    _failed(AlertDestination.objects.filter(pk=destination_id).first())


def detail(exc: Exception) -> str:
    """What went wrong, for the person who pressed Test."""
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, aws.AWS_ERRORS):
        return aws.error_message(exc)
    return f"{type(exc).__name__}: {exc}"


def send_test(*, user, destination: AlertDestination) -> tuple[bool, str]:
    """The test button: a test alert delivered now to this destination only. Returns whether it was delivered
    and, if not, why (for the person who pressed it; the alert log says only that it failed)."""
    require_role(user, Role.OPERATOR)
    alert = Alert.objects.create(
        cluster_id=destination.cluster_id,
        level=Alert.Level.INFO,
        notify=False,
        message=f"Alert Service test to {destination}, sent by {user.get_username()}.",
    )
    try:
        deliver(alert, destination)
    except Exception as exc:  # any failure of the target's is the answer to the Test, not an error of ours
        logger.info("Alert Service test to destination %s failed: %s", destination.pk, exc)
        _failed(destination)
        return False, detail(exc)
    delivered(destination)
    return True, ""
