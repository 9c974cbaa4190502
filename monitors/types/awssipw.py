"""AWS Secondary IP monitor resource, added with each AWS Secondary IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws, awsreads


class AwsSipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The secondary IP is still on the active server's ENI (the Region's ENIs, read once a round for every
        monitor)."""
        eni = target.value("eniid", server)
        try:
            found = awsreads.lookup("network_interfaces", "", eni, network_interfaces)
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if found is None:
            return Watch("error", "50", f"The networkInterface ID '{eni}' does not exist")
        if target.parameters["ip"] not in found:
            return Watch("error", "58", "Failed to process checking the secondary IP address on the OS side.")
        return Watch()


def network_interfaces() -> dict[str, list[str]]:
    """Every ENI of the Region -> its private IP addresses. Paginated, as AWS asks of a read of them all (an
    unpaginated one takes from a smaller bucket)."""
    found = aws.all_pages(
        "ec2", "describe_network_interfaces", "NetworkInterfaces", PaginationConfig={"PageSize": 1000}
    )
    return {e["NetworkInterfaceId"]: [a["PrivateIpAddress"] for a in e.get("PrivateIpAddresses", [])] for e in found}


TYPE = AwsSipMonitorType(
    code="awssipw",
    label="AWS Secondary IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awssip",),
)
