"""Browser flow: a user creates an API token, a script uses it, the OpenAPI page works offline, the token is revoked."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests import guide

pytestmark = pytest.mark.browser


def api_get(live_server, path, token):
    url, headers = f"{live_server.url}/api/webui/v1{path}", {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the test's own server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_token_made_in_the_console_drives_the_api_until_it_is_revoked(page, login, live_server, users):
    guide.build("vip", user=users["admin"], name="cluster1")
    login(users["operator"])
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("lambda-failover-check")
    page.get_by_role("button", name="Create").click()
    secret = page.locator("[data-token]").inner_text().strip()
    assert secret.startswith("cwui_")

    status, clusters = api_get(live_server, "/clusters/", secret)
    assert status == 200 and [c["name"] for c in clusters] == ["cluster1"]
    page.reload()
    expect(page.locator("[data-token]")).to_have_count(0)  # shown once
    expect(page.locator('[data-token-row="lambda-failover-check"]')).not_to_contain_text("never")  # last used

    page.get_by_role("link", name="/api/webui/v1/docs").click()  # the interactive page, from static/
    expect(page.get_by_role("heading", name="Cluster WebUI API")).to_be_visible()
    expect(page.get_by_text("/api/webui/v1/clusters/{pk}/configuration", exact=True).first).to_be_visible()

    page.go_back()
    page.get_by_role("button", name="Revoke lambda-failover-check").click()
    expect(page.get_by_role("alert")).to_contain_text("is revoked")
    status, refused = api_get(live_server, "/clusters/", secret)
    assert status == 401 and "Bearer" in refused["detail"]
