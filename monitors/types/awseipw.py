"""AWS Elastic IP monitor resource, added with each AWS Elastic IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws


class AwsEipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The EIP is still associated with the active server's ENI."""
        eni = target.value("eniid", server)
        try:
            address = aws.client("ec2").describe_addresses(AllocationIds=[target.parameters["eipid"]])
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if address["Addresses"][0].get("NetworkInterfaceId") != eni:
            return Watch("error", "52", "The EIP address does not exist.")
        return Watch()


TYPE = AwsEipMonitorType(
    code="awseipw",
    label="AWS Elastic IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awseip",),
)
