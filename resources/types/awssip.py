"""AWS Secondary IP resource: assigns a secondary IP to the active server's ENI (guide ch. 6)."""

import ipaddress

from clusters.configuration.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ENI_ID, AwsCall, ResourceType, server_enis, within_aws_cli_timeout
from webui import aws

MISSING_ENI = "68 : Failed to obtain a primary private IP address.(The networkInterface ID '{eni}' does not exist)"


class AwsSecondaryIpType(ResourceType):
    @within_aws_cli_timeout
    def activate(self, resource, server):
        """Assign the address to this server's ENI, taking it from the others' first."""
        ip, mine = resource.parameters["ip"], resource.value("eniid", server)
        ec2 = aws.client("ec2")
        others = {resource.value("eniid", s) for s in resource.servers} - {mine, None}
        if others:
            for eni in ec2.describe_network_interfaces(NetworkInterfaceIds=sorted(others))["NetworkInterfaces"]:
                if ip in {a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses", [])}:
                    ec2.unassign_private_ip_addresses(
                        NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=[ip]
                    )
        ec2.assign_private_ip_addresses(NetworkInterfaceId=mine, PrivateIpAddresses=[ip], AllowReassignment=True)
        return f"{ip} assigned to {mine}"

    @within_aws_cli_timeout
    def deactivate(self, resource, server):
        ip, mine = resource.parameters["ip"], resource.value("eniid", server)
        ec2 = aws.client("ec2")
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[mine])["NetworkInterfaces"][0]
        if ip in {a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses", [])}:
            ec2.unassign_private_ip_addresses(NetworkInterfaceId=mine, PrivateIpAddresses=[ip])
        return f"{ip} unassigned from {mine}"

    def check_aws(self, resource, ctx):
        found = []
        enis = server_enis(resource, ctx, found, MISSING_ENI)
        try:
            address = ipaddress.IPv4Address(resource.parameters.get("ip", ""))
        except ValueError:
            return found
        for server, eni in enis.items():
            subnet = ctx.account.subnet(eni["SubnetId"])
            if subnet and address not in ipaddress.ip_network(subnet["CidrBlock"]):
                found.append(
                    resource.problem(
                        "IP Address",
                        "55 : Failed to assign the secondary IP address on the AWS side.(Address does not fall "
                        f"within the subnet's address range) ({address} is not in {subnet['CidrBlock']} of "
                        f"{server}'s ENI)",
                        code="55",
                        server=server,
                        fix="Specify a valid secondary IP address.",
                        cause="The specified secondary IP address is invalid.",
                        check="awssip.address_in_subnet",
                    )
                )
        if len({e["SubnetId"] for e in enis.values()}) > 1:
            where = ", ".join(f"{s}: {e['SubnetId']} ({e['AvailabilityZone']})" for s, e in enis.items())
            found.append(
                resource.problem(
                    "ENI ID",
                    f"The servers' ENIs are in different subnets ({where}).",
                    fix="Instances to be clustered need to be placed in the same Availability Zone and subnet.",
                    check="awssip.same_subnet",
                )
            )
        return found

    def claims(self, resource, config, ctx):
        """The address in the VPC of the servers' ENIs."""
        ip = resource.parameters.get("ip", "")
        servers = config.server_names if ip else ()
        vpcs = {(ctx.account.eni(resource.value("eniid", s) or "") or {}).get("VpcId", "") for s in servers}
        return [("shared.secondary_ip", ("sip", vpc, ip), ip + (f" in {vpc}" if vpc else "")) for vpc in sorted(vpcs)]

    def iam_statements(self, resource, ctx):
        enis = sorted(filter(None, {resource.value("eniid", s) for s in ctx.server_names}))
        return [
            # Activation finds the address on the other servers' ENIs; the monitor reads the ENIs each round.
            {"Action": ["ec2:DescribeNetworkInterfaces"], "Resource": ["*"]},
            {
                "Action": ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                "Resource": [ctx.arn("ec2", f"network-interface/{e}") for e in enis],
            },
        ]

    # --- failover: worst case, rehearsal, probe ---------------------------------------------------
    def failover_calls(self, resource, facts, *, activate):
        describe, unassign = AwsCall("ec2", "DescribeNetworkInterfaces"), AwsCall("ec2", "UnassignPrivateIpAddresses")
        if activate:  # at worst another server's ENI still holds the address: taken from it first
            return [describe, unassign, AwsCall("ec2", "AssignPrivateIpAddresses")]
        return [describe, unassign]

    def rehearse(self, resource, server, rehearsal):
        found, eni = rehearsal.eni_problems(resource, server)
        ip, mine = resource.parameters.get("ip", ""), resource.value("eniid", server)
        subnet = rehearsal.account.subnet(eni["SubnetId"]) if eni else None
        try:
            outside = subnet is not None and ipaddress.IPv4Address(ip) not in ipaddress.ip_network(subnet["CidrBlock"])
        except ValueError:
            outside = False
        if outside:
            found.append(
                resource.problem(
                    "IP Address",
                    "55 : Failed to assign the secondary IP address on the AWS side.(Address does not fall within "
                    f"the subnet's address range) ({ip} is not in {subnet['CidrBlock']} of {server}'s ENI)",
                    code="55",
                    fix="Specify a valid secondary IP address.",
                    check="awssip.address_in_subnet",
                )
            )
        ours = {resource.value("eniid", s) for s in rehearsal.config.server_names}
        holders = [
            e["NetworkInterfaceId"]
            for e in rehearsal.account.network_interfaces()
            if ip in {a["PrivateIpAddress"] for a in e.get("PrivateIpAddresses", [])}
        ]
        for holder in (h for h in holders if h not in ours):
            found.append(
                resource.problem(
                    "IP Address",
                    f"{ip} is assigned to {holder}, which is no server of this cluster: the failover would take it "
                    "from there.",
                    fix="Identify what uses the secondary IP address elsewhere, or specify another address.",
                    check="awssip.assigned_elsewhere",
                )
            )
        others = sorted(e for e in ours - {mine, None} if e)
        if others:
            found += rehearsal.dry_run(resource, "ec2", "describe_network_interfaces", NetworkInterfaceIds=others)
            found += rehearsal.simulate(
                resource, "ec2:UnassignPrivateIpAddresses", [rehearsal.arn("network-interface", e) for e in others]
            )
        return found + rehearsal.simulate(
            resource, "ec2:AssignPrivateIpAddresses", [rehearsal.arn("network-interface", mine)]
        )

    def leads_to(self, resource, probe):
        ip = resource.parameters["ip"]
        enis = sorted({e for s in probe.server_names if (e := resource.value("eniid", s))})
        found = probe.client("ec2").describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
        holders = [
            e["NetworkInterfaceId"]
            for e in found
            if ip in {a["PrivateIpAddress"] for a in e.get("PrivateIpAddresses", [])}
        ]
        if len(holders) != 1:
            return None, f"{ip} assigned to {', '.join(holders) or 'no ENI of the cluster'}"
        return probe.server_with(resource, "eniid", holders[0]), f"{ip} on {holders[0]}"


TYPE = AwsSecondaryIpType(
    code="awssip",
    points_to="ip",
    label="AWS Secondary IP resource",
    monitor="awssipw",
    aws=True,
    params=(
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True),
        ENI_ID,
        AWS_CLI_TIMEOUT,
    ),
    distinct_per_server=("eniid",),
    form_checks=("awssip.eni_exists",),
)
