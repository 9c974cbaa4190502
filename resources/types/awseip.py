"""AWS Elastic IP resource: associates an EIP with the active server's ENI (guide ch. 5)."""

from clusters.params import Param
from resources.registry import AWS_CLI_TIMEOUT, ENI_ID, ResourceType

TYPE = ResourceType(
    code="awseip",
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
)
