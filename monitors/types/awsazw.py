"""AWS AZ monitor resource: the health of each server's Availability Zone (guide ch. 4.3)."""

from clusters.params import Param
from monitors.registry import AWS_NO_RESPONSE, MonitorType

TYPE = MonitorType(
    code="awsazw",
    label="AWS AZ monitor resource",
    params=(
        Param(
            "availabilityzone",
            "parameters/availabilityzone",
            "Availability Zone",
            required=True,  # SEEN
            per_server=True,
            section="Monitor (special)",
            aws_list="availability_zones",
        ),
        AWS_NO_RESPONSE,
    ),
    aws=True,
    timeout=180,
    recovery="local",  # the guide: Recovery Target LocalServer
)
