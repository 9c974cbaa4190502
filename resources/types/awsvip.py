"""AWS Virtual IP resource: routes a VIP outside the VPC CIDR to the active server's ENI (guide ch. 4)."""

from clusters.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ResourceType

TYPE = ResourceType(
    code="awsvip",
    label="AWS Virtual IP resource",
    monitor="awsvipw",
    aws=True,
    params=(
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True),  # SEEN
        Param("vpcid", "parameters/vpcid", "VPC ID", "awsid", required=True, per_server=True, prefix="vpc-"),  # SEEN
        Param("eniid", "parameters/eniid", "ENI ID", "awsid", required=True, per_server=True, prefix="eni-"),  # SEEN
        AWS_CLI_TIMEOUT,
    ),
    # "The ENI IDs of the servers must be set up individually."
    distinct_per_server=("eniid",),
)
