"""AWS calls per minute of 1,000 monitors in one VPC, on the AWS-like simulation.

CLUSTERS x GROUPS (10 x 100) groups of one AWS resource each in one VPC (tests/awsfleet.py: VIP, EIP and DNS groups,
the last cluster of SIP groups), each resource's monitor added with it, plus each cluster's AWS AZ monitor: about
1,000 monitors, every one on the product's default interval (60 s). Beat's rounds (every WEBUI_TICK_SECONDS, 5 s)
run in this process against a Redis of its own, as a worker runs them. After a first interval (every monitor
watched once, then spread over its interval), one minute is counted: the AWS calls of the monitor reads by action,
against the watches made (one call a watch without shared reads), and the server-health reads apart (one
DescribeInstances a cluster and round). Goal: one call per kind and round, whatever the number of monitors.
"""

import os
import time
from collections import Counter

import requests
from _django import setup

CLUSTERS, GROUPS = int(os.environ.get("CLUSTERS", 10)), int(os.environ.get("GROUPS", 100))
MONITOR_READS = {
    "ec2.DescribeRouteTables": "awsvipw",
    "ec2.DescribeAddresses": "awseipw",
    "ec2.DescribeNetworkInterfaces": "awssipw",
    "route53.ListResourceRecordSets": "awsdnsw",
    "ec2.DescribeAvailabilityZones": "awsazw",
}


def main():
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-1")  # noqa: S106
    setup()
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from clusters.clpconf import writer
    from clusters.operation import groups, state
    from clusters.runtime import AppliedVersion, ObjectState, Status
    from monitors import engine
    from tests import awsfleet
    from tests.azloss import start_simulation
    from tests.faults.harness import Redis, free_port
    from webui import aws, awsbudget

    var = Path(settings.VAR_DIR)
    broker = Redis(var)
    sim, ids = start_simulation(var, free_port())
    settings.AWS_ENDPOINT_URL, settings.CELERY_BROKER_URL = ids["endpoint_url"], broker.url
    aws.reset_clients()
    awsbudget.reset()
    tick = settings.WEBUI_TICK_SECONDS
    admin = get_user_model().objects.create(username="bench", is_superuser=True)
    try:
        rules = f"{ids['endpoint_url']}/_awssim/rules"
        requests.post(rules, json={"WEBUI_AWSSIM_MODE": "ideal"}, timeout=10).raise_for_status()  # a quick setup
        began = time.monotonic()
        plans = awsfleet.plan(ids, clusters=CLUSTERS, groups=GROUPS, sip_every=CLUSTERS, prefix="calls")
        clusters = []
        for plan in plans:
            cluster = awsfleet.build(admin, plan)
            cluster.monitors.update(wait_to_start=0)  # the AWS DNS monitor's 300 s: watched from the start here
            AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
            _, config = state.applied(cluster)
            for group in config.groups:
                groups.activate_on(cluster, config, group.name, "server1", lambda *line: None)
            state.set_cluster_status(cluster, Status.ONLINE)
            clusters.append(cluster)
        requests.post(f"{ids['endpoint_url']}/_awssim/reset", timeout=10).raise_for_status()  # AWS-like again
        monitors = Counter(t for c in clusters for t in c.monitors.values_list("type", flat=True))
        print(
            f"{sum(monitors.values())} monitors in one VPC ({dict(monitors)}) on {CLUSTERS} clusters, every 60 s; "
            f"rounds every {tick:g} s (set up in {time.monotonic() - began:.0f} s)"
        )

        def rounds(seconds: float) -> int:
            end, made = time.monotonic() + seconds, 0
            while time.monotonic() < end:
                started = time.monotonic()
                engine.tick()
                made += 1
                time.sleep(max(0.0, tick - (time.monotonic() - started)))
            return made

        rounds(60 + tick)  # every monitor watched once, then each at its own instant of its interval
        since = time.time()
        with aws.CallCounter() as counter:
            began = time.monotonic()
            made = rounds(60)
            minute = (time.monotonic() - began) / 60
        calls = Counter(counter.calls)
        by_type = Counter()
        names = {(m.cluster_id, m.name): m.type for c in clusters for m in c.monitors.all()}
        for cluster_id, name in ObjectState.objects.filter(kind="monitor", checked_at__gte=_at(since)).values_list(
            "cluster_id", "name"
        ):
            by_type[names[(cluster_id, name)]] += 1
        print(f"  {made} rounds in {minute * 60:.0f} s (a round watches the monitors due, spread over their interval)")
        for action, kind in MONITOR_READS.items():
            print(
                f"  {kind}: {monitors[kind]:4d} monitors, {by_type[kind] / minute:5.0f} watches a minute -> "
                f"{calls[action] / minute:4.1f} {action} a minute ({calls[action] / made:.2f} a round, "
                f"{calls[action] / minute / (60 / tick):.2f} a {tick:g} s; without shared reads, one a watch)"
            )
        health = calls["ec2.DescribeInstances"] + calls["s3.ListObjectsV2"]
        others = {k: v for k, v in calls.items() if k not in MONITOR_READS and k != "ec2.DescribeInstances"}
        print(
            f"  monitor reads: {sum(calls[a] for a in MONITOR_READS) / minute:.0f} AWS calls a minute for "
            f"{sum(by_type.values()) / minute:.0f} watches; server health: {health / minute:.0f} a minute "
            f"(DescribeInstances, one a cluster and round); other calls: {others or 'none'}"
        )
    finally:
        sim.terminate()
        sim.wait(15)
        broker.stop()


def _at(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)


if __name__ == "__main__":
    main()
