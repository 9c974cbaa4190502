"""Config mode pages: the tree, problems, File > Export / Import the Setting."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.clpconf import transfer
from clusters.models import Cluster
from tests import guide

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_config_mode_shows_the_tree_and_no_problem_for_a_guide_cluster(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    page = admin_client.get(reverse("config:home", args=[cluster.pk])).text
    nodes = {
        "server": ["server1", "server2"],
        "group": ["failover1"],
        "resource": ["md", "awsvip1"],
        "monitor": ["awsazw1", "awsvipw1", "mdw1"],
    }
    for kind, names in nodes.items():
        for name in names:
            assert f'<a class="node" href="#{kind}-{name}">{name}</a>' in page, name
            assert f'id="{kind}-{name}"' in page, name  # the node leads to its row
    assert "The configuration has no problem that can be found without AWS." in page
    assert "<td>10.0.110.10</td><td>10.0.120.10</td>" in page


def test_config_mode_lists_problems_with_their_fix(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    cluster.resources.filter(name="awsvip1").update(parameters={"ip": "10.1.0.20/32", "vpcid": "vpc-1"})
    page = admin_client.get(reverse("config:home", args=[cluster.pk])).text
    assert "Problems to fix before applying" in page
    assert "&#x27;10.1.0.20/32&#x27; is not an IPv4 address such as 10.1.0.20." in page
    assert "Correct IP Address on the Common tab." in page


def test_config_page_query_count_does_not_grow_with_the_configuration(admin_client, users):
    counts = []
    for n_servers in (2, 16):
        cluster = guide.sized_cluster(n_servers, user=users["admin"])
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("config:home", args=[cluster.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_export_the_setting_downloads_the_zip_and_the_bare_conf(client, users):
    cluster = guide.build("dns", user=users["admin"], name="cluster1")
    client.force_login(users["viewer"])  # exporting reads only: a Viewer may
    response = client.get(reverse("config:export", args=[cluster.pk]))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="cluster1.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("clp.conf") == (GOLDEN / "dns.conf").read_bytes()
    bare = client.get(reverse("config:export", args=[cluster.pk]) + "?format=conf")
    assert bare.content == (GOLDEN / "dns.conf").read_bytes()


def test_import_the_setting_as_a_new_cluster(admin_client):
    upload = SimpleUploadedFile("clp.conf", (GOLDEN / "eip.conf").read_bytes())
    response = admin_client.post(reverse("config:import"), {"file": upload, "name": "imported"})
    cluster = Cluster.objects.get(name="imported")
    assert response["Location"] == reverse("config:home", args=[cluster.pk])
    assert cluster.resources.filter(type="awseip").exists()


def test_import_into_a_cluster_replaces_its_configuration_and_keeps_its_name(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="mine")
    upload = SimpleUploadedFile("clp.conf", (GOLDEN / "nlb.conf").read_bytes())
    admin_client.post(reverse("config:import_into", args=[cluster.pk]), {"file": upload})
    cluster.refresh_from_db()
    assert cluster.name == "mine"
    assert sorted(cluster.resources.values_list("name", flat=True)) == ["lbpp1", "md"]
    assert sorted(cluster.monitors.values_list("name", flat=True)) == ["awsazw1", "lbppw1", "mdw1"]


def test_a_broken_import_shows_the_problem_beside_the_field_and_keeps_everything(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="mine")
    before = transfer.export_conf(user=users["admin"], cluster=cluster)
    upload = SimpleUploadedFile("clp.conf", b"<?xml version='1.0'?><config/>")
    response = admin_client.post(reverse("config:import_into", args=[cluster.pk]), {"file": upload})
    assert response.status_code == 422
    assert "This is not a clp.conf: its top element is &lt;config&gt;, not &lt;root&gt;. Nothing was imported." in (
        response.text
    )
    assert transfer.export_conf(user=users["admin"], cluster=cluster) == before
