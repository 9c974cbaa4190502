"""Failover rehearsal: every call the failover would make, with DryRun as the server that would act (IAM enforced
by the simulation), and what DryRun cannot show; it finds what is planted, nothing on a clean cluster, and
changes nothing in AWS."""

import io
import json

import pytest
from django.core.management import call_command

from clusters.aws.checks import iam_policy
from clusters.operation import rehearsal
from tests import guide
from tests.guide import give_roles
from tests.runs import ok, run
from webui import awssim


def account_state(sim) -> dict:
    """What a failover would change: routes, EIP associations, ENIs' addresses, records, instance states."""
    ec2, r53 = guide.sim_client(sim, "ec2"), guide.sim_client(sim, "route53")
    vpc = [{"Name": "vpc-id", "Values": [sim["vpc_id"]]}]
    instances = [i for r in ec2.describe_instances(Filters=vpc)["Reservations"] for i in r["Instances"]]
    return {
        "routes": sorted(
            (t["RouteTableId"], r.get("DestinationCidrBlock"), r.get("NetworkInterfaceId"))
            for t in ec2.describe_route_tables(Filters=vpc)["RouteTables"]
            for r in t["Routes"]
        ),
        "addresses": sorted(
            (a["AllocationId"], a.get("NetworkInterfaceId")) for a in ec2.describe_addresses()["Addresses"]
        ),
        "enis": sorted(
            (e["NetworkInterfaceId"], tuple(sorted(a["PrivateIpAddress"] for a in e["PrivateIpAddresses"])))
            for e in ec2.describe_network_interfaces(Filters=vpc)["NetworkInterfaces"]
        ),
        "records": r53.list_resource_record_sets(HostedZoneId=sim["hosted_zone"]["id"])["ResourceRecordSets"],
        "instances": sorted((i["InstanceId"], i["State"]["Name"]) for i in instances),
    }


def rehearse(cluster, server="server1"):
    config, _ = rehearsal.configuration_of(cluster)
    results, notes = rehearsal.rehearse(cluster, config, server)
    return results, notes


def checks(results) -> list[str]:
    return [f.check for g in results for f in g.findings]


@pytest.mark.parametrize("variant", ["sip", "dns", "nlb"])  # the VIP's and the EIP's: in the tests that plant one
def test_a_clean_cluster_would_fail_over_and_nothing_in_aws_changes(users, sim, variant):
    cluster = guide.build_on_sim(variant, users, sim)
    roles = give_roles(sim, cluster)
    before = account_state(sim)
    results, notes = rehearse(cluster)
    assert account_state(sim) == before
    assert notes == []
    [group] = results
    assert (group.name, group.source, group.target, group.ok) == ("failover1", "server1", "server2", True)
    assert [f for f in group.findings if f.severity == "error" or f.check == "rehearsal.unchecked"] == []
    assert group.worst_case.server_lost > 0
    actor = rehearsal.acting(rehearsal.configuration_of(cluster)[0], rehearsal.AwsAccount(), "server2")
    assert f":assumed-role/{roles['server2']}/" in actor.acting_as


def test_a_missing_permission_is_found_as_aws_answers_it(users, sim):
    cluster = guide.build_on_sim("vip", users, sim)
    policy = iam_policy(cluster)
    public = sim["route_tables"]["Public-AB"]
    for statement in policy["Statement"]:  # the role may not replace the route in one of the two tables
        if statement["Action"] == ["ec2:ReplaceRoute"]:
            statement["Resource"] = [r for r in statement["Resource"] if not r.endswith(public)]
    give_roles(sim, cluster, policy=policy)
    before = account_state(sim)
    [group] = rehearse(cluster)[0]
    assert account_state(sim) == before
    assert not group.ok
    [denied] = [f for f in group.findings if f.check == "rehearsal.permission"]
    assert denied.code == "50"
    assert denied.message.startswith("50 : You are not authorized to perform this operation. (ec2:ReplaceRoute as ")
    assert "give permission to the resource in the IAM policy" in denied.fix  # the guide's solution


def test_a_missing_route_is_found(users, sim):
    vip = guide.build_on_sim("vip", users, sim)
    give_roles(sim, vip)
    ec2 = guide.sim_client(sim, "ec2")
    for table in sim["route_tables"].values():
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32")
    [group] = rehearse(vip)[0]
    assert not group.ok and checks([group]) == ["awsvip.route_exists"]


def test_an_eip_associated_elsewhere_is_found(users, sim):
    eip = guide.build_on_sim("eip", users, sim)
    give_roles(sim, eip)
    ec2 = guide.sim_client(sim, "ec2")
    other = ec2.run_instances(
        ImageId=awssim.WINDOWS_AMI, MinCount=1, MaxCount=1, SubnetId=sim["servers"]["server1"]["subnet_id"]
    )["Instances"][0]
    ec2.associate_address(
        AllocationId=sim["eip"]["allocation_id"], NetworkInterfaceId=other["NetworkInterfaces"][0]["NetworkInterfaceId"]
    )
    before = account_state(sim)
    [group] = rehearse(eip)[0]
    assert account_state(sim) == before
    assert not group.ok
    assert checks([group]) == ["awseip.associated_elsewhere"]
    assert "which is no server of this cluster" in group.findings[0].message


def test_without_a_server_role_it_rehearses_as_the_console_and_says_so(users, sim):
    cluster = guide.build_on_sim("sip", users, sim)
    results, notes = rehearse(cluster)
    assert any("has no IAM role" in n and "the console's own credentials" in n for n in notes)
    # Assign/UnassignPrivateIpAddresses have no DryRun and no role to simulate: said, not passed over.
    assert "rehearsal.unchecked" in checks(results)


def test_the_command_prints_json_and_exits_1_when_a_group_would_fail(users, sim):
    cluster = guide.build_on_sim("vip", users, sim)
    give_roles(sim, cluster)
    out = io.StringIO()
    call_command("failover_rehearsal", cluster.name, "--from", "server1", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    [group] = answer["groups"]
    assert {k: group[k] for k in ("name", "target", "ok")} == {"name": "failover1", "target": "server2", "ok": True}
    ec2 = guide.sim_client(sim, "ec2")
    for table in sim["route_tables"].values():
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("failover_rehearsal", cluster.name, "--from", "server1", "--json", stdout=out)
    assert exited.value.code == 1
    [group] = json.loads(out.getvalue())["groups"]
    assert group["ok"] is False
    assert any(f["code"] == "50" and "holds 10.1.0.20/32" in f["message"] and f["fix"] for f in group["findings"])


def test_a_server_that_runs_no_group_moves_nothing_and_the_run_says_it(users, sim):
    cluster = guide.build_on_sim("eip", users, sim)
    done = ok(run("failover_rehearsal", users, cluster, server="server2"))
    assert done.result["groups"] == []
    assert any("runs no group" in n for n in done.result["notes"])


def test_a_call_without_dry_run_is_judged_by_the_policy_simulator(users, sim):
    cluster = guide.build_on_sim("sip", users, sim)
    policy = iam_policy(cluster)
    for statement in policy["Statement"]:  # the role may unassign the address but not assign it
        if "ec2:AssignPrivateIpAddresses" in statement["Action"]:
            statement["Action"] = ["ec2:UnassignPrivateIpAddresses"]
    give_roles(sim, cluster, policy=policy)
    [group] = rehearse(cluster)[0]
    assert not group.ok
    [denied] = [f for f in group.findings if f.check == "rehearsal.permission"]
    assert "(ec2:AssignPrivateIpAddresses on arn:aws:ec2:" in denied.message
    assert "by IAM's policy simulator" in denied.message
