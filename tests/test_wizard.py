"""The wizard's rules, through its pages: the draft, Back, validation beside the field, removal, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.configuration import services
from clusters.models import Cluster
from tests import guide


def _current_values(client, url) -> dict:
    """What the page's form holds now, as a browser would post it back."""
    form = client.get(url).context["form"]
    return {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_a_half_finished_wizard_survives_a_logout(client, users):
    client.force_login(users["admin"])
    response = client.post(reverse("wizard:start"), {"name": "cluster1", "language": "en"})
    cluster = Cluster.objects.get(name="cluster1")
    assert response["Location"] == reverse("wizard:step", args=[cluster.pk, "servers"])
    client.post(reverse("wizard:server_add", args=[cluster.pk]), {"name": "server1", "address": "10.0.110.10"})
    client.post(reverse("wizard:step", args=[cluster.pk, "servers"]), {"action": "next"})
    client.post(reverse("logout"))
    client.force_login(users["admin"])
    dashboard = client.get(reverse("dashboard")).text
    continue_url = reverse("wizard:step", args=[cluster.pk, "interconnect"])
    assert f'<a href="{continue_url}">Continue the wizard</a>' in dashboard
    page = client.get(continue_url).text
    assert 'value="10.0.110.10"' in page  # what the servers step saved


def test_back_keeps_what_was_typed_even_when_it_is_invalid(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    vip = cluster.resources.get(name="awsvip1")
    details = reverse("objects:resource", args=[cluster.pk, vip.pk, "details"])
    typed = {
        **_current_values(admin_client, details),
        "c-ip": "10.1.0.999",
        "c-vpcid": "vpc-typed",
        "c-eniid": "eni-typed",
        "action": "back",
    }
    response = admin_client.post(details, typed)
    assert response["Location"] == reverse("objects:resource", args=[cluster.pk, vip.pk, "recovery"])
    vip.refresh_from_db()
    assert vip.parameters["ip"] == "10.1.0.20"  # nothing invalid was saved
    page = admin_client.get(details).text
    assert 'value="10.1.0.999"' in page and 'value="vpc-typed"' in page and 'value="eni-typed"' in page
    assert "&#x27;10.1.0.999&#x27; is not an IPv4 address such as 10.1.0.20." in page
    # A valid Next saves it and forgets what was kept.
    admin_client.post(details, {**typed, "c-ip": "10.1.0.21", "action": "next"})
    vip.refresh_from_db()
    assert vip.parameters["ip"] == "10.1.0.21"
    assert 'value="10.1.0.999"' not in admin_client.get(details).text


@pytest.mark.parametrize(
    "variant,field,value,message",
    [
        (
            "dns",
            "c-recordset",
            "srv.hz1.local",
            "&#x27;srv.hz1.local&#x27;: Set the DNS name as FQDN, adding dot (.) at the end of the name",
        ),
        ("dns", "c-recordset", "SRV.hz1.local.", "Specify the value of Resource Record Set Name in lowercase letters"),
        (
            "vip",
            "c-ip",
            "10.0.110.50",
            "53 : The VIP address belongs to a VPC subnet. (10.0.110.50 is in 10.0.0.0/16.)",
        ),
        (
            "nlb",
            "c-hctimeout",
            "30",
            "This value must be greater than the interval of the NLB&#x27;s health check (30 seconds).",
        ),
    ],
)
def test_the_guides_rules_are_shown_beside_the_field(admin_client, users, aws_endpoint, variant, field, value, message):
    ids = dict(guide.IDS, vpc=aws_endpoint["vpc_id"])
    cluster = guide.build(variant, user=users["admin"], name="cluster1", ids=ids)
    resource = cluster.resources.exclude(type="md").get()
    details = reverse("objects:resource", args=[cluster.pk, resource.pk, "details"])
    page = admin_client.post(details, {**_current_values(admin_client, details), field: value, "action": "finish"})
    assert page.status_code == 200
    html = page.text
    assert message in html
    # The message sits in the field's own paragraph, next to its input.
    field_block = html[html.index(f'id="id_{field}"') :].split("</p>", 1)[0]
    assert message in field_block


def test_each_server_needs_its_own_eni_id(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    vip = cluster.resources.get(name="awsvip1")
    server2 = cluster.servers.get(name="server2")
    details = reverse("objects:resource", args=[cluster.pk, vip.pk, "details"])
    page = admin_client.post(
        details,
        {
            "c-ip": "10.1.0.20",
            "c-vpcid": "vpc-1",
            "c-eniid": "eni-1",
            f"s{server2.pk}-individual": "",
            "action": "finish",
        },
    ).text
    assert "servers server1, server2 share eni-1; each server needs its own." in page


def test_names_must_be_unique(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    group = cluster.groups.get()
    page = admin_client.post(
        reverse("objects:resource_add", args=[cluster.pk, group.pk]), {"type": "script", "name": "md"}
    ).text
    assert "A group resource named md exists already; names must be unique." in page
    page = admin_client.post(reverse("objects:group_add", args=[cluster.pk]), {"name": "failover1"}).text
    assert "A group named failover1 exists already; group names must be unique." in page
    page = admin_client.post(
        reverse("wizard:server_add", args=[cluster.pk]), {"name": "server1", "address": "10.0.0.9"}
    ).text
    assert "Server server1 is already in the cluster; server names must be unique." in page


def test_adding_an_aws_resource_lists_its_monitor_at_once(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    group = cluster.groups.get()
    admin_client.post(
        reverse("objects:resource_add", args=[cluster.pk, group.pk]), {"type": "awsdns", "name": "awsdns1"}
    )
    page = admin_client.get(reverse("wizard:step", args=[cluster.pk, "monitors"])).text
    assert ">awsdnsw1</a>" in page and "<td>awsdns1</td>" in page


def test_removing_asks_first_and_takes_the_automatic_monitor_along(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    vip = cluster.resources.get(name="awsvip1")
    url = reverse("objects:remove", args=[cluster.pk, "resource", vip.pk])
    confirm = admin_client.get(url).text
    assert "Remove resource <strong>awsvip1</strong> from cluster cluster1?" in confirm
    assert "The monitor resources added with it are removed too: awsvipw1." in confirm
    assert cluster.resources.filter(name="awsvip1").exists()  # nothing happens on GET
    admin_client.post(url)
    assert not cluster.resources.filter(name="awsvip1").exists()
    assert not cluster.monitors.filter(name="awsvipw1").exists()


@pytest.mark.database  # reordering under a unique priority
def test_removing_the_master_makes_the_next_server_master(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    admin_client.post(reverse("objects:remove", args=[cluster.pk, "server", cluster.servers.get(name="server1").pk]))
    assert list(cluster.servers.values_list("name", "priority")) == [("server2", 0)]


def test_editing_in_config_mode_uses_the_same_pages_without_reentering_the_wizard(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    group = cluster.groups.get()
    url = reverse("objects:group", args=[cluster.pk, group.pk, "attributes"])
    response = admin_client.post(url, {"startup": "0", "failover": "0", "failback": "1", "action": "finish"})
    assert response["Location"] == reverse("config:home", args=[cluster.pk])
    group.refresh_from_db()
    cluster.refresh_from_db()
    assert (group.startup, group.failback, cluster.wizard_step) == ("0", "1", "")


def test_wizard_pages_and_swaps_make_the_same_number_of_queries_at_2_and_16_servers(admin_client, users, aws_endpoint):
    counts = {}
    for size in (2, 16):
        cluster = guide.sized_cluster(size, user=users["admin"])
        group, vip = cluster.groups.first(), cluster.resources.filter(type="awsvip").first()
        monitor = cluster.monitors.get(name="awsazw1")
        pages = [
            reverse("wizard:step", args=[cluster.pk, step])
            for step in ("cluster", "servers", "interconnect", "fencing", "groups", "monitors")
        ]
        pages += [
            reverse("objects:group", args=[cluster.pk, group.pk, p])
            for p in ("definition", "startup", "attributes", "resources")
        ]
        pages += [
            reverse("objects:resource", args=[cluster.pk, vip.pk, p])
            for p in ("definition", "dependency", "recovery", "details")
        ]
        pages += [
            reverse("objects:monitor", args=[cluster.pk, monitor.pk, p])
            for p in ("definition", "common", "special", "recovery")
        ]
        pages += [
            reverse("objects:remove", args=[cluster.pk, "resource", vip.pk]),
            reverse("config:home", args=[cluster.pk]),
        ]
        for i, url in enumerate(pages):
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url).status_code == 200, url
            counts.setdefault(i, []).append(len(queries))
        swaps = [
            (reverse("wizard:server_add", args=[cluster.pk]), {"name": "extra", "address": "10.0.9.9"}),
            (reverse("wizard:heartbeat_add", args=[cluster.pk, "object_storage"]), {"platform": "s3", "bucket": "b"}),
        ]
        for i, (url, data) in enumerate(swaps, start=len(pages)):
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.post(url, data, headers={"HX-Request": "true"}).status_code == 200, url
            counts.setdefault(i, []).append(len(queries))
    assert all(a == b for a, b in counts.values()), counts


def test_edits_pass_one_chokepoint_that_refuses_them_while_the_draft_is_applied(admin_client, users):
    from clusters.models import TaskRun

    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    group = cluster.groups.get()
    applying = TaskRun.objects.create(kind="apply", cluster=cluster, status=TaskRun.Status.RUNNING)
    with pytest.raises(services.ConfigLocked, match=rf"cluster1 is being applied \(run #{applying.pk}\)"):
        services.add_failover_group(user=users["admin"], cluster=cluster, name="another")
    with pytest.raises(services.ConfigLocked):
        services.update_group(user=users["admin"], group=group, failback="1")
    attributes = {"startup": "1", "failover": "0", "failback": "1", "action": "finish"}
    url = reverse("objects:group", args=[cluster.pk, group.pk, "attributes"])
    response = admin_client.post(url, attributes, follow=True)
    assert "is being applied" in response.text
    group.refresh_from_db()
    assert group.failback == "0"  # nothing changed
    TaskRun.objects.filter(pk=applying.pk).update(status=TaskRun.Status.SUCCEEDED)
    services.update_group(user=users["admin"], group=group, failback="1")


def test_remove_goes_back_only_to_this_consoles_pages(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    monitor = cluster.monitors.get(name="awsazw1")
    url = reverse("objects:remove", args=[cluster.pk, "monitor", monitor.pk])
    response = admin_client.post(url, {"next": "//evil.example/steal"})
    assert response["Location"] == reverse("config:home", args=[cluster.pk])
    resource = cluster.resources.get(name="md")
    url = reverse("objects:remove", args=[cluster.pk, "resource", resource.pk])
    back = reverse("objects:group", args=[cluster.pk, resource.group_id, "resources"])
    assert admin_client.post(url, {"next": back})["Location"] == back


def test_two_people_editing_one_resource_the_second_save_is_refused_with_its_input_kept(admin_client, users):
    import re

    from django.test import Client

    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    resource = cluster.resources.get(name="awsvip1")
    url = reverse("objects:resource", args=[cluster.pk, resource.pk, "definition"])
    first = admin_client.get(url).content.decode()
    revision = re.search(r'name="revision" value="(\w+)"', first).group(1)
    other = Client()
    other.force_login(users["admin"])
    other_revision = re.search(r'name="revision" value="(\w+)"', other.get(url).content.decode()).group(1)
    assert other.post(url, {"name": "awsvip1", "comment": "theirs", "revision": other_revision}).status_code == 302
    mine = admin_client.post(url, {"name": "awsvip1", "comment": "mine", "revision": revision})
    assert mine.status_code == 200
    page = mine.content.decode()
    assert "awsvip1 was changed by someone else since you opened this page" in page
    assert 'value="mine"' in page  # the typed input is kept
    resource.refresh_from_db()
    assert resource.comment == "theirs"  # the last save did not silently win
    fresh = re.search(r'name="revision" value="(\w+)"', page).group(1)
    assert admin_client.post(url, {"name": "awsvip1", "comment": "mine", "revision": fresh}).status_code == 302
    resource.refresh_from_db()
    assert resource.comment == "mine"


def test_a_mirror_disk_takes_a_second_mdc_and_do_not_use_removes_it(admin_client, users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    first = cluster.interconnects.get()
    addresses = {s: f"10.0.{9 + s.priority}.10" for s in cluster.servers.all()}
    second = services.add_interconnect(user=users["admin"], cluster=cluster, mdc="mdc2", addresses=addresses)
    md = cluster.resources.get(type="md")
    details = reverse("objects:resource", args=[cluster.pk, md.pk, "details"])
    values = _current_values(admin_client, details)
    refused = admin_client.post(details, {**values, "c-mdc2": "mdc1", "action": "finish"})
    assert refused.status_code == 200 and "mdc1 is the first MDC already." in refused.text
    admin_client.post(details, {**values, "c-mdc2": "mdc2", "action": "finish"})
    md.refresh_from_db()
    assert (md.parameters["mdc"], md.parameters["mdc2"], md.parameters["mdc2device"]) == ("mdc1", "mdc2", 401)
    assert md.parameters["mdc2priority"] == md.parameters["mdcpriority"] + 1
    assert first.mdc_device_id == 400 and second.mdc_device_id == 401
    admin_client.post(details, {**_current_values(admin_client, details), "c-mdc2": "", "action": "finish"})
    md.refresh_from_db()
    assert not any(key.startswith("mdc2") for key in md.parameters)
