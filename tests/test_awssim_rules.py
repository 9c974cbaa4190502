"""The simulation behaves like AWS: rate buckets with AWS's answers, latency, DryRun, the ideal mode, settings."""

import os
import subprocess
import sys
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from tests.conftest import ROOT, free_port
from webui import awssim

VIP = "10.1.0.20/32"


def client(sim, service, attempts=1):
    return boto3.client(
        service,
        endpoint_url=sim["endpoint_url"],
        region_name="ap-northeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def error_of(call, **kwargs) -> tuple[str, int, dict]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response


def vip_routes(ec2, sim) -> dict:
    tables = ec2.describe_route_tables(RouteTableIds=list(sim["route_tables"].values()))["RouteTables"]
    return {
        t["RouteTableId"]: r.get("NetworkInterfaceId")
        for t in tables
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == VIP
    }


def test_a_mutating_bucket_empties_answers_request_limit_exceeded_and_refills_at_its_rate(sim, awssim_rules):
    awssim_rules(WEBUI_AWSSIM_EC2_MUTATING_SIZE=3, WEBUI_AWSSIM_EC2_MUTATING_REFILL=1)
    ec2 = client(sim, "ec2")
    table, eni = sim["route_tables"]["Private-AB"], sim["servers"]["server2"]["eni_id"]
    for _ in range(3):
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni)
    code, status, response = error_of(
        ec2.replace_route, RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni
    )
    assert (code, status) == ("RequestLimitExceeded", 503)
    assert response["Error"]["Message"] == "Request limit exceeded."
    # Each API has a bucket of its own (the page: "requests for other API are not affected").
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.1.0.21/32", NetworkInterfaceId=eni)
    time.sleep(1.1)  # a token a second: one more call, and only one
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni)
    assert error_of(ec2.replace_route, RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni)[0] == (
        "RequestLimitExceeded"
    )


def test_botocore_standard_mode_retries_a_throttled_call_as_it_retries_aws(sim, awssim_rules):
    awssim_rules(WEBUI_AWSSIM_EC2_DESCRIBE_SIZE=1, WEBUI_AWSSIM_EC2_DESCRIBE_REFILL=0.01)
    ec2 = client(sim, "ec2", attempts=3)
    ec2.describe_vpcs()
    code, status, response = error_of(ec2.describe_vpcs)
    assert (code, status, response["ResponseMetadata"]["RetryAttempts"]) == ("RequestLimitExceeded", 503, 2)


def test_unfiltered_describe_instances_has_its_smaller_bucket_and_a_filtered_one_the_describe_bucket(sim, awssim_rules):
    awssim_rules(WEBUI_AWSSIM_EC2_DESCRIBE_UNFILTERED_SIZE=1, WEBUI_AWSSIM_EC2_DESCRIBE_UNFILTERED_REFILL=0.01)
    ec2 = client(sim, "ec2")
    ec2.describe_instances()
    assert error_of(ec2.describe_instances)[0] == "RequestLimitExceeded"
    ec2.describe_instances(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])
    ec2.describe_instances(InstanceIds=[sim["servers"]["server1"]["instance_id"]])


def test_route53_answers_throttling_past_its_five_requests_a_second(sim, awssim_rules):
    awssim_rules(WEBUI_AWSSIM_ROUTE53_SIZE=2, WEBUI_AWSSIM_ROUTE53_REFILL=0.01)
    r53 = client(sim, "route53", attempts=2)
    r53.list_hosted_zones()
    r53.get_hosted_zone(Id=sim["hosted_zone"]["id"])
    code, status, response = error_of(r53.list_hosted_zones)
    assert (code, status, response["Error"]["Message"]) == ("Throttling", 400, "Rate exceeded")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1  # retried, as botocore retries AWS's Throttling


def test_the_default_figures_are_aws_published_ones():
    rules = awssim.Rules()
    assert rules.buckets == {
        "ec2_mutating": (50, 5),
        "ec2_network_interface": (100, 5),
        "ec2_describe": (100, 20),
        "ec2_describe_unfiltered": (50, 10),
        "ec2_stop_instances": (1000, 20),
        "route53": (5, 5),
    }
    assert (rules.mode, rules.insync_seconds, rules.latency_ms["mutating"]) == ("aws", 30.0, (100.0, 300.0))


def test_each_call_takes_its_latency(sim, awssim_rules):
    ec2 = client(sim, "ec2")
    awssim_rules(WEBUI_AWSSIM_LATENCY_SCALE=1, WEBUI_AWSSIM_LATENCY_DESCRIBE_MS="200-250")
    started = time.monotonic()
    ec2.describe_vpcs(VpcIds=[sim["vpc_id"]])
    assert 0.2 <= time.monotonic() - started < 1.5
    awssim_rules(WEBUI_AWSSIM_LATENCY_SCALE=0.5, WEBUI_AWSSIM_LATENCY_DESCRIBE_MS="200")
    started = time.monotonic()
    ec2.describe_vpcs(VpcIds=[sim["vpc_id"]])
    assert 0.1 <= time.monotonic() - started < 0.2 + 0.5


def test_dry_run_replace_route_answers_dry_run_operation_and_leaves_the_route(sim):
    ec2 = client(sim, "ec2", attempts=3)
    before = vip_routes(ec2, sim)
    table, eni2 = sim["route_tables"]["Private-AB"], sim["servers"]["server2"]["eni_id"]
    code, status, response = error_of(
        ec2.replace_route, RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2, DryRun=True
    )
    assert (code, status) == ("DryRunOperation", 412)
    assert response["Error"]["Message"] == "Request would have succeeded, but DryRun flag is set."
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert (
        vip_routes(ec2, sim)
        == before
        == dict.fromkeys(sim["route_tables"].values(), sim["servers"]["server1"]["eni_id"])
    )


def engine_calls(sim) -> list[tuple[str, dict]]:
    """Every EC2 call the engine makes (resources/types, monitors/types, clusters/aws, servers), as it makes it."""
    s1, s2 = sim["servers"]["server1"], sim["servers"]["server2"]
    table = sim["route_tables"]["Private-AB"]
    return [
        ("replace_route", {"RouteTableId": table, "DestinationCidrBlock": VIP, "NetworkInterfaceId": s2["eni_id"]}),
        ("create_route", {"RouteTableId": table, "DestinationCidrBlock": "10.1.0.9/32", "GatewayId": "local"}),
        ("delete_route", {"RouteTableId": table, "DestinationCidrBlock": VIP}),
        ("associate_address", {"AllocationId": sim["eip"]["allocation_id"], "NetworkInterfaceId": s2["eni_id"]}),
        ("disassociate_address", {"AssociationId": "eipassoc-12345678"}),
        (
            "modify_network_interface_attribute",
            {"NetworkInterfaceId": s1["eni_id"], "SourceDestCheck": {"Value": True}},
        ),
        ("stop_instances", {"InstanceIds": [s1["instance_id"]], "Force": True}),
        ("reboot_instances", {"InstanceIds": [s1["instance_id"]]}),
        ("start_instances", {"InstanceIds": [s2["instance_id"]]}),
        ("describe_instances", {}),
        ("describe_network_interfaces", {"NetworkInterfaceIds": [s1["eni_id"]]}),
        ("describe_route_tables", {}),
        ("describe_addresses", {}),
        ("describe_availability_zones", {}),
        ("describe_vpcs", {}),
        ("describe_subnets", {}),
        ("describe_vpc_attribute", {"VpcId": sim["vpc_id"], "Attribute": "enableDnsSupport"}),
    ]


def world(ec2, sim) -> tuple:
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=[s["eni_id"] for s in sim["servers"].values()])
    instances = ec2.describe_instances(InstanceIds=[s["instance_id"] for s in sim["servers"].values()])
    tables = ec2.describe_route_tables(RouteTableIds=list(sim["route_tables"].values()))["RouteTables"]
    return (
        sorted(str(t["Routes"]) for t in tables),
        ec2.describe_addresses(AllocationIds=[sim["eip"]["allocation_id"]])["Addresses"],
        sorted(str((e["PrivateIpAddresses"], e["SourceDestCheck"])) for e in enis["NetworkInterfaces"]),
        sorted(i["State"]["Name"] for r in instances["Reservations"] for i in r["Instances"]),
    )


def test_dry_run_of_every_call_the_engine_makes_changes_nothing(sim):
    ec2 = client(sim, "ec2")
    before = world(ec2, sim)
    for operation, params in engine_calls(sim):
        code, status, _ = error_of(getattr(ec2, operation), DryRun=True, **params)
        assert (operation, code, status) == (operation, "DryRunOperation", 412)
    assert world(ec2, sim) == before


def test_assign_and_unassign_private_ip_addresses_have_no_dry_run_in_aws_and_here_change_nothing_with_one(sim):
    """AWS's own API model has no DryRun for them (botocore refuses it); sent anyway, AWS refuses the parameter
    (moto would have assigned the address)."""
    ec2 = client(sim, "ec2")
    eni = sim["servers"]["server2"]["eni_id"]
    with pytest.raises(ParamValidationError, match='Unknown parameter in input: "DryRun"'):
        ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.120.50"], DryRun=True)

    def add_dry_run(request, **_):
        request.data = request.body + b"&DryRun=true"

    before = world(ec2, sim)
    ec2.meta.events.register("before-sign.ec2", add_dry_run)
    for call in (ec2.assign_private_ip_addresses, ec2.unassign_private_ip_addresses):
        code, status, _ = error_of(call, NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.120.10"])
        assert (code, status) == ("UnknownParameter", 400)
    ec2.meta.events.unregister("before-sign.ec2", add_dry_run)
    assert world(ec2, sim) == before


def test_ideal_mode_has_no_buckets_no_latency_and_changes_insync_at_once_yet_answers_dry_run(sim, awssim_rules):
    awssim_rules(
        WEBUI_AWSSIM_MODE="ideal",
        WEBUI_AWSSIM_EC2_DESCRIBE_SIZE=1,
        WEBUI_AWSSIM_EC2_DESCRIBE_REFILL=0.01,
        WEBUI_AWSSIM_LATENCY_SCALE=1,
        WEBUI_AWSSIM_LATENCY_DESCRIBE_MS=1000,
        WEBUI_AWSSIM_INSYNC_SECONDS=60,
    )
    ec2, r53 = client(sim, "ec2"), client(sim, "route53")
    started = time.monotonic()
    for _ in range(5):
        ec2.describe_vpcs(VpcIds=[sim["vpc_id"]])
    assert time.monotonic() - started < 1
    change = r53.change_resource_record_sets(
        HostedZoneId=sim["hosted_zone"]["id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": sim["hosted_zone"]["record_name"],
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.0.120.10"}],
                    },
                }
            ]
        },
    )["ChangeInfo"]
    assert change["Status"] == "INSYNC"
    assert error_of(ec2.describe_vpcs, DryRun=True)[0] == "DryRunOperation"


def test_a_setting_out_of_range_is_refused_with_one_line_naming_it_and_its_range():
    with pytest.raises(awssim.SettingError) as caught:
        awssim.load({"WEBUI_AWSSIM_EC2_MUTATING_SIZE": "0"})
    assert str(caught.value) == ("WEBUI_AWSSIM_EC2_MUTATING_SIZE='0' is out of range: allowed 1 to 100000 (tokens).")
    for name, value, allowed in [
        ("WEBUI_AWSSIM_MODE", "kind", "allowed aws or ideal."),
        ("WEBUI_AWSSIM_INSYNC_SECONDS", "-1", "allowed 0 to 600 (seconds)."),
        (
            "WEBUI_AWSSIM_LATENCY_MUTATING_MS",
            "300-100",
            "allowed N or LOW-HIGH, each 0 to 60000 milliseconds, LOW <= HIGH.",
        ),
        ("WEBUI_AWSSIM_ROUTE53_REFILL", "fast", "allowed 0.01 to 10000 (tokens a second)."),
    ]:
        with pytest.raises(awssim.SettingError) as caught:
            awssim.load({name: value})
        assert str(caught.value) == f"{name}={value!r} is out of range: {allowed}"
    with pytest.raises(awssim.SettingError, match="WEBUI_AWSSIM_NOPE is not a setting"):
        awssim.load({"WEBUI_AWSSIM_NOPE": "1"})


@pytest.mark.parametrize("command", [["awssim", "--port", "0"], ["serve", "--addrport", "127.0.0.1:0"]])
def test_awssim_and_serve_stop_on_a_setting_out_of_range_with_one_line(command, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REDIS_URL", "DATABASE_URL"))}
    env |= {"WEBUI_VAR_DIR": str(tmp_path), "WEBUI_AWSSIM_INSYNC_SECONDS": "900", "AWS_EC2_METADATA_DISABLED": "true"}
    env["WEBUI_EMBEDDED_REDIS_PORT"] = str(free_port())
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "CommandError: WEBUI_AWSSIM_INSYNC_SECONDS='900' is out of range: allowed 0 to 600 (seconds)."
    ]
