"""Client-perceived outage of a group move, per resource type, on the AWS-like simulation (AWS's latency, buckets
and Route 53 propagation): the median and the worst of MOVES (20) moves.

The clock starts when the move starts (the group stops on its server first) and stops when a client reaches the
other server: the VIP's routes point at its ENI (AWS Virtual IP), the EIP is associated with its ENI (Elastic IP),
the secondary IP is on its ENI and on no other (Secondary IP), the simulation's DNS server answers its address,
that is once the change is INSYNC (DNS; with "Delete a resource record set at deactivation", the product's default,
the upsert waits for the delete to be INSYNC first; a client that cached the old answer waits the TTL more), and
the NLB sends traffic to it (LB probe port: the port answers there, then the NLB's health check needs the target
group's interval x healthy threshold more, from the simulation's target group: a model, as the simulation runs no
health checks). A client watches from this process, polling every 50 ms without taking AWS's rate.

VIP, EIP, SIP and NLB move one group back and forth; DNS moves MOVES groups once each, started 3 s apart so that
the minutes of propagation overlap.
"""

import functools
import os
import socket
import statistics
import threading
import time

from _django import setup

MOVES = int(os.environ.get("MOVES", 20))
PROBE_PORT = 12345  # the simulation's target group health-checks this port
EVERY = 0.05


def main():
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-1")  # noqa: S106
    setup()
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from clusters.clpconf import writer
    from clusters.configuration import services
    from clusters.models import TaskRun
    from clusters.runs import taskruns
    from clusters.runtime import AppliedVersion
    from tests import awsfleet
    from tests.azloss import start_simulation
    from tests.faults.harness import Redis, free_port
    from webui import aws
    from webui.awssim.topology import root_client

    var = Path(settings.VAR_DIR)
    broker = Redis(var)  # the account's budget and the monitors' shared reads, as a console has them
    sim, ids = start_simulation(var, free_port())
    settings.AWS_ENDPOINT_URL, settings.CELERY_BROKER_URL = ids["endpoint_url"], broker.url
    aws.reset_clients()
    admin = get_user_model().objects.create(username="bench", is_superuser=True)
    ec2 = root_client("ec2", ids["endpoint_url"], ids["region"])

    def applied(cluster):
        AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
        return cluster

    def run(kind: str, cluster, **params) -> TaskRun:
        record = TaskRun.objects.create(kind=kind, cluster=cluster, user=admin, params=params)
        taskruns.execute(record.pk)
        record.refresh_from_db()
        assert record.status == "succeeded", (record.error, list(record.lines.values_list("message", flat=True)))
        return record

    def moved(cluster, server: str, serves) -> float:
        """Move the group to `server` (a run in a thread, as a worker runs it); seconds until `serves()`."""
        started = time.monotonic()
        done = []

        def move():
            try:
                done.append(run("group_move", cluster, group="failover1", server=server))
            finally:
                close_old_connections()

        thread = threading.Thread(target=move)
        thread.start()
        while not serves():
            if time.monotonic() - started > 600:
                raise SystemExit(f"{cluster.name}: no client reached {server} in 600 s")
            time.sleep(EVERY)
        seconds = time.monotonic() - started
        thread.join()
        return seconds

    def report(label: str, outages: list[float], extra: str = "") -> None:
        print(
            f"  {label:<22} median {statistics.median(outages):6.2f} s, worst {max(outages):6.2f} s "
            f"({len(outages)} moves){extra}"
        )

    try:
        print(f"Client-perceived outage of a move, {MOVES} moves a type (AWS-like latency, buckets, INSYNC)")
        for start, kind in enumerate(("awsvip", "awseip", "awssip")):
            [plan] = awsfleet.plan(ids, clusters=1, groups=1, kinds=(kind,), sip_every=1, prefix=kind, start=start)
            cluster = applied(awsfleet.build(admin, plan))
            run("cluster_start", cluster)
            enis = {n: s["eni"] for n, s in plan["servers"].items()}
            value = plan["groups"][0][1]
            outages = []
            for n in range(MOVES):
                server = "server2" if n % 2 == 0 else "server1"
                outages.append(moved(cluster, server, functools.partial(_serves, kind, ec2, ids, value, enis, server)))
            report(
                {"awsvip": "AWS Virtual IP", "awseip": "AWS Elastic IP", "awssip": "AWS Secondary IP"}[kind], outages
            )

        # LB probe port: the port answers on the new server (one machine: the console listens for either server).
        cluster = services.create_cluster(user=admin, name="nlb", language="en")
        servers = [services.add_server(user=admin, cluster=cluster, name=n) for n in ("server1", "server2")]
        services.add_interconnect(
            user=admin, cluster=cluster, addresses={servers[0]: "10.0.110.10", servers[1]: "10.0.120.10"}
        )
        group = services.add_failover_group(user=admin, cluster=cluster, name="failover1")
        services.add_group_resource(user=admin, group=group, type="lbpp", name="lbpp1", parameters={"port": PROBE_PORT})
        cluster = applied(cluster)
        run("cluster_start", cluster)
        target_group = root_client("elbv2", ids["endpoint_url"], ids["region"]).describe_target_groups(
            TargetGroupArns=[ids["nlb"]["target_group_arn"]]
        )["TargetGroups"][0]
        interval, threshold = target_group["HealthCheckIntervalSeconds"], target_group["HealthyThresholdCount"]
        outages = []
        for n in range(MOVES):  # the port answers again once the move's activation ends
            began = time.monotonic()
            run("group_move", cluster, group="failover1", server="server2" if n % 2 == 0 else "server1")
            assert _answers(PROBE_PORT)
            outages.append(time.monotonic() - began + interval * threshold)
        report(
            "LB probe port",
            outages,
            f"; the port answers in {statistics.median(o - interval * threshold for o in outages):.2f} s, then the "
            f"NLB's health check: {interval} s x {threshold} healthy",
        )

        # DNS: MOVES groups moved once each, 3 s apart, each until the simulation's DNS server answers its address.
        plans = awsfleet.plan(
            ids, clusters=MOVES, groups=1, kinds=("awsdns",), sip_every=MOVES + 1, prefix="dns", start=3
        )
        clusters = [applied(awsfleet.build(admin, plan)) for plan in plans]
        for cluster in clusters:
            run("cluster_start", cluster)
        dns = (ids["dns"]["host"], ids["dns"]["port"])
        records = [(p["groups"][0][1]["recordset"], p["servers"]["server2"]["ip"]) for p in plans]
        time.sleep(settings.WEBUI_TICK_SECONDS)
        while not all(_resolves(dns, name) for name, _ in records):  # the starts' upserts are INSYNC
            time.sleep(1)
        outages: list[float] = []

        def one(cluster, name, address):
            outages.append(moved(cluster, "server2", lambda: _resolves(dns, name) == address))
            close_old_connections()

        threads = []
        for (name, address), cluster in zip(records, clusters, strict=True):
            threads.append(threading.Thread(target=one, args=(cluster, name, address)))
            threads[-1].start()
            time.sleep(3)
        for thread in threads:
            thread.join()
        ttl = plans[0]["groups"][0][1]["ttl"]
        report("AWS DNS (until INSYNC)", outages, f"; a client that cached the old answer: + TTL {ttl} s")
    finally:
        sim.terminate()
        sim.wait(15)
        broker.stop()


def _serves(kind: str, ec2, ids: dict, value: dict, enis: dict, server: str) -> bool:
    """Whether a client reaches `server` through the resource (its parameters `value`)."""
    if kind == "awsvip":
        return _vip_on(ec2, ids["vpc_id"], value["ip"]) == {enis[server]}
    if kind == "awseip":
        return _eip_on(ec2, value["eipid"]) == enis[server]
    return _sip_on(ec2, value["ip"], set(enis.values())) == {enis[server]}


def _vip_on(ec2, vpc: str, vip: str) -> set:
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    return {
        r.get("NetworkInterfaceId") for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == f"{vip}/32"
    }


def _eip_on(ec2, allocation: str) -> str:
    return ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0].get("NetworkInterfaceId", "")


def _sip_on(ec2, ip: str, enis: set) -> set:
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=sorted(enis))["NetworkInterfaces"]
    return {e["NetworkInterfaceId"] for e in found if ip in {a["PrivateIpAddress"] for a in e["PrivateIpAddresses"]}}


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _resolves(server: tuple[str, int], name: str) -> str:
    """The address the simulation's DNS server answers for `name`, or "" (NXDOMAIN, no answer)."""
    from dnslib import QTYPE, DNSRecord

    try:
        answer = DNSRecord.parse(DNSRecord.question(name).send(server[0], server[1], timeout=1))
    except OSError:
        return ""
    return next((str(r.rdata) for r in answer.rr if r.rtype == QTYPE.A), "")


if __name__ == "__main__":
    main()
