"""The cluster generation wizard in a browser: the guide's five configurations, by clicking and typing."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from clusters.clpconf.reader import parse_xml
from clusters.clpconf.xmlpath import get
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


class Wizard:
    """Drives the wizard as a user does; saves a screenshot of each page it sees."""

    def __init__(self, page, live_server, name):
        self.page, self.url, self.name, self.shots = page, live_server.url, name, 0

    def shot(self, what):
        self.shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"wizard-{self.name}-{self.shots:02d}-{what}.png"), full_page=True)

    def click(self, name):
        self.page.get_by_role("button", name=name, exact=True).click()

    def group(self, legend):
        return self.page.get_by_role("group", name=legend, exact=True)

    def heading(self, text):
        expect(self.page.get_by_role("heading", level=2, name=text, exact=True)).to_be_visible()
        self.shot(re.sub(r"\W+", "-", text.lower()).strip("-"))


def build_common(w: Wizard, sim: dict):
    page = w.page
    page.goto(w.url + "/")
    page.get_by_role("link", name="Cluster generation wizard").click()
    w.heading("Cluster")
    page.get_by_label("Cluster Name").fill("cluster1")
    page.get_by_label("Language").select_option(label="English")
    w.click("Next")

    w.heading("Basic Settings")
    for name, server in sim["servers"].items():
        page.get_by_label("Server Name").fill(name)
        page.get_by_label("IP Address").fill(server["private_ip"])
        w.click("Add")
        expect(page.locator("#servers")).to_contain_text(server["private_ip"])
    expect(page.locator("#servers")).to_contain_text("Master Server")
    w.click("Next")

    w.heading("Interconnect")
    page.get_by_label("MDC (interconnect 1)").select_option("mdc1")
    w.group("Object Storage").get_by_label("Bucket Name").fill(sim["bucket"])
    w.click("Add Object Storage")
    expect(page.locator("#heartbeats")).to_contain_text("objstorehb1")
    w.group("Witness").get_by_label("Target Host").fill("10.0.10.100")
    w.click("Add Witness")
    expect(page.locator("#heartbeats")).to_contain_text("witnesshb1")
    w.shot("interconnect-filled")
    w.click("Next")

    w.heading("Fencing")
    expect(page.get_by_role("cell", name="httpnp1")).to_be_visible()  # added with the Witness heartbeat
    expect(page.get_by_label("Type")).to_have_value("aws")
    for name, server in sim["servers"].items():  # suggested from AWS by each server's private IP
        expect(w.group(name).get_by_label("Instance ID")).to_have_value(server["instance_id"])
    w.click("Next")

    w.heading("Group List")
    page.get_by_role("link", name="Add", exact=True).click()
    w.heading("Group Definition")
    page.get_by_label("Name").fill("failover1")
    w.click("Next")
    w.heading("Startup Servers")
    w.click("Next")
    w.heading("Group Attributes")
    w.click("Next")
    w.heading("Group Resource List")
    add_resource(
        w, "Mirror disk resource", "md", {"Data Partition Drive Letter": "E:", "Cluster Partition Drive Letter": "R:"}
    )


def add_resource(w: Wizard, type_label: str, name: str, common: dict, per_server: dict | None = None):
    page = w.page
    page.get_by_role("link", name="Add", exact=True).click()
    w.heading("Resource Definition")
    page.get_by_label("Type").select_option(label=type_label)
    page.get_by_label("Name").fill(name)
    w.click("Next")
    w.heading("Dependency")
    w.click("Next")
    w.heading("Recovery Operation")
    w.click("Next")
    w.heading("Details")
    fill(w, common, per_server)
    w.shot(f"{name}-details-filled")
    w.click("Finish")
    w.heading("Group Resource List")
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def fill(w: Wizard, common: dict, per_server: dict | None = None):
    for label, value in common.items():
        field = w.group("Common").get_by_label(label, exact=True)
        if isinstance(value, bool):
            field.set_checked(value)
        else:
            field.fill(str(value))
    for server, values in (per_server or {}).items():
        w.group(server).get_by_label("Set Up Individually").check()
        for label, value in values.items():
            w.group(server).get_by_label(label, exact=True).fill(str(value))


def finish(w: Wizard, sim: dict):
    page = w.page
    w.click("Finish")  # the group's resource list
    w.heading("Group List")
    w.click("Next")
    w.heading("Monitor Resource List")
    page.get_by_role("link", name="Add", exact=True).click()
    w.heading("Monitor Resource Definition")
    page.get_by_label("Type").select_option(label="AWS AZ monitor resource")
    page.get_by_label("Name").fill("awsazw1")
    w.click("Next")
    w.heading("Monitor (common)")
    w.click("Next")
    w.heading("Monitor (special)")
    server1, server2 = sim["servers"]["server1"], sim["servers"]["server2"]
    fill(
        w,
        {"Availability Zone": server1["availability_zone"]},
        {"server2": {"Availability Zone": server2["availability_zone"]}},
    )
    w.click("Next")
    w.heading("Recovery Action")
    expect(page.get_by_label("Recovery Target")).to_have_value("cls:")  # LocalServer
    page.get_by_label("Recovery Target").select_option(label="LocalServer")
    w.click("Finish")
    w.heading("Monitor Resource List")
    w.click("Finish")
    expect(page).to_have_url(re.compile(r"/config/$"))
    w.shot("config-mode")


def export(w: Wizard, tmp_path):
    page = w.page
    page.get_by_text("File", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("menuitem", name="Export the Setting").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        return parse_xml(archive.read("clp.conf"))[0]


def variants(sim):
    s1, s2 = sim["servers"]["server1"], sim["servers"]["server2"]
    return {
        "vip": (
            "AWS Virtual IP resource",
            "awsvip1",
            {"IP Address": "10.1.0.20", "VPC ID": sim["vpc_id"], "ENI ID": s1["eni_id"]},
            {"server2": {"VPC ID": sim["vpc_id"], "ENI ID": s2["eni_id"]}},
        ),
        "eip": (
            "AWS Elastic IP resource",
            "awseip1",
            {"EIP ALLOCATION ID": sim["eip"]["allocation_id"], "ENI ID": s1["eni_id"]},
            {"server2": {"ENI ID": s2["eni_id"]}},
        ),
        "sip": (
            "AWS Secondary IP resource",
            "awssip1",
            {"IP Address": "10.0.110.100", "ENI ID": s1["eni_id"]},
            {"server2": {"ENI ID": s2["eni_id"]}},
        ),
        "dns": (
            "AWS DNS resource",
            "awsdns1",
            {
                "Hosted Zone ID": sim["hosted_zone"]["id"],
                "Resource Record Set Name": "srv.hz1.local.",
                "IP Address": s1["private_ip"],
                "TTL": 300,
                "Delete a resource record set at deactivation": True,
            },
            {"server2": {"IP Address": s2["private_ip"]}},
        ),
        "nlb": ("LB probe port resource", "lbpp1", {"Port Number": 12345, "Health Check Timeout": 31}, None),
    }


@pytest.mark.parametrize("variant", ["vip", "eip", "sip", "dns", "nlb"])
def test_the_guides_configuration_through_the_wizard(page, live_server, login, users, aws_endpoint, variant, tmp_path):
    sim = aws_endpoint
    login(users["admin"])
    w = Wizard(page, live_server, variant)
    build_common(w, sim)
    type_label, name, common, per_server = variants(sim)[variant]
    add_resource(w, type_label, name, common, per_server)
    finish(w, sim)
    expect(page.get_by_text("The configuration has no problem that can be found without AWS.")).to_be_visible()

    root = export(w, tmp_path)
    s1, s2 = sim["servers"]["server1"], sim["servers"]["server2"]
    assert get(root, "cluster/name") == "cluster1"
    for server, values in sim["servers"].items():
        assert get(root, f"server@{server}/device@0/info") == values["private_ip"]
        assert get(root, f"forcestop/aws@forcestop1/server@{server}/parameters/instanceid") == values["instance_id"]
    assert get(root, "heartbeat/objstorehb@objstorehb1/parameters/bucket") == sim["bucket"]
    assert get(root, "heartbeat/witnesshb@witnesshb1/host") == "10.0.10.100"
    assert get(root, "networkpartition/httpnp@httpnp1/host") == "10.0.10.100"
    assert get(root, "resource/md@md/parameters/volumemountpoint") == "E:"
    assert get(root, "monitor/awsazw@awsazw1/server@server2/parameters/availabilityzone") == s2["availability_zone"]
    rtype = {"vip": "awsvip", "eip": "awseip", "sip": "awssip", "dns": "awsdns", "nlb": "lbpp"}[variant]
    assert get(root, f"group@failover1/resource@{rtype}@{name}") is not None
    assert get(root, f"monitor/{rtype}w@{rtype}w1/target") == name  # added automatically
    resource = f"resource/{rtype}@{name}"
    if variant in ("vip", "eip", "sip"):
        assert get(root, f"{resource}/parameters/eniid") == s1["eni_id"]
        assert get(root, f"{resource}/server@server2/parameters/eniid") == s2["eni_id"]
    if variant == "vip":
        assert get(root, f"{resource}/server@server2/parameters/vpcid") == sim["vpc_id"]
    if variant == "dns":
        assert get(root, f"{resource}/parameters/recordset") == "srv.hz1.local."
        assert get(root, f"{resource}/server@server2/parameters/ip") == s2["private_ip"]
    if variant == "nlb":
        assert (get(root, f"{resource}/parameters/port"), get(root, f"{resource}/parameters/hctimeout")) == (
            "12345",
            "31",
        )


def test_wrong_values_are_refused_in_the_guides_words_and_nothing_typed_is_lost(
    page, live_server, login, users, aws_endpoint
):
    from tests import guide

    sim = aws_endpoint
    cluster = guide.build("vip", user=users["admin"], name="cluster1", ids=guide.ids_from_sim(sim))
    login(users["admin"])
    page.goto(f"{live_server.url}/clusters/{cluster.pk}/config/")
    page.locator("table").get_by_role("link", name="awsvip1", exact=True).click()
    page.get_by_role("link", name="Details").click()
    w = Wizard(page, live_server, "refusals")
    w.group("Common").get_by_label("IP Address").fill("10.0.110.50")  # inside the VPC's 10.0.0.0/16
    w.group("server2").get_by_label("ENI ID").fill("eni-typed-by-hand")
    w.click("Finish")
    vip_alert = w.group("Common").get_by_role("alert")
    expect(vip_alert).to_contain_text("53 : The VIP address belongs to a VPC subnet.")
    expect(vip_alert).to_contain_text("Specify an IP address out of the VPC CIDR range as the VIP address.")
    expect(w.group("server2").get_by_role("alert")).to_contain_text(
        "50 : The networkInterface ID 'eni-typed-by-hand' does not exist"
    )
    expect(w.group("Common").get_by_label("IP Address")).to_have_value("10.0.110.50")
    expect(w.group("Common").get_by_label("VPC ID")).to_have_value(sim["vpc_id"])
    expect(w.group("server2").get_by_label("ENI ID")).to_have_value("eni-typed-by-hand")
    w.shot("vip-inside-the-vpc")

    page.goto(f"{live_server.url}/clusters/{cluster.pk}/config/")
    page.get_by_role("link", name="Add a group resource").click()
    page.get_by_label("Type").select_option(label="AWS DNS resource")
    page.get_by_label("Name").fill("awsdns1")
    w.click("Next")
    w.click("Next")
    w.click("Next")
    fill(
        w,
        {
            "Hosted Zone ID": sim["hosted_zone"]["id"],
            "Resource Record Set Name": "srv.hz1.local",
            "IP Address": "10.0.110.10",
            "TTL": 60,
        },
    )
    w.click("Finish")
    expect(page.get_by_role("alert")).to_contain_text("Set the DNS name as FQDN, adding dot (.) at the end of the name")
    expect(w.group("Common").get_by_label("Hosted Zone ID")).to_have_value(sim["hosted_zone"]["id"])
    expect(w.group("Common").get_by_label("TTL")).to_have_value("60")
    expect(w.group("Common").get_by_label("Resource Record Set Name")).to_have_value("srv.hz1.local")
    w.shot("record-name-without-the-dot")
    w.group("Common").get_by_label("Resource Record Set Name").fill("srv.hz1.local.")
    w.click("Finish")
    expect(page.get_by_role("link", name="awsdns1", exact=True)).to_be_visible()
