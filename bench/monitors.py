"""Monitoring capacity: N clusters x M AWS monitors against moto's server, on one Celery worker, then two.

Each cluster is the guide's (two servers) with M AWS AZ monitors (one DescribeAvailabilityZones per
server each time), every one due every INTERVAL seconds. Real worker processes with their beats (one
acts: celery-redbeat) watch them: beat's tick sends a task per cluster, which sends one per due monitor,
so every worker shares the watching. This process samples when each monitor was last watched and
prints, per size, the oldest it got; a size passes when no monitor was ever older than its interval
plus half a round (a monitor is watched at the round nearest its interval) plus a second.

Prints the largest N x M that passes with one worker and with two, and their ratio (Celery scale-out
should come close to 2x), and for each size the CPU the workers (with their beats), moto's server
(one Python process: at most one core) and the whole machine used, so that a limit shows where it is.
The database is a new SQLite (the embedded default), or the PostgreSQL that
DATABASE_URL names: `scripts/with-postgres .venv/bin/python bench/monitors.py` (several worker
processes writing at once is what PostgreSQL is for; SQLite takes one writer at a time).
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from _django import ROOT, setup

INTERVAL = 10  # seconds between two watches of each monitor
TICK = 2  # seconds between beat's rounds
MONITORS = 10  # AWS AZ monitors per cluster
SIZES = (10, 20, 30, 40, 50, 60, 80, 100, 120)  # clusters
CONCURRENCY = 8  # threads per worker: a watch mostly waits on AWS


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (a worker's embedded beat), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, all) CPU time of the machine since boot, in clock ticks summed over its cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def main():
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-1")  # noqa: S106
    setup(database_url=True)
    import logging

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from clusters.clpconf import writer
    from clusters.configuration import services
    from clusters.runtime import AppliedVersion, ClusterState, ObjectState
    from tests import guide
    from tests.faults.harness import Redis, free_port, wait
    from webui import aws, awssim

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    var = Path(settings.VAR_DIR)
    redis_server, moto_port = Redis(var), free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait(lambda: socket.socket().connect_ex(("127.0.0.1", moto_port)) == 0, 30, "moto's server listening")
    endpoint = f"http://127.0.0.1:{moto_port}"
    settings.AWS_ENDPOINT_URL = endpoint
    aws.reset_clients()
    ids = guide.ids_from_sim(awssim.seed(endpoint, "ap-northeast-1"))
    admin = get_user_model().objects.create(username="bench", is_superuser=True)
    env = os.environ | {
        "REDIS_URL": redis_server.url,
        "AWS_ENDPOINT_URL": endpoint,
        "WEBUI_VAR_DIR": str(var),
        "WEBUI_TICK_SECONDS": str(TICK),
        "WEBUI_LOG_LEVEL": "ERROR",
    }
    clusters, confs = [], {}

    def use(size: int) -> None:
        """Exactly the first `size` clusters applied: only clusters with an applied version are watched (a larger
        size measured before must not leave its clusters to the next, smaller one)."""
        while len(clusters) < size:
            n = len(clusters)
            cluster = guide.build("vip", user=admin, name=f"bench{n}", ids=ids)
            for m in range(2, MONITORS + 1):
                services.add_monitor_resource(
                    user=admin,
                    cluster=cluster,
                    type="awsazw",
                    name=f"awsazw{m}",
                    server_parameters={
                        s: {"availabilityzone": v["az"]}
                        for s, v in zip(cluster.servers.all(), ids["servers"].values(), strict=True)
                    },
                )
            cluster.monitors.update(interval=INTERVAL)
            confs[cluster.pk] = writer.render(cluster)
            ClusterState.objects.create(cluster=cluster, status="running")
            clusters.append(cluster)
        AppliedVersion.objects.filter(cluster__in=clusters[size:]).delete()
        applied = set(AppliedVersion.objects.values_list("cluster_id", flat=True))
        AppliedVersion.objects.bulk_create(
            AppliedVersion(cluster=c, number=1, conf=confs[c.pk]) for c in clusters[:size] if c.pk not in applied
        )

    def measure(workers: int, size: int) -> tuple[float, str]:
        """The oldest any monitor got (seconds since it was last watched) over two intervals, and the CPU used."""
        ObjectState.objects.filter(kind="monitor").delete()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "webui",
                    "worker",
                    "-B",
                    "--pool=threads",
                    f"--concurrency={CONCURRENCY}",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel=ERROR",
                    "-n",
                    f"w{i}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]

        def usage() -> tuple[float, ...]:
            """CPU time so far: the workers', moto's, the machine's busy and its whole."""
            return sum(cpu_seconds(p.pid) for p in procs), cpu_seconds(moto.pid), *machine_busy()

        try:
            time.sleep(INTERVAL + 2 * TICK)  # every monitor watched once: the steady state starts
            oldest, began, end, before = 0.0, time.monotonic(), time.monotonic() + 2 * INTERVAL, usage()
            expected = size * MONITORS
            while time.monotonic() < end:
                now = time.time()
                seen = list(
                    ObjectState.objects.filter(kind="monitor", name__startswith="awsazw").values_list(
                        "checked_at", flat=True
                    )
                )
                if len(seen) < expected or any(at is None for at in seen):
                    oldest = max(oldest, INTERVAL * 10)  # one was never watched
                else:
                    oldest = max(oldest, max(now - at.timestamp() for at in seen))
                time.sleep(0.5)
            took = time.monotonic() - began
            spent = [after - then for after, then in zip(usage(), before, strict=True)]
            return oldest, (
                f"CPU: workers {100 * spent[0] / took:3.0f}%, moto {100 * spent[1] / took:3.0f}% of a core; "
                f"machine {100 * spent[2] / spent[3]:3.0f}% busy of {os.cpu_count()} cores"
            )
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            subprocess.run(
                ["redis-cli", "-p", str(redis_server.port), "flushall"], stdout=subprocess.DEVNULL, check=False
            )

    bound = INTERVAL + TICK / 2 + 1
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"{MONITORS} AWS AZ monitors per cluster, each every {INTERVAL} s (2 servers: 2 AWS calls a watch); beat "
        f"every {TICK} s; {CONCURRENCY} threads per worker; {database}; "
        f"passes if no monitor is older than {bound} s"
    )
    largest = {}
    try:
        for workers in (1, 2):
            for size in SIZES:
                use(size)
                oldest, cpu = measure(workers, size)
                ok = oldest <= bound
                print(
                    f"  {workers} worker(s), {size:3d} clusters x {MONITORS} = {size * MONITORS:4d} monitors "
                    f"({size * MONITORS / INTERVAL:5.1f} watches/s): oldest {oldest:5.1f} s  "
                    f"{'ok' if ok else 'LATE'}  ({cpu})"
                )
                if not ok:
                    break
                largest[workers] = size * MONITORS
        one, two = largest.get(1, 0), largest.get(2, 0)
        print(
            f"largest N x M observed within its interval: one worker {one}, two workers {two}"
            + (f" ({two / one:.1f}x)" if one else "")
        )
    finally:
        moto.terminate()
        moto.wait(10)
        redis_server.stop()


if __name__ == "__main__":
    main()
