"""Operation mode of a large cluster: the polled status stays small (what needs attention, with counts),
and every group resource and monitor resource is one click away, a page at a time."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.clpconf import writer
from clusters.operation.status import LIST_UP_TO
from clusters.runtime import AppliedVersion, ObjectState
from tests import guide


def applied_sized(size, users):
    cluster = guide.sized_cluster(size, user=users["admin"])
    AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
    return cluster


def test_the_status_of_a_large_cluster_lists_what_needs_attention_with_counts(client, users):
    cluster = applied_sized(60, users)  # 60 group resources
    ObjectState.objects.create(
        cluster=cluster,
        kind="resource",
        name="vip3",
        status="online_failure",
        server="s0",
        message="Failed to start the resource vip3.",
    )
    ObjectState.objects.create(cluster=cluster, kind="monitor", name="awsazw1", status="suspend")
    client.force_login(users["viewer"])
    page = client.get(reverse("operation:status", args=[cluster.pk])).content.decode()
    assert "60: 59 Offline, 1 Online Failure" in page
    assert 'data-resource="vip3"' in page and 'data-resource="vip4"' not in page
    assert "All group resources" in page
    everything = client.get(reverse("operation:objects", args=[cluster.pk, "resources"]))
    assert everything.context["page"].paginator.count == 60
    assert 'data-object="vip4"' in everything.content.decode()
    in_error = client.get(reverse("operation:objects", args=[cluster.pk, "resources"]), {"status": "online_failure"})
    assert [o.name for o, _ in in_error.context["page"]] == ["vip3"]
    of_group = client.get(reverse("operation:objects", args=[cluster.pk, "resources"]), {"group": "g2"})
    assert sorted(o.name for o, _ in of_group.context["page"]) == ["md2", "vip2"]
    monitors = client.get(reverse("operation:objects", args=[cluster.pk, "monitors"]))
    assert monitors.context["page"].paginator.count == cluster.monitors.count()
    assert client.get(reverse("operation:objects", args=[cluster.pk, "servers"])).status_code == 404


def test_a_small_cluster_lists_everything(client, users):
    cluster = applied_sized(4, users)
    client.force_login(users["viewer"])
    page = client.get(reverse("operation:status", args=[cluster.pk])).content.decode()
    assert cluster.resources.count() <= LIST_UP_TO
    assert all(f'data-resource="{name}"' in page for name in cluster.resources.values_list("name", flat=True))
    assert "All group resources" not in page


def test_polling_costs_the_same_queries_and_never_refetches_the_applied_file(client, users):
    client.force_login(users["viewer"])
    counts = []
    for size in (4, 60):
        cluster = applied_sized(size, users)
        url = reverse("operation:status", args=[cluster.pk])
        client.get(url)  # the first poll of this process reads the applied file once
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
        assert not any('"conf"' in q["sql"] for q in queries.captured_queries)  # the megabytes stay in the database
    assert counts[0] == counts[1]


def test_config_mode_of_a_large_configuration_opens_collapsed_and_loads_each_part_when_opened(client, users):
    cluster = guide.sized_cluster(60, user=users["admin"])  # 60 group resources and their monitors
    client.force_login(users["admin"])
    url = reverse("config:home", args=[cluster.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.context["collapsed"] and 'id="resource-vip1"' not in html
    assert "2 group resources" in html and f"{cluster.monitors.count()} monitor resources" in html
    group = cluster.groups.get(name="g1")
    rows = client.get(reverse("config:part", args=[cluster.pk, "group"]), {"group": group.pk}).content.decode()
    assert 'id="resource-vip1"' in rows and 'id="resource-md1"' in rows and "vip2" not in rows
    monitors = client.get(reverse("config:part", args=[cluster.pk, "monitors"])).content.decode()
    assert monitors.count('id="monitor-') == cluster.monitors.count()
    problems = client.get(reverse("config:part", args=[cluster.pk, "problems"])).content.decode()
    assert "Problems to fix before applying" in problems or "has no problem" in problems
    assert client.get(reverse("config:part", args=[cluster.pk, "nothing"])).status_code == 404


def test_config_mode_costs_the_same_queries_at_any_size(client, users):
    client.force_login(users["admin"])
    counts = []
    for size in (60, 120):
        cluster = guide.sized_cluster(size, user=users["admin"])
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("config:home", args=[cluster.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_group_rows_escape_what_they_show_and_offer_operations_to_operators_only():
    """The Groups rows are built outside the template engine (clusters/templatetags/status_rows.py): every
    value is still escaped, and only an Operator gets the server select and the buttons."""
    from types import SimpleNamespace

    from clusters.templatetags.status_rows import group_rows

    group = SimpleNamespace(name='g<1>&"')
    state = SimpleNamespace(status="online", server="s<2>", get_status_display=lambda: "Online")
    html = group_rows([(group, state, ["s<2>", "s3"])], True, 4)
    assert 'data-group="g&lt;1&gt;&amp;&quot;"' in html and '">s&lt;2&gt;</td>' in html
    # Move offers the other startup servers only (the one it is on is no target), keyed by where it is.
    assert "<select" in html and "<option>s3</option></select>" in html and "<option>s&lt;2&gt;" not in html
    assert 'id="move-g&lt;1&gt;&amp;&quot;-4-s&lt;2&gt;"' in html
    assert 'name="group_move" value="g&lt;1&gt;&amp;&quot;"' in html and 'name="group_start"' not in html
    offline = group_rows([(group, None, ["s<2>", "s3"])], True, 4)  # an offline group is started, on a choice
    assert "<option>s&lt;2&gt;</option><option>s3</option>" in offline and 'name="group_move"' not in offline
    viewer = group_rows([(group, None, ["s3"])], False, 4)
    assert '<span class="status offline">Offline</span>' in viewer and "<td data-testid" in viewer
    assert "<button" not in viewer and "<select" not in viewer and ">—</td>" in viewer
