"""AWS Virtual IP resource: routes a VIP outside the VPC CIDR to the active server's ENI (guide ch. 4)."""

import ipaddress

from clusters.configuration.params import Param
from resources.registry import (
    AWS_CLI_TIMEOUT,
    ENI_ID,
    AwsCall,
    ResourceFailed,
    ResourceType,
    server_enis,
    within_aws_cli_timeout,
)
from webui import aws


class AwsVirtualIpType(ResourceType):
    @within_aws_cli_timeout
    def activate(self, resource, server):
        """Route the VIP to this server's ENI in every route table of the VPC that holds it."""
        vpc, eni = resource.value("vpcid", server), resource.value("eniid", server)
        destination = f"{resource.parameters['ip']}/32"
        ec2 = aws.client("ec2")
        tables = aws.all_pages(
            "ec2", "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc]}]
        )
        holding = [
            t["RouteTableId"]
            for t in tables
            if any(r.get("DestinationCidrBlock") == destination for r in t.get("Routes", []))
        ]
        if not holding:
            raise ResourceFailed("50", f"No route table of the vpc ID '{vpc}' holds {destination}")
        for table in holding:
            ec2.replace_route(RouteTableId=table, DestinationCidrBlock=destination, NetworkInterfaceId=eni)
        return f"{destination} routed to {eni} in {', '.join(holding)}"

    def check_aws(self, resource, ctx):
        found = []
        account = ctx.account
        vpc_ids = {v["VpcId"] for v in account.vpcs()}
        for server in ctx.server_names if account.readable("vpcs") else ():
            vpc = resource.value("vpcid", server)
            if vpc and vpc not in vpc_ids:
                found.append(
                    resource.problem(
                        "VPC ID",
                        f"50 : The vpc ID '{vpc}' does not exist",
                        code="50",
                        server=server,
                        fix="Specify a correct VPC ID.",
                        cause="The specified VPC ID might not be correct or might not exist.",
                        check="awsvip.vpc_exists",
                    )
                )
        try:
            vip = ipaddress.IPv4Address(resource.parameters.get("ip", ""))
        except ValueError:
            return found  # validate() reports the malformed address
        inside = [str(c) for c in account.vpc_cidrs() if vip in c]
        if inside:
            found.append(
                resource.problem(
                    "IP Address",
                    f"53 : The VIP address belongs to a VPC subnet. ({vip} is in {inside[0]}.)",
                    code="53",
                    fix="Specify an IP address out of the VPC CIDR range as the VIP address.",
                    cause="The specified VIP address is not appropriate because it is within of the VPC CIDR range.",
                    check="awsvip.vip_outside_vpc",
                )
            )
        vpc = resource.value("vpcid")
        enis = server_enis(resource, ctx, found, "50 : The networkInterface ID '{eni}' does not exist", vpc=vpc)
        for server, eni in enis.items():
            if eni.get("SourceDestCheck", True):
                found.append(
                    resource.problem(
                        "ENI ID",
                        f"Source/Dest. Check of {eni['NetworkInterfaceId']} is enabled: ping cannot reach the VIP.",
                        fix="Disable Source/Dest. Check of the ENI set to the AWS virtual IP resource.",
                        server=server,
                        cause="Source/Dest. Check of the ENI set to the AWS virtual IP resource is enabled.",
                        check="awsvip.source_dest_check",
                    )
                )
        routes = [r for t in account.route_tables() if t["VpcId"] == vpc for r in t.get("Routes", [])]
        exact = [r for r in routes if r.get("DestinationCidrBlock") == f"{vip}/32"]
        wider = [
            r
            for r in routes
            if "DestinationCidrBlock" in r
            and r["DestinationCidrBlock"] != "0.0.0.0/0"
            and vip in ipaddress.ip_network(r["DestinationCidrBlock"])
            and r not in exact
        ]
        if wider and not exact:
            found.append(
                resource.problem(
                    "IP Address",
                    f"The route for the VIP is {wider[0]['DestinationCidrBlock']}: "
                    "the number of CIDR blocks of the VIP address must always be 32.",
                    fix=f"Route {vip}/32 to the active server's ENI in the route tables.",
                    check="awsvip.route_prefix",
                )
            )
        elif not exact:
            found.append(
                resource.problem(
                    "IP Address",
                    f"No route table of {vpc} holds a route for {vip}/32.",
                    fix=f"Add the route {vip}/32 with the active server's ENI as target to the route tables "
                    "of the VPC (guide 4.1.2).",
                    cause="A client in the VPC cannot reach the VIP address.",
                    check="awsvip.route_exists",
                )
            )
        return found

    def claims(self, resource, config, ctx):
        """The VIP's route in each VPC it is set for."""
        ip = resource.parameters.get("ip", "")
        vpcs = sorted({resource.value("vpcid", s) or "" for s in config.server_names}) if ip else []
        return [("shared.vip_route", ("vip", vpc, ip), f"{ip}/32" + (f" in {vpc}" if vpc else "")) for vpc in vpcs]

    def iam_statements(self, resource, ctx):
        vpc = resource.value("vpcid")
        vip = f"{resource.parameters.get('ip', '')}/32"
        tables = [
            t["RouteTableId"]
            for t in ctx.account.route_tables()
            if t["VpcId"] == vpc and any(r.get("DestinationCidrBlock") == vip for r in t.get("Routes", []))
        ]
        return [
            # Activation finds the tables that hold the VIP; its monitor reads them each round.
            {"Action": ["ec2:DescribeRouteTables"], "Resource": ["*"]},
            # Only the route tables that hold the VIP are updated: scope ReplaceRoute to them.
            {
                "Action": ["ec2:ReplaceRoute"],
                "Resource": [ctx.arn("ec2", f"route-table/{t}") for t in tables] or [ctx.arn("ec2", "route-table/*")],
            },
        ]

    # --- failover: worst case, rehearsal, probe ---------------------------------------------------
    @staticmethod
    def _holding(resource, tables: list[dict], vpc: str) -> list[str]:
        vip = f"{resource.parameters.get('ip', '')}/32"
        return [
            t["RouteTableId"]
            for t in tables
            if t["VpcId"] == vpc and any(r.get("DestinationCidrBlock") == vip for r in t.get("Routes", []))
        ]

    def aws_facts(self, resource, account, config):
        if not account.readable("route_tables"):
            return {}
        return {"route_tables": len(self._holding(resource, account.route_tables(), resource.value("vpcid")))}

    def failover_calls(self, resource, facts, *, activate):
        if not activate:
            return []  # the route is replaced by the next activation; deactivation leaves it
        tables = max(1, facts.get("route_tables", 1))
        return [AwsCall("ec2", "DescribeRouteTables"), *[AwsCall("ec2", "ReplaceRoute")] * tables]

    def rehearse(self, resource, server, rehearsal):
        found, _ = rehearsal.eni_problems(resource, server)
        vpc, destination = resource.value("vpcid", server), f"{resource.parameters.get('ip', '')}/32"
        tables = self._holding(resource, rehearsal.account.route_tables(), vpc)
        if rehearsal.account.readable("route_tables") and not tables:
            found.append(
                resource.problem(
                    "IP Address",
                    f"50 : No route table of the vpc ID '{vpc}' holds {destination}: the activation would fail.",
                    code="50",
                    fix=f"Add the route {destination} with the active server's ENI as target to the route tables "
                    "of the VPC (guide 4.1.2).",
                    check="awsvip.route_exists",
                )
            )
        found += rehearsal.dry_run(
            resource, "ec2", "describe_route_tables", Filters=[{"Name": "vpc-id", "Values": [vpc]}]
        )
        for table in tables:
            found += rehearsal.dry_run(
                resource,
                "ec2",
                "replace_route",
                RouteTableId=table,
                DestinationCidrBlock=destination,
                NetworkInterfaceId=resource.value("eniid", server),
                cause="If the ReplaceRoute right of an IAM role can be exercised only on a route table specified in "
                "a resource in the IAM policy, the route table might have an error or lack of its settings.",
                fix="Of all route tables under a specified VPC, an AWS virtual IP resource updates only ones that "
                "include specified virtual IP address entries. For all such route tables to be updated, give "
                "permission to the resource in the IAM policy.",
            )
        return found

    def leads_to(self, resource, probe):
        vpc, destination = resource.value("vpcid"), f"{resource.parameters['ip']}/32"
        tables = probe.client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
        targets = {
            r.get("NetworkInterfaceId")
            for t in tables["RouteTables"]
            for r in t.get("Routes", [])
            if r.get("DestinationCidrBlock") == destination
        }
        if len(targets) != 1:
            return None, f"{destination} routed to {', '.join(sorted(map(str, targets))) or 'nothing'}"
        eni = targets.pop()
        return probe.server_with(resource, "eniid", eni), f"{destination} routed to {eni}"


TYPE = AwsVirtualIpType(
    code="awsvip",
    points_to="ip",
    label="AWS Virtual IP resource",
    monitor="awsvipw",
    aws=True,
    params=(
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True),  # SEEN
        Param(
            "vpcid",
            "parameters/vpcid",
            "VPC ID",
            "awsid",
            required=True,
            per_server=True,
            prefix="vpc-",
            aws_list="vpcs",
        ),  # SEEN
        ENI_ID,
        AWS_CLI_TIMEOUT,
    ),
    # "The ENI IDs of the servers must be set up individually."
    distinct_per_server=("eniid",),
    form_checks=("awsvip.vpc_exists", "awsvip.vip_outside_vpc", "awsvip.eni_exists"),
)
