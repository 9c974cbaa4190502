"""Configuration history: applied versions, changes in the guide's terms, Restore, and Apply's preview."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.configuration import services
from clusters.operation import history
from tests.guide import build_on_sim as build
from tests.runs import ok, run


def edited_and_applied_twice(users, sim):
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    awsvipw = cluster.monitors.get(type="awsvipw")
    services.update_monitor_resource(user=users["admin"], monitor=awsvipw, interval=30)
    services.update_group_resource(
        user=users["admin"], resource=cluster.resources.get(name="awsvip1"), comment="the VIP clients use"
    )
    ok(run("apply", users, cluster))
    return cluster


def test_changes_between_versions_are_told_in_the_guides_terms(users, sim):
    cluster = edited_and_applied_twice(users, sim)
    compared = history.compare(cluster, "1", "2")
    assert [(c.object, c.setting, c.old, c.new) for c in compared["changes"]] == [
        ("Group resource awsvip1", "Comment", "", "the VIP clients use"),
        ("Monitor resource awsvipw1", "Interval", "60", "30"),
    ]
    assert compared["operations"] == []  # a comment and an interval need nothing while the cluster runs
    assert (
        "-\t\t\t\t<interval>60</interval>" in compared["diff"]
        and "+\t\t\t\t<interval>30</interval>" in compared["diff"]
    )
    services.remove_object(user=users["admin"], obj=cluster.monitors.get(type="awsazw"))
    draft = history.compare(cluster, "2", history.DRAFT)
    assert [(c.object, c.old) for c in draft["changes"]] == [("Monitor resource awsazw1", "removed")]


def test_restore_makes_an_old_version_the_draft(users, sim):
    cluster = edited_and_applied_twice(users, sim)
    history.restore(user=users["admin"], cluster=cluster, number=1)
    assert cluster.monitors.get(type="awsvipw").interval == 60
    assert history.compare(cluster, "1", history.DRAFT)["changes"] == []
    with pytest.raises(LookupError, match="has no applied version 9"):
        history.restore(user=users["admin"], cluster=cluster, number=9)


def test_history_and_apply_pages_show_what_applies_and_keep_their_query_count(client, users, sim):
    cluster = edited_and_applied_twice(users, sim)
    client.force_login(users["admin"])
    page = client.get(reverse("config:history", args=[cluster.pk])).content.decode()
    assert 'data-version="2"' in page and 'data-version="1"' in page and "Restore version 1" in page
    vip = cluster.resources.get(name="awsvip1")
    original = dict(vip.parameters)
    services.update_group_resource(user=users["admin"], resource=vip, parameters={**original, "ip": "10.1.0.21"})
    preview = client.get(reverse("config:apply", args=[cluster.pk])).content.decode()
    assert "Changes from version 2 to the draft (1)" in preview
    assert "restart the resource awsvip1 (IP Address)" in preview
    services.update_group_resource(user=users["admin"], resource=vip, parameters=original)  # as applied
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("config:history", args=[cluster.pk]))
        counts.append(len(queries))
        ok(run("apply", users, cluster))  # one more version in the history
    assert counts[0] == counts[1], counts
    viewer_page = client.get(reverse("config:history", args=[cluster.pk]))
    assert viewer_page.status_code == 200
