"""AWS DNS resource: registers the active server's IP under a record set in Route 53 (guide ch. 7)."""

from clusters.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ResourceType

TYPE = ResourceType(
    code="awsdns",
    label="AWS DNS resource",
    monitor="awsdnsw",
    aws=True,
    params=(
        # INFERRED paths for the AWS DNS resource.
        Param("hostedzoneid", "parameters/hostedzoneid", "Hosted Zone ID", required=True, aws_list="hosted_zones"),
        Param("recordset", "parameters/recordset", "Resource Record Set Name", "fqdn", required=True),
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True, per_server=True),
        Param("ttl", "parameters/ttl", "TTL", "int", default=300, minimum=0, maximum=2147483647),
        Param("delete", "parameters/delete", "Delete a resource record set at deactivation", "bool", default=True),
        AWS_CLI_TIMEOUT,
    ),
)
