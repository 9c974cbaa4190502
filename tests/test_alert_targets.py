"""Alert Service targets, as an attacker and a careless administrator would try them: webhooks into the console
or the network in every spelling, redirects, silence, secrets, addresses that are lists, and a Test's answer.
Every server here is a real one on loopback; no name needs a DNS server beyond the machine's own resolver."""

import base64
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from clusters.operation import alertservice, webhook
from clusters.operation.state import alert
from clusters.runtime import Alert, AlertDestination
from tests.factories import ClusterFactory
from webui import tokens

API = "/api/webui/v1"

INSIDE = [
    "http://127.0.0.1:8000/admin/",  # the console's own admin
    "http://127.0.0.1:6379/",  # Redis
    "http://localhost:8000/",  # a name that resolves to loopback
    "http://[::1]:8000/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f.0.0.1/",  # ... in hexadecimal
    "http://0177.0.0.1/",  # ... in octal
    "http://127.1/",
    "http://0.0.0.0:8000/",
    "http://0/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]:8000/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # instance metadata
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",  # instance metadata over IPv6
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "http://169.254.170.2/v2/credentials",  # ECS task credentials
    "http://[fe80::1]/",
    "http://224.0.0.251/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://10.0.0.5/",  # a private address no setting lists
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
]


def add(client, cluster, target: str, kind: str = "webhook"):
    url = reverse("operation:alert_service", args=[cluster.pk])
    return client.post(url, {"action": "add", "kind": kind, "target": target, "min_level": "warning"})


def api(client, user, method: str, path: str, body=None):
    token = tokens.create_token(user=user, name="script")[1]
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(
        API + path, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_webhooks_into_the_console_or_the_network_are_refused_in_every_spelling(client, users):
    cluster = ClusterFactory(name="cluster1")
    client.force_login(users["admin"])
    for target in INSIDE:
        answer = add(client, cluster, target)
        assert answer.status_code == 422, target
        assert "resolves to" in answer.content.decode(), target
        by_api = api(
            client,
            users["admin"],
            "post",
            f"/clusters/{cluster.pk}/alert-destinations",
            {
                "kind": "webhook",
                "target": target,
            },
        )
        assert by_api.status_code == 422 and by_api.json()["errors"][0]["field"] == "target", target
    assert not AlertDestination.objects.exists() and not Alert.objects.exists()
    assert add(client, cluster, "http://93.184.216.34/hooks/ops").status_code == 302  # a public address: saved


def _own_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        found = probe.getsockname()[0]
    return None if found.startswith("127.") else found


def test_private_networks_only_where_the_setting_lists_them_and_never_the_metadata_or_the_console(settings):
    def refused(target: str) -> bool:
        try:
            webhook.resolve(target)
        except webhook.Refused:
            return True
        return False

    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = ["10.0.0.0/16", "169.254.0.0/16", "224.0.0.0/4", "127.0.0.0/8"]
    assert not refused("http://10.0.1.5/hooks/ops")  # a chat server inside the VPC
    assert refused("http://10.1.0.5/")  # outside the listed network
    assert refused("http://169.254.169.254/") and refused("http://224.0.0.1/")  # never, listed or not
    assert refused("http://127.0.0.1/") and refused("http://localhost/")  # the console's host: one by one only
    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = ["127.0.0.1/32"]
    assert not refused("http://127.0.0.1:8065/hooks/ops") and not refused("http://localhost:8065/")
    assert refused("http://127.0.0.2/")
    own = _own_address()
    if own:  # the console's own address is refused though its network is listed
        settings.WEBUI_ALERT_WEBHOOK_NETWORKS = [f"{own}/24"]
        neighbour = own.rsplit(".", 1)[0] + (".7" if not own.endswith(".7") else ".8")
        assert refused(f"http://{own}/") and not refused(f"http://{neighbour}/")


class Receiver(ThreadingHTTPServer):
    """A chat server on loopback that records what reaches it; `answer` is what it does with a POST."""

    daemon_threads = True

    def __init__(self, answer="ok"):
        self.answer, self.received = answer, []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                self.received.append({"headers": dict(handler.headers), "body": json.loads(body)})
                if self.answer == "silent":
                    time.sleep(30)
                    return
                if self.answer == "drip":
                    for _ in range(60):  # a status line a byte at a time: each read is quick, the whole is not
                        handler.wfile.write(b"H")
                        handler.wfile.flush()
                        time.sleep(0.2)
                    return
                if self.answer.startswith("redirect "):
                    handler.send_response(302)
                    handler.send_header("Location", self.answer.split(" ", 1)[1])
                else:
                    handler.send_response(204)
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path="/hooks/T0KEN") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture
def receivers(settings):
    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = ["127.0.0.1/32"]  # chat servers on the console's host, listed
    made = []

    def make(answer="ok"):
        made.append(Receiver(answer))
        return made[-1]

    yield make
    for server in made:
        server.shutdown()
        server.server_close()


def test_no_redirect_is_followed_and_a_silent_or_slow_target_ends_within_the_timeout(users, receivers, settings):
    settings.WEBUI_ALERT_TIMEOUT = 1
    cluster = ClusterFactory(name="cluster1")
    alert(cluster, "Group failover1 started on server1.")
    sent = Alert.objects.get(cluster=cluster)
    elsewhere = receivers()
    for answer, raised, words in (
        (f"redirect {elsewhere.url('/admin/')}", OSError, "a redirect, which the Alert Service does not follow"),
        ("redirect http://169.254.169.254/latest/meta-data/", OSError, "does not follow"),
        ("silent", TimeoutError, "no answer within 1 s"),
        ("drip", TimeoutError, "no answer within 1 s"),
    ):
        target = receivers(answer)
        destination = AlertDestination.objects.create(cluster=cluster, kind="webhook", target=target.url())
        began = time.monotonic()
        with pytest.raises(raised, match=words):
            alertservice.deliver(sent, destination)
        assert time.monotonic() - began < 3, answer
        assert len(target.received) == 1
    assert elsewhere.received == []  # the redirect's target was never asked


def test_a_target_is_judged_again_when_sent_to_and_credentials_travel_as_basic_auth(users, receivers, settings):
    chat = receivers()
    cluster = ClusterFactory(name="cluster1")
    url = chat.url("/services/T000/B000/XXXX?token=abc").replace("http://", "http://bot:s%40cret@")
    destination = AlertDestination.objects.create(cluster=cluster, kind="webhook", target=url)
    alert(cluster, "Group failover1 started on server1.")
    sent = Alert.objects.get(cluster=cluster)
    alertservice.deliver(sent, destination)
    assert chat.received[0]["headers"]["Authorization"] == "Basic " + base64.b64encode(b"bot:s@cret").decode()
    assert chat.received[0]["body"]["message"] == "Group failover1 started on server1."
    settings.WEBUI_ALERT_WEBHOOK_NETWORKS = []  # no longer listed: the saved target is refused at sending
    with pytest.raises(alertservice.Refused, match="the console's own host"):
        alertservice.deliver(sent, destination)
    assert len(chat.received) == 1


SECRETS = ("s3cret", "XXXX", "B000", "token=abc")


def test_secrets_are_masked_on_pages_both_apis_csv_and_alert_texts(client, users, receivers, admin_user):
    chat = receivers()
    cluster = ClusterFactory(name="cluster1")
    target = chat.url("/services/T000/B000/XXXX?token=abc").replace("http://", "http://bot:s3cret@")
    shown = f"http://***@127.0.0.1:{chat.server_address[1]}/services/***?***"
    client.force_login(users["admin"])
    assert add(client, cluster, target).status_code == 302
    destination = AlertDestination.objects.get(cluster=cluster)
    assert destination.target == target and destination.shown_target == shown
    client.force_login(users["operator"])
    tested = client.post(
        reverse("operation:alert_service", args=[cluster.pk]),
        {"action": "test", "destination": destination.pk},
        follow=True,
    )
    assert f"The test alert reached Webhook (chat tools) {shown}." in tested.content.decode()
    closed = AlertDestination.objects.create(
        cluster=cluster, kind="webhook", target=target.replace(str(chat.server_address[1]), "9")
    )
    alertservice.send_test(user=users["operator"], destination=closed)
    viewer = users["viewer"]
    client.force_login(viewer)
    seen = {
        "page": client.get(reverse("operation:alert_service", args=[cluster.pk])).content.decode(),
        "alert log": client.get(reverse("operation:alerts", args=[cluster.pk])).content.decode(),
        "csv": client.get(reverse("operation:alerts", args=[cluster.pk]) + "?format=csv").content.decode(),
        "api destinations": api(client, viewer, "get", f"/clusters/{cluster.pk}/alert-destinations").content.decode(),
        "api alerts": api(client, viewer, "get", f"/clusters/{cluster.pk}/alerts").content.decode(),
    }
    client.force_login(admin_user)  # Django's admin, for staff
    seen["admin list"] = client.get(reverse("admin:clusters_alertdestination_changelist")).content.decode()
    seen["admin form"] = client.get(
        reverse("admin:clusters_alertdestination_change", args=[destination.pk])
    ).content.decode()
    for where, text in seen.items():
        assert not [s for s in SECRETS if s in text], where
    assert shown in seen["page"] and shown in seen["api destinations"] and shown in seen["admin list"]
    texts = list(Alert.objects.filter(cluster=cluster).values_list("message", flat=True))
    assert f"Alert Service test to Webhook (chat tools) {shown}, sent by operator1." in texts
    assert all(shown.replace(str(chat.server_address[1]), "9") in t or shown in t for t in texts)
    assert shown in seen["csv"] and shown in seen["api alerts"] and shown in seen["alert log"]


def test_a_tests_detail_goes_to_the_person_who_pressed_it_and_the_log_says_only_that_it_failed(
    client, users, receivers, settings
):
    cluster = ClusterFactory(name="cluster1")
    closed = AlertDestination.objects.create(cluster=cluster, kind="webhook", target="http://127.0.0.1:9/hooks/x")
    url = reverse("operation:alert_service", args=[cluster.pk])
    client.force_login(users["operator"])
    pressed = client.post(url, {"action": "test", "destination": closed.pk}, follow=True).content.decode()
    assert "The test alert did not reach Webhook (chat tools) http://127.0.0.1:9/hooks/***: ConnectionRefused" in (
        pressed
    )
    by_api = api(client, users["operator"], "post", f"/clusters/{cluster.pk}/alert-destinations/{closed.pk}/test")
    assert by_api.status_code == 200 and by_api.json()["delivered"] is False
    assert by_api.json()["detail"].startswith("ConnectionRefusedError")
    client.force_login(users["viewer"])
    log = client.get(reverse("operation:alerts", args=[cluster.pk]) + "?format=csv").content.decode()
    assert (
        "Alert Service: delivery to Webhook (chat tools) http://127.0.0.1:9/hooks/*** failed (2 alerts not delivered)."
        in log
    )
    assert "refused" not in log.lower() and "Errno" not in log
    assert "ConnectionRefused" not in client.get(url).content.decode()  # the message was the operator's


BAD_TARGETS = [
    ("email", "ops@example.com\nBcc:x@example.com"),
    ("email", "ops@example.com\r\nBcc: x@example.com"),
    ("email", "a@example.com,b@example.com"),
    ("email", "a@example.com;b@example.com"),
    ("email", "x@y@example.com"),
    ("email", "@"),
    ("email", "ops@"),
    ("email", "Ops <ops@example.com>"),
    ("sns", "arn:aws:sns:::::"),
    ("sns", "arn:aws:sns:ap-northeast-1:123:topic"),
    ("sns", "arn:aws:sqs:ap-northeast-1:123456789012:queue"),
    ("sns", "arn:aws:sns:ap-northeast-1:123456789012:topic\nx"),
    ("webhook", "http://"),
    ("webhook", "http://[::1/"),
    ("webhook", "http://example.com:99999/"),
    ("webhook", "gopher://127.0.0.1:6379/_FLUSHALL"),
    ("webhook", "http://93.184.216.34/hooks\n/x"),
    ("webhook", "http://no-such-host.invalid/hooks/x"),
]


def test_destinations_are_checked_when_saved_on_the_page_and_the_api(client, users):
    cluster = ClusterFactory(name="cluster1")
    client.force_login(users["admin"])
    for kind, target in BAD_TARGETS:
        assert add(client, cluster, target, kind).status_code == 422, target
        body = {"kind": kind, "target": target}
        by_api = api(client, users["admin"], "post", f"/clusters/{cluster.pk}/alert-destinations", body)
        assert by_api.status_code == 422 and by_api.json()["errors"][0]["field"] == "target", target
    assert not AlertDestination.objects.exists() and not Alert.objects.exists()
    for kind, target in (("email", "ops@example.com"), ("sns", "arn:aws:sns:ap-northeast-1:123456789012:alerts")):
        assert add(client, cluster, target, kind).status_code == 302
    assert AlertDestination.objects.count() == 2


def test_a_target_saved_before_the_rules_is_refused_at_sending_without_retries(users, smtp_closed):
    cluster = ClusterFactory(name="cluster1")
    careless = AlertDestination.objects.create(cluster=cluster, kind="email", target="a@example.com,b@example.com")
    alert(cluster, "Server server1 is down (instance stopped).", "error", "server1")
    sent = Alert.objects.get(cluster=cluster)
    with pytest.raises(alertservice.Refused, match="Enter one e-mail address"):
        alertservice.deliver(sent, careless)


@pytest.fixture
def smtp_closed(settings):
    """Mail goes to a port nothing listens on: a delivery that got that far would fail otherwise."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }


def test_an_administrator_replaces_a_target_by_typing_it_again(client, users, receivers):
    chat = receivers()
    cluster = ClusterFactory(name="cluster1")
    destination = AlertDestination.objects.create(cluster=cluster, kind="webhook", target=chat.url())
    url = reverse("operation:alert_service", args=[cluster.pk])
    client.force_login(users["operator"])
    assert client.get(f"{url}?change={destination.pk}").status_code == 200
    refused = client.post(url, {"action": "save", "destination": destination.pk, "kind": "webhook"})
    assert refused.status_code == 403
    client.force_login(users["admin"])
    form = client.get(f"{url}?change={destination.pk}").content.decode()
    assert f"Now {destination.shown_target}. Type the whole target again" in form and "T0KEN" not in form
    kept = {"action": "save", "destination": destination.pk, "kind": "webhook", "target": "", "min_level": "error"}
    assert client.post(url, kept).status_code == 302
    destination.refresh_from_db()
    assert destination.target == chat.url() and destination.min_level == "error"
    replaced = dict(kept, target=chat.url("/hooks/N3W"))
    assert client.post(url, replaced).status_code == 302
    destination.refresh_from_db()
    assert destination.target == chat.url("/hooks/N3W")
    changed = api(
        client, users["admin"], "patch", f"/clusters/{cluster.pk}/alert-destinations/{destination.pk}", {"about": "x"}
    )
    assert changed.status_code == 200 and changed.json()["target"] == destination.shown_target
    destination.refresh_from_db()
    assert destination.target == chat.url("/hooks/N3W") and destination.about == "x"
    assert client.get(f"{url}?change=nope").status_code == 404


def test_alert_texts_written_before_masking_are_masked_by_the_migration(users):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("clusters.migrations.0015_mask_alert_service_texts")
    cluster = ClusterFactory(name="cluster1")
    old = [
        "Alert Service: delivery to Webhook (chat tools) https://u:pw@hooks.example.com/services/T/B/X failed: "
        "OSError: the webhook answered HTTP 500",
        "Alert Service test to Webhook (chat tools) http://10.0.0.9:8065/hooks/abc?t=1, sent by admin1.",
        "Group failover1 started on server1.",
    ]
    for message in old:
        Alert.objects.create(cluster=cluster, message=message, notify=False)
    migration.mask(apps, None)
    assert list(Alert.objects.order_by("id").values_list("message", flat=True)) == [
        "Alert Service: delivery to Webhook (chat tools) https://***@hooks.example.com/services/*** failed.",
        "Alert Service test to Webhook (chat tools) http://10.0.0.9:8065/hooks/***?***, sent by admin1.",
        "Group failover1 started on server1.",
    ]
