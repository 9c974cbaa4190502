"""Check AWS: security groups, network ACLs and the way to Amazon S3, each blocking planted in the simulation, found
with the rule that is missing."""

import uuid

from clusters.aws.checks import run_checks
from tests import planted
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client


def test_a_security_group_that_lets_no_cluster_traffic_in(users, sim):
    locked = planted.own_security_group(sim, "server2", f"locked-{uuid.uuid4().hex[:6]}")
    default = sim["security_group_id"]

    findings = run_checks(build("vip", users, sim))

    [parity] = planted.find(findings, "parity.security_groups")
    assert (parity.code, parity.server) == ("CW204", "server2")
    blocked = {f.server: f for f in planted.find(findings, "reachability.security_group")}
    assert sorted(blocked) == ["server1", "server2"]  # each lets the other in only as a member of its own group
    inbound = blocked["server2"]
    assert (inbound.code, inbound.severity, inbound.object, inbound.field) == (
        "CW301",
        "error",
        "Interconnect",
        "Security group",
    )
    assert inbound.message == (
        "server1 (10.0.110.10) cannot reach server2 (10.0.120.10) on TCP 29001, TCP 29002, UDP 29003, UDP 29002, "
        "TCP 29004, TCP 29051, TCP 29031, TCP 29071 (cluster communication, heartbeat, mirror agents, mirror data "
        f"of md, mirror heartbeat of md, ACK2 of md): no inbound rule of {locked} allows it."
    )
    assert inbound.fix.startswith(
        f"Add the missing rule: inbound TCP 29001, TCP 29002, UDP 29003, UDP 29002, TCP 29004, TCP 29051, TCP 29031, "
        f"TCP 29071 from 10.0.110.10/32 or from security group {default} in {locked}"
    )
    assert blocked["server1"].message.startswith("server2 (10.0.120.10) cannot reach server1 (10.0.110.10) on TCP")


def test_a_network_acl_that_denies_the_heartbeat(users, sim):
    ec2 = client(sim, "ec2")
    subnet = sim["servers"]["server2"]["subnet_id"]
    acl = ec2.create_network_acl(VpcId=sim["vpc_id"])["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0"
        )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=50,
        Protocol="17",
        RuleAction="deny",
        Egress=False,
        CidrBlock="10.0.110.0/24",
        PortRange={"From": 29002, "To": 29002},
    )
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    association = next(
        a["NetworkAclAssociationId"] for a in current["NetworkAcls"][0]["Associations"] if a["SubnetId"] == subnet
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)

    [denied] = planted.find(run_checks(build("vip", users, sim)), "reachability.network_acl")

    assert (denied.code, denied.severity, denied.server, denied.field) == ("CW302", "error", "server2", "Network ACL")
    assert denied.message == (
        f"Network ACL {acl} of {subnet} denies (rule 50) inbound UDP 29002 from server1 (10.0.110.10) (heartbeat)."
    )
    assert denied.fix == f"Add to {acl} an inbound rule allowing UDP 29002 from server1 (10.0.110.10) before rule 50."


def test_the_nlb_health_checks_and_the_witness_blocked(users, sim):
    ec2 = client(sim, "ec2")
    group = sim["security_group_id"]
    ec2.revoke_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 12345, "ToPort": 12345, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
        ],
    )
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ],
    )

    findings = run_checks(build("nlb", users, sim, witness="203.0.113.10"))

    blocked = planted.find(findings, "reachability.security_group")
    probe = [f for f in blocked if f.object == "lbpp1"]
    assert len(probe) == 4  # each of the NLB's two interfaces, to each server
    assert {f.server for f in probe} == {"server1", "server2"}
    assert any(
        f.message.startswith("the NLB ecx-nlb")
        and "(10.0.110.5) cannot reach server1 (10.0.110.10) on TCP 12345" in f.message
        for f in probe
    )
    assert all("(the NLB's health checks): no inbound rule of " + group in f.message for f in probe)
    witness = {f.object: f for f in blocked if f.object != "lbpp1"}
    assert sorted(witness) == ["httpnp1", "witnesshb1"]
    assert all("cannot reach 203.0.113.10 on TCP 80" in f.message for f in witness.values())
    assert all("outbound TCP 80 to 203.0.113.10/32 in " + group in f.fix for f in witness.values())


def test_no_way_to_amazon_s3_then_a_gateway_endpoint(users, sim):
    ec2 = client(sim, "ec2")
    private = sim["route_tables"]["Private-AB"]
    ec2.delete_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0")
    cluster = build("vip", users, sim)

    cut = {f.server: f for f in planted.find(run_checks(cluster), "reachability.object_storage")}

    assert sorted(cut) == ["server1", "server2"]
    assert (cut["server1"].code, cut["server1"].severity) == ("CW303", "error")
    assert cut["server1"].message == (
        f"server1 cannot reach Amazon S3 for the object storage heartbeat: the route table {private} of its subnet "
        f"{sim['servers']['server1']['subnet_id']} has no route to a NAT gateway, an Internet gateway (it has no "
        "public IP) or an S3 VPC endpoint."
    )

    ec2.create_vpc_endpoint(
        VpcId=sim["vpc_id"], ServiceName=f"com.amazonaws.{sim['region']}.s3", RouteTableIds=[private]
    )
    assert [f for f in run_checks(cluster) if f.check == "reachability.object_storage"] == []
