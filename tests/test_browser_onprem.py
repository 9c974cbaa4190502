"""Browser flow: an on-premises clp.conf is imported, moved to AWS after a reviewed diff, and passes Check AWS."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clusters.aws import onprem
from clusters.models import Cluster
from tests import guide
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "clpconf"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.conf")), ids=lambda p: p.stem)
def test_an_onprem_file_becomes_an_aws_configuration_that_passes_check_aws(
    page, login, users, celery_worker, sim, path
):
    login(users["admin"])
    page.get_by_role("link", name="Import the Setting").click()
    page.get_by_label("Configuration File").set_input_files(str(path))
    page.get_by_label("Cluster Name").fill("onprem")
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/clusters/\d+/config/$"))

    page.get_by_text("File", exact=True).click()
    page.get_by_role("menuitem", name="Move to AWS").click()
    expect(page.get_by_role("heading", name="Found on premises")).to_be_visible()
    found = onprem.survey(Cluster.objects.get(name="onprem"))
    instances = list(sim["servers"].values())
    for server, instance in zip(found.servers, instances, strict=False):
        page.get_by_label(f"Instance ID of {server}").fill(instance["instance_id"])
    for i, fip in enumerate(found.floating_ips):
        if i % 2 == 0:
            page.get_by_label(f"Replace {fip.name} ({fip.ip}) with").select_option(label="AWS Virtual IP resource")
            page.get_by_label(f"IP Address for {fip.name}").fill(guide.IDS["vip"])
        else:
            page.get_by_label(f"Replace {fip.name} ({fip.ip}) with").select_option(label="AWS DNS resource")
            page.get_by_label(f"Hosted Zone ID for {fip.name}").fill(sim["hosted_zone"]["id"])
            page.get_by_label(f"Resource Record Set Name for {fip.name}").fill(sim["hosted_zone"]["record_name"])
    page.get_by_label("Bucket Name").fill(sim["bucket"])
    page.get_by_label("Target Host").fill(guide.IDS["witness"])

    page.get_by_role("button", name="Preview").click()
    changes = page.get_by_role("region", name=re.compile("What Move to AWS changes"))
    expect(changes).to_contain_text("AWS forced stop of the servers' instances")
    diff = page.get_by_label("clp.conf diff")
    expect(diff).to_contain_text(f"<info>{instances[0]['private_ip']}</info>")
    if found.floating_ips:
        expect(changes).to_contain_text(f"Floating IP resource {found.floating_ips[0].name}")
        expect(diff.locator(".added", has_text='<awsvip name="awsvip1">')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"move-to-aws-preview-{path.stem}.png"), full_page=True)
    page.get_by_role("button", name="Move to AWS").click()
    expect(page).to_have_url(re.compile(r"/clusters/\d+/config/$"))
    expect(page.locator(".messages")).to_contain_text("Moved to AWS")

    page.get_by_role("button", name="Check AWS").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("[data-status=succeeded]")).to_be_visible(timeout=60000)
    expect(page.locator(".findings tr.error")).to_have_count(0)
