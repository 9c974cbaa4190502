"""Real faults against a whole console on loopback (serve, its worker and beat, Redis, the AWS simulation
behind a fault proxy): how long until each is detected, and until the cluster takes operations again.

Prints a table: fault | detected after | cluster usable again after | bound. The bound is what the
console promises (tests/faults/ asserts it); the figures vary run to run.
"""

import sys
import tempfile
import time
from pathlib import Path

from _django import ROOT, setup

sys.path.insert(0, str(ROOT))
setup()  # the harness builds the guide's cluster with the console's own code

from tests.faults.harness import Console, wait  # noqa: E402


def timed(predicate, seconds, what):
    start = time.monotonic()
    wait(predicate, seconds, what, every=0.1)
    return time.monotonic() - start


def main():
    console = Console(Path(tempfile.mkdtemp(prefix="webui-faults-")) / "var")
    rows = []
    try:
        session = console.session()
        pk = console.import_guide_vip(session, interval=5)
        applied = console.post(session, f"/clusters/{pk}/config/apply/")
        console.finish(session, applied.url)
        console.operate(session, pk, operation="cluster_start")
        status_url = f"{console.base}/clusters/{pk}/operation/status/"
        wait(lambda: "Group failover1 started" in session.get(status_url).text, 60, "online")

        # 1. kill -9 of the worker during a move (AWS hanging, so the move is inside an AWS call)
        console.proxy.mode = "hang"
        console.operate(session, pk, operation="group_move", group="failover1", server="server2")
        run_url = wait(lambda: console.latest_run_url(session, pk), 20, "a run")
        wait(lambda: console.run_status(session, run_url)[0] == "running", 20, "running")
        console.kill_child("celery.*worker")
        start = time.monotonic()
        console.proxy.heal()
        wait(lambda: console.run_status(session, run_url)[0] == "failed", 90, "reaped", every=0.1)
        detected = time.monotonic() - start

        def moved():
            console.operate(session, pk, operation="group_move", group="failover1", server="server2")
            url = console.latest_run_url(session, pk)
            return url != run_url and console.finish(session, url)[0] == "succeeded"

        wait(moved, 90, "a move succeeding", every=0.5)
        rows.append(("worker killed (kill -9) mid-move", detected, time.monotonic() - start, 60))

        # 2. Redis stopped, then Move pressed
        console.redis.stop()
        start = time.monotonic()
        console.operate(session, pk, operation="group_move", group="failover1", server="server1")
        detected = time.monotonic() - start
        failed_url = console.latest_run_url(session, pk)
        console.redis.start()
        retried = console.post(session, failed_url.removeprefix(console.base) + "retry/")
        console.finish(session, retried.url)
        rows.append(("Redis stopped, Move pressed", detected, time.monotonic() - start, 60))

        # 3. the web server killed
        usable = timed(lambda: console.kill_web_server() is None, 120, "the console answering")
        rows.append(("web server killed (kill -9)", 0.0, usable, 60))

        # 4. AWS answers every call with 403 UnauthorizedOperation (a revoked IAM permission)
        console.proxy.mode = "deny"
        detected = timed(
            lambda: "awsvipw1 detected an error. (50 : You are not authorized" in session.get(status_url).text,
            90,
            "awsvipw1 in error",
        )
        console.proxy.heal()
        rows.append(("AWS denies every call (403)", detected, float("nan"), 60))
    finally:
        console.stop()
    print(f"{'fault':<36} | {'detected after':>14} | {'usable again after':>18} | {'bound':>6}")
    print("-" * 84)

    def seconds(value, width):
        return f"{value:>{width - 2}.1f} s" if value == value and value > 0 else f"{'—':>{width}}"

    for fault, detected, usable, bound in rows:
        print(f"{fault:<36} | {seconds(detected, 14)} | {seconds(usable, 18)} | {bound:>4} s")


if __name__ == "__main__":
    main()
