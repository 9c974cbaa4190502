"""Issue 29 in Chromium, as an operator and an administrator meet it: confirmations in the product's manner
(Cancel changes nothing), Move to the group's other startup servers by keyboard, the tree with status colours,
one truth of the status words, named runs, and the banner of a draft that differs from the applied version."""

import re

import pytest
from playwright.sync_api import expect

from clusters.models import TaskRun
from tests.guide import build_on_sim
from tests.runs import ok, run

pytestmark = pytest.mark.browser


class Dialogs:
    """Answers the page's confirmations (accept or dismiss, as set) and keeps what they asked."""

    def __init__(self, page):
        self.asked: list[str] = []
        self.accept = False
        page.on("dialog", self.answer)

    def answer(self, dialog):
        self.asked.append(dialog.message)
        dialog.accept() if self.accept else dialog.dismiss()


def running_on_sim(variant, users, sim):
    cluster = build_on_sim(variant, users, sim)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    return cluster


def test_operations_ask_first_and_move_by_keyboard_to_the_other_server(page, login, users, celery_worker, sim):
    cluster = running_on_sim("vip", users, sim)
    login(users["operator"])
    base = page.url
    page.goto(f"{base}clusters/{cluster.pk}/operation/")
    dialogs = Dialogs(page)

    # The tree beside the status: every object with the product's status word, in its colour.
    tree = page.get_by_role("navigation", name="Cluster")
    expect(tree.locator("li:has(> a[href='#group-failover1']) > .status.online")).to_have_text("Online")
    expect(tree.locator("li:has(> a[href='#resource-awsvip1']) > .status")).to_have_text("Online")
    expect(tree.locator("li:has(> a[href='#server-server2']) > .status")).to_have_text("Online")
    expect(page.get_by_role("table", name="Group resources")).to_contain_text("AWS Virtual IP resource")

    # Everything that stops, shuts down or reboots asks first; Cancel sends nothing.
    runs_before = TaskRun.objects.filter(cluster=cluster).count()
    servers = page.get_by_role("table", name="Servers")
    for name in ("Stop the cluster", "Suspend the cluster", "Stop failover1", "Stop awsvip1", "Suspend awsvipw1"):
        page.get_by_role("button", name=name, exact=True).click()
    for name in ("Stop service on server1", "Shut down server1", "Reboot server2"):
        servers.get_by_role("button", name=name).click()
    assert dialogs.asked[0] == "Are you sure you want to stop the cluster?"
    assert "Are you sure you want to stop failover1?" in dialogs.asked
    assert "Are you sure you want to shut down server1?" in dialogs.asked
    assert "Are you sure you want to reboot server2?" in dialogs.asked
    assert len(dialogs.asked) == 8
    with page.expect_response(lambda r: "/operation/status/" in r.url):  # a poll later, still as it was
        pass
    assert TaskRun.objects.filter(cluster=cluster).count() == runs_before
    expect(page.get_by_test_id("cluster-status")).to_have_text("Online")

    # Move offers the other startup server only, and works by keyboard: Tab to it, Enter, confirm.
    target = page.get_by_label("Move failover1 to")
    expect(target.locator("option")).to_have_text(["server2"])
    target.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move failover1")).to_be_focused()
    dialogs.accept = True
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-server-failover1")).to_have_text("server2", timeout=30000)
    assert dialogs.asked[-1] == "Are you sure you want to move failover1 to server2?"
    expect(page.get_by_label("Move failover1 to").locator("option")).to_have_text(["server1"])

    # Runs are named as a person names them; a run's page keeps the cluster and the mode.
    page.get_by_role("link", name="Move group failover1").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Move group failover1")
    expect(page.locator("#mode-select option:checked")).to_have_text("Operation Mode")
    expect(page.locator("#cluster-select option:checked")).to_have_text(cluster.name)

    # Stop the cluster: the cluster and its servers are Offline, on the page and in the API alike.
    page.goto(f"{base}clusters/{cluster.pk}/operation/")
    page.get_by_role("button", name="Stop the cluster", exact=True).click()
    expect(page.get_by_test_id("cluster-status")).to_have_text("Offline", timeout=30000)
    for server in ("server1", "server2"):
        expect(servers.locator(f"tr[data-server={server}] td").nth(1)).to_have_text("Offline")
    status = page.request.get(f"{base}api/webui/v1/clusters/{cluster.pk}/status").json()
    assert [(s["status"], s["service"]["status"]) for s in status["servers"]] == [("offline", "offline")] * 2


def test_the_draft_banner_restore_and_delete_ask_and_say_what_they_drop(page, login, users, sim):
    from clusters.configuration import services
    from clusters.models import Cluster
    from clusters.runtime import Alert

    cluster = build_on_sim("vip", users, sim)
    ok(run("apply", users, cluster))
    vip = cluster.resources.get(name="awsvip1")
    services.update_group_resource(user=users["admin"], resource=vip, comment="edited, not applied")
    login(users["admin"])
    base = page.url
    dialogs = Dialogs(page)

    # Both modes say that the draft differs, and how much; the link shows the changes.
    page.goto(f"{base}clusters/{cluster.pk}/operation/")
    expect(page.get_by_test_id("draft-banner")).to_contain_text("The draft differs from the applied version (1 change)")
    page.goto(f"{base}clusters/{cluster.pk}/config/")
    banner = page.get_by_test_id("draft-banner")
    expect(banner).to_contain_text("(1 change)")
    banner.get_by_role("link", name="See what changed").click()
    expect(page.get_by_role("table", name="Changes")).to_contain_text("edited, not applied")

    # A link to an object, then a Restore (objects are renumbered): it asks, naming what the draft loses.
    link = f"{base}clusters/{cluster.pk}/resources/{vip.pk}/details/"
    page.goto(f"{base}clusters/{cluster.pk}/config/history/")
    page.get_by_role("button", name="Restore version 1").click()  # dismissed: nothing restored
    assert "Group resource awsvip1 Comment" in dialogs.asked[-1] and "1 change not applied" in dialogs.asked[-1]
    assert cluster.resources.get(name="awsvip1").comment == "edited, not applied"
    dialogs.accept = True
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 is the draft now")
    expect(page.get_by_test_id("draft-banner")).to_have_count(0)
    page.goto(link)
    expect(page).to_have_url(re.compile(rf"/clusters/{cluster.pk}/config/$"))
    expect(page.locator(".messages")).to_contain_text("That group resource is no longer in cluster")

    # Delete the cluster: refused while it runs; then a confirmation that names it, and it is gone with its alerts.
    ok(run("cluster_start", users, cluster))
    page.get_by_text("File", exact=True).click()
    page.get_by_role("menuitem", name="Delete the cluster").click()
    expect(page.get_by_role("alert")).to_contain_text("stop the cluster in Operation Mode first")
    ok(run("cluster_stop", users, cluster))
    page.reload()
    dialogs.accept = False
    page.get_by_role("button", name=f"Delete cluster {cluster.name}").click()
    assert dialogs.asked[-1].startswith(f"Are you sure you want to delete the cluster {cluster.name}?")
    assert Cluster.objects.filter(pk=cluster.pk).exists()
    dialogs.accept = True
    page.get_by_role("button", name=f"Delete cluster {cluster.name}").click()
    expect(page.locator(".messages")).to_contain_text(f"Cluster {cluster.name} is deleted")
    assert not Cluster.objects.filter(pk=cluster.pk).exists()
    assert not Alert.objects.filter(cluster_id=cluster.pk).exists()
    assert not TaskRun.objects.filter(cluster_id=cluster.pk).exists()


def test_check_aws_says_what_it_found_and_keeps_config_mode(page, login, users, sim):
    cluster = build_on_sim("vip", users, sim)
    cluster.resources.filter(name="awsvip1").update(parameters={"ip": "10.1.0.20", "vpcid": "vpc-00000000000000000"})
    check = ok(run("aws_check", users, cluster))
    assert check.result["errors"]
    login(users["operator"])
    page.goto(f"{page.url}runs/{check.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check AWS")
    status = page.locator("#run-progress [data-status=succeeded]")
    expect(status).to_have_text(re.compile(rf"^Done: {check.result['errors']} errors?, \d+ warnings?$"))
    expect(page.get_by_text("Succeeded")).to_have_count(0)
    expect(page.locator("#mode-select option:checked")).to_have_text("Config Mode")


def test_a_dummy_failure_shows_error_and_the_alerts_carry_their_server_object_and_zone(
    page, login, users, celery_worker, sim
):
    from clusters.operation import alertservice, recovery
    from clusters.runtime import AlertDestination
    from tests.runs import recover, wait_for_end

    cluster = running_on_sim("vip", users, sim)
    recovery.control(user=users["operator"], cluster=cluster, action="dummy_on", monitors=["awsvipw1"])
    recover(users, cluster)
    runs = recover(users, cluster)  # past its retry: the recovery run (the worker's or this process's)
    assert [r.kind for r in runs] == ["recovery"]
    ok(wait_for_end(runs[0]))
    hook = AlertDestination.objects.create(
        cluster=cluster, kind="webhook", target="http://127.0.0.1:9/nowhere", min_level="error"
    )
    login(users["operator"])
    base = page.url

    page.goto(f"{base}clusters/{cluster.pk}/operation/")
    row = page.get_by_role("table", name="Monitor resources").locator("tr[data-monitor=awsvipw1]")
    expect(row.locator(".status")).to_have_text("Error")
    expect(row).to_contain_text("dummy failure")
    tree = page.get_by_role("navigation", name="Cluster")
    expect(tree.locator("li:has(> a[href='#monitor-awsvipw1']) > .status.error")).to_have_text("Error")

    # The Alert Service's Test says at once that it failed; a destination that keeps failing is one line.
    page.goto(f"{base}clusters/{cluster.pk}/operation/alert-service/")
    page.get_by_role("button", name=f"Send a test alert to {hook.shown_target}").click()
    expect(page.locator(".messages .error")).to_contain_text(f"The test alert did not reach {hook}:")
    for _ in range(2):  # as the worker records deliveries that failed after their retries
        alertservice.record_failure(0, hook.pk, ConnectionRefusedError("Connection refused"))

    page.goto(f"{base}clusters/{cluster.pk}/operation/alerts/")
    alerts = page.get_by_role("table", name="Alerts")
    expect(alerts.locator("tbody tr", has_text="Alert Service: delivery to")).to_have_count(1)
    expect(alerts).to_contain_text("(3 alerts not delivered).")
    expect(alerts.locator("tbody tr td:first-child").first).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
    )
    servers = page.get_by_label("Server").locator("option")
    expect(servers).to_have_text(["Any", "server1"])  # many of its alerts name server1: listed once
    page.get_by_label("Object or words").fill("awsvipw1")
    page.get_by_role("button", name="Filter").click()
    recovered = alerts.locator("tbody tr", has_text="Recovery:").first
    expect(recovered).to_contain_text("server1")
    expect(recovered.get_by_role("link", name="awsvipw1")).to_be_visible()


def test_the_picture_shows_the_eip_address_and_the_nlb_targets_health_within_its_boxes(page, login, users, sim):
    from clusters.aws.account import AwsAccount
    from clusters.operation import state

    clusters = [running_on_sim(variant, users, sim) for variant in ("eip", "nlb")]
    for cluster in clusters:  # as the engine's next round reads the instances
        state.record_server_states(cluster, state.applied_config(cluster), AwsAccount())
    public = sim["eip"]["public_ip"]
    login(users["viewer"])
    base = page.url
    page.goto(f"{base}clusters/{clusters[0].pk}/operation/")
    picture = page.get_by_role("img", name="Picture of the cluster")
    expect(picture.locator("g.server[data-server=server1]")).to_contain_text(f"awseip1 EIP: {public}")
    expect(picture.locator("g.server[data-server=server2]")).not_to_contain_text("EIP:")
    page.goto(f"{base}clusters/{clusters[1].pk}/operation/")
    server1 = picture.locator("g.server[data-server=server1]")
    expect(server1).to_contain_text(re.compile(r"lbpp1 NLB target: \w+"))
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('g.server')].flatMap(box => {
             const rect = box.querySelector('rect').getBBox();
             const out = t => t.getBBox().x + t.getBBox().width > rect.x + rect.width;
             return [...box.querySelectorAll('text')].filter(out).map(t => t.textContent); })"""
    )
    assert overflowing == []
    icon = page.request.get(f"{base}favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
