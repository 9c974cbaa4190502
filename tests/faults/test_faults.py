"""Real faults against a whole console: nothing may lock a cluster or look healthy.

Each test provokes a fault for real (kill -9 of a process, a stopped or frozen redis-server, a proxy in front
of the AWS simulation that hangs or answers with errors) and asserts that the cluster takes new
operations within 60 s, that nothing is lost, and that the failure is shown with the guide's words.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.faults.harness import ROOT, Console, free_port, wait

pytestmark = pytest.mark.faults


@pytest.fixture
def console(tmp_path):
    instance = Console(tmp_path / "var")
    yield instance
    instance.stop()


def applied_and_started(console, session, **import_options) -> int:
    pk = console.import_guide_vip(session, **import_options)
    applied = console.post(session, f"/clusters/{pk}/config/apply/")
    assert console.finish(session, applied.url) == ("succeeded", ""), applied.url
    console.operate(session, pk, operation="cluster_start")
    wait(
        lambda: (
            "Group failover1 started on server1."
            in session.get(f"{console.base}/clusters/{pk}/operation/status/", timeout=10).text
        ),
        60,
        "the group online",
    )
    return pk


def test_a_worker_killed_during_a_move_never_locks_the_cluster(console):
    session = console.session()
    pk = applied_and_started(console, session)
    console.proxy.mode = "hang"  # AWS stops answering: the move's worker waits inside an AWS call
    console.operate(session, pk, operation="group_move", group="failover1", server="server2")
    run_url = wait(lambda: console.latest_run_url(session, pk), 20, "the move running")
    wait(lambda: console.run_status(session, run_url)[0] == "running", 20, "the move taken by the worker")
    killed = time.monotonic()
    console.kill_child("celery.*worker")
    console.proxy.heal()
    status, error = console.finish(session, run_url, seconds=60)  # the reaper runs on beat every 10 s
    detected = time.monotonic() - killed
    assert status == "failed" and error.startswith("The worker running this run was lost"), error
    assert detected < 60
    # serve started the worker again; the cluster takes the next operation at once.
    console.operate(session, pk, operation="group_move", group="failover1", server="server2")
    again = wait(lambda: (url := console.latest_run_url(session, pk)) != run_url and url, 20, "a new run")
    assert console.finish(session, again) == ("succeeded", "")
    assert console.vip_targets() == {console.ids["servers"]["server2"]["eni_id"]}
    assert "The celery worker was restarted" in console.log.read_text()


def test_a_stopped_or_frozen_redis_fails_the_operation_clearly_and_a_move_works_when_it_is_back(console):
    session = console.session()
    pk = applied_and_started(console, session)
    console.redis.stop()
    response = console.operate(session, pk, operation="group_move", group="failover1", server="server2")
    assert response.status_code == 302  # no "Server Error (500)"
    run_url = console.latest_run_url(session, pk)
    status, error = console.run_status(session, run_url)
    assert status == "failed" and error.startswith("The broker was unreachable"), error
    console.redis.start()
    retried = console.post(session, run_url.removeprefix(console.base) + "retry/")
    assert console.finish(session, retried.url) == ("succeeded", "")
    assert console.vip_targets() == {console.ids["servers"]["server2"]["eni_id"]}
    # Frozen (SIGSTOP): its port still takes connections and nothing answers. The request must not wait on it.
    os.kill(console.redis.proc.pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        response = console.operate(session, pk, operation="group_move", group="failover1", server="server1")
        took = time.monotonic() - began
        assert response.status_code == 302 and took < 10, (response.status_code, took)
        frozen_run = console.latest_run_url(session, pk)
        status, error = console.run_status(session, frozen_run)
        assert status == "failed" and error.startswith("The broker was unreachable"), (status, error)
    finally:
        os.kill(console.redis.proc.pid, signal.SIGCONT)
    # The worker and beat reconnect by themselves; the failed run locks nothing.
    console.operate(session, pk, operation="group_move", group="failover1", server="server1")
    moved = wait(lambda: (url := console.latest_run_url(session, pk)) != frozen_run and url, 30, "a new run")
    assert console.finish(session, moved) == ("succeeded", "")
    assert console.vip_targets() == {console.ids["servers"]["server1"]["eni_id"]}


def test_serve_restarts_its_children_and_the_console_stays_up(console):
    session = console.session()
    console.kill_web_server()
    console.kill_child("celery.*beat")
    wait(lambda: "The celery beat was restarted" in console.log.read_text(), 30, "beat restarted")
    run = console.post(session, "/aws/check/")  # a run on the worker after the restarts
    assert console.finish(session, run.url) == ("succeeded", "")


def test_an_error_answer_from_aws_shows_as_the_monitors_error_not_as_normal(console):
    session = console.session()
    pk = applied_and_started(console, session, interval=5)
    console.proxy.mode = "deny"  # every AWS call answers 403 UnauthorizedOperation (a revoked IAM permission)
    status_url = f"{console.base}/clusters/{pk}/operation/status/"
    wait(
        lambda: (
            "Monitor awsvipw1 detected an error. (50 : You are not authorized"
            in session.get(status_url, timeout=10).text
        ),
        60,
        "awsvipw1 in error",
    )
    console.proxy.heal()


def test_the_simulation_keeps_its_ids_and_changes_across_a_restart(tmp_path):
    """The embedded simulation killed and started again: same IDs, and the route it was told to change."""
    env_port, state, ids_file = free_port(), tmp_path / "state.jsonl", tmp_path / "ids.json"
    command = [
        sys.executable,
        "manage.py",
        "awssim",
        "--port",
        str(env_port),
        "--ids-file",
        str(ids_file),
        "--state",
        str(state),
    ]

    def start():
        ids_file.unlink(missing_ok=True)
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        wait(ids_file.exists, 90, "seeded")
        return proc, json.loads(ids_file.read_text())

    proc, first = start()
    import boto3

    ec2 = boto3.client(
        "ec2",
        endpoint_url=f"http://127.0.0.1:{env_port}",
        region_name="ap-northeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    eni2 = first["servers"]["server2"]["eni_id"]
    for table in first["route_tables"].values():
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32", NetworkInterfaceId=eni2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc, second = start()
    try:
        assert {k: v for k, v in second.items() if k not in ("endpoint_url", "dns")} == {
            k: v for k, v in first.items() if k not in ("endpoint_url", "dns")
        }
        wait(lambda: _answers(env_port), 10, "listening")
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [first["vpc_id"]]}])["RouteTables"]
        targets = {
            r.get("NetworkInterfaceId")
            for t in tables
            for r in t["Routes"]
            if r.get("DestinationCidrBlock") == "10.1.0.20/32"
        }
        assert targets == {eni2}
    finally:
        proc.terminate()
        proc.wait(10)


def _answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
        return True
    except requests.ConnectionError:
        return False
