"""Browser flow: a large configuration's config mode opens at once; a group's resources, the monitor
resources and the problems load when opened (htmx)."""

import pytest
from playwright.sync_api import expect

from tests import guide

pytestmark = pytest.mark.browser


def test_a_large_configuration_opens_collapsed_and_shows_each_part_on_demand(page, login, live_server, users):
    cluster = guide.sized_cluster(60, user=users["admin"])
    login(users["admin"])
    page.goto(f"{live_server.url}/clusters/{cluster.pk}/config/")
    expect(page.locator("#resource-vip7")).to_have_count(0)
    expect(page.locator(".problems, p.ok").first).to_be_visible()  # the problems arrived by themselves
    page.locator("#group-g7 + details summary").click()
    expect(page.locator("#resource-vip7")).to_be_visible()
    expect(page.locator("#resource-md7")).to_be_visible()
    page.get_by_text(f"{cluster.monitors.count()} monitor resources", exact=True).last.click()
    expect(page.locator("#monitor-awsazw1")).to_be_visible()
    page.locator("#resource-vip7").get_by_role("link", name="vip7").click()
    expect(page.get_by_role("heading", name="Resource Definition · vip7 (AWS Virtual IP resource)")).to_be_visible()
