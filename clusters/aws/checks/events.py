"""Scheduled events: AWS's retirements, reboots and maintenance of the cluster's instances (DescribeInstanceStatus),
shown beside each server with the time to move its groups before."""

from datetime import datetime

from clusters.aws.checks.codes import finding, unanswered
from clusters.aws.checks.context import CheckContext
from clusters.configuration.params import Problem

DONE = ("[Completed]", "[Canceled]")  # AWS keeps a finished event listed for a while, its description so marked


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value or "")


def check(ctx: CheckContext) -> list[Problem]:
    instances = ctx.instances()
    statuses = ctx.account.instance_statuses([i["InstanceId"] for i in instances.values()])
    if statuses is None:
        return unanswered(
            ctx, "instance status", what="the instances' scheduled events", action="ec2:DescribeInstanceStatus"
        )
    servers = {i["InstanceId"]: s for s, i in instances.items()}
    found = []
    for status in statuses:
        server = servers.get(status["InstanceId"])
        for event in status.get("Events", []) if server else ():
            description = event.get("Description", "")
            if description.startswith(DONE):
                continue
            start = event.get("NotBefore")
            found.append(
                finding(
                    "events.scheduled",
                    object=server,
                    field="Scheduled event",
                    server=server,
                    event=event.get("Code", "an event"),
                    instance=status["InstanceId"],
                    start=when(start),
                    until=f" to {when(event['NotAfter'])}" if event.get("NotAfter") else "",
                    description=description.rstrip("."),
                )
            )
    return found


def iam_statements(ctx: CheckContext) -> list[dict]:
    return [{"Action": ["ec2:DescribeInstanceStatus"], "Resource": ["*"]}]
