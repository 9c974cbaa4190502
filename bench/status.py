"""The operation-mode status partial under load, on the production web server.

Runs a whole console (`manage.py serve`: gunicorn, a Celery worker and beat, Redis, the AWS
simulation), applies and starts the guide's two-server VIP cluster, then polls its status partial
(what every open tab's htmx does every 2 s) from 1, 5 and 20 concurrent pollers for a few seconds
each. Also the bench/clpconf.py cluster (32 servers, 1,024 resources), imported and applied as is.
Prints p50 / p95 / max latency, polls per second, and the AWS calls the web made (target: none,
and p95 under 50 ms with 20 pollers).
"""

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _django import ROOT, setup

sys.path.insert(0, str(ROOT))
setup()

from clpconf import generate  # noqa: E402

from tests.faults.harness import Console, wait  # noqa: E402

SECONDS = 5
STORE_VERSION = (
    "from clusters.models import Cluster; from clusters.runtime import AppliedVersion; "
    "from clusters.clpconf import writer; c = Cluster.objects.get(pk={pk}); "
    "AppliedVersion.objects.create(cluster=c, number=1, conf=writer.render(c))"
)


def poll(sessions, url: str, every: float = 0.0) -> list[float]:
    """Each session polls back to back (every=0), or as htmx does, once per `every` seconds (staggered)."""
    latencies: list[float] = []
    errors: list[str] = []
    seconds = SECONDS * 2 if every else SECONDS
    stop = time.monotonic() + seconds

    def work(session, offset):
        next_at = time.monotonic() + offset
        while time.monotonic() < stop:
            if every:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += every
            start = time.perf_counter()
            response = session.get(url, headers={"HX-Request": "true"}, timeout=30)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.url}")
                return

    threads = [threading.Thread(target=work, args=(s, every * i / len(sessions))) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"the status partial failed: {errors[:3]}")
    return latencies


def report(label: str, sessions, url: str) -> None:
    for pollers, every in ((1, 0.0), (5, 0.0), (20, 0.0), (20, 2.0)):
        latencies = sorted(poll(sessions[:pollers], url, every))
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        how = "every 2 s" if every else "back to back"
        print(
            f"{label:<38} {pollers:>3} pollers {how:<12}: p50 {statistics.median(latencies) * 1000:6.1f} ms  "
            f"p95 {p95 * 1000:6.1f} ms  max {latencies[-1] * 1000:6.1f} ms  "
            f"{len(latencies) / (SECONDS * 2 if every else SECONDS):6.1f} polls/s"
        )


def main():
    console = Console(Path(tempfile.mkdtemp(prefix="webui-status-")) / "var")
    try:
        session = console.session()
        pk = console.import_guide_vip(session)
        applied = console.post(session, f"/clusters/{pk}/config/apply/")
        assert console.finish(session, applied.url)[0] == "succeeded"
        console.operate(session, pk, operation="cluster_start")
        url = f"{console.base}/clusters/{pk}/operation/status/"
        wait(lambda: "Group failover1 started" in session.get(url).text, 60, "online")
        sessions = [console.session() for _ in range(20)]  # signed in once: a login costs a password hash
        report("guide's cluster (2 servers)", sessions, url)

        big = console.post(
            session, "/clusters/import/", data={"name": "bench"}, files={"file": ("clp.conf", generate(32, 128, 8))}
        )
        big_pk = big.url.rstrip("/").split("/")[-2]
        # Its IDs are not the simulation's, so Apply's AWS checks would refuse it: store the version as
        # Apply does, in the console's own database, to measure what operation mode then serves.
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", STORE_VERSION.format(pk=big_pk)],
            cwd=ROOT,
            env=console.env,
            check=True,
        )
        report(
            "bench cluster (32 servers, 1,024 res.)", sessions, f"{console.base}/clusters/{big_pk}/operation/status/"
        )
    finally:
        console.stop()


if __name__ == "__main__":
    main()
