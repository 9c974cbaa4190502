"""AWS Elastic IP monitor resource, added with each AWS Elastic IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws, awsreads


class AwsEipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The EIP is still associated with the active server's ENI (the Region's addresses, read once a round for
        every monitor)."""
        eni, allocation = target.value("eniid", server), target.parameters["eipid"]
        try:
            found = awsreads.lookup("addresses", "", allocation, awsreads.addresses)
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if found is None:
            return Watch("error", "50", f"The allocation ID '{allocation}' does not exist")
        if found["eni"] != eni:
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
