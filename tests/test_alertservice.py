"""Alert Service: alerts reach people through moto's SNS (read back from an SQS subscription), a local
SMTP server and a local HTTP receiver; a delivery that keeps failing becomes an alert itself."""

import json
import socketserver
import threading

import pytest
from django.urls import reverse

from clusters.operation import alertservice
from clusters.operation.state import alert
from clusters.runtime import Alert, AlertDestination
from tests.factories import ClusterFactory
from tests.guide import sim_client


class SmtpReceiver(socketserver.ThreadingTCPServer):
    """A minimal SMTP server on loopback: it keeps each message's envelope and data."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages: list[dict] = []
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            envelope = {"to": [], "data": ""}
            self.wfile.write(b"220 localhost ready\r\n")
            while line := self.rfile.readline():
                command = line.decode().strip()
                verb = command.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250 localhost\r\n")
                elif verb == "MAIL":
                    envelope["from"] = command
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "RCPT":
                    envelope["to"].append(command.split(":", 1)[1].strip(" <>"))
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "DATA":
                    self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    data = []
                    while (part := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(part.decode())
                    envelope["data"] = "".join(data)
                    self.server.messages.append(dict(envelope))
                    self.wfile.write(b"250 OK\r\n")
                elif verb == "QUIT":
                    self.wfile.write(b"221 Bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp(settings):
    server = SmtpReceiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.server_address[1], "timeout": 5},
        }
    }
    yield server
    server.shutdown()


def delivered(alert_obj: Alert) -> None:
    """What the worker does for each destination the alert's rules name."""
    for destination in AlertDestination.objects.filter(cluster=alert_obj.cluster):
        if destination.wants(alert_obj):
            alertservice.deliver(alert_obj, destination)


def test_alerts_reach_sns_email_and_a_webhook_by_their_rules(users, aws_endpoint, smtp, webhook_receiver):
    cluster = ClusterFactory(name="cluster1")
    sns, sqs = sim_client(aws_endpoint, "sns"), sim_client(aws_endpoint, "sqs")
    topic = sns.create_topic(Name="cluster-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="cluster-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    url, posted = webhook_receiver
    AlertDestination.objects.create(cluster=cluster, kind="sns", target=topic, min_level="error")
    AlertDestination.objects.create(cluster=cluster, kind="email", target="ops@example.com", min_level="warning")
    AlertDestination.objects.create(cluster=cluster, kind="webhook", target=url, min_level="info", about="failover1")

    alert(cluster, "Group failover1 started on server1.", server="server1")  # info: the webhook only
    alert(cluster, "Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)", "error", "server1")
    for each in Alert.objects.filter(cluster=cluster).order_by("id"):
        delivered(each)

    assert [p["message"] for p in posted] == ["Group failover1 started on server1."]  # about failover1 only
    assert posted[0]["text"].startswith("[cluster1] Info:") and posted[0]["object"] == "failover1"
    assert [m["to"] for m in smtp.messages] == [["ops@example.com"]]  # the error only (from warning up)
    assert "Monitor awsvipw1 detected an error." in smtp.messages[0]["data"]
    notes = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(notes) == 1 and "The routing for VIP was changed." in json.loads(notes[0]["Body"])["Message"]


@pytest.mark.database  # the destinations' raw SELECT
def test_a_delivery_that_keeps_failing_is_an_alert_that_is_not_sent_on(users, settings):
    from clusters.tasks import deliver_alert

    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = ["127.0.0.1/32"]  # a chat server on the console's host, listed
    cluster = ClusterFactory(name="cluster1")
    broken = AlertDestination.objects.create(cluster=cluster, kind="webhook", target="http://127.0.0.1:9/nowhere/T0KEN")
    alert(cluster, "Group failover1 started on server1.")
    original = Alert.objects.get(cluster=cluster)
    with pytest.raises(ConnectionRefusedError):
        alertservice.deliver(original, broken)
    alertservice.record_failure(original.pk, broken.pk, ConnectionRefusedError("Connection refused"))
    failure = Alert.objects.filter(cluster=cluster, level="error").get()
    # Which ports answer is not for the alert log that every Viewer reads: only that the delivery failed.
    assert failure.message == "Alert Service: delivery to Webhook (chat tools) http://127.0.0.1:9/nowhere/*** failed."
    assert failure.notify is False  # a failing destination does not feed itself
    assert deliver_alert.max_retries == 3


def test_the_page_adds_tests_and_removes_destinations_with_the_roles(client, users, webhook_receiver):
    cluster = ClusterFactory(name="cluster1")
    url = reverse("operation:alert_service", args=[cluster.pk])
    client.force_login(users["admin"])
    refused = client.post(
        url, {"action": "add", "kind": "webhook", "target": "file:///etc/passwd", "min_level": "info"}
    )
    assert refused.status_code == 422
    assert "Enter the webhook&#x27;s http:// or https:// URL." in refused.content.decode()
    hook, received = webhook_receiver
    client.post(url, {"action": "add", "kind": "webhook", "target": hook, "min_level": "warning"})
    destination = AlertDestination.objects.get(cluster=cluster)
    client.force_login(users["viewer"])
    assert client.post(url, {"action": "test", "destination": destination.pk}).status_code == 403
    client.force_login(users["operator"])
    assert client.post(url, {"action": "remove", "destination": destination.pk}).status_code == 403
    tested = client.post(url, {"action": "test", "destination": destination.pk}, follow=True)
    assert "The test alert reached Webhook (chat tools)" in tested.content.decode()
    assert [p["message"] for p in received] == [f"Alert Service test to {destination}, sent by operator1."]
    assert Alert.objects.filter(cluster=cluster, message__startswith="Alert Service test to Webhook").exists()
    client.force_login(users["admin"])
    client.post(url, {"action": "remove", "destination": destination.pk})
    assert not AlertDestination.objects.filter(cluster=cluster).exists()


@pytest.mark.worker
def test_a_worker_delivers_the_alert_when_it_is_raised(webhook_receiver, celery_worker):
    import time

    cluster = ClusterFactory(name="cluster1")
    url, posted = webhook_receiver
    AlertDestination.objects.create(cluster=cluster, kind="webhook", target=url, min_level="warning")
    alert(cluster, "Server server1 is down (instance stopped).", "error", "server1")  # committed: queued at once
    deadline = time.monotonic() + 30
    while not posted and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p["message"] for p in posted] == ["Server server1 is down (instance stopped)."]
    assert posted[0]["level"] == "error" and posted[0]["server"] == "server1"
