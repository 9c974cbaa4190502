"""Browser flow: import a configuration, look at it in config mode, export it again."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
GOLDEN = Path(__file__).parent / "golden"


def test_import_view_and_export_the_setting(page, login, users, tmp_path):
    login(users["admin"])
    page.get_by_role("link", name="Import the Setting").click()
    page.get_by_label("Configuration File").set_input_files(str(GOLDEN / "vip.conf"))
    page.get_by_label("Cluster Name").fill("cluster1")
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/clusters/\d+/config/$"))
    expect(page.locator(".messages")).to_contain_text("Imported the setting of cluster cluster1.")
    tree = page.get_by_role("navigation", name="Configuration")
    for name in ("server1", "server2", "failover1", "awsvip1", "awsvipw1", "awsazw1"):
        expect(tree.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("The configuration has no problem that can be found without AWS.")).to_be_visible()

    page.get_by_text("File", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("menuitem", name="Export the Setting").click()
    download = download_info.value
    assert download.suggested_filename == "cluster1.zip"
    saved = tmp_path / "cluster1.zip"
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert archive.read("clp.conf") == (GOLDEN / "vip.conf").read_bytes()

    # The mode selector leads to Operation Mode and back, by the toolbar's drop-down.
    page.get_by_label("Mode").select_option(label="Operation Mode")
    expect(page).to_have_url(re.compile(r"/operation/$"))


def test_a_refused_import_says_why_and_keeps_what_was_typed(page, login, users, tmp_path):
    bad = tmp_path / "clp.conf"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE root [<!ENTITY a "b">]><root>&a;</root>')
    login(users["admin"])
    page.get_by_role("link", name="Import the Setting").click()
    page.get_by_label("Cluster Name").fill("keepme")
    page.get_by_label("Configuration File").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("contains a DTD")
    expect(page.get_by_label("Cluster Name")).to_have_value("keepme")
