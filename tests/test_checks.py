"""AWS checks: each Troubleshooting case provoked against moto, and clean runs of the five configurations."""

import json
import socket
import threading
import uuid

import pytest

from clusters.aws.checks import iam_policy, run_checks
from clusters.configuration import services
from tests import guide
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from webui import aws


def errors(findings):
    return [f for f in findings if f.severity == "error"]


@pytest.mark.parametrize("variant", guide.VARIANTS)
def test_each_guide_configuration_passes_against_the_simulation(users, sim, variant):
    findings = run_checks(build(variant, users, sim))
    assert errors(findings) == [], [str(f) for f in errors(findings)]
    # The guide's clean topology: nothing else acts on it, the standby is the active server's twin, every port is
    # open between them, no other cluster claims its objects, no event is scheduled.
    assert [f for f in findings if f.code.startswith("CW")] == [], [str(f) for f in findings]


def find(findings, check):
    matches = [f for f in findings if f.check == check]
    assert matches, f"no {check} finding in {[f.check + ': ' + f.message for f in findings]}"
    return matches[0]


# --- account ---------------------------------------------------------------------------------


def test_an_endpoint_that_does_not_answer_is_timeout_occurred_not_a_crash(users, sim, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    cluster = build("vip", users, sim)
    settings.AWS_ENDPOINT_URL = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.AWS_READ_TIMEOUT, settings.AWS_MAX_ATTEMPTS = 1, 1
    aws.reset_clients()
    try:
        finding = find(run_checks(cluster), "account.credentials")
    finally:
        listener.close()
        aws.reset_clients()
    assert (finding.code, finding.message) == ("9", "Timeout occurred.")


def test_clients_retry_throttling_with_botocores_standard_mode(aws_endpoint):
    assert aws.client("ec2").meta.config.retries["mode"] == "standard"


# --- AWS Virtual IP ----------------------------------------------------------------------------


def test_vpc_that_does_not_exist(users, sim):
    finding = find(run_checks(build("vip", users, sim, vpc="vpc-0000000000bad0000")), "awsvip.vpc_exists")
    assert finding.message == "50 : The vpc ID 'vpc-0000000000bad0000' does not exist"
    assert (finding.code, finding.fix) == ("50", "Specify a correct VPC ID.")


def test_eni_that_does_not_exist(users, sim):
    cluster = build("vip", users, sim)
    vip = cluster.resources.get(type="awsvip")
    services.update_group_resource(
        user=users["admin"],
        resource=vip,
        server_parameters={"server2": {"vpcid": sim["vpc_id"], "eniid": "eni-0000bad"}},
    )
    finding = find(run_checks(cluster), "awsvip.eni_exists")
    assert (finding.message, finding.server) == ("50 : The networkInterface ID 'eni-0000bad' does not exist", "server2")


def test_eni_of_another_server(users, sim):
    cluster = build("vip", users, sim)
    vip = cluster.resources.get(type="awsvip")
    server1_eni = sim["servers"]["server1"]["eni_id"]
    services.update_group_resource(
        user=users["admin"], resource=vip, server_parameters={"server2": {"vpcid": sim["vpc_id"], "eniid": server1_eni}}
    )
    findings = run_checks(cluster)
    assert "is attached to" in find(findings, "awsvip.eni_attached").message


def test_vip_inside_the_vpc_cidr(users, sim):
    cluster = build("vip", users, sim)
    vip = cluster.resources.get(type="awsvip")
    services.update_group_resource(user=users["admin"], resource=vip, parameters={**vip.parameters, "ip": "10.0.5.5"})
    finding = find(run_checks(cluster), "awsvip.vip_outside_vpc")
    assert finding.message.startswith("53 : The VIP address belongs to a VPC subnet.")
    assert finding.fix == "Specify an IP address out of the VPC CIDR range as the VIP address."


def test_source_dest_check_enabled(users, sim):
    eni = sim["servers"]["server2"]["eni_id"]
    client(sim, "ec2").modify_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck={"Value": True})
    finding = find(run_checks(build("vip", users, sim)), "awsvip.source_dest_check")
    assert finding.server == "server2"
    assert finding.fix == "Disable Source/Dest. Check of the ENI set to the AWS virtual IP resource."


def test_no_route_for_the_vip(users, sim):
    ec2 = client(sim, "ec2")
    for table in sim["route_tables"].values():
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32")
    finding = find(run_checks(build("vip", users, sim)), "awsvip.route_exists")
    assert "holds a route for 10.1.0.20/32" in finding.message


def test_the_vip_route_must_be_a_32(users, sim):
    ec2 = client(sim, "ec2")
    eni = sim["servers"]["server1"]["eni_id"]
    for table in sim["route_tables"].values():
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32")
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.1.0.0/24", NetworkInterfaceId=eni)
    finding = find(run_checks(build("vip", users, sim)), "awsvip.route_prefix")
    assert "the number of CIDR blocks of the VIP address must always be 32" in finding.message


# --- AWS Elastic IP ----------------------------------------------------------------------------


def test_eip_allocation_that_does_not_exist(users, sim):
    finding = find(run_checks(build("eip", users, sim, eip="eipalloc-0000bad")), "awseip.allocation_exists")
    assert finding.message == "50 : The allocation ID 'eipalloc-0000bad' does not exist"


def test_eip_instances_need_a_way_to_the_regional_endpoint(users, sim):
    client(sim, "ec2").delete_route(RouteTableId=sim["route_tables"]["Private-AB"], DestinationCidrBlock="0.0.0.0/0")
    finding = find(run_checks(build("eip", users, sim)), "awseip.regional_endpoint")
    assert finding.message.startswith("53 : Timeout occurred.")
    assert finding.fix == "Confirm that a public IP is assigned to each instance."


# --- AWS Secondary IP --------------------------------------------------------------------------


def test_sip_address_outside_the_enis_subnet(users, sim):
    cluster = build("sip", users, sim)
    sip = cluster.resources.get(type="awssip")
    services.update_group_resource(user=users["admin"], resource=sip, parameters={**sip.parameters, "ip": "10.0.99.9"})
    finding = find(run_checks(cluster), "awssip.address_in_subnet")
    assert (
        "55 : Failed to assign the secondary IP address on the AWS side.(Address does not fall within the "
        "subnet's address range)" in finding.message
    )


def test_sip_servers_in_two_subnets(users, sim):
    cluster = guide.build("sip", user=users["admin"], name="cluster-sip", ids=guide.ids_from_sim(sim))
    assert "different subnets" in find(run_checks(cluster), "awssip.same_subnet").message


def test_sip_eni_that_does_not_exist(users, sim):
    cluster = build("sip", users, sim)
    sip = cluster.resources.get(type="awssip")
    services.update_group_resource(
        user=users["admin"], resource=sip, parameters={**sip.parameters, "eniid": "eni-0bad"}
    )
    finding = find(run_checks(cluster), "awssip.eni_exists")
    assert finding.message == (
        "68 : Failed to obtain a primary private IP address.(The networkInterface ID 'eni-0bad' does not exist)"
    )


# --- AWS DNS -----------------------------------------------------------------------------------


def test_hosted_zone_that_does_not_exist(users, sim):
    finding = find(run_checks(build("dns", users, sim, hosted_zone="Z0000000000BAD")), "awsdns.hosted_zone_exists")
    assert finding.message == "50: No hosted zone found with ID: Z0000000000BAD"


def test_private_zone_not_associated_with_the_servers_vpc(users, sim):
    other = client(sim, "ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = (
        client(sim, "route53")
        .create_hosted_zone(
            Name="other.local.",
            CallerReference=uuid.uuid4().hex,
            HostedZoneConfig={"PrivateZone": True},
            VPC={"VPCRegion": sim["region"], "VPCId": other},
        )["HostedZone"]["Id"]
        .split("/")[-1]
    )
    finding = find(run_checks(build("dns", users, sim, hosted_zone=zone)), "awsdns.zone_associated")
    assert "is not associated with" in finding.message
    assert "Associated VPC" in finding.fix


def test_vpc_without_dns_support(users, sim):
    client(sim, "ec2").modify_vpc_attribute(VpcId=sim["vpc_id"], EnableDnsSupport={"Value": False})
    finding = find(run_checks(build("dns", users, sim)), "awsdns.vpc_dns_support")
    assert "enableDnsSupport" in finding.fix


def test_record_name_rules_and_propagation_warnings(users, sim):
    cluster = build("dns", users, sim)
    dns = cluster.resources.get(type="awsdns")
    services.update_group_resource(
        user=users["admin"], resource=dns, parameters={**dns.parameters, "recordset": "Srv.hz1.local", "ttl": 3600}
    )
    cluster.monitors.filter(type="awsdnsw").update(wait_to_start=10)
    findings = run_checks(cluster)
    assert (
        "Set the DNS name as FQDN, adding dot (.) at the end of the name"
        in next(f for f in findings if f.field == "Resource Record Set Name").message
    )
    assert find(findings, "awsdns.ttl").severity == "warning"
    assert find(findings, "awsdnsw.wait_to_start").severity == "warning"


# --- LB probe port -----------------------------------------------------------------------------


def test_no_target_group_with_the_health_check_port(users, sim):
    finding = find(run_checks(build("nlb", users, sim, probe_port=23456)), "lbpp.target_group_exists")
    assert finding.message == "No NLB target group has health check port 23456."


def test_health_check_timeout_not_above_the_interval(users, sim):
    cluster = build("nlb", users, sim)
    cluster.resources.filter(type="lbpp").update(parameters={"port": 12345, "hctimeout": 30})
    finding = find(run_checks(cluster), "lbpp.health_check_timeout")
    assert finding.message == "This value must be greater than the interval of the NLB's health check (30 seconds)."


def test_target_group_not_targeting_a_server(users, sim):
    client(sim, "elbv2").deregister_targets(
        TargetGroupArn=sim["nlb"]["target_group_arn"], Targets=[{"Id": sim["servers"]["server2"]["instance_id"]}]
    )
    finding = find(run_checks(build("nlb", users, sim)), "lbpp.targets_servers")
    assert finding.server == "server2"


def test_cross_zone_load_balancing_off(users, sim):
    client(sim, "elbv2").modify_load_balancer_attributes(
        LoadBalancerArn=sim["nlb"]["arn"], Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "false"}]
    )
    assert "Cross-zone load balancing" in find(run_checks(build("nlb", users, sim)), "lbpp.cross_zone").fix


# --- AWS AZ monitor, object storage heartbeat, forced stop ---------------------------------------


def test_invalid_availability_zone(users, sim):
    cluster = build("vip", users, sim)
    cluster.monitors.filter(type="awsazw").update(parameters={"availabilityzone": "ap-northeast-1x"})
    finding = find(run_checks(cluster), "awsazw.zone_exists")
    assert (finding.code, finding.message) == ("5", "5 : Invalid availability zone: [ap-northeast-1x]")


def test_az_of_another_server(users, sim):
    cluster = build("vip", users, sim)
    monitor = cluster.monitors.get(type="awsazw")
    monitor.server_parameters = {}  # server2 left on server1's AZ
    monitor.save()
    finding = find(run_checks(cluster), "awsazw.zone_of_server")
    assert (finding.server, finding.message) == (
        "server2",
        "ap-northeast-1a is not the AZ of server2's instance (ap-northeast-1c).",
    )


def test_object_storage_bucket_missing(users, sim):
    finding = find(run_checks(build("vip", users, sim, bucket="no-such-bucket-for-hb")), "objectstorage.bucket")
    assert "The bucket no-such-bucket-for-hb does not exist" in finding.message


def test_forced_stop_instance_missing_or_of_another_server(users, sim):
    cluster = build("vip", users, sim)
    server1, server2 = cluster.servers.order_by("priority")
    services.set_aws_forced_stop(
        user=users["admin"],
        cluster=cluster,
        instance_ids={server1: "i-0000000000000bad0", server2: sim["servers"]["server1"]["instance_id"]},
    )
    findings = run_checks(cluster)
    assert (
        find(findings, "forcedstop.instance_exists").message == "The instance ID 'i-0000000000000bad0' does not exist."
    )
    assert (
        "does not carry server2's interconnect address" in find(findings, "forcedstop.instance_is_the_server").message
    )


# --- batching, the IAM policy, the command ------------------------------------------------------


def test_aws_calls_do_not_grow_with_the_number_of_resources(users, sim):
    """At most 20 calls, plus one per server where AWS has no batch call (stop protection), at any size."""
    counts = []
    for extra in (3, 15):  # each kind of resource at both sizes: 5 and 17 group resources
        cluster = build("vip", users, sim)
        group = cluster.groups.get()
        for i in range(extra):
            kind, parameters = [
                (
                    "awsdns",
                    {"hostedzoneid": sim["hosted_zone"]["id"], "recordset": f"r{i}.hz1.local.", "ip": "10.0.110.10"},
                ),
                ("awseip", {"eipid": sim["eip"]["allocation_id"]}),
                ("md", {"dpdrive": "F", "cpdrive": "S"}),
            ][i % 3]
            per_server = {s: {"eniid": sim["servers"][s.name]["eni_id"]} for s in cluster.servers.all()}
            services.add_group_resource(
                user=users["admin"],
                group=group,
                type=kind,
                name=f"{kind}{i}",
                parameters=parameters,
                server_parameters=per_server if kind == "awseip" else {},
            )
        with aws.CallCounter() as calls:
            run_checks(cluster)
        counts.append(calls.calls)
    assert len(counts[0]) == len(counts[1]), counts
    assert counts[1].count("ec2.DescribeInstanceAttribute") == 2  # the one read per server
    assert len(counts[1]) <= 20 + 2, sorted(counts[1])


def test_iam_policy_is_scoped(users, sim):
    policy = iam_policy(build("vip", users, sim))
    by_action = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"]}
    assert by_action["ec2:ReplaceRoute"] == [
        f"arn:aws:ec2:{sim['region']}:123456789012:route-table/{t}" for t in sorted(sim["route_tables"].values())
    ]
    assert by_action["s3:PutObject"] == [f"arn:aws:s3:::{sim['bucket']}/*"]
    assert sorted(by_action["ec2:StopInstances"]) == sorted(
        f"arn:aws:ec2:{sim['region']}:123456789012:instance/{s['instance_id']}" for s in sim["servers"].values()
    )
    dns = iam_policy(build("dns", users, sim))
    scoped = {a: s["Resource"] for s in dns["Statement"] for a in s["Action"]}
    assert scoped["route53:ChangeResourceRecordSets"] == [f"arn:aws:route53:::hostedzone/{sim['hosted_zone']['id']}"]


def test_check_aws_command_json_and_exit_code(users, sim):
    good = build("vip", users, sim)
    bad = build("vip", users, sim, vpc="vpc-0000000000bad0000")
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check_aws", good.name, "--json", stdout=out)
    assert all(f["severity"] != "error" for f in json.loads(out.getvalue()))
    with pytest.raises(SystemExit) as exit_info:
        out = StringIO()
        call_command("check_aws", bad.name, "--json", stdout=out)
    assert exit_info.value.code == 1
    findings = json.loads(out.getvalue())
    assert {"check", "severity", "code", "object", "field", "message", "solution"} <= set(findings[0])
    assert any(f["code"] == "50" and f["field"] == "VPC ID" for f in findings)
