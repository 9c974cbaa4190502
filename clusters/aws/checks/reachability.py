"""Reachability: the security groups and network ACLs let through what the configuration sends between the
servers (interconnect, mirror disk connect), to the witness and HTTP NP targets, from the load balancer to the
LB probe port; and each server has a way to Amazon S3 for the object storage heartbeat. Each finding names the
rule that is missing (rules.py judges them)."""

import ipaddress

from clusters.aws.checks import rules
from clusters.aws.checks.codes import finding, unanswered
from clusters.aws.checks.context import CheckContext
from clusters.aws.checks.rules import ANYWHERE, EPHEMERAL, Endpoint, Flow
from clusters.configuration.params import Problem

# The product's ports between servers (Getting Started Guide > Before installing > Communication port number),
# INFERRED as remembered: correct a number here and every check follows. A resource type's own ports between
# the servers (the mirror disk's) are its module's (`server_ports`).
CLUSTER_PORTS = (("tcp", 29001), ("tcp", 29002), ("udp", 29003))  # internal communication, data, alerts
HEARTBEAT_PORTS = (("udp", 29002),)
KERNEL_HEARTBEAT_PORTS = (("udp", 29106),)  # Linux kernel-mode LAN heartbeat (lankhb)


def check(ctx: CheckContext) -> list[Problem]:
    instances = ctx.instances()
    if not instances:
        return []
    vpcs = sorted({i["VpcId"] for i in instances.values() if i.get("VpcId")})
    groups, acls = ctx.account.security_groups(vpcs), ctx.account.network_acls(vpcs)
    judge = rules.Judge(groups, acls)
    flows = interconnect(ctx) + targets(ctx) + probe_ports(ctx)
    found = judge.findings(flows) + object_storage(ctx, instances, judge)
    for read, what, action in (
        ("security groups", "the security groups", "ec2:DescribeSecurityGroups"),
        ("network ACLs", "the network ACLs", "ec2:DescribeNetworkAcls"),
        ("load balancers", "where the NLB's health checks come from", "elasticloadbalancing:DescribeLoadBalancers"),
    ):
        found += unanswered(ctx, read, what=what, action=action)
    return found


def server_end(ctx, server: str, address: str | None = None) -> Endpoint | None:
    eni = ctx.interface_of(server, address)
    if eni is None:
        return None
    ip = address or eni["PrivateIpAddress"]
    return Endpoint(
        f"{server} ({ip})",
        ipaddress.ip_network(ip),
        frozenset(g["GroupId"] for g in eni.get("Groups", [])),
        eni.get("SubnetId"),
        server=server,
        ephemeral=EPHEMERAL.get(ctx.config.cluster.server_os, EPHEMERAL["windows"]),
    )


def resource_ports(ctx) -> list[tuple[str, list[tuple[str, int, str]]]]:
    """(MDC, [(protocol, port, what for)]) of each resource that sends between the servers (a mirror disk)."""
    found, seen = [], {}
    for resource in ctx.config.resources:
        index = seen[resource.type] = seen.get(resource.type, -1) + 1
        mdc, ports = resource.spec.server_ports(resource, index)
        if ports:
            found.append((mdc, ports))
    return found


def interconnect(ctx) -> list[Flow]:
    linux = ctx.config.cluster.server_os == "linux"
    sending = resource_ports(ctx)
    flows = []
    for position, ic in enumerate(ctx.config.interconnects):
        ports = []
        if position == 0:
            ports += [(p, "cluster communication") for p in CLUSTER_PORTS]
        if ic.heartbeat:
            ports += [(p, "heartbeat") for p in HEARTBEAT_PORTS]
            if ic.heartbeat == "lankhb" and linux:
                ports += [(p, "kernel-mode heartbeat") for p in KERNEL_HEARTBEAT_PORTS]
        for proto, port, purpose in dict.fromkeys(p for mdc, used in sending if ic.mdc and mdc == ic.mdc for p in used):
            if ((proto, port), purpose) not in ports:
                ports.append(((proto, port), purpose))
        ends = {s: server_end(ctx, s, a) for s, a in ic.addresses.items() if a}
        for a, source in ends.items():
            for b, target in ends.items():
                if a != b and source and target:
                    flows += [Flow("Interconnect", source, target, proto, port, why) for (proto, port), why in ports]
    return flows


def targets(ctx) -> list[Flow]:
    """From each server to the witness server and the HTTP NP targets."""
    devices = [(d, "witness heartbeat") for d in ctx.config.heartbeats if d.kind == "witness"]
    devices += [(d, "HTTP NP resolution") for d in ctx.config.network_partitions if d.kind == "http"]
    flows = []
    for device, purpose in devices:
        host, port = str(device.parameters.get("host", "")), int(device.parameters.get("port") or 80)
        target = outside_end(ctx, host)
        for server in ctx.server_names:
            if (source := server_end(ctx, server)) is not None:
                flows.append(Flow(device.name, source, target, "tcp", port, purpose))
    return flows


def outside_end(ctx, host: str) -> Endpoint:
    """A host the servers send to: an interface of the account when one has that address (its security groups
    and subnet judged too), else an address or name beyond what the account says."""
    try:
        network = ipaddress.ip_network(host)
    except ValueError:
        return Endpoint(host, ANYWHERE)
    eni = next((e for e in ctx.account.network_interfaces() if e.get("PrivateIpAddress") == host), None)
    if eni is None:
        return Endpoint(host, network)
    return Endpoint(host, network, frozenset(g["GroupId"] for g in eni.get("Groups", [])), eni["SubnetId"])


def balancer_ends(ctx, arns: list[str]) -> list[Endpoint]:
    """Where an NLB's health checks come from: its network interfaces ("ELB net/NAME/ID" in each of its subnets);
    where they are not found, its subnets."""
    ends, missing = [], []
    interfaces = ctx.account.network_interfaces()
    for arn in arns:
        suffix = "ELB " + arn.split(":loadbalancer/", 1)[-1]
        mine = [e for e in interfaces if e.get("Description") == suffix]
        name = arn.rsplit("/", 2)[-2]
        ends += [
            Endpoint(
                f"the NLB {name} ({e['PrivateIpAddress']})",
                ipaddress.ip_network(e["PrivateIpAddress"]),
                frozenset(g["GroupId"] for g in e.get("Groups", [])),
                e["SubnetId"],
                ephemeral=EPHEMERAL["balancer"],
            )
            for e in mine
        ]
        if not mine:
            missing.append(arn)
    for balancer in (ctx.account.load_balancers(missing) or []) if missing else []:  # None: said by `check`
        for zone in balancer.get("AvailabilityZones", []):
            subnet = ctx.account.subnet(zone.get("SubnetId", ""))
            if subnet:
                name = balancer["LoadBalancerName"]
                ends.append(
                    Endpoint(
                        f"the NLB {name}'s subnet {subnet['SubnetId']}",
                        ipaddress.ip_network(subnet["CidrBlock"]),
                        frozenset(balancer.get("SecurityGroups", [])),
                        subnet["SubnetId"],
                        ephemeral=EPHEMERAL["balancer"],
                    )
                )
    return ends


def probe_ports(ctx) -> list[Flow]:
    """From the load balancer to every server that may hold the LB probe port (any of them, after a failover)."""
    flows = []
    for resource in ctx.config.resources:
        if (port := resource.spec.balancer_port(resource)) is None:
            continue
        arns = sorted({a for g in ctx.probe_target_groups(port) for a in g.get("LoadBalancerArns", [])})
        for source in balancer_ends(ctx, arns):
            for server in ctx.config.startup_servers(resource.group):
                if (target := server_end(ctx, server)) is not None:
                    flows.append(Flow(resource.name, source, target, "tcp", port, "the NLB's health checks"))
    return flows


def object_storage(ctx, instances: dict[str, dict], judge) -> list[Problem]:
    """A route to S3 from each server's subnet, and HTTPS allowed out."""
    bucket_hb = next((hb for hb in ctx.config.heartbeats if hb.kind == "object_storage"), None)
    if bucket_hb is None:
        return []
    found, flows = [], []
    for server, instance in instances.items():
        source = server_end(ctx, server)
        if source is None:
            continue
        why = route_to_s3(ctx, instance)  # None: the VPC endpoints were not answered (said once, below)
        if why:
            found.append(
                finding(
                    "reachability.object_storage", object=bucket_hb.name, field="Bucket Name", server=server, why=why
                )
            )
        flows.append(
            Flow(
                bucket_hb.name, source, Endpoint("Amazon S3", ANYWHERE, s3=True), "tcp", 443, "object storage heartbeat"
            )
        )
    unread = unanswered(
        ctx, "VPC endpoints", what="the VPC endpoints", action="ec2:DescribeVpcEndpoints", object=bucket_hb.name
    )
    return found + unread + judge.findings(flows)


def route_to_s3(ctx, instance: dict) -> str | None:
    """'' when the instance's subnet reaches S3, None when that could not be read, else why it does not."""
    subnet, vpc = instance.get("SubnetId", ""), instance.get("VpcId", "")
    tables = [t for t in ctx.account.route_tables() if t.get("VpcId") == vpc]
    table = next((t for t in tables if any(a.get("SubnetId") == subnet for a in t.get("Associations", []))), None)
    table = table or next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), None)
    if table is None:
        return f"no route table of {vpc} applies to its subnet {subnet}" if tables else ""
    public = any(e.get("Association", {}).get("PublicIp") for e in instance.get("NetworkInterfaces", []))
    for route in table.get("Routes", []):
        if route.get("State", "active") != "active":
            continue
        target = route.get("GatewayId", "")
        if route.get("DestinationCidrBlock") == "0.0.0.0/0" and (
            route.get("NatGatewayId") or (target.startswith("igw-") and public)
        ):
            return ""
        if route.get("DestinationPrefixListId") and target.startswith("vpce-"):
            return ""  # a gateway endpoint (S3's: the only gateway endpoints are S3's and DynamoDB's)
    endpoints = ctx.account.vpc_endpoints([vpc])
    if endpoints is None:
        return None
    if any(e.get("VpcEndpointType") == "Interface" and e.get("ServiceName", "").endswith(".s3") for e in endpoints):
        return ""
    return (
        f"the route table {table['RouteTableId']} of its subnet {subnet} has no route to a NAT gateway, "
        "an Internet gateway " + ("" if public else "(it has no public IP) ") + "or an S3 VPC endpoint"
    )


def iam_statements(ctx: CheckContext) -> list[dict]:
    reads = [
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRouteTables",
        "ec2:DescribeVpcEndpoints",
    ]
    if any(r.spec.balancer_port(r) is not None for r in ctx.config.resources):
        reads += [
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DescribeLoadBalancers",
            "ec2:DescribeSubnets",
        ]
    return [{"Action": reads, "Resource": ["*"]}]
