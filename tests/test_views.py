"""Pages of the layout: dashboard, the three modes, static assets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ClusterFactory


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_empty_dashboard(admin_client):
    response = admin_client.get(reverse("dashboard"))
    assert "No cluster is configured yet." in response.text
    assert 'hx-headers=\'{"X-CSRFToken"' in response.text  # CSRF header for htmx on <body>


@pytest.mark.parametrize(
    "mode,label", [("operation", "Operation Mode"), ("config", "Config Mode"), ("verification", "Verification Mode")]
)
def test_each_mode_page_and_the_mode_selector(admin_client, mode, label):
    cluster = ClusterFactory(name="cluster1")
    response = admin_client.get(reverse(f"{mode}:home", args=[cluster.pk]))
    assert response.status_code == 200
    assert f"<small>{label}</small>" in response.text
    assert f'<option value="/clusters/{cluster.pk}/{mode}/" selected>{label}</option>' in response.text
    assert ('<nav class="tree"' in response.text) == (mode == "config")


def test_unknown_mode_is_404_and_cluster_home_goes_to_operation_mode(admin_client):
    cluster = ClusterFactory()
    assert admin_client.get(f"/clusters/{cluster.pk}/nonsense/").status_code == 404
    assert admin_client.get(reverse("cluster_home", args=[cluster.pk]))["Location"].endswith("/operation/")


def test_htmx_is_served_locally(admin_client):
    response = admin_client.get("/static/django_htmx/htmx-2.min.js")
    assert response.status_code == 200


def test_dashboard_query_count_does_not_grow_with_clusters(admin_client):
    counts = []
    for n in (2, 20):
        ClusterFactory.create_batch(n)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse("dashboard"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.database  # filtered Count and Exists
def test_the_dashboard_shows_every_clusters_status_troubled_first_in_fixed_queries(client, users):
    from clusters.runtime import AppliedVersion, ClusterState, ObjectState

    client.force_login(users["viewer"])
    counts = []
    for size in (2, 8):
        for i in range(size - len(counts) * 2 if counts else size):
            cluster = ClusterFactory(name=f"c{size}-{i}")
            AppliedVersion.objects.create(cluster=cluster, number=1, conf=b"<root/>")
            ClusterState.objects.create(cluster=cluster, status="online")
            ObjectState.objects.create(cluster=cluster, kind="group", name="failover1", status="online", server="s1")
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dashboard"))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    troubled = ClusterFactory(name="zz-troubled")
    AppliedVersion.objects.create(cluster=troubled, number=1, conf=b"<root/>")
    ClusterState.objects.create(cluster=troubled, status="online")
    ObjectState.objects.create(cluster=troubled, kind="monitor", name="awsvipw1", status="error")
    page = client.get(reverse("dashboard")).content.decode()
    rows = page[page.index('aria-label="Clusters"') :]
    assert rows.index('data-cluster="zz-troubled"') < rows.index('data-cluster="c2-0"')  # trouble first
    assert "1 monitor(s) in error." in page and ">Online<" in page
