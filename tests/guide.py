"""The guide's five configurations (chapters 4-8), built through the services as a user would."""

import base64
import uuid

import boto3

from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.models import Cluster
from resources.models import GroupResource
from webui import awssim

# Fixed IDs so the exported files are stable; the figures' addresses are the guide's.
IDS = {
    "vpc": "vpc-0a1b2c3d4e5f60001",
    "servers": {
        "server1": {
            "ip": "10.0.110.10",
            "instance": "i-0a1b2c3d4e5f60011",
            "eni": "eni-0a1b2c3d4e5f60021",
            "az": "ap-northeast-1a",
        },
        "server2": {
            "ip": "10.0.120.10",
            "instance": "i-0a1b2c3d4e5f60012",
            "eni": "eni-0a1b2c3d4e5f60022",
            "az": "ap-northeast-1c",
        },
    },
    "bucket": "clusterwebui-objstorage-hb",
    "witness": "10.0.10.100",
    "vip": "10.1.0.20",
    "sip": "10.0.110.100",
    "eip": "eipalloc-0a1b2c3d4e5f60031",
    "hosted_zone": "Z0123456789ABCDEFGHIJ",
    "record": "srv.hz1.local.",
    "probe_port": 12345,
}

VARIANTS = ("vip", "eip", "sip", "dns", "nlb")


def build(variant: str, *, user, name: str | None = None, ids: dict = IDS):
    """The guide's cluster for `variant`: common resources (4.3) plus that chapter's own."""
    cluster = services.create_cluster(user=user, name=name or f"cluster-{variant}", language="en")
    servers = [services.add_server(user=user, cluster=cluster, name=n) for n in ids["servers"]]
    per_server = dict(zip(servers, ids["servers"].values(), strict=True))
    # Interconnect: each instance's private IP, used as mdc1 for the mirror disk.
    services.add_interconnect(
        user=user, cluster=cluster, addresses={s: v["ip"] for s, v in per_server.items()}, mdc="mdc1"
    )
    services.add_object_storage_heartbeat(user=user, cluster=cluster, bucket=ids["bucket"])
    services.add_witness_heartbeat(user=user, cluster=cluster, host=ids["witness"])  # adds HTTP NP resolution
    services.set_aws_forced_stop(
        user=user, cluster=cluster, instance_ids={s: v["instance"] for s, v in per_server.items()}
    )
    group = services.add_failover_group(user=user, cluster=cluster, name="failover1")
    services.add_group_resource(
        user=user, group=group, type="md", name="md", parameters={"dpdrive": "E", "cpdrive": "R"}
    )
    first, *others = servers
    eni = {s: {"eniid": per_server[s]["eni"]} for s in others}
    if variant == "vip":
        services.add_group_resource(
            user=user,
            group=group,
            type="awsvip",
            name="awsvip1",
            parameters={"ip": ids["vip"], "vpcid": ids["vpc"], "eniid": per_server[first]["eni"]},
            server_parameters={s: {"vpcid": ids["vpc"], **v} for s, v in eni.items()},
        )
    elif variant == "eip":
        services.add_group_resource(
            user=user,
            group=group,
            type="awseip",
            name="awseip1",
            parameters={"eipid": ids["eip"], "eniid": per_server[first]["eni"]},
            server_parameters=eni,
        )
    elif variant == "sip":
        services.add_group_resource(
            user=user,
            group=group,
            type="awssip",
            name="awssip1",
            parameters={"ip": ids["sip"], "eniid": per_server[first]["eni"]},
            server_parameters=eni,
        )
    elif variant == "dns":
        services.add_group_resource(
            user=user,
            group=group,
            type="awsdns",
            name="awsdns1",
            parameters={
                "hostedzoneid": ids["hosted_zone"],
                "recordset": ids["record"],
                "ip": per_server[first]["ip"],
                "ttl": 300,
                "delete": True,
            },
            server_parameters={s: {"ip": per_server[s]["ip"]} for s in others},
        )
    elif variant == "nlb":
        services.add_group_resource(
            user=user, group=group, type="lbpp", name="lbpp1", parameters={"port": ids["probe_port"], "hctimeout": 31}
        )
    else:
        raise ValueError(f"unknown variant {variant!r}; use one of {VARIANTS}")
    services.add_monitor_resource(
        user=user,
        cluster=cluster,
        type="awsazw",
        name="awsazw1",
        parameters={"availabilityzone": per_server[first]["az"]},
        server_parameters={s: {"availabilityzone": per_server[s]["az"]} for s in others},
    )
    return cluster


def sized_cluster(size: int, *, user):
    """A cluster with `size` servers and size/2 groups of two resources each (for query-count tests)."""
    cluster = services.create_cluster(user=user, name=f"size{size}")
    servers = [
        services.add_server_with_address(user=user, cluster=cluster, name=f"s{i}", address=f"10.0.0.{i + 1}")
        for i in range(size)
    ]
    services.set_interconnect_mdc(user=user, interconnect=cluster.interconnects.get(), mdc="mdc1")
    services.add_witness_heartbeat(user=user, cluster=cluster, host="10.0.10.100")
    services.set_aws_forced_stop(user=user, cluster=cluster, instance_ids={s: f"i-{i}" for i, s in enumerate(servers)})
    for g in range(size // 2):
        group = services.add_failover_group(user=user, cluster=cluster, name=f"g{g}", startup_servers=servers[:2])
        services.add_group_resource(
            user=user,
            group=group,
            type="awsvip",
            name=f"vip{g}",
            parameters={"ip": f"10.1.0.{g + 1}", "vpcid": "vpc-1"},
            server_parameters={s: {"eniid": f"eni-{g}-{i}"} for i, s in enumerate(servers)},
        )
        services.add_group_resource(
            user=user, group=group, type="md", name=f"md{g}", parameters={"dpdrive": "E", "cpdrive": "R"}
        )
    services.add_monitor_resource(
        user=user,
        cluster=cluster,
        type="awsazw",
        name="awsazw1",
        server_parameters={s: {"availabilityzone": "ap-northeast-1a"} for s in servers},
    )
    return cluster


def ids_from_sim(sim: dict) -> dict:
    """The guide's IDs taken from a seeded simulation (webui.awssim.seed's answer)."""
    return dict(
        IDS,
        vpc=sim["vpc_id"],
        servers={
            name: {
                "ip": s["private_ip"],
                "instance": s["instance_id"],
                "eni": s["eni_id"],
                "az": s["availability_zone"],
            }
            for name, s in sim["servers"].items()
        },
        bucket=sim["bucket"],
        eip=sim["eip"]["allocation_id"],
        hosted_zone=sim["hosted_zone"]["id"],
        record=sim["hosted_zone"]["record_name"],
        probe_port=12345,
    )


# --- on an isolated copy of the reference topology (the `sim` fixture) ---


def sim_client(sim, service):
    return boto3.client(service, endpoint_url=sim["endpoint_url"], region_name=sim["region"])


def same_subnet_pair(sim) -> dict:
    """SIP needs both servers in one subnet (guide ch. 6): a second instance beside server1."""
    ec2 = sim_client(sim, "ec2")
    server1 = sim["servers"]["server1"]
    instance = ec2.run_instances(
        ImageId=awssim.WINDOWS_AMI,
        InstanceType="t3.medium",  # server1's twin, as the guide's servers are
        MinCount=1,
        MaxCount=1,
        SubnetId=server1["subnet_id"],
        PrivateIpAddress="10.0.110.11",
    )["Instances"][0]
    ec2.modify_instance_maintenance_options(InstanceId=instance["InstanceId"], AutoRecovery="disabled")
    ids = ids_from_sim(sim)
    ids["servers"]["server2"] = {
        "ip": "10.0.110.11",
        "instance": instance["InstanceId"],
        "az": server1["availability_zone"],
        "eni": instance["NetworkInterfaces"][0]["NetworkInterfaceId"],
    }
    return ids


def build_on_sim(variant, users, sim, **overrides):
    ids = same_subnet_pair(sim) if variant == "sip" else ids_from_sim(sim)
    ids.update(overrides)
    return build(variant, user=users["admin"], name=f"c-{uuid.uuid4().hex[:6]}", ids=ids)


# --- a Linux cluster whose exec resources run real scripts (on the console, or a node agent) ---


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def linux_cluster(users, scripts: dict[str, str], *, more: dict | None = None, instance_ids=None, **monitors):
    """Two servers and a failover group with an exec resource exec1 whose scripts are `scripts`; `more`
    (name -> scripts) adds exec resources after it, each depending on the one before; `instance_ids` (server
    -> EC2 instance) sets AWS forced stop, so that the servers' instances can be stopped or rebooted."""
    admin = users["admin"]
    cluster = services.create_cluster(user=admin, name=f"linux-{uuid.uuid4().hex[:6]}")
    Cluster.objects.filter(pk=cluster.pk).update(server_os="linux")
    cluster.refresh_from_db()
    servers = [
        services.add_server_with_address(user=admin, cluster=cluster, name=name, address=address)
        for name, address in (("server1", "10.0.110.10"), ("server2", "10.0.120.10"))
    ]
    if instance_ids:
        services.set_aws_forced_stop(
            user=admin, cluster=cluster, instance_ids={s: instance_ids[s.name] for s in servers}
        )
    group = services.add_failover_group(user=admin, cluster=cluster, name="failover1")
    previous = None
    for name, its_scripts in {"exec1": scripts, **(more or {})}.items():
        resource = services.add_group_resource(
            user=admin, group=group, type="exec", name=name, parameters={"starttimeout": 2}
        )
        GroupResource.objects.filter(pk=resource.pk).update(scripts={k: b64(v) for k, v in its_scripts.items()})
        if previous is not None:
            resource.depends_on.set([previous])
        previous = resource
    for name, (type_, parameters) in monitors.items():
        monitor = services.add_monitor_resource(
            user=admin, cluster=cluster, type=type_, name=name, parameters=parameters
        )
        if type_ == "genw":
            monitor.scripts = {"genw.sh": b64("exit 3\n")}
            monitor.save()
    return cluster, from_models(cluster)


def give_roles(sim, cluster, *, policy: dict | None = None) -> dict:
    """Each server's instance gets an IAM role (an instance profile) with `policy`, by default the one the IAM
    policy page shows for the cluster; returns server -> role name."""
    from clusters.aws.checks import iam_policy
    from webui.awssim.topology import root_client

    policy = policy or iam_policy(cluster)
    endpoint, region = sim["endpoint_url"], sim["region"]
    iam, ec2 = root_client("iam", endpoint, region), root_client("ec2", endpoint, region)
    roles, config = {}, from_models(cluster)
    for server in config.server_names:
        name = f"{server}-{uuid.uuid4().hex[:8]}"
        awssim.create_principal(endpoint, name, policy, role=True, region=region)
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
        ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": name}, InstanceId=config.instance_id(server))
        roles[server] = name
    return roles
