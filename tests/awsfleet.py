"""Many clusters in one AWS account, for the tests and benchmarks of the engine under AWS's rates: each cluster
two instances of its own (server 1 in the first AZ, server 2 in the second; both in server 1's subnet for a
cluster of AWS Secondary IP resources, as the guide requires) and groups of one AWS resource each (VIP, EIP,
SIP or DNS, in turn), with the AWS objects they need made in the simulation first."""

import uuid

from clusters.configuration import services
from webui import awssim
from webui.awssim.topology import root_client

KINDS = ("awsvip", "awseip", "awsdns", "awssip")


def cluster_kinds(index: int, kinds=KINDS, sip_every: int = 4) -> tuple[str, ...]:
    """The resource types of cluster `index`'s groups, in turn: every `sip_every`-th cluster a SIP cluster (same
    subnet), the others VIP, EIP and DNS groups."""
    if "awssip" in kinds and index % sip_every == sip_every - 1:
        return ("awssip",)
    return tuple(k for k in kinds if k != "awssip") or kinds


def plan(
    sim: dict, *, clusters: int, groups: int, kinds=KINDS, prefix: str = "", start: int = 0, sip_every: int = 4
) -> list[dict]:
    """Make the AWS side of `clusters` clusters of `groups` groups in the simulation `sim` (webui.awssim.seed's
    IDs, with endpoint_url): instances, VIP routes (to server 1, in every route table of the VPC), EIPs. Returns
    each cluster's plan for `build`. `start`: the index of the first cluster (another plan in the same VPC
    starts after the clusters of the one before)."""
    ec2 = root_client("ec2", sim["endpoint_url"], sim["region"])
    subnets = sim["subnets"]
    prefix = prefix or uuid.uuid4().hex[:4]
    made = []
    for c in range(start, start + clusters):
        types = cluster_kinds(c, kinds, sip_every)
        same_subnet = types == ("awssip",)
        servers = {}
        for n, subnet in enumerate(("Subnet-2A", "Subnet-2A" if same_subnet else "Subnet-2B"), start=1):
            ip = f"{subnets[subnet]['cidr'].rsplit('.', 1)[0]}.{20 + 2 * c + n - 1}"
            instance = ec2.run_instances(
                ImageId=awssim.WINDOWS_AMI, MinCount=1, MaxCount=1, SubnetId=subnets[subnet]["id"], PrivateIpAddress=ip
            )["Instances"][0]
            eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
            # The AWS Virtual IP resource needs Source/Dest. Check disabled, as the guide sets it.
            ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck={"Value": False})
            servers[f"server{n}"] = {
                "instance": instance["InstanceId"],
                "eni": eni,
                "ip": ip,
                "az": subnets[subnet]["az"],
            }
        plans = []
        for g in range(groups):
            kind = types[g % len(types)]
            if kind == "awsvip":
                vip = f"10.{101 + c // 200}.{c % 200}.{g + 1}"
                for table in sim["route_tables"].values():
                    ec2.create_route(
                        RouteTableId=table,
                        DestinationCidrBlock=f"{vip}/32",
                        NetworkInterfaceId=servers["server1"]["eni"],
                    )
                plans.append((kind, {"ip": vip, "vpcid": sim["vpc_id"]}, {"vpcid": sim["vpc_id"]}))
            elif kind == "awseip":
                plans.append((kind, {"eipid": ec2.allocate_address(Domain="vpc")["AllocationId"]}, {}))
            elif kind == "awssip":
                plans.append((kind, {"ip": f"10.0.110.{100 + (c // sip_every) * groups + g}"}, {}))
            else:
                record = f"{prefix}-c{c}-g{g}.{sim['hosted_zone']['name']}"
                plans.append((kind, {"hostedzoneid": sim["hosted_zone"]["id"], "recordset": record, "ttl": 60}, {}))
        made.append({"name": f"{prefix}-c{c}", "servers": servers, "groups": plans})
    return made


def build(user, cluster_plan: dict):
    """The cluster of one plan, through the services as a user would build it: two servers, AWS forced stop, and a
    group per planned resource (its monitor added with it), plus the AWS AZ monitor."""
    cluster = services.create_cluster(user=user, name=cluster_plan["name"], language="en")
    per_server = cluster_plan["servers"]
    servers = {name: services.add_server(user=user, cluster=cluster, name=name) for name in per_server}
    services.add_interconnect(
        user=user, cluster=cluster, addresses={s: per_server[n]["ip"] for n, s in servers.items()}
    )
    services.set_aws_forced_stop(
        user=user, cluster=cluster, instance_ids={s: per_server[n]["instance"] for n, s in servers.items()}
    )
    for g, (kind, parameters, per) in enumerate(cluster_plan["groups"]):
        group = services.add_failover_group(user=user, cluster=cluster, name=f"failover{g + 1}")
        first = {"eniid": per_server["server1"]["eni"]} if kind != "awsdns" else {"ip": per_server["server1"]["ip"]}
        second = {"eniid": per_server["server2"]["eni"]} if kind != "awsdns" else {"ip": per_server["server2"]["ip"]}
        services.add_group_resource(
            user=user,
            group=group,
            type=kind,
            name=f"{kind}{g + 1}",
            parameters={**parameters, **first},
            server_parameters={servers["server2"]: {**per, **second}},
        )
    services.add_monitor_resource(
        user=user,
        cluster=cluster,
        type="awsazw",
        name="awsazw1",
        server_parameters={s: {"availabilityzone": per_server[n]["az"]} for n, s in servers.items()},
    )
    return cluster


def vip_targets(sim: dict, vip: str) -> set:
    """Where the VIP is routed, read as the world is (not throttled)."""
    ec2 = root_client("ec2", sim["endpoint_url"], sim["region"])
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])["RouteTables"]
    return {
        r.get("NetworkInterfaceId") for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == f"{vip}/32"
    }
