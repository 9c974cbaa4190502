"""AWS Elastic IP resource: associates an EIP with the active server's ENI (guide ch. 5)."""

from clusters.configuration.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ENI_ID, AwsCall, ResourceType, server_enis, within_aws_cli_timeout
from webui import aws, awsreads


class AwsElasticIpType(ResourceType):
    @within_aws_cli_timeout
    def activate(self, resource, server):
        allocation, eni = resource.parameters["eipid"], resource.value("eniid", server)
        aws.client("ec2").associate_address(AllocationId=allocation, NetworkInterfaceId=eni, AllowReassociation=True)
        return f"{allocation} associated with {eni}"

    def server_facts(self, resource, server, instance, account):
        """The Elastic IP's public address, where AWS has it associated with this server's instance (the read the
        round's EIP monitors share)."""
        try:
            found = awsreads.lookup("addresses", "", resource.parameters.get("eipid"), awsreads.addresses)
        except aws.AWS_ERRORS:  # the picture goes without it; the EIP monitor says what AWS answered
            return {}
        enis = {eni.get("NetworkInterfaceId") for eni in instance.get("NetworkInterfaces", [])}
        return {f"{resource.name} EIP": found["ip"]} if found and found["eni"] in enis else {}

    @within_aws_cli_timeout
    def deactivate(self, resource, server):
        ec2 = aws.client("ec2")
        address = ec2.describe_addresses(AllocationIds=[resource.parameters["eipid"]])["Addresses"][0]
        if address.get("AssociationId") and address.get("NetworkInterfaceId") == resource.value("eniid", server):
            ec2.disassociate_address(AssociationId=address["AssociationId"])
            return f"{address['PublicIp']} disassociated"
        return "not associated here"

    def check_aws(self, resource, ctx):
        found = []
        allocation = resource.parameters.get("eipid", "")
        known = {a.get("AllocationId") for a in ctx.account.addresses()}
        if allocation and ctx.account.readable("addresses") and allocation not in known:
            found.append(missing_allocation(resource, allocation))
        missing = "50 : The networkInterface ID '{eni}' does not exist"
        for server, eni in server_enis(resource, ctx, found, missing).items():
            if not reaches_regional_endpoint(eni, ctx.account):
                found.append(
                    resource.problem(
                        "ENI ID",
                        "53 : Timeout occurred. (the instance has no public IP and its subnet no route to the "
                        "Internet or a NAT gateway, so the AWS CLI cannot reach the regional endpoint)",
                        code="53",
                        server=server,
                        fix="Confirm that a public IP is assigned to each instance.",
                        cause="The AWS CLI command might not be able to communicate with the regional endpoint.",
                        check="awseip.regional_endpoint",
                    )
                )
        return found

    def claims(self, resource, config, ctx):
        allocation = resource.parameters.get("eipid", "")
        return [("shared.eip", ("eip", allocation), allocation)] if allocation else []

    def iam_statements(self, resource, ctx):
        enis = sorted(filter(None, {resource.value("eniid", s) for s in ctx.server_names}))
        return [
            # Deactivation finds the association; the monitor reads the addresses each round.
            {"Action": ["ec2:DescribeAddresses"], "Resource": ["*"]},
            {
                "Action": ["ec2:AssociateAddress", "ec2:DisassociateAddress"],
                "Resource": [ctx.arn("ec2", f"elastic-ip/{resource.parameters.get('eipid', '*')}")]
                + [ctx.arn("ec2", f"network-interface/{e}") for e in enis],
            },
        ]

    # --- failover: worst case, rehearsal, probe ---------------------------------------------------
    def failover_calls(self, resource, facts, *, activate):
        if activate:
            return [AwsCall("ec2", "AssociateAddress")]
        return [AwsCall("ec2", "DescribeAddresses"), AwsCall("ec2", "DisassociateAddress")]

    def rehearse(self, resource, server, rehearsal):
        found, _ = rehearsal.eni_problems(resource, server)
        allocation = resource.parameters.get("eipid", "")
        address = next((a for a in rehearsal.account.addresses() if a.get("AllocationId") == allocation), None)
        if address is None and rehearsal.account.readable("addresses"):
            found.append(missing_allocation(resource, allocation))
        ours = {resource.value("eniid", s) for s in rehearsal.config.server_names}
        holder = (address or {}).get("NetworkInterfaceId")
        if address and address.get("AssociationId") and holder not in ours:
            where = holder or address.get("InstanceId", "another instance")
            found.append(
                resource.problem(
                    "EIP ALLOCATION ID",
                    f"The EIP {address.get('PublicIp', allocation)} is associated with {where}, which is no server "
                    "of this cluster: the failover would take it from there.",
                    fix="Check whether another HA cluster uses the same EIP allocation ID mistakenly.",
                    cause="The EIP is in use elsewhere.",
                    check="awseip.associated_elsewhere",
                )
            )
        return found + rehearsal.dry_run(
            resource,
            "ec2",
            "associate_address",
            AllocationId=allocation,
            NetworkInterfaceId=resource.value("eniid", server),
            AllowReassociation=True,
        )

    def leads_to(self, resource, probe):
        allocation = resource.parameters["eipid"]
        address = probe.client("ec2").describe_addresses(AllocationIds=[allocation])["Addresses"][0]
        eni = address.get("NetworkInterfaceId")
        if not eni:
            return None, f"{address.get('PublicIp', allocation)} associated with nothing"
        return probe.server_with(resource, "eniid", eni), f"{address.get('PublicIp', allocation)} on {eni}"


def missing_allocation(resource, allocation: str):
    return resource.problem(
        "EIP ALLOCATION ID",
        f"50 : The allocation ID '{allocation}' does not exist",
        code="50",
        fix="Specify a correct EIP allocation ID.",
        cause="The specified EIP allocation ID might not be correct or might not exist.",
        check="awseip.allocation_exists",
    )


def reaches_regional_endpoint(eni: dict, account) -> bool:
    """A public IP, or a default route of the ENI's subnet through an Internet or NAT gateway."""
    if eni.get("Association", {}).get("PublicIp"):
        return True
    for table in account.route_tables():
        subnets = {a.get("SubnetId") for a in table.get("Associations", [])}
        if eni["SubnetId"] in subnets:
            return any(
                r.get("DestinationCidrBlock") == "0.0.0.0/0" and (r.get("NatGatewayId") or r.get("GatewayId"))
                for r in table.get("Routes", [])
            )
    return False


TYPE = AwsElasticIpType(
    code="awseip",
    points_to="eipid",
    label="AWS Elastic IP resource",
    monitor="awseipw",
    aws=True,
    params=(
        # INFERRED path: parameters/eipid
        Param(
            "eipid",
            "parameters/eipid",
            "EIP ALLOCATION ID",
            "awsid",
            required=True,
            prefix="eipalloc-",
            aws_list="addresses",
        ),
        ENI_ID,
        AWS_CLI_TIMEOUT,
    ),
    distinct_per_server=("eniid",),
    form_checks=("awseip.allocation_exists", "awseip.eni_exists"),
)
