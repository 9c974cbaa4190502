"""The codes of our own: findings of Check AWS for which the guide's Troubleshooting chapter has no message.

The guide's codes are numbers (50, 53 ...) in "(CODE : message)"; ours are "CW" and three digits, so they
are never taken for the product's. The hundreds are the family: 1 what else acts on the instances
(interference), 2 standby parity, 3 reachability, 4 shared objects, 5 scheduled events, 9 could not check.
Each entry is written as the guide writes a case: the message (with {placeholders}), the possible cause and
the solution. A finding is made from its entry only (`finding`), so this table is all there is to read.
"""

from dataclasses import dataclass

from clusters.configuration.params import Problem


@dataclass(frozen=True)
class Code:
    code: str
    check: str  # the finding's check name
    severity: str  # error (Apply refuses), warning or info
    message: str
    cause: str
    solution: str


CODES = {
    c.check: c
    for c in (
        # --- 1: what else acts on the cluster's instances ------------------------------------------------------
        Code(
            "CW101",
            "interference.auto_recovery",
            "warning",
            "Automatic recovery of {server}'s instance {instance} is on ({setting}).",
            "EC2 automatic recovery (on by default) recovers and restarts the instance by itself after a failed "
            "system status check, while the cluster may already have failed over from it and forced it to stop.",
            "Turn automatic recovery off for the cluster's instances (EC2 console: Actions > Instance settings > "
            "Change auto-recovery behavior > Off; or aws ec2 modify-instance-maintenance-options --instance-id "
            "{instance} --auto-recovery disabled): the cluster decides where its groups run.",
        ),
        Code(
            "CW102",
            "interference.stop_protection",
            "error",
            "Stop protection (DisableApiStop) is on for {server}'s instance {instance}: {what} cannot stop it.",
            "An instance with stop protection refuses StopInstances, so AWS forced stop (and a final action that "
            "stops the server through EC2) fails and the group does not fail over safely.",
            "Turn stop protection off (EC2 console: Actions > Instance settings > Change stop protection; or aws ec2 "
            "modify-instance-attribute --instance-id {instance} --no-disable-api-stop).",
        ),
        Code(
            "CW103",
            "interference.alarm_action",
            "warning",
            "CloudWatch alarm {alarm} would {verb} {server}'s instance {instance} ({action}).",
            "An alarm action stops, reboots, terminates or recovers the instance outside the cluster: the cluster "
            "then finds its server lost, or back, when it decided nothing.",
            "Remove the EC2 action from alarm {alarm} (or the alarm), and let the cluster's monitor resources and "
            "AWS forced stop act on the instance.",
        ),
        Code(
            "CW104",
            "interference.auto_scaling",
            "error",
            "{server}'s instance {instance} belongs to Auto Scaling group {group}.",
            "Auto Scaling replaces an instance it finds stopped or unhealthy (the one the cluster forced to stop) by "
            "a new instance the cluster does not know, and may terminate it to scale in.",
            "Detach the instance from the Auto Scaling group (aws autoscaling detach-instances --instance-ids "
            "{instance} --auto-scaling-group-name {group} --should-decrement-desired-capacity): a cluster's servers "
            "are instances of their own.",
        ),
        Code(
            "CW105",
            "interference.zonal_autoshift",
            "warning",
            "Zonal autoshift is on for load balancer {balancer}: AWS may shift its traffic away from the AZ where "
            "the active server runs.",
            "During an AZ impairment, Route 53 ARC shifts the NLB's traffic away from that AZ: the LB probe port's "
            "active server there receives no traffic, while the cluster sees nothing wrong and moves nothing.",
            "Turn zonal autoshift off for the NLB (Route 53 ARC > Zonal autoshift), or zonal shift integration "
            "(attribute zonal_shift.config.enabled = false), so that the cluster's failover decides.",
        ),
        Code(
            "CW106",
            "interference.zonal_shift",
            "warning",
            "A zonal shift away from {zone} is active on load balancer {balancer} until {until}: no traffic reaches "
            "{servers} there.",
            "Someone (or zonal autoshift) shifted the NLB's traffic away from the AZ; a group active on a server in "
            "that AZ is unreachable through the NLB until the shift ends.",
            "Move the groups to a server in another AZ before relying on the NLB, or cancel the zonal shift "
            "(Route 53 ARC > Zonal shift).",
        ),
        # --- 2: standby parity ------------------------------------------------------------------------------
        Code(
            "CW201",
            "parity.instance_type",
            "warning",
            "{standby}'s instance type {theirs} differs from {active}'s {ours} (group {groups}).",
            "After a failover the group runs on a server of another size than it was sized for.",
            "Give the servers of a group the same instance type (stop the instance, Actions > Instance settings > "
            "Change instance type).",
        ),
        Code(
            "CW202",
            "parity.image",
            "warning",
            "{standby}'s instance runs image {theirs}, {active}'s {ours} (group {groups}).",
            "The servers of a group were built from different AMIs: the OS, drivers or software may differ where the "
            "group fails over to.",
            "Build the servers of a group from the same AMI, or check that what the group runs is the same on both.",
        ),
        Code(
            "CW203",
            "parity.instance_profile",
            "warning",
            "{standby}'s instance has {theirs}, {active}'s {ours} (group {groups}).",
            "The AWS resources act with the instance role of the server they run on: on a server without the same "
            "role, the AWS CLI fails (50 : AWS CLI command failed.) after a failover.",
            "Attach the same IAM role (instance profile) to every server (Actions > Security > Modify IAM role); "
            "Config Mode > IAM policy shows the policy it needs.",
        ),
        Code(
            "CW204",
            "parity.security_groups",
            "warning",
            "{standby}'s network interface is in security groups {theirs}, {active}'s in {ours} (group {groups}).",
            "Clients and the cluster may reach the active server but not the standby after a failover.",
            "Put the servers' network interfaces in the same security groups (Actions > Security > Change security "
            "groups).",
        ),
        Code(
            "CW205",
            "parity.mirror_volume",
            "error",
            "The data partition {device} of {resource} is on a {theirs} GiB volume on {standby} and a {ours} GiB "
            "volume on {active}.",
            "A mirror disk needs data partitions of the same size on its servers: mirroring to a smaller one fails.",
            "Give both servers EBS volumes of the same size for the mirror disk's data partition (modify the smaller "
            "volume, then extend the partition).",
        ),
        Code(
            "CW206",
            "parity.data_volumes",
            "warning",
            "{standby}'s data volumes ({theirs} GiB) differ from {active}'s ({ours} GiB), where {resource} keeps its "
            "data partition.",
            "The mirror disk's data partitions must be the same size on both servers; the volumes they are on differ "
            "(which volume holds the partition is known to the OS, not to AWS).",
            "Check that the data partitions of {resource} are the same size on both servers, and give the servers "
            "volumes of the same sizes.",
        ),
        # --- 3: reachability --------------------------------------------------------------------------------
        Code(
            "CW301",
            "reachability.security_group",
            "error",
            "{source} cannot reach {target} on {ports} ({purpose}): no {direction} rule of {groups} allows it.",
            "Security groups drop what no rule allows: {purpose} between the servers fails, and the cluster takes a "
            "server for lost or a mirror for broken.",
            "Add the missing rule: {rule}.",
        ),
        Code(
            "CW302",
            "reachability.network_acl",
            "error",
            "Network ACL {acl} of {subnet} {verdict} {direction} {ports} {towards} {peer} ({purpose}).",
            "Network ACLs are stateless and evaluated by rule number: the first rule that matches decides, for the "
            "answers too (ephemeral ports 1024-65535).",
            "Add to {acl} an {direction} rule allowing {ports} {towards} {peer} before rule {rule_number}.",
        ),
        Code(
            "CW303",
            "reachability.object_storage",
            "error",
            "{server} cannot reach Amazon S3 for the object storage heartbeat: {why}.",
            "The object storage heartbeat writes to the bucket from each server; without a way to S3 the server is "
            "taken for lost and forced to stop.",
            "Give the server's subnet a route to S3: a NAT gateway (or an Internet gateway with a public IP), or an "
            "S3 gateway VPC endpoint in its route table; and let its security group send HTTPS (TCP 443).",
        ),
        # --- 4: shared objects ------------------------------------------------------------------------------
        Code(
            "CW401",
            "shared.vip_route",
            "error",
            "The VIP route {value} of {resource} is also claimed by {other}.",
            "Two clusters that move the same VIP route take it from each other: each monitor finds the route changed "
            "(56 : The routing for VIP was changed.) and both fail over in turn.",
            "Give each cluster its own VIP address, or remove the cluster that was made or imported twice.",
        ),
        Code(
            "CW402",
            "shared.eip",
            "error",
            "The Elastic IP {value} of {resource} is also claimed by {other}.",
            "Two clusters that associate the same EIP take it from each other (52 : The EIP address does not exist.).",
            "Give each cluster its own EIP allocation, or remove the cluster that was made or imported twice.",
        ),
        Code(
            "CW403",
            "shared.secondary_ip",
            "error",
            "The secondary IP {value} of {resource} is also claimed by {other}.",
            "Two clusters that assign the same secondary IP address take it from each other (58 : Failed to process "
            "checking the secondary IP address on the OS side.).",
            "Give each cluster its own secondary IP address, or remove the cluster that was made or imported twice.",
        ),
        Code(
            "CW404",
            "shared.dns_record",
            "error",
            "The resource record set {value} of {resource} is also claimed by {other}.",
            "Two clusters that write the same record set overwrite each other (53 : IP address different from the "
            "setting is registered in the resource record set of Amazon Route 53.).",
            "Give each cluster its own resource record set name, or remove the cluster that was made or imported "
            "twice.",
        ),
        Code(
            "CW405",
            "shared.probe_port",
            "error",
            "The health check port {value} of {resource} is also claimed by {other}.",
            "The NLB sends traffic to whichever cluster's active server opens the port: clients reach either one.",
            "Give each cluster its own target group and health check port, or remove the cluster that was made or "
            "imported twice.",
        ),
        # --- 5: scheduled events ----------------------------------------------------------------------------
        Code(
            "CW501",
            "events.scheduled",
            "warning",
            "AWS scheduled {event} for {server}'s instance {instance} from {start}{until}: {description}. Move its "
            "groups before {start}.",
            "AWS retires, reboots or maintains the instance at that time (DescribeInstanceStatus), whatever runs on "
            "it.",
            "Move the groups running on {server} to another server before {start} (Operation Mode: Move); for a "
            "retirement or stop, stop and start the instance at a quiet time to move it to healthy hardware.",
        ),
        # --- 9: could not check -----------------------------------------------------------------------------
        Code(
            "CW901",
            "unanswered",
            "warning",
            "Could not check {what}: {error}",
            "AWS did not answer the read ({kind}): the API is not offered by this endpoint or Region, the IAM policy "
            "does not allow it, or the endpoint did not respond. Nothing was concluded.",
            "Allow {action} in the console's IAM policy and check again, or check {what} in the AWS console.",
        ),
    )
}


def finding(check: str, *, object: str, field: str, server: str = "", severity: str = "", **values) -> Problem:
    """The finding of `check` from its table entry, its placeholders filled with `values`."""
    entry = CODES[check]
    return Problem(
        object,
        field,
        entry.message.format(server=server, **values),
        entry.solution.format(server=server, **values),
        severity or entry.severity,
        server,
        entry.code,
        entry.cause.format(server=server, **values),
        check,
    )


def unanswered(ctx, read: str, *, what: str, action: str, object: str = "", field: str = "AWS") -> list[Problem]:
    """A "could not check" finding when the account's read `read` (its key's start, e.g. "CloudWatch alarms") got
    no answer; none when it was answered."""
    failed = [v for k, v in ctx.account.unanswered.items() if k.startswith(read)]
    if not failed:
        return []
    error, kind = failed[-1]
    kinds = {"throttled": "throttled", "no_response": "no answer", "error": "an error answer"}
    return [
        finding(
            "unanswered",
            object=object or ctx.cluster.name,
            field=field,
            what=what,
            error=error,
            kind=kinds.get(kind, kind),
            action=action,
        )
    ]
