"""EXPRESSCLUSTER's RESTful API under NEC's status panel's load, on the production web server.

Runs a whole console (`manage.py serve`: gunicorn, a Celery worker and beat, Redis, the AWS simulation), applies
and starts the guide's two-server VIP cluster, then for SECONDS has 5 clients poll every second as the panel
does (its getClusterStatus: GET cluster, servers, groups, resources and monitors, one after the other, with Basic
credentials), beside 5 signed-in browsers polling the status partial every second (the session's htmx poll), then
each alone. Prints p50 / p95 / max per request and per poll, the API's p95 against the partial's (target: within
2x), and the first request of a client (its one password check) against the ones after it.
"""

import base64
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from _django import ROOT, setup

sys.path.insert(0, str(ROOT))
setup()

from tests.faults.harness import Console, wait  # noqa: E402

SECONDS = 20
CLIENTS = 5
PANEL_READS = ("cluster", "servers", "groups", "resources", "monitors")


def poll_every_second(count: int, one_poll) -> tuple[list[float], list[float]]:
    """`count` pollers, staggered over the second, each calling one_poll(its index) once a second for SECONDS: the
    latencies of each request and of each whole poll."""
    requests_, polls, errors = [], [], []
    stop = time.monotonic() + SECONDS

    def work(index: int):
        next_at = time.monotonic() + index / count
        while time.monotonic() < stop:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += 1.0
            started = time.perf_counter()
            try:
                requests_.extend(one_poll(index))
            except AssertionError as exc:
                errors.append(str(exc))
                return
            polls.append(time.perf_counter() - started)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"a poll failed: {errors[:3]}")
    return requests_, polls


def timed(session, url: str, **headers) -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers, timeout=30)
    took = time.perf_counter() - started
    assert response.status_code == 200, f"{response.status_code} {url}: {response.text[:200]}"
    return took


def figures(label: str, latencies: list[float]) -> float:
    latencies = sorted(latencies)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(
        f"  {label:<44} n={len(latencies):>5}  p50 {statistics.median(latencies) * 1000:6.1f} ms  "
        f"p95 {p95 * 1000:6.1f} ms  max {latencies[-1] * 1000:6.1f} ms"
    )
    return p95


def main():
    console = Console(Path(tempfile.mkdtemp(prefix="webui-restapi-")) / "var")
    try:
        session = console.session()
        pk = console.import_guide_vip(session)
        applied = console.post(session, f"/clusters/{pk}/config/apply/")
        assert console.finish(session, applied.url)[0] == "succeeded"
        console.operate(session, pk, operation="cluster_start")
        partial = f"{console.base}/clusters/{pk}/operation/status/"
        wait(lambda: "Group failover1 started" in session.get(partial).text, 60, "online")
        token = base64.b64encode(f"admin@faults:{console.password}".encode()).decode()
        basic = {"Authorization": f"Basic {token}"}
        api = [requests.Session() for _ in range(CLIENTS)]
        browsers = [console.session() for _ in range(CLIENTS)]  # signed in once, as a browser is
        first = [timed(s, f"{console.base}/api/v1/cluster", **basic) for s in api]  # each client's password check

        def panel_poll(index: int):  # each client its own connection, as each panel has
            return [timed(api[index], f"{console.base}/api/v1/{path}", **basic) for path in PANEL_READS]

        def partial_poll(index: int):
            return [timed(browsers[index], partial, **{"HX-Request": "true"})]

        print(f"{CLIENTS} clients, each polling once a second for {SECONDS} s (the guide's two-server VIP cluster):")
        results = {}
        together = {}
        threads = [
            threading.Thread(target=lambda: together.__setitem__("api", poll_every_second(CLIENTS, panel_poll))),
            threading.Thread(target=lambda: together.__setitem__("partial", poll_every_second(CLIENTS, partial_poll))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(" both at once:")
        results["api"] = figures("RESTful API, each GET", together["api"][0])
        figures("RESTful API, a panel poll (5 GETs in a row)", together["api"][1])
        results["partial"] = figures("status partial (session), each poll", together["partial"][0])
        print(" each alone:")
        alone_api = figures("RESTful API, each GET", poll_every_second(CLIENTS, panel_poll)[0])
        alone_partial = figures("status partial (session), each poll", poll_every_second(CLIENTS, partial_poll)[0])
        print(
            f" p95 of an API GET / p95 of a status partial: {results['api'] / results['partial']:.2f} together, "
            f"{alone_api / alone_partial:.2f} alone (target: within 2)"
        )
        print(f" a client's first request (its one password check): {statistics.median(first) * 1000:.1f} ms median")
    finally:
        console.stop()


if __name__ == "__main__":
    main()
