"""AWS Secondary IP resource: assigns a secondary IP to the active server's ENI (guide ch. 6)."""

from clusters.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ResourceType

TYPE = ResourceType(
    code="awssip",
    label="AWS Secondary IP resource",
    monitor="awssipw",
    aws=True,
    params=(
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True),
        Param(
            "eniid",
            "parameters/eniid",
            "ENI ID",
            "awsid",
            required=True,
            per_server=True,
            prefix="eni-",
            aws_list="network_interfaces",
        ),
        AWS_CLI_TIMEOUT,
    ),
    distinct_per_server=("eniid",),
)
