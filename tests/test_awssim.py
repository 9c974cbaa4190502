"""The embedded AWS simulation seeds exactly the guide's reference topology."""

import json
import subprocess
import sys
import time

import boto3
import pytest
from django.core.management import call_command

from tests.conftest import ROOT, free_port, wait_for_port


def clients(endpoint):
    def make(service):
        return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-1")

    return make("ec2"), make("route53"), make("s3"), make("elbv2")


@pytest.fixture(scope="module")
def awssim_process(tmp_path_factory):
    """`manage.py awssim` as a user starts it: its own process, its own empty moto server."""
    port = free_port()
    ids_file = tmp_path_factory.mktemp("awssim") / "ids.json"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "awssim", "--port", str(port), "--ids-file", str(ids_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not ids_file.exists() or not ids_file.read_text().endswith("}"):
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "awssim did not seed within 60 s"
        time.sleep(0.2)
    yield json.loads(ids_file.read_text())
    proc.terminate()
    proc.wait(10)


def test_vpc_subnets_gateways_and_routes(awssim_process):
    ids = awssim_process
    ec2, *_ = clients(ids["endpoint_url"])
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [ids["vpc_id"]]
    vpc_id = ids["vpc_id"]
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted((s["CidrBlock"], s["AvailabilityZone"]) for s in subnets) == [
        ("10.0.10.0/24", "ap-northeast-1a"),
        ("10.0.110.0/24", "ap-northeast-1a"),
        ("10.0.120.0/24", "ap-northeast-1c"),
        ("10.0.20.0/24", "ap-northeast-1c"),
    ]
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    assert len(igws["InternetGateways"]) == 1
    nats = ec2.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert [n["SubnetId"] for n in nats] == [ids["subnets"]["Subnet-1A"]["id"]]

    tables = {
        t["RouteTableId"]: t
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    }
    public = tables[ids["route_tables"]["Public-AB"]]["Routes"]
    private = tables[ids["route_tables"]["Private-AB"]]["Routes"]
    assert {r.get("GatewayId") for r in public if r.get("DestinationCidrBlock") == "0.0.0.0/0"} == {
        ids["internet_gateway_id"]
    }
    assert {r.get("NatGatewayId") for r in private if r.get("DestinationCidrBlock") == "0.0.0.0/0"} == {
        ids["nat_gateway_id"]
    }
    server1_eni = ids["servers"]["server1"]["eni_id"]
    for routes in (public, private):
        vip_routes = [r for r in routes if r.get("DestinationCidrBlock") == "10.1.0.20/32"]
        assert [r["NetworkInterfaceId"] for r in vip_routes] == [server1_eni]


def test_two_windows_instances_one_per_az_with_source_dest_check_off(awssim_process):
    ids = awssim_process
    ec2, *_ = clients(ids["endpoint_url"])
    reservations = ec2.describe_instances(Filters=[{"Name": "vpc-id", "Values": [ids["vpc_id"]]}])["Reservations"]
    instances = [i for r in reservations for i in r["Instances"]]
    assert len(instances) == 2
    assert {i["Placement"]["AvailabilityZone"] for i in instances} == {"ap-northeast-1a", "ap-northeast-1c"}
    assert {i.get("Platform") for i in instances} == {"windows"}
    assert {i["PrivateIpAddress"] for i in instances} == {"10.0.110.10", "10.0.120.10"}
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=[s["eni_id"] for s in ids["servers"].values()])[
        "NetworkInterfaces"
    ]
    assert [e["SourceDestCheck"] for e in enis] == [False, False]
    assert {e["Attachment"]["InstanceId"] for e in enis} == {i["InstanceId"] for i in instances}


def test_elastic_ip_hosted_zone_bucket_and_nlb(awssim_process):
    ids = awssim_process
    ec2, r53, s3, elb = clients(ids["endpoint_url"])
    addresses = ec2.describe_addresses(AllocationIds=[ids["eip"]["allocation_id"]])["Addresses"]
    assert addresses[0]["PublicIp"] == ids["eip"]["public_ip"]

    zone = r53.get_hosted_zone(Id=ids["hosted_zone"]["id"])
    assert zone["HostedZone"]["Name"] == "hz1.local."
    assert zone["HostedZone"]["Config"]["PrivateZone"] is True
    assert [v["VPCId"] for v in zone["VPCs"]] == [ids["vpc_id"]]
    records = r53.list_resource_record_sets(HostedZoneId=ids["hosted_zone"]["id"])["ResourceRecordSets"]
    assert ("srv.hz1.local.", "A") in {(r["Name"], r["Type"]) for r in records}

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["clusterwebui-objstorage-hb"]

    groups = elb.describe_target_groups(TargetGroupArns=[ids["nlb"]["target_group_arn"]])["TargetGroups"]
    assert (groups[0]["HealthCheckPort"], groups[0]["HealthCheckIntervalSeconds"]) == ("12345", 30)
    health = elb.describe_target_health(TargetGroupArn=ids["nlb"]["target_group_arn"])["TargetHealthDescriptions"]
    assert {t["Target"]["Id"] for t in health} == {s["instance_id"] for s in ids["servers"].values()}
    attributes = elb.describe_load_balancer_attributes(LoadBalancerArn=ids["nlb"]["arn"])["Attributes"]
    assert {"Key": "load_balancing.cross_zone.enabled", "Value": "true"} in attributes


# Our simulation, unseeded, in a process of its own (moto's backends are per process: the session's is seeded).
UNSEEDED = """
import os, sys, threading
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webui.settings")
django.setup()
from webui import awssim
from webui.awssim.rules import QUICK_WAITS
awssim.start_server(int(sys.argv[1]), rules=awssim.load(QUICK_WAITS))
threading.Event().wait()
"""


def test_seed_only_seeds_a_server_that_already_runs(capsys):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", UNSEEDED, str(port)], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30)
        endpoint = f"http://127.0.0.1:{port}"
        call_command("awssim", seed_only=True, endpoint=endpoint)
        ids = json.loads(capsys.readouterr().out)
        ec2, *_ = clients(endpoint)
        assert ec2.describe_vpcs(VpcIds=[ids["vpc_id"]])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
    finally:
        server.terminate()
        server.wait(10)


def test_seed_only_needs_an_endpoint():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--seed-only needs --endpoint"):
        call_command("awssim", seed_only=True)
