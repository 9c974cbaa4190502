"""The alert log: what each alert concerns, filters, pages, CSV, and the guide's cause and solution."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.operation import alertlog
from clusters.operation.state import alert
from tests.factories import ClusterFactory


def test_each_alert_knows_what_it_concerns():
    assert alertlog.subject("Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)") == (
        "monitor",
        "awsvipw1",
    )
    assert alertlog.subject("Failed to start the resource awsvip1. (9 : Timeout occurred.)") == ("resource", "awsvip1")
    assert alertlog.subject("Resource awsvip1 started on server1.") == ("resource", "awsvip1")
    assert alertlog.subject("Group failover1 started on server2.") == ("group", "failover1")
    assert alertlog.subject("Server server1 is down (instance stopped).") == ("server", "server1")
    assert alertlog.subject("Monitor resource(s) awsvipw1 suspended.") == ("", "")
    assert alertlog.subject("Configuration version 2 applied.") == ("", "")


def test_the_guides_messages_come_with_cause_and_solution():
    why = alertlog.explain("Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)")
    assert why.cause.startswith("In the route table, the target of the VIP address has been changed")
    assert "another HA cluster uses the same VIP address" in why.solution
    assert (
        alertlog.explain("Monitor awsdns1 is in the warning status. (151 : Timeout occurred)") is alertlog.NO_RESPONSE
    )
    assert alertlog.explain("Group failover1 started on server1.") is None


def test_filters_pages_and_csv_with_constant_queries(client, users):
    cluster = ClusterFactory(name="cluster1")
    client.force_login(users["viewer"])
    url = reverse("operation:alerts", args=[cluster.pk])
    counts = []
    for size in (60, 600):
        for i in range(size - cluster.alerts.count()):
            server = ("server1", "server2")[i % 2]
            if i % 3:
                alert(cluster, f"Group failover1 started on {server}.", server=server)
            else:
                alert(
                    cluster,
                    "Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)",
                    "error",
                    server,
                )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"level": "error", "server": "server1"}).content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts  # the page's queries do not grow with the log
    assert "Page 1 of 2" in page and "Cause and solution" in page and 'href="/clusters/' in page
    assert "Group failover1 started" not in page
    exported = client.get(url, {"level": "error", "server": "server1", "format": "csv"})
    assert exported["Content-Disposition"] == 'attachment; filename="cluster1-alerts.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["time", "level", "server", "object type", "object", "message"]
    assert len(rows) - 1 == cluster.alerts.filter(level="error", server="server1").count() == 100
    assert {(r[1], r[2], r[3], r[4]) for r in rows[1:]} == {("error", "server1", "monitor", "awsvipw1")}
    by_object = client.get(url, {"about": "failover1"}).content.decode()
    assert "Group failover1 started" in by_object and "awsvipw1 detected" not in by_object


def test_a_message_cannot_become_a_spreadsheet_formula(db):
    cluster = ClusterFactory(name="cluster1")
    alert(cluster, '=HYPERLINK("http://example.invalid")')
    text = alertlog.to_csv(alertlog.filtered(cluster))
    assert "'=HYPERLINK" in text


@pytest.mark.database  # raw INSERT ... RETURNING, times as the backend stores them
def test_an_alert_written_on_the_hot_path_is_stored_as_the_orm_stores_one(db):
    """alert() writes its row with SQL of its own: its time must be stored in the ORM's form (on SQLite, UTC
    text without an offset), or time filters and ordering would compare two forms of text."""
    from clusters.runtime import Alert

    cluster = ClusterFactory()
    alert(cluster, "Group failover1 started on server1.", server="server1")
    Alert.objects.create(cluster=cluster, message="written by the ORM")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT at FROM {Alert._meta.db_table} ORDER BY id")  # noqa: S608
        mine, orm = (row[0] for row in cursor.fetchall())
    assert (mine.tzinfo is None) == (orm.tzinfo is None)
    later = Alert.objects.get(message="written by the ORM").at
    assert Alert.objects.filter(at__lte=later).count() == 2  # the hot path's alert came first
