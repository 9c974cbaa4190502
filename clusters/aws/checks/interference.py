"""What else acts on the cluster's instances: EC2 automatic recovery, stop protection, CloudWatch alarm actions,
Auto Scaling groups, and Route 53 ARC zonal shift / autoshift on the LB probe port's load balancer."""

import re
from datetime import datetime

from clusters.aws.checks.codes import finding, unanswered
from clusters.aws.checks.context import CheckContext
from clusters.configuration.params import Problem

# An alarm's EC2 actions: arn:aws:automate:REGION:ec2:stop, and the older SWF form ...AWS_EC2.InstanceId.Stop/1.0.
AUTOMATE = re.compile(r"^arn:aws[\w-]*:automate:[^:]*:ec2:(stop|terminate|reboot|recover)$")
SWF = re.compile(r"^arn:aws[\w-]*:swf:.*:action/actions/AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot)/")


def check(ctx: CheckContext) -> list[Problem]:
    instances = ctx.instances()
    if not instances:
        return []
    return (
        auto_recovery(ctx, instances)
        + stop_protection(ctx, instances)
        + alarm_actions(ctx, instances)
        + auto_scaling(ctx, instances)
        + zonal_shift(ctx, instances)
    )


def auto_recovery(ctx, instances: dict[str, dict]) -> list[Problem]:
    found = []
    for server, instance in instances.items():
        # DescribeInstances says it for every instance; "default" is AWS's default: on.
        setting = instance.get("MaintenanceOptions", {}).get("AutoRecovery", "default")
        if setting != "disabled":
            found.append(
                finding(
                    "interference.auto_recovery",
                    object=server,
                    field="Automatic recovery",
                    server=server,
                    instance=instance["InstanceId"],
                    setting=setting,
                )
            )
    return found


def stop_protection(ctx, instances: dict[str, dict]) -> list[Problem]:
    found = []
    for server, instance in instances.items():
        protected = ctx.account.stop_protection(instance["InstanceId"])
        if protected is None:
            found += unanswered(
                ctx,
                f"stop protection of {instance['InstanceId']}",
                what=f"the stop protection of {server}'s instance",
                action="ec2:DescribeInstanceAttribute",
                object=server,
            )
        elif protected:
            forced = bool(ctx.config.instance_id(server))  # AWS forced stop names the instance
            found.append(
                finding(
                    "interference.stop_protection",
                    object=server,
                    field="Stop protection",
                    server=server,
                    severity="" if forced else "warning",
                    instance=instance["InstanceId"],
                    what="AWS forced stop" if forced else "a final action through EC2",
                )
            )
    return found


def ec2_action(arn: str) -> str:
    """What an alarm action does to its instance ("stop", "terminate", "reboot", "recover"), or ""."""
    if match := AUTOMATE.match(arn) or SWF.match(arn):
        return match.group(1).lower()
    return ""


def alarm_instances(alarm: dict) -> set[str]:
    """The instances an alarm watches: its InstanceId dimension, or its metric math's."""
    dimensions = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dimensions += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return {d["Value"] for d in dimensions if d.get("Name") == "InstanceId"}


def alarm_actions(ctx, instances: dict[str, dict]) -> list[Problem]:
    alarms = ctx.account.alarms()
    if alarms is None:
        return unanswered(
            ctx, "CloudWatch alarms", what="the CloudWatch alarms' actions", action="cloudwatch:DescribeAlarms"
        )
    servers = {i["InstanceId"]: s for s, i in instances.items()}
    found = []
    for alarm in alarms:
        if not alarm.get("ActionsEnabled", True):
            continue
        acting = alarm_instances(alarm) & servers.keys()
        actions = [
            *alarm.get("AlarmActions", []),
            *alarm.get("OKActions", []),
            *alarm.get("InsufficientDataActions", []),
        ]
        for arn in dict.fromkeys(actions):
            verb = ec2_action(arn)
            for instance in sorted(acting) if verb else ():
                found.append(
                    finding(
                        "interference.alarm_action",
                        object=servers[instance],
                        field="CloudWatch alarm",
                        server=servers[instance],
                        severity="error" if verb == "terminate" else "",  # nothing brings it back
                        alarm=alarm["AlarmName"],
                        verb=verb,
                        instance=instance,
                        action=arn,
                    )
                )
    return found


def auto_scaling(ctx, instances: dict[str, dict]) -> list[Problem]:
    members = ctx.account.auto_scaling_instances([i["InstanceId"] for i in instances.values()])
    if members is None:
        return unanswered(
            ctx,
            "Auto Scaling instances",
            what="the instances' Auto Scaling groups",
            action="autoscaling:DescribeAutoScalingInstances",
        )
    servers = {i["InstanceId"]: s for s, i in instances.items()}
    return [
        finding(
            "interference.auto_scaling",
            object=servers[m["InstanceId"]],
            field="Auto Scaling group",
            server=servers[m["InstanceId"]],
            instance=m["InstanceId"],
            group=m["AutoScalingGroupName"],
        )
        for m in members
        if m["InstanceId"] in servers
    ]


def probe_port_balancers(ctx) -> dict[str, str]:
    """The load balancers in front of the LB probe ports: ARN -> the probe port resource's name."""
    found = {}
    for resource in ctx.config.resources:
        if (port := resource.spec.balancer_port(resource)) is not None:
            for group in ctx.probe_target_groups(port):
                for arn in group.get("LoadBalancerArns", []):
                    found.setdefault(arn, resource.name)
    return found


def zonal_shift(ctx, instances: dict[str, dict]) -> list[Problem]:
    """Zonal shift needs the NLB's zonal shift integration (attribute zonal_shift.config.enabled): without it
    nothing can shift its traffic; with it, Route 53 ARC says whether autoshift is on and what is shifted now."""
    balancers = {
        arn: name
        for arn, name in probe_port_balancers(ctx).items()
        if ctx.account.load_balancer_attributes(arn).get("zonal_shift.config.enabled") == "true"
    }
    if not balancers:
        return []
    managed = ctx.account.zonal_shift_resources()
    if managed is None:
        return [
            p
            for arn, name in balancers.items()
            for p in unanswered(
                ctx,
                "zonal shifts",
                what=f"zonal shift and zonal autoshift of load balancer {balancer_name(arn)}",
                action="arc-zonal-shift:ListManagedResources",
                object=name,
                field="Port Number",
            )
        ]
    found = []
    for resource in managed:
        name = balancers.get(resource.get("arn", ""))
        if name is None:
            continue
        balancer = balancer_name(resource["arn"])
        if resource.get("zonalAutoshiftStatus") == "ENABLED":
            found.append(finding("interference.zonal_autoshift", object=name, field="Port Number", balancer=balancer))
        shifts = [*resource.get("zonalShifts", []), *resource.get("autoshifts", [])]
        for shift in shifts:
            if shift.get("appliedStatus", "APPLIED") != "APPLIED":
                continue
            zone = shift.get("awayFrom", "")
            there = sorted(s for s, i in instances.items() if i.get("Placement", {}).get("AvailabilityZone") == zone)
            until = shift.get("expiryTime")
            found.append(
                finding(
                    "interference.zonal_shift",
                    object=name,
                    field="Port Number",
                    balancer=balancer,
                    zone=zone,
                    until=until.strftime("%Y-%m-%d %H:%M %Z") if isinstance(until, datetime) else "AWS ends it",
                    servers=", ".join(there) or "no server of the cluster",
                )
            )
    return found


def balancer_name(arn: str) -> str:
    return arn.rsplit("/", 2)[-2] if arn.count("/") >= 2 else arn


def iam_statements(ctx: CheckContext) -> list[dict]:
    reads = [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceAttribute",
        "cloudwatch:DescribeAlarms",
        "autoscaling:DescribeAutoScalingInstances",
    ]
    if any(r.spec.balancer_port(r) is not None for r in ctx.config.resources):
        reads += ["elasticloadbalancing:DescribeLoadBalancerAttributes", "arc-zonal-shift:ListManagedResources"]
    return [{"Action": reads, "Resource": ["*"]}]
