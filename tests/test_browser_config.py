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


def test_check_aws_shows_progress_then_findings_linked_to_the_field(page, login, users, celery_worker, aws_endpoint):
    from tests import guide

    ids = dict(guide.ids_from_sim(aws_endpoint), vpc="vpc-0000000000bad0000")
    cluster = guide.build("vip", user=users["admin"], name="cluster1", ids=ids)
    login(users["operator"])
    page.goto(page.url + f"clusters/{cluster.pk}/config/")
    page.get_by_role("button", name="Check AWS").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    findings = page.get_by_role("region", name="Findings")
    expect(findings).to_be_visible(timeout=30000)  # appears when the run ends, without a reload
    group = findings.locator("article", has=page.get_by_role("heading", name="awsvip1"))
    expect(group).to_contain_text("50 : The vpc ID 'vpc-0000000000bad0000' does not exist")
    expect(group).to_contain_text("Specify a correct VPC ID.")
    group.get_by_role("link", name="VPC ID").first.click()
    expect(page).to_have_url(re.compile(r"/resources/\d+/details/$"))
