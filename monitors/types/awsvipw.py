"""AWS Virtual IP monitor resource, added with each AWS Virtual IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws, awsreads


class AwsVipMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The VIP's /32 routes still point at the active server's ENI (the VPC's route tables, read once a round
        for every monitor in that VPC)."""
        eni, vpc = target.value("eniid", server), target.value("vpcid", server)
        destination = f"{target.parameters['ip']}/32"
        try:
            targets = awsreads.lookup("route_tables", vpc, destination, lambda: routes_of(vpc))
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if set(targets or [None]) != {eni}:
            return Watch("error", "56", "The routing for VIP was changed.")
        return Watch()


def routes_of(vpc: str) -> dict[str, list]:
    """Every destination routed in the VPC's route tables -> the ENI each table routes it to (None: not an ENI)."""
    tables = aws.all_pages("ec2", "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    found: dict[str, list] = {}
    for table in tables:
        for route in table.get("Routes", []):
            if "DestinationCidrBlock" in route:
                found.setdefault(route["DestinationCidrBlock"], []).append(route.get("NetworkInterfaceId"))
    return found


TYPE = AwsVipMonitorType(
    code="awsvipw",
    label="AWS Virtual IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awsvip",),
)
