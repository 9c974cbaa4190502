"""IAM in the simulation: principals act only as their policy allows, answered as AWS answers; DryRun judges alike."""

import json
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ROOT

VIP = "10.1.0.20/32"


def refused(call, **kwargs) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def arn(kind, resource_id):
    return f"arn:aws:ec2:ap-northeast-1:123456789012:{kind}/{resource_id}"


def vip_target(ec2, table) -> str:
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return next(r["NetworkInterfaceId"] for r in routes if r.get("DestinationCidrBlock") == VIP)


@pytest.fixture
def console(sim, principal):
    """A principal whose policy is scoped as the IAM policy page writes it: ReplaceRoute on one route table only."""
    private, zone = sim["route_tables"]["Private-AB"], sim["hosted_zone"]["id"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["ec2:DescribeRouteTables"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["ec2:ReplaceRoute"], "Resource": [arn("route-table", private)]},
            {
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                "Resource": [f"arn:aws:route53:::hostedzone/{zone}"],
            },
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{sim['bucket']}/*"]},
        ],
    }
    return principal(policy)


def test_an_allowed_call_succeeds_and_a_denied_one_answers_unauthorized_operation_changing_nothing(sim, console):
    ec2 = console("ec2")
    private, public = sim["route_tables"]["Private-AB"], sim["route_tables"]["Public-AB"]
    eni2 = sim["servers"]["server2"]["eni_id"]
    ec2.replace_route(RouteTableId=private, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2)
    assert vip_target(ec2, private) == eni2
    code, status, message = refused(
        ec2.replace_route, RouteTableId=public, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2
    )
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert message.startswith("You are not authorized to perform this operation.")
    assert f"{console.credentials['arn']} is not authorized to perform: ec2:ReplaceRoute" in message
    assert "Encoded authorization failure message: " in message
    assert vip_target(ec2, public) == sim["servers"]["server1"]["eni_id"]
    assert refused(ec2.describe_addresses)[:2] == ("UnauthorizedOperation", 403)


def test_dry_run_reports_the_same_judgement(sim, console):
    ec2 = console("ec2")
    private, public = sim["route_tables"]["Private-AB"], sim["route_tables"]["Public-AB"]
    eni2 = sim["servers"]["server2"]["eni_id"]
    call = {"DestinationCidrBlock": VIP, "NetworkInterfaceId": eni2, "DryRun": True}
    assert refused(ec2.replace_route, RouteTableId=private, **call)[:2] == ("DryRunOperation", 412)
    assert refused(ec2.replace_route, RouteTableId=public, **call)[:2] == ("UnauthorizedOperation", 403)
    assert vip_target(ec2, private) == vip_target(ec2, public) == sim["servers"]["server1"]["eni_id"]


def test_route53_and_s3_answer_access_denied_outside_the_policy(sim, console):
    r53, s3 = console("route53"), console("s3")
    zone = sim["hosted_zone"]["id"]
    assert r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    code, status, message = refused(r53.list_hosted_zones)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: {console.credentials['arn']} is not authorized to perform: route53:ListHostedZones on resource: * "
        "because no identity-based policy allows the route53:ListHostedZones action"
    )
    assert refused(r53.get_change, Id="/change/C0000000000000000000")[:2] == ("AccessDenied", 403)
    assert refused(s3.put_object, Bucket=sim["bucket"], Key="k", Body=b"x")[:2] == ("AccessDenied", 403)
    assert refused(s3.get_object, Bucket=sim["bucket"], Key="missing")[0] == "NoSuchKey"  # allowed: S3's own answer
    assert console("sts").get_caller_identity()["Arn"] == console.credentials["arn"]  # needs no permission


def test_a_server_role_acts_on_its_own_instance_only_and_the_root_key_keeps_working(sim, principal):
    s1, s2 = sim["servers"]["server1"]["instance_id"], sim["servers"]["server2"]["instance_id"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": arn("instance", s1)}],
    }
    server = principal(policy, role=True)
    assert ":assumed-role/" in server.credentials["arn"]
    ec2 = server("ec2")
    assert refused(ec2.stop_instances, InstanceIds=[s1], DryRun=True)[0] == "DryRunOperation"
    assert refused(ec2.stop_instances, InstanceIds=[s1, s2], DryRun=True)[0] == "UnauthorizedOperation"
    assert ec2.stop_instances(InstanceIds=[s1])["StoppingInstances"][0]["InstanceId"] == s1


def test_a_denied_call_is_an_error_botocore_does_not_retry(sim, console):
    code, _, _ = refused(console("ec2").describe_vpcs)
    with pytest.raises(ClientError) as caught:
        console("ec2").describe_vpcs()
    assert (code, caught.value.response["ResponseMetadata"]["RetryAttempts"]) == ("UnauthorizedOperation", 0)


def test_manage_py_awssim_creates_a_principal_with_a_policy_file(sim, moto_server, tmp_path):
    policy = tmp_path / "policy.json"
    statement = {"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    command = [
        "awssim",
        "--principal",
        "cli-console",
        "--policy",
        str(policy),
        "--endpoint",
        moto_server["endpoint_url"],
    ]
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    creds = json.loads(done.stdout)
    assert creds["arn"].endswith(":user/cli-console") and creds["access_key_id"].startswith("AKIA")
