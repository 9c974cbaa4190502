"""AWS checks of a cluster with 10 and with 100 group resources, against moto's server.

Prints the number of AWS API calls and the wall time of each run. The call count must be the same
for both sizes, at most 20 plus one per server where AWS has no batch call (an instance attribute): the
account is read once per object kind for the whole cluster. (The error findings listed, if any, name the
checks that failed.) Each size is checked alone: two clusters on the same objects are a finding.
"""

import os
import socket
import sys
import time

from _django import setup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(size: int, sim: dict, admin):
    from clusters.configuration import services
    from tests import guide

    cluster = guide.build("vip", user=admin, name=f"bench{size}", ids=guide.ids_from_sim(sim))
    servers = list(cluster.servers.all())
    kinds = ["awseip", "awsdns", "lbpp", "md"]  # beside the guide's awsvip1 and md
    for g in range((size - 2 + 9) // 10):
        group = services.add_failover_group(user=admin, cluster=cluster, name=f"group{g}")
        for r in range(min(10, size - 2 - g * 10)):
            kind = kinds[r % len(kinds)]
            name = f"{kind}-{g}-{r}"
            eni = {s: {"eniid": sim["servers"][s.name]["eni_id"], "vpcid": sim["vpc_id"]} for s in servers}
            params = {
                "awsvip": {"ip": f"10.1.{g}.{r + 1}", "vpcid": sim["vpc_id"]},
                "awseip": {"eipid": sim["eip"]["allocation_id"]},
                "awsdns": {
                    "hostedzoneid": sim["hosted_zone"]["id"],
                    "recordset": f"r{g}x{r}.hz1.local.",
                    "ip": "10.0.110.10",
                },
                "lbpp": {"port": 12345, "hctimeout": 31},
                "md": {"dpdrive": "E", "cpdrive": "R"},
                "awssip": {"ip": "10.0.110.100"},
            }[kind]
            per_server = {s: {"eniid": v["eniid"]} for s, v in eni.items()} if kind in ("awseip", "awssip") else {}
            services.add_group_resource(
                user=admin, group=group, type=kind, name=name, parameters=params, server_parameters=per_server
            )
    return cluster


def main():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_REGION", "ap-northeast-1")
    setup()
    import logging

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from clusters.aws.checks import run_checks
    from webui import aws, awssim

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # moto's traceback for IAM simulation it lacks

    port = free_port()
    server = awssim.start_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    sim = awssim.seed(endpoint, "ap-northeast-1")
    settings.AWS_ENDPOINT_URL, settings.AWS_MAX_ATTEMPTS = endpoint, 1  # moto lacks IAM simulation: no retries
    aws.reset_clients()
    admin = get_user_model()(username="bench", is_superuser=True)
    for size in (10, 100):
        cluster = build(size, sim, admin)
        with aws.CallCounter() as calls:
            started = time.perf_counter()
            findings = run_checks(cluster)
            seconds = time.perf_counter() - started
        errors = [f for f in findings if f.severity == "error"]
        per_server = calls.calls.count("ec2.DescribeInstanceAttribute")
        print(
            f"{cluster.resources.count():4d} group resources: {len(calls):3d} AWS API calls "
            f"({len(calls) - per_server} + {per_server} for {cluster.servers.count()} servers), "
            f"{seconds * 1000:7.1f} ms, {len(errors)} error finding(s)"
        )
        if "--calls" in sys.argv:
            print("      " + ", ".join(sorted(calls.calls)))
        for check in sorted({f.check for f in errors}):
            print(f"      {check}")
        cluster.delete()
    server.stop()


if __name__ == "__main__":
    main()
