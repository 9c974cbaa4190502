"""A Redis that is there but does not answer (SIGSTOP: its port still accepts connections, nothing replies) must
not hold an operator's request: the operation fails within seconds with the broker's message, the run failed
and not pending, and once Redis answers again the same move works."""

import os
import signal
import time

import pytest

from tests.faults.harness import Console, applied_and_started, wait

pytestmark = pytest.mark.faults


@pytest.fixture
def console(tmp_path):
    instance = Console(tmp_path / "var")
    yield instance
    if instance.redis.proc.poll() is None:
        os.kill(instance.redis.proc.pid, signal.SIGCONT)  # whatever the test reached, stop() must find it awake
    instance.stop()


def test_a_frozen_redis_fails_the_operation_within_seconds_and_a_move_works_once_it_answers(console):
    session = console.session()
    pk = applied_and_started(console, session)
    os.kill(console.redis.proc.pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        response = console.operate(session, pk, operation="group_move", group="failover1", server="server2")
        took = time.monotonic() - began
        assert response.status_code == 302 and took < 10, (response.status_code, took)
        frozen_run = console.latest_run_url(session, pk)
        status, error = console.run_status(session, frozen_run)
        assert status == "failed" and error.startswith("The broker was unreachable"), (status, error)
    finally:
        os.kill(console.redis.proc.pid, signal.SIGCONT)
    # The worker and beat reconnect by themselves; the cluster is not locked by the failed run.
    console.operate(session, pk, operation="group_move", group="failover1", server="server2")
    moved = wait(lambda: (url := console.latest_run_url(session, pk)) != frozen_run and url, 30, "a new run")
    assert console.finish(session, moved) == ("succeeded", "")
    assert console.vip_targets() == {console.ids["servers"]["server2"]["eni_id"]}
