"""Issue 29 in Chromium, editing: the wizard refuses what cannot work (a taken name whatever its case, another
server's IP, an IP outside the VPC) and can be abandoned; the object pages' messages keep their subject, name
their servers and never double up; defaults show filled in; a step edited from Config Mode returns there."""

import re

import pytest
from playwright.sync_api import expect

from clusters.models import Cluster
from tests.guide import build_on_sim

pytestmark = pytest.mark.browser


def errors_of(page):
    return page.locator(".error[role=alert]")


def test_the_wizard_refuses_a_taken_name_or_address_and_is_abandoned(page, login, users, sim, accessible):
    taken = build_on_sim("vip", users, sim)
    server1 = sim["servers"]["server1"]["private_ip"]
    login(users["admin"])
    base = page.url
    page.get_by_role("link", name="Cluster generation wizard").click()
    page.get_by_label("Cluster Name").fill(taken.name.upper())
    page.get_by_role("button", name="Next").click()
    expect(errors_of(page)).to_have_text(f"A cluster named {taken.name} exists already: choose another Cluster Name.")
    page.get_by_label("Cluster Name").fill("ha-new")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Basic Settings")).to_be_visible()

    for name, address in (("server1", server1), ("server2", server1), ("server2", "192.0.2.5")):
        page.get_by_label("Server Name").fill(name)
        page.get_by_label("IP Address").fill(address)
        page.get_by_role("button", name="Add", exact=True).click()
        # htmx has swapped the answer in and settled: the next fill types into the form that stays
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
        if name == "server1":
            expect(page.locator("#servers tbody")).to_contain_text(server1)
        elif address == server1:
            expect(errors_of(page)).to_contain_text(f"{server1} is the IP address of server1 already")
    expect(errors_of(page)).to_have_text(re.compile(r"^192\.0\.2\.5 is outside the VPC \(.*10\.0\.0\.0/16.*\)"))
    page.get_by_label("IP Address").fill(server1)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(errors_of(page)).to_have_text(
        f"{server1} is the IP address of server1 already: enter this server's own private IP address."
    )
    accessible(page, "Basic Settings with an error")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Abandon the wizard").click()
    assert asked == [
        "Are you sure you want to abandon the wizard? Cluster ha-new and everything entered for it are deleted."
    ]
    assert Cluster.objects.filter(name="ha-new").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Abandon the wizard").click()
    expect(page).to_have_url(base)
    expect(page.locator(".messages")).to_contain_text("The wizard is abandoned: cluster ha-new is deleted.")
    assert not Cluster.objects.filter(name="ha-new").exists()


def test_object_pages_keep_the_subject_name_the_servers_and_show_the_defaults(page, login, users, sim, accessible):
    cluster = build_on_sim("eip", users, sim)
    pk, group = cluster.pk, cluster.groups.get()
    eip, azw = cluster.resources.get(name="awseip1"), cluster.monitors.get(name="awsazw1")
    login(users["admin"])
    base = page.url

    # A required value left empty says whose it is.
    page.goto(f"{base}clusters/{pk}/resources/{eip.pk}/details/")
    common = page.get_by_role("group", name="Common")
    common.get_by_label("EIP ALLOCATION ID").fill("")
    page.get_by_role("button", name="Finish").click()
    expect(errors_of(page)).to_have_text(["EIP ALLOCATION ID is required. Enter EIP ALLOCATION ID on the Common tab."])

    # A wrong AZ is one message naming both servers, not the same words twice.
    page.goto(f"{base}clusters/{pk}/monitors/{azw.pk}/special/")
    page.get_by_role("group", name="Common").get_by_label("Availability Zone").fill("ap-northeast-1x")
    page.get_by_role("group", name="server2").get_by_label("Set Up Individually").uncheck()  # both take Common's
    page.get_by_role("button", name="Next").click()
    expect(errors_of(page)).to_have_text([re.compile(r"^server1, server2: 5 : Invalid availability zone")])
    accessible(page, "Monitor (special) with an error")

    # Recovery Action shows the defaults that apply; saved unchanged, they stay unstated.
    monitor = cluster.monitors.get(name="awseipw1")
    page.goto(f"{base}clusters/{pk}/monitors/{monitor.pk}/recovery/")
    expect(page.get_by_label("Maximum Reactivation Count")).to_have_value("3")
    expect(page.get_by_label("Maximum Failover Count")).to_have_value("1")
    expect(page.get_by_label("Final Action")).to_have_value("1")
    page.get_by_role("button", name="Finish").click()
    monitor.refresh_from_db()
    assert (monitor.restart_threshold, monitor.failover_threshold, monitor.final_action) == (None, None, "")

    # A new LB probe port: Recovery Operation's defaults filled in; the guide's 31 s Health Check Timeout passes
    # against the NLB's 30 s interval; a port out of range is one message.
    page.goto(f"{base}clusters/{pk}/groups/{group.pk}/resources/add/")
    page.get_by_label("Type").select_option(label="LB probe port resource")
    page.get_by_label("Name").fill("lbpp1")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # Dependency
    expect(page.get_by_label("Failover Threshold")).to_have_value("1")
    expect(page.get_by_label("Final Action", exact=True)).to_have_value("1")
    page.get_by_role("button", name="Next").click()
    common = page.get_by_role("group", name="Common")
    expect(common.get_by_label("Health Check Timeout")).to_have_value("31")
    common.get_by_label("Port Number").fill("70000")
    page.get_by_role("button", name="Finish").click()
    expect(errors_of(page)).to_have_text(["Ensure this value is less than or equal to 65535."])
    common.get_by_label("Port Number").fill("12345")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Group Resource List")).to_be_visible()
    assert cluster.resources.get(name="lbpp1").parameters == {"port": 12345, "hctimeout": 31}

    # A wizard step opened from Config Mode returns there.
    page.goto(f"{base}clusters/{pk}/config/")
    page.get_by_role("link", name="Edit fencing").click()
    expect(page.get_by_role("button", name="Next")).to_have_count(0)
    page.get_by_role("button", name="Finish").click()
    expect(page).to_have_url(f"{base}clusters/{pk}/config/")
