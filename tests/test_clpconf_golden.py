"""Golden files: each of the guide's five configurations exports the expected clp.conf."""

import os
from pathlib import Path

import pytest

from clusters.clpconf import transfer
from clusters.clpconf.reader import parse_xml
from clusters.clpconf.xmlpath import get
from clusters.configuration.draft import from_models
from clusters.configuration.validation import validate
from tests import guide

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def admin(users):
    return users["admin"]


@pytest.mark.parametrize("variant", guide.VARIANTS)
def test_guide_configuration_exports_the_golden_file(admin, variant):
    cluster = guide.build(variant, user=admin, name="cluster1")
    assert validate(from_models(cluster)) == []
    data = transfer.export_conf(user=admin, cluster=cluster)
    path = GOLDEN / f"{variant}.conf"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{path.name} differs; review the change, then UPDATE_GOLDEN=1"


@pytest.mark.parametrize("variant", guide.VARIANTS)
def test_common_resources_of_chapter_4_3(admin, variant):
    root, encoding = parse_xml(transfer.export_conf(user=admin, cluster=guide.build(variant, user=admin)))
    ids = guide.IDS["servers"]
    assert encoding == "SJIS"
    assert get(root, "all/serveros") == "windows"
    # Interconnect: each server's private IP on LAN device 0, also the mirror disk connect mdc1 (device 400).
    for name, values in ids.items():
        assert get(root, f"server@{name}/device@0/type") == "lan"
        assert get(root, f"server@{name}/device@0/info") == values["ip"]
        assert get(root, f"server@{name}/device@400/type") == "mdc"
        assert get(root, f"server@{name}/device@700/type") == "witness"
    assert get(root, "heartbeat/lankhb@lankhb1/device") == "0"
    assert get(root, "heartbeat/objstorehb@objstorehb1/parameters/bucket") == guide.IDS["bucket"]
    assert get(root, "heartbeat/witnesshb@witnesshb1/host") == guide.IDS["witness"]
    # "Confirm that the HTTP NP resolution resource has been automatically added."
    assert get(root, "networkpartition/httpnp@httpnp1/host") == guide.IDS["witness"]
    for name, values in ids.items():
        assert get(root, f"forcestop/aws@forcestop1/server@{name}/parameters/instanceid") == values["instance"]
    assert get(root, "group@failover1/type") == "failover"
    assert get(root, "resource/md@md/parameters/netdev@0/mdcname") == "mdc1"
    assert get(root, "monitor/mdw@mdw1/target") == "md"
    assert get(root, "monitor/awsazw@awsazw1/parameters/availabilityzone") == "ap-northeast-1a"
    assert get(root, "monitor/awsazw@awsazw1/server@server2/parameters/availabilityzone") == "ap-northeast-1c"
    assert get(root, "monitor/awsazw@awsazw1/relation/type") == "cls"
    assert get(root, "monitor/awsazw@awsazw1/relation/name") == "LocalServer"


PECULIAR = {
    "vip": (
        "awsvip",
        "awsvip1",
        "awsvipw",
        {
            "parameters/ip": "10.1.0.20",
            "parameters/vpcid": guide.IDS["vpc"],
            "server@server2/parameters/vpcid": guide.IDS["vpc"],
        },
    ),
    "eip": ("awseip", "awseip1", "awseipw", {"parameters/eipid": guide.IDS["eip"]}),
    "sip": ("awssip", "awssip1", "awssipw", {"parameters/ip": guide.IDS["sip"]}),
    "dns": (
        "awsdns",
        "awsdns1",
        "awsdnsw",
        {
            "parameters/recordset": "srv.hz1.local.",
            "parameters/ttl": "300",
            "parameters/ip": "10.0.110.10",
            "server@server2/parameters/ip": "10.0.120.10",
            "parameters/delete": "1",
            "parameters/hostedzoneid": guide.IDS["hosted_zone"],
        },
    ),
    "nlb": ("lbpp", "lbpp1", "lbppw", {"parameters/port": "12345", "parameters/hctimeout": "31"}),
}


@pytest.mark.parametrize("variant", guide.VARIANTS)
def test_each_chapters_resource_and_its_automatic_monitor(admin, variant):
    rtype, rname, mtype, values = PECULIAR[variant]
    root, _ = parse_xml(transfer.export_conf(user=admin, cluster=guide.build(variant, user=admin)))
    assert get(root, f"group@failover1/resource@{rtype}@{rname}") is not None
    for path, expected in values.items():
        assert get(root, f"resource/{rtype}@{rname}/{path}") == expected, path
    if rtype != "lbpp":  # each server's own ENI ID, set up individually
        servers = guide.IDS["servers"]
        assert get(root, f"resource/{rtype}@{rname}/parameters/eniid") in (None, servers["server1"]["eni"])
        if rtype != "awsdns":
            assert get(root, f"resource/{rtype}@{rname}/server@server2/parameters/eniid") == servers["server2"]["eni"]
    # "This monitor resource is automatically added when the resource is added."
    assert get(root, f"monitor/{mtype}@{mtype}1/target") == rname
    assert get(root, f"monitor/{mtype}@{mtype}1/relation/name") == rname
