"""AWS AZ monitor resource: the health of each server's Availability Zone (guide ch. 4.3)."""

from clusters.configuration.params import Param
from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws, awsreads


class AwsAzMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The server's Availability Zone is available (the Region's zones, read once a round for every monitor)."""
        zone = monitor.value("availabilityzone", server)
        try:
            state = awsreads.lookup("availability_zones", "", zone, zones)
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if state is None:
            return Watch("error", "5", f"Invalid availability zone: [{zone}]")
        if state != "available":
            return Watch("error", "5", f"The availability zone {zone} is {state}.")
        return Watch()

    def check_aws(self, monitor, ctx):
        found = []
        zones = {z["ZoneName"] for z in ctx.account.availability_zones()}
        for server in ctx.server_names:
            zone = monitor.value("availabilityzone", server)
            if not zone:
                continue
            if zone not in zones and ctx.account.readable("availability_zones"):
                found.append(
                    monitor.problem(
                        "Availability Zone",
                        f"5 : Invalid availability zone: [{zone}]",
                        code="5",
                        server=server,
                        fix="Specify a correct AZ.",
                        cause="The specified AZ might not be correct or might not exist.",
                        check="awsazw.zone_exists",
                    )
                )
                continue
            instance = ctx.instance_of(server)
            actual = instance.get("Placement", {}).get("AvailabilityZone") if instance else None
            if actual and actual != zone:
                found.append(
                    monitor.problem(
                        "Availability Zone",
                        f"{zone} is not the AZ of {server}'s instance ({actual}).",
                        fix="Enter the AZ of the instance corresponding to the node (Set Up Individually).",
                        server=server,
                        check="awsazw.zone_of_server",
                    )
                )
        return found

    def iam_statements(self, monitor, ctx):
        return [{"Action": ["ec2:DescribeAvailabilityZones"], "Resource": ["*"]}]


def zones() -> dict[str, str]:
    """Every Availability Zone of the Region -> its state."""
    return {z["ZoneName"]: z["State"] for z in aws.client("ec2").describe_availability_zones()["AvailabilityZones"]}


TYPE = AwsAzMonitorType(
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
    form_checks=("awsazw.zone_exists",),
)
