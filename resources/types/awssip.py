"""AWS Secondary IP resource: assigns a secondary IP to the active server's ENI (guide ch. 6)."""

from clusters.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ENI_ID, ResourceType

TYPE = ResourceType(
    code="awssip",
    label="AWS Secondary IP resource",
    monitor="awssipw",
    aws=True,
    params=(
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True),
        ENI_ID,
        AWS_CLI_TIMEOUT,
    ),
    distinct_per_server=("eniid",),
)
