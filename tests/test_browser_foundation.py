"""Browser flows of the foundation, in Debian's chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_login_shows_the_empty_dashboard(page, live_server, users):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("User Name").fill("admin1")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(page.get_by_label("User Name")).to_have_value("admin1")  # what was typed is kept
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Login").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text("No cluster is configured yet.")).to_be_visible()
    expect(page.get_by_text("Administrator")).to_be_visible()
    # htmx is served by the console itself (the machines are offline).
    assert page.evaluate("typeof htmx") == "object"


def test_run_progress_shows_log_lines_live(page, login, users, celery_worker, aws_endpoint):
    login(users["operator"])
    page.get_by_role("button", name="Check the AWS connection").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    url_of_run = page.url
    # The partial polls while the run is active; no reload happens on this page.
    expect(page.locator("#run-progress .log")).to_contain_text("The AWS connection works.", timeout=30000)
    expect(page.locator("#run-progress [data-status]")).to_have_text("Succeeded")
    expect(page.locator("#run-progress")).not_to_have_attribute("hx-trigger", "every 1s")
    assert page.url == url_of_run


def test_viewer_sees_reference_only_pages(page, login, users):
    login(users["viewer"])
    expect(page.get_by_text("Viewer")).to_be_visible()
    expect(page.get_by_role("button", name="Check the AWS connection")).to_have_count(0)
