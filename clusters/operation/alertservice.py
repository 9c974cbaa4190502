"""Alert Service: alerts that reach people. Each alert that a destination's rule wants is delivered on a
worker (an SNS publish, an e-mail through Django's mail, or a JSON POST that chat tools take), retried,
and a delivery that still fails is itself an alert in the log (one that is not sent on)."""

import json
import logging
import re
import urllib.request
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction

from clusters.runtime import Alert, AlertDestination
from webui import aws
from webui.celery import app
from webui.roles import Role, require_role

logger = logging.getLogger(__name__)
DELIVERY_TIMEOUT = 10  # seconds for an SMTP server or a webhook to answer


def validate_target(kind: str, target: str) -> None:
    """A destination's target that cannot work is refused when it is saved, naming the fix."""
    if kind == AlertDestination.Kind.SNS and not (target.startswith("arn:aws:sns:") and target.count(":") >= 5):
        raise ValidationError("An SNS topic ARN looks like arn:aws:sns:REGION:ACCOUNT:TOPIC.")
    if kind == AlertDestination.Kind.EMAIL and ("@" not in target or " " in target):
        raise ValidationError("Enter one e-mail address, e.g. ops@example.com.")
    if kind == AlertDestination.Kind.WEBHOOK and (
        urlparse(target).scheme not in ("http", "https") or not urlparse(target).netloc
    ):
        raise ValidationError("Enter the webhook's http:// or https:// URL.")


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

    for destination_id in destinations:
        try:
            app.send_task(
                "clusters.deliver_alert",
                args=[alert_id, destination_id],
                ignore_result=True,
                retry=True,
                retry_policy=settings.WEBUI_DISPATCH_RETRY,
            )
        except Exception as exc:  # the broker is down: the operation goes on; the log says what was not sent
            logger.warning("alert %s not queued for destination %s: %s", alert_id, destination_id, exc)
            _failed(AlertDestination.objects.filter(pk=destination_id).first(), f"the broker was unreachable ({exc})")


def deliver(alert: Alert, destination: AlertDestination) -> None:
    """Send one alert to one destination; raises what went wrong (the task retries, then records it)."""
    cluster = alert.cluster.name
    subject = f"[{cluster}] {alert.get_level_display()}: {alert.message}"[:100]
    body = (
        f"Cluster: {cluster}\nLevel: {alert.get_level_display()}\nServer: {alert.server or '-'}\n"
        f"Object: {alert.object_name or '-'}\nTime: {alert.at.isoformat()}\n\n{alert.message}\n"
    )
    if destination.kind == AlertDestination.Kind.SNS:
        aws.client("sns").publish(TopicArn=destination.target, Subject=subject.replace("\n", " "), Message=body)
    elif destination.kind == AlertDestination.Kind.EMAIL:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [destination.target], fail_silently=False)
    else:
        payload = {
            "text": f"{subject}",
            "cluster": cluster,
            "level": alert.level,
            "server": alert.server,
            "object": alert.object_name,
            "message": alert.message,
            "at": alert.at.isoformat(),
        }
        validate_target(destination.kind, destination.target)  # http(s) only, never file: or other schemes
        request = urllib.request.Request(  # noqa: S310
            destination.target,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT) as response:  # noqa: S310
            if response.status >= 300:
                raise OSError(f"the webhook answered HTTP {response.status}")


NOT_DELIVERED = re.compile(r" \((\d+) alerts? not delivered\)$")


def _lines_about(destination: AlertDestination):
    prefix = f"Alert Service: delivery to {destination} "
    return Alert.objects.filter(cluster_id=destination.cluster_id, notify=False, message__startswith=prefix)


def _failed(destination: AlertDestination | None, reason: str) -> None:
    """A failing destination has one error line in the log, kept up to date (its last reason, how many alerts
    it missed), rather than a line per alert; after it works again, the next failure is a new line."""
    if destination is None:
        return
    latest = _lines_about(destination).order_by("-id").first()
    head = f"Alert Service: delivery to {destination} failed: {reason}"
    if latest is not None and " failed: " in latest.message:
        found = NOT_DELIVERED.search(latest.message)
        missed = (int(found.group(1)) if found else 1) + 1
        latest.message = f"{head[:960]} ({missed} alerts not delivered)"
        latest.save(update_fields=["message"])
        return
    Alert.objects.create(cluster_id=destination.cluster_id, level=Alert.Level.ERROR, notify=False, message=head[:1000])


def delivered(destination: AlertDestination) -> None:
    """A delivery went through: if the destination was failing, the log says it works again."""
    latest = _lines_about(destination).order_by("-id").first()
    if latest is not None and " failed: " in latest.message:
        message = f"Alert Service: delivery to {destination} works again."
        Alert.objects.create(cluster_id=destination.cluster_id, notify=False, message=message[:1000])


def record_failure(alert_id: int, destination_id: int, exc: Exception) -> None:
    _failed(AlertDestination.objects.filter(pk=destination_id).first(), f"{type(exc).__name__}: {exc}")


def send_test(*, user, destination: AlertDestination) -> tuple[Alert, str]:
    """The test button: a test alert, logged and sent to this destination only, at once, so that whoever pressed
    Test learns there and then whether it arrived; (the alert, what went wrong or "")."""

    require_role(user, Role.OPERATOR)
    message = f"Alert Service test to {destination}, sent by {user.get_username()}."
    alert = Alert.objects.create(
        cluster_id=destination.cluster_id, level=Alert.Level.INFO, notify=False, message=message
    )
    alert.cluster = destination.cluster
    try:
        deliver(alert, destination)
    except Exception as exc:  # any failure of the destination is what the test is for
        reason = f"{type(exc).__name__}: {exc}"
        _failed(destination, reason)
        return alert, reason
    delivered(destination)
    return alert, ""
