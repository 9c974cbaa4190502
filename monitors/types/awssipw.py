"""AWS Secondary IP monitor resource, added with each AWS Secondary IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws


class AwsSipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The secondary IP is still on the active server's ENI."""
        eni = target.value("eniid", server)
        try:
            found = aws.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if target.parameters["ip"] not in {a["PrivateIpAddress"] for a in found.get("PrivateIpAddresses", [])}:
            return Watch("error", "58", "Failed to process checking the secondary IP address on the OS side.")
        return Watch()


TYPE = AwsSipMonitorType(
    code="awssipw",
    label="AWS Secondary IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awssip",),
)
