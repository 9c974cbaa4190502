"""Standby parity: each standby server of a group against the group's first startup server (where it runs
first): instance type, image, instance profile, security groups, and the volumes its mirror disks use."""

import re
from collections import Counter

from clusters.aws.checks.codes import finding, unanswered
from clusters.aws.checks.context import CheckContext
from clusters.configuration.params import Problem

# A Linux data partition on an EBS device name AWS knows (/dev/sdf1, /dev/xvdf1 -> f); NVMe names are the OS's.
LINUX_DEVICE = re.compile(r"^/dev/(?:sd|xvd)([a-z]+)\d*$")


def pairs(ctx: CheckContext) -> dict[tuple[str, str], list[str]]:
    """(first startup server, standby) -> the groups they serve, each pair once whatever the number of groups."""
    found: dict[tuple[str, str], list[str]] = {}
    for group in ctx.config.groups:
        active, *standbys = ctx.config.startup_servers(group.name)
        for standby in standbys:
            if standby != active:
                found.setdefault((active, standby), []).append(group.name)
    return found


def groups_text(groups: list[str]) -> str:
    return ", ".join(groups[:3]) + (f" and {len(groups) - 3} more" if len(groups) > 3 else "")


def profile(instance: dict) -> str:
    arn = instance.get("IamInstanceProfile", {}).get("Arn", "")
    return f"instance profile {arn.rsplit('/', 1)[-1]}" if arn else "no instance profile"


def security_groups(instance: dict) -> str:
    groups = {g["GroupId"]: g.get("GroupName", "") for e in instance.get("NetworkInterfaces", []) for g in e["Groups"]}
    groups |= {g["GroupId"]: g.get("GroupName", "") for g in instance.get("SecurityGroups", [])}
    return ", ".join(f"{i} ({n})" if n else i for i, n in sorted(groups.items())) or "none"


COMPARED = (
    ("parity.instance_type", "Instance type", lambda i: i.get("InstanceType", "")),
    ("parity.image", "Image", lambda i: i.get("ImageId", "")),
    ("parity.instance_profile", "Instance profile", profile),
    ("parity.security_groups", "Security groups", security_groups),
)


def check(ctx: CheckContext) -> list[Problem]:
    instances = ctx.instances()
    found = []
    for (active, standby), groups in pairs(ctx).items():
        if active not in instances or standby not in instances:
            continue
        for check_name, field, value in COMPARED:
            ours, theirs = value(instances[active]), value(instances[standby])
            if ours != theirs:
                found.append(
                    finding(
                        check_name,
                        object=groups[0],
                        field=field,
                        server=standby,
                        standby=standby,
                        active=active,
                        ours=ours,
                        theirs=theirs,
                        groups=groups_text(groups),
                    )
                )
    return found + mirror_volumes(ctx, instances)


def mirror_volumes(ctx, instances: dict[str, dict]) -> list[Problem]:
    mirrors = [r for r in ctx.config.resources if r.spec.data_partition(r)]
    if not mirrors or not instances:
        return []
    volumes = ctx.account.volumes([i["InstanceId"] for i in instances.values()])
    if volumes is None:
        return unanswered(
            ctx, "EBS volumes", what="the sizes of the mirror disks' volumes", action="ec2:DescribeVolumes"
        )
    attached = {}  # instance -> {device: size}
    for volume in volumes:
        for attachment in volume.get("Attachments", []):
            attached.setdefault(attachment["InstanceId"], {})[attachment["Device"]] = volume["Size"]
    found = []
    for resource in mirrors:
        servers = [s for s in ctx.config.startup_servers(resource.group) if s in instances]
        for standby in servers[1:]:
            found += _compare(resource, servers[0], standby, instances, attached)
    return found


def _compare(resource, active: str, standby: str, instances: dict, attached: dict) -> list[Problem]:
    def devices(server):
        return attached.get(instances[server]["InstanceId"], {})

    device = resource.spec.data_partition(resource)
    if match := LINUX_DEVICE.match(device):
        letters = match.group(1)
        sizes = [
            next((v for d, v in devices(s).items() if d in (f"/dev/sd{letters}", f"/dev/xvd{letters}")), None)
            for s in (active, standby)
        ]
        if None not in sizes and sizes[0] != sizes[1]:
            return [
                finding(
                    "parity.mirror_volume",
                    object=resource.name,
                    field="Data Partition",
                    server=standby,
                    device=device,
                    resource=resource.name,
                    standby=standby,
                    active=active,
                    ours=sizes[0],
                    theirs=sizes[1],
                )
            ]
        if None not in sizes:
            return []

    # Which volume holds the partition is the OS's knowledge (a drive letter, an NVMe name): the data volumes,
    # every volume but the root one, must then be the same sizes.
    def data_sizes(server):
        root = instances[server].get("RootDeviceName", "")
        return Counter(size for d, size in devices(server).items() if d != root)

    ours, theirs = data_sizes(active), data_sizes(standby)
    if ours == theirs:
        return []
    return [
        finding(
            "parity.data_volumes",
            object=resource.name,
            field="Data Partition",
            server=standby,
            resource=resource.name,
            standby=standby,
            active=active,
            ours=", ".join(map(str, sorted(ours.elements()))) or "none",
            theirs=", ".join(map(str, sorted(theirs.elements()))) or "none",
        )
    ]


def iam_statements(ctx: CheckContext) -> list[dict]:
    reads = ["ec2:DescribeInstances"]
    if any(r.spec.data_partition(r) for r in ctx.config.resources):
        reads.append("ec2:DescribeVolumes")
    return [{"Action": reads, "Resource": ["*"]}]
