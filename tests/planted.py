"""Planting what else acts on a cluster in the simulation (what moto lacks through its admin paths), and reading
Check AWS's findings."""

import requests

from tests.guide import sim_client as client


def find(findings, check):
    """The findings of `check`; at least one, or the assertion names every finding there was."""
    matches = [f for f in findings if f.check == check]
    assert matches, f"no {check} finding in {[f'{f.check}: {f.message}' for f in findings]}"
    return matches


def ours(findings):
    """The findings of Check AWS's own families (codes of our own)."""
    return [f for f in findings if f.code.startswith("CW")]


def admin(sim, path: str, values: dict) -> dict:
    answer = requests.post(f"{sim['endpoint_url']}/_awssim/{path}", json=values, timeout=10)
    answer.raise_for_status()
    return answer.json()


def event(sim, server: str, code: str = "instance-retirement", **values) -> dict:
    return admin(sim, "events", {"instance_id": sim["servers"][server]["instance_id"], "code": code, **values})


def zonal_shift_integration(sim) -> None:
    """The NLB's zonal shift integration on (attribute zonal_shift.config.enabled): ARC may shift its traffic."""
    client(sim, "elbv2").modify_load_balancer_attributes(
        LoadBalancerArn=sim["nlb"]["arn"], Attributes=[{"Key": "zonal_shift.config.enabled", "Value": "true"}]
    )


def zonal_shift(sim, **values) -> dict:
    zones = sorted({s["availability_zone"] for s in sim["servers"].values()})
    return admin(sim, "zonal-shift", {"resource": sim["nlb"]["arn"], "availability_zones": zones, **values})


def own_security_group(sim, server: str, name: str) -> str:
    """A new security group (AWS's default: no inbound rule, all outbound) as the server's only one."""
    ec2 = client(sim, "ec2")
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=sim["vpc_id"])["GroupId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=sim["servers"][server]["eni_id"], Groups=[group])
    return group
