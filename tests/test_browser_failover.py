"""Browser flow: from Operation Mode to Failover, the computed worst case, then "What if server1 failed now?"
rehearsed on a worker, read on the run's page."""

import re

import pytest
from playwright.sync_api import expect

from tests.guide import build_on_sim, give_roles
from tests.runs import ok, run

pytestmark = pytest.mark.browser


def test_rehearse_a_failover_from_operation_mode(page, login, users, celery_worker, sim):
    cluster = build_on_sim("vip", users, sim)
    give_roles(sim, cluster)
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    login(users["operator"])
    page.goto(f"{page.url}clusters/{cluster.pk}/operation/")
    page.get_by_role("link", name="Failover", exact=True).click()
    expect(page.get_by_role("heading", name="Worst case, computed")).to_be_visible()
    expect(page.get_by_role("table", name="Bounds of failover1")).to_contain_text("Server lost")
    page.get_by_label("What if this server failed now?").select_option("server1")
    page.get_by_role("button", name="Rehearse").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    log = page.locator("#run-progress .log")
    expect(log).to_contain_text("Group failover1: a failover from server1 to server2 would succeed", timeout=30000)
    expect(page.locator("#run-progress .status")).to_have_text("Succeeded")
