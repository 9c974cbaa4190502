"""AWS Virtual IP resource: routes a VIP outside the VPC CIDR to the active server's ENI (guide ch. 4)."""

import ipaddress

from clusters.params import Param, Problem
from resources.registry import AWS_CLI_TIMEOUT, ENI_ID, ResourceType


class AwsVirtualIpType(ResourceType):
    def check_aws(self, name, parameters, server_parameters, account):
        try:
            vip = ipaddress.IPv4Address(parameters.get("ip", ""))
        except ValueError:
            return []  # validate() reports the malformed address
        inside = [str(c) for c in account.vpc_cidrs() if vip in c]
        if not inside:
            return []
        return [
            Problem(name, "IP Address", f"53 : The VIP address belongs to a VPC subnet. ({vip} is in {inside[0]}.)",
                    "Specify an IP address out of the VPC CIDR range as the VIP address.")
        ]  # fmt: skip


TYPE = AwsVirtualIpType(
    code="awsvip",
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
)
