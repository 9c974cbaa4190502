"""A group move with four AWS resources (VIP, EIP, secondary IP, DNS) against moto's server; then a
server lost for real, and the time until its service is back on the other server.

Move: prints the move's wall time, the time in which at least one resource's AWS calls were in flight,
the console's own share of the wall time (the rest: no AWS call running), and whether the independent
resources ran in parallel (their AWS times add up to more than the level took). Target: the console's
share under 10%. Also printed, the share beyond the slowest resource of each level: it adds the time
that resource waited to start behind the other resources' boto3 work (one interpreter runs one thread
at a time), which is AWS client work, not the console's.
`bench/failover.py move` runs the move alone; MOVES=N sets how many.

Server lost -> service back: the whole console on loopback with two console workers and a node agent
per server (tests/faults/agents.py); the agent of the server holding the group is killed (kill -9)
and the clock runs until the VIP route and the LB probe port are on the other server. Prints the
total and its parts: detection (the heartbeat timeout and a round), forced stop, activation.

AZ loss (`bench/failover.py azloss`): CLUSTERS x GROUPS (20 x 10) in one account on the AWS-like simulation with
AWS's own buckets, latency and Route 53 propagation (tests/azloss.py): VIP, EIP and DNS groups, every fourth cluster
of SIP groups (same subnet), run by two Celery workers with their beats on the default round (WEBUI_TICK_SECONDS).
All started at once; once every Route 53 change is INSYNC, every cluster's server 1 lost at once. Prints the time
until the last group is online on server 2 against the floor the buckets impose (the calls beyond each bucket's
burst at its refill rate, Route 53 included) plus detection (the last cluster's forced stop and failover run made),
the throttling answers, the groups that failed over without a fault and the groups in error (both must be 0), and
the monitors that erred meanwhile (0). Goal: within 1.5x (floor + detection).

Outage (`bench/failover.py outage`): see bench/outage.py.
"""

import os
import socket
import statistics
import subprocess
import sys
import time

from _django import setup

MOVES = int(os.environ.get("MOVES", 9))  # moves back and forth; the median is printed (one move's share is noisy)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_REGION", "ap-northeast-1")
    setup()
    if sys.argv[1:] == ["azloss"]:
        from django.contrib.auth import get_user_model

        az_loss(get_user_model()(username="bench", is_superuser=True))
        return
    import logging

    import boto3
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from clusters.configuration import services
    from clusters.operation.groups import activate_on, stop_group
    from clusters.operation.state import applied
    from tests import guide
    from webui import aws, awssim

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    port = free_port()
    # moto in its own process, as the embedded simulation runs: in this process its work would
    # compete with the console for the interpreter and be counted as the console's.
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if time.monotonic() > deadline:
            raise SystemExit("moto's server did not start")
        time.sleep(0.1)
    sim = awssim.seed(endpoint, "ap-northeast-1")
    settings.AWS_ENDPOINT_URL = endpoint
    aws.reset_clients()
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="ap-northeast-1")
    # The secondary IP needs both servers in one subnet: a second instance beside server1.
    s1 = sim["servers"]["server1"]
    second = ec2.run_instances(
        ImageId=awssim.WINDOWS_AMI, MinCount=1, MaxCount=1, SubnetId=s1["subnet_id"], PrivateIpAddress="10.0.110.11"
    )["Instances"][0]
    ids = guide.ids_from_sim(sim)
    ids["servers"]["server2"] = {
        "ip": "10.0.110.11",
        "instance": second["InstanceId"],
        "az": s1["availability_zone"],
        "eni": second["NetworkInterfaces"][0]["NetworkInterfaceId"],
    }
    admin = get_user_model()(username="bench", is_superuser=True)
    cluster = guide.build("vip", user=admin, name="failover", ids=ids)
    group = cluster.groups.get()
    eni = {name: {"eniid": values["eni"]} for name, values in ids["servers"].items()}
    services.add_group_resource(
        user=admin,
        group=group,
        type="awseip",
        name="awseip1",
        parameters={"eipid": ids["eip"], "eniid": ids["servers"]["server1"]["eni"]},
        server_parameters={"server2": eni["server2"]},
    )
    services.add_group_resource(
        user=admin,
        group=group,
        type="awssip",
        name="awssip1",
        parameters={"ip": "10.0.110.100", "eniid": ids["servers"]["server1"]["eni"]},
        server_parameters={"server2": eni["server2"]},
    )
    services.add_group_resource(
        user=admin,
        group=group,
        type="awsdns",
        name="awsdns1",
        parameters={"hostedzoneid": ids["hosted_zone"], "recordset": ids["record"], "ip": "10.0.110.10", "ttl": 60},
        server_parameters={"server2": {"ip": "10.0.110.11"}},
    )
    from clusters.clpconf import writer
    from clusters.runtime import AppliedVersion

    AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
    plan = applied(cluster)[1]
    activate_on(cluster, plan, "failover1", "server1", lambda *line: None)
    shares, own, behind = [], [], []
    for n in range(MOVES):
        destination = "server2" if n % 2 == 0 else "server1"
        started = time.perf_counter()
        timings = stop_group(cluster, plan, "failover1", lambda *line: None)
        timings += activate_on(cluster, plan, "failover1", destination, lambda *line: None).timings
        wall = time.perf_counter() - started
        critical = sum(max(t.resources.values()) for t in timings)
        acting = sum(t.acting() for t in timings)
        summed = sum(sum(t.resources.values()) for t in timings)
        aws_resources = [t for t in timings if len(t.resources) > 1]
        parallel = all(sum(t.resources.values()) > t.wall for t in aws_resources)
        activations = sum(len(t.resources) for t in timings)
        print(
            f"move {n + 1} to {destination}: {wall * 1000:6.1f} ms wall; {acting * 1000:6.1f} ms with an AWS call in "
            f"flight ({summed * 1000:.1f} ms summed over {activations} activations); console's own share "
            f"{100 * (wall - acting) / wall:4.1f}% ({(wall - acting) * 1000:.1f} ms); beyond the slowest resource "
            f"of each level {100 * (wall - critical) / wall:4.1f}%; "
            f"independent resources in parallel: {'yes' if parallel else 'NO'}"
        )
        shares.append((wall - acting) / wall)
        own.append(wall - acting)
        behind.append((wall - critical) / wall)
    print(
        f"median of {MOVES} moves: console's own share {100 * statistics.median(shares):.1f}%, "
        f"{statistics.median(own) * 1000:.1f} ms a move; beyond the slowest resource of each level "
        f"{100 * statistics.median(behind):.1f}% (the same plus the slowest resource's wait for the others' client "
        "work: boto3's CPU in one process is serial). The rest is AWS calls: moto answers in milliseconds, AWS in "
        "tens to hundreds, so the same console time is a far smaller share there."
    )
    server.terminate()
    server.wait(10)
    if sys.argv[1:] != ["move"]:
        server_lost(admin)
        az_loss(admin)


def az_loss(admin) -> None:
    from pathlib import Path

    from django.conf import settings

    from clusters.models import Cluster
    from tests.azloss import Fleet, Workers, pending_changes, rates, start_simulation
    from tests.conftest import point_celery_at
    from tests.faults.harness import Redis, wait
    from webui import aws

    clusters, groups = int(os.environ.get("CLUSTERS", 20)), int(os.environ.get("GROUPS", 10))
    admin.save()
    Cluster.objects.all().delete()  # the clusters of the benchmarks before: not this account's
    var = Path(settings.VAR_DIR)
    broker = Redis(var)
    sim, ids = start_simulation(var, free_port())
    settings.AWS_ENDPOINT_URL, settings.CELERY_BROKER_URL = ids["endpoint_url"], broker.url
    aws.reset_clients()
    point_celery_at(broker.url)
    env = {"REDIS_URL": broker.url, "AWS_ENDPOINT_URL": ids["endpoint_url"], "WEBUI_VAR_DIR": str(var)}
    env["WEBUI_LOG_LEVEL"] = "ERROR"
    workers = None
    try:
        built = time.monotonic()
        fleet = Fleet(ids, admin, clusters=clusters, groups=groups)
        print(f"AZ loss: {clusters} clusters x {groups} groups built in {time.monotonic() - built:.0f} s")
        workers = Workers(env, count=2, concurrency=12, logs=var / "azloss")
        started = fleet.start_all(900)
        print(
            f"  started at once: {started['seconds']:.1f} s until all {fleet.total} groups online; on server 2 "
            f"without a fault: {started['on_server2']}; throttling answers: {sum(started['throttled'].values())}"
        )
        wait(lambda: pending_changes() == 0, 300, "every Route 53 change INSYNC", every=1)
        loss = fleet.lose_az(rates({}), 900)
        bound = loss.floor + loss.detection
        print(
            f"  server 1's AZ lost -> the last group online on server 2: {loss.seconds:.1f} s; floor of the buckets "
            f"{loss.floor:.1f} s ({loss.floor_bucket}) + detection {loss.detection:.1f} s = {bound:.1f} s: "
            f"{loss.seconds / bound:.2f}x (goal within 1.5x)"
        )
        calls = ", ".join(f"{k} {v}" for k, v in sorted(loss.calls.items(), key=lambda kv: -kv[1]))
        print(f"  AWS calls meanwhile: {calls}")
        print(
            f"  throttling answers: {sum(loss.throttled.values())} {loss.throttled or ''}; groups online on "
            f"server 2: {loss.online_on_server2} of {loss.groups}; in error: {len(loss.in_error)} "
            f"{loss.in_error[:3] or ''}; monitors that erred: {len(loss.monitor_errors)} "
            f"{loss.monitor_errors[:3] or ''}"
        )
    finally:
        if workers is not None:
            workers.stop(30)
        sim.terminate()
        sim.wait(15)
        broker.stop()


def server_lost(admin) -> None:
    import tempfile
    from datetime import datetime
    from pathlib import Path

    from tests.faults.agents import HEARTBEAT_TIMEOUT, MONITOR_INTERVAL, AgentsCluster
    from tests.faults.harness import wait

    admin.save()
    folder = Path(tempfile.mkdtemp(prefix="webui-failover-"))
    (folder / "markers").mkdir()
    cluster = AgentsCluster(folder / "var", admin, folder / "markers")
    try:
        lost = time.time()
        cluster.console.kill("agent-server1")
        wait(lambda: cluster.serves_on("server2"), 120, "the service back on server2", every=0.05)
        back = time.time()
        runs = cluster.api(f"clusters/{cluster.pk}/runs?limit=20")
        down = cluster.api(f"runs/{next(r['id'] for r in runs if r['kind'] == 'server_down')}")

        def at(text: str) -> float:
            return datetime.fromisoformat(text).timestamp()

        stopped = next(at(line["at"]) for line in down["lines"] if line["message"].startswith("Forced stop:"))
        detected, finished = at(down["created_at"]), at(down["finished_at"])
        print(
            f"server lost -> service back: {back - lost:5.1f} s total (heartbeat timeout {HEARTBEAT_TIMEOUT} s, "
            f"agent heartbeat every 1 s, monitoring round every 1 s, monitor interval {MONITOR_INTERVAL} s)"
        )
        print(f"  detection (agent killed -> forced stop and failover run): {detected - lost:5.1f} s")
        print(f"  forced stop (StopInstances of server1's instance):        {stopped - detected:5.1f} s")
        print(f"  activation on server2 (VIP route, LB probe port, script): {finished - stopped:5.1f} s")
        print(f"  seen from outside after the run ended:                     {back - finished:5.1f} s")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
