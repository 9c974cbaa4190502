"""Running operations in tests as the worker and beat run them, and reading what they did."""

import time

from clusters.models import TaskRun
from clusters.runs import taskruns
from monitors import engine
from tests.guide import sim_client as client


def run(kind, users, cluster, **params) -> TaskRun:
    """Run an operation as the worker does (clusters.runs.taskruns.execute), and return its row."""
    record = TaskRun.objects.create(kind=kind, cluster=cluster, user=users["admin"], params=params)
    taskruns.execute(record.pk)
    record.refresh_from_db()
    return record


def ok(record: TaskRun) -> TaskRun:
    assert record.status == TaskRun.Status.SUCCEEDED, (
        record.error,
        list(record.lines.values_list("message", flat=True)),
    )
    return record


def vip_targets(sim) -> set:
    tables = client(sim, "ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])
    return {
        r.get("NetworkInterfaceId")
        for t in tables["RouteTables"]
        for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "10.1.0.20/32"
    }


def recover(users, cluster):
    """One monitoring round as beat runs it, then the run it started, as the worker runs it."""
    started = engine.tick(force=True)
    for pk in started:
        taskruns.execute(pk)
    return [TaskRun.objects.get(pk=pk) for pk in started]


def wait_for_end(run: TaskRun, seconds: float = 60) -> TaskRun:
    """A run started on a real worker, once it has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run #{run.pk} still {run.status} after {seconds} s")
