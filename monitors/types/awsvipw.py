"""AWS Virtual IP monitor resource, added with each AWS Virtual IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws


class AwsVipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The VIP's /32 routes still point at the active server's ENI."""
        eni, vpc = target.value("eniid", server), target.value("vpcid", server)
        destination = f"{target.parameters['ip']}/32"
        try:
            tables = aws.all_pages(
                "ec2", "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc]}]
            )
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        targets = {
            r.get("NetworkInterfaceId")
            for t in tables
            for r in t.get("Routes", [])
            if r.get("DestinationCidrBlock") == destination
        }
        if targets != {eni}:
            return Watch("error", "56", "The routing for VIP was changed.")
        return Watch()


TYPE = AwsVipMonitorType(
    code="awsvipw",
    label="AWS Virtual IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awsvip",),
)
