"""An Availability Zone lost under AWS's rates: N clusters of M groups in one account (tests/awsfleet.py: VIP, EIP
and DNS groups, and SIP clusters) run by real Celery worker processes, each with its beat (one acts), on this
process's database, Redis and AWS simulation. Every cluster is started at once; then every cluster's server 1 is
lost at once (its instance stopped: its AZ, for the clusters that span two) and the clock runs until every group
is online on server 2. For tests/test_azloss.py (small) and bench/failover.py azloss (20 x 10).
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from clusters.clpconf import writer
from clusters.models import TaskRun
from clusters.operation import state
from clusters.runs import taskruns
from clusters.runtime import Alert, AppliedVersion, ObjectState
from tests import awsfleet
from webui.awslimits import BUCKETS, PER_ACTION, bucket_of
from webui.awssim.topology import root_client

ROOT = Path(__file__).resolve().parent.parent


def rates(rules: dict) -> dict[str, tuple[float, float]]:
    """Each bucket's (size, refill) as the simulation holds them: AWS's, or as the WEBUI_AWSSIM_* rules set them."""
    found = {}
    for name, (size, refill, _, _) in BUCKETS.items():
        found[name] = (
            float(rules.get(f"WEBUI_AWSSIM_{name.upper()}_SIZE", size)),
            float(rules.get(f"WEBUI_AWSSIM_{name.upper()}_REFILL", refill)),
        )
    return found


def budget_rates(rules: dict) -> str:
    """WEBUI_AWS_BUDGET_RATES for a console whose AWS holds the buckets `rules` set."""
    return ",".join(f"{name}={size:g}/{refill:g}" for name, (size, refill) in rates(rules).items())


def floor(calls: dict[str, int], buckets: dict[str, tuple[float, float]]) -> tuple[float, str]:
    """The least time the buckets allow for `calls` ("ec2.ReplaceRoute" -> count), every bucket full at the start:
    the calls beyond a bucket's size at its refill rate. The slowest bucket's, and which it is."""
    needs: dict[str, int] = {}
    for name, count in calls.items():
        service, action = name.split(".", 1)
        bucket = bucket_of(service, action, {"MaxResults": "1"})  # the engine's describes are filtered or paged
        if bucket is not None:
            key = f"{bucket} {action}" if bucket in PER_ACTION else bucket
            needs[key] = needs.get(key, 0) + count
    found = [(max(0.0, (n - buckets[k.split()[0]][0]) / buckets[k.split()[0]][1]), k) for k, n in needs.items()]
    return max(found, default=(0.0, ""))


def start_simulation(var: Path, port: int, rules: dict | None = None) -> tuple[subprocess.Popen, dict]:
    """`manage.py awssim` in a process of its own (as `serve` runs it), AWS-like unless `rules` (WEBUI_AWSSIM_*) say
    otherwise; returns it and the IDs it seeded (with endpoint_url and region)."""
    ids_file = var / "awssim.json"
    ids_file.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBUI_AWSSIM_", "AWS_ENDPOINT_URL"))}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "awssim", "--port", str(port), "--ids-file", str(ids_file)],
        cwd=ROOT,
        env=env | {k: str(v) for k, v in (rules or {}).items()} | {"WEBUI_VAR_DIR": str(var)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(ids_file.exists, 120, "the AWS simulation seeded")
    return proc, json.loads(ids_file.read_text())


def pending_changes() -> int:
    """Route 53 changes the engine still follows (PENDING until INSYNC)."""
    return ObjectState.objects.filter(kind="resource", details__change__status="PENDING").count()


class Workers:
    """Celery worker processes, each with its beat, on this process's settings (`env` on top)."""

    def __init__(self, env: dict, *, count: int, concurrency: int, logs: Path):
        logs.mkdir(parents=True, exist_ok=True)
        self.procs, self.logs = [], [logs / f"worker-{n}.log" for n in range(count)]
        for n, log in enumerate(self.logs):
            argv = ["-m", "celery", "-A", "webui", "worker", "-B", "--pool=threads", f"--concurrency={concurrency}"]
            argv += ["--loglevel=INFO", "--without-mingle", "--without-gossip", "-n", f"azloss{n}-{os.getpid()}@%h"]
            with open(log, "wb") as out:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, *argv], cwd=ROOT, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        deadline = time.monotonic() + 90
        while not all(b"ready." in log.read_bytes() for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                self.stop()
                raise RuntimeError(f"a Celery worker did not start: {[log.read_text()[-2000:] for log in self.logs]}")
            time.sleep(0.2)

    def stop(self, seconds: float = 3) -> None:
        """Stop them (a warm shutdown first: what they run ends; after `seconds`, killed)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + seconds
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@dataclass
class Loss:
    """What the AZ loss did."""

    seconds: float = 0.0  # server 1 lost -> the last group online on server 2
    detection: float = 0.0  # server 1 lost -> the last cluster's forced stop and failover run made
    floor: float = 0.0  # the least time the buckets allow the calls the failovers made
    floor_bucket: str = ""
    calls: dict = field(default_factory=dict)  # AWS calls answered meanwhile, by action
    throttled: dict = field(default_factory=dict)  # throttling answers meanwhile, by bucket
    groups: int = 0
    online_on_server2: int = 0
    in_error: list = field(default_factory=list)  # groups and resources in error
    monitor_errors: list = field(default_factory=list)  # monitors that detected an error meanwhile


class Fleet:
    """The clusters of one account, built and applied (started by `start_all`)."""

    def __init__(self, sim: dict, user, *, clusters: int, groups: int, sip_every: int = 4):
        self.sim, self.user = sim, user
        self.plans = awsfleet.plan(sim, clusters=clusters, groups=groups, prefix="az", sip_every=sip_every)
        self.clusters = [awsfleet.build(user, plan) for plan in self.plans]
        for cluster in self.clusters:  # applied as it stands: Apply's checks are not what this measures
            AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
        self.total = sum(len(plan["groups"]) for plan in self.plans)

    def groups_on(self, server: str) -> int:
        rows = ObjectState.objects.filter(cluster__in=self.clusters, kind="group", status="online", server=server)
        return rows.count()

    def stats(self) -> dict:
        return requests.get(f"{self.sim['endpoint_url']}/_awssim/stats", timeout=10).json()

    def start_all(self, seconds: float = 300) -> dict:
        """Every cluster started at once; once every group is online, where (a group on server 2 failed over for
        no fault) and how long it took."""
        before, started = self.stats(), time.monotonic()
        runs = [taskruns.start_run(kind="cluster_start", user=self.user, cluster=c) for c in self.clusters]
        pks = [run.pk for run in runs]
        _wait(lambda: not TaskRun.objects.filter(pk__in=pks, status__in=TaskRun.ACTIVE).exists(), seconds, "a start")
        failed = list(TaskRun.objects.filter(pk__in=pks).exclude(status="succeeded"))
        assert not failed, [(r.cluster.name, r.error) for r in failed]
        after = self.stats()
        throttled = {k: v - before.get(k, 0) for k, v in after.items() if k.startswith("throttled ")}
        return {
            "seconds": time.monotonic() - started,
            "on_server1": self.groups_on("server1"),
            "on_server2": self.groups_on("server2"),
            "throttled": {k: v for k, v in throttled.items() if v},
        }

    def lose_az(self, buckets: dict, seconds: float = 300) -> Loss:
        """Every cluster's server 1 lost at once; returns once every group is online on server 2."""
        ec2 = root_client("ec2", self.sim["endpoint_url"], self.sim["region"])
        before = self.stats()
        lost = time.time()
        ec2.stop_instances(InstanceIds=[plan["servers"]["server1"]["instance"] for plan in self.plans])
        _wait(lambda: self.groups_on("server2") == self.total, seconds, "every group online on server 2", every=0.1)
        loss = Loss(seconds=time.time() - lost, groups=self.total, online_on_server2=self.groups_on("server2"))
        after = self.stats()
        diff = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
        loss.throttled = {k.removeprefix("throttled "): v for k, v in diff.items() if k.startswith("throttled ")}
        loss.calls = {k: v for k, v in diff.items() if not k.startswith("throttled ")}
        loss.floor, loss.floor_bucket = floor(loss.calls, buckets)
        made = TaskRun.objects.filter(cluster__in=self.clusters, kind="server_down").values_list(
            "created_at", flat=True
        )
        loss.detection = max((at.timestamp() - lost for at in made), default=0.0)
        for cluster in self.clusters:
            rows = ObjectState.objects.filter(cluster=cluster, kind__in=("group", "resource"))
            loss.in_error += [
                f"{cluster.name} {row.name}: {row.message}"
                for row in rows.filter(status__in=("error", "online_failure", "offline_failure"))
            ]
            loss.monitor_errors += [
                f"{cluster.name}: {message}"
                for message in Alert.objects.filter(
                    cluster=cluster, message__contains="detected an error", at__gte=_at(lost)
                ).values_list("message", flat=True)
            ]
            loss.monitor_errors += [
                f"{cluster.name} {name} in error"
                for name, row in state.monitor_states(cluster).items()
                if row.status == "error"
            ]
        return loss


def _at(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)


def _wait(predicate, seconds: float, what: str, every: float = 0.25):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {seconds} s")
