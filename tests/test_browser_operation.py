"""Browser flow of issue 6: apply in config mode, operate in operation mode, see it live."""

import re

import pytest
from playwright.sync_api import expect

from tests.guide import build_on_sim, sim_client
from tests.runs import ok, run


def running_on_sim(variant, users, sim):
    """The guide's cluster, applied and started as the worker would (in this process)."""
    cluster = build_on_sim(variant, users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


pytestmark = pytest.mark.browser


def test_apply_then_start_and_move_the_group_seen_without_reloading(page, login, users, celery_worker, sim):
    cluster = build_on_sim("vip", users, sim)
    login(users["admin"])
    base = page.url
    page.goto(f"{base}clusters/{cluster.pk}/config/")
    page.get_by_text("File", exact=True).click()
    page.get_by_role("menuitem", name="Apply the Configuration File").click()
    expect(page.get_by_text("No version of this cluster has been applied yet")).to_be_visible()
    page.get_by_role("button", name="Apply the Configuration File").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-progress .log")).to_contain_text("The application finished successfully.", timeout=30000)

    page.goto(f"{base}clusters/{cluster.pk}/config/")
    page.get_by_label("Mode").select_option(label="Operation Mode")
    expect(page).to_have_url(re.compile(r"/operation/$"))
    page.get_by_role("button", name="Start the cluster", exact=True).click()
    current = page.get_by_test_id("current-server-failover1")
    expect(current).to_have_text("server1", timeout=30000)
    url_before = page.url
    chosen = page.get_by_label("Move failover1 to")
    expect(chosen.locator("option")).to_have_text(["server2"])  # the other startup servers only
    chosen.select_option("server2")
    for _ in range(2):  # the status polls every 2 s and swaps itself: the server chosen stays chosen
        with page.expect_response(lambda r: "/operation/status/" in r.url and r.status == 200, timeout=10000):
            pass
    expect(chosen).to_have_value("server2")
    page.once("dialog", lambda dialog: dialog.accept())  # "Are you sure you want to move failover1 to server2?"
    page.get_by_role("button", name="Move failover1").click()
    expect(current).to_have_text("server2", timeout=30000)  # the status view polls; no reload
    assert page.url == url_before
    tables = sim_client(sim, "ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])
    targets = {
        r.get("NetworkInterfaceId")
        for t in tables["RouteTables"]
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "10.1.0.20/32"
    }
    assert targets == {sim["servers"]["server2"]["eni_id"]}
    expect(page.locator(".log")).to_contain_text("Group failover1 started on server2.")


def test_one_resource_is_stopped_and_started_from_the_status_view(page, login, users, celery_worker, sim):
    cluster = running_on_sim("vip", users, sim)
    login(users["operator"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/")
    row = page.get_by_role("table", name="Group resources").locator("tr[data-resource=awsvip1]")
    expect(row).to_contain_text("Online")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Stop awsvip1").click()
    expect(row).to_contain_text("Offline", timeout=30000)
    row.get_by_role("button", name="Start awsvip1").click()
    expect(row).to_contain_text("Online", timeout=30000)
    expect(page.locator(".log")).to_contain_text("Resource awsvip1 started on server1.")
    expect(page.get_by_test_id("current-server-failover1")).to_have_text("server1")  # the group stayed


def test_history_shows_a_change_before_apply_and_restores_an_older_version(page, login, users, celery_worker, sim):
    from clusters.configuration import services

    cluster = build_on_sim("vip", users, sim)
    ok(run("apply", users, cluster))
    services.update_group_resource(
        user=users["admin"], resource=cluster.resources.get(name="awsvip1"), comment="changed after version 1"
    )
    login(users["admin"])
    base = page.url
    page.goto(f"{base}clusters/{cluster.pk}/config/")
    page.get_by_text("File", exact=True).click()
    page.get_by_role("menuitem", name="Apply the Configuration File").click()
    changes = page.get_by_role("table", name="Changes")
    expect(changes).to_contain_text("Group resource awsvip1")
    expect(changes).to_contain_text("changed after version 1")
    needed = page.get_by_role("list", name="Operations it needs while the cluster runs")
    expect(needed).to_have_text("None: nothing running stops or restarts.")  # a comment stops nothing
    page.get_by_role("button", name="Apply the Configuration File").click()
    expect(page.locator("[data-status=succeeded]")).to_be_visible(timeout=60000)

    page.goto(f"{base}clusters/{cluster.pk}/config/history/")
    versions = page.get_by_role("table", name="Applied versions")
    expect(versions.locator("tr[data-version]")).to_have_count(2)
    versions.locator("tr[data-version='2']").get_by_role("link", name="with version 1").click()
    expect(page.get_by_role("table", name="Changes")).to_contain_text("changed after version 1")
    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 is the draft now")
    cluster.refresh_from_db()
    assert cluster.resources.get(name="awsvip1").comment == ""


def test_the_alert_log_filters_and_explains_the_guides_messages(page, login, users, sim):
    from clusters.operation.state import alert
    from tests.conftest import ARTIFACTS

    cluster = build_on_sim("vip", users, sim)
    ok(run("apply", users, cluster))
    alert(cluster, "Group failover1 started on server1.", server="server1")
    alert(cluster, "Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)", "error", "server1")
    login(users["viewer"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/")
    page.get_by_role("link", name="All alerts, filtered and exported").click()
    page.get_by_label("Level").select_option("error")
    page.get_by_role("button", name="Filter").click()
    alerts = page.get_by_role("table", name="Alerts")
    expect(alerts.locator("tbody tr")).to_have_count(1)
    alerts.get_by_text("Cause and solution", exact=True).click()
    expect(alerts).to_contain_text("the target of the VIP address has been changed to another ENI ID")
    page.screenshot(path=str(ARTIFACTS / "alert-log.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as CSV").click()
    assert download.value.suggested_filename == f"{cluster.name}-alerts.csv"
    alerts.get_by_role("link", name="awsvipw1").click()
    expect(page).to_have_url(re.compile(rf"/clusters/{cluster.pk}/config/#monitor-awsvipw1$"))


def test_stopping_a_servers_cluster_service_moves_its_group_live(page, login, users, celery_worker, sim):
    cluster = running_on_sim("vip", users, sim)
    login(users["operator"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/")
    servers = page.get_by_role("table", name="Servers")
    page.on("dialog", lambda dialog: dialog.accept())  # each confirmation of this test, accepted
    servers.get_by_role("button", name="Stop service on server1").click()
    expect(page.get_by_test_id("current-server-failover1")).to_have_text("server2", timeout=30000)
    expect(servers.locator("tr[data-server=server1]")).to_contain_text("Offline")
    servers.get_by_role("button", name="Start service on server1").click()
    expect(servers.locator("tr[data-server=server1] td").nth(1)).to_have_text("Online", timeout=30000)
    page.get_by_role("button", name="Suspend the cluster").click()
    expect(page.get_by_test_id("cluster-status")).to_have_text("Suspend", timeout=30000)
    page.get_by_role("button", name="Resume the cluster").click()
    expect(page.get_by_test_id("cluster-status")).to_have_text("Online", timeout=30000)


def test_the_picture_shows_zones_servers_and_where_the_vip_points_live(page, login, users, sim):
    from tests.conftest import ARTIFACTS

    cluster = running_on_sim("vip", users, sim)
    login(users["viewer"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/")
    picture = page.get_by_role("img", name="Picture of the cluster")
    expect(picture).to_contain_text("ap-northeast-1a")
    expect(picture).to_contain_text("ap-northeast-1c")
    server1 = picture.locator("g.server[data-server=server1]")
    expect(server1).to_contain_text("group failover1 (Online)")
    expect(server1).to_contain_text("awsvip1 -> 10.1.0.20")
    page.screenshot(path=str(ARTIFACTS / "cluster-picture.png"), full_page=True)
    ok(run("group_move", users, cluster, group="failover1", server="server2"))  # as the worker does
    expect(picture.locator("g.server[data-server=server2]")).to_contain_text("awsvip1 -> 10.1.0.20", timeout=15000)
    expect(server1).not_to_contain_text("awsvip1")


def test_the_alert_service_page_adds_a_webhook_and_its_test_arrives(page, login, users, webhook_receiver):
    from tests.conftest import ARTIFACTS
    from tests.factories import ClusterFactory

    hook, received = webhook_receiver
    shown = hook.replace("/hooks/ops", "/hooks/***")  # the token part of a webhook is not shown once saved
    cluster = ClusterFactory(name="cluster1")
    login(users["admin"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/alert-service/")
    page.get_by_label("Destination", exact=True).select_option(label="Webhook (chat tools)")
    page.get_by_label("Topic ARN, address or URL").fill(hook)
    page.get_by_label("From level").select_option(label="Warning")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("table", name="Destinations")).to_contain_text(shown)
    expect(page.get_by_role("table", name="Destinations")).not_to_contain_text(hook)
    page.get_by_role("button", name=f"Send a test alert to {shown}").click()
    expect(page.locator(".messages")).to_contain_text(f"The test alert reached Webhook (chat tools) {shown}.")
    page.screenshot(path=str(ARTIFACTS / "alert-service.png"), full_page=True)
    assert received and received[0]["message"].startswith(f"Alert Service test to Webhook (chat tools) {shown}")
    for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/hooks/closed"):
        page.get_by_label("Destination", exact=True).select_option(label="Webhook (chat tools)")
        page.get_by_label("Topic ARN, address or URL").fill(target)
        page.get_by_role("button", name="Add").click()
        if "169.254" in target:
            expect(page.get_by_role("alert")).to_contain_text("169.254.169.254, the instance metadata address")
    page.get_by_role("button", name="Send a test alert to http://127.0.0.1:9/hooks/***").click()
    expect(page.locator(".messages")).to_contain_text("did not reach Webhook (chat tools) http://127.0.0.1:9/hooks/***")
    expect(page.locator(".messages")).to_contain_text("ConnectionRefusedError")


def test_the_dashboard_puts_the_cluster_in_trouble_first(page, login, users, sim):
    from clusters.runtime import ObjectState
    from tests.conftest import ARTIFACTS

    healthy = build_on_sim("vip", users, sim)
    troubled = build_on_sim("eip", users, sim)
    for cluster in (healthy, troubled):
        ok(run("apply", users, cluster))
        ok(run("cluster_start", users, cluster))
    ObjectState.objects.update_or_create(
        cluster=troubled, kind="monitor", name="awseipw1", defaults={"status": "error"}
    )  # as the engine records a detected error
    login(users["viewer"])
    rows = page.get_by_role("table", name="Clusters").locator("tbody tr")
    expect(rows.first).to_have_attribute("data-cluster", troubled.name)
    expect(rows.first).to_contain_text("monitor(s) in error")
    expect(page.locator(f"tr[data-cluster='{healthy.name}']")).to_contain_text("Online")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
